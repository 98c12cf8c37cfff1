"""An object's permission rules at one metadata version, shared by every user.

Compiled once per (tenant, metadata version, object) from the role documents and the
access policies. Each user then gets a small enforcer over only the rules that can
match them (their roles' rows and the strategies' rows): Casbin scans rules linearly,
so a tenant with 50 roles would otherwise pay for all of them on every cold decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import casbin

from objectry.metadata.names import DEFAULT_GROUP
from objectry.metadata.validation.access import field_groups_of
from objectry.permissions.casbin_model import ANY, build_enforcer
from objectry.permissions.policies import ObjectShape, object_rows, strategy_for


def shape_of(definition: Mapping[str, Any]) -> ObjectShape:
    fields = {f["api_name"]: f.get("group") or DEFAULT_GROUP for f in definition["fields"]}
    return ObjectShape(definition["api_name"], tuple(field_groups_of(definition)),
                       MappingProxyType(fields))


@dataclass(frozen=True)
class ObjectRules:
    shape: ObjectShape
    rows: tuple[tuple[str, ...], ...]
    role_grants: Mapping[str, Mapping[str, Any]]  # role -> its grant on this object
    overridden: tuple[str, ...]  # fields some role sets apart from their group
    strategies: Mapping[str, str]  # group -> conflict strategy

    def enforcer(self, roles: Iterable[str]) -> casbin.Enforcer:
        held = set(roles)
        return build_enforcer([list(row) for row in self.rows
                               if row[1] == ANY or row[1] in held])

    def scopes(self, roles: Iterable[str]) -> list[tuple[str, Any]]:
        """(role, scope) of each held role that may read this object."""
        return [(role, self.role_grants[role].get("scope", "own")) for role in sorted(set(roles))
                if role in self.role_grants
                and "read" in self.role_grants[role].get("actions", [])]


def compile_rules(definition: Mapping[str, Any], roles: Mapping[str, Mapping[str, Any]],
                  tenant_policy: Mapping[str, Any] | None,
                  object_policy: Mapping[str, Any] | None) -> ObjectRules:
    shape = shape_of(definition)
    grants = {name: role["grants"][shape.name] for name, role in roles.items()
              if shape.name in role.get("grants", {})}
    overridden = sorted({f for grant in grants.values() for f in grant.get("fields", {})
                         if f in shape.field_groups})
    rows = object_rows(shape, roles, tenant_policy, object_policy)
    return ObjectRules(
        shape=shape, rows=tuple(tuple(r) for r in rows),
        role_grants=MappingProxyType(grants), overridden=tuple(overridden),
        strategies=MappingProxyType({g: strategy_for(g, tenant_policy, object_policy)
                                     for g in shape.groups}))
