"""Business Report CSVs and the GET_SALES_AND_TRAFFIC_REPORT JSON -> sales_traffic."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest
from conftest import realdata

from postship_analysis.errors import WrongReportError
from postship_analysis.readers import business
from postship_analysis.readers.detect import detect_file

# Header of "Detail Page Sales and Traffic By Child Item" exactly as domain.md §4g gives it
CHILD_HEADER = (
    "(Parent) ASIN,(Child) ASIN,Title,SKU,Sessions - Total,Sessions - Total - B2B,"
    "Session Percentage - Total,Session Percentage - Total - B2B,Page Views - Total,"
    "Page Views - Total - B2B,Page Views Percentage - Total,Page Views Percentage - Total - B2B,"
    "Featured Offer (Buy Box) Percentage,Featured Offer (Buy Box) Percentage - B2B,"
    "Units Ordered,Units Ordered - B2B,Unit Session Percentage,Unit Session Percentage - B2B,"
    "Ordered Product Sales,Ordered Product Sales - B2B,Total Order Items,Total Order Items - B2B"
)


def test_child_item_csv_with_bom_currency_and_percent(write):
    text = "\ufeff" + CHILD_HEADER + "\n" + "\n".join([
        # 1,234 sessions, 56 units -> unit session 4.54 %; "$1,234.56" sales
        'B0PARENT01,B0CHILD001,"Spoon, wooden",SPOON-1,"1,234",10,12.50%,1.00%,"2,000",12,'
        '10.00%,0.50%,98.50%,100.00%,56,1,4.54%,10.00%,"$1,234.56",$20.00,50,1',
        'B0PARENT01,B0CHILD002,Spoon rest,REST-1,80,0,0.81%,0.00%,95,0,0.48%,0.00%,0.00%,'
        '0.00%,0,0,0.00%,0.00%,$0.00,$0.00,0,0',
    ]) + "\n"
    p = write("BusinessReport-1-15-25.csv", text)
    assert detect_file(p).report_type == "business_report"
    r = business.read_business_report(p)
    assert (r.rows_read, r.accepted, r.rejected) == (2, 2, 0)
    d = r.data
    assert d["parent_asin"].tolist() == ["B0PARENT01", "B0PARENT01"]
    assert d["child_asin"].tolist() == ["B0CHILD001", "B0CHILD002"]
    assert d["sku"].tolist() == ["SPOON-1", "REST-1"]
    assert d["title"].iloc[0] == "Spoon, wooden"
    assert d["sessions"].tolist() == [1234, 80]  # "Sessions - Total", not the B2B column
    assert d["page_views"].tolist() == [2000, 95]
    assert d["buy_box_pct"].tolist() == pytest.approx([0.985, 0.0])
    assert d["units_ordered"].tolist() == [56, 0]
    assert d["unit_session_pct"].tolist() == pytest.approx([0.0454, 0.0])
    assert d["ordered_product_sales"].tolist() == pytest.approx([1234.56, 0.0])
    assert d["total_order_items"].tolist() == [50, 0]
    assert d["report_date"].isna().all()
    assert d["currency"].tolist() == ["USD", "USD"]
    assert d["marketplace"].tolist() == ["US", "US"]


def test_older_header_without_sku_and_pound_sign(write):
    text = ("(Parent) ASIN,(Child) ASIN,Title,Sessions,Session Percentage,Page Views,"
            "Page Views Percentage,Buy Box Percentage,Units Ordered,Unit Session Percentage,"
            "Ordered Product Sales,Total Order Items\n"
            "B0P,B0C,Dust sheet,40,2.00%,52,1.50%,100.00%,5,12.50%,£45.00,5\n")
    p = write("br.csv", text)
    r = business.read_business_report(p)
    d = r.data
    assert d["sessions"].iloc[0] == 40 and d["page_views"].iloc[0] == 52
    assert d["unit_session_pct"].iloc[0] == pytest.approx(0.125)  # 5 / 40
    assert d["ordered_product_sales"].iloc[0] == pytest.approx(45.0)
    # £ is used by one marketplace only
    assert d["currency"].iloc[0] == "GBP" and d["marketplace"].iloc[0] == "UK"


def test_currency_symbol_disagreeing_with_marketplace_warns(write):
    text = "(Parent) ASIN,Units Ordered,Ordered Product Sales\nB0P,1,€9.99\n"
    r = business.read_business_report(write("br.csv", text), marketplace="US")
    assert r.data["currency"].iloc[0] == "EUR"
    assert any("EUR" in w for w in r.warnings)


def test_by_date_csv_day_first_and_decimal_comma(write):
    header = ("Date,Ordered Product Sales,Ordered Product Sales - B2B,Units Ordered,"
              "Units Ordered - B2B,Total Order Items,Total Order Items - B2B,Page Views - Total,"
              "Sessions - Total,Featured Offer (Buy Box) Percentage,Unit Session Percentage,"
              "Units Refunded")
    rows = ['01/02/2025,"1.234,50 €","0,00 €",20,0,18,0,"1.500",400,"97,50 %","5,00 %",1',
            '02/02/2025,"99,00 €","0,00 €",3,0,3,0,120,60,"100,00 %","5,00 %",0']
    p = write("by-date.csv", header + "\n" + "\n".join(rows) + "\n")
    assert detect_file(p).report_type == "business_report_by_date"
    r = business.read_business_report_by_date(p, marketplace="DE")
    assert r.rejected == 0
    d = r.data
    # DE is day-first: 01/02/2025 is 1 February
    assert d["report_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-01", "2025-02-02"]
    assert d["ordered_product_sales"].tolist() == pytest.approx([1234.50, 99.0])
    assert d["page_views"].tolist() == [1500, 120]
    assert d["buy_box_pct"].tolist() == pytest.approx([0.975, 1.0])
    assert d["unit_session_pct"].tolist() == pytest.approx([0.05, 0.05])  # 20/400, 3/60
    assert d["units_refunded"].tolist() == [1, 0]
    assert d["currency"].tolist() == ["EUR", "EUR"]


def test_csv_bad_rows_quarantined(write):
    text = ("(Parent) ASIN,(Child) ASIN,Sessions - Total,Units Ordered,Ordered Product Sales\n"
            "B0P,B0C1,10,1,$5.00\n"
            "B0P,B0C2,10,-2,$5.00\n"
            "B0P,B0C3,ten,1,$5.00\n")
    r = business.read_business_report(write("br.csv", text))
    assert (r.rows_read, r.accepted, r.rejected) == (3, 1, 2)
    assert r.quarantine["line"].tolist() == [3, 4]
    assert r.quarantine["reason"].iloc[0].startswith("negative value")
    assert r.quarantine["reason"].iloc[1] == "not a number (int)"


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------

DOC = {
    "reportSpecification": {"reportType": "GET_SALES_AND_TRAFFIC_REPORT",
                            "reportOptions": {"dateGranularity": "DAY", "asinGranularity": "SKU"},
                            "dataStartTime": "2025-03-01", "dataEndTime": "2025-03-02",
                            "marketplaceIds": ["A1F83G8C2ARO7P"]},
    "salesAndTrafficByDate": [
        {"date": "2025-03-01",
         "salesByDate": {"orderedProductSales": {"amount": 120.5, "currencyCode": "GBP"},
                         "unitsOrdered": 10, "totalOrderItems": 9, "unitsRefunded": 1,
                         "refundRate": 10.0},
         "trafficByDate": {"pageViews": 150, "sessions": 80, "buyBoxPercentage": 95.0,
                           "unitSessionPercentage": 12.5}},
    ],
    "salesAndTrafficByAsin": [
        {"parentAsin": "B0P", "childAsin": "B0C", "sku": "S-1",
         "salesByAsin": {"unitsOrdered": 4, "totalOrderItems": 4,
                         "orderedProductSales": {"amount": 40.0, "currencyCode": "GBP"}},
         "trafficByAsin": {"sessions": 16, "pageViews": 20, "buyBoxPercentage": 100.0,
                           "unitSessionPercentage": 25.0}},
        {"parentAsin": "B0P", "childAsin": "B0D", "sku": "S-2",
         "salesByAsin": {"unitsOrdered": -1, "totalOrderItems": 0,
                         "orderedProductSales": {"amount": 0.0, "currencyCode": "GBP"}},
         "trafficByAsin": {"sessions": 3, "pageViews": 3}},
    ],
}


def test_json_gz_both_sections(tmp_path):
    p = tmp_path / "salesAndTraffic.json.gz"
    p.write_bytes(gzip.compress(json.dumps(DOC).encode()))
    assert detect_file(p).report_type == "sales_traffic_json"
    r = business.read_sales_traffic_json(p)
    assert r.report_type == "sales_traffic_json"
    assert (r.rows_read, r.accepted, r.rejected) == (3, 2, 1)
    # records are numbered by-date first, then by-ASIN: the bad one is record 3
    assert r.quarantine["line"].tolist() == [3]
    d = r.data
    day, asin = d.iloc[0], d.iloc[1]
    assert day["report_date"] == pd.Timestamp("2025-03-01") and pd.isna(asin["report_date"])
    assert day["unit_session_pct"] == pytest.approx(0.125)  # 12.5 (0-100) -> fraction
    assert day["buy_box_pct"] == pytest.approx(0.95)
    assert day["ordered_product_sales"] == 120.5 and day["currency"] == "GBP"
    assert day["units_refunded"] == 1 and day["sessions"] == 80
    assert (asin["parent_asin"], asin["child_asin"], asin["sku"]) == ("B0P", "B0C", "S-1")
    assert asin["unit_session_pct"] == pytest.approx(0.25)
    assert (d["marketplace"] == "UK").all()  # from marketplaceIds


def test_json_wrong_document(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"performanceMetrics": []}))
    with pytest.raises(WrongReportError, match="salesAndTrafficByDate"):
        business.read_sales_traffic_json(p)


# ---------------------------------------------------------------------------------------------
# Amazon's schema examples (sp-api-schema-examples; synthetic, with known inconsistencies)
# ---------------------------------------------------------------------------------------------

EXAMPLES = ("sp-api-schema-examples",)


def _example(name):
    path = realdata(*EXAMPLES, f"sales-and-traffic-report.{name}.example.json")
    return json.loads(path.read_text()), business.read_sales_traffic_json(path)


@pytest.mark.parametrize("name,n_dates,units_by_date", [
    ("day-sku", 4, 23 + 18 + 25 + 31),
    ("week-child", 2, 41 + 56),
    ("month-parent", 1, 590),
])
def test_schema_examples_parse(name, n_dates, units_by_date):
    doc, r = _example(name)
    assert r.rejected == 0
    assert r.rows_read == n_dates + len(doc["salesAndTrafficByAsin"]) == r.accepted
    d = r.data
    dated = d[d["report_date"].notna()]
    assert len(dated) == n_dates
    assert dated["units_ordered"].sum() == units_by_date
    # by-ASIN rows: 1 + 3 + 3 units in all three examples
    assert d.loc[d["report_date"].isna(), "units_ordered"].sum() == 7
    assert (d["marketplace"] == "US").all() and (d["currency"] == "USD").all()


def test_schema_example_day_sku_values():
    doc, r = _example("day-sku")
    d = r.data
    first = d.iloc[0]
    assert first["report_date"] == pd.Timestamp("2021-06-11")
    assert first["sessions"] == 1000 and first["page_views"] == 1658
    assert first["unit_session_pct"] == pytest.approx(0.0254)  # 2.54 in the file
    assert first["buy_box_pct"] == pytest.approx(0.1054)
    assert first["ordered_product_sales"] == pytest.approx(238.44)
    assert first["units_refunded"] == 1
    # the 2021-06-14 row has the typo key "browerPageViews"; pageViews (total) is intact
    assert d.iloc[3]["page_views"] == 2000
    asins = d[d["report_date"].isna()]
    assert asins["sku"].tolist() == ["AB-1C2D-EFGH", "CD-2E3F-GHIJ", "EF-3G4H-IJKL"]
    assert asins["unit_session_pct"].tolist() == pytest.approx([0.0769, 0.375, 3.0])
    assert asins["ordered_product_sales"].sum() == pytest.approx(16.79 + 26.25 + 45.0)


def test_schema_example_parent_granularity_has_no_child():
    _, r = _example("month-parent")
    asins = r.data[r.data["report_date"].isna()]
    assert asins["child_asin"].isna().all() and asins["parent_asin"].notna().all()
    assert any("MONTH" in w for w in r.warnings)
