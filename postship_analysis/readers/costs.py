"""Unit economics and stock sheets: our unit-cost CSV, and two seller spreadsheets seen in real
data (a stock sheet and a per-channel price / cost sheet).

``unit_costs`` (report type ``unit_costs``, table ``unit_costs``)
    Seller-provided unit economics per SKU. **Amazon has no such export**; this is our CSV
    (comma- or tab-delimited; columns in any order)::

        sku,marketplace,currency,price,cogs,fba-fee,referral-fee-pct,other-cost-per-unit
        MUG-01,US,USD,19.99,4.10,3.22,0.15,0.35
        MUG-01,DE,EUR,"18,99","3,80","2,95",15%,"0,30"
        MUG-02,Amazon.co.uk,,14.50,3.00,2.80,15%,

    * ``price`` is the selling price as listed on Amazon: VAT/GST included where the
      marketplace's prices include it (EU, UK, JP, IN...; see :mod:`postship_analysis.vat`).
      Costs are per unit, net of any VAT you reclaim.
    * Optional ``asin``: the SKU's ASIN, so advertising reports that name only ASINs join to
      the SKU's costs. Optional ``vat-rate`` (``0.07`` or ``7%``): the VAT/GST rate included in
      this SKU's price when it is not the marketplace's standard rate (reduced-rate goods, or
      ``0`` if you do not charge VAT); blank uses the standard rate.

    * Money is per unit in ``currency``; a blank currency is the marketplace's currency.
      Decimal commas are recognised value by value (``18,99`` next to ``19.99`` in one column);
      an undecidable value (``1.234``) follows its row's marketplace (DE: 1234, US: 1.234).
    * ``referral-fee-pct`` is a fraction (``0.15``) or a percentage with a sign (``15%``); a bare
      number above 1 (``15``) is ambiguous and quarantined.
    * ``marketplace`` (optional column) says the marketplace row by row: a code (``DE``, ``UK``),
      an Amazon domain (``Amazon.de``) or a marketplace id (``A1PA6795UKMFR9``); it wins over
      the ``marketplace`` argument, which applies to rows with a blank value. An unknown value
      is quarantined.
    * ``sku`` and ``cogs`` are required; negative money is quarantined; the same
      (sku, marketplace) twice: the second row is quarantined as a duplicate.

``stock_sheet`` (report type ``stock_sheet``, table ``stock_levels``)
    A warehouse stock sheet without a snapshot date, e.g. ``Sale Report.csv`` of the Kaggle
    "E-Commerce Sales Dataset" (an Amazon.in apparel seller; see
    ``../shared/realdata/amazon-in-sales-report/PROVENANCE.md``)::

        index,SKU Code,Design No.,Stock,Category,Size,Color
        0,AN201-RED-L,AN201,5.0,AN : LEGGINGS,L,Red

    ``Stock`` (``5.0``) becomes a whole number of units. **A blank ``Stock`` is quarantined**
    (reason ``missing value``, column ``Stock``), not kept as ``<NA>``: an unknown stock level is
    not zero, and restock maths on ``<NA>`` would silently drop the SKU; in the real file these
    36 rows are blank except for the pandas index column (no SKU either). Rows whose SKU is an
    Excel error (``#REF!``) or blank are quarantined; a SKU repeated later in the sheet is
    quarantined as ``duplicate of line N`` (the first row is kept; check both by hand).

``price_sheet`` (report type ``price_sheet``, table ``unit_costs``)
    A per-SKU cost and MRP (maximum retail price) sheet per sales channel, e.g. ``May-2022.csv``
    of the same dataset::

        index,Sku,Style Id,Catalog,Category,Weight,TP,MRP Old,Final MRP Old,Ajio MRP,Amazon MRP,...
        0,Os206_3141_S,Os206_3141,Moments,Kurta,0.3,538,2178,2295,2295,2295,...

    ``cogs`` = ``TP`` (transfer price, the seller's cost), ``price`` = ``Amazon MRP``, currency
    INR, marketplace IN unless given. ``Nill`` (or blank) in ``Amazon MRP`` means no Amazon
    price: the row is kept with ``price`` ``<NA>`` (its cost is still good) and counted in the
    result's warnings; an Excel error in ``TP`` (``#VALUE!``) is quarantined. FBA fee and
    referral fee are not in the sheet (``<NA>``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import contract
from ..errors import ParameterError
from .core import (
    Field,
    ReadResult,
    ReportSpec,
    blank_mask,
    parse_number,
    reader,
    register,
)
from .shipments import Reject, check_spreadsheet_errors, read_with_checks

# ---------------------------------------------------------------------------------------------
# Our SKU-to-category CSV (valid tracking rate per category)
# ---------------------------------------------------------------------------------------------

SKU_CATEGORIES = register(ReportSpec(
    report_type="sku_categories",
    title="SKU categories CSV",
    table="sku_categories",
    where="our own CSV (sku, category, optional marketplace): your SKUs' product categories as "
          "Amazon names them on the valid tracking page (in the US the valid tracking rate is "
          "judged per category)",
    marketplace_field="marketplace",
    key=("sku",),
    fields=(
        Field("sku", ("sku", "seller-sku", "msku"), required=True, notnull=True),
        Field("category", ("category", "product-category", "product-type"), required=True,
              notnull=True),
        Field("marketplace", ("marketplace", "marketplace-id")),
    ),
))


@reader("sku_categories")
def read_sku_categories(path, *, seller_id="default", marketplace=None,
                        columns=None) -> ReadResult:
    """Read our SKU-to-category CSV to ``sku_categories``::

        sku,category
        MUG-01,Kitchen
        TOWEL-02,Home

    An optional ``marketplace`` column says the marketplace row by row (else the folder's, or
    US at account level). The same SKU twice: the second row is quarantined as a duplicate.

    >>> # read_sku_categories("sku-categories.csv").data
    """
    return read_with_checks(path, SKU_CATEGORIES, seller_id=seller_id, marketplace=marketplace,
                            columns=columns, pre=[check_spreadsheet_errors])


# ---------------------------------------------------------------------------------------------
# Our unit-cost CSV
# ---------------------------------------------------------------------------------------------

UNIT_COSTS = register(ReportSpec(
    report_type="unit_costs",
    title="Unit costs CSV",
    table="unit_costs",
    where="our own CSV (sku, marketplace, currency, price, cogs, fba-fee, referral-fee-pct, "
          "other-cost-per-unit), kept by the seller",
    marketplace_field="marketplace",
    key=("sku", "marketplace"),
    fields=(
        Field("sku", ("sku", "seller-sku", "msku"), required=True, notnull=True),
        Field("marketplace", ("marketplace", "marketplace-id")),
        Field("currency", ("currency",)),
        Field("price", ("price", "selling-price"), "money", min_value=0),
        Field("cogs", ("cogs", "unit-cost", "landed-cost"), "money", required=True,
              notnull=True, min_value=0),
        Field("fba_fee", ("fba-fee", "fulfillment-fee", "fulfilment-fee"), "money", min_value=0),
        Field("referral_fee_pct", ("referral-fee-pct", "referral-fee", "referral-fee-%"), "pct",
              min_value=0),
        Field("other_cost", ("other-cost-per-unit", "other-cost"), "money", min_value=0),
        Field("asin", ("asin",)),
        Field("vat_rate", ("vat-rate", "vat", "gst-rate", "tax-rate"), "pct", min_value=0),
    ),
))


def _marketplace_domain(value: str) -> str | None:
    try:
        return contract.marketplace(value).domain
    except ParameterError:
        return None


def _check_marketplace(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Rewrite marketplace codes / ids / domains to the Amazon domain, which core's
    ``marketplace_field`` mechanism maps to our code row by row; unknown values quarantined."""
    if "marketplace" not in raw.columns:
        return raw, []
    s = raw["marketplace"].astype("string").str.strip()
    blank = blank_mask(s)
    uniq = pd.unique(s[~blank].dropna())
    lookup = {u: _marketplace_domain(u) for u in uniq}  # one look-up per distinct value
    dom = s.map(lookup).astype("string")
    unknown = (~blank & dom.isna()).to_numpy()
    raw = raw.assign(marketplace=dom.fillna("").astype("string"))
    return raw, [Reject(unknown, "marketplace",
                        "unknown marketplace; expected a code such as "
                        + ", ".join(contract.MARKETPLACES)
                        + ", an Amazon domain (Amazon.de) or a marketplace id", s)]


_NUMERIC = ("price", "cogs", "fba_fee", "referral_fee_pct", "other_cost", "vat_rate")
_FRACTIONS = {"referral_fee_pct": "referral fee", "vat_rate": "VAT rate"}


def _numbers_per_row(default_code: str | None):
    """Pre-check factory: parse the money / percentage columns with each row's own decimal
    separator and rewrite them as plain ``1234.56`` text.

    A unit-cost sheet may mix marketplaces (``19.99`` for US next to ``18,99`` for DE);
    core decides one decimal separator per column, which would read ``19.99`` as 1999 in a
    comma column. Here a value whose last separator is followed by one or two digits (or a
    ``1.234,56`` / ``1,234.56`` group) decides for itself; other values (``1.234``, ``15``)
    use the row's marketplace. ``15%`` becomes the fraction ``0.15``; a bare referral fee above
    1 (``15``: 15 % or 1500 %?) is quarantined.
    """
    default = contract.marketplace(default_code or "US")

    def check(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
        n = len(raw)
        row_dec = pd.Series(default.decimal, index=raw.index, dtype="string")
        if "marketplace" in raw.columns:
            by_domain = {m.domain: m.decimal for m in contract.MARKETPLACES.values()}
            row_dec = raw["marketplace"].astype("string").map(by_domain).astype(
                "string").fillna(default.decimal)
        rejects = []
        out = {}
        for c in _NUMERIC:
            if c not in raw.columns:
                continue
            s = raw[c].astype("string")
            st = s.str.strip()
            comma = (st.str.contains(r",\d{1,2}\D*$", regex=True, na=False)
                     | st.str.contains(r"\.\d{3},", regex=True, na=False))
            point = (st.str.contains(r"\.\d{1,2}\D*$", regex=True, na=False)
                     | st.str.contains(r",\d{3}\.", regex=True, na=False))
            dec = row_dec.mask(comma & ~point, ",").mask(point & ~comma, ".")
            val = pd.Series(np.nan, index=raw.index, dtype="float64")
            pct = pd.Series(False, index=raw.index)
            for d in (",", "."):
                m = (dec == d).fillna(False)
                if m.any():
                    v, p = parse_number(s[m], d)
                    val[m], pct[m] = v, p.fillna(False)
            if c in _FRACTIONS:
                ambiguous = (val.notna() & (val > 1) & ~pct).to_numpy()
                rejects.append(Reject(ambiguous, c, f"{_FRACTIONS[c]} above 1 without a % sign: "
                                      "write a fraction (0.15) or a percentage with its sign "
                                      "(15%)", s))
                val = val.where(~pct, val / 100.0)
            # parsed values become plain text; blank or unparseable ones stay as they were
            text = val.map(repr).astype("string")
            out[c] = text.where(val.notna(), s) if n else s
        return raw.assign(**out), rejects

    return check


def _fill_currency(res: ReadResult) -> ReadResult:
    d = res.data
    by_code = {c: m.currency for c, m in contract.MARKETPLACES.items()}
    cur = d["currency"].str.strip().str.upper()
    cur = cur.mask(blank_mask(cur), d["marketplace"].map(by_code))
    d["currency"] = cur.astype("string")
    return res


@reader("unit_costs")
def read_unit_costs(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read our unit-cost CSV to ``unit_costs`` (format in the module docstring).

    Parameters
    ----------
    path : the CSV file.
    seller_id : account the file belongs to.
    marketplace : marketplace for rows whose ``marketplace`` cell is blank (or when the file has
        no such column); default US. Also the decimal separator used when a column cannot tell.
    columns : canonical columns needed (others are not converted).

    Returns
    -------
    ReadResult of table ``unit_costs``: money per unit, ``referral_fee_pct`` a fraction
    (``15%`` -> 0.15), ``currency`` filled from the marketplace where blank.

    Examples
    --------
    >>> # costs = read_unit_costs("unit_costs.csv").data
    >>> # margin = costs.price * (1 - costs.referral_fee_pct) - costs.cogs - costs.fba_fee
    """
    res = read_with_checks(path, UNIT_COSTS, seller_id=seller_id, marketplace=marketplace,
                           columns=columns, pre=[check_spreadsheet_errors, _check_marketplace,
                                                 _numbers_per_row(marketplace)])
    return _fill_currency(res)


# ---------------------------------------------------------------------------------------------
# Stock sheet (e.g. "Sale Report.csv")
# ---------------------------------------------------------------------------------------------

STOCK_SHEET = register(ReportSpec(
    report_type="stock_sheet",
    title="Stock sheet (stock per SKU)",
    table="stock_levels",
    where="a warehouse stock sheet with columns SKU Code, Stock (and Category, Size, Color), "
          "e.g. 'Sale Report.csv' of the Kaggle E-Commerce Sales Dataset",
    key=("sku",),
    # stock before sku: a row blank in both is reported as a missing Stock value
    fields=(
        Field("stock", ("Stock", "stock-on-hand", "on-hand", "quantity-on-hand"), "int",
              required=True, notnull=True, min_value=0),
        Field("sku", ("SKU Code", "sku-code", "sku"), required=True, notnull=True),
        Field("category", ("Category",)),
        Field("size", ("Size",)),
        Field("color", ("Color", "Colour")),
    ),
))


@reader("stock_sheet")
def read_stock_sheet(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read a stock sheet (``SKU Code``, ``Stock``, ...) to ``stock_levels``.

    Blank ``Stock`` is quarantined (see the module docstring for why), as are Excel error
    values, blank SKUs and repeated SKUs. ``Stock`` written as ``5.0`` is read as 5 units; a
    fraction (``2.5``) is quarantined as not a whole number.

    Examples
    --------
    >>> # read_stock_sheet("Sale Report.csv", marketplace="IN").data.stock.sum()
    """
    return read_with_checks(path, STOCK_SHEET, seller_id=seller_id, marketplace=marketplace,
                            columns=columns, pre=[check_spreadsheet_errors])


# ---------------------------------------------------------------------------------------------
# Price sheet (e.g. "May-2022.csv": TP cost and MRP per sales channel)
# ---------------------------------------------------------------------------------------------

PRICE_SHEET = register(ReportSpec(
    report_type="price_sheet",
    title="Price sheet (TP cost and MRP per channel)",
    table="unit_costs",
    where="a per-SKU sheet with Sku, TP (cost) and per-channel MRP columns (Amazon MRP, ...), "
          "e.g. 'May-2022.csv' of the Kaggle E-Commerce Sales Dataset",
    key=("sku",),
    fields=(
        Field("sku", ("Sku", "SKU Code"), required=True, notnull=True),
        Field("cogs", ("TP",), "money", required=True, notnull=True, min_value=0),
        Field("price", ("Amazon MRP",), "money", required=True, min_value=0),
    ),
))

_NO_PRICE = {"nill", "nil", "null", "none", "n.a.", "not listed"}


def _check_no_price(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """``Nill`` in the MRP column means 'no price on this channel': make it blank (kept)."""
    if "price" not in raw.columns:
        return raw, []
    s = raw["price"].astype("string")
    nil = s.str.strip().str.lower().isin(_NO_PRICE).fillna(False)
    return raw.assign(price=s.mask(nil, "")), []


@reader("price_sheet")
def read_price_sheet(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read a price sheet (``Sku``, ``TP``, ``Amazon MRP``) to ``unit_costs``.

    ``cogs`` = TP, ``price`` = Amazon MRP, currency INR (the sheet's channels are Indian),
    marketplace IN unless given. ``Nill`` prices are kept as ``<NA>`` and counted in
    ``warnings``.

    Examples
    --------
    >>> # read_price_sheet("May-2022.csv").data[["sku", "cogs", "price"]].head()
    """
    res = read_with_checks(path, PRICE_SHEET, seller_id=seller_id,
                           marketplace=marketplace or "IN", columns=columns,
                           pre=[check_spreadsheet_errors, _check_no_price])
    res.data["currency"] = pd.Series(np.full(len(res.data), "INR", dtype=object),
                                     dtype="string")
    n_nan = int(res.data["price"].isna().sum())
    if n_nan:
        res.warnings.append(f"{n_nan} SKU(s) without an Amazon MRP ('Nill' or blank): "
                            "price <NA>, cost kept")
    return res


__all__ = ["UNIT_COSTS", "STOCK_SHEET", "PRICE_SHEET", "read_unit_costs", "read_stock_sheet",
           "read_price_sheet"]
