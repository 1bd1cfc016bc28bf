"""Readers: one per report, each returning a :class:`~.core.ReadResult` of a canonical table.

Importing this package registers every report layout, so :func:`detect_file` and the
data-folder loader know them all.
"""

from . import (  # noqa: F401  (importing registers the specs and reader functions)
    ads,
    bulk,
    business,
    costs,
    defects,
    inventory,
    messages,
    orders,
    performance,
    restock,
    returns,
    shipments,
)
from .core import READERS, REGISTRY, ReadResult, ReportSpec, combine, read_report
from .detect import detect_file
from .orders import read_all_orders, read_order_promises, read_sale_report

__all__ = ["READERS", "REGISTRY", "ReadResult", "ReportSpec", "combine", "read_report",
           "detect_file", "read_all_orders", "read_order_promises", "read_sale_report"]
