"""Benchmark: time and peak memory of notebook 10's fulfilment trends on large sellers.

The trends (``fulfilment.*_trend``) pair every order or package with each as-of day whose
window holds it, so their memory grows with (rows in the trend span) x (window length, up
to 30 days). This benchmark replicates the sample account's seller-fulfilled tables K times
(new order ids and tracking numbers, same dates) and, in a fresh process per K, runs the four
trend calls notebook 10 makes over its default 120 days, printing the wall and CPU seconds,
the peak resident memory of that process (``ru_maxrss``) and the process's memory after
loading (the difference is what the trends add).

Measured 2026-12-02 (2 cores, sample account, as-of 2026-11-01, the four trends together):

    copies  promise lines  in span  packages  wall s  RSS loaded MB  peak RSS MB
         1          3,394      963     3,227     0.5            243          245
        10         33,940    9,630    32,270     1.5            258          335
        30        101,820   28,890    96,810     4.6            274          525
       100        339,400   96,300   322,700    18.7            384        1,155
       300      1,018,200  288,900   968,100    81.5            748        2,846

The (row, as-of day) pairs are not what costs: at 100 copies the single-day
``valid_tracking_rate`` alone takes 10.6 s and peaks at 1,116 MB, its 120-day trend 10.7 s
and 1,137 MB; building ``package_view`` (merges and factorising 1.4 M tracking events as
strings) is the time and the memory, and each of the two delivery trends builds it once.

    python benchmarks/bench_trends.py                 # K = 1, 10, 30, 100
    python benchmarks/bench_trends.py --copies 1,300  # a seller 300 times the sample's size
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLES = ["orders", "order_promises", "shipment_confirmations", "delivery_events"]


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one(copies: int, data: str, as_of: str, trend_days: int) -> dict:
    """Run in a child process: load, replicate, run the trends, report figures."""
    import pandas as pd

    from postship_analysis import datafolder, fulfilment

    inputs = datafolder.load(ROOT / data, tables=TABLES)
    t = {n: inputs.table(n) for n in TABLES}
    t["orders"] = t["orders"][t["orders"]["fulfillment_channel"] == "MFN"]

    def rep(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
        parts = []
        for k in range(copies):
            c = df.copy()
            for col in cols:
                c[col] = c[col].astype("string") + f"-{k}"
            parts.append(c)
        return pd.concat(parts, ignore_index=True)

    t["orders"] = rep(t["orders"], ["order_id"])
    t["order_promises"] = rep(t["order_promises"], ["order_id"])
    t["shipment_confirmations"] = rep(t["shipment_confirmations"],
                                      ["order_id", "tracking_number"])
    t["delivery_events"] = rep(t["delivery_events"], ["tracking_number"])
    end = pd.Timestamp(as_of)
    start = end - pd.Timedelta(days=trend_days)
    base = _rss_mb()
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    fulfilment.late_shipment_rate_trend(t["order_promises"], t["shipment_confirmations"],
                                        start, end, orders=t["orders"], days=30)
    fulfilment.pre_fulfilment_cancel_rate_trend(t["orders"], start, end, days=7,
                                                order_promises=t["order_promises"])
    fulfilment.valid_tracking_rate_trend(t["shipment_confirmations"], t["delivery_events"],
                                         t["order_promises"], start, end)
    fulfilment.unit_on_time_delivery_rate_trend(t["shipment_confirmations"],
                                                t["delivery_events"], t["order_promises"],
                                                start, end)
    r1, wall = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - t0
    span = t["order_promises"]["latest_ship_ts"].between(
        (start - pd.Timedelta(days=31)).tz_localize("UTC"), end.tz_localize("UTC"))
    return {"copies": copies, "promise_lines": len(t["order_promises"]),
            "promise_lines_in_span": int(span.sum()),
            "packages": int(t["shipment_confirmations"]["tracking_number"].nunique()),
            "wall_s": round(wall, 1),
            "cpu_s": round(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, 1),
            "rss_loaded_mb": round(base), "peak_rss_mb": round(r1.ru_maxrss / 1024)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", default="1,10,30,100")
    ap.add_argument("--data", default="data/sample")
    ap.add_argument("--as-of", default="2026-11-01")
    ap.add_argument("--trend-days", type=int, default=120)
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child is not None:
        print(json.dumps(one(a.child, a.data, a.as_of, a.trend_days)))
        return 0
    print(f"{'copies':>6} {'promise lines':>13} {'in span':>9} {'packages':>9} {'wall s':>7} "
          f"{'CPU s':>6} {'RSS loaded MB':>13} {'peak RSS MB':>11}")
    for k in [int(x) for x in a.copies.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--child", str(k), "--data", a.data,
                              "--as-of", a.as_of, "--trend-days", str(a.trend_days)],
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            print(f"{k:>6} failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['copies']:>6} {r['promise_lines']:>13,} {r['promise_lines_in_span']:>9,} "
              f"{r['packages']:>9,} {r['wall_s']:>7} {r['cpu_s']:>6} {r['rss_loaded_mb']:>13,} "
              f"{r['peak_rss_mb']:>11,}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
