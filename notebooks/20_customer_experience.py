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
# # Customer experience
#
# Buyer-message response times against Amazon's 24-hour bar (and our stricter 12-hour target for *where is my order?*), A-to-z claims and what drives them, returns and wrong-item incidents, the orders that may get *Request a Review* today, and a compliance check of your message templates. Every number is as of the as-of date, in each marketplace's own time zone; the action lists are also written as CSV files beside this report.

# %% tags=["parameters"]
data_dir: str = "data/sample"  # folder of exports: one folder per seller account, one sub-folder per marketplace (see README)
seller_id: str = ""  # seller account (folder name) to report on; empty means every account in data_dir
marketplaces: str = ""  # comma-separated marketplace codes such as US,DE; empty means all
as_of: str = "2026-11-01"  # as-of date YYYY-MM-DD (marketplace-local); windows end the day before it
max_rows: int = 25  # rows of each action list shown in the report (the CSV files have all of them)
output_dir: str = ""  # folder for the CSV and KPI files written beside the report; empty writes none
store: str = ""  # Parquet store of the inputs, set by the report runner; empty reads data_dir
wismo_hours: float = 12.0  # hours within which a where-is-my-order message must be answered (our target, stricter than Amazon 24 h)
return_window_days: int = 90  # window for return rates and reasons, days
min_units_for_return_rate: int = 30  # SKUs with fewer shipped units are not ranked by return rate
templates_dir: str = ""  # folder of message templates (.txt) to check; empty means DATA_DIR/<seller>/message-templates if present
exclude_returned_refunded_claimed: bool = False  # our option, not Amazon's rule: leave returned, refunded and claimed orders out of the Request a Review list (see the note in that section)

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
NB = "20_customer_experience"

DATA_DIR = P.as_folder(data_dir, "data_dir")
SELLER = P.as_str(seller_id, "seller_id") or None
MARKETPLACES = P.as_marketplaces(marketplaces, "marketplaces") or None
AS_OF = P.as_date(as_of, "as_of")
MAX_ROWS = P.as_int(max_rows, "max_rows", minimum=0)
OUT = P.as_str(output_dir, "output_dir")
WISMO_H = P.as_float(wismo_hours, 'wismo_hours', minimum=1)
RET_DAYS = P.as_int(return_window_days, 'return_window_days', minimum=7)
MIN_UNITS = P.as_int(min_units_for_return_rate, 'min_units_for_return_rate', minimum=1)
TEMPLATES = P.as_str(templates_dir, 'templates_dir')
EXCLUDE_UNHAPPY = P.as_bool(exclude_returned_refunded_claimed, "exclude_returned_refunded_claimed")
inputs = datafolder.load(DATA_DIR, seller_id=SELLER, marketplaces=MARKETPLACES, store=store,
                         tables=["buyer_messages", "orders", "order_promises", "fba_shipments", "returns", "claims", "inventory_ledger", "delivery_events", "shipment_confirmations", "feedback", "review_requests"])
R.loaded(inputs)
CX_SECTIONS = [n for n in datafolder.SECTIONS if n.startswith("Customer experience")]
if not any(datafolder.can_run(inputs, n)[0] for n in CX_SECTIONS):
    R.no_data(OUT, NB, "nothing to analyse: " + "; ".join(
        f"{n.split(': ', 1)[1]} {datafolder.can_run(inputs, n)[1]}" for n in CX_SECTIONS))
else:
    R.window_empty(inputs, ["buyer_messages", "orders", "returns", "claims"], AS_OF, 30, OUT, NB)

# %% [markdown]
# ## Headline KPIs
#
# Status against Amazon's targets: *pass*, *at risk* (inside our warning band) or *fail*. Rates are shares of the window's messages or orders; the window is the N local days before the as-of date.

# %%
from postship_analysis import customer
T = {name: inputs.table(name) for name in ["buyer_messages", "orders", "order_promises", "fba_shipments",
                                           "returns", "claims", "inventory_ledger", "review_requests"]}
import warnings
with warnings.catch_warnings():  # the option's note is shown in the Request a Review section
    warnings.simplefilter("ignore", customer.SelectiveSolicitationWarning)
    kpis = customer.customer_kpis(
        AS_OF, buyer_messages=T["buyer_messages"], orders=T["orders"], order_promises=T["order_promises"],
        fba_shipments=T["fba_shipments"], returns=T["returns"], claims=T["claims"], wismo_hours=WISMO_H,
        review_requests=T["review_requests"], exclude_returned_refunded_claimed=EXCLUDE_UNHAPPY)
kpis = R.require(kpis, inputs)
R.show_kpis(kpis)

# %% [markdown]
# ## Buyer-message response times
#
# Amazon counts a message as late when it is not answered within 24 hours (weekends and holidays included). Messages received in the last 24 hours before the as-of date and not yet answered are *pending*: they are not late yet and are left out of the rate (counted separately).

# %%
rates = customer.response_rates(T["buyer_messages"], AS_OF)
R.show(rates, "response_rates", decision=("marketplace", "window_days", "late_response_rate", "late", "messages"),
       columns=["marketplace", "window_days", "late_response_rate", "late", "messages", "answered_within",
                "late_answered", "unanswered_late", "pending", "average_response_hours", "window_start", "window_end"],
       labels={"window_days": "Window (days)", "late": "Late"},
       formats={"window_days": "count", "average_response_hours": "decimal1"},
       missing={"late_response_rate": "no message to judge in the window",
                "average_response_hours": "no answered message"},
       empty="No buyer messages in the data (Buyer Messages report).")
trend = customer.response_trend(T["buyer_messages"], AS_OF - pd.Timedelta(days=120), AS_OF - pd.Timedelta(days=1))
if not trend.empty:
    t = TARGETS["late_response_rate_24h_30d"]
    plots.trend_with_target(trend, "as_of", "late_response_rate", "marketplace",
                            "Late response rate, 30-day window", t.value, t.warn);

# %%
dist = customer.response_distribution(T["buyer_messages"], AS_OF, by_category=True)
R.show(dist, "response_by_category", decision=("marketplace", "category", "messages", "unanswered", "p50", "p90"),
       caption="Hours to the first answer, by message category (last 30 days)",
       missing={c: "no answered message" for c in ("mean_hours", "p50", "p75", "p90", "p95", "p99")},
       empty="")

# %% [markdown]
# ### Late and unanswered messages (last 30 days)
#
# Overdue unanswered messages first, then those still inside their 24 hours, then the ones answered late. Written to `late_messages.csv`.

# %%
late = customer.late_and_unanswered(T["buyer_messages"], AS_OF)
R.show(late, "late_messages", max_rows=MAX_ROWS,
       decision=("marketplace", "state", "thread_id", "received_local", "hours_waited", "hours_left"),
       missing={"order_id": "the message names no order", "responded_local": "not answered",
                "hours_left": "already over 24 hours"},
       formats={"hours_waited": "decimal1", "hours_left": "decimal1"},
       csv=outputs.write_csv(late, OUT, "late_messages"), empty="No late or unanswered message.")

# %% [markdown]
# ### Where is my order?

# %%
R.show(customer.wismo_rates(T["buyer_messages"], AS_OF, threshold_hours=WISMO_H), "wismo",
       decision=("marketplace", "answered_within_rate", "messages", "late"),
       columns=["marketplace", "answered_within_rate", "messages", "answered_within", "late", "pending",
                "average_response_hours", "threshold_hours", "window_start", "window_end"],
       caption=f"Where-is-my-order messages answered within {WISMO_H:g} hours (last 30 days)",
       formats={"average_response_hours": "decimal1", "threshold_hours": "decimal1"},
       missing={"answered_within_rate": "no such message in the window",
                "average_response_hours": "no answered message"}, empty="No where-is-my-order message.")

# %% [markdown]
# ## A-to-z claims
#
# Claims by status and reason, then what drives them in this seller's own history: a logistic regression of *claim filed* on *delivered late* and *buyer message answered after 24 h* (the late answer counts only if it came before the claim), over shipped seller-fulfilled orders. Odds ratios with 95 % confidence intervals; where the data are too thin for a conclusion the report says so instead.

# %%
from postship_analysis import defects
cl = T["claims"]
if cl.empty:
    R.note("No A-to-z claims in the data." if "claims" in datafolder.present(inputs) else
           "No A-to-z Guarantee claims download in the data folder: claims cannot be counted.")
else:
    R.show(cl.groupby(["marketplace", "claim_status"]).size().rename("claims").unstack(fill_value=0),
           "claims_by_status", decision=("marketplace",), caption="Claims by status")
    R.show(cl.groupby(["marketplace", "claim_reason"]).size().rename("claims").reset_index()
           .sort_values("claims", ascending=False), "claims_by_reason", max_rows=MAX_ROWS,
           decision=("marketplace", "claim_reason", "claims"), missing={"claim_reason": "no reason given"})
flags = defects.claim_driver_flags(T["orders"], T["order_promises"], inputs.table("shipment_confirmations"),
                                   inputs.table("delivery_events"), T["buyer_messages"], T["claims"], as_of=AS_OF)
for mp, g in flags.groupby("marketplace"):
    res = defects.claim_drivers(g)
    R.note(f"**{mp}**: {res.message}")
    if res.table is not None and len(res.table):
        R.show(res.table, f"claim_drivers_{mp}", decision=("predictor", "odds_ratio", "ci_low", "ci_high"),
               formats={"p_value": "number"},
               missing={c: "too few claims for a conclusion" for c in ("odds_ratio", "ci_low", "ci_high",
                                                                       "p_value")})

# %% [markdown]
# ## Returns
#
# Return rate = units returned in the window / shipped units purchased in the window, per SKU (SKUs with too few units are not ranked). Reasons are Amazon's reason codes.

# %%
rr = customer.return_rates(T["orders"], T["returns"], AS_OF, window_days=RET_DAYS)
ranked = rr[rr["units_shipped"] >= MIN_UNITS].sort_values("return_rate", ascending=False)
R.show(ranked, "return_rates", max_rows=MAX_ROWS,
       decision=("marketplace", "sku", "return_rate", "units_returned", "units_shipped"),
       empty=f"No SKU with {MIN_UNITS} or more shipped units in the window.")
reasons = customer.return_reasons(T["returns"], AS_OF, window_days=RET_DAYS)
R.show(reasons, "return_reasons", max_rows=MAX_ROWS, decision=("marketplace", "reason_code", "units", "share_of_units"),
       missing={"reason_code": "no reason given"}, empty="No returns in the window.")

# %% [markdown]
# ### Wrong items sent, and SKUs that get confused
#
# Returns whose reason says the wrong item was sent, with the SKU that actually came back where the data show it (FBA: the inventory ledger's customer-return event). Pairs that recur point at a labelling or bin problem in the warehouse. Written to `confused_sku_pairs.csv`.

# %%
wrong = customer.wrong_item_returns(T["returns"], AS_OF, inventory_ledger=T["inventory_ledger"])
pairs = customer.confused_sku_pairs(wrong)
outputs.write_csv(wrong, OUT, "wrong_item_returns")
R.show(pairs, "confused_sku_pairs", max_rows=MAX_ROWS,
       decision=("marketplace", "sku_a", "sku_b", "incidents", "last_date"),
       labels={"a_ordered_b_sent": "A ordered, B sent", "b_ordered_a_sent": "B ordered, A sent"},
       csv=outputs.write_csv(pairs, OUT, "confused_sku_pairs"), empty="No SKU pair gets confused.")

# %% [markdown]
# ## Request a Review
#
# Orders that may get a review request today: shipped, not cancelled, from 5 days after the earliest delivery date to 30 days after the latest one (Amazon's Solicitations API window), and **once per order**: orders in your request log (`Review Requests.csv`: order-id, requested-at, method; see docs/INPUTS.md) are never listed again. Orders that are not yet eligible show the date they become eligible. Returned, refunded and claimed orders stay on the list, marked in their columns: Amazon forbids asking for reviews only from buyers who had a good experience (help G201972160). Written to `review_requests.csv`.

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore", customer.SelectiveSolicitationWarning)
    sched = customer.review_request_schedule(
        T["orders"], AS_OF, order_promises=T["order_promises"], fba_shipments=T["fba_shipments"],
        returns=T["returns"], claims=T["claims"], review_requests=T["review_requests"],
        exclude_returned_refunded_claimed=EXCLUDE_UNHAPPY, include_ineligible=True)
undated = customer.review_orders_without_dates(sched, AS_OF)
sched = sched[sched["status"].isin(["eligible", "not_yet_eligible"])].reset_index(drop=True)
if len(undated):
    R.note(f"> **{int(undated['orders'].sum()):,} shipped seller-fulfilled orders of the last "
           f"{customer.REVIEW_END_DAYS} days are left off this list** "
           f"({', '.join(f'{m}: {n:,}' for m, n in zip(undated['marketplace'], undated['orders']))}): "
           "their delivery dates are missing, so their review window cannot be known. Download "
           "the order report with delivery dates (see docs/INPUTS.md, `order_promises`) to list them.")
if EXCLUDE_UNHAPPY:
    R.note("> **Warning.** " + customer.SELECTIVE_NOTE)
if T["review_requests"].empty:
    R.note("No request log given (`Review Requests.csv`): orders you already asked cannot be "
           "recognised and may be listed again. Keep a log of every request (one per order).")
else:
    R.note(f"**{T['review_requests']['order_id'].nunique():,} orders** in your request log are "
           "never listed again.")
R.show(sched.groupby(["marketplace", "status"]).size().rename("orders").reset_index(), "review_request_counts",
       decision=("marketplace", "status", "orders"), empty="")
# eligible today first, those on their last day first among them
order = {"eligible": 0}
sched_view = sched.sort_values(["status", "eligible_until"], key=lambda c: c.map(order).fillna(1)
                               if c.name == "status" else c, kind="stable")
R.show(sched_view, "review_requests", max_rows=MAX_ROWS,
       decision=("marketplace", "order_id", "status", "eligible_until"),
       missing={"days_until_eligible": "no delivery date", "eligible_from": "no delivery date",
                "eligible_until": "no delivery date", "earliest_delivery_date": "no delivery date",
                "latest_delivery_date": "no delivery date"},
       csv=outputs.write_csv(sched, OUT, "review_requests"), empty="No order may get a review request.")

# %% [markdown]
# ## Message templates and Amazon's solicitation policy

# %% [markdown]
# Each template is checked, in English, German, French, Italian, Spanish and Japanese, against Amazon's review policy (help G201972160: no asking for a positive review, no incentives of any kind, no asking only happy buyers, no steering toward a positive review such as "Loved it? ...", no diverting unhappy buyers, no asking to change or remove a review) and its Communication Guidelines (help G1801: no links other than Amazon's, no e-mail addresses, phone numbers or social-media handles, no marketing, no message that only thanks or confirms shipment). Each finding names the rule, the words that break it and the policy line with its source. The check knows wording, not intent: a clean result is not a legal opinion. Written to `template_findings.csv`.

# %%
from pathlib import Path

from postship_analysis import solicitation
folders = [Path(TEMPLATES)] if TEMPLATES else sorted(
    p for p in DATA_DIR.glob("*/message-templates") if p.is_dir() and (SELLER is None or p.parent.name == SELLER))
findings = None
if not folders:
    R.note("No message templates given: put your templates as .txt files in "
           "`DATA_DIR/<seller>/message-templates/` or pass `templates_dir`.")
else:
    findings = pd.concat([solicitation.check_templates(f) for f in folders], ignore_index=True)
    n_templates = sum(len(list(f.glob("*.txt"))) for f in folders)
    flagged = findings["template"].nunique() if len(findings) else 0
    R.note(f"**{n_templates} templates checked, {flagged} with findings.**")
    R.show(findings[["template", "rule", "matched_text", "sentence", "language", "policy", "source"]],
           "template_findings", decision=("template", "rule", "matched_text"), max_rows=MAX_ROWS,
           formats={"sentence": "text", "policy": "text", "source": "text", "matched_text": "text"},
           csv=outputs.write_csv(findings, OUT, "template_findings"), empty="")

# %%
outputs.write_kpis(kpis, OUT, NB)
outputs.write_actions(A.failing_kpis(kpis) + A.answer_messages(late, kpis, AS_OF)
                      + A.request_reviews(sched, AS_OF) + A.fix_templates(findings), OUT, NB)
