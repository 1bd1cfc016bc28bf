"""Tables, numbers, KPI catalogue and actions for people (reporting.tables, .formats,
kpi_catalogue, reporting.actions). Expected strings are written out by hand from the rules in
each module's docstring."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from postship_analysis import kpi_catalogue as K
from postship_analysis.kpi import KPI, TARGETS
from postship_analysis.reporting import actions as A
from postship_analysis.reporting import formats as F
from postship_analysis.reporting import render, tables


def cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html,
                                                                   re.S)]


def headers(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", html,
                                                                   re.S)]


# -- numbers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn, value, shown", [
    (F.percent, 0.090909, "9.09%"), (F.percent, 2.080076e-21, "<0.01%"),
    (F.percent, 0.0, "0.00%"), (F.percent, np.nan, "—"), (F.percent, pd.NA, "—"),
    (F.number, 854.585, "855"), (F.number, 1.27097, "1.27"), (F.number, 12.3456, "12.3"),
    (F.number, 2.080076e-21, "<0.01"), (F.number, float("inf"), "∞"), (F.number, None, "—"),
    (F.count, 7.166667, "7"), (F.count, 1234567.0, "1,234,567"),
    (F.decimal1, 45.25, "45.2"), (F.decimal1, 3.0, "3"),
    (F.target_percent, 0.04, "4%"), (F.target_percent, 0.025, "2.5%"),
    (F.target_percent, 0.0075, "0.75%"),
    (F.date, pd.Timestamp("2026-11-01"), "2026-11-01"),
    (F.date, pd.Timestamp("2026-11-01 14:05:09"), "2026-11-01 14:05"), (F.date, pd.NaT, "—"),
    (F.duration, pd.Timedelta(hours=52), "2 d 4 h"), (F.duration, pd.Timedelta(minutes=35),
                                                      "35 min"),
])
def test_number_rules(fn, value, shown):
    assert fn(value) == shown


def test_money_takes_the_marketplace_currency():
    assert F.money(1234.5, F.currency_of("DE")) == "€1,234.50"
    assert F.money(-3, F.currency_of("US")) == "-$3.00"
    assert F.money(395, F.currency_of("seller/UK")) == "£395.00"
    assert F.money(1500, F.currency_of("JP")) == "¥1,500"  # no minor unit
    assert F.money(12345.6, "USD") == "$12,346"  # no cents from 10,000 up
    assert F.kpi_value(395.0, "money", "currency", "DE") == "€395.00"  # not "395 currency"
    assert F.kpi_value(4.2, "money", "USD", "DE") == "$4.20"  # a currency unit wins


# -- tables -------------------------------------------------------------------------------------

@pytest.fixture
def plan():
    return pd.DataFrame({
        "seller_id": ["s", "s", "s"], "marketplace": ["US", "DE", "DE"],
        "sku": ["A-1", "<script>alert(1)</script>", "C-3"],
        "daily_demand": [7.166667, 0.5, 0.0], "available": [3.0, 0.0, 12.0],
        "acos": [0.090909, np.nan, 0.25], "spend": [854.585, 12.0, 3.0],
        "recommended_qty": [40.0, np.nan, 12.0],
        "ship_by_date": pd.to_datetime(["2026-11-02", None, "2026-11-09"]),
        "status": ["reorder_now", "out_of_stock", "plan"],
        "evidence": ["see https://sellercentral.amazon.com/help?a=1&b=2 now", "x" * 40, "y"]})


def test_decision_columns_first_formatted_by_type_no_index(plan):
    t = tables.table(plan.set_index("sku"), "restock_plan",
                     decision=("sku", "recommended_qty", "ship_by_date"), max_cols=None)
    h = headers(t.html)
    assert h[:3] == ["SKU", "Quantity to send", "Ship by"]
    assert "row_heading" not in t.html and "blank" not in t.html  # no index column
    assert 'data-decision-cols="3"' in t.html
    assert t.html.count(" decision\"") == 3
    c = cells(t.html)
    row0 = c[:len(h)]
    assert row0[:3] == ["A-1", "40", "2026-11-02"]
    assert "9.09%" in row0 and "$854.59" in row0 and "7.2" in row0  # percent, USD, per day
    row1 = c[len(h):2 * len(h)]
    assert "€12.00" in row1  # DE row in euro
    assert "out of stock" in row1  # status words without underscores
    assert 'class="data row1 col8 lbl st st-out-of-stock"' in t.html or "st-out-of-stock" in t.html


def test_missing_values_are_a_dash_said_once_with_the_reason(plan):
    t = tables.table(plan, "p", missing={"recommended_qty": "no demand forecast"})
    c = cells(t.html)
    assert "—" in c and not {"nan", "NaN", "<NA>", "None", "NaT"} & set(c)
    notes = re.findall(r"<p class='ps-note'>(.*?)</p>", t.html)
    assert len([n for n in notes if n.startswith("— = not available")]) == 1
    assert "Quantity to send</b> (no demand forecast)" in t.html and "<b>ACoS</b>" in t.html


def test_long_and_wide_tables_are_capped_with_a_link_to_the_csv(plan):
    t = tables.table(plan, "restock_plan", max_rows=2, max_cols=4, csv="out/restock_plan.csv",
                     decision=("sku",))
    assert len(headers(t.html)) == 4 and headers(t.html)[0] == "SKU"
    assert "Showing 2 of 3 rows and 4 of 11 columns" in t.html
    assert '<a href="restock_plan.csv">restock_plan.csv</a>' in t.html
    assert 'id="restock_plan"' in t.html


def test_hostile_text_is_escaped_and_links_are_clickable(plan):
    t = tables.table(plan, "p")
    assert "<script>" not in t.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in t.html
    assert ('<a href="https://sellercentral.amazon.com/help?a=1&amp;b=2">'
            in t.html)
    hostile = pd.DataFrame({'<img src=x onerror="alert(1)">': ["javascript:alert(1)"]})
    t = tables.table(hostile)
    assert "<img" not in t.html and "href=\"javascript" not in t.html


def test_grouped_and_unstacked_tables_lose_the_index_but_keep_the_keys():
    d = pd.DataFrame({"marketplace": ["US", "US", "DE"], "status": ["a", "b", "a"],
                      "orders": [1, 2, 3]})
    wide = d.groupby(["marketplace", "status"])["orders"].sum().unstack(fill_value=0)
    t = tables.table(wide)
    assert headers(t.html) == ["Marketplace", "A", "B"]
    assert cells(t.html) == ["DE", "3", "0", "US", "1", "2"]


def test_a_status_word_is_coloured_but_an_action_sentence_wraps():
    df = pd.DataFrame({"order_id": ["1", "2"], "action": [
        "pause", "Already confirmed, not yet scanned: contact the buyer and hold the parcel"]})
    html = tables.table(df, "t", formats={"action": "text"}).html
    cells = re.findall(r'<td class="data row(\d) col1 ([^"]*)"', html)
    assert cells == [("0", "txt st st-pause"), ("1", "txt")]


def test_empty_table_says_so():
    t = tables.table(pd.DataFrame({"a": []}), "x", empty="No order is at risk.")
    assert "No order is at risk." in t.html and "<table" not in t.html


# -- KPI catalogue and no false reassurance ----------------------------------------------------

def test_catalogue_covers_targets_and_keeps_them_in_kpi_py():
    from postship_analysis.kpi import MARKETPLACE_TARGETS

    for name in list(TARGETS) + [n for n, _ in MARKETPLACE_TARGETS]:
        i = K.info(name)
        assert i.area != "Other", name
        assert i.target("US") == TARGETS.get(name) or name == "on_time_delivery_rate_14d"
        assert i.fmt in K.FORMATS and i.direction in ("lower", "higher", "")
    assert K.info("on_time_delivery_rate_14d").target("DE").value == 0.97
    assert K.info("order_defect_rate_60d_afn").label.endswith("fulfilled by Amazon")
    assert K.info("something_new").label == "Something new"


def test_odr_without_feedback_claims_or_chargeback_files_is_no_data_not_a_green_zero():
    ks = [KPI.make("order_defect_rate_60d", "US", 0.0, numerator=0, denominator=400),
          KPI.make("late_shipment_rate_10d", "US", 0.01, numerator=1, denominator=100)]
    assert ks[0].status == "pass"  # what the number alone would say
    out = K.require_inputs(ks, {"orders", "order_promises", "shipment_confirmations"},
                           describe=lambda t: t.upper())
    assert out[0].status == "no_data" and out[0].value is None and out[0].numerator is None
    assert out[0].note == "needs FEEDBACK, CLAIMS, CHARGEBACKS"
    assert out[1] == ks[1]  # inputs present: untouched
    # an empty claims download is a real zero: the file is there
    out = K.require_inputs(ks[:1], {"orders", "feedback", "claims", "chargebacks"})
    assert out[0].status == "pass"


def test_kpi_table_shows_labels_units_status_words_and_why_no_data():
    ks = K.require_inputs([KPI.make("order_defect_rate_60d", "DE", 0.0, denominator=10),
                           KPI.make("late_shipment_rate_30d", "US", 0.0576, numerator=8,
                                    denominator=139),
                           KPI.make("ad_spend_30d", "DE", 395.0, "currency")],
                          {"ads", "order_promises", "shipment_confirmations"})
    t = tables.kpi_table(ks)
    c = cells(t.html)
    assert c[0] == "✖ fail"  # failing first
    assert "Late shipment rate, 30 days" in c and "5.76%" in c and "under 4%" in c
    assert "8 of 139" in c and "€395.00" in c
    assert "○ no data" in c and "needs orders, feedback, claims, chargebacks" in c
    assert "st-fail" in t.html and "st-no-data" in t.html
    assert "Targets: Amazon: LSR under 4%" in t.html


# -- actions -----------------------------------------------------------------------------------

def test_actions_rank_failing_metrics_then_deadlines_then_at_risk_then_money():
    as_of = "2026-11-01"
    money_big = A.Action("neg", "US", "cut waste", 3, money=500.0, currency="USD")
    money_yen = A.Action("neg", "JP", "cut waste", 3, money=20000.0, currency="JPY")  # ~$136
    due_now = A.Action("restock_plan", "US", "send units", 40, due="2026-11-01")
    failing = A.Action("at_risk_orders", "US", "ship", 2, due="2026-11-03",
                       metric="late_shipment_rate_10d", metric_status="fail")
    at_risk = A.Action("late_messages", "DE", "answer", 1, metric="x", metric_status="at_risk")
    later = A.Action("review_requests", "US", "ask", 9, due="2026-11-20")
    ranked = [a for a, _ in A.rank([(a, as_of) for a in
                                    (later, money_yen, money_big, at_risk, due_now, failing)])]
    assert ranked == [failing, due_now, at_risk, money_big, money_yen, later]
    assert A.stake_text(money_yen) == "¥20,000"
    assert A.stake_text(failing) == "Late shipment rate, 10 days fails"


def test_restock_action_says_how_many_and_by_when():
    plan = pd.DataFrame({"marketplace": ["US", "US", "US"], "sku": ["A", "B", "C"],
                         "status": ["late", "reorder_now", "plan"],
                         "recommended_qty": [10, 30, 99],
                         "ship_by_date": pd.to_datetime(["2026-10-30", "2026-11-04",
                                                         "2026-12-01"])})
    (a,) = A.restock(plan)
    assert a.what == "Send 40 units of 2 SKUs to FBA, ship by 2026-10-30"
    assert (a.count, a.due, a.detail) == (40.0, "2026-10-30", "A 10 by 2026-10-30; B 30 by "
                                          "2026-11-04")


def test_restock_action_is_due_on_the_order_date():
    """Late and out-of-stock SKUs are ordered from the supplier today (the plan's order_date =
    max(reorder date, as-of)); the shipment leaves for FBA weeks later. The action is due
    today, so it ranks as due now, not as planned on its ship-by date."""
    plan = pd.DataFrame({"marketplace": ["US", "US", "US"], "sku": ["A", "B", "C"],
                         "status": ["out_of_stock", "late", "plan"],
                         "recommended_qty": [10, 30, 99],
                         "order_date": pd.to_datetime(["2026-11-01", "2026-11-01",
                                                       "2026-11-20"]),
                         "ship_by_date": pd.to_datetime(["2026-12-08", "2026-12-09",
                                                         "2026-12-28"])})
    (a,) = A.restock(plan)
    assert a.what == ("Order 40 units of 2 SKUs (1 out of stock) for FBA by 2026-11-01, ship to "
                      "FBA by 2026-12-08")
    assert (a.count, a.due) == (40.0, "2026-11-01")
    assert A.TIERS[A.tier(a, "2026-11-01")] == "due now"


# -- rendering: nothing leaks ------------------------------------------------------------------

def test_sanitise_drops_warnings_tracebacks_reprs_and_absolute_paths():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    nb = new_notebook(cells=[new_code_cell("x", outputs=[
        new_output("stream", name="stderr", text="UserWarning: careful\n"),
        new_output("stream", name="stdout", text="read /data/exports/acme/US/a.txt\n"),
        new_output("execute_result", data={"text/plain": "PosixPath('/data/exports')"},
                   execution_count=1),
        new_output("display_data", data={"text/plain": "<Figure size 720x240 with 1 Axes>"}),
        new_output("error", ename="ValueError", evalue="bad /data/exports/x",
                   traceback=["Traceback ...", "  File x.py, line 3, in <module>"]),
    ])])
    nb = nbformat.from_dict(nb)
    render.sanitise(nb, [("/data/exports", "exports")])
    outs = nb.cells[0].outputs
    assert [o["output_type"] for o in outs] == ["stream", "stream"]
    assert outs[0]["text"] == "read exports/acme/US/a.txt\n"
    assert outs[1]["text"] == "ValueError: bad exports/x"
