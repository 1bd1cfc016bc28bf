"""The one CSV / XLSX writer: OWASP's formula-injection rule on every text cell, numbers kept
numeric, XLSX text never a formula, files renamed into place."""

from __future__ import annotations

import csv
import os

import numpy as np
import pandas as pd
import pytest

from postship_analysis import bulksheet as B
from postship_analysis import spreadsheet as S
from postship_analysis.reporting import outputs

#: one hostile value per dangerous first character (OWASP: = + - @ tab CR)
HOSTILE = ['=HYPERLINK("http://x.example","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)",
           "\t=1+1", "\r=1+1"]


def frame():
    return pd.DataFrame({
        "search_term": HOSTILE,
        "sku": pd.array(["=A1", "ok", None, "@x", "-1", "+2.5"], dtype="string"),
        "cat": pd.Categorical(["=c", "d", "=c", "d", "d", "d"]),
        "units": [1, -2, 3, -4, 5, 6],
        "spend": [-1.5, 2.0, np.nan, 0.1, -0.0, 3.25],
        "when": pd.to_datetime(["2026-10-01"] * 6).tz_localize("UTC"),
        "=col": ["a"] * 6,
    })


def test_neutralise_rule():
    for v in HOSTILE:
        assert S.neutralise(v) == "'" + v
    # harmless text, plain numbers written as text, non-text: unchanged
    for v in ("usb cable", "", "'=already", " =space first", "-5", "+1.5", "2e3", "-.5",
              "-"):
        assert S.neutralise(v) == v
    for v in (-2.5, 3, None, pd.NA):
        assert S.neutralise(v) is v


def test_csv_has_no_live_formula_and_numbers_stay_numbers(tmp_path):
    p = outputs.write_csv(frame(), tmp_path, "list")
    rows = list(csv.reader(open(p, encoding="utf-8-sig", newline="")))
    header, body = rows[0], rows[1:]
    assert header[-1] == "'=col"
    # every text cell a spreadsheet would run starts with a quote now
    for row in rows:
        for cell in row:
            assert not S.is_dangerous(cell), (row, cell)
    assert [r[0] for r in body] == ["'" + v for v in HOSTILE]
    # a CR inside a field is quoted, so it cannot start a row of its own
    assert b'"\'\r=1+1"' in p.read_bytes()
    assert [r[1] for r in body] == ["'=A1", "ok", "", "'@x", "-1", "+2.5"]
    assert [r[2] for r in body] == ["'=c", "d", "'=c", "d", "d", "d"]
    # numeric columns untouched: -2 and -1.5 are numbers, not quoted text
    assert [r[3] for r in body] == ["1", "-2", "3", "-4", "5", "6"]
    assert [r[4] for r in body][:2] == ["-1.5", "2.0"]
    assert body[0][5] == "2026-10-01T00:00:00+0000"
    back = pd.read_csv(p, encoding="utf-8-sig")
    assert back["units"].dtype.kind == "i" and back["spend"].dtype.kind == "f"


def test_xlsx_text_is_string_never_formula(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    df = frame().assign(ctrl=["bell\x07", "ok", "x", "y", "z", "w"])
    p = S.write_xlsx({"Sheet A": df}, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(p)["Sheet A"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and not [c for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if S.is_dangerous(t)]
    col = [c.value for c in ws["A"]][1:]
    assert col == ["'" + v.replace("\r", "\n") for v in HOSTILE]  # XML stores CR as LF
    assert [c.value for c in ws["D"]][1:] == [1, -2, 3, -4, 5, 6]  # numbers, numeric
    assert ws["E2"].value == -1.5 and ws["E4"].value is None  # NaN -> empty
    assert ws["H2"].value == "bell"  # a control character XLSX cannot hold is dropped


def test_bulksheet_goes_through_the_writer(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    sheet = pd.DataFrame({c: [None, None] for c in B.COLUMNS})
    sheet["Product"], sheet["Entity"], sheet["Operation"] = (
        "Sponsored Products", "Negative keyword", "Create")
    sheet["Campaign Name"] = ["=C", "C"]
    sheet["Keyword Text"] = ['=HYPERLINK("http://x.example","y")', "-2+3"]
    p = B.write_bulksheet(sheet, tmp_path, "bulk")
    ws = openpyxl.load_workbook(p)[B.SHEET]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    kw = B.COLUMNS.index("Keyword Text") + 1
    assert [ws.cell(r, kw).value for r in (2, 3)] == \
        ["'=HYPERLINK(\"http://x.example\",\"y\")", "'-2+3"]
    assert ws.cell(2, B.COLUMNS.index("Campaign Name") + 1).value == "'=C"


def test_formula_like_search_terms_never_reach_the_upload_rows():
    """The planner keeps such terms out of the upload file (a quote would become part of the
    keyword on Amazon) and lists them to add by hand."""
    from postship_analysis import contract

    ent = contract.conform(pd.DataFrame({
        "seller_id": "s", "marketplace": "US", "entity": "Ad group", "campaign_id": "1",
        "ad_group_id": "2", "campaign_name": "C", "ad_group_name": "G", "state": "enabled",
        "campaign_state": "enabled"}, index=[0]), "ad_entities")
    negs = pd.DataFrame({"seller_id": "s", "marketplace": "US",
                         "negative_type": ["negative_exact"] * 3, "campaign_name": "C",
                         "ad_group_name": "G", "evidence": "",
                         "search_term": ['=HYPERLINK("http://x.example","y")', "-2+3", "mug"]})
    ch = B.negative_changes(negs, ent)
    assert ch["uploadable"].tolist() == [False, False, True]
    assert ch["reason"].iloc[0].endswith("by hand in the console")
    assert B.upload_rows(ch)["Keyword Text"].tolist() == ["mug"]


def test_a_failed_write_leaves_the_previous_file(tmp_path):
    p = outputs.write_csv(pd.DataFrame({"a": [1]}), tmp_path, "x")
    before = p.read_bytes()

    class Boom:
        def __getitem__(self, k):
            raise RuntimeError("boom")

    with pytest.raises(Exception):  # noqa: B017  (anything: the point is what is left)
        S._replace_into(p, lambda tmp: (tmp.write_text("half"), Boom()[0]))
    assert p.read_bytes() == before
    assert [q.name for q in tmp_path.iterdir()] == ["x.csv"]  # no temporary file left


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_written_files_get_the_mode_of_any_new_file(tmp_path, umask):
    """CSV, XLSX and the index/history text files are renamed into place from a temporary
    file; they must not keep mkstemp's 0600 (a report folder shared with a team or served by
    a web server would hide them), but get 0666 less the umask like the HTML beside them."""
    pytest.importorskip("openpyxl")
    from postship_analysis.reporting import publish

    old = os.umask(umask)
    try:
        written = [outputs.write_csv(pd.DataFrame({"a": [1]}), tmp_path, "list"),
                   S.write_xlsx({"S": pd.DataFrame({"a": ["x"]})}, tmp_path / "bulk.xlsx"),
                   publish.write_text_atomic(tmp_path / "index.html", "<p>x</p>"),
                   outputs.write_csv(pd.DataFrame({"a": [2]}), tmp_path, "list")]  # replace
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
    finally:
        os.umask(old)
    want = plain.stat().st_mode & 0o777
    assert want == 0o666 & ~umask
    assert [p.stat().st_mode & 0o777 for p in written] == [want] * 4
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bulk.xlsx", "index.html", "list.csv", "plain.txt"]  # no temporary file left
