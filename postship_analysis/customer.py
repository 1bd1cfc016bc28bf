"""Customer-experience metrics: buyer-message response times, returns and wrong items, and
Request a Review eligibility.

Pure functions of the canonical tables (:mod:`postship_analysis.contract`) and an ``as_of``
date; no file I/O and no clock. Every function works per ``seller_id`` x ``marketplace`` and in
the marketplace's own time zone.

The as-of moment
----------------
``as_of`` is a marketplace-local calendar day (a naive ``pd.Timestamp`` at midnight, e.g. the
run date ``2026-11-01``). The **as-of moment** is the start of that day, local time (00:00 in
``America/Los_Angeles`` for US); data are complete up to it. An ``N``-day window is the ``N``
local days before ``as_of``: ``[as_of - N days, as_of - 1 day]`` (for ``as_of`` 2026-11-01 the
30-day window is 2026-10-02 .. 2026-10-31), the same convention as Amazon's seller performance
report. Nothing at or after the as-of moment is used: a response recorded later counts as "not
answered yet", a return dated later does not exist yet.

Contents
--------
* Buyer messages (Amazon's Contact Response Time, domain.md §1.1): :func:`message_states`,
  :func:`response_rates`, :func:`wismo_rates`, :func:`response_trend`,
  :func:`late_and_unanswered`, :func:`response_distribution`.
* Returns: :func:`return_rates`, :func:`return_reasons`, :func:`wrong_item_returns`,
  :func:`confused_sku_pairs`.
* Request a Review (domain.md §3): :func:`review_request_schedule`,
  :func:`review_requests_trend`.
* :func:`customer_kpis`: the headline KPIs ``late_response_rate_24h_30d``,
  ``wismo_answered_within_12h_30d`` and ``review_requests_eligible_today``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from . import contract
from .errors import ParameterError
from .kpi import KPI, Target

KEYS = ["seller_id", "marketplace"]
HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)

#: Amazon's response-time bar: a buyer message must be answered within 24 hours, weekends and
#: holidays included (sellercentral help 200549770 / 202152030; domain.md §1.1).
RESPONSE_HOURS = 24.0
#: Amazon shows the Contact Response Time metrics over these windows (domain.md §1.1).
RESPONSE_WINDOWS = (7, 30, 90)
#: Our stricter target for "where is my order?" messages (a product choice, domain.md §1.2).
WISMO_HOURS = 12.0
WISMO_CATEGORIES = ("where_is_my_order",)

#: Return reason codes meaning "the wrong item was sent", compared after removing the
#: seller-fulfilled ``CR-`` prefix (``CR-SWITCHEROO`` -> ``SWITCHEROO``). SWITCHEROO is the code
#: of Amazon's FBA customer returns and seller-fulfilled Returns Report for "wrong item was
#: sent" (contract.py, ``returns.reason``); the others are spellings seen in other exports.
#: ``ORDERED_WRONG_ITEM`` (the buyer's own mistake) is deliberately NOT in the list.
WRONG_ITEM_REASONS = ("SWITCHEROO", "WRONG_ITEM", "WRONG_ITEM_SENT", "DIFFERENT_ITEM",
                      "DIFFERENT_PRODUCT", "INCORRECT_ITEM")

#: Request a Review window: from 5 days after the earliest delivery date to 30 days after the
#: latest delivery date (Solicitations API guide, domain.md §3).
REVIEW_START_DAYS = 5
REVIEW_END_DAYS = 30
#: Fallback delivery window for FBA orders without delivery dates (FBA orders in the All Orders
#: report carry none): ``(earliest, latest)`` days after the local purchase date. Amazon's FBA
#: standard delivery promise is typically 2-5 days; this is our assumption, not Amazon's. It is
#: never applied to seller-fulfilled orders: their transit times are the seller's own (a median
#: of 10 days on real Olist orders), so without the order report's delivery dates such an order
#: is ``no_delivery_date`` rather than listed while still in transit.
FALLBACK_DELIVERY_DAYS = (2, 5)
#: fulfillment_channel values the FBA fallback applies to
_FBA_CHANNELS = {"afn", "amazon", "amazon.com", "fba"}

_SHIPPED_ORDER = {"shipped", "shipped - delivered to buyer", "delivered", "partiallyshipped",
                  "partially shipped", "shipped - picked up", "shipped - returned to seller"}
_CANCELLED = {"cancelled", "canceled"}


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _as_day(as_of) -> pd.Timestamp:
    return contract.as_of_day(as_of)


def _cutoff(as_of: pd.Timestamp, marketplace: str) -> pd.Timestamp:
    """The as-of moment (local midnight starting ``as_of``) in UTC."""
    tz = contract.marketplace(marketplace).tz
    return pd.Timestamp(as_of).tz_localize(tz).tz_convert("UTC")


def _cutoffs(mp: pd.Series, days: pd.Series) -> pd.Series:
    """Row-wise as-of moments in UTC for marketplace codes ``mp`` and local days ``days``."""
    out = pd.Series(pd.NaT, index=mp.index, dtype="datetime64[ns, UTC]")
    for code in pd.unique(mp.dropna()):
        sel = (mp == code).to_numpy()
        tz = contract.marketplace(code).tz
        d = pd.DatetimeIndex(days[sel]).tz_localize(tz, nonexistent="shift_forward",
                                                   ambiguous=False)
        out.iloc[np.nonzero(sel)[0]] = d.tz_convert("UTC").as_unit("ns")
    return out


def _local_naive(ts: pd.Series, mp: pd.Series) -> pd.Series:
    """Marketplace-local wall-clock time (naive) of UTC timestamps, row by row."""
    out = pd.Series(pd.NaT, index=ts.index, dtype="datetime64[ns]")
    for code in pd.unique(mp.dropna()):
        sel = (mp == code).to_numpy()
        conv = ts[sel].dt.tz_convert(contract.marketplace(code).tz).dt.tz_localize(None)
        out.iloc[np.nonzero(sel)[0]] = conv.astype("datetime64[ns]").to_numpy()
    return out


def _local_date(ts: pd.Series, mp: pd.Series) -> pd.Series:
    if len(ts) == 0:
        return pd.Series(pd.NaT, index=ts.index, dtype="datetime64[ns]")
    return contract.local_date(ts, mp.astype("string"))


def _need(df: pd.DataFrame, table: str, cols: Iterable[str]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ParameterError(f"table {table!r} lacks column(s) {missing} (see docs/DATA_CONTRACT.md)")


def _window_str(start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{start.date()}..{end.date()}"


def _groups(df: pd.DataFrame) -> pd.DataFrame:
    return df[KEYS].drop_duplicates().sort_values(KEYS).reset_index(drop=True)


def _div(num, den):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


# ---------------------------------------------------------------------------------------------
# Buyer messages
# ---------------------------------------------------------------------------------------------

_STATE_DOC = """on_time (answered within the threshold), late (answered after it), unanswered_late
(no answer at the as-of moment and the threshold has passed), pending (no answer yet, threshold
not yet passed: "not yet late")"""


def _classify(received: pd.Series, response: pd.Series, cutoff: pd.Series,
              threshold_hours: float) -> pd.DataFrame:
    """State of each message at its cutoff (vectorised). ``response`` at/after ``cutoff`` is
    treated as not there yet."""
    answered = (response.notna() & (response < cutoff)).to_numpy(dtype=bool)
    hours = ((response - received) / HOUR).to_numpy(dtype=float, na_value=np.nan)
    hours = np.where(answered, np.maximum(hours, 0.0), np.nan)
    waited_open = ((cutoff - received) / HOUR).to_numpy(dtype=float, na_value=np.nan)
    overdue = waited_open > threshold_hours
    state = np.where(answered, np.where(hours <= threshold_hours, "on_time", "late"),
                     np.where(overdue, "unanswered_late", "pending"))
    return pd.DataFrame({"response_hours": hours,
                         "hours_waited": np.where(answered, hours, waited_open),
                         "state": state}, index=received.index)


def _prep_messages(buyer_messages: pd.DataFrame, categories: Sequence[str] | None
                   ) -> pd.DataFrame:
    _need(buyer_messages, "buyer_messages",
          KEYS + ["thread_id", "order_id", "received_ts", "first_response_ts", "category"])
    m = buyer_messages
    if categories is not None:
        cats = {str(c).strip().lower() for c in categories}
        m = m[m["category"].astype("string").str.strip().str.lower().isin(cats).fillna(False)]
    bad = m["received_ts"].isna()
    if bad.any():
        raise ParameterError(f"buyer_messages: {int(bad.sum())} message(s) without received_ts "
                             f"(thread ids {m.loc[bad, 'thread_id'].head(5).tolist()}); the "
                             "reader should have quarantined them")
    m = m.reset_index(drop=True)
    m = m.assign(received_date=_local_date(m["received_ts"], m["marketplace"]))
    return m


def message_states(buyer_messages: pd.DataFrame, as_of, *,
                   threshold_hours: float = RESPONSE_HOURS,
                   categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Every buyer message received before the as-of moment, with its response time and state.

    Definition: ``response_hours`` = first seller response minus the buyer message's arrival,
    in elapsed hours (the clock runs on weekends and holidays, as in Amazon's measure). A
    response exactly ``threshold_hours`` after arrival is on time ("within 24 hours").
    ``state`` is one of: {states}.

    Returns one row per message: ``seller_id, marketplace, thread_id, order_id, category,
    received_ts, received_local`` (naive local wall-clock time), ``received_date`` (local day),
    ``first_response_ts`` (<NaT> if none before the as-of moment), ``responded_local``,
    ``response_hours`` (NaN if unanswered), ``hours_waited`` (response hours, or hours from
    arrival to the as-of moment if unanswered), ``state``.

    Example: a US message received 2026-10-31 08:00 PDT and unanswered is ``pending`` as of
    2026-11-01 (16 h waited); one received 2026-10-30 08:00 PDT and unanswered is
    ``unanswered_late`` (40 h).
    """
    as_of = _as_day(as_of)
    m = _prep_messages(buyer_messages, categories)
    cutoff = _cutoffs(m["marketplace"], pd.Series(as_of, index=m.index))
    m = m[(m["received_ts"] < cutoff).to_numpy()]
    cutoff = cutoff[m.index]
    st = _classify(m["received_ts"], m["first_response_ts"], cutoff, threshold_hours)
    resp = m["first_response_ts"].where(m["first_response_ts"] < cutoff)
    out = pd.DataFrame({
        "seller_id": m["seller_id"], "marketplace": m["marketplace"],
        "thread_id": m["thread_id"], "order_id": m["order_id"], "category": m["category"],
        "received_ts": m["received_ts"],
        "received_local": _local_naive(m["received_ts"], m["marketplace"]),
        "received_date": m["received_date"], "first_response_ts": resp,
        "responded_local": _local_naive(resp, m["marketplace"]),
    })
    out = pd.concat([out, st], axis=1)
    return out.sort_values(KEYS + ["received_ts", "thread_id"]).reset_index(drop=True)


message_states.__doc__ = message_states.__doc__.format(states=_STATE_DOC)


_RATE_COLS = ["messages", "answered_within", "late_answered", "unanswered_late", "pending",
              "late", "denominator", "late_response_rate", "answered_within_rate",
              "average_response_hours"]


def _rate_table(st: pd.DataFrame, by: list[str], pending: str) -> pd.DataFrame:
    """Counts and rates per ``by`` group from classified messages."""
    if pending not in ("exclude", "on_time", "late"):
        raise ParameterError("pending must be 'exclude', 'on_time' or 'late', "
                             f"got {pending!r}")
    s = st["state"].to_numpy()
    flags = pd.DataFrame({
        "messages": 1, "answered_within": (s == "on_time").astype(int),
        "late_answered": (s == "late").astype(int),
        "unanswered_late": (s == "unanswered_late").astype(int),
        "pending": (s == "pending").astype(int),
        "hours_sum": np.nan_to_num(st["response_hours"].to_numpy(dtype=float)),
        "answered": (~np.isnan(st["response_hours"].to_numpy(dtype=float))).astype(int),
    }, index=st.index)
    g = pd.concat([st[by], flags], axis=1).groupby(by, sort=True, dropna=False).sum()
    g = g.reset_index()
    g["late"] = g["late_answered"] + g["unanswered_late"]
    g["denominator"] = g["answered_within"] + g["late"]
    if pending == "on_time":
        g["answered_within"] += g["pending"]
        g["denominator"] += g["pending"]
    elif pending == "late":
        g["late"] += g["pending"]
        g["denominator"] += g["pending"]
    g["late_response_rate"] = _div(g["late"], g["denominator"])
    g["answered_within_rate"] = _div(g["answered_within"], g["denominator"])
    g["average_response_hours"] = _div(g["hours_sum"], g["answered"])
    return g.drop(columns=["hours_sum", "answered"])


def response_rates(buyer_messages: pd.DataFrame, as_of, *,
                   windows: Sequence[int] = RESPONSE_WINDOWS,
                   threshold_hours: float = RESPONSE_HOURS,
                   categories: Sequence[str] | None = None,
                   pending: str = "exclude") -> pd.DataFrame:
    """Amazon's Contact Response Time: Late Response Rate and share answered within 24 h.

    Definition (domain.md §1.1; sellercentral help 200549770): over the buyer messages
    *received* in the window (local received date in ``[as_of - N, as_of - 1]``):

    * ``late_response_rate`` = ``late / denominator`` where ``late`` = messages answered more
      than ``threshold_hours`` after arrival (``late_answered``) + messages still unanswered at
      the as-of moment more than ``threshold_hours`` after arrival (``unanswered_late``);
    * ``answered_within_rate`` = ``answered_within / denominator`` (= 1 - late response rate);
    * ``denominator`` = messages whose outcome is known at the as-of moment.

    **Not-yet-late messages** (``pending``: unanswered, received less than ``threshold_hours``
    before the as-of moment) cannot be judged yet. ``pending="exclude"`` (default) leaves them
    out of numerator and denominator and reports their count; ``"on_time"`` counts them as
    answered in time (optimistic), ``"late"`` as late (pessimistic). Messages answered within
    the last ``threshold_hours`` are known on time and always count.

    The clock runs on weekends and holidays (elapsed hours). All message categories count
    (Amazon counts pre-sale questions too) unless ``categories`` restricts them; Amazon's
    "no response needed" marking is not in the data, so such messages count as unanswered.

    Returns one row per ``seller_id, marketplace, window_days`` with ``window_start,
    window_end, threshold_hours`` and ``messages, answered_within, late_answered,
    unanswered_late, pending, late, denominator, late_response_rate, answered_within_rate,
    average_response_hours`` (mean over answered messages). Rates are fractions; NaN when the
    denominator is 0.

    Example: 10 messages in 30 days, 8 answered within 24 h, 1 after 30 h, 1 unanswered for
    3 days -> late_response_rate 2/10 = 0.2, answered_within_rate 0.8.
    """
    as_of = _as_day(as_of)
    st = message_states(buyer_messages, as_of, threshold_hours=threshold_hours,
                        categories=categories)
    groups = _groups(buyer_messages) if len(buyer_messages) else _groups(st)
    frames = []
    for n in windows:
        n = int(n)
        if n <= 0:
            raise ParameterError(f"windows must be positive day counts, got {n}")
        start, end = as_of - n * DAY, as_of - DAY
        w = st[(st["received_date"] >= start) & (st["received_date"] <= end)]
        t = _rate_table(w, KEYS, pending)
        t = groups.merge(t, on=KEYS, how="left")
        cnt = ["messages", "answered_within", "late_answered", "unanswered_late", "pending",
               "late", "denominator"]
        t[cnt] = t[cnt].fillna(0).astype("int64")
        t.insert(2, "window_days", n)
        t.insert(3, "window_start", start)
        t.insert(4, "window_end", end)
        t.insert(5, "threshold_hours", float(threshold_hours))
        frames.append(t)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return out.sort_values(KEYS + ["window_days"]).reset_index(drop=True)


def wismo_rates(buyer_messages: pd.DataFrame, as_of, *, window_days: int = 30,
                threshold_hours: float = WISMO_HOURS,
                categories: Sequence[str] = WISMO_CATEGORIES,
                pending: str = "exclude") -> pd.DataFrame:
    """Share of "where is my order?" messages answered within 12 hours over 30 days.

    Our stricter target (domain.md §1.2: a product choice, not an Amazon metric). Same
    definition and columns as :func:`response_rates` with ``threshold_hours`` = 12 and only
    messages whose ``category`` is in ``categories``; the headline value is
    ``answered_within_rate`` (KPI ``wismo_answered_within_12h_30d``).

    Example: 4 WISMO messages answered after 2, 11, 12 and 13 h -> 3/4 = 0.75 within 12 h.
    """
    return response_rates(buyer_messages, as_of, windows=(window_days,),
                          threshold_hours=threshold_hours, categories=categories,
                          pending=pending)


def response_trend(buyer_messages: pd.DataFrame, start, end, *, window_days: int = 30,
                   threshold_hours: float = RESPONSE_HOURS,
                   categories: Sequence[str] | None = None,
                   pending: str = "exclude") -> pd.DataFrame:
    """Daily trend of :func:`response_rates`: the metric for each as-of day in ``[start, end]``.

    Each row is what :func:`response_rates` returns for that ``as_of`` and ``window_days``
    (messages received in the ``window_days`` local days before it, judged at its as-of
    moment). Computed vectorised: each message is expanded to the ``window_days`` as-of days
    whose window contains it.

    Returns ``seller_id, marketplace, as_of, window_days, threshold_hours`` and the count and
    rate columns of :func:`response_rates`; one row per day (days without messages have
    zero counts and NaN rates).
    """
    start, end = _as_day(start), _as_day(end)
    if end < start:
        raise ParameterError(f"trend end {end.date()} is before start {start.date()}")
    n = int(window_days)
    m = _prep_messages(buyer_messages, categories)
    groups = _groups(buyer_messages) if len(buyer_messages) else _groups(m)
    days = pd.date_range(start, end, freq="D")
    if len(m):
        rep = np.repeat(np.arange(len(m)), n)
        offs = np.tile(np.arange(1, n + 1), len(m))
        x = m.iloc[rep].reset_index(drop=True)
        x["as_of"] = x["received_date"].to_numpy() + offs.astype("timedelta64[D]")
        x = x[(x["as_of"] >= start) & (x["as_of"] <= end)].reset_index(drop=True)
        cut = _cutoffs(x["marketplace"], x["as_of"])
        x = x[(x["received_ts"] < cut).to_numpy()]
        st = _classify(x["received_ts"], x["first_response_ts"], cut[x.index], threshold_hours)
        st = pd.concat([x[KEYS + ["as_of"]], st], axis=1)
    else:
        st = pd.DataFrame({k: pd.Series(dtype="string") for k in KEYS}
                          | {"as_of": pd.Series(dtype="datetime64[ns]"),
                             "response_hours": pd.Series(dtype=float),
                             "hours_waited": pd.Series(dtype=float),
                             "state": pd.Series(dtype=object)})
    t = _rate_table(st, KEYS + ["as_of"], pending)
    full = groups.merge(pd.DataFrame({"as_of": days}), how="cross")
    t = full.merge(t, on=KEYS + ["as_of"], how="left")
    cnt = ["messages", "answered_within", "late_answered", "unanswered_late", "pending", "late",
           "denominator"]
    t[cnt] = t[cnt].fillna(0).astype("int64")
    t.insert(3, "window_days", n)
    t.insert(4, "threshold_hours", float(threshold_hours))
    return t.sort_values(KEYS + ["as_of"]).reset_index(drop=True)


def late_and_unanswered(buyer_messages: pd.DataFrame, as_of, *, window_days: int = 30,
                        threshold_hours: float = RESPONSE_HOURS,
                        include_pending: bool = True) -> pd.DataFrame:
    """Action list: messages answered late, unanswered and overdue, and (optionally) unanswered
    but not yet late, received in the ``window_days`` local days before ``as_of``.

    Columns: ``seller_id, marketplace, state`` (``unanswered_late``, ``pending``, ``late``),
    ``thread_id, order_id, category, received_local`` (marketplace-local wall-clock time),
    ``responded_local``, ``hours_waited`` (hours to the first response, or from arrival to the
    as-of moment if unanswered), ``hours_left`` (for pending: hours until it becomes late).
    Sorted: unanswered first (longest wait first), then pending (least time left first), then
    answered late.
    """
    as_of = _as_day(as_of)
    st = message_states(buyer_messages, as_of, threshold_hours=threshold_hours)
    st = st[st["received_date"] >= as_of - int(window_days) * DAY]
    keep = ["unanswered_late", "late"] + (["pending"] if include_pending else [])
    st = st[st["state"].isin(keep)].copy()
    st["hours_left"] = np.where(st["state"] == "pending",
                                threshold_hours - st["hours_waited"], np.nan)
    order = {"unanswered_late": 0, "pending": 1, "late": 2}
    st["_o"] = st["state"].map(order)
    st["_k"] = np.where(st["state"] == "pending", st["hours_left"], -st["hours_waited"])
    st = st.sort_values(KEYS + ["_o", "_k", "thread_id"])
    cols = KEYS + ["state", "thread_id", "order_id", "category", "received_local",
                   "responded_local", "hours_waited", "hours_left"]
    out = st[cols].reset_index(drop=True)
    out["hours_waited"] = out["hours_waited"].round(2)
    out["hours_left"] = out["hours_left"].round(2)
    return out


def response_distribution(buyer_messages: pd.DataFrame, as_of, *, window_days: int = 90,
                          percentiles: Sequence[float] = (0.5, 0.75, 0.9, 0.95, 0.99),
                          by_category: bool = False) -> pd.DataFrame:
    """Distribution of response hours of the messages received in the window.

    Percentiles (linear interpolation, as ``numpy.percentile``) and mean are over *answered*
    messages (first response before the as-of moment); ``unanswered`` counts the others,
    ``share_unanswered`` = unanswered / messages. Columns: ``seller_id, marketplace``
    [``category``], ``messages, answered, unanswered, share_unanswered, mean_hours``,
    ``p50, p75, ...`` (hours).
    """
    as_of = _as_day(as_of)
    st = message_states(buyer_messages, as_of)
    st = st[st["received_date"] >= as_of - int(window_days) * DAY]
    by = KEYS + (["category"] if by_category else [])
    h = st["response_hours"]
    base = st.assign(answered=h.notna().astype(int), unanswered=h.isna().astype(int),
                     messages=1).groupby(by, sort=True)[["messages", "answered",
                                                         "unanswered"]].sum()
    base["share_unanswered"] = _div(base["unanswered"], base["messages"])
    ans = st[h.notna()]
    base["mean_hours"] = ans.groupby(by)["response_hours"].mean()
    qs = [float(p) for p in percentiles]
    if any(not 0 <= p <= 1 for p in qs):
        raise ParameterError(f"percentiles are fractions in [0, 1], got {list(percentiles)}")
    if len(ans) and qs:
        q = ans.groupby(by)["response_hours"].quantile(qs).unstack()
        q.columns = [f"p{round(p * 100):d}" if (p * 100).is_integer() else f"p{p * 100:g}"
                     for p in qs]
        base = base.join(q)
    else:
        for p in qs:
            base[f"p{round(p * 100):d}"] = np.nan
    return base.reset_index()


# ---------------------------------------------------------------------------------------------
# Returns
# ---------------------------------------------------------------------------------------------

def reason_code(reason: pd.Series) -> pd.Series:
    """Normalised return reason code: upper case, ``CR-`` prefix of seller-fulfilled codes
    removed (``CR-SWITCHEROO`` -> ``SWITCHEROO``), blank -> ``UNKNOWN``."""
    r = reason.astype("string").str.strip().str.upper().str.replace(r"^CR-", "", regex=True)
    return r.mask(r.isna() | (r == ""), "UNKNOWN")


def _shipped_units(orders: pd.DataFrame) -> pd.DataFrame:
    _need(orders, "orders", KEYS + ["order_id", "purchase_ts", "order_status", "sku",
                                    "quantity"])
    o = orders
    item = (o["item_status"].astype("string").str.strip().str.lower()
            if "item_status" in o else pd.Series(pd.NA, index=o.index, dtype="string"))
    ost = o["order_status"].astype("string").str.strip().str.lower()
    shipped = item.eq("shipped").fillna(False) | (item.isna() & ost.isin(_SHIPPED_ORDER))
    s = o[shipped.to_numpy(dtype=bool)]
    return s.assign(purchase_date=_local_date(s["purchase_ts"], s["marketplace"]),
                    units=s["quantity"].fillna(0).astype("int64"))


def _returns_dated(returns: pd.DataFrame) -> pd.DataFrame:
    _need(returns, "returns", KEYS + ["return_ts", "order_id", "sku", "quantity", "reason"])
    bad = returns["return_ts"].isna()
    if bad.any():
        raise ParameterError(f"returns: {int(bad.sum())} row(s) without return_ts (orders "
                             f"{returns.loc[bad, 'order_id'].head(5).tolist()}); the reader "
                             "should have quarantined them")
    r = returns.reset_index(drop=True)
    return r.assign(return_date=_local_date(r["return_ts"], r["marketplace"]),
                    reason_code=reason_code(r["reason"]),
                    units=r["quantity"].fillna(1).astype("int64"))


def return_rates(orders: pd.DataFrame, returns: pd.DataFrame, as_of, *,
                 window_days: int = 90, by: Sequence[str] = ("sku",)) -> pd.DataFrame:
    """Return rate by SKU: units returned / units shipped over the same window.

    Definition (period basis, like Amazon's Sales and Traffic ``refundRate`` = units refunded /
    units ordered in the same period): numerator = units in ``returns`` whose local return
    date is in ``[as_of - N, as_of - 1]``; denominator = units of shipped order items
    (``item_status`` Shipped, or an order status Shipped / Delivered when item status is
    missing; cancelled and not-yet-shipped items excluded) whose local *purchase* date is in
    the same window (the orders table has no ship date for FBA items). On a steady business
    this equals the share of sold units that come back; after a sales jump it lags.

    Returns ``seller_id, marketplace, <by...>, window_start, window_end, units_shipped,
    units_returned, returns`` (rows) ``, return_rate`` (fraction; NaN without shipped units:
    such SKUs are kept so no return disappears), sorted by units returned.

    Example: SKU A ships 40 units in the window and 3 come back -> 3/40 = 0.075.
    """
    as_of = _as_day(as_of)
    by = list(by)
    start, end = as_of - int(window_days) * DAY, as_of - DAY
    s = _shipped_units(orders)
    s = s[(s["purchase_date"] >= start) & (s["purchase_date"] <= end)]
    r = _returns_dated(returns)
    r = r[(r["return_date"] >= start) & (r["return_date"] <= end)]
    g_s = s.groupby(KEYS + by, dropna=False)["units"].sum().rename("units_shipped")
    g_r = r.assign(n=1).groupby(KEYS + by, dropna=False).agg(
        units_returned=("units", "sum"), returns=("n", "sum"))
    t = pd.concat([g_s, g_r], axis=1).fillna(0).astype("int64").reset_index()
    t["return_rate"] = _div(t["units_returned"], t["units_shipped"])
    t.insert(len(KEYS) + len(by), "window_start", start)
    t.insert(len(KEYS) + len(by) + 1, "window_end", end)
    t = t.sort_values(KEYS + ["units_returned", "units_shipped"] + by,
                      ascending=[True, True, False, False] + [True] * len(by))
    return t.reset_index(drop=True)


def return_reasons(returns: pd.DataFrame, as_of, *, window_days: int = 90,
                   by_sku: bool = False) -> pd.DataFrame:
    """Returns by normalised reason code (see :func:`reason_code`) over the window.

    Columns: ``seller_id, marketplace`` [``sku``] ``, reason_code, returns`` (rows),
    ``units, share_of_units`` (units / all returned units of the marketplace [and SKU]),
    ``window_start, window_end``. FBA (``SWITCHEROO``) and seller-fulfilled
    (``CR-SWITCHEROO``) codes are pooled under one code.
    """
    as_of = _as_day(as_of)
    start, end = as_of - int(window_days) * DAY, as_of - DAY
    r = _returns_dated(returns)
    r = r[(r["return_date"] >= start) & (r["return_date"] <= end)]
    by = KEYS + (["sku"] if by_sku else [])
    t = r.assign(n=1).groupby(by + ["reason_code"], sort=True).agg(
        returns=("n", "sum"), units=("units", "sum")).reset_index()
    tot = t.groupby(by)["units"].transform("sum")
    t["share_of_units"] = _div(t["units"], tot)
    t["window_start"], t["window_end"] = start, end
    return t.sort_values(by + ["units", "reason_code"],
                         ascending=[True] * len(by) + [False, True]).reset_index(drop=True)


def wrong_item_returns(returns: pd.DataFrame, as_of=None, *,
                       inventory_ledger: pd.DataFrame | None = None,
                       window_days: int | None = None,
                       wrong_item_reasons: Sequence[str] = WRONG_ITEM_REASONS,
                       max_ledger_days: int = 30) -> pd.DataFrame:
    """Wrong-item incidents (a return whose reason says the wrong item was sent), with the SKU
    that actually came back where the data can tell.

    Incidents: returns whose :func:`reason_code` is in ``wrong_item_reasons`` (default
    :data:`WRONG_ITEM_REASONS`), dated before the as-of moment (and within ``window_days`` if
    given). The returns reports name the SKU *ordered*; the canonical ``returns`` table has no
    "SKU received" column. ``received_sku`` is taken, in order:

    1. from a ``received_sku`` column in ``returns`` if present (``received_sku_source``
       ``returns``) -- not in the contract today, see the module report;
    2. from the FBA Inventory Ledger (``inventory_ledger``): the ``CustomerReturns`` event
       whose ``reference_id`` is the order id, dated within ``max_ledger_days`` of the return,
       booked under a SKU other than the one ordered (FBA books a returned unit under the SKU
       it scanned) and not a SKU of another return row of the same order; the nearest date
       wins (``received_sku_source`` ``ledger``);
    3. else ``<NA>`` (``unknown``): seller-fulfilled wrong-item returns carry no received SKU.

    Columns: ``seller_id, marketplace, order_id, return_date, fulfillment_channel,
    ordered_sku, received_sku, received_sku_source, reason, quantity``.
    """
    r = _returns_dated(returns)
    codes = {str(c).strip().upper().removeprefix("CR-") for c in wrong_item_reasons}
    r = r[r["reason_code"].isin(codes).to_numpy(dtype=bool)]
    if as_of is not None:
        as_of = _as_day(as_of)
        r = r[(r["return_date"] < as_of).to_numpy()]
        if window_days is not None:
            r = r[(r["return_date"] >= as_of - int(window_days) * DAY).to_numpy()]
    all_r = _returns_dated(returns)
    r = r.reset_index(drop=True)
    r["_i"] = np.arange(len(r))
    received = pd.Series(pd.NA, index=r.index, dtype="string")
    source = pd.Series("unknown", index=r.index, dtype="string")
    if "received_sku" in r.columns:
        rc = r["received_sku"].astype("string").str.strip()
        ok = rc.notna() & (rc != "")
        received = received.mask(ok, rc)
        source = source.mask(ok, "returns")
    if inventory_ledger is not None and len(inventory_ledger) and len(r):
        _need(inventory_ledger, "inventory_ledger",
              KEYS + ["event_date", "sku", "event_type", "reference_id"])
        led = inventory_ledger
        led = led[led["event_type"].astype("string").str.replace(r"[\s_]", "", regex=True)
                  .str.lower().eq("customerreturns").fillna(False).to_numpy(dtype=bool)]
        led = led[KEYS + ["reference_id", "sku", "event_date"]].rename(
            columns={"reference_id": "order_id", "sku": "led_sku", "event_date": "led_date"})
        cand = r[KEYS + ["order_id", "sku", "return_date", "_i"]].merge(
            led, on=KEYS + ["order_id"], how="inner")
        # SKUs that other return rows of the same order already explain
        own = all_r[KEYS + ["order_id", "sku"]].drop_duplicates().rename(
            columns={"sku": "led_sku"}).assign(_own=True)
        cand = cand.merge(own, on=KEYS + ["order_id", "led_sku"], how="left")
        gap = (cand["led_date"] - cand["return_date"]).abs() / DAY
        cand = cand[(cand["led_sku"] != cand["sku"]).fillna(False).to_numpy(dtype=bool)
                    & cand["_own"].isna().to_numpy()
                    & (gap <= max_ledger_days).to_numpy()]
        cand = cand.assign(_gap=gap[cand.index]).sort_values(["_i", "_gap", "led_sku"])
        best = cand.drop_duplicates("_i").set_index("_i")["led_sku"]
        fill = received.isna() & r["_i"].isin(best.index)
        received = received.mask(fill, r["_i"].map(best).astype("string"))
        source = source.mask(fill, "ledger")
    out = pd.DataFrame({
        "seller_id": r["seller_id"], "marketplace": r["marketplace"],
        "order_id": r["order_id"], "return_date": r["return_date"],
        "fulfillment_channel": (r["fulfillment_channel"] if "fulfillment_channel" in r
                                else pd.Series(pd.NA, index=r.index, dtype="string")),
        "ordered_sku": r["sku"], "received_sku": received, "received_sku_source": source,
        "reason": r["reason"], "quantity": r["units"],
    })
    return out.sort_values(KEYS + ["return_date", "order_id"]).reset_index(drop=True)


def confused_sku_pairs(wrong_items: pd.DataFrame) -> pd.DataFrame:
    """Pairs of SKUs confused for each other, from :func:`wrong_item_returns`.

    One row per unordered pair (``sku_a`` < ``sku_b`` alphabetically) per seller and
    marketplace: ``incidents`` (return rows), ``units``, ``a_ordered_b_sent`` and
    ``b_ordered_a_sent`` (incidents in each direction), ``first_date``, ``last_date`` (local
    return dates). Incidents whose received SKU is unknown form rows with ``sku_b`` <NA> and
    the ordered SKU as ``sku_a`` (the SKU to check in the warehouse). Sorted by incidents.
    """
    w = wrong_items
    if not len(w):
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in [
            ("seller_id", "string"), ("marketplace", "string"), ("sku_a", "string"),
            ("sku_b", "string"), ("incidents", "int64"), ("units", "int64"),
            ("a_ordered_b_sent", "int64"), ("b_ordered_a_sent", "int64"),
            ("first_date", "datetime64[ns]"), ("last_date", "datetime64[ns]")]})
    o, rcv = w["ordered_sku"].astype("string"), w["received_sku"].astype("string")
    known = rcv.notna().to_numpy(dtype=bool)
    a = o.where(~known | (o <= rcv).fillna(True), rcv)
    b = rcv.where(~known | (o <= rcv).fillna(True), o)
    x = w.assign(sku_a=a, sku_b=b, n=1,
                 ab=((o == a) & known).astype(int), ba=((rcv == a) & known).astype(int))
    t = x.groupby(KEYS + ["sku_a", "sku_b"], dropna=False, sort=True).agg(
        incidents=("n", "sum"), units=("quantity", "sum"), a_ordered_b_sent=("ab", "sum"),
        b_ordered_a_sent=("ba", "sum"), first_date=("return_date", "min"),
        last_date=("return_date", "max")).reset_index()
    t[["incidents", "units", "a_ordered_b_sent", "b_ordered_a_sent"]] = t[
        ["incidents", "units", "a_ordered_b_sent", "b_ordered_a_sent"]].astype("int64")
    return t.sort_values(KEYS + ["incidents", "sku_a"], ascending=[True, True, False, True]
                         ).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Request a Review
# ---------------------------------------------------------------------------------------------

REVIEW_STATUSES = ("eligible", "not_yet_eligible", "expired", "already_requested",
                   "cancelled", "returned", "refunded", "claimed", "not_shipped")


class SelectiveSolicitationWarning(UserWarning):
    """Returned, refunded or claimed orders were dropped from the Request a Review list: our
    option, not Amazon's rule, and close to what Amazon forbids (asking only buyers who had a
    good experience, help G201972160)."""


SELECTIVE_NOTE = (
    "Returned, refunded and claimed orders are left out of the Request a Review list because "
    "this option was turned on. This is not an Amazon rule: Amazon's policy forbids asking for "
    "reviews only from buyers who had a positive experience (sellercentral help G201972160), "
    "and leaving out the buyers who returned, got a refund or filed a claim comes close to "
    "that. Amazon's own Request a Review button stays available for these orders.")


def _order_level(orders: pd.DataFrame) -> pd.DataFrame:
    _need(orders, "orders", KEYS + ["order_id", "purchase_ts", "order_status", "sku",
                                    "fulfillment_channel"])
    o = orders
    st = o["order_status"].astype("string").str.strip().str.lower()
    x = pd.DataFrame({"seller_id": o["seller_id"], "marketplace": o["marketplace"],
                      "order_id": o["order_id"], "sku": o["sku"].astype("string"),
                      "fulfillment_channel": o["fulfillment_channel"],
                      "purchase_ts": o["purchase_ts"],
                      "shipped": st.isin(_SHIPPED_ORDER).fillna(False),
                      "cancelled": st.isin(_CANCELLED).fillna(False)})
    g = x.groupby(KEYS + ["order_id"], sort=True)
    out = g.agg(fulfillment_channel=("fulfillment_channel", "first"),
                purchase_ts=("purchase_ts", "min"), shipped=("shipped", "any"),
                all_cancelled=("cancelled", "all"))
    skus = x.dropna(subset=["sku"]).drop_duplicates(KEYS + ["order_id", "sku"]).sort_values(
        KEYS + ["order_id", "sku"]).groupby(KEYS + ["order_id"])["sku"].agg("; ".join)
    out["sku"] = skus
    return out.reset_index()


def _ids(df: pd.DataFrame | Iterable[str] | None, ts_col: str | None = None,
         cutoff_of=None) -> pd.DataFrame:
    """(seller_id?, marketplace?, order_id, date) rows from a table or a plain list of ids."""
    if df is None:
        return pd.DataFrame({"order_id": pd.Series(dtype="string")})
    if not isinstance(df, pd.DataFrame):
        return pd.DataFrame({"order_id": pd.Series(list(df), dtype="string")})
    if "order_id" not in df.columns:
        raise ParameterError("an order-id table needs an 'order_id' column")
    cols = [c for c in KEYS if c in df.columns] + ["order_id"]
    out = df[cols].copy()
    out["order_id"] = out["order_id"].astype("string")
    if ts_col and ts_col in df.columns and "marketplace" in df.columns:
        out["date"] = _local_date(df[ts_col], df["marketplace"].astype("string"))
    return out.dropna(subset=["order_id"])


def _flag(base: pd.DataFrame, ids: pd.DataFrame, name: str, as_of: pd.Timestamp | None
          ) -> pd.DataFrame:
    """Add boolean ``name`` (order in ``ids``, dated before ``as_of`` when dated) and
    ``name_date`` (earliest date). Rows of ``ids`` without seller / marketplace (a plain list
    of order ids) match the order id in any account and marketplace."""
    ids = ids.copy()
    if "date" not in ids:
        ids["date"] = pd.NaT
    for k in KEYS:
        if k not in ids:
            ids[k] = pd.Series(pd.NA, index=ids.index, dtype="string")
    if as_of is not None:
        ids = ids[(ids["date"].isna() | (ids["date"] < as_of)).to_numpy(dtype=bool)]
    keyed = ids[KEYS].notna().all(axis=1).to_numpy(dtype=bool)
    a = ids[keyed].groupby(KEYS + ["order_id"])["date"].min().rename("_d1").reset_index()
    b = ids[~keyed].groupby("order_id")["date"].min().rename("_d2").reset_index()
    a["_f1"], b["_f2"] = True, True
    out = base.merge(a, on=KEYS + ["order_id"], how="left").merge(b, on="order_id", how="left")
    out[name] = (out["_f1"].fillna(False) | out["_f2"].fillna(False)).astype(bool)
    out[f"{name}_date"] = out[["_d1", "_d2"]].min(axis=1)
    # an undated flag makes the order excluded from the start
    undated = (out["_f1"].fillna(False) & out["_d1"].isna()) | (out["_f2"].fillna(False)
                                                                 & out["_d2"].isna())
    out[f"{name}_undated"] = undated.astype(bool)
    return out.drop(columns=["_d1", "_d2", "_f1", "_f2"])


def _delivery_windows(base: pd.DataFrame, order_promises, fba_shipments,
                      fallback_delivery_days) -> pd.DataFrame:
    b = base
    b["earliest_delivery_date"] = pd.Series(pd.NaT, index=b.index, dtype="datetime64[ns]")
    b["latest_delivery_date"] = pd.Series(pd.NaT, index=b.index, dtype="datetime64[ns]")
    b["dates_source"] = pd.Series(pd.NA, index=b.index, dtype="string")

    def fill(src: pd.DataFrame, e_col: str, l_col: str, label: str):
        nonlocal b
        src = src.dropna(subset=[e_col, l_col], how="all")
        if not len(src):
            return
        mp = src["marketplace"].astype("string")
        d = pd.DataFrame({"seller_id": src["seller_id"], "marketplace": src["marketplace"],
                          "order_id": src["order_id"].astype("string"),
                          "_e": _local_date(src[e_col].fillna(src[l_col]), mp),
                          "_l": _local_date(src[l_col].fillna(src[e_col]), mp)})
        d = d.groupby(KEYS + ["order_id"]).agg(_e=("_e", "min"), _l=("_l", "max")).reset_index()
        b = b.merge(d, on=KEYS + ["order_id"], how="left")
        use = b["dates_source"].isna() & b["_e"].notna()
        b.loc[use, "earliest_delivery_date"] = b.loc[use, "_e"]
        b.loc[use, "latest_delivery_date"] = b.loc[use, "_l"]
        b.loc[use, "dates_source"] = label
        b = b.drop(columns=["_e", "_l"])

    if order_promises is not None and len(order_promises):
        _need(order_promises, "order_promises",
              KEYS + ["order_id", "earliest_delivery_ts", "latest_delivery_ts"])
        fill(order_promises, "earliest_delivery_ts", "latest_delivery_ts", "promise")
    if fba_shipments is not None and len(fba_shipments):
        _need(fba_shipments, "fba_shipments", KEYS + ["order_id", "estimated_arrival_ts"])
        fill(fba_shipments, "estimated_arrival_ts", "estimated_arrival_ts",
             "fba_estimated_arrival")
    e_days, l_days = fallback_delivery_days
    fba = b["fulfillment_channel"].astype("string").str.strip().str.lower().isin(_FBA_CHANNELS)
    rest = b["dates_source"].isna() & fba.fillna(False).to_numpy(dtype=bool)
    pdate = _local_date(b["purchase_ts"], b["marketplace"].astype("string"))
    b.loc[rest, "earliest_delivery_date"] = pdate[rest] + int(e_days) * DAY
    b.loc[rest, "latest_delivery_date"] = pdate[rest] + int(l_days) * DAY
    b.loc[rest, "dates_source"] = "assumed_from_purchase"
    return b


def _requested_ids(requested_order_ids, review_requests) -> pd.DataFrame:
    """Orders already asked for a review: the seller's request log (table ``review_requests``,
    dated by ``requested_ts``) and/or a list of order ids."""
    parts = []
    if review_requests is not None and len(review_requests):
        _need(review_requests, "review_requests", ["order_id"])
        parts.append(_ids(review_requests, "requested_ts"))
    if requested_order_ids is not None:
        parts.append(_ids(requested_order_ids, "requested_ts"))
    parts = [x for x in parts if len(x)]
    return pd.concat(parts, ignore_index=True) if parts else _ids(None)


def _review_base(orders, order_promises, fba_shipments, returns, claims, requested_order_ids,
                 refunded_order_ids, fallback_delivery_days, start_days, end_days, as_of,
                 review_requests=None):
    base = _order_level(orders)
    base = _delivery_windows(base, order_promises, fba_shipments, fallback_delivery_days)
    base["eligible_from"] = base["earliest_delivery_date"] + int(start_days) * DAY
    base["eligible_until"] = base["latest_delivery_date"] + int(end_days) * DAY
    rets = returns
    if rets is not None and len(rets):
        _need(rets, "returns", KEYS + ["order_id", "return_ts"])
        refunded = rets[(rets["refunded_amount"].fillna(0) > 0).to_numpy()] \
            if "refunded_amount" in rets else rets.iloc[:0]
    else:
        refunded = None
    refund_ids = _ids(refunded, "return_ts")
    if refunded_order_ids is not None:
        refund_ids = pd.concat([refund_ids, _ids(refunded_order_ids)], ignore_index=True)
    base = _flag(base, _ids(rets, "return_ts"), "returned", as_of)
    base = _flag(base, refund_ids, "refunded", as_of)
    base = _flag(base, _ids(claims, "claim_ts"), "claimed", as_of)
    # a request logged on the as-of day itself (after the report ran) is already sent: an
    # order is never listed again once it is in the log
    base = _flag(base, _requested_ids(requested_order_ids, review_requests), "requested",
                 None if as_of is None else as_of + DAY)
    return base


def _review_status(b: pd.DataFrame, as_of: pd.Timestamp, exclude: bool) -> pd.Series:
    no = pd.Series(False, index=b.index)
    conds = [b["all_cancelled"], ~b["shipped"], b["requested"],
             b["claimed"] if exclude else no, b["returned"] if exclude else no,
             b["refunded"] if exclude else no, b["eligible_from"].isna(),
             b["eligible_until"] < as_of, b["eligible_from"] > as_of]
    labels = ["cancelled", "not_shipped", "already_requested", "claimed", "returned",
              "refunded", "no_delivery_date", "expired", "not_yet_eligible"]
    return pd.Series(np.select([c.to_numpy(dtype=bool) for c in conds], labels,
                               default="eligible"), index=b.index, dtype="string")


def review_request_schedule(orders: pd.DataFrame, as_of, *,
                            order_promises: pd.DataFrame | None = None,
                            fba_shipments: pd.DataFrame | None = None,
                            returns: pd.DataFrame | None = None,
                            claims: pd.DataFrame | None = None,
                            requested_order_ids: pd.DataFrame | Iterable[str] | None = None,
                            refunded_order_ids: pd.DataFrame | Iterable[str] | None = None,
                            review_requests: pd.DataFrame | None = None,
                            exclude_returned_refunded_claimed: bool = False,
                            fallback_delivery_days: tuple[int, int] = FALLBACK_DELIVERY_DAYS,
                            start_days: int = REVIEW_START_DAYS,
                            end_days: int = REVIEW_END_DAYS,
                            include_ineligible: bool = False) -> pd.DataFrame:
    """Request a Review: which orders may be asked today, and when the others may be.

    Rule (domain.md §3; Solicitations API guide): a request may be sent from ``start_days``
    (5) days after the order's earliest delivery date to ``end_days`` (30) days after its
    latest delivery date, both inclusive, in marketplace-local days; **one request per order**
    ("Send only one productReviewAndSellerFeedback or free form proactive message per order",
    Solicitations API model). An order is ``eligible`` on ``as_of`` when, in this order of
    precedence, it is not ``cancelled`` (every item cancelled), is shipped (status Shipped /
    Delivered, else ``not_shipped``: Amazon waits for Shipped), has not been asked already
    (``already_requested``: in the seller's request log ``review_requests`` -- any request
    dated up to the end of the as-of day, or undated -- or in ``requested_order_ids``; such an
    order is never listed again), and ``eligible_from <= as_of <= eligible_until`` (else
    ``not_yet_eligible`` or ``expired``).

    **Returned, refunded and claimed orders stay on the list by default.** Amazon forbids
    asking for reviews only from buyers who had a good experience (help G201972160), and
    Amazon's own button asks every buyer. ``exclude_returned_refunded_claimed=True`` drops
    orders with an A-to-z claim (``claimed``, any status), a return (``returned``) or a refund
    (``refunded``: a return with a refunded amount, or ``refunded_order_ids``) known before the
    as-of moment; it is our option, not Amazon's rule, and raises
    :class:`SelectiveSolicitationWarning` (text :data:`SELECTIVE_NOTE`). Either way the
    columns ``returned, refunded, claimed`` show what is known about each order.

    Delivery dates (``dates_source``): ``promise`` = the order flat file's earliest / latest
    delivery dates (``order_promises``, seller-fulfilled); ``fba_estimated_arrival`` = the
    Amazon Fulfilled Shipments ``estimated-arrival-date`` (earliest and latest = first and last
    shipment's estimate); ``assumed_from_purchase`` = local purchase date +
    ``fallback_delivery_days`` (default 2 and 5 days; FBA orders without shipment rows). The
    fallback is our assumption: Amazon's own dates may differ by a day or two at each end.
    A seller-fulfilled order without the order report's delivery dates gets no assumed window
    (its transit time is the seller's carrier's, not Amazon's): its status is
    ``no_delivery_date`` and it is never listed as eligible (download the order report, see
    docs/INPUTS.md).

    Returns one row per order (multi-item orders: SKUs joined with ``"; "``; an order is
    never listed twice), ready for CSV: ``seller_id, marketplace, order_id, sku,
    fulfillment_channel, purchase_date`` (marketplace-local day), ``earliest_delivery_date, latest_delivery_date, dates_source,
    eligible_from, eligible_until, status, days_until_eligible`` (0 when eligible; days to
    wait when not yet eligible), ``returned, refunded, claimed``. By default only ``eligible``
    and ``not_yet_eligible`` orders (the action list: eligible first, the soonest to expire
    first; then the others by the date they become eligible); ``include_ineligible=True``
    gives every order with its status.

    Example: a US order with earliest delivery 2026-10-20 and latest 2026-10-24 can be asked
    from 2026-10-25 to 2026-11-23; as of 2026-11-01 it is ``eligible``.
    """
    as_of = _as_day(as_of)
    if exclude_returned_refunded_claimed:
        warnings.warn(SELECTIVE_NOTE, SelectiveSolicitationWarning, stacklevel=2)
    b = _review_base(orders, order_promises, fba_shipments, returns, claims,
                     requested_order_ids, refunded_order_ids, fallback_delivery_days,
                     start_days, end_days, as_of, review_requests)
    b["status"] = _review_status(b, as_of, exclude_returned_refunded_claimed)
    b["days_until_eligible"] = np.where(
        b["status"] == "not_yet_eligible", (b["eligible_from"] - as_of) / DAY,
        np.where(b["status"] == "eligible", 0, np.nan))
    b["days_until_eligible"] = b["days_until_eligible"].astype("Int64")
    if not include_ineligible:
        b = b[b["status"].isin(["eligible", "not_yet_eligible"]).to_numpy(dtype=bool)]
    b = b.assign(_o=(b["status"] != "eligible").astype(int),
                 _k=b["eligible_until"].where(b["status"] == "eligible", b["eligible_from"]))
    b = b.sort_values(KEYS + ["_o", "_k", "order_id"])
    b["purchase_date"] = _local_date(b["purchase_ts"], b["marketplace"].astype("string"))
    cols = KEYS + ["order_id", "sku", "fulfillment_channel", "purchase_date",
                   "earliest_delivery_date", "latest_delivery_date", "dates_source",
                   "eligible_from", "eligible_until", "status", "days_until_eligible",
                   "returned", "refunded", "claimed"]
    out = b[cols].reset_index(drop=True)
    if out.duplicated(KEYS + ["order_id"]).any():  # one row per order, by construction
        raise AssertionError("review_request_schedule listed an order twice")
    return out


def review_orders_without_dates(schedule: pd.DataFrame, as_of, *,
                                recent_days: int = REVIEW_END_DAYS) -> pd.DataFrame:
    """Shipped seller-fulfilled orders left off the Request a Review list for want of
    delivery dates, per marketplace: the ``no_delivery_date`` rows of
    :func:`review_request_schedule` (``include_ineligible=True``) bought in the ``recent_days``
    days before the as-of day (local purchase day from ``as_of - recent_days`` to the day
    before ``as_of``, as every window here ends the day before the as-of date).

    Why these: an order is delivered on or after its purchase day, so its review window ends
    no earlier than purchase + ``end_days`` (30, :data:`REVIEW_END_DAYS`): every order bought
    in the last 30 days may still be inside its window. The count is a lower bound on what the
    missing order report hides, with no assumption about transit times. Returns
    ``seller_id, marketplace, orders`` (marketplaces with at least one such order).

    Example: as of 2026-11-01 an undated order bought on 2026-10-02 is counted (its window
    lasts at least until 11-01), one bought on 2026-10-01 is not.
    """
    as_of = _as_day(as_of)
    _need(schedule, "schedule", KEYS + ["order_id", "purchase_date", "status"])
    s = schedule[(schedule["status"] == "no_delivery_date").fillna(False).to_numpy(dtype=bool)]
    recent = ((s["purchase_date"] >= as_of - int(recent_days) * DAY)
              & (s["purchase_date"] < as_of)).fillna(False).to_numpy(dtype=bool)
    return s[recent].groupby(KEYS)["order_id"].nunique().rename("orders").reset_index()


def review_requests_trend(orders: pd.DataFrame, start, end, *,
                          order_promises: pd.DataFrame | None = None,
                          fba_shipments: pd.DataFrame | None = None,
                          returns: pd.DataFrame | None = None,
                          claims: pd.DataFrame | None = None,
                          requested_order_ids: pd.DataFrame | Iterable[str] | None = None,
                          refunded_order_ids: pd.DataFrame | Iterable[str] | None = None,
                          review_requests: pd.DataFrame | None = None,
                          exclude_returned_refunded_claimed: bool = False,
                          fallback_delivery_days: tuple[int, int] = FALLBACK_DELIVERY_DAYS,
                          start_days: int = REVIEW_START_DAYS,
                          end_days: int = REVIEW_END_DAYS) -> pd.DataFrame:
    """Daily count of orders eligible for a review request, for each day in ``[start, end]``.

    Same rule as :func:`review_request_schedule`; an order counts on day ``d`` when ``d`` is in
    its eligibility window and it was not requested before ``d`` (a request dated ``d`` is sent
    during ``d``: the order still counts that morning). With
    ``exclude_returned_refunded_claimed`` (our option, off by default, warns) a return, refund
    or claim with a local date before ``d`` also takes it out. Cancellation and shipped status
    are taken as they are in the data (not back-dated); an undated request takes the order out
    from the start. Vectorised with day-difference arrays. Columns: ``seller_id, marketplace,
    as_of, eligible``.
    """
    start, end = _as_day(start), _as_day(end)
    if end < start:
        raise ParameterError(f"trend end {end.date()} is before start {start.date()}")
    if exclude_returned_refunded_claimed:
        warnings.warn(SELECTIVE_NOTE, SelectiveSolicitationWarning, stacklevel=2)
    b = _review_base(orders, order_promises, fba_shipments, returns, claims,
                     requested_order_ids, refunded_order_ids, fallback_delivery_days,
                     start_days, end_days, None, review_requests)
    days = pd.date_range(start, end, freq="D")
    nd = len(days)
    ok = (~b["all_cancelled"] & b["shipped"]).to_numpy(dtype=bool).copy()
    stop = b["eligible_until"] + DAY
    ok &= ~b["requested_undated"].to_numpy(dtype=bool)
    d = b["requested_date"]
    stop = stop.where(d.isna() | (d + DAY >= stop), d + DAY)  # out from the next day
    for f in (("claimed", "returned", "refunded") if exclude_returned_refunded_claimed else ()):
        d = b[f"{f}_date"]
        ok &= ~b[f"{f}_undated"].to_numpy(dtype=bool)
        stop = stop.where(d.isna() | (d + DAY >= stop), d + DAY)  # out from the next day
    b = b[ok]
    stop = stop[b.index]
    groups = _groups(orders) if len(orders) else pd.DataFrame(columns=KEYS)
    frames = []
    for _, g in groups.iterrows():
        sel = ((b["seller_id"] == g["seller_id"]) & (b["marketplace"] == g["marketplace"]))
        sel = sel.to_numpy(dtype=bool)
        i0 = ((b.loc[sel, "eligible_from"] - start) / DAY).to_numpy(dtype=float)
        i1 = ((stop[sel] - start) / DAY).to_numpy(dtype=float)
        i0c = np.clip(i0, 0, nd).astype(int)
        i1c = np.clip(i1, 0, nd).astype(int)
        keep = i1c > i0c
        diff = np.zeros(nd + 1, dtype=np.int64)
        np.add.at(diff, i0c[keep], 1)
        np.add.at(diff, i1c[keep], -1)
        frames.append(pd.DataFrame({"seller_id": g["seller_id"],
                                    "marketplace": g["marketplace"], "as_of": days,
                                    "eligible": np.cumsum(diff)[:nd]}))
    if not frames:
        return pd.DataFrame({"seller_id": pd.Series(dtype="string"),
                             "marketplace": pd.Series(dtype="string"),
                             "as_of": pd.Series(dtype="datetime64[ns]"),
                             "eligible": pd.Series(dtype="int64")})
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Headline KPIs
# ---------------------------------------------------------------------------------------------

def customer_kpis(as_of, *, buyer_messages: pd.DataFrame | None = None,
                  orders: pd.DataFrame | None = None,
                  order_promises: pd.DataFrame | None = None,
                  fba_shipments: pd.DataFrame | None = None,
                  returns: pd.DataFrame | None = None,
                  claims: pd.DataFrame | None = None,
                  requested_order_ids: pd.DataFrame | Iterable[str] | None = None,
                  refunded_order_ids: pd.DataFrame | Iterable[str] | None = None,
                  review_requests: pd.DataFrame | None = None,
                  exclude_returned_refunded_claimed: bool = False,
                  wismo_hours: float = WISMO_HOURS,
                  pending: str = "exclude",
                  targets: dict[str, Target] | None = None) -> list[KPI]:
    """The customer-experience headline KPIs, per marketplace (and seller account).

    * ``late_response_rate_24h_30d`` (fraction): :func:`response_rates`, 30 days, 24 h;
      numerator ``late``, denominator messages judged (pending excluded by default).
    * ``wismo_answered_within_12h_30d`` (fraction): :func:`wismo_rates`; numerator
      ``answered_within``.
    * ``review_requests_eligible_today`` (unit ``count``): :func:`review_request_schedule`
      orders with status ``eligible`` on ``as_of``; no denominator.

    A table passed as ``None`` skips its KPIs. The KPI ``marketplace`` is the code (``US``)
    with one seller account loaded, ``seller_id/US`` with several.
    """
    as_of = _as_day(as_of)
    out: list[KPI] = []
    sellers = set()
    for t in (buyer_messages, orders):
        if t is not None and len(t):
            sellers |= set(t["seller_id"].dropna().unique())

    def label(s, m):
        return m if len(sellers) <= 1 else f"{s}/{m}"

    if buyer_messages is not None:
        lr = response_rates(buyer_messages, as_of, windows=(30,), pending=pending)
        wr = wismo_rates(buyer_messages, as_of, threshold_hours=wismo_hours, pending=pending)
        for r in lr.itertuples(index=False):
            out.append(KPI.make("late_response_rate_24h_30d", label(r.seller_id, r.marketplace),
                                r.late_response_rate, numerator=r.late,
                                denominator=r.denominator,
                                window=_window_str(r.window_start, r.window_end),
                                targets=targets))
        for r in wr.itertuples(index=False):
            out.append(KPI.make("wismo_answered_within_12h_30d",
                                label(r.seller_id, r.marketplace), r.answered_within_rate,
                                numerator=r.answered_within, denominator=r.denominator,
                                window=_window_str(r.window_start, r.window_end),
                                targets=targets))
    if orders is not None:
        sched = review_request_schedule(orders, as_of, order_promises=order_promises,
                                        fba_shipments=fba_shipments, returns=returns,
                                        claims=claims, requested_order_ids=requested_order_ids,
                                        refunded_order_ids=refunded_order_ids,
                                        review_requests=review_requests,
                                        exclude_returned_refunded_claimed=(
                                            exclude_returned_refunded_claimed))
        counts = (sched["status"] == "eligible").groupby(
            [sched["seller_id"], sched["marketplace"]]).sum()
        for g in _groups(orders).itertuples(index=False):
            n = int(counts.get((g.seller_id, g.marketplace), 0))
            out.append(KPI.make("review_requests_eligible_today",
                                label(g.seller_id, g.marketplace), n, unit="count",
                                window=str(as_of.date()), targets=targets))
    return out
