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


def fan_chart(daily: pd.DataFrame, fc: pd.DataFrame, keys, as_of, title: str, top: int = 6,
              history_days: int = 120, horizon_days: int = 56, min_share: float = 0.5):
    """Per SKU (``keys``: (seller_id, marketplace, sku), at most ``top``): daily units sold as
    bars (grey = censored day: closed or opened without stock), the forecast mean as a line
    and the median-to-80th / -95th percentile bands of daily demand, the as-of day marked.
    ``daily``: demand.daily_demand; ``fc``: forecast.forecast (``mean``, ``q50``, ``q80``,
    ``q95``, ``method``). A censored day in stock for at least ``min_share`` of its usual
    demand (``in_stock_share``, used by the forecast as a corrected lower bound) is light
    blue. Returns the figure, or None without keys."""
    keys = list(keys)[:top]
    if not keys:
        return None
    as_of = pd.Timestamp(as_of)
    fig, axes = plt.subplots(len(keys), 1, figsize=(WIDTH, 2.2 * len(keys) + 0.6), squeeze=False,
                             sharex=True)
    for ax, (s, mp, sku) in zip(axes[:, 0], keys, strict=False):
        h = daily[(daily["seller_id"] == s) & (daily["marketplace"] == mp) & (daily["sku"] == sku)
                  & (daily["date"] >= as_of - pd.Timedelta(days=history_days))]
        f = fc[(fc["seller_id"] == s) & (fc["marketplace"] == mp) & (fc["sku"] == sku)].head(
            horizon_days)
        used = (h["censored"] & (h["in_stock_share"] >= min_share) if "in_stock_share" in h
                else pd.Series(False, index=h.index))
        ax.bar(h["date"], h["units"], width=1,
               color=np.where(used, "lightsteelblue",
                              np.where(h["censored"], "lightgrey", "tab:blue")))
        ax.fill_between(f["date"], f["q50"], f["q95"], alpha=0.15, color="tab:orange",
                        step="mid")
        ax.fill_between(f["date"], f["q50"], f["q80"], alpha=0.3, color="tab:orange",
                        step="mid")
        ax.plot(f["date"], f["mean"], color="tab:orange")
        ax.axvline(as_of, color="black", linewidth=0.8, linestyle="--")
        m = f["method"].iloc[0] if len(f) else ""
        ax.set_title(f"{sku} ({mp}) · method {m}", fontsize=9, loc="left")
        ax.set_ylabel("units / day", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    from matplotlib.patches import Patch

    handles = [Patch(color="tab:blue", label="units sold"),
               Patch(color="lightsteelblue", label="sell-out / restock day, corrected"),
               Patch(color="lightgrey", label="censored day, left out (stock-out)"),
               plt.Line2D([], [], color="tab:orange", label="forecast mean"),
               Patch(color="tab:orange", alpha=0.3, label="median to 80th pct"),
               Patch(color="tab:orange", alpha=0.15, label="median to 95th pct"),
               plt.Line2D([], [], color="black", linestyle="--", label="as of")]
    axes[0, 0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                      fontsize=8, frameon=False)
    date_axis(axes[-1, 0])
    fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return fig


def episode_timeline(episodes: pd.DataFrame, keys, as_of, title: str):
    """Stock-out episodes (``start``, ``length_days``, ``ongoing``) as bars per SKU (``keys``:
    (seller_id, marketplace, sku)); red = still out of stock."""
    keys = list(keys)
    if not keys:
        return None
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(keys) + 1.4))
    for i, k in enumerate(keys):
        e = episodes[(episodes["seller_id"] == k[0]) & (episodes["marketplace"] == k[1])
                     & (episodes["sku"] == k[2])]
        for r in e.itertuples():
            ax.barh(i, r.length_days, left=r.start, height=0.6,
                    color="tab:red" if r.ongoing else "tab:gray")
    ax.set_yticks(range(len(keys)), [f"{k[2]} ({k[1]})" for k in keys], fontsize=8)
    ax.invert_yaxis()
    target_line(ax, mdates.date2num(pd.Timestamp(as_of)), "as of", color="black", axis="x")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="tab:gray", label="ended"),
                       Patch(color="tab:red", label="still out of stock")],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.xaxis_date()
    return finish(fig, ax, title, xlabel="date (local)", dates=True, legend=False)


def acos_vs_targets(sk: pd.DataFrame, title: str):
    """Bars: ACoS per SKU (``marketplace``, ``advertised_sku``, ``acos``); markers: its
    break-even and target ACoS; percent axis, legend outside."""
    if sk.empty:
        return None
    fig, ax = plt.subplots(figsize=(WIDTH, 3.8))
    x = np.arange(len(sk))
    ax.bar(x, sk["acos"], label="ACoS", color="tab:blue")
    ax.plot(x, sk["break_even_acos"], "_", color="crimson", markersize=16, markeredgewidth=2,
            label="break-even ACoS")
    ax.plot(x, sk["target_acos"], "_", color="green", markersize=16, markeredgewidth=2,
            label="target ACoS")
    ax.set_xticks(list(x), sk["marketplace"] + " " + sk["advertised_sku"], rotation=70,
                  fontsize=7)
    percent_axis(ax, decimals=0)
    return finish(fig, ax, title, "ACoS (ad spend / ad sales)")


def recovery_ramp(days, ratio, fitted, fit_label: str, title: str):
    """Sales after a restock against the pre-stock-out baseline: observed ratios (dots), the
    fitted ramp (line) and the baseline (1.0, labelled)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.2))
    ax.plot(days, ratio, ".", alpha=0.6, label="units / expected, all episodes")
    ax.plot(days, fitted, "r-", label=fit_label)
    target_line(ax, 1.0, "baseline", color="grey", linestyle="-")
    return finish(fig, ax, title, "units sold / expected", "days after the restock")
