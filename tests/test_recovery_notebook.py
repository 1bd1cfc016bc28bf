"""Notebook 40's stockout-recovery sections on the sample (issue 12's "done when"): every
real stockout of the sample's truth is reported against the placebo distribution with its
interval, and the budget plan covers exactly the SKUs the truth has out of stock or recently
restocked, week by week with intervals and the restocks behind each week.

Runs on the shared session run of every notebook (tests/test_notebooks.py :func:`sample_run`,
the hostile sample: four SKUs renamed with a formula's first character)."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest
from conftest import SAMPLE_TRUTH
from test_notebooks import AS_OF, HOSTILE_SKUS, sample_run

pytestmark = pytest.mark.slow

#: the plan follows SKUs restocked in the last six weeks (recovery.budget_plan's default)
RECENT_DAYS = 42
PLAN_WEEKS = 4  # notebook 40's plan_weeks default


def _read(out, name):
    """An output CSV with the hostile SKUs mapped back to the truth's names (the safe writer
    quoted them: ``'=PS-129-BK``)."""
    df = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig", dtype={"sku": str})
    back = {v: k for k, v in HOSTILE_SKUS.items()}
    sku = df["sku"].where(~df["sku"].str.match(r"'[=+\-@]"), df["sku"].str[1:])
    return df.assign(sku=sku.replace(back))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data, out_root, result = sample_run(tmp_path_factory)
    nb40 = [r for r in result.runs if r.notebook.startswith("40_")]
    assert len(nb40) == 1 and nb40[0].status == "ok"
    return out_root / "sample-seller" / AS_OF, nb40[0]


def test_every_stockout_of_the_truth_is_reported_against_placebos(run):
    out, r = run
    truth = pd.read_csv(SAMPLE_TRUTH / "stockouts.csv")
    ep = _read(out, "stockout_recovery_episodes")
    # the same episodes as the generator planted (dated from the Inventory Ledger)
    got = sorted(zip(ep["marketplace"], ep["sku"], ep["start"].str[:10], ep["length_days"],
                     strict=True))
    want = sorted(zip(truth["marketplace"], truth["sku"], truth["start"],
                      truth["length_days"], strict=True))
    assert got == want
    # the ones still out of stock are reported as such, not measured
    ongoing = set(zip(truth.loc[truth["ongoing"], "marketplace"],
                      truth.loc[truth["ongoing"], "sku"], strict=True))
    still = ep["status"].str.startswith("still out of stock")
    assert set(zip(ep.loc[still, "marketplace"], ep.loc[still, "sku"], strict=True)) == ongoing
    # every measured episode has its interval and its place among the placebos
    ok = ep[ep["status"] == "ok"]
    assert len(ok) >= 80
    assert (ok["deficit_lo"] <= ok["deficit"]).all() and (ok["deficit"] <= ok["deficit_hi"]).all()
    assert ok["placebo_pct"].between(0, 1).all() and ok["verdict"].str.len().gt(0).all()
    # pooled: measured against the placebo distribution, with the interval and the verdict
    s = pd.read_csv(out / "stockout_recovery_summary.csv", encoding="utf-8-sig").iloc[0]
    assert s["episodes"] == len(ok) and s["placebo_episodes"] >= 500
    assert s["deficit_lo"] < s["deficit"] < s["deficit_hi"]
    assert s["placebo_lo"] < s["placebo_hi"]
    # the sample's planted loss is measurable (its fast movers, tests/test_recovery.py):
    # damage claimed, above the placebo range, within 5 points of the planted deficit over
    # the measured episodes' days (from the truth: 1 - demand after rank loss / demand on
    # days 1..days_used after each restock); a recovery time within 5 days of the planted
    # mean, or none claimed
    assert s["measurable"] and s["verdict"].startswith("damage")
    assert s["deficit_lo"] > 0 and s["deficit"] > s["placebo_hi"]
    daily = pd.read_csv(SAMPLE_TRUTH / "daily.csv.gz", parse_dates=["date"])
    days = pd.concat([pd.DataFrame({"marketplace": e.marketplace, "sku": e.sku,
                                    "date": pd.Timestamp(e.restock_date[:10])
                                    + pd.to_timedelta(range(1, int(e.days_used) + 1), "D")})
                      for e in ok.itertuples()])
    d = days.merge(daily, on=["marketplace", "sku", "date"])
    assert len(d) == len(days)
    planted = 1 - d["demand_after_rank_loss"].sum() / d["demand"].sum()
    assert abs(s["deficit"] - planted) <= 0.05
    if s["recovery_identified"]:
        assert abs(s["recovery_days"] - truth.loc[~truth["ongoing"], "recovery_days"].mean()) <= 5
    else:
        assert s["recovery_note"].startswith("not identified")
    # the report says it, beside the placebo chart
    nb = nbformat.read(r.ipynb, as_version=4)
    texts = [str(o.get("data", {}).get("text/markdown", "")) + str(o.get("text", ""))
             for c in nb.cells for o in c.get("outputs", [])]
    assert any(s["verdict"] in t and "placebo" in t for t in texts)
    # and how many placebos sat under the variance floor, when any did (recovery.error_model)
    nf = int(s["placebos_floored"])
    floored = [t for t in texts if "of the placebo episodes expected less than one unit" in t]
    assert bool(floored) == (nf > 0) and all(f" {nf} of the placebo episodes" in t for t in floored)
    weekly = pd.read_csv(out / "stockout_recovery_weekly.csv", encoding="utf-8-sig")
    assert weekly["week"].tolist()[:4] == [1, 2, 3, 4]
    assert (weekly["deficit_lo"] <= weekly["deficit_hi"]).all()


def test_budget_plan_covers_the_truths_out_of_stock_and_recovering_skus(run):
    out, _ = run
    truth = pd.read_csv(SAMPLE_TRUTH / "stockouts.csv", parse_dates=["end"])
    plan = _read(out, "stockout_ad_budget_plan")
    as_of = pd.Timestamp(AS_OF)
    restock = truth["end"] + pd.Timedelta(days=1)
    recent = truth[~truth["ongoing"] & (restock >= as_of - pd.Timedelta(days=RECENT_DAYS))]
    status = plan.drop_duplicates(["marketplace", "sku"]).set_index(["marketplace", "sku"])
    assert set(status.index[status["status"] == "out_of_stock"]) == set(
        zip(truth.loc[truth["ongoing"], "marketplace"], truth.loc[truth["ongoing"], "sku"],
            strict=True))
    assert set(status.index[status["status"] == "recovering"]) == set(
        zip(recent["marketplace"], recent["sku"], strict=True))
    # week by week, each with its interval and the restocks behind it
    assert (plan.groupby(["marketplace", "sku"])["week"].apply(list)
            == [list(range(1, PLAN_WEEKS + 1))] * len(status)).all()
    assert (plan["extra_budget_lo"] <= plan["extra_budget"]).all()
    assert (plan["extra_budget"] <= plan["extra_budget_hi"]).all()
    assert plan["episodes"].ge(0).all() and plan["episodes"].max() >= 80
    # measurable damage on the sample: a budget where units are missing and the unit
    # economics leave room for ads (a fast mover restocked 10 days before the as-of date
    # gets one), none where nothing is missing; out of stock: none, not even its interval
    missing = plan["missing_units"] > 0
    room = plan["max_cost_per_unit"].fillna(float("inf")) > 0
    assert (missing & room).any()
    assert (plan.loc[missing & room, "extra_budget"] > 0).all()
    assert (plan.loc[~missing, "extra_budget"] == 0).all()
    # a zero budget on missing units says why (here: no margin left at the target ACoS)
    assert plan.loc[missing & ~room, "reason"].str.startswith("no room for ads").all()
    assert (plan.loc[plan["status"] == "out_of_stock", "extra_budget_hi"] == 0).all()
    # the 37 % rule is a separate column, never the plan
    assert "rule_extra_budget" in plan and (plan["rule_extra_budget"] >= 0).all()
