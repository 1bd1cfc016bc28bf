"""Tables for people: every table a report shows goes through :func:`table` / :func:`show`.

Built on pandas' Styler (``DataFrame.style``): one formatter per column, chosen from the
column's type and name (:func:`kind_of`; override with ``formats=``), the index hidden, a
caption, CSS classes the report template styles. What it does, so a seller can read a table
in seconds:

* **No index column**: a meaningful index (a group key) becomes ordinary columns; a
  two-level column header (``unstack``) is flattened to ``orders · US``.
* **Formatted by column type** (:mod:`.formats`): percentages, money with the currency symbol
  of the row's marketplace, counts, dates, durations, yes/no; no number with more than two
  decimals.
* **Missing values** are ``—``, and the table says once below it what is missing and why
  (``missing={"amazon_qty": "no Restock Inventory report"}``).
* **Decision columns first** (``decision=("sku", "recommended_qty", "ship_by_date")``: what,
  how many, by when), marked in the HTML so a browser test can check they are on screen.
* **Long or wide tables are capped** (``max_rows``, ``max_cols``) with a link to the full CSV
  written beside the report (``csv=outputs.write_csv(...)``).
* **Links** in text are clickable; **text from the data is escaped** (a product name such as
  ``<script>`` is shown, never run).
* **Status in words**: status columns keep their word and get a class (``st-fail``) the
  template colours, so status is never shown by colour alone.

A table has an ``id`` (``name``): the index links each action to it
(``30_inventory_restock.html#restock_plan``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from . import formats as F

#: how each kind is rendered (``label`` and ``text`` are escaped, ``label`` does not wrap;
#: ``html`` is markup the caller built and escaped itself, e.g. the index's links)
KINDS = ("percent", "money", "count", "number", "decimal1", "date", "duration", "bool",
         "label", "text", "html")

_RATIO = re.compile(r"(ratio|multiplier|factor|odds|roas|rmsse|score|sell_through|slope|"
                    r"intercept)")
_PERCENT = re.compile(r"((^|_)(acos|tacos|ctr|cvr|share|deficit|bias|margin|pct)($|_))|"
                      r"(_rate($|_))|(^p_(?!value))|(^share_)")
_PER_DAY = re.compile(r"((ramp|baseline|sales|daily|hourly)_rate|per_day|demand)")
_MONEY = re.compile(r"(^|_)(spend|sales|price|cost|cogs|fees?|budget|bid|cpc|revenue|amount|"
                    r"profit|aov|surcharge|usd|eur|gbp)($|_)")
_COUNT = re.compile(r"(^|_)(units|orders|clicks|impressions|qty|quantity|count|skus|messages|"
                    r"episodes|rows|packages|claims|returns|incidents|defects|lines|on_hand|"
                    r"available|inbound|reserved|safety_stock|reorder_point|accepted|rejected|"
                    r"read|late|pending|answered|unanswered|targets|templates|chargebacks|"
                    r"feedback|files|n)($|_)|^n_")
_DURATION = re.compile(r"(days|hours|weeks|minutes|(^|_)(p50|p75|p90|p95|p99|mean|median)"
                       r"($|_))")
_CURRENCY_IN_NAME = re.compile(r"(^|_)(usd|eur|gbp)($|_)")

#: short, human column names; anything else is the name with spaces (``days of supply``)
LABELS = {
    "sku": "SKU", "asin": "ASIN", "marketplace": "Marketplace", "seller_id": "Account",
    "acos": "ACoS", "tacos": "TACoS", "roas": "ROAS", "ctr": "CTR", "cvr": "CVR", "cpc": "CPC",
    "max_cpc": "Max CPC", "recommended_qty": "Quantity to send", "ship_by_date": "Ship by",
    "order_id": "Order", "advertised_sku": "SKU", "fulfillment_channel": "Channel",
    "ship_by_ts": "Ship by", "ship_by_local": "Ship by (local)", "amazon_qty": "Amazon qty",
    "amazon_ship_date": "Amazon ship date", "break_even_acos": "Break-even ACoS",
    "target_acos": "Target ACoS", "acos_status": "ACoS status", "p_value": "p-value",
    "p_cvr_below_be": "P(CVR below break-even)", "ipi_proxy": "IPI proxy",
    "url": "Link", "kpi": "KPI",
}
_ACRONYMS = {"sku": "SKU", "asin": "ASIN", "acos": "ACoS", "tacos": "TACoS", "cvr": "CVR",
             "ctr": "CTR", "cpc": "CPC", "roas": "ROAS", "id": "id", "ids": "ids",
             "ipi": "IPI", "fba": "FBA", "mfn": "MFN", "afn": "AFN", "odr": "ODR",
             "usd": "USD", "eur": "EUR", "t30": "t30", "t90": "t90", "t7": "t7", "qty": "qty",
             "mrp": "MRP", "ci": "CI", "wismo": "WISMO", "vtr": "VTR", "lsr": "LSR"}

_STATUS_COL = re.compile(r"(^|_)(status|action|state|outcome)$")
_URL = re.compile(r"https?://[^\s<>\"']+")


def label(name) -> str:
    """A column name for people: ``recommended_qty`` -> ``Quantity to send``,
    ``days_of_supply`` -> ``Days of supply``."""
    s = str(name)
    if s in LABELS:
        return LABELS[s]
    words = [_ACRONYMS.get(w.lower(), w) for w in re.split(r"[_\s]+", s) if w]
    if not words:
        return s
    first = words[0]
    if first == first.lower():
        first = first[:1].upper() + first[1:]
    return " ".join([first] + words[1:])


def _values(s: pd.Series) -> pd.Series:
    return s.dropna()


def kind_of(name, s: pd.Series) -> str:
    """How a column is shown (one of :data:`KINDS`), from its dtype and name."""
    n = str(name).lower()
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or isinstance(s.dtype, pd.PeriodDtype):
        return "date"
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return "duration"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return _numeric_kind(n, s)
    v = _values(s)
    if len(v) and all(isinstance(x, (pd.Timestamp, pd.Period)) or hasattr(x, "isoformat")
                      for x in v):
        return "date"
    if len(v) and all(isinstance(x, (bool, np.bool_)) for x in v):
        return "bool"
    if len(v) and all(isinstance(x, (int, float, np.integer, np.floating))
                      and not isinstance(x, (bool, np.bool_)) for x in v):
        return _numeric_kind(n, pd.to_numeric(v))
    lens = v.astype(str).str.len()
    return "text" if len(lens) and lens.max() > 32 else "label"


def _numeric_kind(n: str, s: pd.Series) -> str:
    if _RATIO.search(n):
        return "number"
    if _PER_DAY.search(n):
        return "decimal1"
    if _PERCENT.search(n):
        return "percent"
    if _MONEY.search(n):
        return "money"
    if pd.api.types.is_integer_dtype(s.dtype) or _COUNT.search(n):
        return "count"
    if _DURATION.search(n):
        return "decimal1"
    return "number"


def _text(v) -> str:
    """Escaped text, URLs made clickable; lists joined."""
    if F.is_missing(v):
        return F.MISSING
    if isinstance(v, (list, tuple, set, np.ndarray)):
        v = ", ".join(str(x) for x in v)
    elif isinstance(v, (float, np.floating, int, np.integer)) and not isinstance(v, bool):
        return F.number(v)
    elif isinstance(v, (pd.Timestamp, pd.Period)):
        return F.date(v)
    s = html.escape(str(v))
    return _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', s)


def _trusted(v) -> str:
    return F.MISSING if F.is_missing(v) else str(v)


def _escaped(fn: Callable) -> Callable:
    return lambda v: html.escape(fn(v))


def _bool(v) -> str:
    if F.is_missing(v):
        return F.MISSING
    return "yes" if bool(v) else "no"


_FORMATTERS: dict[str, Callable] = {
    "percent": F.percent, "count": F.count, "number": F.number, "decimal1": F.decimal1,
    "date": F.date, "duration": F.duration, "bool": _bool, "label": _text, "text": _text,
}


def _flatten(df: pd.DataFrame) -> pd.DataFrame:
    """Index into columns, two-level column headers flattened, unique column names."""
    if isinstance(df, pd.Series):
        df = df.to_frame()
    if isinstance(df.columns, pd.MultiIndex):
        df = df.copy()
        df.columns = [" · ".join(str(p) for p in c if str(p) != "") for c in df.columns]
    named = any(n is not None for n in df.index.names)
    if named or not isinstance(df.index, pd.RangeIndex):
        if named:
            df = df.reset_index()
        else:
            df = df.reset_index(drop=True)
    cols, seen = [], {}
    for c in df.columns:
        c = str(c) if not isinstance(c, str) else c
        k = seen.get(c, 0)
        seen[c] = k + 1
        cols.append(c if k == 0 else f"{c} ({k + 1})")
    df = df.copy()
    df.columns = cols
    return df.reset_index(drop=True)


class Table:
    """A rendered table: ``_repr_html_`` for Jupyter, ``.html`` for anything else."""

    def __init__(self, html_text: str, name: str, rows: int, shown: int):
        self.html, self.name, self.rows, self.shown = html_text, name, rows, shown

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"table {self.name or ''}: {self.shown} of {self.rows} rows".replace("  ", " ")


def status_class(v) -> str:
    """CSS class suffix of a status word: ``"at_risk"`` / ``"▲ at risk"`` -> ``"at-risk"``."""
    return re.sub(r"[^a-z0-9]+", "-", str(v).lower()).strip("-") or "none"


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(s)).strip("-") or "table"


def table(df: pd.DataFrame | pd.Series, name: str = "", *, decision: Iterable[str] = (),
          columns: Iterable[str] | None = None, formats: Mapping[str, str] | None = None,
          labels: Mapping[str, str] | None = None, max_rows: int | None = 25,
          max_cols: int | None = 12, missing: Mapping[str, str] | None = None,
          caption: str = "", csv: str | Path | None = None, currency: str = "",
          empty: str = "Nothing to list.", total_rows: int | None = None) -> Table:
    """``df`` as an HTML table for people (see the module docstring).

    Parameters
    ----------
    name : id of the table in the page (the anchor the index links to); also names the CSV.
    decision : the columns a reader acts on (what, how many, by when), shown first.
    columns : the columns to show, in order (default: all); decision columns go first.
    formats : column -> kind (:data:`KINDS`) where the name does not say it.
    labels : column -> header, beside :data:`LABELS`.
    max_rows, max_cols : caps (None: no cap); a capped table says so and links ``csv``.
    missing : column -> why a value may be missing, said once below the table.
    csv : the full table's file beside the report (``outputs.write_csv`` returns it).
    currency : currency of money columns where the rows have no ``currency`` or
        ``marketplace`` column.
    empty : what to say when there are no rows.
    total_rows : rows of the full list when ``df`` is already cut (default ``len(df)``).
    """
    df = _flatten(df)
    n_rows = len(df) if total_rows is None else int(total_rows)
    name = _slug(name) if name else ""
    anchor = f' id="{html.escape(name)}"' if name else ""
    csv_name = Path(csv).name if csv else ""
    csv_link = (f'<a href="{html.escape(csv_name)}">{html.escape(csv_name)}</a>'
                if csv_name else "")
    cap = f"<p class='ps-caption'>{html.escape(caption)}</p>" if caption else ""
    if df.empty:
        return Table(f"<div class='ps-table-wrap ps-empty'{anchor}>{cap}<p class='ps-empty'>"
                     f"{html.escape(empty)}</p></div>", name, 0, 0)
    order = list(columns) if columns is not None else list(df.columns)
    order = [c for c in order if c in df.columns]
    dec = [c for c in decision if c in df.columns]
    order = dec + [c for c in order if c not in dec]
    n_cols = len(order)
    if max_cols is not None and len(order) > max(max_cols, len(dec)):
        order = order[:max(max_cols, len(dec))]
    view = df.loc[:, order]
    if max_rows is not None and len(view) > max_rows:
        view = view.head(max_rows)
    view = view.reset_index(drop=True)
    formats = dict(formats or {})
    kinds = {c: formats.get(c) or kind_of(c, df[c]) for c in view.columns}
    cur = _row_currency(view, currency)
    from pandas.io.formats.style import Styler

    st = Styler(view, cell_ids=False, uuid=_slug(name or "t"))
    classes = pd.DataFrame("", index=view.index, columns=view.columns)
    for c, k in kinds.items():
        if k == "money":
            fixed = _CURRENCY_IN_NAME.search(c.lower())
            by = (pd.Series(fixed.group(2).upper(), index=view.index) if fixed else cur)
            for code, rows in by.groupby(by, sort=False).groups.items():
                st = st.format(lambda v, code=code: html.escape(F.money(v, code)),
                               subset=pd.IndexSlice[list(rows), [c]])
        else:
            fn = _FORMATTERS.get(k, _text)
            if k == "html":
                fn = _trusted
            st = st.format(fn if k in ("label", "text", "html") else _escaped(fn), subset=[c])
        cls = {"text": "txt", "label": "lbl", "date": "lbl", "html": "txt"}.get(k, "num")
        if k == "bool":
            cls = "lbl"
        classes[c] = cls
        if _STATUS_COL.search(c.lower()) and k in ("label", "text"):
            # a status word gets its colour class; a sentence (an action to take) wraps as text
            base = "txt" if k == "text" else "lbl"
            classes[c] = [f"{base} st st-{status_class(v)}" if len(str(v)) <= 40 else base
                          for v in view[c]]
            st = st.format(lambda v: _text(v.replace("_", " ") if isinstance(v, str) else v),
                           subset=[c])
    st = st.set_td_classes(classes)
    lab = {**LABELS, **(labels or {})}
    st = st.format_index(lambda c: html.escape(lab.get(c, label(c))), axis=1)
    st = st.hide(axis="index")
    attrs = (f'class="ps-table" data-decision-cols="{len(dec)}" '
             f'data-rows="{n_rows}"')
    st = st.set_table_attributes(attrs)
    body = st.to_html(doctype_html=False).replace('<style type="text/css">\n</style>\n', "")
    for j in range(len(dec)):
        body = body.replace(f'class="col_heading level0 col{j}"',
                            f'class="col_heading level0 col{j} decision"', 1)
    notes = []
    capped_rows = len(view) < n_rows
    capped_cols = len(view.columns) < n_cols
    if capped_rows or capped_cols:
        what = []
        if capped_rows:
            what.append(f"{len(view):,} of {n_rows:,} rows")
        if capped_cols:
            what.append(f"{len(view.columns)} of {n_cols} columns")
        where = f"; all of them in {csv_link}" if csv_link else ""
        notes.append(f"Showing {' and '.join(what)}{where}.")
    elif csv_link:
        notes.append(f"Also in {csv_link}.")
    na_cols = [c for c in view.columns if view[c].map(F.is_missing).any()]
    if na_cols:
        why = missing or {}
        parts = [f"<b>{html.escape(lab.get(c, label(c)))}</b>"
                 + (f" ({html.escape(why[c])})" if c in why else "") for c in na_cols]
        notes.append("— = not available: " + ", ".join(parts) + ".")
    note_html = "".join(f"<p class='ps-note'>{n}</p>" for n in notes)
    return Table(f"<div class='ps-table-wrap'{anchor}>{cap}{body}{note_html}</div>",
                 name, n_rows, len(view))


def _row_currency(view: pd.DataFrame, default: str) -> pd.Series:
    if "currency" in view.columns:
        c = view["currency"].astype("string").fillna(default).astype(str)
    elif "marketplace" in view.columns:
        c = view["marketplace"].map(F.currency_of)
        c = c.where(c != "", default)
    else:
        c = pd.Series(default, index=view.index)
    return c.fillna("").astype(str)


def show(df, name: str = "", **kw) -> None:
    """Display :func:`table` in a notebook (returns nothing, so it never shows twice)."""
    from IPython.display import display

    display(table(df, name, **kw))


# ---------------------------------------------------------------------------------------------
# KPI tables
# ---------------------------------------------------------------------------------------------

STATUS_WORDS = {"pass": "✔ pass", "at_risk": "▲ at risk", "fail": "✖ fail",
                "below_recommendation": "▽ below recommendation", "no_data": "○ no data",
                "info": "info"}


def kpi_rows(kpis) -> pd.DataFrame:
    """KPI records (list of :class:`~postship_analysis.kpi.KPI`, a ``kpi_frame`` or dicts)
    as display rows with catalogue labels and formatted values."""
    from dataclasses import asdict, is_dataclass

    from ..kpi_catalogue import info

    if isinstance(kpis, pd.DataFrame):
        recs = kpis.to_dict(orient="records")
    else:
        recs = [asdict(k) if is_dataclass(k) else dict(k) for k in kpis]
    rows = []
    for r in recs:
        i = info(r["name"])
        unit = r.get("unit") or i.unit
        mp = str(r.get("marketplace") or "")
        st = r.get("status") or "info"
        num, den = r.get("numerator"), r.get("denominator")
        basis = ""
        if not F.is_missing(den) and i.fmt == "percent":
            basis = (f"{F.count(num)} of {F.count(den)}" if not F.is_missing(num)
                     else f"of {F.count(den)}")
        note = r.get("note") or ""
        if st == "no_data" and not note:
            note = "nothing in the window to compute it from"
        rows.append({
            "status": STATUS_WORDS.get(st, st), "kpi": i.label, "marketplace": mp,
            "value": F.kpi_value(r.get("value"), i.fmt, unit, mp),
            "target": F.kpi_target(r.get("target"), r.get("target_condition", ""), i.fmt,
                                   unit, mp),
            "based_on": basis, "window": r.get("window") or "", "note": note,
            "source": r.get("target_source") or i.source, "_status": st, "_name": r["name"],
            "_area": i.area})
    return pd.DataFrame(rows, columns=["status", "kpi", "marketplace", "value", "target",
                                       "based_on", "window", "note", "source", "_status",
                                       "_name", "_area"])


#: status order in KPI tables: what needs attention first
SEVERITY = {"fail": 0, "at_risk": 1, "below_recommendation": 2, "no_data": 3, "pass": 4,
            "info": 5}


def kpi_table(kpis, name: str = "kpis", *, sort: bool = True, **kw) -> Table:
    """The headline KPIs of a report: status (word and colour), label, marketplace, value
    with its unit, target, what it is based on, window, and a note where there is no value
    (which report it needs). Failing and at-risk KPIs first (``sort``); the sources of the
    targets are listed once below the table."""
    rows = kpi_rows(kpis)
    if sort and len(rows):
        rows = rows.assign(_o=rows["_status"].map(SEVERITY).fillna(9)).sort_values(
            "_o", kind="stable").drop(columns="_o")
    view = rows.drop(columns=["_status", "_name", "_area", "source"])
    if not (view["note"] != "").any():
        view = view.drop(columns="note")
    view = view.replace("", F.MISSING)
    t = table(view, name, decision=("status", "kpi", "marketplace", "value", "target"),
              max_rows=None, max_cols=None,
              formats={c: "label" for c in view.columns} | {"note": "text"},
              labels={"kpi": "KPI", "based_on": "Based on"},
              empty="No KPI could be computed from these inputs.", **kw)
    srcs = [s for s in dict.fromkeys(rows.loc[rows["target"] != "", "source"]) if s]
    if srcs:
        t.html = t.html.removesuffix("</div>") + (
            "<p class='ps-note'>Targets: " + "; ".join(html.escape(s) for s in srcs)
            + ".</p></div>")
    return t
