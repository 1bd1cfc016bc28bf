"""Headline KPIs: stable names, fractions, targets with sources, and a status.

Every report notebook turns its metrics into :class:`KPI` records; schedulers read them from
the run's machine-readable summary, so the **names are stable across versions** (add new
names, never rename). Rates are fractions (``0.032`` = 3.2 %).

Status against a target: ``pass``, ``at_risk`` (on the right side of Amazon's threshold but
inside our warning band, a product choice stated with each target) or ``fail``;
``no_data`` when the denominator is zero. A target Amazon states as a *recommendation* without
penalty (``Target.binding`` False, e.g. on-time delivery outside the US) is never failed: a value
on its wrong side is ``below_recommendation`` (:data:`STATUSES`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class Target:
    """A threshold and where it comes from.

    ``condition`` is ``"<"`` (the value must stay below ``value``), ``"<="`` (at most
    ``value``: "no more than 0.5 %") or ``">="``. ``warn`` is where ``at_risk`` starts (ours,
    not Amazon's). ``binding`` is False for a recommendation without penalty: missing it is
    ``below_recommendation``, not ``fail``.
    """

    value: float
    condition: str
    warn: float
    source: str
    binding: bool = True


#: every status a KPI can have, best first (``below_recommendation`` only for non-binding
#: targets; ``info`` = no target)
STATUSES = ("pass", "at_risk", "below_recommendation", "fail", "no_data", "info")


#: Amazon's targets (domain.md §1.1, with the help pages cited there); warn bands are ours.
TARGETS: dict[str, Target] = {
    "late_shipment_rate_10d": Target(
        0.04, "<", 0.03, "Amazon: LSR under 4% (sellercentral help G200285190)"),
    "late_shipment_rate_30d": Target(
        0.04, "<", 0.03, "Amazon: LSR under 4% (sellercentral help G200285190)"),
    "pre_fulfilment_cancel_rate_7d": Target(
        0.025, "<", 0.02, "Amazon: cancellation rate under 2.5% (sellercentral help 200285210)"),
    "valid_tracking_rate_30d": Target(
        0.95, ">=", 0.97, "Amazon: VTR 95% or more (sellercentral help G201817070)"),
    "on_time_delivery_rate_14d": Target(
        0.90, ">=", 0.93, "Amazon US: 90% unit on-time delivery without promise extension "
        "(since 2024-09-25; G200847280); elsewhere 97% is a recommendation"),
    "order_defect_rate_60d": Target(
        0.01, "<", 0.0075, "Amazon: ODR under 1% (sellercentral help G200285170)"),
    "late_response_rate_24h_30d": Target(
        0.10, "<", 0.075, "Amazon: answer within 24 h; the common bar is under 10% late "
        "(sellercentral help 200549770; no number on the current page)"),
    "wismo_answered_within_12h_30d": Target(
        0.90, ">=", 0.95, "ours: 'where is my order?' answered within 12 h (stricter than "
        "Amazon's 24 h)"),
}


#: Seller Fulfilled Prime (orders with ``is-prime``): Amazon's own, stricter targets on SFP
#: orders (sellercentral help 202072550, US/UK/DE/ES pages: on-time shipment >= 99 %,
#: cancellation rate no more than 0.5 %, on-time delivery >= 97 % on Prime orders shipped
#: outside Buy Shipping). JP differs (:data:`MARKETPLACE_TARGETS`). Warn bands are ours.
_SFP = "Amazon Seller Fulfilled Prime (sellercentral help 202072550)"
TARGETS.update({
    "sfp_on_time_shipment_rate_7d": Target(
        0.99, ">=", 0.995, f"{_SFP}: on-time shipment rate of at least 99% (first carrier "
        "scan on or before the promised ship date, units)"),
    "sfp_cancel_rate_7d": Target(
        0.005, "<=", 0.0025, f"{_SFP}: a cancellation rate of no more than 0.5% (SFP units "
        "cancelled before ship confirmation / SFP units ordered)"),
    "sfp_on_time_delivery_rate_7d": Target(
        0.97, ">=", 0.98, f"{_SFP}: on-time delivery rate of at least 97% on Prime orders "
        "shipped outside Buy Shipping (units)"),
})

_OUTSIDE_US = ("CA", "MX", "BR", "UK", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "IN", "JP",
               "AU", "AE", "SA")

#: Targets that differ by marketplace: (name, marketplace code) -> Target. Outside the US the
#: on-time delivery rate is a recommendation (97%), with no penalty (domain.md §1.2): shown as
#: ``below_recommendation`` when missed, never ``fail``.
MARKETPLACE_TARGETS: dict[tuple[str, str], Target] = {
    (name, mp): Target(0.97, ">=", 0.98, "Amazon outside the US: on-time delivery over 97% is "
                       "recommended, without penalty (sellercentral help 200633610)",
                       binding=False)
    for name in ("on_time_delivery_rate_14d",)
    for mp in _OUTSIDE_US
}
#: Seller Fulfilled Prime in Japan: trailing 7 days, OTD >= 96 %, valid tracking >= 94 %,
#: cancellation no more than 1 % (sellercentral.amazon.co.jp help 202072550).
_SFP_JP = "Amazon.co.jp Seller Fulfilled Prime, trailing 7 days (sellercentral help 202072550)"
MARKETPLACE_TARGETS.update({
    ("sfp_on_time_delivery_rate_7d", "JP"): Target(
        0.96, ">=", 0.97, f"{_SFP_JP}: on-time delivery rate of at least 96%"),
    ("sfp_valid_tracking_rate_7d", "JP"): Target(
        0.94, ">=", 0.96, f"{_SFP_JP}: valid tracking rate of at least 94%"),
    ("sfp_cancel_rate_7d", "JP"): Target(
        0.01, "<=", 0.005, f"{_SFP_JP}: a cancellation rate of no more than 1%"),
})


def target_for(name: str, marketplace: str, targets: dict[str, Target] | None = None
               ) -> Target | None:
    """The target of a KPI in a marketplace (``"seller/DE"`` is read as ``DE``)."""
    if targets is not None:
        return targets.get(name)
    mp = str(marketplace).rsplit("/", 1)[-1]
    return MARKETPLACE_TARGETS.get((name, mp), TARGETS.get(name))


def status(value: float | None, target: Target | None) -> str:
    """``pass`` / ``at_risk`` / ``fail`` (``below_recommendation`` instead of ``fail`` for a
    non-binding target) / ``no_data`` (value None or NaN); ``info`` without a target.

    >>> status(0.035, TARGETS["late_shipment_rate_30d"])
    'at_risk'
    >>> status(0.96, TARGETS["valid_tracking_rate_30d"])
    'at_risk'
    >>> status(0.95, target_for("on_time_delivery_rate_14d", "DE"))
    'below_recommendation'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no_data"
    if target is None:
        return "info"
    cond = target.condition
    if cond == "<":
        missed, warn = value >= target.value, value >= target.warn
    elif cond == "<=":
        missed, warn = value > target.value, value > target.warn
    elif cond == ">=":
        missed, warn = value < target.value, value < target.warn
    else:
        raise ValueError(f"unknown target condition {cond!r} (use '<', '<=' or '>=')")
    if missed:
        return "fail" if target.binding else "below_recommendation"
    return "at_risk" if warn else "pass"


@dataclass(frozen=True)
class KPI:
    """One headline number for one marketplace, as schedulers and alerting read it."""

    name: str
    marketplace: str
    value: float | None
    unit: str  # "fraction", "count", "days", "hours", currency code...
    numerator: float | None = None
    denominator: float | None = None
    window: str = ""  # e.g. "2026-10-03..2026-11-01"
    target: float | None = None
    target_condition: str = ""
    target_source: str = ""
    status: str = "info"
    #: why the value is missing or what to read it with (e.g. "needs feedback, claims")
    note: str = ""

    @classmethod
    def make(cls, name: str, marketplace: str, value, unit: str = "fraction", *,
             numerator=None, denominator=None, window: str = "",
             targets: dict[str, Target] | None = None, note: str = "") -> KPI:
        """Build a KPI, looking its target up in ``targets`` (default :data:`TARGETS`)."""
        t = target_for(name, marketplace, targets)
        v = None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else float(value)
        return cls(name, marketplace, v, unit,
                   None if numerator is None else float(numerator),
                   None if denominator is None else float(denominator), window,
                   t.value if t else None, t.condition if t else "", t.source if t else "",
                   status(v, t), note)


def kpi_frame(kpis: list[KPI]) -> pd.DataFrame:
    """KPIs as a DataFrame, one row each, in the order given."""
    cols = list(KPI.__dataclass_fields__)
    return pd.DataFrame([asdict(k) for k in kpis], columns=cols)
