"""Sales recovery after a stockout, and the ad budget that would close the gap.

When an FBA listing runs out of stock it loses sales rank; after the restock its sales often
start below the pre-stockout level and climb back over days or weeks (forecasting.md §5.6:
Anderson, Fitzsimons & Simester 2006 and Jing & Lewis 2011 show lasting costs of stockouts;
Amazon-specific evidence is anecdotal, e.g. EcomCrew: ranks "almost always recover ... within
four weeks"). This module measures that on the seller's own episodes and turns it into a
week-by-week extra-ad-budget plan.

Inputs (canonical tables; nothing here reads a file or the clock)
-----------------------------------------------------------------
* ``daily``: ``seller_id, marketplace, sku, date, units, in_stock, censored`` — the output of
  :func:`postship_analysis.demand.daily_demand` (All Orders report + Inventory Ledger);
* ``episodes``: ``seller_id, marketplace, sku, start, end, length_days`` (``ongoing``
  optional) — :func:`postship_analysis.demand.stockout_episodes`;
* ``ads`` (optional): the canonical ``ads`` table; its advertised-product rows give the
  ad-attributed units per SKU and day (organic = total - ad units) and each SKU's CPC and CVR
  (:func:`postship_analysis.ads.ad_metrics` by ``advertised_sku``).

Model (per episode; day ``k = 0`` is the first day back in stock, the day after ``end``)
------------------------------------------------------------------------------------------
* seasonality index ``I_t`` = the marketplace's total units sold on day t / its mean over all
  days (so a Q4 peak after the restock is not read as recovery);
* baseline ``b`` = units / sum of ``I`` over the uncensored days among the ``baseline_days``
  (28) days before the stockout; expected units ``E_t = b * I_t``;
* ramp: ``units_t ~ E_t * m_k`` with ``m_k = m0 + (1 - m0) * min(k / R, 1)``: sales restart at
  ``m0`` of baseline and climb linearly back to it in ``R`` days. ``deficit = 1 - m0``;
  ``recovery_days = R``. Fitted by weighted least squares (weights ``1 / E_t``, the Poisson
  variance): for each ``R`` on a grid ``1..max_recovery_days`` the best ``m0`` has the closed
  form ``m0 = sum((u - E g)(1 - g)) / sum(E (1 - g)^2)`` (``g = min(k / R, 1)``), clipped to
  [0, 1]; the ``R`` with the smallest weighted SSE wins (grid search). Censored days (the
  restock day, which opened with no stock, and anything from the next stockout on) are left
  out.
* across episodes: weighted regressions (statsmodels WLS, weights = expected units in the
  fitting window) of deficit and recovery days on stockout length, with confidence intervals;
  and one pooled ramp over all episodes (sums, so slow movers with a unit a week still count).

Budget (:func:`budget_plan`): the extra ad-driven units that lift the natural ramp to one that
reaches baseline within ``target_days``, converted with the SKU's own ``CPC`` and ``CVR``
(clicks = units / (CVR x units per order); cost = clicks x CPC). Assumption stated in the
output: extra ad units add one for one to sales at the SKU's recent CPC (``cpc_uplift`` lets the
user price in a dearer auction) and do not change the organic ramp.

The sellers' rule of thumb "out of stock more than 7 days needs about 37 % more ad budget" is
**unverified** (forecasting.md §5.6: no source found). It is reported beside the seller's own
estimate and used only as a prior when fewer than ``min_episodes`` episodes were fitted; every
plan row says which basis it used.

Example
-------
>>> import numpy as np
>>> m = ramp(np.arange(6), m0=0.6, recovery_days=4)
>>> m.round(2).tolist()
[0.6, 0.7, 0.8, 0.9, 1.0, 1.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ads import RULE_OF_THUMB_EXTRA, RULE_OF_THUMB_MIN_DAYS, ad_metrics, shrink
from .errors import ParameterError
from .kpi import KPI

KEY = ["seller_id", "marketplace", "sku"]
EP_KEY = [*KEY, "start"]
DAY = pd.Timedelta(days=1)

#: baseline window before the stockout, days (4 weeks: a whole number of weeks)
BASELINE_DAYS = 28
#: days after the restock that are looked at (longer than EcomCrew's "within four weeks")
HORIZON_DAYS = 42
#: fewer fitted episodes than this: the rule of thumb is blended in as a prior
MIN_EPISODES = 8


def _need(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ParameterError(f"{what} lacks column(s) {missing}; expected {list(cols)}")


def _norm_keys(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in KEY:
        if c in df:
            df[c] = df[c].astype("string")
    return df


def ramp(k, m0, recovery_days):
    """Demand multiplier ``m0 + (1 - m0) * min(k / R, 1)`` on day ``k`` after the restock
    (``R <= 0``: 1 from day 0). Broadcasts over arrays."""
    k = np.asarray(k, dtype="float64")
    r = np.asarray(recovery_days, dtype="float64")
    g = np.where(r > 0, np.minimum(k / np.where(r > 0, r, 1.0), 1.0), 1.0)
    return m0 + (1 - np.asarray(m0, dtype="float64")) * g


def marketplace_index(daily: pd.DataFrame, exclude=None) -> pd.DataFrame:
    """Daily seasonality index per seller and marketplace from the SKUs that sold normally.

    ``index_t = sum_s u_{s,t} / sum_s mean_s`` over the SKU-days kept (not censored, not in
    ``exclude``), ``mean_s`` = the SKU's mean daily units over its kept days; then scaled to
    average 1 over the marketplace's days. Leaving out censored days and the days after a
    restock (``exclude``) keeps stockouts and recoveries themselves out of the "season" (if
    many SKUs ran out together, a plain total would fall with them and hide the deficit). A
    day with no kept SKU gets 1.

    Returns ``seller_id, marketplace, date, total_units, index`` (``total_units``: all units
    sold that day).

    Example: one SKU with 10, 20, 30 units -> index 0.5, 1.0, 1.5.
    """
    _need(daily, [*KEY, "date", "units"], "daily")
    d = _norm_keys(daily)
    keep = np.ones(len(d), bool)
    if "censored" in d:
        keep &= ~d["censored"].astype(bool).to_numpy()
    if exclude is not None:
        keep &= ~np.asarray(exclude, dtype=bool)
    u = d["units"].astype("float64")
    ms = u.where(keep).groupby([d[c] for c in KEY]).transform("mean")
    mp = ["seller_id", "marketplace", "date"]
    t = pd.DataFrame({"total_units": u.groupby([d[c] for c in mp]).sum(),
                      "num": u.where(keep, 0.0).groupby([d[c] for c in mp]).sum(),
                      "den": ms.where(keep, 0.0).fillna(0.0).groupby([d[c] for c in mp]).sum()}
                     ).reset_index()
    raw = (t["num"] / t["den"].where(t["den"] > 0)).astype("float64")
    mean = raw.groupby([t["seller_id"], t["marketplace"]]).transform("mean")
    t["index"] = (raw / mean.where(mean > 0)).fillna(1.0)
    return t[[*mp, "total_units", "index"]]


def ad_units_by_day(ads: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ad-attributed units per advertised SKU and day, and the days each marketplace's ads
    cover.

    From the ``advertised_product`` rows of ``ads`` (daily rows; a multi-day row is assigned to
    its ``start_date``). Returns ``(units, coverage)``: ``seller_id, marketplace, sku, date,
    ad_units`` and ``seller_id, marketplace, ads_first, ads_last``. Outside the coverage the
    organic share is unknown (``NaN``), not assumed 100 %.
    """
    ucols = [*KEY, "date", "ad_units"]
    ccols = ["seller_id", "marketplace", "ads_first", "ads_last"]
    if ads is None or len(ads) == 0:
        return pd.DataFrame(columns=ucols), pd.DataFrame(columns=ccols)
    a = ads[ads["report_level"] == "advertised_product"]
    if a.empty:
        return pd.DataFrame(columns=ucols), pd.DataFrame(columns=ccols)
    a = _norm_keys(a.rename(columns={"advertised_sku": "sku"}))
    a = a.assign(date=a["start_date"].astype("datetime64[ns]"),
                 ad_units=a["units"].astype("Float64").fillna(0).astype("float64"))
    u = a.groupby([*KEY, "date"], sort=True)["ad_units"].sum().reset_index()
    cov = (a.groupby(["seller_id", "marketplace"])
           .agg(ads_first=("start_date", "min"), ads_last=("end_date", "max")).reset_index())
    return u, cov


def episode_curves(daily: pd.DataFrame, episodes: pd.DataFrame, ads: pd.DataFrame | None = None,
                   *, baseline_days: int = BASELINE_DAYS, horizon_days: int = HORIZON_DAYS,
                   seasonality: bool = True) -> pd.DataFrame:
    """Sales after each restock against the pre-stockout baseline, day by day.

    Parameters
    ----------
    daily : ``daily_demand`` output (see the module docstring).
    episodes : ``seller_id, marketplace, sku, start, end, length_days`` (``ongoing`` optional;
        ongoing episodes have no "after" and are skipped).
    ads : optional ``ads`` table for the organic split (organic units = units - ad-attributed
        units of the advertised SKU, clipped at 0; ``NaN`` on days outside the ads coverage).
    baseline_days : days before ``start`` whose uncensored days form the baseline.
    horizon_days : days after the restock (``k = 0 .. horizon_days - 1``).
    seasonality : scale the baseline by the marketplace index (:func:`marketplace_index`);
        ``False`` uses a flat baseline (a seller with one or two SKUs, whose total is the SKU).

    Returns
    -------
    One row per episode and day after the restock: ``seller_id, marketplace, sku, start, end,
    length_days, day_after, date, units, organic_units, index, expected_units,
    expected_organic, used`` (``used``: the day enters the fits — it exists, is not censored
    and comes before any later stockout), plus per-episode ``baseline_per_day``,
    ``baseline_organic_per_day`` (units / day at index 1) and ``baseline_days_used``.

    Example: baseline 2 units/day at index 1, a post day with index 1.5 -> expected 3 units.
    """
    _need(daily, [*KEY, "date", "units", "in_stock"], "daily")
    _need(episodes, [*KEY, "start", "end", "length_days"], "episodes")
    if baseline_days < 1 or horizon_days < 2:
        raise ParameterError("baseline_days must be >= 1 and horizon_days >= 2")
    d = _norm_keys(daily)
    d["date"] = pd.to_datetime(d["date"]).astype("datetime64[ns]")
    if "censored" not in d:
        d["censored"] = ~d["in_stock"].astype(bool)
    d["censored"] = d["censored"].astype(bool)
    ep = _norm_keys(episodes)
    ep["start"] = pd.to_datetime(ep["start"]).astype("datetime64[ns]")
    ep["end"] = pd.to_datetime(ep["end"]).astype("datetime64[ns]")
    if "ongoing" in ep:
        ep = ep[~ep["ongoing"].astype("boolean").fillna(False).astype(bool)]
    ep = ep[[*KEY, "start", "end", "length_days"]].drop_duplicates(EP_KEY).reset_index(drop=True)
    if seasonality:
        # leave every episode's post-restock days out of the index
        n = len(ep) * horizon_days
        pw = ep.loc[np.repeat(np.arange(len(ep)), horizon_days), KEY].reset_index(drop=True)
        pw["date"] = (np.repeat(ep["end"].to_numpy(), horizon_days)
                      + pd.to_timedelta(np.tile(np.arange(1, horizon_days + 1), len(ep)),
                                        unit="D")) if n else pd.Series(dtype="datetime64[ns]")
        rec = d[[*KEY, "date"]].merge(pw.drop_duplicates().assign(_r=True), how="left",
                                      on=[*KEY, "date"])["_r"].notna().to_numpy()
        idx = marketplace_index(d, exclude=rec)[["seller_id", "marketplace", "date", "index"]]
    else:
        idx = d[["seller_id", "marketplace", "date"]].drop_duplicates().assign(index=1.0)
    au, cov = ad_units_by_day(ads)
    d = d.merge(idx, on=["seller_id", "marketplace", "date"], how="left")
    d = d.merge(au, on=[*KEY, "date"], how="left") if len(au) else d.assign(ad_units=np.nan)
    if len(cov):
        d = d.merge(cov, on=["seller_id", "marketplace"], how="left")
        covered = (d["date"] >= d["ads_first"]) & (d["date"] <= d["ads_last"])
        covered = covered.fillna(False).astype(bool)
    else:
        covered = pd.Series(False, index=d.index)
    ad_u = d["ad_units"].astype("float64").fillna(0.0)
    d["organic_units"] = np.where(covered, np.maximum(d["units"] - ad_u, 0.0), np.nan)
    d = d[[*KEY, "date", "units", "organic_units", "censored", "index"]]

    def window(offsets, anchor):
        n = len(offsets)
        rep = np.repeat(np.arange(len(ep)), n)
        w = ep.loc[rep, [*KEY, "start", "end", "length_days"]].reset_index(drop=True)
        w["day_after"] = np.tile(offsets, len(ep))
        w["date"] = ep[anchor].to_numpy()[rep] + pd.to_timedelta(w["day_after"], unit="D")
        return w.merge(d, on=[*KEY, "date"], how="left")

    base = window(np.arange(-baseline_days, 0), "start")
    ok = base["units"].notna() & ~base["censored"].astype("boolean").fillna(True).astype(bool)
    base = base[ok]
    g = base.groupby(EP_KEY, sort=False)
    org_ok = base["organic_units"].notna()
    bsum = pd.DataFrame({
        "b_units": g["units"].sum(), "b_index": g["index"].sum(),
        "baseline_days_used": g.size(),
        "bo_units": base[org_ok].groupby(EP_KEY, sort=False)["organic_units"].sum(),
        "bo_index": base[org_ok].groupby(EP_KEY, sort=False)["index"].sum(),
        "bo_days": base[org_ok].groupby(EP_KEY, sort=False).size()}).reset_index()
    bsum["baseline_per_day"] = bsum["b_units"] / bsum["b_index"].where(bsum["b_index"] > 0)
    # the organic baseline needs ads coverage on at least half the baseline days
    enough = bsum["bo_days"].fillna(0) >= 0.5 * bsum["baseline_days_used"]
    bsum["baseline_organic_per_day"] = (bsum["bo_units"] / bsum["bo_index"]).where(enough)

    post = window(np.arange(1, horizon_days + 1), "end")   # dates end + 1 .. end + H
    post["day_after"] = post["day_after"] - 1                # the day after `end` is k = 0
    post = post.sort_values([*EP_KEY, "day_after"], kind="stable").reset_index(drop=True)
    exists = post["units"].notna().to_numpy()
    cens = post["censored"].astype("boolean").fillna(True).to_numpy(bool)
    # stop at the next stockout: censored days after k = 0 cut the rest of the curve
    stop = (cens & (post["day_after"].to_numpy() > 0)) | ~exists
    eid = post.groupby(EP_KEY, sort=False).ngroup().to_numpy()
    cut = pd.Series(stop).groupby(eid).cummax().to_numpy(bool)
    post["used"] = exists & ~cens & ~cut
    post = post.merge(bsum[[*EP_KEY, "baseline_per_day", "baseline_organic_per_day",
                            "baseline_days_used"]], on=EP_KEY, how="left")
    post["baseline_days_used"] = post["baseline_days_used"].fillna(0).astype("int64")
    post["units"] = post["units"].astype("float64")
    post["expected_units"] = post["baseline_per_day"] * post["index"]
    post["expected_organic"] = post["baseline_organic_per_day"] * post["index"]
    post["used"] &= post["expected_units"].notna().to_numpy()
    return post[[*KEY, "start", "end", "length_days", "day_after", "date", "units",
                 "organic_units", "index", "expected_units", "expected_organic", "used",
                 "baseline_per_day", "baseline_organic_per_day", "baseline_days_used"]]


def _ramp_grid(U: np.ndarray, E: np.ndarray, k: np.ndarray, max_r: int):
    """Weighted LS ramp fit on (n, K) arrays (unused days: E = 0, U = 0).

    Returns m0 (n,), R (n,), weighted SSE (n,). Weights 1 / E; for each R the closed-form m0
    is clipped to [0, 1]; ties go to the smallest R; no deficit (m0 = 1) gives R = 0.
    """
    rg = np.arange(1, max_r + 1, dtype="float64")
    g = np.minimum(k[None, None, :] / rg[None, :, None], 1.0)          # (1, nR, K)
    Ew = E[:, None, :]
    Uw = U[:, None, :]
    a = (Ew * (1 - g) ** 2).sum(-1)                                      # (n, nR)
    b = ((Uw - Ew * g) * (1 - g)).sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        m0 = np.clip(np.where(a > 0, b / a, 1.0), 0.0, 1.0)
        fit = Ew * (g + m0[:, :, None] * (1 - g))
        sse = np.where(Ew > 0, (Uw - fit) ** 2 / np.where(Ew > 0, Ew, 1.0), 0.0).sum(-1)
    best = np.argmin(np.round(sse, 9), axis=1)
    rows = np.arange(len(U))
    m0b, rb = m0[rows, best], rg[best]
    rb = np.where(m0b >= 1.0 - 1e-12, 0.0, rb)
    return m0b, rb, sse[rows, best]


def _arrays(curves: pd.DataFrame, keys, window_days: int):
    c = curves[curves["used"] & (curves["day_after"] < window_days)]
    gid = c.groupby(keys, sort=True).ngroup().to_numpy()
    n = int(gid.max()) + 1 if len(c) else 0
    U = np.zeros((n, window_days))
    E = np.zeros((n, window_days))
    kk = c["day_after"].to_numpy(np.int64)
    np.add.at(U, (gid, kk), c["units"].to_numpy("float64"))
    np.add.at(E, (gid, kk), c["expected_units"].to_numpy("float64"))
    return c, gid, U, E


def fit_episodes(curves: pd.DataFrame, *, window_days: int = HORIZON_DAYS,
                 max_recovery_days: int = 35, min_expected_units: float = 5.0
                 ) -> pd.DataFrame:
    """Per episode: sales after the restock against baseline, and the fitted ramp.

    Over the used days among the first ``window_days`` after the restock:
    ``sales_ratio`` = units / expected units, ``organic_ratio`` = organic units / expected
    organic units (days with a known organic split), ``lost_units`` = expected - units;
    ``deficit`` = 1 - m0 and ``recovery_days`` = R of the ramp fitted by grid search (module
    docstring). ``informative`` = expected units >= ``min_expected_units`` (below that the
    ramp is mostly noise; such episodes still count in the pooled fit).

    Returns ``seller_id, marketplace, sku, start, end, length_days, baseline_per_day,
    baseline_organic_per_day, days_used, units, expected_units, sales_ratio, organic_units,
    expected_organic, organic_ratio, lost_units, m0, deficit, recovery_days, wsse,
    informative``.

    Example: expected 2/day for 10 days, sold 1, 1.2, ..., 2 (m0 = 0.5, R = 5) -> deficit 0.5,
    recovery_days 5.
    """
    if max_recovery_days >= window_days:
        max_recovery_days = window_days - 1
    c, gid, U, E = _arrays(curves, EP_KEY, window_days)
    info = (curves.groupby(EP_KEY, sort=True)
            .agg(end=("end", "first"), length_days=("length_days", "first"),
                 baseline_per_day=("baseline_per_day", "first"),
                 baseline_organic_per_day=("baseline_organic_per_day", "first"))
            .reset_index())
    sums = c.assign(both=c["organic_units"].notna() & c["expected_organic"].notna())
    s = sums.groupby(EP_KEY, sort=True).agg(
        days_used=("units", "size"), units=("units", "sum"),
        expected_units=("expected_units", "sum")).reset_index()
    so = sums[sums["both"]].groupby(EP_KEY, sort=True).agg(
        organic_units=("organic_units", "sum"),
        expected_organic=("expected_organic", "sum")).reset_index()
    out = info.merge(s, on=EP_KEY, how="left").merge(so, on=EP_KEY, how="left")
    out["days_used"] = out["days_used"].fillna(0).astype("int64")
    for col in ("units", "expected_units"):
        out[col] = out[col].fillna(0.0)
    out["sales_ratio"] = out["units"] / out["expected_units"].where(out["expected_units"] > 0)
    out["organic_ratio"] = out["organic_units"] / out["expected_organic"].where(
        out["expected_organic"] > 0)
    out["lost_units"] = out["expected_units"] - out["units"]
    out["m0"] = np.nan
    out["recovery_days"] = np.nan
    out["wsse"] = np.nan
    if len(c):
        keys = c.groupby(EP_KEY, sort=True).size().reset_index()[EP_KEY]
        m0, r, sse = _ramp_grid(U, E, np.arange(window_days, dtype="float64"),
                                max_recovery_days)
        fitted = keys.assign(m0=m0, recovery_days=r, wsse=sse)
        out = out.drop(columns=["m0", "recovery_days", "wsse"]).merge(fitted, on=EP_KEY,
                                                                      how="left")
        has = out["expected_units"] > 0
        out.loc[~has, ["m0", "recovery_days", "wsse"]] = np.nan
    out["deficit"] = 1 - out["m0"]
    out["informative"] = out["expected_units"] >= min_expected_units
    return out[[*KEY, "start", "end", "length_days", "baseline_per_day",
                "baseline_organic_per_day", "days_used", "units", "expected_units",
                "sales_ratio", "organic_units", "expected_organic", "organic_ratio",
                "lost_units", "m0", "deficit", "recovery_days", "wsse", "informative"]]


def pooled_ramp(curves: pd.DataFrame, *, by=("seller_id",), window_days: int = HORIZON_DAYS,
                max_recovery_days: int = 35) -> pd.DataFrame:
    """One ramp for all episodes of a group (default: the seller, all marketplaces), fitted on
    the daily sums of units and expected units by day after the restock.

    Pooling sums keeps slow movers informative (one unit a week per SKU adds up) and, being
    linear in the baseline, is not biased by noisy per-episode baselines.

    Returns ``*by, episodes, units, expected_units, m0, deficit, recovery_days`` plus the
    observed curve as ``ratio_by_day`` (list: units / expected per day after the restock).
    """
    by = list(by)
    if max_recovery_days >= window_days:
        max_recovery_days = window_days - 1
    c, gid, U, E = _arrays(curves, by, window_days)
    if not len(c):
        return pd.DataFrame(columns=[*by, "episodes", "units", "expected_units", "m0",
                                     "deficit", "recovery_days", "ratio_by_day"])
    m0, r, _ = _ramp_grid(U, E, np.arange(window_days, dtype="float64"), max_recovery_days)
    g = c.groupby(by, sort=True)
    out = g.agg(units=("units", "sum"), expected_units=("expected_units", "sum")).reset_index()
    eid = c[EP_KEY].astype("string").agg("|".join, axis=1)
    out.insert(len(by), "episodes", eid.groupby([c[b] for b in by], sort=True).nunique()
               .to_numpy())
    out["m0"], out["recovery_days"] = m0, r
    out["deficit"] = 1 - out["m0"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio_by_day"] = list(np.where(E > 0, U / np.where(E > 0, E, 1), np.nan))
    return out


def recovery_regression(curves: pd.DataFrame, *, by=("seller_id",), alpha: float = 0.05,
                        window_days: int = HORIZON_DAYS, max_recovery_days: int = 35
                        ) -> pd.DataFrame:
    """How the deficit and the recovery time grow with stockout length, across episodes.

    Per group ``by`` (default the seller, all marketplaces pooled), with statsmodels:

    1. **recovery_days**: the per-episode ramp fits' ``R`` (as :func:`fit_episodes`; 0 for
       an episode without a deficit), WLS on ``L`` with weights = the episode's expected
       units: ``R(L) = c + d L``;
    2. **deficit**: the day-level weighted regression (WLS, weights ``1 / E``)
       ``u - E g = E (1 - g) (a + b L)`` with ``g = min(k / R(L), 1)`` and ``L`` the episode's
       stockout length, i.e. ``m0 = a + b L``; reported as ``deficit = 1 - m0`` (intercept
       ``1 - a``, slope ``-b`` per stockout day). Standard errors are cluster-robust by
       episode (days of one episode are not independent). Every episode counts in proportion
       to its expected units, so slow movers are not dropped and noisy per-episode fits are
       not averaged (their clipping at 0 and 1 biases a mean of per-episode deficits);

    ``mean`` (with its interval) is the outcome at the weighted mean behaviour (intercept-only
    fit). Intervals are ``1 - alpha`` confidence intervals; the deficit's are conditional on
    the fitted ``R(L)``. ``pooled_recovery_days`` is the single pooled ramp's ``R``
    (:func:`pooled_ramp`), for reference.

    Returns one row per group and outcome: ``*by, outcome, episodes, intercept,
    intercept_lo, intercept_hi, slope_per_day, slope_lo, slope_hi, slope_p, mean, mean_lo,
    mean_hi, length_min, length_max, pooled_recovery_days``. Fewer than 3 episodes (or one
    length only): NaN estimates.
    """
    import statsmodels.api as sm  # lazy: ~1 s import

    by = list(by)
    if max_recovery_days >= window_days:
        max_recovery_days = window_days - 1
    cols = [*by, "outcome", "episodes", "intercept", "intercept_lo", "intercept_hi",
            "slope_per_day", "slope_lo", "slope_hi", "slope_p", "mean", "mean_lo", "mean_hi",
            "length_min", "length_max", "pooled_recovery_days"]
    # days with expected 0 (a zero baseline) stay in: their units belong in the ratio
    # estimator (dropping them would keep only the episodes whose baseline came out high)
    c = curves[curves["used"] & (curves["day_after"] < window_days)]
    if c.empty:
        return pd.DataFrame(columns=cols)
    pooled = pooled_ramp(c, by=by, window_days=window_days,
                         max_recovery_days=max_recovery_days)
    rows = []
    kk = np.arange(window_days, dtype="float64")
    for (key, g), (_, pr) in zip(c.groupby(by, sort=True), pooled.iterrows(), strict=True):
        key = key if isinstance(key, tuple) else (key,)
        eid = g.groupby(EP_KEY, sort=True).ngroup().to_numpy()
        n_ep = int(eid.max()) + 1
        L = g["length_days"].to_numpy("float64")
        base = dict(zip(by, key, strict=True), episodes=n_ep, length_min=L.min(),
                    length_max=L.max(), pooled_recovery_days=pr["recovery_days"])
        r_def = dict(base, outcome="deficit")
        r_rec = dict(base, outcome="recovery_days")
        if n_ep >= 3 and np.ptp(L) > 0 and pr["recovery_days"] > 0:
            k = g["day_after"].to_numpy("float64")
            E0 = g["expected_units"].to_numpy("float64")
            E = np.maximum(E0, 1e-9)   # weight 1 / E: a zero-baseline day adds its units
            u = g["units"].to_numpy("float64")
            # (1) recovery days: per-episode ramp fits, WLS on length
            U = np.zeros((n_ep, window_days))
            Em = np.zeros((n_ep, window_days))
            np.add.at(U, (eid, k.astype(np.int64)), u)
            np.add.at(Em, (eid, k.astype(np.int64)), E0)
            Le = np.zeros(n_ep)
            Le[eid] = L
            _, Rep, _ = _ramp_grid(U, Em, kk, max_recovery_days)
            w = Em.sum(1)
            pos = w > 0
            mr = sm.WLS(Rep[pos], sm.add_constant(Le[pos]), weights=w[pos]).fit()
            cr = mr.conf_int(alpha)
            mmr = sm.WLS(Rep[pos], np.ones((int(pos.sum()), 1)), weights=w[pos]).fit()
            cmr = mmr.conf_int(alpha)
            r_rec.update(intercept=mr.params[0], intercept_lo=cr[0, 0], intercept_hi=cr[0, 1],
                         slope_per_day=mr.params[1], slope_lo=cr[1, 0], slope_hi=cr[1, 1],
                         slope_p=mr.pvalues[1], mean=mmr.params[0], mean_lo=cmr[0, 0],
                         mean_hi=cmr[0, 1])
            # (2) deficit: day-level WLS with each day's ramp position from the fitted line
            rhat = np.clip(mr.params[0] + mr.params[1] * L, 1.0, float(max_recovery_days))
            gg = np.minimum(k / rhat, 1.0)
            y = u - E * gg
            x1 = E * (1 - gg)
            X = np.column_stack([x1, x1 * L])
            cov = dict(cov_type="cluster", cov_kwds={"groups": eid})
            m = sm.WLS(y, X, weights=1 / E).fit(**cov)
            ci = m.conf_int(alpha)
            mm = sm.WLS(y, x1[:, None], weights=1 / E).fit(**cov)
            mci = mm.conf_int(alpha)
            r_def.update(intercept=1 - m.params[0], intercept_lo=1 - ci[0, 1],
                         intercept_hi=1 - ci[0, 0], slope_per_day=-m.params[1],
                         slope_lo=-ci[1, 1], slope_hi=-ci[1, 0], slope_p=m.pvalues[1],
                         mean=1 - mm.params[0], mean_lo=1 - mci[0, 1], mean_hi=1 - mci[0, 0])
        rows += [r_def, r_rec]
    return pd.DataFrame(rows, columns=cols)


def predict_recovery(regression: pd.DataFrame, length_days) -> tuple[np.ndarray, np.ndarray]:
    """Deficit and recovery days predicted for stockout lengths from one group's regression
    rows (``intercept + slope * length``, deficit clipped to [0, 1], days to >= 0). Lengths
    are clamped to the range seen in the data (no extrapolation)."""
    r = regression.set_index("outcome")
    x = np.asarray(length_days, dtype="float64")
    out = []
    for o, lo, hi in (("deficit", 0.0, 1.0), ("recovery_days", 0.0, np.inf)):
        row = r.loc[o]
        xc = np.clip(x, row["length_min"], row["length_max"])
        out.append(np.clip(row["intercept"] + row["slope_per_day"] * xc, lo, hi))
    return out[0], out[1]


def sku_ad_rates(ads: pd.DataFrame, as_of, *, window_days: int = 30,
                 cvr_prior_clicks: float = 20.0) -> pd.DataFrame:
    """Each advertised SKU's recent CPC, CVR, units per order and daily spend.

    From :func:`postship_analysis.ads.ad_metrics` by ``advertised_sku`` over the
    ``window_days`` before ``as_of``. CVR is shrunk toward the marketplace's CVR with a prior
    worth ``cvr_prior_clicks`` clicks (``(orders + n0 * cvr_mp) / (clicks + n0)``), so a SKU
    with a few clicks is not read as 0 % or 50 %; a SKU without clicks gets the marketplace's
    CPC and CVR (``rates_source = "marketplace"``).

    Returns ``seller_id, marketplace, sku, currency, clicks, orders, units, spend, cpc, cvr,
    units_per_order, daily_spend, rates_source``.
    """
    cols = [*KEY, "currency", "clicks", "orders", "units", "spend", "cpc", "cvr",
            "units_per_order", "daily_spend", "rates_source"]
    if ads is None or len(ads) == 0 or not (ads["report_level"] == "advertised_product").any():
        return pd.DataFrame(columns=cols)
    as_of = pd.Timestamp(as_of)
    start, end = as_of - window_days * DAY, as_of - DAY
    m = ad_metrics(ads, ["advertised_sku"], start=start, end=end, level="advertised_product")
    m = _norm_keys(m.rename(columns={"advertised_sku": "sku"}))
    s = m.groupby(KEY, sort=True)[["clicks", "orders", "units", "spend"]].sum().reset_index()
    cur = ads[ads["report_level"] == "advertised_product"].dropna(subset=["currency"])
    cur = _norm_keys(cur).groupby(["seller_id", "marketplace"])["currency"].first()
    mp = s.groupby(["seller_id", "marketplace"])[["clicks", "orders", "units", "spend"]].sum()
    mp["cpc_mp"] = mp["spend"] / mp["clicks"].where(mp["clicks"] > 0)
    mp["cvr_mp"] = mp["orders"] / mp["clicks"].where(mp["clicks"] > 0)
    mp["upo_mp"] = mp["units"] / mp["orders"].where(mp["orders"] > 0)
    s = s.merge(mp[["cpc_mp", "cvr_mp", "upo_mp"]].reset_index(), on=["seller_id",
                                                                     "marketplace"])
    s = s.merge(cur.rename("currency").reset_index(), on=["seller_id", "marketplace"],
                how="left")
    own = s["clicks"] > 0
    s["cpc"] = np.where(own, s["spend"] / s["clicks"].where(own), s["cpc_mp"])
    s["cvr"] = shrink(s["orders"], s["clicks"], s["cvr_mp"], cvr_prior_clicks)
    s["units_per_order"] = np.where(s["orders"] > 0, s["units"] / s["orders"].where(
        s["orders"] > 0), s["upo_mp"].fillna(1.0))
    s["daily_spend"] = s["spend"] / window_days
    s["rates_source"] = np.where(own, "sku", "marketplace")
    return s[cols]


def plan_targets(fits_or_episodes: pd.DataFrame, daily: pd.DataFrame, as_of, *,
                 recent_days: int = HORIZON_DAYS, baseline_days: int = BASELINE_DAYS,
                 seasonality: bool = True) -> pd.DataFrame:
    """The SKUs that need a recovery plan at ``as_of``: those out of stock now (restock
    assumed on ``as_of``, length so far = ``as_of - start``) and those restocked within the
    last ``recent_days`` days.

    Baseline per day = the uncensored units / index over the ``baseline_days`` before the
    stockout (as in :func:`episode_curves`) times the marketplace's mean index over the 28
    days before ``as_of`` (today's season).

    Returns ``seller_id, marketplace, sku, start, length_days, restock_date, status
    (out_of_stock / recovering), baseline_units_per_day``.
    """
    as_of = pd.Timestamp(as_of)
    ep = _norm_keys(fits_or_episodes)
    ep["start"] = pd.to_datetime(ep["start"]).astype("datetime64[ns]")
    ep["end"] = pd.to_datetime(ep["end"]).astype("datetime64[ns]")
    ongoing = (ep["ongoing"].astype("boolean").fillna(False).astype(bool) if "ongoing" in ep
               else pd.Series(False, index=ep.index))
    ongoing |= ep["end"] >= as_of - DAY
    ep["restock_date"] = np.where(ongoing, as_of, ep["end"] + DAY)
    ep["restock_date"] = ep["restock_date"].astype("datetime64[ns]")
    ep["length_days"] = np.where(ongoing, (as_of - ep["start"]).dt.days, ep["length_days"])
    ep["status"] = np.where(ongoing, "out_of_stock", "recovering")
    keep = ongoing | ((ep["restock_date"] > as_of - recent_days * DAY)
                      & (ep["restock_date"] <= as_of))
    ep = ep[keep & (ep["start"] < as_of)].reset_index(drop=True)
    cols = [*KEY, "start", "length_days", "restock_date", "status", "baseline_units_per_day"]
    if ep.empty:
        return pd.DataFrame(columns=cols)
    d = _norm_keys(daily)
    d["date"] = pd.to_datetime(d["date"]).astype("datetime64[ns]")
    if "censored" not in d:
        d["censored"] = ~d["in_stock"].astype(bool)
    idx = (marketplace_index(d) if seasonality else
           d[["seller_id", "marketplace", "date"]].drop_duplicates().assign(index=1.0))
    now = idx[(idx["date"] >= as_of - 28 * DAY) & (idx["date"] < as_of)]
    now = now.groupby(["seller_id", "marketplace"])["index"].mean().rename("index_now")
    ep2 = ep.assign(end=ep["start"])   # curves only need the baseline before `start`
    cur = episode_curves(d, ep2[[*KEY, "start", "end", "length_days"]],
                         baseline_days=baseline_days, horizon_days=2, seasonality=seasonality)
    b = cur.drop_duplicates(EP_KEY)[[*EP_KEY, "baseline_per_day"]]
    ep = ep.merge(b, on=EP_KEY, how="left").merge(now.reset_index(),
                                                  on=["seller_id", "marketplace"], how="left")
    ep["baseline_units_per_day"] = ep["baseline_per_day"] * ep["index_now"].fillna(1.0)
    return ep[cols]


def budget_plan(targets: pd.DataFrame, regression: pd.DataFrame | None, rates: pd.DataFrame,
                as_of, *, target_days: int = 14, weeks: int = 4, min_episodes: int = MIN_EPISODES,
                rule_extra: float = RULE_OF_THUMB_EXTRA,
                rule_min_days: int = RULE_OF_THUMB_MIN_DAYS, cpc_uplift: float = 0.0,
                group_by=("seller_id",)) -> pd.DataFrame:
    """Week-by-week extra ad budget that brings each SKU's sales back to baseline within
    ``target_days`` of its restock.

    For a SKU with baseline ``B`` units/day and predicted ``deficit d``, ``recovery R`` days
    (:func:`predict_recovery` at its stockout length), the natural ramp is
    ``m_k = 1 - d * max(0, 1 - k / R)``; the target ramp reaches 1 in ``D = target_days``:
    ``p_k = 1 - d * max(0, 1 - k / D)`` (``D = 0``: baseline from the first day). Extra units
    on day ``k`` = ``B * max(0, p_k - m_k)``; extra clicks = units / (CVR x units per order);
    extra budget = clicks x CPC x (1 + ``cpc_uplift``). Days run from ``as_of`` (or the
    restock, if later) for ``weeks`` weeks; ``k`` counts from the restock.

    Rule of thumb (unverified, forecasting.md §5.6): a stockout longer than ``rule_min_days``
    needs ``rule_extra`` (37 %) more than the SKU's current ad spend over the plan.
    ``own_extra_budget`` and ``rule_extra_budget`` are always both given. The plan uses the own
    estimate when the group's regression has at least ``min_episodes`` episodes; below that it
    blends ``w * own + (1 - w) * rule`` with ``w = episodes / min_episodes`` (no episodes: the
    rule alone, spread evenly over the weeks) and says so in ``basis``.

    Returns one row per SKU and week: ``seller_id, marketplace, sku, status, length_days,
    restock_date, week, week_start, week_end, baseline_units_per_day, deficit,
    recovery_days, extra_units, extra_clicks, own_extra_budget, rule_extra_budget,
    prior_weight, extra_budget, current_spend, currency, cpc, cvr, rates_source, basis``.

    Example (the test's hand arithmetic): B = 10, d = 0.4, R = 20, D = 10: on day 0 the gap
    to close is 0; on day 5, p = 1 - 0.4 * 0.5 = 0.8, m = 1 - 0.4 * 0.75 = 0.7 -> 1 extra unit.
    """
    if target_days < 0 or weeks < 1:
        raise ParameterError("target_days must be >= 0 and weeks >= 1")
    as_of = pd.Timestamp(as_of)
    cols = [*KEY, "status", "length_days", "restock_date", "week", "week_start", "week_end",
            "baseline_units_per_day", "deficit", "recovery_days", "extra_units",
            "extra_clicks", "own_extra_budget", "rule_extra_budget", "prior_weight",
            "extra_budget", "current_spend", "currency", "cpc", "cvr", "rates_source", "basis"]
    if targets is None or len(targets) == 0:
        return pd.DataFrame(columns=cols)
    t = _norm_keys(targets).reset_index(drop=True)
    if "status" not in t:
        t["status"] = "planned"
    t["restock_date"] = pd.to_datetime(t["restock_date"]).astype("datetime64[ns]")
    r = _norm_keys(rates) if rates is not None and len(rates) else pd.DataFrame(
        columns=[*KEY, "cpc", "cvr", "units_per_order", "daily_spend", "currency",
                 "rates_source"])
    t = t.merge(r[[*KEY, "cpc", "cvr", "units_per_order", "daily_spend", "currency",
                   "rates_source"]], on=KEY, how="left")
    # a SKU that is not advertised: the marketplace's mean CPC / CVR / units per order
    mp_k = ["seller_id", "marketplace"]
    if len(r):
        mpr = r.groupby(mp_k)[["cpc", "cvr", "units_per_order"]].mean()
        mpr = mpr.join(r.groupby(mp_k)["currency"].first()).add_suffix("_mp").reset_index()
        t = t.merge(mpr, on=mp_k, how="left")
        miss = t["cpc"].isna() & t["cpc_mp"].notna()
        for c in ("cpc", "cvr", "units_per_order", "currency"):
            t[c] = t[c].where(~miss, t[c + "_mp"])
        t["rates_source"] = t["rates_source"].where(~miss, "marketplace (SKU not advertised)")
        t["daily_spend"] = t["daily_spend"].where(~miss, 0.0)
    gb = list(group_by)
    n_ep = np.zeros(len(t))
    deficit = np.full(len(t), np.nan)
    rec = np.full(len(t), np.nan)
    if regression is not None and len(regression):
        reg = _norm_keys(regression)
        for key, g in reg.groupby(gb, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            sel = np.ones(len(t), bool)
            for c, v in zip(gb, key, strict=True):
                sel &= (t[c] == v).to_numpy(bool)
            if not sel.any() or g["intercept"].isna().any():
                continue
            n_ep[sel] = g["episodes"].min()
            deficit[sel], rec[sel] = predict_recovery(g, t.loc[sel, "length_days"])
    t["deficit"], t["recovery_days"] = deficit, rec
    w_own = np.clip(n_ep / max(min_episodes, 1), 0.0, 1.0)
    # day grid: (targets, weeks * 7) from the plan start
    ndays = 7 * weeks
    start = np.maximum(t["restock_date"].to_numpy("datetime64[D]"),
                       np.datetime64(as_of.date(), "D"))
    k0 = (start - t["restock_date"].to_numpy("datetime64[D]")).astype(np.int64)
    k = k0[:, None] + np.arange(ndays)[None, :]
    dcol = np.nan_to_num(deficit)[:, None]
    natural = 1 - dcol * np.maximum(0.0, 1 - k / np.where(rec > 0, rec, np.inf)[:, None])
    if target_days == 0:
        target = np.ones_like(natural)
    else:
        target = 1 - dcol * np.maximum(0.0, 1 - k / float(target_days))
    B = t["baseline_units_per_day"].astype("float64").fillna(0.0).to_numpy()[:, None]
    units = (B * np.maximum(0.0, target - natural)).reshape(len(t), weeks, 7).sum(-1)
    per_unit_clicks = 1.0 / (t["cvr"].astype("float64") * t["units_per_order"].astype(
        "float64")).where(lambda x: x > 0)
    clicks = units * per_unit_clicks.to_numpy()[:, None]
    own = clicks * (t["cpc"].astype("float64").to_numpy() * (1 + cpc_uplift))[:, None]
    spend_wk = 7 * t["daily_spend"].astype("float64").to_numpy()
    applies = t["length_days"].astype("float64").to_numpy() > rule_min_days
    rule = np.where(applies, rule_extra, 0.0)[:, None] * spend_wk[:, None] * np.ones(weeks)
    own_tot = np.nansum(own, axis=1)
    rule_tot = rule.sum(axis=1)
    blend_tot = w_own * own_tot + (1 - w_own) * np.nan_to_num(rule_tot)
    shape = np.where(own_tot[:, None] > 0, np.nan_to_num(own) / np.where(
        own_tot > 0, own_tot, 1)[:, None], 1.0 / weeks)
    extra = blend_tot[:, None] * shape
    basis = np.where(w_own >= 1, "own data (regression on the seller's episodes)",
                     np.where(n_ep > 0, "own data blended with the 37% rule of thumb as a prior"
                              " (fewer than min_episodes episodes)",
                              "37% rule of thumb only (no fitted episodes: prior, unverified)"))
    wk = np.arange(1, weeks + 1)
    rep = np.repeat(np.arange(len(t)), weeks)
    out = t.loc[rep, [*KEY, "status", "length_days", "restock_date", "baseline_units_per_day",
                      "deficit", "recovery_days", "currency", "cpc", "cvr",
                      "rates_source"]].reset_index(drop=True)
    out["week"] = np.tile(wk, len(t))
    ws = start.astype("datetime64[ns]")[rep] + ((out["week"].to_numpy() - 1) * 7).astype(
        "timedelta64[D]")
    out["week_start"] = ws
    out["week_end"] = ws + np.timedelta64(6, "D")
    out["extra_units"] = units.ravel()
    out["extra_clicks"] = clicks.ravel()
    out["own_extra_budget"] = own.ravel()
    out["rule_extra_budget"] = rule.ravel()
    out["prior_weight"] = np.repeat(1 - w_own, weeks)
    out["extra_budget"] = extra.ravel()
    out["current_spend"] = np.repeat(spend_wk, weeks)
    out["basis"] = np.repeat(basis, weeks)
    return out[cols]


def rule_of_thumb_check(plan: pd.DataFrame) -> pd.DataFrame:
    """The seller's own extra-budget estimate beside the 37 % rule, per SKU over the plan:
    ``own_pct_of_spend`` = own extra budget / current ad spend over the same weeks;
    ``rule_pct_of_spend`` = 0.37 for stockouts over 7 days, else 0.

    Returns ``seller_id, marketplace, sku, length_days, own_extra_budget, rule_extra_budget,
    current_spend, own_pct_of_spend, rule_pct_of_spend, basis``.
    """
    g = plan.groupby(KEY, sort=True)
    out = g.agg(length_days=("length_days", "first"),
                own_extra_budget=("own_extra_budget", "sum"),
                rule_extra_budget=("rule_extra_budget", "sum"),
                current_spend=("current_spend", "sum"), basis=("basis", "first")).reset_index()
    sp = out["current_spend"].where(out["current_spend"] > 0)
    out["own_pct_of_spend"] = out["own_extra_budget"] / sp
    out["rule_pct_of_spend"] = out["rule_extra_budget"] / sp
    return out[[*KEY, "length_days", "own_extra_budget", "rule_extra_budget", "current_spend",
                "own_pct_of_spend", "rule_pct_of_spend", "basis"]]


def recovery_kpis(fits: pd.DataFrame, plan: pd.DataFrame | None, as_of, *,
                  weeks: int = 4, pooled: pd.DataFrame | None = None) -> list[KPI]:
    """Headline KPIs per marketplace (status ``info``: no Amazon target exists).

    * ``stockout_recovery_days_median``: median fitted recovery days over informative
      episodes (days);
    * ``stockout_sales_deficit_mean``: the deficit (1 - m0) of ``pooled`` (a
      :func:`pooled_ramp` by ``seller_id, marketplace``) when given — per-episode deficits of
      slow movers are biased upward by noise — else the expected-units-weighted mean of the
      informative episodes' deficits (fraction);
    * ``stockout_recovery_lost_units``: expected minus sold units after the restocks (units);
    * ``stockout_extra_ad_budget_next_4w``: the plan's extra budget in the ``weeks`` weeks
      from ``as_of`` (currency).
    """
    as_of = pd.Timestamp(as_of)
    kp: list[KPI] = []
    f = fits[fits["informative"] & fits["recovery_days"].notna()]
    mps = sorted(set(fits["marketplace"].dropna().astype(str))
                 | (set(plan["marketplace"].dropna().astype(str)) if plan is not None
                    and len(plan) else set()))
    end = as_of + pd.Timedelta(days=7 * weeks - 1)
    for mp in mps:
        fm = f[f["marketplace"] == mp]
        allm = fits[fits["marketplace"] == mp]
        w = fm["expected_units"]
        kp.append(KPI.make("stockout_recovery_days_median", mp,
                           float(fm["recovery_days"].median()) if len(fm) else None,
                           unit="days", denominator=len(fm), window="all episodes"))
        if pooled is not None and "marketplace" in pooled and (pooled["marketplace"] == mp).any():
            pm_ = pooled[pooled["marketplace"] == mp].iloc[0]
            kp.append(KPI.make("stockout_sales_deficit_mean", mp, float(pm_["deficit"]),
                               denominator=int(pm_["episodes"]), window="all episodes"))
        else:
            kp.append(KPI.make("stockout_sales_deficit_mean", mp,
                               float((fm["deficit"] * w).sum() / w.sum()) if w.sum() > 0
                               else None, denominator=len(fm), window="all episodes"))
        kp.append(KPI.make("stockout_recovery_lost_units", mp, float(allm["lost_units"].sum()),
                           unit="units", window="all episodes"))
        if plan is not None and len(plan):
            pm = plan[(plan["marketplace"] == mp) & (plan["week_start"] <= end)]
            kp.append(KPI.make("stockout_extra_ad_budget_next_4w", mp,
                               float(pm["extra_budget"].sum()), unit="currency",
                               window=f"{as_of.date()}..{end.date()}"))
    return kp
