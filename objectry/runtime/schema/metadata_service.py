"""Applying metadata: validate, plan, preview or apply in one transaction, version.

Used by the HTTP API, the CLI (``objectry meta apply``) and later by pack installs, so
every path to a metadata change validates, plans and versions the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import simplejson
import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import users
from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.problems import (
    Conflict,
    ErrorItem,
    Invalid,
    NotFound,
    pointer,
)
from objectry.metadata.validation.access import (
    validate_access_policy,
    validate_department,
    validate_role,
)
from objectry.metadata.validation.assignment import validate_assignment_rule
from objectry.metadata.validation.conversion import validate_conversion_map
from objectry.metadata.validation.dashboards import validate_dashboard
from objectry.metadata.validation.duplicates import validate_duplicate_rule
from objectry.metadata.validation.list_views import validate_list_view
from objectry.metadata.validation.objects import schema_errors, validate_layout, validate_object
from objectry.metadata.validation.pools import validate_pool
from objectry.metadata.validation.scoring import validate_scoring_model
from objectry.metadata.validation.webforms import validate_web_form
from objectry.metadata.validation.workflows import validate_workflow
from objectry.runtime.functions import definitions as function_definitions
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import build_table, field_indexes, get_model
from objectry.runtime.model.hidden_fields import hidden_fields
from objectry.runtime.query.rollup_sql import refill_changed
from objectry.runtime.records import journal
from objectry.runtime.records.journal_tables import sequences
from objectry.runtime.schema import sync as schema_sync
from objectry.runtime.schema.locks import check_locked
from objectry.runtime.schema.planner import ObjectPlan, Step, plan_object

#: Document kinds in the order a batch applies them (objects before what refers to them).
KINDS = ("object", "layout", "department", "role", "access_policy", "function_settings",
         "function", "scoring_model", "pool", "assignment_rule", "workflow", "list_view",
         "duplicate_rule", "conversion_map", "web_form", "dashboard", "message_settings")
Conversions = Mapping[str, Mapping[str, str]]  # object -> field -> policy
#: (kind, api_name) -> (origin, baseline) of documents a pack brings
Layers = Mapping[tuple[str, str], tuple[Mapping[str, Any], Mapping[str, Any] | None]]


def list_documents(ctx: Context, kind: str) -> list[dict[str, Any]]:
    """Summaries of the tenant's documents of ``kind``, with origin and version."""
    _check_kind(kind)
    result = []
    for name, stored in sorted(store.documents(ctx.conn, ctx.tenant.id, kind).items()):
        item = {"api_name": name, "label": stored.document.get("label"),
                "version": stored.version, "origin": stored.origin,
                "customized": stored.customized}
        if kind == "object":
            item["hidden_fields"] = sorted(get_model(ctx, name).hidden)
        result.append(item)
    return result


def get_document(ctx: Context, kind: str, api_name: str) -> dict[str, Any]:
    _check_kind(kind)
    stored = store.document(ctx.conn, ctx.tenant.id, kind, api_name)
    if stored is None:
        raise NotFound(detail_code="unknown_document", kind=kind, api_name=api_name)
    return dict(stored.document)


def delete_document(ctx: Context, kind: str, api_name: str) -> dict[str, Any]:
    """Remove a layout, role, department or access policy, as a new metadata version.

    Objects are not deleted this way (their data would go with them). A role still held
    by users, or a department with members or sub-departments, is refused with the list.
    """
    _check_kind(kind)
    if kind == "object":
        raise Conflict([ErrorItem("", "object_delete_unsupported", {"object": api_name})],
                       detail_code="object_delete_unsupported", object=api_name)
    store.lock_tenant(ctx.conn, ctx.tenant.id)
    current = store.document(ctx.conn, ctx.tenant.id, kind, api_name)
    if current is None:
        raise NotFound(detail_code="unknown_document", kind=kind, api_name=api_name)
    holders = _still_used(ctx, kind, api_name)
    if holders:
        raise Conflict([ErrorItem("", f"{kind}_in_use", {"name": api_name, "users": holders})],
                       detail_code=f"{kind}_in_use", name=api_name, users=holders)
    version = store.commit_version(
        ctx.conn, ctx.tenant.id, actor=ctx.actor.email, now=ctx.now(),
        summary=f"deleted {kind} {api_name}",
        changes=[store.DocumentChange(kind, api_name, current.document, None, current.origin,
                                      current.baseline)])
    return {"applied": True, "version": version}


def _still_used(ctx: Context, kind: str, api_name: str) -> list[str]:
    """Who or what still refers to a role or department (sorted, for the message)."""
    if kind not in ("role", "department"):
        return []
    rows = ctx.conn.execute(sa.select(users.c.email, users.c.roles, users.c.department).where(
        users.c.tenant_id == ctx.tenant.id)).all()
    if kind == "role":
        return sorted(r.email for r in rows if api_name in (r.roles or []))
    children = [name for name, doc in store.documents(ctx.conn, ctx.tenant.id,
                                                      "department").items()
                if doc.document.get("parent") == api_name]
    return sorted([r.email for r in rows if r.department == api_name] +
                  [f"department:{c}" for c in children])


def put_document(ctx: Context, kind: str, api_name: str, document: Any, *,
                 dry_run: bool = False, conversions: Mapping[str, str] | None = None,
                 summary: str | None = None) -> dict[str, Any]:
    """Create or replace one document (the ``PUT /meta/{kind}/{api_name}`` call)."""
    _check_kind(kind)
    if not isinstance(document, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    if document.get("kind", kind) != kind:
        raise Invalid([ErrorItem("/kind", "schema_enum", {"allowed": [kind]})])
    if "api_name" in document and document["api_name"] != api_name:
        raise Invalid([ErrorItem("/api_name", "path_name_mismatch",
                                 {"body": document["api_name"], "url": api_name})])
    document = {"kind": kind, **document, "api_name": api_name}
    current = store.document(ctx.conn, ctx.tenant.id, kind, api_name)
    if current is not None:  # what a pack locks stays the pack's (issue 18)
        check_locked(current.origin, current.document, document)
    result = apply_documents(ctx, [document], dry_run=dry_run,
                             conversions={api_name: conversions or {}}, summary=summary,
                             nested=False)
    return {"applied": result["applied"], "version": result["version"],
            "plan": result["plans"][0] if result["plans"] else {"object": api_name,
                                                                  "steps": []}}


def apply_documents(ctx: Context, documents: Sequence[Mapping[str, Any]], *,
                    dry_run: bool = False, conversions: Conversions | None = None,
                    summary: str | None = None, nested: bool = True,
                    origin: Mapping[str, Any] | None = None,
                    layers: Layers | None = None,
                    reattach: Collection[str] = ()) -> dict[str, Any]:
    """Validate and plan every document, then apply all as one new metadata version.

    ``nested`` prefixes error paths with ``/documents/<i>`` (batches from the CLI or a
    rollback); a single PUT reports paths into its own body. ``layers`` sets the origin
    and baseline of the documents it names (a pack install: which pack, version and
    component each came from, and what the pack shipped). ``reattach`` names objects
    whose tables are still there (a pack installed again after an uninstall kept them).
    """
    layers = layers or {}
    conversions = conversions or {}
    version = store.lock_tenant(ctx.conn, ctx.tenant.id)
    objects = {n: s.document for n, s in store.documents(ctx.conn, ctx.tenant.id,
                                                         "object").items()}
    planned: list[tuple[Mapping[str, Any], store.StoredDocument | None, ObjectPlan | None]] = []
    errors: list[ErrorItem] = []
    conflict = False
    batch_objects = _batch_objects(documents)  # lookups may name an object later in the batch
    for i, document in _in_kind_order(documents):
        at = pointer("documents", i) if nested else ""
        kind = document.get("kind") if isinstance(document, dict) else None
        if kind not in KINDS:
            errors.append(ErrorItem(at + "/kind", "schema_enum", {"allowed": list(KINDS)}))
            continue
        body = {k: v for k, v in document.items() if k != "kind"}
        current = store.document(ctx.conn, ctx.tenant.id, kind,
                                 str(document.get("api_name")))
        layer = layers.get((str(kind), str(document.get("api_name"))))
        if current is not None and dict(current.document) == dict(document) and (
                layer is None or (dict(current.origin), current.baseline) == layer):
            continue
        if current is not None and dict(current.document) == dict(document):
            planned.append((document, current, None))  # only its layer moves (a pack's
            continue                                     # upgrade): nothing to validate
        if kind == "object":
            others = {n: d for n, d in {**objects, **batch_objects}.items()
                      if n != document.get("api_name")}
            found = validate_object(body, others, schema_checked=_passes_schema(ctx, body))
            if not found:
                old_model = get_model(ctx, document["api_name"]) if current else None
                plan = plan_object(ctx, current.document if current else None, document,
                                   old_model, conversions.get(document["api_name"], {}))
                if current is None and document["api_name"] in reattach:  # table kept
                    plan.steps = [Step("reattach_table",
                                       detail={"fields": len(document["fields"])})]
                found = plan.errors
                conflict = conflict or plan.conflict
                objects[document["api_name"]] = document
                planned.append((document, current, plan))
        else:
            found = _validate_other(ctx, kind, body, objects, documents)
            if not found:
                planned.append((document, current, None))
        errors += [e.under(at) for e in found]
    plans = [p.to_json() for _, _, p in planned if p is not None]
    if errors:
        cls = Conflict if conflict else Invalid
        raise cls(errors, extra={"plans": plans})
    if dry_run or not planned:
        return {"applied": False if dry_run else bool(planned), "version": version,
                "plans": plans}
    new_version = version + 1
    changes = []
    for document, current, object_plan in planned:
        if object_plan is not None:
            _apply_object(ctx, object_plan, current.document if current else None, document,
                          new_version, reattach=document["api_name"] in reattach)
        kept_origin = current.origin if current else (origin or store.TENANT_ORIGIN)
        baseline = current.baseline if current else None
        kept_origin, baseline = layers.get((document["kind"], document["api_name"]),
                                           (kept_origin, baseline))
        changes.append(store.DocumentChange(
            kind=document["kind"], api_name=document["api_name"],
            before=current.document if current else None, after=document,
            origin=kept_origin, baseline=baseline,
            steps=object_plan.to_json()["steps"] if object_plan else []))
    applied = store.commit_version(
        ctx.conn, ctx.tenant.id, actor=ctx.actor.email,
        summary=summary or _summary(changes), changes=changes, now=ctx.now())
    refill_changed(ctx.with_version(applied), [  # roll-ups new or defined anew
        (c.before, c.after) for c in changes if c.kind == "object" and c.after is not None])
    return {"applied": True, "version": applied, "plans": plans}


def _batch_objects(documents: Sequence[Any]) -> dict[str, Any]:
    """The batch's object documents by name, so objects that refer to each other (an
    account's primary contact, a contact's account) can arrive together in any order."""
    return {d["api_name"]: d for d in documents if isinstance(d, dict)
            and d.get("kind") == "object" and isinstance(d.get("api_name"), str)}


def _in_kind_order(documents: Sequence[Any]) -> list[tuple[int, Any]]:
    """Objects first, then what refers to them; the original index stays for error paths."""
    def rank(item: tuple[int, Any]) -> int:
        kind = item[1].get("kind") if isinstance(item[1], dict) else None
        return KINDS.index(kind) if kind in KINDS else -1
    return sorted(enumerate(documents), key=rank)


def _validate_other(ctx: Context, kind: str, body: Mapping[str, Any],
                    objects: Mapping[str, Any],
                    batch: Sequence[Mapping[str, Any]]) -> list[ErrorItem]:
    """Validation of the kinds that describe no table (layouts, roles, departments...)."""
    if kind == "layout":
        return validate_layout(body, objects)
    if kind == "role":
        return validate_role(body, objects)
    if kind == "access_policy":
        return validate_access_policy(body, objects)
    if kind in ("function", "function_settings"):
        return function_definitions.validate(ctx, kind, body, objects)
    if kind == "message_settings":
        return schema_errors("message_settings", body)
    if kind == "scoring_model":
        return validate_scoring_model(body, objects, _with_batch(ctx, "function", batch))
    if kind in ("assignment_rule", "pool"):
        return _validate_assignment_rule(ctx, body, objects, batch, kind)
    if kind == "workflow":
        return validate_workflow(body, objects,
                                 scoring_models=_with_batch(ctx, "scoring_model", batch),
                                 assignment_rules=_with_batch(ctx, "assignment_rule", batch),
                                 pools=_with_batch(ctx, "pool", batch))
    if kind == "list_view":
        return validate_list_view(body, objects, _with_batch(ctx, "role", batch))
    if kind == "duplicate_rule":
        return validate_duplicate_rule(body, objects)
    if kind == "dashboard":
        return validate_dashboard(body, objects)
    if kind == "conversion_map":
        return validate_conversion_map(body, objects,
                                       _with_batch(ctx, "duplicate_rule", batch))
    if kind == "web_form":
        return validate_web_form(body, objects, layouts=_with_batch(ctx, "layout", batch),
                                 users=_user_emails(ctx),
                                 rules=_with_batch(ctx, "assignment_rule", batch))
    departments = {n: s.document for n, s in store.documents(ctx.conn, ctx.tenant.id,
                                                             "department").items()}
    departments.update({d["api_name"]: d for d in batch
                        if d.get("kind") == "department" and d is not body
                        and d.get("api_name") != body.get("api_name")})
    return validate_department(body, departments)


def _validate_assignment_rule(ctx: Context, body: Mapping[str, Any],
                              objects: Mapping[str, Any],
                              batch: Sequence[Mapping[str, Any]],
                              kind: str = "assignment_rule") -> list[ErrorItem]:
    """An assignment rule or pool against the tenant's users (any state: an inactive
    recipient is skipped when the rule runs, not refused here), departments and roles."""
    emails = ctx.conn.execute(sa.select(users.c.email).where(
        users.c.tenant_id == ctx.tenant.id)).scalars().all()
    departments, roles = _with_batch(ctx, "department", batch), _with_batch(ctx, "role", batch)
    if kind == "pool":
        return validate_pool(body, objects, departments=departments, roles=roles, users=emails)
    return validate_assignment_rule(body, objects, departments=departments, roles=roles,
                                    users=emails, pools=_with_batch(ctx, "pool", batch))


def _user_emails(ctx: Context) -> set[str]:
    return {e.lower() for e in ctx.conn.execute(sa.select(users.c.email).where(
        users.c.tenant_id == ctx.tenant.id)).scalars()}


def _with_batch(ctx: Context, kind: str,
                batch: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The stored documents of ``kind``, as the batch being applied would leave them."""
    found: dict[str, Mapping[str, Any]] = {
        n: s.document for n, s in store.documents(ctx.conn, ctx.tenant.id, kind).items()}
    found.update({d["api_name"]: d for d in batch
                  if isinstance(d, dict) and d.get("kind") == kind
                  and isinstance(d.get("api_name"), str)})
    return found


def _summary(changes: Sequence[store.DocumentChange]) -> str:
    return ", ".join(f"{'created' if c.before is None else 'changed'} {c.kind} {c.api_name}"
                     for c in changes)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise NotFound(detail_code="not_found")


def _passes_schema(ctx: Context, body: Mapping[str, Any]) -> bool:
    """Whether an object definition passes the JSON Schema, remembered per process by
    its canonical JSON's hash (what makes provisioning from a pack fast). False when it
    fails or cannot be hashed: then ``validate_object`` checks (and reports) it."""
    try:
        text = simplejson.dumps(body, sort_keys=True, use_decimal=True, ensure_ascii=False,
                                allow_nan=False)
    except (TypeError, ValueError):
        return False
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return ctx.models.passes_schema(digest, lambda: not schema_errors("object", body))


# -- applying an object plan -------------------------------------------------------------

def _apply_object(ctx: Context, plan: ObjectPlan, old: Mapping[str, Any] | None,
                  new: Mapping[str, Any], new_version: int, *, reattach: bool = False) -> None:
    storage, conn, name = ctx.storage, ctx.conn, new["api_name"]
    if old is None:
        # the table alone: the model (marshmallow schemas, rules) is compiled when used
        if not reattach:
            schema_sync.create_table(conn, build_table(storage, new, {}))
        for definition in new["fields"]:
            _init_sequence(ctx, name, definition)
        return
    old_model = get_model(ctx, name)
    before = {**old_model.hidden, **{f["api_name"]: f for f in old["fields"]}}
    after = {f["api_name"]: f for f in new["fields"]}
    rewritten = {f for f, c in plan.conversions.items() if c.rewrite_column}
    for step in plan.steps:
        field = step.field
        if field is None:
            continue  # an object-level step (update_definition) changes only the document
        if field in rewritten and step.action in ("create_index", "drop_index"):
            continue  # the rewrite rebuilt this field's indexes
        match step.action:
            case "add_column":
                schema_sync.add_column(conn, storage, name, after[field])
                _init_sequence(ctx, name, after[field])
            case "create_index":
                schema_sync.create_indexes(conn, storage, name, after[field])
            case "drop_index":
                schema_sync.drop_indexes(conn, storage, name, before[field])
            case "hide_field":
                conn.execute(hidden_fields.insert().values(
                    tenant_id=ctx.tenant.id, object=name, field=field,
                    definition=before[field], hidden_in_version=new_version))
            case "unhide_field":
                conn.execute(hidden_fields.delete().where(
                    hidden_fields.c.tenant_id == ctx.tenant.id,
                    hidden_fields.c.object == name, hidden_fields.c.field == field))
            case "change_type" | "change_constraints":
                _convert(ctx, old_model, before[field], after[field], plan.conversions[field])
            case "fill_default":
                _fill_default(ctx, old_model, after[field], plan.fills[field])


def _init_sequence(ctx: Context, object_name: str, definition: Mapping[str, Any]) -> None:
    if not REGISTRY[definition["type"]].system_generated:
        return
    key = {"tenant_id": ctx.tenant.id, "object": object_name, "field": definition["api_name"]}
    exists = ctx.conn.execute(sa.select(sequences.c.next_value).where(
        *(sequences.c[k] == v for k, v in key.items()))).first()
    if exists is None:
        ctx.conn.execute(sequences.insert().values(**key,
                                                   next_value=definition.get("start", 1)))


def _convert(ctx: Context, model: Any, before: Mapping[str, Any], after: Mapping[str, Any],
             conversion: Any) -> None:
    storage, conn, name = ctx.storage, ctx.conn, after["api_name"]
    object_name = model.api_name
    target = name
    if conversion.rewrite_column:
        target = f"_tmp_{name}"
        schema_sync.add_column(conn, storage, object_name, after, column_name=target)
    table = sa.Table(model.table.name, sa.MetaData(schema=model.table.schema),
                     sa.Column("id", sa.Uuid, primary_key=True),
                     sa.Column(target, REGISTRY[after["type"]].column_type(after)))
    rows = [{"rid": rid, "value": value} for rid, value in conversion.new_values.items()]
    statement = table.update().where(table.c.id == sa.bindparam("rid")).values(
        {target: sa.bindparam("value")})
    for start in range(0, len(rows), 1000):
        conn.execute(statement, rows[start:start + 1000])
        ctx.report(f"{object_name}.{name}", min(start + 1000, len(rows)), len(rows))
    if conversion.rewrite_column:
        if field_indexes(storage, object_name, before):
            schema_sync.drop_indexes(conn, storage, object_name, before)
        schema_sync.drop_column(conn, storage, object_name, name)
        schema_sync.rename_column(conn, storage, object_name, target, name)
        schema_sync.create_indexes(conn, storage, object_name, after)
    journal.conversions(ctx, object_name, name,
                        [(rid, old, _jsonable(after, new))
                         for rid, (old, new) in conversion.lossy.items()])


def _fill_default(ctx: Context, model: Any, definition: Mapping[str, Any],
                  value: Any) -> None:
    """The rows of a field made required that hold no value get its default (the
    column may be new: the table is described here, not taken from the old model)."""
    field = definition["api_name"]
    table = sa.Table(model.table.name, sa.MetaData(schema=model.table.schema),
                     sa.Column("id", sa.Uuid, primary_key=True),
                     sa.Column(field, REGISTRY[definition["type"]].column_type(definition)))
    ctx.conn.execute(table.update().where(table.c[field].is_(None)).values({field: value}))


def _jsonable(definition: Mapping[str, Any], value: Any) -> Any:
    return None if value is None else REGISTRY[definition["type"]].to_json(definition, value)


# -- history, rollback, purge -----------------------------------------------------------

def history(ctx: Context, *, limit: int = 50, before: int | None = None) -> list[dict]:
    return store.history(ctx.conn, ctx.tenant.id, limit=limit, before=before)


def rollback(ctx: Context, version: Any, *, conversions: Conversions | None = None,
             dry_run: bool = False) -> dict[str, Any]:
    """Bring every document back to how it stood at ``version``, as a new version.

    Objects created after ``version`` are kept (with their data) and listed: removing an
    object is never implied, in line with "nothing is dropped without a purge".
    ``dry_run`` plans it all (the same refusals, the same plans) and changes nothing.
    """
    if isinstance(version, bool) or not isinstance(version, int) or not store.version_exists(
            ctx.conn, ctx.tenant.id, version):
        raise Invalid([ErrorItem("/version", "unknown_version", {"version": version})])
    target = store.state_at(ctx.conn, ctx.tenant.id, version)
    documents = [dict(doc.document) for _, doc in sorted(
        ((key, doc) for key, doc in target.items() if key[0] in KINDS),
        key=lambda item: KINDS.index(item[0][0]))]
    kept = sorted(name for name in store.documents(ctx.conn, ctx.tenant.id, "object")
                  if ("object", name) not in target)
    result = apply_documents(ctx, documents, conversions=conversions, dry_run=dry_run,
                             summary=f"rollback to version {version}")
    return {**result, "kept_objects": kept}


def purge_field(ctx: Context, object_name: str, field: str) -> dict[str, Any]:
    """Drop a hidden field's column and data for good (the only way data is dropped)."""
    model = get_model(ctx, object_name)
    definition = model.hidden.get(field)
    if definition is None:
        raise NotFound([ErrorItem("/field", "field_not_hidden",
                                  {"field": field, "object": object_name})],
                       detail_code="field_not_hidden", field=field, object=object_name)
    rows = ctx.conn.execute(sa.select(sa.func.count()).select_from(model.table).where(
        model.table.c[field].is_not(None))).scalar_one()
    storage = ctx.storage
    if field_indexes(storage, object_name, definition):
        schema_sync.drop_indexes(ctx.conn, storage, object_name, definition)
    schema_sync.drop_column(ctx.conn, storage, object_name, field)
    ctx.conn.execute(hidden_fields.delete().where(
        hidden_fields.c.tenant_id == ctx.tenant.id, hidden_fields.c.object == object_name,
        hidden_fields.c.field == field))
    ctx.conn.execute(sequences.delete().where(
        sequences.c.tenant_id == ctx.tenant.id, sequences.c.object == object_name,
        sequences.c.field == field))
    current = store.document(ctx.conn, ctx.tenant.id, "object", object_name)
    if current is None:  # get_model found it above, in this transaction
        raise NotFound(detail_code="unknown_object", object=object_name)
    step = Step("purge_field", field, {"rows_with_values_dropped": rows})
    version = store.commit_version(
        ctx.conn, ctx.tenant.id, actor=ctx.actor.email,
        summary=f"purged field {object_name}.{field}", now=ctx.now(),
        changes=[store.DocumentChange("object", object_name, current.document,
                                      current.document, current.origin, current.baseline,
                                      [step.to_json()])])
    return {"version": version, "step": step.to_json()}
