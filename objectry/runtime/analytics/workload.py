"""Time logs and labour rates: built-in objects a tenant enables (there is no core
pack to ship them in), so that logged workload is costed and rolled up like any other
field (issue 17, S4).

``time_log``: hours a person (and their role) logged on a day against a record; one
lookup per object named when enabling (``against``: task, lead, campaign...), kept
when that record is deleted, so nothing logged is lost. ``labour_rate``: an hourly
rate for a person or a role from a day on; a log is costed at the rate valid on its
day (the person's, else their role's). A campaign's workload cost is then a roll-up
(``op: sum, field: hours, rate: ...``: see :func:`workload_cost`), beside expenses, and
ROI a formula: packs configure it, no code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata import store
from objectry.metadata.problems import ErrorItem, Forbidden, Invalid
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

MAX_AGAINST = 10


def _label(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh-CN": zh}


def labour_rate() -> dict[str, Any]:
    return {"kind": "object", "api_name": "labour_rate", "label": _label("Labour rate", "人工费率"),
            "name_field": "person", "fields": [
                {"api_name": "person", "type": "text", "label": _label("Person", "人员"),
                 "indexed": True},
                {"api_name": "role", "type": "text", "label": _label("Role", "角色"),
                 "indexed": True},
                {"api_name": "valid_from", "type": "date", "required": True,
                 "label": _label("Valid from", "生效日期")},
                {"api_name": "hourly_rate", "type": "currency", "required": True,
                 "label": _label("Hourly rate", "小时费率"), "min": 0}]}


def time_log(against: list[str]) -> dict[str, Any]:
    lookups = [{"api_name": name, "type": "lookup", "target": name,
                "on_target_delete": "keep", "label": _label(name, name)} for name in against]
    return {"kind": "object", "api_name": "time_log", "label": _label("Time log", "工时记录"),
            "name_field": "person", "fields": [
                {"api_name": "person", "type": "text", "required": True,
                 "label": _label("Person", "人员")},
                {"api_name": "role", "type": "text", "label": _label("Role", "角色")},
                {"api_name": "logged_on", "type": "date", "required": True,
                 "label": _label("Day", "日期")},
                {"api_name": "hours", "type": "decimal", "required": True, "min": 0,
                 "max": 24, "label": _label("Hours", "工时")},
                {"api_name": "note", "type": "text", "label": _label("Note", "备注")},
                *lookups]}


def workload_cost(via: list[str]) -> dict[str, Any]:
    """The roll-up options costing time logs reaching a record through ``via``."""
    return {"type": "rollup", "object": "time_log", "via": via, "op": "sum",
            "field": "hours", "rate": {
                "object": "labour_rate", "value": "hourly_rate", "valid_from": "valid_from",
                "date": "logged_on", "match": [{"person": "person"}, {"role": "role"}]}}


def enable_workload(ctx: Context, body: Any) -> dict[str, Any]:
    """Create (or extend) ``time_log`` and ``labour_rate`` for the tenant; ``against``:
    the objects time may be logged against."""
    if not (ctx.actor.is_admin or ctx.actor.is_system):
        raise Forbidden(detail_code="admin_required")
    if not isinstance(body, Mapping) or set(body) - {"against"}:
        raise Invalid([ErrorItem("", "schema_unknown_property", {"property": ", ".join(
            sorted(set(body) - {"against"})) if isinstance(body, Mapping) else ""})])
    against = body.get("against", [])
    if not isinstance(against, list) or len(against) > MAX_AGAINST or not all(
            isinstance(a, str) for a in against):
        raise Invalid([ErrorItem("/against", "schema_type", {"expected": "array of names"})])
    missing = [ErrorItem(f"/against/{i}", "unknown_lookup_target", {"target": name})
               for i, name in enumerate(against)
               if store.document(ctx.conn, ctx.tenant.id, "object", name) is None]
    if missing:
        raise Invalid(missing)
    documents = [labour_rate(), time_log(list(dict.fromkeys(against)))]
    answer = metadata_service.apply_documents(ctx, documents, summary="workload enabled",
                                              nested=False)
    return {"applied": answer["applied"], "version": answer["version"],
            "objects": ["labour_rate", "time_log"]}
