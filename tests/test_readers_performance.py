"""GET_V2_SELLER_PERFORMANCE_REPORT JSON -> account_health."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import realdata

from postship_analysis.errors import WrongReportError
from postship_analysis.readers import performance
from postship_analysis.readers.detect import detect_file


def _row(d: pd.DataFrame, metric: str, channel=None, **match) -> pd.Series:
    m = d["metric"] == metric
    if channel is not None:
        m &= d["fulfillment_channel"] == channel
    for k, v in match.items():
        m &= d[k] == v
    rows = d[m]
    assert len(rows) == 1, (metric, channel, len(rows))
    return rows.iloc[0]


# ---------------------------------------------------------------------------------------------
# Amazon's schema example (sp-api-schema-examples/seller-performance-report.example.json)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    path = realdata("sp-api-schema-examples", "seller-performance-report.example.json")
    return path, performance.read_seller_performance(path)


def test_example_detected_and_fully_read(example):
    path, r = example
    assert detect_file(path).report_type == "seller_performance_json"
    # 3 account statuses; 1 marketplace with: invoice defect (+2 parts), 5 rate metrics
    # (LSR, PFCR, OTDR, unit OTDR, VTR), ODR for mfn and afn (+3 parts each), 8 policy
    # metrics (incl. documentRequest), the health rating and one warning state
    assert r.rows_read == 3 + 3 + 5 + 2 * 4 + 8 + 1 + 1 == r.accepted
    assert r.rejected == 0


def test_example_rates_and_counts(example):
    _, r = example
    d = r.data
    lsr = _row(d, "lateShipmentRate")
    assert (lsr["numerator"], lsr["denominator"]) == (27896, 870669)
    assert lsr["rate"] == pytest.approx(0.03203973037)
    assert (lsr["target_value"], lsr["target_condition"], lsr["status"]) == (0.04, "LESS_THAN",
                                                                            "GOOD")
    assert lsr["fulfillment_channel"] == "MFN"
    assert lsr["window_from"] == pd.Timestamp("2020-10-21T00:00Z")
    assert lsr["window_to"] == pd.Timestamp("2020-11-19T23:59Z")
    # the example's drift name prefulfillmentCancelRate -> the schema name
    pfcr = _row(d, "preFulfillmentCancellationRate")
    assert (pfcr["numerator"], pfcr["denominator"], pfcr["rate"]) == (551, 17197, 0.005)
    vtr = _row(d, "validTrackingRate")
    assert (vtr["numerator"], vtr["denominator"]) == (896462, 878443)  # as written (sic)
    uotd = _row(d, "unitOnTimeDeliveryRate")
    assert (uotd["numerator"], uotd["denominator"], uotd["rate"]) == (146, 165, 0.8848)


def test_example_order_defect_rate_channels_and_components(example):
    _, r = example
    d = r.data
    for ch in ("MFN", "AFN"):  # channel from the key, not the example's copy-pasted fulfillmentType
        odr = _row(d, "orderDefectRate", ch)
        assert (odr["numerator"], odr["denominator"], odr["rate"]) == (1078, 539000, 0.009)
        assert odr["window_from"] == pd.Timestamp("2020-09-06T00:00Z")
        claims = _row(d, "orderDefectRate.claims", ch)
        assert claims["numerator"] == 442 and claims["denominator"] == 539000
        assert claims["rate"] == pytest.approx(442 / 539000)
        assert claims["status"] == "NONE"
        assert _row(d, "orderDefectRate.chargebacks", ch)["numerator"] == 15
        assert _row(d, "orderDefectRate.negativeFeedback", ch)["numerator"] == 628
    inv = _row(d, "invoiceDefectRate")
    assert (inv["numerator"], inv["denominator"]) == (315, 9001)
    # 214 missing + 101 late = 315 invoice defects
    parts = d[d["metric"].isin(["invoiceDefectRate.missingInvoice",
                                "invoiceDefectRate.lateInvoice"])]
    assert parts["numerator"].sum() == 315


def test_example_statuses_policy_and_warnings(example):
    _, r = example
    d = r.data
    st = d[d["metric"] == "accountStatus"].set_index("marketplace")["status"].to_dict()
    assert st == {"US": "AT_RISK", "CA": "NORMAL", "MX": "SUSPENDED"}
    assert _row(d, "accountHealthRating")["status"] == "WARNED"  # from ahrStatus
    assert _row(d, "warningStates.spammingSellerMessaging")["status"] == "BAD"
    doc = _row(d, "documentRequests")  # drift name documentRequest
    assert doc["numerator"] == 8 and doc["target_condition"] == "EQUALS"
    assert _row(d, "listingPolicyViolations")["numerator"] == 86
    assert (d["marketplace_id"].map({"ATVPDKIKX0DER": "US", "A2EUQ1WTGCTBG2": "CA",
                                     "A1AM78C64UM0Y8": "MX"}) == d["marketplace"]).all()
    # the two schema-required metrics the example lacks
    absent = sorted(w.split("metric ")[1].split(" ")[0] for w in r.warnings if "absent" in w)
    assert absent == ["restrictedProductPolicyViolations",
                      "suspectedIntellectualPropertyViolations"]


# ---------------------------------------------------------------------------------------------
# Drift seen in real responses
# ---------------------------------------------------------------------------------------------

def _rng(a, b):
    return {"reportingDateFrom": a, "reportingDateTo": b}


DRIFT_DOC = {
    "accountStatuses": [{"marketplaceId": "A1PA6795UKMFR9", "status": "NORMAL"}],
    "performanceMetrics": [{
        "marketplaceId": "A1PA6795UKMFR9",
        "lateShipmentRate": {"reportingDateRange": _rng("2025-01-01T00:00Z", "2025-01-30T23:59Z"),
                             "orderCount": 400, "lateShipmentCount": 8, "rate": 0.02,
                             "status": "GOOD", "targetValue": 0.04,
                             "targetCondition": "LESS_THAN"},
        "lateShipmentRateList": [
            {"reportingDateRange": _rng("2025-01-21T00:00Z", "2025-01-30T23:59Z"),
             "orderCount": 120, "lateShipmentCount": 6, "rate": 0.05, "status": "BAD",
             "targetValue": 0.04, "targetCondition": "LESS_THAN"},
            {"reportingDateRange": _rng("2025-01-01T00:00Z", "2025-01-30T23:59Z"),
             "orderCount": 400, "lateShipmentCount": 8, "rate": 0.02, "status": "GOOD",
             "targetValue": 0.04, "targetCondition": "LESS_THAN"},
        ],
        "preFulfillmentCancellationRate": {
            "reportingDateRange": _rng("2025-01-24T00:00Z", "2025-01-30T23:59Z"),
            "orderCount": 90, "cancellationCount": 3, "rate": 3.33, "status": "BAD",
            "targetValue": 0.025, "targetCondition": "LESS_THAN"},
        "validTrackingRate": {"reportingDateRange": _rng("2025-01-01T00:00Z", "2025-01-30T23:59Z"),
                              "shipmentCount": 200, "validTrackingCount": -5, "rate": 0.9},
        "accountHealthRating": {"ahrScore": 220, "ahrStatus": "GREAT",
                                "reportingDateRange": _rng("2024-08-01T00:00Z",
                                                           "2025-01-30T23:59Z")},
        "policyViolationWarnings": {"warningsCount": 2},
        "newShinyMetric": {"reportingDateRange": _rng("2025-01-01T00:00Z", "2025-01-30T23:59Z"),
                           "rate": 0.5, "status": "NONE"},
        "warningStates": [],
    }],
}


@pytest.fixture
def drift(tmp_path):
    p = tmp_path / "perf.json"
    p.write_text(json.dumps(DRIFT_DOC))
    return performance.read_seller_performance(p)


def test_drift_late_shipment_list_gives_10_and_30_day_rows(drift):
    d = drift.data
    lsr = d[d["metric"] == "lateShipmentRate"].sort_values("window_from")
    # two windows: 30 days (top-level entry, repeated in the list: counted once) and 10 days
    assert len(lsr) == 2
    days = ((lsr["window_to"] - lsr["window_from"]).dt.ceil("D").dt.days).tolist()
    assert days == [30, 10]
    assert lsr["numerator"].tolist() == [8, 6] and lsr["denominator"].tolist() == [400, 120]
    assert lsr["rate"].tolist() == [0.02, 0.05]
    assert (d["marketplace"] == "DE").all()


def test_drift_percent_rate_rescaled_and_other_metrics(drift):
    d = drift.data
    pfcr = _row(d, "preFulfillmentCancellationRate")
    assert pfcr["rate"] == pytest.approx(0.0333)  # 3.33 can only be a percentage
    assert any("divided by 100" in w for w in drift.warnings)
    assert _row(d, "accountHealthRating")["status"] == "GREAT"
    assert _row(d, "policyViolationWarnings")["numerator"] == 2
    assert _row(d, "newShinyMetric")["rate"] == 0.5
    assert any("newShinyMetric" in w for w in drift.warnings)


def test_drift_bad_count_quarantined_and_missing_metrics_warned(drift):
    assert drift.rejected == 1
    q = drift.quarantine.iloc[0]
    assert q["column"] == "numerator" and q["reason"].startswith("negative value")
    assert drift.accepted + drift.rejected == drift.rows_read
    absent = {w.split("metric ")[1].split(" ")[0] for w in drift.warnings if "absent" in w}
    # not in the document: ODR, OTDR, invoice defects and the policy metrics; unit OTDR is
    # US-only so not expected for DE
    assert {"orderDefectRate", "onTimeDeliveryRate", "invoiceDefectRate",
            "listingPolicyViolations"} <= absent
    assert "unitOnTimeDeliveryRate" not in absent and "lateShipmentRate" not in absent


def test_wrong_document(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"salesAndTrafficByDate": []}))
    with pytest.raises(WrongReportError, match="performanceMetrics"):
        performance.read_seller_performance(p)
