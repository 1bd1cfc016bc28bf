"""Recognise a report's type from its header, so users never rename their downloads."""

from __future__ import annotations

from pathlib import Path

from .core import REGISTRY, ReportSpec, _decode_head, find_header, match_columns


def _score(names, spec: ReportSpec) -> tuple[float, int]:
    matched = match_columns(names, spec)
    req = spec.required
    if any(f.name not in matched for f in req):
        return (0.0, 0)
    # share of the spec's fields present, then number matched
    return (len(matched) / len(spec.fields), len(matched))


def detect_from_header(names: list[str]) -> ReportSpec | None:
    """The registered text spec whose required columns are all present and that matches best."""
    best, best_score = None, (0.0, 0)
    for spec in REGISTRY.values():
        if spec.report_type.endswith("_json"):
            continue
        sc = _score(names, spec)
        if sc > best_score:
            best, best_score = spec, sc
    return best


def detect_json(obj) -> str | None:
    """Report type of a parsed JSON report, from its top-level keys."""
    if isinstance(obj, dict):
        keys = set(obj)
        if "performanceMetrics" in keys or "accountStatuses" in keys:
            return "seller_performance_json"
        if "salesAndTrafficByDate" in keys or "salesAndTrafficByAsin" in keys:
            return "sales_traffic_json"
        for k in ("records", "rows", "data"):
            if isinstance(obj.get(k), list):
                return detect_json(obj[k])
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        keys = set(obj[0])
        if "searchTerm" in keys:
            return "ads_api_search_term"
        if "advertisedSku" in keys or "advertisedAsin" in keys:
            return "ads_api_advertised_product"
        if "keyword" in keys or "targeting" in keys or "keywordId" in keys:
            return "ads_api_targeting"
        if "campaignName" in keys or "campaignId" in keys:
            return "ads_api_campaigns"
    return None


#: Ads API v3 reportTypeId -> our report type, for a report with no rows (an empty JSON list)
_ADS_REPORT_IDS = {"spcampaigns": "ads_api_campaigns",
                   "spadvertisedproduct": "ads_api_advertised_product",
                   "spsearchterm": "ads_api_search_term", "sptargeting": "ads_api_targeting"}


def _empty_ads_report(name: str) -> str | None:
    """An Ads API v3 report with no rows is ``[]``: nothing in it says which report it is, so
    the file name does (``spCampaigns 2026-11-01..2026-11-30.json.gz``, as ``postship fetch``
    names them); a period without advertising then reads as zero rows, not as an unknown
    file."""
    first = name.split(" ")[0].split(".")[0].split("-")[0].lower()
    return _ADS_REPORT_IDS.get(first)


def detect_file(path: str | Path) -> ReportSpec | None:
    """Report spec for a file on disk, or ``None`` if it is no report we know.

    Text files are matched on the header (any of the first 10 lines, any delimiter);
    workbooks on their first sheets; JSON (also gzipped, as the Ads API delivers it) on keys.
    """
    path = Path(path)
    from .core import load_json

    suffix = "".join(path.suffixes).lower()
    if suffix.endswith(".json") or suffix.endswith(".json.gz"):
        try:
            obj = load_json(path)
        except Exception:
            return None
        rt = detect_json(obj)
        if rt is None and obj == []:
            rt = _empty_ads_report(path.name)
        return REGISTRY.get(rt) if rt else None
    try:
        raw, enc, lines = _decode_head(path)
    except Exception:
        return None
    if enc == "zip":
        import warnings

        import pandas as pd
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sheets = pd.read_excel(path, sheet_name=None, header=None, nrows=10, dtype=str)
        except Exception:
            return None
        # each sheet on its own (a bulk-operations download has several: the report is the
        # best match over all of them)
        blocks = [["\t".join("" if v is None or v != v else str(v) for v in row)
                   for row in df.itertuples(index=False)] for df in sheets.values()]
    else:
        blocks = [lines]
    best, best_score = None, (0.0, 0)
    for lines in blocks:
        for spec in REGISTRY.values():
            if spec.report_type.endswith("_json") or spec.report_type.startswith("ads_api_"):
                continue
            hdr = find_header(lines, spec)
            if hdr is None:
                continue
            sc = _score(hdr.names, spec)
            if sc > best_score:
                best, best_score = spec, sc
    return best


__all__ = ["detect_file", "detect_from_header", "detect_json"]
