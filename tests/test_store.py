"""The Parquet store: the same inputs as reading the folder, rebuilt whenever it is not whole
and current, reused otherwise, one account at a time."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE
from test_datafolder import orders_file

from postship_analysis import datafolder, store
from postship_analysis.store import StoreError


def assert_same_inputs(a: datafolder.Inputs, b: datafolder.Inputs, overlaps: bool = True):
    """Everything a report reads from its inputs, value for value and dtype for dtype."""
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True, obj=name)
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine, check_exact=True)
    pd.testing.assert_frame_equal(a.accounting(), b.accounting(), check_exact=True)
    if overlaps:
        pd.testing.assert_frame_equal(a.overlaps, b.overlaps, check_exact=True)
        pd.testing.assert_frame_equal(a.overlap_files, b.overlap_files, check_exact=True)
    assert a.errors == b.errors
    assert a.notes == b.notes
    assert a.read_warnings() == b.read_warnings()
    pd.testing.assert_frame_equal(datafolder.warnings_table(a, as_of="2026-10-10"),
                                  datafolder.warnings_table(b, as_of="2026-10-10"))
    assert [(f.path, f.seller_id, f.marketplace, f.report_type, f.table, f.problem, f.note)
            for f in a.files] == [(f.path, f.seller_id, f.marketplace, f.report_type, f.table,
                                   f.problem, f.note) for f in b.files]


@pytest.fixture
def data(tmp_path):
    """Two accounts. acme: two US files (one row rejected), an unrecognised file, an empty
    file, a file at the account root whose rows alternate US / DE (so the store must keep
    their order across its marketplace folders), a DE file and a header-only file."""
    root = tmp_path / "exports"
    orders_file(root / "acme" / "US" / "100001.txt",
                [("111-1", "2026-10-01", 1, "Amazon.com"), ("111-2", "2026-10-02", 2, "Amazon.com")])
    orders_file(root / "acme" / "US" / "100002.txt",
                [("111-3", "2026-10-03", 1, "Amazon.com"), ("111-4", "2026-10-03", -1, "Amazon.com")])
    (root / "acme" / "US" / "notes.txt").write_text("my own notes, not a report\n")
    (root / "acme" / "US" / "broken.txt").write_bytes(b"")
    orders_file(root / "acme" / "all-channels.txt",
                [("111-5", "2026-10-04", 1, "Amazon.com"), ("302-6", "2026-10-04", 2, "Amazon.de"),
                 ("111-7", "2026-10-05", 3, "Amazon.com"), ("302-8", "2026-10-05", 4, "Amazon.de")])
    orders_file(root / "acme" / "DE" / "200001.txt", [("302-9", "2026-10-06", 5, "Amazon.de")])
    orders_file(root / "acme" / "DE" / "200002.txt", [])
    orders_file(root / "globex" / "DE" / "x.txt", [("302-1", "2026-10-05", 3, "Amazon.de")])
    return root


def test_what_is_known_about_the_inputs_comes_back_from_the_store(data, tmp_path):
    """Read warnings (a header-only file), notes on unrecognised files, the per-file overlap
    detail and the files refused without being opened come back from the store as load()
    gives them; a refused file is never hashed, and adding one makes the store stale."""
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("not for the reports\n")
    st = tmp_path / "store"
    store.build(data, st, "acme")
    (data / "acme" / "US" / "link.txt").symlink_to(secret)
    orders_file(data / "acme" / "XX" / "1.txt", [("111-9", "2026-10-04", 1, "Amazon.com")])
    assert "added: acme/US/link.txt, acme/XX/1.txt" in store.problem(st, data, "acme")
    b = store.build(data, st, "acme")
    assert b.rebuilt
    m = store.read_manifest(st / "seller_id=acme")
    refused = {r["file"]: r["sha256"] for r in m["inputs"] if r["sha256"].startswith("refused")}
    assert sorted(refused) == ["acme/US/link.txt", "acme/XX/1.txt"]
    assert "outside the data folder" in refused["acme/US/link.txt"]
    folder = datafolder.load(data, seller_id="acme")
    stored = store.open(st, "acme", data_dir=data)
    assert_same_inputs(folder, stored)
    assert stored.read_warnings() == [("acme/DE/200002.txt",
                                       "header only: the report has no data rows")]
    assert {f.path.name: f.note for f in stored.files}["notes.txt"].startswith(
        "no column matches")
    # orders come from five files, none overlapping: each keeps its rows
    ovf = stored.overlap_files.set_index("file")
    assert ovf.loc["acme/US/100002.txt", ["rows", "superseded", "kept"]].tolist() == [1, 0, 1]
    assert sorted(ovf.index) == sorted(folder.accounting()["file"])
    # a DE-only selection keeps the two DE-folder files and the account-level one
    de = store.open(st, "acme", marketplaces=["DE"])
    assert sorted(de.overlap_files["file"]) == ["acme/DE/200001.txt", "acme/DE/200002.txt",
                                                 "acme/all-channels.txt"]
    # refused files: problem kept, never read
    probs = {f.path.name: f.problem for f in stored.files if f.problem}
    assert "outside the data folder" in probs["link.txt"] and "'XX'" in probs["1.txt"]


def test_order_level_promises_are_matched_after_the_store_as_load_does(tmp_path):
    """The store keeps the ship-by rows as the files give them; matching order-level rows to
    their items (and its note) is done on open, after the table selection, as load() does:
    without the confirmations table nothing is matched."""
    from test_readers_malformed import _mfn_folder

    root = _mfn_folder(tmp_path / "exports")
    st = tmp_path / "store"
    store.build(root, st, "acme")
    raw = pd.read_parquet(st / "seller_id=acme" / "marketplace=US" / "order_promises.parquet")
    assert len(raw) == 5 and raw["order_item_id"].isna().all()  # one row per order, as read
    for kw in ({}, {"tables": ["order_promises", "shipment_confirmations"]},
               {"tables": ["order_promises"]}):
        folder = datafolder.load(root, seller_id="acme", **kw)
        stored = datafolder.load(root, seller_id="acme", store=st, **kw)
        assert isinstance(stored, store.StoredInputs)
        assert_same_inputs(folder, stored)
        assert len(stored.notes) == (0 if kw.get("tables") == ["order_promises"] else 1)
    assert stored.table("order_promises")["order_item_id"].isna().all()


def test_a_store_read_with_a_relative_data_folder_names_files_as_load_does(data, tmp_path,
                                                                         monkeypatch):
    """Quarantine, errors and problems name files under the folder as the notebook spells
    it, whatever spelling the store was built from."""
    (data / "acme" / "US" / "bad.txt").write_bytes(b"amazon-order-id\tpurchase-date\n\xff\xfe\x00")
    st = tmp_path / "store"
    store.build(data, st, "acme")
    monkeypatch.chdir(tmp_path)
    rel = Path("exports")
    folder = datafolder.load(rel, seller_id="acme")
    stored = datafolder.load(rel, seller_id="acme", store=st.resolve())
    assert isinstance(stored, store.StoredInputs)
    assert_same_inputs(folder, stored)
    assert stored.quarantine["file"].tolist() == ["exports/acme/US/100002.txt"]


def test_store_gives_what_reading_the_folder_gives(data, tmp_path):
    st = tmp_path / "store"
    b = store.build(data, st, "acme")
    assert b.rebuilt and b.reason == "no store for this account yet"
    assert b.tables["orders"] == 2 + 1 + 4 + 1  # rows accepted: 111-4 has a negative quantity
    # hive-style folders, one per account and marketplace; the row order is kept aside
    acct = st / "seller_id=acme"
    assert sorted(p.name for p in acct.glob("marketplace=*")) == ["marketplace=DE",
                                                                   "marketplace=US"]
    us = pd.read_parquet(acct / "marketplace=US" / "orders.parquet")
    assert sorted(us["order_id"]) == ["111-1", "111-2", "111-3", "111-5", "111-7"]
    assert set(us["marketplace"]) == {"US"} and set(us["seller_id"]) == {"acme"}
    assert (acct / "_meta" / "order" / "orders.parquet").exists()

    for kw in ({}, {"tables": ["orders"]}, {"marketplaces": ["DE"]},
               {"marketplaces": ["US"], "tables": ["orders", "returns"]}):
        folder = datafolder.load(data, seller_id="acme", **kw)
        stored = datafolder.load(data, seller_id="acme", store=st, **kw)
        assert isinstance(stored, store.StoredInputs), kw
        # with a marketplace filter the overlap counts are the selected marketplaces' only,
        # where load() counts every row of a file outside the marketplace folders
        assert_same_inputs(folder, stored, overlaps="marketplaces" not in kw)
    stored = store.open(st, "acme")
    # accepted + rejected = rows read, and the rejected row is in the quarantine
    acc = stored.accounting()
    assert int(acc["accepted"].sum() + acc["rejected"].sum()) == int(acc["rows_read"].sum())
    assert stored.quarantine["value"].tolist() == ["-1"]
    assert [Path(p).name for p, _ in stored.errors] == []  # empty files are not read
    assert {f.path.name: f.problem != "" for f in stored.files}["broken.txt"]
    de = store.open(st, "acme", marketplaces=["DE"])
    # files in path order (acme/DE/... sorts before acme/all-channels.txt), rows in file order
    assert de.table("orders")["order_id"].tolist() == ["302-9", "302-6", "302-8"]
    assert de.overlaps.set_index("table").loc["orders", "rows_kept"] == 3


@pytest.mark.slow
def test_store_gives_what_reading_the_sample_gives(tmp_path):
    if not any(SAMPLE.glob("*/*")):
        pytest.skip("data/sample has not been generated")
    st = tmp_path / "store"
    store.build(SAMPLE, st, "sample-seller")
    folder = datafolder.load(SAMPLE, seller_id="sample-seller")
    assert_same_inputs(folder, store.open(st, "sample-seller", data_dir=SAMPLE))


def _part(st: Path, rel: str) -> Path:
    return st / "seller_id=acme" / rel


@pytest.mark.parametrize("damage, why", [
    (lambda st: (_part(st, "_manifest.json")).unlink(), "no manifest"),
    (lambda st: (_part(st, "_manifest.json")).write_text("{\"format\": 1,"), "unreadable"),
    (lambda st: (_part(st, "marketplace=US/orders.parquet")).unlink(), "missing"),
    (lambda st: _truncate(_part(st, "marketplace=US/orders.parquet")), "bytes"),
    (lambda st: _flip_byte(_part(st, "_meta/quarantine.parquet")), "SHA-256"),
    (lambda st: _edit_manifest(st, package_version="0.0.1"), "another package version"),
    (lambda st: _edit_manifest(st, code="0" * 64), "another package code"),
    (lambda st: _edit_manifest(st, format=99), "another store format"),
])
def test_a_damaged_or_foreign_store_is_refused_and_rebuilt(data, tmp_path, damage, why):
    st = tmp_path / "store"
    store.build(data, st, "acme")
    damage(st)
    assert why in store.problem(st, data, "acme")
    with pytest.raises(StoreError):
        store.open(st, "acme", data_dir=data)
    # a notebook given this store reads the folder instead: never a partial store
    inputs = datafolder.load(data, seller_id="acme", store=st)
    assert not isinstance(inputs, store.StoredInputs)
    b = store.build(data, st, "acme")
    assert b.rebuilt and why in b.reason
    assert store.problem(st, data, "acme") == ""
    assert_same_inputs(datafolder.load(data, seller_id="acme"), store.open(st, "acme"))


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _flip_byte(p: Path) -> None:
    b = bytearray(p.read_bytes())
    b[len(b) // 2] ^= 0xFF
    p.write_bytes(bytes(b))


def _edit_manifest(st: Path, **changes) -> None:
    p = _part(st, "_manifest.json")
    m = json.loads(p.read_text())
    m.update(changes)
    p.write_text(json.dumps(m))


def test_a_build_killed_midway_is_never_read_and_is_swept(data, tmp_path):
    st = tmp_path / "store"
    # what a build killed before its rename leaves: a half-written folder beside the store
    # (process id 999999999 does not exist)
    half = st / ".building-acme-999999999-0"
    (half / "marketplace=US").mkdir(parents=True)
    (half / "marketplace=US" / "orders.parquet").write_bytes(b"PAR1 half")
    assert store.accounts(st) == []
    assert "no store" in store.problem(st, data, "acme")
    b = store.build(data, st, "acme")
    assert b.rebuilt and not half.exists()
    assert store.accounts(st) == ["acme"]


def test_a_changed_file_invalidates_only_its_account(data, tmp_path):
    st = tmp_path / "store"
    assert [store.build(data, st, a).rebuilt for a in ("acme", "globex")] == [True, True]
    assert [store.build(data, st, a).rebuilt for a in ("acme", "globex")] == [False, False]
    # a new modification time with the same bytes: hashed again, found unchanged
    f = data / "acme" / "US" / "100001.txt"
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    assert store.problem(st, data, "acme") == ""
    # same size, other content: caught by the hash
    f.write_text(f.read_text().replace("111-1\t", "111-9\t"))
    assert "changed: acme/US/100001.txt" in store.problem(st, data, "acme")
    assert store.problem(st, data, "globex") == ""
    built = {a: store.build(data, st, a) for a in ("acme", "globex")}
    assert built["acme"].rebuilt and not built["globex"].rebuilt
    assert "111-9" in set(store.open(st, "acme").table("orders")["order_id"])
    # a file added to an account is a change too
    orders_file(data / "globex" / "DE" / "y.txt", [("302-2", "2026-10-06", 1, "Amazon.de")])
    assert "added: globex/DE/y.txt" in store.problem(st, data, "globex")
    assert store.problem(st, data, "acme") == ""


def test_a_store_from_another_data_folder_is_not_used(data, tmp_path):
    st = tmp_path / "store"
    store.build(data, st, "acme")
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(data, copy)
    assert "other parameters" in store.problem(st, copy, "acme")
    assert not isinstance(datafolder.load(copy, seller_id="acme", store=st), store.StoredInputs)


def test_force_rebuilds_a_current_store(data, tmp_path):
    st = tmp_path / "store"
    store.build(data, st, "acme")
    b = store.build(data, st, "acme", force=True)
    assert b.rebuilt and b.reason == "rebuild forced"
    assert store.problem(st, data, "acme") == ""
