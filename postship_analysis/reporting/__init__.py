"""Reporting layer: running notebooks with papermill, rendering HTML, the command line."""
