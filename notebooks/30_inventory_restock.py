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
# # Inventory and restock
#
# What to send to FBA, how much and by when, from a forecast of *demand* — not of censored sales: days that closed (or opened) without stock do not drag the forecast down. Then the health of the stock already at Amazon: sell-through and weeks of cover as Amazon defines them, excess and aged units with the aged-inventory surcharge, slow movers with a suggested action, and whether sales came back after each inbound shipment. The restock list and the action lists are also written as CSV files beside this report.

# %% tags=["parameters"]
data_dir: str = "data/sample"  # folder of exports: one folder per seller account, one sub-folder per marketplace (see README)
seller_id: str = ""  # seller account (folder name) to report on; empty means every account in data_dir
marketplaces: str = ""  # comma-separated marketplace codes such as US,DE; empty means all
as_of: str = "2026-11-01"  # as-of date YYYY-MM-DD (marketplace-local); windows end the day before it
max_rows: int = 25  # rows of each action list shown in the report (the CSV files have all of them)
output_dir: str = ""  # folder for the CSV and KPI files written beside the report; empty writes none
store: str = ""  # Parquet store of the inputs, set by the report runner; empty reads data_dir
service_level: float = 0.95  # cycle service level the safety stock protects (probability of no stockout per cycle)
supplier_lead_days: float = 30.0  # days from purchase order to goods ready at the supplier
seller_lead_days: float = 7.0  # days the goods spend with you (prep, labelling) before leaving for FBA; 0 if the supplier ships to Amazon
inbound_lead_days: float = 10.0  # days from shipping to FBA until units are available (transit, receiving, placement)
lead_time_sd_days: float = 5.0  # standard deviation of the total lead time, days
review_days: float = 30.0  # replenishment frequency: days between two orders of the same SKU
case_pack: int = 1  # units per case; orders are rounded up to whole cases
moq: int = 0  # minimum order quantity, units
overrides_csv: str = ""  # optional CSV of per-SKU settings: sku[,marketplace] and any of the settings above
top_skus: int = 6  # SKUs in each forecast fan chart
slow_mover_threshold: float = 0.8  # 90-day sell-through (units shipped in 90 days / average units on hand) below which a SKU with stock is a slow mover
excess_days: float = 90.0  # units beyond this many days of demand count as excess

# %%
import matplotlib
import pandas as pd

from postship_analysis import datafolder
from postship_analysis import params as P
from postship_analysis.reporting import actions as A
from postship_analysis.reporting import notebook as R
from postship_analysis.reporting import outputs, plots

matplotlib.rcParams["figure.dpi"] = 80
NB = "30_inventory_restock"

DATA_DIR = P.as_folder(data_dir, "data_dir")
SELLER = P.as_str(seller_id, "seller_id") or None
MARKETPLACES = P.as_marketplaces(marketplaces, "marketplaces") or None
AS_OF = P.as_date(as_of, "as_of")
MAX_ROWS = P.as_int(max_rows, "max_rows", minimum=0)
OUT = P.as_str(output_dir, "output_dir")
SL = P.as_float(service_level, 'service_level', minimum=0.5, maximum=0.999)
SUP = P.as_float(supplier_lead_days, 'supplier_lead_days', minimum=0)
SEL = P.as_float(seller_lead_days, 'seller_lead_days', minimum=0)
INB = P.as_float(inbound_lead_days, 'inbound_lead_days', minimum=0)
LSD = P.as_float(lead_time_sd_days, 'lead_time_sd_days', minimum=0)
REV = P.as_float(review_days, 'review_days', minimum=0)
CP = P.as_int(case_pack, 'case_pack', minimum=1)
MOQ = P.as_int(moq, 'moq', minimum=0)
OVR_CSV = P.as_str(overrides_csv, 'overrides_csv')
TOP = P.as_int(top_skus, 'top_skus', minimum=1, maximum=30)
SLOW_T = P.as_float(slow_mover_threshold, 'slow_mover_threshold', minimum=0)
EXCESS_D = P.as_float(excess_days, 'excess_days', minimum=1)
inputs = datafolder.load(DATA_DIR, seller_id=SELLER, marketplaces=MARKETPLACES, store=store,
                         tables=["orders", "inventory_snapshots", "inventory_ledger", "restock"])
R.loaded(inputs)

# %%
import warnings

import numpy as np

from postship_analysis import demand, forecast
from postship_analysis import inventory_health as IH
from postship_analysis import restock as RS
from postship_analysis.kpi import KPI
from postship_analysis.readers import inventory as INV

KEY = ["seller_id", "marketplace", "sku"]


T = {n: inputs.table(n) for n in ["orders", "inventory_snapshots", "inventory_ledger", "restock"]}
LED, SNAP = T["inventory_ledger"], T["inventory_snapshots"]
END = AS_OF - pd.Timedelta(days=1)
if len(LED):
    ON_HAND, OH_SOURCE = INV.daily_on_hand_from_ledger(LED), "the Inventory Ledger (end-of-day sellable units)"
elif len(SNAP):
    ON_HAND, OH_SOURCE = INV.daily_on_hand(SNAP), "the inventory snapshots, carried forward between snapshot days"
else:
    ON_HAND, OH_SOURCE = None, ""
if ON_HAND is not None:
    ON_HAND = ON_HAND[ON_HAND["date"] <= END].dropna(subset=["on_hand"])
DAILY = demand.daily_demand(T["orders"], ON_HAND, end=END) if len(T["orders"]) else None
HAVE = DAILY is not None and len(DAILY) > 0 and len(SNAP) > 0
if not R.can_run(inputs, "Inventory and restock"):
    R.no_data(OUT, NB, datafolder.can_run(inputs, "Inventory and restock")[1])
elif not R.window_empty(inputs, ["orders"], AS_OF, 90, OUT, NB) and not HAVE:
    R.no_data(OUT, NB, "no daily demand could be built from the orders and the FBA inventory reports")
if HAVE:
    n_cens = int(DAILY["censored"].sum())
    n_part = int((DAILY["censored"] & (DAILY["in_stock_share"] >= forecast.MIN_SHARE)).sum())
    R.note((f"Demand history: {DAILY['sku'].nunique():,} SKUs, {len(DAILY):,} SKU-days, "
                     f"{n_cens:,} censored (a stock-out, sell-out or restock day); daily stock from {OH_SOURCE}. "
                     f"Of the censored days, {n_part:,} were in stock for at least {forecast.MIN_SHARE:.0%} of their "
                     f"usual demand (from the order times) and count as lower bounds corrected for the hours without "
                     f"stock; the other {n_cens - n_part:,} are left out of the forecast."))

# %% [markdown]
# ## Headline KPIs
#
# Sell-through (units shipped in 90 days / average units on hand) and weeks of cover (average on hand / weekly units, t90) as Amazon's help text defines them; the in-stock rate of SKUs that sold in the last 90 days, weighted by their sales rate; the share of excess and stranded units; slow movers; SKUs to reorder now (reorder date passed or today, or out of stock); and the **IPI proxy** — *not* Amazon's Inventory Performance Index, whose formula is unpublished: 1000 x the mean of four scores built from the factors Amazon names (1 - excess share, 90-day sell-through / 2 capped at 1, 1 - stranded share, in-stock rate). None of these has an Amazon target here: status is *info*.

# %%
kpis = []
if HAVE:
    PRM = RS.RestockParams(supplier_lead_days=SUP, seller_lead_days=SEL, inbound_lead_days=INB,
                           lead_time_sd_days=LSD, review_days=REV, service_level=SL, case_pack=CP, moq=MOQ)
    OVR = pd.read_csv(OVR_CSV, dtype={"sku": "string", "marketplace": "string"}) if OVR_CSV else None
    PROT = max(1, int(np.ceil(SUP + SEL + INB + REV)))       # protection period: lead time + review period
    HZ = max(28, PROT)
    with warnings.catch_warnings():   # the report shows numbers, not library warnings
        warnings.simplefilter("ignore", RuntimeWarning)
        FIT = forecast.fit(DAILY, as_of=AS_OF, horizon=HZ, lead_time_days=PROT)
    FC = forecast.forecast(DAILY, as_of=AS_OF, horizon=HZ, fitted=FIT)
    LTD = forecast.lead_time_demand(DAILY, as_of=AS_OF, lead_time_days=PROT, service_levels=(0.9, 0.95, SL),
                                    fitted=FIT)
    CLASSES = demand.demand_classes(DAILY)
    PLAN = RS.restock_plan(SNAP, FC, as_of=AS_OF, lead_time_demand=LTD, params=PRM, overrides=OVR,
                           amazon=T["restock"], classes=CLASSES)
    # inventory health: units shipped from the ledger (else ordered units), FBA SKUs only
    UNITS = IH.units_from_ledger(LED) if len(LED) else DAILY[KEY + ["date", "units"]]
    UNITS = UNITS.merge(ON_HAND[KEY].drop_duplicates(), on=KEY)
    def extras(kind, fn):
        fs = [f for f in inputs.files if f.report_type == kind and (not SELLER or f.seller_id == SELLER)
              and (not MARKETPLACES or f.marketplace in MARKETPLACES)]
        return pd.concat([fn(f.path, seller_id=f.seller_id, marketplace=f.marketplace) for f in fs],
                         ignore_index=True) if fs else None
    AGE = extras("fba_planning", INV.read_fba_planning_extras)
    MYI_X = extras("fba_myi", INV.read_myi_extras)
    STRANDED = IH.stranded_from_myi(MYI_X) if MYI_X is not None else None
    HP = IH.HealthParams(slow_mover_sell_through=SLOW_T, excess_days=EXCESS_D, lead_time_days=SUP + SEL + INB)
    HEALTH = IH.health_table(UNITS, ON_HAND, AS_OF, params=HP, age=AGE, stranded=STRANDED,
                             lead_times=PLAN[KEY + ["lead_time_days"]])
    SUMM = IH.summary(HEALTH, HP)
    kpis = IH.health_kpis(SUMM, PLAN, as_of=AS_OF)
    CHARGE = IH.next_surcharge_date(AS_OF)
    SUR = None
    if AGE is not None and (AGE["marketplace"] == "US").any():
        vol = None
        if MYI_X is not None:  # US Manage FBA Inventory gives per-unit volume in cubic feet
            v = MYI_X[MYI_X["marketplace"] == "US"].sort_values("snapshot_date").drop_duplicates(KEY, keep="last")
            vol = v[KEY].assign(volume_ft3=pd.to_numeric(v["per_unit_volume"]))
        SUR = IH.aged_surcharge(AGE[AGE["marketplace"] == "US"], CHARGE, volume_ft3=vol)
        kpis.append(KPI.make("aged_inventory_surcharge_next", "US", float(SUR["surcharge_usd"].sum()), "USD",
                             window=str(CHARGE.date())))
    kpis = R.require(kpis, inputs)
    R.show_kpis(kpis)


# %% [markdown]
# ## Forecast fan charts
#
# Bars: daily units sold (blue = in stock all day; light blue = a sell-out or restock day used with its sales corrected for the hours without stock; grey = censored and left out: out of stock for most of the day, so sales understate demand). Line: forecast mean; shaded: median to 80th and to 95th percentile of daily demand. First the best sellers, then the SKUs most at risk of running out.

# %%
def fan(keys, title):
    keys = list(keys)[:TOP]
    if not keys:
        R.note("_No SKU to show._")
        return
    plots.fan_chart(DAILY, FC, keys, AS_OF, title, top=TOP, min_share=forecast.MIN_SHARE)


if HAVE:
    top = (DAILY[DAILY["date"] >= AS_OF - pd.Timedelta(days=90)].groupby(KEY)["units"].sum()
           .sort_values(ascending=False))
    fan(top.index, "Best sellers (units, last 90 days)")
    risk = PLAN[PLAN["status"].isin(["out_of_stock", "late", "reorder_now"]) & (PLAN["daily_demand"] > 0)]
    risk = risk.sort_values(["projected_stockout_date", "daily_demand"], ascending=[True, False])
    fan(risk[KEY].itertuples(index=False, name=None), "At risk: out of stock, late or at the reorder point")

# %% [markdown]
# ## Censoring correction
#
# Sales on a day that ran out of stock are a lower bound on that day's demand, not the demand. The forecast masks days without stock, and uses a sell-out or restock day with its sales corrected for the hours without stock (the share of the day's usual order profile that fell in hours with stock, from the order times). Below: the same forecast three ways, summed over the SKUs that had a censored day in the last 90 days — treating censored days as normal days (what naive velocity does), masking them whole, and the correction used in this report — and what each SKU's forecast rests on.

# %%
if HAVE:
    recent = DAILY[(DAILY["date"] >= AS_OF - pd.Timedelta(days=90)) & DAILY["censored"]]
    hit = recent[KEY].drop_duplicates()
    if len(hit):
        sub = DAILY.merge(hit, on=KEY)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ways = {"censored days as normal days": sub.drop(columns="in_stock_share").assign(censored=False),
                    "censored days masked whole": sub.drop(columns="in_stock_share"),
                    "sell-out / restock days corrected (this report)": sub}
            tot = {k: forecast.forecast(v, as_of=AS_OF, horizon=28, quantiles=(0.5,))["mean"].sum()
                   for k, v in ways.items()}
        R.note(f"**{len(hit)} SKUs** with a censored day in the last 90 days; forecast demand over the next "
               "28 days:")
        R.show(pd.DataFrame({"forecast": list(tot), "units_next_28_days": list(tot.values())}), "censoring_correction",
               decision=("forecast", "units_next_28_days"))
    else:
        R.note("_No censored day in the last 90 days._")
    basis = FIT.keys.groupby("basis").size().rename("skus").reset_index()
    R.show(basis, "forecast_basis", decision=("basis", "skus"), caption="What each SKU's forecast rests on",
           formats={"basis": "text"})
    notes = [FIT.extra.get("note", "")]
    rej = FIT.extra.get("rejected")
    if rej is not None and len(rej):
        notes.append(f"{len(rej)} SKU-days not used: " + ", ".join(
            f"{v} {k}" for k, v in rej["reason"].value_counts().items()))
    R.note("Forecast notes: " + "; ".join(n for n in notes if n) + ".")


# %% [markdown]
# ## Stock-out timeline
#
# Stock-out episodes (consecutive days that closed without stock) in the last 180 days, for the SKUs with the most units lost (estimated from each SKU's in-stock sales rate). Red = still out of stock. Written to `stockout_episodes.csv` (every episode).

# %%
if HAVE:
    EP = demand.stockout_episodes(DAILY)
    recent = EP[EP["end"] >= AS_OF - pd.Timedelta(days=180)]
    worst = recent.groupby(KEY)["units_lost_est"].sum().sort_values(ascending=False).head(MAX_ROWS)
    if len(worst):
        plots.episode_timeline(recent, worst.index, AS_OF, "Stock-out episodes, last 180 days");
    R.note(f"**{len(recent)} episodes** in the last 180 days, {int(recent['ongoing'].sum())} ongoing; "
           f"estimated units lost: {recent['units_lost_est'].sum():,.0f}.")
    R.show(recent.sort_values("units_lost_est", ascending=False), "stockout_episodes", max_rows=MAX_ROWS,
           decision=("marketplace", "sku", "start", "length_days", "ongoing", "units_lost_est"),
           csv=outputs.write_csv(EP, OUT, "stockout_episodes"), empty="No stock-out in the last 180 days.")

# %% [markdown]
# ## Forecast accuracy (rolling-origin backtest)
#
# Each SKU's method was chosen by a rolling-origin backtest on in-stock days: RMSSE (error scaled by the series' own day-to-day change; below 1 beats a naive forecast), bias (forecast minus actual, share of actual) and the error of the lead-time total. Per chosen method: how many SKUs and their median scores.

# %%
if HAVE:
    sc = FIT.scores[FIT.scores["chosen"]]
    acc = sc.groupby("method").agg(skus=("sku", "size"), median_rmsse=("rmsse", "median"),
                                   median_bias=("bias", "median"), median_lead_time_error=("lt_error", "median"))
    R.show(acc.reset_index(), "forecast_accuracy", decision=("method", "skus", "median_rmsse"),
           formats={"median_rmsse": "number", "median_bias": "percent", "median_lead_time_error": "percent"},
           missing={"median_rmsse": "no backtest for this method (too little history)",
                    "median_bias": "no backtest for this method (too little history)",
                    "median_lead_time_error": "no backtest for this method (too little history)"})
    R.note((f"Demand classes (Syntetos-Boylan): " + ", ".join(
        f"{k} {v}" for k, v in CLASSES["class"].value_counts().items()) + "."))

# %% [markdown]
# ## Action: restock list
#
# Our recommendation per SKU, most urgent first: *out_of_stock*, *late* (the reorder date has passed: order today; *overdue days* says by how much, and the arrival date is the earliest feasible one), *reorder_now* (the reorder date is today), *plan* (order later, on the order date: the quantity is one review period of demand, order-up-to minus reorder point, because the order is placed when the stock position has fallen to the reorder point). Ship-by = the day the shipment must leave for FBA; arrival = ship-by + the inbound lead time. Amazon's Restock Inventory recommendation is shown beside ours when its report is in the data folder, with the measurable reasons they differ. Written to `restock_plan.csv` (every SKU, every column).

# %%
if HAVE:
    R.note("> " + RS.FORMULA_NOTE)
    todo = PLAN[PLAN["recommended_qty"] > 0]
    R.note((f"**{len(todo)} SKUs** to restock, {int(todo['recommended_qty'].sum()):,} units; "
                     f"service level {SL:.0%}, lead time {SUP + SEL + INB:g} days (supplier {SUP:g} + you {SEL:g} + "
                     f"FBA inbound {INB:g}), review period {REV:g} days."))
    cols = ["marketplace", "sku", "status", "overdue_days", "demand_class", "forecast_basis", "daily_demand", "available", "inbound",
            "reserved", "days_of_supply", "projected_stockout_date", "stockout_before_arrival", "safety_stock",
            "reorder_point", "order_up_to", "recommended_qty", "reorder_date", "order_date", "ship_by_date", "arrival_date"]
    cols += [c for c in ["amazon_qty", "amazon_ship_date", "difference_explained"] if c in PLAN]
    R.show(todo[cols], "restock_plan", max_rows=MAX_ROWS,
           decision=("marketplace", "sku", "recommended_qty", "ship_by_date", "status"),
           formats={"difference_explained": "text", "forecast_basis": "text", "overdue_days": "count"},
           missing={"projected_stockout_date": "no stock-out within the forecast horizon",
                    "overdue_days": "not late", "order_date": "order now",
                    "amazon_qty": "not in Amazon's Restock Inventory report",
                    "amazon_ship_date": "not in Amazon's Restock Inventory report"},
           csv=outputs.write_csv(PLAN, OUT, "restock_plan"), empty="No SKU to restock.")

# %% [markdown]
# ## Inventory health
#
# Per marketplace, then per SKU. Sell-through and weeks of cover follow Amazon's help text (the help page's own t90 example is arithmetically inconsistent with its text; we follow the text). The sample's FBA Inventory report carries the same numbers, which the tests check.

# %%
if HAVE:
    R.show(SUMM[["seller_id", "marketplace", "skus", "units_t90", "avg_on_hand_t90", "sell_through_90d",
                  "weeks_of_cover_t90", "in_stock_rate_30d", "excess_share", "stranded_share", "aged_181_plus",
                  "slow_movers", "ipi_excess_score", "ipi_sell_through_score", "ipi_stranded_score",
                  "ipi_in_stock_score", "ipi_proxy"]], "inventory_summary", max_cols=None,
           decision=("marketplace", "sell_through_90d", "weeks_of_cover_t90", "in_stock_rate_30d", "ipi_proxy"),
           formats={"in_stock_rate_30d": "percent", "excess_share": "percent", "stranded_share": "percent",
                    "units_t90": "count", "avg_on_hand_t90": "count"},
           missing={"aged_181_plus": "no inventory-age report"})
    R.show(HEALTH.sort_values("units_t90", ascending=False)[
        ["marketplace", "sku", "units_t30", "units_t90", "on_hand", "sell_through_90d", "weeks_of_cover_t30",
         "weeks_of_cover_t90", "weekly_sell_through", "in_stock_rate_30d", "excess_units", "aged_181_plus"]],
           "inventory_health", max_rows=MAX_ROWS, decision=("marketplace", "sku", "on_hand", "weeks_of_cover_t90"),
           formats={"in_stock_rate_30d": "percent", "weekly_sell_through": "number", "units_t30": "count",
                    "units_t90": "count"},
           missing={"aged_181_plus": "no inventory-age report", "weeks_of_cover_t30": "no sales in the window",
                    "weeks_of_cover_t90": "no sales in the window", "weekly_sell_through": "no stock on hand",
                    "sell_through_90d": "no stock on hand"},
           csv=outputs.write_csv(HEALTH, OUT, "inventory_health"))

# %% [markdown]
# ### Aged-inventory surcharge (US)
#
# Estimated at the next monthly snapshot (the 15th) from the FBA Inventory report's age buckets, assuming none of the old units sell before then (an upper bound) and units spread evenly over each bucket's days, with the surcharge schedule in force on that date (the band table below says which schedule and where it comes from). Amazon's own estimate from the same report (its `estimated-ais-*` columns) is shown beside ours where the file has it: it is the figure Amazon will charge against, ours shows how it arises. Written to `aged_surcharge.csv`.

# %%
if HAVE and SUR is not None:
    R.show(IH.surcharge_bands(CHARGE), "surcharge_bands", max_rows=None, formats={"source": "text"})
    amz = SUR["amazon_estimated_ais"].notna()
    if amz.any():
        R.note((f"Amazon's own estimate (the report's `estimated-ais-*` columns) for {int(amz.sum())} SKUs: "
                         f"**{SUR.loc[amz, 'amazon_estimated_ais'].sum():,.2f}**; ours for the same SKUs: "
                         f"{SUR.loc[amz, 'surcharge_usd'].sum():,.2f} USD."))
    else:
        R.note("_The FBA Inventory report has no `estimated-ais-*` columns: Amazon's own estimate is not available._")
    R.note((f"Snapshot {CHARGE.date()}: **{SUR['units_181_plus'].sum():,.0f} units** aged 181+ days, estimated "
                     f"surcharge **{SUR['surcharge_usd'].sum():,.2f} USD**."))
    R.show(SUR[SUR["surcharge_usd"] > 0].sort_values("surcharge_usd", ascending=False), "aged_surcharge",
           max_rows=MAX_ROWS, decision=("marketplace", "sku", "surcharge_usd", "units_181_plus"),
           missing={"amazon_estimated_ais": "not in the FBA Inventory report"},
           csv=outputs.write_csv(SUR, OUT, "aged_surcharge"), empty="No aged unit will be charged.")
elif HAVE:
    R.note("_No US FBA Inventory (planning) report with inventory age: surcharge not estimated._")

# %% [markdown]
# ### Action: slow movers
#
# 90-day sell-through (units shipped in 90 days / average units on hand, Amazon's definition) below the threshold, shown with the SKU's days and weeks of cover at its in-stock sales rate. Suggested action (ours): a **Lightning Deal** when the SKU also holds excess or aged units (clear volume before the surcharge), else a **Sponsored Brands push** (visibility at full price); but **no promotion** for a SKU whose cover is below its lead time (more advertising would sell out stock that cannot be replaced in time). Written to `slow_movers.csv`.

# %%
if HAVE:
    slow = HEALTH[HEALTH["slow_mover"]].sort_values(["excess_units", "on_hand"], ascending=False)
    R.note((f"**{len(slow)} of {len(HEALTH)} SKUs** below a 90-day sell-through of {SLOW_T:g}: "
                     + ", ".join(f"{k}: {v}" for k, v in slow["suggested_action"].value_counts().items()) + "."))
    R.show(slow[["marketplace", "sku", "on_hand", "units_t90", "sell_through_90d", "days_of_cover",
                 "weeks_of_cover", "lead_time_days", "excess_units", "aged_181_plus", "suggested_action"]],
           "slow_movers", max_rows=MAX_ROWS, decision=("marketplace", "sku", "suggested_action", "excess_units"),
           formats={"suggested_action": "text", "units_t90": "count"},
           missing={"aged_181_plus": "no inventory-age report", "days_of_cover": "no in-stock sales",
                    "weeks_of_cover": "no in-stock sales"},
           csv=outputs.write_csv(slow, OUT, "slow_movers"), empty="No slow mover.")

# %% [markdown]
# ### Post-inbound ramp check
#
# For each shipment received in the last 180 days (Inventory Ledger *Receipts*): units per day in days 14 to 21 after the receipt against the SKU's baseline (units per in-stock day over the 28 days before it). A ratio below 0.8 means sales did not come back with the stock — check the listing, price and ads (especially after a stock-out). Written to `post_inbound_ramp.csv`.

# %%
if HAVE and len(LED):
    RAMP = IH.post_inbound_ramp(UNITS, ON_HAND, LED, AS_OF)
    slow_r = RAMP[RAMP["slow_ramp"]].sort_values("ramp_ratio")
    R.note((f"**{len(slow_r)} of {len(RAMP)} receipts** ramped below 0.8 of baseline; "
                     f"{int(slow_r['stocked_out_before'].sum())} of them came after a stock-out."))
    R.show(slow_r, "post_inbound_ramp", max_rows=MAX_ROWS, decision=("marketplace", "sku", "ramp_ratio"),
           csv=outputs.write_csv(RAMP, OUT, "post_inbound_ramp"), empty="Every receipt ramped back to its baseline.")
elif HAVE:
    R.note("_No Inventory Ledger: receipts unknown, ramp check skipped._")

# %%
outputs.write_kpis(kpis, OUT, NB)
outputs.write_actions((A.restock(PLAN) + A.clear_aged(SUR, CHARGE) + A.slow_movers(slow)) if HAVE else [], OUT, NB)
