"""What the actor may do with an object: roles, Casbin enforcer and access maps.

The compiled rules of an object, the tenant's department tree, a department's members
and the per-(roles, distribution) access maps are derived from metadata only, so each
is cached in ``ctx.decisions`` under a key carrying the tenant's metadata version
(every role, policy, department or membership change bumps it in the database).
Admins and the platform itself (``system``) are unrestricted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from functools import cached_property

import casbin
import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import users
from objectry.metadata.permission_terms import level_rank
from objectry.metadata.problems import Forbidden
from objectry.metadata.validation.access import TENANT_POLICY
from objectry.permissions.access import AccessMap, Decision, DistLevels, decision, dist_key
from objectry.permissions.casbin_model import roles_key
from objectry.permissions.departments import DepartmentTree
from objectry.permissions.rules import ObjectRules, compile_rules
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel


def object_rules(ctx: Context, model: ObjectModel) -> ObjectRules:
    """The object's rules compiled from the tenant's roles and policies, once per
    metadata version (compiling reads every role document)."""
    key = ("rules", ctx.tenant.id, ctx.tenant.meta_version, model.api_name)

    def build() -> ObjectRules:
        roles = {name: stored.document
                 for name, stored in store.documents(ctx.conn, ctx.tenant.id, "role").items()}
        tenant_policy = store.document(ctx.conn, ctx.tenant.id, "access_policy", TENANT_POLICY)
        object_policy = store.document(ctx.conn, ctx.tenant.id, "access_policy",
                                       model.api_name)
        return compile_rules(model.definition, roles,
                             tenant_policy.document if tenant_policy else None,
                             object_policy.document if object_policy else None)

    return ctx.decisions.get_or_build(key, build)


def department_tree(ctx: Context) -> DepartmentTree:
    """The tenant's departments by parent, once per metadata version (team scopes and
    department grants both walk it)."""
    key = ("departments", ctx.tenant.id, ctx.tenant.meta_version)

    def build() -> DepartmentTree:
        found = store.documents(ctx.conn, ctx.tenant.id, "department")
        return DepartmentTree({name: stored.document.get("parent")
                               for name, stored in found.items()})

    return ctx.decisions.get_or_build(key, build)


def team_members(ctx: Context, department: str | None) -> tuple[uuid.UUID, ...]:
    """The users of a department's subtree (a "team" scope), once per metadata version:
    every membership change commits a version, and the ids go to SQL as an IN list the
    planner can weigh, instead of a sub-select it cannot."""
    key = ("team", ctx.tenant.id, ctx.tenant.meta_version, department)

    def build() -> tuple[uuid.UUID, ...]:
        team = department_tree(ctx).subtree(department)
        if not team:
            return ()
        return tuple(ctx.conn.execute(
            sa.select(users.c.id).where(users.c.tenant_id == ctx.tenant.id,
                                        users.c.department.in_(team))
            .order_by(users.c.id)).scalars())

    return ctx.decisions.get_or_build(key, build)


def tenant_user_count(ctx: Context) -> int:
    """How many users the tenant's rows are spread over (to weigh query shapes)."""
    key = ("user_count", ctx.tenant.id, ctx.tenant.meta_version)
    return ctx.decisions.get_or_build(key, lambda: ctx.conn.execute(
        sa.select(sa.func.count()).select_from(users)
        .where(users.c.tenant_id == ctx.tenant.id)).scalar_one())


def merge_levels(grants: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Several live grants reach a user (their own, their departments'): the most
    generous level per group counts, as each grant was given on purpose."""
    merged: dict[str, str] = {}
    for levels in grants:
        for group, level in levels.items():
            if level_rank(level) > level_rank(merged.get(group, "none")):
                merged[group] = level
            merged.setdefault(group, level)
    return merged


class Decisions:
    """The actor's rights on one object: Casbin over the rules that can match their
    roles, turned into access maps (per distribution level) the other parts read."""

    def __init__(self, ctx: Context, model: ObjectModel) -> None:
        self.ctx = ctx
        self.model = model
        self.unrestricted = ctx.actor.is_admin or ctx.actor.is_system

    @cached_property
    def rules(self) -> ObjectRules:
        """The object's compiled rules (cached per metadata version)."""
        return object_rules(self.ctx, self.model)

    def enforcer(self) -> casbin.Enforcer:
        """The Casbin enforcer over the rules that can match this actor (for explain),
        built once per (version, object, roles)."""
        key = ("enforcer", self.ctx.tenant.id, self.ctx.tenant.meta_version,
               self.model.api_name, roles_key(self.ctx.actor.roles))
        return self.ctx.decisions.get_or_build(
            key, lambda: self.rules.enforcer(self.ctx.actor.roles))

    def decision(self, dist: DistLevels) -> Decision:
        """Every verdict (with its rule) for a record distributed to the actor at
        ``dist`` (or not): the one computation enforcement and explain both read.
        Not for unrestricted actors (they are never asked: ``everything``)."""
        rules = self.rules
        key = ("decision", self.ctx.tenant.id, self.ctx.tenant.meta_version,
               self.model.api_name, roles_key(self.ctx.actor.roles),
               dist_key(rules.shape, dist))
        return self.ctx.decisions.get_or_build(key, lambda: decision(
            self.enforcer(), rules.shape, self.ctx.actor.roles, rules.overridden, dist))

    def access(self, dist: DistLevels) -> AccessMap:
        """The access map for a record distributed to the actor at ``dist`` (or not)."""
        if self.unrestricted:
            return self.everything
        return self.decision(dist).access

    @cached_property
    def everything(self) -> AccessMap:
        """Every right on every group: one object, so callers may test it by identity
        to skip filtering and masking."""
        return AccessMap.everything(self.rules.shape)

    @cached_property
    def base(self) -> AccessMap:
        """The actor's rights from their roles alone (no record distributed to them)."""
        return self.access(None)

    def require(self, action: str) -> None:
        """403 unless the actor's roles allow ``action`` on the object."""
        if not self.base.can(action):
            raise Forbidden(detail_code="action_not_allowed", action=action,
                            object=self.model.api_name)
