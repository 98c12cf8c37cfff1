"""Compile roles and access policies into Casbin policy rows for one object.

Rows are ``[priority, role, obj, act, dist, eft]`` with ``obj`` one of ``<object>``
(object actions), ``<object>/g:<group>`` (a field group) or ``<object>/f:<field>`` (a
field some role overrides). Role rules sit at priority ``ROLE``. The strategy of each
group decides which distribution rules exist and where:

- ``distribution_wins``: a grant's level decides (rules above the role rules, allow and
  deny); records not distributed fall through to the roles.
- ``administrative_wins``: no distribution rules; roles alone decide.
- ``most_restrictive``: a grant can only take away (deny rules above the roles).
- ``most_permissive``: a grant can only add (allow rules above the roles).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from objectry.metadata.names import DEFAULT_GROUP
from objectry.metadata.permission_terms import ACTIONS, DEFAULT_STRATEGY, LEVELS, level_rank
from objectry.permissions.casbin_model import ANY

DISTRIBUTION = "10"
ROLE = "20"
FIELD_ACTS = ("read", "edit")
#: Setting a field when creating a record: a role's ``edit`` level with the ``create``
#: action (a role may create records without being allowed to edit existing ones).
CREATE = "create"


@dataclass(frozen=True)
class ObjectShape:
    """What the compiler needs of an object: its field groups and fields by group."""

    name: str
    groups: tuple[str, ...]
    field_groups: Mapping[str, str]  # field -> group


def group_obj(object_name: str, group: str) -> str:
    return f"{object_name}/g:{group}"


def field_obj(object_name: str, field: str) -> str:
    return f"{object_name}/f:{field}"


def strategy_for(group: str, tenant_policy: Mapping[str, Any] | None,
                 object_policy: Mapping[str, Any] | None) -> str:
    """Per field group, then per object, then per tenant, then the platform default."""
    for policy in (object_policy, tenant_policy):
        if not policy:
            continue
        per_group = policy.get("per_field_group") or {}
        if group in per_group:
            return per_group[group]
        if policy.get("conflict_strategy"):
            return policy["conflict_strategy"]
    return DEFAULT_STRATEGY


def _allows(level: str, act: str) -> bool:
    return level_rank(level) >= level_rank("read" if act == "read" else "edit")


def distribution_rows(obj: str, strategy: str) -> list[list[str]]:
    """The rules a strategy adds for one group or overridden field."""
    rows: list[list[str]] = []
    for dist in LEVELS:
        for act in FIELD_ACTS:
            allowed = _allows(dist, act)
            if strategy == "distribution_wins":
                rows.append([DISTRIBUTION, ANY, obj, act, dist, "allow" if allowed else "deny"])
            elif strategy == "most_restrictive" and not allowed:
                rows.append([DISTRIBUTION, ANY, obj, act, dist, "deny"])
            elif strategy == "most_permissive" and allowed:
                rows.append([DISTRIBUTION, ANY, obj, act, dist, "allow"])
    return rows


def object_rows(shape: ObjectShape, roles: Mapping[str, Mapping[str, Any]],
                tenant_policy: Mapping[str, Any] | None,
                object_policy: Mapping[str, Any] | None) -> list[list[str]]:
    """Every Casbin rule about ``shape``: role rules plus the strategies' rules."""
    overridden = {field for role in roles.values()
                  for field in role.get("grants", {}).get(shape.name, {}).get("fields", {})}
    rows: list[list[str]] = []
    for role_name, role in sorted(roles.items()):
        grant = role.get("grants", {}).get(shape.name)
        if grant is None:
            continue
        rows += role_rows(shape, role_name, grant, overridden)
    for group in shape.groups:
        strategy = strategy_for(group, tenant_policy, object_policy)
        rows += distribution_rows(group_obj(shape.name, group), strategy)
    for field in sorted(overridden):
        field_group = shape.field_groups.get(field)
        if field_group is None:
            continue
        strategy = strategy_for(field_group, tenant_policy, object_policy)
        rows += distribution_rows(field_obj(shape.name, field), strategy)
    return rows


def capped(level: str, ceiling: str) -> str:
    return level if level_rank(level) <= level_rank(ceiling) else ceiling


def role_rows(shape: ObjectShape, role: str, grant: Mapping[str, Any],
              overridden: set[str]) -> list[list[str]]:
    """Allow rules of one role on one object: roles only ever allow; absence denies.

    A role's field-group levels never exceed its object actions: without ``edit`` a
    group is at most read, without ``read`` it is none. The actions say what the role
    may do with records; the levels refine it per group. Setting fields of a new record
    is its own act (``create``), which distribution never touches.

    Fields that some role overrides get their own rules in every role (the group's level
    where this role does not override), so the per-field decision sees all roles.

    A role that does not name the ``default`` group gives the ungrouped fields its
    object right (read, edit; set on create when it may create): leaving the group out
    must not hide ``status`` from the very owner. Naming ``default`` decides it.
    """
    actions = [action for action in grant.get("actions", []) if action in ACTIONS]
    rows = [[ROLE, role, shape.name, action, ANY, "allow"] for action in actions]
    ceiling = "edit" if "edit" in actions else "read" if "read" in actions else "none"
    creates = "create" in actions
    declared = dict(grant.get("field_groups", {}))
    if DEFAULT_GROUP in shape.groups and DEFAULT_GROUP not in declared:
        # ungrouped fields follow the role's object right unless ``default`` is named
        declared[DEFAULT_GROUP] = "edit" if creates else ceiling
    levels = {g: capped(level, ceiling) for g, level in declared.items()}
    overrides = {f: capped(level, ceiling) for f, level in grant.get("fields", {}).items()}
    for group in shape.groups:
        level = levels.get(group, "none")
        obj = group_obj(shape.name, group)
        rows += [[ROLE, role, obj, act, ANY, "allow"] for act in FIELD_ACTS
                 if _allows(level, act)]
        if creates and declared.get(group) == "edit":
            rows.append([ROLE, role, obj, CREATE, ANY, "allow"])
    for field in sorted(overridden):
        field_group = shape.field_groups.get(field)
        if field_group is None:
            continue
        level = overrides.get(field, levels.get(field_group, "none"))
        obj = field_obj(shape.name, field)
        rows += [[ROLE, role, obj, act, ANY, "allow"] for act in FIELD_ACTS
                 if _allows(level, act)]
        if creates and grant.get("fields", {}).get(field, declared.get(field_group)) == "edit":
            rows.append([ROLE, role, obj, CREATE, ANY, "allow"])
    return rows
