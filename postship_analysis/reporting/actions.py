"""This week's actions: each report declares what to do, machine-readably, and the index ranks
them across reports and accounts.

A report's action lists are tables (:func:`.tables.show` with a ``name``) and CSV files; an
:class:`Action` is one line *about* a list, per marketplace: what to do, how many, by when,
what is at stake (money, or an Amazon metric that fails or is about to), and the anchor of the
list in the report so the index can link to it. Builders below turn each list into its lines;
a notebook ends with ``outputs.write_actions(actions, OUT, "10_fulfilment_health")``.

Ranking (:func:`rank`), most at stake first:

0. a failing Amazon account-health metric, or a policy breach (message templates);
1. a deadline today or already passed (orders to ship, SKUs whose ship-by date has come);
2. an Amazon metric at risk (inside our warning band);
3. money, largest first (amounts compared through approximate reference rates,
   :data:`RANK_RATES_USD`, only to order the list; every amount is shown in its own currency);
4. other dated actions, soonest first; then the rest, largest count first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import pandas as pd

from . import formats as F

#: approximate US dollars per unit of currency, **only to rank** amounts in different
#: currencies against each other (order of magnitude matters, not the exact rate; reference
#: rates of 2025, rounded). Amounts are always shown in their own currency.
RANK_RATES_USD = {"USD": 1.0, "EUR": 1.1, "GBP": 1.3, "CAD": 0.73, "MXN": 0.055,
                  "BRL": 0.18, "AUD": 0.66, "JPY": 0.0068, "INR": 0.012, "SEK": 0.1,
                  "PLN": 0.26, "AED": 0.27, "SAR": 0.27, "SGD": 0.76, "TRY": 0.026,
                  "EGP": 0.02}

TIERS = {0: "account health", 1: "due now", 2: "at risk", 3: "money", 4: "planned", 5: "other"}


@dataclass(frozen=True)
class Action:
    """One line of the week's to-do list (see the module docstring)."""

    anchor: str  # the action table's name in the report (its id), e.g. "restock_plan"
    marketplace: str
    what: str  # "Send 240 units of 5 SKUs to FBA"
    count: float | None = None  # how many (orders, SKUs, units: the ``what`` says which)
    due: str = ""  # by when, ISO date ("" = no date)
    money: float | None = None  # amount at stake
    currency: str = ""
    metric: str = ""  # KPI name at stake
    metric_status: str = ""  # its status: fail / at_risk
    detail: str = ""  # the first items, "PS-127-BL 10 units by 2026-10-07; ..."
    report: str = ""  # notebook stem; filled in when gathered

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Action:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def tier(a: Action, as_of) -> int:
    """The ranking tier of an action (module docstring)."""
    if a.metric_status == "fail":
        return 0
    if a.due and as_of is not None and pd.Timestamp(a.due) <= pd.Timestamp(as_of):
        return 1
    if a.metric_status == "at_risk":
        return 2
    if a.money is not None and not F.is_missing(a.money) and a.money > 0:
        return 3
    if a.due:
        return 4
    return 5


def usd(a: Action) -> float:
    """The amount at stake in approximate US dollars (ranking only)."""
    if a.money is None or F.is_missing(a.money):
        return 0.0
    return float(a.money) * RANK_RATES_USD.get(str(a.currency).upper(), 1.0)


def rank(items: list[tuple[Action, str]]) -> list[tuple[Action, str]]:
    """``(action, as_of)`` pairs, most at stake first (module docstring)."""
    def key(item):
        a, as_of = item
        t = tier(a, as_of)
        due = a.due or "9999-12-31"
        return (t, -usd(a), due, -(a.count or 0), a.report, a.anchor, a.marketplace)
    return sorted(items, key=key)


def stake_text(a: Action) -> str:
    """What is at stake, in words: ``€210.50``, ``Late shipment rate fails``..."""
    from ..kpi_catalogue import info

    parts = []
    if a.money is not None and not F.is_missing(a.money) and a.money > 0:
        parts.append(F.money(a.money, a.currency))
    if a.metric:
        word = {"fail": "fails", "at_risk": "at risk",
                "below_recommendation": "below recommendation"}.get(a.metric_status, "")
        label = info(a.metric).label if a.metric in _known() else a.metric.replace("_", " ")
        parts.append(f"{label} {word}".strip())
    return "; ".join(parts)


def _known():
    from ..kpi_catalogue import CATALOGUE

    return CATALOGUE


# ---------------------------------------------------------------------------------------------
# Builders: one per action list. Each takes the list as the report shows it (None or empty:
# no action) and returns one Action per marketplace.
# ---------------------------------------------------------------------------------------------

def _kpi_status(kpis, name: str, mp: str) -> str:
    for k in kpis or []:
        kn = k["name"] if isinstance(k, dict) else k.name
        km = k["marketplace"] if isinstance(k, dict) else k.marketplace
        if kn == name and str(km).rsplit("/", 1)[-1] == str(mp):
            st = k["status"] if isinstance(k, dict) else k.status
            return st if st in ("fail", "at_risk") else ""
    return ""


def _day(v) -> str:
    if F.is_missing(v):
        return ""
    return str(pd.Timestamp(v).date())


def _per_mp(df: pd.DataFrame | None):
    if df is None or len(df) == 0 or "marketplace" not in df.columns:
        return []
    return list(df.groupby("marketplace", sort=True))


def _first(items, n: int = 3) -> str:
    items = [str(i) for i in items if str(i)]
    more = f"; +{len(items) - n} more" if len(items) > n else ""
    return "; ".join(items[:n]) + more


def _plural(n, one: str, many: str | None = None) -> str:
    n = int(round(float(n)))
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def ship_orders(risk: pd.DataFrame | None, kpis=None, anchor: str = "at_risk_orders"
                ) -> list[Action]:
    """Unshipped seller-fulfilled orders due soon or overdue (fulfilment.at_risk_orders)."""
    out = []
    for mp, g in _per_mp(risk):
        over = int((g["status"] == "overdue").sum()) if "status" in g else 0
        due = _day(pd.to_datetime(g["ship_by_local"]).min()) if "ship_by_local" in g else ""
        what = f"Confirm shipment of {_plural(len(g), 'order')}" + (
            f" ({over} overdue)" if over else "") + (f", first due {due}" if due else "")
        st = _kpi_status(kpis, "late_shipment_rate_10d", mp)
        out.append(Action(anchor, mp, what, len(g), due, metric="late_shipment_rate_10d",
                          metric_status=st or ("fail" if over else ""),
                          detail=_first(g["order_id"])))
    return out


def fix_tracking(fixes: pd.DataFrame | None, kpis=None, anchor: str = "tracking_corrections"
                 ) -> list[Action]:
    """Tracking numbers to correct in Seller Central (tracking.tracking_action_list)."""
    out = []
    for mp, g in _per_mp(fixes):
        out.append(Action(anchor, mp, f"Correct {_plural(len(g), 'tracking number')} "
                          "(Edit shipping details)", len(g), metric="valid_tracking_rate_30d",
                          metric_status=_kpi_status(kpis, "valid_tracking_rate_30d", mp),
                          detail=_first(g["order_id"])))
    return out


def answer_defects(bad: pd.DataFrame | None, kpis=None, as_of=None,
                   anchor: str = "defective_orders") -> list[Action]:
    """Defective orders that can still be worked on (defects.defective_orders): pending
    claims to answer now, negative feedback to resolve or have removed."""
    out = []
    for mp, g in _per_mp(bad):
        pend = g["claim_status"].astype("string").str.lower().eq("pending").fillna(False) \
            if "claim_status" in g else pd.Series(False, index=g.index)
        what = f"Work on {_plural(len(g), 'defective order')}"
        if pend.any():
            what += f" ({int(pend.sum())} A-to-z claim{'s' if pend.sum() > 1 else ''} to answer)"
        st = _kpi_status(kpis, "order_defect_rate_60d", mp)
        due = _day(as_of) if pend.any() and as_of is not None else ""
        out.append(Action(anchor, mp, what, len(g), due, metric="order_defect_rate_60d",
                          metric_status=st, detail=_first(g["order_id"])))
    return out


def answer_messages(late: pd.DataFrame | None, kpis=None, as_of=None,
                    anchor: str = "late_messages") -> list[Action]:
    """Buyer messages still unanswered (customer.late_and_unanswered)."""
    out = []
    for mp, g in _per_mp(late):
        open_ = g[g["state"].isin(["unanswered_late", "pending"])] if "state" in g else g
        if open_.empty:
            continue
        over = int((open_["state"] == "unanswered_late").sum())
        what = f"Answer {_plural(len(open_), 'buyer message')}" + (
            f" ({over} already over 24 h)" if over else "")
        out.append(Action(anchor, mp, what, len(open_), _day(as_of) if as_of is not None else "",
                          metric="late_response_rate_24h_30d",
                          metric_status=_kpi_status(kpis, "late_response_rate_24h_30d", mp),
                          detail=_first(open_["thread_id"]) if "thread_id" in open_ else ""))
    return out


def request_reviews(sched: pd.DataFrame | None, as_of=None, anchor: str = "review_requests"
                    ) -> list[Action]:
    """Orders eligible for Request a Review today (customer.review_request_schedule)."""
    out = []
    for mp, g in _per_mp(sched):
        e = g[g["status"] == "eligible"] if "status" in g else g
        if e.empty:
            continue
        until = pd.to_datetime(e["eligible_until"]) if "eligible_until" in e else None
        last = 0
        if until is not None and as_of is not None:
            last = int((until.dt.normalize() <= pd.Timestamp(as_of)).sum())
        what = f"Request a review for {_plural(len(e), 'order')}" + (
            f" ({last} on their last day)" if last else "")
        due = _day(until.min()) if until is not None else ""
        out.append(Action(anchor, mp, what, len(e), due, detail=_first(e["order_id"])))
    return out


def restock(plan: pd.DataFrame | None, anchor: str = "restock_plan") -> list[Action]:
    """SKUs to reorder now for FBA: out of stock, late or at the reorder point
    (restock.restock_plan). With the plan's ``order_date`` (the day to order from the
    supplier: today for these SKUs) the action is due that day and says when the shipment
    must leave for FBA; without it, it is due on the ship-by date."""
    out = []
    urgent = ("out_of_stock", "late", "reorder_now")
    for mp, g in _per_mp(plan):
        g = g[g["status"].isin(urgent) & (g["recommended_qty"] > 0)]
        if g.empty:
            continue
        g = g.sort_values(["ship_by_date", "recommended_qty"], ascending=[True, False])
        units = float(g["recommended_qty"].sum())
        ship_by = _day(g["ship_by_date"].min())
        order_by = _day(g["order_date"].min()) if "order_date" in g else ""
        oos = int((g["status"] == "out_of_stock").sum())
        skus = (f"{_plural(units, 'unit')} of {_plural(len(g), 'SKU')}"
                + (f" ({oos} out of stock)" if oos else ""))
        if order_by:
            due = order_by
            what = (f"Order {skus} for FBA by {order_by}"
                    + (f", ship to FBA by {ship_by}" if ship_by else ""))
        else:
            due = ship_by
            what = f"Send {skus} to FBA" + (f", ship by {ship_by}" if ship_by else "")
        det = [f"{r.sku} {F.count(r.recommended_qty)} by {_day(r.ship_by_date) or '—'}"
               for r in g.itertuples()]
        out.append(Action(anchor, mp, what, units, due, detail=_first(det)))
    return out


def clear_aged(sur: pd.DataFrame | None, charge_date=None, anchor: str = "aged_surcharge"
               ) -> list[Action]:
    """Aged units that will be charged at the next monthly snapshot
    (inventory_health.aged_surcharge; amounts in USD)."""
    out = []
    for mp, g in _per_mp(sur):
        g = g[g["surcharge_usd"] > 0]
        if g.empty:
            continue
        due = _day(charge_date) if charge_date is not None else ""
        what = (f"Sell or remove {_plural(g['units_181_plus'].sum(), 'aged unit')} of "
                f"{_plural(len(g), 'SKU')} before the surcharge" + (f" on {due}" if due else ""))
        det = [r.sku for r in g.sort_values("surcharge_usd", ascending=False).itertuples()]
        out.append(Action(anchor, mp, what, len(g), due, float(g["surcharge_usd"].sum()),
                          "USD", detail=_first(det)))
    return out


def slow_movers(slow: pd.DataFrame | None, anchor: str = "slow_movers") -> list[Action]:
    """Slow movers with excess units: a deal or a push (inventory_health)."""
    out = []
    for mp, g in _per_mp(slow):
        g = g[g["excess_units"] > 0] if "excess_units" in g else g
        if g.empty:
            continue
        what = f"Run a deal or an ad push for {_plural(len(g), 'slow SKU')} with excess units"
        out.append(Action(anchor, mp, what, len(g), detail=_first(g["sku"])))
    return out


def add_negatives(negs: pd.DataFrame | None, currency_of=F.currency_of,
                  anchor: str = "ad_negative_keywords") -> list[Action]:
    """Search terms to add as negatives, with the spend they waste
    (ads.negative_keyword_candidates)."""
    out = []
    for mp, g in _per_mp(negs):
        waste = float(g["wasted_spend"].sum()) if "wasted_spend" in g else None
        cur = (str(g["currency"].dropna().iloc[0])
               if "currency" in g and g["currency"].notna().any() else currency_of(mp))
        what = f"Add {_plural(len(g), 'negative keyword')} (spend without profit, 30 days)"
        out.append(Action(anchor, mp, what, len(g), money=waste, currency=cur,
                          detail=_first(g["search_term"])))
    return out


def change_bids(bids: pd.DataFrame | None, anchor: str = "ad_bid_changes") -> list[Action]:
    """Bids to change (ads.bid_recommendations), lowered ones first."""
    out = []
    for mp, g in _per_mp(bids):
        g = g[g["action"] != "keep"]
        if g.empty:
            continue
        low = int((g["action"] == "lower").sum())
        what = f"Change {_plural(len(g), 'bid')}" + (f" ({low} lower)" if low else "")
        out.append(Action(anchor, mp, what, len(g), detail=_first(g["targeting"])))
    return out


def recovery_budget(rplan: pd.DataFrame | None, as_of=None,
                    anchor: str = "stockout_ad_budget_plan") -> list[Action]:
    """Extra ad budget for SKUs recovering from a stock-out, this week
    (recovery.budget_plan)."""
    out = []
    for mp, g in _per_mp(rplan):
        w1 = g[g["week"] == g["week"].min()] if "week" in g else g
        w1 = w1[w1["extra_budget"] > 0]
        if w1.empty:
            continue
        cur = str(w1["currency"].dropna().iloc[0]) if "currency" in w1 and \
            w1["currency"].notna().any() else F.currency_of(mp)
        what = (f"Add ad budget this week for {_plural(w1['sku'].nunique(), 'SKU')} "
                "recovering from a stock-out")
        out.append(Action(anchor, mp, what, int(w1["sku"].nunique()), _day(as_of) if
                          as_of is not None else "", float(w1["extra_budget"].sum()), cur,
                          detail=_first(w1["sku"].unique())))
    return out


def fix_templates(findings: pd.DataFrame | None, anchor: str = "template_findings"
                  ) -> list[Action]:
    """Message templates that break Amazon's solicitation policy
    (solicitation.check_templates): a policy breach puts the account at risk, so it ranks
    with failing metrics."""
    if findings is None or len(findings) == 0:
        return []
    n = findings["template"].nunique()
    return [Action(anchor, "ALL", f"Rewrite {_plural(n, 'message template')} that break "
                   "Amazon's solicitation policy", n, metric="solicitation_policy",
                   metric_status="fail", detail=_first(findings["template"].unique()))]


def failing_kpis(kpis, drivers: dict[str, str] | None = None, anchor: str = "kpis"
                 ) -> list[Action]:
    """One line per KPI that fails or is at risk against its target, with what drives it
    (``drivers``: KPI name -> text, e.g. the reasons of invalid tracking)."""
    from ..kpi_catalogue import info

    out = []
    for k in kpis or []:
        d = k if isinstance(k, dict) else asdict(k)
        if d.get("status") not in ("fail", "at_risk", "below_recommendation"):
            continue
        i = info(d["name"])
        value = F.kpi_value(d.get("value"), i.fmt, d.get("unit", ""), d["marketplace"])
        tgt = F.kpi_target(d.get("target"), d.get("target_condition", ""), i.fmt,
                           d.get("unit", ""), d["marketplace"])
        why = (drivers or {}).get(d["name"], "")
        if not why and d.get("numerator") is not None and d.get("denominator"):
            why = f"{F.count(d['numerator'])} of {F.count(d['denominator'])}"
        out.append(Action(anchor, str(d["marketplace"]).rsplit("/", 1)[-1],
                          f"{i.label}: {value} ({tgt})", d.get("numerator"),
                          metric=d["name"], metric_status=d["status"], detail=why))
    return out


def frame(actions: list[Action]) -> pd.DataFrame:
    """Actions as a DataFrame (for a report's own "this week" table)."""
    cols = [f.name for f in fields(Action)]
    return pd.DataFrame([a.to_dict() for a in actions], columns=cols)
