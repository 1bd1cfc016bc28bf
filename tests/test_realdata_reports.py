"""Every report notebook, run end to end with ``postship report`` on real public data
(../shared/realdata, see each PROVENANCE.md) turned into Amazon export layouts by
:mod:`realdata_folders`, full and partial accounts in one data folder and one run:

* ``olist-4k``: Olist random 4,000 orders as an Amazon.com.br seller (All Orders, order report
  with ship-by dates, shipment confirmations, delivery events, feedback; no ads, no inventory),
  the orders purchased from 2018-03-01 on (five months before the as-of 2018-08-01: every
  KPI window and trend chart is inside; a small slice keeps the run short);
* ``olist-4k-partial``: the same orders with All Orders and feedback only (no ship-by dates,
  no confirmations, no carrier scans): a partial folder;
* ``in-sales``: the Amazon.in Sale Report, stock sheet and price sheet as downloaded (no ads,
  no inventory snapshots);
* ``ads-us-2022``: one real advertiser's Advertising-console downloads alone (two overlapping
  search-term reports, no orders); the other three advertisers run in
  ``test_ads_notebook_realdata.py`` (issue 11's acceptance check).

The headline numbers the reports write (summary.json, action CSVs) are checked against plain
pandas computations on the raw files, written here from Amazon's definitions
(../shared/domain.md) without the package.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import realdata_folders as R
from conftest import REALDATA, realdata

pytestmark = pytest.mark.slow

OLIST_AS_OF = "2018-08-01"
OLIST_SINCE = "2018-03-01"  # first purchase day of the Olist slice
ADS_ACCOUNT, ADS_FOLDER = "ads-us-2022", "us-2022_mannyvv"

ACCOUNTS = {
    "olist-4k": {"kind": "olist", "source": "olist-random-4k", "as_of": OLIST_AS_OF,
                 "since": OLIST_SINCE},
    "olist-4k-partial": {"kind": "olist", "source": "olist-random-4k", "as_of": OLIST_AS_OF,
                         "since": OLIST_SINCE, "files": ("orders", "feedback")},
    "in-sales": {"kind": "in", "source": "amazon-in-sales-report", "as_of": "2022-05-01"},
    ADS_ACCOUNT: {"kind": "ads", "source": f"amazon-ads-exports/{ADS_FOLDER}",
                  "marketplace": R.ADS_SELLERS[ADS_FOLDER][1],
                  "as_of": R.ADS_SELLERS[ADS_FOLDER][2]},
}
NOTEBOOKS = ("00_data_overview", "10_fulfilment_health", "20_customer_experience",
             "30_inventory_restock", "40_advertising")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """``postship report`` (the command, in-process) on the combined data folder: one run,
    two workers, every notebook, an explicit as-of per account. Returns (accounts, out
    folder, exit code)."""
    import yaml

    from postship_analysis.cli import main

    for spec in ACCOUNTS.values():
        realdata(spec["source"])
    tmp = tmp_path_factory.mktemp("realdata_reports")
    data, out = tmp / "data", tmp / "out"
    accounts = R.build(REALDATA, data, ACCOUNTS)
    runs = [{"seller_id": a.name, "as_of": a.as_of} for a in accounts.values()]
    cfg = tmp / "report.yaml"
    cfg.write_text(yaml.safe_dump({"data": str(data), "out": str(out), "workers": "2",
                                   "timeout": "900", "runs": runs}), encoding="utf-8")
    code = main(["report", "--config", str(cfg), "-q"])
    return accounts, out, code


def summary(out: Path, account: str, as_of: str) -> dict:
    return json.loads((out / account / as_of / "summary.json").read_text(encoding="utf-8"))


def kpis(out: Path, account: str, as_of: str) -> dict[str, dict]:
    """KPI records by name (one marketplace per account here)."""
    got = {}
    for k in summary(out, account, as_of)["kpis"]:
        assert k["name"] not in got, f"{account}: KPI {k['name']} twice"
        got[k["name"]] = k
    return got


# ---------------------------------------------------------------------------------------------
# Every report runs; every row is accounted for
# ---------------------------------------------------------------------------------------------

def test_every_report_runs_on_every_real_account(run):
    """Every notebook on every account: not failed, nothing of an error in the executed
    notebook or its HTML, and the index shows each report's status as summary.json has it
    (never "ok" for a report that shows an error)."""
    accounts, out, code = run
    shown = R.index_statuses(out)
    failed = []
    for a in accounts.values():
        s = summary(out, a.name, a.as_of)
        assert {Path(n["notebook"]).stem for n in s["notebooks"]} == set(NOTEBOOKS)
        for n in s["notebooks"]:
            folder = out / a.name / a.as_of
            stem = Path(n["notebook"]).stem
            errors = R.error_outputs(folder / n["notebook"])
            html = (folder / n["html"]).read_text(encoding="utf-8")
            assert shown[(f"{a.name}/{a.as_of}", stem)] == n["status"], (a.name, stem)
            if n["status"] == "ok":
                assert not errors and "Traceback" not in html, (a.name, stem, errors)
            if n["status"] == "failed" or errors:
                failed.append((a.name, stem, n["error"], errors))
    assert not failed, failed
    assert code == 0


def test_every_file_is_read_and_every_row_accounted_for(run):
    """inputs.json of each account: every file recognised, rows read = the data rows counted
    here (pandas / the converter), accepted + rejected = rows read."""
    accounts, out, _ = run
    for a in accounts.values():
        files = json.loads((out / a.name / a.as_of / "inputs.json").read_text(encoding="utf-8"))
        got = {Path(f["file"]).name: f for f in files}
        assert set(got) == set(a.rows), (a.name, sorted(set(got) ^ set(a.rows)))
        for name, f in got.items():
            assert f["report_type"], (a.name, name, f["note"])
            assert f["rows_read"] == a.rows[name], (a.name, name, f["rows_read"], a.rows[name])
            assert f["accepted"] + f["rejected"] == f["rows_read"], (a.name, name)


# ---------------------------------------------------------------------------------------------
# Olist: fulfilment and customer KPIs against plain pandas on the raw Olist CSVs
# ---------------------------------------------------------------------------------------------

def _day(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.str[:10])


@pytest.fixture(scope="module")
def olist():
    """The raw Olist 4k orders of the slice (purchased from OLIST_SINCE on) that became All
    Orders lines (orders with items), with the earliest shipping limit of their items and
    their unit count; and the slice's reviews."""
    src = realdata("olist-random-4k")
    o = R.read_raw(src / "olist_orders_dataset.csv")
    i = R.read_raw(src / "olist_order_items_dataset.csv")
    r = R.read_raw(src / "olist_order_reviews_dataset.csv")
    o = o[(o["order_purchase_timestamp"] >= OLIST_SINCE) & o["order_id"].isin(i["order_id"])]
    o = o.copy()
    o["limit"] = o["order_id"].map(i.groupby("order_id")["shipping_limit_date"].min())
    o["units"] = o["order_id"].map(i.groupby("order_id").size())
    o["cancelled"] = o["order_status"].isin(["canceled", "unavailable"])
    return o, r[r["order_id"].isin(o["order_id"])]


def test_olist_feedback_rejects_only_same_day_same_rating_repeats(run, olist):
    """The only rows rejected in the Olist account: a second review of the same order with the
    same date and score (an exact repeat for Amazon's one-feedback-per-order report)."""
    _, out, _ = run
    _, r = olist
    repeats = int(r.duplicated(["order_id", "review_creation_date", "review_score"]).sum())
    for acct in ("olist-4k", "olist-4k-partial"):
        files = json.loads((out / acct / OLIST_AS_OF / "inputs.json").read_text())
        rejected = {Path(f["file"]).name: f["rejected"] for f in files if f["rejected"]}
        assert rejected == ({"Feedback.txt": repeats} if repeats else {}), acct


def _window(as_of: str, days: int, lag: int = 0) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The ``days`` local days ending ``lag + 1`` days before ``as_of``."""
    end = pd.Timestamp(as_of) - pd.Timedelta(days=lag + 1)
    return end - pd.Timedelta(days=days - 1), end


def expected_olist(o: pd.DataFrame, r: pd.DataFrame, as_of: str) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of each headline KPI, from Amazon's definitions applied to the
    Olist columns (strings compare as times: ISO ``YYYY-MM-DD HH:MM:SS``, local wall clock)."""
    exp = {}
    carrier = o["order_delivered_carrier_date"]
    handed = (carrier != "") & (carrier < as_of)  # hand-over known by the as-of midnight
    for d in (10, 30):  # late shipment: orders by ship-by day; late = not handed over by then
        s, e = _window(as_of, d)
        w = ~o["cancelled"] & _day(o["limit"]).between(s, e)
        late = w & (~handed | (carrier > o["limit"]))
        exp[f"late_shipment_rate_{d}d"] = (int(late.sum()), int(w.sum()))
    # cancellation: orders by purchase day; cancelled (Olist canceled/unavailable) by as-of
    s, e = _window(as_of, 7)
    w = _day(o["order_purchase_timestamp"]).between(s, e)
    exp["pre_fulfilment_cancel_rate_7d"] = (int((w & o["cancelled"]).sum()), int(w.sum()))
    # valid tracking: handed-over packages by promised day, 30 days, 14-day lag; every
    # hand-over is a carrier scan and Correios is a listed carrier code -> all valid
    s, e = _window(as_of, 30, 14)
    w = (carrier != "") & _day(o["order_estimated_delivery_date"]).between(s, e)
    exp["valid_tracking_rate_30d"] = (int((w & handed).sum()), int((w & handed).sum()))
    # on-time delivery (units): promised day in 14 days ending 8 days before; delivered
    # before the as-of, on or before the promised day, not before the hand-over
    s, e = _window(as_of, 14, 7)
    w = handed & _day(o["order_estimated_delivery_date"]).between(s, e)
    dl = o["order_delivered_customer_date"]
    on_time = (w & (dl != "") & (dl < as_of) & (dl.str[:10] <= o["order_estimated_delivery_date"]
                                                 .str[:10]) & (carrier <= dl))
    exp["on_time_delivery_rate_14d"] = (int(o.loc[on_time, "units"].sum()),
                                        int(o.loc[w, "units"].sum()))
    # order defect rate: orders (not cancelled) by purchase day, 60 days ending 16 days before;
    # defect = a 1-2 star review dated before the as-of day
    s, e = _window(as_of, 60, 15)
    w = ~o["cancelled"] & _day(o["order_purchase_timestamp"]).between(s, e)
    neg = r.loc[(r["review_score"].astype(int) <= 2)
                & (r["review_creation_date"].str[:10] < as_of), "order_id"]
    bad = w & o["order_id"].isin(neg)
    exp["order_defect_rate_60d"] = exp["negative_feedback_rate_60d"] = (int(bad.sum()),
                                                                        int(w.sum()))
    return exp


#: KPIs that need ship-by dates, confirmations or carrier scans (absent from the partial folder)
NEEDS_SHIPMENTS = ("late_shipment_rate_10d", "late_shipment_rate_30d", "valid_tracking_rate_30d",
                   "on_time_delivery_rate_14d")


def test_olist_headline_kpis_equal_plain_pandas(run, olist):
    _, out, _ = run
    o, r = olist
    got = kpis(out, "olist-4k", OLIST_AS_OF)
    exp = expected_olist(o, r, OLIST_AS_OF)
    del exp["order_defect_rate_60d"]  # no claims or chargeback report: see the tests below
    for name, (num, den) in exp.items():
        k = got[name]
        assert k["marketplace"] == "BR" and den > 50, (name, den)
        assert (k["numerator"], k["denominator"]) == (num, den), (name, k, num, den)
        assert k["value"] == pytest.approx(num / den, abs=1e-12), name
    # the 30-day late shipment rate of this sample is close to the population's 9 % of lines
    # (PROVENANCE.md: 9.16 % of item lines over 2016-2018)
    assert 0.05 < got["late_shipment_rate_30d"]["value"] < 0.15


def test_olist_partial_folder_computes_what_its_files_allow(run, olist):
    """All Orders and feedback only: cancellation and negative feedback rates are the same as
    with every file; what needs ship-by dates, confirmations or carrier scans is no data, never a
    pass."""
    _, out, _ = run
    o, r = olist
    got = kpis(out, "olist-4k-partial", OLIST_AS_OF)
    exp = expected_olist(o, r, OLIST_AS_OF)
    for name in ("pre_fulfilment_cancel_rate_7d", "negative_feedback_rate_60d"):
        assert (got[name]["numerator"], got[name]["denominator"]) == exp[name], name
    for name in NEEDS_SHIPMENTS:
        assert name not in got or got[name]["status"] == "no_data", got[name]


def test_partial_folder_lists_no_review_request_before_the_promised_delivery(run, olist):
    """All Orders and feedback only, no delivery dates: no seller-fulfilled order may be
    listed as eligible before 5 days after its real promised delivery day (Olist's estimate;
    the window Amazon enforces), since the report cannot know that day."""
    _, out, _ = run
    o, _ = olist
    est = _day(o.set_index("order_id")["order_estimated_delivery_date"])
    f = out / "olist-4k-partial" / OLIST_AS_OF / "review_requests.csv"
    listed = (pd.read_csv(f, encoding="utf-8-sig", dtype=str) if f.exists()
              else pd.DataFrame({"order_id": [], "status": []}))
    eligible = listed.loc[listed["status"] == "eligible", "order_id"]
    early = eligible[(est.reindex(eligible) + pd.Timedelta(days=5) > pd.Timestamp(OLIST_AS_OF))
                     .to_numpy()]
    assert not len(early), f"{len(early)} of {len(eligible)} listed before promised day + 5"


def test_partial_folder_says_how_many_orders_it_leaves_off_the_review_list(run, olist):
    """Without the order report the report says how many shipped seller-fulfilled orders of
    the 30 days before the as-of day it could not list: by plain pandas, Olist orders
    delivered or shipped (All Orders ``Shipped``), bought (local day) from as-of - 30 days to
    the day before; the full folder (with the order report) says nothing of the kind."""
    _, out, _ = run
    o, _ = olist
    a = pd.Timestamp(OLIST_AS_OF)
    day = _day(o["order_purchase_timestamp"])
    n = (o["order_status"].isin(["delivered", "shipped"])
         & (day >= a - pd.Timedelta(days=30)) & (day < a)).sum()
    assert n > 50
    text = "shipped seller-fulfilled orders of the last 30 days are left off this list"
    html = {acct: (out / acct / OLIST_AS_OF / "20_customer_experience.html").read_text(
        encoding="utf-8") for acct in ("olist-4k", "olist-4k-partial")}
    assert f"{n:,} {text}" in html["olist-4k-partial"]
    assert text not in html["olist-4k"]


def test_olist_review_request_list_equals_plain_pandas(run, olist):
    """Request a Review: shipped, not cancelled, as-of within 5..30 days after the promised
    delivery day (Olist's estimated delivery date; no request log)."""
    _, out, _ = run
    o, _ = olist
    est = _day(o["order_estimated_delivery_date"])
    a = pd.Timestamp(OLIST_AS_OF)
    ok = (o["order_status"].isin(["delivered", "shipped"])
          & (est + pd.Timedelta(days=5) <= a) & (a <= est + pd.Timedelta(days=30)))
    got = kpis(out, "olist-4k", OLIST_AS_OF)["review_requests_eligible_today"]
    assert got["value"] == ok.sum() > 100
    listed = pd.read_csv(out / "olist-4k" / OLIST_AS_OF / "review_requests.csv",
                         encoding="utf-8-sig", dtype=str)
    assert set(listed.loc[listed["status"] == "eligible", "order_id"]) == set(o.loc[ok, "order_id"])


# ---------------------------------------------------------------------------------------------
# Amazon.in Sale Report
# ---------------------------------------------------------------------------------------------

def test_in_cancel_rate_equals_plain_pandas(run):
    """Pre-fulfilment cancel rate of the Amazon.in export: merchant-fulfilled orders placed
    in the 7 days before the as-of day, cancelled = any line with Status Cancelled."""
    accounts, out, _ = run
    raw = R.read_raw(realdata("amazon-in-sales-report", "Amazon Sale Report (first 5733 rows).csv"))
    as_of = accounts["in-sales"].as_of
    day = pd.to_datetime(raw["Date"], format="%m-%d-%y")
    s, e = _window(as_of, 7)
    m = raw[(raw["Fulfilment"] == "Merchant") & day.between(s, e)]
    per_order = m.groupby("Order ID")["Status"].apply(lambda x: (x == "Cancelled").any())
    k = kpis(out, "in-sales", as_of)["pre_fulfilment_cancel_rate_7d"]
    assert (k["numerator"], k["denominator"]) == (per_order.sum(), len(per_order))
    assert len(per_order) > 1000 and per_order.mean() > 0.025
    assert k["status"] == "fail"  # above Amazon's 2.5 %


def test_in_sheets_reject_exactly_the_unusable_rows(run):
    """The stock and price sheets as downloaded: the rows rejected are those a seller cannot
    use, counted here with pandas: a blank SKU or stock, a spreadsheet error value (``#REF!``,
    ``#VALUE!``) in any column read, and a SKU listed again further down the stock sheet (the
    reader keeps the first, documented in readers/costs.py)."""
    accounts, out, _ = run
    a = accounts["in-sales"]
    src = realdata("amazon-in-sales-report")
    stock = R.read_raw(src / "Sale Report.csv")
    err = stock[["SKU Code", "Stock"]].apply(lambda c: c.str.startswith("#")).any(axis=1)
    bad = (stock["SKU Code"].str.strip() == "") | (stock["Stock"].str.strip() == "") | err
    repeated = stock[~bad].duplicated("SKU Code")
    price = R.read_raw(src / "May-2022.csv")
    price_bad = (price["Sku"].str.strip() == "") | price[["Sku", "TP"]].apply(
        lambda c: c.str.startswith("#")).any(axis=1)
    files = json.loads((out / a.name / a.as_of / "inputs.json").read_text(encoding="utf-8"))
    rejected = {Path(f["file"]).name: f["rejected"] for f in files}
    assert rejected == {"Sale Report.csv": int(bad.sum() + repeated.sum()),
                        "May-2022.csv": int(price_bad.sum()),
                        "Amazon Sale Report (first 5733 rows).csv": 0}
    assert repeated.sum() > 0 and price_bad.sum() > 0


# ---------------------------------------------------------------------------------------------
# Ads-only account: ACoS = spend / sales from the raw ads columns
# ---------------------------------------------------------------------------------------------

def _created(p: Path) -> str:
    with zipfile.ZipFile(p) as z:
        return re.search(r"<dcterms:created[^>]*>([^<]+)<",
                         z.read("docProps/core.xml").decode()).group(1)


def raw_search_terms(folder: Path) -> pd.DataFrame:
    """Every row of the seller's search-term downloads (openpyxl, not our readers), each day
    from the download Amazon created last among those holding that day (a newer download
    restates conversions; the file's own creation time, docProps/core.xml)."""
    frames = []
    for p in sorted(folder.glob("*Search term report*.xlsx"), key=_created):
        raw = pd.read_excel(p)
        sales = next(c for c in raw.columns if "Total Sales" in c)
        orders = next(c for c in raw.columns if "Total Orders" in c)
        frames.append(pd.DataFrame({
            "day": pd.to_datetime(raw["Start Date"]), "campaign": raw["Campaign Name"],
            "spend": raw["Spend"], "sales": raw[sales], "orders": raw[orders],
            "clicks": raw["Clicks"], "created": _created(p)}))
    df = pd.concat(frames, ignore_index=True)
    newest = df.groupby("day")["created"].transform("max")
    return df[df["created"] == newest]


def test_ads_only_account_acos_equals_raw_spend_over_sales(run):
    """The ads-only account (no orders, no costs), default 30-day window ending the day
    before the as-of: spend and ACoS overall and per campaign as Amazon defines them
    (spend / 7-day attributed sales), undefined where there are no sales."""
    accounts, out, _ = run
    a = accounts[ADS_ACCOUNT]
    raw = raw_search_terms(REALDATA / "amazon-ads-exports" / ADS_FOLDER)
    s, e = _window(a.as_of, 30)
    raw = raw[raw["day"].between(s, e)]
    per = raw.groupby("campaign")[["spend", "sales", "orders", "clicks"]].sum()
    got = kpis(out, a.name, a.as_of)
    spend, sales = per["spend"].sum(), per["sales"].sum()
    assert len(raw) > 500 and spend > 0 and sales > 0
    assert got["ad_spend_30d"]["value"] == pytest.approx(spend, abs=0.005)
    assert got["ad_acos_30d"]["value"] == pytest.approx(spend / sales, rel=1e-9)
    shown = pd.read_csv(out / a.name / a.as_of / "ad_campaigns.csv",
                        encoding="utf-8-sig").set_index("campaign_name")
    assert sorted(shown.index) == sorted(per.index)
    for camp, r in per.iterrows():
        assert shown.loc[camp, "spend"] == pytest.approx(r["spend"], abs=1e-6), camp
        if r["sales"] > 0:
            assert shown.loc[camp, "acos"] == pytest.approx(r["spend"] / r["sales"]), camp
        else:
            assert pd.isna(shown.loc[camp, "acos"]), camp  # undefined, never 0
        if r["clicks"] > 0:
            assert shown.loc[camp, "cvr"] == pytest.approx(r["orders"] / r["clicks"]), camp


# ---------------------------------------------------------------------------------------------
# No report says "ok" about data it does not have
# ---------------------------------------------------------------------------------------------

def _no_data_expected(accounts) -> list[tuple[str, str, str]]:
    """(account, as-of, notebook) that have nothing to report on: the inventory report
    without inventory, the advertising report without ads, the order reports of an ads-only
    account."""
    out = []
    for a in accounts.values():
        if not {"inventory_snapshots", "stock_levels"} & a.tables:
            out.append((a.name, a.as_of, "30_inventory_restock"))
        if "ads" not in a.tables:
            out.append((a.name, a.as_of, "40_advertising"))
        if "orders" not in a.tables:
            out += [(a.name, a.as_of, nb) for nb in ("10_fulfilment_health",
                                                     "20_customer_experience")]
    return out


def test_no_report_is_ok_without_its_data(run):
    accounts, out, _ = run
    wrong = []
    for acct, as_of, nb in _no_data_expected(accounts):
        st = {Path(n["notebook"]).stem: n["status"] for n in summary(out, acct, as_of)["notebooks"]}
        if st[nb] == "ok":
            wrong.append((acct, as_of, nb))
    assert not wrong, wrong


def test_claim_and_chargeback_rates_are_no_data_without_their_reports(run):
    """The Olist account has feedback but no A-to-z claims or chargeback report: those rates
    are unknown (no data), never 0.0."""
    accounts, out, _ = run
    a = accounts["olist-4k"]
    got = kpis(out, a.name, a.as_of)
    for name in ("a_to_z_claim_rate_60d", "chargeback_rate_60d", "a_to_z_claim_rate_60d_mfn",
                 "chargeback_rate_60d_mfn"):
        assert got[name]["status"] == "no_data" and got[name]["value"] is None, got[name]


@pytest.mark.parametrize("account", ["olist-4k", "olist-4k-partial"])
def test_odr_fails_when_negative_feedback_alone_is_above_target(run, olist, account):
    """ODR >= negative feedback rate (an order with negative feedback is a defective order
    whatever the claims say): when that lower bound is above 1 %, the ODR fails."""
    _, out, _ = run
    o, r = olist
    num, den = expected_olist(o, r, OLIST_AS_OF)["negative_feedback_rate_60d"]
    assert num / den > 0.01
    k = kpis(out, account, OLIST_AS_OF)["order_defect_rate_60d"]
    assert k["status"] == "fail" and k["value"] >= num / den, k


def test_no_kpi_passes_without_its_inputs(run):
    """An account without orders has no fulfilment or customer KPI that reads as a pass (or
    as an informative 0): missing inputs are no data, never 0 % late."""
    accounts, out, _ = run
    a = accounts[ADS_ACCOUNT]
    passing = [(k["name"], k["status"], k["value"]) for k in summary(out, a.name, a.as_of)["kpis"]
               if not k["name"].startswith(("ad_", "input_"))
               and (k["status"] not in ("no_data", "info")
                    or (k["status"] == "info" and k["value"] not in (None, 0)))]
    assert not passing, passing
