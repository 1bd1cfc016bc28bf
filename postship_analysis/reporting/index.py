"""The run's front page (``OUT/index.html``) and the history across runs (``OUT/history.csv``).

``index.html`` has, per parameter set (account x marketplaces x as-of), the overall status, a
link to every report and one tile per headline KPI coloured by its status against Amazon's
target (pass / at risk / fail / no data); then the failures of this run; then, per account, a
history table: each KPI's value on the last as-of dates, from ``history.csv``, which every run
adds to (one row per KPI and parameter set; a rerun of a set's as-of date replaces its rows).
All text from the data is HTML-escaped. The page has no script and loads nothing.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from .. import __version__, spreadsheet
from .plots import STATUS_COLOURS
from .publish import write_text_atomic

HISTORY_COLUMNS = ["ran_at", "seller_id", "marketplaces", "as_of", "folder", "set_status",
                   "notebook", "name", "marketplace", "value", "unit", "target",
                   "target_condition", "status"]
HISTORY_DATES = 6  # as-of dates shown in the history table
SET_COLOURS = {"ok": STATUS_COLOURS["pass"], "no_data": STATUS_COLOURS["no_data"],
               "failed": STATUS_COLOURS["fail"]}


def _rel(out_root: Path, p: Path) -> str:
    return "/".join(quote(part) for part in Path(p).resolve().relative_to(
        Path(out_root).resolve()).parts)


def fmt_value(value, unit: str) -> str:
    """A KPI value for people: fractions as %, counts with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    if unit == "fraction":
        return f"{v:.2%}"
    if v.is_integer():
        return f"{v:,.0f}" + ("" if unit == "count" else f" {unit}")
    return f"{v:,.3g}" + ("" if unit == "count" else f" {unit}")


def fmt_target(target, condition: str, unit: str) -> str:
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return ""
    return f"target {condition} {fmt_value(target, unit)}"


def append_history(out_root: str | Path, sets, summaries: list[dict], ran_at: str) -> Path:
    """Add this run's KPIs to ``OUT/history.csv`` (created if absent): one row per KPI and
    parameter set. A rerun for the same account, marketplaces and as-of date *replaces* that
    set's earlier rows, so the history holds one run per as-of date and never doubles. The
    file is rewritten whole through :func:`postship_analysis.spreadsheet.write_csv`
    (neutralised text, renamed into place)."""
    p = Path(out_root) / "history.csv"
    new_rows = []
    for ps, s in zip(sets, summaries, strict=True):
        base = {"ran_at": ran_at, "seller_id": ps.params.get("seller_id", ""),
                "marketplaces": ps.params.get("marketplaces", ""),
                "as_of": ps.params.get("as_of", ""), "folder": _rel(out_root, ps.out_dir),
                "set_status": s["status"]}
        if not s["kpis"]:
            new_rows.append(base)
        for k in s["kpis"]:
            new_rows.append({**base, **{c: k.get(c) for c in HISTORY_COLUMNS[6:]}})
    new = spreadsheet.neutralise_frame(pd.DataFrame(new_rows, columns=HISTORY_COLUMNS))
    key = ["seller_id", "marketplaces", "as_of"]
    if p.exists():
        old = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        old = old.reindex(columns=HISTORY_COLUMNS, fill_value="")
        rerun = pd.MultiIndex.from_frame(old[key].astype(str)).isin(
            pd.MultiIndex.from_frame(new[key].fillna("").astype(str)))
        new = pd.concat([old[~rerun], new], ignore_index=True)
    return spreadsheet.write_csv(new, p)


def read_history(out_root: str | Path) -> pd.DataFrame:
    """``history.csv`` with, per account, marketplaces, as-of date and KPI, the latest run."""
    p = Path(out_root) / "history.csv"
    if not p.exists():
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    h = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    h["value"] = pd.to_numeric(h["value"], errors="coerce")
    h = h[h["name"] != ""]
    h = h.sort_values("ran_at", kind="stable").drop_duplicates(
        ["seller_id", "marketplaces", "as_of", "notebook", "name", "marketplace"], keep="last")
    return h


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{margin-bottom:.2em} .meta{color:#555}
.set{border:1px solid #ccc;border-radius:6px;padding:.8em 1em;margin:1em 0}
.badge{display:inline-block;padding:.1em .5em;border-radius:4px;border:1px solid #999}
.tiles{display:flex;flex-wrap:wrap;gap:.6em;margin:.6em 0}
.tile{display:block;width:12.5em;padding:.5em .6em;border-radius:6px;border:1px solid #aaa;
      color:#222;text-decoration:none}
.tile .name{font-size:.8em;word-break:break-word} .tile .value{font-size:1.5em;font-weight:600}
.tile .target{font-size:.75em;color:#444}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ccc;padding:.2em .5em;
      font-size:.9em;text-align:left} td.num{text-align:right}
"""


def _tile(k: dict, href: str) -> str:
    colour = STATUS_COLOURS.get(k.get("status") or "info", "#fff")
    return (f"<a class='tile kpi-tile status-{escape(str(k.get('status')))}' href='{href}' "
            f"style='background:{colour}'><div class='name'>{escape(str(k['name']))} · "
            f"{escape(str(k['marketplace']))}</div><div class='value'>"
            f"{escape(fmt_value(k.get('value'), k.get('unit', '')))}</div><div class='target'>"
            f"{escape(fmt_target(k.get('target'), k.get('target_condition', ''), k.get('unit', '')))}"
            f" · {escape(str(k.get('status')))}</div></a>")


def _history_table(h: pd.DataFrame) -> str:
    dates = sorted(h["as_of"].unique())[-HISTORY_DATES:]
    h = h[h["as_of"].isin(dates)]
    head = "".join(f"<th>{escape(d)}</th>" for d in dates)
    rows = []
    for (name, mp), g in h.groupby(["name", "marketplace"], sort=True):
        by = {r.as_of: r for r in g.itertuples()}
        cells = []
        for d in dates:
            r = by.get(d)
            if r is None:
                cells.append("<td></td>")
            else:
                c = STATUS_COLOURS.get(r.status or "info", "#fff")
                cells.append(f"<td class='num' style='background:{c}'>"
                             f"{escape(fmt_value(r.value, r.unit))}</td>")
        vals = [by[d].value for d in dates if d in by]
        change = ""
        if len(vals) >= 2 and pd.notna(vals[-1]) and pd.notna(vals[-2]):
            unit = g["unit"].iloc[-1]
            diff = vals[-1] - vals[-2]
            change = (f"{diff * 100:+.2f} pp" if unit == "fraction" else f"{diff:+,.4g}")
        rows.append(f"<tr><td>{escape(name)}</td><td>{escape(mp)}</td>{''.join(cells)}"
                    f"<td class='num'>{escape(change)}</td></tr>")
    return (f"<table class='history'><tr><th>KPI</th><th>marketplace</th>{head}"
            f"<th>change vs previous</th></tr>{''.join(rows)}</table>")


def write_index(out_root: str | Path, sets, result, ran_at: str) -> Path:
    """Write ``OUT/index.html`` for a run (see the module docstring)."""
    out_root = Path(out_root)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Post-ship reports</title><style>{_CSS}</style></head><body>"
             f"<h1>Post-ship reports</h1><p class='meta'>Ran at {escape(ran_at)} · "
             f"postship-analysis {escape(__version__)} · {len(sets)} parameter set(s), "
             f"{len(result.runs)} report(s), {len(result.failed)} failed</p>"]
    if result.failed:
        parts.append("<h2>Failures</h2><table class='failures'><tr><th>account</th>"
                     "<th>notebook</th><th>error</th></tr>")
        for r in result.failed:
            ps = sets[r.set_index]
            link = r.html or r.ipynb
            name = (f"<a href='{_rel(out_root, Path(link))}'>{escape(r.notebook)}</a>"
                    if link else escape(r.notebook))
            parts.append(f"<tr><td>{escape(ps.label)}</td><td>{name}</td>"
                         f"<td>{escape(r.error)}</td></tr>")
        parts.append("</table>")
    for ps, s in zip(sets, result.summaries, strict=True):
        colour = SET_COLOURS.get(s["status"], "#fff")
        parts.append(f"<section class='set'><h2>{escape(ps.label)} <span class='badge' "
                     f"style='background:{colour}'>{escape(s['status'])}</span></h2>"
                     "<table class='reports'><tr><th>report</th><th>status</th><th>note</th></tr>")
        html_of = {}
        for nb in s["notebooks"]:
            stem = nb["notebook"].removesuffix(".ipynb")
            href = _rel(out_root, ps.out_dir / nb["html"]) if nb["html"] else ""
            html_of[stem] = href
            link = f"<a href='{href}'>{escape(stem)}</a>" if href else escape(stem)
            c = SET_COLOURS.get(nb["status"], "#fff")
            parts.append(f"<tr><td>{link}</td><td style='background:{c}'>"
                         f"{escape(nb['status'])}</td><td>{escape(nb['error'] or nb['message'])}"
                         f"</td></tr>")
        parts.append("</table><div class='tiles'>")
        for k in s["kpis"]:
            parts.append(_tile(k, html_of.get(k["notebook"], "")))
        parts.append(f"</div><p class='meta'>Folder: <a href='{_rel(out_root, ps.out_dir)}/"
                     f"summary.json'>{escape(_rel(out_root, ps.out_dir))}/summary.json</a></p>"
                     "</section>")
    h = read_history(out_root)
    if len(h):
        parts.append("<h2>History</h2><p class='meta'>Each KPI on the latest as-of dates "
                     "(the newest run for a date), from history.csv.</p>")
        for (seller, mps), g in h.groupby(["seller_id", "marketplaces"], sort=True):
            parts.append(f"<h3>{escape(seller)}{' [' + escape(mps) + ']' if mps else ''}</h3>")
            parts.append(_history_table(g))
    parts.append("</body></html>\n")
    return write_text_atomic(out_root / "index.html", "".join(parts))
