"""``postship_analysis.fetch.adsapi`` against the local Ads API stand-in (tests/fake_adsapi.py)
serving the sample's Sponsored Products files: reports, incremental rule, failures, the bulk
download from exports, and that no secret leaks."""

from __future__ import annotations

import gzip
import json
import logging
import os
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE
from fake_adsapi import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeAdsApi

from postship_analysis import datafolder
from postship_analysis.errors import PostshipError
from postship_analysis.fetch import adsapi
from postship_analysis.fetch.adsapi import fetch_ads
from postship_analysis.fetch.common import FETCH_LOG
from postship_analysis.fetch.credentials import AdsCredentials
from postship_analysis.readers.ads import read_ads_api
from postship_analysis.readers.bulk import read_bulk_sp

pytest.importorskip("ad_api")

US = SAMPLE / "sample-seller" / "US"
PID = "3141592653"
#: 2026-11-01 05:00 in Los Angeles: "today" is Nov 1, yesterday Oct 31 (the sample's last day)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SINCE = date(2026, 8, 1)
DETECTED = {"spCampaigns": "ads_api_campaigns", "spAdvertisedProduct": "ads_api_advertised_product",
            "spSearchTerm": "ads_api_search_term", "spTargeting": "ads_api_targeting"}
LEVEL = {"spCampaigns": "campaign", "spAdvertisedProduct": "advertised_product",
         "spSearchTerm": "search_term", "spTargeting": "targeting"}


def creds(api, **kw):
    base = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN,
                profile_id={"US": PID}, endpoint=api.endpoint, token_url=api.token_url)
    return AdsCredentials(**{**base, **kw})


def run(api, folder, *, now=NOW, since=SINCE, sleeps=None, **kw):
    sleeps = [] if sleeps is None else sleeps
    kw.setdefault("bulk", False)
    return fetch_ads(creds(api), "acme", "US", folder, now=now, since=since,
                     poll_interval=1.0, timeout_s=30, sleep=sleeps.append, **kw)


@pytest.fixture()
def folder(tmp_path):
    return tmp_path / "DATA" / "acme" / "US"


def sample_rows(name: str) -> list[dict]:
    return json.loads(gzip.decompress((US / f"{name}.json.gz").read_bytes()))


def file_rows(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw[:2] == b"\x1f\x8b", "kept gzipped, as the API delivers it"
    return json.loads(gzip.decompress(raw))


# ---------------------------------------------------------------------------------------------
# Happy path
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rt", list(adsapi.REPORTS))
def test_each_report_type_written_recognised_and_read(rt, folder):
    with FakeAdsApi({PID: US}) as api:
        out = run(api, folder, report_types=(rt,))
        served = {r["reportId"]: api.served[r["reportId"]] for r in api.reports.values()}
        creates = [r for r in api.requests if r["path"] == "/reporting/reports"]
    assert [(o.start, o.end, o.status) for o in out] == [
        (date(2026, 8, 1), date(2026, 8, 31), "written"),
        (date(2026, 9, 1), date(2026, 9, 30), "written"),
        (date(2026, 10, 1), date(2026, 10, 31), "written")]
    # the documented request: headers, DAILY GZIP_JSON, one calendar month each
    for r in creates:
        assert r["headers"]["Amazon-Advertising-API-Scope"] == PID
        assert r["headers"]["Amazon-Advertising-API-ClientId"] == CLIENT_ID
        assert r["headers"]["Content-Type"] == "application/vnd.createasyncreportrequest.v3+json"
        body = json.loads(r["body"])
        conf = body["configuration"]
        assert (conf["reportTypeId"], conf["timeUnit"], conf["format"], conf["adProduct"]) == (
            rt, "DAILY", "GZIP_JSON", "SPONSORED_PRODUCTS")
        assert {"date", "clicks", "cost", "impressions", "sales7d", "purchases7d"} <= set(
            conf["columns"])
    files = sorted(p for p in folder.iterdir() if p.name != FETCH_LOG)
    assert [f.name for f in files] == [f"{rt} 2026-08-01..2026-08-31.json.gz",
                                      f"{rt} 2026-09-01..2026-09-30.json.gz",
                                      f"{rt} 2026-10-01..2026-10-31.json.gz"]
    assert sorted(o.path for o in out) == [f"acme/US/{f.name}" for f in files]
    # the rows in each file are the rows the server served for that month
    for (_rid, rows), f in zip(sorted(served.items()), files, strict=True):
        assert file_rows(f) == rows
        assert rows and all(f.name[len(rt) + 1:len(rt) + 8] == r["date"][:7] for r in rows)
    # recognised by the data folder as the right report, read by the ads reader
    found = {f.path.name: f.report_type for f in datafolder.discover(folder.parents[1])}
    assert set(found.values()) == {DETECTED[rt]}
    for f in files:
        res = read_ads_api(f, marketplace="US")
        rows = file_rows(f)
        assert res.accepted == len(rows) and len(res.quarantine) == 0
        assert set(res.data["report_level"]) == {LEVEL[rt]}
        assert res.data["spend"].sum() == pytest.approx(sum(r["cost"] for r in rows))
        assert res.data["sales"].sum() == pytest.approx(sum(r["sales7d"] for r in rows))


def test_fetched_campaign_reports_equal_the_sample_file(folder):
    """Independent check of what the fake served: the fetched months hold exactly the
    sample's spCampaigns rows (same records, the requested columns are all the file has)."""
    with FakeAdsApi({PID: US}) as api:
        run(api, folder, report_types=("spCampaigns",))
    got = [r for f in sorted(folder.glob("spCampaigns *")) for r in file_rows(f)]
    want = sample_rows("spCampaigns")
    key = lambda r: (r["date"], r["campaignId"])  # noqa: E731
    assert sorted(got, key=key) == sorted(want, key=key)
    ads = datafolder.load(folder.parents[1]).table("ads")
    assert ads["spend"].sum() == pytest.approx(sum(r["cost"] for r in want))


def test_search_terms_match_the_console_download(folder):
    """The fake serves the sample's console search-term report as spSearchTerm records: the
    fetched folder reads to the same spend, sales and terms as the console file."""
    from postship_analysis.readers.ads import read_ads_console

    with FakeAdsApi({PID: US}) as api:
        run(api, folder, report_types=("spSearchTerm",))
    fetched = datafolder.load(folder.parents[1]).table("ads")
    console = read_ads_console(US / "Sponsored Products Search term report.csv",
                               marketplace="US").data
    assert len(fetched) == len(console)
    assert fetched["spend"].sum() == pytest.approx(console["spend"].sum())
    assert fetched["sales"].sum() == pytest.approx(console["sales"].sum())
    assert fetched["orders"].sum() == console["orders"].sum()
    assert set(fetched["search_term"]) == set(console["search_term"])


# ---------------------------------------------------------------------------------------------
# Throttling, failures, timeouts, interrupted downloads
# ---------------------------------------------------------------------------------------------


def test_throttling_waits_retry_after_then_succeeds(folder):
    sleeps: list[float] = []
    with FakeAdsApi({PID: US}, throttle_first=3, retry_after=7) as api:
        out = run(api, folder, sleeps=sleeps, report_types=("spCampaigns",))
        codes = [r["path"] for r in api.api_requests()]
    assert [o.status for o in out] == ["written"] * 3
    assert sleeps[:3] == [7.0, 7.0, 7.0]            # Retry-After honoured, via injected sleep
    assert codes.count("/reporting/reports") == 3 + 3  # 3 throttled + 3 accepted creations
    assert out[0].requests >= 4


def test_failed_report_is_named_and_the_others_continue(folder):
    with FakeAdsApi({PID: US}, fail_reports={"spSearchTerm"}) as api:
        out = run(api, folder, report_types=("spCampaigns", "spSearchTerm"))
    failed = [o for o in out if o.status == "failed"]
    assert {o.report_type for o in failed} == {"spSearchTerm"} and len(failed) == 3
    assert all("FAILED" in o.detail and "Internal error generating report" in o.detail
               for o in failed)
    assert sum(o.status == "written" for o in out) == 3
    assert not list(folder.glob("spSearchTerm*"))


def test_report_that_never_completes_times_out(folder):
    sleeps: list[float] = []
    with FakeAdsApi({PID: US}, never_complete={"spCampaigns"}) as api:
        out = fetch_ads(creds(api), "acme", "US", folder, now=NOW, since=SINCE,
                        poll_interval=1.0, timeout_s=10, sleep=sleeps.append, bulk=False,
                        report_types=("spCampaigns", "spAdvertisedProduct"))
    camp = [o for o in out if o.report_type == "spCampaigns"]
    assert [o.status for o in camp] == ["failed"] * 3
    assert all("not ready after 10 s" in o.detail and "PROCESSING" in o.detail for o in camp)
    assert [o.status for o in out if o.report_type == "spAdvertisedProduct"] == ["written"] * 3
    # waits grow 1, 1.5, 2.25 ... and stop once 10 s were waited
    assert sleeps[:3] == [1.0, 1.5, 2.25]
    assert sum(sleeps[:-1]) < 10 <= sum(sleeps)


def test_interrupted_download_leaves_no_partial_file(folder):
    folder.mkdir(parents=True)
    old = folder / "spCampaigns 2026-10-01..2026-10-20.json.gz"
    old.write_bytes(gzip.compress(b"[]"))
    before = old.read_bytes()
    with FakeAdsApi({PID: US}, cut_downloads={"spCampaigns"}) as api:
        out = run(api, folder, report_types=("spCampaigns", "spAdvertisedProduct"))
    camp = [o for o in out if o.report_type == "spCampaigns"]
    assert [o.status for o in camp] == ["failed"] * 3
    assert all("broke off" in o.detail and "nothing written" in o.detail for o in camp)
    names = sorted(p.name for p in folder.iterdir() if p.name != FETCH_LOG)
    assert names == sorted([old.name] + [f"spAdvertisedProduct 2026-{m}.json.gz" for m in (
        "08-01..2026-08-31", "09-01..2026-09-30", "10-01..2026-10-31")])
    assert old.read_bytes() == before                # the old file is untouched


def test_duplicate_request_425_polls_the_report_it_names(folder):
    """Amazon answers a create with 425 "The Request is a duplicate of : <reportId>" when it
    already accepted the same request (e.g. during a throttled retry): that report is the
    one asked for, so it is polled and written; the rows equal the sample's."""
    with FakeAdsApi({PID: US}, duplicate_reports={"spCampaigns"}) as api:
        out = run(api, folder, report_types=("spCampaigns",))
        polled = {r["path"].rsplit("/", 1)[-1] for r in api.api_requests()
                  if r["method"] == "GET" and r["path"].startswith("/reporting/reports/")}
        created = set(api.reports)
    assert [o.status for o in out] == ["written"] * 3
    assert polled == created and len(created) == 3   # the named reports, each polled
    got = [r for f in sorted(folder.glob("spCampaigns *")) for r in file_rows(f)]
    key = lambda r: (r["date"], r["campaignId"])  # noqa: E731
    assert sorted(got, key=key) == sorted(sample_rows("spCampaigns"), key=key)


def test_425_naming_no_report_fails_that_report_and_the_next_run_asks_again(folder):
    with FakeAdsApi({PID: US}, too_early_reports={"spCampaigns"}) as api:
        out = run(api, folder, report_types=("spCampaigns", "spAdvertisedProduct"))
    camp = [o for o in out if o.report_type == "spCampaigns"]
    assert [o.status for o in camp] == ["failed"] * 3
    assert all("HTTP 425" in o.detail and "next run" in o.detail for o in camp)
    assert not list(folder.glob("spCampaigns*"))
    assert sum(o.status == "written" for o in out) == 3   # spAdvertisedProduct continued
    with FakeAdsApi({PID: US}) as api:
        again = run(api, folder, report_types=("spCampaigns", "spAdvertisedProduct"))
    assert sorted((o.report_type, o.status) for o in again) == sorted(
        [("spCampaigns", "written")] * 3 + [("spAdvertisedProduct", "skipped")] * 3)


def test_portfolio_list_failure_writes_the_bulk_file_without_portfolio_names(folder):
    """Names are informational in a bulk file (the upload keys on ids): a failed
    ``/portfolios/list`` leaves them blank and says so; ids and bids are unchanged."""
    with FakeAdsApi({PID: US}, fail_portfolios=True) as api:
        out = run(api, folder, report_types=(), bulk=True)
    (o,) = out
    assert o.status == "written"
    assert "portfolio names not available" in o.detail and "HTTP 500" in o.detail
    got = read_bulk_sp(folder / "Bulk operations US 2026-11-01.xlsx", marketplace="US").data
    want = read_bulk_sp(US / "Bulk operations US.xlsx", marketplace="US").data
    assert want["portfolio_name"].notna().any()      # the sample names its portfolio
    assert got["portfolio_name"].isna().all()
    key = ["entity", "campaign_id", "ad_group_id", "ad_id", "keyword_id",
           "product_targeting_id", "placement"]
    a = want.drop(columns="portfolio_name").sort_values(key).reset_index(drop=True)
    b = got.drop(columns="portfolio_name").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(b, a)


# ---------------------------------------------------------------------------------------------
# Incremental rule
# ---------------------------------------------------------------------------------------------


def test_rerun_with_nothing_new_makes_no_request(folder):
    with FakeAdsApi({PID: US}) as api:
        first = run(api, folder, bulk=True)
    assert {o.status for o in first} == {"written"}
    with FakeAdsApi({PID: US}) as api2:
        again = run(api2, folder, bulk=True)
        assert api2.requests == []                   # not even a token
    assert {o.status for o in again} == {"skipped"}
    assert all(o.requests == 0 for o in again)


def test_period_without_activity_is_written_empty_and_not_asked_again(folder):
    """Nov 1-2 have no advertising in the sample: Amazon's empty list is written, the data
    folder recognises it by name and reads zero rows, and a rerun asks for nothing."""
    now = datetime(2026, 11, 3, 12, tzinfo=UTC)
    with FakeAdsApi({PID: US}) as api:
        out = run(api, folder, now=now, report_types=("spCampaigns",))
    nov = out[-1]
    assert (nov.start, nov.end, nov.status) == (date(2026, 11, 1), date(2026, 11, 2), "written")
    assert "no rows" in nov.detail
    empty = folder / "spCampaigns 2026-11-01..2026-11-02.json.gz"
    assert file_rows(empty) == []
    found = {f.path.name: (f.report_type, f.problem, f.note)
             for f in datafolder.discover(folder.parents[1])}
    assert found[empty.name] == ("ads_api_campaigns", "", "")
    inputs = datafolder.load(folder.parents[1])
    assert not inputs.errors and len(inputs.table("ads")) == len(sample_rows("spCampaigns"))
    with FakeAdsApi({PID: US}) as api:
        again = run(api, folder, now=now, report_types=("spCampaigns",))
        assert api.requests == []
    assert {o.status for o in again} == {"skipped"}


def test_without_derived_targeting_the_folder_has_the_samples_levels(folder):
    """``derive_targeting=False`` (for end-to-end comparisons with the sample, which has no
    targeting report): spTargeting months come back empty, the ads table holds the
    sample's levels only."""
    with FakeAdsApi({PID: US}, derive_targeting=False) as api:
        out = run(api, folder)
    assert {o.status for o in out} == {"written"}
    assert all(file_rows(p) == [] for p in folder.glob("spTargeting *"))
    levels = set(datafolder.load(folder.parents[1]).table("ads")["report_level"])
    assert levels == {"campaign", "advertised_product", "search_term"}


def test_mid_month_file_is_replaced_by_the_whole_month(folder):
    with FakeAdsApi({PID: US}) as api:
        run(api, folder, now=datetime(2026, 10, 20, 18, tzinfo=UTC),
            report_types=("spCampaigns",))
    assert (folder / "spCampaigns 2026-10-01..2026-10-19.json.gz").is_file()
    with FakeAdsApi({PID: US}) as api:
        out = run(api, folder, report_types=("spCampaigns",))
        asked = [json.loads(r["body"])["startDate"] for r in api.api_requests()
                 if r["path"] == "/reporting/reports"]
    # Aug was written on Oct 20, more than 35 days after Aug 31: kept; Sep and Oct asked
    assert asked == ["2026-09-01", "2026-10-01"]
    octo = [o for o in out if o.start == date(2026, 10, 1)][0]
    assert octo.status == "written" and "replaces spCampaigns 2026-10-01..2026-10-19" in octo.detail
    assert sorted(p.name for p in folder.glob("spCampaigns 2026-10*")) == [
        "spCampaigns 2026-10-01..2026-10-31.json.gz"]
    # no day counted twice: the folder's campaign rows are the sample's, once each
    ads = datafolder.load(folder.parents[1]).table("ads")
    want = sample_rows("spCampaigns")
    assert len(ads) == len(want)
    assert ads["spend"].sum() == pytest.approx(sum(r["cost"] for r in want))


def test_restatement_window_refetches_recent_months_only(tmp_path):
    plan_day = datetime(2026, 11, 10, 12, tzinfo=UTC)
    folder_path = tmp_path / "US"
    folder_path.mkdir()
    written = datetime(2026, 11, 1, 12, tzinfo=UTC).timestamp()

    for m in ("2026-08-01..2026-08-31", "2026-09-01..2026-09-30", "2026-10-01..2026-10-31"):
        p = folder_path / f"spCampaigns {m}.json.gz"
        p.write_bytes(gzip.compress(b"[]"))
        os.utime(p, (written, written))
    plan = adsapi.plan_reports(folder_path, "US", now=plan_day, since=SINCE,
                               report_types=("spCampaigns",))
    got = {(p.period.start, p.request) for p in plan}
    # Aug: written Nov 1 >= Aug 31 + 35 (Oct 5): final. Sep: Nov 1 < Sep 30 + 35 (Nov 4): again.
    # Oct: inside the window: again. Nov 1..9: new.
    assert got == {(date(2026, 8, 1), False), (date(2026, 9, 1), True),
                   (date(2026, 10, 1), True), (date(2026, 11, 1), True)}
    nov = [p for p in plan if p.period.start == date(2026, 11, 1)][0]
    assert nov.period.end == date(2026, 11, 9)       # up to yesterday, marketplace time


def test_restatement_survives_a_copy_that_loses_file_times(tmp_path, caplog):
    """The fetch log keeps when each month was fetched: a folder copied without its file
    times (``cp`` without ``-p``) plans the same requests as the original. Without the log
    (or with an unreadable one, which is said) the file times decide, as before."""
    import shutil

    from postship_analysis.fetch.common import record_fetched

    plan_day = datetime(2026, 11, 10, 12, tzinfo=UTC)
    src = tmp_path / "orig" / "US"
    src.mkdir(parents=True)
    for m in ("2026-08-01..2026-08-31", "2026-09-01..2026-09-30", "2026-10-01..2026-10-31"):
        p = src / f"spCampaigns {m}.json.gz"
        p.write_bytes(gzip.compress(b"[]"))
        record_fetched(p, datetime(2026, 11, 1, 12, tzinfo=UTC))

    def plan(folder):
        return {(p.period.start, p.request) for p in adsapi.plan_reports(
            folder, "US", now=plan_day, since=SINCE, report_types=("spCampaigns",))}

    # Aug final (Nov 1 >= Aug 31 + 35); Sep, Oct inside their windows; Nov new
    want = {(date(2026, 8, 1), False), (date(2026, 9, 1), True), (date(2026, 10, 1), True),
            (date(2026, 11, 1), True)}
    assert plan(src) == want
    copy = tmp_path / "copy" / "US"
    shutil.copytree(src, copy, copy_function=shutil.copy)      # file times not kept
    later = datetime(2026, 11, 9, 12, tzinfo=UTC).timestamp()  # the day of the copy
    for p in copy.iterdir():
        os.utime(p, (later, later))
    assert plan(copy) == want
    # without the log, the copy's times make September look fetched after its window
    (copy / FETCH_LOG).unlink()
    assert plan(copy) == {*want - {(date(2026, 9, 1), True)}, (date(2026, 9, 1), False)}
    (copy / FETCH_LOG).write_text("{not json")
    with caplog.at_level(logging.WARNING):
        assert (date(2026, 9, 1), False) in plan(copy)
    assert "unreadable" in caplog.text and FETCH_LOG in caplog.text


def test_since_before_retention_is_clamped_with_a_note(folder):
    plan = adsapi.plan_reports(folder, "US", now=NOW, since=date(2025, 1, 1),
                               report_types=("spCampaigns",))
    # Nov 1 - 94 days = Jul 30
    assert plan[0].period == adsapi.Period(date(2026, 7, 30), date(2026, 7, 31))
    assert "95-day retention" in plan[0].note and "2026-07-30" in plan[0].note


# ---------------------------------------------------------------------------------------------
# Credentials and secrets
# ---------------------------------------------------------------------------------------------


def _everything_written(root: Path) -> str:
    parts = []
    for p in root.rglob("*"):
        if p.is_file():
            raw = p.read_bytes()
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            if raw[:2] == b"PK":
                with zipfile.ZipFile(p) as z:
                    raw = b"".join(z.read(n) for n in z.namelist())
            parts.append(raw.decode("utf-8", "replace"))
    return "\n".join(parts)


def test_no_secret_in_outcomes_logs_output_or_files(folder, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    with FakeAdsApi({PID: US}, throttle_first=2, fail_reports={"spTargeting"},
                    cut_downloads={"spSearchTerm"}) as api:
        out = run(api, folder, bulk=True)
    assert {o.status for o in out} == {"written", "failed"}
    cap = capsys.readouterr()
    text = "\n".join([repr(out), caplog.text, cap.out, cap.err,
                      _everything_written(folder.parents[1])])
    assert "spCampaigns" in text and "Internal error" in text   # the text is really there
    for secret in (CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN):
        assert secret not in text


@pytest.mark.parametrize("wrong", ["refresh_token", "client_secret"])
def test_refused_credentials_raise_naming_the_profile_not_the_secret(folder, wrong, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeAdsApi({PID: US}) as api:
        bad = creds(api, **{wrong: "WRONG-" + wrong.upper() + "-5ec7e7"})
        with pytest.raises(PostshipError) as e:
            fetch_ads(bad, "acme", "US", folder, now=NOW, since=SINCE, sleep=lambda s: None,
                      profile="acme-na")
    msg = str(e.value)
    assert "acme-na" in msg and "US" in msg and PID in msg and "Login with Amazon" in msg
    for secret in ("WRONG-" + wrong.upper() + "-5ec7e7", CLIENT_SECRET, REFRESH_TOKEN):
        assert secret not in msg and secret not in caplog.text
    assert not folder.exists() or not any(folder.iterdir())


def test_profile_the_ads_api_refuses_raises(folder):
    with FakeAdsApi({"999": US}) as api:            # the server knows another profile
        with pytest.raises(PostshipError, match=r"acme-na.*refused the request \(HTTP 401"):
            fetch_ads(creds(api), "acme", "US", folder, now=NOW, since=SINCE,
                      sleep=lambda s: None, profile="acme-na")


def test_marketplace_without_profile_id_raises(folder):
    with FakeAdsApi({PID: US}) as api:
        with pytest.raises(PostshipError, match="no Ads API profile_id for marketplace DE"):
            fetch_ads(creds(api), "acme", "DE", folder, now=NOW, since=SINCE,
                      sleep=lambda s: None)


# ---------------------------------------------------------------------------------------------
# Bulk-operations download from exports
# ---------------------------------------------------------------------------------------------


def test_bulk_download_from_exports_reads_like_the_sample_download(folder):
    with FakeAdsApi({PID: US}) as api:
        out = run(api, folder, report_types=(), bulk=True)
        api_paths = api.api_requests()
        exports = [r for r in api_paths if r["path"].endswith("/export")]
    assert [(o.report_type, o.status) for o in out] == [(adsapi.BULK, "written")]
    assert sorted(r["path"] for r in exports) == ["/adGroups/export", "/ads/export",
                                                 "/campaigns/export", "/targets/export"]
    lists = [r for r in api_paths if r["path"] == "/portfolios/list"]
    assert len(lists) == 1 and json.loads(lists[0]["body"]) == {
        "portfolioIdFilter": {"include": ["987651"]}}
    path = folder / "Bulk operations US 2026-11-01.xlsx"
    assert [f.report_type for f in datafolder.discover(folder.parents[1])] == ["ads_bulk_sp"]
    assert datafolder.workbook_created(path) == pd.Timestamp("2026-11-01 12:00:00")
    got = read_bulk_sp(path, marketplace="US")
    want = read_bulk_sp(US / "Bulk operations US.xlsx", marketplace="US")
    assert got.accepted == want.accepted and len(got.quarantine) == 0
    key = ["entity", "campaign_id", "ad_group_id", "ad_id", "keyword_id",
           "product_targeting_id", "placement"]
    a = want.data.sort_values(key).reset_index(drop=True)
    b = got.data.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(b, a)


def test_bulk_upload_rows_carry_the_download_ids(folder):
    """A bid change built from the fetched download addresses the same keyword ids as one
    built from the sample's manual download."""
    from postship_analysis import bulksheet

    with FakeAdsApi({PID: US}) as api:
        run(api, folder, report_types=(), bulk=True)
    fetched = read_bulk_sp(folder / "Bulk operations US 2026-11-01.xlsx", marketplace="US").data
    manual = read_bulk_sp(US / "Bulk operations US.xlsx", marketplace="US").data

    def upload(ent):
        kw = ent[ent["entity"] == "Keyword"].sort_values("keyword_id").head(3)
        ch = pd.DataFrame({
            "seller_id": "s", "marketplace": "US", "campaign_name": kw["campaign_name"],
            "ad_group_name": kw["ad_group_name"], "targeting": kw["keyword_text"],
            "match_type": kw["match_type"].str.upper(), "entity": "Keyword",
            "campaign_id": kw["campaign_id"], "ad_group_id": kw["ad_group_id"],
            "keyword_id": kw["keyword_id"], "product_targeting_id": pd.NA,
            "current_bid": kw["bid"], "new_bid": kw["bid"] + 0.05, "action": "raise",
            "live": True, "evidence": "test"}).reset_index(drop=True)
        return bulksheet.upload_rows(bulksheet.bid_changes(ch))

    a, b = upload(manual), upload(fetched)
    assert len(a) == 3
    pd.testing.assert_frame_equal(b, a)


def test_bulk_rows_map_the_common_models():
    """Hand-made exports in Amazon's common models -> bulksheet rows (enums.md mappings)."""
    camp = [{"campaignId": "11", "adProduct": "SPONSORED_PRODUCTS", "name": "C1",
             "state": "PAUSED", "startDate": "2026-01-05", "targetingSettings": "MANUAL",
             "portfolioId": "77",
             "optimization": {"bidStrategy": "SALES", "placementBidAdjustments": [
                 {"placement": "TOP_OF_SEARCH", "percentage": 35}]},
             "budgetCaps": {"recurrenceTimePeriod": "DAILY", "budgetType": "MONETARY",
                            "budgetValue": {"monetaryBudget": {"currencyCode": "USD",
                                                               "amount": 12.5}}}},
            {"campaignId": "99", "adProduct": "SPONSORED_BRANDS", "name": "SB"}]
    groups = [{"adGroupId": "22", "campaignId": "11", "adProduct": "SPONSORED_PRODUCTS",
               "name": "G1", "state": "ENABLED", "bid": {"defaultBid": 0.8}}]
    targets = [
        {"targetId": "33", "adGroupId": "22", "campaignId": "11", "state": "ENABLED",
         "negative": False, "bid": {"bid": 1.1}, "targetType": "KEYWORD",
         "targetDetails": {"matchType": "PHRASE", "keyword": '=HYPERLINK("x")'}},
        {"targetId": "34", "campaignId": "11", "state": "ENABLED", "negative": True,
         "targetType": "KEYWORD", "targetDetails": {"matchType": "EXACT", "keyword": "free"}},
        {"targetId": "35", "adGroupId": "22", "state": "ENABLED", "negative": False,
         "targetType": "PRODUCT_CATEGORY",
         "targetDetails": {"productCategoryId": "123", "productCategoryResolved": "Kitchen",
                           "productPriceLessThan": 20.0}},
        {"targetId": "36", "adGroupId": "22", "state": "ENABLED", "negative": False,
         "targetType": "AUDIENCE", "targetDetails": {"audienceId": "1"}}]
    rows, notes = adsapi.bulk_rows(camp, groups, [], targets)
    by = {r["Entity"]: r for r in rows}
    assert [r["Entity"] for r in rows] == ["Campaign", "Bidding Adjustment",
                                           "Campaign Negative Keyword", "Ad Group", "Keyword",
                                           "Product Targeting"]
    c = by["Campaign"]
    assert (c["Campaign ID"], c["State"], c["Start Date"], c["Daily Budget"], c["Portfolio ID"],
            c["Bidding Strategy"], c["Targeting Type"]) == (
        "11", "paused", "20260105", 12.5, "77", "Dynamic bids - up and down", "MANUAL")
    adj = by["Bidding Adjustment"]
    assert (adj["Placement"], adj["Percentage"]) == ("Placement Top", 35)
    neg = by["Campaign Negative Keyword"]
    assert (neg["Keyword ID"], neg["Match Type"], neg.get("Ad Group ID")) == (
        "34", "negativeExact", None)
    kw = by["Keyword"]
    assert (kw["Keyword ID"], kw["Campaign ID"], kw["Ad Group ID"], kw["Bid"],
            kw["Match Type"]) == ("33", "11", "22", 1.1, "phrase")
    pt = by["Product Targeting"]
    assert pt["Product Targeting Expression"] == 'category="123" price<20.0'
    assert pt["Resolved Product Targeting Expression (Informational only)"] == (
        'category="Kitchen" price<20.0')
    assert pt["Campaign ID"] == "11"                  # from its ad group
    assert any("AUDIENCE" in n for n in notes)
    # hostile text stays text in the workbook: a string cell, never a formula
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(adsapi.write_bulk_xlsx(rows, NOW)))
    ws = wb[adsapi.BULK_SHEET]
    col = adsapi.BULK_COLUMNS.index("Keyword Text") + 1
    cell = ws.cell(row=[r["Entity"] for r in rows].index("Keyword") + 2, column=col)
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"


def test_bulk_snapshot_replaces_the_previous_one(folder):
    with FakeAdsApi({PID: US}) as api:
        run(api, folder, report_types=(), bulk=True,
            now=datetime(2026, 10, 25, 12, tzinfo=UTC))
        out = run(api, folder, report_types=(), bulk=True)
    assert out[0].status == "written" and "replaces Bulk operations US 2026-10-25.xlsx" in (
        out[0].detail)
    assert sorted(p.name for p in folder.glob("Bulk operations*")) == [
        "Bulk operations US 2026-11-01.xlsx"]


# ---------------------------------------------------------------------------------------------
# End to end: fetched advertising files give the sample's reports
# ---------------------------------------------------------------------------------------------

#: the sample's advertising files, which the fetch replaces
_ADS_FILES = ("spCampaigns", "spAdvertisedProduct", "Sponsored Products Search term",
              "Bulk operations")


@pytest.mark.slow
def test_fetched_ads_folder_gives_the_sample_reports(tmp_path):
    """The sample folder with its advertising files replaced by a fetch from the fake (US and
    DE, derive_targeting=False so the same report levels exist) reports exactly the same
    KPIs and statuses; the advertising CSVs agree to 1e-9 (sums over monthly files are added
    in another order: float rounding), every other CSV byte for byte."""
    import csv
    import io
    import os

    from postship_analysis import cli

    sample = SAMPLE / "sample-seller"
    data = tmp_path / "data"
    for p in sorted(sample.rglob("*")):
        if p.is_file() and not p.name.startswith(_ADS_FILES):
            t = data / "sample-seller" / p.relative_to(sample)
            t.parent.mkdir(parents=True, exist_ok=True)
            os.link(p, t)
    with FakeAdsApi({"1": sample / "US", "2": sample / "DE"}, marketplaces={"1": "US", "2": "DE"},
                    derive_targeting=False) as api:
        c = creds(api, profile_id={"US": "1", "DE": "2"})
        for mp in ("US", "DE"):
            out = fetch_ads(c, "sample-seller", mp, data / "sample-seller" / mp, now=NOW,
                            since=SINCE, poll_interval=0.01, sleep=lambda s: None)
            assert {o.status for o in out} == {"written"}
    outs = {}
    for name, folder in (("sample", SAMPLE), ("fetched", data)):
        o = tmp_path / f"out-{name}"
        assert cli.main(["report", "--data", str(folder), "--out", str(o), "--seller",
                         "sample-seller", "--workers", "2", "-q"]) == 0
        outs[name] = o / "sample-seller" / "2026-11-01"
    a, b = outs["sample"], outs["fetched"]
    sa, sb = (json.loads((x / "summary.json").read_text()) for x in (a, b))
    for s in (sa, sb):
        s.pop("inputs")
        s["parameters"].pop("data_dir")
    assert sa == sb
    names = sorted(p.name for p in a.glob("*.csv"))
    assert names == sorted(p.name for p in b.glob("*.csv")) and len(names) > 20
    for name in names:
        if name == "row_accounting.csv":
            def per_type(p):
                rows = csv.DictReader(io.StringIO(p.read_text(encoding="utf-8-sig")))
                acc: dict = {}
                for r in rows:
                    k = (r["marketplace"], r["report_type"].replace("ads_console_search_term",
                                                                    "ads_api_search_term"))
                    acc[k] = acc.get(k, 0) + int(r["accepted"] or 0)
                return {k: v for k, v in acc.items() if v}
            assert per_type(a / name) == per_type(b / name)
        elif name.startswith("ad_"):
            pd.testing.assert_frame_equal(pd.read_csv(a / name), pd.read_csv(b / name),
                                          check_exact=False, rtol=1e-9)
        else:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
