"""Ours beside Amazon's: the project's fulfilment and order-defect figures recomputed for the
exact windows of the seller's Seller Performance report (``GET_V2_SELLER_PERFORMANCE_REPORT``,
table ``account_health``), with the difference and its likely cause.

A seller trusts a tool that reconciles with Seller Central. For every rate Amazon reports
(late shipment 10 and 30 days, pre-fulfilment cancellation, valid tracking, on-time delivery
and its US unit form, ODR for MFN and AFN) :func:`compare_with_amazon` recomputes ours on the
same window and puts numerator, denominator and rate side by side. Where they differ it says
why, in this order: counts that match Amazon's under an alternative reading (typed ship-dates instead of confirmation times, packages dated by
confirmation date instead of promised delivery date, cancellations without the buyer-request
flag); fewer orders than Amazon counted (exports that start after Amazon's window, or missing
files); more (Amazon's exclusions); the same orders but different outcomes (the metric's known
blind spot).

Windows: Amazon's ``reportingDateFrom`` .. ``reportingDateTo`` dates. The report does not carry
its own date; the **report day** is taken as the day after the newest late-shipment or
cancellation window (those run to the day before the report, domain.md §1.3), and is the
as-of day of our recomputation (data known up to its start). Late shipment is compared on
*confirmed* orders (an order still unconfirmed when Amazon computed it is not in Amazon's
count).

Pure function of canonical tables; no file I/O.
"""

from __future__ import annotations

import pandas as pd

from . import defects, fulfilment

KEYS = ["seller_id", "marketplace"]

#: Amazon's metric (account_health.metric) -> (our label, unit of the counts)
METRICS = {
    "lateShipmentRate": ("late shipment rate", "orders"),
    "preFulfillmentCancellationRate": ("pre-fulfilment cancel rate", "orders"),
    "validTrackingRate": ("valid tracking rate", "packages"),
    "onTimeDeliveryRate": ("on-time delivery rate", "packages"),
    "unitOnTimeDeliveryRate": ("unit on-time delivery rate (US)", "units"),
    "orderDefectRate": ("order defect rate", "orders"),
}

#: what Amazon leaves out that we may count (denominator larger than Amazon's)
EXCLUSIONS = {
    "lateShipmentRate": "orders Amazon leaves out (cancelled after confirmation, or not "
                        "confirmed yet when Amazon computed the report)",
    "preFulfillmentCancellationRate": "orders Amazon leaves out (pending orders the buyer "
                                      "cancelled)",
    "validTrackingRate": "packages Amazon leaves out (US: orders of $5 or less shipped from "
                         "China without integrated tracking; carriers it does not integrate)",
    "onTimeDeliveryRate": "packages Amazon leaves out (no valid tracking in its data, "
                          "carriers it does not integrate)",
    "unitOnTimeDeliveryRate": "units Amazon leaves out (no valid tracking in its data; OTDR "
                              "protection)",
    "orderDefectRate": "orders Amazon leaves out; we leave out cancelled orders",
}

#: same orders, different outcome: the metric's blind spot in the exports
OUTCOME = {
    "lateShipmentRate": "confirmation times: Amazon sees the moment each confirmation reached "
                        "it; {typed} of these orders have only a typed ship-date in your data",
    "preFulfillmentCancellationRate": "who cancelled: All Orders does not say; cancellations "
                                      "without the buyer-request flag count as yours here",
    "validTrackingRate": "carrier scans: your delivery events differ from the carrier data "
                         "Amazon receives",
    "onTimeDeliveryRate": "delivery scans: your delivery events differ from the carrier data "
                          "Amazon receives (or the promise was extended)",
    "unitOnTimeDeliveryRate": "delivery scans or promise extensions (Amazon judges the "
                              "promise before any extension)",
    "orderDefectRate": "defects: your feedback, claim and chargeback files were downloaded at "
                       "another time than Amazon's report (claims change status, feedback is "
                       "removed)",
}


def _day(ts: pd.Series) -> pd.Series:
    """Amazon's window bound (UTC timestamp written as a date) as a naive date."""
    t = pd.to_datetime(ts, utc=True)
    return t.dt.tz_localize(None).dt.normalize()


def report_days(account_health: pd.DataFrame) -> pd.DataFrame:
    """Per seller x marketplace: the report day (as-of) of the Seller Performance report, the
    day after the newest late-shipment / cancellation window end (else after the newest
    window end of any metric)."""
    h = account_health[account_health["window_to"].notna()]
    h = h.assign(_to=_day(h["window_to"]))
    near = h[h["metric"].isin(["lateShipmentRate", "preFulfillmentCancellationRate"])]
    a = near.groupby(KEYS)["_to"].max()
    b = h.groupby(KEYS)["_to"].max()
    d = a.combine_first(b) + pd.Timedelta(days=1)
    return d.rename("report_day").reset_index()


def _counts(r: pd.DataFrame, value_col="value", num="numerator", den="denominator"):
    if r is None or r.empty:
        return (float("nan"), 0.0, 0.0)
    x = r.iloc[0]
    return (float(x[value_col]), float(x[num]), float(x[den]))


class _Account:
    """One seller x marketplace's rows of every table, its order and package views and its
    order defect rates, each built once however many of Amazon's rows (metrics x windows,
    fulfilment channels) are compared; the views are what costs (the package view merges
    every tracking event), and one order defect rate gives both channels' rows."""

    def __init__(self, t: dict, seller_id, marketplace):
        self._t, self._key, self._rows, self._views = t, (seller_id, marketplace), {}, {}

    def __call__(self, name: str) -> pd.DataFrame | None:
        """The account's rows of table ``name`` (None where the table is not given)."""
        if name not in self._rows:
            df = self._t.get(name)
            self._rows[name] = None if df is None else \
                df[(df["seller_id"] == self._key[0]) & (df["marketplace"] == self._key[1])]
        return self._rows[name]

    def order_view(self, confirm_basis: str = "auto") -> pd.DataFrame:
        if confirm_basis not in self._views:
            self._views[confirm_basis] = fulfilment.order_view(
                self("order_promises"), self("shipment_confirmations"), self("orders"),
                confirm_basis=confirm_basis)
        return self._views[confirm_basis]

    def package_view(self) -> pd.DataFrame:
        if "packages" not in self._views:
            self._views["packages"] = fulfilment.package_view(
                self("shipment_confirmations"), self("delivery_events"), self("order_promises"))
        return self._views["packages"]

    def order_defect_rate(self, as_of, window_days: int, lag_days: int) -> pd.DataFrame:
        key = ("odr", as_of, window_days, lag_days)
        if key not in self._views:
            self._views[key] = defects.order_defect_rate(
                self("orders"), self("feedback"), self("claims"), self("chargebacks"),
                as_of=as_of, window_days=window_days, lag_days=lag_days)
        return self._views[key]


def _ours(metric, channel, acct: _Account, start, end, as_of, alt: bool):
    """Our (value, numerator, denominator) for one Amazon row; ``alt`` = the alternative
    reading used to explain a difference."""
    n = int((end - start).days) + 1
    lag = int((as_of - pd.Timedelta(days=1) - end).days)
    o, p, c, e = (acct(k) for k in ("orders", "order_promises", "shipment_confirmations",
                                    "delivery_events"))
    if metric == "lateShipmentRate":
        basis = "ship_date" if alt else "auto"
        r = fulfilment.late_shipment_rate(p, c, end + pd.Timedelta(days=1), days=n, orders=o,
                                          count_unconfirmed_overdue=False, confirm_basis=basis,
                                          view=acct.order_view(basis))
        return _counts(r)
    if metric == "preFulfillmentCancellationRate":
        r = fulfilment.pre_fulfilment_cancel_rate(o, end + pd.Timedelta(days=1), days=n,
                                                  order_promises=None if alt else p)
        return _counts(r)
    basis = "confirmation" if alt else "promised_delivery"
    if metric == "validTrackingRate":
        return _counts(fulfilment.valid_tracking_rate(c, e, p, as_of, days=n, lag_days=lag,
                                                      date_basis=basis,
                                                      view=acct.package_view()))
    if metric == "onTimeDeliveryRate":
        return _counts(fulfilment.on_time_delivery_rate(c, e, p, as_of, days=n, lag_days=lag,
                                                        date_basis=basis,
                                                        view=acct.package_view()))
    if metric == "unitOnTimeDeliveryRate":
        if alt:
            return None
        return _counts(fulfilment.unit_on_time_delivery_rate(c, e, p, as_of, days=n,
                                                             lag_days=lag,
                                                             view=acct.package_view()))
    if metric == "orderDefectRate":
        if alt:
            return None
        r = acct.order_defect_rate(as_of, n, int((as_of - end).days))
        r = r[r["fulfillment_channel"] == channel]
        return _counts(r, "order_defect_rate", "orders_with_defect", "orders")
    return None


_ALT_TEXT = {
    "lateShipmentRate": "Amazon's counts match the typed ship-dates; ours judge the "
                        "confirmation time",
    "preFulfillmentCancellationRate": "Amazon's counts match ours without the buyer-request "
                                      "flags: the flagged orders were counted as the seller's",
    "validTrackingRate": "Amazon's counts match packages dated by confirmation date (ours: by "
                         "promised delivery date, as Amazon's help page says)",
    "onTimeDeliveryRate": "Amazon's counts match packages dated by confirmation date (ours: by "
                          "promised delivery date, as Amazon's help page says)",
}


def _coverage(acct: _Account) -> pd.Timestamp | None:
    o = acct("orders")
    if o is None or o.empty or o["purchase_ts"].isna().all():
        return None
    return o["purchase_ts"].min().tz_convert(None).normalize()


def compare_with_amazon(account_health: pd.DataFrame, *, orders: pd.DataFrame,
                        order_promises: pd.DataFrame | None = None,
                        shipment_confirmations: pd.DataFrame | None = None,
                        delivery_events: pd.DataFrame | None = None,
                        feedback: pd.DataFrame | None = None,
                        claims: pd.DataFrame | None = None,
                        chargebacks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Amazon's figures from the Seller Performance report beside ours for the same windows.

    One row per Amazon rate (per seller, marketplace, metric, fulfilment channel and window):
    ``seller_id, marketplace, metric`` (our label), ``amazon_metric, fulfillment_channel,
    window_start, window_end, report_day, amazon_value, amazon_numerator,
    amazon_denominator, our_value, our_numerator, our_denominator, difference_pp`` (ours minus
    Amazon's, percentage points), ``likely_cause, amazon_status``. Rates are fractions.
    See the module docstring for windows and causes.

    Example: Amazon's 30-day late shipment rate 8/139 = 5.76 % and ours 8/139 -> difference
    0.00 pp, ``likely_cause`` "same counts".
    """
    cols = KEYS + ["metric", "amazon_metric", "fulfillment_channel", "window_start",
                   "window_end", "report_day", "amazon_value", "amazon_numerator",
                   "amazon_denominator", "our_value", "our_numerator", "our_denominator",
                   "difference_pp", "likely_cause", "amazon_status"]
    h = account_health
    if h is None or h.empty:
        return pd.DataFrame(columns=cols)
    h = h[h["metric"].isin(METRICS) & h["window_from"].notna() & h["window_to"].notna()]
    h = h[~((h["metric"] == "orderDefectRate") & ~h["fulfillment_channel"].isin(["MFN",
                                                                                  "AFN"]))]
    if h.empty:
        return pd.DataFrame(columns=cols)
    h = h.merge(report_days(account_health), on=KEYS, how="left")
    t = {"orders": orders, "order_promises": order_promises,
         "shipment_confirmations": shipment_confirmations, "delivery_events": delivery_events,
         "feedback": feedback, "claims": claims, "chargebacks": chargebacks}
    rows, accounts = [], {}
    for r in h.itertuples(index=False):
        acct = accounts.setdefault((r.seller_id, r.marketplace),
                                   _Account(t, r.seller_id, r.marketplace))
        start = _day(pd.Series([r.window_from])).iloc[0]
        end = _day(pd.Series([r.window_to])).iloc[0]
        as_of = r.report_day
        ours = _ours(r.metric, r.fulfillment_channel, acct, start, end, as_of, False)
        a_val = float(r.rate) if pd.notna(r.rate) else float("nan")
        a_num = float(r.numerator) if pd.notna(r.numerator) else float("nan")
        a_den = float(r.denominator) if pd.notna(r.denominator) else float("nan")
        if pd.isna(a_val) and pd.isna(a_den):
            continue  # Amazon does not report it here (unit OTDR outside the US)
        label, unit = METRICS[r.metric]
        cause = _cause(r.metric, unit, ours, (a_val, a_num, a_den), start, acct,
                       lambda m=r.metric, ch=r.fulfillment_channel, s=acct, a=start, b=end,
                       d=as_of: _ours(m, ch, s, a, b, d, True),
                       lambda s=acct, a=start, b=end: _typed_count(s, a, b))
        if r.metric == "orderDefectRate":
            label = f"{label} ({r.fulfillment_channel})"
        elif r.metric == "lateShipmentRate":
            label = f"{label} ({int((end - start).days) + 1} days)"
        rows.append({"seller_id": r.seller_id, "marketplace": r.marketplace, "metric": label,
                     "amazon_metric": r.metric, "fulfillment_channel": r.fulfillment_channel,
                     "window_start": start, "window_end": end, "report_day": as_of,
                     "amazon_value": a_val, "amazon_numerator": a_num,
                     "amazon_denominator": a_den, "our_value": ours[0],
                     "our_numerator": ours[1], "our_denominator": ours[2],
                     "difference_pp": (ours[0] - a_val) * 100 if pd.notna(a_val) else
                     float("nan"),
                     "likely_cause": cause, "amazon_status": r.status})
    out = pd.DataFrame(rows, columns=cols)
    order = {m: i for i, m in enumerate(METRICS)}
    out["_o"] = out["amazon_metric"].map(order)
    return out.sort_values(KEYS + ["_o", "fulfillment_channel", "window_start"],
                           ascending=[True, True, True, True, False]).drop(
        columns="_o").reset_index(drop=True)


def _typed_count(acct: _Account, start, end) -> int:
    """Confirmed orders due in the window judged on a typed ship-date only."""
    p = acct("order_promises")
    if p is None or p.empty:
        return 0
    ov = acct.order_view()
    inw = (ov["ship_by_date"] >= start) & (ov["ship_by_date"] <= end)
    return int((inw & (ov["confirm_source"] == "ship_date_typed")).sum())


def _cause(metric, unit, ours, amazon, start, acct, alt_fn, typed_fn) -> str:
    o_val, o_num, o_den = ours
    a_val, a_num, a_den = amazon
    if pd.isna(a_val) and pd.isna(a_den):
        return "Amazon's report has no figure for this window"
    if o_den == 0:
        return (f"no {unit} of this window in your exports: download the files that cover "
                "Amazon's window")
    if pd.notna(a_den) and (o_num, o_den) == (a_num, a_den):
        return "same counts"
    if pd.isna(a_den):
        return "Amazon gives the rate only (no counts) for this window"
    alt = alt_fn()
    if alt is not None and (alt[1], alt[2]) == (a_num, a_den) and metric in _ALT_TEXT:
        return _ALT_TEXT[metric]
    first = _coverage(acct)
    if o_den < a_den and first is not None and first > start:
        return (f"your exports start on {first.date()}, after Amazon's window starts "
                f"({start.date()}): download older files")
    if o_den < a_den:
        return (f"{a_den - o_den:,.0f} {unit} in Amazon's count are not in your exports "
                "(missing files, or orders Amazon counts that your files lack)")
    if o_den > a_den:
        return f"we count {o_den - a_den:,.0f} more {unit}: {EXCLUSIONS[metric]}"
    text = OUTCOME[metric]
    if "{typed}" in text:
        text = text.format(typed=typed_fn())
    return f"same {unit}, {a_num:,.0f} vs our {o_num:,.0f} counted: {text}"


__all__ = ["METRICS", "compare_with_amazon", "report_days"]
