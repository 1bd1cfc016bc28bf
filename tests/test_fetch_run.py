"""The orchestrator of ``postship fetch``: accounts x marketplaces, the Ads API hand-off to
``fetch.adsapi.fetch_ads`` (or a clear outcome when it is not there), isolation of failures,
the summary table."""

from __future__ import annotations

import sys
import types
from datetime import UTC, date, datetime
from pathlib import Path

from postship_analysis import fetch as fetch_pkg
from postship_analysis.fetch import run
from postship_analysis.fetch.common import FetchOutcome
from postship_analysis.fetch.credentials import AdsCredentials, Profile

NOW = datetime(2026, 11, 1, 20, tzinfo=UTC)
ADS_SECRET = "ads-client-secret-QQ11ww22"


def ads_profile(seller="acme", mps=("US", "CA")) -> Profile:
    ads = AdsCredentials("amzn1.application-oa2-client.ads", ADS_SECRET, "Atzr|ads-rt-EE33rr44",
                         {"US": "111", "CA": "222"}, None, None, "NA")
    return Profile("p", seller, "NA", mps, None, ads)


def test_ads_block_without_the_ads_fetcher_is_a_clear_failed_outcome(tmp_path, monkeypatch):
    # as if fetch/adsapi.py did not exist (None in sys.modules makes the import fail)
    monkeypatch.delattr(fetch_pkg, "adsapi", raising=False)
    monkeypatch.setitem(sys.modules, "postship_analysis.fetch.adsapi", None)
    outs = run.fetch(tmp_path, [ads_profile()], now=NOW)
    assert [(o.marketplace, o.api, o.status) for o in outs] == [
        ("US", "ads-api", "failed"), ("CA", "ads-api", "failed")]
    assert "ads fetch not available" in outs[0].detail


def test_fetch_ads_gets_each_marketplace_folder_and_the_run_settings(tmp_path, monkeypatch):
    calls = []

    def fetch_ads(creds, seller, marketplace, folder, *, now, since, poll_interval=5.0,
                  timeout_s=900.0, sleep=None):
        calls.append((creds.profile_id[marketplace], seller, marketplace, Path(folder), now,
                      since, poll_interval, timeout_s, sleep))
        if marketplace == "CA":
            raise RuntimeError(f"boom with {creds.client_secret}")
        return [FetchOutcome(seller, marketplace, "ads-api", "spCampaigns", date(2026, 10, 1),
                             date(2026, 10, 31), "written", "x")]

    stub = types.SimpleNamespace(fetch_ads=fetch_ads)
    monkeypatch.setitem(sys.modules, "postship_analysis.fetch.adsapi", stub)
    monkeypatch.setattr(fetch_pkg, "adsapi", stub, raising=False)
    sleep = object()
    outs = run.fetch(tmp_path, [ads_profile(), ads_profile("globex", ("US",))], now=NOW,
                     since=date(2026, 9, 1), seller="acme", poll_interval=0.5, timeout_s=60,
                     sleep=sleep)
    assert calls == [
        ("111", "acme", "US", tmp_path / "acme" / "US", NOW, date(2026, 9, 1), 0.5, 60, sleep),
        ("222", "acme", "CA", tmp_path / "acme" / "CA", NOW, date(2026, 9, 1), 0.5, 60, sleep)]
    assert [(o.marketplace, o.status) for o in outs] == [("US", "written"), ("CA", "failed")]
    # an exception from the ads fetcher is one failed outcome, its message redacted
    assert outs[1].detail == "RuntimeError: boom with ***"
    assert (tmp_path / "acme" / "CA").is_dir()
    assert not (tmp_path / "globex").exists()       # --seller acme only


def test_summary_lists_failures_first_and_counts():
    outs = [
        FetchOutcome("acme", "US", "sp-api", "GET_A", date(2026, 10, 1), date(2026, 10, 31),
                     "written", "acme/US/A 2026-10-01..2026-10-31.txt", "", 5),
        FetchOutcome("acme", "US", "sp-api", "GET_B", None, None, "skipped",
                     detail="fetched today already"),
        FetchOutcome("acme", "DE", "sp-api", "GET_C", date(2026, 10, 1), date(2026, 10, 31),
                     "failed", detail="Amazon could not produce the report (FATAL)", requests=3),
    ]
    text = run.format_summary(outs).splitlines()
    assert text[0].split() == ["status", "account", "MP", "report", "period", "file", "/",
                               "reason"]
    assert text[1].split()[:5] == ["failed", "acme", "DE", "GET_C", "2026-10-01..2026-10-31"]
    assert text[1].endswith("Amazon could not produce the report (FATAL)")
    assert text[2].split()[0] == "written" and text[3].split()[0] == "skipped"
    assert text[-1] == "1 written, 0 no data, 1 up to date, 1 failed; 8 API request(s)"
