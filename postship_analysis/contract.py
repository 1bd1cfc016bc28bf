"""The data contract: marketplaces and the canonical tables every reader returns.

This module is the one place that says what a canonical table looks like. Readers produce
these tables; analytics modules and notebooks rely on them and on nothing else about the
raw exports. ``docs/DATA_CONTRACT.md`` is generated from it
(``python -m postship_analysis.contract > docs/DATA_CONTRACT.md``; a test checks it is current).

Conventions (all tables)
------------------------
* Timestamps (columns ending in ``_ts``) are timezone-aware UTC (``datetime64[ns, UTC]``).
  Local dates for windows are taken in the marketplace's own time zone with :func:`local_date`.
  A naive timestamp in a file is read as marketplace-local time, then converted to UTC.
* Calendar dates (columns ending in ``_date``) are ``datetime64[ns]`` at midnight, naive, and
  mean the marketplace-local calendar day.
* Quantities and counts are nullable integers (``Int64``).
* Money is ``float64`` in the currency named by the row's ``currency`` column.
* Rates and percentages are fractions (``0.032`` = 3.2 %), whatever the file used.
* Every table carries ``seller_id`` and ``marketplace`` (our short code, e.g. ``US``);
  ``marketplace_id`` (Amazon's id, e.g. ``ATVPDKIKX0DER``) is derived from it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pandas as pd

from .errors import ParameterError


@dataclass(frozen=True)
class Marketplace:
    """One Amazon marketplace.

    ``decimal`` is the decimal separator Seller Central uses in that marketplace's downloads,
    ``day_first`` whether numeric dates are written day-first (``15.01.2025``, ``15/01/2025``).
    Time zones are the ones Seller Central uses for the marketplace's reports.
    """

    code: str
    marketplace_id: str
    domain: str
    tz: str
    currency: str
    decimal: str
    day_first: bool


# Marketplace ids: https://developer-docs.amazon.com/sp-api/docs/marketplace-ids
MARKETPLACES: dict[str, Marketplace] = {
    m.code: m
    for m in [
        Marketplace("US", "ATVPDKIKX0DER", "Amazon.com", "America/Los_Angeles", "USD", ".", False),
        Marketplace("CA", "A2EUQ1WTGCTBG2", "Amazon.ca", "America/Los_Angeles", "CAD", ".", False),
        Marketplace("MX", "A1AM78C64UM0Y8", "Amazon.com.mx", "America/Mexico_City", "MXN", ".", True),
        Marketplace("BR", "A2Q3Y263D00KWC", "Amazon.com.br", "America/Sao_Paulo", "BRL", ",", True),
        Marketplace("UK", "A1F83G8C2ARO7P", "Amazon.co.uk", "Europe/London", "GBP", ".", True),
        Marketplace("DE", "A1PA6795UKMFR9", "Amazon.de", "Europe/Berlin", "EUR", ",", True),
        Marketplace("FR", "A13V1IB3VIYZZH", "Amazon.fr", "Europe/Paris", "EUR", ",", True),
        Marketplace("IT", "APJ6JRA9NG5V4", "Amazon.it", "Europe/Rome", "EUR", ",", True),
        Marketplace("ES", "A1RKKUPIHCS9HS", "Amazon.es", "Europe/Madrid", "EUR", ",", True),
        Marketplace("NL", "A1805IZSGTT6HS", "Amazon.nl", "Europe/Amsterdam", "EUR", ",", True),
        Marketplace("SE", "A2NODRKZP88ZB9", "Amazon.se", "Europe/Stockholm", "SEK", ",", True),
        Marketplace("PL", "A1C3SOZRARQ6R3", "Amazon.pl", "Europe/Warsaw", "PLN", ",", True),
        Marketplace("IN", "A21TJRUUN4KGV", "Amazon.in", "Asia/Kolkata", "INR", ".", True),
        Marketplace("JP", "A1VC38T7YXB528", "Amazon.co.jp", "Asia/Tokyo", "JPY", ".", False),
        Marketplace("AU", "A39IBJ37TRP1C6", "Amazon.com.au", "Australia/Sydney", "AUD", ".", True),
        Marketplace("AE", "A2VIGQ35RCS4UG", "Amazon.ae", "Asia/Dubai", "AED", ".", True),
        Marketplace("SA", "A17E79C6D8DWNP", "Amazon.sa", "Asia/Riyadh", "SAR", ".", True),
    ]
}
_BY_ID = {m.marketplace_id: m for m in MARKETPLACES.values()}
_BY_DOMAIN = {m.domain.lower(): m for m in MARKETPLACES.values()}
_ALIASES = {"GB": "UK", "COM": "US", "AMAZON.COM": "US"}


def marketplace(key: str) -> Marketplace:
    """Look a marketplace up by code (``US``), Amazon id (``ATVPDKIKX0DER``) or domain.

    >>> marketplace("Amazon.de").tz
    'Europe/Berlin'
    """
    if isinstance(key, Marketplace):
        return key
    k = str(key).strip()
    up = k.upper()
    up = _ALIASES.get(up, up)
    if up in MARKETPLACES:
        return MARKETPLACES[up]
    if k in _BY_ID:
        return _BY_ID[k]
    low = k.lower().removeprefix("www.")
    if low in _BY_DOMAIN:
        return _BY_DOMAIN[low]
    raise ParameterError(
        f"unknown marketplace {key!r}; expected one of {', '.join(MARKETPLACES)} "
        "(or an Amazon marketplace id or domain such as 'Amazon.de')"
    )


def marketplace_from_sales_channel(values: pd.Series) -> pd.Series:
    """Map an orders file's ``sales-channel`` (``Amazon.com``, ``Amazon.de``) to our codes.

    Values that are not an Amazon marketplace (``Non-Amazon``, blank) map to ``<NA>``.
    """
    from .readers.core import map_values  # noqa: PLC0415 (the contract sits beside readers)

    lookup = {m.domain.lower(): m.code for m in MARKETPLACES.values()}
    return map_values(values, lambda v: lookup.get(str(v).strip().lower())).astype("string")


def as_of_day(value, name: str = "as_of") -> pd.Timestamp:
    """Validate an as-of date (or a window bound): a marketplace-local calendar day, returned
    as a naive Timestamp at midnight. Every metric calls this, so a missing, unreadable or
    time-zone-aware value fails the same way everywhere.

    >>> as_of_day("2026-11-01")
    Timestamp('2026-11-01 00:00:00')
    """
    if value is None:
        raise ParameterError(f"{name} is required (a marketplace-local date such as "
                             "'2026-11-01')")
    try:
        t = pd.Timestamp(value)
    except (TypeError, ValueError) as e:
        raise ParameterError(f"{name} must be a date like '2026-11-01', got {value!r}") from e
    if t is pd.NaT:
        raise ParameterError(f"{name} must be a date like '2026-11-01', got {value!r}")
    if t.tzinfo is not None:
        raise ParameterError(f"{name} is a marketplace-local calendar date; pass it without a "
                             f"time zone (e.g. pd.Timestamp('2026-11-01')), got {value!r}")
    return t.normalize()


def local_date(ts: pd.Series, marketplace_code: str | pd.Series) -> pd.Series:
    """Marketplace-local calendar date (naive midnight) of UTC timestamps.

    ``marketplace_code`` is one code for the whole series or a series of codes, row by row.

    >>> s = pd.Series(pd.to_datetime(["2025-03-01T05:00Z"]))
    >>> str(local_date(s, "US").iloc[0].date())   # 05:00 UTC is still 28 Feb in Seattle
    '2025-02-28'
    """
    if isinstance(marketplace_code, str):
        return ts.dt.tz_convert(marketplace(marketplace_code).tz).dt.tz_localize(None).dt.normalize()
    out = pd.Series(pd.NaT, index=ts.index, dtype="datetime64[ns]")
    for code in pd.unique(marketplace_code.dropna()):
        mask = marketplace_code == code
        conv = ts[mask].dt.tz_convert(marketplace(code).tz).dt.tz_localize(None).dt.normalize()
        out.loc[mask] = conv.astype("datetime64[ns]")
    return out


# ---------------------------------------------------------------------------------------------
# Canonical tables
# ---------------------------------------------------------------------------------------------

TS = "datetime64[ns, UTC]"
DATE = "datetime64[ns]"
STR = "string"
INT = "Int64"
FLOAT = "float64"
BOOL = "boolean"


@dataclass(frozen=True)
class Col:
    name: str
    dtype: str
    doc: str


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Col, ...]
    key: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def dtypes(self) -> dict[str, str]:
        return {c.name: c.dtype for c in self.columns}


_ID = (
    Col("seller_id", STR, "seller account the file belongs to (folder name or parameter)"),
    Col("marketplace", STR, "marketplace code, e.g. US, DE (see MARKETPLACES)"),
)

TABLES: dict[str, Table] = {}


def _table(name, doc, cols, key=()):
    TABLES[name] = Table(name, doc, tuple(_ID) + tuple(Col(*c) for c in cols), tuple(key))


_table(
    "orders",
    "One row per order item, from the All Orders report "
    "(GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL) or a compatible order export.",
    [
        ("order_id", STR, "amazon-order-id"),
        ("merchant_order_id", STR, "merchant-order-id"),
        ("order_item_id", STR, "order-item-id (files since 2026; else <NA>)"),
        ("purchase_ts", TS, "purchase-date, UTC"),
        ("last_updated_ts", TS, "last-updated-date, UTC"),
        ("order_status", STR, "order-status: Pending, Shipped, Shipped - Delivered to Buyer, Cancelled, ..."),
        ("fulfillment_channel", STR, "AFN (Amazon / FBA) or MFN (Merchant / seller-fulfilled)"),
        ("sales_channel", STR, "sales-channel, e.g. Amazon.com"),
        ("ship_service_level", STR, "ship-service-level: Standard, Expedited, ..."),
        ("product_name", STR, "product-name"),
        ("sku", STR, "seller SKU"),
        ("asin", STR, "ASIN"),
        ("item_status", STR, "item-status"),
        ("quantity", INT, "units ordered"),
        ("currency", STR, "ISO currency of the money columns"),
        ("item_price", FLOAT, "item-price: line total for the row (not per unit)"),
        ("item_tax", FLOAT, "item-tax"),
        ("shipping_price", FLOAT, "shipping-price"),
        ("shipping_tax", FLOAT, "shipping-tax"),
        ("item_promotion_discount", FLOAT, "item-promotion-discount (positive amount)"),
        ("ship_promotion_discount", FLOAT, "ship-promotion-discount"),
        ("ship_city", STR, "ship-city"),
        ("ship_state", STR, "ship-state"),
        ("ship_postal_code", STR, "ship-postal-code (kept as text: leading zeros)"),
        ("ship_country", STR, "ship-country, ISO 3166 alpha-2"),
        ("is_business_order", BOOL, "is-business-order"),
        ("promotion_ids", STR, "promotion-ids"),
    ],
)
_table(
    "order_promises",
    "Ship-by and deliver-by dates of seller-fulfilled order items, from the order flat files "
    "(earliest/latest-ship-date, earliest/latest-delivery-date, promise-date).",
    [
        ("order_id", STR, "order-id"),
        ("order_item_id", STR, "order-item-id"),
        ("sku", STR, "sku"),
        ("quantity", INT, "quantity-purchased"),
        ("purchase_ts", TS, "purchase-date"),
        ("earliest_ship_ts", TS, "earliest-ship-date"),
        ("latest_ship_ts", TS, "latest-ship-date: the expected ship date (ship-by) used by Late Shipment Rate"),
        ("earliest_delivery_ts", TS, "earliest-delivery-date"),
        ("latest_delivery_ts", TS, "latest-delivery-date: the deliver-by date"),
        ("promise_ts", TS, "promise-date where the file has it"),
        ("ship_service_level", STR, "ship-service-level"),
        ("is_prime", BOOL, "is-prime"),
        ("buyer_requested_cancel", BOOL, "is-buyer-requested-cancellation: the buyer asked to "
         "cancel through Amazon (ordersV0 BuyerRequestedCancel.IsBuyerRequestedCancel); a "
         "cancellation made on it with reason BuyerCanceled stays out of the cancel rate"),
    ],
)
_table(
    "shipment_confirmations",
    "Seller-fulfilled shipment confirmations in the POST_FLAT_FILE_FULFILLMENT_DATA layout "
    "(one row per package or per order item; blank order-item-id/quantity = whole order).",
    [
        ("order_id", STR, "order-id"),
        ("order_item_id", STR, "order-item-id (<NA> = the whole order)"),
        ("quantity", INT, "quantity (<NA> = the whole order)"),
        ("ship_ts", TS, "ship-date, UTC"),
        ("carrier_code", STR, "carrier-code as chosen from Amazon's list ('Other' = free text)"),
        ("carrier_name", STR, "carrier-name (required by Amazon when carrier-code is Other)"),
        ("tracking_number", STR, "tracking-number, as typed"),
        ("ship_method", STR, "ship-method"),
        ("confirmed_ts", TS, "when the confirmation reached Amazon (feed submitted / processed, "
         "SP-API call, a shipping tool's 'marketplace notified' time), UTC; <NaT> if unknown. "
         "Late Shipment Rate is judged on this moment, not on the ship-date typed"),
    ],
)
_table(
    "delivery_events",
    "Carrier scan events for seller-fulfilled packages. Amazon has no export of these; this is "
    "our CSV (columns tracking-number, carrier, event, event-time), filled from carrier portals "
    "or a shipping tool. event is one of: label_created, picked_up, in_transit, "
    "out_for_delivery, delivered, exception, returned.",
    [
        ("tracking_number", STR, "tracking number"),
        ("carrier", STR, "carrier name"),
        ("event", STR, "normalised event name"),
        ("event_ts", TS, "event time, UTC"),
    ],
)
_table(
    "fba_shipments",
    "Amazon Fulfilled Shipments (GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL); buyer and "
    "address columns are never read.",
    [
        ("order_id", STR, "amazon-order-id"),
        ("shipment_id", STR, "shipment-id"),
        ("shipment_item_id", STR, "shipment-item-id"),
        ("order_item_id", STR, "amazon-order-item-id"),
        ("purchase_ts", TS, "purchase-date"),
        ("shipment_ts", TS, "shipment-date"),
        ("sku", STR, "sku"),
        ("quantity", INT, "quantity-shipped"),
        ("currency", STR, "currency"),
        ("item_price", FLOAT, "item-price"),
        ("ship_service_level", STR, "ship-service-level"),
        ("carrier", STR, "carrier"),
        ("tracking_number", STR, "tracking-number"),
        ("estimated_arrival_ts", TS, "estimated-arrival-date"),
        ("fulfillment_center_id", STR, "fulfillment-center-id"),
        ("sales_channel", STR, "sales-channel"),
    ],
)
_table(
    "inventory_snapshots",
    "FBA inventory per SKU and snapshot date, from Manage FBA Inventory "
    "(GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA; date from the file name or a parameter) or "
    "FBA Inventory planning (GET_FBA_INVENTORY_PLANNING_DATA; snapshot-date column).",
    [
        ("snapshot_date", DATE, "marketplace-local date of the snapshot"),
        ("sku", STR, "seller SKU"),
        ("fnsku", STR, "FNSKU"),
        ("asin", STR, "ASIN"),
        ("fulfillable", INT, "afn-fulfillable-quantity / available: units that can be sold now"),
        ("reserved", INT, "afn-reserved-quantity / Total Reserved Quantity"),
        ("unfulfillable", INT, "afn-unsellable-quantity / unfulfillable-quantity"),
        ("inbound_working", INT, "afn-inbound-working-quantity / inbound-working"),
        ("inbound_shipped", INT, "afn-inbound-shipped-quantity / inbound-shipped"),
        ("inbound_receiving", INT, "afn-inbound-receiving-quantity / inbound-received"),
        ("source", STR, "report the row came from: myi, planning, ledger"),
    ],
)
_table(
    "inventory_ledger",
    "FBA inventory ledger events (GET_LEDGER_DETAIL_VIEW_DATA), an alternative source of the "
    "daily on-hand history.",
    [
        ("event_date", DATE, "Date (marketplace-local)"),
        ("fnsku", STR, "FNSKU"),
        ("asin", STR, "ASIN"),
        ("sku", STR, "MSKU"),
        ("event_type", STR, "Event Type: Shipments, Receipts, CustomerReturns, Adjustments, ..."),
        ("reference_id", STR, "Reference ID"),
        ("quantity", INT, "signed change in units"),
        ("fulfillment_center", STR, "Fulfillment Center"),
        ("disposition", STR, "Disposition: SELLABLE, DEFECTIVE, ..."),
        ("reason", STR, "Reason"),
        ("country", STR, "Country"),
    ],
)
_table(
    "restock",
    "Amazon's Restock Inventory report (GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT).",
    [
        ("sku", STR, "Merchant SKU"),
        ("fnsku", STR, "FNSKU"),
        ("asin", STR, "ASIN"),
        ("product_name", STR, "Product Name"),
        ("currency", STR, "Currency code"),
        ("price", FLOAT, "Price"),
        ("sales_last_30d", FLOAT, "Sales last 30 days (money)"),
        ("units_sold_last_30d", INT, "Units Sold Last 30 Days"),
        ("total_units", INT, "Total Units"),
        ("inbound", INT, "Inbound"),
        ("available", INT, "Available"),
        ("fc_transfer", INT, "FC transfer"),
        ("fc_processing", INT, "FC Processing"),
        ("customer_order", INT, "Customer Order"),
        ("unfulfillable", INT, "Unfulfillable"),
        ("working", INT, "Working"),
        ("shipped", INT, "Shipped"),
        ("receiving", INT, "Receiving"),
        ("fulfilled_by", STR, "Fulfilled by"),
        ("days_of_supply", FLOAT, "Total Days of Supply (including units from open shipments)"),
        ("alert", STR, "Alert: out_of_stock, reorder_now, ..."),
        ("recommended_qty", INT, "Recommended replenishment qty"),
        ("recommended_ship_date", DATE, "Recommended ship date"),
        ("recommended_action", STR, "Recommended action"),
    ],
)
_table(
    "returns",
    "Customer returns: FBA (GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA) and seller-fulfilled "
    "(GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE); free-text comments are never read.",
    [
        ("return_ts", TS, "return-date / Return request date"),
        ("order_id", STR, "order-id"),
        ("sku", STR, "sku"),
        ("asin", STR, "asin"),
        ("quantity", INT, "units returned"),
        ("reason", STR, "return reason code, e.g. NOT_COMPATIBLE, SWITCHEROO (wrong item)"),
        ("received_sku", STR, "SKU of the unit that actually came back when it differs from the "
         "one ordered (wrong item); <NA> when the report does not say"),
        ("disposition", STR, "detailed-disposition (FBA)"),
        ("status", STR, "status / Return request status"),
        ("fulfillment_channel", STR, "AFN or MFN"),
        ("refunded_amount", FLOAT, "Refunded Amount (seller-fulfilled)"),
        ("currency", STR, "currency of refunded_amount"),
    ],
)
_table(
    "ads",
    "Sponsored Products performance rows, from Ads API v3 reports (spCampaigns, "
    "spAdvertisedProduct, spSearchTerm) or Advertising console downloads (CSV/XLSX). One row "
    "per entity and day (or per start/end period where the file is not daily).",
    [
        ("report_level", STR, "campaign, ad_group, advertised_product, targeting, search_term, "
         "placement, or over_time (the console's Performance over time report: account totals "
         "per day, no campaign)"),
        ("start_date", DATE, "first day covered by the row"),
        ("end_date", DATE, "last day covered (= start_date for daily rows)"),
        ("portfolio", STR, "portfolio name"),
        ("campaign_name", STR, "campaign name"),
        ("campaign_id", STR, "campaign id (API reports)"),
        ("ad_group_name", STR, "ad group name"),
        ("ad_group_id", STR, "ad group id"),
        ("targeting", STR, "keyword or targeting expression"),
        ("match_type", STR, "BROAD, PHRASE, EXACT, or <NA> for auto/product targeting"),
        ("search_term", STR, "customer search term"),
        ("placement", STR, "placement (Top of search, Product pages, Rest of search) for placement reports"),
        ("advertised_sku", STR, "advertised SKU"),
        ("advertised_asin", STR, "advertised ASIN"),
        ("currency", STR, "currency of the money columns"),
        ("impressions", INT, "impressions"),
        ("clicks", INT, "clicks"),
        ("spend", FLOAT, "spend / cost"),
        ("sales", FLOAT, "attributed sales in the attribution window"),
        ("orders", INT, "attributed orders in the attribution window"),
        ("units", INT, "attributed units in the attribution window"),
        ("attribution_days", INT, "attribution window in days (7 for seller SP, 14 for SB / some exports)"),
        ("reported_ctr", FLOAT, "the file's own click-through rate, fraction"),
        ("reported_cpc", FLOAT, "the file's own cost per click"),
        ("reported_acos", FLOAT, "the file's own ACoS, fraction (<NA> where Amazon left it blank)"),
        ("reported_roas", FLOAT, "the file's own ROAS (<NA> where spend is 0)"),
        ("campaign_budget", FLOAT, "the campaign's daily budget where the report carries it "
         "(console Campaign report Budget, API campaignBudgetAmount); <NA> elsewhere"),
        ("campaign_state", STR, "the campaign's status where the report carries it (ENABLED, "
         "PAUSED, ARCHIVED)"),
        ("bidding_strategy", STR, "the campaign's bidding strategy where the report carries it "
         "(Dynamic bids - down only, Dynamic bids - up and down, Fixed bid)"),
    ],
)
_table(
    "ad_entities",
    "Sponsored Products entities from an Amazon Ads bulk-operations download (bulksheets 2.0, "
    "'Sponsored Products Campaigns' sheet): one row per campaign, ad group, product ad, "
    "keyword, product target, negative or bidding adjustment, with the ids an upload needs and "
    "the current settings (bids, budgets, states, portfolio, end date, bidding strategy).",
    [
        ("entity", STR, "Campaign, Ad group, Product ad, Keyword, Negative keyword, Campaign "
         "negative keyword, Product targeting, Negative product targeting, Bidding adjustment"),
        ("campaign_id", STR, "bulksheet campaign id"),
        ("ad_group_id", STR, "bulksheet ad group id"),
        ("portfolio_id", STR, "portfolio id (campaign rows)"),
        ("ad_id", STR, "product ad id"),
        ("keyword_id", STR, "keyword id (keywords and negative keywords)"),
        ("product_targeting_id", STR, "product targeting id (product targets, auto targeting "
         "groups and negative product targets)"),
        ("campaign_name", STR, "campaign name (Campaign Name, else Campaign Name "
         "(Informational only))"),
        ("ad_group_name", STR, "ad group name (Ad Group Name, else its informational copy)"),
        ("portfolio_name", STR, "Portfolio Name (Informational only)"),
        ("start_date", DATE, "campaign start date"),
        ("end_date", DATE, "campaign end date (<NA>: runs indefinitely)"),
        ("targeting_type", STR, "AUTO or MANUAL (campaign rows)"),
        ("state", STR, "enabled, paused or archived (the row's own entity)"),
        ("campaign_state", STR, "state of the row's campaign (Campaign State (Informational "
         "only), or the campaign row's own state)"),
        ("ad_group_state", STR, "state of the row's ad group"),
        ("daily_budget", FLOAT, "campaign daily budget"),
        ("sku", STR, "advertised SKU (product ads)"),
        ("asin", STR, "advertised ASIN (product ads)"),
        ("ad_group_default_bid", FLOAT, "the ad group's default bid (on ad group rows; on the "
         "ad group's children from the informational copy)"),
        ("bid", FLOAT, "keyword / product target bid (<NA>: the ad group default bid applies)"),
        ("keyword_text", STR, "keyword text"),
        ("match_type", STR, "exact, phrase, broad; negativeExact, negativePhrase for negatives"),
        ("bidding_strategy", STR, "Dynamic bids - down only, Dynamic bids - up and down, "
         "Fixed bid (campaign rows)"),
        ("placement", STR, "placement of a bidding adjustment"),
        ("percentage", FLOAT, "bidding adjustment percentage"),
        ("product_targeting_expression", STR, "e.g. close-match, asin=\"B0...\", "
         "category=\"...\""),
        ("resolved_expression", STR, "Resolved Product Targeting Expression (Informational "
         "only)"),
    ],
)
_table(
    "sales_traffic",
    "Business Report / Sales and Traffic: by date (report_date set) or by ASIN over the "
    "report period (report_date <NA>).",
    [
        ("report_date", DATE, "day, for by-date rows"),
        ("parent_asin", STR, "(Parent) ASIN"),
        ("child_asin", STR, "(Child) ASIN"),
        ("sku", STR, "SKU"),
        ("title", STR, "Title"),
        ("sessions", INT, "Sessions - Total"),
        ("page_views", INT, "Page Views - Total"),
        ("buy_box_pct", FLOAT, "Featured Offer (Buy Box) Percentage, fraction"),
        ("units_ordered", INT, "Units Ordered"),
        ("unit_session_pct", FLOAT, "Unit Session Percentage, fraction (units / sessions)"),
        ("ordered_product_sales", FLOAT, "Ordered Product Sales"),
        ("currency", STR, "currency of ordered_product_sales"),
        ("total_order_items", INT, "Total Order Items"),
        ("units_refunded", INT, "unitsRefunded (JSON report)"),
    ],
)
_table(
    "account_health",
    "Seller performance report (GET_V2_SELLER_PERFORMANCE_REPORT), one row per metric, "
    "window and fulfilment channel.",
    [
        ("marketplace_id", STR, "Amazon marketplace id"),
        ("metric", STR, "orderDefectRate, lateShipmentRate, validTrackingRate, ..."),
        ("fulfillment_channel", STR, "MFN, AFN or <NA>"),
        ("window_from", TS, "reportingDateRange.reportingDateFrom"),
        ("window_to", TS, "reportingDateRange.reportingDateTo"),
        ("rate", FLOAT, "rate as a fraction"),
        ("numerator", INT, "defect / late / valid count"),
        ("denominator", INT, "order / shipment / unit count"),
        ("target_value", FLOAT, "Amazon's target"),
        ("target_condition", STR, "LESS_THAN, GREATER_THAN, EQUALS"),
        ("status", STR, "GOOD, BAD, NONE, ..."),
    ],
)
_table(
    "buyer_messages",
    "Buyer-seller message threads. Amazon has no export; this is our CSV (thread-id, order-id, "
    "received-at, first-response-at, category), e.g. from a helpdesk tool.",
    [
        ("thread_id", STR, "message thread id"),
        ("order_id", STR, "Amazon order id, if any"),
        ("received_ts", TS, "when the buyer's message arrived, UTC"),
        ("first_response_ts", TS, "first seller response, UTC (<NaT> = unanswered)"),
        ("category", STR, "where_is_my_order, return_request, product_question, cancellation, other"),
    ],
)
_table(
    "review_requests",
    "The seller's log of review requests already sent (Request a Review button, Solicitations "
    "API or a tool). Amazon has no export; this is our CSV (order-id, requested-at, method). "
    "Amazon allows one request per order: an order in this log is never listed again.",
    [
        ("order_id", STR, "Amazon order id"),
        ("requested_ts", TS, "when the request was sent, UTC (<NaT> = date unknown)"),
        ("method", STR, "how it was sent: button, api, the tool's name..."),
    ],
)
_table(
    "feedback",
    "Seller feedback (GET_SELLER_FEEDBACK_DATA / Seller Central > Performance > Feedback > "
    "download); comments and rater e-mail are never read.",
    [
        ("feedback_date", DATE, "Date the buyer left the feedback (marketplace-local)"),
        ("rating", INT, "1-5 stars; 1-2 is negative feedback (an ODR defect)"),
        ("order_id", STR, "Order ID"),
        ("removed", BOOL, "feedback struck through / removed by Amazon (does not count)"),
    ],
)
_table(
    "claims",
    "A-to-z Guarantee claims (Seller Central > Performance > A-to-z Guarantee Claims > "
    "download; no SP-API report exists, so the header names are our documented assumption).",
    [
        ("claim_id", STR, "claim id"),
        ("order_id", STR, "order id"),
        ("claim_ts", TS, "when the claim was filed"),
        ("claim_reason", STR, "reason, e.g. item not received, not as described"),
        ("claim_status", STR, "pending, granted, denied, withdrawn, closed, ..."),
        ("decision_ts", TS, "when Amazon decided (<NaT> while pending)"),
        ("amount", FLOAT, "claim amount"),
        ("currency", STR, "currency of amount"),
        ("funded_by", STR, "seller or amazon (Amazon-funded grants still count in ODR)"),
        ("withdrawn_after_grant", BOOL, "withdrawn by the buyer after Amazon granted it (counts)"),
    ],
)
_table(
    "chargebacks",
    "Credit-card chargeback claims (Seller Central > Performance > Chargeback Claims > "
    "download; header names are our documented assumption).",
    [
        ("chargeback_id", STR, "chargeback id"),
        ("order_id", STR, "order id"),
        ("chargeback_ts", TS, "when the chargeback was received"),
        ("reason", STR, "reason; fraud chargebacks are excluded from ODR, service ones count"),
        ("is_fraud", BOOL, "a fraud (unauthorised use) chargeback, not counted in ODR"),
        ("status", STR, "status"),
        ("amount", FLOAT, "amount"),
        ("currency", STR, "currency"),
    ],
)
_table(
    "unit_costs",
    "Seller-provided unit economics per SKU (our CSV: sku, marketplace, currency, price, cogs, "
    "fba-fee, referral-fee-pct, other-cost-per-unit, and optionally asin and vat-rate). The "
    "price is the selling price as listed on Amazon (VAT/GST included where the marketplace's "
    "prices include it); costs are net of any VAT you reclaim.",
    [
        ("sku", STR, "seller SKU"),
        ("currency", STR, "currency"),
        ("price", FLOAT, "typical selling price per unit"),
        ("cogs", FLOAT, "landed cost of goods per unit"),
        ("fba_fee", FLOAT, "fulfilment fee per unit (0 for seller-fulfilled)"),
        ("referral_fee_pct", FLOAT, "referral fee as a fraction of price"),
        ("other_cost", FLOAT, "other variable cost per unit (packaging, inbound freight...)"),
        ("asin", STR, "ASIN of the SKU (optional; joins ASIN-only ad reports to the SKU)"),
        ("vat_rate", FLOAT, "VAT / GST rate included in the price, fraction (optional; blank: "
         "the marketplace's standard rate, postship_analysis.vat)"),
    ],
)
_table(
    "sku_categories",
    "The seller's SKU-to-category mapping (our CSV: sku, category, optional marketplace), e.g. "
    "the product categories shown on Seller Central's valid tracking page. In the US Amazon "
    "applies the valid tracking rate per product category.",
    [
        ("sku", STR, "seller SKU"),
        ("category", STR, "product category (as Amazon names it on the valid tracking page)"),
    ],
)
_table(
    "stock_levels",
    "Stock on hand per SKU without a snapshot date (e.g. a warehouse stock sheet).",
    [
        ("sku", STR, "SKU"),
        ("stock", INT, "units on hand"),
        ("category", STR, "category"),
        ("size", STR, "size"),
        ("color", STR, "color"),
    ],
)


def empty(table: str) -> pd.DataFrame:
    """An empty DataFrame with the canonical columns and dtypes of ``table``."""
    t = TABLES[table]
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in t.columns})


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``df`` with exactly the canonical columns of ``table``, in order, with their dtypes.

    Missing columns are added empty; extra columns are dropped.
    """
    t = TABLES[table]
    out = {}
    n = len(df)
    for c in t.columns:
        if c.name in df.columns:
            s = df[c.name]
            if str(s.dtype) != c.dtype:
                s = s.astype(c.dtype)
            out[c.name] = s.reset_index(drop=True)
        else:
            out[c.name] = pd.Series(pd.NA if c.dtype in (STR, INT, BOOL) else None,
                                    index=pd.RangeIndex(n), dtype=c.dtype)
    return pd.DataFrame(out)


def validate(df: pd.DataFrame, table: str) -> None:
    """Raise :class:`ParameterError` unless ``df`` has the columns and dtypes of ``table``."""
    t = TABLES[table]
    missing = [c for c in t.names if c not in df.columns]
    if missing:
        raise ParameterError(f"table {table!r} lacks column(s) {missing}")
    wrong = {c.name: str(df[c.name].dtype) for c in t.columns if str(df[c.name].dtype) != c.dtype}
    if wrong:
        raise ParameterError(f"table {table!r} has wrong dtypes {wrong}; expected {t.dtypes}")


def markdown() -> str:
    """The data contract as Markdown (the source of docs/DATA_CONTRACT.md)."""
    doc = (__doc__ or "").split("\n", 1)[1].strip()
    lines = ["# Data contract: canonical tables", "",
             "Generated by `python -m postship_analysis.contract`; do not edit by hand.", "",
             doc, "", "## Marketplaces", "",
             "| code | id | domain | time zone | currency | decimal | day first |",
             "|---|---|---|---|---|---|---|"]
    for m in MARKETPLACES.values():
        lines.append(f"| {m.code} | {m.marketplace_id} | {m.domain} | {m.tz} | {m.currency} | "
                     f"`{m.decimal}` | {m.day_first} |")
    for t in TABLES.values():
        lines += ["", f"## `{t.name}`", "", t.doc, "", "| column | dtype | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.dtype} | {c.doc} |" for c in t.columns]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(markdown())
