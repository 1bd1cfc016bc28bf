import sys
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from build_common import nb, params_cell, setup_cell, md, code

cells = [
    md("# Fulfilment health\n\nThe seller-fulfilled metrics Amazon judges the account on — Late Shipment Rate, "
       "Pre-fulfilment Cancel Rate, Valid Tracking Rate, On-Time Delivery Rate, Order Defect Rate — computed "
       "from your own exports before Amazon shows them, against Amazon's targets; then this week's action lists: "
       "orders about to miss their ship-by date, tracking numbers to correct, orders whose address can still be "
       "fixed. Windows are the N marketplace-local days before the as-of date (VTR and OTDR lag as Amazon's do). "
       "The lists are also written as CSV files beside this report."),
    params_cell([
        'trend_days: int = 120  # days of history in the trend charts',
        'at_risk_horizon_hours: float = 48.0  # unshipped orders due within this many hours are listed',
        'correction_window_hours: float = 2.0  # orders confirmed this soon after purchase leave no time to fix an address',
    ]),
    setup_cell(["TREND_DAYS = P.as_int(trend_days, 'trend_days', minimum=7)",
                "HORIZON_H = P.as_float(at_risk_horizon_hours, 'at_risk_horizon_hours', minimum=1)",
                "CORR_H = P.as_float(correction_window_hours, 'correction_window_hours', minimum=0)"],
               tables='["orders", "order_promises", "shipment_confirmations", "delivery_events", '
                      '"feedback", "claims", "chargebacks"]'),
    code('''from postship_analysis import fulfilment, tracking
T = {name: inputs.table(name) for name in ["orders", "order_promises", "shipment_confirmations",
                                           "delivery_events", "feedback", "claims", "chargebacks"]}
START = AS_OF - pd.Timedelta(days=TREND_DAYS)
END = AS_OF
if T["order_promises"].empty:
    display(Markdown("**No seller-fulfilled orders with ship-by dates in the data**: the metrics below "
                     "need the order report with ship-by dates (see docs/INPUTS.md)."))'''),
    md("## Headline KPIs\n\nStatus against Amazon's targets: *pass*, *at risk* (inside our warning band) or "
       "*fail*. Outside the US the on-time delivery rate is a 97 % recommendation without penalty."),
    code('''kpis = fulfilment.fulfilment_kpis(T["orders"], T["order_promises"], T["shipment_confirmations"],
                                  T["delivery_events"], AS_OF)
from postship_analysis import defects
# lag_days=1: the 60 order days ending the day before the as-of date, like the other windows here
odr = defects.order_defect_rate(T["orders"], T["feedback"], T["claims"], T["chargebacks"], as_of=AS_OF,
                                lag_days=1)
kpis += defects.odr_kpis(odr)
KPIS = kpi_frame(kpis)
display(plots.kpi_table(KPIS))'''),
    md("## Trends\n\nEach point is the metric as it stood on that day (the same window ending the day before)."),
    code('''lsr = fulfilment.late_shipment_rate_trend(T["order_promises"], T["shipment_confirmations"], START, END, orders=T["orders"],
                                         days=30)
t = TARGETS["late_shipment_rate_30d"]
plots.trend_with_target(lsr, "as_of", "value", "marketplace", "Late shipment rate, 30 days", t.value, t.warn);
pf = fulfilment.pre_fulfilment_cancel_rate_trend(T["orders"], START, END, days=7)
t = TARGETS["pre_fulfilment_cancel_rate_7d"]
plots.trend_with_target(pf, "as_of", "value", "marketplace", "Pre-fulfilment cancel rate, 7 days (upper bound: "
                        "All Orders does not say who cancelled)", t.value, t.warn);'''),
    code('''vtr = fulfilment.valid_tracking_rate_trend(T["shipment_confirmations"], T["delivery_events"],
                                          T["order_promises"], START, END)
t = TARGETS["valid_tracking_rate_30d"]
plots.trend_with_target(vtr, "as_of", "value", "marketplace", "Valid tracking rate, 30 days", t.value, t.warn);
otd = fulfilment.unit_on_time_delivery_rate_trend(T["shipment_confirmations"], T["delivery_events"],
                                                  T["order_promises"], START, END)
t = TARGETS["on_time_delivery_rate_14d"]
plots.trend_with_target(otd, "as_of", "value", "marketplace", "Unit on-time delivery rate, 14 days "
                        "(US target shown)", t.value, t.warn);'''),
    md("## Valid tracking by carrier\n\nValid = a tracking number, a carrier chosen from Amazon's list (not free-text "
       "*Other*) and at least one physical carrier scan."),
    code('''display(fulfilment.valid_tracking_rate(T["shipment_confirmations"], T["delivery_events"],
                                      T["order_promises"], AS_OF, by="carrier"))'''),
    md("## Confirm-shipment latency\n\nHours from purchase to shipment confirmation, and confirmation against the "
       "expected ship date (negative = early), over the last 30 days."),
    code('''lat = fulfilment.confirm_latency(T["order_promises"], T["shipment_confirmations"], T["orders"], as_of=AS_OF)
display(fulfilment.latency_percentiles(lat, as_of=AS_OF, days=30))'''),
    md("## Action: unshipped orders at risk of missing their ship-by date\n\nOverdue first, then the ones due "
       "soonest. Confirm them today. Written to `at_risk_orders.csv`."),
    code('''risk = fulfilment.at_risk_orders(T["order_promises"], T["shipment_confirmations"], AS_OF, orders=T["orders"],
                                horizon_hours=HORIZON_H)
outputs.write_csv(risk, OUT, "at_risk_orders")
display(Markdown(f"**{len(risk)} orders** due within {HORIZON_H:g} hours or overdue."))
display(risk.head(MAX_ROWS))'''),
    md("## Action: tracking numbers to correct\n\nEach confirmation's tracking number is checked against the "
       "carriers' number formats and check digits (data: jkeen/tracking_number_data, MIT). Correct these in "
       "Seller Central under *Edit shipping details*. Written to `tracking_corrections.csv`."),
    code('''display(Markdown("> " + tracking.NOTE))
checked = tracking.check_tracking(T["shipment_confirmations"])
display(tracking.tracking_summary(checked))
fixes = tracking.tracking_action_list(checked, as_of=AS_OF, window_days=30)
outputs.write_csv(fixes, OUT, "tracking_corrections")
display(fixes.head(MAX_ROWS))'''),
    md("### Packages without a valid tracking scan (last 30 days)\n\nWritten to `invalid_tracking_packages.csv`."),
    code('''pk = fulfilment.package_view(T["shipment_confirmations"], T["delivery_events"], T["order_promises"])
recent = pk[(~pk["valid"]) & (pk["confirm_date"] >= AS_OF - pd.Timedelta(days=30))
           & (pk["confirm_date"] < AS_OF)].sort_values(["marketplace", "confirm_date"])
display(recent.groupby(["marketplace", "reason"]).size().rename("packages").reset_index())
outputs.write_csv(recent, OUT, "invalid_tracking_packages")
display(recent.head(MAX_ROWS))'''),
    md("## Action: orders whose address can still be fixed\n\nNot yet scanned by the carrier, so they can still be "
       "cancelled and re-placed with the right address. Written to `address_fix_candidates.csv`."),
    code('''addr = fulfilment.address_change_candidates(T["order_promises"], T["shipment_confirmations"],
                                           T["delivery_events"], AS_OF, orders=T["orders"])
outputs.write_csv(addr, OUT, "address_fix_candidates")
display(addr.head(MAX_ROWS))
fast = fulfilment.shipped_within_correction_window(T["order_promises"], T["shipment_confirmations"], AS_OF,
                                                   orders=T["orders"], hours=CORR_H)
display(fast)'''),
    md("## Order defects\n\nOrder Defect Rate over the 60 order days before the as-of date: orders with negative "
       "feedback (1-2 stars, not removed), an A-to-z claim that counts (pending, granted — also when Amazon paid — "
       "or withdrawn after the grant; not denied or withdrawn before a decision) or a service chargeback (not "
       "fraud), each order counted once, for seller-fulfilled (MFN) and FBA (AFN) orders separately."),
    code('''display(odr[["marketplace", "fulfillment_channel", "window_start", "window_end", "orders",
             "orders_with_defect", "negative_feedback", "a_to_z_claims", "chargebacks",
             "order_defect_rate", "status"]])
trend = defects.odr_trend(T["orders"], T["feedback"], T["claims"], T["chargebacks"], start=START, end=END,
                          lag_days=1)
trend = trend[trend["fulfillment_channel"] == "MFN"]
t = TARGETS["order_defect_rate_60d"]
plots.trend_with_target(trend, "as_of", "order_defect_rate", "marketplace",
                        "Order defect rate, 60 days, seller-fulfilled", t.value, t.warn);'''),
    md("### Action: defective orders in the window\n\nWhat each defect is and what can still be done (ask for "
       "feedback removal where the comment is about the product or fulfilment by Amazon, answer open claims). "
       "Written to `defective_orders.csv`."),
    code('''bad = defects.defective_orders(T["orders"], T["feedback"], T["claims"], T["chargebacks"], as_of=AS_OF,
                              lag_days=1)
outputs.write_csv(bad, OUT, "defective_orders")
display(bad.head(MAX_ROWS))'''),
    code('''outputs.write_kpis(kpis, OUT, "10_fulfilment_health")'''),
]
nb(cells, str(__import__("pathlib").Path(__file__).resolve().parents[1]) + "/10_fulfilment_health.ipynb")
