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
# Ad metrics per campaign, SKU and search term; ACoS against each SKU's break-even and target ACoS from your unit costs; bid changes with the evidence behind each; negative-keyword and harvest candidates; budget shifts and inventory-aware pacing. The recommendations are written beside this report as a readable CSV and as an Amazon Ads bulk-operations file (`advertising_bulk.xlsx`, bulksheets 2.0 Sponsored Products layout). Attributed sales and orders use each report's attribution window (7 days for sellers' Sponsored Products); the most recent days are *provisional* because Amazon restates conversions.

# %% tags=["parameters"]
data_dir: str = "data/sample"  # folder of exports: one folder per seller account, one sub-folder per marketplace (see README)
seller_id: str = ""  # seller account (folder name) to report on; empty means every account in data_dir
marketplaces: str = ""  # comma-separated marketplace codes such as US,DE; empty means all
as_of: str = "2026-11-01"  # as-of date YYYY-MM-DD (marketplace-local); windows end the day before it
max_rows: int = 25  # rows of each action list shown in the report (the CSV files have all of them)
output_dir: str = ""  # folder for the CSV and KPI files written beside the report; empty writes none
window_days: int = 30  # days before as_of used for metrics and recommendations
margin_goal: float = 0.10  # profit to keep per ad-driven sale after ads, fraction of price; target ACoS is break-even minus this
max_bid_step: float = 0.20  # largest bid change per run, fraction of the current bid
down_only: bool = False  # only lower bids (mirrors Amazon "Dynamic bids - down only")
budget_cvr_threshold: float = 0.15  # CVR above which a SKU within target ACoS gets more budget
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
MARGIN = P.as_float(margin_goal, 'margin_goal', minimum=0)
STEP = P.as_float(max_bid_step, 'max_bid_step', minimum=0.01)
DOWN_ONLY = bool(down_only)
CVR_T = P.as_float(budget_cvr_threshold, 'budget_cvr_threshold', minimum=0)
LEAD = P.as_float(lead_time_days, 'lead_time_days', minimum=1)
PLAN_WEEKS = P.as_int(plan_weeks, 'plan_weeks', minimum=1)
inputs = datafolder.load(DATA_DIR, seller_id=SELLER, marketplaces=MARKETPLACES,
                         tables=["ads", "sales_traffic", "unit_costs", "orders", "inventory_snapshots", "inventory_ledger"])
display(pd.DataFrame({"value": {
    "data folder": str(DATA_DIR), "seller account": SELLER or "(all)",
    "marketplaces": ", ".join(MARKETPLACES) if MARKETPLACES else "(all)",
    "as of": str(AS_OF.date()), "package version": postship_analysis.__version__,
    "rows loaded": f"{int(inputs.accounting()['accepted'].sum()):,} accepted, "
                   f"{int(inputs.accounting()['rejected'].sum()):,} rejected (see the data overview)"}}))

# %%
from postship_analysis import ads as A
from postship_analysis import bulksheet as B
from postship_analysis.kpi import KPI
T = {n: inputs.table(n) for n in ["ads", "sales_traffic", "unit_costs", "orders", "inventory_snapshots"]}
ADS, UC = T["ads"], T["unit_costs"]
START, END = AS_OF - pd.Timedelta(days=WINDOW), AS_OF - pd.Timedelta(days=1)
HAVE = len(ADS) > 0 and len(UC) > 0
if not HAVE:
    display(Markdown("No Sponsored Products reports or no unit costs in the data folder: nothing to analyse."))

# %% [markdown]
# ## Headline KPIs
#
# Over the window: ACoS (ad spend / attributed sales), TACoS (ad spend / total ordered sales from the Business Report), the organic share of sales, and the spend on search terms that look like negatives (wasted spend). No Amazon targets exist for these: status is *info*.

# %%
kpis = []
if HAVE:
    tac = A.tacos(ADS, T["sales_traffic"], start=START, end=END)
    terms = A.search_term_stats(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN)
    negs = A.negative_keyword_candidates(terms)
    win = f"{START.date()}..{END.date()}"
    for _, r in tac.iterrows():
        mp = r["marketplace"]
        kpis += [KPI.make("ad_acos_30d", mp, r["acos"], numerator=r["spend"], denominator=r["ad_sales"], window=win),
                 KPI.make("ad_tacos_30d", mp, r["tacos"], numerator=r["spend"], denominator=r["total_sales"], window=win),
                 KPI.make("ad_organic_sales_share_30d", mp, r["organic_share"], window=win),
                 KPI.make("ad_spend_30d", mp, r["spend"], unit="currency", window=win),
                 KPI.make("ad_wasted_spend_30d", mp, float(negs.loc[negs["marketplace"] == mp, "wasted_spend"].sum()),
                          unit="currency", window=win)]
    display(plots.kpi_table(kpi_frame(kpis)))

# %% [markdown]
# ## Campaigns by week
#
# Weeks ending Sunday; *provisional* weeks contain days whose conversions Amazon may still restate.

# %%
if HAVE:
    wk = A.ad_metrics(ADS, ["campaign_name"], freq="W", start=START, end=END, as_of=AS_OF)
    display(wk[["marketplace", "period", "campaign_name", "impressions", "clicks", "spend", "sales", "orders",
                "ctr", "cpc", "cvr", "acos", "roas", "provisional"]].head(MAX_ROWS * 2))

# %% [markdown]
# ## ACoS against break-even and target per SKU
#
# Break-even ACoS = contribution before ads / price (from your unit-cost file); target ACoS = break-even - margin goal; max CPC = target ACoS x AOV x CVR. Written to `ad_sku_economics.csv`.

# %%
if HAVE:
    sk = A.sku_targets(ADS, UC, start=START, end=END, margin_goal=MARGIN)
    outputs.write_csv(sk, OUT, "ad_sku_economics")
    display(sk[["marketplace", "advertised_sku", "clicks", "orders", "spend", "sales", "acos", "break_even_acos",
                "target_acos", "cpc", "max_cpc", "acos_status"]].sort_values("spend", ascending=False).head(MAX_ROWS))
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
if HAVE and len(T["inventory_snapshots"]):
    cover = A.inventory_cover(T["inventory_snapshots"], T["orders"], AS_OF, lead_time_days=LEAD)
pace = A.inventory_pacing(cover) if len(cover) else cover
if len(pace):
    display(pace[pace["action"] != "normal"].head(MAX_ROWS))

# %% [markdown]
# ## Bid changes
#
# Target bid = target ACoS x AOV x CVR, CVR shrunk toward the ad group, then the campaign (empirical-Bayes beta-binomial), so targets with few clicks are not over-read. Steps are capped; in down-only mode nothing is raised. Each row carries its evidence. Written to `ad_bid_changes.csv`.

# %%
if HAVE:
    bids = A.bid_recommendations(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN, down_only=DOWN_ONLY,
                                 max_step=STEP, inventory_cover=cover if len(cover) else None)
    outputs.write_csv(bids, OUT, "ad_bid_changes")
    display(bids.groupby(["marketplace", "action"]).size().rename("targets").unstack(fill_value=0))
    display(bids[bids["action"] != "keep"][["marketplace", "campaign_name", "targeting", "match_type", "current_bid",
                                           "new_bid", "action", "evidence"]].head(MAX_ROWS))

# %% [markdown]
# ## Search-term actions
#
# **Negatives**: spend above what break-even allows for the orders they brought, ranked by the probability that their conversion rate is below break-even. **Harvest**: converting terms from auto / broad / phrase targets within target ACoS that are not exact keywords yet. Written to `ad_negative_keywords.csv` and `ad_harvest_keywords.csv`.

# %%
if HAVE:
    harvest = A.harvest_candidates(terms)
    outputs.write_csv(negs, OUT, "ad_negative_keywords")
    outputs.write_csv(harvest, OUT, "ad_harvest_keywords")
    display(negs[["marketplace", "campaign_name", "search_term", "clicks", "orders", "spend", "p_cvr_below_be",
                  "evidence"]].head(MAX_ROWS))
    display(harvest[["marketplace", "campaign_name", "search_term", "orders", "acos", "suggested_bid",
                     "destination_campaign", "evidence"]].head(MAX_ROWS))

# %% [markdown]
# ## Budget
#
# Budget moves toward SKUs whose CVR is above the threshold and whose ACoS is within target, away from the rest; campaigns get the average daily spend times the spend-weighted factor of their SKUs. Written to `ad_budget_changes.csv`.

# %%
if HAVE:
    bsku, bcamp = A.budget_recommendations(ADS, UC, AS_OF, window_days=WINDOW, margin_goal=MARGIN,
                                           cvr_threshold=CVR_T, inventory_cover=cover if len(cover) else None)
    outputs.write_csv(bcamp, OUT, "ad_budget_changes")
    display(bcamp[["marketplace", "campaign_name", "avg_daily_spend", "factor", "new_daily_budget", "action",
                   "evidence"]])

# %% [markdown]
# ## Bulk file
#
# One Amazon Ads bulk-operations sheet (Sponsored Products, bulksheets 2.0 columns): bid updates, negative keywords / product targets, harvested exact keywords, campaign budgets and paused product ads of out-of-stock SKUs. Updates need the bulksheet entity ids; rows marked *needs ids* must get them from a bulksheet download before upload. Written to `advertising_bulk.xlsx` and, readable, `ad_bulk_rows.csv`.

# %%
if HAVE:
    ids = ADS.dropna(subset=["campaign_id"]).drop_duplicates(["seller_id", "marketplace", "campaign_name"])[
        ["seller_id", "marketplace", "campaign_name", "campaign_id"]]
    def with_ids(df, name="campaign_name", col="campaign_id"):
        return df.merge(ids.rename(columns={"campaign_name": name, "campaign_id": col}),
                        on=["seller_id", "marketplace", name], how="left")
    paused = pd.DataFrame(columns=["campaign_name", "ad_group_name", "advertised_sku"])
    if len(pace):
        oos = pace[pace["action"] == "pause"]
        ap = ADS[ADS["report_level"] == "advertised_product"].drop_duplicates(
            ["seller_id", "marketplace", "campaign_name", "ad_group_name", "advertised_sku"])
        paused = ap.merge(oos[["seller_id", "marketplace", "sku"]].rename(columns={"sku": "advertised_sku"}))
    h2 = with_ids(harvest, "destination_campaign", "destination_campaign_id") if len(harvest) else harvest
    sheet = B.build(B.bid_rows(with_ids(bids[bids["action"] != "keep"])), B.negative_rows(with_ids(negs)),
                    B.harvest_rows(h2), B.budget_rows(with_ids(bcamp)), B.pause_rows(paused))
    readable = sheet.assign(needs_ids=B.needs_ids(sheet))
    B.write_bulksheet(sheet, OUT, "advertising_bulk")
    outputs.write_csv(readable, OUT, "ad_bulk_rows")
    display(readable.groupby(["Entity", "Operation"]).agg(rows=("Product", "size"), needs_ids=("needs_ids", "sum")))

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
