"""The one writer of every CSV and XLSX file the project produces, safe against formula
injection.

Search terms are typed by shoppers and product names, SKUs and account folder names by
others: text that reaches a spreadsheet must never run in it. OWASP's CSV-injection rule
("CSV Injection", owasp.org/www-community/attacks/CSV_Injection): a text cell whose first
character is ``=``, ``+``, ``-``, ``@``, tab or carriage return is written with a leading
single quote, so Excel, LibreOffice and Google Sheets show it as text and never evaluate it.

Decisions
---------
- Only *text* is touched. Numbers in numeric columns are written as numbers; a text cell that
  is a plain number (``-5``, ``+1.5``, ``2e3``) is left alone too, because a spreadsheet reads
  it as that number, never as a formula. A lone ``-`` (Amazon's "no value", e.g. the match
  type of an automatic target) is text in every spreadsheet and stays as it is.
- Column names are text cells too and follow the same rule.
- XLSX: every text cell is written with the string type (never a formula, whatever it
  starts with), after the same quote prefix, so the readable CSV and the XLSX agree and a file
  re-saved as CSV from a spreadsheet stays neutralised. Characters XLSX cannot hold (ASCII
  control characters other than tab, line feed and carriage return) are dropped instead of
  failing the whole file.
- Files are written beside their final name and renamed into place, so a reader never sees
  half a file.
- The bottom layer (imports only pandas, numpy and, for XLSX, openpyxl), so analytics
  modules that build a file (:mod:`postship_analysis.bulksheet`) and the reporting layer use
  the same code.

The synthetic sample's input files (:mod:`postship_analysis.sample`) are not outputs: they
imitate Amazon's exports byte for byte (including hostile text planted on purpose) and are
not neutralised; the sample and the fetch share only :func:`reproducible_xlsx`, which makes a
workbook's bytes depend on its content alone.

Example
-------
>>> neutralise('=HYPERLINK("http://x.example","y")')
'\\'=HYPERLINK("http://x.example","y")'
>>> neutralise("-2+3"), neutralise("-5"), neutralise("usb cable"), neutralise(-2.5)
("'-2+3", '-5', 'usb cable', -2.5)
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

#: first characters that make a spreadsheet treat a cell as a formula (OWASP)
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: characters an XLSX cell cannot hold (openpyxl refuses them): C0 controls but tab, LF, CR
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: time-stamp format of CSV outputs (ISO 8601)
CSV_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def is_dangerous(text: str) -> bool:
    """True when ``text`` would be read as a formula by a spreadsheet (see module doc)."""
    return (isinstance(text, str) and text[:1] in DANGEROUS_PREFIXES and text != "-"
            and not _PLAIN_NUMBER.fullmatch(text))


def neutralise(value):
    """``value`` with a leading single quote when it is text that a spreadsheet would run;
    anything else (numbers, dates, missing values, harmless text) unchanged."""
    if isinstance(value, str) and is_dangerous(value):
        return "'" + value
    return value


def neutralise_series(s: pd.Series) -> pd.Series:
    """:func:`neutralise` over a column; numeric, boolean and date columns are returned as
    they are (they hold no text)."""
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)
            or isinstance(s.dtype, pd.CategoricalDtype)):
        return s
    vals = s.astype(object).to_numpy()
    first = np.array([v[:1] if isinstance(v, str) else "" for v in vals], dtype=object)
    hit = np.isin(first, DANGEROUS_PREFIXES)
    if not hit.any():
        return s
    out = vals.copy()
    for i in np.flatnonzero(hit):
        out[i] = neutralise(vals[i])
    return pd.Series(out, index=s.index, name=s.name, dtype=object)


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names are neutralised."""
    out = pd.DataFrame({i: neutralise_series(df.iloc[:, i]) for i in range(df.shape[1])},
                       index=df.index)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in df.columns]
    return out


def open_beside(path: Path) -> tuple[int, str]:
    """Create a new temporary file beside ``path`` (``.NAME.XXXXXXXX.part``) and return its
    open descriptor and name. Unlike :func:`tempfile.mkstemp` (always mode 0600) the file
    gets the mode any new file gets (0666 less the umask, like the HTML beside it), so a
    report folder shared with a team or a web server stays readable after the rename."""
    path = Path(path)
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.part"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def _replace_into(path: Path, write) -> Path:
    """Run ``write(tmp_path)`` on a temporary file beside ``path``, then rename it over
    ``path`` (atomic on one file system); the temporary file is removed on any failure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = open_beside(path)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(df: pd.DataFrame, path: str | Path, *, encoding: str = "utf-8-sig",
              date_format: str = CSV_DATE_FORMAT) -> Path:
    """Write ``df`` (no index) as CSV, neutralised. Default UTF-8 with BOM, so Excel shows
    accents right; time stamps as ISO 8601. Lines end with CR LF (RFC 4180), so a field that
    holds a CR or LF is always quoted and cannot start a new row with its own text."""
    safe = neutralise_frame(df)
    return _replace_into(Path(path), lambda p: safe.to_csv(
        p, index=False, encoding=encoding, date_format=date_format, lineterminator="\r\n"))


def _xlsx_value(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float | np.floating) and not np.isfinite(v):
        return None
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, pd.Timestamp | np.datetime64):
        ts = pd.Timestamp(v)
        return (ts.tz_localize(None) if ts.tzinfo is not None else ts).to_pydatetime()
    if isinstance(v, str):
        return _XLSX_ILLEGAL.sub("", neutralise(v))
    if isinstance(v, int | float):
        return v
    return _XLSX_ILLEGAL.sub("", neutralise(str(v)))


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write one workbook with a sheet per entry of ``sheets`` (name -> frame, no index):
    header row then data; every text cell a string (never a formula), neutralised; numbers
    numeric; missing values empty."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    def write(p: Path) -> None:
        wb = Workbook(write_only=True)
        for name, df in sheets.items():
            ws = wb.create_sheet(title=str(name)[:31])

            def cell(v, ws=ws):
                c = WriteOnlyCell(ws, value=_xlsx_value(v))
                if isinstance(c.value, str):
                    c.data_type = "s"  # text stays text, whatever it starts with
                return c

            ws.append([cell(c) for c in df.columns])
            for row in df.itertuples(index=False, name=None):
                ws.append([cell(v) for v in row])
        wb.save(p)

    return _replace_into(Path(path), write)


def reproducible_xlsx(data: bytes, stamp: str) -> bytes:
    """The XLSX ``data`` rewritten so its bytes depend only on its content: zip entries in
    name order, each dated 1980-01-01 00:00 (the zip format's earliest date), deflated, and
    the workbook's ``dcterms:created`` / ``dcterms:modified`` in ``docProps/core.xml`` set to
    ``stamp`` (an ISO 8601 UTC time such as ``2026-11-01T06:00:00Z``). openpyxl writes the
    current time in both places; a file fetched or generated twice from the same data must be
    byte-identical (the sample is checked in, a fetch compares files to skip rewrites).

    Example
    -------
    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("docProps/core.xml", "<dcterms:created x='1'>2020</dcterms:created>")
    >>> out = zipfile.ZipFile(io.BytesIO(reproducible_xlsx(buf.getvalue(), "2026-01-01T00:00:00Z")))
    >>> out.read("docProps/core.xml").decode(), out.infolist()[0].date_time
    ("<dcterms:created x='1'>2026-01-01T00:00:00Z</dcterms:created>", (1980, 1, 1, 0, 0, 0))
    """
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist()):
            entry = src.read(name)
            if name == "docProps/core.xml":
                text = entry.decode("utf-8")
                for tag in ("created", "modified"):
                    text = re.sub(rf"(<dcterms:{tag}[^>]*>)[^<]*(</dcterms:{tag}>)",
                                  rf"\g<1>{stamp}\g<2>", text)
                entry = text.encode("utf-8")
            dst.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), entry,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


__all__ = ["DANGEROUS_PREFIXES", "is_dangerous", "neutralise", "neutralise_frame",
           "neutralise_series", "open_beside", "reproducible_xlsx", "write_csv", "write_xlsx"]
