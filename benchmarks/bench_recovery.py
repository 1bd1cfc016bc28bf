"""Stockout-recovery benchmark (issue 12): how the estimator behaves where the answer is known.

Runs the simulators of tests/recovery_sim.py (reorder-point stock sized on normal demand, so
stockouts follow demand surges; transient SKU surges with daily persistence ``phi`` plus 2-6
day promotions; a marketplace season the forecast cannot know) and prints:

* no effect, N sellers (default 20) of 60 SKUs over 500 days: how often the pooled 95 %
  interval covers 0, the pooled deficit's mean and spread between sellers, the mean standard
  error, the share of real episodes outside the placebo range, and the extra budget;
* a planted ramp (30 % down at the restock, back in 21 days): per seller and pooled over all
  sellers, the average deficit (planted 0.3 x 10 / 27 = 11.1 % over days 1-27), the deficit at
  the restock and the recovery time;
* the no-effect bias for several surge persistences ``phi`` (the estimator's known limit);
* CPU time of :func:`postship_analysis.recovery.analyse`.

Run: ``python benchmarks/bench_recovery.py [--sellers 20] [--phis 0.5 0.7 0.8 0.9]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from recovery_sim import simulate  # noqa: E402

from postship_analysis import demand as D  # noqa: E402
from postship_analysis import recovery as R  # noqa: E402

PLANTED_AVG = 0.3 * 10 / 27


def run(seeds, **kw):
    daily, _ = simulate(seeds, **kw.pop("sim", {}))
    ep = D.stockout_episodes(daily)
    t = time.process_time()
    res = R.analyse(daily, ep, **kw)
    return daily, ep, res, time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sellers", type=int, default=20)
    ap.add_argument("--phis", type=float, nargs="*", default=[0.5, 0.7, 0.8, 0.9])
    a = ap.parse_args()
    n = a.sellers

    daily, ep, res, cpu = run(range(n))
    p = res.pooled
    cover = ((p["deficit_lo"] <= 0) & (p["deficit_hi"] >= 0)).sum()
    e = res.episodes[~res.episodes["placebo"] & (res.episodes["status"] == "ok")]
    out = e["verdict"].str.startswith(("damage", "above")).mean()
    plan = R.budget_plan(res, ep, daily["date"].max() + pd.Timedelta(days=1),
                         rates=daily[["seller_id", "marketplace", "sku"]].drop_duplicates()
                         .assign(cpc=1.0, cvr=0.1, units_per_order=1.0, daily_spend=10.0,
                                 currency="USD", rates_source="sku"))
    print(f"no effect, {n} sellers ({int(p['episodes'].sum())} restocks, "
          f"{int(p['placebo_episodes'].sum())} placebos), analyse {cpu:.1f} s CPU")
    print(f"  interval covers 0: {cover}/{n}; pooled deficit mean {p['deficit'].mean():+.2%}, "
          f"sd between sellers {p['deficit'].std():.2%}, mean se {p['se'].mean():.2%}")
    print(f"  measurable damage claimed: {int(p['measurable'].sum())}/{n}; real episodes "
          f"outside the placebo range {out:.1%}; extra budget {plan['extra_budget'].sum():.2f}")

    daily, ep, res, cpu = run(range(100, 100 + n // 2), sim=dict(m0=0.7, recovery_days=21))
    p = res.pooled
    ident = p[p["recovery_identified"]]
    print(f"planted ramp (30 % at restock, 21 days), {n // 2} sellers, analyse {cpu:.1f} s CPU")
    print(f"  per seller: average deficit {p['deficit'].mean():.1%} (range "
          f"{p['deficit'].min():.1%} to {p['deficit'].max():.1%}; planted {PLANTED_AVG:.1%}), "
          f"at restock {p['deficit_at_restock'].mean():.1%}; recovery identified for "
          f"{len(ident)}/{len(p)}, {ident['recovery_days'].mean():.1f} days (range "
          f"{ident['recovery_days'].min():.0f}-{ident['recovery_days'].max():.0f})")
    _, _, res, cpu = run(range(100, 100 + n // 2), sim=dict(m0=0.7, recovery_days=21),
                         by=("marketplace",))
    q = res.pooled.iloc[0]
    print(f"  pooled: average deficit {q['deficit']:.1%} ({q['deficit_lo']:.1%} to "
          f"{q['deficit_hi']:.1%}), at restock {q['deficit_at_restock']:.1%}, recovery "
          f"{q['recovery_note']}")

    for phi in a.phis:
        _, _, res, cpu = run(range(n), sim=dict(phi=phi))
        p = res.pooled
        cover = ((p["deficit_lo"] <= 0) & (p["deficit_hi"] >= 0)).sum()
        print(f"no effect, surge persistence phi={phi}: covers 0 {cover}/{n}, mean "
              f"{p['deficit'].mean():+.2%}, week 1 "
              f"{res.weekly[res.weekly['week'] == 1]['deficit'].mean():+.2%}")


if __name__ == "__main__":
    main()
