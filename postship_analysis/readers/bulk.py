"""Amazon Ads bulk-operations download (bulksheets 2.0), Sponsored Products sheet -> the
``ad_entities`` table.

Where: advertising.amazon.com > Bulk operations > "Create & download a custom spreadsheet"
(Sponsored Products data included; "campaign items with zero impressions" and "terminated
campaigns" as you like). The XLSX has one sheet per ad product ("Sponsored Products
Campaigns", "Sponsored Brands Campaigns", "Portfolios", "SP Search Term Report"...); this
reader takes the Sponsored Products one. Layout source: Amazon Ads API documentation,
"Overview - update campaigns with bulksheets" and "How to update Sponsored Products campaigns"
(``en-us/bulksheets/2-0/campaign-update-overview.md``, ``update-sp-campaigns.md``, as crawled
in idealerror/amazon-ads-api-docs @ 124fc9cf); the downloaded sheet has the 26 upload columns
plus informational copies (``Campaign Name (Informational only)``, ``Campaign State
(Informational only)``, ``Ad Group Default Bid (Informational only)``...) and the metrics of
the chosen date range.

It is the source of what the console reports lack: the entity **ids** an upload needs (they
differ from the ids the advertising console shows, the documentation warns), and the current
**bids**, **states**, **daily budgets**, **portfolio ids**, **end dates** and **bidding
strategies** (:mod:`postship_analysis.bulksheet` writes update rows from them).

Conventions
-----------
* ``campaign_name`` / ``ad_group_name``: the editable column where filled (on the entity's own
  row), else the informational copy (on its children), else the parent row's name by id.
* ``campaign_state`` / ``ad_group_state``: the informational columns, else the parent row's own
  ``state``; ``ad_group_default_bid`` likewise from the ad group row.
* ``state`` and ``match_type`` are lower-cased (``enabled``, ``paused``, ``archived``;
  ``exact``, ``negativeexact``...); ``entity`` keeps Amazon's capitalisation of the first word
  (``Keyword``, ``Product targeting``, ``Ad group``...).
* Rows of another ad product in the sheet (``Product`` not ``Sponsored Products``) are
  quarantined with that reason; ids are kept as text (they exceed float precision).
"""

from __future__ import annotations

import pandas as pd

from .. import contract
from .core import Field, ReadResult, ReportSpec, blank_mask, reader, register
from .shipments import Reject, check_spreadsheet_errors, read_with_checks

PRODUCT = "Sponsored Products"


def _f(name, aliases, kind="str", **kw):
    return Field(name, aliases, kind, **kw)


BULK_SP = register(ReportSpec(
    report_type="ads_bulk_sp",
    title="Sponsored Products bulk-operations download (bulksheets 2.0)",
    table="ad_entities",
    amazon_name="Bulk operations spreadsheet, Sponsored Products Campaigns sheet",
    where="advertising.amazon.com > Bulk operations > Create & download a custom spreadsheet "
          "(include Sponsored Products data)",
    key=("entity", "campaign_id", "ad_group_id", "ad_id", "keyword_id", "product_targeting_id",
         "keyword_text", "match_type", "product_targeting_expression", "placement", "sku"),
    fields=(
        _f("product", ("Product",), required=True),
        _f("entity", ("Entity", "Record Type"), required=True, notnull=True),
        _f("operation", ("Operation",)),
        _f("campaign_id", ("Campaign Id", "Campaign ID"), required=True),
        _f("ad_group_id", ("Ad Group Id", "Ad Group ID")),
        _f("portfolio_id", ("Portfolio Id", "Portfolio ID")),
        _f("ad_id", ("Ad Id", "Ad ID", "Ad Id (Read only)", "Ad ID (Read only)")),
        _f("keyword_id", ("Keyword Id", "Keyword ID", "Keyword Id (Read only)",
                          "Keyword ID (Read only)")),
        _f("product_targeting_id", ("Product Targeting Id", "Product Targeting ID",
                                    "Product Targeting Id (Read only)",
                                    "Product Targeting ID (Read only)")),
        _f("campaign_name", ("Campaign Name",)),
        _f("campaign_name_info", ("Campaign Name (Informational only)",)),
        _f("ad_group_name", ("Ad Group Name",)),
        _f("ad_group_name_info", ("Ad Group Name (Informational only)",)),
        _f("portfolio_name", ("Portfolio Name (Informational only)", "Portfolio Name")),
        _f("start_date", ("Start Date",), "date"),
        _f("end_date", ("End Date",), "date"),
        _f("targeting_type", ("Targeting Type",)),
        _f("state", ("State",)),
        _f("campaign_state", ("Campaign State (Informational only)",)),
        _f("ad_group_state", ("Ad Group State (Informational only)",)),
        _f("daily_budget", ("Daily Budget",), "money", min_value=0),
        _f("sku", ("SKU",)),
        _f("asin", ("ASIN", "ASIN (Informational only)")),
        _f("ad_group_default_bid", ("Ad Group Default Bid",), "money", min_value=0),
        _f("ad_group_default_bid_info", ("Ad Group Default Bid (Informational only)",),
           "money", min_value=0),
        _f("bid", ("Bid",), "money", min_value=0),
        _f("keyword_text", ("Keyword Text",)),
        _f("match_type", ("Match Type",)),
        _f("bidding_strategy", ("Bidding Strategy",)),
        _f("placement", ("Placement",)),
        _f("percentage", ("Percentage",), "float"),
        _f("product_targeting_expression", ("Product Targeting Expression",)),
        _f("resolved_expression", ("Resolved Product Targeting Expression (Informational only)",)),
    ),
))


def _coalesce_informational(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Names and default bids from the informational copies where the editable cell is
    blank; rows of other ad products are rejected."""
    out = {}
    for col in ("campaign_name", "ad_group_name", "ad_group_default_bid"):
        info = f"{col}_info"
        if info in raw.columns:
            base = raw[col] if col in raw.columns else pd.Series("", index=raw.index)
            out[col] = base.where(~blank_mask(base), raw[info])
    raw = raw.assign(**out)
    prod = raw["product"].astype("string").str.strip()
    other = (~blank_mask(prod) & (prod.str.lower() != PRODUCT.lower())).to_numpy()
    return raw, [Reject(other, "product", f"not a {PRODUCT} row", raw["product"])]


def _ids_as_text(s: pd.Series) -> pd.Series:
    """Ids read from a workbook may come back as ``123.0``: keep the digits."""
    s = s.astype("string").str.strip()
    return s.str.replace(r"^(\d+)\.0$", r"\1", regex=True)


@reader("ads_bulk_sp")
def read_bulk_sp(path, *, seller_id="default", marketplace=None, columns=None) -> ReadResult:
    """Read the Sponsored Products sheet of a bulk-operations download to ``ad_entities``.

    Parameters
    ----------
    path : the XLSX as downloaded from Bulk operations (or a CSV of its Sponsored Products
        sheet).
    seller_id, marketplace : account and marketplace the file belongs to (a bulk download is
        per advertiser account and marketplace; default US).
    columns : canonical columns needed.

    Returns
    -------
    ReadResult of ``ad_entities``: one row per entity with ids as text, money as numbers in
    the marketplace's currency, states lower-case.

    Example
    -------
    >>> # e = read_bulk_sp("bulk-a1b2c3-20261101.xlsx", marketplace="US").data
    >>> # e[e.entity == "Keyword"][["keyword_id", "keyword_text", "match_type", "bid", "state"]]
    """
    res = read_with_checks(path, BULK_SP, seller_id=seller_id, marketplace=marketplace,
                           columns=columns, pre=[check_spreadsheet_errors,
                                                 _coalesce_informational])
    d = res.data
    for c in ("campaign_id", "ad_group_id", "portfolio_id", "ad_id", "keyword_id",
              "product_targeting_id"):
        d[c] = _ids_as_text(d[c])
    for c in ("state", "campaign_state", "ad_group_state", "match_type", "targeting_type"):
        d[c] = d[c].astype("string").str.strip().str.lower()
    d["targeting_type"] = d["targeting_type"].str.upper()
    ent = d["entity"].astype("string").str.strip()
    d["entity"] = ent.str[:1].str.upper() + ent.str[1:].str.lower()
    camp = d[d["entity"] == "Campaign"].drop_duplicates("campaign_id").set_index("campaign_id")
    grp = d[d["entity"] == "Ad group"].drop_duplicates("ad_group_id").set_index("ad_group_id")
    d["campaign_name"] = d["campaign_name"].fillna(d["campaign_id"].map(camp["campaign_name"]))
    d["campaign_state"] = d["campaign_state"].fillna(d["campaign_id"].map(camp["state"]))
    d["ad_group_name"] = d["ad_group_name"].fillna(d["ad_group_id"].map(grp["ad_group_name"]))
    d["ad_group_state"] = d["ad_group_state"].fillna(d["ad_group_id"].map(grp["state"]))
    d["ad_group_default_bid"] = d["ad_group_default_bid"].astype("float64").fillna(
        d["ad_group_id"].map(grp["ad_group_default_bid"]).astype("float64"))
    res.data = contract.conform(d, "ad_entities")
    return res


__all__ = ["BULK_SP", "PRODUCT", "read_bulk_sp"]
