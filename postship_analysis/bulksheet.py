"""Amazon Ads bulk-operations file (bulksheets 2.0, Sponsored Products) from the
recommendations of :mod:`postship_analysis.ads`.

Layout source: Amazon Ads API documentation, "How to update Sponsored Products campaigns with
bulksheets" (``en-us/bulksheets/2-0/update-sp-campaigns.md``) and "Get started with
bulksheets for Sponsored Products" (``get-started-with-sp-bulksheets.md``), as crawled in
idealerror/amazon-ads-api-docs @ 124fc9cf. The 26 upload columns, in order, are
:data:`COLUMNS`; column A ``Product`` is ``Sponsored Products``, B ``Entity`` one of
``Campaign, Ad group, Product ad, Keyword, Negative keyword, Bidding adjustment, Campaign
negative keyword, Product targeting, Negative product targeting``, C ``Operation`` one of
``Create, Update, Archive``. Updates need the bulksheet entity ids (from a bulksheet
download, not the console ids); rows whose ids are unknown keep the names and are flagged
``needs_ids`` in the readable CSV. Negative keyword match types are written as
``negativeExact`` (the value in downloaded 2.0 files; the legacy example page shows
"Negative Exact" — check against your own download before uploading).

Example
-------
>>> rows = bid_rows(pd.DataFrame({"campaign_id": ["11"], "ad_group_id": ["22"],
...     "keyword_id": ["33"], "campaign_name": ["C"], "ad_group_name": ["G"],
...     "targeting": ["kw"], "match_type": ["EXACT"], "new_bid": [0.55]}))
>>> rows[["Entity", "Operation", "Keyword Id"]].iloc[0].tolist(), float(rows["Bid"].iloc[0])
(['Keyword', 'Update', '33'], 0.55)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import spreadsheet

COLUMNS = ["Product", "Entity", "Operation", "Campaign Id", "Ad Group Id", "Portfolio Id",
           "Ad Id", "Keyword Id", "Product Targeting Id", "Campaign Name", "Ad Group Name",
           "Start Date", "End Date", "Targeting Type", "State", "Daily Budget", "SKU", "ASIN",
           "Ad Group Default Bid", "Bid", "Keyword Text", "Match Type", "Bidding Strategy",
           "Placement", "Percentage", "Product Targeting Expression"]
PRODUCT = "Sponsored Products"
SHEET = "Sponsored Products Campaigns"


def _frame(n: int, **cols) -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series([pd.NA] * n, dtype="object") for c in COLUMNS})
    df["Product"] = PRODUCT
    for k, v in cols.items():
        df[k.replace("_", " ")] = list(v) if not np.isscalar(v) else v
    return df


def _col(df, name):
    return df[name] if name in df else pd.Series([pd.NA] * len(df), index=df.index)


def bid_rows(bids: pd.DataFrame) -> pd.DataFrame:
    """Keyword / product-targeting ``Update`` rows setting ``Bid`` to ``new_bid`` (rows whose
    action is ``keep`` should be dropped by the caller). Targets with a match type are
    ``Keyword`` entities, the rest (auto and ASIN / category expressions) ``Product
    targeting``."""
    b = bids.reset_index(drop=True)
    kw = b["match_type"].notna()
    df = _frame(len(b))
    df["Entity"] = np.where(kw, "Keyword", "Product targeting")
    df["Operation"] = "Update"
    df["Campaign Id"] = _col(b, "campaign_id").to_numpy()
    df["Ad Group Id"] = _col(b, "ad_group_id").to_numpy()
    df["Keyword Id"] = np.where(kw, _col(b, "keyword_id"), pd.NA)
    df["Product Targeting Id"] = np.where(~kw, _col(b, "target_id"), pd.NA)
    df["Campaign Name"] = b["campaign_name"].to_numpy()
    df["Ad Group Name"] = b["ad_group_name"].to_numpy()
    df["Keyword Text"] = np.where(kw, b["targeting"], pd.NA)
    df["Match Type"] = np.where(kw, b["match_type"].str.lower(), pd.NA)
    df["Product Targeting Expression"] = np.where(~kw, b["targeting"], pd.NA)
    df["State"] = "enabled"
    df["Bid"] = b["new_bid"].astype("float64").round(2).to_numpy()
    return df


def negative_rows(negs: pd.DataFrame) -> pd.DataFrame:
    """``Create`` rows: ad-group ``Negative keyword`` (``negativeExact``) for text terms and
    ``Negative product targeting`` (``asin="B0..."``) for ASIN terms."""
    n = negs.reset_index(drop=True)
    asin = n["negative_type"] == "negative_product_target"
    df = _frame(len(n))
    df["Entity"] = np.where(asin, "Negative product targeting", "Negative keyword")
    df["Operation"] = "Create"
    df["Campaign Id"] = _col(n, "campaign_id").to_numpy()
    df["Ad Group Id"] = _col(n, "ad_group_id").to_numpy()
    df["Campaign Name"] = n["campaign_name"].to_numpy()
    df["Ad Group Name"] = n["ad_group_name"].to_numpy()
    df["State"] = "enabled"
    df["Keyword Text"] = np.where(asin, pd.NA, n["search_term"])
    df["Match Type"] = np.where(asin, pd.NA, "negativeExact")
    df["Product Targeting Expression"] = np.where(
        asin, 'asin="' + n["search_term"].str.upper() + '"', pd.NA)
    return df


def harvest_rows(harvest: pd.DataFrame) -> pd.DataFrame:
    """``Create`` rows: an exact ``Keyword`` in the destination ad group at the suggested bid
    (destination names empty when the marketplace has no exact ad group for those SKUs)."""
    h = harvest.reset_index(drop=True)
    df = _frame(len(h))
    df["Entity"] = "Keyword"
    df["Operation"] = "Create"
    df["Campaign Id"] = _col(h, "destination_campaign_id").to_numpy()
    df["Ad Group Id"] = _col(h, "destination_ad_group_id").to_numpy()
    df["Campaign Name"] = h["destination_campaign"].to_numpy()
    df["Ad Group Name"] = h["destination_ad_group"].to_numpy()
    df["State"] = "enabled"
    df["Keyword Text"] = h["search_term"].to_numpy()
    df["Match Type"] = "exact"
    df["Bid"] = h["suggested_bid"].astype("float64").round(2).to_numpy()
    return df


def budget_rows(campaigns: pd.DataFrame) -> pd.DataFrame:
    """Campaign ``Update`` rows with the new ``Daily Budget`` (``keep`` rows dropped)."""
    c = campaigns[campaigns["action"] != "keep"].reset_index(drop=True)
    df = _frame(len(c))
    df["Entity"] = "Campaign"
    df["Operation"] = "Update"
    df["Campaign Id"] = _col(c, "campaign_id").to_numpy()
    df["Campaign Name"] = c["campaign_name"].to_numpy()
    df["State"] = "enabled"
    df["Daily Budget"] = c["new_daily_budget"].astype("float64").round(2).to_numpy()
    return df


def pause_rows(paused: pd.DataFrame) -> pd.DataFrame:
    """``Product ad`` ``Update`` rows pausing the ads of out-of-stock SKUs (``paused``:
    ``campaign_name, ad_group_name, advertised_sku`` [+ ids])."""
    p = paused.reset_index(drop=True)
    df = _frame(len(p))
    df["Entity"] = "Product ad"
    df["Operation"] = "Update"
    df["Campaign Id"] = _col(p, "campaign_id").to_numpy()
    df["Ad Group Id"] = _col(p, "ad_group_id").to_numpy()
    df["Ad Id"] = _col(p, "ad_id").to_numpy()
    df["Campaign Name"] = p["campaign_name"].to_numpy()
    df["Ad Group Name"] = p["ad_group_name"].to_numpy()
    df["SKU"] = p["advertised_sku"].to_numpy()
    df["State"] = "paused"
    return df


def needs_ids(sheet: pd.DataFrame) -> pd.Series:
    """True where an ``Update`` row lacks the entity id Amazon needs to apply it, or a
    ``Create`` row lacks its campaign / ad group id."""
    ent = sheet["Entity"]
    upd = sheet["Operation"] == "Update"
    miss_c = sheet["Campaign Id"].isna()
    miss_g = sheet["Ad Group Id"].isna()
    need = pd.Series(False, index=sheet.index)
    need |= upd & (ent == "Campaign") & miss_c
    need |= upd & (ent == "Keyword") & sheet["Keyword Id"].isna()
    need |= upd & (ent == "Product targeting") & sheet["Product Targeting Id"].isna()
    need |= upd & (ent == "Product ad") & sheet["Ad Id"].isna()
    need |= (sheet["Operation"] == "Create") & (miss_c | miss_g)
    return need


def build(*parts: pd.DataFrame) -> pd.DataFrame:
    """Concatenate row blocks into one sheet with exactly :data:`COLUMNS`."""
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    vals = np.concatenate([p[COLUMNS].to_numpy(dtype=object) for p in parts])
    return pd.DataFrame(vals, columns=COLUMNS)


def write_bulksheet(sheet: pd.DataFrame, output_dir: str | Path | None, name: str
                    ) -> Path | None:
    """Write ``<name>.xlsx`` with one sheet ``Sponsored Products Campaigns`` in the bulk
    upload layout (Advertising console > Bulk operations > Upload). Nothing without
    ``output_dir``. Written by :func:`postship_analysis.spreadsheet.write_xlsx`: text cells
    are strings, never formulas, and a keyword or name starting with ``= + - @``, tab or CR
    (a shopper's search term can) gets a leading single quote; check such rows before
    uploading."""
    if not output_dir:
        return None
    return spreadsheet.write_xlsx({SHEET: sheet[COLUMNS]}, Path(output_dir) / f"{name}.xlsx")
