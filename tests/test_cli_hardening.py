"""Command-line cases of issue 9: colliding account names, an as-of date far from the data,
a config with several mistakes, and what a user sees (help text, warnings, packaging)."""

from __future__ import annotations

import tomllib
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from test_cli import report, tiny
from test_datafolder import orders_file

from postship_analysis import cli


@pytest.fixture
def env(tmp_path):
    """Accounts ``brand ü``, ``brand ö``, ``brand  ü`` (two spaces) and ``acme``; test_cli's
    tiny notebooks."""
    data = tmp_path / "exports"
    for acct in ("brand ü", "brand ö", "brand  ü", "acme"):
        orders_file(data / acct / "US" / "orders.txt", [("111-1", "2026-10-01", 1, "Amazon.com")])
    nbs = tmp_path / "nbs"
    tiny(nbs)
    return data, nbs, tmp_path / "out"


def test_accounts_sharing_a_report_folder_are_named_and_the_others_run(env, capsys):
    data, nbs, out = env
    assert report(env, "--as-of", "2026-10-02", "-q") == 1
    err = capsys.readouterr().err
    assert ("warning: accounts 'brand  ü', 'brand ü' would share the report folder "
            f"{str(out / 'brand-ü' / '2026-10-02')!r}: not run; rename one of the account "
            "folders (the other accounts run)") in err
    # brand ö and acme ran, each in its own folder (letters of any script are kept), beside
    # the run's store
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["acme", "brand-ö", "store"]
    assert (out / "brand-ö" / "2026-10-02" / "summary.json").exists()


def test_as_of_far_from_the_orders_is_warned(env, capsys):
    assert report(env, "--seller", "acme", "--as-of", "2028-01-01", "-q") == 0
    err = capsys.readouterr().err
    assert ("warning: as-of 2028-01-01 is 457 days after the newest order of account 'acme' "
            "(2026-10-01)") in err  # 365 days to 2027-10-01, then 31 + 30 + 31
    assert report(env, "--seller", "acme", "--as-of", "2026-09-01", "-q") == 0
    assert "is on or before the oldest order of account 'acme' (2026-10-01)" in \
        capsys.readouterr().err
    assert report(env, "--seller", "acme", "--as-of", "2026-10-20", "-q") == 0
    assert "warning" not in capsys.readouterr().err


def test_config_mistakes_are_reported_all_at_once(env, tmp_path, capsys):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("workerz: 2\ntimeout: soon\nwait: -1\nruns: [acme]\n"
                   "parameters: {max_rows: many, as_of: 2026-13-45, colour: red}\n")
    assert report(env, "--config", str(cfg)) == 2
    err = capsys.readouterr().err
    for mistake in ("unknown setting(s) ['workerz']", "each entry of 'runs' must be a mapping",
                    "setting 'timeout' must be an integer, got 'soon'",
                    "setting 'wait' must be at least 0, got -1", "unknown parameter(s) ['colour']",
                    "parameter 'max_rows' must be an integer, got 'many'", "'as_of'"):
        assert mistake in err, mistake
    assert all(line.startswith("error: ") for line in err.strip().splitlines())
    assert not (tmp_path / "out").exists()  # nothing ran


def test_help_is_plain_text(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "postship check-data DIR" in out and "``" not in out


def test_license_is_an_spdx_expression():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert py["project"]["license"] == "MIT"  # a TOML table is deprecated by setuptools
    assert "setuptools>=77" in py["build-system"]["requires"]


def test_forecast_of_a_sku_without_backtest_days_warns_nothing():
    from postship_analysis import forecast

    days = pd.date_range(end="2026-10-31", periods=400)
    rng = np.random.default_rng(7)
    daily = pd.concat([
        pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "OLD", "date": days,
                      "units": rng.poisson(2.0, 400), "censored": False}),
        # five days of history: no backtest origin observes it
        pd.DataFrame({"seller_id": "s", "marketplace": "US", "sku": "NEW", "date": days[-5:],
                      "units": [1, 0, 2, 1, 0], "censored": False})], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Mean of empty slice" once came per method and call
        fit = forecast.fit(daily, as_of="2026-11-01", horizon=28, lead_time_days=40)
        fc = forecast.forecast(daily, as_of="2026-11-01", horizon=28, fitted=fit)
    assert set(fc["sku"]) == {"OLD", "NEW"}
