"""Whole-or-nothing report runs and one run per output folder (reporting/publish.py), and what
the command line does when a run is interrupted, killed or started twice."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from test_cli import report, tiny
from test_datafolder import orders_file

from postship_analysis.reporting import publish

ROOT = Path(__file__).resolve().parents[1]


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def env(tmp_path):
    """An account ``acme`` and test_cli's two tiny notebooks (``10_other`` sleeps
    ``sleep_s``)."""
    data = tmp_path / "exports"
    orders_file(data / "acme" / "US" / "orders.txt", [("111-1", "2026-10-01", 1, "Amazon.com")])
    nbs = tmp_path / "nbs"
    tiny(nbs)
    tiny(nbs, "10_other", 'sleep_s: float = 0.0  # seconds to sleep\nlabel: str = "x"  # a label\n',
         "import time\ntime.sleep(sleep_s)\n")
    return data, nbs, tmp_path / "out"


# -- the lock -----------------------------------------------------------------------------------

def test_second_lock_is_refused_with_who_holds_it(tmp_path):
    with publish.RunLock(tmp_path):
        with pytest.raises(publish.OutputBusy) as e:
            publish.RunLock(tmp_path).acquire()
        msg = str(e.value)
        assert f"process {os.getpid()}" in msg and str(tmp_path) in msg and "--wait" in msg
    assert not (tmp_path / publish.LOCK_NAME).exists()  # released: the file is gone
    with publish.RunLock(tmp_path):  # and can be taken again
        pass


def test_waiting_run_gets_the_lock_when_the_first_ends(tmp_path):
    first = publish.RunLock(tmp_path).acquire()
    threading.Timer(0.6, first.release).start()
    said = []
    t0 = time.monotonic()
    with publish.RunLock(tmp_path, wait=20, poll=0.05, say=said.append):
        waited = time.monotonic() - t0
    assert waited >= 0.5 and said and said[0].startswith("waiting for another postship run")
    with pytest.raises(publish.OutputBusy, match="after waiting 0.2 s"):
        with publish.RunLock(tmp_path):
            publish.RunLock(tmp_path, wait=0.2, poll=0.05).acquire()


def test_lock_of_a_killed_run_is_taken_over(tmp_path):
    # a run killed with SIGKILL cannot release anything: its lock file stays behind
    code = textwrap.dedent(f"""
        import time
        from postship_analysis.reporting.publish import RunLock
        RunLock({str(tmp_path)!r}).acquire()
        print("locked", flush=True)
        time.sleep(120)
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                         cwd=ROOT)
    assert p.stdout.readline().strip() == "locked"
    with pytest.raises(publish.OutputBusy, match=f"process {p.pid}"):
        publish.RunLock(tmp_path).acquire()
    p.kill()
    p.wait()
    assert (tmp_path / publish.LOCK_NAME).exists()
    said = []
    with publish.RunLock(tmp_path, say=said.append):
        pass
    assert said and "took over the lock" in said[0] and f"process {p.pid}" in said[0]


# -- staging -------------------------------------------------------------------------------------

def test_publish_swaps_whole_folders_and_discard_leaves_the_old_ones(tmp_path):
    final = tmp_path / "acme" / "2026-11-01"
    final.mkdir(parents=True)
    (final / "old.html").write_text("old")
    st = publish.Staging([final], token="t1")
    st.create()
    (st.staging(final) / "new.html").write_text("new")
    assert st.final_path(st.staging(final) / "new.html") == str(final / "new.html")
    st.discard()
    assert sorted(p.name for p in (tmp_path / "acme").iterdir()) == ["2026-11-01"]
    assert [p.name for p in final.iterdir()] == ["old.html"]
    st = publish.Staging([final], token="t2")
    st.create()
    (st.staging(final) / "new.html").write_text("new")
    st.publish()
    assert [p.name for p in final.iterdir()] == ["new.html"]  # the folder holds one run
    assert sorted(p.name for p in (tmp_path / "acme").iterdir()) == ["2026-11-01"]


def test_leftovers_of_a_killed_run_are_cleared(tmp_path):
    a, b = tmp_path / "acme" / "d1", tmp_path / "acme" / "d2"
    a.mkdir(parents=True)
    (tmp_path / "acme" / ".d1.partial-9-x").mkdir()
    # killed between its two renames: d2 moved aside, the new one never moved in
    (tmp_path / "acme" / ".d2.old-9-x").mkdir()
    (tmp_path / "acme" / ".d2.old-9-x" / "r.html").write_text("previous")
    done = publish.clean_leftovers([a, b])
    assert len(done) == 2 and "restored" in done[1]
    assert (b / "r.html").read_text() == "previous"
    assert sorted(p.name for p in (tmp_path / "acme").iterdir()) == ["d1", "d2"]


def test_signals_are_held_back_while_publishing():
    with publish.interrupts_deferred() as got:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        reached = True
    assert reached and got == [signal.SIGINT]


# -- the command line ----------------------------------------------------------------------------

def test_second_run_on_the_same_out_is_refused(env, capsys):
    out = env[2]
    with publish.RunLock(out):
        rc = report(env, "--seller", "acme", "--notebooks", "00", "--as-of", "2026-11-01")
    assert rc == 3
    err = capsys.readouterr().err
    assert f"another postship run (process {os.getpid()}" in err and "is writing to" in err
    assert [p.name for p in out.iterdir()] == []  # nothing written, lock released


def test_second_run_is_refused_before_it_reads_the_data(env, capsys, monkeypatch):
    """Reading a large data folder to plan the run takes a while: a busy output folder must
    be reported at once, so the lock comes before the data folder is read (planning)."""
    from postship_analysis.reporting import runner

    def no_reading(*a, **k):
        raise AssertionError("the data folder was read while the output folder was busy")

    monkeypatch.setattr(runner, "plan", no_reading)
    with publish.RunLock(env[2]):
        rc = report(env, "--seller", "acme", "--notebooks", "00", "--as-of", "2026-11-01")
    assert rc == 3 and "is writing to" in capsys.readouterr().err


def test_run_after_a_killed_run_cleans_up(env, capsys):
    data, nbs, out = env
    (out / "acme" / ".2026-11-01.partial-99999-abc").mkdir(parents=True)
    (out / publish.LOCK_NAME).write_text('{"pid": 99999, "host": "h", "started": "x"}\n')
    assert report(env, "--seller", "acme", "--notebooks", "00", "--as-of", "2026-11-01") == 0
    err = capsys.readouterr().err
    assert "took over the lock" in err and "removed unfinished" in err
    assert sorted(p.name for p in (out / "acme").iterdir()) == ["2026-11-01"]
    assert not (out / publish.LOCK_NAME).exists()


def _cli(env, *args):
    data, nbs, out = env
    return [sys.executable, "-m", "postship_analysis.cli", "report", "--data", str(data),
            "--out", str(out), "--nb-dir", str(nbs), "--kernel", "python3", "--seller", "acme",
            "--as-of", "2026-10-20", *args]


@pytest.mark.slow
@pytest.mark.parametrize("workers,how", [("2", "ctrl-c"), ("1", "sigterm")])
def test_interrupted_run_leaves_the_previous_reports_and_says_so(env, workers, how):
    data, nbs, out = env
    first = subprocess.run(_cli(env, "--workers", workers, "-q"), capture_output=True,
                           text=True, cwd=ROOT, timeout=600)
    assert first.returncode == 0, first.stderr
    # a successful run is quiet: no kernel noise (KeyboardInterrupt caught in kernel)
    assert first.stderr == "" and "IPKernelApp" not in first.stdout
    before = tree(out)
    p = subprocess.Popen(_cli(env, "--workers", workers, "-q", "-p", "sleep_s", "120"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                         start_new_session=True)
    # wait until the second run is half-way: the quick notebook has written its KPIs into
    # the staging folder while the other one sleeps
    deadline = time.monotonic() + 300
    while not list((out / "acme").glob(".2026-10-20.partial-*/00_tiny.kpis.json")):
        assert time.monotonic() < deadline and p.poll() is None
        time.sleep(0.2)
    time.sleep(1)
    if how == "ctrl-c":
        os.killpg(p.pid, signal.SIGINT)  # what the terminal does: the whole process group
    else:
        p.send_signal(signal.SIGTERM)
    o, e = p.communicate(timeout=120)
    assert p.returncode == 130
    assert e.strip().splitlines() == [
        f"interrupted: nothing in {str(out)!r} was changed (its reports, index.html and "
        "history.csv are those of the previous run); the 1 unfinished report folder(s) were "
        "removed"], e
    assert tree(out) == before  # same files, same bytes; no staging folder, no lock left


@pytest.mark.parametrize("workers", ["1", "2"])
def test_kernel_that_dies_fails_its_notebook_with_the_reason_and_nothing_else_on_stderr(env,
                                                                                       workers):
    """A kernel that dies mid-cell fails its notebook. nbclient's log line "Kernel died while
    waiting for execute reply." goes into the run's reason, not onto the terminal: a report run
    configures no logging, so Python's last-resort handler would print it on stderr (the same
    line that, printed by a run stopped mid-cell by SIGTERM, used to precede the one-line
    interruption message). Run as a subprocess: under pytest the log capture hides it."""
    data, nbs, out = env
    tiny(nbs, "20_dies", extra_body="import os\nos._exit(3)\n")
    r = subprocess.run(_cli(env, "--workers", workers, "-q"), capture_output=True, text=True,
                       cwd=ROOT, timeout=300)
    assert r.returncode == 1, r.stderr
    assert "Kernel died while waiting for execute reply.\n" not in r.stderr, r.stderr
    s = json.loads((out / "acme" / "2026-10-20" / "summary.json").read_text())
    assert [n["status"] for n in s["notebooks"]] == ["ok", "ok", "failed"]
    assert s["notebooks"][2]["error"] == \
        "DeadKernelError: Kernel died (papermill: Kernel died while waiting for execute reply.)"


def test_abandoned_notebook_tasks_are_not_reported_but_other_tasks_are(caplog):
    """After a run interrupted inside the event loop, asyncio's "Task exception was never
    retrieved" for the abandoned nbclient task is dropped; the same for a task of any other
    code still reaches the log. The coroutines are compiled with the file names asyncio shows
    ("defined at .../nbclient/client.py")."""
    import asyncio
    import gc
    import logging

    from postship_analysis.reporting import runner

    def coro_from(filename):
        ns: dict = {}
        exec(compile("async def cell():\n    raise RuntimeError('Kernel died')\n", filename,
                     "exec"), ns)
        return ns["cell"]

    def abandon(filename):
        loop = asyncio.new_event_loop()
        try:
            task = loop.create_task(coro_from(filename)())
            loop.run_until_complete(asyncio.sleep(0.01))
            assert task.done()
        finally:
            loop.close()
        del task
        gc.collect()

    lg = logging.getLogger("asyncio")
    before = list(lg.filters)
    try:
        runner._abandoned_notebook_tasks_quiet()
        runner._abandoned_notebook_tasks_quiet()  # once only
        assert len(lg.filters) == len(before) + 1
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            abandon(f"{os.sep}env{os.sep}nbclient{os.sep}client.py")
            abandon(f"{os.sep}work{os.sep}mine.py")
        said = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
        assert len(said) == 1 and "Task exception was never retrieved" in said[0] \
            and "mine.py" in said[0], said
    finally:
        lg.filters[:] = before
