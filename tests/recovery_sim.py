"""Simulated sellers for the stockout-recovery tests (imported by test_recovery.py).

Stock runs out when demand runs high, as on a real account: each SKU follows a reorder-point
policy sized on its *normal* demand, so a stockout comes after a demand surge (or a delayed
shipment). After a restock, demand can be thinned by a planted ramp ``m0 + (1 - m0) k / R``
(day ``k = 0`` is the restock day) and nothing else changes; ``m0 = 1`` plants no effect.

Demand per SKU and day: ``base x weekday x season x surge``, Poisson. ``season`` is common to
the seller's marketplace (a trend and a Q4-like peak, which only the control SKUs can tell
the counterfactual about); ``surge`` is SKU-specific and transient: ``exp(x)`` with ``x`` an
AR(1) (``phi`` per day, default 0.7: a surge halves in two days; stationary sd ``surge_sd``)
plus promotions of 2-6 days lifting demand 1.5-2.5 x (one every 120 days per SKU). A surge
still running at the restock makes sales after it look better than the counterfactual: the
estimator's known limit, measured for several ``phi`` by benchmarks/bench_recovery.py.
Vectorised over SKUs (the loop runs over days only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEKDAY = np.array([1.04, 0.99, 0.97, 0.95, 0.91, 0.94, 1.20])


def simulate_seller(seed: int, *, n_sku: int = 60, days: int = 500, m0: float = 1.0,
                    recovery_days: int = 0, start: str = "2025-01-06", base_median: float = 6.0,
                    phi: float = 0.7, surge_sd: float = 0.25, promo_rate: float = 1 / 120,
                    delay_prob: float = 0.15, safety=(4.0, 10.0), seller_id: str | None = None):
    """One seller (one marketplace, ``n_sku`` SKUs): ``(daily, truth)``.

    ``daily``: ``seller_id, marketplace, sku, date, units, in_stock, censored`` as
    :func:`postship_analysis.demand.daily_demand` returns it (in_stock = the day closed with
    stock; censored = not in stock or opened with none), plus the planted ``rate`` (expected
    demand without any stockout effect). ``truth``: one row per restock with
    ``sku, restock`` (first day back in stock) and the planted ``m0, recovery_days``.
    """
    rng = np.random.default_rng(seed)
    N, T = n_sku, days
    dates = pd.date_range(start, periods=T)
    t = np.arange(T)
    base = np.clip(np.exp(rng.normal(np.log(base_median), 0.6, N)), 1.0, 40.0)
    season = (1 + 0.12 * t / 365) * (1 + 0.6 * np.exp(-0.5 * ((t - 320) / 12.0) ** 2))
    season = season * WEEKDAY[dates.day_of_week.to_numpy()]
    # transient SKU-specific surges: AR(1) in logs plus promotion spikes
    x = np.zeros((T, N))
    e = rng.normal(0, surge_sd * np.sqrt(1 - phi ** 2), (T, N))
    x[0] = rng.normal(0, surge_sd, N)
    for d in range(1, T):
        x[d] = phi * x[d - 1] + e[d]
    starts = rng.random((T, N)) < promo_rate
    plen = rng.integers(2, 7, (T, N))
    plift = np.log(rng.uniform(1.5, 2.5, (T, N)))
    promo = np.zeros((T, N))
    for j in range(6):
        on = starts[:T - j] & (plen[:T - j] > j)
        promo[j:] = np.maximum(promo[j:], np.where(on, plift[:T - j], 0.0))
    lam = base[None, :] * season[:, None] * np.exp(x - surge_sd ** 2 / 2 + promo)
    # reorder-point stock sized on normal demand
    lead = rng.integers(7, 22, N)
    rop = base * (lead + rng.uniform(safety[0], safety[1], N))
    qty_days = rng.uniform(30, 60, N)
    stock = np.ceil(base * 45).astype(np.int64)
    arrival = np.full(N, -1)
    arr_qty = np.zeros(N, dtype=np.int64)
    restock = np.full(N, -10 ** 6)
    units = np.zeros((T, N), dtype=np.int64)
    closed = np.zeros((T, N), dtype=np.int64)
    events = []
    prev_zero = np.zeros(N, bool)
    for d in range(T):
        got = arrival == d
        stock[got] += arr_qty[got]
        arrival[got] = -1
        back = got & prev_zero & (stock > 0)
        restock[back] = d
        for i in np.flatnonzero(back):
            events.append((i, d))
        k = d - restock
        m = np.where(k < recovery_days, m0 + (1 - m0) * k / max(recovery_days, 1), 1.0)
        dem = rng.poisson(lam[d] * m)
        s = np.minimum(dem, stock)
        stock -= s
        units[d] = s
        closed[d] = stock
        prev_zero = stock == 0
        order = (arrival < 0) & (stock <= rop)
        if order.any():
            delay = np.where(rng.random(N) < delay_prob, rng.integers(3, 21, N), 0)
            arrival[order] = d + lead[order] + delay[order]
            arr_qty[order] = np.ceil(rop[order] - stock[order] + base[order] * qty_days[order])
    sid = seller_id or f"seller-{seed}"
    skus = np.array([f"{sid}-S{i:02d}" for i in range(N)])
    in_stock = closed > 0
    opened_zero = np.vstack([np.zeros((1, N), bool), closed[:-1] == 0])
    daily = pd.DataFrame({"seller_id": sid, "marketplace": "US", "sku": np.tile(skus, T),
                          "date": np.repeat(dates.to_numpy(), N), "units": units.ravel(),
                          "in_stock": in_stock.ravel(),
                          "censored": (~in_stock | opened_zero).ravel(),
                          "rate": lam.ravel()})
    daily = daily.sort_values(["sku", "date"], kind="stable").reset_index(drop=True)
    truth = pd.DataFrame([(sid, skus[i], dates[d]) for i, d in events],
                         columns=["seller_id", "sku", "restock"])
    truth["m0"], truth["recovery_days"] = m0, recovery_days
    return daily, truth


def simulate(seeds, **kw):
    """Several independent sellers (one per seed) in one table: ``(daily, truth)``."""
    parts = [simulate_seller(int(s), **kw) for s in seeds]
    return (pd.concat([p[0] for p in parts], ignore_index=True),
            pd.concat([p[1] for p in parts], ignore_index=True))
