"""Duplicate rules as the engine uses them, compiled from ``duplicate_rule`` documents.

A rule belongs to one object (whose writes it checks) and compares it with records of
its own object (``within``) and of other objects (``against``: a new lead against the
existing contacts), each through its own field names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from objectry.metadata import store
from objectry.runtime.kernel.context import Context

DEFAULT_REGION = "CN"


@dataclass(frozen=True)
class Target:
    """An object the rule looks in, with its fields in the order of the rule's match."""

    object: str
    fields: tuple[str, ...]
    fuzzy: str | None


@dataclass(frozen=True)
class DuplicateRule:
    name: str
    object: str
    action: str  # warn | block
    region: str
    methods: tuple[str, ...]
    fields: tuple[str, ...]  # the rule object's match fields
    fuzzy: str | None
    threshold: float
    targets: tuple[Target, ...]
    fingerprint: str

    def target(self, object_name: str) -> Target | None:
        return next((t for t in self.targets if t.object == object_name), None)


def compile_rule(name: str, document: Mapping[str, Any]) -> DuplicateRule:
    match = document["match"]
    fields = tuple(m["field"] for m in match)
    fuzzy = document.get("fuzzy") or {}
    targets = []
    if document.get("within", True):
        targets.append(Target(document["object"], fields, fuzzy.get("field")))
    for other in document.get("against", []):
        mapping = other["fields"]
        targets.append(Target(other["object"], tuple(mapping[f] for f in fields),
                              mapping.get(fuzzy["field"]) if fuzzy else None))
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    return DuplicateRule(
        name=name, object=document["object"], action=document.get("action", "warn"),
        region=document.get("default_region", DEFAULT_REGION),
        methods=tuple(m.get("as", "exact") for m in match), fields=fields,
        fuzzy=fuzzy.get("field"), threshold=float(fuzzy.get("threshold", 90)),
        targets=tuple(targets), fingerprint=hashlib.sha256(text.encode()).hexdigest())


def active_rules(ctx: Context) -> list[DuplicateRule]:
    """The tenant's active rules, by name; read and compiled once per metadata version
    (each batch of an import is a unit of work of its own, and asked for them anew)."""
    def build() -> tuple[DuplicateRule, ...]:
        found = store.documents(ctx.conn, ctx.tenant.id, "duplicate_rule")
        return tuple(compile_rule(name, stored.document)
                     for name, stored in sorted(found.items())
                     if stored.document.get("active", True))

    key = ("duplicate_rules", ctx.tenant.id, ctx.tenant.meta_version)
    return list(ctx.decisions.get_or_build(key, build))


def rule_named(ctx: Context, name: str) -> DuplicateRule | None:
    stored = store.document(ctx.conn, ctx.tenant.id, "duplicate_rule", name)
    return None if stored is None else compile_rule(name, stored.document)


def touching(rules: Sequence[DuplicateRule], object_name: str) -> list[DuplicateRule]:
    """Rules that keep keys of this object's records."""
    return [r for r in rules if r.target(object_name) is not None]


def checking(rules: Sequence[DuplicateRule], object_name: str) -> list[DuplicateRule]:
    """Rules that check this object's writes."""
    return [r for r in rules if r.object == object_name]
