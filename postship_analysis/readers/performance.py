"""Seller performance report -> the ``account_health`` table (domain.md §4f).

``GET_V2_SELLER_PERFORMANCE_REPORT`` (SP-API Reports API, JSON; the data behind Seller
Central > Performance > Account Health). Its schema (``accountHealthReport-2020-11-18.json``)
and the documents Amazon actually returns disagree, so it is parsed tolerantly:

* the schema's names and the drift names are both accepted: ``prefulfillmentCancelRate`` =
  ``preFulfillmentCancellationRate``, ``warningState`` = ``warningStates``,
  ``documentRequest`` = ``documentRequests``, ``ahrStatus`` = ``accountHealthRatingStatus``;
* ``lateShipmentRateList`` (real responses: the 10-day and the 30-day late shipment rate) gives
  one ``lateShipmentRate`` row per window; the top-level ``lateShipmentRate`` (the 30-day one)
  is not counted twice;
* a metric the schema requires but the document lacks is skipped with a warning; a metric key
  we do not know is read generically (window, rate, status, target) with a warning.

One row per metric x reporting window x fulfilment channel, per marketplace:

* rate metrics with their counts: ``lateShipmentRate`` (lateShipmentCount / orderCount),
  ``preFulfillmentCancellationRate`` (cancellationCount / orderCount), ``validTrackingRate``
  (validTrackingCount / shipmentCount), ``onTimeDeliveryRate`` (onTimeDeliveryCount /
  shipmentCountWithValidTracking), ``unitOnTimeDeliveryRate`` (unitOnTimeDeliveryCount /
  totalUnitCount, US only), all seller-fulfilled by definition (``fulfillment_channel`` MFN);
* ``orderDefectRate`` for MFN and AFN (orderWithDefects / orderCount) and its components as
  their own rows ``orderDefectRate.claims``, ``orderDefectRate.chargebacks``,
  ``orderDefectRate.negativeFeedback`` (count / orderCount: Amazon gives the counts only, the
  component rate is its definition); likewise ``invoiceDefectRate`` with
  ``invoiceDefectRate.missingInvoice`` and ``.lateInvoice``;
* policy metrics (``listingPolicyViolations``, ``productAuthenticityCustomerComplaints``...,
  ``documentRequests``): ``numerator`` = defectsCount, no rate;
* ``accountHealthRating`` (status GREAT / WARNED...), ``warningStates.<warningType>``
  (status), ``policyViolationWarnings`` (numerator = warningsCount) and ``accountStatus``
  (from ``accountStatuses``: NORMAL, AT_RISK, SUSPENDED...; no window).

Rates are fractions as in the schema (0.032 = 3.2 %); a rate above 1 can only be a
percentage and is divided by 100 with a warning. Windows are UTC timestamps.

Example
-------
>>> # h = read_seller_performance("GET_V2_SELLER_PERFORMANCE_REPORT.json").data
>>> # h[h.metric == "lateShipmentRate"][["window_from", "window_to", "rate"]]
"""

from __future__ import annotations

from pathlib import Path

from .. import contract
from ..errors import WrongReportError
from .core import Field, ReadResult, ReportSpec, load_json, read_records, reader, register

SELLER_PERFORMANCE = register(ReportSpec(
    report_type="seller_performance_json",
    title="Seller performance report (JSON)",
    table="account_health",
    amazon_name="GET_V2_SELLER_PERFORMANCE_REPORT",
    where="SP-API Reports API: createReport with reportType GET_V2_SELLER_PERFORMANCE_REPORT "
          "(the data of Seller Central > Performance > Account Health)",
    fields=(
        Field("marketplace_id", ("marketplaceId",)),
        Field("metric", ("metric",), required=True, notnull=True),
        Field("fulfillment_channel", ("fulfillmentChannel",)),
        Field("window_from", ("reportingDateFrom",), "ts"),
        Field("window_to", ("reportingDateTo",), "ts"),
        Field("rate", ("rate",), "float", min_value=0),
        Field("numerator", ("numerator",), "int", min_value=0),
        Field("denominator", ("denominator",), "int", min_value=0),
        Field("target_value", ("targetValue",), "float"),
        Field("target_condition", ("targetCondition",)),
        Field("status", ("status",)),
    ),
))

#: rate metric -> (numerator key, denominator key, fulfilment channel)
RATE_METRICS = {
    "lateShipmentRate": ("lateShipmentCount", "orderCount", "MFN"),
    "preFulfillmentCancellationRate": ("cancellationCount", "orderCount", "MFN"),
    "validTrackingRate": ("validTrackingCount", "shipmentCount", "MFN"),
    "onTimeDeliveryRate": ("onTimeDeliveryCount", "shipmentCountWithValidTracking", "MFN"),
    "unitOnTimeDeliveryRate": ("unitOnTimeDeliveryCount", "totalUnitCount", "MFN"),
}
POLICY_METRICS = (
    "listingPolicyViolations", "productAuthenticityCustomerComplaints",
    "productConditionCustomerComplaints", "productSafetyCustomerComplaints",
    "receivedIntellectualPropertyComplaints", "restrictedProductPolicyViolations",
    "suspectedIntellectualPropertyViolations", "foodAndProductSafetyIssues",
    "otherPolicyViolations", "documentRequests",
)
#: drift name -> schema name
DRIFT = {"prefulfillmentCancelRate": "preFulfillmentCancellationRate",
         "warningState": "warningStates", "documentRequest": "documentRequests"}
#: required by the schema (unitOnTimeDeliveryRate only expected in the US)
EXPECTED = ("orderDefectRate", "lateShipmentRate", "preFulfillmentCancellationRate",
            "validTrackingRate", "onTimeDeliveryRate", "unitOnTimeDeliveryRate",
            "invoiceDefectRate", "accountHealthRating", "warningStates") + POLICY_METRICS
_ODR_PARTS = ("claims", "chargebacks", "negativeFeedback")
_INVOICE_PARTS = ("missingInvoice", "lateInvoice")


def _count(v):
    """A count written as a number or as ``{count, status}``."""
    return v.get("count") if isinstance(v, dict) else v


def _base(mid, metric, m: dict, channel=None) -> dict:
    rng = m.get("reportingDateRange") or {}
    return {"marketplaceId": mid, "metric": metric, "fulfillmentChannel": channel,
            "reportingDateFrom": rng.get("reportingDateFrom"),
            "reportingDateTo": rng.get("reportingDateTo"),
            "rate": m.get("rate"), "targetValue": m.get("targetValue"),
            "targetCondition": m.get("targetCondition"), "status": m.get("status")}


def _component(base: dict, metric: str, part: dict | int | None, denominator) -> dict:
    count = _count(part)
    rate = None
    if isinstance(count, (int, float)) and isinstance(denominator, (int, float)) and denominator:
        rate = count / denominator
    return {**base, "metric": metric, "numerator": count, "denominator": denominator,
            "rate": rate, "targetValue": None, "targetCondition": None,
            "status": part.get("status") if isinstance(part, dict) else None}


def _metric_rows(mid, name: str, value, warnings: list) -> list[dict]:
    """Rows of one metric of one marketplace's performanceMetrics entry."""
    if name == "orderDefectRate":
        rows = []
        for ch, m in (value or {}).items():
            if not isinstance(m, dict):
                continue
            b = _base(mid, name, m, ch.upper())
            denom = m.get("orderCount")
            rows.append({**b, "numerator": _count(m.get("orderWithDefects")),
                         "denominator": denom})
            rows += [_component(b, f"{name}.{p}", m[p], denom) for p in _ODR_PARTS if p in m]
        return rows
    if name == "invoiceDefectRate":
        b = _base(mid, name, value)
        denom = value.get("orderCount")
        return ([{**b, "numerator": _count(value.get("invoiceDefect")), "denominator": denom}]
                + [_component(b, f"{name}.{p}", value[p], denom)
                   for p in _INVOICE_PARTS if p in value])
    if name == "lateShipmentRateList":
        return [r for m in value or [] if isinstance(m, dict)
                for r in _metric_rows(mid, "lateShipmentRate", m, warnings)]
    if name in RATE_METRICS:
        num, den, ch = RATE_METRICS[name]
        return [{**_base(mid, name, value, ch), "numerator": value.get(num),
                 "denominator": value.get(den)}]
    if name == "accountHealthRating":
        b = _base(mid, name, value)
        b["status"] = value.get("accountHealthRatingStatus") or value.get("ahrStatus")
        return [b]
    if name == "warningStates":
        return [{"marketplaceId": mid, "metric": f"warningStates.{w.get('warningType')}",
                 "status": w.get("status")} for w in value or [] if isinstance(w, dict)]
    if name == "policyViolationWarnings":
        return [{**_base(mid, name, value), "numerator": value.get("warningsCount")}]
    if name in POLICY_METRICS:
        return [{**_base(mid, name, value), "numerator": value.get("defectsCount")}]
    if isinstance(value, dict):
        warnings.append(f"unrecognised metric {name!r} read generically")
        return [{**_base(mid, name, value), "numerator": value.get("defectsCount")}]
    warnings.append(f"unrecognised entry {name!r} ignored")
    return []


def flatten_performance(doc: dict, warnings: list | None = None) -> list[dict]:
    """The report as flat records (one per metric, window and channel), before validation."""
    warnings = [] if warnings is None else warnings
    rows: list[dict] = []
    for st in doc.get("accountStatuses") or []:
        if isinstance(st, dict):
            rows.append({"marketplaceId": st.get("marketplaceId"), "metric": "accountStatus",
                         "status": st.get("status")})
    for entry in doc.get("performanceMetrics") or []:
        if not isinstance(entry, dict):
            continue
        mid = entry.get("marketplaceId")
        present = set()
        for key, value in entry.items():
            if key == "marketplaceId" or value is None:
                continue
            name = DRIFT.get(key, key)
            if not isinstance(value, (dict, list)):
                warnings.append(f"{mid}: {key!r} is not an object; ignored")
                continue
            present.add("lateShipmentRate" if name == "lateShipmentRateList" else name)
            rows += _metric_rows(mid, name, value, warnings)
        us = mid == contract.marketplace("US").marketplace_id
        for name in EXPECTED:
            if name not in present and (us or name != "unitOnTimeDeliveryRate"):
                warnings.append(f"{mid}: metric {name} absent from the report; skipped")
    # the top-level lateShipmentRate repeats the 30-day entry of lateShipmentRateList
    seen: dict[tuple, dict] = {}
    out = []
    for r in rows:
        k = (r.get("marketplaceId"), r.get("metric"), r.get("fulfillmentChannel"),
             r.get("reportingDateFrom"), r.get("reportingDateTo"))
        if k in seen and r.get("reportingDateFrom") is not None:
            if seen[k] != r:
                warnings.append(f"{k[0]}: two different {k[1]} entries for the window "
                                f"{k[3]}..{k[4]}; the first is kept")
            continue
        seen[k] = r
        out.append(r)
    return out


@reader("seller_performance_json")
def read_seller_performance(path, *, seller_id="default", marketplace=None,
                            columns=None) -> ReadResult:
    """Read a ``GET_V2_SELLER_PERFORMANCE_REPORT`` JSON document to ``account_health``.

    See the module docstring for the rows produced. ``marketplace`` is only a fallback for rows
    whose ``marketplaceId`` is missing or unknown: every marketplace in the document is read and
    labelled from its id. ``columns`` is accepted for a uniform signature. Quarantine ``line``
    is the row number in the flattened order (account statuses, then each marketplace's
    metrics in document order).

    >>> # read_seller_performance("performance.json").data.query("metric == 'orderDefectRate'")
    """
    path = Path(path)
    doc = load_json(path)
    if not isinstance(doc, dict) or not ({"performanceMetrics", "accountStatuses"} & set(doc)):
        raise WrongReportError(path, "no performanceMetrics / accountStatuses section",
                               "a GET_V2_SELLER_PERFORMANCE_REPORT JSON document")
    warnings: list[str] = []
    records = flatten_performance(doc, warnings)
    res = read_records(records, SELLER_PERFORMANCE, path=str(path), seller_id=seller_id,
                       marketplace=marketplace)
    d = res.data
    big = d["rate"] > 1
    if big.any():
        d.loc[big, "rate"] = d.loc[big, "rate"] / 100.0
        warnings.append(f"{int(big.sum())} rate(s) above 1 read as percentages and divided "
                        "by 100")
    ids = d["marketplace_id"].dropna().unique()
    code_of = {}
    for i in ids:
        try:
            code_of[i] = contract.marketplace(i).code
        except Exception:
            warnings.append(f"unknown marketplaceId {i!r}")
    codes = d["marketplace_id"].map(code_of).astype("string")
    d["marketplace"] = codes.fillna(d["marketplace"])
    res.data = contract.conform(d, "account_health")
    res.warnings.extend(warnings)
    return res


__all__ = ["SELLER_PERFORMANCE", "flatten_performance", "read_seller_performance"]
