"""Plots for the reports: small PNG-friendly matplotlib figures, top-N only."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd


def coverage_chart(cov: pd.DataFrame, as_of: pd.Timestamp | None = None):
    """Horizontal bars: the date range each table covers, per marketplace."""
    c = cov.dropna(subset=["first_day"]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 0.35 * max(len(c), 3) + 1))
    for i, r in c.iterrows():
        ax.barh(i, (r.last_day - r.first_day).days + 1, left=r.first_day, height=0.6)
    ax.set_yticks(range(len(c)), [f"{r.table} ({r.marketplace})" for r in c.itertuples()])
    if as_of is not None:
        ax.axvline(as_of, color="black", linestyle="--", linewidth=1, label="as-of")
        ax.legend(loc="lower right")
    ax.invert_yaxis()
    ax.set_title("Date coverage by input and marketplace")
    fig.tight_layout()
    return fig


def daily_lines(df: pd.DataFrame, value: str, by: list[str], title: str, ylabel: str,
                rolling: int = 7):
    """One line per group of ``by`` over ``day`` (with a centred rolling mean)."""
    fig, ax = plt.subplots(figsize=(9, 3.5))
    if not df.empty:
        wide = df.pivot_table(index="day", columns=by, values=value, aggfunc="sum").fillna(0)
        wide = wide.asfreq("D", fill_value=0)
        for col in wide.columns:
            label = " / ".join(map(str, col)) if isinstance(col, tuple) else str(col)
            ax.plot(wide.index, wide[col].rolling(rolling, center=True, min_periods=1).mean(),
                    label=label)
        ax.legend(fontsize=8, ncols=2)
    ax.set_title(title + (f" ({rolling}-day mean)" if rolling > 1 else ""))
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def bar_counts(s: pd.Series, title: str, top: int = 15):
    """Horizontal bar chart of the ``top`` largest counts."""
    s = s.sort_values(ascending=False).head(top)
    fig, ax = plt.subplots(figsize=(9, 0.3 * max(len(s), 3) + 1))
    ax.barh(range(len(s)), s.values)
    ax.set_yticks(range(len(s)), [str(i) for i in s.index])
    ax.invert_yaxis()
    ax.set_title(title)
    fig.tight_layout()
    return fig
