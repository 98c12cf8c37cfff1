"""Properties a pack locks: a tenant's ordinary edit may not change them.

A pack's manifest marks properties ``locked`` per component (``/fields/status/type``,
list items named by ``api_name``, ``value`` or ``id`` as in the upgrade merge); the
install records them in the document's origin (``origin.locked``). An edit through
``PUT /meta/...`` that changes one (or removes it) is refused with a pointer into the
body; the pack's own upgrades change them freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.problems import Conflict, ErrorItem, pointer

KEYS = ("api_name", "value", "id")
_MISSING = object()


def _resolve(document: Any, path: str) -> tuple[Any, str]:
    """The value at a rule path and its JSON Pointer (indexes for list items); a part
    not there resolves to missing, its pointer the deepest part found."""
    node, found = document, ""
    for raw in path.strip("/").split("/") if path.strip("/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node, found = node[part], found + pointer(part)
        elif isinstance(node, list):
            index = next((i for i, item in enumerate(node) if isinstance(item, Mapping)
                          and any(item.get(k) == part for k in KEYS)), None)
            if index is None:
                return _MISSING, found
            node, found = node[index], found + pointer(index)
        else:
            return _MISSING, found
    return node, found


def check_locked(origin: Mapping[str, Any], before: Mapping[str, Any],
                 after: Mapping[str, Any], *, at: str = "") -> None:
    """Refuse (409) an edit of ``before`` into ``after`` that changes a locked property."""
    errors = []
    for path in origin.get("locked") or ():
        old, _ = _resolve(before, path)
        new, where = _resolve(after, path)
        if old is not _MISSING and old != new:
            if new is _MISSING:
                where = _resolve(after, path.rsplit("/", 1)[0])[1] if "/" in path.strip(
                    "/") else ""
            errors.append(ErrorItem(at + where, "pack_property_locked", {
                "property": path, "pack": str(origin.get("pack", ""))}))
    if errors:
        raise Conflict(errors, detail_code=errors[0].code, **errors[0].params)
