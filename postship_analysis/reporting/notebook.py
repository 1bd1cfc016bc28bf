"""What a report notebook calls to show things, so notebooks stay thin and every report looks
and behaves the same.

>>> from postship_analysis.reporting import notebook as R   # doctest: +SKIP
>>> R.show(plan, "restock_plan", decision=("sku", "recommended_qty", "ship_by_date"))  # doctest: +SKIP

* :func:`show` / :func:`show_kpis`: tables for people (:mod:`.tables`).
* :func:`loaded`: one line on what was read (the data overview has the details; the runner
  adds the parameters and input files at the end of the page).
* :func:`require`: KPIs whose inputs are missing become ``no_data`` with the report to
  download (:func:`postship_analysis.kpi_catalogue.require_inputs`).
* :func:`can_run`: whether a section can run, by the same table ``check-data`` prints
  (:func:`postship_analysis.datafolder.can_run`); says why not in the report.
* :func:`no_data`: declare the report ``no_data`` with its reason (shown at the top of the
  report and on the index, never a reassuring "ok").
* :func:`note`: a short markdown note.
"""

from __future__ import annotations

import pandas as pd

from .. import datafolder, kpi_catalogue
from . import outputs
from . import tables as _tables
from .tables import kpi_table, table  # noqa: F401


def _display(obj) -> None:
    from IPython.display import display

    display(obj)


def note(text: str) -> None:
    """A markdown paragraph (the text is the notebook's own, not data)."""
    from IPython.display import Markdown

    _display(Markdown(text))


def loaded(inputs) -> None:
    """``Rows loaded: 35,140 accepted, 1 rejected (see the data overview).``"""
    acc = inputs.accounting()
    note(f"Rows loaded: {int(acc['accepted'].sum()):,} accepted, {int(acc['rejected'].sum()):,} "
         "rejected (see the data overview).")


def require(kpis, inputs) -> list:
    """KPIs with missing inputs made ``no_data``, saying which report they need."""
    return kpi_catalogue.require_inputs(kpis, datafolder.present(inputs),
                                        datafolder.report_names)


def can_run(inputs, section: str, say: bool = True) -> bool:
    """Whether a report section (:data:`postship_analysis.datafolder.SECTIONS`) can run; if
    not and ``say``, the report says what it needs."""
    ok, why = datafolder.can_run(inputs, section)
    if not ok and say:
        note(f"**{section}: not computed** — {why}. See docs/INPUTS.md for where to download "
             "it.")
    return ok


def no_data(output_dir: str, notebook: str, why: str) -> None:
    """Declare the report ``no_data`` (the runner shows ``why`` at the top of the report and
    the index says "no data"); exploring in JupyterLab (no ``output_dir``) it is shown here."""
    outputs.write_status(output_dir, notebook, "no_data", why)
    if not output_dir:
        note(f"**No data:** {why}.")


def _one_account(df):
    """Without the ``seller_id`` column when it holds one account (the report's title names
    it)."""
    if isinstance(df, pd.DataFrame) and "seller_id" in df.columns and \
            df["seller_id"].nunique(dropna=False) <= 1:
        return df.drop(columns="seller_id")
    return df


def show(df, name: str = "", **kw) -> None:
    """A table for people (:func:`.tables.show`), without a one-account ``seller_id``
    column."""
    _tables.show(_one_account(df), name, **kw)


#: columns of a metric table (``fulfilment.late_shipment_rate`` and the like) and how to show
#: them: value and target are fractions
METRIC_FORMATS = {"value": "percent", "target": "percent", "numerator": "count",
                  "denominator": "count"}


def show_metrics(df, name: str = "", by=(), labels=None, formats=None, **kw) -> None:
    """A table of metric rows (``kpi``, ``value``, ``numerator``, ``denominator``,
    ``target``, ``status``, window): the KPI's catalogue label, value and target as
    percentages, decision columns marketplace, ``by``, KPI, value, target, status."""
    d = df.copy()
    if "kpi" in d.columns:
        d["kpi"] = d["kpi"].map(lambda n: kpi_catalogue.info(str(n)).label)
    lab = {"value": "Rate", "numerator": "Counted", "denominator": "Out of"} | (labels or {})
    fm = METRIC_FORMATS | (formats or {})
    dec = ("marketplace", *by, "kpi", "value", "target", "status")
    show(d, name, decision=kw.pop("decision", dec), labels=lab, formats=fm,
         missing=kw.pop("missing", {"value": "nothing in the window",
                                    "target": "no Amazon target"}), **kw)


def window_empty(inputs, tables, as_of, days: int, output_dir: str, notebook: str) -> bool:
    """When none of ``tables`` has a row in the ``days`` days before ``as_of``, declare the
    report ``no_data`` with that reason (:func:`postship_analysis.datafolder.empty_window`)
    and return True: a window without data must not read as a pass."""
    why = datafolder.empty_window(inputs, tables, as_of, days)
    if why:
        no_data(output_dir, notebook, why)
    return bool(why)


def show_kpis(kpis, name: str = "kpis") -> None:
    """The report's KPI table (:func:`.tables.kpi_table`)."""
    _display(kpi_table(kpis, name))
