"""Benchmark: read a generated 1,000,000-row All Orders flat file.

Prints the wall time and peak resident memory of ``read_all_orders`` on a file with the
33-column 2025-2026 header (domain.md §4a.3), generated with a fixed seed into a temporary
folder. Target (issue 2): under 2 s and under 1 GiB on a 2-core machine.

    python benchmarks/bench_read_orders.py [--rows 1000000] [--columns sku,quantity,purchase_ts]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = ("amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
          "fulfillment-channel sales-channel order-channel ship-service-level product-name sku asin "
          "item-status quantity currency item-price item-tax shipping-price shipping-tax "
          "gift-wrap-price gift-wrap-tax item-promotion-discount ship-promotion-discount ship-city "
          "ship-state ship-postal-code ship-country promotion-ids cpf is-business-order "
          "purchase-order-number price-designation signature-confirmation-recommended").split()


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    n_sku = 2000
    sku = np.char.add("SKU-", rng.integers(0, n_sku, rows).astype(str))
    t0 = np.datetime64("2026-01-01T00:00:00")
    ts = t0 + rng.integers(0, 300 * 86400, rows).astype("timedelta64[s]")
    purchase = pd.Series(pd.to_datetime(ts)).dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    qty = rng.integers(1, 4, rows)
    price = np.round(rng.uniform(5, 80, rows), 2) * qty
    df = pd.DataFrame({h: "" for h in HEADER}, index=range(rows))
    df["amazon-order-id"] = [f"111-{i:07d}-{(i * 7919) % 10000000:07d}" for i in range(rows)]
    df["purchase-date"] = purchase
    df["last-updated-date"] = purchase
    df["order-status"] = np.where(rng.random(rows) < 0.03, "Cancelled", "Shipped")
    df["fulfillment-channel"] = np.where(rng.random(rows) < 0.7, "Amazon", "Merchant")
    df["sales-channel"] = "Amazon.com"
    df["order-channel"] = ""
    df["ship-service-level"] = "Standard"
    df["product-name"] = np.char.add("Product ", sku)
    df["sku"] = sku
    df["asin"] = np.char.add("B0", rng.integers(10**7, 10**8, rows).astype(str))
    df["item-status"] = "Shipped"
    df["quantity"] = qty
    df["currency"] = "USD"
    df["item-price"] = np.char.mod("%.2f", price)
    df["item-tax"] = np.char.mod("%.2f", np.round(price * 0.07, 2))
    df["shipping-price"] = "0.00"
    df["ship-city"] = "SEATTLE"
    df["ship-state"] = "WA"
    df["ship-postal-code"] = "98101"
    df["ship-country"] = "US"
    df["is-business-order"] = "false"
    df.to_csv(path, sep="\t", index=False)


def measure(path: Path, columns: str | None) -> None:
    """Run the read in a fresh interpreter so peak RSS is the reader's own."""
    code = (
        "import time, resource; t=time.perf_counter();"
        "from postship_analysis.readers.orders import read_all_orders;"
        "t1=time.perf_counter();"
        f"cols={columns.split(',') if columns else None!r};"
        f"r=read_all_orders({str(path)!r}, columns=cols);"
        "t2=time.perf_counter();"
        "print(f'rows read {r.rows_read:,}, accepted {r.accepted:,}, rejected {r.rejected:,}');"
        "print(f'time {t2-t1:.2f} s read, {t2-t:.2f} s including the package import');"
        "print(f'peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.0f} MiB')"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--columns", default=None,
                    help="comma-separated canonical columns to read (default: all)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "All Orders.txt"
        t = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {args.rows:,} rows, {path.stat().st_size / 2**20:.0f} MiB "
              f"in {time.perf_counter() - t:.1f} s")
        print(f"-- all columns{'' if not args.columns else ' (requested: ' + args.columns + ')'}")
        measure(path, args.columns)
        if not args.columns:
            print("-- columns sku,quantity,purchase_ts,order_status,fulfillment_channel")
            measure(path, "sku,quantity,purchase_ts,order_status,fulfillment_channel")
    print(f"(harness peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
