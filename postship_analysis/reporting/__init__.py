"""Reporting layer: running notebooks with papermill, rendering HTML, the command line."""

import sys as _sys

# jsonschema (imported by nbformat, hence by papermill, jupytext and nbconvert) imports the
# optional IRI checker rfc3987_syntax when it is installed (jupyter-events asks for it), and that
# compiles a grammar at import: about 2 s of CPU in every process of a run that touches a
# notebook (the command, each worker). No notebook schema uses the "iri" formats, so the
# reporting layer does without it (bench_report.py measures the cost).
_sys.modules.setdefault("rfc3987_syntax", None)
