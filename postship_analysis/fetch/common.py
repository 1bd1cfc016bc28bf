"""Pieces every fetcher shares: what happened to one report request, writing a downloaded
document into the data folder atomically, backoff on throttling, and keeping secrets out
of everything we print or log.

Backoff follows Amazon's guidance for both APIs (SP-API "Usage plans and rate limits";
Amazon Ads API "Rate limiting"): on HTTP 429 wait and retry with exponential backoff and
jitter, honouring a ``Retry-After`` header when the response has one.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import time
from collections.abc import Callable, Iterable
from datetime import date
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
