"""Distribution by hand (seed 004): many records at once, in one call and transaction.

- :func:`distribute`: the selected records to users and departments, each with its
  field-group levels (``POST /records/{object}/distribute``): every grant through
  ``access.grants.grant``, so who may distribute and up to which level is checked as
  for one record;
- :func:`recall`: bulk reclaim (回收) of the selected records' live grants, all or only
  those to the named grantees (``POST /records/{object}/recall``);
- :func:`tag`: add or remove values of a multi-valued field (tags) on the selected
  records (``POST /records/{object}/tags``) through ``records.update``, so access,
  versions, audit and events are those of single updates.

Any refusal refuses the whole call (the transaction rolls back), its culprit pointed at:
``/ids/3`` for a record, ``/to/1/grantee`` for a recipient.
"""

from __future__ import annotations

from typing import Any

from objectry.metadata.problems import ErrorItem, Invalid, Problem, pointer
from objectry.runtime.access import grants as record_grants_service
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.model.serialize import field_json
from objectry.runtime.records import write
from objectry.runtime.records.ownership import MAX_BULK, selected_ids

#: Recipients one distribute call names at most.
MAX_RECIPIENTS = 50
#: Values one tag call adds or removes at most.
MAX_TAGS = 50


def distribute(ctx: Context, object_name: str, body: Any) -> dict[str, Any]:
    """``{"ids" | "filter" (+ "view"), "to": [{"grantee", "field_groups",
    "expires_at"?}]}``: a grant per record and recipient."""
    expect_keys(body, {"ids", "filter", "view", "to"})
    recipients = body.get("to")
    if not isinstance(recipients, list) or not recipients \
            or len(recipients) > MAX_RECIPIENTS:
        raise Invalid([ErrorItem("/to", "distribute_recipients", {"max": MAX_RECIPIENTS})])
    targets = bulk_targets(ctx, object_name, body)
    items = []
    for at, record_id in targets:
        given = []
        for j, recipient in enumerate(recipients):
            if isinstance(recipient, dict) and "via" in recipient:
                raise Invalid([ErrorItem(pointer("to", j, "via"), "unknown_parameter",
                                         {"name": "via"})])
            try:
                given.append(record_grants_service.grant(
                    ctx, object_name, record_id, {**_as_dict(recipient), "via": "bulk"}))
            except Problem as exc:
                raise _pointed(exc, at, pointer("to", j)) from exc
        items.append({"id": str(record_id), "grants": [g["id"] for g in given]})
    return {"granted": sum(len(i["grants"]) for i in items), "items": items}


def recall(ctx: Context, object_name: str, body: Any) -> dict[str, Any]:
    """``{"ids" | "filter" (+ "view"), "grantees"?: ["user:EMAIL" | "department:NAME"]}``:
    revoke the records' live grants (those to ``grantees`` only, when named)."""
    expect_keys(body, {"ids", "filter", "view", "grantees"})
    wanted = body.get("grantees")
    if wanted is not None and (not isinstance(wanted, list) or not wanted
                               or not all(isinstance(g, str) for g in wanted)):
        raise Invalid([ErrorItem("/grantees", "recall_grantees")])
    targets = bulk_targets(ctx, object_name, body)
    items = []
    for at, record_id in targets:
        try:
            current = record_grants_service.list_grants(ctx, object_name, record_id)
            chosen = [g for g in current
                      if wanted is None or _grantee_name(g) in {w.lower() for w in wanted}]
            for found in chosen:
                record_grants_service.revoke(ctx, object_name, record_id, found["id"])
        except Problem as exc:
            raise _pointed(exc, at, "") from exc
        items.append({"id": str(record_id), "revoked": len(chosen)})
    return {"revoked": sum(i["revoked"] for i in items), "items": items}


def tag(ctx: Context, object_name: str, body: Any) -> dict[str, Any]:
    """``{"ids" | "filter" (+ "view"), "field", "add"?: [...], "remove"?: [...]}``: each
    record's values of the multi-valued ``field``, plus ``add``, minus ``remove``."""
    expect_keys(body, {"ids", "filter", "view", "field", "add", "remove"})
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    name = body.get("field")
    field = model.fields.get(name) if isinstance(name, str) else None
    if field is None or guard.unknowable(name) or not field.type.multi_valued:
        raise Invalid([ErrorItem("/field", "tag_field", {"field": str(name)[:63]})])
    add, remove = _values(body, "add"), _values(body, "remove")
    if not add and not remove:
        raise Invalid([ErrorItem("/add", "tag_values", {"max": MAX_TAGS})])
    targets = bulk_targets(ctx, object_name, body)
    items, changed = [], 0
    for at, record_id in targets:
        try:
            row, _ = guard.load(record_id)
            before = field_json(model, name, row[name]) or []
            after = [v for v in before if v not in remove]
            after += [v for v in add if v not in after and v not in remove]
            if after == before:
                items.append({"id": str(row["id"]), "changed": False,
                              "version": row["version"], name: before})
                continue
            written = write.update(ctx, object_name, row["id"], {name: after})
        except Problem as exc:
            raise _pointed(exc, at, "") from exc
        changed += 1
        items.append({"id": str(row["id"]), "changed": True,
                      "version": written["version"], name: written.get(name)})
    return {"changed": changed, "unchanged": len(items) - changed, "items": items}


def expect_keys(body: Any, allowed: set[str]) -> None:
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise Invalid([ErrorItem(pointer(k), "unknown_parameter", {"name": k})
                       for k in unknown])


def _values(body: dict[str, Any], key: str) -> list[Any]:
    found = body.get(key, [])
    if not isinstance(found, list) or len(found) > MAX_TAGS or not all(
            isinstance(v, str) and v for v in found):
        raise Invalid([ErrorItem(pointer(key), "tag_values", {"max": MAX_TAGS})])
    return list(dict.fromkeys(found))


def bulk_targets(ctx: Context, object_name: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
    """``(pointer, id)`` of the records named by ``ids``, or of a ``filter`` and
    ``view`` as a list reads them (at most ``MAX_BULK``)."""
    if ("ids" in body) == ("filter" in body or "view" in body):
        raise Invalid([ErrorItem("", "bulk_ids_or_filter")])
    if "ids" in body:
        ids = body["ids"]
        if not isinstance(ids, list) or not ids:
            raise Invalid([ErrorItem("/ids", "bulk_ids_list", {"max": MAX_BULK})])
        if len(ids) > MAX_BULK:
            raise Invalid([ErrorItem("/ids", "bulk_too_many", {"max": MAX_BULK})])
        return [(pointer("ids", i), v) for i, v in enumerate(ids)]
    guard = Guard(ctx, get_model(ctx, object_name))
    found = selected_ids(guard, body.get("filter"), body.get("view"), MAX_BULK + 1)
    if len(found) > MAX_BULK:
        raise Invalid([ErrorItem("/filter", "bulk_too_many", {"max": MAX_BULK})])
    return [("/filter", v) for v in found]


def _as_dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    return value


def _grantee_name(found: dict[str, Any]) -> str:
    """A grant's grantee as a recall names it: ``user:EMAIL`` or ``department:NAME``."""
    return str(found.get("grantee", "")).lower()


def _pointed(exc: Problem, record: str, recipient: str) -> Problem:
    """The refusal with its culprits under the recipient (its own pointers) and, when
    it is about the record itself, the record."""
    errors = [ErrorItem(recipient + e.path if recipient and e.path else record + e.path,
                        e.code, e.params) for e in exc.errors] or [
        ErrorItem(record, exc.detail_code, exc.params)]
    return type(exc)(errors, detail_code=exc.detail_code, status=exc.status,
                     extra=exc.extra, **exc.params)
