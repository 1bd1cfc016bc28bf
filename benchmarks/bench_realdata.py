"""Real-data forecast benchmark (issue 10, Deliver 3): ours against statsforecast, same protocol.

Data sets (``../shared/realdata``, each skipped with a message when absent; protocol from
``../shared/forecasting.md``, "Real-data benchmarks"):

* **carparts** — 2,674 monthly car-part series, Jan 1998 - Mar 2002. Train on the first 45
  months, hold out the last 6 (Oct 2001 - Mar 2002), h = 6. An NA is *not observed*: every NA
  block is trailing and such series have their whole holdout NA, so they are left out; series
  need at least one nonzero training month.
* **freshretailnet** — FreshRetailNet-50K subset, 555 store x product daily series
  (2024-03-28 - 2024-06-25) with hourly stock status. Train on the first 76 days, hold out the
  last 14; a day is in stock when none of its 24 hours is flagged out of stock, and only
  in-stock holdout days are scored (censored sales are not demand). Ours gets the stock
  information as the package's optional intraday input (``in_stock_share``: the share of the
  usual intraday demand profile that fell in in-stock hours, see ``postship_analysis.demand``);
  statsforecast cannot take it and gets the raw sales.
* **spare-parts** — the four SPDF sets: RAF (5,000 items x 84 months), automotive IJF (3,000 x
  24 months, reverse chronological), manufacturing (3,451 x 150 weeks), plant MRO part 1b
  (7,024 x 56 months, reverse chronological). Hold out the last 6 months or 8 weeks. MRO: a blank
  month means no consumption that year (0); 1997-11 is unreliable (the workbook says so) and is
  left out of training (unobserved); negative consumption (returns) counts as 0 demand.

Metrics over the scored points, forecasts clipped at 0, e = f - y: **RMSSE** per series
``sqrt(mean e^2 / s)`` with ``s`` the mean squared one-step difference of the training series
from its first nonzero value (M5; series with ``s = 0`` left out), averaged over series;
**bias** = sum f / sum y - 1 (the table prints |bias|); **WAPE** = sum |e| / sum y; **total
WAPE** = sum over series |sum_h f - sum_h y| / sum y (the error of a lead-time total). A zero
forecast often wins RMSSE on intermittent data: it is printed, never counted as a win.

Peers: statsforecast CrostonClassic, CrostonSBA, TSB(0.1, 0.1), ADIDA, IMAPA and
SimpleExponentialSmoothingOptimized (SESOpt), n_jobs=1, plus a zero forecast and the training
mean. Goal (issue 10): on every data set our default is at least as good as the best
statsforecast model on RMSSE *and* on |bias|.

statsforecast is **not** a dependency of the project (it pins pandas < 3). Run the benchmark
from the project's venv and point it at a separate interpreter that has statsforecast::

    python3 -m venv /work/venv-sf && /work/venv-sf/bin/pip install statsforecast
    .venv/bin/python benchmarks/bench_realdata.py --sf-python /work/venv-sf/bin/python

(the statsforecast models then run in a child process of that interpreter, which needs only
numpy, pandas and statsforecast; the data go over in a temporary .npz file). If statsforecast
imports in the current interpreter it is used directly; without either, its rows are skipped.

Run: ``python benchmarks/bench_realdata.py [--sets carparts freshretailnet raf auto
manufacturing mro] [--sf-python PATH] [--sf-cache DIR] [--realdata DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SF_MODELS = ("CrostonClassic", "CrostonSBA", "TSB", "ADIDA", "IMAPA", "SESOpt")


@dataclass
class Bench:
    """One data set: ``Y`` (T + H, N) sales, ``M`` (T, N) training periods observed (not fully
    censored), ``share`` (T, N) in-stock share of each training period (1 = fully in stock),
    ``E`` (H, N) holdout periods scored."""

    name: str
    freq: str                  # "D", "W" or "M"
    dates: pd.DatetimeIndex    # T + H period starts
    Y: np.ndarray
    M: np.ndarray
    share: np.ndarray
    E: np.ndarray
    T: int
    H: int
    note: str = ""
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Loaders
# ---------------------------------------------------------------------------------------------

def _keep(Y, M, E, T):
    """Series with a nonzero observed training value and at least one scored holdout point."""
    tr = np.where(M, Y[:T], 0.0)
    return (tr > 0).any(0) & E.any(0)


def load_carparts(root: Path) -> Bench | None:
    f = root / "carparts" / "carparts.csv"
    if not f.exists():
        return None
    d = pd.read_csv(f)
    months = pd.to_datetime(d.columns[1:], format="%b-%y")
    Y = d.iloc[:, 1:].to_numpy(dtype=float).T            # (51, N)
    T, H = 45, 6
    obs = ~np.isnan(Y)
    E = obs[T:]
    full = E.all(0)                                        # a trailing NA block: left out
    M = obs[:T]
    keep = full & _keep(np.nan_to_num(Y), M, E, T)
    Y = np.nan_to_num(Y)[:, keep]
    return Bench("carparts", "M", pd.DatetimeIndex(months), Y, M[:, keep],
                 np.ones((T, keep.sum())), E[:, keep], T, H,
                 note=f"{keep.sum()} of {len(d)} series (NA holdout or no training demand left "
                      "out)")


def load_freshretailnet(root: Path) -> Bench | None:
    base = root / "freshretailnet-subset"
    fd = base / "freshretailnet50k_555series_daily.csv"
    fh = base / "freshretailnet50k_555series_hourly.parquet"
    if not fd.exists():
        return None
    d = pd.read_csv(fd, usecols=["store_id", "product_id", "dt", "sale_amount",
                                 "stockout_hours_24h"])
    d["dt"] = pd.to_datetime(d["dt"])
    d = d.sort_values(["store_id", "product_id", "dt"])
    dates = pd.DatetimeIndex(sorted(d["dt"].unique()))
    Y = d.pivot_table(index="dt", columns=["store_id", "product_id"], values="sale_amount"
                      ).reindex(dates).to_numpy(dtype=float)
    so = d.pivot_table(index="dt", columns=["store_id", "product_id"],
                       values="stockout_hours_24h").reindex(dates).to_numpy(dtype=float)
    T, H = 76, 14
    share = np.where(so == 0, 1.0, np.nan)
    note = "in-stock share from the daily stockout hours (no hourly file)"
    if fh.exists():
        h = pd.read_parquet(fh, columns=["store_id", "product_id", "dt", "hour", "hourly_sale",
                                         "hourly_stockout"])
        h["dt"] = pd.to_datetime(h["dt"])
        share = intraday_share(h, dates, d)
        note = "in-stock share from the hourly stock flags and the intraday sales profile"
    share = np.where(np.isnan(share), np.clip(1 - so / 24, 0, 1), share)
    M = share[:T] > 0
    E = so[T:] == 0
    keep = _keep(Y, M, E, T)
    return Bench("freshretailnet", "D", dates, Y[:, keep], M[:, keep], share[:T, keep],
                 E[:, keep], T, H, note=f"{keep.sum()} series; {note}",
                 extra={"stockout_hours": so[:T, keep]})


def intraday_share(h: pd.DataFrame, dates, d) -> np.ndarray:
    """(days, series) share of the day's demand profile that fell in in-stock hours.

    The profile is the share of sales per hour over the fully in-stock days of the training
    window, per store and weekday (``postship_analysis.demand.intraday_profile``)."""
    from postship_analysis import demand

    h = h.sort_values(["store_id", "product_id", "dt", "hour"])
    h["marketplace"] = "store" + h["store_id"].astype(str)
    h["sku"] = h["product_id"].astype(str)
    h["seller_id"] = "frn"
    h = h.rename(columns={"dt": "date", "hourly_sale": "units"})
    h["in_stock"] = h["hourly_stockout"] == 0
    train_end = dates[75]
    prof = demand.intraday_profile(h[h["date"] <= train_end])
    sh = demand.in_stock_share(h, prof)
    sh["store_id"] = sh["marketplace"].str[5:].astype(int)
    sh["product_id"] = sh["sku"].astype(int)
    wide = sh.pivot_table(index="date", columns=["store_id", "product_id"],
                          values="in_stock_share").reindex(dates)
    cols = d.pivot_table(index="dt", columns=["store_id", "product_id"],
                         values="sale_amount").columns
    return wide.reindex(columns=cols).to_numpy(dtype=float)


def _spdf(root: Path, fname: str):
    f = root / "spare-parts-spdf" / fname
    return pd.read_csv(f) if f.exists() else None


def load_raf(root: Path) -> Bench | None:
    d = _spdf(root, "raf_5000_items_monthly_1996_2002.csv")
    if d is None:
        return None
    cols = d.columns[4:]
    months = pd.to_datetime(cols.str.title(), format="%b%y")
    return _monthly("raf", d[cols].to_numpy(dtype=float).T, months, 6)


def load_auto(root: Path) -> Bench | None:
    d = _spdf(root, "auto_ijf_3000_skus_24_months.csv")
    if d is None:
        return None
    cols = [f"t_minus_{k}" for k in range(23, -1, -1)]            # chronological
    months = pd.date_range("2000-01-01", periods=24, freq="MS")   # dates unknown: relative
    return _monthly("auto", d[cols].to_numpy(dtype=float).T, months, 6,
                    note="months are relative (the set has no dates)")


def load_manufacturing(root: Path) -> Bench | None:
    d = _spdf(root, "manufacturing_3451_skus_weekly_2012_2014.csv")
    if d is None:
        return None
    cols = [c for c in d.columns if c[:4].isdigit() and "_w" in c]
    weeks = pd.to_datetime([f"{c[:4]}-W{int(c[6:]):02d}-1" for c in cols], format="%G-W%V-%u")
    Y = d[cols].to_numpy(dtype=float).T
    T, H = len(cols) - 8, 8
    M = np.ones((T, Y.shape[1]), bool)
    E = np.ones((H, Y.shape[1]), bool)
    keep = _keep(Y, M, E, T)
    return Bench("manufacturing", "W", pd.DatetimeIndex(weeks), Y[:, keep], M[:, keep],
                 np.ones((T, keep.sum())), E[:, keep], T, H, note=f"{keep.sum()} series")


def load_mro(root: Path) -> Bench | None:
    d = _spdf(root, "mro_spare_parts_part1b_monthly_1997_2001.csv")
    if d is None:
        return None
    cols = [c for c in d.columns if c[:4].isdigit() and c[4] == "-"][::-1]   # chronological
    months = pd.to_datetime(cols, format="%Y-%m")
    Y = d[cols].to_numpy(dtype=float).T
    neg = int((Y < 0).sum())
    Y = np.where(np.isnan(Y), 0.0, np.maximum(Y, 0.0))   # blank = no consumption; returns = 0
    b = _monthly("mro", Y, months, 6, unobserved=[cols.index("1997-11")],
                 note=f"{neg} negative cells (returns) counted as 0; 1997-11 unobserved")
    return b


def _monthly(name, Y, months, H, unobserved=(), note=""):
    T = Y.shape[0] - H
    M = np.ones((T, Y.shape[1]), bool)
    for t in unobserved:
        M[t] = False
    E = np.ones((H, Y.shape[1]), bool)
    keep = _keep(Y, M, E, T)
    return Bench(name, "M", pd.DatetimeIndex(months), Y[:, keep], M[:, keep],
                 np.ones((T, keep.sum())), E[:, keep], T, H,
                 note=f"{keep.sum()} of {Y.shape[1]} series" + (f"; {note}" if note else ""))


LOADERS = {"carparts": load_carparts, "freshretailnet": load_freshretailnet, "raf": load_raf,
           "auto": load_auto, "manufacturing": load_manufacturing, "mro": load_mro}


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------

def metrics(b: Bench, F: np.ndarray) -> dict:
    """RMSSE, |bias|, WAPE and total WAPE over the scored holdout points (module doc)."""
    F = np.maximum(np.nan_to_num(F), 0.0)
    tr = np.where(b.M, b.Y[:b.T], np.nan)
    y, E = b.Y[b.T:], b.E
    # M5 scale: one-step differences of the training series from its first nonzero value
    first = np.argmax(np.nan_to_num(tr) > 0, 0)
    d2 = np.diff(tr, axis=0) ** 2
    valid = (np.arange(1, b.T)[:, None] > first[None, :]) & np.isfinite(d2)
    s = np.where(valid, d2, 0).sum(0) / np.maximum(valid.sum(0), 1)
    e = np.where(E, F - y, 0.0)
    n = E.sum(0)
    ok = (s > 0) & (n > 0)
    rmsse = np.mean(np.sqrt((e ** 2).sum(0)[ok] / n[ok] / s[ok]))
    sy = np.where(E, y, 0).sum()
    sf = np.where(E, F, 0).sum()
    tot = np.abs(np.where(E, F, 0).sum(0) - np.where(E, y, 0).sum(0)).sum()
    return {"rmsse": rmsse, "bias": sf / sy - 1, "wape": np.abs(e).sum() / sy,
            "total_wape": tot / sy, "series": int(ok.sum())}


# ---------------------------------------------------------------------------------------------
# Forecasters
# ---------------------------------------------------------------------------------------------

def ours(b: Bench, **kw) -> tuple[np.ndarray, float, dict]:
    from postship_analysis import forecast as FC

    keys = pd.DataFrame({"seller_id": b.name, "marketplace": "all",
                         "sku": [f"S{i:05d}" for i in range(b.Y.shape[1])]})
    share = None
    M = b.M.copy()
    if (b.share < 1).any():     # as to_panel reads in_stock_share: below MIN_SHARE is masked
        share = np.where(b.share >= FC.MIN_SHARE, b.share, 0.0)
        M &= share > 0
    P = FC.Panel(keys, b.dates[:b.T], b.Y[:b.T].copy(), M, freq=b.freq, share=share)
    t = time.perf_counter()
    f = FC.fit(P, as_of=b.dates[b.T], horizon=b.H, **kw)
    F = f.mean_path()
    dt = time.perf_counter() - t
    return F, dt, {"chosen": pd.Series(f.chosen).value_counts().to_dict(),
                   "note": f.extra.get("note", "")}


def sf_inline(b: Bench):
    try:
        import statsforecast  # noqa: F401
    except ImportError:
        return None
    return _sf_run(b.Y[:b.T], b.dates[:b.T], b.H, b.freq)


def _sf_run(train, dates, h, freq):
    """statsforecast models, n_jobs=1: {name: ((h, N) forecast, seconds)}."""
    from statsforecast import StatsForecast
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        TSB,
        CrostonClassic,
        CrostonSBA,
        SimpleExponentialSmoothingOptimized,
    )

    T, n = train.shape
    pfreq = {"D": "D", "W": "W-MON", "M": "MS"}[freq]
    df = pd.DataFrame({"unique_id": np.tile(np.arange(n), T),
                       "ds": np.repeat(np.asarray(dates), n), "y": train.ravel()})
    out = {}
    models = {"CrostonClassic": CrostonClassic(), "CrostonSBA": CrostonSBA(),
              "TSB": TSB(alpha_d=0.1, alpha_p=0.1), "ADIDA": ADIDA(), "IMAPA": IMAPA(),
              "SESOpt": SimpleExponentialSmoothingOptimized()}
    for name, model in models.items():
        sf = StatsForecast(models=[model], freq=pfreq, n_jobs=1)
        sf.forecast(df=df[df["unique_id"] < 5], h=h)          # warm-up
        t = time.perf_counter()
        fc = sf.forecast(df=df, h=h)
        dt = time.perf_counter() - t
        col = [c for c in fc.columns if c not in ("unique_id", "ds")][0]
        fc = fc.sort_values(["unique_id", "ds"])
        out[name] = (fc[col].to_numpy(dtype=float).reshape(n, h).T, dt)
    return out


def sf_subprocess(b: Bench, python: str):
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        np.savez(src, train=b.Y[:b.T], dates=np.asarray(b.dates[:b.T], dtype="datetime64[ns]"),
                 h=b.H, freq=b.freq)
        r = subprocess.run([python, __file__, "--sf-worker", str(src), str(dst)],
                           capture_output=True, text=True)
        if r.returncode:
            print(f"  statsforecast worker failed:\n{r.stderr[-2000:]}")
            return None
        z = np.load(dst, allow_pickle=False)
        times = json.loads(str(z["times"]))
        return {m: (z[m], times[m]) for m in SF_MODELS}


def sf_worker(src: str, dst: str) -> None:
    z = np.load(src, allow_pickle=False)
    res = _sf_run(z["train"], pd.DatetimeIndex(z["dates"]), int(z["h"]), str(z["freq"]))
    np.savez(dst, times=json.dumps({k: v[1] for k, v in res.items()}),
             **{k: v[0] for k, v in res.items()})


# ---------------------------------------------------------------------------------------------

def _cache_key(b: Bench) -> str:
    import hashlib

    h = hashlib.sha256(np.ascontiguousarray(b.Y[:b.T]).tobytes())
    h.update(f"{b.H}{b.freq}".encode())
    return f"{b.name}-{h.hexdigest()[:16]}.npz"


def _cache_get(b: Bench, cache: str | None):
    """statsforecast forecasts saved by an earlier run on the same training data (its times
    are those of that run)."""
    if not cache or not (Path(cache) / _cache_key(b)).exists():
        return None
    z = np.load(Path(cache) / _cache_key(b), allow_pickle=False)
    times = json.loads(str(z["times"]))
    print("  statsforecast: forecasts and times from the cache " + cache)
    return {m: (z[m], times[m]) for m in SF_MODELS}


def _cache_put(b: Bench, cache: str | None, sf: dict) -> None:
    if cache:
        Path(cache).mkdir(parents=True, exist_ok=True)
        np.savez(Path(cache) / _cache_key(b), times=json.dumps({k: v[1] for k, v in sf.items()}),
                 **{k: v[0] for k, v in sf.items()})


def run(b: Bench, sf_python: str | None, cache: str | None = None) -> dict:
    print(f"\n=== {b.name}: {b.Y.shape[1]:,} series, {b.T} training + {b.H} holdout periods "
          f"({b.freq}); {b.note}")
    rows = {}
    F, dt, info = ours(b)
    rows["ours (default)"] = (metrics(b, F), dt)
    print(f"  ours: methods {info['chosen']}" + (f"; {info['note']}" if info["note"] else ""))
    if (b.share < 1).any():
        P_raw = Bench(**{**b.__dict__, "M": np.ones_like(b.M), "share": np.ones_like(b.share)})
        F2, dt2, _ = ours(P_raw)
        rows["ours, stock info ignored"] = (metrics(b, F2), dt2)
    sf = _cache_get(b, cache)
    if sf is None:
        sf = sf_inline(b)
        if sf is None and sf_python:
            sf = sf_subprocess(b, sf_python)
        if sf is not None:
            _cache_put(b, cache, sf)
    if sf is None:
        print("  statsforecast: not available (see --sf-python); its rows are skipped")
    else:
        for name, (Fm, tm) in sf.items():
            rows[f"sf {name}"] = (metrics(b, Fm), tm)
    rows["zero forecast"] = (metrics(b, np.zeros((b.H, b.Y.shape[1]))), 0.0)
    tr = np.where(b.M, b.Y[:b.T], np.nan)
    mean = np.nanmean(np.where(np.isfinite(tr), tr, np.nan), 0)
    rows["training mean"] = (metrics(b, np.repeat(mean[None, :], b.H, 0)), 0.0)
    print(f"  {'method':<28} {'RMSSE':>7} {'|bias|':>7} {'bias':>7} {'WAPE':>7} "
          f"{'totWAPE':>8} {'time s':>7}")
    for name, (m, t) in rows.items():
        print(f"  {name:<28} {m['rmsse']:7.4f} {abs(m['bias']):7.1%} {m['bias']:+7.1%} "
              f"{m['wape']:7.1%} {m['total_wape']:8.1%} {t:7.3f}")
    sfr = {k: v[0] for k, v in rows.items() if k.startswith("sf ")}
    if sfr:
        o = rows["ours (default)"][0]
        best_r = min(sfr.items(), key=lambda kv: kv[1]["rmsse"])
        best_b = min(sfr.items(), key=lambda kv: abs(kv[1]["bias"]))
        ok_r = o["rmsse"] <= best_r[1]["rmsse"] + 1e-12
        ok_b = abs(o["bias"]) <= abs(best_b[1]["bias"]) + 1e-12
        print(f"  goal: RMSSE {o['rmsse']:.4f} vs best sf {best_r[0][3:]} "
              f"{best_r[1]['rmsse']:.4f} -> {'met' if ok_r else 'NOT met'}; |bias| "
              f"{abs(o['bias']):.1%} vs best sf {best_b[0][3:]} {abs(best_b[1]['bias']):.1%} "
              f"-> {'met' if ok_b else 'NOT met'}")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=list(LOADERS))
    ap.add_argument("--sf-python", default=os.environ.get("POSTSHIP_SF_PYTHON"),
                    help="interpreter with statsforecast (default $POSTSHIP_SF_PYTHON)")
    ap.add_argument("--realdata", default=str(ROOT.parent / "shared" / "realdata"))
    ap.add_argument("--sf-cache", help="folder to keep statsforecast forecasts between runs "
                    "(keyed by a hash of the training data)")
    ap.add_argument("--sf-worker", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.sf_worker:
        sf_worker(*a.sf_worker)
        return
    sys.path.insert(0, str(ROOT))
    root = Path(a.realdata)
    print(f"numpy {np.__version__}, pandas {pd.__version__}; real data {root}; "
          f"load average {os.getloadavg()[0]:.1f}")
    for name in a.sets:
        b = LOADERS[name](root)
        if b is None:
            print(f"\n=== {name}: data not found under {root}, skipped")
            continue
        run(b, a.sf_python, a.sf_cache)


if __name__ == "__main__":
    main()
