"""Command line: ``postship check-data DIR``, ``postship report``, ``postship params NB``."""

from __future__ import annotations

import argparse
import sys


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


def _report(args) -> int:
    from .reporting.runner import run_reports

    runs = run_reports(args.data, args.out, as_of=args.as_of,
                       only=args.notebooks.split(",") if args.notebooks else None,
                       show_code=args.show_code, timeout=args.timeout)
    failed = [r for r in runs if r.status != "ok"]
    for r in runs:
        print(f"{r.status:6s} {r.notebook:35s} {r.html}")
    if failed:
        print(f"\n{len(failed)} notebook(s) failed:", file=sys.stderr)
        for r in failed:
            print(f"  {r.notebook}: {r.error}  (see {r.ipynb})", file=sys.stderr)
        return 1
    return 0


def _params(args) -> int:
    import papermill as pm

    info = pm.inspect_notebook(args.notebook)
    for name, p in info.items():
        print(f"{name:20s} {p['inferred_type_name']:10s} default={p['default']:25s} "
              f"{p['help']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="postship", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("check-data", help="say which inputs a data folder has and what can run")
    c.add_argument("folder")
    c.set_defaults(func=_check_data)

    r = sub.add_parser("report", help="run the report notebooks and render HTML")
    r.add_argument("--data", default="data/sample", help="data folder (default data/sample)")
    r.add_argument("--out", default="reports", help="output folder (default reports)")
    r.add_argument("--as-of", default=None,
                   help="as-of date YYYY-MM-DD (default: the day after the newest order)")
    r.add_argument("--notebooks", default=None, help="comma-separated subset, e.g. 00,10")
    r.add_argument("--show-code", action="store_true", help="keep code cells in the HTML")
    r.add_argument("--timeout", type=int, default=900, help="per-cell timeout in seconds")
    r.set_defaults(func=_report)

    p = sub.add_parser("params", help="list a notebook's parameters")
    p.add_argument("notebook")
    p.set_defaults(func=_params)

    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
