"""Sponsored Products analytics: metrics, unit economics, bid / keyword / budget
recommendations with their evidence, inventory-aware pacing, and the ad budget to recover
after a stockout.

Pure functions of the canonical tables (:mod:`postship_analysis.contract`: ``ads``,
``sales_traffic``, ``unit_costs``, ``orders``) and parameters; no file I/O, no clock. The
Amazon bulk-operations file is built by :mod:`postship_analysis.bulksheet`.

Definitions (domain.md §4h; Amazon defines only ACoS and ROAS, the rest are the usual
industry formulas)
---------------------------------------------------------------------------------------------
* CTR = clicks / impressions; CPC = spend / clicks; CVR = orders / clicks;
  ACoS = spend / attributed sales; ROAS = attributed sales / spend;
  TACoS = ad spend / total ordered product sales (Business Report);
  organic share = 1 - attributed sales / total sales (clipped at 0).
* Attributed sales, orders and units are the window of the report (``attribution_days``: 7
  for sellers' Sponsored Products, 14 for Sponsored Brands / some exports). Rows with
  different windows are never added together: ``attribution_days`` is always a group key.
* Amazon restates conversions 1, 7 and 28 days after the event (Ads API v2 FAQ, domain.md
  §4h): rows whose last day falls in the ``provisional_days`` before ``as_of`` (default: the
  row's attribution window) are flagged ``provisional``; re-pull them later.
* Unit economics per SKU (``unit_costs``): contribution before advertising
  ``cm = price - cogs - fba_fee - referral_fee_pct * price - other_cost``;
  break-even ACoS = cm / price (an ad sale at that ACoS leaves zero contribution);
  target ACoS = break-even ACoS - margin goal (profit left after ads, fraction of price);
  max CPC = target ACoS x AOV x CVR (the CPC at which ACoS equals the target).

Windows: ``as_of`` is a marketplace-local date; an ``N``-day window is the N days before it
(``[as_of - N, as_of - 1]``). The ``ads`` table's dates are already local report days.

Example
-------
>>> import pandas as pd
>>> ue = unit_economics(pd.DataFrame({"seller_id": ["s"], "marketplace": ["US"], "sku": ["A"],
...     "currency": ["USD"], "price": [20.0], "cogs": [5.0], "fba_fee": [4.0],
...     "referral_fee_pct": [0.15], "other_cost": [1.0]}), margin_goal=0.10)
>>> round(float(ue["break_even_acos"].iloc[0]), 3), round(float(ue["target_acos"].iloc[0]), 3)
(0.35, 0.25)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import ParameterError

KEYS = ["seller_id", "marketplace"]
DAY = pd.Timedelta(days=1)

#: Amazon's lookback for sellers' Sponsored Products console metrics (domain.md §4h)
SP_ATTRIBUTION_DAYS = 7
#: CVR threshold for budget shifts (the issue's default; a product choice, not Amazon's)
BUDGET_CVR_THRESHOLD = 0.15
#: Seller rule of thumb, *unverified* (forecasting.md §5.6: no source found): a listing out of
#: stock for more than 7 days needs about 37 % more ad budget to regain its rank. Used only as
#: a prior where this seller's own episodes are too few.
RULE_OF_THUMB_EXTRA = 0.37
RULE_OF_THUMB_MIN_DAYS = 7
#: Amazon's lowest Sponsored Products keyword bid in the US (advertising console; other
#: marketplaces differ, e.g. 0.02 EUR in DE), a parameter
MIN_BID = 0.02

_SUM = ["impressions", "clicks", "spend", "sales", "orders", "units"]
# report_level to read for each grouping column, most specific first
_LEVEL_FOR = {"search_term": ("search_term",),
              "advertised_sku": ("advertised_product",), "advertised_asin": ("advertised_product",),
              "targeting": ("targeting", "search_term"),
              "ad_group_name": ("ad_group", "advertised_product", "targeting", "search_term"),
              "campaign_name": ("campaign", "ad_group", "advertised_product", "targeting",
                                "search_term")}


def _div(a, b):
    a = pd.Series(a, dtype="float64") if not isinstance(a, pd.Series) else a.astype("float64")
    b = pd.Series(b, dtype="float64") if not isinstance(b, pd.Series) else b.astype("float64")
    return (a / b.where(b != 0)).astype("float64")


def add_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``ctr, cpc, cvr, acos, roas`` (and ``aov`` = sales / orders) from summed columns;
    NaN where the denominator is 0."""
    df = df.copy()
    df["ctr"] = _div(df["clicks"], df["impressions"])
    df["cpc"] = _div(df["spend"], df["clicks"])
    df["cvr"] = _div(df["orders"], df["clicks"])
    df["acos"] = _div(df["spend"], df["sales"])
    df["roas"] = _div(df["sales"], df["spend"])
    df["aov"] = _div(df["sales"], df["orders"])
    return df


def choose_level(ads: pd.DataFrame, by: Sequence[str]) -> str:
    """The ``report_level`` to aggregate for a grouping, so nothing is counted twice.

    A search-term grouping reads search-term rows, an advertised SKU the advertised-product
    rows; campaign / ad group totals prefer the campaign or ad-group rows and fall back to a
    finer level that carries the grouping column."""
    present = set(ads["report_level"].dropna().unique())
    cands: tuple[str, ...] | None = None
    for col in ("search_term", "advertised_sku", "advertised_asin", "targeting",
                "ad_group_name", "campaign_name"):
        if col in by:
            cands = _LEVEL_FOR[col]
            break
    if cands is None:
        cands = ("campaign", "advertised_product", "ad_group", "targeting", "search_term")
    for lv in cands:
        if lv in present:
            rows = ads[ads["report_level"] == lv]
            if all(c in ("seller_id", "marketplace") or rows[c].notna().any() for c in by):
                if lv == "campaign" and "campaign_name" not in by and \
                        rows["campaign_name"].isna().all():
                    return lv  # performance-over-time totals
                return lv
    raise ParameterError(f"no report level in the ads table carries {list(by)} "
                         f"(levels present: {sorted(present)})")


def ad_metrics(ads: pd.DataFrame, by: Sequence[str] = ("campaign_name",), *,
               freq: str | None = None, start=None, end=None, as_of=None,
               level: str | None = None, provisional_days: int | None = None) -> pd.DataFrame:
    """Sponsored Products metrics per entity, by day / week / month or over a period.

    Parameters
    ----------
    ads : ``ads`` table (console downloads or Ads API v3 reports).
    by : grouping columns besides ``seller_id, marketplace``: any of ``campaign_name,
        ad_group_name, targeting, match_type, search_term, advertised_sku, advertised_asin``.
    freq : ``None`` (one row per entity over the period), ``"D"``, ``"W"`` (weeks ending
        Sunday) or ``"MS"`` (calendar months); rows are assigned by ``start_date``.
    start, end : first and last day included (inclusive); default all.
    as_of : run date; needed for the provisional flag (rows ending within
        ``provisional_days`` before it, default the row's attribution window).
    level : ``report_level`` to read; default :func:`choose_level`.

    Returns
    -------
    DataFrame ``seller_id, marketplace, [period], *by, attribution_days, impressions, clicks,
    spend, sales, orders, units, ctr, cpc, cvr, acos, roas, aov, first_day, last_day,
    provisional`` (money in the rows' currency; rates are fractions).

    Example
    -------
    >>> # ad_metrics(ads, ["search_term"], start="2026-10-01", end="2026-10-31", as_of="2026-11-01")
    """
    by = [c for c in by if c not in KEYS]
    level = level or choose_level(ads, by)
    d = ads[ads["report_level"] == level]
    if start is not None:
        d = d[d["start_date"] >= pd.Timestamp(start)]
    if end is not None:
        d = d[d["end_date"] <= pd.Timestamp(end)]
    keys = KEYS + ([] if freq is None else ["period"]) + list(by) + ["attribution_days"]
    d = d.assign(**{c: d[c].astype("float64") for c in _SUM})
    if freq is not None:
        if freq == "W":
            per = d["start_date"].dt.to_period("W-SUN").dt.start_time
        elif freq in ("M", "MS"):
            per = d["start_date"].dt.to_period("M").dt.start_time
        elif freq == "D":
            per = d["start_date"]
        else:
            raise ParameterError(f"freq must be None, 'D', 'W' or 'MS', not {freq!r}")
        d = d.assign(period=per)
    g = d.groupby(keys, dropna=False, sort=True)
    out = g[_SUM].sum().join(g.agg(first_day=("start_date", "min"),
                                   last_day=("end_date", "max"))).reset_index()
    out = add_rates(out)
    if as_of is not None:
        pdays = (out["attribution_days"].astype("float64").fillna(SP_ATTRIBUTION_DAYS)
                 if provisional_days is None else float(provisional_days))
        cut = pd.Timestamp(as_of) - pd.to_timedelta(pdays, unit="D")
        out["provisional"] = out["last_day"] >= cut
    else:
        out["provisional"] = pd.NA
    out["report_level"] = level
    return out


def tacos(ads: pd.DataFrame, sales_traffic: pd.DataFrame, *, start, end,
          freq: str | None = None) -> pd.DataFrame:
    """TACoS and organic share per marketplace, from ad spend and the Business Report.

    TACoS = ad spend / ordered product sales; organic share = max(0, 1 - ad-attributed
    sales / ordered product sales). Total sales come from the by-date rows of
    ``sales_traffic`` (GET_SALES_AND_TRAFFIC_REPORT at DAY granularity, or a by-date Business
    Report); ad spend and sales from the campaign-level (else finest available) ads rows.
    ``start``/``end`` inclusive; ``freq`` as in :func:`ad_metrics`.

    Returns ``seller_id, marketplace, [period], spend, ad_sales, total_sales, tacos, acos,
    organic_share, attribution_days``.
    """
    m = ad_metrics(ads, [], freq=freq, start=start, end=end)
    m = m.rename(columns={"sales": "ad_sales"})
    st = sales_traffic[sales_traffic["report_date"].notna()]
    st = st[(st["report_date"] >= pd.Timestamp(start)) & (st["report_date"] <= pd.Timestamp(end))]
    if freq is None:
        tot = st.groupby(KEYS)["ordered_product_sales"].sum()
        keys = KEYS
    else:
        per = (st["report_date"] if freq == "D" else
               st["report_date"].dt.to_period("W-SUN" if freq == "W" else "M").dt.start_time)
        tot = st.assign(period=per).groupby(KEYS + ["period"])["ordered_product_sales"].sum()
        keys = KEYS + ["period"]
    out = m[keys + ["attribution_days", "spend", "ad_sales", "acos"]].merge(
        tot.rename("total_sales").reset_index(), on=keys, how="left")
    out["tacos"] = _div(out["spend"], out["total_sales"])
    out["organic_share"] = (1 - _div(out["ad_sales"], out["total_sales"])).clip(lower=0)
    return out


# ---------------------------------------------------------------------------------------------
# Unit economics
# ---------------------------------------------------------------------------------------------


def unit_economics(unit_costs: pd.DataFrame, *, margin_goal: float = 0.10) -> pd.DataFrame:
    """Contribution margin before advertising, break-even and target ACoS per SKU.

    ``cm = price - cogs - fba_fee - referral_fee_pct * price - other_cost`` (per unit, in the
    SKU's currency); ``cm_pct = break_even_acos = cm / price``;
    ``target_acos = max(0, break_even_acos - margin_goal)`` where ``margin_goal`` is the
    profit per ad-driven sale to keep after ads, as a fraction of price (a parameter; the
    usual convention is target < break-even, domain.md §4h).

    Returns ``seller_id, marketplace, sku, currency, price, contribution, break_even_acos,
    target_acos, margin_goal``. SKUs with a non-positive contribution get break-even 0 (every
    ad sale loses money).
    """
    if not 0 <= margin_goal < 1:
        raise ParameterError(f"margin_goal must be a fraction in [0, 1), got {margin_goal}")
    u = unit_costs.copy()
    price = u["price"].astype("float64")
    cm = (price - u["cogs"].astype("float64") - u["fba_fee"].astype("float64").fillna(0)
          - u["referral_fee_pct"].astype("float64").fillna(0) * price
          - u["other_cost"].astype("float64").fillna(0))
    be = _div(cm, price).clip(lower=0)
    return pd.DataFrame({
        "seller_id": u["seller_id"], "marketplace": u["marketplace"], "sku": u["sku"],
        "currency": u["currency"], "price": price, "contribution": cm,
        "break_even_acos": be, "target_acos": (be - margin_goal).clip(lower=0),
        "margin_goal": margin_goal})


def sku_targets(ads: pd.DataFrame, unit_costs: pd.DataFrame, *, start, end,
                margin_goal: float = 0.10) -> pd.DataFrame:
    """Per advertised SKU: ad metrics over ``[start, end]`` beside its unit economics, and
    the highest CPC that keeps ACoS within target at the SKU's own CVR and AOV.

    ``max_cpc = target_acos x aov x cvr`` and ``break_even_cpc = break_even_acos x aov x
    cvr``; ``acos_status`` is ``within_target``, ``above_target`` (between target and
    break-even), ``above_break_even`` or ``no_sales``.

    Returns the columns of :func:`ad_metrics` by ``advertised_sku`` plus ``price,
    contribution, break_even_acos, target_acos, max_cpc, break_even_cpc, acos_status``.
    """
    m = ad_metrics(ads, ["advertised_sku"], start=start, end=end)
    ue = unit_economics(unit_costs, margin_goal=margin_goal)
    out = m.merge(ue.drop(columns=["currency"]).rename(columns={"sku": "advertised_sku"}),
                  on=KEYS + ["advertised_sku"], how="left")
    out["max_cpc"] = out["target_acos"] * out["aov"] * out["cvr"]
    out["break_even_cpc"] = out["break_even_acos"] * out["aov"] * out["cvr"]
    st = np.select([out["sales"] <= 0, out["acos"] <= out["target_acos"],
                    out["acos"] <= out["break_even_acos"]],
                   ["no_sales", "within_target", "above_target"], "above_break_even")
    out["acos_status"] = np.where(out["break_even_acos"].isna() & (out["sales"] > 0),
                                  "no_unit_cost", st)
    return out


def ad_group_economics(ads: pd.DataFrame, unit_costs: pd.DataFrame, *, start, end,
                       margin_goal: float = 0.10) -> pd.DataFrame:
    """Break-even and target ACoS per campaign / ad group: the sales-weighted (else
    spend-weighted, else plain) mean over the SKUs the ad group advertises
    (advertised-product rows). Ad groups without advertised-product rows get the
    marketplace's sales-weighted mean.

    Returns ``(ad_groups, marketplaces)``: ``seller_id, marketplace, campaign_name,
    ad_group_name, break_even_acos, target_acos, price, skus`` and ``seller_id, marketplace,
    mp_break_even_acos, mp_target_acos, mp_price``.
    """
    ue = unit_economics(unit_costs, margin_goal=margin_goal)
    ap = ads[(ads["report_level"] == "advertised_product")]
    ap = ap[(ap["start_date"] >= pd.Timestamp(start)) & (ap["end_date"] <= pd.Timestamp(end))]
    cols = KEYS + ["campaign_name", "ad_group_name", "advertised_sku"]
    w = ap.groupby(cols, dropna=False)[["sales", "spend"]].sum().reset_index()
    w = w.merge(ue.rename(columns={"sku": "advertised_sku"}), on=KEYS + ["advertised_sku"],
                how="inner")
    w["w"] = np.where(w["sales"] > 0, w["sales"], np.where(w["spend"] > 0, w["spend"] * 1e-6,
                                                           1e-9))

    def wmean(g, col):
        return (g[col] * g["w"]).sum() / g["w"].sum()

    grp = w.groupby(KEYS + ["campaign_name", "ad_group_name"], dropna=False)
    out = pd.DataFrame({
        "break_even_acos": grp.apply(lambda g: wmean(g, "break_even_acos"), include_groups=False),
        "target_acos": grp.apply(lambda g: wmean(g, "target_acos"), include_groups=False),
        "price": grp.apply(lambda g: wmean(g, "price"), include_groups=False),
        "skus": grp["advertised_sku"].agg(lambda s: ",".join(sorted(s.dropna().unique())))})
    mp = w.groupby(KEYS).apply(lambda g: pd.Series({
        "mp_break_even_acos": wmean(g, "break_even_acos"),
        "mp_target_acos": wmean(g, "target_acos"), "mp_price": wmean(g, "price")}),
        include_groups=False)
    return out.reset_index(), mp.reset_index()


# ---------------------------------------------------------------------------------------------
# Empirical-Bayes CVR
# ---------------------------------------------------------------------------------------------


def fit_beta_prior(successes, trials, *, min_strength: float = 2.0,
                   max_strength: float = 1e4) -> tuple[float, float]:
    """Beta prior ``(mean, strength)`` for a set of binomial rates by the method of moments.

    With ``p_i = s_i / n_i`` (units with ``n_i > 0``), the pooled mean
    ``mu = sum s / sum n`` and the between-unit variance
    ``tau2 = var(p_i) - mean(mu (1 - mu) / n_i)`` (observed spread minus binomial noise),
    the Beta(alpha, beta) with that mean and variance has ``strength = alpha + beta =
    mu (1 - mu) / tau2 - 1``. When the spread is no more than noise (``tau2 <= 0``) the
    strength is ``max_strength`` (complete pooling); it is clipped to
    ``[min_strength, max_strength]``. Fewer than 2 units: ``(mu, max_strength)``.

    Example: s = (0, 10), n = (50, 50): mu = 0.1, var(p) = 0.01 (population variance),
    noise = 0.09 / 50 = 0.0018, tau2 = 0.0082, strength = 0.09 / 0.0082 - 1 = 9.976.
    """
    s = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    ok = n > 0
    s, n = s[ok], n[ok]
    if n.sum() == 0:
        return float("nan"), max_strength
    mu = s.sum() / n.sum()
    if len(n) < 2 or mu <= 0 or mu >= 1:
        return float(mu), max_strength
    p = s / n
    tau2 = p.var() - np.mean(mu * (1 - mu) / n)
    if tau2 <= 0:
        return float(mu), max_strength
    return float(mu), float(np.clip(mu * (1 - mu) / tau2 - 1, min_strength, max_strength))


def shrink(successes, trials, prior_mean, strength):
    """Posterior mean of a binomial rate under a Beta prior with ``prior_mean`` and
    ``strength`` (= alpha + beta): ``(s + strength * mu) / (n + strength)``."""
    s = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    return (s + strength * np.asarray(prior_mean, dtype="float64")) / (n + strength)


def fit_strength_around(successes, trials, parent, *, min_strength: float = 2.0,
                        max_strength: float = 1e4) -> float:
    """Beta prior strength of units around their own parents' rates (method of moments).

    ``tau2 = mean((p_i - m_i)^2) - mean(m_i (1 - m_i) / n_i)`` (spread around each unit's
    parent rate ``m_i`` minus binomial noise); ``strength = mean(m_i (1 - m_i)) / tau2 - 1``,
    clipped; ``max_strength`` (complete pooling) when ``tau2 <= 0`` or fewer than 2 units.
    With one parent for all units this is :func:`fit_beta_prior` with the parent as mean.
    """
    s = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    m = np.asarray(parent, dtype="float64")
    ok = (n > 0) & np.isfinite(m)
    s, n, m = s[ok], n[ok], m[ok]
    if len(n) < 2:
        return max_strength
    v = m * (1 - m)
    tau2 = np.mean((s / n - m) ** 2) - np.mean(v / n)
    if tau2 <= 0 or v.mean() <= 0:
        return max_strength
    return float(np.clip(v.mean() / tau2 - 1, min_strength, max_strength))


def hierarchical_cvr(stats: pd.DataFrame, *, levels: Sequence[str] = ("campaign_name",
                                                                      "ad_group_name"),
                     unit: str = "targeting") -> pd.DataFrame:
    """Empirical-Bayes CVR per ``unit`` row, shrunk toward its ad group, the ad group toward
    its campaign, the campaign toward the marketplace (beta-binomial).

    Top-down, per seller and marketplace: the marketplace rate is pooled orders / clicks;
    at each level the prior strength is fitted once per marketplace from the spread of the
    level's units around their (already shrunk) parent rates (:func:`fit_strength_around`),
    and each unit's rate is ``(orders + strength x parent) / (clicks + strength)``.

    ``stats`` has ``seller_id, marketplace, *levels, <unit columns>, clicks, orders`` (one
    row per unit). Adds ``<level>_cvr`` per level, ``prior_cvr`` (the unit's parent rate),
    ``prior_strength``, ``cvr_shrunk``, ``cvr_raw`` and the posterior Beta parameters
    ``alpha = orders + strength x prior``, ``beta = clicks - orders + strength x (1 - prior)``.
    """
    out = stats.copy()
    out["clicks"] = out["clicks"].astype("float64")
    out["orders"] = out["orders"].astype("float64")
    top = out.groupby(KEYS, dropna=False)[["orders", "clicks"]].sum()
    parent = (top["orders"] / top["clicks"]).rename("rate").reset_index()
    parent_keys = list(KEYS)
    for depth in range(len(levels) + 1):
        leaf = depth == len(levels)
        keys = None if leaf else KEYS + list(levels[:depth + 1])
        g = out if leaf else out.groupby(keys, dropna=False)[["orders", "clicks"]].sum() \
            .reset_index()
        prior = g[parent_keys].merge(parent, on=parent_keys, how="left")["rate"].to_numpy()
        strength = np.empty(len(g))
        for _, idx in g.groupby(KEYS, dropna=False, sort=False).indices.items():
            strength[idx] = fit_strength_around(g["orders"].to_numpy()[idx],
                                                g["clicks"].to_numpy()[idx], prior[idx])
        rate = shrink(g["orders"], g["clicks"], prior, strength)
        if leaf:
            out["prior_cvr"] = prior
            out["prior_strength"] = strength
            out["cvr_shrunk"] = rate
        else:
            parent = g[keys].assign(rate=rate)
            out = out.merge(parent.rename(columns={"rate": f"{levels[depth]}_cvr"}), on=keys,
                            how="left")
            parent_keys = keys
    out["cvr_raw"] = _div(out["orders"], out["clicks"])
    out["alpha"] = out["orders"] + out["prior_strength"] * out["prior_cvr"]
    out["beta"] = out["clicks"] - out["orders"] + out["prior_strength"] * (1 - out["prior_cvr"])
    return out


# ---------------------------------------------------------------------------------------------
# Recommendations
# ---------------------------------------------------------------------------------------------

_TARGET_KEYS = ["campaign_name", "ad_group_name", "targeting", "match_type"]


def _window(as_of, window_days):
    as_of = pd.Timestamp(as_of)
    return as_of - pd.Timedelta(days=window_days), as_of - DAY


def target_stats(ads: pd.DataFrame, *, start, end) -> pd.DataFrame:
    """Clicks, orders, spend, sales per target (campaign, ad group, keyword / targeting
    expression, match type) from targeting rows, else search-term rows summed per target."""
    m = ad_metrics(ads, _TARGET_KEYS, start=start, end=end)
    return m


def bid_recommendations(ads: pd.DataFrame, unit_costs: pd.DataFrame, as_of, *,
                        window_days: int = 30, margin_goal: float = 0.10,
                        down_only: bool = False, max_step: float = 0.20,
                        min_bid: float = MIN_BID, tolerance: float = 0.05,
                        current_bids: pd.DataFrame | None = None,
                        inventory_cover: pd.DataFrame | None = None) -> pd.DataFrame:
    """Bid per target: ``target bid = target ACoS x AOV x CVR`` with an empirical-Bayes CVR.

    * CVR: :func:`hierarchical_cvr` (target -> ad group -> campaign -> marketplace), so a
      target with a handful of clicks sits near its ad group's rate.
    * AOV: the target's own sales / orders when it has >= 3 orders, else its ad group's, else
      the ad group's advertised-SKU price.
    * target ACoS: :func:`ad_group_economics` (the ad group's SKUs, sales-weighted).
    * current bid: ``current_bids`` (``campaign_name, ad_group_name, targeting, match_type,
      bid``) where given, else the target's average CPC over the window (reports carry no
      bid; the CPC is what the bid actually cost).
    * step cap: the new bid stays within ``current x (1 +/- max_step)``; ``down_only``
      never raises (mirrors Amazon's "Dynamic bids - down only" strategy, which only lowers
      bids in real time); ``min_bid`` floor; changes under ``tolerance`` are ``keep``.
    * inventory (optional ``inventory_cover``, see :func:`inventory_pacing`): a target whose
      ad group advertises only constrained SKUs is never raised.

    Window: the ``window_days`` before ``as_of``. Returns one row per target with
    ``clicks, orders, spend, sales, cpc, cvr_raw, ad_group_cvr, cvr_shrunk, aov,
    target_acos, break_even_acos, current_bid, target_bid, new_bid, change_pct, action,
    evidence``.
    """
    start, end = _window(as_of, window_days)
    t = target_stats(ads, start=start, end=end)
    t = t[t["clicks"] > 0]
    t = hierarchical_cvr(t, unit="targeting")
    agg, mp = ad_group_economics(ads, unit_costs, start=start, end=end, margin_goal=margin_goal)
    t = t.merge(agg, on=KEYS + ["campaign_name", "ad_group_name"], how="left").merge(
        mp, on=KEYS, how="left")
    for c in ("break_even_acos", "target_acos", "price"):
        t[c] = t[c].fillna(t[f"mp_{c}"])
    ag = t.groupby(KEYS + ["campaign_name", "ad_group_name"], dropna=False)[
        ["sales", "orders"]].transform("sum")
    ag_aov = _div(ag["sales"], ag["orders"])
    t["aov"] = np.where(t["orders"] >= 3, t["aov"], ag_aov.fillna(t["price"]))
    t["target_bid"] = t["target_acos"] * t["aov"] * t["cvr_shrunk"]
    if current_bids is not None:
        t = t.merge(current_bids.rename(columns={"bid": "current_bid"}),
                    on=[c for c in current_bids.columns if c != "bid"], how="left")
        t["current_bid"] = t["current_bid"].fillna(t["cpc"])
        t["bid_source"] = np.where(t["current_bid"].notna(), "bid", "avg_cpc")
    else:
        t["current_bid"] = t["cpc"]
        t["bid_source"] = "avg_cpc"
    cur = t["current_bid"]
    hi = cur * (1 + (0.0 if down_only else max_step))
    new = t["target_bid"].clip(lower=cur * (1 - max_step), upper=hi)
    constrained = pd.Series(False, index=t.index)
    if inventory_cover is not None and len(inventory_cover):
        pace = inventory_pacing(inventory_cover)
        bad = set(map(tuple, pace.loc[pace["action"] != "normal", KEYS + ["sku"]].to_numpy()))
        sku_lists = t["skus"].fillna("").str.split(",")
        constrained = pd.Series([bool(s) and s != [""] and all(
            (a, b, x) in bad for x in s) for a, b, s in zip(
            t["seller_id"], t["marketplace"], sku_lists, strict=True)], index=t.index)
        new = np.where(constrained, np.minimum(new, cur), new)
    new = pd.Series(np.maximum(np.round(new, 2), min_bid), index=t.index)
    t["new_bid"] = new
    t["change_pct"] = _div(new - cur, cur)
    t["inventory_constrained"] = constrained
    t["action"] = np.where(t["change_pct"].abs() < tolerance, "keep",
                           np.where(t["change_pct"] > 0, "raise", "lower"))
    capped = (t["target_bid"] - new).abs() > 0.005
    t["evidence"] = (
        "clicks " + t["clicks"].astype(int).astype(str) + ", orders "
        + t["orders"].astype(int).astype(str) + "; CVR raw " + _pct(t["cvr_raw"])
        + " -> shrunk " + _pct(t["cvr_shrunk"]) + " (prior " + _pct(t["prior_cvr"])
        + ", strength " + t["prior_strength"].round(0).astype(int).astype(str)
        + " clicks); AOV " + t["aov"].round(2).astype(str) + ", target ACoS "
        + _pct(t["target_acos"]) + " -> target bid " + t["target_bid"].round(2).astype(str)
        + "; current " + cur.round(2).astype(str) + " (" + t["bid_source"] + ")"
        + np.where(capped, f"; step capped at {max_step:.0%}" + (" (down only)" if down_only
                                                                  else ""), "")
        + np.where(constrained, "; inventory constrained: not raised", ""))
    cols = (KEYS + _TARGET_KEYS + ["attribution_days", "impressions", "clicks", "orders",
                                   "spend", "sales", "cpc", "acos", "cvr_raw", "ad_group_cvr",
                                   "campaign_name_cvr", "prior_cvr", "prior_strength",
                                   "cvr_shrunk", "alpha", "beta", "aov", "target_acos",
                                   "break_even_acos", "skus", "current_bid", "bid_source",
                                   "target_bid", "new_bid", "change_pct",
                                   "inventory_constrained", "action", "evidence"])
    t = t.rename(columns={"ad_group_name_cvr": "ad_group_cvr"})
    return t[cols].sort_values(KEYS + ["spend"], ascending=[True, True, False],
                               ignore_index=True)


def _pct(s):
    return (pd.Series(s, dtype="float64") * 100).round(1).astype(str) + "%"


_ASIN_RE = r"^b0[a-z0-9]{8}$"


def search_term_stats(ads: pd.DataFrame, unit_costs: pd.DataFrame, as_of, *,
                      window_days: int = 30, margin_goal: float = 0.10) -> pd.DataFrame:
    """Search terms per target over the window with shrunk CVR (prior = the target's ad
    group, :func:`hierarchical_cvr`), AOV, break-even / target ACoS of the ad group and the
    break-even CVR at the term's own CPC: ``be_cvr = cpc / (break_even_acos x aov)``."""
    from scipy import stats as sps

    start, end = _window(as_of, window_days)
    m = ad_metrics(ads, _TARGET_KEYS + ["search_term"], start=start, end=end)
    m = m[m["clicks"] > 0]
    m = hierarchical_cvr(m, unit="search_term")
    agg, mp = ad_group_economics(ads, unit_costs, start=start, end=end, margin_goal=margin_goal)
    m = m.merge(agg, on=KEYS + ["campaign_name", "ad_group_name"], how="left").merge(
        mp, on=KEYS, how="left")
    for c in ("break_even_acos", "target_acos", "price"):
        m[c] = m[c].fillna(m[f"mp_{c}"])
    ag = m.groupby(KEYS + ["campaign_name", "ad_group_name"], dropna=False)[
        ["sales", "orders"]].transform("sum")
    m["aov"] = np.where(m["orders"] >= 3, m["aov"], _div(ag["sales"], ag["orders"])
                        .fillna(m["price"]))
    m["allowed_spend"] = m["break_even_acos"] * m["aov"] * m["orders"].clip(lower=1)
    m["be_cvr"] = _div(m["cpc"], m["break_even_acos"] * m["aov"]).clip(upper=1)
    m["p_cvr_below_be"] = sps.beta.cdf(m["be_cvr"].to_numpy(), m["alpha"].to_numpy(),
                                       m["beta"].to_numpy())
    m["is_asin"] = m["search_term"].str.lower().str.match(_ASIN_RE).fillna(False)
    return m


def negative_keyword_candidates(terms: pd.DataFrame, *, max_orders: int = 1,
                                min_probability: float = 0.8) -> pd.DataFrame:
    """Search terms to add as negatives, ranked by ``P(CVR < break-even CVR)``.

    A term qualifies when its spend exceeds what break-even allows for its orders
    (``spend > break_even_acos x AOV x max(orders, 1)``), it has at most ``max_orders``
    orders and the posterior probability (Beta(alpha, beta) of :func:`hierarchical_cvr`)
    that its CVR is below the break-even CVR at its CPC is at least ``min_probability``.
    ``terms`` is :func:`search_term_stats`. ASIN terms (product pages) become negative
    product targets, the rest negative exact keywords in their ad group. Terms equal to an
    existing exact keyword of the same ad group are left out.

    Returns the term rows with ``negative_type``, ``wasted_spend`` (= spend - sales x
    break-even ACoS, the spend not covered by contribution) and ``evidence``.
    """
    t = terms
    own_exact = (t["match_type"] == "EXACT") & (t["search_term"].str.lower()
                                                == t["targeting"].str.lower())
    q = t[(t["spend"] > t["allowed_spend"]) & (t["orders"] <= max_orders)
          & (t["p_cvr_below_be"] >= min_probability) & ~own_exact].copy()
    q["negative_type"] = np.where(q["is_asin"], "negative_product_target", "negative_exact")
    q["wasted_spend"] = q["spend"] - q["sales"] * q["break_even_acos"]
    q["evidence"] = ("spend " + q["spend"].round(2).astype(str) + " > break-even allows "
                     + q["allowed_spend"].round(2).astype(str) + " (" + _pct(q["break_even_acos"])
                     + " x AOV " + q["aov"].round(2).astype(str) + " x max(orders,1)); clicks "
                     + q["clicks"].astype(int).astype(str) + ", orders "
                     + q["orders"].astype(int).astype(str) + "; P(CVR < " + _pct(q["be_cvr"])
                     + ") = " + q["p_cvr_below_be"].round(3).astype(str))
    return q.sort_values(["p_cvr_below_be", "spend"], ascending=[False, False],
                         ignore_index=True)


def harvest_candidates(terms: pd.DataFrame, *, min_orders: int = 2,
                       exact_targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Converting search terms from automatic and broad / phrase targets that are not yet
    exact keywords anywhere in the marketplace.

    Qualifies: ``orders >= min_orders``, ACoS within the ad group's target ACoS, target
    match type BROAD / PHRASE / automatic (``<NA>`` and not an ASIN expression), term not an
    ASIN and not equal (case-insensitive) to an EXACT keyword of the marketplace (from
    ``terms`` itself, or ``exact_targets`` with ``seller_id, marketplace, targeting``).
    ``suggested_bid = target_acos x aov x cvr_shrunk``; ``destination_*`` is the exact ad
    group sharing the most advertised SKUs with the source (empty when none exists).
    """
    t = terms
    ex = t[t["match_type"] == "EXACT"][KEYS + ["targeting"]]
    if exact_targets is not None:
        ex = pd.concat([ex, exact_targets[KEYS + ["targeting"]]])
    ex = ex.assign(term_l=ex["targeting"].str.lower()).drop_duplicates(KEYS + ["term_l"])
    src = t["match_type"].isin(["BROAD", "PHRASE"]) | (
        t["match_type"].isna() & ~t["targeting"].fillna("").str.lower().str.startswith("asin"))
    q = t[src & (t["orders"] >= min_orders) & (t["acos"] <= t["target_acos"]) & ~t["is_asin"]]
    q = q.assign(term_l=q["search_term"].str.lower())
    q = q.merge(ex[KEYS + ["term_l"]].assign(_ex=True), on=KEYS + ["term_l"], how="left")
    q = q[q["_ex"].isna()].drop(columns=["_ex"]).copy()
    q["suggested_bid"] = np.maximum((q["target_acos"] * q["aov"] * q["cvr_shrunk"]).round(2),
                                    MIN_BID)
    # destination: exact ad group with the largest SKU overlap
    exg = t[t["match_type"] == "EXACT"][KEYS + ["campaign_name", "ad_group_name", "skus"]]
    exg = exg.drop_duplicates(KEYS + ["campaign_name", "ad_group_name"])
    dest_c, dest_g = [], []
    for _, r in q.iterrows():  # few rows (converting terms), not a hot path
        best, bc, bg = 0, pd.NA, pd.NA
        srcs = set(str(r["skus"]).split(",")) if pd.notna(r["skus"]) else set()
        for _, e in exg[(exg["seller_id"] == r["seller_id"])
                        & (exg["marketplace"] == r["marketplace"])].iterrows():
            ov = len(srcs & set(str(e["skus"]).split(",")))
            if ov > best:
                best, bc, bg = ov, e["campaign_name"], e["ad_group_name"]
        dest_c.append(bc)
        dest_g.append(bg)
    q["destination_campaign"] = pd.array(dest_c, dtype="string")
    q["destination_ad_group"] = pd.array(dest_g, dtype="string")
    q["evidence"] = ("orders " + q["orders"].astype(int).astype(str) + " from clicks "
                     + q["clicks"].astype(int).astype(str) + ", ACoS " + _pct(q["acos"])
                     + " <= target " + _pct(q["target_acos"]) + "; not yet an exact keyword")
    return q.drop(columns=["term_l"]).sort_values(["orders", "sales"], ascending=False,
                                                  ignore_index=True)


def inventory_pacing(inventory_cover: pd.DataFrame, *, reduce_floor: float = 0.25
                     ) -> pd.DataFrame:
    """Spend multiplier per SKU from its days of cover against its lead time.

    Input ``seller_id, marketplace, sku, days_of_cover, lead_time_days, in_stock``.
    ``pause`` (multiplier 0) when out of stock; ``reduce`` with multiplier
    ``max(reduce_floor, days_of_cover / lead_time_days)`` when cover is below the lead time
    (the SKU would run out before a reorder placed today arrives); else ``normal`` (1).
    Spend on paused or reduced SKUs is never raised.
    """
    c = inventory_cover.copy()
    doc = c["days_of_cover"].astype("float64")
    lt = c["lead_time_days"].astype("float64")
    oos = ~c["in_stock"].astype("boolean").fillna(True)
    short = (doc < lt).fillna(False)
    c["action"] = np.where(oos, "pause", np.where(short, "reduce", "normal"))
    c["spend_multiplier"] = np.where(oos, 0.0, np.where(
        short, np.maximum(reduce_floor, _div(doc, lt).fillna(0)), 1.0))
    c["evidence"] = np.where(oos, "out of stock", np.where(
        short, "days of cover " + doc.round(1).astype(str) + " < lead time "
        + lt.round(0).astype(str), "cover " + doc.round(1).astype(str) + " d >= lead time"))
    return c


def budget_recommendations(ads: pd.DataFrame, unit_costs: pd.DataFrame, as_of, *,
                           window_days: int = 30, margin_goal: float = 0.10,
                           cvr_threshold: float = BUDGET_CVR_THRESHOLD, shift: float = 0.20,
                           min_clicks: int = 20,
                           inventory_cover: pd.DataFrame | None = None) -> pd.DataFrame:
    """Shift budget toward advertised SKUs whose CVR >= ``cvr_threshold`` and whose ACoS is
    within target, away from the rest; inventory-constrained SKUs are reduced or paused.

    Per advertised SKU and campaign over the ``window_days`` before ``as_of``
    (advertised-product rows): ``favour`` (CVR >= threshold and ACoS <= target ACoS),
    ``trim`` (enough clicks, fails either test), ``hold`` (fewer than ``min_clicks``
    clicks), then pacing (:func:`inventory_pacing`) overrides to ``pause`` / ``reduce`` and
    blocks ``favour``. ``sku_factor`` = 1 + shift (favour), 1 - shift (trim), the pacing
    multiplier (pause / reduce), 1 (hold). Per campaign the new daily budget is the window's
    average daily spend x the spend-weighted mean ``sku_factor`` of its SKUs (campaigns
    report no budget; the average spend is the budget actually used).

    Returns ``(skus, campaigns)``: per SKU x campaign with ``action, sku_factor, evidence``,
    and per campaign ``avg_daily_spend, factor, new_daily_budget, evidence``.
    """
    start, end = _window(as_of, window_days)
    m = ad_metrics(ads, ["campaign_name", "advertised_sku"], start=start, end=end)
    ue = unit_economics(unit_costs, margin_goal=margin_goal)
    m = m.merge(ue[KEYS + ["sku", "target_acos", "break_even_acos"]].rename(
        columns={"sku": "advertised_sku"}), on=KEYS + ["advertised_sku"], how="left")
    good = (m["cvr"] >= cvr_threshold) & (m["acos"] <= m["target_acos"])
    enough = m["clicks"] >= min_clicks
    m["action"] = np.where(~enough, "hold", np.where(good, "favour", "trim"))
    m["sku_factor"] = np.where(~enough, 1.0, np.where(good, 1 + shift, 1 - shift))
    m["evidence"] = ("clicks " + m["clicks"].astype(int).astype(str) + ", CVR " + _pct(m["cvr"])
                     + f" (threshold {cvr_threshold:.0%}), ACoS " + _pct(m["acos"])
                     + " vs target " + _pct(m["target_acos"]))
    if inventory_cover is not None and len(inventory_cover):
        p = inventory_pacing(inventory_cover)[KEYS + ["sku", "action", "spend_multiplier",
                                                      "evidence"]]
        p = p.rename(columns={"sku": "advertised_sku", "action": "pace",
                              "evidence": "pace_evidence"})
        m = m.merge(p, on=KEYS + ["advertised_sku"], how="left")
        lim = m["pace"].isin(["pause", "reduce"])
        m["action"] = np.where(lim, m["pace"], m["action"])
        m["sku_factor"] = np.where(lim, np.minimum(m["sku_factor"], m["spend_multiplier"]),
                                   m["sku_factor"])
        m["evidence"] = np.where(lim, m["evidence"] + "; " + m["pace_evidence"].fillna(""),
                                 m["evidence"])
        m = m.drop(columns=["pace", "spend_multiplier", "pace_evidence"])
    days = (end - start).days + 1
    w = m.assign(wf=m["spend"] * m["sku_factor"])
    c = w.groupby(KEYS + ["campaign_name"], dropna=False).agg(
        spend=("spend", "sum"), wf=("wf", "sum"), skus=("advertised_sku", "count")).reset_index()
    c["avg_daily_spend"] = c["spend"] / days
    c["factor"] = _div(c["wf"], c["spend"]).fillna(1.0)
    c["new_daily_budget"] = np.maximum((c["avg_daily_spend"] * c["factor"]).round(2), 1.0)
    c["action"] = np.where((c["factor"] - 1).abs() < 0.02, "keep",
                           np.where(c["factor"] > 1, "increase", "decrease"))
    c["evidence"] = ("avg daily spend " + c["avg_daily_spend"].round(2).astype(str)
                     + " over " + str(days) + " d; spend-weighted SKU factor "
                     + c["factor"].round(3).astype(str))
    return m, c.drop(columns=["wf"])


def inventory_cover(inventory_snapshots: pd.DataFrame, orders: pd.DataFrame, as_of, *,
                    lead_time_days: float | pd.DataFrame = 30.0,
                    demand_days: int = 30) -> pd.DataFrame:
    """Days of cover per SKU: latest fulfillable units on or before ``as_of - 1`` / average
    daily units ordered (non-cancelled ``orders`` lines, marketplace-local purchase day) over
    the ``demand_days`` before ``as_of``. ``lead_time_days`` is a number or a frame
    ``seller_id, marketplace, sku, lead_time_days``. Returns the input of
    :func:`inventory_pacing`. SKUs without sales get infinite cover when in stock."""
    from . import contract

    as_of = pd.Timestamp(as_of)
    s = inventory_snapshots[inventory_snapshots["snapshot_date"] < as_of]
    s = s.sort_values("snapshot_date").groupby(KEYS + ["sku"]).tail(1)
    o = orders[orders["order_status"].fillna("") != "Cancelled"]
    parts = []
    for mp, g in o.groupby("marketplace"):
        tz = contract.marketplace(mp).tz
        day = g["purchase_ts"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
        g = g[(day >= as_of - pd.Timedelta(days=demand_days)) & (day < as_of)]
        parts.append(g.groupby(KEYS + ["sku"])["quantity"].sum())
    dem = (pd.concat(parts).rename("units") if parts else pd.Series(name="units", dtype=float))
    out = s[KEYS + ["sku", "fulfillable"]].merge(dem.reset_index(), on=KEYS + ["sku"],
                                                  how="left")
    rate = out["units"].astype("float64").fillna(0) / demand_days
    fl = out["fulfillable"].astype("float64").fillna(0)
    out["days_of_cover"] = np.where(rate > 0, fl / rate.where(rate > 0, 1), np.inf)
    out["in_stock"] = fl > 0
    if isinstance(lead_time_days, pd.DataFrame):
        out = out.merge(lead_time_days[KEYS + ["sku", "lead_time_days"]], on=KEYS + ["sku"],
                        how="left")
    else:
        out["lead_time_days"] = float(lead_time_days)
    return out[KEYS + ["sku", "days_of_cover", "lead_time_days", "in_stock"]]
