"""A report run's outputs appear whole or not at all, and one run writes to a folder at a time.

**Lock.** :class:`RunLock` holds ``OUT/.postship.lock`` for the whole run: an exclusive
``flock`` on the file, which the kernel releases on *any* exit of the process (normal end,
Ctrl-C, ``kill -9``, a crash), so a lock can never outlive its run. The file also records who
holds it (process id, host, start time, command) for the message a second run gets: it waits
(``wait`` seconds) or refuses with :class:`OutputBusy`. A lock file left behind by a process
that died is simply taken over (its ``flock`` is gone) and said so. Where the file system has
no ``flock`` (some network mounts), the recorded process id decides: a process that no longer
runs on this host left a stale lock.

**Staging.** :class:`Staging` gives every parameter-set folder ``OUT/<seller>/<as-of>`` a
sibling ``OUT/<seller>/.<as-of>.partial-<token>`` that the run writes into. Only when every
notebook has run and been rendered does :meth:`Staging.publish` swap each staging folder in
for the previous one (rename the old folder aside, rename the new one into place, delete the
old), with Ctrl-C / SIGTERM held back for those few renames. Interrupted before that, the
staging folders are deleted (:meth:`Staging.discard`) and the previous reports, ``index.html``
and ``history.csv`` are exactly as they were. Leftovers of a run that was killed outright
(``kill -9``, power loss) are cleared by the next run on the same folders
(:func:`clean_leftovers`), under the lock.

A folder holds one run: a run with a subset of notebooks (``--notebooks 10``) replaces the
folder with those reports only, so a folder never mixes two runs' files.

Nothing here imports papermill; the runner (:mod:`.runner`) uses it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import PostshipError
from ..spreadsheet import open_beside
from ..store import pid_alive

LOCK_NAME = ".postship.lock"
PARTIAL = ".partial-"
OLD = ".old-"


class OutputBusy(PostshipError):
    """Another run holds the output folder's lock."""


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM; ``message`` says what was left unchanged."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------
# Lock
# ---------------------------------------------------------------------------------------------

class RunLock:
    """Exclusive lock on an output folder for one run (see module docstring).

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with RunLock(d):
    ...     RunLock(d).acquire()  # a second run on the same folder is refused
    Traceback (most recent call last):
    ...
    postship_analysis.reporting.publish.OutputBusy: ...
    """

    def __init__(self, folder: str | Path, *, wait: float = 0.0, poll: float = 0.5,
                 say: Callable[[str], None] | None = None):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.wait, self.poll = max(float(wait), 0.0), poll
        self.say = say or (lambda s: None)
        self._fd: int | None = None

    # -- who holds it
    def _holder(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def _describe(self, h: dict) -> str:
        if not h:
            return "another run"
        return (f"another postship run (process {h.get('pid')} on {h.get('host')}, started "
                f"{h.get('started')}: {h.get('command', '')})").replace(": )", ")")

    def _try(self) -> bool:
        """One attempt; True when the lock is ours."""
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False
            if e.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                return self._try_without_flock()
            raise
        # the file may have been removed and re-created by the previous holder meanwhile
        try:
            same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            return self._try()
        before = os.read(fd, 4096)
        if before.strip():
            h = {}
            with contextlib.suppress(ValueError):
                h = json.loads(before)
            self.say(f"note: took over the lock on {self.folder} left by a run that ended "
                     f"without releasing it ({self._describe(h)})")
        self._fd = fd
        self._record()
        return True

    def _try_without_flock(self) -> bool:
        """Fallback on file systems without ``flock``: create the file exclusively; a file
        whose process no longer runs on this host is stale and removed."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            h = self._holder()
            if h.get("host") == socket.gethostname() and h.get("pid") and \
                    not pid_alive(int(h["pid"])):
                self.say(f"note: removed a stale lock on {self.folder} ({self._describe(h)} "
                         "is no longer running)")
                self.path.unlink(missing_ok=True)
                return self._try_without_flock()
            return False
        self._fd = fd
        self._record()
        return True

    def _record(self) -> None:
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "command": " ".join(["postship", *sys.argv[1:]])[:300]}
        os.ftruncate(self._fd, 0)
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.write(self._fd, (json.dumps(info) + "\n").encode())

    def acquire(self) -> RunLock:
        """Take the lock, waiting up to ``wait`` seconds; raise :class:`OutputBusy`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.wait
        told = False
        while not self._try():
            if time.monotonic() >= deadline:
                waited = f" after waiting {self.wait:g} s" if self.wait else ""
                raise OutputBusy(
                    f"{self._describe(self._holder())} is writing to {str(self.folder)!r}"
                    f"{waited}; run again when it has finished, give another --out, or wait "
                    "for it with --wait SECONDS")
            if not told:
                self.say(f"waiting for {self._describe(self._holder())} to finish writing to "
                         f"{self.folder} (up to {self.wait:g} s)")
                told = True
            time.sleep(self.poll)
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()  # before unlocking: a waiter then re-opens a fresh file
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


# ---------------------------------------------------------------------------------------------
# Signals held back while publishing
# ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def interrupts_deferred() -> Iterator[list]:
    """Hold back SIGINT and SIGTERM (main thread only) until the block ends; the signals that
    came meanwhile are listed in the yielded list for the caller to report (the block is
    finished first: a half-published run would be worse than a completed one)."""
    got: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield got
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in old:
        signal.signal(s, lambda signum, frame: got.append(signum))
    try:
        yield got
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, systemd stop, a scheduler's timeout) ends a run like Ctrl-C: staging
    folders removed, lock released, one line said."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


# ---------------------------------------------------------------------------------------------
# Staging and publishing
# ---------------------------------------------------------------------------------------------

def _sibling(final: Path, kind: str, token: str) -> Path:
    return final.parent / f".{final.name}{kind}{token}"


def clean_leftovers(finals: list[Path]) -> list[str]:
    """Remove what a killed run left beside these folders: ``.<name>.partial-*`` staging
    folders, and ``.<name>.old-*`` folders (put back in place when the run died between its
    two renames, so ``<name>`` is missing). Call under the lock. Returns what was done."""
    done = []
    for final in finals:
        if not final.parent.is_dir():
            continue
        for p in sorted(final.parent.glob(f".{final.name}{PARTIAL}*")):
            shutil.rmtree(p, ignore_errors=True)
            done.append(f"removed unfinished {p}")
        for p in sorted(final.parent.glob(f".{final.name}{OLD}*")):
            if not final.exists():
                os.replace(p, final)
                done.append(f"restored {final} from {p.name}")
            else:
                shutil.rmtree(p, ignore_errors=True)
                done.append(f"removed {p}")
    return done


class Staging:
    """Staging folders for a run's parameter-set folders (see module docstring)."""

    def __init__(self, finals: list[Path], token: str | None = None):
        self.token = token or f"{os.getpid()}-{secrets.token_hex(3)}"
        self.finals = [Path(f) for f in finals]
        self.map = {f: _sibling(f, PARTIAL, self.token) for f in self.finals}
        self.published = False

    def create(self) -> None:
        for s in self.map.values():
            s.mkdir(parents=True, exist_ok=False)

    def staging(self, final: Path) -> Path:
        return self.map[Path(final)]

    def final_path(self, p: str | Path) -> str:
        """A path inside a staging folder, as it will be after publishing ("" stays "")."""
        if not p:
            return ""
        p = Path(p)
        for final, st in self.map.items():
            if p == st or p.is_relative_to(st):
                return str(final / p.relative_to(st))
        return str(p)

    def publish(self) -> None:
        """Swap every staging folder in for its final folder."""
        for final, st in self.map.items():
            old = _sibling(final, OLD, self.token)
            if final.exists():
                os.replace(final, old)
            os.replace(st, final)
            if old.exists():
                shutil.rmtree(old, ignore_errors=True)
        self.published = True

    def discard(self) -> None:
        for st in self.map.values():
            shutil.rmtree(st, ignore_errors=True)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write a text file beside its name and rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = open_beside(path)  # the mode of any new file (mkstemp's is 0600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


__all__ = ["Interrupted", "OutputBusy", "RunLock", "Staging", "clean_leftovers",
           "interrupts_deferred", "sigterm_as_interrupt", "write_text_atomic"]
