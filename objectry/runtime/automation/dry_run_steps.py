"""One record's path through a workflow, described instead of executed (dry runs).

Every step is evaluated against a copy of the record held in memory: an update changes
the copy (so later branches see it), a create, a webhook or a function call is only
described, a wait moves the simulated clock to the instant it would wake up. Nothing
here writes a row, sends a request or runs tenant code: there is no side effect to
undo. Each action has a describer below, kept apart from ``steps.ACTIONS`` (which does
the work); an action this table does not know is described from its step document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from objectry.metadata.conditions.parser import parse_condition
from objectry.metadata.problems import (
    ErrorItem,
    FieldValueError,
    Invalid,
    NotFound,
    Problem,
    pointer,
)
from objectry.runtime.access.filter_sources import FilterSources
from objectry.runtime.access.guard import Guard
from objectry.runtime.automation.errors import StepError, describe
from objectry.runtime.automation.readers import Reader, condition_fields
from objectry.runtime.automation.steps import date_instant, duration, resolve_user
from objectry.runtime.automation.templates import has_placeholders, render
from objectry.runtime.distribution.rules import People, decide, load_rule
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.query.compile import to_predicate

MAX_PATH = 100  # a workflow that loops is cut here (its outcome says so)
WAIT_ELAPSED = "wait elapsed"
#: What a branch or wait says when its condition tests what the caller may not read.
WITHHELD_OUTCOME: Mapping[str, Any] = MappingProxyType({"withheld": ["outcome"]})
#: Keys of a step document that steer the run rather than describe its work.
CONTROL_KEYS = frozenset({"id", "label", "action", "next", "on_failure"})


@dataclass
class Simulation:
    """The run's view while walking: the record (storage form), its trigger, a clock."""

    ctx: Context
    guard: Guard
    sources: FilterSources
    row: dict[str, Any]
    trigger: Mapping[str, Any]
    now: dt.datetime
    #: A scheduled job's run: there is no record; templates and conditions see none.
    record_less: bool = False
    _access: Any = field(default=None, repr=False)

    @property
    def model(self) -> ObjectModel:
        return self.guard.model

    def record(self) -> dict[str, Any]:
        """The record as the caller may see it, with the simulated changes so far."""
        if self.record_less:
            return {}
        if self._access is None:
            self._access = self.guard.maps([self.row])[0]
        return self.guard.present(self.row, self._access)

    def outcome_hidden(self, *trees: Any) -> bool:
        """Whether a branch or wait condition tests what the caller may not read in this
        record (a hidden or masked field, related records): its outcome is withheld,
        as in run history."""
        if self.record_less:
            return False
        if self._access is None:
            self._access = self.guard.maps([self.row])[0]
        if self._access is self.guard.everything:
            return False
        return not Reader(self.guard, self._access).may_read(
            frozenset().union(*(condition_fields(tree) for tree in trees)))

    def readable(self, names: list[str]) -> list[str]:
        """Those of ``names`` the caller reads unmasked in this record."""
        if self.record_less or not names:
            return names
        if self._access is None:
            self._access = self.guard.maps([self.row])[0]
        reader = Reader(self.guard, self._access)
        return [n for n in names if reader.may_read({n})]

    def rendered(self, value: Any) -> Any:
        if not has_placeholders(value):
            return value
        return render(value, {"record": self.record(), "trigger": dict(self.trigger),
                              "now": self.now.isoformat(),
                              "today": self.now.astimezone(dt.UTC).date().isoformat()})

    def holds(self, tree: Any) -> bool:
        """A branch or wait condition, by the Python predicate, at the simulated clock."""
        node = parse_condition(tree, self.model.field_definition,
                               object_name=self.model.api_name, objects=self.sources.fields,
                               changes=False)
        return to_predicate(node)(self.row, None, now=self.now, related=self.sources.rows)

    def apply(self, values: Mapping[str, Any]) -> list[str]:
        """Simulate an update of the record; returns the fields it would change."""
        if self.record_less:  # as the engine: a run without a record has none to update
            raise StepError("record_gone")
        changed = sorted(n for n, v in values.items() if self.row.get(n) != v)
        self.row.update(values)
        return changed


@dataclass(frozen=True)
class Described:
    """What a step would do, and where the run would go next."""

    would: Mapping[str, Any]
    goto: str | None = None
    end: bool = False
    wake_at: dt.datetime | None = None


Describer = Callable[[Simulation, Mapping[str, Any]], Described]


def walk(sim: Simulation, steps: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Follow the steps from the first, as the engine would move between them."""
    position = {s["id"]: i for i, s in enumerate(steps)}
    path: list[dict[str, Any]] = []
    current, waited, outcome = steps[0]["id"], False, "completed"
    while True:
        if len(path) >= MAX_PATH:
            outcome = "step_limit"
            break
        step = steps[position[current]]
        entry: dict[str, Any] = {"step": current, "kind": step_kind(step),
                                 "at": sim.now.isoformat()}
        if waited:
            entry["assumes"] = WAIT_ELAPSED
        path.append(entry)
        try:
            described = describe_step(sim, step)
        except (StepError, Problem) as exc:
            entry["would_fail"] = describe(exc)
            fallback = (step.get("on_failure") or {}).get("then")
            if fallback is None:
                outcome = "failed"
                break
            entry["then"] = fallback
            if fallback == "end":
                break
            current = fallback
            continue
        entry["would"] = dict(described.would)
        if described.wake_at is not None:
            sim.now = max(sim.now, described.wake_at)
            waited = True
            entry["assumes"] = WAIT_ELAPSED
        if described.end:
            break
        target = described.goto or step.get("next")
        if target is None:
            following = position[current] + 1
            target = steps[following]["id"] if following < len(steps) else "end"
        if target == "end":
            break
        current = target
    return {"path": path, "end_step": path[-1]["step"], "outcome": outcome}


def step_kind(step: Mapping[str, Any]) -> str:
    if "wait" in step:
        return "wait"
    if "branch" in step:
        return "branch"
    return str(step.get("action"))


def describe_step(sim: Simulation, step: Mapping[str, Any]) -> Described:
    if "wait" in step:
        return _wait(sim, step)
    if "branch" in step:
        return _branch(sim, step)
    describer = DESCRIBE.get(step.get("action", ""), _generic)
    return describer(sim, step)


# -- describers --------------------------------------------------------------------------

def _wait(sim: Simulation, step: Mapping[str, Any]) -> Described:
    """Reported, not slept: the run continues as if the wait had elapsed."""
    wait = step["wait"]
    if "until" in wait:
        hidden = sim.outcome_hidden(wait["until"])
        if sim.holds(wait["until"]):
            return Described(WITHHELD_OUTCOME if hidden else {"condition": "met"})
        timeout_at = sim.now + duration(wait["timeout"])
        return Described(WITHHELD_OUTCOME if hidden else
                         {"condition": "not met", "sleep_until": timeout_at.isoformat(),
                          "timeout_at": timeout_at.isoformat()},
                         goto=wait.get("on_timeout"), wake_at=timeout_at)
    if "until_field" in wait:
        value = sim.record().get(wait["until_field"])
        if value is None:
            return Described({"skipped": "no date"})
        wake = date_instant(value) + duration(wait.get("offset", {}))
    else:
        wake = sim.now + duration(wait)
    if wake <= sim.now:
        return Described({"wake_at": wake.isoformat(), "skipped": "already past"})
    return Described({"sleep_until": wake.isoformat(), "wait": dict(wait)}, wake_at=wake)


def _branch(sim: Simulation, step: Mapping[str, Any]) -> Described:
    hidden = sim.outcome_hidden(*(rule["if"] for rule in step["branch"]))
    for i, rule in enumerate(step["branch"]):
        if sim.holds(rule["if"]):
            return Described(WITHHELD_OUTCOME if hidden else
                             {"branch": i, "goes_to": rule["then"]}, goto=rule["then"])
    target = step.get("else")
    return Described(WITHHELD_OUTCOME if hidden else
                     {"branch": "else" if target else "none", "goes_to": target or "next"},
                     goto=target)


def _update_record(sim: Simulation, step: Mapping[str, Any]) -> Described:
    values = sim.rendered(step["values"])
    changed = sim.apply(storage_values(sim.model, values))
    # a field the caller may not read is not said to change: that it would (or would
    # not) tells whether its value is already the one set
    return Described({"sets": values, "changes": sim.readable(changed)})


def _create_record(sim: Simulation, step: Mapping[str, Any]) -> Described:
    target = step.get("object", sim.model.api_name)
    values = dict(sim.rendered(step["values"]))
    owner = values.pop("owner", None)
    storage_values(get_model(sim.ctx, target), values)  # refused values fail the step
    creates: dict[str, Any] = {"object": target, "values": values}
    if owner:
        creates["owner"] = resolve_user(sim.ctx, owner).email
    return Described({"creates": creates})


def _tag(add: bool) -> Describer:
    def tag(sim: Simulation, step: Mapping[str, Any]) -> Described:
        name, value = step["field"], step["tag"]
        current = list(sim.record().get(name) or [])
        verb = "adds" if add else "removes"
        if (value in current) == add:
            return Described({"field": name, verb: value, "unchanged": True})
        tags = [*current, value] if add else [t for t in current if t != value]
        sim.apply(storage_values(sim.model, {name: tags}))
        return Described({"field": name, verb: value, "result": tags})
    return tag


def _assign(sim: Simulation, step: Mapping[str, Any]) -> Described:
    if step.get("rule"):
        return Described(_by_rule(sim, step["rule"]))
    return Described({"assigns_to": resolve_user(sim.ctx, sim.rendered(step["to"])).email})


def _by_rule(sim: Simulation, name: str) -> dict[str, Any]:
    """Who the assignment rule would pick (no round-robin turn taken); withheld when its
    conditions read what the caller may not read in this record."""
    found: dict[str, Any] = {"assigns_by_rule": name}
    try:
        rule = load_rule(sim.ctx, name)
    except NotFound:
        return {**found, "unknown_rule": True}
    if sim.record_less or rule.object != sim.model.api_name:
        return found
    trees = [tree for entry in rule.document["entries"]
             for tree in (entry.get("condition"), entry.get("load")) if tree is not None]
    if sim.outcome_hidden(*trees):
        return {**found, "outcome": "withheld"}
    decision = decide(sim.ctx, rule, sim.row, People(sim.ctx), take_turn=False)
    return {**found, "would_go_to": decision["picked"], "entry": decision["entry"]}


def _call_function(sim: Simulation, step: Mapping[str, Any]) -> Described:
    return Described({"calls_function": step["function"],
                      "payload": sim.rendered(step.get("payload", {})), "called": False})


def _call_webhook(sim: Simulation, step: Mapping[str, Any]) -> Described:
    body = sim.rendered(step["body"]) if "body" in step else \
        {"default": ["workflow", "run", "step", "record", "trigger"]}
    described = {"posts_to": sim.rendered(step["url"]), "body": body, "called": False}
    if step.get("headers"):  # {{secret.name}} stays as written: values never leave here
        described["headers"] = sim.rendered(step["headers"])
    if step.get("signing_secret"):  # a {{secret.name}} reference, shown as written
        described["signed_with"] = step["signing_secret"]
    return Described(described)


def _end(sim: Simulation, step: Mapping[str, Any]) -> Described:
    return Described({"ends": True}, end=True)


def _generic(sim: Simulation, step: Mapping[str, Any]) -> Described:
    """An action without a describer (a newer one): its parameters, rendered."""
    params = {k: v for k, v in step.items() if k not in CONTROL_KEYS}
    return Described({"action": step.get("action"), "params": sim.rendered(params),
                      "called": False})


DESCRIBE: Mapping[str, Describer] = {
    "update_record": _update_record,
    "create_record": _create_record,
    "add_tag": _tag(add=True),
    "remove_tag": _tag(add=False),
    "assign": _assign,
    "call_function": _call_function,
    "call_webhook": _call_webhook,
    "end": _end,
}


# -- helpers -----------------------------------------------------------------------------

def storage_values(model: ObjectModel, values: Any) -> dict[str, Any]:
    """API values in storage form, checked by their field types (422 like a write)."""
    if not isinstance(values, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors: list[ErrorItem] = []
    stored: dict[str, Any] = {}
    for name, raw in values.items():
        field_ = model.fields.get(name)
        if field_ is None:
            errors.append(ErrorItem(pointer(name), "unknown_field",
                                    {"object": model.api_name, "field": name}))
            continue
        try:
            value = None if raw is None else field_.type.deserialize(field_.definition, raw)
        except FieldValueError as exc:
            errors.append(ErrorItem(pointer(name), exc.code, exc.params))
            continue
        stored[name] = None if value == [] else value
    if errors:
        raise Invalid(errors)
    return stored
