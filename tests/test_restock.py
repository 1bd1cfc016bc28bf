"""Restock plan: textbook safety stock / reorder point, count quantiles, rounding, dates, caps,
Amazon comparison and the sample's Restock Inventory report."""

import math

import numpy as np
import pandas as pd
import pytest

from postship_analysis import restock
from postship_analysis.restock import RestockParams

AS_OF = pd.Timestamp("2026-11-01")
Z90 = 1.2815515655446004  # Phi^-1(0.90), standard normal table


def _pos(rows):
    df = pd.DataFrame(rows)
    for c in ("reserved", "unfulfillable", "inbound_working", "inbound_shipped",
              "inbound_receiving"):
        if c not in df:
            df[c] = 0
    df["inbound"] = df["inbound_working"] + df["inbound_shipped"] + df["inbound_receiving"]
    df.insert(0, "seller_id", "s")
    if "marketplace" not in df:
        df.insert(1, "marketplace", "US")
    return df


def _fc(skus, mean, sd=0.0, days=60, method="ses", mp="US"):
    """Constant daily forecast: q50 = mean, q90 = mean + z90 * sd (normal)."""
    rows = []
    for sku in skus:
        rows.append(pd.DataFrame({
            "seller_id": "s", "marketplace": mp, "sku": sku,
            "date": AS_OF + pd.to_timedelta(np.arange(days), unit="D"),
            "mean": float(mean), "q50": float(mean), "q80": np.nan,
            "q90": float(mean) + Z90 * sd, "q95": np.nan, "method": method}))
    return pd.concat(rows, ignore_index=True)


# --- textbook safety stock -----------------------------------------------------------------

def test_safety_stock_with_lead_time_uncertainty_chopra_meindl():
    # Chopra & Meindl, Supply Chain Management: Strategy, Planning, and Operation, chapter
    # "Managing uncertainty in a supply chain: safety inventory", example "impact of lead-time
    # uncertainty" (Dell / Samsung): D = 2,500/day, sigma_D = 500, L = 7 days, s_L = 7 days,
    # CSL = 0.90. sigma_L = sqrt(7 * 500^2 + 2500^2 * 7^2) = sqrt(1,750,000 + 306,250,000)
    # = sqrt(308,000,000) = 17,549.9; ss = 1.2816 * 17,549.9 = 22,491 units.
    sigma = math.sqrt(7 * 500 ** 2 + 2500 ** 2 * 7 ** 2)
    assert sigma == pytest.approx(17549.9, abs=0.1)
    ss = float(restock.safety_stock_normal(2500, 500, 7, 7, 0.90))
    assert ss == pytest.approx(22491, abs=1)


def test_reorder_point_fixed_lead_time_chopra_meindl_lego():
    # Chopra & Meindl, example "evaluating safety inventory given a CSL" (Lego at Walmart):
    # weekly demand N(2,500, 500), lead time 2 weeks, CSL 0.90. sigma_L = sqrt(2) * 500 = 707;
    # ss = 1.2816 * 707 = 906; ROP = D*L + ss = 5,000 + 906 = 5,906.
    # Run through the whole plan with a "day" = one week: supplier lead 2, others 0, review 0.
    pos = _pos([{"sku": "LEGO", "available": 10000}])
    fc = _fc(["LEGO"], 2500, sd=500)
    p = restock.restock_plan(pos, fc, as_of=AS_OF, params=RestockParams(
        supplier_lead_days=2, seller_lead_days=0, inbound_lead_days=0, lead_time_sd_days=0,
        review_days=0, service_level=0.90))
    r = p.iloc[0]
    assert r["demand_sd"] == pytest.approx(500)
    assert r["safety_stock"] == pytest.approx(906, abs=0.5)
    assert r["reorder_point"] == pytest.approx(5906, abs=0.5)


def test_z_values_from_normal_table():
    # standard normal table: 0.90 -> 1.2816, 0.95 -> 1.6449, 0.975 -> 1.9600
    assert restock.z_value([0.90, 0.95, 0.975]) == pytest.approx([1.2816, 1.6449, 1.96], abs=1e-4)


# --- count quantiles for intermittent SKUs ---------------------------------------------------

def test_poisson_quantile_by_hand():
    # Poisson(2): P(X<=4) = e^-2 (1 + 2 + 2 + 4/3 + 2/3) = 7 e^-2 = 0.9473;
    # P(X<=5) = 0.9473 + e^-2 * 32/120 = 0.9834 -> the 95% quantile is 5, the 90% is 4.
    assert 7 * math.exp(-2) == pytest.approx(0.9473, abs=1e-4)
    assert restock.count_quantile([2.0, 2.0], [2.0, 2.0], [0.95, 0.90]).tolist() == [5.0, 4.0]


def test_negative_binomial_quantile_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(7)
    mean = rng.uniform(0.2, 40, 300)
    var = mean * rng.uniform(1.05, 6, 300)
    q = rng.choice([0.8, 0.9, 0.95, 0.99], 300)
    ours = restock.count_quantile(mean, var, q)
    n, p = mean ** 2 / (var - mean), mean / var
    assert np.array_equal(ours, stats.nbinom.ppf(q, n, p))
    # Poisson when the variance does not exceed the mean
    assert np.array_equal(restock.count_quantile(mean, mean, q), stats.poisson.ppf(q, mean))


def test_intermittent_sku_uses_distribution_quantile_not_z_sigma():
    # d = 0.2/day, P = 10 days (lead 10, review 0), no lead-time variance: mean lead-time
    # demand 2, forecast sd 0 -> variance falls back to... the Poisson (var = mean = 2).
    # 95% quantile of Poisson(2) = 5 (test above) -> SS = 5 - 2 = 3; ROP = 0.2*10 + 3 = 5.
    pos = _pos([{"sku": "SLOW", "available": 1}])
    fc = _fc(["SLOW"], 0.2, sd=0.0, method="tsb")
    fc["q50"] = np.nan
    fc["q90"] = np.nan
    p = restock.restock_plan(pos, fc, as_of=AS_OF, params=RestockParams(
        supplier_lead_days=10, seller_lead_days=0, inbound_lead_days=0, lead_time_sd_days=0,
        review_days=0, service_level=0.95))
    r = p.iloc[0]
    assert r["demand_class"] == "intermittent"
    assert r["safety_stock"] == pytest.approx(3.0)
    assert r["reorder_point"] == pytest.approx(5.0)
    # the normal formula would give 1.6449 * sqrt(10 * 0.2) = 2.33
    assert restock.safety_stock_normal(0.2, math.sqrt(0.2), 10, 0, 0.95) == pytest.approx(
        2.326, abs=1e-3)


def test_forecaster_quantile_used_when_lead_time_matches():
    pos = _pos([{"sku": "SLOW", "available": 0}, {"sku": "FAST", "available": 0}])
    fc = pd.concat([_fc(["SLOW"], 0.5, method="sba"), _fc(["FAST"], 10, sd=3)])
    ltd = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["SLOW", "FAST"],
                        "lead_time_days": 20, "mean": [10.0, 200.0], "sd": [5.0, 20.0],
                        "q90": [17.0, 226.0], "q95": [19.0, 233.0], "method": ["sba", "ses"],
                        "calibrated": True})
    p = restock.restock_plan(pos, fc, as_of=AS_OF, lead_time_demand=ltd, params=RestockParams(
        supplier_lead_days=20, seller_lead_days=0, inbound_lead_days=0, lead_time_sd_days=0,
        review_days=0, service_level=0.95)).set_index("sku")
    # intermittent: SS = q95 - d * P = 19 - 0.5 * 20 = 9
    assert p.loc["SLOW", "safety_stock"] == pytest.approx(9.0)
    assert p.loc["SLOW", "safety_stock_method"] == "forecast quantile"
    # smooth: the backtest sd (20 over 20 days) replaces sqrt(20) * 3: SS = 1.6449 * 20
    assert p.loc["FAST", "safety_stock"] == pytest.approx(1.644854 * 20, abs=1e-3)
    # with the lead-time sd: sqrt(20^2 + 10^2 * 2^2) = sqrt(800)
    p2 = restock.restock_plan(pos, fc, as_of=AS_OF, lead_time_demand=ltd, params=RestockParams(
        supplier_lead_days=20, seller_lead_days=0, inbound_lead_days=0, lead_time_sd_days=2,
        review_days=0, service_level=0.95)).set_index("sku")
    assert p2.loc["FAST", "safety_stock"] == pytest.approx(1.644854 * math.sqrt(800), abs=1e-3)


# --- rounding --------------------------------------------------------------------------------

def test_case_pack_and_moq_rounding():
    # 37 needed, MOQ 48, packs of 12 -> 48; 130 -> 11 packs = 132; 1 -> MOQ 48; none -> 0
    assert restock.round_order_qty([0, -5, 1, 37, 130], 12, 48).tolist() == [0, 0, 48, 48, 132]
    # MOQ not a multiple of the pack: 50 -> 5 packs of 12 = 60
    assert restock.round_order_qty([10], 12, 50).tolist() == [60]
    # cap 100 -> 8 packs = 96 (never more than the cap)
    assert restock.round_order_qty([130], 12, 0, 100).tolist() == [96]
    # fractional need 24.2 with packs of 12 -> 36, 24.0 -> 24
    assert restock.round_order_qty([24.2, 24.0], 12).tolist() == [36, 24]


# --- dates -----------------------------------------------------------------------------------

P0 = RestockParams(supplier_lead_days=10, seller_lead_days=5, inbound_lead_days=7,
                   lead_time_sd_days=0, review_days=30, service_level=0.95)


def test_ship_by_date_arithmetic():
    # d = 2/day, no uncertainty -> SS = 0. L = 10 + 5 + 7 = 22, P = 52.
    # IP = 40 available + 20 inbound = 60; ROP = 2 * 22 = 44; S = 2 * 52 = 104.
    # Reorder in floor((60 - 44) / 2) = 8 days: 2026-11-09. The order is placed then, when the
    # position has fallen to ROP = 44, so it is S - ROP = 104 - 44 = 60 (= d * R), not today's
    # S - IP = 44. Ship by = + supplier 10 + seller 5 = 2026-11-24; arrival = + 7 =
    # 2026-12-01, the day the position (60 - 2 * 30 = 0) reaches the safety stock (0).
    pos = _pos([{"sku": "A", "available": 40, "inbound_shipped": 20}])
    r = restock.restock_plan(pos, _fc(["A"], 2.0), as_of=AS_OF, params=P0).iloc[0]
    assert r["inventory_position"] == 60
    assert r["reorder_point"] == pytest.approx(44)
    assert r["order_up_to"] == pytest.approx(104)
    assert r["recommended_qty"] == 60
    assert r["reorder_date"] == pd.Timestamp("2026-11-09")
    assert r["order_date"] == pd.Timestamp("2026-11-09")
    assert r["overdue_days"] == 0
    assert r["ship_by_date"] == pd.Timestamp("2026-11-24")
    assert r["arrival_date"] == pd.Timestamp("2026-12-01")
    assert r["status"] == "plan"
    # days of supply 40 / 2 = 20; total 60 / 2 = 30; the 40 available units are sold by the
    # end of day 20 (cumulative 2 * 20 = 40): 2026-11-01 + 19 = 2026-11-20
    assert r["days_of_supply"] == pytest.approx(20)
    assert r["total_days_of_supply"] == pytest.approx(30)
    assert r["projected_stockout_date"] == pd.Timestamp("2026-11-20")
    # the planned order arrives 2026-12-01, after the 20 days of available stock (the inbound
    # units are what covers the gap, but they are not yet available)
    assert r["stockout_before_arrival"]


def test_issue_example_future_order_is_one_review_period_of_demand():
    # Issue 10: 10 units a day, 30-day review period, ordered later: about 300 units, not the
    # 14 that S - today's position gave. L = 22, R = 30, SS = 0: ROP = 220, S = 520; with
    # 506 units the reorder date is floor((506 - 220) / 10) = 28 days away (inside the 30-day
    # window), and the order then is S - ROP = 300.
    pos = _pos([{"sku": "A", "available": 506}])
    r = restock.restock_plan(pos, _fc(["A"], 10.0), as_of=AS_OF, params=P0).iloc[0]
    assert r["status"] == "plan"
    assert r["reorder_date"] == AS_OF + pd.Timedelta(days=28)
    assert r["recommended_qty"] == 300
    assert r["order_up_to"] - r["inventory_position"] == pytest.approx(14)


def test_late_and_reorder_now_and_out_of_stock():
    pos = _pos([{"sku": "LATE", "available": 10}, {"sku": "NOW", "available": 45},
                {"sku": "OUT", "available": 0, "inbound_receiving": 5},
                {"sku": "OK", "available": 500}, {"sku": "DEAD", "available": 3}])
    fc = pd.concat([_fc(["LATE", "NOW", "OUT", "OK"], 2.0), _fc(["DEAD"], 0.0)])
    p = restock.restock_plan(pos, fc, as_of=AS_OF, params=P0).set_index("sku")
    # LATE: IP 10, ROP 44 -> reorder date floor((10 - 44) / 2) = -17 days: 2026-10-15 has
    # passed; overdue by 17 days. The order goes out today (order date = as-of), so the ship-by
    # date is as_of + 10 + 5 = 2026-11-16 and the earliest feasible arrival as_of + 22 =
    # 2026-11-23 (not the impossible dates of the missed schedule). Quantity S - IP = 94.
    r = p.loc["LATE"]
    assert r["status"] == "late"
    assert r["reorder_date"] == pd.Timestamp("2026-10-15")
    assert r["overdue_days"] == 17
    assert r["order_date"] == AS_OF
    assert r["ship_by_date"] == pd.Timestamp("2026-11-16")
    assert r["arrival_date"] == pd.Timestamp("2026-11-23")
    assert r["recommended_qty"] == 94
    # NOW: IP 45 -> floor(1 / 2) = 0: the reorder date is today; S - IP = 59
    assert p.loc["NOW", "status"] == "reorder_now"
    assert p.loc["NOW", "overdue_days"] == 0
    assert p.loc["NOW", "recommended_qty"] == 59
    assert p.loc["NOW", "ship_by_date"] == pd.Timestamp("2026-11-16")
    # OUT: nothing available; IP 5 -> overdue by floor((5 - 44) / 2) = -20 -> 20 days
    assert p.loc["OUT", "status"] == "out_of_stock"
    assert p.loc["OUT", "overdue_days"] == 20
    assert p.loc["OUT", "projected_stockout_date"] == AS_OF
    # OK: IP 500 -> reorder in floor(456 / 2) = 228 days, beyond the 30-day window: no order
    # this cycle, the reorder date is still shown
    assert p.loc["OK", "status"] == "ok" and p.loc["OK", "recommended_qty"] == 0
    assert p.loc["OK", "reorder_date"] == AS_OF + pd.Timedelta(days=228)
    assert pd.isna(p.loc["OK", "ship_by_date"])
    assert p.loc["DEAD", "status"] == "no_demand"
    # the list is ordered by urgency
    assert list(p.index[:2]) == ["OUT", "LATE"]
    # a longer planning window turns OK into a planned order of S - ROP = d * R = 60
    p2 = restock.restock_plan(pos, fc, as_of=AS_OF, params=RestockParams(
        **{**P0.__dict__, "plan_days": 365})).set_index("sku")
    assert p2.loc["OK", "status"] == "plan" and p2.loc["OK", "recommended_qty"] == 60


# --- worked periodic-review examples, steady Poisson demand ------------------------------------
#
# Periodic-review order-up-to policy (Silver, Pyke & Thomas §7.3; Snyder & Shen, Fundamentals of
# Supply Chain Theory §4.3): base-stock level S = mu * (L + R) + SS over the protection period.
# The reference values are computed here from the formulas; they equal stockpyl 1.0.2's
# newsvendor_normal(h=1, p=19, mean=4, sd=2, lead_time=49) = 223.2617 (normal) and
# newsvendor_poisson(h=1, p=19, mean=10) = 15 (Poisson), run outside the project's
# environment (stockpyl would pin Sphinx 4.5 / docutils 0.17 into it). h / (h + p) = 0.95.

PW = RestockParams(supplier_lead_days=14, seller_lead_days=0, inbound_lead_days=6,
                   lead_time_sd_days=0, review_days=30, service_level=0.95)


def _poisson_cdf(k, lam):
    return sum(math.exp(-lam) * lam ** i / math.factorial(i) for i in range(k + 1))


def test_worked_poisson_smooth_order_now_later_and_none():
    # Daily Poisson demand lambda = 4 (sd 2), L = 20, R = 30, P = 50, CSL 95 %, normal:
    # SS = 1.644854 * sqrt(50 * 4) = 23.2617; S = 200 + SS = 223.2617; ROP = 80 + SS = 103.2617.
    ss = 1.6448536269514722 * math.sqrt(50 * 4)
    S, rop = 4 * 50 + ss, 4 * 20 + ss
    assert S == pytest.approx(223.2617, abs=1e-4)
    pos = _pos([{"sku": "NOW", "available": 105}, {"sku": "LATER", "available": 200},
                {"sku": "NONE", "available": 300}])
    p = restock.restock_plan(pos, _fc(["NOW", "LATER", "NONE"], 4.0, sd=2.0), as_of=AS_OF,
                             params=PW).set_index("sku")
    assert p["safety_stock"].to_numpy() == pytest.approx([ss] * 3, abs=1e-9)
    assert p.loc["NOW", "order_up_to"] == pytest.approx(S, abs=1e-9)
    assert p.loc["NOW", "reorder_point"] == pytest.approx(rop, abs=1e-9)
    # order now: floor((105 - 103.26) / 4) = 0 -> today, quantity ceil(S - 105) = 119
    assert p.loc["NOW", "status"] == "reorder_now"
    assert p.loc["NOW", "recommended_qty"] == math.ceil(S - 105) == 119
    # order later: floor((200 - 103.26) / 4) = 24 days (inside R = 30), quantity S - ROP = 120
    assert p.loc["LATER", "status"] == "plan"
    assert p.loc["LATER", "reorder_date"] == AS_OF + pd.Timedelta(days=24)
    assert p.loc["LATER", "recommended_qty"] == 120
    assert p.loc["LATER", "ship_by_date"] == AS_OF + pd.Timedelta(days=24 + 14)
    assert p.loc["LATER", "arrival_date"] == AS_OF + pd.Timedelta(days=24 + 20)
    # no order this cycle: floor((300 - 103.26) / 4) = 49 days > 30
    assert p.loc["NONE", "status"] == "ok" and p.loc["NONE", "recommended_qty"] == 0
    # with case packs of 12 and an MOQ of 130: 119 -> 130 -> 11 packs = 132; 120 -> 132
    p2 = restock.restock_plan(pos, _fc(["NOW", "LATER", "NONE"], 4.0, sd=2.0), as_of=AS_OF,
                              params=RestockParams(**{**PW.__dict__, "case_pack": 12,
                                                      "moq": 130})).set_index("sku")
    assert p2.loc["NOW", "recommended_qty"] == 132 and p2.loc["LATER", "recommended_qty"] == 132


def test_worked_poisson_slow_mover_count_quantile():
    # lambda = 0.2/day, P = 50: lead-time-plus-review demand ~ Poisson(10). P(X <= 14) = 0.9165,
    # P(X <= 15) = 0.9513 -> the 95 % quantile is 15, SS = 15 - 10 = 5; ROP = 0.2 * 20 + 5 = 9,
    # S = 10 + 5 = 15. Position 9 -> reorder today, S - IP = 6; position 12 -> in
    # floor(3 / 0.2) = 15 days, quantity S - ROP = 6; position 20 -> in 55 days: none.
    assert _poisson_cdf(14, 10) < 0.95 <= _poisson_cdf(15, 10)
    pos = _pos([{"sku": "NOW", "available": 9}, {"sku": "LATER", "available": 12},
                {"sku": "NONE", "available": 20}])
    fc = _fc(["NOW", "LATER", "NONE"], 0.2, method="tsb")
    fc[["q50", "q90"]] = np.nan               # no quantiles: Poisson variance
    p = restock.restock_plan(pos, fc, as_of=AS_OF, params=PW).set_index("sku")
    assert (p["safety_stock_method"] == "Poisson quantile").all()
    assert p["safety_stock"].to_numpy() == pytest.approx([5.0] * 3)
    assert p.loc["NOW", ["reorder_point", "order_up_to"]].tolist() == pytest.approx([9, 15])
    assert (p.loc["NOW", "status"], p.loc["NOW", "recommended_qty"]) == ("reorder_now", 6)
    assert (p.loc["LATER", "status"], p.loc["LATER", "recommended_qty"]) == ("plan", 6)
    assert p.loc["LATER", "reorder_date"] == AS_OF + pd.Timedelta(days=15)
    assert (p.loc["NONE", "status"], p.loc["NONE", "recommended_qty"]) == ("ok", 0)


def test_intermittent_safety_stock_includes_lead_time_variability():
    # Issue 10: with a lead-time demand table the intermittent safety stock ignored sigma_L.
    # d = 0.2, P = 50: the table's sd 4 over 50 days -> var_P = 16; var = 16 + 0.04 sigma_L^2:
    # sigma_L 0 -> the table's own q95 (17); 5 -> NB(var 17); 20 -> NB(var 32).
    stats = pytest.importorskip("scipy.stats")
    pos = _pos([{"sku": "SLOW", "available": 5}])
    fc = _fc(["SLOW"], 0.2, method="sba")
    ltd = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["SLOW"],
                        "lead_time_days": 50, "mean": [10.0], "sd": [4.0], "q90": [15.0],
                        "q95": [17.0], "method": ["sba"], "calibrated": True})
    ss = {}
    for sl_d in (0, 5, 20):
        p = restock.restock_plan(pos, fc, as_of=AS_OF, lead_time_demand=ltd, params=RestockParams(
            **{**PW.__dict__, "lead_time_sd_days": sl_d})).iloc[0]
        ss[sl_d] = p["safety_stock"]
        if sl_d:
            v = 16 + 0.04 * sl_d ** 2
            q = stats.nbinom.ppf(0.95, 100 / (v - 10), 10 / v)
            assert p["safety_stock"] == pytest.approx(q - 10)
            assert p["safety_stock_method"] == "negative binomial quantile"
    assert ss[0] == pytest.approx(17 - 10)          # the forecaster's calibrated quantile
    assert ss[0] <= ss[5] < ss[20]
    assert ss[20] - ss[0] >= 4


def test_reserved_counted_or_not():
    pos = _pos([{"sku": "A", "available": 40, "reserved": 10}])
    a = restock.restock_plan(pos, _fc(["A"], 2.0), as_of=AS_OF, params=P0).iloc[0]
    b = restock.restock_plan(pos, _fc(["A"], 2.0), as_of=AS_OF,
                             params=RestockParams(**{**P0.__dict__, "count_reserved": False})
                             ).iloc[0]
    assert a["inventory_position"] == 50 and b["inventory_position"] == 40
    # both below ROP 44 + ... : 50 -> reorder in floor(6 / 2) = 3 days (planned, S - ROP = 60);
    # 40 -> overdue: S - IP = 64
    assert a["status"] == "plan" and a["recommended_qty"] == 60
    assert b["status"] == "late" and b["recommended_qty"] == 104 - 40


def test_per_sku_overrides():
    pos = _pos([{"sku": "A", "available": 40}, {"sku": "B", "available": 40}])
    ov = pd.DataFrame({"sku": ["B"], "case_pack": [25], "supplier_lead_days": [40]})
    p = restock.restock_plan(pos, _fc(["A", "B"], 2.0), as_of=AS_OF, params=P0,
                             overrides=ov).set_index("sku")
    assert p.loc["A", "recommended_qty"] == 104 - 40
    # B: L = 40 + 5 + 7 = 52, P = 82: S = 164, need 124 -> 5 packs of 25 = 125
    assert p.loc["B", "lead_time_days"] == 52
    assert p.loc["B", "recommended_qty"] == 125
    with pytest.raises(Exception, match="unknown"):
        restock.restock_plan(pos, _fc(["A"], 2.0), as_of=AS_OF,
                             overrides=pd.DataFrame({"sku": ["A"], "colour": [1]}))


def test_capacity_cap_served_by_ship_by_date():
    # needs: LATE 104-10 = 94, NOW 104-40 = 64 -> packs of 10: 100 and 70. Cap 130: LATE (earlier
    # ship-by) gets 100, NOW gets the 30 that still fit (3 packs).
    pos = _pos([{"sku": "LATE", "available": 10}, {"sku": "NOW", "available": 40}])
    prm = RestockParams(**{**P0.__dict__, "case_pack": 10})
    p = restock.restock_plan(pos, _fc(["LATE", "NOW"], 2.0), as_of=AS_OF, params=prm,
                             capacity_units={"US": 130}).set_index("sku")
    assert p.loc["LATE", "recommended_qty"] == 100 and not p.loc["LATE", "capped"]
    assert p.loc["NOW", "recommended_qty"] == 30 and p.loc["NOW", "capped"]


def test_stock_position_latest_snapshot_before_as_of():
    snaps = pd.DataFrame({
        "seller_id": "s", "marketplace": "US", "sku": ["A", "A", "A", "A"],
        "snapshot_date": pd.to_datetime(["2026-10-26", "2026-10-31", "2026-10-31",
                                         "2026-11-01"]),
        "fulfillable": [5, 7, 9, 99], "reserved": [0, 1, 2, 0], "unfulfillable": 0,
        "inbound_working": [0, 1, 1, 0], "inbound_shipped": [0, 2, 2, 0],
        "inbound_receiving": [0, 3, 3, 0], "source": ["myi", "planning", "myi", "myi"]})
    r = restock.stock_position(snaps, AS_OF).iloc[0]
    # 2026-11-01 is not before the as-of date; on 10-31 the MYI row wins over planning
    assert (r["available"], r["reserved"], r["inbound"]) == (9, 2, 6)


# --- Amazon's report -------------------------------------------------------------------------

def test_amazon_comparison_explained():
    pos = _pos([{"sku": "A", "available": 40}])
    am = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["A"],
                       "units_sold_last_30d": [30], "total_units": [40],
                       "recommended_qty": [50], "recommended_ship_date": [AS_OF],
                       "alert": ["reorder_now"]})
    r = restock.restock_plan(pos, _fc(["A"], 2.0), as_of=AS_OF, params=P0, amazon=am).iloc[0]
    assert r["amazon_qty"] == 50 and r["qty_difference"] == 64 - 50
    txt = r["difference_explained"]
    assert txt.startswith("ours is higher by 14 units")
    assert "2.0/day" in txt and "1.0/day" in txt  # 30 units / 30 days at Amazon
    assert "Total Units" not in txt  # same stock counted
    assert restock.FORMULA_NOTE.startswith("Our recommendation uses our own")


@pytest.fixture(scope="module")
def sample():
    from pathlib import Path

    from postship_analysis import datafolder
    root = Path(__file__).resolve().parents[1] / "data" / "sample"
    if not root.exists():
        pytest.skip("no sample data")
    inp = datafolder.load(root, tables=["inventory_snapshots", "restock"])
    return inp.table("inventory_snapshots"), inp.table("restock")


def test_sample_restock_report_days_of_supply(sample):
    # The sample's Restock report (written by its generator with Amazon's column meanings):
    # Total Units = available + inbound + reserved, Total Days of Supply = Total Units /
    # (Units Sold Last 30 Days / 30). With that demand rate as a flat forecast, our position and
    # total days of supply from the 2026-10-31 snapshots must equal the report's own columns.
    snaps, am = sample
    pos = restock.stock_position(snaps, AS_OF)
    rate = am[["seller_id", "marketplace", "sku"]].copy()
    rate["rate"] = am["units_sold_last_30d"].astype(float) / 30
    fc = pos[["seller_id", "marketplace", "sku"]].merge(rate, how="inner")
    fc = fc.loc[fc.index.repeat(28)].reset_index(drop=True)
    fc["date"] = AS_OF + pd.to_timedelta(fc.groupby("sku").cumcount() % 28, unit="D")
    fc["mean"] = fc["rate"]
    p = restock.restock_plan(pos, fc, as_of=AS_OF, amazon=am)
    assert len(p) == len(am)
    assert (p["inventory_position"] == p["amazon_total_units"]).all()
    m = p.merge(am[["marketplace", "sku", "days_of_supply", "available"]],
                on=["marketplace", "sku"], suffixes=("", "_am"))
    assert (m["available"] == m["available_am"]).all()
    has = m["days_of_supply_am"].notna() & np.isfinite(m["total_days_of_supply"])
    assert has.sum() > 50
    # the report rounds to whole days
    assert np.allclose(m.loc[has, "total_days_of_supply"], m.loc[has, "days_of_supply_am"],
                       atol=0.5)

    # out-of-stock alerts agree
    oos_am = m["amazon_alert"].astype("string").eq("out_of_stock").fillna(False)
    assert ((m["status"] == "out_of_stock") | (m["status"] == "no_demand"))[oos_am].all()


def test_always_censored_sku_that_sells_gets_a_restock_and_says_why():
    # Issue 10: a SKU censored on every day (it sells out within hours of each restock) had a
    # zero forecast, so no restock. Now its forecast is its sales rate (a lower bound on demand)
    # and the plan names that basis. A SKU without any forecast row plans nothing, silently
    # (no "Mean of empty slice" warning).
    import warnings

    from postship_analysis import forecast as FC

    dates = pd.date_range("2026-08-01", "2026-10-31")
    n = len(dates)
    d = pd.DataFrame({"seller_id": "s", "marketplace": "US",
                      "sku": np.repeat(["HOT", "CALM"], n), "date": np.tile(dates, 2),
                      "units": np.r_[np.full(n, 2.0), np.full(n, 1.0)],
                      "censored": np.r_[np.ones(n, bool), np.zeros(n, bool)],
                      "in_stock_share": np.r_[np.full(n, 0.2), np.ones(n)]})
    fc = FC.forecast(d, as_of=AS_OF, horizon=60)
    pos = _pos([{"sku": "HOT", "available": 0}, {"sku": "CALM", "available": 200},
                {"sku": "GONE", "available": 5}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = restock.restock_plan(pos, fc, as_of=AS_OF, params=PW).set_index("sku")
    assert p.loc["HOT", "daily_demand"] == pytest.approx(2.0)
    assert p.loc["HOT", "recommended_qty"] > 0
    assert "lower bound" in p.loc["HOT", "forecast_basis"]
    assert p.loc["CALM", "forecast_basis"] == "in-stock history"
    assert p.loc["GONE", "status"] == "no_demand" and p.loc["GONE", "recommended_qty"] == 0


def test_count_quantile_large_counts_match_scipy():
    # large means use bisection on the exact CDF; must equal scipy's ppf too
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(11)
    mean = rng.uniform(150, 5000, 200)
    var = mean * rng.uniform(1.0, 8, 200)
    var[:50] = mean[:50]                                     # Poisson
    q = rng.choice([0.5, 0.9, 0.95, 0.99], 200)
    ours = restock.count_quantile(mean, var, q)
    nbq = stats.nbinom.ppf(q, mean ** 2 / np.maximum(var - mean, 1e-300), mean / var)
    ref = np.where(var > mean * (1 + 1e-9), nbq, stats.poisson.ppf(q, mean))
    assert np.array_equal(ours, ref)
