"""A local stand-in for Login with Amazon and the SP-API Reports API (2021-06-30), for tests.

Shapes from Amazon's published model (amzn/selling-partner-api-models,
``models/reports-api-model/reports_2021-06-30.json``) and the LWA token exchange
(``POST /auth/o2/token``, form body ``grant_type=refresh_token&refresh_token=..&client_id=..
&client_secret=..`` -> ``{access_token, token_type, expires_in, refresh_token}``):

- ``POST /reports/2021-06-30/reports`` (``CreateReportSpecification``: reportType,
  marketplaceIds, dataStartTime, dataEndTime, reportOptions) -> 202 ``{"reportId"}``
- ``GET /reports/2021-06-30/reports/{reportId}`` -> ``Report`` (reportId, reportType,
  marketplaceIds, dataStartTime, dataEndTime, createdTime, processingStatus IN_QUEUE /
  IN_PROGRESS / DONE / CANCELLED / FATAL, processingStartTime, processingEndTime,
  reportDocumentId)
- ``GET /reports/2021-06-30/documents/{reportDocumentId}`` -> ``ReportDocument``
  (reportDocumentId, url, compressionAlgorithm GZIP)
- the ``url``: the gzip document.
- errors: ``{"errors": [{"code", "message", "details"}]}``; throttling is HTTP 429 with
  ``QuotaExceeded`` and the ``x-amzn-RateLimit-Limit`` header.

Documents come from a source folder (the sample: ``data/sample/sample-seller``): a ranged
report serves the rows of the source files of that report type (recognised by the package's
own header detection) whose date column falls in [dataStartTime, dataEndTime] as
marketplace-local days, header kept, each line's original bytes; a snapshot report serves the
newest snapshot file as is, and says (dataEndTime) it was taken on that file's day.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import re
import threading
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from postship_analysis import contract
from postship_analysis.fetch.plan import BY_TYPE
from postship_analysis.readers.detect import detect_file

REPORTS = "/reports/2021-06-30/reports"
DOCUMENTS = "/reports/2021-06-30/documents/"
THROTTLE_BODY = {"errors": [{"code": "QuotaExceeded",
                             "message": "You exceeded your quota for the requested resource.",
                             "details": ""}]}


def _local_day(text: str, tz: ZoneInfo, day_first: bool) -> date | None:
    """The marketplace-local day of a date/time cell: ISO with offset -> converted; a plain
    date (ISO, MM/DD/YYYY or DD.MM.YYYY / DD/MM/YYYY) as written."""
    text = text.strip()
    if not text:
        return None
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return ts.astimezone(tz).date() if ts.tzinfo else ts.date()
    except ValueError:
        pass
    m = re.match(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})", text)
    if m:
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        d, mo = (a, b) if day_first or "." in text[:6] else (b, a)
        return date(y, mo, d)
    return None


def _detected(folder: Path, _cache={}) -> list[tuple[Path, str]]:  # noqa: B006 - a cache
    """(file, report key) of every file of a source folder, detected once per process."""
    if folder not in _cache:
        out = []
        for p in sorted(folder.iterdir()) if folder.is_dir() else []:
            if p.is_file() and not p.name.startswith("."):
                spec = detect_file(p)
                if spec is not None:
                    out.append((p, spec.report_type))
        _cache[folder] = out
    return _cache[folder]


class FakeSpApi:
    """The server. ``source``: folder with one sub-folder per marketplace code.

    Switches (set before the calls): ``throttle_first`` (the first N Reports API calls get
    429, or ``throttle_status`` such as 503), ``fatal`` / ``stuck`` / ``interrupt`` / ``cancelled`` (sets of report types that end
    FATAL, stay IN_PROGRESS, have their download cut mid-body, end CANCELLED without a
    document), ``polls_until_done`` (getReport answers IN_QUEUE / IN_PROGRESS that many times
    first), ``snapshot_day`` (report type -> day for snapshot files without a date in their
    name). ``requests`` records every request: (method, path, headers, body bytes).
    """

    def __init__(self, source: str | Path, *, client_id: str, client_secret: str,
                 refresh_token: str, snapshot_day: dict[str, date] | None = None):
        self.source = Path(source)
        self.creds = {"client_id": client_id, "client_secret": client_secret,
                      "refresh_token": refresh_token}
        self.snapshot_day = snapshot_day or {}
        self.throttle_first = 0
        self.throttle_status = 429       # 503: "temporarily unavailable" instead
        self.fatal: set[str] = set()
        self.stuck: set[str] = set()
        self.interrupt: set[str] = set()
        self.cancelled: set[str] = set()
        self.polls_until_done = 1
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self.tokens: list[str] = []
        self.reports: dict[str, dict] = {}
        self.documents: dict[str, bytes] = {}     # document id -> served (gzip) bytes
        self.served: dict[str, bytes] = {}        # report id -> decompressed document
        self._ids = itertools.count(50001)
        self._api_calls = 0
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.token_url = self.url + "/auth/o2/token"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- documents --------------------------------------------------------------------------
    def source_files(self, marketplace: str, report_type: str) -> list[Path]:
        key = BY_TYPE[report_type].key
        return [p for p, k in _detected(self.source / marketplace) if k == key]


    def document(self, marketplace: str, report_type: str, start: date | None,
                 end: date | None) -> tuple[bytes, date | None]:
        """The document (uncompressed bytes) and, for a snapshot, its day."""
        rep = BY_TYPE[report_type]
        files = self.source_files(marketplace, report_type)
        if rep.snapshot:
            def day_of(p):
                m = re.search(r"(\d{4}-\d{2}-\d{2})", p.name)
                return date.fromisoformat(m[1]) if m else self.snapshot_day.get(report_type)
            newest = max(files, key=lambda p: (day_of(p) or date.min, p.name))
            return newest.read_bytes(), day_of(newest)
        mp = contract.marketplace(marketplace)
        tz = ZoneInfo(mp.tz)
        if files and files[0].suffix == ".json":
            return self._json_rows(files, start, end), None
        # rows by their file's header: Amazon changes a report's columns now and then (the
        # sample has such a change); a document has one layout, that of the file most of its
        # rows come from (else the newest file's), other rows moved under it by column name
        parts = []        # (header line, names, delimiter, [rows])
        for p in files:
            lines = p.read_bytes().splitlines(keepends=True)
            if not lines:
                continue
            text = lines[0].decode("utf-8-sig", errors="replace")
            delim = "\t" if "\t" in text else ","
            names = [n.strip().lower() for n in next(csv.reader([text], delimiter=delim))]
            col = names.index(rep.date_column)
            rows = []
            for raw in lines[1:]:
                if not raw.strip():
                    continue
                try:
                    cell = next(csv.reader([raw.decode("utf-8")], delimiter=delim))[col]
                except (UnicodeDecodeError, IndexError, StopIteration):
                    cell = ""
                day = _local_day(cell, tz, mp.day_first)
                if day is not None and start <= day <= end:
                    rows.append(raw)
            parts.append((lines[0], names, delim, rows))
        if not parts:
            return b"", None
        main = max(range(len(parts)), key=lambda i: (len(parts[i][3]), i))
        header, names, delim, _ = parts[main]
        out = []
        for _h, n, d, rows in parts:
            if n == names:
                out += rows
                continue
            for raw in rows:
                end_ = raw[len(raw.rstrip(b"\r\n")):]
                vals = dict(zip(n, next(csv.reader([raw.decode("utf-8")], delimiter=d)),
                                strict=False))
                buf = io.StringIO()
                csv.writer(buf, delimiter=delim, lineterminator="").writerow(
                    [vals.get(c, "") for c in names])
                out.append(buf.getvalue().encode("utf-8") + end_)
        if not header.endswith((b"\n", b"\r")):
            header += b"\n"
        return header + b"".join(out), None

    def _json_rows(self, files, start, end) -> bytes:
        obj = json.loads(files[0].read_bytes())
        spec = obj.get("reportSpecification", {})
        whole = (spec.get("dataStartTime", "9999")[:10] >= start.isoformat()
                 and spec.get("dataEndTime", "0000")[:10] <= end.isoformat())
        obj["salesAndTrafficByDate"] = [r for r in obj.get("salesAndTrafficByDate", [])
                                        if start.isoformat() <= r["date"] <= end.isoformat()]
        if not whole:   # a by-ASIN total over a part of the source period cannot be made up
            obj["salesAndTrafficByAsin"] = []
        spec["dataStartTime"], spec["dataEndTime"] = start.isoformat(), end.isoformat()
        return json.dumps(obj, separators=(",", ":")).encode()

    # -- request handling -------------------------------------------------------------------
    def api_calls(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p, _, _ in self.requests]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSpApi
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):   # keep the test output clean
        pass

    def _send(self, code: int, obj=None, body: bytes | None = None, headers=None):
        if body is None:
            body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if obj is not None
                         else "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _record(self, body: bytes):
        self.fake.requests.append((self.command, self.path, dict(self.headers), body))

    def _api_guard(self) -> bool:
        """Throttle / authorise a Reports API call; True when answered already."""
        f = self.fake
        with f._lock:
            f._api_calls += 1
            throttled = f._api_calls <= f.throttle_first
        if throttled and f.throttle_status == 429:
            self._send(429, THROTTLE_BODY, headers={"x-amzn-RateLimit-Limit": "0.0167"})
            return True
        if throttled:
            self._send(f.throttle_status, {"errors": [{"code": "ServiceUnavailable", "message":
                                                       "Service temporarily unavailable.",
                                                       "details": ""}]})
            return True
        if self.headers.get("x-amz-access-token") not in f.tokens:
            self._send(403, {"errors": [{"code": "Unauthorized", "message": "Access to "
                                         "requested resource is denied.", "details": ""}]})
            return True
        return False

    def do_POST(self):
        f = self.fake
        body = self._body()
        self._record(body)
        path = urlsplit(self.path).path
        if path == "/auth/o2/token":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if form.get("grant_type") != "refresh_token" or any(
                    form.get(k) != v for k, v in f.creds.items()):
                return self._send(400, {"error": "invalid_grant", "error_description":
                                        "The request has an invalid grant parameter : "
                                        "refresh_token"})
            tok = f"Atza|fake-access-{len(f.tokens) + 1}-zz93kq"
            f.tokens.append(tok)
            return self._send(200, {"access_token": tok, "token_type": "bearer",
                                    "expires_in": 3600, "refresh_token": form["refresh_token"]})
        if path == REPORTS:
            if self._api_guard():
                return
            spec = json.loads(body or b"{}")
            rt = spec.get("reportType")
            ids = spec.get("marketplaceIds") or []
            if rt not in BY_TYPE or len(ids) != 1:
                return self._send(400, {"errors": [{"code": "InvalidInput", "message":
                                                    "Invalid reportType or marketplaceIds",
                                                    "details": ""}]})
            rid = str(next(f._ids))
            f.reports[rid] = {"spec": spec, "polls": 0,
                              "created": datetime.now(ZoneInfo("UTC")).isoformat()}
            return self._send(202, {"reportId": rid})
        return self._send(404, {"errors": [{"code": "NotFound", "message": "no such path",
                                            "details": ""}]})

    def do_GET(self):
        f = self.fake
        self._record(b"")
        path = urlsplit(self.path).path
        if path.startswith(REPORTS + "/"):
            if self._api_guard():
                return
            rid = path.rsplit("/", 1)[1]
            r = f.reports.get(rid)
            if r is None:
                return self._send(404, {"errors": [{"code": "NotFound", "message":
                                                    "report not found", "details": ""}]})
            return self._send(200, self._report_status(rid, r))
        if path.startswith(DOCUMENTS):
            if self._api_guard():
                return
            did = path.rsplit("/", 1)[1]
            if did not in f.documents:
                return self._send(404, {"errors": [{"code": "NotFound", "message":
                                                    "document not found", "details": ""}]})
            return self._send(200, {"reportDocumentId": did, "url": f"{f.url}/download/{did}",
                                    "compressionAlgorithm": "GZIP"})
        if path.startswith("/download/"):
            did = path.rsplit("/", 1)[1]
            data = f.documents.get(did)
            if data is None:
                return self._send(404, body=b"NoSuchKey")
            rt = did.split("-", 1)[1]
            if rt in f.interrupt:     # promise the whole body, send half, hang up
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            return self._send(200, body=data)
        return self._send(404, {"errors": [{"code": "NotFound", "message": "no such path",
                                            "details": ""}]})

    def _report_status(self, rid: str, r: dict) -> dict:
        f = self.fake
        spec = r["spec"]
        rt = spec["reportType"]
        r["polls"] += 1
        out = {"reportId": rid, "reportType": rt, "marketplaceIds": spec["marketplaceIds"],
               "createdTime": r["created"]}
        mp = contract.marketplace(spec["marketplaceIds"][0])
        tz = ZoneInfo(mp.tz)
        if "dataStartTime" in spec:
            out["dataStartTime"], out["dataEndTime"] = spec["dataStartTime"], spec["dataEndTime"]
        if rt in f.stuck or r["polls"] <= f.polls_until_done:
            out["processingStatus"] = "IN_QUEUE" if r["polls"] == 1 else "IN_PROGRESS"
            return out
        if rt in f.fatal:
            out["processingStatus"] = "FATAL"
            return out
        if rt in f.cancelled:
            out["processingStatus"] = "CANCELLED"
            return out
        if "doc" not in r:
            start = end = None
            if "dataStartTime" in spec:
                start = datetime.fromisoformat(spec["dataStartTime"]).astimezone(tz).date()
                end = datetime.fromisoformat(spec["dataEndTime"]).astimezone(tz).date()
            data, day = f.document(mp.code, rt, start, end)
            if day is not None:   # a snapshot: taken on its file's day
                out_end = datetime.combine(day, datetime.min.time(), tz) + timedelta(hours=6)
                r["dataEndTime"] = out_end.isoformat()
            did = f"amzn1.spdoc.{rid}-{rt}"
            f.served[rid] = data
            f.documents[did] = gzip.compress(data, mtime=0)
            r["doc"] = did
        if "dataEndTime" in r:
            out["dataStartTime"] = out["dataEndTime"] = r["dataEndTime"]
        out["processingStatus"] = "DONE"
        out["reportDocumentId"] = r["doc"]
        return out


def gunzip(b: bytes) -> bytes:
    return gzip.GzipFile(fileobj=io.BytesIO(b)).read()
