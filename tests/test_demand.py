"""Tests of postship_analysis.demand: daily demand, censoring, stockout episodes, SBC classes.

Hand fixtures carry their arithmetic in comments; the sample-truth tests compare with what the
generator planted (data/sample_truth/daily.csv.gz and stockouts.csv, written from its internal
state, not from the files our readers parse).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE, SAMPLE_TRUTH

from postship_analysis import datafolder, demand
from postship_analysis.readers.inventory import daily_on_hand_from_ledger


def orders(rows):
    """rows: (mp, sku, utc_time, qty, order_status)."""
    return pd.DataFrame({
        "seller_id": "s", "marketplace": [r[0] for r in rows], "sku": [r[1] for r in rows],
        "purchase_ts": pd.to_datetime([r[2] for r in rows], utc=True),
        "quantity": pd.array([r[3] for r in rows], dtype="Int64"),
        "order_status": [r[4] for r in rows], "item_status": "Shipped"})


def test_units_by_local_day_without_cancelled():
    o = orders([
        ("US", "A", "2026-10-01T20:00Z", 2, "Shipped"),    # 13:00 PDT, 1 Oct
        ("US", "A", "2026-10-02T05:00Z", 3, "Pending"),    # 22:00 PDT, still 1 Oct
        ("US", "A", "2026-10-02T18:00Z", 4, "Cancelled"),  # cancelled: not demand
        ("US", "A", "2026-10-03T18:00Z", 1, "Shipped"),
        ("DE", "A", "2026-10-01T22:30Z", 5, "Shipped"),    # 00:30 CEST, 2 Oct in Berlin
    ])
    d = demand.daily_demand(o)
    us = d[d.marketplace == "US"]
    assert us["date"].dt.strftime("%m-%d").tolist() == ["10-01", "10-02", "10-03"]
    assert us["units"].tolist() == [2 + 3, 0, 1]
    de = d[d.marketplace == "DE"]
    assert de["date"].dt.strftime("%m-%d").tolist() == ["10-02"]
    # DE: first day is 2 Oct (its only order), span ends at the marketplace's last day (2 Oct)
    assert de[["units"]].values.ravel().tolist() == [5]
    assert d["in_stock"].all() and not d["censored"].any()      # no history: all in stock


def test_censoring_rule_sell_out_out_and_restock_days():
    o = orders([("US", "A", "2026-10-01T18:00Z", 3, "Shipped"),
                ("US", "A", "2026-10-02T18:00Z", 2, "Shipped"),
                ("US", "A", "2026-10-05T18:00Z", 1, "Shipped")])
    # end-of-day on hand: 1 Oct 2 | 2 Oct 0 (sold the last 2: sell-out day) | 3 Oct 0 (out all
    # day) | 4 Oct 6 (opened at 0, received during the day) | 5 Oct 5 | 6 Oct <NA> (unknown)
    h = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
                      "date": pd.date_range("2026-10-01", periods=6),
                      "on_hand": pd.array([2, 0, 0, 6, 5, None], dtype="Int64")})
    d = demand.daily_demand(o, h)
    assert d["units"].tolist() == [3, 2, 0, 0, 1, 0]
    assert d["in_stock"].tolist() == [True, False, False, True, True, True]
    assert d["censored"].tolist() == [False, True, True, True, False, False]


# --- in-stock share of censored days ---------------------------------------------------------

def test_in_stock_share_from_order_times_by_hand():
    # 1-7 Oct in stock, one unit ordered at every local hour (US = UTC-7 in October): a flat
    # intraday profile for every weekday (no shrinkage: profile_prior_units=0). 8 Oct: sold out after the last order at 14:30 local -> share 14.5 / 24
    # = 0.6042. 9 Oct: out all day, no order -> 0. 10 Oct: opened at 0, restocked; first order
    # at 16:00 -> share 1 - 16 / 24 = 0.3333. 11 Oct: in stock -> 1.
    rows = []
    for day in range(1, 8):
        for hr in range(24):
            t = pd.Timestamp(f"2026-10-{day:02d} {hr:02d}:00") + pd.Timedelta(hours=7)
            rows.append(("US", "A", t.isoformat() + "Z", 1, "Shipped"))
    local = {"2026-10-08 10:00": 1, "2026-10-08 14:30": 1, "2026-10-10 16:00": 1,
             "2026-10-10 20:00": 2, "2026-10-11 12:00": 1}
    for t, q in local.items():
        rows.append(("US", "A", (pd.Timestamp(t) + pd.Timedelta(hours=7)).isoformat() + "Z", q,
                     "Shipped"))
    h = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
                      "date": pd.date_range("2026-10-01", periods=11),
                      "on_hand": [50] * 7 + [0, 0, 9, 8]})
    d = demand.daily_demand(orders(rows), h, profile_prior_units=0.0).set_index("date")
    assert d["censored"].tolist() == [False] * 7 + [True, True, True, False]
    assert d["in_stock_share"].iloc[:7].tolist() == [1.0] * 7
    assert d.loc["2026-10-08", "in_stock_share"] == pytest.approx(14.5 / 24)
    assert d.loc["2026-10-09", "in_stock_share"] == 0.0
    assert d.loc["2026-10-10", "in_stock_share"] == pytest.approx(1 - 16 / 24)
    assert d.loc["2026-10-11", "in_stock_share"] == 1.0


def test_intraday_profile_shrinkage_by_hand():
    # Mondays: 300 units at 9:00, 100 at 10:00 (U = 400); no other day sold. Prior k = 100.
    # Pool (all week) = 0.75 / 0.25 at 9 / 10, shrunk toward flat with 400 / 500 = 0.8:
    #   hour 9: 0.8 * 0.75 + 0.2 / 24; the Monday profile = 0.8 * raw + 0.2 * pool.
    h = pd.DataFrame({"marketplace": "US", "sku": "A", "hour": [9, 10],
                      "date": pd.Timestamp("2026-10-05"), "units": [300, 100]})
    p = demand.intraday_profile(h, prior_units=100.0)
    pool9 = 0.8 * 0.75 + 0.2 / 24
    mon = p[p["weekday"] == 0].set_index("hour")["share"]
    assert mon[9] == pytest.approx(0.8 * 0.75 + 0.2 * pool9)
    assert mon.sum() == pytest.approx(1.0)
    # a weekday without sales takes the pool
    tue = p[p["weekday"] == 1].set_index("hour")["share"]
    assert tue[9] == pytest.approx(pool9)
    # hours of a day that sold out do not shape the profile (in_stock False on any hour)
    h2 = pd.concat([h, pd.DataFrame({"marketplace": "US", "sku": "B", "hour": [20, 21],
                                     "date": pd.Timestamp("2026-10-05"), "units": [900, 0],
                                     "in_stock": [True, False]})])
    h2["in_stock"] = h2["in_stock"].fillna(True).astype(bool)
    p2 = demand.intraday_profile(h2, prior_units=100.0)
    assert p2[(p2.weekday == 0) & (p2.hour == 20)]["share"].iloc[0] == pytest.approx(
        mon[20])


def test_intraday_stock_status_input_overrides_order_times():
    # 8 Oct is a sell-out day; an hourly stock table says stock ran out from 18:00 (6 of 24
    # flat hours out) -> share 0.75 instead of the order-time estimate.
    o = orders([("US", "A", "2026-10-07T18:00Z", 2, "Shipped"),
                ("US", "A", "2026-10-08T17:00Z", 3, "Shipped")])     # 10:00 local
    h = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
                      "date": pd.date_range("2026-10-07", periods=2), "on_hand": [5, 0]})
    hourly = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
                           "date": pd.Timestamp("2026-10-08"), "hour": np.arange(24),
                           "in_stock": np.arange(24) < 18})
    d = demand.daily_demand(o, h, intraday=hourly, profile_prior_units=1e12)
    assert d["in_stock_share"].tolist() == pytest.approx([1.0, 0.75])
    d0 = demand.daily_demand(o, h, profile_prior_units=1e12)        # flat profile, 10:00
    assert d0["in_stock_share"].tolist() == pytest.approx([1.0, 10 / 24])


def test_stockout_episodes_by_hand():
    d = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
                      "date": pd.date_range("2026-10-01", periods=10),
                      "units": [4, 2, 4, 1, 0, 0, 3, 3, 1, 0],
                      "in_stock": [True, True, True, False, False, False, True, True, False,
                                   False]})
    d["censored"] = ~d["in_stock"] | ~d["in_stock"].shift(1, fill_value=True)
    ep = demand.stockout_episodes(d, baseline_days=56)
    assert ep["start"].dt.day.tolist() == [4, 9]
    assert ep["end"].dt.day.tolist() == [6, 10]
    assert ep["length_days"].tolist() == [3, 2]
    assert ep["ongoing"].tolist() == [False, True]
    # episode 1: baseline = (4+2+4)/3 uncensored days = 10/3 per day; lost = 3*10/3 - 1 = 9
    # episode 2: uncensored days before it within 56 days: 1-3 Oct (10 units) and 8 Oct (3
    # units; 7 Oct is the restock day, censored) -> 13/4; lost = 2*13/4 - 1 = 5.5
    assert ep["units_lost_est"].tolist() == pytest.approx([9.0, 5.5])


def _series(sku, units):
    return pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": sku,
                         "date": pd.date_range("2026-01-01", periods=len(units)),
                         "units": units, "in_stock": True, "censored": False})


def test_demand_classes_constructed():
    d = pd.concat([
        _series("smooth", [5, 6, 5, 4, 5, 6, 5, 4]),         # ADI 1, sizes 4..6: CV2 small
        _series("erratic", [1, 20, 1, 30, 2, 1, 25, 1]),     # ADI 1, CV2 large
        _series("intermittent", [0, 0, 3, 0, 0, 3, 0, 0, 4]),  # ADI 9/3 = 3, CV2 small
        _series("lumpy", [0, 0, 1, 0, 0, 40, 0, 0, 2]),      # ADI 3, CV2 large
    ])
    c = demand.demand_classes(d).set_index("sku")
    assert c.loc["intermittent", "adi"] == pytest.approx(3.0)
    sizes = np.array([3, 3, 4.0])
    assert c.loc["intermittent", "cv2"] == pytest.approx((sizes.std(ddof=1) / sizes.mean()) ** 2)
    assert c["class"].to_dict() == {"erratic": "erratic", "intermittent": "intermittent",
                                    "lumpy": "lumpy", "smooth": "smooth"}


def test_demand_classes_ignore_censored_days():
    # 6 days: demand 2 on every in-stock day, 3 stockout days with 0 sales. With the censored
    # days counted as zeros ADI would be 6/3 = 2 (intermittent); on in-stock days ADI = 1.
    d = _series("A", [2, 0, 2, 0, 2, 0])
    d["censored"] = [False, True, False, True, False, True]
    d["in_stock"] = ~d["censored"]
    c = demand.demand_classes(d)
    assert c["adi"].tolist() == [1.0] and c["class"].tolist() == ["smooth"]


# ---------------------------------------------------------------------------------------------
# Sample truth
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    f = datafolder.load(SAMPLE, tables=["orders", "inventory_ledger"])
    hist = daily_on_hand_from_ledger(f.table("inventory_ledger"))
    d = demand.daily_demand(f.table("orders"), hist, end="2026-10-31")
    truth = pd.read_csv(SAMPLE_TRUTH / "daily.csv.gz", parse_dates=["date"])
    return d, truth


def test_sample_units_and_stockout_days_match_truth(sample):
    d, truth = sample
    m = d.merge(truth, on=["marketplace", "sku", "date"], how="left", indicator=True)
    assert (m["_merge"] == "both").all()         # every day we produce exists in the truth
    assert (m["units"] == m["sales_units"]).all()
    assert (m["in_stock"] == (m["stockout"] == 0)).all()
    # censored = stockout day or restock day (day after the last stockout day of an episode)
    assert m["censored"].sum() >= m["stockout"].sum()


def test_sample_stockout_windows_exact(sample):
    d, _ = sample
    ep = demand.stockout_episodes(d)
    so = pd.read_csv(SAMPLE_TRUTH / "stockouts.csv", parse_dates=["start", "end"])
    got = ep[["marketplace", "sku", "start", "end", "length_days", "ongoing"]]
    got = got.astype({"marketplace": object, "sku": object})
    want = so[["marketplace", "sku", "start", "end", "length_days", "ongoing"]]
    key = ["marketplace", "sku", "start"]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                  want.sort_values(key).reset_index(drop=True),
                                  check_dtype=False)
    # lost units: truth = demand after rank loss - sales on the stockout days. Our estimate
    # uses the pre-stockout in-stock velocity (no seasonality, no rank loss): stated
    # tolerance: total within 0.5x..1.2x of the truth and correlation over episodes > 0.8.
    x = ep.astype({"marketplace": object, "sku": object}).merge(so, on=key)
    ratio = x["units_lost_est"].sum() / x["lost_units"].sum()
    assert 0.5 <= ratio <= 1.2
    assert np.corrcoef(x["units_lost_est"], x["lost_units"])[0, 1] > 0.8


def test_sample_classes_match_planted(sample):
    d, _ = sample
    c = demand.demand_classes(d)
    sk = pd.read_csv(SAMPLE_TRUTH / "skus.csv")
    m = c.astype({"marketplace": object, "sku": object}).merge(sk, on=["marketplace", "sku"])
    # planted classes come from generating parameters; the realised 18 months agree for most
    assert (m["class_x"] == m["class_y"]).mean() >= 0.9


def test_empty_orders_give_empty_or_stock_only_days():
    # no orders at all: an empty table with every column; with an on-hand history, its days,
    # 0 units and share 0 on days without stock
    o = orders([("US", "A", "2026-10-01T18:00Z", 1, "Shipped")]).iloc[:0]
    d = demand.daily_demand(o)
    assert list(d.columns) == demand.DAILY_COLUMNS and d.empty
    h = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
                      "date": pd.date_range("2026-10-01", periods=3), "on_hand": [0, 0, 4]})
    d = demand.daily_demand(o, h)
    assert d["units"].tolist() == [0, 0, 0]
    assert d["in_stock_share"].tolist() == [0.0, 0.0, 0.0]       # the restock day sold nothing
