"""Shared test fixtures.

Real-data tests read ``../shared/realdata`` next to the repository and skip cleanly where it
is absent (a user's fresh clone does not have it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
SAMPLE = ROOT / "data" / "sample"
SAMPLE_TRUTH = ROOT / "data" / "sample_truth"


def realdata(*parts: str) -> Path:
    """Path inside ../shared/realdata, or skip the test with the reason."""
    p = REALDATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data not available: {p} (the ../shared/realdata folder is absent)")
    return p


@pytest.fixture
def write(tmp_path):
    """write(name, text_or_bytes, encoding='utf-8') -> Path of a file in tmp_path."""

    def _write(name: str, content, encoding: str = "utf-8") -> Path:
        p = tmp_path / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_bytes(content.encode(encoding))
        return p

    return _write
