"""Amazon Ads bulk-operations file (bulksheets 2.0, Sponsored Products) from the
recommendations of :mod:`postship_analysis.ads`: a file that changes only what it means to
change.

Sources (Amazon Ads API documentation, as crawled in idealerror/amazon-ads-api-docs @ 124fc9cf):

* "How to update Sponsored Products campaigns with bulksheets"
  (``en-us/bulksheets/2-0/update-sp-campaigns.md``): an update row needs Product, Entity,
  Operation and the entity's ids; "all other fields can be left either unchanged or blank"
  (its examples update a bid, a budget or a bidding strategy with every other cell blank).
  Two exceptions on **campaign** rows: "if an existing campaign is in a portfolio, you must
  include the Portfolio ID when you update the campaign. Otherwise, it will be removed from
  the portfolio", and a blank **End Date** "will override any previously set end dates".
  The ids are "different than the IDs in the advertising console": they come from a
  bulk-operations download.
* "Understand which fields can be updated" (``editable-non-editable-bulksheets-fields.md``):
  Bid, Daily Budget, Bidding Strategy ("Fixed bid", "Dynamic bids - down only", "Dynamic bids -
  up and down") and State are editable; keyword text, match type and targeting expressions are
  not (create a new entity instead).
* "Get started with bulksheets for Sponsored Products" (``get-started-with-sp-bulksheets.md``):
  column A Product ``Sponsored Products``; B Entity ``Campaign, Ad group, Product ad, Keyword,
  Negative keyword, Bidding adjustment, Campaign negative keyword, Product targeting, Negative
  product targeting``; C Operation ``Create, Update, Archive``. The 26 upload columns, in
  order, are :data:`COLUMNS`.

Rules this module keeps
-----------------------
* Every row has the ids Amazon needs (update: the entity's own id and its parents'; create: the
  campaign and ad group ids). A recommendation without them (no bulk download, or a campaign
  the download does not have) is **never** written to the upload file: it goes to the readable
  CSV (:func:`readable`) with the reason and the download that makes it uploadable.
* An update row carries the ids and the changed field only. ``State`` is written only where
  the recommendation is a state change (pausing the product ad of an out-of-stock SKU) and on
  create rows (``enabled``); so a paused keyword stays paused. Campaign rows carry the
  campaign's current Portfolio Id and End Date (blank would remove them, see above) and the
  new Daily Budget and / or Bidding Strategy.
* Bids start from the entity's real current bid (its ad group's default bid where it has
  none), budgets from the current daily budget (:func:`postship_analysis.ads.bid_recommendations`,
  :func:`~postship_analysis.ads.budget_recommendations`). Paused and archived entities (or
  entities of paused campaigns / ad groups) are left alone.
* Text a spreadsheet would run as a formula (a shopper's search term starting with ``=``,
  ``+``, ``-``, ``@``...) is not uploaded: the safe writer would prefix it with a quote, which
  would become part of the keyword. Such terms are listed in the readable CSV to add by hand.
* Negative keyword match type: ``negativeExact`` (the value in downloaded 2.0 files; the
  legacy example page shows "Negative Exact" - check against your own download before
  uploading).

Example
-------
>>> ch = bid_changes(pd.DataFrame({"seller_id": ["s"], "marketplace": ["US"],
...     "campaign_name": ["C"], "ad_group_name": ["G"], "targeting": ["kw"],
...     "match_type": ["EXACT"], "entity": ["Keyword"], "campaign_id": ["11"],
...     "ad_group_id": ["22"], "keyword_id": ["33"], "product_targeting_id": [pd.NA],
...     "current_bid": [0.5], "new_bid": [0.55], "action": ["raise"], "live": [True],
...     "evidence": ["..."]}))
>>> rows = upload_rows(ch)
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
#: where the download that makes recommendations uploadable comes from
DOWNLOAD_HINT = ("a bulk-operations download (advertising.amazon.com > Bulk operations > "
                 "Create & download a custom spreadsheet, with Sponsored Products data) in the "
                 "marketplace's folder")

#: columns of a change (one recommendation, uploadable or not)
CHANGE_COLUMNS = ["seller_id", "marketplace", "change", "campaign_name", "ad_group_name",
                  "target", "match_type", "current_value", "new_value", "action", "evidence",
                  "uploadable", "reason", "entity", "operation", "campaign_id", "ad_group_id",
                  "portfolio_id", "end_date", "ad_id", "keyword_id", "product_targeting_id",
                  "daily_budget", "bidding_strategy", "bid", "keyword_text",
                  "upload_match_type", "expression", "state"]


def _s(df, name, default=pd.NA) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([default] * len(df), index=df.index, dtype=object)


def _reason(*conds) -> pd.Series:
    """The first reason whose condition holds, row by row ("" when none does)."""
    n = len(conds[0][0]) if conds else 0
    out = np.array([""] * n, dtype=object)
    for mask, why in reversed(conds):
        m = np.asarray(pd.Series(mask).fillna(False), dtype=bool)
        w = np.asarray(why if not np.isscalar(why) else [why] * n, dtype=object)
        out = np.where(m, w, out)
    return pd.Series(out)


def _changes(base: pd.DataFrame, **cols) -> pd.DataFrame:
    n = len(base)
    out = pd.DataFrame({c: pd.Series([pd.NA] * n, dtype=object) for c in CHANGE_COLUMNS})
    for c in ("seller_id", "marketplace", "campaign_name", "ad_group_name"):
        if c in base.columns:
            out[c] = base[c].to_numpy()
    for k, v in cols.items():
        out[k] = v.to_numpy() if isinstance(v, pd.Series) else v
    out["uploadable"] = out["reason"].fillna("").astype(str) == ""
    return out


def _no_download(what: str) -> str:
    return f"{what}; needs {DOWNLOAD_HINT}"


def bid_changes(bids: pd.DataFrame) -> pd.DataFrame:
    """Changes for the targets whose bid should move (:func:`~postship_analysis.ads.
    bid_recommendations` actions ``raise``, ``lower``; and, without a current bid, ``lower`` /
    ``review`` with the target bid as suggestion). Uploadable: a keyword or product target of
    the bulk download that is serving, with a new bid from its current bid."""
    b = bids[bids["action"].isin(["raise", "lower", "review"])].reset_index(drop=True)
    ent = _s(b, "entity")
    kw = ((ent.astype("string") == "Keyword") | (ent.isna() & _s(b, "match_type").notna())
          ).fillna(False).astype(bool)
    eid = _s(b, "keyword_id").where(kw, _s(b, "product_targeting_id"))
    matched = ent.notna() & eid.notna()
    reason = _reason(
        (~matched & _s(b, "entity").isna() & _s(b, "current_bid").isna(),
         _no_download("no entity id or current bid")),
        (~matched, "not in the bulk download (renamed, archived or newer than the download)"),
        (~_s(b, "live", False).astype("boolean").fillna(False),
         "paused or archived (target, ad group or campaign): left as it is"),
        (_s(b, "new_bid").isna(), "no new bid"))
    return _changes(
        b, change="bid", target=_s(b, "targeting"), match_type=_s(b, "match_type"),
        current_value=_s(b, "current_bid"),
        new_value=_s(b, "new_bid").where(_s(b, "new_bid").notna(), _s(b, "suggested_bid")),
        action=b["action"], evidence=_s(b, "evidence"), reason=reason,
        entity=np.where(kw, "Keyword", "Product targeting"), operation="Update",
        campaign_id=_s(b, "campaign_id"), ad_group_id=_s(b, "ad_group_id"),
        keyword_id=_s(b, "keyword_id").where(kw), product_targeting_id=_s(
            b, "product_targeting_id").where(~kw), bid=_s(b, "new_bid"))


def campaign_changes(budgets: pd.DataFrame | None = None,
                     strategies: pd.DataFrame | None = None) -> pd.DataFrame:
    """One change per campaign whose daily budget moves (:func:`~postship_analysis.ads.
    budget_recommendations` ``increase`` / ``decrease``) and / or whose bidding strategy should
    become "Dynamic bids - down only" (:func:`~postship_analysis.ads.strategy_recommendations`).
    Uploadable with the campaign's id from a bulk download, carrying its current portfolio id
    and end date."""
    keys = ["seller_id", "marketplace", "campaign_name"]
    parts = []
    if budgets is not None and len(budgets):
        b = budgets[budgets["action"].isin(["increase", "decrease"])]
        parts.append(b.assign(_budget=True))
    if strategies is not None and len(strategies):
        s = strategies[strategies["recommend"].astype(bool)]
        parts.append(s.assign(_strategy=True))
    if not parts:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    c = pd.concat(parts, ignore_index=True)
    for col in ("_budget", "_strategy"):
        if col not in c.columns:
            c[col] = False
        c[col] = c[col].astype("boolean").fillna(False)
    agg = {col: "first" for col in c.columns if col not in keys}
    agg.update({"_budget": "max", "_strategy": "max"})
    if "evidence" in c.columns:
        agg["evidence"] = lambda s: "; ".join(str(x) for x in s.dropna())
    c = c.groupby(keys, dropna=False).agg(agg).reset_index()
    has_budget = c["_budget"].astype(bool)
    has_strat = c["_strategy"].astype(bool)
    what = np.where(has_budget & has_strat, "budget and bidding strategy",
                    np.where(has_budget, "budget", "bidding strategy"))
    new_budget = _s(c, "new_daily_budget").where(has_budget)
    new_strat = _s(c, "new_bidding_strategy").where(has_strat)
    from_bulk = _s(c, "settings_source").astype("string") == "bulk download"
    state = _s(c, "campaign_state").astype("string").str.lower()
    reason = _reason(
        (_s(c, "campaign_id").isna() & ~from_bulk,
         _no_download("no campaign id")),
        (_s(c, "campaign_id").isna(), "not in the bulk download"),
        (state.notna() & (state != "enabled"), "campaign paused or archived: left as it is"),
        (has_budget & new_budget.isna(), "current budget unknown"))
    cur = np.where(has_budget, _s(c, "current_budget").astype(object), None)
    cur = np.where(has_strat & ~has_budget, _s(c, "bidding_strategy").astype(object), cur)
    factor = pd.to_numeric(_s(c, "factor"), errors="coerce")
    rel = ("x" + factor.round(2).astype(str) + " of the current budget").where(factor.notna())
    new = np.where(has_budget, new_budget.astype(object).where(new_budget.notna(), rel),
                   new_strat.astype(object))
    return _changes(
        c, change=what, current_value=pd.Series(cur), new_value=pd.Series(new),
        action=np.where(has_budget, _s(c, "action").astype(object), "down only"),
        evidence=_s(c, "evidence"), reason=reason, entity="Campaign", operation="Update",
        campaign_id=_s(c, "campaign_id"), portfolio_id=_s(c, "portfolio_id"),
        end_date=_s(c, "end_date"), daily_budget=new_budget, bidding_strategy=new_strat)


def _ad_group_ids(entities: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["seller_id", "marketplace", "campaign_name", "ad_group_name", "campaign_id",
            "ad_group_id", "ag_live"]
    if entities is None or entities.empty:
        return pd.DataFrame(columns=cols)
    g = entities[entities["entity"] == "Ad group"].copy()
    st = g["state"].astype("string").str.lower()
    cst = g["campaign_state"].astype("string").str.lower()
    g["ag_live"] = (st == "enabled").fillna(False) & ((cst == "enabled") | cst.isna())
    return g[cols].drop_duplicates(cols[:4])


def _existing(entities, entity, text_col) -> set:
    if entities is None or entities.empty:
        return set()
    e = entities[entities["entity"] == entity]
    return set(zip(e["seller_id"], e["marketplace"], e["campaign_name"], e["ad_group_name"],
                   e[text_col].astype("string").str.strip().str.lower(), strict=True))


def negative_changes(negs: pd.DataFrame, entities: pd.DataFrame | None = None
                     ) -> pd.DataFrame:
    """Create rows for negative exact keywords / negative product targets in the term's ad
    group (:func:`~postship_analysis.ads.negative_keyword_candidates`)."""
    n = negs.reset_index(drop=True)
    if n.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    ids = _ad_group_ids(entities)
    n = n.merge(ids, on=["seller_id", "marketplace", "campaign_name", "ad_group_name"],
                how="left", suffixes=("_rep", ""))
    asin = n["negative_type"] == "negative_product_target"
    term = n["search_term"].astype("string").str.strip()
    expr = 'asin="' + term.str.upper() + '"'
    existing = (_existing(entities, "Negative keyword", "keyword_text")
                | _existing(entities, "Negative product targeting",
                            "product_targeting_expression"))
    key_text = np.where(asin, expr.str.lower(), term.str.lower())
    already = pd.Series([(a, b, c, d, t) in existing for a, b, c, d, t in zip(
        n["seller_id"], n["marketplace"], n["campaign_name"], n["ad_group_name"], key_text,
        strict=True)])
    reason = _reason(
        (term.map(spreadsheet.is_dangerous).astype(bool),
         "starts with = + - @: add it by hand in the console"),
        (n["ad_group_id"].isna() & (entities is None or len(entities) == 0),
         _no_download("no campaign / ad group id")),
        (n["ad_group_id"].isna(), "ad group not in the bulk download"),
        (~n["ag_live"].astype("boolean").fillna(False),
         "ad group or campaign paused or archived"),
        (already, "already a negative in this ad group"))
    return _changes(
        n, change=np.where(asin, "negative product target", "negative keyword"),
        target=term, match_type=np.where(asin, pd.NA, "negative exact"),
        new_value=np.where(asin, expr, term), action="add", evidence=_s(n, "evidence"),
        reason=reason,
        entity=np.where(asin, "Negative product targeting", "Negative keyword"),
        operation="Create", campaign_id=n["campaign_id"], ad_group_id=n["ad_group_id"],
        keyword_text=term.where(~asin), upload_match_type=np.where(asin, pd.NA, "negativeExact"),
        expression=expr.where(asin), state="enabled")


def harvest_changes(harvest: pd.DataFrame, entities: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """Create rows for harvested exact keywords in their destination ad group
    (:func:`~postship_analysis.ads.harvest_candidates`), at the suggested bid."""
    h = harvest.reset_index(drop=True)
    if h.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    ids = _ad_group_ids(entities).rename(columns={"campaign_name": "destination_campaign",
                                                  "ad_group_name": "destination_ad_group"})
    h = h.merge(ids, on=["seller_id", "marketplace", "destination_campaign",
                         "destination_ad_group"], how="left", suffixes=("_rep", ""))
    term = h["search_term"].astype("string").str.strip()
    existing = _existing(entities, "Keyword", "keyword_text")
    already = pd.Series([(a, b, c, d, t) in existing for a, b, c, d, t in zip(
        h["seller_id"], h["marketplace"], h["destination_campaign"], h["destination_ad_group"],
        term.str.lower(), strict=True)])
    reason = _reason(
        (term.map(spreadsheet.is_dangerous).astype(bool),
         "starts with = + - @: add it by hand in the console"),
        (h["destination_ad_group"].isna(), "no exact-match ad group advertises these SKUs: "
         "create one"),
        (h["ad_group_id"].isna() & (entities is None or len(entities) == 0),
         _no_download("no campaign / ad group id")),
        (h["ad_group_id"].isna(), "destination ad group not in the bulk download"),
        (~h["ag_live"].astype("boolean").fillna(False),
         "destination ad group or campaign paused or archived"),
        (already, "already a keyword there"))
    out = _changes(
        h.drop(columns=["campaign_name", "ad_group_name"]).rename(
            columns={"destination_campaign": "campaign_name",
                     "destination_ad_group": "ad_group_name"}),
        change="exact keyword", target=term, match_type="exact",
        new_value=h["suggested_bid"], action="add", evidence=h["evidence"], reason=reason,
        entity="Keyword", operation="Create", campaign_id=h["campaign_id"],
        ad_group_id=h["ad_group_id"], keyword_text=term, upload_match_type="exact",
        bid=h["suggested_bid"], state="enabled")
    return out


def pause_changes(paused: pd.DataFrame) -> pd.DataFrame:
    """Update rows pausing the running product ads of out-of-stock SKUs
    (:func:`~postship_analysis.ads.pause_candidates`)."""
    p = paused.reset_index(drop=True)
    if p.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    reason = _reason((_s(p, "ad_id").isna(), _no_download("no ad id")))
    return _changes(p, change="pause product ad", target=_s(p, "advertised_sku"),
                    current_value="enabled", new_value="paused", action="pause",
                    evidence="out of stock", reason=reason, entity="Product ad",
                    operation="Update", campaign_id=_s(p, "campaign_id"),
                    ad_group_id=_s(p, "ad_group_id"), ad_id=_s(p, "ad_id"), state="paused")


def _yyyymmdd(s: pd.Series) -> pd.Series:
    d = pd.to_datetime(s, errors="coerce")
    return d.dt.strftime("%Y%m%d").where(d.notna(), None)


def upload_rows(*changes: pd.DataFrame) -> pd.DataFrame:
    """The bulk upload sheet: one row per uploadable change, exactly :data:`COLUMNS`, ids and
    the changed fields filled, everything else blank (see the module docstring)."""
    parts = [c[c["uploadable"].astype(bool)] for c in changes if c is not None and len(c)]
    if not parts or not sum(len(p) for p in parts):
        return pd.DataFrame(columns=COLUMNS)
    c = pd.concat(parts, ignore_index=True)
    n = len(c)
    df = pd.DataFrame({col: pd.Series([None] * n, dtype=object) for col in COLUMNS})
    df["Product"] = PRODUCT
    camp = (c["entity"] == "Campaign").to_numpy()

    def put(col, values, where=None):
        v = pd.Series(values).reset_index(drop=True).astype(object)
        v = v.where(v.notna(), None)
        if where is not None:
            v = v.where(pd.Series(where), None)
        df[col] = v.to_numpy()

    put("Entity", c["entity"])
    put("Operation", c["operation"])
    put("Campaign Id", c["campaign_id"])
    put("Ad Group Id", c["ad_group_id"])
    put("Portfolio Id", c["portfolio_id"], camp)
    put("Ad Id", c["ad_id"])
    put("Keyword Id", c["keyword_id"])
    put("Product Targeting Id", c["product_targeting_id"])
    put("End Date", _yyyymmdd(c["end_date"]), camp)
    put("State", c["state"])
    put("Daily Budget", pd.to_numeric(c["daily_budget"], errors="coerce"))
    put("Bid", pd.to_numeric(c["bid"], errors="coerce"))
    put("Keyword Text", c["keyword_text"])
    put("Match Type", c["upload_match_type"])
    put("Bidding Strategy", c["bidding_strategy"])
    put("Product Targeting Expression", c["expression"])
    return df[COLUMNS]


def readable(*changes: pd.DataFrame) -> pd.DataFrame:
    """Every recommendation, uploadable or not, for people: what changes, from what to what,
    why, and whether it is in the upload file (else the reason)."""
    parts = [c for c in changes if c is not None and len(c)]
    if not parts:
        return pd.DataFrame(columns=CHANGE_COLUMNS[:13])
    c = pd.concat(parts, ignore_index=True)
    return c[CHANGE_COLUMNS[:13]].sort_values(
        ["seller_id", "marketplace", "uploadable", "change", "campaign_name"],
        ascending=[True, True, False, True, True], ignore_index=True)


def write_bulksheet(sheet: pd.DataFrame, output_dir: str | Path | None, name: str
                    ) -> Path | None:
    """Write ``<name>.xlsx`` with one sheet ``Sponsored Products Campaigns`` in the bulk
    upload layout (Advertising console > Bulk operations > Upload). Nothing without
    ``output_dir`` or without rows. Written by :func:`postship_analysis.spreadsheet.write_xlsx`:
    text cells are strings, never formulas (and no text that would need neutralising reaches
    this sheet, see the module docstring)."""
    if not output_dir or sheet is None or not len(sheet):
        return None
    return spreadsheet.write_xlsx({SHEET: sheet[COLUMNS]}, Path(output_dir) / f"{name}.xlsx")
