"""Customer-experience metrics: hand-worked fixtures and recovery of the sample's planted truth.

Every expected number below is worked out by hand from Amazon's definitions (domain.md §1.1,
§3) or from the sample generator's documented parameters, never copied from the code.
Time-zone facts used: US = America/Los_Angeles, PDT (UTC-7) until 2026-11-01 09:00 UTC;
DE = Europe/Berlin, CET (UTC+1) from 2026-10-25.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from postship_analysis import contract, customer
from postship_analysis.errors import ParameterError

AS_OF = pd.Timestamp("2026-11-01")  # US as-of moment: 2026-11-01 07:00 UTC; DE: 10-31 23:00 UTC
ROOT = Path(__file__).resolve().parents[1]


def ts(s):
    return pd.Timestamp(s, tz="UTC")


def msgs(rows):
    df = pd.DataFrame(rows, columns=["marketplace", "thread_id", "received_ts",
                                     "first_response_ts", "category"])
    df["seller_id"] = "s1"
    df["order_id"] = "111-0000000-" + df["thread_id"].str[1:].str.zfill(7)
    df["received_ts"] = pd.to_datetime(df["received_ts"], utc=True, format="ISO8601")
    df["first_response_ts"] = pd.to_datetime(df["first_response_ts"], utc=True, format="ISO8601")
    return contract.conform(df, "buyer_messages")


# US messages; as-of moment 2026-11-01 07:00 UTC (midnight PDT)
US_MSGS = msgs([
    # m1: answered exactly 24 h after arrival -> on time ("within 24 hours")
    ("US", "m1", "2026-10-20T10:00Z", "2026-10-21T10:00Z", "other"),
    # m2: answered 24 h + 1 s after arrival -> late
    ("US", "m2", "2026-10-20T10:00Z", "2026-10-21T10:00:01Z", "other"),
    # m3: unanswered since 10-28 00:00 UTC -> 103 h at the as-of moment -> late
    ("US", "m3", "2026-10-28T00:00Z", None, "return_request"),
    # m4: unanswered, arrived 19 h before the as-of moment -> pending (not yet late)
    ("US", "m4", "2026-10-31T12:00Z", None, "other"),
    # m5: answered after the as-of moment -> unanswered at it, 11 h waited -> pending
    ("US", "m5", "2026-10-31T20:00Z", "2026-11-01T08:00Z", "other"),
    # m6: arrived in the last 24 h and answered after 2 h -> on time, counts
    ("US", "m6", "2026-10-31T08:00Z", "2026-10-31T10:00Z", "product_question"),
    # m7: 2026-10-02 00:30 PDT, first local day of the 30-day window -> inside
    ("US", "m7", "2026-10-02T07:30Z", "2026-10-02T08:30Z", "other"),
    # m8: 2026-10-01 23:30 PDT -> outside the 30-day window, inside 90 days
    ("US", "m8", "2026-10-02T06:30Z", "2026-10-02T07:30Z", "other"),
    # m9: 2026-11-01 01:00 PDT, after the as-of moment -> ignored
    ("US", "m9", "2026-11-01T08:00Z", None, "other"),
])


def _row(df, mp="US", window=30):
    r = df[(df["marketplace"] == mp) & (df["window_days"] == window)]
    assert len(r) == 1
    return r.iloc[0]


# ---------------------------------------------------------------------------------------------
# buyer messages
# ---------------------------------------------------------------------------------------------

def test_message_states_by_hand():
    st = customer.message_states(US_MSGS, AS_OF).set_index("thread_id")
    assert "m9" not in st.index
    assert st.loc["m1", "state"] == "on_time" and st.loc["m1", "response_hours"] == 24.0
    assert st.loc["m2", "state"] == "late"
    assert st.loc["m2", "response_hours"] == pytest.approx(24 + 1 / 3600)
    assert st.loc["m3", "state"] == "unanswered_late"
    assert st.loc["m3", "hours_waited"] == pytest.approx(4 * 24 + 7)  # 10-28 00:00 -> 11-01 07:00
    assert st.loc["m4", "state"] == "pending" and st.loc["m4", "hours_waited"] == 19
    assert st.loc["m5", "state"] == "pending" and pd.isna(st.loc["m5", "first_response_ts"])
    assert st.loc["m5", "hours_waited"] == 11
    # local received time and day: m3 arrived 2026-10-27 17:00 PDT, m8 on 2026-10-01
    assert st.loc["m3", "received_local"] == pd.Timestamp("2026-10-27 17:00")
    assert st.loc["m8", "received_date"] == pd.Timestamp("2026-10-01")


def test_response_rates_windows_and_pending_policies():
    r = customer.response_rates(US_MSGS, AS_OF)
    # 30 days (10-02..10-31 local): m1..m7. on time m1 m6 m7 = 3; late m2 + m3 = 2;
    # pending m4 m5 = 2 excluded -> 2 / (3 + 2) = 0.4
    w30 = _row(r)
    assert (w30["window_start"], w30["window_end"]) == (pd.Timestamp("2026-10-02"),
                                                        pd.Timestamp("2026-10-31"))
    assert (w30["messages"], w30["answered_within"], w30["late_answered"],
            w30["unanswered_late"], w30["pending"], w30["late"], w30["denominator"]) == \
        (7, 3, 1, 1, 2, 2, 5)
    assert w30["late_response_rate"] == pytest.approx(2 / 5)
    assert w30["answered_within_rate"] == pytest.approx(3 / 5)
    # answered: m1 24 h, m2 24 h + 1 s, m6 2 h, m7 1 h
    assert w30["average_response_hours"] == pytest.approx((24 + 24 + 1 / 3600 + 2 + 1) / 4)
    # 90 days adds m8 (on time): 2 / 6
    assert _row(r, window=90)["late_response_rate"] == pytest.approx(2 / 6)
    # 7 days (10-25..10-31): m3 late, m6 on time, m4 m5 pending -> 1 / 2
    w7 = _row(r, window=7)
    assert (w7["late"], w7["denominator"], w7["pending"]) == (1, 2, 2)
    # pessimistic: pending counted late -> 4 / 7; optimistic: on time -> 2 / 7
    late = _row(customer.response_rates(US_MSGS, AS_OF, windows=(30,), pending="late"))
    assert late["late_response_rate"] == pytest.approx(4 / 7)
    ok = _row(customer.response_rates(US_MSGS, AS_OF, windows=(30,), pending="on_time"))
    assert ok["late_response_rate"] == pytest.approx(2 / 7)
    assert ok["answered_within_rate"] == pytest.approx(5 / 7)
    with pytest.raises(ParameterError):
        customer.response_rates(US_MSGS, AS_OF, pending="maybe")


def test_de_time_zone_and_as_of_moment():
    # DE as-of moment 2026-11-01 00:00 CET = 2026-10-31 23:00 UTC
    de = msgs([
        ("DE", "d1", "2026-10-30T22:30Z", None, "other"),  # 24.5 h unanswered -> late
        ("DE", "d2", "2026-10-30T23:30Z", None, "other"),  # 23.5 h -> pending
        ("DE", "d3", "2026-10-31T23:30Z", None, "other"),  # 11-01 00:30 CET: after as-of
        ("DE", "d4", "2026-10-31T22:00Z", "2026-10-31T22:59:59Z", "other"),  # on time
    ])
    r = _row(customer.response_rates(de, AS_OF, windows=(30,)), "DE")
    assert (r["messages"], r["late"], r["pending"], r["denominator"]) == (3, 1, 1, 2)
    assert r["late_response_rate"] == 0.5


def test_wismo_within_12h():
    rows = [("US", f"w{h}", "2026-10-10T12:00Z",
             (ts("2026-10-10T12:00Z") + pd.Timedelta(hours=h)).isoformat(), "where_is_my_order")
            for h in (2, 11, 12, 13)]
    rows.append(("US", "x1", "2026-10-10T12:00Z", "2026-10-11T08:00Z", "other"))  # not WISMO
    r = _row(customer.wismo_rates(msgs(rows), AS_OF))
    # 2, 11 and 12 h are within 12 h, 13 h is not -> 3 / 4
    assert (r["answered_within"], r["denominator"]) == (3, 4)
    assert r["answered_within_rate"] == 0.75
    assert r["threshold_hours"] == 12


def test_response_trend_by_hand():
    t = customer.response_trend(US_MSGS, "2026-10-21", "2026-11-01", window_days=30)
    assert len(t) == 12
    t = t.set_index("as_of")
    # as of 10-21 (cutoff 10-21 07:00 UTC, window 09-21..10-20): m7 m8 on time;
    # m1 m2 answered 10-21 10:00 UTC -> not yet, 21 h waited -> pending
    d = t.loc[pd.Timestamp("2026-10-21")]
    assert (d["messages"], d["answered_within"], d["pending"], d["late"]) == (4, 2, 2, 0)
    assert d["late_response_rate"] == 0.0
    # as of 10-22: m1 on time, m2 late, m7 m8 on time -> 1 / 4
    assert t.loc[pd.Timestamp("2026-10-22"), "late_response_rate"] == pytest.approx(0.25)
    # as of 11-01: the hand-worked 30-day figure, 2 / 5
    assert t.loc[pd.Timestamp("2026-11-01"), "late_response_rate"] == pytest.approx(0.4)


def test_late_and_unanswered_list():
    lst = customer.late_and_unanswered(US_MSGS, AS_OF)
    # unanswered late first, then pending by time left (m4: 24 - 19 = 5 h; m5: 13 h), late
    assert lst["thread_id"].tolist() == ["m3", "m4", "m5", "m2"]
    assert lst["hours_left"].iloc[1] == 5
    assert lst["received_local"].iloc[0] == pd.Timestamp("2026-10-27 17:00")
    assert customer.late_and_unanswered(US_MSGS, AS_OF, include_pending=False)[
        "thread_id"].tolist() == ["m3", "m2"]


def test_response_distribution_by_hand():
    d = customer.response_distribution(US_MSGS, AS_OF, percentiles=(0.5,)).iloc[0]
    # 90 days: answered m1 24, m2 24.0003, m6 2, m7 1, m8 1 -> median 2; unanswered m3 m4 m5
    assert (d["messages"], d["answered"], d["unanswered"]) == (8, 5, 3)
    assert d["p50"] == 2
    assert d["mean_hours"] == pytest.approx((24 + 24 + 1 / 3600 + 2 + 1 + 1) / 5)


# ---------------------------------------------------------------------------------------------
# returns
# ---------------------------------------------------------------------------------------------

def _orders():
    rows = [  # order, sku, qty, purchase (UTC), order status, item status, channel
        ("o1", "A", 2, "2026-09-01T18:00Z", "Shipped", "Shipped", "AFN"),
        ("o2", "A", 1, "2026-09-02T18:00Z", "Shipped", "Shipped", "MFN"),
        ("o3", "A", 1, "2026-09-03T18:00Z", "Cancelled", "Cancelled", "AFN"),
        ("o4", "A", 1, "2026-10-30T18:00Z", "Pending", "Unshipped", "AFN"),
        ("o5", "A", 1, "2026-09-05T18:00Z", "Shipped", "Shipped", "AFN"),  # two items
        ("o5", "B", 3, "2026-09-05T18:00Z", "Shipped", "Shipped", "AFN"),
        ("o6", "A", 1, "2026-08-03T06:30Z", "Shipped", "Shipped", "AFN"),  # 08-02 23:30 PDT
        ("o7", "A", 1, "2026-08-03T07:30Z", "Shipped", "Shipped", "AFN"),  # 08-03 00:30 PDT
    ]
    df = pd.DataFrame(rows, columns=["order_id", "sku", "quantity", "purchase_ts",
                                     "order_status", "item_status", "fulfillment_channel"])
    df["purchase_ts"] = pd.to_datetime(df["purchase_ts"], utc=True, format="ISO8601")
    df["seller_id"], df["marketplace"] = "s1", "US"
    return contract.conform(df, "orders")


def _returns():
    rows = [  # order, sku, qty, return_ts, reason, channel
        ("o1", "A", 1, "2026-09-10T18:00Z", "SWITCHEROO", "AFN"),
        ("o2", "A", 1, "2026-09-12T18:00Z", "CR-DEFECTIVE", "MFN"),
        ("o5", "B", 1, "2026-09-15T18:00Z", "DEFECTIVE", "AFN"),
        ("o5", "A", 1, "2026-09-16T18:00Z", "SWITCHEROO", "AFN"),
        ("o1", "A", 1, "2026-11-01T08:00Z", "DEFECTIVE", "AFN"),  # after the as-of moment
        ("o6", "A", 1, "2026-08-03T06:00Z", "DEFECTIVE", "AFN"),  # 08-02 local: outside
        ("o2", "A", 1, "2026-10-01T18:00Z", "CR-SWITCHEROO", "MFN"),  # no ledger: unknown
        ("o9", "C", 1, "2026-10-20T18:00Z", "SWITCHEROO", "AFN"),  # C ordered, A came back
    ]
    df = pd.DataFrame(rows, columns=["order_id", "sku", "quantity", "return_ts", "reason",
                                     "fulfillment_channel"])
    df["return_ts"] = pd.to_datetime(df["return_ts"], utc=True, format="ISO8601")
    df["seller_id"], df["marketplace"] = "s1", "US"
    return contract.conform(df, "returns")


def _ledger():
    rows = [  # FBA books returned units under the SKU it scanned; reference = order id
        ("2026-09-10", "C", "CustomerReturns", "o1"),
        ("2026-09-15", "B", "CustomerReturns", "o5"),  # explained by the B return of o5
        ("2026-09-16", "D", "CustomerReturns", "o5"),
        ("2026-10-20", "A", "CustomerReturns", "o9"),
        ("2026-09-10", "C", "Shipments", "o1"),  # not a return event
    ]
    df = pd.DataFrame(rows, columns=["event_date", "sku", "event_type", "reference_id"])
    df["event_date"] = pd.to_datetime(df["event_date"])
    df["seller_id"], df["marketplace"], df["quantity"] = "s1", "US", 1
    return contract.conform(df, "inventory_ledger")


def test_return_rates_by_sku():
    r = customer.return_rates(_orders(), _returns(), AS_OF, window_days=90).set_index("sku")
    # window 08-03..10-31 local. Shipped A: o1 2 + o2 1 + o5 1 + o7 1 = 5 (o3 cancelled, o4
    # unshipped, o6 bought 08-02 local). Returned A: 09-10, 09-12, 09-16, 10-01 = 4 (11-01 and
    # 08-02 local are outside) -> 4/5. B: 1 of 3. C: 1 returned, none shipped -> kept, NaN.
    assert (r.loc["A", "units_shipped"], r.loc["A", "units_returned"]) == (5, 4)
    assert r.loc["A", "return_rate"] == pytest.approx(4 / 5)
    assert r.loc["B", "return_rate"] == pytest.approx(1 / 3)
    assert r.loc["C", "units_shipped"] == 0 and math.isnan(r.loc["C", "return_rate"])


def test_return_reasons_pool_fba_and_mfn_codes():
    r = customer.return_reasons(_returns(), AS_OF, window_days=90).set_index("reason_code")
    # in window: SWITCHEROO o1, o5, o9 + CR-SWITCHEROO o2 = 4; DEFECTIVE o5 + CR-DEFECTIVE = 2
    assert r.loc["SWITCHEROO", "units"] == 4 and r.loc["DEFECTIVE", "units"] == 2
    assert r.loc["SWITCHEROO", "share_of_units"] == pytest.approx(4 / 6)


def test_wrong_items_and_confused_pairs():
    w = customer.wrong_item_returns(_returns(), AS_OF, inventory_ledger=_ledger())
    got = {(x.order_id, x.ordered_sku): (x.received_sku, x.received_sku_source)
           for x in w.itertuples()}
    assert got[("o1", "A")] == ("C", "ledger")
    assert got[("o5", "A")] == ("D", "ledger")  # B is explained by o5's own B return
    assert got[("o9", "C")] == ("A", "ledger")
    assert pd.isna(got[("o2", "A")][0]) and got[("o2", "A")][1] == "unknown"
    assert len(w) == 4
    p = customer.confused_sku_pairs(w)
    ac = p[(p["sku_a"] == "A") & (p["sku_b"] == "C")].iloc[0]
    # o1: A ordered, C sent (09-10); o9: C ordered, A sent (10-20)
    assert (ac["incidents"], ac["a_ordered_b_sent"], ac["b_ordered_a_sent"]) == (2, 1, 1)
    assert (ac["first_date"], ac["last_date"]) == (pd.Timestamp("2026-09-10"),
                                                   pd.Timestamp("2026-10-20"))
    assert p.iloc[0]["sku_b"] == "C"  # most incidents first
    unknown = p[p["sku_b"].isna()]
    assert unknown["sku_a"].tolist() == ["A"] and unknown["incidents"].tolist() == [1]
    # a received_sku column (a proposed contract addition) wins over the ledger
    r2 = _returns().assign(received_sku=pd.Series(["Z"] + [None] * 7, dtype="string"))
    w2 = customer.wrong_item_returns(r2, AS_OF, inventory_ledger=_ledger())
    assert w2.loc[w2["order_id"] == "o1", "received_sku"].item() == "Z"
    # the code list is a parameter
    only = customer.wrong_item_returns(_returns(), AS_OF, wrong_item_reasons=("DEFECTIVE",))
    assert len(only) == 3  # 09-12, 09-15, 08-02 local; 11-01 is after the as-of moment


# ---------------------------------------------------------------------------------------------
# Request a Review
# ---------------------------------------------------------------------------------------------

def _review_tables():
    o = [  # order, sku, purchase, order status, channel
        ("r01", "A", "2026-10-15T18:00Z", "Shipped", "MFN"),
        ("r02", "A", "2026-10-20T18:00Z", "Shipped", "MFN"),
        ("r03", "A", "2026-10-20T18:00Z", "Shipped", "MFN"),
        ("r04", "A", "2026-09-25T18:00Z", "Shipped", "MFN"),
        ("r05", "A", "2026-09-25T18:00Z", "Shipped", "MFN"),
        ("r06", "A", "2026-10-20T18:00Z", "Shipped", "AFN"),
        ("r06", "B", "2026-10-20T18:00Z", "Shipped", "AFN"),
        ("r07", "B", "2026-10-25T18:00Z", "Shipped", "AFN"),
        ("r08", "A", "2026-10-15T18:00Z", "Cancelled", "MFN"),
        ("r09", "A", "2026-10-15T18:00Z", "Shipped", "MFN"),
        ("r10", "A", "2026-10-15T18:00Z", "Shipped", "MFN"),
        ("r11", "A", "2026-10-15T18:00Z", "Shipped", "MFN"),
        ("r12", "A", "2026-10-29T18:00Z", "Unshipped", "MFN"),
        ("r13", "A", "2026-10-15T18:00Z", "Shipped", "MFN"),
    ]
    orders = pd.DataFrame(o, columns=["order_id", "sku", "purchase_ts", "order_status",
                                      "fulfillment_channel"])
    orders["purchase_ts"] = pd.to_datetime(orders["purchase_ts"], utc=True, format="ISO8601")
    orders["seller_id"], orders["marketplace"], orders["quantity"] = "s1", "US", 1
    # promises (UTC); PDT = UTC-7
    same = ("2026-10-20T07:00Z", "2026-10-25T06:59:59Z")  # local 10-20 00:00 .. 10-24 23:59
    p = [
        ("r01", *same),
        ("r02", "2026-10-28T06:30Z", "2026-10-30T06:59:59Z"),  # earliest 10-27 23:30 local
        ("r03", "2026-10-28T07:30Z", "2026-10-30T06:59:59Z"),  # earliest 10-28 00:30 local
        ("r04", "2026-09-28T07:00Z", "2026-10-03T06:59:59Z"),  # latest 10-02 local
        ("r05", "2026-09-28T07:00Z", "2026-10-02T06:59:59Z"),  # latest 10-01 local
        ("r08", *same), ("r09", *same), ("r10", *same), ("r11", *same), ("r12", *same),
        ("r13", *same),
    ]
    prom = pd.DataFrame(p, columns=["order_id", "earliest_delivery_ts", "latest_delivery_ts"])
    for c in ("earliest_delivery_ts", "latest_delivery_ts"):
        prom[c] = pd.to_datetime(prom[c], utc=True, format="ISO8601")
    prom["seller_id"], prom["marketplace"] = "s1", "US"
    fba = pd.DataFrame({"order_id": ["r07"], "estimated_arrival_ts": [ts("2026-10-30T15:00Z")],
                        "seller_id": "s1", "marketplace": "US"})
    rets = pd.DataFrame({"order_id": ["r09"], "sku": ["A"], "quantity": [1], "reason": ["X"],
                         "return_ts": [ts("2026-10-30T18:00Z")], "seller_id": "s1",
                         "marketplace": "US"})
    claims = pd.DataFrame({"claim_id": ["c1"], "order_id": ["r10"],
                           "claim_ts": [ts("2026-10-28T18:00Z")], "seller_id": "s1",
                           "marketplace": "US"})
    return dict(orders=contract.conform(orders, "orders"),
                order_promises=contract.conform(prom, "order_promises"),
                fba_shipments=contract.conform(fba, "fba_shipments"),
                returns=contract.conform(rets, "returns"),
                claims=contract.conform(claims, "claims"),
                requested_order_ids=["r11"], refunded_order_ids=["r13"])


def test_review_request_schedule_by_hand():
    t = _review_tables()
    s = customer.review_request_schedule(t.pop("orders"), AS_OF, include_ineligible=True, **t)
    s = s.set_index("order_id")
    want = {
        "r01": "eligible",          # 10-20 + 5 = 10-25 <= 11-01 <= 10-24 + 30 = 11-23
        "r02": "eligible",          # earliest 10-27 local -> from 11-01 (inclusive edge)
        "r03": "not_yet_eligible",  # earliest 10-28 local -> from 11-02
        "r04": "eligible",          # latest 10-02 -> until 11-01 (inclusive edge)
        "r05": "expired",           # latest 10-01 -> until 10-31
        "r06": "eligible",          # FBA, no dates: purchase 10-20 + 2 / + 5 -> 10-27..11-24
        "r07": "not_yet_eligible",  # FBA estimated arrival 10-30 -> from 11-04
        "r08": "cancelled", "r11": "already_requested", "r12": "not_shipped",
        # returned, claimed, refunded: kept by default (Amazon forbids asking only buyers with
        # a good experience, G201972160); the columns say what is known
        "r09": "eligible", "r10": "eligible", "r13": "eligible",
    }
    assert s["status"].to_dict() == want
    assert (bool(s.loc["r09", "returned"]), bool(s.loc["r10", "claimed"]),
            bool(s.loc["r13", "refunded"])) == (True, True, True)
    assert not bool(s.loc["r01", "returned"])
    t = _review_tables()
    with pytest.warns(customer.SelectiveSolicitationWarning, match="not an Amazon rule"):
        x = customer.review_request_schedule(t.pop("orders"), AS_OF, include_ineligible=True,
                                             exclude_returned_refunded_claimed=True, **t)
    x = x.set_index("order_id")
    assert (x.loc["r09", "status"], x.loc["r10", "status"], x.loc["r13", "status"]) == (
        "returned", "claimed", "refunded")
    assert s.loc["r01", "eligible_from"] == pd.Timestamp("2026-10-25")
    assert s.loc["r01", "eligible_until"] == pd.Timestamp("2026-11-23")
    assert s.loc["r02", "eligible_from"] == pd.Timestamp("2026-11-01")
    assert s.loc["r03", "days_until_eligible"] == 1
    assert s.loc["r07", "days_until_eligible"] == 3
    assert s.loc["r07", "dates_source"] == "fba_estimated_arrival"
    assert s.loc["r06", "dates_source"] == "assumed_from_purchase"
    assert (s.loc["r06", "eligible_from"], s.loc["r06", "eligible_until"]) == (
        pd.Timestamp("2026-10-27"), pd.Timestamp("2026-11-24"))
    assert s.loc["r06", "sku"] == "A; B"  # one request per order, several items
    t = _review_tables()
    action = customer.review_request_schedule(t.pop("orders"), AS_OF, **t)
    # eligible, soonest to expire first (r04 11-01; r01 r09 r10 r13 11-23; r06 11-24; r02
    # 10-29 + 30 = 11-28), then the not yet eligible by start date (r03 11-02, r07 11-04)
    assert action["order_id"].tolist() == ["r04", "r01", "r09", "r10", "r13", "r06", "r02",
                                           "r03", "r07"]
    assert not action["order_id"].duplicated().any()


def test_seller_fulfilled_order_without_delivery_dates_is_never_assumed_delivered():
    """The 2-5 day fallback is Amazon's FBA promise; a seller-fulfilled order's transit is the
    seller's carrier's (median 10 days on real Olist orders). Without the order report's
    delivery dates such an order is ``no_delivery_date``: never eligible, not on the action
    list; an FBA order bought the same day still gets the fallback window."""
    t = _review_tables()
    orders = t.pop("orders")
    t["order_promises"] = t["order_promises"].iloc[:0]  # no order report
    s = customer.review_request_schedule(orders, AS_OF, include_ineligible=True, **t)
    s = s.set_index("order_id")
    # r01 (MFN, shipped, bought 10-15): by the fallback it would be eligible from 10-22
    assert s.loc["r01", "status"] == "no_delivery_date"
    assert pd.isna(s.loc["r01", "eligible_from"]) and pd.isna(s.loc["r01", "dates_source"])
    assert s.loc["r06", "status"] == "eligible"  # AFN: purchase 10-20 + 2 days + 5
    mfn_shipped = {"r01", "r02", "r03", "r04", "r05", "r09", "r10", "r13"}
    assert set(s.index[s["status"] == "no_delivery_date"]) == mfn_shipped
    action = customer.review_request_schedule(orders, AS_OF, **t)
    assert not set(action["order_id"]) & mfn_shipped
    assert set(action["order_id"]) == {"r06", "r07"}


def test_undated_seller_fulfilled_orders_left_off_are_counted_by_hand():
    """Without the order report, the report says how many shipped seller-fulfilled orders of
    the last 30 days it had to leave off. By hand (US, local purchase days): undated MFN
    shipped orders r01 r09 r10 r13 (10-15), r02 r03 (10-20), r04 r05 (09-25); r11 is already
    asked, r08 cancelled, r12 unshipped. As of 11-01 the last 30 days are 10-02..10-31."""
    t = _review_tables()
    orders = t.pop("orders")
    t["order_promises"] = t["order_promises"].iloc[:0]
    s = customer.review_request_schedule(orders, AS_OF, include_ineligible=True, **t)
    assert s.set_index("order_id").loc["r01", "purchase_date"] == pd.Timestamp("2026-10-15")
    n = customer.review_orders_without_dates(s, AS_OF)
    assert n[["marketplace", "orders"]].values.tolist() == [["US", 6]]
    n = customer.review_orders_without_dates(s, AS_OF, recent_days=15)  # 10-17..10-31
    assert n["orders"].tolist() == [2]
    # with the order report nothing is left off
    t = _review_tables()
    s = customer.review_request_schedule(t.pop("orders"), AS_OF, include_ineligible=True, **t)
    assert customer.review_orders_without_dates(s, AS_OF).empty


def test_review_requests_trend_by_hand():
    t = _review_tables()
    tr = customer.review_requests_trend(t.pop("orders"), "2026-10-27", "2026-11-01", **t)
    n = tr.set_index("as_of")["eligible"]
    # default (returns, claims, refunds kept): r01 r04 r05 r06 r09 r10 r13 = 7 every day from
    # 10-27 to 10-31 (r11 was already asked); 11-01: r05 expired, r02 starts -> 7
    assert n.tolist() == [7, 7, 7, 7, 7, 7]
    t = _review_tables()
    with pytest.warns(customer.SelectiveSolicitationWarning):
        tr = customer.review_requests_trend(t.pop("orders"), "2026-10-27", "2026-11-01",
                                            exclude_returned_refunded_claimed=True, **t)
    n = tr.set_index("as_of")["eligible"]
    # with the option: 10-27: r01 r04 r05 r06, r09 (returned 10-30 11:00 local), r10 (claim
    # 10-28 11:00) = 6 (r13's refund is undated: out from the start); a claim or return
    # counts from the next day's as-of moment: 10-28 still 6, 10-29: r10 out -> 5;
    # 10-31: r09 out -> r01 r04 r05 r06 = 4; 11-01: r05 expired, r02 starts -> 4
    assert n.to_dict() == {pd.Timestamp("2026-10-27"): 6, pd.Timestamp("2026-10-28"): 6,
                           pd.Timestamp("2026-10-29"): 5, pd.Timestamp("2026-10-30"): 5,
                           pd.Timestamp("2026-10-31"): 4, pd.Timestamp("2026-11-01"): 4}


def test_review_request_log_never_lists_an_order_twice():
    """Amazon allows one request per order (Solicitations API model: "Send only one
    productReviewAndSellerFeedback or free form proactive message per order"). An order in
    the seller's request log is never listed again, whatever else is true of it."""
    t = _review_tables()
    t.pop("requested_order_ids")
    log = contract.conform(pd.DataFrame({
        "seller_id": "s1", "marketplace": "US",
        "order_id": ["r01", "r09", "r03", "r04"],
        # r01 asked 10-28 09:00 PDT; r09 (returned) asked 10-26; r03 asked with no date known;
        # r04 asked later on the as-of day itself (after the report ran): already sent
        "requested_ts": pd.to_datetime(["2026-10-28T16:00Z", "2026-10-26T16:00Z", None,
                                        "2026-11-01T20:00Z"], utc=True),
        "method": ["button", "button", "tool", "api"]}), "review_requests")
    orders = t.pop("orders")
    s = customer.review_request_schedule(orders, AS_OF, review_requests=log,
                                         include_ineligible=True, **t).set_index("order_id")
    for o in ("r01", "r09", "r03", "r04"):
        assert s.loc[o, "status"] == "already_requested", o
    action = customer.review_request_schedule(orders, AS_OF, review_requests=log, **t)
    assert not set(action["order_id"]) & {"r01", "r09", "r03", "r04"}
    # eligible: r10 r11 r13 (11-23; r11 is not in this log), r06 (11-24), r02 (11-28); not
    # yet: r07 (r03 is in the log)
    assert action["order_id"].tolist() == ["r10", "r11", "r13", "r06", "r02", "r07"]
    # a past as-of (10-27) sees only the requests sent by the end of that day: r09 (10-26)
    # and the undated r03, not r01 (10-28)
    past = customer.review_request_schedule(orders, pd.Timestamp("2026-10-27"),
                                            review_requests=log, include_ineligible=True,
                                            **t).set_index("order_id")
    assert past.loc["r01", "status"] == "eligible"
    assert past.loc["r09", "status"] == "already_requested"
    # the trend drops each order from the day after its request: r01 (asked 10-28) counts on
    # 10-28, not 10-29
    tr = customer.review_requests_trend(orders, "2026-10-28", "2026-10-29", review_requests=log,
                                        **t).set_index("as_of")["eligible"]
    # 10-28: r01 r04 r05 r06 r10 r11 r13 = 7 (r09 asked 10-26, r03 undated); 10-29: r01 out
    assert tr.tolist() == [7, 6]


def test_review_request_log_is_read(write):
    from postship_analysis.readers.messages import read_review_requests
    p = write("Review Requests.csv", "order-id,requested-at,method\n"
              "113-1,2026-10-27 09:10:00,button\n113-2,,api\n113-1,2026-10-27 09:10:00,"
              "button\n")
    r = read_review_requests(p, marketplace="US")
    assert r.data["order_id"].tolist() == ["113-1", "113-2"]
    assert r.data["requested_ts"].iloc[0] == pd.Timestamp("2026-10-27T16:10:00Z")  # PDT
    assert pd.isna(r.data["requested_ts"].iloc[1])
    assert r.rows_read == 3 and r.accepted + r.rejected == 3  # duplicate quarantined


def test_customer_kpis():
    t = _review_tables()
    k = customer.customer_kpis(AS_OF, buyer_messages=US_MSGS, **t)
    by = {x.name: x for x in k}
    assert set(by) == {"late_response_rate_24h_30d", "wismo_answered_within_12h_30d",
                       "review_requests_eligible_today"}
    lr = by["late_response_rate_24h_30d"]
    assert (lr.value, lr.numerator, lr.denominator) == (pytest.approx(0.4), 2, 5)
    assert lr.window == "2026-10-02..2026-10-31" and lr.status == "fail"
    assert lr.marketplace == "US"
    assert by["wismo_answered_within_12h_30d"].status == "no_data"  # no WISMO message
    rr = by["review_requests_eligible_today"]
    # r01 r02 r04 r06 and the returned / claimed / refunded r09 r10 r13 (kept by default)
    assert (rr.value, rr.unit) == (7, "count")


def test_bad_as_of():
    with pytest.raises(ParameterError):
        customer.response_rates(US_MSGS, pd.Timestamp("2026-11-01", tz="UTC"))


# ---------------------------------------------------------------------------------------------
# the synthetic sample's planted truth
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    from postship_analysis import datafolder
    if not (ROOT / "data" / "sample").is_dir():
        pytest.skip("data/sample absent")
    d = datafolder.load(ROOT / "data" / "sample",
                        tables=["orders", "returns", "inventory_ledger", "buyer_messages"])
    return d


def test_sample_wrong_item_pairs_recovered_exactly(sample):
    truth = pd.read_csv(ROOT / "data" / "sample_truth" / "returns.csv",
                        parse_dates=["return_date"])
    truth = truth[truth["wrong_item_sku"].notna()]
    w = customer.wrong_item_returns(sample.table("returns"), AS_OF,
                                    inventory_ledger=sample.table("inventory_ledger"))
    assert (w["received_sku_source"] == "ledger").all()
    got = w.groupby(["marketplace", "ordered_sku", "received_sku"]).size()
    want = truth.groupby(["marketplace", "sku", "wrong_item_sku"]).size()
    assert got.to_dict() == want.to_dict()
    p = customer.confused_sku_pairs(w)
    planted = pd.read_csv(ROOT / "data" / "sample_truth" / "confusable_pairs.csv")
    assert set(zip(p["marketplace"], p["sku_a"], p["sku_b"], strict=True)) == set(
        zip(planted["marketplace"], planted["sku_a"], planted["sku_b"], strict=True))
    first = p.set_index(["marketplace", "sku_a"])["first_date"]
    for r in planted.itertuples():
        sub = truth[(truth["marketplace"] == r.marketplace)
                    & truth["sku"].isin([r.sku_a, r.sku_b])]
        assert first[(r.marketplace, r.sku_a)] == sub["return_date"].min()


def test_sample_response_time_distribution(sample):
    # planted (sample.build_messages): delays lognormal, median 4 h, sigma 1.1 (log hours) for
    # messages outside the Friday 17:00 - Sunday span; 3 % never answered.
    st = customer.message_states(sample.table("buyer_messages"), AS_OF)
    loc = st["received_local"]
    weekday = (loc.dt.day_of_week < 4) | ((loc.dt.day_of_week == 4) & (loc.dt.hour < 17))
    x = st[weekday.to_numpy()]
    n = len(x)
    assert n > 500
    lh = np.log(x["response_hours"].dropna())
    # median of log hours: se ~ 1.25 * 1.1 / sqrt(n) ~ 0.05 -> allow 0.2 (4 +-~20 %)
    assert abs(lh.median() - math.log(4)) < 0.2
    assert abs(lh.std() - 1.1) < 0.12
    assert abs(x["response_hours"].isna().mean() - 0.03) < 0.015
    # late share for those messages: 0.03 + 0.97 * P(Z > ln(24/4)/1.1) = 0.03 + 0.97 * 0.0517
    expected = 0.03 + 0.97 * 0.5 * math.erfc(math.log(6) / 1.1 / math.sqrt(2))
    ids = set(x["thread_id"])
    bm = sample.table("buyer_messages")
    r = customer.response_rates(bm[bm["thread_id"].isin(ids)], AS_OF, windows=(600,))
    lrr = (r["late"].sum()) / r["denominator"].sum()
    assert abs(lrr - expected) < 0.03  # se ~ 0.01
    # weekend messages wait for Monday: their late share is far higher
    w_all = customer.response_rates(bm, AS_OF, windows=(600,))
    assert w_all["late"].sum() / w_all["denominator"].sum() > lrr + 0.05


def test_sample_return_rates_recover_planted(sample):
    skus = pd.read_csv(ROOT / "data" / "sample_truth" / "skus.csv")
    r = customer.return_rates(sample.table("orders"), sample.table("returns"), AS_OF,
                              window_days=549)  # 2025-05-01 .. 2026-10-31, the whole period
    m = r.merge(skus[["marketplace", "sku", "channel", "return_rate"]],
                on=["marketplace", "sku"], suffixes=("", "_true"))
    m = m[(m["channel"] == "AFN") & (m["units_shipped"] >= 300)]
    assert len(m) >= 8
    se = np.sqrt(m["return_rate_true"] * (1 - m["return_rate_true"]) / m["units_shipped"])
    # 3 standard errors, plus 0.005 for returns of the last weeks' sales not yet back
    assert (abs(m["return_rate"] - m["return_rate_true"]) <= 3 * se + 0.005).all()


def test_sample_review_schedule_respects_the_log_and_keeps_returns():
    """The sample's request log (planted: data/sample_truth orders.csv.gz review_requested) is
    honoured exactly, and returned orders stay on the list by default."""
    from postship_analysis import datafolder
    if not (ROOT / "data" / "sample").is_dir():
        pytest.skip("data/sample absent")
    d = datafolder.load(ROOT / "data" / "sample",
                        tables=["orders", "order_promises", "fba_shipments", "returns",
                                "claims", "review_requests"])
    truth = pd.read_csv(ROOT / "data" / "sample_truth" / "orders.csv.gz", dtype=str,
                        keep_default_na=False)
    asked = set(truth.loc[truth["review_requested"] != "", "order_id"])
    assert len(asked) > 500
    kw = dict(order_promises=d.table("order_promises"), fba_shipments=d.table("fba_shipments"),
              returns=d.table("returns"), claims=d.table("claims"),
              review_requests=d.table("review_requests"))
    every = customer.review_request_schedule(d.table("orders"), AS_OF, include_ineligible=True,
                                             **kw)
    assert set(every.loc[every["status"] == "already_requested", "order_id"]) == asked
    action = customer.review_request_schedule(d.table("orders"), AS_OF, **kw)
    assert not set(action["order_id"]) & asked
    assert not action["order_id"].duplicated().any()
    kept = action[action["returned"] & (action["status"] == "eligible")]
    assert len(kept) > 0  # returned orders are not silently dropped
