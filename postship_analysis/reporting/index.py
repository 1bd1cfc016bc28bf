"""The run's front page (``OUT/index.html``) and the history across runs (``OUT/history.csv``).

``index.html`` is what a seller opens on Monday morning, in this order (STYLE.md §6):

1. **This week**: every report's actions (:mod:`.actions`) across all accounts, ranked by
   what is at stake (a failing Amazon metric or a policy breach, then deadlines due now, then
   metrics at risk, then money), each linked to its list in its report. What, how many and by
   when come first.
2. **Failing and at-risk KPIs**, with value, target and what they are based on.
3. **Reports**: each account's reports with their status in words (``ok``, ``no data`` with
   the reason, ``failed`` with the error).
4. **All KPIs**, grouped by area (account health, customer service, inventory, advertising,
   data) and marketplace, with the catalogue's labels (:mod:`postship_analysis.kpi_catalogue`),
   units and each marketplace's currency symbol; status is a word beside its colour.
5. **History**: each KPI on the last as-of dates, from ``history.csv``, which every run
   adds to (one row per KPI and parameter set; a rerun of a set's as-of date replaces its
   rows).

All text from the data is HTML-escaped; tables are built by :func:`.tables.table` (pandas
Styler). The page has no script and loads nothing.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from .. import __version__, spreadsheet
from ..kpi_catalogue import AREAS, CATALOGUE, info
from . import actions as A
from . import formats as F
from .publish import write_text_atomic
from .render import PRINT_CSS, TABLE_CSS
from .tables import STATUS_WORDS, status_class, table

HISTORY_COLUMNS = ["ran_at", "seller_id", "marketplaces", "as_of", "folder", "set_status",
                   "notebook", "name", "marketplace", "value", "unit", "target",
                   "target_condition", "status"]
HISTORY_DATES = 6  # as-of dates shown in the history table
ACTIONS_SHOWN = 40  # lines of "this week" on the page (every line is in the reports)
SET_WORDS = {"ok": "ok", "no_data": "no data", "failed": "failed"}


def _rel(out_root: Path, p: Path) -> str:
    return "/".join(quote(part) for part in Path(p).resolve().relative_to(
        Path(out_root).resolve()).parts)


def fmt_value(value, unit: str, name: str = "", marketplace: str = "") -> str:
    """A KPI value for people, by the catalogue's format (``5.56%``, ``€395.00``, ``1,234``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return F.MISSING
    i = info(name) if name else None
    if i is None or (name not in CATALOGUE and i.area == "Other"):
        fmt = {"fraction": "percent", "count": "count", "days": "days", "weeks": "weeks",
               "currency": "money"}.get(unit, "money" if len(unit) == 3 and unit.isupper()
                                         else "number")
    else:
        fmt = i.fmt
    return F.kpi_value(value, fmt, unit, marketplace)


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
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.2em 1.6em;color:#212529;
     font-size:14px;max-width:1800px}
h1{margin:.1em 0 .1em;font-size:1.7em} h2{margin:1.4em 0 .3em;font-size:1.3em}
h3{margin:1em 0 .2em;font-size:1.05em}
.meta{color:#495057;margin:.2em 0 .8em}
.detail{display:block;color:#495057;font-size:12px}
.none{color:#2b8a3e}
"""


def _link(href: str, text: str) -> str:
    return f"<a href='{escape(href, quote=True)}'>{escape(text)}</a>" if href else escape(text)


def _status_word(st: str) -> str:
    return STATUS_WORDS.get(st, st.replace("_", " "))


def _account(ps) -> str:
    p = ps.params
    mp = f" [{p['marketplaces']}]" if p.get("marketplaces") else ""
    return f"{p.get('seller_id') or '(all)'}{mp}"


def _report_hrefs(out_root: Path, ps, s: dict) -> dict[str, str]:
    return {nb["notebook"].removesuffix(".ipynb"): _rel(out_root, ps.out_dir / nb["html"])
            for nb in s["notebooks"] if nb["html"]}


def _this_week(out_root: Path, sets, summaries) -> str:
    items = []
    hrefs = {}
    for ps, s in zip(sets, summaries, strict=True):
        hrefs[ps.index] = _report_hrefs(out_root, ps, s)
        for d in s.get("actions", []):
            a = A.Action.from_dict(d)
            items.append(((a, ps.params.get("as_of")), ps))
    if not items:
        return ("<h2 id='this-week'>This week</h2><p class='none'>No report declared an action "
                "for this week.</p>")
    ranked = A.rank([i[0] for i in items])
    set_of = {id(i[0][0]): i[1] for i in items}
    rows = []
    for a, as_of in ranked[:ACTIONS_SHOWN]:
        ps = set_of[id(a)]
        href = hrefs[ps.index].get(a.report, "")
        if href and a.anchor:
            href += "#" + quote(a.anchor)
        what = _link(href, a.what) + (f"<span class='detail'>{escape(a.detail)}</span>"
                                      if a.detail else "")
        rows.append({"priority": A.TIERS[A.tier(a, as_of)], "what": what,
                     "how_many": a.count, "by_when": a.due or "",
                     "at_stake": A.stake_text(a), "account": _account(ps),
                     "marketplace": a.marketplace, "report": a.report})
    df = pd.DataFrame(rows)
    df["by_when"] = df["by_when"].replace("", F.MISSING)
    df["at_stake"] = df["at_stake"].replace("", F.MISSING)
    t = table(df, "this-week-actions",
              decision=("priority", "what", "how_many", "by_when", "at_stake"),
              formats={"what": "html", "how_many": "count", "by_when": "label",
                       "priority": "label", "at_stake": "label"},
              labels={"what": "What to do", "how_many": "How many", "by_when": "By when",
                      "at_stake": "At stake", "priority": "Why now"},
              max_rows=None, max_cols=None, total_rows=len(ranked))
    more = (f"<p class='meta'>{len(ranked) - ACTIONS_SHOWN} more lines in the reports.</p>"
            if len(ranked) > ACTIONS_SHOWN else "")
    return (f"<h2 id='this-week'>This week: {len(ranked)} action(s), most at stake first</h2>"
            "<p class='meta'>Failing Amazon metrics and policy breaches first, then what is due "
            "now, then metrics at risk, then money. Each line opens its list in the report."
            f"</p>{t.html}{more}")


def _kpi_frame(out_root: Path, sets, summaries) -> pd.DataFrame:
    rows = []
    for ps, s in zip(sets, summaries, strict=True):
        hrefs = _report_hrefs(out_root, ps, s)
        for k in s["kpis"]:
            i = info(k["name"])
            mp = str(k.get("marketplace") or "")
            rows.append({**k, "label": i.label, "area": i.area, "fmt": i.fmt,
                         "order": list(CATALOGUE).index(k["name"]) if k["name"] in CATALOGUE
                         else len(CATALOGUE), "account": _account(ps), "set": ps.index,
                         "href": hrefs.get(k.get("notebook", ""), ""), "mp": mp})
    return pd.DataFrame(rows)


def _attention(kf: pd.DataFrame) -> str:
    if kf.empty:
        return ""
    bad = kf[kf["status"].isin(["fail", "at_risk", "below_recommendation"])].copy()
    head = ("<h2 id='attention'>Failing and at-risk KPIs</h2><p class='meta'>Failing Amazon's "
            "target first, then inside our warning band, then below a recommendation Amazon "
            "does not enforce.</p>")
    if bad.empty:
        return head + "<p class='none'>No KPI fails or is at risk against its target.</p>"
    bad["_o"] = bad["status"].map({"fail": 0, "at_risk": 1, "below_recommendation": 2})
    bad = bad.sort_values(["_o", "account", "order", "mp"], kind="stable")
    rows = []
    for r in bad.itertuples():
        unit = r.unit or ""
        based = (f"{F.count(r.numerator)} of {F.count(r.denominator)}"
                 if pd.notna(r.numerator) and pd.notna(r.denominator) and r.fmt == "percent"
                 else "")
        rows.append({"status": _status_word(r.status),
                     "kpi": _link((r.href + "#kpis") if r.href else "", r.label),
                     "account": r.account, "marketplace": r.mp,
                     "value": F.kpi_value(r.value, r.fmt, unit, r.mp),
                     "target": F.kpi_target(r.target, r.target_condition or "", r.fmt, unit,
                                            r.mp) or F.MISSING,
                     "based_on": based or F.MISSING, "window": r.window or F.MISSING})
    t = table(pd.DataFrame(rows), "failing-kpis",
              decision=("status", "kpi", "account", "marketplace", "value", "target"),
              formats={"kpi": "html", "status": "label", "value": "label", "target": "label",
                       "based_on": "label", "window": "label"},
              labels={"kpi": "KPI", "based_on": "Based on"}, max_rows=None, max_cols=None)
    return head + t.html


def _reports(out_root: Path, sets, summaries, result) -> str:
    parts = ["<h2 id='reports'>Reports</h2>"]
    for ps, s in zip(sets, summaries, strict=True):
        hrefs = _report_hrefs(out_root, ps, s)
        rows = []
        for nb in s["notebooks"]:
            stem = nb["notebook"].removesuffix(".ipynb")
            rows.append({"report": _link(hrefs.get(stem, ""), stem),
                         "status": SET_WORDS.get(nb["status"], nb["status"]),
                         "note": nb["error"] or nb["message"] or F.MISSING})
        folder = _rel(out_root, ps.out_dir)
        cap = (f"{_account(ps)}, as of {ps.params.get('as_of', '')}: "
               f"{SET_WORDS.get(s['status'], s['status'])}")
        t = table(pd.DataFrame(rows), f"reports-{ps.index}", decision=("report", "status"),
                  formats={"report": "html", "status": "label", "note": "text"},
                  max_rows=None, caption=cap)
        parts.append(t.html + f"<p class='meta'>Files: <a href='{escape(folder)}/summary.json'>"
                              f"{escape(folder)}/summary.json</a> and the CSV lists beside it."
                              "</p>")
    if result.failed:
        rows = [{"account": sets[r.set_index].label, "report": r.notebook, "error": r.error}
                for r in result.failed]
        parts.append("<h3 id='failures'>Failures</h3>" + table(
            pd.DataFrame(rows), "failures", decision=("account", "report", "error"),
            formats={"error": "text"}, max_rows=None).html)
    return "".join(parts)


def _all_kpis(kf: pd.DataFrame) -> str:
    if kf.empty:
        return ""
    parts = ["<h2 id='all-kpis'>All KPIs by area and marketplace</h2><p class='meta'>Each "
             "cell: value and status against the target (no word: no target).</p>"]
    for (setno, account), g in kf.groupby(["set", "account"], sort=True):
        if kf["set"].nunique() > 1:
            parts.append(f"<h3>{escape(account)}</h3>")
        areas = [a for a in AREAS if a in set(g["area"])] + sorted(set(g["area"]) - set(AREAS))
        for area in areas:
            ga = g[g["area"] == area]
            mps = sorted(ga["mp"].unique())
            rows = []
            for _, gk in ga.sort_values("order", kind="stable").groupby("name", sort=False):
                first = gk.iloc[0]
                row = {"kpi": _link((first.href + "#kpis") if first.href else "", first.label)}
                targets = []
                for mp in mps:
                    r = gk[gk["mp"] == mp]
                    if r.empty:
                        row[mp] = F.MISSING
                        continue
                    r = r.iloc[0]
                    st = r.status or "info"
                    word = ("" if st == "info" else
                            f" <span class='st-word'>{escape(_status_word(st))}</span>")
                    v = escape(F.kpi_value(r.value, r.fmt, r.unit or "", mp))
                    row[mp] = f"<span class='st st-{status_class(st)}'>{v}{word}</span>"
                    t = F.kpi_target(r.target, r.target_condition or "", r.fmt, r.unit or "", mp)
                    if t:
                        targets.append((mp, t))
                uniq = sorted({t for _, t in targets})
                row["target"] = escape(uniq[0] if len(uniq) == 1 else "; ".join(
                    f"{t} ({mp})" for mp, t in targets)) if targets else F.MISSING
                rows.append(row)
            df = pd.DataFrame(rows)
            t = table(df, f"kpis-{setno}-{area.lower().replace(' ', '-')}",
                      decision=["kpi"] + mps, formats={c: "html" for c in df.columns},
                      labels={"kpi": "KPI", "target": "Target"}, max_rows=None, max_cols=None,
                      caption=area)
            parts.append(t.html)
    return "".join(parts)


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
                cells.append(f"<td class='num'>{F.MISSING}</td>")
            else:
                st = r.status or "info"
                cells.append(f"<td class='num st st-{status_class(st)}' title='{escape(st)}'>"
                             f"{escape(fmt_value(r.value, r.unit, name, mp))}</td>")
        vals = [by[d].value for d in dates if d in by]
        change = F.MISSING
        if len(vals) >= 2 and pd.notna(vals[-1]) and pd.notna(vals[-2]):
            unit = g["unit"].iloc[-1]
            diff = vals[-1] - vals[-2]
            change = (f"{diff * 100:+.2f} pp" if unit == "fraction" else f"{diff:+,.4g}")
        rows.append(f"<tr><td class='lbl'>{escape(info(name).label)}</td><td class='lbl'>"
                    f"{escape(mp)}</td>{''.join(cells)}<td class='num'>{escape(change)}</td></tr>")
    return (f"<div class='ps-table-wrap'><table class='ps-table history'><tr><th>KPI</th>"
            f"<th>marketplace</th>{head}<th>change vs previous</th></tr>{''.join(rows)}"
            "</table></div>")


def page_title(sets) -> str:
    """``This week · sample-seller · as of 2026-11-01`` (accounts and as-of dates of the run)."""
    accts = sorted({_account(ps) for ps in sets})
    days = sorted({str(ps.params.get("as_of", "")) for ps in sets if ps.params.get("as_of")})
    who = accts[0] if len(accts) == 1 else f"{len(accts)} accounts"
    when = (f"as of {days[0]}" if len(days) == 1 else
            f"as of {days[0]} to {days[-1]}" if days else "")
    return " · ".join(p for p in ("Post-ship reports: this week", who, when) if p)


def write_index(out_root: str | Path, sets, result, ran_at: str) -> Path:
    """Write ``OUT/index.html`` for a run (see the module docstring)."""
    out_root = Path(out_root)
    title = page_title(sets)
    n_failed = len(result.failed)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
             f"<title>{escape(title)}</title><style>{_CSS}{TABLE_CSS}{PRINT_CSS}</style>"
             f"</head><body><h1>{escape(title)}</h1><p class='meta'>Generated {escape(ran_at)}"
             f" · postship-analysis {escape(__version__)} · {len(sets)} account run(s), "
             f"{len(result.runs)} report(s), {n_failed} failed · <a href='#attention'>failing "
             "KPIs</a> · <a href='#reports'>reports</a> · <a href='#all-kpis'>all KPIs</a> · "
             "<a href='#history'>history</a></p>"]
    parts.append(_this_week(out_root, sets, result.summaries))
    kf = _kpi_frame(out_root, sets, result.summaries)
    parts.append(_attention(kf))
    parts.append(_reports(out_root, sets, result.summaries, result))
    parts.append(_all_kpis(kf))
    h = read_history(out_root)
    if len(h):
        parts.append("<h2 id='history'>History</h2><p class='meta'>Each KPI on the latest "
                     "as-of dates (the newest run for a date), from history.csv.</p>")
        for (seller, mps), g in h.groupby(["seller_id", "marketplaces"], sort=True):
            parts.append(f"<h3>{escape(seller)}{' [' + escape(mps) + ']' if mps else ''}</h3>")
            parts.append(_history_table(g))
    parts.append("</body></html>\n")
    return write_text_atomic(out_root / "index.html", "".join(parts))
