"""Reading machinery shared by every report reader.

A reader is a :class:`ReportSpec`: the report's canonical table and, per canonical column,
the header names Amazon has used for it and how to parse its values. :func:`read_report`
then does the same thing for every report:

1. **Decode.** Encoding from the byte-order mark, else UTF-8 if the bytes are valid UTF-8,
   else the best of cp1252 / Shift-JIS / UTF-16 by ``charset_normalizer``.
2. **Find the header.** The delimiter (tab, comma, semicolon, pipe) and the header line (one of
   the first 10, so template preambles such as ``TemplateType=OrderFulfillment`` are skipped)
   are the pair whose cells match most of the spec's header names. Headers are matched by
   name, never by position, after normalising case, spaces, ``_``/``-`` and a trailing
   currency such as ``(₹)``.
3. **Read.** With Apache Arrow's CSV reader (the engine behind ``pandas.read_csv(engine=
   "pyarrow")``, used directly because it lets us switch quoting off for tab files and hands
   us malformed rows instead of failing); only the columns the caller needs are converted.
   Tab-delimited flat files are read without quote processing, as Amazon writes them.
4. **Parse and validate** every field vectorised: numbers with the column's decimal separator
   (detected from the values, else the marketplace's), currency symbols, ``%`` and thousands
   separators; dates with one format chosen per column (so ``04/07/2026`` is not read
   day-first in one row and month-first in the next); naive times are marketplace-local.
5. **Account for every row.** A row with a wrong number of fields, an unparseable or missing
   required value, a negative quantity or an exact duplicate is *quarantined* with file, line,
   column and reason. Duplicates inside one file are judged on the report's real key where
   it has one (``ReportSpec.unique_key``: All Orders' order-id + order-item-id); a report
   without one keeps equal lines (two identical order lines are two units); overlapping
   downloads across files are resolved by :func:`postship_analysis.datafolder.resolve_overlaps`.
   ``accepted + rejected == rows_read`` always holds (checked on construction). Blank lines
   are not rows; they are counted in ``blank_lines``.

Whole-file problems raise :class:`~postship_analysis.errors.InputFileError` subclasses.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import contract
from ..errors import (
    EmptyFileError,
    InputFileError,
    MissingColumnsError,
    UnreadableFileError,
    WrongReportError,
)

KINDS = ("str", "int", "money", "float", "pct", "pct100", "ts", "date", "bool")


@dataclass(frozen=True)
class Field:
    """One canonical column of a report.

    Parameters
    ----------
    name : canonical column name (see :mod:`postship_analysis.contract`).
    aliases : header names Amazon has used for it; matched after :func:`norm_header`.
    kind : how to parse the text: ``str``, ``int`` (nullable integer), ``money``/``float``
        (decimal comma or point, currency symbols and thousands separators removed), ``pct``
        (``12.5%`` -> 0.125; a bare number is already a fraction), ``pct100`` (a bare number is
        0-100), ``ts`` (UTC timestamp), ``date`` (local calendar date), ``bool``.
    required : the column must be in the header (else :class:`MissingColumnsError`).
    notnull : a row with an empty value is quarantined.
    min_value : a row with a smaller value is quarantined (e.g. 0 for quantities).
    date_format : for ``ts`` / ``date``: the format the report is documented to use (strptime,
        e.g. ``%m-%d-%y``); it decides dates that fit day-first and month-first alike.
    """

    name: str
    aliases: tuple[str, ...]
    kind: str = "str"
    required: bool = False
    notnull: bool = False
    min_value: float | None = None
    date_format: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r} for field {self.name}")
        object.__setattr__(self, "aliases", tuple(norm_header(a) for a in self.aliases))


@dataclass(frozen=True)
class ReportSpec:
    """A report layout: what it is, where to get it, and its fields."""

    report_type: str
    title: str
    table: str
    fields: tuple[Field, ...]
    amazon_name: str = ""
    where: str = ""
    key: tuple[str, ...] = ()
    #: a field whose values say the marketplace row by row (e.g. orders' sales_channel)
    marketplace_field: str | None = None
    #: duplicates *inside one file*: None = rows equal on ``key`` (or on every column read);
    #: a tuple = only rows equal on this real key, where every key value is given (All
    #: Orders: order-id + order-item-id); ``()`` = the report has no real key, so two equal
    #: lines are two real rows (an order's two identical lines are two units)
    unique_key: tuple[str, ...] | None = None

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]


REGISTRY: dict[str, ReportSpec] = {}
#: report_type -> reader function ``f(path, *, seller_id, marketplace, columns=None) -> ReadResult``
READERS: dict[str, Callable[..., ReadResult]] = {}


def register(spec: ReportSpec) -> ReportSpec:
    """Add a spec to the registry used by report-type detection."""
    REGISTRY[spec.report_type] = spec
    return spec


def reader(*report_types: str):
    """Decorator: declare the function that reads files of these report types.

    The data-folder loader (:mod:`postship_analysis.datafolder`) calls it as
    ``f(path, seller_id=..., marketplace=...)`` for every file detected as that type.
    """

    def deco(func):
        for rt in report_types:
            READERS[rt] = func
        return func

    return deco


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------

QUARANTINE_COLUMNS = ["file", "line", "column", "reason", "value"]


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({"file": pd.Series(dtype="string"), "line": pd.Series(dtype="Int64"),
                         "column": pd.Series(dtype="string"), "reason": pd.Series(dtype="string"),
                         "value": pd.Series(dtype="string")})


@dataclass
class ReadResult:
    """What a reader returns: accepted rows, quarantined rows and the accounting.

    ``data`` is a canonical table (see :mod:`postship_analysis.contract`); ``quarantine`` has
    one row per rejected input row with ``file, line, column, reason, value`` (``line`` is the
    1-based physical line in a text file, the sheet row in a workbook, the record number in
    JSON).
    """

    path: str
    report_type: str
    table: str
    data: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int
    encoding: str = ""
    delimiter: str = ""
    header: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    blank_lines: int = 0
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.accepted + self.rejected != self.rows_read:
            raise AssertionError(
                f"{self.path}: row accounting broken: {self.accepted} accepted + "
                f"{self.rejected} rejected != {self.rows_read} read"
            )

    @property
    def accepted(self) -> int:
        return len(self.data)

    @property
    def rejected(self) -> int:
        return len(self.quarantine)

    def summary(self) -> dict:
        """One dict for the row-accounting tables in reports."""
        return {
            "file": self.path,
            "report_type": self.report_type,
            "rows_read": self.rows_read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "blank_lines": self.blank_lines,
            "encoding": self.encoding,
            "delimiter": {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
                self.delimiter, self.delimiter),
            "unknown_columns": len(self.unknown_columns),
            "warnings": "; ".join(self.warnings),
        }


def combine(results: Sequence[ReadResult], report_type: str | None = None) -> ReadResult:
    """Stack several results of the same table (e.g. monthly files) into one."""
    if not results:
        raise ValueError("combine() needs at least one result")
    table = results[0].table
    data = pd.concat([r.data for r in results], ignore_index=True)
    quarantine = pd.concat([r.quarantine for r in results], ignore_index=True)
    return ReadResult(
        path=", ".join(r.path for r in results),
        report_type=report_type or results[0].report_type,
        table=table,
        data=contract.conform(data, table),
        quarantine=quarantine,
        rows_read=sum(r.rows_read for r in results),
        blank_lines=sum(r.blank_lines for r in results),
        warnings=[w for r in results for w in r.warnings],
    )


# ---------------------------------------------------------------------------------------------
# Headers, encodings, delimiters
# ---------------------------------------------------------------------------------------------

_CURRENCY_SUFFIX = re.compile(r"\s*\((?:₹|\$|£|€|¥|rs\.?|inr|usd|eur|gbp|jpy|cad|aud)\)\s*$", re.I)
_WS = re.compile(r"\s+")


def norm_header(h: object) -> str:
    """Normalise a header cell for matching: no BOM, lower case, single spaces, ``_`` -> ``-``,
    no trailing currency like ``(₹)``.

    >>> norm_header("\\ufeff7 Day Total Sales (₹) ")
    '7 day total sales'
    """
    return _norm_header(str(h))


@functools.lru_cache(maxsize=1 << 16)
def _norm_header(s: str) -> str:
    # cached: recognising a file tries every report's header against its first lines, so the
    # same cells are normalised hundreds of times (half the time of recognising a folder)
    s = s.replace("\ufeff", "").strip().lower().replace("_", "-")
    s = _WS.sub(" ", s)
    return _CURRENCY_SUFFIX.sub("", s).strip()


SAMPLE_BYTES = 1 << 16
DELIMITERS = ("\t", ",", ";", "|")


def detect_encoding(raw: bytes, marketplace: str | None = None) -> str:
    """Guess the text encoding of (the start of) a file (see module docstring); "" when it is
    none we read. ``marketplace`` JP means Shift-JIS (cp932) for non-UTF-8 text."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if raw[:200].count(b"\x00") > 20:
        return "utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be"
    for cut in range(4):  # the sample may end inside a multi-byte character
        try:
            raw[: len(raw) - cut].decode("utf-8")
            return "utf-8"
        except UnicodeDecodeError:
            continue
    return legacy_encoding(raw, marketplace)


#: single- and double-byte encodings Seller Central writes outside UTF-8 (cp932 is Windows'
#: Shift-JIS, a superset of shift_jis); latin-1 is deliberately absent: it decodes any bytes,
#: so it would garble a Japanese file without a word
LEGACY_ENCODINGS = ("cp1252", "cp932", "euc_jp")
_NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")


def _decodes(raw: bytes, enc: str, whole: bool) -> bool:
    cuts = (0,) if whole else range(3)  # a sample may end inside a two-byte character
    for cut in cuts:
        try:
            raw[: len(raw) - cut].decode(enc)
            return True
        except (UnicodeDecodeError, LookupError):
            continue
    return False


def legacy_encoding(raw: bytes, marketplace: str | None = None, whole: bool = False) -> str:
    """The encoding of non-UTF-8 text, or "" when none of :data:`LEGACY_ENCODINGS` decodes
    every byte (the caller then refuses the file rather than garble it).

    Judged on the lines that hold non-ASCII bytes only (up to 256 KB of them), so a file
    whose first 95 % is ASCII is still recognised by its Japanese or accented rows; in the
    JP marketplace Shift-JIS (cp932) wins whenever it decodes the bytes. ``whole``: ``raw`` is
    the whole file (else a sample that may end inside a character).
    """
    if marketplace == "JP" and _decodes(raw, "cp932", whole):
        return "cp932"
    lines, n = [], 0
    for m in _NON_ASCII_LINE.finditer(raw):
        lines.append(m.group())
        n += len(lines[-1])
        if n >= 1 << 18:
            break
    sample = b"\n".join(lines) or raw
    from charset_normalizer import from_bytes

    ranked = [r.encoding for r in from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS + (
        "shift_jis",)))]
    ranked = ["cp932" if e == "shift_jis" else e for e in ranked]
    for enc in dict.fromkeys([*ranked, *LEGACY_ENCODINGS]):
        if enc in LEGACY_ENCODINGS and _decodes(raw, enc, whole):
            return enc
    return ""


def _first_undecodable_line(raw: bytes) -> int:
    for i, line in enumerate(raw.split(b"\n"), 1):
        if any(_decodes(line, e, True) for e in ("utf-8", *LEGACY_ENCODINGS)):
            continue
        return i
    return 0


def _is_zip(raw: bytes) -> bool:
    return raw[:4] == b"PK\x03\x04"


@dataclass
class _Header:
    delimiter: str
    line_index: int  # 0-based line of the header
    names: list[str]  # raw header cells
    matched: dict[str, int]  # canonical name -> column position


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == "\t":
        return line.rstrip("\r\n").split("\t")
    return next(csv.reader([line], delimiter=delimiter), [])


def match_columns(names: Iterable[str], spec: ReportSpec) -> dict[str, int]:
    """Map canonical field names to column positions by header name."""
    normed = [norm_header(n) for n in names]
    pos = {}
    for i, n in enumerate(normed):
        pos.setdefault(n, i)
    out = {}
    for f in spec.fields:
        for a in f.aliases:
            if a in pos:
                out[f.name] = pos[a]
                break
    return out


def _marketplace_code(marketplace) -> str | None:
    if not marketplace:
        return None
    try:
        return contract.marketplace(marketplace).code
    except Exception:
        return None


def find_header(lines: list[str], spec: ReportSpec, max_lines: int = 10) -> _Header | None:
    """Pick the (delimiter, header line) whose cells match most of the spec's fields."""
    best: _Header | None = None
    best_score = (-1, -1)
    for i, line in enumerate(lines[:max_lines]):
        if not line.strip():
            continue
        for d in DELIMITERS:
            if d not in line and len(spec.fields) > 1:
                continue
            names = _split(line, d)
            matched = match_columns(names, spec)
            n_req = sum(1 for f in spec.required if f.name in matched)
            score = (n_req, len(matched))
            if score > best_score:
                best_score, best = score, _Header(d, i, names, matched)
    return best


def _decode_head(path: Path) -> tuple[bytes, str, list[str]]:
    with open(path, "rb") as fh:
        raw = fh.read(SAMPLE_BYTES)
    if not raw.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        if len(raw) == 0:
            raise EmptyFileError(path, "the file is empty (0 bytes)", "a report with a header row")
        raise EmptyFileError(path, "the file holds only whitespace, no header row",
                             "a report with a header row")
    if _is_zip(raw):
        return raw, "zip", []
    enc = detect_encoding(raw)
    if not enc:
        line = _first_undecodable_line(raw)
        where = f" (first bad line {line})" if line else ""
        raise UnreadableFileError(path, "cannot tell the text encoding: the bytes are not "
                                  f"UTF-8, UTF-16, cp1252 or Shift-JIS text{where} (binary "
                                  "file?)", "a text report in UTF-8, UTF-16, cp1252 or Shift-JIS")
    text = raw.decode(enc, errors="replace")
    lines = text.splitlines(keepends=True)
    if len(raw) == SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # last line of the sample may be cut
    return raw, enc, lines


def sniff_header(path: str | Path) -> tuple[str, str, list[list[str]]]:
    """Encoding, and the first lines split by each candidate delimiter (for detection)."""
    path = Path(path)
    raw, enc, lines = _decode_head(path)
    return enc, "", [ln.rstrip("\r\n") for ln in lines[:10]]


# ---------------------------------------------------------------------------------------------
# Loading raw text into a frame of strings
# ---------------------------------------------------------------------------------------------


@dataclass
class RawTable:
    """Strings as read, with canonical column names, and the structural accounting."""

    frame: pd.DataFrame  # one column per matched field, dtype str, "" for empty
    lines: np.ndarray  # physical line (1-based) of each row in frame
    bad: list[tuple[int, str]]  # (line, reason) of rows that could not be split into fields
    rows_read: int
    blank_lines: int
    encoding: str
    delimiter: str
    header: list[str]
    unknown_columns: list[str]
    source_names: dict[str, str] = field(default_factory=dict)  # canonical -> file's header


def _missing_or_wrong(path, spec: ReportSpec, names: list[str], matched: dict[str, int]):
    missing = [f for f in spec.required if f.name not in matched]
    if not missing:
        return
    # Is it another report we know?
    from .detect import detect_from_header  # local import: detect uses the registry

    other = detect_from_header(names)
    if other and other.report_type != spec.report_type:
        raise WrongReportError(
            path,
            f"this looks like a {other.title} ({other.report_type}), not a {spec.title}",
            f"a {spec.title}" + (f" ({spec.amazon_name})" if spec.amazon_name else ""),
        )
    raise MissingColumnsError(path, [f.aliases[0] for f in missing], [n.strip() for n in names],
                              spec.report_type)


def _decide_whole(path: Path, whole: bytes, marketplace: str | None) -> str:
    """The encoding of a whole non-UTF-8 file, or UnreadableFileError naming the first line
    that no encoding we read can decode (never a silent garble)."""
    enc = legacy_encoding(whole, marketplace, whole=True)
    if not enc:
        line = _first_undecodable_line(whole)
        raise UnreadableFileError(
            path, "mixed or unknown text encoding: not UTF-8, and neither cp1252 nor Shift-JIS "
            f"decodes every line (first bad line {line})",
            "the file as downloaded, in one encoding (UTF-8, cp1252 or Shift-JIS)")
    return enc


def load_text(path: str | Path, spec: ReportSpec, columns: Sequence[str] | None = None,
              marketplace: str | None = None) -> RawTable:
    """Read a delimited text report into strings (steps 1-3 of the module docstring).
    ``marketplace`` JP means Shift-JIS for a file that is not UTF-8."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(path, "file not found")
    raw, enc, lines = _decode_head(path)
    if enc == "zip":
        return load_excel(path, spec, columns)
    hdr = find_header(lines, spec)
    if hdr is None:
        raise UnreadableFileError(path, "no header row found", f"a {spec.title}")
    _missing_or_wrong(path, spec, hdr.names, hdr.matched)

    wanted = [f.name for f in spec.fields if f.name in hdr.matched
              and (columns is None or f.name in columns or f.name in spec.key
                   or f.required and f.notnull or f.name == spec.marketplace_field)]
    # unique positional names so duplicate / empty header cells cannot clash
    colnames = [f"c{i}" for i in range(len(hdr.names))]
    include = [colnames[hdr.matched[n]] for n in wanted]
    known = {hdr.matched[n] for n in hdr.matched}
    unknown = [h.strip() for i, h in enumerate(hdr.names) if i not in known and h.strip()]

    def _read(src, threads: bool, bad: list | None):
        def handler(row):
            if bad is not None:
                bad.append((row.number, row.actual_columns, row.text))
            return "skip"

        return pacsv.read_csv(
            src,
            read_options=pacsv.ReadOptions(
                use_threads=threads, skip_rows=hdr.line_index + 1, column_names=colnames,
                block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=hdr.delimiter, quote_char=False if hdr.delimiter == "\t" else '"',
                newlines_in_values=False, ignore_empty_lines=False, invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(
                include_columns=include, column_types={c: pa.large_string() for c in include},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )

    mp_code = _marketplace_code(marketplace)
    if enc in ("utf-8", "utf-8-sig"):
        src_factory = lambda: str(path)  # noqa: E731
    else:
        whole = path.read_bytes()
        if enc in LEGACY_ENCODINGS:  # decided on the head: decide again on the whole file
            enc = _decide_whole(path, whole, mp_code)
        try:
            data = whole.decode(enc).encode("utf-8")
        except (UnicodeDecodeError, LookupError) as e:
            raise UnreadableFileError(path, f"cannot decode as {enc}: {e}") from e
        src_factory = lambda: io.BytesIO(data)  # noqa: E731

    bad: list = []
    try:
        table = _read(src_factory(), True, bad)
    except pa.ArrowInvalid as e:
        if enc in ("utf-8", "utf-8-sig") and "utf8" in str(e).lower().replace("-", ""):
            # valid UTF-8 at the start, not further down (a cp1252 product name in row 90,000,
            # Japanese rows after an ASCII head): decide on the whole file's non-ASCII lines
            whole = path.read_bytes()
            enc = _decide_whole(path, whole.removeprefix(codecs.BOM_UTF8), mp_code)
            data = whole.removeprefix(codecs.BOM_UTF8).decode(enc).encode("utf-8")
            src_factory = lambda: io.BytesIO(data)  # noqa: E731
            table = _read(src_factory(), True, bad)
        else:
            raise UnreadableFileError(path, f"cannot parse as delimited text: {e}") from e
    if bad:  # line numbers are only known single-threaded: read again (malformed files only)
        bad = []
        table = _read(src_factory(), False, bad)

    frame = table.to_pandas()
    frame.columns = [wanted[include.index(c)] for c in frame.columns]
    n_ok = len(frame)
    first_data_line = hdr.line_index + 2
    if bad:
        bad_lines = np.array(sorted(b[0] for b in bad), dtype=np.int64)
        total = n_ok + len(bad_lines)
        all_lines = np.arange(first_data_line, first_data_line + total, dtype=np.int64)
        good_lines = np.setdiff1d(all_lines, bad_lines, assume_unique=True)[:n_ok]
    else:
        good_lines = np.arange(first_data_line, first_data_line + n_ok, dtype=np.int64)

    # blank lines (arrow gives a row of empty strings for them when ignore_empty_lines=False)
    blank = np.zeros(n_ok, dtype=bool)
    if n_ok and len(frame.columns):
        blank = (frame == "").all(axis=1).to_numpy().copy()
    if blank.any():
        # empty in every column read is not yet blank: look at the whole line (rare, so the
        # file is scanned again only then)
        text_lines = (path.read_bytes().decode(enc, errors="replace")).splitlines()
        strip_chars = " \t\r\n\"'" + hdr.delimiter
        for i in np.flatnonzero(blank):
            ln = int(good_lines[i])
            if ln - 1 < len(text_lines) and text_lines[ln - 1].strip(strip_chars):
                blank[i] = False
    blank_bad = [b for b in bad if not b[2].strip()]
    bad = [b for b in bad if b[2].strip()]
    n_blank = int(blank.sum()) + len(blank_bad)
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
        good_lines = good_lines[~blank]
    bad_rows = [(int(b[0]), f"expected {len(hdr.names)} fields, found {b[1]} "
                 f"(truncated line or stray delimiter)") for b in bad]
    return RawTable(frame=frame, lines=good_lines, bad=bad_rows,
                    rows_read=len(frame) + len(bad_rows), blank_lines=n_blank, encoding=enc,
                    delimiter=hdr.delimiter, header=[h.strip() for h in hdr.names],
                    unknown_columns=unknown,
                    source_names={n: hdr.names[hdr.matched[n]].strip().lstrip("\ufeff")
                                  for n in wanted})


def _cell_to_str(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        return repr(v)
    if isinstance(v, pd.Timestamp) or hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def load_excel(path: str | Path, spec: ReportSpec, columns: Sequence[str] | None = None) -> RawTable:
    """Read the first matching sheet of an XLSX workbook into strings."""
    import warnings

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl: "Workbook contains no default style"
            sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except Exception as e:  # openpyxl raises many kinds
        raise UnreadableFileError(path, f"cannot open as an Excel workbook: {e}") from e
    best = None
    for name, df in sheets.items():
        lines = ["\t".join(_cell_to_str(v) for v in row) for row in df.head(10).itertuples(index=False)]
        hdr = find_header(lines, spec)
        if hdr and (best is None or len(hdr.matched) > len(best[1].matched)):
            best = (name, hdr, df)
    if best is None or not best[1].matched:
        raise EmptyFileError(path, "the workbook has no header row", f"a {spec.title}")
    _, hdr, df = best
    _missing_or_wrong(path, spec, hdr.names, hdr.matched)
    body = df.iloc[hdr.line_index + 1:]
    wanted = [f.name for f in spec.fields if f.name in hdr.matched
              and (columns is None or f.name in columns or f.name in spec.key
                   or f.required and f.notnull or f.name == spec.marketplace_field)]
    frame = pd.DataFrame({n: body.iloc[:, hdr.matched[n]].map(_cell_to_str).astype(str)
                          for n in wanted})
    lines = np.arange(len(body), dtype=np.int64) + hdr.line_index + 2
    all_blank = body.isna().all(axis=1).to_numpy()
    frame = frame.loc[~all_blank].reset_index(drop=True)
    known = set(hdr.matched.values())
    unknown = [str(h) for i, h in enumerate(hdr.names) if i not in known and str(h).strip()
               and not str(h).startswith("Unnamed")]
    return RawTable(frame=frame, lines=lines[~all_blank], bad=[], rows_read=len(frame),
                    blank_lines=int(all_blank.sum()), encoding="xlsx", delimiter="",
                    header=[str(h) for h in hdr.names], unknown_columns=unknown,
                    source_names={n: str(hdr.names[hdr.matched[n]]).strip() for n in wanted})


# ---------------------------------------------------------------------------------------------
# Value parsing (vectorised)
# ---------------------------------------------------------------------------------------------

_NULLS = {"", "-", "--", "n/a", "na", "nan", "none", "null", "#n/a"}


def blank_mask(s: pd.Series) -> pd.Series:
    st = s.astype("string").str.strip()
    return st.isna() | st.str.lower().isin(_NULLS)


def detect_decimal(s: pd.Series, default: str) -> str:
    """The decimal separator a column uses: ``,`` or ``.``.

    Decided from values whose last separator is followed by one or two digits
    (``12,5`` / ``1.234,56`` -> comma; ``12.5`` / ``1,234.56`` -> point); if the column has
    only integers or ``1,234``-style values the marketplace ``default`` decides; if it has both
    kinds, ``"mixed"``: :func:`parse_number` then decides value by value.
    """
    st = s.dropna()
    st = st[st.str.contains(r"[.,]", regex=True, na=False)].head(5000) if len(st) <= 50000 else \
        st.head(50000)[st.head(50000).str.contains(r"[.,]", regex=True, na=False)].head(5000)
    if st.empty:
        return default
    comma = st.str.contains(r",\d{1,2}(?:\D*)$", regex=True, na=False).any() | \
        st.str.contains(r"\.\d{3},", regex=True, na=False).any()
    point = st.str.contains(r"\.\d{1,2}(?:\D*)$", regex=True, na=False).any() | \
        st.str.contains(r",\d{3}\.", regex=True, na=False).any()
    if comma and not point:
        return ","
    if point and not comma:
        return "."
    if comma and point:
        return "mixed"  # decided value by value in parse_number
    if not comma and not point:
        # only 3-digit groups: "1,234" or "1.234" or many decimals "0.4567"
        if st.str.contains(r"\.\d{4,}", regex=True, na=False).any():
            return "."
        if st.str.contains(r",\d{4,}", regex=True, na=False).any():
            return ","
    return default


_CODES = r"rs\.?|inr|usd|eur|gbp|jpy|cad|aud|mxn|brl|r\$|sek|kr|pln|zł|try|tl|aed|sar|sgd|egp|chf"
_CURRENCY_PREFIX = rf"(?i)^(?:{_CODES})\s*"
_CURRENCY_SUFFIX_CODE = rf"(?i)\s*(?:{_CODES})$"
_NOT_NUMERIC = r"[^\d,.\s%+\-()$€£¥₹\u00a0\u202f]"


def parse_number(s: pd.Series, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Parse numbers written as text. Returns (float values, percent-sign mask).

    Handles currency symbols and codes (``$1,234.56``, ``Rs.15.5``, ``12,50 €``), thousands
    separators, ``%`` and a leading or trailing minus or parentheses for negatives. Any other
    character (a letter, ``=``, ``@``, a second sign) makes the value not a number (NaN), so
    ``=1+1`` is never read as 11.

    >>> parse_number(pd.Series(["$1,234.50", "=1+1", "12 units", "(3.00)"]))[0].tolist()
    [1234.5, nan, nan, -3.0]
    """
    s = s.astype("string")
    blank = blank_mask(s)
    if decimal == ".":
        fast = pd.to_numeric(s, errors="coerce")
        if not (fast.isna() & ~blank).any():
            return fast.astype("float64"), pd.Series(False, index=s.index)
    st = s.str.strip()
    sci = st.str.fullmatch(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+", na=False)
    pct = st.str.endswith("%", na=False)
    neg = st.str.match(r"^\(.*\)$|^-|.*-$", na=False)
    st = st.str.replace(_CURRENCY_PREFIX, "", regex=True).str.replace(_CURRENCY_SUFFIX_CODE, "",
                                                                       regex=True)
    # anything but digits, separators, signs, %, brackets and currency symbols (a formula such
    # as "=1+1", a word, a second sign) is not a number: quarantined, never read as "11"
    junk = (st.str.contains(_NOT_NUMERIC, regex=True, na=False)
            | (st.str.count(r"[+-]") > 1)) & ~sci
    st = st.str.replace(r"[^\d,.]", "", regex=True)
    if decimal == "mixed":  # each value's last separator before 1-2 digits is its decimal
        as_comma = st.str.contains(r",\d{1,2}$", regex=True, na=False)
    else:
        as_comma = pd.Series(decimal == ",", index=st.index)
    st = st.where(~as_comma, st.str.replace(".", "", regex=False).str.replace(",", ".",
                                                                              regex=False))
    st = st.where(as_comma, st.str.replace(",", "", regex=False))
    val = pd.to_numeric(st.where(st != "", None), errors="coerce").astype("float64")
    val = val.where(~neg, -val)
    if sci.any():  # 1e-05 as Excel writes small floats: not "105"
        val = val.where(~sci, pd.to_numeric(s.where(sci), errors="coerce").astype("float64"))
    val = val.where(~blank & ~junk)
    return val, pct


_OFFSET = re.compile(r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$")
_TZ_WORDS = re.compile(r"\s+(?:UTC|GMT|PST|PDT|MST|MDT|CST|CDT|EST|EDT|CET|CEST|MEZ|MESZ|BST|JST|IST)$")
_TZ_OFFSETS = {"UTC": "+00:00", "GMT": "+00:00", "PST": "-08:00", "PDT": "-07:00",
               "MST": "-07:00", "MDT": "-06:00", "CST": "-06:00", "CDT": "-05:00",
               "EST": "-05:00", "EDT": "-04:00", "CET": "+01:00", "CEST": "+02:00",
               "MEZ": "+01:00", "MESZ": "+02:00", "BST": "+01:00", "JST": "+09:00",
               "IST": "+05:30"}

DAY_FIRST_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d/%m/%Y %H:%M:%S",
                     "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y", "%d-%m-%y", "%d/%m/%y", "%d.%m.%y"]
MONTH_FIRST_FORMATS = ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m-%d-%Y", "%m-%d-%y",
                       "%m/%d/%y"]
OTHER_FORMATS = ["%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y", "%Y/%m/%d %H:%M:%S",
                 "%Y/%m/%d", "%Y%m%d"]


def _formats(day_first: bool, order: str | None = None) -> list[str]:
    """Candidate formats, ISO first; ``order`` ``"dmy"`` / ``"mdy"`` (decided from the data)
    drops the numeric formats of the other order."""
    first, second = (DAY_FIRST_FORMATS, MONTH_FIRST_FORMATS) if day_first else \
        (MONTH_FIRST_FORMATS, DAY_FIRST_FORMATS)
    if order == "dmy":
        first, second = DAY_FIRST_FORMATS, []
    elif order == "mdy":
        first, second = MONTH_FIRST_FORMATS, []
    return ["ISO8601", *first, *second, *OTHER_FORMATS]


def _choose_format(sample: pd.Series, day_first: bool, order: str | None = None) -> str | None:
    best, best_n = None, 0
    for fmt in _formats(day_first, order):
        n = int(pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum())
        if n > best_n:
            best, best_n = fmt, n
        if best_n == len(sample):
            break
    return best


_NUMERIC_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})(?:\D|$)")


def date_order(values: pd.Series) -> tuple[str | None, list[str]]:
    """Which of day-first / month-first the numeric dates of a column use, decided from *all*
    its distinct values: one value with a first field over 12 settles day-first, one with a
    second field over 12 month-first. Returns (``"dmy"``, ``"mdy"``, ``"mixed"`` when both
    occur, ``"ambiguous"`` when every value fits both, or None without numeric dates) and up
    to three example values.

    >>> date_order(pd.Series(["05-01-22", "05-04-22"]))
    ('ambiguous', ['05-01-22', '05-04-22'])
    >>> date_order(pd.Series(["06-01-22", "06-20-22"]))[0]
    'mdy'
    """
    u = pd.Series(pd.unique(values.dropna()), dtype="string")
    parts = u.str.extract(_NUMERIC_DATE.pattern)
    ok = parts[0].notna()
    if not ok.any():
        return None, []
    a = pd.to_numeric(parts.loc[ok, 0]).to_numpy()
    b = pd.to_numeric(parts.loc[ok, 1]).to_numpy()
    dmy, mdy = (a > 12) & (b <= 12), (b > 12) & (a <= 12)
    if dmy.any() and mdy.any():
        return "mixed", list(u[ok][dmy | mdy].head(3))
    if dmy.any():
        return "dmy", list(u[ok][dmy].head(3))
    if mdy.any():
        return "mdy", list(u[ok][mdy].head(3))
    return "ambiguous", list(u[ok].head(3))


def describe_format(fmt: str | None) -> str:
    """``%m-%d-%y`` -> ``MM-DD-YY`` (for messages).

    >>> describe_format("%d.%m.%Y %H:%M")
    'DD.MM.YYYY hh:mm'
    """
    if not fmt:
        return "unknown"
    if fmt == "ISO8601":
        return "ISO 8601"
    for a, b in (("%d", "DD"), ("%m", "MM"), ("%Y", "YYYY"), ("%y", "YY"), ("%H", "hh"),
                 ("%M", "mm"), ("%S", "ss"), ("%b", "Mon"), ("%B", "Month")):
        fmt = fmt.replace(a, b)
    return fmt


def _family(values: pd.Series) -> pd.Series:
    """Coarse format family of date texts: ISO (year first) or not."""
    return values.str.match(r"^\d{4}-\d{1,2}-\d{1,2}", na=False).map(
        {True: "ISO 8601", False: "other"})


def parse_datetime(s: pd.Series, tz: str, day_first: bool, as_date: bool = False,
                   documented: str | None = None, info: dict | None = None) -> pd.Series:
    """Parse a text column to UTC timestamps (or local dates with ``as_date``).

    Values with a UTC offset (``2025-01-15T08:12:33-08:00``, ``...Z``) or a zone abbreviation
    (``PST``, ``MEZ``) are exact; naive values are local time in ``tz``. **One format per
    column**: for naive values day-first or month-first is decided from all the column's
    distinct values (:func:`date_order`); where every value fits both, the report's
    ``documented`` format decides, else the marketplace's convention (``day_first``) and
    ``info["ambiguous"]`` says so. The format is then chosen (ISO 8601 first); values that do
    not fit it come back as ``NaT`` for the caller to quarantine, and those that fit another
    format are marked in ``info["other_format"]`` (a column mixing formats). Values with an
    offset follow the same rule by family (ISO 8601 or not): the minority family is marked.

    ``info`` (optional dict) receives ``format``, ``order``, ``ambiguous`` (example values,
    or empty), ``other_format`` (boolean mask).
    """
    info = {} if info is None else info
    info.update(format=None, order=None, ambiguous=[], other_format=None, decided_by="")
    st = s.astype("string").str.strip()
    blank = blank_mask(st)
    st = st.where(~blank)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    other = pd.Series(False, index=s.index)
    info["other_format"] = other
    nonnull = st.dropna()
    if nonnull.empty:
        return out.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize() if as_date else out
    if nonnull.head(2000).str.contains(_TZ_WORDS.pattern, regex=True).any():
        abbr = st.str.extract(r"\s+([A-Z]{3,4})$", expand=False)
        st = st.where(abbr.isna(), st.str.replace(_TZ_WORDS, "", regex=True) + " " +
                      abbr.map(_TZ_OFFSETS).fillna(""))
        st = st.str.replace(r"\s+([+-]\d{2}:\d{2})$", r"\1", regex=True).str.replace(
            r"^(\d{4}-\d{2}-\d{2}) (\d)", r"\1T\2", regex=True)
        nonnull = st.dropna()
    # value by value: a column may mix times with and without an offset (this is the tolerant
    # path; clean ISO columns never get here)
    aware = st.str.contains(_OFFSET.pattern, regex=True, na=False)
    if aware.any():
        a = st[aware]
        fam = _family(a)
        main = fam.value_counts().idxmax()
        odd = (fam != main).to_numpy()
        # "2025-01-15 10:00:00 +01:00" style: normalise to ISO before parsing
        parsed = pd.to_datetime(a, format="ISO8601", utc=True, errors="coerce")
        if parsed.isna().any():
            parsed = parsed.fillna(pd.to_datetime(a[parsed.isna()], utc=True, errors="coerce",
                                                  format="mixed"))
        if odd.any():  # a minority family: another format than the column's
            other.loc[a.index[odd]] = parsed[odd].notna().to_numpy()
            parsed[odd] = pd.NaT
        out.loc[aware] = parsed
    naive = ~aware & st.notna()
    if naive.any():
        n = st[naive]
        order, examples = date_order(n)
        first = day_first
        if order == "ambiguous":
            if documented:
                info["decided_by"] = "documented"
            else:
                info["ambiguous"] = examples
                info["decided_by"] = "convention"
            order = "dmy" if day_first else "mdy"
        elif order == "mixed":  # the order with more distinct values; the rest is quarantined
            u = pd.Series(pd.unique(n), dtype="string").str.extract(_NUMERIC_DATE.pattern)
            u = u.dropna()
            a_, b_ = pd.to_numeric(u[0]), pd.to_numeric(u[1])
            order = "dmy" if ((a_ > 12) & (b_ <= 12)).sum() >= ((b_ > 12) & (a_ <= 12)).sum() \
                else "mdy"
            info["decided_by"] = "majority"
        if order in ("dmy", "mdy"):
            first = order == "dmy"
        info["order"] = order
        distinct = pd.Series(pd.unique(n), dtype="string")
        fmt = None
        if documented and pd.to_datetime(distinct.head(2000), format=documented,
                                          errors="coerce").notna().all():
            fmt = documented
        if fmt is None:
            fmt = _choose_format(distinct.head(2000), first, order)
        info["format"] = fmt
        if fmt is not None:
            local = pd.to_datetime(n, format=fmt, errors="coerce")
            if local.dt.tz is not None:
                local = local.dt.tz_convert(None)
            miss = local.isna()
            if miss.any():  # fits another format: a column mixing formats
                m = n[miss]
                fits = pd.Series(False, index=m.index)
                for f2 in _formats(day_first):
                    if f2 != fmt:
                        fits |= pd.to_datetime(m, format=f2, errors="coerce").notna()
                other.loc[m.index] = fits.to_numpy()
            if as_date:
                res = local.dt.normalize()
                out_date = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
                if aware.any():
                    out_date.loc[aware] = out.loc[aware].dt.tz_convert(tz).dt.tz_localize(
                        None).dt.normalize()
                out_date.loc[naive] = res.astype("datetime64[ns]")
                return out_date
            # fall-back hour: the first (summer-time) reading; spring gap: the first instant
            # after it. The Arrow fast path makes the same choices.
            loc = local.dt.tz_localize(tz, ambiguous=np.ones(len(local), dtype=bool),
                                       nonexistent="shift_forward")
            out.loc[naive] = loc.dt.tz_convert("UTC")
    if as_date:
        return out.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    return out


_TRUE = {"true", "yes", "y", "1", "t", "wahr", "ja", "oui", "si", "sí"}
_FALSE = {"false", "no", "n", "0", "f", "falsch", "nein", "non"}


def parse_bool(s: pd.Series) -> pd.Series:
    low = s.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(_TRUE)] = True
    out[low.isin(_FALSE)] = False
    return out


# ---------------------------------------------------------------------------------------------
# Fast paths with Arrow compute (clean columns); anything they cannot parse goes the slow way
# ---------------------------------------------------------------------------------------------


def _arrow_trimmed(s: pd.Series):
    """(trimmed text with blanks as null, blank mask) as Arrow arrays."""
    import pyarrow as pa
    import pyarrow.compute as pc

    a = pa.array(s, from_pandas=True)
    if not pa.types.is_string(a.type) and not pa.types.is_large_string(a.type):
        a = pc.cast(a, pa.string())
    t = pc.utf8_trim_whitespace(a)
    blank = pc.fill_null(pc.or_(pc.equal(pc.binary_length(t), 0),
                                pc.is_in(pc.utf8_lower(t), value_set=pa.array(sorted(_NULLS)))),
                         True)
    return pc.if_else(blank, pa.scalar(None, t.type), t), blank


def _empty_to_null(arr):
    """Empty strings to nulls, sharing the string buffers (only a validity bitmap is new)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    out = []
    for c in chunks:
        valid = pc.greater(pc.binary_length(c), 0)
        if pc.all(valid).as_py() is not False:
            out.append(c)
            continue
        bufs = c.buffers()
        if c.null_count or c.offset or valid.offset or valid.null_count:
            out.append(pc.if_else(valid, c, pa.scalar(None, c.type)))
            continue
        out.append(pa.Array.from_buffers(c.type, len(c), [valid.buffers()[1], bufs[1], bufs[2]]))
    return pa.chunked_array(out, type=arr.type)


def _fast_parse(t, kind: str, tz: str):
    """Parse a clean Arrow column in one vectorised cast, or return None (use the slow path)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        if kind in ("int", "money", "float", "pct", "pct100"):
            v = pc.cast(t, pa.float64()).to_pandas()
            if kind == "pct100":
                v = v / 100.0
            if kind == "int":
                if ((v.round() != v) & v.notna()).any() or (v.abs() > 2**53).any():
                    return None
                return v.astype("Int64")
            return v.astype("float64")
        if kind in ("ts", "date"):
            try:
                v = pc.cast(t, pa.timestamp("ns", tz="UTC"))
                if kind == "ts":
                    return v.to_pandas()
                local = pc.local_timestamp(pc.cast(v, pa.timestamp("ns", tz=tz)))
                return pc.floor_temporal(local, unit="day").to_pandas()
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                naive = pc.cast(t, pa.timestamp("ns"))
                if kind == "date":
                    return pc.floor_temporal(naive, unit="day").to_pandas()
                aware = pc.assume_timezone(naive, tz, ambiguous="earliest",
                                           nonexistent="latest")
                return pc.cast(aware, pa.timestamp("ns", tz="UTC")).to_pandas()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, TypeError):
        return None
    return None


# ---------------------------------------------------------------------------------------------
# From strings to a validated canonical table
# ---------------------------------------------------------------------------------------------


def pa_array(s: pd.Series):
    import pyarrow as pa

    a = pa.array(s, from_pandas=True)
    if not pa.types.is_string(a.type) and not pa.types.is_large_string(a.type):
        a = pa.array(s.astype("string"), from_pandas=True)
    return a


def _slow_parse(s: pd.Series, f: Field, mp, blank: np.ndarray, flag, warn=None) -> pd.Series:
    """Value-by-value tolerant parsing (currency symbols, decimal commas, local date formats)."""
    if f.kind in ("int", "money", "float", "pct", "pct100"):
        dec = detect_decimal(s, mp.decimal) if f.kind != "int" else mp.decimal
        v, pct = parse_number(s, dec)
        if f.kind == "pct":
            v = v.where(~pct, v / 100.0)
        elif f.kind == "pct100":
            v = v / 100.0
        unparsed = v.isna().to_numpy() & ~blank
        flag(unparsed, f.name, f"not a number ({f.kind})", s)
        if f.kind == "int":
            frac = (v.notna() & (v.round() != v)).to_numpy()
            flag(frac, f.name, "not a whole number", s)
            huge = (v.abs() > 2**53).fillna(False).to_numpy()
            flag(huge, f.name, "number too large for a count", s)
            v = v.where(~frac & ~huge).round().astype("Int64")
        return v
    if f.kind in ("ts", "date"):
        info: dict = {}
        v = parse_datetime(s, mp.tz, mp.day_first, as_date=(f.kind == "date"),
                           documented=f.date_format, info=info)
        bad = v.isna().to_numpy() & ~blank
        other = info["other_format"].to_numpy() & bad
        flag(other, f.name, "date in another format than the rest of the column "
             f"({describe_format(info['format'])})", s)
        flag(bad & ~other, f.name, "unparseable date", s)
        if warn is not None and info["ambiguous"]:
            order = "day first" if info["order"] == "dmy" else "month first"
            warn(f"{{column}}: every date fits both day-first and month-first (e.g. "
                 f"{', '.join(info['ambiguous'])}); read {order}, the {mp.code} marketplace's "
                 "convention: check these dates (a download that includes a day after the "
                 "12th settles it)", f.name)
        return v
    if f.kind == "bool":
        v = parse_bool(s)
        flag(v.isna().to_numpy() & ~blank, f.name, "not a yes/no value", s)
        return v
    raise ValueError(f.kind)


def map_values(values: pd.Series, mapping) -> pd.Series:
    """``values.map(mapping)`` computed once per distinct value (fast on long, repetitive
    columns such as a sales channel); ``mapping`` is a dict or a function of one value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(pa.array(values, from_pandas=True))
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    uniq = enc.dictionary.to_pylist()
    f = mapping.get if isinstance(mapping, dict) else mapping
    mapped = pd.Series([f(u) if u is not None else None for u in uniq] + [None], dtype=object)
    idx = enc.indices.fill_null(len(uniq)).to_numpy()
    return pd.Series(mapped.to_numpy()[idx], index=values.index)


def _first_occurrence(arr) -> np.ndarray:
    """Position of the first equal value, for every value (Arrow dictionary encoding assigns
    indices in order of first appearance)."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr)
    idx = (enc.combine_chunks() if hasattr(enc, "combine_chunks") else enc).indices.to_numpy()
    first_pos = np.full(int(idx.max()) + 1 if len(idx) else 0, -1, dtype=np.int64)
    # reversed assignment leaves the smallest position for each index
    first_pos[idx[::-1]] = np.arange(len(idx) - 1, -1, -1)
    return first_pos[idx]


def _shares_first_key(raw: pd.DataFrame, key: list[str]) -> np.ndarray:
    """Rows whose first key column value occurs more than once (over all rows): only they can
    be duplicates. The expensive part of the duplicate check; runs beside the field parsing."""
    import pyarrow.compute as pc

    first0 = _first_occurrence(pc.fill_null(pa_array(raw[key[0]]), ""))
    counts = np.bincount(first0, minlength=len(first0))
    return counts[first0] > 1


def _duplicates(raw: pd.DataFrame, key: list[str], surv: np.ndarray, lines: np.ndarray,
                shares_first: np.ndarray | None = None):
    """Positions (within ``surv``) of rows equal on ``key`` to an earlier surviving row, and
    the line of that earlier row. Only rows sharing the first key column's value are compared
    on the whole key, which keeps this cheap on large files."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if shares_first is None:
        shares_first = _shares_first_key(raw, key)
    cand = np.flatnonzero(shares_first[surv])  # positions within surv
    if len(cand) < 2:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    rows = pa.array(surv[cand])
    parts = [pc.cast(pc.take(pc.fill_null(pa_array(raw[k]), ""), rows), pa.large_string())
             for k in key]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(
        *parts, pa.scalar("\x1f", pa.large_string()))
    first = _first_occurrence(joined)
    is_dup = first != np.arange(len(cand))
    dup_pos = cand[is_dup]
    first_line = lines[surv[cand[first[is_dup]]]]
    return dup_pos, first_line


def parse_frame(
    raw: pd.DataFrame,
    lines: np.ndarray,
    spec: ReportSpec,
    *,
    path: str,
    seller_id: str,
    marketplace: str | None,
    bad: Sequence[tuple[int, str]] = (),
    rows_read: int | None = None,
    source_names: dict[str, str] | None = None,
    warnings: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse and validate a frame of strings (canonical column names) into (data, quarantine).

    ``lines`` gives each row's line (or record) number for the quarantine; ``bad`` adds rows
    that were rejected before parsing (line, reason); ``warnings`` (a list) receives what the
    caller should tell the user about the file as a whole (e.g. dates that fit day-first and
    month-first alike).
    """
    n = len(raw)
    mp_code = marketplace
    row_mp = None
    if spec.marketplace_field and spec.marketplace_field in raw.columns:
        row_mp = contract.marketplace_from_sales_channel(raw[spec.marketplace_field])
        if mp_code is None and row_mp.notna().any():
            mp_code = str(row_mp.mode().iloc[0])
    if mp_code is None:
        mp_code = "US"
    mp = contract.marketplace(mp_code)

    reason = np.full(n, None, dtype=object)
    col_of = np.full(n, None, dtype=object)
    val_of = np.full(n, None, dtype=object)

    def flag(mask: np.ndarray, column: str, why, values: pd.Series | None):
        new = mask & (reason == None)  # noqa: E711
        if not new.any():
            return
        if callable(why):
            reason[new] = [why(v) for v in values[new]]
        else:
            reason[new] = why
        col_of[new] = column
        if values is not None:
            val_of[new] = values.to_numpy(dtype=object)[new]

    def parse_field(f: Field):
        """Parse one column; return (values, flags) with flags applied later, in field order,
        so the result does not depend on which thread finished first."""
        import pyarrow.compute as pc

        flags: list = []

        def later(mask, column, why, values):
            if mask.any():
                flags.append((mask, column, why, values))

        s = raw[f.name]
        if f.kind == "str":  # only an empty cell is missing text ("-" stays "-")
            a = pa_array(s)
            tt = pc.utf8_trim_whitespace(a)
            if pc.sum(pc.binary_length(tt)).as_py() == pc.sum(pc.binary_length(a)).as_py():
                tt = a  # nothing to trim: keep the buffers as read (no copy)
            tt = _empty_to_null(tt)
            v = pd.Series(pd.array(tt, dtype="string"), index=raw.index)
            blank = v.isna().to_numpy()
        else:
            a = pa_array(s)
            empty = pc.equal(pc.binary_length(a), 0)
            nulled = pc.if_else(empty, None, a) if pc.any(empty).as_py() else a
            # where "1.234" may mean one thousand two hundred and thirty-four, a plain float
            # cast would be wrong: decimal-comma columns always take the tolerant path
            comma = (f.kind in ("int", "money", "float", "pct", "pct100") and mp.decimal == ","
                     and (f.kind == "int" or detect_decimal(s.astype("string"), ",") != "."))
            fast = None if comma else _fast_parse(nulled, f.kind, mp.tz)
            if fast is not None:
                blank = pc.is_null(nulled).to_numpy(zero_copy_only=False)
                v = fast.set_axis(raw.index)
                target = {"int": "Int64", "ts": "datetime64[ns, UTC]",
                          "date": "datetime64[ns]"}.get(f.kind, "float64")
                if str(v.dtype) != target:
                    v = v.astype(target)
            else:
                t, blank_a = _arrow_trimmed(s)
                blank = blank_a.to_numpy(zero_copy_only=False)
                v = _slow_parse(s.astype("string"), f, mp, blank, later, warn)
            if f.kind in ("int", "money", "float", "pct", "pct100") and f.min_value is not None:
                low = (v.notna() & (v < f.min_value)).to_numpy(dtype=bool, na_value=False)
                later(low, f.name, f"negative value (must be >= {f.min_value:g})"
                      if f.min_value == 0 else f"value below {f.min_value:g}", s)
        if f.notnull:
            later(blank, f.name, "missing value", s)
        return v, flags

    fields = [f for f in spec.fields if f.name in raw.columns]
    header_of = {f.name: (source_names or {}).get(f.name, f.aliases[0]) for f in fields}

    def warn(msg: str, name: str) -> None:
        if warnings is not None:
            warnings.append(msg.replace("{column}", f"column {header_of.get(name, name)!r}"))

    if spec.unique_key is None:
        key = [k for k in (spec.key or tuple(raw.columns)) if k in raw.columns]
    else:  # a real key, only where the file has every one of its columns
        key = list(spec.unique_key) if all(k in raw.columns for k in spec.unique_key) else []
    shares_first = None
    if n > 200_000 and len(fields) > 1:  # Arrow kernels release the GIL: use both cores
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            dup_job = pool.submit(_shares_first_key, raw, key) if key else None
            parsed = list(pool.map(parse_field, fields))
            shares_first = dup_job.result() if dup_job else None
    else:
        parsed = [parse_field(f) for f in fields]
    out: dict[str, pd.Series] = {}
    for f, (v, flags) in zip(fields, parsed, strict=True):
        for mask, column, why, values in flags:
            flag(mask, column, why, values)
        out[f.name] = v

    data = pd.DataFrame(out, index=raw.index)
    # exact duplicates over the key (or every column read), among rows that survived parsing
    # (a good copy of a quarantined row is kept)
    surv = np.flatnonzero(reason == None)  # noqa: E711
    if key and spec.unique_key:  # rows without the whole key are not duplicates of anything
        given = np.ones(n, dtype=bool)
        for k in key:
            given &= (raw[k].astype("string").str.strip().fillna("") != "").to_numpy()
        surv = surv[given[surv]]
    if len(surv) > 1 and key:
        dup_pos, first_line = _duplicates(raw, key, surv, lines, shares_first)
        for j, ln in zip(dup_pos, first_line, strict=True):
            i = surv[j]
            reason[i] = f"duplicate of line {ln}"
            col_of[i] = (",".join(header_of.get(k, k) for k in key)
                         if (spec.key or spec.unique_key) else "(all)")

    ok = reason == None  # noqa: E711
    if not ok.all():
        data = data.loc[ok]
    data = data.reset_index(drop=True)
    data["seller_id"] = seller_id
    if row_mp is not None:
        data["marketplace"] = row_mp.loc[ok].reset_index(drop=True).fillna(mp.code)
    else:
        data["marketplace"] = mp.code
    data = contract.conform(data, spec.table)

    q_rows = [
        {"file": path, "line": int(ln), "column": "(row)", "reason": why, "value": None}
        for ln, why in bad
    ]
    rej = np.flatnonzero(~ok)
    q = pd.DataFrame({
        "file": path,
        "line": lines[rej] if len(rej) else np.array([], dtype=np.int64),
        "column": [header_of.get(c, c) for c in col_of[rej]],
        "reason": reason[rej],
        "value": val_of[rej],
    })
    if q_rows:
        q = pd.concat([pd.DataFrame(q_rows), q], ignore_index=True)
    if len(q):
        q = q.sort_values("line", kind="stable").reset_index(drop=True)
        q = q.astype({"file": "string", "line": "Int64", "column": "string", "reason": "string",
                      "value": "string"})
    else:
        q = empty_quarantine()
    return data, q


def read_report(
    path: str | Path,
    spec: ReportSpec,
    *,
    seller_id: str = "default",
    marketplace: str | None = None,
    columns: Sequence[str] | None = None,
) -> ReadResult:
    """Read one delimited-text or XLSX report with ``spec`` (the generic reader).

    Parameters
    ----------
    path : the file as downloaded.
    spec : the report layout (e.g. ``postship_analysis.readers.orders.ALL_ORDERS``).
    seller_id : account the file belongs to.
    marketplace : marketplace code; where the file says it row by row (sales-channel) that
        wins; default US.
    columns : canonical columns the caller needs (others are not converted; faster).
    """
    path = Path(path)
    rt = load_text(path, spec, columns, marketplace=marketplace)
    warnings: list[str] = []
    data, q = parse_frame(rt.frame, rt.lines, spec, path=str(path), seller_id=seller_id,
                          marketplace=marketplace, bad=rt.bad, source_names=rt.source_names,
                          warnings=warnings)
    if rt.rows_read == 0:
        warnings.insert(0, "header only: the report has no data rows")
    return ReadResult(path=str(path), report_type=spec.report_type, table=spec.table, data=data,
                      quarantine=q, rows_read=rt.rows_read, encoding=rt.encoding,
                      delimiter=rt.delimiter, header=rt.header, unknown_columns=rt.unknown_columns,
                      blank_lines=rt.blank_lines, warnings=warnings)


def read_records(
    records: list[dict],
    spec: ReportSpec,
    *,
    path: str,
    seller_id: str = "default",
    marketplace: str | None = None,
    line_offset: int = 1,
) -> ReadResult:
    """Validate records from a JSON report with a spec whose aliases are the JSON keys."""
    if not records:
        return ReadResult(path=path, report_type=spec.report_type, table=spec.table,
                          data=contract.empty(spec.table), quarantine=empty_quarantine(),
                          rows_read=0, encoding="json", warnings=["no records"])
    keys = {norm_header(k): k for r in records[:50] for k in r}
    cols = {}
    for f in spec.fields:
        for a in f.aliases:
            if a in keys:
                cols[f.name] = [_cell_to_str(r.get(keys[a])) for r in records]
                break
    missing = [f.aliases[0] for f in spec.required if f.name not in cols]
    if missing:
        raise MissingColumnsError(path, missing, list(keys.values()), spec.report_type)
    raw = pd.DataFrame(cols)
    lines = np.arange(len(raw), dtype=np.int64) + line_offset
    data, q = parse_frame(raw, lines, spec, path=path, seller_id=seller_id,
                          marketplace=marketplace)
    return ReadResult(path=path, report_type=spec.report_type, table=spec.table, data=data,
                      quarantine=q, rows_read=len(raw), encoding="json")


def load_json(path: str | Path):
    """Parse a JSON report file (plain or gzipped, as the Ads API delivers ``GZIP_JSON``)."""
    import gzip
    import json

    path = Path(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise EmptyFileError(path, "the file is empty", "a JSON report")
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        return json.loads(raw.decode(detect_encoding(raw[:SAMPLE_BYTES]) or "utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise UnreadableFileError(path, f"not valid JSON: {e}", "a JSON report") from e


__all__ = [
    "Field", "ReportSpec", "ReadResult", "REGISTRY", "register", "read_report", "read_records",
    "parse_frame", "combine", "norm_header", "InputFileError",
]
