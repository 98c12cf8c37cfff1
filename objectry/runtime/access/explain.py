"""Why may a user do this with this record? (``GET /records/{o}/{id}/access?user=``)

For each field group (and each field a role sets apart) and each of read and edit:
the administrative verdict and the Casbin rule that gave it, the distribution level
and the grants it comes from, the group's conflict strategy, and the final decision with
the rule that decided it (``enforce_ex``). Object actions and how the record is visible
(which role's data scope, which grant) come with it, and what the user may distribute
(``distribute``: up to which level per group, and which limit applied).

The verdicts are the very ``Decision`` enforcement reads (``Guard.decision`` at the
row's distribution levels as ``Guard.load`` finds them); explain only adds the reasons.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from objectry.metadata.permission_terms import ACTIONS, NOT_DISTRIBUTED
from objectry.metadata.problems import ErrorItem, Forbidden, Invalid
from objectry.permissions.access import LevelVerdicts, Verdict
from objectry.permissions.policies import FIELD_ACTS
from objectry.runtime.access.grants import limits
from objectry.runtime.access.guard import Guard
from objectry.runtime.access.people import actor_for
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model


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
                      field_groups={g: {"decision": {
                          "level": "edit", "rule": None,
                          **{act: {"allowed": True, "rule": None} for act in FIELD_ACTS}}}
                          for g in guard.rules.shape.groups}, fields={},
                      distribute=limits(guard, row, guard.everything))
        return answer
    grants = guard.live_grants(row["id"])
    # the very levels and decisions enforcement uses for this row (``Guard.load``)
    dist = guard.distribution([row["id"]]).get(row["id"])
    administrative, decided = guard.decision(None), guard.decision(dist)
    answer["visible"] = _visibility(guard, row["id"], grants)
    answer["grants"] = [{"id": str(g["id"]), "grantee": f"{g['grantee_kind']}:{g['grantee']}",
                         "field_groups": g["field_groups"], "via": g["via"]} for g in grants]
    answer["actions"] = {action: _verdict(administrative.actions[action])
                         for action in ACTIONS}
    shape, strategies = guard.rules.shape, guard.rules.strategies
    answer["field_groups"] = {
        group: _levels(administrative.groups[group], decided.groups[group], group, dist,
                       grants, strategies[group])
        for group in shape.groups}
    answer["fields"] = {
        name: _levels(administrative.fields[name], decided.fields[name],
                      shape.field_groups[name], dist, grants,
                      strategies[shape.field_groups[name]])
        for name in guard.rules.overridden}
    answer["distribute"] = limits(guard, row, decided.access)
    return answer


def _verdict(verdict: Verdict) -> dict[str, Any]:
    return {"allowed": verdict.allowed, "rule": _rule(verdict.rule)}


def _rule(rule: Sequence[str]) -> dict[str, str] | None:
    """A matched policy row in words; ``None`` when no rule matched (denied by default)."""
    if not rule:
        return None
    priority, role, obj, act, dist, effect = rule
    return {"priority": priority, "role": role, "object": obj, "action": act,
            "distribution": dist, "effect": effect}


def _levels(administrative: LevelVerdicts, decided: LevelVerdicts, group: str,
            dist: Mapping[str, str] | None, grants: list[dict[str, Any]],
            strategy: str) -> dict[str, Any]:
    """One group's (or field's) answer: the decision enforcement applies, and why."""
    level = NOT_DISTRIBUTED if dist is None else dist.get(group, "none")
    return {
        "strategy": strategy,
        "administrative": {"level": administrative.level,
                           **{act: _verdict(getattr(administrative, act))
                              for act in FIELD_ACTS}},
        "distribution": {"level": None if dist is None else level,
                         "grants": [str(g["id"]) for g in grants
                                    if (g["field_groups"] or {}).get(group, "none") == level]},
        "decision": {"level": decided.level,
                     **{act: _verdict(getattr(decided, act)) for act in FIELD_ACTS}},
    }


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
    visible = guard.visible()  # the clause every read enforces; scopes and grants say why
    seen = visible is None or guard.ctx.conn.execute(
        sa.select(table.c.id).where(table.c.id == record_id, visible)).first() is not None
    return {"visible": seen, "scopes": scopes, "grants": [str(g["id"]) for g in grants]}
