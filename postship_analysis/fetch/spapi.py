"""Selling Partner API Reports: request a report, wait for it, download its document and write
it into the data folder as a manual download would be (same bytes, decompressed).

Flow (SP-API Reports API 2021-06-30, "Retrieve a report"): ``createReport`` -> poll
``getReport`` until ``processingStatus`` is ``DONE`` (then ``reportDocumentId``),
``CANCELLED`` (no data for the period: no document) or ``FATAL`` -> ``getReportDocument``
(a pre-signed ``url`` and ``compressionAlgorithm``) -> GET the url ourselves, gunzip when
``GZIP``, and write the raw bytes atomically (:func:`common.write_atomic`): an interrupted
download leaves the old file or none.

The ``python-amazon-sp-api`` client makes the API calls (Login with Amazon token exchange,
headers); its own document download decodes text, so the document itself is fetched with
httpx to keep the bytes. Throttling (HTTP 429, ``SellingApiRequestThrottledException``) is
retried with :func:`common.with_backoff`; polling waits ``poll_interval`` seconds, growing by
half each time up to a minute (Amazon asks clients to poll getReport sparingly; its rate is
2 requests per second), and gives up after ``timeout_s`` seconds of waiting.
"""

from __future__ import annotations

import gzip
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from zoneinfo import ZoneInfo

from .. import contract
from ..errors import PostshipError
from .common import Throttled, with_backoff
from .credentials import SpCredentials
from .plan import SpReport

log = logging.getLogger(__name__)

#: the SP-API endpoint of each region ("SP-API endpoints")
ENDPOINTS = {"NA": "https://sellingpartnerapi-na.amazon.com",
             "EU": "https://sellingpartnerapi-eu.amazon.com",
             "FE": "https://sellingpartnerapi-fe.amazon.com"}
#: the longest wait between two getReport polls, seconds
MAX_POLL_INTERVAL = 60.0
#: HTTP timeout of one request (connect/read), seconds
HTTP_TIMEOUT = 60.0


class ReportFailed(Exception):
    """One report could not be fetched; the message is plain and holds no secret."""


class AuthFailed(ReportFailed):
    """Login with Amazon refused the credentials: no other report of the profile can work."""


@dataclass
class Document:
    """A downloaded report: its bytes (decompressed) and what getReport said of it."""

    data: bytes | None               # None: CANCELLED, Amazon had no data
    data_end: datetime | None        # getReport's dataEndTime (snapshots: as of when)
    requests: int


def import_sp_api():
    try:
        import sp_api  # noqa: F401
    except ImportError:
        raise PostshipError("postship fetch needs the SP-API client: "
                            "pip install 'postship-analysis[fetch]'") from None
    quiet_client_loggers()


def quiet_client_loggers() -> None:
    """The clients log request headers (the access token) at DEBUG, httpx logs pre-signed
    URLs at INFO: keep every such logger at WARNING whatever the root level."""
    names = ["sp_api", "ad_api", "httpx", "httpcore", "urllib3", "requests"]
    names += [n for n in logging.root.manager.loggerDict
              if n.split(".")[0] in {"sp_api", "ad_api", "httpx", "httpcore", "urllib3"}]
    for n in names:
        lg = logging.getLogger(n)
        if lg.level == logging.NOTSET or lg.level < logging.WARNING:
            lg.setLevel(logging.WARNING)


def make_client(creds: SpCredentials, marketplace: str, region: str):
    """A ``sp_api`` Reports client for one marketplace, pointed at ``creds.endpoint`` /
    ``creds.token_url`` when set (sandboxes, tests)."""
    import_sp_api()
    from urllib.parse import urlsplit

    from sp_api.api import Reports
    from sp_api.auth import AccessTokenClient
    from sp_api.base import Marketplaces

    token_class = AccessTokenClient
    if creds.token_url:
        u = urlsplit(creds.token_url)
        token_class = type("PostshipTokenClient", (AccessTokenClient,),
                           {"scheme": f"{u.scheme}://", "host": u.netloc, "path": u.path})
    mp = contract.marketplace(marketplace)
    client = Reports(Marketplaces[{"UK": "GB"}.get(mp.code, mp.code)],
                     refresh_token=creds.refresh_token,
                     credentials={"refresh_token": creds.refresh_token,
                                  "lwa_app_id": creds.lwa_app_id,
                                  "lwa_client_secret": creds.lwa_client_secret},
                     timeout=HTTP_TIMEOUT, auth_token_client_class=token_class)
    client.endpoint = (creds.endpoint or ENDPOINTS[region]).rstrip("/")
    client.marketplace_id = mp.marketplace_id    # never SP_API_DEFAULT_MARKETPLACE
    return client


#: HTTP statuses retried with backoff besides 429: Amazon's "temporarily unavailable" family
#: (SP-API "Error handling": retry 500 and 503 with exponential backoff)
RETRY_STATUSES = (500, 502, 503, 504)


def _throttle(exc):
    """``with_backoff``'s classifier: seconds to wait (None: exponential) or False."""
    from sp_api.base.exceptions import SellingApiException, SellingApiRequestThrottledException

    if isinstance(exc, Throttled):
        return exc.retry_after
    if isinstance(exc, SellingApiException) and not isinstance(
            exc, SellingApiRequestThrottledException) and exc.code in RETRY_STATUSES:
        return None
    if isinstance(exc, SellingApiRequestThrottledException):
        ra = (exc.headers or {}).get("Retry-After") if exc.headers is not None else None
        try:
            return float(ra) if ra is not None else None
        except ValueError:
            return None
    return False


def _describe(exc: Exception) -> str:
    """A plain sentence for a client error, without headers or bodies that might echo
    credentials."""
    from sp_api.auth.exceptions import AuthorizationError
    from sp_api.base.exceptions import SellingApiException

    if isinstance(exc, AuthorizationError):
        return (f"Login with Amazon refused the credentials (HTTP {exc.status_code}, "
                f"{exc.error_code}): check refresh_token, lwa_app_id and lwa_client_secret")
    if isinstance(exc, SellingApiException):
        code = getattr(exc, "amzn_code", "") or ""
        msg = getattr(exc, "message", "") or ""
        return f"SP-API HTTP {exc.code} {code}: {msg}".strip()
    name = type(exc).__name__
    return f"{name}: {exc}" if str(exc) else name


def _iso(d: date, t: dtime, tz: ZoneInfo) -> str:
    return datetime.combine(d, t, tzinfo=tz).isoformat()


def _parse_ts(value) -> datetime | None:
    if not value:
        return None
    try:
        ts = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=ZoneInfo("UTC"))


def fetch_document(client, report: SpReport, marketplace: str, start: date | None,
                   end: date | None, *, poll_interval: float = 5.0, timeout_s: float = 900.0,
                   sleep: Callable[[float], None] = time.sleep, retries: int = 6) -> Document:
    """createReport -> getReport polls -> getReportDocument -> download (module docstring).

    ``start``/``end`` are marketplace-local days (inclusive) of a ranged report, ``None`` for
    a snapshot. Raises :class:`ReportFailed` (:class:`AuthFailed` when LWA refuses), whose
    ``requests`` says how many HTTP requests were made for it.
    """
    n = [0]
    try:
        return _fetch_document(client, report, marketplace, start, end, n,
                               poll_interval=poll_interval, timeout_s=timeout_s, sleep=sleep,
                               retries=retries)
    except ReportFailed as e:
        e.requests = n[0]
        raise


def _fetch_document(client, report, marketplace, start, end, n, *, poll_interval, timeout_s,
                    sleep, retries) -> Document:
    import httpx
    from sp_api.auth.exceptions import AuthorizationError

    tz = ZoneInfo(contract.marketplace(marketplace).tz)

    def call(fn, *a, **kw):
        def once():
            n[0] += 1
            return fn(*a, **kw)
        try:
            return with_backoff(once, sleep=sleep, retries=retries, is_throttle=_throttle)
        except AuthorizationError as e:
            raise AuthFailed(_describe(e)) from None
        except Exception as e:  # noqa: BLE001 - every client error becomes a plain reason
            if _throttle(e) is not False:
                what = "throttled" if "429" in _describe(e) or isinstance(e, Throttled) \
                    else "failing"
                raise ReportFailed(f"still {what} after {retries} retries "
                                   f"({_describe(e)})") from None
            raise ReportFailed(_describe(e)) from None

    body = {"reportType": report.report_type,
            "marketplaceIds": [contract.marketplace(marketplace).marketplace_id]}
    if start is not None:
        body["dataStartTime"] = _iso(start, dtime(0, 0, 0), tz)
        body["dataEndTime"] = _iso(end, dtime(23, 59, 59), tz)
    if report.report_options:
        body["reportOptions"] = report.report_options
    created = call(client.create_report, **body)
    report_id = created.payload.get("reportId")
    if not report_id:
        raise ReportFailed("createReport returned no reportId")

    waited, interval = 0.0, poll_interval
    while True:
        status = call(client.get_report, report_id).payload
        state = status.get("processingStatus")
        if state == "DONE":
            break
        if state == "CANCELLED" and not status.get("reportDocumentId"):
            return Document(None, _parse_ts(status.get("dataEndTime")), n[0])
        if state in ("FATAL", "CANCELLED"):
            raise ReportFailed(f"Amazon could not produce the report (processingStatus "
                               f"{state}, report {report_id})")
        if state not in ("IN_QUEUE", "IN_PROGRESS"):
            raise ReportFailed(f"unexpected processingStatus {state!r} (report {report_id})")
        if waited >= timeout_s:
            raise ReportFailed(f"timed out: still {state} after {waited:.0f} s of polling "
                               f"(report {report_id}; the next run asks again)")
        step = min(interval, MAX_POLL_INTERVAL, max(timeout_s - waited, 0.0))
        sleep(step)
        waited += step
        interval *= 1.5

    doc_id = status.get("reportDocumentId")
    if not doc_id:
        raise ReportFailed(f"report {report_id} is DONE without a reportDocumentId")
    doc = call(client.get_report_document, doc_id).payload
    url = doc.get("url")
    if not url:
        raise ReportFailed(f"getReportDocument returned no url (document {doc_id})")

    def download():
        n[0] += 1
        with httpx.Client(timeout=HTTP_TIMEOUT) as h:
            r = h.get(url)
        if r.status_code == 429:
            ra = r.headers.get("Retry-After")
            raise Throttled(retry_after=float(ra) if ra and ra.isdigit() else None)
        if r.status_code != 200:
            raise ReportFailed(f"document download HTTP {r.status_code} (document {doc_id})")
        return r.content

    try:
        raw = with_backoff(download, sleep=sleep, retries=retries)
    except ReportFailed:
        raise
    except Throttled:
        raise ReportFailed(f"document download still throttled after {retries} retries") \
            from None
    except httpx.HTTPError as e:
        raise ReportFailed(f"document download interrupted ({type(e).__name__}); nothing "
                           "written") from None
    if (doc.get("compressionAlgorithm") or "").upper() == "GZIP":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            raise ReportFailed(f"document {doc_id} is not a complete gzip file (interrupted "
                               "download?); nothing written") from None
    return Document(raw, _parse_ts(status.get("dataEndTime")), n[0])


def extension(data: bytes) -> str:
    """The file extension a manual download of these bytes has: ``json`` for a JSON
    document, ``txt`` for tab-delimited text, else ``csv``."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json"
    first = head.split(b"\n", 1)[0]
    return "txt" if b"\t" in first or b"," not in first else "csv"


def snapshot_day(doc: Document, marketplace: str, now: datetime) -> date:
    """The marketplace-local day a snapshot is of: getReport's dataEndTime (when Amazon took
    it), else the day of ``now``."""
    tz = ZoneInfo(contract.marketplace(marketplace).tz)
    when = doc.data_end or now
    return when.astimezone(tz).date()


__all__ = ["AuthFailed", "Document", "ENDPOINTS", "ReportFailed", "extension", "fetch_document",
           "make_client", "snapshot_day"]
