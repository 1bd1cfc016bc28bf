"""Headline KPIs: stable names, fractions, targets with sources, and a status.

Every report notebook turns its metrics into :class:`KPI` records; schedulers read them from
the run's machine-readable summary, so the **names are stable across versions** (add new
names, never rename). Rates are fractions (``0.032`` = 3.2 %).

Status against a target: ``pass``, ``at_risk`` (on the right side of Amazon's threshold but
inside our warning band, a product choice stated with each target) or ``fail``;
``no_data`` when the denominator is zero.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class Target:
    """A threshold and where it comes from.

    ``condition`` is ``"<"`` (the value must stay below ``value``) or ``">="``. ``warn`` is
    where ``at_risk`` starts (ours, not Amazon's).
    """

    value: float
    condition: str
    warn: float
    source: str


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


#: Targets that differ by marketplace: (name, marketplace code) -> Target. Outside the US the
#: on-time delivery rate is a recommendation (97%), with no penalty (domain.md §1.2).
MARKETPLACE_TARGETS: dict[tuple[str, str], Target] = {
    (name, mp): Target(0.97, ">=", 0.98, "Amazon outside the US: on-time delivery over 97% is "
                       "recommended, without penalty (sellercentral help 200633610)")
    for name in ("on_time_delivery_rate_14d",)
    for mp in ("CA", "MX", "BR", "UK", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "IN", "JP",
               "AU", "AE", "SA")
}


def target_for(name: str, marketplace: str, targets: dict[str, Target] | None = None
               ) -> Target | None:
    """The target of a KPI in a marketplace (``"seller/DE"`` is read as ``DE``)."""
    if targets is not None:
        return targets.get(name)
    mp = str(marketplace).rsplit("/", 1)[-1]
    return MARKETPLACE_TARGETS.get((name, mp), TARGETS.get(name))


def status(value: float | None, target: Target | None) -> str:
    """``pass`` / ``at_risk`` / ``fail`` / ``no_data`` (value None or NaN); ``info`` without
    a target.

    >>> status(0.035, TARGETS["late_shipment_rate_30d"])
    'at_risk'
    >>> status(0.96, TARGETS["valid_tracking_rate_30d"])
    'at_risk'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no_data"
    if target is None:
        return "info"
    if target.condition == "<":
        if value >= target.value:
            return "fail"
        return "at_risk" if value >= target.warn else "pass"
    if value < target.value:
        return "fail"
    return "at_risk" if value < target.warn else "pass"


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

    @classmethod
    def make(cls, name: str, marketplace: str, value, unit: str = "fraction", *,
             numerator=None, denominator=None, window: str = "",
             targets: dict[str, Target] | None = None) -> KPI:
        """Build a KPI, looking its target up in ``targets`` (default :data:`TARGETS`)."""
        t = target_for(name, marketplace, targets)
        v = None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else float(value)
        return cls(name, marketplace, v, unit,
                   None if numerator is None else float(numerator),
                   None if denominator is None else float(denominator), window,
                   t.value if t else None, t.condition if t else "", t.source if t else "",
                   status(v, t))


def kpi_frame(kpis: list[KPI]) -> pd.DataFrame:
    """KPIs as a DataFrame, one row each, in the order given."""
    cols = list(KPI.__dataclass_fields__)
    return pd.DataFrame([asdict(k) for k in kpis], columns=cols)
