"""Malformed-input suite, run against the All Orders reader.

Every fixture starts from the exact 33-column All Orders header of domain.md §4a.3 (2025-2026
files). Each case checks the behaviour promised in core's docstring: bad rows are quarantined
with file, line, column and reason; whole-file problems raise an error naming the file; and
``accepted + rejected == rows_read`` always.
"""

from __future__ import annotations

import codecs
from pathlib import Path

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


def test_duplicate_rows_by_the_real_key(write):
    # with order-item-id, a repeated (order-id, order-item-id) is a duplicate
    header = HEADER + ["order-item-id"]
    rows = [row(1, order_item_id="A"), row(2, order_item_id="B"), row(1, order_item_id="A"),
            row(3, order_item_id="C"), row(2, order_item_id="B"), row(4, order_item_id="")]
    rows.append(row(4, order_item_id=""))  # no item id: not a duplicate of line 7
    res = read(write("dup.txt", flat(rows, header=header)))
    assert res.rows_read == 7 and res.accepted == 5
    q = res.quarantine
    assert q["line"].tolist() == [4, 6]
    assert q["reason"].tolist() == ["duplicate of line 2", "duplicate of line 3"]
    assert q["column"].tolist() == ["amazon-order-id,order-item-id"] * 2


def test_identical_lines_without_item_id_are_two_units(write):
    # an order with two identical lines (two units of one SKU), in a layout without
    # order-item-id: both lines are real (before, the second was quarantined)
    rows = [row(1), row(2), row(1), row(3)]
    res = read(write("two units.txt", flat(rows)))
    assert res.rows_read == 4 and res.accepted == 4 and res.rejected == 0
    assert res.data.groupby("order_id")["quantity"].sum().tolist() == [2, 1, 1]


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
    # same key (order, order item); only purchase-date differs
    header = HEADER + ["order-item-id"]
    res = read(write("dupbad.txt", flat([row(1, order_item_id="A", **{"purchase-date":
                                                                        "not a date"}),
                                         row(1, order_item_id="A")], header=header)))
    assert res.accepted == 1
    assert res.quarantine["reason"].tolist() == ["unparseable date"]


# ---------------------------------------------------------------------------------------------
# Issue 9: input cases that slipped through
# ---------------------------------------------------------------------------------------------


def _jp_rows(n: int, n_jp: int):
    """``n`` rows whose last ``n_jp`` carry Japanese product names (the head is pure ASCII)."""
    names = ["緑茶 ティーバッグ 100個入り", "急須 南部鉄器", "抹茶 30g 宇治"]
    return [row(i, **{"sales-channel": "Amazon.co.jp", "currency": "JPY", "item-price": "1200",
                      "product-name": (names[i % 3] if i > n - n_jp else f"Tea set {i}")})
            for i in range(1, n + 1)]


@pytest.mark.parametrize("marketplace", [None, "JP"])
def test_shift_jis_after_an_ascii_head_is_not_garbled(write, marketplace):
    rows = _jp_rows(800, 40)  # 5 % Japanese rows, all after the first 64 KB
    raw = flat(rows).encode("cp932")
    assert raw[:1 << 16].isascii() and len(raw) > 1 << 17
    res = read(write("jp ascii head.txt", raw), marketplace=marketplace)
    assert res.accepted == 800 and res.encoding == "cp932"
    names = res.data["product_name"].tolist()
    assert names[-3:] == ["緑茶 ティーバッグ 100個入り", "急須 南部鉄器", "抹茶 30g 宇治"]
    assert names[0] == "Tea set 1"


def test_bytes_no_encoding_decodes_fail_loudly(write):
    lines = flat(THREE).encode("ascii").split(b"\n")
    lines[2] = lines[2].replace(b"Mug, white", b"Mug \x81\x7f white")  # no encoding decodes it
    p = write("garbled.txt", b"\n".join(lines))
    with pytest.raises(InputFileError) as e:
        read_all_orders(p)
    assert "garbled.txt" in str(e.value) and "first bad line 3" in str(e.value)


def _orders_with_dates(dates, channel="Amazon.de"):
    return [row(i, **{"purchase-date": d, "last-updated-date": "", "sales-channel": channel,
                      "currency": "EUR", "item-price": "12,99"})
            for i, d in enumerate(dates, 1)]


def test_day_month_decided_from_all_values_not_the_first_2000(write):
    # a column whose first 2,500 dates all have a day <= 12 and whose later ones say
    # month first (06/20/2026): before, the first 2,000 decided day-first (the DE convention)
    # and every later date was rejected
    dates = [f"06/{1 + i % 12:02d}/2026 10:00" for i in range(2500)] + \
        [f"06/{13 + i % 8:02d}/2026 10:00" for i in range(500)]
    res = read(write("de dates.txt", flat(_orders_with_dates(dates))), marketplace="DE")
    assert res.accepted == 3000 and res.rejected == 0 and res.warnings == []
    days = res.data["purchase_ts"].dt.tz_convert("Europe/Berlin").dt.day
    assert sorted(days.unique()) == list(range(1, 21))
    assert (res.data["purchase_ts"].dt.month == 6).all()


def test_ambiguous_dates_follow_the_convention_and_say_so(write):
    # a weekly download of days 1-7: every value fits DD/MM and MM/DD
    dates = [f"{d:02d}/05/2026 09:30" for d in range(1, 8)]
    res = read(write("week.txt", flat(_orders_with_dates(dates))), marketplace="DE")
    assert res.accepted == 7
    local = res.data["purchase_ts"].dt.tz_convert("Europe/Berlin")
    assert local.dt.strftime("%Y-%m-%d").tolist() == [f"2026-05-{d:02d}" for d in range(1, 8)]
    assert len(res.warnings) == 1
    w = res.warnings[0]
    assert "column 'purchase-date'" in w and "fits both day-first and month-first" in w
    assert "read day first, the DE marketplace's convention" in w


def test_mixed_date_formats_quarantine_the_minority(write):
    dates = ["2026-05-01 10:00:00", "2026-05-02 10:00:00", "05/03/2026 10:00:00",
             "2026-05-04 10:00:00", "yesterday"]
    res = read(write("mixed.txt", flat(_orders_with_dates(dates, "Amazon.com"))))
    assert res.accepted == 3 and res.rejected == 2
    q = res.quarantine
    assert q["line"].tolist() == [4, 6] and q["value"].tolist() == ["05/03/2026 10:00:00",
                                                                     "yesterday"]
    assert q["reason"].tolist() == [
        "date in another format than the rest of the column (ISO 8601)", "unparseable date"]


def test_mixed_day_first_and_month_first_values(write):
    dates = ["13/05/2026", "14/05/2026", "15/05/2026", "05/16/2026", "03/05/2026"]
    res = read(write("dmy mdy.txt", flat(_orders_with_dates(dates))), marketplace="DE")
    assert res.accepted == 4 and res.quarantine["line"].tolist() == [5]
    assert res.quarantine["reason"].iloc[0] == \
        "date in another format than the rest of the column (DD/MM/YYYY)"
    local = res.data["purchase_ts"].dt.tz_convert("Europe/Berlin").dt.strftime("%m-%d")
    assert local.tolist() == ["05-13", "05-14", "05-15", "05-03"]


def test_offset_dates_of_two_formats_in_one_column(write):
    dates = ["2026-05-01T10:00:00+00:00", "2026-05-02T10:00:00+00:00",
             "05/03/2026 10:00:00 PDT"]
    res = read(write("aware.txt", flat(_orders_with_dates(dates, "Amazon.com"))))
    assert res.accepted == 2 and res.quarantine["line"].tolist() == [4]
    assert "another format than the rest of the column" in res.quarantine["reason"].iloc[0]


@pytest.mark.parametrize("days", [4, 20])
def test_real_sale_report_re_dated_reads_the_right_days(tmp_path, days):
    """The real Amazon.in Sale Report (dates month first, 04-30-22) re-dated to May 1-4 or
    June 1-20 2022: read month first (the report's documented format) in IN, whose
    convention is day first. Before: May 1-4 became Jan 5 - Apr 5, and June 1-20 lost 2,293
    of 5,733 rows."""
    import csv
    import io

    from conftest import realdata

    from postship_analysis.readers.orders import read_sale_report

    src = realdata("amazon-in-sales-report", "Amazon Sale Report (first 5733 rows).csv")
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"))))
    col = rows[0].index("Date")
    month = 5 if days == 4 else 6
    for i, r in enumerate(rows[1:]):
        r[col] = f"{month:02d}-{1 + i % days:02d}-22"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    p = tmp_path / "Amazon Sale Report.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    res = read_sale_report(p, marketplace="IN")
    assert res.rows_read == 5733 and res.accepted == 5733 and res.rejected == 0
    assert res.warnings == []  # the documented format settles it: nothing ambiguous left
    local = res.data["purchase_ts"].dt.tz_convert("Asia/Kolkata")
    assert (local.dt.month == month).all() and (local.dt.year == 2022).all()
    expected = pd.Series([1 + i % days for i in range(5733)]).value_counts().sort_index()
    got = local.dt.day.value_counts().sort_index()
    assert got.tolist() == expected.tolist() and got.index.tolist() == expected.index.tolist()


# ---------------------------------------------------------------------------------------------
# Data folders: what check-data and the loader say about each case
# ---------------------------------------------------------------------------------------------

def _check_data(folder, capsys) -> str:
    from postship_analysis.cli import main

    main(["check-data", str(folder)])
    return capsys.readouterr().out


def _accounting_holds(inputs):
    acc = inputs.accounting()
    assert (acc["accepted"] + acc["rejected"] == acc["rows_read"]).all()
    return acc


def test_header_only_file_is_warned_in_check_data(tmp_path, capsys):
    from postship_analysis import datafolder

    us = tmp_path / "acme" / "US"
    us.mkdir(parents=True)
    (us / "All Orders quiet week.txt").write_text(flat([]))
    (us / "All Orders.txt").write_text(flat(THREE))
    acc = _accounting_holds(datafolder.load(tmp_path))
    assert sorted(acc["rows_read"]) == [0, 3]
    out = _check_data(tmp_path, capsys)
    assert "Warnings:\n  - acme/US/All Orders quiet week.txt: header only: the report has no " \
           "data rows" in out


def test_unrecognised_file_names_the_closest_report_and_missing_columns(tmp_path, capsys):
    us = tmp_path / "acme" / "US"
    us.mkdir(parents=True)
    (us / "orders export.txt").write_text("amazon-order-id\tpurchase-date\tnote\n111-1\tx\ty\n")
    (us / "shopping list.csv").write_text("milk,eggs\n1,2\n")
    out = _check_data(tmp_path, capsys)
    assert ("acme/US/orders export.txt: closest report: All Orders report (all_orders), 2 "
            "column(s) match; it lacks required column(s) 'order-status', "
            "'fulfillment-channel', 'sku', 'quantity'") in out
    assert "acme/US/shopping list.csv: no column matches any report we know (first line: " \
           "'milk,eggs')" in out


def test_unknown_marketplace_folder_is_refused_with_the_codes(tmp_path, capsys):
    from postship_analysis import datafolder

    for mp in ("US", "XX"):
        (tmp_path / "acme" / mp).mkdir(parents=True)
        (tmp_path / "acme" / mp / "All Orders.txt").write_text(flat(THREE))
    inputs = datafolder.load(tmp_path)
    assert [str(Path(r.path).parent.name) for r in inputs.results] == ["US"]
    assert len(inputs.table("orders")) == 3  # the XX rows are not read as US
    out = _check_data(tmp_path, capsys)
    assert "XX/All Orders.txt: folder 'XX' is not a marketplace code we know (US, CA, MX" in out
    assert "GB is read as UK): not read" in out


def test_links_leaving_the_data_folder_are_refused(tmp_path, capsys):
    from postship_analysis import datafolder

    data = tmp_path / "data"
    us = data / "acme" / "US"
    us.mkdir(parents=True)
    (us / "All Orders.txt").write_text(flat(THREE))
    outside = tmp_path / "secret.txt"
    outside.write_text(flat([row(9)]))  # readable, even a valid report: still not read
    (us / "passwd.txt").symlink_to(outside)
    (us / "inside.txt").symlink_to(us / "All Orders.txt")  # a link within the folder is fine
    found = {f.path.name: f for f in datafolder.discover(data)}
    assert found["passwd.txt"].report_type is None
    assert found["passwd.txt"].problem.endswith(
        f"a link to {outside}, outside the data folder: not read (copy the file into the "
        "folder instead)")
    assert found["inside.txt"].report_type == "all_orders"
    assert "111-0000001-0000009" not in set(datafolder.load(data).table("orders")["order_id"])
    assert "outside the data folder" in _check_data(data, capsys)


def test_identical_lines_in_overlapping_downloads_are_kept_once_per_file(tmp_path):
    from postship_analysis import datafolder

    us = tmp_path / "acme" / "US"
    us.mkdir(parents=True)
    # order 2 has two identical lines (two units); both weekly downloads carry it
    (us / "All Orders week 1.txt").write_text(flat([row(1), row(2), row(2)]))
    (us / "All Orders week 2.txt").write_text(flat([row(2), row(2), row(3)]))
    inputs = datafolder.load(tmp_path)
    acc = _accounting_holds(inputs)
    assert acc["rejected"].sum() == 0
    o = inputs.table("orders")
    assert o.groupby("order_id")["quantity"].sum().tolist() == [1, 2, 1]
    ov = inputs.overlaps.set_index("table").loc["orders"]
    assert (ov["rows_stacked"], ov["superseded"], ov["rows_kept"]) == (6, 2, 4)


def _mfn_folder(root):
    """Seller-fulfilled orders A-E: All Orders per item (with order-item-id, no last-updated
    date, so the typed ship-dates decide), a ship-by file with one row per *order* (no
    order-item-id) and confirmations per item (E: one whole-order confirmation)."""
    us = root / "acme" / "US"
    us.mkdir(parents=True)
    items = {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2"], "E": ["e1"]}
    rows = [row(i, order_item_id=it, amazon_order_id=f"111-{o}", fulfillment_channel="Merchant",
                last_updated_date="", purchase_date="2026-10-01T10:00:00+00:00",
                sku=f"SKU-{it}")
            for i, (o, its) in enumerate(items.items()) for it in its]
    (us / "All Orders.txt").write_text(flat(rows, header=HEADER + ["order-item-id"]))
    ship_by = "2026-10-05T23:59:59-07:00"
    (us / "Order Report.txt").write_text(
        "order-id\tpurchase-date\tlatest-ship-date\tquantity-purchased\n" + "".join(
            f"111-{o}\t2026-10-01T03:00:00-07:00\t{ship_by}\t{q}\n"
            for o, q in (("A", 2), ("B", 2), ("C", 2), ("D", 3), ("E", 1))))
    conf = [("A", "a1", 1, "2026-10-03"), ("A", "a2", 1, "2026-10-06"),  # last item late
            ("B", "b1", 1, "2026-10-04"),                                 # b2 never shipped
            ("C", "c1", 1, "2026-10-02"), ("C", "c2", 1, "2026-10-03"),  # on time
            ("D", "d1", 1, "2026-10-02"), ("D", "d2", 1, "2026-10-02"),  # 2 of 3 units
            ("E", "", "", "2026-10-02")]                                  # whole order
    (us / "Shipment Confirmations.txt").write_text(
        "order-id\torder-item-id\tquantity\tship-date\tcarrier-code\ttracking-number\n"
        + "".join(f"111-{o}\t{it}\t{q}\t{d}\tUSPS\t9400111899223197{i:06d}\n"
                  for i, (o, it, q, d) in enumerate(conf)))
    return root


def test_order_level_ship_by_rows_are_matched_to_item_confirmations(tmp_path, capsys):
    import postship_analysis.fulfilment as F
    from postship_analysis import datafolder

    inputs = datafolder.load(_mfn_folder(tmp_path))
    _accounting_holds(inputs)
    p = inputs.table("order_promises")
    assert sorted(p["order_item_id"].fillna("(order)")) == [
        "(order)", "(unconfirmed units)", "a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2"]
    # B's b2 comes from All Orders (never confirmed); D, absent from All Orders, keeps its
    # third unit as unconfirmed
    ov = F.order_view(p, inputs.table("shipment_confirmations"), inputs.table("orders"))
    ov = ov.set_index("order_id")
    day = ov["confirm_ts"].dt.tz_convert("America/Los_Angeles").dt.strftime("%m-%d")
    assert day.reindex([f"111-{o}" for o in "ABCDE"]).fillna("-").tolist() == \
        ["10-06", "-", "10-03", "-", "10-02"]
    lsr = F.late_shipment_rate(p, inputs.table("shipment_confirmations"), "2026-10-10",
                               days=30, orders=inputs.table("orders")).iloc[0]
    assert (lsr["numerator"], lsr["denominator"]) == (3, 5)  # A late, B and D unconfirmed
    assert inputs.notes == ["4 order-level ship-by row(s) (no order-item-id) were matched to "
                            "their items' shipment confirmations: such an order has shipped "
                            "when its last item has"]
    assert "4 order-level ship-by row(s)" in _check_data(tmp_path, capsys)


def test_real_orders_with_order_level_ship_by_rows(tmp_path):
    """Real orders (Olist, 4,000 orders) in Amazon's layouts: All Orders per item *without*
    order-item-id (an order's two identical lines are two units), a ship-by file with one row
    per order, and shipment confirmations per item. The 30-day late shipment rate equals a
    plain-pandas computation on the source CSVs (as in test_fulfilment_olist); the ship-by
    rows read alone match no confirmation and every order counts as late."""
    from conftest import realdata

    import postship_analysis.fulfilment as F
    from postship_analysis import datafolder
    from postship_analysis.readers.orders import read_order_promises

    root = realdata("olist-random-4k")
    o = pd.read_csv(root / "olist_orders_dataset.csv", dtype=str, keep_default_na=False)
    i = pd.read_csv(root / "olist_order_items_dataset.csv", dtype=str, keep_default_na=False)
    br = tmp_path / "olist" / "BR"
    br.mkdir(parents=True)
    status = o.set_index("order_id")["order_status"]
    purchase = o.set_index("order_id")["order_purchase_timestamp"]
    lines = [row(0, **{"amazon-order-id": r.order_id, "purchase-date": purchase[r.order_id],
                       "last-updated-date": "", "order-status": status[r.order_id],
                       "item-status": status[r.order_id], "fulfillment-channel": "Merchant",
                       "sales-channel": "Amazon.com.br", "sku": r.product_id, "quantity": "1",
                       "currency": "BRL", "item-price": r.price, "item-tax": "0.00"})
             for r in i.itertuples()]
    (br / "All Orders.txt").write_text(flat(lines))
    limit = i.groupby("order_id")["shipping_limit_date"].min()
    est = o.set_index("order_id")["order_estimated_delivery_date"].str[:10] + " 23:59:59"
    (br / "Order Report.txt").write_text(
        "order-id\tpurchase-date\tlatest-ship-date\tlatest-delivery-date\tquantity-purchased\n"
        + "".join(f"{oid}\t{purchase[oid]}\t{lim}\t{est[oid]}\t{n}\n" for oid, lim, n in
                  zip(limit.index, limit, i.groupby("order_id").size()[limit.index],
                      strict=True)))
    carrier = o.set_index("order_id")["order_delivered_carrier_date"]
    shipped = i[i["order_id"].map(carrier) != ""]
    (br / "Shipment Confirmations.txt").write_text(
        "order-id\torder-item-id\tquantity\tship-date\tcarrier-code\ttracking-number\n"
        + "".join(f"{r.order_id}\t{r.order_item_id}\t1\t{carrier[r.order_id]}\tCorreios\t"
                  f"{r.order_id}\n" for r in shipped.itertuples()))
    inputs = datafolder.load(tmp_path)
    acc = _accounting_holds(inputs)
    assert acc["rejected"].sum() == 0
    orders = inputs.table("orders")
    assert len(orders) == len(i)  # identical lines kept: 8.7 % of lines were dropped before
    assert (i.duplicated(["order_id", "product_id", "price"]).mean()) > 0.05
    as_of = "2018-06-16"
    conf = inputs.table("shipment_confirmations")
    got = F.late_shipment_rate(inputs.table("order_promises"), conf, as_of, days=30,
                               orders=orders).iloc[0]
    # independent, on the CSVs: per order the earliest item limit; window by its calendar day;
    # late = handed over after the limit, or not handed over by the as-of day; no cancelled
    d = o.set_index("order_id").join(limit.rename("limit"), how="inner")
    d = d[d["order_status"] != "canceled"]
    end = pd.Timestamp(as_of) - pd.Timedelta(days=1)
    day = pd.to_datetime(d["limit"].str[:10])
    w = d[(day > end - pd.Timedelta(days=30)) & (day <= end)]
    c = w["order_delivered_carrier_date"]
    late = ~((c != "") & (c < as_of)) | (c > w["limit"])
    assert (got["numerator"], got["denominator"]) == (late.sum(), len(w))
    assert len(w) == 228 and late.sum() == 11
    # the ship-by rows as read, without their items: every order in the window counts late
    raw = read_order_promises(br / "Order Report.txt", seller_id="olist", marketplace="BR").data
    before = F.late_shipment_rate(raw, conf, as_of, days=30, orders=orders).iloc[0]
    assert before["numerator"] == before["denominator"] == 228
