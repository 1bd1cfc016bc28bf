"""Tests of postship_analysis.forecast.

Kernels against values worked by hand on short arrays, against statsmodels' SES with a fixed
alpha, and against the published recursions written out below as plain per-period loops
(Croston 1972 / Syntetos & Boylan 2005 / Teunter, Syntetos & Babai 2011). A simulation with
known demand checks the censoring claim; the sample truth and the real spare-parts data check
the whole forecaster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE, SAMPLE_TRUTH, realdata

from postship_analysis import datafolder, demand
from postship_analysis import forecast as FC
from postship_analysis.readers.inventory import daily_on_hand_from_ledger

Y6 = np.array([0, 3, 0, 0, 2, 0], dtype=float)


def col(y):
    return np.asarray(y, float)[:, None]


def test_croston_sba_by_hand():
    c = FC.croston_kernel(col(Y6), np.ones((6, 1), bool), 0.1, [6])
    # first demand 3 at day 2 (1-based): z = 3, p = 2; next demand 2 after q = 3 days:
    # z = 3 + 0.1 (2 - 3) = 2.9 ; p = 2 + 0.1 (3 - 2) = 2.1 ; Croston = 2.9 / 2.1
    assert c["z"][0, 0] == pytest.approx(2.9, abs=1e-15)
    assert c["p"][0, 0] == pytest.approx(2.1, abs=1e-15)
    assert c["z"][0, 0] / c["p"][0, 0] == pytest.approx(1.380952380952381, abs=1e-14)
    # SBA = Croston x (1 - 0.1/2) = 1.3119047619...
    d = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
                      "date": pd.date_range("2026-01-01", periods=6), "units": Y6,
                      "censored": False})
    # (a huge weekday prior makes the day-of-week index flat, so the path is SBA itself)
    f = FC.fit(d, as_of="2026-01-07", horizon=1, method="sba", origins=0, dow_prior_units=1e15)
    assert f.paths["sba"][0, 0] == pytest.approx(0.95 * 2.9 / 2.1, abs=1e-9)


def test_croston_mask_stops_the_interval_clock():
    M = np.ones((6, 1), bool)
    M[2, 0] = False  # day 3 censored: the interval 2 -> 5 counts 2 observed days, not 3
    c = FC.croston_kernel(col(Y6), M, 0.1, [6])
    # z = 2.9 ; p = 2 + 0.1 (2 - 2) = 2 ; forecast 1.45
    assert c["z"][0, 0] / c["p"][0, 0] == pytest.approx(1.45, abs=1e-14)


def test_tsb_by_hand():
    t = FC.tsb_kernel(col(Y6), np.ones((6, 1), bool), 0.1, 0.1, [6])
    # b: 0 (day 1) -> 0.1 -> 0.09 -> 0.081 -> 0.081 + 0.1 (1 - 0.081) = 0.1729 -> 0.15561
    # z: 3 -> 3 + 0.1 (2 - 3) = 2.9 ; forecast 0.15561 * 2.9 = 0.451269
    assert t["b"][0, 0] == pytest.approx(0.15561, abs=1e-15)
    assert t["b"][0, 0] * t["z"][0, 0] == pytest.approx(0.451269, abs=1e-14)
    M = np.ones((6, 1), bool)
    M[3, 0] = False  # censored day 4: b is not decayed that day
    t2 = FC.tsb_kernel(col(Y6), M, 0.1, 0.1, [6])
    # b: 0 -> 0.1 -> 0.09 -> (skip) -> 0.09 + 0.1 (1 - 0.09) = 0.181 -> 0.1629
    assert t2["b"][0, 0] == pytest.approx(0.1629, abs=1e-15)


def _croston_reference(y, alpha):
    """Croston (1972) as published, one period at a time (no vectorisation)."""
    z = p = None
    q = 0
    for v in y:
        q += 1
        if v > 0:
            if z is None:
                z, p = v, q
            else:
                z = z + alpha * (v - z)
                p = p + alpha * (q - p)
            q = 0
    return 0.0 if z is None else z / p


def _tsb_reference(y, ad, ap):
    b = z = None
    for v in y:
        b = float(v > 0) if b is None else b + ap * (float(v > 0) - b)
        if v > 0:
            z = v if z is None else z + ad * (v - z)
    return 0.0 if z is None else b * z


def test_kernels_agree_with_published_recursions_and_statsmodels():
    rng = np.random.default_rng(7)
    T, N = 200, 25
    Y = rng.poisson(1.5, (T, N)) * (rng.random((T, N)) < 0.3)
    M = np.ones((T, N), bool)
    c = FC.croston_kernel(Y.astype(float), M, 0.15, [T])
    t = FC.tsb_kernel(Y.astype(float), M, 0.2, 0.05, [T])
    for i in range(N):
        assert c["z"][0, i] / c["p"][0, i] == pytest.approx(
            _croston_reference(Y[:, i], 0.15), abs=1e-12)
        assert t["b"][0, i] * t["z"][0, i] == pytest.approx(
            _tsb_reference(Y[:, i], 0.2, 0.05), abs=1e-12)
    # SES against statsmodels SimpleExpSmoothing (fixed alpha, level initialised at y_1)
    X = rng.gamma(2.0, 3.0, (T, 4))
    s = FC.ses_kernel(X, np.ones((T, 4), bool), [0.1, 0.3], [T])
    for i in range(4):
        for g, a in enumerate([0.1, 0.3]):
            assert s["level"][0, i, g] == pytest.approx(FC.ses_statsmodels(X[:, i], a),
                                                        rel=1e-12)
    # Croston = SES of the sizes / SES of the intervals: check both with statsmodels
    y = Y[:, 0].astype(float)
    nz = np.flatnonzero(y)
    sizes, intervals = y[nz], np.diff(nz + 1, prepend=0).astype(float)
    ref = FC.ses_statsmodels(sizes, 0.15) / FC.ses_statsmodels(intervals, 0.15)
    assert c["z"][0, 0] / c["p"][0, 0] == pytest.approx(ref, rel=1e-12)


def _sim(n_sku=400, T=400, H=28, seed=11):
    """Known Poisson demand, weekly pattern; 60 % of SKUs stock out in the last 60 days of
    the history (sales censored at the remaining stock on the sell-out day, 0 after)."""
    rng = np.random.default_rng(seed)
    lam = rng.uniform(0.3, 12, n_sku)
    wk = np.array([1.1, 1.0, 0.95, 0.95, 0.9, 1.0, 1.1])
    dates = pd.date_range("2025-01-06", periods=T + H)
    D = rng.poisson(lam[None, :] * wk[np.asarray(dates.dayofweek)][:, None])
    sales = D[:T].copy().astype(float)
    cens = np.zeros((T, n_sku), bool)
    so = rng.random(n_sku) < 0.6
    for i in np.flatnonzero(so):      # test setup only: builds the fixture
        s = int(rng.integers(T - 60, T - 10))
        e = min(T, s + int(rng.integers(5, 40)))
        sales[s, i] = np.floor(D[s, i] * rng.uniform(0, 0.8))    # sell-out day
        sales[s + 1:e, i] = 0
        cens[s:e, i] = True
    d = pd.DataFrame({"seller_id": "s", "marketplace": "US",
                      "sku": np.tile([f"S{i:03d}" for i in range(n_sku)], T),
                      "date": np.repeat(dates[:T].to_numpy(), n_sku),
                      "units": sales.ravel(), "censored": cens.ravel()})
    d["in_stock"] = ~d["censored"]
    return d, D[T:], dates[T], so


def test_censoring_simulation_bias():
    d, future, as_of, so = _sim()
    f = FC.forecast(d, as_of=as_of, horizon=28)
    F = f["mean"].to_numpy().reshape(-1, 28).T        # sorted by sku then date
    bias = (F[:, so].sum() - future[:, so].sum()) / future[:, so].sum()
    assert abs(bias) <= 0.05
    # naive velocity on censored sales (MA28 treating stockout days as normal days)
    naive = FC.forecast(d.assign(censored=False), as_of=as_of, horizon=28, method="ma")
    Fn = naive["mean"].to_numpy().reshape(-1, 28).T
    nbias = (Fn[:, so].sum() - future[:, so].sum()) / future[:, so].sum()
    assert nbias < -0.10


def test_lead_time_quantiles_cover_count_demand():
    # iid negative binomial demand (mean 0.4/day, dispersion 0.5): slow, lumpy movers. The
    # 95 % quantile of 28-day demand must cover about 95 % of the SKUs' realised totals.
    rng = np.random.default_rng(3)
    n, T, L = 1500, 365, 28
    mu, k = 0.4, 0.5
    D = rng.negative_binomial(k, k / (k + mu), (T + L, n)).astype(float)
    dates = pd.date_range("2025-01-01", periods=T)
    d = pd.DataFrame({"seller_id": "s", "marketplace": "US",
                      "sku": np.tile([f"S{i:04d}" for i in range(n)], T),
                      "date": np.repeat(dates.to_numpy(), n), "units": D[:T].ravel(),
                      "censored": False})
    r = FC.lead_time_demand(d, as_of=dates[-1] + pd.Timedelta(days=1), lead_time_days=L)
    actual = D[T:].sum(0)
    cov95 = (actual <= r["q95"].to_numpy()).mean()
    cov90 = (actual <= r["q90"].to_numpy()).mean()
    assert 0.92 <= cov95 <= 0.985
    assert 0.86 <= cov90 <= 0.95
    # the count quantiles are integers (negative binomial / Poisson, not z sigma sqrt(L))
    assert np.allclose(r["q95"], np.round(r["q95"]))
    assert r["calibrated"].all()


def test_events_multiply_the_forecast():
    d = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
                      "date": pd.date_range("2026-01-05", periods=140), "units": 4.0,
                      "censored": False})
    ev = pd.DataFrame({"event": ["prime"], "start": ["2026-05-26"], "end": ["2026-05-27"],
                       "multiplier": [2.5]})
    f = FC.forecast(d, as_of="2026-05-25", horizon=4, method="ses_dow", events=ev)
    # constant 4/day, flat weekly profile: 4, 4*2.5, 4*2.5, 4
    assert f["mean"].tolist() == pytest.approx([4, 10, 10, 4])


# ---------------------------------------------------------------------------------------------
# Sample truth and real data
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_daily():
    f = datafolder.load(SAMPLE, tables=["orders", "inventory_ledger"])
    hist = daily_on_hand_from_ledger(f.table("inventory_ledger"))
    return demand.daily_demand(f.table("orders"), hist, end="2026-10-31")


def test_sample_true_demand_recovered(sample_daily):
    # Forecast 28 days from 2026-10-01 and compare with the generator's true demand (before
    # censoring and rank loss). Stated tolerance: total within +-15 % over all SKUs, and within
    # +-25 % on the SKUs that had a stockout in the 90 days before the origin (the generator
    # thins demand by 30-50 % for 7-28 in-stock days after each stockout - the "rank loss" -,
    # which our in-stock history sees as real sales while the truth's `demand` excludes it),
    # and there closer to the truth than naive velocity on censored sales.
    as_of = pd.Timestamp("2026-10-01")
    f = FC.forecast(sample_daily, as_of=as_of, horizon=28)
    truth = pd.read_csv(SAMPLE_TRUTH / "daily.csv.gz", parse_dates=["date"])
    tw = truth[(truth.date >= as_of) & (truth.date < as_of + pd.Timedelta(days=28))]
    true = tw.groupby(["marketplace", "sku"])["demand"].sum()
    got = f.astype({"marketplace": object, "sku": object}).groupby(
        ["marketplace", "sku"])["mean"].sum()
    m = pd.concat([got, true], axis=1, join="inner")
    assert abs(m["mean"].sum() / m["demand"].sum() - 1) <= 0.15
    hit = truth[(truth.date < as_of) & (truth.date >= as_of - pd.Timedelta(days=90))
                & (truth.stockout == 1)].groupby(["marketplace", "sku"]).size().index
    mh = m.loc[m.index.intersection(hit)]
    assert len(mh) >= 5
    ours = abs(mh["mean"].sum() / mh["demand"].sum() - 1)
    assert ours <= 0.25
    nv = FC.forecast(sample_daily.assign(censored=False), as_of=as_of, horizon=28, method="ma")
    nv = nv.astype({"marketplace": object, "sku": object}).groupby(
        ["marketplace", "sku"])["mean"].sum()
    assert abs(nv.loc[mh.index].sum() / mh["demand"].sum() - 1) > ours


def _rmsse(train, test, fc):
    scale = np.mean(np.diff(train, axis=0) ** 2, axis=0)
    ok = scale > 0
    return np.mean(np.sqrt(np.mean((test - fc) ** 2, axis=0)[ok] / scale[ok]))


def test_spare_parts_beat_seasonal_naive():
    path = realdata("spare-parts-spdf", "raf_5000_items_monthly_1996_2002.csv")
    raw = pd.read_csv(path).iloc[:1000]
    Y = raw.iloc[:, 4:].to_numpy(float).T                       # (84 months, 1000 items)
    train, test = Y[:72], Y[72:]
    # months laid out as consecutive "days" for the daily forecaster (no weekly meaning)
    dates = pd.date_range("2000-01-01", periods=72)
    d = pd.DataFrame({"seller_id": "raf", "marketplace": "UK",
                      "sku": np.tile([f"I{i:04d}" for i in range(Y.shape[1])], 72),
                      "date": np.repeat(dates.to_numpy(), Y.shape[1]), "units": train.ravel(),
                      "censored": False})
    f = FC.forecast(d, as_of=dates[-1] + pd.Timedelta(days=1), horizon=12, origins=3)
    assert np.isfinite(f["mean"]).all() and (f["q95"] >= f["q50"]).all()
    F = f["mean"].to_numpy().reshape(-1, 12).T
    snaive = train[-12:]                                         # same month one year before
    ours, base = _rmsse(train, test, F), _rmsse(train, test, snaive)
    assert ours < base


def test_event_multiplier_estimated_from_past_occurrence():
    # 3 units/day, except last year's Prime Day (2 days) with 6 units/day. Multiplier unknown
    # (NaN) for both occurrences: estimate = (6 + 6) / (3/day x 2 days) = 2, so the future
    # Prime Day gets 3 x 2 = 6/day, and the past one is deflated (the level stays 3).
    dates = pd.date_range("2025-05-01", periods=430)
    units = np.full(430, 3.0)
    units[(dates >= "2025-07-15") & (dates <= "2025-07-16")] = 6.0
    d = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A", "date": dates,
                      "units": units, "censored": False})
    ev = pd.DataFrame({"event": ["prime", "prime"], "start": ["2025-07-15", "2026-07-15"],
                       "end": ["2025-07-16", "2026-07-16"], "multiplier": [np.nan, np.nan]})
    f = FC.forecast(d, as_of="2026-07-05", horizon=14, method="ses_dow", events=ev)
    got = f.set_index("date")["mean"]
    assert got.loc["2026-07-15"] == pytest.approx(6.0)
    assert got.loc["2026-07-16"] == pytest.approx(6.0)
    assert got.loc["2026-07-14"] == pytest.approx(3.0)
