"""Sponsored Products analytics: metrics, unit economics, bid / keyword / budget
recommendations with their evidence, inventory-aware pacing, and the ad budget to recover
after a stockout.

Pure functions of the canonical tables (:mod:`postship_analysis.contract`: ``ads``,
``ad_entities``, ``sales_traffic``, ``unit_costs``, ``orders``) and parameters; no file I/O,
no clock. The Amazon bulk-operations file is built by :mod:`postship_analysis.bulksheet`.

Definitions (domain.md §4h; Amazon defines only ACoS and ROAS, the rest are the usual
industry formulas)
---------------------------------------------------------------------------------------------
* CTR = clicks / impressions; CPC = spend / clicks; CVR = orders / clicks;
  ACoS = spend / attributed sales; ROAS = attributed sales / spend;
  TACoS = ad spend / total ordered product sales (Business Report);
  organic share = 1 - attributed sales / total sales (clipped at 0).
  A ratio over zero is undefined (``NaN``), and so is any sum that includes a value the report
  does not have (the Performance over time report has no sales: its ACoS is undefined, not 0).
* Report levels: each report family (campaign, ad group, targeting, search term, advertised
  product, placement, performance over time) carries the account's spend once, so two levels
  are never added. :func:`choose_levels` picks, **per seller and marketplace**, the level that
  covers most of the window among those carrying the grouping (campaign totals prefer the
  Campaign report, then placement, ad group, advertised product, targeting, search term;
  performance over time last, for totals only).
* Attributed sales, orders and units are the window of the report (``attribution_days``: 7
  for sellers' Sponsored Products, 14 in the Amazon.in exports). Rows with different windows
  are never added together: ``attribution_days`` is always a group key.
* Provisional days: an order is credited to the day of the click up to ``attribution_days``
  later, and Amazon restates conversions afterwards (domain.md §4h), so the last
  ``attribution_days`` before ``as_of`` under-count orders. They are flagged ``provisional`` in
  the metrics and left out of the windows bids, negatives, harvests and budgets are computed
  from (:func:`settled_window`).
* Unit economics per SKU (``unit_costs``): with ``p`` the price as listed (VAT/GST included
  where the marketplace's prices include it) and ``v`` the included rate
  (:mod:`postship_analysis.vat`; the SKU's ``vat_rate`` overrides),
  ``cm = p / (1 + v) - cogs - fba_fee - referral_fee_pct * p - other_cost`` (the referral fee
  is charged on the price the buyer pays); break-even ACoS = ``cm / p``, because the ad
  reports' attributed sales are shopper prices; target ACoS = break-even ACoS - margin goal;
  max CPC = target ACoS x AOV x CVR (the CPC at which ACoS equals the target).
* ASINs and SKUs: the advertised-product report of some accounts names only ASINs (the
  Amazon.in export); :func:`with_skus` maps them to the seller's SKU through listings,
  inventory, orders or the unit-cost file where one SKU has that ASIN, else the analysis is by
  ASIN (the ASIN stands in the SKU column, and unit costs join on the cost file's ``asin``).

Windows: ``as_of`` is a marketplace-local date; an ``N``-day window is the N days before it
(``[as_of - N, as_of - 1]``), and a row counts in a window when all its days do. The ``ads``
table's dates are already local report days.

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

from . import vat
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
#: Amazon's lowest Sponsored Products keyword bid in USD (also GBP, EUR, CAD)
MIN_BID = 0.02
#: lowest and highest keyword / product-target bid by currency, and the lowest daily budget
#: (Amazon Ads API docs, "Sponsored Products Bid Limits" and "Campaign Budget Limit",
#: en-us/bulksheets/sp/sp-general-info/sp-bid-limits.md, sp-campaign-budget.md, crawled in
#: idealerror/amazon-ads-api-docs @ 124fc9cf)
BID_LIMITS = {"USD": (0.02, 1000), "GBP": (0.02, 1000), "EUR": (0.02, 1000),
              "CAD": (0.02, 1000), "JPY": (2, 100000), "INR": (1, 5000), "AED": (0.24, 3670),
              "MXN": (0.1, 20000), "AUD": (0.1, 1410), "CNY": (0.1, 1000)}
MIN_DAILY_BUDGET = {"USD": 1, "GBP": 1, "EUR": 1, "CAD": 1, "JPY": 100, "INR": 500, "AED": 4,
                    "MXN": 1, "AUD": 1.4, "CNY": 1}
#: currencies whose bids and budgets are whole numbers
WHOLE_CURRENCIES = {"JPY"}
#: Amazon's bidding strategies (bulksheets "Bidding Strategy" values)
DOWN_ONLY = "Dynamic bids - down only"
UP_AND_DOWN = "Dynamic bids - up and down"

_SUM = ["impressions", "clicks", "spend", "sales", "orders", "units"]
_ALL_LEVELS = ("campaign", "placement", "ad_group", "advertised_product", "targeting",
               "search_term", "over_time")
# report levels that carry each grouping column, in order of preference
_LEVEL_FOR = {"search_term": ("search_term",),
              "advertised_sku": ("advertised_product",),
              "advertised_asin": ("advertised_product",),
              "placement": ("placement",),
              "targeting": ("targeting", "search_term"),
              "match_type": ("targeting", "search_term"),
              "ad_group_name": ("ad_group", "advertised_product", "targeting", "search_term"),
              "campaign_name": ("campaign", "placement", "ad_group", "advertised_product",
                                "targeting", "search_term")}
_METRIC_COLS = (KEYS + ["report_level", "attribution_days", "impressions", "clicks", "spend",
                        "sales", "orders", "units", "ctr", "cpc", "cvr", "acos", "roas", "aov",
                        "first_day", "last_day", "provisional"])


def _div(a, b):
    a = pd.Series(a, dtype="float64") if not isinstance(a, pd.Series) else a.astype("float64")
    b = pd.Series(b, dtype="float64") if not isinstance(b, pd.Series) else b.astype("float64")
    return (a / b.where(b != 0)).astype("float64")


def _pct(s):
    s = pd.Series(s, dtype="float64")
    return ((s * 100).round(1).astype(str) + "%").where(s.notna(), "n/a")


def _num(s, nd=2):
    s = pd.Series(s, dtype="float64")
    return s.round(nd).astype(str).where(s.notna(), "n/a")


def add_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``ctr, cpc, cvr, acos, roas`` (and ``aov`` = sales / orders) from summed columns;
    NaN where the denominator is 0 or missing."""
    df = df.copy()
    df["ctr"] = _div(df["clicks"], df["impressions"])
    df["cpc"] = _div(df["spend"], df["clicks"])
    df["cvr"] = _div(df["orders"], df["clicks"])
    df["acos"] = _div(df["spend"], df["sales"])
    df["roas"] = _div(df["sales"], df["spend"])
    df["aov"] = _div(df["sales"], df["orders"])
    return df


def _in_window(ads: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    d = ads
    if start is not None:
        d = d[d["start_date"] >= pd.Timestamp(start)]
    if end is not None:
        d = d[d["end_date"] <= pd.Timestamp(end)]
    return d


def _candidates(by: Sequence[str]) -> tuple[str, ...]:
    for col in ("search_term", "advertised_sku", "advertised_asin", "placement", "targeting",
                "match_type", "ad_group_name", "campaign_name"):
        if col in by:
            return _LEVEL_FOR[col]
    return _ALL_LEVELS


def choose_levels(ads: pd.DataFrame, by: Sequence[str] = (), *, start=None, end=None
                  ) -> pd.DataFrame:
    """The report level to read for a grouping, per seller and marketplace, so no spend is
    counted twice.

    Among the levels that carry every grouping column (:data:`_LEVEL_FOR`), the one whose rows
    in ``[start, end]`` span most days wins; ties go to the more aggregated level (campaign,
    placement, ad group, advertised product, targeting, search term, performance over time).

    Returns ``seller_id, marketplace, report_level`` (one row per seller and marketplace that
    has such a level).
    """
    by = [c for c in by if c not in KEYS]
    cands = _candidates(by)
    d = _in_window(ads, start, end)
    d = d[d["report_level"].isin(cands)]
    if d.empty:
        return pd.DataFrame(columns=KEYS + ["report_level"])
    agg = {"first": ("start_date", "min"), "last": ("end_date", "max")}
    for c in by:
        agg[f"has_{c}"] = (c, "count")
    s = d.groupby(KEYS + ["report_level"], dropna=False).agg(**agg).reset_index()
    ok = np.ones(len(s), dtype=bool)
    for c in by:
        ok &= s[f"has_{c}"].to_numpy() > 0
    s = s[ok]
    s = s.assign(span=(s["last"] - s["first"]).dt.days + 1,
                 pref=s["report_level"].map({lv: i for i, lv in enumerate(cands)}))
    s = s.sort_values(KEYS + ["span", "pref"], ascending=[True, True, False, True])
    return s.drop_duplicates(KEYS)[KEYS + ["report_level"]].reset_index(drop=True)


def choose_level(ads: pd.DataFrame, by: Sequence[str]) -> str:
    """The level :func:`choose_levels` picks for most seller x marketplace pairs (for one
    seller and marketplace, the level). Raises :class:`ParameterError` when no level carries
    the grouping."""
    lv = choose_levels(ads, by)
    if lv.empty:
        present = sorted(ads["report_level"].dropna().unique())
        raise ParameterError(f"no report level in the ads table carries {list(by)} "
                             f"(levels present: {present})")
    return str(lv["report_level"].mode().iloc[0])


def ad_metrics(ads: pd.DataFrame, by: Sequence[str] = ("campaign_name",), *,
               freq: str | None = None, start=None, end=None, as_of=None,
               level: str | None = None, provisional_days: int | None = None) -> pd.DataFrame:
    """Sponsored Products metrics per entity, by day / week / month or over a period.

    Parameters
    ----------
    ads : ``ads`` table (console downloads or Ads API v3 reports).
    by : grouping columns besides ``seller_id, marketplace``: any of ``campaign_name,
        ad_group_name, targeting, match_type, search_term, advertised_sku, advertised_asin,
        placement``.
    freq : ``None`` (one row per entity over the period), ``"D"``, ``"W"`` (weeks ending
        Sunday) or ``"MS"`` (calendar months); rows are assigned by ``start_date``.
    start, end : first and last day included (inclusive; a row counts when all its days are
        inside); default all.
    as_of : run date; needed for the provisional flag (rows ending within
        ``provisional_days`` before it, default the row's attribution window).
    level : ``report_level`` to read; default :func:`choose_levels` per seller x marketplace.

    Sums are undefined (NaN) where any row of the group lacks the value (a report without
    that column); rates are NaN over a zero or undefined denominator.

    Returns
    -------
    DataFrame ``seller_id, marketplace, report_level, [period], *by, attribution_days,
    impressions, clicks, spend, sales, orders, units, ctr, cpc, cvr, acos, roas, aov, first_day,
    last_day, provisional`` (money in the rows' currency; rates are fractions).

    Example
    -------
    >>> # ad_metrics(ads, ["search_term"], start="2026-10-01", end="2026-10-31", as_of="2026-11-01")
    """
    by = [c for c in by if c not in KEYS]
    d = _in_window(ads, start, end)
    if level is not None:
        d = d[d["report_level"] == level]
    else:
        d = d.merge(choose_levels(d, by), on=KEYS + ["report_level"], how="inner")
    keys = (KEYS + ["report_level"] + ([] if freq is None else ["period"]) + list(by)
            + ["attribution_days"])
    cols = keys + [c for c in _METRIC_COLS if c not in keys]
    if d.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    d = d.assign(**{c: d[c].astype("float64") for c in _SUM},
                 **{f"_na_{c}": d[c].isna() for c in _SUM})
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
    sums = g[_SUM].sum()
    na = g[[f"_na_{c}" for c in _SUM]].sum()
    for c in _SUM:
        sums[c] = sums[c].where(na[f"_na_{c}"].to_numpy() == 0)
    out = sums.join(g.agg(first_day=("start_date", "min"),
                          last_day=("end_date", "max"))).reset_index()
    out = add_rates(out)
    if as_of is not None:
        pdays = (out["attribution_days"].astype("float64").fillna(SP_ATTRIBUTION_DAYS)
                 if provisional_days is None else float(provisional_days))
        cut = pd.Timestamp(as_of) - pd.to_timedelta(pdays, unit="D")
        out["provisional"] = out["last_day"] >= cut
    else:
        out["provisional"] = pd.NA
    return out[cols]


def campaign_metrics(ads: pd.DataFrame, *, start=None, end=None, as_of=None) -> pd.DataFrame:
    """ACoS, ROAS, CTR, CPC and CVR per campaign: needs nothing but an ads report that names
    campaigns (any level but performance over time). See :func:`ad_metrics`."""
    return ad_metrics(ads, ["campaign_name"], start=start, end=end, as_of=as_of)


def tacos(ads: pd.DataFrame, sales_traffic: pd.DataFrame, *, start, end,
          freq: str | None = None) -> pd.DataFrame:
    """TACoS and organic share per marketplace, from ad spend and the Business Report.

    TACoS = ad spend / ordered product sales; organic share = max(0, 1 - ad-attributed
    sales / ordered product sales). Total sales come from the by-date rows of
    ``sales_traffic`` (GET_SALES_AND_TRAFFIC_REPORT at DAY granularity, or a by-date Business
    Report); ad spend and sales from the account-total level :func:`choose_levels` picks.
    ``start``/``end`` inclusive; ``freq`` as in :func:`ad_metrics`. ``total_sales`` is NaN
    without a by-date Business Report (TACoS undefined, not 0).

    Returns ``seller_id, marketplace, [period], report_level, attribution_days, spend,
    ad_sales, total_sales, acos, tacos, organic_share``.
    """
    m = ad_metrics(ads, [], freq=freq, start=start, end=end)
    m = m.rename(columns={"sales": "ad_sales"})
    keys = KEYS + ([] if freq is None else ["period"])
    st = sales_traffic[sales_traffic["report_date"].notna()]
    st = st[(st["report_date"] >= pd.Timestamp(start)) & (st["report_date"] <= pd.Timestamp(end))]
    if freq is None:
        tot = st.groupby(KEYS)["ordered_product_sales"].sum()
    else:
        per = (st["report_date"] if freq == "D" else
               st["report_date"].dt.to_period("W-SUN" if freq == "W" else "M").dt.start_time)
        tot = st.assign(period=per).groupby(KEYS + ["period"])["ordered_product_sales"].sum()
    out = m[keys + ["report_level", "attribution_days", "spend", "ad_sales", "acos"]].merge(
        tot.rename("total_sales").reset_index(), on=keys, how="left")
    out["tacos"] = _div(out["spend"], out["total_sales"])
    out["organic_share"] = (1 - _div(out["ad_sales"], out["total_sales"])).clip(lower=0)
    return out


# ---------------------------------------------------------------------------------------------
# SKUs behind ASINs
# ---------------------------------------------------------------------------------------------


def asin_sku_map(*tables: pd.DataFrame) -> pd.DataFrame:
    """ASIN -> SKU per seller and marketplace from any tables carrying both (``orders``,
    ``inventory_snapshots``, ``sales_traffic`` (``child_asin``), ``unit_costs``,
    ``ad_entities`` product ads...). An ASIN sold under several SKUs (e.g. an FBA and a
    seller-fulfilled offer) is ambiguous and left out: its ads stay by ASIN.

    Returns ``seller_id, marketplace, asin, sku``."""
    parts = []
    for t in tables:
        if t is None or t.empty or "sku" not in t.columns:
            continue
        col = "asin" if "asin" in t.columns else "child_asin" if "child_asin" in t.columns \
            else None
        if col is None:
            continue
        p = t[KEYS + [col, "sku"]].rename(columns={col: "asin"}).dropna()
        parts.append(p.astype("string"))
    if not parts:
        return pd.DataFrame(columns=KEYS + ["asin", "sku"])
    m = pd.concat(parts, ignore_index=True)
    m["asin"] = m["asin"].str.strip().str.upper()
    m = m.drop_duplicates()
    n = m.groupby(KEYS + ["asin"])["sku"].transform("nunique")
    return m[n == 1].reset_index(drop=True)


def with_skus(ads: pd.DataFrame, asin_map: pd.DataFrame | None = None) -> pd.DataFrame:
    """``ads`` with ``advertised_sku`` filled on advertised-product rows that name only an
    ASIN: the SKU :func:`asin_sku_map` gives, else the ASIN itself (the analysis is then by
    ASIN). Adds ``sku_source``: ``report``, ``asin_map``, ``asin`` (no SKU known) or
    ``<NA>`` (rows of other levels)."""
    a = ads.copy()
    ap = a["report_level"] == "advertised_product"
    src = pd.Series(pd.NA, index=a.index, dtype="string")
    src[ap & a["advertised_sku"].notna()] = "report"
    need = ap & a["advertised_sku"].isna() & a["advertised_asin"].notna()
    if need.any():
        asin = a.loc[need, "advertised_asin"].astype("string").str.strip().str.upper()
        mapped = pd.Series(pd.NA, index=asin.index, dtype="string")
        if asin_map is not None and len(asin_map):
            look = asin_map.set_index(KEYS + ["asin"])["sku"]
            idx = pd.MultiIndex.from_arrays([a.loc[need, "seller_id"], a.loc[need, "marketplace"],
                                             asin])
            mapped = pd.Series(look.reindex(idx).to_numpy(), index=asin.index, dtype="string")
        a.loc[need, "advertised_sku"] = mapped.fillna(asin)
        src[need] = np.where(mapped.notna(), "asin_map", "asin")
    a["sku_source"] = src
    return a


# ---------------------------------------------------------------------------------------------
# Unit economics
# ---------------------------------------------------------------------------------------------


def unit_economics(unit_costs: pd.DataFrame, *, margin_goal: float = 0.10) -> pd.DataFrame:
    """Contribution margin before advertising, break-even and target ACoS per SKU, net of the
    VAT/GST the price includes.

    ``net = price / (1 + vat_rate)`` with ``vat_rate`` the SKU's own (unit-cost file) else the
    marketplace's standard rate where prices include it (:mod:`postship_analysis.vat`; 0 in
    the US and Canada); ``cm = net - cogs - fba_fee - referral_fee_pct * price - other_cost``
    (per unit, the SKU's currency; the referral fee applies to the price the buyer pays);
    ``break_even_acos = cm / price`` (the attributed sales of the ad reports are shopper
    prices, VAT included); ``target_acos = max(0, break_even_acos - margin_goal)`` where
    ``margin_goal`` is the profit per ad-driven sale to keep after ads, as a fraction of price
    (a parameter; the usual convention is target < break-even, domain.md §4h).

    Worked example (EUR 20 in Germany, cogs 5, FBA 4, referral 15 %, other 1): net 16.81,
    cm 3.81, break-even 19.0 % (35 % if VAT were ignored).

    Returns ``seller_id, marketplace, sku, asin, currency, price, vat_rate, net_price,
    contribution, break_even_acos, target_acos, margin_goal``. SKUs with a non-positive
    contribution get break-even 0 (every ad sale loses money); SKUs without a price NaN.
    """
    if not 0 <= margin_goal < 1:
        raise ParameterError(f"margin_goal must be a fraction in [0, 1), got {margin_goal}")
    u = unit_costs.copy()
    price = u["price"].astype("float64")
    override = u["vat_rate"] if "vat_rate" in u.columns else None
    rate = vat.rates_for(u["marketplace"], override)
    net = price / (1.0 + rate)
    cm = (net - u["cogs"].astype("float64") - u["fba_fee"].astype("float64").fillna(0)
          - u["referral_fee_pct"].astype("float64").fillna(0) * price
          - u["other_cost"].astype("float64").fillna(0))
    be = _div(cm, price).clip(lower=0)
    asin = (u["asin"].astype("string").str.strip().str.upper() if "asin" in u.columns
            else pd.Series(pd.NA, index=u.index, dtype="string"))
    return pd.DataFrame({
        "seller_id": u["seller_id"], "marketplace": u["marketplace"], "sku": u["sku"],
        "asin": asin, "currency": u["currency"] if "currency" in u.columns else pd.NA,
        "price": price, "vat_rate": rate,
        "net_price": net, "contribution": cm, "break_even_acos": be,
        "target_acos": (be - margin_goal).clip(lower=0), "margin_goal": margin_goal})


def _economics_by_product(ue: pd.DataFrame) -> pd.DataFrame:
    """Unit economics keyed by what the ads call a product: the SKU, and the ASIN where the
    cost file gives one (for ASIN-only advertised-product reports)."""
    by_sku = ue.rename(columns={"sku": "advertised_sku"})
    by_asin = ue[ue["asin"].notna()].assign(advertised_sku=lambda x: x["asin"])
    by_asin = by_asin[~by_asin.set_index(KEYS + ["advertised_sku"]).index.isin(
        by_sku.set_index(KEYS + ["advertised_sku"]).index)]
    out = pd.concat([by_sku.drop(columns=["asin"]), by_asin.drop(columns=["sku", "asin"])],
                    ignore_index=True)
    return out.drop_duplicates(KEYS + ["advertised_sku"])


def sku_targets(ads: pd.DataFrame, unit_costs: pd.DataFrame, *, start, end,
                margin_goal: float = 0.10) -> pd.DataFrame:
    """Per advertised SKU (or ASIN, :func:`with_skus`): ad metrics over ``[start, end]`` beside
    its unit economics, and the highest CPC that keeps ACoS within target at the SKU's own CVR
    and AOV.

    ``max_cpc = target_acos x aov x cvr`` and ``break_even_cpc = break_even_acos x aov x
    cvr``; ``acos_status`` is ``within_target``, ``above_target`` (between target and
    break-even), ``above_break_even``, ``no_sales`` or ``no_unit_cost``.

    Returns the columns of :func:`ad_metrics` by ``advertised_sku`` plus ``price, vat_rate,
    contribution, break_even_acos, target_acos, max_cpc, break_even_cpc, acos_status``.
    """
    m = ad_metrics(ads, ["advertised_sku"], start=start, end=end)
    ue = _economics_by_product(unit_economics(unit_costs, margin_goal=margin_goal))
    out = m.merge(ue.drop(columns=["currency"]), on=KEYS + ["advertised_sku"], how="left")
    out["max_cpc"] = out["target_acos"] * out["aov"] * out["cvr"]
    out["break_even_cpc"] = out["break_even_acos"] * out["aov"] * out["cvr"]
    st = np.select([out["break_even_acos"].isna(), ~(out["sales"] > 0),
                    out["acos"] <= out["target_acos"], out["acos"] <= out["break_even_acos"]],
                   ["no_unit_cost", "no_sales", "within_target", "above_target"],
                   "above_break_even")
    out["acos_status"] = st
    return out


def ad_group_economics(ads: pd.DataFrame, unit_costs: pd.DataFrame, *, start, end,
                       margin_goal: float = 0.10, entities: pd.DataFrame | None = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Break-even and target ACoS per campaign / ad group: the sales-weighted (else
    spend-weighted, else plain) mean over the SKUs the ad group advertises.

    Which SKUs an ad group advertises comes from the advertised-product rows in the window,
    else from the product ads of a bulk-operations download (``entities``). Ad groups with
    neither get the marketplace's mean: sales-weighted over the advertised SKUs where there
    are any, else the plain mean of the unit-cost file's SKUs in that marketplace
    (``basis`` says which).

    Returns ``(ad_groups, marketplaces)``: ``seller_id, marketplace, campaign_name,
    ad_group_name, break_even_acos, target_acos, price, skus`` and ``seller_id, marketplace,
    mp_break_even_acos, mp_target_acos, mp_price, mp_basis``.
    """
    ue = _economics_by_product(unit_economics(unit_costs, margin_goal=margin_goal))
    ue = ue[ue["break_even_acos"].notna()]
    ap = _in_window(ads[ads["report_level"] == "advertised_product"], start, end)
    cols = KEYS + ["campaign_name", "ad_group_name", "advertised_sku"]
    w = ap.groupby(cols, dropna=False)[["sales", "spend"]].sum().reset_index()
    if entities is not None and len(entities):
        pa = entities[(entities["entity"] == "Product ad") & entities["sku"].notna()]
        pa = pa[KEYS + ["campaign_name", "ad_group_name", "sku"]].rename(
            columns={"sku": "advertised_sku"})
        known = w.set_index(KEYS + ["campaign_name", "ad_group_name"]).index
        extra = pa[~pa.set_index(KEYS + ["campaign_name", "ad_group_name"]).index.isin(known)]
        w = pd.concat([w, extra.assign(sales=0.0, spend=0.0)], ignore_index=True)
    w = w.merge(ue, on=KEYS + ["advertised_sku"], how="inner")
    w["w"] = np.where(w["sales"] > 0, w["sales"],
                      np.where(w["spend"] > 0, w["spend"] * 1e-6, 1e-9))
    for c in ("break_even_acos", "target_acos", "price"):
        w[f"_x_{c}"] = w[c] * w["w"]
    grp_keys = KEYS + ["campaign_name", "ad_group_name"]
    g = w.groupby(grp_keys, dropna=False)
    out = g[["_x_break_even_acos", "_x_target_acos", "_x_price", "w"]].sum()
    groups = pd.DataFrame({c: out[f"_x_{c}"] / out["w"] for c in
                           ("break_even_acos", "target_acos", "price")})
    groups["skus"] = g["advertised_sku"].agg(lambda s: ",".join(sorted(s.dropna().unique())))
    groups = groups.reset_index()
    # marketplace fallback: advertised SKUs (sales-weighted) else the cost file's plain mean
    mg = w.groupby(KEYS)[["_x_break_even_acos", "_x_target_acos", "_x_price", "w"]].sum()
    mp = pd.DataFrame({f"mp_{c}": mg[f"_x_{c}"] / mg["w"] for c in
                       ("break_even_acos", "target_acos", "price")})
    mp["mp_basis"] = "advertised SKUs, sales-weighted"
    allc = ue.groupby(KEYS)[["break_even_acos", "target_acos", "price"]].mean()
    allc = allc.rename(columns=lambda c: f"mp_{c}")
    allc["mp_basis"] = "mean of the unit-cost file's SKUs"
    mp = pd.concat([mp, allc[~allc.index.isin(mp.index)]]).reset_index()
    return groups, mp


def _with_group_economics(t: pd.DataFrame, groups: pd.DataFrame, mp: pd.DataFrame
                          ) -> pd.DataFrame:
    t = t.merge(groups, on=KEYS + ["campaign_name", "ad_group_name"], how="left").merge(
        mp, on=KEYS, how="left")
    own = t["break_even_acos"].notna()
    for c in ("break_even_acos", "target_acos", "price"):
        t[c] = t[c].fillna(t[f"mp_{c}"])
    t["economics_basis"] = np.where(own, "ad group's SKUs",
                                    t["mp_basis"].fillna("no unit costs").astype(str))
    return t


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
_ASIN_RE = r"^b0[a-z0-9]{8}$"


def attribution_days_of(ads: pd.DataFrame) -> int:
    """The longest attribution window in the ads rows (7 for sellers' Sponsored Products; 14
    in the Amazon.in exports); 7 when none is known."""
    w = ads["attribution_days"].dropna() if len(ads) else pd.Series(dtype="float64")
    return int(w.max()) if len(w) else SP_ATTRIBUTION_DAYS


def settled_window(as_of, window_days: int, provisional_days: int = SP_ATTRIBUTION_DAYS
                   ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the ``window_days`` whose conversions are settled: the window
    ends ``provisional_days`` before the day before ``as_of``.

    >>> [str(d.date()) for d in settled_window("2026-11-01", 30, 7)]
    ['2026-09-25', '2026-10-24']
    """
    as_of = pd.Timestamp(as_of)
    end = as_of - DAY - pd.Timedelta(days=int(provisional_days))
    return end - pd.Timedelta(days=int(window_days) - 1), end


def _window(as_of, window_days, provisional_days=0):
    return settled_window(as_of, window_days, provisional_days)


def _norm_text(s: pd.Series) -> pd.Series:
    return (s.astype("string").str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
            .str.replace(r"\s*=\s*", "=", regex=True))


def target_stats(ads: pd.DataFrame, *, start, end) -> pd.DataFrame:
    """Clicks, orders, spend, sales per target (campaign, ad group, keyword / targeting
    expression, match type) from targeting rows, else search-term rows summed per target."""
    return ad_metrics(ads, _TARGET_KEYS, start=start, end=end)


def entity_targets(entities: pd.DataFrame | None) -> pd.DataFrame:
    """Keywords and product targets of a bulk-operations download, keyed for joining to the
    ads reports: ``seller_id, marketplace, campaign_name, ad_group_name, target_key,
    match_key`` plus ``entity, campaign_id, ad_group_id, keyword_id, product_targeting_id,
    current_bid`` (the target's bid, else its ad group's default bid, which it inherits),
    ``bid_source, state, campaign_state, ad_group_state``."""
    cols = KEYS + ["campaign_name", "ad_group_name", "target_key", "match_key", "entity",
                   "campaign_id", "ad_group_id", "keyword_id", "product_targeting_id",
                   "current_bid", "bid_source", "state", "campaign_state", "ad_group_state"]
    if entities is None or entities.empty:
        return pd.DataFrame(columns=cols)
    e = entities[entities["entity"].isin(["Keyword", "Product targeting"])].copy()
    kw = e["entity"] == "Keyword"
    e["target_key"] = _norm_text(e["keyword_text"].where(kw, e["product_targeting_expression"]))
    e["match_key"] = e["match_type"].where(kw).astype("string").str.upper()
    e["current_bid"] = e["bid"].astype("float64").fillna(e["ad_group_default_bid"])
    e["bid_source"] = np.where(e["bid"].notna(), "bid", "ad group default bid")
    return e[cols].drop_duplicates(KEYS + ["campaign_name", "ad_group_name", "target_key",
                                           "match_key"])


def _join_targets(t: pd.DataFrame, entities: pd.DataFrame | None) -> pd.DataFrame:
    et = entity_targets(entities)
    t = t.assign(target_key=_norm_text(t["targeting"]),
                 match_key=t["match_type"].astype("string").str.upper())
    return t.merge(et, on=KEYS + ["campaign_name", "ad_group_name", "target_key", "match_key"],
                   how="left")


def _live(state, campaign_state, ad_group_state) -> pd.Series:
    """Entity serving as far as the download says: its own, its campaign's and its ad
    group's state all enabled (or unknown for the parents)."""
    def ok(s, allow_na):
        s = pd.Series(s, dtype="string").str.lower()
        return (s == "enabled").fillna(False) | (s.isna() if allow_na else False)
    return ok(state, False) & ok(campaign_state, True) & ok(ad_group_state, True)


def _round_money(x, currency) -> pd.Series:
    x = pd.Series(x, dtype="float64")
    whole = pd.Series(currency, index=x.index).astype("string").isin(list(WHOLE_CURRENCIES))
    return x.round(2).where(~whole, x.round(0))


def _bid_floor(currency) -> pd.Series:
    cur = pd.Series(currency).astype("string")
    return cur.map({k: v[0] for k, v in BID_LIMITS.items()}).astype("float64").fillna(MIN_BID)


def _bid_ceiling(currency) -> pd.Series:
    cur = pd.Series(currency).astype("string")
    return cur.map({k: v[1] for k, v in BID_LIMITS.items()}).astype("float64").fillna(np.inf)


def _currency_of(ads: pd.DataFrame) -> pd.DataFrame:
    c = ads.dropna(subset=["currency"])
    if c.empty:
        return pd.DataFrame(columns=KEYS + ["currency"])
    return c.groupby(KEYS)["currency"].agg(lambda s: s.mode().iloc[0]).reset_index()


def _constrained_targets(t: pd.DataFrame, inventory_cover) -> pd.Series:
    if inventory_cover is None or not len(inventory_cover):
        return pd.Series(False, index=t.index)
    pace = inventory_pacing(inventory_cover)
    bad = set(map(tuple, pace.loc[pace["action"] != "normal", KEYS + ["sku"]].to_numpy()))
    sku_lists = t["skus"].fillna("").astype(str).str.split(",")
    return pd.Series([bool(s) and s != [""] and all((a, b, x) in bad for x in s)
                      for a, b, s in zip(t["seller_id"], t["marketplace"], sku_lists,
                                         strict=True)], index=t.index, dtype=bool)


def bid_recommendations(ads: pd.DataFrame, unit_costs: pd.DataFrame, as_of, *,
                        window_days: int = 30, margin_goal: float = 0.10,
                        down_only: bool = False, max_step: float = 0.20,
                        min_bid: float | None = None, tolerance: float = 0.05,
                        entities: pd.DataFrame | None = None,
                        current_bids: pd.DataFrame | None = None,
                        provisional_days: int | None = 0,
                        inventory_cover: pd.DataFrame | None = None) -> pd.DataFrame:
    """Bid per target: ``target bid = target ACoS x AOV x CVR`` with an empirical-Bayes CVR.

    * Window: the ``window_days`` settled days before ``as_of`` (:func:`settled_window`;
      ``provisional_days`` ``None`` = the reports' attribution window).
    * CVR: :func:`hierarchical_cvr` (target -> ad group -> campaign -> marketplace), so a
      target with a handful of clicks sits near its ad group's rate.
    * AOV: the target's own sales / orders when it has >= 3 orders, else its ad group's, else
      the ad group's advertised-SKU price.
    * target ACoS: :func:`ad_group_economics` (the ad group's SKUs, net of VAT).
    * current bid: the target's bid in a bulk-operations download (``entities``; the ad group
      default bid where the target has none), or ``current_bids`` (``campaign_name,
      ad_group_name, targeting, match_type, bid``). **Never the average CPC**: a CPC is what a
      click cost, not the bid (bids are ceilings, placements and dynamic bidding move the
      price). Without a current bid there is no step: ``new_bid`` stays empty, ``action`` is
      ``lower`` when the average CPC is already above the target bid (whatever the bid is,
      it must come down to the target) and ``review`` otherwise, and ``suggested_bid`` is the
      target bid.
    * step cap: the new bid stays within ``current x (1 +/- max_step)``; ``down_only``
      never raises (mirrors Amazon's "Dynamic bids - down only" strategy, which only lowers
      bids in real time); the currency's minimum and maximum bid (:data:`BID_LIMITS`);
      changes under ``tolerance`` are ``keep``.
    * inventory (optional ``inventory_cover``, see :func:`inventory_pacing`): a target whose
      ad group advertises only constrained SKUs is never raised.

    Returns one row per target with ``clicks, orders, spend, sales, cpc, cvr_raw,
    ad_group_cvr, cvr_shrunk, aov, target_acos, break_even_acos, economics_basis, current_bid,
    bid_source, target_bid, suggested_bid, new_bid, change_pct, action, evidence`` and, where
    a download matched, ``entity, campaign_id, ad_group_id, keyword_id, product_targeting_id,
    state, campaign_state, ad_group_state, live``.
    """
    pdays = attribution_days_of(ads) if provisional_days is None else provisional_days
    start, end = settled_window(as_of, window_days, pdays)
    t = target_stats(ads, start=start, end=end)
    t = t[t["clicks"] > 0]
    if t.empty:
        return pd.DataFrame(columns=KEYS + _TARGET_KEYS + ["current_bid", "target_bid",
                                                           "suggested_bid", "new_bid",
                                                           "change_pct", "action",
                                                           "evidence", "live"])
    t = hierarchical_cvr(t, unit="targeting")
    groups, mp = ad_group_economics(ads, unit_costs, start=start, end=end,
                                    margin_goal=margin_goal, entities=entities)
    t = _with_group_economics(t, groups, mp)
    ag = t.groupby(KEYS + ["campaign_name", "ad_group_name"], dropna=False)[
        ["sales", "orders"]].transform("sum")
    ag_aov = _div(ag["sales"], ag["orders"])
    t["aov"] = np.where(t["orders"] >= 3, t["aov"], ag_aov.fillna(t["price"]))
    t["target_bid"] = t["target_acos"] * t["aov"] * t["cvr_shrunk"]
    t = t.merge(_currency_of(ads), on=KEYS, how="left")
    t = _join_targets(t, entities)
    if current_bids is not None:
        cb = current_bids.rename(columns={"bid": "_cb"})
        t = t.merge(cb, on=[c for c in cb.columns if c != "_cb"], how="left")
        t["bid_source"] = np.where(t["current_bid"].isna() & t["_cb"].notna(), "bid",
                                   t["bid_source"])
        t["current_bid"] = t["current_bid"].fillna(t["_cb"])
        t = t.drop(columns=["_cb"])
    t["live"] = _live(t["state"], t["campaign_state"], t["ad_group_state"])
    floor = _bid_floor(t["currency"]) if min_bid is None else pd.Series(min_bid, index=t.index)
    ceil = _bid_ceiling(t["currency"])
    cur = t["current_bid"].astype("float64")
    tgt = t["target_bid"].clip(lower=floor, upper=ceil)
    t["suggested_bid"] = _round_money(tgt, t["currency"])
    hi = cur * (1 + (0.0 if down_only else max_step))
    new = tgt.clip(lower=cur * (1 - max_step), upper=hi)
    constrained = _constrained_targets(t, inventory_cover)
    new = pd.Series(np.where(constrained, np.minimum(new, cur), new), index=t.index)
    new = _round_money(np.maximum(new, floor), t["currency"])
    t["new_bid"] = new.where(cur.notna())
    t["change_pct"] = _div(t["new_bid"] - cur, cur)
    t["inventory_constrained"] = constrained
    has = cur.notna()
    no_target = t["target_bid"].isna()
    act_known = np.where(t["change_pct"].abs() < tolerance, "keep",
                         np.where(t["change_pct"] > 0, "raise", "lower"))
    cpc_above = t["cpc"] > t["target_bid"] * (1 + tolerance)
    act_unknown = np.where(cpc_above, "lower", "review")
    t["action"] = np.where(no_target, "no_unit_cost", np.where(has, act_known, act_unknown))
    capped = has & ((tgt - t["new_bid"]).abs() > 0.005)
    t["evidence"] = (
        "clicks " + t["clicks"].astype(int).astype(str) + ", orders "
        + t["orders"].fillna(0).astype(int).astype(str) + "; CVR raw " + _pct(t["cvr_raw"])
        + " -> shrunk " + _pct(t["cvr_shrunk"]) + " (prior " + _pct(t["prior_cvr"])
        + ", strength " + t["prior_strength"].round(0).astype(int).astype(str)
        + " clicks); AOV " + _num(t["aov"]) + ", target ACoS " + _pct(t["target_acos"])
        + " (" + t["economics_basis"] + ") -> target bid " + _num(t["target_bid"])
        + np.where(has, "; current bid " + _num(cur) + " (" + t["bid_source"].fillna("")
                   + ")", "; current bid unknown (avg CPC " + _num(t["cpc"])
                   + "): download a bulk file")
        + np.where(capped, f"; step capped at {max_step:.0%}" + (" (down only)" if down_only
                                                                  else ""), "")
        + np.where(constrained, "; inventory constrained: not raised", ""))
    t["window"] = f"{start.date()}..{end.date()}"
    return t.sort_values(KEYS + ["spend"], ascending=[True, True, False], ignore_index=True)


def search_term_stats(ads: pd.DataFrame, unit_costs: pd.DataFrame, as_of, *,
                      window_days: int = 30, margin_goal: float = 0.10,
                      provisional_days: int | None = 0,
                      entities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Search terms per target over the settled window with shrunk CVR (prior = the target's
    ad group, :func:`hierarchical_cvr`), AOV, break-even / target ACoS of the ad group and the
    break-even CVR at the term's own CPC: ``be_cvr = cpc / (break_even_acos x aov)``."""
    from scipy import stats as sps

    pdays = attribution_days_of(ads) if provisional_days is None else provisional_days
    start, end = settled_window(as_of, window_days, pdays)
    m = ad_metrics(ads, _TARGET_KEYS + ["search_term"], start=start, end=end)
    m = m[m["clicks"] > 0]
    if m.empty:
        return m.assign(**{c: pd.Series(dtype="float64") for c in (
            "cvr_shrunk", "alpha", "beta", "break_even_acos", "target_acos", "price",
            "allowed_spend", "be_cvr", "p_cvr_below_be", "skus")}, is_asin=pd.Series(dtype=bool),
            economics_basis=pd.Series(dtype=object))
    m = hierarchical_cvr(m, unit="search_term")
    groups, mp = ad_group_economics(ads, unit_costs, start=start, end=end,
                                    margin_goal=margin_goal, entities=entities)
    m = _with_group_economics(m, groups, mp)
    ag = m.groupby(KEYS + ["campaign_name", "ad_group_name"], dropna=False)[
        ["sales", "orders"]].transform("sum")
    m["aov"] = np.where(m["orders"] >= 3, m["aov"], _div(ag["sales"], ag["orders"])
                        .fillna(m["price"]))
    m["allowed_spend"] = m["break_even_acos"] * m["aov"] * m["orders"].clip(lower=1)
    m["be_cvr"] = _div(m["cpc"], m["break_even_acos"] * m["aov"]).clip(upper=1)
    m["p_cvr_below_be"] = sps.beta.cdf(m["be_cvr"].to_numpy(), m["alpha"].to_numpy(),
                                       m["beta"].to_numpy())
    m["is_asin"] = m["search_term"].str.lower().str.match(_ASIN_RE).fillna(False).astype(bool)
    m["window"] = f"{start.date()}..{end.date()}"
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
    if t.empty:
        return t.assign(negative_type=pd.Series(dtype=object),
                        wasted_spend=pd.Series(dtype="float64"),
                        evidence=pd.Series(dtype=object))
    own_exact = (t["match_type"] == "EXACT") & (t["search_term"].str.lower()
                                                == t["targeting"].str.lower())
    q = t[(t["spend"] > t["allowed_spend"]) & (t["orders"] <= max_orders)
          & (t["p_cvr_below_be"] >= min_probability) & ~own_exact.fillna(False)].copy()
    q["negative_type"] = np.where(q["is_asin"], "negative_product_target", "negative_exact")
    q["wasted_spend"] = q["spend"] - q["sales"] * q["break_even_acos"]
    q["evidence"] = ("spend " + _num(q["spend"]) + " > break-even allows "
                     + _num(q["allowed_spend"]) + " (" + _pct(q["break_even_acos"])
                     + " x AOV " + _num(q["aov"]) + " x max(orders,1)); clicks "
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
    ``terms`` itself, or ``exact_targets`` with ``seller_id, marketplace, targeting``, e.g.
    the exact keywords of a bulk download, paused ones included).
    ``suggested_bid = target_acos x aov x cvr_shrunk``; ``destination_*`` is the exact ad
    group sharing the most advertised SKUs with the source (empty when none exists).
    """
    t = terms
    if t.empty:
        return t.assign(suggested_bid=pd.Series(dtype="float64"),
                        destination_campaign=pd.Series(dtype="string"),
                        destination_ad_group=pd.Series(dtype="string"),
                        evidence=pd.Series(dtype=object))
    ex = t[t["match_type"] == "EXACT"][KEYS + ["targeting"]]
    if exact_targets is not None and len(exact_targets):
        ex = pd.concat([ex, exact_targets[KEYS + ["targeting"]]])
    ex = ex.assign(term_l=ex["targeting"].astype("string").str.lower()).drop_duplicates(
        KEYS + ["term_l"])
    src = t["match_type"].isin(["BROAD", "PHRASE"]) | (
        t["match_type"].isna() & ~t["targeting"].fillna("").str.lower().str.startswith("asin"))
    q = t[src & (t["orders"] >= min_orders) & (t["acos"] <= t["target_acos"]) & ~t["is_asin"]]
    q = q.assign(term_l=q["search_term"].astype("string").str.lower())
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


def _campaign_settings(ads: pd.DataFrame, entities: pd.DataFrame | None) -> pd.DataFrame:
    """Current settings per campaign: from the bulk download's campaign rows (ids, daily
    budget, portfolio, end date, state, bidding strategy), else the Campaign report's latest
    row (budget, state, strategy; no ids). ``settings_source`` says which."""
    cols = KEYS + ["campaign_name", "campaign_id", "portfolio_id", "end_date",
                   "current_budget", "campaign_state", "bidding_strategy", "settings_source"]
    parts = []
    if entities is not None and len(entities):
        c = entities[entities["entity"] == "Campaign"].drop_duplicates(
            KEYS + ["campaign_name"])
        parts.append(pd.DataFrame({
            **{k: c[k] for k in KEYS + ["campaign_name", "campaign_id", "portfolio_id",
                                        "end_date"]},
            "current_budget": c["daily_budget"].astype("float64"),
            "campaign_state": c["state"].astype("string").str.lower(),
            "bidding_strategy": c["bidding_strategy"],
            "settings_source": "bulk download"}))
    r = ads[(ads["report_level"] == "campaign") & ads["campaign_name"].notna()]
    r = r[r["campaign_budget"].notna() | r["bidding_strategy"].notna()]
    if len(r):
        r = r.sort_values("end_date").groupby(KEYS + ["campaign_name"]).last().reset_index()
        rep = pd.DataFrame({
            **{k: r[k] for k in KEYS + ["campaign_name"]},
            "campaign_id": pd.Series(pd.NA, index=r.index, dtype="string"),
            "portfolio_id": pd.Series(pd.NA, index=r.index, dtype="string"),
            "end_date": pd.Series(pd.NaT, index=r.index),
            "current_budget": r["campaign_budget"].astype("float64"),
            "campaign_state": r["campaign_state"].astype("string").str.lower(),
            "bidding_strategy": r["bidding_strategy"],
            "settings_source": "Campaign report (latest day)"})
        if parts:
            have = parts[0].set_index(KEYS + ["campaign_name"]).index
            rep = rep[~rep.set_index(KEYS + ["campaign_name"]).index.isin(have)]
        parts.append(rep)
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)[cols]


def _campaign_skus(ads: pd.DataFrame, entities: pd.DataFrame | None, start, end
                   ) -> pd.DataFrame:
    """Which SKUs each campaign advertises: advertised-product rows in the window and the
    bulk download's product ads. ``seller_id, marketplace, campaign_name, sku``."""
    parts = []
    ap = _in_window(ads[ads["report_level"] == "advertised_product"], start, end)
    if len(ap):
        parts.append(ap[KEYS + ["campaign_name", "advertised_sku"]].rename(
            columns={"advertised_sku": "sku"}))
    if entities is not None and len(entities):
        pa = entities[(entities["entity"] == "Product ad") & entities["sku"].notna()]
        parts.append(pa[KEYS + ["campaign_name", "sku"]])
    if not parts:
        return pd.DataFrame(columns=KEYS + ["campaign_name", "sku"])
    return pd.concat(parts, ignore_index=True).dropna().drop_duplicates()


def budget_recommendations(ads: pd.DataFrame, unit_costs: pd.DataFrame, as_of, *,
                           window_days: int = 30, margin_goal: float = 0.10,
                           cvr_threshold: float = BUDGET_CVR_THRESHOLD, shift: float = 0.20,
                           min_clicks: int = 20, min_probability: float = 0.8,
                           interval: float = 0.9, min_utilisation: float = 0.8,
                           provisional_days: int | None = 0,
                           entities: pd.DataFrame | None = None,
                           inventory_cover: pd.DataFrame | None = None
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shift budget toward what converts above ``cvr_threshold`` within target ACoS, away
    from the rest, and never raise spend on a SKU with less cover than its lead time.

    Units: advertised SKU x campaign where the advertised-product report covers the settled
    window (:func:`settled_window`), else the campaign itself. Per unit, over the window:

    * CVR shrunk toward its campaign (SKU units) or the marketplace (campaign units)
      (:func:`hierarchical_cvr`), with its posterior Beta and the ``interval`` credible
      interval; ``p_above = P(CVR >= cvr_threshold)``.
    * ``favour`` (factor ``1 + shift``): at least ``min_clicks`` clicks, ``p_above >=
      min_probability`` and ACoS within target ACoS; ``trim`` (``1 - shift``): enough clicks
      and ``p_above <= 1 - min_probability`` or ACoS above target (spend without sales
      included); else ``hold`` (1). The raw CVR at a few clicks never decides.
    * Inventory (:func:`inventory_pacing`): an out-of-stock SKU is ``pause`` (0), one with
      cover below its lead time ``reduce`` (its pacing multiplier, never above 1).

    Per campaign: ``factor`` = spend-weighted mean of its units' factors, capped at 1 when the
    campaign advertises any constrained SKU (a bigger budget would raise spend on it too).
    ``new_daily_budget = current daily budget x factor`` (the budget from a bulk download, else
    the Campaign report's latest ``Budget``; never the average spend), rounded, at least the
    currency's minimum (:data:`MIN_DAILY_BUDGET`); unknown without a current budget. A
    campaign that spends under ``min_utilisation`` of its budget is ``keep`` either way: the
    budget does not limit its spend (its bids do), so changing it would change nothing.

    Returns ``(units, campaigns)``: per unit ``unit, campaign_name, advertised_sku, clicks,
    orders, spend, sales, acos, cvr_raw, cvr_shrunk, cvr_low, cvr_high, p_above,
    target_acos, action, sku_factor, evidence``; per campaign ``avg_daily_spend,
    current_budget, utilisation, factor, new_daily_budget, action, evidence`` and the
    settings and ids of :func:`_campaign_settings`.
    """
    from scipy import stats as sps

    pdays = attribution_days_of(ads) if provisional_days is None else provisional_days
    start, end = settled_window(as_of, window_days, pdays)
    days = (end - start).days + 1
    ue = _economics_by_product(unit_economics(unit_costs, margin_goal=margin_goal))
    m = ad_metrics(ads, ["campaign_name", "advertised_sku"], start=start, end=end)
    units = []
    if len(m):
        m = hierarchical_cvr(m, levels=("campaign_name",), unit="advertised_sku")
        m = m.merge(ue[KEYS + ["advertised_sku", "target_acos", "break_even_acos"]],
                    on=KEYS + ["advertised_sku"], how="left")
        units.append(m.assign(unit="sku"))
    have_sku = set(map(tuple, m[KEYS].drop_duplicates().to_numpy())) if len(m) else set()
    c = ad_metrics(ads, ["campaign_name"], start=start, end=end)
    c = c[[tuple(x) not in have_sku for x in c[KEYS].to_numpy()]] if len(c) else c
    if len(c):
        c = hierarchical_cvr(c, levels=(), unit="campaign_name")
        groups, mp = ad_group_economics(ads, unit_costs, start=start, end=end,
                                        margin_goal=margin_goal, entities=entities)
        ce = groups.groupby(KEYS + ["campaign_name"])[["target_acos", "break_even_acos"]].mean()
        c = c.merge(ce.reset_index(), on=KEYS + ["campaign_name"], how="left").merge(
            mp[KEYS + ["mp_target_acos", "mp_break_even_acos"]], on=KEYS, how="left")
        c["target_acos"] = c["target_acos"].fillna(c["mp_target_acos"])
        c["break_even_acos"] = c["break_even_acos"].fillna(c["mp_break_even_acos"])
        units.append(c.drop(columns=["mp_target_acos", "mp_break_even_acos"]).assign(
            unit="campaign", advertised_sku=pd.NA))
    ucols = (KEYS + ["unit", "campaign_name", "advertised_sku", "clicks", "orders", "spend",
                     "sales", "acos", "cvr_raw", "cvr_shrunk", "cvr_low", "cvr_high", "p_above",
                     "target_acos", "break_even_acos", "action", "sku_factor", "evidence"])
    camp_cols = (KEYS + ["campaign_name", "campaign_id", "portfolio_id", "end_date", "spend",
                         "avg_daily_spend", "current_budget", "settings_source", "utilisation",
                         "factor", "constrained", "new_daily_budget", "action",
                         "campaign_state", "bidding_strategy", "evidence"])
    if not units:
        return pd.DataFrame(columns=ucols), pd.DataFrame(columns=camp_cols)
    u = pd.concat(units, ignore_index=True)
    lo_q, hi_q = (1 - interval) / 2, 1 - (1 - interval) / 2
    u["cvr_low"] = sps.beta.ppf(lo_q, u["alpha"], u["beta"])
    u["cvr_high"] = sps.beta.ppf(hi_q, u["alpha"], u["beta"])
    u["p_above"] = sps.beta.sf(cvr_threshold, u["alpha"], u["beta"])
    enough = u["clicks"] >= min_clicks
    acos_ok = (u["sales"] > 0) & (u["acos"] <= u["target_acos"])
    acos_bad = ((u["sales"].fillna(0) <= 0) & (u["spend"] > 0)) | (u["acos"] > u["target_acos"])
    favour = enough & (u["p_above"] >= min_probability) & acos_ok
    trim = enough & ~favour & ((u["p_above"] <= 1 - min_probability) | acos_bad)
    no_cost = u["target_acos"].isna()
    u["action"] = np.where(no_cost, "no_unit_cost", np.where(
        favour, "favour", np.where(trim, "trim", "hold")))
    u["sku_factor"] = np.where(u["action"] == "favour", 1 + shift,
                               np.where(u["action"] == "trim", 1 - shift, 1.0))
    u["evidence"] = (
        "clicks " + u["clicks"].astype(int).astype(str) + ", orders "
        + u["orders"].fillna(0).astype(int).astype(str) + "; CVR shrunk "
        + _pct(u["cvr_shrunk"]) + f" ({interval:.0%} interval " + _pct(u["cvr_low"]) + " to "
        + _pct(u["cvr_high"]) + f"), P(CVR >= {cvr_threshold:.0%}) = "
        + u["p_above"].round(2).astype(str) + "; ACoS " + _pct(u["acos"]) + " vs target "
        + _pct(u["target_acos"]) + np.where(enough, "", f" (fewer than {min_clicks} clicks)"))
    # inventory: constrained SKUs are reduced or paused, never raised
    skus = _campaign_skus(ads, entities, start, end)
    u["constrained"] = False
    camp_constrained = pd.Series(dtype=bool)
    if inventory_cover is not None and len(inventory_cover):
        p = inventory_pacing(inventory_cover)
        p = p[p["action"] != "normal"][KEYS + ["sku", "action", "spend_multiplier",
                                               "evidence"]]
        p = p.rename(columns={"sku": "advertised_sku", "action": "pace",
                              "evidence": "pace_evidence"})
        u = u.merge(p, on=KEYS + ["advertised_sku"], how="left")
        lim = u["pace"].notna()
        u["action"] = np.where(lim, u["pace"], u["action"])
        u["sku_factor"] = np.where(lim, np.minimum(u["sku_factor"], u["spend_multiplier"]),
                                   u["sku_factor"])
        u["evidence"] = np.where(lim, u["evidence"] + "; " + u["pace_evidence"].fillna(""),
                                 u["evidence"])
        u["constrained"] = lim
        cs = skus.merge(p.rename(columns={"advertised_sku": "sku"}), on=KEYS + ["sku"])
        camp_constrained = cs.groupby(KEYS + ["campaign_name"]).size() > 0
    w = u.assign(wf=u["spend"].fillna(0) * u["sku_factor"], sp=u["spend"].fillna(0))
    camp = w.groupby(KEYS + ["campaign_name"], dropna=False).agg(
        spend=("sp", "sum"), wf=("wf", "sum"), plain=("sku_factor", "mean")).reset_index()
    camp["factor"] = _div(camp["wf"], camp["spend"]).fillna(camp["plain"])
    ck = pd.MultiIndex.from_frame(camp[KEYS + ["campaign_name"]])
    camp["constrained"] = (camp_constrained.reindex(ck).fillna(False).to_numpy(dtype=bool)
                           if len(camp_constrained) else False)
    camp["factor"] = np.where(camp["constrained"], np.minimum(camp["factor"], 1.0),
                              camp["factor"])
    camp["avg_daily_spend"] = camp["spend"] / days
    camp = camp.merge(_campaign_settings(ads, entities), on=KEYS + ["campaign_name"],
                      how="left")
    camp = camp.merge(_currency_of(ads), on=KEYS, how="left")
    camp["utilisation"] = _div(camp["avg_daily_spend"], camp["current_budget"])
    floor = camp["currency"].astype("string").map(MIN_DAILY_BUDGET).astype("float64").fillna(1.0)
    new = _round_money(camp["current_budget"] * camp["factor"], camp["currency"])
    camp["new_daily_budget"] = np.maximum(new, floor).where(camp["current_budget"].notna())
    up = camp["factor"] > 1.02
    down = camp["factor"] < 0.98
    slack = (up | down) & (camp["utilisation"] < min_utilisation)
    camp["action"] = np.where(slack, "keep", np.where(up, "increase",
                                                      np.where(down, "decrease", "keep")))
    camp["evidence"] = (
        "avg daily spend " + _num(camp["avg_daily_spend"]) + f" over {days} settled days ("
        + str(start.date()) + ".." + str(end.date()) + "); spend-weighted factor "
        + camp["factor"].round(3).astype(str)
        + np.where(camp["current_budget"].notna(),
                   "; current budget " + _num(camp["current_budget"]) + " ("
                   + camp["settings_source"].fillna("") + "), used "
                   + _pct(camp["utilisation"]),
                   "; current budget unknown: download a bulk file")
        + np.where(slack, f"; budget kept: the campaign uses under {min_utilisation:.0%} of it, "
                   "so the budget does not limit spend (its bids do)", "")
        + np.where(camp["constrained"], "; advertises a SKU with cover below lead time: not "
                   "raised", ""))
    u_out = u[[c for c in ucols if c in u.columns]]
    return u_out.reset_index(drop=True), camp[camp_cols]


def strategy_recommendations(ads: pd.DataFrame, unit_costs: pd.DataFrame, as_of, *,
                             window_days: int = 30, margin_goal: float = 0.10,
                             min_clicks: int = 50, provisional_days: int | None = 0,
                             entities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Campaigns to switch from "Dynamic bids - up and down" to "Dynamic bids - down only".

    Up and down lets Amazon raise a bid by up to 100 % where a click looks likely to convert
    (Amazon Ads docs, "Dynamic Bidding Strategy Options", en-us/bulksheets/sp/sp-general-info/
    sp-dynamic-bidding-strategy.md); for a campaign whose ad sales already cost more than they
    earn (ACoS above its break-even ACoS, or spend without sales) over the settled window with
    at least ``min_clicks`` clicks, paying more per click cannot pay, so down only is
    recommended. Nothing else is ever recommended here, and nothing without knowing the
    current strategy (bulk download, else the Campaign report).

    Returns ``seller_id, marketplace, campaign_name, campaign_id, portfolio_id, end_date,
    bidding_strategy, clicks, spend, sales, acos, break_even_acos, recommend,
    new_bidding_strategy, evidence``.
    """
    cols = KEYS + ["campaign_name", "campaign_id", "portfolio_id", "end_date",
                   "bidding_strategy", "clicks", "spend", "sales", "acos", "break_even_acos",
                   "recommend", "new_bidding_strategy", "settings_source", "campaign_state",
                   "evidence"]
    pdays = attribution_days_of(ads) if provisional_days is None else provisional_days
    start, end = settled_window(as_of, window_days, pdays)
    settings = _campaign_settings(ads, entities)
    c = ad_metrics(ads, ["campaign_name"], start=start, end=end)
    if c.empty or settings.empty:
        return pd.DataFrame(columns=cols)
    c = c.merge(settings, on=KEYS + ["campaign_name"], how="inner")
    groups, mp = ad_group_economics(ads, unit_costs, start=start, end=end,
                                    margin_goal=margin_goal, entities=entities)
    ce = groups.groupby(KEYS + ["campaign_name"])["break_even_acos"].mean().reset_index()
    c = c.merge(ce, on=KEYS + ["campaign_name"], how="left").merge(
        mp[KEYS + ["mp_break_even_acos"]], on=KEYS, how="left")
    c["break_even_acos"] = c["break_even_acos"].fillna(c["mp_break_even_acos"])
    losing = ((c["sales"].fillna(0) <= 0) & (c["spend"] > 0)) | (c["acos"] > c["break_even_acos"])
    c["recommend"] = ((c["bidding_strategy"].astype("string").str.strip().str.lower()
                       == UP_AND_DOWN.lower()).fillna(False)
                      & (c["clicks"] >= min_clicks) & losing & c["break_even_acos"].notna())
    c["new_bidding_strategy"] = np.where(c["recommend"], DOWN_ONLY, None)
    c["evidence"] = ("clicks " + c["clicks"].astype(int).astype(str) + ", spend "
                     + _num(c["spend"]) + ", sales " + _num(c["sales"]) + ", ACoS "
                     + _pct(c["acos"]) + " vs break-even " + _pct(c["break_even_acos"])
                     + " over " + str(start.date()) + ".." + str(end.date())
                     + "; strategy now: " + c["bidding_strategy"].fillna("unknown").astype(str))
    return c[cols]


def pause_candidates(pacing: pd.DataFrame, ads: pd.DataFrame,
                     entities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Product ads of out-of-stock SKUs (``pacing`` action ``pause``) that are still running:
    the enabled product ads of a bulk download (with ids), else the advertised-product rows of
    the reports (names only). Returns ``seller_id, marketplace, campaign_name, ad_group_name,
    advertised_sku, campaign_id, ad_group_id, ad_id, state, campaign_state, ad_group_state,
    live``."""
    cols = KEYS + ["campaign_name", "ad_group_name", "advertised_sku", "campaign_id",
                   "ad_group_id", "ad_id", "state", "campaign_state", "ad_group_state", "live"]
    if pacing is None or pacing.empty:
        return pd.DataFrame(columns=cols)
    oos = pacing[pacing["action"] == "pause"][KEYS + ["sku"]].drop_duplicates()
    if entities is not None and len(entities):
        pa = entities[entities["entity"] == "Product ad"].rename(
            columns={"sku": "advertised_sku"})
        out = pa.merge(oos.rename(columns={"sku": "advertised_sku"}), on=KEYS + ["advertised_sku"])
        out = out.assign(live=_live(out["state"], out["campaign_state"], out["ad_group_state"]))
        return out[out["live"]][cols].reset_index(drop=True)
    ap = ads[ads["report_level"] == "advertised_product"].drop_duplicates(
        KEYS + ["campaign_name", "ad_group_name", "advertised_sku"])
    out = ap.merge(oos.rename(columns={"sku": "advertised_sku"}), on=KEYS + ["advertised_sku"])
    for c in ("ad_id", "state", "campaign_state", "ad_group_state"):
        out[c] = pd.NA
    out["live"] = pd.NA
    return out[cols].reset_index(drop=True)


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
