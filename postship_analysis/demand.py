"""Demand history per SKU and marketplace-local day, with stockout censoring.

Inputs are canonical tables (docs/DATA_CONTRACT.md): ``orders`` (All Orders report,
GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL, Seller Central > Reports > Fulfillment >
All Orders) and, optionally, a daily on-hand history ``seller_id, marketplace, sku, date,
on_hand`` built by :func:`postship_analysis.readers.inventory.daily_on_hand_from_ledger` (from
the Inventory Ledger, GET_LEDGER_DETAIL_VIEW_DATA) or
:func:`postship_analysis.readers.inventory.daily_on_hand` (from dated Manage FBA Inventory /
FBA Inventory snapshots). Nothing here reads a file or the clock.

Why censoring matters
---------------------
Sales are demand only while the SKU can be bought. On a day that ends with no fulfillable
stock the sales are a *lower bound* on demand; averaging them in drags sales velocity down,
the restock tool under-orders and the stockout repeats ("spiral-down", Pedregal & Trapero,
arXiv 2409.05412; ../shared/forecasting.md §3.3 and its real-data lesson: a sell-out day has
*higher* sales than an average day, so it must be treated as censored, not as a normal day).

The in-stock / censored rule (daily data, end-of-day on-hand ``on_hand_d``)
---------------------------------------------------------------------------
* ``in_stock`` = ``on_hand_d > 0``: the day *closed* with sellable stock. Its negation is
  Amazon's and the sample generator's stockout day ("a day whose end-of-day fulfillable FBA
  stock is 0"), and the ledger helper's ``stockout`` flag.
* ``censored`` = ``not in_stock`` **or** ``on_hand_{d-1} <= 0`` (the day *opened* with no
  stock). This covers, in one rule, the three cases daily data allows:

  - the sell-out day (opened with stock, closed at 0): partial stock, sales a lower bound;
  - a day out of stock all day (opened and closed at 0): sales 0 or near 0;
  - the restock day (opened at 0, stock received during the day): partial stock again
    (in_stock is True but the day is censored).

* Unknown on-hand (no history for the SKU, a day outside the history's range, or ``<NA>``
  from the planning report leaving an out-of-stock SKU out) counts as in stock and not
  censored: without evidence of a stockout the sales are taken as demand. Seller-fulfilled
  (MFN) SKUs have no FBA history and are therefore all in stock.

How much of a censored day was in stock (``in_stock_share``)
-------------------------------------------------------------
A censored day's sales are a lower bound on its demand, not a missing value: on real data most
stockouts are sell-outs late in the day, and a sell-out day sells *more* than an average day
(forecasting.md, "A lesson from real data with stockout flags"). Masking it whole keeps only
the quieter days and biases the forecast low. So each day gets the share of its usual demand
that fell in hours with stock, from an **intraday demand profile** (the share of a day's units
sold in each local hour, estimated from the order times of fully in-stock days, per
marketplace and weekday, shrunk toward the marketplace's all-week profile and that toward flat;
:func:`intraday_profile`):

* a day that opened and closed with stock: 1;
* a sell-out day (opened with stock, closed without): the profile's cumulative share up to the
  **last order** of the day (the stock ran out with that sale);
* a restock day (opened without stock, closed with it): 1 - the cumulative share up to the
  **first order** after the restock (an upper bound on the restock time, so the share is a
  lower bound and the corrected demand, if anything, high);
* a day out of stock all day, or a censored day without any order: 0 (no information).

Where a seller has intraday stock status (an optional hourly table ``seller_id, marketplace,
sku, date, hour, in_stock``, e.g. from an inventory system with event times), the share is
``sum_h profile_h * in_stock_h`` for the days it covers instead (:func:`in_stock_share`). The
forecaster then reads ``units / in_stock_share`` as the day's demand where the share is large
enough, and masks the rest (``postship_analysis.forecast``).

Units are counted from non-cancelled order lines (``order_status`` and ``item_status`` not
``Cancelled``) by the marketplace-local purchase date (``contract.local_date``); Pending orders
count (they are demand).

Example
-------
>>> import pandas as pd
>>> o = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
...     "order_status": ["Shipped", "Cancelled", "Shipped"], "item_status": "Shipped",
...     "quantity": pd.array([2, 5, 1], dtype="Int64"),
...     "purchase_ts": pd.to_datetime(["2026-10-01T18:00Z", "2026-10-01T19:00Z",
...                                    "2026-10-03T06:00Z"])})
>>> daily_demand(o)[["date", "units"]].to_string(index=False)  # 06:00Z = 23:00 local, 2 Oct
'      date  units\\n2026-10-01      2\\n2026-10-02      1'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import contract
from .errors import ParameterError

KEY = ["seller_id", "marketplace", "sku"]
DAILY_COLUMNS = [*KEY, "date", "units", "in_stock", "censored", "in_stock_share"]
#: Intraday profile: units per local hour on fully in-stock days are shrunk toward the pooled
#: profile with weight units / (units + PROFILE_PRIOR_UNITS) (ours, like the weekday index).
PROFILE_PRIOR_UNITS = 200.0

#: Syntetos, Boylan & Croston (2005), JORS 56:495-503: ADI and CV^2 cut-offs.
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


def _need(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ParameterError(f"{what} lacks column(s) {missing}; expected {list(cols)}")


def _day(value, what: str) -> pd.Timestamp:
    return contract.as_of_day(value, what)


def _local_ts(ts: pd.Series, mp: pd.Series) -> pd.Series:
    """Marketplace-local wall-clock time (naive) of UTC timestamps, row by row."""
    out = pd.Series(pd.NaT, index=ts.index, dtype="datetime64[ns]")
    for code in pd.unique(mp.dropna()):
        m = (mp == code).to_numpy()
        out.loc[m] = (ts[m].dt.tz_convert(contract.marketplace(code).tz).dt.tz_localize(None)
                      .astype("datetime64[ns]"))
    return out


def _order_lines(orders: pd.DataFrame) -> pd.DataFrame:
    """Non-cancelled order lines with ``date`` (local day), ``hour`` (local time in hours,
    fractional) and ``units``."""
    _need(orders, [*KEY, "purchase_ts", "quantity"], "orders")
    o = orders
    keep = o["sku"].notna() & o["purchase_ts"].notna() & o["marketplace"].notna()
    for col in ("order_status", "item_status"):
        if col in o:
            st = o[col].astype("string").str.strip().str.lower()
            keep &= ~st.eq("cancelled").fillna(False)
    o = o.loc[keep, [*KEY, "purchase_ts", "quantity"]]
    ts = pd.to_datetime(o["purchase_ts"], utc=True)
    loc = _local_ts(ts, o["marketplace"].astype("string"))
    day = loc.dt.normalize()
    hour = ((loc - day).dt.total_seconds() / 3600.0).to_numpy()
    return o[KEY].assign(date=day.astype("datetime64[ns]"), hour=hour,
                         units=o["quantity"].astype("Float64").fillna(0).astype("int64"))


def _order_units(orders: pd.DataFrame) -> pd.DataFrame:
    """Units of the non-cancelled order lines per SKU and local day (:func:`_order_lines`)."""
    lines = _order_lines(orders)
    return lines.groupby([*KEY, "date"], sort=False, observed=True)["units"].sum().reset_index()


def daily_demand(orders: pd.DataFrame, inventory_history: pd.DataFrame | None = None, *,
                 start=None, end=None, intraday: pd.DataFrame | None = None,
                 profile_prior_units: float = PROFILE_PRIOR_UNITS) -> pd.DataFrame:
    """Daily units per SKU and marketplace-local day, with in-stock and censored flags.

    Parameters
    ----------
    orders : canonical ``orders`` table (All Orders report).
    inventory_history : optional daily on-hand history ``seller_id, marketplace, sku, date,
        on_hand`` (end-of-day fulfillable units), e.g. ``daily_on_hand_from_ledger(ledger)`` or
        ``daily_on_hand(snapshots)``. ``None``: every day in stock.
    start, end : optional first and last local day (inclusive). Default: per SKU from its first
        order or first on-hand day, to the last day seen in the orders or the history of its
        seller and marketplace.
    intraday : optional hourly stock status ``seller_id, marketplace, sku, date, hour,
        in_stock`` (and optionally ``units``, whose fully in-stock days then give the intraday
        profile): for the SKU-days it covers, ``in_stock_share`` comes from it instead of the
        order times.
    profile_prior_units : shrinkage of the intraday profile (:func:`intraday_profile`).

    Returns
    -------
    DataFrame ``seller_id, marketplace, sku, date, units, in_stock, censored,
    in_stock_share``, one row per SKU and day (every calendar day of the SKU's span, zero-sale
    days included), sorted. ``units`` int64; ``in_stock`` = the day closed with stock
    (``on_hand > 0``); ``censored`` = not in stock, or opened with no stock (previous day's
    ``on_hand <= 0``); ``in_stock_share`` (0-1) = the share of the day's usual demand that fell
    in hours with stock (1 on uncensored days; from the order times or ``intraday`` on censored
    ones). See the module docstring for the rules and their sources.

    Example
    -------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
    ...     "quantity": pd.array([3, 2], dtype="Int64"),
    ...     "purchase_ts": pd.to_datetime(["2026-10-01T18:00Z", "2026-10-02T18:00Z"])})
    >>> h = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
    ...     "date": pd.date_range("2026-10-01", periods=4), "on_hand": [2, 0, 0, 5]})
    >>> d = daily_demand(o, h)
    >>> d[["units", "in_stock", "censored"]].values.tolist()
    [[3, True, False], [2, False, True], [0, False, True], [0, True, True]]
    >>> d["in_stock_share"].round(2).tolist()  # sold out after the 11:00 order; no sale later
    [1.0, 0.45, 0.0, 0.0]
    """
    lines = _order_lines(orders)
    units = lines.groupby([*KEY, "date"], sort=False, observed=True)["units"].sum().reset_index()
    frames = [units[[*KEY, "date"]]]
    hist = None
    if inventory_history is not None:
        _need(inventory_history, [*KEY, "date", "on_hand"], "inventory_history")
        hist = inventory_history[[*KEY, "date", "on_hand"]].copy()
        hist["date"] = pd.to_datetime(hist["date"]).astype("datetime64[ns]").dt.normalize()
        hist["on_hand"] = pd.to_numeric(hist["on_hand"], errors="coerce").astype("float64")
        hist = (hist.dropna(subset=["sku", "date"])
                .groupby([*KEY, "date"], sort=False)["on_hand"].sum(min_count=1).reset_index())
        frames.append(hist[[*KEY, "date"]])
    seen = pd.concat(frames, ignore_index=True)
    for c in KEY:
        seen[c] = seen[c].astype("string")
    if seen.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            DAILY_COLUMNS, ["string", "string", "string", "datetime64[ns]", "int64", "bool",
                            "bool", "float64"], strict=True)})
    spans = seen.groupby(KEY, sort=True)["date"].agg(["min", "max"]).reset_index()
    last = seen.groupby(["seller_id", "marketplace"])["date"].max().rename("mp_last")
    spans = spans.merge(last.reset_index(), on=["seller_id", "marketplace"])
    spans["first"] = spans["min"] if start is None else _day(start, "start")
    spans["last"] = spans["mp_last"] if end is None else _day(end, "end")
    spans = spans[spans["last"] >= spans["first"]].reset_index(drop=True)
    n = ((spans["last"] - spans["first"]).dt.days + 1).to_numpy(np.int64)
    rep = np.repeat(np.arange(len(spans)), n)
    offset = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    out = spans.loc[rep, KEY].reset_index(drop=True)
    out["date"] = (spans["first"].to_numpy()[rep]
                   + offset.astype("timedelta64[D]")).astype("datetime64[ns]")
    for c in KEY:
        units[c] = units[c].astype("string")
    out = out.merge(units, on=[*KEY, "date"], how="left")
    out["units"] = out["units"].fillna(0).astype("int64")
    opened_out = closed_out = np.zeros(len(out), bool)
    if hist is not None:
        for c in KEY:
            hist[c] = hist[c].astype("string")
        out = out.merge(hist, on=[*KEY, "date"], how="left")
        oh = out["on_hand"].to_numpy(dtype="float64")
        same = np.r_[False, (out[KEY].iloc[1:].to_numpy() == out[KEY].iloc[:-1].to_numpy())
                     .all(axis=1)] if len(out) else np.zeros(0, bool)
        prev = np.r_[np.nan, oh[:-1]] if len(out) else oh
        prev = np.where(same, prev, np.nan)
        closed_out = oh <= 0          # NaN compares False: unknown = in stock
        opened_out = prev <= 0
        out["in_stock"] = ~closed_out
        out["censored"] = closed_out | opened_out
        out = out.drop(columns="on_hand")
    else:
        out["in_stock"] = True
        out["censored"] = False
    out["in_stock_share"] = _share_from_orders(out, lines, opened_out, closed_out,
                                               profile_prior_units)
    if intraday is not None and len(intraday):
        src = intraday
        if "units" not in src:
            src = None
        prof = intraday_profile(src if src is not None else _lines_hourly(lines, out),
                                prior_units=profile_prior_units)
        sh = in_stock_share(intraday, prof)
        for c in KEY:
            sh[c] = sh[c].astype("string")
        sh["date"] = pd.to_datetime(sh["date"]).astype("datetime64[ns]")
        m = out[[*KEY, "date"]].merge(sh, on=[*KEY, "date"], how="left")["in_stock_share"]
        out["in_stock_share"] = np.where(m.notna(), m.to_numpy(dtype=float),
                                         out["in_stock_share"].to_numpy())
    out = out[DAILY_COLUMNS].astype({"in_stock": "bool", "censored": "bool",
                                     "in_stock_share": "float64"})
    return out.sort_values([*KEY, "date"], kind="stable").reset_index(drop=True)


def _lines_hourly(lines: pd.DataFrame, daily: pd.DataFrame) -> pd.DataFrame:
    """Order lines with the day's stock state, for :func:`intraday_profile`."""
    for c in KEY:
        lines[c] = lines[c].astype("string")
    flag = daily[[*KEY, "date", "censored"]]
    m = lines.merge(flag, on=[*KEY, "date"], how="left")
    return m.assign(day_in_stock=~m["censored"].fillna(False).astype(bool))


def _share_from_orders(out: pd.DataFrame, lines: pd.DataFrame, opened_out, closed_out,
                       prior_units: float) -> np.ndarray:
    """In-stock share of each day from the first / last order time (module docstring)."""
    share = np.where(out["censored"].to_numpy(bool), 0.0, 1.0)
    cens = out["censored"].to_numpy(bool)
    if not cens.any() or lines.empty:
        return share
    prof = intraday_profile(_lines_hourly(lines, out), prior_units=prior_units)
    t = lines.groupby([*KEY, "date"], sort=False, observed=True)["hour"].agg(["min", "max"])
    t = t.reset_index()
    for c in KEY:
        t[c] = t[c].astype("string")
    m = out.loc[cens, [*KEY, "date"]].merge(t, on=[*KEY, "date"], how="left")
    has = m["min"].notna().to_numpy()
    mps = sorted(pd.unique(out["marketplace"].astype("string").dropna()))
    cube = _profile_cube(prof, mps)
    code = {mp: i for i, mp in enumerate(mps)}
    mi = m["marketplace"].astype("string").map(code).to_numpy(dtype=np.int64)
    wd = pd.DatetimeIndex(m["date"]).day_of_week.to_numpy()
    c_first = _cum_at(cube, mi, wd, m["min"].to_numpy(dtype=float))
    c_last = _cum_at(cube, mi, wd, m["max"].to_numpy(dtype=float))
    op, cl = np.asarray(opened_out)[cens], np.asarray(closed_out)[cens]
    val = np.select([~op & cl, op & ~cl, op & cl],
                    [c_last, 1.0 - c_first, c_last - c_first], 1.0)
    share[cens] = np.where(has, np.clip(val, 0.0, 1.0), 0.0)
    return share


def intraday_profile(hourly: pd.DataFrame, *, prior_units: float = PROFILE_PRIOR_UNITS
                     ) -> pd.DataFrame:
    """Share of a day's demand per local hour, per marketplace and weekday.

    ``hourly``: ``marketplace, sku, date, hour, units`` (``hour`` 0-23, or fractional hours
    from order times) and optionally ``in_stock`` (per hour) or ``day_in_stock`` (the whole
    day; default True). Only SKU-days in stock in every hour count (a sell-out hour would bend
    the profile). Per marketplace and weekday ``w``: ``p_w(h) = units in hour h / units``,
    shrunk toward the marketplace's all-week profile ``p(h)`` with weight ``U_w / (U_w + k)``,
    and ``p(h)`` toward flat (1/24) with ``U / (U + k)``; ``k = prior_units``.

    Returns ``marketplace, weekday, hour, share`` (24 rows per marketplace and weekday,
    summing to 1).

    Example
    -------
    >>> h = pd.DataFrame({"marketplace": "US", "sku": "A", "hour": [9, 10],
    ...     "date": pd.Timestamp("2026-10-05"), "units": [300, 100]})
    >>> p = intraday_profile(h, prior_units=0.0)
    >>> p[(p["weekday"] == 0) & p["hour"].isin([9, 10])]["share"].round(3).tolist()
    [0.75, 0.25]
    """
    _need(hourly, ["marketplace", "date", "hour", "units"], "hourly")
    h = hourly
    ok = pd.Series(True, index=h.index)
    if "in_stock" in h:
        day_ok = h.groupby([c for c in (*KEY, "date") if c in h], sort=False)["in_stock"] \
            .transform("all").astype(bool)
        ok &= day_ok
    if "day_in_stock" in h:
        ok &= h["day_in_stock"].astype(bool)
    h = h.loc[ok & h["hour"].notna()]
    mps = sorted(pd.unique(hourly["marketplace"].astype("string").dropna()))
    rows = []
    hr = np.clip(np.floor(h["hour"].to_numpy(dtype=float)), 0, 23).astype(np.int64)
    wd = pd.DatetimeIndex(h["date"]).day_of_week.to_numpy()
    u = pd.to_numeric(h["units"]).to_numpy(dtype=float)
    mpv = h["marketplace"].astype("string").to_numpy()
    flat = np.full(24, 1 / 24)
    for mp in mps:
        sel = mpv == mp
        by = np.zeros((7, 24))
        np.add.at(by, (wd[sel], hr[sel]), np.maximum(u[sel], 0))
        tot = by.sum(1)
        allw = by.sum(0)
        U = allw.sum()
        pool = allw / U if U > 0 else flat
        w = U / (U + prior_units) if U + prior_units > 0 else 0.0
        pool = w * pool + (1 - w) * flat
        for d in range(7):
            raw = by[d] / tot[d] if tot[d] > 0 else pool
            wd_w = tot[d] / (tot[d] + prior_units) if tot[d] + prior_units > 0 else 0.0
            prof = wd_w * raw + (1 - wd_w) * pool
            rows.append(pd.DataFrame({"marketplace": mp, "weekday": d, "hour": np.arange(24),
                                      "share": prof / prof.sum()}))
    if not rows:
        return pd.DataFrame({"marketplace": pd.Series(dtype="string"),
                             "weekday": pd.Series(dtype="int64"),
                             "hour": pd.Series(dtype="int64"),
                             "share": pd.Series(dtype="float64")})
    out = pd.concat(rows, ignore_index=True)
    out["marketplace"] = out["marketplace"].astype("string")
    return out


def _profile_cube(profile: pd.DataFrame, mps) -> np.ndarray:
    """(len(mps), 7, 25) cumulative profile: cum[..., h] = share of the day before hour h."""
    cube = np.tile(np.r_[0.0, np.cumsum(np.full(24, 1 / 24))], (len(mps), 7, 1))
    if profile is None or profile.empty:
        return cube
    for i, mp in enumerate(mps):
        p = profile[profile["marketplace"] == mp]
        if p.empty:
            continue
        m = np.zeros((7, 24))
        m[p["weekday"].to_numpy(), p["hour"].to_numpy()] = p["share"].to_numpy(dtype=float)
        cube[i] = np.concatenate([np.zeros((7, 1)), np.cumsum(m, 1)], 1)
    return cube


def _cum_at(cube: np.ndarray, mp_idx: np.ndarray, wd: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Cumulative profile share at local time ``t`` (hours), linear within the hour."""
    t = np.clip(np.nan_to_num(t, nan=0.0), 0, 24)
    h0 = np.minimum(np.floor(t).astype(np.int64), 23)
    lo = cube[mp_idx, wd, h0]
    hi = cube[mp_idx, wd, h0 + 1]
    return lo + (hi - lo) * (t - h0)


def in_stock_share(hourly: pd.DataFrame, profile: pd.DataFrame) -> pd.DataFrame:
    """Share of each SKU-day's demand profile that fell in in-stock hours.

    ``hourly``: ``seller_id, marketplace, sku, date, hour, in_stock`` (hour 0-23; an hour
    missing from the table counts as in stock). ``profile``: :func:`intraday_profile`.
    ``in_stock_share = sum_h profile(marketplace, weekday, h) * in_stock_h``.

    Returns ``seller_id, marketplace, sku, date, in_stock_share``.

    Example
    -------
    >>> prof = pd.DataFrame({"marketplace": "US", "weekday": np.repeat(np.arange(7), 24),
    ...                      "hour": np.tile(np.arange(24), 7), "share": 1 / 24})
    >>> h = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
    ...     "date": pd.Timestamp("2026-10-05"), "hour": np.arange(24),
    ...     "in_stock": np.arange(24) < 18})
    >>> in_stock_share(h, prof)["in_stock_share"].round(6).tolist()
    [0.75]
    """
    _need(hourly, [*KEY, "date", "hour", "in_stock"], "hourly")
    h = hourly[[*KEY, "date", "hour", "in_stock"]].copy()
    mps = sorted(pd.unique(h["marketplace"].astype("string").dropna()))
    cube = _profile_cube(profile, mps)
    dens = np.diff(cube, axis=2)                           # (mp, 7, 24)
    code = {m: i for i, m in enumerate(mps)}
    mi = h["marketplace"].astype("string").map(code).to_numpy(dtype=np.int64)
    wd = pd.DatetimeIndex(h["date"]).day_of_week.to_numpy()
    hr = np.clip(h["hour"].to_numpy(dtype=np.int64), 0, 23)
    out_w = dens[mi, wd, hr] * (~h["in_stock"].astype(bool).to_numpy())
    h["_lost"] = out_w
    g = h.groupby([*KEY, "date"], sort=True, observed=True)["_lost"].sum().reset_index()
    g["in_stock_share"] = np.clip(1.0 - g["_lost"].to_numpy(), 0.0, 1.0)
    return g.drop(columns="_lost")


def stockout_episodes(daily: pd.DataFrame, *, baseline_days: int = 56) -> pd.DataFrame:
    """Stockout episodes: maximal runs of consecutive days that closed with no stock.

    A run of days with ``in_stock == False`` in :func:`daily_demand` output is one episode
    (the sample generator's and Amazon's definition: end-of-day fulfillable stock 0).

    ``units_lost_est`` = baseline velocity x length - units sold in the episode (>= 0), with the
    baseline velocity = units / day over the *uncensored* days among the ``baseline_days``
    calendar days before the episode (the in-stock-adjusted velocity of forecasting.md §3.3;
    when there is none there, the uncensored days after the episode in the same window
    length; else 0). It excludes the post-stockout rank loss (not observable from sales alone).

    Returns
    -------
    DataFrame ``seller_id, marketplace, sku, start, end, length_days, units_lost_est, ongoing``
    (``ongoing``: the episode reaches the SKU's last day in ``daily``).

    Example
    -------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
    ...     "date": pd.date_range("2026-10-01", periods=6), "units": [2, 2, 1, 0, 0, 2],
    ...     "in_stock": [True, True, False, False, True, True]})
    >>> d["censored"] = ~d["in_stock"]
    >>> stockout_episodes(d)[["start", "length_days", "units_lost_est"]].values.tolist()
    [[Timestamp('2026-10-03 00:00:00'), 2, 3.0]]
    """
    _need(daily, [*KEY, "date", "units", "in_stock"], "daily")
    d = daily.sort_values([*KEY, "date"], kind="stable").reset_index(drop=True)
    cens = (d["censored"] if "censored" in d else ~d["in_stock"]).to_numpy(bool)
    out_mask = ~d["in_stock"].to_numpy(bool)
    units = d["units"].to_numpy(dtype="float64")
    grp = d.groupby(KEY, sort=False).ngroup().to_numpy()
    n = len(d)
    cols = [*KEY, "start", "end", "length_days", "units_lost_est", "ongoing"]
    if n == 0 or not out_mask.any():
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(cols, [
            "string", "string", "string", "datetime64[ns]", "datetime64[ns]", "int64",
            "float64", "bool"], strict=True)})
    dates = d["date"].to_numpy("datetime64[D]")
    newgrp = np.r_[True, grp[1:] != grp[:-1]]
    gap = np.r_[False, (dates[1:] - dates[:-1]).astype(np.int64) != 1]
    prev_out = np.r_[False, out_mask[:-1]] & ~newgrp & ~gap
    starts = np.flatnonzero(out_mask & ~prev_out)
    next_out = np.r_[out_mask[1:], False] & np.r_[~newgrp[1:], False] & np.r_[~gap[1:], False]
    ends = np.flatnonzero(out_mask & ~next_out)
    sold = np.r_[0.0, np.cumsum(units)]
    ok = ~cens
    cu = np.r_[0.0, np.cumsum(units * ok)]
    cn = np.r_[0, np.cumsum(ok)]
    gstart = np.flatnonzero(newgrp)[np.searchsorted(np.flatnonzero(newgrp), starts,
                                                    side="right") - 1]
    gend = np.r_[np.flatnonzero(newgrp)[1:], n][np.searchsorted(np.flatnonzero(newgrp),
                                                                 starts, side="right") - 1]
    lo = np.maximum(gstart, starts - baseline_days)
    b_units, b_days = cu[starts] - cu[lo], cn[starts] - cn[lo]
    hi = np.minimum(gend, ends + 1 + baseline_days)
    a_units, a_days = cu[hi] - cu[ends + 1], cn[hi] - cn[ends + 1]
    rate = np.where(b_days > 0, b_units / np.maximum(b_days, 1),
                    np.where(a_days > 0, a_units / np.maximum(a_days, 1), 0.0))
    length = ends - starts + 1
    lost = np.maximum(rate * length - (sold[ends + 1] - sold[starts]), 0.0)
    res = d.loc[starts, KEY].reset_index(drop=True)
    res["start"] = d["date"].to_numpy()[starts]
    res["end"] = d["date"].to_numpy()[ends]
    res["length_days"] = length.astype(np.int64)
    res["units_lost_est"] = np.round(lost, 2)
    res["ongoing"] = ends == gend - 1
    return res[cols]


def demand_classes(daily: pd.DataFrame, *, adi_cutoff: float = ADI_CUTOFF,
                   cv2_cutoff: float = CV2_CUTOFF) -> pd.DataFrame:
    """Syntetos-Boylan demand class per SKU from uncensored days only.

    * ``adi`` (average inter-demand interval) = uncensored days / uncensored days with
      demand (so censored days neither count as zero-demand days nor advance the clock);
    * ``cv2`` = (sd / mean)^2 of the non-zero daily demand sizes (sd with ddof=1 as in R's
      ``tsintermittent::idclass``; 0 when fewer than two demands);
    * class: ``smooth`` (ADI <= cut-off, CV2 <= cut-off), ``erratic`` (ADI <=, CV2 >),
      ``intermittent`` (ADI >, CV2 <=), ``lumpy`` (ADI >, CV2 >); cut-offs 1.32 and 0.49
      (Syntetos, Boylan & Croston 2005, JORS 56:495-503). A SKU with no demand on an
      uncensored day gets ``adi = inf`` and class ``no_demand``.

    Returns
    -------
    DataFrame ``seller_id, marketplace, sku, n_days, n_demand_days, adi, cv2, mean_size,
    mean_daily, class`` (``mean_daily`` = units per uncensored day).

    Example
    -------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
    ...     "date": pd.date_range("2026-10-01", periods=4), "units": [0, 4, 0, 4],
    ...     "in_stock": True, "censored": False})
    >>> demand_classes(d)[["adi", "cv2", "class"]].values.tolist()
    [[2.0, 0.0, 'intermittent']]
    """
    _need(daily, [*KEY, "units"], "daily")
    cens = (daily["censored"] if "censored" in daily else
            ~daily["in_stock"] if "in_stock" in daily else
            pd.Series(False, index=daily.index)).to_numpy(bool)
    d = daily.loc[~cens, KEY].copy()
    y = daily.loc[~cens, "units"].to_numpy(dtype="float64")
    d["y"] = y
    d["nz"] = y > 0
    d["ynz"] = np.where(y > 0, y, np.nan)
    g = d.groupby(KEY, sort=True)
    res = pd.DataFrame({"n_days": g.size(), "n_demand_days": g["nz"].sum(),
                        "mean_size": g["ynz"].mean(), "sd_size": g["ynz"].std(ddof=1),
                        "mean_daily": g["y"].mean()})
    all_keys = daily[KEY].drop_duplicates().set_index(KEY).index
    res = res.reindex(all_keys.sort_values())
    res["n_days"] = res["n_days"].fillna(0).astype(np.int64)
    res["n_demand_days"] = res["n_demand_days"].fillna(0).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        res["adi"] = np.where(res["n_demand_days"] > 0,
                              res["n_days"] / res["n_demand_days"].clip(lower=1), np.inf)
        res["cv2"] = ((res["sd_size"] / res["mean_size"]) ** 2).fillna(0.0)
    hi_adi = res["adi"] > adi_cutoff
    hi_cv = res["cv2"] > cv2_cutoff
    cls = np.select([~hi_adi & ~hi_cv, ~hi_adi & hi_cv, hi_adi & ~hi_cv],
                    ["smooth", "erratic", "intermittent"], "lumpy")
    res["class"] = np.where(res["n_demand_days"] > 0, cls, "no_demand")
    res["mean_daily"] = res["mean_daily"].fillna(0.0)
    res = res.reset_index()
    for c in KEY:
        res[c] = res[c].astype("string")
    res["class"] = res["class"].astype("string")
    return res[[*KEY, "n_days", "n_demand_days", "adi", "cv2", "mean_size", "mean_daily",
                "class"]]


__all__ = ["ADI_CUTOFF", "CV2_CUTOFF", "DAILY_COLUMNS", "daily_demand", "demand_classes",
           "stockout_episodes"]
