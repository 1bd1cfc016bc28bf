"""Stockout-aware demand forecasts per SKU: point forecasts, quantiles and lead-time demand.

Input is a long table ``seller_id, marketplace, sku, date, units`` with optionally
``censored`` and ``in_stock_share`` — :func:`postship_analysis.demand.daily_demand` gives
marketplace-local days — or any **daily, weekly or monthly** series (``date`` = the start of
each period; the frequency is inferred from the dates or given as ``freq``). Every method works
on a dense (period x SKU) array, vectorised over SKUs (kernels loop over periods in Python, not
over SKUs).

Censored periods are lower bounds, not missing values
-----------------------------------------------------
A period out of stock all day (``in_stock_share`` below :data:`MIN_SHARE`) is *masked*: no
smoothing state is updated and the Croston interval clock does not advance (forecasting.md
§3.3: masking cut the bias on recently stocked-out SKUs from -19 %..-38 % to +2 %..+4 %). A
partly censored period (a sell-out or restock day) is used: its sales cover a share ``s`` of
the day's usual demand (``demand.in_stock_share``), so every kernel updates on ``y - s f`` (the
lost part imputed at the current forecast ``f``) instead of masking the day whole, which kept
only the quieter days (a sell-out day sells more than an average day: forecasting.md, "A
lesson from real data with stockout flags"). Measured on the FreshRetailNet subset
(benchmarks/bench_realdata.py): RMSSE 0.834 and bias +4.0 % against 0.846 and -8.3 % for the
same forecaster without the stock information. Without ``in_stock_share`` a ``censored`` period
is masked whole.

Frequency, season and history
-----------------------------
Seasons (:data:`SEASON`): the weekday for days, the week of the year for weeks, the month of
the year for months, used when the history holds :data:`MIN_SEASONS` of them (else stated in
``ForecastFit.extra["note"]``); ``season_length`` overrides. The history is the last
``history_periods`` periods (:data:`HISTORY_PERIODS`: 730 days, 260 weeks, 120 months), stated
in the note with the number available — never a day count that silently drops months.

Methods (``method=``)
---------------------
``naive``     last uncensored period's units.
``snaive``    seasonal naive: the same season position one season before the origin.
``ma``        in-stock-adjusted moving average: units on uncensored periods / uncensored periods
              over the last :data:`MA_PERIODS` (28 days, 13 weeks, 12 months; falls back to the
              whole history); partly censored periods count with units / share.
``ses``       simple exponential smoothing of the demand divided by the seasonal index (and by
              event multipliers), alpha per SKU from :data:`SES_GRID` (0.005-0.5) by in-sample
              one-step MSE (statsforecast's SESOpt searches 0.1-0.3 only; the long-memory end
              of the grid is what intermittent SKUs pick); the index is the SKU's profile shrunk
              toward the pooled profile of its marketplace (weight units / (units + 200)),
              floored at :data:`SEASON_FLOOR`. Recursion (Hyndman & Athanasopoulos, FPP3 §8.1):
              ``l_t = l_{t-1} + alpha (y_t - l_{t-1})``, ``l_0 = y_1`` (as SESOpt). ``ses_dow``
              is accepted as its old name.
``croston``   Croston (1972): sizes ``z`` and intervals ``p`` smoothed at demand periods only,
              forecast ``z / p``; ``z_0, p_0`` = first demand and its position (1-based,
              counting uncensored periods), as in statsforecast's ``CrostonClassic``.
``sba``       Syntetos-Boylan approximation: Croston x (1 - alpha/2) (IJF 21(2), 2005); offered
              by ``auto`` only where ADI > 1.32 (biased low on smooth SKUs, forecasting.md §5.1).
``tsb``       Teunter-Syntetos-Babai (EJOR 214, 2011): demand probability ``b`` smoothed every
              uncensored period, size ``z`` at demand periods, forecast ``b z``.
``auto``      per SKU: ``ses`` (every demand class's default: on the real data sets it was the
              best single method on RMSSE, and ``sba`` as intermittent default carried +26 %
              bias on carparts), switched by a rolling-origin backtest (below) to another method
              of the class's pool (:data:`CANDIDATES`) only when that one scores
              ``switch_margin`` (10 %) better. Score = RMSSE + 0.5 |scaled bias| + 0.5 scaled
              |lead-time-total error| (never MAE or MASE alone: the all-zero forecast wins those
              on intermittent items). A SKU with less history than :data:`SHORT_HISTORY` (8
              weeks of days, 26 weeks, 24 months) gets the moving average of what it has, and
              says so in ``history_note``.

Every SKU's ``basis`` says what its forecast rests on: in-stock history; the in-stock hours
of partly censored periods; earlier history (no in-stock period lately); or, for a SKU with no
in-stock period in its recent window that still sells, its sales per period there as a lower
bound (a censored SKU that sells never gets a zero forecast). Bad units are not used and are
listed with the reason in ``extra["rejected"]`` (NaN; negative: returns are not demand).

Accuracy on real data (benchmarks/bench_realdata.py, protocol of forecasting.md "Real-data
benchmarks"; figures in the README): RMSSE at or below the best statsforecast model on all six
sets; |bias| at or below the best one on carparts, FreshRetailNet and manufacturing, not on
RAF, automotive and MRO, where the lowest-bias statsforecast model differs per set and is far
worse on RMSSE (see the README for the numbers and why).

Events (Prime Day, Q4)
----------------------
``events``: DataFrame ``start, end, multiplier`` (optional ``marketplace``: rows without it
apply everywhere). History on those days is divided by the multiplier before smoothing, future
days are multiplied by it. A missing multiplier (NaN) means "estimate it": the pooled ratio of
units on the event's days inside the history to the in-stock velocity (units per uncensored
day) of the same SKUs over the 28 days before each of those occurrences, per ``event`` name
and marketplace scope (1 when the history holds no occurrence); the estimate deflates the past
occurrences and inflates the future one.

Backtest and uncertainty
------------------------
Origins every ``min(H, 28)`` days (daily data) or every ``H`` periods (weekly, monthly) going
back from ``as_of - H`` (``H`` = max(horizon, lead time)), ``origins`` of them (default 8),
after :data:`MIN_BACKTEST_HISTORY` periods; each forecasts ``H`` periods from the states the
one pass over the history stored at that period (the pass is shared: the backtest costs one
extra array slice per origin, not a refit). The seasonal index comes from the periods before
the latest origin. Scores use fully in-stock periods only; RMSSE is scaled by the
SKU's in-sample one-step naive MSE (M5). For the lead-time distribution, the cumulative error
``C_k(L) = sum_{j<L} (y - f)`` of each origin whose window has no censored day gives
``v_emp = mean_k C_k(L)^2``; it is shrunk toward a global estimate ``c(L) * L * s^2``
(``s^2`` the SKU's daily variance over its last 180 uncensored days, ``c(L)`` the pooled
ratio of squared cumulative errors to ``L s^2`` in its demand group):
``v = (n v_emp + n0 c L s^2) / (n + n0)``, ``n0 = shrink`` (default 4). Saoud, Kourentzes &
Boylan (Omega 110, 2022) on why the empirical lead-time error is used instead of
``L * sigma_1^2``. Quantiles: normal ``max(0, mu + z sqrt(v))`` for smooth/erratic SKUs,
negative binomial (``n = mu^2/(v-mu)``, ``p = mu/v``; Poisson when ``v <= mu``) for
intermittent/lumpy and slow movers (mean < 1 unit/day) - never ``z sigma sqrt(L)`` there.

statsmodels is the reference the tests check SES against (imported lazily by the tests and
:func:`ses_statsmodels`; it costs about a second to import).

Example
-------
>>> import numpy as np, pandas as pd
>>> d = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
...     "date": pd.date_range("2026-01-01", periods=120), "units": 3, "censored": False})
>>> f = forecast(d, as_of="2026-05-01", horizon=2, method="ma")
>>> f[["mean", "method"]].values.tolist()
[[3.0, 'ma'], [3.0, 'ma']]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from . import contract
from .demand import ADI_CUTOFF, CV2_CUTOFF, KEY
from .errors import ParameterError

METHODS = ("naive", "snaive", "ma", "ses", "croston", "sba", "tsb")
SES_GRID = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
CANDIDATES = {"smooth": ("ses", "croston", "tsb", "ma"), "erratic": ("ses", "croston", "tsb", "ma"),
              "intermittent": ("ses", "sba", "tsb", "ma"), "lumpy": ("ses", "sba", "tsb", "ma"),
              "no_demand": ("ma",)}
DEFAULT = {"smooth": "ses", "erratic": "ses", "intermittent": "ses", "lumpy": "ses",
           "no_demand": "ma"}


# ---------------------------------------------------------------------------------------------
# Kernels on (T, N) arrays; M = observed (uncensored) mask. Each returns the state just before
# every day in ``snaps`` (a sorted array of day indices in 0..T).
# ---------------------------------------------------------------------------------------------

def _first_row(A: np.ndarray) -> np.ndarray:
    """Index of the first True row per column, ``len(A)`` where there is none (also for an
    empty history)."""
    T = A.shape[0]
    if T == 0:
        return np.zeros(A.shape[1], np.int64)
    return np.where(A.any(0), np.argmax(A, 0), T)


def ses_kernel(X: np.ndarray, M: np.ndarray, alphas, snaps, S: np.ndarray | None = None
               ) -> dict:
    """Masked SES for several alphas at once: level ``(N, G)`` and in-sample one-step SSE.

    ``l`` starts at the first fully observed value; then, on observed days only,
    ``l += a (x - s l)`` with ``s`` the day's in-stock share (``S``, 1 when ``S`` is None): on
    a partly censored day the sales ``x`` cover a share ``s`` of the day's demand, so the error
    is taken against ``s l`` (equivalently the day's demand is ``x + (1 - s) l``: the lost part
    imputed at the current level). Returns ``{"level": (S, N, G), "sse": (S, N, G), "n": (S,
    N)}`` at the snapshots (level 0 before the first observation).

    The state is held as ``(G, N)`` so that every per-period operation runs over SKUs in
    contiguous memory (``(N, G)`` made numpy loop over 8 values at a time: 2x slower); the
    returned arrays are views in the documented shape.
    """
    T, N = X.shape
    a = np.asarray(alphas, dtype="float64")[:, None]
    G = a.shape[0]
    full = M if S is None else M & (S >= 1.0 - 1e-9)
    first = _first_row(full)
    # updates happen on observed periods after the first full one (precomputed: no per-period
    # bookkeeping in the loop)
    U = M & (np.arange(T)[:, None] > first[None, :])
    L = np.zeros((G, N))
    has = first < T
    L[:, has] = X[first[has], np.flatnonzero(has)][None, :]
    sse = np.zeros((G, N))
    snaps = np.asarray(snaps, dtype=np.int64)
    ns = len(snaps)
    cnt = _counts_before(U, snaps)
    out_l = np.zeros((ns, G, N))
    out_s = np.zeros((ns, G, N))
    e = np.empty((G, N))
    e2 = np.empty((G, N))
    u = np.empty(N)
    si = 0
    for t in range(T + 1):
        while si < ns and snaps[si] == t:
            np.multiply(L, first < t, out=out_l[si])
            out_s[si] = sse
            si += 1
        if t == T:
            break
        if S is None:
            np.subtract(X[t], L, out=e)
        else:
            np.multiply(S[t], L, out=e)
            np.subtract(X[t], e, out=e)
        u[:] = U[t]
        e *= u
        np.multiply(e, e, out=e2)
        sse += e2
        e *= a
        L += e
    return {"level": out_l.transpose(0, 2, 1), "sse": out_s.transpose(0, 2, 1), "n": cnt}


def _counts_before(U: np.ndarray, snaps: np.ndarray) -> np.ndarray:
    """``(len(snaps), N)`` float: True values of ``U`` in the rows before each snapshot (sorted
    snapshot rows): sums per segment between snapshots, accumulated (no ``(T, N)`` cumulative
    array; a bool ``reduceat`` casts every value and was 5x slower)."""
    T, N = U.shape
    b = np.r_[0, np.minimum(snaps, T)]
    seg = np.zeros((len(snaps), N), np.int64)
    for k in range(len(snaps)):
        if b[k + 1] > b[k]:
            seg[k] = U[b[k]:b[k + 1]].sum(0)
    return np.cumsum(seg, 0).astype(np.float64)


def _first(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First True row per column (T where none) and the columns sorted by it, with the
    slice bounds per day: ``order[cut[t]:cut[t+1]]`` are the columns whose first is ``t``."""
    T = A.shape[0]
    first = _first_row(A)
    order = np.argsort(first, kind="stable")
    return first, order, np.searchsorted(first[order], np.arange(T + 2))


def croston_kernel(Y: np.ndarray, M: np.ndarray, alpha: float, snaps,
                   S: np.ndarray | None = None) -> dict:
    """Masked Croston state: smoothed size ``z`` and interval ``p`` at the snapshots.

    ``q`` counts observed days since the last demand (the demand day included); at a demand
    ``z += a (y - z)``, ``p += a (q - p)`` (first demand: ``z = y``, ``p = q``), then ``q = 0``.
    Censored days change nothing (the clock does not advance). On a partly censored day (share
    ``s`` < 1 in ``S``) the day's demand is ``y + (1 - s) z / p`` (the lost part imputed at the
    current forecast).
    """
    T, N = Y.shape
    z = np.zeros(N)
    p = np.ones(N)
    q = np.zeros(N)
    if S is None:
        D = M & (Y > 0)
        first, order, cut = _first(D)
    else:
        D = None
        first = np.full(N, T)
    snaps = np.asarray(snaps, dtype=np.int64)
    oz, op, oi = np.zeros((len(snaps), N)), np.ones((len(snaps), N)), np.zeros((len(snaps), N),
                                                                               bool)
    upd = np.empty(N)
    tmp = np.empty(N)
    init = np.zeros(N, bool)
    si = 0
    for t in range(T + 1):
        while si < len(snaps) and snaps[si] == t:
            oz[si], op[si], oi[si] = z, p, (first < t) if S is None else init
            si += 1
        if t == T:
            break
        if S is None:
            y = Y[t]
            d = D[t]
        else:
            y = Y[t] + (1.0 - S[t]) * np.where(init, z / p, 0.0) * M[t]
            d = M[t] & (y > 0)
        q += M[t]
        if S is None:
            np.less(first, t, out=upd, casting="unsafe")     # initialised before today
        else:
            upd[:] = init
        upd *= d
        upd *= alpha
        np.subtract(y, z, out=tmp)
        tmp *= upd
        z += tmp
        np.subtract(q, p, out=tmp)
        tmp *= upd
        p += tmp
        if S is None:
            new = order[cut[t]:cut[t + 1]]
        else:
            new = np.flatnonzero(d & ~init)
            init[new] = True
        if new.size:
            z[new] = y[new]
            p[new] = q[new]
        q *= ~d
    return {"z": oz, "p": op, "init": oi}


def tsb_kernel(Y: np.ndarray, M: np.ndarray, alpha_d: float, alpha_p: float, snaps,
               S: np.ndarray | None = None, size: bool = True) -> dict:
    """Masked TSB state: demand probability ``b`` (every observed day) and size ``z``.

    ``b`` starts at the first observed day's indicator ``1{y>0}`` and is then updated
    ``b += a_p (1{y>0} - b)`` on each observed day; ``z`` starts at the first demand and is
    updated ``z += a_d (y - z)`` on demand days only (statsforecast ``TSB``). On a partly
    censored day the demand is ``y + (1 - s) b z``. Without shares, ``z`` is Croston's size
    with ``alpha = alpha_d`` (the same recursion): ``size=False`` skips it (``"z"`` is None)
    for a caller that has Croston's.
    """
    size = size or S is not None
    T, N = Y.shape
    b = np.zeros(N)
    z = np.zeros(N)
    fo, oo, co = _first(M)
    if S is None:
        D = M & (Y > 0)
        fd, od, cd = _first(D)
    zinit = np.zeros(N, bool)
    snaps = np.asarray(snaps, dtype=np.int64)
    ob, oz = np.zeros((len(snaps), N)), np.zeros((len(snaps), N))
    w = np.empty(N)
    tmp = np.empty(N)
    si = 0
    for t in range(T + 1):
        while si < len(snaps) and snaps[si] == t:
            ob[si], oz[si] = b, z
            si += 1
        if t == T:
            break
        if S is None:
            y = Y[t]
            d = D[t]
        else:
            y = Y[t] + (1.0 - S[t]) * b * z * M[t]
            d = M[t] & (y > 0)
        np.less(fo, t, out=w, casting="unsafe")
        w *= M[t]
        w *= alpha_p
        np.subtract(d, b, out=tmp)
        tmp *= w
        b += tmp
        new = oo[co[t]:co[t + 1]]
        if new.size:
            b[new] = d[new]
        if not size:
            continue
        if S is None:
            np.less(fd, t, out=w, casting="unsafe")
        else:
            w[:] = zinit
        w *= d
        w *= alpha_d
        np.subtract(y, z, out=tmp)
        tmp *= w
        z += tmp
        if S is None:
            new = od[cd[t]:cd[t + 1]]
        else:
            new = np.flatnonzero(d & ~zinit)
            zinit[new] = True
        if new.size:
            z[new] = y[new]
    return {"b": ob, "z": oz if size else None}


# ---------------------------------------------------------------------------------------------
# Panel
# ---------------------------------------------------------------------------------------------

#: Periods per season by frequency (weekday, week of year, month of year); a season is used
#: only when the history holds at least two of them.
SEASON = {"D": 7, "W": 52, "M": 12}
#: History kept by default, in periods of the data's frequency (2 years of days, 5 years of
#: weeks, 10 years of months). Stated in ``ForecastFit.extra["note"]``; longer histories are cut
#: there, never silently.
HISTORY_PERIODS = {"D": 730, "W": 260, "M": 120}
#: Moving-average window (about 4 weeks, a quarter, a year).
MA_PERIODS = {"D": 28, "W": 13, "M": 12}
#: Seasons of history needed before a seasonal index is used: two for weekdays and months; three
#: for the 52 weeks of a year (52 parameters per SKU; on the weekly manufacturing set of
#: benchmarks/bench_realdata.py an index from under three years multiplied the error).
MIN_SEASONS = {"D": 2, "W": 3, "M": 2}
#: Floor of a seasonal index (a period with almost no sales would otherwise blow up the
#: deseasonalised demand it divides).
SEASON_FLOOR = 0.2
#: A SKU with less history than this (periods since its first in-stock period: 8 weeks of days,
#: half a year of weeks, two years of months) is forecast by the moving average of what it has:
#: too few periods to fit a smoothing constant or to choose a method by backtest (on the
#: 18-month automotive set of benchmarks/bench_realdata.py the moving average beat every
#: smoothing method).
SHORT_HISTORY = {"D": 56, "W": 26, "M": 24}
#: History needed before the first backtest origin (8 weeks, half a year, a year).
MIN_BACKTEST_HISTORY = {"D": 56, "W": 26, "M": 12}
#: A partly censored day counts (its sales corrected by its in-stock share) when at least this
#: share of its usual demand fell in in-stock hours; below it the day is masked. Measured on the
#: FreshRetailNet subset (benchmarks/bench_realdata.py): 0.5 gave the least bias.
MIN_SHARE = 0.5
_FREQ_NAMES = {"D": "days", "W": "weeks", "M": "months"}


def _norm_freq(freq) -> str:
    f = str(freq).upper()
    if f in ("D", "DAY", "DAILY"):
        return "D"
    if f.startswith("W"):
        return "W"
    if f in ("M", "MS", "ME", "MONTH", "MONTHLY"):
        return "M"
    raise ParameterError(f"freq must be 'D', 'W' or 'M' (daily, weekly, monthly), got {freq!r}")


def infer_freq(dates) -> str:
    """``"D"``, ``"W"`` or ``"M"`` from the spacing of distinct period dates (smallest gap: 1
    day, 7 days, 28-31 days; periods may be missing). One date (or none) is read as daily.

    >>> infer_freq(pd.to_datetime(["2026-01-01", "2026-02-01", "2026-04-01"]))
    'M'
    """
    d = pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(dates))).sort_values()
    if len(d) < 2:
        return "D"
    secs = np.asarray(d.values, dtype="datetime64[s]").astype(np.int64)
    gap = float(np.min(np.diff(secs)) / 86400.0)
    if gap < 4:
        return "D"
    if gap < 10:
        return "W"
    if 27 <= gap <= 32:
        return "M"
    raise ParameterError(f"cannot tell the data's frequency: the smallest gap between period dates "
                         f"is {gap:g} days (expected 1, 7 or about 30); give freq='D'/'W'/'M'")


def _offset(freq: str):
    return {"D": pd.offsets.Day(1), "W": pd.offsets.Week(1), "M": pd.offsets.MonthBegin(1)}[freq]


def period_range(start, periods: int, freq: str) -> pd.DatetimeIndex:
    """Period start dates: days, weeks (same weekday as ``start``) or month starts."""
    start = pd.Timestamp(start)
    if freq == "M":
        return pd.date_range(start.normalize().replace(day=1), periods=periods, freq="MS")
    return pd.date_range(start, periods=periods, freq="7D" if freq == "W" else "D")


def season_position(dates: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Position in the season: weekday (0-6), week of year (0-51) or month (0-11)."""
    dates = pd.DatetimeIndex(dates)
    if freq == "D":
        return np.asarray(dates.day_of_week)
    if freq == "W":
        return np.minimum((np.asarray(dates.day_of_year) - 1) // 7, 51)
    return np.asarray(dates.month) - 1


@dataclass
class Panel:
    """Dense history: ``Y`` units and ``M`` observed mask, (T periods x N SKUs).

    ``freq``: ``"D"``, ``"W"`` or ``"M"``; ``share``: optional (T, N) in-stock share of each
    period (1 = fully in stock; a partly censored period counts with its sales corrected when
    ``share >= MIN_SHARE``, see :mod:`postship_analysis.demand`); ``rejected``: rows of the
    long table not used, with the reason (NaN or negative units).
    """

    keys: pd.DataFrame
    dates: pd.DatetimeIndex
    Y: np.ndarray
    M: np.ndarray
    freq: str = "D"
    share: np.ndarray | None = None
    rejected: pd.DataFrame | None = None
    periods_available: int | None = None


def to_panel(daily: pd.DataFrame, as_of, *, history_periods: int | None = None,
             history_days: int | None = None, freq: str | None = None,
             min_share: float = MIN_SHARE) -> Panel:
    """Pivot the long table into ``(T, N)`` arrays of the ``history_periods`` periods before
    ``as_of`` (periods a SKU has no row for are treated as unobserved).

    ``daily``: ``seller_id, marketplace, sku, date, units`` and optionally ``censored`` and
    ``in_stock_share`` (:func:`postship_analysis.demand.daily_demand`); ``date`` is the start
    of each period (a day, a week or a month; ``freq`` inferred from the dates when not
    given). Bad units are not used and are listed in ``Panel.rejected`` with the reason: NaN
    ("units missing") and negative values ("negative units (returns are not demand)").
    ``history_days`` is the old day-count spelling of ``history_periods`` for daily data.
    """
    for c in (*KEY, "date", "units"):
        if c not in daily.columns:
            raise ParameterError(f"daily lacks column {c!r}; expected demand.daily_demand output")
    # Cost: a few passes over the rows with one flat index array reused in place (no copy per
    # column, no take when every row is kept); on this project's machines fresh memory is the
    # dominant cost of a large table, so temporaries are kept to about three row-length arrays.
    dcol = daily["date"]
    if not isinstance(dcol.dtype, np.dtype) or dcol.dtype.kind != "M":
        dcol = pd.to_datetime(dcol)
    d64 = dcol.to_numpy("datetime64[D]")
    own = d64.dtype != dcol.dtype                  # converted: a fresh array we may overwrite
    dnum = d64.view(np.int64)                                     # days since 1970
    del d64
    f = _norm_freq(freq) if freq else infer_freq(_distinct(dnum).astype("datetime64[D]"))
    as_of = _day(as_of)
    if f == "M":
        as_of = as_of.replace(day=1)
    hp = history_periods if history_periods is not None else history_days
    hp = int(hp) if hp is not None else HISTORY_PERIODS[f]
    if hp < 1:
        raise ParameterError("history_periods must be at least 1")
    a_day = int(np.datetime64(as_of.date(), "D").astype(np.int64))
    before = dnum < a_day
    # SKU codes: each key column factorised once (hashing, no sort of the rows), the codes
    # of the columns with more than one value combined and factorised again; keys sorted.
    # (A MultiIndex and drop_duplicates dominated the cost of small panels; np.unique's sort
    # that of large ones.)
    codes, uniq = [], []
    for c in KEY:
        col = daily[c].astype("string")
        if _single_valued(col):
            codes.append(None)                                   # one seller / marketplace
            uniq.append(np.array([col.iloc[0]], dtype=object))
            continue
        k, u = pd.factorize(col, use_na_sentinel=False)
        u = np.asarray(u, dtype=object)
        order = np.argsort(u.astype(str), kind="stable")
        rank = np.empty(len(u), np.int64)
        rank[order] = np.arange(len(u))
        k = np.asarray(k, dtype=np.int64)
        codes.append(rank.take(k, out=k, mode="clip"))           # in place: ranks are in range
        uniq.append(u[order])
    del col
    # a column with one value adds nothing to the combined code (x * 1 + 0)
    vary = [i for i, u in enumerate(uniq) if len(u) > 1]
    if len(vary) <= 1:                          # the codes are dense and sorted already
        if vary:
            row_code = codes[vary[0]]
            sku_ids = np.arange(len(uniq[vary[0]]), dtype=np.int64)
        else:
            row_code = np.zeros(len(daily), np.int64)
            sku_ids = np.zeros(1 if len(daily) else 0, np.int64)
    else:
        combo = codes[vary[0]]
        for i in vary[1:]:
            combo *= len(uniq[i])
            combo += codes[i]
        row_code, sku_ids = pd.factorize(combo, sort=True)
        del combo
    del codes
    parts = []
    rem = np.asarray(sku_ids, dtype=np.int64)
    for u in reversed(uniq[1:]):
        parts.append(rem % max(len(u), 1))
        rem = rem // max(len(u), 1)
    parts.append(rem)
    parts = parts[::-1]
    keys = pd.DataFrame({c: pd.array(u[pc], dtype="string")
                         for c, u, pc in zip(KEY, uniq, parts, strict=True)})
    has_before = bool(before.any())
    first_day = int(np.min(dnum, where=before, initial=a_day)) if has_before else a_day
    first_all = pd.Timestamp(np.datetime64(first_day, "D"))
    if f == "M":
        avail = (as_of.year - first_all.year) * 12 + as_of.month - first_all.month
    else:
        avail = int((a_day - first_day) // (7 if f == "W" else 1))
    T = int(min(hp, max(avail, 0))) if has_before else 0
    if f == "M":
        dates = pd.date_range(end=as_of, periods=T + 1, freq="MS")[:-1]
    else:
        step = 7 if f == "W" else 1
        dates = pd.DatetimeIndex((np.arange(a_day - step * T, a_day, step))
                                 .astype("datetime64[D]")).astype("datetime64[ns]")
    N = len(keys)
    Y = np.zeros((T, N))
    M = np.zeros((T, N), bool)
    share = None
    rej = []
    if T:
        start = dates[0]
        s_day = int(np.datetime64(start.date(), "D").astype(np.int64))
        before &= dnum >= s_day                                  # the rows in the history
        every = bool(before.all())
        keep = None if every else np.flatnonzero(before)
        del before

        def rows(a):
            return a if every else a[keep]

        uc = daily["units"]
        if uc.dtype.kind not in "biuf":
            uc = pd.to_numeric(uc, errors="coerce")
        u = rows(uc.to_numpy(dtype="float64", na_value=np.nan))
        bad_nan, bad_neg = np.isnan(u), u < 0
        for mask, why in ((bad_nan, "units missing"),
                          (bad_neg, "negative units (returns are not demand)")):
            if mask.any():
                at = np.flatnonzero(mask) if every else keep[mask]
                r = daily.iloc[at][[*KEY, "date"]].copy()
                r["units"] = u[mask]
                r["reason"] = why
                rej.append(r)
        bad = bad_nan
        bad |= bad_neg
        del bad_neg
        all_ok = not bad.any()
        ok = None if all_ok else ~bad
        del bad, bad_nan

        def good(a):
            return a if all_ok else a[ok]

        # flat cell index t * N + code, built in one array
        if f == "M":
            mon = rows(dnum).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
            idx = mon - ((start.year - 1970) * 12 + (start.month - 1))
            del mon
        else:
            idx = dnum if (every and own) else rows(dnum).copy() if every else rows(dnum)
            idx -= s_day
            if f == "W":
                idx //= 7
        del dnum
        idx *= N
        idx += rows(row_code)
        del row_code
        cens = (rows(daily["censored"].to_numpy(dtype=bool, na_value=False))
                if "censored" in daily else None)
        if "in_stock_share" in daily:
            if cens is None:
                cens = np.zeros(len(u), bool)
            sh = rows(pd.to_numeric(daily["in_stock_share"], errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan))
            sh = np.where(cens, np.nan_to_num(sh, nan=0.0), 1.0)   # only censored days
            sh = np.clip(sh, 0.0, 1.0)
            obs = sh >= min_share
        else:
            sh = None
            obs = None if cens is None else ~cens
        del cens
        idx = good(idx)
        Y = np.bincount(idx, weights=good(u), minlength=T * N).reshape(T, N)
        del u
        if sh is not None and (sh < 1).any():
            share = np.ones((T, N))
            s_ok = good(sh)
            share.reshape(-1)[idx] = np.where(s_ok >= min_share, s_ok, 0.0)
        M.reshape(-1)[idx] = True if obs is None else good(obs)
    rejected = (pd.concat(rej, ignore_index=True) if rej else
                pd.DataFrame(columns=[*KEY, "date", "units", "reason"]))
    return Panel(keys, dates, Y, M, freq=f, share=share, rejected=rejected,
                 periods_available=int(max(avail, 0)))


def _distinct(v: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array (a count over the range when it is short:
    one pass instead of a sort of every row)."""
    if len(v) and int(v.max()) - int(v.min()) < 4 * len(v) + 1_000_000:
        lo = int(v.min())
        return np.flatnonzero(np.bincount(v - lo)) + lo
    return np.unique(v)


def _single_valued(col: pd.Series) -> bool:
    """Every value present and equal (the first rows decide most columns that are not)."""
    if not len(col) or col.iloc[:256].isna().any():
        return False
    first = col.iloc[0]
    if not bool((col.iloc[:256] == first).all()):
        return False
    return bool(col.notna().all() and (col == first).all())


def _day(value) -> pd.Timestamp:
    return contract.as_of_day(value)


# ---------------------------------------------------------------------------------------------
# Fit
# ---------------------------------------------------------------------------------------------

@dataclass
class ForecastFit:
    """Result of :func:`fit`: per-SKU method choice, backtest scores and forecast paths."""

    keys: pd.DataFrame            # seller_id, marketplace, sku (+ class, adi, cv2)
    as_of: pd.Timestamp
    H: int                        # backtest / forecast horizon (days)
    paths: dict                   # method -> (H, N) mean path from as_of
    chosen: np.ndarray            # (N,) method name per SKU
    scores: pd.DataFrame          # long: SKU x method backtest metrics
    cum_err: dict                 # method -> (K, H, N) cumulative errors (NaN = skipped)
    day_err: dict                 # method -> (K, H, N) daily errors on observed days (NaN)
    s2: np.ndarray                # (N,) daily variance over the last 180 uncensored days
    mean_daily: np.ndarray        # (N,) mean units per uncensored day (last 180 days)
    group: np.ndarray             # (N,) "count" (NB) or "normal"
    shrink: float = 4.0
    extra: dict = field(default_factory=dict)

    def mean_path(self) -> np.ndarray:
        """(H, N) mean forecast of the chosen method per SKU."""
        out = np.zeros((self.H, len(self.chosen)))
        for m in np.unique(self.chosen):
            sel = self.chosen == m
            out[:, sel] = self.paths[m][:, sel]
        return out

    def _chosen_stack(self, d: dict, h: int | None = None) -> np.ndarray:
        """The chosen method's errors per SKU: ``(K, H, N)``, or ``(K, N)`` at step ``h``."""
        if not d:
            return np.full((0, self.H, len(self.chosen)) if h is None else
                           (0, len(self.chosen)), np.nan)
        first = next(iter(d.values()))
        out = np.full(first.shape if h is None else (first.shape[0], first.shape[2]), np.nan)
        for m in np.unique(self.chosen):
            sel = self.chosen == m
            out[..., sel] = d[m][..., sel] if h is None else d[m][:, h, sel]
        return out

    def lead_time_variance(self, L: int) -> tuple[np.ndarray, np.ndarray]:
        """(variance of L-day demand, number of backtest windows used) per SKU."""
        C = self._chosen_stack(self.cum_err, L - 1)                 # (K, N)
        n = np.isfinite(C).sum(0)
        v_emp = np.where(n > 0, np.nansum(C * C, 0) / np.maximum(n, 1), 0.0)
        base = L * self.s2
        v_glob = np.zeros_like(base)
        for g in np.unique(self.group):
            sel = self.group == g
            num = np.nansum((C * C)[:, sel])
            den = np.sum((np.isfinite(C) * base[None, :])[:, sel])
            c = num / den if den > 0 else 1.0
            v_glob[sel] = c * base[sel]
        v = (n * v_emp + self.shrink * v_glob) / (n + self.shrink)
        return v, n

    def daily_variance(self) -> np.ndarray:
        E = self._chosen_stack(self.day_err)                        # (K, H, N)
        n = np.isfinite(E).sum((0, 1))
        v_emp = np.where(n > 0, np.nansum(E * E, (0, 1)) / np.maximum(n, 1), 0.0)
        v_glob = np.zeros_like(self.s2)
        for g in np.unique(self.group):
            sel = self.group == g
            num = np.nansum((E * E)[..., sel])
            den = np.sum((np.isfinite(E) * self.s2[None, None, :])[..., sel])
            v_glob[sel] = (num / den if den > 0 else 1.0) * self.s2[sel]
        k = self.shrink * 7  # daily errors are more numerous: same prior weight in weeks
        return (n * v_emp + k * v_glob) / (n + k)


_NORMAL = NormalDist()


def count_quantile(mean, var, q, max_k: int | None = None) -> np.ndarray:
    """Quantile of a count distribution with the given mean and variance (vectorised).

    Negative binomial ``NB(r = mean^2 / (var - mean), p = mean / var)`` when ``var > mean``,
    Poisson(mean) otherwise; the smallest integer ``k`` with ``P(X <= k) >= q``. Small counts
    (``mean + 10 sd < 200``, nearly every slow mover): the pmf recursion ``p(k+1) = p(k) (k + r)
    / (k + 1) (1 - p)`` (Poisson: ``p(k) mean / (k+1)``), all SKUs at once, each dropping out
    when its quantile is reached; larger counts: bisection on the exact CDF (the regularised
    incomplete beta ``I_p(r, k + 1)``, Poisson ``Q(k + 1, mean)``; ``scipy.special``). Equals
    ``scipy.stats.nbinom.ppf(q, r, p)`` / ``poisson.ppf`` (checked in the tests). ``max_k`` is
    ignored (kept for callers of the older version).

    >>> count_quantile([2.0], [2.0], 0.95).tolist()  # Poisson(2): P(X<=4) = 0.947, P(X<=5) = 0.983
    [5.0]
    """
    mean = np.atleast_1d(np.asarray(mean, dtype=float))
    var = np.atleast_1d(np.asarray(var, dtype=float))
    mean, var = np.broadcast_arrays(mean, var)
    q = np.broadcast_to(np.asarray(q, dtype=float), mean.shape)
    out = np.full(mean.shape, np.nan)
    ok = np.isfinite(mean) & np.isfinite(var) & (mean >= 0)
    out[ok & (mean == 0)] = 0.0
    idx = np.flatnonzero(ok & (mean > 0))
    if not idx.size:
        return out
    flat = out.ravel()
    m, v, qq = mean.ravel()[idx], var.ravel()[idx], q.ravel()[idx]
    nb = v > m * (1 + 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(nb, m * m / np.where(nb, v - m, 1.0), 1.0)
        p = np.where(nb, m / v, 1.0)
    small = m + 10 * np.sqrt(np.maximum(v, m)) < 200
    if small.any():
        flat[idx[small]] = _count_q_recursion(m[small], qq[small], nb[small], r[small],
                                              p[small])
    if (~small).any():
        flat[idx[~small]] = _count_q_bisect(m[~small], v[~small], qq[~small], nb[~small],
                                            r[~small], p[~small])
    return flat.reshape(out.shape)


def _count_q_recursion(m, qq, nb, r, p):
    res = np.zeros(m.size)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        pk = np.exp(np.where(nb, r * np.log(p), -m))
    cdf = pk.copy()
    live = np.flatnonzero(cdf < qq - 1e-12)
    m, qq, nb, r, p, pk, cdf = (x[live] for x in (m, qq, nb, r, p, pk, cdf))
    k = 0
    while live.size and k < 400:
        pk = pk * np.where(nb, (k + r) / (k + 1) * (1 - p), m / (k + 1))
        cdf = cdf + pk
        k += 1
        hit = cdf >= qq - 1e-12
        if hit.any():
            res[live[hit]] = k
            keep = ~hit
            live, m, qq, nb, r, p, pk, cdf = (x[keep] for x in (live, m, qq, nb, r, p, pk, cdf))
    res[live] = k
    return res


def _count_q_bisect(m, v, qq, nb, r, p):
    from scipy import special  # lazy: only for large counts

    def cdf(k, sel):
        c = np.empty(sel.size)
        b = nb[sel]
        with np.errstate(all="ignore"):
            c[b] = special.betainc(r[sel][b], k[b] + 1.0, p[sel][b])
            c[~b] = special.gammaincc(k[~b] + 1.0, m[sel][~b])
        return np.where(k < 0, 0.0, c)

    allsel = np.arange(m.size)
    lo = np.full(m.size, -1.0)                               # cdf(lo) < q
    hi = np.ceil(m + 10 * np.sqrt(np.maximum(v, m)) + 10)    # cdf(hi) >= q (grown if not)
    for _ in range(60):
        bad = cdf(hi, allsel) < qq
        if not bad.any():
            break
        hi = np.where(bad, 2 * hi + 1, hi)
    while True:
        gap = np.flatnonzero(hi - lo > 1)
        if not gap.size:
            break
        mid = np.floor((lo[gap] + hi[gap]) / 2)
        up = cdf(mid, gap) >= qq[gap]
        hi[gap] = np.where(up, mid, hi[gap])
        lo[gap] = np.where(up, lo[gap], mid)
    return hi


def _quantiles(mu: np.ndarray, var: np.ndarray, probs, count: np.ndarray) -> np.ndarray:
    """(len(probs), N) quantiles: normal (clipped at 0) or NB/Poisson where ``count``."""
    mu = np.maximum(np.asarray(mu, float), 0.0)
    var = np.maximum(np.asarray(var, float), 1e-12)
    out = np.zeros((len(probs), mu.size))
    sd = np.sqrt(var)
    for i, p in enumerate(probs):
        out[i] = np.maximum(mu + _NORMAL.inv_cdf(p) * sd, 0.0)
    if count.any():
        m, v = mu[count], var[count]
        for i, p in enumerate(probs):
            out[i, count] = np.nan_to_num(count_quantile(m, v, p))
    return out


def _event_matrix(events, keys: pd.DataFrame, dates: pd.DatetimeIndex, Y, M) -> np.ndarray:
    """(T_all, N) multipliers over ``dates`` (history + future); estimates NaN multipliers."""
    E = np.ones((len(dates), len(keys)))
    if events is None or len(events) == 0:
        return E
    ev = pd.DataFrame(events).copy()
    for c in ("start", "end", "multiplier"):
        if c not in ev:
            raise ParameterError(f"events lacks column {c!r}; expected start, end, multiplier "
                                 "[, marketplace, event]")
    if "event" not in ev:
        ev["event"] = "event"
    mp = keys["marketplace"].astype("string").to_numpy()
    d0 = dates[0]
    T_hist = Y.shape[0]
    for _, r in ev.iterrows():  # few rows (a calendar), not SKUs
        cols = np.ones(len(keys), bool)
        if "marketplace" in ev and pd.notna(r.get("marketplace")):
            cols = mp == r["marketplace"]
        a = max((pd.Timestamp(r["start"]) - d0).days, 0)
        b = min((pd.Timestamp(r["end"]) - d0).days + 1, len(dates))
        if b <= a or not cols.any():
            continue
        mult = r["multiplier"]
        if pd.isna(mult):
            same = ev[ev["event"] == r["event"]]   # its occurrences inside the history
            num = den = 0.0
            for _, s in same.iterrows():
                sa = (pd.Timestamp(s["start"]) - d0).days
                sb = (pd.Timestamp(s["end"]) - d0).days + 1
                if sa < 28 or sb > T_hist:
                    continue
                ms = M[sa:sb][:, cols]
                num += (Y[sa:sb][:, cols] * ms).sum()
                pre_m = M[sa - 28:sa][:, cols]
                rate = (Y[sa - 28:sa][:, cols] * pre_m).sum(0) / np.maximum(pre_m.sum(0), 1)
                den += (rate[None, :] * ms).sum()
            mult = num / den if den > 0 else 1.0
        E[a:b, cols] *= float(mult)
    return E


def season_index(X: np.ndarray, M: np.ndarray, pos: np.ndarray, m: int, groups: np.ndarray, *,
                 prior_units: float = 200.0, floor: float | None = None) -> np.ndarray:
    """(m, N) multiplicative seasonal index, each SKU's profile shrunk toward its group's.

    Raw profile r_p = (units at position p / observed periods at p) / (units / observed
    periods); index = (S r + k g) / (S + k) with S the SKU's units, k = ``prior_units``, g the
    pooled profile of the group (marketplace), itself shrunk toward flat the same way with the
    group's units; floored at ``floor`` (default :data:`SEASON_FLOOR`) and renormalised to
    mean 1. ``pos``: the season position of each row (weekday, week of year, month).
    """
    T, N = X.shape
    su = np.zeros((m, N))
    sn = np.zeros((m, N))
    for p in range(m):
        rows = _rows(np.flatnonzero(pos == p))
        if _nrows(rows):
            mw = M[rows]
            su[p] = np.einsum("ij,ij->j", X[rows], mw, dtype=np.float64)
            sn[p] = mw.sum(0)
    tot_u, tot_n = su.sum(0), sn.sum(0)
    rate = np.where(tot_n > 0, tot_u / np.maximum(tot_n, 1), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where((sn > 0) & (rate > 0), su / np.maximum(sn, 1) / np.where(rate > 0, rate, 1),
                     1.0)
    idx = np.ones((m, N))
    for g in np.unique(groups):
        sel = groups == g
        gu, gn = su[:, sel].sum(1), sn[:, sel].sum(1)
        grate = gu.sum() / max(gn.sum(), 1)
        gp = np.where((gn > 0) & (grate > 0), gu / np.maximum(gn, 1) / max(grate, 1e-12), 1.0)
        gtot = gu.sum()
        gp = (gtot * gp + prior_units) / (gtot + prior_units)   # the pool itself toward flat
        S = tot_u[sel]
        idx[:, sel] = (S * r[:, sel] + prior_units * gp[:, None]) / (S + prior_units)
    idx = np.maximum(idx, SEASON_FLOOR if floor is None else floor)
    return idx / idx.mean(0, keepdims=True)


def _rows(rows: np.ndarray):
    """Evenly spaced row indices as a slice (a view, not a copy), else the indices."""
    if rows.size == 1:
        return slice(int(rows[0]), int(rows[0]) + 1)
    if rows.size > 1:
        d = int(rows[1] - rows[0])
        if d > 0 and bool((np.diff(rows) == d).all()):
            return slice(int(rows[0]), int(rows[-1]) + 1, d)
    return rows


def _nrows(rows) -> int:
    return len(range(*rows.indices(rows.stop))) if isinstance(rows, slice) else rows.size


def dow_index(Y: np.ndarray, M: np.ndarray, weekday: np.ndarray, groups: np.ndarray, *,
              prior_units: float = 200.0) -> np.ndarray:
    """(7, N) day-of-week index: :func:`season_index` with the weekday as position."""
    return season_index(Y, M, np.asarray(weekday), 7, groups, prior_units=prior_units)


def _sum_sq_diff(Y: np.ndarray, both: np.ndarray) -> np.ndarray:
    """``sum_t ((Y[t+1] - Y[t]) both[t])^2`` per column, accumulated row by row in time order
    (the order einsum's ``ij,ij->j`` adds in, so the same sums to the last bit) without a
    ``(T, N)`` array of differences when the panel is large."""
    T, N = Y.shape
    if T * N <= 1 << 22:
        dif = np.diff(Y, axis=0)
        dif *= both
        return np.einsum("ij,ij->j", dif, dif)
    acc = np.zeros(N)
    d = np.empty(N)
    for t in range(T - 1):
        np.subtract(Y[t + 1], Y[t], out=d)
        d *= both[t]
        d *= d
        acc += d
    return acc


def _cumsum_rows(A: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``np.cumsum(A, axis=0)`` into ``out`` (the same additions in the same order), row by row:
    numpy's accumulate along axis 0 strides through memory column by column (10x slower on
    28 x 10,000)."""
    if not len(A):
        return out
    out[0] = A[0]
    for h in range(1, len(A)):
        np.add(out[h - 1], A[h], out=out[h])
    return out


def _classes(Yo, M, adi_cutoff, cv2_cutoff):
    """SBC classes from ``Yo`` = units on observed days (0 elsewhere)."""
    n = M.sum(0)
    k = np.count_nonzero(Yo > 0, axis=0)
    s1 = Yo.sum(0)
    s2 = np.einsum("ij,ij->j", Yo, Yo)
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(k > 0, n / np.maximum(k, 1), np.inf)
        mean = np.where(k > 0, s1 / np.maximum(k, 1), 0.0)
        var = np.where(k > 1, (s2 - k * mean * mean) / np.maximum(k - 1, 1), 0.0)
        cv2 = np.where(mean > 0, np.maximum(var, 0) / np.maximum(mean, 1e-12) ** 2, 0.0)
    hi_a, hi_c = adi > adi_cutoff, cv2 > cv2_cutoff
    cls = np.select([~hi_a & ~hi_c, ~hi_a & hi_c, hi_a & ~hi_c], ["smooth", "erratic",
                                                                  "intermittent"], "lumpy")
    cls = np.where(k > 0, cls, "no_demand")
    return cls, adi, cv2


def fit(daily: pd.DataFrame | Panel, *, as_of, horizon: int = 28, lead_time_days: int = 0,
        method: str = "auto", events=None, origins: int = 8, alpha: float = 0.1,
        alpha_p: float = 0.1, ses_grid=SES_GRID, shrink: float = 4.0,
        switch_margin: float = 0.1, history_periods: int | None = None,
        history_days: int | None = None, freq: str | None = None,
        season_length: int | None = None, min_share: float = MIN_SHARE,
        dow_prior_units: float = 200.0, adi_cutoff: float = ADI_CUTOFF,
        cv2_cutoff: float = CV2_CUTOFF, candidates: dict | None = None,
        defaults: dict | None = None) -> ForecastFit:
    """Fit every method in one masked pass, backtest them, choose per SKU. See the module doc.

    ``daily`` is the long table (days, weeks or months: ``freq`` inferred from the dates or
    given) or a :class:`Panel` (the benchmarks' array path). ``horizon`` and
    ``lead_time_days`` are in periods of the data's frequency (days for daily data).
    ``history_periods`` (default :data:`HISTORY_PERIODS`; ``history_days`` is its old name)
    limits the history, as stated in ``extra["note"]``. ``season_length`` (default
    :data:`SEASON`: 7 / 52 / 12) is used when the history holds two seasons. ``candidates`` /
    ``defaults`` override :data:`CANDIDATES` / :data:`DEFAULT` (method pools per demand class).
    """
    method = "ses" if method == "ses_dow" else method
    if method != "auto" and method not in METHODS:
        raise ParameterError(f"unknown method {method!r}; expected 'auto' or one of {METHODS}")
    if horizon < 1:
        raise ParameterError("horizon must be at least 1 period")
    if not 0 < min_share <= 1:
        raise ParameterError(f"min_share must be in (0, 1], got {min_share}")
    cand_map = CANDIDATES if candidates is None else candidates
    dflt_map = DEFAULT if defaults is None else defaults
    as_of = _day(as_of)
    P = daily if isinstance(daily, Panel) else to_panel(
        daily, as_of, history_periods=history_periods, history_days=history_days, freq=freq,
        min_share=min_share)
    f = _norm_freq(P.freq)
    if f == "M":
        as_of = as_of.replace(day=1)
    Y, M, dates, keys = P.Y, P.M, P.dates, P.keys.copy()
    Sh = P.share
    if Sh is not None:
        Sh = np.where(M, Sh, 0.0)
        if (Sh >= 1.0 - 1e-9).all():
            Sh = None
    T, N = Y.shape
    H = int(max(horizon, lead_time_days, 1))
    full = M if Sh is None else M & (Sh >= 1.0 - 1e-9)      # fully observed periods
    notes = []
    avail = P.periods_available if P.periods_available is not None else T
    notes.append(f"history: the last {T} {_FREQ_NAMES[f]} before {as_of.date()}"
                 + (f" (of {avail} available; history_periods limits it)" if avail > T else ""))

    # season: weekday / week of year / month, or a given length counted in periods
    m = SEASON[f] if season_length is None else max(int(season_length), 1)
    fut_dates = period_range(as_of, H, f)
    need_s = MIN_SEASONS[f] if season_length is None else 2
    if m > 1 and T < need_s * m:
        notes.append(f"season of {m} {_FREQ_NAMES[f]} not used: {T} periods of history, fewer "
                     f"than {need_s} seasons")
        m = 1
    if m == SEASON[f]:
        pos, pos_f = season_position(dates, f), season_position(fut_dates, f)
    else:
        pos, pos_f = np.arange(T) % m, (T + np.arange(H)) % m
    mp_codes = pd.factorize(keys["marketplace"].astype("string"))[0]
    has_events = events is not None and len(events) > 0
    if has_events and f != "D":
        raise ParameterError("events (Prime Day, Q4) need daily data")
    if has_events:
        all_dates = pd.date_range(dates[0] if T else as_of, as_of + pd.Timedelta(days=H - 1))
        E = _event_matrix(events, keys, all_dates, Y, M)
        Ef = E[T:T + H]
    else:
        E, Ef = None, np.ones((H, 1))

    # backtest origins (period indices): windows [o, o+H) inside the history
    step = min(H, 28) if f == "D" else H
    min_hist = MIN_BACKTEST_HISTORY[f]
    orig = np.array([T - H - step * k for k in range(origins)], dtype=np.int64)
    orig = np.sort(orig[orig >= min_hist])
    snaps = np.r_[orig, T]
    S = len(snaps)

    # seasonal index from the periods before the latest origin (the last H periods, which the
    # latest backtest window scores, are not used for it)
    cut = int(orig[-1]) if len(orig) else T
    Yo = np.where(M, Y, 0.0)         # units on observed periods, 0 on censored ones
    cls, adi, cv2 = _classes(Yo if Sh is None else np.where(full, Y, 0.0), full, adi_cutoff,
                             cv2_cutoff)
    # kernels read X on observed periods only; Yo is not used again (divided in place below)
    X = Yo / E[:T] if has_events else Yo
    del Yo
    if m > 1:
        seas = season_index(X[:cut], full[:cut], pos[:cut], m, mp_codes,
                            prior_units=dow_prior_units)
        for p in range(m):
            rows = _rows(np.flatnonzero(pos == p))
            if _nrows(rows):
                X[rows] /= seas[p]
    else:
        seas = np.ones((1, N))
        pos = np.zeros(T, np.int64)
        pos_f = np.zeros(H, np.int64)
    # partly censored periods: the moving average reads their sales scaled by the share
    Xc = X if Sh is None else np.where(M, X / np.where(Sh > 0, Sh, 1.0), 0.0)
    # SKUs with a short history: the moving average of what they have (SHORT_HISTORY)
    first_obs = _first_row(M)
    span = T - first_obs
    short = (span < SHORT_HISTORY[f]) & M.any(0)
    if method == "auto":
        want = {mm for c in np.unique(cls) for mm in cand_map.get(c, ())}
        want |= {dflt_map[c] for c in np.unique(cls)}
        if not len(orig):   # no backtest: the class defaults only
            want = {dflt_map[c] for c in np.unique(cls)}
        if short.any():
            want |= {"ma"}
    else:
        want = {method}
    # cumulative observed sums at the snapshots (for the moving average)
    if "ma" in want and T:
        bounds = np.r_[0, snaps]
        seg_x = np.add.reduceat(Xc, bounds[:-1], axis=0)
        seg_x[bounds[:-1] == bounds[1:]] = 0.0
        cum_x, cum_n = np.cumsum(seg_x, 0), _counts_before(M, snaps)
    else:
        cum_x = cum_n = np.zeros((S, N))

    # which SKUs each method is computed for (auto: the methods allowed for the SKU's class)
    if method == "auto":
        cols = {mm: np.isin(cls, [c for c, ms in cand_map.items() if mm in ms]
                            + [c for c, d in dflt_map.items() if d == mm])
                for mm in want}
        if "ma" in cols:
            cols["ma"] = cols["ma"] | short
        if "sba" in want:
            cols["croston"] = cols["sba"] | cols.get("croston", np.zeros(N, bool))
    else:
        cols = {mm: np.ones(N, bool) for mm in (*want, "croston")}

    def sub(mm):  # SES runs on its SKUs only where they are few (a column copy costs more than
        c = cols[mm]  # the extra columns: each SKU's recursion is its own)
        if c.all() or mm != "ses":
            return X, M, Sh, slice(None), False
        if 2 * int(c.sum()) >= N:
            return X, M, Sh, c, True
        return X[:, c], M[:, c], (None if Sh is None else Sh[:, c]), c, False

    # one pass per kernel, snapshots at every origin and at T
    states: dict = {}
    if "ses" in want and cols["ses"].any():
        Xs, Ms, Ss, c, every = sub("ses")
        s = ses_kernel(Xs, Ms, ses_grid, snaps, Ss)
        if every:                                   # ran on every SKU: keep the SES ones
            s = {k: v[:, c] for k, v in s.items()}
        best = np.argmin(np.where(s["n"][..., None] > 0, s["sse"], 0.0), axis=2)   # (S, n)
        states["ses_level"] = np.zeros((S, N))
        states["ses_level"][:, c] = np.take_along_axis(s["level"], best[..., None], 2)[..., 0]
        states["ses_alpha"] = np.full((S, N), np.nan)
        states["ses_alpha"][:, c] = np.asarray(ses_grid)[best]
        del s
    k = None
    if want & {"croston", "sba"} and cols["croston"].any():
        k = croston_kernel(X, M, alpha, snaps, Sh)
        states["croston"] = np.where(k["init"], k["z"] / np.maximum(k["p"], 1e-12), 0.0)
    if "tsb" in want and cols["tsb"].any():
        # without shares TSB's size is Croston's (same alpha, same recursion): computed once
        tb = tsb_kernel(X, M, alpha, alpha_p, snaps, Sh, size=k is None or Sh is not None)
        states["tsb"] = tb["b"] * (k["z"] if tb["z"] is None else tb["z"])
    del k
    win = MA_PERIODS[f]

    def level_at(mm: str, si: int) -> np.ndarray:
        t = int(snaps[si])
        if mm == "ses":
            return states["ses_level"][si] if "ses_level" in states else np.zeros(N)
        if mm == "croston":
            return states["croston"][si] if "croston" in states else np.zeros(N)
        if mm == "sba":
            return (states["croston"][si] * (1 - alpha / 2) if "croston" in states
                    else np.zeros(N))
        if mm == "tsb":
            return states["tsb"][si] if "tsb" in states else np.zeros(N)
        if mm == "ma":
            lo = max(t - win, 0)
            n = M[lo:t].sum(0)
            val = Xc[lo:t].sum(0) / np.maximum(n, 1)
            allv = cum_x[si] / np.maximum(cum_n[si], 1)
            return np.where(n > 0, val, allv)
        if mm == "naive":
            mm_ = M[:t]
            if t == 0:
                return np.zeros(N)
            last = t - 1 - np.argmax(mm_[::-1], axis=0)
            has = mm_.any(0)
            return np.where(has, Xc[np.clip(last, 0, max(t - 1, 0)), np.arange(N)], 0.0)
        raise AssertionError(mm)

    def seas_path(t: int, positions) -> np.ndarray:
        base = seas[positions]
        if not has_events:
            return base
        ev = E[t:t + H] if t + H <= len(E) else np.vstack([E[t:], np.ones((t + H - len(E), N))])
        return base * ev

    def path(mm: str, si: int, sp: np.ndarray) -> np.ndarray:
        t = int(snaps[si])
        if mm == "snaive":
            lag = m if m > 1 else 1
            src = np.arange(H) % lag + max(t - lag, 0)
            src = np.minimum(src, max(t - 1, 0))
            return Y[src] if t > 0 else np.zeros((H, N))
        return level_at(mm, si)[None, :] * sp

    # in-sample scale (M5): one-step naive MSE on consecutive observed periods (backtest only)
    if len(orig):
        both = full[1:] & full[:-1]
        scale = np.sqrt(_sum_sq_diff(Y, both) / np.maximum(both.sum(0), 1))
        del both
        scale = np.where(scale > 0, scale, np.maximum(Y.mean(0), 1.0) if T else 1.0)
    else:
        scale = np.ones(N)

    # recent per-period variance and mean (last 180 days / 52 weeks / 24 months, full periods)
    lo = max(T - {"D": 180, "W": 52, "M": 24}[f], 0)
    mr = full[lo:]
    nr = np.maximum(mr.sum(0), 1)
    mean_daily = (Y[lo:] * mr).sum(0) / nr
    s2 = np.maximum(((Y[lo:] - mean_daily) ** 2 * mr).sum(0) / np.maximum(nr - 1, 1), 1e-6)
    keys["class"], keys["adi"], keys["cv2"] = cls, adi, cv2

    methods = sorted(want) if method == "auto" else [method]
    paths, cum_err, day_err = {}, {}, {}
    K = len(orig)
    fpath = Ef * seas[pos_f]
    score_cols = {}
    cbuf = np.empty((H, N))
    for mm in methods:
        paths[mm] = path(mm, S - 1, fpath)
        ce = np.full((K, H, N), np.nan, dtype=np.float32)
        de = np.full((K, H, N), np.nan, dtype=np.float32)
        for k in range(K):
            o = int(orig[k])
            F = path(mm, k, seas_path(o, pos[o:o + H]))
            A, mo = Y[o:o + H], full[o:o + H]
            err = A - F
            de[k] = np.where(mo, err, np.nan)
            ok = mo.all(0)
            _cumsum_rows(err, cbuf)             # each column's running sum, as on the subset
            np.copyto(ce[k], cbuf, where=ok)
        cum_err[mm], day_err[mm] = ce, de
        fin = np.isfinite(de)
        nobs = fin.sum((0, 1))
        d0 = np.where(fin, de, 0.0)
        mse = np.einsum("khn,khn->n", d0, d0) / np.maximum(nobs, 1)
        bias = -d0.sum((0, 1)) / np.maximum(nobs, 1)                    # forecast - actual
        nk = fin.sum(1)                                                 # (K, N)
        lt = np.abs(d0.sum(1)) / np.maximum(nk, 1)
        kk = (nk > 0).sum(0)
        lt = np.where(kk > 0, (lt * (nk > 0)).sum(0) / np.maximum(kk, 1), 0.0)
        rm, bi, le = np.sqrt(mse) / scale, bias / scale, lt / scale
        sc = rm + 0.5 * np.abs(bi) + 0.5 * le
        score_cols[mm] = (nobs, rm, bi, le, np.where(nobs > 0, sc, np.nan))

    if method == "auto":
        chosen = np.array([dflt_map[c] for c in cls], dtype=object)
        for c in np.unique(cls):
            ms = [mm for mm in cand_map.get(c, ()) if mm in methods]
            sel = cls == c
            if len(ms) < 2 or dflt_map[c] not in ms:
                continue
            sub_ = np.stack([score_cols[mm][4][sel] for mm in ms], 1)
            d = sub_[:, ms.index(dflt_map[c])]
            sub_f = np.where(np.isfinite(sub_), sub_, np.inf)
            j = np.argmin(sub_f, axis=1)
            better = np.isfinite(d) & (sub_f[np.arange(len(j)), j] < d * (1 - switch_margin))
            chosen[sel] = np.where(better, np.array(ms, dtype=object)[j], dflt_map[c])
        chosen = np.where(short, "ma", chosen)
    else:
        chosen = np.full(N, method, dtype=object)

    # basis of each SKU's forecast, and never a zero forecast for a SKU that sells
    recent = min(MA_PERIODS[f], T)
    r_full = full[T - recent:].any(0) if T else np.zeros(N, bool)
    r_obs = M[T - recent:].any(0) if T else np.zeros(N, bool)
    ever = M.any(0)
    sold = Y[T - recent:].sum(0) if T else np.zeros(N)
    basis = np.where(r_full, "in-stock history",
                     np.where(r_obs, "in-stock hours of partly censored periods",
                              np.where(ever, "earlier history", "no in-stock history")))
    need = SHORT_HISTORY[f]
    mu = np.zeros(N)
    for mm in np.unique(chosen):
        sel = chosen == mm
        mu[sel] = paths[mm][:, sel].mean(0)
    lb = sold / max(recent, 1)                     # sales per period: a lower bound on demand
    floor = (~r_full) & (sold > 0) & (mu < lb)
    if floor.any():
        paths["lower_bound"] = lb[None, :] * fpath
        chosen = np.where(floor, "lower_bound", chosen)
        basis = np.where(floor, "sales in censored periods (a lower bound)", basis)
        notes.append(f"{int(floor.sum())} SKUs without in-stock periods lately are forecast at "
                     "their recent sales rate, a lower bound on demand")
    keys["basis"] = pd.array(basis, dtype="string")
    note_short = (f"{{}} {_FREQ_NAMES[f]} of history, fewer than {need}: moving average of "
                  "what there is" if method == "auto" else
                  f"{{}} {_FREQ_NAMES[f]} of history, fewer than {need}")
    keys["history_note"] = pd.array(np.where(
        short, [note_short.format(int(n)) for n in span], ""), dtype="string")
    if K == 0:
        notes.append(f"no backtest: {T} periods of history, a backtest needs "
                     f"{min_hist + H}; each SKU uses its demand class's default method")
    if short.any() and method == "auto":
        notes.append(f"{int(short.sum())} SKUs with fewer than {need} {_FREQ_NAMES[f]} of "
                     "history use the moving average of what they have")

    # the backtest scores, one row per SKU and method computed for it (one frame, built once)
    parts = []
    for mm in methods:
        keep = np.flatnonzero(cols.get(mm, np.ones(N, bool)))
        parts.append((mm, keep))
    ii = np.concatenate([k for _, k in parts]) if parts else np.zeros(0, np.int64)
    scores = pd.DataFrame({
        **{c: keys[c].to_numpy()[ii] for c in KEY},
        "method": np.concatenate([np.full(len(k), mm, dtype=object) for mm, k in parts])
        if parts else np.zeros(0, object),
        **{name: np.concatenate([score_cols[mm][j][k] for mm, k in parts])
           if parts else np.zeros(0) for j, name in enumerate(
               ["n_obs", "rmsse", "bias", "lt_error", "score"])}})
    scores["chosen"] = scores["method"].to_numpy() == chosen[ii]
    for c in (*KEY, "method"):
        scores[c] = scores[c].astype("string")
    group = np.where(np.isin(cls, ["intermittent", "lumpy", "no_demand"]) | (mean_daily < 1.0),
                     "count", "normal")
    for mm in np.unique(chosen):            # every chosen method has backtest errors
        if mm not in cum_err:
            cum_err[mm] = np.full((K, H, N), np.nan, dtype=np.float32)
            day_err[mm] = np.full((K, H, N), np.nan, dtype=np.float32)
    return ForecastFit(keys=keys, as_of=as_of, H=H, paths=paths, chosen=chosen,
                       scores=scores, cum_err=cum_err, day_err=day_err, s2=s2,
                       mean_daily=mean_daily, group=group, shrink=shrink,
                       extra={"origins": orig, "dates": dates, "freq": f, "season_length": m,
                              "future_dates": fut_dates,
                              "alpha": states.get("ses_alpha", [None])[-1],
                              "note": "; ".join(notes), "rejected": P.rejected})


def forecast(daily: pd.DataFrame, *, horizon: int = 28, as_of, method: str = "auto",
             quantiles=(0.5, 0.8, 0.9, 0.95), events=None, fitted: ForecastFit | None = None,
             **kw) -> pd.DataFrame:
    """Demand forecast per SKU for the ``horizon`` periods from ``as_of`` (inclusive).

    Returns
    -------
    DataFrame ``seller_id, marketplace, sku, date, mean, q50, q80, q90, q95, method, basis``
    (one quantile column ``q{100 p}`` per requested probability): units per period (day, week
    or month, as the history); the quantiles are those of the period's demand (normal for
    smooth SKUs, negative binomial for intermittent / lumpy / slow movers) with the variance
    from the backtest's errors shrunk toward the global estimate. ``method`` is the method used
    for the SKU; ``basis`` what its forecast rests on (in-stock history; the in-stock hours of
    partly censored periods; earlier history; or, for a SKU without any in-stock period lately
    that still sells, its sales in censored periods as a lower bound). Other keywords go to
    :func:`fit` (``origins``, ``alpha``, ``history_periods``, ``freq``...).

    Example
    -------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
    ...     "date": pd.date_range("2026-01-01", periods=120), "units": 2, "censored": False})
    >>> forecast(d, as_of="2026-05-01", horizon=1, method="croston")["mean"].tolist()
    [2.0]
    """
    f = fitted or fit(daily, as_of=as_of, horizon=horizon, method=method, events=events, **kw)
    h = min(horizon, f.H)
    mu = f.mean_path()[:h]                                            # (h, N)
    N = mu.shape[1]
    v = f.daily_variance()
    count = f.group == "count"
    # variance scales with the level: each period's variance = v * (mu_t / mean mu)
    mbar = np.maximum(mu.mean(0), 1e-9) if h else np.ones(N)
    out = {"mean": np.maximum(mu, 0.0).ravel()}
    qs = np.zeros((len(quantiles), h, N))
    for t in range(h):  # horizon periods, not SKUs
        qs[:, t, :] = _quantiles(mu[t], v * mu[t] / mbar, quantiles, count)
    for i, p in enumerate(quantiles):
        out[_qname(p)] = qs[i].ravel()
    dates = f.extra.get("future_dates")
    dates = dates[:h] if dates is not None else pd.date_range(f.as_of, periods=h)
    basis = f.keys["basis"].to_numpy() if "basis" in f.keys else np.full(N, "")
    res = pd.DataFrame({
        **{c: np.tile(f.keys[c].to_numpy(), h) for c in KEY},
        "date": np.repeat(np.asarray(dates, dtype="datetime64[ns]"), N),
        **out,
        "method": np.tile(f.chosen.astype(str), h),
        "basis": np.tile(basis.astype(str), h)})
    for c in (*KEY, "method", "basis"):
        res[c] = res[c].astype("string")
    return res.sort_values([*KEY, "date"], kind="stable").reset_index(drop=True)


def _qname(p: float) -> str:
    v = round(100 * p, 6)
    return f"q{int(v)}" if float(v).is_integer() else f"q{v:g}".replace(".", "_")


def lead_time_demand(daily: pd.DataFrame, *, as_of, lead_time_days: int,
                     service_levels=(0.9, 0.95), lead_time_sd_days: float = 0.0,
                     method: str = "auto", fitted: ForecastFit | None = None,
                     **kw) -> pd.DataFrame:
    """Distribution of total demand over the next ``lead_time_days`` days per SKU.

    ``mean`` = sum of the chosen method's daily forecasts over days ``as_of .. as_of+L-1``;
    ``sd`` = sqrt of the backtest variance of cumulative L-day errors shrunk per SKU toward the
    global estimate (module doc), plus ``d^2 sigma_L^2`` when ``lead_time_sd_days`` > 0
    (law of total variance; d = mean daily forecast). Quantiles ``q90, q95`` (one per service
    level): normal for smooth/erratic SKUs, negative binomial / Poisson for intermittent,
    lumpy and slow movers (count distribution, not z sigma sqrt(L)). ``calibrated``: at least one
    uncensored backtest window of the SKU entered its variance (else the global estimate).

    Returns
    -------
    DataFrame ``seller_id, marketplace, sku, lead_time_days, mean, sd, q90, q95, method,
    calibrated, basis`` (``basis``: as in :func:`forecast`).

    Example
    -------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
    ...     "date": pd.date_range("2026-01-01", periods=400), "units": 1, "censored": False})
    >>> r = lead_time_demand(d, as_of="2027-02-05", lead_time_days=10, method="ma")
    >>> r[["mean", "sd"]].round(6).values.tolist()
    [[10.0, 0.0]]
    """
    L = int(lead_time_days)
    if L < 1:
        raise ParameterError("lead_time_days must be at least 1")
    f = fitted if fitted is not None and fitted.H >= L else fit(
        daily, as_of=as_of, horizon=L, lead_time_days=L, method=method, **kw)
    mu = f.mean_path()[:L].sum(0)
    v, n = f.lead_time_variance(L)
    if lead_time_sd_days:
        v = v + (mu / L) ** 2 * float(lead_time_sd_days) ** 2
    qs = _quantiles(mu, v, service_levels, f.group == "count")
    res = f.keys[KEY].copy()
    res["lead_time_days"] = L
    res["mean"] = np.maximum(mu, 0.0)
    res["sd"] = np.sqrt(v)
    for i, p in enumerate(service_levels):
        res[_qname(p)] = qs[i]
    res["method"] = pd.array(f.chosen.astype(str), dtype="string")
    res["calibrated"] = n > 0
    if "basis" in f.keys:
        res["basis"] = f.keys["basis"].to_numpy()
    return res.reset_index(drop=True)


def ses_statsmodels(y, alpha: float) -> float:
    """One-step SES forecast by statsmodels (reference path; lazy import, ~1 s).

    ``SimpleExpSmoothing(y, initialization_method="known", initial_level=y[0])`` with fixed
    ``smoothing_level=alpha``: the same recursion as :func:`ses_kernel`.
    """
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    y = np.asarray(y, dtype="float64")
    m = SimpleExpSmoothing(y, initialization_method="known", initial_level=y[0])
    return float(m.fit(smoothing_level=alpha, optimized=False).forecast(1)[0])


__all__ = ["METHODS", "Panel", "ForecastFit", "to_panel", "fit", "forecast",
           "lead_time_demand", "ses_kernel", "croston_kernel", "tsb_kernel", "dow_index",
           "ses_statsmodels"]
