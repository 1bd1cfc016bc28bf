"""Amazon's Restock Inventory report (see ``../shared/domain.md`` §2.3 and §4c).

``GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT``: Seller Central > Inventory > Inventory
Planning > Restock Inventory > Download (or Reports > Fulfillment > Restock Inventory), or the
SP-API report of that name. Tab-delimited, Title-Case headers, 30 columns in 2026::

    Country	Product Name	FNSKU	Merchant SKU	ASIN	Condition	Supplier	Supplier part no.
    Currency code	Price	Sales last 30 days	Units Sold Last 30 Days	Total Units	Inbound
    Available	FC transfer	FC Processing	Customer Order	Unfulfillable	Working	Shipped
    Receiving	Fulfilled by	Total Days of Supply (including units from open shipments)
    Days of Supply at Amazon Fulfillment Network	Alert	Recommended replenishment qty
    Recommended ship date	Recommended action	Unit storage size

Older versions lack ``Recommended action``, ``Unit storage size`` and the two Days-of-Supply
columns (those come back ``<NA>``). Units: quantities are units; ``Price`` and ``Sales last 30
days`` are money in ``Currency code`` (``Sales last 30 days`` is the value of the units shipped
in 30 days, not a unit count); ``Total Days of Supply`` is days. ``Recommended ship date`` is
written the marketplace's way (``04/07/2026`` = 7 April in the US, 4 July in the UK and DE).
European files may be cp1252-encoded (``ü`` in product names); the encoding is detected.

Amazon publishes no formula for the recommendation (a newsvendor-style optimisation, help page
G201634550): treat it as one input, not ground truth.
"""

from __future__ import annotations

from .. import contract
from .core import Field, ReadResult, ReportSpec, reader, register
from .inventory import read_text

_UNITS = ("units_sold_last_30d", "total_units", "inbound", "available", "fc_transfer",
          "fc_processing", "customer_order", "unfulfillable", "working", "shipped", "receiving")

RESTOCK = register(ReportSpec(
    report_type="restock_report",
    title="Restock Inventory report",
    table="restock",
    amazon_name="GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT",
    where="Seller Central > Inventory > Inventory Planning > Restock Inventory > Download, or "
          "SP-API report GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT",
    key=("country", "sku", "fnsku", "asin", "condition", *_UNITS, "recommended_qty",
         "recommended_ship_date", "alert"),
    fields=(
        Field("country", ("Country",)),
        Field("product_name", ("Product Name",)),
        Field("fnsku", ("FNSKU",)),
        Field("sku", ("Merchant SKU",), required=True, notnull=True),
        Field("asin", ("ASIN",)),
        Field("condition", ("Condition",)),
        Field("supplier", ("Supplier",)),
        Field("supplier_part_no", ("Supplier part no.",)),
        Field("currency", ("Currency code", "Currency")),
        Field("price", ("Price",), "money"),
        Field("sales_last_30d", ("Sales last 30 days",), "money"),
        Field("units_sold_last_30d", ("Units Sold Last 30 Days",), "int", min_value=0),
        Field("total_units", ("Total Units",), "int", min_value=0),
        Field("inbound", ("Inbound",), "int", min_value=0),
        Field("available", ("Available",), "int", required=True, min_value=0),
        Field("fc_transfer", ("FC transfer",), "int", min_value=0),
        Field("fc_processing", ("FC Processing",), "int", min_value=0),
        Field("customer_order", ("Customer Order",), "int", min_value=0),
        Field("unfulfillable", ("Unfulfillable",), "int", min_value=0),
        Field("working", ("Working",), "int", min_value=0),
        Field("shipped", ("Shipped",), "int", min_value=0),
        Field("receiving", ("Receiving",), "int", min_value=0),
        Field("fulfilled_by", ("Fulfilled by",)),
        Field("days_of_supply", ("Total Days of Supply (including units from open shipments)",),
              "float"),
        Field("days_of_supply_afn", ("Days of Supply at Amazon Fulfillment Network",)),
        Field("alert", ("Alert",)),
        Field("recommended_qty", ("Recommended replenishment qty",), "int", required=True,
              min_value=0),
        Field("recommended_ship_date", ("Recommended ship date",), "date"),
        Field("recommended_action", ("Recommended action",)),
        Field("unit_storage_size", ("Unit storage size",)),
    ),
))


@reader("restock_report")
def read_restock(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read a Restock Inventory report (``GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT``).

    Parameters
    ----------
    path : the .txt file as downloaded (any version of the header, UTF-8 or cp1252).
    seller_id : account the file belongs to.
    marketplace : marketplace code; the file's ``Country`` column (``US``, ``GB``, ``DE``),
        where it names a marketplace, wins row by row and, when ``marketplace`` is not given,
        decides how dates and decimals are read.
    columns : canonical columns needed (default: all of ``restock``).

    Returns
    -------
    ReadResult of the ``restock`` table: one row per SKU with Amazon's recommended quantity
    (units) and ship date (marketplace-local day).

    Example
    -------
    >>> res = read_restock("data/sample/acme/DE/Restock Inventory Recommendations.txt",
    ...                    marketplace="DE")  # doctest: +SKIP
    >>> res.data[["sku", "available", "recommended_qty", "recommended_ship_date"]]  # doctest: +SKIP
    """
    cols = list(columns) if columns is not None else contract.TABLES["restock"].names
    res, _ = read_text(path, RESTOCK, seller_id=seller_id, marketplace=marketplace,
                       columns=[*cols, "country"], marketplace_column="country")
    return res


__all__ = ["RESTOCK", "read_restock"]
