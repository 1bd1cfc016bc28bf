"""Charts of the stockout-recovery section (notebook 40): real episodes beside the placebo
distribution, and the pooled sales curve after a restock. Input: a
:class:`postship_analysis.recovery.Recovery`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def placebo_chart(res, group: str):
    """Left: the placebo distribution of the pooled deficit (sets of placebo episodes matched
    to the real ones) with the real pooled deficit and its interval. Right: every episode's
    standardised error (actual - counterfactual) / sd - placebo episodes as a histogram,
    real episodes as ticks below it."""
    p = res.pooled[res.group_keys(res.pooled) == group]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.3))
    if p.empty:
        return fig
    p = p.iloc[0]
    null = res.placebo_pooled.get(group)
    if null is not None and len(null):
        a1.hist(null * 100, bins=30, color="lightgray", label="placebo sets (no stockout)")
    a1.axvline(p["deficit"] * 100, color="tab:red", lw=2, label="real episodes")
    a1.axvspan(p["deficit_lo"] * 100, p["deficit_hi"] * 100, color="tab:red", alpha=0.15,
               label="its 95 % interval")
    a1.axvline(0, color="black", lw=0.8)
    a1.set_xlabel(f"sales deficit, first {res.summary_days} days after restock (%)")
    a1.set_title("Pooled deficit vs placebo distribution")
    a1.legend(fontsize=7)
    e = res.episodes
    e = e[(res.group_keys(e) == group) & e["z"].notna()]
    zp = e.loc[e["placebo"], "z"].clip(-6, 6)
    zr = e.loc[~e["placebo"], "z"].clip(-6, 6)
    if len(zp):
        a2.hist(zp, bins=30, density=True, color="lightgray", label="placebo episodes")
    a2.plot(zr, np.full(len(zr), -0.01), "|", color="tab:red", ms=12, label="real episodes")
    a2.set_xlabel("standardised error (actual - counterfactual), clipped at +-6")
    a2.set_title("Each episode against the placebos")
    a2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def recovery_curve_chart(res, group: str):
    """Units sold / counterfactual by day after the restock (all real episodes pooled), the
    weekly deficit with its interval, and the fitted ramp where the recovery time is
    identified."""
    fig, ax = plt.subplots(figsize=(9, 3.2))
    if group not in res.curves_pooled:
        return fig
    c = res.curve(group)
    ax.plot(c["day_after"], c["ratio"], ".", color="tab:blue", alpha=0.6,
            label="units / counterfactual, by day")
    w = res.weekly[res.group_keys(res.weekly) == group]
    for _, r in w.iterrows():
        x = [r["day_from"], r["day_to"] + 1]
        ax.plot(x, [1 - r["deficit"]] * 2, color="tab:blue", lw=2)
        ax.fill_between(x, 1 - r["deficit_hi"], 1 - r["deficit_lo"], color="tab:blue",
                        alpha=0.12)
    p = res.pooled[res.group_keys(res.pooled) == group]
    if len(p) and bool(p.iloc[0]["recovery_identified"]):
        p = p.iloc[0]
        k = np.arange(res.window_days)
        ax.plot(k, 1 - p["deficit_at_restock"] * np.maximum(0, 1 - k / p["recovery_days"]),
                color="tab:red", label=f"fitted ramp: back in {p['recovery_days']:.0f} days")
    ax.axhline(1, color="gray", lw=0.8)
    ax.set_xlabel("days after the restock")
    ax.set_ylabel("sales / counterfactual")
    ax.set_title("Sales after a restock against the counterfactual (weekly bars: 95 % interval)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
