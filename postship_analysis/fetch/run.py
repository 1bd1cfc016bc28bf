"""``postship fetch``: every account and marketplace of a credentials file, every report the
data folder needs, only what is not in the folder yet; one :class:`FetchOutcome` per request
and a summary table.

A report that fails (FATAL, HTTP error, timeout, interrupted download) is one ``failed``
outcome; the other reports, marketplaces and accounts go on. When Login with Amazon refuses a
profile's SP-API credentials, its remaining SP-API reports are ``failed`` without being
requested (the same answer every time). Every message passes through
:func:`common.redact` with every secret of the credentials file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from .common import FetchOutcome, record_fetched, redact, write_atomic
from .credentials import Profile, all_secrets
from .plan import (
    NODATA,
    SP_REPORTS,
    SpReport,
    existing_snapshots,
    periods_to_fetch,
    range_name,
    snapshot_due,
    snapshot_name,
)

log = logging.getLogger(__name__)


def _stamp(path: Path, now: datetime) -> None:
    """The folder records when each file was fetched (the run's one clock reading), in its
    fetch log and the file's modification time: the incremental rule reads it back."""
    record_fetched(path, now)


def _write(folder: Path, name: str, data: bytes, now: datetime,
           replaces: Iterable[str] = ()) -> Path:
    """Write ``name`` atomically, then remove the files it replaces (a refreshed month: the
    new name first, the old one after, so a crash leaves at worst both, never neither)."""
    path = write_atomic(folder / name, data)
    _stamp(path, now)
    for old in replaces:
        if old != name:
            (folder / old).unlink(missing_ok=True)
    return path


def _nodata_marker(folder: Path, name: str, now: datetime, replaces: Iterable[str]) -> None:
    stem = name.rsplit(".", 1)[0]
    marker = folder / f".{stem}{NODATA}"
    marker.write_bytes(b"")
    _stamp(marker, now)
    for old in replaces:
        if old != marker.name:
            (folder / old).unlink(missing_ok=True)


def fetch_sp(profile: Profile, marketplace: str, folder: Path, *, now: datetime,
             since: date | None = None, reports: Iterable[SpReport] = SP_REPORTS,
             poll_interval: float = 5.0, timeout_s: float = 900.0,
             sleep: Callable[[float], None] = time.sleep, client=None) -> list[FetchOutcome]:
    """The SP-API reports of one profile's marketplace folder (``DATA/<seller>/<MP>``)."""
    from . import spapi

    secrets = profile.secrets()
    out: list[FetchOutcome] = []
    auth_failed: str | None = None

    def outcome(rep, start, end, status, path=None, detail="", requests=0):
        o = FetchOutcome(profile.seller, marketplace, "sp-api", rep.report_type, start, end,
                         status, path, redact(detail, secrets), requests)
        out.append(o)
        log.info("%s/%s %s %s..%s: %s %s", o.seller, o.marketplace, o.report_type, start, end,
                 status, o.detail)
        return o

    for rep in reports:
        if rep.snapshot:
            if not snapshot_due(folder, rep, marketplace, now=now):
                outcome(rep, None, None, "skipped", detail="fetched today already")
                continue
            jobs = [(None, None, (), "")]
        else:
            periods = periods_to_fetch(folder, rep, marketplace, now=now, since=since)
            if not periods:
                outcome(rep, None, None, "skipped", detail="every month up to yesterday is "
                        "in the folder")
                continue
            jobs = [(p.start, p.end, p.replaces, p.reason) for p in periods]
        for start, end, replaces, reason in jobs:
            if auth_failed:
                outcome(rep, start, end, "failed", detail=f"not requested: {auth_failed}")
                continue
            try:
                if client is None:
                    client = spapi.make_client(profile.sp, marketplace, profile.region)
                doc = spapi.fetch_document(client, rep, marketplace, start, end,
                                           poll_interval=poll_interval, timeout_s=timeout_s,
                                           sleep=sleep)
            except spapi.AuthFailed as e:
                auth_failed = str(e)
                outcome(rep, start, end, "failed", detail=str(e), requests=1)
                continue
            except spapi.ReportFailed as e:
                outcome(rep, start, end, "failed", detail=str(e),
                        requests=getattr(e, "requests", 0))
                continue
            except Exception as e:  # noqa: BLE001 - one report never stops the others
                outcome(rep, start, end, "failed", detail=f"{type(e).__name__}: {e}")
                continue
            if doc.data is None:
                if start is not None:
                    _nodata_marker(folder, range_name(rep, start, end, "x"), now, replaces)
                outcome(rep, start, end, "no_data", detail="Amazon had no data (CANCELLED)",
                        requests=doc.requests)
                continue
            ext = spapi.extension(doc.data)
            if rep.snapshot:
                day = spapi.snapshot_day(doc, marketplace, now)
                name = snapshot_name(rep, day, ext)
                same_day = [n for n, d, _ in existing_snapshots(folder, rep, marketplace)
                            if d == day]
                path = _write(folder, name, doc.data, now, same_day)
                start = end = day
            else:
                name = range_name(rep, start, end, ext)
                path = _write(folder, name, doc.data, now, replaces)
            detail = reason if reason and reason != "missing" else ""
            outcome(rep, start, end, "written", path=str(path.relative_to(folder.parent.parent)),
                    detail=(f"refreshed: {detail}" if detail else ""), requests=doc.requests)
    return out


def fetch_ads_outcomes(profile: Profile, marketplace: str, folder: Path, *, now: datetime,
                       since: date | None, poll_interval: float, timeout_s: float,
                       sleep, report_types=None) -> list[FetchOutcome]:
    """The Amazon Ads reports of one marketplace (``fetch.adsapi.fetch_ads``), or one
    ``failed`` outcome saying why they could not be fetched."""
    def failed(detail):
        return [FetchOutcome(profile.seller, marketplace, "ads-api", "ads", None, None,
                             "failed", None, redact(detail, profile.secrets()))]

    try:
        from . import adsapi
    except ImportError:
        return failed("ads fetch not available in this version of postship (fetch.adsapi "
                      "missing)")
    try:
        extra = {} if report_types is None else {"report_types": tuple(report_types)}
        return adsapi.fetch_ads(profile.ads, profile.seller, marketplace, folder, now=now,
                                since=since, poll_interval=poll_interval, timeout_s=timeout_s,
                                sleep=sleep, **extra)
    except Exception as e:  # noqa: BLE001 - ads failing never stops SP-API or other accounts
        return failed(f"{type(e).__name__}: {e}")


def fetch(data_dir: str | Path, profiles: list[Profile], *, now: datetime,
          since: date | None = None, seller: str | None = None,
          reports: Iterable[SpReport] = SP_REPORTS, poll_interval: float = 5.0,
          timeout_s: float = 900.0, sleep: Callable[[float], None] = time.sleep,
          ads: bool = True, ads_reports: Iterable[str] | None = None) -> list[FetchOutcome]:
    """Fetch every due report of every profile (``seller``: only that account) into
    ``data_dir/<seller>/<MP>/``. ``now`` (timezone-aware) is the only clock reading.
    ``reports``: the SP-API reports (default all of :data:`plan.SP_REPORTS`); ``ads_reports``:
    the Ads API reportTypeIds (default all of ``adsapi.REPORTS``; the bulk download always)."""
    from . import spapi

    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    spapi.quiet_client_loggers()
    if any(p.sp is not None and (seller is None or p.seller == seller) for p in profiles):
        spapi.import_sp_api()        # missing client: one clear error, not one per report
    data_dir = Path(data_dir)
    reports = list(reports)
    out: list[FetchOutcome] = []
    for prof in profiles:
        if seller is not None and prof.seller != seller:
            continue
        for mp in prof.marketplaces:
            folder = data_dir / prof.seller / mp
            folder.mkdir(parents=True, exist_ok=True)
            if prof.sp is not None:
                out += fetch_sp(prof, mp, folder, now=now, since=since, reports=reports,
                                poll_interval=poll_interval, timeout_s=timeout_s, sleep=sleep)
            if ads and prof.ads is not None and mp in prof.ads.profile_id:
                out += fetch_ads_outcomes(prof, mp, folder, now=now, since=since,
                                          poll_interval=poll_interval, timeout_s=timeout_s,
                                          sleep=sleep, report_types=ads_reports)
    secrets = all_secrets(profiles)
    for o in out:
        o.detail = redact(o.detail, secrets)
    return out


def format_summary(outcomes: list[FetchOutcome]) -> str:
    """A table, one line per report and period, failures first, then counts per status."""
    order = {"failed": 0, "no_data": 1, "written": 2, "skipped": 3}
    rows = sorted(outcomes, key=lambda o: (order[o.status], o.seller, o.marketplace, o.api,
                                           o.report_type, o.start or date.min))
    head = ("status", "account", "MP", "report", "period", "file / reason")
    lines = [head]
    for o in rows:
        period = (f"{o.start}..{o.end}" if o.start and o.end and o.start != o.end
                  else str(o.start) if o.start else "-")
        what = o.path or ""
        if o.detail:
            what = f"{what} ({o.detail})" if what else o.detail
        lines.append((o.status, o.seller, o.marketplace, o.report_type, period, what))
    widths = [max(len(r[i]) for r in lines) for i in range(5)]
    text = ["  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)) + "  " + r[5]
            for r in lines]
    counts = {s: sum(o.status == s for o in outcomes) for s in order}
    text.append("")
    text.append(f"{counts['written']} written, {counts['no_data']} no data, "
                f"{counts['skipped']} up to date, {counts['failed']} failed; "
                f"{sum(o.requests for o in outcomes)} API request(s)")
    return "\n".join(text)
