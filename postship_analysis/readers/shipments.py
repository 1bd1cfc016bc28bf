"""Shipment readers: FBM shipment confirmations, carrier delivery events and Amazon Fulfilled
Shipments (see ``../shared/domain.md`` §4e, §4i).

Three inputs, three canonical tables:

``shipment_confirmations`` (report type ``shipment_confirmations``)
    The seller-fulfilled shipment confirmation flat file, layout of the
    ``POST_FLAT_FILE_FULFILLMENT_DATA`` feed ("Confirms shipping for multiple orders"). Where to
    get it: the file you uploaded in Seller Central > Orders > Upload order related files >
    Shipping confirmation (the "Shipping Confirmation template"), or the same layout written by a
    shipping tool. Tab-delimited, usually preceded by a template line::

        TemplateType=OrderFulfillment	Version=2011.1102
        order-id	order-item-id	quantity	ship-date	carrier-code	carrier-name	tracking-number	ship-method
        113-1234567-1234567			2025-01-15	USPS		9400111899223197428490	Priority Mail
        113-7654321-7654321	52734567890123	1	2025-01-16T09:30:00-08:00	Other	Yun Express	YT2412345678901234	Standard

    JP files add ``cod-collection-method`` (not read). An optional ``confirmed-date`` column
    (also ``submitted-date``, ``marketplace-notified-date``...: not in Amazon's template, written
    by shipping tools or an upload log) gives the moment the confirmation reached Amazon, which
    is what the Late Shipment Rate is judged on (help 202152050). A blank ``order-item-id`` / ``quantity``
    confirms the whole order (kept as ``<NA>``). ``ship-date`` is ISO 8601 with an offset (exact)
    or a local date / date-time in the marketplace's time zone (converted to UTC).
    ``tracking-number`` is kept exactly as text: leading zeros stay, nothing is read as a number;
    a value that a spreadsheet has turned into scientific notation (``9.4001E+21``) cannot be
    recovered and is quarantined.

``delivery_events`` (report type ``delivery_events``)
    Carrier scan events. **Amazon has no export of these**; this is our own CSV, filled from
    carrier portals, a tracking API or a shipping tool. Columns (any order, comma- or
    tab-delimited)::

        tracking-number,carrier,event,event-time
        9400111899223197428490,USPS,Label created,2025-01-15 08:02:00
        9400111899223197428490,USPS,Out for delivery,2025-01-18T07:45:00-05:00
        9400111899223197428490,USPS,DELIVERED,2025-01-18T14:10:00-05:00

    ``event`` is normalised to one of :data:`EVENTS` (``label_created, picked_up, in_transit,
    out_for_delivery, delivered, exception, returned``); common spellings are accepted
    (``Delivered``/``DELIVERED`` -> ``delivered``, ``Out for delivery`` -> ``out_for_delivery``,
    ``Pre-Transit`` -> ``label_created``, ``Delivery attempted`` -> ``exception``, see
    :data:`EVENT_SPELLINGS`). An event we do not recognise is quarantined with a reason naming
    the allowed values. ``event-time`` as for ``ship-date`` above (naive = marketplace-local).

``fba_shipments`` (report type ``fba_shipments``)
    Amazon Fulfilled Shipments, ``GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL`` (Seller Central
    > Reports > Fulfillment > Sales > Amazon Fulfilled Shipments, or SP-API). Only the non-PII
    columns of the canonical table are read (order / shipment / item ids, dates, sku, quantity,
    price, carrier, tracking number, estimated arrival, fulfilment centre, sales channel); the
    buyer, recipient, phone and address columns are never converted. The marketplace comes from
    ``sales-channel`` row by row.

All readers return a :class:`~postship_analysis.readers.core.ReadResult` whose quarantine
names file, line, column and reason for every rejected row.

:func:`read_with_checks` is the generic reader with extra row checks before and after parsing
(used by the message and cost readers too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .core import (
    Field,
    ReadResult,
    ReportSpec,
    _decode_head,
    blank_mask,
    empty_quarantine,
    find_header,
    load_text,
    match_columns,
    parse_frame,
    reader,
    register,
)

# ---------------------------------------------------------------------------------------------
# Row checks around core.parse_frame
# ---------------------------------------------------------------------------------------------


@dataclass
class Reject:
    """Rows to quarantine from a check: ``mask`` over the frame checked, the canonical
    ``column`` (its header name is used in the quarantine) and a reason (one string, or one per
    row as a Series)."""

    mask: np.ndarray
    column: str
    reason: str | pd.Series
    values: pd.Series | None = None


#: pre-check: raw string frame (canonical column names) -> (possibly rewritten frame, rejects)
PreCheck = Callable[[pd.DataFrame], tuple[pd.DataFrame, list[Reject]]]
#: post-check: (parsed canonical data, raw strings of the same rows) -> rejects
PostCheck = Callable[[pd.DataFrame, pd.DataFrame], list[Reject]]


def _rejects_frame(path: str, lines: np.ndarray, rejects: Sequence[Reject], n: int,
                   names: dict[str, str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Quarantine rows of the rejects (first reject wins per row) and the combined mask."""
    taken = np.zeros(n, dtype=bool)
    parts = []
    for r in rejects:
        m = np.asarray(r.mask, dtype=bool) & ~taken
        if not m.any():
            continue
        taken |= m
        header = names.get(r.column, r.column)
        reason = (r.reason.to_numpy(dtype=object)[m] if isinstance(r.reason, pd.Series)
                  else r.reason)
        value = (r.values.astype("string").to_numpy(dtype=object)[m] if r.values is not None
                 else None)
        parts.append(pd.DataFrame({"file": path, "line": lines[m], "column": header,
                                   "reason": reason, "value": value}))
    if not parts:
        return empty_quarantine(), taken
    q = pd.concat(parts, ignore_index=True)
    return q, taken


def _merge_quarantine(*qs: pd.DataFrame) -> pd.DataFrame:
    qs = [q for q in qs if len(q)]
    if not qs:
        return empty_quarantine()
    q = pd.concat(qs, ignore_index=True).sort_values("line", kind="stable")
    return q.reset_index(drop=True).astype({"file": "string", "line": "Int64", "column": "string",
                                            "reason": "string", "value": "string"})


def read_with_checks(
    path: str | Path,
    spec: ReportSpec,
    *,
    seller_id: str = "default",
    marketplace: str | None = None,
    columns: Sequence[str] | None = None,
    pre: Sequence[PreCheck] = (),
    post: Sequence[PostCheck] = (),
) -> ReadResult:
    """:func:`~postship_analysis.readers.core.read_report` with extra row checks.

    ``pre`` checks see the raw strings (canonical column names) before parsing; they may
    rewrite values (e.g. normalise an event name) and return rows to quarantine, which are then
    not parsed. ``post`` checks see the parsed, accepted rows (and their raw strings) and
    return rows to move to the quarantine (e.g. a response before its message). Row accounting
    is kept: ``accepted + rejected == rows_read``.
    """
    path = Path(path)
    rt = load_text(path, spec, columns, marketplace=marketplace)
    raw, lines = rt.frame, rt.lines
    q_phantom = _phantom_rows(path, rt, spec)
    names = _column_names(rt.header, spec)
    q_pre = empty_quarantine()
    for check in pre:
        raw, rejects = check(raw)
        q, taken = _rejects_frame(str(path), lines, rejects, len(raw), names)
        q_pre = _merge_quarantine(q_pre, q)
        if taken.any():
            raw = raw.loc[~taken].reset_index(drop=True)
            lines = lines[~taken]
    warnings: list[str] = []
    data, q_core = parse_frame(raw, lines, spec, path=str(path), seller_id=seller_id,
                               marketplace=marketplace, bad=rt.bad, warnings=warnings,
                               source_names=rt.source_names)
    q_post = empty_quarantine()
    if post and len(data):
        # parse_frame keeps accepted rows in order; each rejected row has one quarantine line
        ok = ~np.isin(lines, q_core["line"].dropna().to_numpy(dtype=np.int64))
        raw_ok = raw.loc[ok].reset_index(drop=True)
        lines_ok = lines[ok]
        for check in post:
            rejects = check(data, raw_ok)
            q, taken = _rejects_frame(str(path), lines_ok, rejects, len(data), names)
            q_post = _merge_quarantine(q_post, q)
            if taken.any():
                data = data.loc[~taken].reset_index(drop=True)
                raw_ok = raw_ok.loc[~taken].reset_index(drop=True)
                lines_ok = lines_ok[~taken]
    rows_read = rt.rows_read + len(q_phantom)
    if rows_read == 0:
        warnings.insert(0, "header only: the report has no data rows")
    # name columns as the file does ("SKU Code"), not by the normalised alias ("sku code")
    q_core["column"] = q_core["column"].map(
        lambda c: ",".join(names.get(p, p) for p in str(c).split(","))).astype("string")
    return ReadResult(path=str(path), report_type=spec.report_type, table=spec.table, data=data,
                      quarantine=_merge_quarantine(q_phantom, q_pre, q_core, q_post),
                      rows_read=rows_read, encoding=rt.encoding, delimiter=rt.delimiter,
                      header=rt.header, unknown_columns=rt.unknown_columns,
                      blank_lines=rt.blank_lines - len(q_phantom), warnings=warnings)


def _column_names(header: list[str], spec: ReportSpec) -> dict[str, str]:
    """Canonical name and first alias -> the header cell as written in the file."""
    out = {}
    for name, i in match_columns(header, spec).items():
        if i < len(header):
            out[name] = out[spec.field(name).aliases[0]] = header[i]
    return out


def _phantom_rows(path: Path, rt, spec: ReportSpec) -> pd.DataFrame:
    """Rows that core counted as blank lines although they hold values (in columns the spec
    does not read, e.g. a pandas ``index`` column): quarantine them so no row is lost.

    Workaround for core.load_text, which decides blankness on the columns it reads only.
    """
    if rt.blank_lines == 0 or rt.encoding in ("xlsx", "zip", ""):
        return empty_quarantine()
    _, _, head = _decode_head(path)
    hdr = find_header(head, spec)
    if hdr is None:
        return empty_quarantine()
    text = path.read_bytes().decode(rt.encoding, errors="replace")
    phys = re.split(r"\r\n|\r|\n", text)
    if phys and phys[-1] == "":
        phys = phys[:-1]
    body = pd.Series(phys[hdr.line_index + 1:], dtype="string")
    numbers = np.arange(len(body), dtype=np.int64) + hdr.line_index + 2
    truly_blank = (body.str.strip(" \t\"'" + hdr.delimiter) == "").to_numpy()
    seen = np.concatenate([rt.lines, np.array([b[0] for b in rt.bad], dtype=np.int64)])
    phantom = ~truly_blank & ~np.isin(numbers, seen)
    if not phantom.any():
        return empty_quarantine()
    used = [rt.header[i] for i in sorted(match_columns(rt.header, spec).values())
            if i < len(rt.header)]
    reason = ("no value in any column this report uses (" + ", ".join(used[:6])
              + (", ..." if len(used) > 6 else "") + "); the line has values only in other "
              "columns")
    return pd.DataFrame({"file": str(path), "line": numbers[phantom], "column": "(row)",
                         "reason": reason, "value": body[phantom].str.slice(0, 200).to_numpy()})


_SPREADSHEET_ERROR = r"^\s*#(?:REF!|VALUE!|DIV/0!|NAME\?|NUM!|NULL!|N/A|SPILL!|CALC!)\s*$"


def check_spreadsheet_errors(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Pre-check: quarantine rows holding an Excel error value (``#REF!``, ``#VALUE!`` ...)."""
    rejects = []
    for c in raw.columns:
        s = raw[c].astype("string")
        m = s.str.match(_SPREADSHEET_ERROR, na=False).to_numpy()
        if m.any():
            rejects.append(Reject(m, c, "spreadsheet error value instead of data: "
                                  + s.str.strip().fillna(""), s))
    return raw, rejects


_SCIENTIFIC = r"^\s*\d(?:[.,]\d+)?[eE][+]?\d+\s*$"


def check_tracking_text(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Pre-check: a tracking number in scientific notation (``9.4001E+21``) was mangled by a
    spreadsheet; its digits are lost, so the row is quarantined rather than guessed."""
    if "tracking_number" not in raw.columns:
        return raw, []
    s = raw["tracking_number"].astype("string")
    m = s.str.match(_SCIENTIFIC, na=False).to_numpy()
    return raw, [Reject(m, "tracking_number",
                        "tracking number in scientific notation (a spreadsheet converted it to "
                        "a number; the digits are lost): export it as text", s)]


# ---------------------------------------------------------------------------------------------
# Shipment confirmations (POST_FLAT_FILE_FULFILLMENT_DATA layout)
# ---------------------------------------------------------------------------------------------

SHIPMENT_CONFIRMATIONS = register(ReportSpec(
    report_type="shipment_confirmations",
    title="Shipment confirmation file",
    table="shipment_confirmations",
    amazon_name="POST_FLAT_FILE_FULFILLMENT_DATA",
    where="Seller Central > Orders > Upload order related files > Shipping confirmation "
          "template (the file you uploaded), or a shipping tool's export in that layout",
    key=(),
    fields=(
        Field("order_id", ("order-id", "amazon-order-id"), required=True, notnull=True),
        Field("order_item_id", ("order-item-id",)),
        Field("quantity", ("quantity", "quantity-shipped"), "int", min_value=1),
        Field("ship_ts", ("ship-date", "shipping-date"), "ts", required=True, notnull=True),
        Field("carrier_code", ("carrier-code",)),
        Field("carrier_name", ("carrier-name",)),
        Field("tracking_number", ("tracking-number", "tracking-id"), required=True),
        Field("ship_method", ("ship-method", "shipping-method")),
        # not in Amazon's template: the moment the confirmation reached Amazon, where a shipping
        # tool or the seller's upload log records it (Late Shipment Rate is judged on it)
        Field("confirmed_ts", ("confirmed-date", "confirmation-date", "confirmed-at",
                               "confirmation-time", "submitted-date", "date-submitted",
                               "marketplace-notified-date", "notified-date"), "ts"),
    ),
))


@reader("shipment_confirmations")
def read_shipment_confirmations(path, *, seller_id="default", marketplace=None,
                                columns=None) -> ReadResult:
    """Read a shipment confirmation file (``POST_FLAT_FILE_FULFILLMENT_DATA`` layout) to
    ``shipment_confirmations``.

    Parameters
    ----------
    path : the tab-delimited file (the ``TemplateType=OrderFulfillment`` line is skipped).
    seller_id : account the file belongs to.
    marketplace : marketplace code; sets the time zone of naive ship dates (default US).
    columns : canonical columns needed (others are not converted).

    Returns
    -------
    ReadResult of table ``shipment_confirmations``: ``order_item_id`` / ``quantity`` are
    ``<NA>`` where the whole order was confirmed; ``tracking_number`` is the text as typed;
    ``ship_ts`` is UTC.

    Examples
    --------
    >>> # res = read_shipment_confirmations("Shipping confirmation 2025-01.txt", marketplace="US")
    >>> # res.data[["order_id", "ship_ts", "tracking_number"]]
    """
    return read_with_checks(path, SHIPMENT_CONFIRMATIONS, seller_id=seller_id,
                            marketplace=marketplace, columns=columns, pre=[check_tracking_text])


# ---------------------------------------------------------------------------------------------
# Delivery events (our CSV)
# ---------------------------------------------------------------------------------------------

EVENTS = ("label_created", "picked_up", "in_transit", "out_for_delivery", "delivered",
          "exception", "returned")

#: accepted spellings (after lower-casing, ``_``/``-`` -> space, punctuation dropped)
EVENT_SPELLINGS: dict[str, str] = {
    **{e.replace("_", " "): e for e in EVENTS},
    # label_created
    "label": "label_created", "created": "label_created", "label printed": "label_created",
    "shipping label created": "label_created", "pre transit": "label_created",
    "pretransit": "label_created", "info received": "label_created",
    "information received": "label_created", "shipment information received": "label_created",
    "manifested": "label_created",
    # picked_up
    "pickup": "picked_up", "pick up": "picked_up", "pickedup": "picked_up",
    "accepted": "picked_up", "acceptance": "picked_up", "collected": "picked_up",
    "shipment picked up": "picked_up", "received by carrier": "picked_up",
    # in_transit
    "intransit": "in_transit", "transit": "in_transit", "on the way": "in_transit",
    "departed facility": "in_transit", "arrived at facility": "in_transit",
    "arrived at hub": "in_transit", "departed hub": "in_transit",
    # out_for_delivery
    "ofd": "out_for_delivery", "outfordelivery": "out_for_delivery",
    "on vehicle for delivery": "out_for_delivery", "with delivery courier": "out_for_delivery",
    "out for delivery today": "out_for_delivery",
    # delivered
    "delivered to buyer": "delivered", "delivered to customer": "delivered",
    "delivery completed": "delivered", "completed": "delivered",
    # exception
    "delivery exception": "exception", "delivery attempted": "exception",
    "attempted delivery": "exception", "delivery attempt": "exception",
    "failed attempt": "exception", "failed delivery": "exception",
    "delivery failed": "exception", "undeliverable": "exception", "delayed": "exception",
    "damaged": "exception", "lost": "exception", "alert": "exception",
    # returned
    "return": "returned", "returned to sender": "returned", "return to sender": "returned",
    "returning to sender": "returned", "rts": "returned", "returned to shipper": "returned",
}


def _norm_label(s: pd.Series) -> pd.Series:
    st = s.astype("string").str.strip().str.lower()
    st = st.str.replace(r"[’'`]", "", regex=True).str.replace(r"[_\-/]", " ", regex=True)
    st = st.str.replace(r"[^\w ]", " ", regex=True).str.replace(r"\s+", " ", regex=True)
    return st.str.strip()


def normalise_events(s: pd.Series) -> pd.Series:
    """Map event spellings to :data:`EVENTS`; unknown values become ``<NA>``.

    ``Delivered, Front Door/Porch``-style values (``delivered`` followed by a place) count as
    ``delivered``.

    >>> normalise_events(pd.Series(["DELIVERED", "Out for delivery", "Teleported"])).tolist()
    ['delivered', 'out_for_delivery', <NA>]
    """
    n = _norm_label(s)
    out = n.map(EVENT_SPELLINGS).astype("string")
    delivered_at = n.str.match(r"^delivered (?:at|to|in|front|back|mailbox|parcel|left|"
                               r"handed|signed)\b", na=False)
    return out.mask(out.isna() & delivered_at, "delivered")


def _check_events(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    if "event" not in raw.columns:
        return raw, []
    s = raw["event"].astype("string")
    norm = normalise_events(s)
    unknown = (norm.isna() & ~blank_mask(s)).to_numpy()
    raw = raw.assign(event=norm.fillna(s).fillna(""))
    reason = pd.Series("", index=raw.index, dtype=object)
    if unknown.any():  # per-value text only for the (few) unknown rows
        reason[unknown] = ("unknown delivery event " + s[unknown].str.strip().map(repr) +
                           "; expected one of " + ", ".join(EVENTS) + " (or a common spelling "
                           "such as 'Delivered', 'Out for delivery', 'In transit')")
    return raw, [Reject(unknown, "event", reason, s)]


DELIVERY_EVENTS = register(ReportSpec(
    report_type="delivery_events",
    title="Delivery events CSV",
    table="delivery_events",
    where="our own CSV (tracking-number, carrier, event, event-time) from carrier portals, a "
          "tracking API or a shipping tool; Amazon has no export of scan events",
    key=("tracking_number", "event", "event_ts"),
    fields=(
        Field("tracking_number", ("tracking-number", "tracking number", "tracking-id"),
              required=True, notnull=True),
        Field("carrier", ("carrier", "carrier-name", "carrier-code")),
        Field("event", ("event", "status", "event-type"), required=True, notnull=True),
        Field("event_ts", ("event-time", "event-date", "event-timestamp", "timestamp"), "ts",
              required=True, notnull=True),
    ),
))


@reader("delivery_events")
def read_delivery_events(path, *, seller_id="default", marketplace=None,
                         columns=None) -> ReadResult:
    """Read our delivery-events CSV to ``delivery_events`` (format in the module docstring).

    ``event`` is normalised to :data:`EVENTS`; unknown events are quarantined with a reason
    naming the allowed values; the same (tracking number, event, time) twice is quarantined as
    a duplicate. Naive ``event-time`` values are local time of ``marketplace`` (default US).

    Examples
    --------
    >>> # read_delivery_events("delivery_events.csv").data.groupby("event").size()
    """
    return read_with_checks(path, DELIVERY_EVENTS, seller_id=seller_id, marketplace=marketplace,
                            columns=columns, pre=[check_tracking_text, _check_events])


# ---------------------------------------------------------------------------------------------
# Amazon Fulfilled Shipments (GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL)
# ---------------------------------------------------------------------------------------------

FBA_SHIPMENTS = register(ReportSpec(
    report_type="fba_shipments",
    title="Amazon Fulfilled Shipments report",
    table="fba_shipments",
    amazon_name="GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL",
    where="Seller Central > Reports > Fulfillment > Sales > Amazon Fulfilled Shipments "
          "(download as .txt), or SP-API report GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL; "
          "buyer and address columns are never read",
    marketplace_field="sales_channel",
    key=("order_id", "shipment_id", "shipment_item_id", "order_item_id", "sku"),
    # non-PII columns only: buyer-*, recipient-name, ship-/bill-address-*, phones are not fields
    fields=(
        Field("order_id", ("amazon-order-id",), required=True, notnull=True),
        Field("shipment_id", ("shipment-id",), required=True, notnull=True),
        Field("shipment_item_id", ("shipment-item-id",)),
        Field("order_item_id", ("amazon-order-item-id",)),
        Field("purchase_ts", ("purchase-date",), "ts"),
        Field("shipment_ts", ("shipment-date",), "ts", required=True, notnull=True),
        Field("sku", ("sku",), required=True, notnull=True),
        Field("quantity", ("quantity-shipped",), "int", required=True, notnull=True,
              min_value=0),
        Field("currency", ("currency",)),
        Field("item_price", ("item-price",), "money"),
        Field("ship_service_level", ("ship-service-level",)),
        Field("carrier", ("carrier",)),
        Field("tracking_number", ("tracking-number",)),
        Field("estimated_arrival_ts", ("estimated-arrival-date",), "ts"),
        Field("fulfillment_center_id", ("fulfillment-center-id",)),
        Field("sales_channel", ("sales-channel",)),
    ),
))


@reader("fba_shipments")
def read_fba_shipments(path, *, seller_id="default", marketplace=None,
                       columns=None) -> ReadResult:
    """Read an Amazon Fulfilled Shipments report to ``fba_shipments`` (non-PII columns only).

    The marketplace comes from ``sales-channel`` row by row (``Amazon.co.jp`` -> ``JP``);
    ``marketplace`` is the fallback and sets the time zone of naive dates. ``tracking_number``
    is kept as text.

    Examples
    --------
    >>> # read_fba_shipments("Amazon Fulfilled Shipments 2025-01.txt").data.shape
    """
    return read_with_checks(path, FBA_SHIPMENTS, seller_id=seller_id, marketplace=marketplace,
                            columns=columns)


__all__ = [
    "SHIPMENT_CONFIRMATIONS", "DELIVERY_EVENTS", "FBA_SHIPMENTS", "EVENTS", "EVENT_SPELLINGS",
    "read_shipment_confirmations", "read_delivery_events", "read_fba_shipments",
    "normalise_events", "read_with_checks", "Reject", "check_spreadsheet_errors",
    "check_tracking_text",
]
