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

from postship_analysis import datafolder
from postship_analysis import params as P
from postship_analysis.reporting import actions as AC
from postship_analysis.reporting import notebook as R
from postship_analysis.reporting import outputs, plots

matplotlib.rcParams["figure.dpi"] = 80
NB = "40_advertising"

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
R.loaded(inputs)

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
UNDEFINED = "undefined: nothing to divide by (no sales, clicks or impressions)"

if not HAVE_ADS:
    R.note("No Sponsored Products reports in the data folder: nothing to analyse. Download them as "
           "docs/INPUTS.md (table `ads`) says.")
    if not R.can_run(inputs, "Stockout recovery", say=False):
        R.no_data(OUT, NB, datafolder.can_run(inputs, "Advertising")[1])
else:
    R.window_empty(inputs, ["ads"], AS_OF, WINDOW, OUT, NB)
    levels = ADS.groupby(["marketplace", "report_level"]).agg(
        rows=("spend", "size"), first_day=("start_date", "min"), last_day=("end_date", "max"),
        spend=("spend", "sum"), attribution_days=("attribution_days", "max")).reset_index()
    R.show(levels, "ad_report_levels", decision=("marketplace", "report_level", "spend", "first_day", "last_day"),
           caption="Advertising reports found (each level carries the same spend once; levels are never added together)",
           formats={"attribution_days": "count"})
    src = ADS.loc[ADS["report_level"] == "advertised_product", "sku_source"].value_counts()
    if src.get("asin", 0) or src.get("asin_map", 0):
        R.note((
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
    R.show(pd.DataFrame([{"input": i, "present": bool(h), "unlocks": u} for i, h, u in unlock]), "ad_inputs",
           decision=("input", "present"), formats={"unlocks": "text"})
    R.note((f"Campaign tables: {START.date()} to {END.date()}. Recommendations use the settled days "
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
    # the headline KPIs are named "30 days" (ad_spend_30d...): they cover 30 days whatever
    # window_days the tables below use
    K_START = AS_OF - pd.Timedelta(days=30)
    K_SSTART, K_SEND = A.settled_window(AS_OF, 30, PDAYS)
    tac = A.tacos(ADS, T["sales_traffic"], start=K_START, end=END)
    tac = tac.sort_values("spend", ascending=False).drop_duplicates(["seller_id", "marketplace"])
    if HAVE_COSTS:
        terms = A.search_term_stats(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN,
                                    provisional_days=PDAYS, entities=ENT)
        negs = A.negative_keyword_candidates(terms)
        negs30 = negs if WINDOW == 30 else A.negative_keyword_candidates(A.search_term_stats(
            ADS, UC, AS_OF, window_days=30, margin_goal=MARGIN, provisional_days=PDAYS, entities=ENT))
    win = f"{K_START.date()}..{END.date()}"
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
                                 float(negs30.loc[negs30["marketplace"] == mp, "wasted_spend"].sum()),
                                 unit="currency", window=f"{K_SSTART.date()}..{K_SEND.date()}"))
    kpis = R.require(kpis, inputs)
    if kpis:
        R.show_kpis(kpis)

# %% [markdown]
# ## Campaigns
#
# Per campaign over the window, from the most complete report level you have (campaign report, else placement, ad group, advertised product, targeting or search term): spend, attributed sales and orders, ACoS, ROAS, CTR, CPC and conversion rate. A ratio whose denominator is zero is left empty (undefined), never shown as 0. Written to `ad_campaigns.csv`. Then the same by week: *provisional* weeks contain days whose conversions Amazon may still restate.

# %%
if HAVE_ADS:
    cm = A.campaign_metrics(ADS, start=START, end=END, as_of=AS_OF)
    csv_cm = outputs.write_csv(cm, OUT, "ad_campaigns")
    if cm.empty:
        R.note("No report that names campaigns covers the window (only account totals per day).")
    else:
        view = cm.sort_values(["marketplace", "spend"], ascending=[True, False])
        R.show(view[["marketplace", "campaign_name", "spend", "sales", "acos", "orders", "roas", "ctr", "cpc", "cvr",
                     "report_level", "attribution_days"]], "ad_campaigns", max_rows=MAX_ROWS * 2,
               decision=("marketplace", "campaign_name", "spend", "sales", "acos"),
               labels={"campaign_name": "Campaign", "report_level": "From report",
                       "attribution_days": "Attribution (days)"},
               formats={"attribution_days": "count"},
               missing={c: UNDEFINED for c in ("acos", "roas", "ctr", "cpc", "cvr")} | {
                   "sales": "not in this report level", "orders": "not in this report level"},
               csv=csv_cm)
        wk = A.ad_metrics(ADS, ["campaign_name"], freq="W", start=START, end=END, as_of=AS_OF)
        R.show(wk[["marketplace", "period", "campaign_name", "spend", "sales", "acos", "orders", "impressions",
                   "clicks", "ctr", "cpc", "cvr", "roas", "provisional"]], "ad_campaigns_weekly",
               max_rows=MAX_ROWS * 2, decision=("marketplace", "period", "campaign_name", "spend", "acos"),
               labels={"campaign_name": "Campaign", "period": "Week"},
               missing={c: UNDEFINED for c in ("acos", "roas", "ctr", "cpc", "cvr")} | {
                   "sales": "not in this report level", "orders": "not in this report level",
                   "impressions": "not in this report level", "clicks": "not in this report level"},
               csv=outputs.write_csv(wk, OUT, "ad_campaigns_weekly"))

# %% [markdown]
# ## Search terms that spent without an order
#
# Customer search terms with clicks but no attributed order over the settled days, by spend (no costs needed; with unit costs the negatives section below weighs them against break-even). Written to `ad_search_terms_no_orders.csv`.

# %%
if HAVE_ADS:
    st = A.ad_metrics(ADS, ["campaign_name", "ad_group_name", "targeting", "match_type", "search_term"],
                      start=SSTART, end=SEND)
    if st.empty:
        R.note("No search-term report covers the settled days.")
    else:
        nz = st[(st["clicks"] > 0) & (st["orders"].fillna(0) == 0)].sort_values("spend", ascending=False)
        share = nz["spend"].sum() / st["spend"].sum() if st["spend"].sum() else float("nan")
        R.note(f"{len(nz):,} search terms spent without an order"
               + (f" ({share:.1%} of search-term spend)." if share == share else "."))
        R.show(nz[["marketplace", "search_term", "spend", "clicks", "campaign_name", "targeting", "match_type"]],
               "ad_search_terms_no_orders", max_rows=MAX_ROWS,
               decision=("marketplace", "search_term", "spend", "clicks"), labels={"campaign_name": "Campaign"},
               missing={"targeting": "not in the report", "match_type": "not in the report"},
               csv=outputs.write_csv(nz, OUT, "ad_search_terms_no_orders"),
               empty="Every search term with clicks brought an order.")

# %% [markdown]
# ## ACoS against break-even and target per SKU
#
# Break-even ACoS = contribution before ads / price, where contribution = price net of VAT/GST (where the marketplace's prices include it; a `vat-rate` column in the unit-cost file overrides the standard rate) - cost of goods - FBA fee - referral fee on the full price - other costs; target ACoS = break-even - margin goal; max CPC = target ACoS x AOV x CVR. SKUs the ads name only by ASIN are analysed by ASIN. Written to `ad_sku_economics.csv`.

# %%
if HAVE_ADS and not HAVE_COSTS:
    R.note(NEEDS_COSTS)
elif HAVE_ADS:
    rates = V.rate_table()
    used = rates[rates["marketplace"].isin(UC["marketplace"].dropna().unique())]
    R.show(used[["marketplace", "rate", "included_in_prices", "source"]], "vat_rates",
           caption="VAT/GST taken out of the price (standard rates, checked " + V.CHECKED + ")",
           formats={"rate": "percent", "source": "text"})
    sk = A.sku_targets(ADS, UC, start=START, end=END, margin_goal=MARGIN)
    if sk.empty:
        outputs.write_csv(sk, OUT, "ad_sku_economics")
        R.note("No advertised-product report covers the window: ACoS per SKU needs the Advertised "
               "product report (or the Ads API spAdvertisedProduct report).")
    else:
        R.show(sk[["marketplace", "advertised_sku", "acos", "break_even_acos", "target_acos", "acos_status", "spend",
                   "sales", "clicks", "orders", "cpc", "max_cpc", "vat_rate"]].sort_values("spend", ascending=False),
               "ad_sku_economics", max_rows=MAX_ROWS,
               decision=("marketplace", "advertised_sku", "acos", "break_even_acos", "target_acos", "acos_status"),
               formats={"vat_rate": "percent"},
               missing={"acos": UNDEFINED, "cpc": UNDEFINED, "break_even_acos": "no unit costs for this SKU",
                        "target_acos": "no unit costs for this SKU", "max_cpc": "no unit costs or no conversions",
                        "vat_rate": "no unit costs for this SKU"},
               csv=outputs.write_csv(sk, OUT, "ad_sku_economics"))
        s = sk.dropna(subset=["acos", "break_even_acos"]).sort_values("spend", ascending=False).head(20)
        if len(s):
            plots.acos_vs_targets(s, "ACoS against break-even and target, top SKUs by spend");

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
    R.note("Needs inventory snapshots (FBA Inventory or Manage FBA Inventory reports) and orders: "
           "without them spend is not paced by stock.")
else:
    R.show(pace[pace["action"] != "normal"], "ad_inventory_pacing", max_rows=MAX_ROWS,
           decision=("marketplace", "sku", "action", "days_of_cover", "lead_time_days"),
           formats={"evidence": "text", "spend_multiplier": "number"},
           missing={"days_of_cover": "no sales in the last 30 days"},
           empty="Every advertised SKU has enough stock: spend is not paced.")

# %% [markdown]
# ## Bid changes
#
# Target bid = target ACoS x AOV x CVR, CVR shrunk toward the ad group, then the campaign (empirical-Bayes beta-binomial), so targets with few clicks are not over-read; computed on the settled days only. A change starts from the target's real current bid in your bulk-operations download (the ad group's default bid where the target has none), is capped at the step, and never raises in down-only mode or for SKUs short of stock. Without a download the current bid is unknown: the list then says where the average CPC is already above the target bid (lower it to the target) and gives the target bid; it never treats the CPC as the bid. Written to `ad_bid_changes.csv`.

# %%
bids = pd.DataFrame()
if HAVE_ADS and not HAVE_COSTS:
    R.note(NEEDS_COSTS)
elif HAVE_ADS:
    bids = A.bid_recommendations(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN, down_only=DOWN_ONLY,
                                 max_step=STEP, entities=ENT, provisional_days=PDAYS,
                                 inventory_cover=cover if len(cover) else None)
    csv_b = outputs.write_csv(bids, OUT, "ad_bid_changes")
    if bids.empty:
        R.note("No targeting or search-term report with clicks covers the settled days.")
    else:
        R.show(bids.groupby(["marketplace", "action"]).size().rename("targets").unstack(fill_value=0),
               "ad_bid_actions", decision=("marketplace",), caption="Targets per bid action")
        R.show(bids[bids["action"] != "keep"][["marketplace", "targeting", "action", "new_bid", "current_bid",
                                               "target_bid", "match_type", "campaign_name", "evidence"]],
               "ad_bid_changes", max_rows=MAX_ROWS,
               decision=("marketplace", "targeting", "action", "new_bid", "current_bid"),
               labels={"campaign_name": "Campaign"}, formats={"evidence": "text"},
               missing={"current_bid": "no bulk-operations download: the current bid is unknown",
                        "new_bid": "current bid unknown: set the target bid", "match_type": "auto or product target"},
               csv=csv_b, empty="No bid to change.")

# %% [markdown]
# ## Search-term actions
#
# **Negatives**: spend above what break-even allows for the orders they brought, ranked by the probability that their conversion rate is below break-even. **Harvest**: converting terms from auto / broad / phrase targets within target ACoS that are not exact keywords yet. Both on the settled days. Written to `ad_negative_keywords.csv` and `ad_harvest_keywords.csv`.

# %%
harvest = pd.DataFrame()
if HAVE_ADS and not HAVE_COSTS:
    R.note(NEEDS_COSTS)
elif HAVE_ADS:
    exact = ENT[(ENT["entity"] == "Keyword") & (ENT["match_type"] == "exact")].rename(
        columns={"keyword_text": "targeting"}) if HAVE_BULK else None
    harvest = A.harvest_candidates(terms, exact_targets=exact)
    csv_n = outputs.write_csv(negs, OUT, "ad_negative_keywords")
    csv_h = outputs.write_csv(harvest, OUT, "ad_harvest_keywords")
    if terms.empty:
        R.note("No search-term report covers the settled days.")
    else:
        R.show(negs[["marketplace", "search_term", "spend", "clicks", "orders", "p_cvr_below_be", "campaign_name",
                     "evidence"]], "ad_negative_keywords", max_rows=MAX_ROWS,
               decision=("marketplace", "search_term", "spend", "p_cvr_below_be"),
               labels={"campaign_name": "Campaign"}, formats={"evidence": "text", "p_cvr_below_be": "percent"},
               caption="Negatives", csv=csv_n, empty="No search term to add as a negative.")
        R.show(harvest[["marketplace", "search_term", "suggested_bid", "destination_campaign", "orders", "acos",
                        "campaign_name", "evidence"]], "ad_harvest_keywords", max_rows=MAX_ROWS,
               decision=("marketplace", "search_term", "suggested_bid", "destination_campaign"),
               labels={"campaign_name": "Campaign"}, formats={"evidence": "text"},
               missing={"suggested_bid": "no unit costs for the SKU"},
               caption="Harvest", csv=csv_h, empty="No search term to harvest.")

# %% [markdown]
# ## Budget and bidding strategy
#
# Budget moves toward SKUs (or, without an advertised-product report, campaigns) that convert above the threshold within target ACoS, judged on the shrunk conversion rate and its 90 % interval rather than the raw rate; away from the rest. A campaign that advertises a SKU with less cover than its lead time is never raised. The new budget starts from the campaign's current daily budget (bulk download, else the Campaign report's Budget), never from its average spend; a raise is dropped where the campaign uses under 80 % of its budget (the budget is not what limits it). Campaigns on "Dynamic bids - up and down" whose ad sales cost more than they earn are moved to "Dynamic bids - down only". Written to `ad_budget_changes.csv` and `ad_bidding_strategy.csv`.

# %%
bcamp, strat = pd.DataFrame(), pd.DataFrame()
if HAVE_ADS and not HAVE_COSTS:
    R.note(NEEDS_COSTS)
elif HAVE_ADS:
    bunits, bcamp = A.budget_recommendations(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN,
                                             cvr_threshold=CVR_T, provisional_days=PDAYS, entities=ENT,
                                             inventory_cover=cover if len(cover) else None)
    strat = A.strategy_recommendations(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN,
                                       provisional_days=PDAYS, entities=ENT)
    csv_bc = outputs.write_csv(bcamp, OUT, "ad_budget_changes")
    csv_s = outputs.write_csv(strat, OUT, "ad_bidding_strategy")
    if len(bcamp):
        R.show(bcamp[["marketplace", "campaign_name", "action", "new_daily_budget", "current_budget",
                      "avg_daily_spend", "utilisation", "factor", "evidence"]], "ad_budget_changes",
               max_rows=MAX_ROWS, decision=("marketplace", "campaign_name", "action", "new_daily_budget"),
               labels={"campaign_name": "Campaign"},
               formats={"evidence": "text", "utilisation": "percent", "factor": "number"},
               missing={"current_budget": "not in the bulk download or Campaign report",
                        "new_daily_budget": "current budget unknown", "utilisation": "current budget unknown"},
               csv=csv_bc)
    if len(strat) and strat["recommend"].any():
        R.show(strat[strat["recommend"]][["marketplace", "campaign_name", "new_bidding_strategy",
                                           "bidding_strategy", "evidence"]], "ad_bidding_strategy",
               decision=("marketplace", "campaign_name", "new_bidding_strategy"),
               labels={"campaign_name": "Campaign"}, formats={"evidence": "text"}, csv=csv_s)
    elif len(strat):
        R.note("No campaign needs a different bidding strategy.")

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
    csv_r = outputs.write_csv(recs, OUT, "ad_recommendations")
    B.write_bulksheet(sheet, OUT, "advertising_bulk")
    if len(recs):
        R.show(recs.groupby(["marketplace", "change"]).agg(
            recommendations=("uploadable", "size"), in_bulk_file=("uploadable", "sum")), "ad_recommendations",
            decision=("marketplace", "change", "recommendations", "in_bulk_file"),
            formats={"in_bulk_file": "count"}, csv=csv_r)
    if not HAVE_BULK:
        R.note((f"**No bulk-operations download in the data folder**: the {len(recs):,} recommendations "
                         f"are in `ad_recommendations.csv` only. To make them uploadable, add {B.DOWNLOAD_HINT}, "
                         "and run the report again."))
    else:
        R.note((f"{len(sheet):,} rows in `advertising_bulk.xlsx`; {int((~recs['uploadable']).sum()):,} "
                         "recommendations are not uploadable (the reason is in the CSV)."))
        if (~recs["uploadable"]).any():
            R.show(recs[~recs["uploadable"]].groupby("reason").size().rename("recommendations").reset_index()
                   .sort_values("recommendations", ascending=False), "ad_not_uploadable",
                   decision=("reason", "recommendations"), formats={"reason": "text"},
                   caption="Not uploadable, and why")
elif HAVE_ADS:
    R.note(NEEDS_COSTS)


# %% [markdown]
# ## Recovery after a stockout
#
# Does a stockout cost sales after the restock, and for how long? Stock runs out *because* demand ran high, so "after vs the weeks before" would find a loss even where there is none. Each restock is compared instead with a **counterfactual the stockout cannot touch**: the SKU's demand forecast made at least four weeks before the stockout (before the run-up to the sell-out), times how your other SKUs in the marketplace sold against their own forecasts over the same days (season, Q4, trend). The same estimator runs on **placebo episodes** (pretend stockouts at random dates when the same SKUs were in stock): if your real episodes look like the placebos, there is **no measurable damage**. Intervals are 95 %; the recovery time is given only where the data pin it down. Written to `stockout_recovery_summary.csv`, `stockout_recovery_weekly.csv` and `stockout_recovery_episodes.csv`.

# %%
from postship_analysis import demand as D
from postship_analysis import recovery as RC
from postship_analysis.readers.inventory import daily_on_hand_from_ledger
from postship_analysis.reporting import recovery_plots as RP
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
    for g, (_, p) in zip(rres.groups, summ.iterrows()):
        if not p["episodes"]:
            R.note(f"**{p['seller_id']}**: {p['verdict']} (see the episodes below for why).")
            continue
        pl = (f"; placebo range {p['placebo_lo']:.0%} to {p['placebo_hi']:.0%}"
              if pd.notna(p["placebo_lo"]) else "")
        nf = int(p["placebos_floored"]) if pd.notna(p["placebos_floored"]) else 0
        fl = (f" {nf} of the placebo episodes expected less than one unit; their weight is capped, so a "
              "near-zero forecast cannot swing the interval." if nf else "")
        R.note((
            f"**{p['seller_id']}**: {p['verdict']}. Measured on {int(p['episodes'])} restocks "
            f"against {int(p['placebo_episodes'])} placebo episodes: deficit {p['deficit']:.1%} "
            f"(95 % interval {p['deficit_lo']:.1%} to {p['deficit_hi']:.1%}{pl}). "
            f"Recovery time: {p['recovery_note']}.{fl}"))
        RP.placebo_chart(rres, g);
        RP.recovery_curve_chart(rres, g);
    R.show(rres.weekly[["seller_id", "week", "deficit", "deficit_lo", "deficit_hi", "episodes", "day_from", "day_to"]],
           "stockout_recovery_weekly", decision=("week", "deficit", "deficit_lo", "deficit_hi"),
           formats={"week": "count", "day_from": "count", "day_to": "count"},
           labels={"deficit_lo": "Deficit, 95 % low", "deficit_hi": "Deficit, 95 % high"},
           missing={"deficit": "no restock measured that week", "deficit_lo": "no restock measured that week",
                    "deficit_hi": "no restock measured that week"})
    ep_real = rres.episodes[~rres.episodes["placebo"]].sort_values("lost_units", ascending=False)
    R.show(ep_real[["marketplace", "sku", "verdict", "deficit", "deficit_lo", "deficit_hi", "start", "length_days",
                    "counterfactual", "units"]], "stockout_recovery_episodes", max_rows=MAX_ROWS,
           decision=("marketplace", "sku", "verdict", "deficit"),
           labels={"deficit_lo": "Deficit, 95 % low", "deficit_hi": "Deficit, 95 % high"},
           formats={"verdict": "text", "counterfactual": "decimal1"},
           missing={"deficit": "not measurable (see the verdict)", "deficit_lo": "not measurable (see the verdict)",
                    "deficit_hi": "not measurable (see the verdict)", "counterfactual": "no forecast before the stockout",
                    "units": "not measurable (see the verdict)"},
           csv=outputs.write_csv(rres.episodes[~rres.episodes["placebo"]], OUT, "stockout_recovery_episodes"))
elif rres is not None:
    R.note("No SKU has been restocked after a stockout yet: nothing to measure.")
elif len(LED) and len(T["orders"]):
    R.note("No stockout in the Inventory Ledger: nothing to measure.")
else:
    R.note("No Inventory Ledger or no orders in the data folder: stockouts cannot be dated.")

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
    csv_p = outputs.write_csv(rplan, OUT, "stockout_ad_budget_plan")
    if len(rplan):
        R.note("Basis: " + "; ".join(sorted(set(rplan["basis"]))))
        R.show(rplan[["marketplace", "sku", "week", "extra_budget", "extra_budget_lo", "extra_budget_hi", "status",
                      "episodes", "length_days"]], "stockout_ad_budget_plan", max_rows=MAX_ROWS,
               decision=("marketplace", "sku", "week", "extra_budget"),
               labels={"extra_budget_lo": "Extra budget, 95 % low", "extra_budget_hi": "Extra budget, 95 % high",
                       "episodes": "Restocks behind it"},
               formats={"week": "count"},
               missing={c: "no Sponsored Products rates for the SKU" for c in ("extra_budget", "extra_budget_lo",
                                                                             "extra_budget_hi")},
               csv=csv_p)
        why = rplan[rplan["reason"] != ""].drop_duplicates(["marketplace", "sku"])
        if len(why):
            R.show(why[["marketplace", "sku", "reason", "status", "days_of_cover"]], "stockout_budget_zero",
                   max_rows=MAX_ROWS, decision=("marketplace", "sku", "reason"), formats={"reason": "text"},
                   caption="Zero budget, and why", missing={"days_of_cover": "no recent sales"})
        chk = RC.rule_of_thumb_check(rplan)
        R.show(chk, "stockout_rule_of_thumb", max_rows=MAX_ROWS,
               caption="Beside the unverified 37 % rule (a comparison, not part of the plan)",
               decision=("marketplace", "sku", "extra_budget", "rule_extra_budget"),
               formats={"extra_pct_of_spend": "percent", "rule_pct_of_spend": "percent"},
               missing={c: "no Sponsored Products spend or rates for the SKU" for c in chk.columns
                        if c not in ("seller_id", "marketplace", "sku", "status")})
    else:
        R.note("No SKU is out of stock or recovering from a recent stockout.")
    kpis += R.require(RC.recovery_kpis(rres, rplan, AS_OF, weeks=PLAN_WEEKS), inputs)

# %%
outputs.write_kpis(kpis, OUT, NB)
outputs.write_actions(AC.failing_kpis(kpis) + AC.add_negatives(negs if len(negs) else None)
                      + AC.change_bids(bids if len(bids) else None)
                      + AC.recovery_budget(rplan if len(rplan) else None, AS_OF), OUT, NB)
