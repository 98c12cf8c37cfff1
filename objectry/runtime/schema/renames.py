"""Renaming definitions in place, data kept: objects, fields and other documents.

A pack's new version may rename what it shipped (the component's stable id stays, its
api_name changes). Deleting and creating again would lose the data and the tenant's
changes, so a rename moves everything along, as one metadata version, in the caller's
transaction: an object's table, its indexes and every catalog row naming it (hidden
fields, sequences, journal, runs...) and the references to it in other documents
(``object`` of layouts, workflows...; ``target`` of lookup fields); a field's column,
its indexes, catalog rows, the layouts listing it and the documents naming it
(formulas, roll-ups, list views, workflows, rules...: ``rename_refs``); any other document
just takes its new key. The stored document and its pack baseline are renamed alike,
so the tenant's overrides stay attached to what they changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from objectry.metadata import store
from objectry.metadata.catalog_tables import CATALOG, users
from objectry.metadata.problems import Conflict, ErrorItem
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import field_indexes, load_hidden
from objectry.runtime.schema import rename_refs
from objectry.runtime.schema import sync as schema_sync
from objectry.runtime.schema.rename_refs import FieldRename


@dataclass(frozen=True)
class Rename:
    """``kind`` ``old`` becomes ``new``; with ``object`` set, a field of that object
    (named by its new name when the object is renamed too). ``at`` is where an error
    about it points."""

    kind: str
    old: str
    new: str
    object: str | None = None
    at: str = ""


def apply_renames(ctx: Context, renames: Sequence[Rename], *, summary: str) -> int | None:
    """Apply ``renames`` (documents first, then fields) as one new metadata version and
    return it (None: nothing to rename). A name already taken is refused, unchanged."""
    if not renames:
        return None
    store.lock_tenant(ctx.conn, ctx.tenant.id)
    _refuse_taken(ctx, renames)
    state: dict[tuple[str, str], _Doc] = {}
    dropped: dict[tuple[str, str], Mapping[str, Any]] = {}
    for rename in (r for r in renames if r.object is None):
        _rename_document(ctx, rename, state, dropped)
    for rename in (r for r in renames if r.object is not None):
        _rename_field(ctx, rename, state)
    changes = [store.DocumentChange(kind, name, before, None)
               for (kind, name), before in sorted(dropped.items())]
    changes += [store.DocumentChange(kind, name, doc.before, doc.document, doc.origin,
                                     doc.baseline)
                for (kind, name), doc in sorted(state.items())]
    return store.commit_version(ctx.conn, ctx.tenant.id, actor=ctx.actor.email,
                                summary=summary, changes=changes, now=ctx.now())


@dataclass
class _Doc:
    before: Mapping[str, Any] | None
    document: dict[str, Any]
    origin: Mapping[str, Any]
    baseline: dict[str, Any] | None


def _load(ctx: Context, state: dict[tuple[str, str], _Doc], kind: str,
          name: str) -> _Doc | None:
    if (kind, name) not in state:
        stored = store.document(ctx.conn, ctx.tenant.id, kind, name)
        if stored is None:
            return None
        state[(kind, name)] = _Doc(None, _copy(stored.document), dict(stored.origin),
                                   _copy(stored.baseline) if stored.baseline else None)
        state[(kind, name)].before = stored.document
    return state[(kind, name)]


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _refuse_taken(ctx: Context, renames: Sequence[Rename]) -> None:
    errors = []
    for rename in renames:
        if rename.object is None:
            taken = store.document(ctx.conn, ctx.tenant.id, rename.kind,
                                   rename.new) is not None
        else:
            objects = {r.old: r.new for r in renames if r.object is None and
                       r.kind == "object"}
            old_object = next((o for o, n in objects.items() if n == rename.object),
                              rename.object)
            current = store.document(ctx.conn, ctx.tenant.id, "object", old_object)
            fields = {f["api_name"] for f in current.document["fields"]} if current else set()
            hidden = load_hidden(ctx.conn, ctx.tenant.id, old_object)
            taken = rename.new in fields or rename.new in hidden
        if taken:
            errors.append(ErrorItem(rename.at, "rename_target_taken", {
                "kind": rename.kind, "old": rename.old, "new": rename.new}))
    if errors:
        raise Conflict(errors, detail_code=errors[0].code, **errors[0].params)


def _ops(ctx: Context) -> Operations:
    return Operations(MigrationContext.configure(ctx.conn))


def _rename_document(ctx: Context, rename: Rename, state: dict[tuple[str, str], _Doc],
                     dropped: dict[tuple[str, str], Mapping[str, Any]]) -> None:
    doc = _load(ctx, state, rename.kind, rename.old)
    if doc is None:
        return
    del state[(rename.kind, rename.old)]
    dropped[(rename.kind, rename.old)] = doc.before or doc.document
    doc.before = None
    doc.document["api_name"] = rename.new
    if doc.baseline is not None:
        doc.baseline["api_name"] = rename.new
    state[(rename.kind, rename.new)] = doc
    if rename.kind == "object":
        _rename_table(ctx, rename.old, rename.new)
        _rename_catalog_rows(ctx, {"object": rename.old}, {"object": rename.new})
        _rewrite_references(ctx, state, set(dropped), rename.old, rename.new)
    elif rename.kind in ("workflow", "function"):  # runs, call logs follow the name
        _rename_catalog_rows(ctx, {rename.kind: rename.old}, {rename.kind: rename.new})
    elif rename.kind == "role":
        for row in ctx.conn.execute(sa.select(users.c.id, users.c.roles).where(
                users.c.tenant_id == ctx.tenant.id)).all():
            if rename.old in (row.roles or []):
                roles = [rename.new if r == rename.old else r for r in row.roles]
                ctx.conn.execute(users.update().where(users.c.id == row.id).values(roles=roles))
    elif rename.kind == "department":
        ctx.conn.execute(users.update().where(
            users.c.tenant_id == ctx.tenant.id, users.c.department == rename.old).values(
            department=rename.new))


def _rename_table(ctx: Context, old: str, new: str) -> None:
    """The table and its indexes (named after the table) take the new name."""
    storage, conn = ctx.storage, ctx.conn
    old_table, new_table = storage.table_name(old), storage.table_name(new)
    inspector = sa.inspect(conn)
    indexes = inspector.get_indexes(old_table, schema=storage.schema)
    ops = _ops(ctx)
    ops.rename_table(old_table, new_table, schema=storage.schema)
    for index in indexes:
        name = str(index["name"])
        renamed = _index_name(ctx, name, old, new)
        if renamed is None:
            continue
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f'ALTER INDEX {_qualified(storage.schema, name)} '
                                 f'RENAME TO "{renamed}"'))
        else:
            ops.drop_index(name, table_name=new_table, schema=storage.schema)
            ops.create_index(renamed, new_table, [str(c) for c in index["column_names"]],
                             unique=bool(index["unique"]), schema=storage.schema)
    if conn.dialect.name == "postgresql":
        primary = inspector.get_pk_constraint(old_table, schema=storage.schema).get("name")
        if primary and primary.startswith(old_table):
            conn.execute(sa.text(f'ALTER INDEX {_qualified(storage.schema, primary)} '
                                 f'RENAME TO "{new_table}{primary[len(old_table):]}"'))


def _qualified(schema: str | None, name: str) -> str:
    return f'"{schema}"."{name}"' if schema else f'"{name}"'


def _index_name(ctx: Context, name: str, old: str, new: str) -> str | None:
    storage = ctx.storage
    old_table = storage.table_name(old)
    for prefix, unique in (("ux", True), ("ix", False)):
        start = f"{prefix}_{old_table}__"
        if name.startswith(start):
            return storage.index_name(new, name[len(start):], unique=unique)
    return None


def _rename_catalog_rows(ctx: Context, where: Mapping[str, str],
                         values: Mapping[str, str]) -> None:
    """Every catalog row of this tenant naming the object (or field) names the new one."""
    columns = {"tenant_id", *where}
    for table in CATALOG.tables.values():
        if columns <= set(table.c.keys()) and table.name not in ("meta_documents",
                                                                  "meta_revisions"):
            ctx.conn.execute(table.update().where(
                table.c.tenant_id == ctx.tenant.id,
                *(table.c[k] == v for k, v in where.items())).values(**values))


def _rewrite_references(ctx: Context, state: dict[tuple[str, str], _Doc],
                        dropped: set[tuple[str, str]], old: str, new: str) -> None:
    """Other documents naming the object (``object``, a lookup's ``target``) follow."""
    for kind in ("object", "role", "layout", "workflow", "list_view", "duplicate_rule", "web_form",
                 "pool", "assignment_rule", "scoring_model", "access_policy",
                 "conversion_map"):
        names = set(store.documents(ctx.conn, ctx.tenant.id, kind)) | {
            n for k, n in state if k == kind}
        for name in sorted(names - {n for k, n in dropped if k == kind}):
            known = (kind, name) in state
            doc = _load(ctx, state, kind, name)
            if doc is None:
                continue
            changed = [_retarget(d, old, new) for d in (doc.document, doc.baseline) if d]
            if not known and not any(changed):
                del state[(kind, name)]


def _retarget(document: dict[str, Any], old: str, new: str) -> bool:
    changed = False
    grants = document.get("grants")
    if document.get("kind") == "role" and isinstance(grants, dict) and old in grants:
        document["grants"] = {new if k == old else k: v for k, v in grants.items()}
        changed = True
    if document.get("kind") != "object" and document.get("object") == old:
        document["object"] = new
        changed = True
    for field in document.get("fields", []) if document.get("kind") == "object" else []:
        if isinstance(field, dict) and field.get("target") == old:
            field["target"] = new
            changed = True
        if isinstance(field, dict) and field.get("type") == "rollup" and \
                field.get("object") == old:  # a roll-up of the renamed object's records
            field["object"] = new
            changed = True
    return rename_refs.retarget(document, old, new) or changed


def _rename_field(ctx: Context, rename: Rename, state: dict[tuple[str, str], _Doc]) -> None:
    object_name = str(rename.object)
    doc = _load(ctx, state, "object", object_name)
    if doc is None:
        return
    definition = next((f for f in doc.document["fields"] if f["api_name"] == rename.old),
                      None)
    if definition is None:
        return
    storage, conn = ctx.storage, ctx.conn
    renamed = {**definition, "api_name": rename.new}
    if field_indexes(storage, object_name, definition):
        schema_sync.drop_indexes(conn, storage, object_name, definition)
    schema_sync.rename_column(conn, storage, object_name, rename.old, rename.new)
    schema_sync.create_indexes(conn, storage, object_name, renamed)
    _rename_catalog_rows(ctx, {"object": object_name, "field": rename.old},
                         {"field": rename.new})
    for document in (doc.document, doc.baseline):
        if not document:
            continue
        for field in document.get("fields", []):
            if field.get("api_name") == rename.old:
                field["api_name"] = rename.new
        if document.get("name_field") == rename.old:
            document["name_field"] = rename.new
    references = FieldRename(object_name, rename.old, rename.new,
                             lambda name: _current(ctx, state, name))
    for kind in ("layout", *rename_refs.KINDS):  # the documents naming it follow
        names = set(store.documents(ctx.conn, ctx.tenant.id, kind)) | {
            n for k, n in state if k == kind}
        for name in sorted(names):
            known = (kind, name) in state
            other = _load(ctx, state, kind, name)
            if other is None:
                continue
            changed = [_refield(d, object_name, rename.old, rename.new)
                       if kind == "layout" else rename_refs.rewrite(d, references)
                       for d in (other.document, other.baseline) if d]
            if not known and not any(changed):
                del state[(kind, name)]


def _current(ctx: Context, state: dict[tuple[str, str], _Doc],
             name: str) -> Mapping[str, Any] | None:
    """An object's document as renamed so far (read only: not added to ``state``)."""
    if ("object", name) in state:
        return state[("object", name)].document
    stored = store.document(ctx.conn, ctx.tenant.id, "object", name)
    return stored.document if stored else None


def _refield(document: dict[str, Any], object_name: str, old: str, new: str) -> bool:
    """A layout's sections and list columns with the field's new name (other documents:
    ``rename_refs``)."""
    if document.get("object") != object_name:
        return False
    lists = [s.get("fields") for s in document.get("sections", []) if isinstance(s, dict)]
    lists += [document.get("list_columns"), document.get("columns")]
    changed = False
    for names in lists:
        if isinstance(names, list) and old in names:
            names[:] = [new if n == old else n for n in names]
            changed = True
    return changed
