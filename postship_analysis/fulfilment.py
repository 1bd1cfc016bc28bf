"""Fulfilment health of seller-fulfilled (MFN) orders: Amazon's account-health metrics before
Amazon computes them, and this week's action lists.

Inputs are canonical tables (docs/DATA_CONTRACT.md): ``orders`` (All Orders report,
GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL), ``order_promises`` (ship-by and
deliver-by dates from the seller-fulfilled order flat file), ``shipment_confirmations``
(POST_FLAT_FILE_FULFILLMENT_DATA rows, i.e. what was confirmed in Seller Central >
Orders > Upload order-related files or by the SP-API confirmShipment call) and
``delivery_events`` (carrier scans; Amazon has no export, our CSV). Nothing here reads a
file or the clock.

Conventions shared by every metric
----------------------------------
* ``as_of`` is a marketplace-local date (``pd.Timestamp("2026-11-01")``, midnight): the day of
  the run. A window of *n* days is the *n* complete local days before it,
  ``[as_of - lag - n, as_of - lag - 1]``; ``lag`` is 0 unless the metric has a reporting
  delay (VTR / OTDR). Each marketplace uses its own time zone (``contract.local_date``).
* Only what was known at ``as_of`` is used: confirmations, scans and deliveries time-stamped at
  or after the as-of instant (local midnight of ``as_of``) are ignored, so a metric for a past
  ``as_of`` is the number one would have seen that day, and the daily trend forms equal the
  scalar function day by day. Order statuses are the current ones (All Orders has no status
  history); a cancellation is dated by the order's ``last_updated_ts``.
* Results are per ``seller_id`` x ``marketplace`` (plus a breakdown column where stated) with
  ``kpi, value, numerator, denominator, window_start, window_end, target, status``; ``value``
  is a fraction (``0.032`` = 3.2 %), NaN with status ``no_data`` when the denominator is 0.
  Status comes from :func:`postship_analysis.kpi.status` with :data:`kpi.TARGETS` (or the
  ``targets`` passed in).
* An order's ship-by is the earliest ``latest_ship_ts`` of its items (Amazon gives one per
  order); its deliver-by the earliest ``latest_delivery_ts``.
* Multi-item orders and partial shipments: a confirmation row with a blank order-item-id
  confirms the whole order; item rows confirm their quantity (blank quantity = the whole item).
  An order is *fully confirmed* at the time the last of its ordered units is confirmed; until
  then it is unshipped for the at-risk list and not yet confirmed for the Late Shipment Rate.

Which date places an order in a window (our choice, with its source)
-------------------------------------------------------------------
* Late Shipment Rate: the **expected ship date** (``latest_ship_ts``, local date). Amazon: LSR
  is "orders ship-confirmed after the expected ship date / total orders" over 10 and 30 days
  (domain.md §1.1, help G200285190) and ``LatestShipDate`` is the expected ship date
  (§1.3, ordersV0 model); counting orders by the date they were due is what makes the window
  final (an order due in the window is late or not, whatever happens later).
* Pre-fulfilment Cancel Rate: the **order date** (purchase, local). Amazon: cancellations /
  orders "in a 7-day period" (help 200285210) - orders are the unit, dated when placed.
* Valid Tracking Rate and order-level On-Time Delivery: the **promised delivery date**
  (``latest_delivery_ts``) with a **14-day lag**. Amazon: "We use promised delivery date to
  determine which orders are included ... a two-week latency period" (help G201817070;
  OTD FAQ WDA4S96KYS493ME "as of two weeks prior"). ``date_basis="confirmation"`` counts
  packages by their ship-confirmation date instead (what the synthetic sample's truth uses).
* US unit On-Time Delivery Rate: the **deliver-by date** (promise before any extension =
  ``latest_delivery_ts``), 14-day window with a 7-day delay (Amazon forum FAQ and G200847280,
  domain.md §1.1/§1.2).

Example
-------
>>> import pandas as pd
>>> from postship_analysis import contract
>>> p = contract.conform(pd.DataFrame({"seller_id": ["s", "s"], "marketplace": ["US", "US"],
...     "order_id": ["A", "B"], "order_item_id": ["1", "2"], "sku": ["X", "X"],
...     "quantity": [1, 1],
...     "purchase_ts": pd.to_datetime(["2026-10-20T16:00Z", "2026-10-21T16:00Z"]),
...     "latest_ship_ts": pd.to_datetime(["2026-10-22T06:59:59Z", "2026-10-23T06:59:59Z"])}),
...     "order_promises")
>>> c = contract.conform(pd.DataFrame({"seller_id": ["s", "s"], "marketplace": ["US", "US"],
...     "order_id": ["A", "B"],
...     "ship_ts": pd.to_datetime(["2026-10-21T20:00Z", "2026-10-24T20:00Z"])}),
...     "shipment_confirmations")
>>> r = late_shipment_rate(p, c, pd.Timestamp("2026-11-01"), days=30)
>>> r[["numerator", "denominator", "value"]].values.tolist()
[[1.0, 2.0, 0.5]]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from . import contract
from .errors import ParameterError
from .kpi import KPI, Target, status, target_for

KEYS = ["seller_id", "marketplace"]

#: delivery_events that are physical carrier scans. ``label_created`` is not: Amazon counts a
#: tracking number as valid "only if [it has] at least one physical carrier scan" (help 202014610).
PHYSICAL_SCANS = frozenset({"picked_up", "in_transit", "out_for_delivery", "delivered",
                            "exception", "returned"})

#: carrier spellings treated as the same carrier when matching confirmations to scans
#: (normalised: lower case, letters and digits only). Extend per seller.
CARRIER_ALIASES = {"amazonlogistics": "amazonshipping", "amzl": "amazonshipping",
                   "fedexground": "fedex", "fedexexpress": "fedex", "dhlexpress": "dhl",
                   "dhlparcel": "dhl", "upsmailinnovations": "upsmi", "royalmailtracked": "royalmail"}

_RESULT_COLS = ["kpi", "value", "numerator", "denominator", "window_start", "window_end",
                "target", "status"]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _as_of(as_of) -> pd.Timestamp:
    try:
        t = pd.Timestamp(as_of)
    except (TypeError, ValueError) as e:
        raise ParameterError(f"as_of must be a date like '2026-11-01', got {as_of!r}") from e
    if t.tzinfo is not None:
        raise ParameterError("as_of is a marketplace-local date/time and must be naive, "
                             f"got {as_of!r}")
    return t


def _utc_instant(as_of: pd.Timestamp, code: str) -> pd.Timestamp:
    """UTC instant of the local ``as_of`` in marketplace ``code``."""
    tz = contract.marketplace(code).tz
    return as_of.tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


def _instant(as_of: pd.Timestamp, marketplaces: pd.Series) -> pd.Series:
    """UTC instant of the local ``as_of`` (midnight, or its time of day) per row's marketplace."""
    out = pd.Series(pd.NaT, index=marketplaces.index, dtype="datetime64[ns, UTC]")
    for code in pd.unique(marketplaces.dropna()):
        out[marketplaces == code] = _utc_instant(as_of, code)
    return out


def _window(as_of: pd.Timestamp, days: int, lag: int = 0) -> tuple[pd.Timestamp, pd.Timestamp]:
    if days < 1 or lag < 0:
        raise ParameterError(f"window must have days >= 1 and lag >= 0, got {days}, {lag}")
    end = as_of.normalize() - pd.Timedelta(days=lag + 1)
    return end - pd.Timedelta(days=days - 1), end


def _tbl(df: pd.DataFrame | None, name: str) -> pd.DataFrame:
    return contract.empty(name) if df is None else contract.conform(df, name)


def _hours(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 3600.0


def _norm_tracking(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.upper().str.replace(r"[\s\-]", "", regex=True)
    return out.mask(out == "")


def _norm_carrier(s: pd.Series, aliases: dict[str, str] | None) -> pd.Series:
    out = s.astype("string").str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    out = out.mask(out == "")
    al = CARRIER_ALIASES if aliases is None else aliases
    return out.replace(al) if al else out


def _is_cancelled(status_col: pd.Series) -> pd.Series:
    return status_col.astype("string").str.strip().str.lower().str.startswith("cancel") \
        .fillna(False).astype(bool)


def _rate_frame(frame: pd.DataFrame, groups: pd.DataFrame, date_col: str, num: str, den: str,
                start: pd.Timestamp, end: pd.Timestamp, name: str, by: list[str],
                targets: dict[str, Target] | None) -> pd.DataFrame:
    """Sum ``num``/``den`` over rows dated in [start, end], one row per group (all groups)."""
    sel = frame[(frame[date_col] >= start) & (frame[date_col] <= end)]
    agg = sel.groupby(KEYS + by, dropna=False)[[num, den]].sum()
    agg.columns = ["numerator", "denominator"]
    out = groups.merge(agg.reset_index(), on=KEYS + by, how="left")
    out[["numerator", "denominator"]] = out[["numerator", "denominator"]].fillna(0).astype(float)
    den_ = out["denominator"]
    out["value"] = (out["numerator"] / den_.where(den_ > 0)).astype(float)
    ts = [target_for(name, mp, targets) for mp in out["marketplace"]]
    out["kpi"] = name
    out["window_start"] = start
    out["window_end"] = end
    out["target"] = [t.value if t else np.nan for t in ts]
    out["status"] = [status(v, t) for v, t in zip(out["value"], ts, strict=True)]
    return out[KEYS + by + _RESULT_COLS].reset_index(drop=True)


def _join_unique(df: pd.DataFrame, keys: list[str], col: str, name: str) -> pd.DataFrame:
    """Distinct values of ``col`` per ``keys`` joined with ``"; "`` (sorted); vectorised for
    the common single-value groups, a Python join only for groups with several values."""
    d = df[keys + [col]].dropna().drop_duplicates().sort_values(keys + [col])
    d[col] = d[col].astype(str)
    n = d.groupby(keys)[col].transform("size")
    one = d[n == 1].rename(columns={col: name})
    many = d[n > 1].groupby(keys)[col].agg("; ".join).rename(name).reset_index()
    return pd.concat([one, many], ignore_index=True)


def _groups(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return frame[KEYS + by].drop_duplicates().sort_values(KEYS + by).reset_index(drop=True)


# Daily trends, vectorised. A trend is the metric "as it stood" on every as-of day d in
# [start, end]: the rows dated in d's window [d - lag - days, d - lag - 1], each judged on what
# was known at d's local midnight (``_instant``). Instead of recomputing the metric once per
# day, each row is paired with the as-of days whose window holds its date (at most ``days``
# of them), its flags are computed for all pairs at once with the same expressions as the
# single-day metric (``_lsr_flags``, ``_pfcr_flags``, ...), each pair getting its own day's
# instant, and the flags are summed per day x group with one ``np.bincount``. Numerators and
# denominators are whole numbers (orders, packages, units), so the sums are exact in any order
# and equal the single-day function's to the last bit (tests/test_fulfilment_trends.py).

_DAY_NS = 86_400_000_000_000


def _trend_days(start, end) -> pd.DatetimeIndex:
    days = pd.date_range(_as_of(start).normalize(), _as_of(end).normalize(), freq="D")
    if not len(days):
        raise ParameterError(f"trend range is empty: start {start} after end {end}")
    return days


def _trend_pairs(frame: pd.DataFrame, date_col: str, asofs: pd.DatetimeIndex, days: int,
                 lag: int) -> tuple[np.ndarray, np.ndarray]:
    """(row position, as-of day index) of every row of ``frame`` and every day of ``asofs``
    whose window ``[d - lag - days, d - lag - 1]`` holds the row's ``date_col``; rows without
    a date are in no window."""
    _window(asofs[0], days, lag)  # checks days and lag
    date = frame[date_col]
    known = date.notna().to_numpy()
    x = np.zeros(len(frame), dtype="int64")  # ns from the first as-of day
    x[known] = (date[known] - asofs[0]).to_numpy(dtype="timedelta64[ns]").astype("int64")
    # date + lag + 1 <= d <= date + lag + days, d a whole number of days after asofs[0]
    lo = np.maximum(-((-(x + (lag + 1) * _DAY_NS)) // _DAY_NS), 0)
    hi = np.minimum((x + (lag + days) * _DAY_NS) // _DAY_NS, len(asofs) - 1)
    n = np.where(known, np.maximum(hi - lo + 1, 0), 0)
    rows = np.repeat(np.arange(len(frame)), n)
    first = np.repeat(np.cumsum(n) - n, n)
    day = np.repeat(lo, n) + (np.arange(len(rows)) - first)
    return rows, day


def _pairs_frame(frame: pd.DataFrame, rows: np.ndarray, cols: list[str]) -> pd.DataFrame:
    """The (row, day) pairs' rows of ``frame``, with only ``marketplace`` and the columns the
    flags read: a row is repeated once per as-of day whose window holds it (up to the window
    length), so carrying every column would multiply the memory of the whole table."""
    return frame[["marketplace", *cols]].iloc[rows].reset_index(drop=True)


def _trend_instants(asofs: pd.DatetimeIndex, marketplaces: pd.Series,
                    day: np.ndarray) -> pd.Series:
    """Per row: the UTC instant of local midnight of as-of day ``asofs[day]`` in the row's
    marketplace (``_instant`` row by row)."""
    out = np.full(len(marketplaces), np.datetime64("NaT", "ns"))
    for code in pd.unique(marketplaces.dropna()):
        table = pd.DatetimeIndex([_utc_instant(d, code) for d in asofs]).tz_convert(None) \
            .as_unit("ns").to_numpy()
        m = (marketplaces == code).to_numpy(dtype=bool, na_value=False)
        out[m] = table[day[m]]
    return pd.Series(out, index=marketplaces.index).dt.tz_localize("UTC")


def _group_codes(frame: pd.DataFrame, groups: pd.DataFrame, by: list[str]) -> np.ndarray:
    """Position in ``groups`` of each row of ``frame`` (missing keys match like a groupby
    with ``dropna=False``)."""
    g = groups[KEYS + by].assign(_g=np.arange(len(groups)))
    return frame[KEYS + by].merge(g, on=KEYS + by, how="left")["_g"].to_numpy(dtype="int64")


def _judged_pairs(frame: pd.DataFrame, groups: pd.DataFrame, by: list[str],
                  asofs: pd.DatetimeIndex, date_col: str, days: int, lag: int, cols: list[str],
                  flags: Callable[[pd.DataFrame, pd.Series], tuple]) -> tuple:
    """The (row, day) pairs of ``frame`` (:func:`_trend_pairs`) with the ``cols`` the flags
    read, judged by ``flags(pairs, instant)`` at each pair's own day; returns ``(pairs,
    flags, key)``, ``key`` = day index x len(groups) + group position, for
    :func:`_trend_frame`."""
    rows, day = _trend_pairs(frame, date_col, asofs, days, lag)
    x = _pairs_frame(frame, rows, cols)
    judged = flags(x, _trend_instants(asofs, x["marketplace"], day))
    return x, judged, day * len(groups) + _group_codes(frame, groups, by)[rows]


def _trend_frame(groups: pd.DataFrame, by: list[str], asofs: pd.DatetimeIndex, key: np.ndarray,
                 num: pd.Series, den: pd.Series, days: int, lag: int, name: str,
                 targets: dict[str, Target] | None) -> pd.DataFrame:
    """:func:`_rate_frame` for every as-of day at once: ``num``/``den`` of each (row, day) pair
    summed per ``key`` = day index x len(groups) + group position; every group every day."""
    ng, nd = len(groups), len(asofs)
    sums = [np.bincount(key, weights=np.asarray(v, dtype=float), minlength=ng * nd)
            for v in (num, den)]
    out = groups.iloc[np.tile(np.arange(ng), nd)].reset_index(drop=True)
    out.insert(len(KEYS), "as_of", asofs.repeat(ng))
    out["numerator"], out["denominator"] = sums
    den_ = out["denominator"]
    out["value"] = (out["numerator"] / den_.where(den_ > 0)).astype(float)
    ts = [target_for(name, mp, targets) for mp in groups["marketplace"]] * nd
    wins = [_window(d, days, lag) for d in asofs]
    out["kpi"] = name
    out["window_start"] = pd.DatetimeIndex([w[0] for w in wins]).repeat(ng)
    out["window_end"] = pd.DatetimeIndex([w[1] for w in wins]).repeat(ng)
    out["target"] = [t.value if t else np.nan for t in ts]
    out["status"] = [status(v, t) for v, t in zip(out["value"], ts, strict=True)]
    return out[KEYS + ["as_of"] + by + _RESULT_COLS]


def _no_groups(core, asofs: pd.DatetimeIndex, **kw) -> pd.DataFrame:
    """The (empty) trend of a table without a seller x marketplace: the single-day result's
    columns plus ``as_of``."""
    r = core(as_of=asofs[0], **kw)
    r.insert(len(KEYS), "as_of", pd.Series([], dtype=asofs.dtype))
    return r


def to_kpis(frame: pd.DataFrame, unit: str = "fraction",
            targets: dict[str, Target] | None = None) -> list[KPI]:
    """Turn a metric result (one row per seller x marketplace) into :class:`KPI` records.

    The KPI's marketplace is ``"<marketplace>"`` with a single seller, else
    ``"<seller_id>/<marketplace>"`` so several accounts never collide.
    """
    several = frame["seller_id"].nunique() > 1
    out = []
    for r in frame.itertuples(index=False):
        mp = f"{r.seller_id}/{r.marketplace}" if several else r.marketplace
        win = f"{r.window_start.date()}..{r.window_end.date()}"
        out.append(KPI.make(r.kpi, mp, r.value, unit, numerator=r.numerator,
                            denominator=r.denominator, window=win, targets=targets))
    return out


# ---------------------------------------------------------------------------------------------
# per-order and per-package views
# ---------------------------------------------------------------------------------------------

def _order_status(orders: pd.DataFrame) -> pd.DataFrame:
    """Per order: channel, cancelled flag, cancel time (last_updated_ts), status, skus."""
    o = orders
    if o.empty:
        return pd.DataFrame(columns=KEYS + ["order_id", "channel", "order_status", "cancelled",
                                            "any_item_cancelled", "cancel_ts",
                                            "o_purchase_ts"])
    canc_item = _is_cancelled(o["item_status"]) | _is_cancelled(o["order_status"])
    o = o.assign(_c=_is_cancelled(o["order_status"]), _ci=canc_item)
    g = o.groupby(KEYS + ["order_id"], sort=False)
    out = g.agg(channel=("fulfillment_channel", "first"), order_status=("order_status", "first"),
                cancelled=("_c", "all"), any_item_cancelled=("_ci", "any"),
                cancel_ts=("last_updated_ts", "max"), o_purchase_ts=("purchase_ts", "min"))
    out = out.reset_index()
    out["cancel_ts"] = out["cancel_ts"].where(out["any_item_cancelled"])
    return out


def _item_confirmations(promises: pd.DataFrame, conf: pd.DataFrame,
                        time_col: str = "ship_ts") -> pd.DataFrame:
    """Per promised order item: when its ordered quantity was fully confirmed, by the
    confirmation rows' ``time_col`` (the typed ``ship_ts`` or the ``confirmed_ts``)."""
    p = promises[KEYS + ["order_id", "order_item_id", "quantity"]].copy()
    p["item_key"] = p["order_item_id"].fillna("__order__")
    p["qty"] = p["quantity"].fillna(1).astype("int64").clip(lower=1)
    c = conf[KEYS + ["order_id", "order_item_id", "quantity", time_col]]
    c = c[c[time_col].notna()].rename(columns={time_col: "ship_ts"})
    whole = c[c["order_item_id"].isna()].groupby(KEYS + ["order_id"])["ship_ts"].min() \
        .rename("whole_ts").reset_index()
    it = c[c["order_item_id"].notna()].merge(
        p[KEYS + ["order_id", "order_item_id", "qty"]], on=KEYS + ["order_id", "order_item_id"],
        how="inner")
    it = it.sort_values("ship_ts", kind="stable")
    # blank quantity on an item row = the whole item
    it["q"] = it["quantity"].astype("Float64").fillna(it["qty"].astype("Float64")).astype(float)
    it["cum"] = it.groupby(KEYS + ["order_id", "order_item_id"])["q"].cumsum()
    done = it[it["cum"] >= it["qty"]].groupby(KEYS + ["order_id", "order_item_id"])["ship_ts"] \
        .min().rename("item_ts").reset_index()
    p = p.merge(whole, on=KEYS + ["order_id"], how="left") \
        .merge(done, on=KEYS + ["order_id", "order_item_id"], how="left")
    p["full_ts"] = p[["whole_ts", "item_ts"]].min(axis=1)
    return p


#: where an order's confirmation time comes from (``order_view.confirm_source``), best first
CONFIRM_SOURCES = {
    "confirmation_time": "confirmation time recorded with the confirmation (confirmed_ts)",
    "all_orders_last_updated": "All Orders last-updated-date of the order now Shipped",
    "ship_date_typed": "ship-date typed in the confirmation (cannot show back-dating)",
}
#: ``confirm_basis`` values: ``auto`` (the best source each order has, :data:`CONFIRM_SOURCES`
#: order) or ``ship_date`` (the typed ship-date only: the old reading, for comparison)
CONFIRM_BASES = ("auto", "ship_date")
#: An All Orders last-updated-date more than this many days after the typed ship-date is read
#: as a later edit of the order (tracking corrected, refund...), not as its confirmation (ours).
MAX_LAST_UPDATED_GAP_DAYS = 7


def _full_time(p: pd.DataFrame, c: pd.DataFrame, time_col: str) -> pd.Series:
    """Per order (index KEYS + order_id): when every ordered unit was confirmed by
    ``time_col``; NaT while partial."""
    ic = _item_confirmations(p, c, time_col)
    icg = ic.groupby(KEYS + ["order_id"], sort=False)["full_ts"]
    return pd.to_datetime(icg.max().where(icg.count() == icg.size()), utc=True)


def _last_updated_shipped(orders: pd.DataFrame) -> pd.DataFrame:
    """Per order whose every All Orders row has status plain ``Shipped``: its
    last-updated-date (the moment the status became Shipped, unless the order changed
    later)."""
    o = orders
    if o.empty:
        return pd.DataFrame(columns=KEYS + ["order_id", "lu_ts"])
    sh = o["order_status"].astype("string").str.strip().str.lower().eq("shipped").fillna(False)
    g = o.assign(_s=sh.astype(bool)).groupby(KEYS + ["order_id"], sort=False)
    t = g.agg(_all=("_s", "all"), lu_ts=("last_updated_ts", "max")).reset_index()
    t = t[t["_all"] & t["lu_ts"].notna()]
    return t[KEYS + ["order_id", "lu_ts"]]


def _confirm_basis(confirm_basis: str) -> str:
    if confirm_basis not in CONFIRM_BASES:
        raise ParameterError(f"confirm_basis must be one of {list(CONFIRM_BASES)}, "
                             f"got {confirm_basis!r}")
    return confirm_basis


def order_view(order_promises: pd.DataFrame, shipment_confirmations: pd.DataFrame,
               orders: pd.DataFrame | None = None, *, confirm_basis: str = "auto",
               max_last_updated_gap_days: float = MAX_LAST_UPDATED_GAP_DAYS) -> pd.DataFrame:
    """One row per seller-fulfilled order with its promise, confirmation and status.

    **When an order was confirmed.** Amazon: "An order is considered to have been shipped late
    when confirmation occurs after the expected ship date" (help 202152050); the Brazilian page
    adds that the metric takes "the moment the shipment is confirmed in the system, not the
    date that is entered for said shipment" (help 200197960). So ``confirm_ts`` is, with
    ``confirm_basis="auto"``, the best confirmation *time* each order has
    (``confirm_source``, :data:`CONFIRM_SOURCES`):

    1. ``confirmation_time``: the confirmation rows' ``confirmed_ts`` (a shipping tool's or
       upload log's record of when the confirmation reached Amazon), all units confirmed;
    2. ``all_orders_last_updated``: the All Orders ``last-updated-date`` of an order whose
       status is plain ``Shipped`` (the update that made it Shipped), unless it is more than
       ``max_last_updated_gap_days`` (7, ours) after the typed ship-date (then it is read as a
       later edit). It is an upper bound: a later change of the order moves it;
    3. ``ship_date_typed``: the ship-date typed in the confirmation (all units), which a batch
       uploaded late with back-dated ship-dates turns into "on time".

    ``confirm_basis="ship_date"`` uses the typed ship-date for every order (source 3).
    ``backdated`` flags orders whose confirmation time (1 or 2) is after the ship-by while
    the typed ship-date is on or before it: late for Amazon, on time on paper.

    Columns: ``seller_id, marketplace, order_id, sku`` (SKUs joined with ``"; "``), ``units,
    n_items, purchase_ts, ship_by_ts, deliver_by_ts, first_confirm_ts`` (first confirmation
    row, typed), ``confirm_ts`` (all ordered units confirmed, per the basis; NaT while
    partial), ``confirm_source, typed_ship_ts`` (all units, typed), ``backdated,
    n_confirmations, order_status, cancelled`` (whole order cancelled), ``any_item_cancelled,
    cancel_ts, ship_service_level, is_prime, buyer_requested_cancel, ship_by_date,
    deliver_by_date, purchase_date`` (local dates).

    Orders come from ``order_promises`` (the seller-fulfilled order flat file); ``orders`` (All
    Orders) adds the status. Example: an order of two items confirmed in two packages on
    Oct 1 and Oct 3 has ``first_confirm_ts`` Oct 1, ``typed_ship_ts`` Oct 3.
    """
    _confirm_basis(confirm_basis)
    p = _tbl(order_promises, "order_promises")
    c = _tbl(shipment_confirmations, "shipment_confirmations")
    o = _tbl(orders, "orders")
    g = p.groupby(KEYS + ["order_id"], sort=False)
    ov = g.agg(units=("quantity", "sum"), n_items=("order_id", "size"),
               purchase_ts=("purchase_ts", "min"), ship_by_ts=("latest_ship_ts", "min"),
               deliver_by_ts=("latest_delivery_ts", "min"),
               ship_service_level=("ship_service_level", "first"),
               is_prime=("is_prime", "max"),
               buyer_requested_cancel=("buyer_requested_cancel", "max")).reset_index()
    ov = ov.merge(_join_unique(p, KEYS + ["order_id"], "sku", "sku"), on=KEYS + ["order_id"],
                  how="left")
    ov.insert(len(KEYS) + 1, "sku", ov.pop("sku"))
    typed = _full_time(p, c, "ship_ts").rename("typed_ship_ts")
    reported = _full_time(p, c, "confirmed_ts").rename("_reported")
    ov = ov.merge(typed.reset_index(), on=KEYS + ["order_id"], how="left") \
        .merge(reported.reset_index(), on=KEYS + ["order_id"], how="left") \
        .merge(_last_updated_shipped(o), on=KEYS + ["order_id"], how="left")
    for col in ("typed_ship_ts", "_reported", "lu_ts"):
        ov[col] = pd.to_datetime(ov[col], utc=True)
    gap = pd.Timedelta(days=max_last_updated_gap_days)
    use_lu = ov["_reported"].isna() & ov["lu_ts"].notna() & (
        ov["typed_ship_ts"].isna() | ((ov["lu_ts"] - ov["typed_ship_ts"]) <= gap))
    actual = ov["_reported"].where(ov["_reported"].notna(), ov["lu_ts"].where(use_lu))
    src = np.select([ov["_reported"].notna(), use_lu, ov["typed_ship_ts"].notna()],
                    ["confirmation_time", "all_orders_last_updated", "ship_date_typed"], "")
    ov["backdated"] = (actual.notna() & (actual > ov["ship_by_ts"])
                       & (ov["typed_ship_ts"] <= ov["ship_by_ts"])).fillna(False).astype(bool)
    if confirm_basis == "ship_date":
        ov["confirm_ts"] = ov["typed_ship_ts"]
        src = np.where(ov["typed_ship_ts"].notna(), "ship_date_typed", "")
    else:
        ov["confirm_ts"] = actual.where(actual.notna(), ov["typed_ship_ts"])
    ov["confirm_source"] = pd.Series(src, index=ov.index, dtype="string").replace("", pd.NA)
    ov = ov.drop(columns=["_reported", "lu_ts"])
    cg = c[c["ship_ts"].notna()].groupby(KEYS + ["order_id"])
    first = cg["ship_ts"].min().rename("first_confirm_ts")
    n = cg.size().rename("n_confirmations")
    ov = ov.merge(first.reset_index(), on=KEYS + ["order_id"], how="left") \
        .merge(n.reset_index(), on=KEYS + ["order_id"], how="left")
    ov["n_confirmations"] = ov["n_confirmations"].fillna(0).astype("int64")
    ov["confirm_ts"] = pd.to_datetime(ov["confirm_ts"], utc=True)
    ov["buyer_requested_cancel"] = ov["buyer_requested_cancel"].astype("boolean") \
        .fillna(False).astype(bool)
    st = _order_status(o)
    ov = ov.merge(st.drop(columns=["channel", "o_purchase_ts"], errors="ignore"),
                  on=KEYS + ["order_id"], how="left")
    ov["cancelled"] = ov["cancelled"].fillna(False).astype(bool)
    ov["any_item_cancelled"] = ov["any_item_cancelled"].fillna(False).astype(bool)
    ov["cancel_ts"] = pd.to_datetime(ov["cancel_ts"], utc=True)
    mp = ov["marketplace"]
    ov["ship_by_date"] = contract.local_date(ov["ship_by_ts"], mp)
    ov["deliver_by_date"] = contract.local_date(ov["deliver_by_ts"], mp)
    ov["purchase_date"] = contract.local_date(ov["purchase_ts"], mp)
    return ov


def package_view(shipment_confirmations: pd.DataFrame, delivery_events: pd.DataFrame,
                 order_promises: pd.DataFrame, *, sku_categories: pd.DataFrame | None = None,
                 carrier_aliases: dict[str, str] | None = None,
                 scan_events: Iterable[str] = PHYSICAL_SCANS) -> pd.DataFrame:
    """One row per confirmed package (order x tracking number) with its scans and validity.

    A package is a distinct tracking number within an order; a confirmation row without a
    tracking number is a package of its own (and never valid). Scans are matched on the
    normalised tracking number **and** carrier (so a number declared as DPD whose scans are
    DHL's does not count: Amazon requires carrier and tracking ID to "belong to the same
    carrier", OTD FAQ WDA4S96KYS493ME).

    Validity (Amazon VTR, help G201817070 / 202014610 / WDA4S96KYS493ME): a tracking number,
    a carrier picked from Amazon's list (``carrier_code`` not ``Other``: free text counts as
    invalid even for an integrated carrier) and at least one physical carrier scan
    (``scan_events``; ``label_created`` is not one). A number that passes a format and
    check-digit test (``postship_analysis.tracking``) is only *well-formed*: it is valid only
    once the carrier has scanned it. Whether a carrier is integrated with Amazon is not in the
    data; carriers with no scan feed show up as ``no_carrier_scan``.

    Columns: ``seller_id, marketplace, order_id, tracking_number, carrier`` (the carrier code,
    or ``Other: <name>``), ``carrier_code, ship_ts, units, sku, category`` (``;``-joined;
    ``all`` without a mapping), ``first_scan_ts, delivered_ts, valid`` (bool, as of now),
    ``reason`` (``ok``, ``missing_number``, ``carrier_other``, ``scans_under_other_carrier``,
    ``no_carrier_scan``), ``deliver_by_ts, ship_by_ts, deliver_by_date, confirm_date``.
    """
    c = _tbl(shipment_confirmations, "shipment_confirmations")
    p = _tbl(order_promises, "order_promises")
    e = _tbl(delivery_events, "delivery_events")
    c = c[c["ship_ts"].notna()].reset_index(drop=True)
    c["tn"] = _norm_tracking(c["tracking_number"])
    c["pkg"] = c["tn"].fillna("__row" + pd.Series(c.index.astype(str), index=c.index))
    # units and skus per confirmation row
    pq = p.assign(q=p["quantity"].fillna(1).astype(float))
    order_units = pq.groupby(KEYS + ["order_id"])["q"].sum().rename("order_units")
    item_q = pq.set_index(KEYS + ["order_id", "order_item_id"])["q"]
    item_q = item_q[~item_q.index.duplicated()].rename("item_units")
    item_sku = p.set_index(KEYS + ["order_id", "order_item_id"])["sku"]
    item_sku = item_sku[~item_sku.index.duplicated()].rename("item_sku")
    c = c.merge(order_units.reset_index(), on=KEYS + ["order_id"], how="left")
    c = c.merge(item_q.reset_index(), on=KEYS + ["order_id", "order_item_id"], how="left")
    c = c.merge(item_sku.reset_index(), on=KEYS + ["order_id", "order_item_id"], how="left")
    whole = c["order_item_id"].isna()
    c["units"] = np.where(whole, c["order_units"],
                          c["quantity"].astype("Float64").fillna(
                              c["item_units"].astype("Float64")).astype(float))
    c["units"] = c["units"].astype(float)
    # category per sku
    cat = None
    if sku_categories is not None:
        if not {"sku", "category"} <= set(sku_categories.columns):
            raise ParameterError("sku_categories needs columns 'sku' and 'category' "
                                 f"(optional 'marketplace'), got {list(sku_categories.columns)}")
        on = ["sku"] + (["marketplace"] if "marketplace" in sku_categories.columns else [])
        cat = sku_categories[on + ["category"]].astype("string").drop_duplicates(on)
    order_skus = p[KEYS + ["order_id", "sku"]].dropna().drop_duplicates()
    # row -> skus (whole-order rows cover every sku of the order)
    rs_whole = c.loc[whole, KEYS + ["order_id", "pkg"]].merge(order_skus, on=KEYS + ["order_id"])
    rs_item = c.loc[~whole, KEYS + ["order_id", "pkg", "item_sku"]].rename(
        columns={"item_sku": "sku"}).dropna(subset=["sku"])
    rs = pd.concat([rs_whole, rs_item], ignore_index=True).drop_duplicates()
    if cat is not None:
        rs = rs.merge(cat, on=[k for k in cat.columns if k != "category"], how="left")
        rs["category"] = rs["category"].fillna("unmapped")
    else:
        rs["category"] = "all"
    pkey = KEYS + ["order_id", "pkg"]
    sk = _join_unique(rs, pkey, "sku", "sku").merge(_join_unique(rs, pkey, "category",
                                                                 "category"), on=pkey)
    c["cc"] = c["carrier_code"].astype("string").str.strip()
    c["carrier"] = c["cc"].where(c["cc"].str.lower() != "other",
                                 "Other: " + c["carrier_name"].fillna("?").astype("string"))
    pk = c.groupby(pkey, sort=False).agg(
        tracking_number=("tracking_number", "first"), tn=("tn", "first"),
        carrier=("carrier", "first"), carrier_code=("cc", "first"),
        carrier_name=("carrier_name", "first"), ship_ts=("ship_ts", "min"),
        units=("units", "sum")).reset_index()
    pk = pk.merge(sk, on=pkey, how="left")
    pk["category"] = pk["category"].fillna("all" if cat is None else "unmapped")
    # scans
    scans = set(scan_events)
    e = e[e["event"].astype("string").str.lower().isin(scans) & e["event_ts"].notna()].copy()
    e["tn"] = _norm_tracking(e["tracking_number"])
    e["cn"] = _norm_carrier(e["carrier"], carrier_aliases)
    is_del = e["event"].astype("string").str.lower() == "delivered"
    e["del_ts"] = e["event_ts"].where(is_del)
    ev = e.groupby(KEYS + ["tn", "cn"]).agg(first_scan_ts=("event_ts", "min"),
                                            delivered_ts=("del_ts", "min")).reset_index()
    any_c = e.groupby(KEYS + ["tn"]).size().rename("n_any").reset_index()
    pk["cn"] = _norm_carrier(pk["carrier_code"], carrier_aliases)
    pk = pk.merge(ev, on=KEYS + ["tn", "cn"], how="left").merge(any_c, on=KEYS + ["tn"],
                                                                 how="left")
    other = pk["carrier_code"].str.lower().eq("other").fillna(False) | pk["carrier_code"].isna()
    missing = pk["tn"].isna()
    scanned = pk["first_scan_ts"].notna()
    pk["reason"] = np.select(
        [missing, other, ~scanned & pk["n_any"].notna(), ~scanned],
        ["missing_number", "carrier_other", "scans_under_other_carrier", "no_carrier_scan"],
        "ok")
    pk["valid"] = pk["reason"] == "ok"
    # promise dates of the order
    od = p.groupby(KEYS + ["order_id"]).agg(deliver_by_ts=("latest_delivery_ts", "min"),
                                            ship_by_ts=("latest_ship_ts", "min")).reset_index()
    pk = pk.merge(od, on=KEYS + ["order_id"], how="left")
    mp = pk["marketplace"]
    pk["deliver_by_date"] = contract.local_date(pk["deliver_by_ts"], mp)
    pk["confirm_date"] = contract.local_date(pk["ship_ts"], mp)
    cols = KEYS + ["order_id", "tracking_number", "carrier", "carrier_code", "ship_ts", "units",
                   "sku", "category", "first_scan_ts", "delivered_ts", "valid", "reason",
                   "deliver_by_ts", "ship_by_ts", "deliver_by_date", "confirm_date"]
    return pk[cols].sort_values(KEYS + ["ship_ts", "order_id"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Late Shipment Rate
# ---------------------------------------------------------------------------------------------

_SOURCE_LABEL = {"confirmation_time": "confirmation time",
                 "all_orders_last_updated": "All Orders last-updated",
                 "ship_date_typed": "typed ship-date", "unconfirmed": "not confirmed yet"}


def _lsr_flags(ov: pd.DataFrame, inst: pd.Series, count_unconfirmed_overdue: bool
               ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per order, judged at the instant ``inst``: (late, counted, confirmed)."""
    known_cancel = ov["cancelled"] & (ov["cancel_ts"].isna() | (ov["cancel_ts"] < inst))
    conf = ov["confirm_ts"].where(ov["confirm_ts"] < inst)
    confirmed = conf.notna()
    base = ~known_cancel & (confirmed | count_unconfirmed_overdue)
    late = base & ((conf > ov["ship_by_ts"]) | (~confirmed & (ov["ship_by_ts"] < inst)))
    return late, base, confirmed


def _lsr_core(ov: pd.DataFrame, as_of, days: int, count_unconfirmed_overdue: bool,
              targets) -> pd.DataFrame:
    as_of = _as_of(as_of)
    inst = _instant(as_of, ov["marketplace"])
    start, end = _window(as_of, days)
    late, base, confirmed = _lsr_flags(ov, inst, count_unconfirmed_overdue)
    f = ov[KEYS + ["ship_by_date"]].assign(num=late.astype(float), den=base.astype(float))
    name = f"late_shipment_rate_{days}d"
    out = _rate_frame(f, _groups(ov, []), "ship_by_date", "num", "den", start, end, name, [],
                      targets)
    # which confirmation time each counted order was judged on, and back-dated late ones
    inw = base & (ov["ship_by_date"] >= start) & (ov["ship_by_date"] <= end)
    src = ov["confirm_source"].where(confirmed, "unconfirmed").fillna("unconfirmed")
    x = ov.loc[inw, KEYS].assign(src=src[inw].astype(str),
                                 bd=(late & ov["backdated"])[inw].astype(int))
    order = {k: i for i, k in enumerate(_SOURCE_LABEL)}
    cnt = x.groupby(KEYS + ["src"]).size().reset_index(name="n")
    cnt["_o"] = cnt["src"].map(order)
    cnt = cnt.sort_values(KEYS + ["_o"])
    cnt["txt"] = cnt["src"].map(_SOURCE_LABEL) + " " + cnt["n"].astype(str)
    basis = cnt.groupby(KEYS)["txt"].agg(", ".join).rename("confirm_basis")
    bd = x.groupby(KEYS)["bd"].sum().rename("backdated_late")
    out = out.merge(basis.reset_index(), on=KEYS, how="left") \
        .merge(bd.reset_index(), on=KEYS, how="left")
    out["confirm_basis"] = out["confirm_basis"].fillna("").astype("string")
    out["backdated_late"] = out["backdated_late"].fillna(0).astype("int64")
    return out


def late_shipment_rate(order_promises: pd.DataFrame, shipment_confirmations: pd.DataFrame,
                       as_of, *, days: int = 30, orders: pd.DataFrame | None = None,
                       count_unconfirmed_overdue: bool = True, confirm_basis: str = "auto",
                       targets: dict[str, Target] | None = None,
                       view: pd.DataFrame | None = None) -> pd.DataFrame:
    """Late Shipment Rate (LSR) of seller-fulfilled orders, per seller x marketplace.

    Definition (Amazon, domain.md §1.1, help G200285190): orders whose shipment was confirmed
    **after the expected ship date** (``latest_ship_ts``) / all orders, over 10 or 30 days
    (``days``; KPI ``late_shipment_rate_10d`` / ``late_shipment_rate_30d``); target < 4 %.

    * Window: orders whose expected ship date (local day) falls in the ``days`` local days
      before ``as_of``.
    * Late: all ordered units confirmed after ``latest_ship_ts``, judged on the moment of
      confirmation, not on the ship-date typed ("confirmation occurs after the expected ship
      date", help 202152050; help 200197960): ``confirm_basis="auto"`` takes each order's
      best confirmation time (see :func:`order_view`: ``confirmed_ts``, else the All Orders
      last-updated-date of a Shipped order, else the typed ship-date; ``orders`` is needed for
      the second). ``"ship_date"`` judges on the typed ship-date only. In a partial shipment
      the last confirmation decides. An order still unconfirmed at ``as_of`` whose ship-by has
      passed can only be confirmed late, so it counts as late
      (``count_unconfirmed_overdue=True``, our forecast of Amazon's number); ``False`` leaves
      it out of numerator and denominator (Amazon's number on the day).
    * Excluded: orders cancelled (per ``orders``, dated by ``last_updated_ts``) before
      ``as_of``. Without ``orders`` no order is known to be cancelled.

    Returns ``seller_id, marketplace, kpi, value, numerator, denominator, window_start,
    window_end, target, status`` (orders as the unit), ``confirm_basis`` (how many counted
    orders were judged on which time, e.g. ``"All Orders last-updated 137, not confirmed yet
    2"``) and ``backdated_late`` (late orders whose typed ship-date says on time).

    ``view``: the :func:`order_view` of these tables with this ``confirm_basis``, already built
    (a caller computing several windows from one set of tables builds it once); the three
    tables and ``confirm_basis`` are then not read again.

    Example: 20 orders due Oct 2..31, 1 confirmed a day late, as_of 2026-11-01, ``days=30``
    gives 1 / 20 = 0.05, status ``fail`` (>= 4 %).
    """
    ov = view if view is not None else order_view(order_promises, shipment_confirmations,
                                                  orders, confirm_basis=confirm_basis)
    return _lsr_core(ov, as_of, days, count_unconfirmed_overdue, targets)


def late_shipment_rate_trend(order_promises, shipment_confirmations, start, end, *,
                             days: int = 30, orders=None, count_unconfirmed_overdue: bool = True,
                             confirm_basis: str = "auto", targets=None,
                             view=None) -> pd.DataFrame:
    """:func:`late_shipment_rate` for every as-of day from ``start`` to ``end`` (inclusive);
    same columns plus ``as_of`` (``view`` as there)."""
    ov = view if view is not None else order_view(order_promises, shipment_confirmations,
                                                  orders, confirm_basis=confirm_basis)
    asofs = _trend_days(start, end)
    groups = _groups(ov, [])
    if groups.empty:
        return _no_groups(_lsr_core, asofs, ov=ov, days=days,
                          count_unconfirmed_overdue=count_unconfirmed_overdue, targets=targets)
    x, (late, base, confirmed), key = _judged_pairs(
        ov, groups, [], asofs, "ship_by_date", days, 0,
        ["cancelled", "cancel_ts", "confirm_ts", "ship_by_ts", "confirm_source", "backdated"],
        lambda x, inst: _lsr_flags(x, inst, count_unconfirmed_overdue))
    out = _trend_frame(groups, [], asofs, key, late, base, days, 0,
                       f"late_shipment_rate_{days}d", targets)
    # per day and group: counted orders by the time they were judged on, back-dated late ones
    src = x["confirm_source"].where(confirmed, "unconfirmed").fillna("unconfirmed")
    size = len(out)
    counts = {k: np.bincount(key, weights=(base & (src == k)).to_numpy(dtype=float),
                             minlength=size).astype("int64") for k in _SOURCE_LABEL}
    other = base & ~src.isin(list(_SOURCE_LABEL))
    if other.any():  # cannot happen: order_view gives only these sources
        raise ValueError(f"unknown confirmation source(s) {sorted(set(src[other]))}")
    texts = [[f"{label} {n}" if n else "" for n in counts[k]]
             for k, label in _SOURCE_LABEL.items()]
    out["confirm_basis"] = pd.array(
        [", ".join(t for t in parts if t) for parts in zip(*texts, strict=True)], dtype="string")
    bd = (late & x["backdated"]).to_numpy(dtype=float)
    out["backdated_late"] = np.bincount(key, weights=bd, minlength=size).astype("int64")
    return out


# ---------------------------------------------------------------------------------------------
# Pre-fulfilment Cancel Rate
# ---------------------------------------------------------------------------------------------

def buyer_requested_ids(order_promises: pd.DataFrame | None) -> pd.DataFrame:
    """Orders the buyer asked to cancel through Amazon (``order_promises.buyer_requested_cancel``,
    the order flat file's is-buyer-requested-cancellation): ``seller_id, marketplace,
    order_id``."""
    if order_promises is None or not len(order_promises) \
            or "buyer_requested_cancel" not in order_promises.columns:
        return pd.DataFrame(columns=KEYS + ["order_id"])
    p = order_promises
    m = p["buyer_requested_cancel"].astype("boolean").fillna(False).astype(bool)
    return p.loc[m, KEYS + ["order_id"]].drop_duplicates().reset_index(drop=True)


def _pfcr_prep(orders: pd.DataFrame, buyer_requested, count_partial: bool,
               order_promises: pd.DataFrame | None = None) -> pd.DataFrame:
    o = _tbl(orders, "orders")
    st = _order_status(o)
    st = st[st["channel"].astype("string").str.upper().eq("MFN").fillna(False)].copy()
    st["purchase_date"] = contract.local_date(st["o_purchase_ts"], st["marketplace"])
    canc = st["any_item_cancelled"] if count_partial else st["cancelled"]
    if buyer_requested is not None:
        ids = set(pd.Series(list(buyer_requested), dtype="string").dropna())
        canc = canc & ~st["order_id"].isin(ids)
    flagged = buyer_requested_ids(order_promises)
    if len(flagged):
        hit = st[KEYS + ["order_id"]].merge(flagged.assign(_b=True), on=KEYS + ["order_id"],
                                            how="left")["_b"].fillna(False).to_numpy(dtype=bool)
        canc = canc & ~hit
    st["seller_cancel"] = canc.astype(bool)
    return st


def _pfcr_flags(st: pd.DataFrame, inst: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per order, judged at the instant ``inst``: (cancelled by the seller, placed)."""
    known = st["seller_cancel"] & (st["cancel_ts"].isna() | (st["cancel_ts"] < inst))
    placed = st["o_purchase_ts"] < inst
    return known & placed, placed


def _pfcr_core(st: pd.DataFrame, as_of, days: int, targets) -> pd.DataFrame:
    as_of = _as_of(as_of)
    inst = _instant(as_of, st["marketplace"])
    start, end = _window(as_of, days)
    num, den = _pfcr_flags(st, inst)
    f = st[KEYS + ["purchase_date"]].assign(num=num.astype(float), den=den.astype(float))
    return _rate_frame(f, _groups(st, []), "purchase_date", "num", "den", start, end,
                       f"pre_fulfilment_cancel_rate_{days}d", [], targets)


def pre_fulfilment_cancel_rate(orders: pd.DataFrame, as_of, *, days: int = 7,
                               buyer_requested: Iterable[str] | None = None,
                               order_promises: pd.DataFrame | None = None,
                               count_partial: bool = True,
                               targets: dict[str, Target] | None = None) -> pd.DataFrame:
    """Pre-fulfilment Cancel Rate (PFCR, "Cancellation Rate") of seller-fulfilled orders.

    Definition (Amazon, domain.md §1.1, help 200285210): seller-cancelled orders / all orders
    in 7 days (KPI ``pre_fulfilment_cancel_rate_7d``); target < 2.5 %. Includes Amazon's
    auto-cancellations of unconfirmed orders; excludes cancellations the buyer requested
    through their account.

    * Window: orders by order (purchase) date, local, in the ``days`` days before ``as_of``;
      the denominator is every MFN order placed in the window, cancelled or not.
    * Numerator: orders with a cancelled item (``count_partial=True``: Amazon counts a seller
      cancelling part of an order; ``False``: whole-order cancellations only), cancelled
      before ``as_of`` (the cancellation is dated by ``last_updated_ts``).
    * **Buyer-requested cancellations are out** when the buyer asked through Amazon's
      order-cancellation option (Your Orders > Request cancellation) and the seller cancelled
      with the reason *Buyer cancelled* (feed/API reason code ``BuyerCanceled``): "Official
      cancellation process that will not count against your Cancellation Rate" (help
      G201722390, with help 200285210: "with the exception of those that are requested by the
      customer using the order cancellation options in their Amazon account"). A cancellation
      asked for only in a buyer message still counts (G201722390).
    * **Limitation of All Orders**: it says ``Cancelled`` but not who cancelled. Buyer
      requests are taken from ``order_promises.buyer_requested_cancel`` (the order flat file's
      is-buyer-requested-cancellation flag) and from ``buyer_requested`` (order ids, e.g. from
      Manage Orders); without either every cancellation counts as the seller's, so the value
      is an **upper bound**.

    Returns ``seller_id, marketplace, kpi, value, numerator, denominator, window_start,
    window_end, target, status``.

    Example: 40 MFN orders Oct 25..31, 2 cancelled of which 1 at the buyer's request
    (``buyer_requested=["..."]``): 1 / 40 = 0.025, ``fail`` (not under 2.5 %).
    """
    st = _pfcr_prep(orders, buyer_requested, count_partial, order_promises)
    return _pfcr_core(st, as_of, days, targets)


def pre_fulfilment_cancel_rate_trend(orders, start, end, *, days: int = 7, buyer_requested=None,
                                     order_promises=None, count_partial: bool = True,
                                     targets=None) -> pd.DataFrame:
    """:func:`pre_fulfilment_cancel_rate` for every as-of day from ``start`` to ``end``."""
    st = _pfcr_prep(orders, buyer_requested, count_partial, order_promises)
    asofs = _trend_days(start, end)
    groups = _groups(st, [])
    if groups.empty:
        return _no_groups(_pfcr_core, asofs, st=st, days=days, targets=targets)
    _, (num, den), key = _judged_pairs(st, groups, [], asofs, "purchase_date", days, 0,
                                       ["seller_cancel", "cancel_ts", "o_purchase_ts"],
                                       _pfcr_flags)
    return _trend_frame(groups, [], asofs, key, num, den, days, 0,
                        f"pre_fulfilment_cancel_rate_{days}d", targets)


# ---------------------------------------------------------------------------------------------
# Valid Tracking Rate and On-Time Delivery
# ---------------------------------------------------------------------------------------------

_BASIS = {"promised_delivery": "deliver_by_date", "confirmation": "confirm_date"}


def _basis(date_basis: str) -> str:
    if date_basis not in _BASIS:
        raise ParameterError(f"date_basis must be one of {sorted(_BASIS)}, got {date_basis!r}")
    return _BASIS[date_basis]


def _by(by: str | None) -> list[str]:
    if by in (None, "", "all"):
        return []
    if by not in ("category", "carrier"):
        raise ParameterError(f"by must be None, 'category' or 'carrier', got {by!r}")
    return [by]


def _vtr_rows(pk: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Packages, once per category they hold with ``by=["category"]``."""
    if by == ["category"]:
        return pk.assign(category=pk["category"].str.split("; ")).explode("category")
    return pk


def _vtr_flags(f: pd.DataFrame, inst: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per package, judged at the instant ``inst``: (valid and shipped, shipped)."""
    shipped = f["ship_ts"] < inst
    valid = f["valid"] & (f["first_scan_ts"] < inst)
    return valid & shipped, shipped


def _vtr_core(pk: pd.DataFrame, as_of, days: int, lag_days: int, date_col: str, by: list[str],
              targets) -> pd.DataFrame:
    as_of = _as_of(as_of)
    start, end = _window(as_of, days, lag_days)
    f = _vtr_rows(pk, by)
    num, den = _vtr_flags(f, _instant(as_of, f["marketplace"]))
    f = f[KEYS + by + [date_col]].assign(num=num.astype(float), den=den.astype(float))
    return _rate_frame(f, _groups(f, by), date_col, "num", "den", start, end,
                       f"valid_tracking_rate_{days}d", by, targets)


def valid_tracking_rate(shipment_confirmations: pd.DataFrame, delivery_events: pd.DataFrame,
                        order_promises: pd.DataFrame, as_of, *, days: int = 30,
                        lag_days: int = 14, date_basis: str = "promised_delivery",
                        by: str | None = None, sku_categories: pd.DataFrame | None = None,
                        carrier_aliases: dict[str, str] | None = None,
                        targets: dict[str, Target] | None = None,
                        view: pd.DataFrame | None = None) -> pd.DataFrame:
    """Valid Tracking Rate (VTR): packages with a valid tracking number / packages confirmed.

    Definition (Amazon, domain.md §1.1, help G201817070): valid = at least one physical carrier
    scan, carrier chosen from Amazon's list (free-text ``Other`` is invalid) and carrier and
    number belonging together (see :func:`package_view`); rolling 30 days (KPI
    ``valid_tracking_rate_30d``), target >= 95 %, in the US **per product category**.

    * Window: packages whose promised delivery date (``date_basis="promised_delivery"``) or
      confirmation date (``"confirmation"``) falls in ``days`` local days ending
      ``lag_days + 1`` days before ``as_of`` (Amazon: two-week latency).
    * ``by``: ``None`` (overall), ``"category"`` (needs ``sku_categories``: a DataFrame with
      ``sku, category`` and optionally ``marketplace``; without it the category is ``"all"``;
      unmapped SKUs are ``"unmapped"``; a package holding SKUs of two categories counts in
      both) or ``"carrier"`` (declared carrier code; ``Other: <name>`` for free text).
    * Format and check-digit tests (``postship_analysis.tracking``) do not enter here: a
      well-formed number is not valid until a carrier scans it.
    * Not modelled: Amazon's US exemptions (orders <= $5 shipped from China without integrated
      tracking) and which carriers are integrated.

    Returns ``seller_id, marketplace, [category|carrier], kpi, value, numerator, denominator,
    window_start, window_end, target, status`` (packages as the unit).

    ``view``: the :func:`package_view` of these tables (with these ``carrier_aliases`` and ``sku_categories``),
    already built (a caller computing several windows from one set of tables builds it once);
    the tables are then not read again.

    Example: 200 packages due Sep 22..Oct 21, 10 without a scan: 190 / 200 = 0.95 -> ``at_risk``.
    """
    pk = view if view is not None else package_view(
        shipment_confirmations, delivery_events, order_promises, sku_categories=sku_categories,
        carrier_aliases=carrier_aliases)
    return _vtr_core(pk, as_of, days, lag_days, _basis(date_basis), _by(by), targets)


def valid_tracking_rate_trend(shipment_confirmations, delivery_events, order_promises, start,
                              end, *, days: int = 30, lag_days: int = 14,
                              date_basis: str = "promised_delivery", by: str | None = None,
                              sku_categories=None, carrier_aliases=None,
                              targets=None, view=None) -> pd.DataFrame:
    """:func:`valid_tracking_rate` for every as-of day from ``start`` to ``end`` (``view`` as
    there)."""
    pk = view if view is not None else package_view(
        shipment_confirmations, delivery_events, order_promises, sku_categories=sku_categories,
        carrier_aliases=carrier_aliases)
    date_col, by_ = _basis(date_basis), _by(by)
    asofs = _trend_days(start, end)
    f = _vtr_rows(pk, by_).reset_index(drop=True)
    groups = _groups(f, by_)
    if groups.empty:
        return _no_groups(_vtr_core, asofs, pk=pk, days=days, lag_days=lag_days,
                          date_col=date_col, by=by_, targets=targets)
    _, (num, den), key = _judged_pairs(f, groups, by_, asofs, date_col, days, lag_days,
                                       ["ship_ts", "valid", "first_scan_ts"], _vtr_flags)
    return _trend_frame(groups, by_, asofs, key, num, den, days, lag_days,
                        f"valid_tracking_rate_{days}d", targets)


def _otd_flags(pk: pd.DataFrame, inst: pd.Series, units: bool) -> tuple[pd.Series, pd.Series]:
    """Per package, judged at the instant ``inst``: (delivered on time, tracked), in packages
    or (``units``) in units."""
    tracked = pk["valid"] & (pk["first_scan_ts"] < inst) & (pk["ship_ts"] < inst)
    dts = pk["delivered_ts"].where(pk["delivered_ts"] < inst)
    on_time = tracked & (dts <= pk["deliver_by_ts"]) & (pk["ship_ts"] <= dts)
    w = pk["units"].fillna(0).astype(float) if units else 1.0
    return on_time.astype(float) * w, tracked.astype(float) * w


def _otd_core(pk: pd.DataFrame, as_of, days: int, lag_days: int, date_col: str, units: bool,
              name: str, targets) -> pd.DataFrame:
    as_of = _as_of(as_of)
    inst = _instant(as_of, pk["marketplace"])
    start, end = _window(as_of, days, lag_days)
    num, den = _otd_flags(pk, inst, units)
    f = pk[KEYS + [date_col]].assign(num=num, den=den)
    return _rate_frame(f, _groups(pk, []), date_col, "num", "den", start, end, name, [],
                       targets)


def _otd_trend(pk: pd.DataFrame, start, end, days: int, lag_days: int, date_col: str,
               units: bool, name: str, targets) -> pd.DataFrame:
    asofs = _trend_days(start, end)
    groups = _groups(pk, [])
    if groups.empty:
        return _no_groups(_otd_core, asofs, pk=pk, days=days, lag_days=lag_days,
                          date_col=date_col, units=units, name=name, targets=targets)
    _, (num, den), key = _judged_pairs(
        pk, groups, [], asofs, date_col, days, lag_days,
        ["valid", "first_scan_ts", "ship_ts", "delivered_ts", "deliver_by_ts", "units"],
        lambda x, inst: _otd_flags(x, inst, units))
    return _trend_frame(groups, [], asofs, key, num, den, days, lag_days, name, targets)


def on_time_delivery_rate(shipment_confirmations: pd.DataFrame, delivery_events: pd.DataFrame,
                          order_promises: pd.DataFrame, as_of, *, days: int = 30,
                          lag_days: int = 14, date_basis: str = "promised_delivery",
                          carrier_aliases: dict[str, str] | None = None,
                          targets: dict[str, Target] | None = None,
                          view: pd.DataFrame | None = None) -> pd.DataFrame:
    """On-Time Delivery Rate, order/package form (Amazon's legacy and non-US metric).

    Definition (Amazon, domain.md §1.1, OTD FAQ WDA4S96KYS493ME, help 200847280): packages with
    valid tracking delivered (first ``delivered`` scan) **on or before the promised delivery
    date** (``latest_delivery_ts``) / packages with valid tracking. A package confirmed after
    it was delivered, or not delivered by ``as_of``, is not on time. Window as
    :func:`valid_tracking_rate` (promised delivery date, two-week lag). Amazon recommends
    > 97 % with no penalty; the KPI name is ``on_time_delivery_rate_{days}d`` (no target in
    :data:`kpi.TARGETS` for the 30-day name, so its status is ``info``).

    Returns the standard result columns (packages as the unit).

    ``view``: the :func:`package_view` of these tables (with these ``carrier_aliases``),
    already built (a caller computing several windows from one set of tables builds it once);
    the tables are then not read again.

    """
    pk = view if view is not None else package_view(
        shipment_confirmations, delivery_events, order_promises, carrier_aliases=carrier_aliases)
    return _otd_core(pk, as_of, days, lag_days, _basis(date_basis), False,
                     f"on_time_delivery_rate_{days}d", targets)


def on_time_delivery_rate_trend(shipment_confirmations, delivery_events, order_promises, start,
                                end, *, days: int = 30, lag_days: int = 14,
                                date_basis: str = "promised_delivery", carrier_aliases=None,
                                targets=None, view=None) -> pd.DataFrame:
    """:func:`on_time_delivery_rate` for every as-of day from ``start`` to ``end`` (``view``
    as there)."""
    pk = view if view is not None else package_view(
        shipment_confirmations, delivery_events, order_promises, carrier_aliases=carrier_aliases)
    return _otd_trend(pk, start, end, days, lag_days, _basis(date_basis), False,
                      f"on_time_delivery_rate_{days}d", targets)


def unit_on_time_delivery_rate(shipment_confirmations: pd.DataFrame,
                               delivery_events: pd.DataFrame, order_promises: pd.DataFrame,
                               as_of, *, days: int = 14, lag_days: int = 7,
                               carrier_aliases: dict[str, str] | None = None,
                               targets: dict[str, Target] | None = None,
                               view: pd.DataFrame | None = None) -> pd.DataFrame:
    """On-Time Delivery Rate, US unit form (enforced in the US since 2024-09-25).

    Definition (Amazon, domain.md §1.1/§1.2; forum FAQ and G200847280): tracked seller-fulfilled
    **units** delivered on or before the seller-promised deliver-by date **before any promise
    extension** / tracked units, over a **14-day window with a 7-day delay** (KPI
    ``on_time_delivery_rate_14d``); target >= 90 % "without promise extension".

    * Promise before extension = ``order_promises.latest_delivery_ts`` as first reported (the
      order flat file taken before any extension; a later file with an extended date would
      make the rate look better than Amazon's).
    * Window: units whose deliver-by local date falls in the 14 days ending 8 days before
      ``as_of`` (as_of 2026-11-01 -> 2026-10-11..2026-10-24).
    * Tracked = the package's tracking is valid (see :func:`package_view`); units of a package
      = the quantities on its confirmation rows (a whole-order row carries all ordered units).
    * Outside the US Amazon shows it for information only (97 % recommendation); the same
      computation is returned for every marketplace.

    Returns the standard result columns (units as the unit).

    ``view``: the :func:`package_view` of these tables (with these ``carrier_aliases``),
    already built (a caller computing several windows from one set of tables builds it once);
    the tables are then not read again.

    """
    pk = view if view is not None else package_view(
        shipment_confirmations, delivery_events, order_promises, carrier_aliases=carrier_aliases)
    return _otd_core(pk, as_of, days, lag_days, "deliver_by_date", True,
                     f"on_time_delivery_rate_{days}d", targets)


def unit_on_time_delivery_rate_trend(shipment_confirmations, delivery_events, order_promises,
                                     start, end, *, days: int = 14, lag_days: int = 7,
                                     carrier_aliases=None, targets=None,
                                     view=None) -> pd.DataFrame:
    """:func:`unit_on_time_delivery_rate` for every as-of day from ``start`` to ``end``
    (``view`` as there)."""
    pk = view if view is not None else package_view(
        shipment_confirmations, delivery_events, order_promises, carrier_aliases=carrier_aliases)
    return _otd_trend(pk, start, end, days, lag_days, "deliver_by_date", True,
                      f"on_time_delivery_rate_{days}d", targets)


# ---------------------------------------------------------------------------------------------
# Confirm-shipment latency and the at-risk list
# ---------------------------------------------------------------------------------------------

def confirm_latency(order_promises: pd.DataFrame, shipment_confirmations: pd.DataFrame,
                    orders: pd.DataFrame | None = None, *, as_of=None,
                    confirm_basis: str = "auto") -> pd.DataFrame:
    """Per confirmed seller-fulfilled order: how long confirmation took, and how it sat
    against the expected ship date. The confirmation moment is the one Amazon judges (see
    :func:`order_view`, ``confirm_basis``); ``confirm_source`` says which time each order has.

    ``hours_to_confirm`` = (last confirmation - purchase) in hours; ``hours_vs_ship_by`` =
    (last confirmation - ``latest_ship_ts``) in hours: negative = early (hours to spare),
    positive = late. ``hours_to_first_confirm`` uses the first confirmation row (partial
    shipments). Only fully confirmed, not cancelled orders; with ``as_of``, only orders
    confirmed before its local midnight.

    Columns: ``seller_id, marketplace, order_id, sku, units, purchase_ts, ship_by_ts,
    first_confirm_ts, confirm_ts, confirm_source, typed_ship_ts, hours_to_first_confirm,
    hours_to_confirm, hours_vs_ship_by, late, backdated, n_confirmations, confirm_date``
    (local).

    Example: bought 10:00, ship-by the next day 23:59:59, confirmed the next day 15:00 ->
    hours_to_confirm 29.0, hours_vs_ship_by about -9.0, late False.
    """
    ov = order_view(order_promises, shipment_confirmations, orders, confirm_basis=confirm_basis)
    ok = ov["confirm_ts"].notna() & ~ov["cancelled"]
    if as_of is not None:
        ok &= ov["confirm_ts"] < _instant(_as_of(as_of), ov["marketplace"])
    d = ov[ok].copy()
    d["hours_to_first_confirm"] = _hours(d["first_confirm_ts"] - d["purchase_ts"])
    d["hours_to_confirm"] = _hours(d["confirm_ts"] - d["purchase_ts"])
    d["hours_vs_ship_by"] = _hours(d["confirm_ts"] - d["ship_by_ts"])
    d["late"] = d["confirm_ts"] > d["ship_by_ts"]
    d["confirm_date"] = contract.local_date(d["confirm_ts"], d["marketplace"])
    cols = KEYS + ["order_id", "sku", "units", "purchase_ts", "ship_by_ts", "first_confirm_ts",
                   "confirm_ts", "confirm_source", "typed_ship_ts", "hours_to_first_confirm",
                   "hours_to_confirm", "hours_vs_ship_by", "late", "backdated",
                   "n_confirmations", "confirm_date"]
    return d[cols].sort_values(KEYS + ["confirm_ts"]).reset_index(drop=True)


def backdated_confirmations(order_promises: pd.DataFrame, shipment_confirmations: pd.DataFrame,
                            orders: pd.DataFrame | None = None, *, as_of, days: int = 30
                            ) -> pd.DataFrame:
    """Action list: orders confirmed **after** their expected ship date but with a typed
    ship-date on or before it. Amazon counts them late ("confirmation occurs after the expected
    ship date", help 202152050; "the moment the shipment is confirmed in the system, not the
    date that is entered", help 200197960); the typed date hides it. Fix: confirm each
    shipment the moment it leaves (not in a later batch).

    Orders whose expected ship date (local) is in the ``days`` days before ``as_of`` and
    confirmed before it. Columns: ``seller_id, marketplace, order_id, sku, ship_by_local,
    typed_ship_local, confirmed_local`` (marketplace wall-clock), ``hours_late``
    (confirmation - ship-by), ``hours_backdated`` (confirmation - typed ship-date),
    ``confirm_source, time_zone``; most late first.
    """
    as_of = _as_of(as_of)
    ov = order_view(order_promises, shipment_confirmations, orders)
    inst = _instant(as_of, ov["marketplace"])
    start, end = _window(as_of, days)
    keep = ov["backdated"] & (ov["confirm_ts"] < inst) & (ov["ship_by_date"] >= start) \
        & (ov["ship_by_date"] <= end)
    d = ov[keep].copy()
    d["ship_by_local"] = _local_naive(d["ship_by_ts"], d["marketplace"])
    d["typed_ship_local"] = _local_naive(d["typed_ship_ts"], d["marketplace"])
    d["confirmed_local"] = _local_naive(d["confirm_ts"], d["marketplace"])
    d["hours_late"] = _hours(d["confirm_ts"] - d["ship_by_ts"]).round(1)
    d["hours_backdated"] = _hours(d["confirm_ts"] - d["typed_ship_ts"]).round(1)
    d["time_zone"] = d["marketplace"].map(lambda m: contract.marketplace(m).tz)
    cols = KEYS + ["order_id", "sku", "ship_by_local", "typed_ship_local", "confirmed_local",
                   "hours_late", "hours_backdated", "confirm_source", "time_zone"]
    return d.sort_values(["hours_late", "order_id"], ascending=[False, True])[cols] \
        .reset_index(drop=True)


def latency_percentiles(latency: pd.DataFrame, *, as_of=None, days: int | None = None,
                        quantiles: Iterable[float] = (0.5, 0.75, 0.9, 0.95)) -> pd.DataFrame:
    """Percentiles of :func:`confirm_latency` per seller x marketplace.

    With ``as_of`` and ``days``, only orders confirmed in the ``days`` local days before
    ``as_of``. Returns ``seller_id, marketplace, measure`` (``hours_to_confirm``,
    ``hours_vs_ship_by``), ``orders, mean, p50, p75, p90, p95`` (hours; names follow
    ``quantiles``), ``window_start, window_end``.
    """
    q = list(quantiles)
    d = latency
    start = end = pd.NaT
    if days is not None:
        if as_of is None:
            raise ParameterError("latency_percentiles: days needs as_of")
        start, end = _window(_as_of(as_of), days)
        d = d[(d["confirm_date"] >= start) & (d["confirm_date"] <= end)]
    groups = latency[KEYS].drop_duplicates()
    names = [f"p{round(x * 100):d}" for x in q]
    rows = []
    for measure in ("hours_to_confirm", "hours_vs_ship_by"):
        g = d.groupby(KEYS)[measure]
        aggs = {"orders": g.size(), "mean": g.mean()}
        for name, x in zip(names, q, strict=True):
            aggs[name] = g.quantile(x)
        t = pd.DataFrame(aggs).reset_index() if len(d) else \
            pd.DataFrame(columns=KEYS + list(aggs))
        t = groups.merge(t, on=KEYS, how="left")
        t["orders"] = t["orders"].fillna(0).astype("int64")
        t.insert(len(KEYS), "measure", measure)
        rows.append(t)
    out = pd.concat(rows, ignore_index=True)
    out["window_start"] = start
    out["window_end"] = end
    return out.sort_values(KEYS + ["measure"]).reset_index(drop=True)


_SHIPPED_STATUSES = re.compile(r"^(shipped|shipping|delivered)", re.I)


def _open_orders(ov: pd.DataFrame, inst: pd.Series) -> pd.Series:
    """Orders placed before the instant, not cancelled, not fully confirmed by it. Orders with
    no confirmation row at all but a shipped status in All Orders are treated as shipped
    (the confirmations file is incomplete)."""
    known_cancel = ov["cancelled"] & (ov["cancel_ts"].isna() | (ov["cancel_ts"] < inst))
    confirmed = ov["confirm_ts"] < inst
    shipped_status = ov["order_status"].astype("string").str.match(_SHIPPED_STATUSES) \
        .fillna(False).astype(bool) & (ov["n_confirmations"] == 0)
    return (ov["purchase_ts"] < inst) & ~known_cancel & ~confirmed.fillna(False) & ~shipped_status


def _local_naive(ts: pd.Series, mp: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=ts.index, dtype="datetime64[ns]")
    for code in pd.unique(mp.dropna()):
        m = mp == code
        out[m] = ts[m].dt.tz_convert(contract.marketplace(code).tz).dt.tz_localize(None) \
            .dt.floor("s")
    return out


def at_risk_orders(order_promises: pd.DataFrame, shipment_confirmations: pd.DataFrame, as_of,
                   *, orders: pd.DataFrame | None = None, horizon_hours: float = 48.0,
                   risk_hours: float = 24.0) -> pd.DataFrame:
    """Unshipped seller-fulfilled orders at risk of missing their ship-by date, as of the run.

    ``as_of`` is the local run time (a date = its midnight; ``pd.Timestamp("2026-11-01
    14:00")`` = 14:00 local). An order is open if it was placed before then, is not cancelled
    and not all its units are confirmed (partial shipments stay on the list). Listed: open
    orders with ``hours_left`` = (ship-by - run time) in hours <= ``horizon_hours`` (default 48 h,
    our choice: two working days to act), most urgent first.

    ``status``: ``overdue`` (ship-by passed: it will count as a late shipment, confirm it
    now), ``at_risk`` (under ``risk_hours``, default 24 h), ``due_soon`` (up to the horizon).

    Columns (CSV-ready, times are local wall-clock in ``time_zone``): ``seller_id,
    marketplace, order_id, sku, units, purchase_time_local, ship_by_local, hours_left, status,
    partially_confirmed, ship_service_level, is_prime, time_zone``.
    """
    as_of = _as_of(as_of)
    ov = order_view(order_promises, shipment_confirmations, orders)
    inst = _instant(as_of, ov["marketplace"])
    ov = ov.assign(hours_left=_hours(ov["ship_by_ts"] - inst))
    keep = _open_orders(ov, inst) & (ov["hours_left"] <= horizon_hours)
    d = ov[keep].copy()
    d["status"] = np.select([d["hours_left"] < 0, d["hours_left"] < risk_hours],
                            ["overdue", "at_risk"], "due_soon")
    d["partially_confirmed"] = d["n_confirmations"] > 0
    d["purchase_time_local"] = _local_naive(d["purchase_ts"], d["marketplace"])
    d["ship_by_local"] = _local_naive(d["ship_by_ts"], d["marketplace"])
    d["time_zone"] = d["marketplace"].map(lambda m: contract.marketplace(m).tz)
    d["hours_left"] = d["hours_left"].round(1)
    cols = KEYS + ["order_id", "sku", "units", "purchase_time_local", "ship_by_local",
                   "hours_left", "status", "partially_confirmed", "ship_service_level",
                   "is_prime", "time_zone"]
    return d.sort_values(["hours_left", "marketplace", "order_id"])[cols].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Address changes
# ---------------------------------------------------------------------------------------------

#: what to do about an address to fix, by case (see :func:`address_change_candidates`)
ADDRESS_ACTIONS = {
    "buyer_requested": (
        "The buyer asked Amazon to cancel: confirm with the buyer, then cancel with the reason "
        "'Buyer canceled' (BuyerCanceled) - it does not count in your cancellation rate "
        "(help G201722390)."),
    "sfp": (
        "Seller Fulfilled Prime order: ask the buyer to contact Amazon Customer Service to "
        "change the address; do not cancel it yourself - it would count against the 0.5% SFP "
        "cancellation rate (help 202072550)."),
    "unshipped": (
        "Contact the buyer to confirm the address. Do not cancel on your own (a seller "
        "cancellation counts, even if the buyer asked by message): if the address must change, "
        "the buyer requests cancellation in Your Orders > Request cancellation and orders "
        "again; then cancel with the reason 'Buyer canceled' (BuyerCanceled), which keeps it "
        "out of your cancellation rate (help G201722390)."),
    "confirmed_not_scanned": (
        "Already confirmed, not yet scanned: contact the buyer and hold the parcel or have the "
        "carrier redirect it; a confirmed order can no longer be cancelled (a change now is a "
        "refund, help 200285210)."),
}


def address_change_candidates(order_promises: pd.DataFrame,
                              shipment_confirmations: pd.DataFrame,
                              delivery_events: pd.DataFrame, as_of, *,
                              orders: pd.DataFrame | None = None, lookback_days: int = 30,
                              carrier_aliases: dict[str, str] | None = None) -> pd.DataFrame:
    """Orders whose address can still be fixed: not cancelled and **not yet scanned by the
    carrier** (no physical scan in ``delivery_events`` before the run time; a printed label
    or a confirmation without a scan does not stop it), each with what to do (``action``).

    Amazon does not let the seller edit a buyer's address. **The first step is to contact the
    buyer**, never to cancel: a cancellation the seller makes counts against the cancellation
    rate -- even when the buyer asked for it by message -- unless the buyer requested it
    through Amazon (Your Orders > Request cancellation) and the seller cancels with the reason
    *Buyer canceled* (reason code ``BuyerCanceled``), which stays out of the rate (help
    G201722390; help 200285210). ``action`` per order (:data:`ADDRESS_ACTIONS`):

    * ``buyer_requested`` -- the order report flags a buyer cancellation request: cancel with
      reason ``BuyerCanceled`` (``cancel_reason_code``);
    * ``sfp`` -- a Seller Fulfilled Prime order: send the buyer to Amazon Customer Service, do
      not cancel it yourself (help 202072550; SFP cancellations count whatever the reason);
    * ``unshipped`` -- contact the buyer; cancel only once the buyer has requested it through
      Amazon, with reason ``BuyerCanceled``;
    * ``confirmed_not_scanned`` -- already confirmed (it can no longer be cancelled: "Once an
      order has been ship-confirmed, a decision to accept a return or not ship an item is
      treated as a refund", help 200285210): contact the buyer, hold the parcel or have the
      carrier redirect it.

    ``lookback_days`` (default 30, ours) limits the list to recent orders. The scan is matched
    by tracking number regardless of carrier here (any scan means the parcel is moving).

    Columns: ``seller_id, marketplace, order_id, sku, units, purchase_time_local,
    ship_by_local, stage`` (``unshipped``, ``confirmed_not_scanned``), ``is_prime,
    buyer_requested_cancel, action`` (text), ``cancel_reason_code`` (``BuyerCanceled`` where a
    cancellation may follow a buyer's request, else empty), ``tracking_number, carrier,
    hours_since_purchase, time_zone``; sorted oldest first.
    """
    as_of = _as_of(as_of)
    ov = order_view(order_promises, shipment_confirmations, orders)
    inst = _instant(as_of, ov["marketplace"])
    start, _ = _window(as_of, lookback_days)
    pk = package_view(shipment_confirmations, delivery_events, order_promises,
                      carrier_aliases=carrier_aliases)
    e = _tbl(delivery_events, "delivery_events")
    e = e[e["event"].astype("string").str.lower().isin(PHYSICAL_SCANS)]
    e = e.assign(tn=_norm_tracking(e["tracking_number"]))
    first = e.groupby(KEYS + ["tn"])["event_ts"].min().rename("scan_ts").reset_index()
    pk = pk.assign(tn=_norm_tracking(pk["tracking_number"])).merge(first, on=KEYS + ["tn"],
                                                                   how="left")
    pk = pk[pk["ship_ts"] < _instant(as_of, pk["marketplace"])]
    pk["scanned"] = pk["scan_ts"] < _instant(as_of, pk["marketplace"])
    po = pk.groupby(KEYS + ["order_id"]).agg(
        any_scan=("scanned", "any"), tracking_number=("tracking_number", "first"),
        carrier=("carrier", "first")).reset_index()
    ov = ov.merge(po, on=KEYS + ["order_id"], how="left")
    ov["any_scan"] = ov["any_scan"].fillna(False).astype(bool)
    known_cancel = ov["cancelled"] & (ov["cancel_ts"].isna() | (ov["cancel_ts"] < inst))
    placed = (ov["purchase_ts"] < inst) & (ov["purchase_date"] >= start)
    shipped_status = ov["order_status"].astype("string").str.match(_SHIPPED_STATUSES) \
        .fillna(False).astype(bool) & (ov["n_confirmations"] == 0)
    keep = placed & ~known_cancel & ~ov["any_scan"] & ~shipped_status
    d = ov[keep].copy()
    conf = d["first_confirm_ts"] < _instant(as_of, d["marketplace"])
    d["stage"] = np.where(conf.fillna(False), "confirmed_not_scanned", "unshipped")
    d["purchase_time_local"] = _local_naive(d["purchase_ts"], d["marketplace"])
    d["ship_by_local"] = _local_naive(d["ship_by_ts"], d["marketplace"])
    d["hours_since_purchase"] = _hours(_instant(as_of, d["marketplace"]) - d["purchase_ts"]) \
        .round(1)
    d["time_zone"] = d["marketplace"].map(lambda m: contract.marketplace(m).tz)
    d["is_prime"] = d["is_prime"].astype("boolean").fillna(False).astype(bool)
    case = np.select([d["stage"] == "confirmed_not_scanned", d["buyer_requested_cancel"],
                      d["is_prime"]], ["confirmed_not_scanned", "buyer_requested", "sfp"],
                     "unshipped")
    d["action"] = pd.Series(case, index=d.index).map(ADDRESS_ACTIONS).astype("string")
    d["cancel_reason_code"] = pd.Series(
        np.where(np.isin(case, ["buyer_requested", "unshipped"]), "BuyerCanceled", ""),
        index=d.index, dtype="string")
    cols = KEYS + ["order_id", "sku", "units", "purchase_time_local", "ship_by_local", "stage",
                   "is_prime", "buyer_requested_cancel", "action", "cancel_reason_code",
                   "tracking_number", "carrier", "hours_since_purchase", "time_zone"]
    return d.sort_values(["purchase_time_local", "order_id"])[cols].reset_index(drop=True)


def shipped_within_correction_window(order_promises: pd.DataFrame,
                                     shipment_confirmations: pd.DataFrame, as_of, *,
                                     orders: pd.DataFrame | None = None, days: int = 30,
                                     hours: float = 2.0) -> pd.DataFrame:
    """How many orders were confirmed within ``hours`` (default 2, the correction window named
    in issue 3) of purchase: orders a buyer had little or no chance to correct (address,
    quantity) before they left.

    Window: orders by purchase local date in the ``days`` days before ``as_of``; denominator:
    those orders that are confirmed (first confirmation row) before the run time; numerator:
    first confirmation within ``hours`` of purchase. Returns ``seller_id, marketplace, kpi``
    (``shipped_within_{hours}h_{days}d``), ``value, numerator, denominator, window_start,
    window_end, target`` (NaN), ``status`` (``info``).
    """
    as_of = _as_of(as_of)
    ov = order_view(order_promises, shipment_confirmations, orders)
    inst = _instant(as_of, ov["marketplace"])
    start, end = _window(as_of, days)
    conf = ov["first_confirm_ts"].where(ov["first_confirm_ts"] < inst)
    shipped = conf.notna() & ~ov["cancelled"]
    fast = shipped & (_hours(conf - ov["purchase_ts"]) <= hours)
    f = ov[KEYS + ["purchase_date"]].assign(num=fast.astype(float), den=shipped.astype(float))
    h = f"{hours:g}".replace(".", "_")
    return _rate_frame(f, _groups(ov, []), "purchase_date", "num", "den", start, end,
                       f"shipped_within_{h}h_{days}d", [], {})


# ---------------------------------------------------------------------------------------------
# Seller Fulfilled Prime
# ---------------------------------------------------------------------------------------------

#: SFP performance window: "trailing 7 days" (sellercentral.amazon.co.jp help 202072550; the
#: US/EU pages name no window, an Amazon SFP-performance notice quoted on the US forum judges a
#: week of Prime orders)
SFP_DAYS = 7


def _first_scans(shipment_confirmations: pd.DataFrame, delivery_events: pd.DataFrame,
                 inst_of: pd.DataFrame) -> pd.DataFrame:
    """Per order: the first physical carrier scan (any carrier) of any of its tracking numbers,
    if before the row's as-of instant. ``inst_of``: KEYS + order_id + inst."""
    c = _tbl(shipment_confirmations, "shipment_confirmations")
    e = _tbl(delivery_events, "delivery_events")
    e = e[e["event"].astype("string").str.lower().isin(PHYSICAL_SCANS) & e["event_ts"].notna()]
    first = e.assign(tn=_norm_tracking(e["tracking_number"])).groupby(KEYS + ["tn"])[
        "event_ts"].min().rename("scan_ts").reset_index()
    ct = c.assign(tn=_norm_tracking(c["tracking_number"]))[KEYS + ["order_id", "tn"]].dropna()
    x = ct.merge(first, on=KEYS + ["tn"]).merge(inst_of, on=KEYS + ["order_id"])
    x = x[x["scan_ts"] < x["inst"]]
    return x.groupby(KEYS + ["order_id"])["scan_ts"].min().rename("first_scan_ts").reset_index()


def sfp_metrics(order_promises: pd.DataFrame, shipment_confirmations: pd.DataFrame,
                delivery_events: pd.DataFrame, as_of, *, orders: pd.DataFrame | None = None,
                days: int = SFP_DAYS, carrier_aliases: dict[str, str] | None = None,
                targets: dict[str, Target] | None = None,
                views: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Seller Fulfilled Prime (SFP) metrics on the orders that carry ``is-prime``, judged on
    Amazon's SFP targets (help 202072550; :data:`kpi.TARGETS`), over the ``days`` (7) local
    days before ``as_of``. Seller-fulfilled Prime orders *are* SFP orders.

    * ``sfp_on_time_shipment_rate_7d`` (units, target >= 99 %): SFP units whose first
      physical carrier scan is on or before the ship-by (Amazon: "Packages are considered
      shipped when the carrier scans the units for the first time, not when you confirm
      shipment"), over the units of SFP orders due (ship-by local date) in the window and not
      cancelled; a unit not scanned by ``as_of`` is late.
    * ``sfp_cancel_rate_7d`` (units, target no more than 0.5 %; JP 1 %): SFP units cancelled
      before the as-of instant / SFP units ordered, by order date. Every cancellation counts,
      also those the buyer asked for by message: Amazon's SFP team tells sellers to send such
      buyers to Customer Service instead (help 202072550: "If a customer wants to change their
      shipping address, direct them to contact Customer Service. Do not cancel the order
      yourself"). All Orders cannot tell a buyer's own cancellation in the first 30 minutes
      from the seller's, so the value is an upper bound.
    * ``sfp_on_time_delivery_rate_7d`` (units, target >= 97 %; JP 96 %): tracked SFP units
      delivered on or before the promised delivery date, by deliver-by local date. Amazon
      judges this on Prime orders shipped *outside* Buy Shipping; which labels were bought
      through Buy Shipping is not in the data, so all SFP units count (conservative).
    * ``sfp_valid_tracking_rate_7d`` (packages; target 94 % in JP only, elsewhere the account
      valid tracking rate applies, so status ``info``): SFP packages with a valid tracking
      number (see :func:`package_view`) by deliver-by local date.

    Returns the standard result columns, one row per KPI and seller x marketplace that has SFP
    orders (none: an empty frame). Buy Shipping use, delivery coverage and weekend operation,
    also required by Amazon, are not in the data.

    ``views``: ``(order_view, package_view)`` of these tables (default confirmation basis,
    these ``carrier_aliases``), already built; the tables are then read only for the
    cancellations.
    """
    as_of = _as_of(as_of)
    ov = views[0] if views is not None else order_view(order_promises, shipment_confirmations,
                                                        orders)
    prime = ov[ov["is_prime"].astype("boolean").fillna(False).astype(bool)].reset_index(drop=True)
    if prime.empty:
        return pd.DataFrame(columns=KEYS + _RESULT_COLS)
    groups = _groups(prime, [])
    start, end = _window(as_of, days)
    inst = _instant(as_of, prime["marketplace"])
    units = prime["units"].astype("Float64").fillna(1).astype(float)
    out = []
    # on-time shipment
    fs = _first_scans(shipment_confirmations, delivery_events,
                      prime[KEYS + ["order_id"]].assign(inst=inst))
    pr = prime.merge(fs, on=KEYS + ["order_id"], how="left")
    known_cancel = pr["cancelled"] & (pr["cancel_ts"].isna() | (pr["cancel_ts"] < inst))
    due = ~known_cancel & (pr["ship_by_ts"] < inst)
    on_time = due & (pr["first_scan_ts"] <= pr["ship_by_ts"]).fillna(False)
    f = pr[KEYS + ["ship_by_date"]].assign(num=on_time.astype(float) * units,
                                          den=due.astype(float) * units)
    out.append(_rate_frame(f, groups, "ship_by_date", "num", "den", start, end,
                           f"sfp_on_time_shipment_rate_{days}d", [], targets))
    # cancellation (units, item level: All Orders rows of a cancelled item or order)
    p = _tbl(order_promises, "order_promises")
    p = p[p["is_prime"].astype("boolean").fillna(False).astype(bool)]
    o = _tbl(orders, "orders")
    canc = o[_is_cancelled(o["item_status"]) | _is_cancelled(o["order_status"])]
    canc = canc.groupby(KEYS + ["order_id", "sku"])["last_updated_ts"].max() \
        .rename("c_ts").reset_index()
    pi = p.merge(canc, on=KEYS + ["order_id", "sku"], how="left", indicator=True)
    whole = ov.loc[ov["cancelled"], KEYS + ["order_id", "cancel_ts"]].assign(_w=True)
    pi = pi.merge(whole, on=KEYS + ["order_id"], how="left")
    pi["purchase_date"] = contract.local_date(pi["purchase_ts"], pi["marketplace"])
    pinst = _instant(as_of, pi["marketplace"])
    ordered = (pi["purchase_ts"] < pinst).fillna(False)
    item_c = (pi["_merge"] == "both") & (pi["c_ts"].isna() | (pi["c_ts"] < pinst))
    order_c = pi["_w"].fillna(False).astype(bool) & (pi["cancel_ts"].isna()
                                                     | (pi["cancel_ts"] < pinst))
    cancelled = ordered & (item_c | order_c)
    q = pi["quantity"].astype("Float64").fillna(1).astype(float)
    f = pi[KEYS + ["purchase_date"]].assign(num=cancelled.astype(float) * q,
                                           den=ordered.astype(float) * q)
    out.append(_rate_frame(f, groups, "purchase_date", "num", "den", start, end,
                           f"sfp_cancel_rate_{days}d", [], targets))
    # on-time delivery (units) and valid tracking (packages) by deliver-by date
    pk = views[1] if views is not None else package_view(
        shipment_confirmations, delivery_events, order_promises, carrier_aliases=carrier_aliases)
    pk = pk.merge(prime[KEYS + ["order_id"]], on=KEYS + ["order_id"])
    kinst = _instant(as_of, pk["marketplace"])
    tracked = pk["valid"] & (pk["first_scan_ts"] < kinst) & (pk["ship_ts"] < kinst)
    dts = pk["delivered_ts"].where(pk["delivered_ts"] < kinst)
    ot = tracked & (dts <= pk["deliver_by_ts"]) & (pk["ship_ts"] <= dts)
    w = pk["units"].fillna(0).astype(float)
    f = pk[KEYS + ["deliver_by_date"]].assign(num=ot.astype(float) * w,
                                             den=tracked.astype(float) * w)
    out.append(_rate_frame(f, groups, "deliver_by_date", "num", "den", start, end,
                           f"sfp_on_time_delivery_rate_{days}d", [], targets))
    shipped = pk["ship_ts"] < kinst
    f = pk[KEYS + ["deliver_by_date"]].assign(num=(tracked & shipped).astype(float),
                                             den=shipped.astype(float))
    out.append(_rate_frame(f, groups, "deliver_by_date", "num", "den", start, end,
                           f"sfp_valid_tracking_rate_{days}d", [], targets))
    res = pd.concat(out, ignore_index=True)
    order = {n: i for i, n in enumerate(pd.unique(res["kpi"]))}
    return res.assign(_o=res["kpi"].map(order)).sort_values(KEYS + ["_o"], kind="stable") \
        .drop(columns="_o").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# convenience for the notebook
# ---------------------------------------------------------------------------------------------

def fulfilment_kpis(orders: pd.DataFrame, order_promises: pd.DataFrame,
                    shipment_confirmations: pd.DataFrame, delivery_events: pd.DataFrame,
                    as_of, *, buyer_requested: Iterable[str] | None = None,
                    vtr_date_basis: str = "promised_delivery", vtr_lag_days: int = 14,
                    targets: dict[str, Target] | None = None,
                    views: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> list[KPI]:
    """The headline fulfilment KPIs per marketplace (and seller), as :class:`KPI` records:
    ``late_shipment_rate_10d``, ``late_shipment_rate_30d``, ``pre_fulfilment_cancel_rate_7d``,
    ``valid_tracking_rate_30d`` (overall), ``on_time_delivery_rate_14d`` (unit form), and where
    orders carry ``is-prime`` the Seller Fulfilled Prime KPIs of :func:`sfp_metrics`.

    Order: per marketplace in the order above. Marketplaces with no seller-fulfilled data
    give ``no_data`` rows only where a table has them. See each function for definitions.

    ``views``: ``(order_view, package_view)`` of these tables (default confirmation basis, no
    carrier aliases), already built; otherwise each is built here once for all the KPIs.
    """
    ov, pk = views if views is not None else (
        order_view(order_promises, shipment_confirmations, orders),
        package_view(shipment_confirmations, delivery_events, order_promises))
    frames = [
        late_shipment_rate(order_promises, shipment_confirmations, as_of, days=10,
                           orders=orders, targets=targets, view=ov),
        late_shipment_rate(order_promises, shipment_confirmations, as_of, days=30,
                           orders=orders, targets=targets, view=ov),
        pre_fulfilment_cancel_rate(orders, as_of, buyer_requested=buyer_requested,
                                   order_promises=order_promises, targets=targets),
        valid_tracking_rate(shipment_confirmations, delivery_events, order_promises, as_of,
                            lag_days=vtr_lag_days, date_basis=vtr_date_basis, targets=targets,
                            view=pk),
        unit_on_time_delivery_rate(shipment_confirmations, delivery_events, order_promises,
                                   as_of, targets=targets, view=pk),
        # Seller Fulfilled Prime, where orders carry is-prime (empty otherwise)
        sfp_metrics(order_promises, shipment_confirmations, delivery_events, as_of,
                    orders=orders, targets=targets, views=(ov, pk)),
    ]
    frames = [f for f in frames if not f.empty]
    if not frames:  # an account with no seller-fulfilled data: no KPI rather than a crash
        return []
    allf = pd.concat(frames, ignore_index=True)
    if allf.empty:
        return []
    order = {n: i for i, n in enumerate(pd.unique(allf["kpi"]))}
    allf = allf.assign(_o=allf["kpi"].map(order)).sort_values(KEYS + ["_o"], kind="stable")
    return to_kpis(allf.drop(columns="_o"), targets=targets)
