"""Malformed-input suite, run against the All Orders reader.

Every fixture starts from the exact 33-column All Orders header of domain.md §4a.3 (2025-2026
files). Each case checks the behaviour promised in core's docstring: bad rows are quarantined
with file, line, column and reason; whole-file problems raise an error naming the file; and
``accepted + rejected == rows_read`` always.
"""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from postship_analysis.errors import (
    EmptyFileError,
    InputFileError,
    MissingColumnsError,
    WrongReportError,
)
from postship_analysis.readers.orders import read_all_orders

HEADER = (
    "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\t"
    "fulfillment-channel\tsales-channel\torder-channel\tship-service-level\tproduct-name\tsku\t"
    "asin\titem-status\tquantity\tcurrency\titem-price\titem-tax\tshipping-price\tshipping-tax\t"
    "gift-wrap-price\tgift-wrap-tax\titem-promotion-discount\tship-promotion-discount\t"
    "ship-city\tship-state\tship-postal-code\tship-country\tpromotion-ids\tcpf\t"
    "is-business-order\tpurchase-order-number\tprice-designation\t"
    "signature-confirmation-recommended"
).split("\t")
assert len(HEADER) == 33

BASE = {
    "amazon-order-id": "111-0000001-0000001", "purchase-date": "2025-01-15T08:12:33+00:00",
    "last-updated-date": "2025-01-16T10:00:00+00:00", "order-status": "Shipped",
    "fulfillment-channel": "Merchant", "sales-channel": "Amazon.com",
    "ship-service-level": "Standard", "product-name": "Mug, white", "sku": "MUG-01",
    "asin": "B000000001", "item-status": "Shipped", "quantity": "1", "currency": "USD",
    "item-price": "19.99", "item-tax": "1.60", "shipping-price": "0.00", "shipping-tax": "0.00",
    "item-promotion-discount": "0.00", "ship-promotion-discount": "0.00", "ship-city": "Seattle",
    "ship-state": "WA", "ship-postal-code": "02101", "ship-country": "US",
    "is-business-order": "false", "signature-confirmation-recommended": "false",
}


def row(i: int = 1, **kw) -> dict:
    r = {h: "" for h in HEADER}
    r.update(BASE)
    r["amazon-order-id"] = f"111-0000001-{i:07d}"
    r.update({k.replace("_", "-"): v for k, v in kw.items()})
    return r


def flat(rows, sep="\t", header=HEADER, quote=False) -> str:
    def cell(v):
        if quote and (sep in v or '"' in v):
            return '"' + v.replace('"', '""') + '"'
        return v

    lines = [sep.join(cell(h) for h in header)]
    lines += [sep.join(cell(r.get(h, "")) for h in header) for r in rows]
    return "\n".join(lines) + "\n"


def read(path, **kw):
    res = read_all_orders(path, **kw)
    assert res.accepted + res.rejected == res.rows_read
    return res


THREE = [row(1), row(2, sku="MUG-02", quantity="2", **{"item-price": "39.98"}),
         row(3, sku="MUG-03", **{"item-price": "5.00"})]


# ---------------------------------------------------------------------------------------------
# Header problems
# ---------------------------------------------------------------------------------------------


def test_missing_required_column(write):
    header = [h for h in HEADER if h != "sku"]
    p = write("All Orders no sku.txt", flat(THREE, header=header))
    with pytest.raises(MissingColumnsError) as e:
        read_all_orders(p)
    msg = str(e.value)
    assert "All Orders no sku.txt" in msg and "'sku'" in msg
    assert e.value.missing == ["sku"]


def test_wrong_report_given(write):
    restock = ("Country\tProduct Name\tFNSKU\tMerchant SKU\tASIN\tCondition\tSupplier\t"
               "Supplier part no.\tCurrency code\tPrice\tSales last 30 days\t"
               "Units Sold Last 30 Days\tTotal Units\tInbound\tAvailable\tFC transfer\t"
               "FC Processing\tCustomer Order\tUnfulfillable\tWorking\tShipped\tReceiving\t"
               "Fulfilled by\tTotal Days of Supply (including units from open shipments)\t"
               "Days of Supply at Amazon Fulfillment Network\tAlert\t"
               "Recommended replenishment qty\tRecommended ship date\tRecommended action\t"
               "Unit storage size\n"
               "US\tMug\tX001\tMUG-01\tB000000001\tNew\t\t\tUSD\t19.99\t199.90\t10\t5\t0\t5\t0\t0"
               "\t0\t0\t0\t0\t0\tAmazon\t15\t15\treorder_now\t20\t04/07/2026\tReplenish\tStandard\n")
    p = write("restock.txt", restock)
    with pytest.raises((WrongReportError, MissingColumnsError)) as e:
        read_all_orders(p)
    assert "restock.txt" in str(e.value)


# ---------------------------------------------------------------------------------------------
# Delimiters and encodings: the same rows as the tab-delimited UTF-8 original
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def original(write):
    return read(write("orig.txt", flat(THREE))).data


@pytest.mark.parametrize("sep", [";", ","])
def test_other_delimiter_reads_same_rows(write, original, sep):
    res = read(write(f"copy{sep!r}.csv", flat(THREE, sep=sep, quote=True)))
    assert res.delimiter == sep
    pd.testing.assert_frame_equal(res.data, original)
    assert res.data.loc[0, "product_name"] == "Mug, white"
    assert res.data.loc[0, "ship_postal_code"] == "02101"


def test_utf8_bom(write, original):
    res = read(write("bom.txt", codecs.BOM_UTF8 + flat(THREE).encode("utf-8")))
    pd.testing.assert_frame_equal(res.data, original)  # first column found despite the BOM


def test_utf16_le_bom(write, original):
    res = read(write("u16.txt", codecs.BOM_UTF16_LE + flat(THREE).encode("utf-16-le")))
    assert res.encoding.startswith("utf-16")
    pd.testing.assert_frame_equal(res.data, original)


def test_cp1252_accent(write):
    rows = [row(1, **{"product-name": "Tasse à café émaillée", "ship-city": "Montréal"}),
            row(2, **{"product-name": "Crème brûlée set", "ship-city": "Québec"})]
    res = read(write("cp1252.txt", flat(rows).encode("cp1252")))
    assert res.data["product_name"].tolist() == ["Tasse à café émaillée", "Crème brûlée set"]
    assert res.data["ship_city"].tolist() == ["Montréal", "Québec"]


def test_shift_jis_japanese(write):
    rows = [row(1, **{"sales-channel": "Amazon.co.jp", "currency": "JPY", "item-price": "2400",
                      "product-name": "緑茶 ティーバッグ 100個入り", "ship-city": "東京都"}),
            row(2, **{"sales-channel": "Amazon.co.jp", "currency": "JPY", "item-price": "1200",
                      "product-name": "急須 南部鉄器", "ship-city": "大阪府"})]
    res = read(write("jp.txt", flat(rows).encode("shift_jis")))
    assert res.data["product_name"].tolist() == ["緑茶 ティーバッグ 100個入り", "急須 南部鉄器"]
    assert res.data["item_price"].tolist() == [2400.0, 1200.0]
    assert set(res.data["marketplace"]) == {"JP"}


def test_decimal_comma_de(write):
    rows = [row(1, **{"sales-channel": "Amazon.de", "currency": "EUR", "item-price": "1.234,56",
                      "item-tax": "197,11"}),
            row(2, **{"sales-channel": "Amazon.de", "currency": "EUR", "item-price": "12,99",
                      "item-tax": "2,07"})]
    res = read(write("de.txt", flat(rows)), marketplace="DE")
    assert res.data["item_price"].tolist() == [1234.56, 12.99]
    assert res.data["item_tax"].tolist() == [197.11, 2.07]
    assert set(res.data["marketplace"]) == {"DE"}


# ---------------------------------------------------------------------------------------------
# Row problems: quarantined with line, column and reason
# ---------------------------------------------------------------------------------------------


def test_duplicate_rows(write):
    rows = [row(1), row(2), row(1), row(3), row(2)]  # lines 2..6
    res = read(write("dup.txt", flat(rows)))
    assert res.rows_read == 5 and res.accepted == 3
    q = res.quarantine
    assert q["line"].tolist() == [4, 6]
    assert q["reason"].tolist() == ["duplicate of line 2", "duplicate of line 3"]


def test_negative_quantity(write):
    res = read(write("neg.txt", flat([row(1), row(2, quantity="-2"), row(3)])))
    assert res.accepted == 2
    q = res.quarantine
    assert q["line"].tolist() == [3]
    assert q.loc[0, "column"] == "quantity"
    assert "negative" in q.loc[0, "reason"] and q.loc[0, "value"] == "-2"


def test_unparseable_date(write):
    res = read(write("date.txt", flat([row(1), row(2, **{"purchase-date": "yesterday-ish"}),
                                        row(3)])))
    assert res.accepted == 2
    q = res.quarantine
    assert q["line"].tolist() == [3]
    assert q.loc[0, "column"] == "purchase-date"
    assert q.loc[0, "reason"] == "unparseable date"
    assert q.loc[0, "value"] == "yesterday-ish"


def test_formula_in_a_number_column_is_not_a_number(write):
    # "=1+1" once became 11 (every non-digit was stripped); now it is quarantined as it is
    rows = [row(1), row(2, **{"item-price": "=1+1"}), row(3, **{"item-price": "@SUM(1,1)"}),
            row(4, **{"item-price": "$1,234.50"})]
    res = read(write("formula.txt", flat(rows)))
    assert res.accepted == 2 and res.data["item_price"].tolist() == [19.99, 1234.5]
    q = res.quarantine
    assert q["line"].tolist() == [3, 4] and set(q["column"]) == {"item-price"}
    assert q["value"].tolist() == ["=1+1", "@SUM(1,1)"]
    assert set(q["reason"]) == {"not a number (money)"}


def test_truncated_last_line(write):
    text = flat(THREE)
    cut = text.rstrip("\n").rsplit("\t", 20)[0]  # last line loses its final 20 fields
    res = read(write("trunc.txt", cut))
    assert res.rows_read == 3 and res.accepted == 2
    q = res.quarantine
    assert q["line"].tolist() == [4]
    assert "expected 33 fields" in q.loc[0, "reason"]


def test_blank_line_in_the_middle(write):
    lines = flat(THREE).split("\n")
    text = "\n".join(lines[:2] + [""] + lines[2:])  # blank line 3
    res = read(write("blank.txt", text))
    assert res.rows_read == 3 and res.accepted == 3 and res.blank_lines == 1
    assert res.rejected == 0


# ---------------------------------------------------------------------------------------------
# Empty files
# ---------------------------------------------------------------------------------------------


def test_zero_byte_file(write):
    p = write("empty.txt", b"")
    with pytest.raises(EmptyFileError) as e:
        read_all_orders(p)
    assert "empty.txt" in str(e.value)


def test_whitespace_only_file(write):
    p = write("spaces.txt", "  \n\t\n \r\n")
    with pytest.raises(EmptyFileError) as e:
        read_all_orders(p)
    assert "spaces.txt" in str(e.value)


def test_header_only(write):
    res = read(write("header.txt", flat([])))
    assert res.rows_read == 0 and res.accepted == 0 and res.rejected == 0
    assert any("header only" in w for w in res.warnings)
    assert list(res.data.columns)[:2] == ["seller_id", "marketplace"]


def test_errors_are_input_file_errors():
    assert issubclass(EmptyFileError, InputFileError)
    assert issubclass(MissingColumnsError, InputFileError)


# ---------------------------------------------------------------------------------------------
# Core bugs found while writing this suite (fixed in core; these keep them fixed)
# ---------------------------------------------------------------------------------------------


def test_row_with_values_only_in_unread_columns_is_a_row(write):
    empty = {h: "" for h in HEADER}
    empty["gift-wrap-price"] = "4.99"
    res = read(write("phantom.txt", flat([row(1), empty, row(3)])))
    assert res.rows_read == 3
    assert res.blank_lines == 0
    assert res.quarantine["line"].tolist() == [3]


def test_duplicate_of_a_quarantined_row_is_accepted(write):
    # same key (order, sku, last-updated, status, quantity, price); only purchase-date differs
    res = read(write("dupbad.txt", flat([row(1, **{"purchase-date": "not a date"}), row(1)])))
    assert res.accepted == 1
    assert res.quarantine["reason"].tolist() == ["unparseable date"]
