"""Unit tests of the reader machinery's value parsing, against hand-worked values."""

from __future__ import annotations

import pandas as pd
import pytest

from postship_analysis import contract
from postship_analysis.errors import ParameterError
from postship_analysis.readers import core


def S(*values):
    return pd.Series(list(values), dtype="string")


def test_norm_header_strips_bom_case_spaces_and_currency():
    assert core.norm_header("\ufeffAmazon-Order-ID") == "amazon-order-id"
    assert core.norm_header("7 Day Total Sales ") == "7 day total sales"
    assert core.norm_header("14 Day Total Sales (₹)") == "14 day total sales"
    assert core.norm_header("Total Advertising Cost of Sales (ACOS) ") == \
        "total advertising cost of sales (acos)"
    assert core.norm_header("sales_price") == "sales-price"


@pytest.mark.parametrize("values, default, expected", [
    (("12,99", "3,5", "100"), ".", ","),          # decimals after a comma
    (("1.234,56", "7,00"), ".", ","),              # German thousands + decimals
    (("12.99", "1,234.56"), ",", "."),             # US style even where default is comma
    (("1,234", "2,000"), ".", "."),                # only thousands groups: default decides
    (("1,234", "2,000"), ",", ","),
    (("100", "200"), ",", ","),                    # no separators at all
    (("39.98", "12,99"), ",", "mixed"),            # both: decided value by value
])
def test_detect_decimal(values, default, expected):
    assert core.detect_decimal(S(*values), default) == expected


def test_parse_number_currency_percent_thousands_negative():
    v, pct = core.parse_number(S("$1,234.56", "Rs.15.5", "12.34%", "(5.00)", "-3", "", "abc"),
                               ".")
    assert v.iloc[0] == pytest.approx(1234.56)
    assert v.iloc[1] == pytest.approx(15.5)
    assert v.iloc[2] == pytest.approx(12.34) and bool(pct.iloc[2])
    assert v.iloc[3] == pytest.approx(-5.0)
    assert v.iloc[4] == pytest.approx(-3.0)
    assert pd.isna(v.iloc[5]) and pd.isna(v.iloc[6])


def test_parse_number_decimal_comma_with_euro():
    v, _ = core.parse_number(S("1.234,56 €", "12,99", "0,5"), ",")
    assert v.tolist() == pytest.approx([1234.56, 12.99, 0.5])


def test_parse_number_mixed_column():
    v, _ = core.parse_number(S("39.98", "12,99", "1.234,5", "1,234.5"), "mixed")
    assert v.tolist() == pytest.approx([39.98, 12.99, 1234.5, 1234.5])


def test_parse_datetime_offsets_are_exact_and_naive_is_local():
    # 08:00 at -08:00 is 16:00 UTC; a naive 10:00 in Berlin in January (CET, +01:00) is 09:00 UTC
    aware = core.parse_datetime(S("2026-01-15T08:00:00-08:00", "2026-01-15T16:00:00Z"),
                                "America/Los_Angeles", False)
    assert (aware == pd.Timestamp("2026-01-15T16:00:00Z")).all()
    naive = core.parse_datetime(S("15.01.2026 10:00:00"), "Europe/Berlin", True)
    assert naive.iloc[0] == pd.Timestamp("2026-01-15T09:00:00Z")


def test_parse_datetime_one_format_per_column():
    # 04/07/2026 must be read the same way as 04/13/2026 in the same column: month first
    s = S("04/07/2026", "04/13/2026")
    d = core.parse_datetime(s, "Europe/London", True, as_date=True)
    assert d.tolist() == [pd.Timestamp("2026-04-07"), pd.Timestamp("2026-04-13")]
    # day-first marketplace and ambiguous values only: day first
    d = core.parse_datetime(S("04/07/2026", "05/07/2026"), "Europe/London", True, as_date=True)
    assert d.tolist() == [pd.Timestamp("2026-07-04"), pd.Timestamp("2026-07-05")]
    # month-first marketplace: month first
    d = core.parse_datetime(S("04/07/2026"), "America/Los_Angeles", False, as_date=True)
    assert d.tolist() == [pd.Timestamp("2026-04-07")]


def test_parse_datetime_ads_console_and_zone_words():
    d = core.parse_datetime(S("Feb 1, 2020"), "Asia/Kolkata", True, as_date=True)
    assert d.iloc[0] == pd.Timestamp("2020-02-01")
    d = core.parse_datetime(S("10-Jul-2025"), "America/Los_Angeles", False, as_date=True)
    assert d.iloc[0] == pd.Timestamp("2025-07-10")
    t = core.parse_datetime(S("2025-03-01 10:00:00 PST"), "America/Los_Angeles", False)
    assert t.iloc[0] == pd.Timestamp("2025-03-01T18:00:00Z")


def test_detect_encoding():
    assert core.detect_encoding("a\tb\n".encode("utf-8-sig")) == "utf-8-sig"
    assert core.detect_encoding("a\tb\n".encode("utf-16")) == "utf-16"
    assert core.detect_encoding("größe\tb\n".encode()) == "utf-8"
    assert core.detect_encoding(("Café crème, naïve\t" * 20).encode("cp1252")) in (
        "cp1252", "windows-1252", "latin_1", "iso8859_1")


def test_local_date_uses_marketplace_zone():
    ts = pd.Series(pd.to_datetime(["2026-03-01T05:00:00Z", "2026-03-01T23:30:00Z"]))
    # 05:00 UTC is still 28 Feb in Los Angeles (UTC-8); 23:30 UTC is 2 March in Berlin (UTC+1)
    us = contract.local_date(ts, "US")
    de = contract.local_date(ts, pd.Series(["DE", "DE"]))
    assert us.tolist() == [pd.Timestamp("2026-02-28"), pd.Timestamp("2026-03-01")]
    assert de.tolist() == [pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-02")]


def test_marketplace_lookup_and_error():
    assert contract.marketplace("Amazon.de").code == "DE"
    assert contract.marketplace("ATVPDKIKX0DER").code == "US"
    assert contract.marketplace("gb").code == "UK"
    with pytest.raises(ParameterError, match="unknown marketplace 'XX'"):
        contract.marketplace("XX")


def test_readresult_refuses_broken_accounting():
    with pytest.raises(AssertionError, match="row accounting"):
        core.ReadResult(path="f", report_type="t", table="orders",
                        data=contract.empty("orders"), quarantine=core.empty_quarantine(),
                        rows_read=3)


def test_decimal_comma_marketplace_reads_thousands_points(write):
    # In a German file "1.234" impressions is one thousand two hundred and thirty-four and
    # "2.500" euros is two thousand five hundred (reported by the ads reader's author)
    spec = core.ReportSpec("t_de", "test", "unit_costs", (
        core.Field("sku", ("sku",), required=True),
        core.Field("price", ("price",), "money"),
        core.Field("cogs", ("cogs",), "int"),
    ))
    p = write("de.txt", "sku\tprice\tcogs\nA\t2.500\t1.234\nB\t1.000\t7\n")
    r = core.read_report(p, spec, marketplace="DE")
    assert r.rejected == 0
    assert r.data["price"].tolist() == [2500.0, 1000.0]
    assert r.data["cogs"].tolist() == [1234, 7]
    # the same text in a US file: decimals (and "1.234" is not a whole number: quarantined)
    r = core.read_report(p, spec, marketplace="US")
    assert r.data["price"].tolist() == [1.0]
    assert r.quarantine["reason"].tolist() == ["not a whole number"]


def test_dash_dates_are_not_mistaken_for_utc_offsets():
    # "-2025" at the end of a date is a year, not a -20:25 offset
    d = core.parse_datetime(S("10-07-2025", "31-12-2025"), "Europe/Berlin", True, as_date=True)
    assert d.tolist() == [pd.Timestamp("2025-07-10"), pd.Timestamp("2025-12-31")]
    t = core.parse_datetime(S("2025-07-10T10:00:00.5+0200"), "Europe/Berlin", True)
    assert t.iloc[0] == pd.Timestamp("2025-07-10T08:00:00.5Z")


def _orders_lines(n, name_at=None, name="Caf\u00e9"):
    header = "amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tsku\tquantity"
    rows = [f"111-{i:07d}\t2026-01-15T08:00:00+00:00\tShipped\tAmazon\tSKU-{i % 7}\t1"
            for i in range(n)]
    if name_at is not None:
        rows[name_at] = rows[name_at].replace("SKU-", name + "-")
    return header, rows


def test_cp1252_byte_far_down_a_utf8_looking_file(write):
    # the first 64 KB are plain ASCII; an accented SKU in the last row is cp1252
    header, rows = _orders_lines(3000, name_at=2999)
    p = write("o.txt", "\n".join([header, *rows]) + "\n", encoding="cp1252")
    from postship_analysis.readers.orders import read_all_orders

    r = read_all_orders(p)
    assert (r.rows_read, r.rejected) == (3000, 0)
    assert r.data["sku"].iloc[-1].startswith("Caf\u00e9-")


def test_huge_quantity_is_quarantined_not_a_crash(write):
    header, rows = _orders_lines(2)
    rows[1] = rows[1][:-1] + "99999999999999999999999"
    from postship_analysis.readers.orders import read_all_orders

    r = read_all_orders(write("o.txt", "\n".join([header, *rows]) + "\n"))
    assert r.accepted == 1 and r.quarantine["reason"].tolist() == ["number too large for a count"]


def test_mixed_naive_and_offset_times_in_one_column():
    # 3000 values with an offset, then naive local ones: each read its own way
    vals = ["2026-01-15T08:00:00+00:00"] * 3000 + ["15.01.2026 10:00:00"]
    t = core.parse_datetime(S(*vals), "Europe/Berlin", True)
    assert t.iloc[0] == pd.Timestamp("2026-01-15T08:00:00Z")
    assert t.iloc[-1] == pd.Timestamp("2026-01-15T09:00:00Z")  # 10:00 CET


def test_daylight_saving_edges_agree_between_paths():
    # fall back: 2025-10-26 02:30 happens twice in Berlin; we take the first (CEST, +02:00)
    iso = core._fast_parse(__import__("pyarrow").array(["2025-10-26T02:30:00"]), "ts",
                           "Europe/Berlin")
    slow = core.parse_datetime(S("26.10.2025 02:30:00"), "Europe/Berlin", True)
    assert iso.iloc[0] == slow.iloc[0] == pd.Timestamp("2025-10-26T00:30:00Z")
    # spring forward: 2026-03-29 02:30 does not exist; both paths give 03:00 CEST = 01:00 UTC
    iso = core._fast_parse(__import__("pyarrow").array(["2026-03-29T02:30:00"]), "ts",
                           "Europe/Berlin")
    slow = core.parse_datetime(S("29.03.2026 02:30:00"), "Europe/Berlin", True)
    assert iso.iloc[0] == slow.iloc[0] == pd.Timestamp("2026-03-29T01:00:00Z")


def test_scientific_notation_in_a_tolerant_column():
    v, _ = core.parse_number(S("1e-05", "12,5", "2.5E+03"), ",")
    assert v.tolist() == pytest.approx([1e-05, 12.5, 2500.0])


def test_as_of_day_is_validated_the_same_everywhere():
    assert contract.as_of_day("2026-11-01 15:30") == pd.Timestamp("2026-11-01")
    with pytest.raises(ParameterError, match="as_of is required"):
        contract.as_of_day(None)
    with pytest.raises(ParameterError, match="must be a date"):
        contract.as_of_day("next tuesday")
    # a UTC timestamp's date is not the marketplace's day: refused, not silently stripped
    with pytest.raises(ParameterError, match="without a time zone"):
        contract.as_of_day(pd.Timestamp("2026-11-01T03:00Z"))
    from postship_analysis import customer, forecast

    for fn in (customer._as_day, forecast._day):
        with pytest.raises(ParameterError, match="without a time zone"):
            fn(pd.Timestamp("2026-11-01T03:00Z"))
