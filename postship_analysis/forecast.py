"""Stockout-aware demand forecasts per SKU: point forecasts, quantiles and lead-time demand.

Input is the long daily table of :func:`postship_analysis.demand.daily_demand`
(``seller_id, marketplace, sku, date, units, censored``; marketplace-local days). Every
method works on a dense (day x SKU) array with the censored days *masked*: on a censored day
no smoothing state is updated and the Croston interval clock does not advance (sales on a
stockout or sell-out day are only a lower bound on demand; forecasting.md §3.3 shows masking
cut the bias on recently stocked-out SKUs from -19 %..-38 % to +2 %..+4 %). All kernels loop
over days in Python and are vectorised over SKUs (no loop over SKUs).

Methods (``method=``)
---------------------
``naive``     last uncensored day's units.
``snaive``    seasonal naive: the same weekday one week before the origin.
``ma``        in-stock-adjusted 28-day moving average: units on uncensored days / uncensored
              days over the last 28 days (falls back to the whole history).
``ses_dow``   simple exponential smoothing of the demand divided by a day-of-week index
              (and by event multipliers), alpha per SKU from a grid by in-sample one-step MSE;
              the index is the SKU's weekday profile shrunk toward the pooled profile of its
              marketplace (weight units / (units + 200)). Recursion (Hyndman & Athanasopoulos,
              FPP3 §8.1): ``l_t = l_{t-1} + alpha (y_t - l_{t-1})``, ``l_0 = y_1``.
``croston``   Croston (1972): sizes ``z`` and intervals ``p`` smoothed at demand days only,
              forecast ``z / p``; ``z_0, p_0`` = first demand and its position (1-based,
              counting uncensored days), as in statsforecast's ``CrostonClassic``.
``sba``       Syntetos-Boylan approximation: Croston x (1 - alpha/2) (IJF 21(2), 2005); only
              used by ``auto`` where ADI > 1.32 (biased low on smooth SKUs, forecasting.md §5.1).
``tsb``       Teunter-Syntetos-Babai (EJOR 214, 2011): demand probability ``b`` smoothed every
              uncensored day, size ``z`` at demand days, forecast ``b z``.
``auto``      per SKU, by a rolling-origin backtest (below) among the methods allowed for its
              Syntetos-Boylan class; the class default (``ses_dow`` for smooth/erratic, ``sba``
              for intermittent/lumpy) is kept unless another method scores ``switch_margin``
              better. Score = RMSSE + 0.5 |scaled bias| + 0.5 scaled |lead-time-total error|
              (never MAE or MASE alone: the all-zero forecast wins those on intermittent items).

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
Origins every 28 days going back from ``as_of - H`` (``H`` = max(horizon, lead time)),
``origins`` of them (default 8), each forecasting ``H`` days from the states the one pass
over the history stored at that day (the pass is shared: the backtest costs one extra
array slice per origin, not a refit). Scores use uncensored days only; RMSSE is scaled by the
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

import numpy as np
import pandas as pd

from . import contract
from .demand import ADI_CUTOFF, CV2_CUTOFF, KEY
from .errors import ParameterError

METHODS = ("naive", "snaive", "ma", "ses_dow", "croston", "sba", "tsb")
SES_GRID = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6)
CANDIDATES = {"smooth": ("ses_dow", "ma"), "erratic": ("ses_dow", "ma"),
              "intermittent": ("sba", "tsb", "ma"), "lumpy": ("sba", "tsb", "ma"),
              "no_demand": ("ma",)}
DEFAULT = {"smooth": "ses_dow", "erratic": "ses_dow", "intermittent": "sba", "lumpy": "sba",
           "no_demand": "ma"}


# ---------------------------------------------------------------------------------------------
# Kernels on (T, N) arrays; M = observed (uncensored) mask. Each returns the state just before
# every day in ``snaps`` (a sorted array of day indices in 0..T).
# ---------------------------------------------------------------------------------------------

def ses_kernel(X: np.ndarray, M: np.ndarray, alphas, snaps) -> dict:
    """Masked SES for several alphas at once: level ``(N, G)`` and in-sample one-step SSE.

    ``l`` starts at the first observed value; then ``l += a (x - l)`` on observed days only.
    Returns ``{"level": (S, N, G), "sse": (S, N, G), "n": (S, N)}`` at the snapshots.
    """
    T, N = X.shape
    a = np.asarray(alphas, dtype="float64")[None, :]
    G = a.shape[1]
    L = np.zeros((N, G))
    sse = np.zeros((N, G))
    cnt = np.zeros(N)
    init = np.zeros(N, bool)
    snaps = np.asarray(snaps, dtype=np.int64)
    out_l = np.zeros((len(snaps), N, G))
    out_s = np.zeros((len(snaps), N, G))
    out_n = np.zeros((len(snaps), N))
    si = 0
    e = np.empty((N, G))
    for t in range(T + 1):
        while si < len(snaps) and snaps[si] == t:
            out_l[si], out_s[si], out_n[si] = L, sse, cnt
            si += 1
        if t == T:
            break
        m = M[t]
        x = X[t]
        upd = m & init
        np.subtract(x[:, None], L, out=e)
        e *= upd[:, None]
        sse += e * e
        e *= a
        L += e
        cnt += upd
        new = m & ~init
        if new.any():
            L[new] = x[new, None]
            init |= new
    return {"level": out_l, "sse": out_s, "n": out_n}


def _first(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First True row per column (T where none) and the columns sorted by it, with the
    slice bounds per day: ``order[cut[t]:cut[t+1]]`` are the columns whose first is ``t``."""
    T = A.shape[0]
    first = np.where(A.any(0), np.argmax(A, 0), T)
    order = np.argsort(first, kind="stable")
    return first, order, np.searchsorted(first[order], np.arange(T + 2))


def croston_kernel(Y: np.ndarray, M: np.ndarray, alpha: float, snaps) -> dict:
    """Masked Croston state: smoothed size ``z`` and interval ``p`` at the snapshots.

    ``q`` counts observed days since the last demand (the demand day included); at a demand
    ``z += a (y - z)``, ``p += a (q - p)`` (first demand: ``z = y``, ``p = q``), then ``q = 0``.
    Censored days change nothing (the clock does not advance).
    """
    T, N = Y.shape
    z = np.zeros(N)
    p = np.ones(N)
    q = np.zeros(N)
    D = M & (Y > 0)
    first, order, cut = _first(D)
    snaps = np.asarray(snaps, dtype=np.int64)
    oz, op, oi = np.zeros((len(snaps), N)), np.ones((len(snaps), N)), np.zeros((len(snaps), N),
                                                                               bool)
    upd = np.empty(N)
    tmp = np.empty(N)
    si = 0
    for t in range(T + 1):
        while si < len(snaps) and snaps[si] == t:
            oz[si], op[si], oi[si] = z, p, first < t
            si += 1
        if t == T:
            break
        d = D[t]
        q += M[t]
        np.less(first, t, out=upd, casting="unsafe")     # initialised before today
        upd *= d
        upd *= alpha
        np.subtract(Y[t], z, out=tmp)
        tmp *= upd
        z += tmp
        np.subtract(q, p, out=tmp)
        tmp *= upd
        p += tmp
        new = order[cut[t]:cut[t + 1]]
        if new.size:
            z[new] = Y[t, new]
            p[new] = q[new]
        q *= ~d
    return {"z": oz, "p": op, "init": oi}


def tsb_kernel(Y: np.ndarray, M: np.ndarray, alpha_d: float, alpha_p: float, snaps) -> dict:
    """Masked TSB state: demand probability ``b`` (every observed day) and size ``z``.

    ``b`` starts at the first observed day's indicator ``1{y>0}`` and is then updated
    ``b += a_p (1{y>0} - b)`` on each observed day; ``z`` starts at the first demand and is
    updated ``z += a_d (y - z)`` on demand days only (statsforecast ``TSB``).
    """
    T, N = Y.shape
    b = np.zeros(N)
    z = np.zeros(N)
    D = M & (Y > 0)
    fo, oo, co = _first(M)
    fd, od, cd = _first(D)
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
        d = D[t]
        np.less(fo, t, out=w, casting="unsafe")
        w *= M[t]
        w *= alpha_p
        np.subtract(d, b, out=tmp)
        tmp *= w
        b += tmp
        new = oo[co[t]:co[t + 1]]
        if new.size:
            b[new] = d[new]
        np.less(fd, t, out=w, casting="unsafe")
        w *= d
        w *= alpha_d
        np.subtract(Y[t], z, out=tmp)
        tmp *= w
        z += tmp
        new = od[cd[t]:cd[t + 1]]
        if new.size:
            z[new] = Y[t, new]
    return {"b": ob, "z": oz}


# ---------------------------------------------------------------------------------------------
# Panel
# ---------------------------------------------------------------------------------------------

@dataclass
class Panel:
    """Dense history: ``Y`` units and ``M`` observed (uncensored) mask, (T days x N SKUs)."""

    keys: pd.DataFrame
    dates: pd.DatetimeIndex
    Y: np.ndarray
    M: np.ndarray


def to_panel(daily: pd.DataFrame, as_of, *, history_days: int = 730) -> Panel:
    """Pivot the long daily table into ``(T, N)`` arrays of the ``history_days`` days before
    ``as_of`` (days a SKU has no row for are treated as unobserved)."""
    for c in (*KEY, "date", "units"):
        if c not in daily.columns:
            raise ParameterError(f"daily lacks column {c!r}; expected demand.daily_demand output")
    as_of = _day(as_of)
    first = as_of - pd.Timedelta(days=history_days)
    d = daily[(daily["date"] < as_of) & (daily["date"] >= first)]
    keys = daily[KEY].drop_duplicates().sort_values(KEY, kind="stable").reset_index(drop=True)
    for c in KEY:
        keys[c] = keys[c].astype("string")
    start = d["date"].min() if len(d) else as_of - pd.Timedelta(days=1)
    dates = pd.date_range(start, as_of - pd.Timedelta(days=1), freq="D")
    T, N = len(dates), len(keys)
    code = pd.MultiIndex.from_frame(keys).get_indexer(
        pd.MultiIndex.from_frame(d[KEY].astype("string")))
    t = ((d["date"].to_numpy("datetime64[D]") - np.datetime64(start.date(), "D"))
         .astype(np.int64))
    Y = np.zeros((T, N))
    M = np.zeros((T, N), bool)
    Y[t, code] = d["units"].to_numpy(dtype="float64")
    cens = d["censored"].to_numpy(bool) if "censored" in d else np.zeros(len(d), bool)
    M[t, code] = ~cens
    return Panel(keys, dates, Y, M)


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

    def _chosen_stack(self, d: dict) -> np.ndarray:
        first = next(iter(d.values()))
        out = np.full(first.shape, np.nan)
        for m in np.unique(self.chosen):
            sel = self.chosen == m
            out[..., sel] = d[m][..., sel]
        return out

    def lead_time_variance(self, L: int) -> tuple[np.ndarray, np.ndarray]:
        """(variance of L-day demand, number of backtest windows used) per SKU."""
        C = self._chosen_stack(self.cum_err)[:, L - 1, :]          # (K, N)
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


def _quantiles(mu: np.ndarray, var: np.ndarray, probs, count: np.ndarray) -> np.ndarray:
    """(len(probs), N) quantiles: normal (clipped at 0) or NB/Poisson where ``count``."""
    from scipy import stats  # lazy: 0.6 s import

    mu = np.maximum(np.asarray(mu, float), 0.0)
    var = np.maximum(np.asarray(var, float), 1e-12)
    out = np.zeros((len(probs), mu.size))
    sd = np.sqrt(var)
    for i, p in enumerate(probs):
        out[i] = np.maximum(mu + stats.norm.ppf(p) * sd, 0.0)
    if count.any():
        m, v = mu[count], var[count]
        over = v > m * (1 + 1e-9)
        pos = m > 0
        for i, p in enumerate(probs):
            q = np.zeros(m.size)
            nb = over & pos
            if nb.any():
                r = m[nb] ** 2 / (v[nb] - m[nb])
                q[nb] = stats.nbinom.ppf(p, r, m[nb] / v[nb])
            po = ~over & pos
            if po.any():
                q[po] = stats.poisson.ppf(p, m[po])
            out[i, count] = q
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


def dow_index(Y: np.ndarray, M: np.ndarray, weekday: np.ndarray, groups: np.ndarray, *,
              prior_units: float = 200.0) -> np.ndarray:
    """(7, N) multiplicative day-of-week index, each SKU's profile shrunk toward its group's.

    Raw profile r_w = (units on weekday w / observed weekday-w days) / (units / observed days);
    index = (S r + k g) / (S + k) with S the SKU's units, k = ``prior_units``, g the pooled
    profile of the group (marketplace), itself shrunk toward flat the same way with the
    group's units; renormalised to mean 1.
    """
    T, N = Y.shape
    su = np.zeros((7, N))
    sn = np.zeros((7, N))
    for w in range(7):   # strided weekday rows: views, no copies
        if T:
            r0 = (w - weekday[0]) % 7
            mw = M[r0::7]
            su[w] = np.einsum("ij,ij->j", Y[r0::7], mw, dtype=np.float64)
            sn[w] = mw.sum(0)
    tot_u, tot_n = su.sum(0), sn.sum(0)
    rate = np.where(tot_n > 0, tot_u / np.maximum(tot_n, 1), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where((sn > 0) & (rate > 0), su / np.maximum(sn, 1) / np.where(rate > 0, rate, 1),
                     1.0)
    idx = np.ones((7, N))
    for g in np.unique(groups):
        sel = groups == g
        gu, gn = su[:, sel].sum(1), sn[:, sel].sum(1)
        grate = gu.sum() / max(gn.sum(), 1)
        gp = np.where((gn > 0) & (grate > 0), gu / np.maximum(gn, 1) / max(grate, 1e-12), 1.0)
        gtot = gu.sum()
        gp = (gtot * gp + prior_units) / (gtot + prior_units)   # the pool itself toward flat
        S = tot_u[sel]
        idx[:, sel] = (S * r[:, sel] + prior_units * gp[:, None]) / (S + prior_units)
    idx = np.maximum(idx, 0.05)
    return idx / idx.mean(0, keepdims=True)


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
        switch_margin: float = 0.03, history_days: int = 730, dow_prior_units: float = 200.0,
        adi_cutoff: float = ADI_CUTOFF, cv2_cutoff: float = CV2_CUTOFF) -> ForecastFit:
    """Fit every method in one masked pass, backtest them, choose per SKU. See the module doc.

    ``daily`` is the long daily table or a :class:`Panel` (the benchmark's array path).
    """
    if method != "auto" and method not in METHODS:
        raise ParameterError(f"unknown method {method!r}; expected 'auto' or one of {METHODS}")
    if horizon < 1:
        raise ParameterError("horizon must be at least 1 day")
    as_of = _day(as_of)
    P = daily if isinstance(daily, Panel) else to_panel(daily, as_of, history_days=history_days)
    Y, M, dates, keys = P.Y, P.M, P.dates, P.keys.copy()
    T, N = Y.shape
    H = int(max(horizon, lead_time_days, 1))
    weekday = np.asarray(dates.day_of_week)
    all_dates = pd.date_range(dates[0] if T else as_of, as_of + pd.Timedelta(days=H - 1))
    mp_codes = pd.factorize(keys["marketplace"].astype("string"))[0]
    has_events = events is not None and len(events) > 0
    E = _event_matrix(events, keys, all_dates, Y, M) if has_events else None
    Ef = E[T:T + H] if has_events else np.ones((H, 1))

    # backtest origins (day indices): windows [o, o+H) inside the history
    orig = np.array([T - H - 28 * k for k in range(origins)], dtype=np.int64)
    orig = np.sort(orig[orig >= 56])
    snaps = np.r_[orig, T]
    S = len(snaps)

    # day-of-week index from the days before the first origin (no look-ahead in the backtest)
    cut = int(orig[0]) if len(orig) and orig[0] >= 56 else T
    Yo = np.where(M, Y, 0.0)         # units on observed days, 0 on censored days
    cls, adi, cv2 = _classes(Yo, M, adi_cutoff, cv2_cutoff)
    X = Yo / E[:T] if has_events else Yo   # kernels read X on observed days only
    dow = dow_index(X[:cut], M[:cut], weekday[:cut], mp_codes, prior_units=dow_prior_units)
    for w in range(7):   # deseasonalise in place on strided weekday rows (no (T, N) temporaries)
        if T:
            X[(w - weekday[0]) % 7::7] /= dow[w]
    Xo = X
    want = ({m for ms in CANDIDATES.values() for m in ms} if method == "auto" else {method})
    if method == "auto" and not len(orig):   # no backtest: the class defaults only (SBC-auto)
        want = set(DEFAULT.values())
    # cumulative observed sums at the snapshots (for the moving average)
    bounds = np.r_[0, snaps]
    seg_x = np.add.reduceat(Xo, bounds[:-1], axis=0) if T else np.zeros((S, N))
    seg_n = np.add.reduceat(M, bounds[:-1], axis=0, dtype=np.float64) if T else np.zeros((S, N))
    seg_x[bounds[:-1] == bounds[1:]] = 0.0
    seg_n[bounds[:-1] == bounds[1:]] = 0.0
    cum_x, cum_n = np.cumsum(seg_x, 0), np.cumsum(seg_n, 0)

    # which SKUs each method is computed for (auto: the methods allowed for the SKU's class)
    if method == "auto":
        cols = {m: np.isin(cls, [c for c, ms in CANDIDATES.items() if m in ms]
                           + ([c for c, d in DEFAULT.items() if d == m]))
                for m in want}
        if "sba" in want:
            cols["croston"] = cols["sba"]
    else:
        cols = {m: np.ones(N, bool) for m in (*want, "croston")}

    def sub(m):  # SES runs on its SKUs only ((N, G) state); Croston/TSB are cheaper in full
        c = cols[m]
        if c.all() or m != "ses_dow":
            return X, M, slice(None)
        return X[:, c], M[:, c], c

    # one pass per kernel, snapshots at every origin and at T
    states: dict = {}
    if "ses_dow" in want and cols["ses_dow"].any():
        Xs, Ms, c = sub("ses_dow")
        s = ses_kernel(Xs, Ms, ses_grid, snaps)
        best = np.argmin(np.where(s["n"][..., None] > 0, s["sse"], 0.0), axis=2)   # (S, n)
        states["ses_level"] = np.zeros((S, N))
        states["ses_level"][:, c] = np.take_along_axis(s["level"], best[..., None], 2)[..., 0]
        states["ses_alpha"] = np.full((S, N), np.nan)
        states["ses_alpha"][:, c] = np.asarray(ses_grid)[best]
        del s
    if want & {"croston", "sba"} and cols["croston"].any():
        Xs, Ms, c = sub("croston")
        k = croston_kernel(Xs, Ms, alpha, snaps)
        states["croston"] = np.zeros((S, N))
        states["croston"][:, c] = np.where(k["init"], k["z"] / np.maximum(k["p"], 1e-12), 0.0)
    if "tsb" in want and cols["tsb"].any():
        Xs, Ms, c = sub("tsb")
        tb = tsb_kernel(Xs, Ms, alpha, alpha_p, snaps)
        states["tsb"] = np.zeros((S, N))
        states["tsb"][:, c] = tb["b"] * tb["z"]

    def level_at(m: str, si: int) -> np.ndarray:
        t = int(snaps[si])
        if m == "ses_dow":
            return states["ses_level"][si] if "ses_level" in states else np.zeros(N)
        if m == "croston":
            return states["croston"][si] if "croston" in states else np.zeros(N)
        if m == "sba":
            return (states["croston"][si] * (1 - alpha / 2) if "croston" in states
                    else np.zeros(N))
        if m == "tsb":
            return states["tsb"][si] if "tsb" in states else np.zeros(N)
        if m == "ma":
            lo = max(t - 28, 0)
            n = M[lo:t].sum(0)
            val = Xo[lo:t].sum(0) / np.maximum(n, 1)
            allv = cum_x[si] / np.maximum(cum_n[si], 1)
            return np.where(n > 0, val, allv)
        if m == "naive":
            mm = M[:t]
            last = t - 1 - np.argmax(mm[::-1], axis=0)
            has = mm.any(0)
            return np.where(has, X[np.clip(last, 0, max(t - 1, 0)), np.arange(N)], 0.0)
        raise AssertionError(m)

    def path(m: str, si: int, seas_future: np.ndarray) -> np.ndarray:
        t = int(snaps[si])
        if m == "snaive":
            src = np.arange(H) % 7 + max(t - 7, 0)
            src = np.minimum(src, max(t - 1, 0))
            return Y[src] if t > 0 else np.zeros((H, N))
        return level_at(m, si)[None, :] * seas_future

    def seas_from(t: int) -> np.ndarray:
        wd = (weekday[0] + np.arange(t, t + H)) % 7 if T else (as_of.day_of_week + np.arange(H))
        if not has_events:
            return dow[wd]
        ev = E[t:t + H] if t + H <= len(E) else np.vstack([E[t:], np.ones((t + H - len(E), N))])
        return dow[wd] * ev

    # in-sample scale (M5): one-step naive MSE on consecutive observed days (backtest only)
    if len(orig):
        both = M[1:] & M[:-1]
        dif = np.diff(Y, axis=0)
        dif *= both
        scale = np.sqrt(np.einsum("ij,ij->j", dif, dif) / np.maximum(both.sum(0), 1))
        del dif, both
        scale = np.where(scale > 0, scale, np.maximum(Y.mean(0), 1.0))
    else:
        scale = np.ones(N)

    # recent daily variance and mean (last 180 uncensored days)
    lo = max(T - 180, 0)
    mr = M[lo:]
    nr = np.maximum(mr.sum(0), 1)
    mean_daily = (Y[lo:] * mr).sum(0) / nr
    s2 = np.maximum(((Y[lo:] - mean_daily) ** 2 * mr).sum(0) / np.maximum(nr - 1, 1), 1e-6)
    keys["class"], keys["adi"], keys["cv2"] = cls, adi, cv2

    methods = sorted(want) if method == "auto" else [method]
    paths, cum_err, day_err, rows = {}, {}, {}, []
    K = len(orig)
    for m in methods:
        paths[m] = path(m, S - 1, Ef * dow[(as_of.day_of_week + np.arange(H)) % 7])
        ce = np.full((K, H, N), np.nan, dtype=np.float32)
        de = np.full((K, H, N), np.nan, dtype=np.float32)
        for k in range(K):
            o = int(orig[k])
            F = path(m, k, seas_from(o))
            A, mo = Y[o:o + H], M[o:o + H]
            e = np.where(mo, A - F, np.nan)
            de[k] = e
            full = mo.all(0)
            ce[k][:, full] = np.cumsum(A - F, axis=0)[:, full]
        cum_err[m], day_err[m] = ce, de
        nobs = np.isfinite(de).sum((0, 1))
        mse = np.nansum(de * de, (0, 1)) / np.maximum(nobs, 1)
        bias = -np.nansum(de, (0, 1)) / np.maximum(nobs, 1)            # forecast - actual
        tot = np.nansum(de, 1)                                            # (K, N) observed
        nk = np.isfinite(de).sum(1)
        lt = np.where(nk > 0, np.abs(tot) / np.maximum(nk, 1), np.nan)
        lt = np.nanmean(np.where(nk > 0, lt, np.nan), 0) if K else np.zeros(N)
        keep = cols.get(m, np.ones(N, bool))
        rows.append(pd.DataFrame({"i": np.arange(N), "method": m, "n_obs": nobs,
                                  "rmsse": np.sqrt(mse) / scale, "bias": bias / scale,
                                  "lt_error": np.nan_to_num(lt) / scale})[keep])
    scores = pd.concat(rows, ignore_index=True)
    scores["score"] = scores["rmsse"] + 0.5 * scores["bias"].abs() + 0.5 * scores["lt_error"]
    scores.loc[scores["n_obs"] == 0, "score"] = np.nan

    if method == "auto":
        allowed = {c: [m for m in CANDIDATES[c] if m in methods] for c in CANDIDATES}
        sc = scores.pivot(index="i", columns="method", values="score").reindex(
            index=np.arange(N), columns=methods).to_numpy()
        col = {m: j for j, m in enumerate(methods)}
        chosen = np.array([DEFAULT[c] for c in cls], dtype=object)
        for c, ms in allowed.items():
            sel = cls == c
            if not sel.any() or len(ms) < 2:
                continue
            sub = sc[sel][:, [col[m] for m in ms]]
            d = sub[:, ms.index(DEFAULT[c])]
            sub_f = np.where(np.isfinite(sub), sub, np.inf)
            j = np.argmin(sub_f, axis=1)
            better = np.isfinite(d) & (sub_f[np.arange(len(j)), j] < d * (1 - switch_margin))
            pick = np.array(ms, dtype=object)[j]
            chosen[sel] = np.where(better, pick, DEFAULT[c])
    else:
        chosen = np.full(N, method, dtype=object)
    scores["chosen"] = scores["method"].to_numpy() == chosen[scores["i"].to_numpy()]
    scores = pd.concat([keys.loc[scores["i"], KEY].reset_index(drop=True),
                        scores.drop(columns="i")], axis=1)
    group = np.where(np.isin(cls, ["intermittent", "lumpy", "no_demand"]) | (mean_daily < 1.0),
                     "count", "normal")
    return ForecastFit(keys=keys, as_of=as_of, H=H, paths=paths, chosen=chosen,
                       scores=scores, cum_err=cum_err, day_err=day_err, s2=s2,
                       mean_daily=mean_daily, group=group, shrink=shrink,
                       extra={"origins": orig, "dates": dates,
                              "alpha": states.get("ses_alpha", [None])[-1]})


def forecast(daily: pd.DataFrame, *, horizon: int = 28, as_of, method: str = "auto",
             quantiles=(0.5, 0.8, 0.9, 0.95), events=None, fitted: ForecastFit | None = None,
             **kw) -> pd.DataFrame:
    """Daily demand forecast per SKU for the ``horizon`` days from ``as_of`` (inclusive).

    Returns
    -------
    DataFrame ``seller_id, marketplace, sku, date, mean, q50, q80, q90, q95, method`` (one
    quantile column ``q{100 p}`` per requested probability): units per day; the quantiles are
    those of the day's demand (normal for smooth SKUs, negative binomial for intermittent /
    lumpy / slow movers) with the variance from the backtest's daily errors shrunk toward the
    global estimate. ``method`` is the method used for the SKU. Other keywords go to
    :func:`fit` (``origins``, ``alpha``, ``history_days``...).

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
    # variance scales with the level: each day's variance = v * (mu_t / mean mu)
    mbar = np.maximum(mu.mean(0), 1e-9)
    out = {"mean": np.maximum(mu, 0.0).ravel()}
    qs = np.zeros((len(quantiles), h, N))
    for t in range(h):  # horizon days (28), not SKUs
        qs[:, t, :] = _quantiles(mu[t], v * mu[t] / mbar, quantiles, count)
    for i, p in enumerate(quantiles):
        out[_qname(p)] = qs[i].ravel()
    dates = pd.date_range(f.as_of, periods=h)
    res = pd.DataFrame({
        **{c: np.tile(f.keys[c].to_numpy(), h) for c in KEY},
        "date": np.repeat(dates.to_numpy(), N),
        **out,
        "method": np.tile(f.chosen.astype(str), h)})
    for c in (*KEY, "method"):
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
    calibrated``.

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
