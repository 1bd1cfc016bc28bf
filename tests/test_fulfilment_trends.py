"""The daily trends of postship_analysis.fulfilment equal the single-day metrics, day by day.

The trend functions compute every as-of day at once (vectorised); their definition is "the
single-day function for each as-of day". So the reference here is exactly that: the public
single-day function (``late_shipment_rate``, ``pre_fulfilment_cancel_rate``,
``valid_tracking_rate``, ``on_time_delivery_rate``, ``unit_on_time_delivery_rate``) called once
per as-of day, ``as_of`` inserted after seller_id and marketplace, the days concatenated. The
comparison is of whole frames, exact (values, order, dtypes).

The hand-made tables put orders, confirmations, scans and cancellations on window edges, on
local midnights (the as-of instants) and in the last hour before one, across both 2026 DST changes (Europe/Berlin on Oct 25,
America/Los_Angeles on Nov 1), with local dates that differ from the UTC date, missing dates,
partial shipments, back-dated confirmations, cancelled and buyer-requested orders, a seller
with no order in most windows and days with no order at all.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SAMPLE

from postship_analysis import contract, datafolder
from postship_analysis import fulfilment as F

TZ = {"US": "America/Los_Angeles", "DE": "Europe/Berlin"}


def utc(local: str | None, mp: str):
    if local is None:
        return pd.NaT
    return pd.Timestamp(local).tz_localize(TZ[mp], ambiguous=True).tz_convert("UTC")


def _table(name: str, cols: list[str], rows: list[tuple], ts: dict[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=cols)
    for c in ts:  # local wall-clock strings -> UTC, per row's marketplace
        df[c] = pd.to_datetime([utc(v, mp) for v, mp in zip(df[c], df["marketplace"],
                                                             strict=True)], utc=True)
    for c in ("quantity",):
        if c in df:
            df[c] = df[c].astype("Int64")
    return contract.conform(df, name)


P_COLS = ["seller_id", "marketplace", "order_id", "order_item_id", "sku", "quantity",
          "purchase_ts", "latest_ship_ts", "latest_delivery_ts", "buyer_requested_cancel"]
PROMISES = [
    ("s1", "US", "U1", "1", "A", 1, "2026-10-23 09:00", "2026-10-24 23:59:59", "2026-10-28 20:00", False),
    ("s1", "US", "U2", "1", "A", 1, "2026-10-24 10:00", "2026-10-25 10:00", "2026-10-30 20:00", False),
    ("s1", "US", "U3", "1", "B", 1, "2026-10-26 09:00", "2026-10-27 10:00", "2026-11-02 20:00", False),
    ("s1", "US", "U4", "1", "B", 1, "2026-10-26 23:30", "2026-10-28 10:00", "2026-11-03 20:00", False),
    ("s1", "US", "U5", "1", "A", 2, "2026-10-30 08:00", "2026-10-31 23:30", "2026-11-04 20:00", False),
    ("s1", "US", "U6", "1", "A", 1, "2026-10-21 08:00", None, None, False),
    ("s1", "US", "U7", "1", "A", 1, "2026-10-20 08:00", "2026-10-22 12:00", "2026-10-27 20:00", False),
    ("s1", "US", "U7", "2", "B", 2, "2026-10-20 08:00", "2026-10-22 12:00", "2026-10-27 20:00", False),
    ("s1", "US", "U8", "1", "A", 1, "2026-10-21 07:00", "2026-10-22 12:00", "2026-10-26 20:00", False),
    ("s1", "US", "U9", "1", "B", 1, "2026-10-15 07:00", "2026-10-16 12:00", "2026-10-20 20:00", False),
    ("s1", "US", "U10", "1", "A", 1, "2026-11-02 00:00", "2026-11-03 12:00", "2026-11-07 20:00", False),
    ("s1", "US", "U11", "1", "A", 1, "2026-10-28 09:00", "2026-10-29 12:00", "2026-11-02 20:00", True),
    ("s1", "US", "U13", "1", "B", 1, "2026-10-30 10:00", "2026-11-01 12:00", "2026-11-01 23:55", False),
    ("s1", "US", "V1", "1", "A", 1, "2026-09-20 09:00", "2026-09-22 12:00", "2026-09-27 20:00", False),
    ("s1", "US", "V2", "1", "B", 1, "2026-09-21 09:00", "2026-09-23 12:00", "2026-09-28 20:00", False),
    ("s1", "US", "V3", "1", "A", 1, "2026-09-22 09:00", "2026-09-24 12:00", "2026-09-29 20:00", False),
    ("s1", "US", "V4", "1", "B", 1, "2026-09-23 09:00", "2026-09-25 12:00", "2026-09-30 20:00", False),
    ("s1", "US", "V5", "1", "A", 3, "2026-10-22 09:00", "2026-10-24 23:00", "2026-10-31 00:00", False),
    ("s1", "DE", "D1", "1", "A", 1, "2026-10-23 10:00", "2026-10-25 01:30", "2026-10-29 18:00", False),
    ("s1", "DE", "D2", "1", "C", 1, "2026-10-16 10:00", "2026-10-18 12:00", "2026-10-22 18:00", False),
    ("s1", "DE", "D3", "1", "A", 1, "2026-10-24 23:30", "2026-10-26 00:00", "2026-10-30 18:00", False),
    ("s1", "DE", "D5", "1", "B", 1, "2026-10-24 10:00", "2026-10-25 20:00", "2026-10-25 23:59", False),
    ("s2", "US", "S1", "1", "A", 1, "2026-10-08 09:00", "2026-10-10 12:00", "2026-10-15 20:00", False),
]
C_COLS = ["seller_id", "marketplace", "order_id", "order_item_id", "quantity", "ship_ts",
          "carrier_code", "carrier_name", "tracking_number", "confirmed_ts"]
CONFIRMATIONS = [
    ("s1", "US", "U1", None, None, "2026-10-24 22:00", "UPS", None, "1Z001", None),
    ("s1", "US", "U2", None, None, "2026-10-26 00:30", "UPS", None, "1Z002", None),
    ("s1", "US", "U5", None, None, "2026-11-01 01:30", "USPS", None, "9400105", None),
    ("s1", "US", "U7", "1", 1, "2026-10-20 15:00", "UPS", None, "1Z007A", None),
    ("s1", "US", "U7", "2", 1, "2026-10-21 15:00", "UPS", None, "1Z007B", None),
    ("s1", "US", "U7", "2", 1, "2026-10-23 09:00", "UPS", None, "1Z007C", None),
    ("s1", "US", "U8", None, None, "2026-10-22 08:00", "UPS", None, "1Z008", "2026-10-23 15:00"),
    ("s1", "US", "U9", None, None, "2026-10-16 10:00", "UPS", None, "1Z009", None),
    ("s1", "US", "U13", None, None, "2026-11-01 23:30", "UPS", None, "1Z013", None),
    ("s1", "US", "V1", None, None, "2026-09-22 10:00", "UPS", None, "1ZV1", None),
    ("s1", "US", "V2", None, None, "2026-09-23 10:00", "Other", "Bob's Courier", "TRKV2", None),
    ("s1", "US", "V3", None, None, "2026-09-24 10:00", "UPS", None, None, None),
    ("s1", "US", "V4", None, None, "2026-09-25 10:00", "UPS", None, "1ZV4", None),
    ("s1", "US", "V5", None, None, "2026-10-24 18:00", "UPS", None, "1ZV5", None),
    ("s1", "DE", "D1", None, None, "2026-10-25 02:30", "DHL", None, "JJD1", None),
    ("s1", "DE", "D2", None, None, "2026-10-19 09:00", "DHL", None, "JJD2", None),
    ("s1", "DE", "D3", None, None, "2026-10-25 23:00", "DHL", None, "JJD3", None),
    ("s1", "DE", "D5", None, None, "2026-10-25 23:30", "DHL", None, "JJD5", None),
    ("s2", "US", "S1", None, None, "2026-10-10 09:00", "UPS", None, "1ZS1", None),
]
E_COLS = ["seller_id", "marketplace", "tracking_number", "carrier", "event", "event_ts"]
EVENTS = [
    ("s1", "US", "1Z001", "UPS", "in_transit", "2026-10-25 08:00"),
    ("s1", "US", "1Z001", "UPS", "delivered", "2026-10-28 14:00"),
    ("s1", "US", "1Z002", "UPS", "picked_up", "2026-10-26 09:00"),
    ("s1", "US", "1Z002", "UPS", "delivered", "2026-10-31 10:00"),
    ("s1", "US", "9400105", "USPS", "picked_up", "2026-11-02 00:00"),  # an as-of instant
    ("s1", "US", "1Z007A", "UPS", "delivered", "2026-10-20 12:00"),  # before its confirmation
    ("s1", "US", "1Z007B", "UPS", "in_transit", "2026-10-22 00:00"),
    ("s1", "US", "1Z007B", "UPS", "delivered", "2026-10-27 23:59"),
    ("s1", "US", "1Z008", "UPS", "label_created", "2026-10-22 08:00"),  # not a carrier scan
    ("s1", "US", "1Z009", "UPS", "delivered", "2026-10-19 12:00"),
    ("s1", "US", "1ZV1", "UPS", "picked_up", "2026-09-22 18:00"),
    ("s1", "US", "1ZV1", "UPS", "delivered", "2026-09-26 12:00"),
    ("s1", "US", "TRKV2", "Bobs", "delivered", "2026-09-26 12:00"),
    ("s1", "US", "1ZV4", "UPS", "label_created", "2026-09-25 11:00"),
    ("s1", "US", "1ZV5", "UPS", "picked_up", "2026-10-25 00:00"),  # an as-of instant
    ("s1", "US", "1ZV5", "UPS", "delivered", "2026-11-01 01:30"),  # late, in the repeated hour
    ("s1", "DE", "JJD1", "DHL", "picked_up", "2026-10-25 09:00"),
    ("s1", "DE", "JJD1", "DHL", "delivered", "2026-10-28 10:00"),
    ("s1", "DE", "JJD2", "DPD", "picked_up", "2026-10-19 12:00"),  # another carrier's scan
    ("s1", "DE", "JJD3", "DHL", "picked_up", "2026-10-26 00:00"),
    ("s1", "DE", "JJD3", "DHL", "delivered", "2026-10-29 09:00"),
    ("s1", "US", "1Z013", "UPS", "picked_up", "2026-11-01 23:40"),
    ("s1", "US", "1Z013", "UPS", "delivered", "2026-11-01 23:50"),
    ("s1", "DE", "JJD5", "DHL", "picked_up", "2026-10-25 23:40"),
    ("s1", "DE", "JJD5", "DHL", "delivered", "2026-10-25 23:50"),
    ("s2", "US", "1ZS1", "UPS", "delivered", "2026-10-14 12:00"),
]
O_COLS = ["seller_id", "marketplace", "order_id", "order_item_id", "fulfillment_channel",
          "purchase_ts", "order_status", "item_status", "last_updated_ts"]
ORDERS = [
    ("s1", "US", "U1", "1", "MFN", "2026-10-23 09:00", "Shipped", "Shipped", "2026-10-24 22:05"),
    ("s1", "US", "U2", "1", "MFN", "2026-10-24 10:00", "Shipped", "Shipped", "2026-10-26 00:35"),
    ("s1", "US", "U3", "1", "MFN", "2026-10-26 09:00", "Cancelled", "Cancelled", "2026-10-29 12:00"),
    ("s1", "US", "U4", "1", "MFN", "2026-10-26 23:30", "Cancelled", "Cancelled", None),
    ("s1", "US", "U5", "1", "MFN", "2026-10-30 08:00", "Shipped", "Shipped", "2026-11-01 01:40"),
    ("s1", "US", "U6", "1", "MFN", "2026-10-21 08:00", "Pending", "Unshipped", None),
    ("s1", "US", "U7", "1", "MFN", "2026-10-20 08:00", "Shipped", "Shipped", "2026-10-23 09:05"),
    ("s1", "US", "U7", "2", "MFN", "2026-10-20 08:00", "Shipped", "Shipped", "2026-10-23 09:05"),
    ("s1", "US", "U8", "1", "MFN", "2026-10-21 07:00", "Shipped", "Shipped", "2026-10-23 15:05"),
    ("s1", "US", "U9", "1", "MFN", "2026-10-15 07:00", "Shipped", "Shipped", "2026-10-17 09:00"),
    ("s1", "US", "U10", "1", "MFN", "2026-11-02 00:00", "Unshipped", "Unshipped", "2026-11-02 00:00"),
    ("s1", "US", "U11", "1", "MFN", "2026-10-28 09:00", "Cancelled", "Cancelled", "2026-10-29 18:00"),
    # partly cancelled, the cancellation stamped exactly at the Nov 1 as-of instant
    ("s1", "US", "U12", "1", "MFN", "2026-10-31 23:30", "Shipped", "Cancelled", "2026-11-01 00:00"),
    ("s1", "US", "U12", "2", "MFN", "2026-10-31 23:30", "Shipped", "Shipped", "2026-11-01 00:00"),
    ("s1", "US", "A1", "1", "AFN", "2026-10-27 09:00", "Cancelled", "Cancelled", "2026-10-27 10:00"),
    ("s1", "US", "V1", "1", "MFN", "2026-09-20 09:00", "Shipped", "Shipped", "2026-09-22 10:05"),
    ("s1", "US", "V5", "1", "MFN", "2026-10-22 09:00", "Shipped", "Shipped", "2026-10-24 18:05"),
    ("s1", "DE", "D1", "1", "MFN", "2026-10-23 10:00", "Shipped", "Shipped", "2026-10-25 02:35"),
    ("s1", "DE", "D2", "1", "MFN", "2026-10-16 10:00", "Shipped", "Shipped", "2026-10-19 09:05"),
    ("s1", "DE", "D3", "1", "MFN", "2026-10-24 23:30", "Cancelled", "Cancelled", "2026-10-25 02:30"),
    ("s1", "DE", "D4", "1", "MFN", "2026-10-25 00:00", "Cancelled", "Cancelled", "2026-10-26 00:00"),
    ("s1", "US", "U13", "1", "MFN", "2026-10-30 10:00", "Shipped", "Shipped", "2026-11-01 23:35"),
    ("s1", "DE", "D5", "1", "MFN", "2026-10-24 10:00", "Shipped", "Shipped", "2026-10-25 23:35"),
    ("s1", "DE", "D6", "1", "MFN", "2026-10-25 23:30", "Cancelled", "Cancelled", "2026-10-25 23:40"),
    ("s2", "US", "S1", "1", "MFN", "2026-10-08 09:00", "Shipped", "Shipped", "2026-10-10 09:05"),
]
CATS = pd.DataFrame({"sku": ["A", "B"], "category": ["Kitchen", "Bath"]})  # C unmapped
START, END = "2026-10-15", "2026-11-05"
SLOW = pytest.mark.slow  # more parameter sets, same edge cases


@pytest.fixture(scope="module")
def hand():
    return (_table("order_promises", P_COLS, PROMISES,
                   ["purchase_ts", "latest_ship_ts", "latest_delivery_ts"]),
            _table("shipment_confirmations", C_COLS, CONFIRMATIONS, ["ship_ts", "confirmed_ts"]),
            _table("delivery_events", E_COLS, EVENTS, ["event_ts"]),
            _table("orders", O_COLS, ORDERS, ["purchase_ts", "last_updated_ts"]))


def day_by_day(metric, as_of_days, /, **kw) -> pd.DataFrame:
    """The trend's definition: the single-day metric for each as-of day, stacked."""
    parts = []
    for d in as_of_days:
        r = metric(as_of=d, **kw)
        r.insert(2, "as_of", d)
        parts.append(r)
    return pd.concat(parts, ignore_index=True)


def same(trend: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert len(trend) == len(reference)
    pd.testing.assert_frame_equal(trend, reference, check_exact=True)


def range_days(start=START, end=END):
    return pd.date_range(start, end, freq="D")


# ---------------------------------------------------------------------------------------------
# hand-made edge cases, every day of the range
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("days, overdue, basis, with_orders", [
    (10, True, "auto", True),
    pytest.param(30, True, "auto", True, marks=SLOW), pytest.param(1, True, "auto", True, marks=SLOW),
    pytest.param(7, False, "auto", True, marks=SLOW),
    pytest.param(7, True, "ship_date", True, marks=SLOW),
    pytest.param(10, True, "auto", False, marks=SLOW)])
def test_lsr_trend_equals_day_by_day(hand, days, overdue, basis, with_orders):
    p, c, _, o = hand
    o = o if with_orders else None
    kw = dict(days=days, orders=o, count_unconfirmed_overdue=overdue, confirm_basis=basis)
    tr = F.late_shipment_rate_trend(p, c, START, END, **kw)
    same(tr, day_by_day(lambda as_of, **k: F.late_shipment_rate(p, c, as_of, **k),
                        range_days(), **kw))
    assert set(tr["seller_id"]) == {"s1", "s2"}  # every group every day, also with no order


def test_lsr_trend_hand_checked_days(hand):
    """Two days worked out by hand (US, s1, 1-day windows: the orders due the day before)."""
    p, c, _, o = hand
    tr = F.late_shipment_rate_trend(p, c, "2026-10-25", "2026-10-26", days=1, orders=o)
    us = tr[(tr["seller_id"] == "s1") & (tr["marketplace"] == "US")].set_index("as_of")
    # as_of Oct 25: due Oct 24 local: U1 (23:59:59, confirmed 22:00: on time) and V5 (23:00,
    # confirmed Oct 24 18:00: on time) -> 0 / 2
    assert us.loc["2026-10-25", ["numerator", "denominator"]].tolist() == [0, 2]
    # as_of Oct 26: due Oct 25: U2 (10:00), confirmed Oct 26 00:30, after the Oct 26 instant:
    # unconfirmed and overdue -> late 1 / 1, judged "not confirmed yet"
    assert us.loc["2026-10-26", ["numerator", "denominator"]].tolist() == [1, 1]
    assert us.loc["2026-10-26", "confirm_basis"] == "not confirmed yet 1"


@pytest.mark.parametrize("days, partial, buyer, with_promises", [
    (7, True, None, True), (1, True, None, True), (7, False, ["U3"], False),
    pytest.param(30, True, ["U3", "D3"], True, marks=SLOW)])
def test_pfcr_trend_equals_day_by_day(hand, days, partial, buyer, with_promises):
    p, _, _, o = hand
    kw = dict(days=days, count_partial=partial, buyer_requested=buyer,
              order_promises=p if with_promises else None)
    tr = F.pre_fulfilment_cancel_rate_trend(o, START, END, **kw)
    same(tr, day_by_day(lambda as_of, **k: F.pre_fulfilment_cancel_rate(o, as_of, **k),
                        range_days(), **kw))


def test_pfcr_trend_hand_checked_day(hand):
    """U12 (placed Oct 31 23:30 LA, partly cancelled at exactly the Nov 1 instant)."""
    p, _, _, o = hand
    tr = F.pre_fulfilment_cancel_rate_trend(o, "2026-11-01", "2026-11-02", days=1,
                                            order_promises=p)
    us = tr[(tr["seller_id"] == "s1") & (tr["marketplace"] == "US")].set_index("as_of")
    # as_of Nov 1: orders placed Oct 31: U12, its cancellation not yet known -> 0 / 1
    assert us.loc["2026-11-01", ["numerator", "denominator"]].tolist() == [0, 1]
    # as_of Nov 2: orders placed Nov 1 local: none (U10 is Nov 2 00:00) -> no data
    assert us.loc["2026-11-02", "denominator"] == 0 and us.loc["2026-11-02", "status"] == "no_data"


@pytest.mark.parametrize("days, lag, basis, by", [
    (5, 0, "promised_delivery", "category"),
    pytest.param(30, 14, "promised_delivery", None, marks=SLOW),
    pytest.param(3, 2, "confirmation", "carrier", marks=SLOW),
    pytest.param(1, 0, "confirmation", None, marks=SLOW),
    pytest.param(10, 1, "promised_delivery", "carrier", marks=SLOW)])
def test_vtr_trend_equals_day_by_day(hand, days, lag, basis, by):
    p, c, e, _ = hand
    kw = dict(days=days, lag_days=lag, date_basis=basis, by=by,
              sku_categories=CATS if by == "category" else None)
    tr = F.valid_tracking_rate_trend(c, e, p, START, END, **kw)
    same(tr, day_by_day(lambda as_of, **k: F.valid_tracking_rate(c, e, p, as_of, **k),
                        range_days(), **kw))


@pytest.mark.parametrize("days, lag, basis", [
    (4, 0, "promised_delivery"),
    pytest.param(30, 14, "promised_delivery", marks=SLOW),
    pytest.param(2, 1, "confirmation", marks=SLOW)])
def test_otd_trend_equals_day_by_day(hand, days, lag, basis):
    p, c, e, _ = hand
    kw = dict(days=days, lag_days=lag, date_basis=basis)
    tr = F.on_time_delivery_rate_trend(c, e, p, START, END, **kw)
    same(tr, day_by_day(lambda as_of, **k: F.on_time_delivery_rate(c, e, p, as_of, **k),
                        range_days(), **kw))


@pytest.mark.parametrize("days, lag", [(3, 0), pytest.param(14, 7, marks=SLOW),
                                       pytest.param(1, 2, marks=SLOW)])
def test_unit_otd_trend_equals_day_by_day(hand, days, lag):
    p, c, e, _ = hand
    tr = F.unit_on_time_delivery_rate_trend(c, e, p, START, END, days=days, lag_days=lag)
    same(tr, day_by_day(
        lambda as_of: F.unit_on_time_delivery_rate(c, e, p, as_of, days=days, lag_days=lag),
        range_days()))


def test_trends_of_empty_tables_equal_day_by_day():
    p, c = contract.empty("order_promises"), contract.empty("shipment_confirmations")
    e, o = contract.empty("delivery_events"), contract.empty("orders")
    d = range_days("2026-10-30", "2026-11-01")
    same(F.late_shipment_rate_trend(p, c, d[0], d[-1], orders=o),
         day_by_day(lambda as_of: F.late_shipment_rate(p, c, as_of, orders=o), d))
    same(F.pre_fulfilment_cancel_rate_trend(o, d[0], d[-1]),
         day_by_day(lambda as_of: F.pre_fulfilment_cancel_rate(o, as_of), d))
    same(F.valid_tracking_rate_trend(c, e, p, d[0], d[-1]),
         day_by_day(lambda as_of: F.valid_tracking_rate(c, e, p, as_of), d))
    same(F.unit_on_time_delivery_rate_trend(c, e, p, d[0], d[-1]),
         day_by_day(lambda as_of: F.unit_on_time_delivery_rate(c, e, p, as_of), d))


def test_trend_parameters_are_checked(hand):
    p, c, e, o = hand
    with pytest.raises(F.ParameterError):
        F.late_shipment_rate_trend(p, c, "2026-11-02", "2026-11-01", orders=o)
    with pytest.raises(F.ParameterError):
        F.pre_fulfilment_cancel_rate_trend(o, START, END, days=0)
    with pytest.raises(F.ParameterError):
        F.valid_tracking_rate_trend(c, e, p, START, END, lag_days=-1)
    with pytest.raises(F.ParameterError):
        F.unit_on_time_delivery_rate_trend(c, e, p, pd.Timestamp(START, tz="UTC"), END)


# ---------------------------------------------------------------------------------------------
# the sample, on the days that matter: the notebook's first and last day, both DST changes
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_sample_trends_equal_day_by_day():
    f = datafolder.load(SAMPLE, tables=["orders", "order_promises", "shipment_confirmations",
                                        "delivery_events", "sku_categories"])
    o, p, c, e = (f.table(n) for n in ("orders", "order_promises", "shipment_confirmations",
                                       "delivery_events"))
    cats = f.table("sku_categories")[["sku", "category", "marketplace"]]
    start, end = pd.Timestamp("2026-03-01"), pd.Timestamp("2026-11-01")
    check = pd.to_datetime(["2026-03-01", "2026-03-08", "2026-03-09", "2026-03-29",
                            "2026-03-30", "2026-07-04", "2026-10-25", "2026-10-26",
                            "2026-11-01"])

    def on_days(tr):
        return tr[tr["as_of"].isin(check)].reset_index(drop=True)

    def ref(metric):
        return day_by_day(metric, check)

    same(on_days(F.late_shipment_rate_trend(p, c, start, end, orders=o, days=30)),
         ref(lambda as_of: F.late_shipment_rate(p, c, as_of, orders=o, days=30)))
    same(on_days(F.late_shipment_rate_trend(p, c, start, end, orders=o, days=10,
                                            confirm_basis="ship_date")),
         ref(lambda as_of: F.late_shipment_rate(p, c, as_of, orders=o, days=10,
                                                confirm_basis="ship_date")))
    same(on_days(F.pre_fulfilment_cancel_rate_trend(o, start, end, order_promises=p)),
         ref(lambda as_of: F.pre_fulfilment_cancel_rate(o, as_of, order_promises=p)))
    same(on_days(F.valid_tracking_rate_trend(c, e, p, start, end)),
         ref(lambda as_of: F.valid_tracking_rate(c, e, p, as_of)))
    same(on_days(F.valid_tracking_rate_trend(c, e, p, start, end, by="category",
                                             sku_categories=cats)),
         ref(lambda as_of: F.valid_tracking_rate(c, e, p, as_of, by="category",
                                                 sku_categories=cats)))
    same(on_days(F.on_time_delivery_rate_trend(c, e, p, start, end)),
         ref(lambda as_of: F.on_time_delivery_rate(c, e, p, as_of)))
    same(on_days(F.unit_on_time_delivery_rate_trend(c, e, p, start, end)),
         ref(lambda as_of: F.unit_on_time_delivery_rate(c, e, p, as_of)))
