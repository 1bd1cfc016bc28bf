"""Shipment confirmations, delivery events and Amazon Fulfilled Shipments readers.

Headers are the exact lists of domain.md §4i (POST_FLAT_FILE_FULFILLMENT_DATA) and §4e
(GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL); the delivery-events CSV is our own format.
Expected UTC times are worked out by hand from the marketplace's UTC offset on that date.
"""

from __future__ import annotations

import pandas as pd
import pytest

from postship_analysis import contract
from postship_analysis.errors import MissingColumnsError
from postship_analysis.readers.detect import detect_file
from postship_analysis.readers.shipments import (
    EVENTS,
    normalise_events,
    read_delivery_events,
    read_fba_shipments,
    read_shipment_confirmations,
)

CONF_HEADER = ["order-id", "order-item-id", "quantity", "ship-date", "carrier-code",
               "carrier-name", "tracking-number", "ship-method"]
TEMPLATE = "TemplateType=OrderFulfillment\tVersion=2011.1102"


def tsv(header, rows, preamble=()):
    return "\n".join([*preamble, "\t".join(header), *("\t".join(r) for r in rows)]) + "\n"


def utc(s):
    return pd.Timestamp(s, tz="UTC")


# ---------------------------------------------------------------------------------------------
# Shipment confirmations
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def confirmations(write):
    rows = [
        # whole order confirmed (blank order-item-id and quantity), local date, leading zeros
        ["113-1234567-1234567", "", "", "2025-01-15", "USPS", "", "0094001118992231974284",
         "Priority Mail"],
        # item-level, ISO 8601 with offset, carrier Other with a name
        ["113-7654321-7654321", "52734567890123", "2", "2025-01-16T09:30:00-08:00", "Other",
         "Yun Express", "YT2412345678901234", "Standard"],
        # tracking number destroyed by a spreadsheet
        ["113-0000000-0000003", "52734567890125", "1", "2025-01-16", "UPS", "",
         "9.40011E+21", "Ground"],
        # no ship date
        ["113-0000000-0000004", "", "", "", "UPS", "", "1Z999AA10123456784", "Ground"],
    ]
    return write("confirm.txt", tsv(CONF_HEADER, rows, preamble=[TEMPLATE]))


def test_confirmation_with_template_preamble(confirmations):
    res = read_shipment_confirmations(confirmations)
    assert res.rows_read == 4  # 4 data lines; the template line and header are not rows
    assert res.accepted + res.rejected == 4
    assert res.delimiter == "\t"
    contract.validate(res.data, "shipment_confirmations")
    assert res.data["order_id"].tolist() == ["113-1234567-1234567", "113-7654321-7654321"]


def test_tracking_number_leading_zeros_kept(confirmations):
    d = read_shipment_confirmations(confirmations).data
    assert d.loc[0, "tracking_number"] == "0094001118992231974284"
    assert d["tracking_number"].dtype == "string"


def test_whole_order_confirmation_is_na(confirmations):
    d = read_shipment_confirmations(confirmations).data
    assert pd.isna(d.loc[0, "order_item_id"]) and pd.isna(d.loc[0, "quantity"])
    assert d.loc[1, "order_item_id"] == "52734567890123" and d.loc[1, "quantity"] == 2


def test_ship_date_local_and_iso(confirmations):
    d = read_shipment_confirmations(confirmations).data
    # 2025-01-15 00:00 in Los Angeles (PST, UTC-8) = 08:00 UTC
    assert d.loc[0, "ship_ts"] == utc("2025-01-15 08:00")
    # 09:30 at -08:00 = 17:30 UTC
    assert d.loc[1, "ship_ts"] == utc("2025-01-16 17:30")
    # DE: the same local date is 2025-01-14 23:00 UTC (CET, UTC+1)
    de = read_shipment_confirmations(confirmations, marketplace="DE").data
    assert de.loc[0, "ship_ts"] == utc("2025-01-14 23:00")


def test_confirmation_quarantine_lines(confirmations):
    q = read_shipment_confirmations(confirmations).quarantine
    # line 1 template, line 2 header, data lines 3..6
    assert q["line"].tolist() == [5, 6]
    assert q.loc[0, "column"] == "tracking-number"
    assert "scientific notation" in q.loc[0, "reason"]
    assert q.loc[0, "value"] == "9.40011E+21"
    assert q.loc[1, "column"] == "ship-date" and q.loc[1, "reason"] == "missing value"


def test_confirmation_jp_cod_column_and_detection(write):
    p = write("jp.txt", tsv(CONF_HEADER + ["cod-collection-method"],
                            [["250-1111111-1111111", "", "", "2025-01-15", "YAMATO", "",
                              "012345678901", "宅急便", ""]]))
    res = read_shipment_confirmations(p, marketplace="JP")
    assert res.data.loc[0, "tracking_number"] == "012345678901"
    # 2025-01-15 00:00 JST (UTC+9) = 2025-01-14 15:00 UTC
    assert res.data.loc[0, "ship_ts"] == utc("2025-01-14 15:00")
    assert res.unknown_columns == ["cod-collection-method"]
    assert detect_file(p).report_type == "shipment_confirmations"


def test_confirmation_missing_column(write):
    p = write("bad.txt", tsv([c for c in CONF_HEADER if c != "tracking-number"],
                             [["113-1234567-1234567", "", "", "2025-01-15", "USPS", "", "x"]]))
    with pytest.raises(MissingColumnsError) as e:
        read_shipment_confirmations(p)
    assert "bad.txt" in str(e.value) and "tracking-number" in str(e.value)


# ---------------------------------------------------------------------------------------------
# Delivery events
# ---------------------------------------------------------------------------------------------


def test_event_spellings():
    got = normalise_events(pd.Series(["Delivered", "DELIVERED", "delivered", "Out for delivery",
                                      "OUT_FOR_DELIVERY", "In Transit", "Pre-Transit",
                                      "Picked up", "Delivery attempted", "Return to sender",
                                      "Label created", "Delivered, Front Door/Porch",
                                      "Beamed up"]))
    assert got.tolist() == ["delivered", "delivered", "delivered", "out_for_delivery",
                            "out_for_delivery", "in_transit", "label_created", "picked_up",
                            "exception", "returned", "label_created", "delivered", pd.NA]


@pytest.fixture
def events(write):
    text = (
        "tracking-number,carrier,event,event-time\n"
        "0094001118992231974284,USPS,Label created,2025-01-15 08:02:00\n"
        "0094001118992231974284,USPS,Out for delivery,2025-01-18T07:45:00-05:00\n"
        "0094001118992231974284,USPS,DELIVERED,2025-01-18T14:10:00-05:00\n"
        "0094001118992231974284,USPS,Teleported,2025-01-18T15:00:00-05:00\n"
        "0094001118992231974284,USPS,delivered,2025-01-18T14:10:00-05:00\n"
        "1Z999AA10123456784,UPS,in transit,not a time\n"
    )
    return write("events.csv", text)


def test_delivery_events_normalised(events):
    res = read_delivery_events(events)
    assert res.rows_read == 6 and res.accepted + res.rejected == 6
    contract.validate(res.data, "delivery_events")
    assert res.data["event"].tolist() == ["label_created", "out_for_delivery", "delivered"]
    assert set(res.data["event"]) <= set(EVENTS)
    assert res.data["tracking_number"].iloc[0] == "0094001118992231974284"
    # naive 08:02 Los Angeles (PST) = 16:02 UTC; 14:10 at -05:00 = 19:10 UTC
    assert res.data["event_ts"].tolist() == [utc("2025-01-15 16:02"), utc("2025-01-18 12:45"),
                                             utc("2025-01-18 19:10")]


def test_unknown_event_quarantined_with_line(events):
    q = read_delivery_events(events).quarantine
    row = q[q["value"] == "Teleported"]
    assert len(row) == 1
    assert int(row["line"].iloc[0]) == 5  # header is line 1
    assert row["column"].iloc[0] == "event"
    reason = row["reason"].iloc[0]
    assert "Teleported" in reason
    assert all(e in reason for e in EVENTS)


def test_duplicate_event_after_normalisation(events):
    q = read_delivery_events(events).quarantine
    # line 6 "delivered" at the same time as line 4 "DELIVERED"
    dup = q[q["line"] == 6]
    assert dup["reason"].iloc[0] == "duplicate of line 4"
    bad_time = q[q["line"] == 7]
    assert bad_time["reason"].iloc[0] == "unparseable date"
    assert bad_time["column"].iloc[0] == "event-time"


def test_delivery_events_detected(events):
    assert detect_file(events).report_type == "delivery_events"


# ---------------------------------------------------------------------------------------------
# Amazon Fulfilled Shipments (PII columns present in the file, never read)
# ---------------------------------------------------------------------------------------------

FBA_HEADER = (
    "amazon-order-id merchant-order-id shipment-id shipment-item-id amazon-order-item-id "
    "merchant-order-item-id purchase-date payments-date shipment-date reporting-date buyer-email "
    "buyer-name buyer-phone-number sku product-name quantity-shipped currency item-price item-tax "
    "shipping-price shipping-tax gift-wrap-price gift-wrap-tax ship-service-level recipient-name "
    "ship-address-1 ship-address-2 ship-address-3 ship-city ship-state ship-postal-code "
    "ship-country ship-phone-number bill-address-1 bill-address-2 bill-address-3 bill-city "
    "bill-state bill-postal-code bill-country item-promotion-discount ship-promotion-discount "
    "carrier tracking-number estimated-arrival-date fulfillment-center-id fulfillment-channel "
    "sales-channel"
).split()
PII_MARK = "PII-SHOULD-NOT-APPEAR"


def fba_row(**values):
    row = {h: "" for h in FBA_HEADER}
    for h in ("buyer-email", "buyer-name", "buyer-phone-number", "recipient-name",
              "ship-address-1", "ship-phone-number", "bill-address-1"):
        row[h] = PII_MARK
    row.update({k.replace("_", "-"): v for k, v in values.items()})
    return [row[h] for h in FBA_HEADER]


@pytest.fixture
def fba(write):
    jp_header = FBA_HEADER + ["points-granted"]
    base = dict(amazon_order_id="250-1111111-1111111", shipment_id="DkXyz01",
                shipment_item_id="DQwe01", amazon_order_item_id="11111111111111",
                purchase_date="2025-01-14T23:00:00+09:00",
                shipment_date="2025-01-15T10:00:00+09:00", sku="TEA-01", quantity_shipped="2",
                currency="JPY", item_price="2400", ship_service_level="Standard",
                carrier="YAMATO", tracking_number="012345678901",
                estimated_arrival_date="2025-01-17T20:00:00+09:00",
                fulfillment_center_id="NRT5", fulfillment_channel="Amazon",
                sales_channel="Amazon.co.jp")
    rows = [fba_row(**base) + ["0"],
            fba_row(**{**base, "shipment_item_id": "DQwe02", "sku": "TEA-02",
                       "quantity_shipped": "-1"}) + ["0"],
            fba_row(**base) + ["0"]]
    return write("fba.txt", tsv(jp_header, rows))


def test_fba_shipments_values(fba):
    res = read_fba_shipments(fba)
    assert res.rows_read == 3 and res.accepted + res.rejected == 3
    contract.validate(res.data, "fba_shipments")
    d = res.data
    assert len(d) == 1
    assert d.loc[0, "marketplace"] == "JP"  # from sales-channel
    assert d.loc[0, "tracking_number"] == "012345678901"
    assert d.loc[0, "quantity"] == 2 and d.loc[0, "item_price"] == 2400.0
    # 10:00 JST = 01:00 UTC
    assert d.loc[0, "shipment_ts"] == utc("2025-01-15 01:00")
    assert d.loc[0, "estimated_arrival_ts"] == utc("2025-01-17 11:00")


def test_fba_shipments_quarantine(fba):
    q = read_fba_shipments(fba).quarantine
    assert q["line"].tolist() == [3, 4]
    assert q.loc[0, "column"] == "quantity-shipped" and "negative" in q.loc[0, "reason"]
    assert q.loc[1, "reason"] == "duplicate of line 2"


def test_fba_shipments_never_read_pii(fba):
    res = read_fba_shipments(fba)
    everything = res.data.astype(str).to_string() + res.quarantine.astype(str).to_string()
    assert PII_MARK not in everything
    assert not {"buyer_email", "buyer_name", "recipient_name"} & set(res.data.columns)
    assert detect_file(fba).report_type == "fba_shipments"
