"""FBA and seller-fulfilled returns readers (domain.md §4d headers, written here as fixtures)."""

from __future__ import annotations

import pandas as pd
import pytest

from postship_analysis import contract
from postship_analysis.readers.detect import detect_file
from postship_analysis.readers.returns import read_fba_returns, read_mfn_returns

FBA_13 = ["return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity",
          "fulfillment-center-id", "detailed-disposition", "reason", "status",
          "license-plate-number", "customer-comments"]

MFN_33 = ["Order ID", "Order date", "Return request date", "Return request status",
          "Amazon RMA ID", "Seller RMA ID", "Label type", "Label cost", "Currency code",
          "Return carrier", "Tracking ID", "Label to be paid by", "A-to-z Claim", "Is prime",
          "ASIN", "Merchant SKU", "Item Name", "Return quantity", "Return Reason", "In policy",
          "Return type", "Resolution", "Invoice number", "Return delivery date", "Order Amount",
          "Order quantity", "SafeT action reason", "SafeT claim ID", "SafeT claim state",
          "SafeT claim creation time", "SafeT claim reimbursement amount", "Refunded Amount",
          "Category"]

COMMENT = "Call me at 555-0100, Jane Doe, 12 Elm St"


def tsv(header, rows):
    lines = ["\t".join(header)]
    lines += ["\t".join(str(r.get(h, "")) for h in header) for r in rows]
    return "\n".join(lines) + "\n"


def fba_row(order, qty, **kw):
    r = {"return-date": "2025-01-15T08:12:33+00:00", "order-id": order, "sku": "CASE-1",
         "asin": "B0CASE0001", "fnsku": "X00CASE001", "product-name": "Phone case",
         "quantity": qty, "fulfillment-center-id": "LEX1",
         "detailed-disposition": "CUSTOMER_DAMAGED", "reason": "NOT_COMPATIBLE",
         "status": "Unit returned to inventory", "license-plate-number": "LPN" + order[-4:],
         "customer-comments": COMMENT}
    r.update(kw)
    return r


def mfn_row(order, qty, **kw):
    r = {h: "" for h in MFN_33}
    r.update({"Order ID": order, "Order date": "10-Jul-2025",
              "Return request date": "14-Jul-2025", "Return request status": "Approved",
              "Amazon RMA ID": "DfqRyqfBRRMA", "Label type": "AmazonPrePaidLabel",
              "Label cost": "4.14", "Currency code": "USD", "Return carrier": "USPS",
              "Label to be paid by": "Seller", "A-to-z Claim": "N", "Is prime": "N",
              "ASIN": "B0NECK0001", "Merchant SKU": "NECK-925", "Item Name": "Necklace",
              "Return quantity": qty, "Return Reason": "AMZ-PG-WJ-TOO-SMALL", "In policy": "Y",
              "Return type": "C-Returns", "Resolution": "StandardRefund",
              "Order Amount": "21.38", "Order quantity": "2", "Refunded Amount": "21.38",
              "Category": "Jewelry"})
    r.update(kw)
    return r


def test_fba_returns_13_columns(write):
    p = write("FBA customer returns.txt",
              tsv(FBA_13, [fba_row("111-0000001-0000001", "1"),
                           fba_row("111-0000002-0000002", "2", **{
                               "detailed-disposition": "SELLABLE", "reason": "SWITCHEROO"})]))
    res = read_fba_returns(p, seller_id="acme", marketplace="US")
    assert (res.rows_read, res.accepted, res.rejected) == (2, 2, 0)
    contract.validate(res.data, "returns")
    d = res.data.iloc[0]
    assert d["return_ts"] == pd.Timestamp("2025-01-15 08:12:33", tz="UTC")
    assert (d["order_id"], d["sku"], d["asin"]) == ("111-0000001-0000001", "CASE-1",
                                                   "B0CASE0001")
    assert (d["disposition"], d["reason"]) == ("CUSTOMER_DAMAGED", "NOT_COMPATIBLE")
    assert d["status"] == "Unit returned to inventory"
    assert res.data["fulfillment_channel"].eq("AFN").all()
    assert res.data["quantity"].sum() == 3
    assert res.data["refunded_amount"].isna().all()
    assert detect_file(p).report_type == "fba_returns"


def test_fba_returns_never_reads_customer_comments(write):
    p = write("FBA customer returns.txt", tsv(FBA_13, [fba_row("111-0000001-0000001", "1")]))
    res = read_fba_returns(p)
    text = res.data.astype("string").fillna("").to_numpy().ravel().tolist()
    assert not any("555-0100" in v or "Jane" in v for v in text)
    assert "customer-comments" in res.unknown_columns  # present in the file, never converted


def test_fba_negative_quantity_quarantined_with_line(write):
    rows = [fba_row("111-0000001-0000001", "1"), fba_row("111-0000002-0000002", "-1"),
            fba_row("111-0000003-0000003", "1")]
    p = write("FBA customer returns.txt", tsv(FBA_13, rows))
    res = read_fba_returns(p)
    assert (res.rows_read, res.accepted, res.rejected) == (3, 2, 1)
    q = res.quarantine.iloc[0]
    # header is line 1, the second data row is line 3
    assert (q["line"], q["column"], q["value"]) == (3, "quantity", "-1")
    assert "negative" in q["reason"]
    assert q["file"] == str(p)


def test_mfn_returns_33_columns(write):
    rows = [mfn_row("113-6277818-6289068", "2"),
            mfn_row("113-0000000-0000002", "1", **{"Return request date": "02-Aug-2025",
                                                    "Refunded Amount": "",
                                                    "Return request status": "Pending"})]
    p = write("Returns Report.txt", tsv(MFN_33, rows))
    res = read_mfn_returns(p, seller_id="acme", marketplace="US")
    assert (res.rows_read, res.accepted, res.rejected) == (2, 2, 0)
    contract.validate(res.data, "returns")
    d = res.data.iloc[0]
    # 14 July 2025, local midnight in Seattle (PDT = UTC-7) is 07:00 UTC
    assert d["return_ts"] == pd.Timestamp("2025-07-14 07:00", tz="UTC")
    assert (d["order_id"], d["sku"], d["asin"]) == ("113-6277818-6289068", "NECK-925",
                                                   "B0NECK0001")
    assert d["quantity"] == 2 and d["reason"] == "AMZ-PG-WJ-TOO-SMALL"
    assert d["status"] == "Approved"
    assert d["refunded_amount"] == pytest.approx(21.38) and d["currency"] == "USD"
    assert pd.isna(d["disposition"])
    assert res.data["fulfillment_channel"].eq("MFN").all()
    e = res.data.iloc[1]
    assert e["return_ts"] == pd.Timestamp("2025-08-02 07:00", tz="UTC")
    assert pd.isna(e["refunded_amount"])
    assert detect_file(p).report_type == "mfn_returns"


def test_mfn_returns_2025_header_variant_and_negative_quantity(write):
    # a 2025 US download: "Merchant RMA ID", "A-to-Z Claim", "SafeT claim id", no Category
    header = [h for h in MFN_33 if h != "Category"]
    header = ["Merchant RMA ID" if h == "Seller RMA ID" else
              "A-to-Z Claim" if h == "A-to-z Claim" else h for h in header]
    rows = [mfn_row("113-0000000-0000001", "1"), mfn_row("113-0000000-0000002", "-2")]
    p = write("Returns Report.txt", tsv(header, rows))
    res = read_mfn_returns(p, marketplace="US")
    assert (res.accepted, res.rejected) == (1, 1)
    q = res.quarantine.iloc[0]
    assert (q["line"], q["column"], q["value"]) == (3, "return quantity", "-2")


def test_mfn_returns_de_numeric_dates(write):
    rows = [mfn_row("302-0000000-0000001", "1", **{"Return request date": "05.08.2025",
                                                   "Currency code": "EUR",
                                                   "Refunded Amount": "21,38"})]
    p = write("Returns Report.txt", tsv(MFN_33, rows))
    d = read_mfn_returns(p, marketplace="DE").data.iloc[0]
    # 5 August 2025 00:00 in Berlin (CEST = UTC+2) is 4 August 22:00 UTC
    assert d["return_ts"] == pd.Timestamp("2025-08-04 22:00", tz="UTC")
    assert d["refunded_amount"] == pytest.approx(21.38)
