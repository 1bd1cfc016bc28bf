"""``postship fetch`` against a local SP-API / Login with Amazon server (tests/fake_spapi.py)
built from the sample folder: no network, no real sleeping."""

from __future__ import annotations

import gzip
import json
import logging
import os
import random
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

pytest.importorskip("sp_api")

from fake_spapi import FakeSpApi  # noqa: E402

from postship_analysis import cli  # noqa: E402
from postship_analysis.fetch import run  # noqa: E402
from postship_analysis.fetch.common import FETCH_LOG  # noqa: E402
from postship_analysis.fetch.credentials import Profile, SpCredentials  # noqa: E402
from postship_analysis.fetch.plan import BY_TYPE, RESTATEMENT_DAYS, SP_REPORTS  # noqa: E402
from postship_analysis.readers.detect import detect_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "sample-seller"
RT = "Atzr|IwEBIfake-REFRESH-q7w8e9r0"
APP = "amzn1.application-oa2-client.fakeapp"
SECRET = "LWA-CLIENT-SECRET-k3j4h5g6"
ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
MYI = "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA"
FBA_RETURNS = "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
# Sunday 2026-11-01 13:00 in Los Angeles: yesterday, marketplace time, is 2026-10-31
NOW = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)
SNAPSHOT_DAYS = {"GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT": date(2026, 10, 31),
                 "GET_V2_SELLER_PERFORMANCE_REPORT": date(2026, 10, 31)}


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    # sp_api caches access tokens per refresh token for the process; each fake server issues
    # its own, so start every test without one
    from sp_api.auth import access_token_client

    access_token_client.cache.clear()
    yield
    access_token_client.cache.clear()


@pytest.fixture
def fake():
    with FakeSpApi(SAMPLE, client_id=APP, client_secret=SECRET, refresh_token=RT,
                   snapshot_day=SNAPSHOT_DAYS) as f:
        yield f


def profile(fake, secret=SECRET, marketplaces=("US",)):
    return Profile("acme-na", "acme", "NA", marketplaces,
                   SpCredentials(RT, APP, secret, fake.url, fake.token_url), None)


def fetch(fake, data, reports, now=NOW, since=date(2026, 10, 1), sleeps=None, **kw):
    sleeps = [] if sleeps is None else sleeps
    return run.fetch(data, [kw.pop("prof", None) or profile(fake)], now=now, since=since,
                     reports=[BY_TYPE[r] for r in reports], sleep=sleeps.append, **kw)


def files(folder: Path) -> list[str]:
    """The folder's files, less the fetch log (bookkeeping, tested on its own)."""
    return (sorted(p.name for p in folder.iterdir() if p.name != FETCH_LOG)
            if folder.is_dir() else [])


def everything_written(cap, caplog, data: Path) -> list[str]:
    """Every text the fetch produced: stdout, stderr, log messages and their arguments, and
    every file under ``data`` (gzip and zip members unpacked), decoded byte for byte."""
    texts = [cap.out, cap.err] + [r.getMessage() for r in caplog.records] + \
        [str(r.args) for r in caplog.records]
    for p in data.rglob("*"):
        if p.is_file():
            b = p.read_bytes()
            texts.append(b.decode("latin-1"))
            if b[:2] == b"\x1f\x8b":
                texts.append(gzip.decompress(b).decode("latin-1"))
            if zipfile.is_zipfile(p):
                with zipfile.ZipFile(p) as z:
                    texts += [z.read(n).decode("latin-1") for n in z.namelist()]
    return texts


@pytest.mark.parametrize("report", SP_REPORTS, ids=lambda r: r.key)
def test_each_report_type_is_written_as_its_manual_download(fake, tmp_path, report):
    sleeps = []
    (o,) = fetch(fake, tmp_path, [report.report_type], sleeps=sleeps)
    assert o.status == "written", o.detail
    path = tmp_path / o.path
    # recognised by the data folder as that report type, bytes as served (ungzipped)
    spec = detect_file(path)
    assert spec is not None and spec.report_type == report.key
    (rid,) = fake.served
    assert path.read_bytes() == fake.served[rid]
    assert len(path.read_bytes()) > 100
    # the documented call sequence: token, createReport, getReport until DONE (the fake
    # answers IN_QUEUE once), getReportDocument, the document url
    calls = fake.api_calls()
    assert [m for m, _ in calls] == ["POST", "POST", "GET", "GET", "GET", "GET"]
    assert calls[0][1] == "/auth/o2/token"
    assert calls[1][1] == "/reports/2021-06-30/reports"
    assert calls[4][1].startswith("/reports/2021-06-30/documents/")
    assert calls[5][1].startswith("/download/")
    assert sleeps == [5.0]        # one poll interval, injected: nothing really slept
    assert o.requests == 5        # createReport, 2 x getReport, getReportDocument, download
    body = json.loads(fake.requests[1][3])
    assert body["reportType"] == report.report_type
    assert body["marketplaceIds"] == ["ATVPDKIKX0DER"]
    # the access token LWA issued is what the API calls carry
    assert fake.requests[2][2]["x-amz-access-token"] == fake.tokens[0]
    if report.snapshot:
        assert "dataStartTime" not in body
        m = {"fba_myi": "2026-10-26", "fba_planning": "2026-10-31"}.get(report.key, "2026-10-31")
        assert path.name == f"{report.name} {m}.{path.suffix[1:]}"
    else:
        # October in Los Angeles is PDT (UTC-7): midnight to the last second, local time
        assert body["dataStartTime"] == "2026-10-01T00:00:00-07:00"
        assert body["dataEndTime"] == "2026-10-31T23:59:59-07:00"
        assert path.name.startswith(f"{report.name} 2026-10-01..2026-10-31.")
    if report.options:
        assert body["reportOptions"] == {"dateGranularity": "DAY", "asinGranularity": "CHILD"}
    # mtime = the run's clock: the folder records when the file was fetched
    assert path.stat().st_mtime == NOW.timestamp()


def test_ranged_rows_are_exactly_the_sample_rows_of_the_month(fake, tmp_path):
    """Counted independently from the sample files: October's FBA returns by their
    return-date in Los Angeles time."""
    (o,) = fetch(fake, tmp_path, [FBA_RETURNS])
    got = (tmp_path / o.path).read_text().splitlines()
    src = (SAMPLE / "US" / "FBA customer returns.txt").read_text().splitlines()
    from zoneinfo import ZoneInfo

    la = ZoneInfo("America/Los_Angeles")
    want = [ln for ln in src[1:] if ln.strip() and datetime.fromisoformat(ln.split("\t")[0])
            .astimezone(la).date().strftime("%Y-%m") == "2026-10"]
    assert got[0] == src[0]
    assert got[1:] == want and len(want) > 10


def test_throttling_backs_off_then_succeeds(fake, tmp_path):
    fake.throttle_first = 3
    sleeps = []
    (o,) = fetch(fake, tmp_path, [MYI], sleeps=sleeps)
    assert o.status == "written"
    assert sum(1 for m, p, h, b in fake.requests if p.startswith("/reports")) == 3 + 4
    r = random.Random(0)   # common.with_backoff: base 1 s doubling, jitter [0.5, 1], seed 0
    expected = [1 * r.uniform(0.5, 1), 2 * r.uniform(0.5, 1), 4 * r.uniform(0.5, 1)]
    assert sleeps[:3] == pytest.approx(expected)
    assert sleeps[3:] == [5.0]
    assert o.requests == 3 + 5


def test_service_unavailable_is_retried_like_throttling(fake, tmp_path):
    fake.throttle_first, fake.throttle_status = 2, 503
    sleeps = []
    (o,) = fetch(fake, tmp_path, [MYI], sleeps=sleeps)
    assert o.status == "written"
    assert len(sleeps) == 2 + 1 and o.requests == 2 + 5


def test_throttled_for_good_is_a_failed_report_and_the_next_goes_on(fake, tmp_path):
    fake.throttle_first = 7          # createReport of the first report: 1 + 6 retries
    sleeps = []
    a, b = fetch(fake, tmp_path, [ORDERS, MYI], sleeps=sleeps)
    assert a.status == "failed" and "still throttled after 6 retries" in a.detail
    assert "QuotaExceeded" in a.detail
    assert a.requests == 7
    assert b.status == "written"
    assert len(sleeps) == 6 + 1


def test_fatal_report_fails_and_the_others_continue(fake, tmp_path):
    fake.fatal = {ORDERS}
    a, b = fetch(fake, tmp_path, [ORDERS, MYI])
    assert (a.report_type, a.status) == (ORDERS, "failed")
    assert "FATAL" in a.detail
    assert b.status == "written"
    assert files(tmp_path / "acme" / "US") == ["Manage FBA Inventory 2026-10-26.txt"]


def test_report_stuck_in_progress_times_out(fake, tmp_path):
    fake.stuck = {MYI}
    sleeps = []
    (o,) = fetch(fake, tmp_path, [MYI], sleeps=sleeps, poll_interval=5, timeout_s=30)
    assert o.status == "failed" and "timed out: still IN_PROGRESS after 30 s" in o.detail
    # 5, then x1.5 each time, the last one cut to the 30 s budget
    assert sleeps == [5, 7.5, 11.25, 6.25]
    assert files(tmp_path / "acme" / "US") == []


@pytest.mark.parametrize("old", [None, b"old download\n"])
def test_interrupted_download_leaves_no_partial_file(fake, tmp_path, old):
    folder = tmp_path / "acme" / "US"
    folder.mkdir(parents=True)
    old_name = "All Orders 2026-10-01..2026-10-15.txt"
    if old:
        (folder / old_name).write_bytes(old)
    fake.interrupt = {ORDERS}
    (o,) = fetch(fake, tmp_path, [ORDERS])
    assert o.status == "failed" and "interrupted" in o.detail
    # every file, hidden ones included: no partial download anywhere
    assert files(folder) == ([old_name] if old else [])
    if old:
        assert (folder / old_name).read_bytes() == old


def test_rerun_with_nothing_new_requests_nothing(fake, tmp_path):
    first = fetch(fake, tmp_path, [r.report_type for r in SP_REPORTS],
                  since=date(2026, 9, 1))
    assert {o.status for o in first} == {"written"}
    # 6 monthly reports x 2 months, sales and traffic over the whole span, 4 snapshots
    assert len(first) == 6 * 2 + 1 + 4
    n = len(fake.requests)
    again = fetch(fake, tmp_path, [r.report_type for r in SP_REPORTS], since=None,
                  now=NOW.replace(hour=23))
    assert len(fake.requests) == n           # the server saw nothing
    assert {o.status for o in again} == {"skipped"}
    assert sum(o.requests for o in again) == 0


def test_month_is_refetched_until_its_restatement_window_has_passed(fake, tmp_path):
    folder = tmp_path / "acme" / "US"
    window = RESTATEMENT_DAYS[ORDERS]
    # mid-October: October up to yesterday
    (o,) = fetch(fake, tmp_path, [ORDERS], now=datetime(2026, 10, 20, 20, tzinfo=UTC))
    assert o.path.endswith("All Orders 2026-10-01..2026-10-19.txt")
    partial = (folder / "All Orders 2026-10-01..2026-10-19.txt").read_bytes()
    # November 5th: October is whole now; the file is replaced, not added beside
    outs = fetch(fake, tmp_path, [ORDERS], since=None, now=datetime(2026, 11, 5, 20, tzinfo=UTC))
    assert [(o.start, o.end, o.status) for o in outs] == [
        (date(2026, 10, 1), date(2026, 10, 31), "written"),
        (date(2026, 11, 1), date(2026, 11, 4), "written")]
    assert "fetched up to 2026-10-19" in outs[0].detail
    assert files(folder) == ["All Orders 2026-10-01..2026-10-31.txt",
                             "All Orders 2026-11-01..2026-11-04.txt"]
    whole = (folder / "All Orders 2026-10-01..2026-10-31.txt").read_bytes()
    assert whole.startswith(partial) and len(whole) > len(partial)
    # fetched on Nov 5, less than `window` days after Oct 31: asked again on the last day of
    # the window, not any more the day after it
    last = date(2026, 10, 31).toordinal() + window           # Nov 14
    day = datetime.fromordinal(last).replace(hour=20, tzinfo=UTC)
    outs = fetch(fake, tmp_path, [ORDERS], since=None, now=day)
    october = [o for o in outs if o.start == date(2026, 10, 1)]
    assert october and october[0].status == "written" and "restatement" in october[0].detail
    outs = fetch(fake, tmp_path, [ORDERS], since=None,
                 now=datetime.fromordinal(last + 1).replace(hour=20, tzinfo=UTC))
    assert not [o for o in outs if o.start == date(2026, 10, 1)]


def test_sales_and_traffic_is_one_file_over_the_whole_span(fake, tmp_path):
    """Its by-ASIN section totals the requested period, and the data folder keeps one total
    per ASIN: one file from the first day to yesterday, replaced as days are added."""
    st = "GET_SALES_AND_TRAFFIC_REPORT"
    folder = tmp_path / "acme" / "US"
    (o,) = fetch(fake, tmp_path, [st], since=date(2025, 5, 1))
    assert (o.start, o.end) == (date(2025, 5, 1), date(2026, 10, 31))
    doc = json.loads((tmp_path / o.path).read_bytes())
    src = json.loads((SAMPLE / "US" / "sales-and-traffic.json").read_bytes())
    # the request covers the sample's whole period: by date and by ASIN as in the sample
    assert doc["salesAndTrafficByDate"] == src["salesAndTrafficByDate"]
    assert doc["salesAndTrafficByAsin"] == src["salesAndTrafficByAsin"]
    (o,) = fetch(fake, tmp_path, [st], since=None, now=datetime(2026, 11, 3, 20, tzinfo=UTC))
    assert (o.start, o.end, o.status) == (date(2025, 5, 1), date(2026, 11, 2), "written")
    assert files(folder) == ["sales-and-traffic 2025-05-01..2026-11-02.json"]


def test_cancelled_report_is_no_data_and_not_asked_again(fake, tmp_path):
    fake.cancelled = {FBA_RETURNS}
    (o,) = fetch(fake, tmp_path, [FBA_RETURNS])
    assert o.status == "no_data"
    folder = tmp_path / "acme" / "US"
    # a hidden marker the data folder never reads
    assert files(folder) == [".FBA customer returns 2026-10-01..2026-10-31.nodata"]
    n = len(fake.requests)
    (o,) = fetch(fake, tmp_path, [FBA_RETURNS], now=NOW.replace(hour=23))
    assert o.status == "skipped" and len(fake.requests) == n


def test_refused_credentials_fail_the_profile_after_one_token_request(fake, tmp_path):
    outs = fetch(fake, tmp_path, [ORDERS, MYI], prof=profile(fake, secret="wrong-secret-xyz"))
    assert [o.status for o in outs] == ["failed", "failed"]
    assert "Login with Amazon refused the credentials (HTTP 400, invalid_grant)" in \
        outs[0].detail
    assert outs[1].detail.startswith("not requested: Login with Amazon refused")
    assert fake.api_calls() == [("POST", "/auth/o2/token")]


CREDS = """\
version: '1.0'
acme-na:
  seller: acme
  region: NA
  marketplaces: [US]
  refresh_token: env:ACME_RT
  lwa_app_id: {app}
  lwa_client_secret: {secret}
  endpoints: {{sp_api: "{url}", token: "{token}"}}
"""


def run_cli(fake, tmp_path, *extra, secret=SECRET, env_rt=RT):
    cred = tmp_path / "creds.yml"
    cred.write_text(CREDS.format(app=APP, secret=secret, url=fake.url, token=fake.token_url))
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    os.environ["ACME_RT"] = env_rt
    try:
        return cli.main(["fetch", "--data", str(data), "--credentials", str(cred),
                         "--since", "2026-10-01", "--now", NOW.isoformat(),
                         "--poll-interval", "0.01", *extra]), data
    finally:
        del os.environ["ACME_RT"]


def test_cli_exit_codes_and_summary(fake, tmp_path, capsys):
    fake.fatal = {ORDERS}
    code, data = run_cli(fake, tmp_path)
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[1].startswith("failed   acme     US  " + ORDERS)
    assert "10 written, 0 no data, 0 up to date, 1 failed" in out
    fake.fatal = set()
    code, _ = run_cli(fake, tmp_path)
    out = capsys.readouterr().out
    assert code == 0
    assert "1 written, 0 no data, 10 up to date, 0 failed" in out


@pytest.mark.parametrize("args, msg", [
    (["--since", "2026-13-01"], "bad argument"),
    (["--seller", "globex"], "--seller 'globex': no profile"),
    (["--ads-reports", "spCampaigns,spFoo"], "--ads-reports: unknown ['spFoo']"),
])
def test_cli_bad_arguments_exit_2(fake, tmp_path, capsys, args, msg):
    code, data = run_cli(fake, tmp_path, *args)
    assert code == 2
    assert msg in capsys.readouterr().err
    assert fake.requests == [] and list(data.iterdir()) == []


def test_cli_bad_credentials_file_exit_2_names_file_and_key(tmp_path, capsys, monkeypatch):
    cred = tmp_path / "creds.yml"
    cred.write_text(f"acme:\n  seller: acme\n  region: NA\n  marketplaces: [US]\n"
                    f"  refresh_token: {RT}\n  lwa_app_id: app\n")
    for k in ("LWA_CLIENT_SECRET", "POSTSHIP_CREDENTIALS"):
        monkeypatch.delenv(k, raising=False)
    (tmp_path / "data").mkdir()
    code = cli.main(["fetch", "--data", str(tmp_path / "data"), "--credentials", str(cred)])
    err = capsys.readouterr().err
    assert code == 2
    assert str(cred) in err and "profile 'acme'" in err and "'lwa_client_secret'" in err
    assert RT not in err
    # default file: $POSTSHIP_CREDENTIALS, else postship-credentials.yml in the working folder
    monkeypatch.chdir(tmp_path)
    assert cli.main(["fetch", "--data", "data"]) == 2
    assert "'postship-credentials.yml' not found" in capsys.readouterr().err
    monkeypatch.setenv("POSTSHIP_CREDENTIALS", str(cred))
    assert cli.main(["fetch", "--data", "data"]) == 2
    assert "'lwa_client_secret'" in capsys.readouterr().err


def test_no_secret_in_any_output_log_or_file(fake, tmp_path, capsys, caplog):
    """Distinctive secrets (the file's, the environment's and the access tokens the server
    issued) appear nowhere: stdout, stderr, log records at DEBUG, any file written."""
    caplog.set_level(logging.DEBUG)
    fake.fatal = {ORDERS}
    fake.interrupt = {MYI}
    fake.throttle_first = 2
    code, data = run_cli(fake, tmp_path)
    assert code == 1
    # and once with refused credentials (error paths print more)
    from sp_api.auth import access_token_client

    access_token_client.cache.clear()
    code2, _ = run_cli(fake, tmp_path, "--now", "2026-11-02T20:00:00+00:00",
                       secret="LWA-WRONG-SECRET-p0o9i8")
    assert code2 == 1
    cap = capsys.readouterr()
    texts = everything_written(cap, caplog, data)
    secrets = [RT, SECRET, "LWA-WRONG-SECRET-p0o9i8", *fake.tokens]
    assert len(fake.tokens) >= 1
    assert "Login with Amazon refused" in cap.out
    for s in secrets:
        for t in texts:
            assert s not in t


CREDS_ADS = CREDS.replace('token: "{token}"}}',
                          'token: "{token}", ads_api: "{ads_url}", ads_token: "{ads_token}"}}'
                          ) + """\
  ads:
    client_id: {ads_id}
    client_secret: env:ACME_ADS_SECRET
    refresh_token: "{ads_rt}"
    profile_id: {{US: 111}}
"""


def test_no_secret_anywhere_with_the_ads_api_too(fake, tmp_path, capsys, caplog):
    """Both APIs, failures on both sides, every file (the bulk workbook unzipped)."""
    pytest.importorskip("ad_api")
    from fake_adsapi import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeAdsApi

    caplog.set_level(logging.DEBUG)
    fake.fatal = {ORDERS}
    with FakeAdsApi({"111": SAMPLE / "US"}, throttle_first=1, retry_after=0,
                    cut_downloads={"spAdvertisedProduct"}) as ads:
        cred = tmp_path / "creds.yml"
        cred.write_text(CREDS_ADS.format(app=APP, secret=SECRET, url=fake.url,
                                         token=fake.token_url, ads_url=ads.endpoint,
                                         ads_token=ads.token_url, ads_id=CLIENT_ID,
                                         ads_rt=REFRESH_TOKEN))
        data = tmp_path / "data"
        data.mkdir()
        os.environ.update(ACME_RT=RT, ACME_ADS_SECRET=CLIENT_SECRET)
        try:
            code = cli.main(["fetch", "--data", str(data), "--credentials", str(cred),
                             "--since", "2026-10-01", "--now", NOW.isoformat(),
                             "--poll-interval", "0.01", "--ads-reports",
                             "spCampaigns,spAdvertisedProduct"])
        finally:
            del os.environ["ACME_RT"], os.environ["ACME_ADS_SECRET"]
        assert len(ads.requests) > 3
    assert code == 1
    cap = capsys.readouterr()
    assert "spCampaigns" in cap.out and "ads-api" not in cap.err
    assert any(p.name.startswith("spCampaigns 2026-10-01") for p in data.rglob("*"))
    texts = everything_written(cap, caplog, data)
    for s in [RT, SECRET, *fake.tokens, CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN]:
        for t in texts:
            assert s not in t
