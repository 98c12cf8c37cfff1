"""A pack's sample data: optional, created through the records service (so access,
validation, audit and events hold) and marked, so that it is removed as a unit and never
confused with the tenant's own rows.

Sample rows link and stay fresh: a lookup cell may name its target by the target's
name field (``Shanghai Huaxin Machinery`` for an account), found among the records
already there, the pack's own sample rows created earlier in the same load included
(files load in manifest order, rows in file order), or give its id; an ``owner`` column
with a user's email gives the row to that user when the tenant has them (else the
installer keeps it); ``consent:email`` (``sms``, ``wecom``) columns record the row's
marketing consent on that channel, as a sign-up form would; a date cell may be relative
(``today-30``, ``now-2h``: see ``sample_values``). Any refusal points at
``file#/row/column`` and, being in the install's transaction, leaves nothing installed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, FieldValueError, Invalid, NotFound, Problem
from objectry.metadata.problems import pointer as json_pointer
from objectry.packs.content import Pack
from objectry.packs.lint import OWNER_COLUMN, consent_channel, read_csv
from objectry.packs.manifest import at
from objectry.packs.pack_tables import pack_sample_rows
from objectry.packs.sample_values import relative_text
from objectry.runtime import records
from objectry.runtime.access.people import actor_for
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.consent import record_consent
from objectry.runtime.model.compiled import CompiledField, ObjectModel, get_model


@dataclass
class _Names:
    """Lookups resolved so far in this load: (target, name) -> id."""

    found: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)


def load(ctx: Context, pack: Pack) -> dict[str, int]:
    """Create the sample rows; rows per object."""
    counts: dict[str, int] = {}
    names = _Names()
    for entry in pack.manifest.raw.get("sample_data", []):
        model = get_model(ctx, entry["object"])
        for n, row in enumerate(read_csv(pack, entry["file"]), start=1):
            where = at(entry["file"], json_pointer(n))
            values, owner = _values(ctx, model, row, where, names)
            try:
                created = records.create(ctx, entry["object"], values)
            except Problem as problem:
                problem.errors = [ErrorItem(where + e.path, e.code, e.params)
                                  for e in problem.errors]
                raise
            record_id = uuid.UUID(str(created["id"]))
            if owner:
                _give(ctx, entry["object"], record_id, owner)
            for column, status in row.items():
                channel = consent_channel(column) if column else None
                if channel and status:
                    record_consent(ctx, entry["object"], record_id, channel, status,
                                   source=f"pack_sample:{pack.name}")
            ctx.conn.execute(pack_sample_rows.insert().values(
                tenant_id=ctx.tenant.id, pack=pack.name, object=entry["object"],
                record_id=record_id))
            counts[entry["object"]] = counts.get(entry["object"], 0) + 1
    return counts


def _values(ctx: Context, model: ObjectModel, row: Mapping[str, Any], where: str,
            names: _Names) -> tuple[dict[str, Any], str | None]:
    """A CSV row as the JSON the records service takes, and the owner's email."""
    values: dict[str, Any] = {}
    owner = None
    for column, text in row.items():
        if column == OWNER_COLUMN and OWNER_COLUMN not in model.fields:
            owner = str(text or "").strip() or None
            continue
        if not isinstance(text, str) or text == "" or column not in model.fields:
            continue
        compiled = model.fields[column]
        cell = where + json_pointer(column)
        if compiled.type.reference:
            values[column] = str(_target_id(ctx, compiled, text.strip(), cell, names))
            continue
        text = relative_text(compiled.type.name, text, ctx.now()) or text
        try:
            stored = compiled.type.deserialize(compiled.definition, text, lenient=True)
        except FieldValueError as exc:
            raise Invalid([ErrorItem(cell, exc.code, exc.params)],
                          detail_code=exc.code, **exc.params) from exc
        values[column] = compiled.type.to_json(compiled.definition, stored)
    return values, owner


def _target_id(ctx: Context, compiled: CompiledField, text: str, cell: str,
               names: _Names) -> uuid.UUID:
    """The record a lookup cell names: an id, or the one record whose name field holds
    the text (none or several: refused at the cell)."""
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    target = str(compiled.definition.get("target"))
    key = (target, text)
    if key in names.found:
        return names.found[key]
    name_field = get_model(ctx, target).name_field
    items: list[Any] = []
    if name_field:
        items = records.list_records(ctx, target, filter={
            "field": name_field, "op": "eq", "value": text}, fields=["id"], limit=2)["items"]
    if len(items) != 1:
        code = "pack_sample_lookup_ambiguous" if items else "pack_sample_lookup_unknown"
        params = {"value": text[:200], "object": target, "field": name_field or "id"}
        raise Invalid([ErrorItem(cell, code, params)], detail_code=code, value=text[:200],
                      object=target, field=name_field or "id")
    names.found[key] = uuid.UUID(str(items[0]["id"]))
    return names.found[key]


def _give(ctx: Context, object_name: str, record_id: uuid.UUID, email: str) -> None:
    """The row to its owner when the tenant has that user; else the installer's."""
    user = actor_for(ctx.conn, ctx.tenant.id, email=email)
    if user is not None and user.user_id is not None:
        records.change_owner(ctx, object_name, record_id, user.user_id,
                             because={"reason": "pack sample data"})


def remove(ctx: Context, name: str) -> dict[str, Any]:
    """Delete every sample row the pack created (to the recycle bin, as any delete);
    rows the tenant already deleted are skipped."""
    rows = ctx.conn.execute(sa.select(pack_sample_rows).where(
        pack_sample_rows.c.tenant_id == ctx.tenant.id, pack_sample_rows.c.pack == name)
        .order_by(pack_sample_rows.c.object.desc())).all()
    removed: dict[str, int] = {}
    skipped = 0
    for row in rows:
        try:
            records.delete(ctx, row.object, row.record_id)
            removed[row.object] = removed.get(row.object, 0) + 1
        except NotFound:
            skipped += 1
    ctx.conn.execute(pack_sample_rows.delete().where(
        pack_sample_rows.c.tenant_id == ctx.tenant.id, pack_sample_rows.c.pack == name))
    return {"pack": name, "removed": removed, "already_gone": skipped}
