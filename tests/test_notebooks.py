"""Report notebooks executed with papermill, as ``make report`` runs them."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT, SAMPLE
from test_datafolder import orders_file

from postship_analysis import __version__
from postship_analysis.errors import ParameterError
from postship_analysis.reporting import runner

pytestmark = pytest.mark.slow

HOSTILE = "<script>alert(1)</script>"
AS_OF = "2026-11-01"
_SAMPLE_RUN: dict = {}


#: formula payloads, one per dangerous first character (OWASP: = + - @ tab CR)
FORMULAS = ['=HYPERLINK("http://x.example","y")', "+1+cmd|' /C calc'!A0", "-2+3 ", "@SUM(1,1)",
            "\t=1+1", "\r=1+1"]
#: SKUs renamed in every file of the account, with the first character of a formula
HOSTILE_SKUS = {"PS-129-BK": "=PS-129-BK", "PS-104-WH": "+PS-104-WH", "PS-102-GN": "-PS-102-GN",
                "PS-107-BK": "@PS-107-BK"}


def _plant_formulas(account):
    """Formula payloads where strangers type text: SKUs (renamed in every file), product names
    of those SKUs, every non-ASIN search term, and a tab- and a CR-led value in a number
    column (the readers trim text, so these two reach the outputs through the quarantine).
    Product names reach the HTML (escaped) but no CSV today; the scan covers them the day a
    list carries them."""
    import csv as _csv
    import gzip
    import io

    for f in account.rglob("*"):
        if not f.is_file():
            continue
        raw = f.read_bytes()
        gz = raw[:2] == b"\x1f\x8b"
        raw = gzip.decompress(raw) if gz else raw
        try:
            enc = "utf-8"
            text = raw.decode(enc)
        except UnicodeDecodeError:  # a cp1252 file: latin-1 keeps every other byte as it is
            enc = "latin-1"
            text = raw.decode(enc)
        for old, new in HOSTILE_SKUS.items():
            text = re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, text)
        if f.name.startswith("All Orders"):
            lines = text.split("\n")
            head = lines[0].split("\t")
            i_name, i_sku = head.index("product-name"), head.index("sku")
            for k, ln in enumerate(lines[1:], 1):
                cells = ln.split("\t")
                if len(cells) == len(head) and cells[i_sku] in HOSTILE_SKUS.values():
                    cells[i_name] = FORMULAS["=+-@".index(cells[i_sku][0])] + cells[i_name]
                    lines[k] = "\t".join(cells)
            text = "\n".join(lines)
        if f.name == "Sponsored Products Search term report.csv":
            rows = list(_csv.reader(io.StringIO(text)))
            col = rows[0].index("Customer Search Term")
            terms = sorted({r[col] for r in rows[1:] if not re.match(r"b0\w{8}$", r[col])})
            new_term = {t: "=+-@"[i % 4] + t for i, t in enumerate(terms)}
            for r in rows[1:]:
                r[col] = new_term.get(r[col], r[col])
            if f.parent.name == "US":
                rows[1][rows[0].index("Impressions")] = FORMULAS[4]
            buf = io.StringIO()
            _csv.writer(buf, lineterminator="\n").writerows(rows)
            text = buf.getvalue()
        if f.name == "spAdvertisedProduct.json.gz" and f.parent.name == "US":
            recs = json.loads(text)
            recs[0]["impressions"] = FORMULAS[5]
            text = json.dumps(recs)
        data = text.encode(enc)
        f.write_bytes(gzip.compress(data, mtime=0) if gz else data)


def hostile_sample(root):
    """A copy of data/sample whose data carry ``<script>alert(1)</script>``: as a product name,
    a buyer-message category and inside a message template; and spreadsheet formulas (see
    :func:`_plant_formulas`). The sample generator is not touched."""
    data = root / "data"
    shutil.copytree(SAMPLE, data)
    us = data / "sample-seller" / "US"
    orders = us / "All Orders 2026-10.txt"
    text = orders.read_text(encoding="utf-8")
    name = text.splitlines()[1].split("\t")[9]  # product-name of the first order
    orders.write_text(text.replace("\t" + name + "\t", "\t" + HOSTILE + "\t"), encoding="utf-8")
    msgs = us / "Buyer Messages.csv"
    lines = msgs.read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].rsplit(",", 1)[0] + "," + HOSTILE
    msgs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (data / "sample-seller" / "message-templates" / "hostile.txt").write_text(
        f"Hello {HOSTILE}, please leave us a 5-star review!\n", encoding="utf-8")
    _plant_formulas(data / "sample-seller")
    return data


def sample_run(tmp_path_factory):
    """Every report notebook on the (hostile) sample, once per test session: (data, out, result).
    Shared by this module and test_browser.py."""
    if not any(SAMPLE.glob("*/*")):
        pytest.skip("data/sample has not been generated")
    if "result" not in _SAMPLE_RUN:
        root = tmp_path_factory.mktemp("sample_run")
        data = hostile_sample(root)
        out = root / "out"
        nbs = runner.report_notebooks()
        sets = runner.plan(data, out, [{"as_of": AS_OF}], nbs)
        result = runner.run(sets, nbs, workers=2, out_root=out, timeout=600)
        _SAMPLE_RUN.update(data=data, out=out, result=result)
    return _SAMPLE_RUN["data"], _SAMPLE_RUN["out"], _SAMPLE_RUN["result"]


_PARTIAL_RUN: dict = {}
PARTIAL_ADS_LAST_DAY = "2026-10-20"  # the ads-only account was downloaded earlier


def partial_folder(root):
    """A data folder with only some files, two accounts, from data/sample:

    * ``partial-seller`` (US): four months of All Orders and of the order report with ship-by
      dates, and the shipment confirmations; no delivery events, no feedback, claims or
      chargebacks, no inventory, ads, messages, returns or unit costs;
    * ``ads-only`` (DE): the Sponsored Products search-term download cut after
      :data:`PARTIAL_ADS_LAST_DAY` (downloaded on another day than the first account) and the
      unit costs; no orders at all.
    """
    import csv as _csv
    import io

    data = root / "partial"
    src = SAMPLE / "sample-seller"
    us = data / "partial-seller" / "US"
    us.mkdir(parents=True)
    for month in ("2026-07", "2026-08", "2026-09", "2026-10"):
        for kind in ("All Orders", "Order Report"):
            shutil.copy(src / "US" / f"{kind} {month}.txt", us)
    shutil.copy(src / "US" / "Shipment Confirmations.txt", us)
    de = data / "ads-only" / "DE"
    de.mkdir(parents=True)
    shutil.copy(src / "unit-costs.csv", data / "ads-only")
    raw = (src / "DE" / "Sponsored Products Search term report.csv").read_text(encoding="utf-8")
    rows = list(_csv.reader(io.StringIO(raw)))
    d, m, y = PARTIAL_ADS_LAST_DAY.split("-")[::-1]
    last = (y, m, d)
    kept = [r for r in rows[1:] if tuple(r[0].split(".")[::-1]) <= last]
    buf = io.StringIO()
    _csv.writer(buf, lineterminator="\n").writerows([rows[0]] + kept)
    (de / "Sponsored Products Search term report.csv").write_text(buf.getvalue(),
                                                                  encoding="utf-8")
    return data


def partial_run(tmp_path_factory):
    """Every report notebook on :func:`partial_folder`, as-of left to the runner (per
    account), once per session: (data, out, result). Shared with test_browser.py and
    test_report_html.py."""
    if not any(SAMPLE.glob("*/*")):
        pytest.skip("data/sample has not been generated")
    if "result" not in _PARTIAL_RUN:
        root = tmp_path_factory.mktemp("partial_run")
        data = partial_folder(root)
        out = root / "out"
        nbs = runner.report_notebooks()
        sets = runner.plan(data, out, [{}], nbs)
        result = runner.run(sets, nbs, workers=2, out_root=out, timeout=600)
        _PARTIAL_RUN.update(data=data, out=out, result=result)
    return _PARTIAL_RUN["data"], _PARTIAL_RUN["out"], _PARTIAL_RUN["result"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_run(tmp_path_factory)


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


def test_bad_parameter_is_refused_before_running_with_its_name(tmp_path):
    data = tmp_path / "exports"
    orders_file(data / "acme" / "US" / "a.txt", [("111-1", "2026-10-01", 1, "Amazon.com")])
    with pytest.raises(ParameterError, match="'as_of'.*2026-13-45"):
        runner.run_reports(data, tmp_path / "out", as_of="2026-13-45", only=["00"])
    assert not (tmp_path / "out").exists()  # nothing ran


HEADLINE_KPIS = {
    "late_shipment_rate_10d", "late_shipment_rate_30d", "pre_fulfilment_cancel_rate_7d",
    "valid_tracking_rate_30d", "on_time_delivery_rate_14d", "order_defect_rate_60d",
    "negative_feedback_rate_60d", "a_to_z_claim_rate_60d", "chargeback_rate_60d",
    "late_response_rate_24h_30d", "wismo_answered_within_12h_30d",
    "review_requests_eligible_today",
}


def test_every_report_on_the_sample(sample):
    data, out_root, result = sample
    runs = result.runs
    assert {r.notebook for r in runs} >= {"00_data_overview.ipynb", "10_fulfilment_health.ipynb",
                                          "20_customer_experience.ipynb"}
    assert {runner.executed_name(p) for p in runner.report_notebooks()} == {r.notebook for r in runs}
    assert [r.status for r in runs] == ["ok"] * len(runs), [r.error for r in runs]
    text = outputs_text(runs[0].ipynb)
    assert "accepted + rejected = rows read" in text
    out = out_root / "sample-seller" / AS_OF
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "ok"
    names = {(k["name"], k["marketplace"]) for k in summary["kpis"]}
    missing = {(n, mp) for n in HEADLINE_KPIS for mp in ("US", "DE")} - names
    assert not missing, f"headline KPIs missing from summary.json: {sorted(missing)}"
    for k in summary["kpis"]:
        assert {"name", "marketplace", "value", "unit", "target", "target_source",
                "status"} <= set(k)
        if k["unit"] == "fraction" and k["value"] is not None:
            assert 0.0 <= k["value"] <= 1.0, k
    for csv_name in ("at_risk_orders", "tracking_corrections", "address_fix_candidates",
                     "late_messages", "review_requests", "confused_sku_pairs", "quarantine"):
        assert (out / f"{csv_name}.csv").exists(), csv_name
    for r in runs:
        assert (out / r.notebook).exists() and r.html and os.path.exists(r.html)
    assert (out_root / "index.html").exists() and (out_root / "history.csv").exists()


def test_every_report_shows_parameters_version_inputs_and_when_it_ran(sample):
    data, out_root, result = sample
    out = out_root / "sample-seller" / AS_OF
    f = data / "sample-seller" / "US" / "All Orders 2026-10.txt"
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    # rows of the file counted independently: non-blank lines after the header
    n_rows = sum(1 for ln in f.read_text(encoding="utf-8").splitlines()[1:] if ln.strip())
    inputs = {i["file"]: i for i in json.loads((out / "summary.json").read_text())["inputs"]}
    rec = inputs["sample-seller/US/All Orders 2026-10.txt"]
    assert rec["sha256"] == digest and rec["rows_read"] == n_rows
    assert rec["accepted"] + rec["rejected"] == n_rows
    for r in result.runs:
        html = open(r.html, encoding="utf-8").read()
        assert "package version" in html and __version__ in html
        assert "ran at" in html and result.ran_at in html
        assert digest[:16] in html and f"{n_rows:,}" in html
        assert AS_OF in html and "sample-seller" in html
        assert "import postship_analysis" not in html  # code hidden
        assert "cdnjs" not in html and "<script src=" not in html  # opens offline


def _runs_in_a_spreadsheet(cell: str) -> bool:
    """Independent of the writer: a text cell starting with = + - @ tab or CR that is not a
    plain number (nor a lone "-") is what Excel / LibreOffice would evaluate."""
    if cell[:1] not in ("=", "+", "-", "@", "\t", "\r") or cell == "-":
        return False
    try:
        float(cell)
        return False
    except ValueError:
        return True


def test_no_output_spreadsheet_carries_a_live_formula(sample):
    """Formulas planted in SKUs, product names, search terms and number fields reach the
    written CSVs and the bulk XLSX only as quoted text."""
    import csv as _csv

    from openpyxl import load_workbook

    data, out_root, result = sample
    csvs = sorted(out_root.rglob("*.csv"))
    xlsxs = sorted(out_root.rglob("*.xlsx"))
    assert len(csvs) > 20 and [p.name for p in xlsxs] == ["advertising_bulk.xlsx"]
    seen: set[str] = set()
    for p in csvs:
        for row in _csv.reader(open(p, encoding="utf-8-sig", newline="")):
            for cell in row:
                assert not _runs_in_a_spreadsheet(cell), (p.name, cell)
                seen.add(cell)
    cells = []
    for p in xlsxs:
        for ws in load_workbook(p):
            cells += [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert not [t for t in texts if _runs_in_a_spreadsheet(t)]
    # the payloads did reach the outputs (so the scan above tested something)
    for sku in HOSTILE_SKUS.values():
        assert "'" + sku in seen, sku
    # a number field holding a formula is quarantined with its raw value, neutralised
    assert "'\t=1+1" in seen and "'\r=1+1" in seen
    neg = out_root / "sample-seller" / AS_OF / "ad_negative_keywords.csv"
    terms = [r["search_term"] for r in _csv.DictReader(open(neg, encoding="utf-8-sig"))]
    assert terms and all(t[:2] in ("'=", "'+", "'-", "'@") or re.match(r"b0", t, re.I)
                         for t in terms), terms[:5]
    # a shopper's formula-like term is never uploaded: a quoted keyword would become part of
    # the keyword on Amazon. It stays in the readable recommendations, to add by hand.
    assert not [t for t in texts if t[:2] in ("'=", "'+", "'-", "'@")]
    recs = out_root / "sample-seller" / AS_OF / "ad_recommendations.csv"
    rows = list(_csv.DictReader(open(recs, encoding="utf-8-sig")))
    hostile = [r for r in rows if r["target"][:2] in ("'=", "'+", "'-", "'@")]
    assert hostile and all(r["uploadable"] == "False" and "by hand" in r["reason"]
                           for r in hostile)


def test_no_warning_reaches_a_report(sample):
    """UserWarnings, RuntimeWarnings (``Mean of empty slice``) and kernel noise never show in
    a report: no cell of any executed notebook writes to stderr."""
    data, out_root, result = sample
    for r in result.runs:
        nb = nbformat.read(r.ipynb, as_version=4)
        errs = [o.get("text", "")[:200] for c in nb.cells for o in c.get("outputs", [])
                if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        assert errs == [], (r.notebook, errs)


def test_no_report_notebook_ends_with_sys_exit():
    for nb in runner.report_notebooks():
        src = "\n".join(c.source for c in runner.read_notebook(nb).cells
                        if c.cell_type == "code")
        assert not re.search(r"\b(sys\.)?exit\(|\bquit\(", src), nb.name


def test_summary_json_is_identical_across_time_zones(tmp_path):
    data = tmp_path / "exports"
    orders_file(data / "acme" / "US" / "a.txt",
                [("111-1", "2026-10-01", 1, "Amazon.com"), ("111-2", "2026-10-02", -4, "Amazon.com")])
    blobs = []
    for tz in ("UTC", "Pacific/Kiritimati", "America/Los_Angeles"):
        out = tmp_path / tz.replace("/", "_")
        env = {**os.environ, "TZ": tz}
        # no as-of given: derived from the data, never from the clock
        subprocess.run([sys.executable, "-m", "postship_analysis.cli", "report", "--data",
                        str(data), "--out", str(out), "--notebooks", "00", "-q"],
                       check=True, env=env, cwd=ROOT, capture_output=True)
        # the -4 row is quarantined: newest order 2026-10-01 (local), so as_of 2026-10-02
        blobs.append((out / "acme" / "2026-10-02" / "summary.json").read_bytes())
    assert blobs[0] == blobs[1] == blobs[2]
    assert b"ran_at" not in blobs[0] and b"ran at" not in blobs[0]


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
