"""Sponsored Products advertising reports -> the ``ads`` table (see ``../shared/domain.md`` §4h).

Two sources:

* **Advertising console downloads** (advertising.amazon.com > Measurement & Reporting >
  Sponsored ads reports > Sponsored Products; XLSX or CSV): the *Search term*, *Targeting*,
  *Advertised product*, *Campaign*, *Placement* and *Performance over time* reports. Headers
  drift between years and marketplaces (``7 Day Total Sales `` with a trailing space,
  ``14 Day Total Sales (₹)``, ``ACoS``/``ACOS``, ``RoAS``/``ROAS``, one ``Date`` column or
  ``Start Date``/``End Date``); values may be numbers (XLSX), or text such as ``Rs.1000.0``,
  ``$1,234.56``, ``12,50 €`` and ``1.66%`` (CSV). :func:`read_ads_console` reads all of them.
* **Ads API v3 reports** (``POST /reporting/reports`` with ``format: GZIP_JSON``; report
  types ``spCampaigns``, ``spAdvertisedProduct``, ``spSearchTerm``): a JSON list of records with
  the API's column names (``cost``, ``sales7d``, ``purchases7d``, ``unitsSoldClicks7d``...).
  :func:`read_ads_api` reads them, gzipped or not.

Conventions of the resulting table
----------------------------------
* ``sales``, ``orders`` and ``units`` are the attributed values in the attribution window the
  file reports; ``attribution_days`` says which (7 for sellers' Sponsored Products, 14 in some
  exports such as the Amazon.in files). Where a file has several windows (API reports often
  carry ``sales1d``...``sales30d``) the 7-day one is read unless ``attribution_days`` asks
  for another.
* ``reported_ctr``/``reported_acos`` are fractions (``1.66%`` -> 0.0166) and
  ``reported_cpc``/``reported_roas`` plain numbers: they are Amazon's own figures, kept to be
  compared with the ones recomputed from ``clicks``, ``impressions``, ``spend`` and ``sales``.
  Amazon leaves ACoS blank when sales are 0; it stays ``<NA>``.
* ``match_type`` is ``BROAD``/``PHRASE``/``EXACT``; the console's ``-`` (automatic and
  product targeting) and the API's ``TARGETING_EXPRESSION*`` become ``<NA>``.
* ``report_level`` comes from the columns present: a customer search term column means
  ``search_term``, an advertised ASIN/SKU ``advertised_product``, a placement column
  ``placement``, a targeting/keyword column ``targeting``, an ad group ``ad_group``, a
  campaign ``campaign``, else ``over_time`` (the *Performance over time* report: account
  totals per day, with clicks, CPC and spend only). Each level carries the whole account's
  spend once: levels are alternatives, never added (:func:`postship_analysis.ads.choose_level`).
* Undefined stays undefined: a reported rate whose denominator is 0 (ACoS without sales, CPC
  without clicks, CTR without impressions, ROAS without spend) is ``<NA>`` even where the file
  wrote ``0.00%``; a metric the report does not have (the Campaign report's units, the
  Performance over time report's sales) is ``<NA>``, not 0.
* The Campaign report's ``Budget``, ``Status`` and ``Bidding strategy`` (API:
  ``campaignBudgetAmount``, ``campaignStatus``, ``campaignBiddingStrategy``) are kept as
  ``campaign_budget``, ``campaign_state`` and ``bidding_strategy``: a budget recommendation
  then starts from the campaign's budget even without a bulk-operations download.
* One ``Date`` column gives ``start_date == end_date``. The *Campaign* report has ``Date``
  (the day of the row) *and* ``Start Date``/``End Date`` (the campaign's own start and end);
  ``Date`` wins there.
* Where the file has no currency column (Performance over time) the currency is the
  marketplace's; where ``marketplace`` is not given it is inferred from a currency used by one
  marketplace only (INR -> IN, GBP -> UK, USD -> US...), else US.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from .. import contract
from ..errors import ParameterError, UnreadableFileError, WrongReportError
from .core import (
    Field,
    ReadResult,
    ReportSpec,
    load_json,
    norm_header,
    read_records,
    read_report,
    reader,
    register,
)

#: attribution windows in order of preference (7 days is the seller Sponsored Products window)
WINDOWS = (7, 14, 30, 1)

# Identity columns plus the metrics: two rows are only "exact duplicates" when all agree.
_KEY = ("start_date", "end_date", "campaign_name", "campaign_id", "ad_group_name", "ad_group_id",
        "targeting", "match_type", "search_term", "advertised_sku", "advertised_asin",
        "placement", "impressions", "clicks", "spend", "sales", "orders", "units")

# ---------------------------------------------------------------------------------------------
# Console downloads
# ---------------------------------------------------------------------------------------------


def _console_windowed(days: int) -> dict[str, tuple[str, ...]]:
    return {
        "sales": (f"{days} Day Total Sales",),
        "orders": (f"{days} Day Total Orders (#)", f"{days} Day Total Orders"),
        "units": (f"{days} Day Total Units (#)", f"{days} Day Total Units"),
    }


def _console_fields(required: tuple[str, ...]) -> tuple[Field, ...]:
    win = {name: tuple(a for d in (7, 14) for a in _console_windowed(d)[name])
           for name in ("sales", "orders", "units")}

    def F(name, aliases, kind="str", **kw):  # noqa: N802
        return Field(name, aliases, kind, required=name in required, **kw)

    return (
        # "Date" first: in the Campaign report Start/End Date are the campaign's own dates
        F("start_date", ("Date", "Start Date"), "date", notnull=True),
        F("end_date", ("End Date",), "date"),
        F("portfolio", ("Portfolio name", "Portfolio Name (Informational only)")),
        F("currency", ("Currency",)),
        F("campaign_name", ("Campaign Name", "Campaign Name (Informational only)")),
        F("campaign_id", ("Campaign Id", "Campaign ID")),
        F("ad_group_name", ("Ad Group Name", "Ad Group Name (Informational only)")),
        F("ad_group_id", ("Ad Group Id", "Ad Group ID")),
        F("targeting", ("Targeting", "Keyword", "Keyword Text", "Product Targeting Expression")),
        F("match_type", ("Match Type",)),
        F("search_term", ("Customer Search Term",)),
        F("advertised_sku", ("Advertised SKU",)),
        F("advertised_asin", ("Advertised ASIN",)),
        # not (yet) a column of the canonical table: read for report_level and duplicates
        F("placement", ("Placement",)),
        F("impressions", ("Impressions",), "int", min_value=0),
        F("clicks", ("Clicks",), "int", min_value=0),
        F("spend", ("Spend",), "money"),
        # bulksheet search-term tab: Sales/Orders/Units are always 7-day (domain.md §4h)
        F("sales", win["sales"] + ("Sales",), "money"),
        F("orders", win["orders"] + ("Orders",), "int", min_value=0),
        F("units", win["units"] + ("Units",), "int", min_value=0),
        F("reported_ctr", ("Click-Thru Rate (CTR)", "Click-through Rate", "CTR"), "pct"),
        F("reported_cpc", ("Cost Per Click (CPC)", "CPC"), "money"),
        F("reported_acos", ("Total Advertising Cost of Sales (ACoS)", "ACoS"), "pct"),
        F("reported_roas", ("Total Return on Advertising Spend (RoAS)", "RoAS"), "float"),
        # Campaign report only: the campaign's settings on the row's day
        F("campaign_budget", ("Budget", "Budget Amount", "Campaign Budget"), "money",
          min_value=0),
        F("campaign_state", ("Status", "Campaign Status")),
        F("bidding_strategy", ("Bidding strategy", "Campaign Bidding Strategy")),
    )


_WHERE_CONSOLE = ("advertising.amazon.com > Measurement & Reporting > Sponsored ads reports > "
                  "Create report > Sponsored Products > {} (daily or summary; XLSX or CSV)")
_BASE_REQUIRED = ("start_date", "clicks", "spend")

# Registered most specific first: detection breaks ties in registration order.
_CONSOLE_LAYOUTS = (
    ("search_term", "Search term report", ("search_term",)),
    ("advertised_product", "Advertised product report", ("advertised_asin",)),
    ("placement", "Placement report", ("placement",)),
    ("targeting", "Targeting report", ("targeting",)),
    ("campaign", "Campaign report", ("campaign_name",)),
    ("over_time", "Performance Over Time report", ()),
)
CONSOLE_SPECS: dict[str, ReportSpec] = {}
for _level, _title, _req in _CONSOLE_LAYOUTS:
    CONSOLE_SPECS[_level] = register(ReportSpec(
        report_type=f"ads_console_{_level}",
        title=f"Sponsored Products {_title} (Advertising console)",
        table="ads",
        amazon_name=f"Sponsored Products {_title}",
        where=_WHERE_CONSOLE.format(_title.removesuffix(" report")),
        key=_KEY,
        fields=_console_fields(_BASE_REQUIRED + _req),
    ))
#: the spec every console file is read with (layout-specific columns optional)
ADS_CONSOLE = CONSOLE_SPECS["over_time"]

# ---------------------------------------------------------------------------------------------
# Ads API v3
# ---------------------------------------------------------------------------------------------


def _api_fields(required: tuple[str, ...]) -> tuple[Field, ...]:
    def F(name, aliases, kind="str", **kw):  # noqa: N802
        return Field(name, aliases, kind, required=name in required, **kw)

    def w(fmt):
        return tuple(fmt.format(d) for d in WINDOWS)

    return (
        F("start_date", ("date", "startDate"), "date", notnull=True),
        F("end_date", ("endDate",), "date"),
        F("campaign_name", ("campaignName",)),
        F("campaign_id", ("campaignId",)),
        F("ad_group_name", ("adGroupName",)),
        F("ad_group_id", ("adGroupId",)),
        # "_targeting" is keyword-or-targeting, made by read_ads_records
        F("targeting", ("_targeting", "keyword", "targeting")),
        F("match_type", ("matchType",)),
        F("search_term", ("searchTerm",)),
        F("advertised_sku", ("advertisedSku",)),
        F("advertised_asin", ("advertisedAsin",)),
        F("placement", ("placementClassification",)),
        F("currency", ("campaignBudgetCurrencyCode", "currency")),
        F("impressions", ("impressions",), "int", min_value=0),
        F("clicks", ("clicks",), "int", min_value=0),
        F("spend", ("cost", "spend"), "money"),
        F("sales", w("sales{}d"), "money"),
        F("orders", w("purchases{}d"), "int", min_value=0),
        F("units", w("unitsSoldClicks{}d"), "int", min_value=0),
        # the API documents clickThroughRate as clicks / impressions (a fraction)
        F("reported_ctr", ("clickThroughRate",), "float"),
        F("reported_cpc", ("costPerClick",), "money"),
        F("reported_acos", w("acosClicks{}d"), "float"),
        F("reported_roas", w("roasClicks{}d"), "float"),
        F("campaign_budget", ("campaignBudgetAmount",), "money", min_value=0),
        F("campaign_state", ("campaignStatus",)),
        F("bidding_strategy", ("campaignBiddingStrategy",)),
    )


_WHERE_API = ("Amazon Ads API v3: POST /reporting/reports with reportTypeId {} and format "
              "GZIP_JSON; download the gzipped JSON from the report's url")
_API_LAYOUTS = (
    ("ads_api_search_term", "spSearchTerm", ("search_term",)),
    ("ads_api_advertised_product", "spAdvertisedProduct", ()),
    ("ads_api_targeting", "spTargeting", ()),
    ("ads_api_campaigns", "spCampaigns", ()),
)
API_SPECS: dict[str, ReportSpec] = {}
for _rt, _amz, _req in _API_LAYOUTS:
    API_SPECS[_rt] = register(ReportSpec(
        report_type=_rt,
        title=f"Sponsored Products {_amz} report (Ads API v3)",
        table="ads",
        amazon_name=_amz,
        where=_WHERE_API.format(_amz),
        key=_KEY,
        fields=_api_fields(("start_date", "clicks", "spend") + _req),
    ))
ADS_API = API_SPECS["ads_api_campaigns"]

# fields whose header names carry the attribution window, and the window of each alias
_WINDOWED = ("sales", "orders", "units", "reported_acos", "reported_roas")


def _alias_window(alias: str) -> int | None:
    """Attribution window named by a (normalised) header: ``7 day total sales`` -> 7,
    ``sales14d`` -> 14; the bulksheet's bare ``sales`` -> 7 (always 7 days there)."""
    import re

    m = re.match(r"^(\d+) day ", alias) or re.search(r"(\d+)d$", alias)
    if m:
        return int(m.group(1))
    if alias in ("sales", "orders", "units"):
        return 7
    return None


def _prefer_window(spec: ReportSpec, days: int | None) -> ReportSpec:
    """The spec with the aliases of ``days`` tried first in every windowed field."""
    if days is None:
        return spec
    fields = []
    for f in spec.fields:
        if f.name in _WINDOWED:
            first = tuple(a for a in f.aliases if _alias_window(a) == days)
            f = dataclasses.replace(f, aliases=first + tuple(a for a in f.aliases
                                                             if a not in first))
        fields.append(f)
    return dataclasses.replace(spec, fields=tuple(fields))


def _matched_window(spec: ReportSpec, header_names) -> int | None:
    """The window of the alias each windowed field matched (sales first)."""
    present = {norm_header(h) for h in header_names}
    for name in ("sales", "orders", "units", "reported_acos"):
        for a in spec.field(name).aliases:
            if a in present:
                return _alias_window(a)
    return None


# ---------------------------------------------------------------------------------------------
# Post-processing shared by both sources
# ---------------------------------------------------------------------------------------------

_MATCH = {"BROAD": "BROAD", "PHRASE": "PHRASE", "EXACT": "EXACT"}
_NO_MATCH = ("TARGETING_EXPRESSION", "TARGETING_EXPRESSION_PREDEFINED", "-", "*", "")

# currencies used by exactly one marketplace -> its code
_CURRENCY_MP: dict[str, str] = {}
for _m in contract.MARKETPLACES.values():
    _CURRENCY_MP[_m.currency] = "" if _m.currency in _CURRENCY_MP else _m.code
_CURRENCY_MP = {c: m for c, m in _CURRENCY_MP.items() if m}


def _infer_marketplace(currency: pd.Series) -> str | None:
    cur = currency.dropna().str.upper()
    if cur.empty:
        return None
    return _CURRENCY_MP.get(str(cur.mode().iloc[0]))


def _rescale_percent(data: pd.DataFrame, col: str, expected: pd.Series, warnings: list, path):
    """Divide ``col`` by 100 where the file evidently wrote percentages as 0-100 numbers.

    Decided per file from the median ratio of the file's own value to the recomputed one
    (about 1 for fractions, about 100 for percentages)."""
    rep = data[col]
    ok = rep.notna() & expected.notna() & (expected > 0) & (rep > 0)
    if ok.sum() == 0:
        return
    ratio = float((rep[ok] / expected[ok]).median())
    if 30 < ratio < 300:
        data[col] = rep / 100.0
        warnings.append(f"{col}: values are 0-100 percentages (median {ratio:.0f}x the "
                        "recomputed rate); divided by 100")


def _finish(res: ReadResult, *, spec: ReportSpec, level: str, window: int | None,
            single_date: bool, marketplace_given: bool) -> ReadResult:
    d = res.data
    n = len(d)
    d["report_level"] = pd.Series([level] * n, dtype="string")
    if single_date or d["end_date"].isna().all():
        d["end_date"] = d["start_date"]
    else:
        d["end_date"] = d["end_date"].fillna(d["start_date"])
    d["attribution_days"] = pd.Series([window] * n, dtype="Int64")

    mt = d["match_type"].str.strip().str.upper()
    unknown = mt.notna() & ~mt.isin(list(_MATCH) + list(_NO_MATCH))
    if unknown.any():
        res.warnings.append("match_type: unknown value(s) kept as written: "
                            + ", ".join(sorted(mt[unknown].unique())[:5]))
    d["match_type"] = mt.where(~mt.isin(_NO_MATCH)).astype("string")

    if "currency" in d:
        d["currency"] = d["currency"].str.strip().str.upper()
    mp_codes = d["marketplace"]
    if not marketplace_given:
        inferred = _infer_marketplace(d["currency"])
        if inferred:
            mp_codes = pd.Series([inferred] * n, dtype="string")
            d["marketplace"] = mp_codes
        elif d["currency"].notna().any():
            res.warnings.append(
                f"marketplace not given and currency {d['currency'].dropna().iloc[0]} is used "
                "by several marketplaces: marketplace set to US; pass marketplace=")
    cur_of = {c: contract.marketplace(c).currency for c in mp_codes.dropna().unique()}
    d["currency"] = d["currency"].fillna(mp_codes.map(cur_of).astype("string"))

    clicks = d["clicks"].astype("float64")
    impressions = d["impressions"].astype("float64")
    _rescale_percent(d, "reported_ctr", clicks / impressions, res.warnings, res.path)
    _rescale_percent(d, "reported_acos", d["spend"] / d["sales"], res.warnings, res.path)
    _undefined_rates(d, res.warnings)
    if level != "campaign":  # "Status" / budget columns describe campaigns only there
        d["campaign_state"] = pd.Series(pd.NA, index=d.index, dtype="string")
        d["campaign_budget"] = np.nan
    d["campaign_state"] = d["campaign_state"].astype("string").str.strip().str.upper()
    res.data = contract.conform(d, "ads")
    return res


#: reported rate -> the denominator that makes it undefined when 0 (or missing)
_RATE_DENOMINATOR = {"reported_ctr": "impressions", "reported_cpc": "clicks",
                     "reported_acos": "sales", "reported_roas": "spend"}


def _undefined_rates(d: pd.DataFrame, warnings: list) -> None:
    """Amazon writes ``0.00%`` / ``Rs.0.0`` for a rate whose denominator is 0 in some exports
    (the IN Campaign CSV) and leaves it blank in others: a ratio over nothing is undefined,
    so it becomes ``<NA>`` whatever the file wrote (counted in the warnings)."""
    for col, den in _RATE_DENOMINATOR.items():
        base = d[den].astype("float64")
        undefined = (base.isna() | (base == 0)) & d[col].notna()
        if undefined.any():
            warnings.append(f"{col}: {int(undefined.sum())} value(s) written where "
                            f"{den} is 0 or missing (undefined): read as missing")
            d[col] = d[col].astype("float64").where(~undefined)


def _console_level(names: set[str]) -> str:
    if "customer search term" in names:
        return "search_term"
    if "advertised asin" in names or "advertised sku" in names:
        return "advertised_product"
    if "placement" in names:
        return "placement"
    if names & {"targeting", "keyword", "keyword text", "product targeting expression"}:
        return "targeting"
    if "ad group name" in names:
        return "ad_group"
    if "campaign name" in names:
        return "campaign"
    return "over_time"


@reader(*(s.report_type for s in CONSOLE_SPECS.values()))
def read_ads_console(path, *, seller_id="default", marketplace=None, columns=None,
                     attribution_days: int | None = None) -> ReadResult:
    """Read a Sponsored Products report downloaded from the Advertising console to ``ads``.

    Parameters
    ----------
    path : the XLSX or CSV as downloaded (Search term, Targeting, Advertised product,
        Campaign, Placement or Performance over time report; any of the header generations in
        domain.md §4h).
    seller_id : account the file belongs to.
    marketplace : marketplace code (``US``, ``IN``...). If omitted it is inferred from the
        ``Currency`` column where that currency has one marketplace (INR, GBP, USD...), else US.
    columns : canonical columns needed (others are not converted).
    attribution_days : window to read where the file has several (default: 7 if present,
        else 14); :class:`ParameterError` if the file has no column for it.

    Returns
    -------
    ReadResult with ``report_type`` ``ads_console_<layout>`` (``search_term``,
    ``advertised_product``, ``placement``, ``targeting``, ``campaign`` or ``over_time``).
    Money is in the row's ``currency``, rates are fractions.

    Example
    -------
    >>> # r = read_ads_console("Sponsored Products Search term report.xlsx", marketplace="UK")
    >>> # r.data.groupby("search_term")[["spend", "sales"]].sum()
    """
    spec = _prefer_window(ADS_CONSOLE, attribution_days)
    res = read_report(path, spec, seller_id=seller_id, marketplace=marketplace,
                                   columns=columns)
    names = {norm_header(h) for h in res.header}
    window = _matched_window(spec, res.header)
    if attribution_days is not None and window != attribution_days:
        raise ParameterError(f"{path}: no {attribution_days}-day attribution columns "
                             f"(the file has {window}-day ones)")
    if marketplace is None:
        res = _reread_for_marketplace(res, path, spec, seller_id, columns)
    level = _console_level(names)
    layout = level if level in CONSOLE_SPECS else "campaign"
    res.report_type = CONSOLE_SPECS[layout].report_type
    return _finish(res, spec=spec, level=level, window=window, single_date="date" in names,
                   marketplace_given=marketplace is not None)


def _reread_for_marketplace(res: ReadResult, path, spec, seller_id, columns) -> ReadResult:
    """Read again with the marketplace the currency implies when its number and date
    conventions differ from the US default the first read used (e.g. day-first dates)."""
    inferred = _infer_marketplace(res.data["currency"].str.upper()) if res.accepted else None
    if not inferred or inferred == "US":
        return res
    mp, us = contract.marketplace(inferred), contract.marketplace("US")
    if (mp.decimal, mp.day_first) == (us.decimal, us.day_first):
        return res
    return read_report(path, spec, seller_id=seller_id, marketplace=inferred,
                                    columns=columns)




# ---------------------------------------------------------------------------------------------
# API reader
# ---------------------------------------------------------------------------------------------


def _api_records(obj, path) -> list[dict]:
    if isinstance(obj, list):
        recs = obj
    elif isinstance(obj, dict):
        recs = next((obj[k] for k in ("records", "rows", "data") if isinstance(obj.get(k), list)),
                    None)
        if recs is None:
            raise WrongReportError(path, "JSON object without a list of report records",
                                   "an Ads API v3 report: a JSON list of records")
    else:
        raise WrongReportError(path, "JSON is neither a list nor an object",
                               "an Ads API v3 report: a JSON list of records")
    if recs and not all(isinstance(r, dict) for r in recs[:100]):
        raise UnreadableFileError(path, "records are not JSON objects",
                                  "an Ads API v3 report: a JSON list of records")
    return recs


def _api_level(keys: set[str]) -> tuple[str, str]:
    if "searchterm" in keys:
        return "search_term", "ads_api_search_term"
    if "advertisedasin" in keys or "advertisedsku" in keys:
        return "advertised_product", "ads_api_advertised_product"
    if "placementclassification" in keys:
        return "placement", "ads_api_campaigns"
    if "keyword" in keys or "targeting" in keys:
        return "targeting", "ads_api_targeting"
    if "adgroupid" in keys or "adgroupname" in keys:
        return "ad_group", "ads_api_campaigns"
    return "campaign", "ads_api_campaigns"


def read_ads_records(records: list[dict], *, path: str = "<records>", seller_id="default",
                     marketplace=None, attribution_days: int | None = None) -> ReadResult:
    """Validate Ads API v3 report records (already parsed JSON) into ``ads``.

    ``keyword`` and ``targeting`` are coalesced into ``targeting`` (keyword text where the row
    has one, else the targeting expression). See :func:`read_ads_api`.
    """
    keys_raw = {k for r in records[:200] for k in r}
    keys = {norm_header(k) for k in keys_raw}
    if "keyword" in keys_raw and "targeting" in keys_raw:
        records = [{**r, "_targeting": r.get("keyword") or r.get("targeting")} for r in records]
    level, rt = _api_level(keys)
    spec = _prefer_window(API_SPECS[rt], attribution_days)
    res = read_records(records, spec, path=path, seller_id=seller_id, marketplace=marketplace)
    window = _matched_window(spec, keys_raw)
    if attribution_days is not None and window != attribution_days:
        raise ParameterError(f"{path}: no {attribution_days}-day attribution columns "
                             f"(the records have {window}-day ones)")
    res.header = sorted(keys_raw)
    return _finish(res, spec=spec, level=level, window=window,
                   single_date="date" in keys, marketplace_given=marketplace is not None)


@reader("ads_api_campaigns", "ads_api_advertised_product", "ads_api_search_term",
        "ads_api_targeting")
def read_ads_api(path, *, seller_id="default", marketplace=None, columns=None,
                 attribution_days: int | None = None) -> ReadResult:
    """Read a Sponsored Products report from the Ads API v3 (JSON or gzipped JSON) to ``ads``.

    Report types ``spCampaigns`` (campaign, ad group or placement grouping),
    ``spAdvertisedProduct``, ``spSearchTerm`` and ``spTargeting``; the level is taken from the
    columns (``searchTerm``, ``advertisedSku``/``advertisedAsin``, ``placementClassification``,
    ``keyword``/``targeting``, ``adGroupId``). ``cost`` is the spend; ``sales7d``,
    ``purchases7d`` and ``unitsSoldClicks7d`` the 7-day attributed sales, orders and units (or
    the ``attribution_days`` window asked for). ``clickThroughRate``, ``costPerClick``,
    ``acosClicks7d`` and ``roasClicks7d`` go to the ``reported_*`` columns (fractions; a file
    with 0-100 percentages is detected and rescaled, with a warning).
    ``columns`` is accepted for a uniform signature; JSON records are always read whole.
    Quarantine ``line`` is the record number (1-based).

    Example
    -------
    >>> # read_ads_api("spSearchTerm-2025-01.json.gz", marketplace="US").data.spend.sum()
    """
    path = Path(path)
    records = _api_records(load_json(path), path)
    return read_ads_records(records, path=str(path), seller_id=seller_id,
                            marketplace=marketplace, attribution_days=attribution_days)


def recomputed_rates(ads: pd.DataFrame) -> pd.DataFrame:
    """CTR, CPC, ACoS and ROAS recomputed from the raw columns of an ``ads`` table.

    ``ctr = clicks / impressions``, ``cpc = spend / clicks``, ``acos = spend / sales``,
    ``roas = sales / spend``; ``<NA>`` where the denominator is 0 or missing.
    """
    def div(a, b):
        a = a.astype("float64")
        b = b.astype("float64")
        return (a / b.where(b != 0)).replace([np.inf, -np.inf], np.nan)

    return pd.DataFrame({
        "ctr": div(ads["clicks"], ads["impressions"]),
        "cpc": div(ads["spend"], ads["clicks"]),
        "acos": div(ads["spend"], ads["sales"]),
        "roas": div(ads["sales"], ads["spend"]),
    })


__all__ = ["ADS_API", "ADS_CONSOLE", "API_SPECS", "CONSOLE_SPECS", "read_ads_api",
           "read_ads_console", "read_ads_records",
           "recomputed_rates"]
