"""Order-defect inputs: seller feedback, A-to-z Guarantee claims and chargeback claims.

These three downloads feed the Order Defect Rate (``../shared/domain.md`` §1.1): negative
feedback (1-2 stars), A-to-z claims that count and service chargebacks.

``seller_feedback`` (table ``feedback``)
    The Seller Feedback report, ``GET_SELLER_FEEDBACK_DATA`` (SP-API Reports API) or Seller
    Central > Performance > Feedback > Download. Tab-delimited::

        Date	Rating	Comments	Response	Order ID	Rater Email
        10/25/26	1	Never arrived		113-1234567-1234567	xyz@marketplace.amazon.com

    * ``Comments`` and ``Rater Email`` are **never read** (free text and buyer PII); neither
      is ``Response`` (``Your Response`` in some versions).
    * ``Date`` is the day the buyer left the feedback, written the marketplace's way
      (``10/25/26`` month-first on Amazon.com, ``25.10.26`` / ``25/10/26`` day-first on
      Amazon.de; four-digit years and ISO dates are accepted too): a local calendar date.
    * ``Rating`` is 1-5 stars; anything else is quarantined (reason names the value).
    * Feedback Amazon removed (struck through on the Feedback page) does not count in the ODR.
      The download has no standard column for it; we accept an optional ``Removed`` column
      (yes/no, true/false, 1/0, ``Y``) or a ``Status`` column whose text contains
      ``removed``, ``struck`` or ``deleted`` (anything else, or no such column = not removed).

``atoz_claims`` (table ``claims``)
    A-to-z Guarantee claims, Seller Central > Performance > A-to-z Guarantee Claims (export).
    **Amazon publishes no header for this download and there is no SP-API report**, so the
    layout is our documented assumption (comma- or tab-delimited, any column order)::

        Claim ID,Order ID,Claim Date,Reason,Status,Decision Date,Amount,Currency,Funded By
        C-0001,113-1234567-1234567,2026-10-02,Item not received,Granted,2026-10-12,24.99,USD,Seller

    Header aliases: ``Claim ID``/``claim-id``; ``Order ID``/``amazon-order-id``; ``Claim
    Date``/``Filed Date``/``Date Filed``/``Created``; ``Reason``/``Claim Reason``/``Claim
    Type``; ``Status``/``Claim Status``/``State``; ``Decision Date``/``Resolution Date``/
    ``Closed Date``; ``Amount``/``Claim Amount``; ``Funded By``/``Liability``/``Paid By``;
    optional ``Decision``/``Outcome`` and ``Withdrawn After Grant``.

    ``claim_status`` is normalised to ``pending``, ``granted``, ``denied``, ``withdrawn`` or
    ``closed`` (:data:`CLAIM_STATUS_RULES`): e.g. ``Open``/``Under review``/``Action
    required`` -> pending; ``Granted``/``Refunded``/``Decided in buyer's favor`` -> granted;
    ``Denied``/``Rejected``/``Decided in seller's favor`` -> denied; ``Withdrawn``/
    ``Withdrawn by buyer`` -> withdrawn. A ``Closed`` status with a ``Decision`` of
    granted/denied takes that decision. An unrecognised status is kept as written (lower
    case) and listed in the result's warnings.
    ``withdrawn_after_grant`` (counts in the ODR; withdrawn *before* a decision does not):
    the ``Withdrawn After Grant`` column where present; else a status such as ``Withdrawn
    after grant``; else, for a withdrawn claim, whether it has a ``Decision Date`` (a
    decision was made before the withdrawal). ``funded_by`` is ``seller`` or ``amazon``
    (``Amazon-funded`` grants still count).

``chargebacks`` (table ``chargebacks``)
    Chargeback claims, Seller Central > Performance > Chargeback Claims (export). Again no
    public header, so this is our assumption::

        Chargeback ID,Order ID,Chargeback Date,Reason,Status,Amount,Currency
        CB-0001,113-1234567-1234567,2026-10-05,Item not received,Closed - seller funded,24.99,USD

    Aliases: ``Chargeback ID``/``Claim ID``/``Case ID``; ``Chargeback Date``/``Date``/
    ``Received Date``; ``Reason``/``Reason Code``/``Chargeback Reason``. ``is_fraud`` comes
    from an optional ``Fraud``/``Is Fraud`` column (yes/no) or else from the reason: it
    contains ``fraud``, ``unauthori[sz]ed``, ``not authori[sz]ed``, ``card not present`` or
    ``unrecognised/unrecognized``. Fraud chargebacks do not count in the ODR; service ones
    (item not received, not as described, credit not processed...) do.

In all three, ``Order ID`` is required and a row without it is quarantined; the same record
twice (same claim id / chargeback id, or same order, date and rating for feedback) is
quarantined as a duplicate.

>>> # from postship_analysis.readers.defects import read_seller_feedback
>>> # read_seller_feedback("Feedback.txt", marketplace="DE").data[["order_id", "rating"]]
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .core import Field, ReadResult, ReportSpec, blank_mask, parse_bool, reader, register
from .shipments import Reject, _norm_label, read_with_checks

# ---------------------------------------------------------------------------------------------
# Seller feedback
# ---------------------------------------------------------------------------------------------

SELLER_FEEDBACK = register(ReportSpec(
    report_type="seller_feedback",
    title="Seller Feedback report",
    table="feedback",
    amazon_name="GET_SELLER_FEEDBACK_DATA",
    where="Seller Central > Performance > Feedback > Download (or SP-API report "
          "GET_SELLER_FEEDBACK_DATA); Comments and Rater Email are never read",
    key=("order_id", "feedback_date", "rating"),
    fields=(
        Field("feedback_date", ("Date", "Feedback Date"), "date", required=True, notnull=True),
        Field("rating", ("Rating", "Stars"), "int", required=True, notnull=True, min_value=1),
        Field("order_id", ("Order ID", "order-id", "amazon-order-id"), required=True,
              notnull=True),
        Field("removed", ("Removed", "Is Removed", "Struck Through", "Status",
                          "Feedback Status"), "bool"),
    ),
))

_REMOVED_WORDS = re.compile(r"remov|struck|strike|deleted|entfernt|supprim", re.I)


def _rating_range(data: pd.DataFrame, raw: pd.DataFrame) -> list[Reject]:
    bad = (data["rating"] > 5).fillna(False).to_numpy(dtype=bool)
    return [Reject(bad, "rating", "rating must be 1 to 5 stars", raw.get("rating"))]


def _removed_text(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Pre-check: ``Removed`` yes/no values or ``Status`` text -> ``true``/``false``."""
    if "removed" not in raw.columns:
        return raw, []
    s = raw["removed"].astype("string")
    b = parse_bool(s)
    text = s.str.contains(_REMOVED_WORDS, na=False)
    flag = b.fillna(text).fillna(False).astype(bool)
    raw = raw.assign(removed=np.where(flag.to_numpy(), "true", "false"))
    return raw, []


@reader("seller_feedback")
def read_seller_feedback(path, *, seller_id="default", marketplace=None,
                         columns=None) -> ReadResult:
    """Read the Seller Feedback report (tab-delimited) to ``feedback``.

    Parameters
    ----------
    path : the downloaded ``.txt`` (or a CSV/XLSX in the same layout).
    seller_id : account the file belongs to.
    marketplace : marketplace code; decides how ``10/11/26`` is read (US month-first, DE
        day-first).
    columns : canonical columns needed.

    Returns
    -------
    ReadResult of table ``feedback``: ``feedback_date`` (local date), ``rating`` (1-5),
    ``order_id``, ``removed`` (False unless the file says it was removed).

    Examples
    --------
    >>> # res = read_seller_feedback("Feedback.txt", marketplace="US")
    >>> # res.data.query("rating <= 2 and not removed")   # negative feedback that counts
    """
    res = read_with_checks(path, SELLER_FEEDBACK, seller_id=seller_id, marketplace=marketplace,
                           columns=columns, pre=[_removed_text], post=[_rating_range])
    res.data["removed"] = res.data["removed"].fillna(False).astype("boolean")
    return res


# ---------------------------------------------------------------------------------------------
# A-to-z Guarantee claims
# ---------------------------------------------------------------------------------------------

ATOZ_CLAIMS = register(ReportSpec(
    report_type="atoz_claims",
    title="A-to-z Guarantee claims download",
    table="claims",
    amazon_name="(no SP-API report; Seller Central export, header assumed)",
    where="Seller Central > Performance > A-to-z Guarantee Claims > export; layout in "
          "postship_analysis.readers.defects",
    key=("claim_id", "order_id"),
    fields=(
        Field("claim_id", ("Claim ID", "claim-id", "A-to-z Claim ID", "Claim Number"),
              required=True, notnull=True),
        Field("order_id", ("Order ID", "order-id", "amazon-order-id"), required=True,
              notnull=True),
        Field("claim_ts", ("Claim Date", "Filed Date", "Date Filed", "Claim Filed Date",
                           "Created", "Created Date", "claim-date"), "ts", required=True,
              notnull=True),
        Field("claim_reason", ("Reason", "Claim Reason", "Claim Type", "reason-code")),
        Field("claim_status", ("Status", "Claim Status", "State"), required=True,
              notnull=True),
        Field("decision", ("Decision", "Outcome", "Resolution")),
        Field("decision_ts", ("Decision Date", "Resolution Date", "Closed Date",
                              "Decided Date", "decision-date"), "ts"),
        Field("amount", ("Amount", "Claim Amount", "Amount Claimed"), "money"),
        Field("currency", ("Currency", "currency-code")),
        Field("funded_by", ("Funded By", "Liability", "Paid By", "Funding")),
        Field("withdrawn_after_grant", ("Withdrawn After Grant", "withdrawn-after-grant"),
              "bool"),
    ),
))

#: (regular expression on the normalised status text, canonical status); first match wins
CLAIM_STATUS_RULES: tuple[tuple[str, str], ...] = (
    (r"\bwithdr\w* after (?:grant|decision|refund)|\bgranted\b.*\bwithdr", "withdrawn_after_grant"),
    (r"\bwithdr|\bcancel+ed by (?:the )?buyer|\bretracted", "withdrawn"),
    (r"\bden(?:y|ied)\b|\breject|\bsellers? favou?r|\bin favou?r of (?:the )?seller|"
     r"\bnot granted|\babgelehnt", "denied"),
    (r"\bgrant|\bapprov|\brefund|\bbuyers? favou?r|\bin favou?r of (?:the )?buyer|"
     r"\breimburs|\bpaid\b|\bgewährt", "granted"),
    (r"\bpending|\bopen|\bunder (?:review|investigation)|\bin progress|\baction required|"
     r"\bawaiting|\bwaiting|\bnew\b|\bsubmitted|\boffen", "pending"),
    (r"\bclos", "closed"),
)


def normalise_claim_status(status: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Map claim-status text to (canonical status, withdrawn-after-grant flag from the text).

    >>> s, w = normalise_claim_status(pd.Series(["Under review", "Decided in seller's favor",
    ...                                          "Withdrawn after grant", "Refunded"]))
    >>> s.tolist(), w.tolist()
    (['pending', 'denied', 'withdrawn', 'granted'], [False, False, True, False])
    """
    n = _norm_label(status)
    out = pd.Series(pd.NA, index=status.index, dtype="string")
    after = pd.Series(False, index=status.index, dtype="boolean")
    for rx, canon in CLAIM_STATUS_RULES:
        m = out.isna() & n.str.contains(rx, regex=True, na=False)
        if canon == "withdrawn_after_grant":
            after = after | m
            out = out.mask(m, "withdrawn")
        else:
            out = out.mask(m, canon)
    return out, after.astype("boolean")


def _funded_by(s: pd.Series) -> pd.Series:
    n = _norm_label(s)
    out = pd.Series(pd.NA, index=s.index, dtype="string")
    out = out.mask(n.str.contains("amazon", na=False), "amazon")
    out = out.mask(out.isna() & n.str.contains(r"seller|merchant|you", na=False), "seller")
    return out.fillna(n).astype("string")


CLAIM_STATUSES = ("pending", "granted", "denied", "withdrawn", "closed")


def _claim_status_text(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Pre-check: status text (and a ``Decision`` for closed claims) -> canonical status;
    ``withdrawn after grant`` wording -> the ``withdrawn_after_grant`` flag. Unrecognised
    statuses stay as written (the reader lists them in its warnings)."""
    if "claim_status" not in raw.columns:
        return raw, []
    status, after_text = normalise_claim_status(raw["claim_status"].astype("string"))
    if "decision" in raw.columns:
        dec, dec_after = normalise_claim_status(raw["decision"].astype("string"))
        refine = (status == "closed").fillna(False) & dec.isin(["granted", "denied"])
        status = status.mask(refine, dec)
        after_text = after_text | dec_after
    new = status.fillna(raw["claim_status"].astype("string").str.strip())
    explicit = raw["withdrawn_after_grant"] if "withdrawn_after_grant" in raw.columns else \
        pd.Series("", index=raw.index)
    explicit = explicit.astype("string").fillna("")
    filled = explicit.mask((explicit.str.strip() == "") & after_text.to_numpy(dtype=bool),
                           "true")
    return raw.assign(claim_status=new.fillna(""), withdrawn_after_grant=filled), []


@reader("atoz_claims")
def read_atoz_claims(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read an A-to-z Guarantee claims download (layout in the module docstring) to ``claims``.

    ``claim_status`` becomes ``pending``/``granted``/``denied``/``withdrawn``/``closed``;
    ``withdrawn_after_grant`` is set for every row (False unless the claim was withdrawn after
    a decision); ``funded_by`` is ``seller`` or ``amazon``. Naive dates are marketplace-local.

    >>> # res = read_atoz_claims("A-to-z Claims.csv", marketplace="US")
    >>> # res.data.groupby("claim_status").size()
    """
    res = read_with_checks(path, ATOZ_CLAIMS, seller_id=seller_id, marketplace=marketplace,
                           columns=columns, pre=[_claim_status_text])
    d = res.data
    status = d["claim_status"].astype("string")
    unknown = ~status.isin(CLAIM_STATUSES).fillna(False) & ~blank_mask(status)
    if unknown.any():
        counts = status[unknown].str.strip().value_counts()
        res.warnings.append(
            f"{int(unknown.sum())} claim(s) with an unrecognised status kept as written "
            "(counted in the ODR like a pending claim): "
            + ", ".join(f"{v!r} ({k})" for v, k in counts.head(10).items())
            + f"; known: {', '.join(CLAIM_STATUSES)}")
        d["claim_status"] = status.mask(unknown, status.str.strip().str.lower())
    withdrawn = (d["claim_status"] == "withdrawn").fillna(False)
    implied = withdrawn & d["decision_ts"].notna()
    after = d["withdrawn_after_grant"].astype("boolean").fillna(implied).fillna(False)
    d["withdrawn_after_grant"] = (after & withdrawn).astype("boolean")
    d["funded_by"] = _funded_by(d["funded_by"].astype("string"))
    res.data = d
    return res


# ---------------------------------------------------------------------------------------------
# Chargebacks
# ---------------------------------------------------------------------------------------------

CHARGEBACKS = register(ReportSpec(
    report_type="chargebacks",
    title="Chargeback claims download",
    table="chargebacks",
    amazon_name="(no SP-API report; Seller Central export, header assumed)",
    where="Seller Central > Performance > Chargeback Claims > export; layout in "
          "postship_analysis.readers.defects",
    key=("chargeback_id", "order_id"),
    fields=(
        Field("chargeback_id", ("Chargeback ID", "chargeback-id", "Case ID"),
              required=True, notnull=True),
        Field("order_id", ("Order ID", "order-id", "amazon-order-id"), required=True,
              notnull=True),
        Field("chargeback_ts", ("Chargeback Date", "Received Date", "Date Received",
                                "Chargeback Received", "chargeback-date"), "ts",
              required=True, notnull=True),
        Field("reason", ("Reason", "Reason Code", "Chargeback Reason"), required=True),
        Field("is_fraud", ("Fraud", "Is Fraud", "Fraudulent"), "bool"),
        Field("status", ("Status", "Chargeback Status", "State")),
        Field("amount", ("Amount", "Chargeback Amount"), "money"),
        Field("currency", ("Currency", "currency-code")),
    ),
))

FRAUD_REASON = re.compile(r"fraud|unauthori[sz]ed|not authori[sz]ed|card not present|"
                          r"unrecogni[sz]ed|not recogni[sz]ed|stolen card", re.I)


@reader("chargebacks")
def read_chargebacks(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read a chargeback claims download (layout in the module docstring) to ``chargebacks``.

    ``is_fraud`` is the file's ``Fraud`` column where present, else derived from the reason
    (:data:`FRAUD_REASON`); fraud chargebacks do not count in the ODR.

    >>> # res = read_chargebacks("Chargebacks.csv", marketplace="DE")
    >>> # res.data.query("not is_fraud")   # service chargebacks: ODR defects
    """
    res = read_with_checks(path, CHARGEBACKS, seller_id=seller_id, marketplace=marketplace,
                           columns=columns)
    d = res.data
    from_reason = d["reason"].astype("string").str.contains(FRAUD_REASON, na=False)
    d["is_fraud"] = d["is_fraud"].astype("boolean").fillna(from_reason).astype("boolean")
    res.data = d
    return res


__all__ = ["ATOZ_CLAIMS", "CHARGEBACKS", "CLAIM_STATUSES", "CLAIM_STATUS_RULES", "FRAUD_REASON",
           "SELLER_FEEDBACK", "normalise_claim_status", "read_atoz_claims", "read_chargebacks",
           "read_seller_feedback"]
