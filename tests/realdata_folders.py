"""Real public data (../shared/realdata, see each PROVENANCE.md) turned into data folders in
Amazon's own export layouts, as a seller would have them, for end-to-end report runs.

Built in a temporary folder by the tests; nothing here is copied into the repository.

Olist (olist-random-4k, olist-case-8k) -> marketplace ``BR`` (Amazon.com.br, America/Sao_Paulo)
---------------------------------------------------------------------------------------------
One account holds every Olist seller's items (Olist is a marketplace of 1,000+ sellers; a
folder per seller would give thin, unrepresentative accounts). Olist times are Brazilian local
wall-clock times. Files:

* ``All Orders YYYY-MM.txt`` (GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL, 33-column
  header, tab, one file per purchase month, times in UTC ``+00:00`` as Amazon writes them,
  money with a decimal comma as in Amazon.com.br files): one row per order x product; Olist
  lists every unit as its own item, Amazon one line per SKU with a quantity, so identical
  products of an order are one line (quantity = units, item-price = their total, shipping-price
  = their freight). ``fulfillment-channel`` Merchant (Olist sellers ship themselves), ``sku`` =
  product_id, ``product-name`` = the product's category, ship-city / state / postal code from
  the customer. Status: delivered and shipped -> ``Shipped``; canceled and unavailable ->
  ``Cancelled`` (quantity 0, no price: as Amazon writes a cancelled line); invoiced, processing,
  approved -> ``Unshipped``; created -> ``Pending``. ``last-updated-date`` = the carrier
  hand-over for an order handed over (the moment the order became Shipped: the confirmation),
  else the payment approval, else the purchase. Orders without items (mostly unavailable or
  cancelled) cannot be an All Orders line (no SKU) and are left out: :func:`olist_tables` says
  how many.
* ``Order Report YYYY-MM.txt`` (order flat file with ship-by dates, tab, local ISO times with
  offset): per order line ``latest-ship-date`` = the earliest ``shipping_limit_date`` of its
  units (the seller's ship-by), ``latest-delivery-date`` = ``order_estimated_delivery_date``
  at 23:59:59 local (deliver-by = the end of the promised day), ``earliest-ship-date`` = the
  purchase, ``is-prime`` false, ``is-buyer-requested-cancellation`` false (Olist does not say).
* ``Shipment Confirmations.txt`` (POST_FLAT_FILE_FULFILLMENT_DATA, with the template line):
  one whole-order confirmation per order handed to the carrier, ``ship-date`` = the hand-over
  (``order_delivered_carrier_date``), carrier ``Correios``. Olist has no tracking numbers: each
  order gets a well-formed UPU S10 number (``OL`` + 8-digit serial + check digit + ``BR``), the
  format Correios uses, so the tracking checks have a real number to check.
* ``Delivery Events.csv`` (our CSV: Amazon has no export of carrier scans): ``picked_up`` at the
  hand-over, ``delivered`` at ``order_delivered_customer_date``.
* ``Feedback.txt`` (Seller Feedback report, tab): Olist's order reviews as seller feedback
  (Date = review_creation_date, ``DD/MM/YYYY`` as Amazon.com.br writes dates; Rating =
  review_score; comments with tabs and line breaks flattened). An Olist review rates the whole
  purchase, product and delivery, like Amazon seller feedback; 1-2 stars = negative feedback.
* No returns: Olist has no return records (no status, no dates) -> no returns file.
* No ads, no inventory: Olist has neither.

amazon-in-sales-report -> marketplace ``IN``
--------------------------------------------
Already Amazon.in exports: the Amazon Sale Report (order export), the stock sheet and the
price sheet are copied as they are (file names unchanged) into ``<account>/IN/``.

amazon-ads-exports -> one ads-only account per seller
-----------------------------------------------------
Each seller's Advertising-console downloads copied as they are into ``<account>/<MP>/``.

FreshRetailNet-50K subset: not converted
----------------------------------------
No Amazon layout fits honestly: its sales are scaled, non-integer numbers (not units, while
every Amazon order or inventory report counts units), it has no on-hand quantities (only hourly
stock-out flags, while Manage FBA Inventory / the Inventory Ledger carry quantities), and its
series are a Chinese grocer's store x product pairs, not one seller's SKUs. Turning it into All
Orders or inventory reports would mean inventing quantities; it is used where it fits, as a
forecasting benchmark with known stock-outs (benchmarks/bench_realdata.py).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

TZ_BR = "America/Sao_Paulo"

ALL_ORDERS_HEADER = (
    "amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
    "fulfillment-channel sales-channel order-channel ship-service-level product-name sku asin "
    "item-status quantity currency item-price item-tax shipping-price shipping-tax gift-wrap-price "
    "gift-wrap-tax item-promotion-discount ship-promotion-discount ship-city ship-state "
    "ship-postal-code ship-country promotion-ids cpf is-business-order purchase-order-number "
    "price-designation signature-confirmation-recommended order-item-id").split()
ORDER_REPORT_HEADER = (
    "order-id order-item-id purchase-date payments-date sku product-name quantity-purchased "
    "currency item-price ship-service-level sales-channel earliest-ship-date latest-ship-date "
    "earliest-delivery-date latest-delivery-date is-business-order is-prime "
    "is-buyer-requested-cancellation").split()
CONFIRM_HEADER = ("order-id order-item-id quantity ship-date carrier-code carrier-name "
                  "tracking-number ship-method").split()
FEEDBACK_HEADER = ["Date", "Rating", "Comments", "Response", "Order ID", "Rater Email"]

#: Olist order_status -> (All Orders order-status, item-status)
OLIST_STATUS = {
    "delivered": ("Shipped", "Shipped"), "shipped": ("Shipped", "Shipped"),
    "canceled": ("Cancelled", "Cancelled"), "unavailable": ("Cancelled", "Cancelled"),
    "invoiced": ("Unshipped", "Unshipped"), "processing": ("Unshipped", "Unshipped"),
    "approved": ("Unshipped", "Unshipped"), "created": ("Pending", "Unshipped"),
}
#: the files :func:`olist_account` can write
OLIST_FILES = ("orders", "promises", "confirmations", "events", "feedback")


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------

def read_raw(path: Path) -> pd.DataFrame:
    """A raw CSV as text, empty strings kept (Olist writes missing dates as empty)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _local(s: pd.Series) -> pd.Series:
    """Olist local wall-clock text -> tz-aware Sao Paulo times (DST: an ambiguous hour is read
    as summer time, a skipped one shifted forward; the local calendar day never changes)."""
    t = pd.to_datetime(s.where(s != ""), format="%Y-%m-%d %H:%M:%S")
    return t.dt.tz_localize(TZ_BR, ambiguous=np.ones(len(t), dtype=bool),
                            nonexistent="shift_forward")


def _iso(t: pd.Series, utc: bool = False) -> pd.Series:
    """ISO 8601 with offset (``2018-07-29T13:54:51-03:00``), UTC ``+00:00`` if ``utc``; NaT ->
    empty."""
    if utc:
        t = t.dt.tz_convert("UTC")
    out = t.dt.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2",
                                                            regex=True)
    return out.fillna("")


def _comma(x: pd.Series) -> pd.Series:
    """Money with a decimal comma, two decimals."""
    return x.map(lambda v: f"{v:.2f}".replace(".", ","))


def s10_number(serial: int, prefix: str = "OL", country: str = "BR") -> str:
    """A UPU S10 tracking number: 2 letters, 8 digits, check digit (weights 8,6,4,2,3,5,9,7;
    11 - sum mod 11, 10 -> 0, 11 -> 5), country code."""
    digits = f"{serial:08d}"
    s = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    c = 11 - s % 11
    c = 0 if c == 10 else 5 if c == 11 else c
    return f"{prefix}{digits}{c}{country}"


def write_tab(path: Path, header: list[str], rows: pd.DataFrame, preamble: str = "") -> int:
    """A tab-delimited flat file as Amazon writes them (no quoting, LF); returns data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = [rows[c].astype(str) for c in header]
    for c in cols:  # a tab or line break inside a value would break the row
        assert not c.str.contains(r"[\t\r\n]").any(), c.name
    body = cols[0].str.cat(cols[1:], sep="\t").tolist() if len(rows) else []
    text = "\n".join(([preamble] if preamble else []) + ["\t".join(header)] + body) + "\n"
    path.write_text(text, encoding="utf-8")
    return len(rows)


def _flat(s: pd.Series) -> pd.Series:
    return s.str.replace(r"[\t\r\n]+", " ", regex=True).str.strip()


# ---------------------------------------------------------------------------------------------
# Olist
# ---------------------------------------------------------------------------------------------

@dataclass
class OlistTables:
    """The raw Olist tables and the derived order lines (one per order x product)."""

    orders: pd.DataFrame
    items: pd.DataFrame
    reviews: pd.DataFrame
    customers: pd.DataFrame
    products: pd.DataFrame
    lines: pd.DataFrame  # order_id, product_id, units, price, freight, limit (min shipping_limit_date)
    orders_without_items: int = 0


def olist_tables(src: Path, since: str = "") -> OlistTables:
    """The raw tables; with ``since`` (``YYYY-MM-DD``) only the orders purchased on or after
    that local day, with their items and reviews (a small slice keeps report runs short)."""
    o = read_raw(src / "olist_orders_dataset.csv")
    i = read_raw(src / "olist_order_items_dataset.csv")
    r = read_raw(src / "olist_order_reviews_dataset.csv")
    c = read_raw(src / "olist_customers_dataset.csv")
    p = read_raw(src / "olist_products_dataset.csv")
    if since:
        o = o[o["order_purchase_timestamp"] >= since]
        i = i[i["order_id"].isin(o["order_id"])]
        r = r[r["order_id"].isin(o["order_id"])]
    it = i.assign(price=pd.to_numeric(i["price"]), freight=pd.to_numeric(i["freight_value"]),
                  n=pd.to_numeric(i["order_item_id"]))
    lines = (it.groupby(["order_id", "product_id"], sort=False)
             .agg(units=("n", "size"), first_item=("n", "min"), price=("price", "sum"),
                  freight=("freight", "sum"), limit=("shipping_limit_date", "min"))
             .reset_index())
    return OlistTables(o, i, r, c, p, lines, int((~o["order_id"].isin(i["order_id"])).sum()))


def olist_account(src: Path, dest: Path, files=OLIST_FILES, since: str = "") -> dict[str, int]:
    """Write an Olist set as an Amazon.com.br seller's exports into ``dest`` (the account's
    ``BR`` folder is created). ``files`` picks which of :data:`OLIST_FILES` to write (a partial
    folder), ``since`` the first purchase day (see :func:`olist_tables`). Returns data rows
    written per file name."""
    t = olist_tables(src, since)
    o = t.orders.set_index("order_id")
    ln = t.lines.join(o, on="order_id")
    cust = t.customers.set_index("customer_id")
    cat = t.products.set_index("product_id")["product_category_name"]
    purchase = _local(ln["order_purchase_timestamp"])
    carrier = _local(ln["order_delivered_carrier_date"])
    approved = _local(ln["order_approved_at"])
    status = ln["order_status"].map(lambda s: OLIST_STATUS[s][0])
    item_status = ln["order_status"].map(lambda s: OLIST_STATUS[s][1])
    cancelled = status == "Cancelled"
    updated = carrier.where(carrier.notna(), approved).where(lambda x: x.notna(), purchase)
    order_item_id = ln["order_id"] + "-" + ln["first_item"].astype(str)
    name = ln["product_id"].map(cat).fillna("").replace("", "(sem categoria)")
    blank = pd.Series("", index=ln.index)
    br = dest / "BR"
    written: dict[str, int] = {}
    if "orders" in files:
        rows = pd.DataFrame({
            "amazon-order-id": ln["order_id"], "merchant-order-id": blank,
            "purchase-date": _iso(purchase, utc=True), "last-updated-date": _iso(updated, utc=True),
            "order-status": status, "fulfillment-channel": "Merchant",
            "sales-channel": "Amazon.com.br", "order-channel": blank,
            "ship-service-level": "Standard", "product-name": name, "sku": ln["product_id"],
            "asin": blank, "item-status": item_status,
            "quantity": np.where(cancelled, 0, ln["units"]).astype(str), "currency": "BRL",
            "item-price": _comma(ln["price"]).where(~cancelled, ""),
            "item-tax": blank, "shipping-price": _comma(ln["freight"]).where(~cancelled, ""),
            "shipping-tax": blank, "gift-wrap-price": blank, "gift-wrap-tax": blank,
            "item-promotion-discount": blank, "ship-promotion-discount": blank,
            "ship-city": ln["customer_id"].map(cust["customer_city"]),
            "ship-state": ln["customer_id"].map(cust["customer_state"]),
            "ship-postal-code": ln["customer_id"].map(cust["customer_zip_code_prefix"]),
            "ship-country": "BR", "promotion-ids": blank, "cpf": blank,
            "is-business-order": "false", "purchase-order-number": blank,
            "price-designation": blank, "signature-confirmation-recommended": "false",
            "order-item-id": order_item_id})
        month = ln["order_purchase_timestamp"].str[:7]
        for mo in sorted(month.unique()):
            name_ = f"All Orders {mo}.txt"
            written[name_] = write_tab(br / name_, ALL_ORDERS_HEADER, rows[month == mo])
    if "promises" in files:
        est = _local(ln["order_estimated_delivery_date"].str[:10] + " 23:59:59")
        rows = pd.DataFrame({
            "order-id": ln["order_id"], "order-item-id": order_item_id,
            "purchase-date": _iso(purchase), "payments-date": _iso(approved), "sku": ln["product_id"],
            "product-name": name, "quantity-purchased": ln["units"].astype(str), "currency": "BRL",
            "item-price": _comma(ln["price"]), "ship-service-level": "Standard",
            "sales-channel": "Amazon.com.br", "earliest-ship-date": _iso(purchase),
            "latest-ship-date": _iso(_local(ln["limit"])), "earliest-delivery-date": blank,
            "latest-delivery-date": _iso(est), "is-business-order": "false", "is-prime": "false",
            "is-buyer-requested-cancellation": "false"})
        month = ln["order_purchase_timestamp"].str[:7]
        for mo in sorted(month.unique()):
            name_ = f"Order Report {mo}.txt"
            written[name_] = write_tab(br / name_, ORDER_REPORT_HEADER, rows[month == mo])
    shipped = t.orders[t.orders["order_delivered_carrier_date"] != ""]
    shipped = shipped[shipped["order_id"].isin(t.items["order_id"])].sort_values(
        ["order_delivered_carrier_date", "order_id"]).reset_index(drop=True)
    tracking = pd.Series([s10_number(k + 1) for k in range(len(shipped))], index=shipped.index)
    if "confirmations" in files:
        rows = pd.DataFrame({
            "order-id": shipped["order_id"], "order-item-id": "", "quantity": "",
            "ship-date": _iso(_local(shipped["order_delivered_carrier_date"])),
            "carrier-code": "Correios", "carrier-name": "", "tracking-number": tracking,
            "ship-method": "PAC"})
        written["Shipment Confirmations.txt"] = write_tab(
            br / "Shipment Confirmations.txt", CONFIRM_HEADER, rows,
            preamble="TemplateType=OrderFulfillment\tVersion=2011.1102")
    if "events" in files:
        dl = shipped["order_delivered_customer_date"] != ""
        ev = pd.concat([
            pd.DataFrame({"tracking-number": tracking, "carrier": "Correios", "event": "picked_up",
                          "event-time": _iso(_local(shipped["order_delivered_carrier_date"]))}),
            pd.DataFrame({"tracking-number": tracking[dl], "carrier": "Correios",
                          "event": "delivered",
                          "event-time": _iso(_local(shipped.loc[dl,
                                                                "order_delivered_customer_date"]))}),
        ], ignore_index=True)
        br.mkdir(parents=True, exist_ok=True)
        ev.to_csv(br / "Delivery Events.csv", index=False, lineterminator="\n")
        written["Delivery Events.csv"] = len(ev)
    if "feedback" in files:
        r = t.reviews
        day = pd.to_datetime(r["review_creation_date"].str[:10], format="%Y-%m-%d")
        rows = pd.DataFrame({
            "Date": day.dt.strftime("%d/%m/%Y"), "Rating": r["review_score"],
            "Comments": _flat(r["review_comment_title"] + " " + r["review_comment_message"]),
            "Response": "", "Order ID": r["order_id"], "Rater Email": ""})
        written["Feedback.txt"] = write_tab(br / "Feedback.txt", FEEDBACK_HEADER, rows)
    return written


# ---------------------------------------------------------------------------------------------
# Amazon exports copied as they are
# ---------------------------------------------------------------------------------------------

def copy_files(src: Path, dest: Path, names=None) -> dict[str, int]:
    """Copy a real set's export files (``names``, default every .csv/.xlsx) unchanged into
    ``dest``; returns name -> data rows counted independently (pandas)."""
    dest.mkdir(parents=True, exist_ok=True)
    out = {}
    for p in sorted(src.iterdir()):
        if p.suffix not in (".csv", ".xlsx") or (names is not None and p.name not in names):
            continue
        shutil.copy(p, dest / p.name)
        out[p.name] = raw_rows(p)
    return out


def raw_rows(p: Path) -> int:
    """Data rows of a CSV or XLSX export, counted with pandas / openpyxl (not our readers):
    rows that are not entirely empty."""
    if p.suffix == ".xlsx":
        df = pd.read_excel(p, dtype=str)
    else:
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        df = df.replace("", np.nan)
    return int(df.notna().any(axis=1).sum())


#: ads sellers: folder in amazon-ads-exports -> (account name, marketplace, as-of = the day
#: after the newest ads day, per PROVENANCE.md)
ADS_SELLERS = {
    "in-2020-02_umairnsr87": ("ads-in-2020", "IN", "2020-03-01"),
    "uk-2023_progami": ("ads-uk-2023", "UK", "2023-07-13"),
    "us-2022_mannyvv": ("ads-us-2022", "US", "2022-08-16"),
    "us-2019-05_stevebanon": ("ads-us-2019", "US", "2019-06-01"),
}


@dataclass
class Account:
    """One account of the combined data folder: where its files came from, the as-of date
    its report runs on, and the data rows written per file."""

    name: str
    marketplace: str
    as_of: str
    source: Path
    rows: dict[str, int] = field(default_factory=dict)
    tables: set[str] = field(default_factory=set)  # canonical tables it has rows for


def build(realdata: Path, data: Path, accounts: dict[str, dict]) -> dict[str, Account]:
    """Write every account of ``accounts`` (name -> {"kind": "olist"|"in"|"ads", "source":
    folder name, "as_of": date, "files": ..., "since": first Olist purchase day}) into the
    data folder ``data``."""
    out = {}
    for name, spec in accounts.items():
        src = realdata / spec["source"]
        kind = spec["kind"]
        acct = data / name
        if kind == "olist":
            files = spec.get("files", OLIST_FILES)
            rows = olist_account(src, acct, files, spec.get("since", ""))
            tables = {"orders": "orders", "promises": "order_promises",
                      "confirmations": "shipment_confirmations",
                      "events": "delivery_events", "feedback": "feedback"}
            acc = Account(name, "BR", spec["as_of"], src, rows, {tables[f] for f in files})
        elif kind == "in":
            names = spec.get("files")
            rows = copy_files(src, acct / "IN", names)
            tables = {"Amazon Sale Report (first 5733 rows).csv": "orders",
                      "Sale Report.csv": "stock_levels", "May-2022.csv": "unit_costs"}
            acc = Account(name, "IN", spec["as_of"], src, rows, {tables[n] for n in rows})
        elif kind == "ads":
            mp = spec["marketplace"]
            rows = copy_files(src, acct / mp)
            acc = Account(name, mp, spec["as_of"], src, rows, {"ads"})
        else:
            raise ValueError(kind)
        out[name] = acc
    return out


# ---------------------------------------------------------------------------------------------
# Reading a report run
# ---------------------------------------------------------------------------------------------

def error_outputs(ipynb: Path) -> list[str]:
    """What an executed notebook shows that a seller must never read as a finished report:
    error outputs (a traceback) and stderr lines naming an exception or a warning."""
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    bad = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                bad.append(f"{o.get('ename')}: {o.get('evalue')}")
            elif o.get("output_type") == "stream" and o.get("name") == "stderr":
                text = "".join(o.get("text", ""))
                if re.search(r"Traceback|Error|Warning", text):
                    bad.append(text[:200])
    return bad


def index_statuses(out: Path) -> dict[tuple[str, str], str]:
    """(report folder relative to OUT, notebook) -> the status word the index's Reports
    section shows beside the report's link (``ok``, ``no_data``, ``failed``)."""
    html = (out / "index.html").read_text(encoding="utf-8")
    reports = html[html.index("<h2 id='reports'>"):]
    rows = re.findall(r"<a href='([^']+)'>(\d\d_\w+)</a></td>\s*<td[^>]*>([^<]+)</td>", reports)
    assert rows, "no report rows found in index.html"
    return {(str(Path(href).parent), name): st.strip().replace(" ", "_")
            for href, name, st in rows}
