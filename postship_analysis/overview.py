"""What is in the data: coverage by table and marketplace, daily volumes, rows after as-of.

Pure functions of canonical tables (see :mod:`postship_analysis.contract`); dates are
marketplace-local days.
"""

from __future__ import annotations

import pandas as pd

from . import contract

#: the column that dates each canonical table's rows (None: the table is not dated)
DATE_COLUMN: dict[str, str | None] = {
    "orders": "purchase_ts",
    "order_promises": "purchase_ts",
    "shipment_confirmations": "ship_ts",
    "delivery_events": "event_ts",
    "fba_shipments": "shipment_ts",
    "inventory_snapshots": "snapshot_date",
    "inventory_ledger": "event_date",
    "restock": None,
    "returns": "return_ts",
    "ads": "start_date",
    "sales_traffic": "report_date",
    "account_health": "window_to",
    "buyer_messages": "received_ts",
    "unit_costs": None,
    "stock_levels": None,
}


def local_days(df: pd.DataFrame, column: str) -> pd.Series:
    """Marketplace-local calendar day of a ``*_ts`` (UTC) or ``*_date`` (already local) column."""
    s = df[column]
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return contract.local_date(s, df["marketplace"])
    return s.dt.normalize()


def coverage(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Rows and date range per table and marketplace.

    Returns columns ``table, marketplace, rows, first_day, last_day, days_after_as_of_rows``
    where the last counts rows dated on or after ``as_of`` (they exist in the files but no
    metric as of that date may use them).

    Example
    -------
    >>> o = contract.conform(pd.DataFrame({"marketplace": ["US", "US"],
    ...     "purchase_ts": pd.to_datetime(["2026-01-01T20:00Z", "2026-01-03T09:00Z"])}), "orders")
    >>> coverage({"orders": o}, pd.Timestamp("2026-01-02"))[["rows", "rows_on_or_after_as_of"]].values.tolist()
    [[2, 1]]
    """
    rows = []
    for name, df in sorted(tables.items()):
        col = DATE_COLUMN.get(name)
        if df.empty:
            continue
        for mp, g in df.groupby("marketplace", dropna=False, sort=True):
            rec = {"table": name, "marketplace": mp, "rows": len(g), "first_day": pd.NaT,
                   "last_day": pd.NaT, "rows_on_or_after_as_of": 0}
            if col and g[col].notna().any():
                d = local_days(g, col)
                rec["first_day"], rec["last_day"] = d.min(), d.max()
                if as_of is not None:
                    rec["rows_on_or_after_as_of"] = int((d >= as_of).sum())
            rows.append(rec)
    return pd.DataFrame(rows, columns=["table", "marketplace", "rows", "first_day", "last_day",
                                       "rows_on_or_after_as_of"])


def orders_daily(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Orders and units per marketplace-local day, marketplace and fulfilment channel,
    for days before ``as_of``; cancelled orders are counted in ``orders`` but not ``units``.

    Returns columns ``day, marketplace, fulfillment_channel, orders, units``.
    """
    if orders.empty:
        return pd.DataFrame(columns=["day", "marketplace", "fulfillment_channel", "orders",
                                     "units"])
    day = local_days(orders, "purchase_ts")
    o = orders.assign(day=day)
    o = o[o["day"] < as_of]
    cancelled = o["order_status"].str.lower().str.startswith("cancel").fillna(False)
    o = o.assign(units_kept=o["quantity"].where(~cancelled, 0))
    g = o.groupby(["day", "marketplace", "fulfillment_channel"], dropna=False, sort=True)
    out = g.agg(orders=("order_id", "nunique"), units=("units_kept", "sum")).reset_index()
    out["units"] = out["units"].astype("Int64")
    return out
