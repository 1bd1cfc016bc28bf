"""FBA inventory readers and daily on-hand history (see ``../shared/domain.md`` §4b).

Three reports, two canonical tables:

``inventory_snapshots`` from **Manage FBA Inventory** (report type ``fba_myi``)
    ``GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA``: Seller Central > Reports > Fulfillment >
    Inventory > Manage FBA Inventory (download as .txt), or the SP-API report of that name.
    Tab-delimited, one row per SKU, 18 base columns::

        sku	fnsku	asin	product-name	condition	your-price	mfn-listing-exists
        mfn-fulfillable-quantity	afn-listing-exists	afn-warehouse-quantity
        afn-fulfillable-quantity	afn-unsellable-quantity	afn-reserved-quantity
        afn-total-quantity	per-unit-volume	afn-inbound-working-quantity
        afn-inbound-shipped-quantity	afn-inbound-receiving-quantity

    later ``afn-researching-quantity afn-reserved-future-supply afn-future-supply-buyable``
    (21), ``store`` (22) and in Europe ``afn-fulfillable-quantity-local``/``-remote``,
    ``afn-fc-transfer-quantity``, ``afn-onhand-buyable-quantity``. **The file has no date
    column**: the snapshot date is the ``snapshot_date`` argument or a date in the file name
    (``Manage FBA Inventory 2026-10-26.txt``, ``..._20261026.txt``); with neither,
    :class:`SnapshotDateError` is raised. ``afn-fulfillable-quantity`` is the whole sellable
    quantity (in Pan-EU/EFN files it includes the ``-remote`` units held in other countries).

``inventory_snapshots`` from **FBA Inventory** planning (report type ``fba_planning``)
    ``GET_FBA_INVENTORY_PLANNING_DATA``: Seller Central > Inventory > FBA Inventory > Download
    (or Reports > Fulfillment > FBA Inventory), or the SP-API report. Real 2026 files have 97
    columns mixing kebab-case and Title Case (``available``, ``inbound-received``,
    ``Total Reserved Quantity``); Amazon's help page (GKT9YKCHXMSDVJKB) spells some differently
    (``inventory-age-0-to-90-days``, ``sales_price``, ``recommended-order-quantity``) and
    both spellings are accepted. Its ``snapshot-date`` column gives the date; its
    ``marketplace`` column (``US``, ``IT``) the marketplace row by row. The planning metrics
    that are not part of the canonical table (units shipped t7-t90, sell-through, weeks of
    cover, age buckets, prices, excess units...) come from :func:`read_fba_planning_extras`.
    Amazon: the report *"does not include out-of-stock inventory"* (SP-API models #559), so a
    SKU missing from a planning snapshot is unknown, not zero (see :func:`daily_on_hand`).

``inventory_ledger`` from the **Inventory Ledger** detailed view (report type ``inventory_ledger``)
    ``GET_LEDGER_DETAIL_VIEW_DATA``: Seller Central > Reports > Fulfillment > Inventory >
    Inventory Ledger > Detailed view (download as .csv). Comma-separated, quoted Title-Case
    headers::

        "Date","FNSKU","ASIN","MSKU","Title","Event Type","Reference ID","Quantity",
        "Fulfillment Center","Disposition","Reason","Country","Reconciled Quantity",
        "Unreconciled Quantity","Date and Time","Store"

    ``Date`` is written the marketplace's way (``10/05/2026`` month-first in the US,
    ``05.10.2026`` in DE); ``Quantity`` is the signed change in units (shipments negative).

Units: all quantities are units (``Int64``); dates are marketplace-local calendar days.

History
-------
:func:`daily_on_hand` stacks dated snapshots into one row per SKU and day (forward-filled
between snapshots, never beyond the first or last); :func:`daily_on_hand_from_ledger` rebuilds
the sellable on-hand of every day from ledger events (cumulative sum). Both are vectorised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import contract
from ..errors import InputFileError, ParameterError
from . import core
from .core import Field, ReadResult, ReportSpec, reader, register

# ---------------------------------------------------------------------------------------------
# Shared helpers (also used by restock.py and returns.py)
# ---------------------------------------------------------------------------------------------

_DTYPE_OF_KIND = {"str": "string", "int": "Int64", "money": "float64", "float": "float64",
                  "pct": "float64", "pct100": "float64", "date": "datetime64[ns]",
                  "ts": "datetime64[ns, UTC]", "bool": "boolean"}


def as_text(f: Field) -> Field:
    """The same field read as plain text (never quarantines a row): for columns we recognise
    but do not put in the canonical table, so they are not reported as unknown."""
    return Field(f.name, f.aliases, "str")


def marketplace_codes(values: pd.Series) -> pd.Series:
    """Our marketplace code for each value (``US``, ``GB``, ``Amazon.de``, an Amazon id);
    ``<NA>`` where the value is blank or no marketplace we know."""
    s = values.astype("string").str.strip()
    lookup = {}
    for v in s.dropna().unique():
        try:
            lookup[v] = contract.marketplace(v).code
        except ParameterError:
            lookup[v] = pd.NA
    return s.map(lookup).astype("string")


def read_text(
    path: str | Path,
    spec: ReportSpec,
    *,
    seller_id: str = "default",
    marketplace: str | None = None,
    columns: Sequence[str] | None = None,
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    marketplace_column: str | None = None,
) -> tuple[ReadResult, pd.DataFrame]:
    """:func:`core.read_report` with two hooks, also returning the accepted rows' raw text.

    ``prepare`` rewrites the frame of raw strings before parsing (e.g. a date spelling core
    does not know). ``marketplace_column`` names a field holding marketplace codes row by row
    (``US``, ``GB``); where recognised it sets the row's ``marketplace``, and when
    ``marketplace`` is not given the most common one decides how dates and numbers are parsed.

    Returns ``(result, raw)`` where ``raw`` holds the strings of the accepted rows, in the
    order of ``result.data``.
    """
    path = Path(path)
    rt = core.load_text(path, spec, columns)
    frame = prepare(rt.frame) if prepare is not None else rt.frame
    warnings = []
    row_mp = None
    if marketplace_column and marketplace_column in frame.columns and len(frame):
        row_mp = marketplace_codes(frame[marketplace_column])
        found = row_mp.dropna()
        if len(found):
            main = str(found.mode().iloc[0])
            if marketplace is None:
                marketplace = main
            elif contract.marketplace(marketplace).code not in set(found.unique()):
                warnings.append(f"file says marketplace {main} but it was read as "
                                f"{contract.marketplace(marketplace).code}; rows use the file's")
    data, q = core.parse_frame(frame, rt.lines, spec, path=str(path), seller_id=seller_id,
                               marketplace=marketplace, bad=rt.bad)
    ok = ~np.isin(rt.lines, q["line"].dropna().to_numpy(dtype=np.int64))
    if row_mp is not None:
        data["marketplace"] = (row_mp[ok].reset_index(drop=True)
                               .fillna(data["marketplace"]).astype("string"))
    if rt.rows_read == 0:
        warnings.append("header only: the report has no data rows")
    res = ReadResult(path=str(path), report_type=spec.report_type, table=spec.table, data=data,
                     quarantine=q, rows_read=rt.rows_read, encoding=rt.encoding,
                     delimiter=rt.delimiter, header=rt.header,
                     unknown_columns=rt.unknown_columns, blank_lines=rt.blank_lines,
                     warnings=warnings)
    return res, frame.loc[ok].reset_index(drop=True)


def parse_typed(raw: pd.DataFrame, fields: Sequence[Field], marketplace: str) -> tuple[
        pd.DataFrame, dict[str, int]]:
    """Parse extra (non-canonical) columns leniently: one typed column per field.

    A value that cannot be parsed becomes ``<NA>`` (the row is kept; the count per column is
    returned). A field absent from the file gives an all-``<NA>`` column, so the output always
    has every field.
    """
    mp = contract.marketplace(marketplace)
    out: dict[str, pd.Series] = {}
    unparsed: dict[str, int] = {}
    n = len(raw)
    for f in fields:
        dtype = _DTYPE_OF_KIND[f.kind]
        if f.name not in raw.columns:
            out[f.name] = pd.Series([None] * n, dtype=dtype)
            continue
        s = raw[f.name].astype("string")
        blank = core.blank_mask(s)
        if f.kind == "str":
            v = s.str.strip().where(~blank)
        elif f.kind in ("int", "money", "float", "pct", "pct100"):
            dec = mp.decimal if f.kind == "int" else core.detect_decimal(s, mp.decimal)
            v, pct = core.parse_number(s, dec)
            if f.kind == "pct":
                v = v.where(~pct, v / 100.0)
            elif f.kind == "pct100":
                v = v / 100.0
            if f.kind == "int":
                v = v.where(v.round() == v).astype("Int64")
        elif f.kind in ("date", "ts"):
            v = core.parse_datetime(s, mp.tz, mp.day_first, as_date=(f.kind == "date"))
        else:
            v = core.parse_bool(s)
        bad = int((v.isna() & ~blank).sum())
        if bad:
            unparsed[f.name] = bad
        out[f.name] = v.astype(dtype).reset_index(drop=True)
    return pd.DataFrame(out, index=pd.RangeIndex(n)), unparsed


def _snake(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", header.lower()).strip("_")


def _fields(kind: str, *headers: str | tuple[str, ...]) -> tuple[Field, ...]:
    """Fields named after the first header spelling (snake_case), of one kind."""
    out = []
    for h in headers:
        names = (h,) if isinstance(h, str) else h
        out.append(Field(_snake(names[0]), names, kind))
    return tuple(out)


_SNAPSHOT_QTY = ("fulfillable", "reserved", "unfulfillable", "inbound_working", "inbound_shipped",
                 "inbound_receiving")
_CANONICAL_SNAPSHOT = ("sku", "fnsku", "asin", *_SNAPSHOT_QTY)

# ---------------------------------------------------------------------------------------------
# Manage FBA Inventory (MYI)
# ---------------------------------------------------------------------------------------------

MYI_EXTRA_FIELDS: tuple[Field, ...] = (
    _fields("str", "condition", "mfn-listing-exists", "afn-listing-exists", "store")
    + _fields("money", "your-price")
    + _fields("float", "per-unit-volume")
    + _fields("int", "mfn-fulfillable-quantity", "afn-warehouse-quantity", "afn-total-quantity",
              "afn-researching-quantity", "afn-reserved-future-supply",
              "afn-future-supply-buyable", "afn-fulfillable-quantity-local",
              "afn-fulfillable-quantity-remote", "afn-fc-transfer-quantity",
              "afn-onhand-buyable-quantity")
)

MYI = register(ReportSpec(
    report_type="fba_myi",
    title="Manage FBA Inventory report",
    table="inventory_snapshots",
    amazon_name="GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA",
    where="Seller Central > Reports > Fulfillment > Inventory > Manage FBA Inventory "
          "(download as .txt; put the date in the file name), or SP-API report "
          "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA",
    key=("sku", "fnsku", "asin", "condition", "store", *_SNAPSHOT_QTY),
    fields=(
        Field("sku", ("sku",), required=True, notnull=True),
        Field("fnsku", ("fnsku",)),
        Field("asin", ("asin",)),
        Field("fulfillable", ("afn-fulfillable-quantity",), "int", required=True, min_value=0),
        Field("reserved", ("afn-reserved-quantity",), "int", min_value=0),
        Field("unfulfillable", ("afn-unsellable-quantity",), "int", min_value=0),
        Field("inbound_working", ("afn-inbound-working-quantity",), "int", min_value=0),
        Field("inbound_shipped", ("afn-inbound-shipped-quantity",), "int", min_value=0),
        Field("inbound_receiving", ("afn-inbound-receiving-quantity",), "int", min_value=0),
        *(as_text(f) for f in MYI_EXTRA_FIELDS),
        Field("product_name", ("product-name",)),
    ),
))


class SnapshotDateError(InputFileError):
    """A Manage FBA Inventory file has no date in its name and none was passed."""


_NAME_DATE = re.compile(r"(?<!\d)(20\d{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")


def snapshot_date_from_name(path: str | Path) -> pd.Timestamp | None:
    """The date written in a file name (``2026-10-26``, ``2026_10_26``, ``20261026``).

    ``None`` if there is none, or if the name holds two different dates (ambiguous).

    >>> str(snapshot_date_from_name("Manage FBA Inventory 2026-10-26.txt").date())
    '2026-10-26'
    >>> str(snapshot_date_from_name("myi_20261026.txt").date())
    '2026-10-26'
    """
    found = set()
    for m in _NAME_DATE.finditer(Path(path).name):
        try:
            found.add(pd.Timestamp(int(m.group(1)), int(m.group(3)), int(m.group(4))))
        except ValueError:  # 2026-02-30
            continue
    return found.pop() if len(found) == 1 else None


def _as_date(value, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as e:
        raise ParameterError(f"{what} must be a date such as '2026-10-26', got {value!r}") from e
    if ts is pd.NaT:
        raise ParameterError(f"{what} must be a date such as '2026-10-26', got {value!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _myi_date(path, snapshot_date) -> pd.Timestamp:
    if snapshot_date is not None:
        return _as_date(snapshot_date, "snapshot_date")
    d = snapshot_date_from_name(path)
    if d is None:
        raise SnapshotDateError(
            path,
            "a Manage FBA Inventory report has no date column and the file name holds no "
            "(single) date, so the snapshot date is unknown",
            "the date in the file name, e.g. 'Manage FBA Inventory 2026-10-26.txt' or "
            "'..._20261026.txt', or pass snapshot_date='2026-10-26' to read_myi()",
        )
    return d


@reader("fba_myi")
def read_myi(path, *, seller_id="default", marketplace=None, columns=None,
             snapshot_date=None) -> ReadResult:
    """Read a Manage FBA Inventory report (``GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA``).

    Parameters
    ----------
    path : the .txt file as downloaded (any header generation: 18, 21, 22 columns, EU).
    seller_id, marketplace : account and marketplace code (default US).
    columns : canonical columns needed (default: all of ``inventory_snapshots``).
    snapshot_date : the day the report was downloaded (marketplace-local), e.g.
        ``"2026-10-26"``. Default: the date in the file name.

    Returns
    -------
    ReadResult of ``inventory_snapshots`` with ``source = "myi"``; quantities in units.

    Raises
    ------
    SnapshotDateError : no ``snapshot_date`` and no date in the file name.

    Example
    -------
    >>> res = read_myi("data/sample/acme/US/Manage FBA Inventory 2026-10-26.txt")  # doctest: +SKIP
    >>> res.data[["snapshot_date", "sku", "fulfillable"]]  # doctest: +SKIP
    """
    res = core.read_report(path, MYI, seller_id=seller_id, marketplace=marketplace,
                           columns=list(columns) if columns is not None else _CANONICAL_SNAPSHOT)
    day = _myi_date(path, snapshot_date)
    data = res.data
    data["snapshot_date"] = pd.Series(day, index=data.index, dtype="datetime64[ns]")
    data["source"] = "myi"
    res.data = contract.conform(data, MYI.table)
    return res


def read_myi_extras(path, *, seller_id="default", marketplace=None,
                    snapshot_date=None) -> pd.DataFrame:
    """The Manage FBA Inventory columns outside ``inventory_snapshots``, typed.

    One row per accepted row of :func:`read_myi` (same rows, same order): ``seller_id,
    marketplace, snapshot_date, sku`` then ``condition, your_price`` (money, marketplace
    currency), ``per_unit_volume`` (cubic feet in the US, cm³ or litres elsewhere: as in the
    file), ``mfn_fulfillable_quantity, afn_warehouse_quantity, afn_total_quantity,
    afn_researching_quantity, afn_reserved_future_supply, afn_future_supply_buyable,
    afn_fulfillable_quantity_local, afn_fulfillable_quantity_remote, afn_fc_transfer_quantity,
    afn_onhand_buyable_quantity`` (units), ``mfn_listing_exists, afn_listing_exists, store``.
    Columns the file lacks are ``<NA>``; unparseable values are ``<NA>`` and counted in
    ``df.attrs["unparsed"]``.
    """
    res, raw = read_text(path, MYI, seller_id=seller_id, marketplace=marketplace)
    day = _myi_date(path, snapshot_date)
    typed, unparsed = parse_typed(raw, MYI_EXTRA_FIELDS, res.data["marketplace"].iloc[0]
                                  if len(res.data) else (marketplace or "US"))
    ids = res.data[["seller_id", "marketplace", "sku"]].reset_index(drop=True)
    ids.insert(2, "snapshot_date", pd.Series(day, index=ids.index, dtype="datetime64[ns]"))
    out = pd.concat([ids, typed], axis=1)
    out.attrs["unparsed"] = unparsed
    return out


# ---------------------------------------------------------------------------------------------
# FBA Inventory (planning)
# ---------------------------------------------------------------------------------------------

_AGE = ("0-to-90", "91-to-180", "181-to-270", "271-to-365", "366-to-455", "456-plus",
        "365-plus", "0-to-30", "31-to-60", "61-to-90", "181-to-330", "331-to-365")
_AIS = ("181-210", "211-240", "241-270", "271-300", "301-330", "331-365", "366-455",
        "456-plus", "365-plus")

#: Planning metrics outside the canonical table. First spelling = real 2026 file; later ones =
#: Amazon's help page GKT9YKCHXMSDVJKB. Output column = first spelling in snake_case.
PLANNING_EXTRA_FIELDS: tuple[Field, ...] = (
    _fields("str", "condition", "currency", "alert", "recommended-action", "storage-type",
            "volume-unit-measurement", "product-group", "fba-inventory-level-health-status",
            "is-seasonal-in-next-3-months", "season-name", "marketplace")
    + _fields("int", "units-shipped-t7", "units-shipped-t30", "units-shipped-t60",
              "units-shipped-t90", "pending-removal-quantity", "recommended-removal-quantity",
              "recommended-sale-duration-days", "estimated-excess-quantity", "sales-rank",
              "inbound-quantity", "no-sale-last-6-months", "fba-minimum-inventory-level",
              ("Recommended ship-in quantity", "recommended-order-quantity"),
              "Inventory Supply at FBA", "Reserved FC Transfer", "Reserved FC Processing",
              "Reserved Customer Order",
              *((f"inv-age-{a}-days", f"inventory-age-{a}-days") for a in _AGE),
              *(f"quantity-to-be-charged-ais-{a}-days" for a in _AIS))
    + _fields("money", "your-price", "sales-price", "featuredoffer-price",
              ("lowest-price-new-plus-shipping", "lowest-price-new"), "lowest-price-used",
              "recommended-sales-price", "estimated-cost-savings-of-recommended-actions",
              "estimated-storage-cost-next-month", "sales-shipped-last-7-days",
              "sales-shipped-last-30-days", "sales-shipped-last-60-days",
              "sales-shipped-last-90-days", *(f"estimated-ais-{a}-days" for a in _AIS))
    + _fields("float", "sell-through", "weeks-of-cover-t30", "weeks-of-cover-t90",
              "days-of-supply", "historical-days-of-supply", "item-volume", "storage-volume",
              "Short term historical days of supply", "Long term historical days of supply",
              "Total Days of Supply (including units from open shipments)")
    + _fields("date", ("Recommended ship-in date", "recommended-order-date"),
              "Inventory age snapshot date", "Last updated date for Historical Days of Supply",
              "season-start-date", "season-end-date")
)

FBA_PLANNING = register(ReportSpec(
    report_type="fba_planning",
    title="FBA Inventory (planning) report",
    table="inventory_snapshots",
    amazon_name="GET_FBA_INVENTORY_PLANNING_DATA",
    where="Seller Central > Inventory > FBA Inventory > Download (.txt / .csv), or SP-API "
          "report GET_FBA_INVENTORY_PLANNING_DATA",
    key=("snapshot_date", "sku", "fnsku", "asin", "condition", "marketplace_code",
         *_SNAPSHOT_QTY),
    fields=(
        Field("snapshot_date", ("snapshot-date",), "date", required=True, notnull=True),
        Field("sku", ("sku",), required=True, notnull=True),
        Field("fnsku", ("fnsku",)),
        Field("asin", ("asin",)),
        Field("fulfillable", ("available",), "int", required=True, min_value=0),
        Field("reserved", ("Total Reserved Quantity", "reserved-quantity"), "int", min_value=0),
        Field("unfulfillable", ("unfulfillable-quantity",), "int", min_value=0),
        Field("inbound_working", ("inbound-working",), "int", min_value=0),
        Field("inbound_shipped", ("inbound-shipped",), "int", min_value=0),
        Field("inbound_receiving", ("inbound-received", "inbound-receiving"), "int",
              min_value=0),
        Field("marketplace_code", ("marketplace",)),
        *(as_text(f) for f in PLANNING_EXTRA_FIELDS if f.name != "marketplace"),
        Field("product_name", ("product-name",)),
        Field("supplier", ("supplier",)),
        Field("healthy_inventory_level", ("DEPRECATED healthy-inventory-level",
                                          "healthy-inventory-level")),
        Field("exempted_low_inventory_level_fee", ("Exempted from Low-Inventory-Level fee?",)),
        Field("exempted_low_inventory_cost_coverage_fee",
              ("Exempted from Low-Inventory cost coverage Fee?",)),
        Field("low_inventory_level_fee_applied",
              ("Low-Inventory-Level fee applied in current week?",)),
    ),
))


def _planning(path, seller_id, marketplace, columns=None):
    return read_text(path, FBA_PLANNING, seller_id=seller_id, marketplace=marketplace,
                     columns=columns, marketplace_column="marketplace_code")


@reader("fba_planning")
def read_fba_planning(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read an FBA Inventory planning report (``GET_FBA_INVENTORY_PLANNING_DATA``).

    ``available`` -> ``fulfillable``, ``Total Reserved Quantity`` -> ``reserved``,
    ``unfulfillable-quantity``, ``inbound-working``, ``inbound-shipped``, ``inbound-received``
    -> ``inbound_receiving``; ``snapshot-date`` (a date or an ISO timestamp such as
    ``2026-10-31T07:00:00+00:00``) becomes the marketplace-local day. The file's
    ``marketplace`` column, where it names a marketplace, sets each row's marketplace.

    >>> res = read_fba_planning("data/sample/acme/US/FBA Inventory 2026-10-31.txt")  # doctest: +SKIP
    """
    cols = list(columns) if columns is not None else list(_CANONICAL_SNAPSHOT)
    res, _ = _planning(path, seller_id, marketplace,
                       [*cols, "snapshot_date", "marketplace_code"])
    res.data["source"] = "planning"
    res.data = contract.conform(res.data, FBA_PLANNING.table)
    return res


def read_fba_planning_extras(path, *, seller_id="default", marketplace=None) -> pd.DataFrame:
    """The planning metrics of an FBA Inventory report, as a typed DataFrame.

    One row per accepted row of :func:`read_fba_planning` (same rows, same order; rejected
    rows are in that function's quarantine). Columns: ``seller_id, marketplace,
    snapshot_date, sku`` and, named after the real 2026 header in snake_case:

    * units: ``units_shipped_t7/_t30/_t60/_t90``, ``inv_age_0_to_90_days`` ...
      ``inv_age_456_plus_days`` (and ``_0_to_30``, ``_31_to_60``, ``_61_to_90``,
      ``_181_to_330``, ``_331_to_365``, help-page ``_365_plus``), ``estimated_excess_quantity``,
      ``pending_removal_quantity``, ``inbound_quantity``, ``fba_minimum_inventory_level``,
      ``recommended_ship_in_quantity``, ``reserved_fc_transfer/_processing``,
      ``reserved_customer_order``, ``inventory_supply_at_fba``,
      ``quantity_to_be_charged_ais_*_days``;
    * money in ``currency``: ``your_price, sales_price, featuredoffer_price,
      lowest_price_new_plus_shipping, lowest_price_used, recommended_sales_price,
      sales_shipped_last_{7,30,60,90}_days, estimated_storage_cost_next_month,
      estimated_ais_*_days, estimated_cost_savings_of_recommended_actions``;
    * ratios: ``sell_through`` (units shipped in 90 days / average units on hand, Amazon's
      definition), ``weeks_of_cover_t30/_t90`` (weeks), ``days_of_supply``,
      ``historical_days_of_supply``, ``total_days_of_supply_including_units_from_open_shipments``
      (days), ``item_volume``, ``storage_volume`` (in ``volume_unit_measurement``);
    * text and dates: ``alert, recommended_action, storage_type, product_group,
      fba_inventory_level_health_status, recommended_ship_in_date, ...``.

    Columns the file lacks are ``<NA>``; values that cannot be parsed are ``<NA>`` and counted
    per column in ``df.attrs["unparsed"]``.

    >>> x = read_fba_planning_extras("FBA Inventory 2026-10-31.txt")  # doctest: +SKIP
    >>> x[["sku", "units_shipped_t30", "weeks_of_cover_t30"]]  # doctest: +SKIP
    """
    res, raw = _planning(path, seller_id, marketplace)
    mp = str(res.data["marketplace"].mode().iloc[0]) if len(res.data) else (marketplace or "US")
    typed, unparsed = parse_typed(raw, [f for f in PLANNING_EXTRA_FIELDS
                                        if f.name != "marketplace"], mp)
    ids = res.data[["seller_id", "marketplace", "snapshot_date", "sku"]].reset_index(drop=True)
    out = pd.concat([ids, typed], axis=1)
    out.attrs["unparsed"] = unparsed
    return out


# ---------------------------------------------------------------------------------------------
# Inventory ledger
# ---------------------------------------------------------------------------------------------

LEDGER = register(ReportSpec(
    report_type="inventory_ledger",
    title="Inventory Ledger (detailed view)",
    table="inventory_ledger",
    amazon_name="GET_LEDGER_DETAIL_VIEW_DATA",
    where="Seller Central > Reports > Fulfillment > Inventory > Inventory Ledger > Detailed "
          "view (download as .csv), or SP-API report GET_LEDGER_DETAIL_VIEW_DATA",
    key=("event_date", "event_time", "fnsku", "sku", "event_type", "reference_id", "quantity",
         "fulfillment_center", "disposition", "reason", "country", "store"),
    fields=(
        Field("event_date", ("Date",), "date", required=True, notnull=True),
        Field("fnsku", ("FNSKU",)),
        Field("asin", ("ASIN",)),
        Field("sku", ("MSKU", "Merchant SKU"), required=True, notnull=True),
        Field("event_type", ("Event Type",), required=True, notnull=True),
        Field("reference_id", ("Reference ID",)),
        Field("quantity", ("Quantity",), "int", required=True, notnull=True),
        Field("fulfillment_center", ("Fulfillment Center",)),
        Field("disposition", ("Disposition",)),
        Field("reason", ("Reason",)),
        Field("country", ("Country",)),
        Field("event_time", ("Date and Time",)),
        Field("store", ("Store",)),
        Field("title", ("Title",)),
        Field("reconciled_quantity", ("Reconciled Quantity",)),
        Field("unreconciled_quantity", ("Unreconciled Quantity",)),
    ),
))


@reader("inventory_ledger")
def read_inventory_ledger(path, *, seller_id="default", marketplace=None,
                          columns=None) -> ReadResult:
    """Read an Inventory Ledger detailed view (``GET_LEDGER_DETAIL_VIEW_DATA``).

    ``Quantity`` is kept signed (a shipment of 2 units is ``-2``); ``Date`` is parsed the
    marketplace's way (``10/05/2026`` is 5 October in the US, ``05.10.2026`` in DE).
    Exact repeats of an event (same date-time, reference, quantity, centre...) are quarantined
    as duplicates.

    >>> led = read_inventory_ledger("Inventory Ledger.csv", marketplace="DE")  # doctest: +SKIP
    """
    cols = list(columns) if columns is not None else contract.TABLES["inventory_ledger"].names
    return core.read_report(path, LEDGER, seller_id=seller_id, marketplace=marketplace,
                            columns=cols)


# ---------------------------------------------------------------------------------------------
# Daily on-hand history
# ---------------------------------------------------------------------------------------------

_GROUP = ["seller_id", "marketplace"]
_SKU_KEY = ["seller_id", "marketplace", "sku"]
_SOURCE_RANK = {"myi": 0, "planning": 1}


def _need(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ParameterError(f"{what} lacks column(s) {missing}; expected a canonical "
                             f"table with {list(cols)}")


def _expand_days(frame: pd.DataFrame, start: str, ndays: pd.Series) -> pd.DataFrame:
    """Repeat each row ``ndays`` times with ``date = start + 0, 1, ... days`` and ``offset``."""
    n = ndays.to_numpy(dtype=np.int64)
    rep = frame.loc[frame.index.repeat(n)].reset_index(drop=True)
    starts = np.repeat(np.cumsum(n) - n, n)
    offset = np.arange(int(n.sum()), dtype=np.int64) - starts
    rep["offset"] = offset
    rep["date"] = (rep[start] + pd.to_timedelta(offset, unit="D")).astype("datetime64[ns]")
    return rep


def daily_on_hand(snapshots: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """Daily fulfillable on-hand per SKU from dated inventory snapshots.

    Snapshots are stacked into one row per ``(seller_id, marketplace, sku, date)``; each day
    between two snapshots of a SKU takes the value of the latest snapshot before it
    (forward fill, ``filled = True``). Nothing is extrapolated: a SKU's rows run from its
    first to its last snapshot only.

    Parameters
    ----------
    snapshots : ``inventory_snapshots`` table (e.g. several MYI and/or planning reads stacked
        with :func:`~postship_analysis.readers.core.combine`).
    start, end : optional first and last day of the output (inclusive); days before a SKU's
        first or after its last snapshot are never produced.

    Returns
    -------
    DataFrame with ``seller_id, marketplace, sku, date`` (marketplace-local day),
    ``on_hand`` (units fulfillable, ``Int64``), ``filled`` (bool: carried from an earlier
    snapshot) and ``source`` (report of the value: ``myi``, ``planning``).

    Notes
    -----
    * A SKU absent from a snapshot that exists for its seller and marketplace (the planning
      report leaves out-of-stock SKUs out) has ``on_hand = <NA>`` on that day and until its
      next snapshot: unknown, not zero, and never filled over.
    * Several rows of one SKU and day: the Manage FBA Inventory value wins over planning (it
      is the near-real-time count); rows of one source are added up.

    Example
    -------
    >>> snaps = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
    ...     "snapshot_date": pd.to_datetime(["2026-10-01", "2026-10-03"]),
    ...     "fulfillable": pd.array([5, 2], dtype="Int64"), "source": "myi"})
    >>> daily_on_hand(snaps)[["date", "on_hand", "filled"]].to_string(index=False)
    '      date  on_hand  filled\\n2026-10-01        5   False\\n2026-10-02        5    True\\n2026-10-03        2   False'
    """
    _need(snapshots, [*_SKU_KEY, "snapshot_date", "fulfillable"], "snapshots")
    s = snapshots[[*_SKU_KEY, "snapshot_date", "fulfillable"]].copy()
    s["source"] = (snapshots["source"].astype("string") if "source" in snapshots
                   else pd.Series(pd.NA, index=s.index, dtype="string")).fillna("unknown")
    s["snapshot_date"] = pd.to_datetime(s["snapshot_date"]).astype("datetime64[ns]")
    s = s[s["sku"].notna() & s["snapshot_date"].notna()]
    s["fulfillable"] = s["fulfillable"].astype("Int64")
    cols = ["seller_id", "marketplace", "sku", "date", "on_hand", "filled", "source"]
    if s.empty:
        return pd.DataFrame({"seller_id": pd.Series(dtype="string"),
                             "marketplace": pd.Series(dtype="string"),
                             "sku": pd.Series(dtype="string"),
                             "date": pd.Series(dtype="datetime64[ns]"),
                             "on_hand": pd.Series(dtype="Int64"),
                             "filled": pd.Series(dtype="bool"),
                             "source": pd.Series(dtype="string")})[cols]
    key = [*_SKU_KEY, "snapshot_date"]
    per_source = (s.groupby([*key, "source"], sort=False)["fulfillable"]
                  .sum(min_count=1).reset_index())
    per_source["rank"] = per_source["source"].map(_SOURCE_RANK).fillna(len(_SOURCE_RANK))
    obs = (per_source.sort_values([*key, "rank"], kind="stable")
           .drop_duplicates(key, keep="first").drop(columns="rank"))
    obs["present"] = True

    # every snapshot day of the seller/marketplace x every SKU seen there
    days = obs[[*_GROUP, "snapshot_date"]].drop_duplicates()
    skus = obs[_SKU_KEY].drop_duplicates()
    panel = skus.merge(days, on=_GROUP).merge(obs, on=key, how="left")
    panel["present"] = panel["present"].astype("boolean").fillna(False).astype(bool)
    first = panel["snapshot_date"].where(panel["present"]).groupby(
        [panel[c] for c in _SKU_KEY], sort=False).transform("min")
    last = panel["snapshot_date"].where(panel["present"]).groupby(
        [panel[c] for c in _SKU_KEY], sort=False).transform("max")
    panel = panel[(panel["snapshot_date"] >= first) & (panel["snapshot_date"] <= last)]
    panel = panel.sort_values(key, kind="stable").reset_index(drop=True)

    g = panel.groupby(_SKU_KEY, sort=False)["snapshot_date"]
    nxt = g.shift(-1)
    ndays = ((nxt - panel["snapshot_date"]).dt.days).fillna(1).astype(np.int64)
    daily = _expand_days(panel, "snapshot_date", ndays)
    daily["on_hand"] = daily["fulfillable"].astype("Int64")
    daily["filled"] = (daily["offset"] > 0) & daily["present"]
    daily["source"] = daily["source"].astype("string")
    if start is not None:
        daily = daily[daily["date"] >= _as_date(start, "start")]
    if end is not None:
        daily = daily[daily["date"] <= _as_date(end, "end")]
    out = daily[cols].reset_index(drop=True)
    return out.astype({"seller_id": "string", "marketplace": "string", "sku": "string",
                       "filled": "bool"})


def daily_on_hand_from_ledger(ledger: pd.DataFrame, opening: pd.DataFrame | None = None
                              ) -> pd.DataFrame:
    """Daily sellable units on hand per SKU, rebuilt from Inventory Ledger events.

    .. math:: \\text{on\\_hand}_{s,d} = O_s + \\sum_{e:\\ \\text{sku}=s,\\ d_0 < \\text{date}_e \\le d}
              q_e \\quad (\\text{disposition}_e = \\text{SELLABLE})

    Only ``SELLABLE`` events count (a unit moved to ``DEFECTIVE`` leaves the sellable stock
    through a -1 SELLABLE row). Every calendar day from a SKU's first event to the last event
    date of the whole ledger (per seller and marketplace) gets a row: days without events
    carry the balance (no event = no change within the period the ledger covers).

    Parameters
    ----------
    ledger : ``inventory_ledger`` table (:func:`read_inventory_ledger`).
    opening : optional ``inventory_snapshots`` table giving opening balances ``O_s``. For each
        SKU its earliest snapshot is used and read as the end-of-day balance of its
        ``snapshot_date`` ``d_0``: the SKU's rows start that day, and ledger events on or before
        it are already in the balance (ignored). Without ``opening`` ``O_s = 0`` and the rows
        start at the SKU's first event. Snapshot rows with an unknown quantity are ignored.

    Returns
    -------
    DataFrame ``seller_id, marketplace, sku, date, change`` (net sellable units that day),
    ``on_hand`` (units at the end of the day) and ``stockout`` (``on_hand <= 0``).

    Notes
    -----
    The ledger's SELLABLE balance counts every unit physically sellable in a fulfilment centre,
    including units reserved for orders, so it can exceed MYI's ``afn-fulfillable-quantity``.
    A negative balance means the ledger started after units already existed: give an
    ``opening`` snapshot.

    Example
    -------
    >>> led = pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "A",
    ...     "event_date": pd.to_datetime(["2026-10-01", "2026-10-03"]),
    ...     "quantity": pd.array([3, -3], dtype="Int64"), "disposition": "SELLABLE"})
    >>> daily_on_hand_from_ledger(led)["on_hand"].tolist()
    [3, 3, 0]
    """
    _need(ledger, [*_SKU_KEY, "event_date", "quantity", "disposition"], "ledger")
    led = ledger[[*_SKU_KEY, "event_date", "quantity", "disposition"]].copy()
    if "fnsku" in ledger:  # an event without MSKU is still a unit of its FNSKU
        led["sku"] = led["sku"].astype("string").fillna(ledger["fnsku"].astype("string"))
    led["event_date"] = pd.to_datetime(led["event_date"]).astype("datetime64[ns]")
    ends = led.groupby(_GROUP, sort=False)["event_date"].max().rename("end").reset_index()
    sell = led[led["disposition"].astype("string").str.strip().str.upper().eq("SELLABLE")
               .fillna(False)]
    change = (sell.groupby([*_SKU_KEY, "event_date"], sort=False)["quantity"]
              .sum().astype("Int64").rename("change").reset_index())
    firsts = change.groupby(_SKU_KEY, sort=False)["event_date"].min().rename("start")
    spans = firsts.reset_index()
    spans["opening"] = pd.array([0] * len(spans), dtype="Int64")
    if opening is not None:
        _need(opening, [*_SKU_KEY, "snapshot_date", "fulfillable"], "opening")
        o = opening[[*_SKU_KEY, "snapshot_date", "fulfillable"]].dropna(
            subset=["sku", "snapshot_date", "fulfillable"])
        o = (o.assign(snapshot_date=pd.to_datetime(o["snapshot_date"]).astype("datetime64[ns]"))
             .sort_values("snapshot_date", kind="stable").drop_duplicates(_SKU_KEY))
        o = o.rename(columns={"snapshot_date": "start", "fulfillable": "opening"})
        o["opening"] = o["opening"].astype("Int64")
        o = o.merge(ends[_GROUP], on=_GROUP)  # only where the ledger covers the marketplace
        spans = pd.concat([spans.merge(o[_SKU_KEY], on=_SKU_KEY, how="left", indicator=True)
                           .query("_merge == 'left_only'").drop(columns="_merge"), o],
                          ignore_index=True)
        change = change.merge(o[[*_SKU_KEY, "start"]], on=_SKU_KEY, how="left")
        change = change[change["start"].isna() | (change["event_date"] > change["start"])]
        change = change.drop(columns="start")
    spans = spans.merge(ends, on=_GROUP)
    spans["end"] = spans[["start", "end"]].max(axis=1)
    spans = spans.sort_values(_SKU_KEY, kind="stable").reset_index(drop=True)
    ndays = (spans["end"] - spans["start"]).dt.days + 1
    daily = _expand_days(spans, "start", ndays)
    daily = daily.merge(change.rename(columns={"event_date": "date"}),
                        on=[*_SKU_KEY, "date"], how="left")
    daily["change"] = daily["change"].astype("Int64").fillna(0)
    cum = daily.groupby(_SKU_KEY, sort=False)["change"].cumsum()
    daily["on_hand"] = (daily["opening"] + cum).astype("Int64")
    daily["stockout"] = (daily["on_hand"] <= 0).astype("boolean")
    out = daily[[*_SKU_KEY, "date", "change", "on_hand", "stockout"]]
    return out.astype({"seller_id": "string", "marketplace": "string",
                       "sku": "string"}).reset_index(drop=True)


__all__ = [
    "MYI", "FBA_PLANNING", "LEDGER", "SnapshotDateError", "read_myi", "read_myi_extras",
    "read_fba_planning", "read_fba_planning_extras", "read_inventory_ledger",
    "snapshot_date_from_name", "daily_on_hand", "daily_on_hand_from_ledger",
]
