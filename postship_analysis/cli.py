"""Command line: ``postship check-data DIR``, ``postship report``, ``postship params NB``,
``postship fetch``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

CONFIG_KEYS = {"data", "data_dir", "out", "out_template", "notebooks", "workers", "dask",
               "timeout", "start_timeout", "show_code", "kernel", "parameters", "runs", "grid",
               "wait", "store", "force"}

CONFIG_EXAMPLE = """\
config file (YAML; every value is read as text and converted to the parameter's type, so
seller_id: 00123 stays "00123" and dates stay dates):

  data: exports               # data folder (one sub-folder per seller account)
  out: reports
  out_template: "{seller_id}/{marketplaces}/{as_of}"   # default {seller_id}/{as_of}
  notebooks: [00, 10, 20]     # default: every notebooks/NN_*.py
  workers: 4
  timeout: 900                # per cell, seconds
  start_timeout: 120          # kernel start, seconds
  parameters: {max_rows: 50}  # shared by every parameter set
  grid:                       # the cross product: seller x marketplace x as-of
    seller_id: [acme, "00123"]
    marketplaces: [US, DE]
    as_of: [2026-11-01]
  runs:                       # and/or explicit sets
    - {seller_id: globex, marketplaces: "UK,DE"}

command-line options override the file; --seller/--marketplaces/--as-of/-p override its
parameters. An empty seller_id runs every account in the data folder; an empty as_of is the
day after each account's newest order (an ads-only account: its newest ads day).

A run writes into folders beside the final ones and swaps them in at the end, so OUT shows
either the previous run or this one, never a mix; Ctrl-C (or SIGTERM) leaves OUT as it was.
One run at a time writes to an OUT: a second one refuses (or waits --wait SECONDS).

Exit code: 0 all reports ran, 1 some failed or some accounts could not run (see the summary
and OUT/index.html), 2 invalid parameters or configuration, every mistake listed (nothing ran), 3 another run is writing to OUT (nothing ran),
130 interrupted (OUT unchanged).
"""


def _check_data(args) -> int:
    from .datafolder import check, format_check
    from .errors import PostshipError

    try:
        result = check(args.folder)
    except PostshipError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_check(result))
    return 1 if len(result["problems"]) else 0


def load_config(path: str | Path, problems: list[str] | None = None) -> dict:
    """A report config file, every scalar as text (YAML ``BaseLoader``): the runner converts
    values to each parameter's declared type. Raises ParameterError listing every unknown key
    and every setting of the wrong shape at once; with a ``problems`` list they are added to
    it instead and the settings returned, so the caller can report the rest too."""
    import yaml

    from .errors import ParameterError

    try:
        cfg = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ParameterError(f"config {str(path)!r}: {e}") from None
    if not isinstance(cfg, dict):
        raise ParameterError(f"config {str(path)!r}: expected a mapping of settings")
    collect, found = problems, []
    unknown = sorted(set(cfg) - CONFIG_KEYS)
    if unknown:
        found.append(f"config {str(path)!r}: unknown setting(s) {unknown}; known: "
                     f"{sorted(CONFIG_KEYS)}")
    for key, typ in (("parameters", dict), ("grid", dict), ("runs", list)):
        if key in cfg and not isinstance(cfg[key], typ):
            found.append(f"config {str(path)!r}: {key!r} must be a "
                         f"{'mapping' if typ is dict else 'list'}")
    if isinstance(cfg.get("runs"), list) and any(not isinstance(r, dict) for r in cfg["runs"]):
        found.append(f"config {str(path)!r}: each entry of 'runs' must be a mapping of "
                     "parameters")
    if found and collect is None:
        raise ParameterError("\n".join(found))
    if collect is not None:
        collect.extend(found)
    return cfg


def _int_setting(name: str, value, minimum: int) -> int:
    from .errors import ParameterError

    try:
        v = int(str(value))
    except ValueError:
        raise ParameterError(f"setting {name!r} must be an integer, got {value!r}") from None
    if v < minimum:
        raise ParameterError(f"setting {name!r} must be at least {minimum}, got {v}")
    return v


def _report(args) -> int:
    from .errors import ParameterError
    from .reporting import publish, runner

    def say(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    # every mistake in the settings is collected and reported at once (exit 2, nothing ran)
    problems: list[str] = []

    def attempt(fn, default=None):
        try:
            return fn()
        except ParameterError as e:
            problems.extend(str(e).splitlines())
            return default

    cfg = attempt(lambda: load_config(args.config, problems), {}) if args.config else {}
    cfg = {k: v for k, v in cfg.items() if k in CONFIG_KEYS}

    def pick(flag, key, default):
        return flag if flag is not None else cfg.get(key, default)

    data = pick(args.data, "data", cfg.get("data_dir", "data/sample"))
    out = Path(pick(args.out, "out", "reports"))
    only = pick(args.notebooks, "notebooks", None)
    if isinstance(only, str):
        only = [o for o in only.split(",") if o.strip()]
    notebooks = attempt(lambda: runner.report_notebooks(args.nb_dir or runner.NOTEBOOK_DIR,
                                                        only))
    workers = attempt(lambda: _int_setting("workers", pick(args.workers, "workers", 1), 1), 1)
    timeout = attempt(lambda: _int_setting("timeout", pick(args.timeout, "timeout", 900), 1),
                      900)
    start_timeout = attempt(lambda: _int_setting(
        "start_timeout", pick(args.start_timeout, "start_timeout", 120), 1), 120)
    wait = attempt(lambda: _int_setting("wait", pick(args.wait, "wait", 0), 0), 0)
    show_code = args.show_code or str(cfg.get("show_code", "false")).lower() in (
        "true", "yes", "1", "on")
    force = args.force or str(cfg.get("force", "false")).lower() in ("true", "yes", "1", "on")
    cli = {}
    for flag, name in ((args.seller, "seller_id"), (args.marketplaces, "marketplaces"),
                       (args.as_of, "as_of")):
        if flag is not None:
            cli[name] = flag
    for name, value in args.param or []:
        cli[name] = value
    params = cfg.get("parameters", {}) if isinstance(cfg.get("parameters", {}), dict) else {}
    runs = [r for r in cfg.get("runs", []) if isinstance(r, dict)] \
        if isinstance(cfg.get("runs", []), list) else []
    grid = cfg.get("grid") if isinstance(cfg.get("grid"), dict) else None
    # command-line parameters win over the file's parameters, runs and grid
    sets = [{**s, **cli} for s in runner.expand({**params, **cli}, runs, grid)]
    skipped: list[str] = []
    planned = None
    store = pick(args.store, "store", None)
    if force:
        store_for_plan = None  # --force reads every export again
    else:
        from .reporting import reuse

        store_for_plan = reuse.store_root(store, out)
    # the output folder is locked before the data folder is read for planning (reading a
    # large folder takes a while: a second run is refused or waits at once, not after that)
    lock = None
    with contextlib.ExitStack() as stack:
        if notebooks is not None and not problems:
            if not out.exists():  # taking the lock makes the folder: gone again if nothing ran
                stack.callback(lambda: out.rmdir() if out.is_dir() and not any(out.iterdir())
                               else None)
            try:
                lock = stack.enter_context(publish.RunLock(out, wait=wait, say=say))
            except publish.OutputBusy as e:
                print(f"error: {e}", file=sys.stderr)
                return 3
        if notebooks is not None:
            planned = attempt(lambda: runner.plan(
                data, out, sets, notebooks, template=pick(args.out_template, "out_template", None),
                skipped=skipped, store=store_for_plan))
        if problems:
            for p in problems:
                print(f"error: {p}", file=sys.stderr)
            return 2
        for w in skipped + runner.as_of_warnings(planned, store_for_plan):
            print(f"warning: {w}", file=sys.stderr, flush=True)
        try:
            result = runner.run(planned, notebooks, workers=workers,
                                dask_address=pick(args.dask, "dask", None), timeout=timeout,
                                start_timeout=start_timeout, show_code=show_code,
                                kernel=pick(args.kernel, "kernel", None), out_root=out, progress=say,
                                wait=wait, store=store, force=force, lock=lock)
        except ParameterError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        except publish.OutputBusy as e:
            print(f"error: {e}", file=sys.stderr)
            return 3
        n_ok = sum(r.status != "failed" for r in result.runs)
        print(f"{n_ok} of {len(result.runs)} report(s) ran for {len(planned)} parameter set(s); "
              f"index: {result.index_html}")
        failures = runner.format_failures(result)
        if failures:
            print("\n" + failures, file=sys.stderr)
        if skipped:
            print(f"{len(skipped)} group(s) of accounts not run (see the warnings above)",
                  file=sys.stderr)
        return 1 if failures or skipped else 0


def _params(args) -> int:
    from .errors import ParameterError
    from .reporting import runner

    try:
        nb = runner.resolve_notebook(args.notebook)
    except ParameterError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{nb.name}: parameters (name, type [bounds], default, meaning)")
    print(runner.format_parameters(runner.notebook_parameters(nb)))
    return 0


def _notebook_help() -> str:
    """The parameters of every report notebook, for ``postship report --help``."""
    try:
        from .reporting import runner

        nbs = runner.report_notebooks()
        if not nbs:
            return ""
        specs = {nb: runner.notebook_parameters(nb) for nb in nbs}
        common = [n for n in runner.COMMON if all(n in s for s in specs.values())]
        first = next(iter(specs.values()))
        lines = ["report parameters (pass with -p NAME VALUE or in the config's parameters):",
                 "", "every notebook:",
                 runner.format_parameters({n: first[n] for n in common})]
        for nb, s in specs.items():
            own = {n: v for n, v in s.items() if n not in common}
            if own:
                lines += ["", f"{nb.stem} only:", runner.format_parameters(own)]
        return "\n".join(lines) + "\n\n"
    except Exception as e:  # help must never crash
        return f"(could not list notebook parameters: {e})\n\n"


FETCH_EPILOG = """\
credentials file (YAML, one profile per seller account and region; see docs/SCHEDULING.md):

  my-brand-na:
    seller: my-brand            # the account folder: DATA/my-brand/US/...
    region: NA                  # NA | EU | FE
    marketplaces: [US, CA]
    refresh_token: env:MY_BRAND_SP_REFRESH_TOKEN   # env:NAME = from the environment
    lwa_app_id: amzn1.application-oa2-client.xxxx
    lwa_client_secret: env:LWA_CLIENT_SECRET
    ads:                        # Amazon Ads API (omit for no advertising)
      client_id: amzn1.application-oa2-client.yyyy
      client_secret: env:ADS_CLIENT_SECRET
      refresh_token: env:MY_BRAND_ADS_REFRESH_TOKEN
      profile_id: {US: 1234567890, CA: 2345678901}

Keys missing from a profile are read from SP_API_REFRESH_TOKEN, LWA_APP_ID,
LWA_CLIENT_SECRET, AD_API_REFRESH_TOKEN, AD_API_CLIENT_ID, AD_API_CLIENT_SECRET.

Only what the folder lacks is requested: missing months, a month fetched before it ended or
within its restatement window, today's snapshots. Files are written as a manual download
(`All Orders 2026-11-01..2026-11-30.txt`, `Manage FBA Inventory 2026-12-02.txt`).

Exit code: 0 every report fetched or up to date, 1 some failed (see the summary), 2 bad
credentials file or arguments (nothing fetched), 3 another fetch is writing to DATA.
"""


def _fetch(args) -> int:
    import fcntl
    import logging
    import os
    from datetime import UTC, date, datetime

    from .errors import PostshipError
    from .fetch import run
    from .fetch.common import redact
    from .fetch.credentials import all_secrets, load_credentials

    def fail(msg: str, code: int = 2) -> int:
        print(f"error: {msg}", file=sys.stderr)
        return code

    path = args.credentials or os.environ.get("POSTSHIP_CREDENTIALS") or \
        "postship-credentials.yml"
    try:
        profiles = load_credentials(path)
    except PostshipError as e:
        return fail(str(e))
    if args.seller and args.seller not in {p.seller for p in profiles}:
        return fail(f"--seller {args.seller!r}: no profile of {path!r} writes that account "
                    f"({', '.join(sorted({p.seller for p in profiles}))})")
    try:
        since = date.fromisoformat(args.since) if args.since else None
        now = (datetime.fromisoformat(args.now) if args.now
               else datetime.now(UTC))   # the run's one clock reading
        if now.tzinfo is None:
            raise ValueError("--now needs a UTC offset")
        poll, timeout = float(args.poll_interval), float(args.timeout)
    except ValueError as e:
        return fail(f"bad argument: {e}")
    data = Path(args.data)
    if not data.is_dir():
        return fail(f"data folder {str(data)!r} does not exist (create it first)")
    if args.ads_reports:
        from .fetch import adsapi

        unknown = sorted({x.strip() for x in args.ads_reports.split(",") if x.strip()}
                         - set(adsapi.REPORTS))
        if unknown:
            return fail(f"--ads-reports: unknown {unknown}; known: {sorted(adsapi.REPORTS)}")
    if not args.quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s")   # progress lines
    secrets = all_secrets(profiles)
    lock = open(data / ".postship-fetch.lock", "a")  # noqa: SIM115 - held for the run
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return fail(f"another postship fetch is writing to {str(data)!r} "
                        f"({data / '.postship-fetch.lock'}); nothing fetched", 3)
        try:
            ads_reports = ([x.strip() for x in args.ads_reports.split(",") if x.strip()]
                           if args.ads_reports else None)
            outcomes = run.fetch(data, profiles, now=now, since=since, seller=args.seller,
                                 poll_interval=poll, timeout_s=timeout,
                                 ads_reports=ads_reports)
        except PostshipError as e:
            return fail(redact(str(e), secrets))
        print(redact(run.format_summary(outcomes), secrets))
        return 1 if any(o.status == "failed" for o in outcomes) else 0
    finally:
        lock.close()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(
        prog="postship", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Post-ship analytics for Amazon sellers.\n\n"
                    "  postship check-data DIR   what a folder of exports holds, what can run\n"
                    "  postship report ...       run the report notebooks, render HTML\n"
                    "  postship params NB        a notebook's parameters\n"
                    "  postship fetch ...        download the exports from Amazon's APIs\n\n"
                    "postship COMMAND --help shows each command's options.")
    sub = ap.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("check-data", help="say which inputs a data folder has and what can run")
    c.add_argument("folder")
    c.set_defaults(func=_check_data)

    wants_help = "report" in argv and ("-h" in argv or "--help" in argv)
    r = sub.add_parser(
        "report", help="run the report notebooks and render HTML",
        description="Run the report notebooks (papermill) for one or many parameter sets and "
                    "render standalone HTML (nbconvert), with summary.json per set and "
                    "OUT/index.html + OUT/history.csv for the run.",
        epilog=(_notebook_help() if wants_help else "") + CONFIG_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("--config", help="YAML file with settings and parameter sets (see below)")
    r.add_argument("--data", default=None, help="data folder (default data/sample)")
    r.add_argument("--out", default=None, help="output folder (default reports)")
    r.add_argument("--out-template", default=None,
                   help="folder per parameter set under --out, with {parameter} fields "
                        "(default {seller_id}/{as_of}; {seller_id}/{marketplaces}/{as_of} when "
                        "marketplaces are given)")
    r.add_argument("--seller", default=None, help="seller account (default: every account)")
    r.add_argument("--marketplaces", default=None, help="e.g. US,DE (default: all)")
    r.add_argument("--as-of", default=None,
                   help="as-of date YYYY-MM-DD (default, per account: the day after its "
                        "newest order; an ads-only account: its newest ads day)")
    r.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="a notebook parameter (repeatable); converted to its declared type")
    r.add_argument("--notebooks", default=None, help="comma-separated subset, e.g. 00,10")
    r.add_argument("--workers", default=None, help="parallel worker processes (default 1)")
    r.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="run on this Dask scheduler instead (needs postship-analysis[dask]; "
                        "the output folder must be shared with the workers)")
    r.add_argument("--timeout", default=None, help="per-cell timeout in seconds (default 900)")
    r.add_argument("--start-timeout", default=None,
                   help="kernel start timeout in seconds (default 120)")
    r.add_argument("--show-code", action="store_true", help="keep code cells in the HTML")
    r.add_argument("--store", default=None,
                   help="folder of the Parquet store each account's inputs are read into once "
                        "(default OUT/store; see README, 'The store')")
    r.add_argument("--force", action="store_true",
                   help="rebuild the stores and rerun every report, even those whose inputs, "
                        "code and parameters are unchanged (reused by default)")
    r.add_argument("--wait", default=None, metavar="SECONDS",
                   help="when another run is writing to --out, wait up to this long for it "
                        "(default 0: refuse at once)")
    r.add_argument("--kernel", default=None,
                   help="Jupyter kernel (default: 'postship' if registered, else python3)")
    r.add_argument("--nb-dir", default=None, help=argparse.SUPPRESS)
    r.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    r.set_defaults(func=_report)

    p = sub.add_parser("params", help="list a notebook's parameters (type, default, meaning)")
    p.add_argument("notebook", help="a notebook file, or a report's number or name (e.g. 10)")
    p.set_defaults(func=_params)

    f = sub.add_parser(
        "fetch", help="download the exports the data folder needs from the SP-API and Ads API",
        description="Request the reports each account's data folder needs from the Selling "
                    "Partner API and the Amazon Ads API, wait for them, and write them into "
                    "DATA/<seller>/<MP>/ as manual downloads; prints a summary.",
        epilog=FETCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    f.add_argument("--data", required=True, help="data folder (one sub-folder per account)")
    f.add_argument("--credentials", default=None,
                   help="credentials file (default: $POSTSHIP_CREDENTIALS, else "
                        "postship-credentials.yml in the working folder)")
    f.add_argument("--seller", default=None, help="only this account (default: every profile)")
    f.add_argument("--since", default=None, metavar="YYYY-MM-DD",
                   help="first day wanted (default: the earliest fetched file, or 18 months "
                        "back for a fresh folder)")
    f.add_argument("--poll-interval", default="5", metavar="SECONDS",
                   help="first wait between report status checks (grows to 60 s; default 5)")
    f.add_argument("--timeout", default="900", metavar="SECONDS",
                   help="give up on a report still processing after this long (default 900)")
    f.add_argument("--ads-reports", default=None, metavar="LIST",
                   help="Amazon Ads reports to fetch, e.g. spCampaigns,spAdvertisedProduct "
                        "(default: spCampaigns, spAdvertisedProduct, spSearchTerm, "
                        "spTargeting; the bulk download always); leave out spSearchTerm to keep "
                        "using console search-term downloads")
    f.add_argument("--now", default=None, help=argparse.SUPPRESS)   # tests: the run's clock
    f.add_argument("-q", "--quiet", action="store_true", help="only the summary")
    f.set_defaults(func=_fetch)

    args = ap.parse_args(argv)
    from .reporting.publish import sigterm_as_interrupt

    try:
        with sigterm_as_interrupt():
            return args.func(args)
    except KeyboardInterrupt as e:  # Ctrl-C or SIGTERM: one line, no traceback
        msg = getattr(e, "message", "") or "interrupted before anything was written"
        print(msg, file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
