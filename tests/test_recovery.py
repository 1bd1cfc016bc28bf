"""Stockout recovery: hand-worked pieces (ramp, counterfactual with controls, error model,
placebo draws, budget arithmetic), the no-effect placebo across 20 simulated sellers, a planted
ramp, and the sample's planted recovery.

The simulators (tests/recovery_sim.py) run a reorder-point stock policy sized on normal demand,
so stockouts follow demand surges, the selection that fooled the old before/after model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE_TRUTH
from recovery_sim import simulate

from postship_analysis import demand as D
from postship_analysis import recovery as R
from postship_analysis.errors import ParameterError

# ---------------------------------------------------------------------------------------------
# Pieces by hand
# ---------------------------------------------------------------------------------------------


def test_ramp_by_hand():
    # m0 = 0.5, R = 4: 0.5, 0.625, 0.75, 0.875, 1, 1
    assert R.ramp(np.arange(6), 0.5, 4).tolist() == [0.5, 0.625, 0.75, 0.875, 1.0, 1.0]


def test_ramp_grid_recovers_a_noise_free_ramp():
    k = np.arange(42, dtype=float)
    E = np.full((1, 42), 10.0)
    U = E * R.ramp(k, 0.7, 21)
    m0, r, sse = R._ramp_grid(U, E, k, 35)
    assert (round(m0[0], 9), r[0], round(sse[0], 9)) == (0.7, 21.0, 0.0)
    # no deficit: m0 = 1 and R = 0 (nothing to recover)
    m0, r, _ = R._ramp_grid(E, E, k, 35)
    assert (m0[0], r[0]) == (1.0, 0.0)


def _flat(skus, days, units, stock_out=None):
    """A seller with constant daily units per SKU; ``stock_out``: {sku: (first, last) day
    index out of stock} (sales 0 then, the day after opens at 0 and is censored)."""
    dates = pd.date_range("2025-01-06", periods=days)
    rows = []
    for s in skus:
        u = np.asarray(units[s](np.arange(days)), dtype=float)
        ins = np.ones(days, bool)
        if stock_out and s in stock_out:
            a, b = stock_out[s]
            ins[a:b + 1] = False
            u[a:b + 1] = 0
        cens = ~ins | np.r_[False, ~ins[:-1]]
        rows.append(pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": s,
                                  "date": dates, "units": u, "in_stock": ins,
                                  "censored": cens}))
    return pd.concat(rows, ignore_index=True)


def test_counterfactual_is_the_pre_run_up_forecast_times_the_controls_ratio():
    # A sells 10 a day, runs out on days 150-154, and after the restock sells 9 a day while
    # every other SKU (B, C: 10 a day) sells 20 % more from day 140 on (a season the forecast
    # cannot know). Forecast from before the run-up: 10; control ratio 12 / 10 = 1.2 ->
    # counterfactual 12 a day; A's deficit 1 - 9 / 12 = 25 %. Without controls: 1 - 9 / 10.
    units = {"A": lambda t: np.where(t < 155, 10, 9),
             "B": lambda t: np.where(t < 140, 10, 12), "C": lambda t: np.where(t < 140, 10, 12)}
    daily = _flat(["A", "B", "C"], 230, units, {"A": (150, 154)})
    ep = D.stockout_episodes(daily)
    assert ep[["sku", "length_days"]].values.tolist() == [["A", 5]]
    c = R.episode_curves(daily, ep, window_days=28)
    used = c[c["used"]]
    # day 0 (the restock day) is censored; days 1..27 used
    assert used["day_after"].tolist() == list(range(1, 28))
    # origin: the last Monday at least 28 days before the start (day 150 = 2025-06-05)
    assert c["origin"].iloc[0] == pd.Timestamp("2025-05-05")
    assert np.allclose(used["forecast"], 10) and np.allclose(used["counterfactual"], 12)
    assert (used["controls"] == 2).all()
    nc = R.episode_curves(daily, ep, window_days=28, controls=False)
    assert np.allclose(nc.loc[nc["used"], "counterfactual"], 10)


def test_error_model_recovers_known_variance():
    rng = np.random.default_rng(3)
    cf = rng.uniform(5, 400, 4000)
    phi, kappa = 2.0, 0.01
    a = cf + rng.normal(0, np.sqrt(phi * cf + kappa * cf ** 2))
    p, k = R.error_model(a, cf)
    # stated tolerance: 4000 draws pin phi within 25 % and kappa within 15 %
    assert abs(p / phi - 1) < 0.25 and abs(k / kappa - 1) < 0.15


# Placebos whose counterfactual collapsed toward 0 while the SKU sold (seen on generator runs:
# 0.0015 units forecast, 11 sold). With weights 1 / V^2 one of them decided the fit (phi about
# 140, pooled standard error 12 points instead of 2-3); the variance floor in the weights
# bounds its pull by its CF.
COLLAPSED = ((0.0015, 11.0), (0.02, 8.0))      # (CF over the window, units sold)


@pytest.mark.parametrize("kappa, cf_hi, phi_tol, kappa_lo, kappa_hi", [
    # Poisson (phi = 1, kappa = 0): over 1,000 seeds of this design (750 placebos, as on the
    # sample) phi-hat has sd 0.064 (analytic check for phi alone: Var((A - CF)^2 / CF) =
    # 2 + 1/CF for a Poisson count, 2.41 averaged over log-uniform CF on 0.5..60, / 750 ->
    # sd 0.057; fitting kappa too widens it) and its 0.1 % / 99.9 % quantiles are 0.80 / 1.18;
    # kappa-hat (>= 0) has sd 0.0023 and 99.9 % quantile 0.013. Tolerances: about 4 sd.
    (0.0, 60, 0.25, 0.0, 0.015),
    # gamma-Poisson (phi = 1, kappa = 0.04: a level error of 20 %), CF up to 200 so that the
    # level term is seen: phi-hat sd 0.098 (quantiles 0.73 / 1.33), kappa-hat sd 0.0054
    # (quantiles 0.0245 / 0.057). Tolerances: about 3.6 sd.
    (0.04, 200, 0.35, 0.02, 0.06),
])
def test_error_model_recovers_planted_truth_despite_a_collapsed_counterfactual(
        kappa, cf_hi, phi_tol, kappa_lo, kappa_hi):
    rng = np.random.default_rng(11)
    n = 750
    cf = np.exp(rng.uniform(np.log(0.5), np.log(cf_hi), n))
    level = rng.gamma(1 / kappa, kappa, n) if kappa else 1.0
    a = rng.poisson(cf * level).astype(float)
    bad_cf, bad_a = np.array(COLLAPSED).T
    p, k = R.error_model(np.r_[a, bad_a], np.r_[cf, bad_cf])
    assert abs(p - 1.0) <= phi_tol and kappa_lo <= k <= kappa_hi
    # second method: the same fit without the two collapsed placebos; their pull on the fit
    # is at most their y x CF (121 x 0.0015 and 64 x 0.02 against about 750): over 1,000
    # seeds they moved phi by at most 0.009 and kappa by 0.0003
    p0, k0 = R.error_model(a, cf)
    assert abs(p - p0) <= 0.02 and abs(k - k0) <= 0.001


def test_error_model_rejects_a_non_positive_floor():
    with pytest.raises(ParameterError, match="var_floor"):
        R.error_model([1, 2, 3], [1, 2, 3], var_floor=0)


def _synthetic_curves(effect=0.0, collapsed=(), n_sku=40, real_per=3, plc_per=10, seed=7):
    """Curves as ``_curves`` returns them for one seller: ``n_sku`` SKUs whose counterfactual
    over days k = 1..27 is log-uniform on 3..60 units (flat by day, controls' ratio 1); real
    episodes sell Poisson((1 - effect) x CF), placebos Poisson(CF); ``collapsed`` adds, to
    SKU0, SKU1, ..., placebos (CF, units) that sold all their units on day 1. Returns the
    curves and the real episodes' CF over the summary window."""
    rng = np.random.default_rng(seed)
    W, days = 42, 27
    cf = np.exp(rng.uniform(np.log(3), np.log(60), n_sku))
    sku, pl, lam, fc = [], [], [], []
    for s in range(n_sku):
        for j in range(real_per + plc_per):
            sku.append(f"SKU{s}")
            pl.append(j >= real_per)
            fc.append(cf[s] / days)
            lam.append(cf[s] / days * (1 if j >= real_per else 1 - effect))
    F = np.repeat(np.asarray(fc)[:, None], W, 1)
    units = rng.poisson(np.repeat(np.asarray(lam)[:, None], W, 1)).astype(float)
    for s, (c, a) in enumerate(collapsed):
        sku.append(f"SKU{s}")
        pl.append(True)
        F = np.vstack([F, np.full(W, c / days)])
        units = np.vstack([units, np.r_[0.0, a, np.zeros(W - 2)]])
    n = len(sku)
    start = pd.Timestamp("2025-03-03") + pd.to_timedelta(np.arange(n) % 200, unit="D")
    ep = pd.DataFrame({"episode": np.arange(n), "seller_id": "s", "marketplace": "US",
                       "sku": sku, "start": start, "end": start + pd.Timedelta(days=4),
                       "length_days": 5, "placebo": pl, "ongoing": False,
                       "origin": start - pd.Timedelta(days=28), "controls": 0,
                       "runup_units": 0.0, "runup_counterfactual": 0.0, "status": "ok"})
    ep["restock_date"] = ep["end"] + pd.Timedelta(days=1)
    used = np.repeat((np.arange(W) >= 1)[None, :], n, 0)
    real = ~ep["placebo"].to_numpy()
    return R._Curves(ep, units, F, np.ones((n, W)), used), F[real, 1:28].sum(1)


@pytest.mark.parametrize("effect", [0.0, 0.15])
def test_collapsed_placebos_do_not_decide_the_verdict(effect):
    cur, cf_real = _synthetic_curves(effect=effect, collapsed=COLLAPSED)
    res = R._estimate(cur, by=("seller_id",), seed=0, alpha=0.05, summary_days=28,
                      bootstrap=400, max_recovery_days=35, max_recovery_ci_days=14)
    p = res.pooled.iloc[0]
    # Poisson truth: phi = 1, kappa = 0 (402 placebos: sd of phi-hat about 0.09)
    assert abs(p["phi"] - 1) <= 0.3 and p["kappa"] <= 0.02
    # the two collapsed placebos are the only ones below one unit^2 (every other CF >= 3),
    # and the report can say so
    assert p["placebos_floored"] == 2 and res.error["placebos_floored"].tolist() == [2]
    # the standard error of a pooled Poisson deficit: sqrt(sum CF) / sum CF (2.2 points
    # here); the pooled se is the larger of the model's and the sandwich's, each within a
    # few % of it (before the floor: 31 points)
    se0 = 1 / np.sqrt(cf_real.sum())
    assert se0 * 0.8 <= p["se"] <= se0 * 1.25
    assert abs(p["deficit"] - effect) <= 3 * se0
    # the placebo range: +-1.96 se without the collapsed placebos; floored, they still count
    # as 11- and 8-unit errors of a variance-1 window and widen its lower end by about one
    # se (measured -2.7 se0); unfloored, their errors were multiplied by sqrt(V_episode /
    # 0.0015), about 100, and the range reached -116 %
    assert -5 * se0 <= p["placebo_lo"] and p["placebo_hi"] <= 3 * se0
    if effect:
        assert p["measurable"] and p["verdict"].startswith("damage")
    else:
        assert not p["measurable"] and p["verdict"].startswith("no measurable damage")


def test_placebos_fall_in_clean_in_stock_spans_and_are_seeded():
    units = {s: (lambda t: np.full(len(t), 5)) for s in "ABCD"}
    daily = _flat(list("ABCD"), 400, units, {"A": (200, 207), "B": (100, 102)})
    ep = D.stockout_episodes(daily)
    p1 = R.placebo_episodes(daily, ep, per_sku=6, seed=1)
    p2 = R.placebo_episodes(daily, ep, per_sku=6, seed=1)
    pd.testing.assert_frame_equal(p1, p2)
    assert set(p1["sku"]) == {"A", "B"}          # only SKUs with a real stockout
    for _, p in p1.iterrows():
        real = ep[ep["sku"] == p["sku"]].iloc[0]
        assert p["length_days"] == real["length_days"]   # lengths from the SKU's own
        origin = R._origin(R._panel(daily, None),
                           np.array([(p["start"] - pd.Timestamp("2025-01-06")).days]), 28, 7)[0]
        lo = pd.Timestamp("2025-01-06") + pd.Timedelta(days=int(origin) - 42)
        hi = p["end"] + pd.Timedelta(days=42)
        span = daily[(daily["sku"] == p["sku"]) & (daily["date"] >= lo) & (daily["date"] <= hi)]
        assert not span["censored"].any() and lo >= pd.Timestamp("2025-01-06")
    assert p1["start"].is_unique or p1.groupby("sku")["start"].apply(lambda x: x.is_unique).all()


def test_every_real_episode_is_reported_with_a_reason_when_not_measured():
    units = {s: (lambda t: np.full(len(t), 5)) for s in "ABC"}
    # A: too early to have 8 weeks of history before its origin; B: still out at the end
    daily = _flat(list("ABC"), 200, units, {"A": (20, 25), "B": (190, 199)})
    ep = D.stockout_episodes(daily)
    res = R.analyse(daily, ep)
    real = res.episodes[~res.episodes["placebo"]]
    assert len(real) == len(ep) == 2
    st = dict(zip(real["sku"], real["status"], strict=True))
    assert st["A"].startswith("fewer than 56") and st["B"].startswith("still out of stock")
    assert real["verdict"].str.startswith("not measured").all()
    p = res.pooled.iloc[0]
    assert p["episodes"] == 0 and p["verdict"] == "no episode could be measured"
    assert not p["measurable"] and p["recovery_note"].startswith("not identified")
    plan = R.budget_plan(res, ep, "2025-07-25", rates=None)
    assert set(plan["status"]) == {"out_of_stock"} and (plan["extra_budget"] == 0).all()
    k = {x.name: x for x in R.recovery_kpis(res, plan, "2025-07-25")}
    assert k["stockout_sales_deficit_mean"].status == "no_data"


# ---------------------------------------------------------------------------------------------
# Budget arithmetic on a hand-built result
# ---------------------------------------------------------------------------------------------

AS_OF = pd.Timestamp("2026-11-01")


def fake_recovery(d0=0.3, rec=20, measurable=True, identified=True, base=10.0, W=42):
    """A Recovery whose pooled ramp is exactly ``d0``/``rec`` (every bootstrap replicate too)
    and whose SKU A (restocked 2026-10-27, 5 days before AS_OF) has a forecast of ``base``
    a day with control ratio 1."""
    k = np.arange(W)
    pooled = pd.DataFrame([dict(seller_id="s", episodes=12, measurable=measurable,
                                recovery_identified=identified, deficit_at_restock=d0,
                                recovery_days=rec if identified else np.nan,
                                recovery_note="identified" if identified else "not identified",
                                deficit=0.1, lost_units=15.0, counterfactual=150.0)])
    Eb = np.full((50, W), base)
    Ub = Eb * R.ramp(k, 1 - d0, rec)
    boot = {"s": dict(U=Ub, E=Eb, m0=np.full(50, 1 - d0), R=np.full(50, float(rec)),
                      n=np.full(W, 12))}
    restock = pd.Timestamp("2026-10-27")
    curves = pd.DataFrame({"episode": 0, "seller_id": "s", "marketplace": "US", "sku": "A",
                           "start": pd.Timestamp("2026-10-15"), "day_after": k,
                           "date": restock + pd.to_timedelta(k, unit="D"),
                           "units": np.where(k < 5, base * R.ramp(k, 1 - d0, rec), np.nan),
                           "counterfactual": base, "forecast": base, "control_ratio": 1.0,
                           "used": (k >= 1) & (k < 5), "placebo": False})
    pooled_curve = pd.DataFrame({"day_after": k, "units": base * R.ramp(k, 1 - d0, rec),
                                 "counterfactual": base, "episodes": 12})
    return R.Recovery(episodes=pd.DataFrame(), pooled=pooled, weekly=pd.DataFrame(),
                      curves=curves, error=pd.DataFrame(), by=("seller_id",), window_days=W,
                      summary_days=28, boot=boot, curves_pooled={"s": pooled_curve})


EPIS = pd.DataFrame({"seller_id": ["s"], "marketplace": ["US"], "sku": ["A"],
                     "start": [pd.Timestamp("2026-10-15")], "end": [pd.Timestamp("2026-10-26")],
                     "length_days": [12], "ongoing": [False]})
RATES = pd.DataFrame({"seller_id": ["s"], "marketplace": ["US"], "sku": ["A"], "cpc": [1.0],
                      "cvr": [0.1], "units_per_order": [1.0], "daily_spend": [10.0],
                      "currency": ["USD"], "rates_source": ["sku"]})
COSTS = pd.DataFrame({"seller_id": ["s"], "marketplace": ["US"], "sku": ["A"],
                      "currency": ["USD"], "price": [20.0], "cogs": [5.0], "fba_fee": [3.0],
                      "referral_fee_pct": [0.15], "other_cost": [0.0]})
ON_HAND = pd.DataFrame({"seller_id": ["s"], "marketplace": ["US"], "sku": ["A"],
                        "on_hand": [1000]})


def test_budget_plan_by_hand():
    plan = R.budget_plan(fake_recovery(), EPIS, AS_OF, rates=RATES, on_hand=ON_HAND, weeks=3)
    # restocked 5 days before as_of: week 1 is k = 5..11, week 2 k = 12..18, week 3 19..25.
    # missing units = 10 x 0.3 x sum(1 - k / 20): 10 x 0.3 x (7 - 56/20) = 12.6;
    # 10 x 0.3 x (7 - 105/20) = 5.25; k = 19 only: 10 x 0.3 x 0.05 = 0.15
    assert plan["missing_units"].round(9).tolist() == [12.6, 5.25, 0.15]
    # the bootstrap replicates are all equal: the interval is the point
    assert plan["missing_units_lo"].round(9).tolist() == [12.6, 5.25, 0.15]
    # cost per unit = CPC / (CVR x units per order) = 1 / 0.1 = 10
    assert plan["extra_budget"].round(9).tolist() == [126.0, 52.5, 1.5]
    assert plan["episodes"].tolist() == [12, 12, 12]
    assert plan["days_of_cover"].iloc[0] == 100.0 and (plan["reason"] == "").all()
    # the 37 % rule is a comparison line: 0.37 x 70 a week, never in extra_budget
    assert plan["rule_extra_budget"].round(9).tolist() == [25.9] * 3
    chk = R.rule_of_thumb_check(plan)
    assert chk["extra_pct_of_spend"].round(9).iloc[0] == round(180 / 210, 9)
    assert chk["rule_pct_of_spend"].round(9).iloc[0] == 0.37


def test_budget_capped_by_target_acos():
    # price 20; contribution 20 - 5 - 3 - 0.15 x 20 = 9 -> break-even ACoS 45 %, target
    # (margin goal 10 %) 35 % -> at most 7 per unit, below the 10 the ads cost: capped
    plan = R.budget_plan(fake_recovery(), EPIS, AS_OF, rates=RATES, unit_costs=COSTS,
                         on_hand=ON_HAND, weeks=1)
    assert plan["max_cost_per_unit"].round(9).iloc[0] == 7.0 and plan["capped"].iloc[0]
    assert round(plan["extra_budget"].iloc[0], 9) == round(12.6 * 7, 9)
    assert round(plan["units_bought"].iloc[0], 9) == round(12.6 * 7 / 10, 9)


def test_budget_zero_out_of_stock_short_cover_or_no_damage():
    oos = EPIS.assign(end=pd.Timestamp("2026-10-31"), ongoing=True)
    p = R.budget_plan(fake_recovery(), oos, AS_OF, rates=RATES, on_hand=ON_HAND, weeks=2)
    assert (p["extra_budget"] == 0).all() and (p["status"] == "out_of_stock").all()
    assert p["reason"].str.startswith("still out of stock").all()
    # 100 units on hand at 10 a day: 10 days of cover, fewer than the 14-day plan
    short = ON_HAND.assign(on_hand=100)
    p = R.budget_plan(fake_recovery(), EPIS, AS_OF, rates=RATES, on_hand=short, weeks=2)
    assert (p["extra_budget"] == 0).all() and p["reason"].str.contains("fewer days").all()
    p = R.budget_plan(fake_recovery(measurable=False, identified=False), EPIS, AS_OF,
                      rates=RATES, on_hand=ON_HAND, weeks=2)
    assert (p["extra_budget"] == 0).all() and p["basis"].str.startswith("no measurable").all()
    # ... but its interval still says how much might be missing (the replicates' ramp)
    assert (p["extra_budget_hi"] > 0).all()


def test_kpis_by_hand():
    res = fake_recovery()
    plan = R.budget_plan(res, EPIS, AS_OF, rates=RATES, on_hand=ON_HAND, weeks=4)
    k = {x.name: x for x in R.recovery_kpis(res, plan, AS_OF)}
    # pooled across marketplaces: "ALL"; 15 of 150 counterfactual units lost = 10 %
    assert {x.marketplace for x in k.values()} == {"ALL"}
    assert k["stockout_sales_deficit_mean"].value == 0.1
    assert k["stockout_sales_deficit_mean"].numerator == 15.0
    assert k["stockout_recovery_days_median"].value == 20.0
    assert k["stockout_recovery_lost_units"].value == 15.0
    # 12.6 + 5.25 + 0.15 units at 10 each in the 4 weeks (week 4, k = 26..32, misses 0)
    assert round(k["stockout_extra_ad_budget_next_4w"].value, 9) == 180.0
    # sales above the counterfactual: a share lost of 0 (the signed estimate is in the
    # summary table); no recovery time when not identified
    res.pooled.loc[0, ["lost_units", "recovery_identified"]] = [-6.0, False]
    k = {x.name: x for x in R.recovery_kpis(res, None, AS_OF)}
    assert k["stockout_sales_deficit_mean"].value == 0.0
    assert k["stockout_recovery_days_median"].status == "no_data"
    assert "stockout_extra_ad_budget_next_4w" not in k


# ---------------------------------------------------------------------------------------------
# Simulated sellers: no effect (placebo) and a planted ramp
# ---------------------------------------------------------------------------------------------

def _rates_for(daily):
    skus = daily[["seller_id", "marketplace", "sku"]].drop_duplicates()
    return skus.assign(cpc=1.0, cvr=0.1, units_per_order=1.0, daily_spend=10.0,
                       currency="USD", rates_source="sku")


@pytest.fixture(scope="module")
def no_effect():
    daily, _ = simulate(range(20))
    ep = D.stockout_episodes(daily)
    return daily, ep, R.analyse(daily, ep)


@pytest.mark.slow
def test_no_effect_placebo_across_20_sellers(no_effect):
    daily, ep, res = no_effect
    p = res.pooled
    assert len(p) == 20 and (p["episodes"] >= 100).all()
    covers = ((p["deficit_lo"] <= 0) & (p["deficit_hi"] >= 0)).sum()
    # the bars: the interval covers 0 for at least 18 of 20 sellers; each seller's
    # pooled point estimate within 3 points of 0 (and so their mean)
    assert covers >= 18
    assert (p["deficit"].abs() <= 0.03).all()
    assert (~p["measurable"]).sum() >= 18
    assert p["verdict"].str.startswith("no measurable damage").sum() >= 18
    # where nothing is measurable no recovery time is claimed
    assert not p.loc[~p["measurable"], "recovery_identified"].any()
    # the placebos themselves: the same estimator finds nothing on average
    assert abs(p["placebo_deficit"].mean()) <= 0.02
    # per episode: about alpha of the real episodes fall outside the placebo range
    e = res.episodes[~res.episodes["placebo"] & (res.episodes["status"] == "ok")]
    outside = e["verdict"].str.startswith(("damage", "above")).mean()
    assert outside <= 0.10
    # the extra budget is 0 for every seller without measurable damage
    as_of = daily["date"].max() + pd.Timedelta(days=1)
    plan = R.budget_plan(res, ep, as_of, rates=_rates_for(daily))
    quiet = plan["seller_id"].isin(p.loc[~p["measurable"], "seller_id"])
    assert quiet.sum() > 0 and (plan.loc[quiet, "extra_budget"] == 0).all()


@pytest.fixture(scope="module")
def planted():
    # ten sellers pooled into one estimate (by marketplace: all "US"); controls stay within
    # each seller
    daily, truth = simulate(range(100, 110), m0=0.7, recovery_days=21)
    ep = D.stockout_episodes(daily)
    return daily, ep, R.analyse(daily, ep, by=("marketplace",))


# 30 % down on the restock day (k = 0), linear back over 21 days. The estimate uses days
# k = 1..27 (the restock day opens with no stock): average deficit
# 0.3 x sum_{k=1..20} (1 - k/21) / 27 = 0.3 x 10 / 27 = 0.1111
PLANTED_AVG = 0.3 * 10 / 27


@pytest.mark.slow
def test_planted_ramp_is_recovered(planted):
    daily, ep, res = planted
    p = res.pooled.iloc[0]
    assert p["episodes"] >= 1200 and p["measurable"]
    # the bars: average deficit within 5 points, recovery time within 5 days
    assert abs(p["deficit"] - PLANTED_AVG) <= 0.05
    assert p["recovery_identified"] and abs(p["recovery_days"] - 21) <= 5
    assert abs(p["deficit_at_restock"] - 0.3) <= 0.05
    assert p["deficit_at_restock_lo"] <= 0.3 + 0.02 and p["recovery_days_lo"] <= 21
    # the weekly profile falls: week 1 > week 2 > week 3, week 4 about 0
    w = res.weekly.set_index("week")["deficit"]
    assert w[1] > w[2] > w[3] and abs(w[4]) <= 0.03
    # recovering SKUs get a budget, out-of-stock ones none
    as_of = daily["date"].max() + pd.Timedelta(days=1)
    plan = R.budget_plan(res, ep, as_of, rates=_rates_for(daily))
    rec = plan[(plan["status"] == "recovering") & (plan["days_since_restock"] < 14)]
    assert len(rec) and (rec.groupby("sku")["extra_budget"].sum() > 0).all()
    assert (plan.loc[plan["status"] == "out_of_stock", "extra_budget"] == 0).all()
    assert (plan["extra_budget_lo"] <= plan["extra_budget"] + 1e-9).all()
    assert (plan["extra_budget"] <= plan["extra_budget_hi"] + 1e-9).all()
    # every week with missing units names the episodes behind it (weeks past the followed
    # window have neither)
    assert (plan.loc[plan["missing_units"] > 0, "episodes"] > 0).all()


# ---------------------------------------------------------------------------------------------
# The sample's planted recovery (postship_analysis/sample.py simulate_inventory: from the first
# day back in stock, demand thinned by m0 ~ U(0.5, 0.7) rising linearly to 1 over R ~ 7..28
# days). Its 150-SKU catalogue sells 0.05-2 units a day, in lumps; its ten fast-mover listings
# (sample.add_fast_movers: 4.5-7 units a day, a supplier delay every 65-95 days) carry most of
# the units in the weeks after a restock.
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    tr = pd.read_csv(SAMPLE_TRUTH / "daily.csv.gz", parse_dates=["date"])
    tr = tr.sort_values(["marketplace", "sku", "date"])
    daily = pd.DataFrame({"seller_id": "sample-seller", "marketplace": tr["marketplace"],
                          "sku": tr["sku"], "date": tr["date"], "units": tr["sales_units"],
                          "in_stock": tr["stockout"] == 0})
    prev = daily.groupby(["marketplace", "sku"])["in_stock"].shift(1, fill_value=True)
    daily["censored"] = ~daily["in_stock"] | ~prev.astype(bool)
    so = pd.read_csv(SAMPLE_TRUTH / "stockouts.csv", parse_dates=["start", "end"])
    so["seller_id"] = "sample-seller"
    return tr, so, R.analyse(daily, so)


def test_sample_planted_recovery(sample):
    tr, so, res = sample
    p = res.pooled.iloc[0]
    # planted average deficit over the days the estimate uses (k = 1..27, uncensored, before
    # any later stockout), from the truth: 1 - sum(demand after rank loss) / sum(demand)
    c = res.curves[res.curves["used"] & (res.curves["day_after"] < 28)]
    t = c.merge(tr.rename(columns={"demand_after_rank_loss": "after"})[
        ["marketplace", "sku", "date", "demand", "after"]], on=["marketplace", "sku", "date"])
    planted = 1 - t["after"].sum() / t["demand"].sum()
    assert 0.08 <= planted <= 0.18
    # Measured on the regenerated sample: about 8,000 counterfactual units in the estimate's
    # days (7,300 of them from the fast movers' 48 stockouts; the catalogue's alone had 650,
    # an information bound of 8.5 points), pooled standard error 2.6 points. So the issue's
    # tolerances apply: deficit within 5 points of the planted one, interval covering it,
    # damage claimed, recovery time within 5 days of the planted mean or "not identified".
    assert 7000 <= c["counterfactual"].sum() <= 9500
    assert p["se"] <= 0.035
    assert abs(p["deficit"] - planted) <= 0.05
    assert p["deficit_lo"] <= planted <= p["deficit_hi"]
    assert p["measurable"] and p["verdict"].startswith("damage")
    assert p["episodes"] >= 120 and p["placebo_episodes"] >= 500
    if p["recovery_identified"]:
        assert abs(p["recovery_days"] - so.loc[~so["ongoing"], "recovery_days"].mean()) <= 5
    else:
        assert p["recovery_note"].startswith("not identified")


# ---------------------------------------------------------------------------------------------
# The sample generator's slow catalogue at scale: twelve worlds of postship_analysis/sample.py
# without its fast movers (seeds 1-12, the sample's own stock policy, lumpy slow sellers and
# recovery ramps m0 ~ U(0.5, 0.7) back over R ~ 7..28 days), pooled. About 8,700
# counterfactual units: the information bound is sqrt(5 x 8,700) / 8,700 = 2.4 points, so
# the issue's +-5 points are within reach (one world's catalogue alone has 8.5 points; the
# sample itself reaches them with its fast movers, see above).
# ---------------------------------------------------------------------------------------------

def _sample_worlds(seeds):
    from postship_analysis import sample as S

    dailies, eps = [], []
    for sd in seeds:
        rng = np.random.default_rng(sd)
        w = S.World(seed=sd)
        w.mult, w.season = S._multipliers()
        w.pairs = S.build_catalog(rng)
        w.demand = S.simulate_demand(rng, w.pairs, w.mult)
        S.simulate_inventory(rng, w)
        n = len(w.pairs)
        pi, ti = np.repeat(np.arange(n), S.N_DAYS), np.tile(np.arange(S.N_DAYS), n)
        afn = (w.pairs["channel"] == "AFN").to_numpy()[pi]
        sku = f"w{sd}:" + w.pairs["sku"].to_numpy()
        d = pd.DataFrame({"seller_id": "worlds", "world": f"w{sd}",
                          "marketplace": w.pairs["mp"].to_numpy()[pi], "sku": sku[pi],
                          "date": np.tile(S.DAYS.values, n), "units": w.sales.ravel(),
                          "in_stock": ~(afn & (w.stock.ravel() == 0)),
                          "demand": w.demand.ravel(), "after": w.realised.ravel()})
        dailies.append(d[ti >= w.pairs["launch"].to_numpy()[pi]])
        e = pd.DataFrame(w.episodes)
        eps.append(pd.DataFrame({
            "seller_id": "worlds", "marketplace": w.pairs["mp"].to_numpy()[e["pair"]],
            "sku": sku[e["pair"]], "start": S.DAYS[e["start"]], "end": S.DAYS[e["end"]],
            "length_days": e["end"] - e["start"] + 1, "ongoing": e["ongoing"],
            "recovery_days": e["recovery_days"].astype(float)}))
    daily = pd.concat(dailies, ignore_index=True)
    prev = daily.groupby(["marketplace", "sku"])["in_stock"].shift(1, fill_value=True)
    daily["censored"] = ~daily["in_stock"] | ~prev.astype(bool)
    return daily, pd.concat(eps, ignore_index=True)


@pytest.mark.slow
def test_sample_generator_recovery_at_twelve_times_the_sample():
    daily, so = _sample_worlds(range(1, 13))
    # controls from the SKU's own world only (control_group), as in one seller's data
    res = R.analyse(daily.drop(columns=["demand", "after"]), so, control_group="world")
    p = res.pooled.iloc[0]
    c = res.curves[res.curves["used"] & (res.curves["day_after"] < 28)]
    t = c.merge(daily[["marketplace", "sku", "date", "demand", "after"]],
                on=["marketplace", "sku", "date"])
    planted = 1 - t["after"].sum() / t["demand"].sum()  # from the truth, as for the sample
    assert 0.08 <= planted <= 0.18
    assert p["episodes"] >= 1000 and p["se"] <= 0.035
    assert p["measurable"] and p["verdict"].startswith("damage")
    assert abs(p["deficit"] - planted) <= 0.05
    assert p["deficit_lo"] <= planted <= p["deficit_hi"]
    # R differs between episodes (7-28 days): a recovery time is claimed only if the pooled
    # curve pins it down, then within 5 days of the planted mean
    if p["recovery_identified"]:
        assert abs(p["recovery_days"] - so.loc[~so["ongoing"], "recovery_days"].mean()) <= 5
    else:
        assert p["recovery_note"].startswith("not identified")
