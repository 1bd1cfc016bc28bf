"""The rules of issue 15 point 2 a rendered report must keep, checked on its HTML alone
(standard library only, independent of the code that wrote it). Used by test_report_html.py;
run it by hand on a run folder: ``python tests/report_rules.py reports/``.

A rule broken is returned as a sentence naming the page and what was found.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

#: cell texts that are a missing value printed raw (pandas / numpy / Python spellings)
RAW_MISSING = {"nan", "NaN", "<NA>", "None", "NaT", "inf", "-inf", "nan%", "NaN%", "inf%",
               "null"}
#: a number with five or more decimals (``0.090909``, ``2.080076e-21``), or in exponent form
LONG_NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d{5,}(?![\w.])|(?<![\w.])\d(\.\d+)?e[-+]\d+\b")
#: what a reader must never see
LEAKS = {
    "traceback": re.compile(r"Traceback \(most recent call last\)"),
    "warning": re.compile(r"\b\w*(User|Future|Runtime|Deprecation|Performance|SettingWithCopy)"
                          r"Warning\b"),
    "object repr": re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>|<Figure size \d|"
                              r"(Posix|Windows)Path\(|<matplotlib\.|<Axes: "),
    "absolute path": re.compile(r"(?<![\w.:/])/(work|tmp|home|root|usr|var|opt)/[\w./-]+"),
    "code": re.compile(r"^\s*(import \w+|from [\w.]+ import |def \w+\()", re.M),
}


class _Page(HTMLParser):
    """Collects the title, the text of every table cell (with its table's class and whether it
    sits in the run information), the header rows, and the visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.text, self.cells, self.tables = "", [], [], []
        self._stack: list[str] = []
        self._skip = 0
        self._in_title = False
        self._cell: list[str] | None = None
        self._table: list[dict] = []
        self._runinfo = 0
        self._div_depth: list[bool] = []
        self.stderr_outputs = 0
        self.input_cells = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "title":
            self._in_title = True
        if tag == "div":
            is_ri = "postship-run-info" in cls.split()
            self._div_depth.append(is_ri)
            self._runinfo += is_ri
            if "application/vnd.jupyter.stderr" in (a.get("data-mime-type") or ""):
                self.stderr_outputs += 1
            if {"jp-InputArea-editor", "jp-CodeMirrorEditor"} & set(cls.split()):
                self.input_cells += 1
        if tag == "table":
            t = {"cls": cls, "runinfo": self._runinfo > 0, "rows": [], "id": a.get("id", ""),
                 "body_th": False}
            self._table.append(t)
            self.tables.append(t)
        if tag == "tr" and self._table:
            self._table[-1]["rows"].append([])
        if tag in ("td", "th") and self._table:
            self._cell = []
            self._cell_tag, self._cell_cls = tag, cls
            if tag == "th" and ("row_heading" in cls or "blank" in cls.split()
                                or "index_name" in cls):
                self._table[-1]["body_th"] = True
        if tag == "tbody":
            self._stack.append("tbody")

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)
        if tag == "title":
            self._in_title = False
        if tag == "div" and self._div_depth:
            self._runinfo -= self._div_depth.pop()
        if tag in ("td", "th") and self._cell is not None and self._table:
            text = " ".join("".join(self._cell).split())
            t = self._table[-1]
            if t["rows"]:
                t["rows"][-1].append((self._cell_tag, text))
            if self._cell_tag == "td":
                self.cells.append((t, text))
            if self._cell_tag == "th" and "tbody" in self._stack and not t["runinfo"]:
                t["body_th"] = True
            self._cell = None
        if tag == "table" and self._table:
            self._table.pop()
        if tag == "tbody" and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def check_report(path: Path, *, report: str = "", account: str = "", as_of: str = ""
                 ) -> list[str]:
    """Every broken rule of one report page, as sentences (empty: the page passes)."""
    html = Path(path).read_text(encoding="utf-8")
    p = parse(html)
    name = Path(path).name
    bad = []
    # titles name report, account and as-of date
    if not p.title.strip() or p.title.strip() == "Notebook":
        bad.append(f"{name}: no <title> ({p.title!r})")
    for want in (report, account, f"as of {as_of}" if as_of else ""):
        if want and want not in p.title:
            bad.append(f"{name}: <title> {p.title!r} does not name {want!r}")
    # no raw missing values, no long numbers, in any table cell the reader sees
    for t, text in p.cells:
        if t["runinfo"]:
            continue
        if text in RAW_MISSING:
            bad.append(f"{name}: table {t['id'] or t['cls'] or '?'} has a cell {text!r}")
        m = LONG_NUMBER.search(text)
        if m:
            bad.append(f"{name}: table {t['id'] or t['cls'] or '?'} shows {m.group(0)!r} "
                       f"(in {text[:60]!r})")
    # no index column: every table outside the run information is a table for people
    for t in p.tables:
        if t["runinfo"]:
            continue
        if "ps-table" not in t["cls"].split():
            first = t["rows"][1] if len(t["rows"]) > 1 else t["rows"][:1]
            bad.append(f"{name}: a table not made for people (class {t['cls']!r}, first row "
                       f"{first!r})")
        elif t["body_th"]:
            bad.append(f"{name}: table {t['id'] or '?'} has an index column")
    # nothing but prose, tables and charts: no code, warnings, reprs, absolute paths
    visible = "\n".join(p.text)
    for what, rx in LEAKS.items():
        m = rx.search(visible)
        if m:
            bad.append(f"{name}: {what} in the page: {m.group(0)[:80]!r}")
    for bare in RAW_MISSING - {"None", "null"}:
        # a raw missing value in prose, as a word of its own (a sentence can say "None")
        m = re.search(rf"(?<![\w<&]){re.escape(bare)}(?![\w>])", visible)
        if m and bare not in ("inf",):
            bad.append(f"{name}: {bare!r} in the page text")
    if p.stderr_outputs:
        bad.append(f"{name}: {p.stderr_outputs} stderr output(s) shown")
    if p.input_cells:
        bad.append(f"{name}: {p.input_cells} code cell(s) shown")
    return bad


def check_index(path: Path) -> list[str]:
    """The index page: title set, every table for people, no raw missing values or long
    numbers, no leaks."""
    return check_report(path)


if __name__ == "__main__":
    problems = []
    for root in sys.argv[1:]:
        for page in sorted(Path(root).rglob("*.html")):
            problems += check_report(page)
    print("\n".join(problems) or "all pages pass")
    sys.exit(1 if problems else 0)
