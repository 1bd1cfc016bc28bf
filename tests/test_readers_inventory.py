"""FBA inventory readers (MYI, planning, ledger) and the daily on-hand history.

Fixtures are written here from the exact header lists of ../shared/domain.md §4b; expected
values are read off the fixture rows or worked out by hand in the comments.
"""

from __future__ import annotations

import pandas as pd
import pytest

from postship_analysis import contract
from postship_analysis.errors import InputFileError
from postship_analysis.readers.detect import detect_file
from postship_analysis.readers.inventory import (
    SnapshotDateError,
    daily_on_hand,
    daily_on_hand_from_ledger,
    read_fba_planning,
    read_fba_planning_extras,
    read_inventory_ledger,
    read_myi,
    read_myi_extras,
    snapshot_date_from_name,
)

MYI_18 = ("sku fnsku asin product-name condition your-price mfn-listing-exists "
          "mfn-fulfillable-quantity afn-listing-exists afn-warehouse-quantity "
          "afn-fulfillable-quantity afn-unsellable-quantity afn-reserved-quantity "
          "afn-total-quantity per-unit-volume afn-inbound-working-quantity "
          "afn-inbound-shipped-quantity afn-inbound-receiving-quantity").split()
MYI_22 = MYI_18 + ["afn-researching-quantity", "afn-reserved-future-supply",
                   "afn-future-supply-buyable", "store"]
MYI_EU = MYI_22 + ["afn-fulfillable-quantity-local", "afn-fulfillable-quantity-remote"]

# The real 2026 FBA Inventory header, domain.md §4b (97 columns).
PLANNING_97 = [
    "snapshot-date", "sku", "fnsku", "asin", "product-name", "condition", "available",
    "pending-removal-quantity", "inv-age-0-to-90-days", "inv-age-91-to-180-days",
    "inv-age-181-to-270-days", "inv-age-271-to-365-days", "inv-age-366-to-455-days",
    "inv-age-456-plus-days", "currency", "units-shipped-t7", "units-shipped-t30",
    "units-shipped-t60", "units-shipped-t90", "alert", "your-price", "sales-price",
    "lowest-price-new-plus-shipping", "lowest-price-used", "recommended-action",
    "DEPRECATED healthy-inventory-level", "recommended-sales-price",
    "recommended-sale-duration-days", "recommended-removal-quantity",
    "estimated-cost-savings-of-recommended-actions", "sell-through", "item-volume",
    "volume-unit-measurement", "storage-type", "storage-volume", "marketplace", "product-group",
    "sales-rank", "days-of-supply", "estimated-excess-quantity", "weeks-of-cover-t30",
    "weeks-of-cover-t90", "featuredoffer-price", "sales-shipped-last-7-days",
    "sales-shipped-last-30-days", "sales-shipped-last-60-days", "sales-shipped-last-90-days",
    "inv-age-0-to-30-days", "inv-age-31-to-60-days", "inv-age-61-to-90-days",
    "inv-age-181-to-330-days", "inv-age-331-to-365-days", "estimated-storage-cost-next-month",
    "inbound-quantity", "inbound-working", "inbound-shipped", "inbound-received",
    "no-sale-last-6-months", "Total Reserved Quantity", "unfulfillable-quantity",
    "quantity-to-be-charged-ais-181-210-days", "estimated-ais-181-210-days",
    "quantity-to-be-charged-ais-211-240-days", "estimated-ais-211-240-days",
    "quantity-to-be-charged-ais-241-270-days", "estimated-ais-241-270-days",
    "quantity-to-be-charged-ais-271-300-days", "estimated-ais-271-300-days",
    "quantity-to-be-charged-ais-301-330-days", "estimated-ais-301-330-days",
    "quantity-to-be-charged-ais-331-365-days", "estimated-ais-331-365-days",
    "quantity-to-be-charged-ais-366-455-days", "estimated-ais-366-455-days",
    "quantity-to-be-charged-ais-456-plus-days", "estimated-ais-456-plus-days",
    "historical-days-of-supply", "fba-minimum-inventory-level",
    "fba-inventory-level-health-status", "Recommended ship-in quantity",
    "Recommended ship-in date", "Last updated date for Historical Days of Supply",
    "Exempted from Low-Inventory-Level fee?", "Low-Inventory-Level fee applied in current week?",
    "Short term historical days of supply", "Long term historical days of supply",
    "Inventory age snapshot date", "Inventory Supply at FBA", "Reserved FC Transfer",
    "Reserved FC Processing", "Reserved Customer Order",
    "Total Days of Supply (including units from open shipments)", "supplier",
    "is-seasonal-in-next-3-months", "season-name", "season-start-date", "season-end-date",
]

LEDGER_HEADER = ["Date", "FNSKU", "ASIN", "MSKU", "Title", "Event Type", "Reference ID",
                 "Quantity", "Fulfillment Center", "Disposition", "Reason", "Country",
                 "Reconciled Quantity", "Unreconciled Quantity", "Date and Time", "Store"]


def tsv(header, rows):
    """Tab-delimited text: rows are dicts (missing columns blank)."""
    lines = ["\t".join(header)]
    lines += ["\t".join(str(r.get(h, "")) for h in header) for r in rows]
    return "\n".join(lines) + "\n"


def csv_quoted(header, rows):
    q = lambda v: '"' + str(v).replace('"', '""') + '"'  # noqa: E731
    lines = [",".join(q(h) for h in header)]
    lines += [",".join(q(r.get(h, "")) for h in header) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def myi_row(sku, fulfillable, **kw):
    row = {"sku": sku, "fnsku": "X00" + sku, "asin": "B0" + sku, "product-name": "Thing " + sku,
           "condition": "New", "your-price": "19.99", "mfn-listing-exists": "No",
           "mfn-fulfillable-quantity": "", "afn-listing-exists": "Yes",
           "afn-warehouse-quantity": "0", "afn-fulfillable-quantity": fulfillable,
           "afn-unsellable-quantity": "0", "afn-reserved-quantity": "0",
           "afn-total-quantity": "0", "per-unit-volume": "0.12",
           "afn-inbound-working-quantity": "0", "afn-inbound-shipped-quantity": "0",
           "afn-inbound-receiving-quantity": "0"}
    row.update(kw)
    return row


# ---------------------------------------------------------------------------------------------
# Manage FBA Inventory
# ---------------------------------------------------------------------------------------------

def test_myi_22_columns_date_from_file_name(write):
    rows = [
        myi_row("A1", "40", **{"afn-reserved-quantity": "3", "afn-unsellable-quantity": "2",
                               "afn-inbound-working-quantity": "10",
                               "afn-inbound-shipped-quantity": "20",
                               "afn-inbound-receiving-quantity": "5", "store": "US"}),
        myi_row("B2", "0", store="US"),
    ]
    p = write("Manage FBA Inventory 2026-10-26.txt", tsv(MYI_22, rows))
    res = read_myi(p, seller_id="acme", marketplace="US")
    assert (res.rows_read, res.accepted, res.rejected) == (2, 2, 0)
    contract.validate(res.data, "inventory_snapshots")
    a = res.data.set_index("sku").loc["A1"]
    assert a["snapshot_date"] == pd.Timestamp("2026-10-26")
    assert (a["fulfillable"], a["reserved"], a["unfulfillable"]) == (40, 3, 2)
    assert (a["inbound_working"], a["inbound_shipped"], a["inbound_receiving"]) == (10, 20, 5)
    assert (a["fnsku"], a["asin"], a["source"]) == ("X00A1", "B0A1", "myi")
    assert res.data["seller_id"].eq("acme").all() and res.data["marketplace"].eq("US").all()
    assert res.unknown_columns == []
    assert detect_file(p).report_type == "fba_myi"


def test_myi_compact_date_in_name_and_explicit_date(write):
    p = write("GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_20261026.txt",
              tsv(MYI_18, [myi_row("A1", "7")]))
    assert read_myi(p).data["snapshot_date"].iloc[0] == pd.Timestamp("2026-10-26")
    # the argument wins over the file name
    res = read_myi(p, snapshot_date="2026-10-20")
    assert res.data["snapshot_date"].iloc[0] == pd.Timestamp("2026-10-20")


def test_snapshot_date_from_name_rejects_ambiguous_and_impossible():
    assert snapshot_date_from_name("Inventory 2026-10-01 to 2026-10-26.txt") is None
    assert snapshot_date_from_name("Inventory 2026-02-30.txt") is None
    assert snapshot_date_from_name("report 50123456789.txt") is None  # an SP-API report id
    assert snapshot_date_from_name("myi_2026_10_26.txt") == pd.Timestamp("2026-10-26")


def test_myi_without_date_raises_naming_file_and_fix(write):
    p = write("Manage FBA Inventory.txt", tsv(MYI_18, [myi_row("A1", "7")]))
    with pytest.raises(SnapshotDateError) as e:
        read_myi(p)
    assert isinstance(e.value, InputFileError)
    msg = str(e.value)
    assert "Manage FBA Inventory.txt" in msg
    assert "snapshot_date=" in msg and "2026-10-26" in msg  # says how to supply the date


def test_myi_de_decimal_commas_and_eu_columns(write):
    row = myi_row("DE-1", "30", **{"your-price": "12,99", "per-unit-volume": "0,05",
                                   "afn-fulfillable-quantity-local": "20",
                                   "afn-fulfillable-quantity-remote": "10",
                                   "afn-total-quantity": "33", "afn-reserved-quantity": "3",
                                   "store": "DE"})
    p = write("Manage FBA Inventory 2026-10-26.txt", tsv(MYI_EU, [row]))
    res = read_myi(p, marketplace="DE")
    assert (res.accepted, res.rejected) == (1, 0)
    assert res.data["fulfillable"].iloc[0] == 30
    x = read_myi_extras(p, marketplace="DE")
    assert len(x) == res.accepted
    assert x["your_price"].iloc[0] == pytest.approx(12.99)
    assert x["per_unit_volume"].iloc[0] == pytest.approx(0.05)
    # Pan-EU: the file's total fulfillable is local + remote
    assert x["afn_fulfillable_quantity_local"].iloc[0] + \
        x["afn_fulfillable_quantity_remote"].iloc[0] == res.data["fulfillable"].iloc[0]
    assert x["afn_total_quantity"].iloc[0] == 33
    assert x["snapshot_date"].iloc[0] == pd.Timestamp("2026-10-26")
    assert x.attrs["unparsed"] == {}


def test_myi_18_columns_extras_absent_are_na_and_negative_quarantined(write):
    rows = [myi_row("A1", "5"), myi_row("B2", "-1")]
    p = write("myi 2026-10-26.txt", tsv(MYI_18, rows))
    res = read_myi(p)
    assert (res.rows_read, res.accepted, res.rejected) == (3 - 1, 1, 1)
    q = res.quarantine.iloc[0]
    assert q["line"] == 3 and q["column"] == "afn-fulfillable-quantity"
    x = read_myi_extras(p)
    assert list(x["sku"]) == ["A1"]
    assert x["afn_researching_quantity"].isna().all() and x["store"].isna().all()


# ---------------------------------------------------------------------------------------------
# FBA Inventory (planning)
# ---------------------------------------------------------------------------------------------

def planning_row(sku, available, **kw):
    row = {"snapshot-date": "2026-10-31", "sku": sku, "fnsku": "X00" + sku, "asin": "B0" + sku,
           "product-name": "Thing", "condition": "New", "available": available,
           "currency": "USD", "marketplace": "US"}
    row.update(kw)
    return row


def test_planning_97_columns_maps_quantities(write):
    rows = [
        planning_row("A1", "120", **{"Total Reserved Quantity": "6",
                                     "unfulfillable-quantity": "2", "inbound-working": "50",
                                     "inbound-shipped": "40", "inbound-received": "8"}),
        planning_row("B2", "0"),
    ]
    p = write("FBA Inventory 2026-10-31.txt", tsv(PLANNING_97, rows))
    res = read_fba_planning(p, seller_id="acme")
    assert (res.rows_read, res.accepted, res.rejected) == (2, 2, 0)
    assert res.unknown_columns == []  # every one of the 97 columns is recognised
    contract.validate(res.data, "inventory_snapshots")
    a = res.data.set_index("sku").loc["A1"]
    assert a["snapshot_date"] == pd.Timestamp("2026-10-31")
    assert (a["fulfillable"], a["reserved"], a["unfulfillable"]) == (120, 6, 2)
    assert (a["inbound_working"], a["inbound_shipped"], a["inbound_receiving"]) == (50, 40, 8)
    assert a["source"] == "planning" and a["marketplace"] == "US"
    assert detect_file(p).report_type == "fba_planning"


def test_planning_extras_values_and_same_rows(write):
    rows = [
        planning_row("A1", "120", **{
            "units-shipped-t7": "14", "units-shipped-t30": "60", "units-shipped-t60": "110",
            "units-shipped-t90": "170", "sell-through": "1.4", "weeks-of-cover-t30": "8.0",
            "weeks-of-cover-t90": "7.5", "days-of-supply": "45", "inv-age-0-to-90-days": "100",
            "inv-age-91-to-180-days": "20", "inv-age-456-plus-days": "0", "your-price": "34.99",
            "estimated-excess-quantity": "12", "storage-volume": "15.24",
            "Recommended ship-in date": "2026-11-15", "alert": "Low traffic"}),
        planning_row("BAD", "-4"),  # negative available: quarantined by the reader
        planning_row("C3", "9", **{"sell-through": "n/a?", "units-shipped-t30": "3"}),
    ]
    p = write("FBA Inventory 2026-10-31.txt", tsv(PLANNING_97, rows))
    res = read_fba_planning(p)
    assert (res.accepted, res.rejected) == (2, 1)
    assert res.quarantine["line"].tolist() == [3]
    x = read_fba_planning_extras(p)
    assert list(x["sku"]) == list(res.data["sku"]) == ["A1", "C3"]
    a = x.iloc[0]
    assert (a["units_shipped_t7"], a["units_shipped_t30"], a["units_shipped_t60"],
            a["units_shipped_t90"]) == (14, 60, 110, 170)
    assert a["sell_through"] == pytest.approx(1.4)
    assert (a["weeks_of_cover_t30"], a["weeks_of_cover_t90"]) == (8.0, 7.5)
    assert a["days_of_supply"] == 45
    assert (a["inv_age_0_to_90_days"], a["inv_age_91_to_180_days"],
            a["inv_age_456_plus_days"]) == (100, 20, 0)
    assert a["your_price"] == pytest.approx(34.99) and a["currency"] == "USD"
    assert a["estimated_excess_quantity"] == 12
    assert a["storage_volume"] == pytest.approx(15.24)
    assert a["recommended_ship_in_date"] == pd.Timestamp("2026-11-15")
    assert a["alert"] == "Low traffic"
    assert a["snapshot_date"] == pd.Timestamp("2026-10-31")
    # C3: an unparseable extra is <NA>, counted, and the row stays
    assert pd.isna(x.iloc[1]["sell_through"]) and x.iloc[1]["units_shipped_t30"] == 3
    assert x.attrs["unparsed"] == {"sell_through": 1}
    assert str(x["units_shipped_t30"].dtype) == "Int64"
    assert str(x["sell_through"].dtype) == "float64"


def test_planning_help_page_spellings(write):
    # Amazon help page GKT9YKCHXMSDVJKB spellings; snapshot-date as in its example
    header = ["snapshot-date", "sku", "fnsku", "asin", "available",
              "inventory-age-0-to-90-days", "inventory-age-365-plus-days", "sales_price",
              "lowest_price_new", "Total Reserved Quantity", "inbound-received",
              "recommended-order-quantity", "recommended-order-date", "marketplace"]
    row = {"snapshot-date": "2011-06-26T07:00:00+00:00", "sku": "MSKU-12345-prod1",
           "fnsku": "X003459202", "asin": "B0159KFV53", "available": "24",
           "inventory-age-0-to-90-days": "0", "inventory-age-365-plus-days": "123",
           "sales_price": "19.99", "lowest_price_new": "19.99", "Total Reserved Quantity": "10",
           "inbound-received": "0", "recommended-order-quantity": "10",
           "recommended-order-date": "4/11/2021", "marketplace": "US"}
    p = write("planning.txt", tsv(header, [row]))
    res = read_fba_planning(p)
    d = res.data.iloc[0]
    # 07:00 UTC is midnight in Seattle (PDT, UTC-7): 26 June
    assert d["snapshot_date"] == pd.Timestamp("2011-06-26") and d["marketplace"] == "US"
    assert (d["fulfillable"], d["reserved"]) == (24, 10)
    x = read_fba_planning_extras(p)
    e = x.iloc[0]
    assert (e["inv_age_0_to_90_days"], e["inv_age_365_plus_days"]) == (0, 123)
    assert e["sales_price"] == pytest.approx(19.99)
    assert e["lowest_price_new_plus_shipping"] == pytest.approx(19.99)
    assert e["recommended_ship_in_quantity"] == 10
    assert e["recommended_ship_in_date"] == pd.Timestamp("2021-04-11")  # US: month-first


def test_planning_marketplace_column_sets_rows_and_date_order(write):
    rows = [planning_row("A1", "5", marketplace="IT", **{"Recommended ship-in date": "04/11/2026"}),
            planning_row("B2", "6", marketplace="IT")]
    p = write("planning.txt", tsv(PLANNING_97, rows))
    res = read_fba_planning(p)  # no marketplace given: the file's column decides
    assert res.data["marketplace"].tolist() == ["IT", "IT"]
    x = read_fba_planning_extras(p)
    assert x["recommended_ship_in_date"].iloc[0] == pd.Timestamp("2026-11-04")  # day-first
    # a marketplace argument that disagrees with the file is reported, rows keep the file's
    res = read_fba_planning(p, marketplace="DE")
    assert res.data["marketplace"].tolist() == ["IT", "IT"]
    assert any("IT" in w for w in res.warnings)


# ---------------------------------------------------------------------------------------------
# Inventory ledger
# ---------------------------------------------------------------------------------------------

def ledger_row(date, sku, event, qty, disp="SELLABLE", ref="", fc="PHX7", when=""):
    return {"Date": date, "FNSKU": "X00" + sku, "ASIN": "B0" + sku, "MSKU": sku,
            "Title": "Thing, large", "Event Type": event, "Reference ID": ref, "Quantity": qty,
            "Fulfillment Center": fc, "Disposition": disp, "Reason": "", "Country": "US",
            "Reconciled Quantity": "", "Unreconciled Quantity": "", "Date and Time": when,
            "Store": ""}


def test_ledger_us_month_first(write):
    rows = [ledger_row("10/05/2026", "A1", "Receipts", "10", ref="FBA15ABC"),
            ledger_row("10/12/2026", "A1", "Shipments", "-2", ref="113-1234567-1234567")]
    p = write("Inventory Ledger.csv", csv_quoted(LEDGER_HEADER, rows))
    res = read_inventory_ledger(p, marketplace="US")
    assert (res.accepted, res.rejected) == (2, 0)
    contract.validate(res.data, "inventory_ledger")
    assert res.data["event_date"].tolist() == [pd.Timestamp("2026-10-05"),
                                               pd.Timestamp("2026-10-12")]
    assert res.data["quantity"].tolist() == [10, -2]
    assert res.data["event_type"].tolist() == ["Receipts", "Shipments"]
    assert detect_file(p).report_type == "inventory_ledger"


def test_ledger_de_day_first_and_exact_duplicate(write):
    rows = [ledger_row("05.10.2026", "A1", "Receipts", "10", fc="LEJ1"),
            ledger_row("12.10.2026", "A1", "Shipments", "-1", fc="LEJ1", when="12.10.2026 10:01"),
            ledger_row("12.10.2026", "A1", "Shipments", "-1", fc="LEJ1", when="12.10.2026 10:01")]
    p = write("Inventory Ledger.csv", csv_quoted(LEDGER_HEADER, rows))
    res = read_inventory_ledger(p, marketplace="DE")
    assert res.data["event_date"].tolist() == [pd.Timestamp("2026-10-05"),
                                               pd.Timestamp("2026-10-12")]
    assert (res.rows_read, res.accepted, res.rejected) == (3, 2, 1)
    assert res.quarantine.iloc[0]["line"] == 4
    assert res.quarantine.iloc[0]["reason"] == "duplicate of line 3"


# ---------------------------------------------------------------------------------------------
# Daily on-hand from snapshots
# ---------------------------------------------------------------------------------------------

def snaps(rows):
    df = pd.DataFrame(rows, columns=["sku", "snapshot_date", "fulfillable", "source"])
    df["seller_id"] = "acme"
    df["marketplace"] = "US"
    df["snapshot_date"] = pd.to_datetime(df["snapshot_date"])
    df["fulfillable"] = df["fulfillable"].astype("Int64")
    return df


def test_daily_on_hand_forward_fill_by_hand():
    # Snapshot days of the account: Oct 1, Oct 4, Oct 6.
    # A: 5 on Oct 1, 2 on Oct 4, not in the Oct 6 snapshot (e.g. planning omits
    #    out-of-stock SKUs).
    # C: 9 on Oct 1, missing on Oct 4, 4 on Oct 6.
    s = snaps([("A", "2026-10-01", 5, "planning"), ("A", "2026-10-04", 2, "planning"),
               ("C", "2026-10-01", 9, "planning"), ("C", "2026-10-06", 4, "planning")])
    out = daily_on_hand(s)
    a = out[out["sku"] == "A"]
    # A: Oct 1 5 (observed), Oct 2-3 5 (filled), Oct 4 2 (observed); nothing after Oct 4
    # (last snapshot of A: no extrapolation)
    assert a["date"].dt.day.tolist() == [1, 2, 3, 4]
    assert a["on_hand"].tolist() == [5, 5, 5, 2]
    assert a["filled"].tolist() == [False, True, True, False]
    c = out[out["sku"] == "C"]
    # C: Oct 1 9, Oct 2-3 9 filled, Oct 4 absent -> unknown, Oct 5 unknown, Oct 6 4
    assert c["date"].dt.day.tolist() == [1, 2, 3, 4, 5, 6]
    assert c["on_hand"].tolist()[:3] == [9, 9, 9] and c["on_hand"].iloc[5] == 4
    assert c["on_hand"].iloc[3:5].isna().all()
    assert c["filled"].tolist() == [False, True, True, False, False, False]
    assert set(out.columns) == {"seller_id", "marketplace", "sku", "date", "on_hand",
                                "filled", "source"}


def test_daily_on_hand_start_end_and_source_priority():
    s = snaps([("A", "2026-10-01", 5, "planning"), ("A", "2026-10-01", 6, "myi"),
               ("A", "2026-10-05", 1, "myi")])
    out = daily_on_hand(s, start="2026-10-03", end="2026-10-30")
    # MYI's 6 wins over planning's 5 on Oct 1 and is carried to Oct 3-4; Oct 5 observed 1;
    # end=Oct 30 does not extend past the last snapshot (Oct 5)
    assert out["date"].dt.day.tolist() == [3, 4, 5]
    assert out["on_hand"].tolist() == [6, 6, 1]
    assert out["filled"].tolist() == [True, True, False]
    assert out["source"].tolist() == ["myi", "myi", "myi"]
    assert out.duplicated(["seller_id", "marketplace", "sku", "date"]).sum() == 0


def test_daily_on_hand_from_read_myi_files(write):
    p1 = write("Manage FBA Inventory 2026-10-01.txt", tsv(MYI_18, [myi_row("A1", "8")]))
    p2 = write("Manage FBA Inventory 2026-10-03.txt", tsv(MYI_18, [myi_row("A1", "3")]))
    both = pd.concat([read_myi(p1).data, read_myi(p2).data], ignore_index=True)
    out = daily_on_hand(both)
    assert out["on_hand"].tolist() == [8, 8, 3]
    assert out["filled"].tolist() == [False, True, False]


# ---------------------------------------------------------------------------------------------
# Daily on-hand from the ledger
# ---------------------------------------------------------------------------------------------

LEDGER_EVENTS = [
    # A: +10 received Oct 1; -3 and -2 shipped Oct 2; -5 shipped Oct 4 (stock-out);
    #    +1 DEFECTIVE on Oct 4 (not sellable: ignored); +1 sellable return Oct 6.
    ledger_row("10/01/2026", "A", "Receipts", "10", ref="FBA1"),
    ledger_row("10/02/2026", "A", "Shipments", "-3", ref="o1"),
    ledger_row("10/02/2026", "A", "Shipments", "-2", ref="o2"),
    ledger_row("10/04/2026", "A", "Shipments", "-5", ref="o3"),
    ledger_row("10/04/2026", "A", "Adjustments", "1", disp="DEFECTIVE", ref="adj"),
    ledger_row("10/06/2026", "A", "CustomerReturns", "1", ref="o1"),
    # B: +4 received Oct 3, nothing after; the ledger runs to Oct 6.
    ledger_row("10/03/2026", "B", "Receipts", "4", ref="FBA2"),
]


def test_ledger_history_cumulative_sum_by_hand(write):
    p = write("Inventory Ledger.csv", csv_quoted(LEDGER_HEADER, LEDGER_EVENTS))
    led = read_inventory_ledger(p, marketplace="US").data
    out = daily_on_hand_from_ledger(led)
    a = out[out["sku"] == "A"]
    # Oct 1: 10; Oct 2: 10-3-2 = 5; Oct 3: 5; Oct 4: 5-5 = 0 (stock-out); Oct 5: 0; Oct 6: 1
    assert a["date"].dt.day.tolist() == [1, 2, 3, 4, 5, 6]
    assert a["change"].tolist() == [10, -5, 0, -5, 0, 1]
    assert a["on_hand"].tolist() == [10, 5, 5, 0, 0, 1]
    assert a["stockout"].tolist() == [False, False, False, True, True, False]
    b = out[out["sku"] == "B"]
    # B starts at its first event and runs to the ledger's last day with 4 units
    assert b["date"].dt.day.tolist() == [3, 4, 5, 6]
    assert b["on_hand"].tolist() == [4, 4, 4, 4]
    assert not b["stockout"].any()


def test_ledger_history_with_opening_snapshot(write):
    p = write("Inventory Ledger.csv", csv_quoted(LEDGER_HEADER, LEDGER_EVENTS))
    led = read_inventory_ledger(p, seller_id="acme", marketplace="US").data
    opening = snaps([("A", "2026-10-02", 6, "myi")])
    out = daily_on_hand_from_ledger(led, opening=opening)
    a = out[out["sku"] == "A"]
    # 6 at the end of Oct 2 (events up to Oct 2 are in it); Oct 3: 6; Oct 4: 6-5 = 1;
    # Oct 5: 1; Oct 6: 1+1 = 2
    assert a["date"].dt.day.tolist() == [2, 3, 4, 5, 6]
    assert a["on_hand"].tolist() == [6, 6, 1, 1, 2]
    assert not a["stockout"].any()
    # B has no opening row: balance from 0 as before
    assert out[out["sku"] == "B"]["on_hand"].tolist() == [4, 4, 4, 4]
