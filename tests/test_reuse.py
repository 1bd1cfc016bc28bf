"""Load once, reuse what is current: the runner builds each account's store before the
notebooks, hands it to them, and reuses finished reports whose inputs, code and parameters
did not change; a changed file reruns only its account."""

from __future__ import annotations

import json

import nbformat
import pytest
from test_datafolder import orders_file

from postship_analysis.cli import main as cli_main
from postship_analysis.reporting import reuse, runner

pytestmark = pytest.mark.slow


@pytest.fixture
def two_accounts(tmp_path):
    data = tmp_path / "exports"
    orders_file(data / "acme" / "US" / "a.txt",
                [("111-1", "2026-10-01", 1, "Amazon.com"), ("111-2", "2026-10-02", -4, "Amazon.com")])
    orders_file(data / "globex" / "DE" / "b.txt", [("302-1", "2026-10-01", 2, "Amazon.de")])
    (data / "acme" / "message-templates").mkdir()
    (data / "acme" / "message-templates" / "thanks.txt").write_text("Thank you!\n")
    return data


def _run(data, out, only=("00",), **kw):
    nbs = runner.report_notebooks(only=list(only))
    params = {"as_of": "2026-10-03", **kw.pop("params", {})}
    sets = runner.plan(data, out, [params], nbs)
    return runner.run(sets, nbs, out_root=out, **kw)


def _what_ran(result):
    return {(result.sets[r.set_index].params["seller_id"], r.notebook): r.reused
            for r in result.runs}


def test_rerun_reuses_store_and_reports_and_a_changed_file_reruns_its_account(two_accounts,
                                                                               tmp_path):
    data, out = two_accounts, tmp_path / "out"
    first = _run(data, out)
    assert {k[1]: v["rebuilt"] for k, v in first.stores.items()} == {"acme": True,
                                                                     "globex": True}
    assert not any(_what_ran(first).values())
    # the notebooks were handed the store, and read it
    nb = nbformat.read(out / "acme" / "2026-10-03" / "00_data_overview.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["store"] == str(out / reuse.STORE_DIR)
    html = out / "acme" / "2026-10-03" / "00_data_overview.html"
    stamp = html.stat().st_mtime_ns
    summary = (out / "acme" / "2026-10-03" / "summary.json").read_bytes()

    second = _run(data, out)
    assert not any(v["rebuilt"] for v in second.stores.values())
    assert all(_what_ran(second).values())  # nothing executed
    assert html.stat().st_mtime_ns == stamp  # nor rendered again
    assert (out / "acme" / "2026-10-03" / "summary.json").read_bytes() == summary
    assert [r.status for r in second.runs] == ["ok", "ok"]

    # a changed input file: only its account is read and reported again
    orders_file(data / "globex" / "DE" / "b.txt", [("302-1", "2026-10-01", 3, "Amazon.de")])
    third = _run(data, out)
    assert {k[1]: v["rebuilt"] for k, v in third.stores.items()} == {"acme": False,
                                                                     "globex": True}
    assert _what_ran(third) == {("acme", "00_data_overview.ipynb"): True,
                                ("globex", "00_data_overview.ipynb"): False}
    # a changed message template is an input of the reports too (not of the store)
    (data / "acme" / "message-templates" / "thanks.txt").write_text("Thanks a lot!\n")
    fourth = _run(data, out)
    assert not any(v["rebuilt"] for v in fourth.stores.values())
    assert _what_ran(fourth) == {("acme", "00_data_overview.ipynb"): False,
                                 ("globex", "00_data_overview.ipynb"): True}
    # another parameter value reruns; force reruns everything and rebuilds the stores
    assert not any(_what_ran(_run(data, out, params={"max_quarantine_rows": 3})).values())
    forced = _run(data, out, params={"max_quarantine_rows": 3}, force=True)
    assert all(v["rebuilt"] for v in forced.stores.values())
    assert not any(_what_ran(forced).values())
    # another choice of notebooks: a folder holds one run, so the set runs again
    more = _run(data, out, only=("00", "10"), params={"max_quarantine_rows": 3})
    assert not any(_what_ran(more).values())
    assert all(_what_ran(_run(data, out, only=("00", "10"),
                              params={"max_quarantine_rows": 3})).values())


def test_a_failed_or_incomplete_report_is_not_reused(two_accounts, tmp_path):
    data, out = two_accounts, tmp_path / "out"
    _run(data, out)
    folder = out / "acme" / "2026-10-03"
    (folder / "00_data_overview.html").unlink()  # e.g. removed by hand
    rec = json.loads((folder / "00_data_overview.run.json").read_text())
    (folder / "00_data_overview.run.json").write_text(json.dumps({**rec, "status": "failed"}))
    (out / "globex" / "2026-10-03" / "00_data_overview.run.json").write_text(
        json.dumps({**rec, "status": "failed"}))
    again = _run(data, out)
    assert not any(_what_ran(again).values())
    assert (folder / "00_data_overview.html").exists()


def test_cli_force_reruns(two_accounts, tmp_path, capsys):
    data, out = two_accounts, tmp_path / "out"
    args = ["report", "--data", str(data), "--out", str(out), "--notebooks", "00",
            "--as-of", "2026-10-03", "--seller", "acme"]
    assert cli_main(args) == 0
    assert cli_main(args) == 0
    assert "1 set(s) reused" in capsys.readouterr().err
    assert cli_main([*args, "--force"]) == 0
    err = capsys.readouterr().err
    assert "reused" not in err and "rebuild forced" in err


def test_reports_from_the_store_equal_reports_from_the_folder(tmp_path_factory):
    """The (hostile) sample's reports as `postship report` makes them (from the store), and
    again with every notebook reading the folder itself: the same summary.json, byte for
    byte (KPIs, statuses, input files with their hashes and row counts)."""
    from test_notebooks import AS_OF, sample_run

    data, out, result = sample_run(tmp_path_factory)
    assert [v["error"] for v in result.stores.values()] == [""]
    nbs = runner.report_notebooks()
    plain = tmp_path_factory.mktemp("from_folder")
    sets = runner.plan(data, plain, [{"as_of": AS_OF}], nbs)
    folder_run = runner.run(sets, nbs, workers=2, timeout=600)  # no out_root: no store
    assert folder_run.stores == {}
    assert [r.status for r in folder_run.runs] == [r.status for r in result.runs]
    for ps in sets:
        rel = ps.out_dir.relative_to(plain)
        params = nbformat.read(ps.out_dir / "00_data_overview.ipynb",
                               as_version=4).metadata["papermill"]["parameters"]
        assert params["store"] == ""
        assert (ps.out_dir / "summary.json").read_bytes() == \
            (out / rel / "summary.json").read_bytes()


def test_a_rerun_without_as_of_reads_no_export(two_accounts, tmp_path, capsys, monkeypatch):
    """The default as-of dates and the as-of warnings of a rerun come from the current
    stores: with everything reused, not one export is read again (and a changed file is)."""
    from postship_analysis import datafolder

    data, out = two_accounts, tmp_path / "out"
    args = ["report", "--data", str(data), "--out", str(out), "--notebooks", "00"]
    assert cli_main(args) == 0
    reads = []
    real = datafolder.read_files
    monkeypatch.setattr(datafolder, "read_files",
                        lambda *a, **k: reads.append(k.get("seller_id")) or real(*a, **k))
    assert cli_main(args) == 0
    assert reads == []
    assert "2 set(s) reused" in capsys.readouterr().err
    # acme's newest accepted order is 2026-10-01 (US time; the -4 row is quarantined)
    assert (out / "acme" / "2026-10-02" / "summary.json").exists()
    orders_file(data / "globex" / "DE" / "b.txt", [("302-1", "2026-10-04", 3, "Amazon.de")])
    assert cli_main(args) == 0
    assert set(reads) == {"globex"}  # only the changed account is read again
    assert (out / "globex" / "2026-10-05" / "summary.json").exists()
