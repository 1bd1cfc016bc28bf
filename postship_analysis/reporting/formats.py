"""Numbers, money and dates written for people: one place for every report, the index and the
KPI tables.

Rules (decided once, used everywhere):

* **Missing** is ``—`` (an em dash), never ``NaN``, ``<NA>`` or ``None``; the table that shows
  it says once what is missing (:mod:`.tables`).
* **Percent**: fractions times 100 with two decimals (``5.56%``, Amazon's own precision on the
  Account Health page); a non-zero value under 0.01 % is ``<0.01%``. Targets drop trailing
  zeros (``4%``, ``2.5%``, ``0.75%``).
* **Money**: the currency's symbol (``$``, ``€``, ``£``, ``¥``...) and two decimals (none for
  currencies without minor units such as JPY, none from 10,000 up); the currency comes from
  the row's marketplace.
* **Counts**: whole numbers with thousands separators (a fractional count such as an
  estimated number of units is rounded).
* **Other numbers**: three significant figures at most and never more than two decimals
  (``854.585`` -> ``855``, ``1.27097`` -> ``1.27``); a non-zero value under 0.01 is
  ``<0.01``; infinity (a cover with no demand) is ``∞``.
* **Dates**: ``2026-11-01``; with a time of day ``2026-11-01 14:05`` (the marketplace's local
  time the column already carries).

>>> percent(0.0556), percent(2.080076e-21), money(1234.5, "EUR"), number(854.585)
('5.56%', '<0.01%', '€1,234.50', '855')
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from .. import contract

MISSING = "—"

#: currency code -> symbol shown before the amount (English-language reports; ambiguous
#: dollar and krona signs carry their country)
SYMBOLS = {"USD": "$", "CAD": "CA$", "MXN": "MX$", "BRL": "R$", "AUD": "A$", "GBP": "£",
           "EUR": "€", "JPY": "¥", "INR": "₹", "SEK": "SEK\u00a0", "PLN": "PLN\u00a0",
           "AED": "AED\u00a0", "SAR": "SAR\u00a0", "TRY": "₺", "SGD": "S$", "EGP": "EGP\u00a0"}
#: currencies without minor units
NO_DECIMALS = {"JPY"}


def is_missing(v) -> bool:
    """None, NaN, NaT and pandas' NA."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(isinstance(v, (float, np.floating)) and math.isnan(v))
    except TypeError:
        return False


def currency_of(marketplace) -> str:
    """ISO currency of a marketplace code (``"DE"`` or ``"seller/DE"``); ``""`` if unknown."""
    if is_missing(marketplace):
        return ""
    code = str(marketplace).rsplit("/", 1)[-1]
    try:
        return contract.marketplace(code).currency
    except Exception:
        return ""


def symbol(currency: str) -> str:
    """``"EUR"`` -> ``"€"``; an unknown code is written out (``"CHF "``)."""
    if not currency:
        return ""
    return SYMBOLS.get(str(currency).upper(), f"{currency}\u00a0")


def _special(v):
    if is_missing(v):
        return MISSING
    if isinstance(v, (float, np.floating)) and math.isinf(v):
        return "∞" if v > 0 else "-∞"
    return None


def percent(v, decimals: int = 2) -> str:
    """A fraction as a percentage: ``0.0556`` -> ``5.56%``."""
    s = _special(v)
    if s is not None:
        return s
    p = float(v) * 100
    if p != 0 and abs(p) < 10 ** -decimals:
        return f"{'-' if p < 0 else ''}<{10 ** -decimals:.{decimals}f}%"
    return f"{p:,.{decimals}f}%"


def target_percent(v) -> str:
    """A target fraction without trailing zeros: ``0.04`` -> ``4%``, ``0.0075`` -> ``0.75%``."""
    s = _special(v)
    if s is not None:
        return s
    return f"{float(v) * 100:.4f}".rstrip("0").rstrip(".") + "%"


def money(v, currency: str = "") -> str:
    """``1234.5, "EUR"`` -> ``€1,234.50``; ``-3, "USD"`` -> ``-$3.00``."""
    s = _special(v)
    if s is not None:
        return s
    x = float(v)
    d = 0 if str(currency).upper() in NO_DECIMALS or abs(x) >= 10_000 else 2
    return f"{'-' if x < 0 else ''}{symbol(currency)}{abs(x):,.{d}f}"


def count(v) -> str:
    """A whole number with thousands separators (rounded)."""
    s = _special(v)
    if s is not None:
        return s
    return f"{round(float(v)):,.0f}"


def number(v) -> str:
    """At most three significant figures and two decimals (see the module docstring)."""
    s = _special(v)
    if s is not None:
        return s
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    x = float(v)
    a = abs(x)
    if x == 0:
        return "0"
    if x.is_integer() or a >= 100:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:,.1f}"
    if a >= 0.01:
        return f"{x:.2f}"
    return "-<0.01" if x < 0 else "<0.01"


def decimal1(v) -> str:
    """One decimal at most (durations, units per day): ``45.25`` -> ``45.2``, ``3.0`` -> ``3``."""
    s = _special(v)
    if s is not None:
        return s
    x = round(float(v), 1)
    return f"{x:,.0f}" if x.is_integer() else f"{x:,.1f}"


def date(v) -> str:
    """``2026-11-01``, or ``2026-11-01 14:05`` when the value has a time of day."""
    if is_missing(v):
        return MISSING
    if isinstance(v, pd.Period):
        return str(v)
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        t = pd.Timestamp(v)
        if t.hour == t.minute == t.second == 0 and t.microsecond == 0:
            return t.strftime("%Y-%m-%d")
        return t.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def duration(v) -> str:
    """A timedelta as days and hours: ``2 d 4 h``, ``5 h``, ``35 min``."""
    if is_missing(v):
        return MISSING
    td = pd.Timedelta(v)
    mins = int(round(td.total_seconds() / 60))
    sign, mins = ("-" if mins < 0 else ""), abs(mins)
    d, rem = divmod(mins, 24 * 60)
    h, m = divmod(rem, 60)
    if d:
        return f"{sign}{d} d {h} h" if h else f"{sign}{d} d"
    if h:
        return f"{sign}{h} h"
    return f"{sign}{m} min"


def kpi_value(value, fmt: str, unit: str = "", marketplace: str = "") -> str:
    """A KPI value by its catalogue format, with its unit: ``5.56%``, ``€395.00``,
    ``9.4 weeks``, ``1,234``."""
    if is_missing(value):
        return MISSING
    if fmt == "percent":
        return percent(value)
    if fmt == "money":
        cur = unit if unit and unit.isalpha() and len(unit) == 3 and unit.isupper() \
            else currency_of(marketplace)
        return money(value, cur)
    if fmt == "count":
        return count(value)
    if fmt in ("days", "weeks"):
        return f"{decimal1(value)} {fmt}"
    return number(value)


def kpi_target(target, condition: str, fmt: str, unit: str = "", marketplace: str = "") -> str:
    """``under 4%`` / ``at least 95%``; ``""`` without a target."""
    if is_missing(target):
        return ""
    v = target_percent(target) if fmt == "percent" else kpi_value(target, fmt, unit,
                                                                   marketplace)
    word = {"<": "under", "<=": "at most", ">=": "at least", ">": "over"}.get(condition,
                                                                               condition)
    return f"{word} {v}"
