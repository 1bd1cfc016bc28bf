"""Readers: one per report, each returning a :class:`~.core.ReadResult` of a canonical table."""

from . import orders  # noqa: F401  (registers specs)
from .core import REGISTRY, ReadResult, ReportSpec, combine, read_report
from .detect import detect_file
from .orders import read_all_orders, read_order_promises, read_sale_report

__all__ = ["REGISTRY", "ReadResult", "ReportSpec", "combine", "read_report", "detect_file",
           "read_all_orders", "read_order_promises", "read_sale_report"]
