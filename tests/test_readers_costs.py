"""Unit-cost CSV, stock sheet and price sheet readers, on small fixtures and on the two real
side files of ../shared/realdata/amazon-in-sales-report (counted independently with csv)."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pandas as pd
import pytest
from conftest import realdata

from postship_analysis import contract
from postship_analysis.readers.costs import read_price_sheet, read_stock_sheet, read_unit_costs
from postship_analysis.readers.detect import detect_file

UC_HEADER = "sku,marketplace,currency,price,cogs,fba-fee,referral-fee-pct,other-cost-per-unit"


@pytest.fixture
def unit_costs(write):
    text = "\n".join([
        UC_HEADER,
        "MUG-01,US,USD,19.99,4.10,3.22,0.15,0.35",
        'MUG-01,DE,EUR,"18,99","3,80","2,95",15%,"0,30"',
        "MUG-02,Amazon.co.uk,,14.50,3.00,2.80,15%,",
        "MUG-03,A1PA6795UKMFR9,,1.234,1,1,8%,",
        "MUG-04,XX,,10,1,1,0.15,",
        "MUG-05,US,,10,1,1,15,",
        "MUG-06,US,,10,-1,1,0.15,",
        "MUG-01,us,USD,19.99,4.10,3.22,0.15,0.35",
        "MUG-07,,,10,2,,,",
    ]) + "\n"
    return write("unit_costs.csv", text)


def test_unit_costs_values(unit_costs):
    res = read_unit_costs(unit_costs)
    assert res.rows_read == 9 and res.accepted + res.rejected == 9
    contract.validate(res.data, "unit_costs")
    d = res.data.set_index(["sku", "marketplace"])
    # points and commas in one column, each value read with its own separator
    assert d.loc[("MUG-01", "US"), "price"] == 19.99
    assert d.loc[("MUG-01", "DE"), "price"] == 18.99
    assert d.loc[("MUG-01", "DE"), "cogs"] == 3.80
    assert d.loc[("MUG-01", "DE"), "other_cost"] == 0.30
    # "1.234" is undecidable: its row's marketplace (DE, by Amazon id) reads it as 1234
    assert d.loc[("MUG-03", "DE"), "price"] == 1234.0
    # referral fee as a fraction or with a % sign
    assert d.loc[("MUG-01", "US"), "referral_fee_pct"] == 0.15
    assert d.loc[("MUG-01", "DE"), "referral_fee_pct"] == 0.15
    assert d.loc[("MUG-03", "DE"), "referral_fee_pct"] == 0.08
    # currency from the marketplace where blank
    assert d.loc[("MUG-02", "UK"), "currency"] == "GBP"
    assert d.loc[("MUG-03", "DE"), "currency"] == "EUR"
    # blank marketplace: the default (US)
    assert d.loc[("MUG-07", "US"), "cogs"] == 2.0
    assert pd.isna(d.loc[("MUG-07", "US"), "fba_fee"])


def test_unit_costs_marketplace_argument(unit_costs):
    d = read_unit_costs(unit_costs, marketplace="FR").data
    # the row's own marketplace wins; the argument applies to the blank one
    assert set(d["marketplace"]) == {"US", "DE", "UK", "FR"}
    assert d.loc[d["sku"] == "MUG-07", "currency"].iloc[0] == "EUR"


def test_unit_costs_quarantine(unit_costs):
    q = read_unit_costs(unit_costs).quarantine
    assert q["line"].tolist() == [6, 7, 8, 9]
    assert q.loc[0, "column"] == "marketplace" and q.loc[0, "value"] == "XX"
    assert "unknown marketplace" in q.loc[0, "reason"]
    assert q.loc[1, "column"] == "referral-fee-pct" and "15%" in q.loc[1, "reason"]
    assert q.loc[2, "column"] == "cogs" and "negative" in q.loc[2, "reason"]
    # "us" is the same marketplace as "US" on line 2
    assert q.loc[3, "reason"] == "duplicate of line 2"


def test_unit_costs_detected(unit_costs):
    assert detect_file(unit_costs).report_type == "unit_costs"


# ---------------------------------------------------------------------------------------------
# Stock sheet and price sheet: small fixtures in the real files' layouts
# ---------------------------------------------------------------------------------------------


def test_stock_sheet_fixture(write):
    p = write("stock.csv", "\n".join([
        "index,SKU Code,Design No.,Stock,Category,Size,Color",
        "0,AN201-RED-L,AN201,5.0,AN : LEGGINGS,L,Red",
        "1,AN201-RED-M,AN201,0.0,AN : LEGGINGS,M,Red",
        "2,#REF!,BL021,0.0,BLOUSE,FREE,Black",
        "3,,BL086,1.0,BLOUSE,FREE,Blue",
        "4,,,,,,",
        "5,AN201-RED-L,AN201X,7.0,AN : LEGGINGS,L,Red",
        "6,AN201-RED-S,AN201,2.5,AN : LEGGINGS,S,Red",
    ]) + "\n")
    res = read_stock_sheet(p, marketplace="IN")
    assert res.rows_read == 7 and res.accepted + res.rejected == 7
    assert res.blank_lines == 0  # "4,,,,,," has a value (the index): a row, not a blank line
    contract.validate(res.data, "stock_levels")
    assert res.data[["sku", "stock"]].values.tolist() == [["AN201-RED-L", 5], ["AN201-RED-M", 0]]
    q = res.quarantine
    assert q["line"].tolist() == [4, 5, 6, 7, 8]
    assert "#REF!" in q.loc[0, "reason"] and q.loc[0, "column"] == "SKU Code"
    assert q.loc[1, "column"] == "SKU Code" and q.loc[1, "reason"] == "missing value"
    assert q.loc[2, "reason"] == "missing value"  # "4,,,,,,": a row with no SKU
    assert q.loc[3, "reason"] == "duplicate of line 2"
    assert q.loc[4, "column"] == "Stock" and "whole number" in q.loc[4, "reason"]
    assert detect_file(p).report_type == "stock_sheet"


def test_price_sheet_fixture(write):
    head = ("index,Sku,Style Id,Catalog,Category,Weight,TP,MRP Old,Final MRP Old,Ajio MRP,"
            "Amazon MRP,Amazon FBA MRP,Flipkart MRP,Limeroad MRP,Myntra MRP,Paytm MRP,Snapdeal MRP")
    p = write("May-2022.csv", "\n".join([
        head,
        "0,Os206_3141_S,Os206_3141,Moments,Kurta,0.3,538,2178,2295,2295,2295,2295,2295,2295,"
        "2295,2295,2295",
        "1,Os206_3141_M,Os206_3141,Moments,Kurta,0.3,538,2178,2295,2295,Nill,2295,2295,2295,"
        "2295,2295,2295",
        "2,Os207_1,Os207,Moments,Kurta,0.3,#VALUE!,2178,2295,2295,2295,2295,2295,2295,2295,"
        "2295,2295",
    ]) + "\n")
    res = read_price_sheet(p)
    assert res.rows_read == 3 and res.accepted + res.rejected == 3
    contract.validate(res.data, "unit_costs")
    d = res.data
    assert d["sku"].tolist() == ["Os206_3141_S", "Os206_3141_M"]
    assert d["cogs"].tolist() == [538.0, 538.0]
    assert d.loc[0, "price"] == 2295.0 and pd.isna(d.loc[1, "price"])
    assert set(d["currency"]) == {"INR"} and set(d["marketplace"]) == {"IN"}
    assert res.quarantine["line"].tolist() == [4]
    assert res.quarantine.loc[0, "column"] == "TP"
    assert "#VALUE!" in res.quarantine.loc[0, "reason"]
    assert any("1 SKU(s) without an Amazon MRP" in w for w in res.warnings)
    assert detect_file(p).report_type == "price_sheet"


# ---------------------------------------------------------------------------------------------
# Real files (counted independently with the csv module)
# ---------------------------------------------------------------------------------------------

NUM = re.compile(r"^\d+(?:\.\d+)?$")


def csv_rows(path):
    """(physical line number, row dict) for every data row."""
    with open(path, newline="", encoding="utf-8") as fh:
        r = csv.DictReader(fh)
        return [(r.line_num, row) for row in r]


def test_real_stock_sheet():
    path = realdata("amazon-in-sales-report", "Sale Report.csv")
    rows = csv_rows(path)
    res = read_stock_sheet(path, marketplace="IN")
    assert res.rows_read == len(rows)
    assert res.accepted + res.rejected == len(rows)
    # every blank Stock value is accounted for in the quarantine, by line
    blank_stock = {ln for ln, r in rows if not r["Stock"].strip()}
    assert len(blank_stock) == 36
    assert blank_stock <= set(res.quarantine["line"].astype(int))
    # accepted: a real SKU (not blank, not #REF!), a whole non-negative Stock, first occurrence
    good = [(r["SKU Code"], int(float(r["Stock"]))) for _, r in rows
            if r["SKU Code"].strip() and r["SKU Code"] != "#REF!" and NUM.match(r["Stock"])
            and float(r["Stock"]).is_integer()]
    seen, expected = set(), []
    for sku, stock in good:
        if sku not in seen:
            seen.add(sku)
            expected.append((sku, stock))
    assert res.accepted == len(expected)
    assert sorted(res.data[["sku", "stock"]].itertuples(index=False, name=None)) == \
        sorted(expected)


def test_real_price_sheet():
    path = realdata("amazon-in-sales-report", "May-2022.csv")
    rows = csv_rows(path)
    res = read_price_sheet(path)
    assert res.rows_read == len(rows) == 1330
    assert res.accepted + res.rejected == len(rows)
    ok = [r for _, r in rows if NUM.match(r["TP"])]
    assert res.accepted == len(ok)
    assert res.data["cogs"].sum() == pytest.approx(sum(float(r["TP"]) for r in ok))
    no_price = Counter(NUM.match(r["Amazon MRP"]) is None for r in ok)[True]
    assert int(res.data["price"].isna().sum()) == no_price
    bad_tp_lines = {ln for ln, r in rows if not NUM.match(r["TP"])}
    assert set(res.quarantine["line"].astype(int)) == bad_tp_lines
