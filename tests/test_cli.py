"""``postship report`` / ``postship params``: validation before running, config files, templated
output folders, parallel runs with a broken account, timeouts, index and history, Dask.

Uses tiny notebooks written here (a second each), so the mechanics are tested in seconds; the
real notebooks on the sample run once per session in test_notebooks.py.
"""

from __future__ import annotations

import csv
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from test_datafolder import orders_file

from postship_analysis import cli
from postship_analysis.errors import ParameterError
from postship_analysis.reporting import outputs, runner

PARAMS = '''data_dir: str = "data/sample"  # folder of exports
seller_id: str = ""  # seller account (folder name)
marketplaces: str = ""  # marketplace codes, comma-separated
as_of: str = "2026-11-01"  # as-of date YYYY-MM-DD
max_rows: int = 25  # rows shown in each table
output_dir: str = ""  # where CSV and KPI files go
'''
BODY = '''from postship_analysis import params as P
from postship_analysis.kpi import KPI
from postship_analysis.reporting import outputs
AS_OF = P.as_date(as_of, "as_of")
N = P.as_int(max_rows, "max_rows", minimum=0)
print("seller", repr(seller_id), "as_of", as_of, "marketplaces", repr(marketplaces))
assert seller_id != "broken", "this account is broken on purpose"
if seller_id == "quiet":
    outputs.write_status(output_dir, NAME, "no_data", "no ads in this marketplace")
outputs.write_kpis([KPI.make("late_shipment_rate_10d", "US", 0.05 if seller_id == "acme" else 0.01),
                    KPI.make("rows_shown", "US", N, "count")], output_dir, NAME)
'''


def tiny(folder, name="00_tiny", extra_params="", extra_body=""):
    cells = [new_markdown_cell("# Tiny report"), new_code_cell(PARAMS + extra_params),
             new_code_cell(f"NAME = {name!r}\n" + BODY + extra_body)]
    cells[1].metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, c in enumerate(nb.cells):
        c["id"] = f"c{i}"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")
    return folder / f"{name}.ipynb"


@pytest.fixture
def env(tmp_path):
    """A data folder with accounts acme, broken, 00123 and empty (no report file), and two
    tiny notebooks (the second has a ``sleep_s: float`` and a ``label: str`` parameter)."""
    data = tmp_path / "exports"
    for acct in ("acme", "broken", "00123"):
        orders_file(data / acct / "US" / "orders.txt", [("111-1", "2026-10-01", 1, "Amazon.com")])
    (data / "empty" / "US").mkdir(parents=True)
    (data / "empty" / "US" / "notes.txt").write_text("nothing here\n")
    nbs = tmp_path / "nbs"
    tiny(nbs)
    tiny(nbs, "10_other", 'sleep_s: float = 0.0  # seconds to sleep\nlabel: str = "x"  # a label\n',
         "import time\ntime.sleep(sleep_s)\n")
    return data, nbs, tmp_path / "out"


def report(env, *args):
    data, nbs, out = env
    return cli.main(["report", "--data", str(data), "--out", str(out), "--nb-dir", str(nbs),
                     "--kernel", "python3", *args])


def executed_text(ipynb) -> str:
    nb = nbformat.read(str(ipynb), as_version=4)
    return "\n".join(o.get("text", "") + json.dumps(o.get("data", {})) + o.get("evalue", "")
                     for c in nb.cells for o in c.get("outputs", []))


# -- validation before anything runs -------------------------------------------------------------

@pytest.mark.parametrize("args, named", [
    (["-p", "max_rowz", "3"], "max_rowz"),                      # unknown name
    (["-p", "max_rows", "three"], "max_rows"),                  # wrong type
    (["-p", "max_rows", "-1"], "max_rows"),                     # below the notebook's minimum
    (["-p", "sleep_s", "nan"], "sleep_s"),                      # not a finite number
    (["--as-of", "2026-13-45"], "as_of"),                       # not a date
    (["--marketplaces", "US,XX"], "marketplaces"),              # unknown marketplace
    (["--seller", "nobody"], "seller_id"),                      # no such account folder
    (["--seller", "../etc"], "seller_id"),                      # not a folder name
    (["-p", "output_dir", "/tmp"], "output_dir"),               # set by the runner only
])
def test_invalid_parameters_fail_before_running_and_name_the_parameter(env, capsys, args, named):
    assert report(env, *args) == 2
    err = capsys.readouterr().err
    assert named in err and "error" in err
    assert not env[2].exists()  # nothing ran, nothing written


def test_a_notebook_that_matches_nothing_is_an_error(env, capsys):
    assert report(env, "--notebooks", "00,99") == 2
    assert "99" in capsys.readouterr().err


def test_text_values_take_the_declared_type():
    s = runner.ParamSpec("seller_id", "str", "", "")
    assert runner.coerce("seller_id", "00123", s) == "00123"
    assert runner.coerce("n", "0042", runner.ParamSpec("n", "int", 1, "")) == 42
    assert runner.coerce("f", "2", runner.ParamSpec("f", "float", 1.0, "")) == 2.0
    assert runner.coerce("b", "yes", runner.ParamSpec("b", "bool", False, "")) is True
    assert runner.coerce("marketplaces", ["US", "DE"],
                         runner.ParamSpec("marketplaces", "str", "", "")) == "US,DE"
    with pytest.raises(ParameterError, match="'seller_id'.*00123"):
        runner.coerce("seller_id", 123, s)  # an int where text is declared (YAML 00123 -> 83)
    with pytest.raises(ParameterError, match="'n'"):
        runner.coerce("n", True, runner.ParamSpec("n", "int", 1, ""))


def test_seller_00123_stays_a_string_from_the_command_line_and_from_yaml(env, tmp_path):
    assert report(env, "--seller", "00123", "--notebooks", "00") == 0
    out = env[2] / "00123" / "2026-10-02"  # as_of: the day after the newest order
    assert "seller '00123'" in executed_text(out / "00_tiny.ipynb")
    cfg = tmp_path / "c.yaml"
    cfg.write_text("parameters:\n  seller_id: 00123\n  as_of: 2026-11-01\nnotebooks: [00]\n")
    assert report(env, "--config", str(cfg)) == 0
    out = env[2] / "00123" / "2026-11-01"
    assert "seller '00123'" in executed_text(out / "00_tiny.ipynb")
    assert json.loads((out / "summary.json").read_text())["parameters"]["seller_id"] == "00123"


def test_config_unknown_setting_is_an_error(env, tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("workerz: 2\n")
    assert report(env, "--config", str(cfg)) == 2
    assert "workerz" in capsys.readouterr().err


def test_params_lists_type_default_and_meaning(env, capsys):
    assert cli.main(["params", str(env[1] / "10_other.ipynb")]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("sleep_s"))
    assert "float" in line and "0.0" in line and "seconds to sleep" in line
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("max_rows"))
    assert "int [0..]" in line and "25" in line and "rows shown in each table" in line


def test_report_help_lists_the_real_notebooks_parameters(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["report", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for name in ("--workers", "--dask", "--timeout", "--start-timeout", "--out-template",
                 "--show-code", "data_dir", "seller_id", "as_of", "max_rows", "trend_days",
                 "config file"):
        assert name in out, name
    # the meaning comes from the parameters cell's comment
    assert "days of history in the trend charts" in out
    assert cli.main(["params", "10"]) == 0
    assert "at_risk_horizon_hours" in capsys.readouterr().out


# -- many accounts, in parallel, one broken --------------------------------------------------------

@pytest.mark.slow
def test_multi_account_config_runs_in_parallel_and_reports_the_broken_account(env, tmp_path,
                                                                              capsys):
    cfg = tmp_path / "fleet.yaml"
    cfg.write_text("""
workers: 2
timeout: 60
parameters: {max_rows: 7}
grid:
  seller_id: [acme, broken, "00123", empty]
  as_of: [2026-11-01]
""")
    assert report(env, "--config", str(cfg)) == 1
    cap = capsys.readouterr()
    out = env[2]
    # progress while it ran, and a one-screen failure summary naming account, notebook, error
    assert "[8/8]" in cap.err and "2 worker process(es)" in cap.err
    summary_lines = cap.err[cap.err.index("notebook(s) failed"):].splitlines()
    assert len(summary_lines) <= 25
    assert "2 of 8 notebook(s) failed (1 of 4 parameter set(s))" in cap.err
    assert "broken 2026-11-01" in cap.err and "this account is broken on purpose" in cap.err
    status = {a: json.loads((out / a / "2026-11-01" / "summary.json").read_text())["status"]
              for a in ("acme", "broken", "00123", "empty")}
    # the broken account did not stop the others; the account without report files says so
    assert status == {"acme": "ok", "broken": "failed", "00123": "ok", "empty": "no_data"}
    # a failed notebook keeps its executed output with the error visible, in the HTML too
    b = out / "broken" / "2026-11-01"
    assert "this account is broken on purpose" in executed_text(b / "00_tiny.ipynb")
    html = (b / "00_tiny.html").read_text()
    assert "AssertionError" in html and "This report failed" in html
    s = json.loads((b / "summary.json").read_text())
    assert s["notebooks"][0]["error"] == "AssertionError: this account is broken on purpose"
    # the index links every report and lists the failing KPIs (acme 5% > 4% target: fail, in
    # both tiny notebooks), with their status in words, and the failures
    index = (out / "index.html").read_text()
    for a in ("acme", "broken", "00123", "empty"):
        for nb in ("00_tiny", "10_other"):
            assert f"href='{a}/2026-11-01/{nb}.html'" in index
    failing = index.split('id="failing-kpis"')[1].split("</table>")[0]
    assert failing.count("✖ fail") == 2 and failing.count(">acme<") == 2
    assert "Late shipment rate, 10 days" in failing and ">5.00%<" in failing
    assert "Failures" in index and "no data" in index
    # the parameter from the config reached the notebooks, typed
    assert json.loads((out / "acme" / "2026-11-01" / "summary.json").read_text())[
        "parameters"]["max_rows"] == 7


def test_templated_output_folders_never_overwrite_each_other(env, capsys):
    assert report(env, "--seller", "acme", "--marketplaces", "US", "--as-of", "2026-11-01",
                  "--out-template", "weekly/{seller_id}/{marketplaces}/{as_of}",
                  "--notebooks", "00") == 0
    assert (env[2] / "weekly" / "acme" / "US" / "2026-11-01" / "summary.json").exists()
    assert report(env, "--out-template", "{seller_id}", "--seller", "acme", "--notebooks", "00",
                  "--as-of", "2026-11-01") == 0
    assert (env[2] / "acme" / "summary.json").exists()
    assert report(env, "--out-template", "{as_of}", "--notebooks", "00") == 2
    assert "would both write to" in capsys.readouterr().err
    assert report(env, "--out-template", "{seler_id}/{as_of}", "--notebooks", "00") == 2
    assert "seler_id" in capsys.readouterr().err
    assert report(env, "--out-template", "../{seller_id}", "--notebooks", "00") == 2


def test_cell_timeout_fails_that_notebook_only(env, capsys):
    assert report(env, "--seller", "acme", "-p", "sleep_s", "30", "--timeout", "2",
                  "--workers", "2") == 1
    err = capsys.readouterr().err
    assert "10_other" in err and "Timeout" in err
    s = json.loads((env[2] / "acme" / "2026-10-02" / "summary.json").read_text())
    assert [n["status"] for n in s["notebooks"]] == ["ok", "failed"]
    assert (env[2] / "acme" / "2026-10-02" / "10_other.html").exists()


def test_declared_no_data_status_and_history_across_runs(env, tmp_path):
    data, nbs, out = env
    orders_file(data / "quiet" / "US" / "orders.txt", [("111-1", "2026-10-01", 1, "Amazon.com")])
    for day in ("2026-10-25", "2026-11-01"):
        assert report(env, "--seller", "quiet", "--as-of", day, "--notebooks", "00") == 0
    s = json.loads((out / "quiet" / "2026-11-01" / "summary.json").read_text())
    assert s["status"] == "no_data"
    assert s["notebooks"][0]["message"] == "no ads in this marketplace"
    rows = list(csv.DictReader(open(out / "history.csv", encoding="utf-8-sig")))
    assert {r["as_of"] for r in rows} == {"2026-10-25", "2026-11-01"}
    assert len(rows) == 4  # 2 runs x 2 KPIs
    # a rerun of the same seller and as-of replaces its rows instead of doubling them
    assert report(env, "--seller", "quiet", "--as-of", "2026-11-01", "--notebooks", "00") == 0
    again = list(csv.DictReader(open(out / "history.csv", encoding="utf-8-sig")))
    assert len(again) == 4
    assert [r for r in again if r["as_of"] == "2026-10-25"] == \
        [r for r in rows if r["as_of"] == "2026-10-25"]
    index = (out / "index.html").read_text()
    # this week's value next to the previous run's, with the change
    assert "<th>2026-10-25</th><th>2026-11-01</th>" in index
    assert "+0.00 pp" in index


def test_write_status_rejects_unknown_statuses(tmp_path):
    with pytest.raises(ValueError):
        outputs.write_status(tmp_path, "x", "failed")
    assert outputs.write_status("", "x", "no_data") is None


def test_expand_grid_and_runs():
    sets = runner.expand({"max_rows": "5"}, [{"seller_id": "c"}],
                         {"seller_id": ["a", "b"], "marketplaces": ["US", "DE"]})
    assert len(sets) == 1 + 2 * 2
    assert {"max_rows": "5", "seller_id": "b", "marketplaces": "DE"} in sets


def test_report_notebooks_picks_up_any_numbered_notebook(tmp_path):
    for n in ("00_a", "30_new", "40_more", "notes", "5_bad"):
        (tmp_path / f"{n}.ipynb").write_text("{}")
    assert [p.stem for p in runner.report_notebooks(tmp_path)] == ["00_a", "30_new", "40_more"]
    assert [p.stem for p in runner.report_notebooks(tmp_path, ["30"])] == ["30_new"]


# -- Dask -------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_dask_fan_out_on_a_local_cluster(env):
    pytest.importorskip("distributed", reason="optional dependency 'distributed' not installed")
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        rc = report(env, "--dask", cluster.scheduler_address, "--as-of", "2026-11-01")
    assert rc == 1  # the broken account
    status = {a: json.loads((env[2] / a / "2026-11-01" / "summary.json").read_text())["status"]
              for a in ("acme", "broken", "00123", "empty")}
    assert status == {"acme": "ok", "broken": "failed", "00123": "ok", "empty": "no_data"}
    assert (env[2] / "acme" / "2026-11-01" / "10_other.html").exists()
