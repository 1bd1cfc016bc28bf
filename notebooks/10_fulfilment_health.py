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
# # Fulfilment health
#
# The seller-fulfilled metrics Amazon judges the account on — Late Shipment Rate, Pre-fulfilment Cancel Rate, Valid Tracking Rate, On-Time Delivery Rate, Order Defect Rate — computed from your own exports before Amazon shows them, against Amazon's targets; then this week's action lists: orders about to miss their ship-by date, tracking numbers to correct, orders whose address can still be fixed. Windows are the N marketplace-local days before the as-of date (VTR and OTDR lag as Amazon's do). The lists are also written as CSV files beside this report.

# %% tags=["parameters"]
data_dir: str = "data/sample"  # folder of exports: one folder per seller account, one sub-folder per marketplace (see README)
seller_id: str = ""  # seller account (folder name) to report on; empty means every account in data_dir
marketplaces: str = ""  # comma-separated marketplace codes such as US,DE; empty means all
as_of: str = "2026-11-01"  # as-of date YYYY-MM-DD (marketplace-local); windows end the day before it
max_rows: int = 25  # rows of each action list shown in the report (the CSV files have all of them)
output_dir: str = ""  # folder for the CSV and KPI files written beside the report; empty writes none
store: str = ""  # Parquet store of the inputs, set by the report runner; empty reads data_dir
trend_days: int = 120  # days of history in the trend charts
at_risk_horizon_hours: float = 48.0  # unshipped orders due within this many hours are listed
correction_window_hours: float = 2.0  # orders confirmed this soon after purchase leave no time to fix an address

# %%
import matplotlib
import pandas as pd

from postship_analysis import datafolder
from postship_analysis import params as P
from postship_analysis.kpi import TARGETS
from postship_analysis.reporting import actions as A
from postship_analysis.reporting import notebook as R
from postship_analysis.reporting import outputs, plots

matplotlib.rcParams["figure.dpi"] = 80
NB = "10_fulfilment_health"

DATA_DIR = P.as_folder(data_dir, "data_dir")
SELLER = P.as_str(seller_id, "seller_id") or None
MARKETPLACES = P.as_marketplaces(marketplaces, "marketplaces") or None
AS_OF = P.as_date(as_of, "as_of")
MAX_ROWS = P.as_int(max_rows, "max_rows", minimum=0)
OUT = P.as_str(output_dir, "output_dir")
TREND_DAYS = P.as_int(trend_days, 'trend_days', minimum=7)
HORIZON_H = P.as_float(at_risk_horizon_hours, 'at_risk_horizon_hours', minimum=1)
CORR_H = P.as_float(correction_window_hours, 'correction_window_hours', minimum=0)
inputs = datafolder.load(DATA_DIR, seller_id=SELLER, marketplaces=MARKETPLACES, store=store,
                         tables=["orders", "order_promises", "shipment_confirmations", "delivery_events", "feedback", "claims", "chargebacks", "account_health", "sku_categories"])
R.loaded(inputs)
if R.can_run(inputs, "Fulfilment health: late shipment, cancellation, ship-by risk"):
    R.window_empty(inputs, ["orders"], AS_OF, 30, OUT, NB)
else:
    R.no_data(OUT, NB, datafolder.can_run(inputs, "Fulfilment health: late shipment, cancellation, "
                                          "ship-by risk")[1])

# %%
from postship_analysis import fulfilment, tracking
T = {name: inputs.table(name) for name in ["orders", "order_promises", "shipment_confirmations",
                                           "delivery_events", "feedback", "claims", "chargebacks",
                                           "account_health", "sku_categories"]}
START = AS_OF - pd.Timedelta(days=TREND_DAYS)
END = AS_OF
# the order and package views every metric below starts from, built once (on a large seller the
# package view, which matches every tracking event, is most of this notebook's time)
OV = fulfilment.order_view(T["order_promises"], T["shipment_confirmations"], T["orders"])
OV_TYPED = fulfilment.order_view(T["order_promises"], T["shipment_confirmations"], T["orders"],
                                 confirm_basis="ship_date")
PK = fulfilment.package_view(T["shipment_confirmations"], T["delivery_events"], T["order_promises"])

# %% [markdown]
# ## Headline KPIs
#
# Status against Amazon's targets: *pass*, *at risk* (inside our warning band) or *fail*. Outside the US the on-time delivery rate is a 97 % recommendation without penalty: a rate under it is *below recommendation*, never *fail*. Seller Fulfilled Prime orders (those with *is-prime*) are also judged on Amazon's stricter SFP targets (`sfp_` rows, help 202072550). The Order Defect Rate uses Amazon's window (see the note below the table).

# %%
kpis = fulfilment.fulfilment_kpis(T["orders"], T["order_promises"], T["shipment_confirmations"],
                                  T["delivery_events"], AS_OF, views=(OV, PK))
from postship_analysis import defects
ODR_LAG, ODR_LAG_SOURCE = defects.amazon_lag_days(T["account_health"])
odr = defects.order_defect_rate(T["orders"], T["feedback"], T["claims"], T["chargebacks"], as_of=AS_OF,
                                lag_days=ODR_LAG)
kpis += defects.odr_kpis(odr)
kpis = R.require(kpis, inputs)
R.show_kpis(kpis)
if len(odr):
    w0, w1 = odr["window_start"].iloc[0], odr["window_end"].iloc[0]
    R.note((f"Order Defect Rate window: orders placed {w0.date()} to {w1.date()}, ending {ODR_LAG} days "
                     f"before the as-of date, as Amazon does ({ODR_LAG_SOURCE}). The newest orders have not had "
                     "time to draw claims and feedback: a window ending yesterday would read low against the 1 % bar."))

# %% [markdown]
# ## Ours beside Amazon's
#
# Amazon's own figures from your Seller Performance report (`GET_V2_SELLER_PERFORMANCE_REPORT`) next to ours, recomputed for exactly Amazon's windows, with the difference in percentage points and its likely cause. Written to `amazon_comparison.csv`.

# %%
from postship_analysis import reconcile
if T["account_health"].empty:
    R.note(("No Seller Performance report in the data folder: put the `GET_V2_SELLER_PERFORMANCE_REPORT` "
                     "JSON in the marketplace folder to see Amazon's figures beside ours (see docs/INPUTS.md)."))
else:
    cmp_ = reconcile.compare_with_amazon(
        T["account_health"], orders=T["orders"], order_promises=T["order_promises"],
        shipment_confirmations=T["shipment_confirmations"], delivery_events=T["delivery_events"],
        feedback=T["feedback"], claims=T["claims"], chargebacks=T["chargebacks"])
    R.show(cmp_[["marketplace", "metric", "fulfillment_channel", "amazon_value", "our_value", "difference_pp",
                 "likely_cause", "window_start", "window_end", "amazon_numerator", "amazon_denominator",
                 "our_numerator", "our_denominator"]], "amazon_comparison",
           decision=("marketplace", "metric", "amazon_value", "our_value", "difference_pp"),
           labels={"amazon_value": "Amazon", "our_value": "Ours", "difference_pp": "Difference (pp)"},
           formats={"amazon_value": "percent", "our_value": "percent", "difference_pp": "number",
                    "likely_cause": "text"},
           missing={"amazon_value": "not in Amazon's report", "our_value": "nothing in our data for the window"},
           csv=outputs.write_csv(cmp_, OUT, "amazon_comparison"))

# %% [markdown]
# ## Late shipment: judged on when the shipment was confirmed
#
# Amazon counts an order as shipped late "when confirmation occurs after the expected ship date" (Seller Central help 202152050): the moment the confirmation reaches Amazon, not the ship-date typed into it (help 200197960). Each order is judged on the best confirmation time the data have: the confirmation time recorded by your shipping tool (`confirmed-date` column), else the All Orders *last-updated-date* of the order now *Shipped*, else the typed ship-date. *Judged on* says how many orders each source covered; *if judged on typed dates* is the rate a back-dated batch upload would show.

# %%
lsr_rows = []
for d in (10, 30):
    r = fulfilment.late_shipment_rate(T["order_promises"], T["shipment_confirmations"], AS_OF, days=d, orders=T["orders"],
                                      view=OV)
    t = fulfilment.late_shipment_rate(T["order_promises"], T["shipment_confirmations"], AS_OF, days=d, orders=T["orders"],
                                      confirm_basis="ship_date", view=OV_TYPED)
    lsr_rows.append(r.assign(value_if_typed_dates=t["value"].to_numpy()))
lsr_now = pd.concat(lsr_rows, ignore_index=True)
R.show_metrics(lsr_now[["marketplace", "kpi", "value", "target", "status", "value_if_typed_dates", "numerator",
                        "denominator", "backdated_late", "confirm_basis", "window_start", "window_end"]],
               "late_shipment", labels={"numerator": "Late", "denominator": "Orders",
                                        "value_if_typed_dates": "If judged on typed dates",
                                        "backdated_late": "Back-dated late", "confirm_basis": "Judged on"},
               formats={"value_if_typed_dates": "percent", "confirm_basis": "text"})

# %% [markdown]
# ### Action: back-dated confirmations (last 30 days)
#
# Confirmed after the expected ship date, but with a ship-date typed on or before it: Amazon counts these late. Confirm each shipment when it leaves instead of in a later batch. Written to `backdated_confirmations.csv`.

# %%
backdated = fulfilment.backdated_confirmations(T["order_promises"], T["shipment_confirmations"], T["orders"], as_of=AS_OF)
R.note(f"**{len(backdated)} back-dated late confirmations** with a ship-by date in the last 30 days.")
R.show(backdated, "backdated_confirmations", max_rows=MAX_ROWS,
       decision=("marketplace", "order_id", "ship_by_local", "confirmed_local", "typed_ship_local", "hours_late"),
       csv=outputs.write_csv(backdated, OUT, "backdated_confirmations"),
       empty="No back-dated late confirmation.")

# %% [markdown]
# ## Trends
#
# Each point is the metric as it stood on that day (the same window ending the day before).

# %%
lsr = fulfilment.late_shipment_rate_trend(T["order_promises"], T["shipment_confirmations"], START, END, orders=T["orders"],
                                         days=30, view=OV)
t = TARGETS["late_shipment_rate_30d"]
plots.trend_with_target(lsr, "as_of", "value", "marketplace", "Late shipment rate, 30 days", t.value, t.warn);
pf = fulfilment.pre_fulfilment_cancel_rate_trend(T["orders"], START, END, days=7, order_promises=T["order_promises"])
t = TARGETS["pre_fulfilment_cancel_rate_7d"]
plots.trend_with_target(pf, "as_of", "value", "marketplace", "Pre-fulfilment cancel rate, 7 days (buyer-requested "
                        "cancellations flagged in the order report left out; other cancellations count as yours)",
                        t.value, t.warn);

# %%
vtr = fulfilment.valid_tracking_rate_trend(T["shipment_confirmations"], T["delivery_events"],
                                          T["order_promises"], START, END, view=PK)
t = TARGETS["valid_tracking_rate_30d"]
plots.trend_with_target(vtr, "as_of", "value", "marketplace", "Valid tracking rate, 30 days", t.value, t.warn);
otd = fulfilment.unit_on_time_delivery_rate_trend(T["shipment_confirmations"], T["delivery_events"],
                                                  T["order_promises"], START, END, view=PK)
t = TARGETS["on_time_delivery_rate_14d"]
plots.trend_with_target(otd, "as_of", "value", "marketplace", "Unit on-time delivery rate, 14 days "
                        "(US target shown)", t.value, t.warn);

# %% [markdown]
# ## Valid tracking by carrier and by product category
#
# Valid = a tracking number, a carrier chosen from Amazon's list (not free-text *Other*) and at least one physical carrier scan. In the US Amazon judges the valid tracking rate **per product category** (help G201817070): a category under 95 % can lose its seller-fulfilled selling privileges even when the overall rate passes.

# %%
R.show_metrics(fulfilment.valid_tracking_rate(T["shipment_confirmations"], T["delivery_events"],
                                             T["order_promises"], AS_OF, by="carrier", view=PK),
               "valid_tracking_by_carrier", by=("carrier",), labels={"numerator": "Valid"})
cats = T["sku_categories"]
has_us = (T["order_promises"]["marketplace"] == "US").any()
if cats.empty:
    R.note(("No SKU-to-category mapping given (`sku-categories.csv`: sku, category; see docs/INPUTS.md): "
                     + ("the US valid tracking rate is judged per category by Amazon, so a category can fail while "
                        "the overall rate shown here passes." if has_us else "only the overall rate is shown.")))
else:
    by_cat = fulfilment.valid_tracking_rate(T["shipment_confirmations"], T["delivery_events"], T["order_promises"],
                                            AS_OF, by="category",
                                            sku_categories=cats[["sku", "category", "marketplace"]])
    by_cat = by_cat[by_cat["marketplace"].isin(set(cats["marketplace"]))]
    R.note("Per product category, in the marketplaces your mapping covers (SKUs without a category are "
           "*unmapped*; the per-category rule is Amazon's in the US, elsewhere shown for information):")
    R.show_metrics(by_cat[["marketplace", "category", "numerator", "denominator", "value", "target", "status",
                           "window_start", "window_end"]], "valid_tracking_by_category", by=("category",),
                   labels={"numerator": "Valid"})

# %% [markdown]
# ## Seller Fulfilled Prime
#
# Orders with *is-prime* are Seller Fulfilled Prime orders, judged on Amazon's own SFP targets over the last 7 days (help 202072550): on-time shipment at least 99 % (the first carrier scan, not the confirmation, must be on or before the ship-by date), cancellation rate no more than 0.5 % (every cancellation counts, also one the buyer asked for by message), on-time delivery at least 97 % (Amazon counts orders shipped outside Buy Shipping; the data do not say which labels were bought through Buy Shipping, so all count). Japan: on-time delivery 96 %, valid tracking 94 %, cancellation 1 %.

# %%
sfp = fulfilment.sfp_metrics(T["order_promises"], T["shipment_confirmations"], T["delivery_events"], AS_OF,
                             orders=T["orders"])
if sfp.empty:
    R.note("No Seller Fulfilled Prime orders (no order with *is-prime* in the order report).")
else:
    R.show_metrics(sfp[["marketplace", "kpi", "numerator", "denominator", "value", "target", "status", "window_start",
                        "window_end"]], "sfp_metrics")

# %% [markdown]
# ## Confirm-shipment latency
#
# Hours from purchase to shipment confirmation, and confirmation against the expected ship date (negative = early), over the last 30 days; measured to the moment of confirmation (as above), not to the typed ship-date.

# %%
lat = fulfilment.confirm_latency(T["order_promises"], T["shipment_confirmations"], T["orders"], as_of=AS_OF)
R.show(fulfilment.latency_percentiles(lat, as_of=AS_OF, days=30), "confirm_latency",
       decision=("marketplace", "measure", "orders", "p50", "p90"),
       caption="Hours (negative = before the expected ship date)",
       missing={c: "no confirmed order in the window" for c in ("mean", "p50", "p75", "p90", "p95")})

# %% [markdown]
# ## Action: unshipped orders at risk of missing their ship-by date
#
# Overdue first, then the ones due soonest. Confirm them today. Written to `at_risk_orders.csv`.

# %%
risk = fulfilment.at_risk_orders(T["order_promises"], T["shipment_confirmations"], AS_OF, orders=T["orders"],
                                horizon_hours=HORIZON_H)
R.note(f"**{len(risk)} orders** due within {HORIZON_H:g} hours or overdue.")
R.show(risk, "at_risk_orders", max_rows=MAX_ROWS,
       decision=("marketplace", "order_id", "status", "ship_by_local", "hours_left", "units"),
       csv=outputs.write_csv(risk, OUT, "at_risk_orders"), formats={"hours_left": "decimal1"},
       empty="No unshipped order is due soon.")

# %% [markdown]
# ## Action: tracking numbers to correct
#
# Each confirmation's tracking number is checked against the carriers' number formats and check digits (data: jkeen/tracking_number_data, MIT). Correct these in Seller Central under *Edit shipping details*. Written to `tracking_corrections.csv`.

# %%
R.note("> " + tracking.NOTE)
checked = tracking.check_tracking(T["shipment_confirmations"])
R.show(tracking.tracking_summary(checked), "tracking_summary", decision=("marketplace", "rows", "problem"),
       labels={"rows": "Tracking numbers", "problem": "With a problem"})
fixes = tracking.tracking_action_list(checked, as_of=AS_OF, window_days=30)
R.show(fixes, "tracking_corrections", max_rows=MAX_ROWS,
       decision=("marketplace", "order_id", "tracking_number", "problem", "suggested_fix"),
       formats={"tracking_number": "label", "suggested_fix": "text"},
       missing={"suggested_fix": "no fix to suggest: check the number with the carrier"},
       csv=outputs.write_csv(fixes, OUT, "tracking_corrections"), empty="No tracking number to correct.")

# %% [markdown]
# ### Packages without a valid tracking scan (last 30 days)
#
# Written to `invalid_tracking_packages.csv`.

# %%
pk = PK
recent = pk[(~pk["valid"]) & (pk["confirm_date"] >= AS_OF - pd.Timedelta(days=30))
           & (pk["confirm_date"] < AS_OF)].sort_values(["marketplace", "confirm_date"])
R.show(recent.groupby(["marketplace", "reason"]).size().rename("packages").reset_index()
       .sort_values("packages", ascending=False), "invalid_tracking_reasons",
       decision=("marketplace", "reason", "packages"), empty="Every package has a valid tracking scan.")
R.show(recent, "invalid_tracking_packages", max_rows=MAX_ROWS,
       decision=("marketplace", "order_id", "tracking_number", "carrier", "reason"),
       columns=["marketplace", "order_id", "tracking_number", "carrier", "reason", "confirm_date", "sku",
                "first_scan_ts", "delivered_ts", "ship_by_ts"],
       missing={"first_scan_ts": "no carrier scan", "delivered_ts": "not delivered (yet)"},
       csv=outputs.write_csv(recent, OUT, "invalid_tracking_packages"), empty="")

# %% [markdown]
# ## Action: orders whose address can still be fixed
#
# Not yet scanned by the carrier. **Contact the buyer first; do not cancel on your own**: a cancellation you make counts against your cancellation rate, even when the buyer asked by message. Cancel only after the buyer has requested it through Amazon (Your Orders > Request cancellation), choosing the reason *Buyer canceled* (`BuyerCanceled`), which keeps it out of the rate (help G201722390). For a Seller Fulfilled Prime order send the buyer to Amazon Customer Service instead (help 202072550). The *action* column says what to do for each order. Written to `address_fix_candidates.csv`.

# %%
addr = fulfilment.address_change_candidates(T["order_promises"], T["shipment_confirmations"],
                                           T["delivery_events"], AS_OF, orders=T["orders"])
R.show(addr, "address_fix_candidates", max_rows=MAX_ROWS,
       decision=("marketplace", "order_id", "action", "stage", "ship_by_local"),
       formats={"action": "text"}, missing={"tracking_number": "not shipped yet", "carrier": "not shipped yet",
                                            "cancel_reason_code": "no cancellation to request"},
       csv=outputs.write_csv(addr, OUT, "address_fix_candidates"), empty="No order whose address can still be fixed.")
fast = fulfilment.shipped_within_correction_window(T["order_promises"], T["shipment_confirmations"], AS_OF,
                                                   orders=T["orders"], hours=CORR_H)
R.show_metrics(fast, "shipped_within_correction_window",
               caption=f"Orders confirmed within {CORR_H:g} hours of purchase (no time left to fix an address)")

# %% [markdown]
# ## Order defects
#
# Order Defect Rate over Amazon's 60-day window of order dates (ending 16 days before the as-of date, or as your Seller Performance report shows): orders with negative feedback (1-2 stars, not removed), an A-to-z claim that counts (pending, granted — also when Amazon paid — or withdrawn after the grant; not denied or withdrawn before a decision) or a service chargeback (not fraud), each order counted once, for seller-fulfilled (MFN) and FBA (AFN) orders separately.

# %%
if R.can_run(inputs, "Order defect rate (60 days, MFN and AFN)"):
    R.show(odr[["marketplace", "fulfillment_channel", "order_defect_rate", "status", "orders_with_defect", "orders",
                "negative_feedback", "a_to_z_claims", "chargebacks", "window_start", "window_end"]], "order_defects",
           decision=("marketplace", "fulfillment_channel", "order_defect_rate", "status"),
           missing={"order_defect_rate": "no orders in the window"})
trend = defects.odr_trend(T["orders"], T["feedback"], T["claims"], T["chargebacks"], start=START, end=END,
                          lag_days=ODR_LAG)
trend = trend[trend["fulfillment_channel"] == "MFN"]
t = TARGETS["order_defect_rate_60d"]
plots.trend_with_target(trend, "as_of", "order_defect_rate", "marketplace",
                        "Order defect rate, 60 days, seller-fulfilled", t.value, t.warn);

# %% [markdown]
# ### Action: defective orders of the last 60 days
#
# What each defect is and what can still be done (ask for feedback removal where the comment is about the product or fulfilment by Amazon, answer open claims). This list covers the 60 order days up to yesterday, so it also shows defects on recent orders that will enter Amazon's window in the coming days. Written to `defective_orders.csv`.

# %%
bad = defects.defective_orders(T["orders"], T["feedback"], T["claims"], T["chargebacks"], as_of=AS_OF,
                              lag_days=1)
R.show(bad, "defective_orders", max_rows=MAX_ROWS,
       decision=("marketplace", "order_id", "defects", "action", "leaves_window_on"),
       formats={"action": "text", "defects": "text"},
       missing={c: "not this kind of defect" for c in bad.columns if c.startswith(("claim", "chargeback", "feedback",
                                                                                  "negative"))},
       csv=outputs.write_csv(bad, OUT, "defective_orders"), empty="No defective order in the last 60 days.")

# %%
outputs.write_kpis(kpis, OUT, NB)
outputs.write_actions(A.failing_kpis(kpis) + A.ship_orders(risk, kpis) + A.fix_tracking(fixes, kpis)
                      + A.answer_defects(bad, kpis, AS_OF), OUT, NB)
