"""Amazon Ads API v3: the Sponsored Products reports and the bulk-operations download of one
advertiser profile (account x marketplace), written into the data folder in the form a manual
download has.

Entry point: :func:`fetch_ads`. Client: ``python-amazon-ad-api`` (``ad_api``), pointed at
``AdsCredentials.endpoint`` / ``token_url`` when set (tests, sandbox).

Reports (Amazon Ads API "Get started with version 3 reports", ``guides/reporting/v3/get-started``;
report types ``guides/reporting/v3/report-types/{campaign,advertised-product,search-term,
targeting}.md``; FAQ ``guides/reporting/v3/faq.md``; as crawled in idealerror/amazon-ads-api-docs
@ 124fc9cf)
--------------------------------------------------------------------------------------------
* ``POST /reporting/reports`` with ``Content-Type: application/vnd.createasyncreportrequest.v3+json``
  and headers ``Amazon-Advertising-API-ClientId`` and ``Amazon-Advertising-API-Scope`` (the
  profile id); body ``{name, startDate, endDate, configuration: {adProduct:
  SPONSORED_PRODUCTS, reportTypeId, groupBy, columns, timeUnit: DAILY, format: GZIP_JSON}}``
  -> ``{reportId, status: PENDING, ...}``. Report types and columns: :data:`REPORTS` (the
  columns the readers in :mod:`postship_analysis.readers.ads` read: ids, names, keyword /
  targeting / search term / advertised SKU, impressions, clicks, cost, 7-day sales, orders and
  units, Amazon's own CTR / CPC / ACoS / ROAS; budget, status and bidding strategy on the
  campaign report).
* ``GET /reporting/reports/{reportId}`` until ``status`` is ``COMPLETED`` (then ``url``) or
  ``FAILED`` (``failureReason``); ``PENDING`` / ``PROCESSING`` mean wait. Amazon: "report
  generation can take as long as three hours. Repeated calls to check report status may
  generate a 429 response ... your application logic should institute a delay": we poll every
  ``poll_interval`` seconds, growing 1.5x per round up to 60 s, all reports of the run in one
  loop, and give up after ``timeout_s`` seconds of waiting (the report becomes ``failed``).
* The ``url`` serves the gzipped JSON list of records; it is downloaded without our
  credentials (a pre-signed address) and written as it came (gzip; a plain JSON body is
  gzipped), after checking that it decompresses and parses completely.
* HTTP 429 anywhere: :func:`~postship_analysis.fetch.common.with_backoff` (``Retry-After``
  honoured). A 425 on creating a report whose answer names the report it duplicates
  (``{"code": "425", "detail": "The Request is a duplicate of : <reportId>"}``: Amazon already
  accepted the same request, e.g. one sent during a throttled retry) is a success in
  disguise: that report is polled and downloaded like our own. A 425 naming no report, any
  other HTTP error, a ``FAILED`` report, a poll timeout or a broken download make that report
  ``failed`` with a plain reason (asked again on the next run); the others continue. Credentials Amazon refuses (the token endpoint says no, or the
  Ads API answers 401 / 403) stop the profile with :class:`PostshipError`, naming it.

Periods and the incremental rule (the folder is the state)
----------------------------------------------------------
* Calendar months (a v3 request covers at most 31 days), in the marketplace's time zone, up to
  yesterday (today is not over). File ``<reportTypeId> <start>..<end>.json.gz`` in the
  marketplace folder, e.g. ``spCampaigns 2026-11-01..2026-11-30.json.gz``.
* Retention: "Data retention 95 days" for all four report types (report-types tables): the
  first day asked is never earlier than ``today - 94 days``; a ``since`` before that is
  clamped, and the outcome says so.
* A month is requested when no file covers it, when its file ends before the month's last
  available day (it was fetched mid-month), or when the file was written (the run's ``now``,
  kept in the folder's fetch log and as the file's modification time,
  :func:`~postship_analysis.fetch.common.fetched_at`) before today and less than
  :data:`RESTATEMENT_DAYS` days after its end. Restatement window: Amazon's FAQ says
  "Restatements of conversion data occur 1, 7, and 28 days after the conversion event ...
  restatement includes all dates in your attribution window. For example, if your attribution
  window is 14 days, restatement can update attribution up to 42 days (14 plus 28) after the
  report date." The sellers' Sponsored Products window is 7 days (``../shared/domain.md``
  §4h), so 7 + 28 = **35 days** (a parameter; the design note's 14 days would miss the
  28-day restatement). A rerun on the same day requests nothing.
* A refreshed month replaces the old file: the new file is written atomically, then older
  files of that report inside the new period are removed. A file that starts before the new
  period (its first days are past the retention) is kept; the data folder lets the newer file
  win every day both cover (:func:`postship_analysis.datafolder.resolve_overlaps_by_file`).
* A period with no advertising activity comes back as an empty list ``[]``: it is written
  like any other (what a manual API download gives; the data folder recognises an empty Ads
  report by its name and reads zero rows), so a rerun does not ask for it again.

Bulk-operations download: decision
----------------------------------
The Ads API has no bulksheet endpoint. It has **exports** (``guides/exports/get-started.md``;
models ``reference/common-models/{campaigns,ad-groups,ads,targets,enums}.md``): ``POST
/campaigns/export``, ``/adGroups/export``, ``/ads/export``, ``/targets/export`` (``Content-Type``
and ``Accept`` ``application/vnd.<type>export.v1+json``; body ``{adProductFilter:
[SPONSORED_PRODUCTS], stateFilter: [ENABLED, PAUSED, ARCHIVED]}``) -> ``{exportId, status:
IN_PROGRESS}``; ``GET /exports/{exportId}`` until ``COMPLETED`` (``url``: gzipped JSON list in
the common models) or ``FAILED``.

**Decision: convert the four exports into the bulksheets 2.0 layout** (sheet "Sponsored Products
Campaigns", the download's columns up to "Resolved Product Targeting Expression (Informational
only)"), written as ``Bulk operations <MP> <today>.xlsx`` so downstream stays one path
(:mod:`postship_analysis.readers.bulk`, :mod:`postship_analysis.bulksheet`). Why it is
faithful where it matters for an upload: the ids are the API's own entity ids (campaignId,
adGroupId, adId, and targetId = the SP keywordId / targetId per the targets mapping table),
which are the ids bulksheets use (the API v3 reports carry the same ids as the bulk download);
bids (``bid.bid``, ``bid.defaultBid``), daily budgets (``budgetCaps...monetaryBudget.amount``
with ``recurrenceTimePeriod`` DAILY), states, start / end dates, portfolio ids, targeting type
and bidding strategy / placement adjustments map one to one (enums.md: SALES_DOWN_ONLY =
"Dynamic bids - down only", SALES = "Dynamic bids - up and down", none / MANUAL = "Fixed bid";
PLACEMENT_TOP = "Placement Top" ...). What is not the same as a console download:
no metrics columns (exports have none; the bulk reader does not read them); portfolio names
come from ``POST /portfolios/list`` (``guides/portfolios/get-started.md``, ``Content-Type:
application/vnd.spPortfolio.v3+json``); category-targeting expressions are rebuilt from their parts
(``category="id" brand="id" price<x ...``; informational, never used to address an entity).
Audience targets (not Sponsored Products keyword / product targets) are left out. Rows are
written as text cells (never formulas) without a quote prefix, as Amazon's file has them.
The workbook's creation time is ``now`` (the data folder uses it to let the newest download
win); older ``Bulk operations <MP> <date>.xlsx`` files written by this module are removed after
the new one is in place (an entity archived since then would otherwise keep its old state).
One bulk download per marketplace and day: a rerun the same day requests nothing.

Secrets: the client secret, refresh token and the access token never reach a message, a log
record or a file (:func:`~postship_analysis.fetch.common.redact`); the ``ad_api`` logger is
kept at WARNING (it logs request headers when debugging).
"""

from __future__ import annotations

import calendar
import dataclasses
import gzip
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import contract
from ..errors import PostshipError
from ..spreadsheet import reproducible_xlsx
from .common import (
    FetchOutcome,
    Throttled,
    fetched_at,
    record_fetched,
    redact,
    with_backoff,
    write_atomic,
)

log = logging.getLogger(__name__)

API = "ads-api"
#: days of data the v3 reports keep ("Data retention 95 days", report-types tables)
RETENTION_DAYS = 95
#: longest period one v3 report request may cover ("Maximum date range 31 days")
MAX_RANGE_DAYS = 31
#: sellers' Sponsored Products attribution window (domain.md §4h)
ATTRIBUTION_DAYS = 7
#: the last restatement of conversions after the event (reporting v3 FAQ: 1, 7 and 28 days)
LAST_RESTATEMENT_DAYS = 28
#: how long after its last day a period's numbers may still change (FAQ: window + 28 days)
RESTATEMENT_DAYS = ATTRIBUTION_DAYS + LAST_RESTATEMENT_DAYS
#: longest wait between two polls (seconds)
MAX_POLL_INTERVAL = 60.0
#: HTTP timeout of one request (seconds)
HTTP_TIMEOUT = 60

#: Ads API base URL and Login with Amazon token URL per region (Amazon Ads API "API
#: endpoints"; the LWA hosts of the North American, European and Far East regions)
ENDPOINTS = {"NA": "https://advertising-api.amazon.com",
             "EU": "https://advertising-api-eu.amazon.com",
             "FE": "https://advertising-api-fe.amazon.com"}
TOKEN_URLS = {"NA": "https://api.amazon.com/auth/o2/token",
              "EU": "https://api.amazon.co.uk/auth/o2/token",
              "FE": "https://api.amazon.co.jp/auth/o2/token"}
REPORT_CONTENT_TYPE = "application/vnd.createasyncreportrequest.v3+json"


@dataclasses.dataclass(frozen=True)
class ReportDef:
    """One v3 report request: type, grouping and the columns asked for."""

    report_type_id: str
    group_by: tuple[str, ...]
    columns: tuple[str, ...]


_RATES_7D = ("impressions", "clicks", "cost", "costPerClick", "clickThroughRate")
_SKU_7D = ("purchases7d", "purchasesSameSku7d", "unitsSoldClicks7d", "unitsSoldSameSku7d",
           "unitsSoldOtherSku7d", "sales7d", "attributedSalesSameSku7d", "salesOtherSku7d",
           "acosClicks7d", "roasClicks7d")
_TARGET = ("date", "campaignName", "campaignId", "adGroupName", "adGroupId", "keywordId",
           "keyword", "keywordType", "matchType", "targeting", "campaignBudgetCurrencyCode")

#: the Sponsored Products reports fetched (reportTypeId -> request)
REPORTS: dict[str, ReportDef] = {
    "spCampaigns": ReportDef("spCampaigns", ("campaign",), (
        "date", "campaignName", "campaignId", "campaignStatus", "campaignBudgetAmount",
        "campaignBudgetType", "campaignBudgetCurrencyCode", "campaignBiddingStrategy",
        *_RATES_7D, "purchases7d", "unitsSoldClicks7d", "sales7d",
        "attributedSalesSameSku7d")),
    "spAdvertisedProduct": ReportDef("spAdvertisedProduct", ("advertiser",), (
        "date", "campaignName", "campaignId", "adGroupName", "adGroupId", "adId",
        "advertisedSku", "advertisedAsin", "campaignBudgetCurrencyCode", *_RATES_7D, "spend",
        *_SKU_7D)),
    "spSearchTerm": ReportDef("spSearchTerm", ("searchTerm",), (
        *_TARGET, "searchTerm", *_RATES_7D, *_SKU_7D)),
    "spTargeting": ReportDef("spTargeting", ("targeting",), (
        *_TARGET, "keywordBid", "adKeywordStatus", *_RATES_7D, *_SKU_7D)),
}

#: name of the bulk download's outcome (``FetchOutcome.report_type``)
BULK = "bulk operations (exports)"
#: export type -> (path, media type) (exports tutorial, step 1)
EXPORTS = {"campaigns": ("/campaigns/export", "application/vnd.campaignsexport.v1+json"),
           "adGroups": ("/adGroups/export", "application/vnd.adgroupsexport.v1+json"),
           "ads": ("/ads/export", "application/vnd.adsexport.v1+json"),
           "targets": ("/targets/export", "application/vnd.targetsexport.v1+json")}
EXPORT_STATES = ("ENABLED", "PAUSED", "ARCHIVED")


# ---------------------------------------------------------------------------------------------
# Periods and the folder's state
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Period:
    start: date
    end: date


def report_file_name(report_type: str, period: Period) -> str:
    """``spCampaigns 2026-11-01..2026-11-30.json.gz``"""
    return f"{report_type} {period.start:%Y-%m-%d}..{period.end:%Y-%m-%d}.json.gz"


def bulk_file_name(marketplace: str, day: date) -> str:
    """``Bulk operations US 2026-12-02.xlsx``"""
    return f"Bulk operations {marketplace} {day:%Y-%m-%d}.xlsx"


def _existing(folder: Path, report_type: str) -> list[tuple[date, date, Path]]:
    pat = re.compile(rf"^{re.escape(report_type)} (\d{{4}}-\d{{2}}-\d{{2}})\.\."
                     rf"(\d{{4}}-\d{{2}}-\d{{2}})\.json\.gz$")
    out = []
    if folder.is_dir():
        for p in folder.iterdir():
            m = pat.match(p.name)
            if m and p.is_file():
                try:
                    out.append((date.fromisoformat(m[1]), date.fromisoformat(m[2]), p))
                except ValueError:
                    continue
    return sorted(out)


def local_today(now: datetime, marketplace: str) -> date:
    """``now`` as a calendar day in the marketplace's time zone (a naive ``now`` is UTC)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(ZoneInfo(contract.marketplace(marketplace).tz)).date()


def _written_day(path: Path, tz: ZoneInfo) -> date:
    return fetched_at(path).astimezone(tz).date()


@dataclasses.dataclass
class PlannedReport:
    report_type: str
    period: Period
    reason: str                       # why it is requested, or why skipped
    request: bool
    note: str = ""                    # e.g. the since clamp


def plan_reports(folder: str | Path, marketplace: str, *, now: datetime, since: date | None,
                 report_types: Iterable[str] = tuple(REPORTS),
                 restatement_days: int = RESTATEMENT_DAYS,
                 retention_days: int = RETENTION_DAYS) -> list[PlannedReport]:
    """Which report x month to request (``request=True``) and which the folder already has,
    by the incremental rule of the module docstring. Reads only file names and times."""
    folder = Path(folder)
    tz = ZoneInfo(contract.marketplace(marketplace).tz)
    today = local_today(now, marketplace)
    last = today - timedelta(days=1)
    earliest = today - timedelta(days=retention_days - 1)
    first, note = earliest, ""
    if since is not None:
        if since < earliest:
            note = (f"since {since} is before the Ads API's {retention_days}-day retention: "
                    f"starting at {earliest}")
        else:
            first = since
    out: list[PlannedReport] = []
    if first > last:
        return out
    for rt in report_types:
        if rt not in REPORTS:
            raise ValueError(f"unknown Ads report type {rt!r}; known: {list(REPORTS)}")
        files = _existing(folder, rt)
        m = date(first.year, first.month, 1)
        while m <= last:
            m_end = date(m.year, m.month, calendar.monthrange(m.year, m.month)[1])
            want = Period(max(m, first), min(m_end, last))
            mine = [f for f in files if m <= f[0] <= m_end]
            if not mine:
                p = PlannedReport(rt, want, "not in the folder", True)
            else:
                end = max(f[1] for f in mine)
                newest = max((f for f in mine if f[1] == end), key=lambda f: fetched_at(f[2]))
                written = _written_day(newest[2], tz)
                if end < want.end:
                    p = PlannedReport(rt, want, f"the folder has it up to {end}", True)
                elif written < today and written < end + timedelta(days=restatement_days):
                    p = PlannedReport(rt, want, f"written {written}, inside the "
                                      f"{restatement_days}-day restatement window", True)
                else:
                    p = PlannedReport(rt, Period(min(f[0] for f in mine), end),
                                      f"in the folder ({newest[2].name})", False)
            if note and m == date(first.year, first.month, 1):
                p.note = note
            out.append(p)
            m = m_end + timedelta(days=1)
    return out


# ---------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------


class _CredentialsRefused(Exception):
    pass


_AD_API = None


def _import_ad_api():
    """Import ``ad_api`` without its side effects on logging (it calls
    ``logging.basicConfig(level=INFO)`` at import time) and keep its logger at WARNING."""
    global _AD_API
    if _AD_API is not None:
        return _AD_API
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import ad_api.api  # noqa: F401
        import ad_api.auth  # noqa: F401
        import ad_api.base  # noqa: F401
    except ImportError as e:
        raise PostshipError("the Amazon Ads API client is not installed: "
                            "pip install 'postship-analysis[fetch]'") from e
    finally:
        for h in list(root.handlers):
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)
    logging.getLogger("ad_api").setLevel(logging.WARNING)
    import ad_api

    _AD_API = ad_api
    return ad_api


def _make_client(creds, profile_id: str):
    """A python-amazon-ad-api client for one profile, pointed at ``creds.endpoint`` and
    ``creds.token_url`` when set. Built without the library's credential provider, which
    prefers ``AD_API_*`` environment variables over the credentials it is given."""
    ad_api = _import_ad_api()
    from ad_api.api import Exports, PortfoliosV3, Reports
    from ad_api.auth import AccessTokenClient, AccessTokenResponse

    region = (creds.region or "NA").upper()
    token_url = creds.token_url or TOKEN_URLS.get(region, TOKEN_URLS["NA"])
    endpoint = (creds.endpoint or ENDPOINTS.get(region, ENDPOINTS["NA"])).rstrip("/")
    cred = {"client_id": creds.client_id, "client_secret": creds.client_secret,
            "refresh_token": creds.refresh_token, "profile_id": str(profile_id)}

    class TokenClient(AccessTokenClient):
        """The library's LWA client with our token URL and a token cached per run (the
        library's module-wide cache is keyed on the refresh token only)."""

        def __init__(self):
            super().__init__(credentials=cred, timeout=HTTP_TIMEOUT)
            self.token: dict | None = None
            self.requests = 0

        def get_auth(self):
            if self.token is None:
                self.requests += 1
                try:
                    self.token = self._request(token_url, self.data, self.headers)
                except ad_api.auth.exceptions.AuthorizationError as e:
                    raise _CredentialsRefused(
                        f"Login with Amazon refused the Ads API credentials (HTTP "
                        f"{e.status_code}: {e.error_code} {e.message})") from None
                except Exception as e:
                    raise _CredentialsRefused(
                        f"no access token from {token_url} ({type(e).__name__}: {e})") from None
            return AccessTokenResponse(**self.token)

    class AdsClient(Reports, Exports, PortfoliosV3):
        def __init__(self):  # noqa: D401 - no credential provider, see above
            self.credentials = cred
            self._auth = TokenClient()
            self._access_token = None
            self.endpoint = endpoint
            self.debug = False
            self.timeout = HTTP_TIMEOUT
            self.proxies = None
            self.verify = True

        def create_report(self, body: dict):
            return self._request("/reporting/reports", data=json.dumps(body),
                                 params={"method": "POST"},
                                 headers={"Content-Type": REPORT_CONTENT_TYPE,
                                          "Accept": REPORT_CONTENT_TYPE})

        def export(self, kind: str, body: dict):
            path, media = EXPORTS[kind]
            return self._request(path, data=json.dumps(body), params={"method": "POST"},
                                 headers={"Content-Type": media, "Accept": media})

    return AdsClient()


def _retry_after(headers) -> float | None:
    try:
        v = (headers or {}).get("Retry-After")
    except AttributeError:
        return None
    if v is None:
        return None
    try:
        return max(0.0, float(v))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(v) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


# ---------------------------------------------------------------------------------------------
# One fetch
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Job:
    """A report or export being generated."""

    kind: str                         # "report" or an EXPORTS key
    outcome: FetchOutcome
    ident: str | None = None          # reportId / exportId
    status: str = ""
    url: str | None = None
    period: Period | None = None
    data: bytes | None = None         # the downloaded document (exports)
    done: bool = False


class _Run:
    def __init__(self, creds, seller, marketplace, folder, *, now, sleep, poll_interval,
                 timeout_s, profile_name):
        self.creds = creds
        self.seller = seller
        self.mp = contract.marketplace(marketplace).code
        self.folder = Path(folder)
        self.now = now if now.tzinfo else now.replace(tzinfo=UTC)
        self.sleep = sleep
        self.poll_interval = poll_interval
        self.timeout_s = timeout_s
        self.profile_name = profile_name
        self.secrets = [s for s in (getattr(creds, "client_secret", None),
                                    getattr(creds, "refresh_token", None)) if s]
        self.client = None
        self.profile_id = None

    # -- helpers ------------------------------------------------------------------------------
    def rel(self, name: str) -> str:
        return str(Path(self.folder.parent.name, self.folder.name, name))

    def clean(self, text: str) -> str:
        secrets = list(self.secrets)
        token = getattr(getattr(self.client, "_auth", None), "token", None)
        if token:
            secrets += [str(v) for v in token.values() if isinstance(v, str)]
        return redact(text, secrets)

    def who(self) -> str:
        name = f"credentials profile {self.profile_name!r}, " if self.profile_name else ""
        return (f"{name}seller {self.seller!r}, marketplace {self.mp}, Ads profile id "
                f"{self.profile_id}")

    def outcome(self, report_type, period: Period | None, status, *, path=None, detail="",
                requests=0) -> FetchOutcome:
        return FetchOutcome(self.seller, self.mp, API, report_type,
                            period.start if period else None, period.end if period else None,
                            status, path, self.clean(detail), requests)

    def call(self, job: _Job | None, fn: Callable):
        """One API call with 429 backoff; credential refusals raise, counted per job."""
        ad_api = _import_ad_api()

        def once():
            if job is not None:
                job.outcome.requests += 1
            try:
                return fn()
            except ad_api.base.AdvertisingApiException as e:
                code = getattr(e, "code", None)
                if code == 429:
                    raise Throttled(retry_after=_retry_after(getattr(e, "headers", None))) from e
                if code in (401, 403):
                    raise _CredentialsRefused(
                        f"the Ads API refused the request (HTTP {code}: {_error_text(e)})"
                    ) from None
                raise

        return with_backoff(once, sleep=self.sleep)

    def fail(self, job: _Job, reason: str):
        job.done = True
        job.outcome.status = "failed"
        job.outcome.detail = self.clean(reason)
        log.warning("%s", self.clean(f"{self.seller}/{self.mp} {job.outcome.report_type}: "
                                     f"{reason}"))

    # -- submit, poll, download ---------------------------------------------------------------
    def submit_report(self, job: _Job, rt: str):
        d = REPORTS[rt]
        p = job.period
        body = {"name": f"postship {rt} {p.start}..{p.end}",
                "startDate": f"{p.start:%Y-%m-%d}", "endDate": f"{p.end:%Y-%m-%d}",
                "configuration": {"adProduct": "SPONSORED_PRODUCTS", "reportTypeId": rt,
                                  "groupBy": list(d.group_by), "columns": list(d.columns),
                                  "timeUnit": "DAILY", "format": "GZIP_JSON"}}
        try:
            r = self.call(job, lambda: self.client.create_report(body))
        except Exception as e:
            dup = _duplicate_of(e)
            if dup is None:
                raise
            job.ident, job.status = dup, "PENDING"
            log.info("%s/%s %s %s..%s: duplicate of report %s (HTTP 425), polling that one",
                     self.seller, self.mp, rt, p.start, p.end, dup)
            return
        job.ident = str((r.payload or {}).get("reportId") or "")
        job.status = str((r.payload or {}).get("status") or "PENDING")
        if not job.ident:
            raise RuntimeError("the create-report answer has no reportId")
        log.debug("%s/%s %s %s..%s: report %s %s", self.seller, self.mp, rt, p.start, p.end,
                  job.ident, job.status)

    def portfolio_names(self, outcome: FetchOutcome, ids: list[str]) -> dict[str, str]:
        """Portfolio id -> name (``POST /portfolios/list``, v3, paged by ``nextToken``)."""
        names: dict[str, str] = {}
        token = None
        for _ in range(100):
            body: dict = {"portfolioIdFilter": {"include": ids}}
            if token:
                body["nextToken"] = token
            holder = _Job("portfolios", outcome)
            r = self.call(holder, lambda b=body: self.client.list_portfolios(body=b))
            pay = r.payload or {}
            for p in pay.get("portfolios") or []:
                if p.get("portfolioId") is not None and p.get("name") is not None:
                    names[_id(p["portfolioId"])] = str(p["name"])
            token = pay.get("nextToken")
            if not token:
                break
        return names

    def submit_export(self, job: _Job):
        body = {"adProductFilter": ["SPONSORED_PRODUCTS"], "stateFilter": list(EXPORT_STATES)}
        r = self.call(job, lambda: self.client.export(job.kind, body))
        job.ident = str((r.payload or {}).get("exportId") or "")
        job.status = str((r.payload or {}).get("status") or "IN_PROGRESS")
        if not job.ident:
            raise RuntimeError("the export answer has no exportId")

    def poll(self, job: _Job):
        if job.kind == "report":
            r = self.call(job, lambda: self.client.get_report(job.ident))
        else:
            media = EXPORTS[job.kind][1]
            r = self.call(job, lambda: self.client._request(
                f"/exports/{job.ident}", params={"method": "GET"},
                headers={"Content-Type": media, "Accept": media}))
        pay = r.payload or {}
        job.status = str(pay.get("status") or "")
        job.url = pay.get("url")
        return pay

    def download(self, job: _Job) -> bytes:
        """The document at ``job.url`` as gzip bytes, checked to be complete JSON."""
        import requests

        job.outcome.requests += 1
        resp = requests.get(job.url, timeout=HTTP_TIMEOUT)
        if resp.status_code != 200:
            raise RuntimeError(f"download answered HTTP {resp.status_code}")
        raw = resp.content
        if raw[:2] == b"\x1f\x8b":
            text = gzip.decompress(raw)
        else:
            text, raw = raw, gzip.compress(raw, mtime=0)
        data = json.loads(text.decode("utf-8"))
        if not isinstance(data, list):
            raise RuntimeError("the document is not a JSON list of records")
        job.data = text
        return raw

    def finish_report(self, job: _Job):
        p = job.period
        rt = job.outcome.report_type
        try:
            raw = self.download(job)
        except Exception as e:
            self.fail(job, f"download of report {job.ident} broke off or is not complete "
                      f"gzip JSON ({type(e).__name__}: {e}); nothing written")
            return
        rows = json.loads(job.data.decode("utf-8"))
        job.done = True
        name = report_file_name(rt, p)
        path = self.folder / name
        write_atomic(path, raw)
        record_fetched(path, self.now)  # "written at now": the incremental rule reads it
        removed = []
        for s, e, old in _existing(self.folder, rt):
            if old != path and p.start <= s and e <= p.end:
                old.unlink(missing_ok=True)
                removed.append(old.name)
        job.outcome.status = "written"
        job.outcome.path = self.rel(name)
        job.outcome.detail = (f"{len(rows)} rows" if rows else "no rows: no advertising in "
                              "the period") + (f"; replaces {', '.join(removed)}"
                                               if removed else "")
        log.debug("%s/%s wrote %s (%d rows)", self.seller, self.mp, name, len(rows))

    def wait(self, jobs: list[_Job]):
        """Poll every unfinished job each round until done, failed or out of time."""
        waited, interval = 0.0, self.poll_interval
        while True:
            for job in [j for j in jobs if not j.done]:
                try:
                    pay = self.poll(job)
                except _CredentialsRefused:
                    raise
                except Exception as e:
                    self.fail(job, f"status of {job.ident} not available ({_error_text(e)})")
                    continue
                if job.status == "COMPLETED" and job.url:
                    if job.kind == "report":
                        self.finish_report(job)
                    else:
                        try:
                            self.download(job)
                        except Exception as e:
                            self.fail(job, f"download of the {job.kind} export broke off or "
                                      f"is not complete gzip JSON ({type(e).__name__}: {e})")
                            continue
                        job.done = True
                elif job.status in ("FAILED", "CANCELLED"):
                    why = pay.get("failureReason") or pay.get("error") or "no reason given"
                    self.fail(job, f"Amazon reports {job.kind} {job.ident} as {job.status}: "
                              f"{why}")
            left = [j for j in jobs if not j.done]
            if not left:
                return
            if waited >= self.timeout_s:
                for j in left:
                    self.fail(j, f"not ready after {self.timeout_s:.0f} s of waiting (status "
                              f"{j.status or 'unknown'}); asked again on the next run")
                return
            self.sleep(interval)
            waited += interval
            interval = min(interval * 1.5, MAX_POLL_INTERVAL)


_DUPLICATE = re.compile(r"duplicate of\s*:?\s*([A-Za-z0-9][A-Za-z0-9_.-]*)", re.IGNORECASE)


def _duplicate_of(e: Exception) -> str | None:
    """The report id a 425 answer says the request duplicates, else ``None``.

    >>> class E(Exception):
    ...     code, error = 425, {"code": "425", "detail": "The Request is a duplicate of : ab-12"}
    >>> _duplicate_of(E()), _duplicate_of(type("F", (Exception,), {"code": 425, "error": {}})())
    ('ab-12', None)
    """
    if getattr(e, "code", None) != 425:
        return None
    err = getattr(e, "error", None)
    texts = ([str(err.get(k)) for k in ("detail", "details", "message") if err.get(k)]
             if isinstance(err, dict) else [str(err)])
    for t in texts:
        m = _DUPLICATE.search(t)
        if m:
            return m.group(1)
    return None


def _error_text(e: Exception) -> str:
    err = getattr(e, "error", None)
    code = getattr(e, "code", None)
    if err is not None or code is not None:
        if isinstance(err, dict):
            err = err.get("details") or err.get("message") or err.get("code") or err
        return f"HTTP {code}: {err}"
    return f"{type(e).__name__}: {e}"


def fetch_ads(creds, seller: str, marketplace: str, folder: str | Path, *, now: datetime,
              since: date | None, poll_interval: float = 5.0, timeout_s: float = 900.0,
              sleep: Callable[[float], None] = time.sleep,
              report_types: Iterable[str] = tuple(REPORTS), bulk: bool = True,
              restatement_days: int = RESTATEMENT_DAYS,
              profile: str | None = None) -> list[FetchOutcome]:
    """Fetch the Sponsored Products reports (and the bulk-operations download) of one account
    and marketplace into ``folder`` (``DATA/<seller>/<MP>``), incrementally.

    Parameters
    ----------
    creds : ``AdsCredentials`` (client id and secret, refresh token, ``profile_id`` per
        marketplace, optional ``endpoint`` / ``token_url`` overrides, region).
    seller, marketplace : the account folder name and the marketplace code (``US``...).
    folder : the marketplace folder the files go to.
    now : the run's time (the CLI reads the clock once); "today" is its day in the
        marketplace's time zone.
    since : first day wanted for a fresh folder (default and minimum: the 95-day retention).
    poll_interval, timeout_s, sleep : polling (first wait, growing 1.5x to 60 s; total wait
        allowed; the sleep function, injected by tests).
    report_types : reportTypeIds to fetch (default all of :data:`REPORTS`).
    bulk : also fetch the bulk-operations download (exports converted, see module doc).
    restatement_days : how long after its end a month is fetched again (default 35).
    profile : the credentials profile's name, for messages.

    Returns
    -------
    One :class:`FetchOutcome` per report and month (``written``, ``skipped``, ``no_data`` or
    ``failed`` with a plain reason) and one for the bulk download. A failed report never
    raises; credentials Amazon refuses, or no Ads profile id for ``marketplace``, raise
    :class:`PostshipError` naming the profile (never a secret).

    Example
    -------
    >>> # fetch_ads(profile.ads, "acme", "US", Path("DATA/acme/US"),
    >>> #           now=datetime.now(timezone.utc), since=None)
    """
    if poll_interval <= 0 or timeout_s < 0:
        raise ValueError("poll_interval must be > 0 and timeout_s >= 0")
    run = _Run(creds, seller, marketplace, folder, now=now, sleep=sleep,
               poll_interval=poll_interval, timeout_s=timeout_s, profile_name=profile)
    mp = run.mp
    today = local_today(run.now, mp)
    plan = plan_reports(folder, mp, now=run.now, since=since, report_types=report_types,
                        restatement_days=restatement_days)
    outcomes: list[FetchOutcome] = []
    jobs: list[_Job] = []
    for p in plan:
        if not p.request:
            outcomes.append(run.outcome(p.report_type, p.period, "skipped",
                                        detail=_join(p.reason, p.note)))
        else:
            o = run.outcome(p.report_type, p.period, "failed", detail=_join(p.reason, p.note))
            outcomes.append(o)
            jobs.append(_Job("report", o, period=p.period))
    bulk_job = None
    if bulk:
        bulk_path = run.folder / bulk_file_name(mp, today)
        day = Period(today, today)
        if bulk_path.is_file():
            outcomes.append(run.outcome(BULK, day, "skipped",
                                        detail=f"in the folder ({bulk_path.name})"))
        else:
            bulk_job = run.outcome(BULK, day, "failed")
            outcomes.append(bulk_job)
    if not jobs and bulk_job is None:
        return outcomes

    pid = (creds.profile_id or {}).get(mp)
    if pid is None or str(pid).strip() == "":
        raise PostshipError(
            f"{('credentials profile ' + repr(profile) + ': ') if profile else ''}no Ads API "
            f"profile_id for marketplace {mp} (seller {seller!r}); add it under ads: "
            "profile_id: in the credentials file")
    run.profile_id = str(pid).strip()
    run.client = _make_client(creds, run.profile_id)
    export_jobs = ([_Job(kind, run.outcome(BULK, Period(today, today), "failed"))
                    for kind in EXPORTS] if bulk_job is not None else [])
    try:
        for job in jobs + export_jobs:
            try:
                if job.kind == "report":
                    run.submit_report(job, job.outcome.report_type)
                else:
                    run.submit_export(job)
            except _CredentialsRefused:
                raise
            except Throttled as e:
                run.fail(job, f"still throttled (HTTP 429) after retries: {e}")
            except Exception as e:
                if getattr(e, "code", None) == 425:
                    run.fail(job, "Amazon is still generating the same request (HTTP 425, "
                             "naming no report to wait for); asked again on the next run")
                else:
                    run.fail(job, f"request refused ({_error_text(e)})")
        run.wait([j for j in jobs + export_jobs if not j.done])
        if bulk_job is not None:
            _finish_bulk(run, bulk_job, export_jobs, today)
    except _CredentialsRefused as e:
        raise PostshipError(run.clean(f"{run.who()}: {e}. Check the ads: client_id, "
                                      "client_secret and refresh_token of this profile"),
                            ) from None
    tokens = run.client._auth.requests
    first = jobs[0].outcome if jobs else bulk_job
    first.requests += tokens
    return outcomes


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


# ---------------------------------------------------------------------------------------------
# Exports -> bulksheets 2.0
# ---------------------------------------------------------------------------------------------

#: the Sponsored Products sheet of a bulk-operations download, up to the metrics (which
#: exports do not have): bulksheets 2.0 download columns, as in the sample's download
BULK_COLUMNS = [
    "Product", "Entity", "Operation", "Campaign ID", "Ad Group ID", "Portfolio ID", "Ad ID",
    "Keyword ID", "Product Targeting ID", "Campaign Name", "Ad Group Name",
    "Campaign Name (Informational only)", "Ad Group Name (Informational only)",
    "Portfolio Name (Informational only)", "Start Date", "End Date", "Targeting Type", "State",
    "Campaign State (Informational only)", "Ad Group State (Informational only)",
    "Daily Budget", "SKU", "ASIN (Informational only)",
    "Eligibility Status (Informational only)", "Reason for Ineligibility (Informational only)",
    "Ad Group Default Bid", "Ad Group Default Bid (Informational only)", "Bid", "Keyword Text",
    "Native Language Keyword", "Native Language Locale", "Match Type", "Bidding Strategy",
    "Placement", "Percentage", "Product Targeting Expression",
    "Resolved Product Targeting Expression (Informational only)"]
BULK_SHEET = "Sponsored Products Campaigns"
PRODUCT = "Sponsored Products"

#: common-model bidStrategy (and the SP API's own names) -> bulksheet Bidding Strategy
BID_STRATEGY = {"SALES_DOWN_ONLY": "Dynamic bids - down only",
                "SALES_BID_DOWN_ONLY": "Dynamic bids - down only",
                "LEGACY_FOR_SALES": "Dynamic bids - down only",
                "SALES": "Dynamic bids - up and down",
                "AUTO_FOR_SALES": "Dynamic bids - up and down",
                "MANUAL": "Fixed bid", "NONE": "Fixed bid", "": "Fixed bid",
                "RULE_BASED": "Rule based bidding"}
#: common-model placement (and SP names) -> bulksheet Placement
PLACEMENT = {"TOP_OF_SEARCH": "Placement Top", "PLACEMENT_TOP": "Placement Top",
             "PRODUCT_PAGE": "Placement Product Page",
             "PLACEMENT_PRODUCT_PAGE": "Placement Product Page",
             "REST_OF_SEARCH": "Placement Rest Of Search",
             "PLACEMENT_REST_OF_SEARCH": "Placement Rest Of Search",
             "SITE_AMAZON_BUSINESS": "Site Amazon Business"}
#: auto-target match types (enums.md "Auto target match types") -> targeting expression
AUTO_EXPRESSION = {"SEARCH_CLOSE_MATCH": "close-match", "QUERY_HIGH_REL_MATCHES": "close-match",
                   "SEARCH_LOOSE_MATCH": "loose-match", "QUERY_BROAD_REL_MATCHES": "loose-match",
                   "PRODUCT_SUBSTITUTES": "substitutes",
                   "ASIN_SUBSTITUTE_RELATED": "substitutes",
                   "PRODUCT_COMPLEMENTS": "complements",
                   "ASIN_ACCESSORY_RELATED": "complements"}


def _get(obj, *path, default=None):
    for k in path:
        if isinstance(obj, list):
            obj = obj[0] if obj else None
        if not isinstance(obj, dict):
            return default
        obj = obj.get(k)
    return default if obj is None else obj


def _ymd(v) -> str | None:
    if not v:
        return None
    s = str(v)[:10]
    try:
        return date.fromisoformat(s).strftime("%Y%m%d")
    except ValueError:
        return str(v)


def _state(v) -> str | None:
    return str(v).lower() if v else None


def _num(v):
    if v is None or v == "":
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if f.is_integer() and abs(f) < 2**53 and not isinstance(v, float) else f


def _id(v) -> str | None:
    if v is None or v == "" or (isinstance(v, float) and v != v):
        return None
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _category_expression(d: dict, resolved: bool) -> str:
    """``category="id" brand="id" price<x price>y rating<x rating>y prime-shipping-eligible=
    "true" age-range="id" genre="id"`` from a target's details (targets mapping table)."""
    def pick(key, plain):
        if resolved and d.get(key + "Resolved"):
            return d[key + "Resolved"]
        return d.get(plain)

    parts = []
    for key, plain, word in (("productCategory", "productCategoryId", "category"),
                             ("productBrand", "productBrand", "brand")):
        v = pick(key, plain)
        if v:
            parts.append(f'{word}="{v}"')
    for key, text in (("productPriceLessThan", "price<"), ("productPriceGreaterThan", "price>"),
                      ("productRatingLessThan", "rating<"),
                      ("productRatingGreaterThan", "rating>")):
        if d.get(key) not in (None, ""):
            parts.append(f"{text}{d[key]}")
    if d.get("productPrimeShippingEligible") is not None:
        parts.append(f'prime-shipping-eligible="{str(d["productPrimeShippingEligible"]).lower()}"')
    for key, word in (("productAgeRange", "age-range"), ("productGenre", "genre")):
        v = pick(key, key)
        if v:
            parts.append(f'{word}="{v}"')
    return " ".join(parts)


def _target_expression(t: dict, resolved: bool = False) -> str | None:
    d = t.get("targetDetails") or {}
    tt = str(t.get("targetType") or "").upper()
    mt = str(d.get("matchType") or "").upper()
    if tt == "AUTO":
        return AUTO_EXPRESSION.get(mt, mt.lower() or None)
    if tt == "PRODUCT":
        if d.get("asin"):
            word = "asin-expanded" if mt in ("PRODUCT_SIMILAR", "ASIN_EXPANDED_FROM") else "asin"
            return f'{word}="{d["asin"]}"'
        if d.get("productBrand"):
            return _category_expression(d, resolved)
        return None
    if tt == "PRODUCT_CATEGORY":
        return _category_expression(d, resolved) or None
    return None


def bulk_rows(campaigns: list[dict], ad_groups: list[dict], ads: list[dict],
              targets: list[dict], portfolios: dict[str, str] | None = None
              ) -> tuple[list[dict], list[str]]:
    """The Sponsored Products sheet of a bulk download from the four exports (common models)
    and the portfolio names by id: rows as dicts keyed by :data:`BULK_COLUMNS`, and notes on
    what was left out."""
    portfolios = portfolios or {}
    notes: list[str] = []

    def sp(rows):
        return [r for r in rows if str(r.get("adProduct") or PRODUCT.upper().replace(" ", "_"))
                .upper() == "SPONSORED_PRODUCTS"]

    campaigns, ad_groups, ads, targets = sp(campaigns), sp(ad_groups), sp(ads), sp(targets)
    camp = {_id(c.get("campaignId")): c for c in campaigns}
    grp = {_id(g.get("adGroupId")): g for g in ad_groups}

    def names(cid, gid=None):
        c = camp.get(cid) or {}
        g = grp.get(gid) or {}
        out = {"Product": PRODUCT, "Campaign ID": cid,
               "Campaign Name (Informational only)": c.get("name"),
               "Campaign State (Informational only)": _state(c.get("state"))}
        if gid:
            out.update({"Ad Group ID": gid, "Ad Group Name (Informational only)": g.get("name"),
                        "Ad Group State (Informational only)": _state(g.get("state")),
                        "Ad Group Default Bid (Informational only)":
                            _num(_get(g, "bid", "defaultBid"))})
        return out

    by_campaign: dict[str | None, list[dict]] = {}
    by_group: dict[str | None, list[dict]] = {}
    for a in ads:
        gid = _id(a.get("adGroupId"))
        g = grp.get(gid)
        if g is None:
            notes.append(f"product ad {a.get('adId')}: its ad group {gid} is not in the export")
            continue
        cid = _id(g.get("campaignId"))
        products = _get(a, "creative", "products", default=[]) or []
        if isinstance(products, dict):
            products = [products]
        sku = next((p.get("productId") for p in products
                    if str(p.get("productIdType")).upper() == "SKU"), None)
        asin = next((p.get("productId") for p in products
                     if str(p.get("productIdType")).upper() == "ASIN"), None)
        by_group.setdefault(gid, []).append({
            **names(cid, gid), "Entity": "Product Ad", "Ad ID": _id(a.get("adId")),
            "State": _state(a.get("state")), "SKU": sku, "ASIN (Informational only)": asin})
    skipped_types: dict[str, int] = {}
    for t in targets:
        gid = _id(t.get("adGroupId"))
        cid = _id(t.get("campaignId")) or _id((grp.get(gid) or {}).get("campaignId"))
        d = t.get("targetDetails") or {}
        tt = str(t.get("targetType") or "").upper()
        neg = bool(t.get("negative"))
        tid = _id(t.get("targetId"))
        bid = _num(_get(t, "bid", "bid"))
        base = {**names(cid, gid), "State": _state(t.get("state"))}
        if tt == "KEYWORD":
            mt = str(d.get("matchType") or "").upper().removeprefix("NEGATIVE_")
            if neg:
                ent = "Negative Keyword" if gid else "Campaign Negative Keyword"
                match = "negative" + mt.title()
            else:
                ent, match = "Keyword", mt.lower()
            row = {**base, "Entity": ent, "Keyword ID": tid, "Keyword Text": d.get("keyword"),
                   "Native Language Keyword": d.get("nativeLanguageKeyword"),
                   "Native Language Locale": d.get("nativeLanguageLocale"),
                   "Match Type": match, "Bid": None if neg else bid}
        elif tt in ("AUTO", "PRODUCT", "PRODUCT_CATEGORY"):
            expr = _target_expression(t)
            if expr is None:
                skipped_types[f"{tt} without details"] = skipped_types.get(
                    f"{tt} without details", 0) + 1
                continue
            if neg:
                ent = ("Negative Product Targeting" if gid
                       else "Campaign Negative Product Targeting")
            else:
                ent = "Product Targeting"
            row = {**base, "Entity": ent, "Product Targeting ID": tid,
                   "Product Targeting Expression": expr,
                   "Resolved Product Targeting Expression (Informational only)":
                       _target_expression(t, resolved=True),
                   "Bid": None if neg else bid}
        else:
            skipped_types[tt or "no type"] = skipped_types.get(tt or "no type", 0) + 1
            continue
        if gid:
            by_group.setdefault(gid, []).append(row)
        else:
            by_campaign.setdefault(cid, []).append(row)
    for k, n in sorted(skipped_types.items()):
        notes.append(f"{n} target(s) of type {k} left out (no Sponsored Products bulksheet "
                     "entity)")

    rows: list[dict] = []
    groups_of: dict[str | None, list[dict]] = {}
    for g in ad_groups:
        groups_of.setdefault(_id(g.get("campaignId")), []).append(g)
    order = sorted(campaigns, key=lambda c: (str(c.get("name") or ""), _id(c.get("campaignId"))))
    for c in order:
        cid = _id(c.get("campaignId"))
        strategy_raw = str(_get(c, "optimization", "bidStrategy", default="") or "").upper()
        strategy = BID_STRATEGY.get(strategy_raw, strategy_raw.replace("_", " ").capitalize())
        budget = None
        if str(_get(c, "budgetCaps", "recurrenceTimePeriod", default="DAILY")).upper() == "DAILY":
            budget = _num(_get(c, "budgetCaps", "budgetValue", "monetaryBudget", "amount"))
        pid = _id(c.get("portfolioId"))
        rows.append({**names(cid), "Entity": "Campaign", "Portfolio ID": pid,
                     "Portfolio Name (Informational only)": portfolios.get(pid),
                     "Campaign Name": c.get("name"), "Start Date": _ymd(c.get("startDate")),
                     "End Date": _ymd(c.get("endDate")),
                     "Targeting Type": (str(c.get("targetingSettings")).upper()
                                        if c.get("targetingSettings") else None),
                     "State": _state(c.get("state")), "Daily Budget": budget,
                     "Bidding Strategy": strategy})
        adj = _get(c, "optimization", "placementBidAdjustments", default=[]) or []
        opt = c.get("optimization")
        if isinstance(opt, list):
            adj = [a for o in opt if isinstance(o, dict)
                   for a in (o.get("placementBidAdjustments") or [])]
        for a in adj:
            pl = str(a.get("placement") or "").upper()
            rows.append({**names(cid), "Entity": "Bidding Adjustment",
                         "Bidding Strategy": strategy,
                         "Placement": PLACEMENT.get(pl, pl.replace("_", " ").title()),
                         "Percentage": _num(a.get("percentage"))})
        rows.extend(by_campaign.pop(cid, []))
        for g in sorted(groups_of.get(cid, []), key=lambda g: (str(g.get("name") or ""),
                                                               _id(g.get("adGroupId")))):
            gid = _id(g.get("adGroupId"))
            rows.append({**names(cid, gid), "Entity": "Ad Group", "Ad Group Name": g.get("name"),
                         "State": _state(g.get("state")),
                         "Ad Group Default Bid": _num(_get(g, "bid", "defaultBid"))})
            kids = by_group.pop(gid, [])
            rank = {"Product Ad": 0, "Keyword": 1, "Product Targeting": 2}
            rows.extend(sorted(kids, key=lambda r: rank.get(r["Entity"], 3)))
    orphans = sum(len(v) for v in by_group.values()) + sum(len(v) for v in by_campaign.values())
    if orphans:
        notes.append(f"{orphans} row(s) whose campaign or ad group is not in the export left out")
    return rows, notes


def write_bulk_xlsx(rows: list[dict], created: datetime) -> bytes:
    """The workbook bytes: one sheet :data:`BULK_SHEET` with :data:`BULK_COLUMNS`; text cells
    typed as text (never a formula, no quote prefix: what Amazon's download has), numbers
    numeric; created / modified stamps ``created`` (UTC) and fixed zip times, so the bytes
    depend only on the content."""
    from openpyxl import Workbook

    illegal = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
    wb = Workbook()  # not write-only: that mode leaves out the default style sheet
    ws = wb.active
    ws.title = BULK_SHEET

    def put(row: int, col: int, v):
        if isinstance(v, str):
            v = illegal.sub("", v)
        c = ws.cell(row=row, column=col, value=v)
        if isinstance(v, str):
            c.data_type = "s"  # text stays text, whatever it starts with

    for j, name in enumerate(BULK_COLUMNS, start=1):
        put(1, j, name)
    for i, r in enumerate(rows, start=2):
        for j, name in enumerate(BULK_COLUMNS, start=1):
            v = r.get(name)
            if v is not None:
                put(i, j, v)
    buf = io.BytesIO()
    wb.save(buf)
    return reproducible_xlsx(buf.getvalue(),
                             created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def _finish_bulk(run: _Run, outcome: FetchOutcome, jobs: list[_Job], today: date):
    outcome.requests = sum(j.outcome.requests for j in jobs)
    bad = [j for j in jobs if j.outcome.status == "failed" and j.data is None]
    if bad:
        outcome.detail = run.clean("; ".join(f"{j.kind} export: {j.outcome.detail}"
                                             for j in bad) + "; no bulk file written")
        return
    docs = {j.kind: json.loads(j.data.decode("utf-8")) for j in jobs}
    ids = sorted({_id(c.get("portfolioId")) for c in docs["campaigns"]} - {None})
    portfolios, pnote = {}, ""
    if ids:
        try:
            portfolios = run.portfolio_names(outcome, ids)
        except _CredentialsRefused:
            raise
        except Exception as e:
            pnote = f"portfolio names not available ({_error_text(e)})"
    rows, notes = bulk_rows(docs["campaigns"], docs["adGroups"], docs["ads"], docs["targets"],
                            portfolios)
    if pnote:
        notes.append(pnote)
    if not rows:
        outcome.status = "no_data"
        outcome.detail = "the exports hold no Sponsored Products campaign"
        return
    name = bulk_file_name(run.mp, today)
    path = run.folder / name
    write_atomic(path, write_bulk_xlsx(rows, run.now))
    record_fetched(path, run.now)
    pat = re.compile(rf"^Bulk operations {re.escape(run.mp)} \d{{4}}-\d{{2}}-\d{{2}}\.xlsx$")
    removed = []
    for old in sorted(run.folder.iterdir()):
        if old != path and pat.match(old.name) and old.is_file():
            old.unlink(missing_ok=True)
            removed.append(old.name)
    outcome.status = "written"
    outcome.path = run.rel(name)
    outcome.detail = run.clean(_join(
        f"{len(rows)} rows from {len(docs['campaigns'])} campaigns, "
        f"{len(docs['adGroups'])} ad groups, {len(docs['ads'])} ads, "
        f"{len(docs['targets'])} targets",
        "; ".join(notes), f"replaces {', '.join(removed)}" if removed else ""))


__all__ = ["BULK", "BULK_COLUMNS", "REPORTS", "RESTATEMENT_DAYS", "RETENTION_DAYS",
           "bulk_file_name", "bulk_rows", "fetch_ads", "plan_reports", "report_file_name",
           "write_bulk_xlsx"]
