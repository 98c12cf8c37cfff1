"""Which layer each property of a stored document comes from: the pack that shipped it
or the tenant's own change (``GET /meta/objects/lead?layers=true``).

A pack document's stored baseline is what the pack shipped; a property equal to it is
the pack's, any other is the tenant's (a changed label, an added picklist option). A
document the tenant created is the tenant's throughout.
"""

from __future__ import annotations

from typing import Any

from objectry.metadata import store
from objectry.packs.merge import iter_leaves


def layers(stored: store.StoredDocument) -> dict[str, Any]:
    """The document with its origin and, per property path, ``pack`` or ``tenant``."""
    from_pack = stored.origin.get("source") == "pack" and stored.baseline is not None
    shipped = dict(iter_leaves(dict(stored.baseline))) if from_pack and stored.baseline \
        else {}
    properties = {}
    for path, value in iter_leaves(dict(stored.document)):
        same = from_pack and path in shipped and shipped[path] == value
        properties[path] = "pack" if same else "tenant"
    overridden = sorted(p for p in shipped if p not in properties) if from_pack else []
    return {"document": dict(stored.document), "origin": dict(stored.origin),
            "layers": properties, "removed_by_tenant": overridden}
