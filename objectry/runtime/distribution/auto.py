"""Assignment on create: the object's ``auto`` rules take every new record.

Whatever path creates a record (the API, the bulk API, an import, a web form, the web
app), the records service calls the lifecycle's write hooks after writing it; they
call :func:`assign_new` with the new rows, in the creating transaction. The rules
(``"auto": true``, active, of that object) are tried by ``precedence`` then name: the
first one with an entry matching the record decides. The move is the owner-change
command (``records.ownership.change_owner_rows``: the same audit change, version and
``owner_changed`` event), acting as the platform, for the whole batch at once; each row
is updated in place so the create's answer shows its new owner.

A failure never fails the create: nobody eligible sends the record to the rule's
fallback pool (or leaves it with its creator) and writes ``record.assignment_failed``;
an error while assigning is rolled back alone and written as the same event with
``reason: error``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from objectry.metadata import store
from objectry.metadata.problems import Problem
from objectry.runtime.distribution.pools import platform, put_in_pool
from objectry.runtime.distribution.rules import (
    Batch,
    People,
    Rule,
    _distribute,
    decide,
    fallback_pool_of,
    load_rule,
)
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel
from objectry.runtime.records import journal
from objectry.runtime.records.ownership import change_owner_rows

#: Precedence of an auto rule that names none (lower goes first).
DEFAULT_PRECEDENCE = 100


def auto_rules(ctx: Context, object_name: str) -> tuple[Rule, ...]:
    """The object's active auto rules in precedence order, once per metadata version."""
    def build() -> dict[str, tuple[Rule, ...]]:
        found: dict[str, list[tuple[int, str]]] = {}
        for name, stored in store.documents(ctx.conn, ctx.tenant.id,
                                            "assignment_rule").items():
            document = stored.document
            if document.get("auto") and document.get("active", True) is not False:
                found.setdefault(document["object"], []).append(
                    (int(document.get("precedence", DEFAULT_PRECEDENCE)), name))
        return {o: tuple(load_rule(ctx, name) for _, name in sorted(names))
                for o, names in found.items()}

    key = ("assignment_auto_rules", ctx.tenant.id, ctx.tenant.meta_version)
    return ctx.decisions.get_or_build(key, build).get(object_name, ())


def assign_new(ctx: Context, model: ObjectModel, written: Sequence[Mapping[str, Any]]) -> None:
    """Assign new records (as just written) by the object's auto rules; rows moved are
    updated in place (the records service's rows are dicts). Never raises: a batch that
    fails is retried record by record, and a record that fails is written as
    ``assignment_failed``."""
    rules = auto_rules(ctx, model.api_name)
    if not rules or not written:
        return
    rows = [row if isinstance(row, dict) else dict(row) for row in written]
    acting = platform(ctx)
    if _attempt(acting, model, rules, rows) or len(rows) == 1:
        return
    for row in rows:  # the batch failed: each record on its own
        _attempt(acting, model, rules, [row])


def _attempt(ctx: Context, model: ObjectModel, rules: Sequence[Rule],
             rows: Sequence[dict[str, Any]]) -> bool:
    """Assign the rows in a savepoint; on failure nothing of it stays (rows as they
    were) and, for a single record, the failure is written."""
    before = [dict(row) for row in rows]
    try:
        with ctx.conn.begin_nested():
            _assign_batch(ctx, model, rules, rows)
        return True
    except Exception as exc:  # the create stands whatever happens
        if not isinstance(exc, Problem):
            logging.getLogger(__name__).exception("assigning new %s records failed",
                                                  model.api_name)
        for row, was in zip(rows, before, strict=True):
            row.clear()
            row.update(was)
        if len(rows) == 1:
            _failed(ctx, model, rows[0], rules)
        return False


@dataclass
class Plan:
    """A batch's decisions, taken before its records are written (:func:`plan_new`):
    the plain moves (``(row, new owner, because, decision, grants)``), the owner each
    moved row had been given by its creator, the audit change of each move, and the
    rest (entries with levels, failures) for :func:`finish_new`."""

    ids: frozenset[Any]
    moves: list[tuple[dict[str, Any], uuid.UUID, dict[str, Any], dict[str, Any], str]]
    creators: dict[Any, Any]
    changes: dict[Any, dict[str, Any]]
    given: list[tuple[dict[str, Any], Rule, dict[str, Any]]]
    failures: list[tuple[dict[str, Any], Rule, dict[str, Any]]]

    def covers(self, rows: Sequence[Mapping[str, Any]]) -> bool:
        """Whether these written rows are the planned ones (else they were not planned:
        :func:`assign_new` assigns them)."""
        return all(row["id"] in self.ids for row in rows)


def plan_new(ctx: Context, model: ObjectModel, rows: Sequence[dict[str, Any]]
             ) -> Plan | None:
    """Decide the new records' owners before they are written (``rows``: the rows about
    to be inserted), so a plain pick is written with the record itself: one row, one
    audit entry, the ``owner_changed`` event after ``created`` (:func:`finish_new`),
    instead of a create and an owner change. None when the object has no auto rule or
    deciding failed (nothing kept: :func:`assign_new` then assigns after the write)."""
    rules = auto_rules(ctx, model.api_name)
    if not rules or not rows:
        return None
    acting = platform(ctx)
    try:
        with acting.conn.begin_nested():
            moves, given, failures = _decide_all(acting, rules, rows, stored=False)
    except Exception as exc:
        if not isinstance(exc, Problem):
            logging.getLogger(__name__).exception("deciding new %s records failed",
                                                  model.api_name)
        return None
    plan = Plan(frozenset(row["id"] for row in rows), [], {}, {}, given, failures)
    for row, owner, because, decision, grants in moves:
        if row["owner"] != owner:  # as the owner-change command: no move, no change
            plan.moves.append((row, owner, because, decision, grants))
            plan.creators[row["id"]] = row["owner"]
            plan.changes[row["id"]] = {"field": "owner", "old": _text(row["owner"]),
                                       "new": str(owner), "because": because}
            row["owner"] = owner
    return plan


def finish_new(ctx: Context, model: ObjectModel, plan: Plan,
               written: Sequence[Mapping[str, Any]]) -> None:
    """After a planned batch is written (``written``: its rows that were): the
    ``owner_changed`` events of the moves, as the owner-change command writes them,
    then what :func:`assign_new` does for entries with levels and failures. Never
    raises, as :func:`assign_new`."""
    acting = platform(ctx)
    live = {row["id"] for row in written}
    journal.announce_many(acting, model, [
        (row["id"], {"version": row["version"], "old": _text(plan.creators[row["id"]]),
                     "new": str(owner), "because": because, "grants": grants,
                     "grants_revoked": 0, "decision": decision})
        for row, owner, because, decision, grants in plan.moves if row["id"] in live],
        "owner_changed")
    given = [g for g in plan.given if g[0]["id"] in live]
    failures = [f for f in plan.failures if f[0]["id"] in live]
    if not given and not failures:
        return
    rows = [row for row, _, _ in [*given, *failures]]
    before = [dict(row) for row in rows]
    try:
        with acting.conn.begin_nested():
            _settle(acting, model, given, failures)
    except Exception as exc:  # the create stands: each record assigned on its own
        if not isinstance(exc, Problem):
            logging.getLogger(__name__).exception("assigning new %s records failed",
                                                  model.api_name)
        rules = auto_rules(ctx, model.api_name)
        for row, was in zip(rows, before, strict=True):
            row.clear()
            row.update(was)
            _attempt(acting, model, rules, [row])


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _decide_all(ctx: Context, rules: Sequence[Rule], rows: Sequence[dict[str, Any]], *,
                stored: bool) -> tuple[list[tuple[dict[str, Any], uuid.UUID, dict[str, Any],
                                                  dict[str, Any], str]],
                                       list[tuple[dict[str, Any], Rule, dict[str, Any]]],
                                       list[tuple[dict[str, Any], Rule, dict[str, Any]]]]:
    """Every row's decision, in order, the round-robin turns written: the plain moves
    (row, owner, because, decision, the rule's grant policy), the picks given with
    levels and the failures. ``stored``: whether the rows are in the database already
    (their owner's load counts them)."""
    people = People(ctx)
    batch = Batch(ctx)
    moves: list[tuple[dict[str, Any], uuid.UUID, dict[str, Any], dict[str, Any], str]] = []
    failures: list[tuple[dict[str, Any], Rule, dict[str, Any]]] = []
    given: list[tuple[dict[str, Any], Rule, dict[str, Any]]] = []
    for row in rows:
        rule, decision = _decision(ctx, rules, row, people, batch)
        owner = row["owner"]
        if decision["owner"] is None:
            failures.append((row, rule, decision))
            if fallback_pool_of(ctx, rule) is not None:
                owner = None
        elif "levels" in decision:
            given.append((row, rule, decision))
        else:
            because = {"rule": rule.name, "entry": decision["entry"],
                       "method": decision["method"], "picked": decision["picked"],
                       "auto": True}
            owner = people.by_id[decision["owner"]].user_id  # no UUID parsed again
            moves.append((row, owner, because, decision, rule.grants))
        batch.owned(ctx, row, row["owner"] if stored else None, owner)
    batch.flush(ctx)
    return moves, given, failures


def _assign_batch(ctx: Context, model: ObjectModel, rules: Sequence[Rule],
                  rows: Sequence[dict[str, Any]]) -> None:
    moving, given, failures = _decide_all(ctx, rules, rows, stored=True)
    moves: dict[str, list[tuple[dict[str, Any], uuid.UUID, dict[str, Any],
                                dict[str, Any]]]] = {}
    for row, owner, because, decision, grants in moving:
        moves.setdefault(grants, []).append((row, owner, because, decision))
    for grants, moved in moves.items():
        change_owner_rows(ctx, model, moved, grants=grants)
    _settle(ctx, model, given, failures)


def _settle(ctx: Context, model: ObjectModel,
            given: Sequence[tuple[dict[str, Any], Rule, dict[str, Any]]],
            failures: Sequence[tuple[dict[str, Any], Rule, dict[str, Any]]]) -> None:
    """Picks with levels become grants; failures are written (and go to the rule's
    fallback pool, if any)."""
    for row, rule, decision in given:
        _distribute(ctx, rule, model, row, decision)
    failed: list[tuple[uuid.UUID, Mapping[str, Any]]] = []
    for row, rule, decision in failures:
        pool = fallback_pool_of(ctx, rule)
        if pool is not None:
            decision["fallback_pool"] = pool.name
        failed.append((row["id"], decision))
    journal.announce_many(ctx, model, failed, "assignment_failed")
    for row, rule, decision in failures:
        if "fallback_pool" in decision:
            pool = fallback_pool_of(ctx, rule)
            assert pool is not None
            moved = put_in_pool(ctx, pool, row["id"], how="fallback", reason=(
                f"{rule.name}: {decision.get('reason', 'no_eligible_recipient')}"))
            row.update(owner=None, version=moved["version"], updated_at=ctx.now(),
                       updated_by=ctx.actor.user_id)


def _decision(ctx: Context, rules: Sequence[Rule], row: dict[str, Any], people: People,
              batch: Batch) -> tuple[Rule, dict[str, Any]]:
    """The first rule with an entry matching the record decides (its pick, or its
    honest failure); when no rule's entry matches, the first rule's answer."""
    first: tuple[Rule, dict[str, Any]] | None = None
    for rule in rules:
        decision = decide(ctx, rule, row, people, batch=batch)
        if decision["entry"] is not None or decision["tried"]:
            return rule, decision
        first = first or (rule, decision)
    assert first is not None
    return first


def _failed(ctx: Context, model: ObjectModel, row: dict[str, Any],
            rules: Sequence[Rule]) -> None:
    """An error while assigning (a rule's related lookup gone, a refused write): the
    record keeps its creator as owner, and the event says so."""
    try:
        with ctx.conn.begin_nested():
            journal.announce(ctx, model, row["id"], "assignment_failed", {
                "rule": rules[0].name, "entry": None, "picked": None, "owner": None,
                "tried": [], "reason": "error", "rules": [r.name for r in rules]})
    except Exception:  # the create stands whatever happens here
        return
