"""Which SP-API reports a data folder needs, and which periods of them are not in it yet.

The data folder is the state: a fetched file is named ``<name> <start>..<end>.<ext>``
(date-ranged reports: ``All Orders 2026-11-01..2026-11-30.txt``) or ``<name> <day>.<ext>``
(snapshots: ``Manage FBA Inventory 2026-12-02.txt``), and the moment it was fetched (the
run's ``now``) is kept in the folder's hidden fetch log (``.postship-fetch.json``,
:func:`~postship_analysis.fetch.common.record_fetched`) and as its modification time, so the
next run can tell what is missing or may have changed since. The log survives a copy that
loses file times; a file it does not list (fetched before the log existed) is judged by its
modification time.

Incremental rule for a date-ranged report, per calendar month in the marketplace's time zone
(SP-API caps most report requests at about 30 days; a month is the unit a seller downloads by
hand). A month is requested when

* no file covers it, or
* its file ends before the month's last day (it was fetched mid-month), or
* its file was fetched less than the report's restatement window after the month's end
  (Amazon may still change rows of those days: statuses, late events), see
  :data:`RESTATEMENT_DAYS`.

The current month is requested up to yesterday (today is not over). A month for which
Amazon had nothing (report CANCELLED without a document) leaves a hidden marker
``.<name> <start>..<end>.nodata`` (the data folder never reads dot-files) so that it is not
asked again. A snapshot report is requested once per marketplace day: when no snapshot of it
was fetched today.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import contract
from .common import fetched_at


@dataclasses.dataclass(frozen=True)
class SpReport:
    """One SP-API report type as the data folder wants it."""

    key: str                     # the data folder's report key (datafolder registry)
    report_type: str             # SP-API reportType
    name: str                    # file name stem, as a manual download is usually named
    snapshot: bool               # True: one date (the day Amazon took it); False: a period
    date_column: str | None      # the column that dates a row (ranged reports)
    options: tuple = ()          # reportOptions as (key, value) pairs
    whole_span: bool = False     # one file over the whole span instead of one per month

    @property
    def report_options(self) -> dict | None:
        return dict(self.options) or None


#: The SP-API reports a data folder takes (docs/INPUTS.md). Ranged reports are requested per
#: month by their date column's day; snapshots as of the request. The order report with
#: ship-by dates is GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING (orders placed in the period;
#: seller-fulfilled orders only). The sales and traffic report is asked by day and child ASIN,
#: what TACoS and the ASIN-to-SKU map read; its by-ASIN section totals the requested period
#: and the data folder keeps one such total per ASIN (the newest file's), so it is one file
#: over the whole span (``whole_span``), requested again whenever yesterday is not in it:
#: monthly files would leave only the last month's totals.
SP_REPORTS: tuple[SpReport, ...] = (
    SpReport("all_orders", "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", "All Orders",
             False, "purchase-date"),
    SpReport("order_promises", "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING", "Order Report",
             False, "purchase-date"),
    SpReport("fba_shipments", "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL",
             "Amazon Fulfilled Shipments", False, "shipment-date"),
    SpReport("fba_myi", "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA", "Manage FBA Inventory",
             True, None),
    SpReport("fba_planning", "GET_FBA_INVENTORY_PLANNING_DATA", "FBA Inventory", True, None),
    SpReport("inventory_ledger", "GET_LEDGER_DETAIL_VIEW_DATA", "Inventory Ledger", False,
             "date"),
    SpReport("restock_report", "GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT",
             "Restock Inventory Recommendations", True, None),
    SpReport("fba_returns", "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA", "FBA customer returns",
             False, "return-date"),
    SpReport("mfn_returns", "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE", "Returns Report", False,
             "return request date"),
    SpReport("seller_performance_json", "GET_V2_SELLER_PERFORMANCE_REPORT",
             "seller-performance", True, None),
    SpReport("sales_traffic_json", "GET_SALES_AND_TRAFFIC_REPORT", "sales-and-traffic", False,
             "date", (("dateGranularity", "DAY"), ("asinGranularity", "CHILD")), True),
)
BY_TYPE = {r.report_type: r for r in SP_REPORTS}

#: Days after a period's end during which Amazon may still change its rows, so a month fetched
#: earlier than that is fetched again (our decisions, each with its reason; override per run):
#: - orders (All Orders, order report): an order's status and last-updated-date change until
#:   it ships or is cancelled; 14 days covers the handling time plus the pending period of
#:   nearly every order (the 7-day cancellation-rate window, domain.md, closes inside it);
#: - seller-fulfilled returns: a return request's status, label and delivery date fill in as
#:   the parcel travels back: 30 days (the return window a buyer has to send it);
#: - FBA returns, fulfilled shipments, ledger: rows are posted when the unit is received or
#:   shipped; 3 days covers Amazon's posting delay;
#: - sales and traffic: refunds and late-attributed sessions revise recent days; 7 days.
RESTATEMENT_DAYS: dict[str, int] = {
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL": 14,
    "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING": 14,
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL": 3,
    "GET_LEDGER_DETAIL_VIEW_DATA": 3,
    "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA": 3,
    "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE": 30,
    "GET_SALES_AND_TRAFFIC_REPORT": 7,
}

#: months of history requested for a fresh folder without ``--since`` (INPUTS.md: 18 months
#: of orders the first time, for seasonality and forecasting; the same for the other reports
#: so every table covers the same span)
HISTORY_MONTHS = 18
#: the longest span a whole-span report is asked for: Amazon keeps sales and traffic data two
#: years (Data Kiosk analytics_salesAndTraffic: "The start date must be no more than two years
#: ago"; the same data as GET_SALES_AND_TRAFFIC_REPORT)
WHOLE_SPAN_DAYS = 730

_RANGE_RE = re.compile(r"^(?P<name>.+) (?P<start>\d{4}-\d{2}-\d{2})\.\.(?P<end>\d{4}-\d{2}-\d{2})"
                       r"\.(?P<ext>[A-Za-z0-9.]+)$")
_DAY_RE = re.compile(r"^(?P<name>.+) (?P<day>\d{4}-\d{2}-\d{2})\.(?P<ext>[A-Za-z0-9.]+)$")
NODATA = ".nodata"


@dataclasses.dataclass(frozen=True)
class Period:
    """A month (or the part of it wanted) of a ranged report."""

    start: date
    end: date
    replaces: tuple[str, ...] = ()   # file names in the folder this period's file supersedes
    reason: str = "missing"


def local_today(now: datetime, marketplace: str) -> date:
    """The marketplace-local calendar day of ``now`` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(ZoneInfo(contract.marketplace(marketplace).tz)).date()


def range_name(report: SpReport, start: date, end: date, ext: str) -> str:
    return f"{report.name} {start.isoformat()}..{end.isoformat()}.{ext}"


def snapshot_name(report: SpReport, day: date, ext: str) -> str:
    return f"{report.name} {day.isoformat()}.{ext}"


def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def add_months(d: date, n: int) -> date:
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


def _fetched_day(p: Path, marketplace: str) -> date:
    tz = ZoneInfo(contract.marketplace(marketplace).tz)
    return fetched_at(p).astimezone(tz).date()


def existing_ranges(folder: Path, report: SpReport, marketplace: str
                    ) -> list[tuple[str, date, date, date]]:
    """Files (and no-data markers) of a ranged report in ``folder``: (file name, start, end,
    marketplace-local day it was fetched, from the fetch log or its modification time)."""
    out = []
    if not folder.is_dir():
        return out
    for p in folder.iterdir():
        name = p.name
        if name.startswith(".") and name.endswith(NODATA):
            name = name[1:-len(NODATA)] + ".x"
        elif name.startswith("."):
            continue
        m = _RANGE_RE.match(name)
        if not m or m["name"] != report.name:
            continue
        try:
            start, end = date.fromisoformat(m["start"]), date.fromisoformat(m["end"])
        except ValueError:
            continue
        out.append((p.name, start, end, _fetched_day(p, marketplace)))
    return out


def periods_to_fetch(folder: str | Path, report: SpReport, marketplace: str, *, now: datetime,
                     since: date | None = None, restatement_days: int | None = None,
                     history_months: int = HISTORY_MONTHS) -> list[Period]:
    """The months of a ranged report to request for one marketplace folder (module docstring).

    ``since`` is the first day wanted (default: the earliest fetched file's start, or
    ``history_months`` back for a fresh folder). Months end at yesterday, marketplace time.

    >>> import tempfile
    >>> from datetime import timezone
    >>> d = Path(tempfile.mkdtemp())
    >>> r = BY_TYPE["GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"]
    >>> [(p.start.isoformat(), p.end.isoformat()) for p in periods_to_fetch(
    ...     d, r, "US", now=datetime(2026, 12, 2, 20, tzinfo=timezone.utc), since=date(2026, 10, 15))]
    [('2026-10-15', '2026-10-31'), ('2026-11-01', '2026-11-30'), ('2026-12-01', '2026-12-01')]
    """
    folder = Path(folder)
    window = RESTATEMENT_DAYS.get(report.report_type, 7) if restatement_days is None \
        else restatement_days
    today = local_today(now, marketplace)
    last = today - timedelta(days=1)
    have = existing_ranges(folder, report, marketplace)
    if since is None:
        since = min((s for _, s, _, _ in have), default=None) or \
            add_months(date(today.year, today.month, 1), -history_months)
    if report.whole_span:
        return _whole_span(have, report, since, today, window)
    out: list[Period] = []
    month = date(since.year, since.month, 1)
    while month <= last:
        start, end = max(month, since), min(month_end(month), last)
        in_month = [h for h in have if h[1] <= month_end(month) and h[2] >= month]
        covering = [h for h in in_month if h[1] <= start and h[2] >= end]
        reason = None
        if not in_month:
            reason = "missing"
        elif not covering:
            reason = f"fetched up to {max(h[2] for h in in_month)}"
        else:
            best = max(covering, key=lambda h: (h[2], h[3]))
            if best[3] < best[2] + timedelta(days=window) and today > best[3]:
                reason = (f"fetched {best[3]}, within the {window}-day restatement window "
                          f"after {best[2]}")
        if reason:
            out.append(Period(start, end, tuple(h[0] for h in in_month), reason))
        month = add_months(month, 1)
    return out


def _whole_span(have, report: SpReport, since: date, today: date, window: int) -> list[Period]:
    """One period from ``since`` (at most :data:`WHOLE_SPAN_DAYS` back) to yesterday, due
    when no file covers it or the covering one is within its restatement window."""
    last = today - timedelta(days=1)
    start = max(since, today - timedelta(days=WHOLE_SPAN_DAYS))
    if start > last:
        return []
    covering = [h for h in have if h[1] <= start and h[2] >= last]
    replaces = tuple(h[0] for h in have)
    if not have:
        return [Period(start, last, (), "missing")]
    if not covering:
        return [Period(start, last, replaces, f"fetched up to {max(h[2] for h in have)}")]
    best = max(covering, key=lambda h: (h[2], h[3]))
    if best[3] < best[2] + timedelta(days=window) and today > best[3]:
        return [Period(start, last, replaces, f"fetched {best[3]}, within the {window}-day "
                       f"restatement window after {best[2]}")]
    return []


def existing_snapshots(folder: Path, report: SpReport, marketplace: str
                       ) -> list[tuple[str, date, date]]:
    """Snapshot files of ``report`` in ``folder``: (file name, snapshot day, day fetched)."""
    out = []
    if not folder.is_dir():
        return out
    for p in folder.iterdir():
        m = _DAY_RE.match(p.name)
        if p.name.startswith(".") or not m or m["name"] != report.name:
            continue
        try:
            day = date.fromisoformat(m["day"])
        except ValueError:
            continue
        out.append((p.name, day, _fetched_day(p, marketplace)))
    return out


def snapshot_due(folder: str | Path, report: SpReport, marketplace: str, *,
                 now: datetime) -> bool:
    """True when no snapshot of ``report`` was fetched on the marketplace's today."""
    today = local_today(now, marketplace)
    return not any(fetched == today or day >= today
                   for _, day, fetched in existing_snapshots(Path(folder), report, marketplace))
