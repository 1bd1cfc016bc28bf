"""Run the report notebooks with papermill and render them to standalone HTML.

Two steps, as papermill recommends: execute (``papermill.execute_notebook``, with a per-cell
timeout and a kernel start timeout) into an output folder per parameter set (by default
``OUT/<seller>/<as_of>/``), then ``nbconvert``'s HTML exporter with the code hidden; plots are
embedded as PNG data and no script is loaded from the network, so the HTML file opens offline
and can be attached to an email. A notebook that fails keeps its executed copy with the error
visible, and is rendered too; one failure never stops the other notebooks or accounts.

Parameters are checked *before* anything runs, against each notebook's ``parameters`` cell
(:func:`notebook_parameters`) and the checks in the cell after it (``P.as_int(x, "x",
minimum=0)``...): unknown names, wrong types and impossible values raise
:class:`~postship_analysis.errors.ParameterError` naming the parameter. Values given as text
(command line, YAML) are converted to the declared type, so ``"00123"`` stays a string where
the parameter is ``str``.

Work is fanned out over a local process pool (``workers``) or an existing Dask cluster
(``dask_address``, needs the optional ``distributed`` package; the output folder must be on a
file system the Dask workers share).

Per parameter set the run leaves: the executed notebooks, their HTML, the notebooks' action
CSVs, ``inputs.json`` (input files with SHA-256 and row counts) and ``summary.json`` (status and
KPIs; no clock, no output path, so the same inputs and parameters give the same bytes). For
the run: ``OUT/index.html`` and ``OUT/history.csv`` (see :mod:`.index`).

This is the only module (with :mod:`.cli`) that imports papermill.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import ParameterError
from .outputs import gather_actions, gather_kpis, read_statuses
from .render import RUN_INFO_TAG, finish_task, render_html, run_info_html  # noqa: F401

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = PACKAGE_ROOT / "notebooks"
KERNEL = "postship"
#: parameters every report notebook has; ``output_dir`` is set by the runner only
COMMON = ("data_dir", "seller_id", "marketplaces", "as_of", "max_rows", "output_dir", "store")
RUNNER_ONLY = ("output_dir", "store")
DEFAULT_TEMPLATE = "{seller_id}/{as_of}"
DEFAULT_TEMPLATE_MP = "{seller_id}/{marketplaces}/{as_of}"
#: how bad a status is, for a parameter set's overall status
SEVERITY = {"ok": 0, "no_data": 1, "failed": 2}


# ---------------------------------------------------------------------------------------------
# Notebooks and their parameters
# ---------------------------------------------------------------------------------------------

#: suffixes of notebook sources: jupytext percent scripts (the project's own notebooks) and
#: plain notebooks (a user's own folder may hold either)
NOTEBOOK_SUFFIXES = (".py", ".ipynb")


def read_notebook(path: str | Path):
    """A notebook as an ``nbformat`` node: a jupytext percent script (``# %%`` cells; the
    project's notebooks are kept in this form, one source each, reviewable as plain Python)
    or an ``.ipynb`` file."""
    path = Path(path)
    if path.suffix == ".py":
        import jupytext

        nb = jupytext.read(path, fmt="py:percent")
        nb.metadata.setdefault("kernelspec", {"name": KERNEL, "display_name": "Python (postship)",
                                              "language": "python"})
        nb.metadata.setdefault("language_info", {"name": "python"})
        return nb
    import nbformat

    return nbformat.read(str(path), as_version=4)


def executed_name(nb: str | Path) -> str:
    """File name of a notebook's executed copy: always ``.ipynb``."""
    return Path(nb).stem + ".ipynb"


def report_notebooks(nb_dir: str | Path = NOTEBOOK_DIR, only: list[str] | None = None) -> list[Path]:
    """Report notebooks: ``NN_name.py`` (jupytext percent) or ``NN_name.ipynb`` in ``nb_dir``,
    in order; ``only`` filters by prefix or name (``["00", "10_fulfilment_health"]``). An
    ``only`` entry matching nothing is an error naming it."""
    nbs = sorted(p for p in Path(nb_dir).glob("[0-9][0-9]_*") if p.suffix in NOTEBOOK_SUFFIXES)
    if only:
        def hit(n: Path, o: str) -> bool:
            o = o.strip()
            return n.stem == o or n.stem.startswith(o + "_") or n.name == o
        unknown = [o for o in only if not any(hit(n, o) for n in nbs)]
        if unknown:
            raise ParameterError(f"notebooks: no report notebook matches {unknown}; "
                                 f"known: {[n.stem for n in nbs]}")
        nbs = [n for n in nbs if any(hit(n, o) for o in only)]
    return nbs


def resolve_notebook(name: str | Path, nb_dir: str | Path = NOTEBOOK_DIR) -> Path:
    """A notebook path, or a prefix/name of a report notebook (``"10"``)."""
    p = Path(name)
    if p.is_file():
        return p
    return report_notebooks(nb_dir, [str(name)])[0]


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a notebook's ``parameters`` cell."""

    name: str
    type: str  # "str", "int", "float", "bool" or "None" (no annotation)
    default: object
    help: str
    minimum: float | None = None
    maximum: float | None = None
    kind: str = ""  # "date", "folder", "marketplaces" when the notebook checks it so


_CHECK = re.compile(
    r"P\.as_(?P<fn>int|float|date|folder|marketplaces|str)\(\s*(?P<var>\w+)\s*,\s*"
    r"['\"](?P<name>\w+)['\"](?P<rest>[^)]*)\)")


def _checks(nb_path: Path) -> dict[str, dict]:
    """The notebook's own ``P.as_*(value, "name", minimum=..)`` checks, by parameter name."""
    nb = read_notebook(nb_path)
    out: dict[str, dict] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for m in _CHECK.finditer(cell.source):
            d = out.setdefault(m["name"], {})
            if m["fn"] in ("date", "folder", "marketplaces"):
                d["kind"] = m["fn"]
            for bound in ("minimum", "maximum"):
                b = re.search(bound + r"\s*=\s*([-+0-9.eE]+)", m["rest"])
                if b:
                    d[bound] = float(b.group(1))
    return out


def notebook_parameters(nb: str | Path) -> dict[str, ParamSpec]:
    """The parameters of a notebook (``papermill.inspect_notebook``), with their type, default,
    help text (the line's trailing comment) and the bounds the notebook checks."""
    import papermill as pm

    nb = Path(nb)
    with tempfile.TemporaryDirectory(prefix="postship-inspect-") as tmp:
        import nbformat

        ipynb = Path(tmp) / executed_name(nb)
        nbformat.write(read_notebook(nb), str(ipynb))
        info = pm.inspect_notebook(str(ipynb))
    checks = _checks(nb)
    out = {}
    for name, p in info.items():
        try:
            default = ast.literal_eval(p["default"])
        except (ValueError, SyntaxError):
            default = p["default"]
        c = checks.get(name, {})
        out[name] = ParamSpec(name, p["inferred_type_name"] or "None", default, p["help"] or "",
                              c.get("minimum"), c.get("maximum"), c.get("kind", ""))
    return out


def format_parameters(specs: dict[str, ParamSpec]) -> str:
    """A table of parameters for ``postship params`` and ``postship report --help``."""
    lines = []
    for s in specs.values():
        bounds = ""
        if s.minimum is not None or s.maximum is not None:
            lo = "" if s.minimum is None else f"{s.minimum:g}"
            hi = "" if s.maximum is None else f"{s.maximum:g}"
            bounds = f" [{lo}..{hi}]"
        note = " (set by the runner)" if s.name in RUNNER_ONLY else ""
        lines.append(f"  {s.name:26s} {s.type + bounds:14s} default {s.default!r:14s} "
                     f"{s.help}{note}")
    return "\n".join(lines)


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def coerce(name: str, value, spec: ParamSpec):
    """``value`` converted to the declared type of ``spec``; text (command line, YAML) is
    parsed, other values must already have the right type. Raises ParameterError naming the
    parameter."""
    t = spec.type
    if isinstance(value, (list, tuple)) and t == "str":
        if not all(isinstance(v, str) for v in value):
            raise ParameterError(f"parameter {name!r} must be text or a list of text, "
                                 f"got {value!r}")
        value = ",".join(v.strip() for v in value)
    if isinstance(value, str):
        v = value.strip()
        if t in ("str", "None"):
            return value
        if t == "int":
            if not re.fullmatch(r"[+-]?\d+", v):
                raise ParameterError(f"parameter {name!r} must be an integer, got {value!r}")
            return int(v)
        if t == "float":
            try:
                f = float(v)
            except ValueError:
                raise ParameterError(f"parameter {name!r} must be a number, got {value!r}") \
                    from None
            if not math.isfinite(f):
                raise ParameterError(f"parameter {name!r} must be a finite number, got {value!r}")
            return f
        if t == "bool":
            if v.lower() in _TRUE:
                return True
            if v.lower() in _FALSE:
                return False
            raise ParameterError(f"parameter {name!r} must be true or false, got {value!r}")
    ok = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}.get(t)
    if ok and (not isinstance(value, ok) or (t != "bool" and isinstance(value, bool))):
        hint = " (quote identifiers such as '00123')" if t == "str" else ""
        raise ParameterError(f"parameter {name!r} must be {t}, got {type(value).__name__} "
                             f"{value!r}{hint}")
    if t == "float":
        value = float(value)
        if not math.isfinite(value):
            raise ParameterError(f"parameter {name!r} must be a finite number, got {value!r}")
    return value


def check_value(name: str, value, spec: ParamSpec, data_dir: Path | None = None) -> None:
    """Impossible values: bounds the notebook checks (negative numbers where it states none),
    dates, marketplace codes, folders, seller accounts. Raises ParameterError."""
    from .. import params as P

    if spec.type in ("int", "float"):
        lo = spec.minimum if spec.minimum is not None else 0
        if value < lo or (spec.maximum is not None and value > spec.maximum):
            hi = "" if spec.maximum is None else f"{spec.maximum:g}"
            raise ParameterError(f"parameter {name!r} = {value} is outside [{lo:g}, {hi}]")
    if spec.kind == "date" or name == "as_of":
        P.as_date(value, name, allow_empty=False)
    if spec.kind == "marketplaces" or name == "marketplaces":
        P.as_marketplaces(value, name)
    if (spec.kind == "folder" or name == "data_dir") and value:
        P.as_folder(value, name)
    if name == "seller_id" and value:
        if "/" in value or "\\" in value or value in (".", "..") or value.startswith("."):
            raise ParameterError(f"parameter 'seller_id' = {value!r} is not a folder name")
        if data_dir is not None and not (data_dir / value).is_dir() \
                and data_dir.resolve().name != value:
            accounts = sorted(p.name for p in data_dir.iterdir()
                              if p.is_dir() and not p.name.startswith("."))
            raise ParameterError(f"parameter 'seller_id' = {value!r}: no such account folder "
                                 f"in {str(data_dir)!r} (accounts: {accounts})")


# ---------------------------------------------------------------------------------------------
# Parameter sets
# ---------------------------------------------------------------------------------------------

@dataclass
class ParamSet:
    """One account x marketplaces x as-of run of the selected notebooks."""

    params: dict
    out_dir: Path
    index: int = 0

    @property
    def label(self) -> str:
        p = self.params
        mp = f" [{p['marketplaces']}]" if p.get("marketplaces") else ""
        return f"{p.get('seller_id') or '(all)'}{mp} {p.get('as_of', '')}"


def default_as_of(data_dir: str | Path, seller_id: str | None = None,
                  store: str | Path | None = None) -> str:
    """The as-of date of one account when none is given (:func:`datafolder.default_as_of`:
    the day after its newest order, its newest ads day for an ads-only account), as an ISO
    date; an account with no dated data at all takes the whole folder's. Never the clock.
    """
    from .. import datafolder

    day, why = datafolder.default_as_of(data_dir, seller_id, store)
    if not day and seller_id:
        day, why = datafolder.default_as_of(data_dir)
    if not day:
        raise ParameterError(f"parameter 'as_of': {why} in {str(data_dir)!r} to derive it "
                             "from; give the as-of date explicitly")
    return day


def accounts(data_dir: str | Path) -> list[str]:
    """Seller accounts in a data folder (as :func:`datafolder.discover` names them)."""
    from .. import datafolder

    return sorted({f.seller_id for f in datafolder.list_files(data_dir)})


def _slug(v) -> str:
    """A folder name for a parameter value: letters of any script, digits, ``._-``; other
    runs of characters become ``-`` (``brand ü`` -> ``brand-ü``, distinct from ``brand-ö``).

    >>> _slug("brand ü"), _slug("US,DE"), _slug("")
    ('brand-ü', 'US-DE', 'all')
    """
    text = unicodedata.normalize("NFC", str(v))
    return re.sub(r"[^\w.-]+", "-", text).strip("-") or "all"


def output_folder(out: Path, template: str, params: dict) -> Path:
    """``out / template.format(params)``: templated per account and date. Fields are the
    parameters (``marketplaces`` as ``US-DE``, empty as ``all``). Raises ParameterError for an
    unknown field or a path leaving ``out``."""
    fields = {k: _slug(v) for k, v in params.items()}
    try:
        rel = template.format(**fields)
    except (KeyError, IndexError, ValueError) as e:
        raise ParameterError(f"out_template {template!r}: unknown field {e}; fields are "
                             f"{sorted(fields)}") from None
    path = (out / rel).resolve()
    if not path.is_relative_to(out.resolve()) or path == out.resolve():
        raise ParameterError(f"out_template {template!r} gives {rel!r}, not a folder inside "
                             f"{str(out)!r}")
    return path


def expand(base: dict, runs: Iterable[dict] = (), grid: dict | None = None) -> list[dict]:
    """Parameter sets: each of ``runs`` over ``base``, then the cross product of ``grid``
    (name -> list of values) over ``base``; just ``base`` when both are empty."""
    sets = [{**base, **r} for r in runs]
    if grid:
        names = list(grid)
        values = [v if isinstance(v, list) else [v] for v in grid.values()]
        sets += [{**base, **dict(zip(names, combo, strict=True))}
                 for combo in itertools.product(*values)]
    return sets or [dict(base)]


def plan(data_dir: str | Path, out: str | Path, param_sets: list[dict], notebooks: list[Path],
         template: str | None = None, skipped: list[str] | None = None,
         store: str | Path | None = None) -> list[ParamSet]:
    """Validate and complete parameter sets before anything runs.

    ``seller_id`` empty means one set per account in the data folder; ``as_of`` empty means
    each account's own default (:func:`default_as_of`: the day after its newest order).
    Raises ParameterError
    (listing every problem, each naming its parameter) when any set is invalid, or when two sets
    would write to the same folder. With a ``skipped`` list, accounts whose folder names give
    one report folder (``brand  ü`` and ``brand ü``) are left out and said there instead, so
    the other accounts run. ``store``: the run's store, read for the default as-of dates
    where an account's store is whole and current (a rerun reads no export).
    """
    out = Path(out)
    specs: dict[str, ParamSpec] = {}
    for nb in notebooks:
        for name, s in notebook_parameters(nb).items():
            specs.setdefault(name, s)
    problems: list[str] = []
    complete: list[dict] = []
    as_of_cache: dict[tuple[str, str], str] = {}
    for i, raw in enumerate(param_sets, 1):
        where = f"parameter set {i}: " if len(param_sets) > 1 else ""
        raw = {"data_dir": str(data_dir), **raw}
        try:
            # every mistake of the set at once: unknown names, then each value on its own
            mistakes = []
            unknown = sorted(set(raw) - set(specs))
            if unknown:
                mistakes.append(f"unknown parameter(s) {unknown}; the notebooks take "
                                f"{sorted(n for n in specs if n not in RUNNER_ONLY)}")
            given = [n for n in raw if n in RUNNER_ONLY]
            if given:
                mistakes.append(f"parameter {given[0]!r} is set by the runner (use --out "
                                "and --out-template)")
            p = {}
            for k, v in raw.items():
                if k in specs and k not in RUNNER_ONLY:
                    try:
                        p[k] = coerce(k, v, specs[k])
                    except ParameterError as e:
                        mistakes.append(str(e))
            ddir = Path(p.get("data_dir", "."))
            if "data_dir" in p:
                try:
                    check_value("data_dir", p["data_dir"], specs["data_dir"])
                    p["data_dir"] = str(ddir.resolve())
                except ParameterError as e:
                    mistakes.append(str(e))
            for k, v in p.items():
                if k not in ("data_dir", "as_of") or (k == "as_of" and v):
                    try:
                        check_value(k, v, specs[k], ddir)
                    except ParameterError as e:
                        mistakes.append(str(e))
            if mistakes:
                raise ParameterError(f"\n{where}".join(mistakes))
            sellers = [p["seller_id"]] if p.get("seller_id") else accounts(ddir)
            if not sellers:
                raise ParameterError(f"parameter 'data_dir': no account folders in "
                                     f"{p['data_dir']!r}")
            p.setdefault("marketplaces", "")
            if p["marketplaces"]:
                from .. import params as P
                p["marketplaces"] = ",".join(P.as_marketplaces(p["marketplaces"], "marketplaces"))
            for s in sellers:
                q = {**p, "seller_id": s}
                if not q.get("as_of"):  # per account: accounts are downloaded on other days
                    key = (q["data_dir"], s)
                    if key not in as_of_cache:
                        as_of_cache[key] = default_as_of(ddir, s, store)
                    q["as_of"] = as_of_cache[key]
                complete.append(q)
        except ParameterError as e:
            problems.append(where + str(e))
    if problems:
        raise ParameterError("\n".join(problems))
    if template is None:
        template = DEFAULT_TEMPLATE_MP if any(p["marketplaces"] for p in complete) \
            else DEFAULT_TEMPLATE
    # folders compared case-blind: on macOS and Windows 'Brand' and 'brand' are one folder
    folders = [output_folder(out, template, p) for p in complete]
    by_folder: dict[str, list[int]] = {}
    for i, f in enumerate(folders):
        by_folder.setdefault(str(f).casefold(), []).append(i)
    drop: set[int] = set()
    for idx in by_folder.values():
        if len(idx) < 2:
            continue
        sellers = {complete[i]["seller_id"] for i in idx}
        slugs = {_slug(s).casefold() for s in sellers}
        # only different account names that give one folder name are skipped; a template
        # that lacks a field (every account into {as_of}) is the user's error
        if skipped is None or len(sellers) < len(idx) or len(slugs) > 1:
            raise ParameterError(
                f"out_template {template!r}: parameter sets {idx[0] + 1} and {idx[1] + 1} would "
                f"both write to {str(folders[idx[0]])!r}; add the field that tells them apart")
        names = sorted(sellers)
        skipped.append(f"accounts {', '.join(repr(n) for n in names)} would share the report "
                       f"folder {str(folders[idx[0]])!r}: not run; rename one of the account "
                       "folders (the other accounts run)")
        drop.update(idx)
    sets = []
    for i, p in enumerate(complete):
        if i not in drop:
            sets.append(ParamSet(p, folders[i], len(sets)))
    if not sets and skipped:
        raise ParameterError("\n".join(skipped))
    return sets


def as_of_warnings(sets: list[ParamSet], store: str | Path | None = None) -> list[str]:
    """An as-of date far after an account's newest order or before its oldest
    (:func:`postship_analysis.datafolder.warnings_table`): said before the run, since the
    reports would otherwise run "ok" with every KPI ``no_data``. Reads the orders once per
    data folder; with the run's ``store``, per account from its store where it is whole and
    current (a rerun reads no export)."""
    from .. import datafolder

    out: list[str] = []
    by_dir: dict[str, list[ParamSet]] = {}
    for ps in sets:
        by_dir.setdefault(ps.params["data_dir"], []).append(ps)
    for ddir, group in by_dir.items():
        if store:
            import pandas as pd

            sellers = sorted({ps.params["seller_id"] for ps in group})
            parts = [datafolder.load(ddir, seller_id=s, tables=["orders"], store=store)
                     for s in sellers]
            inputs = parts[0]
            orders = pd.concat([p.table("orders") for p in parts], ignore_index=True)
        else:
            inputs = datafolder.load(ddir, tables=["orders"])
            orders = inputs.table("orders")
        for as_of in sorted({ps.params["as_of"] for ps in group}):
            sellers = {ps.params["seller_id"] for ps in group if ps.params["as_of"] == as_of}
            inputs.tables = {"orders": orders[orders["seller_id"].isin(sellers)]}
            inputs.results, inputs.notes, inputs.files = [], [], []
            w = datafolder.warnings_table(inputs, as_of=as_of)
            out += [m for m in w["warning"] if m not in out]
    return out


# ---------------------------------------------------------------------------------------------
# Execution (functions below run in worker processes: top-level, picklable arguments)
# ---------------------------------------------------------------------------------------------

def kernel_name(preferred: str = KERNEL) -> str:
    """The fixed kernel name if it is registered (``make`` registers it), else ``python3``."""
    from jupyter_client.kernelspec import find_kernel_specs

    specs = find_kernel_specs()
    return preferred if preferred in specs else "python3"


def _ipc_kernel_manager(ipc_dir: str):
    """A kernel manager on IPC sockets in ``ipc_dir``: no TCP ports, so parallel kernels never
    race for one (papermill #511) and nothing listens on the network. The kernel's own log
    (stdout / stderr of the kernel process) goes to ``ipc_dir/kernel.log``, not the terminal;
    and a kernel being shut down is not sent SIGINT first (jupyter_client does that to stop a
    running cell, which makes an idle kernel print ``KeyboardInterrupt caught in kernel`` on
    every successful run; a busy one is still stopped by the shutdown request, then SIGTERM)."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, *a, **k):
            k.setdefault("transport", "ipc")
            k.setdefault("ip", os.path.join(ipc_dir, "kernel"))
            super().__init__(*a, **k)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            log = open(os.path.join(ipc_dir, "kernel.log"), "ab")  # noqa: SIM115 (kernel owns it)
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", log)
            try:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            finally:
                log.close()  # the kernel process holds its own copy

        async def _async_interrupt_kernel(self):
            if getattr(self, "shutting_down", False):
                return
            await super()._async_interrupt_kernel()

    return IPCKernelManager


def _kernel_log_tail(ipc_dir: str, n: int = 3) -> str:
    try:
        lines = Path(ipc_dir, "kernel.log").read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(ln.strip() for ln in lines[-n:])


@dataclass
class Task:
    """One notebook for one parameter set."""

    set_index: int
    notebook: str  # path of the source notebook
    out_dir: str
    parameters: dict
    timeout: int = 900
    start_timeout: int = 120
    kernel: str | None = None
    tmp_root: str = ""  # where the kernel's IPC folder goes (the run's temporary folder)


@dataclass
class NotebookRun:
    notebook: str
    status: str  # "ok", "no_data" or "failed"
    ipynb: str
    html: str
    error: str = ""
    seconds: float = 0.0
    set_index: int = 0
    message: str = ""
    reused: bool = False  # the finished report of an earlier run stood for this one (.reuse)


def _first_line(s: str, n: int = 300) -> str:
    s = str(s).strip().splitlines()[0] if str(s).strip() else ""
    return s if len(s) <= n else s[: n - 1] + "…"


@contextlib.contextmanager
def _papermill_log_collected() -> Iterator[list[str]]:
    """Papermill's and nbclient's log records (logger ``papermill``, WARNING and up) from this
    thread, collected into the yielded list instead of reaching the terminal. Nothing configures
    logging in a report run, so Python's last-resort handler would print them on stderr: for
    example "Kernel died while waiting for execute reply." when Ctrl-C / SIGTERM stops a run
    mid-cell, after which the run's one-line interruption message should stand alone. A failed
    run's reason already comes from the exception; the collected lines are added to it."""
    import logging
    import threading

    lines: list[str] = []
    me = threading.get_ident()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == me:
                with contextlib.suppress(Exception):
                    lines.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)


class _AbandonedNotebookTasks:
    """A filter for the ``asyncio`` logger that drops what the event loop says about the
    notebook-execution tasks (nbclient, jupyter_client, papermill coroutines) of a run
    interrupted mid-cell in this process (``workers`` 1: Ctrl-C or SIGTERM raise inside the
    loop). Those tasks are abandoned on purpose; when they are garbage-collected, later or at
    exit, asyncio logs "Task exception was never retrieved" (the kernel was shut down under
    them: DeadKernelError) or "Task was destroyed but it is pending!" with a traceback, on
    stderr after the run's one-line interruption message. Records about any other task pass."""

    MODULES = ("nbclient", "jupyter_client", "papermill")

    def filter(self, record) -> bool:
        text = record.getMessage()
        return not any(f"{os.sep}{m}{os.sep}" in text for m in self.MODULES)


def _abandoned_notebook_tasks_quiet() -> None:
    """Install :class:`_AbandonedNotebookTasks` on the ``asyncio`` logger (once)."""
    import logging

    lg = logging.getLogger("asyncio")
    if not any(isinstance(f, _AbandonedNotebookTasks) for f in lg.filters):
        lg.addFilter(_AbandonedNotebookTasks())


def execute_task(task: Task) -> NotebookRun:
    """Execute one notebook (no rendering). Never raises: any failure (cell error, cell or
    start timeout, dead kernel) is returned as a ``failed`` run; the executed notebook keeps
    what ran, with papermill's error banner. The output folder must exist (the runner's
    staging folder): when it is gone the run was interrupted and nothing is executed."""
    import papermill as pm

    nb = Path(task.notebook)
    out_dir = Path(task.out_dir)
    out_nb = out_dir / executed_name(nb)
    t0 = time.monotonic()
    if not out_dir.is_dir():
        return NotebookRun(out_nb.name, "failed", "", "", "output folder gone (run interrupted)",
                           0.0, task.set_index)
    status, error = "ok", ""
    tmp_root = task.tmp_root if task.tmp_root and os.path.isdir(task.tmp_root) else None
    with tempfile.TemporaryDirectory(prefix="postship-kernel-", dir=tmp_root) as ipc, \
            _papermill_log_collected() as logged:
        try:
            pm.execute_notebook(read_notebook(nb), str(out_nb), parameters=task.parameters,
                                kernel_name=task.kernel or kernel_name(),
                                execution_timeout=task.timeout, start_timeout=task.start_timeout,
                                progress_bar=False, cwd=str(PACKAGE_ROOT),
                                kernel_manager_class=_ipc_kernel_manager(ipc))
        except pm.PapermillExecutionError as e:
            status, error = "failed", f"{e.ename}: {_first_line(e.evalue)}"
        except Exception as e:  # timeouts, dead kernels, unreadable notebooks: still a result
            status, error = "failed", f"{type(e).__name__}: {_first_line(e)}"
            if "DeadKernel" in type(e).__name__ and _kernel_log_tail(ipc):
                error += f" (kernel log: {_first_line(_kernel_log_tail(ipc), 200)})"
        if status == "failed" and logged:
            error += f" (papermill: {_first_line(' | '.join(dict.fromkeys(logged)), 200)})"
    return NotebookRun(out_nb.name, status, str(out_nb) if out_nb.exists() else "", "", error,
                       round(time.monotonic() - t0, 1), task.set_index)


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_files(data_dir: str, seller_id: str, marketplaces: str = "",
                store: str | None = None) -> list[dict]:
    """The account's input files: path relative to ``data_dir``, SHA-256, size, report type
    and the readers' row counts (read, accepted, rejected); unrecognised files have no counts.
    Read from the account's ``store`` when it is whole and current."""
    from .. import datafolder

    root = Path(data_dir)
    mps = [m for m in marketplaces.split(",") if m] or None
    inputs = datafolder.load(root, seller_id=seller_id or None, marketplaces=mps, store=store)
    acc = inputs.accounting().set_index("file")
    errors = {str(Path(p).relative_to(root)) if Path(p).is_relative_to(root) else p: m
              for p, m in inputs.errors}
    rows = []
    for f in inputs.files:
        if seller_id and f.seller_id != seller_id:
            continue
        if mps and f.marketplace and f.marketplace not in mps:
            continue
        rel = f.path.relative_to(root).as_posix()
        r = {"file": rel, "sha256": _sha256(f.path), "bytes": f.path.stat().st_size,
             "report_type": f.report_type or "", "rows_read": None, "accepted": None,
             "rejected": None, "note": f.problem or errors.get(str(f.path.relative_to(root)), "")}
        if str(f.path.relative_to(root)) in acc.index:
            a = acc.loc[str(f.path.relative_to(root))]
            r.update(rows_read=int(a["rows_read"]), accepted=int(a["accepted"]),
                     rejected=int(a["rejected"]))
        elif f.report_type is None and not r["note"]:
            r["note"] = "not recognised as a report (ignored)" + (f": {f.note}" if f.note
                                                                  else "")
        rows.append(r)
    return rows


def inputs_task(set_index: int, data_dir: str, seller_id: str, marketplaces: str,
                out_dir: str, store: str | None = None) -> tuple[int, list[dict], str]:
    """Write ``inputs.json`` for a parameter set; never raises."""
    try:
        files = input_files(data_dir, seller_id, marketplaces, store)
        err = ""
    except Exception as e:
        files, err = [], f"{type(e).__name__}: {_first_line(e)}"
    if Path(out_dir).is_dir():  # gone when the run was interrupted
        (Path(out_dir) / "inputs.json").write_text(
            json.dumps(files, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return set_index, files, err


# ---------------------------------------------------------------------------------------------
# Rendering: see .render (header, run information, sanitised outputs, stylesheets)
# ---------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# Fan-out
# ---------------------------------------------------------------------------------------------

def _worker_init() -> None:
    """Worker processes ignore Ctrl-C: the terminal sends SIGINT to the whole process group,
    and the main process alone decides what an interruption does (it stops the workers)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Pool:
    """Where the work runs: in this process (``workers`` 1), on a local process pool, or on a
    Dask cluster (``dask_address``). One pool serves every phase of a run."""

    def __init__(self, workers: int = 1, dask_address: str | None = None):
        self.workers, self.dask_address = max(int(workers), 1), dask_address
        self._ex = self._client = None

    def __enter__(self) -> Pool:
        if self.dask_address:
            try:
                from distributed import Client
            except ImportError:
                raise ParameterError("--dask needs the optional 'distributed' package "
                                     "(pip install 'postship-analysis[dask]')") from None
            self._client = Client(self.dask_address, timeout="30s")
        elif self.workers > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            self._ex = ProcessPoolExecutor(max_workers=self.workers,
                                           mp_context=mp.get_context("spawn"),
                                           initializer=_worker_init)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._client is not None:
            self._client.close()  # releases the futures: pending tasks are cancelled
        if self._ex is not None:
            if exc_type is None:
                self._ex.shutdown(cancel_futures=True)
                return
            # interrupted (or failed): stop the workers now instead of finishing their
            # notebooks; their kernels notice the parent is gone and exit within a second
            for proc in list(getattr(self._ex, "_processes", {}).values()):
                try:
                    proc.terminate()
                except Exception:  # already gone
                    pass
            self._ex.shutdown(wait=False, cancel_futures=True)

    def describe(self) -> str:
        return (f"Dask cluster {self.dask_address}" if self.dask_address
                else f"{self.workers} worker process(es)")

    def map(self, fn: Callable, calls: list[tuple]) -> Iterator[tuple[int, object]]:
        """``fn(*args)`` for each of ``calls``, yielding ``(i, result or exception)`` as they
        complete."""
        if self._client is not None:
            from distributed import as_completed

            futs = {self._client.submit(fn, *args, pure=False): i for i, args in enumerate(calls)}
            for fut in as_completed(futs):
                try:
                    yield futs[fut], fut.result()
                except Exception as e:
                    yield futs[fut], e
        elif self._ex is not None:
            from concurrent.futures import as_completed

            futs = {self._ex.submit(fn, *args): i for i, args in enumerate(calls)}
            for fut in as_completed(futs):
                try:
                    yield futs[fut], fut.result()
                except Exception as e:  # e.g. a worker process killed
                    yield futs[fut], e
        else:
            for i, args in enumerate(calls):
                try:
                    yield i, fn(*args)
                except Exception as e:
                    yield i, e


@dataclass
class RunResult:
    """What :func:`run` did: the parameter sets, every notebook run, the summaries."""

    sets: list[ParamSet]
    runs: list[NotebookRun] = field(default_factory=list)
    summaries: list[dict] = field(default_factory=list)
    ran_at: str = ""
    index_html: str = ""
    #: per (data folder, account): what the store step did (:func:`.reuse.build_stores`)
    stores: dict = field(default_factory=dict)

    @property
    def failed(self) -> list[NotebookRun]:
        return [r for r in self.runs if r.status == "failed"]


def summary(ps: ParamSet, runs: list[NotebookRun], files: list[dict], inputs_error: str,
            folder: Path | None = None) -> dict:
    """The machine-readable summary of one parameter set (no clock, no output path); KPI
    files are gathered from ``folder`` (default the set's folder)."""
    kpis = [{k: r.get(k) for k in ("notebook", "name", "marketplace", "value", "unit",
                                   "target", "target_condition", "target_source", "status",
                                   "numerator", "denominator", "window", "note")}
            for r in gather_kpis(folder or ps.out_dir)]
    status = max((r.status for r in runs), key=SEVERITY.get, default="ok")
    return {
        "package_version": __version__,
        "parameters": {k: v for k, v in ps.params.items() if k not in RUNNER_ONLY},
        "status": status,
        "notebooks": [{"notebook": r.notebook, "status": r.status, "error": r.error,
                       "message": r.message,
                       "html": Path(r.html).name if r.html else ""} for r in runs],
        "inputs": files,
        "inputs_error": inputs_error,
        "kpis": kpis,
        "actions": gather_actions(folder or ps.out_dir),
    }


def _execute_all(pool: Pool, calls, tasks, sets, say):
    runs: list[NotebookRun | None] = [None] * len(tasks)
    files: dict[int, tuple[list, str]] = {}
    done = 0
    for i, res in pool.map(_call, calls):
        if i < len(tasks):
            t = tasks[i]
            if isinstance(res, Exception):
                res = NotebookRun(executed_name(t.notebook), "failed", "", "",
                                  f"{type(res).__name__}: {_first_line(res)}", 0.0, t.set_index)
            runs[i] = res
            done += 1
            ps = sets[t.set_index]
            err = f"  {res.error}" if res.error else ""
            say(f"[{done}/{len(tasks)}] {res.status:7s} {ps.label}  {res.notebook} "
                f"({res.seconds:.0f} s){err}")
        else:
            k = calls[i][1][0]  # inputs_task's set index
            files[k] = (([], f"{type(res).__name__}: {res}") if isinstance(res, Exception)
                        else (res[1], res[2]))
    return runs, files


def _statuses(runs, sets, files, folders: dict[int, Path] | None = None) -> None:
    """Statuses declared by the notebooks (:func:`.outputs.write_status`), and ``no_data``
    when no input file of the account was recognised as a report."""
    for r in runs:
        ps = sets[r.set_index]
        flist = files.get(ps.index, ([], ""))[0]
        folder = (folders or {}).get(ps.index, ps.out_dir)
        declared = read_statuses(folder).get(Path(r.notebook).stem)
        if r.status == "ok" and declared:
            r.status, r.message = declared["status"], declared.get("message", "")
        elif r.status == "ok" and not any(f["report_type"] for f in flist):
            r.status, r.message = "no_data", "no input file was recognised as a report"


def run(sets: list[ParamSet], notebooks: list[Path], *, workers: int = 1,
        dask_address: str | None = None, timeout: int = 900, start_timeout: int = 120,
        show_code: bool = False, kernel: str | None = None, out_root: str | Path | None = None,
        progress: Callable[[str], None] | None = None, ran_at: str | None = None,
        wait: float = 0.0, store: str | Path | None = None, force: bool = False,
        lock=None) -> RunResult:
    """Run ``notebooks`` for every parameter set (see :func:`plan`), in parallel.

    Read once, reuse what is current (:mod:`.reuse`): first each account's inputs are read
    into the Parquet ``store`` (default ``out_root/store``; without either, every notebook
    reads the folder itself) and every notebook reads it; a set whose reports are finished
    and whose inputs, code and parameters are unchanged is left as it is. ``force`` rebuilds
    the stores and reruns everything.

    Writes per set the executed notebooks, HTML, ``inputs.json`` and ``summary.json``; with
    ``out_root``, also ``index.html`` and ``history.csv`` there. ``ran_at`` (UTC ISO time) is
    the only clock read; it goes into the reports and the history, never into summary.json.

    Whole or nothing (:mod:`.publish`): the output folder (``out_root``, else the sets'
    common parent) is locked for the run (another run waits up to ``wait`` seconds, then
    :class:`~.publish.OutputBusy`; ``lock``: a :class:`~.publish.RunLock` on that folder the
    caller already holds, as the command line does before it reads the data); every set is written into a staging folder beside its own
    and swapped in only when all notebooks have run and been rendered. Ctrl-C or SIGTERM
    before that raises :class:`~.publish.Interrupted` (a KeyboardInterrupt) whose message
    says what was left unchanged: nothing in the output folder.
    """
    from . import index, publish, reuse

    say = progress or (lambda s: None)
    ran_at = ran_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = Path(out_root) if out_root is not None else Path(
        os.path.commonpath([str(ps.out_dir.parent) for ps in sets]))
    store_root = reuse.store_root(store, out_root)
    held = lock is not None and lock.folder.resolve() == root.resolve()
    with contextlib.nullcontext() if held else publish.RunLock(root, wait=wait, say=say):
        for line in publish.clean_leftovers([ps.out_dir for ps in sets]):
            say(line)
        staging = publish.Staging([])
        tmp_root = tempfile.mkdtemp(prefix="postship-run-")
        try:
            with Pool(workers, dask_address) as pool:
                specs = {nb: notebook_parameters(nb) for nb in notebooks}
                plans, stores = reuse.prepare(pool, sets, notebooks, specs, store_root,
                                              show_code, force, say)
                staging = publish.Staging([ps.out_dir for ps in sets
                                           if plans[ps.index].records is None])
                staging.create()
                result = _run_staged(sets, notebooks, staging, tmp_root, pool=pool,
                                     specs=specs, plans=plans, dask=bool(dask_address),
                                     timeout=timeout, start_timeout=start_timeout,
                                     show_code=show_code, kernel=kernel, say=say,
                                     ran_at=ran_at)
                result.stores = stores
            with publish.interrupts_deferred() as late:
                staging.publish()
                for r in result.runs:
                    r.ipynb, r.html = staging.final_path(r.ipynb), staging.final_path(r.html)
                if out_root is not None:
                    index.append_history(out_root, sets, result.summaries, ran_at)
                    result.index_html = str(index.write_index(out_root, sets, result, ran_at))
                    say(f"index: {result.index_html}")
            if late:
                say("interrupt received while publishing: the run was completed first")
            return result
        except KeyboardInterrupt:
            staging.discard()
            _abandoned_notebook_tasks_quiet()
            raise publish.Interrupted(
                f"interrupted: nothing in {str(root)!r} was changed (its reports, index.html "
                f"and history.csv are those of the previous run); the "
                f"{len(sets)} unfinished report folder(s) were removed") from None
        except BaseException:
            staging.discard()
            raise
        finally:
            shutil.rmtree(tmp_root, ignore_errors=True)


def _run_staged(sets, notebooks, staging, tmp_root, *, pool, specs, plans, dask, timeout,
                start_timeout, show_code, kernel, say, ran_at) -> RunResult:
    """Execute, render and summarise every set that is not reused into its staging folder;
    the reused sets keep their folder, runs and summary as they are."""
    from . import reuse

    fresh = [ps for ps in sets if plans[ps.index].records is None]
    folders = {ps.index: staging.staging(ps.out_dir) for ps in fresh}
    tasks = []
    for ps in fresh:
        for nb in notebooks:
            params = {k: v for k, v in {**ps.params, "output_dir": str(folders[ps.index]),
                                        "store": plans[ps.index].store}.items()
                      if k in specs[nb]}
            tasks.append(Task(ps.index, str(nb), str(folders[ps.index]), params, timeout,
                              start_timeout, kernel, "" if dask else tmp_root))
    calls = [(execute_task, (t,)) for t in tasks] + [
        (inputs_task, (ps.index, ps.params["data_dir"], ps.params.get("seller_id", ""),
                       ps.params.get("marketplaces", ""), str(folders[ps.index]),
                       plans[ps.index].store or None))
        for ps in fresh]
    n_reused = len(sets) - len(fresh)
    say(f"running {len(tasks)} notebook(s) for {len(fresh)} parameter set(s) on "
        f"{pool.describe()}" + (f"; {n_reused} set(s) reused, their inputs, code and "
                                "parameters unchanged (--force reruns them)" if n_reused else ""))
    runs, files = _execute_all(pool, calls, tasks, sets, say)
    _statuses(runs, sets, files, folders)
    renders = [(finish_task, (r.ipynb, sets[r.set_index].params,
                              files.get(r.set_index, ([],))[0], ran_at, r.status, r.error,
                              show_code, r.message))
               for r in runs if r.ipynb]
    with_nb = [r for r in runs if r.ipynb]
    if renders:
        say(f"rendering {len(renders)} report(s) to HTML")
    for i, res in pool.map(_call, renders):
        with_nb[i].html = "" if isinstance(res, Exception) else res
    for r in runs:
        reuse.remember(plans[r.set_index], folders[r.set_index], r)
    result = RunResult(sets, [], ran_at=ran_at)
    for ps in sets:
        if ps.index in folders:
            mine = [r for r in runs if r.set_index == ps.index]
            s = summary(ps, mine, *files.get(ps.index, ([], "")), folder=folders[ps.index])
            (folders[ps.index] / "summary.json").write_text(
                json.dumps(s, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                encoding="utf-8")
        else:
            mine = [NotebookRun(**r, set_index=ps.index, reused=True)
                    for r in reuse.reused_runs(plans[ps.index], ps.out_dir, notebooks)]
            s = json.loads((ps.out_dir / "summary.json").read_text(encoding="utf-8"))
        result.runs += mine
        result.summaries.append(s)
    return result


def _call(fn, args):
    return fn(*args)


def format_failures(result: RunResult, width: int = 100) -> str:
    """A one-screen summary of what failed and why (empty when nothing failed)."""
    failed = result.failed
    if not failed:
        return ""
    lines = [f"{len(failed)} of {len(result.runs)} notebook(s) failed "
             f"({len({r.set_index for r in failed})} of {len(result.sets)} parameter set(s)):"]
    for r in failed[:20]:
        ps = result.sets[r.set_index]
        lines.append(f"  {ps.label}  {r.notebook}")
        lines.append(f"      {r.error[: width - 6]}")
        lines.append(f"      see {r.html or r.ipynb or ps.out_dir}")
    if len(failed) > 20:
        lines.append(f"  ... and {len(failed) - 20} more: see the index")
    return "\n".join(lines)


def run_reports(data_dir: str | Path, out_dir: str | Path, *, as_of: str | None = None,
                only: list[str] | None = None, show_code: bool = False, timeout: int = 900,
                nb_dir: str | Path = NOTEBOOK_DIR, extra: dict | None = None,
                workers: int = 1, **kwargs) -> list[NotebookRun]:
    """Run every report notebook for each seller account found in ``data_dir`` (or the one in
    ``extra["seller_id"]``), into ``out_dir/<seller>/<as_of>/``, with ``index.html`` and
    ``history.csv`` in ``out_dir``. Returns the runs (failed ones included)."""
    notebooks = report_notebooks(nb_dir, only)
    base = {**(extra or {})}
    if as_of:
        base["as_of"] = as_of
    sets = plan(data_dir, out_dir, [base], notebooks)
    return run(sets, notebooks, workers=workers, timeout=timeout, show_code=show_code,
               out_root=out_dir, **kwargs).runs


__all__ = [
    "COMMON", "NotebookRun", "ParamSet", "ParamSpec", "RunResult", "Task", "check_value",
    "coerce", "default_as_of", "execute_task", "expand", "format_failures",
    "executed_name", "format_parameters", "input_files", "kernel_name", "notebook_parameters",
    "output_folder", "plan", "read_notebook", "render_html", "report_notebooks",
    "resolve_notebook", "run", "run_reports",
    "summary",
]
