"""Business Report and Sales and Traffic report -> the ``sales_traffic`` table (domain.md §4g).

* **Business Report CSV** (Seller Central > Reports > Business Reports): *Detail Page Sales
  and Traffic By Child Item* (or *By Parent Item*), one row per ASIN over the chosen period
  (``report_date`` ``<NA>``), and *Sales and Traffic by Date*, one row per day (its first
  column is ``Date``). Values are text such as ``$1,234.56`` and ``12.34%``; the first header
  may carry a UTF-8 byte-order mark. Report types ``business_report`` and
  ``business_report_by_date``.
* **GET_SALES_AND_TRAFFIC_REPORT** (SP-API Reports API, JSON): ``salesAndTrafficByDate``
  (one row per day, week or month: ``report_date`` is the first day of the period) and
  ``salesAndTrafficByAsin`` (one row per parent ASIN, child ASIN or SKU over the whole
  report period: ``report_date`` ``<NA>``). Money is ``{amount, currencyCode}``; percentages
  are 0-100 numbers there (``unitSessionPercentage 12.5``) and become fractions (0.125).
  Report type ``sales_traffic_json``.

Units: ``sessions``, ``page_views``, ``units_ordered``, ``total_order_items`` are counts;
``buy_box_pct`` and ``unit_session_pct`` fractions (unit session percentage = units ordered /
sessions, Amazon's conversion rate); ``ordered_product_sales`` money in ``currency``.

Example
-------
>>> # read_business_report("BusinessReport-1-15-25.csv", marketplace="US").data
>>> # read_sales_traffic_json("GET_SALES_AND_TRAFFIC_REPORT.json").data
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import contract
from ..errors import WrongReportError
from .core import (
    Field,
    ReadResult,
    ReportSpec,
    combine,
    load_json,
    load_text,
    read_records,
    read_report,
    reader,
    register,
)

_WHERE = "Seller Central > Reports > Business Reports > {} (Download (.csv))"

_COMMON = (
    ("sessions", ("Sessions - Total", "Sessions"), "int"),
    ("page_views", ("Page Views - Total", "Page Views"), "int"),
    ("buy_box_pct", ("Featured Offer (Buy Box) Percentage", "Buy Box Percentage"), "pct"),
    ("unit_session_pct", ("Unit Session Percentage",), "pct"),
    ("total_order_items", ("Total Order Items",), "int"),
    ("units_refunded", ("Units Refunded",), "int"),
)


def _fields(first: tuple[Field, ...]) -> tuple[Field, ...]:
    return first + tuple(
        Field(name, aliases, kind, min_value=0 if kind == "int" else None)
        for name, aliases, kind in _COMMON)


BUSINESS_REPORT = register(ReportSpec(
    report_type="business_report",
    title="Business Report: Detail Page Sales and Traffic by Child (or Parent) Item",
    table="sales_traffic",
    amazon_name="Detail Page Sales and Traffic By Child Item",
    where=_WHERE.format("By ASIN > Detail Page Sales and Traffic By Child Item"),
    key=("parent_asin", "child_asin", "sku", "sessions", "page_views", "units_ordered",
         "ordered_product_sales"),
    fields=_fields((
        Field("parent_asin", ("(Parent) ASIN", "Parent ASIN"), required=True),
        Field("child_asin", ("(Child) ASIN", "Child ASIN")),
        Field("sku", ("SKU",)),
        Field("title", ("Title",)),
        Field("units_ordered", ("Units Ordered",), "int", required=True, min_value=0),
        Field("ordered_product_sales", ("Ordered Product Sales",), "money"),
    )),
))

BUSINESS_REPORT_BY_DATE = register(ReportSpec(
    report_type="business_report_by_date",
    title="Business Report: Sales and Traffic by Date",
    table="sales_traffic",
    amazon_name="Sales and Traffic (by date)",
    where=_WHERE.format("By Date > Sales and Traffic"),
    key=("report_date", "sessions", "page_views", "units_ordered", "ordered_product_sales"),
    fields=_fields((
        Field("report_date", ("Date",), "date", required=True, notnull=True),
        Field("units_ordered", ("Units Ordered",), "int", required=True, min_value=0),
        Field("ordered_product_sales", ("Ordered Product Sales",), "money", required=True),
    )),
))

# The JSON report, after flattening (see _flatten): the schema's own key names.
SALES_TRAFFIC_JSON = register(ReportSpec(
    report_type="sales_traffic_json",
    title="Sales and Traffic report (JSON)",
    table="sales_traffic",
    amazon_name="GET_SALES_AND_TRAFFIC_REPORT",
    where="SP-API Reports API: createReport with reportType GET_SALES_AND_TRAFFIC_REPORT "
          "(reportOptions dateGranularity DAY|WEEK|MONTH, asinGranularity PARENT|CHILD|SKU)",
    fields=(
        Field("report_date", ("date",), "date"),
        Field("parent_asin", ("parentAsin",)),
        Field("child_asin", ("childAsin",)),
        Field("sku", ("sku",)),
        Field("sessions", ("sessions",), "int", min_value=0),
        Field("page_views", ("pageViews",), "int", min_value=0),
        Field("buy_box_pct", ("buyBoxPercentage",), "pct100"),
        Field("units_ordered", ("unitsOrdered",), "int", min_value=0),
        Field("unit_session_pct", ("unitSessionPercentage",), "pct100"),
        Field("ordered_product_sales", ("orderedProductSales",), "money"),
        Field("currency", ("orderedProductSalesCurrency",)),
        Field("total_order_items", ("totalOrderItems",), "int", min_value=0),
        Field("units_refunded", ("unitsRefunded",), "int", min_value=0),
    ),
))

# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------

_SYMBOLS = (("R$", "BRL"), ("£", "GBP"), ("€", "EUR"), ("₹", "INR"), ("¥", "JPY"), ("￥", "JPY"),
            ("zł", "PLN"))
_ONE_MARKETPLACE = {"GBP": "UK", "INR": "IN", "JPY": "JP", "BRL": "BR", "PLN": "PL"}


def _symbol_currency(path: Path, spec: ReportSpec) -> str | None:
    """Currency named by the symbol in the Ordered Product Sales values (``£12.50`` -> GBP)."""
    rt = load_text(path, spec, columns=["ordered_product_sales"])
    if "ordered_product_sales" not in rt.frame.columns:
        return None
    text = rt.frame["ordered_product_sales"].astype("string")
    for sym, cur in _SYMBOLS:
        if text.str.contains(sym, regex=False).any():
            return cur
    return None


def _read_csv(path, spec: ReportSpec, *, seller_id, marketplace, columns) -> ReadResult:
    path = Path(path)
    sym_cur = _symbol_currency(path, spec)
    warnings = []
    if marketplace is None and sym_cur in _ONE_MARKETPLACE:
        marketplace = _ONE_MARKETPLACE[sym_cur]
    res = read_report(path, spec, seller_id=seller_id, marketplace=marketplace,
                                   columns=columns)
    mp = contract.marketplace(res.data["marketplace"].iloc[0] if res.accepted else
                              (marketplace or "US"))
    currency = sym_cur or mp.currency
    if sym_cur and sym_cur != mp.currency:
        warnings.append(f"money values are in {sym_cur} but the marketplace is {mp.code} "
                        f"({mp.currency}); pass marketplace=")
    res.data["currency"] = pd.Series([currency] * res.accepted, dtype="string")
    res.warnings.extend(warnings)
    return res


@reader("business_report")
def read_business_report(path, *, seller_id="default", marketplace=None,
                         columns=None) -> ReadResult:
    """Read a Business Report *Detail Page Sales and Traffic By Child Item* CSV.

    Also the *By Parent Item* variant and the shorter or longer header generations
    (``Sessions`` or ``Sessions - Total``, with or without SKU, with B2B columns). One row per
    ASIN over the report period (``report_date`` ``<NA>``). The currency is the one named by
    the money values' symbol where it is unambiguous (``£``, ``€``, ``₹``, ``¥``), else the
    marketplace's; without ``marketplace`` a symbol used by one marketplace only (``£``, ``₹``,
    ``¥``) sets it, else US.

    >>> # read_business_report("BusinessReport-1-15-25.csv").data[["child_asin", "sessions"]]
    """
    return _read_csv(path, BUSINESS_REPORT, seller_id=seller_id, marketplace=marketplace,
                     columns=columns)


@reader("business_report_by_date")
def read_business_report_by_date(path, *, seller_id="default", marketplace=None,
                                 columns=None) -> ReadResult:
    """Read a Business Report *Sales and Traffic* by-date CSV (first column ``Date``).

    One row per day; dates are read in the marketplace's order (``01/02/2025`` is 2 January in
    the US, 1 February in the UK).

    >>> # read_business_report_by_date("BusinessReport-by-date.csv", marketplace="UK").data
    """
    return _read_csv(path, BUSINESS_REPORT_BY_DATE, seller_id=seller_id,
                     marketplace=marketplace, columns=columns)


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


def _flatten(rec: dict, parts: tuple[str, ...], ids: tuple[str, ...]) -> dict:
    """One flat record: the id keys plus the metrics of ``parts``; money objects become
    ``<key>`` (amount) and ``<key>Currency``."""
    out = {k: rec.get(k) for k in ids if k in rec}
    for part in parts:
        block = rec.get(part) or {}
        if not isinstance(block, dict):
            continue
        for k, v in block.items():
            if isinstance(v, dict) and "amount" in v:
                out[k] = v.get("amount")
                out[k + "Currency"] = v.get("currencyCode")
            else:
                out[k] = v
    return out


@reader("sales_traffic_json")
def read_sales_traffic_json(path, *, seller_id="default", marketplace=None,
                            columns=None) -> ReadResult:
    """Read a ``GET_SALES_AND_TRAFFIC_REPORT`` JSON document (plain or gzipped).

    Both sections go into one table: by-date rows first (``report_date`` = the day, or the
    first day of the week or month for WEEK/MONTH granularity), then by-ASIN rows
    (``report_date`` ``<NA>``; ``child_asin``/``sku`` only with CHILD/SKU granularity).
    Quarantine ``line`` numbers records in that order (1-based). Percentages (0-100 in the
    file) become fractions: ``unitSessionPercentage 7.69`` -> 0.0769. The marketplace is
    ``marketplace`` or else the report's single ``marketplaceIds`` entry.
    ``columns`` is accepted for a uniform signature; JSON is always read whole.

    Amazon's schema examples have known inconsistencies (a ``browerPageViews`` typo, by-ASIN
    rows that do not add up, ``unitSessionPercentage`` 300.0); values are read as written.

    >>> # read_sales_traffic_json("sales-and-traffic.json").data.units_ordered.sum()
    """
    path = Path(path)
    obj = load_json(path)
    if not isinstance(obj, dict) or not ({"salesAndTrafficByDate", "salesAndTrafficByAsin"}
                                         & set(obj)):
        raise WrongReportError(path, "no salesAndTrafficByDate / salesAndTrafficByAsin section",
                               "a GET_SALES_AND_TRAFFIC_REPORT JSON document")
    spec_meta = obj.get("reportSpecification") or {}
    warnings = []
    if marketplace is None:
        ids = spec_meta.get("marketplaceIds") or []
        if ids:
            marketplace = contract.marketplace(ids[0]).code
            if len(ids) > 1:
                warnings.append(f"report covers {len(ids)} marketplaces; rows labelled "
                                f"{marketplace}")
    gran = (spec_meta.get("reportOptions") or {}).get("dateGranularity")
    if gran in ("WEEK", "MONTH"):
        warnings.append(f"dateGranularity {gran}: report_date is the first day of each "
                        f"{gran.lower()}")

    by_date = [_flatten(r, ("salesByDate", "trafficByDate"), ("date",))
               for r in obj.get("salesAndTrafficByDate") or []]
    by_asin = [_flatten(r, ("salesByAsin", "trafficByAsin"), ("parentAsin", "childAsin", "sku"))
               for r in obj.get("salesAndTrafficByAsin") or []]
    parts = [read_records(by_date, SALES_TRAFFIC_JSON, path=str(path), seller_id=seller_id,
                          marketplace=marketplace, line_offset=1),
             read_records(by_asin, SALES_TRAFFIC_JSON, path=str(path), seller_id=seller_id,
                          marketplace=marketplace, line_offset=len(by_date) + 1)]
    res = combine(parts, report_type=SALES_TRAFFIC_JSON.report_type)
    res.path = str(path)
    res.encoding = "json"
    res.warnings = [w for w in res.warnings if w != "no records"] + warnings
    if not by_date and not by_asin:
        res.warnings.append("no records")
    if res.accepted:
        mp_cur = contract.marketplace(res.data["marketplace"].iloc[0]).currency
        res.data["currency"] = res.data["currency"].fillna(mp_cur)
    return res


__all__ = ["BUSINESS_REPORT", "BUSINESS_REPORT_BY_DATE", "SALES_TRAFFIC_JSON",
           "read_business_report", "read_business_report_by_date", "read_sales_traffic_json"]
