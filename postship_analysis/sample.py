"""Deterministic synthetic sample data: one seller, two marketplaces, every supported export.

Run ``python -m postship_analysis.sample --out data/sample --truth data/sample_truth``
(default seed 20251101). The same seed always writes byte-identical files: one
``numpy.random.default_rng(seed)`` drives everything (a few parts draw from their own seeded
streams ``default_rng([seed, n])``, named where they are used), all tables are sorted, floats
are formatted with fixed decimals, gzip files carry ``mtime=0`` and nothing depends on the
current date.

What it writes (see ``data/sample/README.md``, written by :func:`write_readme`):
``<out>/sample-seller/US/...`` and ``<out>/sample-seller/DE/...`` with the Amazon report
layouts of ``../shared/domain.md`` §4 (no buyer PII: name/address-line/e-mail/phone columns
are present but empty where the real report has them), plus ``unit-costs.csv``; and, in
``<truth>``, the planted ground truth (demand before censoring, stockout episodes with lost
units and recovery parameters, SKU attributes, per-order defects, returns, seasonality).

Planted behaviour (all recorded in the truth folder):

* Demand: Syntetos-Boylan mix (smooth, erratic, intermittent, lumpy), weekly seasonality,
  a Q4 peak (November ramp, Black Friday / Cyber Monday, December), Prime Day (two days in
  mid July), a mild growth trend, a few SKUs launched during the period.
* FBA (AFN) stock: a reorder-point policy with per-SKU lead times; planted supplier delays
  make the stock run out (stockouts of 2-45 days); sales are censored at zero stock and after
  each stockout demand recovers linearly from an initial multiplier (0.5-0.7) to 1 over a
  planted number of days, 7-28 (rank loss).
* Fast movers (:func:`add_fast_movers`, own RNG streams): besides the 150-SKU catalogue
  (0.05-2 units a day, mostly lumpy) the seller has two hero products, ten FBA listings (six
  US, four DE) selling 4.5-7 units a day (DE x 0.7), whose supplier is late every 65-95 days:
  they run out about five times each and hold most of the sample's post-stockout signal
  (about 7,300 of its 8,000 counterfactual units in the 4 weeks after a restock, against 650
  from the catalogue), so the planted recovery is measurable on the sample itself
  (tests/test_recovery.py::test_sample_planted_recovery).
* Seller-fulfilled (MFN) orders: ship-by / deliver-by promises, late confirmations (with a
  deterioration in the last weeks in the US), seller and buyer cancellations, tracking-number
  problems (missing, bad check digit, valid number of another carrier, carrier "Other" with a
  free-text name, a number reused across orders, never scanned), late deliveries, A-to-z
  claims, negative feedback and chargebacks; the Seller Feedback report, A-to-z claims and
  chargebacks downloads carry them with records that do not count in the ODR (positive
  and removed feedback, denied and withdrawn-before-decision claims, fraud chargebacks),
  and a late buyer-message response raises the claim probability
  (:func:`build_defect_records`, own RNG stream).
* A few planted input defects (truth ``input_defects.csv``): buyer messages answered
  before they arrived, a unit-cost row without cogs, a duplicated All Orders line.
* Returns (FBA and seller-fulfilled) with wrong-item returns (SWITCHEROO) concentrated on
  confusable SKU pairs, buyer messages with a spread of response times, Sponsored Products
  campaigns with a spread of ACoS and conversion, Business Report traffic, unit costs.

Tracking numbers carry correct check digits per ``jkeen/tracking_number_data`` (UPS 1Z mod10,
USPS IMpb mod10 3-1, FedEx 12 (3,1,7 mod 11 mod 10), DHL Express mod7, DPD mod 37/36, UPU S10,
Amazon TBA); see :func:`check_digit`.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

GENERATOR_VERSION = "1.0.0"
DEFAULT_SEED = 20251101
SELLER_ID = "sample-seller"
START = pd.Timestamp("2025-05-01")
END = pd.Timestamp("2026-10-31")
AS_OF = pd.Timestamp("2026-11-01")
DAYS = pd.date_range(START, END, freq="D")
N_DAYS = len(DAYS)
PRIME_DAYS = ("2025-07-15", "2025-07-16", "2026-07-14", "2026-07-15")

MP = {
    "US": dict(tz="America/Los_Angeles", currency="USD", channel="Amazon.com", dec=".",
               mpid="ATVPDKIKX0DER", country="US", order_prefixes=("111", "112", "113", "114"),
               fcs=("ONT8", "LGB3", "PHX6", "SMF3", "IND9"),
               holidays=("2025-05-26", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25",
                         "2026-01-01", "2026-05-25", "2026-07-03", "2026-09-07")),
    "DE": dict(tz="Europe/Berlin", currency="EUR", channel="Amazon.de", dec=",",
               mpid="A1PA6795UKMFR9", country="DE", order_prefixes=("302", "303", "304", "028"),
               fcs=("LEJ1", "DTM2", "FRA7", "MUC3", "BER3"),
               holidays=("2025-05-29", "2025-06-09", "2025-10-03", "2025-12-25", "2025-12-26",
                         "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14",
                         "2026-05-25")),
}
MPS = ("US", "DE")

# -------------------------------------------------------------------------------------------
# Exact headers (../shared/domain.md §4)
# -------------------------------------------------------------------------------------------
ALL_ORDERS_GEN2 = (
    "amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
    "fulfillment-channel sales-channel order-channel url ship-service-level product-name sku asin "
    "item-status quantity currency item-price item-tax shipping-price shipping-tax gift-wrap-price "
    "gift-wrap-tax item-promotion-discount ship-promotion-discount ship-city ship-state "
    "ship-postal-code ship-country promotion-ids is-business-order purchase-order-number "
    "price-designation").split()
ALL_ORDERS_GEN3 = (
    "amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
    "fulfillment-channel sales-channel order-channel ship-service-level product-name sku asin "
    "item-status quantity currency item-price item-tax shipping-price shipping-tax gift-wrap-price "
    "gift-wrap-tax item-promotion-discount ship-promotion-discount ship-city ship-state "
    "ship-postal-code ship-country promotion-ids cpf is-business-order purchase-order-number "
    "price-designation signature-confirmation-recommended").split()
ORDER_REPORT = (
    "order-id order-item-id purchase-date payments-date sku product-name quantity-purchased "
    "currency item-price ship-service-level sales-channel earliest-ship-date latest-ship-date "
    "earliest-delivery-date latest-delivery-date is-business-order is-prime "
    "is-buyer-requested-cancellation").split()
CONFIRM = ("order-id order-item-id quantity ship-date carrier-code carrier-name tracking-number "
           "ship-method").split()
FBA_SHIPMENTS = (
    "amazon-order-id merchant-order-id shipment-id shipment-item-id amazon-order-item-id "
    "merchant-order-item-id purchase-date payments-date shipment-date reporting-date buyer-email "
    "buyer-name buyer-phone-number sku product-name quantity-shipped currency item-price item-tax "
    "shipping-price shipping-tax gift-wrap-price gift-wrap-tax ship-service-level recipient-name "
    "ship-address-1 ship-address-2 ship-address-3 ship-city ship-state ship-postal-code "
    "ship-country ship-phone-number bill-address-1 bill-address-2 bill-address-3 bill-city "
    "bill-state bill-postal-code bill-country item-promotion-discount ship-promotion-discount "
    "carrier tracking-number estimated-arrival-date fulfillment-center-id fulfillment-channel "
    "sales-channel").split()
MYI = (
    "sku fnsku asin product-name condition your-price mfn-listing-exists mfn-fulfillable-quantity "
    "afn-listing-exists afn-warehouse-quantity afn-fulfillable-quantity afn-unsellable-quantity "
    "afn-reserved-quantity afn-total-quantity per-unit-volume afn-inbound-working-quantity "
    "afn-inbound-shipped-quantity afn-inbound-receiving-quantity afn-researching-quantity "
    "afn-reserved-future-supply afn-future-supply-buyable").split()
PLANNING = [
    "snapshot-date", "sku", "fnsku", "asin", "product-name", "condition", "available",
    "pending-removal-quantity", "inv-age-0-to-90-days", "inv-age-91-to-180-days",
    "inv-age-181-to-270-days", "inv-age-271-to-365-days", "inv-age-366-to-455-days",
    "inv-age-456-plus-days", "currency", "units-shipped-t7", "units-shipped-t30",
    "units-shipped-t60", "units-shipped-t90", "alert", "your-price", "sell-through",
    "storage-type", "marketplace", "days-of-supply", "weeks-of-cover-t30", "weeks-of-cover-t90",
    "inbound-quantity", "inbound-working", "inbound-shipped", "inbound-received",
    "Total Reserved Quantity", "unfulfillable-quantity"]
LEDGER = ["Date", "FNSKU", "ASIN", "MSKU", "Title", "Event Type", "Reference ID", "Quantity",
          "Fulfillment Center", "Disposition", "Reason", "Country", "Reconciled Quantity",
          "Unreconciled Quantity", "Date and Time", "Store"]
RESTOCK = [
    "Country", "Product Name", "FNSKU", "Merchant SKU", "ASIN", "Condition", "Supplier",
    "Supplier part no.", "Currency code", "Price", "Sales last 30 days", "Units Sold Last 30 Days",
    "Total Units", "Inbound", "Available", "FC transfer", "FC Processing", "Customer Order",
    "Unfulfillable", "Working", "Shipped", "Receiving", "Fulfilled by",
    "Total Days of Supply (including units from open shipments)",
    "Days of Supply at Amazon Fulfillment Network", "Alert", "Recommended replenishment qty",
    "Recommended ship date", "Recommended action", "Unit storage size"]
FBA_RETURNS = ("return-date order-id sku asin fnsku product-name quantity fulfillment-center-id "
               "detailed-disposition reason status license-plate-number customer-comments").split()
RETURNS_REPORT = [
    "Order ID", "Order date", "Return request date", "Return request status", "Amazon RMA ID",
    "Seller RMA ID", "Label type", "Label cost", "Currency code", "Return carrier", "Tracking ID",
    "Label to be paid by", "A-to-z Claim", "Is prime", "ASIN", "Merchant SKU", "Item Name",
    "Return quantity", "Return Reason", "In policy", "Return type", "Resolution",
    "Invoice number", "Return delivery date", "Order Amount", "Order quantity",
    "SafeT action reason", "SafeT claim ID", "SafeT claim state", "SafeT claim creation time",
    "SafeT claim reimbursement amount", "Refunded Amount", "Category"]
SEARCH_TERM = [
    "Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Targeting",
    "Match Type", "Customer Search Term", "Impressions", "Clicks", "Click-Thru Rate (CTR)",
    "Cost Per Click (CPC)", "Spend", "7 Day Total Sales ", "Total Advertising Cost of Sales (ACOS) ",
    "Total Return on Advertising Spend (ROAS)", "7 Day Total Orders (#)", "7 Day Total Units (#)",
    "7 Day Conversion Rate", "7 Day Advertised SKU Units (#)", "7 Day Other SKU Units (#)",
    "7 Day Advertised SKU Sales ", "7 Day Other SKU Sales "]
BUSINESS_REPORT = [
    "(Parent) ASIN", "(Child) ASIN", "Title", "SKU", "Sessions - Total", "Sessions - Total - B2B",
    "Session Percentage - Total", "Session Percentage - Total - B2B", "Page Views - Total",
    "Page Views - Total - B2B", "Page Views Percentage - Total",
    "Page Views Percentage - Total - B2B", "Featured Offer (Buy Box) Percentage",
    "Featured Offer (Buy Box) Percentage - B2B", "Units Ordered", "Units Ordered - B2B",
    "Unit Session Percentage", "Unit Session Percentage - B2B", "Ordered Product Sales",
    "Ordered Product Sales - B2B", "Total Order Items", "Total Order Items - B2B"]

# -------------------------------------------------------------------------------------------
# Catalogue vocabulary (short names; German names for DE, with umlauts)
# -------------------------------------------------------------------------------------------
PRODUCTS = [
    ("Bamboo Cutting Board", "Bambus Schneidebrett", "Kitchen"),
    ("Digital Kitchen Scale", "Digitale Küchenwaage", "Kitchen"),
    ("Glass Spice Jars 6pc", "Gewürzgläser 6er Set", "Kitchen"),
    ("Silicone Baking Mat", "Silikon Backmatte", "Kitchen"),
    ("Steel Whisk", "Schneebesen Edelstahl", "Kitchen"),
    ("Garlic Press", "Knoblauchpresse", "Kitchen"),
    ("Measuring Cups Set", "Messbecher Set", "Kitchen"),
    ("Oil Sprayer Bottle", "Ölsprüher Flasche", "Kitchen"),
    ("Herb Scissors", "Kräuterschere", "Kitchen"),
    ("Pot Holders 2pc", "Topflappen 2er Set", "Kitchen"),
    ("Dish Drying Rack", "Geschirr Abtropfgestell", "Kitchen"),
    ("Tea Infuser", "Teesieb Edelstahl", "Kitchen"),
    ("Ice Cube Tray", "Eiswürfelform", "Kitchen"),
    ("Peeler Set 3pc", "Sparschäler 3er Set", "Kitchen"),
    ("Jar Opener", "Glasöffner", "Kitchen"),
    ("Shower Caddy", "Duschablage", "Bath"),
    ("Cotton Bath Mat", "Badematte Baumwolle", "Bath"),
    ("Toothbrush Holder", "Zahnbürstenhalter", "Bath"),
    ("Soap Dispenser", "Seifenspender", "Bath"),
    ("Towel Hooks 4pc", "Handtuchhaken 4er", "Bath"),
    ("Drawer Organizer", "Schubladen Organizer", "Storage"),
    ("Cable Clips 20pc", "Kabelclips 20 Stück", "Storage"),
    ("Fabric Storage Box", "Aufbewahrungsbox Stoff", "Storage"),
    ("Vacuum Storage Bags", "Vakuumbeutel Set", "Storage"),
    ("Wall Hooks 10pc", "Wandhaken 10er", "Storage"),
    ("LED Night Light", "LED Nachtlicht", "Home"),
    ("Door Stopper", "Türstopper", "Home"),
    ("Water Bottle 750ml", "Trinkflasche 750ml", "Home"),
    ("Bento Lunch Box", "Brotdose Bento", "Home"),
    ("Felt Pads 48pc", "Filzgleiter 48 Stück", "Home"),
]
VARIANTS = [("Black", "Schwarz", "BK"), ("White", "Weiß", "WH"), ("Grey", "Grau", "GY"),
            ("Blue", "Blau", "BL"), ("Green", "Grün", "GN")]
CATEGORY = {"US": {"Kitchen": "Kitchen", "Bath": "Home", "Storage": "Home", "Home": "Home"},
            "DE": {"Kitchen": "Küche", "Bath": "Bad", "Storage": "Haushalt", "Home": "Haushalt"}}
CITIES = {
    "US": [("SEATTLE", "WA", "98101"), ("PORTLAND", "OR", "97205"), ("AUSTIN", "TX", "78701"),
           ("DENVER", "CO", "80202"), ("CHICAGO", "IL", "60601"), ("BROOKLYN", "NY", "11201"),
           ("MIAMI", "FL", "33130"), ("ATLANTA", "GA", "30303"), ("PHOENIX", "AZ", "85004"),
           ("SAN DIEGO", "CA", "92101"), ("COLUMBUS", "OH", "43215"), ("BOSTON", "MA", "02108"),
           ("NASHVILLE", "TN", "37203"), ("RALEIGH", "NC", "27601"), ("MADISON", "WI", "53703")],
    "DE": [("Berlin", "Berlin", "10115"), ("Hamburg", "Hamburg", "20095"),
           ("München", "Bayern", "80331"), ("Köln", "Nordrhein-Westfalen", "50667"),
           ("Frankfurt am Main", "Hessen", "60311"), ("Stuttgart", "Baden-Württemberg", "70173"),
           ("Düsseldorf", "Nordrhein-Westfalen", "40213"), ("Leipzig", "Sachsen", "04109"),
           ("Nürnberg", "Bayern", "90402"), ("Dresden", "Sachsen", "01067"),
           ("Bremen", "Bremen", "28195"), ("Hannover", "Niedersachsen", "30159")],
}
US_TAX_RATE = {"WA": 0.101, "OR": 0.0, "TX": 0.0825, "CO": 0.0881, "IL": 0.1025, "NY": 0.08875,
               "FL": 0.07, "GA": 0.089, "AZ": 0.086, "CA": 0.0775, "OH": 0.0775, "MA": 0.0625,
               "TN": 0.0975, "NC": 0.0725, "WI": 0.055}
ALNUM = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


# -------------------------------------------------------------------------------------------
# Small helpers
# -------------------------------------------------------------------------------------------
def _codes(rng, n, length, alphabet=ALNUM, prefix=""):
    """n random codes of ``length`` characters from ``alphabet`` (not guaranteed unique)."""
    idx = rng.integers(0, len(alphabet), size=(n, length))
    chars = alphabet[idx]
    return [prefix + "".join(r) for r in chars]


def _unique_numbers(rng, n, digits):
    """n distinct pseudo-random ``digits``-digit numbers (as zero-padded strings)."""
    mod = 10 ** digits
    a = int(rng.integers(mod // 7, mod // 3)) | 1
    while a % 5 == 0:
        a += 2
    b = int(rng.integers(0, mod))
    vals = [(a * i + b) % mod for i in range(1, n + 1)]
    return [str(v).zfill(digits) for v in vals]


def fmt_money(cents, dec=".", thousands=False):
    """Integer cents -> '12.99' / '12,99' (optionally with thousands separators)."""
    c = np.asarray(cents, dtype=np.int64)
    neg = c < 0
    a = np.abs(c)
    whole = a // 100
    frac = a % 100
    if thousands:
        sep = "," if dec == "." else "."
        w = [f"{v:,}".replace(",", sep) for v in whole.tolist()]
    else:
        w = [str(v) for v in whole.tolist()]
    return [("-" if n else "") + x + dec + f"{f:02d}" for n, x, f in zip(neg.tolist(), w,
                                                                         frac.tolist(),
                                                                         strict=True)]


def fmt_num(values, decimals, dec="."):
    """Floats with fixed decimals and the marketplace decimal separator; NaN -> ''."""
    out = []
    for v in np.asarray(values, dtype=float).tolist():
        if math.isnan(v):
            out.append("")
        else:
            s = f"{v:.{decimals}f}"
            out.append(s.replace(".", dec) if dec != "." else s)
    return out


def to_utc_seconds(local_naive_s, tz):
    """Marketplace-local wall-clock seconds (numpy datetime64[s]) -> UTC epoch seconds."""
    idx = pd.DatetimeIndex(np.asarray(local_naive_s, dtype="datetime64[s]"))
    loc = idx.tz_localize(tz, ambiguous=np.zeros(len(idx), dtype=bool),
                          nonexistent="shift_forward")
    return loc.as_unit("s").asi8


def iso_utc(sec):
    """UTC epoch seconds -> '2026-01-15T08:12:33+00:00'."""
    idx = pd.DatetimeIndex(np.asarray(sec, dtype="datetime64[s]"))
    return list(idx.strftime("%Y-%m-%dT%H:%M:%S+00:00"))


def iso_local(sec, tz):
    """UTC epoch seconds -> local ISO 8601 with offset, '2026-01-15T00:12:33-08:00'."""
    idx = pd.DatetimeIndex(np.asarray(sec, dtype="datetime64[s]")).tz_localize("UTC")
    s = pd.Series(idx.tz_convert(tz).strftime("%Y-%m-%dT%H:%M:%S%z"))
    return list(s.str[:-2] + ":" + s.str[-2:])


def local_day(sec, tz):
    """UTC epoch seconds -> local calendar date (datetime64[D])."""
    idx = pd.DatetimeIndex(np.asarray(sec, dtype="datetime64[s]")).tz_localize("UTC")
    return idx.tz_convert(tz).tz_localize(None).normalize().to_numpy().astype("datetime64[D]")


def day_end_utc(days_d, tz, hh=23, mm=59, ss=59):
    """Local dates (datetime64[D]) at hh:mm:ss local -> UTC epoch seconds."""
    s = np.asarray(days_d, dtype="datetime64[D]").astype("datetime64[s]")
    return to_utc_seconds(s + np.timedelta64(hh * 3600 + mm * 60 + ss, "s"), tz)


def fmt_date(days_d, style):
    """datetime64[D] -> 'MM/DD/YYYY' (us), 'DD.MM.YYYY' (de_dot), 'DD/MM/YYYY' (de_slash), iso."""
    idx = pd.DatetimeIndex(np.asarray(days_d, dtype="datetime64[D]").astype("datetime64[s]"))
    f = {"us": "%m/%d/%Y", "de_dot": "%d.%m.%Y", "de_slash": "%d/%m/%Y", "iso": "%Y-%m-%d",
         "us_text": "%b %d, %Y"}[style]
    return list(idx.strftime(f))


def write_table(path: Path, header, rows: pd.DataFrame | None, *, sep="\t", encoding="utf-8",
                bom=False, newline="\n", preamble=None):
    """Write a delimited text file from string columns (no quoting for tab files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if sep == ",":
        buf = io.StringIO()
        df = rows if rows is not None else pd.DataFrame(columns=header)
        df = df.copy()
        df.columns = header
        df.to_csv(buf, index=False, lineterminator=newline)
        text = buf.getvalue()
    else:
        lines = [sep.join(header)]
        if rows is not None and len(rows):
            cols = [rows[c].astype(str) for c in rows.columns]
            joined = cols[0].str.cat(cols[1:], sep=sep)
            lines.extend(joined.tolist())
        text = newline.join(lines) + newline
    if preamble:
        text = preamble + newline + text
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def write_gz(path: Path, payload: bytes):
    """gzip with mtime=0 and no file name, so the bytes are deterministic."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as g:
        g.write(payload)
    path.write_bytes(buf.getvalue())


def write_json(path: Path, obj, indent=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, indent=indent, ensure_ascii=False,
                      separators=(",", ":") if indent is None else (",", ": "))
    path.write_bytes((text + "\n").encode("utf-8"))


# -------------------------------------------------------------------------------------------
# Tracking numbers (check digits per jkeen/tracking_number_data, CHECKSUM_ALGORITHMS.md)
# -------------------------------------------------------------------------------------------
def _mod10(seq, evens, odds, reverse=False):
    chars = list(reversed(seq)) if reverse else list(seq)
    total = 0
    for i, c in enumerate(chars):
        x = int(c) if c.isdigit() else (ord(c) - 3) % 10
        total += x * (odds if i % 2 else evens)
    r = total % 10
    return str(0 if r == 0 else 10 - r)


def _weighted(seq, weights, m1, m2):
    return str(sum(int(c) * w for c, w in zip(seq, weights, strict=False)) % m1 % m2)


def _s10(seq):
    r = sum(int(c) * w for c, w in zip(seq, [8, 6, 4, 2, 3, 5, 9, 7], strict=True)) % 11
    return str({1: 0, 0: 5}.get(r, 11 - r))


def _mod37_36(seq):
    mod = 36
    cd = mod
    for ch in seq:
        val = int(ch) if ch.isdigit() else ord(ch) - 55
        cd = val + cd
        if cd > mod:
            cd -= mod
        cd *= 2
        if cd > mod:
            cd -= mod + 1
    cd = (mod + 1) - cd
    if cd == mod:
        cd = 0
    return str(cd) if cd < 10 else chr(55 + cd)


def check_digit(fmt: str, serial: str) -> str:
    """Check character of ``serial`` for a tracking format.

    Formats: ``ups`` (15 chars after ``1Z``; mod10, weights 1,2), ``usps_impb`` (21 digits
    from ``94``; mod10 weights 3,1 counted from the right), ``usps_20`` (19 digits; mod10 3,1
    from the left), ``fedex_12`` (11 digits; weights 3,1,7, sum mod 11 mod 10),
    ``dhl_express`` (9 digits; serial mod 7), ``dpd_14`` (14 digits; ISO 7064 mod 37,36),
    ``s10`` (8 digits; UPU S10 weights 8,6,4,2,3,5,9,7).

    >>> check_digit("ups", "5R8939035756712")
    '7'
    >>> check_digit("fedex_12", "98657878885")
    '5'
    """
    if fmt == "ups":
        return _mod10(serial, 1, 2)
    if fmt == "usps_impb":
        return _mod10(serial, 3, 1, reverse=True)
    if fmt == "usps_20":
        return _mod10(serial, 3, 1)
    if fmt == "fedex_12":
        return _weighted(serial, [3, 1, 7] * 4, 11, 10)
    if fmt == "dhl_express":
        return str(int(serial) % 7)
    if fmt == "dpd_14":
        return _mod37_36(serial)
    if fmt == "s10":
        return _s10(serial)
    raise ValueError(fmt)


def make_tracking(rng, fmt: str, n: int, valid=True) -> list[str]:
    """n distinct well-formed tracking numbers of ``fmt``; ``valid=False`` breaks the check digit.

    Formats: ups, usps_impb, fedex_12, dhl_express, dpd_14, s10_de, tba (Amazon Logistics,
    no check digit), hermes (free text, no published format).
    """
    out = []
    if fmt == "ups":
        shipper = _codes(rng, 1, 6)[0]
        for num, svc in zip(_unique_numbers(rng, n, 7), rng.choice(["03", "02", "01"], n,
                                                                    p=[.85, .1, .05]),
                            strict=True):
            serial = shipper + svc + num
            out.append(("1Z", serial, "ups"))
    elif fmt == "usps_impb":
        mid = "9" + str(int(rng.integers(10 ** 7, 10 ** 8)))
        for num in _unique_numbers(rng, n, 7):
            out.append(("", "94001" + mid + num, "usps_impb"))
    elif fmt == "fedex_12":
        for num in _unique_numbers(rng, n, 10):
            out.append(("", "7" + num, "fedex_12"))
    elif fmt == "dhl_express":
        for num in _unique_numbers(rng, n, 8):
            out.append(("", "1" + num, "dhl_express"))
    elif fmt == "dpd_14":
        for num in _unique_numbers(rng, n, 10):
            out.append(("", "0998" + num, "dpd_14"))
    elif fmt == "s10_de":
        for num in _unique_numbers(rng, n, 8):
            out.append(("RR", num, "s10"))
    elif fmt == "tba":
        return ["TBA" + s for s in _unique_numbers(rng, n, 12)]
    elif fmt == "hermes":
        return ["H10" + s for s in _unique_numbers(rng, n, 17)]
    else:
        raise ValueError(fmt)
    res = []
    for prefix, serial, algo in out:
        cd = check_digit(algo, serial)
        if not valid:
            choices = [c for c in "0123456789" if c != cd]
            cd = choices[int(rng.integers(0, len(choices)))]
        tail = "DE" if algo == "s10" else ""
        res.append(prefix + serial + cd + tail)
    return res


# -------------------------------------------------------------------------------------------
# The simulated world
# -------------------------------------------------------------------------------------------
@dataclass
class World:
    """Everything the writers need; built by :func:`build_world`."""

    seed: int
    pairs: pd.DataFrame = None          # one row per (sku, marketplace)
    mult: dict = None                   # marketplace -> daily demand multiplier (N_DAYS,)
    season: dict = None                 # parts of the multiplier, for the truth
    demand: np.ndarray = None           # (P, N_DAYS) true demand before censoring
    realised: np.ndarray = None         # demand after the post-stockout rank loss
    sales: np.ndarray = None            # units sold (censored at zero stock)
    stock: np.ndarray = None            # end-of-day fulfillable units (AFN), -1 before launch
    recovery: np.ndarray = None         # rank-loss multiplier
    episodes: list = field(default_factory=list)
    ledger: pd.DataFrame = None
    inbound: list = field(default_factory=list)
    fba_returns_units: list = field(default_factory=list)
    lines: pd.DataFrame = None          # order lines
    mfn: pd.DataFrame = None            # MFN order-level truth
    returns: pd.DataFrame = None
    messages: pd.DataFrame = None
    sessions: np.ndarray = None
    buybox: np.ndarray = None
    input_defects: list = field(default_factory=list)  # planted bad input rows (truth)
    ads_budgets: dict = field(default_factory=dict)     # marketplace -> campaign -> budget
    bulk: dict = field(default_factory=dict)            # marketplace -> bulk download rows


def _multipliers():
    """Daily demand multipliers per marketplace: weekday x season x Prime Day x trend."""
    dow = DAYS.day_of_week.to_numpy()
    weekday = {"US": np.array([1.04, 0.99, 0.97, 0.95, 0.91, 0.94, 1.20]),
               "DE": np.array([1.10, 1.00, 0.97, 0.95, 0.88, 0.85, 1.25])}
    season = np.ones(N_DAYS)
    d = DAYS
    spans = [("2025-11-01", "2025-11-20", 1.30), ("2025-11-21", "2025-11-26", 1.50),
             ("2025-11-27", "2025-12-01", 2.20), ("2025-12-02", "2025-12-20", 1.60),
             ("2025-12-21", "2025-12-24", 1.20), ("2025-12-25", "2025-12-31", 0.90),
             ("2026-01-01", "2026-01-31", 0.85)]
    for a, b, f in spans:
        season[(d >= a) & (d <= b)] = f
    prime = np.ones(N_DAYS)
    prime[d.isin(pd.to_datetime(list(PRIME_DAYS)))] = 2.5
    trend = 1.0 + 0.12 * np.arange(N_DAYS) / 365.0
    mult, parts = {}, {}
    for mp in MPS:
        w = weekday[mp] / weekday[mp].mean()
        mult[mp] = w[dow] * season * prime * trend
        parts[mp] = dict(weekday=w, season=season, prime=prime, trend=trend)
    return mult, parts


def build_catalog(rng) -> pd.DataFrame:
    """150 SKUs: 110 sold in the US, 60 in DE, 20 of them in both. One row per (sku, mp).

    Planted: channel (AFN ~70 %), Syntetos-Boylan class and its parameters, price, launch
    day, lead time, handling days, return rate, session conversion, confusable pairs (two in
    the US, one in DE: neighbouring colour variants of one product whose orders get
    SWITCHEROO returns with the other SKU).
    """
    skus = []
    for i, (en, de, cat) in enumerate(PRODUCTS):
        for j, (ven, vde, vc) in enumerate(VARIANTS):
            skus.append(dict(sku=f"PS-{100 + i}-{vc}", name_US=f"{en} {ven}",
                             name_DE=f"{de} {vde}", cat=cat, base=i, variant=j))
    cat = pd.DataFrame(skus)
    order = rng.permutation(len(cat))
    cat = cat.iloc[order].reset_index(drop=True)
    cat["asin"] = _codes(rng, len(cat), 8, prefix="B0")
    us_idx = np.arange(110)
    de_idx = np.concatenate([np.arange(90, 110), np.arange(110, 150)])  # 20 shared
    rows = []
    for mp, idx in (("US", us_idx), ("DE", de_idx)):
        sub = cat.iloc[idx].copy()
        sub["mp"] = mp
        sub["name"] = sub[f"name_{mp}"]
        rows.append(sub)
    pairs = pd.concat(rows, ignore_index=True)
    pairs = pairs.sort_values(["mp", "sku"], ascending=[False, True]).reset_index(drop=True)
    P = len(pairs)
    pairs["fnsku"] = _codes(rng, P, 7, prefix="X00")
    pairs["channel"] = np.where(rng.random(P) < 0.75, "AFN", "MFN")
    # Syntetos-Boylan classes
    cls = np.array(["intermittent"] * P, dtype=object)
    perm = rng.permutation(P)
    cls[perm[:10]] = "smooth"
    cls[perm[10:15]] = "erratic"
    cls[perm[15:55]] = "lumpy"
    pairs["cls"] = cls
    adi = np.ones(P)
    size_mean = np.ones(P)
    size_shape = np.full(P, np.inf)
    mu = np.zeros(P)
    scale = np.where(pairs["mp"].to_numpy() == "US", 1.0, 0.7)
    for p in range(P):
        c = cls[p]
        if c == "smooth":
            m = rng.uniform(1.4, 2.3)
            adi[p], size_mean[p], mu[p] = 1.0, m, m
        elif c == "erratic":
            a = 1.0 / rng.uniform(0.8, 0.9)
            s = rng.uniform(1.6, 2.6)
            adi[p], size_mean[p], size_shape[p], mu[p] = a, s, 0.7, s / a
        elif c == "intermittent":
            a = rng.uniform(6.0, 32.0) / scale[p]
            s = 1.0 + rng.uniform(0.1, 0.5)
            adi[p], size_mean[p], mu[p] = a, s, s / a
        else:
            a = rng.uniform(10.0, 40.0) / scale[p]
            s = rng.uniform(2.5, 5.0)
            adi[p], size_mean[p], size_shape[p], mu[p] = a, s, 0.6, s / a
    # high-volume SKUs are on FBA, except one smooth US seller-fulfilled SKU
    chan = pairs["channel"].to_numpy().copy()
    fast = np.isin(cls, ["smooth", "erratic"])
    chan[fast] = "AFN"
    first_us = np.nonzero((cls == "smooth") & (pairs["mp"].to_numpy() == "US"))[0][0]
    chan[first_us] = "MFN"
    pairs["channel"] = chan
    pairs["adi"] = adi
    pairs["size_mean"] = size_mean
    pairs["size_shape"] = size_shape
    pairs["mu"] = mu
    # prices: US $ .99 endings, DE EUR ,99 / ,95
    base = np.exp(rng.normal(np.log(22), 0.5, P)).clip(7, 85)
    ends = np.where(pairs["mp"] == "US", 99, np.where(rng.random(P) < 0.5, 99, 95))
    pairs["price_cents"] = (np.floor(base).astype(int) * 100 + ends).astype(np.int64)
    launch = np.zeros(P, dtype=int)
    late = rng.random(P) < 0.08
    launch[late] = rng.integers(60, 400, late.sum())
    pairs["launch"] = launch
    pairs["lead_time"] = rng.integers(14, 36, P)
    pairs["handling"] = rng.choice([1, 2], P, p=[0.7, 0.3])
    pairs["return_rate"] = rng.uniform(0.02, 0.08, P)
    pairs["cvr"] = rng.uniform(0.06, 0.2, P)
    pairs["buybox"] = np.where(pairs["channel"] == "AFN", rng.uniform(0.95, 1.0, P),
                               rng.uniform(0.85, 0.99, P))
    pairs["fc"] = [MP[m]["fcs"][int(rng.integers(0, 5))] for m in pairs["mp"]]
    pairs["volume_ft3"] = rng.uniform(0.05, 0.6, P).round(4)
    # confusable pairs: same product, neighbouring variant, same channel AFN, both present
    pairs["confusable_with"] = ""
    planted = 0
    for mp, want in (("US", 2), ("DE", 1)):
        sub = pairs[(pairs["mp"] == mp) & (pairs["launch"] == 0)]
        got = 0
        # the best-selling products with at least two colour variants
        top2 = sub.groupby("base")["mu"].apply(lambda x: np.sort(x.to_numpy())[-2:].sum()
                                              if len(x) >= 2 else 0.0)
        bases = top2.sort_values(ascending=False, kind="stable").index[:want]
        for _b, g in sub[sub["base"].isin(bases)].groupby("base", sort=True):
            if len(g) >= 2 and got < want:
                g = g.sort_values(["mu", "variant"], ascending=[False, True])
                a, b = g.index[0], g.index[1]
                pairs.loc[[a, b], "channel"] = "AFN"
                pairs.loc[a, "confusable_with"] = pairs.loc[b, "sku"]
                pairs.loc[b, "confusable_with"] = pairs.loc[a, "sku"]
                pairs.loc[[a, b], "return_rate"] = 0.09
                got += 1
        planted += got
    return pairs


# -------------------------------------------------------------------------------------------
# Fast movers: the seller's hero products, with an unreliable supplier
# -------------------------------------------------------------------------------------------
#: hero products (short names end with the colour, as in :data:`PRODUCTS`); consumables that
#: sell several a day, unlike the catalogue's slow, lumpy long tail
FAST_PRODUCTS = [
    ("Silicone Stretch Lids 6pc", "Silikon Stretchdeckel 6er Set", "Kitchen"),
    ("Microfiber Cloths 12pc", "Mikrofasertücher 12er Set", "Home"),
]
#: (index in FAST_PRODUCTS, index in VARIANTS, marketplace): six US and four DE listings
FAST_PAIRS = [(0, 0, "US"), (0, 1, "US"), (0, 2, "US"), (0, 4, "US"), (1, 2, "US"),
              (1, 3, "US"), (0, 0, "DE"), (0, 1, "DE"), (1, 2, "DE"), (1, 4, "DE")]
#: mean daily demand of a fast mover (units, before seasonality), US; DE x 0.7 as in the
#: catalogue
FAST_DAILY_UNITS = (4.5, 7.0)
#: days between two planted supplier delays of a fast mover (the first in days 40-70)
FAST_DELAY_EVERY = (65, 96)


def add_fast_movers(w: World) -> None:
    """Append the fast movers (:data:`FAST_PAIRS`) to ``w.pairs`` and their demand to
    ``w.demand``: smooth FBA listings (Poisson-gamma daily demand, as the catalogue's smooth
    class) selling :data:`FAST_DAILY_UNITS` a day (DE x 0.7), launched before the period.

    Why: the catalogue's stockouts hit slow, lumpy SKUs; their recovery windows hold about
    650 counterfactual units, an information bound of about 8.5 points on the average
    deficit, so the planted rank loss (about 12 %) could not be measured on the sample. A
    seller's few best sellers carry most of the units and, with an unreliable supplier, run
    out again and again; ten of them at 4.5-7 a day, late every 65-95 days
    (:data:`FAST_DELAY_EVERY`), add about 7,300 units in the four weeks after their restocks
    (pooled standard error about 2.6 points) for about 25,000 more units sold (the sample
    grows from 13 to 21 MB; fewer or slower fast movers were tried and measured worse: at
    3.2-5.6 a day one or two of 12 seeds missed the 5 points). Measured on generator seeds
    1-12 besides the sample's (+2.9): the pooled estimate -1.5 to +2.8 points from the
    planted deficit. The recovery ramp (m0 ~ U(0.5, 0.7), R ~ 7..28 days) is the
    catalogue's: no reason to plant a different rank loss for best sellers.

    Own RNG stream (``default_rng([seed, 15])``) and rows after the catalogue's, so the
    catalogue, its demand and its stock (main stream) are unchanged by them. The planted
    stockouts and recoveries of a fast mover (:func:`simulate_inventory`) come from a further
    stream (``[seed, 16]``). Order lines, returns, ads and traffic are drawn for every SKU
    from the main stream, so those files change throughout.
    """
    rng = np.random.default_rng([w.seed, 15])
    pairs = w.pairs
    nv = len(VARIANTS)
    asins = _codes(rng, len(FAST_PRODUCTS) * nv, 8, prefix="B0")
    rows = []
    for i, j, mp in FAST_PAIRS:
        en, de, cat = FAST_PRODUCTS[i]
        ven, vde, vc = VARIANTS[j]
        b = len(PRODUCTS) + i
        rows.append(dict(sku=f"PS-{100 + b}-{vc}", name_US=f"{en} {ven}", name_DE=f"{de} {vde}",
                         cat=cat, base=b, variant=j, asin=asins[i * nv + j], mp=mp,
                         name=f"{en} {ven}" if mp == "US" else f"{de} {vde}"))
    new = pd.DataFrame(rows)
    k = len(new)
    new["fnsku"] = _codes(rng, k, 7, prefix="X00")
    new["channel"] = "AFN"
    new["cls"] = "smooth"
    mu = rng.uniform(*FAST_DAILY_UNITS, k) * np.where(new["mp"] == "US", 1.0, 0.7)
    new["adi"], new["size_mean"], new["size_shape"], new["mu"] = 1.0, mu, np.inf, mu
    base = np.exp(rng.normal(np.log(16), 0.3, k)).clip(7, 40)
    ends = np.where(new["mp"] == "US", 99, np.where(rng.random(k) < 0.5, 99, 95))
    new["price_cents"] = (np.floor(base).astype(int) * 100 + ends).astype(np.int64)
    new["launch"] = 0
    new["lead_time"] = rng.integers(14, 36, k)
    new["handling"] = rng.choice([1, 2], k, p=[0.7, 0.3])
    new["return_rate"] = rng.uniform(0.02, 0.08, k)
    new["cvr"] = rng.uniform(0.06, 0.2, k)
    new["buybox"] = rng.uniform(0.95, 1.0, k)
    new["fc"] = [MP[m]["fcs"][int(rng.integers(0, 5))] for m in new["mp"]]
    new["volume_ft3"] = rng.uniform(0.05, 0.6, k).round(4)
    new["confusable_with"] = ""
    new["fast"] = True
    out = pd.concat([pairs.assign(fast=False), new[pairs.columns.tolist() + ["fast"]]],
                    ignore_index=True)
    one = out.drop_duplicates(["sku", "asin"])  # one ASIN per SKU, one SKU per ASIN
    if (out["fnsku"].duplicated().any() or one["asin"].duplicated().any()
            or one["sku"].duplicated().any() or out.duplicated(["sku", "mp"]).any()):
        raise AssertionError("fast movers: a SKU, ASIN or FNSKU collides with the catalogue's")
    w.pairs = out
    w.demand = np.vstack([w.demand, simulate_demand(rng, new, w.mult)])


def simulate_demand(rng, pairs, mult):
    """True daily demand (units) per pair before censoring: class process x multipliers."""
    P = len(pairs)
    D = np.zeros((P, N_DAYS), dtype=np.int64)
    for p in range(P):
        r = pairs.iloc[p]
        m = mult[r["mp"]]
        c = r["cls"]
        if c == "smooth":
            lam = r["mu"] * m * rng.gamma(15.0, 1 / 15.0, N_DAYS)
            d = rng.poisson(lam)
        else:
            occ = rng.random(N_DAYS) < np.clip(m / r["adi"], 0, 1)
            if np.isinf(r["size_shape"]):
                size = 1 + rng.poisson(r["size_mean"] - 1.0, N_DAYS)
            else:
                k = r["size_shape"]
                mean_extra = r["size_mean"] - 1.0
                size = 1 + rng.negative_binomial(k, k / (k + mean_extra), N_DAYS)
            d = occ * size
        d[: r["launch"]] = 0
        D[p] = d
    return D


def simulate_inventory(rng, w: World):
    """Reorder-point FBA stock per AFN pair; planted supplier delays cause stockouts.

    A planted delay suppresses the next replenishment order, so stock runs out naturally; the
    delayed shipment then arrives a planted number of days (2-45) after the stock hit zero.
    Every run of days whose end-of-day fulfillable stock is 0 is a stockout episode (planted
    or not); from the first day back in stock demand is thinned by a multiplier that starts
    at m0 (0.5-0.7) and rises linearly to 1 over R days. Sellable customer returns add to
    stock (held back while out of stock and released with the replenishment).
    """
    pairs = w.pairs
    P = len(pairs)
    sales = np.zeros((P, N_DAYS), dtype=np.int64)
    realised = w.demand.copy()
    stock = np.full((P, N_DAYS), -1, dtype=np.int64)
    recov = np.ones((P, N_DAYS))
    ledger = []     # (pair, day, event, qty, disposition, ref)
    inbound = []    # (pair, placed, arrival, qty, ref)
    returns_u = []  # (pair, sale_day, return_day, disposition, kind)
    episodes = []
    cum = {mp: np.concatenate([[0.0], np.cumsum(w.mult[mp])]) for mp in MPS}
    fast = pairs["fast"].to_numpy() if "fast" in pairs else np.zeros(P, dtype=bool)
    fast_rng = np.random.default_rng([w.seed, 16])
    for p in range(P):
        rp = fast_rng if fast[p] else rng  # fast movers: own stream, the catalogue's unchanged
        r = pairs.iloc[p]
        mp = r["mp"]
        d = w.demand[p]
        if r["channel"] != "AFN":
            sales[p] = d
            continue
        mu, L = float(r["mu"]), int(r["lead_time"])
        disp = {"smooth": 1.2, "erratic": 3.0, "intermittent": 1.5, "lumpy": 5.0}[r["cls"]]

        def expected(t0, h, mu=mu, mp=mp):
            a, b = min(t0, N_DAYS), min(t0 + h, N_DAYS)
            tail = max(0, t0 + h - N_DAYS) * w.mult[mp][-30:].mean()
            return mu * (cum[mp][b] - cum[mp][a] + tail)

        # planted delays
        if fast[p]:
            # a hero product's supplier is late every FAST_DELAY_EVERY days
            t, kept = int(rp.integers(40, 71)), []
            while t < N_DAYS - 60:
                kept.append(t)
                t += int(rp.integers(*FAST_DELAY_EVERY))
        else:
            n_ep = rp.choice([0, 1, 2, 3], p=[0.35, 0.35, 0.22, 0.08])
            triggers = sorted(rp.integers(max(40, r["launch"] + 40), N_DAYS - 15,
                                          n_ep).tolist())
            kept = []
            for t in triggers:
                if not kept or t - kept[-1] > 100:
                    kept.append(t)
        lengths = []
        for _ in kept:
            u = rp.random()
            lengths.append(int(rp.integers(2, 11) if u < 0.55 else rp.integers(11, 26)
                               if u < 0.85 else rp.integers(26, 46)))
        delay_queue = list(zip(kept, lengths, strict=True))
        launch = int(r["launch"])
        opening = int(math.ceil(expected(launch, L + 60) + 3 * math.sqrt(disp * expected(
            launch, L + 30)))) + 2
        st = 0
        pending = []     # [arrival, qty, ref, placed]
        held = 0         # sellable returns held while out of stock
        ret_sched = {}   # day -> list of (disposition, sale_day, kind)
        delayed = None   # planted length while waiting for the stock to run out
        in_so = False
        so_start = 0
        so_lost = 0
        so_planted = False
        so_len_plan = 0
        rec_until, rec_m0, rec_R, rec_start = -1, 1.0, 0, 0
        conf = r["confusable_with"] != ""
        for t in range(launch, N_DAYS):
            if t == launch:
                st += opening
                ledger.append((p, t, "Receipts", opening, "SELLABLE", "opening"))
            # arrivals
            arrived = False
            for item in [x for x in pending if x[0] == t]:
                st += item[1]
                ledger.append((p, t, "Receipts", item[1], "SELLABLE", item[2]))
                pending.remove(item)
                arrived = True
            # returns processed today
            for disp_r, sday, kind in ret_sched.pop(t, []):
                if disp_r == "SELLABLE":
                    if st > 0 or arrived:
                        st += 1
                        ledger.append((p, t, "CustomerReturns", 1, "SELLABLE", "ret"))
                        returns_u.append((p, sday, t, "SELLABLE", kind))
                    else:
                        held += 1
                        returns_u.append((p, sday, -1, "SELLABLE", kind))  # date set at release
                else:
                    returns_u.append((p, sday, t, disp_r, kind))
            if held and st > 0:
                ledger.append((p, t, "CustomerReturns", held, "SELLABLE", "held"))
                for i in range(len(returns_u) - 1, -1, -1):
                    q = returns_u[i]
                    if q[0] == p and q[2] == -1:
                        returns_u[i] = (q[0], q[1], t, q[3], q[4])
                st += held
                held = 0
            # end of a stockout: first day back in stock
            if in_so and st > 0:
                m0 = float(rp.uniform(0.5, 0.7))
                R = int(rp.integers(7, 29))
                episodes.append(dict(pair=p, start=so_start, end=t - 1, lost=so_lost,
                                     planted=so_planted, planned_length=so_len_plan,
                                     m0=round(m0, 3), recovery_days=R, ongoing=False,
                                     recovery_lost=0))
                rec_start, rec_until, rec_m0, rec_R = t, t + R, m0, R
                in_so = False
            # demand after rank loss
            dem = int(d[t])
            if t < rec_until:
                m = rec_m0 + (1 - rec_m0) * (t - rec_start) / rec_R
                recov[p, t] = m
                if dem > 0:
                    kept_units = int(rp.binomial(dem, m))
                    episodes[-1]["recovery_lost"] += dem - kept_units
                    dem = kept_units
            realised[p, t] = dem
            s = min(dem, st)
            st -= s
            sales[p, t] = s
            if s:
                ledger.append((p, t, "Shipments", -s, "SELLABLE", ""))
                nret = int(rp.binomial(s, r["return_rate"]))
                for _ in range(nret):
                    lag = int(rp.integers(4, 35))
                    u = rp.random()
                    kind = "normal"
                    if conf and u < 0.45:
                        disp_r, kind = "CUSTOMER_DAMAGED", "switcheroo"
                    elif u < 0.62:
                        disp_r = "SELLABLE"
                    elif u < 0.82:
                        disp_r = "CUSTOMER_DAMAGED"
                    elif u < 0.94:
                        disp_r = "DEFECTIVE"
                    else:
                        disp_r = "CARRIER_DAMAGED"
                    if t + lag < N_DAYS:
                        ret_sched.setdefault(t + lag, []).append((disp_r, t, kind))
            if st == 0:
                if not in_so:
                    in_so, so_start, so_lost = True, t, 0
                    so_planted = delayed is not None
                    so_len_plan = delayed or 0
                    if delayed is not None:
                        ref = f"delayed-{t}"
                        q = int(math.ceil(expected(t + delayed, 75)))
                        q = max(q, 5)
                        pending.append([t + delayed, q, ref, t - L])
                        inbound.append((p, max(launch, t - L), t + delayed, q, ref))
                        delayed = None
                so_lost += dem - s
            # replenishment policy
            if not pending and delayed is None:
                pos = st
                rop = expected(t + 1, L + 10)
                rop += 2.5 * math.sqrt(disp * max(rop, 0.5))
                if pos <= rop:
                    if delay_queue and t >= delay_queue[0][0]:
                        delayed = delay_queue.pop(0)[1]
                    else:
                        q = int(math.ceil(expected(t + L, 60) + rop - pos))
                        q = max(q, 3)
                        ref = f"po-{t}"
                        pending.append([t + L, q, ref, t])
                        inbound.append((p, t, t + L, q, ref))
            stock[p, t] = st
        if in_so:
            episodes.append(dict(pair=p, start=so_start, end=N_DAYS - 1, lost=so_lost,
                                 planted=so_planted, planned_length=so_len_plan, m0=None,
                                 recovery_days=None, ongoing=True, recovery_lost=0))
    w.sales, w.realised, w.stock, w.recovery = sales, realised, stock, recov
    w.episodes = episodes
    w.ledger = pd.DataFrame(ledger, columns=["pair", "day", "event", "qty", "disposition", "ref"])
    w.inbound = inbound
    w.fba_returns_units = returns_u


def build_order_lines(rng, w: World):
    """Split daily sales into order lines and orders; add cancelled lines; assign times.

    Each unit starts a new line with probability 0.85 (so ~15 % of lines have quantity > 1);
    ~6 % of lines join the previous order of the same marketplace, channel and day (two-item
    orders). Cancelled lines (buyer ~0.8 %, seller ~1.6 % of MFN) are extra demand that was
    never fulfilled. Purchase times follow a day-time profile in marketplace-local time.
    """
    pairs = w.pairs
    pi, ti = np.nonzero(w.sales)
    units = w.sales[pi, ti]
    unit_pair = np.repeat(pi, units)
    unit_day = np.repeat(ti, units)
    new = rng.random(len(unit_pair)) < 0.85
    first = np.ones(len(unit_pair), dtype=bool)
    first[1:] = (unit_pair[1:] != unit_pair[:-1]) | (unit_day[1:] != unit_day[:-1])
    new |= first
    line_id = np.cumsum(new) - 1
    qty = np.bincount(line_id)
    lp = unit_pair[new]
    ld = unit_day[new]
    status = np.array(["ok"] * len(lp), dtype=object)
    # cancellations as extra lines
    n = len(lp)
    is_mfn = (pairs["channel"].to_numpy() == "MFN")[lp]
    buyer_c = rng.random(n) < 0.008
    seller_c = is_mfn & (rng.random(n) < 0.016)
    extra_b = np.nonzero(buyer_c)[0]
    extra_s = np.nonzero(seller_c & ~buyer_c)[0]
    lp = np.concatenate([lp, lp[extra_b], lp[extra_s]])
    ld = np.concatenate([ld, ld[extra_b], ld[extra_s]])
    qty = np.concatenate([qty, np.ones(len(extra_b) + len(extra_s), dtype=np.int64)])
    status = np.concatenate([status, np.array(["buyer_cancel"] * len(extra_b), dtype=object),
                             np.array(["seller_cancel"] * len(extra_s), dtype=object)])
    n = len(lp)
    hours = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4.5, 5, 5.5, 5, 4.5, 4.5, 4.5,
                      5, 5.5, 6.5, 7, 6.5, 4.5, 2.5])
    h = rng.choice(24, n, p=hours / hours.sum())
    secs = h * 3600 + rng.integers(0, 3600, n)
    mp_arr = pairs["mp"].to_numpy()[lp]
    local = DAYS.to_numpy().astype("datetime64[s]")[ld] + secs.astype("timedelta64[s]")
    purchase = np.zeros(n, dtype=np.int64)
    for mp in MPS:
        m = mp_arr == mp
        purchase[m] = to_utc_seconds(local[m], MP[mp]["tz"])
    df = pd.DataFrame(dict(pair=lp, day=ld, qty=qty, status=status, purchase=purchase,
                           mp=mp_arr, channel=pairs["channel"].to_numpy()[lp],
                           sku=pairs["sku"].to_numpy()[lp]))
    df = df.sort_values(["mp", "purchase", "sku", "status"], kind="stable").reset_index(drop=True)
    # two-item orders
    same = np.zeros(len(df), dtype=bool)
    same[1:] = ((df["mp"].to_numpy()[1:] == df["mp"].to_numpy()[:-1])
                & (df["channel"].to_numpy()[1:] == df["channel"].to_numpy()[:-1])
                & (df["day"].to_numpy()[1:] == df["day"].to_numpy()[:-1])
                & (df["sku"].to_numpy()[1:] != df["sku"].to_numpy()[:-1])
                & (df["status"].to_numpy()[1:] == "ok") & (df["status"].to_numpy()[:-1] == "ok"))
    merge = same & (rng.random(len(df)) < 0.06)
    merge[1:] &= ~merge[:-1]
    df["order_no"] = np.cumsum(~merge) - 1
    head_purchase = df.groupby("order_no")["purchase"].transform("first")
    df["purchase"] = head_purchase
    # ids
    n_orders = int(df["order_no"].max()) + 1
    nums = _unique_numbers(rng, n_orders, 14)
    prefix_us = rng.choice(MP["US"]["order_prefixes"], n_orders)
    prefix_de = rng.choice(MP["DE"]["order_prefixes"], n_orders)
    order_mp = df.groupby("order_no")["mp"].first().to_numpy()
    oid = [f"{(pu if m == 'US' else pd_)}-{x[:7]}-{x[7:]}"
           for pu, pd_, m, x in zip(prefix_us, prefix_de, order_mp, nums, strict=True)]
    df["order_id"] = np.array(oid)[df["order_no"].to_numpy()]
    df["order_item_id"] = _unique_numbers(rng, len(df), 14)
    city_idx = {m: rng.integers(0, len(CITIES[m]), n_orders) for m in MPS}
    ci = np.where(order_mp == "US", city_idx["US"], city_idx["DE"])
    df["city_idx"] = ci[df["order_no"].to_numpy()]
    df["is_business"] = (rng.random(n_orders) < 0.04)[df["order_no"].to_numpy()]
    df["prime_day"] = DAYS[df["day"].to_numpy()].isin(pd.to_datetime(list(PRIME_DAYS)))
    df["price_cents"] = w.pairs["price_cents"].to_numpy()[df["pair"].to_numpy()]
    w.lines = df


def fulfil_orders(rng, w: World):
    """Ship, cancel, track and deliver every order; plant MFN defects and FBA shipping.

    MFN: ship-by = purchase date + handling business days (23:59:59 local); deliver-by =
    ship-by + 2-5 (US) / 1-3 (DE) business days. Late confirmation ~2.5 % (4.5 % in Q4 2025;
    US from 2026-10-15 ~8 %); 40 % of the late ones carry a back-dated typed ship-date (on the
    ship-by day, before the deadline). Tracking problems per shipped order: missing 1.2 %, bad check
    digit 1.5 %, valid number of another carrier 1 %, carrier Other 2 %, reused number 0.5 %,
    never scanned (label only) 1 %. Transit exceptions delay 3 % of packages.
    """
    df = w.lines
    n = len(df)
    order_no = df["order_no"].to_numpy()
    head = ~pd.Series(order_no).duplicated().to_numpy()
    orders = df[head][["order_no", "order_id", "mp", "channel", "purchase", "day", "status",
                       "is_business"]].reset_index(drop=True)
    no = len(orders)
    omp = orders["mp"].to_numpy()
    ochan = orders["channel"].to_numpy()
    ostatus = orders["status"].to_numpy()
    opurch = orders["purchase"].to_numpy()
    as_of = {mp: int(to_utc_seconds(np.array([AS_OF.to_datetime64()], dtype="datetime64[s]"),
                                    MP[mp]["tz"])[0]) for mp in MPS}
    as_of_arr = np.array([as_of[m] for m in omp])
    # service level, prime, handling
    handling = w.pairs.groupby(["mp", "sku"])["handling"].first()
    first_sku = df[head]["sku"].to_numpy()
    hd = handling.reindex(pd.MultiIndex.from_arrays([omp, first_sku])).to_numpy()
    u = rng.random(no)
    level = np.where(ochan == "AFN", np.where(u < 0.6, "Expedited", "Standard"),
                     np.where(u < 0.85, "Standard", np.where(u < 0.97, "Expedited", "NextDay")))
    is_prime = np.where(ochan == "AFN", True, rng.random(no) < 0.1)
    pday = np.zeros(no, dtype="datetime64[D]")
    for mp in MPS:
        m = omp == mp
        pday[m] = local_day(opurch[m], MP[mp]["tz"])
    hol = {mp: np.array(MP[mp]["holidays"], dtype="datetime64[D]") for mp in MPS}
    ship_by_day = np.zeros(no, dtype="datetime64[D]")
    del_min = np.zeros(no, dtype="datetime64[D]")
    del_max = np.zeros(no, dtype="datetime64[D]")
    tmin = np.where(omp == "US", np.where(level == "Standard", 2, 1),
                    np.where(level == "Standard", 1, 1))
    tmax = np.where(omp == "US", np.where(level == "Standard", 5, 3),
                    np.where(level == "Standard", 3, 2))
    for mp in MPS:
        m = omp == mp
        ship_by_day[m] = np.busday_offset(pday[m], hd[m], roll="forward", holidays=hol[mp])
        del_min[m] = np.busday_offset(ship_by_day[m], tmin[m], roll="forward", holidays=hol[mp])
        del_max[m] = np.busday_offset(ship_by_day[m], tmax[m], roll="forward", holidays=hol[mp])
    ship_by = np.zeros(no, dtype=np.int64)
    dmin_ts = np.zeros(no, dtype=np.int64)
    dmax_ts = np.zeros(no, dtype=np.int64)
    for mp in MPS:
        m = omp == mp
        tz = MP[mp]["tz"]
        ship_by[m] = day_end_utc(ship_by_day[m], tz)
        dmin_ts[m] = day_end_utc(del_min[m], tz, 0, 0, 0)
        dmax_ts[m] = day_end_utc(del_max[m], tz)
    # late confirmation probability by date
    odays = pd.DatetimeIndex(pday.astype("datetime64[s]"))
    p_late = np.full(no, 0.025)
    p_late[(odays >= "2025-11-15") & (odays <= "2025-12-24")] = 0.045
    p_late[(omp == "US") & (odays >= "2026-10-15")] = 0.08
    late = (ochan == "MFN") & (rng.random(no) < p_late) & (ostatus == "ok")
    # confirmation time
    # on time: during working hours (10:00-19:00 local) of the ship-by day or a day before
    back = rng.integers(0, 2, no) * 86400
    ontime = ship_by - back - rng.integers(5 * 3600, 14 * 3600, no)
    ontime = np.where(ontime < opurch + 3600, ship_by - rng.integers(1800, 3 * 3600, no), ontime)
    late_ts = ship_by + rng.integers(3 * 3600, 3 * 86400, no)
    confirm = np.where(late, late_ts, ontime)
    # back-dated confirmations (own stream, changes nothing else): 40 % of the late ones were
    # uploaded late with a ship-date typed on the ship-by day, before the deadline. Amazon
    # judges the moment of confirmation (help 202152050), so they stay late.
    rng13 = np.random.default_rng([w.seed, 13])
    backdated = late & (rng13.random(no) < 0.4)
    typed_ship = np.where(backdated, ship_by - rng13.integers(2 * 3600, 10 * 3600, no), confirm)
    typed_ship = np.maximum(typed_ship, opurch + 1800)
    afn_ship = opurch + rng.integers(3 * 3600, 30 * 3600, no)
    ship_ts = np.where(ochan == "AFN", afn_ship, confirm)
    cancel_ts = opurch + rng.integers(600, 36 * 3600, no)
    shipped = (ostatus == "ok") & (ship_ts < as_of_arr)
    # pending (very recent) and unshipped
    pending = (ostatus == "ok") & (as_of_arr - opurch < 2 * 3600)
    state = np.where(ostatus == "buyer_cancel", "Cancelled",
                     np.where(ostatus == "seller_cancel", "Cancelled",
                              np.where(shipped, "Shipped",
                                       np.where(pending, "Pending",
                                                np.where(ochan == "AFN", "Shipping",
                                                         "Unshipped")))))
    cancel_ts = np.maximum(np.minimum(cancel_ts, as_of_arr - 60), opurch + 30)
    # carriers and tracking (MFN shipped)
    mfn_ship = (ochan == "MFN") & shipped
    carrier = np.array([""] * no, dtype=object)
    uc = rng.random(no)
    carrier[:] = np.where(omp == "US",
                          np.where(uc < 0.55, "USPS", np.where(uc < 0.8, "UPS",
                                   np.where(uc < 0.95, "FedEx", "Amazon Shipping"))),
                          np.where(uc < 0.58, "DHL", np.where(uc < 0.8, "DPD",
                                   np.where(uc < 0.9, "Deutsche Post", "UPS"))))
    prob = np.full(no, "none", dtype=object)
    up = rng.random(no)
    edges = [("missing", 0.012), ("invalid_check_digit", 0.015), ("wrong_carrier", 0.01),
             ("other_carrier", 0.02), ("reused", 0.005), ("never_scanned", 0.01)]
    lo = 0.0
    for name, pr in edges:
        prob[(up >= lo) & (up < lo + pr)] = name
        lo += pr
    prob[~mfn_ship] = ""
    fmt_of = {"USPS": "usps_impb", "UPS": "ups", "FedEx": "fedex_12", "Amazon Shipping": "tba",
              "DHL": "dhl_express", "DPD": "dpd_14", "Deutsche Post": "s10_de"}
    tracking = np.array([""] * no, dtype=object)
    true_carrier = carrier.copy()
    declared = carrier.copy()
    for c in sorted(fmt_of):
        m = np.nonzero(mfn_ship & (carrier == c) & np.isin(prob, ["none", "reused",
                                                                  "never_scanned"]))[0]
        tracking[m] = make_tracking(rng, fmt_of[c], len(m))
        m = np.nonzero(mfn_ship & (carrier == c) & (prob == "invalid_check_digit"))[0]
        if c in ("Amazon Shipping",):
            carrier[m] = "USPS"
            declared[m] = "USPS"
            true_carrier[m] = "USPS"
            tracking[m] = make_tracking(rng, "usps_impb", len(m), valid=False)
        else:
            tracking[m] = make_tracking(rng, fmt_of[c], len(m), valid=False)
    m = np.nonzero(mfn_ship & (prob == "wrong_carrier"))[0]
    us = m[omp[m] == "US"]
    de = m[omp[m] == "DE"]
    tracking[us] = make_tracking(rng, "ups", len(us))
    true_carrier[us], declared[us] = "UPS", "USPS"
    tracking[de] = make_tracking(rng, "dhl_express", len(de))
    true_carrier[de], declared[de] = "DHL", "DPD"
    m = np.nonzero(mfn_ship & (prob == "other_carrier"))[0]
    us = m[omp[m] == "US"]
    de = m[omp[m] == "DE"]
    tracking[us] = make_tracking(rng, "usps_impb", len(us))
    true_carrier[us], declared[us] = "USPS", "Other"
    tracking[de] = make_tracking(rng, "hermes", len(de))
    true_carrier[de], declared[de] = "Hermes", "Other"
    carrier_name = np.where(declared == "Other",
                            np.where(omp == "US", "USPS via Pirate Ship", "Hermes"), "")
    # reused: copy the number of an earlier order of the same marketplace and carrier
    reused = np.nonzero(prob == "reused")[0]
    reused_from = np.array([""] * no, dtype=object)
    for i in reused:
        cand = np.nonzero(mfn_ship[:i] & (prob[:i] == "none") & (omp[:i] == omp[i])
                          & (declared[:i] == declared[i]))[0]
        if len(cand):
            j = cand[-1 - int(rng.integers(0, min(20, len(cand))))]
            tracking[i] = tracking[j]
            reused_from[i] = orders["order_id"].iat[j]
        else:
            prob[i] = "none"
    # delivery
    pickup = np.where(late, confirm - rng.integers(0, 2 * 3600, no),
                      confirm + rng.integers(1 * 3600, 5 * 3600, no))
    transit_days = np.where(omp == "US", rng.integers(1, 5, no), rng.integers(1, 3, no))
    exception = mfn_ship & (rng.random(no) < 0.03)
    transit_days = transit_days + np.where(exception, rng.integers(2, 5, no), 0)
    pick_day = np.zeros(no, dtype="datetime64[D]")
    for mp in MPS:
        m = omp == mp
        pick_day[m] = local_day(pickup[m], MP[mp]["tz"])
    deliv_day = np.zeros(no, dtype="datetime64[D]")
    for mp in MPS:
        m = omp == mp
        deliv_day[m] = np.busday_offset(pick_day[m], transit_days[m], roll="forward",
                                        holidays=hol[mp])
    dsec = rng.integers(9 * 3600, 20 * 3600, no)
    delivered = np.zeros(no, dtype=np.int64)
    for mp in MPS:
        m = omp == mp
        delivered[m] = day_end_utc(deliv_day[m], MP[mp]["tz"], 0, 0, 0) + dsec[m]
    scannable = mfn_ship & np.isin(prob, ["none", "wrong_carrier", "other_carrier"])
    delivered_known = scannable & (delivered < as_of_arr)
    late_delivery = delivered_known & (delivered > dmax_ts)
    # claims, feedback, chargebacks
    lost = mfn_ship & np.isin(prob, ["missing", "invalid_check_digit", "never_scanned"])
    p_claim = np.where(ochan == "MFN", 0.001 + 0.03 * late_delivery + 0.02 * lost, 0.0005)
    p_fb = np.where(ochan == "MFN", 0.004 + 0.04 * late_delivery + 0.02 * late, 0.003)
    okship = (ostatus == "ok") & shipped
    claim = okship & (rng.random(no) < p_claim)
    claim_status = np.where(rng.random(no) < 0.25, "denied", "granted")
    neg_fb = okship & (rng.random(no) < p_fb)
    charge = okship & (rng.random(no) < 0.0005)
    orders = orders.assign(
        level=level, is_prime=is_prime, handling=hd, ship_by=ship_by, earliest_ship=opurch,
        del_min=dmin_ts, del_max=dmax_ts, late_shipment=late & shipped, confirm=confirm,
        typed_ship=typed_ship, backdated=backdated & shipped,
        ship_ts=ship_ts, shipped=shipped, state=state, cancel_ts=cancel_ts,
        carrier_declared=declared, carrier_true=true_carrier, carrier_name=carrier_name,
        tracking=tracking, tracking_problem=prob, reused_from=reused_from, pickup=pickup,
        exception=exception, delivered=np.where(delivered_known, delivered, 0),
        late_delivery=late_delivery, claim=claim,
        claim_status=np.where(claim, claim_status, ""), negative_feedback=neg_fb,
        chargeback=charge, as_of=as_of_arr,
    )
    w.mfn = orders
    # propagate to lines
    cols = ["state", "ship_ts", "cancel_ts", "level", "is_prime", "shipped"]
    idx = df["order_no"].to_numpy()
    for c in cols:
        df[c] = orders[c].to_numpy()[idx]
    del n


def build_returns(rng, w: World):
    """Return rows: FBA units from the inventory simulation, MFN returns drawn per line.

    FBA reasons: SWITCHEROO for the planted confusable pairs (the unit received is the other
    SKU of the pair), else DEFECTIVE / UNWANTED_ITEM / NOT_AS_DESCRIBED / ... by disposition.
    MFN: ~4 % of shipped lines, more after late delivery (MISSED_ESTIMATED_DELIVERY); wrong
    item (CR-SWITCHEROO) on the confusable pairs.
    """
    df = w.lines
    pairs = w.pairs
    rows = []
    ok = df[(df["state"] == "Shipped") & (df["channel"] == "AFN")]
    by_pd = {k: v.index.to_numpy() for k, v in ok.groupby(["pair", "day"], sort=True)}
    used = {}
    sku_of = pairs["sku"].to_numpy()
    mp_of = pairs["mp"].to_numpy()
    key_to_pair = {(mp_of[i], sku_of[i]): i for i in range(len(pairs))}
    for p, sday, rday, disp, kind in sorted(w.fba_returns_units, key=lambda x: (x[0], x[1], x[2])):
        cand = by_pd.get((p, sday))
        if cand is None or rday < 0:  # rday -1: held in a stockout that lasts past the end
            continue
        k = used.get((p, sday), 0)
        li = cand[k % len(cand)]
        used[(p, sday)] = k + 1
        r = rng.random()
        if kind == "switcheroo":
            reason = "SWITCHEROO"
        elif disp == "DEFECTIVE":
            reason = "DEFECTIVE" if r < 0.7 else "QUALITY_UNACCEPTABLE"
        elif disp == "CARRIER_DAMAGED":
            reason = "DAMAGED_BY_CARRIER"
        elif disp == "CUSTOMER_DAMAGED":
            reason = ["UNWANTED_ITEM", "NOT_AS_DESCRIBED", "NOT_COMPATIBLE"][int(r * 3)]
        else:
            reason = ["UNWANTED_ITEM", "ORDERED_WRONG_ITEM", "FOUND_BETTER_PRICE",
                      "NO_REASON_GIVEN"][int(r * 4)]
        wrong = pairs["confusable_with"].iat[p] if kind == "switcheroo" else ""
        rows.append(dict(line=li, pair=p, channel="AFN", return_day=rday, disposition=disp,
                         reason=reason, wrong_sku=wrong, qty=1))
    mfn = df[(df["state"] == "Shipped") & (df["channel"] == "MFN")]
    mo = w.mfn.set_index("order_no")
    late_del = mo["late_delivery"].reindex(mfn["order_no"]).to_numpy()
    rr = pairs["return_rate"].to_numpy()[mfn["pair"].to_numpy()] + 0.12 * late_del
    pick = rng.random(len(mfn)) < rr
    sel = mfn[pick]
    lag = rng.integers(5, 30, len(sel))
    rday = sel["day"].to_numpy() + lag
    conf = pairs["confusable_with"].to_numpy()[sel["pair"].to_numpy()]
    ld = late_del[pick]
    for i, li in enumerate(sel.index.to_numpy()):
        if rday[i] >= N_DAYS:
            continue
        u = rng.random()
        if conf[i] and u < 0.45:
            reason, wrong = "CR-SWITCHEROO", conf[i]
        elif ld[i] and u < 0.6:
            reason, wrong = "CR-MISSED_ESTIMATED_DELIVERY", ""
        else:
            reason = ["CR-UNWANTED_ITEM", "CR-DEFECTIVE", "CR-NOT_AS_DESCRIBED",
                      "CR-ORDERED_WRONG_ITEM", "CR-DAMAGED_BY_CARRIER",
                      "CR-QUALITY_UNACCEPTABLE"][int(rng.integers(0, 6))]
            wrong = ""
        rows.append(dict(line=li, pair=int(sel["pair"].iat[i]), channel="MFN",
                         return_day=int(rday[i]), disposition="", reason=reason,
                         wrong_sku=wrong, qty=int(sel["qty"].iat[i])))
    ret = pd.DataFrame(rows)
    ret = ret.sort_values(["channel", "return_day", "line"], kind="stable").reset_index(drop=True)
    ret["order_id"] = df["order_id"].to_numpy()[ret["line"].to_numpy()]
    ret["sku"] = sku_of[ret["pair"].to_numpy()]
    ret["mp"] = mp_of[ret["pair"].to_numpy()]
    ret["wrong_pair"] = [key_to_pair.get((m, s), -1) for m, s in zip(ret["mp"], ret["wrong_sku"],
                                                                    strict=True)]
    w.returns = ret


def build_messages(rng, w: World):
    """Buyer message threads: categories tied to what happened to the order.

    where_is_my_order: 35 % of late deliveries, 20 % of never-scanned/lost, 0.8 % otherwise;
    return_request: 30 % of returns; cancellation: 25 % of cancelled orders; product_question:
    pre-sale threads without an order; other: 0.3 % of orders. Responses: lognormal (median
    ~4 h), messages arriving Friday evening to Sunday wait until Monday morning, 3 % never
    answered; a response later than the as-of date is not yet there (empty).
    """
    o = w.mfn
    no = len(o)
    rows = []
    u = rng.random(no)
    lost = np.isin(o["tracking_problem"].to_numpy(), ["missing", "invalid_check_digit",
                                                      "never_scanned"])
    wismo = np.where(o["late_delivery"].to_numpy(), u < 0.35,
                     np.where(lost, u < 0.2, u < 0.008)) & o["shipped"].to_numpy()
    for i in np.nonzero(wismo)[0]:
        t = int(o["del_max"].iat[i]) - int(rng.integers(0, 2 * 86400)) + 86400
        rows.append((o["order_id"].iat[i], t, "where_is_my_order", o["mp"].iat[i]))
    canc = o["state"].to_numpy() == "Cancelled"
    for i in np.nonzero(canc & (rng.random(no) < 0.25))[0]:
        t = int(o["purchase"].iat[i]) + int(rng.integers(300, 6 * 3600))
        rows.append((o["order_id"].iat[i], t, "cancellation", o["mp"].iat[i]))
    for i in np.nonzero(rng.random(no) < 0.003)[0]:
        t = int(o["purchase"].iat[i]) + int(rng.integers(3600, 10 * 86400))
        rows.append((o["order_id"].iat[i], t, "other", o["mp"].iat[i]))
    ret = w.returns
    lines = w.lines
    for i in np.nonzero(rng.random(len(ret)) < 0.3)[0]:
        day = int(ret["return_day"].iat[i]) - int(rng.integers(1, 4))
        mp = ret["mp"].iat[i]
        t = int(day_end_utc(np.array([DAYS[max(day, 0)].to_datetime64()], dtype="datetime64[D]"),
                            MP[mp]["tz"], 8, 0, 0)[0]) + int(rng.integers(0, 12 * 3600))
        li = int(ret["line"].iat[i])
        t = max(t, int(lines["purchase"].iat[li]) + 86400)
        rows.append((ret["order_id"].iat[i], t, "return_request", mp))
    for mp in MPS:
        nq = int(rng.integers(150, 260))
        d = rng.integers(0, N_DAYS, nq)
        t = day_end_utc(DAYS.to_numpy().astype("datetime64[D]")[d], MP[mp]["tz"], 7, 0, 0)
        t = t + rng.integers(0, 15 * 3600, nq)
        rows.extend(("", int(x), "product_question", mp) for x in t)
    m = pd.DataFrame(rows, columns=["order_id", "received", "category", "mp"])
    as_of = {mp: int(to_utc_seconds(np.array([AS_OF.to_datetime64()], dtype="datetime64[s]"),
                                    MP[mp]["tz"])[0]) for mp in MPS}
    m = m[m["received"] < m["mp"].map(as_of)]
    m = m.sort_values(["mp", "received", "order_id", "category"]).reset_index(drop=True)
    k = len(m)
    delay = np.exp(rng.normal(np.log(4 * 3600), 1.1, k)).astype(np.int64)
    recv = m["received"].to_numpy()
    wd = np.zeros(k, dtype=int)
    hour = np.zeros(k, dtype=int)
    for mp in MPS:
        sel = (m["mp"] == mp).to_numpy()
        idx = pd.DatetimeIndex(recv[sel].astype("datetime64[s]")).tz_localize("UTC").tz_convert(
            MP[mp]["tz"])
        wd[sel] = idx.day_of_week
        hour[sel] = idx.hour
    weekend = (wd == 5) | (wd == 6) | ((wd == 4) & (hour >= 17))
    wait = np.where(wd == 4, 3, np.where(wd == 5, 2, 1)) * 86400 - hour * 3600 + 9 * 3600
    delay = np.where(weekend, np.maximum(delay, wait + rng.integers(0, 5 * 3600, k)), delay)
    resp = recv + delay
    unanswered = rng.random(k) < 0.03
    resp = np.where(unanswered | (resp >= m["mp"].map(as_of).to_numpy()), 0, resp)
    m["response"] = resp
    m["thread_id"] = ["T" + s for s in _unique_numbers(rng, k, 11)]
    w.messages = m


def build_traffic(rng, w: World):
    """Daily sessions and Buy Box share per pair (sessions = demand rate / session CVR)."""
    pairs = w.pairs
    P = len(pairs)
    lam = np.zeros((P, N_DAYS))
    for p in range(P):
        lam[p] = pairs["mu"].iat[p] * w.mult[pairs["mp"].iat[p]]
        lam[p, : pairs["launch"].iat[p]] = 0
    cvr = pairs["cvr"].to_numpy()[:, None]
    sess = rng.poisson(lam / cvr)
    items = np.zeros((P, N_DAYS), dtype=np.int64)
    ok = w.lines[w.lines["status"] == "ok"]
    np.add.at(items, (ok["pair"].to_numpy(), ok["day"].to_numpy()), 1)
    w.sessions = np.maximum(sess, items)
    bb = np.clip(pairs["buybox"].to_numpy()[:, None] + rng.normal(0, 0.01, (P, N_DAYS)), 0, 1)
    oos = w.stock == 0
    bb[oos] = 0.0
    w.buybox = bb


def build_defect_records(w: World):
    """Feedback, A-to-z claim and chargeback records behind the ODR (own RNG stream).

    Uses ``numpy.random.default_rng([seed, 3])`` so the main stream (and every other file) is
    unchanged by this step. Planted, per order (all recorded in the truth):

    * a *late response* (a buyer message on the order answered more than 24 h after it
      arrived, or unanswered 24 h later) raises the claim probability: 15 % of such shipped
      seller-fulfilled orders get a claim filed 1-7 days after the 24-hour mark; 10 % of late
      deliveries get a claim on top of the base claims of :func:`fulfil_orders`;
    * claims are decided 3-20 days after filing (75 % granted, 25 % denied as planted); a
      decision after the as-of date leaves the claim ``pending``; 15 % of grants are then
      withdrawn by the buyer (``withdrawn_after_grant``, still counts); FBA grants and 20 % of
      seller-fulfilled grants are Amazon-funded (still count);
    * 0.15 % of shipped orders get a claim that the buyer withdraws before any decision
      (does not count);
    * negative feedback (1-2 stars) on the planted orders, 4 % positive (4-5 stars) and 0.5 %
      neutral (3 stars) feedback on others, and 0.1 % negative feedback that Amazon removed
      (does not count);
    * service chargebacks on the planted orders and one or two fraud chargebacks per
      marketplace (do not count).
    Every record is dated before the as-of date.
    """
    rng = np.random.default_rng([w.seed, 3])
    o = w.mfn
    no = len(o)
    day = 86400
    as_of = o["as_of"].to_numpy()
    ship = o["ship_ts"].to_numpy()
    del_max = o["del_max"].to_numpy()
    mfn = (o["channel"] == "MFN").to_numpy()
    okship = (o["status"].to_numpy() == "ok") & o["shipped"].to_numpy()
    claim = o["claim"].to_numpy().copy()
    status = o["claim_status"].to_numpy().astype(object).copy()
    late_del = o["late_delivery"].to_numpy()
    # late responses: 24 h after the first late-answered message of the order
    m = w.messages[w.messages["order_id"] != ""]
    resp = m["response"].to_numpy()
    recv = m["received"].to_numpy()
    m_asof = m["mp"].map(lambda x: int(as_of[(o["mp"] == x).to_numpy()][0])).to_numpy()
    late_msg = np.where(resp > 0, resp - recv > day, m_asof - recv > day)
    never = 2 ** 40  # far after any date, exact as a float
    mark = pd.Series(np.where(late_msg, recv + day, never),
                     index=m["order_id"].to_numpy()).groupby(level=0).min()
    late_mark = mark.reindex(o["order_id"]).fillna(never).to_numpy().astype(np.int64)
    has_late_msg = late_mark < as_of
    # claim filing times for the planted claims
    base_t = np.where(mfn, np.maximum(del_max, ship) + rng.integers(2 * day, 20 * day, no),
                      ship + rng.integers(5 * day, 25 * day, no))
    base_t = np.where(late_del, del_max + rng.integers(2 * day, 12 * day, no), base_t)
    hi = as_of - rng.integers(3600, 3 * day, no)
    base_t = np.maximum(np.minimum(base_t, hi), ship + 3600)
    claim_t = np.where(claim, base_t, 0)
    # extra claims driven by late delivery and late response
    u1, u2 = rng.random(no), rng.random(no)
    t_ld = del_max + rng.integers(2 * day, 12 * day, no)
    t_lr = late_mark + rng.integers(day, 7 * day, no)
    new_ld = okship & mfn & ~claim & late_del & (u1 < 0.10) & (t_ld < as_of)
    new_lr = okship & mfn & ~claim & ~new_ld & has_late_msg & (u2 < 0.15) & (t_lr < as_of)
    st_new = np.where(rng.random(no) < 0.25, "denied", "granted")
    for sel, t in ((new_ld, t_ld), (new_lr, t_lr)):
        claim = claim | sel
        status = np.where(sel, st_new, status)
        claim_t = np.where(sel, t, claim_t)
    driver = np.where(new_ld, "late_delivery", np.where(new_lr, "late_response",
                                                        np.where(claim, "base", "")))
    # withdrawn before any decision (does not count)
    t_wd = ship + rng.integers(3 * day, 20 * day, no)
    wd = okship & ~claim & (rng.random(no) < 0.0015) & (t_wd < as_of)
    claim = claim | wd
    claim_t = np.where(wd, t_wd, claim_t)
    status = np.where(wd, "withdrawn_before_decision", status)
    driver = np.where(wd, "random", driver)
    # decisions
    decision_t = claim_t + rng.integers(3 * day, 21 * day, no)
    decided = claim & ~wd & (decision_t < as_of)
    status = np.where(claim & ~wd & ~decided, "pending", status)
    after = decided & (status == "granted") & (rng.random(no) < 0.15)
    status = np.where(after, "withdrawn_after_grant", status)
    amazon_funded = (status != "denied") & claim & ~wd & (
        (~mfn) | (rng.random(no) < 0.20))
    counts = claim & np.isin(status, ["granted", "pending", "withdrawn_after_grant"])
    # feedback
    neg = o["negative_feedback"].to_numpy()
    fb_t = np.maximum(del_max, ship) + rng.integers(day, 20 * day, no)
    fb_t = np.where(mfn, fb_t, ship + rng.integers(2 * day, 25 * day, no))
    fb_t_neg = np.maximum(np.minimum(fb_t, hi), ship + 3600)
    u = rng.random(no)
    removed = okship & ~neg & (u < 0.001) & (fb_t < as_of)
    positive = okship & ~neg & ~removed & (u >= 0.001) & (u < 0.041) & (fb_t < as_of)
    neutral = okship & ~neg & ~removed & (u >= 0.041) & (u < 0.046) & (fb_t < as_of)
    low = np.where(rng.random(no) < 0.6, 1, 2)
    high = np.where(rng.random(no) < 0.8, 5, 4)
    rating = np.where(neg | removed, low, np.where(positive, high, np.where(neutral, 3, 0)))
    fb_time = np.where(neg, fb_t_neg, np.where(rating > 0, fb_t, 0))
    # chargebacks: planted service ones, one or two fraud ones per marketplace
    cb = o["chargeback"].to_numpy()
    cb_t = np.maximum(np.minimum(ship + rng.integers(10 * day, 50 * day, no), hi), ship + 3600)
    fraud = np.zeros(no, dtype=bool)
    omp = o["mp"].to_numpy()
    for mp in MPS:
        cand = np.nonzero(okship & ~cb & (omp == mp) & (cb_t < as_of))[0]
        k = int(rng.integers(1, 3))
        fraud[rng.choice(cand, size=k, replace=False)] = True
    cb_time = np.where(cb | fraud, cb_t, 0)
    w.mfn = o.assign(claim=claim, claim_status=np.where(claim, status, ""), claim_ts=claim_t,
                     claim_driver=driver, decision_ts=np.where(decided, decision_t, 0),
                     claim_counts=counts, claim_amazon_funded=amazon_funded,
                     late_response=has_late_msg & np.where(claim, late_mark < claim_t, True),
                     feedback_rating=rating, feedback_removed=removed, feedback_ts=fb_time,
                     chargeback_fraud=fraud, chargeback_ts=cb_time)


def build_world(seed=DEFAULT_SEED) -> World:
    """Simulate everything (the single RNG is consumed in a fixed order)."""
    rng = np.random.default_rng(seed)
    w = World(seed=seed)
    w.mult, w.season = _multipliers()
    w.pairs = build_catalog(rng)
    w.demand = simulate_demand(rng, w.pairs, w.mult)
    add_fast_movers(w)
    simulate_inventory(rng, w)
    build_order_lines(rng, w)
    fulfil_orders(rng, w)
    build_returns(rng, w)
    build_messages(rng, w)
    build_traffic(rng, w)
    build_defect_records(w)
    w.rng = rng
    return w


# -------------------------------------------------------------------------------------------
# Writers (one per file family)
# -------------------------------------------------------------------------------------------
def _lines_view(w: World, mp: str) -> pd.DataFrame:
    """Order lines of one marketplace with the catalogue columns joined."""
    df = w.lines[w.lines["mp"] == mp].copy()
    p = df["pair"].to_numpy()
    for c in ("name", "asin", "fnsku", "fc", "cat"):
        df[c] = w.pairs[c].to_numpy()[p]
    return df


def _line_money(df: pd.DataFrame, mp: str):
    """Integer-cent money columns of order lines (item price = quantity x unit price)."""
    item = df["qty"].to_numpy() * df["price_cents"].to_numpy()
    if mp == "US":
        state = np.array([CITIES["US"][i][1] for i in df["city_idx"].to_numpy()])
        rate = np.array([US_TAX_RATE[s] for s in state])
        tax = np.round(item * rate).astype(np.int64)
    else:
        tax = np.round(item - item / 1.19).astype(np.int64)
    promo = np.where(df["prime_day"].to_numpy(), np.round(item * 0.2).astype(np.int64), 0)
    ship = np.where((df["channel"].to_numpy() == "MFN") & ~df["is_prime"].to_numpy()
                    & (df["level"].to_numpy() != "Standard"), 599, 0)
    return item, tax, promo, ship


def write_all_orders(w: World, root: Path):
    """All Orders (GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL), one file per month.

    Header generation 2 (32 columns, ``url``) before 2025-10, generation 3 (33 columns) after,
    plus ``order-item-id`` from 2026-06. Dates in UTC (``+00:00``). Cancelled rows have
    quantity 0 and empty prices. DE: decimal commas, UTF-8 with BOM.
    """
    for mp in MPS:
        conf = MP[mp]
        df = _lines_view(w, mp)
        dec = conf["dec"]
        item, tax, promo, ship = _line_money(df, mp)
        state = df["state"].to_numpy()
        canc = state == "Cancelled"
        shipped = state == "Shipped"
        # last-updated-date: an MFN order becomes Shipped the moment its confirmation reaches
        # Amazon (the true confirmation time, whatever ship-date was typed)
        mfn_line = df["channel"].to_numpy() == "MFN"
        lu = np.where(shipped, df["ship_ts"].to_numpy() + np.where(mfn_line, 0, 1800),
                      np.where(canc, df["cancel_ts"].to_numpy(),
                               df["purchase"].to_numpy() + 600))
        blank = np.array([""] * len(df), dtype=object)

        def money(c, canc=canc, blank=blank, dec=dec):
            return np.where(canc, blank, np.array(fmt_money(c, dec), dtype=object))

        city = [CITIES[mp][i] for i in df["city_idx"].to_numpy()]
        cols = {
            "amazon-order-id": df["order_id"].to_numpy(),
            "merchant-order-id": blank,
            "purchase-date": iso_utc(df["purchase"].to_numpy()),
            "last-updated-date": iso_utc(lu),
            "order-status": state,
            "fulfillment-channel": np.where(df["channel"] == "AFN", "Amazon", "Merchant"),
            "sales-channel": np.full(len(df), conf["channel"]),
            "order-channel": blank,
            "url": blank,
            "ship-service-level": df["level"].to_numpy(),
            "product-name": df["name"].to_numpy(),
            "sku": df["sku"].to_numpy(),
            "asin": df["asin"].to_numpy(),
            "item-status": np.where(canc, "Cancelled", np.where(shipped, "Shipped", "Unshipped")),
            "quantity": np.where(canc, 0, df["qty"].to_numpy()),
            "currency": np.full(len(df), conf["currency"]),
            "item-price": money(item),
            "item-tax": money(tax),
            "shipping-price": money(ship),
            "shipping-tax": money(np.zeros(len(df), dtype=np.int64)),
            "gift-wrap-price": blank,
            "gift-wrap-tax": blank,
            "item-promotion-discount": np.where(promo > 0, np.array(fmt_money(promo, dec),
                                                                    dtype=object), blank),
            "ship-promotion-discount": blank,
            "ship-city": [c[0] for c in city],
            "ship-state": [c[1] for c in city],
            "ship-postal-code": [c[2] for c in city],
            "ship-country": np.full(len(df), conf["country"]),
            "promotion-ids": np.where(promo > 0, "Prime Day Deal", blank),
            "cpf": blank,
            "is-business-order": np.where(df["is_business"], "true", "false"),
            "purchase-order-number": blank,
            "price-designation": np.where(df["is_business"], "BusinessPrice", blank),
            "signature-confirmation-recommended": np.full(len(df), "false"),
            "order-item-id": df["order_item_id"].to_numpy(),
        }
        table = pd.DataFrame(cols)
        month = pd.DatetimeIndex(DAYS[df["day"].to_numpy()]).strftime("%Y-%m")
        for mo in sorted(set(month)):
            header = list(ALL_ORDERS_GEN2 if mo < "2025-10" else ALL_ORDERS_GEN3)
            if mo >= "2026-06":
                header = header + ["order-item-id"]
            sub = table.loc[np.asarray(month == mo), header]
            if mp == "US" and mo == DUPLICATE_LINE_MONTH:
                # planted input defect: one line downloaded twice (exact duplicate)
                k = 10
                sub = pd.concat([sub.iloc[: k + 1], sub.iloc[k: k + 1], sub.iloc[k + 1:]])
                w.input_defects.append(dict(
                    file=f"{SELLER_ID}/{mp}/All Orders {mo}.txt", line=k + 3,
                    column="amazon-order-id,order-item-id",
                    problem=f"exact duplicate of line {k + 2} (order {sub.iloc[k, 0]}, same "
                            "order-item-id)",
                    expected=f"quarantined by the reader (reason: duplicate of line {k + 2})"))
            write_table(root / mp / f"All Orders {mo}.txt", header, sub, bom=(mp == "DE"))


def write_order_reports(w: World, root: Path):
    """Order Report (MFN order flat file) per month with ship-by / deliver-by dates.

    ``latest-ship-date`` is the ship-by date (23:59:59 local); times are local ISO 8601 with
    offset. All MFN lines, including ones cancelled later (as in a new-orders report).
    """
    for mp in MPS:
        conf = MP[mp]
        tz = conf["tz"]
        df = _lines_view(w, mp)
        df = df[df["channel"] == "MFN"]
        o = w.mfn.set_index("order_no").loc[df["order_no"].to_numpy()]
        item = df["qty"].to_numpy() * df["price_cents"].to_numpy()
        table = pd.DataFrame({
            "order-id": df["order_id"].to_numpy(),
            "order-item-id": df["order_item_id"].to_numpy(),
            "purchase-date": iso_local(df["purchase"].to_numpy(), tz),
            "payments-date": iso_local(df["purchase"].to_numpy() + 120, tz),
            "sku": df["sku"].to_numpy(),
            "product-name": df["name"].to_numpy(),
            "quantity-purchased": df["qty"].to_numpy(),
            "currency": conf["currency"],
            "item-price": fmt_money(item, conf["dec"]),
            "ship-service-level": df["level"].to_numpy(),
            "sales-channel": conf["channel"],
            "earliest-ship-date": iso_local(o["earliest_ship"].to_numpy(), tz),
            "latest-ship-date": iso_local(o["ship_by"].to_numpy(), tz),
            "earliest-delivery-date": iso_local(o["del_min"].to_numpy(), tz),
            "latest-delivery-date": iso_local(o["del_max"].to_numpy(), tz),
            "is-business-order": np.where(df["is_business"], "true", "false"),
            "is-prime": np.where(df["is_prime"], "true", "false"),
            "is-buyer-requested-cancellation": np.where(
                o["status"].to_numpy() == "buyer_cancel", "true", "false"),
        })
        month = pd.DatetimeIndex(DAYS[df["day"].to_numpy()]).strftime("%Y-%m")
        for mo in sorted(set(month)):
            write_table(root / mp / f"Order Report {mo}.txt", ORDER_REPORT,
                        table.loc[np.asarray(month == mo)])


SHIP_METHOD = {"USPS": "USPS Ground Advantage", "UPS": "UPS Ground", "FedEx": "FedEx Home Delivery",
               "Amazon Shipping": "Amazon Shipping Ground", "DHL": "DHL Paket",
               "DPD": "DPD Classic", "Deutsche Post": "Warenpost", "Other": "Standard"}


def write_shipment_confirmations(w: World, root: Path):
    """Shipment Confirmations (POST_FLAT_FILE_FULFILLMENT_DATA), one row per shipped MFN order.

    Two-item orders leave order-item-id and quantity blank (= whole order). Planted problems:
    blank tracking, bad check digits, a UPS/DHL number declared as USPS/DPD, carrier-code
    ``Other`` with a free-text carrier-name, reused numbers.
    """
    for mp in MPS:
        tz = MP[mp]["tz"]
        o = w.mfn[(w.mfn["mp"] == mp) & (w.mfn["channel"] == "MFN") & w.mfn["shipped"]]
        o = o.sort_values(["confirm", "order_id"])
        lines = w.lines[w.lines["order_no"].isin(o["order_no"])]
        cnt = lines.groupby("order_no").size()
        first = lines.groupby("order_no").first()
        single = cnt.reindex(o["order_no"]).to_numpy() == 1
        table = pd.DataFrame({
            "order-id": o["order_id"].to_numpy(),
            "order-item-id": np.where(single, first["order_item_id"].reindex(o["order_no"]), ""),
            "quantity": np.where(single, first["qty"].reindex(o["order_no"]).astype(str), ""),
            "ship-date": iso_local(o["typed_ship"].to_numpy(), tz),
            "carrier-code": o["carrier_declared"].to_numpy(),
            "carrier-name": o["carrier_name"].to_numpy(),
            "tracking-number": o["tracking"].to_numpy(),
            "ship-method": [SHIP_METHOD[c] for c in o["carrier_declared"]],
        })
        write_table(root / mp / "Shipment Confirmations.txt", CONFIRM, table,
                    preamble="TemplateType=OrderFulfillment\tVersion=2011.1102")


def write_delivery_events(w: World, root: Path):
    """Delivery Events.csv (our format): carrier scans of MFN packages.

    Packages with a blank or bad-check-digit number have no events; never-scanned ones only
    ``label_created``; a reused number keeps the events of its first package only.
    """
    rng = w.rng
    for mp in MPS:
        tz = MP[mp]["tz"]
        o = w.mfn[(w.mfn["mp"] == mp) & w.mfn["shipped"] & (w.mfn["channel"] == "MFN")]
        o = o[np.isin(o["tracking_problem"], ["none", "wrong_carrier", "other_carrier",
                                              "never_scanned"])]
        n = len(o)
        conf = o["confirm"].to_numpy()
        pick = o["pickup"].to_numpy()
        deliv = o["delivered"].to_numpy()
        label = np.minimum(conf, pick) - rng.integers(300, 3 * 3600, n)
        scanned = o["tracking_problem"].to_numpy() != "never_scanned"
        has_del = scanned & (deliv > 0)
        ofd = deliv - rng.integers(2 * 3600, 6 * 3600, n)
        transit = pick + ((deliv - pick) * rng.uniform(0.3, 0.6, n)).astype(np.int64)
        intr = has_del & (rng.random(n) < 0.35)
        exc = has_del & o["exception"].to_numpy()
        exc_t = pick + ((deliv - pick) * rng.uniform(0.4, 0.7, n)).astype(np.int64)
        # undelivered but picked up (still in transit at the as-of date)
        as_of = o["as_of"].to_numpy()
        pick_ok = scanned & (pick < as_of)
        ev = []
        trk = o["tracking"].to_numpy()
        car = o["carrier_true"].to_numpy()
        for name, mask, ts in (("label_created", np.ones(n, bool), label),
                               ("picked_up", pick_ok, pick), ("in_transit", intr, transit),
                               ("exception", exc, exc_t), ("out_for_delivery", has_del, ofd),
                               ("delivered", has_del, deliv)):
            m = mask & (ts < as_of)
            ev.append(pd.DataFrame({"t": ts[m], "tracking-number": trk[m], "carrier": car[m],
                                    "event": name}))
        e = pd.concat(ev, ignore_index=True)
        order = {"label_created": 0, "picked_up": 1, "in_transit": 2, "exception": 3,
                 "out_for_delivery": 4, "delivered": 5}
        e["k"] = e["event"].map(order)
        e = e.sort_values(["t", "tracking-number", "k"]).reset_index(drop=True)
        e["event-time"] = iso_local(e["t"].to_numpy(), tz)
        write_table(root / mp / "Delivery Events.csv",
                    ["tracking-number", "carrier", "event", "event-time"],
                    e[["tracking-number", "carrier", "event", "event-time"]], sep=",")


def write_fba_shipments(w: World, root: Path):
    """Amazon Fulfilled Shipments (GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL), last 3 months.

    One row per shipped FBA line, by local shipment month; buyer/recipient/address-line/phone
    and bill-to columns are present and empty.
    """
    rng = w.rng
    for mp in MPS:
        conf = MP[mp]
        tz = conf["tz"]
        df = _lines_view(w, mp)
        df = df[(df["channel"] == "AFN") & (df["state"] == "Shipped")]
        sday = local_day(df["ship_ts"].to_numpy(), tz)
        month = pd.DatetimeIndex(sday.astype("datetime64[s]")).strftime("%Y-%m")
        keep = np.isin(month, ["2026-08", "2026-09", "2026-10"])
        df = df[keep].sort_values(["ship_ts", "order_id", "sku"])
        month = pd.DatetimeIndex(local_day(df["ship_ts"].to_numpy(), tz).astype(
            "datetime64[s]")).strftime("%Y-%m")
        n = len(df)
        item, tax, promo, _ship = _line_money(df, mp)
        onos = df["order_no"].to_numpy()
        uniq = np.unique(onos)
        ship_id = dict(zip(uniq.tolist(), _codes(rng, len(uniq), 9, prefix="D"), strict=True))
        if mp == "US":
            carrier = np.where(rng.random(n) < 0.8, "AMZN_US", "UPS")
        else:
            carrier = np.where(rng.random(n) < 0.6, "DHL", "DPD")
        trk = np.array([""] * n, dtype=object)
        fmts = {"AMZN_US": "tba", "UPS": "ups", "DHL": "dhl_express", "DPD": "dpd_14"}
        for c in sorted(set(carrier.tolist())):
            m = np.nonzero(carrier == c)[0]
            trk[m] = make_tracking(rng, fmts[c], len(m))
        sts = df["ship_ts"].to_numpy()
        eta = sts + rng.integers(20 * 3600, 3 * 86400, n)
        city = [CITIES[mp][i] for i in df["city_idx"].to_numpy()]
        blank = [""] * n
        table = pd.DataFrame({c: blank for c in FBA_SHIPMENTS})
        table["amazon-order-id"] = df["order_id"].to_numpy()
        table["shipment-id"] = [ship_id[x] for x in onos.tolist()]
        table["shipment-item-id"] = _codes(rng, n, 9, prefix="D")
        table["amazon-order-item-id"] = df["order_item_id"].to_numpy()
        table["purchase-date"] = iso_utc(df["purchase"].to_numpy())
        table["payments-date"] = iso_utc(df["purchase"].to_numpy() + 120)
        table["shipment-date"] = iso_utc(sts)
        table["reporting-date"] = iso_utc(sts + 3600)
        table["sku"] = df["sku"].to_numpy()
        table["product-name"] = df["name"].to_numpy()
        table["quantity-shipped"] = df["qty"].astype(str).to_numpy()
        table["currency"] = conf["currency"]
        table["item-price"] = fmt_money(item, conf["dec"])
        table["item-tax"] = fmt_money(tax, conf["dec"])
        zero = fmt_money(np.zeros(n, dtype=np.int64), conf["dec"])
        for c in ("shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax",
                  "ship-promotion-discount"):
            table[c] = zero
        table["item-promotion-discount"] = fmt_money(promo, conf["dec"])
        table["ship-service-level"] = df["level"].to_numpy()
        table["ship-city"] = [c[0] for c in city]
        table["ship-state"] = [c[1] for c in city]
        table["ship-postal-code"] = [c[2] for c in city]
        table["ship-country"] = conf["country"]
        table["carrier"] = carrier
        table["tracking-number"] = trk
        table["estimated-arrival-date"] = iso_utc(eta)
        table["fulfillment-center-id"] = df["fc"].to_numpy()
        table["fulfillment-channel"] = "AFN"
        table["sales-channel"] = conf["channel"]
        for mo in ["2026-08", "2026-09", "2026-10"]:
            write_table(root / mp / f"Amazon Fulfilled Shipments {mo}.txt", FBA_SHIPMENTS,
                        table.loc[np.asarray(month == mo)])


def _inventory_state(w: World):
    """Per AFN pair and day: unsellable on hand, reserved, inbound working/shipped/receiving,
    and the full ledger table (sim receipts/shipments + returns + removals)."""
    P = len(w.pairs)
    led = w.ledger[w.ledger["event"] != "CustomerReturns"].copy()
    ret = w.returns[w.returns["channel"] == "AFN"]
    rows = pd.DataFrame({
        "pair": np.where(ret["wrong_pair"].to_numpy() >= 0, ret["wrong_pair"].to_numpy(),
                         ret["pair"].to_numpy()),
        "day": ret["return_day"].to_numpy(), "event": "CustomerReturns", "qty": 1,
        "disposition": ret["disposition"].to_numpy(), "ref": ret["order_id"].to_numpy()})
    led = pd.concat([led, rows], ignore_index=True)
    # unsellable on hand and quarterly removals
    uns = np.zeros((P, N_DAYS), dtype=np.int64)
    bad = led[led["disposition"] != "SELLABLE"]
    np.add.at(uns, (bad["pair"].to_numpy(), bad["day"].to_numpy()), bad["qty"].to_numpy())
    removal_days = [int((pd.Timestamp(d) - START).days) for d in
                    ("2025-08-15", "2025-11-15", "2026-02-15", "2026-05-15", "2026-08-15")]
    rem = []
    for rd in removal_days:
        hist = bad[bad["day"] <= rd]
        prev = [x for x in rem if x[1] <= rd]
        tot = hist.groupby(["pair", "disposition"])["qty"].sum()
        for (p, d), q in tot.items():
            q -= sum(x[2] for x in prev if x[0] == p and x[3] == d)
            if q > 0:
                rem.append((p, rd, int(q), d))
    for p, rd, q, _d in rem:
        uns[p, rd] -= q
    uns = np.cumsum(uns, axis=1)
    if rem:
        rr = pd.DataFrame(rem, columns=["pair", "day", "qty", "disposition"])
        rr["qty"] = -rr["qty"]
        rr["event"] = "VendorReturns"
        rr["ref"] = [f"removal-{d}" for d in rr["day"]]
        led = pd.concat([led, rr], ignore_index=True)
    reserved = np.round(w.sales * 0.3).astype(np.int64)
    inb = np.zeros((3, P, N_DAYS), dtype=np.int64)
    for p, placed, arrival, q, _ref in w.inbound:
        a = min(arrival, N_DAYS)
        s1 = min(placed + 3, a)
        s2 = max(s1, a - 2)
        inb[0, p, placed:s1] += q
        inb[1, p, s1:s2] += q
        inb[2, p, s2:a] += q
    return led, uns, reserved, inb


def write_inventory(w: World, root: Path):
    """FBA inventory files: Manage FBA Inventory (13 Mondays), FBA Inventory planning
    (2026-10-31), Inventory Ledger (whole period) and Restock recommendations (2026-10-31).

    Ledger: the first Receipts row per SKU is the opening stock; the cumulative sum of the
    SELLABLE quantity per SKU is the end-of-day fulfillable stock (0 exactly on stockout days).
    CustomerReturns of SWITCHEROO returns land under the SKU actually received (the other SKU
    of the confusable pair) as CUSTOMER_DAMAGED. Unsellable units are removed quarterly
    (VendorReturns). Planning metrics follow Amazon's text definitions (domain.md §2.1).
    """
    rng = w.rng
    pairs = w.pairs
    led, uns, reserved, inb = _inventory_state(w)
    w.unsellable, w.reserved, w.inb = uns, reserved, inb
    # reference ids for receipts
    refs = sorted(set(led.loc[led["event"] == "Receipts", "ref"].astype(str)) | {"opening"})
    fba_ids = dict(zip(refs, _codes(rng, len(refs), 7, prefix="FBA15"), strict=True))
    led["ref"] = np.where(led["event"] == "Receipts", led["ref"].map(fba_ids),
                          np.where(led["event"] == "Shipments", "", led["ref"]))
    evorder = {"Receipts": 0, "CustomerReturns": 1, "Shipments": 2, "VendorReturns": 3}
    led["k"] = led["event"].map(evorder)
    hour = led["event"].map({"Receipts": 10, "CustomerReturns": 14, "Shipments": 23,
                             "VendorReturns": 12}).to_numpy()
    led["sku"] = pairs["sku"].to_numpy()[led["pair"].to_numpy()]
    led = led.sort_values(["day", "sku", "k", "disposition", "ref"]).reset_index(drop=True)
    hour = led["event"].map({"Receipts": 10, "CustomerReturns": 14, "Shipments": 23,
                             "VendorReturns": 12}).to_numpy()
    w.ledger_full = led
    mon = pd.Timestamp("2026-10-31")
    mon = mon - pd.Timedelta(days=mon.day_of_week)
    mondays = [mon - pd.Timedelta(weeks=k) for k in range(12, -1, -1)]
    snap_t = N_DAYS - 1
    for mp in MPS:
        conf = MP[mp]
        tz = conf["tz"]
        dec = conf["dec"]
        idx = np.nonzero(((pairs["mp"] == mp) & (pairs["channel"] == "AFN")).to_numpy())[0]
        # ledger
        lm = led[np.isin(led["pair"], idx)]
        p = lm["pair"].to_numpy()
        days = DAYS.to_numpy().astype("datetime64[D]")[lm["day"].to_numpy()]
        dt = day_end_utc(days, tz, 0, 0, 0) + hour[np.isin(led["pair"], idx)] * 3600
        table = pd.DataFrame({
            "Date": fmt_date(days, "us" if mp == "US" else "de_dot"),
            "FNSKU": pairs["fnsku"].to_numpy()[p], "ASIN": pairs["asin"].to_numpy()[p],
            "MSKU": lm["sku"].to_numpy(), "Title": pairs["name"].to_numpy()[p],
            "Event Type": lm["event"].to_numpy(), "Reference ID": lm["ref"].to_numpy(),
            "Quantity": lm["qty"].to_numpy(), "Fulfillment Center": pairs["fc"].to_numpy()[p],
            "Disposition": lm["disposition"].to_numpy(), "Reason": "",
            "Country": conf["country"], "Reconciled Quantity": "",
            "Unreconciled Quantity": "", "Date and Time": iso_local(dt, tz), "Store": ""})
        write_table(root / mp / "Inventory Ledger.csv", LEDGER, table, sep=",")
        # Manage FBA Inventory, weekly
        for day in mondays:
            t = int((day - START).days)
            live = idx[(w.stock[idx, t] >= 0)]
            f = w.stock[live, t]
            u = uns[live, t]
            rsv = reserved[live, t]
            wk, sh, rc = inb[0, live, t], inb[1, live, t], inb[2, live, t]
            wh = f + u + rsv
            tb = pd.DataFrame({
                "sku": pairs["sku"].to_numpy()[live], "fnsku": pairs["fnsku"].to_numpy()[live],
                "asin": pairs["asin"].to_numpy()[live],
                "product-name": pairs["name"].to_numpy()[live], "condition": "New",
                "your-price": fmt_money(pairs["price_cents"].to_numpy()[live], dec),
                "mfn-listing-exists": "No", "mfn-fulfillable-quantity": "",
                "afn-listing-exists": "Yes", "afn-warehouse-quantity": wh,
                "afn-fulfillable-quantity": f, "afn-unsellable-quantity": u,
                "afn-reserved-quantity": rsv, "afn-total-quantity": wh + wk + sh + rc,
                "per-unit-volume": fmt_num(pairs["volume_ft3"].to_numpy()[live], 2, dec),
                "afn-inbound-working-quantity": wk, "afn-inbound-shipped-quantity": sh,
                "afn-inbound-receiving-quantity": rc, "afn-researching-quantity": 0,
                "afn-reserved-future-supply": 0, "afn-future-supply-buyable": 0})
            tb = tb.sort_values("sku")
            write_table(root / mp / f"Manage FBA Inventory {day:%Y-%m-%d}.txt", MYI, tb)
        # FBA Inventory planning, 2026-10-31
        t = snap_t
        live = idx[(w.stock[idx, t] >= 0)]
        plan = _planning_rows(w, live, t, uns, reserved, inb)
        tb = pd.DataFrame({
            "snapshot-date": "2026-10-31", "sku": pairs["sku"].to_numpy()[live],
            "fnsku": pairs["fnsku"].to_numpy()[live], "asin": pairs["asin"].to_numpy()[live],
            "product-name": pairs["name"].to_numpy()[live], "condition": "New",
            "available": plan["available"], "pending-removal-quantity": 0,
            "inv-age-0-to-90-days": plan["age"][:, 0], "inv-age-91-to-180-days": plan["age"][:, 1],
            "inv-age-181-to-270-days": plan["age"][:, 2],
            "inv-age-271-to-365-days": plan["age"][:, 3],
            "inv-age-366-to-455-days": plan["age"][:, 4],
            "inv-age-456-plus-days": plan["age"][:, 5], "currency": conf["currency"],
            "units-shipped-t7": plan["t7"], "units-shipped-t30": plan["t30"],
            "units-shipped-t60": plan["t60"], "units-shipped-t90": plan["t90"],
            "alert": np.where(plan["available"] == 0, "out_of_stock", ""),
            "your-price": fmt_money(pairs["price_cents"].to_numpy()[live], dec),
            "sell-through": fmt_num(plan["sell_through"], 2, dec), "storage-type": "Standard",
            "marketplace": mp, "days-of-supply": fmt_num(plan["dos"], 0, dec),
            "weeks-of-cover-t30": fmt_num(plan["woc30"], 2, dec),
            "weeks-of-cover-t90": fmt_num(plan["woc90"], 2, dec),
            "inbound-quantity": plan["inbound"], "inbound-working": inb[0, live, t],
            "inbound-shipped": inb[1, live, t], "inbound-received": inb[2, live, t],
            "Total Reserved Quantity": reserved[live, t], "unfulfillable-quantity": uns[live, t]})
        tb = tb.sort_values("sku")
        write_table(root / mp / "FBA Inventory 2026-10-31.txt", PLANNING, tb)
        write_restock(w, root, mp, live, plan)


def _planning_rows(w, live, t, uns, reserved, inb):
    """Inventory-planning metrics at day t (Amazon's text definitions, domain.md §2.1).

    sell-through = units shipped in 90 days / average end-of-day fulfillable units over the
    90 days; weeks-of-cover-t30 = average on hand over 30 days / (units shipped in 30 days / 4);
    t90 likewise with 90 days / 12; days-of-supply = available / (units shipped t30 / 30).
    Inventory age: FIFO over receipts and sellable returns (the newest units are on hand).
    """
    st = np.maximum(w.stock[live], 0)
    sl = w.sales[live]

    def win(a, n):
        return a[:, t - n + 1: t + 1]

    t7, t30, t60, t90 = (win(sl, n).sum(1) for n in (7, 30, 60, 90))
    avg30, avg90 = win(st, 30).mean(1), win(st, 90).mean(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sell = np.where(avg90 > 0, t90 / avg90, np.nan)
        woc30 = np.where(t30 > 0, avg30 / (t30 / 4.0), np.nan)
        woc90 = np.where(t90 > 0, avg90 / (t90 / 12.0), np.nan)
        dos = np.where(t30 > 0, st[:, t] / (t30 / 30.0), np.nan)
    led = w.ledger_full
    inflow = led[(led["qty"] > 0) & (led["disposition"] == "SELLABLE") & (led["day"] <= t)]
    age = np.zeros((len(live), 6), dtype=np.int64)
    edges = np.array([90, 180, 270, 365, 455])
    for k, p in enumerate(live):
        on = int(st[k, t] + reserved[p, t])
        rec = inflow[inflow["pair"] == p].sort_values("day", ascending=False)
        for d, q in zip(rec["day"].to_numpy(), rec["qty"].to_numpy(), strict=True):
            if on <= 0:
                break
            take = min(on, int(q))
            age[k, int(np.searchsorted(edges, t - d))] += take
            on -= take
    return dict(available=st[:, t], t7=t7, t30=t30, t60=t60, t90=t90, sell_through=sell,
                woc30=woc30, woc90=woc90, dos=dos, age=age,
                inbound=inb[0, live, t] + inb[1, live, t] + inb[2, live, t])


def write_restock(w: World, root: Path, mp: str, live, plan):
    """Restock Inventory recommendations (GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT).

    Our reproducible rule, not Amazon's (unpublished) model: forecast = units shipped in 30
    days / 30; order-up-to = forecast x (lead time + 30) + 2 x sqrt(forecast x lead time);
    qty = max(0, order-up-to - (available + inbound + reserved)); ship date = as-of +
    max(0, total days of supply - lead time). US dates MM/DD/YYYY, DE DD/MM/YYYY; DE cp1252.
    """
    pairs = w.pairs
    conf = MP[mp]
    dec = conf["dec"]
    t = N_DAYS - 1
    price = pairs["price_cents"].to_numpy()[live]
    avail = plan["available"]
    rsv = w.reserved[live, t]
    inbound = plan["inbound"]
    rate = plan["t30"] / 30.0
    lead = pairs["lead_time"].to_numpy()[live]
    with np.errstate(divide="ignore", invalid="ignore"):
        dos_afn = np.where(rate > 0, avail / rate, np.nan)
        dos_tot = np.where(rate > 0, (avail + inbound + rsv) / rate, np.nan)
    upto = rate * (lead + 30) + 2 * np.sqrt(rate * lead)
    qty = np.maximum(0, np.ceil(upto - (avail + inbound + rsv))).astype(np.int64)
    alert = np.where(avail == 0, "out_of_stock",
                     np.where(np.nan_to_num(dos_tot, nan=1e9) < lead, "reorder_now", ""))
    ship_in = np.where(qty > 0, np.maximum(0, np.nan_to_num(dos_tot, nan=0) - lead), 0)
    ship_day = (np.datetime64("2026-10-31") + ship_in.astype(int).astype("timedelta64[D]"))
    ship_txt = np.where(qty > 0, fmt_date(ship_day, "us" if mp == "US" else "de_slash"), "")
    tb = pd.DataFrame({
        "Country": conf["country"], "Product Name": pairs["name"].to_numpy()[live],
        "FNSKU": pairs["fnsku"].to_numpy()[live], "Merchant SKU": pairs["sku"].to_numpy()[live],
        "ASIN": pairs["asin"].to_numpy()[live], "Condition": "New", "Supplier": "",
        "Supplier part no.": "", "Currency code": conf["currency"],
        "Price": fmt_money(price, dec), "Sales last 30 days": fmt_money(plan["t30"] * price, dec),
        "Units Sold Last 30 Days": plan["t30"], "Total Units": avail + inbound + rsv,
        "Inbound": inbound, "Available": avail, "FC transfer": 0, "FC Processing": 0,
        "Customer Order": rsv, "Unfulfillable": w.unsellable[live, t],
        "Working": w.inb[0, live, t], "Shipped": w.inb[1, live, t],
        "Receiving": w.inb[2, live, t], "Fulfilled by": "Amazon",
        "Total Days of Supply (including units from open shipments)": fmt_num(dos_tot, 0, dec),
        "Days of Supply at Amazon Fulfillment Network": fmt_num(dos_afn, 0, dec),
        "Alert": alert, "Recommended replenishment qty": qty, "Recommended ship date": ship_txt,
        "Recommended action": np.where(qty > 0, "Restock", "No action"),
        "Unit storage size": "Standard-size"})
    tb = tb.sort_values("Merchant SKU")
    if mp == "DE":
        write_table(root / mp / "Restock Inventory Recommendations.txt", RESTOCK, tb,
                    encoding="cp1252", newline="\r\n")
    else:
        write_table(root / mp / "Restock Inventory Recommendations.txt", RESTOCK, tb)


def write_returns(w: World, root: Path):
    """FBA customer returns (GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA, 13 columns, comments
    empty) and the seller-fulfilled Returns Report (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE,
    33 Title-Case columns; dates YYYY-MM-DD)."""
    rng = w.rng
    pairs = w.pairs
    lines = w.lines
    for mp in MPS:
        conf = MP[mp]
        tz = conf["tz"]
        dec = conf["dec"]
        r = w.returns[(w.returns["mp"] == mp) & (w.returns["channel"] == "AFN")]
        p = r["pair"].to_numpy()
        days = DAYS.to_numpy().astype("datetime64[D]")[r["return_day"].to_numpy()]
        ts = day_end_utc(days, tz, 9, 0, 0) + rng.integers(0, 9 * 3600, len(r))
        disp = r["disposition"].to_numpy()
        tb = pd.DataFrame({
            "return-date": iso_utc(ts), "order-id": r["order_id"].to_numpy(),
            "sku": pairs["sku"].to_numpy()[p], "asin": pairs["asin"].to_numpy()[p],
            "fnsku": pairs["fnsku"].to_numpy()[p], "product-name": pairs["name"].to_numpy()[p],
            "quantity": r["qty"].to_numpy(), "fulfillment-center-id": pairs["fc"].to_numpy()[p],
            "detailed-disposition": disp, "reason": r["reason"].to_numpy(),
            "status": np.where(disp == "CARRIER_DAMAGED", "Reimbursed",
                               "Unit returned to inventory"),
            "license-plate-number": _codes(rng, len(r), 10, prefix="LPN"),
            "customer-comments": ""})
        write_table(root / mp / "FBA customer returns.txt", FBA_RETURNS, tb)
        # seller-fulfilled
        r = w.returns[(w.returns["mp"] == mp) & (w.returns["channel"] == "MFN")]
        n = len(r)
        p = r["pair"].to_numpy()
        li = r["line"].to_numpy()
        o = w.mfn.set_index("order_no").loc[lines["order_no"].to_numpy()[li]]
        rday = r["return_day"].to_numpy()
        arrive = rday + rng.integers(3, 9, n)
        arrived = arrive < N_DAYS
        dd = DAYS.to_numpy().astype("datetime64[D]")
        prepaid = rng.random(n) < 0.8
        seller_pays = np.isin(r["reason"].to_numpy(), ["CR-SWITCHEROO", "CR-DEFECTIVE",
                                                       "CR-NOT_AS_DESCRIBED",
                                                       "CR-DAMAGED_BY_CARRIER",
                                                       "CR-MISSED_ESTIMATED_DELIVERY",
                                                       "CR-QUALITY_UNACCEPTABLE"])
        label_cost = np.where(prepaid, rng.integers(450, 900, n), 0)
        carrier = np.where(mp == "US", np.where(rng.random(n) < 0.7, "USPS", "UPS"), "DHL")
        trk = np.array([""] * n, dtype=object)
        fm = {"USPS": "usps_impb", "UPS": "ups", "DHL": "dhl_express"}
        for c in sorted(set(carrier.tolist())):
            m = np.nonzero(carrier == c)[0]
            trk[m] = make_tracking(rng, fm[c], len(m))
        amount = lines["qty"].to_numpy()[li] * pairs["price_cents"].to_numpy()[p]
        refund = np.where(arrived, amount - np.where(seller_pays | ~prepaid, 0, label_cost),
                          0)
        cat = [CATEGORY[mp][c] for c in pairs["cat"].to_numpy()[p]]
        tb = pd.DataFrame({
            "Order ID": r["order_id"].to_numpy(),
            "Order date": fmt_date(dd[lines["day"].to_numpy()[li]], "iso"),
            "Return request date": fmt_date(dd[rday], "iso"),
            "Return request status": np.where(arrived, "Closed", "Approved"),
            "Amazon RMA ID": _codes(rng, n, 9, prefix="D"), "Seller RMA ID": "",
            "Label type": np.where(prepaid, "AmazonPrePaidLabel", "CustomerResourced"),
            "Label cost": fmt_money(label_cost, dec), "Currency code": conf["currency"],
            "Return carrier": carrier, "Tracking ID": trk,
            "Label to be paid by": np.where(seller_pays, "Seller", "Customer"),
            "A-to-z Claim": np.where(o["claim"].to_numpy(), "Y", "N"),
            "Is prime": np.where(o["is_prime"].to_numpy(), "Y", "N"),
            "ASIN": pairs["asin"].to_numpy()[p], "Merchant SKU": pairs["sku"].to_numpy()[p],
            "Item Name": pairs["name"].to_numpy()[p], "Return quantity": r["qty"].to_numpy(),
            "Return Reason": r["reason"].to_numpy(), "In policy": "Y",
            "Return type": "C-Returns", "Resolution": "StandardRefund", "Invoice number": "",
            "Return delivery date": np.where(arrived, fmt_date(dd[np.minimum(arrive, N_DAYS - 1)],
                                                               "iso"), ""),
            "Order Amount": fmt_money(amount, dec),
            "Order quantity": lines["qty"].to_numpy()[li], "SafeT action reason": "",
            "SafeT claim ID": "", "SafeT claim state": "", "SafeT claim creation time": "",
            "SafeT claim reimbursement amount": "",
            "Refunded Amount": np.where(arrived, fmt_money(refund, dec), ""), "Category": cat})
        write_table(root / mp / "Returns Report.txt", RETURNS_REPORT, tb)


ADS_START = pd.Timestamp("2026-08-01")
#: the All Orders file with a planted duplicate line: one with order-item-id, the real key that
#: tells a repeated line from two identical order lines (an order's two units)
DUPLICATE_LINE_MONTH = "2026-07"


def _ads_structure(rng, w: World, mp: str):
    """Campaigns, ad groups, targets and search terms of one marketplace, with per-term
    click rate, CTR, CPC and conversion (a spread: some terms never convert)."""
    pairs = w.pairs
    sub = pairs[(pairs["mp"] == mp) & (pairs["launch"] == 0)].sort_values(
        ["mu", "sku"], ascending=[False, True])
    top = sub.index[:10].to_numpy()
    de = mp == "DE"
    camps = [("SP - Auto - Kitchen" if not de else "SP - Auto - Küche", "auto", top[:4]),
             ("SP - Auto - Home" if not de else "SP - Auto - Haushalt", "auto", top[4:7]),
             ("SP - Exact - Top Sellers" if not de else "SP - Exakt - Bestseller", "EXACT",
              top[:5]),
             ("SP - Broad - Discovery" if not de else "SP - Broad - Entdeckung", "BROAD",
              top[2:8]),
             ("SP - Phrase - Long Tail" if not de else "SP - Phrase - Longtail", "PHRASE",
              top[6:10])]
    if not de:
        camps.append(("SP - Product Targeting - Competitors", "asin", top[:3]))
    terms = []
    cids = _unique_numbers(rng, len(camps) * 2, 15)
    for ci, (cname, kind, members) in enumerate(camps):
        cid, agid = "1" + cids[2 * ci][1:], "2" + cids[2 * ci + 1][1:]
        agname = {"auto": "Auto - All", "EXACT": "Exact", "BROAD": "Broad", "PHRASE": "Phrase",
                  "asin": "Competitor ASINs"}[kind]
        for p in members:
            words = pairs["name"].iat[p].lower().split()
            core = " ".join(words[:-1])  # every name ends with its colour
            color = words[-1]
            if kind == "auto":
                tg = [("close-match", "-", [core, core + " " + color, "b0" + "".join(
                    _codes(rng, 1, 8)[0]).lower()]),
                      ("loose-match", "-", [words[-2] + " " + ("set" if not de else "set"),
                                            "best " + core if not de else core + " test"]),
                      ("substitutes", "-", ["b0" + _codes(rng, 1, 8)[0].lower()]),
                      ("complements", "-", ["b0" + _codes(rng, 1, 8)[0].lower()])]
            elif kind == "asin":
                a = "B0" + _codes(rng, 1, 8)[0]
                tg = [(f'asin="{a}"', "-", [a.lower()])]
            elif kind == "EXACT":
                tg = [(core, "EXACT", [core]), (core + " " + color, "EXACT",
                                                [core + " " + color])]
            elif kind == "BROAD":
                head = words[-2] if len(words) > 2 else words[0]
                tg = [(head + " " + words[0], "BROAD",
                       [core, head + " " + words[0] + " " + color, words[0] + " " + head,
                        head + (" for kitchen" if not de else " für küche")])]
            else:
                tg = [(core, "PHRASE", [core + " large", "cheap " + core if not de else
                                        core + " günstig", core + " gift"])]
            for targeting, match, sts in tg:
                for st in sts:
                    terms.append(dict(campaign=cname, campaign_id=cid, kind=kind,
                                      ad_group=agname, ad_group_id=agid, pair=int(p),
                                      targeting=targeting, match=match, term=st))
    t = pd.DataFrame(terms)
    t = t.drop_duplicates(["campaign", "ad_group", "targeting", "term"]).reset_index(drop=True)
    n = len(t)
    cnt = t.groupby("pair")["term"].transform("count").to_numpy()
    mu = pairs["mu"].to_numpy()[t["pair"].to_numpy()]
    t["cvr"] = np.where(rng.random(n) < 0.18, 0.0, rng.uniform(0.03, 0.28, n))
    t["ctr"] = rng.uniform(0.002, 0.015, n)
    t["cpc"] = rng.uniform(0.45, 1.6, n) if not de else rng.uniform(0.3, 1.1, n)
    t["clicks_per_day"] = np.minimum(0.25 * mu / 0.12 / cnt * rng.uniform(0.4, 1.6, n), 6.0)
    t["adid"] = ["3" + x[1:] for x in _unique_numbers(rng, n, 15)]
    return t


def write_ads(w: World, root: Path):
    """Sponsored Products (2026-08-01 .. 2026-10-31): console Search term report CSV (daily
    rows with >= 1 click; headers with the trailing spaces) and Ads API v3 gzipped JSON
    (spAdvertisedProduct daily per ad, spCampaigns daily per campaign)."""
    rng = w.rng
    a0 = int((ADS_START - START).days)
    days = np.arange(a0, N_DAYS)
    nd = len(days)
    w.ads = {}
    for mp in MPS:
        conf = MP[mp]
        dec = conf["dec"]
        cur = conf["currency"]
        t = _ads_structure(rng, w, mp)
        n = len(t)
        m = w.mult[mp][days]
        lam = t["clicks_per_day"].to_numpy()[:, None] * m[None, :]
        clicks = rng.poisson(lam)
        imps = clicks + rng.poisson(lam / t["ctr"].to_numpy()[:, None])
        orders = rng.binomial(clicks, t["cvr"].to_numpy()[:, None])
        units = orders + rng.binomial(orders, 0.1)
        other = rng.binomial(units, 0.08)
        price = w.pairs["price_cents"].to_numpy()[t["pair"].to_numpy()][:, None]
        adv_sales = (units - other) * price
        oth_sales = other * price
        sales = adv_sales + oth_sales
        cpc_c = np.round(t["cpc"].to_numpy()[:, None] * 100 * rng.uniform(0.85, 1.15, (n, nd)))
        spend = (clicks * cpc_c).astype(np.int64)
        # search term CSV
        ti, di = np.nonzero(clicks > 0)
        order = np.lexsort((t["term"].to_numpy()[ti], t["targeting"].to_numpy()[ti],
                            t["ad_group"].to_numpy()[ti], t["campaign"].to_numpy()[ti], di))
        ti, di = ti[order], di[order]
        c = clicks[ti, di]
        im = imps[ti, di]
        sp = spend[ti, di]
        sa = sales[ti, di]
        od = orders[ti, di]
        un = units[ti, di]
        dd = DAYS.to_numpy().astype("datetime64[D]")[days[di]]

        def money(x, dec=dec):
            v = fmt_money(np.asarray(x, dtype=np.int64), dec, thousands=True)
            return [("$" + s) for s in v] if dec == "." else [s + " €" for s in v]

        def pct(x, dec=dec):
            return [s + "%" for s in fmt_num(np.asarray(x) * 100, 2, dec)]

        with np.errstate(divide="ignore", invalid="ignore"):
            acos = np.where(sa > 0, sp / np.where(sa > 0, sa, 1), np.nan)
            roas = np.where(sp > 0, sa / np.where(sp > 0, sp, 1), 0.0)
        tb = pd.DataFrame({
            "Date": fmt_date(dd, "us_text" if mp == "US" else "de_dot"),
            "Portfolio name": "Not grouped", "Currency": cur,
            "Campaign Name": t["campaign"].to_numpy()[ti],
            "Ad Group Name": t["ad_group"].to_numpy()[ti],
            "Targeting": t["targeting"].to_numpy()[ti], "Match Type": t["match"].to_numpy()[ti],
            "Customer Search Term": t["term"].to_numpy()[ti], "Impressions": im, "Clicks": c,
            "Click-Thru Rate (CTR)": pct(c / im), "Cost Per Click (CPC)": money(
                np.round(sp / c).astype(np.int64)),
            "Spend": money(sp), "7 Day Total Sales ": money(sa),
            "Total Advertising Cost of Sales (ACOS) ": [
                "" if math.isnan(v) else s for v, s in zip(acos, pct(np.nan_to_num(acos)),
                                                           strict=True)],
            "Total Return on Advertising Spend (ROAS)": fmt_num(roas, 2, dec),
            "7 Day Total Orders (#)": od, "7 Day Total Units (#)": un,
            "7 Day Conversion Rate": pct(od / c),
            "7 Day Advertised SKU Units (#)": un - other[ti, di],
            "7 Day Other SKU Units (#)": other[ti, di],
            "7 Day Advertised SKU Sales ": money(adv_sales[ti, di]),
            "7 Day Other SKU Sales ": money(oth_sales[ti, di])})
        write_table(root / mp / "Sponsored Products Search term report.csv", SEARCH_TERM, tb,
                    sep=",")
        # API v3: advertised product (per ad = term's ad group x sku) and campaigns
        key_ad = t.groupby(["campaign", "ad_group", "pair"], sort=True).ngroup().to_numpy()
        n_ad = key_ad.max() + 1
        agg = {}
        for name, arr in (("imp", imps), ("clk", clicks), ("cost", spend), ("ord", orders),
                          ("units", units), ("sales", sales), ("adv", adv_sales),
                          ("oth_units", other), ("oth_sales", oth_sales)):
            out = np.zeros((n_ad, nd), dtype=np.int64)
            np.add.at(out, key_ad, arr.astype(np.int64))
            agg[name] = out
        ads = t.groupby(key_ad).first()
        recs = []
        cur_code = cur
        for j in range(n_ad):
            row = ads.loc[j]
            p = int(row["pair"])
            for k in range(nd):
                im_ = int(agg["imp"][j, k])
                if im_ == 0:
                    continue
                ck = int(agg["clk"][j, k])
                cost = agg["cost"][j, k] / 100
                s7 = agg["sales"][j, k] / 100
                recs.append({
                    "date": str(DAYS[days[k]].date()), "campaignName": row["campaign"],
                    "campaignId": int(row["campaign_id"]), "adGroupName": row["ad_group"],
                    "adGroupId": int(row["ad_group_id"]), "adId": int(row["adid"]),
                    "advertisedSku": w.pairs["sku"].iat[p],
                    "advertisedAsin": w.pairs["asin"].iat[p], "impressions": im_,
                    "clicks": ck, "cost": round(cost, 2), "spend": round(cost, 2),
                    "costPerClick": round(cost / ck, 2) if ck else 0.0,
                    "clickThroughRate": round(ck / im_, 4),
                    "purchases7d": int(agg["ord"][j, k]),
                    "purchasesSameSku7d": int(agg["ord"][j, k]),
                    "unitsSoldClicks7d": int(agg["units"][j, k]),
                    "unitsSoldSameSku7d": int(agg["units"][j, k] - agg["oth_units"][j, k]),
                    "unitsSoldOtherSku7d": int(agg["oth_units"][j, k]),
                    "sales7d": round(s7, 2),
                    "attributedSalesSameSku7d": round(agg["adv"][j, k] / 100, 2),
                    "salesOtherSku7d": round(agg["oth_sales"][j, k] / 100, 2),
                    "acosClicks7d": round(cost / s7, 4) if s7 > 0 else None,
                    "roasClicks7d": round(s7 / cost, 2) if cost > 0 else None,
                    "campaignBudgetCurrencyCode": cur_code})
        payload = json.dumps(recs, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        write_gz(root / mp / "spAdvertisedProduct.json.gz", payload)
        key_c = t.groupby("campaign", sort=True).ngroup().to_numpy()
        camps = t.groupby(key_c).first()
        # daily budgets 1.05x to 2x each campaign's average daily spend: some campaigns use
        # most of their budget (a budget change matters), others little (it would not)
        u = rng.uniform(10, 60, len(camps))
        avg = np.array([spend[key_c == j].sum() / nd / 100 for j in range(len(camps))])
        budgets = np.maximum(5, np.round(avg * (1.05 + (u - 10) / 50 * 0.95))).astype(int)
        w.ads_budgets[mp] = dict(zip(camps["campaign"], budgets.tolist(), strict=True))
        recs = []
        for j in range(len(camps)):
            sel = key_c == j
            for k in range(nd):
                im_ = int(imps[sel, k].sum())
                if im_ == 0:
                    continue
                ck = int(clicks[sel, k].sum())
                cost = spend[sel, k].sum() / 100
                s7 = sales[sel, k].sum() / 100
                recs.append({
                    "date": str(DAYS[days[k]].date()), "campaignName": camps["campaign"].iat[j],
                    "campaignId": int(camps["campaign_id"].iat[j]), "campaignStatus": "ENABLED",
                    "campaignBudgetAmount": float(budgets[j]),
                    "campaignBudgetType": "DAILY_BUDGET", "campaignBudgetCurrencyCode": cur,
                    "campaignBiddingStrategy": "legacyForSales", "impressions": im_,
                    "clicks": ck, "cost": round(cost, 2),
                    "costPerClick": round(cost / ck, 2) if ck else 0.0,
                    "clickThroughRate": round(ck / im_, 4),
                    "purchases7d": int(orders[sel, k].sum()),
                    "unitsSoldClicks7d": int(units[sel, k].sum()), "sales7d": round(s7, 2),
                    "attributedSalesSameSku7d": round(adv_sales[sel, k].sum() / 100, 2)})
        payload = json.dumps(recs, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        write_gz(root / mp / "spCampaigns.json.gz", payload)
        w.ads[mp] = t


#: the Sponsored Products sheet of a bulk-operations download as Amazon writes it (bulksheets
#: 2.0: the upload columns with informational copies, then the date range's metrics)
BULK_DOWNLOAD = [
    "Product", "Entity", "Operation", "Campaign ID", "Ad Group ID", "Portfolio ID", "Ad ID",
    "Keyword ID", "Product Targeting ID", "Campaign Name", "Ad Group Name",
    "Campaign Name (Informational only)", "Ad Group Name (Informational only)",
    "Portfolio Name (Informational only)", "Start Date", "End Date", "Targeting Type", "State",
    "Campaign State (Informational only)", "Ad Group State (Informational only)",
    "Daily Budget", "SKU", "ASIN (Informational only)",
    "Eligibility Status (Informational only)", "Reason for Ineligibility (Informational only)",
    "Ad Group Default Bid", "Ad Group Default Bid (Informational only)", "Bid", "Keyword Text",
    "Native Language Keyword", "Native Language Locale", "Match Type", "Bidding Strategy",
    "Placement", "Percentage", "Product Targeting Expression",
    "Resolved Product Targeting Expression (Informational only)", "Impressions", "Clicks",
    "Click-through Rate", "Spend", "Sales", "Orders", "Units", "Conversion Rate", "ACOS", "CPC",
    "ROAS"]
#: when the sample's bulk download was "created" (written into the workbook's properties)
BULK_CREATED = "2026-11-01T07:30:00Z"


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame], created: str) -> None:
    """An XLSX with the given sheets whose bytes depend only on the content: fixed zip entry
    times and the workbook's created / modified stamps set to ``created`` (openpyxl would
    write the current time; :func:`postship_analysis.spreadsheet.reproducible_xlsx`)."""
    from .spreadsheet import reproducible_xlsx

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(reproducible_xlsx(buf.getvalue(), created))


def write_bulk_download(w: World, root: Path):
    """The advertiser's bulk-operations download per marketplace (``Bulk operations
    <MP>.xlsx``: sheets Portfolios, Sponsored Products Campaigns, Sponsored Brands Campaigns),
    with the ids of the campaigns, ad groups, product ads, keywords and product targets of the
    ads reports, their current bids (above the average CPC: bids are ceilings), daily budgets
    (those of spCampaigns), bidding strategies, one campaign in a portfolio with an end date,
    and one keyword the seller paused. Its own RNG stream, so nothing else changes."""
    rng = np.random.default_rng([w.seed, 11])
    for mp in MPS:
        t = w.ads[mp]
        SP = "Sponsored Products"
        rows = []
        camps = t.drop_duplicates("campaign").sort_values("campaign")
        strategies = ["Dynamic bids - down only", "Dynamic bids - up and down", "Fixed bid"]
        for k, (_, c) in enumerate(camps.iterrows()):
            in_pf = k == 0
            rows.append({"Entity": "Campaign", "Campaign ID": c["campaign_id"],
                         "Portfolio ID": "98765" + ("1" if mp == "US" else "2") if in_pf else "",
                         "Campaign Name": c["campaign"],
                         "Campaign Name (Informational only)": c["campaign"],
                         "Portfolio Name (Informational only)": "Core range" if in_pf else "",
                         "Start Date": "20260315", "End Date": "20270331" if in_pf else "",
                         "Targeting Type": "AUTO" if c["kind"] == "auto" else "MANUAL",
                         "State": "enabled", "Campaign State (Informational only)": "enabled",
                         "Daily Budget": w.ads_budgets[mp][c["campaign"]],
                         "Bidding Strategy": strategies[k % 3]})
            rows.append({"Entity": "Bidding Adjustment", "Campaign ID": c["campaign_id"],
                         "Campaign Name (Informational only)": c["campaign"],
                         "Bidding Strategy": strategies[k % 3],
                         "Placement": "Placement Top", "Percentage": 20})
        groups = t.drop_duplicates(["campaign", "ad_group"])
        defaults = {}
        for _, g in groups.iterrows():
            cpc = float(t.loc[(t["campaign"] == g["campaign"]) & (t["ad_group"] == g["ad_group"]),
                              "cpc"].median())
            bid = round(cpc * float(rng.uniform(1.1, 1.4)), 2)
            defaults[(g["campaign"], g["ad_group"])] = bid
            rows.append({"Entity": "Ad Group", "Campaign ID": g["campaign_id"],
                         "Ad Group ID": g["ad_group_id"], "Ad Group Name": g["ad_group"],
                         "Campaign Name (Informational only)": g["campaign"],
                         "Ad Group Name (Informational only)": g["ad_group"],
                         "State": "enabled", "Campaign State (Informational only)": "enabled",
                         "Ad Group State (Informational only)": "enabled",
                         "Ad Group Default Bid": bid,
                         "Ad Group Default Bid (Informational only)": bid})
        ads_ = t.drop_duplicates(["campaign", "ad_group", "pair"])
        for _, a in ads_.iterrows():
            p = int(a["pair"])
            rows.append({"Entity": "Product Ad", "Campaign ID": a["campaign_id"],
                         "Ad Group ID": a["ad_group_id"], "Ad ID": a["adid"],
                         "Campaign Name (Informational only)": a["campaign"],
                         "Ad Group Name (Informational only)": a["ad_group"],
                         "State": "enabled", "Campaign State (Informational only)": "enabled",
                         "Ad Group State (Informational only)": "enabled",
                         "SKU": w.pairs["sku"].iat[p],
                         "ASIN (Informational only)": w.pairs["asin"].iat[p],
                         "Eligibility Status (Informational only)": "Eligible"})
        targets = t.drop_duplicates(["campaign", "ad_group", "targeting", "match"])
        tids = ["4" + x[1:] for x in _unique_numbers(rng, len(targets), 15)]
        paused_done = False
        for (_, g), tid in zip(targets.iterrows(), tids, strict=True):
            cpc = float(t.loc[(t["campaign"] == g["campaign"]) & (t["ad_group"] == g["ad_group"])
                              & (t["targeting"] == g["targeting"]), "cpc"].mean())
            kw = g["match"] in ("EXACT", "BROAD", "PHRASE")
            own_bid = kw or rng.random() < 0.5  # auto targets may inherit the default bid
            state = "enabled"
            if kw and g["match"] == "EXACT" and not paused_done:
                state, paused_done = "paused", True  # the seller paused this keyword
            base = {"Campaign ID": g["campaign_id"], "Ad Group ID": g["ad_group_id"],
                    "Campaign Name (Informational only)": g["campaign"],
                    "Ad Group Name (Informational only)": g["ad_group"], "State": state,
                    "Campaign State (Informational only)": "enabled",
                    "Ad Group State (Informational only)": "enabled",
                    "Ad Group Default Bid (Informational only)": defaults[(g["campaign"],
                                                                          g["ad_group"])],
                    "Bid": round(cpc * float(rng.uniform(1.15, 1.5)), 2) if own_bid else ""}
            if kw:
                rows.append({**base, "Entity": "Keyword", "Keyword ID": tid,
                             "Keyword Text": g["targeting"], "Match Type": g["match"].lower()})
            else:
                rows.append({**base, "Entity": "Product Targeting", "Product Targeting ID": tid,
                             "Product Targeting Expression": g["targeting"],
                             "Resolved Product Targeting Expression (Informational only)":
                                 g["targeting"]})
        sheet = pd.DataFrame(rows).reindex(columns=BULK_DOWNLOAD).astype(object).fillna("")
        sheet["Product"] = SP
        w.bulk[mp] = sheet
        portfolios = pd.DataFrame({"Product": ["Portfolio"], "Entity": ["Portfolio"],
                                   "Operation": [""], "Portfolio ID": [
                                       "98765" + ("1" if mp == "US" else "2")],
                                   "Portfolio Name": ["Core range"], "Budget Amount": [""],
                                   "State": ["enabled"]})
        sb = pd.DataFrame(columns=["Product", "Entity", "Operation", "Campaign ID",
                                   "Portfolio ID", "Campaign Name", "Start Date", "End Date",
                                   "State", "Budget Type", "Budget", "Bid Optimization", "Bid",
                                   "Keyword Text", "Match Type"])
        write_xlsx(root / mp / f"Bulk operations {mp}.xlsx",
                   {"Portfolios": portfolios, "Sponsored Products Campaigns": sheet,
                    "Sponsored Brands Campaigns": sb}, BULK_CREATED)


def _daily_sales(w: World, mp: str):
    """Per pair and day: ordered units, order items, sales (cents) and B2B parts."""
    P = len(w.pairs)
    ok = w.lines[(w.lines["mp"] == mp) & (w.lines["status"] == "ok")]
    p, d = ok["pair"].to_numpy(), ok["day"].to_numpy()
    cents = ok["qty"].to_numpy() * ok["price_cents"].to_numpy()
    out = {}
    for name, val, mask in (("units", ok["qty"].to_numpy(), None), ("items", 1, None),
                            ("sales", cents, None),
                            ("units_b2b", ok["qty"].to_numpy(), ok["is_business"].to_numpy()),
                            ("items_b2b", 1, ok["is_business"].to_numpy()),
                            ("sales_b2b", cents, ok["is_business"].to_numpy())):
        a = np.zeros((P, N_DAYS), dtype=np.int64)
        v = np.broadcast_to(np.asarray(val), p.shape)
        if mask is None:
            np.add.at(a, (p, d), v)
        else:
            np.add.at(a, (p[mask], d[mask]), v[mask])
        out[name] = a
    return out


def write_business_reports(w: World, root: Path):
    """Business Report "Detail Page Sales and Traffic By Child Item" CSV for October 2026
    (UTF-8 with BOM; US ``$1,234.56`` / ``12.34%``, DE ``1.234,56 €`` / ``12,34%``) and the
    GET_SALES_AND_TRAFFIC_REPORT JSON (DAY granularity over the whole period, CHILD ASINs;
    money as {amount, currencyCode}, percentages 0-100)."""
    rng = w.rng
    pairs = w.pairs
    n_parents = len(PRODUCTS) + len(FAST_PRODUCTS)
    parent = dict(zip(range(n_parents), _codes(rng, n_parents, 8, prefix="B0"), strict=True))
    pv = w.sessions + rng.binomial(w.sessions, 0.28)
    mobile_s = rng.binomial(w.sessions, 0.62)
    mobile_pv = np.minimum(pv, mobile_s + rng.binomial(mobile_s, 0.25))
    b2b_s = rng.binomial(w.sessions, 0.04)
    b2b_pv = np.minimum(pv, b2b_s + rng.binomial(b2b_s, 0.2))
    o0 = int((pd.Timestamp("2026-10-01") - START).days)
    for mp in MPS:
        conf = MP[mp]
        dec = conf["dec"]
        ds = _daily_sales(w, mp)
        idx = np.nonzero((pairs["mp"] == mp).to_numpy())[0]
        sl = slice(o0, N_DAYS)
        s = w.sessions[idx, sl].sum(1)
        v = pv[idx, sl].sum(1)
        sb = b2b_s[idx, sl].sum(1)
        vb = b2b_pv[idx, sl].sum(1)
        with np.errstate(divide="ignore", invalid="ignore"):
            bb = np.where(v > 0, (pv[idx, sl] * w.buybox[idx, sl]).sum(1) / np.maximum(v, 1), 0)
        u = ds["units"][idx, sl].sum(1)
        ub = ds["units_b2b"][idx, sl].sum(1)
        keep = s > 0
        idx, s, v, sb, vb, bb, u, ub = (x[keep] for x in (idx, s, v, sb, vb, bb, u, ub))

        def money(x, dec=dec):
            t = fmt_money(np.asarray(x, dtype=np.int64), dec, thousands=True)
            return [("$" + z) for z in t] if dec == "." else [z + " €" for z in t]

        def pct(x, dec=dec):
            return [z + "%" for z in fmt_num(np.asarray(x, dtype=float) * 100, 2, dec)]

        with np.errstate(divide="ignore", invalid="ignore"):
            tb = pd.DataFrame({
                "(Parent) ASIN": [parent[b] for b in pairs["base"].to_numpy()[idx]],
                "(Child) ASIN": pairs["asin"].to_numpy()[idx],
                "Title": pairs["name"].to_numpy()[idx], "SKU": pairs["sku"].to_numpy()[idx],
                "Sessions - Total": s, "Sessions - Total - B2B": sb,
                "Session Percentage - Total": pct(s / s.sum()),
                "Session Percentage - Total - B2B": pct(sb / max(sb.sum(), 1)),
                "Page Views - Total": v, "Page Views - Total - B2B": vb,
                "Page Views Percentage - Total": pct(v / v.sum()),
                "Page Views Percentage - Total - B2B": pct(vb / max(vb.sum(), 1)),
                "Featured Offer (Buy Box) Percentage": pct(bb),
                "Featured Offer (Buy Box) Percentage - B2B": pct(bb),
                "Units Ordered": u, "Units Ordered - B2B": ub,
                "Unit Session Percentage": pct(u / s),
                "Unit Session Percentage - B2B": pct(np.where(sb > 0, ub / np.maximum(sb, 1),
                                                              0)),
                "Ordered Product Sales": money(ds["sales"][idx, sl].sum(1)),
                "Ordered Product Sales - B2B": money(ds["sales_b2b"][idx, sl].sum(1)),
                "Total Order Items": ds["items"][idx, sl].sum(1),
                "Total Order Items - B2B": ds["items_b2b"][idx, sl].sum(1)})
        tb = tb.sort_values(["(Parent) ASIN", "(Child) ASIN"])
        path = root / mp / "BusinessReport-by-child.csv"
        write_table(path, BUSINESS_REPORT, tb, sep=",", bom=True)
        write_sales_traffic(w, root, mp, ds, pv, mobile_s, mobile_pv, parent)


def write_sales_traffic(w, root, mp, ds, pv, mobile_s, mobile_pv, parent):
    """GET_SALES_AND_TRAFFIC_REPORT JSON for one marketplace (see write_business_reports)."""
    conf = MP[mp]
    cur = conf["currency"]
    pairs = w.pairs
    idx = np.nonzero((pairs["mp"] == mp).to_numpy())[0]

    def m(x):
        return {"amount": round(float(x) / 100, 2), "currencyCode": cur}

    units = ds["units"][idx].sum(0)
    items = ds["items"][idx].sum(0)
    sales = ds["sales"][idx].sum(0)
    ret = w.returns[w.returns["mp"] == mp]
    refunded = np.bincount(ret["return_day"].to_numpy(), weights=ret["qty"].to_numpy(),
                           minlength=N_DAYS).astype(np.int64)
    lines = w.lines[(w.lines["mp"] == mp) & (w.lines["state"] == "Shipped")]
    sday = local_day(lines["ship_ts"].to_numpy(), conf["tz"])
    sidx = ((sday - np.datetime64(START.date(), "D")).astype(int))
    okd = (sidx >= 0) & (sidx < N_DAYS)
    cents = lines["qty"].to_numpy() * lines["price_cents"].to_numpy()
    sh_sales = np.bincount(sidx[okd], weights=cents[okd], minlength=N_DAYS)
    sh_units = np.bincount(sidx[okd], weights=lines["qty"].to_numpy()[okd], minlength=N_DAYS)
    first = ~lines["order_no"].duplicated().to_numpy()
    sh_orders = np.bincount(sidx[okd & first], minlength=N_DAYS)
    o = w.mfn[(w.mfn["mp"] == mp)]
    oday = o["day"].to_numpy()
    granted = o["claim"].to_numpy() & (o["claim_status"].to_numpy() == "granted")
    claims = np.bincount(oday[granted], minlength=N_DAYS)
    fb_day = np.minimum(oday + 9, N_DAYS - 1)
    shipped = o["shipped"].to_numpy()
    fb_any = shipped & (w.rng.random(len(o)) < 0.06)
    neg = o["negative_feedback"].to_numpy()
    fb = np.bincount(fb_day[fb_any | neg], minlength=N_DAYS)
    nfb = np.bincount(fb_day[neg], minlength=N_DAYS)
    sess = w.sessions[idx].sum(0)
    pvs = pv[idx].sum(0)
    ms = mobile_s[idx].sum(0)
    mpv = mobile_pv[idx].sum(0)
    bbw = (pv[idx] * w.buybox[idx]).sum(0)
    live = (w.stock[idx] != 0).sum(0)
    claim_amt = np.zeros(N_DAYS)
    by_date = []
    for t in range(N_DAYS):
        u_, i_, s_ = int(units[t]), int(items[t]), int(sales[t])
        by_date.append({
            "date": str(DAYS[t].date()),
            "salesByDate": {
                "orderedProductSales": m(s_),
                "orderedProductSalesB2B": m(ds["sales_b2b"][idx, t].sum()),
                "unitsOrdered": u_, "unitsOrderedB2B": int(ds["units_b2b"][idx, t].sum()),
                "totalOrderItems": i_, "totalOrderItemsB2B": int(ds["items_b2b"][idx, t].sum()),
                "averageSalesPerOrderItem": m(s_ / i_ if i_ else 0),
                "averageUnitsPerOrderItem": round(u_ / i_, 2) if i_ else 0.0,
                "averageSellingPrice": m(s_ / u_ if u_ else 0),
                "unitsRefunded": int(refunded[t]),
                "refundRate": round(100 * refunded[t] / u_, 2) if u_ else 0.0,
                "claimsGranted": int(claims[t]), "claimsAmount": m(claim_amt[t]),
                "shippedProductSales": m(sh_sales[t]), "unitsShipped": int(sh_units[t]),
                "ordersShipped": int(sh_orders[t])},
            "trafficByDate": {
                "browserPageViews": int(pvs[t] - mpv[t]), "mobileAppPageViews": int(mpv[t]),
                "pageViews": int(pvs[t]), "browserSessions": int(sess[t] - ms[t]),
                "mobileAppSessions": int(ms[t]), "sessions": int(sess[t]),
                "buyBoxPercentage": round(100 * bbw[t] / pvs[t], 2) if pvs[t] else 0.0,
                "orderItemSessionPercentage": round(100 * i_ / sess[t], 2) if sess[t] else 0.0,
                "unitSessionPercentage": round(100 * u_ / sess[t], 2) if sess[t] else 0.0,
                "averageOfferCount": int(live[t]), "averageParentItems": int(live[t]),
                "feedbackReceived": int(fb[t]), "negativeFeedbackReceived": int(nfb[t]),
                "receivedNegativeFeedbackRate": round(100 * nfb[t] / fb[t], 2) if fb[t]
                else 0.0}})
    by_asin = []
    for p in sorted(idx.tolist(), key=lambda q: pairs["asin"].iat[q]):
        s_ = int(w.sessions[p].sum())
        if s_ == 0:
            continue
        v_ = int(pv[p].sum())
        u_ = int(ds["units"][p].sum())
        by_asin.append({
            "parentAsin": parent[int(pairs["base"].iat[p])], "childAsin": pairs["asin"].iat[p],
            "salesByAsin": {"unitsOrdered": u_, "orderedProductSales": m(ds["sales"][p].sum()),
                            "totalOrderItems": int(ds["items"][p].sum())},
            "trafficByAsin": {
                "browserSessions": s_ - int(mobile_s[p].sum()),
                "mobileAppSessions": int(mobile_s[p].sum()), "sessions": s_,
                "sessionPercentage": round(100 * s_ / sess.sum(), 2),
                "browserPageViews": v_ - int(mobile_pv[p].sum()),
                "mobileAppPageViews": int(mobile_pv[p].sum()), "pageViews": v_,
                "pageViewsPercentage": round(100 * v_ / pvs.sum(), 2),
                "buyBoxPercentage": round(100 * float((pv[p] * w.buybox[p]).sum()) / v_, 2),
                "unitSessionPercentage": round(100 * u_ / s_, 2)}})
    doc = {"reportSpecification": {
        "reportType": "GET_SALES_AND_TRAFFIC_REPORT",
        "reportOptions": {"dateGranularity": "DAY", "asinGranularity": "CHILD"},
        "dataStartTime": str(START.date()), "dataEndTime": str(END.date()),
        "marketplaceIds": [conf["mpid"]]},
        "salesAndTrafficByDate": by_date, "salesAndTrafficByAsin": by_asin}
    write_json(root / mp / "sales-and-traffic.json", doc)


def _window(end_day: str, n: int):
    end = pd.Timestamp(end_day)
    return end - pd.Timedelta(days=n - 1), end


def performance_metrics(w: World, mp: str) -> dict:
    """Account-health numbers recomputed from the planted orders (our reading of domain.md
    §1.1): ODR 60 d by order date ending 2026-10-16 (MFN and AFN); LSR 10/30 d by ship-by
    date ending 2026-10-31 (shipped orders); PFCR 7 d by order date (seller cancellations /
    MFN orders); VTR and OTDR 30 d by confirmation date ending 2026-10-21 (valid = a carrier
    scan of a correctly declared, integrated carrier; reused numbers have scans and count as
    valid); unit OTDR (US) 14 d by deliver-by date ending 2026-10-24."""
    o = w.mfn[w.mfn["mp"] == mp]
    tz = MP[mp]["tz"]
    od = pd.DatetimeIndex(DAYS[o["day"].to_numpy()])
    sb = pd.DatetimeIndex(local_day(o["ship_by"].to_numpy(), tz).astype("datetime64[s]"))
    cd = pd.DatetimeIndex(local_day(o["confirm"].to_numpy(), tz).astype("datetime64[s]"))
    dmx = pd.DatetimeIndex(local_day(o["del_max"].to_numpy(), tz).astype("datetime64[s]"))
    mfn = (o["channel"] == "MFN").to_numpy()
    res = {}
    a, b = _window("2026-10-16", 60)
    for ch in ("MFN", "AFN"):
        sel = (o["channel"] == ch).to_numpy() & (od >= a) & (od <= b) & (
            o["state"].to_numpy() != "Cancelled")
        claims = sel & o["claim_counts"].to_numpy()
        fb = sel & o["negative_feedback"].to_numpy()
        cb = sel & o["chargeback"].to_numpy()
        res[f"odr_{ch.lower()}"] = dict(window=(a, b), orders=int(sel.sum()),
                                        claims=int(claims.sum()), negative_feedback=int(fb.sum()),
                                        chargebacks=int(cb.sum()),
                                        defects=int((claims | fb | cb).sum()))
    for n in (10, 30):
        a, b = _window("2026-10-31", n)
        sel = mfn & o["shipped"].to_numpy() & (sb >= a) & (sb <= b)
        res[f"lsr_{n}"] = dict(window=(a, b), orders=int(sel.sum()),
                               late=int((sel & o["late_shipment"].to_numpy()).sum()))
    a, b = _window("2026-10-31", 7)
    sel = mfn & (od >= a) & (od <= b)
    res["pfcr"] = dict(window=(a, b), orders=int(sel.sum()),
                       cancelled=int((sel & (o["status"].to_numpy() == "seller_cancel")).sum()))
    a, b = _window("2026-10-21", 30)
    sel = mfn & o["shipped"].to_numpy() & (cd >= a) & (cd <= b)
    valid = sel & np.isin(o["tracking_problem"].to_numpy(), ["none", "reused"])
    res["vtr"] = dict(window=(a, b), shipments=int(sel.sum()), valid=int(valid.sum()))
    deliv = o["delivered"].to_numpy()
    ontime = valid & (deliv > 0) & (deliv <= o["del_max"].to_numpy())
    res["otdr"] = dict(window=(a, b), shipments=int(valid.sum()), on_time=int(ontime.sum()))
    a, b = _window("2026-10-24", 14)
    lines = w.lines.set_index("order_no")["qty"].groupby(level=0).sum()
    q = lines.reindex(o["order_no"]).to_numpy()
    sel = mfn & o["shipped"].to_numpy() & (dmx >= a) & (dmx <= b) & np.isin(
        o["tracking_problem"].to_numpy(), ["none", "reused"])
    res["unit_otdr"] = dict(window=(a, b), units=int(q[sel].sum()),
                            on_time=int(q[sel & (deliv > 0)
                                          & (deliv <= o["del_max"].to_numpy())].sum()))
    return res


def write_seller_performance(w: World, root: Path):
    """GET_V2_SELLER_PERFORMANCE_REPORT JSON (domain.md §4f shape, rates as fractions), with
    ``lateShipmentRateList`` for 10 and 30 days; values from :func:`performance_metrics`."""
    w.metrics = {}
    for mp in MPS:
        conf = MP[mp]
        r = performance_metrics(w, mp)
        w.metrics[mp] = r

        def rng_(win):
            return {"reportingDateFrom": f"{win[0]:%Y-%m-%d}T00:00Z",
                    "reportingDateTo": f"{win[1]:%Y-%m-%d}T23:59Z"}

        def rate(num, den):
            return round(num / den, 4) if den else 0.0

        def status(v, target, cond):
            ok = v < target if cond == "LESS_THAN" else v > target
            return "GOOD" if ok else "BAD"

        odr = {}
        for ch in ("mfn", "afn"):
            x = r[f"odr_{ch}"]
            v = rate(x["defects"], x["orders"])
            odr[ch] = {"reportingDateRange": rng_(x["window"]), "orderCount": x["orders"],
                       "orderWithDefects": {"count": x["defects"], "status": status(v, .01,
                                                                                    "LESS_THAN")},
                       "claims": {"count": x["claims"], "status": "NONE"},
                       "chargebacks": {"count": x["chargebacks"], "status": "NONE"},
                       "negativeFeedback": {"count": x["negative_feedback"], "status": "NONE"},
                       "fulfillmentType": ch, "status": status(v, .01, "LESS_THAN"), "rate": v,
                       "targetValue": 0.01, "targetCondition": "LESS_THAN"}
        lsr = []
        for n in (10, 30):
            x = r[f"lsr_{n}"]
            v = rate(x["late"], x["orders"])
            lsr.append({"reportingDateRange": rng_(x["window"]), "orderCount": x["orders"],
                        "lateShipmentCount": x["late"], "status": status(v, .04, "LESS_THAN"),
                        "rate": v, "targetValue": 0.04, "targetCondition": "LESS_THAN"})
        x = r["pfcr"]
        v = rate(x["cancelled"], x["orders"])
        pfcr = {"reportingDateRange": rng_(x["window"]), "orderCount": x["orders"],
                "cancellationCount": x["cancelled"], "status": status(v, .025, "LESS_THAN"),
                "rate": v, "targetValue": 0.025, "targetCondition": "LESS_THAN"}
        x = r["vtr"]
        v = rate(x["valid"], x["shipments"])
        vtr = {"reportingDateRange": rng_(x["window"]), "shipmentCount": x["shipments"],
               "validTrackingCount": x["valid"], "status": status(v, .95, "GREATER_THAN"),
               "rate": v, "targetValue": 0.95, "targetCondition": "GREATER_THAN"}
        x = r["otdr"]
        v = rate(x["on_time"], x["shipments"])
        otdr = {"reportingDateRange": rng_(x["window"]),
                "shipmentCountWithValidTracking": x["shipments"],
                "onTimeDeliveryCount": x["on_time"], "status": status(v, .97, "GREATER_THAN"),
                "rate": v, "targetValue": 0.97, "targetCondition": "GREATER_THAN"}
        x = r["unit_otdr"]
        v = rate(x["on_time"], x["units"])
        uotdr = {"reportingDateRange": rng_(x["window"]), "unitOnTimeDeliveryCount": x["on_time"],
                 "totalUnitCount": x["units"], "status": status(v, .9, "GREATER_THAN"), "rate": v,
                 "targetValue": 0.9, "targetCondition": "GREATER_THAN"}
        if mp != "US":
            uotdr = {"reportingDateRange": rng_(x["window"]), "status": "NONE"}
        long = rng_(_window("2026-10-31", 180))

        def zero(long=long):
            return {"reportingDateRange": long, "defectsCount": 0, "status": "GOOD",
                    "targetValue": 0, "targetCondition": "EQUALS"}

        metrics = {
            "marketplaceId": conf["mpid"],
            "accountHealthRating": {"ahrStatus": "GREAT", "ahrScore": 286,
                                    "accountHealthRatingStatus": "GREAT",
                                    "reportingDateRange": long},
            "orderDefectRate": odr, "lateShipmentRate": lsr[1], "lateShipmentRateList": lsr,
            "preFulfillmentCancellationRate": pfcr, "validTrackingRate": vtr,
            "onTimeDeliveryRate": otdr, "unitOnTimeDeliveryRate": uotdr,
            "invoiceDefectRate": {"reportingDateRange": rng_(_window("2026-10-31", 7)),
                                  "orderCount": r["pfcr"]["orders"],
                                  "invoiceDefect": {"count": 0, "status": "NONE"},
                                  "missingInvoice": {"count": 0, "status": "NONE"},
                                  "lateInvoice": {"count": 0, "status": "NONE"},
                                  "status": "GOOD" if mp == "DE" else "NONE", "rate": 0.0,
                                  "targetValue": 0.05, "targetCondition": "LESS_THAN"},
            "warningStates": [],
            "listingPolicyViolations": zero(), "productAuthenticityCustomerComplaints": zero(),
            "productConditionCustomerComplaints": zero(),
            "productSafetyCustomerComplaints": zero(),
            "receivedIntellectualPropertyComplaints": zero(),
            "restrictedProductPolicyViolations": zero(),
            "suspectedIntellectualPropertyViolations": zero(),
            "foodAndProductSafetyIssues": zero(), "otherPolicyViolations": zero(),
            "documentRequests": zero()}
        doc = {"accountStatuses": [{"marketplaceId": conf["mpid"], "status": "NORMAL"}],
               "performanceMetrics": [metrics]}
        write_json(root / mp / "seller-performance.json", doc, indent=2)


def write_review_requests(w: World, root: Path):
    """Review Requests.csv (our format, comma): order-id, requested-at (local ISO 8601 with
    offset), method -- the seller's log of Request a Review clicks. Own random stream
    (``default_rng([seed, 14, ...])``, changes nothing else): 30 % of the shipped orders
    purchased 2026-08-01 .. 2026-10-15 were asked 7 to 12 days after purchase."""
    w.mfn["review_requested"] = np.zeros(len(w.mfn), dtype=np.int64)
    for mp in MPS:
        tz = MP[mp]["tz"]
        sel = ((w.mfn["mp"] == mp) & w.mfn["shipped"] & (w.mfn["state"] != "Cancelled")
               ).to_numpy()
        o = w.mfn[sel]
        day = DAYS[o["day"].to_numpy()]
        rng = np.random.default_rng([w.seed, 14, len(mp)])
        pick = ((day >= "2026-08-01") & (day <= "2026-10-15")) & (rng.random(len(o)) < 0.3)
        at = o["purchase"].to_numpy() + rng.integers(7 * 86400, 12 * 86400, len(o))
        idx = np.nonzero(sel)[0][pick]
        w.mfn.iloc[idx, w.mfn.columns.get_loc("review_requested")] = at[pick]
        log = pd.DataFrame({"t": at[pick], "order-id": o["order_id"].to_numpy()[pick]})
        log = log.sort_values(["t", "order-id"])
        log["requested-at"] = iso_local(log["t"].to_numpy(), tz)
        log["method"] = "button"
        write_table(root / mp / "Review Requests.csv", ["order-id", "requested-at", "method"],
                    log[["order-id", "requested-at", "method"]], sep=",")


def write_buyer_messages(w: World, root: Path):
    """Buyer Messages.csv (our format): thread-id, order-id, received-at, first-response-at
    (empty = unanswered), category; local ISO 8601 with offset."""
    for mp in MPS:
        tz = MP[mp]["tz"]
        m = w.messages[w.messages["mp"] == mp]
        resp = m["response"].to_numpy()
        rtxt = np.where(resp > 0, iso_local(np.where(resp > 0, resp, 0), tz), "")
        # planted input defect: a first response before the message arrived (US 2, DE 1
        # pre-sale threads), which the reader must quarantine
        cand = np.nonzero((m["order_id"].to_numpy() == "") & (resp > 0))[0]
        bad = np.sort(np.random.default_rng([w.seed, 7, len(mp)]).choice(
            cand, size=2 if mp == "US" else 1, replace=False))
        early = m["received"].to_numpy()[bad] - 3600 * (2 + bad % 4)
        rtxt = rtxt.astype(object)
        rtxt[bad] = iso_local(early, tz)
        for i in bad.tolist():
            w.input_defects.append(dict(
                file=f"{SELLER_ID}/{mp}/Buyer Messages.csv", line=i + 2,
                column="first-response-at", problem="first response before received-at",
                expected="quarantined by the reader (reason: first response before the "
                         "message was received)"))
        tb = pd.DataFrame({"thread-id": m["thread_id"].to_numpy(),
                           "order-id": m["order_id"].to_numpy(),
                           "received-at": iso_local(m["received"].to_numpy(), tz),
                           "first-response-at": rtxt, "category": m["category"].to_numpy()})
        write_table(root / mp / "Buyer Messages.csv",
                    ["thread-id", "order-id", "received-at", "first-response-at", "category"],
                    tb, sep=",")


FEEDBACK_COMMENTS = {1: "Never arrived, no reply to my message", 2: "Arrived late and damaged box",
                     3: "OK product, slow delivery", 4: "Good, as described",
                     5: "Great seller, fast shipping"}
CLAIM_REASONS = {"late_delivery": "Item not received", "late_response": "Item not received",
                 "base": "Item not as described", "random": "Item not received"}


def _local_text(sec, tz, style):
    """UTC epoch seconds -> local naive text: us 'MM/DD/YYYY HH:MM:SS', de 'DD.MM.YYYY ...',
    us_short 'MM/DD/YY', de_short 'DD.MM.YY'."""
    idx = pd.DatetimeIndex(np.asarray(sec, dtype="datetime64[s]")).tz_localize("UTC")
    f = {"us": "%m/%d/%Y %H:%M:%S", "de": "%d.%m.%Y %H:%M:%S", "us_short": "%m/%d/%y",
         "de_short": "%d.%m.%y"}[style]
    return list(idx.tz_convert(tz).strftime(f))


def write_defect_files(w: World, root: Path):
    """Feedback.txt (Seller Feedback report, tab), A-to-z Claims.csv and Chargebacks.csv (our
    documented layouts, see postship_analysis.readers.defects) per marketplace.

    Feedback: US ``MM/DD/YY`` dates, ``Response`` and a ``Removed`` (Yes/blank) column; DE
    ``DD.MM.YY`` dates, ``Your Response`` and a ``Status`` column (``Removed by Amazon``).
    Comments are canned synthetic phrases and Rater Email is empty (no buyer data).
    Claims / chargebacks: local date and time (US month-first, DE day-first), amount = order
    total with the marketplace's decimal separator.
    """
    o = w.mfn
    lines = w.lines
    total = pd.Series(lines["qty"].to_numpy() * lines["price_cents"].to_numpy()).groupby(
        lines["order_no"].to_numpy()).sum()
    amount = total.reindex(o["order_no"]).fillna(0).to_numpy(dtype=np.int64)
    for mp in MPS:
        conf = MP[mp]
        tz, dec = conf["tz"], conf["dec"]
        us = mp == "US"
        sel = (o["mp"] == mp).to_numpy()
        # feedback
        f = o[sel & (o["feedback_rating"].to_numpy() > 0)].sort_values(
            ["feedback_ts", "order_id"], ascending=[False, True])
        rating = f["feedback_rating"].to_numpy()
        rem = f["feedback_removed"].to_numpy()
        fb = pd.DataFrame({
            "Date": _local_text(f["feedback_ts"].to_numpy(), tz, "us_short" if us else "de_short"),
            "Rating": rating.astype(str),
            "Comments": [FEEDBACK_COMMENTS[int(r)] for r in rating],
            "Response": np.where(rating <= 2, "We are sorry, please contact us", ""),
            "Order ID": f["order_id"].to_numpy(), "Rater Email": ""})
        if us:
            fb["Removed"] = np.where(rem, "Yes", "")
            header = ["Date", "Rating", "Comments", "Response", "Order ID", "Rater Email",
                      "Removed"]
        else:
            fb["Status"] = np.where(rem, "Removed by Amazon", "")
            header = ["Date", "Rating", "Comments", "Your Response", "Order ID", "Rater Email",
                      "Status"]
        write_table(root / mp / "Feedback.txt", header, fb)
        # claims
        c = o[sel & o["claim"].to_numpy()].sort_values(["claim_ts", "order_id"])
        st = c["claim_status"].to_numpy()
        dts = c["decision_ts"].to_numpy()
        style = "us" if us else "de"
        ids = ["AZ" + x for x in _unique_numbers(np.random.default_rng([w.seed, 4, len(c)]),
                                                  len(c), 9)]
        status_txt = {"granted": "Granted", "denied": "Denied", "pending": "Pending",
                      "withdrawn_after_grant": "Withdrawn",
                      "withdrawn_before_decision": "Withdrawn"}
        cl = pd.DataFrame({
            "Claim ID": ids, "Order ID": c["order_id"].to_numpy(),
            "Claim Date": _local_text(c["claim_ts"].to_numpy(), tz, style),
            "Reason": [CLAIM_REASONS[d] for d in c["claim_driver"]],
            "Status": [status_txt[x] for x in st],
            "Decision Date": np.where(dts > 0, _local_text(np.where(dts > 0, dts, 0), tz, style),
                                      ""),
            "Amount": fmt_money(pd.Series(amount, index=o["order_id"]).reindex(
                c["order_id"]).to_numpy(), dec),
            "Currency": conf["currency"],
            "Funded By": np.where(st == "denied", "",
                                  np.where(st == "withdrawn_before_decision", "",
                                           np.where(c["claim_amazon_funded"], "Amazon",
                                                    "Seller")))})
        write_table(root / mp / "A-to-z Claims.csv", list(cl.columns), cl, sep=",")
        # chargebacks
        b = o[sel & (o["chargeback"].to_numpy() | o["chargeback_fraud"].to_numpy())].sort_values(
            ["chargeback_ts", "order_id"])
        fr = b["chargeback_fraud"].to_numpy()
        service = np.array(["Merchandise not received", "Not as described",
                            "Credit not processed"])
        pick = np.random.default_rng([w.seed, 5, len(b)]).integers(0, 3, len(b))
        cbt = pd.DataFrame({
            "Chargeback ID": ["CB" + x for x in _unique_numbers(
                np.random.default_rng([w.seed, 6, len(b)]), len(b), 9)],
            "Order ID": b["order_id"].to_numpy(),
            "Chargeback Date": _local_text(b["chargeback_ts"].to_numpy(), tz, style),
            "Reason": np.where(fr, "Fraud - unauthorized transaction", service[pick]),
            "Status": np.where(fr, "Closed - Amazon funded", "Closed - seller funded"),
            "Amount": fmt_money(pd.Series(amount, index=o["order_id"]).reindex(
                b["order_id"]).to_numpy(), dec),
            "Currency": conf["currency"]})
        write_table(root / mp / "Chargebacks.csv", list(cbt.columns), cbt, sep=",")


def write_sku_categories(w: World, root: Path):
    """US/sku-categories.csv (our format, comma): sku, category -- the seller's mapping of the
    US SKUs to the product categories of Amazon's valid tracking page (in the US the valid
    tracking rate is judged per category). No random draws."""
    pr = w.pairs[w.pairs["mp"] == "US"].sort_values("sku")
    tb = pd.DataFrame({"sku": pr["sku"].to_numpy(),
                       "category": [CATEGORY["US"][c] for c in pr["cat"].to_numpy()]})
    write_table(root / "US" / "sku-categories.csv", ["sku", "category"], tb, sep=",")


def write_unit_costs(w: World, root: Path):
    """unit-costs.csv (our format): sku, marketplace, currency, price, cogs, fba-fee,
    referral-fee-pct (fraction), other-cost-per-unit; decimal points in both marketplaces."""
    rng = w.rng
    pr = w.pairs.sort_values(["mp", "sku"], ascending=[False, True])
    n = len(pr)
    price = pr["price_cents"].to_numpy()
    cogs = np.round(price * rng.uniform(0.22, 0.45, n)).astype(np.int64)
    fee = np.where(pr["channel"] == "AFN",
                   np.where(price < 1500, 322, np.where(price < 3000, 475, 689))
                   + rng.integers(0, 80, n), 0)
    other = rng.integers(10, 70, n)
    ref = np.where(pr["mp"] == "US", 0.15, np.where(price < 1000, 0.08, 0.15))
    tb = pd.DataFrame({"sku": pr["sku"], "marketplace": pr["mp"],
                       "currency": [MP[m]["currency"] for m in pr["mp"]],
                       "price": fmt_money(price), "cogs": fmt_money(cogs),
                       "fba-fee": fmt_money(fee), "referral-fee-pct": fmt_num(ref, 2),
                       "other-cost-per-unit": fmt_money(other)})
    w.unit_costs = tb
    # planted input defect: one SKU's cogs left empty (the reader quarantines the row)
    out = tb.reset_index(drop=True).copy()
    k = len(out) // 3
    out.loc[k, "cogs"] = ""
    w.input_defects.append(dict(
        file=f"{SELLER_ID}/unit-costs.csv", line=k + 2, column="cogs",
        problem=f"empty cogs for SKU {out.loc[k, 'sku']} ({out.loc[k, 'marketplace']})",
        expected="quarantined by the reader (reason: missing value)"))
    write_table(root / "unit-costs.csv", list(out.columns), out, sep=",")


# -------------------------------------------------------------------------------------------
# Ground truth, README, CLI
# -------------------------------------------------------------------------------------------
def monthly_multiplier(w: World, mp: str) -> dict:
    """Mean planted demand multiplier per calendar month (what the Q4 uplift test uses)."""
    s = pd.Series(w.mult[mp], index=DAYS)
    return {k.strftime("%Y-%m"): round(float(v), 4)
            for k, v in s.groupby(s.index.to_period("M")).mean().items()}


def check_ledger(w: World):
    """Self-check: cumulative SELLABLE ledger quantity == simulated end-of-day stock."""
    led = w.ledger_full[w.ledger_full["disposition"] == "SELLABLE"]
    P = len(w.pairs)
    delta = np.zeros((P, N_DAYS), dtype=np.int64)
    np.add.at(delta, (led["pair"].to_numpy(), led["day"].to_numpy()), led["qty"].to_numpy())
    cum = np.cumsum(delta, axis=1)
    afn = (w.pairs["channel"] == "AFN").to_numpy()
    st = np.where(w.stock < 0, 0, w.stock)
    bad = np.nonzero(afn & (cum != st).any(axis=1))[0]
    if len(bad):
        raise AssertionError(f"ledger does not reproduce stock for pairs {bad[:5].tolist()}")


def write_truth(w: World, truth: Path):
    """Planted ground truth (see data/sample_truth/README.md written here)."""
    truth.mkdir(parents=True, exist_ok=True)
    pairs = w.pairs
    meta = {
        "generator": "postship_analysis.sample", "generator_version": GENERATOR_VERSION,
        "seed": w.seed, "seller_id": SELLER_ID, "marketplaces": list(MPS),
        "period_start": str(START.date()), "period_end": str(END.date()),
        "as_of": str(AS_OF.date()), "ads_start": str(ADS_START.date()),
        "seasonality": {
            mp: {"weekday_mon_to_sun": [round(float(x), 4) for x in w.season[mp]["weekday"]],
                 "q4_and_january_spans": [["2025-11-01", "2025-11-20", 1.30],
                                          ["2025-11-21", "2025-11-26", 1.50],
                                          ["2025-11-27", "2025-12-01", 2.20],
                                          ["2025-12-02", "2025-12-20", 1.60],
                                          ["2025-12-21", "2025-12-24", 1.20],
                                          ["2025-12-25", "2025-12-31", 0.90],
                                          ["2026-01-01", "2026-01-31", 0.85]],
                 "prime_days": list(PRIME_DAYS), "prime_day_multiplier": 2.5,
                 "trend_per_year": 0.12, "monthly_mean_multiplier": monthly_multiplier(w, mp)}
            for mp in MPS},
        "definitions": {
            "demand": "true daily demand in units before censoring and before rank loss",
            "stockout_day": "a day whose end-of-day fulfillable FBA stock is 0",
            "lost_units": "demand (after rank loss) minus sales over the stockout days",
            "recovery": "from the first day back in stock demand is thinned by m0 + (1-m0)*k/R "
                        "for k = 0..R-1 (R = recovery_days)",
            "late_shipment": "confirmed after latest-ship-date (ship-by)",
            "late_delivery": "first delivered scan after latest-delivery-date",
            "vtr_valid": "tracking_problem in (none, reused): a carrier scan exists and the "
                         "declared carrier is right",
        },
    }
    write_json(truth / "meta.json", meta, indent=2)
    # SKU attributes
    sk = pd.DataFrame({
        "sku": pairs["sku"], "marketplace": pairs["mp"], "asin": pairs["asin"],
        "fnsku": pairs["fnsku"], "product_name": pairs["name"], "channel": pairs["channel"],
        "class": pairs["cls"], "mean_daily_demand": fmt_num(pairs["mu"], 4),
        "adi": fmt_num(pairs["adi"], 3), "mean_demand_size": fmt_num(pairs["size_mean"], 3),
        "launch_date": [str(DAYS[i].date()) for i in pairs["launch"]],
        "unit_price": fmt_money(pairs["price_cents"]),
        "currency": [MP[m]["currency"] for m in pairs["mp"]],
        "lead_time_days": pairs["lead_time"], "handling_days": pairs["handling"],
        "return_rate": fmt_num(pairs["return_rate"], 4),
        "session_conversion": fmt_num(pairs["cvr"], 4),
        "confusable_with": pairs["confusable_with"],
        "fast_mover": (pairs["fast"] if "fast" in pairs else False).astype(int)})
    sk.to_csv(truth / "skus.csv", index=False, lineterminator="\n")
    # stockout episodes
    ep = pd.DataFrame(w.episodes)
    ep = pd.DataFrame({
        "sku": pairs["sku"].to_numpy()[ep["pair"]], "marketplace": pairs["mp"].to_numpy()[ep["pair"]],
        "start": [str(DAYS[i].date()) for i in ep["start"]],
        "end": [str(DAYS[i].date()) for i in ep["end"]],
        "length_days": ep["end"] - ep["start"] + 1, "lost_units": ep["lost"],
        "planted": ep["planted"], "ongoing": ep["ongoing"],
        "recovery_initial_multiplier": ep["m0"].map(lambda x: "" if x is None or pd.isna(x)
                                                    else f"{x:.3f}"),
        "recovery_days": ep["recovery_days"].map(lambda x: "" if x is None or pd.isna(x)
                                                 else str(int(x))),
        "recovery_lost_units": ep["recovery_lost"]})
    ep = ep.sort_values(["marketplace", "sku", "start"]).reset_index(drop=True)
    ep.to_csv(truth / "stockouts.csv", index=False, lineterminator="\n")
    # daily
    P = len(pairs)
    pi = np.repeat(np.arange(P), N_DAYS)
    ti = np.tile(np.arange(N_DAYS), P)
    afn = (pairs["channel"] == "AFN").to_numpy()[pi]
    stk = w.stock.ravel()
    daily = pd.DataFrame({
        "date": np.tile(np.array([str(d.date()) for d in DAYS]), P),
        "marketplace": pairs["mp"].to_numpy()[pi], "sku": pairs["sku"].to_numpy()[pi],
        "demand": w.demand.ravel(), "rank_loss_multiplier": fmt_num(w.recovery.ravel(), 3),
        "demand_after_rank_loss": w.realised.ravel(), "sales_units": w.sales.ravel(),
        "fulfillable_end_of_day": np.where(afn & (stk >= 0), stk.astype(str), ""),
        "stockout": (afn & (stk == 0)).astype(int)})
    daily = daily[ti >= pairs["launch"].to_numpy()[pi]]
    write_gz(truth / "daily.csv.gz", daily.to_csv(index=False, lineterminator="\n").encode())
    # orders
    o = w.mfn
    tz = o["mp"].map(lambda m: MP[m]["tz"])

    def ts(col, o=o):
        v = o[col].to_numpy()
        out = np.array([""] * len(o), dtype=object)
        for mp in MPS:
            m = (o["mp"] == mp).to_numpy() & (v > 0)
            out[m] = iso_local(v[m], MP[mp]["tz"])
        return out

    mfn = (o["channel"] == "MFN").to_numpy()
    orders = pd.DataFrame({
        "order_id": o["order_id"], "marketplace": o["mp"], "channel": o["channel"],
        "status": o["state"], "purchase": ts("purchase"),
        "latest_ship": np.where(mfn, ts("ship_by"), ""),
        "latest_delivery": np.where(mfn, ts("del_max"), ""),
        "confirmed": np.where(mfn & o["shipped"], ts("confirm"), ""),
        "ship_date_typed": np.where(mfn & o["shipped"], ts("typed_ship"), ""),
        "backdated": (o["backdated"] & mfn).astype(int),
        "review_requested": ts("review_requested"),
        "delivered": np.where(mfn, ts("delivered"), ""),
        "late_shipment": (o["late_shipment"] & mfn).astype(int),
        "cancelled_by_seller": (o["status"] == "seller_cancel").astype(int),
        "cancelled_by_buyer": (o["status"] == "buyer_cancel").astype(int),
        "carrier_declared": np.where(mfn, o["carrier_declared"], ""),
        "carrier_true": np.where(mfn & o["shipped"], o["carrier_true"], ""),
        "tracking_number": o["tracking"], "tracking_problem": o["tracking_problem"],
        "reused_from": o["reused_from"],
        "vtr_valid": np.where(mfn & o["shipped"], np.isin(o["tracking_problem"],
                                                          ["none", "reused"]).astype(int)
                              .astype(str), ""),
        "late_delivery": o["late_delivery"].astype(int), "a_to_z_claim": o["claim"].astype(int),
        "claim_status": o["claim_status"],
        "negative_feedback": o["negative_feedback"].astype(int),
        "chargeback": o["chargeback"].astype(int),
        "claim_counts": o["claim_counts"].astype(int), "claim_driver": o["claim_driver"],
        "claim_filed": ts("claim_ts"), "late_response": o["late_response"].astype(int),
        "feedback_rating": np.where(o["feedback_rating"] > 0, o["feedback_rating"].astype(str),
                                    ""),
        "feedback_removed": o["feedback_removed"].astype(int),
        "chargeback_fraud": o["chargeback_fraud"].astype(int),
        "order_defect": (o["claim_counts"] | o["negative_feedback"] | o["chargeback"]).astype(
            int)})
    del tz
    orders = orders.sort_values(["marketplace", "purchase", "order_id"])
    write_gz(truth / "orders.csv.gz", orders.to_csv(index=False, lineterminator="\n").encode())
    # every feedback / claim / chargeback record written, and whether it counts in the ODR
    recs = []
    for kind, mask, detail, counts, when in (
            ("feedback", o["feedback_rating"] > 0, o["feedback_rating"].astype(str),
             o["negative_feedback"], "feedback_ts"),
            ("a_to_z_claim", o["claim"], o["claim_status"], o["claim_counts"], "claim_ts"),
            ("chargeback", o["chargeback"] | o["chargeback_fraud"],
             np.where(o["chargeback_fraud"], "fraud", "service"), o["chargeback"],
             "chargeback_ts")):
        mk = np.asarray(mask, dtype=bool)
        recs.append(pd.DataFrame({
            "marketplace": o["mp"].to_numpy()[mk], "order_id": o["order_id"].to_numpy()[mk],
            "kind": kind, "detail": np.asarray(detail, dtype=object)[mk],
            "removed": np.where(kind == "feedback", o["feedback_removed"].astype(int), 0)[mk],
            "counts_in_odr": np.asarray(counts, dtype=int)[mk],
            "at": ts(when)[mk]}))
    dfx = pd.concat(recs, ignore_index=True).sort_values(["marketplace", "kind", "order_id"])
    dfx.to_csv(truth / "defects.csv", index=False, lineterminator="\n")
    pd.DataFrame(w.input_defects, columns=["file", "line", "column", "problem", "expected"]).to_csv(
        truth / "input_defects.csv", index=False, lineterminator="\n")
    # returns
    r = w.returns
    rt = pd.DataFrame({"order_id": r["order_id"], "marketplace": r["mp"], "sku": r["sku"],
                       "channel": r["channel"],
                       "return_date": [str(DAYS[i].date()) for i in r["return_day"]],
                       "quantity": r["qty"], "reason": r["reason"],
                       "disposition": r["disposition"], "wrong_item_sku": r["wrong_sku"]})
    rt.to_csv(truth / "returns.csv", index=False, lineterminator="\n")
    # confusable pairs
    cp = pairs[pairs["confusable_with"] != ""][["mp", "sku", "confusable_with"]]
    cp = cp[cp["sku"] < cp["confusable_with"]].rename(columns={"mp": "marketplace",
                                                               "sku": "sku_a",
                                                               "confusable_with": "sku_b"})
    cp.to_csv(truth / "confusable_pairs.csv", index=False, lineterminator="\n")
    # account-health numbers
    met = {}
    for mp, r_ in w.metrics.items():
        met[mp] = {k: {kk: ([f"{vv[0]:%Y-%m-%d}", f"{vv[1]:%Y-%m-%d}"] if kk == "window"
                            else vv) for kk, vv in v.items()} for k, v in r_.items()}
    met["definitions"] = performance_metrics.__doc__.split("\n\n")[0] if False else " ".join(
        (performance_metrics.__doc__ or "").split())
    write_json(truth / "metrics.json", met, indent=2)
    (truth / "README.md").write_text(TRUTH_README, encoding="utf-8")


TRUTH_README = """# Ground truth of the synthetic sample (`data/sample/`)

Written by `python -m postship_analysis.sample` together with `data/sample/`; same seed, same
bytes. Everything here was *planted* by the generator; analytics are checked against it.

| file | what |
|---|---|
| `meta.json` | seed, seller, marketplaces, period, as-of date, generator version, seasonality (weekday factors, Q4 spans, Prime Day, trend, monthly mean multiplier) and definitions |
| `skus.csv` | per SKU and marketplace: channel (AFN/MFN), Syntetos-Boylan class, mean daily demand, ADI, mean demand size, launch date, unit price, lead time, handling days, return rate, session conversion, confusable SKU, `fast_mover` (1 = one of the hero listings, see below) |
| `confusable_pairs.csv` | the planted confusable SKU pairs (wrong-item / SWITCHEROO returns) |
| `daily.csv.gz` | per day, marketplace and SKU (from launch): true demand before censoring, rank-loss multiplier, demand after rank loss, units sold, end-of-day fulfillable stock (FBA), stockout flag |
| `stockouts.csv` | FBA stockout episodes: start, end, length, lost units, planted or not, ongoing at the end, recovery initial multiplier and recovery days, units lost during recovery |
| `orders.csv.gz` | per order: status, `review_requested` (when the seller asked for a review, empty = never), promises, confirmation time (`confirmed`: when Amazon got it) and the ship-date typed in the confirmation file (`ship_date_typed`; `backdated` = confirmed after the ship-by but typed before it), delivery time, late shipment (by confirmation time), cancelled by seller / buyer, declared and true carrier, tracking problem (missing, invalid_check_digit, wrong_carrier, other_carrier, reused, never_scanned), VTR-valid, late delivery, A-to-z claim filed (`a_to_z_claim`) with its status (granted, denied, pending, withdrawn_after_grant, withdrawn_before_decision), whether it counts in the ODR (`claim_counts`), what planted it (`claim_driver`: base, late_delivery, late_response, random) and when it was filed; `late_response` (a buyer message on the order whose first response came more than 24 h after it arrived, or none 24 h later, that mark falling before the claim if any); negative feedback that counts (1-2 stars, not removed), `feedback_rating`, `feedback_removed`; service chargeback (counts) and `chargeback_fraud` (does not); `order_defect` (any counting defect) |
| `defects.csv` | every record written to `Feedback.txt`, `A-to-z Claims.csv` and `Chargebacks.csv`: marketplace, order, kind, detail (rating / claim status / fraud or service), removed, `counts_in_odr`, local time |
| `input_defects.csv` | the planted bad input rows and how the readers must treat them (see below) |
| `returns.csv` | every return row: channel, reason, disposition, the SKU actually returned for wrong-item returns |
| `metrics.json` | the account-health counts behind `seller-performance.json`, with the windows and definitions used |

## Order defects (ODR inputs)

`Feedback.txt`, `A-to-z Claims.csv` and `Chargebacks.csv` (per marketplace) come from a
separate random stream (`default_rng([seed, 3])`), so they change nothing else. Planted: a
late response (a buyer message answered after 24 h, or not at all) gives 15 % of shipped
seller-fulfilled orders a claim 1-7 days after the 24-hour mark; a late delivery gives 10 % a
claim on top of the base rate; claims are decided 3-20 days after filing (75 % granted, 25 %
denied), undecided at the as-of date = pending, 15 % of grants withdrawn afterwards (counts),
FBA and 20 % of seller-fulfilled grants Amazon-funded (counts); 0.15 % of shipped orders get
a claim withdrawn before any decision (does not count). Feedback: the planted negative
feedback (1-2 stars), 4 % positive and 0.5 % neutral feedback, 0.1 % negative feedback removed
by Amazon (does not count). Chargebacks: the planted service chargebacks (count) and one or two
fraud chargebacks per marketplace (do not count). ODR counts in `metrics.json` use
`claim_counts`, `negative_feedback` and `chargeback` of `orders.csv.gz` (order date,
cancelled orders excluded from the orders counted).

## Planted input defects (`input_defects.csv`)

So the data overview shows the quarantine at work, a few input rows are bad on purpose:

* `US/Buyer Messages.csv` (2 rows) and `DE/Buyer Messages.csv` (1 row): a pre-sale thread whose
  `first-response-at` is before its `received-at`; the reader quarantines them.
* `unit-costs.csv`: one SKU's `cogs` is empty; the reader quarantines the row (that SKU has no
  unit cost in the loaded table).
* `US/All Orders 2026-07.txt`: one line is repeated right after itself (an exact duplicate, as
  when a download is pasted twice; same order-item-id); the reader quarantines the second copy.

`input_defects.csv` gives the file, physical line, column and expected reader behaviour of each.

## Stockouts and recovery (`stockouts.csv`, `daily.csv.gz`)

FBA stock follows a reorder-point policy sized on each SKU's expected demand; a planted
supplier delay suppresses one replenishment order, so the stock runs out naturally and the
delayed shipment arrives 2-45 days after the stock hit zero (`planted` True; other runs of
zero stock are not planted). From the first day back in stock (k = 0) demand is thinned by
m0 + (1 - m0) k / R for k < R: `recovery_initial_multiplier` m0 ~ U(0.5, 0.7),
`recovery_days` R ~ 7..28, drawn per episode; `rank_loss_multiplier` in `daily.csv.gz`.

The catalogue's 150 SKUs sell 0.05-2 units a day, mostly in lumps, and get 0-3 delays each.
The ten `fast_mover` listings (two hero products, `PS-130-*` and `PS-131-*`; six US, four
DE) sell 4.5-7 units a day (DE x 0.7) and their supplier is late every 65-95 days, so each
runs out about five times; they hold most of the units in the four weeks after a restock,
which makes the planted rank loss measurable on the sample (pooled standard error about 2.6
points, against 8.5 from the catalogue's stockouts alone). They are drawn from their own
random streams (`default_rng([seed, 15])`, `[seed, 16]`), so the catalogue's demand and stock
are the same with or without them.
"""


README = """# Synthetic sample data (not real)

Everything under `data/sample/` is **synthetic**, written by
`python -m postship_analysis.sample --out data/sample --truth data/sample_truth --seed 20251101`
(`make sample`). No real seller, buyer or order is in it; no buyer names, addresses, e-mails
or phone numbers (those columns are present but empty where Amazon's report has them). The
planted behaviour (demand classes, seasonality, stockouts and recovery, late shipments,
cancellations, tracking problems, returns, ...) is recorded in `data/sample_truth/`.

One seller (`sample-seller`) selling on Amazon.com (`US`, America/Los_Angeles, USD, decimal
point, dates MM/DD/YYYY) and Amazon.de (`DE`, Europe/Berlin, EUR, decimal comma, dates
DD.MM.YYYY or DD/MM/YYYY); orders 2025-05-01 .. 2026-10-31 (marketplace-local); reports as of
2026-11-01. Layouts follow the real exports (`../shared/domain.md` §4).

## `sample-seller/`

| file | what |
|---|---|
| `unit-costs.csv` | our format: sku, marketplace, currency, price, cogs, fba-fee, referral-fee-pct (fraction), other-cost-per-unit; one planted row with an empty cogs |
| `message-templates/*.txt` | the seller's buyer-message templates (not an export): two compliant (EN, FR neutral review requests), four that break Amazon's review or communication rules on purpose (shipping notice only; 5-star request with steering, incentive and diverting; DE only happy buyers; JA phone number and e-mail address), checked by the customer-experience report |

## `sample-seller/US/` and `sample-seller/DE/`

| file | Amazon report / format | notes |
|---|---|---|
| `All Orders YYYY-MM.txt` | GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL (tab) | one per month by local order date (US 2026-07 has one planted exact duplicate line); 32-column header (with `url`) before 2025-10, 33-column 2025-2026 header after, `order-item-id` added from 2026-06; dates UTC `+00:00`; `item-price` is the line total; cancelled rows have quantity 0 and no price; DE: decimal comma, UTF-8 with BOM |
| `Order Report YYYY-MM.txt` | seller-fulfilled order flat file (tab) | MFN lines with earliest/latest ship and delivery dates (local time with offset); `latest-ship-date` = ship-by; `is-buyer-requested-cancellation` true for the orders the buyer asked to cancel |
| `Shipment Confirmations.txt` | POST_FLAT_FILE_FULFILLMENT_DATA (tab, `TemplateType=OrderFulfillment` first line) | one row per shipped MFN order; blank order-item-id/quantity = whole (two-item) order; `ship-date` as typed (back-dated for 40 % of late confirmations; the All Orders `last-updated-date` of an MFN order is its true confirmation time) |
| `Delivery Events.csv` | our format (comma): tracking-number, carrier, event, event-time | carrier scans of MFN packages: label_created, picked_up, in_transit, exception, out_for_delivery, delivered |
| `Amazon Fulfilled Shipments YYYY-MM.txt` | GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL (tab) | FBA shipments of 2026-08 .. 2026-10; PII columns empty |
| `Manage FBA Inventory YYYY-MM-DD.txt` | GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA (tab, 21 columns) | 13 Monday snapshots (quantities at the end of that day); the date is only in the file name |
| `FBA Inventory 2026-10-31.txt` | GET_FBA_INVENTORY_PLANNING_DATA (tab, subset of the 2026 columns) | sell-through, weeks of cover, days of supply, inventory age per Amazon's text definitions |
| `Inventory Ledger.csv` | GET_LEDGER_DETAIL_VIEW_DATA (comma) | whole period: opening Receipts, replenishment Receipts, daily Shipments, CustomerReturns, quarterly VendorReturns (removal of unsellable units); cumulative SELLABLE quantity = fulfillable stock |
| `Restock Inventory Recommendations.txt` | GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT (tab, 30 columns) | as of 2026-10-31; recommendations are a simple documented rule, not Amazon's model; DE file in cp1252 with CRLF |
| `FBA customer returns.txt` | GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA (tab, 13 columns) | customer-comments empty |
| `Returns Report.txt` | GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE (tab, 33 columns) | seller-fulfilled returns; dates YYYY-MM-DD |
| `Sponsored Products Search term report.csv` | Ads console search term report (comma, daily `Date`) | 2026-08-01 .. 2026-10-31; trailing spaces in `7 Day Total Sales ` etc.; US `$1,234.56`, `12.34%`, dates `Oct 01, 2026`; DE `1.234,56 €`, `12,34%`, dates `01.10.2026`; ACOS blank without sales |
| `Bulk operations <MP>.xlsx` | Amazon Ads bulk-operations download (bulksheets 2.0), sheets Portfolios, Sponsored Products Campaigns, Sponsored Brands Campaigns | ids of every campaign, ad group, product ad, keyword and product target of the ads reports; current bids (above the average CPC), daily budgets (those of spCampaigns), bidding strategies; the first campaign is in a portfolio with an end date; one exact keyword is paused by the seller |
| `spAdvertisedProduct.json.gz`, `spCampaigns.json.gz` | Ads API v3 reports (gzipped JSON list) | daily rows, same period; `acosClicks7d` is a ratio |
| `BusinessReport-by-child.csv` | Business Report "Detail Page Sales and Traffic By Child Item" (comma, UTF-8 BOM) | October 2026; money and percentages as strings |
| `sales-and-traffic.json` | GET_SALES_AND_TRAFFIC_REPORT | DAY granularity, whole period; CHILD ASINs; money `{amount, currencyCode}`, percentages 0-100; cancelled lines excluded from ordered sales |
| `seller-performance.json` | GET_V2_SELLER_PERFORMANCE_REPORT | rates as fractions; `lateShipmentRateList` for 10 and 30 days; computed from the planted orders |
| `sku-categories.csv` (US only) | our format (comma): sku, category | the seller's SKU-to-category mapping (Kitchen, Home) for the US valid tracking rate per category |
| `Review Requests.csv` | our format (comma): order-id, requested-at, method | the seller's log of Request a Review clicks (30 % of the shipped orders of 2026-08-01 .. 2026-10-15, asked 7-12 days after purchase); these orders are never listed again |
| `Buyer Messages.csv` | our format (comma): thread-id, order-id, received-at, first-response-at, category | first-response-at empty = unanswered; pre-sale product questions have no order id; 3 planted bad rows (response before receipt) |
| `Feedback.txt` | GET_SELLER_FEEDBACK_DATA (tab): Date, Rating, Comments, Response, Order ID, Rater Email (+ `Removed` in US, `Status` in DE) | US dates `MM/DD/YY`, DE `DD.MM.YY` and `Your Response`; comments canned synthetic phrases, rater e-mail empty |
| `A-to-z Claims.csv` | A-to-z Guarantee claims, our documented layout (comma): Claim ID, Order ID, Claim Date, Reason, Status, Decision Date, Amount, Currency, Funded By | Granted / Denied / Pending / Withdrawn (with a decision date = withdrawn after grant); local date-times |
| `Chargebacks.csv` | chargeback claims, our documented layout (comma): Chargeback ID, Order ID, Chargeback Date, Reason, Status, Amount, Currency | fraud chargebacks say so in the reason |

Tracking numbers are well-formed with correct check digits (UPS 1Z, USPS IMpb, FedEx 12,
DHL Express, DPD, Deutsche Post S10, Amazon TBA) except the planted bad ones; they are
random, not real parcels. Sponsored Products numbers are drawn per search term and are not
tied to individual orders in the All Orders files.
"""


def write_readme(out: Path):
    """data/sample/README.md: every file, what it is, and that it is synthetic."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(README, encoding="utf-8")


#: The seller's buyer-message templates (``message-templates/``, checked by the customer
#: experience report against Amazon's review and communication rules). Two are compliant
#: (English and French neutral review requests); four break the rules on purpose: a
#: shipping-notice-only message (Communication Guidelines), steering and a 5-star request with
#: an incentive and diverting unhappy buyers, German: asking only happy buyers, Japanese: a
#: phone number and an e-mail address.
MESSAGE_TEMPLATES = {
    "shipped-notice.txt": (
        "Hi, your order {order_id} has shipped today with {carrier}. You can follow it with "
        "tracking number {tracking}. If anything is wrong with your order, reply to this "
        "message and we will help.\n"),
    "review-request-neutral.txt": (
        "Thank you for your order. Your feedback helps other customers: if you have a moment, "
        "please consider leaving a review of the product on Amazon.\n"),
    "review-request-bad.txt": (
        "Loved your new product? Please leave us a 5-star review! As a thank-you we will send "
        "you a $10 gift card. If you are not happy, contact us first instead of leaving a "
        "review.\n"),
    "bewertung-de.txt": (
        "Vielen Dank für Ihre Bestellung! Wenn Sie zufrieden sind, hinterlassen Sie bitte eine "
        "Bewertung auf Amazon.\n"),
    "avis-fr.txt": (
        "Bonjour, merci pour votre commande. Votre avis aide les autres clients : si vous avez "
        "un moment, laissez un avis sur le produit sur Amazon.\n"),
    "review-ja.txt": (
        "ご注文ありがとうございます。商品についてご不明な点は 03-1234-5678 または "
        "support@example.jp までご連絡ください。レビューをお待ちしております。\n"),
}


def write_message_templates(root: Path) -> None:
    """Message templates an analyst keeps beside the exports (not a report; skipped by
    the data-folder discovery)."""
    folder = root / "message-templates"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(MESSAGE_TEMPLATES.items()):
        (folder / name).write_bytes(text.encode("utf-8"))


def generate(out, truth, seed: int = DEFAULT_SEED) -> World:
    """Simulate and write the sample (``out``) and its ground truth (``truth``)."""
    out, truth = Path(out), Path(truth)
    w = build_world(seed)
    root = out / SELLER_ID
    write_all_orders(w, root)
    write_order_reports(w, root)
    write_shipment_confirmations(w, root)
    write_delivery_events(w, root)
    write_fba_shipments(w, root)
    write_inventory(w, root)
    check_ledger(w)
    write_returns(w, root)
    write_ads(w, root)
    write_bulk_download(w, root)
    write_business_reports(w, root)
    write_seller_performance(w, root)
    write_buyer_messages(w, root)
    write_review_requests(w, root)
    write_defect_files(w, root)
    write_unit_costs(w, root)
    write_sku_categories(w, root)
    write_message_templates(root)
    write_readme(out)
    write_truth(w, truth)
    return w


def main(argv=None):
    """CLI: ``python -m postship_analysis.sample --out DIR --truth DIR [--seed N]``."""
    ap = argparse.ArgumentParser(prog="python -m postship_analysis.sample",
                                 description="Write the deterministic synthetic sample data.")
    ap.add_argument("--out", default="data/sample", help="sample folder (default data/sample)")
    ap.add_argument("--truth", default="data/sample_truth",
                    help="ground-truth folder (default data/sample_truth)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    a = ap.parse_args(argv)
    generate(a.out, a.truth, a.seed)
    total = sum(f.stat().st_size for f in Path(a.out).rglob("*") if f.is_file())
    print(f"wrote {a.out} ({total / 1e6:.1f} MB) and {a.truth} with seed {a.seed}")


if __name__ == "__main__":
    main()
