"""Read once, reuse what is current: the runner's store step and report reuse.

Before any notebook runs, each account in the run gets its Parquet store
(:func:`postship_analysis.store.build`, one task per account on the run's worker pool): the
folder is read and validated once, and every notebook of that account reads the store (its
``store`` parameter, set by the runner). A store that is whole and was built from the same
input files, package code and parameters is reused as it is.

Finished reports are reused too (unless ``force``), a parameter-set folder at a time (a
folder always holds one run, see :mod:`.publish`). Each notebook that ran leaves
``<notebook>.run.json`` beside its HTML with a *run key*, a SHA-256 over everything its output
depends on:

* the package's code (:func:`postship_analysis.store.code_fingerprint`) and the notebook's
  source;
* the versions of Python and of the libraries that compute or draw (pandas, numpy, pyarrow,
  statsmodels, matplotlib, papermill, nbconvert, jinja2...);
* the notebook's parameters (not the runner's ``output_dir``/``store`` paths), whether code
  is shown, and the content of any file a parameter names (e.g. ``overrides_csv``);
* the account's files: the input files (SHA-256 from the store manifest) and every other
  file in the account's folder (the message templates).

A set whose folder holds exactly the notebooks asked for, each with the same key, none
failed, their executed notebook and HTML and the set's ``summary.json`` present, is left as it
is: nothing runs, nothing is rewritten, its HTML keeps the stamp of the run that made it.
Anything else (a changed file, another as-of date or parameter, other code, a failure last
time, another choice of notebooks, ``force``) runs the set again. Nothing here reads the
clock.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import store

#: the store's folder under the output folder when no other is given
STORE_DIR = "store"
#: parameters that are paths set by the runner: not part of what a report computes
PATH_PARAMETERS = ("output_dir", "store")
LIBRARIES = ("pandas", "numpy", "pyarrow", "statsmodels", "matplotlib", "papermill",
             "nbconvert", "nbformat", "nbclient", "jinja2", "ipykernel", "jupytext", "openpyxl")
RUN_SUFFIX = ".run.json"


# ---------------------------------------------------------------------------------------------
# The store step
# ---------------------------------------------------------------------------------------------

def build_task(data_dir: str, store_root: str, seller_id: str, force: bool) -> dict:
    """Build or reuse one account's store (runs in a worker). Never raises: a failure is
    returned, and that account's notebooks then read the folder themselves."""
    try:
        b = store.build(data_dir, store_root, seller_id, force=force)
        return {**asdict(b), "error": ""}
    except Exception as e:  # a store failure must not stop the reports
        return {"seller_id": seller_id, "path": "", "rebuilt": False, "reason": "",
                "seconds": 0.0, "tables": {}, "error": f"{type(e).__name__}: {e}"}


def accounts_of(sets) -> list[tuple[str, str]]:
    """Distinct (data folder, account) pairs of parameter sets, in order."""
    return list(dict.fromkeys((ps.params["data_dir"], ps.params.get("seller_id") or "")
                              for ps in sets))


# ---------------------------------------------------------------------------------------------
# Run keys
# ---------------------------------------------------------------------------------------------

@functools.cache
def environment() -> dict:
    """Python and library versions a report's numbers and pictures may depend on."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = ""
    return out


def _account_folder(data_dir: Path, seller_id: str) -> Path:
    d = data_dir / seller_id
    return d if seller_id and d.is_dir() else data_dir


def account_files(data_dir: str | Path, seller_id: str,
                  inputs: list[dict] | None = None) -> list[tuple[str, str]]:
    """(relative path, SHA-256) of every file a report of the account may read: its inputs
    (``inputs``: the store manifest's records, else hashed now) and the other files in its
    folder, such as message templates."""
    root = Path(data_dir)
    real_root = root.resolve()
    recs = inputs if inputs is not None else store.input_records(root, seller_id)
    out = {r["file"]: r["sha256"] for r in recs}
    folder = _account_folder(root, seller_id)
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and not any(s.startswith(".") for s in rel.parts) \
                and rel.as_posix() not in out:
            target = Path(os.path.realpath(p))
            # a link leaving the data folder is never opened (datafolder.list_files)
            out[rel.as_posix()] = (store.sha256_file(p) if target.is_relative_to(real_root)
                                   else f"link to {target}")
    return sorted(out.items())


def run_key(notebook: str | Path, params: dict, files: list[tuple[str, str]],
            show_code: bool = False) -> str:
    """SHA-256 over everything a notebook's report depends on (see the module docstring)."""
    nb = Path(notebook)
    given = {k: v for k, v in params.items() if k not in PATH_PARAMETERS}
    named = {}
    for k, v in given.items():
        if k != "data_dir" and isinstance(v, str) and v and Path(v).is_file():
            named[k] = store.sha256_file(v)
    blob = json.dumps({
        "code": store.code_fingerprint(), "notebook": nb.name,
        "source": hashlib.sha256(nb.read_bytes()).hexdigest(),
        "environment": environment(), "parameters": given, "parameter_files": named,
        "show_code": bool(show_code), "files": files,
    }, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def record_path(out_dir: str | Path, notebook: str | Path) -> Path:
    return Path(out_dir) / (Path(notebook).stem + RUN_SUFFIX)


def record(out_dir: str | Path, notebook: str | Path, key: str, status: str, message: str,
           seconds: float) -> None:
    """Remember a finished notebook run (written after its HTML, so a run killed before
    that leaves no record and runs again)."""
    p = record_path(out_dir, notebook)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps({"key": key, "status": status, "message": message,
                               "seconds": seconds}, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(p)


def reusable(out_dir: str | Path, notebook: str | Path, key: str) -> dict | None:
    """The recorded run of ``notebook`` in ``out_dir`` when it can stand for a new run with
    ``key``: same key, not failed, executed notebook and HTML present. Else None."""
    out_dir = Path(out_dir)
    try:
        rec = json.loads(record_path(out_dir, notebook).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    stem = Path(notebook).stem
    if (not isinstance(rec, dict) or rec.get("key") != key
            or rec.get("status") not in ("ok", "no_data")
            or not (out_dir / f"{stem}.ipynb").is_file()
            or not (out_dir / f"{stem}.html").is_file()):
        return None
    return rec


# ---------------------------------------------------------------------------------------------
# What the runner calls
# ---------------------------------------------------------------------------------------------

def build_stores(pool, sets, store_root: str | Path, force: bool, say) -> dict:
    """Build (or reuse) the store of every account in ``sets`` on the run's pool, one task
    per account. Returns ``{(data_dir, seller_id): build_task result}``; an account whose
    store failed is reported and its notebooks read the folder."""
    out, todo = {}, []
    for d, s in (p for p in accounts_of(sets) if p[1]):
        # checked here first (cheap): a current store needs no worker
        if not force and not store.problem(store_root, d, s):
            out[(d, s)] = {"seller_id": s, "rebuilt": False, "reason": "", "seconds": 0.0,
                           "error": ""}
        else:
            todo.append((d, s))
    calls = [(build_task, (d, str(store_root), s, force)) for d, s in todo]
    for i, res in pool.map(_call, calls):
        if isinstance(res, Exception):
            res = {"seller_id": todo[i][1], "rebuilt": False, "reason": "", "seconds": 0.0,
                   "error": f"{type(res).__name__}: {res}"}
        out[todo[i]] = res
    built = [r for r in out.values() if r.get("rebuilt")]
    failed = [r for r in out.values() if r.get("error")]
    parts = []
    if built:
        parts.append(f"{len(built)} account(s) read (" + "; ".join(
            f"{r['seller_id']} {r['seconds']:.0f} s: {r['reason']}" for r in built[:3])
            + ("; ..." if len(built) > 3 else "") + ")")
    if len(out) - len(built) - len(failed):
        parts.append(f"{len(out) - len(built) - len(failed)} account(s) current")
    if failed:
        parts.append(f"{len(failed)} failed, their reports read the folder (" + "; ".join(
            f"{r['seller_id']}: {r['error']}" for r in failed[:3]) + ")")
    say(f"store {store_root}: " + ", ".join(parts))
    return out


def _call(fn, args):
    return fn(*args)


def store_for(stores: dict, store_root, ps) -> str:
    """The ``store`` parameter of a parameter set's notebooks: the store when its account's
    store is ready, else "" (the notebooks read the folder)."""
    key = (ps.params["data_dir"], ps.params.get("seller_id") or "")
    r = stores.get(key)
    return str(store_root) if r is not None and not r.get("error") else ""


def store_root(store: str | Path | None, out_root: str | Path | None) -> Path | None:
    """Where the run's store is: ``store`` if given, else ``out_root/store``, else none."""
    if store:
        return Path(store)
    return Path(out_root) / STORE_DIR if out_root is not None else None


@dataclass
class SetPlan:
    """A parameter set's part in the run: the ``store`` its notebooks read ("" = the
    folder), each notebook's run key, and the earlier runs that stand for it (None: it
    runs)."""

    store: str
    keys: dict = field(default_factory=dict)  # notebook stem -> run key
    records: dict | None = None  # notebook stem -> run record, when the set is reused


def reusable_set(folder: str | Path, keys: dict) -> dict | None:
    """The run records in ``folder`` when they can stand for a run with ``keys`` (notebook
    stem -> run key): exactly those notebooks, same keys, none failed, executed notebooks,
    HTML and summary.json present. Else None."""
    folder = Path(folder)
    if not (folder / "summary.json").is_file():
        return None
    present = {p.name.removesuffix(RUN_SUFFIX) for p in folder.glob("*" + RUN_SUFFIX)}
    if present != set(keys):
        return None
    out = {}
    for stem, key in keys.items():
        rec = reusable(folder, stem, key)
        if rec is None:
            return None
        out[stem] = rec
    return out


def prepare(pool, sets, notebooks, specs: dict, store_root, show_code: bool, force: bool,
            say) -> tuple[dict, dict]:
    """The store step and the reuse decision: ``({set index: SetPlan}, {(data_dir,
    seller_id): store build result})``."""
    stores = build_stores(pool, sets, store_root, force, say) if store_root else {}
    files_of: dict = {}
    plans = {}
    for ps in sets:
        acct = (ps.params["data_dir"], ps.params.get("seller_id") or "")
        st = store_for(stores, store_root, ps)
        if acct not in files_of:
            recs = None
            if st:
                try:
                    recs = store.read_manifest(store.account_dir(st, acct[1])).get("inputs")
                except store.StoreError:
                    recs = None
            files_of[acct] = account_files(acct[0], acct[1], recs)
        keys = {}
        for nb in notebooks:
            params = {k: v for k, v in ps.params.items() if k in specs[nb]}
            keys[Path(nb).stem] = run_key(nb, params, files_of[acct], show_code)
        plan = SetPlan(st, keys)
        if not force:
            plan.records = reusable_set(ps.out_dir, keys)
        plans[ps.index] = plan
    return plans, stores


def remember(plan: SetPlan, folder: str | Path, run) -> None:
    """Record a notebook that ran (a :class:`.runner.NotebookRun`) for the next run's reuse
    decision: only when it did not fail and its HTML was rendered."""
    stem = Path(run.notebook).stem
    if run.status != "failed" and run.html and stem in plan.keys:
        record(folder, stem, plan.keys[stem], run.status, run.message, run.seconds)


def reused_runs(plan: SetPlan, folder: str | Path, notebooks) -> list[dict]:
    """The runs of a reused set, as :class:`.runner.NotebookRun` fields, in notebook order."""
    folder = Path(folder)
    out = []
    for nb in notebooks:
        stem = Path(nb).stem
        rec = plan.records[stem]
        out.append({"notebook": f"{stem}.ipynb", "status": rec["status"],
                    "ipynb": str(folder / f"{stem}.ipynb"),
                    "html": str(folder / f"{stem}.html"), "error": "", "seconds": 0.0,
                    "message": rec.get("message", "")})
    return out
