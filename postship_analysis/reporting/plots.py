"""Charts for the reports: small PNG-friendly matplotlib figures, top-N only.

Every chart follows the same rules (STYLE.md §6): a title that says what to see, axis labels
with units, the legend **outside** the data (right of the plot), targets drawn *and labelled*
on the line itself, dates written by matplotlib's ``ConciseDateFormatter``, one message per
chart. The helpers below (:func:`finish`, :func:`target_line`, :func:`date_axis`) apply them to
any axes, so a notebook's own chart looks like the others.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter

from .formats import symbol, target_percent

#: status -> background colour; the status word is always shown beside it
STATUS_COLOURS = {"pass": "#d4edda", "at_risk": "#fff3cd", "fail": "#f8d7da",
                  "below_recommendation": "#ffe5b4",
                  "no_data": "#e2e3e5", "info": "#ffffff"}
TARGET_COLOUR = "crimson"
WARN_COLOUR = "darkorange"
WIDTH = 10  # inches; at the reports' 80 dpi a chart is 800 px wide, legend included


def date_axis(ax, axis: str = "x") -> None:
    """Dates on ``axis`` written concisely (``Oct``, ``Nov``, ``2026``), not overlapping."""
    a = ax.xaxis if axis == "x" else ax.yaxis
    loc = mdates.AutoDateLocator(minticks=3, maxticks=9)
    a.set_major_locator(loc)
    a.set_major_formatter(mdates.ConciseDateFormatter(loc))


def percent_axis(ax, axis: str = "y", decimals: int | None = None) -> None:
    """Fractions on ``axis`` shown as percentages."""
    a = ax.yaxis if axis == "y" else ax.xaxis
    a.set_major_formatter(PercentFormatter(1.0, decimals=decimals))


def money_axis(ax, currency: str, axis: str = "y") -> None:
    """Amounts on ``axis`` with the currency symbol (``€1,200``)."""
    a = ax.yaxis if axis == "y" else ax.xaxis
    sym = symbol(currency)
    a.set_major_formatter(FuncFormatter(lambda v, _: f"{'-' if v < 0 else ''}{sym}{abs(v):,.0f}"))


def legend_outside(ax, **kw) -> None:
    """The legend right of the plot area, never over the data (no legend without labels)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
              fontsize=8, frameon=False, **kw)


def target_line(ax, value: float, text: str, *, color: str = TARGET_COLOUR,
                linestyle: str = "--", percent: bool = False, axis: str = "y") -> None:
    """A horizontal (or vertical, ``axis="x"``) reference line labelled on the chart itself
    (``Amazon target 4%``), so it reads without the legend."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return
    shown = target_percent(value) if percent else ""
    words = f"{text} {shown}".strip()
    if axis == "y":
        ax.axhline(value, color=color, linestyle=linestyle, linewidth=1)
        ax.annotate(words, xy=(1.0, value), xycoords=("axes fraction", "data"),
                    xytext=(-3, 2), textcoords="offset points", ha="right", va="bottom",
                    fontsize=8, color=color)
    else:
        ax.axvline(value, color=color, linestyle=linestyle, linewidth=1)
        ax.annotate(words, xy=(value, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(2, -3), textcoords="offset points", ha="left", va="top",
                    fontsize=8, color=color)


def finish(fig, ax, title: str, ylabel: str = "", xlabel: str = "", *, dates: bool = False,
           legend: bool = True):
    """Title, axis labels, concise dates, the legend outside; returns ``fig``."""
    ax.set_title(title, fontsize=11, loc="left")
    if ylabel:
        ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    if dates:
        date_axis(ax)
    if legend:
        legend_outside(ax)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _label(key) -> str:
    return " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def coverage_chart(cov: pd.DataFrame, as_of: pd.Timestamp | None = None):
    """Horizontal bars: the date range each table covers, per marketplace, with the as-of
    date marked."""
    c = cov.dropna(subset=["first_day"]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.35 * max(len(c), 3) + 1.2))
    for i, r in c.iterrows():
        ax.barh(i, (r.last_day - r.first_day).days + 1, left=r.first_day, height=0.6,
                color="tab:blue")
    ax.set_yticks(range(len(c)), [f"{r.table} ({r.marketplace})" for r in c.itertuples()])
    if as_of is not None:
        target_line(ax, mdates.date2num(pd.Timestamp(as_of)), "as of", color="black",
                    axis="x")
    ax.invert_yaxis()
    ax.xaxis_date()
    return finish(fig, ax, "Dates each input covers, by marketplace", xlabel="date (local)",
                  dates=True, legend=False)


def daily_lines(df: pd.DataFrame, value: str, by: list[str], title: str, ylabel: str,
                rolling: int = 7):
    """One line per group of ``by`` over ``day`` (with a centred rolling mean)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.5))
    if not df.empty:
        wide = df.pivot_table(index="day", columns=by, values=value, aggfunc="sum").fillna(0)
        wide = wide.asfreq("D", fill_value=0)
        for col in wide.columns:
            ax.plot(wide.index, wide[col].rolling(rolling, center=True, min_periods=1).mean(),
                    label=_label(col))
    suffix = f", {rolling}-day mean" if rolling > 1 else ""
    return finish(fig, ax, title + suffix, ylabel, dates=True)


def bar_counts(s: pd.Series, title: str, top: int = 15, xlabel: str = "count"):
    """Horizontal bar chart of the ``top`` largest counts."""
    s = s.sort_values(ascending=False).head(top)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * max(len(s), 3) + 1))
    ax.barh(range(len(s)), s.values)
    ax.set_yticks(range(len(s)), [str(i) for i in s.index])
    ax.invert_yaxis()
    return finish(fig, ax, title, xlabel=xlabel, legend=False)


def trend_with_target(df: pd.DataFrame, x: str, y: str, by: str, title: str,
                      target: float | None = None, warn: float | None = None,
                      ylabel: str = "", percent: bool = True, target_label: str = "Amazon target"):
    """One line per group of ``by`` over ``x`` with Amazon's target (and our warning line),
    both labelled on the chart."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.2))
    for key, g in df.groupby(by, sort=True):
        ax.plot(g[x], g[y], label=_label(key))
    if target is not None:
        target_line(ax, target, target_label, percent=percent)
    if warn is not None:
        target_line(ax, warn, "at risk from (ours)", color=WARN_COLOUR, linestyle=":",
                    percent=percent)
    if percent:
        percent_axis(ax)
    dates = pd.api.types.is_datetime64_any_dtype(df[x]) if x in df else False
    return finish(fig, ax, title, ylabel or ("share" if percent else ""),
                  "as of (each point: the window ending the day before)" if dates else "",
                  dates=dates)


def kpi_table(kpis: pd.DataFrame):
    """The KPI table for the HTML report (kept for notebooks written before
    :func:`.tables.kpi_table`): catalogue labels, values with units, status words."""
    from .tables import kpi_table as _kpi_table

    return _kpi_table(kpis)
