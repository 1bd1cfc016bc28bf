"""End to end: a data folder holding only what no API gives (seller's own CSVs, Seller Central
downloads, the console search-term report, older inventory snapshots), then ``postship fetch``
against local SP-API and Ads API servers built from the sample, then ``postship report``: the
same reports as the sample folder gives.

The Ads API fetch asks for the reports the sample has as API downloads (spCampaigns,
spAdvertisedProduct) and the bulk download; the sample's search terms are its console
download, seeded like the other Seller Central files."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("sp_api")

pytest.importorskip("ad_api")

from fake_adsapi import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeAdsApi  # noqa: E402
from fake_spapi import FakeSpApi, _detected  # noqa: E402

from postship_analysis import cli  # noqa: E402
from postship_analysis.fetch.plan import SP_REPORTS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ROOT = ROOT / "data" / "sample"
SAMPLE = SAMPLE_ROOT / "sample-seller"
RT, APP, SECRET = "Atzr|e2e-refresh-token-77", "amzn1.application-oa2-client.e2e", "e2e-secret-55"
AS_OF = "2026-11-01"
#: what the Ads API fetch gives (the rest of the sample's advertising files are seeded)
ADS_REPORTS = "spCampaigns,spAdvertisedProduct"
ADS_KEYS = {"ads_api_campaigns", "ads_api_advertised_product", "ads_bulk_sp"}

CREDS = """\
version: '1.0'
sample-na:
  seller: sample-seller
  region: NA
  marketplaces: [US]
  refresh_token: {rt}
  lwa_app_id: {app}
  lwa_client_secret: {secret}
  endpoints: {{sp_api: "{url}", token: "{token}", ads_api: "{ads_url}",
              ads_token: "{ads_token}"}}
  ads: {{client_id: {ads_id}, client_secret: {ads_secret}, refresh_token: "{ads_rt}",
         profile_id: {{US: 111}}}}
sample-eu:
  seller: sample-seller
  region: EU
  marketplaces: [DE]
  refresh_token: {rt}
  lwa_app_id: {app}
  lwa_client_secret: {secret}
  endpoints: {{sp_api: "{url}", token: "{token}", ads_api: "{ads_url}",
              ads_token: "{ads_token}"}}
  ads: {{client_id: {ads_id}, client_secret: {ads_secret}, refresh_token: "{ads_rt}",
         profile_id: {{DE: 222}}}}
"""


def seed(dest: Path) -> list[str]:
    """Hard-link every sample file no fetch gives (and the older snapshots of those that are
    snapshots) into ``dest``; returns what was left for the fetch."""
    fetched = {r.key: r for r in SP_REPORTS}
    left = []
    for p in sorted(SAMPLE.rglob("*")):
        if p.is_dir():
            continue
        rel = p.relative_to(SAMPLE)
        if len(rel.parts) == 2 and rel.parts[0] in ("US", "DE"):
            kinds = _detected(p.parent)
            key = dict(kinds).get(p)
            if key in ADS_KEYS:
                left.append(str(rel))
                continue
            if key in fetched:
                same = sorted(q for q, k in kinds if k == key)
                if not fetched[key].snapshot or p == same[-1]:
                    left.append(str(rel))
                    continue
        target = dest / "sample-seller" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(p, target)
    return left


def strip_period(name: str) -> str:
    """'All Orders 2026-07.txt' and 'All Orders 2026-07-01..2026-07-31.txt' -> 'All Orders'."""
    return re.sub(r" \d{4}-\d{2}(-\d{2})?(\.\.\d{4}-\d{2}-\d{2})?", "", name).rsplit(".", 1)[0]


def by_report(rows, keys=("rows_read", "accepted", "rejected")) -> Counter:
    """Row counts per (marketplace folder, report type): the files differ, the rows not."""
    out = Counter()
    for r in rows:
        mp = r["file"].split("/")[1] if r["file"].count("/") >= 2 else ""
        for k in keys:
            out[(mp, r["report_type"], k)] += int(r.get(k) or 0)
    return out


def read_csv(p: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(p.read_text(encoding="utf-8-sig"))))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Fetch into a seeded folder, then run ``postship report`` on it and on the sample."""
    from sp_api.auth import access_token_client

    tmp = tmp_path_factory.mktemp("e2e")
    access_token_client.cache.clear()
    data = tmp / "data"
    left = seed(data)
    assert len(left) > 40 and any("All Orders" in x for x in left)
    snapshot_days = {"GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT": date(2026, 10, 31),
                     "GET_V2_SELLER_PERFORMANCE_REPORT": date(2026, 10, 31)}
    with FakeSpApi(SAMPLE, client_id=APP, client_secret=SECRET, refresh_token=RT,
                   snapshot_day=snapshot_days) as sp, \
            FakeAdsApi({"111": SAMPLE / "US", "222": SAMPLE / "DE"},
                       marketplaces={"111": "US", "222": "DE"}) as ads:
        cred = tmp / "creds.yml"
        cred.write_text(CREDS.format(rt=RT, app=APP, secret=SECRET, url=sp.url,
                                     token=sp.token_url, ads_url=ads.endpoint,
                                     ads_token=ads.token_url, ads_id=CLIENT_ID,
                                     ads_secret=CLIENT_SECRET, ads_rt=REFRESH_TOKEN))
        # Sunday 2026-11-01 in both marketplaces: the sample's data ends on October 31st
        args = ["fetch", "--data", str(data), "--credentials", str(cred), "--since",
                "2025-05-01", "--now", "2026-11-01T20:00:00+00:00", "--poll-interval", "0.01",
                "--ads-reports", ADS_REPORTS, "-q"]
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert cli.main(args) == 0, buf.getvalue()
            assert " 0 failed" in buf.getvalue()
            first = (len(sp.requests), len(ads.requests))
            assert cli.main(args) == 0                  # a rerun, nothing new
        rerun = (len(sp.requests) - first[0],
                 [(r["method"], r["path"]) for r in ads.requests[first[1]:]])

    out = {}
    for name, folder in (("sample", SAMPLE_ROOT), ("fetched", data)):
        dest = tmp / f"out-{name}"
        # as-of left to the default (the day after the newest order): the same for both
        assert cli.main(["report", "--data", str(folder), "--out", str(dest), "--seller",
                         "sample-seller", "--workers", "2", "-q"]) == 0
        out[name] = dest / "sample-seller" / AS_OF
    return data, out["sample"], out["fetched"], rerun


def csv_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.csv"))


@pytest.mark.slow
def test_fetch_then_report_gives_the_sample_reports(reports):
    data, a, b, _ = reports
    sa, sb = (json.loads((x / "summary.json").read_text()) for x in (a, b))
    # the inputs are other files (monthly fetches instead of the sample's names) with the
    # same rows of each report type
    ia, ib = sa.pop("inputs"), sb.pop("inputs")
    assert by_report(ia) == by_report(ib)
    written = {str(p.relative_to(data)) for p in data.rglob("*")
               if p.is_file() and not p.name.startswith(".")}
    assert written - {x["file"] for x in ib} <= {
        "sample-seller/message-templates/" + p.name
        for p in (SAMPLE / "message-templates").iterdir()}
    sa["parameters"].pop("data_dir"), sb["parameters"].pop("data_dir")
    assert sa == sb                                 # every KPI and status, exactly

    csvs = csv_names(a)
    assert csvs == csv_names(b) and len(csvs) > 20
    for name in csvs:
        if name == "row_accounting.csv":
            assert by_report(read_csv(a / name)) == by_report(read_csv(b / name))
        elif name == "quarantine.csv":
            qa, qb = read_csv(a / name), read_csv(b / name)
            for q in qa + qb:
                q["file"] = strip_period(q["file"])
            assert qa == qb
        else:
            # to the last bit: the data folder puts the ads rows in one order whatever
            # files they came from (the sample's three-month downloads or monthly fetches)
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.slow
def test_a_rerun_asks_nothing(reports):
    sp_requests, ads_requests = reports[3]
    assert sp_requests == 0 and ads_requests == []
