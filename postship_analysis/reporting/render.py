"""Executed notebook -> one standalone HTML report a seller reads (nbconvert, code hidden).

What the HTML gets here, whatever a notebook printed:

* ``<title>`` = report, account and as-of date (``Fulfilment health · acme · as of
  2026-11-01``), and a one-line header under the report's heading with the same facts, the
  status banner of a report that failed or had no data (with its reason), and a link to the
  run information, which sits at the **end** (parameters, package version, input files with
  SHA-256 and rows): the first screen is the report, not its plumbing.
* **No leaks**: warnings and other ``stderr`` output are dropped (they stay in the executed
  ``.ipynb`` for the analyst), a failed cell shows its error in one line without the traceback
  or code, outputs that are only an object's ``repr`` (``<Figure ...>``, ``PosixPath(...)``)
  are dropped, and absolute paths (the data folder, the output folder, the package) are
  written relative.
* A **stylesheet** for the tables of :mod:`.tables` (decision columns tinted, numbers right
  aligned, status colours beside the status word) and a **print stylesheet** (A4 landscape,
  no cut tables, no page break inside a table row or chart).
* Nothing loaded from the network and no script: the file opens offline and can be
  attached to an email.
"""

from __future__ import annotations

import re
import sys
from html import escape
from pathlib import Path

from .. import __version__

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
RUN_INFO_TAG = "postship-run-info"
HEADER_TAG = "postship-header"
#: parameters the runner sets; not shown in the run information
RUNNER_ONLY = ("output_dir", "store")

#: the tables of :mod:`.tables`, in reports and on the index
TABLE_CSS = """
table.ps-table{border-collapse:collapse;font-size:13px;margin:.4em 0;
  table-layout:auto;width:auto}
table.ps-table th{background:#f1f3f5;text-align:left;
  white-space:nowrap;padding:.25em .6em;border-bottom:1px solid #adb5bd;font-weight:600}
table.ps-table th.decision{background:#dbe7f7}
.jp-RenderedHTMLCommon table.ps-table th{text-align:left}
table.ps-table td{white-space:nowrap;padding:.2em .6em;
  border-bottom:1px solid #e9ecef;vertical-align:top}
table.ps-table td.num{text-align:right;font-variant-numeric:tabular-nums}
table.ps-table td.lbl{text-align:left}
table.ps-table td.txt{text-align:left;white-space:normal;
  min-width:16em;max-width:34em}
table.ps-table a{overflow-wrap:anywhere}
.ps-table-wrap{overflow-x:auto;max-width:100%}
.ps-note,.ps-caption{font-size:12px;color:#495057;margin:.2em 0 .9em}
.ps-caption{font-weight:600;color:#212529;margin-bottom:.1em}
.ps-empty{color:#2b8a3e}
.st-pass,.st-ok,.st-keep,.st-eligible,.st-normal{background:#d4edda}
.st-at-risk,.st-reorder-now,.st-lower,.st-reduce,.st-due-soon,.st-pending,
.st-not-yet-eligible{background:#fff3cd}
.st-fail,.st-late,.st-overdue,.st-out-of-stock,.st-pause,.st-failed{background:#f8d7da}
.st-below-recommendation{background:#ffe5b4}
.st-no-data{background:#e2e3e5}
"""

CSS = TABLE_CSS + """
body{font-size:14px}
.ps-header{color:#343a40;margin:.2em 0 1em}
.ps-banner{padding:.6em .8em;border-radius:4px;margin:.6em 0;font-size:15px}
.ps-banner.failed{background:#f8d7da;border-left:6px solid #c92a2a}
.ps-banner.no_data{background:#e9ecef;border-left:6px solid #495057}
.postship-run-info table{font-size:12px}
"""

#: print or save as PDF: landscape, nothing cut, no break inside a row or chart
PRINT_CSS = """
@media print{
  @page{size:A4 landscape;margin:12mm}
  body{font-size:10pt;background:#fff}
  .jp-Notebook{padding:0}
  .ps-table-wrap{overflow:visible}
  table.ps-table td,table.ps-table th{
    white-space:normal;font-size:9pt}
  tr,img,.jp-OutputArea-output{break-inside:avoid;page-break-inside:avoid}
  h1,h2,h3{break-after:avoid;page-break-after:avoid}
  .st,th.decision,.ps-banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  details{display:block} details>summary{list-style:none}
  a{color:inherit}
  .anchor-link{display:none}
}
"""
CSS = CSS + PRINT_CSS


#: nbconvert's lab template without the scripts it loads from a CDN (require.js, MathJax,
#: Mermaid) and with our stylesheet: the report opens offline, with no console errors.
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}<style type="text/css">""" + CSS + """</style>{%- endblock extra_css -%}
"""

_REPR = re.compile(r"^\s*(<[\w.]+ (object )?at 0x[0-9a-f]+>|<Figure size .*>|"
                   r"(Posix|Windows)?Path\(.*\)|<pandas\..* at 0x[0-9a-f]+>)\s*$", re.S)


def report_title(nb) -> str:
    """The report's name: the first ``# heading`` of its first markdown cell."""
    for c in nb.cells:
        if c.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", c.source, re.M)
            if m:
                return m.group(1).strip()
    return "Report"


def page_title(nb, params: dict) -> str:
    """``Fulfilment health · acme · US, DE · as of 2026-11-01``."""
    parts = [report_title(nb), params.get("seller_id") or "all accounts"]
    if params.get("marketplaces"):
        parts.append(str(params["marketplaces"]).replace(",", ", "))
    if params.get("as_of"):
        parts.append(f"as of {params['as_of']}")
    return " · ".join(str(p) for p in parts)


def _relative(text: str, paths: list[tuple[str, str]]) -> str:
    for p, rel in paths:
        if p and p in text:
            text = text.replace(p + "/", rel + "/" if rel else "").replace(p, rel or ".")
    return text


def sanitise(nb, paths: list[tuple[str, str]] = ()) -> None:
    """Drop what a reader must not see from the outputs of ``nb`` (in place): stderr
    (warnings), tracebacks (kept as one line), bare object reprs; absolute ``paths`` are
    replaced by their relative form (``[(absolute, relative), ...]``)."""
    paths = sorted(((str(a), r) for a, r in paths if a), key=lambda t: -len(t[0]))
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        kept = []
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream":
                if o.get("name") == "stderr":
                    continue
                o["text"] = _relative(o.get("text", ""), paths)
                if _REPR.match(o["text"]):
                    continue
            elif o.get("output_type") == "error":
                o = {"output_type": "stream", "name": "stdout",
                     "text": f"{o.get('ename', 'Error')}: {_relative(str(o.get('evalue', '')), paths)}"}
            else:
                data = o.get("data", {})
                if set(data) <= {"text/plain"} and _REPR.match(str(data.get("text/plain", ""))):
                    continue
                for k in ("text/html", "text/markdown", "text/plain"):
                    if k in data and isinstance(data[k], str):
                        data[k] = _relative(data[k], paths)
            kept.append(o)
        c["outputs"] = kept


def render_html(ipynb: str | Path, html: str | Path, *, show_code: bool = False,
                title: str = "", paths: list[tuple[str, str]] = ()) -> Path:
    """Render an executed notebook to one standalone HTML file (code hidden by default;
    images embedded; nothing fetched from the network; outputs sanitised, see
    :func:`sanitise`)."""
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(ipynb), as_version=4)
    sanitise(nb, paths)
    nb.metadata["title"] = title or report_title(nb)
    exporter = HTMLExporter(extra_loaders=[DictLoader({"postship.html.j2": TEMPLATE})],
                            template_file="postship.html.j2", exclude_input=not show_code,
                            exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    Path(html).write_text(body, encoding="utf-8")
    return Path(html)


def _shown_params(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if k in RUNNER_ONLY:
            continue
        if k == "data_dir" and v:
            v = Path(str(v)).name  # the folder's name: no absolute path in the report
        out[k] = v
    return out


def header_html(params: dict, ran_at: str, status: str = "", error: str = "",
                message: str = "") -> str:
    """The line under the report's heading: account, marketplaces, as-of date, when it ran;
    then the banner of a failed or no-data report with its reason."""
    mps = str(params.get("marketplaces") or "").replace(",", ", ") or "all"
    meta = (f"Account <b>{escape(str(params.get('seller_id') or 'all accounts'))}</b> · "
            f"marketplaces: {escape(mps)} · as of <b>{escape(str(params.get('as_of', '')))}"
            f"</b> (data up to the day before) · generated {escape(ran_at)} · "
            f"<a href='#run-information'>run information</a>")
    banner = ""
    if status == "failed":
        banner = (f"<p class='ps-banner failed'><b>This report failed:</b> {escape(error)}. "
                  "What ran is shown below; the error is at the failing section.</p>")
    elif status == "no_data":
        why = message or "no input file for this account was recognised as a report"
        banner = (f"<p class='ps-banner no_data'><b>No data:</b> {escape(why)}. Nothing below "
                  "is a result to act on.</p>")
    return f"<div class='ps-header'><p class='ps-meta'>{meta}</p>{banner}</div>"


def run_info_html(params: dict, files: list[dict], ran_at: str, status: str = "",
                  error: str = "") -> str:
    """The run information every report ends with: parameters, package version, input files
    with SHA-256 and row counts, when it ran. All text escaped."""
    def num(v):
        return "" if v is None else f"{v:,}"

    prow = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                   for k, v in _shown_params(params).items())
    frows = "".join(
        f"<tr><td>{escape(f['file'])}</td><td>{escape(f['report_type'])}</td>"
        f"<td>{num(f['rows_read'])}</td><td>{num(f['accepted'])}</td><td>{num(f['rejected'])}"
        f"</td><td><code>{escape(f['sha256'][:16])}</code></td><td>{escape(f['note'])}</td></tr>"
        for f in files)
    return (f"<div class='postship-run-info' id='run-information'><h2>Run information</h2>"
            f"<table class='postship-params'>"
            f"<tr><th>package version</th><td>{escape(__version__)}</td></tr>{prow}"
            f"<tr><th>ran at</th><td>{escape(ran_at)}</td></tr></table>"
            f"<details><summary>Input files ({len(files)}): SHA-256 and rows</summary>"
            f"<table class='postship-inputs'><tr><th>file</th><th>report</th><th>rows read</th>"
            f"<th>accepted</th><th>rejected</th><th>SHA-256 (first 16)</th><th>note</th></tr>"
            f"{frows}</table></details></div>")


def _html_cell(html: str, tag: str, cid: str):
    from nbformat.v4 import new_code_cell, new_output

    cell = new_code_cell("# added by postship report", outputs=[
        new_output("display_data", data={"text/html": html, "text/plain": tag})])
    cell.metadata["tags"] = [tag]
    cell["id"] = cid
    return cell


def finish_task(ipynb: str, params: dict, files: list[dict], ran_at: str, status: str,
                error: str, show_code: bool, message: str = "") -> str:
    """Add the header and the run information to an executed notebook and render it; returns
    the HTML path ("" when it could not be rendered)."""
    import nbformat

    try:
        nb = nbformat.read(ipynb, as_version=4)
        nb.cells = [c for c in nb.cells
                    if not {RUN_INFO_TAG, HEADER_TAG} & set(c.metadata.get("tags", []))]
        # the header after papermill's error banner (if any) and the notebook's title
        pos = 0
        while pos < len(nb.cells) and "papermill-error-cell-tag" in nb.cells[pos].metadata.get(
                "tags", []):
            pos += 1
        if pos < len(nb.cells) and nb.cells[pos].cell_type == "markdown":
            pos += 1
        nb.cells.insert(pos, _html_cell(header_html(params, ran_at, status, error, message),
                                        HEADER_TAG, "postship-header"))
        nb.cells.append(_html_cell(run_info_html(params, files, ran_at, status, error),
                                   RUN_INFO_TAG, "postship-run-info"))
        nbformat.write(nb, ipynb)
        html = Path(ipynb).with_suffix(".html")
        data_dir = str(params.get("data_dir") or "")
        paths = [(data_dir, Path(data_dir).name if data_dir else ""),
                 (str(Path(ipynb).resolve().parent), ""), (str(PACKAGE_ROOT), "")]
        render_html(ipynb, html, show_code=show_code, title=page_title(nb, params),
                    paths=paths)
        return str(html)
    except Exception as e:  # a render failure must not lose the executed notebook
        print(f"could not render {ipynb}: {type(e).__name__}: {e}", file=sys.stderr)
        return ""
