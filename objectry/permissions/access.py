"""Access maps: every Casbin decision a user needs for an object, computed once.

A map answers, for (user's roles, object, the record's distribution levels): which
object actions are allowed and the level of each field group and overridden field.
Maps are memoized per (tenant, policy version, roles, object, distribution levels), so a
list of 50 records with the same grant pattern costs one map, and a hot request makes no
Casbin call at all. A map is the summary of a ``Decision`` (every verdict with the rule
that gave it), which explain shows: both come from :func:`decision`. The policy version
lives in the database: a change made by any process is seen by every other on its next
request.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import casbin

from objectry.metadata.lru import LruCache, approx_size
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

    @cached_property
    def levels_key(self) -> tuple[Hashable, ...]:
        """The map's kind, actions and levels as one hashable value, worked out once per
        map (maps are shared and long-lived): what is cached by what a map says, such
        as how its records look, is keyed by it."""
        return (type(self).__name__, self.actions, tuple(sorted(self.groups.items())),
                tuple(sorted(self.fields.items())), *self._more_levels())

    def _more_levels(self) -> tuple[Hashable, ...]:
        """What a kind of map says besides its actions and levels (for ``levels_key``)."""
        return ()

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


@dataclass(frozen=True)
class Verdict:
    """One Casbin answer and the policy row that gave it (``()``: none matched, denied
    by default)."""

    allowed: bool
    rule: tuple[str, ...] = ()


@dataclass(frozen=True)
class LevelVerdicts:
    """The read and edit verdicts on one field group or overridden field."""

    read: Verdict
    edit: Verdict

    @property
    def level(self) -> str:
        if self.edit.allowed:
            return "edit"
        return "read" if self.read.allowed else "none"


@dataclass(frozen=True)
class Decision:
    """Every verdict a user gets on an object for one distribution, with its rule.

    The one computation of access: enforcement reads its summary ``access`` (the map
    every records path uses) and explain reads the verdicts and their rules, so the two
    can never disagree.
    """

    actions: Mapping[str, Verdict]
    groups: Mapping[str, LevelVerdicts]
    fields: Mapping[str, LevelVerdicts]
    access: AccessMap


def decision(enforcer: casbin.Enforcer, shape: ObjectShape, roles: tuple[str, ...],
             overridden: tuple[str, ...], dist: DistLevels) -> Decision:
    """Ask Casbin for every action, group and overridden field of ``shape``."""
    who = roles_key(roles)
    actions = {a: _verdict(enforcer, who, shape.name, a, NOT_DISTRIBUTED) for a in ACTIONS}
    groups = {}
    for group in shape.groups:
        level = NOT_DISTRIBUTED if dist is None else dist.get(group, "none")
        groups[group] = _levels(enforcer, who, group_obj(shape.name, group), level)
    fields = {}
    for name in overridden:
        group = shape.field_groups[name]
        level = NOT_DISTRIBUTED if dist is None else dist.get(group, "none")
        fields[name] = _levels(enforcer, who, field_obj(shape.name, name), level)
    allowed = frozenset(a for a, verdict in actions.items() if verdict.allowed)
    creatable = {group for group in shape.groups if "create" in allowed and enforcer.enforce(
        who, group_obj(shape.name, group), CREATE, NOT_DISTRIBUTED)}
    creatable |= {field_obj("", name) for name in overridden if "create" in allowed
                  and enforcer.enforce(who, field_obj(shape.name, name), CREATE, NOT_DISTRIBUTED)}
    access = AccessMap(actions=allowed,
                       groups=MappingProxyType({g: v.level for g, v in groups.items()}),
                       fields=MappingProxyType({f: v.level for f, v in fields.items()}),
                       creatable=frozenset(creatable))
    return Decision(actions=MappingProxyType(actions), groups=MappingProxyType(groups),
                    fields=MappingProxyType(fields), access=access)


def decide(enforcer: casbin.Enforcer, shape: ObjectShape, roles: tuple[str, ...],
           overridden: tuple[str, ...], dist: DistLevels) -> AccessMap:
    """The access map of :func:`decision` (what enforcement needs of it)."""
    return decision(enforcer, shape, roles, overridden, dist).access


def _verdict(enforcer: casbin.Enforcer, who: str, obj: str, act: str, dist: str) -> Verdict:
    allowed, rule = enforcer.enforce_ex(who, obj, act, dist)
    return Verdict(bool(allowed), tuple(rule or ()))


def _levels(enforcer: casbin.Enforcer, who: str, obj: str, dist: str) -> LevelVerdicts:
    return LevelVerdicts(read=_verdict(enforcer, who, obj, "read", dist),
                         edit=_verdict(enforcer, who, obj, "edit", dist))


class DecisionCache(LruCache):
    """Enforcers and access maps of every tenant this process serves; with
    ``max_bytes``, bounded by their estimated bytes (an enforcer by its policy lines)."""

    def __init__(self, maxsize: int = 20_000, *, max_bytes: int | None = None) -> None:
        super().__init__(maxsize if max_bytes is None else 10_000_000, max_bytes=max_bytes,
                         weigh=decision_bytes)


def decision_bytes(value: object) -> int:
    """Estimated bytes of a cached decision: a Casbin enforcer ~20 KB plus ~300 bytes a
    policy line; anything else as the LRU estimates it."""
    if isinstance(value, casbin.Enforcer):
        sections = getattr(value.model, "model", {}) or {}
        lines = sum(len(getattr(assertion, "policy", ()) or ())
                    for section in sections.values() for assertion in section.values())
        return 20_000 + 300 * lines
    return approx_size(value)
