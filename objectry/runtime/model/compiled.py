"""Compiled objects: an object definition at a metadata version, ready to serve.

Compiling builds the SQLAlchemy ``Table`` (active and hidden columns), the marshmallow
schemas for create and update, the parsed validation rules and the field lookups. It is
done once per distinct definition, whatever the number of tenants that have it (the
table names the template storage, kernel/storage.py); a hot request parses no metadata.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import marshmallow as mm
import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.conditions.parser import Node, parse_condition
from objectry.metadata.fieldtypes import REGISTRY, FieldType
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime
from objectry.metadata.names import DEFAULT_GROUP, SYSTEM_FIELDS
from objectry.metadata.problems import FieldValueError, NotFound
from objectry.runtime.kernel.storage import TenantStorage
from objectry.runtime.model.hidden_fields import hidden_fields


class CodedMessage(str):
    """A marshmallow error message that keeps its catalog code and parameters."""

    params: Mapping[str, Any]

    def __new__(cls, code: str, params: Mapping[str, Any] | None = None) -> CodedMessage:
        obj = super().__new__(cls, code)
        obj.params = dict(params or {})
        return obj


class TypedField(mm.fields.Field):
    """A marshmallow field that delegates to the field type registry."""

    default_error_messages = {"required": "required", "null": "required",
                              "validator_failed": "invalid"}

    def __init__(self, ftype: FieldType, definition: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ftype = ftype
        self.definition = definition

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return self.ftype.deserialize(self.definition, value)
        except FieldValueError as exc:
            raise mm.ValidationError(CodedMessage(exc.code, exc.params)) from exc

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else self.ftype.to_json(self.definition, value)


@dataclass(frozen=True)
class CompiledField:
    name: str
    definition: Mapping[str, Any]
    type: FieldType
    group: str
    column: sa.Column

    @property
    def writable(self) -> bool:
        return not (self.definition.get("read_only") or self.type.system_generated)


@dataclass(frozen=True)
class Rule:
    api_name: str
    condition: Node
    message: Mapping[str, str]
    field: str | None


#: See ``ObjectModel.approx_bytes``.
BYTES_PER_COLUMN = 4800


@dataclass(frozen=True)
class ObjectModel:
    api_name: str
    definition: Mapping[str, Any]
    table: sa.Table
    fields: Mapping[str, CompiledField]
    hidden: Mapping[str, Mapping[str, Any]]
    rules: tuple[Rule, ...]
    create_schema: mm.Schema
    update_schema: mm.Schema

    @functools.cached_property
    def writable_position(self) -> Mapping[str, int]:
        """The fields a body may write, in the schemas' order (``records.write``)."""
        return {name: i for i, name in enumerate(self.create_schema.load_fields)}

    @functools.cached_property
    def required_writable(self) -> frozenset[str]:
        """The writable fields a create must have and no write may empty."""
        return frozenset(n for n in self.writable_position
                         if self.fields[n].definition.get("required"))

    @property
    def approx_bytes(self) -> int:
        """Estimated memory of the compiled model, for the byte-bounded model cache:
        ~4.8 KB per column (Table, columns, indexes, marshmallow fields, definitions),
        measured with tracemalloc for 15 to 55 columns."""
        return BYTES_PER_COLUMN * len(self.table.columns)

    def field_definition(self, name: str) -> Mapping[str, Any] | None:
        """Definition of an active or system field (for filters, sorts, selections)."""
        compiled = self.fields.get(name)
        if compiled is None:
            return SYSTEM_FIELDS.get(name)
        return compiled.type.value_definition(compiled.definition)  # a formula: its result

    def lookups_to(self, target: str) -> list[CompiledField]:
        return [f for f in self.fields.values()
                if f.type.reference and f.definition.get("target") == target]

    @property
    def name_field(self) -> str | None:
        return self.definition.get("name_field")


def system_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("owner", sa.Uuid),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.Uuid),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.Uuid),
        sa.Column("deleted_at", UTCDateTime),
        sa.Column("deleted_by", sa.Uuid),
        sa.Column("delete_batch", sa.Uuid),
    ]


def field_column(storage: TenantStorage, object_name: str, definition: Mapping[str, Any],
                 name: str | None = None) -> sa.Column:
    """The column of a field. Columns are nullable: ``required`` is enforced on write, so
    hiding a field or adding a required one never blocks existing rows."""
    ftype = REGISTRY[definition["type"]]
    return sa.Column(name or definition["api_name"], ftype.column_type(definition),
                     nullable=True)


def field_indexes(storage: TenantStorage, object_name: str,
                  definition: Mapping[str, Any]) -> list[tuple[str, list[str], bool]]:
    """(index name, columns, unique) for a field: unique values, or indexed for lists.

    Non-unique indexes end with ``id`` so "filter on field, newest first, 50 rows" is
    answered from the index alone, without sorting the matches.
    """
    name = definition["api_name"]
    ftype = REGISTRY[definition["type"]]
    if definition.get("unique"):
        return [(storage.index_name(object_name, name, unique=True), [name], True)]
    if definition.get("indexed") or ftype.always_indexed:
        return [(storage.index_name(object_name, name, unique=False), [name, "id"], False)]
    return []


#: Columns of the index every tenant table has on its owner: "own" and "team" data
#: scopes read one owner's rows newest first from it, a page without sorting.
OWNER_INDEX_COLUMNS = ("owner", "id")


def owner_index_name(storage: TenantStorage, object_name: str) -> str:
    return storage.index_name(object_name, "owner", unique=False)


#: Columns of the index a dense team's list walks newest first, testing each row's owner
#: (and that it is live) in the index instead of reading the row: on PostgreSQL the
#: primary key carries them (``PRIMARY_KEY_INCLUDE``, step t0003); on SQLite, which has
#: no INCLUDE, a table's own UNIQUE constraint over them (``build_table``, step t0005).
VISIBILITY_INDEX_COLUMNS = ("id", "owner", "deleted_at")


def visibility_index_name(storage: TenantStorage, object_name: str) -> str:
    """The name of the (id, owner, deleted_at) index (SQLite: its constraint's name)."""
    return storage.index_name(object_name, "id_owner_live", unique=False)


def created_at_index_name(storage: TenantStorage, object_name: str) -> str:
    """The name the (created_at, id) index had (steps t0003, t0004 drop it): a created_at
    range is an id range as well, which the filter compiler adds (query.sql_compiler),
    and its order is the id order, so the primary key answers both."""
    return storage.index_name(object_name, "created_at", unique=False)


#: PostgreSQL: the primary key's index carries the visibility columns (``INCLUDE``) in
#: place of the separate ``VISIBILITY_INDEX_COLUMNS`` index: the same index-only walk in
#: id order, one index fewer per table. Every backend caches each index of every table it
#: touched (~4 KB apiece), for every tenant it served (docs/scaling.md).
PRIMARY_KEY_INCLUDE = ("owner", "deleted_at")


def build_table(storage: TenantStorage, definition: Mapping[str, Any],
                hidden: Mapping[str, Mapping[str, Any]]) -> sa.Table:
    object_name = definition["api_name"]
    meta = sa.MetaData(schema=storage.schema)
    columns = system_columns()
    # one system index: each schema statement costs SQLite a scan of the whole file's
    # schema, so fewer indexes keep tenant creation fast (docs/scaling.md "Provisioning")
    indexes: list[sa.Index | sa.PrimaryKeyConstraint | sa.UniqueConstraint] = [
        sa.Index(owner_index_name(storage, object_name), *OWNER_INDEX_COLUMNS)]
    if storage.dialect == "postgresql":
        indexes.append(sa.PrimaryKeyConstraint(
            "id", postgresql_include=list(PRIMARY_KEY_INCLUDE)))
    else:
        # SQLite: the visibility index as a UNIQUE constraint of the table (always met:
        # the id alone is unique), which SQLite builds within CREATE TABLE itself; as a
        # CREATE INDEX of its own it would cost tenant creation a schema statement per
        # object (15% more CPU, `bench/tenants.py --create-only`). A dense team's page
        # walks it newest first without reading the rows that are not theirs.
        indexes.append(sa.UniqueConstraint(*VISIBILITY_INDEX_COLUMNS,
                                           name=visibility_index_name(storage, object_name)))
    for field in [*definition["fields"], *hidden.values()]:
        columns.append(field_column(storage, object_name, field))
        for index_name, cols, unique in field_indexes(storage, object_name, field):
            indexes.append(sa.Index(index_name, *cols, unique=unique))
    return sa.Table(storage.table_name(object_name), meta, *columns, *indexes)


def compile_object(storage: TenantStorage, definition: Mapping[str, Any],
                   hidden: Mapping[str, Mapping[str, Any]]) -> ObjectModel:
    table = build_table(storage, definition, hidden)
    fields: dict[str, CompiledField] = {}
    for field in definition["fields"]:
        fields[field["api_name"]] = CompiledField(
            name=field["api_name"], definition=MappingProxyType(dict(field)),
            type=REGISTRY[field["type"]], group=field.get("group") or DEFAULT_GROUP,
            column=table.c[field["api_name"]])

    def lookup(name: str) -> Mapping[str, Any] | None:
        return fields[name].definition if name in fields else SYSTEM_FIELDS.get(name)

    rules = tuple(
        Rule(r["api_name"], parse_condition(r["condition"], lookup,
                                            object_name=definition["api_name"]),
             r["message"], r.get("field"))
        for r in definition.get("rules", [])
    )
    writable = {n: f for n, f in fields.items() if f.writable}
    create_schema = mm.Schema.from_dict({
        n: TypedField(f.type, f.definition, required=bool(f.definition.get("required")),
                      allow_none=not f.definition.get("required"))
        for n, f in writable.items()
    }, name=f"{definition['api_name']}_create")(unknown=mm.RAISE)
    update_schema = mm.Schema.from_dict({
        n: TypedField(f.type, f.definition, allow_none=not f.definition.get("required"))
        for n, f in writable.items()
    }, name=f"{definition['api_name']}_update")(unknown=mm.RAISE, partial=True)
    return ObjectModel(
        api_name=definition["api_name"], definition=definition, table=table,
        fields=MappingProxyType(fields),
        hidden=MappingProxyType(dict(hidden)), rules=rules,
        create_schema=create_schema, update_schema=update_schema)


def tenant_table(model: ObjectModel, storage: TenantStorage) -> sa.Table:
    """A copy of a shared model's table naming one tenant's own storage, for SQL run
    outside a tenant's context (benchmarks, maintenance scripts); built on each call."""
    # None means "the new MetaData's schema", which is none: SQLite tenants are prefixes
    schema: Any = storage.schema
    return model.table.to_metadata(sa.MetaData(), schema=schema,
                                   name=storage.table_name(model.api_name))


def load_hidden(conn: sa.Connection, tenant_id: int,
                object_name: str) -> dict[str, Mapping[str, Any]]:
    rows = conn.execute(sa.select(hidden_fields.c.field, hidden_fields.c.definition).where(
        hidden_fields.c.tenant_id == tenant_id, hidden_fields.c.object == object_name))
    return {r.field: r.definition for r in rows}


def fingerprint(dialect: str, definition: Mapping[str, Any],
                hidden: Mapping[str, Mapping[str, Any]]) -> str:
    """What a compiled model depends on, hashed: tenants with equal fingerprints share it."""
    text = json.dumps([dialect, definition, hidden], sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def get_model(ctx: Any, object_name: str) -> ObjectModel:
    """The compiled object for the context's tenant at its current metadata version:
    shared with every tenant whose definition (and hidden fields) are the same, its
    table naming the template storage that the context's connection maps."""
    dialect = ctx.conn.dialect.name
    key = (ctx.tenant.id, object_name, ctx.tenant.meta_version, dialect)

    def load() -> tuple[str, Callable[[], ObjectModel]] | None:
        stored = store.document(ctx.conn, ctx.tenant.id, "object", object_name)
        if stored is None:
            return None
        hidden = load_hidden(ctx.conn, ctx.tenant.id, object_name)
        return fingerprint(dialect, stored.document, hidden), lambda: compile_object(
            TenantStorage.template(dialect), stored.document, hidden)

    model = ctx.models.get_or_build(key, load)
    if model is None:
        raise NotFound(detail_code="unknown_object", object=object_name)
    return model
