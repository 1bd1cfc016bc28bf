"""The data-folder convention: drop exports in, as downloaded, and load them all.

Layout (names of files do not matter; each file's report type is recognised from its
header or, for JSON, its keys)::

    DATA_DIR/
      <seller-account>/            one folder per seller account (its name is the seller_id)
        unit-costs.csv             files that concern every marketplace of the account
        US/                        one folder per marketplace, named by its code (US, DE, UK...)
          All Orders 2026-09.txt
          All Orders 2026-10.txt   monthly files of the same report are stacked
          ...
        DE/
          ...

If DATA_DIR itself holds marketplace folders (``DATA_DIR/US/...``) it is one account, named
after DATA_DIR. Files outside any marketplace folder get the marketplace from their own
content (e.g. the ``sales-channel`` column) or ``US``.

This module sits above the readers and below the reports: it never computes a metric.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import contract, readers
from .errors import InputFileError, PostshipError
from .readers.core import READERS, REGISTRY, ReadResult

SKIP_NAMES = {"readme.md", "readme.txt", ".ds_store", "thumbs.db", "provenance.md"}
#: folders that hold no exports: the seller's message templates (read by the customer
#: experience report's compliance check)
SKIP_FOLDERS = {"message-templates"}


@dataclass
class FoundFile:
    """A file in the data folder and what it was recognised as."""

    path: Path
    seller_id: str
    marketplace: str | None
    report_type: str | None
    table: str | None
    problem: str = ""  # why the file could not even be recognised (empty, unreadable...)
    note: str = ""  # why a readable file is no report we know (the closest one and its gaps)


def _marketplace_of(parts: Sequence[str]) -> str | None:
    for p in reversed(parts):
        try:
            return contract.marketplace(p).code
        except PostshipError:
            continue
    return None


_CODE_LIKE = re.compile(r"^[A-Za-z]{2}$")


def list_files(root: str | Path, seller_id: str | None = None) -> list[FoundFile]:
    """The files under ``root`` with seller and marketplace, *not yet recognised* (report
    type and table are None): cheap, no file is opened. ``seller_id`` keeps one account's.

    Refused here (listed with a ``problem``, never opened, read or hashed): a link that
    leads outside ``root`` (it could read any file of the machine), and files in a folder
    named like a marketplace code we do not know (``XX``: reading it as US would put its
    orders in the wrong marketplace, time zone and currency).

    The store (:mod:`postship_analysis.store`) hashes exactly the files listed here without
    a problem to decide whether an account's inputs changed; :func:`discover` recognises
    them.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputFileError(root, "data folder not found", "a folder of exports, see README")
    real_root = root.resolve()
    files = sorted(p for p in root.rglob("*") if (p.is_file() or p.is_symlink())
                   and not p.name.startswith(".") and p.name.lower() not in SKIP_NAMES
                   and not set(p.relative_to(root).parts[:-1]) & SKIP_FOLDERS)
    top_is_market = any(_marketplace_of([d.name]) for d in root.iterdir() if d.is_dir())
    out = []
    for p in files:
        rel = p.relative_to(root).parts
        if top_is_market:
            seller = real_root.name
            dirs = rel[:-1]
        else:
            seller = rel[0] if len(rel) > 1 else real_root.name
            dirs = rel[1:-1] if len(rel) > 1 else ()
        if seller_id and seller != seller_id:
            continue
        mp = _marketplace_of(dirs)
        target = Path(os.path.realpath(p))
        if not target.is_relative_to(real_root):
            out.append(FoundFile(p, seller, mp, None, None,
                                 f"{p}: a link to {target}, outside the data folder: not "
                                 "read (copy the file into the folder instead)"))
            continue
        if not target.is_file():
            continue
        unknown = [d for d in (rel[:-1] if top_is_market else dirs)
                   if _CODE_LIKE.match(d) and _marketplace_of([d]) is None]
        if unknown:
            out.append(FoundFile(p, seller, None, None, None,
                                 f"{p}: folder {unknown[0]!r} is not a marketplace code we know "
                                 f"({', '.join(contract.MARKETPLACES)}; GB is read as UK): "
                                 "not read. Rename the folder to its code"))
            continue
        out.append(FoundFile(p, seller, mp, None, None))
    return out


def discover(root: str | Path, seller_id: str | None = None) -> list[FoundFile]:
    """List the files under ``root`` with seller, marketplace and report type (only the
    account ``seller_id`` when given: other accounts' files are not opened).

    Files :func:`list_files` refused keep their ``problem`` and are not opened.

    >>> files = discover("data/sample")  # doctest: +SKIP
    """
    out = list_files(root, seller_id)
    for f in out:
        if f.problem:
            continue
        spec = readers.detect_file(f.path)
        if spec is None:
            f.problem, f.note = _why_unrecognised(f.path)
        else:
            f.report_type, f.table = spec.report_type, spec.table
    return out


def _why_unrecognised(p: Path) -> tuple[str, str]:
    """Why a file is no report we know, as (problem, note): a *problem* when the file is
    empty, unreadable or close to a known report (3 or more of its columns) but missing
    required ones; else a *note* naming the closest report type and the columns it lacks,
    or saying that no column matches any report."""
    from .readers.core import _decode_head, find_header, match_columns

    if p.suffix.lower() in (".json", ".gz"):
        try:
            readers.core.load_json(p)
        except InputFileError as e:
            return str(e), ""
        except Exception as e:
            return f"{p}: not a JSON report we know ({type(e).__name__})", ""
        return "", "a JSON file, but not a report we know (see docs/INPUTS.md)"
    try:
        _, enc, lines = _decode_head(p)
    except InputFileError as e:
        return str(e), ""
    if enc == "zip":
        return "", "a workbook (zip) whose sheets match no report layout (see docs/INPUTS.md)"
    best, best_n, best_hdr, best_score = None, 0, None, (0, 0)
    for spec in REGISTRY.values():
        hdr = find_header(lines, spec)
        if hdr is None:
            continue
        matched = match_columns(hdr.names, spec)
        score = (sum(f.name in matched for f in spec.required), len(matched))
        if len(matched) and score > best_score:
            best, best_n, best_hdr, best_score = spec, len(matched), hdr, score
    if best is None:
        first = next((ln.strip() for ln in lines if ln.strip()), "")[:80]
        return "", f"no column matches any report we know (first line: {first!r})"
    missing = [f.aliases[0] for f in best.required if f.name not in best_hdr.matched]
    lacks = (f"lacks required column(s) {', '.join(repr(m) for m in missing)}" if missing
             else "matches too few of its columns")
    if best_n >= 3:
        return f"{p}: closest to the {best.title} ({best.report_type}) but {lacks}", ""
    return "", (f"closest report: {best.title} ({best.report_type}), {best_n} column(s) "
                f"match; it {lacks}")


@dataclass
class Inputs:
    """Everything loaded from a data folder.

    ``tables`` maps a canonical table name to all its rows (every file, seller and
    marketplace stacked); ``results`` keeps each file's :class:`ReadResult` for the row
    accounting; ``errors`` lists files that could not be read at all, with the reason.
    """

    root: Path
    files: list[FoundFile]
    results: list[ReadResult] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: per table: rows stacked from all files, rows superseded by a newer file, rows kept
    overlaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: what the loader did across files that a reader alone cannot say (plain sentences)
    notes: list[str] = field(default_factory=list)
    #: per file of a table read from several files: how recent it is (and on what basis), its
    #: rows, how many a newer file superseded and which file won them
    overlap_files: pd.DataFrame = field(default_factory=pd.DataFrame)

    def table(self, name: str) -> pd.DataFrame:
        """Rows of a canonical table (an empty table with the right columns if absent)."""
        if name not in contract.TABLES:
            raise KeyError(f"unknown table {name!r}; known: {sorted(contract.TABLES)}")
        return self.tables.get(name, contract.empty(name))

    def read_warnings(self) -> list[tuple[str, str]]:
        """Each file's read warnings as (file relative to ``root``, warning), in file order."""
        return [(_rel(r.path, self.root), w) for r in self.results for w in r.warnings]

    def accounting(self) -> pd.DataFrame:
        """One row per file read: rows read, accepted, rejected, blank lines, encoding..."""
        rows = []
        for r, f in zip(self.results, self._read_files, strict=True):
            s = r.summary()
            s["file"] = str(Path(r.path).relative_to(self.root)) if Path(r.path).is_relative_to(
                self.root) else r.path
            s["seller_id"] = f.seller_id
            s["marketplace"] = f.marketplace or ""
            rows.append(s)
        cols = ["seller_id", "marketplace", "file", "report_type", "rows_read", "accepted",
                "rejected", "blank_lines", "encoding", "delimiter", "unknown_columns", "warnings"]
        return pd.DataFrame(rows, columns=cols)

    _read_files: list[FoundFile] = field(default_factory=list)


def load(
    root: str | Path,
    *,
    seller_id: str | None = None,
    marketplaces: Sequence[str] | None = None,
    tables: Sequence[str] | None = None,
    store: str | Path | None = None,
) -> Inputs:
    """Discover and read every recognised file under ``root``.

    Parameters
    ----------
    root : the data folder (see module docstring).
    seller_id : only this account (default: all).
    marketplaces : only these marketplace codes (default: all). Files outside a marketplace
        folder are always read; their rows are then filtered on ``marketplace``.
    tables : only the readers for these canonical tables (default: all).
    store : a store (:mod:`postship_analysis.store`) the report runner built: with a
        ``seller_id``, the account's inputs are read from it when it is whole and current
        for ``root`` (same tables, quarantine and accounting, without reading a file again);
        otherwise, or when it cannot be used, the folder is read. This is the one function
        the report notebooks get their data from.

    Files that cannot be read are listed in ``Inputs.errors`` with the reason, and do not
    stop the others. With ``seller_id``, ``Inputs.files`` lists that account's files only.
    """
    if store and seller_id:
        from . import store as stores  # the store is written from this function's result

        try:
            return stores.open(store, seller_id, data_dir=root, marketplaces=marketplaces,
                               tables=tables)
        except stores.StoreError:
            pass  # never read a store that is not whole and current: read the folder
    return across_tables(read_files(root, seller_id=seller_id, marketplaces=marketplaces,
                                    tables=tables))


def read_files(
    root: str | Path,
    *,
    seller_id: str | None = None,
    marketplaces: Sequence[str] | None = None,
    tables: Sequence[str] | None = None,
) -> Inputs:
    """What :func:`load` reads, file by file, before :func:`across_tables`: each table
    stacked from its files with overlapping downloads resolved (``overlaps``,
    ``overlap_files``), the quarantine and the accounting. The store keeps exactly this, so
    that what is done across tables is done the same way on a store and on the folder."""
    root = Path(root)
    files = discover(root, seller_id)
    inputs = Inputs(root=root, files=files)
    wanted_mp = {contract.marketplace(m).code for m in marketplaces} if marketplaces else None
    by_table: dict[str, list[ReadResult]] = {}
    for f in files:
        if f.report_type is None:
            continue
        if seller_id and f.seller_id != seller_id:
            continue
        if wanted_mp and f.marketplace and f.marketplace not in wanted_mp:
            continue
        if tables and f.table not in tables:
            continue
        fn = READERS.get(f.report_type)
        if fn is None:
            inputs.errors.append((str(f.path), f"no reader for report type {f.report_type}"))
            continue
        try:
            res = fn(f.path, seller_id=f.seller_id, marketplace=f.marketplace)
        except InputFileError as e:
            inputs.errors.append((str(f.path), str(e)))
            continue
        except Exception as e:  # a reader bug must not stop the other files: report it
            inputs.errors.append((str(f.path), f"{f.path}: could not be read "
                                  f"({type(e).__name__}: {e}); please report this file's layout"))
            continue
        inputs.results.append(res)
        inputs._read_files.append(f)
        by_table.setdefault(res.table, []).append(res)
    overlap_rows, file_rows = [], []
    for table, results in by_table.items():
        recency = [file_recency(r.path, r.data, table) for r in results]
        data, per_file, won_by = resolve_overlaps_by_file(
            table, [r.data for r in results], [k for k, _ in recency])
        superseded = int(sum(per_file))
        overlap_rows.append({"table": table, "files": len(results),
                             "rows_stacked": sum(len(r.data) for r in results),
                             "superseded": superseded, "rows_kept": len(data)})
        if len(results) > 1:
            for i, r in enumerate(results):
                file_rows.append({
                    "table": table, "file": _rel(r.path, root), "recency": recency[i][1],
                    "rows": len(r.data), "superseded": int(per_file[i]),
                    "kept": len(r.data) - int(per_file[i]),
                    "superseded_by": ", ".join(_rel(results[j].path, root)
                                               for j in won_by[i])})
        if wanted_mp and "marketplace" in data:
            data = data[data["marketplace"].isin(wanted_mp)].reset_index(drop=True)
        inputs.tables[table] = data
    inputs.overlaps = pd.DataFrame(overlap_rows, columns=["table", "files", "rows_stacked",
                                                          "superseded", "rows_kept"])
    inputs.overlap_files = pd.DataFrame(file_rows, columns=OVERLAP_FILE_COLUMNS)
    qs = [r.quarantine for r in inputs.results if len(r.quarantine)]
    inputs.quarantine = (pd.concat(qs, ignore_index=True) if qs
                         else readers.core.empty_quarantine())
    return inputs


#: columns of :attr:`Inputs.overlap_files`
OVERLAP_FILE_COLUMNS = ["table", "file", "recency", "rows", "superseded", "kept",
                        "superseded_by"]


def across_tables(inputs: Inputs) -> Inputs:
    """What the loader does across tables once every file is read (in place; returns
    ``inputs``), saying so in :attr:`Inputs.notes`: order-level ship-by rows are matched to
    their items' shipment confirmations (when both tables were loaded). Applied by
    :func:`load` to the folder's files and by :func:`postship_analysis.store.open` to the
    store's tables, after the same marketplace and table selection."""
    if "order_promises" in inputs.tables and "shipment_confirmations" in inputs.tables:
        promises, n = readers.orders.complete_order_level_promises(
            inputs.tables["order_promises"], inputs.tables["shipment_confirmations"],
            inputs.tables.get("orders"))
        if n:
            inputs.tables["order_promises"] = promises
            inputs.notes.append(
                f"{n:,} order-level ship-by row(s) (no order-item-id) were matched to their "
                "items' shipment confirmations: such an order has shipped when its last item "
                "has")
    return inputs


# ---------------------------------------------------------------------------------------------
# Overlapping downloads
# ---------------------------------------------------------------------------------------------

#: table -> (columns identifying the same real-world row across files, version column or None)
OVERLAP_KEYS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "orders": (("order_id", "sku"), "last_updated_ts"),
    "order_promises": (("order_id", "order_item_id", "sku"), None),
    "shipment_confirmations": (("order_id", "order_item_id", "tracking_number"), None),
    "delivery_events": (("tracking_number", "event", "event_ts"), None),
    "fba_shipments": (("shipment_id", "shipment_item_id", "order_item_id"), None),
    "inventory_snapshots": (("snapshot_date", "sku", "source"), None),
    "inventory_ledger": (("event_date", "sku", "event_type", "reference_id",
                          "fulfillment_center", "disposition", "quantity"), None),
    "restock": (("sku",), None),
    "returns": (("order_id", "sku", "return_ts", "fulfillment_channel"), None),
    "ads": (("report_level", "start_date", "end_date", "campaign_name", "campaign_id",
             "ad_group_name", "targeting", "match_type", "search_term", "advertised_sku",
             "advertised_asin", "placement", "attribution_days"), None),
    "ad_entities": (("entity", "campaign_id", "ad_group_id", "ad_id", "keyword_id",
                     "product_targeting_id", "placement"), None),
    "sales_traffic": (("report_date", "parent_asin", "child_asin", "sku"), None),
    "account_health": (("marketplace_id", "metric", "fulfillment_channel", "window_from",
                        "window_to"), None),
    "buyer_messages": (("thread_id",), None),
    "review_requests": (("order_id", "requested_ts"), None),
    "unit_costs": (("sku",), None),
    "sku_categories": (("sku",), None),
    "stock_levels": (("sku",), None),
    "feedback": (("order_id", "feedback_date", "rating"), None),
    "claims": (("claim_id", "order_id"), None),
    "chargebacks": (("chargeback_id", "order_id"), None),
}


def _rel(path, root: Path) -> str:
    p = Path(path)
    return str(p.relative_to(root)) if p.is_relative_to(root) else str(p)


def workbook_created(path: str | Path) -> pd.Timestamp | None:
    """The creation time an XLSX workbook records (``docProps/core.xml`` ``dcterms:created``,
    UTC, naive): for Advertising-console downloads that is when Amazon generated the report
    (``dc:creator`` Apache POI), which survives copying and renaming; a later ``modified``
    stamp is the user's own edit and is not used. ``None`` for other files."""
    import re
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("docProps/core.xml").decode("utf-8", errors="replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    m = re.search(r"<dcterms:created[^>]*>([^<]+)</dcterms:created>", xml)
    if not m:
        return None
    try:
        ts = pd.Timestamp(m.group(1).strip())
    except ValueError:
        return None
    return (ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo else ts)


def file_recency(path: str | Path, data: pd.DataFrame, table: str
                 ) -> tuple[tuple, str]:
    """How recent a download is, to decide which of two overlapping files wins.

    In order of preference: the report's own creation date recorded in the file (an XLSX
    workbook's creation time, :func:`workbook_created`); else the day after the last day its
    rows cover (a download cannot be older than its data); else the file's modification time.
    Returns a sort key (larger = newer; ties broken by modification time, then path) and a
    sentence saying what the date is, for the data overview.
    """
    from .overview import DATE_COLUMN, local_days

    path = Path(path)
    try:
        mtime = pd.Timestamp(path.stat().st_mtime, unit="s")
    except OSError:
        mtime = pd.Timestamp(0)
    created = workbook_created(path) if path.suffix.lower() in (".xlsx", ".xlsm") else None
    end = pd.NaT
    col = "end_date" if table == "ads" else DATE_COLUMN.get(table)
    if created is None and col and col in data.columns and data[col].notna().any():
        end = (data[col].max() if table == "ads"
               else local_days(data[data[col].notna()], col).max())
    if created is not None:
        when, basis = created, f"report created {created:%Y-%m-%d %H:%M} UTC (in the workbook)"
    elif pd.notna(end):
        when, basis = end + pd.Timedelta(days=1), f"data up to {end:%Y-%m-%d}"
    else:
        when, basis = mtime, f"file modified {mtime:%Y-%m-%d %H:%M} UTC"
    return (when, mtime, str(path)), basis


def resolve_overlaps(table: str, frames: Sequence[pd.DataFrame],
                     recency: Sequence | None = None) -> tuple[pd.DataFrame, int]:
    """Stack the same table from several files, keeping one copy of what several files carry
    (overlapping downloads). Returns the stacked table and the number of superseded rows
    (reported, never silent). See :func:`resolve_overlaps_by_file`."""
    data, per_file, _ = resolve_overlaps_by_file(table, frames, recency)
    return data, int(sum(per_file))


def resolve_overlaps_by_file(table: str, frames: Sequence[pd.DataFrame],
                             recency: Sequence | None = None
                             ) -> tuple[pd.DataFrame, list[int], list[list[int]]]:
    """Stack the same table from several files, keeping one copy of rows that several files
    carry (overlapping downloads, e.g. weekly "last 30 days" All Orders files).

    ``recency`` gives each frame's sort key (:func:`file_recency`; larger = newer); without it
    later frames count as newer.

    * Most tables: rows are the same when they agree on the table's key (:data:`OVERLAP_KEYS`,
      always within ``seller_id`` and ``marketplace``). For each key the copy from one file
      wins: the one with the newest version column where the table has one (orders:
      ``last-updated-date``), else the newest file.
    * ``ads``: a download is a complete account-wide picture of the days it covers, at one
      report level, and Amazon restates conversions for days after a click, so the newest file
      wins *every day it covers*: within seller, marketplace, report level and attribution
      window, a row of an older file whose days overlap the range of a newer file (its first to
      last day) is superseded, whatever its key. Matching rows by key would add an older
      file's daily row to a newer file's multi-day row for the same term (the US 2022
      real-data folder: 4 orders counted twice).

    Rows repeated *within* one file are not touched here (the reader already quarantined exact
    duplicates). Returns the stacked table, the number of superseded rows per input frame and,
    per frame, the frames that won its superseded rows.
    """
    n_in = len(frames)
    per_file = [0] * n_in
    won_by: list[list[int]] = [[] for _ in range(n_in)]
    idx = [i for i, f in enumerate(frames) if len(f)]
    if not idx:
        return contract.empty(table), per_file, won_by
    if len(idx) == 1:
        return _canonical_order(table, frames[idx[0]]), per_file, won_by
    rank_of = {}
    order = sorted(idx, key=(lambda i: recency[i]) if recency is not None else (lambda i: i))
    for r, i in enumerate(order):
        rank_of[i] = r  # 0 = oldest
    stacked = pd.concat([frames[i].assign(_file=i, _rank=rank_of[i]) for i in idx],
                        ignore_index=True)
    winner_file = np.full(len(stacked), -1, dtype=np.int64)  # -1: kept
    if table == "ads":
        winner_file = _ads_coverage_winners(stacked)
    else:
        key_cols, version = OVERLAP_KEYS.get(table, ((), None))
        key = ["seller_id", "marketplace"] + [k for k in key_cols if k in stacked.columns]
        if len(key) > 2:
            k = stacked[key].astype("string").fillna("\x00")
            per = k.assign(_file=stacked["_file"], _rank=stacked["_rank"])
            sort = ["_rank"]
            if version and version in stacked.columns:
                per = per.assign(_v=stacked[version])
                sort = ["_v", "_rank"]
            best = (per.sort_values(sort, na_position="first", kind="stable")
                    .drop_duplicates(key, keep="last"))
            win = k.merge(best[key + ["_file"]].rename(columns={"_file": "_win"}), on=key,
                          how="left")["_win"].to_numpy()
            lost = stacked["_file"].to_numpy() != win
            winner_file = np.where(lost, win, -1)
    keep = winner_file < 0
    files = stacked["_file"].to_numpy()
    for i in idx:
        mine = (files == i) & ~keep
        per_file[i] = int(mine.sum())
        won_by[i] = sorted({int(w) for w in winner_file[mine]})
    out = stacked.loc[keep].drop(columns=["_file", "_rank"]).reset_index(drop=True)
    return _canonical_order(table, contract.conform(out, table)), per_file, won_by


#: tables put in one row order whatever files their rows came from: the same rows give the
#: same sums to the last bit whether Amazon's reports were downloaded as one file or month
#: by month (floating-point sums depend on the order of their terms); ads: chronological
#: within each report level, then by entity
CANONICAL_ORDER = {"ads": ("seller_id", "marketplace", "report_level", "attribution_days",
                           "start_date", "end_date", "campaign_name", "campaign_id",
                           "ad_group_name", "targeting", "match_type", "search_term",
                           "advertised_sku", "advertised_asin", "placement")}


def _canonical_order(table: str, df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in CANONICAL_ORDER.get(table, ()) if c in df.columns]
    if cols and len(df) > 1:
        df = df.sort_values(cols, kind="stable", na_position="last")
    return df.reset_index(drop=True)


def _ads_coverage_winners(stacked: pd.DataFrame) -> np.ndarray:
    """For each ads row: the file that supersedes it (the newest file whose date range, at
    the same seller, marketplace, report level and attribution window, overlaps the row's
    days), or -1 when no newer file covers any of its days."""
    win = np.full(len(stacked), -1, dtype=np.int64)
    grp = ["seller_id", "marketplace", "report_level", "attribution_days"]
    for _, g in stacked.groupby(grp, dropna=False, sort=False):
        if g["_file"].nunique() < 2:
            continue
        ranges = (g.groupby("_file").agg(first=("start_date", "min"), last=("end_date", "max"),
                                         rank=("_rank", "first"))
                  .sort_values("rank", ascending=False))
        s = g["start_date"].to_numpy()
        e = g["end_date"].to_numpy()
        r = g["_rank"].to_numpy()
        w = np.full(len(g), -1, dtype=np.int64)
        for f, row in ranges.iterrows():  # newest first: the first newer file to cover wins
            hit = (w < 0) & (r < row["rank"]) & (s <= row["last"]) & (e >= row["first"])
            w[hit] = int(f)
        win[stacked.index.get_indexer(g.index)] = w
    return win


# ---------------------------------------------------------------------------------------------
# What can run with what is there
# ---------------------------------------------------------------------------------------------

#: report section -> (tables it needs, tables it uses when present). What a section *needs* is
#: what its report needs to say anything at all: the same table decides ``check-data``'s
#: "can run" and the reports' own "no data" (:func:`runnable`, :func:`can_run`).
SECTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Data overview": ((), ()),
    "Fulfilment health: late shipment, cancellation, ship-by risk": (
        ("orders", "order_promises", "shipment_confirmations"), ()),
    "Fulfilment health: valid tracking and on-time delivery": (
        ("orders", "order_promises", "shipment_confirmations", "delivery_events"),
        ("sku_categories",)),
    "Fulfilment health: ours beside Amazon's Seller Performance report": (
        ("account_health", "orders"), ("order_promises", "shipment_confirmations",
                                       "delivery_events", "feedback", "claims",
                                       "chargebacks")),
    "Order defect rate (60 days, MFN and AFN)": (
        ("orders", "feedback", "claims", "chargebacks"), ("account_health",)),
    "Customer experience: A-to-z claims and their drivers": (
        ("claims", "orders"), ("buyer_messages", "delivery_events", "order_promises")),
    "Customer experience: buyer-message response times": (("buyer_messages",), ("orders",)),
    "Customer experience: returns and wrong items": (("returns",), ("orders",)),
    "Customer experience: Request a Review list": (("orders", "order_promises"),
                                                   ("review_requests", "returns", "claims")),
    "Inventory and restock": (("orders", "inventory_snapshots"),
                              ("inventory_ledger", "restock")),
    "Advertising": (("ads",), ("unit_costs", "ad_entities", "sales_traffic",
                               "inventory_snapshots", "orders")),
    "Stockout recovery": (("orders", "inventory_ledger"), ("ads",)),
}


def present(inputs: Inputs) -> set[str]:
    """Tables with at least one input file read, even one with no rows: an empty A-to-z
    claims download says "no claims", a missing one says nothing."""
    return set(inputs.tables)


def report_names(table: str) -> str:
    """The reports that provide a canonical table, for messages (``"A-to-z Guarantee claims
    download"``); several joined with "or"."""
    titles = sorted({s.title for s in REGISTRY.values() if s.table == table})
    return " or ".join(titles) if titles else table


def runnable(inputs: Inputs) -> pd.DataFrame:
    """Per seller account and :data:`SECTIONS` entry: can it run, the missing inputs and the
    optional ones missing. ``check-data`` prints it; the reports decide with
    :func:`can_run`, which reads the same table. A section needs each of its tables with at
    least one row for the account (a header-only file gives nothing to analyse)."""
    have_by: dict[str, set[str]] = {}
    for t, d in inputs.tables.items():
        if len(d) and "seller_id" in d.columns:
            for s in d["seller_id"].dropna().unique():
                have_by.setdefault(str(s), set()).add(t)
    sellers = sorted({f.seller_id for f in inputs.files} | set(have_by))
    rows = []
    for seller in sellers:
        have = have_by.get(seller, set())
        for name, (needs, uses) in SECTIONS.items():
            missing = [t for t in needs if t not in have]
            rows.append({"seller_id": seller, "section": name, "can_run": not missing,
                         "missing": ", ".join(missing),
                         "optional_missing": ", ".join(t for t in uses if t not in have)})
    return pd.DataFrame(rows, columns=["seller_id", "section", "can_run", "missing",
                                       "optional_missing"])


def can_run(inputs: Inputs, section: str) -> tuple[bool, str]:
    """Whether a report section can run on ``inputs`` (already loaded for one account, or
    all), and if not, a sentence naming the reports to download. Same rule as
    ``check-data`` (:func:`runnable`)."""
    if section not in SECTIONS:
        raise KeyError(f"unknown section {section!r}; known: {list(SECTIONS)}")
    needs, _ = SECTIONS[section]
    have = {t for t, d in inputs.tables.items() if len(d)}
    missing = [t for t in needs if t not in have]
    if not missing:
        return True, ""
    return False, ("needs " + "; ".join(f"{report_names(t)} ({t})" for t in missing))


def empty_window(inputs: Inputs, tables: Sequence[str], as_of, days: int) -> str:
    """``""`` when any of ``tables`` has a row dated in the ``days`` marketplace-local days
    before ``as_of``; else a sentence a report shows at its top instead of reassuring zeros
    (``"no rows of All Orders report in the 30 days before 2026-11-01 (newest: 2026-09-03)"``).
    """
    from .overview import DATE_COLUMN, local_days

    as_of = pd.Timestamp(as_of).normalize()
    start = as_of - pd.Timedelta(days=days)
    newest = []
    for t in tables:
        d = inputs.table(t)
        col = DATE_COLUMN.get(t)
        if d.empty or not col or col not in d.columns or d[col].isna().all():
            continue
        day = local_days(d[d[col].notna()], col)
        if ((day >= start) & (day < as_of)).any():
            return ""
        newest.append(day.max())
    names = " or ".join(report_names(t) for t in tables)
    seen = f" (newest: {max(newest).date()})" if newest else " (none in the data)"
    return f"no rows of {names} in the {days} days before {as_of.date()}{seen}"


def newest_day(df: pd.DataFrame, table: str):
    """The newest marketplace-local day of a table's dating column (NaT if none)."""
    from .overview import DATE_COLUMN, local_days

    col = "end_date" if table == "ads" and "end_date" in df.columns else DATE_COLUMN.get(table)
    if df.empty or not col or col not in df.columns or df[col].isna().all():
        return pd.NaT
    return local_days(df[df[col].notna()], col).max()


def default_as_of(root: str | Path, seller_id: str | None = None,
                  store: str | Path | None = None) -> tuple[str, str]:
    """The as-of date a report uses when none is given, per account, and why:

    * the day after the account's newest order (marketplace-local): its windows end on the
      last day it has orders for;
    * an account with ads but no orders: its newest ads day (the last day of an ads download
      is partial, and Amazon restates the latest days anyway);
    * else the day after the newest dated row of any of its tables.

    Returns ``("", reason)`` when the account has no dated data at all. Nothing reads the
    clock: the same files always give the same date. ``store``: read the account from its
    store when it is whole and current (:func:`load`), as a rerun does.
    """
    inputs = load(root, seller_id=seller_id or None, tables=["orders", "ads"], store=store)
    day = newest_day(inputs.table("orders"), "orders")
    if pd.notna(day):
        return str((day + pd.Timedelta(days=1)).date()), "the day after the newest order"
    day = newest_day(inputs.table("ads"), "ads")
    if pd.notna(day):
        return str(day.date()), "the newest ads day (no orders in the data)"
    inputs = load(root, seller_id=seller_id or None, store=store)
    days = [newest_day(d, t) for t, d in inputs.tables.items() if len(d)]
    days = [d for d in days if pd.notna(d)]
    if days:
        return (str((max(days) + pd.Timedelta(days=1)).date()),
                "the day after the newest dated row (no orders or ads in the data)")
    return "", "no dated rows in the data"


def _date_range(df: pd.DataFrame, table: str) -> tuple[str, str]:
    """First and last marketplace-local day of a table's dating column."""
    from .overview import DATE_COLUMN, local_days

    col = DATE_COLUMN.get(table)
    if not col or col not in df.columns or df[col].isna().all():
        return "", ""
    d = local_days(df[df[col].notna()], col)
    return str(d.min().date()), str(d.max().date())


#: an as-of date this many days after an account's newest order leaves the 30-day windows
#: empty: the reports would show no_data everywhere (warned, not refused)
AS_OF_GAP_DAYS = 30


def warnings_table(inputs: Inputs, as_of=None) -> pd.DataFrame:
    """What a user should read before trusting the reports, one row per (file, warning):
    each file's read warnings (a header-only file; dates that fit day-first and month-first
    alike), what the loader did across files (:attr:`Inputs.notes`), files that are no report
    we know with the closest report and its missing columns, and with ``as_of`` an as-of
    date far from an account's orders. ``check-data`` and the data overview show it."""
    rows = [{"file": f, "warning": w} for f, w in inputs.read_warnings()]
    rows += [{"file": "", "warning": n} for n in inputs.notes]
    rows += [{"file": _rel(f.path, inputs.root), "warning": f"not read: {f.note}"}
             for f in inputs.files if f.report_type is None and f.note]
    orders = inputs.tables.get("orders")
    if as_of is not None and orders is not None and len(orders):
        day = pd.Timestamp(as_of).normalize()
        local = contract.local_date(orders["purchase_ts"], orders["marketplace"])
        span = local.groupby(orders["seller_id"]).agg(["min", "max"])
        for seller, (lo, hi) in span.iterrows():
            if day - hi > pd.Timedelta(days=AS_OF_GAP_DAYS):
                rows.append({"file": "", "warning": (
                    f"as-of {day.date()} is {(day - hi).days} days after the newest order of "
                    f"account {seller!r} ({hi.date()}): the 7- to 60-day windows hold few or no "
                    "orders, so most KPIs will read no data. Is the date right, or are recent "
                    "downloads missing?")})
            elif day <= lo:
                rows.append({"file": "", "warning": (
                    f"as-of {day.date()} is on or before the oldest order of account "
                    f"{seller!r} ({lo.date()}): no order is known by then, so every KPI will "
                    "read no data")})
    return pd.DataFrame(rows, columns=["file", "warning"])


def check(root: str | Path) -> dict[str, pd.DataFrame]:
    """What :func:`load` finds: inputs, missing inputs, runnable sections, unreadable files.

    Returns DataFrames ``found`` (file, report type, seller, marketplace, date range, rows,
    accepted, rejected), ``sections`` (section, can run, missing tables), ``problems`` (file,
    problem), ``unrecognised`` (files that are no report we know, and why) and ``warnings``
    (:func:`warnings_table`).
    """
    inputs = load(root)
    found_rows = []
    for r, f in zip(inputs.results, inputs._read_files, strict=True):
        lo, hi = _date_range(r.data, r.table)
        mps = ",".join(sorted(r.data["marketplace"].dropna().unique())) if len(r.data) else (
            f.marketplace or "")
        found_rows.append({
            "file": str(f.path.relative_to(inputs.root)), "report_type": r.report_type,
            "report": REGISTRY[r.report_type].title if r.report_type in REGISTRY else "",
            "seller_id": f.seller_id, "marketplace": mps, "from": lo, "to": hi,
            "rows_read": r.rows_read, "accepted": r.accepted, "rejected": r.rejected})
    found = pd.DataFrame(found_rows, columns=["file", "report_type", "report", "seller_id",
                                              "marketplace", "from", "to", "rows_read",
                                              "accepted", "rejected"])
    have = {t for t, d in inputs.tables.items() if len(d)}
    all_tables = set(contract.TABLES)
    missing_inputs = pd.DataFrame(
        [{"table": t, "from_reports": ", ".join(sorted(s.title for s in REGISTRY.values()
                                                       if s.table == t))}
         for t in sorted(all_tables - have)], columns=["table", "from_reports"])
    unrec = pd.DataFrame([{"file": str(f.path.relative_to(inputs.root)), "why": f.note}
                          for f in inputs.files if f.report_type is None and not f.problem],
                         columns=["file", "why"])
    problems = pd.DataFrame([{"file": p, "problem": m} for p, m in inputs.errors] +
                            [{"file": str(f.path), "problem": f.problem}
                             for f in inputs.files if f.problem],
                            columns=["file", "problem"])
    warns = warnings_table(inputs)
    warns = warns[~warns["warning"].str.startswith("not read: ")]  # listed as unrecognised
    return {"found": found, "missing": missing_inputs, "sections": runnable(inputs),
            "problems": problems, "unrecognised": unrec, "warnings": warns}


def format_check(result: dict[str, pd.DataFrame]) -> str:
    """Plain-text rendering of :func:`check` for the command line."""
    out = []
    with pd.option_context("display.width", 200, "display.max_colwidth", 80,
                           "display.max_rows", 500):
        f = result["found"]
        out.append(f"Inputs found: {len(f)} file(s)")
        if len(f):
            out.append(f.drop(columns=["report"]).to_string(index=False))
        out.append("")
        sec = result["sections"]
        several = sec["seller_id"].nunique() > 1
        for seller, g in sec.groupby("seller_id", sort=True):
            out.append(f"Report sections for account {seller}:" if several
                       else "Report sections:")
            for _, r in g.iterrows():
                mark = "yes" if r["can_run"] else "NO "
                extra = f"  (missing: {r['missing']})" if r["missing"] else ""
                opt = (f"  (would also use: {r['optional_missing']})"
                       if r["optional_missing"] else "")
                out.append(f"  [{mark}] {r['section']}{extra}{opt}")
        m = result["missing"]
        if len(m):
            out.append("")
            out.append("Missing inputs (tables with no rows) and the reports that provide them:")
            for _, r in m.iterrows():
                out.append(f"  - {r['table']}: {r['from_reports']}")
        p = result["problems"]
        if len(p):
            out.append("")
            out.append("Files that could not be read:")
            for _, r in p.iterrows():
                out.append(f"  - {r['problem']}")
        w = result.get("warnings")
        if w is not None and len(w):
            out.append("")
            out.append("Warnings:")
            out += [f"  - {r.file + ': ' if r.file else ''}{r.warning}"
                    for r in w.itertuples()]
        u = result["unrecognised"]
        if len(u):
            out.append("")
            out.append("Files not recognised as any report (ignored):")
            out += [f"  - {r.file}" + (f": {r.why}" if r.why else "") for r in u.itertuples()]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# The inputs guide (docs/INPUTS.md is generated from the reader registry and this table)
# ---------------------------------------------------------------------------------------------

#: canonical table -> how often to download it, and how much history
DOWNLOAD_GUIDE: dict[str, str] = {
    "orders": "weekly (Amazon caps a request at about 30 days: download month by month; 18 "
              "months of history the first time, for seasonality and forecasting)",
    "order_promises": "weekly, same periods as All Orders (seller-fulfilled orders only)",
    "shipment_confirmations": "weekly: the confirmation files you uploaded, or your shipping "
                              "tool's export in the same layout",
    "delivery_events": "weekly, from your carriers or shipping tool (no Amazon export exists)",
    "fba_shipments": "weekly (about 30 days per request)",
    "inventory_snapshots": "daily or at least weekly: keep every download, the dated snapshots "
                           "are stacked into an on-hand history",
    "inventory_ledger": "monthly, the whole history once: gives the daily on-hand history "
                        "without keeping snapshots",
    "restock": "weekly, just before planning a shipment to FBA",
    "returns": "weekly",
    "ads": "weekly, daily rows; re-download the last 14 days each time (Amazon restates "
           "attributed conversions for days after the click)",
    "ad_entities": "whenever you act on the advertising report: the recommendations become an "
                   "uploadable bulk file only with a fresh download (its ids, current bids, "
                   "budgets and states)",
    "sales_traffic": "weekly (by date) and monthly (by child ASIN)",
    "account_health": "weekly",
    "buyer_messages": "weekly, from your helpdesk tool (no Amazon export exists)",
    "review_requests": "after each batch of review requests: append the orders you asked "
                       "(no Amazon export exists); keep the whole history, one request per "
                       "order",
    "unit_costs": "when costs or fees change",
    "sku_categories": "when you add SKUs (US sellers: the valid tracking rate is judged per "
                      "product category)",
    "stock_levels": "when you count stock",
}


def inputs_markdown() -> str:
    """docs/INPUTS.md: every input, where to get it, how often, and what needs it."""
    from .readers.core import REGISTRY as reg

    used_by: dict[str, list[str]] = {}
    for section, (needs, uses) in SECTIONS.items():
        for t in needs:
            used_by.setdefault(t, []).append(section)
        for t in uses:
            used_by.setdefault(t, []).append(section + " (optional)")
    lines = [
        "# Inputs: which files to download, and where to put them",
        "",
        "Generated by `python -m postship_analysis.datafolder`; do not edit by hand.",
        "",
        "Put every file, as downloaded, into `DATA_DIR/<seller-account>/<MARKETPLACE>/` (for "
        "example `my-data/my-brand/US/`). File names do not matter: each file's report type is "
        "recognised from its header. Several files of the same report (e.g. monthly All Orders) "
        "are stacked. Then run `postship check-data DATA_DIR` to see what was found and what "
        "can run.",
        "",
        "The canonical tables each input becomes are described in "
        "[DATA_CONTRACT.md](DATA_CONTRACT.md).",
    ]
    for table in contract.TABLES:
        specs = [s for s in reg.values() if s.table == table]
        if not specs:
            continue
        lines += ["", f"## `{table}`", "", contract.TABLES[table].doc, "",
                  f"- **How often:** {DOWNLOAD_GUIDE.get(table, 'as needed')}",
                  f"- **Needed by:** {'; '.join(used_by.get(table, [])) or 'the data overview'}",
                  "", "| report | Amazon report type | where to get it | recognised by |",
                  "|---|---|---|---|"]
        for s in sorted(specs, key=lambda s: s.report_type):
            req = ", ".join(f"`{f.aliases[0]}`" for f in s.required)
            where = s.where.replace("|", "/")
            lines.append(f"| {s.title} (`{s.report_type}`) | {s.amazon_name or '-'} | "
                         f"{where or '-'} | {req} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(inputs_markdown())
