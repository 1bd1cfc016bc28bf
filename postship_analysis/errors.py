"""One exception family for the whole package.

Whole-file problems raise a subclass of :class:`InputFileError`, whose message always names
the file, the problem and what was expected. Row-level problems never raise: they are
quarantined by the readers (see :mod:`postship_analysis.readers.core`).
"""

from __future__ import annotations

from pathlib import Path


class PostshipError(Exception):
    """Base class of every error raised on purpose by postship_analysis."""


class InputFileError(PostshipError):
    """A whole input file cannot be used.

    Parameters
    ----------
    path : str or Path
        The file.
    problem : str
        What is wrong, in the user's words ("the file is empty").
    expected : str, optional
        What the reader expected instead ("a tab-delimited All Orders report with ...").
    """

    def __init__(self, path: str | Path, problem: str, expected: str | None = None):
        self.path = str(path)
        self.problem = problem
        self.expected = expected
        msg = f"{self.path}: {problem}"
        if expected:
            msg += f". Expected: {expected}"
        super().__init__(msg)


class EmptyFileError(InputFileError):
    """The file has zero bytes, only whitespace, or a header without data rows."""


class UnreadableFileError(InputFileError):
    """The file cannot be decoded or parsed at all (binary, unknown encoding, bad JSON...)."""


class MissingColumnsError(InputFileError):
    """Required columns are missing from the header."""

    def __init__(self, path, missing, found, report_type):
        self.missing = list(missing)
        self.found = list(found)
        self.report_type = report_type
        super().__init__(
            path,
            f"missing required column(s) {', '.join(repr(m) for m in self.missing)} "
            f"for report type {report_type!r}; header has {len(self.found)} column(s): "
            f"{', '.join(repr(f) for f in self.found[:12])}{' ...' if len(self.found) > 12 else ''}",
            "the header as Amazon exports it (columns are matched by name, in any order)",
        )


class WrongReportError(InputFileError):
    """The file is a different report from the one the reader was asked to read."""


class ParameterError(PostshipError, ValueError):
    """A report or function parameter has an unknown name, a wrong type or an impossible value."""
