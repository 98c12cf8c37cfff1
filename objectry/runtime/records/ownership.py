"""Changing who owns a record: the one owner-change command (issue 15).

Every path that moves an owner (the API, the bulk API, a workflow's ``assign`` step, an
assignment rule, later pools and imports) calls :func:`change_owner`, so the right to
reassign, the version, the audit entry and the events are the same everywhere, and a
PATCH of ``owner`` is refused with a pointer here (``write._validate``).

Who may reassign: administrators and the platform (``system``: workflows, rules), and
the record's current owner (seed 004's 主控者) when their roles allow ``edit`` on the
object. Anyone else gets 403 ``reassign_not_allowed``, even with edit rights on the
record: giving a record away is the owner's or an administrator's decision.

The move is an ``updated`` journal write of the ``owner`` field (so ``updated``
workflows with ``changed: [owner]`` and the audit trail see it), whose audit change
carries ``because`` (why: the caller's reason or the rule entry that decided), plus a
``record.owner_changed`` event with the old and new owner, the reason and how many
distribution grants were revoked.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import (
    ErrorItem,
    Forbidden,
    Invalid,
    PreconditionFailed,
    Problem,
    pointer,
)
from objectry.permissions.grant_tables import live, record_grants
from objectry.runtime.access.filter_sources import list_filter
from objectry.runtime.access.guard import Guard
from objectry.runtime.access.people import actor_for
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.records import journal

#: What happens to the record's live distribution grants when its owner changes:
#: ``keep`` them (the new owner inherits the team), or ``revoke`` them all (reclaim).
GRANT_POLICIES = ("keep", "revoke")
#: Records one bulk call moves at most (one transaction).
MAX_BULK = 1000
BULK_KEYS = frozenset({"owner", "ids", "filter", "view", "grants", "reason"})
ONE_KEYS = frozenset({"owner", "grants", "reason"})
MAX_REASON = 500


def change_owner(ctx: Context, object_name: str, record_id: Any, owner: Any, *,
                 grants: str = "keep", because: Mapping[str, Any] | None = None,
                 if_match: int | None = None,
                 decision: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Give the record to ``owner`` (a user id, ``user:EMAIL`` or an email: an active
    user of the tenant, else 422 at ``/owner``; None only from the platform: a record
    entering a pool belongs to nobody); ``grants``: see ``GRANT_POLICIES``;
    ``decision``: a rule's full decision, kept in the event (``/assignments``)."""
    if grants not in GRANT_POLICIES:
        raise Invalid([ErrorItem("/grants", "schema_enum", {"allowed": list(GRANT_POLICIES)})])
    new_owner = None if owner is None and ctx.actor.is_system else resolve_owner(ctx, owner)
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, _ = guard.load(record_id)
    may_reassign(guard, row)
    if if_match is not None and if_match != row["version"]:
        raise PreconditionFailed(detail_code="version_mismatch", expected=if_match,
                                 actual=row["version"])
    old = str(row["owner"]) if row["owner"] else None
    revoked = _revoke_grants(ctx, object_name, row["id"]) if grants == "revoke" else 0
    new = None if new_owner is None else str(new_owner)
    answer = {"id": str(row["id"]), "owner": new, "previous_owner": old,
              "grants_revoked": revoked}
    if row["owner"] == new_owner:
        return {**answer, "version": row["version"], "changed": False}
    change: dict[str, Any] = {"field": "owner", "old": old, "new": new}
    if because:
        change["because"] = dict(because)
    stamp = journal.bump(ctx, model, row, {"owner": new_owner}, "updated", [change])
    journal.announce(ctx, model, row["id"], "owner_changed", {
        "version": stamp["version"], "old": old, "new": new,
        "because": dict(because or {}), "grants": grants, "grants_revoked": revoked,
        **({"decision": dict(decision)} if decision else {})})
    return {**answer, "version": stamp["version"], "changed": True}


def change_owner_rows(ctx: Context, model: Any,
                      moves: Sequence[tuple[dict[str, Any], uuid.UUID | None,
                                            Mapping[str, Any], Mapping[str, Any] | None]],
                      *, grants: str = "keep") -> None:
    """:func:`change_owner` for many rows the caller has just read or written in this
    transaction (``(row, new owner: an active user, or None from the platform, because,
    decision)``), with the same right to reassign, version guard, audit change and
    ``owner_changed`` event, one statement per table for the whole batch (a rule
    assigning a bulk create's new records, the pool sweep). Each ``row`` is updated in
    place (owner, version, updated_at/by)."""
    if grants not in GRANT_POLICIES:
        raise Invalid([ErrorItem("/grants", "schema_enum", {"allowed": list(GRANT_POLICIES)})])
    guard = Guard(ctx, model)
    moving = [m for m in moves if m[0]["owner"] != m[1]]
    for row, owner, _, _ in moving:
        if owner is None and not ctx.actor.is_system:
            raise Invalid([ErrorItem("/owner", "owner_not_active_user", {"user": ""})])
        may_reassign(guard, row)
    revoked: dict[Any, int] = {}
    if grants == "revoke":
        revoked = _revoke_many(ctx, model.api_name, [row["id"] for row, _, _, _ in moves])
    writes = []
    for row, owner, because, _ in moving:
        change: dict[str, Any] = {"field": "owner", "old": _text(row["owner"]),
                                  "new": _text(owner)}
        if because:
            change["because"] = dict(because)
        writes.append((row, {"owner": owner}, [change]))
    stamps = journal.bump_many(ctx, model, writes, "updated")
    journal.announce_many(ctx, model, [
        (row["id"], {"version": stamp["version"], "old": _text(row["owner"]),
                     "new": _text(owner), "because": dict(because or {}), "grants": grants,
                     "grants_revoked": revoked.get(row["id"], 0),
                     **({"decision": dict(decision)} if decision else {})})
        for (row, owner, because, decision), stamp in zip(moving, stamps, strict=True)],
        "owner_changed")
    for (row, owner, _, _), stamp in zip(moving, stamps, strict=True):
        row.update(owner=owner, **stamp)


def _revoke_many(ctx: Context, object_name: str, ids: Sequence[Any]) -> dict[Any, int]:
    """:func:`_revoke_grants` for many records: how many each had revoked."""
    found: dict[Any, int] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        where = (record_grants.c.tenant_id == ctx.tenant.id,
                 record_grants.c.object == object_name, record_grants.c.record_id.in_(chunk),
                 *live(ctx.now()))
        counted: dict[Any, Any] = {r[0]: r[1] for r in ctx.conn.execute(
            sa.select(record_grants.c.record_id, sa.func.count()).where(*where)
            .group_by(record_grants.c.record_id))}
        if counted:
            ctx.conn.execute(record_grants.update().where(*where).values(
                revoked_at=ctx.now(), revoked_by=ctx.actor.user_id))
            found.update({k: int(v) for k, v in counted.items()})
    return found


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def change_owner_command(ctx: Context, object_name: str, record_id: Any, body: Any, *,
                         if_match: int | None = None) -> dict[str, Any]:
    """``POST /records/{object}/{id}/owner``: ``{"owner", "grants"?, "reason"?}``."""
    owner, grants, because = _read_body(body, ONE_KEYS)
    return change_owner(ctx, object_name, record_id, owner, grants=grants, because=because,
                        if_match=if_match)


def change_owners(ctx: Context, object_name: str, body: Any) -> dict[str, Any]:
    """``POST /records/{object}/owner``: the records of ``ids`` or of a ``filter`` (and
    ``view``, as a list reads them: the caller's visibility, fields they may filter
    on) go to ``owner``, all in one transaction: any refusal changes nothing."""
    owner, grants, because = _read_body(body, BULK_KEYS)
    has_ids, has_filter = "ids" in body, "filter" in body or "view" in body
    if has_ids == has_filter:
        raise Invalid([ErrorItem("", "bulk_ids_or_filter")])
    model = get_model(ctx, object_name)
    resolve_owner(ctx, owner)  # a bad owner is the first answer, whatever the records
    if has_ids:
        ids = body["ids"]
        if not isinstance(ids, list) or not ids:
            raise Invalid([ErrorItem("/ids", "bulk_ids_list", {"max": MAX_BULK})])
        if len(ids) > MAX_BULK:
            raise Invalid([ErrorItem("/ids", "bulk_too_many", {"max": MAX_BULK})])
        targets: list[tuple[str, Any]] = [(pointer("ids", i), v) for i, v in enumerate(ids)]
    else:
        guard = Guard(ctx, model)
        found = selected_ids(guard, body.get("filter"), body.get("view"), MAX_BULK + 1)
        if len(found) > MAX_BULK:
            raise Invalid([ErrorItem("/filter", "bulk_too_many", {"max": MAX_BULK})])
        targets = [("/filter", v) for v in found]
    items = []
    for at, record_id in targets:
        try:
            items.append(change_owner(ctx, object_name, record_id, owner, grants=grants,
                                      because=because))
        except Problem as exc:
            raise _at(exc, at) from exc
    return {"changed": sum(1 for i in items if i["changed"]),
            "unchanged": sum(1 for i in items if not i["changed"]), "items": items}


def selected_ids(guard: Guard, filter: Any, view: str | None, limit: int) -> list[uuid.UUID]:
    """Ids of the live records a list with this filter and view shows the actor (up to
    ``limit``, oldest first): the same visibility and readable-field checks as a list."""
    table = guard.model.table
    conditions = selection(guard, filter, view)
    query = sa.select(table.c.id).where(*conditions).order_by(table.c.id).limit(limit)
    return [r.id for r in guard.ctx.conn.execute(query)]


def selection(guard: Guard, filter: Any, view: str | None) -> list[sa.ColumnElement[bool]]:
    """The SQL of :func:`selected_ids`'s records (live, the view, the filter, visible)."""
    table = guard.model.table
    conditions: list[sa.ColumnElement[bool]] = [table.c.deleted_at.is_(None)]
    if view == "own":
        conditions.append(table.c.owner == guard.ctx.actor.user_id)
    elif view == "shared":
        conditions.append(guard.shared())
    elif view not in (None, "all"):
        raise Invalid([ErrorItem("/view", "schema_enum",
                                 {"allowed": ["all", "shared", "own"]})])
    if filter is not None:
        conditions.append(list_filter(guard, filter))
    visible = guard.visible()
    if visible is not None:
        conditions.append(visible)
    return conditions


def resolve_owner(ctx: Context, value: Any, at: str = "/owner") -> uuid.UUID:
    """An active user of the tenant named by id, ``user:EMAIL`` or email; else 422."""
    if isinstance(value, uuid.UUID):
        actor = actor_for(ctx.conn, ctx.tenant.id, user_id=value)
        text = str(value)
    else:
        text = str(value).removeprefix("user:") if isinstance(value, str) else ""
        actor = None
        if "@" in text:
            actor = actor_for(ctx.conn, ctx.tenant.id, email=text)
        elif text:
            try:
                actor = actor_for(ctx.conn, ctx.tenant.id, user_id=uuid.UUID(text))
            except ValueError:
                actor = None
    if actor is None or actor.user_id is None:
        raise Invalid([ErrorItem(at, "owner_not_active_user", {"user": text[:254]})])
    return actor.user_id


def may_reassign(guard: Guard, row: Mapping[str, Any]) -> None:
    """403 ``reassign_not_allowed`` unless the actor may give this record away."""
    if guard.unrestricted:
        return
    if row["owner"] is not None and row["owner"] == guard.ctx.actor.user_id:
        guard.require("edit")
        return
    raise Forbidden(detail_code="reassign_not_allowed")


def _revoke_grants(ctx: Context, object_name: str, record_id: uuid.UUID) -> int:
    """Revoke every live grant on the record (the previous owner's and grantees'),
    keeping the rows (who, when) as the distribution history."""
    result = ctx.conn.execute(
        record_grants.update().where(
            record_grants.c.tenant_id == ctx.tenant.id,
            record_grants.c.object == object_name, record_grants.c.record_id == record_id,
            *live(ctx.now()))
        .values(revoked_at=ctx.now(), revoked_by=ctx.actor.user_id))
    return int(result.rowcount or 0)


def _read_body(body: Any, allowed: frozenset[str]) -> tuple[Any, str, dict[str, Any]]:
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = [ErrorItem(pointer(k), "unknown_parameter", {"name": k})
              for k in sorted(set(body) - allowed)]
    if "owner" not in body:
        errors.append(ErrorItem("/owner", "required", {"field": "owner"}))
    grants = body.get("grants", "keep")
    if grants not in GRANT_POLICIES:
        errors.append(ErrorItem("/grants", "schema_enum", {"allowed": list(GRANT_POLICIES)}))
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        errors.append(ErrorItem("/reason", "too_long", {"max_length": MAX_REASON}))
    if errors:
        raise Invalid(errors)
    because = {"reason": reason} if reason else {"reason": "manual"}
    return body["owner"], grants, because


def _at(exc: Problem, at: str) -> Problem:
    """The same refusal, its culprits pointed at the record of the bulk call."""
    errors = [e.under(at) for e in exc.errors] or [ErrorItem(at, exc.detail_code, exc.params)]
    return type(exc)(errors, detail_code=exc.detail_code, status=exc.status,
                     extra=exc.extra, **exc.params)
