"""The Casbin model every tenant's decisions run on.

A request asks: may a user holding ``roles`` do ``act`` (read or edit a field group, or
an object action) on ``obj`` given the record's distribution level ``dist`` for the
user? Policies carry a priority; ``priority(p.eft) || deny`` lets the first matching rule
by priority decide, so a tenant's conflict strategy is a choice of which distribution
rules exist and whether they sit above or below the role rules (see ``policies.py``).
Role membership is a request attribute (``has_role``), so a handful of policy rows per
role serves every user, and per-record grants stay in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable

import casbin
from casbin.model import Model

MODEL_TEXT = """
[request_definition]
r = roles, obj, act, dist

[policy_definition]
p = priority, role, obj, act, dist, eft

[policy_effect]
e = priority(p.eft) || deny

[matchers]
m = r.obj == p.obj && r.act == p.act && has_role(r.roles, p.role) && dist_match(r.dist, p.dist)
"""

ANY = "*"


def has_role(roles: str, role: str) -> bool:
    """``roles`` is the requester's roles joined by ``|``; ``*`` matches anyone."""
    return role == ANY or role in roles.split("|")


def dist_match(dist: str, wanted: str) -> bool:
    return wanted == ANY or dist == wanted


def build_enforcer(rows: Iterable[list[str]]) -> casbin.Enforcer:
    """An enforcer over ``rows`` in priority order (the first matching rule decides)."""
    model = Model()
    model.load_model_from_text(MODEL_TEXT)
    enforcer = casbin.Enforcer(model)
    enforcer.add_function("has_role", has_role)
    enforcer.add_function("dist_match", dist_match)
    ordered = sorted(rows, key=lambda row: int(row[0]))
    if ordered:
        enforcer.add_policies(ordered)
    return enforcer


def roles_key(roles: Iterable[str]) -> str:
    return "|".join(sorted(set(roles)))
