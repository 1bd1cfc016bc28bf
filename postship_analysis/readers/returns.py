"""Customer returns: FBA and seller-fulfilled (see ``../shared/domain.md`` §4d).

Both reports go to the canonical ``returns`` table, with ``fulfillment_channel`` set by the
reader (``AFN`` for FBA, ``MFN`` for seller-fulfilled). Free-text comments and buyer columns
are never read.

FBA customer returns (report type ``fba_returns``)
    ``GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA``: Seller Central > Reports > Fulfillment >
    Customer Concessions > Returns (download as .txt), or the SP-API report. Tab-delimited,
    13 columns, stable since MWS::

        return-date	order-id	sku	asin	fnsku	product-name	quantity
        fulfillment-center-id	detailed-disposition	reason	status	license-plate-number
        customer-comments

    ``return-date`` is ISO 8601 with an offset (``2025-01-15T08:12:33+00:00``);
    ``detailed-disposition`` e.g. ``SELLABLE``, ``CUSTOMER_DAMAGED``, ``DEFECTIVE``; ``reason``
    a code such as ``NOT_COMPATIBLE`` or ``SWITCHEROO`` (wrong item); ``customer-comments`` is
    never read (it may hold personal data).

Seller-fulfilled returns (report type ``mfn_returns``)
    ``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE``: Seller Central > Reports > Return Reports >
    Returns by return date, or the SP-API report. Tab-delimited, Title Case, 33 columns::

        Order ID	Order date	Return request date	Return request status	Amazon RMA ID
        Seller RMA ID	Label type	Label cost	Currency code	Return carrier	Tracking ID
        Label to be paid by	A-to-z Claim	Is prime	ASIN	Merchant SKU	Item Name
        Return quantity	Return Reason	In policy	Return type	Resolution	Invoice number
        Return delivery date	Order Amount	Order quantity	SafeT action reason	SafeT claim ID
        SafeT claim state	SafeT claim creation time	SafeT claim reimbursement amount
        Refunded Amount	Category

    (a 2025 US file has ``Merchant RMA ID`` and no ``Category``; columns are matched by name).
    Dates are written like ``10-Jul-2025`` or the marketplace's numeric way; a date-only
    ``Return request date`` is read as local midnight of the marketplace. ``Refunded Amount``
    is money in ``Currency code``.

Quantities must be >= 0: a negative ``quantity`` / ``Return quantity`` is quarantined with
its line.
"""

from __future__ import annotations

import pandas as pd

from .. import contract
from .core import Field, ReadResult, ReportSpec, reader, register
from .inventory import read_text

_TABLE_COLS = contract.TABLES["returns"].names

FBA_RETURNS = register(ReportSpec(
    report_type="fba_returns",
    title="FBA customer returns report",
    table="returns",
    amazon_name="GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
    where="Seller Central > Reports > Fulfillment > Customer Concessions > Returns "
          "(download as .txt), or SP-API report GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
    key=("return_ts", "order_id", "sku", "fnsku", "quantity", "fulfillment_center",
         "disposition", "reason", "status", "license_plate_number"),
    fields=(
        Field("return_ts", ("return-date",), "ts", required=True, notnull=True),
        Field("order_id", ("order-id",), required=True, notnull=True),
        Field("sku", ("sku",), required=True, notnull=True),
        Field("asin", ("asin",)),
        Field("fnsku", ("fnsku",)),
        Field("quantity", ("quantity",), "int", required=True, notnull=True, min_value=0),
        Field("fulfillment_center", ("fulfillment-center-id",)),
        Field("disposition", ("detailed-disposition",), required=True),
        Field("reason", ("reason",)),
        Field("status", ("status",)),
        Field("license_plate_number", ("license-plate-number",)),
        Field("product_name", ("product-name",)),
    ),
))

MFN_RETURNS = register(ReportSpec(
    report_type="mfn_returns",
    title="Seller-fulfilled returns report",
    table="returns",
    amazon_name="GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
    where="Seller Central > Reports > Return Reports > Returns by return date (download), or "
          "SP-API report GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
    key=("order_id", "rma_id", "return_ts", "status", "sku", "quantity", "reason",
         "order_item_id"),
    fields=(
        Field("order_id", ("Order ID",), required=True, notnull=True),
        Field("order_date", ("Order date",)),
        Field("return_ts", ("Return request date",), "ts", required=True, notnull=True),
        Field("status", ("Return request status",)),
        Field("rma_id", ("Amazon RMA ID",)),
        Field("seller_rma_id", ("Seller RMA ID", "Merchant RMA ID")),
        Field("label_type", ("Label type",)),
        Field("currency", ("Currency code",)),
        Field("a_to_z_claim", ("A-to-z Claim",)),
        Field("is_prime", ("Is prime",)),
        Field("asin", ("ASIN",)),
        Field("sku", ("Merchant SKU",), required=True, notnull=True),
        Field("quantity", ("Return quantity",), "int", required=True, notnull=True,
              min_value=0),
        Field("reason", ("Return Reason",)),
        Field("in_policy", ("In policy",)),
        Field("return_type", ("Return type",)),
        Field("resolution", ("Resolution",)),
        Field("refunded_amount", ("Refunded Amount",), "money"),
        Field("order_item_id", ("Order Item ID",)),
        Field("category", ("Category",)),
    ),
))

# "10-Jul-2025": core knows "10 Jul 2025" (%d %b %Y) but not the dashed spelling
_DASHED_MONTH = r"^\s*(\d{1,2})-([A-Za-z]{3,9})-(\d{4})(.*)$"


def _undash_dates(raw: pd.DataFrame) -> pd.DataFrame:
    if "return_ts" in raw:
        raw = raw.assign(return_ts=raw["return_ts"].astype("string").str.replace(
            _DASHED_MONTH, r"\1 \2 \3\4", regex=True))
    return raw


def _set_channel(res: ReadResult, channel: str) -> ReadResult:
    res.data["fulfillment_channel"] = pd.Series(channel, index=res.data.index, dtype="string")
    return res


@reader("fba_returns")
def read_fba_returns(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read an FBA customer returns report (``GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA``).

    Rows get ``fulfillment_channel = "AFN"``; ``refunded_amount`` and ``currency`` are
    ``<NA>`` (the report has no money). ``customer-comments`` is never read.

    >>> res = read_fba_returns("data/sample/acme/US/FBA customer returns.txt")  # doctest: +SKIP
    >>> res.data.groupby("reason")["quantity"].sum()  # doctest: +SKIP
    """
    cols = list(columns) if columns is not None else _TABLE_COLS
    res, _ = read_text(path, FBA_RETURNS, seller_id=seller_id, marketplace=marketplace,
                       columns=cols)
    return _set_channel(res, "AFN")


@reader("mfn_returns")
def read_mfn_returns(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read a seller-fulfilled returns report (``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE``).

    Rows get ``fulfillment_channel = "MFN"``. ``Return request date`` -> ``return_ts``
    (``10-Jul-2025`` = local midnight of 10 July in the marketplace's time zone, in UTC),
    ``Return request status`` -> ``status``, ``Return Reason`` -> ``reason``, ``Refunded
    Amount`` -> ``refunded_amount`` in ``Currency code``; ``disposition`` is ``<NA>``.

    >>> res = read_mfn_returns("data/sample/acme/US/Returns Report.txt")  # doctest: +SKIP
    """
    cols = list(columns) if columns is not None else _TABLE_COLS
    res, _ = read_text(path, MFN_RETURNS, seller_id=seller_id, marketplace=marketplace,
                       columns=cols, prepare=_undash_dates)
    return _set_channel(res, "MFN")


__all__ = ["FBA_RETURNS", "MFN_RETURNS", "read_fba_returns", "read_mfn_returns"]
