"""Issue 15, point 2 on every rendered page, and point 3 on a folder with only some files.

Each rule is checked on the HTML alone by :mod:`report_rules` (standard library parser, no
code shared with the writer): no ``NaN`` / ``<NA>`` / ``None`` cell, no number with five or
more decimals, no index column (every table outside the run information is a table for
people), a ``<title>`` naming report, account and as-of date, and no code, warnings, object
reprs or absolute paths. Pages: the index and every report, on the (hostile) sample and on
:func:`test_notebooks.partial_folder` (two accounts with some files each, as-of left to the
runner).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_rules import check_report, parse
from test_notebooks import AS_OF, PARTIAL_ADS_LAST_DAY, partial_run, sample_run

from postship_analysis.reporting import runner

pytestmark = pytest.mark.slow

NOTEBOOKS = [runner.executed_name(p).removesuffix(".ipynb") for p in runner.report_notebooks()]
#: each report's heading, as its first markdown cell names it
TITLES = {"00_data_overview": "Data overview", "10_fulfilment_health": "Fulfilment health",
          "20_customer_experience": "Customer experience",
          "30_inventory_restock": "Inventory and restock", "40_advertising": "Advertising"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_run(tmp_path_factory)


@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    return partial_run(tmp_path_factory)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_rule_of_point_2_on_the_sample(sample, name):
    _, out, result = sample
    runs = [r for r in result.runs if r.notebook.removesuffix(".ipynb") == name]
    assert len(runs) == 1 and runs[0].html, name
    assert check_report(Path(runs[0].html), report=TITLES[name], account="sample-seller",
                        as_of=AS_OF) == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_rule_of_point_2_on_a_folder_with_only_some_files(partial, name):
    _, out, result = partial
    runs = [r for r in result.runs if r.notebook.removesuffix(".ipynb") == name]
    assert len(runs) == 2, runs  # one per account
    for r in runs:
        page = Path(r.html)
        account = page.parent.parent.name
        as_of = page.parent.name
        assert check_report(page, report=TITLES[name], account=account, as_of=as_of) == []


def test_the_index_keeps_the_rules_too(sample, partial):
    for _, out, _ in (sample, partial):
        page = out / "index.html"
        assert check_report(page) == []
        assert parse(page.read_text(encoding="utf-8")).title.strip() != "Notebook"


# ---------------------------------------------------------------------------------------------
# Point 3: no false reassurance, on the folder with only some files
# ---------------------------------------------------------------------------------------------

def _summary(out, account):
    (folder,) = [p for p in (out / account).iterdir() if p.is_dir()]
    return folder.name, json.loads((folder / "summary.json").read_text())


def test_each_account_gets_its_own_as_of(partial):
    _, out, _ = partial
    # partial-seller: the day after its newest order in All Orders 2026-10 of the sample
    # (the sample's orders end on 2026-10-31); ads-only: its newest ads day (cut there)
    assert _summary(out, "partial-seller")[0] == "2026-11-01"
    assert _summary(out, "ads-only")[0] == PARTIAL_ADS_LAST_DAY


def test_reports_without_their_inputs_say_no_data_and_so_does_the_index(partial):
    _, out, _ = partial
    _, s = _summary(out, "ads-only")
    st = {n["notebook"].removesuffix(".ipynb"): n for n in s["notebooks"]}
    # no orders at all: fulfilment, customer experience and restock have nothing to say
    for nb in ("10_fulfilment_health", "20_customer_experience", "30_inventory_restock"):
        assert st[nb]["status"] == "no_data", (nb, st[nb])
    assert st["40_advertising"]["status"] == "ok"
    _, s = _summary(out, "partial-seller")
    st = {n["notebook"].removesuffix(".ipynb"): n for n in s["notebooks"]}
    assert st["40_advertising"]["status"] == "no_data"  # no ads download
    assert st["10_fulfilment_health"]["status"] == "ok"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("no data") >= 4
    # the report itself says it at its top, with the reason
    html = Path(out / "ads-only" / PARTIAL_ADS_LAST_DAY / "10_fulfilment_health.html"
                ).read_text(encoding="utf-8")
    top = html[:html.index("Headline") if "Headline" in html else len(html)]
    assert "ps-banner no_data" in top


def test_a_kpi_whose_inputs_are_missing_is_no_data_and_names_the_report(partial):
    """partial-seller has orders and ship-by dates but no feedback, claims or chargebacks:
    the order defect rate is not a green 0 % but no_data, naming the downloads."""
    _, out, _ = partial
    _, s = _summary(out, "partial-seller")
    odr = [k for k in s["kpis"] if k["name"] == "order_defect_rate_60d"]
    assert odr and all(k["status"] == "no_data" and k["value"] is None for k in odr), odr
    assert all("A-to-z" in (k.get("note") or "") for k in odr), odr
    # and the late shipment rate, whose inputs are all there, has a value
    lsr = [k for k in s["kpis"] if k["name"] == "late_shipment_rate_10d"]
    assert lsr and all(k["value"] is not None for k in lsr)
