"""Run the report notebooks with papermill and render them to standalone HTML.

Two steps, as papermill recommends: execute (``papermill.execute_notebook``, with a per-cell
timeout) into ``OUT/<seller>/<as_of>/NN_name.ipynb``, then ``nbconvert``'s HTML exporter with
the code hidden (``exclude_input``); plots are embedded as PNG data, so the HTML file opens
offline and can be attached to an email. A notebook that fails keeps its executed copy with the
error visible, and is rendered too.

This is the only module (with :mod:`.cli`) that imports papermill.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from .outputs import gather_kpis

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = PACKAGE_ROOT / "notebooks"
KERNEL = "postship"


def report_notebooks(nb_dir: str | Path = NOTEBOOK_DIR, only: list[str] | None = None) -> list[Path]:
    """Report notebooks: ``NN_name.ipynb`` in ``nb_dir``, in order; ``only`` filters by prefix
    or name (``["00", "10_fulfilment_health"]``)."""
    nbs = sorted(Path(nb_dir).glob("[0-9][0-9]_*.ipynb"))
    if only:
        nbs = [n for n in nbs if any(n.stem == o or n.stem.startswith(o + "_") or n.name == o
                                     for o in only)]
    return nbs


def kernel_name(preferred: str = KERNEL) -> str:
    """The fixed kernel name if it is registered (``make`` registers it), else ``python3``."""
    from jupyter_client.kernelspec import find_kernel_specs

    specs = find_kernel_specs()
    return preferred if preferred in specs else "python3"


def render_html(ipynb: str | Path, html: str | Path, *, show_code: bool = False) -> Path:
    """Render an executed notebook to one standalone HTML file (code hidden by default)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(ipynb), as_version=4)
    exporter = HTMLExporter(exclude_input=not show_code, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    Path(html).write_text(body, encoding="utf-8")
    return Path(html)


@dataclass
class NotebookRun:
    notebook: str
    status: str  # "ok" or "failed"
    ipynb: str
    html: str
    error: str = ""


def run_notebook(nb: str | Path, out_dir: str | Path, parameters: dict, *,
                 timeout: int = 900, start_timeout: int = 120, show_code: bool = False,
                 kernel: str | None = None, progress: bool = False) -> NotebookRun:
    """Execute one notebook with ``parameters`` and render it; never raises on cell errors."""
    import papermill as pm

    nb = Path(nb)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_nb = out_dir / nb.name
    html = out_dir / (nb.stem + ".html")
    status, error = "ok", ""
    try:
        pm.execute_notebook(str(nb), str(out_nb), parameters=parameters,
                            kernel_name=kernel or kernel_name(), execution_timeout=timeout,
                            start_timeout=start_timeout, progress_bar=progress,
                            cwd=str(PACKAGE_ROOT))
    except pm.PapermillExecutionError as e:
        status, error = "failed", f"{e.ename}: {e.evalue}"
    if out_nb.exists():
        render_html(out_nb, html, show_code=show_code)
    return NotebookRun(nb.name, status, str(out_nb), str(html) if html.exists() else "", error)


def default_as_of(data_dir: str | Path) -> str:
    """The day after the newest order in the data (marketplace-local), as an ISO date.

    Used when no as-of date is given, so a report never depends on the clock.
    """
    from .. import contract, datafolder

    orders = datafolder.load(data_dir, tables=["orders"]).table("orders")
    if orders.empty:
        raise ValueError(f"no orders in {data_dir}: give the as-of date explicitly")
    days = contract.local_date(orders["purchase_ts"], orders["marketplace"])
    return str((days.max() + dt.timedelta(days=1)).date())


def run_reports(data_dir: str | Path, out_dir: str | Path, *, as_of: str | None = None,
                only: list[str] | None = None, show_code: bool = False, timeout: int = 900,
                nb_dir: str | Path = NOTEBOOK_DIR, extra: dict | None = None) -> list[NotebookRun]:
    """Run every report notebook for each seller account found in ``data_dir``.

    Output goes to ``out_dir/<seller>/<as_of>/``: executed notebooks, HTML, action CSVs, and a
    ``summary.json`` with each notebook's status and every headline KPI (stable names,
    fractions, target and status; no timestamps, so the same inputs give the same bytes).
    Returns the runs (failed ones included).
    """
    from .. import datafolder

    data_dir = Path(data_dir).resolve()
    as_of = as_of or default_as_of(data_dir)
    sellers = sorted({f.seller_id for f in datafolder.discover(data_dir)})
    runs = []
    for seller in sellers:
        target = Path(out_dir) / seller / as_of
        target.mkdir(parents=True, exist_ok=True)
        params = {"data_dir": str(data_dir), "seller_id": seller, "as_of": as_of,
                  "output_dir": str(target.resolve()), **(extra or {})}
        seller_runs = [run_notebook(nb, target, params, timeout=timeout, show_code=show_code)
                       for nb in report_notebooks(nb_dir, only)]
        summary = {
            "package_version": __version__,
            "parameters": {k: v for k, v in params.items() if k != "output_dir"},
            "notebooks": [{"notebook": r.notebook, "status": r.status, "error": r.error,
                           "html": Path(r.html).name if r.html else ""} for r in seller_runs],
            "kpis": gather_kpis(target),
        }
        (target / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        runs += seller_runs
    return runs
