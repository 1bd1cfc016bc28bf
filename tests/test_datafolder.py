"""The data-folder convention, loading everything, and check-data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from postship_analysis import datafolder
from postship_analysis.cli import main as cli_main
from postship_analysis.errors import InputFileError

HEADER = ("amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
          "fulfillment-channel sales-channel order-channel ship-service-level product-name sku "
          "asin item-status quantity currency item-price item-tax shipping-price shipping-tax "
          "gift-wrap-price gift-wrap-tax item-promotion-discount ship-promotion-discount "
          "ship-city ship-state ship-postal-code ship-country promotion-ids cpf "
          "is-business-order purchase-order-number price-designation "
          "signature-confirmation-recommended").split()


def orders_file(path, rows):
    lines = ["\t".join(HEADER)]
    for oid, day, qty, channel in rows:
        vals = {"amazon-order-id": oid, "purchase-date": f"{day}T20:00:00+00:00",
                "order-status": "Shipped", "fulfillment-channel": "Amazon",
                "sales-channel": channel, "sku": "SKU-1", "quantity": str(qty),
                "currency": "USD", "item-price": "10.00"}
        lines.append("\t".join(vals.get(h, "") for h in HEADER))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "exports"
    orders_file(root / "acme" / "US" / "100001.txt",
                [("111-1", "2026-10-01", 1, "Amazon.com"), ("111-2", "2026-10-02", 2, "Amazon.com")])
    orders_file(root / "acme" / "US" / "100002.txt",
                [("111-3", "2026-10-03", 1, "Amazon.com"), ("111-4", "2026-10-03", -1, "Amazon.com")])
    (root / "acme" / "US" / "notes.txt").write_text("my own notes, not a report\n")
    (root / "acme" / "US" / "broken.txt").write_bytes(b"")
    # an All Orders file without its sku column: close to a report, so say what is missing
    (root / "acme" / "US" / "nosku.txt").write_text(
        "\t".join(h for h in HEADER if h != "sku") + "\n")
    orders_file(root / "globex" / "DE" / "x.txt", [("302-1", "2026-10-05", 3, "Amazon.de")])
    return root


def test_discover_seller_marketplace_and_type(folder):
    found = {f.path.name: f for f in datafolder.discover(folder)}
    assert (found["100001.txt"].seller_id, found["100001.txt"].marketplace,
            found["100001.txt"].report_type) == ("acme", "US", "all_orders")
    assert found["x.txt"].seller_id == "globex" and found["x.txt"].marketplace == "DE"
    assert found["notes.txt"].report_type is None
    assert found["broken.txt"].report_type is None  # empty: nothing to recognise
    assert "empty (0 bytes)" in found["broken.txt"].problem


def test_load_stacks_files_and_accounts_for_every_row(folder):
    inputs = datafolder.load(folder)
    orders = inputs.table("orders")
    # 5 rows in three files; the negative quantity is quarantined, not dropped
    assert len(orders) == 4
    acc = inputs.accounting()
    assert acc["rows_read"].sum() == 5
    assert acc["accepted"].sum() + acc["rejected"].sum() == acc["rows_read"].sum()
    assert inputs.quarantine["reason"].str.contains("negative").sum() == 1
    assert sorted(orders["seller_id"].unique()) == ["acme", "globex"]


def test_load_filters_seller_and_marketplace(folder):
    assert len(datafolder.load(folder, seller_id="globex").table("orders")) == 1
    assert set(datafolder.load(folder, marketplaces=["US"]).table("orders")["marketplace"]) == {"US"}


def test_single_account_folder_with_marketplace_subfolders(folder):
    # pointing at an account folder directly: the folder's name is the seller
    found = datafolder.discover(folder / "acme")
    assert {f.seller_id for f in found} == {"acme"}


def test_check_reports_inputs_missing_and_sections(folder):
    res = datafolder.check(folder)
    found = res["found"]
    assert set(found["report_type"]) == {"all_orders"}
    row = found[found["file"].str.endswith("100002.txt")].iloc[0]
    assert (row["rows_read"], row["accepted"], row["rejected"]) == (2, 1, 1)
    assert (row["from"], row["to"]) == ("2026-10-03", "2026-10-03")
    sec = res["sections"]
    assert set(sec["seller_id"]) == {"acme", "globex"}  # per account
    sections = sec[sec["seller_id"] == "acme"].set_index("section")["can_run"]
    assert bool(sections["Data overview"]) is True
    assert bool(sections["Fulfilment health: late shipment, cancellation, ship-by risk"]) is False
    assert "order_promises" in set(res["missing"]["table"])
    assert any("notes.txt" in u for u in res["unrecognised"]["file"])
    assert res["problems"]["problem"].str.contains("broken.txt: the file is empty").any()
    assert res["problems"]["problem"].str.contains(
        "nosku.txt: closest to the All Orders report .all_orders. but lacks required column.*'sku'").any()


def test_check_data_command(folder, capsys):
    code = cli_main(["check-data", str(folder)])
    out = capsys.readouterr().out
    assert code == 1  # a file could not be read
    assert "Inputs found: 3 file(s)" in out
    assert "Files that could not be read:" in out and "broken.txt" in out
    assert "[NO ] Fulfilment health" in out


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(InputFileError, match="data folder not found"):
        datafolder.discover(tmp_path / "nope")


def test_orders_daily_counts_local_days(folder):
    from postship_analysis import overview

    orders = datafolder.load(folder, seller_id="acme").table("orders")
    daily = overview.orders_daily(orders, pd.Timestamp("2026-10-03"))
    # 20:00 UTC is 13:00 in Los Angeles: same calendar day; days before as-of only
    assert daily["day"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-01", "2026-10-02"]
    assert daily["units"].tolist() == [1, 2]


def test_overlapping_downloads_keep_one_copy_and_report_it(tmp_path):
    root = tmp_path / "exports"
    # two "last 30 days" downloads that share order 111-2; the second has a newer status
    orders_file(root / "acme" / "US" / "1001.txt",
                [("111-1", "2026-10-01", 1, "Amazon.com"), ("111-2", "2026-10-02", 2, "Amazon.com")])
    orders_file(root / "acme" / "US" / "1002.txt",
                [("111-2", "2026-10-02", 2, "Amazon.com"), ("111-3", "2026-10-03", 1, "Amazon.com")])
    inputs = datafolder.load(root)
    orders = inputs.table("orders")
    assert sorted(orders["order_id"]) == ["111-1", "111-2", "111-3"]
    ov = inputs.overlaps.set_index("table").loc["orders"]
    # 4 rows read and accepted, 1 superseded by the newer file, 3 kept: nothing silent
    assert (ov["rows_stacked"], ov["superseded"], ov["rows_kept"]) == (4, 1, 3)


def test_overlap_prefers_the_newest_version_column():
    from postship_analysis import contract

    def frame(status, updated):
        return contract.conform(pd.DataFrame({
            "seller_id": ["s"], "marketplace": ["US"], "order_id": ["111-9"], "sku": ["A"],
            "order_status": [status],
            "last_updated_ts": pd.to_datetime([updated], utc=True)}), "orders")

    newer_first = [frame("Shipped", "2026-10-05T00:00Z"), frame("Pending", "2026-10-01T00:00Z")]
    out, superseded = datafolder.resolve_overlaps("orders", newer_first)
    assert out["order_status"].tolist() == ["Shipped"] and superseded == 1


def test_check_data_dates_are_marketplace_local_days(tmp_path):
    root = tmp_path / "exports"
    lines = ["\t".join(HEADER)]
    for oid, ts in [("111-1", "2026-10-03T05:00:00+00:00"), ("111-2", "2026-10-05T06:59:00+00:00")]:
        vals = {"amazon-order-id": oid, "purchase-date": ts, "order-status": "Shipped",
                "fulfillment-channel": "Amazon", "sales-channel": "Amazon.com", "sku": "A",
                "quantity": "1"}
        lines.append("\t".join(vals.get(h, "") for h in HEADER))
    (root / "acme" / "US").mkdir(parents=True)
    (root / "acme" / "US" / "o.txt").write_text("\n".join(lines) + "\n")
    found = datafolder.check(root)["found"].iloc[0]
    # 05:00 UTC on 3 Oct is 22:00 on 2 Oct in Los Angeles (PDT, UTC-7); 06:59 UTC on 5 Oct is
    # 23:59 on 4 Oct
    assert (found["from"], found["to"]) == ("2026-10-02", "2026-10-04")


ST_COLS = ["Date", "Currency", "Campaign Name", "Ad Group Name", "Targeting", "Match Type",
           "Customer Search Term", "Impressions", "Clicks", "Spend", "7 Day Total Sales ",
           "7 Day Total Orders (#)", "7 Day Total Units (#)"]


def _st_xlsx(path, rows, created):
    from postship_analysis.sample import write_xlsx

    df = pd.DataFrame(rows, columns=ST_COLS)
    write_xlsx(path, {"Search term report": df}, created)


def test_ads_overlap_newer_report_wins_whole_days_whatever_the_file_names(tmp_path):
    """Two search-term downloads of the same days: 'a.xlsx' was created later (restated
    conversions) than 'b.xlsx', whose name sorts last. The newer one wins every day it covers,
    including a term only the older file has on that day; days only the older file covers
    are kept from it. The overview table says which file won and why."""
    us = tmp_path / "exports" / "acme" / "US"
    day1, day2, day3 = "2026-10-01", "2026-10-02", "2026-10-03"
    row = lambda d, term, clicks, spend, sales, orders: [  # noqa: E731
        d, "USD", "C", "G", "kw", "BROAD", term, 100, clicks, spend, sales, orders, orders]
    # newer download: days 2-3, conversions settled
    _st_xlsx(us / "a.xlsx", [row(day2, "mug", 4, 2.0, 30.0, 2), row(day3, "mug", 1, 0.5, 0, 0)],
             "2026-10-10T08:00:00Z")
    # older download: days 1-2 (day 2 provisional: 1 order), plus a term on day 2
    _st_xlsx(us / "b.xlsx", [row(day1, "mug", 2, 1.0, 15.0, 1), row(day2, "mug", 4, 2.0, 15.0, 1),
                             row(day2, "cup", 1, 0.4, 0, 0)], "2026-10-03T08:00:00Z")
    inputs = datafolder.load(tmp_path / "exports")
    ads = inputs.table("ads")
    # kept: day 1 from b, days 2 and 3 from a
    assert ads["orders"].sum() == 1 + 2 + 0
    assert ads["spend"].sum() == pytest.approx(1.0 + 2.0 + 0.5)
    assert sorted(ads["start_date"].dt.strftime("%d")) == ["01", "02", "03"]
    f = inputs.overlap_files.set_index("file")
    b, a = f.loc["acme/US/b.xlsx"], f.loc["acme/US/a.xlsx"]
    assert (b["rows"], b["superseded"], b["kept"]) == (3, 2, 1)
    assert b["superseded_by"] == "acme/US/a.xlsx" and a["superseded"] == 0
    assert "2026-10-10 08:00" in a["recency"] and "created" in a["recency"]


def test_file_recency_falls_back_to_data_end_then_mtime(tmp_path):
    import os

    p = tmp_path / "x.csv"
    p.write_text("x\n")
    os.utime(p, (1_700_000_000, 1_700_000_000))
    data = pd.DataFrame({"end_date": pd.to_datetime(["2026-10-01", "2026-10-05"])})
    (when, _, _), basis = datafolder.file_recency(p, data, "ads")
    assert when == pd.Timestamp("2026-10-06") and basis == "data up to 2026-10-05"
    (when, _, _), basis = datafolder.file_recency(p, data.iloc[:0], "ads")
    assert when == pd.Timestamp(1_700_000_000, unit="s") and basis.startswith("file modified")


def test_real_us_2022_overlapping_downloads_keep_the_newer_workbook():
    """US 2022 (PROVENANCE.md): 'report2' (created 2022-08-02) covers 2022-08-01 only; the main
    file (created 2022-08-16) covers 07-17..08-15 with multi-day rows that already include
    08-01. The newer file wins: totals are the main file's own raw columns."""
    from conftest import realdata

    folder = realdata("amazon-ads-exports", "us-2022_mannyvv")
    raw = pd.read_excel(folder / "Sponsored Products Search term report.xlsx")
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        us = Path(tmp) / "seller" / "US"
        us.mkdir(parents=True)
        for p in folder.glob("*.xlsx"):
            shutil.copy(p, us / p.name)
        inputs = datafolder.load(tmp)
    ads = inputs.table("ads")
    assert len(ads) == len(raw)
    assert ads["orders"].sum() == raw["7 Day Total Orders (#)"].sum()
    assert ads["spend"].sum() == pytest.approx(raw["Spend"].sum(), abs=1e-6)
    f = inputs.overlap_files.set_index("file")
    loser = f.loc["seller/US/Sponsored Products Search term report2.xlsx"]
    assert loser["superseded"] == loser["rows"] == 50
    assert loser["superseded_by"] == "seller/US/Sponsored Products Search term report.xlsx"


def ads_file(path, days):
    """An Advertising console Sponsored Products search-term download, one row a day
    (``MM/DD/YYYY``), as test_readers_ads.py lays it out."""
    head = ("Start Date,End Date,Portfolio name,Currency,Campaign Name,Ad Group Name,Targeting,"
            "Match Type,Customer Search Term,Impressions,Clicks,Click-Thru Rate (CTR),"
            "Cost Per Click (CPC),Spend,7 Day Total Sales ,"
            "Total Advertising Cost of Sales (ACOS) ,Total Return on Advertising Spend (ROAS),"
            "7 Day Total Orders (#),7 Day Total Units (#),7 Day Conversion Rate")
    rows = [f"{d},{d},,USD,Camp,AG,kw,BROAD,term,100,5,5.00%,$0.50,$2.50,$20.00,12.50%,8.00,"
            "1,1,20.00%" for d in days]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + "\n" + "\n".join(rows) + "\n")


def test_default_as_of_is_per_account(folder):
    # acme's newest order is 2026-10-03 (the -1 row is quarantined but dated the same day),
    # globex's 2026-10-05 (purchase 20:00 UTC = 22:00 in Berlin, same day)
    assert datafolder.default_as_of(folder, "acme")[0] == "2026-10-04"
    assert datafolder.default_as_of(folder, "globex")[0] == "2026-10-06"
    assert datafolder.default_as_of(folder)[0] == "2026-10-06"  # the whole folder


def test_default_as_of_of_an_ads_only_account_is_its_newest_ads_day(folder):
    ads_file(folder / "adsonly" / "US" / "search-terms.csv",
             ["10/20/2026", "10/21/2026", "10/22/2026"])
    day, why = datafolder.default_as_of(folder, "adsonly")
    assert (day, "ads" in why) == ("2026-10-22", True)
    from postship_analysis.reporting import runner

    assert runner.default_as_of(folder, "adsonly") == "2026-10-22"
    # an account with no dated row at all takes the folder's date
    (folder / "blank" / "US").mkdir(parents=True)
    (folder / "blank" / "US" / "notes.txt").write_text("nothing\n")
    assert datafolder.default_as_of(folder, "blank")[0] == ""
    assert runner.default_as_of(folder, "blank") == "2026-10-06"  # globex, the newest order


def test_ads_rows_come_in_one_order_however_the_downloads_were_split(tmp_path):
    """Three months as one file (ordered by campaign) or as three monthly files (ordered by
    month): the same rows in the same order, so sums agree to the last bit."""
    import gzip
    import json

    rows = [{"date": f"2026-{m:02d}-{d:02d}", "campaignName": c, "campaignId": str(i),
             "impressions": 100, "clicks": 3, "cost": cost, "sales7d": 0.0,
             "purchases7d": 0, "unitsSoldClicks7d": 0}
            for i, (c, cost) in enumerate([("B camp", 0.1), ("A camp", 0.7)])
            for m in (8, 9, 10) for d in (1, 15)]

    def put(folder, name, part):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(gzip.compress(json.dumps(part).encode()))

    one, monthly = tmp_path / "one" / "acme" / "US", tmp_path / "monthly" / "acme" / "US"
    put(one, "spCampaigns.json.gz", rows)                      # campaign-major
    for m in (8, 9, 10):
        put(monthly, f"spCampaigns 2026-{m:02d}.json.gz",
            [r for r in rows if r["date"][5:7] == f"{m:02d}"])  # month-major
    a = datafolder.load(tmp_path / "one").table("ads")
    b = datafolder.load(tmp_path / "monthly").table("ads")
    assert len(a) == len(b) == 12
    pd.testing.assert_frame_equal(a, b)
    # chronological within the report level, then by campaign
    assert list(a["campaign_name"][:2]) == ["A camp", "B camp"]
    assert a["start_date"].is_monotonic_increasing
