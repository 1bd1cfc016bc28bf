"""Real Advertising-console exports (../shared/realdata/amazon-ads-exports, see PROVENANCE.md):
every file loads, and CTR, CPC, ACoS and ROAS recomputed from the raw columns agree with the
file's own columns within the file's rounding; the analytics aggregate them consistently."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from postship_analysis import ads as A
from postship_analysis.readers.ads import read_ads_console, recomputed_rates
from tests.conftest import REALDATA, realdata

# rounding of the files: percentages with 2 decimals (CSV) -> 0.0001 as a fraction (a little
# more than half a unit of 0.01 %); money with 2 decimals -> 0.005 plus float noise
TOL = {"ctr": 1.0e-4, "acos": 1.0e-4, "cpc": 0.0051, "roas": 0.0051}


def _files():
    root = realdata("amazon-ads-exports")
    return sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in (".xlsx", ".csv"))


@pytest.mark.slow  # ~10 s: one export has 24,575 rows of XLSX
def test_every_export_loads_and_rates_agree():
    files = _files()
    assert files
    for p in files:
        r = read_ads_console(p)
        d = r.data
        assert len(d) > 0, p
        assert len(d) + len(r.quarantine) == r.rows_read, p
        rc = recomputed_rates(d)
        compared = 0
        for ours, theirs in (("ctr", "reported_ctr"), ("cpc", "reported_cpc"),
                             ("acos", "reported_acos"), ("roas", "reported_roas")):
            ok = rc[ours].notna() & d[theirs].notna()
            diff = (rc[ours][ok] - d[theirs][ok]).abs()
            assert (diff <= TOL[ours]).all(), (p, ours, float(diff.max()))
            compared += int(ok.sum())
        assert compared > 0, p


def test_period_metrics_equal_sums_of_raw_columns():
    """ad_metrics over a whole search-term file: ACoS = total spend / total sales, computed
    here straight from the rows."""
    f = [p for p in _files() if "Search term" in p.name and "uk-2023" in str(p)] or \
        [p for p in _files() if "Search term" in p.name]
    if not f:
        pytest.skip("no search term export")
    d = read_ads_console(f[0]).data
    m = A.ad_metrics(d, [])
    assert len(m) == d["attribution_days"].nunique()
    spend, sales = float(d["spend"].sum()), float(d["sales"].sum())
    clicks, imps = float(d["clicks"].sum()), float(d["impressions"].sum())
    row = m.iloc[0]
    assert np.isclose(row["acos"], spend / sales)
    assert np.isclose(row["ctr"], clicks / imps)
    assert np.isclose(row["cpc"], spend / clicks)


IN_DIR = ("amazon-ads-exports", "in-2020-02_umairnsr87")
IN_UC = pd.DataFrame({"seller_id": "default", "marketplace": "IN", "sku": ["X"],
                      "currency": "INR", "price": [499.0], "cogs": [150.0], "fba_fee": [60.0],
                      "referral_fee_pct": [0.12], "other_cost": [10.0]})


@pytest.mark.parametrize("name", sorted(p.name for p in Path(REALDATA).joinpath(*IN_DIR).glob(
    "*.*") if p.suffix in (".xlsx", ".csv")) if Path(REALDATA).joinpath(*IN_DIR).exists()
    else ["(real data absent)"])
def test_each_real_report_family_is_usable_on_its_own(name):
    """Each of the six Amazon.in report families alone: totals from it are the account's
    spend (47,108.12, the same in every family), campaign metrics exist wherever the report
    names campaigns, and every recommendation function runs (a placement or over-time report
    alone used to raise, an ASIN-only advertised-product report to crash)."""
    d = read_ads_console(Path(realdata(*IN_DIR)) / name).data
    tot = A.ad_metrics(d, [])
    assert len(tot) == 1 and tot["spend"].iloc[0] == pytest.approx(47108.12, abs=0.005)
    level = d["report_level"].iloc[0]
    cm = A.campaign_metrics(d)
    if level == "over_time":
        assert cm.empty and np.isnan(tot["acos"].iloc[0])  # no sales in that report
    else:
        assert cm["spend"].sum() == pytest.approx(47108.12, abs=0.005)
        raw_sales = float(d["sales"].sum())
        assert tot["acos"].iloc[0] == pytest.approx(47108.12 / raw_sales)
    as_of = "2020-03-01"
    d = A.with_skus(d)
    for f in (A.bid_recommendations, A.search_term_stats, A.strategy_recommendations):
        f(d, IN_UC, as_of, window_days=40)
    units, camps = A.budget_recommendations(d, IN_UC, as_of, window_days=40)
    if level != "over_time":
        assert len(camps) > 0
    if level == "campaign":  # the Campaign report's Budget is the starting point
        assert camps["current_budget"].notna().all()
        assert (camps["settings_source"] == "Campaign report (latest day)").all()
