"""Files a report leaves beside its HTML: action lists as CSV, headline KPIs and this week's
actions (:mod:`.actions`) as JSON.

Notebooks call these with their ``output_dir`` parameter (empty = write nothing, e.g. when an
analyst explores in JupyterLab). The runner gathers every notebook's KPI file into the run's
``summary.json``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from .. import spreadsheet
from ..kpi import KPI, kpi_frame


def _clean(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def write_kpis(kpis: list[KPI], output_dir: str | Path | None, notebook: str) -> Path | None:
    """Write ``<notebook>.kpis.json`` (a list of KPI records, stable key order)."""
    if not output_dir:
        return None
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    records = [{k: _clean(v) for k, v in r.items()}
               for r in kpi_frame(kpis).to_dict(orient="records")]
    p = out / f"{notebook}.kpis.json"
    p.write_text(json.dumps(records, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return p


def write_csv(df: pd.DataFrame, output_dir: str | Path | None, name: str) -> Path | None:
    """Write an action list as ``<name>.csv`` (UTF-8 with BOM so Excel shows accents right;
    timestamps as ISO 8601), through :func:`postship_analysis.spreadsheet.write_csv`: text
    that a spreadsheet would run as a formula gets a leading single quote."""
    if not output_dir:
        return None
    return spreadsheet.write_csv(df, Path(output_dir) / f"{name}.csv")


def gather_kpis(output_dir: str | Path) -> list[dict]:
    """Every ``*.kpis.json`` in a run folder, in file-name order."""
    rows = []
    for p in sorted(Path(output_dir).glob("*.kpis.json")):
        for r in json.loads(p.read_text(encoding="utf-8")):
            rows.append({"notebook": p.name.removesuffix(".kpis.json"), **r})
    return rows


def write_actions(actions, output_dir: str | Path | None, notebook: str) -> Path | None:
    """Write ``<notebook>.actions.json``: the report's lines for the week's to-do list
    (:class:`.actions.Action`), which the index gathers and ranks across reports and
    accounts. Write it even when empty: no line is a statement too."""
    if not output_dir:
        return None
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    records = [{k: _clean(v) for k, v in (a.to_dict() if hasattr(a, "to_dict") else dict(a)
                                           ).items()} for a in actions]
    for r in records:
        r["report"] = notebook
    p = out / f"{notebook}.actions.json"
    p.write_text(json.dumps(records, indent=2, sort_keys=True, default=str) + "\n",
                 encoding="utf-8")
    return p


def gather_actions(output_dir: str | Path) -> list[dict]:
    """Every ``*.actions.json`` in a run folder, in file-name order."""
    rows = []
    for p in sorted(Path(output_dir).glob("*.actions.json")):
        for r in json.loads(p.read_text(encoding="utf-8")):
            rows.append({**r, "report": p.name.removesuffix(".actions.json")})
    return rows


#: statuses a notebook may declare for itself (``failed`` is the runner's, from an error)
STATUSES = ("ok", "no_data")


def write_status(output_dir: str | Path | None, notebook: str, status: str,
                 message: str = "") -> Path | None:
    """Declare the report's status, e.g. ``write_status(OUT, "30_ads", "no_data", "no ads in
    this marketplace")``: an expected situation is reported (and shown in ``summary.json`` and
    the run's index), never an early ``sys.exit``. Writes ``<notebook>.status.json``."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    if not output_dir:
        return None
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    p = out / f"{notebook}.status.json"
    p.write_text(json.dumps({"status": status, "message": message}, sort_keys=True) + "\n",
                 encoding="utf-8")
    return p


def read_statuses(output_dir: str | Path) -> dict[str, dict]:
    """Statuses declared with :func:`write_status`, by notebook name."""
    return {p.name.removesuffix(".status.json"): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(Path(output_dir).glob("*.status.json"))}
