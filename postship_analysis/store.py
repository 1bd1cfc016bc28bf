"""The store: each account's inputs read and validated once, kept as Parquet.

Reading a data folder (recognising, decoding, parsing and validating every export) is the
slow part of a report; the store does it once per account and keeps the result: the
canonical tables, the quarantine and the row accounting, exactly what
:func:`postship_analysis.datafolder.load` returns. The report runner builds it before the
notebooks run and hands each notebook its path (the ``store`` parameter); a notebook run on
its own, without a store, reads the folder itself (:func:`load` does either).

Layout (the layout is the contract: any Parquet reader can use it; see the README for DuckDB
and Dask)::

    STORE/
      seller_id=<account>/                 one folder per account (URI-escaped name)
        _manifest.json                     written last: inputs, code, contract, parts
        marketplace=US/                    one folder per marketplace, hive-style
          orders.parquet                   that marketplace's rows of each canonical table,
          returns.parquet ...              every contract column (seller_id, marketplace too)
        marketplace=__HIVE_DEFAULT_PARTITION__/   rows without a marketplace, if any
        _meta/                             (a leading underscore: dataset readers skip it)
          accounting.parquet               one row per file read: rows read, accepted, rejected
          quarantine.parquet               rejected rows: file, line, column, reason, value
          files.parquet                    every file found, what it was recognised as, or
                                           why not (problem, note)
          errors.parquet                   files that could not be read, and why
          warnings.parquet                 each file's read warnings (header only...)
          overlaps.parquet                 per table: rows stacked, superseded, kept
          overlaps_by_marketplace.parquet  the same per table and marketplace
          overlap_files.parquet            per file of a table read from several files
          order/<table>.parquet            the rows' order across marketplace folders (only
                                           for tables whose rows interleave marketplaces)

Column types are the data contract's (docs/DATA_CONTRACT.md); ``seller_id`` and
``marketplace`` are plain Parquet strings so partition-aware readers merge them cleanly.

The store holds what :func:`datafolder.read_files` reads file by file; what is done across
tables (:func:`datafolder.across_tables`: order-level ship-by rows matched to their items'
confirmations, and its note) is done again by :func:`open` after the marketplace and table
selection, exactly as :func:`datafolder.load` does it, so the tables *as stored* hold the
promises as the files give them.

When a store is whole and current
---------------------------------
The manifest records the store format, the package version, a fingerprint of the package's
code (:func:`code_fingerprint`: a store written by other code is never reused, even under the
same version number), a fingerprint of the data contract, the parameters that shape the
store (the resolved data folder and the account), every input file (relative path, size,
modification time, SHA-256) and every Parquet file written (size, SHA-256, rows).

An account's store is built beside its final place (``STORE/.building-<account>-<pid>-<n>``)
and published by renaming the folder, so a killed build never leaves a half store under the
account's name. :func:`problem` says why a store cannot be used (missing, no or unreadable
manifest, another format/version/code/contract, another data folder, an input added, removed
or changed, a Parquet file missing, truncated or edited); :func:`build` then rebuilds it and
:func:`open` refuses it (:class:`StoreError`): a store is never read as if whole. Input files
whose size and modification time match the manifest are trusted without rehashing (as
``git status`` does); any other file is hashed.

Marketplace filter
------------------
The store always holds the whole account. :func:`open` with ``marketplaces`` keeps the rows of
those marketplaces (wherever their file sat) and the accounting, quarantine and errors of the
files in those marketplace folders or in none, like :func:`datafolder.load`. One difference,
on purpose: ``load(marketplaces=["CA"])`` skips a file in the ``US/`` folder even when it
carries Amazon.ca rows (a North-America unified All Orders report does), the store keeps them;
the overlap counts are then the selected marketplaces' rows, and the per-file overlap detail
(``overlap_files``) is the whole account's for the files selected.

Refused files
-------------
Files :func:`datafolder.list_files` refuses (a link leading outside the data folder, a folder
named like an unknown marketplace code) are never opened, read or hashed: the manifest
records them by path and reason only, so a refused file added or removed still makes the
store stale (the data overview lists it).
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd

from . import __version__, contract, datafolder
from .errors import PostshipError

#: the store layout's version: bumped when the layout or the manifest changes
FORMAT = 2
MANIFEST = "_manifest.json"
META = "_meta"
#: partition value of rows without a marketplace (Hive's and pyarrow's default name)
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
_META_TABLES = ("accounting", "quarantine", "files", "errors", "warnings", "overlaps",
                "overlaps_by_marketplace", "overlap_files")


class StoreError(PostshipError):
    """A store that cannot be used: missing, partial, corrupt, stale or from other code."""


# ---------------------------------------------------------------------------------------------
# Fingerprints
# ---------------------------------------------------------------------------------------------

def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with builtins.open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 over the package's own files (sources and package data, by relative path).

    A development checkout keeps one version number while its readers change; the
    fingerprint changes with any edit, so a store or a report written by other code is never
    taken for current. Computed once per process (a few milliseconds)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode())
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo"):
            h.update(p.relative_to(root).as_posix().encode() + b"\0")
            h.update(p.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


def contract_fingerprint() -> str:
    """SHA-256 of the data contract: every table's columns and dtypes, in order."""
    spec = [[t.name, [[c.name, c.dtype] for c in t.columns]] for t in contract.TABLES.values()]
    return hashlib.sha256(json.dumps(spec).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------

def _part(value: str) -> str:
    """A partition folder value, URI-escaped as pyarrow's hive partitioning expects."""
    return quote(str(value), safe="")


def account_dir(store: str | Path, seller_id: str) -> Path:
    """The folder of one account in a store: ``STORE/seller_id=<account>``."""
    return Path(store) / f"seller_id={_part(seller_id)}"


def accounts(store: str | Path) -> list[str]:
    """Accounts with a published folder in ``store`` (whole or not: see :func:`problem`)."""
    root = Path(store)
    if not root.is_dir():
        return []
    return sorted(unquote(p.name.split("=", 1)[1]) for p in root.glob("seller_id=*")
                  if p.is_dir())


# ---------------------------------------------------------------------------------------------
# Inputs of an account
# ---------------------------------------------------------------------------------------------

def input_records(data_dir: str | Path, seller_id: str,
                  known: Sequence[dict] = ()) -> list[dict]:
    """The account's input files as the manifest records them: ``file`` (relative to
    ``data_dir``), ``bytes``, ``mtime_ns``, ``sha256``. A file whose size and modification
    time equal its entry in ``known`` keeps that entry's hash without being read again.
    A file :func:`datafolder.list_files` refuses is never opened: its ``sha256`` is
    ``"refused: <reason>"``."""
    root = Path(data_dir)
    prior = {k["file"]: k for k in known}
    out = []
    for f in datafolder.list_files(root, seller_id):
        rel = f.path.relative_to(root).as_posix()
        if f.problem:
            out.append({"file": rel, "bytes": None, "mtime_ns": None,
                        "sha256": "refused: " + f.problem.replace(str(f.path), rel)})
            continue
        st = f.path.stat()
        k = prior.get(rel)
        if k and k.get("bytes") == st.st_size and k.get("mtime_ns") == st.st_mtime_ns:
            digest = k["sha256"]
        else:
            digest = sha256_file(f.path)
        out.append({"file": rel, "bytes": st.st_size, "mtime_ns": st.st_mtime_ns,
                    "sha256": digest})
    return out


def _inputs_problem(recorded: Sequence[dict], current: Sequence[dict]) -> str:
    before = {r["file"]: r["sha256"] for r in recorded}
    now = {r["file"]: r["sha256"] for r in current}
    if before == now:
        return ""
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    changed = sorted(f for f in set(now) & set(before) if now[f] != before[f])
    parts = [f"{what}: {', '.join(fs[:3])}{' ...' if len(fs) > 3 else ''}"
             for what, fs in (("added", added), ("removed", removed), ("changed", changed)) if fs]
    return "inputs changed (" + "; ".join(parts) + ")"


# ---------------------------------------------------------------------------------------------
# Manifest and checks
# ---------------------------------------------------------------------------------------------

def read_manifest(folder: str | Path) -> dict:
    """An account folder's manifest; raises StoreError if it is missing or unreadable."""
    p = Path(folder) / MANIFEST
    try:
        m = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{folder}: no manifest (not a store, or a build that did not "
                         "finish)") from None
    except (OSError, ValueError) as e:
        raise StoreError(f"{folder}: unreadable manifest ({type(e).__name__})") from None
    if not isinstance(m, dict):
        raise StoreError(f"{folder}: unreadable manifest (not an object)")
    return m


def _identity_problem(m: dict) -> str:
    """Why a manifest was written by another format, version, code or contract ("" if not)."""
    for key, want, what in (("format", FORMAT, "store format"),
                            ("package_version", __version__, "package version"),
                            ("code", code_fingerprint(), "package code"),
                            ("contract", contract_fingerprint(), "data contract")):
        if m.get(key) != want:
            return f"written by another {what} ({str(m.get(key))[:12]!r}, now {str(want)[:12]!r})"
    return ""


def _part_problem(folder: Path, rel: str, entry: dict, hash_it: bool = True) -> str:
    p = folder / rel
    try:
        size = p.stat().st_size
    except OSError:
        return f"{rel} is missing"
    if size != entry.get("bytes"):
        return f"{rel} has {size} bytes, the manifest says {entry.get('bytes')}"
    if hash_it and sha256_file(p) != entry.get("sha256"):
        return f"{rel} does not match its SHA-256 (edited or corrupt)"
    return ""


def problem(store: str | Path, data_dir: str | Path, seller_id: str, *,
            deep: bool = True) -> str:
    """Why the account's store cannot be used for ``data_dir`` as it is now ("" when it can).

    Checks the manifest (format, package version and code, contract, data folder, account),
    the input files against their recorded hashes and every Parquet file against its size
    (``deep``: and its SHA-256)."""
    folder = account_dir(store, seller_id)
    if not folder.is_dir():
        return "no store for this account yet"
    try:
        m = read_manifest(folder)
    except StoreError as e:
        return str(e)
    why = _identity_problem(m)
    if why:
        return why
    want = {"data_dir": str(Path(data_dir).resolve()), "seller_id": seller_id}
    if m.get("parameters") != want:
        return f"built from other parameters ({m.get('parameters')}, now {want})"
    try:
        why = _inputs_problem(m.get("inputs", []),
                              input_records(data_dir, seller_id, m.get("inputs", [])))
    except OSError as e:
        return f"inputs could not be listed ({e})"
    if why:
        return why
    for rel, entry in m.get("parts", {}).items():
        why = _part_problem(folder, rel, entry, deep)
        if why:
            return why
    return ""


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

def _write_parquet(df: pd.DataFrame, path: Path) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.Table.from_pandas(df, preserve_index=False)
    # seller_id/marketplace as plain strings: the hive partition type, so dataset readers
    # (pyarrow, Dask, DuckDB) merge the column in the file with the folder's value
    fields = [pa.field(f.name, pa.string()) if f.name in ("seller_id", "marketplace")
              and pa.types.is_large_string(f.type) else f for f in t.schema]
    t = t.cast(pa.schema(fields, metadata=t.schema.metadata))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(t, path)
    return {"bytes": path.stat().st_size, "sha256": sha256_file(path), "rows": len(df)}


def _marketplace_codes(df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Each row's partition index and the partitions (sorted; the null one last)."""
    mp = df["marketplace"].astype("string").fillna(NULL_PARTITION)
    values = sorted(set(mp.unique()) - {NULL_PARTITION})
    if NULL_PARTITION in set(mp.unique()):
        values.append(NULL_PARTITION)
    codes = pd.Categorical(mp, categories=values).codes.astype(np.int16)
    return codes, values


def _accounting_frame(inputs: datafolder.Inputs) -> pd.DataFrame:
    acc = inputs.accounting()
    acc.insert(4, "table", pd.Series([r.table for r in inputs.results], dtype="str"))
    return acc


def _files_frame(inputs: datafolder.Inputs) -> pd.DataFrame:
    rows = [{"file": f.path.relative_to(inputs.root).as_posix(), "seller_id": f.seller_id,
             "marketplace": f.marketplace, "report_type": f.report_type, "table": f.table,
             "problem": f.problem, "note": f.note} for f in inputs.files]
    return pd.DataFrame(rows, columns=["file", "seller_id", "marketplace", "report_type",
                                       "table", "problem", "note"]).astype("string")


def _warnings_frame(inputs: datafolder.Inputs) -> pd.DataFrame:
    return pd.DataFrame(inputs.read_warnings(), columns=["file", "warning"]).astype("string")


def _errors_frame(inputs: datafolder.Inputs) -> pd.DataFrame:
    by_path = {str(f.path): f for f in inputs.files}
    rows = []
    for path, message in inputs.errors:
        f = by_path.get(path)
        rel = Path(path).relative_to(inputs.root).as_posix() if f else path
        rows.append({"file": rel, "message": message, "table": f.table if f else None,
                     "marketplace": f.marketplace if f else None})
    return pd.DataFrame(rows, columns=["file", "message", "table", "marketplace"]).astype(
        "string")


def _quarantine_frame(inputs: datafolder.Inputs, acc: pd.DataFrame) -> pd.DataFrame:
    qs = [r.quarantine.assign(source_file=f) for r, f in zip(inputs.results, acc["file"],
                                                            strict=True) if len(r.quarantine)]
    if not qs:
        q = inputs.quarantine.assign(source_file=pd.Series(dtype="string"))
    else:
        q = pd.concat(qs, ignore_index=True)
    q["source_file"] = q["source_file"].astype("string")
    return q


def _overlaps_by_marketplace(inputs: datafolder.Inputs) -> pd.DataFrame:
    """Per table and marketplace: rows stacked from all files, superseded, kept."""
    rows = []
    for table in inputs.overlaps["table"]:
        stacked: dict[str, int] = {}
        for r in inputs.results:
            if r.table == table and len(r.data):
                for mp, n in r.data["marketplace"].astype("string").fillna(
                        NULL_PARTITION).value_counts().items():
                    stacked[mp] = stacked.get(mp, 0) + int(n)
        kept = inputs.tables[table]["marketplace"].astype("string").fillna(
            NULL_PARTITION).value_counts().to_dict() if len(inputs.tables[table]) else {}
        for mp in sorted(stacked):
            rows.append({"table": table, "marketplace": mp, "rows_stacked": stacked[mp],
                         "superseded": stacked[mp] - int(kept.get(mp, 0)),
                         "rows_kept": int(kept.get(mp, 0))})
    return pd.DataFrame(rows, columns=["table", "marketplace", "rows_stacked", "superseded",
                                       "rows_kept"])


def write(inputs: datafolder.Inputs, folder: str | Path, manifest: dict) -> dict:
    """Write a read account (:func:`datafolder.read_files` of one seller) into ``folder``
    (which must not exist), the manifest last. Returns the manifest written."""
    folder = Path(folder)
    folder.mkdir(parents=True)
    parts: dict[str, dict] = {}
    tables = []
    for name, df in inputs.tables.items():
        tables.append({"table": name, "rows": len(df)})
        if not len(df):
            continue
        codes, values = _marketplace_codes(df)
        for i, mp in enumerate(values):
            rel = f"marketplace={_part(mp)}/{name}.parquet"
            parts[rel] = _write_parquet(df.loc[codes == i].reset_index(drop=True), folder / rel)
        if len(values) > 1 and (np.diff(codes) < 0).any():
            rel = f"{META}/order/{name}.parquet"
            parts[rel] = _write_parquet(pd.DataFrame({"partition": codes}), folder / rel)
    acc = _accounting_frame(inputs)
    meta = {"accounting": acc, "quarantine": _quarantine_frame(inputs, acc),
            "files": _files_frame(inputs), "errors": _errors_frame(inputs),
            "warnings": _warnings_frame(inputs), "overlaps": inputs.overlaps,
            "overlaps_by_marketplace": _overlaps_by_marketplace(inputs),
            "overlap_files": inputs.overlap_files}
    for name, df in meta.items():
        rel = f"{META}/{name}.parquet"
        parts[rel] = _write_parquet(df, folder / rel)
    m = {**manifest, "tables": tables, "parts": parts}
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(m, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)
    return m


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` still exists on this machine (signal 0: nothing is sent; a
    process of another user counts as alive). Used to tell a killed run's leftovers (store
    builds here, output-folder locks in :mod:`postship_analysis.reporting.publish`) from a
    run still going."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep(store: Path, seller_id: str) -> None:
    """Remove this account's leftovers of builds that were killed (their process is gone)."""
    for p in store.glob(f".*-{_part(seller_id)}-*"):
        m = re.fullmatch(rf"\.(building|old)-{re.escape(_part(seller_id))}-(\d+)-\d+", p.name)
        if m and p.is_dir() and (int(m.group(2)) == os.getpid() or not pid_alive(int(m.group(2)))):
            shutil.rmtree(p, ignore_errors=True)


@dataclass
class Built:
    """What :func:`build` did for one account."""

    seller_id: str
    path: str
    rebuilt: bool
    reason: str  # why it was (re)built; "" when the existing store was reused
    seconds: float = 0.0
    tables: dict = field(default_factory=dict)


_counter = iter(range(1 << 62))


def build(data_dir: str | Path, store: str | Path, seller_id: str, *,
          force: bool = False) -> Built:
    """Make the account's store current: reuse it when whole and built from the same inputs,
    code and parameters (see :func:`problem`), else read the folder once
    (:func:`datafolder.read_files`) and publish a new store atomically (written beside,
    renamed).

    ``force`` rebuilds even a current store. Returns what was done and why.

    >>> b = build("data/sample", "/tmp/store", "sample-seller")  # doctest: +SKIP
    >>> b.rebuilt, b.reason                                        # doctest: +SKIP
    (True, 'no store for this account yet')
    """
    t0 = time.monotonic()
    data_dir = Path(data_dir).resolve()
    store = Path(store)
    final = account_dir(store, seller_id)
    why = "rebuild forced" if force else problem(store, data_dir, seller_id, deep=True)
    if not why:
        return Built(seller_id, str(final), False, "", round(time.monotonic() - t0, 2))
    store.mkdir(parents=True, exist_ok=True)
    _sweep(store, seller_id)
    known = []
    if final.is_dir():
        try:
            known = read_manifest(final).get("inputs", [])
        except StoreError:
            known = []
    # hashes first: a file changed while it is being read makes the next run rebuild
    records = input_records(data_dir, seller_id, known)
    inputs = datafolder.read_files(data_dir, seller_id=seller_id)
    manifest = {"format": FORMAT, "package_version": __version__, "code": code_fingerprint(),
                "contract": contract_fingerprint(),
                "parameters": {"data_dir": str(data_dir), "seller_id": seller_id},
                "inputs": records}
    tag = f"{_part(seller_id)}-{os.getpid()}-{next(_counter)}"
    tmp = store / f".building-{tag}"
    m = write(inputs, tmp, manifest)
    old = store / f".old-{tag}"
    if final.exists():
        os.rename(final, old)
    os.rename(tmp, final)
    shutil.rmtree(old, ignore_errors=True)
    return Built(seller_id, str(final), True, why, round(time.monotonic() - t0, 2),
                 {t["table"]: t["rows"] for t in m["tables"]})


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------

class StoredInputs(datafolder.Inputs):
    """:class:`datafolder.Inputs` read from a store (``results`` is empty: the per-file
    accounting and read warnings come from the store)."""

    def __init__(self, *, accounting: pd.DataFrame, read_warnings: list[tuple[str, str]],
                 manifest: dict, **kw):
        super().__init__(**kw)
        self._accounting = accounting
        self._read_warnings = read_warnings
        self.manifest = manifest

    def accounting(self) -> pd.DataFrame:
        return self._accounting.copy()

    def read_warnings(self) -> list[tuple[str, str]]:
        return list(self._read_warnings)


def _read(folder: Path, rel: str, entry: dict | None, verify: bool) -> pd.DataFrame:
    import pyarrow.parquet as pq

    if entry is None:
        raise StoreError(f"{folder}: {rel} is not in the manifest")
    if verify:
        why = _part_problem(folder, rel, entry)
        if why:
            raise StoreError(f"{folder}: {why}")
    try:
        return pq.read_table(folder / rel).to_pandas()
    except Exception as e:
        raise StoreError(f"{folder}: {rel} could not be read ({type(e).__name__})") from None


def _table(folder: Path, m: dict, name: str, mps: set[str] | None, verify: bool) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = m["parts"]
    suffix = f"/{name}.parquet"
    values = sorted((unquote(rel.split("/", 1)[0].split("=", 1)[1]), rel) for rel in parts
                    if rel.startswith("marketplace=") and rel.endswith(suffix)
                    and rel.count("/") == 1)
    # the partition order the writer used: sorted, the null partition last
    values.sort(key=lambda v: (v[0] == NULL_PARTITION, v[0]))
    keep = [(i, v, rel) for i, (v, rel) in enumerate(values)
            if mps is None or (v != NULL_PARTITION and v in mps)]
    if not keep:
        return contract.empty(name)
    arrow = []
    for _, _, rel in keep:
        if verify:
            why = _part_problem(folder, rel, parts[rel])
            if why:
                raise StoreError(f"{folder}: {why}")
        try:
            arrow.append(pq.read_table(folder / rel))
        except Exception as e:
            raise StoreError(f"{folder}: {rel} could not be read ({type(e).__name__})") \
                from None
    try:
        df = pa.concat_tables(arrow).to_pandas() if len(arrow) > 1 else arrow[0].to_pandas()
    except Exception as e:
        raise StoreError(f"{folder}: {name} could not be assembled ({type(e).__name__})") \
            from None
    order_rel = f"{META}/order/{name}.parquet"
    if order_rel in parts and len(keep) > 1:
        codes = _read(folder, order_rel, parts[order_rel], verify)["partition"].to_numpy()
        codes = codes[np.isin(codes, [i for i, _, _ in keep])]
        if len(codes) != len(df):
            raise StoreError(f"{folder}: {order_rel} does not match {name}")
        # concatenated row j is original row order[j]; put each back at its place
        order = np.argsort(codes, kind="stable")
        df = df.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    return df


def open(store: str | Path, seller_id: str, *, data_dir: str | Path | None = None,
         marketplaces: Sequence[str] | None = None, tables: Sequence[str] | None = None,
         verify: bool = True) -> datafolder.Inputs:
    """One account's inputs from a store, as pandas: the same :class:`datafolder.Inputs`
    (tables, quarantine, row accounting, overlaps and their per-file detail, files, errors,
    read warnings, notes) that ``datafolder.load(data_dir, seller_id=..., marketplaces=...,
    tables=...)`` returns.

    ``data_dir`` (default: the folder the store was built from) is where file paths point;
    when given, the store must have been built from it and from its files as they are now.
    ``verify`` checks every Parquet file read against the manifest's size and SHA-256.
    Raises :class:`StoreError` when the store is missing, partial, corrupt, stale or from
    other code: it is never read as if whole.

    >>> inputs = open("reports/store", "sample-seller")  # doctest: +SKIP
    >>> inputs.table("orders").groupby("marketplace").size()  # doctest: +SKIP
    """
    folder = account_dir(store, seller_id)
    if not folder.is_dir():
        raise StoreError(f"{folder}: no store for account {seller_id!r}")
    m = read_manifest(folder)
    why = _identity_problem(m)
    if why:
        raise StoreError(f"{folder}: {why}")
    params = m.get("parameters", {})
    if data_dir is not None:
        why = problem(store, data_dir, seller_id, deep=False)
        if why:
            raise StoreError(f"{folder}: {why}")
    root = Path(data_dir) if data_dir is not None else Path(params.get("data_dir", "."))
    built_at = str(params.get("data_dir", ""))
    new_prefix = "" if str(root) == "." else str(root) + os.sep

    def reroot(text):
        """Paths in messages as :func:`datafolder.load` of ``root`` would write them."""
        if not built_at or not isinstance(text, str):
            return text
        return text.replace(built_at + os.sep, new_prefix)
    if tables is not None:
        unknown = sorted(set(tables) - set(contract.TABLES))
        if unknown:
            raise KeyError(f"unknown table(s) {unknown}; known: {sorted(contract.TABLES)}")
    wanted = {contract.marketplace(x).code for x in marketplaces} if marketplaces else None
    meta = {name: _read(folder, f"{META}/{name}.parquet", m["parts"].get(
        f"{META}/{name}.parquet"), verify) for name in _META_TABLES}

    def file_kept(table, mp) -> pd.Series:
        ok = pd.Series(True, index=table.index)
        if wanted:
            mp = mp.fillna("").astype(str)
            ok &= (mp == "") | mp.isin(wanted)
        if tables is not None:
            ok &= table["table"].isin(list(tables))
        return ok

    acc = meta["accounting"]
    acc_kept = acc[file_kept(acc, acc["marketplace"])]
    errors = meta["errors"]
    errors = errors[file_kept(errors, errors["marketplace"])]
    q = meta["quarantine"]
    q = q[q["source_file"].isin(acc_kept["file"])]
    # the reader's own path for the file, as load() of root gives it
    q = q.assign(file=pd.array([reroot(f) if isinstance(f, str) else f for f in q["file"]],
                               dtype="string")).drop(columns="source_file")
    warns = meta["warnings"]
    warns = [(f, reroot(w)) for f, w in warns[warns["file"].isin(acc_kept["file"])]
             .itertuples(index=False)]
    present = list(dict.fromkeys(acc_kept["table"]))  # load's order: first file of each table
    recorded = [t["table"] for t in m.get("tables", [])]
    present = [t for t in recorded if t in present]
    data = {t: _table(folder, m, t, wanted, verify) for t in present}
    if wanted is None:
        ov = meta["overlaps"]
        ov = ov[ov["table"].isin(present)]
    else:
        by = meta["overlaps_by_marketplace"]
        by = by[by["marketplace"].isin(wanted)].groupby("table")[
            ["rows_stacked", "superseded", "rows_kept"]].sum()
        nfiles = acc_kept.groupby("table").size()
        ov = pd.DataFrame({"table": present,
                           "files": [int(nfiles.get(t, 0)) for t in present]})
        for c in ("rows_stacked", "superseded", "rows_kept"):
            ov[c] = [int(by[c].get(t, 0)) if t in by.index else 0 for t in present]
    ovf = meta["overlap_files"]
    ovf = ovf[ovf["table"].isin(present) & ovf["file"].isin(acc_kept["file"])]
    # load() gives the detail of tables read from several files (of those selected)
    ovf = ovf[ovf.groupby("table")["file"].transform("size") > 1].reset_index(drop=True)
    files = [datafolder.FoundFile(root / r.file, r.seller_id,
                                  None if pd.isna(r.marketplace) else r.marketplace,
                                  None if pd.isna(r.report_type) else r.report_type,
                                  None if pd.isna(r.table) else r.table,
                                  "" if pd.isna(r.problem) else reroot(r.problem),
                                  "" if pd.isna(r.note) else reroot(r.note))
             for r in meta["files"].itertuples(index=False)]
    inputs = StoredInputs(
        root=root, files=files,
        errors=[(str(root / e.file), reroot(e.message)) for e in errors.itertuples(index=False)],
        tables=data, quarantine=q.reset_index(drop=True), overlaps=ov.reset_index(drop=True),
        overlap_files=ovf, accounting=acc_kept.drop(columns="table").reset_index(drop=True),
        read_warnings=warns, manifest=m)
    return datafolder.across_tables(inputs)
