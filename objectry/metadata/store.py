"""The versioned metadata store.

Every applied change is one new tenant metadata version, with who, when, a summary and
the per-document before/after. Each stored document keeps its origin (the tenant, or a
pack and its version) and, for pack documents, the baseline the pack shipped, so the
tenant's own edits stay distinguishable and a pack upgrade can merge three ways.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import sqlalchemy as sa

from objectry.metadata.catalog_tables import meta_documents, meta_revisions, meta_versions, tenants

TENANT_ORIGIN: Mapping[str, Any] = {"source": "tenant"}


@dataclass(frozen=True)
class StoredDocument:
    kind: str
    api_name: str
    document: Mapping[str, Any]
    origin: Mapping[str, Any]
    baseline: Mapping[str, Any] | None
    version: int

    @property
    def customized(self) -> bool:
        """A pack document the tenant has changed since the pack shipped it."""
        return self.baseline is not None and dict(self.document) != dict(self.baseline)


@dataclass(frozen=True)
class DocumentChange:
    """One document's move from ``before`` to ``after`` (None: absent)."""

    kind: str
    api_name: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    origin: Mapping[str, Any] = field(default_factory=lambda: dict(TENANT_ORIGIN))
    baseline: Mapping[str, Any] | None = None
    steps: list[Mapping[str, Any]] = field(default_factory=list)


def current_version(conn: sa.Connection, tenant_id: int) -> int:
    return conn.execute(
        sa.select(tenants.c.meta_version).where(tenants.c.id == tenant_id)).scalar_one()


def documents(conn: sa.Connection, tenant_id: int, kind: str) -> dict[str, StoredDocument]:
    """The tenant's current documents of ``kind`` by api_name."""
    rows = conn.execute(sa.select(meta_documents).where(
        meta_documents.c.tenant_id == tenant_id, meta_documents.c.kind == kind))
    return {row.api_name: _stored(row) for row in rows}


def document(conn: sa.Connection, tenant_id: int, kind: str,
             api_name: str) -> StoredDocument | None:
    row = conn.execute(sa.select(meta_documents).where(
        meta_documents.c.tenant_id == tenant_id, meta_documents.c.kind == kind,
        meta_documents.c.api_name == api_name)).first()
    return _stored(row) if row else None


def _stored(row: sa.Row) -> StoredDocument:
    return StoredDocument(row.kind, row.api_name, row.document, row.origin, row.baseline,
                          row.version)


def lock_tenant(conn: sa.Connection, tenant_id: int) -> int:
    """Serialize metadata changes of one tenant; returns the version to build on."""
    query = sa.select(tenants.c.meta_version).where(tenants.c.id == tenant_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).scalar_one()


def commit_version(conn: sa.Connection, tenant_id: int, *, actor: str, summary: str,
                   changes: Iterable[DocumentChange], now: dt.datetime) -> int:
    """Write the changes as the tenant's next metadata version and return its number.

    The caller holds the tenant lock (``lock_tenant``) and runs this in the same
    transaction as the schema changes, so a version exists exactly when it applied.
    """
    changes = list(changes)
    version = lock_tenant(conn, tenant_id) + 1
    conn.execute(tenants.update().where(tenants.c.id == tenant_id).values(meta_version=version))
    conn.execute(meta_versions.insert().values(
        tenant_id=tenant_id, version=version, created_at=now, actor=actor, summary=summary,
        changes=[{"kind": c.kind, "api_name": c.api_name,
                  "action": _action(c), "steps": list(c.steps)} for c in changes]))
    for change in changes:
        key = {"tenant_id": tenant_id, "kind": change.kind, "api_name": change.api_name}
        where = sa.and_(*(meta_documents.c[k] == v for k, v in key.items()))
        conn.execute(meta_documents.delete().where(where))
        if change.after is not None:
            conn.execute(meta_documents.insert().values(
                **key, document=change.after, origin=change.origin,
                baseline=change.baseline, version=version))
        conn.execute(meta_revisions.insert().values(
            **key, version=version, document=change.after,
            origin=change.origin if change.after is not None else None,
            baseline=change.baseline))
    return version


def _action(change: DocumentChange) -> str:
    if change.before is None:
        return "created"
    if change.after is None:
        return "deleted"
    return "changed"


def history(conn: sa.Connection, tenant_id: int, *, limit: int = 50,
            before: int | None = None) -> list[dict[str, Any]]:
    """Newest versions first: who, when, summary and what changed."""
    query = sa.select(meta_versions).where(meta_versions.c.tenant_id == tenant_id)
    if before is not None:
        query = query.where(meta_versions.c.version < before)
    rows = conn.execute(query.order_by(meta_versions.c.version.desc()).limit(limit)).all()
    return [{"version": r.version, "created_at": r.created_at, "actor": r.actor,
             "summary": r.summary,
             "changes": [{**change, "diff": _diff(conn, tenant_id, r.version, change)}
                         for change in r.changes]}
            for r in rows]


def _diff(conn: sa.Connection, tenant_id: int, version: int,
          change: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The change as a JSON Patch (RFC 6902) from the previous revision of the document."""
    key = (meta_revisions.c.tenant_id == tenant_id, meta_revisions.c.kind == change["kind"],
           meta_revisions.c.api_name == change["api_name"])
    after = conn.execute(sa.select(meta_revisions.c.document).where(
        *key, meta_revisions.c.version == version)).scalar()
    before = conn.execute(sa.select(meta_revisions.c.document).where(
        *key, meta_revisions.c.version < version)
        .order_by(meta_revisions.c.version.desc()).limit(1)).scalar()
    return jsonpatch.make_patch(before or {}, after or {}).patch


def state_at(conn: sa.Connection, tenant_id: int,
             version: int) -> dict[tuple[str, str], StoredDocument]:
    """Every document as it stood right after ``version`` was applied."""
    latest = (
        sa.select(meta_revisions.c.kind, meta_revisions.c.api_name,
                  sa.func.max(meta_revisions.c.version).label("version"))
        .where(meta_revisions.c.tenant_id == tenant_id, meta_revisions.c.version <= version)
        .group_by(meta_revisions.c.kind, meta_revisions.c.api_name)
        .subquery()
    )
    rows = conn.execute(sa.select(meta_revisions).join(latest, sa.and_(
        meta_revisions.c.kind == latest.c.kind,
        meta_revisions.c.api_name == latest.c.api_name,
        meta_revisions.c.version == latest.c.version,
    )).where(meta_revisions.c.tenant_id == tenant_id))
    return {(r.kind, r.api_name): StoredDocument(r.kind, r.api_name, r.document, r.origin,
                                                 r.baseline, r.version)
            for r in rows if r.document is not None}


def version_exists(conn: sa.Connection, tenant_id: int, version: int) -> bool:
    return conn.execute(sa.select(sa.literal(1)).where(
        meta_versions.c.tenant_id == tenant_id, meta_versions.c.version == version)
    ).first() is not None
