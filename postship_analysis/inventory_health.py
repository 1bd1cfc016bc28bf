"""FBA inventory health: sell-through, weeks of cover, excess and aged stock, stranded share,
in-stock rate, an IPI-style proxy, slow movers and the post-inbound ramp check.

Inputs (canonical tables, docs/DATA_CONTRACT.md; nothing here reads a file or the clock):

* daily **units shipped** per SKU: ``seller_id, marketplace, sku, date, units`` — the
  ``daily_demand`` table of :mod:`postship_analysis.demand`, or :func:`units_from_ledger` (the
  Inventory Ledger's ``Shipments`` events, GET_LEDGER_DETAIL_VIEW_DATA: Seller Central > Reports
  > Fulfillment > Inventory Ledger);
* daily **units on hand**: ``seller_id, marketplace, sku, date, on_hand`` —
  :func:`postship_analysis.readers.inventory.daily_on_hand_from_ledger` (end-of-day sellable
  units) or ``daily_on_hand`` (snapshots carried forward);
* optionally the FBA Inventory planning report's metrics
  (``read_fba_planning_extras``, GET_FBA_INVENTORY_PLANNING_DATA) for inventory age, and Manage
  FBA Inventory extras (``read_myi_extras``) for stranded units and unit volume.

Windows: ``as_of`` is a marketplace-local day; an N-day window is the N days before it,
``[as_of - N, as_of - 1]``. A SKU-day without an on-hand row counts as 0 units on hand (not yet
launched, or gone): Amazon's averages are over the whole period.

Amazon's definitions (domain.md §2.1, help GKT9YKCHXMSDVJKB and G202174810) — the **text**, not
the help page's inconsistent t90 example:

* ``sell_through_90d`` = units shipped in 90 days / average units on hand over the 90 days;
* ``weeks_of_cover_t30`` = average units on hand over 30 days / (units shipped in 30 days / 4);
  ``weeks_of_cover_t90`` = average on hand over 90 days / (units shipped in 90 days / 12);
* stranded share = stranded units / FBA units.

Ours (stated as ours, parameters with defaults): weekly sell-through = units shipped in the last
7 days / average units on hand over those 7 days (shown, not used for decisions); slow mover =
90-day sell-through below 0.8 (the issue's default) with units on hand, shown with its days and
weeks of cover, and never pushed with more advertising when the cover is below its lead time;
excess units = on hand above ``excess_days`` (90) of
demand at the SKU's in-stock sales rate; in-stock rate = share of the last 30 days with units
on hand, over SKUs that sold in the last 90 days, weighted by their in-stock sales rate; the
aged-inventory surcharge from the dated band table :data:`AGED_SURCHARGE_BANDS`; the IPI proxy
(Amazon does not publish the IPI formula) — see :func:`ipi_proxy`.

Example
-------
>>> import pandas as pd
>>> d = pd.date_range("2026-08-03", periods=90)
>>> units = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A", "date": d,
...                       "units": 1})
>>> oh = units.rename(columns={"units": "on_hand"}).assign(on_hand=30)
>>> h = health_table(units, oh, as_of="2026-11-01")
>>> h[["sell_through_90d", "weeks_of_cover_t30", "weeks_of_cover_t90"]].round(2).values.tolist()
[[3.0, 4.0, 4.0]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ParameterError
from .kpi import KPI

_KEY = ["seller_id", "marketplace", "sku"]

#: Aged-inventory surcharge bands (US), per cubic foot, by inventory age in days at the monthly
#: snapshot on the 15th; the 365+ bands charge per cubic foot or per unit, whichever is greater.
#: Each schedule is a block of rows with its ``effective_from`` date and ``source``:
#:
#: * 2023-04-15 — Amazon's e-mail "Upcoming aged inventory surcharge assessment" (to-email.com
#:   copy, 2024-04-10) and [3P] simple-agency.com.ua (domain.md §2.2): 181-210 d $0.50/ft³,
#:   211-240 $1.00, 241-270 $1.50, 271-300 $3.80, 301-330 $4.00, 331-365 $4.20, 365+ $6.90/ft³
#:   or $0.15/unit. The 181-270-day bands exclude apparel, shoes, bags, jewelry and watches.
#: * 2026-01-15 — the US schedule in force from 2026-01-15 as read by a third party
#:   ([3P] anderlecht-debug/HubriconB2B, ``engine/src/hubricon_engine/models/fee_schedule.py``
#:   @ 2a1a7efa, "Figures are the US marketplace schedule in force 2026-01-15"): 271-300 d
#:   $5.45/ft³, 301-330 $5.70, 331-365 $5.90, the rest unchanged; 366-455 and 456+ (the
#:   report's two columns since 2024) both $6.90/ft³ or $0.15/unit. Amazon's own page
#:   (sellercentral help GJQNPA23YWVA4SBD) needs a sign-in and is not in our sources; the 2024
#:   and 2025 schedules in between were not found (gap: dates in 2024-2025 use the 2023 rates).
#:
#: Amazon's own estimate for each SKU is the FBA Inventory report's ``estimated-ais-*``
#: columns: :func:`aged_surcharge` puts it beside ours, and it is the figure to trust where the
#: two differ. Checked 2026-12-02. Add rows with a later ``effective_from`` to update.
_AIS_BANDS = [(181, 210), (211, 240), (241, 270), (271, 300), (301, 330), (331, 365),
              (366, 455), (456, 100000)]
AGED_SURCHARGE_BANDS = pd.DataFrame({
    "effective_from": pd.to_datetime(["2023-04-15"] * 7 + ["2026-01-15"] * 8),
    "age_min": [181, 211, 241, 271, 301, 331, 366] + [a for a, _ in _AIS_BANDS],
    "age_max": [210, 240, 270, 300, 330, 365, 100000] + [b for _, b in _AIS_BANDS],
    "usd_per_ft3": [0.50, 1.00, 1.50, 3.80, 4.00, 4.20, 6.90]
    + [0.50, 1.00, 1.50, 5.45, 5.70, 5.90, 6.90, 6.90],
    "usd_per_unit_min": [0.0] * 6 + [0.15] + [0.0] * 6 + [0.15, 0.15],
    "excludes_apparel_etc": [True] * 3 + [False] * 4 + [True] * 3 + [False] * 5,
    "source": ["Amazon e-mail (2023-04-15 schedule) via to-email.com; simple-agency.com.ua"] * 7
    + ["[3P] HubriconB2B fee_schedule.py @ 2a1a7efa (US schedule in force 2026-01-15)"] * 8,
})

#: Planning-report age buckets: column -> (first day, last day). 456+ is read as 456 days.
AGE_BUCKETS = {
    "inv_age_0_to_90_days": (0, 90), "inv_age_91_to_180_days": (91, 180),
    "inv_age_181_to_270_days": (181, 270), "inv_age_271_to_365_days": (271, 365),
    "inv_age_366_to_455_days": (366, 455), "inv_age_456_plus_days": (456, 456),
}


@dataclass(frozen=True)
class HealthParams:
    """Thresholds of the health table (all ours unless stated).

    ``slow_mover_sell_through``: a SKU with units on hand whose **90-day** sell-through
    (Amazon's definition: units shipped in 90 days / average units on hand) is below it is a
    slow mover (0.8, the issue's threshold; 90-day sell-through 0.8 is about 15 weeks of cover).
    A weekly ratio would flag nearly every slow-but-healthy SKU (issue 10: 114 of 124 sample
    SKUs). ``lead_time_days``: the replenishment lead time a SKU's cover is compared with
    (default = :class:`postship_analysis.restock.RestockParams`' 30 + 7 + 10 days; per SKU
    from the restock plan where given): no promotion is suggested for a slow mover whose cover
    is below it. ``excess_days``: units beyond this many days of demand are excess.
    ``ipi_sell_through_full``: 90-day sell-through at which the proxy's sell-through component
    scores full marks (2.0 = the stock turns every 45 days, about 6 weeks of cover).
    """

    slow_mover_sell_through: float = 0.8
    lead_time_days: float = 47.0
    excess_days: float = 90.0
    ipi_sell_through_full: float = 2.0
    ipi_weights: tuple[float, float, float, float] = (0.25, 0.25, 0.25, 0.25)


def units_from_ledger(ledger: pd.DataFrame) -> pd.DataFrame:
    """Daily units shipped per SKU from Inventory Ledger ``Shipments`` events (quantity < 0).

    Returns ``seller_id, marketplace, sku, date, units`` (units shipped to customers that day).
    """
    miss = [c for c in [*_KEY, "event_date", "event_type", "quantity"] if c not in ledger]
    if miss:
        raise ParameterError(f"ledger lacks column(s) {miss}")
    s = ledger[ledger["event_type"].astype("string").str.strip().str.lower()
               .eq("shipments").fillna(False)]
    out = (s.assign(units=-pd.to_numeric(s["quantity"]).astype(float))
           .groupby([*_KEY, "event_date"], sort=False)["units"].sum().reset_index()
           .rename(columns={"event_date": "date"}))
    return out


def _matrices(units: pd.DataFrame, on_hand: pd.DataFrame, as_of: pd.Timestamp, days: int):
    """Dense SKU x day matrices of units and on-hand over ``[as_of - days, as_of - 1]``."""
    for name, df, col in (("units", units, "units"), ("on_hand", on_hand, "on_hand")):
        miss = [c for c in [*_KEY, "date", col] if c not in df]
        if miss:
            raise ParameterError(f"{name} lacks column(s) {miss}")
    start = as_of - pd.Timedelta(days=days)
    u = units[(units["date"] >= start) & (units["date"] < as_of)]
    o = on_hand[(on_hand["date"] >= start) & (on_hand["date"] < as_of)]
    keys = (pd.concat([units[_KEY], on_hand[_KEY]]).drop_duplicates()
            .sort_values(_KEY).reset_index(drop=True))
    idx = pd.MultiIndex.from_frame(keys.astype("string"))
    U = np.zeros((len(keys), days))
    OH = np.zeros((len(keys), days))
    known = np.zeros((len(keys), days), dtype=bool)
    for df, col, M in ((u, "units", U), (o, "on_hand", OH)):
        if df.empty:
            continue
        r = idx.get_indexer(pd.MultiIndex.from_frame(df[_KEY].astype("string")))
        c = (df["date"] - start).dt.days.to_numpy()
        v = pd.to_numeric(df[col]).astype(float).fillna(0).to_numpy()
        np.add.at(M, (r, c), v)
        if col == "on_hand":
            known[r, c] = True
    OH = np.maximum(OH, 0)
    return keys, U, OH, known


def health_table(units: pd.DataFrame, on_hand: pd.DataFrame, as_of, *,
                 params: HealthParams | None = None, age: pd.DataFrame | None = None,
                 stranded: pd.DataFrame | None = None,
                 lead_times: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-SKU inventory health over the 90 days before ``as_of``.

    Returns ``seller_id, marketplace, sku, units_t7, units_t30, units_t90, on_hand`` (end of the
    day before ``as_of``), ``avg_on_hand_t7/_t30/_t90``, ``sell_through_90d``,
    ``weeks_of_cover_t30``, ``weeks_of_cover_t90`` (Amazon's text definitions; NaN when the
    denominator is 0), ``weekly_sell_through``, ``in_stock_days_30``, ``in_stock_rate_30d``,
    ``daily_rate`` (units per in-stock day over 90 days), ``days_of_cover`` (on_hand /
    daily_rate), ``weeks_of_cover`` (days_of_cover / 7), ``lead_time_days``, ``excess_units``,
    ``aged_181_plus`` (units, from ``age``), ``stranded_units``, ``slow_mover`` and
    ``suggested_action``:

    * slow mover: units on hand and ``sell_through_90d`` below
      ``params.slow_mover_sell_through`` (0.8);
    * ``Lightning Deal`` for a slow mover with excess or aged (181+ days) units — a deal clears
      volume before the aged-inventory surcharge;
    * ``Sponsored Brands push`` for other slow movers — more visibility at a normal price;
    * ``Hold: cover below lead time`` for a slow mover with fewer days of cover than its lead
      time: more advertising would sell out stock that cannot be replaced in time, so none is
      suggested (issue 10);
    * empty otherwise. (Our rule; both are Amazon promotion tools the seller chooses from.)

    ``age``: planning extras with ``inv_age_*`` columns (optional). ``stranded``: ``sku,
    stranded_units`` (e.g. :func:`stranded_from_myi`; optional). ``lead_times``: ``sku`` (and
    optionally ``seller_id``, ``marketplace``) and ``lead_time_days`` per SKU, e.g. the restock
    plan (optional; else ``params.lead_time_days``).
    """
    params = params or HealthParams()
    as_of = pd.Timestamp(as_of).normalize()
    keys, U, OH, known = _matrices(units, on_hand, as_of, 90)
    out = keys.copy()

    def last(n):
        return slice(90 - n, 90)

    t7, t30, t90 = (U[:, last(n)].sum(1) for n in (7, 30, 90))
    a7, a30, a90 = (OH[:, last(n)].mean(1) for n in (7, 30, 90))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["units_t7"], out["units_t30"], out["units_t90"] = t7, t30, t90
        out["on_hand"] = OH[:, -1]
        out["avg_on_hand_t7"], out["avg_on_hand_t30"], out["avg_on_hand_t90"] = a7, a30, a90
        out["sell_through_90d"] = np.where(a90 > 0, t90 / a90, np.nan)
        out["weeks_of_cover_t30"] = np.where(t30 > 0, a30 / (t30 / 4.0), np.nan)
        out["weeks_of_cover_t90"] = np.where(t90 > 0, a90 / (t90 / 12.0), np.nan)
        out["weekly_sell_through"] = np.where(a7 > 0, t7 / a7, np.nan)
        instock = OH > 0
        out["in_stock_days_30"] = instock[:, last(30)].sum(1)
        out["in_stock_rate_30d"] = out["in_stock_days_30"] / 30.0
        n_in = instock.sum(1)
        rate = np.where(n_in > 0, (U * instock).sum(1) / n_in, 0.0)
        out["daily_rate"] = rate
        out["days_of_cover"] = np.where(rate > 0, OH[:, -1] / rate, np.where(OH[:, -1] > 0,
                                                                             np.inf, np.nan))
    out["excess_units"] = np.maximum(0.0, OH[:, -1] - rate * params.excess_days)
    out["aged_181_plus"] = 0.0
    if age is not None and not age.empty:
        cols = [c for c in ("inv_age_181_to_270_days", "inv_age_271_to_365_days",
                            "inv_age_366_to_455_days", "inv_age_456_plus_days") if c in age]
        a = age.sort_values("snapshot_date").drop_duplicates(_KEY, keep="last") \
            if "snapshot_date" in age else age.drop_duplicates(_KEY, keep="last")
        a = a[_KEY].assign(aged=a[cols].apply(pd.to_numeric).fillna(0).sum(axis=1))
        m = out[_KEY].merge(a, on=_KEY, how="left")["aged"].fillna(0).to_numpy(dtype=float)
        out["aged_181_plus"] = m
    out["stranded_units"] = 0.0
    if stranded is not None and not stranded.empty:
        on = [c for c in _KEY if c in stranded]
        s = stranded.groupby(on, as_index=False)["stranded_units"].sum()
        out["stranded_units"] = out[_KEY].merge(s, on=on, how="left")["stranded_units"] \
            .fillna(0).to_numpy(dtype=float)
    lt = np.full(len(out), float(params.lead_time_days))
    if lead_times is not None and not lead_times.empty:
        on = [c for c in _KEY if c in lead_times]
        m = out[_KEY].merge(lead_times[on + ["lead_time_days"]].drop_duplicates(on), on=on,
                            how="left")["lead_time_days"]
        lt = np.where(m.notna(), pd.to_numeric(m).to_numpy(dtype=float), lt)
    out["lead_time_days"] = lt
    cover = out["days_of_cover"].to_numpy(dtype=float)
    out["weeks_of_cover"] = cover / 7.0
    st90 = out["sell_through_90d"].to_numpy(dtype=float)
    slow = (OH[:, -1] > 0) & (np.nan_to_num(st90, nan=0.0) < params.slow_mover_sell_through)
    out["slow_mover"] = slow
    heavy = (out["excess_units"].to_numpy() > 0) | (out["aged_181_plus"].to_numpy() > 0)
    short = np.nan_to_num(cover, nan=0.0) < lt
    out["suggested_action"] = np.where(
        slow, np.where(short, "Hold: cover below lead time",
                       np.where(heavy, "Lightning Deal", "Sponsored Brands push")), "")
    return out


def summary(health: pd.DataFrame, params: HealthParams | None = None) -> pd.DataFrame:
    """Per ``seller_id x marketplace`` totals and the IPI proxy's inputs.

    ``sell_through_90d`` = Σ units_t90 / Σ avg_on_hand_t90; ``weeks_of_cover_t90`` likewise;
    ``excess_share`` = Σ excess / Σ on hand; ``stranded_share`` = Σ stranded / Σ (on hand +
    stranded); ``in_stock_rate_30d`` = Σ w·in-stock-days / (30 Σ w) over SKUs with sales in 90
    days, w = in-stock sales rate; ``skus``, ``slow_movers``, ``ipi_proxy`` (see
    :func:`ipi_proxy`).
    """
    params = params or HealthParams()
    h = health.copy()
    h["_w"] = np.where(h["units_t90"] > 0, h["daily_rate"], 0.0)
    h["_wi"] = h["_w"] * h["in_stock_days_30"]
    g = h.groupby(["seller_id", "marketplace"], sort=True)
    s = g.agg(skus=("sku", "size"), units_t90=("units_t90", "sum"),
              avg_on_hand_t90=("avg_on_hand_t90", "sum"), on_hand=("on_hand", "sum"),
              excess_units=("excess_units", "sum"), stranded_units=("stranded_units", "sum"),
              aged_181_plus=("aged_181_plus", "sum"), slow_movers=("slow_mover", "sum"),
              _w=("_w", "sum"), _wi=("_wi", "sum")).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        s["sell_through_90d"] = np.where(s["avg_on_hand_t90"] > 0,
                                         s["units_t90"] / s["avg_on_hand_t90"], np.nan)
        s["weeks_of_cover_t90"] = np.where(s["units_t90"] > 0,
                                           s["avg_on_hand_t90"] / (s["units_t90"] / 12), np.nan)
        s["excess_share"] = np.where(s["on_hand"] > 0, s["excess_units"] / s["on_hand"], np.nan)
        tot = s["on_hand"] + s["stranded_units"]
        s["stranded_share"] = np.where(tot > 0, s["stranded_units"] / tot, np.nan)
        s["in_stock_rate_30d"] = np.where(s["_w"] > 0, s["_wi"] / (30 * s["_w"]), np.nan)
    s = s.drop(columns=["_w", "_wi"])
    return ipi_proxy(s, params)


def ipi_proxy(s: pd.DataFrame, params: HealthParams | None = None) -> pd.DataFrame:
    """An **IPI-style proxy**, 0-1000 — not Amazon's Inventory Performance Index.

    Amazon does not publish the IPI formula; it names four factors: excess inventory, FBA
    sell-through, stranded inventory and in-stock rate (domain.md §2.1). The proxy is
    ``1000 x (w1 (1 - excess_share) + w2 min(1, sell_through_90d / full) + w3 (1 -
    stranded_share) + w4 in_stock_rate_30d)`` with equal weights and ``full = 2.0`` by default
    (:class:`HealthParams`); a missing factor is left out and the weights renormalised. Use it
    to follow the direction of your own numbers, not to predict Amazon's score or its
    capacity-limit threshold (400 since 2022-01-01, a dated parameter in Amazon's rules).

    Adds ``ipi_excess_score, ipi_sell_through_score, ipi_stranded_score, ipi_in_stock_score``
    (0-1) and ``ipi_proxy``.
    """
    params = params or HealthParams()
    out = s.copy()
    comps = np.column_stack([
        1 - out["excess_share"].to_numpy(dtype=float),
        np.minimum(1.0, out["sell_through_90d"].to_numpy(dtype=float)
                   / params.ipi_sell_through_full),
        1 - out["stranded_share"].to_numpy(dtype=float),
        out["in_stock_rate_30d"].to_numpy(dtype=float)])
    names = ["ipi_excess_score", "ipi_sell_through_score", "ipi_stranded_score",
             "ipi_in_stock_score"]
    for i, n in enumerate(names):
        out[n] = comps[:, i]
    w = np.broadcast_to(np.asarray(params.ipi_weights, dtype=float), comps.shape)
    ok = np.isfinite(comps)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ipi_proxy"] = 1000 * np.where(ok, comps * w, 0).sum(1) / np.where(ok, w, 0).sum(1)
    return out


def stranded_from_myi(myi_extras: pd.DataFrame, snapshots: pd.DataFrame | None = None
                      ) -> pd.DataFrame:
    """Stranded units from Manage FBA Inventory: FBA units whose ``afn-listing-exists`` is
    ``No`` (no active listing = not buyable), at each SKU's latest snapshot.

    ``afn_warehouse_quantity`` is the unit count (fulfillable + unsellable + reserved).
    Returns ``seller_id, marketplace, sku, stranded_units``.
    """
    x = myi_extras.sort_values("snapshot_date").drop_duplicates(_KEY, keep="last")
    no = x["afn_listing_exists"].astype("string").str.strip().str.lower().eq("no").fillna(False)
    q = pd.to_numeric(x["afn_warehouse_quantity"]).fillna(0).astype(float)
    return x[_KEY].assign(stranded_units=np.where(no, q, 0.0)).reset_index(drop=True)


def surcharge_bands(on_date, bands: pd.DataFrame | None = None) -> pd.DataFrame:
    """The aged-inventory surcharge bands in effect on ``on_date`` (latest ``effective_from`` on
    or before it); empty before the first schedule (2023-04-15: the older long-term storage fee
    is not modelled).

    >>> surcharge_bands("2024-01-15")["usd_per_ft3"].tolist()
    [0.5, 1.0, 1.5, 3.8, 4.0, 4.2, 6.9]
    """
    b = AGED_SURCHARGE_BANDS if bands is None else bands
    on = pd.Timestamp(on_date)
    eff = b.loc[b["effective_from"] <= on, "effective_from"]
    if eff.empty:
        return b.iloc[0:0].copy()
    return b[b["effective_from"] == eff.max()].reset_index(drop=True)


def next_surcharge_date(as_of) -> pd.Timestamp:
    """The next monthly aged-inventory snapshot (the 15th) on or after ``as_of``."""
    d = pd.Timestamp(as_of).normalize()
    fifteenth = d.replace(day=15)
    return fifteenth if d <= fifteenth else (fifteenth + pd.offsets.MonthBegin(1)).replace(day=15)


def aged_surcharge(age: pd.DataFrame, charge_date, *, volume_ft3: pd.DataFrame | None = None,
                   bands: pd.DataFrame | None = None) -> pd.DataFrame:
    """Estimated aged-inventory surcharge per SKU at the snapshot of ``charge_date`` (US, USD).

    ``age``: planning extras (``snapshot_date`` and ``inv_age_*`` bucket columns, units). Ages
    are moved forward by the days from the report's snapshot to ``charge_date`` (no sales from
    the old stock assumed: an upper bound), units are spread evenly over the days of their
    bucket, and each band's share of a bucket is the overlap of day ranges. Charge per band =
    ``max(rate_ft3 x volume x units, per_unit_min x units)``; without a volume only the per-unit
    minimum is counted (``volume_known = False``: a lower bound). The 181-270-day bands do not
    apply to apparel, shoes, bags, jewelry and watches (not known here: flagged in the bands).

    Amazon's own figures from the same report are put beside ours where the file has them:
    ``amazon_estimated_ais`` = the sum of the ``estimated-ais-*`` columns (money, the report's
    currency) and ``amazon_units_charged`` = the sum of ``quantity-to-be-charged-ais-*`` (NaN
    when the file has none of them). They are Amazon's estimate for its next assessment from
    the report's snapshot; ours is for ``charge_date`` from the dated band table
    (:data:`AGED_SURCHARGE_BANDS`, ``schedule_from`` says which schedule).

    Returns ``seller_id, marketplace, sku, units_181_plus, surcharge_usd, volume_known,
    charge_date, schedule_from, amazon_estimated_ais, amazon_units_charged``.
    """
    b = surcharge_bands(charge_date, bands)
    charge_date = pd.Timestamp(charge_date)
    a = age.copy()
    snap = pd.to_datetime(a["snapshot_date"]) if "snapshot_date" in a else charge_date
    shift = np.maximum(0, (charge_date - snap).dt.days.to_numpy()) \
        if isinstance(snap, pd.Series) else np.zeros(len(a))
    vol = np.full(len(a), np.nan)
    if volume_ft3 is not None and not volume_ft3.empty:
        on = [c for c in _KEY if c in volume_ft3]
        vol = a[_KEY].merge(volume_ft3[on + ["volume_ft3"]].drop_duplicates(on), on=on,
                            how="left")["volume_ft3"].to_numpy(dtype=float)
    total = np.zeros(len(a))
    aged_units = np.zeros(len(a))
    for col, (lo, hi) in AGE_BUCKETS.items():
        if col not in a:
            continue
        units = pd.to_numeric(a[col]).fillna(0).to_numpy(dtype=float)
        blo, bhi = lo + shift, hi + shift
        width = bhi - blo + 1
        for _, band in b.iterrows():  # a handful of bands, vectorised over SKUs
            ov = np.clip(np.minimum(bhi, band["age_max"]) - np.maximum(blo, band["age_min"]) + 1,
                         0, None)
            u = units * ov / width
            per_ft3 = band["usd_per_ft3"] * np.nan_to_num(vol, nan=0.0) * u
            total += np.maximum(per_ft3, band["usd_per_unit_min"] * u)
            aged_units += u
    def _sum(prefix):
        cols = [c for c in a.columns if c.startswith(prefix)]
        if not cols:
            return np.full(len(a), np.nan)
        v = a[cols].apply(pd.to_numeric, errors="coerce")
        return v.sum(axis=1, min_count=1).to_numpy(dtype=float)

    sched = b["effective_from"].iloc[0] if len(b) else pd.NaT
    return a[_KEY].assign(units_181_plus=aged_units, surcharge_usd=total,
                          volume_known=np.isfinite(vol), charge_date=charge_date,
                          schedule_from=sched,
                          amazon_estimated_ais=_sum("estimated_ais_"),
                          amazon_units_charged=_sum("quantity_to_be_charged_ais_")
                          ).reset_index(drop=True)


def post_inbound_ramp(units: pd.DataFrame, on_hand: pd.DataFrame, ledger: pd.DataFrame, as_of,
                      *, ramp_days: tuple[int, int] = (14, 21), baseline_days: int = 28,
                      threshold: float = 0.8, lookback_days: int = 180,
                      min_expected_units: float = 3.0) -> pd.DataFrame:
    """Post-inbound ramp check: sales in days 14-21 after a receipt vs the SKU's baseline.

    Receipts are the Inventory Ledger's ``Receipts`` events (units > 0, summed per SKU and day)
    dated in the ``lookback_days`` before ``as_of`` whose ramp window has ended before
    ``as_of``. ``baseline_rate`` = units per in-stock day over the ``baseline_days`` before the
    receipt (stockout days do not drag the baseline down); ``ramp_rate`` = units per day over days
    ``ramp_days[0]..ramp_days[1]`` after the receipt (day 0 = receipt day); ``ramp_ratio`` =
    ramp / baseline; ``slow_ramp`` when below ``threshold`` (ours: 0.8) and the baseline expects
    at least ``min_expected_units`` in the ramp window (below that, zero sales in 8 days is
    ordinary for a slow mover and says nothing).
    ``stocked_out_before``: the SKU had a day without stock in the 7 days before the receipt
    (the case where rank may need rebuilding, forecasting.md §5.6).

    Returns ``seller_id, marketplace, sku, receipt_date, units_received, baseline_rate,
    baseline_in_stock_days, ramp_rate, ramp_ratio, slow_ramp, stocked_out_before``.
    """
    as_of = pd.Timestamp(as_of).normalize()
    r0, r1 = ramp_days
    span = lookback_days + baseline_days + 1
    keys, U, OH, known = _matrices(units, on_hand, as_of, span)
    rec = ledger[ledger["event_type"].astype("string").str.strip().str.lower()
                 .eq("receipts").fillna(False)]
    rec = rec[pd.to_numeric(rec["quantity"]) > 0]
    rec = (rec.groupby([*_KEY, "event_date"], as_index=False)["quantity"].sum()
           .rename(columns={"event_date": "receipt_date", "quantity": "units_received"}))
    start = as_of - pd.Timedelta(days=span)
    rec = rec[(rec["receipt_date"] >= as_of - pd.Timedelta(days=lookback_days))
              & (rec["receipt_date"] + pd.Timedelta(days=r1) < as_of)]
    idx = pd.MultiIndex.from_frame(keys.astype("string"))
    row = idx.get_indexer(pd.MultiIndex.from_frame(rec[_KEY].astype("string")))
    rec = rec[row >= 0].reset_index(drop=True)
    row = row[row >= 0]
    col = (rec["receipt_date"] - start).dt.days.to_numpy()
    instock = OH > 0
    cu = np.concatenate([np.zeros((len(U), 1)), np.cumsum(U * instock, 1)], 1)
    cu_all = np.concatenate([np.zeros((len(U), 1)), np.cumsum(U, 1)], 1)
    ci = np.concatenate([np.zeros((len(U), 1)), np.cumsum(instock, 1)], 1)
    b0 = np.clip(col - baseline_days, 0, None)
    base_units = cu[row, col] - cu[row, b0]
    base_days = ci[row, col] - ci[row, b0]
    ramp_units = cu_all[row, col + r1 + 1] - cu_all[row, col + r0]
    with np.errstate(divide="ignore", invalid="ignore"):
        base_rate = np.where(base_days > 0, base_units / base_days, np.nan)
        ramp_rate = ramp_units / (r1 - r0 + 1)
        ratio = np.where(base_rate > 0, ramp_rate / base_rate, np.nan)
    s0 = np.clip(col - 7, 0, None)
    out_days = (col - s0) - (ci[row, col] - ci[row, s0])  # days without stock
    rec["baseline_rate"] = base_rate
    rec["baseline_in_stock_days"] = base_days.astype(int)
    rec["ramp_rate"] = ramp_rate
    rec["ramp_ratio"] = ratio
    expected = np.nan_to_num(base_rate) * (r1 - r0 + 1)
    rec["slow_ramp"] = (np.nan_to_num(ratio, nan=np.inf) < threshold) & (
        expected >= min_expected_units)
    rec["stocked_out_before"] = out_days > 0
    return rec


def health_kpis(summ: pd.DataFrame, plan: pd.DataFrame | None = None, *, as_of=None
                ) -> list[KPI]:
    """Headline KPIs (stable names) per marketplace from :func:`summary` and, optionally, the
    restock plan (:func:`postship_analysis.restock.restock_plan`):

    ``sell_through_90d`` (ratio), ``weeks_of_cover_t90`` (weeks), ``in_stock_rate_30d``
    (fraction), ``excess_inventory_share`` (fraction), ``stranded_inventory_share`` (fraction),
    ``slow_movers`` (count), ``ipi_proxy`` (0-1000, not Amazon's IPI), and from the plan
    ``skus_to_reorder_now`` (status late / reorder_now / out_of_stock with a quantity) and
    ``skus_out_of_stock`` (count).
    """
    win90 = win30 = ""
    if as_of is not None:
        a = pd.Timestamp(as_of).normalize()
        win90 = f"{(a - pd.Timedelta(days=90)).date()}..{(a - pd.Timedelta(days=1)).date()}"
        win30 = f"{(a - pd.Timedelta(days=30)).date()}..{(a - pd.Timedelta(days=1)).date()}"
    out: list[KPI] = []
    for r in summ.itertuples(index=False):
        mp = r.marketplace if summ["seller_id"].nunique() == 1 else f"{r.seller_id}/{r.marketplace}"
        out += [
            KPI.make("sell_through_90d", mp, r.sell_through_90d, "ratio",
                     numerator=r.units_t90, denominator=r.avg_on_hand_t90, window=win90),
            KPI.make("weeks_of_cover_t90", mp, r.weeks_of_cover_t90, "weeks", window=win90),
            KPI.make("in_stock_rate_30d", mp, r.in_stock_rate_30d, "fraction", window=win30),
            KPI.make("excess_inventory_share", mp, r.excess_share, "fraction",
                     numerator=r.excess_units, denominator=r.on_hand),
            KPI.make("stranded_inventory_share", mp, r.stranded_share, "fraction",
                     numerator=r.stranded_units, denominator=r.on_hand + r.stranded_units),
            KPI.make("slow_movers", mp, float(r.slow_movers), "count", denominator=r.skus),
            KPI.make("ipi_proxy", mp, r.ipi_proxy, "score (proxy, not Amazon's IPI)"),
        ]
        if plan is not None:
            p = plan[(plan["seller_id"] == r.seller_id) & (plan["marketplace"] == r.marketplace)]
            now = p["status"].isin(["late", "reorder_now", "out_of_stock"]) & (
                p["recommended_qty"] > 0)
            out += [
                KPI.make("skus_to_reorder_now", mp, float(now.sum()), "count",
                         denominator=len(p)),
                KPI.make("skus_out_of_stock", mp, float((p["available"] <= 0).sum()), "count",
                         denominator=len(p)),
            ]
    return out


__all__ = [
    "AGED_SURCHARGE_BANDS", "AGE_BUCKETS", "HealthParams", "units_from_ledger", "health_table",
    "summary", "ipi_proxy", "stranded_from_myi", "surcharge_bands", "next_surcharge_date",
    "aged_surcharge", "post_inbound_ramp", "health_kpis",
]
