"""Readers of the order-defect inputs: Seller Feedback report, A-to-z claims, chargebacks.

Fixtures are typed from the Seller Feedback header (Date, Rating, Comments, Response, Order ID,
Rater Email) and from our documented claims / chargebacks layouts; the expected values are
read off the fixture rows by hand.
"""

from __future__ import annotations

import pandas as pd
from conftest import SAMPLE, SAMPLE_TRUTH

from postship_analysis.readers import defects as rd
from postship_analysis.readers.detect import detect_file

FB_US = (
    "Date\tRating\tComments\tResponse\tOrder ID\tRater Email\n"
    "10/25/26\t1\tNever \"arrived\", a tab-free comment\t\t111-0000001-0000001\tx@example.invalid\n"
    "1/5/26\t5\tGreat\t\t111-0000002-0000002\t\n"
    "12/31/25\t6\tSix stars?\t\t111-0000003-0000003\t\n"
    "12/30/25\t\tno rating\t\t111-0000004-0000004\t\n"
    "12/29/25\t2\tLate\tSorry\t\t\n"
)


def test_feedback_us_dates_ratings_and_quarantine(write):
    res = rd.read_seller_feedback(write("Feedback.txt", FB_US), seller_id="s", marketplace="US")
    assert res.rows_read == 5 and res.accepted == 2 and res.rejected == 3
    d = res.data
    assert d["order_id"].tolist() == ["111-0000001-0000001", "111-0000002-0000002"]
    # month-first two-digit years on Amazon.com
    assert d["feedback_date"].tolist() == [pd.Timestamp("2026-10-25"), pd.Timestamp("2026-01-05")]
    assert d["rating"].tolist() == [1, 5]
    assert d["removed"].tolist() == [False, False]
    q = res.quarantine.set_index("line")
    assert q.loc[4, "reason"] == "rating must be 1 to 5 stars" and q.loc[4, "column"] == "Rating"
    assert q.loc[5, "reason"] == "missing value"
    assert q.loc[6, "column"] == "Order ID"
    # the comments and the rater e-mail are never read
    assert "Comments" in res.unknown_columns and "Rater Email" in res.unknown_columns
    assert not any("arrived" in str(v) for v in d.astype("string").to_numpy().ravel())


def test_feedback_de_day_first_your_response_and_status_removed(write):
    text = ("Date\tRating\tComments\tYour Response\tOrder ID\tRater Email\tStatus\n"
            "25.10.26\t1\tKaputt\t\t302-0000001-0000001\t\tRemoved by Amazon\n"
            "05.01.26\t2\tSpät\t\t302-0000002-0000002\t\t\n"
            "04.01.26\t4\tGut\t\t302-0000003-0000003\t\t\n")
    res = rd.read_seller_feedback(write("fb.txt", text), marketplace="DE")
    assert res.rejected == 0
    assert res.data["feedback_date"].tolist()[:2] == [pd.Timestamp("2026-10-25"),
                                                      pd.Timestamp("2026-01-05")]
    assert res.data["removed"].tolist() == [True, False, False]


def test_feedback_removed_yes_no_column(write):
    text = ("Date\tRating\tComments\tResponse\tOrder ID\tRater Email\tRemoved\n"
            "10/01/26\t1\tx\t\t111-1\t\tYes\n10/02/26\t1\tx\t\t111-2\t\tno\n"
            "10/03/26\t1\tx\t\t111-3\t\t\n")
    res = rd.read_seller_feedback(write("fb.txt", text))
    assert res.data["removed"].tolist() == [True, False, False]


CLAIMS = (
    "Claim ID,Order ID,Claim Date,Reason,Status,Decision Date,Amount,Currency,Funded By\n"
    "C1,111-1,10/02/2026 14:00:00,Item not received,Granted,10/12/2026 09:00:00,24.99,USD,Seller\n"
    "C2,111-2,10/03/2026 00:00:00,Not as described,Decided in seller's favor,10/10/2026 00:00:00,10.00,USD,\n"
    "C3,111-3,10/04/2026 00:00:00,Item not received,Under review,,5.00,USD,\n"
    "C4,111-4,10/05/2026 00:00:00,Item not received,Withdrawn,,5.00,USD,\n"
    "C5,111-5,10/06/2026 00:00:00,Item not received,Withdrawn,10/09/2026 00:00:00,5.00,USD,Seller\n"
    "C6,111-6,10/07/2026 00:00:00,Item not received,Granted,10/20/2026 00:00:00,7.50,USD,Amazon-funded\n"
    "C7,111-7,10/08/2026 00:00:00,Item not received,Escalated to the moon,,7.50,USD,\n"
    "C7,111-7,10/08/2026 00:00:00,Item not received,Escalated to the moon,,7.50,USD,\n"
    ",111-8,10/08/2026 00:00:00,Item not received,Granted,,7.50,USD,\n"
)


def test_claims_statuses_withdrawn_after_grant_and_funding(write):
    res = rd.read_atoz_claims(write("claims.csv", CLAIMS), seller_id="s", marketplace="US")
    assert res.rows_read == 9 and res.accepted == 7 and res.rejected == 2
    d = res.data.set_index("claim_id")
    assert d["claim_status"].to_dict() == {
        "C1": "granted", "C2": "denied", "C3": "pending", "C4": "withdrawn", "C5": "withdrawn",
        "C6": "granted", "C7": "escalated to the moon"}
    # withdrawn with a decision date = withdrawn after the grant (counts); without = before
    assert d["withdrawn_after_grant"].to_dict() == {
        "C1": False, "C2": False, "C3": False, "C4": False, "C5": True, "C6": False, "C7": False}
    assert d.loc["C6", "funded_by"] == "amazon" and d.loc["C1", "funded_by"] == "seller"
    # 14:00 Los Angeles (PDT, UTC-7) on 2 Oct 2026 is 21:00 UTC
    assert d.loc["C1", "claim_ts"] == pd.Timestamp("2026-10-02T21:00:00Z")
    assert pd.isna(d.loc["C3", "decision_ts"])
    assert d.loc["C6", "amount"] == 7.5
    assert any("escalated to the moon" in w.lower() for w in res.warnings)
    reasons = sorted(res.quarantine["reason"].tolist())
    assert reasons == ["duplicate of line 8", "missing value"]  # C7 on lines 8 and 9


def test_claims_explicit_flag_closed_decision_and_decimal_comma(write):
    text = ("Claim ID;Order ID;Claim Date;Status;Decision;Decision Date;Amount;Currency;"
            "Withdrawn After Grant\n"
            "C1;302-1;02.10.2026;Closed;Granted;09.10.2026;24,99;EUR;\n"
            "C2;302-2;03.10.2026;Withdrawn;;;1.234,50;EUR;yes\n"
            "C3;302-3;04.10.2026;Closed;Denied;09.10.2026;3,00;EUR;\n")
    res = rd.read_atoz_claims(write("claims.csv", text), marketplace="DE")
    d = res.data.set_index("claim_id")
    assert d["claim_status"].tolist() == ["granted", "withdrawn", "denied"]
    assert d["withdrawn_after_grant"].tolist() == [False, True, False]
    assert d["amount"].tolist() == [24.99, 1234.5, 3.0]
    # 02.10.2026 local midnight in Berlin (CEST, UTC+2)
    assert d.loc["C1", "claim_ts"] == pd.Timestamp("2026-10-01T22:00:00Z")


def test_chargebacks_fraud_from_reason_or_column(write):
    text = ("Chargeback ID,Order ID,Chargeback Date,Reason,Status,Amount,Currency\n"
            "CB1,111-1,2026-10-02,Merchandise not received,Open,10.00,USD\n"
            "CB2,111-2,2026-10-03,Fraud - unauthorized transaction,Closed,11.00,USD\n"
            "CB3,111-3,2026-10-04,Card not present,Closed,12.00,USD\n"
            "CB4,111-4,2026-10-05,Credit not processed,Closed,13.00,USD\n")
    res = rd.read_chargebacks(write("cb.csv", text))
    assert res.data["is_fraud"].tolist() == [False, True, True, False]
    text2 = ("Chargeback ID,Order ID,Chargeback Date,Reason,Fraud\n"
             "CB1,111-1,2026-10-02,Other,yes\nCB2,111-2,2026-10-03,Fraudulent?,no\n")
    res2 = rd.read_chargebacks(write("cb2.csv", text2))
    assert res2.data["is_fraud"].tolist() == [True, False]  # the explicit column wins


def test_detection_of_the_three_layouts(write):
    assert detect_file(write("a.txt", FB_US)).report_type == "seller_feedback"
    assert detect_file(write("b.csv", CLAIMS)).report_type == "atoz_claims"
    cb = ("Chargeback ID,Order ID,Chargeback Date,Reason,Status,Amount,Currency\n"
          "CB1,111-1,2026-10-02,Other,Open,1.00,USD\n")
    assert detect_file(write("c.csv", cb)).report_type == "chargebacks"


def test_sample_files_read_cleanly_and_match_the_truth():
    truth = pd.read_csv(SAMPLE_TRUTH / "defects.csv", keep_default_na=False)
    for mp in ("US", "DE"):
        base = SAMPLE / "sample-seller" / mp
        fb = rd.read_seller_feedback(base / "Feedback.txt", marketplace=mp)
        cl = rd.read_atoz_claims(base / "A-to-z Claims.csv", marketplace=mp)
        cb = rd.read_chargebacks(base / "Chargebacks.csv", marketplace=mp)
        for r in (fb, cl, cb):
            assert r.rejected == 0 and r.warnings == []
        t = truth[truth["marketplace"] == mp]
        tf = t[t["kind"] == "feedback"]
        assert len(fb.data) == len(tf)
        assert int(fb.data["removed"].sum()) == int(tf["removed"].sum())
        tc = t[t["kind"] == "a_to_z_claim"].set_index("order_id")["detail"]
        got = cl.data.set_index("order_id")
        expect = tc.map({"granted": "granted", "denied": "denied", "pending": "pending",
                         "withdrawn_after_grant": "withdrawn",
                         "withdrawn_before_decision": "withdrawn"})
        assert got["claim_status"].sort_index().tolist() == expect.sort_index().tolist()
        after = (tc == "withdrawn_after_grant").sort_index()
        assert got["withdrawn_after_grant"].sort_index().tolist() == after.tolist()
        tb = t[t["kind"] == "chargeback"].set_index("order_id")["detail"].sort_index()
        assert (cb.data.set_index("order_id")["is_fraud"].sort_index().tolist()
                == (tb == "fraud").tolist())
