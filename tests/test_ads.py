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
    cur = pd.DataFrame({"campaign_name": "C", "ad_group_name": "G", "targeting": ["kw a", "kw b"],
                        "match_type": "EXACT", "bid": [1.0, 1.0]})
    b = A.bid_recommendations(a, UC, "2026-10-22", window_days=7, max_step=0.2,
                              current_bids=cur).set_index("targeting")
    # target ACoS of SKU A = 0.44 - 0.10 = 0.34; AOV 25 (kw b own 250/10; kw a: ad group)
    assert b.loc["kw b", "target_bid"] == pytest.approx(0.34 * 25 * cvr_b)
    assert b.loc["kw a", "target_bid"] == pytest.approx(0.34 * 25 * cvr_a)
    assert b.loc["kw b", "current_bid"] == pytest.approx(1.0)  # the bid given
    assert b.loc["kw b", "new_bid"] == pytest.approx(1.2)       # capped +20 %
    assert b.loc["kw a", "new_bid"] == pytest.approx(0.8)       # capped -20 %
    assert b.loc["kw b", "action"] == "raise" and b.loc["kw a", "action"] == "lower"
    assert "step capped" in b.loc["kw b", "evidence"]
    d = A.bid_recommendations(a, UC, "2026-10-22", window_days=7, down_only=True,
                              current_bids=cur).set_index("targeting")
    assert d.loc["kw b", "new_bid"] == pytest.approx(1.0) and d.loc["kw b", "action"] == "keep"
    assert d.loc["kw a", "new_bid"] == pytest.approx(0.8)
    cover = pd.DataFrame({"seller_id": ["s"], "marketplace": ["US"], "sku": ["A"],
                          "days_of_cover": [5.0], "lead_time_days": [20.0], "in_stock": [True]})
    i = A.bid_recommendations(a, UC, "2026-10-22", window_days=7, inventory_cover=cover,
                              current_bids=cur).set_index("targeting")
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
    ch = B.negative_changes(n)  # no bulk download: a readable change, not an upload row
    assert ch[["change", "target", "uploadable"]].iloc[0].tolist() == [
        "negative keyword", "kw a cheap", False]
    assert "bulk-operations download" in ch["reason"].iloc[0]
    assert B.upload_rows(ch).empty


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


def test_pacing_multipliers():
    p = A.inventory_pacing(pd.DataFrame({"seller_id": "s", "marketplace": "US",
                                         "sku": ["x", "y", "z", "w"],
                                         "days_of_cover": [0, 10, 30, 2],
                                         "lead_time_days": [20, 20, 20, 20],
                                         "in_stock": [False, True, True, True]}))
    assert p["action"].tolist() == ["pause", "reduce", "normal", "reduce"]
    assert p["spend_multiplier"].tolist() == pytest.approx([0.0, 0.5, 1.0, 0.25])


def _entities(rows):
    base = dict(seller_id="s", marketplace="US")
    e = pd.DataFrame([{**base, **r} for r in rows])
    return contract.conform(e, "ad_entities")


def test_budget_uses_shrunk_cvr_interval_current_budget_and_never_raises_short_stock():
    """A: 100 clicks, 20 orders; B: 100 clicks, 10 orders; campaign rate 0.15. The strength
    around the campaign (fit_strength_around) is worked out here by hand, the posterior
    probability with scipy: A is favoured only because P(CVR >= 15 %) >= 0.8 after shrinking,
    not because its raw 20 % beats 15 %; B is trimmed. The budget moves from the current
    daily budget (12, used 10/12 = 83 %), never from the average spend."""
    ap = dict(report_level="advertised_product", start_date=D1, campaign_name="C",
              ad_group_name="G")
    a = _ads([{**ap, "advertised_sku": "A", "impressions": 1, "clicks": 100, "spend": 40.0,
               "sales": 500.0, "orders": 20},
              {**ap, "advertised_sku": "B", "impressions": 1, "clicks": 100, "spend": 60.0,
               "sales": 200.0, "orders": 10}])
    ent = _entities([dict(entity="Campaign", campaign_id="11", campaign_name="C",
                          portfolio_id="9", daily_budget=12.0, state="enabled",
                          bidding_strategy="Fixed bid")])
    units, camps = A.budget_recommendations(a, UC, "2026-10-22", window_days=10, shift=0.2,
                                            entities=ent)
    m = 0.15
    tau2 = ((0.2 - m) ** 2 + (0.1 - m) ** 2) / 2 - m * (1 - m) / 100
    k = m * (1 - m) / tau2 - 1
    u = units.set_index("advertised_sku")
    for sku, orders, action in (("A", 20, "favour"), ("B", 10, "trim")):
        alpha, beta = orders + k * m, 100 - orders + k * (1 - m)
        assert u.loc[sku, "cvr_shrunk"] == pytest.approx(alpha / (alpha + beta))
        assert u.loc[sku, "p_above"] == pytest.approx(sps.beta.sf(0.15, alpha, beta))
        assert u.loc[sku, "cvr_low"] == pytest.approx(sps.beta.ppf(0.05, alpha, beta))
        assert u.loc[sku, "action"] == action
    assert u.loc["A", "p_above"] >= 0.8 and u.loc["B", "p_above"] <= 0.2
    c = camps.iloc[0]
    assert c["avg_daily_spend"] == pytest.approx(100 / 10)
    assert c["factor"] == pytest.approx((40 * 1.2 + 60 * 0.8) / 100)
    assert c["current_budget"] == 12.0 and c["utilisation"] == pytest.approx(10 / 12)
    assert c["new_daily_budget"] == pytest.approx(round(12 * 0.96, 2))
    assert (c["campaign_id"], c["portfolio_id"]) == ("11", "9")
    # the same SKUs at 20 clicks: A's raw CVR 20 % no longer convinces (hold, not favour)
    few = _ads([{**ap, "advertised_sku": "A", "impressions": 1, "clicks": 20, "spend": 8.0,
                 "sales": 100.0, "orders": 4},
                {**ap, "advertised_sku": "B", "impressions": 1, "clicks": 100, "spend": 60.0,
                 "sales": 200.0, "orders": 10}])
    u2, _ = A.budget_recommendations(few, UC, "2026-10-22", window_days=10, entities=ent)
    assert u2.set_index("advertised_sku").loc["A", "action"] != "favour"
    # favoured SKU A short of stock: its campaign is never raised
    b2 = _ads([{**ap, "advertised_sku": "A", "impressions": 1, "clicks": 400, "spend": 160.0,
                "sales": 2000.0, "orders": 100}])
    cover = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["A"],
                          "days_of_cover": [10.0], "lead_time_days": [20.0], "in_stock": [True]})
    ent2 = _entities([dict(entity="Campaign", campaign_id="11", campaign_name="C",
                           daily_budget=18.0, state="enabled")])
    u3, c3 = A.budget_recommendations(b2, UC, "2026-10-22", window_days=10, entities=ent2)
    assert u3["action"].iloc[0] == "favour" and c3["action"].iloc[0] == "increase"
    u4, c4 = A.budget_recommendations(b2, UC, "2026-10-22", window_days=10, entities=ent2,
                                      inventory_cover=cover)
    assert u4["action"].iloc[0] == "reduce"
    assert c4["factor"].iloc[0] <= 1.0 and c4["action"].iloc[0] != "increase"


def test_budget_without_a_current_budget_never_uses_average_spend():
    ap = dict(report_level="advertised_product", start_date=D1, campaign_name="C",
              ad_group_name="G")
    a = _ads([{**ap, "advertised_sku": "A", "impressions": 1, "clicks": 400, "spend": 160.0,
               "sales": 2000.0, "orders": 100}])
    _, c = A.budget_recommendations(a, UC, "2026-10-22", window_days=10)
    assert pd.isna(c["new_daily_budget"].iloc[0]) and c["factor"].iloc[0] > 1
    assert "current budget unknown" in c["evidence"].iloc[0]


def test_provisional_days_are_left_out_of_the_bid_window():
    """A target whose only orders fall in the last 7 days (provisional) is judged on the
    settled days before them."""
    st = dict(report_level="targeting", campaign_name="C", ad_group_name="G",
              match_type="EXACT", targeting="kw", impressions=100)
    a = _ads([{**st, "start_date": pd.Timestamp("2026-10-10"), "clicks": 50, "spend": 50.0,
               "sales": 0.0, "orders": 0},
              {**st, "start_date": pd.Timestamp("2026-10-28"), "clicks": 10, "spend": 10.0,
               "sales": 250.0, "orders": 10}])
    b = A.bid_recommendations(a, UC, "2026-11-01", window_days=30, provisional_days=7)
    assert b["clicks"].iloc[0] == 50 and b["orders"].iloc[0] == 0
    assert b["window"].iloc[0] == "2026-09-25..2026-10-24"
    terms = A.search_term_stats(a.assign(search_term="kw", report_level="search_term"), UC,
                                "2026-11-01", window_days=30, provisional_days=7)
    assert terms["clicks"].sum() == 50
    assert A.settled_window("2026-11-01", 30, 7) == (pd.Timestamp("2026-09-25"),
                                                     pd.Timestamp("2026-10-24"))


def test_bids_start_from_the_bulk_downloads_current_bid_and_never_from_cpc():
    st = dict(report_level="targeting", start_date=D1, campaign_name="C", ad_group_name="G",
              impressions=1000)
    a = _ads([{**st, "targeting": "kw", "match_type": "EXACT", "clicks": 100, "spend": 100.0,
               "sales": 250.0, "orders": 10},
              {**st, "targeting": "close-match", "match_type": None, "clicks": 100,
               "spend": 100.0, "sales": 250.0, "orders": 10}])
    ent = _entities([
        dict(entity="Ad group", campaign_id="1", ad_group_id="2", campaign_name="C",
             ad_group_name="G", ad_group_default_bid=0.90, state="enabled",
             campaign_state="enabled"),
        dict(entity="Keyword", campaign_id="1", ad_group_id="2", keyword_id="3",
             campaign_name="C", ad_group_name="G", keyword_text="KW", match_type="exact",
             bid=1.50, ad_group_default_bid=0.90, state="enabled", campaign_state="enabled",
             ad_group_state="enabled"),
        dict(entity="Product targeting", campaign_id="1", ad_group_id="2",
             product_targeting_id="4", campaign_name="C", ad_group_name="G",
             product_targeting_expression="close-match", ad_group_default_bid=0.90,
             state="enabled", campaign_state="enabled", ad_group_state="enabled")])
    b = A.bid_recommendations(a, UC, "2026-10-22", window_days=7, max_step=0.2,
                              entities=ent).set_index("targeting")
    # the keyword's own bid (1.50), the target's inherited default bid (0.90); not CPC 1.00
    assert b.loc["kw", "current_bid"] == 1.5 and b.loc["kw", "bid_source"] == "bid"
    assert b.loc["close-match", "current_bid"] == 0.9
    assert b.loc["close-match", "bid_source"] == "ad group default bid"
    tgt = b.loc["kw", "target_bid"]  # 0.34 x 25 x ~0.1 = ~0.85: a cut, capped at -20 %
    assert tgt < 1.5 * 0.8
    assert b.loc["kw", "new_bid"] == pytest.approx(1.2) and b.loc["kw", "action"] == "lower"
    assert (b.loc["kw", "keyword_id"], b.loc["close-match", "product_targeting_id"]) == ("3", "4")
    # without the download: no step from an unknown bid; CPC 1.00 > target -> "lower"
    n = A.bid_recommendations(a, UC, "2026-10-22", window_days=7).set_index("targeting")
    assert n["new_bid"].isna().all() and n["current_bid"].isna().all()
    assert n.loc["kw", "action"] == "lower"
    assert n.loc["kw", "suggested_bid"] == pytest.approx(round(tgt, 2))


def test_level_chosen_per_seller_and_marketplace_never_added():
    """Seller s has a campaign report, seller t only search terms; s also has the account
    totals of Performance over time. Campaign totals come from each seller's own best level,
    and the over-time rows are never added to the campaign rows."""
    rows = [dict(report_level="campaign", start_date=D1, campaign_name="C", impressions=10,
                 clicks=2, spend=2.0, sales=10.0, orders=1),
            dict(report_level="over_time", start_date=D1, impressions=None, clicks=2,
                 spend=2.0, sales=None, orders=None, units=None),
            dict(report_level="search_term", start_date=D1, campaign_name="C",
                 ad_group_name="G", targeting="kw", match_type="EXACT", search_term="kw",
                 impressions=10, clicks=2, spend=2.0, sales=10.0, orders=1),
            dict(seller_id="t", report_level="search_term", start_date=D1, campaign_name="D",
                 ad_group_name="G", targeting="kw", match_type="EXACT", search_term="kw",
                 impressions=5, clicks=1, spend=3.0, sales=0.0, orders=0)]
    a = _ads(rows)
    m = A.ad_metrics(a, ["campaign_name"]).set_index("seller_id")
    assert m.loc["s", "report_level"] == "campaign" and m.loc["s", "spend"] == 2.0
    assert m.loc["t", "report_level"] == "search_term" and m.loc["t", "spend"] == 3.0
    assert np.isnan(m.loc["t", "acos"]) and m.loc["t", "roas"] == 0.0  # no sales: undefined
    tot = A.ad_metrics(a, []).set_index("seller_id")
    assert tot.loc["s", "spend"] == 2.0 and tot.loc["s", "report_level"] == "campaign"
    # only the over-time report: spend known, sales undefined (not 0), so ACoS undefined
    ot = A.ad_metrics(a[a["report_level"] == "over_time"], [])
    assert ot["spend"].iloc[0] == 2.0 and np.isnan(ot["sales"].iloc[0])
    assert np.isnan(ot["acos"].iloc[0]) and np.isnan(ot["cvr"].iloc[0])


def test_asin_only_reports_join_to_skus_or_stay_by_asin():
    ap = dict(report_level="advertised_product", start_date=D1, campaign_name="C",
              ad_group_name="G", impressions=10, clicks=10, spend=5.0, sales=25.0, orders=1)
    a = _ads([{**ap, "advertised_asin": "B000000001"}, {**ap, "advertised_asin": "b000000002"}])
    orders = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["A", "A"],
                           "asin": ["B000000001", "B000000001"]})
    w = A.with_skus(a, A.asin_sku_map(orders)).set_index("advertised_asin")
    assert w.loc["B000000001", "advertised_sku"] == "A"
    assert w.loc["B000000001", "sku_source"] == "asin_map"
    assert w.loc["b000000002", "advertised_sku"] == "B000000002"  # by ASIN
    assert w.loc["b000000002", "sku_source"] == "asin"
    # an ASIN under two SKUs is ambiguous: left by ASIN
    two = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": ["A", "A2"],
                        "asin": ["B000000001", "B000000001"]})
    assert A.asin_sku_map(two).empty
    # unit costs join on the ASIN column of the cost file for the ASIN-only product
    uc = UC.assign(asin=["B000000009", "B000000002"])
    sk = A.sku_targets(A.with_skus(a), uc, start=D1, end=D1).set_index("advertised_sku")
    assert sk.loc["B000000002", "break_even_acos"] == pytest.approx(0.35)  # SKU B's
    assert sk.loc["B000000001", "acos_status"] == "no_unit_cost"


VAT_SKU = dict(seller_id="s", sku="X", price=20.0, cogs=5.0, fba_fee=4.0,
               referral_fee_pct=0.15, other_cost=1.0)


@pytest.mark.parametrize("mp,rate", [("DE", 0.19), ("UK", 0.20), ("JP", 0.10), ("US", 0.0)])
def test_break_even_acos_net_of_vat_worked_examples(mp, rate):
    """A 20 (EUR / GBP / JPY / USD) item with 13 of costs (5 cogs, 4 FBA, 15 % referral on the
    gross price = 3, 1 other): contribution = 20 / (1 + VAT) - 13, over the gross price the ad
    reports count. DE: 16.807 - 13 = 3.807 -> 19.03 %; UK: 16.667 - 13 -> 18.33 %;
    JP: 18.182 - 13 -> 25.91 %; US (sales tax not in the price): 7 -> 35 %."""
    ue = A.unit_economics(pd.DataFrame([{**VAT_SKU, "marketplace": mp}]), margin_goal=0.10)
    r = ue.iloc[0]
    expected = {"DE": (20 / 1.19 - 13) / 20, "UK": (20 / 1.2 - 13) / 20,
                "JP": (20 / 1.1 - 13) / 20, "US": 7 / 20}[mp]
    assert r["vat_rate"] == pytest.approx(rate)
    assert r["break_even_acos"] == pytest.approx(expected)
    assert r["target_acos"] == pytest.approx(expected - 0.10)
    assert {"DE": 0.1903, "UK": 0.1833, "JP": 0.2591, "US": 0.35}[mp] == pytest.approx(
        r["break_even_acos"], abs=5e-5)


def test_vat_override_per_sku():
    """A German book at the reduced 7 % rate, and a seller who charges no VAT (0)."""
    ue = A.unit_economics(pd.DataFrame([{**VAT_SKU, "marketplace": "DE", "vat_rate": 0.07},
                                        {**VAT_SKU, "sku": "Y", "marketplace": "DE",
                                         "vat_rate": 0.0},
                                        {**VAT_SKU, "sku": "Z", "marketplace": "DE",
                                         "vat_rate": None}])).set_index("sku")
    assert ue.loc["X", "break_even_acos"] == pytest.approx((20 / 1.07 - 13) / 20)
    assert ue.loc["Y", "break_even_acos"] == pytest.approx(7 / 20)
    assert ue.loc["Z", "vat_rate"] == pytest.approx(0.19)
