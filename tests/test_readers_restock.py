"""Restock Inventory report reader (domain.md §4c header, written here as fixtures)."""

from __future__ import annotations

import pandas as pd
import pytest

from postship_analysis import contract
from postship_analysis.readers.detect import detect_file
from postship_analysis.readers.restock import read_restock

RESTOCK_30 = [
    "Country", "Product Name", "FNSKU", "Merchant SKU", "ASIN", "Condition", "Supplier",
    "Supplier part no.", "Currency code", "Price", "Sales last 30 days",
    "Units Sold Last 30 Days", "Total Units", "Inbound", "Available", "FC transfer",
    "FC Processing", "Customer Order", "Unfulfillable", "Working", "Shipped", "Receiving",
    "Fulfilled by", "Total Days of Supply (including units from open shipments)",
    "Days of Supply at Amazon Fulfillment Network", "Alert", "Recommended replenishment qty",
    "Recommended ship date", "Recommended action", "Unit storage size",
]
OPTIONAL = {"Recommended action", "Unit storage size",
            "Total Days of Supply (including units from open shipments)",
            "Days of Supply at Amazon Fulfillment Network"}
RESTOCK_26 = [h for h in RESTOCK_30 if h not in OPTIONAL]


def tsv(header, rows):
    lines = ["\t".join(header)]
    lines += ["\t".join(str(r.get(h, "")) for h in header) for r in rows]
    return "\n".join(lines) + "\n"


def row(sku, **kw):
    r = {"Country": "US", "Product Name": "Garden hose 15 m", "FNSKU": "X00" + sku,
         "Merchant SKU": sku, "ASIN": "B0" + sku, "Condition": "New", "Supplier": "",
         "Supplier part no.": "", "Currency code": "USD", "Price": "24.99",
         "Sales last 30 days": "1,249.50", "Units Sold Last 30 Days": "50", "Total Units": "35",
         "Inbound": "20", "Available": "12", "FC transfer": "2", "FC Processing": "1",
         "Customer Order": "0", "Unfulfillable": "0", "Working": "20", "Shipped": "0",
         "Receiving": "0", "Fulfilled by": "Amazon",
         "Total Days of Supply (including units from open shipments)": "21",
         "Days of Supply at Amazon Fulfillment Network": "9", "Alert": "reorder_now",
         "Recommended replenishment qty": "60", "Recommended ship date": "04/07/2026",
         "Recommended action": "Create shipment", "Unit storage size": "Standard"}
    r.update(kw)
    return r


def test_restock_us_full_header(write):
    p = write("Restock Inventory Recommendations.txt",
              tsv(RESTOCK_30, [row("H-15"), row("H-30", **{"Alert": "out_of_stock",
                                                            "Available": "0"})]))
    res = read_restock(p, seller_id="acme", marketplace="US")
    assert (res.rows_read, res.accepted, res.rejected) == (2, 2, 0)
    contract.validate(res.data, "restock")
    d = res.data.set_index("sku").loc["H-15"]
    assert d["recommended_ship_date"] == pd.Timestamp("2026-04-07")  # US: month first
    assert d["sales_last_30d"] == pytest.approx(1249.50)  # money, not units
    assert d["units_sold_last_30d"] == 50
    assert d["price"] == pytest.approx(24.99) and d["currency"] == "USD"
    # Total Units = Available + Inbound + FC transfer + FC processing + customer order
    assert d["available"] + d["inbound"] + d["fc_transfer"] + d["fc_processing"] + \
        d["customer_order"] == d["total_units"] == 35
    assert (d["working"], d["shipped"], d["receiving"]) == (20, 0, 0)
    assert d["recommended_qty"] == 60 and d["days_of_supply"] == 21.0
    assert d["alert"] == "reorder_now" and d["recommended_action"] == "Create shipment"
    assert d["fulfilled_by"] == "Amazon" and d["product_name"] == "Garden hose 15 m"
    assert res.data.set_index("sku").loc["H-30", "alert"] == "out_of_stock"
    assert detect_file(p).report_type == "restock_report"


def test_restock_de_cp1252_decimal_comma_day_first(write):
    r = row("K-1", **{"Country": "DE", "Product Name": "Kühlbox 25 l", "Currency code": "EUR",
                      "Price": "49,90", "Sales last 30 days": "1.497,00",
                      "Recommended ship date": "04/07/2026"})
    p = write("Restock Inventory Recommendations.txt", tsv(RESTOCK_30, [r]), encoding="cp1252")
    assert "ü".encode("cp1252") in p.read_bytes()  # really not UTF-8
    res = read_restock(p, marketplace="DE")
    assert (res.accepted, res.rejected) == (1, 0)
    d = res.data.iloc[0]
    assert d["product_name"] == "Kühlbox 25 l"
    assert d["price"] == pytest.approx(49.90)
    assert d["sales_last_30d"] == pytest.approx(1497.00)
    assert d["recommended_ship_date"] == pd.Timestamp("2026-07-04")  # DE: day first
    assert d["marketplace"] == "DE" and d["currency"] == "EUR"


def test_restock_header_without_optional_columns(write):
    p = write("restock.txt", tsv(RESTOCK_26, [row("H-15")]))
    res = read_restock(p)
    assert (res.accepted, res.rejected) == (1, 0)
    d = res.data.iloc[0]
    assert pd.isna(d["recommended_action"]) and pd.isna(d["days_of_supply"])
    assert d["recommended_qty"] == 60 and d["available"] == 12
    contract.validate(res.data, "restock")


def test_restock_country_column_decides_marketplace(write):
    # a UK file read without a marketplace: Country GB -> UK, dates day-first
    p = write("restock.txt", tsv(RESTOCK_30, [row("H-15", Country="GB", **{
        "Currency code": "GBP", "Recommended ship date": "04/07/2026"})]))
    d = read_restock(p).data.iloc[0]
    assert d["marketplace"] == "UK"
    assert d["recommended_ship_date"] == pd.Timestamp("2026-07-04")


def test_restock_negative_and_missing_values_quarantined(write):
    rows = [row("H-15"), row("H-16", Available="-3"), row("", Available="4")]
    p = write("restock.txt", tsv(RESTOCK_30, rows))
    res = read_restock(p)
    assert (res.rows_read, res.accepted, res.rejected) == (3, 1, 2)
    q = res.quarantine.set_index("line")
    # core names the column by its normalised header (lower case)
    assert q.loc[3, "column"] == "available" and "negative" in q.loc[3, "reason"]
    assert q.loc[3, "value"] == "-3"
    assert q.loc[4, "column"] == "merchant sku" and q.loc[4, "reason"] == "missing value"
