"""Amazon Ads bulk-operations download (reader) and the upload rows built from it.

The fixture is a download laid out as Amazon documents it ("Overview - update campaigns with
bulksheets", en-us/bulksheets/2-0/campaign-update-overview.md: Product, Entity, Operation,
Campaign Id, Ad Group Id, Portfolio Id, Ad Id (Read only), Keyword Id (Read only), Product
Targeting Id (Read only), Campaign Name, Ad Group Name, Start Date, End Date, Targeting Type,
State, Daily Budget, SKU, ASIN, Ad Group Default Bid, Bid, Keyword Text, Match Type, Bidding
Strategy, Placement, then the metrics), with the example's own campaign 6555226389 and ad
group 8796676911, plus a keyword the seller paused and a row of another ad product.
"""

from __future__ import annotations

import pandas as pd
import pytest

from postship_analysis import ads as A
from postship_analysis import bulksheet as B
from postship_analysis import contract
from postship_analysis.readers.bulk import read_bulk_sp
from postship_analysis.readers.detect import detect_file

DOC_COLUMNS = [
    "Product", "Entity", "Operation", "Campaign Id", "Ad Group Id", "Portfolio Id",
    "Ad Id (Read only)", "Keyword Id (Read only)", "Product Targeting Id (Read only)",
    "Campaign Name", "Ad Group Name", "Start Date", "End Date", "Targeting Type", "State",
    "Daily Budget", "SKU", "ASIN", "Ad Group Default Bid", "Bid", "Keyword Text", "Match Type",
    "Bidding Strategy", "Placement", "Impressions", "Clicks", "Spend", "Sales", "Orders"]
CAMP, AG, AG2 = "6555226389", "8796676911", "8796676912"


def doc_rows():
    sp = "Sponsored Products"
    return [
        {"Product": sp, "Entity": "Campaign", "Campaign Id": CAMP, "Portfolio Id": "4471",
         "Campaign Name": "SP Auto Holidays 2022", "Start Date": "20220105",
         "End Date": "20270719", "Targeting Type": "AUTO", "State": "enabled",
         "Daily Budget": 110, "Bidding Strategy": "Dynamic bids - up and down"},
        {"Product": sp, "Entity": "Bidding Adjustment", "Campaign Id": CAMP,
         "Bidding Strategy": "Dynamic bids - up and down", "Placement": "placementProductPage"},
        {"Product": sp, "Entity": "Ad Group", "Campaign Id": CAMP, "Ad Group Id": AG,
         "Ad Group Name": "Baseball toys", "State": "enabled", "Ad Group Default Bid": 2.75},
        {"Product": sp, "Entity": "Product Ad", "Campaign Id": CAMP, "Ad Group Id": AG,
         "Ad Id (Read only)": "729402352", "State": "enabled", "SKU": "BALL-1",
         "ASIN": "B07NDMCL1D"},
        {"Product": sp, "Entity": "Product Targeting", "Campaign Id": CAMP, "Ad Group Id": AG,
         "Product Targeting Id (Read only)": "5551", "State": "enabled", "Bid": 1.50,
         "Keyword Text": "", "Product Targeting Expression": "close-match"},
        {"Product": sp, "Entity": "Product Targeting", "Campaign Id": CAMP, "Ad Group Id": AG,
         "Product Targeting Id (Read only)": "5552", "State": "enabled",
         "Product Targeting Expression": "loose-match"},
        {"Product": sp, "Entity": "Product Targeting", "Campaign Id": CAMP, "Ad Group Id": AG,
         "Product Targeting Id (Read only)": "5553", "State": "paused", "Bid": 0.90,
         "Product Targeting Expression": "substitutes"},
        {"Product": sp, "Entity": "Ad Group", "Campaign Id": CAMP, "Ad Group Id": AG2,
         "Ad Group Name": "Gloves", "State": "enabled", "Ad Group Default Bid": 1.00},
        {"Product": sp, "Entity": "Product Ad", "Campaign Id": CAMP, "Ad Group Id": AG2,
         "Ad Id (Read only)": "729402353", "State": "enabled", "SKU": "GLOVE-1"},
        {"Product": sp, "Entity": "Keyword", "Campaign Id": CAMP, "Ad Group Id": AG2,
         "Keyword Id (Read only)": "7001", "State": "enabled", "Bid": 1.50,
         "Keyword Text": "baseball glove", "Match Type": "exact"},
        {"Product": sp, "Entity": "Keyword", "Campaign Id": CAMP, "Ad Group Id": AG2,
         "Keyword Id (Read only)": "7002", "State": "paused", "Bid": 0.80,
         "Keyword Text": "kids glove", "Match Type": "exact"},
        {"Product": "Sponsored Brands", "Entity": "Campaign", "Campaign Id": "999"},
    ]


def write_doc_bulk(path, rows=None, extra_cols=()):
    from postship_analysis.sample import write_xlsx

    df = pd.DataFrame(rows or doc_rows()).reindex(
        columns=DOC_COLUMNS + ["Product Targeting Expression", *extra_cols])
    portfolios = pd.DataFrame({"Product": ["Portfolio"], "Entity": ["Portfolio"],
                               "Portfolio Id": ["4471"], "Portfolio Name": ["Toys"]})
    write_xlsx(path, {"Portfolios": portfolios, "Sponsored Products Campaigns": df},
               "2026-11-01T08:00:00Z")
    return path


def test_reads_the_sponsored_products_sheet_of_a_documented_download(tmp_path):
    p = write_doc_bulk(tmp_path / "bulk.xlsx")
    assert detect_file(p).report_type == "ads_bulk_sp"
    r = read_bulk_sp(p, marketplace="US")
    assert r.rows_read == 12 and r.accepted == 11 and r.rejected == 1
    assert r.quarantine["reason"].iloc[0] == "not a Sponsored Products row"
    d = r.data.set_index("entity", drop=False)
    c = d.loc["Campaign"]
    assert (c["campaign_id"], c["portfolio_id"], c["daily_budget"]) == (CAMP, "4471", 110.0)
    assert c["end_date"] == pd.Timestamp("2027-07-19")
    assert c["bidding_strategy"] == "Dynamic bids - up and down"
    pt = r.data[r.data["entity"] == "Product targeting"].set_index("product_targeting_id")
    # names and the default bid come from the parent rows; a blank bid inherits the default
    assert (pt["campaign_name"] == "SP Auto Holidays 2022").all()
    assert (pt["ad_group_name"] == "Baseball toys").all()
    assert (pt["ad_group_default_bid"] == 2.75).all()
    assert pt.loc["5551", "bid"] == 1.5 and pd.isna(pt.loc["5552", "bid"])
    assert pt.loc["5553", "state"] == "paused" and pt.loc["5553", "campaign_state"] == "enabled"
    ad = d.loc["Product ad"].set_index("ad_id").loc["729402352"]
    assert (ad["sku"], ad["asin"], ad["ad_group_name"]) == ("BALL-1", "B07NDMCL1D",
                                                            "Baseball toys")


def test_ids_stay_text_even_when_the_workbook_stores_numbers(tmp_path):
    rows = doc_rows()
    rows[0]["Campaign Id"] = 182993388054714  # a 15-digit id written as a number
    for r in rows[1:-1]:
        r["Campaign Id"] = 182993388054714
    p = write_doc_bulk(tmp_path / "bulk.xlsx", rows)
    d = read_bulk_sp(p).data
    assert (d["campaign_id"] == "182993388054714").all()


DAY = pd.Timestamp("2026-10-20")
UC = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["BALL-1", "GLOVE-1"],
                   "currency": "USD", "price": [25.0, 25.0], "cogs": [5.0, 5.0],
                   "fba_fee": [4.0, 4.0], "referral_fee_pct": [0.15, 0.15],
                   "other_cost": [1.25, 1.25]})


def _ads(rows):
    base = dict(seller_id="s", marketplace="US", currency="USD", attribution_days=7,
                start_date=DAY, impressions=1000, campaign_name="SP Auto Holidays 2022")
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["end_date"] = df["start_date"]
    df["units"] = df["orders"]
    return contract.conform(df, "ads")


def _plan(tmp_path, terms_extra=()):
    """Reports for the download's entities (names only, as the console writes them), the
    recommendations and the upload rows."""
    ent = read_bulk_sp(write_doc_bulk(tmp_path / "bulk.xlsx"), seller_id="s").data
    tg = dict(report_level="targeting")
    st = dict(report_level="search_term", ad_group_name="Gloves", targeting="baseball glove",
              match_type="EXACT")
    ads = _ads([
        # the enabled keyword converts poorly at CPC 1.00: its bid 1.50 comes down 20 %
        {**tg, "ad_group_name": "Gloves", "targeting": "baseball glove", "match_type": "EXACT",
         "clicks": 100, "spend": 100.0, "sales": 50.0, "orders": 2},
        # the paused keyword (clicks before it was paused): recommended, never uploaded
        {**tg, "ad_group_name": "Gloves", "targeting": "kids glove", "match_type": "EXACT",
         "clicks": 40, "spend": 40.0, "sales": 0.0, "orders": 0},
        # the paused auto target likewise; the enabled one converts (campaign ACoS 240 / 350
        # = 69 % is above the 44 % break-even: the campaign loses money on ads)
        {**tg, "ad_group_name": "Baseball toys", "targeting": "substitutes", "clicks": 40,
         "spend": 40.0, "sales": 0.0, "orders": 0},
        {**tg, "ad_group_name": "Baseball toys", "targeting": "close-match", "clicks": 100,
         "spend": 60.0, "sales": 300.0, "orders": 12},
        {**st, "search_term": "cheap glove", "clicks": 60, "spend": 60.0, "sales": 0.0,
         "orders": 0},
        {**st, "search_term": "=cmd|' /C calc'!A0", "clicks": 60, "spend": 60.0, "sales": 0.0,
         "orders": 0},
        {**st, "search_term": "baseball glove", "clicks": 40, "spend": 40.0, "sales": 50.0,
         "orders": 2},
        {"report_level": "advertised_product", "ad_group_name": "Gloves",
         "advertised_sku": "GLOVE-1", "clicks": 140, "spend": 140.0, "sales": 50.0,
         "orders": 2},
        {"report_level": "advertised_product", "ad_group_name": "Baseball toys",
         "advertised_sku": "BALL-1", "clicks": 140, "spend": 100.0, "sales": 300.0,
         "orders": 12},
        *terms_extra])
    bids = A.bid_recommendations(ads, UC, "2026-10-22", window_days=7, entities=ent)
    terms = A.search_term_stats(ads, UC, "2026-10-22", window_days=7, entities=ent)
    negs = A.negative_keyword_candidates(terms, min_probability=0.5)
    units, camps = A.budget_recommendations(ads, UC, "2026-10-22", window_days=7,
                                            entities=ent, min_utilisation=0.0)
    strat = A.strategy_recommendations(ads, UC, "2026-10-22", window_days=7, entities=ent,
                                       min_clicks=50)
    changes = [B.bid_changes(bids), B.campaign_changes(camps, strat),
               B.negative_changes(negs, ent)]
    return ent, bids, B.upload_rows(*changes), B.readable(*changes)


def _blank(row, keep):
    return [c for c in B.COLUMNS if c not in keep and row[c] is not None and pd.notna(row[c])]


def test_upload_rows_carry_ids_and_the_changed_field_only(tmp_path):
    ent, bids, sheet, recs = _plan(tmp_path)
    assert list(sheet.columns) == B.COLUMNS and (sheet["Product"] == "Sponsored Products").all()
    kw = sheet[(sheet["Entity"] == "Keyword") & (sheet["Keyword Id"] == "7001")]
    assert len(kw) == 1
    r = kw.iloc[0]
    assert (r["Operation"], r["Campaign Id"], r["Ad Group Id"]) == ("Update", CAMP, AG2)
    # from the real bid 1.50 (not the CPC 1.00), capped at -20 %
    assert r["Bid"] == pytest.approx(1.2)
    assert _blank(r, {"Product", "Entity", "Operation", "Campaign Id", "Ad Group Id",
                      "Keyword Id", "Bid"}) == []
    # the campaign row: budget from the current 110, portfolio and end date carried (a blank
    # would remove them), strategy switched to down only (up and down, ACoS above break-even)
    c = sheet[sheet["Entity"] == "Campaign"].iloc[0]
    assert (c["Operation"], c["Campaign Id"], c["Portfolio Id"], c["End Date"]) == (
        "Update", CAMP, "4471", "20270719")
    assert c["Bidding Strategy"] == "Dynamic bids - down only"
    assert _blank(c, {"Product", "Entity", "Operation", "Campaign Id", "Portfolio Id",
                      "End Date", "Daily Budget", "Bidding Strategy"}) == []
    budget = recs[recs["change"].str.contains("budget")].iloc[0]
    assert budget["current_value"] == 110.0
    if pd.notna(c["Daily Budget"]):
        assert c["Daily Budget"] == pytest.approx(budget["new_value"])
    # no row without ids; nothing written to State on an update
    upd = sheet[sheet["Operation"] == "Update"]
    assert upd["Campaign Id"].notna().all() and upd["State"].isna().all()
    assert (sheet.loc[sheet["Entity"] == "Keyword", "Keyword Id"].notna()).all()
    assert (sheet.loc[sheet["Entity"] == "Product targeting", "Product Targeting Id"]
            .notna()).all()
    creates = sheet[sheet["Operation"] == "Create"]
    assert creates[["Campaign Id", "Ad Group Id"]].notna().all().all()


def test_a_paused_keyword_stays_paused(tmp_path):
    ent, bids, sheet, recs = _plan(tmp_path)
    assert "7002" not in set(sheet["Keyword Id"].dropna())  # no row for the paused keyword
    assert "5553" not in set(sheet["Product Targeting Id"].dropna())
    assert not (sheet["State"] == "enabled")[sheet["Operation"] == "Update"].any()
    paused = recs[recs["target"].isin(["kids glove", "substitutes"])]
    assert len(paused) == 2 and not paused["uploadable"].any()
    assert paused["reason"].str.startswith("paused or archived").all()


def test_negatives_are_creates_in_the_ad_group_and_formulas_are_never_uploaded(tmp_path):
    ent, bids, sheet, recs = _plan(tmp_path)
    neg = sheet[sheet["Entity"] == "Negative keyword"]
    assert neg["Keyword Text"].tolist() == ["cheap glove"]
    r = neg.iloc[0]
    assert (r["Operation"], r["Campaign Id"], r["Ad Group Id"], r["State"], r["Match Type"]) \
        == ("Create", CAMP, AG2, "enabled", "negativeExact")
    hostile = recs[recs["target"].astype(str).str.startswith("=")]
    assert len(hostile) == 1 and not hostile["uploadable"].iloc[0]
    assert "by hand" in hostile["reason"].iloc[0]
    assert not sheet.astype(str).apply(lambda s: s.str.contains("calc")).any().any()


def test_without_a_download_nothing_is_uploadable_and_the_csv_says_which_download(tmp_path):
    ent, bids, sheet, recs = _plan(tmp_path)
    ads_only_bids = bids.drop(columns=[c for c in ("entity", "campaign_id", "ad_group_id",
                                                   "keyword_id", "product_targeting_id")
                                       if c in bids.columns]).assign(current_bid=float("nan"))
    ch = B.bid_changes(ads_only_bids)
    assert B.upload_rows(ch).empty and not ch["uploadable"].any()
    assert ch["reason"].str.contains("Bulk operations > Create & download").all()


def test_strategy_is_written_only_when_recommended(tmp_path):
    """The same campaign converting well (ACoS under break-even): no strategy change, so the
    campaign row (if any) leaves Bidding Strategy blank."""
    ent = read_bulk_sp(write_doc_bulk(tmp_path / "bulk.xlsx"), seller_id="s").data
    ads = _ads([{"report_level": "targeting", "ad_group_name": "Baseball toys",
                 "targeting": "close-match", "clicks": 100, "spend": 60.0, "sales": 750.0,
                 "orders": 30}])
    strat = A.strategy_recommendations(ads, UC, "2026-10-22", window_days=7, entities=ent,
                                       min_clicks=50)
    assert not strat["recommend"].any()
    assert B.upload_rows(B.campaign_changes(None, strat)).empty


def test_bulk_file_written_and_read_back_as_text(tmp_path):
    ent, bids, sheet, recs = _plan(tmp_path)
    p = B.write_bulksheet(sheet, tmp_path / "out", "advertising_bulk")
    back = pd.read_excel(p, sheet_name=B.SHEET, dtype=str)
    assert list(back.columns) == B.COLUMNS and len(back) == len(sheet)
    assert set(back["Campaign Id"]) == {CAMP}
    assert B.write_bulksheet(sheet.iloc[:0], tmp_path / "out2", "advertising_bulk") is None
