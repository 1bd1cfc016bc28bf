"""Benchmark: a 1,000,000-row All Orders file to the restock table, imports included.

Issue 4's end-to-end target: under 5 s on a 2-core machine. Generates the file with
``bench_read_orders.generate`` (2,000 SKUs over 300 days, fixed seed) and a matching inventory
snapshot, then times in a fresh interpreter: package imports, reading only the columns
demand needs, daily demand (no stock history: every day in stock), the forecaster's fit with
backtest-calibrated lead-time quantiles, the 28-day forecast, and the restock plan.

    python benchmarks/bench_orders_to_restock.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_read_orders import generate  # noqa: E402

CODE = r"""
import time, resource
t0 = time.perf_counter()
import pandas as pd
from postship_analysis import demand, forecast, restock
from postship_analysis.readers.orders import read_all_orders
t_import = time.perf_counter()
orders = read_all_orders({orders!r}, columns=["sku", "quantity", "purchase_ts", "order_status",
                                              "item_status", "fulfillment_channel"]).data
t_read = time.perf_counter()
as_of = pd.Timestamp("2026-10-28")
daily = demand.daily_demand(orders, end=as_of - pd.Timedelta(days=1))
t_daily = time.perf_counter()
fit = forecast.fit(daily, as_of=as_of, horizon=28, lead_time_days=47)
fc = forecast.forecast(daily, as_of=as_of, horizon=28, fitted=fit)
ltd = forecast.lead_time_demand(daily, as_of=as_of, lead_time_days=47, fitted=fit)
t_fc = time.perf_counter()
snaps = pd.read_parquet({snaps!r})
plan = restock.restock_plan(snaps, fc, as_of=as_of, lead_time_demand=ltd)
t_plan = time.perf_counter()
print(f"rows {{len(orders):,}}, SKUs {{daily['sku'].nunique():,}}, days {{daily['date'].nunique()}},"
      f" plan rows {{len(plan):,}}")
print(f"imports        {{t_import - t0:6.2f}} s")
print(f"read orders    {{t_read - t_import:6.2f}} s")
print(f"daily demand   {{t_daily - t_read:6.2f}} s")
print(f"fit+forecast   {{t_fc - t_daily:6.2f}} s (backtest-calibrated lead-time quantiles)")
print(f"restock plan   {{t_plan - t_fc:6.2f}} s")
print(f"TOTAL          {{t_plan - t0:6.2f}} s   (target < 5 s)")
print(f"peak RSS {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}} MiB")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "All Orders.txt"
        t = time.perf_counter()
        generate(path, args.rows)
        skus = [f"SKU-{i}" for i in range(2000)]
        rng = np.random.default_rng(11)
        snaps = pd.DataFrame({
            "seller_id": "default", "marketplace": "US", "snapshot_date": pd.Timestamp("2026-10-27"),
            "sku": skus, "fnsku": None, "asin": None,
            "fulfillable": rng.integers(0, 400, len(skus)), "reserved": 0, "unfulfillable": 0,
            "inbound_working": 0, "inbound_shipped": rng.integers(0, 100, len(skus)),
            "inbound_receiving": 0, "source": "myi"})
        from postship_analysis import contract

        snaps = contract.conform(snaps, "inventory_snapshots")
        snaps_path = Path(tmp) / "snaps.parquet"
        snaps.to_parquet(snaps_path)
        print(f"generated {args.rows:,} order rows in {time.perf_counter() - t:.1f} s")
        subprocess.run([sys.executable, "-c", CODE.format(orders=str(path), snaps=str(snaps_path))],
                       check=True)


if __name__ == "__main__":
    main()
