"""Reading metadata documents from files: one document, a list, or a directory of them.

Used by ``objectry meta apply`` and by pack installs. Errors name the file, so a
mistake in the 40th document of a pack points at the right place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from objectry.metadata.problems import BadRequest, ErrorItem


def load_documents(path: Path) -> list[dict[str, Any]]:
    """Documents of ``path``; a directory is read recursively in file-name order."""
    files = sorted(p for p in path.rglob("*.json") if p.is_file()) if path.is_dir() else [path]
    documents: list[dict[str, Any]] = []
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise BadRequest([ErrorItem("", "unreadable_file",
                                        {"file": str(file), "reason": str(exc)[:200]})],
                             detail_code="unreadable_file", file=str(file),
                             reason=str(exc)[:200]) from exc
        items = data if isinstance(data, list) else [data]
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise BadRequest([ErrorItem(f"/{i}", "expected_object", {"file": str(file)})],
                                 detail_code="unreadable_file", file=str(file),
                                 reason="expected a JSON object")
            documents.append(item)
    return documents
