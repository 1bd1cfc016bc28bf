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

from postship_analysis.readers.bulk import read_bulk_sp
from postship_analysis.readers.detect import detect_file

DOC_COLUMNS = [
    "Product", "Entity", "Operation", "Campaign Id", "Ad Group Id", "Portfolio Id",
    "Ad Id (Read only)", "Keyword Id (Read only)", "Product Targeting Id (Read only)",
    "Campaign Name", "Ad Group Name", "Start Date", "End Date", "Targeting Type", "State",
    "Daily Budget", "SKU", "ASIN", "Ad Group Default Bid", "Bid", "Keyword Text", "Match Type",
    "Bidding Strategy", "Placement", "Impressions", "Clicks", "Spend", "Sales", "Orders"]
CAMP, AG = "6555226389", "8796676911"


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
    assert r.rows_read == 8 and r.accepted == 7 and r.rejected == 1
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
    ad = d.loc["Product ad"]
    assert (ad["ad_id"], ad["sku"], ad["asin"]) == ("729402352", "BALL-1", "B07NDMCL1D")


def test_ids_stay_text_even_when_the_workbook_stores_numbers(tmp_path):
    rows = doc_rows()
    rows[0]["Campaign Id"] = 182993388054714  # a 15-digit id written as a number
    for r in rows[1:7]:
        r["Campaign Id"] = 182993388054714
    p = write_doc_bulk(tmp_path / "bulk.xlsx", rows)
    d = read_bulk_sp(p).data
    assert (d["campaign_id"] == "182993388054714").all()
