"""Buyer-message threads (report type ``buyer_messages``, table ``buyer_messages``) and the
seller's log of review requests (report type ``review_requests``, table ``review_requests``).

**Amazon has no export of buyer messages** (the SP-API Messaging API only sends; see
``../shared/domain.md`` §7), so this is our own CSV, one row per thread, typically exported from
a helpdesk tool (or typed from Seller Central > Messages). Columns (any order, comma- or
tab-delimited)::

    thread-id,order-id,received-at,first-response-at,category
    T-1001,113-1234567-1234567,2025-01-15 09:12:00,2025-01-15 11:40:00,Where's my order?
    T-1002,,2025-01-15T22:05:00Z,,Product question
    T-1003,113-7654321-7654321,2025-01-16 08:00:00,2025-01-16 08:30:00,Return request

* ``received-at`` (required) and ``first-response-at`` (blank = unanswered) are timestamps; a
  UTC offset (``Z``, ``-08:00``) is exact, a naive time is marketplace-local, converted to UTC.
* ``category`` is normalised to one of :data:`CATEGORIES` (``where_is_my_order``,
  ``return_request``, ``product_question``, ``cancellation``, ``other``). Common spellings are
  accepted: ``Where's my order?``, ``WISMO``, ``Shipping inquiry``, ``Order status`` ->
  ``where_is_my_order``; ``Returns``, ``Refund`` -> ``return_request``; ``Cancel order`` ->
  ``cancellation`` and so on (:data:`CATEGORY_SPELLINGS`). A blank or unrecognised category
  becomes ``other`` -- the row is kept -- and the result's ``warnings`` count them and list the
  unrecognised values, so a new helpdesk label is noticed.
* A ``first-response-at`` earlier than ``received-at`` is impossible; the row is quarantined
  (column ``first-response-at``) rather than giving a negative response time.
* The same ``thread-id`` twice: the second row is quarantined as a duplicate.
"""

from __future__ import annotations

import pandas as pd

from .core import Field, ReadResult, ReportSpec, blank_mask, reader, register
from .shipments import Reject, _norm_label, read_with_checks

CATEGORIES = ("where_is_my_order", "return_request", "product_question", "cancellation",
              "other")

#: accepted spellings (after lower-casing, apostrophes dropped, ``_``/``-``/punctuation -> space)
CATEGORY_SPELLINGS: dict[str, str] = {
    **{c.replace("_", " "): c for c in CATEGORIES},
    # where is my order
    "wheres my order": "where_is_my_order", "where my order": "where_is_my_order",
    "wismo": "where_is_my_order", "where is my package": "where_is_my_order",
    "wheres my package": "where_is_my_order", "where is my parcel": "where_is_my_order",
    "shipping inquiry": "where_is_my_order", "shipping enquiry": "where_is_my_order",
    "shipping question": "where_is_my_order", "shipping": "where_is_my_order",
    "delivery inquiry": "where_is_my_order", "delivery enquiry": "where_is_my_order",
    "delivery status": "where_is_my_order", "shipping status": "where_is_my_order",
    "order status": "where_is_my_order", "tracking": "where_is_my_order",
    "tracking inquiry": "where_is_my_order", "order not received": "where_is_my_order",
    "item not received": "where_is_my_order", "not received": "where_is_my_order",
    "late delivery": "where_is_my_order", "delivery": "where_is_my_order",
    "order inquiry": "where_is_my_order", "shipment inquiry": "where_is_my_order",
    # return / refund
    "return": "return_request", "returns": "return_request", "return request": "return_request",
    "returns request": "return_request", "refund": "return_request",
    "refund request": "return_request", "return and refund": "return_request",
    "returns and refunds": "return_request", "return refund": "return_request",
    "exchange": "return_request", "replacement": "return_request",
    "return inquiry": "return_request",
    # product question
    "product": "product_question", "product questions": "product_question",
    "product inquiry": "product_question", "product enquiry": "product_question",
    "product details": "product_question", "product information": "product_question",
    "question about product": "product_question", "question about a product":
        "product_question", "pre sale question": "product_question",
    "presale question": "product_question", "presale": "product_question",
    "pre sale": "product_question", "customization": "product_question",
    "product customization": "product_question",
    # cancellation
    "cancel": "cancellation", "cancel order": "cancellation", "cancellations": "cancellation",
    "cancellation request": "cancellation", "order cancellation": "cancellation",
    "cancel request": "cancellation", "cancellation inquiry": "cancellation",
    "cancel my order": "cancellation",
    # other
    "others": "other", "misc": "other", "miscellaneous": "other", "general": "other",
    "general inquiry": "other", "additional information": "other", "feedback": "other",
    "invoice": "other", "invoice request": "other",
}


def normalise_categories(s: pd.Series) -> pd.Series:
    """Map category spellings to :data:`CATEGORIES`; unknown or blank values become ``<NA>``.

    >>> normalise_categories(pd.Series(["Where's my order?", "WISMO", "Shipping inquiry"])).tolist()
    ['where_is_my_order', 'where_is_my_order', 'where_is_my_order']
    """
    return _norm_label(s).map(CATEGORY_SPELLINGS).astype("string")


def _response_before_receipt(data: pd.DataFrame, raw: pd.DataFrame) -> list[Reject]:
    if "first_response_ts" not in data.columns or "received_ts" not in data.columns:
        return []
    early = (data["first_response_ts"] < data["received_ts"]).fillna(False).to_numpy(dtype=bool)
    reason = ("first response before the message was received (received-at "
              + raw["received_ts"].astype("string").str.strip().fillna("") + ")")
    return [Reject(early, "first_response_ts", reason, raw.get("first_response_ts"))]


BUYER_MESSAGES = register(ReportSpec(
    report_type="buyer_messages",
    title="Buyer messages CSV",
    table="buyer_messages",
    where="our own CSV (thread-id, order-id, received-at, first-response-at, category), e.g. "
          "from a helpdesk tool; Amazon has no export of buyer messages",
    key=("thread_id",),
    fields=(
        Field("thread_id", ("thread-id", "thread", "conversation-id", "ticket-id"),
              required=True, notnull=True),
        Field("order_id", ("order-id", "amazon-order-id")),
        Field("received_ts", ("received-at", "received", "received-time"), "ts",
              required=True, notnull=True),
        Field("first_response_ts", ("first-response-at", "first-response", "responded-at"),
              "ts", required=True),
        Field("category", ("category", "topic", "reason")),
    ),
))


@reader("buyer_messages")
def read_buyer_messages(path, *, seller_id="default", marketplace=None,
                        columns=None) -> ReadResult:
    """Read our buyer-messages CSV to ``buyer_messages`` (format in the module docstring).

    Parameters
    ----------
    path : the CSV file.
    seller_id : account the file belongs to.
    marketplace : marketplace code; sets the time zone of naive times (default US).
    columns : canonical columns needed (others are not converted).

    Returns
    -------
    ReadResult of table ``buyer_messages``; ``first_response_ts`` is ``<NaT>`` for unanswered
    threads; ``category`` is one of :data:`CATEGORIES`.

    Examples
    --------
    >>> # res = read_buyer_messages("messages.csv", marketplace="UK")
    >>> # (res.data.first_response_ts - res.data.received_ts).dt.total_seconds() / 3600
    """
    res = read_with_checks(path, BUYER_MESSAGES, seller_id=seller_id, marketplace=marketplace,
                           columns=columns, post=[_response_before_receipt])
    if columns is not None and "category" not in columns:
        return res
    cat = res.data["category"]
    norm = normalise_categories(cat)
    blank = blank_mask(cat)
    unknown = norm.isna() & ~blank
    if blank.any():
        res.warnings.append(f"{int(blank.sum())} thread(s) without a category counted as 'other'")
    if unknown.any():
        counts = cat[unknown].str.strip().value_counts()
        listed = ", ".join(f"{v!r} ({n})" for v, n in counts.head(10).items())
        res.warnings.append(
            f"{int(unknown.sum())} thread(s) with an unrecognised category counted as 'other': "
            f"{listed}; known categories: {', '.join(CATEGORIES)}")
    res.data["category"] = norm.fillna("other").astype("string")
    return res


# ---------------------------------------------------------------------------------------------
# The seller's log of review requests (our CSV)
# ---------------------------------------------------------------------------------------------

REVIEW_REQUESTS = register(ReportSpec(
    report_type="review_requests",
    title="Review request log (CSV)",
    table="review_requests",
    where="our own CSV (order-id, requested-at, method): the orders you asked for a review "
          "(Request a Review button, Solicitations API or a tool's log); Amazon has no export. "
          "Append to it after each batch: an order in it is never listed again",
    key=("order_id", "requested_ts"),
    fields=(
        Field("order_id", ("order-id", "amazon-order-id", "order id"), required=True,
              notnull=True),
        Field("requested_ts", ("requested-at", "requested-date", "request-date",
                               "review-requested-at", "solicitation-date", "sent-at",
                               "sent-date"), "ts", required=True),
        Field("method", ("method", "channel", "sent-by")),
    ),
))


@reader("review_requests")
def read_review_requests(path, *, seller_id="default", marketplace=None,
                         columns=None) -> ReadResult:
    """Read the seller's review-request log to ``review_requests``::

        order-id,requested-at,method
        113-1234567-1234567,2026-10-27 09:10:00,button
        113-7654321-7654321,,api

    ``requested-at`` may be blank (date unknown: the order still counts as asked);
    naive times are marketplace-local. The same order and time twice: the second row is
    quarantined as a duplicate.

    >>> # read_review_requests("Review Requests.csv", marketplace="US").data
    """
    return read_with_checks(path, REVIEW_REQUESTS, seller_id=seller_id, marketplace=marketplace,
                            columns=columns)


__all__ = ["BUYER_MESSAGES", "CATEGORIES", "CATEGORY_SPELLINGS", "REVIEW_REQUESTS",
           "normalise_categories", "read_buyer_messages", "read_review_requests"]
