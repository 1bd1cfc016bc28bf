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


def test_overview_on_the_sample(tmp_path):
    if not any(SAMPLE.glob("*/*")):
        pytest.skip("data/sample has not been generated")
    runs = runner.run_reports(SAMPLE, tmp_path / "out", as_of="2026-11-01", only=["00"])
    assert [r.status for r in runs] == ["ok"], [r.error for r in runs]
    text = outputs_text(runs[0].ipynb)
    assert "accepted + rejected = rows read" in text


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
