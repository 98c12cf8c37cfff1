"""The ``recompute`` command of roll-up fields: rebuild stored roll-ups from the
children, repairing any drift (``POST /rollups/recompute``; the upkeep itself runs in
the journal, ``runtime/query/rollup_sql.py``). Tenant administrators only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.problems import ErrorItem, Forbidden, Invalid
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.rollup_sql import recompute, rollups


def recompute_rollups(ctx: Context, body: Any) -> dict[str, Any]:
    """Rebuild every roll-up (or of ``object``, or its ``field``); what was rebuilt."""
    if not (ctx.actor.is_admin or ctx.actor.is_system):
        raise Forbidden(detail_code="admin_required")
    if not isinstance(body, Mapping):
        raise Invalid([ErrorItem("", "schema_type", {"expected": "object"})])
    unknown = sorted(set(body) - {"object", "field"})
    if unknown:
        raise Invalid([ErrorItem(f"/{unknown[0]}", "schema_unknown_property",
                                 {"property": unknown[0]})])
    object_name, field = body.get("object"), body.get("field")
    for key, value in (("object", object_name), ("field", field)):
        if value is not None and not isinstance(value, str):
            raise Invalid([ErrorItem(f"/{key}", "schema_type", {"expected": "string"})])
    if field is not None and object_name is None:
        raise Invalid([ErrorItem("/object", "schema_required", {"property": "object"})])
    if object_name is not None:
        get_model(ctx, object_name)  # 404 for an unknown object
    chosen = [r for r in rollups(ctx)
              if object_name in (None, r.parent) and field in (None, r.field)]
    if field is not None and not chosen:
        raise Invalid([ErrorItem("/field", "rollup_not_a_rollup", {"field": field})])
    done = [{"object": r.parent, "field": r.field, "records": recompute(ctx, r)}
            for r in chosen]
    return {"recomputed": done}
