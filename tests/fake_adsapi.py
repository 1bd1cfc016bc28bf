"""A local stand-in for the Amazon Ads API v3 and Login with Amazon, for the fetch tests.

Request and response shapes follow Amazon's published documentation (Amazon Ads API docs as
crawled in idealerror/amazon-ads-api-docs @ 124fc9cf):

* ``POST /auth/o2/token`` (form: ``grant_type=refresh_token``, ``refresh_token``,
  ``client_id``, ``client_secret``) -> ``{access_token, refresh_token, token_type,
  expires_in}``; a wrong credential -> 400 ``{error: invalid_grant | invalid_client,
  error_description}`` (Login with Amazon, "Using refresh tokens").
* ``POST /reporting/reports`` (``guides/reporting/v3/get-started.md``: headers
  ``Amazon-Advertising-API-ClientId``, ``Authorization: Bearer``, ``Amazon-Advertising-API-Scope``,
  ``Content-Type: application/vnd.createasyncreportrequest.v3+json``; body ``{name, startDate,
  endDate, configuration: {adProduct, groupBy, columns, reportTypeId, timeUnit, format}}``) ->
  200 with the "Response" example's fields (``configuration, createdAt, endDate, failureReason,
  fileSize, generatedAt, name, reportId, startDate, status: PENDING, updatedAt, url,
  urlExpiresAt``). Maximum date range 31 days (``report-types/*.md``).
* ``GET /reporting/reports/{reportId}`` -> the same object; ``status`` ``PENDING`` /
  ``PROCESSING`` / ``COMPLETED`` (with ``url``) / ``FAILED`` (with ``failureReason``).
* The ``url`` serves the gzipped JSON list of records ("Reading your report" example: one
  object per row, the requested columns as keys).
* Exports (``guides/exports/get-started.md``): ``POST /campaigns/export``, ``/adGroups/export``,
  ``/ads/export``, ``/targets/export`` with ``Content-Type`` and ``Accept``
  ``application/vnd.<type>export.v1+json``, body ``{adProductFilter, stateFilter}`` -> 202
  ``{exportId, status: IN_PROGRESS}``; ``GET /exports/{exportId}`` -> ``{exportId, status:
  COMPLETED, url, fileSize, urlExpiresAt, generatedAt, createdAt}``; the url serves gzipped
  JSON in the common models (``reference/common-models/{campaigns,ad-groups,ads,targets}.md``,
  Sponsored Products examples).
* HTTP 429 with ``Retry-After`` when throttled (``reference/concepts/rate-limiting``).

Documents come from a source folder per advertiser profile (a marketplace folder of the
sample, e.g. ``data/sample/sample-seller/US``):

* ``spCampaigns`` / ``spAdvertisedProduct``: the rows of the folder's ``spCampaigns*.json.gz``
  / ``spAdvertisedProduct*.json.gz`` whose ``date`` is in ``[startDate, endDate]``, keeping
  the requested columns.
* ``spSearchTerm``: the folder's ``spSearchTerm*.json.gz`` if any, else its Advertising-console
  ``Sponsored Products Search term report`` rewritten as API records (same days, terms, numbers;
  campaign / ad group ids from the other API files by name), so a fetched folder carries the
  same search terms as the sample. ``spTargeting``: the folder's ``spTargeting*.json.gz``,
  else (``derive_targeting=True``, the default) those search-term rows summed per day,
  campaign, ad group, targeting and match type; with ``derive_targeting=False`` no rows (a
  fetched folder then holds the same report levels as the sample, for end-to-end
  comparisons).
* Exports: the Sponsored Products sheet of the folder's ``Bulk operations *.xlsx`` rewritten
  in the common models (ids, states, bids, budgets, strategies, placements, targets);
  ``POST /portfolios/list`` (``guides/portfolios/get-started.md``, ``Content-Type:
  application/vnd.spPortfolio.v3+json``, body ``{portfolioIdFilter: {include: [...]}}`` ->
  ``{portfolios: [{portfolioId, name, state, ...}], totalResults}``): its Portfolios sheet.

Switches (constructor keywords): ``throttle_first`` (the first N Ads API calls answer 429 with
``Retry-After: retry_after``), ``fail_reports`` (report types that end ``FAILED``),
``never_complete`` (report types that stay ``PROCESSING``), ``derive_targeting`` (see
above), ``cut_downloads`` (report types
whose document download stops half way through the body), ``pending_polls`` (polls answered
``PENDING``/``PROCESSING`` before ``COMPLETED``), ``duplicate_reports`` (report types whose
create answers 425 ``The Request is a duplicate of : <reportId>`` naming a report it made, as
Amazon does when an identical request was accepted before), ``too_early_reports`` (report
types whose create answers a bare 425), ``fail_portfolios`` (``/portfolios/list`` answers
500). Every request is recorded in
``requests`` (method, path, headers, body).

Example
-------
>>> # with FakeAdsApi({"111": Path("data/sample/sample-seller/US")}) as api:
>>> #     creds = AdsCredentials(..., endpoint=api.endpoint, token_url=api.token_url)
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

CLIENT_ID = "amzn1.application-oa2-client.fakeadsclient"
CLIENT_SECRET = "FAKE-ADS-SECRET-7f3a9c21e4b8d605"
REFRESH_TOKEN = "Atzr|FAKE-ADS-REFRESH-c0ffee1234567890"
ACCESS_TOKEN = "Atza|FAKE-ADS-ACCESS-deadbeef09876543"

EXPORT_MEDIA = {"campaigns": "application/vnd.campaignsexport.v1+json",
                "adGroups": "application/vnd.adgroupsexport.v1+json",
                "ads": "application/vnd.adsexport.v1+json",
                "targets": "application/vnd.targetsexport.v1+json"}
REPORT_TYPES = ("spCampaigns", "spAdvertisedProduct", "spSearchTerm", "spTargeting")
MAX_DAYS = 31


# ---------------------------------------------------------------------------------------------
# Documents from a source folder
# ---------------------------------------------------------------------------------------------


def _json_rows(folder: Path, prefix: str) -> list[dict] | None:
    files = sorted(p for p in folder.glob(f"{prefix}*.json*") if p.is_file())
    if not files:
        return None
    rows = []
    for p in files:
        raw = p.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        rows.extend(json.loads(raw))
    return rows


def _console_search_terms(folder: Path, marketplace: str) -> list[dict]:
    """The folder's console search-term report as Ads API ``spSearchTerm`` records."""
    from postship_analysis.readers.ads import read_ads_console

    files = sorted(folder.glob("Sponsored Products Search term report*"))
    if not files:
        return []
    camp_ids, group_ids = {}, {}
    for r in (_json_rows(folder, "spCampaigns") or []) + (_json_rows(folder, "spAdvertised")
                                                          or []):
        camp_ids.setdefault(r.get("campaignName"), r.get("campaignId"))
        if r.get("adGroupName") is not None:
            group_ids.setdefault((r.get("campaignName"), r.get("adGroupName")), r.get("adGroupId"))
    out = []
    for f in files:
        d = read_ads_console(f, marketplace=marketplace).data
        for r in d.itertuples(index=False):
            mt = r.match_type if isinstance(r.match_type, str) else None
            spend, sales = float(r.spend), float(r.sales)
            clicks, imps = int(r.clicks), int(r.impressions)
            rec = {
                "date": f"{r.start_date:%Y-%m-%d}", "campaignName": r.campaign_name,
                "campaignId": camp_ids.get(r.campaign_name),
                "adGroupName": r.ad_group_name,
                "adGroupId": group_ids.get((r.campaign_name, r.ad_group_name)),
                "keyword": r.targeting if mt else None,
                "keywordType": mt or "TARGETING_EXPRESSION_PREDEFINED",
                "matchType": mt or "TARGETING_EXPRESSION_PREDEFINED",
                "targeting": r.targeting, "searchTerm": r.search_term,
                "campaignBudgetCurrencyCode": r.currency,
                "impressions": imps, "clicks": clicks, "cost": round(spend, 2),
                "costPerClick": round(spend / clicks, 2) if clicks else None,
                "clickThroughRate": round(clicks / imps, 4) if imps else None,
                "purchases7d": int(r.orders), "unitsSoldClicks7d": int(r.units),
                "sales7d": round(sales, 2),
                "acosClicks7d": round(spend / sales, 4) if sales else None,
                "roasClicks7d": round(sales / spend, 2) if spend else None,
            }
            out.append(rec)
    return out


_SUMMED = ("impressions", "clicks", "cost", "purchases7d", "unitsSoldClicks7d", "sales7d")


def _targeting_from_terms(terms: list[dict]) -> list[dict]:
    keys = ("date", "campaignName", "campaignId", "adGroupName", "adGroupId", "keyword",
            "keywordType", "matchType", "targeting", "campaignBudgetCurrencyCode")
    acc: dict[tuple, dict] = {}
    for r in terms:
        k = tuple(r.get(c) for c in keys)
        a = acc.setdefault(k, {**{c: r.get(c) for c in keys}, **{c: 0 for c in _SUMMED}})
        for c in _SUMMED:
            a[c] += r.get(c) or 0
    out = []
    for a in acc.values():
        a["cost"], a["sales7d"] = round(a["cost"], 2), round(a["sales7d"], 2)
        a["costPerClick"] = round(a["cost"] / a["clicks"], 2) if a["clicks"] else None
        a["clickThroughRate"] = (round(a["clicks"] / a["impressions"], 4)
                                 if a["impressions"] else None)
        out.append(a)
    return out


def report_rows(folder: Path, report_type: str, marketplace: str = "US",
                derive_targeting: bool = True) -> list[dict]:
    """All rows of ``report_type`` the fake holds for a source folder (every day)."""
    rows = _json_rows(folder, report_type)
    if rows is not None:
        return rows
    if report_type == "spSearchTerm":
        return _console_search_terms(folder, marketplace)
    if report_type == "spTargeting" and derive_targeting:
        return _targeting_from_terms(report_rows(folder, "spSearchTerm", marketplace))
    return []


_BID_STRATEGY = {"dynamic bids - down only": "SALES_DOWN_ONLY",
                 "dynamic bids - up and down": "SALES", "fixed bid": None}
_PLACEMENT = {"placement top": "PLACEMENT_TOP", "placement product page": "PLACEMENT_PRODUCT_PAGE",
              "placement rest of search": "REST_OF_SEARCH"}
_AUTO = {"close-match": "SEARCH_CLOSE_MATCH", "loose-match": "SEARCH_LOOSE_MATCH",
         "substitutes": "PRODUCT_SUBSTITUTES", "complements": "PRODUCT_COMPLEMENTS"}


def _ymd(v) -> str | None:
    s = str(v or "").strip()
    return f"{s[:4]}-{s[4:6]}-{s[6:8]}" if re.fullmatch(r"\d{8}", s) else None


def _num(v):
    if v is None or str(v).strip() == "":
        return None
    return float(v)


def exports_from_bulk(folder: Path, currency: str = "USD") -> dict[str, list[dict]]:
    """The Sponsored Products sheet of the folder's bulk download as the four exports."""
    import pandas as pd

    files = sorted(folder.glob("Bulk operations*.xlsx"))
    out = {"campaigns": [], "adGroups": [], "ads": [], "targets": []}
    if not files:
        return out
    sheet = pd.read_excel(files[0], sheet_name="Sponsored Products Campaigns", dtype=str)
    audit = {"creationDateTime": "2026-03-15T08:00:00.000Z",
             "lastUpdatedDateTime": "2026-10-30T08:00:00.000Z"}
    camps: dict[str, dict] = {}
    for r in sheet.to_dict("records"):
        r = {k: (None if pd.isna(v) or str(v).strip() == "" else v) for k, v in r.items()}
        ent = str(r["Entity"]).strip().lower()
        cid, gid = r.get("Campaign ID"), r.get("Ad Group ID")
        state = str(r.get("State") or "enabled").upper()
        sp = {"adProduct": "SPONSORED_PRODUCTS"}
        if ent == "campaign":
            strat = _BID_STRATEGY.get(str(r.get("Bidding Strategy") or "").lower())
            c = {"campaignId": cid, **sp, "name": r["Campaign Name"],
                 "startDate": _ymd(r.get("Start Date")), "state": state,
                 "deliveryStatus": "DELIVERING",
                 "budgetCaps": {"recurrenceTimePeriod": "DAILY", "budgetType": "MONETARY",
                                "budgetValue": {"monetaryBudget": {
                                    "currencyCode": currency,
                                    "amount": _num(r.get("Daily Budget"))}}},
                 "optimization": {"placementBidAdjustments": []},
                 "targetingSettings": str(r.get("Targeting Type") or "").upper() or None,
                 **audit}
            if r.get("Portfolio ID"):
                c["portfolioId"] = r["Portfolio ID"]
            if _ymd(r.get("End Date")):
                c["endDate"] = _ymd(r.get("End Date"))
            if strat:
                c["optimization"]["bidStrategy"] = strat
            camps[cid] = c
            out["campaigns"].append(c)
        elif ent == "bidding adjustment":
            camps[cid]["optimization"]["placementBidAdjustments"].append(
                {"percentage": int(float(r["Percentage"])),
                 "placement": _PLACEMENT[str(r["Placement"]).lower()]})
        elif ent == "ad group":
            out["adGroups"].append({
                "adGroupId": gid, "campaignId": cid, **sp, "name": r["Ad Group Name"],
                "state": state, "deliveryStatus": "DELIVERING",
                "bid": {"defaultBid": _num(r.get("Ad Group Default Bid")),
                        "currencyCode": currency}, **audit})
        elif ent == "product ad":
            products = [{"productIdType": "SKU", "productId": r["SKU"]}]
            if r.get("ASIN (Informational only)"):
                products.append({"productIdType": "ASIN",
                                 "productId": r["ASIN (Informational only)"]})
            out["ads"].append({"adId": r["Ad ID"], "adGroupId": gid, **sp, "state": state,
                               "adType": "PRODUCT_AD", "creative": {"products": products},
                               "deliveryStatus": "DELIVERING", **audit})
        elif ent in ("keyword", "negative keyword", "campaign negative keyword",
                     "product targeting", "negative product targeting",
                     "campaign negative product targeting"):
            neg = "negative" in ent
            t = {"targetId": r.get("Keyword ID") or r.get("Product Targeting ID"),
                 "campaignId": cid, **sp, "state": state, "negative": neg,
                 "deliveryStatus": "DELIVERING", **audit}
            if gid and not ent.startswith("campaign"):
                t["adGroupId"] = gid
            if _num(r.get("Bid")) is not None:
                t["bid"] = {"bid": _num(r["Bid"]), "currencyCode": currency}
            if "keyword" in ent:
                mt = str(r["Match Type"]).lower().removeprefix("negative")
                t["targetType"] = "KEYWORD"
                t["targetDetails"] = {"matchType": mt.upper(), "keyword": r["Keyword Text"]}
            else:
                expr = str(r["Product Targeting Expression"]).strip()
                m = re.fullmatch(r'(asin|asin-expanded)="([^"]+)"', expr)
                if expr.lower() in _AUTO:
                    t["targetType"] = "AUTO"
                    t["targetDetails"] = {"matchType": _AUTO[expr.lower()]}
                elif m:
                    t["targetType"] = "PRODUCT"
                    t["targetDetails"] = {"matchType": "PRODUCT_EXACT" if m[1] == "asin"
                                          else "PRODUCT_SIMILAR", "asin": m[2]}
                else:
                    cat = re.search(r'category="([^"]+)"', expr)
                    t["targetType"] = "PRODUCT_CATEGORY"
                    t["targetDetails"] = {"productCategoryId": cat[1] if cat else expr}
            out["targets"].append(t)
    return out


def portfolios_from_bulk(folder: Path) -> list[dict]:
    """The Portfolios sheet of the folder's bulk download as ``POST /portfolios/list``
    portfolios (``guides/portfolios/get-started.md`` sample response)."""
    import pandas as pd

    files = sorted(folder.glob("Bulk operations*.xlsx"))
    if not files:
        return []
    sheet = pd.read_excel(files[0], sheet_name="Portfolios", dtype=str)
    out = []
    for r in sheet.to_dict("records"):
        if str(r.get("Entity")).strip().lower() != "portfolio":
            continue
        out.append({"portfolioId": r["Portfolio ID"], "name": r["Portfolio Name"],
                    "state": str(r.get("State") or "enabled").upper(), "inBudget": True})
    return out


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


class FakeAdsApi:
    """Amazon Ads API v3 + LWA on 127.0.0.1 (see module docstring). Use as a context manager;
    ``endpoint`` and ``token_url`` point a client at it."""

    def __init__(self, sources: dict[str, Path], *, marketplaces: dict[str, str] | None = None,
                 client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET,
                 refresh_token: str = REFRESH_TOKEN, access_token: str = ACCESS_TOKEN,
                 throttle_first: int = 0, retry_after: float = 2, fail_reports=(),
                 never_complete=(), cut_downloads=(), pending_polls: int = 1,
                 derive_targeting: bool = True, duplicate_reports=(), too_early_reports=(),
                 fail_portfolios: bool = False):
        self.sources = {str(k): Path(v) for k, v in sources.items()}
        self.marketplaces = marketplaces or {k: "US" for k in self.sources}
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_token, self.access_token = refresh_token, access_token
        self.throttle_first, self.retry_after = throttle_first, retry_after
        self.fail_reports, self.never_complete = set(fail_reports), set(never_complete)
        self.cut_downloads = set(cut_downloads)
        self.pending_polls = pending_polls
        self.derive_targeting = derive_targeting
        self.duplicate_reports, self.too_early_reports = (set(duplicate_reports),
                                                          set(too_early_reports))
        self.fail_portfolios = fail_portfolios
        self.requests: list[dict] = []
        self.reports: dict[str, dict] = {}
        self.exports: dict[str, dict] = {}
        self.documents: dict[str, bytes] = {}
        self.served: dict[str, list[dict]] = {}     # reportId -> the rows served
        self._ids = itertools.count(1)
        self._api_calls = 0
        self._lock = threading.Lock()
        self._cache: dict[tuple, list] = {}
        self.server: ThreadingHTTPServer | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                fake._handle(self, "GET")

            def do_POST(self):  # noqa: N802
                fake._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    endpoint = base

    @property
    def token_url(self) -> str:
        return self.base + "/auth/o2/token"

    def api_requests(self) -> list[dict]:
        """Recorded requests other than the token and document downloads."""
        return [r for r in self.requests if not r["path"].startswith(("/auth/", "/download/"))]

    # -- helpers ------------------------------------------------------------------------------
    def _rows(self, profile: str, report_type: str) -> list[dict]:
        key = (profile, report_type)
        if key not in self._cache:
            self._cache[key] = report_rows(self.sources[profile], report_type,
                                           self.marketplaces.get(profile, "US"),
                                           self.derive_targeting)
        return self._cache[key]

    @staticmethod
    def _send(h, code: int, body: bytes | dict | list, ctype="application/json", headers=None,
              cut: bool = False):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode("utf-8")
        h.send_response(code)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if cut:
            h.send_header("Connection", "close")
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h: BaseHTTPRequestHandler, method: str):
        url = urlparse(h.path)
        n = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(n) if n else b""
        with self._lock:
            self.requests.append({"method": method, "path": url.path,
                                  "headers": dict(h.headers.items()),
                                  "body": body.decode("utf-8", "replace")})
        path = url.path
        if path == "/auth/o2/token" and method == "POST":
            return self._token(h, body)
        if path.startswith("/download/") and method == "GET":
            doc = path.removeprefix("/download/")
            if doc not in self.documents:
                return self._send(h, 404, {"code": "NOT_FOUND"})
            cut = doc.split(".")[0].rsplit("-", 1)[-1] in self.cut_downloads
            return self._send(h, 200, self.documents[doc], "application/octet-stream",
                              cut=cut)
        # Ads API: authentication, then throttling, then the operation
        auth = h.headers.get("Authorization", "")
        if (auth != f"Bearer {self.access_token}"
                or h.headers.get("Amazon-Advertising-API-ClientId") != self.client_id):
            return self._send(h, 401, {"code": "UNAUTHORIZED",
                                       "details": "Not authorized to access this advertiser"})
        profile = h.headers.get("Amazon-Advertising-API-Scope", "")
        if profile not in self.sources:
            return self._send(h, 401, {"code": "UNAUTHORIZED",
                                       "details": "Not authorized to access scope " + profile})
        with self._lock:
            self._api_calls += 1
            throttled = self._api_calls <= self.throttle_first
        if throttled:
            return self._send(h, 429, {"code": "429", "details": "Too Many Requests"},
                              headers={"Retry-After": str(self.retry_after)})
        if path == "/reporting/reports" and method == "POST":
            return self._create_report(h, profile, body)
        m = re.fullmatch(r"/reporting/reports/([^/]+)", path)
        if m and method == "GET":
            return self._get_report(h, m[1])
        m = re.fullmatch(r"/(campaigns|adGroups|ads|targets)/export", path)
        if m and method == "POST":
            return self._create_export(h, profile, m[1], body)
        m = re.fullmatch(r"/exports/([^/]+)", path)
        if m and method == "GET":
            return self._get_export(h, m[1])
        if path == "/portfolios/list" and method == "POST":
            return self._list_portfolios(h, profile, body)
        return self._send(h, 404, {"code": "NOT_FOUND", "details": f"no route {path}"})

    def _token(self, h, body: bytes):
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        if form.get("grant_type") != "refresh_token":
            return self._send(h, 400, {"error": "unsupported_grant_type",
                                       "error_description": "grant_type not supported"})
        if (form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret):
            return self._send(h, 401, {"error": "invalid_client",
                                       "error_description": "Client authentication failed"})
        if form.get("refresh_token") != self.refresh_token:
            return self._send(h, 400, {"error": "invalid_grant", "error_description":
                                       "The request has an invalid grant parameter : "
                                       "refresh_token"})
        return self._send(h, 200, {"access_token": self.access_token,
                                   "refresh_token": self.refresh_token,
                                   "token_type": "bearer", "expires_in": 3600})

    def _create_report(self, h, profile: str, body: bytes):
        if h.headers.get("Content-Type") != "application/vnd.createasyncreportrequest.v3+json":
            return self._send(h, 415, {"code": "UNSUPPORTED_MEDIA_TYPE",
                                       "details": "Content-Type must be application/"
                                       "vnd.createasyncreportrequest.v3+json"})
        try:
            req = json.loads(body)
            conf = req["configuration"]
            start, end = date.fromisoformat(req["startDate"]), date.fromisoformat(req["endDate"])
            rt = conf["reportTypeId"]
            assert conf["adProduct"] == "SPONSORED_PRODUCTS"
            assert rt in REPORT_TYPES, f"unknown reportTypeId {rt}"
            assert conf["format"] == "GZIP_JSON" and conf["timeUnit"] in ("DAILY", "SUMMARY")
            assert conf["columns"] and conf["groupBy"]
            assert start <= end and (end - start).days < MAX_DAYS, "date range over 31 days"
        except (KeyError, ValueError, AssertionError, TypeError) as e:
            return self._send(h, 400, {"code": "400", "details": f"bad request: {e}"})
        if rt in self.too_early_reports:
            return self._send(h, 425, {"code": "425", "details": "Too Early"})
        rid = f"{next(self._ids):08d}-fake-{rt}"
        cols = list(conf["columns"])
        rows = [{c: r[c] for c in cols if c in r} for r in self._rows(profile, rt)
                if start <= date.fromisoformat(str(r.get("date"))[:10]) <= end]
        self.served[rid] = rows
        self.documents[rid + ".json.gz"] = gzip.compress(
            json.dumps(rows, separators=(",", ":")).encode("utf-8"), mtime=0)
        rep = {"configuration": {**conf, "filters": conf.get("filters")},
               "createdAt": "2026-12-02T10:00:00.000Z", "endDate": req["endDate"],
               "failureReason": None, "fileSize": None, "generatedAt": None,
               "name": req.get("name"), "reportId": rid, "startDate": req["startDate"],
               "status": "PENDING", "updatedAt": "2026-12-02T10:00:00.000Z", "url": None,
               "urlExpiresAt": None, "_polls": 0, "_type": rt}
        self.reports[rid] = rep
        if rt in self.duplicate_reports:  # an identical request was accepted before
            return self._send(h, 425, {"code": "425",
                                       "detail": f"The Request is a duplicate of : {rid}"})
        return self._send(h, 200, {k: v for k, v in rep.items() if not k.startswith("_")})

    def _get_report(self, h, rid: str):
        rep = self.reports.get(rid)
        if rep is None:
            return self._send(h, 404, {"code": "NOT_FOUND", "details": "report not found"})
        rep["_polls"] += 1
        rt = rep["_type"]
        if rt in self.never_complete:
            rep["status"] = "PROCESSING"
        elif rep["_polls"] <= self.pending_polls:
            rep["status"] = "PENDING" if rep["_polls"] == 1 else "PROCESSING"
        elif rt in self.fail_reports:
            rep["status"], rep["failureReason"] = "FAILED", "Internal error generating report"
        else:
            doc = rid + ".json.gz"
            rep.update(status="COMPLETED", url=f"{self.base}/download/{doc}",
                       fileSize=len(self.documents[doc]),
                       generatedAt="2026-12-02T10:01:00.000Z",
                       urlExpiresAt="2026-12-02T11:01:00.000Z")
        return self._send(h, 200, {k: v for k, v in rep.items() if not k.startswith("_")})

    def _create_export(self, h, profile: str, kind: str, body: bytes):
        media = EXPORT_MEDIA[kind]
        if h.headers.get("Content-Type") != media or h.headers.get("Accept") != media:
            return self._send(h, 415, {"code": "UNSUPPORTED_MEDIA_TYPE",
                                       "details": f"Content-Type and Accept must be {media}"})
        try:
            req = json.loads(body)
            assert "SPONSORED_PRODUCTS" in req["adProductFilter"]
        except (KeyError, ValueError, AssertionError, TypeError) as e:
            return self._send(h, 400, {"code": "400", "details": f"bad request: {e}"})
        key = (profile, "exports")
        if key not in self._cache:
            self._cache[key] = exports_from_bulk(self.sources[profile])
        states = set(req.get("stateFilter") or ["ENABLED", "PAUSED", "ARCHIVED"])
        rows = [r for r in self._cache[key][kind] if r.get("state") in states]
        eid = f"{next(self._ids):08d}-export-{kind}"
        self.served[eid] = rows
        self.documents[eid + ".json.gz"] = gzip.compress(json.dumps(rows).encode("utf-8"),
                                                         mtime=0)
        self.exports[eid] = {"exportId": eid, "status": "IN_PROGRESS", "_kind": kind,
                             "_polls": 0}
        return self._send(h, 202, {"exportId": eid, "status": "IN_PROGRESS"})

    def _list_portfolios(self, h, profile: str, body: bytes):
        if self.fail_portfolios:
            return self._send(h, 500, {"code": "INTERNAL_ERROR", "details": "Internal error"})
        media = "application/vnd.spPortfolio.v3+json"
        if h.headers.get("Content-Type") != media:
            return self._send(h, 415, {"code": "UNSUPPORTED_MEDIA_TYPE",
                                       "details": f"Content-Type must be {media}"})
        req = json.loads(body or b"{}")
        want = set((req.get("portfolioIdFilter") or {}).get("include") or [])
        rows = [p for p in portfolios_from_bulk(self.sources[profile])
                if not want or p["portfolioId"] in want]
        return self._send(h, 200, {"portfolios": rows, "totalResults": len(rows)})

    def _get_export(self, h, eid: str):
        exp = self.exports.get(eid)
        if exp is None:
            return self._send(h, 404, {"code": "NOT_FOUND"})
        media = EXPORT_MEDIA[exp["_kind"]]
        if h.headers.get("Accept") != media:
            return self._send(h, 415, {"code": "UNSUPPORTED_MEDIA_TYPE",
                                       "details": f"Accept must be {media}"})
        exp["_polls"] += 1
        if exp["_polls"] > self.pending_polls:
            doc = eid + ".json.gz"
            exp.update(status="COMPLETED", url=f"{self.base}/download/{doc}",
                       fileSize=len(self.documents[doc]),
                       urlExpiresAt="2026-12-02T11:00:00.000Z",
                       generatedAt="2026-12-02T10:00:05.000Z",
                       createdAt="2026-12-02T10:00:00.000Z")
        return self._send(h, 200, {k: v for k, v in exp.items() if not k.startswith("_")})


def month_range(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)
