"""End to end: a data folder holding only what no API gives (seller's own CSVs, Seller Central
downloads, older inventory snapshots), then ``postship fetch`` against local servers built
from the sample, then ``postship report``: the same reports as the sample folder gives."""

from __future__ import annotations

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

from fake_spapi import FakeSpApi, _detected  # noqa: E402

from postship_analysis import cli  # noqa: E402
from postship_analysis.fetch.plan import SP_REPORTS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ROOT = ROOT / "data" / "sample"
SAMPLE = SAMPLE_ROOT / "sample-seller"
RT, APP, SECRET = "Atzr|e2e-refresh-token-77", "amzn1.application-oa2-client.e2e", "e2e-secret-55"
AS_OF = "2026-11-01"
#: Amazon Ads reports: fetched by fetch.adsapi once it exists, seeded from the sample until then
ADS_KEYS = {"ads_api_campaigns", "ads_api_advertised_product", "ads_api_search_term",
            "ads_api_targeting", "ads_bulk_sp"}

CREDS = """\
version: '1.0'
sample-na:
  seller: sample-seller
  region: NA
  marketplaces: [US]
  refresh_token: {rt}
  lwa_app_id: {app}
  lwa_client_secret: {secret}
  endpoints: {{sp_api: "{url}", token: "{token}"}}
sample-eu:
  seller: sample-seller
  region: EU
  marketplaces: [DE]
  refresh_token: {rt}
  lwa_app_id: {app}
  lwa_client_secret: {secret}
  endpoints: {{sp_api: "{url}", token: "{token}"}}
"""


def seed(dest: Path) -> list[str]:
    """Hard-link every sample file no SP-API report gives (and the older snapshots of those
    that are snapshots) into ``dest``; returns what was left for the fetch."""
    fetched = {r.key: r for r in SP_REPORTS}
    left = []
    for p in sorted(SAMPLE.rglob("*")):
        if p.is_dir():
            continue
        rel = p.relative_to(SAMPLE)
        if len(rel.parts) == 2 and rel.parts[0] in ("US", "DE"):
            kinds = _detected(p.parent)
            key = dict(kinds).get(p)
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


@pytest.mark.slow
def test_fetch_then_report_gives_the_sample_reports(tmp_path, capsys):
    from sp_api.auth import access_token_client

    access_token_client.cache.clear()
    data = tmp_path / "data"
    left = seed(data)
    assert len(left) > 40 and any("All Orders" in x for x in left)
    snapshot_days = {"GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT": date(2026, 10, 31),
                     "GET_V2_SELLER_PERFORMANCE_REPORT": date(2026, 10, 31)}
    with FakeSpApi(SAMPLE, client_id=APP, client_secret=SECRET, refresh_token=RT,
                   snapshot_day=snapshot_days) as fake:
        cred = tmp_path / "creds.yml"
        cred.write_text(CREDS.format(rt=RT, app=APP, secret=SECRET, url=fake.url,
                                     token=fake.token_url))
        # Sunday 2026-11-01 in both marketplaces: the sample's data ends on October 31st
        args = ["fetch", "--data", str(data), "--credentials", str(cred), "--since",
                "2025-05-01", "--now", "2026-11-01T20:00:00+00:00", "--poll-interval", "0.01",
                "-q"]
        assert cli.main(args) == 0
        out = capsys.readouterr().out
        assert " 0 failed" in out
        n = len(fake.requests)
        assert cli.main(args) == 0                  # a rerun asks for nothing
        assert len(fake.requests) == n
    capsys.readouterr()

    reports = {}
    for name, folder in (("sample", SAMPLE_ROOT), ("fetched", data)):
        out = tmp_path / f"out-{name}"
        # as-of left to the default (the day after the newest order): the same for both
        assert cli.main(["report", "--data", str(folder), "--out", str(out), "--seller",
                         "sample-seller", "--workers", "2", "-q"]) == 0
        reports[name] = out / "sample-seller" / AS_OF
    a, b = reports["sample"], reports["fetched"]

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

    csvs = sorted(p.name for p in a.glob("*.csv"))
    assert csvs == sorted(p.name for p in b.glob("*.csv")) and len(csvs) > 20
    for name in csvs:
        if name == "row_accounting.csv":
            assert by_report(read_csv(a / name)) == by_report(read_csv(b / name))
        elif name == "quarantine.csv":
            qa, qb = read_csv(a / name), read_csv(b / name)
            for q in qa + qb:
                q["file"] = strip_period(q["file"])
            assert qa == qb
        else:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
