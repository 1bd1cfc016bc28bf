"""All Orders (every header generation of domain.md §4a), ship-by dates, the Amazon Sale
Report export (real data), and report-type detection."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from conftest import realdata

from postship_analysis.readers import detect_file
from postship_analysis.readers.orders import (
    read_all_orders,
    read_order_promises,
    read_sale_report,
)

GEN1 = ("amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
        "fulfillment-channel sales-channel order-channel url ship-service-level product-name sku "
        "asin item-status quantity currency item-price item-tax shipping-price shipping-tax "
        "gift-wrap-price gift-wrap-tax item-promotion-discount ship-promotion-discount ship-city "
        "ship-state ship-postal-code ship-country promotion-ids").split()
GEN2 = GEN1 + ["is-business-order", "purchase-order-number", "price-designation"]
GEN3 = ("amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
        "fulfillment-channel sales-channel order-channel ship-service-level product-name sku asin "
        "item-status quantity currency item-price item-tax shipping-price shipping-tax "
        "gift-wrap-price gift-wrap-tax item-promotion-discount ship-promotion-discount ship-city "
        "ship-state ship-postal-code ship-country promotion-ids cpf is-business-order "
        "purchase-order-number price-designation signature-confirmation-recommended").split()
GEN4 = GEN3 + ["order-item-id"]


def row(header, **values):
    base = {"amazon-order-id": "111-0000001-0000001", "purchase-date": "2026-01-15T08:00:00+00:00",
            "last-updated-date": "2026-01-16T08:00:00+00:00", "order-status": "Shipped",
            "fulfillment-channel": "Amazon", "sales-channel": "Amazon.com", "sku": "SKU-1",
            "asin": "B000000001", "item-status": "Shipped", "quantity": "2", "currency": "USD",
            "item-price": "39.98", "ship-postal-code": "02134", "is-business-order": "false",
            "order-item-id": "12345678901234"}
    base.update(values)
    return "\t".join(base.get(h, "") for h in header)


@pytest.mark.parametrize("header", [GEN1, GEN2, GEN3, GEN4], ids=["gen1-29", "gen2-32",
                                                                   "gen3-33", "gen4-34"])
def test_every_header_generation_reads(write, header):
    p = write("orders.txt", "\n".join(["\t".join(header), row(header),
                                       row(header, **{"amazon-order-id": "111-0000002-0000002",
                                                      "fulfillment-channel": "Merchant"})]) + "\n")
    r = read_all_orders(p)
    assert (r.rows_read, r.accepted, r.rejected) == (2, 2, 0)
    d = r.data
    assert d["fulfillment_channel"].tolist() == ["AFN", "MFN"]
    assert d["quantity"].tolist() == [2, 2]
    assert d["item_price"].tolist() == [39.98, 39.98]
    assert d["purchase_ts"].iloc[0] == pd.Timestamp("2026-01-15T08:00:00Z")
    assert d["ship_postal_code"].iloc[0] == "02134"  # leading zero kept
    assert d["marketplace"].tolist() == ["US", "US"]
    assert d["order_item_id"].isna().all() == ("order-item-id" not in header)


def test_marketplace_comes_from_sales_channel_row_by_row(write):
    p = write("o.txt", "\n".join([
        "\t".join(GEN3),
        row(GEN3),
        row(GEN3, **{"amazon-order-id": "302-0000002-0000002", "sales-channel": "Amazon.de",
                     "currency": "EUR", "item-price": "12,99"}),
    ]) + "\n")
    r = read_all_orders(p)
    assert r.data["marketplace"].tolist() == ["US", "DE"]
    # the column holds a decimal comma in one row: 12,99 is twelve euros ninety-nine
    assert r.data["item_price"].tolist() == [39.98, 12.99]


def test_german_file_with_decimal_commas_and_bom(write):
    lines = ["\t".join(GEN3),
             row(GEN3, **{"sales-channel": "Amazon.de", "currency": "EUR",
                          "item-price": "1.234,50", "item-tax": "197,11",
                          "product-name": "Größe M Spülbürste"})]
    p = write("de.txt", "\n".join(lines) + "\n", encoding="utf-8-sig")
    r = read_all_orders(p, marketplace="DE")
    assert r.data["item_price"].iloc[0] == pytest.approx(1234.50)
    assert r.data["item_tax"].iloc[0] == pytest.approx(197.11)
    assert r.data["product_name"].iloc[0] == "Größe M Spülbürste"


def test_read_only_requested_columns_still_validates(write):
    p = write("o.txt", "\n".join(["\t".join(GEN3), row(GEN3), row(GEN3, quantity="-1",
                                  **{"amazon-order-id": "111-0000003-0000003"})]) + "\n")
    r = read_all_orders(p, columns=["sku", "quantity"])
    assert (r.accepted, r.rejected) == (1, 1)
    assert r.quarantine["line"].tolist() == [3]
    assert r.quarantine["column"].tolist() == ["quantity"]


def test_order_promises(write):
    header = ("order-id order-item-id purchase-date payments-date buyer-email buyer-name sku "
              "product-name quantity-purchased ship-service-level earliest-ship-date "
              "latest-ship-date earliest-delivery-date latest-delivery-date is-prime").split()
    vals = {"order-id": "111-1", "order-item-id": "1", "purchase-date": "2026-01-15T08:00:00-08:00",
            "sku": "S", "quantity-purchased": "1", "earliest-ship-date": "2026-01-15T08:00:00-08:00",
            "latest-ship-date": "2026-01-16T23:59:59-08:00",
            "earliest-delivery-date": "2026-01-19T08:00:00-08:00",
            "latest-delivery-date": "2026-01-22T23:59:59-08:00", "is-prime": "true",
            "buyer-email": "never-read@example.com"}
    p = write("new orders.txt", "\t".join(header) + "\n" +
              "\t".join(vals.get(h, "") for h in header) + "\n")
    r = read_order_promises(p)
    d = r.data.iloc[0]
    assert d["latest_ship_ts"] == pd.Timestamp("2026-01-17T07:59:59Z")
    assert bool(d["is_prime"]) is True
    assert "buyer_email" not in r.data.columns


def test_detect_report_type_from_header(write):
    p = write("12345678.txt", "\t".join(GEN3) + "\n" + row(GEN3) + "\n")
    assert detect_file(p).report_type == "all_orders"


def test_real_amazon_sale_report_every_row_accounted():
    path = realdata("amazon-in-sales-report", "Amazon Sale Report (first 5733 rows).csv")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    r = read_sale_report(path, marketplace="IN")
    assert r.rows_read == len(rows) == 5733
    assert r.accepted + r.rejected == r.rows_read
    assert r.rejected == 0
    # the amounts add up to the file's own sum (blank amounts are missing, not zero)
    expected = sum(float(x["Amount"]) for x in rows if x["Amount"])
    assert r.data["item_price"].sum() == pytest.approx(expected)
    assert r.data["item_price"].isna().sum() == sum(1 for x in rows if not x["Amount"]) == 378
    # status vocabulary and channels as in PROVENANCE.md
    assert (r.data["order_status"] == "Shipped - Delivered to Buyer").sum() == 1425
    assert set(r.data["fulfillment_channel"]) == {"AFN", "MFN"}
    # "04-30-22" is 30 April 2022 in India (month-first, since 30 cannot be a month)
    assert r.data["purchase_ts"].max() == pd.Timestamp("2022-04-29T18:30:00Z")


def test_unshipped_orders_report_is_recognised_and_read(write):
    header = ("order-id order-item-id purchase-date payments-date reporting-date promise-date "
              "days-past-promise buyer-email buyer-name buyer-phone-number sku product-name "
              "quantity-purchased quantity-shipped quantity-to-ship ship-service-level "
              "recipient-name ship-address-1 ship-address-2 ship-address-3 ship-city ship-state "
              "ship-postal-code ship-country is-business-order purchase-order-number "
              "price-designation is-iba verge-of-cancellation verge-of-lateShipment").split()
    vals = {"order-id": "171-1", "order-item-id": "55", "purchase-date": "2025-06-01T10:00:00+05:30",
            "promise-date": "2025-06-03T23:59:59+05:30", "sku": "S", "quantity-purchased": "2",
            "buyer-name": "never read"}
    p = write("unshipped.txt", "\t".join(header) + "\n" +
              "\t".join(vals.get(h, "") for h in header) + "\n")
    assert detect_file(p).report_type == "unshipped_orders"
    from postship_analysis.readers.orders import read_unshipped_orders

    r = read_unshipped_orders(p, marketplace="IN")
    # 23:59:59 at +05:30 is 18:29:59 UTC
    assert r.data["promise_ts"].iloc[0] == pd.Timestamp("2025-06-03T18:29:59Z")
    assert r.data["latest_ship_ts"].isna().all()
