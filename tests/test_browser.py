"""The run's index and every report opened in headless Chromium, as a person would see them.

Chromium is driven through its command line only (``--dump-dom``, ``--screenshot``; no CDP, no
extra Python package). To see console errors, failed images and script execution, the test
opens a *copy* of each page with a small probe script added to its ``<head>`` that records
``console.error``, uncaught errors, resource load errors and any ``alert()`` into attributes of
``<html>``; Chromium's own console log (``--enable-logging=stderr``) is checked too. The pages
themselves have no script at all.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from test_notebooks import HOSTILE, sample_run

pytestmark = pytest.mark.slow

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (Debian package 'chromium'): browser tests skipped",
                allow_module_level=True)

WIDTH = 1400  # px, a laptop screen; the decision columns of every table must fit in it
PROBE = """<script>
(function(){
  var errs = [];
  function note(m){ errs.push(String(m)); document.documentElement.setAttribute(
      'data-probe-errors', JSON.stringify(errs)); }
  var ce = console.error; console.error = function(){ note('console.error: ' +
      Array.prototype.join.call(arguments, ' ')); ce.apply(console, arguments); };
  window.alert = function(m){ document.documentElement.setAttribute('data-probe-alert', String(m)); };
  window.addEventListener('error', function(e){
    if (e.target && e.target !== window) { note('failed to load ' + (e.target.src || e.target.href)); }
    else { note('uncaught: ' + e.message); } }, true);
  window.addEventListener('load', function(){
    var imgs = Array.prototype.slice.call(document.images);
    var bad = imgs.filter(function(i){ return !(i.complete && i.naturalWidth > 0); });
    var h = document.documentElement;
    h.setAttribute('data-probe-images', imgs.length + '/' + bad.length);
    h.setAttribute('data-probe-tables', document.querySelectorAll('table').length);
    h.setAttribute('data-probe-pstables', document.querySelectorAll('table.ps-table').length);
    // decision columns (what, how many, by when) must be on screen without scrolling
    var dec = document.querySelectorAll('table.ps-table th.decision');
    var off = [];
    for (var i = 0; i < dec.length; i++) {
      var r = dec[i].getBoundingClientRect();
      if (r.right > window.innerWidth || r.width === 0) {
        off.push((dec[i].closest('table').id || '?') + ':' + dec[i].textContent.trim()); }
    }
    h.setAttribute('data-probe-decision', dec.length);
    h.setAttribute('data-probe-offscreen', JSON.stringify(off));
    h.setAttribute('data-probe-width', window.innerWidth);
    h.setAttribute('data-probe-done', '1');
  });
})();
</script>"""


def chromium(*args, tmp_path):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-extensions", "--no-first-run",
           f"--user-data-dir={tmp_path / 'chromium-profile'}", "--enable-logging=stderr",
           "--v=0", "--virtual-time-budget=5000", f"--window-size={WIDTH},1600", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def open_page(page, tmp_path, name):
    """(dumped DOM, probe attributes, console lines) of ``page``; saves a screenshot."""
    html = page.read_text(encoding="utf-8")
    probed = page.with_name(f".probe-{page.name}")
    probed.write_text(html.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    try:
        res = chromium("--dump-dom", probed.as_uri(), tmp_path=tmp_path)
        shot = tmp_path / f"{name}.png"
        chromium(f"--screenshot={shot}", page.as_uri(), tmp_path=tmp_path)
        assert shot.exists() and shot.stat().st_size > 1000, f"no screenshot of {page}"
    finally:
        probed.unlink()
    dom = res.stdout
    head = dom[:dom.index(">") + 1] if dom.startswith("<html") else dom[:5000]
    attrs = dict(re.findall(r'data-probe-([a-z]+)="([^"]*)"', head))
    console = [ln for ln in res.stderr.splitlines() if ":CONSOLE" in ln]
    return dom, attrs, console


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    data, out, result = sample_run(tmp_path_factory)
    shots = tmp_path_factory.mktemp("screenshots")
    found = {"index": out / "index.html"}
    found.update({r.notebook.removesuffix(".ipynb"): Path(r.html)
                  for r in result.runs})
    return {name: (p, *open_page(p, shots, name)) for name, p in found.items()}, shots


def test_pages_load_without_console_errors_and_every_image_loads(pages):
    opened, shots = pages
    for name, (_, _, attrs, console) in opened.items():
        assert attrs.get("done") == "1", f"{name}: page did not finish loading"
        assert "errors" not in attrs, f"{name}: {unescape(attrs.get('errors', ''))}"
        assert console == [], f"{name}: console messages {console}"
        n_img, n_bad = map(int, attrs["images"].split("/"))
        assert n_bad == 0, f"{name}: {n_bad} of {n_img} images did not load"
        assert (shots / f"{name}.png").exists()


def test_index_links_every_report_and_groups_kpis_by_area(pages):
    opened, _ = pages
    _, dom, attrs, _ = opened["index"]
    reports = [n for n in opened if n != "index"]
    # the reports table, the failing KPIs, one table per area with KPIs, the history
    assert int(attrs["pstables"]) >= 6
    for area in ("Account health", "Customer service", "Inventory", "Advertising"):
        assert f">{area}<" in dom, area
    assert "Late shipment rate, 10 days" in dom and "€" in dom and "$" in dom
    assert "negative_feedback_rate_60d_afn" not in dom  # labels, not raw names
    for n in reports:
        assert f'href="sample-seller/2026-11-01/{n}.html"' in dom, n


def test_decision_columns_of_every_table_are_visible_at_1400_px(pages):
    opened, _ = pages
    for name, (_, _, attrs, _) in opened.items():
        assert int(attrs["width"]) == WIDTH, name
        off = json.loads(unescape(attrs["offscreen"]))
        assert off == [], f"{name}: decision columns off screen at {WIDTH} px: {off}"
    assert int(opened["index"][2]["decision"]) >= 10


def test_reports_show_tables_and_charts(pages):
    opened, _ = pages
    charts = 0
    for name, (_, _, attrs, _) in opened.items():
        if name == "index":
            continue
        assert int(attrs["tables"]) >= 2, name  # run information + the report's own
        charts += int(attrs["images"].split("/")[0])
    for name in ("00_data_overview", "10_fulfilment_health", "20_customer_experience"):
        assert int(opened[name][2]["images"].split("/")[0]) >= 1, f"{name}: no chart"
    assert charts >= 6


def test_text_from_the_data_is_shown_literally_and_never_executed(pages):
    opened, _ = pages
    escaped = HOSTILE.replace("<", "&lt;").replace(">", "&gt;")
    shown_in = [n for n, (_, dom, _, _) in opened.items() if escaped in dom]
    assert shown_in, "the hostile product name / category / template text is shown nowhere"
    for name, (_, dom, attrs, _) in opened.items():
        assert HOSTILE not in dom, f"{name}: data text became a <script> element"
        assert "alert" not in attrs, f"{name}: a script from the data ran"
