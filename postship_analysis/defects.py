"""Order Defect Rate (ODR) and the drivers of A-to-z Guarantee claims.

Definition (``../shared/domain.md`` §1.1; Amazon help G200285170)
-----------------------------------------------------------------
**ODR** = orders with at least one defect / orders, over the **60 days** of *order dates*
(order-correlated: a claim filed today on an order placed 50 days ago counts in the window
that holds that order date). An order counts **once**, whatever the number of defects.
Defects:

* **negative feedback**: a 1 or 2-star rating in the Seller Feedback report, unless Amazon
  removed it (table ``feedback``, ``removed``);
* **an A-to-z Guarantee claim that counts**: pending, granted (also Amazon-funded grants) or
  withdrawn *after* a grant; *not* denied and *not* withdrawn before a decision (table
  ``claims``). A ``closed`` claim without a decision, or a status we do not recognise, counts
  (the conservative reading; the claims reader warns about unrecognised statuses);
* **a service chargeback**: a credit-card chargeback that is not for fraud (table
  ``chargebacks``, ``is_fraud``).

The three component rates (negative feedback rate, A-to-z claim rate, chargeback rate) use
the same denominator. ODR is reported for all orders and split **MFN** (seller-fulfilled) /
**AFN** (FBA) by the order's ``fulfillment_channel``, as Amazon's account-health report does.

Our conventions (parameters, stated so they can be changed):

* ``as_of`` is a marketplace-local date. The window is the ``window_days`` local order dates
  ending ``lag_days`` before ``as_of``. **Default: Amazon's convention**
  (:data:`AMAZON_LAG_DAYS` = 16): Amazon's ODR window ends 15 days before its late-shipment
  window, which ends the day before the report (Amazon's own example of the seller
  performance report, accountHealthReport-2020-11-18: ``orderDefectRate`` 2020-09-06 ..
  2020-11-04 beside ``lateShipmentRate`` 2020-10-21 .. 2020-11-19; domain.md §1.3), so the
  newest orders have had two weeks to draw claims and feedback; a window ending yesterday
  reads low against the 1 % bar. Where the seller's own performance report is at hand,
  :func:`amazon_lag_days` takes the lag from it. ``lag_days=1`` ends the window yesterday
  (an early warning on the newest orders, not Amazon's number).
* A defect counts on ``as_of`` only if it was known by then (feedback date, claim filing date,
  chargeback date on or before ``as_of``, local). The *status* of a claim or feedback is the one
  in the file as downloaded (a claim denied later is excluded from every past day as well).
* Orders: one per ``order_id`` from the ``orders`` table; the order date is the local date of
  the earliest ``purchase_ts``. Cancelled orders (every row cancelled) are left out of the
  denominator (``exclude_cancelled``; Amazon does not say; a cancelled order cannot be
  delivered, so we read "orders" as orders that went ahead). Defects on orders that are not
  in the ``orders`` table cannot be dated and are not counted; :func:`defective_orders` lists
  them with ``in_orders_table = False``.

Units: rates are fractions (0.004 = 0.4 %). Example::

    >>> # from postship_analysis import datafolder, defects
    >>> # inp = datafolder.load("data/sample")
    >>> # t = lambda n: inp.table(n)
    >>> # defects.order_defect_rate(t("orders"), t("feedback"), t("claims"), t("chargebacks"),
    >>> #                           as_of=pd.Timestamp("2026-10-31"))

A-to-z drivers
--------------
:func:`claim_driver_flags` builds per-order flags (claim filed, late delivery, late first
response to a buyer message) from the canonical tables; :func:`claim_drivers` fits a logistic
regression of claim on the flags (statsmodels) and reports odds ratios with 95 % confidence
intervals -- or says plainly that the data are too thin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import contract
from .errors import ParameterError
from .kpi import KPI, TARGETS, Target, status

#: ODR window (domain.md §1.1: 60 days, order-date based)
WINDOW_DAYS = 60
#: Amazon's ODR window ends this many days before the as-of (report) day: 15 days before the
#: late-shipment window, which ends the day before (accountHealthReport schema example:
#: ODR to 2020-11-04, LSR to 2020-11-19). See :func:`amazon_lag_days`.
AMAZON_LAG_DAYS = 16
AMAZON_LAG_SOURCE = (
    "Amazon's convention: the ODR window ends 15 days before the late-shipment window, which "
    "ends the day before the report (Amazon's seller performance report example, "
    "accountHealthReport-2020-11-18; help G200285170: 60 days by order date)")
#: components, in report order: (count column, rate column, KPI name stem)
COMPONENTS = (
    ("orders_with_defect", "order_defect_rate", "order_defect_rate"),
    ("negative_feedback", "negative_feedback_rate", "negative_feedback_rate"),
    ("a_to_z_claims", "a_to_z_claim_rate", "a_to_z_claim_rate"),
    ("chargebacks", "chargeback_rate", "chargeback_rate"),
)
_KIND_COLS = {"negative_feedback": "negative_feedback_date", "a_to_z_claims": "claim_date",
              "chargebacks": "chargeback_date"}


def _empty(table: str) -> pd.DataFrame:
    return contract.empty(table)


def _day_int(s: pd.Series) -> pd.Series:
    """Naive dates -> integer day numbers (days since 1970-01-01), NaN for NaT."""
    v = pd.to_datetime(s)
    out = (v - pd.Timestamp("1970-01-01")).dt.days
    return out.astype("float64")


def _to_local_date(ts: pd.Series, mp: pd.Series) -> pd.Series:
    if len(ts) == 0:
        return pd.Series(pd.NaT, index=ts.index, dtype="datetime64[ns]")
    return contract.local_date(ts, mp.astype("string"))


# ---------------------------------------------------------------------------------------------
# Which records count
# ---------------------------------------------------------------------------------------------

def negative_feedback_counts(feedback: pd.DataFrame) -> pd.Series:
    """True for feedback that is an ODR defect: rating 1 or 2 and not removed.

    >>> fb = pd.DataFrame({"rating": [1, 2, 3, 1], "removed": [False, False, False, True]})
    >>> negative_feedback_counts(fb).tolist()
    [True, True, False, False]
    """
    rating = pd.to_numeric(feedback["rating"], errors="coerce")
    removed = feedback["removed"].astype("boolean").fillna(False)
    return ((rating <= 2) & ~removed).fillna(False).astype(bool)


def claim_counts(claims: pd.DataFrame) -> pd.Series:
    """True for A-to-z claims that count in the ODR.

    Counts: pending, granted (whoever funded it), withdrawn after a grant, ``closed`` without a
    decision and unrecognised statuses (conservative). Does not count: denied, withdrawn
    before a decision.

    >>> c = pd.DataFrame({"claim_status": ["pending", "granted", "denied", "withdrawn",
    ...                                    "withdrawn"],
    ...                   "withdrawn_after_grant": [False, False, False, False, True]})
    >>> claim_counts(c).tolist()
    [True, True, False, False, True]
    """
    st = claims["claim_status"].astype("string").str.strip().str.lower()
    after = claims["withdrawn_after_grant"].astype("boolean").fillna(False)
    denied = st.eq("denied").fillna(False)
    withdrawn = st.eq("withdrawn").fillna(False)
    return (~denied & ~(withdrawn & ~after)).astype(bool)


def chargeback_counts(chargebacks: pd.DataFrame) -> pd.Series:
    """True for service chargebacks (not fraud): these count in the ODR."""
    return (~chargebacks["is_fraud"].astype("boolean").fillna(False)).astype(bool)


# ---------------------------------------------------------------------------------------------
# Per-order defect table
# ---------------------------------------------------------------------------------------------

def _orders_per_order(orders: pd.DataFrame) -> pd.DataFrame:
    o = orders[["seller_id", "marketplace", "order_id", "purchase_ts", "order_status",
                "fulfillment_channel"]].copy()
    o["cancelled"] = o["order_status"].astype("string").str.lower().str.startswith(
        "cancel").fillna(False)
    g = o.groupby(["seller_id", "order_id"], sort=False, observed=True)
    per = g.agg(marketplace=("marketplace", "first"), purchase_ts=("purchase_ts", "min"),
                fulfillment_channel=("fulfillment_channel", "first"),
                cancelled=("cancelled", "all")).reset_index()
    per["order_date"] = _to_local_date(per["purchase_ts"], per["marketplace"])
    per["fulfillment_channel"] = per["fulfillment_channel"].astype("string").str.upper()
    return per


def _first_per_order(df: pd.DataFrame, date_col: str, cols: dict[str, str]) -> pd.DataFrame:
    """Earliest record per (seller_id, order_id), with the chosen detail columns renamed."""
    if df.empty:
        return pd.DataFrame(columns=["seller_id", "order_id", *cols.values()])
    d = df.sort_values([date_col], kind="stable").drop_duplicates(["seller_id", "order_id"])
    return d[["seller_id", "order_id", *cols]].rename(columns=cols)


def order_defect_flags(orders: pd.DataFrame, feedback: pd.DataFrame | None = None,
                       claims: pd.DataFrame | None = None,
                       chargebacks: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per order (and per defect record's order missing from ``orders``) with the date
    each kind of *counting* defect became known.

    Returns columns ``seller_id, marketplace, order_id, in_orders_table, order_date``
    (local), ``fulfillment_channel`` (MFN/AFN), ``cancelled``, ``negative_feedback_date``,
    ``feedback_rating``, ``claim_date``, ``claim_id``, ``claim_status``, ``claim_reason``,
    ``chargeback_date``, ``chargeback_id``, ``chargeback_reason`` (dates local, ``NaT`` = no
    counting defect of that kind) and ``first_defect_date`` (earliest of the three).
    Non-counting records (positive or removed feedback, denied claims, claims withdrawn before
    a decision, fraud chargebacks) are ignored here.
    """
    feedback = _empty("feedback") if feedback is None else feedback
    claims = _empty("claims") if claims is None else claims
    chargebacks = _empty("chargebacks") if chargebacks is None else chargebacks
    per = _orders_per_order(orders)
    per["in_orders_table"] = True
    mp_of = per.set_index(["seller_id", "order_id"])["marketplace"]

    def local(df, ts_col):
        key = pd.MultiIndex.from_frame(df[["seller_id", "order_id"]])
        mp = pd.Series(mp_of.reindex(key).to_numpy(), index=df.index, dtype="string")
        mp = mp.fillna(df["marketplace"].astype("string"))
        return _to_local_date(df[ts_col], mp)

    fb = feedback[negative_feedback_counts(feedback).to_numpy()]
    fb = fb.assign(_d=fb["feedback_date"])
    fb_first = _first_per_order(fb, "_d", {"_d": "negative_feedback_date",
                                           "rating": "feedback_rating",
                                           "marketplace": "_mp_fb"})
    cl = claims[claim_counts(claims).to_numpy()]
    cl = cl.assign(_d=local(cl, "claim_ts"))
    cl_first = _first_per_order(cl, "_d", {"_d": "claim_date", "claim_id": "claim_id",
                                           "claim_status": "claim_status",
                                           "claim_reason": "claim_reason",
                                           "marketplace": "_mp_cl"})
    cb = chargebacks[chargeback_counts(chargebacks).to_numpy()]
    cb = cb.assign(_d=local(cb, "chargeback_ts"))
    cb_first = _first_per_order(cb, "_d", {"_d": "chargeback_date",
                                           "chargeback_id": "chargeback_id",
                                           "reason": "chargeback_reason",
                                           "marketplace": "_mp_cb"})
    out = per
    for part in (fb_first, cl_first, cb_first):
        out = out.merge(part, on=["seller_id", "order_id"], how="outer")
    missing = out["in_orders_table"].isna()
    out["in_orders_table"] = out["in_orders_table"].fillna(False).astype(bool)
    mp_fallback = out["_mp_fb"].astype("string").fillna(out["_mp_cl"].astype("string")).fillna(
        out["_mp_cb"].astype("string"))
    out["marketplace"] = out["marketplace"].astype("string").where(~missing, mp_fallback)
    out["cancelled"] = out["cancelled"].astype("boolean").fillna(False).astype(bool)
    for c in ("negative_feedback_date", "claim_date", "chargeback_date", "order_date"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    out["first_defect_date"] = out[["negative_feedback_date", "claim_date",
                                    "chargeback_date"]].min(axis=1)
    out["feedback_rating"] = out["feedback_rating"].astype("Int64")
    cols = ["seller_id", "marketplace", "order_id", "in_orders_table", "order_date",
            "fulfillment_channel", "cancelled", "negative_feedback_date", "feedback_rating",
            "claim_date", "claim_id", "claim_status", "claim_reason", "chargeback_date",
            "chargeback_id", "chargeback_reason", "first_defect_date"]
    return out[cols].sort_values(["seller_id", "marketplace", "order_date", "order_id"],
                                 kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Rates: one vectorised engine for the scalar and the daily trend
# ---------------------------------------------------------------------------------------------

def _interval_counts(keys: pd.DataFrame, start: pd.Series, end: pd.Series, d0: int,
                     d1: int) -> pd.DataFrame:
    """For each key group and each day d in [d0, d1]: rows with start <= d <= end.

    Difference arrays: +1 on the (clipped) start day, -1 the day after the end; cumulated.
    """
    ok = start.notna() & end.notna() & (start <= end) & (end >= d0) & (start <= d1)
    k = keys[ok.to_numpy()]
    s = start[ok].clip(lower=d0).astype(np.int64).to_numpy()
    e = end[ok].clip(upper=d1).astype(np.int64).to_numpy() + 1
    ev = pd.concat([k.assign(_day=s, _v=1), k.assign(_day=e, _v=-1)], ignore_index=True)
    kc = list(keys.columns)
    if ev.empty:
        return pd.DataFrame(columns=[*kc, "_day", "n"])
    wide = ev.groupby([*kc, "_day"], observed=True)["_v"].sum().unstack("_day", fill_value=0)
    wide = wide.reindex(columns=range(d0, d1 + 2), fill_value=0).cumsum(axis=1)
    wide = wide.loc[:, d0:d1]
    long = wide.stack().rename("n").reset_index().rename(columns={"level_" + str(len(kc)): "_day"})
    long.columns = [*kc, "_day", "n"]
    return long


def odr_trend(orders: pd.DataFrame, feedback: pd.DataFrame | None = None,
              claims: pd.DataFrame | None = None, chargebacks: pd.DataFrame | None = None, *,
              start: pd.Timestamp, end: pd.Timestamp, window_days: int = WINDOW_DAYS,
              lag_days: int = AMAZON_LAG_DAYS, exclude_cancelled: bool = True,
              flags: pd.DataFrame | None = None) -> pd.DataFrame:
    """ODR and its components for every as-of day from ``start`` to ``end`` (local dates).

    For as-of day D the window is order dates ``D - lag_days - window_days + 1`` ..
    ``D - lag_days``, and a defect counts if it was known by D (see module docstring).
    Computed without a loop over days (difference arrays over day numbers).

    Returns one row per ``seller_id, marketplace, fulfillment_channel`` (``all``, ``MFN``,
    ``AFN``) and ``as_of``, with ``window_start, window_end, orders, orders_with_defect,
    negative_feedback, a_to_z_claims, chargebacks`` (order counts) and the rates
    ``order_defect_rate, negative_feedback_rate, a_to_z_claim_rate, chargeback_rate``
    (fractions; NaN without orders).

    ``flags`` (the output of :func:`order_defect_flags`) may be passed to skip recomputing it.
    """
    if window_days < 1 or lag_days < 0:
        raise ParameterError(f"window_days must be >= 1 and lag_days >= 0, got {window_days}, "
                             f"{lag_days}")
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if end < start:
        raise ParameterError(f"end {end.date()} is before start {start.date()}")
    f = order_defect_flags(orders, feedback, claims, chargebacks) if flags is None else flags
    f = f[f["in_orders_table"]]
    if exclude_cancelled:
        f = f[~f["cancelled"]]
    f = f.reset_index(drop=True)
    both = pd.concat([f.assign(_ch=f["fulfillment_channel"].astype("string")),
                      f.assign(_ch="all")], ignore_index=True)
    keys = pd.DataFrame({"seller_id": both["seller_id"].astype("string"),
                         "marketplace": both["marketplace"].astype("string"),
                         "fulfillment_channel": both["_ch"].astype("string")})
    od = _day_int(both["order_date"])
    first_in = od + lag_days
    last_in = od + lag_days + window_days - 1
    d0, d1 = int(_day_int(pd.Series([start])).iloc[0]), int(_day_int(pd.Series([end])).iloc[0])
    counts = {"orders": _interval_counts(keys, first_in, last_in, d0, d1)}
    known = {k: _day_int(both[c]) for k, c in _KIND_COLS.items()}
    known["orders_with_defect"] = _day_int(both["first_defect_date"])
    for name, kd in known.items():
        # a defect dated day k is known from day k + 1: on the as-of day the data are
        # complete up to its local midnight, like every other metric in the package
        counts[name] = _interval_counts(keys, np.maximum(first_in, kd + 1).where(kd.notna()),
                                        last_in, d0, d1)
    kc = ["seller_id", "marketplace", "fulfillment_channel", "_day"]
    base = counts["orders"].rename(columns={"n": "orders"})
    for name in ("orders_with_defect", "negative_feedback", "a_to_z_claims", "chargebacks"):
        base = base.merge(counts[name].rename(columns={"n": name}), on=kc, how="left")
        base[name] = base[name].fillna(0).astype("int64")
    base["orders"] = base["orders"].astype("int64")
    base["as_of"] = pd.Timestamp("1970-01-01") + pd.to_timedelta(base["_day"], unit="D")
    base["window_end"] = base["as_of"] - pd.Timedelta(days=lag_days)
    base["window_start"] = base["window_end"] - pd.Timedelta(days=window_days - 1)
    for num, rate, _ in COMPONENTS:
        base[rate] = (base[num] / base["orders"].where(base["orders"] > 0)).astype("float64")
    order = {"all": 0, "MFN": 1, "AFN": 2}
    base["_o"] = base["fulfillment_channel"].map(order).fillna(3)
    base = base.sort_values(["seller_id", "marketplace", "_o", "fulfillment_channel", "as_of"],
                            kind="stable")
    cols = ["seller_id", "marketplace", "fulfillment_channel", "as_of", "window_start",
            "window_end", "orders", "orders_with_defect", "negative_feedback", "a_to_z_claims",
            "chargebacks", "order_defect_rate", "negative_feedback_rate", "a_to_z_claim_rate",
            "chargeback_rate"]
    return base[cols].reset_index(drop=True)


def amazon_lag_days(account_health: pd.DataFrame | None = None) -> tuple[int, str]:
    """The ODR lag (days between the window's end and the as-of day) Amazon uses, and where
    it comes from.

    With the seller's performance report (table ``account_health``): the gap between its
    ``orderDefectRate`` window end and its ``lateShipmentRate`` window end (the late-shipment
    window ends the day before the report), plus one day -- the most common value over the
    marketplaces. Without it: :data:`AMAZON_LAG_DAYS` (16).

    >>> amazon_lag_days()[0]
    16
    """
    if account_health is not None and len(account_health):
        h = account_health
        d = h.assign(_to=h["window_to"].dt.tz_convert("UTC").dt.tz_localize(None)
                     .dt.normalize())
        odr = d[d["metric"] == "orderDefectRate"].groupby("marketplace")["_to"].max()
        lsr = d[d["metric"] == "lateShipmentRate"].groupby("marketplace")["_to"].max()
        gaps = (lsr - odr).dropna().dt.days + 1
        gaps = gaps[gaps >= 1]
        if len(gaps):
            lag = int(gaps.mode().max())
            return lag, (f"your Seller Performance report: Amazon's ODR window ends {lag - 1} "
                         "days before its late-shipment window, which ends the day before the "
                         "report")
    return AMAZON_LAG_DAYS, AMAZON_LAG_SOURCE


def _targets(window_days: int) -> dict[str, Target]:
    """Amazon's ODR target for the overall and the MFN/AFN KPI names."""
    t = TARGETS["order_defect_rate_60d"]
    name = f"order_defect_rate_{window_days}d"
    return {**TARGETS, name: t, f"{name}_mfn": t, f"{name}_afn": t}


def order_defect_rate(orders: pd.DataFrame, feedback: pd.DataFrame | None = None,
                      claims: pd.DataFrame | None = None,
                      chargebacks: pd.DataFrame | None = None, *, as_of: pd.Timestamp,
                      window_days: int = WINDOW_DAYS, lag_days: int = AMAZON_LAG_DAYS,
                      exclude_cancelled: bool = True,
                      target: Target | None = None) -> pd.DataFrame:
    """ODR and components on one as-of date (see module docstring for the definition).

    Same columns as :func:`odr_trend` for the single day, plus ``target``,
    ``target_condition``, ``target_source`` and ``status`` (``pass``/``at_risk``/``fail``/
    ``no_data``) of the ODR against Amazon's target (default: under 1 %, sellercentral help
    G200285170; the warning band is ours, see :mod:`postship_analysis.kpi`). The components
    have no target of their own.

    Example: 2 defective orders out of 400 orders in the window -> ``order_defect_rate``
    0.005, status ``pass``.
    """
    res = odr_trend(orders, feedback, claims, chargebacks, start=as_of, end=as_of,
                    window_days=window_days, lag_days=lag_days,
                    exclude_cancelled=exclude_cancelled)
    t = target or TARGETS["order_defect_rate_60d"]
    res["target"] = t.value
    res["target_condition"] = t.condition
    res["target_source"] = t.source
    res["status"] = [status(None if pd.isna(v) else float(v), t)
                     for v in res["order_defect_rate"]]
    return res


def odr_kpis(rates: pd.DataFrame, *, window_days: int = WINDOW_DAYS,
             targets: dict[str, Target] | None = None) -> list[KPI]:
    """Headline KPI records from :func:`order_defect_rate` (one as-of day).

    Names: ``order_defect_rate_60d``, ``negative_feedback_rate_60d``, ``a_to_z_claim_rate_60d``,
    ``chargeback_rate_60d`` for all orders, and the same with ``_mfn`` / ``_afn`` for the
    split (``order_defect_rate_60d_mfn`` ...). The ODR names carry Amazon's 1 % target; the
    components have none (status ``info``). With several seller accounts the KPI's
    ``marketplace`` is ``seller_id/marketplace``.
    """
    tg = targets or _targets(window_days)
    many = rates["seller_id"].nunique() > 1
    out = []
    for r in rates.itertuples(index=False):
        suffix = "" if r.fulfillment_channel == "all" else f"_{str(r.fulfillment_channel).lower()}"
        mp = f"{r.seller_id}/{r.marketplace}" if many else str(r.marketplace)
        window = f"{r.window_start.date()}..{r.window_end.date()}"
        for num, rate, stem in COMPONENTS:
            out.append(KPI.make(f"{stem}_{window_days}d{suffix}", mp, getattr(r, rate),
                                numerator=getattr(r, num), denominator=r.orders,
                                window=window, targets=tg))
    return out


# ---------------------------------------------------------------------------------------------
# The list to act on
# ---------------------------------------------------------------------------------------------

ACTIONS = {
    "negative_feedback": "contact the buyer and resolve; if the feedback is about the product "
                         "or (FBA) about delivery, ask Amazon to remove it (Feedback Manager)",
    "a_to_z_claim_pending": "respond to the claim in Seller Central now (tracking, proof of "
                            "delivery, refund offer); an unanswered claim is granted against you",
    "a_to_z_claim": "claim counts until the order leaves the 60-day window; find the cause "
                    "(late or lost delivery, slow reply)",
    "chargeback": "answer the chargeback with proof of delivery and the order details",
}


def defective_orders(orders: pd.DataFrame, feedback: pd.DataFrame | None = None,
                     claims: pd.DataFrame | None = None,
                     chargebacks: pd.DataFrame | None = None, *, as_of: pd.Timestamp,
                     window_days: int = WINDOW_DAYS, lag_days: int = AMAZON_LAG_DAYS,
                     exclude_cancelled: bool = True) -> pd.DataFrame:
    """Orders that count as defective on ``as_of`` (in the window, defect known by then), plus
    counting defects on orders missing from the ``orders`` table (``in_orders_table`` False:
    load the All Orders report that covers them).

    Columns: ``seller_id, marketplace, order_id, order_date, fulfillment_channel, defects``
    (``negative_feedback; a_to_z_claim; chargeback``), ``n_defects``, ``feedback_rating``,
    ``negative_feedback_date``, ``claim_id``, ``claim_status``, ``claim_reason``,
    ``claim_date``, ``chargeback_id``, ``chargeback_reason``, ``chargeback_date``,
    ``leaves_window_on`` (the as-of date from which the order no longer counts),
    ``in_orders_table``, ``action``. Sorted by marketplace and order date.
    """
    as_of = pd.Timestamp(as_of).normalize()
    f = order_defect_flags(orders, feedback, claims, chargebacks)
    w_end = as_of - pd.Timedelta(days=lag_days)
    w_start = w_end - pd.Timedelta(days=window_days - 1)
    in_win = f["in_orders_table"] & f["order_date"].between(w_start, w_end)
    if exclude_cancelled:
        in_win &= ~f["cancelled"]
    known = {k: f[c].notna() & (f[c] < as_of) for k, c in _KIND_COLS.items()}
    anyk = known["negative_feedback"] | known["a_to_z_claims"] | known["chargebacks"]
    sel = (in_win | ~f["in_orders_table"]) & anyk
    d = f[sel].copy()
    kn = {k: v[sel] for k, v in known.items()}
    parts = [np.where(kn["negative_feedback"], "negative_feedback", ""),
             np.where(kn["a_to_z_claims"], "a_to_z_claim", ""),
             np.where(kn["chargebacks"], "chargeback", "")]
    d["defects"] = ["; ".join(x for x in t if x) for t in zip(*parts, strict=True)]
    d["n_defects"] = sum(v.astype(int) for v in kn.values())
    for k, c in _KIND_COLS.items():  # a defect known only after as_of is not shown
        d[c] = d[c].where(kn[k])
    d["leaves_window_on"] = d["order_date"] + pd.Timedelta(days=lag_days + window_days)
    pending = d["claim_status"].astype("string").eq("pending").fillna(False) & kn[
        "a_to_z_claims"]
    acts = [np.where(kn["negative_feedback"], ACTIONS["negative_feedback"], ""),
            np.where(pending, ACTIONS["a_to_z_claim_pending"],
                     np.where(kn["a_to_z_claims"], ACTIONS["a_to_z_claim"], "")),
            np.where(kn["chargebacks"], ACTIONS["chargeback"], "")]
    d["action"] = [" | ".join(x for x in t if x) for t in zip(*acts, strict=True)]
    cols = ["seller_id", "marketplace", "order_id", "order_date", "fulfillment_channel",
            "defects", "n_defects", "feedback_rating", "negative_feedback_date", "claim_id",
            "claim_status", "claim_reason", "claim_date", "chargeback_id", "chargeback_reason",
            "chargeback_date", "leaves_window_on", "in_orders_table", "action"]
    return d[cols].sort_values(["seller_id", "marketplace", "order_date", "order_id"],
                               kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# A-to-z claim drivers
# ---------------------------------------------------------------------------------------------

def _cutoff_utc(as_of: pd.Timestamp, marketplaces: pd.Series) -> pd.Series:
    """Start of the local as-of day (data are complete up to it) as UTC, per row."""
    out = pd.Series(pd.NaT, index=marketplaces.index, dtype="datetime64[ns, UTC]")
    nxt = pd.Timestamp(as_of).normalize()
    for code in pd.unique(marketplaces.dropna()):
        tz = contract.marketplace(code).tz
        out[marketplaces == code] = nxt.tz_localize(tz).tz_convert("UTC")
    return out


def claim_driver_flags(orders: pd.DataFrame, order_promises: pd.DataFrame,
                       shipment_confirmations: pd.DataFrame, delivery_events: pd.DataFrame,
                       buyer_messages: pd.DataFrame, claims: pd.DataFrame, *,
                       as_of: pd.Timestamp, response_hours: float = 24.0) -> pd.DataFrame:
    """Per seller-fulfilled (MFN) order with a shipment confirmation: did the buyer file an
    A-to-z claim, was the delivery late, was a buyer message answered late?

    * ``claim``: 1 if a claim (any status: the buyer's action, not Amazon's decision) was filed
      by the end of the local ``as_of`` day, else 0; ``claim_ts`` the first filing.
    * ``late_delivery``: 1 if the first ``delivered`` carrier scan of the order's tracking
      numbers is after the deliver-by (``latest_delivery_ts``, latest over the order's items),
      0 if on or before it, ``<NA>`` without a delivered scan or a deliver-by (these orders
      leave the regression; lost parcels are another question).
    * ``late_response``: 1 if a buyer message on the order got its first response more than
      ``response_hours`` (default 24, Amazon's expectation; domain.md §1.1) after it arrived,
      or none by then -- counted only if that moment came before the claim was filed (a slow
      reply after the claim cannot have caused it); else 0 (also without messages).

    Only events up to the end of the ``as_of`` day (local) are used. Returns columns
    ``seller_id, marketplace, order_id, order_date, claim, claim_ts, late_delivery,
    delivered_ts, deliver_by_ts, late_response, n_messages``.
    """
    as_of = pd.Timestamp(as_of).normalize()
    per = _orders_per_order(orders)
    per = per[(per["fulfillment_channel"] == "MFN") & ~per["cancelled"]].copy()
    per["cutoff"] = _cutoff_utc(as_of, per["marketplace"].astype("string"))
    conf = shipment_confirmations
    shipped = conf[["seller_id", "order_id", "ship_ts", "tracking_number"]]
    key = ["seller_id", "order_id"]
    first_ship = shipped.groupby(key, observed=True)["ship_ts"].min().rename("ship_ts")
    per = per.merge(first_ship.reset_index(), on=key, how="inner")
    per = per[per["ship_ts"] < per["cutoff"]]
    # delivery
    ev = delivery_events[delivery_events["event"].astype("string").eq("delivered").fillna(False)]
    deliv = ev.groupby(["seller_id", "tracking_number"], observed=True)["event_ts"].min()
    trk = shipped.dropna(subset=["tracking_number"]).merge(
        deliv.rename("delivered_ts").reset_index(), on=["seller_id", "tracking_number"],
        how="inner")
    per = per.merge(trk.groupby(key, observed=True)["delivered_ts"].min().reset_index(),
                    on=key, how="left")
    per["delivered_ts"] = per["delivered_ts"].where(per["delivered_ts"] < per["cutoff"])
    prom = order_promises.groupby(key, observed=True)["latest_delivery_ts"].max()
    per = per.merge(prom.rename("deliver_by_ts").reset_index(), on=key, how="left")
    known = per["delivered_ts"].notna() & per["deliver_by_ts"].notna()
    late = (per["delivered_ts"] > per["deliver_by_ts"]).astype("Int64")
    per["late_delivery"] = late.where(known, pd.NA).astype("Int64")
    # claims
    cl = claims.groupby(key, observed=True)["claim_ts"].min().rename("claim_ts").reset_index()
    per = per.merge(cl, on=key, how="left")
    per["claim_ts"] = per["claim_ts"].where(per["claim_ts"] < per["cutoff"])
    per["claim"] = per["claim_ts"].notna().astype("int64")
    # buyer messages
    m = buyer_messages.dropna(subset=["order_id"])
    m = m.merge(per[key + ["cutoff", "claim_ts"]], on=key, how="inner")
    m = m[m["received_ts"] < m["cutoff"]]
    mark = m["received_ts"] + pd.Timedelta(hours=response_hours)
    resp = m["first_response_ts"].where(m["first_response_ts"] < m["cutoff"])
    late_msg = (resp.isna() | (resp > mark)) & (mark < m["cutoff"])
    late_msg &= m["claim_ts"].isna() | (mark < m["claim_ts"])
    agg = pd.DataFrame({"seller_id": m["seller_id"], "order_id": m["order_id"],
                        "late": late_msg.astype("int64")}).groupby(key, observed=True).agg(
        late_response=("late", "max"), n_messages=("late", "size")).reset_index()
    per = per.merge(agg, on=key, how="left")
    per["late_response"] = per["late_response"].fillna(0).astype("int64")
    per["n_messages"] = per["n_messages"].fillna(0).astype("int64")
    cols = ["seller_id", "marketplace", "order_id", "order_date", "claim", "claim_ts",
            "late_delivery", "delivered_ts", "deliver_by_ts", "late_response", "n_messages"]
    return per[cols].sort_values(["seller_id", "marketplace", "order_date", "order_id"],
                                 kind="stable").reset_index(drop=True)


@dataclass
class ClaimDrivers:
    """Result of :func:`claim_drivers`.

    ``status``: ``ok`` (numbers in ``table``), ``too_thin`` (too few claims or non-claims for
    the number of predictors), ``separation`` (a predictor's 2x2 table with the outcome has an
    empty cell, or the fit did not converge: an odds ratio would be 0 or infinite) or
    ``no_variation`` (a predictor or the outcome is constant). ``message`` says it in words,
    for the report. ``table`` has one row per predictor: ``predictor, odds_ratio, ci_low,
    ci_high, p_value, n_with, claims_with, n_without, claims_without`` (odds ratio and its
    interval are NaN unless ``status == "ok"``).
    """

    status: str
    message: str
    n: int
    events: int
    dropped: int
    predictors: tuple[str, ...]
    min_events_per_parameter: float
    table: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def conclusive(self) -> bool:
        return self.status == "ok"


def claim_drivers(flags: pd.DataFrame, predictors: Sequence[str] = ("late_delivery",
                                                                     "late_response"), *,
                  outcome: str = "claim", min_events_per_parameter: float = 10.0,
                  alpha: float = 0.05) -> ClaimDrivers:
    """Logistic regression of an A-to-z claim (0/1) on binary per-order flags.

    ``logit P(claim) = b0 + sum_j b_j x_j``; the odds ratio of predictor j is ``exp(b_j)`` (how
    many times the odds of a claim multiply when x_j is 1, the others held fixed), with a Wald
    ``1 - alpha`` confidence interval ``exp(b_j -/+ z * se_j)``; fitted by maximum likelihood
    with statsmodels (``Logit``).

    Rows with a missing value in the outcome or a predictor are dropped (``dropped``). The
    data are **too thin** when the rarer outcome class (claims, usually) has fewer than
    ``min_events_per_parameter`` (default 10, the usual events-per-variable rule of thumb;
    Peduzzi et al. 1996) times the number of predictors; a predictor whose 2x2 table with the
    outcome has an empty cell gives **separation** (an infinite or zero odds ratio). In both
    cases no odds ratio is reported, only the counts.

    Example: with one predictor the odds ratio equals the cross-product ratio of the 2x2
    table, ``(a*d)/(b*c)``.
    """
    predictors = tuple(predictors)
    if not predictors:
        raise ParameterError("claim_drivers needs at least one predictor")
    missing = [c for c in (outcome, *predictors) if c not in flags.columns]
    if missing:
        raise ParameterError(f"flags lack column(s) {missing}; have {list(flags.columns)}")
    d = flags[[outcome, *predictors]].apply(pd.to_numeric, errors="coerce")
    keep = d.notna().all(axis=1)
    dropped = int((~keep).sum())
    d = d[keep].astype("float64")
    n, events = len(d), int(d[outcome].sum())
    y = d[outcome].to_numpy()
    rows = []
    for p in predictors:
        x = d[p].to_numpy() == 1
        rows.append({"predictor": p, "n_with": int(x.sum()), "claims_with": int(y[x].sum()),
                     "n_without": int((~x).sum()), "claims_without": int(y[~x].sum())})
    table = pd.DataFrame(rows)
    for c in ("odds_ratio", "ci_low", "ci_high", "p_value"):
        table[c] = np.nan
    table = table[["predictor", "odds_ratio", "ci_low", "ci_high", "p_value", "n_with",
                   "claims_with", "n_without", "claims_without"]]

    def result(st, msg):
        return ClaimDrivers(st, msg, n, events, dropped, predictors, min_events_per_parameter,
                            table)

    k = len(predictors)
    limiting = min(events, n - events)
    if n == 0 or events == 0 or events == n:
        return result("no_variation", f"{n} orders, {events} claims: the outcome does not vary, "
                      "no odds ratio can be estimated.")
    const = [r["predictor"] for r in rows if r["n_with"] in (0, n)]
    if const:
        return result("no_variation", f"{', '.join(const)} is the same for every order "
                      f"({n} orders): its effect cannot be estimated.")
    if limiting < min_events_per_parameter * k:
        return result("too_thin", f"Too thin for a conclusion: {events} claims among {n} "
                      f"orders; {k} predictor(s) need at least {min_events_per_parameter * k:g} "
                      f"of the rarer outcome ({min_events_per_parameter:g} per predictor). "
                      "Counts are shown, odds ratios are not.")
    empty = [r["predictor"] for r in rows
             if 0 in (r["claims_with"], r["n_with"] - r["claims_with"], r["claims_without"],
                      r["n_without"] - r["claims_without"])]
    if empty:
        return result("separation", f"{', '.join(empty)}: a cell of the 2x2 table with claims "
                      "is empty (e.g. no claim at all among those orders), so the odds ratio "
                      "would be 0 or infinite. Counts are shown, odds ratios are not.")
    import warnings

    import statsmodels.api as sm

    X = sm.add_constant(d[list(predictors)], has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.Logit(d[outcome], X).fit(disp=0, maxiter=200)
        except Exception as e:  # PerfectSeparationError and friends
            return result("separation", f"the logistic fit failed ({e}); no odds ratio.")
    conv = bool(fit.mle_retvals.get("converged", True))
    params = fit.params[list(predictors)]
    bse = fit.bse[list(predictors)]
    if not conv or not np.isfinite(bse).all() or (params.abs() > 15).any():
        return result("separation", "the logistic fit did not converge to finite odds ratios "
                      "(quasi-separation); no odds ratio.")
    ci = fit.conf_int(alpha=alpha).loc[list(predictors)]
    table["odds_ratio"] = np.exp(params.to_numpy())
    table["ci_low"] = np.exp(ci[0].to_numpy())
    table["ci_high"] = np.exp(ci[1].to_numpy())
    table["p_value"] = fit.pvalues[list(predictors)].to_numpy()
    level = round(100 * (1 - alpha))
    parts = []
    for r in table.itertuples(index=False):
        verdict = ("raises" if r.ci_low > 1 else "lowers" if r.ci_high < 1 else
                   "has no clear effect on")
        parts.append(f"{r.predictor} {verdict} the odds of a claim (odds ratio "
                     f"{r.odds_ratio:.2f}, {level}% CI {r.ci_low:.2f}-{r.ci_high:.2f})")
    return ClaimDrivers("ok", f"{events} claims among {n} orders: " + "; ".join(parts) + ".",
                        n, events, dropped, predictors, min_events_per_parameter, table)


__all__ = ["ACTIONS", "COMPONENTS", "ClaimDrivers", "WINDOW_DAYS", "chargeback_counts",
           "claim_counts", "claim_driver_flags", "claim_drivers", "defective_orders",
           "amazon_lag_days", "AMAZON_LAG_DAYS",
           "negative_feedback_counts", "odr_kpis", "odr_trend", "order_defect_flags",
           "order_defect_rate"]
