"""A pack's sample data: optional, created through the records service (so access,
validation, audit and events hold) and marked, so that it is removed as a unit and never
confused with the tenant's own rows."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import NotFound
from objectry.packs.content import Pack
from objectry.packs.lint import read_csv
from objectry.packs.pack_tables import pack_sample_rows
from objectry.runtime import records
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model


def load(ctx: Context, pack: Pack) -> dict[str, int]:
    """Create the sample rows; rows per object."""
    counts: dict[str, int] = {}
    for entry in pack.manifest.raw.get("sample_data", []):
        model = get_model(ctx, entry["object"])
        for row in read_csv(pack, entry["file"]):
            values: dict[str, Any] = {}
            for name, text in row.items():
                if text in (None, "") or name not in model.fields:
                    continue
                field = model.fields[name]
                stored = field.type.deserialize(field.definition, text, lenient=True)
                values[name] = field.type.to_json(field.definition, stored)
            created = records.create(ctx, entry["object"], values)
            ctx.conn.execute(pack_sample_rows.insert().values(
                tenant_id=ctx.tenant.id, pack=pack.name, object=entry["object"],
                record_id=uuid.UUID(str(created["id"]))))
            counts[entry["object"]] = counts.get(entry["object"], 0) + 1
    return counts


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
