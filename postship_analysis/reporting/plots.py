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


def trend_with_target(df: pd.DataFrame, x: str, y: str, by: str, title: str,
                      target: float | None = None, warn: float | None = None,
                      ylabel: str = "", percent: bool = True):
    """One line per group of ``by`` over ``x`` with Amazon's target (and our warning line)."""
    fig, ax = plt.subplots(figsize=(9, 3.2))
    for key, g in df.groupby(by, sort=True):
        label = " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)
        ax.plot(g[x], g[y], label=label)
    if target is not None:
        ax.axhline(target, color="crimson", linestyle="--", linewidth=1, label="Amazon target")
    if warn is not None:
        ax.axhline(warn, color="orange", linestyle=":", linewidth=1, label="at-risk line (ours)")
    if percent:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if len(ax.get_legend_handles_labels()[0]):
        ax.legend(fontsize=8, ncols=3)
    fig.tight_layout()
    return fig


STATUS_COLOURS = {"pass": "#d4edda", "at_risk": "#fff3cd", "fail": "#f8d7da",
                  "below_recommendation": "#ffe5b4",
                  "no_data": "#e2e3e5", "info": "#ffffff"}


def kpi_table(kpis: pd.DataFrame):
    """The KPI table styled for the HTML report: value as %, target, status coloured."""
    cols = ["marketplace", "name", "value", "numerator", "denominator", "target",
            "target_condition", "status", "window"]
    view = kpis[[c for c in cols if c in kpis.columns]].copy()

    def fmt(row):
        if row.get("unit", "fraction") == "fraction" and pd.notna(row["value"]):
            return f"{row['value']:.2%}"
        return "" if pd.isna(row["value"]) else f"{row['value']:g}"

    view["value"] = [fmt(r) for _, r in kpis.iterrows()]
    for c in ("numerator", "denominator"):
        if c in view.columns:
            view[c] = ["" if pd.isna(x) else f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"
                       for x in kpis[c]]
    view["target"] = [("" if pd.isna(t) else f"{c} {t:.2%}" if u == "fraction" else f"{c} {t:g}")
                      for t, c, u in zip(kpis["target"], kpis["target_condition"], kpis["unit"],
                                         strict=True)]
    view = view.drop(columns=["target_condition"])
    return view.style.apply(
        lambda r: [f"background-color: {STATUS_COLOURS.get(r['status'], '#fff')}"] * len(r),
        axis=1).hide(axis="index")
