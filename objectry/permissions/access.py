"""Access maps: every Casbin decision a user needs for an object, computed once.

A map answers, for (user's roles, object, the record's distribution levels): which
object actions are allowed and the level of each field group and overridden field.
Maps are memoized per (tenant, policy version, roles, object, distribution levels), so a
list of 50 records with the same grant pattern costs one map, and a hot request makes no
Casbin call at all. The policy version lives in the database: a change made by any
process is seen by every other on its next request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import casbin

from objectry.metadata.lru import LruCache
from objectry.metadata.permission_terms import ACTIONS, NOT_DISTRIBUTED
from objectry.permissions.casbin_model import roles_key
from objectry.permissions.policies import CREATE, ObjectShape, field_obj, group_obj

#: Distribution levels of one record for one user: group -> level, or ``None`` when the
#: record is not distributed to the user.
DistLevels = Mapping[str, str] | None


@dataclass(frozen=True)
class AccessMap:
    actions: frozenset[str]
    groups: Mapping[str, str]
    fields: Mapping[str, str] = field(default_factory=dict)
    #: Groups, and overridden fields, whose values a new record may be given.
    creatable: frozenset[str] = frozenset()

    def field_level(self, field_name: str, group: str) -> str:
        return self.fields.get(field_name) or self.groups.get(group, "none")

    def can_create(self, field_name: str, group: str) -> bool:
        if field_name in self.fields:
            return field_obj("", field_name) in self.creatable
        return group in self.creatable

    def can(self, action: str) -> bool:
        return action in self.actions

    @classmethod
    def everything(cls, shape: ObjectShape) -> AccessMap:
        return cls(actions=frozenset(ACTIONS),
                   groups=MappingProxyType(dict.fromkeys(shape.groups, "edit")),
                   creatable=frozenset(shape.groups))


def dist_key(shape: ObjectShape, dist: DistLevels) -> tuple[str, ...]:
    if dist is None:
        return ()
    return tuple(dist.get(group, "none") for group in shape.groups)


def decide(enforcer: casbin.Enforcer, shape: ObjectShape, roles: tuple[str, ...],
           overridden: tuple[str, ...], dist: DistLevels) -> AccessMap:
    """Ask Casbin for every action, group and overridden field of ``shape``."""
    who = roles_key(roles)
    actions = frozenset(a for a in ACTIONS
                        if enforcer.enforce(who, shape.name, a, NOT_DISTRIBUTED))
    groups = {}
    for group in shape.groups:
        level = NOT_DISTRIBUTED if dist is None else dist.get(group, "none")
        groups[group] = _level(enforcer, who, group_obj(shape.name, group), level)
    fields = {}
    for name in overridden:
        group = shape.field_groups[name]
        level = NOT_DISTRIBUTED if dist is None else dist.get(group, "none")
        fields[name] = _level(enforcer, who, field_obj(shape.name, name), level)
    creatable = {group for group in shape.groups if "create" in actions and enforcer.enforce(
        who, group_obj(shape.name, group), CREATE, NOT_DISTRIBUTED)}
    creatable |= {field_obj("", name) for name in overridden if "create" in actions
                  and enforcer.enforce(who, field_obj(shape.name, name), CREATE, NOT_DISTRIBUTED)}
    return AccessMap(actions=actions, groups=MappingProxyType(groups),
                     fields=MappingProxyType(fields), creatable=frozenset(creatable))


def _level(enforcer: casbin.Enforcer, who: str, obj: str, dist: str) -> str:
    if enforcer.enforce(who, obj, "edit", dist):
        return "edit"
    if enforcer.enforce(who, obj, "read", dist):
        return "read"
    return "none"


class DecisionCache(LruCache):
    """Enforcers and access maps of every tenant this process serves."""

    def __init__(self, maxsize: int = 20_000) -> None:
        super().__init__(maxsize)
