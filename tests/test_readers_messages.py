"""Buyer-messages CSV reader (our format: thread-id,order-id,received-at,first-response-at,
category). Expected UTC times are worked out by hand from the marketplace's offset."""

from __future__ import annotations

import pandas as pd
import pytest

from postship_analysis import contract
from postship_analysis.errors import MissingColumnsError
from postship_analysis.readers.detect import detect_file
from postship_analysis.readers.messages import (
    CATEGORIES,
    normalise_categories,
    read_buyer_messages,
)

HEADER = "thread-id,order-id,received-at,first-response-at,category"


def utc(s):
    return pd.Timestamp(s, tz="UTC")


def test_category_spellings():
    got = normalise_categories(pd.Series([
        "Where's my order?", "WISMO", "Shipping inquiry", "where_is_my_order", "Order status",
        "Return request", "Returns", "Refund", "Product question", "Pre-sale question",
        "Cancellation", "Cancel order", "Other", "General", "Banana"]))
    assert got.tolist() == [
        "where_is_my_order", "where_is_my_order", "where_is_my_order", "where_is_my_order",
        "where_is_my_order", "return_request", "return_request", "return_request",
        "product_question", "product_question", "cancellation", "cancellation", "other",
        "other", pd.NA]


@pytest.fixture
def messages(write):
    text = "\n".join([
        HEADER,
        "T-1001,113-1234567-1234567,2025-01-15 09:12:00,2025-01-15 11:40:00,Where's my order?",
        "T-1002,,2025-01-15T22:05:00Z,,Product question",
        "T-1003,113-7654321-7654321,2025-01-16 08:00:00,2025-01-16 07:30:00,Return request",
        "T-1004,113-0000000-0000004,2025-01-16 10:00:00,2025-01-16 10:05:00,WISMO",
        "T-1001,113-1234567-1234567,2025-01-15 09:12:00,2025-01-15 11:40:00,Where's my order?",
        "T-1005,,2025-01-17 10:00:00,,Warranty claim",
        "T-1006,,2025-01-17 11:00:00,,",
    ]) + "\n"
    return write("messages.csv", text)


def test_messages_values(messages):
    res = read_buyer_messages(messages)
    assert res.rows_read == 7 and res.accepted + res.rejected == 7
    contract.validate(res.data, "buyer_messages")
    d = res.data.set_index("thread_id")
    assert list(d.index) == ["T-1001", "T-1002", "T-1004", "T-1005", "T-1006"]
    # naive 09:12 Los Angeles (PST, UTC-8) = 17:12 UTC; 11:40 -> 19:40
    assert d.loc["T-1001", "received_ts"] == utc("2025-01-15 17:12")
    assert d.loc["T-1001", "first_response_ts"] == utc("2025-01-15 19:40")
    assert d.loc["T-1002", "received_ts"] == utc("2025-01-15 22:05")
    assert pd.isna(d.loc["T-1002", "first_response_ts"])  # unanswered
    assert pd.isna(d.loc["T-1002", "order_id"])
    assert d["category"].tolist() == ["where_is_my_order", "product_question",
                                      "where_is_my_order", "other", "other"]
    assert set(d["category"]) <= set(CATEGORIES)


def test_response_before_receipt_quarantined(messages):
    q = read_buyer_messages(messages).quarantine
    row = q[q["line"] == 4]  # header is line 1; T-1003 is line 4
    assert len(row) == 1
    assert row["column"].iloc[0] == "first-response-at"
    assert "before the message was received" in row["reason"].iloc[0]
    assert row["value"].iloc[0] == "2025-01-16 07:30:00"


def test_duplicate_thread_quarantined(messages):
    q = read_buyer_messages(messages).quarantine
    assert q["line"].tolist() == [4, 6]
    assert q.loc[1, "reason"] == "duplicate of line 2"


def test_unknown_and_blank_categories_warned(messages):
    w = " | ".join(read_buyer_messages(messages).warnings)
    assert "'Warranty claim' (1)" in w
    assert "1 thread(s) without a category" in w


def test_messages_uk_time_and_detection(messages):
    # January in London is GMT (UTC+0): naive times are already UTC
    d = read_buyer_messages(messages, marketplace="UK").data
    assert d.loc[0, "received_ts"] == utc("2025-01-15 09:12")
    assert detect_file(messages).report_type == "buyer_messages"


def test_messages_missing_received(write):
    p = write("m.csv", "thread-id,order-id,first-response-at,category\nT-1,,,Other\n")
    with pytest.raises(MissingColumnsError) as e:
        read_buyer_messages(p)
    assert "m.csv" in str(e.value) and "received-at" in str(e.value)
