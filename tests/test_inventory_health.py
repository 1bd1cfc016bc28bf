"""Inventory health: Amazon's sell-through and weeks of cover by hand and against the sample's
FBA Inventory (planning) report, surcharge bands by date, IPI proxy, slow movers, ramp check."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from postship_analysis import inventory_health as ih

AS_OF = pd.Timestamp("2026-11-01")
D90 = pd.date_range("2026-08-03", "2026-10-31")  # the 90 days before AS_OF
assert len(D90) == 90


def _long(sku, dates, values, col):
    return pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": sku, "date": dates,
                         col: values})


def test_sell_through_and_weeks_of_cover_by_hand():
    # A: 1 unit a day, 30 on hand every day. Sell-through = 90 / 30 = 3;
    # t30 cover = 30 / (30 / 4) = 4 weeks; t90 cover = 30 / (90 / 12) = 4 weeks.
    # B: Amazon's help-page numbers: 400 units in 90 days with 10 on hand on average. The text
    # definition gives 10 / (400 / 12) = 0.3 weeks (the page's example says "3.33": wrong).
    # 40 days x 5 + 50 days x 4 = 400 units; the last 30 days are 4/day = 120 units.
    units = pd.concat([_long("A", D90, 1, "units"),
                       _long("B", D90, [5] * 40 + [4] * 50, "units")])
    oh = pd.concat([_long("A", D90, 30, "on_hand"), _long("B", D90, 10, "on_hand")])
    h = ih.health_table(units, oh, AS_OF).set_index("sku")
    assert h.loc["A", "sell_through_90d"] == pytest.approx(3.0)
    assert h.loc["A", "weeks_of_cover_t30"] == pytest.approx(4.0)
    assert h.loc["A", "weeks_of_cover_t90"] == pytest.approx(4.0)
    assert h.loc["B", "units_t90"] == 400
    assert h.loc["B", "weeks_of_cover_t90"] == pytest.approx(0.3)
    assert h.loc["B", "sell_through_90d"] == pytest.approx(40.0)
    assert h.loc["B", "weeks_of_cover_t30"] == pytest.approx(10 / (120 / 4))


def test_days_without_on_hand_count_as_zero_and_window_excludes_as_of():
    # launched 45 days before AS_OF with 20 on hand: average over 90 days = 10
    d45 = D90[-45:]
    units = _long("A", d45, 1, "units")
    oh = pd.concat([_long("A", d45, 20, "on_hand"),
                    _long("A", [AS_OF], 999, "on_hand")])  # the as-of day is not in the window
    h = ih.health_table(pd.concat([units, _long("A", [AS_OF], 50, "units")]), oh, AS_OF).iloc[0]
    assert h["avg_on_hand_t90"] == pytest.approx(10.0)
    assert h["units_t90"] == 45
    assert h["sell_through_90d"] == pytest.approx(4.5)
    assert h["on_hand"] == 20


def test_slow_movers_on_90_day_sell_through_with_cover_and_lead_time():
    # Slow mover = units on hand and 90-day sell-through (units / average on hand) < 0.8.
    # Excess beyond 150 days of demand here (parameter). All sell 1/day except FAST.
    # FAST: 10/day, 50 on hand -> 900 / 50 = 18: not slow.
    # WEEKLY: 20 on hand -> 90 / 20 = 4.5: not slow (its weekly ratio 7 / 20 = 0.35 is what the
    #   old weekly rule flagged).
    # SB: 120 on hand -> 0.75: slow; cover 120 days >= 47-day lead time; excess 0 ->
    #   Sponsored Brands push.
    # DEAL: 200 on hand -> 0.45: slow; excess 200 - 150 = 50 -> Lightning Deal.
    # SHORT: 300 on hand for 80 days, then 20 for 10 (a removal): average 268.9 -> 0.335, slow;
    #   but 20 days of cover < 47: no promotion ("Hold: cover below lead time").
    oh_short = np.r_[np.full(80, 300), np.full(10, 20)]
    units = pd.concat([_long("FAST", D90, 10, "units")]
                      + [_long(k, D90, 1, "units") for k in ("WEEKLY", "SB", "DEAL", "SHORT")])
    oh = pd.concat([_long("FAST", D90, 50, "on_hand"), _long("WEEKLY", D90, 20, "on_hand"),
                    _long("SB", D90, 120, "on_hand"), _long("DEAL", D90, 200, "on_hand"),
                    _long("SHORT", D90, oh_short, "on_hand")])
    prm = ih.HealthParams(excess_days=150)
    h = ih.health_table(units, oh, AS_OF, params=prm).set_index("sku")
    assert h.loc["WEEKLY", "weekly_sell_through"] == pytest.approx(0.35)
    assert h.loc["SB", "sell_through_90d"] == pytest.approx(0.75)
    assert h.loc["SHORT", "sell_through_90d"] == pytest.approx(90 / ((300 * 80 + 200) / 90))
    assert h["slow_mover"].to_dict() == {"FAST": False, "WEEKLY": False, "SB": True,
                                         "DEAL": True, "SHORT": True}
    assert h.loc["SB", "days_of_cover"] == pytest.approx(120)
    assert h.loc["SB", "weeks_of_cover"] == pytest.approx(120 / 7)
    assert h.loc["DEAL", "excess_units"] == pytest.approx(50)
    assert h["suggested_action"].to_dict() == {
        "FAST": "", "WEEKLY": "", "SB": "Sponsored Brands push", "DEAL": "Lightning Deal",
        "SHORT": "Hold: cover below lead time"}
    # per-SKU lead times (e.g. from the restock plan): 14 days for SHORT -> 20 days of cover is
    # enough for a push; 130 days for SB -> 120 days is not
    lt = pd.DataFrame({"sku": ["SHORT", "SB"], "lead_time_days": [14, 130]})
    h2 = ih.health_table(units, oh, AS_OF, params=prm, lead_times=lt).set_index("sku")
    assert h2.loc["SHORT", "suggested_action"] == "Sponsored Brands push"
    assert h2.loc["SB", "suggested_action"] == "Hold: cover below lead time"
    assert h2.loc["DEAL", "lead_time_days"] == 47
    # the threshold is a parameter: at 0.5 SB (0.75) is no longer slow, DEAL (0.45) still is
    h3 = ih.health_table(units, oh, AS_OF, params=ih.HealthParams(
        slow_mover_sell_through=0.5, excess_days=150)).set_index("sku")
    assert not h3.loc["SB", "slow_mover"] and h3.loc["DEAL", "slow_mover"]


def test_in_stock_rate_and_summary():
    # A: out of stock on 6 of the last 30 days (on hand 0), sells 2/day when in stock.
    # B: always in stock, sells 1/day. In-stock rates 24/30 = 0.8 and 1.0.
    # Weighted by in-stock sales rate (2 and 1): (2 * 24 + 1 * 30) / (30 * 3) = 78 / 90.
    oh_a = np.full(90, 10)
    oh_a[-10:-4] = 0
    ua = np.where(oh_a > 0, 2, 0)
    units = pd.concat([_long("A", D90, ua, "units"), _long("B", D90, 1, "units")])
    oh = pd.concat([_long("A", D90, oh_a, "on_hand"), _long("B", D90, 10, "on_hand")])
    h = ih.health_table(units, oh, AS_OF)
    assert h.set_index("sku").loc["A", "in_stock_rate_30d"] == pytest.approx(0.8)
    assert h.set_index("sku").loc["A", "daily_rate"] == pytest.approx(2.0)
    s = ih.summary(h).iloc[0]
    assert s["in_stock_rate_30d"] == pytest.approx(78 / 90)
    # totals: units 168 + 90 = 258 over average on hand (840 / 90) + 10
    avg_a = (10 * 84) / 90
    assert s["sell_through_90d"] == pytest.approx(258 / (avg_a + 10))


def test_ipi_proxy_by_hand():
    s = pd.DataFrame({"excess_share": [0.2, np.nan], "sell_through_90d": [1.0, 3.0],
                      "stranded_share": [0.0, 0.1], "in_stock_rate_30d": [0.9, 1.0]})
    out = ih.ipi_proxy(s)
    # (0.8 + min(1, 1/2) + 1 + 0.9) / 4 = 0.8 -> 800
    assert out["ipi_proxy"].iloc[0] == pytest.approx(800)
    # missing excess: (1 + 0.9 + 1) / 3 -> 966.7
    assert out["ipi_proxy"].iloc[1] == pytest.approx(1000 * 2.9 / 3)


# --- aged-inventory surcharge ----------------------------------------------------------------

def test_surcharge_bands_by_date():
    assert ih.surcharge_bands("2023-04-14").empty  # before the aged-inventory surcharge
    b = ih.surcharge_bands("2023-04-15")
    assert b["age_min"].tolist() == [181, 211, 241, 271, 301, 331, 366]
    assert b["usd_per_ft3"].tolist() == [0.50, 1.00, 1.50, 3.80, 4.00, 4.20, 6.90]
    # a later schedule row replaces the older one from its date on
    newer = pd.concat([ih.AGED_SURCHARGE_BANDS, pd.DataFrame({
        "effective_from": [pd.Timestamp("2025-02-15")], "age_min": [181], "age_max": [100000],
        "usd_per_ft3": [9.99], "usd_per_unit_min": [0.0], "excludes_apparel_etc": [False]})])
    assert ih.surcharge_bands("2025-02-14", newer)["usd_per_ft3"].iloc[0] == 0.50
    assert ih.surcharge_bands("2025-02-15", newer)["usd_per_ft3"].tolist() == [9.99]
    # the schedule in force from 2026-01-15: 271-365 days dearer, 366-455 and 456+ split
    c = ih.surcharge_bands("2026-11-15")
    assert c["age_min"].tolist() == [181, 211, 241, 271, 301, 331, 366, 456]
    assert c["usd_per_ft3"].tolist() == [0.50, 1.00, 1.50, 5.45, 5.70, 5.90, 6.90, 6.90]
    assert c["usd_per_unit_min"].tolist()[-2:] == [0.15, 0.15]
    assert c["source"].str.contains("2026-01-15").all()


def test_next_surcharge_date():
    assert ih.next_surcharge_date("2026-11-01") == pd.Timestamp("2026-11-15")
    assert ih.next_surcharge_date("2026-11-15") == pd.Timestamp("2026-11-15")
    assert ih.next_surcharge_date("2026-11-16") == pd.Timestamp("2026-12-15")
    assert ih.next_surcharge_date("2026-12-20") == pd.Timestamp("2027-01-15")


def test_aged_surcharge_by_hand():
    age = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["A", "B"],
                        "snapshot_date": pd.Timestamp("2026-10-15"),
                        "inv_age_0_to_90_days": [0, 0], "inv_age_91_to_180_days": [0, 0],
                        "inv_age_181_to_270_days": [90, 0],
                        "inv_age_366_to_455_days": [0, 10]})
    vol = pd.DataFrame({"sku": ["A", "B"], "volume_ft3": [1.0, 0.01]})
    r = ih.aged_surcharge(age, "2026-10-15", volume_ft3=vol).set_index("sku")
    # A: 90 units over days 181..270 = 30 per band: 30 x 0.50 + 30 x 1.00 + 30 x 1.50 = 90 USD
    assert r.loc["A", "surcharge_usd"] == pytest.approx(90.0)
    # B: 10 units 366+: max(6.90 x 0.01 x 10 = 0.69, 0.15 x 10 = 1.50) = 1.50 USD
    assert r.loc["B", "surcharge_usd"] == pytest.approx(1.50)
    # 30 days later the 91-180 bucket is 121-210: 30 of its 90 days fall in 181-210
    age2 = age.assign(inv_age_181_to_270_days=0, inv_age_366_to_455_days=0,
                      inv_age_91_to_180_days=[90, 0])
    r2 = ih.aged_surcharge(age2, "2026-11-14", volume_ft3=vol).set_index("sku")
    assert r2.loc["A", "surcharge_usd"] == pytest.approx(30 * 0.50)
    assert r2.loc["A", "units_181_plus"] == pytest.approx(30)
    # no volume: only the per-unit minimum (a lower bound)
    r3 = ih.aged_surcharge(age, "2026-10-15").set_index("sku")
    assert r3.loc["A", "surcharge_usd"] == 0 and not r3.loc["A", "volume_known"]
    assert r3.loc["B", "surcharge_usd"] == pytest.approx(1.50)
    # the 2026 schedule: 90 units aged 271-300 on 2026-02-15 at 1 ft3 each = 90 x 5.45
    r26 = ih.aged_surcharge(age.assign(snapshot_date=pd.Timestamp("2026-02-15"),
                                       inv_age_181_to_270_days=[0, 0],
                                       inv_age_271_to_365_days=[95, 0]),
                            "2026-02-15", volume_ft3=vol).set_index("sku")
    # 95 units over days 271..365 = 1 per day: 30 x 5.45 + 30 x 5.70 + 35 x 5.90
    assert r26.loc["A", "surcharge_usd"] == pytest.approx(30 * 5.45 + 30 * 5.70 + 35 * 5.90)
    assert r26.loc["A", "schedule_from"] == pd.Timestamp("2026-01-15")
    # Amazon's own estimate from the report's columns, beside ours; NaN when absent
    assert r26["amazon_estimated_ais"].isna().all()
    amz = age.assign(estimated_ais_181_210_days=[14.5, np.nan],
                     estimated_ais_211_240_days=[30.0, np.nan],
                     quantity_to_be_charged_ais_181_210_days=[29, np.nan])
    ra = ih.aged_surcharge(amz, "2026-10-15", volume_ft3=vol).set_index("sku")
    assert ra.loc["A", "amazon_estimated_ais"] == pytest.approx(44.5)
    assert ra.loc["A", "amazon_units_charged"] == 29
    assert np.isnan(ra.loc["B", "amazon_estimated_ais"])
    # before 2023-04-15 there is no schedule
    assert ih.aged_surcharge(age.assign(snapshot_date=pd.Timestamp("2023-01-01")),
                             "2023-01-15", volume_ft3=vol)["surcharge_usd"].sum() == 0


# --- post-inbound ramp -----------------------------------------------------------------------

def test_post_inbound_ramp_by_hand():
    days = pd.date_range("2026-07-01", "2026-10-31")
    n = len(days)
    rec_day = pd.Timestamp("2026-09-01")
    k = int((rec_day - days[0]).days)
    u = np.full(n, 2.0)
    u[k + 14: k + 22] = 1.0          # days 14..21 after the receipt sell 1/day
    oh = np.full(n, 50)
    oh[k - 3: k] = 0                 # out of stock on the 3 days before the receipt
    u[k - 3: k] = 0
    units = _long("A", days, u, "units")
    onh = _long("A", days, oh, "on_hand")
    led = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["A", "A", "A"],
                        "event_date": [rec_day, rec_day, pd.Timestamp("2026-10-20")],
                        "event_type": ["Receipts", "Receipts", "Receipts"],
                        "quantity": [30, 20, 40], "disposition": "SELLABLE"})
    r = ih.post_inbound_ramp(units, onh, led, AS_OF)
    # the 2026-10-20 receipt's ramp window (to 11-10) has not ended: left out
    assert len(r) == 1
    r = r.iloc[0]
    assert r["units_received"] == 50
    # baseline: 28 days before, 25 in stock selling 2/day -> 2.0 (stockout days not counted)
    assert r["baseline_in_stock_days"] == 25
    assert r["baseline_rate"] == pytest.approx(2.0)
    assert r["ramp_rate"] == pytest.approx(1.0)
    assert r["ramp_ratio"] == pytest.approx(0.5)
    assert r["slow_ramp"] and r["stocked_out_before"]
    # a slow mover: baseline 2/day x 8 days = 16 expected units; with min_expected_units=20
    # the same ratio is not flagged (too few units to judge)
    r2 = ih.post_inbound_ramp(units, onh, led, AS_OF, min_expected_units=20).iloc[0]
    assert r2["ramp_ratio"] == pytest.approx(0.5) and not r2["slow_ramp"]


def test_stranded_from_myi():
    x = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["A", "B", "A"],
                      "snapshot_date": pd.to_datetime(["2026-10-26", "2026-10-26", "2026-10-19"]),
                      "afn_listing_exists": ["No", "Yes", "Yes"],
                      "afn_warehouse_quantity": [7, 5, 3]})
    s = ih.stranded_from_myi(x).set_index("sku")["stranded_units"]
    assert s["A"] == 7 and s["B"] == 0


# --- the sample's FBA Inventory (planning) report ---------------------------------------------

@pytest.fixture(scope="module")
def sample():
    root = Path(__file__).resolve().parents[1] / "data" / "sample"
    if not root.exists():
        pytest.skip("no sample data")
    from postship_analysis import datafolder
    from postship_analysis.readers import inventory as rinv
    inp = datafolder.load(root, tables=["inventory_ledger"])
    led = inp.table("inventory_ledger")
    planning = pd.concat([rinv.read_fba_planning_extras(p, seller_id="sample-seller")
                          for p in sorted(root.glob("sample-seller/*/FBA Inventory *.txt"))])
    return led, planning, rinv.daily_on_hand_from_ledger(led)


def test_sample_planning_report_sell_through_and_weeks_of_cover(sample):
    # The sample's FBA Inventory report carries Amazon-style sell-through and weeks of cover,
    # generated from the text definitions and rounded to 2 decimals. Ours, from the ledger (end-
    # of-day sellable units; Shipments = units shipped), must agree within that rounding.
    led, planning, oh = sample
    h = ih.health_table(ih.units_from_ledger(led), oh, AS_OF)
    m = h.merge(planning, on=["seller_id", "marketplace", "sku"], suffixes=("", "_report"))
    assert len(m) == len(planning) > 100
    assert (m["units_t30"] == m["units_shipped_t30"]).all()
    assert (m["units_t90"] == m["units_shipped_t90"]).all()
    assert (m["units_t7"] == m["units_shipped_t7"]).all()
    for ours, theirs in (("sell_through_90d", "sell_through"),
                         ("weeks_of_cover_t30", "weeks_of_cover_t30_report"),
                         ("weeks_of_cover_t90", "weeks_of_cover_t90_report")):
        a, b = m[ours].astype(float), m[theirs].astype(float)
        assert (a.isna() == b.isna()).all(), ours  # no sales -> blank in the report
        ok = a.notna()
        assert ok.sum() > 90
        assert np.abs(a[ok] - b[ok]).max() <= 0.005 + 1e-9, ours


def test_sample_kpis(sample):
    led, planning, oh = sample
    h = ih.health_table(ih.units_from_ledger(led), oh, AS_OF, age=planning)
    s = ih.summary(h)
    k = ih.health_kpis(s, as_of=AS_OF)
    names = {x.name for x in k}
    assert names == {"sell_through_90d", "weeks_of_cover_t90", "in_stock_rate_30d",
                     "excess_inventory_share", "stranded_inventory_share", "slow_movers",
                     "ipi_proxy"}
    assert {x.marketplace for x in k} == {"US", "DE"}
    st = {x.marketplace: x for x in k if x.name == "sell_through_90d"}
    assert st["US"].window == "2026-08-03..2026-10-31"
    # totals recomputed from the report's own columns: units shipped t90 / average on hand
    for mp in ("US", "DE"):
        assert st[mp].numerator == planning.loc[planning["marketplace"] == mp,
                                                "units_shipped_t90"].sum()
