"""Distribution grants on records: grant, change, revoke (reclaim) and list.

A grant shares one record with a user or a department (its members and those of its
sub-departments) at a level per field group, optionally until ``expires_at``. Revoking
keeps the row (who revoked, when) so the distribution history stays readable.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import users
from objectry.metadata.fieldtypes.datetime import format_instant, parse_instant
from objectry.metadata.names import DEFAULT_GROUP
from objectry.metadata.permission_terms import LEVELS, level_rank
from objectry.metadata.problems import (
    ErrorItem,
    FieldValueError,
    Forbidden,
    Invalid,
    NotFound,
    pointer,
)
from objectry.metadata.validation.access import field_groups_of
from objectry.permissions.access import AccessMap
from objectry.permissions.grant_tables import live, record_grants
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.model.compiled import ObjectModel, get_model

GRANT_FIELDS = frozenset({"grantee", "field_groups", "expires_at", "via"})


def grant(ctx: Context, object_name: str, record_id: Any, body: Any) -> dict[str, Any]:
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, access = guard.load(record_id)
    _may_distribute(guard, row, access)
    values = _parse(ctx, model, body, partial=False)
    _not_to_self(guard, values)
    values["field_groups"] = _with_default(guard, access, values["field_groups"])
    _within_holding(guard, row, access, values["field_groups"])
    now = ctx.now()
    created = {"id": uuid7(), "tenant_id": ctx.tenant.id, "object": object_name,
               "record_id": row["id"], "granted_by": ctx.actor.user_id, "created_at": now,
               "via": values.pop("via", "manual"), **values}
    ctx.conn.execute(record_grants.insert(), created)
    return _json(ctx, created)


def update_grant(ctx: Context, object_name: str, record_id: Any, grant_id: Any,
                 body: Any) -> dict[str, Any]:
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, access = guard.load(record_id)
    _may_distribute(guard, row, access)
    current = _load(ctx, object_name, row["id"], grant_id)
    _may_change(guard, row, current)
    values = _parse(ctx, model, body, partial=True)
    if "grantee_kind" in values:
        raise Invalid([ErrorItem("/grantee", "grantee_immutable")])
    if "field_groups" in values:
        _not_to_self(guard, current)
        values["field_groups"] = _with_default(guard, access, values["field_groups"])
        _within_holding(guard, row, access, values["field_groups"])
    ctx.conn.execute(record_grants.update().where(record_grants.c.id == current["id"])
                     .values(values))
    return _json(ctx, {**current, **values})


def revoke(ctx: Context, object_name: str, record_id: Any, grant_id: Any) -> None:
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, access = guard.load(record_id)
    _may_distribute(guard, row, access)
    current = _load(ctx, object_name, row["id"], grant_id)
    _may_change(guard, row, current)
    ctx.conn.execute(record_grants.update().where(record_grants.c.id == current["id"])
                     .values(revoked_at=ctx.now(), revoked_by=ctx.actor.user_id))


def list_grants(ctx: Context, object_name: str, record_id: Any, *,
                include_inactive: bool = False) -> list[dict[str, Any]]:
    model = get_model(ctx, object_name)
    row, _ = Guard(ctx, model).load(record_id)
    query = sa.select(record_grants).where(
        record_grants.c.tenant_id == ctx.tenant.id, record_grants.c.object == object_name,
        record_grants.c.record_id == row["id"])
    if not include_inactive:
        query = query.where(*active(ctx))
    rows = ctx.conn.execute(query.order_by(record_grants.c.id)).mappings()
    return [_json(ctx, dict(r)) for r in rows]


def active(ctx: Context) -> list[sa.ColumnElement[bool]]:
    """Conditions of a live grant: not revoked, not expired at the context's clock."""
    return live(ctx.now())


def _controls(guard: Guard, row: Mapping[str, Any]) -> bool:
    """The owner (seed 004: 主控者) and admins control a record's distribution."""
    return guard.unrestricted or row["owner"] == guard.ctx.actor.user_id


def _may_distribute(guard: Guard, row: Mapping[str, Any], access: AccessMap) -> None:
    """Besides the controllers, holders of the ``share`` right may pass a record on."""
    if not _controls(guard, row) and not access.can("share"):
        raise Forbidden(detail_code="share_not_allowed")


def _may_change(guard: Guard, row: Mapping[str, Any], current: Mapping[str, Any]) -> None:
    """A sharer changes or reclaims only the grants they made themselves."""
    if not _controls(guard, row) and current["granted_by"] != guard.ctx.actor.user_id:
        raise Forbidden(detail_code="grant_not_yours")


def limits(guard: Guard, row: Mapping[str, Any], access: AccessMap) -> dict[str, Any]:
    """What the guard's actor may give others on this record, and which limit applies
    (explain shows it; :func:`grant` enforces it): admins are unrestricted, everyone
    else, owners included, gives at most the level they hold, never to themselves."""
    groups = guard.rules.shape.groups
    if guard.unrestricted:
        return {"allowed": True, "because": "admin", "limit": None,
                "up_to": dict.fromkeys(groups, "edit"), "to_self": False}
    owner = row["owner"] == guard.ctx.actor.user_id
    allowed = owner or access.can("share")
    because = "owner" if owner else "share" if allowed else None
    return {"allowed": allowed, "because": because,
            "limit": "holding" if allowed else "share_not_allowed",
            "up_to": {g: access.groups.get(g, "none") if allowed else "none" for g in groups},
            "to_self": False}


def _not_to_self(guard: Guard, values: Mapping[str, Any]) -> None:
    """Nobody grants to themselves: under ``distribution_wins`` or ``most_permissive``
    a grant to oneself would lift one's own rights past what one's roles allow."""
    if values.get("grantee_kind") == "user" and guard.ctx.actor.user_id is not None \
            and values.get("grantee") == str(guard.ctx.actor.user_id):
        raise Forbidden([ErrorItem("/grantee", "grant_to_self")], detail_code="grant_to_self")


def _within_holding(guard: Guard, row: Mapping[str, Any], access: AccessMap,
                    levels: Mapping[str, str]) -> None:
    """A granter cannot give more than they hold themselves, group by group: owners
    included (controlling distribution is not holding every right); admins excepted."""
    if guard.unrestricted:
        return
    excess = [(group, level) for group, level in levels.items()
              if level_rank(level) > level_rank(access.groups.get(group, "none"))]
    if excess:
        raise Forbidden([ErrorItem(pointer("field_groups", group), "grant_exceeds_holding",
                                   {"group": group, "level": level,
                                    "held": access.groups.get(group, "none")})
                         for group, level in excess], detail_code="grant_exceeds_holding",
                        group=excess[0][0], level=excess[0][1],
                        held=access.groups.get(excess[0][0], "none"))


def _load(ctx: Context, object_name: str, record_id: uuid.UUID, grant_id: Any) -> dict:
    try:
        gid = uuid.UUID(str(grant_id))
    except ValueError:
        gid = None
    row = None if gid is None else ctx.conn.execute(sa.select(record_grants).where(
        record_grants.c.id == gid, record_grants.c.tenant_id == ctx.tenant.id,
        record_grants.c.object == object_name, record_grants.c.record_id == record_id,
        record_grants.c.revoked_at.is_(None))).mappings().first()
    if row is None:
        raise NotFound(detail_code="unknown_grant", id=str(grant_id)[:64])
    return dict(row)


def _parse(ctx: Context, model: ObjectModel, body: Any, *, partial: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = [ErrorItem(pointer(k), "unknown_parameter", {"name": k})
              for k in sorted(set(body) - GRANT_FIELDS)]
    values: dict[str, Any] = {}
    if "grantee" in body or not partial:
        values.update(_grantee(ctx, body.get("grantee"), errors))
    if "field_groups" in body or not partial:
        values["field_groups"] = _levels(model, body.get("field_groups"), errors)
    if body.get("expires_at") is not None:
        try:
            expires = parse_instant(body["expires_at"])
        except FieldValueError as exc:
            errors.append(ErrorItem("/expires_at", exc.code, exc.params))
        else:
            if expires <= ctx.now():
                errors.append(ErrorItem("/expires_at", "expiry_in_past"))
            values["expires_at"] = expires
    elif "expires_at" in body:
        values["expires_at"] = None
    if "via" in body:
        if not isinstance(body["via"], str) or not 0 < len(body["via"]) <= 120:
            errors.append(ErrorItem("/via", "not_a_string"))
        values["via"] = body["via"]
    if errors:
        raise Invalid(errors)
    return values


def _grantee(ctx: Context, raw: Any, errors: list[ErrorItem]) -> dict[str, Any]:
    kind, _, name = raw.partition(":") if isinstance(raw, str) else ("", "", "")
    if kind == "user":
        user_id = ctx.conn.execute(sa.select(users.c.id).where(
            users.c.tenant_id == ctx.tenant.id, users.c.email == name.strip().lower(),
            users.c.active.is_(True))).scalar()
        if user_id is None:
            errors.append(ErrorItem("/grantee", "unknown_user", {"email": name[:254]}))
            return {}
        return {"grantee_kind": "user", "grantee": str(user_id)}
    if kind == "department":
        if store.document(ctx.conn, ctx.tenant.id, "department", name) is None:
            errors.append(ErrorItem("/grantee", "unknown_department",
                                    {"department": name[:63]}))
            return {}
        return {"grantee_kind": "department", "grantee": name}
    errors.append(ErrorItem("/grantee", "invalid_grantee"))
    return {}


def _levels(model: ObjectModel, raw: Any, errors: list[ErrorItem]) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        errors.append(ErrorItem("/field_groups", "expected_object"))
        return {}
    groups = field_groups_of(model.definition)
    for group, level in raw.items():
        if group not in groups:
            errors.append(ErrorItem(pointer("field_groups", group), "unknown_group",
                                    {"group": group, "object": model.api_name}))
        elif level not in LEVELS:
            errors.append(ErrorItem(pointer("field_groups", group), "invalid_level",
                                    {"allowed": list(LEVELS)}))
    # ``default`` left out is settled by ``_with_default``, from the levels given
    return {g: raw.get(g, "none") for g in groups if g != DEFAULT_GROUP or g in raw}


def _with_default(guard: Guard, access: AccessMap,
                  levels: Mapping[str, str]) -> dict[str, str]:
    """A grant that does not name ``default`` shares the ungrouped fields (status,
    score...) at its object-level right: the most generous level it gives any group,
    within what the granter holds on them (so leaving ``default`` out never fails the
    holding check). The level is stored, so every reader of the grant sees the same."""
    if DEFAULT_GROUP in levels or DEFAULT_GROUP not in guard.rules.shape.groups:
        return dict(levels)
    given = max(levels.values(), key=level_rank, default="none")
    held = "edit" if guard.unrestricted else access.groups.get(DEFAULT_GROUP, "none")
    return {**levels, DEFAULT_GROUP: min(given, held, key=level_rank)}


def _json(ctx: Context, row: Mapping[str, Any]) -> dict[str, Any]:
    if row["grantee_kind"] == "user":
        email = ctx.conn.execute(sa.select(users.c.email).where(
            users.c.id == uuid.UUID(row["grantee"]))).scalar()
        grantee = f"user:{email}"
    else:
        grantee = f"department:{row['grantee']}"
    return {"id": str(row["id"]), "grantee": grantee, "field_groups": row["field_groups"],
            "granted_by": None if row.get("granted_by") is None else str(row["granted_by"]),
            "via": row.get("via", "manual"),
            "expires_at": format_instant(row["expires_at"]) if row.get("expires_at") else None,
            "created_at": format_instant(row["created_at"]),
            "revoked_at": format_instant(row["revoked_at"]) if row.get("revoked_at") else None}
