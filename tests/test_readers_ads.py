"""Sponsored Products readers: console CSV/XLSX layouts, Ads API v3 JSON, real exports."""

from __future__ import annotations

import csv
import gzip
import json

import pandas as pd
import pytest
from conftest import realdata

from postship_analysis.errors import MissingColumnsError, ParameterError
from postship_analysis.readers import ads
from postship_analysis.readers.detect import detect_file, detect_json

# Search term layout with Start/End Date and the 7-day headers exactly as domain.md §4h gives
# them, including the trailing spaces after "Sales " and "(ACOS) ".
ST_HEADER = [
    "Start Date", "End Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name",
    "Targeting", "Match Type", "Customer Search Term", "Impressions", "Clicks",
    "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend", "7 Day Total Sales ",
    "Total Advertising Cost of Sales (ACOS) ", "Total Return on Advertising Spend (ROAS)",
    "7 Day Total Orders (#)", "7 Day Total Units (#)", "7 Day Conversion Rate",
    "7 Day Advertised SKU Units (#)", "7 Day Other SKU Units (#)", "7 Day Advertised SKU Sales ",
    "7 Day Other SKU Sales ",
]


def _csv(header, rows, delimiter=","):
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def test_console_search_term_csv_with_text_values(write):
    rows = [
        # 400 impressions, 8 clicks -> CTR 2.00 %; spend 9.60 -> CPC 1.20; sales 32.00 ->
        # ACoS 30.00 %, ROAS 3.33
        ["07/01/2022", "07/01/2022", "Spoons", "USD", "Exact A", "AG 1", "wooden spoon", "EXACT",
         "wooden spoon set", "400", "8", "2.00%", "$1.20", "$9.60", "$32.00", "30.00%", "3.33",
         "2", "3", "25.00%", "3", "0", "$32.00", "$0.00"],
        # auto campaign: Match Type "-" and blank ACoS when there are no sales
        ["07/02/2022", "07/04/2022", "Spoons", "USD", "Auto", "AG 2", "*", "-",
         "b00lc4mlpk", "1,250", "1", "0.08%", "$0.75", "$0.75", "$0.00", "", "0.00",
         "0", "0", "0.00%", "0", "0", "$0.00", "$0.00"],
    ]
    p = write("Sponsored Products Search term report.csv", _csv(ST_HEADER, rows))
    r = ads.read_ads_console(p)
    assert (r.rows_read, r.accepted, r.rejected) == (2, 2, 0)
    assert r.report_type == "ads_console_search_term"
    d = r.data
    assert d["report_level"].tolist() == ["search_term", "search_term"]
    assert d["attribution_days"].tolist() == [7, 7]
    assert d["start_date"].dt.strftime("%Y-%m-%d").tolist() == ["2022-07-01", "2022-07-02"]
    assert d["end_date"].dt.strftime("%Y-%m-%d").tolist() == ["2022-07-01", "2022-07-04"]
    assert d["impressions"].tolist() == [400, 1250]
    assert d["spend"].tolist() == [9.60, 0.75]
    assert d["sales"].tolist() == [32.0, 0.0]
    assert d["orders"].tolist() == [2, 0]
    assert d["units"].tolist() == [3, 0]
    assert d["reported_ctr"].tolist() == pytest.approx([0.02, 0.0008])
    assert d["reported_cpc"].tolist() == pytest.approx([1.20, 0.75])
    assert d["reported_acos"].iloc[0] == pytest.approx(0.30)
    assert pd.isna(d["reported_acos"].iloc[1])
    assert d["reported_roas"].iloc[0] == pytest.approx(3.33)
    assert d["match_type"].iloc[0] == "EXACT" and pd.isna(d["match_type"].iloc[1])
    assert d["targeting"].tolist() == ["wooden spoon", "*"]
    assert d["search_term"].tolist() == ["wooden spoon set", "b00lc4mlpk"]
    assert d["currency"].tolist() == ["USD", "USD"]
    assert d["marketplace"].tolist() == ["US", "US"]


def test_console_de_style_decimal_comma_and_euro(write):
    header = ["Date", "Currency", "Campaign Name", "Ad Group Name", "Targeting",
              "Match Type", "Customer Search Term", "Impressions", "Clicks",
              "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend", "7 Day Total Sales",
              "Total Advertising Cost of Sales (ACoS)", "Total Return on Advertising Spend (RoAS)",
              "7 Day Total Orders (#)", "7 Day Total Units (#)"]
    rows = [
        # 1.234 impressions (German thousands point), 12 clicks; 12,50 € spend; 50,00 € sales
        ["15.01.2025", "EUR", "Kampagne", "Gruppe", "holzlöffel", "PHRASE", "holzlöffel set",
         "1.234", "12", "0,97 %", "1,04 €", "12,50 €", "50,00 €", "25,00 %", "4,00", "1", "2"],
        ["03.02.2025", "EUR", "Kampagne", "Gruppe", "holzlöffel", "PHRASE", "kochlöffel",
         "87", "1", "1,15 %", "0,55 €", "0,55 €", "0,00 €", "", "0,00", "0", "0"],
    ]
    p = write("de.csv", _csv(header, rows, delimiter=";"))
    r = ads.read_ads_console(p, marketplace="DE")
    assert r.rejected == 0 and r.accepted == 2
    d = r.data
    # 15.01.2025 / 03.02.2025 are day-first (DE): 15 January and 3 February
    assert d["start_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-15", "2025-02-03"]
    assert (d["end_date"] == d["start_date"]).all()
    assert d["impressions"].tolist() == [1234, 87]
    assert d["spend"].tolist() == pytest.approx([12.50, 0.55])
    assert d["sales"].tolist() == pytest.approx([50.0, 0.0])
    assert d["reported_ctr"].tolist() == pytest.approx([0.0097, 0.0115])
    assert d["reported_acos"].iloc[0] == pytest.approx(0.25)
    assert d["reported_roas"].iloc[0] == pytest.approx(4.0)
    assert d["currency"].tolist() == ["EUR", "EUR"]
    assert d["marketplace"].tolist() == ["DE", "DE"]


def test_console_eur_without_marketplace_warns(write):
    header = ["Date", "Currency", "Campaign Name", "Impressions", "Clicks", "Spend"]
    p = write("c.csv", _csv(header, [["2025-01-15", "EUR", "C", "10", "1", "0,50"]]))
    r = ads.read_ads_console(p)
    assert any("several marketplaces" in w for w in r.warnings)


def test_console_14_day_rupee_headers_and_campaign_dates(write):
    # Amazon.in campaign report: "Date" is the row's day, "Start Date"/"End Date" the campaign's
    header = ["Date", "Start Date", "End Date", "Portfolio name", "Campaign Type",
              "Campaign Name", "Status", "Currency", "Budget", "Impressions", "Clicks",
              "Click-Thru Rate (CTR)", "Spend", "Cost Per Click (CPC)", "14 Day Total Orders (#)",
              "Total Advertising Cost of Sales (ACoS)", "14 Day Total Sales (₹)"]
    rows = [["Feb 1, 2020", "Jan 18, 2020", "", "No Portfolio", "Sponsored Products", "Oil",
             "ENABLED", "INR", "Rs.1000.0", "782", "13", "1.66%", "Rs.201.68", "Rs.15.5138462",
             "3", "20.97%", "Rs.961.62"]]
    p = write("Sponsored Products Campaign report.csv", _csv(header, rows))
    r = ads.read_ads_console(p)
    assert r.report_type == "ads_console_campaign"
    d = r.data
    assert d["report_level"].iloc[0] == "campaign"
    assert d["attribution_days"].iloc[0] == 14
    assert d["start_date"].iloc[0] == pd.Timestamp("2020-02-01")
    assert d["end_date"].iloc[0] == pd.Timestamp("2020-02-01")
    assert d["spend"].iloc[0] == pytest.approx(201.68)
    assert d["sales"].iloc[0] == pytest.approx(961.62)
    assert d["orders"].iloc[0] == 3
    assert d["reported_cpc"].iloc[0] == pytest.approx(15.5138462)
    assert d["reported_acos"].iloc[0] == pytest.approx(0.2097)
    # INR is used by one marketplace only: IN
    assert d["marketplace"].iloc[0] == "IN" and d["currency"].iloc[0] == "INR"


def test_console_xlsx_with_fractions_and_empty_column(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sponsored Product Search Term R"
    header = ST_HEADER[:9] + [None] + ST_HEADER[9:]  # the empty "Unnamed" column of report2
    ws.append(header)
    ws.append([pd.Timestamp("2022-08-01").to_pydatetime()] * 2
              + ["Active", "USD", "Broad", "AG", "utensils holder", "BROAD", "utensil holder",
                 None, 52, 1, 1 / 52, 0.33, 0.33, 0, None, 0, 0, 0, 0, 0, 0, 0, 0])
    p = tmp_path / "Sponsored Products Search term report2.xlsx"
    wb.save(p)
    r = ads.read_ads_console(p)
    assert (r.accepted, r.rejected) == (1, 0)
    d = r.data
    assert d["impressions"].iloc[0] == 52 and d["clicks"].iloc[0] == 1
    assert d["reported_ctr"].iloc[0] == pytest.approx(1 / 52)  # stored as a fraction
    assert pd.isna(d["reported_acos"].iloc[0])
    assert d["start_date"].iloc[0] == pd.Timestamp("2022-08-01")


def test_console_targeting_placement_advertised_levels(write):
    base = ["Date", "Currency", "Campaign Name", "Impressions", "Clicks", "Spend",
            "7 Day Total Sales"]
    row = ["2023-05-20", "GBP", "C", "100", "2", "1.50", "0"]
    cases = {
        "targeting": (["Ad Group Name", "Targeting", "Match Type"], ["AG", "dust sheet", "EXACT"]),
        "placement": (["Placement"], ["Top of Search on-Amazon"]),
        "advertised_product": (["Ad Group Name", "Advertised SKU", "Advertised ASIN"],
                               ["AG", "SKU-1", "B07B7NSLLP"]),
        "campaign": ([], []),
    }
    for level, (extra_h, extra_v) in cases.items():
        p = write(f"{level}.csv", _csv(base + extra_h, [row + extra_v]))
        r = ads.read_ads_console(p)
        assert r.data["report_level"].iloc[0] == level, level
        assert r.report_type == f"ads_console_{level}"
        assert detect_file(p).report_type == f"ads_console_{level}", level
        assert r.data["marketplace"].iloc[0] == "UK"
    # no campaign column at all: the Performance over time report
    p = write("over.csv", _csv(["Date", "Clicks", "Cost Per Click (CPC)", "Spend"],
                               [["2020-02-01", "40", "17.834", "713.36"]]))
    r = ads.read_ads_console(p, marketplace="IN")
    assert r.report_type == "ads_console_over_time"
    assert r.data["currency"].iloc[0] == "INR"  # from the marketplace: no currency column
    assert pd.isna(r.data["attribution_days"].iloc[0])  # no attributed-sales column


def test_console_bad_rows_are_quarantined_with_line(write):
    rows = [
        ["2022-07-01", "2022-07-01", "", "USD", "C", "AG", "k", "EXACT", "t1", "10", "1", "10%",
         "0.5", "0.5", "0", "", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["2022-07-01", "2022-07-01", "", "USD", "C", "AG", "k", "EXACT", "t2", "ten", "1", "",
         "0.5", "0.5", "0", "", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["", "", "", "USD", "C", "AG", "k", "EXACT", "t3", "10", "1", "", "0.5", "0.5", "0", "",
         "0", "0", "0", "0", "0", "0", "0", "0"],
        ["2022-07-01", "2022-07-01", "", "USD", "C", "AG", "k", "EXACT", "t4", "10", "-1", "",
         "0.5", "0.5", "0", "", "0", "0", "0", "0", "0", "0", "0", "0"],
    ]
    p = write("st.csv", _csv(ST_HEADER, rows))
    r = ads.read_ads_console(p)
    assert (r.rows_read, r.accepted, r.rejected) == (4, 1, 3)
    q = r.quarantine.set_index("line")
    assert q.loc[3, "reason"] == "not a number (int)"
    assert q.loc[4, "reason"] == "missing value"
    assert q.loc[5, "reason"].startswith("negative value")


def test_console_missing_spend_is_a_clear_error(write):
    p = write("x.csv", _csv(["Date", "Campaign Name", "Clicks"], [["2022-07-01", "C", "1"]]))
    with pytest.raises(MissingColumnsError, match="spend"):
        ads.read_ads_console(p)


def test_console_window_parameter(write):
    rows = [["2022-07-01", "2022-07-01", "", "USD", "C", "AG", "k", "EXACT", "t", "10", "1",
             "10%", "0.5", "0.5", "0", "", "0", "0", "0", "0", "0", "0", "0", "0"]]
    p = write("st.csv", _csv(ST_HEADER, rows))
    with pytest.raises(ParameterError, match="14-day"):
        ads.read_ads_console(p, attribution_days=14)


# ---------------------------------------------------------------------------------------------
# Ads API v3
# ---------------------------------------------------------------------------------------------

SEARCH_TERM_RECORDS = [
    {"date": "2025-01-15", "campaignName": "Exact", "campaignId": 111222333444555,
     "adGroupName": "AG", "adGroupId": 9001, "keyword": "wooden spoon", "targeting": "wooden spoon",
     "matchType": "EXACT", "searchTerm": "wooden spoon set", "keywordType": "EXACT",
     "campaignBudgetCurrencyCode": "USD", "impressions": 400, "clicks": 8, "cost": 9.6,
     "sales7d": 32.0, "purchases7d": 2, "unitsSoldClicks7d": 3,
     "sales14d": 40.0, "purchases14d": 3, "unitsSoldClicks14d": 4,
     "clickThroughRate": 0.02, "costPerClick": 1.2, "acosClicks7d": 0.3, "roasClicks7d": 3.3333,
     "acosClicks14d": 0.24, "roasClicks14d": 4.1667},
    {"date": "2025-01-15", "campaignName": "Auto", "campaignId": 111222333444556,
     "adGroupName": "AG2", "adGroupId": 9002, "keyword": None, "targeting": "close-match",
     "matchType": "TARGETING_EXPRESSION_PREDEFINED", "searchTerm": "b00lc4mlpk",
     "campaignBudgetCurrencyCode": "USD", "impressions": 50, "clicks": 1, "cost": 0.75,
     "sales7d": 0.0, "purchases7d": 0, "unitsSoldClicks7d": 0,
     "sales14d": 0.0, "purchases14d": 0, "unitsSoldClicks14d": 0,
     "clickThroughRate": 0.02, "costPerClick": 0.75, "acosClicks7d": None, "roasClicks7d": 0.0,
     "acosClicks14d": None, "roasClicks14d": 0.0},
]


def test_api_search_term_gzip(tmp_path):
    p = tmp_path / "spSearchTerm.json.gz"
    p.write_bytes(gzip.compress(json.dumps(SEARCH_TERM_RECORDS).encode()))
    assert detect_file(p).report_type == "ads_api_search_term"
    r = ads.read_ads_api(p)
    assert r.report_type == "ads_api_search_term"
    assert (r.rows_read, r.accepted, r.rejected) == (2, 2, 0)
    d = r.data
    assert d["report_level"].tolist() == ["search_term"] * 2
    assert d["attribution_days"].tolist() == [7, 7]  # 7-day preferred when both are present
    assert d["sales"].tolist() == [32.0, 0.0]
    assert d["orders"].tolist() == [2, 0] and d["units"].tolist() == [3, 0]
    assert d["spend"].tolist() == [9.6, 0.75]
    assert d["campaign_id"].iloc[0] == "111222333444555"
    assert d["targeting"].tolist() == ["wooden spoon", "close-match"]  # keyword, else targeting
    assert d["match_type"].iloc[0] == "EXACT" and pd.isna(d["match_type"].iloc[1])
    assert d["reported_acos"].iloc[0] == pytest.approx(0.3)
    assert pd.isna(d["reported_acos"].iloc[1])
    assert d["reported_ctr"].tolist() == pytest.approx([0.02, 0.02])
    assert (d["start_date"] == pd.Timestamp("2025-01-15")).all()
    assert (d["end_date"] == d["start_date"]).all()
    assert d["currency"].tolist() == ["USD", "USD"]

    r14 = ads.read_ads_api(p, attribution_days=14)
    assert r14.data["attribution_days"].tolist() == [14, 14]
    assert r14.data["sales"].tolist() == [40.0, 0.0]
    assert r14.data["orders"].tolist() == [3, 0]
    assert r14.data["reported_acos"].iloc[0] == pytest.approx(0.24)


def test_api_advertised_product_and_campaigns(tmp_path):
    recs = [{"startDate": "2025-01-01", "endDate": "2025-01-31", "campaignName": "C",
             "campaignId": 1, "adGroupName": "AG", "adGroupId": 2, "adId": 3,
             "advertisedAsin": "B000000001", "advertisedSku": "SKU-1", "impressions": 1000,
             "clicks": 10, "cost": 5.0, "spend": 5.0, "sales14d": 20.0, "purchases14d": 1,
             "unitsSoldClicks14d": 1, "campaignBudgetCurrencyCode": "GBP"}]
    p = tmp_path / "spAdvertisedProduct.json"
    p.write_text(json.dumps(recs))
    assert detect_json(recs) == "ads_api_advertised_product"
    r = ads.read_ads_api(p)
    d = r.data
    assert r.report_type == "ads_api_advertised_product"
    assert d["report_level"].iloc[0] == "advertised_product"
    assert d["attribution_days"].iloc[0] == 14  # only 14-day columns present
    assert d["sales"].iloc[0] == 20.0
    assert d["start_date"].iloc[0] == pd.Timestamp("2025-01-01")
    assert d["end_date"].iloc[0] == pd.Timestamp("2025-01-31")
    assert d["advertised_sku"].iloc[0] == "SKU-1" and d["advertised_asin"].iloc[0] == "B000000001"
    assert d["marketplace"].iloc[0] == "UK"  # GBP -> UK

    camp = [{"date": "2025-01-02", "campaignName": "C", "campaignId": 1, "impressions": 10,
             "clicks": 0, "cost": 0.0, "sales7d": 0.0, "purchases7d": 0,
             "unitsSoldClicks7d": 0, "campaignBudgetCurrencyCode": "USD"}]
    p2 = tmp_path / "spCampaigns.json"
    p2.write_text(json.dumps({"records": camp}))  # wrapped form
    r2 = ads.read_ads_api(p2)
    assert r2.report_type == "ads_api_campaigns"
    assert r2.data["report_level"].iloc[0] == "campaign"


def test_api_percentages_written_as_0_100_are_rescaled(tmp_path):
    recs = [{"date": "2025-01-02", "campaignName": "C", "impressions": 1000, "clicks": 25,
             "cost": 10.0, "sales7d": 40.0, "clickThroughRate": 2.5, "acosClicks7d": 25.0},
            {"date": "2025-01-03", "campaignName": "C", "impressions": 200, "clicks": 1,
             "cost": 1.0, "sales7d": 2.0, "clickThroughRate": 0.5, "acosClicks7d": 50.0}]
    r = ads.read_ads_records(recs)
    # 25 / 1000 = 0.025 and 10 / 40 = 0.25: the file's 2.5 and 25.0 were percentages
    assert r.data["reported_ctr"].tolist() == pytest.approx([0.025, 0.005])
    assert r.data["reported_acos"].tolist() == pytest.approx([0.25, 0.5])
    assert sum("divided by 100" in w for w in r.warnings) == 2


def test_api_bad_record_quarantined_by_record_number():
    recs = [{"date": "2025-01-02", "campaignName": "C", "impressions": 5, "clicks": 1,
             "cost": 1.0},
            {"date": "not a date", "campaignName": "C", "impressions": 5, "clicks": 1,
             "cost": 1.0},
            {"date": "2025-01-03", "campaignName": "C", "impressions": 5, "clicks": 1.5,
             "cost": 1.0}]
    r = ads.read_ads_records(recs, path="x.json")
    assert (r.accepted, r.rejected) == (1, 2)
    assert r.quarantine["line"].tolist() == [2, 3]
    assert r.quarantine["reason"].tolist() == ["unparseable date", "not a whole number"]


# ---------------------------------------------------------------------------------------------
# Real exports (../shared/realdata/amazon-ads-exports)
# ---------------------------------------------------------------------------------------------

ADS_DIR = ("amazon-ads-exports",)
REAL_FILES = {
    # file -> (marketplace to pass, expected report_type, attribution window)
    "in-2020-02_umairnsr87/Sponsored Products Search term report.xlsx":
        (None, "ads_console_search_term", 14),
    "in-2020-02_umairnsr87/Sponsored Products Targeting report (1).xlsx":
        (None, "ads_console_targeting", 14),
    "in-2020-02_umairnsr87/Sponsored Products Campaign report.csv":
        (None, "ads_console_campaign", 14),
    "in-2020-02_umairnsr87/Sponsored Products Advertised product report.xlsx":
        (None, "ads_console_advertised_product", 14),
    "in-2020-02_umairnsr87/Sponsored Products Placement report (1).xlsx":
        (None, "ads_console_placement", 14),
    "in-2020-02_umairnsr87/Sponsored Products Performance Over Time report (2).xlsx":
        ("IN", "ads_console_over_time", None),
    "uk-2023_progami/Sponsored Products Search term report.xlsx":
        (None, "ads_console_search_term", 7),
    "us-2022_mannyvv/Sponsored Products Search term report.xlsx":
        (None, "ads_console_search_term", 7),
    "us-2022_mannyvv/Sponsored Products Search term report2.xlsx":
        (None, "ads_console_search_term", 7),
    "us-2019-05_stevebanon/Sponsored Products Search term report.xlsx":
        (None, "ads_console_search_term", 7),
}

_CACHE: dict = {}


def _real(name):
    path = realdata(*ADS_DIR, *name.split("/"))
    if name not in _CACHE:
        mp = REAL_FILES[name][0]
        _CACHE[name] = ads.read_ads_console(path, marketplace=mp)
    return path, _CACHE[name]


def _count_data_rows(path) -> int:
    """Data rows counted without the package: non-empty CSV rows, or the ``<row>`` elements
    of the workbook's first sheet (its raw XML), minus the header row."""
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
        return len(rows) - 1
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    return len(re.findall(rb"<row[ >]", xml)) - 1


def test_real_folder_has_the_files_we_test():
    folder = realdata(*ADS_DIR)
    found = {str(p.relative_to(folder)) for p in folder.glob("*/*") if p.suffix != ".md"}
    assert found == set(REAL_FILES)


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_file_loads_every_row(name):
    path, r = _real(name)
    _, report_type, window = REAL_FILES[name]
    assert r.report_type == report_type
    assert detect_file(path).report_type == report_type
    n = _count_data_rows(path)
    assert r.rows_read == n
    assert r.accepted + r.rejected == n
    assert r.rejected == 0, r.quarantine.head()
    d = r.data
    if window is None:
        assert d["attribution_days"].isna().all()
    else:
        assert (d["attribution_days"] == window).all()
    assert d["start_date"].notna().all() and (d["end_date"] >= d["start_date"]).all()
    assert d["currency"].notna().all()


# Tolerances: the XLSX files store full-precision floats; the IN campaign CSV rounds CTR and
# ACoS to 0.01 % (= 0.0001 as a fraction) and CPC to 7 decimals.
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_reported_rates_match_recomputed(name):
    _, r = _real(name)
    d = r.data
    rc = ads.recomputed_rates(d)
    csv_file = name.endswith(".csv")
    tol = {"ctr": 1e-4 if csv_file else 1e-9, "acos": 1e-4 if csv_file else 1e-9,
           "cpc": 1e-6, "roas": 1e-9}
    checked = 0
    for col, rep in [("ctr", "reported_ctr"), ("cpc", "reported_cpc"),
                     ("acos", "reported_acos"), ("roas", "reported_roas")]:
        both = d[rep].notna() & rc[col].notna()
        diff = (d[rep][both] - rc[col][both]).abs()
        assert (diff <= tol[col] * rc[col][both].abs().clip(lower=1)).all(), (col, diff.max())
        checked += int(both.sum())
        # a rate over a zero denominator is undefined: <NA>, even where the campaign CSV
        # writes "Rs.0.0" CPC for 0 clicks and "0.00%" ACoS for 0 sales
        rep_only = d[rep].notna() & rc[col].isna()
        assert not rep_only.any(), col
    assert checked > 0
    # Amazon leaves ACoS blank exactly where sales are 0 (xlsx files)
    if not csv_file and d["reported_acos"].notna().any():
        assert (d["reported_acos"].isna() == (d["sales"] == 0)).all()


# PROVENANCE.md reference totals of the search-term files (spend, sales)
REFERENCE_TOTALS = {
    "in-2020-02_umairnsr87/Sponsored Products Search term report.xlsx": (47108.12, 70853.92),
    "uk-2023_progami/Sponsored Products Search term report.xlsx": (4206.45, 13373.85),
    "us-2022_mannyvv/Sponsored Products Search term report.xlsx": (1179.16, 1692.46),
    "us-2019-05_stevebanon/Sponsored Products Search term report.xlsx": (6139.42, 24650.24),
}


@pytest.mark.parametrize("name", sorted(REFERENCE_TOTALS))
def test_real_search_term_totals(name):
    _, r = _real(name)
    spend, sales = REFERENCE_TOTALS[name]
    assert r.data["spend"].sum() == pytest.approx(spend, abs=0.005)
    assert r.data["sales"].sum() == pytest.approx(sales, abs=0.005)


def test_real_in_reports_agree_on_total_spend():
    """The six Amazon.in reports cover the same account and month: same total spend."""
    totals = {}
    for name in REAL_FILES:
        if name.startswith("in-"):
            _, r = _real(name)
            totals[name] = round(r.data["spend"].sum(), 2)
            assert (r.data["marketplace"] == "IN").all() and (r.data["currency"] == "INR").all()
    assert set(totals.values()) == {47108.12}


def test_real_match_type_dash_is_na():
    path = realdata(*ADS_DIR, "uk-2023_progami", "Sponsored Products Search term report.xlsx")
    _, r = _real("uk-2023_progami/Sponsored Products Search term report.xlsx")
    raw = pd.read_excel(path, dtype=object)
    assert r.data["match_type"].isna().sum() == int((raw["Match Type"] == "-").sum())
    assert set(r.data["match_type"].dropna()) <= {"BROAD", "PHRASE", "EXACT"}


def test_real_in_campaign_csv_zero_written_for_undefined_is_na():
    """The IN Campaign CSV writes "0.00%" ACoS where sales are "Rs.0.0" and "Rs.0.0" CPC
    where clicks are 0: counted from the raw text, every one is <NA> after reading, and the
    reader says how many it changed."""
    path = realdata(*ADS_DIR, "in-2020-02_umairnsr87", "Sponsored Products Campaign report.csv")
    raw = pd.read_csv(path, dtype=str)
    no_sales = raw["14 Day Total Sales (₹)"].str.strip() == "Rs.0.0"
    zero_acos = (raw["Total Advertising Cost of Sales (ACoS)"].str.strip() == "0.00%") & no_sales
    no_clicks = raw["Clicks"].astype(int) == 0
    r = ads.read_ads_console(path)
    d = r.data
    assert zero_acos.sum() > 0 and no_clicks.sum() > 0
    assert d["reported_acos"].isna().sum() == int(no_sales.sum())
    assert d["reported_cpc"].isna().sum() == int(no_clicks.sum())
    assert any(f"reported_acos: {int(zero_acos.sum())} value(s)" in w for w in r.warnings)
    # the Campaign report has no units column: undefined, not 0
    assert d["units"].isna().all() and d["sales"].notna().all()
    # and its settings columns are read: the budget of the first row is Rs.1000.0
    assert d["campaign_budget"].iloc[0] == 1000.0
    assert d["campaign_state"].iloc[0] == "ENABLED"
    assert d["bidding_strategy"].iloc[0] == "Dynamic bids - up and down"


def test_real_performance_over_time_is_its_own_level():
    """The Performance over time report (Date, Clicks, CPC, Spend) holds account totals per
    day: level over_time, no campaign, sales and orders undefined."""
    path = realdata(*ADS_DIR, "in-2020-02_umairnsr87",
                    "Sponsored Products Performance Over Time report (2).xlsx")
    d = ads.read_ads_console(path).data
    assert (d["report_level"] == "over_time").all()
    assert d["campaign_name"].isna().all()
    assert d["sales"].isna().all() and d["orders"].isna().all()
