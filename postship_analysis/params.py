"""Validation of report parameters, so a typo fails loudly and names the parameter.

papermill only warns on unknown parameter names and turns ``"00123"`` into ``123``; report
notebooks therefore call these checks in the cell after their ``parameters`` cell.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from . import contract
from .errors import ParameterError


def as_date(value, name: str, *, allow_empty: bool = False) -> pd.Timestamp | None:
    """An ISO date (``2026-11-01``) as a naive Timestamp (the marketplace-local day)."""
    if value in (None, "") and allow_empty:
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).normalize()
    if not isinstance(value, str):
        raise ParameterError(f"parameter {name!r} must be an ISO date string like '2026-11-01', "
                             f"got {type(value).__name__} {value!r}")
    try:
        return pd.Timestamp(dt.date.fromisoformat(value.strip()))
    except ValueError as e:
        raise ParameterError(f"parameter {name!r}: {value!r} is not an ISO date "
                             "(YYYY-MM-DD)") from e


def as_marketplaces(value, name: str) -> list[str]:
    """``"US,DE"`` or ``["US", "DE"]`` or ``""`` (all) to a list of marketplace codes."""
    if value in (None, "", []):
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    out = []
    for v in items:
        try:
            out.append(contract.marketplace(str(v).strip()).code)
        except ParameterError as e:
            raise ParameterError(f"parameter {name!r}: {e}") from e
    return out


def as_folder(value, name: str) -> Path:
    """An existing folder."""
    if not isinstance(value, (str, Path)) or not str(value):
        raise ParameterError(f"parameter {name!r} must be a folder path, got {value!r}")
    p = Path(value)
    if not p.is_dir():
        raise ParameterError(f"parameter {name!r}: folder {str(p)!r} does not exist")
    return p


def as_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"parameter {name!r} must be an integer, got {value!r}")
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name!r} = {value} is outside [{minimum}, {maximum}]")
    return value


def as_str(value, name: str) -> str:
    if not isinstance(value, str):
        raise ParameterError(f"parameter {name!r} must be text, got {type(value).__name__} "
                             f"{value!r} (quote identifiers such as '00123' in YAML)")
    return value


def as_float(value, name: str, *, minimum: float | None = None,
             maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"parameter {name!r} must be a number, got {value!r}")
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name!r} = {value} is outside [{minimum}, {maximum}]")
    return float(value)


def as_bool(value, name: str) -> bool:
    """``true`` / ``false`` (a YAML or papermill boolean; not a string or a number)."""
    if not isinstance(value, bool):
        raise ParameterError(f"parameter {name!r} must be true or false, got {value!r}")
    return value
