"""Message templates: the seller's buyer-message templates as text, for the solicitation
checker (:mod:`postship_analysis.solicitation`). Not an Amazon report: a folder of ``.txt``
files, one template each (``DATA_DIR/<seller>/message-templates/`` by convention), UTF-8 or
Windows-1252."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import InputFileError, ParameterError


def _read_txt(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputFileError(path, "cannot decode the template", "UTF-8 or Windows-1252 text")


def load_templates(templates) -> dict[str, str]:
    """Templates as {name: text} from a list of strings (named ``template_1``...), a dict, a
    folder of ``.txt`` files (one template per file, named by file name) or one ``.txt`` file.
    """
    if isinstance(templates, Mapping):
        return {str(k): str(v) for k, v in templates.items()}
    if isinstance(templates, (str, Path)):
        p = Path(templates)
        if isinstance(templates, str) and not p.exists():
            raise ParameterError("a string is read as a folder or file path; pass a list "
                                 "[text] to check one template text")
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.suffix.lower() == ".txt" and f.is_file())
            if not files:
                raise InputFileError(p, "no .txt templates in this folder",
                                     "one .txt file per message template")
            return {f.name: _read_txt(f) for f in files}
        if not p.exists():
            raise InputFileError(p, "no such file or folder")
        return {p.name: _read_txt(p)}
    if isinstance(templates, Sequence):
        return {f"template_{i + 1}": str(t) for i, t in enumerate(templates)}
    raise ParameterError("templates must be a list of strings, a dict, or a folder path")
