"""Why may a user do this with this record? (``GET /records/{o}/{id}/access?user=``)

For each field group (and each field a role sets apart) and each of read and edit:
the administrative verdict and the Casbin rule that gave it, the distribution level
and the grants it comes from, the group's conflict strategy, and the final decision with
the rule that decided it (``enforce_ex``). Object actions and how the record is visible
(which role's data scope, which grant) come with it, and what the user may distribute
(``distribute``: up to which level per group, and which limit applied).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import casbin
import sqlalchemy as sa

from objectry.metadata.permission_terms import ACTIONS, NOT_DISTRIBUTED
from objectry.metadata.problems import ErrorItem, Forbidden, Invalid
from objectry.permissions.casbin_model import roles_key
from objectry.permissions.policies import FIELD_ACTS, field_obj, group_obj
from objectry.runtime.access.decisions import merge_levels
from objectry.runtime.access.grants import limits
from objectry.runtime.access.guard import Guard
from objectry.runtime.access.people import actor_for
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model

Rule = list[str]


def explain(ctx: Context, object_name: str, record_id: Any, email: Any) -> dict[str, Any]:
    model = get_model(ctx, object_name)
    asker = Guard(ctx, model)
    row, _ = asker.load(record_id, include_deleted=True)
    if not isinstance(email, str) or not email.strip():
        raise Invalid([ErrorItem("/user", "invalid_parameter",
                                 {"name": "user", "reason": "the user's email address"})])
    is_self = email.strip().lower() == ctx.actor.email
    if not (asker.unrestricted or row["owner"] == ctx.actor.user_id or is_self):
        raise Forbidden(detail_code="explain_not_allowed")
    subject = actor_for(ctx.conn, ctx.tenant.id, email=email)
    if subject is None:
        raise Invalid([ErrorItem("/user", "unknown_user", {"email": email[:254]})])
    guard = Guard(dataclasses.replace(ctx, actor=subject), model)
    answer: dict[str, Any] = {"object": object_name, "record": str(row["id"]),
                              "user": subject.email, "roles": list(subject.roles),
                              "department": subject.department, "admin": guard.unrestricted}
    if guard.unrestricted:
        answer.update(visible={"visible": True, "because": "admin"},
                      actions={a: {"allowed": True, "rule": None} for a in ACTIONS},
                      field_groups={g: {"decision": {"level": "edit", "rule": None}}
                                    for g in guard.rules.shape.groups}, fields={},
                      distribute=limits(guard, row, guard.everything))
        return answer
    grants = guard.live_grants(row["id"])
    dist = merge_levels(g["field_groups"] or {} for g in grants) if grants else None
    enforcer, who = guard.enforcer(), roles_key(subject.roles)
    answer["visible"] = _visibility(guard, row["id"], grants)
    answer["grants"] = [{"id": str(g["id"]), "grantee": f"{g['grantee_kind']}:{g['grantee']}",
                         "field_groups": g["field_groups"], "via": g["via"]} for g in grants]
    answer["actions"] = {action: _verdict(enforcer, who, object_name, action, NOT_DISTRIBUTED)
                         for action in ACTIONS}
    shape = guard.rules.shape
    answer["field_groups"] = {
        group: _levels(enforcer, who, group_obj(object_name, group), group, dist, grants,
                       guard.rules.strategies[group])
        for group in shape.groups}
    answer["fields"] = {
        name: _levels(enforcer, who, field_obj(object_name, name), shape.field_groups[name],
                      dist, grants, guard.rules.strategies[shape.field_groups[name]])
        for name in guard.rules.overridden}
    answer["distribute"] = limits(guard, row, guard.access(dist))
    return answer


def _verdict(enforcer: casbin.Enforcer, who: str, obj: str, act: str,
             dist: str) -> dict[str, Any]:
    allowed, rule = enforcer.enforce_ex(who, obj, act, dist)
    return {"allowed": bool(allowed), "rule": _rule(rule)}


def _rule(rule: Rule) -> dict[str, str] | None:
    """A matched policy row in words; ``None`` when no rule matched (denied by default)."""
    if not rule:
        return None
    priority, role, obj, act, dist, effect = rule
    return {"priority": priority, "role": role, "object": obj, "action": act,
            "distribution": dist, "effect": effect}


def _levels(enforcer: casbin.Enforcer, who: str, obj: str, group: str,
            dist: Mapping[str, str] | None, grants: list[dict[str, Any]],
            strategy: str) -> dict[str, Any]:
    level = NOT_DISTRIBUTED if dist is None else dist.get(group, "none")
    administrative = {act: _verdict(enforcer, who, obj, act, NOT_DISTRIBUTED)
                      for act in FIELD_ACTS}
    decision = {act: _verdict(enforcer, who, obj, act, level) for act in FIELD_ACTS}
    return {
        "strategy": strategy,
        "administrative": {"level": _level_of(administrative), **administrative},
        "distribution": {"level": None if dist is None else level,
                         "grants": [str(g["id"]) for g in grants
                                    if (g["field_groups"] or {}).get(group) == level]},
        "decision": {"level": _level_of(decision), **decision},
    }


def _level_of(verdicts: Mapping[str, Mapping[str, Any]]) -> str:
    if verdicts["edit"]["allowed"]:
        return "edit"
    return "read" if verdicts["read"]["allowed"] else "none"


def _visibility(guard: Guard, record_id: Any, grants: list[dict[str, Any]]) -> dict[str, Any]:
    """Which data scope or grant makes the record visible to the subject."""
    table = guard.model.table
    scopes = []
    for role, scope in guard.rules.scopes(guard.ctx.actor.roles):
        clause = sa.true() if scope == "all" else guard.scope_clause(role, scope)
        hit = guard.ctx.conn.execute(sa.select(table.c.id).where(table.c.id == record_id,
                                                                  clause)).first()
        if hit is not None:
            scopes.append({"role": role, "scope": scope})
    return {"visible": bool(scopes or grants), "scopes": scopes,
            "grants": [str(g["id"]) for g in grants]}
