"""Pieces every fetcher shares: what happened to one report request, writing a downloaded
document into the data folder atomically, backoff on throttling, and keeping secrets out
of everything we print or log.

Backoff follows Amazon's guidance for both APIs (SP-API "Usage plans and rate limits";
Amazon Ads API "Rate limiting"): on HTTP 429 wait and retry with exponential backoff and
jitter, honouring a ``Retry-After`` header when the response has one.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path

#: outcome statuses: ``written`` (a new or refreshed file), ``no_data`` (Amazon had nothing
#: for the period: SP-API CANCELLED without a document), ``skipped`` (already in the folder,
#: nothing requested), ``failed`` (FATAL / FAILED report, HTTP error, timeout, interrupted)
STATUSES = ("written", "no_data", "skipped", "failed")


@dataclasses.dataclass
class FetchOutcome:
    """One report request for one account and marketplace (and period, where it has one)."""

    seller: str
    marketplace: str
    api: str                      # "sp-api" or "ads-api"
    report_type: str              # e.g. GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL
    start: date | None
    end: date | None
    status: str                   # one of STATUSES
    path: str | None = None       # file written, relative to the data folder
    detail: str = ""              # why it failed / what was skipped (never a secret)
    requests: int = 0             # HTTP requests made for it (0 for a skipped report)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} not one of {STATUSES}")


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a hidden temporary file beside it (``.NAME.*.part``,
    which the data folder never reads) and rename it into place: an interrupted fetch leaves
    the old file or none, never a partial one. Mode as any new file (0666 less umask)."""
    from ..spreadsheet import open_beside

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = open_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class Throttled(Exception):
    """HTTP 429 from either API; ``retry_after`` seconds when the response said so."""

    def __init__(self, message: str = "throttled (HTTP 429)", retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


#: The fetch log of a marketplace folder: file name -> when the fetch wrote it (ISO 8601, UTC).
#: A hidden file, so the data folder never reads it.
FETCH_LOG = ".postship-fetch.json"

_log = logging.getLogger(__name__)


def _read_fetch_log(folder: Path) -> dict[str, str]:
    p = folder / FETCH_LOG
    if not p.is_file():
        return {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return {str(k): str(v) for k, v in data.items()}
    except (OSError, ValueError) as e:
        _log.warning("%s: unreadable (%s); file times are used instead", p, e)
        return {}


def record_fetched(path: str | Path, now: datetime) -> None:
    """Record that the fetch wrote ``path`` at ``now`` (timezone-aware, the run's one clock
    reading): in the folder's fetch log (:data:`FETCH_LOG`) and as the file's modification
    time. The incremental rule reads it back with :func:`fetched_at`.

    Why a log and not only the file time: copying a data folder without keeping times (``cp``
    without ``-p``, a sync tool, a zip round trip) stamps every file with the copy time, and a
    month still inside its restatement window would then look fetched after it and never be
    asked again. Entries of files no longer in the folder are dropped on each write."""
    path = Path(path)
    ts = now.timestamp()
    os.utime(path, (ts, ts))
    entries = _read_fetch_log(path.parent)
    entries[path.name] = now.astimezone(UTC).isoformat()
    entries = {k: v for k, v in sorted(entries.items()) if (path.parent / k).exists()}
    write_atomic(path.parent / FETCH_LOG,
                 (json.dumps(entries, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def fetched_at(path: str | Path) -> datetime:
    """When the fetch wrote ``path`` (UTC): its fetch-log entry, else (a file the fetch did not
    log, e.g. from before the log existed) its modification time.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); f = d / "spCampaigns 2026-10-01..2026-10-31.json.gz"
    >>> _ = f.write_bytes(b"")
    >>> record_fetched(f, datetime(2026, 11, 5, 20, tzinfo=UTC))
    >>> os.utime(f, (0, 0))                    # a copy that did not keep file times
    >>> fetched_at(f).isoformat()
    '2026-11-05T20:00:00+00:00'
    """
    path = Path(path)
    entry = _read_fetch_log(path.parent).get(path.name)
    if entry:
        try:
            t = datetime.fromisoformat(entry)
            if t.tzinfo is not None:
                return t.astimezone(UTC)
        except ValueError:
            pass
        _log.warning("%s: fetch-log entry %r is not a time; the file time is used",
                     path, entry)
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def with_backoff(call: Callable[[], object], *, retries: int = 6, base: float = 1.0,
                 cap: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None, is_throttle=None):
    """Call ``call()``; on a throttling error retry up to ``retries`` times, waiting
    ``min(cap, base * 2**k)`` seconds times a jitter in [0.5, 1] (or the server's
    ``retry_after``). ``is_throttle(exc) -> float | None | False`` tells a throttle apart
    from another error (default: :class:`Throttled`); the last throttle is re-raised.
    ``rng`` is seeded (0) by default so the waits are deterministic.

    >>> waits = []
    >>> n = iter([Throttled(), Throttled(retry_after=3), "ok"])
    >>> def call():
    ...     v = next(n)
    ...     if isinstance(v, Exception):
    ...         raise v
    ...     return v
    >>> with_backoff(call, sleep=waits.append, rng=random.Random(0))
    'ok'
    >>> waits[1]
    3
    """
    rng = rng or random.Random(0)

    def default(exc):
        return exc.retry_after if isinstance(exc, Throttled) else False

    is_throttle = is_throttle or default
    for k in range(retries + 1):
        try:
            return call()
        except Exception as exc:
            ra = is_throttle(exc)
            if ra is False or k == retries:
                raise
            sleep(ra if ra is not None else min(cap, base * 2 ** k) * rng.uniform(0.5, 1.0))
    raise AssertionError("unreachable")


_SECRET_KEYS = re.compile(r"(refresh_token|client_secret|lwa_client_secret|access_token"
                          r"|authorization|x-amz-access-token)", re.I)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``***`` (values shorter than 4
    characters are left alone: they cannot be told apart from ordinary words).

    >>> redact("token Atzr|abc123 failed", ["Atzr|abc123"])
    'token *** failed'
    """
    for s in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(s, "***")
    return text


def is_secret_key(key: str) -> bool:
    """True for a credentials key whose value must never be shown."""
    return bool(_SECRET_KEYS.search(key))
