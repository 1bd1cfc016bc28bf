"""Issue 11's acceptance check: ``postship report`` (the installed command, in a separate
process) on a data folder holding only one real seller's Advertising-console exports
(../shared/realdata/amazon-ads-exports, PROVENANCE.md), for each of the four sellers, with
nothing but its ads exports and again with a small unit-cost file built here: notebook 40 runs
without error (none in the executed notebook, and the index shows its status as the summary
has it), and the ACoS per campaign it shows (``ad_campaigns.csv``, the table it displays)
equals spend / sales recomputed here from the files' raw columns with pandas and openpyxl, not
with the package's readers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import realdata_folders as R
from conftest import realdata

pytestmark = pytest.mark.slow

SELLERS = {  # folder -> (marketplace, as-of: the day after the data, level per campaign)
    "in-2020-02_umairnsr87": ("IN", "2020-03-01", "campaign"),
    "uk-2023_progami": ("UK", "2023-07-13", "search_term"),
    "us-2022_mannyvv": ("US", "2022-08-16", "search_term"),
    "us-2019-05_stevebanon": ("US", "2019-06-01", "search_term"),
}
WINDOW = 62  # days: every seller's whole export fits in the window


def _created(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("docProps/core.xml").decode()
    return re.search(r"<dcterms:created[^>]*>([^<]+)<", xml).group(1)


def _money(s: pd.Series) -> pd.Series:
    """Rs.1,000.5 / $1.00 / 12.5 -> float (the IN Campaign CSV writes money as text)."""
    return pd.to_numeric(s.astype(str).str.replace(r"^Rs\.|[$,£]", "", regex=True),
                         errors="coerce")


def raw_campaign_acos(folder: Path) -> pd.DataFrame:
    """Spend, sales and ACoS per campaign from the raw files: the Campaign report where the
    seller has one, else the search-term report (of two overlapping downloads, the one
    Amazon created later, as its workbook records)."""
    camp = sorted(folder.glob("*Campaign report*"))
    if camp:
        raw = pd.read_csv(camp[0], dtype=str)
        sales_col = next(c for c in raw.columns if "Total Sales" in c)
        df = pd.DataFrame({"campaign": raw["Campaign Name"], "spend": _money(raw["Spend"]),
                           "sales": _money(raw[sales_col])})
    else:
        files = sorted(folder.glob("*Search term report*.xlsx"), key=_created)
        raw = pd.read_excel(files[-1])
        sales_col = next(c for c in raw.columns if "Total Sales" in c)
        df = pd.DataFrame({"campaign": raw["Campaign Name"], "spend": raw["Spend"],
                           "sales": raw[sales_col]})
    g = df.groupby("campaign")[["spend", "sales"]].sum()
    g["acos"] = g["spend"] / g["sales"].where(g["sales"] > 0)
    return g


def _unit_costs(name: str, mp: str, folder: Path) -> str:
    """A small unit-cost file: two SKUs; for the IN seller (whose advertised-product report
    names ASINs only) one SKU per advertised ASIN with the ASIN column."""
    head = "sku,asin,marketplace,price,cogs,fba-fee,referral-fee-pct,other-cost-per-unit\n"
    ap = sorted(folder.glob("*Advertised product*"))
    if ap:
        asins = sorted(pd.read_excel(ap[0])["Advertised ASIN"].unique())
        return head + "".join(f"SKU-{i},{a},{mp},499,150,60,12%,10\n" for i, a in enumerate(asins))
    return head + f"SKU-1,,{mp},24.99,6.00,3.50,15%,0.40\nSKU-2,,{mp},19.99,5.00,3.20,15%,0.40\n"


def postship(*args: str) -> subprocess.CompletedProcess:
    """The ``postship`` command installed beside this interpreter, in its own process."""
    exe = Path(sys.executable).with_name("postship")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "postship_analysis.cli"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One ``postship report`` per seller and variant (ads only / with unit costs), each on a
    data folder holding nothing but that seller's account, two at a time."""
    root = realdata("amazon-ads-exports")
    tmp = tmp_path_factory.mktemp("ads_real")
    jobs = []
    for name, (mp, as_of, _) in SELLERS.items():
        for suffix in ("", "_costs"):
            acct = name + suffix
            data, out = tmp / acct / "data", tmp / acct / "out"
            folder = data / acct / mp
            folder.mkdir(parents=True)
            for p in (root / name).iterdir():
                if p.suffix in (".xlsx", ".csv"):
                    shutil.copy(p, folder / p.name)
            if suffix:
                (folder.parent / "unit-costs.csv").write_text(_unit_costs(name, mp, root / name))
            jobs.append((acct, ("report", "--data", str(data), "--out", str(out), "--as-of",
                                as_of, "-p", "window_days", str(WINDOW), "--notebooks", "40",
                                "--workers", "1", "-q")))
    with ThreadPoolExecutor(2) as pool:
        done = dict(zip([a for a, _ in jobs], pool.map(lambda j: postship(*j[1]), jobs),
                        strict=True))
    return root, tmp, done


@pytest.mark.parametrize("seller", sorted(SELLERS))
@pytest.mark.parametrize("costs", [False, True])
def test_notebook_40_runs_and_shows_acos_per_campaign_from_the_raw_files(runs, seller, costs):
    root, tmp, done = runs
    acct = seller + ("_costs" if costs else "")
    mp, as_of, level = SELLERS[seller]
    proc = done[acct]
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = tmp / acct / "out"
    folder = out / acct / as_of
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "ok"
    [nb] = summary["notebooks"]
    assert nb["status"] == "ok" and not R.error_outputs(folder / nb["notebook"]), nb
    assert R.index_statuses(out) == {(f"{acct}/{as_of}", "40_advertising"): "ok"}
    names = [(k["name"], k["marketplace"]) for k in summary["kpis"]]
    assert len(names) == len(set(names)) and ("ad_spend_30d", mp) in names  # one each
    shown = pd.read_csv(folder / "ad_campaigns.csv", encoding="utf-8-sig")
    assert (shown["report_level"] == level).all() and (shown["marketplace"] == mp).all()
    raw = raw_campaign_acos(root / seller)
    shown = shown.set_index("campaign_name")
    assert sorted(shown.index) == sorted(raw.index)
    for camp, r in raw.iterrows():
        assert shown.loc[camp, "spend"] == pytest.approx(r["spend"], abs=1e-6), camp
        if pd.isna(r["acos"]):
            assert pd.isna(shown.loc[camp, "acos"]), camp  # no sales: undefined, not 0
        else:
            assert shown.loc[camp, "acos"] == pytest.approx(r["acos"], rel=1e-9), camp
    html = (folder / nb["html"]).read_text(encoding="utf-8")
    assert "Traceback" not in html
    recs = folder / "ad_recommendations.csv"
    if costs:  # recommendations exist, none uploadable without a bulk download
        r = pd.read_csv(recs, encoding="utf-8-sig")
        assert len(r) and not r["uploadable"].any()
        assert r["reason"].str.contains("bulk-operations download").any()
        assert not (folder / "advertising_bulk.xlsx").exists()
    else:
        assert not recs.exists()
        assert "Needs your unit costs" in html


def test_postship_report_on_a_folder_of_one_sellers_ads_exports(tmp_path, capsys):
    """Done when: `postship report` on a folder holding only one real seller's ads exports
    (no orders, no as-of given) gives a 40 report with ACoS per campaign and no error."""
    from postship_analysis.cli import main

    src = realdata("amazon-ads-exports", "uk-2023_progami")
    folder = tmp_path / "exports" / "uk-seller" / "UK"
    folder.mkdir(parents=True)
    for p in src.glob("*.xlsx"):
        shutil.copy(p, folder / p.name)
    code = main(["report", "--data", str(tmp_path / "exports"), "--out", str(tmp_path / "out"),
                 "--notebooks", "40"])
    assert code == 0, capsys.readouterr().err
    # an ads-only account's as-of is its newest ads day (issue 15: the last day of a download
    # is partial), so the default 30-day window ends the day before
    out = tmp_path / "out" / "uk-seller" / "2023-07-12"
    shown = pd.read_csv(out / "ad_campaigns.csv", encoding="utf-8-sig")
    raw = pd.read_excel(next(src.glob("*.xlsx")))
    day = pd.to_datetime(raw["Date"])
    in_window = raw[(day >= "2023-06-12") & (day <= "2023-07-11")]  # default 30 days
    assert set(shown["campaign_name"]) == set(in_window["Campaign Name"])
    assert shown["acos"].notna().any()
    assert json.loads((out / "summary.json").read_text())["status"] == "ok"


def test_ad_kpis_cover_the_days_their_name_says(runs):
    _, tmp, _ = runs
    for seller, (_, as_of, _) in SELLERS.items():
        folder = tmp / seller / "out" / seller / as_of
        for k in json.loads((folder / "summary.json").read_text())["kpis"]:
            m = re.search(r"_(\d+)d$", k["name"])
            if k["name"].startswith("ad_") and m:
                start, end = k["window"].split("..")
                days = (pd.Timestamp(end) - pd.Timestamp(start)).days + 1
                assert days == int(m.group(1)), (seller, k["name"], k["window"])
