"""Report notebooks executed with papermill, as ``make report`` runs them."""

from __future__ import annotations

import json

import nbformat
import pytest
from conftest import SAMPLE
from test_datafolder import orders_file

from postship_analysis.reporting import runner

pytestmark = pytest.mark.slow


def outputs_text(nb_path) -> str:
    nb = nbformat.read(str(nb_path), as_version=4)
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            parts.append(o.get("text", ""))
            data = o.get("data", {})
            parts.append(data.get("text/plain", ""))
            parts.append(data.get("text/markdown", ""))
    return "\n".join(parts)


def test_overview_on_a_small_folder(tmp_path):
    data = tmp_path / "exports"
    orders_file(data / "acme" / "US" / "a.txt",
                [("111-1", "2026-10-01", 1, "Amazon.com"), ("111-2", "2026-10-02", -4, "Amazon.com")])
    runs = runner.run_reports(data, tmp_path / "out", as_of="2026-10-03", only=["00"])
    assert [r.status for r in runs] == ["ok"], runs
    run = runs[0]
    text = outputs_text(run.ipynb)
    # the accounting sentence, computed independently: 2 rows, 1 accepted, 1 rejected
    assert "2 rows, 1 accepted, 1 rejected" in text
    html = open(run.html, encoding="utf-8").read()
    assert "Data overview" in html and "negative value" in html
    assert "import postship_analysis" not in html  # code hidden
    meta = json.loads((tmp_path / "out" / "acme" / "2026-10-03" / "summary.json").read_text())
    assert meta["parameters"]["as_of"] == "2026-10-03"


def test_bad_parameter_fails_the_notebook_with_its_name(tmp_path):
    data = tmp_path / "exports"
    orders_file(data / "acme" / "US" / "a.txt", [("111-1", "2026-10-01", 1, "Amazon.com")])
    runs = runner.run_reports(data, tmp_path / "out", as_of="2026-13-45", only=["00"])
    assert runs[0].status == "failed"
    assert "as_of" in runs[0].error and "ParameterError" in runs[0].error
    assert runs[0].html  # a failed notebook is still rendered, with the error visible


HEADLINE_KPIS = {
    "late_shipment_rate_10d", "late_shipment_rate_30d", "pre_fulfilment_cancel_rate_7d",
    "valid_tracking_rate_30d", "on_time_delivery_rate_14d", "order_defect_rate_60d",
    "negative_feedback_rate_60d", "a_to_z_claim_rate_60d", "chargeback_rate_60d",
    "late_response_rate_24h_30d", "wismo_answered_within_12h_30d",
    "review_requests_eligible_today",
}


def test_every_report_on_the_sample(tmp_path):
    if not any(SAMPLE.glob("*/*")):
        pytest.skip("data/sample has not been generated")
    runs = runner.run_reports(SAMPLE, tmp_path / "out", as_of="2026-11-01")
    assert {r.notebook for r in runs} >= {"00_data_overview.ipynb", "10_fulfilment_health.ipynb",
                                          "20_customer_experience.ipynb"}
    assert [r.status for r in runs] == ["ok"] * len(runs), [r.error for r in runs]
    text = outputs_text(runs[0].ipynb)
    assert "accepted + rejected = rows read" in text
    out = tmp_path / "out" / "sample-seller" / "2026-11-01"
    summary = json.loads((out / "summary.json").read_text())
    names = {(k["name"], k["marketplace"]) for k in summary["kpis"]}
    missing = {(n, mp) for n in HEADLINE_KPIS for mp in ("US", "DE")} - names
    assert not missing, f"headline KPIs missing from summary.json: {sorted(missing)}"
    for k in summary["kpis"]:
        if k["unit"] == "fraction" and k["value"] is not None:
            assert 0.0 <= k["value"] <= 1.0, k
    for csv_name in ("at_risk_orders", "tracking_corrections", "address_fix_candidates",
                     "late_messages", "review_requests", "confused_sku_pairs", "quarantine"):
        assert (out / f"{csv_name}.csv").exists(), csv_name


def test_summary_json_gathers_kpis_and_is_reproducible(tmp_path):
    data = tmp_path / "exports"
    orders_file(data / "acme" / "US" / "a.txt",
                [("111-1", "2026-10-01", 1, "Amazon.com"), ("111-2", "2026-10-02", -4, "Amazon.com")])
    runner.run_reports(data, tmp_path / "a", as_of="2026-10-03", only=["00"])
    runner.run_reports(data, tmp_path / "b", as_of="2026-10-03", only=["00"])
    pa = tmp_path / "a" / "acme" / "2026-10-03"
    pb = tmp_path / "b" / "acme" / "2026-10-03"
    summary = json.loads((pa / "summary.json").read_text())
    kpis = {k["name"]: k["value"] for k in summary["kpis"]}
    assert kpis["input_rows_read"] == 2 and kpis["input_rows_rejected"] == 1
    assert summary["notebooks"][0]["status"] == "ok"
    # the quarantine is written beside the report for the analyst to fix
    q = (pa / "quarantine.csv").read_text(encoding="utf-8-sig")
    assert "negative value" in q and ",3," in q  # line 3 of the file
    # same inputs and parameters: byte-identical summary, whatever the output folder
    assert (pa / "summary.json").read_bytes() == (pb / "summary.json").read_bytes()
