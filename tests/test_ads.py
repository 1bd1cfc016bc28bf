"""Advertising analytics against hand-worked numbers (postship_analysis.ads, bulksheet)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from postship_analysis import ads as A
from postship_analysis import bulksheet as B
from postship_analysis import contract

D1, D2 = pd.Timestamp("2026-10-20"), pd.Timestamp("2026-10-21")


def _ads(rows):
    base = dict(seller_id="s", marketplace="US", currency="USD", attribution_days=7,
                units=None)
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["end_date"] = df["start_date"]
    df["units"] = df["units"].astype("float64").fillna(df["orders"].astype("float64"))
    return contract.conform(df, "ads")


def test_metrics_by_day_and_period_and_provisional():
    rows = [dict(report_level="campaign", start_date=D1, campaign_name="C", impressions=1000,
                 clicks=20, spend=10.0, sales=50.0, orders=2, units=3),
            dict(report_level="campaign", start_date=D2, campaign_name="C", impressions=500,
                 clicks=10, spend=8.0, sales=0.0, orders=0, units=0),
            # a 14-day-window row must not be added to the 7-day ones
            dict(report_level="campaign", start_date=D1, campaign_name="C", impressions=100,
                 clicks=1, spend=1.0, sales=0.0, orders=0, units=0, attribution_days=14)]
    a = _ads(rows)
    m = A.ad_metrics(a, ["campaign_name"], as_of="2026-11-01")
    r = m[m["attribution_days"] == 7].iloc[0]
    assert len(m) == 2
    assert r["ctr"] == pytest.approx(30 / 1500)
    assert r["cpc"] == pytest.approx(18 / 30)
    assert r["cvr"] == pytest.approx(2 / 30)
    assert r["acos"] == pytest.approx(18 / 50)
    assert r["roas"] == pytest.approx(50 / 18)
    assert r["units"] == 3
    # last day 2026-10-21 is 11 days before 2026-11-01: outside the 7-day window
    assert not r["provisional"]
    m2 = A.ad_metrics(a, ["campaign_name"], as_of="2026-10-25", freq="D")
    m2 = m2[m2["attribution_days"] == 7].set_index("period")
    assert np.isnan(m2.loc[D2, "acos"])  # no sales: ACoS undefined
    assert m2.loc[D1, "acos"] == pytest.approx(10 / 50)
    assert m2["provisional"].all()  # both within 7 days of 2026-10-25


def test_level_choice_avoids_double_counting():
    rows = [dict(report_level="campaign", start_date=D1, campaign_name="C", impressions=10,
                 clicks=2, spend=2.0, sales=0.0, orders=0),
            dict(report_level="search_term", start_date=D1, campaign_name="C",
                 ad_group_name="G", targeting="kw", match_type="EXACT", search_term="kw",
                 impressions=10, clicks=2, spend=2.0, sales=0.0, orders=0)]
    m = A.ad_metrics(_ads(rows), ["campaign_name"])
    assert m["spend"].tolist() == [2.0]
    assert A.choose_level(_ads(rows), ["search_term"]) == "search_term"


def test_tacos_and_organic_share():
    a = _ads([dict(report_level="campaign", start_date=D1, campaign_name="C", impressions=10,
                   clicks=5, spend=20.0, sales=100.0, orders=4)])
    st = pd.DataFrame({"seller_id": ["s", "s"], "marketplace": ["US", "US"],
                       "report_date": [D1, D2], "ordered_product_sales": [300.0, 100.0]})
    t = A.tacos(a, st, start=D1, end=D2).iloc[0]
    assert t["tacos"] == pytest.approx(20 / 400)
    assert t["organic_share"] == pytest.approx(1 - 100 / 400)


UC = pd.DataFrame({"seller_id": ["s", "s"], "marketplace": ["US", "US"], "sku": ["A", "B"],
                   "currency": ["USD", "USD"], "price": [25.0, 20.0], "cogs": [5.0, 5.0],
                   "fba_fee": [4.0, 4.0], "referral_fee_pct": [0.15, 0.15],
                   "other_cost": [1.25, 1.0]})


def test_unit_economics():
    ue = A.unit_economics(UC, margin_goal=0.10).set_index("sku")
    # A: 25 - 5 - 4 - 3.75 - 1.25 = 11 -> 11/25 = 0.44; B: 20 - 5 - 4 - 3 - 1 = 7 -> 0.35
    assert ue.loc["A", "contribution"] == pytest.approx(11.0)
    assert ue.loc["A", "break_even_acos"] == pytest.approx(0.44)
    assert ue.loc["B", "break_even_acos"] == pytest.approx(0.35)
    assert ue.loc["B", "target_acos"] == pytest.approx(0.25)


def _fixture():
    st = dict(report_level="search_term", start_date=D1, campaign_name="C", ad_group_name="G",
              match_type="EXACT")
    rows = [  # "kw a": 50 clicks, 0 orders, $50; "kw b": 50 clicks, 10 orders, $250 sales
        {**st, "targeting": "kw a", "search_term": "kw a cheap", "impressions": 5000, "clicks": 50,
         "spend": 50.0, "sales": 0.0, "orders": 0},
        {**st, "targeting": "kw b", "search_term": "kw b", "impressions": 5000, "clicks": 50,
         "spend": 50.0, "sales": 250.0, "orders": 10},
        dict(report_level="advertised_product", start_date=D1, campaign_name="C",
             ad_group_name="G", advertised_sku="A", impressions=10000, clicks=100,
             spend=100.0, sales=250.0, orders=10)]
    return _ads(rows)


def test_beta_prior_worked_example():
    # p = (0, 0.2), mu = 0.1, var(p) = 0.01, noise = 0.09/50 = 0.0018, tau2 = 0.0082
    mu, k = A.fit_beta_prior([0, 10], [50, 50])
    assert mu == pytest.approx(0.1)
    assert k == pytest.approx(0.09 / 0.0082 - 1)
    # a target with 2 orders in 10 clicks, prior 0.1 of strength 10: (2 + 1) / (10 + 10)
    assert A.shrink(2, 10, 0.1, 10.0) == pytest.approx(0.15)
    # no spread beyond noise: complete pooling
    assert A.fit_beta_prior([5, 5], [50, 50])[1] == 1e4


def test_hierarchical_cvr_single_campaign():
    h = A.hierarchical_cvr(pd.DataFrame({
        "seller_id": "s", "marketplace": "US", "campaign_name": "C", "ad_group_name": "G",
        "targeting": ["kw a", "kw b"], "clicks": [50, 50], "orders": [0, 10]}))
    k = 0.09 / 0.0082 - 1  # the worked example above: the ad group's rate is 0.1
    assert h["ad_group_name_cvr"].tolist() == pytest.approx([0.1, 0.1])
    assert h["cvr_shrunk"].tolist() == pytest.approx([(0 + 0.1 * k) / (50 + k),
                                                      (10 + 0.1 * k) / (50 + k)])
    assert h["alpha"].iloc[0] == pytest.approx(0.1 * k)
    assert h["beta"].iloc[0] == pytest.approx(50 + 0.9 * k)


def test_bid_recommendations_step_cap_down_only_and_inventory():
    a = _fixture()
    k = 0.09 / 0.0082 - 1
    cvr_b, cvr_a = (10 + 0.1 * k) / (50 + k), (0.1 * k) / (50 + k)
    b = A.bid_recommendations(a, UC, "2026-10-22", window_days=7, max_step=0.2).set_index(
        "targeting")
    # target ACoS of SKU A = 0.44 - 0.10 = 0.34; AOV 25 (kw b own 250/10; kw a: ad group)
    assert b.loc["kw b", "target_bid"] == pytest.approx(0.34 * 25 * cvr_b)
    assert b.loc["kw a", "target_bid"] == pytest.approx(0.34 * 25 * cvr_a)
    assert b.loc["kw b", "current_bid"] == pytest.approx(1.0)  # avg CPC 50/50
    assert b.loc["kw b", "new_bid"] == pytest.approx(1.2)       # capped +20 %
    assert b.loc["kw a", "new_bid"] == pytest.approx(0.8)       # capped -20 %
    assert b.loc["kw b", "action"] == "raise" and b.loc["kw a", "action"] == "lower"
    assert "step capped" in b.loc["kw b", "evidence"]
    d = A.bid_recommendations(a, UC, "2026-10-22", window_days=7, down_only=True).set_index(
        "targeting")
    assert d.loc["kw b", "new_bid"] == pytest.approx(1.0) and d.loc["kw b", "action"] == "keep"
    assert d.loc["kw a", "new_bid"] == pytest.approx(0.8)
    cover = pd.DataFrame({"seller_id": ["s"], "marketplace": ["US"], "sku": ["A"],
                          "days_of_cover": [5.0], "lead_time_days": [20.0], "in_stock": [True]})
    i = A.bid_recommendations(a, UC, "2026-10-22", window_days=7, inventory_cover=cover
                              ).set_index("targeting")
    assert i.loc["kw b", "new_bid"] == pytest.approx(1.0) and i.loc["kw b", "inventory_constrained"]


def test_negative_candidates_and_probability():
    terms = A.search_term_stats(_fixture(), UC, "2026-10-22", window_days=7)
    n = A.negative_keyword_candidates(terms, min_probability=0.5)
    assert n["search_term"].tolist() == ["kw a cheap"]  # kw b's spend 50 < 0.44 x 25 x 10 = 110
    r = n.iloc[0]
    assert r["allowed_spend"] == pytest.approx(0.44 * 25 * 1)
    assert r["be_cvr"] == pytest.approx(1.0 / (0.44 * 25))  # CPC 1 / (BE ACoS x AOV)
    k = 0.09 / 0.0082 - 1
    assert r["p_cvr_below_be"] == pytest.approx(
        sps.beta.cdf(1 / 11, 0.1 * k, 50 + 0.9 * k))
    assert r["wasted_spend"] == pytest.approx(50.0)
    rows = B.negative_rows(n)
    assert rows[["Entity", "Operation", "Keyword Text", "Match Type"]].iloc[0].tolist() == [
        "Negative keyword", "Create", "kw a cheap", "negativeExact"]


def test_harvest_candidates():
    terms = pd.DataFrame({
        "seller_id": "s", "marketplace": "US",
        "campaign_name": ["Auto", "Auto", "Auto", "Exact"],
        "ad_group_name": ["All", "All", "All", "E"],
        "targeting": ["close-match", "close-match", "close-match", "blue mug"],
        "match_type": [pd.NA, pd.NA, pd.NA, "EXACT"],
        "search_term": ["red mug", "blue mug", "b0abcdefgh", "blue mug"],
        "orders": [3, 5, 4, 2], "clicks": [20, 20, 20, 10], "sales": [75.0, 125, 100, 50],
        "acos": [0.1, 0.1, 0.1, 0.1], "target_acos": 0.3, "aov": 25.0,
        "cvr_shrunk": [0.15, 0.2, 0.2, 0.2], "skus": ["A", "A", "A", "A"],
        "is_asin": [False, False, True, False]})
    h = A.harvest_candidates(terms)
    # blue mug is already exact, the ASIN is a product page: only red mug
    assert h["search_term"].tolist() == ["red mug"]
    assert h["suggested_bid"].iloc[0] == pytest.approx(round(0.3 * 25 * 0.15, 2))
    assert h["destination_ad_group"].iloc[0] == "E"


def test_budget_and_pacing():
    ap = dict(report_level="advertised_product", start_date=D1, campaign_name="C",
              ad_group_name="G")
    a = _ads([{**ap, "advertised_sku": "A", "impressions": 1, "clicks": 100, "spend": 40.0,
               "sales": 500.0, "orders": 20},   # CVR 0.20, ACoS 0.08 <= 0.34: favour
              {**ap, "advertised_sku": "B", "impressions": 1, "clicks": 100, "spend": 60.0,
               "sales": 200.0, "orders": 10}])  # CVR 0.10 < 0.15: trim
    skus, camps = A.budget_recommendations(a, UC, "2026-10-22", window_days=10, shift=0.2)
    s = skus.set_index("advertised_sku")
    assert s.loc["A", "action"] == "favour" and s.loc["B", "action"] == "trim"
    c = camps.iloc[0]
    assert c["avg_daily_spend"] == pytest.approx(100 / 10)
    assert c["factor"] == pytest.approx((40 * 1.2 + 60 * 0.8) / 100)
    assert c["new_daily_budget"] == pytest.approx(9.6)
    cover = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["A", "B"],
                          "days_of_cover": [0.0, 50.0], "lead_time_days": [20.0, 20.0],
                          "in_stock": [False, True]})
    skus2, _ = A.budget_recommendations(a, UC, "2026-10-22", window_days=10,
                                        inventory_cover=cover)
    assert skus2.set_index("advertised_sku").loc["A", "action"] == "pause"
    p = A.inventory_pacing(pd.DataFrame({"seller_id": "s", "marketplace": "US",
                                         "sku": ["x", "y", "z", "w"],
                                         "days_of_cover": [0, 10, 30, 2],
                                         "lead_time_days": [20, 20, 20, 20],
                                         "in_stock": [False, True, True, True]}))
    assert p["action"].tolist() == ["pause", "reduce", "normal", "reduce"]
    assert p["spend_multiplier"].tolist() == pytest.approx([0.0, 0.5, 1.0, 0.25])


def test_bulksheet_layout(tmp_path):
    # the 26 columns of Amazon's bulksheets 2.0 Sponsored Products upload, in order
    assert B.COLUMNS == [
        "Product", "Entity", "Operation", "Campaign Id", "Ad Group Id", "Portfolio Id",
        "Ad Id", "Keyword Id", "Product Targeting Id", "Campaign Name", "Ad Group Name",
        "Start Date", "End Date", "Targeting Type", "State", "Daily Budget", "SKU", "ASIN",
        "Ad Group Default Bid", "Bid", "Keyword Text", "Match Type", "Bidding Strategy",
        "Placement", "Percentage", "Product Targeting Expression"]
    bids = pd.DataFrame({"campaign_id": ["11", "11"], "ad_group_id": ["22", "22"],
                         "keyword_id": ["33", pd.NA], "target_id": [pd.NA, "44"],
                         "campaign_name": "C", "ad_group_name": "G",
                         "targeting": ["kw", "close-match"], "match_type": ["EXACT", pd.NA],
                         "new_bid": [0.554, 0.3]})
    camps = pd.DataFrame({"campaign_name": ["C", "D"], "action": ["increase", "keep"],
                          "new_daily_budget": [12.5, 3.0]})
    sheet = B.build(B.bid_rows(bids), B.budget_rows(camps))
    assert list(sheet.columns) == B.COLUMNS
    assert (sheet["Product"] == "Sponsored Products").all()
    assert sheet["Entity"].tolist() == ["Keyword", "Product targeting", "Campaign"]
    assert sheet["Operation"].tolist() == ["Update"] * 3
    assert sheet["Bid"].iloc[0] == pytest.approx(0.55)
    assert sheet["Match Type"].iloc[0] == "exact"
    assert sheet["Product Targeting Id"].iloc[1] == "44"
    assert sheet["Daily Budget"].iloc[2] == pytest.approx(12.5)
    assert B.needs_ids(sheet).tolist() == [False, False, True]  # campaign D id unknown
    p = B.write_bulksheet(sheet, tmp_path, "bulk")
    back = pd.read_excel(p, sheet_name=B.SHEET, dtype=str)
    assert list(back.columns) == B.COLUMNS and len(back) == 3
