# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (postship)
#     language: python
#     name: postship
# ---

# %% [markdown]
# # Advertising (Sponsored Products)
#
# Whatever advertising reports you have are analysed: ACoS, ROAS, CTR, CPC and conversion rate per campaign need nothing else. With your unit costs the report adds break-even and target ACoS per SKU (net of VAT/GST where prices include it), bid changes with the evidence behind each, negative-keyword and harvest candidates, budget shifts and inventory-aware pacing. With a bulk-operations download the recommendations also become an Amazon Ads bulk file (`advertising_bulk.xlsx`) that changes only what it means to change; every recommendation is in `ad_recommendations.csv` either way. Attributed sales and orders use each report's attribution window (7 days for sellers' Sponsored Products, 14 in some exports); the most recent days are *provisional* (Amazon restates conversions) and are left out of the windows recommendations are computed from.

# %% tags=["parameters"]
data_dir: str = "data/sample"  # folder of exports: one folder per seller account, one sub-folder per marketplace (see README)
seller_id: str = ""  # seller account (folder name) to report on; empty means every account in data_dir
marketplaces: str = ""  # comma-separated marketplace codes such as US,DE; empty means all
as_of: str = "2026-11-01"  # as-of date YYYY-MM-DD (marketplace-local); windows end the day before it
max_rows: int = 25  # rows of each action list shown in the report (the CSV files have all of them)
output_dir: str = ""  # folder for the CSV and KPI files written beside the report; empty writes none
store: str = ""  # Parquet store of the inputs, set by the report runner; empty reads data_dir
window_days: int = 30  # days used for metrics and recommendations (the campaign tables end the day before as_of; recommendations end before the provisional days)
provisional_days: str = ""  # most recent days left out of the recommendation windows because conversions are still restated; empty means the reports' attribution window (7 or 14 days)
margin_goal: float = 0.10  # profit to keep per ad-driven sale after ads, fraction of price; target ACoS is break-even minus this
max_bid_step: float = 0.20  # largest bid change per run, fraction of the current bid
down_only: bool = False  # only lower bids (mirrors Amazon "Dynamic bids - down only")
budget_cvr_threshold: float = 0.15  # conversion rate above which a SKU within target ACoS gets more budget (judged on the shrunk rate and its interval)
lead_time_days: float = 30.0  # supplier + inbound lead time used for inventory-aware pacing, days
plan_weeks: int = 4  # weeks of the stockout-recovery ad budget plan

# %%
import matplotlib
import pandas as pd
from IPython.display import Markdown, display

import postship_analysis
from postship_analysis import datafolder
from postship_analysis import params as P
from postship_analysis.kpi import TARGETS, kpi_frame
from postship_analysis.reporting import outputs, plots

matplotlib.rcParams["figure.dpi"] = 80
pd.set_option("display.max_colwidth", 60)

DATA_DIR = P.as_folder(data_dir, "data_dir")
SELLER = P.as_str(seller_id, "seller_id") or None
MARKETPLACES = P.as_marketplaces(marketplaces, "marketplaces") or None
AS_OF = P.as_date(as_of, "as_of")
MAX_ROWS = P.as_int(max_rows, "max_rows", minimum=0)
OUT = P.as_str(output_dir, "output_dir")
WINDOW = P.as_int(window_days, 'window_days', minimum=7)
PROV = P.as_int(provisional_days, 'provisional_days', minimum=0) if str(provisional_days).strip() else None
MARGIN = P.as_float(margin_goal, 'margin_goal', minimum=0)
STEP = P.as_float(max_bid_step, 'max_bid_step', minimum=0.01)
DOWN_ONLY = bool(down_only)
CVR_T = P.as_float(budget_cvr_threshold, 'budget_cvr_threshold', minimum=0)
LEAD = P.as_float(lead_time_days, 'lead_time_days', minimum=1)
PLAN_WEEKS = P.as_int(plan_weeks, 'plan_weeks', minimum=1)
inputs = datafolder.load(DATA_DIR, seller_id=SELLER, marketplaces=MARKETPLACES, store=store,
                         tables=["ads", "ad_entities", "sales_traffic", "unit_costs", "orders",
                                 "inventory_snapshots", "inventory_ledger"])
display(pd.DataFrame({"value": {
    "data folder": str(DATA_DIR), "seller account": SELLER or "(all)",
    "marketplaces": ", ".join(MARKETPLACES) if MARKETPLACES else "(all)",
    "as of": str(AS_OF.date()), "package version": postship_analysis.__version__,
    "rows loaded": f"{int(inputs.accounting()['accepted'].sum()):,} accepted, "
                   f"{int(inputs.accounting()['rejected'].sum()):,} rejected (see the data overview)"}}))

# %%
from postship_analysis import ads as A
from postship_analysis import bulksheet as B
from postship_analysis import vat as V
from postship_analysis.kpi import KPI
T = {n: inputs.table(n) for n in ["ads", "ad_entities", "sales_traffic", "unit_costs", "orders",
                                  "inventory_snapshots"]}
UC, ENT = T["unit_costs"], T["ad_entities"]
ASIN_MAP = A.asin_sku_map(T["orders"], T["inventory_snapshots"], T["sales_traffic"], UC, ENT)
ADS = A.with_skus(T["ads"], ASIN_MAP)
START, END = AS_OF - pd.Timedelta(days=WINDOW), AS_OF - pd.Timedelta(days=1)
PDAYS = A.attribution_days_of(ADS) if PROV is None else PROV
SSTART, SEND = A.settled_window(AS_OF, WINDOW, PDAYS)
HAVE_ADS = len(ADS) > 0
HAVE_COSTS = HAVE_ADS and len(UC) > 0
HAVE_BULK = HAVE_ADS and len(ENT) > 0
NEEDS_COSTS = ("Needs your unit costs: put `unit-costs.csv` (sku, marketplace, price, cogs, fba-fee, "
               "referral-fee-pct, other-cost-per-unit; optional asin, vat-rate; see docs/INPUTS.md) in the "
               "account folder.")


def pct(s):
    """Rates as text percentages for display (undefined stays empty)."""
    s = pd.Series(s, dtype="float64")
    return s.map(lambda x: "" if pd.isna(x) else f"{x:.1%}")


def money(s):
    s = pd.Series(s, dtype="float64")
    return s.map(lambda x: "" if pd.isna(x) else f"{x:,.2f}")


if not HAVE_ADS:
    display(Markdown("No Sponsored Products reports in the data folder: nothing to analyse. Download them as "
                     "docs/INPUTS.md (table `ads`) says."))
else:
    levels = ADS.groupby(["marketplace", "report_level"]).agg(
        rows=("spend", "size"), first_day=("start_date", "min"), last_day=("end_date", "max"),
        spend=("spend", "sum"), attribution_days=("attribution_days", "max")).reset_index()
    display(Markdown("**Advertising reports found** (each level carries the same spend once; levels are never "
                     "added together):"))
    display(levels)
    src = ADS.loc[ADS["report_level"] == "advertised_product", "sku_source"].value_counts()
    if src.get("asin", 0) or src.get("asin_map", 0):
        display(Markdown(
            f"The advertised-product report names ASINs: {int(src.get('asin_map', 0)):,} rows mapped to your SKUs "
            f"through your listings, inventory, orders or unit-cost file; {int(src.get('asin', 0)):,} rows stay by "
            "ASIN (no single SKU has that ASIN in your data; add an `asin` column to unit-costs.csv)."))
    unlock = [("Unit costs (`unit-costs.csv`)", HAVE_COSTS,
               "break-even / target ACoS, bids, negatives, harvests, budgets"),
              ("Bulk-operations download", HAVE_BULK,
               "ids and current bids, budgets, states: an uploadable bulk file"),
              ("Business Report by date", len(T["sales_traffic"]) > 0, "TACoS and organic share"),
              ("Inventory and orders", len(T["inventory_snapshots"]) > 0 and len(T["orders"]) > 0,
               "inventory-aware pacing")]
    display(pd.DataFrame([{"input": i, "present": "yes" if h else "no", "unlocks": u} for i, h, u in unlock]))
    display(Markdown(f"Campaign tables: {START.date()} to {END.date()}. Recommendations use the settled days "
                     f"{SSTART.date()} to {SEND.date()} (the last {PDAYS} days before the as-of date are "
                     "provisional)."))

# %% [markdown]
# ## Headline KPIs
#
# Over the window: ad spend, ACoS (ad spend / attributed sales), TACoS (ad spend / total ordered sales from the Business Report) and the organic share of sales; with unit costs, the spend on search terms that look like negatives (wasted spend). No Amazon targets exist for these: status is *info*. An undefined ratio (no sales, no Business Report) is reported as no data, never 0.

# %%
kpis = []
negs = pd.DataFrame()
if HAVE_ADS:
    tac = A.tacos(ADS, T["sales_traffic"], start=START, end=END)
    tac = tac.sort_values("spend", ascending=False).drop_duplicates(["seller_id", "marketplace"])
    if HAVE_COSTS:
        terms = A.search_term_stats(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN,
                                    provisional_days=PDAYS, entities=ENT)
        negs = A.negative_keyword_candidates(terms)
    win = f"{START.date()}..{END.date()}"
    for _, r in tac.iterrows():
        mp = r["marketplace"]
        kpis += [KPI.make("ad_acos_30d", mp, r["acos"], numerator=r["spend"], denominator=r["ad_sales"], window=win),
                 KPI.make("ad_spend_30d", mp, r["spend"], unit="currency", window=win)]
        if pd.notna(r["total_sales"]):
            kpis += [KPI.make("ad_tacos_30d", mp, r["tacos"], numerator=r["spend"], denominator=r["total_sales"],
                              window=win),
                     KPI.make("ad_organic_sales_share_30d", mp, r["organic_share"], window=win)]
        if HAVE_COSTS:
            kpis.append(KPI.make("ad_wasted_spend_30d", mp,
                                 float(negs.loc[negs["marketplace"] == mp, "wasted_spend"].sum()),
                                 unit="currency", window=f"{SSTART.date()}..{SEND.date()}"))
    if kpis:
        display(plots.kpi_table(kpi_frame(kpis)))

# %% [markdown]
# ## Campaigns
#
# Per campaign over the window, from the most complete report level you have (campaign report, else placement, ad group, advertised product, targeting or search term): spend, attributed sales and orders, ACoS, ROAS, CTR, CPC and conversion rate. A ratio whose denominator is zero is left empty (undefined), never shown as 0. Written to `ad_campaigns.csv`. Then the same by week: *provisional* weeks contain days whose conversions Amazon may still restate.

# %%
if HAVE_ADS:
    cm = A.campaign_metrics(ADS, start=START, end=END, as_of=AS_OF)
    outputs.write_csv(cm, OUT, "ad_campaigns")
    if cm.empty:
        display(Markdown("No report that names campaigns covers the window (only account totals per day)."))
    else:
        view = cm.sort_values(["marketplace", "spend"], ascending=[True, False])
        display(pd.DataFrame({
            "marketplace": view["marketplace"], "campaign": view["campaign_name"], "from report": view["report_level"],
            "window (days)": view["attribution_days"], "spend": money(view["spend"]), "sales": money(view["sales"]),
            "orders": view["orders"], "ACoS": pct(view["acos"]), "ROAS": view["roas"].round(2),
            "CTR": pct(view["ctr"]), "CPC": money(view["cpc"]), "CVR": pct(view["cvr"])}).head(MAX_ROWS * 2))
        wk = A.ad_metrics(ADS, ["campaign_name"], freq="W", start=START, end=END, as_of=AS_OF)
        display(wk[["marketplace", "period", "campaign_name", "impressions", "clicks", "spend", "sales", "orders",
                    "ctr", "cpc", "cvr", "acos", "roas", "provisional"]].head(MAX_ROWS * 2))

# %% [markdown]
# ## Search terms that spent without an order
#
# Customer search terms with clicks but no attributed order over the settled days, by spend (no costs needed; with unit costs the negatives section below weighs them against break-even). Written to `ad_search_terms_no_orders.csv`.

# %%
if HAVE_ADS:
    st = A.ad_metrics(ADS, ["campaign_name", "ad_group_name", "targeting", "match_type", "search_term"],
                      start=SSTART, end=SEND)
    if st.empty:
        display(Markdown("No search-term report covers the settled days."))
    else:
        nz = st[(st["clicks"] > 0) & (st["orders"].fillna(0) == 0)].sort_values("spend", ascending=False)
        outputs.write_csv(nz, OUT, "ad_search_terms_no_orders")
        display(Markdown(f"{len(nz):,} search terms spent {nz['spend'].sum():,.2f} without an order "
                         f"({nz['spend'].sum() / st['spend'].sum():.1%} of search-term spend)."))
        display(nz[["marketplace", "campaign_name", "search_term", "targeting", "match_type", "clicks",
                    "spend"]].head(MAX_ROWS))

# %% [markdown]
# ## ACoS against break-even and target per SKU
#
# Break-even ACoS = contribution before ads / price, where contribution = price net of VAT/GST (where the marketplace's prices include it; a `vat-rate` column in the unit-cost file overrides the standard rate) - cost of goods - FBA fee - referral fee on the full price - other costs; target ACoS = break-even - margin goal; max CPC = target ACoS x AOV x CVR. SKUs the ads name only by ASIN are analysed by ASIN. Written to `ad_sku_economics.csv`.

# %%
if HAVE_ADS and not HAVE_COSTS:
    display(Markdown(NEEDS_COSTS))
elif HAVE_ADS:
    rates = V.rate_table()
    used = rates[rates["marketplace"].isin(UC["marketplace"].dropna().unique())]
    display(Markdown("VAT/GST taken out of the price (standard rates, checked " + V.CHECKED + "):"))
    display(used[["marketplace", "rate", "included_in_prices", "source"]])
    sk = A.sku_targets(ADS, UC, start=START, end=END, margin_goal=MARGIN)
    outputs.write_csv(sk, OUT, "ad_sku_economics")
    if sk.empty:
        display(Markdown("No advertised-product report covers the window: ACoS per SKU needs the Advertised "
                         "product report (or the Ads API spAdvertisedProduct report)."))
    else:
        display(sk[["marketplace", "advertised_sku", "clicks", "orders", "spend", "sales", "acos", "vat_rate",
                    "break_even_acos", "target_acos", "cpc", "max_cpc", "acos_status"]]
                .sort_values("spend", ascending=False).head(MAX_ROWS))
        import matplotlib.pyplot as plt
        s = sk.dropna(subset=["acos", "break_even_acos"]).sort_values("spend", ascending=False).head(20)
        if len(s):
            fig, ax = plt.subplots(figsize=(9, 3.5))
            x = range(len(s))
            ax.bar(x, s["acos"], label="ACoS")
            ax.plot(x, s["break_even_acos"], "r_", markersize=18, label="break-even")
            ax.plot(x, s["target_acos"], "g_", markersize=18, label="target")
            ax.set_xticks(list(x), s["marketplace"] + " " + s["advertised_sku"], rotation=70, fontsize=7)
            ax.set_title("ACoS vs break-even and target, top SKUs by spend"); ax.legend(); plt.show()

# %% [markdown]
# ## Inventory-aware pacing
#
# Days of cover = latest fulfillable units / average daily units ordered over the last 30 days. SKUs out of stock are paused; SKUs whose cover is below the lead time get reduced spend and are never raised.

# %%
cover = pd.DataFrame(columns=["seller_id", "marketplace", "sku", "days_of_cover", "lead_time_days", "in_stock"])
if HAVE_ADS and len(T["inventory_snapshots"]) and len(T["orders"]):
    cover = A.inventory_cover(T["inventory_snapshots"], T["orders"], AS_OF, lead_time_days=LEAD)
pace = A.inventory_pacing(cover) if len(cover) else cover
if not HAVE_ADS:
    pass
elif not len(pace):
    display(Markdown("Needs inventory snapshots (FBA Inventory or Manage FBA Inventory reports) and orders: "
                     "without them spend is not paced by stock."))
else:
    display(pace[pace["action"] != "normal"].head(MAX_ROWS))

# %% [markdown]
# ## Bid changes
#
# Target bid = target ACoS x AOV x CVR, CVR shrunk toward the ad group, then the campaign (empirical-Bayes beta-binomial), so targets with few clicks are not over-read; computed on the settled days only. A change starts from the target's real current bid in your bulk-operations download (the ad group's default bid where the target has none), is capped at the step, and never raises in down-only mode or for SKUs short of stock. Without a download the current bid is unknown: the list then says where the average CPC is already above the target bid (lower it to the target) and gives the target bid; it never treats the CPC as the bid. Written to `ad_bid_changes.csv`.

# %%
bids = pd.DataFrame()
if HAVE_ADS and not HAVE_COSTS:
    display(Markdown(NEEDS_COSTS))
elif HAVE_ADS:
    bids = A.bid_recommendations(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN, down_only=DOWN_ONLY,
                                 max_step=STEP, entities=ENT, provisional_days=PDAYS,
                                 inventory_cover=cover if len(cover) else None)
    outputs.write_csv(bids, OUT, "ad_bid_changes")
    if bids.empty:
        display(Markdown("No targeting or search-term report with clicks covers the settled days."))
    else:
        display(bids.groupby(["marketplace", "action"]).size().rename("targets").unstack(fill_value=0))
        display(bids[bids["action"] != "keep"][["marketplace", "campaign_name", "targeting", "match_type",
                                               "current_bid", "target_bid", "new_bid", "action", "evidence"]]
                .head(MAX_ROWS))

# %% [markdown]
# ## Search-term actions
#
# **Negatives**: spend above what break-even allows for the orders they brought, ranked by the probability that their conversion rate is below break-even. **Harvest**: converting terms from auto / broad / phrase targets within target ACoS that are not exact keywords yet. Both on the settled days. Written to `ad_negative_keywords.csv` and `ad_harvest_keywords.csv`.

# %%
harvest = pd.DataFrame()
if HAVE_ADS and not HAVE_COSTS:
    display(Markdown(NEEDS_COSTS))
elif HAVE_ADS:
    exact = ENT[(ENT["entity"] == "Keyword") & (ENT["match_type"] == "exact")].rename(
        columns={"keyword_text": "targeting"}) if HAVE_BULK else None
    harvest = A.harvest_candidates(terms, exact_targets=exact)
    outputs.write_csv(negs, OUT, "ad_negative_keywords")
    outputs.write_csv(harvest, OUT, "ad_harvest_keywords")
    if terms.empty:
        display(Markdown("No search-term report covers the settled days."))
    else:
        display(negs[["marketplace", "campaign_name", "search_term", "clicks", "orders", "spend",
                      "p_cvr_below_be", "evidence"]].head(MAX_ROWS))
        display(harvest[["marketplace", "campaign_name", "search_term", "orders", "acos", "suggested_bid",
                         "destination_campaign", "evidence"]].head(MAX_ROWS))

# %% [markdown]
# ## Budget and bidding strategy
#
# Budget moves toward SKUs (or, without an advertised-product report, campaigns) that convert above the threshold within target ACoS, judged on the shrunk conversion rate and its 90 % interval rather than the raw rate; away from the rest. A campaign that advertises a SKU with less cover than its lead time is never raised. The new budget starts from the campaign's current daily budget (bulk download, else the Campaign report's Budget), never from its average spend; a raise is dropped where the campaign uses under 80 % of its budget (the budget is not what limits it). Campaigns on "Dynamic bids - up and down" whose ad sales cost more than they earn are moved to "Dynamic bids - down only". Written to `ad_budget_changes.csv` and `ad_bidding_strategy.csv`.

# %%
bcamp, strat = pd.DataFrame(), pd.DataFrame()
if HAVE_ADS and not HAVE_COSTS:
    display(Markdown(NEEDS_COSTS))
elif HAVE_ADS:
    bunits, bcamp = A.budget_recommendations(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN,
                                             cvr_threshold=CVR_T, provisional_days=PDAYS, entities=ENT,
                                             inventory_cover=cover if len(cover) else None)
    strat = A.strategy_recommendations(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN,
                                       provisional_days=PDAYS, entities=ENT)
    outputs.write_csv(bcamp, OUT, "ad_budget_changes")
    outputs.write_csv(strat, OUT, "ad_bidding_strategy")
    if len(bcamp):
        display(bcamp[["marketplace", "campaign_name", "current_budget", "avg_daily_spend", "utilisation", "factor",
                       "new_daily_budget", "action", "evidence"]])
    if len(strat) and strat["recommend"].any():
        display(strat[strat["recommend"]][["marketplace", "campaign_name", "bidding_strategy",
                                           "new_bidding_strategy", "evidence"]])
    elif len(strat):
        display(Markdown("No campaign needs a different bidding strategy."))

# %% [markdown]
# ## Bulk file
#
# Every recommendation is in `ad_recommendations.csv`, with whether it is in the upload file and, if not, why. The upload file `advertising_bulk.xlsx` (Amazon Ads bulksheets 2.0, Sponsored Products; upload it at Bulk operations) holds only rows Amazon can apply as meant: each carries the entity ids from your bulk-operations download and only the fields being changed (blank fields are not changed on upload; campaign rows keep their portfolio and end date, which a blank would remove). States are never written on updates, so paused entities stay paused; out-of-stock product ads are the one state change.

# %%
if HAVE_ADS and HAVE_COSTS:
    paused = A.pause_candidates(pace if len(pace) else None, ADS, ENT if HAVE_BULK else None)
    changes = [B.bid_changes(bids), B.campaign_changes(bcamp, strat), B.negative_changes(negs, ENT),
               B.harvest_changes(harvest, ENT), B.pause_changes(paused)]
    sheet = B.upload_rows(*changes)
    recs = B.readable(*changes)
    outputs.write_csv(recs, OUT, "ad_recommendations")
    B.write_bulksheet(sheet, OUT, "advertising_bulk")
    if len(recs):
        display(recs.groupby(["marketplace", "change"]).agg(
            recommendations=("uploadable", "size"), in_bulk_file=("uploadable", "sum")))
    if not HAVE_BULK:
        display(Markdown(f"**No bulk-operations download in the data folder**: the {len(recs):,} recommendations "
                         f"are in `ad_recommendations.csv` only. To make them uploadable, add {B.DOWNLOAD_HINT}, "
                         "and run the report again."))
    else:
        display(Markdown(f"{len(sheet):,} rows in `advertising_bulk.xlsx`; {int((~recs['uploadable']).sum()):,} "
                         "recommendations are not uploadable (the reason is in the CSV)."))
        if (~recs["uploadable"]).any():
            display(recs[~recs["uploadable"]].groupby("reason").size().rename("recommendations").to_frame())
elif HAVE_ADS:
    display(Markdown(NEEDS_COSTS))


# %% [markdown]
# ## Recovery after a stockout
#
# Does a stockout cost sales after the restock, and for how long? Stock runs out *because* demand ran high, so "after vs the weeks before" would find a loss even where there is none. Each restock is compared instead with a **counterfactual the stockout cannot touch**: the SKU's demand forecast made at least four weeks before the stockout (before the run-up to the sell-out), times how your other SKUs in the marketplace sold against their own forecasts over the same days (season, Q4, trend). The same estimator runs on **placebo episodes** (pretend stockouts at random dates when the same SKUs were in stock): if your real episodes look like the placebos, there is **no measurable damage**. Intervals are 95 %; the recovery time is given only where the data pin it down. Written to `stockout_recovery_summary.csv`, `stockout_recovery_weekly.csv` and `stockout_recovery_episodes.csv`.

# %%
from postship_analysis import demand as D
from postship_analysis import recovery as RC
from postship_analysis.readers.inventory import daily_on_hand_from_ledger
from postship_analysis.reporting import recovery_plots as RP
import matplotlib.pyplot as plt
LED = inputs.table("inventory_ledger")
rres, rplan, ron_hand = None, pd.DataFrame(), None
if len(LED) and len(T["orders"]):
    ron_hand = daily_on_hand_from_ledger(LED)
    ron_hand = ron_hand[ron_hand["date"] < AS_OF]
    rdaily = D.daily_demand(T["orders"], ron_hand, end=AS_OF - pd.Timedelta(days=1))
    repis = D.stockout_episodes(rdaily)
    if len(repis):
        rres = RC.analyse(rdaily, repis)
if rres is not None and len(rres.pooled):
    summ = rres.pooled
    outputs.write_csv(summ, OUT, "stockout_recovery_summary")
    outputs.write_csv(rres.weekly, OUT, "stockout_recovery_weekly")
    outputs.write_csv(rres.episodes[~rres.episodes["placebo"]], OUT, "stockout_recovery_episodes")
    for g, (_, p) in zip(rres.groups, summ.iterrows()):
        if not p["episodes"]:
            display(Markdown(f"**{p['seller_id']}**: {p['verdict']} (see the episodes below for why)."))
            continue
        pl = (f"; placebo range {p['placebo_lo']:.0%} to {p['placebo_hi']:.0%}"
              if pd.notna(p["placebo_lo"]) else "")
        display(Markdown(
            f"**{p['seller_id']}**: {p['verdict']}. Measured on {int(p['episodes'])} restocks "
            f"against {int(p['placebo_episodes'])} placebo episodes: deficit {p['deficit']:.1%} "
            f"(95 % interval {p['deficit_lo']:.1%} to {p['deficit_hi']:.1%}{pl}). "
            f"Recovery time: {p['recovery_note']}."))
        RP.placebo_chart(rres, g)
        plt.show()
        RP.recovery_curve_chart(rres, g)
        plt.show()
    wk = rres.weekly.assign(deficit=lambda x: x["deficit"].map("{:.1%}".format),
                            interval=lambda x: x["deficit_lo"].map("{:.0%}".format) + " to "
                            + x["deficit_hi"].map("{:.0%}".format))
    display(wk[["seller_id", "week", "day_from", "day_to", "episodes", "deficit", "interval"]])
    ep_real = rres.episodes[~rres.episodes["placebo"]].sort_values("lost_units", ascending=False)
    display(ep_real[["marketplace", "sku", "start", "length_days", "counterfactual", "units", "deficit",
                     "deficit_lo", "deficit_hi", "verdict"]].round({"counterfactual": 1, "deficit": 2,
                                                                    "deficit_lo": 2, "deficit_hi": 2})
            .head(MAX_ROWS))
elif rres is not None:
    display(Markdown("No SKU has been restocked after a stockout yet: nothing to measure."))
elif len(LED) and len(T["orders"]):
    display(Markdown("No stockout in the Inventory Ledger: nothing to measure."))
else:
    display(Markdown("No Inventory Ledger or no orders in the data folder: stockouts cannot be dated."))

# %% [markdown]
# ## Ad budget to recover
#
# For SKUs restocked in the last six weeks: the units still missing week by week (counterfactual x measured deficit), priced at the margin: CPC / (CVR x units per order) from the SKU's own last `window_days` of Sponsored Products (CVR shrunk toward the marketplace), capped at target ACoS x price. **Zero** where no damage is measurable, for a SKU still out of stock (no ads until it is back) and for one whose stock covers fewer days than the plan. Each week shows its 95 % interval and the number of past restocks behind it. The sellers' rule of thumb "over 7 days out of stock needs about 37 % more ad budget" has no source (forecasting.md §5.6); it is shown as a comparison only. Written to `stockout_ad_budget_plan.csv`.

# %%
if rres is not None:
    rates = RC.sku_ad_rates(ADS, AS_OF, window_days=WINDOW) if len(ADS) else None
    now = ron_hand.sort_values("date").groupby(["seller_id", "marketplace", "sku"]).tail(1)
    rplan = RC.budget_plan(rres, repis, AS_OF, rates=rates, unit_costs=UC if len(UC) else None,
                           on_hand=now, weeks=PLAN_WEEKS, margin_goal=MARGIN)
    outputs.write_csv(rplan, OUT, "stockout_ad_budget_plan")
    if len(rplan):
        display(Markdown("Basis: " + "; ".join(sorted(set(rplan["basis"])))))
        show = rplan.assign(budget=lambda x: x["extra_budget"].map("{:.2f}".format) + " ("
                            + x["extra_budget_lo"].map("{:.2f}".format) + " to "
                            + x["extra_budget_hi"].map("{:.2f}".format) + "; "
                            + x["episodes"].astype(str) + " restocks)")
        show["budget"] = show["budget"].where(show["extra_budget"].notna(), "no ad rates")
        display(show.pivot_table(index=["marketplace", "sku", "status", "length_days"], columns="week",
                                 values="budget", aggfunc="first").head(MAX_ROWS))
        why = rplan[rplan["reason"] != ""].drop_duplicates(["marketplace", "sku"])
        if len(why):
            display(why[["marketplace", "sku", "status", "days_of_cover", "reason"]].round({"days_of_cover": 1})
                    .head(MAX_ROWS))
        display(Markdown("Beside the unverified 37 % rule (a comparison, not part of the plan):"))
        chk = RC.rule_of_thumb_check(rplan)
        display(chk.round({c: 2 for c in chk.columns if chk[c].dtype.kind == "f"}).head(MAX_ROWS))
    else:
        display(Markdown("No SKU is out of stock or recovering from a recent stockout."))
    kpis += RC.recovery_kpis(rres, rplan, AS_OF, weeks=PLAN_WEEKS)

# %%
outputs.write_kpis(kpis, OUT, "40_advertising")
