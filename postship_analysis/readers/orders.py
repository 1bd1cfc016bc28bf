"""Order reports: All Orders, the order flat file's ship-by / deliver-by dates, and the
"Amazon Sale Report" order export (see ``../shared/domain.md`` §4a)."""

from __future__ import annotations

import pandas as pd

from .core import Field, ReadResult, ReportSpec, map_values, read_report, reader, register

ALL_ORDERS = register(ReportSpec(
    report_type="all_orders",
    title="All Orders report",
    table="orders",
    amazon_name="GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
    where="Seller Central > Reports > Fulfillment > Sales > All Orders (download as .txt), "
          "or SP-API report GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
    marketplace_field="sales_channel",
    key=("order_id", "order_item_id", "sku", "last_updated_ts", "item_status", "quantity",
         "item_price"),
    # one line per order item: a repeated order-item-id is a duplicate; without the column
    # (older layouts) two equal lines are two units of one order, never a duplicate
    unique_key=("order_id", "order_item_id"),
    fields=(
        Field("order_id", ("amazon-order-id",), required=True, notnull=True),
        Field("merchant_order_id", ("merchant-order-id",)),
        Field("order_item_id", ("order-item-id",)),
        Field("purchase_ts", ("purchase-date",), "ts", required=True, notnull=True),
        Field("last_updated_ts", ("last-updated-date",), "ts"),
        Field("order_status", ("order-status",), required=True, notnull=True),
        Field("fulfillment_channel", ("fulfillment-channel",), required=True),
        Field("sales_channel", ("sales-channel",)),
        Field("ship_service_level", ("ship-service-level",)),
        Field("product_name", ("product-name",)),
        Field("sku", ("sku",), required=True, notnull=True),
        Field("asin", ("asin",)),
        Field("item_status", ("item-status",)),
        Field("quantity", ("quantity",), "int", required=True, notnull=True, min_value=0),
        Field("currency", ("currency",)),
        Field("item_price", ("item-price",), "money"),
        Field("item_tax", ("item-tax",), "money"),
        Field("shipping_price", ("shipping-price",), "money"),
        Field("shipping_tax", ("shipping-tax",), "money"),
        Field("item_promotion_discount", ("item-promotion-discount",), "money"),
        Field("ship_promotion_discount", ("ship-promotion-discount",), "money"),
        Field("ship_city", ("ship-city",)),
        Field("ship_state", ("ship-state",)),
        Field("ship_postal_code", ("ship-postal-code",)),
        Field("ship_country", ("ship-country",)),
        Field("is_business_order", ("is-business-order",), "bool"),
        Field("promotion_ids", ("promotion-ids",)),
    ),
))

# The Kaggle "Amazon Sale Report" (an Amazon.in seller's order export, see
# ../shared/realdata/amazon-in-sales-report): Title-Case headers, `Fulfilment` Amazon|Merchant.
SALE_REPORT = register(ReportSpec(
    report_type="amazon_sale_report",
    title="Amazon Sale Report (order export)",
    table="orders",
    where="an order export with columns Order ID, Date, Status, Fulfilment, SKU, Qty, Amount",
    marketplace_field="sales_channel",
    key=("order_id", "sku", "order_status", "quantity", "item_price", "purchase_ts",
         "item_status"),
    unique_key=(),  # no line id: equal lines are separate units
    fields=(
        Field("order_id", ("Order ID",), required=True, notnull=True),
        # the export writes month first (04-30-22); in IN, whose convention is day first,
        # a download of May 1-4 (05-01-22 .. 05-04-22) would otherwise read as Jan 5 - Apr 5
        Field("purchase_ts", ("Date",), "ts", required=True, notnull=True,
              date_format="%m-%d-%y"),
        Field("order_status", ("Status",), required=True, notnull=True),
        Field("fulfillment_channel", ("Fulfilment", "Fulfillment"), required=True),
        Field("sales_channel", ("Sales Channel",)),
        Field("ship_service_level", ("ship-service-level",)),
        Field("sku", ("SKU",), required=True, notnull=True),
        Field("asin", ("ASIN",)),
        Field("item_status", ("Courier Status",)),
        Field("quantity", ("Qty",), "int", required=True, notnull=True, min_value=0),
        Field("currency", ("currency",)),
        Field("item_price", ("Amount",), "money"),
        Field("ship_city", ("ship-city",)),
        Field("ship_state", ("ship-state",)),
        Field("ship_postal_code", ("ship-postal-code",)),
        Field("ship_country", ("ship-country",)),
        Field("is_business_order", ("B2B",), "bool"),
        Field("promotion_ids", ("promotion-ids",)),
        Field("product_name", ("Style",)),
    ),
))

#: the buyer-requested-cancellation flag: ordersV0 ``BuyerRequestedCancel.IsBuyerRequestedCancel``;
#: the flat-file spellings are our documented assumption (the order flat files' column lists are
#: not published, domain.md §4a)
_BUYER_CANCEL = ("is-buyer-requested-cancellation", "is-buyer-requested-cancel",
                 "buyer-requested-cancel", "IsBuyerRequestedCancel")

ORDER_PROMISES = register(ReportSpec(
    report_type="order_promises",
    title="Order report with ship-by dates",
    table="order_promises",
    amazon_name="GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING / GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING",
    where="Seller Central > Orders > Order Reports > New Orders (or Unshipped Orders), "
          "or the SP-API order flat files; buyer columns are never read",
    marketplace_field=None,
    key=("order_id", "order_item_id"),
    fields=(
        Field("order_id", ("order-id", "amazon-order-id"), required=True, notnull=True),
        Field("order_item_id", ("order-item-id",)),
        Field("sku", ("sku",)),
        Field("quantity", ("quantity-purchased", "quantity"), "int", min_value=0),
        Field("purchase_ts", ("purchase-date",), "ts"),
        Field("earliest_ship_ts", ("earliest-ship-date",), "ts"),
        Field("latest_ship_ts", ("latest-ship-date",), "ts", required=True, notnull=True),
        Field("earliest_delivery_ts", ("earliest-delivery-date",), "ts"),
        Field("latest_delivery_ts", ("latest-delivery-date",), "ts"),
        Field("promise_ts", ("promise-date",), "ts"),
        Field("ship_service_level", ("ship-service-level",)),
        Field("is_prime", ("is-prime",), "bool"),
        Field("buyer_requested_cancel", _BUYER_CANCEL, "bool"),
    ),
))

# The Unshipped Orders report (GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING, domain.md §4a) has
# no latest-ship-date but a promise-date (with days-past-promise and verge-of-lateShipment, it
# is the ship-by promise of the open order). It feeds the same table; latest_ship_ts stays empty.
UNSHIPPED_ORDERS = register(ReportSpec(
    report_type="unshipped_orders",
    title="Unshipped Orders report",
    table="order_promises",
    amazon_name="GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING",
    where="Seller Central > Orders > Order Reports > Unshipped Orders, or the SP-API report "
          "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING; buyer columns are never read",
    key=("order_id", "order_item_id"),
    fields=(
        Field("order_id", ("order-id",), required=True, notnull=True),
        Field("order_item_id", ("order-item-id",), required=True),
        Field("sku", ("sku",)),
        Field("quantity", ("quantity-purchased",), "int", min_value=0),
        Field("purchase_ts", ("purchase-date",), "ts"),
        Field("promise_ts", ("promise-date",), "ts", required=True, notnull=True),
        Field("ship_service_level", ("ship-service-level",)),
        Field("buyer_requested_cancel", _BUYER_CANCEL, "bool"),
    ),
))

_CHANNEL = {"amazon": "AFN", "afn": "AFN", "merchant": "MFN", "mfn": "MFN",
            "seller": "MFN", "easy ship": "MFN"}


def _normalise_orders(res: ReadResult) -> ReadResult:
    res.data["fulfillment_channel"] = map_values(
        res.data["fulfillment_channel"],
        lambda v: _CHANNEL.get(str(v).strip().lower(), v)).astype("string")
    return res


@reader("all_orders")
def read_all_orders(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read an All Orders flat file (any header generation of domain.md §4a) to ``orders``.

    ``fulfillment-channel`` ``Amazon`` becomes ``AFN`` and ``Merchant`` ``MFN``; ``item_price``
    stays the row's line total. The marketplace comes from ``sales-channel`` row by row.

    >>> # read_all_orders("data/sample/acme/US/All Orders 2025-01.txt").data.shape
    """
    return _normalise_orders(read_report(path, ALL_ORDERS, seller_id=seller_id,
                                         marketplace=marketplace, columns=columns))


@reader("amazon_sale_report")
def read_sale_report(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read the "Amazon Sale Report" order export (Order ID, Date, Status, Fulfilment, ...)."""
    return _normalise_orders(read_report(path, SALE_REPORT, seller_id=seller_id,
                                         marketplace=marketplace, columns=columns))


@reader("order_promises")
def read_order_promises(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read ship-by / deliver-by dates from an order flat file to ``order_promises``."""
    return read_report(path, ORDER_PROMISES, seller_id=seller_id, marketplace=marketplace,
                       columns=columns)


@reader("unshipped_orders")
def read_unshipped_orders(path, *, seller_id="default", marketplace=None,
                          columns=None) -> ReadResult:
    """Read the Unshipped Orders report to ``order_promises`` (promise_ts = promise-date)."""
    return read_report(path, UNSHIPPED_ORDERS, seller_id=seller_id, marketplace=marketplace,
                       columns=columns)


def is_cancelled(status: pd.Series) -> pd.Series:
    """True where an order status means cancelled (``Cancelled``, ``Canceled``)."""
    return status.str.lower().str.startswith("cancel").fillna(False)


#: order_item_id given to the units of an order-level ship-by row that no confirmation covers
UNCONFIRMED_ITEM = "(unconfirmed units)"


def complete_order_level_promises(promises: pd.DataFrame, confirmations: pd.DataFrame,
                                  orders: pd.DataFrame | None = None
                                  ) -> tuple[pd.DataFrame, int]:
    """Give order-level ship-by rows the order items their confirmations name.

    A ship-by file may have one row per *order* (no ``order-item-id``) while the shipment
    confirmations name each *item* (``order-item-id``, ``quantity``). Such a row matches no
    confirmation, so every order would count as unconfirmed (late, once its ship-by passed).
    Rule (Amazon confirms shipment per item; an order has shipped when its last item has):
    an order-level row whose order has item confirmations and no whole-order confirmation is
    replaced by one row per item, with the order's ship-by and deliver-by dates. The items
    are those of All Orders (``orders``, where it has ``order-item-id``; cancelled lines with
    quantity 0 left out) together with those confirmed; an item's quantity is its ordered
    quantity (All Orders), else its confirmed quantity. Without All Orders items, an order
    whose row says more units (``quantity-purchased``) than its items confirm keeps the rest
    as an item ``(unconfirmed units)``, so a partly shipped order stays unconfirmed.

    Returns the promises (other rows unchanged) and the number of order-level rows
    completed, which the data-folder loader reports.

    >>> P = pd.DataFrame({"seller_id": "s", "marketplace": "US", "order_id": ["A"],
    ...     "order_item_id": pd.array([None], dtype="string"), "quantity": pd.array([3], "Int64"),
    ...     "latest_ship_ts": pd.to_datetime(["2026-10-02T07:00Z"])})
    >>> C = pd.DataFrame({"seller_id": "s", "marketplace": "US", "order_id": ["A", "A"],
    ...     "order_item_id": ["i1", "i2"], "quantity": pd.array([1, 2], "Int64"),
    ...     "ship_ts": pd.to_datetime(["2026-10-01T10:00Z", "2026-10-03T10:00Z"])})
    >>> out, n = complete_order_level_promises(P, C)
    >>> n, out["order_item_id"].tolist(), out["quantity"].tolist()
    (1, ['i1', 'i2'], [1, 2])
    """
    from .. import contract

    k = ["seller_id", "marketplace", "order_id"]
    if promises.empty or confirmations is None or confirmations.empty \
            or not promises["order_item_id"].isna().any():
        return promises, 0
    p = contract.conform(promises, "order_promises")
    level = p["order_item_id"].isna()
    c = contract.conform(confirmations, "shipment_confirmations")
    c = c[c["ship_ts"].notna()]
    whole = c.loc[c["order_item_id"].isna(), k].drop_duplicates()
    ci = c[c["order_item_id"].notna()]
    if ci.empty:
        return p, 0
    conf = (ci.assign(_na=ci["quantity"].isna(), quantity=ci["quantity"].astype("Float64"))
            .groupby(k + ["order_item_id"], sort=False)
            .agg(conf_qty=("quantity", "sum"), _na=("_na", "any")).reset_index())
    conf["conf_qty"] = conf["conf_qty"].astype("Float64").mask(conf["_na"])
    cand = p.loc[level].drop_duplicates(k)
    cand = cand.merge(conf[k].drop_duplicates(), on=k).merge(
        whole.assign(_whole=True), on=k, how="left")
    cand = cand[cand["_whole"].isna()].drop(columns="_whole")
    if cand.empty:
        return p, 0
    items = conf[conf.set_index(k).index.isin(cand.set_index(k).index)]
    ordered = pd.DataFrame(columns=k + ["order_item_id", "ord_qty", "ord_sku"])
    if orders is not None and not orders.empty and "order_item_id" in orders \
            and orders["order_item_id"].notna().any():
        o = contract.conform(orders, "orders")
        o = o[o["order_item_id"].notna() & (o["quantity"].fillna(0) > 0)]
        o = o[o.set_index(k).index.isin(cand.set_index(k).index)]
        ordered = (o.groupby(k + ["order_item_id"], sort=False)
                   .agg(ord_qty=("quantity", "sum"), ord_sku=("sku", "first")).reset_index())
    items = items.merge(ordered, on=k + ["order_item_id"], how="outer")
    items["item_qty"] = items["ord_qty"].astype("Float64").fillna(items["conf_qty"])
    # orders whose All Orders lines are unknown: the row's own quantity bounds the items
    known = ordered[k].drop_duplicates().assign(_known=True)
    tot = items.groupby(k, sort=False)["item_qty"].agg(lambda s: s.sum() if s.notna().all()
                                                       else pd.NA).rename("_tot").reset_index()
    rest = cand[k + ["quantity"]].merge(tot, on=k).merge(known, on=k, how="left")
    rest = rest[rest["_known"].isna() & rest["quantity"].notna() & rest["_tot"].notna()]
    rest = rest[rest["quantity"].astype("Float64") > rest["_tot"].astype("Float64")]
    if len(rest):
        items = pd.concat([items, pd.DataFrame({
            **{c: rest[c].to_numpy() for c in k}, "order_item_id": UNCONFIRMED_ITEM,
            "item_qty": (rest["quantity"].astype("Float64")
                         - rest["_tot"].astype("Float64")).to_numpy()})], ignore_index=True)
    expanded = cand.drop(columns=["order_item_id", "quantity"]).merge(
        items[k + ["order_item_id", "item_qty", "ord_sku"]], on=k)
    expanded["quantity"] = expanded["item_qty"].round().astype("Int64")
    expanded["sku"] = expanded["ord_sku"].astype("string").fillna(expanded["sku"])
    done = p.set_index(k).index.isin(cand.set_index(k).index) & level.to_numpy()
    out = pd.concat([p.loc[~done], expanded], ignore_index=True)
    return contract.conform(out, "order_promises"), int(done.sum())
