"""Assignment rules at work: who gets a record, and moving it there.

A rule's entries are tried in order; the first whose condition holds on the record and
that has an eligible recipient decides (seed 004: "上海地区分发规则" → the Shanghai
office, without naming its people). Recipients are resolved when the rule runs:
departments to their active members (sub-departments included), roles to their active
holders, so a new hire takes turns from their first day. Inactive users and those at
capacity are skipped, each with its reason in the decision; when nobody is eligible the
record keeps its owner and a ``record.assignment_failed`` event says why (never "to
everyone"). The move is ``records.change_owner`` with the decision as its ``because``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import users
from objectry.metadata.conditions.parser import Node, parse_condition
from objectry.metadata.problems import (
    Conflict,
    ErrorItem,
    Forbidden,
    Invalid,
    NotFound,
    Problem,
    pointer,
)
from objectry.metadata.validation.workflows import field_lookup, object_lookup
from objectry.runtime.access.decisions import department_tree
from objectry.runtime.access.filter_sources import FilterSources
from objectry.runtime.access.guard import Guard
from objectry.runtime.distribution.cursor_tables import assignment_cursors
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.compile import to_predicate, to_sql
from objectry.runtime.records import journal
from objectry.runtime.records.ownership import MAX_BULK, change_owner, selected_ids

METHODS = ("round_robin", "least_loaded", "fixed")
APPLY_KEYS = frozenset({"ids", "filter", "view"})


@dataclass(frozen=True)
class Entry:
    index: int
    condition: Node | None
    recipients: tuple[Mapping[str, str], ...]
    method: str
    load: Node | None
    capacity: int | None


@dataclass(frozen=True)
class Rule:
    name: str
    object: str
    document: Mapping[str, Any]
    entries: tuple[Entry, ...]

    @property
    def grants(self) -> str:
        return str(self.document.get("grants", "keep"))


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    email: str
    active: bool
    department: str | None
    roles: tuple[str, ...]


def load_rule(ctx: Context, name: str) -> Rule:
    """The stored rule, its conditions parsed against its object (404 when unknown)."""
    stored = store.document(ctx.conn, ctx.tenant.id, "assignment_rule", name)
    if stored is None:
        raise NotFound(detail_code="unknown_assignment_rule", rule=name)
    document = stored.document
    objects = {n: s.document for n, s in store.documents(ctx.conn, ctx.tenant.id,
                                                         "object").items()}
    definition = objects[document["object"]]

    def parse(tree: Any) -> Node | None:
        if tree is None:
            return None
        return parse_condition(tree, field_lookup(definition), object_name=document["object"],
                               objects=object_lookup(objects), changes=False)

    entries = tuple(Entry(i, parse(e.get("condition")), tuple(e["to"]),
                          e.get("method", "round_robin"), parse(e.get("load")),
                          e.get("capacity"))
                    for i, e in enumerate(document["entries"]))
    return Rule(name, document["object"], document, entries)


def assign_record(ctx: Context, name: str, object_name: str, record_id: Any) -> dict[str, Any]:
    """Run the rule on one record: its decision and, when someone was picked, the owner
    change (``changed``: whether the owner moved)."""
    rule = usable(ctx, load_rule(ctx, name), object_name)
    return _assign(ctx, rule, People(ctx), record_id)


def apply_rule(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """``POST /assignment_rules/{name}/apply``: the rule over ``ids`` or the records of a
    ``filter`` (and ``view``) the caller sees, in one transaction: a refusal (a record
    the caller may not reassign) changes nothing; a record nobody is eligible for is
    reported (``assigned: false``) and keeps its owner."""
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = sorted(set(body) - APPLY_KEYS)
    if unknown:
        raise Invalid([ErrorItem(pointer(k), "unknown_parameter", {"name": k})
                       for k in unknown])
    rule = load_rule(ctx, name)
    usable(ctx, rule, rule.object)
    if ("ids" in body) == ("filter" in body or "view" in body):
        raise Invalid([ErrorItem("", "bulk_ids_or_filter")])
    if "ids" in body:
        ids = body["ids"]
        if not isinstance(ids, list) or not ids:
            raise Invalid([ErrorItem("/ids", "bulk_ids_list", {"max": MAX_BULK})])
        if len(ids) > MAX_BULK:
            raise Invalid([ErrorItem("/ids", "bulk_too_many", {"max": MAX_BULK})])
        targets: list[tuple[str, Any]] = [(pointer("ids", i), v) for i, v in enumerate(ids)]
    else:
        guard = Guard(ctx, get_model(ctx, rule.object))
        found = selected_ids(guard, body.get("filter"), body.get("view"), MAX_BULK + 1)
        if len(found) > MAX_BULK:
            raise Invalid([ErrorItem("/filter", "bulk_too_many", {"max": MAX_BULK})])
        targets = [("/filter", v) for v in found]
    people = People(ctx)
    items = []
    for at, record_id in targets:
        try:
            items.append(_assign(ctx, rule, people, record_id))
        except Problem as exc:
            errors = [e.under(at) for e in exc.errors] or [
                ErrorItem(at, exc.detail_code, exc.params)]
            raise type(exc)(errors, detail_code=exc.detail_code, status=exc.status,
                            extra=exc.extra, **exc.params) from exc
    return {"rule": name, "assigned": sum(1 for i in items if i["assigned"]),
            "failed": sum(1 for i in items if not i["assigned"]), "items": items}


def decide(ctx: Context, rule: Rule, row: Mapping[str, Any], people: People, *,
           take_turn: bool = True) -> dict[str, Any]:
    """Who gets ``row`` (stored values) and why: the deciding entry, the candidates,
    each skipped recipient with its reason, the pick. ``take_turn=False`` (dry runs)
    reads the round-robin cursor without moving it."""
    sources = FilterSources(ctx)
    tried: list[dict[str, Any]] = []
    for entry in rule.entries:
        if entry.condition is not None and not to_predicate(entry.condition)(
                row, now=ctx.now(), related=sources.rows):
            continue
        candidates, skipped = people.resolve(entry.recipients)
        eligible = [p for p in candidates if p.active]
        skipped += [{"user": p.email, "reason": "inactive"} for p in candidates
                    if not p.active]
        loads: dict[uuid.UUID, int] = {}
        if entry.capacity is not None or entry.method == "least_loaded":
            loads = _loads(ctx, rule, entry, eligible, sources)
            if entry.capacity is not None:
                full = [p for p in eligible if loads.get(p.user_id, 0) >= entry.capacity]
                skipped += [{"user": p.email, "reason": "over_capacity"} for p in full]
                eligible = [p for p in eligible if p not in full]
        picked = None
        if eligible:
            if entry.method == "fixed":
                picked = eligible[0]
            elif entry.method == "least_loaded":
                picked = min(eligible, key=lambda p: (loads.get(p.user_id, 0), p.email))
            else:
                picked = _round_robin(ctx, rule.name, entry.index, candidates, eligible,
                                      take_turn)
        tried.append({"entry": entry.index, "method": entry.method,
                      "candidates": [p.email for p in candidates], "skipped": skipped})
        if picked is not None:
            return {"rule": rule.name, "entry": entry.index, "method": entry.method,
                    "picked": picked.email, "owner": str(picked.user_id), "tried": tried}
    return {"rule": rule.name, "entry": None, "method": None, "picked": None, "owner": None,
            "tried": tried, "reason": "no_eligible_recipient" if tried else "no_entry_matched"}


def _assign(ctx: Context, rule: Rule, people: People, record_id: Any) -> dict[str, Any]:
    model = get_model(ctx, rule.object)
    row, _ = Guard(ctx, model).load(record_id)
    decision = decide(ctx, rule, row, people)
    if decision["owner"] is None:
        journal.announce(ctx, model, row["id"], "assignment_failed", decision)
        return {"id": str(row["id"]), "assigned": False, "changed": False,
                "decision": decision}
    because = {"rule": rule.name, "entry": decision["entry"], "method": decision["method"],
               "picked": decision["picked"]}
    moved = change_owner(ctx, rule.object, row["id"], uuid.UUID(decision["owner"]),
                         grants=rule.grants, because=because, decision=decision)
    return {"id": str(row["id"]), "assigned": True, "changed": moved["changed"],
            "owner": moved["owner"], "version": moved["version"], "decision": decision}


def usable(ctx: Context, rule: Rule, object_name: str) -> Rule:
    """The rule, if it is active, about this object and the caller may apply it."""
    if rule.object != object_name:
        raise Invalid([ErrorItem("/rule", "assignment_rule_object",
                                 {"rule": rule.name, "object": rule.object,
                                  "expected": object_name})])
    if rule.document.get("active", True) is False:
        raise Conflict(detail_code="assignment_rule_inactive", rule=rule.name)
    actor = ctx.actor
    if actor.is_admin or actor.is_system:
        return rule
    usable = rule.document.get("usable_by") or {}
    if actor.email.lower() in {u.lower() for u in usable.get("users", [])} \
            or set(actor.roles) & set(usable.get("roles", [])):
        return rule
    raise Forbidden(detail_code="assignment_rule_not_usable", rule=rule.name)


def _round_robin(ctx: Context, rule: str, entry: int, candidates: Sequence[Person],
                 eligible: Sequence[Person], take_turn: bool) -> Person:
    """The next eligible candidate after the entry's cursor; the cursor row is locked
    (``FOR UPDATE`` on PostgreSQL) until the assigning transaction ends, so concurrent
    writers take turns instead of picking the same person."""
    turn = _turn(ctx, rule, entry, lock=take_turn)
    allowed = {p.user_id for p in eligible}
    for step in range(len(candidates)):
        person = candidates[(turn + step) % len(candidates)]
        if person.user_id in allowed:
            if take_turn:
                ctx.conn.execute(assignment_cursors.update().where(*_cursor_key(ctx, rule, entry))
                                 .values(next_turn=turn + step + 1))
            return person
    raise AssertionError("an eligible person is a candidate")


def _cursor_key(ctx: Context, rule: str, entry: int) -> list[sa.ColumnElement[bool]]:
    table = assignment_cursors
    return [table.c.tenant_id == ctx.tenant.id, table.c.rule == rule, table.c.entry == entry]


def _turn(ctx: Context, rule: str, entry: int, *, lock: bool) -> int:
    query = sa.select(assignment_cursors.c.next_turn).where(*_cursor_key(ctx, rule, entry))
    turn = ctx.conn.execute(query.with_for_update() if lock else query).scalar()
    if turn is not None or not lock:
        return int(turn or 0)
    try:  # the entry's first assignment: make its row (a concurrent first one may win)
        with ctx.conn.begin_nested():
            ctx.conn.execute(assignment_cursors.insert().values(
                tenant_id=ctx.tenant.id, rule=rule, entry=entry, next_turn=0))
        return 0
    except sa.exc.IntegrityError:
        return int(ctx.conn.execute(query.with_for_update()).scalar_one())


def _loads(ctx: Context, rule: Rule, entry: Entry, people: Sequence[Person],
           sources: FilterSources) -> dict[uuid.UUID, int]:
    """Open records (live, meeting the entry's ``load`` condition) each person owns."""
    if not people:
        return {}
    table = get_model(ctx, rule.object).table
    conditions: list[sa.ColumnElement[bool]] = [
        table.c.deleted_at.is_(None), table.c.owner.in_([p.user_id for p in people])]
    if entry.load is not None:
        conditions.append(to_sql(entry.load, table, now=ctx.now(), related=sources.tables))
    rows = ctx.conn.execute(sa.select(table.c.owner, sa.func.count())
                            .where(*conditions).group_by(table.c.owner))
    return {r[0]: int(r[1]) for r in rows}


class People:
    """The tenant's users, read once per call, and recipients resolved to them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        rows = ctx.conn.execute(sa.select(
            users.c.id, users.c.email, users.c.active, users.c.department, users.c.roles)
            .where(users.c.tenant_id == ctx.tenant.id).order_by(users.c.email)).all()
        self.everyone = [Person(uuid.UUID(str(r.id)), r.email, bool(r.active), r.department,
                                tuple(r.roles or ())) for r in rows]
        self.by_email = {p.email.lower(): p for p in self.everyone}

    def resolve(self, recipients: Sequence[Mapping[str, str]]
                ) -> tuple[list[Person], list[dict[str, Any]]]:
        """The people the recipients name, in a stable order (each once), and the
        recipients that name nobody (a user removed since the rule was saved)."""
        found: dict[uuid.UUID, Person] = {}
        skipped: list[dict[str, Any]] = []
        for recipient in recipients:
            (kind, value), = recipient.items()
            if kind == "user":
                person = self.by_email.get(value.lower())
                members = [person] if person is not None else []
            elif kind == "department":
                team = set(department_tree(self.ctx).subtree(value))
                members = [p for p in self.everyone if p.department in team]
            else:
                members = [p for p in self.everyone if value in p.roles]
            if not members:
                skipped.append({kind: value, "reason": "no_such_recipient"})
            for person in members:
                found.setdefault(person.user_id, person)
        return list(found.values()), skipped
