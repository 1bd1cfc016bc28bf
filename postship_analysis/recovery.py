"""Sales recovery after a stockout, measured against a counterfactual the stockout cannot
touch, checked against placebo episodes, and the ad budget that would close the gap.

When an FBA listing runs out of stock it may lose rank; after the restock its sales may start
below normal and climb back (forecasting.md §5.6: Anderson, Fitzsimons & Simester 2006 and
Jing & Lewis 2011 find lasting costs of stockouts; Amazon-specific evidence is anecdotal, e.g.
EcomCrew: ranks "almost always recover ... within four weeks"). This module measures that on
the seller's own episodes, says when there is nothing measurable, and turns a measured
deficit into a week-by-week extra-ad-budget plan.

Why not "sales after vs the 28 days before"
-------------------------------------------
Stock runs out *because* demand ran high: the weeks before a sell-out are a selected, inflated
baseline, so any before/after comparison finds a "deficit" even where the stockout did no
harm (issue #12 measured 10 % on simulated SKUs with no effect at all). Here the baseline is
a forecast made *before the run-up*, and the estimator is run on placebo episodes, where the
answer (no effect) is known.

Inputs (canonical tables; nothing here reads a file or the clock)
-----------------------------------------------------------------
* ``daily``: ``seller_id, marketplace, sku, date, units, in_stock, censored``
  (:func:`postship_analysis.demand.daily_demand`);
* ``episodes``: ``seller_id, marketplace, sku, start, end, length_days`` (``ongoing``
  optional) (:func:`postship_analysis.demand.stockout_episodes`).

Estimator (per episode; day ``k = 0`` is the restock day, the day after ``end``)
--------------------------------------------------------------------------------
1. **Origin**: the forecast origin is the last Monday of a grid (every ``origin_step_days``,
   7) at least ``gap_days`` (28) before the stockout's first day. Four weeks cover the run-up
   of a sell-out under a reorder-point policy (it runs over the replenishment lead time,
   typically 2-5 weeks); the grid lets episodes share one fit.
2. **Forecast**: the package's forecaster (:func:`postship_analysis.forecast.fit` on the
   history before the origin, stockout days masked), ``method="ses_dow"`` with a slow
   smoothing grid ``ses_grid`` (alpha 0.02 or 0.05: a level with a memory of 6-14 weeks, so a
   surge is not taken as the new level, and slow movers' levels do not collapse between two
   sales as they would with a fast alpha), gives ``F_k`` for each day after the restock.
3. **Controls (difference-in-differences)**: the seller's other SKUs in the same marketplace
   (and ``control_group``, when given), forecast from the same origin; on each day the ones
   whose day is uncensored count. Their ratio of actual to forecast units, ``c_k`` (7-day
   centred sums), carries what the forecast cannot know (season, Q4, a trend, the
   forecaster's drift at long leads). Controls are not required to stay in stock through the
   window: that would keep the SKUs that sold less in it (measured: it moved the ratio by up
   to 2 %). Without controls ``c_k = 1`` and ``controls = 0`` says so.
4. **Counterfactual** ``CF_k = F_k c_k``; days used: ``k >= 1`` (the restock day opened with no
   stock and is censored) up to the next censored day, within ``window_days`` (42).
5. **Deficit** over the first ``summary_days`` (28) = ``1 - sum(units) / sum(CF)``;
   ``lost_units = sum(CF) - sum(units)``.
6. **Second pass**: where damage is measurable, the sales after every real restock are divided
   by the fitted ramp before the forecaster and the controls see them again (a SKU's own past
   recoveries, and recovering controls, would otherwise pull the counterfactual down and hide
   part of the loss; ``passes``, default 2). Under no effect nothing is measurable and the
   second pass does not run.

Placebo episodes and intervals
------------------------------
:func:`placebo_episodes` draws pseudo-stockouts (seeded) at random dates in the in-stock
periods of the same SKUs, with lengths drawn from the SKU's real stockouts, whose whole span
(from ``window_days`` before the origin to the end of the window) had no censored day. They go
through exactly the same estimator. Their errors ``A - CF`` are the forecast's own error
distribution at the same lead and window: a variance model ``V = phi CF + kappa CF^2``
(count noise - ``phi`` > 1 for lumpy demand - plus a level error proportional to volume) is
fitted to them by weighted least squares (:func:`error_model`; weights ``1 / V^2`` with ``V``
floored at one unit^2, ``var_floor``: below one expected unit a count's squared error varies
like ``V``, not ``2 V^2``, and without the floor one placebo whose counterfactual collapsed
toward 0 - 0.0015 units against 11 sold - decided the fit, ``phi`` about 140 and a pooled
standard error of 12 points instead of 2-3; how many placebos sat below the floor is
reported, ``placebos_floored``), and gives

* each episode's interval ``deficit +- z sqrt(V) / CF`` and its standardised error
  ``z = (A - CF) / sqrt(V)``, placed within the placebos' ``z`` (``placebo_pct``); an
  episode inside their central ``1 - alpha`` shows "no measurable damage";
* the pooled deficit of a group (``by``, default the seller) ``1 - sum A / sum CF`` over its
  real episodes, with a ``1 - alpha`` interval whose standard error is the larger of the
  placebo-calibrated ``sqrt(sum V) / sum CF`` and the episode-clustered sandwich (effects may
  differ between episodes); and its placebo distribution: the same statistic over
  ``bootstrap`` sets of placebos matched to the real episodes (one placebo of the same SKU
  per real episode, its error rescaled to the episode's volume, ``sqrt(V_episode /
  V_placebo)``, both variances floored at ``var_floor``). Damage is **measurable** only
  when the interval excludes 0 *and* the deficit lies above the placebo range (without any
  placebo - no clean in-stock span - the interval alone decides and the verdict says so);
  otherwise the verdict is "no measurable damage".

Recovery time
-------------
The pooled curve ``units_k / CF_k`` is fitted with the ramp ``m0 + (1 - m0) min(k / R, 1)``
(weighted least squares on a grid of ``R``; ``deficit_at_restock = 1 - m0``); intervals come
from a bootstrap over episodes (seeded). ``R`` is reported only where the data identify it:
measurable damage, a bootstrap interval inside the grid (the curve is seen back at the
counterfactual within ``max_recovery_days``) and no wider than ``max_recovery_ci_days`` (two
weeks, the resolution of a week-by-week plan). Otherwise ``recovery_days`` is NaN and
``recovery_note`` says why.

Budget
------
:func:`budget_plan`: for SKUs restocked within the followed window, the missing units week by
week (counterfactual x deficit curve - the fitted ramp where ``R`` is identified, else the
measured weekly deficits) priced at the margin: ``CPC x (1 + cpc_uplift) / (shrunk CVR x
units per order)`` per unit, capped at ``target ACoS x price`` (a unit bought dearer than that
loses the seller's margin goal; the budget is then the cap and buys fewer units). Zero - with
the reason - where damage is not measurable, for a SKU still out of stock and for one whose
stock covers fewer days than the plan. Each week carries its interval (bootstrap) and the
number of episodes behind it. The sellers' rule of thumb "out of stock more than 7 days needs
about 37 % more ad budget" is **unverified** (forecasting.md §5.6: no source found); it is
shown beside the estimate as a comparison line only and never enters it.

Measured (benchmarks/bench_recovery.py on tests/recovery_sim.py: stockouts follow surges)
------------------------------------------------------------------------------------------
No effect, 20 simulated sellers of 60 SKUs over 500 days (3,219 restocks): the pooled
interval covers 0 for 20 of 20, pooled deficit -1.0 points on average (sd 0.9 between
sellers, standard error 1.8), damage claimed for none, no extra budget. A ramp 30 % down at
the restock and back in 21 days (planted average over days 1-27: 11.1 %): 9.5 % per seller
(6.7 to 11.8), 28 % at the restock, recovery time identified for 9 sellers of 10 at 17-25
days; pooled over the ten, 9.4 % (8.4 to 10.5) and 19 days (18 to 21). The estimator errs
toward "no damage", never toward inventing it: a surge still running at the restock makes
sales after it look better than the counterfactual. With no effect, the pooled deficit is
-0.4 points at a surge persistence of 0.5 a day, -1.0 at 0.7 (the simulator's default),
-1.6 at 0.8 (interval covers 0 for 18 of 20) and -3.3 at 0.9 (17 of 20; -8 points in the
first week). On the sample (132 measured restocks: its slow, lumpy catalogue gives 630
counterfactual units, an information limit of 8.5 points on its own, its ten fast movers
7,340): 15.3 % (10.2 to 20.3, standard error 2.6 points) against 12.4 % planted over the
first four weeks, above the placebo range (1.1 to 9.0), recovery 20 days (18 to 23) against
a planted mean of 17.9 (each episode's R is 7-28 days). On generator seeds 1-12 the same
way (sample.py): -1.5 to +2.8 points from the planted deficit (mean +1.0), the interval
covering it and damage claimed for all 12, recovery time identified for 7 (within 4 days of
the planted mean). A mixed catalogue errs upward a little: the controls' ratio is a sum
over SKUs dominated by the fast movers but also carries the slow SKUs' forecast error.

Example
-------
>>> import numpy as np
>>> ramp(np.arange(6), m0=0.6, recovery_days=4).round(2).tolist()
[0.6, 0.7, 0.8, 0.9, 1.0, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import forecast as fc
from .ads import RULE_OF_THUMB_EXTRA, RULE_OF_THUMB_MIN_DAYS, ad_metrics, shrink, unit_economics
from .errors import ParameterError
from .kpi import KPI

KEY = ["seller_id", "marketplace", "sku"]
DAY = pd.Timedelta(days=1)

#: the forecast origin is at least this many days before the stockout (the run-up)
GAP_DAYS = 28
#: forecast origins sit on a grid of this many days (anchored on Mondays) so episodes share fits
ORIGIN_STEP_DAYS = 7
#: days after the restock that are followed (longer than EcomCrew's "within four weeks")
WINDOW_DAYS = 42
#: days after the restock over which the headline deficit is measured (the plan's four weeks)
SUMMARY_DAYS = 28
#: uncensored days a SKU needs before the origin for a forecast
MIN_HISTORY_DAYS = 56
#: history the forecaster sees before an origin (days; 26 weeks: the slowest level, alpha 0.02,
#: keeps 2.6 % weight on its start)
HISTORY_DAYS = 182
#: slow SES grid: a level with a 6-14 week memory ((2 - alpha) / alpha days) does not take a
#: surge as the new level
SES_GRID = (0.02, 0.05)
#: the last days before a stockout whose deviation from the counterfactual may persist
RUNUP_DAYS = 7
#: control ratio smoothing (days, centred)
CONTROL_SMOOTH_DAYS = 7
#: placebo episodes drawn per SKU with a real stockout
PLACEBOS_PER_SKU = 10
#: bootstrap / placebo resamples
BOOTSTRAP = 400
#: ramp grid for the recovery time (days)
MAX_RECOVERY_DAYS = 35
#: a recovery time is reported only if its interval is at most this wide (days)
MAX_RECOVERY_CI_DAYS = 14
#: estimation passes: after the first, the measured loss is taken out of the history the
#: forecaster and the controls see (2: one correction)
PASSES = 2
#: two-sided error level of every interval
ALPHA = 0.05
#: smallest error variance (units^2 over a window) a placebo is weighted or rescaled with: the
#: Poisson variance of one expected unit; below it a count's squared error varies like V, not
#: 2 V^2 (see :func:`error_model`)
VAR_FLOOR = 1.0


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


def _z(alpha: float) -> float:
    from scipy import stats  # lazy

    return float(stats.norm.ppf(1 - alpha / 2))


def ramp(k, m0, recovery_days):
    """Demand multiplier ``m0 + (1 - m0) * min(k / R, 1)`` on day ``k`` after the restock
    (``R <= 0``: 1 from day 0). Broadcasts over arrays."""
    k = np.asarray(k, dtype="float64")
    r = np.asarray(recovery_days, dtype="float64")
    g = np.where(r > 0, np.minimum(k / np.where(r > 0, r, 1.0), 1.0), 1.0)
    return m0 + (1 - np.asarray(m0, dtype="float64")) * g


def _ramp_grid(U: np.ndarray, E: np.ndarray, k: np.ndarray, max_r: int):
    """Weighted LS ramp fit on (n, K) arrays of units and counterfactual (unused days: 0, 0).

    For each ``R`` in ``1..max_r`` the best ``m0`` has the closed form
    ``sum((u - E g)(1 - g)) / sum(E (1 - g)^2)`` (weights ``1 / E``, ``g = min(k / R, 1)``),
    clipped to [0, 1]; the ``R`` with the smallest weighted SSE wins (ties: the smallest).
    No deficit (``m0 = 1``) gives ``R = 0``. Returns ``m0 (n,), R (n,), sse (n,)``.
    """
    rg = np.arange(1, max_r + 1, dtype="float64")
    g = np.minimum(k[None, None, :] / rg[None, :, None], 1.0)
    Ew = E[:, None, :]
    Uw = U[:, None, :]
    a = (Ew * (1 - g) ** 2).sum(-1)
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


# ---------------------------------------------------------------------------------------------
# Panel, origins and forecasts (the one place that calls the forecaster)
# ---------------------------------------------------------------------------------------------

@dataclass
class _Panel:
    keys: pd.DataFrame          # seller_id, marketplace, sku (string)
    dates: pd.DatetimeIndex     # T days
    Y: np.ndarray               # (T, N) units
    M: np.ndarray               # (T, N) observed: a row exists and the day is not censored
    bad: np.ndarray             # (T + 1, N) cumulative count of unobserved days
    group: np.ndarray           # (N,) control-group code (seller x marketplace [x group])
    fc: fc.Panel


def _panel(daily: pd.DataFrame, control_group: str | None) -> _Panel:
    _need(daily, [*KEY, "date", "units", "in_stock"], "daily")
    d = _norm_keys(daily)
    d["date"] = pd.to_datetime(d["date"]).astype("datetime64[ns]")
    if "censored" not in d:
        d["censored"] = ~d["in_stock"].astype(bool)
    d["censored"] = d["censored"].astype(bool) | ~d["in_stock"].astype(bool)
    if d.empty:
        raise ParameterError("daily is empty: no sales history to measure a recovery on")
    first, last = d["date"].min(), d["date"].max()
    # every censored day masked whole (the forecaster would otherwise use sell-out days with
    # their in-stock share; this estimator counts uncensored days and fits without the share)
    d = d.drop(columns=["in_stock_share"], errors="ignore")
    P = fc.to_panel(d, last + DAY, history_days=(last - first).days + 1)
    M = P.M.copy()
    bad = np.vstack([np.zeros((1, M.shape[1]), np.int64), np.cumsum(~M, axis=0)])
    keys = P.keys.reset_index(drop=True)
    gcols = ["seller_id", "marketplace"]
    if control_group is not None:
        _need(d, [control_group], "daily")
        cg = d.drop_duplicates(KEY).set_index(KEY)[control_group].astype("string")
        keys = keys.join(cg, on=KEY)
        gcols = [*gcols, control_group]
    group = _groups(keys, gcols)
    return _Panel(keys[KEY], P.dates, P.Y, M, bad, pd.factorize(group)[0], P)


def _forecast_paths(P: _Panel, origin: int, horizon: int, *, ses_grid, method: str,
                    history_days: int, Y: np.ndarray | None = None) -> np.ndarray:
    """(horizon, N) mean forecast of every SKU from day index ``origin``, fitted on the
    history before it. The only call into the forecaster (its public ``fit`` on a
    :class:`~postship_analysis.forecast.Panel` slice)."""
    lo = max(0, origin - history_days)
    Y = P.Y if Y is None else Y
    p = fc.Panel(P.fc.keys, P.dates[lo:origin], Y[lo:origin], P.M[lo:origin])
    f = fc.fit(p, as_of=P.dates[0] + origin * DAY, horizon=int(horizon), method=method,
               ses_grid=ses_grid, origins=0)
    return np.maximum(f.mean_path()[:horizon], 0.0)


def _day_index(P: _Panel, dates) -> np.ndarray:
    return ((pd.to_datetime(pd.Series(dates)).to_numpy("datetime64[D]")
             - np.datetime64(P.dates[0].date(), "D")).astype(np.int64))


def _origin(P: _Panel, start_idx: np.ndarray, gap_days: int, step: int) -> np.ndarray:
    # Monday-anchored grid: day index of the first Monday on or after the panel start
    anchor = (7 - P.dates[0].day_of_week) % 7
    return anchor + np.floor((start_idx - gap_days - anchor) / step).astype(np.int64) * step


# ---------------------------------------------------------------------------------------------
# Placebo episodes
# ---------------------------------------------------------------------------------------------

def placebo_episodes(daily: pd.DataFrame, episodes: pd.DataFrame, *,
                     per_sku: int = PLACEBOS_PER_SKU, seed: int = 0,
                     gap_days: int = GAP_DAYS, window_days: int = WINDOW_DAYS,
                     origin_step_days: int = ORIGIN_STEP_DAYS,
                     min_history_days: int = MIN_HISTORY_DAYS,
                     history_days: int = HISTORY_DAYS,
                     _panel_cache: _Panel | None = None) -> pd.DataFrame:
    """Pseudo-stockouts at random dates in the in-stock periods of the SKUs that had a real
    one: ``seller_id, marketplace, sku, start, end, length_days, placebo`` (True).

    Up to ``per_sku`` per SKU (``numpy.random.default_rng(seed)``: same inputs, same
    placebos), each with a length drawn from the SKU's real stockout lengths and a start such
    that the whole span the estimator looks at - from ``window_days`` before its forecast
    origin to ``window_days`` after its pseudo-restock - has no censored day (no real stockout
    and no restock day), lies inside the data and leaves ``min_history_days`` of history before
    the origin. Distinct starts; a SKU without such a span gets none.

    Example: a SKU in stock for 400 days with one 5-day stockout in the middle gets
    ``per_sku`` pseudo-stockouts of 5 days away from it.
    """
    _need(episodes, [*KEY, "start", "end", "length_days"], "episodes")
    P = _panel_cache or _panel(daily, None)
    ep = _norm_keys(episodes)
    cols = [*KEY, "start", "end", "length_days", "placebo"]
    if ep.empty or per_sku < 1:
        return pd.DataFrame(columns=cols)
    code = pd.MultiIndex.from_frame(P.keys).get_indexer(pd.MultiIndex.from_frame(ep[KEY]))
    ep = ep.assign(_i=code)[code >= 0]
    T = len(P.dates)
    rng = np.random.default_rng(seed)
    sk = np.unique(ep["_i"].to_numpy())
    # each SKU's lengths to draw from: (n_sku, per_sku) draws from its own real stockouts
    lens = ep.groupby("_i", sort=True)["length_days"].apply(
        lambda x: x.to_numpy(np.int64))
    L = np.stack([rng.choice(lens[i], per_sku) for i in sk])
    s_all = np.arange(T)
    o = _origin(P, s_all, gap_days, origin_step_days)                     # (T,)
    oc = np.clip(o, 0, T)
    hlo = np.clip(oc - history_days, 0, T)
    bad = P.bad[:, sk]                                                    # (T + 1, n_sku)
    hist_ok = ((oc - hlo)[:, None] - (bad[oc] - bad[hlo])) >= min_history_days   # (T, n)
    lo = np.clip(o - window_days, 0, T)
    keys = rng.random((per_sku, T, len(sk)))
    taken = np.zeros((T, len(sk)), bool)
    rows = []
    for j in range(per_sku):
        hi = s_all[:, None] + L[None, :, j] + window_days                 # (T, n)
        ok = (o - window_days >= 0)[:, None] & (hi <= T)
        clean = (bad[np.clip(hi, 0, T), np.arange(len(sk))[None, :]] - bad[lo]) == 0
        valid = ok & clean & hist_ok & ~taken
        pick = np.argmax(np.where(valid, keys[j], -1.0), axis=0)         # (n,)
        got = valid[pick, np.arange(len(sk))]
        taken[pick[got], np.flatnonzero(got)] = True
        rows += [(sk[c], pick[c], L[c, j]) for c in np.flatnonzero(got)]
    if not rows:
        return pd.DataFrame(columns=cols)
    a = np.array(rows)
    out = P.keys.iloc[a[:, 0]].reset_index(drop=True)
    out["start"] = P.dates[a[:, 1]]
    out["end"] = P.dates[a[:, 1] + a[:, 2] - 1]
    out["length_days"] = a[:, 2].astype(np.int64)
    out["placebo"] = True
    return out.sort_values([*KEY, "start"], kind="stable").reset_index(drop=True)[cols]


# ---------------------------------------------------------------------------------------------
# Curves: actual vs counterfactual after each (real or placebo) restock
# ---------------------------------------------------------------------------------------------

@dataclass
class _Curves:
    ep: pd.DataFrame         # one row per episode (real and placebo)
    units: np.ndarray        # (n, W) units sold, NaN outside the data
    forecast: np.ndarray     # (n, W)
    ratio: np.ndarray        # (n, W) control ratio
    used: np.ndarray         # (n, W) bool

    @property
    def counterfactual(self) -> np.ndarray:
        return self.forecast * self.ratio


def _episode_table(episodes: pd.DataFrame, placebos: pd.DataFrame | None) -> pd.DataFrame:
    """Real episodes (ongoing ones kept, flagged: they are reported, not measured) and
    placebos, one row each (duplicates of a SKU and start dropped)."""
    _need(episodes, [*KEY, "start", "end", "length_days"], "episodes")
    ep = _norm_keys(episodes)
    ongoing = (ep["ongoing"].astype("boolean").fillna(False).astype(bool) if "ongoing" in ep
               else pd.Series(False, index=ep.index))
    ep = ep[[*KEY, "start", "end", "length_days"]].assign(placebo=False, ongoing=ongoing)
    if placebos is not None and len(placebos):
        ep = pd.concat([ep, _norm_keys(placebos)[[*KEY, "start", "end", "length_days"]]
                        .assign(placebo=True, ongoing=False)], ignore_index=True)
    ep["start"] = pd.to_datetime(ep["start"]).astype("datetime64[ns]")
    ep["end"] = pd.to_datetime(ep["end"]).astype("datetime64[ns]")
    ep["length_days"] = ep["length_days"].astype("int64")
    ep["ongoing"] = ep["ongoing"].astype(bool)
    return ep.drop_duplicates([*KEY, "start", "placebo"]).reset_index(drop=True)


def _curves(P: _Panel, ep: pd.DataFrame, *, gap_days: int, origin_step_days: int,
            window_days: int, min_history_days: int, history_days: int, ses_grid,
            method: str, controls: bool, control_smooth_days: int,
            runup_days: int, Yh: np.ndarray | None = None) -> _Curves:
    if window_days < 2 or gap_days < 0 or origin_step_days < 1:
        raise ParameterError("window_days must be >= 2, gap_days >= 0, origin_step_days >= 1")
    T, N = P.Y.shape
    W = int(window_days)
    n = len(ep)
    if n == 0:
        z = np.zeros((0, W))
        e = ep.assign(episode=pd.Series(dtype="int64"), origin=pd.Series(dtype="datetime64[ns]"),
                      restock_date=pd.Series(dtype="datetime64[ns]"),
                      controls=pd.Series(dtype="int64"), runup_units=pd.Series(dtype=float),
                      runup_counterfactual=pd.Series(dtype=float),
                      status=pd.Series(dtype=object))
        return _Curves(e, z, z, z, z.astype(bool))
    i = pd.MultiIndex.from_frame(P.keys).get_indexer(pd.MultiIndex.from_frame(ep[KEY]))
    s = _day_index(P, ep["start"])
    r = _day_index(P, ep["end"]) + 1
    o = _origin(P, s, gap_days, origin_step_days)
    status = np.full(n, "ok", dtype=object)
    known = i >= 0
    ic = np.where(known, i, 0)
    oc = np.clip(o, 0, T)
    hlo = np.clip(oc - history_days, 0, T)
    nobs = (oc - hlo) - (P.bad[oc, ic] - P.bad[hlo, ic])
    status[nobs < min_history_days] = (f"fewer than {min_history_days} in-stock days of "
                                       f"history before the forecast origin")
    status[(r >= T)] = "restocked on the last day of the data: nothing after it yet"
    status[ep["ongoing"].to_numpy(bool)] = "still out of stock at the end of the data"
    status[~known] = "SKU not in the daily table"
    ok = status == "ok"
    k = np.arange(W)
    pre = int(runup_days)
    # absolute day indices: the run-up week before the stockout, then the window after it
    days = np.hstack([s[:, None] - pre + np.arange(pre)[None, :], r[:, None] + k[None, :]])
    K = days.shape[1]
    F = np.zeros((n, K))
    Ac = np.zeros((n, K))
    Fc = np.zeros((n, K))
    nctrl = np.zeros(n, np.int64)
    for org in np.unique(o[ok]):
        sel = np.flatnonzero(ok & (o == org))
        H = int((r[sel] - org).max()) + W
        paths = _forecast_paths(P, int(org), H, ses_grid=ses_grid, method=method,
                                history_days=history_days, Y=Yh)
        lead = np.clip(days[sel] - org, 0, H - 1)                         # (m, K)
        F[sel] = paths[lead, i[sel][:, None]]
        if not controls:
            continue
        # controls on a day: the group's other SKUs whose day is uncensored (keeping only SKUs
        # that never ran out over the window would select those that sold less in it); group
        # totals per day minus the episode's own SKU
        d0, d1 = int(org), min(int(org) + H, T)
        Mo = P.M[d0:d1]
        Ym = np.where(Mo, (P.Y if Yh is None else Yh)[d0:d1], 0.0)
        Fm = np.where(Mo, paths[: d1 - d0], 0.0)
        onehot = np.zeros((len(P.group), int(P.group.max()) + 1))
        onehot[np.arange(len(P.group)), P.group] = 1.0
        Ag, Fg = Ym @ onehot, Fm @ onehot                                  # (h, G)
        gs = P.group[i[sel]]
        nctrl[sel] = onehot[:, gs].sum(0) - 1
        rel = days[sel] - d0
        inside = (rel >= 0) & (rel < d1 - d0)
        rc = np.clip(rel, 0, max(d1 - d0 - 1, 0))
        ii = i[sel][:, None]
        Ac[sel] = np.where(inside, Ag[rc, gs[:, None]] - Ym[rc, ii], 0.0)
        Fc[sel] = np.where(inside, Fg[rc, gs[:, None]] - Fm[rc, ii], 0.0)
    # control ratio: centred sums over control_smooth_days, within each block
    h = control_smooth_days // 2
    ratio = np.ones((n, K))
    for lo_b, hi_b in ((0, pre), (pre, K)):
        if hi_b <= lo_b:
            continue
        kb = np.arange(hi_b - lo_b)
        cA = np.pad(np.cumsum(Ac[:, lo_b:hi_b], 1), ((0, 0), (1, 0)))
        cF = np.pad(np.cumsum(Fc[:, lo_b:hi_b], 1), ((0, 0), (1, 0)))
        a_k = np.clip(kb - h, 0, len(kb))
        b_k = np.clip(kb + h + 1, 0, len(kb))
        sa = cA[:, b_k] - cA[:, a_k]
        sf = cF[:, b_k] - cF[:, a_k]
        ratio[:, lo_b:hi_b] = np.where(sf > 0, sa / np.where(sf > 0, sf, 1.0), 1.0)
    # the run-up week: units and counterfactual on its uncensored days
    dpre = days[:, :pre]
    pin = (dpre >= 0) & (dpre < T)
    dprec = np.clip(dpre, 0, T - 1)
    pobs = pin & P.M[dprec, ic[:, None]]
    pre_units = np.where(pobs, P.Y[dprec, ic[:, None]], 0.0).sum(1)
    pre_cf = np.where(pobs, F[:, :pre] * ratio[:, :pre], 0.0).sum(1)
    F, ratio = F[:, pre:], ratio[:, pre:]
    day = r[:, None] + k[None, :]
    inside = (day < T) & (day >= 0)
    dayc = np.clip(day, 0, T - 1)
    units = np.where(inside, P.Y[dayc, ic[:, None]], np.nan)
    obs = inside & P.M[dayc, ic[:, None]]
    # stop at the next stockout: an unobserved day after k = 0 cuts the rest of the curve
    cut = np.cumsum(~obs & (k[None, :] > 0), axis=1) > 0
    used = obs & ~cut & (k[None, :] >= 1) & ok[:, None] & (F > 0)
    epo = ep.copy()
    epo.insert(0, "episode", np.arange(n))
    epo["origin"] = (P.dates[0] + pd.to_timedelta(o, unit="D")).to_numpy()
    epo["restock_date"] = epo["end"] + DAY
    epo["controls"] = nctrl
    epo["runup_units"] = pre_units
    epo["runup_counterfactual"] = pre_cf
    epo["status"] = status
    return _Curves(epo, units, F, ratio, used)


def _long(c: _Curves, rows=None) -> pd.DataFrame:
    """The day-level frame of :func:`episode_curves` for the episodes ``rows`` (default all)."""
    rows = np.arange(len(c.ep)) if rows is None else np.asarray(rows)
    W = c.units.shape[1]
    e = c.ep.iloc[rows]
    rep = lambda col: np.repeat(e[col].to_numpy(), W)  # noqa: E731
    out = pd.DataFrame({col: rep(col) for col in
                        ["episode", *KEY, "start", "end", "length_days", "placebo", "origin",
                         "restock_date"]})
    out["day_after"] = np.tile(np.arange(W), len(e))
    out["date"] = out["restock_date"] + pd.to_timedelta(out["day_after"], unit="D")
    out["units"] = c.units[rows].ravel()
    out["forecast"] = c.forecast[rows].ravel()
    out["control_ratio"] = c.ratio[rows].ravel()
    out["counterfactual"] = c.counterfactual[rows].ravel()
    out["used"] = c.used[rows].ravel()
    for col in ("controls", "runup_units", "runup_counterfactual", "status"):
        out[col] = rep(col)
    return out


def episode_curves(daily: pd.DataFrame, episodes: pd.DataFrame, *,
                   placebos: pd.DataFrame | None = None, gap_days: int = GAP_DAYS,
                   origin_step_days: int = ORIGIN_STEP_DAYS, window_days: int = WINDOW_DAYS,
                   min_history_days: int = MIN_HISTORY_DAYS, history_days: int = HISTORY_DAYS,
                   ses_grid=SES_GRID, method: str = "ses_dow", controls: bool = True,
                   control_group: str | None = None,
                   control_smooth_days: int = CONTROL_SMOOTH_DAYS,
                   runup_days: int = RUNUP_DAYS) -> pd.DataFrame:
    """Units after each restock beside the counterfactual, day by day (module docstring).

    ``episodes`` are the real stockouts (ongoing ones have no "after" and are skipped);
    ``placebos`` (:func:`placebo_episodes`) go through the same estimator.

    Returns one row per episode and day after the restock ``k = 0 .. window_days - 1``:
    ``episode, seller_id, marketplace, sku, start, end, length_days, placebo, origin,
    restock_date, day_after, date, units, forecast, control_ratio, counterfactual, used,
    controls, runup_units, runup_counterfactual, status`` - ``used``: the day enters every
    estimate (``k >= 1``, in the data, uncensored, before any later stockout);
    ``controls``: the number of control SKUs (0: the forecast alone); ``runup_*``: units
    and counterfactual over the uncensored days of the ``runup_days`` before the stockout
    (how far the run-up ran above normal; it does not enter the estimate); ``status``:
    ``ok`` or why the episode cannot be measured (then no day is used).

    Example: a forecast of 10 units a day, controls selling 5 % above their forecasts and 8
    units sold on day 3 -> counterfactual 10.5, deficit that day 1 - 8 / 10.5 = 24 %.
    """
    P = _panel(daily, control_group)
    c = _curves(P, _episode_table(episodes, placebos), gap_days=gap_days,
                origin_step_days=origin_step_days, window_days=window_days,
                min_history_days=min_history_days, history_days=history_days,
                ses_grid=ses_grid, method=method, controls=controls,
                control_smooth_days=control_smooth_days, runup_days=runup_days)
    return _long(c)


# ---------------------------------------------------------------------------------------------
# Per-episode summaries, the error model and the pooled estimate
# ---------------------------------------------------------------------------------------------

def error_model(A, CF, *, var_floor: float = VAR_FLOOR) -> tuple[float, float]:
    """Variance of ``A - CF`` (actual minus counterfactual units over a window) as
    ``V = phi CF + kappa CF^2``, fitted to placebo episodes by weighted least squares of the
    squared errors ``(A - CF)^2`` on ``CF`` and ``CF^2`` (three passes, weights
    ``1 / max(V, var_floor)^2`` with ``V`` from the previous pass; ``phi >= 1e-6``,
    ``kappa >= 0``; placebos with ``CF <= 0`` carry no information and are left out).

    ``phi`` is the count noise (1 for Poisson demand, above 1 for lumpy demand), ``kappa``
    the squared relative error of the level.

    The weight ``1 / V^2`` is the inverse variance of a squared error where the error is
    Gaussian (``Var((A - CF)^2) = 2 V^2``). For a count it is not: a Poisson count with mean
    ``m`` has ``Var((A - m)^2) = m + 2 m^2`` (fourth central moment ``m + 3 m^2``), so
    ``1 / V^2`` overstates a window's information by a factor ``1 + 1 / (2V)``, without
    bound as ``V`` goes to 0. A window whose counterfactual collapsed toward 0 (0.0015 units
    against 11 sold, seen on generator runs) got over 100,000 times the weight of a window
    expecting one unit, and that one placebo pushed ``phi`` to about 140 and the pooled
    standard error from about 2 to 12 points. The weights are therefore floored at ``var_floor`` (default one unit^2, the
    Poisson variance of one expected unit, the resolution of integer sales): with weights
    bounded, a window's pull on the fit is proportional to its ``CF`` (its row of the
    design), so it vanishes as the counterfactual goes to 0 whatever the window sold. (The
    exact Poisson weight ``1 / (V + 2 V^2)`` does not have that property: its pull stays
    proportional to the squared error.) Nothing is set aside: every placebo with ``CF > 0``
    enters the fit; :func:`analyse` reports how many had ``V`` below the floor
    (``placebos_floored``).

    Example: errors with variance ``2 CF`` -> ``phi`` near 2, ``kappa`` near 0; 750 Poisson
    placebos plus one with ``CF = 0.0015`` and ``A = 11`` -> ``phi`` near 1 (without the
    floor: about 110).
    """
    if not var_floor > 0:
        raise ParameterError("var_floor must be > 0 (units^2)")
    A = np.asarray(A, "float64")
    CF = np.asarray(CF, "float64")
    ok = CF > 0
    A, CF = A[ok], CF[ok]
    if len(CF) < 3:
        return 1.0, 0.0
    y = (A - CF) ** 2
    X = np.column_stack([CF, CF ** 2])
    phi, kappa = 1.0, 0.01
    for _ in range(3):
        v = phi * CF + kappa * CF ** 2
        w = 1.0 / np.maximum(v, var_floor) ** 2
        beta = np.linalg.lstsq(X * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)[0]
        if beta[1] < 0:
            beta = np.array([(w * y * CF).sum() / (w * CF * CF).sum(), 0.0])
        if beta[0] < 1e-6:
            beta = np.array([1e-6, max((w * (y - 1e-6 * CF) * CF ** 2).sum()
                                       / (w * CF ** 4).sum(), 0.0)])
        phi, kappa = float(beta[0]), float(beta[1])
    return phi, kappa


def _gkey(df: pd.DataFrame, grp: np.ndarray, g: str, by) -> dict:
    """The ``by`` values of group ``g`` (from its first row)."""
    row = df.loc[grp == g].iloc[0]
    return {c: row[c] for c in by}


def _groups(df: pd.DataFrame, by) -> pd.Series:
    out = None
    for c in by:
        v = df[c].astype("string").fillna("")
        out = v if out is None else out + "|" + v
    return out.astype(object)


@dataclass
class Recovery:
    """Result of :func:`analyse` (every table also written to CSV by the report)."""

    episodes: pd.DataFrame        # one row per real and placebo episode
    pooled: pd.DataFrame          # one row per group (``by``)
    weekly: pd.DataFrame          # one row per group and week after the restock
    curves: pd.DataFrame          # the day-level curves (real and placebo)
    error: pd.DataFrame           # the error model per group
    by: tuple
    window_days: int
    summary_days: int
    boot: dict = field(default_factory=dict)            # group -> bootstrap sums and fits
    curves_pooled: dict = field(default_factory=dict)   # group -> pooled curve
    placebo_pooled: dict = field(default_factory=dict)  # group -> (B,) pooled placebo deficits
    passes: int = 1

    def group_keys(self, df: pd.DataFrame) -> np.ndarray:
        """The group key (the ``by`` values joined by ``|``) of each row of ``df``."""
        return _groups(df, self.by).to_numpy()

    @property
    def groups(self) -> list[str]:
        """The pooled groups, in the order of :attr:`pooled`."""
        return list(self.group_keys(self.pooled))

    def curve(self, group: str) -> pd.DataFrame:
        """The pooled curve of a group by day after the restock: ``day_after, units,
        counterfactual, ratio, episodes`` (real episodes' used days)."""
        return self.curves_pooled[group].copy()


def analyse(daily: pd.DataFrame, episodes: pd.DataFrame, *, by=("seller_id",),
            seed: int = 0, placebos_per_sku: int = PLACEBOS_PER_SKU,
            gap_days: int = GAP_DAYS, origin_step_days: int = ORIGIN_STEP_DAYS,
            window_days: int = WINDOW_DAYS, summary_days: int = SUMMARY_DAYS,
            min_history_days: int = MIN_HISTORY_DAYS, history_days: int = HISTORY_DAYS,
            ses_grid=SES_GRID, method: str = "ses_dow", controls: bool = True,
            control_group: str | None = None, alpha: float = ALPHA,
            bootstrap: int = BOOTSTRAP, max_recovery_days: int = MAX_RECOVERY_DAYS,
            max_recovery_ci_days: float = MAX_RECOVERY_CI_DAYS,
            runup_days: int = RUNUP_DAYS, passes: int = PASSES,
            var_floor: float = VAR_FLOOR) -> Recovery:
    """Every estimate of the module docstring in one pass: curves of the real and placebo
    episodes, the error model, per-episode deficits with intervals and their place in the
    placebo distribution, and per group ``by`` the pooled deficit, its weekly profile and
    the recovery time where identified.

    ``episodes`` (one row per real episode - every one given, ongoing and unmeasurable ones
    with the reason in ``status`` - and per placebo): ``episode, seller_id, marketplace, sku,
    start, end, length_days, placebo, ongoing, origin, restock_date, controls, status,
    runup_deviation, days_used, units, counterfactual, lost_units, deficit, deficit_lo,
    deficit_hi, z, placebo_pct, verdict`` (over the first ``summary_days`` after the
    restock; ``runup_deviation``: how far the week before the stockout sold above its
    counterfactual - the selection the estimator avoids).

    ``pooled`` (one row per group): ``*by, episodes, placebo_episodes, units,
    counterfactual, lost_units, deficit, deficit_lo, deficit_hi, se, placebo_lo,
    placebo_hi, placebo_deficit, measurable, verdict, deficit_at_restock, deficit_at_restock_lo,
    deficit_at_restock_hi, recovery_days, recovery_days_lo, recovery_days_hi,
    recovery_identified, recovery_note, phi, kappa, placebos_floored`` (``phi, kappa``: the
    group's :func:`error_model`; ``placebos_floored``: how many of its placebos had a variance
    below ``var_floor`` and were weighted and rescaled as if at the floor).

    ``weekly``: ``*by, week, day_from, day_to, episodes, units, counterfactual, deficit,
    deficit_lo, deficit_hi``.
    """
    if not 0 < summary_days <= window_days:
        raise ParameterError("summary_days must be in 1..window_days")
    if not 0 < alpha < 1:
        raise ParameterError("alpha must be in (0, 1)")
    if not var_floor > 0:
        raise ParameterError("var_floor must be > 0 (units^2)")
    by = tuple(by)
    P = _panel(daily, control_group)
    kw = dict(gap_days=gap_days, window_days=window_days, origin_step_days=origin_step_days,
              min_history_days=min_history_days, history_days=history_days)
    real_eps = _episode_table(episodes, None)
    plc = placebo_episodes(daily, real_eps[~real_eps["ongoing"]], per_sku=placebos_per_sku,
                           seed=seed,
                           _panel_cache=P, **kw)
    eps = _episode_table(episodes, plc)
    Yh = None
    for it in range(max(int(passes), 1)):
        cur = _curves(P, eps, ses_grid=ses_grid, method=method, controls=controls,
                      control_smooth_days=CONTROL_SMOOTH_DAYS, runup_days=runup_days, Yh=Yh,
                      **kw)
        res = _estimate(cur, by=by, seed=seed, alpha=alpha, summary_days=summary_days,
                        bootstrap=bootstrap, max_recovery_days=max_recovery_days,
                        max_recovery_ci_days=max_recovery_ci_days, var_floor=var_floor)
        res.passes = it + 1
        if it + 1 >= passes or not res.pooled["measurable"].fillna(False).any():
            return res
        Yh = _unconstrain(P, res, real_eps)
    return res


def _unconstrain(P: _Panel, res: Recovery, real_eps: pd.DataFrame) -> np.ndarray:
    """Sales history with the measured rank loss taken out: on the days after each real
    restock, units / (1 - fitted ramp deficit) of the SKU's group (groups with measurable
    damage only). The forecaster's history and the controls then carry demand, not damaged
    sales (a SKU's own past recoveries would otherwise lower its counterfactual)."""
    Y = P.Y.copy()
    T = len(P.dates)
    pr = res.pooled[res.pooled["measurable"].fillna(False).astype(bool)]
    if pr.empty or real_eps.empty:
        return Y
    ep = real_eps.merge(pr[[*res.by, "deficit_at_restock", "recovery_days_fit"]],
                        on=list(res.by), how="inner")
    if ep.empty:
        return Y
    i = pd.MultiIndex.from_frame(P.keys).get_indexer(pd.MultiIndex.from_frame(ep[KEY]))
    r = _day_index(P, ep["end"]) + 1
    d0 = ep["deficit_at_restock"].to_numpy("float64")
    R = ep["recovery_days_fit"].to_numpy("float64")
    for kk in range(int(np.nanmax(R)) if len(R) and np.isfinite(R).any() else 0):
        on = (i >= 0) & (r + kk < T) & (kk < R)
        m = 1 - d0[on] * (1 - kk / R[on])
        Y[r[on] + kk, i[on]] /= np.maximum(m, 0.05)
    return Y


def _estimate(cur: _Curves, *, by, seed: int, alpha: float, summary_days: int,
              bootstrap: int, max_recovery_days: int,
              max_recovery_ci_days: float, var_floor: float = VAR_FLOOR) -> Recovery:
    """Every estimate from the curves (see :func:`analyse`)."""
    window_days = cur.units.shape[1]
    z = _z(alpha)
    W, S = int(window_days), int(summary_days)
    U = np.where(cur.used, cur.units, 0.0)
    E = np.where(cur.used, cur.counterfactual, 0.0)
    ep = cur.ep.copy()
    grp = _groups(ep, by).to_numpy()
    is_pl = ep["placebo"].to_numpy(bool)
    A = U[:, :S].sum(1)
    CF = E[:, :S].sum(1)
    ep["days_used"] = (E[:, :S] > 0).sum(1)
    ep["runup_deviation"] = np.where(
        ep["runup_counterfactual"] > 0,
        ep["runup_units"] / ep["runup_counterfactual"].where(ep["runup_counterfactual"] > 0) - 1,
        np.nan)
    ep["units"], ep["counterfactual"] = A, CF
    ep["lost_units"] = CF - A
    has = CF > 0
    ep["deficit"] = np.where(has, 1 - A / np.where(has, CF, 1), np.nan)
    ep_phi = np.ones(len(ep))
    ep_kap = np.zeros(len(ep))
    err_rows, floored = [], {}
    for g in pd.unique(grp):
        sel = grp == g
        pl = sel & ep["placebo"].to_numpy(bool) & has
        phi, kap = error_model(A[pl], CF[pl], var_floor=var_floor)
        ep_phi[sel], ep_kap[sel] = phi, kap
        floored[g] = int((phi * CF[pl] + kap * CF[pl] ** 2 < var_floor).sum())
        err_rows.append(dict(_gkey(ep, grp, g, by), placebo_episodes=int(pl.sum()),
                             phi=phi, kappa=kap, placebos_floored=floored[g]))
    V = ep_phi * CF + ep_kap * CF ** 2
    Vf = np.maximum(V, var_floor)   # for rescaling one episode's error to another's volume
    sd = np.sqrt(np.maximum(V, 1e-12))
    ep["deficit_lo"] = np.where(has, ep["deficit"] - z * sd / np.where(has, CF, 1), np.nan)
    ep["deficit_hi"] = np.where(has, ep["deficit"] + z * sd / np.where(has, CF, 1), np.nan)
    ep["z"] = np.where(has, (A - CF) / sd, np.nan)
    # place of each episode in its group's placebo z distribution
    pct = np.full(len(ep), np.nan)
    for g in pd.unique(grp):
        zs = np.sort(ep["z"].to_numpy()[(grp == g) & ep["placebo"].to_numpy(bool) & has])
        sel = (grp == g) & has
        if len(zs):
            zz = ep["z"].to_numpy()[sel]   # mid-rank: ties count half
            pct[sel] = (np.searchsorted(zs, zz, side="left")
                        + np.searchsorted(zs, zz, side="right")) / (2 * len(zs))
    ep["placebo_pct"] = pct
    lo_q, hi_q = alpha / 2, 1 - alpha / 2
    ep["verdict"] = np.select(
        [~has, ep["placebo_pct"].isna(), ep["placebo_pct"] < lo_q, ep["placebo_pct"] > hi_q],
        ["not measured", "no placebo to compare with", "damage (below the placebo range)",
         "above normal (above the placebo range)"], "no measurable damage")
    ep["verdict"] = ep["verdict"].where(ep["status"] == "ok", "not measured: " + ep["status"])

    rng = np.random.default_rng(seed)
    pooled_rows, weekly_rows = [], []
    boot, plc_pooled, pooled_curve = {}, {}, {}
    kk = np.arange(W, dtype="float64")
    real = ~is_pl
    sku_code = pd.factorize(_groups(ep, KEY))[0]
    for g in pd.unique(grp[real]):
        ids = np.flatnonzero((grp == g) & real & has)
        pids = np.flatnonzero((grp == g) & is_pl & has)
        row = dict(_gkey(ep, grp, g, by), episodes=len(ids), placebo_episodes=len(pids),
                   phi=ep_phi[grp == g][0], kappa=ep_kap[grp == g][0],
                   placebos_floored=floored[g], measurable=False,
                   recovery_identified=False)
        if not len(ids):
            pooled_rows.append(dict(row, verdict="no episode could be measured",
                                    recovery_note="not identified: no measured episode"))
            continue
        nn = len(ids)
        sA, sCF = A[ids].sum(), CF[ids].sum()
        D = 1 - sA / sCF
        # standard error: the placebo-calibrated error model, or the episode-clustered
        # sandwich (effects may differ between episodes), whichever is larger
        se_model = np.sqrt(V[ids].sum()) / sCF
        resid = A[ids] - (1 - D) * CF[ids]
        se_sand = np.sqrt((resid ** 2).sum() * nn / max(nn - 1, 1)) / sCF
        se = max(se_model, se_sand)
        row.update(units=sA, counterfactual=sCF, lost_units=sCF - sA, deficit=D,
                   deficit_lo=D - z * se, deficit_hi=D + z * se, se=se)
        # placebo distribution of the pooled statistic: one placebo of the same SKU per real
        # episode (else any of the group), its error rescaled to the episode's volume (both
        # variances floored: a placebo whose counterfactual collapsed toward 0 would otherwise
        # have its error multiplied by sqrt(V_episode / ~0))
        inside = False
        if len(pids):
            draws = np.empty((bootstrap, nn), np.int64)
            for c in np.unique(sku_code[ids]):
                cols = np.flatnonzero(sku_code[ids] == c)
                cand = pids[sku_code[pids] == c]
                cand = cand if len(cand) else pids
                draws[:, cols] = rng.choice(cand, (bootstrap, len(cols)))
            errp = (A[draws] - CF[draws]) * np.sqrt(Vf[ids][None, :] / Vf[draws])
            dstar = -errp.sum(1) / sCF
            plc_pooled[g] = dstar
            row.update(placebo_lo=float(np.quantile(dstar, lo_q)),
                       placebo_hi=float(np.quantile(dstar, hi_q)),
                       placebo_deficit=float(1 - A[pids].sum() / CF[pids].sum()))
            inside = D <= row["placebo_hi"]
        measurable = bool(row["deficit_lo"] > 0 and not inside)
        row["measurable"] = measurable
        check = ("above the placebo range" if len(pids) else
                 "no placebo check possible: no clean in-stock span to draw placebos from")
        if measurable:
            row["verdict"] = (f"damage: {D:.0%} of the expected sales lost in the {S} days "
                              f"after a restock ({row['deficit_lo']:.0%} to "
                              f"{row['deficit_hi']:.0%}), {check}")
        elif row["deficit_hi"] < 0:
            row["verdict"] = "no measurable damage: sales ran above the counterfactual"
        elif inside:
            row["verdict"] = "no measurable damage: the deficit is inside the placebo distribution"
        else:
            row["verdict"] = "no measurable damage: the deficit's interval includes 0"
        # pooled ramp, and a bootstrap over episodes for every interval below
        Ug, Eg = U[ids], E[ids]
        m0, R, _ = _ramp_grid(Ug.sum(0, keepdims=True), Eg.sum(0, keepdims=True), kk,
                              max_recovery_days)
        bi = rng.integers(0, nn, (bootstrap, nn))
        cnt = np.zeros((bootstrap, nn))
        np.add.at(cnt, (np.repeat(np.arange(bootstrap), nn), bi.ravel()), 1.0)
        bU, bE = cnt @ Ug, cnt @ Eg                                        # (B, W)
        bm0, bR, _ = _ramp_grid(bU, bE, kk, max_recovery_days)
        boot[g] = dict(U=bU, E=bE, m0=bm0, R=bR, n=(Eg > 0).sum(0))
        su, se_ = Ug.sum(0), Eg.sum(0)
        pooled_curve[g] = pd.DataFrame({
            "day_after": np.arange(W), "units": su, "counterfactual": se_,
            "ratio": np.where(se_ > 0, su / np.where(se_ > 0, se_, 1.0), np.nan),
            "episodes": (Eg > 0).sum(0)})
        r_lo, r_hi = float(np.quantile(bR, lo_q)), float(np.quantile(bR, hi_q))
        row.update(deficit_at_restock=float(1 - m0[0]),
                   deficit_at_restock_lo=float(np.quantile(1 - bm0, lo_q)),
                   deficit_at_restock_hi=float(np.quantile(1 - bm0, hi_q)),
                   recovery_days_lo=r_lo, recovery_days_hi=r_hi,
                   recovery_days_fit=float(R[0]))
        if not measurable:
            note = "not identified: no measurable damage"
        elif r_lo <= 0 or r_hi >= max_recovery_days:
            note = ("not identified: in some resamples the sales curve is not seen back at "
                    f"the counterfactual within {max_recovery_days} days")
        elif r_hi - r_lo > max_recovery_ci_days:
            note = (f"not identified: its interval, {r_lo:.0f} to {r_hi:.0f} days, is wider "
                    f"than {max_recovery_ci_days:.0f} days")
        else:
            note = f"identified: {R[0]:.0f} days ({r_lo:.0f} to {r_hi:.0f})"
        ident = note.startswith("identified")
        row.update(recovery_days=float(R[0]) if ident else np.nan,
                   recovery_identified=ident, recovery_note=note)
        pooled_rows.append(row)
        for w in range(int(np.ceil(W / 7))):
            a, b = 7 * w, min(7 * w + 7, W)
            wu, we = Ug[:, a:b].sum(), Eg[:, a:b].sum()
            be = bE[:, a:b].sum(1)
            bd = 1 - bU[:, a:b].sum(1) / np.where(be > 0, be, np.nan)
            fin = np.isfinite(bd).any()
            weekly_rows.append(dict(
                _gkey(ep, grp, g, by), week=w + 1, day_from=a, day_to=b - 1,
                episodes=int((Eg[:, a:b].sum(1) > 0).sum()), units=wu, counterfactual=we,
                deficit=1 - wu / we if we > 0 else np.nan,
                deficit_lo=float(np.nanquantile(bd, lo_q)) if fin else np.nan,
                deficit_hi=float(np.nanquantile(bd, hi_q)) if fin else np.nan))
    pcols = [*by, "episodes", "placebo_episodes", "units", "counterfactual", "lost_units",
             "deficit", "deficit_lo", "deficit_hi", "se", "placebo_lo", "placebo_hi",
             "placebo_deficit", "measurable", "verdict", "deficit_at_restock",
             "deficit_at_restock_lo", "deficit_at_restock_hi", "recovery_days",
             "recovery_days_lo", "recovery_days_hi", "recovery_days_fit",
             "recovery_identified", "recovery_note", "phi", "kappa", "placebos_floored"]
    wcols = [*by, "week", "day_from", "day_to", "episodes", "units", "counterfactual",
             "deficit", "deficit_lo", "deficit_hi"]
    ecols = ["episode", *KEY, "start", "end", "length_days", "placebo", "ongoing", "origin",
             "restock_date", "controls", "status", "runup_deviation", "days_used", "units",
             "counterfactual", "lost_units", "deficit", "deficit_lo", "deficit_hi", "z",
             "placebo_pct", "verdict"]
    pooled = pd.DataFrame(pooled_rows).reindex(columns=pcols)
    for c in ("measurable", "recovery_identified"):
        pooled[c] = pooled[c].astype(bool)
    return Recovery(episodes=ep[ecols].reset_index(drop=True), pooled=pooled,
                    weekly=pd.DataFrame(weekly_rows).reindex(columns=wcols),
                    curves=_long(cur, np.flatnonzero(real)), error=pd.DataFrame(err_rows),
                    by=by, window_days=W, summary_days=S, boot=boot,
                    placebo_pooled=plc_pooled, curves_pooled=pooled_curve)


# ---------------------------------------------------------------------------------------------
# Budget
# ---------------------------------------------------------------------------------------------

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




def _group_curve(res: Recovery, g: str) -> dict | None:
    """What a plan needs from group ``g``: its pooled row, the measured weekly deficits
    (point and bootstrap) and the episodes behind each day after the restock."""
    pr = res.pooled[_groups(res.pooled, res.by) == g]
    b = res.boot.get(g)
    if pr.empty or b is None:
        return None
    W = res.window_days
    bounds = np.minimum(np.r_[np.arange(int(np.ceil(W / 7))) * 7, W], W)
    sU = np.add.reduceat(b["U"], bounds[:-1], axis=1)
    sE = np.add.reduceat(b["E"], bounds[:-1], axis=1)
    cur = res.curve(g)
    pU = np.add.reduceat(cur["units"].to_numpy("float64"), bounds[:-1])
    pE = np.add.reduceat(cur["counterfactual"].to_numpy("float64"), bounds[:-1])
    return dict(row=pr.iloc[0], boot=b,
                boot_wk=np.where(sE > 0, 1 - sU / np.where(sE > 0, sE, 1.0), 0.0),
                pt_wk=np.where(pE > 0, 1 - pU / np.where(pE > 0, pE, 1.0), 0.0))


def _deficit_curve(gc: dict | None, k: np.ndarray, W: int):
    """Point and bootstrap deficit on days ``k`` after the restock: the fitted ramp where the
    recovery time is identified, else the measured weekly deficits; 0 (point) where damage
    is not measurable. Returns ``(point (K,), boot (B, K), episodes (K,), basis)``."""
    K = len(k)
    if gc is None:
        return np.zeros(K), np.zeros((1, K)), np.zeros(K, np.int64), "no measured episode"
    pr, b = gc["row"], gc["boot"]
    inside = k < W
    kc = np.clip(k, 0, W - 1)
    n = np.where(inside, b["n"][kc], 0)
    mf_point = np.where(inside, gc["pt_wk"][kc // 7], 0.0)
    mf_boot = np.where(inside[None, :], gc["boot_wk"][:, kc // 7], 0.0)
    if pr["recovery_identified"]:
        d0, R = pr["deficit_at_restock"], pr["recovery_days"]
        point = d0 * np.maximum(0.0, 1 - k / R)
        bR = np.where(b["R"] > 0, b["R"], 1.0)
        boot = (1 - b["m0"])[:, None] * np.maximum(0.0, 1 - k[None, :] / bR[:, None])
        basis = (f"fitted ramp: {d0:.0%} below normal at the restock, back in {R:.0f} days "
                 f"({int(pr['episodes'])} episodes)")
    elif pr["measurable"]:
        point, boot = mf_point, mf_boot
        basis = (f"measured weekly deficits ({int(pr['episodes'])} episodes; recovery time "
                 f"{pr['recovery_note']})")
    else:
        point, boot = np.zeros(K), mf_boot
        basis = f"no measurable damage ({int(pr['episodes'])} episodes): no extra budget"
    return np.clip(point, 0, 1), np.clip(boot, 0, 1), n, basis


def budget_plan(res: Recovery, episodes: pd.DataFrame, as_of, *,
                rates: pd.DataFrame | None = None, unit_costs: pd.DataFrame | None = None,
                on_hand: pd.DataFrame | None = None, weeks: int = 4,
                margin_goal: float = 0.10, cpc_uplift: float = 0.0, alpha: float = ALPHA,
                rule_extra: float = RULE_OF_THUMB_EXTRA,
                rule_min_days: int = RULE_OF_THUMB_MIN_DAYS) -> pd.DataFrame:
    """Week-by-week extra ad budget that buys back the units a restocked SKU is still
    missing, with its interval and the number of episodes behind it.

    SKUs planned: each SKU's latest real stockout (``episodes``) if it is still out of stock
    at ``as_of`` (status ``out_of_stock``: budget 0 until it is back) or was restocked
    fewer than ``res.window_days`` days before ``as_of`` (``recovering``). Weeks run from
    ``as_of``; day ``k`` counts from the restock.

    * ``baseline_units_per_day``: the counterfactual for the plan days - the SKU's forecast
      from its episode's origin times the control ratio of the last 7 days before
      ``as_of``;
    * ``deficit``: the group's curve: the fitted ramp where the
      recovery time is identified, else the measured weekly deficits; 0 where damage is not
      measurable. ``missing_units`` = sum over the week of baseline x deficit; intervals
      ``1 - alpha`` from the bootstrap over episodes;
    * ``cost_per_unit`` = CPC x (1 + ``cpc_uplift``) / (CVR x units per order), the SKU's
      own recent rates with CVR shrunk toward the marketplace (:func:`sku_ad_rates`);
      ``max_cost_per_unit`` = target ACoS x price (:func:`postship_analysis.ads.
      unit_economics` with ``margin_goal``); ``extra_budget`` = missing units x the smaller of
      the two (``capped`` when the cap binds; ``units_bought`` = budget / cost per unit);
    * zero, with the ``reason``, for a SKU still out of stock, one whose stock covers fewer
      days than the plan (``days_of_cover`` = ``on_hand`` / baseline < 7 x ``weeks``: more
      ads would bring the next stockout forward), one whose margin leaves nothing for ads
      at the target ACoS (``max_cost_per_unit`` <= 0) and where damage is not measurable;
      NaN where the SKU has no ad rates to price the units with;
    * ``rule_extra_budget``: the unverified "+37 % ad budget after more than 7 days out of
      stock" rule applied to the SKU's current weekly ad spend - a comparison line only.

    Returns one row per SKU and week: ``seller_id, marketplace, sku, status, start,
    length_days, restock_date, days_since_restock, week, week_start, week_end,
    baseline_units_per_day, deficit, deficit_lo, deficit_hi, episodes, missing_units,
    missing_units_lo, missing_units_hi, cost_per_unit, max_cost_per_unit, capped,
    extra_budget, extra_budget_lo, extra_budget_hi, units_bought, current_spend,
    rule_extra_budget, currency, rates_source, days_of_cover, basis, reason``.

    Example (the tests' hand arithmetic): baseline 10 units a day, a ramp 30 % below at the
    restock back in 20 days, restocked 5 days ago: week 1 (k = 5..11) misses
    10 x 0.3 x sum(1 - k/20) = 10 x 0.3 x 4.4 = 13.2 units.
    """
    if weeks < 1 or cpc_uplift < 0:
        raise ParameterError("weeks must be >= 1 and cpc_uplift >= 0")
    as_of = pd.Timestamp(as_of).normalize()
    cols = [*KEY, "status", "start", "length_days", "restock_date", "days_since_restock",
            "week", "week_start", "week_end", "baseline_units_per_day", "deficit",
            "deficit_lo", "deficit_hi", "episodes", "missing_units", "missing_units_lo",
            "missing_units_hi", "cost_per_unit", "max_cost_per_unit", "capped",
            "extra_budget", "extra_budget_lo", "extra_budget_hi", "units_bought",
            "current_spend", "rule_extra_budget", "currency", "rates_source",
            "days_of_cover", "basis", "reason"]
    ep = _norm_keys(episodes)
    if ep.empty:
        return pd.DataFrame(columns=cols)
    ep["start"] = pd.to_datetime(ep["start"]).astype("datetime64[ns]")
    ep["end"] = pd.to_datetime(ep["end"]).astype("datetime64[ns]")
    ep = ep[ep["start"] < as_of]
    ongoing = (ep["ongoing"].astype("boolean").fillna(False).astype(bool) if "ongoing" in ep
               else pd.Series(False, index=ep.index)) | (ep["end"] >= as_of - DAY)
    ep = ep.assign(_ongoing=ongoing.to_numpy(bool))
    ep = ep.sort_values([*KEY, "start"]).groupby(KEY, sort=True).tail(1)
    ep["restock_date"] = (ep["end"] + DAY).where(~ep["_ongoing"])
    ep["days_since_restock"] = (as_of - ep["restock_date"]).dt.days
    keep = ep["_ongoing"] | (ep["days_since_restock"].between(0, res.window_days - 1))
    t = ep[keep].reset_index(drop=True)
    if t.empty:
        return pd.DataFrame(columns=cols)
    t["status"] = np.where(t["_ongoing"], "out_of_stock", "recovering")
    t["length_days"] = np.where(t["_ongoing"], (as_of - t["start"]).dt.days,
                                t["length_days"]).astype("int64")
    ndays = 7 * weeks
    # counterfactual for the plan days: forecast from the episode's origin x recent ratio
    cv = res.curves.merge(t[[*KEY, "start"]], on=[*KEY, "start"], how="inner")
    recent = cv[(cv["date"] < as_of) & (cv["date"] >= as_of - 7 * DAY) & cv["units"].notna()]
    ratio_now = recent.groupby([*KEY, "start"])["control_ratio"].mean().rename("ratio_now")
    t = t.merge(ratio_now.reset_index(), on=[*KEY, "start"], how="left")
    t["ratio_now"] = t["ratio_now"].fillna(1.0)
    W = res.window_days
    F = np.full((len(t), W), np.nan)
    if len(cv):
        fi = cv.merge(t[[*KEY, "start"]].reset_index(), on=[*KEY, "start"])
        F[fi["index"].to_numpy(), fi["day_after"].to_numpy(np.int64)] = fi["forecast"]
    j = t["days_since_restock"].fillna(0).to_numpy(np.int64)
    k = j[:, None] + np.arange(ndays)[None, :]                            # (n, ndays)
    inW = k < W
    base = np.where(inW, F[np.arange(len(t))[:, None], np.clip(k, 0, W - 1)], np.nan)
    base = base * t["ratio_now"].to_numpy()[:, None]
    nb = np.isfinite(base).sum(1)
    t["baseline_units_per_day"] = np.where(t["_ongoing"] | (nb == 0), np.nan,
                                           np.nansum(base, axis=1) / np.maximum(nb, 1))
    base = np.nan_to_num(base)
    # rates, unit economics, cover
    r = (_norm_keys(rates) if rates is not None and len(rates)
         else pd.DataFrame(columns=[*KEY, "cpc", "cvr", "units_per_order", "daily_spend",
                                    "currency", "rates_source"]))
    t = t.merge(r[[*KEY, "cpc", "cvr", "units_per_order", "daily_spend", "currency",
                   "rates_source"]], on=KEY, how="left")
    if len(r):   # a SKU that is not advertised: the marketplace's mean rates
        mp_k = ["seller_id", "marketplace"]
        mpr = r.groupby(mp_k)[["cpc", "cvr", "units_per_order"]].mean()
        mpr = mpr.join(r.groupby(mp_k)["currency"].first()).add_suffix("_mp").reset_index()
        t = t.merge(mpr, on=mp_k, how="left")
        miss = t["cpc"].isna() & t["cpc_mp"].notna()
        for c in ("cpc", "cvr", "units_per_order", "currency"):
            t[c] = t[c].where(~miss, t[c + "_mp"])
        t["rates_source"] = t["rates_source"].where(~miss, "marketplace (SKU not advertised)")
        t["daily_spend"] = t["daily_spend"].where(~miss, 0.0)
    t["cost_per_unit"] = (t["cpc"].astype("float64") * (1 + cpc_uplift)
                          / (t["cvr"].astype("float64")
                             * t["units_per_order"].astype("float64")).where(lambda x: x > 0))
    if unit_costs is not None and len(unit_costs):
        ue = _norm_keys(unit_economics(unit_costs, margin_goal=margin_goal))
        ue = ue.drop_duplicates(KEY)
        t = t.merge(ue[[*KEY, "price", "target_acos"]], on=KEY, how="left")
        t["max_cost_per_unit"] = t["target_acos"].astype("float64") * t["price"].astype(
            "float64")
    else:
        t["max_cost_per_unit"] = np.nan
    if on_hand is not None and len(on_hand):
        oh = _norm_keys(on_hand).groupby(KEY)["on_hand"].last().rename("_oh").reset_index()
        t = t.merge(oh, on=KEY, how="left")
    else:
        t["_oh"] = np.nan
    bl = t["baseline_units_per_day"].astype("float64")
    t["days_of_cover"] = np.where(bl > 0, t["_oh"].astype("float64") / bl.where(bl > 0),
                                  np.nan)
    # deficit per plan day, by the target's group
    tg = _groups(t, res.by).to_numpy()
    lo_q, hi_q = alpha / 2, 1 - alpha / 2
    miss_pt = np.zeros((len(t), weeks))
    miss_lo = np.zeros((len(t), weeks))
    miss_hi = np.zeros((len(t), weeks))
    d_pt = np.zeros((len(t), weeks))
    d_lo = np.zeros((len(t), weeks))
    d_hi = np.zeros((len(t), weeks))
    n_ep = np.zeros((len(t), weeks), np.int64)
    basis = np.empty(len(t), dtype=object)
    gcs = {g: _group_curve(res, g) for g in pd.unique(tg)}
    for q in range(len(t)):
        point, boot, n, basis[q] = _deficit_curve(gcs[tg[q]], k[q], W)
        b = base[q]
        mu = (b * point).reshape(weeks, 7).sum(1)
        mb = (boot * b[None, :]).reshape(len(boot), weeks, 7).sum(2)
        bw = b.reshape(weeks, 7).sum(1)
        miss_pt[q], d_pt[q] = mu, np.where(bw > 0, mu / np.where(bw > 0, bw, 1), 0.0)
        miss_lo[q], miss_hi[q] = np.quantile(mb, lo_q, axis=0), np.quantile(mb, hi_q, axis=0)
        d_lo[q] = np.where(bw > 0, miss_lo[q] / np.where(bw > 0, bw, 1), 0.0)
        d_hi[q] = np.where(bw > 0, miss_hi[q] / np.where(bw > 0, bw, 1), 0.0)
        n_ep[q] = n.reshape(weeks, 7).max(1)
    t["basis"] = basis
    oos = t["status"].to_numpy() == "out_of_stock"
    short = (t["days_of_cover"] < ndays).to_numpy(bool)
    no_rate = t["cost_per_unit"].isna().to_numpy()
    no_room = (t["max_cost_per_unit"] <= 0).to_numpy(bool)
    reason = np.select(
        [oos, short, no_rate, no_room],
        ["still out of stock: no recovery ads until it is back in stock",
         "stock covers fewer days than the plan: more ads would bring the next stockout "
         "forward", "no ad rates (CPC, CVR) to price the missing units",
         "no room for ads: at the target ACoS the unit's margin pays nothing for an extra "
         "unit"], "")
    reason = np.where((reason == "") & t["days_of_cover"].isna().to_numpy() & ~oos,
                      "stock cover unknown (no inventory on hand): check it before spending",
                      reason)
    unit_cost = np.fmin(t["cost_per_unit"].to_numpy("float64"),
                        t["max_cost_per_unit"].to_numpy("float64"))
    zero = oos | short
    rep = np.repeat(np.arange(len(t)), weeks)
    out = t.loc[rep, [*KEY, "status", "start", "length_days", "restock_date",
                      "days_since_restock", "baseline_units_per_day", "cost_per_unit",
                      "max_cost_per_unit", "currency", "rates_source", "days_of_cover",
                      "basis"]].reset_index(drop=True)
    out["week"] = np.tile(np.arange(1, weeks + 1), len(t))
    out["week_start"] = as_of + pd.to_timedelta((out["week"] - 1) * 7, unit="D")
    out["week_end"] = out["week_start"] + 6 * DAY
    zr = np.repeat(zero, weeks)
    out["deficit"], out["deficit_lo"], out["deficit_hi"] = (
        np.where(zr, np.nan, d_pt.ravel()), np.where(zr, np.nan, d_lo.ravel()),
        np.where(zr, np.nan, d_hi.ravel()))
    out["episodes"] = n_ep.ravel()
    for name, arr in (("missing_units", miss_pt), ("missing_units_lo", miss_lo),
                      ("missing_units_hi", miss_hi)):
        out[name] = np.where(zr, 0.0, arr.ravel())
    uc = np.repeat(unit_cost, weeks)
    out["capped"] = np.repeat(t["max_cost_per_unit"].to_numpy("float64")
                              < t["cost_per_unit"].to_numpy("float64"), weeks)
    for name, src in (("extra_budget", "missing_units"), ("extra_budget_lo",
                                                          "missing_units_lo"),
                      ("extra_budget_hi", "missing_units_hi")):
        out[name] = np.where(zr, 0.0, out[src] * uc)
    cpu = out["cost_per_unit"].astype("float64")
    out["units_bought"] = out["extra_budget"] / cpu.where(cpu > 0)
    spend_wk = 7 * t["daily_spend"].astype("float64").fillna(0.0).to_numpy()
    out["current_spend"] = np.repeat(spend_wk, weeks)
    applies = t["length_days"].to_numpy("float64") > rule_min_days
    out["rule_extra_budget"] = np.repeat(np.where(applies, rule_extra, 0.0) * spend_wk, weeks)
    out["reason"] = np.repeat(reason, weeks)
    return out[cols]


def rule_of_thumb_check(plan: pd.DataFrame) -> pd.DataFrame:
    """The measured extra budget beside the 37 % rule of thumb, per SKU over the plan (a
    comparison only): ``extra_pct_of_spend`` = extra budget / current ad spend over the same
    weeks; ``rule_pct_of_spend`` = 0.37 for stockouts over 7 days, else 0.

    Returns ``seller_id, marketplace, sku, status, length_days, extra_budget,
    extra_budget_lo, extra_budget_hi, rule_extra_budget, current_spend, extra_pct_of_spend,
    rule_pct_of_spend``.
    """
    g = plan.groupby(KEY, sort=True)
    out = g.agg(status=("status", "first"), length_days=("length_days", "first"),
                extra_budget=("extra_budget", lambda x: x.sum(min_count=1)),
                extra_budget_lo=("extra_budget_lo", lambda x: x.sum(min_count=1)),
                extra_budget_hi=("extra_budget_hi", lambda x: x.sum(min_count=1)),
                rule_extra_budget=("rule_extra_budget", "sum"),
                current_spend=("current_spend", "sum")).reset_index()
    sp = out["current_spend"].where(out["current_spend"] > 0)
    out["extra_pct_of_spend"] = out["extra_budget"] / sp
    out["rule_pct_of_spend"] = out["rule_extra_budget"] / sp
    return out


def recovery_kpis(res: Recovery, plan: pd.DataFrame | None, as_of, *,
                  weeks: int = 4) -> list[KPI]:
    """Headline KPIs per pooled group (status ``info``: no Amazon target exists). The
    ``marketplace`` field is the group's marketplace, or ``ALL`` when episodes are pooled
    across marketplaces (the default: the rank loss is Amazon's, not a marketplace's).

    * ``stockout_sales_deficit_mean``: the share of the counterfactual sales lost over the
      first ``summary_days`` after a restock, pooled (fraction: numerator = lost units,
      denominator = counterfactual units; an estimate below 0 - sales above the
      counterfactual - shows as 0, the signed estimate and its interval are in
      :attr:`Recovery.pooled`);
    * ``stockout_recovery_days_median``: the pooled recovery time where identified, else no
      data (name kept for schedulers; days);
    * ``stockout_recovery_lost_units``: counterfactual minus sold units over the same days,
      summed over the episodes (units);
    * ``stockout_extra_ad_budget_next_4w``: the plan's extra budget over the ``weeks`` weeks
      from ``as_of`` (currency).
    """
    as_of = pd.Timestamp(as_of)
    end = as_of + pd.Timedelta(days=7 * weeks - 1)
    win = f"{as_of.date()}..{end.date()}"
    kp: list[KPI] = []
    for _, p in res.pooled.iterrows():
        mp = str(p["marketplace"]) if "marketplace" in res.by else "ALL"
        n = int(p["episodes"]) if pd.notna(p["episodes"]) else 0
        lost = None if pd.isna(p["lost_units"]) else max(float(p["lost_units"]), 0.0)
        kp.append(KPI.make("stockout_sales_deficit_mean", mp,
                           None if lost is None else lost / float(p["counterfactual"]),
                           numerator=lost,
                           denominator=None if lost is None else float(p["counterfactual"]),
                           window=f"first {res.summary_days} days after each restock, "
                           f"{n} restocks"))
        kp.append(KPI.make("stockout_recovery_days_median", mp,
                           float(p["recovery_days"]) if p["recovery_identified"] else None,
                           unit="days", denominator=n, window="all episodes"))
        kp.append(KPI.make("stockout_recovery_lost_units", mp,
                           None if pd.isna(p["lost_units"]) else float(p["lost_units"]),
                           unit="units", window="all episodes"))
        if plan is not None and len(plan):
            pm = plan if mp == "ALL" else plan[plan["marketplace"] == mp]
            pm = pm[pm["week_start"] <= end]
            kp.append(KPI.make("stockout_extra_ad_budget_next_4w", mp,
                               float(pm["extra_budget"].sum()), unit="currency",
                               window=win))
    return kp
