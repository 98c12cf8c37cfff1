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

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import users
from objectry.metadata.conditions.nodes import (
    CHANGE_OPS,
    RELATIVE_DATE_OPS,
    Leaf,
    Not,
)
from objectry.metadata.conditions.parser import Node, parse_condition
from objectry.metadata.problems import (
    Conflict,
    ErrorItem,
    Forbidden,
    Invalid,
    NotFound,
)
from objectry.metadata.validation.assignment import recipient_kind
from objectry.metadata.validation.workflows import field_lookup, object_lookup
from objectry.runtime.access.decisions import department_tree
from objectry.runtime.access.filter_sources import FilterSources
from objectry.runtime.access.grants import grant
from objectry.runtime.access.guard import Guard
from objectry.runtime.distribution.cursor_tables import assignment_cursors
from objectry.runtime.distribution.entry_index import EntryIndex, build_index
from objectry.runtime.distribution.pools import Pool, load_pool, platform, put_in_pool
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.query.compile import Predicate, to_predicate, to_sql
from objectry.runtime.records import journal
from objectry.runtime.records.ownership import change_owner

METHODS = ("round_robin", "weighted_round_robin", "least_loaded", "fixed")
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Entry:
    index: int
    condition: Node | None
    recipients: tuple[Mapping[str, str], ...]
    method: str
    load: Node | None
    capacity: int | None
    levels: Mapping[str, str] | None = None
    hours: Mapping[str, Any] | None = None
    #: The condition compiled once (a rule runs on every new record).
    test: Predicate | None = None
    #: The ``load`` condition compiled once (a batch keeps its loads current).
    load_test: Predicate | None = None
    #: The fields the condition reads, when it reads nothing else (no clock, no related
    #: records, no old values): a batch then tests each distinct set of values once.
    reads: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    object: str
    document: Mapping[str, Any]
    entries: tuple[Entry, ...]
    #: The entries by the values their conditions require (:mod:`.entry_index`).
    index: EntryIndex

    @property
    def grants(self) -> str:
        return str(self.document.get("grants", "keep"))

    @property
    def fallback_pool(self) -> str | None:
        return self.document.get("fallback_pool")


#: Recipients resolved the same for every record (no record field or related owner).
STATIC_KINDS = frozenset({"user", "department", "role"})


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    email: str
    active: bool
    department: str | None
    roles: tuple[str, ...]


#: People named, recipients naming nobody, each person's options.
Resolved = tuple[list[Person], list[dict[str, Any]], dict[uuid.UUID, dict[str, Any]]]


def load_rule(ctx: Context, name: str) -> Rule:
    """The stored rule, its conditions parsed against its object (404 when unknown),
    once per metadata version (a rule runs on every new record)."""
    key = ("assignment_rule", ctx.tenant.id, ctx.tenant.meta_version, name)
    return ctx.decisions.get_or_build(key, lambda: _read_rule(ctx, name))


def _read_rule(ctx: Context, name: str) -> Rule:
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

    entries = []
    for i, e in enumerate(document["entries"]):
        condition, load = parse(e.get("condition")), parse(e.get("load"))
        entries.append(Entry(i, condition, tuple(e["to"]), e.get("method", "round_robin"),
                             load, e.get("capacity"), e.get("levels"),
                             e.get("hours"),
                             None if condition is None else to_predicate(condition),
                             None if load is None else to_predicate(load),
                             None if condition is None else _reads(condition)))
    return Rule(name, document["object"], document, tuple(entries),
                build_index([e.condition for e in entries]))


def _reads(node: Node) -> tuple[str, ...] | None:
    """The fields a condition depends on alone, or None (it reads the clock, related
    records or old values)."""
    if isinstance(node, Leaf):
        if node.op in CHANGE_OPS or node.op in RELATIVE_DATE_OPS or node.op == "today":
            return None
        return (node.field,)
    children = (node.child,) if isinstance(node, Not) else getattr(node, "children", None)
    if children is None:  # a related condition
        return None
    found: list[str] = []
    for child in children:
        read = _reads(child)
        if read is None:
            return None
        found += [f for f in read if f not in found]
    return tuple(found)


def assign_record(ctx: Context, name: str, object_name: str, record_id: Any) -> dict[str, Any]:
    """Run the rule on one record: its decision and, when someone was picked, the owner
    change (``changed``: whether the owner moved)."""
    rule = usable(ctx, load_rule(ctx, name), object_name)
    return _assign(ctx, rule, People(ctx), record_id)


class Batch:
    """One assigning unit of work (a record, or a bulk create's batch): each round-robin
    cursor row is locked and read once and written once at :meth:`flush`, and the loads
    of capped / least-loaded entries are counted once and kept current as picks land."""

    def __init__(self, ctx: Context, *, take_turn: bool = True) -> None:
        self.take_turn = take_turn
        self.sources = FilterSources(ctx)
        self.turns: dict[tuple[str, int], int] = {}
        self.moved: set[tuple[str, int]] = set()
        self.loads: dict[tuple[str, int], dict[uuid.UUID, int]] = {}
        #: The entry of each counted load (its ``load`` condition).
        self.counted: dict[tuple[str, int], Entry] = {}
        #: The owner changes decided so far and not yet stored: (row, was, now).
        self.owners: list[tuple[Mapping[str, Any], Any, Any]] = []
        #: Each counted person's loads (the keys of ``loads`` counting them).
        self.counting: dict[uuid.UUID, list[tuple[str, int]]] = {}
        #: The people each load was counted for at last (they need no new count).
        self.complete: dict[tuple[str, int], Sequence[Person]] = {}
        #: Per capped entry not counted yet, how many records its people own at most
        #: (:func:`_below_caps`), and the entries bounding each person.
        self.bounds: dict[tuple[str, int], int] = {}
        self.bounding: dict[uuid.UUID, list[tuple[str, int]]] = {}
        self.tests: dict[tuple[Any, ...], bool] = {}
        self.prepared: dict[tuple[str, int], Prepared] = {}

    def matches(self, ctx: Context, rule: str, entry: Entry, row: Mapping[str, Any]) -> bool:
        """Whether the entry's condition holds on the row; a condition reading only the
        row's fields is tested once per distinct value set of the batch."""
        assert entry.test is not None
        if entry.reads is None:
            return entry.test(row, now=ctx.now(), related=self.sources.rows)
        key = (rule, entry.index, *(row.get(f) for f in entry.reads))
        try:
            return self.tests[key]
        except KeyError:
            found = self.tests[key] = entry.test(row, now=ctx.now(), related=self.sources.rows)
            return found
        except TypeError:  # a value that is no dict key (a multi-valued field's list)
            return entry.test(row, now=ctx.now(), related=self.sources.rows)

    def turn(self, ctx: Context, rule: str, entry: int) -> int:
        key = (rule, entry)
        if key not in self.turns:
            self.turns[key] = _turn(ctx, rule, entry, lock=self.take_turn)
        return self.turns[key]

    def took(self, rule: str, entry: int, next_turn: int) -> None:
        if self.take_turn:
            self.turns[(rule, entry)] = next_turn
            self.moved.add((rule, entry))

    def owned(self, ctx: Context, row: Mapping[str, Any], was: Any, now: Any) -> None:
        """A decided record's owner goes from ``was`` (None: the record is not stored
        yet) to ``now`` once the batch is written: the loads counted so far, and those
        counted later from the database, follow, so each decision sees the loads a
        record-by-record run would read."""
        if not self.take_turn or was == now or row.get("deleted_at") is not None:
            return
        self.owners.append((row, was, now))
        for key in self.bounding.get(now, ()):
            self.bounds[key] += 1
        keys = self.counting.get(was, []) + self.counting.get(now, [])
        for key in dict.fromkeys(keys):
            _follow(ctx, self.counted[key], self.loads[key], row, was, now, self.sources)

    def flush(self, ctx: Context) -> None:
        """Write the cursors this batch moved (one statement for all of them)."""
        if self.moved:
            ctx.conn.execute(_MOVE, [{**_cursor_key(ctx, rule, entry),
                                      "next_turn": self.turns[(rule, entry)]}
                                     for rule, entry in sorted(self.moved)])
            self.moved.clear()


def decide(ctx: Context, rule: Rule, row: Mapping[str, Any], people: People, *,
           take_turn: bool = True, batch: Batch | None = None) -> dict[str, Any]:
    """Who gets ``row`` (stored values) and why: the deciding entry, the candidates,
    each skipped recipient with its reason, the pick. ``take_turn=False`` (dry runs)
    reads the round-robin cursor without moving it. With a ``batch`` the caller flushes
    it (its turns) once the batch is decided."""
    own = batch is None
    if batch is None:
        batch = Batch(ctx, take_turn=take_turn)
    decision = _decide(ctx, rule, row, people, batch)
    if own:
        batch.flush(ctx)
    return decision


@dataclass(frozen=True)
class Prepared:
    """What an entry's recipients come to before any load is counted: the candidates,
    those skipped already (nobody named, inactive, outside working hours), the
    eligible, each one's cap and the turns of its round robin."""

    candidates: tuple[Person, ...]
    skipped: tuple[dict[str, Any], ...]
    options: Mapping[uuid.UUID, Mapping[str, Any]]
    eligible: tuple[Person, ...]
    caps: Mapping[uuid.UUID, int | None]
    turns: tuple[Person, ...]
    allowed: frozenset[uuid.UUID]
    counts_load: bool
    #: The smallest cap (None: nobody has one): while every load is below it, nobody
    #: is full and no one's cap need be looked at.
    least_cap: int | None = None
    #: The candidates' e-mails, as each decision lists them.
    emails: tuple[str, ...] = ()


def _prepare(ctx: Context, rule: Rule, entry: Entry, row: Mapping[str, Any],
             people: People) -> Prepared:
    candidates, skipped, options = people.resolve(entry.recipients, row, rule.object,
                                                  key=(rule.name, entry.index))
    eligible = [p for p in candidates if p.active]
    skipped += [{"user": p.email, "reason": "inactive"} for p in candidates if not p.active]
    if entry.hours is not None and not within_hours(entry.hours, ctx.now()):
        skipped += [{"user": p.email, "reason": "outside_working_hours"} for p in eligible]
        eligible = []
    caps = {p.user_id: options[p.user_id].get("capacity", entry.capacity) for p in eligible}
    turns = candidates if entry.method != "weighted_round_robin" else weighted(
        candidates, {k: v.get("weight", 1) for k, v in options.items()})
    limits = [c for c in caps.values() if c is not None]
    return Prepared(tuple(candidates), tuple(skipped), options, tuple(eligible), caps,
                    tuple(turns), frozenset(p.user_id for p in eligible),
                    bool(limits) or entry.method == "least_loaded",
                    min(limits, default=None), tuple(p.email for p in candidates))


def _prepared(ctx: Context, rule: Rule, entry: Entry, row: Mapping[str, Any],
              people: People, batch: Batch) -> Prepared:
    """The entry prepared once per batch when its recipients name nobody through the
    record (users, departments, roles), else for this record."""
    key = (rule.name, entry.index)
    if key in batch.prepared:
        return batch.prepared[key]
    found = _prepare(ctx, rule, entry, row, people)
    if all(recipient_kind(r)[0] in STATIC_KINDS for r in entry.recipients):
        batch.prepared[key] = found
    return found


def _decide(ctx: Context, rule: Rule, row: Mapping[str, Any], people: People,
            batch: Batch) -> dict[str, Any]:
    tried: list[dict[str, Any]] = []
    entries = rule.entries
    for position in rule.index.candidates(row):  # in order: the first match decides
        entry = entries[position]
        if entry.test is not None and not batch.matches(ctx, rule.name, entry, row):
            continue
        ready = _prepared(ctx, rule, entry, row, people, batch)
        skipped = [dict(s) for s in ready.skipped]
        eligible: Sequence[Person] = ready.eligible
        allowed = ready.allowed
        loads: dict[uuid.UUID, int] = {}
        if ready.counts_load and not _below_caps(ctx, rule, entry, ready, batch):
            loads = _batch_loads(ctx, rule, entry, eligible, batch)
            full = _full(ready, eligible, loads)
            if full:
                skipped += [{"user": p.email, "reason": "over_capacity"} for p in full]
                eligible = [p for p in eligible if p not in full]
                allowed = frozenset(p.user_id for p in eligible)
        picked = None
        if eligible:
            if entry.method == "fixed":
                picked = eligible[0]
            elif entry.method == "least_loaded":
                picked = min(eligible, key=lambda p: (loads.get(p.user_id, 0), p.email))
            else:
                picked = _round_robin(ctx, rule.name, entry.index, ready.turns, allowed,
                                      batch)
        tried.append({"entry": entry.index, "method": entry.method,
                      "candidates": list(ready.emails), "skipped": skipped})
        if picked is not None:
            levels = ready.options[picked.user_id].get("levels", entry.levels)
            return {"rule": rule.name, "entry": entry.index, "method": entry.method,
                    "picked": picked.email, "owner": str(picked.user_id), "tried": tried,
                    **({"levels": dict(levels)} if levels else {})}
    return {"rule": rule.name, "entry": None, "method": None, "picked": None, "owner": None,
            "tried": tried, "reason": "no_eligible_recipient" if tried else "no_entry_matched"}


def _assign(ctx: Context, rule: Rule, people: People, record_id: Any) -> dict[str, Any]:
    model = get_model(ctx, rule.object)
    row, _ = Guard(ctx, model).load(record_id)
    decision = decide(ctx, rule, row, people)
    answered = untaken_or_granted(ctx, rule, model, row, decision)
    if answered is not None:
        return answered
    because = {"rule": rule.name, "entry": decision["entry"], "method": decision["method"],
               "picked": decision["picked"]}
    moved = change_owner(ctx, rule.object, row["id"], uuid.UUID(decision["owner"]),
                         grants=rule.grants, because=because, decision=decision)
    return {"id": str(row["id"]), "assigned": True, "changed": moved["changed"],
            "owner": moved["owner"], "version": moved["version"], "decision": decision}


def untaken_or_granted(ctx: Context, rule: Rule, model: ObjectModel, row: dict[str, Any],
                       decision: dict[str, Any]) -> dict[str, Any] | None:
    """A decision that moves no owner, written and answered: nobody eligible (announced
    as ``assignment_failed``, the record to the rule's fallback pool) or an entry with
    levels (a distribution grant); None for a plain owner change, left to the caller."""
    if decision["owner"] is None:
        pool = fallback_pool_of(ctx, rule)
        if pool is not None:
            decision["fallback_pool"] = pool.name
        journal.announce(ctx, model, row["id"], "assignment_failed", decision)
        failed = {"id": str(row["id"]), "assigned": False, "changed": False,
                  "decision": decision}
        if pool is not None:  # honest failure: the pool, never everyone
            put_in_pool(ctx, pool, row["id"], how="fallback",
                        reason=f"{rule.name}: {decision.get('reason', 'no_eligible_recipient')}")
            failed["pool"] = pool.name
        return failed
    if "levels" in decision:
        return _distribute(ctx, rule, model, row, decision)
    return None


def fallback_pool_of(ctx: Context, rule: Rule) -> Pool | None:
    """The rule's fallback pool (None: none named, or deleted since the rule was saved:
    the record then keeps its owner, as without a pool)."""
    if rule.fallback_pool is None:
        return None
    try:
        return load_pool(ctx, rule.fallback_pool)
    except NotFound:
        return None


def _below_caps(ctx: Context, rule: Rule, entry: Entry, ready: Prepared,
                batch: Batch) -> bool:
    """Whether nobody of a capped entry can be at their cap yet, known without
    counting each one's open records: all the records its people own (live or not,
    open or not, read from the owner index alone, up to the smallest cap), plus those
    the batch gave them since, stay below the smallest cap. Not for least loaded
    entries (they need each load) nor entries whose people depend on the record."""
    key = (rule.name, entry.index)
    if entry.method == "least_loaded" or ready.least_cap is None \
            or key in batch.loads or batch.prepared.get(key) is not ready:
        return False
    bound = batch.bounds.get(key)
    if bound is None:
        ids = {p.user_id for p in ready.eligible}
        bound = _owned_at_most(ctx, rule, ids, ready.least_cap) + sum(
            1 for _, _, now in batch.owners if now in ids)
        batch.bounds[key] = bound
        for person in ids:
            batch.bounding.setdefault(person, []).append(key)
    return bound < ready.least_cap


def _owned_at_most(ctx: Context, rule: Rule, people: set[uuid.UUID], limit: int) -> int:
    """How many records of the rule's object these people own, counted up to
    ``limit``."""
    if not people or limit <= 0:
        return 0

    def build() -> sa.Select[Any]:  # once per object (a batch asks per capped entry)
        table = get_model(ctx, rule.object).table
        owned = sa.select(table.c.owner).where(
            table.c.owner.in_(sa.bindparam("o_people", expanding=True))).limit(
            sa.bindparam("o_limit")).subquery()
        return sa.select(sa.func.count()).select_from(owned)

    key = ("assignment_owned_at_most", ctx.tenant.id, ctx.tenant.meta_version, rule.object)
    statement = ctx.decisions.get_or_build(key, build)
    return int(ctx.conn.execute(statement, {"o_people": sorted(people),
                                            "o_limit": limit}).scalar_one())


def _full(ready: Prepared, eligible: Sequence[Person],
          loads: Mapping[uuid.UUID, int]) -> list[Person]:
    """The eligible at their cap (nobody while every load is below the smallest cap:
    a busy entry's caps are not looked at on every record)."""
    if ready.least_cap is None or max(loads.values(), default=0) < ready.least_cap:
        return []
    return [p for p in eligible if _over(loads.get(p.user_id, 0), ready.caps[p.user_id])]


def _over(load: int, cap: int | None) -> bool:
    return cap is not None and load >= cap


def _distribute(ctx: Context, rule: Rule, model: Any, row: Mapping[str, Any],
                decision: dict[str, Any]) -> dict[str, Any]:
    """An entry with levels: the pick receives the record as a distribution grant with
    those field-group levels; the owner (主控者) keeps it."""
    answer = {"id": str(row["id"]), "assigned": True, "changed": False,
              "owner": None if row["owner"] is None else str(row["owner"]),
              "version": row["version"], "decision": decision}
    if row["owner"] is not None and str(row["owner"]) == decision["owner"]:
        return answer  # the owner has the record already
    given = grant(platform(ctx), rule.object, row["id"], {
        "grantee": f"user:{decision['picked']}", "field_groups": decision["levels"],
        "via": f"rule:{rule.name}"[:120]})
    journal.announce(ctx, model, row["id"], "assignment_distributed",
                     {**decision, "grant": given["id"]})
    return {**answer, "grant": given["id"]}


def within_hours(hours: Mapping[str, Any], now: dt.datetime) -> bool:
    """Whether ``now`` falls in the working hours (their days, from..to, local time)."""
    local = now.astimezone(zoneinfo.ZoneInfo(hours.get("timezone", DEFAULT_TIMEZONE)))
    if "days" in hours and local.isoweekday() not in hours["days"]:
        return False
    return bool(hours["from"] <= local.strftime("%H:%M") < hours["to"])


def weighted(candidates: Sequence[Person], weights: Mapping[uuid.UUID, int]) -> list[Person]:
    """The turns of a weighted round robin: each person as many times as their weight,
    spread out (a, b, a, b, a for weights 3 and 2) rather than in a block."""
    most = max((weights.get(p.user_id, 1) for p in candidates), default=0)
    return [p for turn in range(most) for p in candidates
            if weights.get(p.user_id, 1) > turn]


def usable(ctx: Context, rule: Rule, object_name: str, *,
           dry_run: bool = False) -> Rule:
    """The rule, if it is active, about this object and the caller may apply it. A
    ``dry_run`` (the gap finder) also takes an inactive rule: checking a rule before it
    is switched on is what the check is for (seed 004)."""
    if rule.object != object_name:
        raise Invalid([ErrorItem("/rule", "assignment_rule_object",
                                 {"rule": rule.name, "object": rule.object,
                                  "expected": object_name})])
    if rule.document.get("active", True) is False and not dry_run:
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
                 allowed: frozenset[uuid.UUID], batch: Batch) -> Person:
    """The next eligible candidate after the entry's cursor; the cursor row is locked
    (``FOR UPDATE`` on PostgreSQL) until the assigning transaction ends, so concurrent
    writers take turns instead of picking the same person."""
    turn = batch.turn(ctx, rule, entry)
    for step in range(len(candidates)):
        person = candidates[(turn + step) % len(candidates)]
        if person.user_id in allowed:
            batch.took(rule, entry, turn + step + 1)
            return person
    raise AssertionError("an eligible person is a candidate")


#: The cursor row of one rule entry, by bound parameters (built once: a rule runs on
#: every new record, and building the statement cost more than running it).
_KEY = (assignment_cursors.c.tenant_id == sa.bindparam("c_tenant"),
        assignment_cursors.c.rule == sa.bindparam("c_rule"),
        assignment_cursors.c.entry == sa.bindparam("c_entry"))
_READ = sa.select(assignment_cursors.c.next_turn).where(*_KEY)
_LOCK = _READ.with_for_update()
_MOVE = assignment_cursors.update().where(*_KEY).values(
    next_turn=sa.bindparam("next_turn"))


def _cursor_key(ctx: Context, rule: str, entry: int) -> dict[str, Any]:
    return {"c_tenant": ctx.tenant.id, "c_rule": rule, "c_entry": entry}


def _turn(ctx: Context, rule: str, entry: int, *, lock: bool) -> int:
    key = _cursor_key(ctx, rule, entry)
    turn = ctx.conn.execute(_LOCK if lock else _READ, key).scalar()
    if turn is not None or not lock:
        return int(turn or 0)
    try:  # the entry's first assignment: make its row (a concurrent first one may win)
        with ctx.conn.begin_nested():
            ctx.conn.execute(assignment_cursors.insert().values(
                tenant_id=ctx.tenant.id, rule=rule, entry=entry, next_turn=0))
        return 0
    except sa.exc.IntegrityError:
        return int(ctx.conn.execute(_LOCK, key).scalar_one())


def _batch_loads(ctx: Context, rule: Rule, entry: Entry, people: Sequence[Person],
                 batch: Batch) -> dict[uuid.UUID, int]:
    """The entry's loads, counted once per batch for the people not counted yet."""
    key = (rule.name, entry.index)
    counted = batch.loads.setdefault(key, {})
    if batch.complete.get(key) is people:  # the same people as last time: all counted
        return counted
    batch.counted[key] = entry
    missing = [p for p in people if p.user_id not in counted]
    if missing:
        found = _loads(ctx, rule, entry, missing, batch.sources)
        fresh = {p.user_id: found.get(p.user_id, 0) for p in missing}
        for row, was, now in batch.owners:  # decided in this batch, not stored yet
            _follow(ctx, entry, fresh, row, was, now, batch.sources)
        counted.update(fresh)
        for person in fresh:
            batch.counting.setdefault(person, []).append(key)
    batch.complete[key] = people
    return counted


def _follow(ctx: Context, entry: Entry, counted: dict[uuid.UUID, int],
            row: Mapping[str, Any], was: Any, now: Any, sources: FilterSources) -> None:
    """Loads of ``counted`` after the row's owner goes from ``was`` to ``now``."""
    if (was in counted or now in counted) and _counts(ctx, entry, row, sources):
        if was in counted:
            counted[was] -= 1
        if now in counted:
            counted[now] += 1


def _counts(ctx: Context, entry: Entry, row: Mapping[str, Any],
            sources: FilterSources) -> bool:
    """Whether the record, once assigned, counts as open toward its owner's load."""
    if row.get("deleted_at") is not None:
        return False
    return entry.load_test is None or bool(entry.load_test(row, now=ctx.now(),
                                                            related=sources.rows))


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


def _everyone(ctx: Context) -> tuple[Person, ...]:
    """The tenant's users, once per metadata version (every membership change, the
    active flag included, commits a version)."""
    def build() -> tuple[Person, ...]:
        rows = ctx.conn.execute(sa.select(
            users.c.id, users.c.email, users.c.active, users.c.department, users.c.roles)
            .where(users.c.tenant_id == ctx.tenant.id).order_by(users.c.email)).all()
        return tuple(Person(uuid.UUID(str(r.id)), r.email, bool(r.active), r.department,
                            tuple(r.roles or ())) for r in rows)

    key = ("assignment_people", ctx.tenant.id, ctx.tenant.meta_version)
    return ctx.decisions.get_or_build(key, build)


class People:
    """The tenant's users and recipients resolved to them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.everyone = _everyone(ctx)
        self.by_email = {p.email.lower(): p for p in self.everyone}
        self.by_id = {str(p.user_id): p for p in self.everyone}
        self._resolved: dict[Any, Resolved] = {}

    def resolve(self, recipients: Sequence[Mapping[str, Any]],
                row: Mapping[str, Any] | None = None, object_name: str | None = None,
                key: Any = None) -> Resolved:
        """The people the recipients name, in a stable order (each once), the
        recipients that name nobody (a user removed since the rule was saved, an empty
        field), and each person's options (weight, capacity, levels) from the first
        recipient naming them. With a ``key`` (a rule entry), recipients naming nobody
        through the record (users, departments, roles) are resolved once."""
        static = key is not None and all(
            recipient_kind(r)[0] in STATIC_KINDS for r in recipients)
        if static and key in self._resolved:
            people, skipped, options = self._resolved[key]
            return list(people), [dict(s) for s in skipped], options
        resolved = self._resolve(recipients, row, object_name)
        if static:
            self._resolved[key] = (list(resolved[0]), [dict(s) for s in resolved[1]],
                                   resolved[2])
        return resolved

    def _resolve(self, recipients: Sequence[Mapping[str, Any]],
                 row: Mapping[str, Any] | None, object_name: str | None) -> Resolved:
        found: dict[uuid.UUID, Person] = {}
        options: dict[uuid.UUID, dict[str, Any]] = {}
        skipped: list[dict[str, Any]] = []
        for recipient in recipients:
            kind, value = recipient_kind(recipient)
            members = self._members(kind, value, row, object_name)
            if not members:
                skipped.append({kind: value, "reason": "no_such_recipient"})
            for person in members:
                found.setdefault(person.user_id, person)
                options.setdefault(person.user_id, {
                    k: recipient[k] for k in ("weight", "capacity", "levels")
                    if k in recipient})
        return list(found.values()), skipped, options

    def _members(self, kind: str, value: str, row: Mapping[str, Any] | None,
                 object_name: str | None) -> list[Person]:
        if kind == "user":
            person = self.by_email.get(value.lower())
            return [person] if person is not None else []
        if kind == "department":
            team = set(department_tree(self.ctx).subtree(value))
            return [p for p in self.everyone if p.department in team]
        if kind == "role":
            return [p for p in self.everyone if value in p.roles]
        if row is None or object_name is None or row.get(value) is None:
            return []
        named = row[value]
        if kind == "owner_of":  # the owner of the record the lookup points at
            target = get_model(self.ctx, object_name).fields[value].definition["target"]
            table = get_model(self.ctx, target).table
            named = self.ctx.conn.execute(sa.select(table.c.owner).where(
                table.c.id == named)).scalar()
            if named is None:
                return []
        person = self.by_email.get(str(named).strip().lower()) or self.by_id.get(str(named))
        return [person] if person is not None else []
