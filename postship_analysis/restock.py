"""Restock plan: what to send to FBA, how much, and by when — per SKU, for the whole catalogue.

Inputs are canonical tables (docs/DATA_CONTRACT.md) and forecast tables; nothing here reads a
file or the clock.

* ``inventory_snapshots`` — Manage FBA Inventory (GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA) or
  the FBA Inventory planning report (GET_FBA_INVENTORY_PLANNING_DATA): available (fulfillable),
  reserved and inbound (working, shipped, receiving) units. :func:`stock_position` takes each
  SKU's latest snapshot before ``as_of``.
* a daily forecast ``seller_id, marketplace, sku, date, mean, q50, q80, q90, q95, method``
  (:func:`postship_analysis.forecast.forecast`, units per day);
* optionally the lead-time demand ``seller_id, marketplace, sku, lead_time_days, mean, sd, q90,
  q95, method, calibrated`` (:func:`postship_analysis.forecast.lead_time_demand`, units over
  the lead time, its sd from the backtest's cumulative lead-time errors);
* optionally Amazon's Restock Inventory report (``restock`` table,
  GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT; Seller Central > Inventory > Inventory Planning
  > Restock Inventory > Download), shown beside our recommendation.

The formula is **ours**, not Amazon's
-------------------------------------
Amazon's Restock Inventory tool uses an unpublished cost-based optimisation ("balance the cost
of running out of stock vs. the cost of carrying too much inventory", Seller Central help
201634550; domain.md §2.3). We use the standard periodic-review policy with a service-level
target, so that the numbers can be reproduced by hand (domain.md §2.3, forecasting.md §5.4):

* lead time ``L = supplier + seller + FBA inbound`` days (the three are parameters; Amazon's
  supply-chain settings map to them: supplier -> Amazon directly: ``seller = 0``), review period
  ``R`` (replenishment frequency), protection period ``P = L + R``;
* daily demand ``d`` = mean of the daily forecast over the protection period;
* **smooth SKUs** (textbook formula; Chopra & Meindl, *Supply Chain Management: Strategy,
  Planning, and Operation*, "safety inventory with lead-time uncertainty"; Silver, Pyke &
  Thomas, *Inventory and Production Management in Supply Chains*, 4th ed., §6.7):
  ``SS = z * sqrt(P * sigma_d**2 + d**2 * sigma_L**2)`` with ``z = Phi^-1(service level)``.
  When the lead-time demand table is given its backtest sd replaces ``sqrt(P) * sigma_d``
  (scaled by ``sqrt(P / lead_time_days)``): Saoud, Kourentzes & Boylan (Omega 2022) show that
  scaling the one-step error by ``sqrt(L)`` understates the lead-time variance;
* **intermittent SKUs** (``z * sigma * sqrt(L)`` is wrong there: lead-time demand is a skewed
  count): the safety stock is the service-level quantile of the lead-time demand distribution
  minus its mean — a negative binomial with mean ``d P`` and variance ``var_P + d**2 *
  sigma_L**2`` (the backtest variance over the protection period, or ``P sigma_d**2``, plus the
  lead-time variability term of the law of total variance; Poisson when the variance does not
  exceed the mean; forecasting.md §5.4, Ziel 2021 for M5). The forecaster's own calibrated
  quantile (``q90``/``q95``) is used instead only when its lead time equals ``P`` and the lead
  time is certain (``sigma_L = 0``): it carries no lead-time variability;
* order-up-to level ``S = d * P + SS`` (the base-stock level of the periodic-review policy:
  Silver, Pyke & Thomas §7.3; Snyder & Shen, *Fundamentals of Supply Chain Theory*, §4.3, the
  formulas stockpyl implements); reorder point ``ROP = S - d * R = d * L + SS``: the position
  at which the periodic policy, in steady state, places its order (one review period of demand
  below ``S``);
* inventory position ``IP = available + inbound + reserved`` (Amazon's "Total Units"; reserved
  units are mostly FC transfers and processing, which come back as available; set
  ``count_reserved=False`` to leave them out);
* **when to order**: ``reorder_date = as_of + floor((IP - ROP) / d)``, the day the position
  falls to the reorder point at the forecast rate (the position is the end of the day before
  ``as_of``). A reorder date before ``as_of`` has passed: ``status = "late"`` and
  ``overdue_days = as_of - reorder_date``; on ``as_of``: ``reorder_now``; later but within the
  planning window (``plan_days``, default the review period: the next run reviews the rest):
  ``plan``; later still: ``ok`` (nothing to order in this cycle, the reorder date is shown);
* **how much**: an order placed now (late, reorder_now, out_of_stock) brings the position up to
  ``S``: ``q = S - IP``; a future order is placed on the reorder date, when the position has
  fallen to ``ROP``: ``q = S - ROP = d * R`` (not ``S - IP``: today's position is not the one
  the order will see). ``q`` is raised to the minimum order quantity, then rounded **up** to a
  whole number of case packs; an optional per-SKU ``max_qty`` and a per-marketplace
  ``capacity_units`` cap it (rounded down to case packs, earliest ship-by date served first);
* dates: ``order_date = max(reorder_date, as_of)`` (place the order with the supplier: an
  overdue order cannot be placed in the past); ``ship_by_date = order_date + supplier +
  seller`` (the shipment leaves for FBA); ``arrival_date = ship_by_date + inbound``: on
  schedule, the day the position has fallen to the safety stock; for a late order, the
  earliest feasible arrival (``as_of + L``).

Days of supply = available / d (at Amazon); total days of supply = IP / d; the projected stockout
date is the first day the cumulative forecast reaches the available units (beyond the forecast
horizon, extrapolated at ``d``).

Example
-------
>>> float(safety_stock_normal(2500.0, 500.0, 7.0, 7.0, 0.90).round(0))  # Chopra & Meindl, Dell
22491.0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from statistics import NormalDist

import numpy as np
import pandas as pd

from .errors import ParameterError
from .forecast import count_quantile

_KEY = ["seller_id", "marketplace", "sku"]

FORMULA_NOTE = (
    "Our recommendation uses our own, reproducible formula (periodic review with a service-level "
    "target: order-up-to = daily forecast x (lead time + review period) + safety stock; reorder "
    "point = order-up-to - one review period of demand. An order due now is order-up-to - "
    "(available + inbound + reserved); an order due later is placed on its reorder date, when the "
    "position has fallen to the reorder point, so it is order-up-to - reorder point. Quantities "
    "are raised to the minimum order quantity and rounded up to case packs). Amazon's Restock Inventory recommendation comes from an "
    "unpublished cost-based optimisation (Seller Central help 201634550), so the two differ.")

#: Forecast methods treated as intermittent when no demand class is given.
INTERMITTENT_METHODS = ("croston", "sba", "tsb", "adida", "nbinom", "negbin", "poisson", "imapa")


@dataclass(frozen=True)
class RestockParams:
    """Restock parameters; each can be overridden per SKU through the ``overrides`` table.

    Lead times in days (Amazon's Restock settings use weeks: multiply by 7). ``service_level``
    is the cycle service level (probability of no stockout during a replenishment cycle).
    Defaults are ours: 30-day supplier lead time, 7 days at the seller, 10 days FBA inbound
    (carrier transit + receiving + placement), 5 days sd of the total lead time, monthly
    replenishment (Amazon's default replenishment frequency in Restock Inventory is 30 days).
    ``plan_days``: orders whose reorder date falls within this many days are listed with their
    quantity (``plan``); NaN (default) means the review period, since the next run, one review
    period later, plans the rest.
    """

    supplier_lead_days: float = 30.0
    seller_lead_days: float = 7.0
    inbound_lead_days: float = 10.0
    lead_time_sd_days: float = 5.0
    review_days: float = 30.0
    plan_days: float = float("nan")
    service_level: float = 0.95
    case_pack: int = 1
    moq: int = 0
    max_qty: float = np.inf
    count_reserved: bool = True

    def check(self) -> None:
        for f in ("supplier_lead_days", "seller_lead_days", "inbound_lead_days",
                  "lead_time_sd_days", "review_days", "plan_days", "moq"):
            if getattr(self, f) < 0:
                raise ParameterError(f"{f} must be >= 0, got {getattr(self, f)}")
        if not 0.5 <= self.service_level < 1:
            raise ParameterError(f"service_level must be in [0.5, 1), got {self.service_level}")
        if self.case_pack < 1:
            raise ParameterError(f"case_pack must be >= 1, got {self.case_pack}")


_PARAM_NAMES = [f.name for f in fields(RestockParams) if f.name != "count_reserved"]


def z_value(service_level) -> np.ndarray:
    """Standard normal quantile ``Phi^-1(service_level)`` (vectorised).

    >>> round(float(z_value(0.95)), 4)
    1.6449
    """
    sl = np.asarray(service_level, dtype=float)
    inv = np.vectorize(NormalDist().inv_cdf, otypes=[float])
    return inv(sl)


def safety_stock_normal(d, sigma_d, lead_time, sigma_lead_time, service_level):
    """Safety stock under normal demand and lead time: ``z * sqrt(L sigma_d^2 + d^2 sigma_L^2)``.

    ``d``, ``sigma_d``: mean and sd of demand per period; ``lead_time``, ``sigma_lead_time`` in
    the same periods. Law of total variance for a random sum (forecasting.md §5.4); textbook:
    Chopra & Meindl, *Supply Chain Management*, worked example with D = 2,500/day,
    sigma_D = 500, L = 7, s_L = 7, CSL = 0.90 -> sigma = 17,550, SS = 22,491 units.

    >>> float(safety_stock_normal(2500, 500, 2, 0, 0.90).round(0))  # Lego example, weeks
    906.0
    """
    d = np.asarray(d, dtype=float)
    var = (np.asarray(lead_time, dtype=float) * np.asarray(sigma_d, dtype=float) ** 2
           + d ** 2 * np.asarray(sigma_lead_time, dtype=float) ** 2)
    return z_value(service_level) * np.sqrt(var)


def round_order_qty(raw, case_pack=1, moq=0, max_qty=np.inf) -> np.ndarray:
    """Recommended units from a raw need: 0 when ``raw <= 0``; else ``max(raw, moq)`` rounded up
    to a whole number of case packs, then capped at ``max_qty`` rounded *down* to case packs.

    >>> round_order_qty([0, 1, 37, 130], case_pack=12, moq=48).tolist()
    [0, 48, 48, 132]
    """
    raw = np.asarray(raw, dtype=float)
    cp = np.maximum(np.asarray(case_pack, dtype=float), 1)
    need = np.maximum(raw, np.asarray(moq, dtype=float))
    q = np.ceil(np.round(need / cp, 9)) * cp
    cap = np.floor(np.asarray(max_qty, dtype=float) / cp) * cp
    q = np.minimum(q, cap)
    return np.where(raw > 0, q, 0).astype(np.int64)


def stock_position(snapshots: pd.DataFrame, as_of) -> pd.DataFrame:
    """Each SKU's latest inventory snapshot dated before ``as_of`` (Manage FBA Inventory wins over
    the planning report on the same day).

    Returns ``seller_id, marketplace, sku, snapshot_date, available, reserved, unfulfillable,
    inbound_working, inbound_shipped, inbound_receiving, inbound`` (units; ``inbound`` = working
    + shipped + receiving; unknown quantities as 0).
    """
    as_of = pd.Timestamp(as_of)
    need = [*_KEY, "snapshot_date", "fulfillable"]
    miss = [c for c in need if c not in snapshots.columns]
    if miss:
        raise ParameterError(f"snapshots lacks column(s) {miss}")
    s = snapshots[snapshots["snapshot_date"] < as_of].copy()
    rank = {"myi": 0, "planning": 1}
    src = s["source"].astype("string") if "source" in s else pd.Series("", index=s.index)
    s["_rank"] = src.map(rank).fillna(2).astype(int)
    s = (s.sort_values([*_KEY, "snapshot_date", "_rank"], ascending=[True, True, True, False, True])
         .drop_duplicates(_KEY, keep="first"))
    out = s[[*_KEY, "snapshot_date"]].copy()
    out["available"] = s["fulfillable"]
    for c in ("reserved", "unfulfillable", "inbound_working", "inbound_shipped",
              "inbound_receiving"):
        out[c] = s[c] if c in s else 0
    for c in ("available", "reserved", "unfulfillable", "inbound_working", "inbound_shipped",
              "inbound_receiving"):
        out[c] = pd.to_numeric(out[c]).fillna(0).astype("int64")
    out["inbound"] = out["inbound_working"] + out["inbound_shipped"] + out["inbound_receiving"]
    return out.reset_index(drop=True)


def _qname(p: float) -> str:
    """Quantile column name of the forecaster: 0.9 -> q90, 0.975 -> q97_5."""
    v = round(100 * p, 6)
    return f"q{int(v)}" if float(v).is_integer() else f"q{v:g}".replace(".", "_")


def _sku_params(keys: pd.DataFrame, params: RestockParams, overrides: pd.DataFrame | None
                ) -> pd.DataFrame:
    base = keys[_KEY].copy()
    d = asdict(params)
    for name in _PARAM_NAMES:
        base[name] = float(d[name])
    if overrides is None or overrides.empty:
        return base
    if "sku" not in overrides:
        raise ParameterError("overrides needs a 'sku' column")
    unknown = [c for c in overrides.columns if c not in _PARAM_NAMES + _KEY]
    if unknown:
        raise ParameterError(f"overrides has unknown column(s) {unknown}; allowed: {_PARAM_NAMES}")
    on = [c for c in _KEY if c in overrides.columns]
    ov = overrides.drop_duplicates(on, keep="last")
    cols = [c for c in overrides.columns if c in _PARAM_NAMES]
    m = base[_KEY].merge(ov[on + cols], on=on, how="left")
    for c in cols:
        v = pd.to_numeric(m[c], errors="coerce").to_numpy(dtype=float)
        base[c] = np.where(np.isnan(v), base[c].to_numpy(), v)
    return base


def _demand_class(plan: pd.DataFrame, classes: pd.DataFrame | None) -> pd.Series:
    if classes is not None and not classes.empty:
        col = "demand_class" if "demand_class" in classes else "class"
        on = [c for c in _KEY if c in classes.columns]
        m = plan[_KEY].merge(classes[on + [col]].drop_duplicates(on), on=on, how="left")[col]
        cls = m.astype("string").str.lower().fillna("smooth")
        return cls.where(~cls.isin(["intermittent", "lumpy"]), "intermittent").where(
            cls.isin(["intermittent", "lumpy"]), "smooth").reset_index(drop=True)
    meth = plan["method"].astype("string").str.lower().fillna("")
    inter = np.zeros(len(plan), dtype=bool)
    for m in INTERMITTENT_METHODS:
        inter |= meth.str.contains(m, regex=False).to_numpy()
    return pd.Series(np.where(inter, "intermittent", "smooth"), dtype="string")


def _forecast_matrix(fc: pd.DataFrame, keys: pd.DataFrame, as_of: pd.Timestamp):
    """SKU x horizon-day matrices of mean and daily sd from a long forecast table."""
    f = fc[fc["date"] >= as_of]
    f = keys[_KEY].reset_index().merge(f, on=_KEY, how="inner")
    if f.empty:
        n = len(keys)
        return np.zeros((n, 1)), np.zeros((n, 1)), np.zeros(n, dtype=bool), \
            pd.Series([""] * n, dtype="string"), pd.Series([""] * n, dtype="string")
    h = (f["date"] - as_of).dt.days.to_numpy()
    H = int(h.max()) + 1
    n = len(keys)
    mean = np.full((n, H), np.nan)
    row = f["index"].to_numpy()
    mean[row, h] = pd.to_numeric(f["mean"]).to_numpy(dtype=float)
    sd = np.full((n, H), np.nan)
    if "q90" in f and "q50" in f:
        spread = (pd.to_numeric(f["q90"]).to_numpy(dtype=float)
                  - pd.to_numeric(f["q50"]).to_numpy(dtype=float))
        sd[row, h] = np.maximum(spread, 0) / float(z_value(0.90))
    has = np.zeros(n, dtype=bool)
    has[row] = True
    meth = pd.Series([""] * n, dtype="string")
    basis = pd.Series([""] * n, dtype="string")
    first = f.drop_duplicates("index")
    if "method" in f:
        meth.iloc[first["index"].to_numpy()] = first["method"].astype("string").to_numpy()
    if "basis" in f:
        basis.iloc[first["index"].to_numpy()] = first["basis"].astype("string").to_numpy()
    # fill gaps within the horizon with the SKU's horizon mean (no warning for SKUs without
    # any forecast row: their mean is 0)
    known = ~np.isnan(mean)
    mu = (np.where(known, mean, 0.0).sum(1, keepdims=True)
          / np.maximum(known.sum(1, keepdims=True), 1))
    mean = np.where(known, mean, mu)
    return mean, sd, has, meth, basis


def restock_plan(snapshots_or_position: pd.DataFrame, forecast: pd.DataFrame, *, as_of,
                 lead_time_demand: pd.DataFrame | None = None,
                 params: RestockParams | None = None, overrides: pd.DataFrame | None = None,
                 amazon: pd.DataFrame | None = None, classes: pd.DataFrame | None = None,
                 capacity_units: dict[str, float] | float | None = None) -> pd.DataFrame:
    """The restock table: one row per SKU in stock position, sorted by ship-by date.

    Parameters
    ----------
    snapshots_or_position : ``inventory_snapshots`` table or the output of
        :func:`stock_position`.
    forecast : daily forecast (``seller_id, marketplace, sku, date, mean`` and ideally ``q50,
        q90, method``), dates from ``as_of`` on. A SKU without forecast rows has demand 0.
    as_of : marketplace-local run date.
    lead_time_demand : optional table from ``forecast.lead_time_demand`` (``lead_time_days, mean,
        sd, q90, q95``): its sd (scaled to each SKU's protection period) replaces
        ``sqrt(P) sigma_d``, and for intermittent SKUs its quantile is used when its lead time is
        the protection period and it has the service level's column (``q90``, ``q95``,
        ``q97_5``...). Compute it **without** a lead-time sd (``lead_time_sd_days=0``): the
        ``d^2 sigma_L^2`` term is added here from ``lead_time_sd_days``.
    params : :class:`RestockParams` defaults; ``overrides``: a table with ``sku`` (optionally
        ``seller_id``, ``marketplace``) and any parameter column (blank = default).
    amazon : optional ``restock`` table (Amazon's Restock Inventory report): its recommendation
        and ship date are put beside ours with the difference explained in words.
    classes : optional ``sku, demand_class`` (Syntetos-Boylan: smooth / erratic / intermittent /
        lumpy); without it the forecast ``method`` decides (Croston/SBA/TSB = intermittent).
    capacity_units : optional cap on the total recommended units, a number or ``{marketplace:
        units}`` (FBA capacity limits): SKUs are served in ship-by order, rounded down to packs.

    Returns
    -------
    DataFrame, CSV-ready (see the module docstring for every formula): ``seller_id,
    marketplace, sku, demand_class, method, forecast_basis`` (what the SKU's forecast rests on,
    from the forecast's ``basis`` column: in-stock history, in-stock hours of partly censored
    days, earlier history, or sales in censored days as a lower bound), ``daily_demand, demand_sd, available, reserved,
    inbound_working, inbound_shipped, inbound_receiving, inbound, inventory_position,
    days_of_supply, total_days_of_supply, projected_stockout_date, lead_time_days,
    lead_time_sd_days, review_days, service_level, safety_stock, safety_stock_method,
    reorder_point, order_up_to, need_units, case_pack, moq, recommended_qty, capped,
    stockout_before_arrival, reorder_date, overdue_days, order_date, ship_by_date,
    arrival_date, status`` and, with ``amazon``, ``amazon_qty, amazon_ship_date, amazon_alert,
    qty_difference, difference_explained``.
    ``status`` (keyed to the reorder date, module docstring): ``out_of_stock`` (nothing
    available), ``late`` (the reorder date has passed: ``overdue_days`` > 0, order today, and
    ``arrival_date`` is the earliest feasible arrival), ``reorder_now`` (the reorder date is
    today), ``plan`` (order later, on ``order_date``, quantity ``S - ROP``), ``ok`` (the reorder
    date is beyond the planning window: nothing to order this cycle), ``no_demand``. A slow mover
    can be ``late`` with months of supply: its shortfall against the reorder point, divided by a
    small daily demand, puts the reorder date far in the past; ``stockout_before_arrival`` (the
    available units run out before the order arrives) says whether it is urgent.
    """
    params = params or RestockParams()
    params.check()
    as_of = pd.Timestamp(as_of).normalize()
    pos = snapshots_or_position
    if "available" not in pos.columns:
        pos = stock_position(pos, as_of)
    pos = pos.sort_values(_KEY).reset_index(drop=True).copy()
    qcols = ["available", "reserved", "unfulfillable", "inbound_working", "inbound_shipped",
             "inbound_receiving"]
    for c in qcols:
        pos[c] = pd.to_numeric(pos[c]).fillna(0).astype("int64") if c in pos else 0
    pos["inbound"] = pos["inbound_working"] + pos["inbound_shipped"] + pos["inbound_receiving"]
    n = len(pos)
    P = _sku_params(pos, params, overrides)
    L = (P["supplier_lead_days"] + P["seller_lead_days"] + P["inbound_lead_days"]).to_numpy()
    R = P["review_days"].to_numpy()
    prot = L + R
    sl = P["service_level"].to_numpy()
    if ((sl < 0.5) | (sl >= 1)).any():
        raise ParameterError("service_level overrides must be in [0.5, 1)")

    mean, sdm, has, meth, basis = _forecast_matrix(forecast, pos, as_of)
    H = mean.shape[1]
    cum = np.cumsum(mean, axis=1)
    # mean daily demand over the protection period (extrapolated beyond the horizon)
    pe = np.clip(np.ceil(prot).astype(int), 1, H)
    d = cum[np.arange(n), pe - 1] / pe
    d = np.where(has, d, 0.0)
    with np.errstate(all="ignore"):
        cnt = (~np.isnan(sdm)).sum(axis=1)
        sigma_d = np.where(cnt > 0, np.nansum(sdm, axis=1) / np.maximum(cnt, 1), np.nan)
    sigma_d = np.where(np.isnan(sigma_d), np.sqrt(d), sigma_d)  # Poisson when no quantiles
    sigma_L = P["lead_time_sd_days"].to_numpy()

    plan = pos.copy()
    plan["method"] = meth.to_numpy()
    plan["forecast_basis"] = basis.to_numpy()
    plan["demand_class"] = _demand_class(plan, classes).to_numpy()
    inter = (plan["demand_class"] == "intermittent").to_numpy()

    # lead-time demand variance over the protection period
    var_p = prot * sigma_d ** 2
    ltd_q = np.full(n, np.nan)
    calibrated = np.zeros(n, dtype=bool)
    if lead_time_demand is not None and not lead_time_demand.empty:
        ltd = pos[_KEY].merge(lead_time_demand.drop_duplicates(_KEY), on=_KEY, how="left")
        sd_l = pd.to_numeric(ltd["sd"]).to_numpy(dtype=float)
        lt_l = pd.to_numeric(ltd["lead_time_days"]).to_numpy(dtype=float)
        ok = np.isfinite(sd_l) & (lt_l > 0)
        calibrated = ok
        var_p = np.where(ok, sd_l ** 2 * prot / np.where(ok, lt_l, 1), var_p)
        for lvl in np.unique(sl):
            col = _qname(float(lvl))
            if col in ltd:
                qv = pd.to_numeric(ltd[col]).to_numpy(dtype=float)
                use = ok & np.isclose(lt_l, prot) & np.isclose(sl, lvl)
                ltd_q = np.where(use, qv, ltd_q)
    var_total = var_p + d ** 2 * sigma_L ** 2
    ss_normal = z_value(sl) * np.sqrt(var_total)
    mu_p = d * prot
    q_count = count_quantile(mu_p, var_total, sl)
    # the forecaster's quantile has no lead-time variability: only when the lead time is certain
    use_ltd = ~np.isnan(ltd_q) & (sigma_L <= 0)
    q_int = np.where(use_ltd, ltd_q, q_count)
    ss_int = np.maximum(q_int - mu_p, 0)
    ss = np.where(inter, ss_int, ss_normal)
    ss = np.where(d > 0, ss, 0.0)
    ss_method = np.where(inter, np.where(use_ltd, "forecast quantile", np.where(
        var_total > mu_p, "negative binomial quantile", "Poisson quantile")),
        "z*sqrt(P*sd^2+d^2*sdL^2)")
    ss_method = np.where(calibrated & ~inter, "z*sqrt(backtest var+d^2*sdL^2)", ss_method)

    avail = plan["available"].to_numpy(dtype=float)
    ip = avail + plan["inbound"].to_numpy(dtype=float)
    if params.count_reserved:
        ip = ip + plan["reserved"].to_numpy(dtype=float)
    rop = d * L + ss
    upto = d * prot + ss
    window = P["plan_days"].to_numpy()
    window = np.where(np.isnan(window), R, window)
    with np.errstate(divide="ignore", invalid="ignore"):
        dos = np.where(d > 0, avail / d, np.inf)
        tdos = np.where(d > 0, ip / d, np.inf)
        to_reorder = np.where(d > 0, np.floor(np.round((ip - rop) / np.where(d > 0, d, 1), 9)),
                              np.nan)
    live = d > 0
    now = live & (to_reorder <= 0)
    later = live & (to_reorder > 0) & (to_reorder <= window)
    # an order placed now brings the position up to S; a future one is placed when the position
    # has fallen to the reorder point, so it is S - ROP (one review period of demand)
    need = np.where(now, upto - ip, np.where(later, upto - rop, 0.0))
    qty = round_order_qty(need, P["case_pack"].to_numpy(), P["moq"].to_numpy(),
                          P["max_qty"].to_numpy())
    capped = (need > 0) & (qty < np.ceil(np.round(np.maximum(need, P["moq"].to_numpy()), 9)))

    # projected stockout: first horizon day the cumulative forecast reaches the available units
    reach = cum >= avail[:, None]
    first = np.where(reach.any(axis=1), reach.argmax(axis=1), -1)
    beyond = np.where(d > 0, H + np.ceil((avail - cum[:, -1]) / np.where(d > 0, d, 1)) - 1, np.nan)
    so_days = np.where(avail <= 0, 0, np.where(first >= 0, first, beyond))
    so_days = np.where((d > 0) | (avail <= 0), so_days, np.nan)
    day = np.timedelta64(1, "D")
    base = np.datetime64(as_of.date(), "D")

    def add_days(x):
        xs = np.where(np.isfinite(x), x, 0).astype(np.int64)
        out = (base + xs * day).astype("datetime64[ns]")
        return pd.Series(np.where(np.isfinite(x), out, np.datetime64("NaT")),
                         dtype="datetime64[ns]")

    ordering = qty > 0
    order_off = np.where(ordering, np.maximum(to_reorder, 0), np.nan)
    ship_off = order_off + P["supplier_lead_days"].to_numpy() + P["seller_lead_days"].to_numpy()
    arr_off = ship_off + P["inbound_lead_days"].to_numpy()
    overdue = np.where(live, np.maximum(-to_reorder, 0), 0).astype(np.int64)

    plan["daily_demand"] = d
    plan["demand_sd"] = sigma_d
    plan["inventory_position"] = ip
    plan["days_of_supply"] = dos
    plan["total_days_of_supply"] = tdos
    plan["projected_stockout_date"] = add_days(so_days)
    plan["lead_time_days"] = L
    plan["lead_time_sd_days"] = sigma_L
    plan["review_days"] = R
    plan["service_level"] = sl
    plan["safety_stock"] = ss
    plan["safety_stock_method"] = ss_method
    plan["reorder_point"] = rop
    plan["order_up_to"] = upto
    plan["need_units"] = need
    plan["case_pack"] = P["case_pack"].to_numpy().astype(np.int64)
    plan["moq"] = P["moq"].to_numpy().astype(np.int64)
    plan["recommended_qty"] = qty
    plan["capped"] = capped
    # ordered today, would the new stock arrive after the available units run out?
    # ordered as planned (or today when late), do the available units run out before it arrives?
    arrive = np.where(ordering, arr_off, L)
    plan["stockout_before_arrival"] = live & (np.nan_to_num(so_days, nan=np.inf) < arrive)
    plan["reorder_date"] = add_days(to_reorder)
    plan["overdue_days"] = overdue
    plan["order_date"] = add_days(order_off)
    plan["ship_by_date"] = add_days(ship_off)
    plan["arrival_date"] = add_days(arr_off)
    status = np.select(
        [~live, avail <= 0, now & (to_reorder < 0), now, later],
        ["no_demand", "out_of_stock", "late", "reorder_now", "plan"], "ok")
    plan["status"] = status
    if capacity_units is not None:
        plan = _apply_capacity(plan, capacity_units)
    if amazon is not None and not amazon.empty:
        plan = compare_with_amazon(plan, amazon)
    plan = plan.drop(columns=[c for c in ("snapshot_date",) if c in plan.columns])
    order = {"out_of_stock": 0, "late": 1, "reorder_now": 2, "plan": 3, "ok": 4, "no_demand": 5}
    plan["_o"] = plan["status"].map(order)
    plan = plan.sort_values(["_o", "ship_by_date", *_KEY], na_position="last").drop(columns="_o")
    return plan.reset_index(drop=True)


def _apply_capacity(plan: pd.DataFrame, capacity_units) -> pd.DataFrame:
    plan = plan.sort_values(["ship_by_date", *_KEY], na_position="last").copy()
    if isinstance(capacity_units, dict):
        cap = plan["marketplace"].map(capacity_units).astype(float).fillna(np.inf).to_numpy()
    else:
        cap = np.full(len(plan), float(capacity_units))
    q = plan["recommended_qty"].to_numpy(dtype=float)
    before = plan.groupby(["seller_id", "marketplace"], sort=False)["recommended_qty"].cumsum() \
        .to_numpy(dtype=float) - q
    cp = plan["case_pack"].to_numpy(dtype=float)
    # served in ship-by order until the cap is reached: the SKU that crosses it gets the whole
    # case packs that still fit, the later ones nothing
    alloc = np.where(before + q <= cap, q,
                     np.where(before < cap, np.floor((cap - before) / cp) * cp, 0.0))
    plan["capped"] = plan["capped"].to_numpy() | (alloc < q)
    plan["recommended_qty"] = alloc.astype(np.int64)
    return plan


def compare_with_amazon(plan: pd.DataFrame, amazon: pd.DataFrame) -> pd.DataFrame:
    """Put Amazon's Restock Inventory recommendation beside ours and explain the difference.

    Adds ``amazon_qty, amazon_ship_date, amazon_alert, amazon_daily_demand`` (Amazon's Units Sold
    Last 30 Days / 30), ``amazon_total_units``, ``qty_difference`` (ours - Amazon's) and
    ``difference_explained``: which inputs differ — the demand rate (ours is the forecast over
    the protection period, with stockout days not counted as zero demand; the report shows only
    last-30-day sales), the stock counted (Amazon's Total Units vs our inventory position),
    our case-pack / MOQ rounding and safety stock. Amazon's own model is not published, so the
    explanation names the measurable differences, not Amazon's reasoning.
    """
    a = amazon.copy()
    cols = {"recommended_qty": "amazon_qty", "recommended_ship_date": "amazon_ship_date",
            "alert": "amazon_alert", "total_units": "amazon_total_units"}
    a = a.rename(columns=cols)
    a["amazon_daily_demand"] = pd.to_numeric(a.get("units_sold_last_30d"), errors="coerce") / 30.0
    keep = [*_KEY, "amazon_qty", "amazon_ship_date", "amazon_alert", "amazon_daily_demand",
            "amazon_total_units"]
    a = a[[c for c in keep if c in a.columns]].drop_duplicates(_KEY)
    out = plan.merge(a, on=_KEY, how="left")
    ours = out["recommended_qty"].to_numpy(dtype=float)
    theirs = pd.to_numeric(out["amazon_qty"], errors="coerce").to_numpy(dtype=float)
    diff = ours - theirs
    out["qty_difference"] = diff
    d_o = out["daily_demand"].to_numpy(dtype=float)
    d_a = out["amazon_daily_demand"].to_numpy(dtype=float)
    tu = pd.to_numeric(out["amazon_total_units"], errors="coerce").to_numpy(dtype=float)
    ip = out["inventory_position"].to_numpy(dtype=float)
    have = np.isfinite(theirs)

    def fmt(x, nd=1):
        r = pd.Series(np.round(np.asarray(x, dtype=float), nd))
        if nd == 0:
            r = r.where(np.isfinite(r)).astype("Int64")
        return r.astype("string").fillna("?")

    txt = pd.Series(np.where(~have, "not in Amazon's report",
                             np.where(diff == 0, "same quantity", "")), dtype="string")
    sign = np.where(diff > 0, "ours is higher by ", "ours is lower by ")
    head = pd.Series(sign, dtype="string") + fmt(np.abs(diff), 0) + " units"
    rate_diff = have & np.isfinite(d_a) & (np.abs(d_o - d_a) > np.maximum(0.1 * d_a, 0.05))
    rate = ("; demand rate " + fmt(d_o, 2) + "/day (our forecast, stockout days not counted as "
            "zero demand) vs " + fmt(d_a, 2) + "/day from Amazon's last-30-day units")
    stock_diff = have & np.isfinite(tu) & (np.abs(ip - tu) >= 1)
    stock = ("; we count " + fmt(ip, 0) + " units in stock and inbound, Amazon's Total Units "
             "is " + fmt(tu, 0))
    pack = out["case_pack"].to_numpy() > 1
    moq = out["moq"].to_numpy() > 0
    rounding = pd.Series(np.where(pack | moq, "; ours is rounded up to case pack / MOQ", ""),
                         dtype="string")
    ss_txt = ("; our safety stock is " + fmt(out["safety_stock"].to_numpy(dtype=float), 0)
              + " units for a " + fmt(100 * out["service_level"].to_numpy(dtype=float), 0)
              + "% service level over " + fmt(out["lead_time_days"].to_numpy(dtype=float)
                                               + out["review_days"].to_numpy(dtype=float), 0)
              + " days (Amazon's cost model and its lead-time settings are not in the report)")
    body = (head + pd.Series(np.where(rate_diff, rate, ""), dtype="string")
            + pd.Series(np.where(stock_diff, stock, ""), dtype="string") + rounding
            + ss_txt)
    out["difference_explained"] = txt.where(txt != "", body).to_numpy()
    return out


__all__ = [
    "FORMULA_NOTE", "RestockParams", "z_value", "safety_stock_normal", "count_quantile",
    "round_order_qty", "stock_position", "restock_plan", "compare_with_amazon",
]
