"""The KPI catalogue: what each headline KPI is, for people and for the index.

One entry per stable KPI name (:mod:`postship_analysis.kpi`): a human label, the area it
belongs to, its unit and display format, which direction is better, where the number comes
from (definition and source), the report that computes it and the **inputs it needs**. The
target and its source stay in :data:`postship_analysis.kpi.TARGETS` (per marketplace through
:func:`~postship_analysis.kpi.target_for`); :meth:`KpiInfo.target` reads them from there, so
there is one place for each fact.

The inputs a KPI needs are canonical tables (:mod:`postship_analysis.contract`). A KPI whose
inputs were not in the data folder is not a zero: :func:`require_inputs` turns it into
``no_data`` with a note naming the reports to download (an order defect rate with no feedback,
claims or chargeback file would otherwise read as a reassuring 0 %).

Names not in the catalogue still display: :func:`info` builds a plain entry from the name, so
a new KPI never breaks a report; a test keeps every KPI of the sample in the catalogue.

>>> info("late_shipment_rate_10d").label
'Late shipment rate, 10 days'
>>> info("order_defect_rate_60d_mfn").label
'Order defect rate, 60 days, seller-fulfilled'
>>> info("ad_spend_30d").fmt
'money'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from .kpi import KPI, Target, target_for

#: areas in the order the index shows them
AREAS = ("Account health", "Customer service", "Inventory", "Advertising", "Data")

#: display formats (the reporting layer renders them): percent (fractions), money (currency of
#: the KPI's marketplace, or the KPI's unit when it is a currency code), count (whole numbers),
#: number, days, weeks, score
FORMATS = ("percent", "money", "count", "number", "days", "weeks", "score")


@dataclass(frozen=True)
class KpiInfo:
    """What a KPI is. ``direction``: ``"lower"`` (lower is better), ``"higher"`` or ``""``
    (neither: a volume or an amount to plan with). ``needs``: canonical tables that must have
    been in the data folder for the number to mean anything."""

    name: str
    label: str
    area: str
    fmt: str
    direction: str
    source: str
    report: str
    needs: tuple[str, ...] = ()
    unit: str = ""  # the unit KPI records carry ("fraction", "count", "days"...)
    #: the value computed without some of ``needs`` can only be lower than the true one (a
    #: union of defect kinds): when that lower bound already breaks the target, the KPI fails
    #: on it instead of hiding a certain failure as no data
    lower_bound_without_inputs: bool = False

    def target(self, marketplace: str = "") -> Target | None:
        """Amazon's (or our) target in ``marketplace``, from :mod:`postship_analysis.kpi`."""
        return target_for(self.name, marketplace)


def _k(name, label, area, fmt, direction, source, report, needs=(), unit="",
       lower_bound=False):
    default_unit = {"percent": "fraction", "count": "count", "days": "days",
                    "weeks": "weeks", "money": "currency"}.get(fmt, "")
    return KpiInfo(name, label, area, fmt, direction, source, report, tuple(needs),
                   unit or default_unit, lower_bound)


_FUL = "10_fulfilment_health"
_CUS = "20_customer_experience"
_INV = "30_inventory_restock"
_ADS = "40_advertising"
_ODR = ("orders", "feedback", "claims", "chargebacks")

_ENTRIES = [
    # -- account health (Amazon's seller-fulfilled metrics) ----------------------------------
    _k("late_shipment_rate_10d", "Late shipment rate, 10 days", "Account health", "percent",
       "lower", "orders confirmed after their ship-by date / orders due to ship, 10 days "
       "(fulfilment.late_shipment_rate)", _FUL, ("order_promises", "shipment_confirmations")),
    _k("late_shipment_rate_30d", "Late shipment rate, 30 days", "Account health", "percent",
       "lower", "as the 10-day rate, over 30 days (fulfilment.late_shipment_rate)", _FUL,
       ("order_promises", "shipment_confirmations")),
    _k("pre_fulfilment_cancel_rate_7d", "Cancellation rate, 7 days", "Account health",
       "percent", "lower", "seller-fulfilled orders cancelled before shipment / orders, 7 days; "
       "an upper bound, All Orders does not say who cancelled "
       "(fulfilment.pre_fulfilment_cancel_rate)", _FUL, ("orders",)),
    _k("valid_tracking_rate_30d", "Valid tracking rate, 30 days", "Account health", "percent",
       "higher", "packages with a valid tracking number and a carrier scan / packages "
       "confirmed, 30 days (fulfilment.valid_tracking_rate)", _FUL,
       ("shipment_confirmations", "delivery_events")),
    _k("on_time_delivery_rate_14d", "On-time delivery rate, 14 days", "Account health",
       "percent", "higher", "units delivered by the promised date / units with a delivery "
       "scan, 14 days (fulfilment.unit_on_time_delivery_rate)", _FUL,
       ("order_promises", "shipment_confirmations", "delivery_events")),
    _k("order_defect_rate_60d", "Order defect rate, 60 days", "Account health", "percent",
       "lower", "orders with negative feedback, an A-to-z claim or a chargeback / orders, "
       "60 days (defects.order_defect_rate)", _FUL, _ODR, lower_bound=True),
    _k("negative_feedback_rate_60d", "Negative feedback rate, 60 days", "Account health",
       "percent", "lower", "orders with 1-2 star feedback / orders, 60 days "
       "(defects.order_defect_rate)", _FUL, ("orders", "feedback")),
    _k("a_to_z_claim_rate_60d", "A-to-z claim rate, 60 days", "Account health", "percent",
       "lower", "orders with an A-to-z claim that counts / orders, 60 days "
       "(defects.order_defect_rate)", _FUL, ("orders", "claims")),
    _k("chargeback_rate_60d", "Chargeback rate, 60 days", "Account health", "percent",
       "lower", "orders with a service chargeback / orders, 60 days "
       "(defects.order_defect_rate)", _FUL, ("orders", "chargebacks")),
    _k("sfp_on_time_shipment_rate_7d", "Prime (SFP) on-time shipment, 7 days",
       "Account health", "percent", "higher", "Seller Fulfilled Prime units with a first "
       "carrier scan by the promised ship date / SFP units shipped, 7 days", _FUL,
       ("order_promises", "shipment_confirmations", "delivery_events")),
    _k("sfp_cancel_rate_7d", "Prime (SFP) cancellation rate, 7 days", "Account health",
       "percent", "lower", "SFP units cancelled before ship confirmation / SFP units ordered, "
       "7 days", _FUL, ("orders", "order_promises")),
    _k("sfp_on_time_delivery_rate_7d", "Prime (SFP) on-time delivery, 7 days",
       "Account health", "percent", "higher", "SFP units delivered by the promised date / SFP "
       "units with a delivery scan, 7 days", _FUL,
       ("order_promises", "shipment_confirmations", "delivery_events")),
    _k("sfp_valid_tracking_rate_7d", "Prime (SFP) valid tracking, 7 days", "Account health",
       "percent", "higher", "SFP packages with valid tracking / SFP packages, 7 days", _FUL,
       ("shipment_confirmations", "delivery_events")),
    # -- customer service ----------------------------------------------------------------------
    _k("late_response_rate_24h_30d", "Late replies (over 24 h), 30 days", "Customer service",
       "percent", "lower", "buyer messages answered after 24 h or not at all / messages "
       "judged, 30 days (customer.response_rates)", _CUS, ("buyer_messages",)),
    _k("wismo_answered_within_12h_30d", "'Where is my order?' answered within 12 h",
       "Customer service", "percent", "higher", "where-is-my-order messages answered within "
       "12 h / such messages, 30 days (customer.wismo_rates)", _CUS, ("buyer_messages",)),
    _k("review_requests_eligible_today", "Orders to ask for a review today",
       "Customer service", "count", "", "orders inside Amazon's Request a Review window "
       "today (customer.review_request_schedule)", _CUS, ("orders",)),
    # -- inventory -----------------------------------------------------------------------------
    _k("sell_through_90d", "Sell-through, 90 days", "Inventory", "number", "higher",
       "units shipped in 90 days / average units on hand (Amazon's definition; "
       "inventory_health.summary)", _INV, ("orders", "inventory_snapshots"), "ratio"),
    _k("weeks_of_cover_t90", "Weeks of cover (90-day sales)", "Inventory", "weeks", "",
       "average units on hand / weekly units shipped over 90 days (inventory_health.summary)",
       _INV, ("orders", "inventory_snapshots")),
    _k("in_stock_rate_30d", "In-stock rate, 30 days", "Inventory", "percent", "higher",
       "days in stock, weighted by each SKU's sales rate, 30 days (inventory_health.summary)",
       _INV, ("orders", "inventory_snapshots")),
    _k("excess_inventory_share", "Excess units", "Inventory", "percent", "lower",
       "units beyond the excess-days cover / units on hand (inventory_health.summary)", _INV,
       ("orders", "inventory_snapshots")),
    _k("stranded_inventory_share", "Stranded units", "Inventory", "percent", "lower",
       "stranded units / units on hand, Manage FBA Inventory (inventory_health.summary)",
       _INV, ("inventory_snapshots",)),
    _k("slow_movers", "Slow-moving SKUs", "Inventory", "count", "lower",
       "SKUs whose weekly sell-through is below the threshold (inventory_health.summary)",
       _INV, ("orders", "inventory_snapshots")),
    _k("ipi_proxy", "IPI proxy (not Amazon's IPI)", "Inventory", "score", "higher",
       "1000 x the mean of four scores from the factors Amazon names; Amazon's formula is "
       "unpublished (inventory_health.summary)", _INV, ("orders", "inventory_snapshots"),
       "score"),
    _k("skus_to_reorder_now", "SKUs to reorder now", "Inventory", "count", "lower",
       "SKUs late, at or below the reorder point, or out of stock (restock.restock_plan)",
       _INV, ("orders", "inventory_snapshots")),
    _k("skus_out_of_stock", "SKUs out of stock", "Inventory", "count", "lower",
       "SKUs with no available units (restock.restock_plan)", _INV,
       ("inventory_snapshots",)),
    _k("aged_inventory_surcharge_next", "Aged-inventory surcharge, next snapshot",
       "Inventory", "money", "lower", "estimated from the FBA Inventory age buckets, upper "
       "bound (inventory_health.aged_surcharge)", _INV, ("inventory_snapshots",)),
    # -- advertising ---------------------------------------------------------------------------
    _k("ad_acos_30d", "ACoS, 30 days", "Advertising", "percent", "lower",
       "ad spend / attributed sales (ads.tacos)", _ADS, ("ads",)),
    _k("ad_tacos_30d", "TACoS, 30 days", "Advertising", "percent", "lower",
       "ad spend / total ordered sales from the Business Report (ads.tacos)", _ADS,
       ("ads", "sales_traffic")),
    _k("ad_organic_sales_share_30d", "Organic share of sales, 30 days", "Advertising",
       "percent", "higher", "1 - attributed sales / total ordered sales (ads.tacos)", _ADS,
       ("ads", "sales_traffic")),
    _k("ad_spend_30d", "Ad spend, 30 days", "Advertising", "money", "",
       "Sponsored Products spend (ads.tacos)", _ADS, ("ads",)),
    _k("ad_wasted_spend_30d", "Wasted ad spend, 30 days", "Advertising", "money", "lower",
       "spend on search terms that look like negatives (ads.negative_keyword_candidates)",
       _ADS, ("ads", "unit_costs")),
    _k("stockout_recovery_days_median", "Days to recover after a stock-out", "Inventory",
       "days", "lower", "median fitted recovery time of stock-out episodes "
       "(recovery.fit_episodes)", _ADS, ("orders", "inventory_ledger")),
    _k("stockout_sales_deficit_mean", "Sales lost right after a restock", "Inventory",
       "percent", "lower", "mean share of baseline sales missing on the first day after a "
       "restock (recovery.pooled_ramp)", _ADS, ("orders", "inventory_ledger")),
    _k("stockout_recovery_lost_units", "Units lost while recovering", "Inventory", "count",
       "lower", "units below baseline after restocks, all episodes (recovery.fit_episodes)",
       _ADS, ("orders", "inventory_ledger"), "units"),
    _k("stockout_extra_ad_budget_next_4w", "Extra ad budget to recover, 4 weeks",
       "Advertising", "money", "", "extra ad spend that would bring sales back to baseline "
       "(recovery.budget_plan)", _ADS, ("orders", "inventory_ledger", "ads")),
    # -- data ----------------------------------------------------------------------------------
    _k("input_rows_read", "Rows read", "Data", "count", "", "data rows in every input file "
       "(datafolder.load)", "00_data_overview"),
    _k("input_rows_rejected", "Rows rejected", "Data", "count", "lower",
       "rows quarantined with a reason (datafolder.load)", "00_data_overview"),
    _k("input_files_unreadable", "Files that could not be read", "Data", "count", "lower",
       "files recognised as a report but not readable (datafolder.load)",
       "00_data_overview"),
]

#: the catalogue, by KPI name
CATALOGUE: dict[str, KpiInfo] = {e.name: e for e in _ENTRIES}

#: name suffixes for splits of a catalogued KPI, and what they add to its label
SPLITS = {"_mfn": "seller-fulfilled", "_afn": "fulfilled by Amazon"}


def info(name: str) -> KpiInfo:
    """The catalogue entry of ``name``; splits (``..._mfn``/``..._afn``) get their parent's
    entry with the split in the label; unknown names a plain entry from the name itself."""
    if name in CATALOGUE:
        return CATALOGUE[name]
    for suffix, words in SPLITS.items():
        base = name.removesuffix(suffix)
        if base != name and base in CATALOGUE:
            b = CATALOGUE[base]
            return dataclasses.replace(b, name=name, label=f"{b.label}, {words}")
    return KpiInfo(name, name.replace("_", " ").capitalize(), "Other", "number", "", "", "")


def missing_inputs(name: str, have: Iterable[str]) -> list[str]:
    """Tables ``name`` needs that are not in ``have``."""
    have = set(have)
    return [t for t in info(name).needs if t not in have]


def require_inputs(kpis: list[KPI], have: Iterable[str],
                   describe=None) -> list[KPI]:
    """``kpis`` with every KPI whose inputs are missing made ``no_data`` (value, numerator
    and denominator cleared) and its note naming what to download.

    ``have``: tables with at least one input file in the data folder, even an empty one (an
    empty A-to-z claims download is a real zero; a missing file is unknown), e.g.
    :func:`postship_analysis.datafolder.present`. ``describe(table)`` names the report that
    provides a table (default: the table name).

    >>> from postship_analysis.kpi import KPI
    >>> k = require_inputs([KPI.make("order_defect_rate_60d", "US", 0.0)], {"orders"})[0]
    >>> k.status, k.value
    ('no_data', None)
    >>> k.note
    'needs feedback, claims, chargebacks'

    The order defect rate counts orders with any defect, so without the claims and chargeback
    files it is a lower bound: above Amazon's 1 % it fails anyway, and says so.

    >>> k = require_inputs([KPI.make("order_defect_rate_60d", "US", 0.073)],
    ...                    {"orders", "feedback"})[0]
    >>> k.status, k.value
    ('fail', 0.073)
    """
    describe = describe or (lambda t: t)
    have = set(have)
    out = []
    for k in kpis:
        miss = missing_inputs(k.name, have)
        if miss:
            needs = ", ".join(describe(t) for t in miss)
            if _breaks_as_lower_bound(k):
                k = dataclasses.replace(k, status="fail",
                                        note=f"at least this, already over the target without "
                                             f"{needs}: the full rate is higher")
            else:
                k = dataclasses.replace(k, value=None, numerator=None, denominator=None,
                                        status="no_data", note="needs " + needs)
        out.append(k)
    return out


def _breaks_as_lower_bound(k: KPI) -> bool:
    """A lower-bound KPI (:attr:`KpiInfo.lower_bound_without_inputs`) whose partial value
    already breaks an upper-limit target (``<`` / ``<=``)."""
    if not info(k.name).lower_bound_without_inputs or k.value is None or k.target is None:
        return False
    if k.target_condition == "<":
        return k.value >= k.target
    if k.target_condition == "<=":
        return k.value > k.target
    return False
