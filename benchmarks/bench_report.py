"""Benchmark: where the time of ``make report`` goes, and how it scales with accounts.

Prints, in one run (issue 14):

1. the fixed cost of a notebook: a trivial notebook on the report kernel (kernel start,
   papermill, one cell), and one that only imports what the report notebooks import;
2. reading the sample account: from the folder (``datafolder.load``), building the Parquet
   store, opening the store;
3. each report notebook run alone on the sample, reading the folder and reading the store:
   execution and HTML rendering, and its slowest cells;
4. ``postship report`` on the sample as ``make report`` runs it (2 workers): first run (no
   store, no reports), a rerun on unchanged inputs (everything reused) and ``--force``;
5. ``postship report`` on a generated folder of N accounts (copies of the sample account,
   default 50) with 1, 2 and 4 workers, and with 2 workers on N/5 accounts, to show how the
   time grows with accounts.

Goals (2-core machine): the sample's ``make report`` under 60 s after the install, a rerun on
unchanged inputs under 15 s, the multi-account run linear in accounts. Wall times depend on
what else runs on the machine: the load average is printed with each figure, and CPU seconds
(this process and its children) beside wall seconds.

    python benchmarks/bench_report.py                      # everything (the 50-account part
                                                           # takes long: ~2.5 h on 2 cores for 1, 2 and 4 workers)
    python benchmarks/bench_report.py --accounts 10 --workers 2
    python benchmarks/bench_report.py --skip-accounts      # sections 1-4 only
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
POSTSHIP = Path(sys.executable).with_name("postship")


def load_avg() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Clock:
    """Wall and CPU (self + waited-for children) seconds of a block."""

    def __enter__(self):
        self.w, self.c = time.perf_counter(), cpu_self() + cpu_children()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.w
        self.cpu = cpu_self() + cpu_children() - self.c

    def __str__(self):
        return f"{self.wall:6.1f} s wall {self.cpu:6.1f} s CPU"


TRIVIAL = '''# %% tags=["parameters"]
x: int = 1

# %%
x + 1
'''

IMPORTS = '''# %% tags=["parameters"]
x: int = 1

# %%
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import postship_analysis
from postship_analysis import (ads, customer, datafolder, defects, demand, forecast,
                               fulfilment, overview, recovery, restock, tracking)
from postship_analysis.reporting import outputs, plots
'''


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def kernel_cost(tmp: Path) -> None:
    from postship_analysis.reporting import runner

    section("fixed cost of a notebook (report kernel, papermill, one cell; best of 3)")
    for name, src in (("01_trivial.py", TRIVIAL), ("02_imports.py", IMPORTS)):
        nb = tmp / name
        nb.write_text(src)
        (tmp / "k").mkdir(exist_ok=True)
        runner.execute_task(runner.Task(0, str(nb), str(tmp / "k"), {}))  # warm the caches
        best = min((_timed_task(runner, nb, tmp) for _ in range(3)), key=lambda c: c.wall)
        print(f"  {name[3:-3]:8s} {best}   ({load_avg()})", flush=True)


def _timed_task(runner, nb, tmp) -> Clock:
    (tmp / "k").mkdir(exist_ok=True)
    with Clock() as c:
        r = runner.execute_task(runner.Task(0, str(nb), str(tmp / "k"), {}))
    assert r.status == "ok", r.error
    return c


def reading(tmp: Path, data: Path, seller: str) -> Path:
    """Load from the folder, build the store, open the store; returns the store."""
    code = (
        "import time,sys; c=time.process_time; t=time.perf_counter(); u=c();"
        "from postship_analysis import datafolder, store; t1=time.perf_counter(); u1=c();"
        "d,s,a=sys.argv[1:4];"
        "i=datafolder.load(d, seller_id=a); t2=time.perf_counter(); u2=c();"
        "b=store.build(d, s, a); t3=time.perf_counter(); u3=c();"
        "o=store.open(s, a, data_dir=d); t4=time.perf_counter(); u4=c();"
        "b2=store.build(d, s, a); t5=time.perf_counter(); u5=c();"
        "n=sum(len(x) for x in i.tables.values());"
        "print(f'  {n:,} rows in {len(i.tables)} tables from {len(i.accounting())} files'"
        "f' (seconds wall / CPU)');"
        "print(f'  import the package                  {t1-t:6.2f} / {u1-u:6.2f}');"
        "print(f'  read the folder (datafolder.load)   {t2-t1:6.2f} / {u2-u1:6.2f}');"
        "print(f'  build the store (read + write)      {t3-t2:6.2f} / {u3-u2:6.2f}');"
        "print(f'  open the store (all tables)         {t4-t3:6.2f} / {u4-u3:6.2f}');"
        "print(f'  check a current store (reuse)       {t5-t4:6.2f} / {u5-u4:6.2f}')"
    )
    section(f"reading the account {seller!r} ({load_avg()})")
    st = tmp / "store"
    subprocess.run([sys.executable, "-c", code, str(data), str(st), seller], check=True)
    return st


def per_notebook(tmp: Path, data: Path, seller: str, st: Path, as_of: str) -> None:
    import nbformat

    from postship_analysis.reporting import runner

    section("each report notebook alone, 1 process: execute, render (seconds wall / CPU)")
    print(f"  {'notebook':24s} {'folder':>13s} {'store':>13s} {'render':>11s}   slowest cells "
          "(store run, wall)")
    tot = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    for nb in runner.report_notebooks():
        specs = runner.notebook_parameters(nb)
        times = []
        for mode in ("folder", "store"):
            params = {"data_dir": str(data), "seller_id": seller, "as_of": as_of,
                      "output_dir": str(tmp / mode)}
            if mode == "store":
                if "store" not in specs:
                    times.append(None)
                    continue
                params["store"] = str(st)
            params = {k: v for k, v in params.items() if k in specs}
            (tmp / mode).mkdir(exist_ok=True)
            with Clock() as c:
                r = runner.execute_task(runner.Task(0, str(nb), str(tmp / mode), params))
            times.append(c)
            if r.status != "ok":
                print(f"  {nb.stem}: {mode} run failed: {r.error}")
        with Clock() as render:
            runner.render_html(r.ipynb, Path(r.ipynb).with_suffix(".html"))
        cells = nbformat.read(r.ipynb, as_version=4).cells
        slow = sorted(((c.metadata.get("papermill", {}).get("duration") or 0,
                        c.source.strip().splitlines()[0][:38]) for c in cells
                       if c.cell_type == "code" and c.source.strip()), reverse=True)[:3]
        fmt = [f"{x.wall:6.1f} /{x.cpu:5.1f}" if x is not None else "          n/a"
               for x in [*times, render]]
        print(f"  {nb.stem:24s} {fmt[0]} {fmt[1]} {fmt[2][2:]}   "
              + "; ".join(f"{d:.1f} {s}" for d, s in slow), flush=True)
        for i, x in enumerate([*times, render]):
            if x is not None:
                tot[i][0] += x.wall
                tot[i][1] += x.cpu
    print(f"  {'total':24s} " + " ".join(f"{w:6.1f} /{c:5.1f}" for w, c in tot)
          + f"   ({load_avg()})")


def postship(args: list[str], label: str) -> tuple[float, str]:
    with Clock() as c:
        p = subprocess.run([str(POSTSHIP), "report", *args], capture_output=True, text=True)
    last = (p.stdout.strip().splitlines() or [""])[-1]
    status = "" if p.returncode == 0 else f"  EXIT {p.returncode}: {p.stderr.strip()[-300:]}"
    print(f"  {label:44s} {c}   ({load_avg()}){status}", flush=True)
    return c.wall, last


def sample_total(tmp: Path, data: Path) -> None:
    section("postship report on the sample, 2 workers (what `make report` runs)")
    out = tmp / "reports"
    args = ["--data", str(data), "--out", str(out), "--workers", "2"]
    postship(args, "first run (no store, no reports)")
    postship(args, "rerun, inputs unchanged (reuse)")
    postship([*args, "--force"], "rerun with --force (store and reports)")


def make_accounts(tmp: Path, data: Path, n: int) -> Path:
    """``n`` accounts, each a copy (hard links; a symbolic link leading out of the data
    folder is refused by the reader) of the sample's first account."""
    src = sorted(p for p in data.iterdir() if p.is_dir())[0]
    root = tmp / f"accounts-{n}"
    for i in range(n):
        dst = root / f"seller-{i:03d}"
        for f in src.rglob("*"):
            if f.is_file():
                target = dst / f.relative_to(src)
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(f, target)
                except OSError:  # another file system
                    shutil.copy2(f, target)
    return root


def multi_account(tmp: Path, data: Path, n: int, workers: list[int]) -> None:
    section(f"postship report on {n} accounts (copies of the sample account)")
    root = make_accounts(tmp, data, n)
    per = {}
    small = max(n // 5, 1)
    for w in workers:  # in the order given: the first figures are printed first
        out = tmp / f"multi-{n}-{w}"
        wall, _ = postship(["--data", str(root), "--out", str(out), "--workers", str(w), "-q"],
                           f"{n} accounts, {w} worker(s), first run")
        per[w] = wall / n
        print(f"  per account: {w} worker(s) {per[w]:.1f} s", flush=True)
        shutil.rmtree(out, ignore_errors=True)
        if w == 2 and small < n:  # linearity right after the run it is compared with
            root_s = make_accounts(tmp, data, small)
            wall, _ = postship(["--data", str(root_s), "--out", str(tmp / "multi-small"),
                                "--workers", "2", "-q"],
                               f"{small} accounts, 2 worker(s), first run")
            print(f"  linearity: {small} accounts {wall / small:.1f} s per account, {n} "
                  f"accounts {per[2]:.1f} s per account (2 workers)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(SAMPLE))
    ap.add_argument("--as-of", default="2026-11-01")
    ap.add_argument("--accounts", type=int, default=50)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--skip-accounts", action="store_true")
    ap.add_argument("--skip-notebooks", action="store_true")
    a = ap.parse_args()
    data = Path(a.data).resolve()
    seller = sorted(p.name for p in data.iterdir() if p.is_dir())[0]
    print(f"bench_report: {os.cpu_count()} cores, {load_avg()}, data {data}")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as t:
        tmp = Path(t)
        kernel_cost(tmp)
        st = reading(tmp, data, seller)
        if not a.skip_notebooks:
            per_notebook(tmp, data, seller, st, a.as_of)
        sample_total(tmp, data)
        if not a.skip_accounts:
            multi_account(tmp, data, a.accounts, [int(w) for w in a.workers.split(",")])


if __name__ == "__main__":
    main()
