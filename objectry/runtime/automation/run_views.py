"""A record's run history as a reader of the record may see it.

Runs act as the platform and record what they saw: an update's old and new values, the
values a step wrote, whom a message went to, a score. A reader sees those through the
record's ``Guard`` (its access map for this record, distribution grants included): a
field hidden from them is absent, a sensitive one masked, as on the record itself. A
free-form output (a function's result, a webhook's answer) may hold any field, so it is
shown only to readers who see every field of the record as stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import NotFound, Problem
from objectry.permissions.access import AccessMap
from objectry.runtime.access.guard import Guard
from objectry.runtime.automation.readers import (
    WITHHELD,
    Reader,
    condition_fields,
    without_recipient,
)
from objectry.runtime.automation.runs import get_run, list_runs, workflow_object
from objectry.runtime.automation.templates import step_recipient_fields
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.scoring import scoring_model

#: Output keys kept for a reader who does not see every field, per free-form action.
FREE_FORM_KEPT = {"call_function": frozenset(), "call_webhook": frozenset({"status"})}
#: Actions whose output is keyed by field names (the values written, a tag field).
FIELD_KEYED = frozenset({"add_tag", "remove_tag"})


def record_runs(ctx: Context, object_name: str, record_id: Any, *, status: str | None,
                limit: int) -> list[dict[str, Any]]:
    """The record's runs, newest first, as the caller may see them (403/404 as the
    record)."""
    guard = Guard(ctx, get_model(ctx, object_name))
    row, access = guard.load(record_id)
    items = list_runs(ctx, object_name=guard.model.api_name, record_id=str(row["id"]),
                      status=status, limit=limit)
    if access is guard.everything:
        return items
    seen = RunView(ctx, guard, access)
    return [seen.run(item) for item in items]


def workflow_runs(ctx: Context, workflow: str, *, status: str | None,
                  limit: int) -> list[dict[str, Any]]:
    """A workflow's runs, newest first, each as the caller may see its record: runs on
    records they may not see are left out (as the records list leaves those records
    out), the others are shown through the record's presentation, as in the record's
    own run history."""
    if _unrestricted(ctx):
        return list_runs(ctx, workflow=workflow, status=status, limit=limit)
    guard = Guard(ctx, get_model(ctx, workflow_object(ctx, workflow)))
    table = guard.model.table
    visible = guard.visible()
    records = sa.select(table.c.id)
    if visible is not None:
        records = records.where(visible)
    items = list_runs(ctx, workflow=workflow, status=status, limit=limit, records=records)
    return present_runs(ctx, items)


def read_run(ctx: Context, run_id: Any) -> dict[str, Any]:
    """One run as the caller may see its record; a run on a record they may not see
    answers as an unknown run (404), so its existence tells nothing."""
    item = get_run(ctx, run_id)
    if _unrestricted(ctx):
        return item
    [shown] = present_runs(ctx, [item], unknown_run=str(run_id))
    return shown


def present_runs(ctx: Context, items: Sequence[Mapping[str, Any]], *,
                 unknown_run: str | None = None) -> list[dict[str, Any]]:
    """Runs of any records, each through its record's presentation for the caller (one
    query per object for the rows and their access maps). A run whose record the caller
    may not see is left out, or with ``unknown_run`` answers 404 ``unknown_run``."""
    by_object: dict[str, list[Any]] = {}
    for item in items:
        if item["record"] is not None:
            by_object.setdefault(item["object"], []).append(item["record"])
    access: dict[tuple[str, str], tuple[Guard, AccessMap]] = {}
    for name, ids in by_object.items():
        try:
            guard = Guard(ctx, get_model(ctx, name))
        except Problem:
            continue  # the object is gone: nobody but the platform reads its runs
        table = guard.model.table
        query = sa.select(table).where(table.c.id.in_(
            sorted({_uuid_or_none(i) for i in ids} - {None}, key=str)))
        visible = guard.visible()
        if visible is not None:
            query = query.where(visible)
        rows = [dict(r) for r in ctx.conn.execute(query).mappings()]
        for row, seen in zip(rows, guard.maps(rows), strict=True):
            access[(name, str(row["id"]))] = (guard, seen)
    shown: list[dict[str, Any]] = []
    for item in items:
        if item["record"] is None:  # a scheduled job's run: about no record
            shown.append(dict(item))
            continue
        found = access.get((item["object"], item["record"]))
        if found is None:
            if unknown_run is not None:
                raise NotFound(detail_code="unknown_run", run=unknown_run[:64])
            continue
        guard, seen = found
        shown.append(dict(item) if seen is guard.everything
                     else RunView(ctx, guard, seen).run(item))
    return shown


def _unrestricted(ctx: Context) -> bool:
    return ctx.actor.is_admin or ctx.actor.is_system


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class RunView:
    """Runs of one record under the reader's access map for it."""

    def __init__(self, ctx: Context, guard: Guard, access: AccessMap) -> None:
        self.ctx, self.guard, self.access = ctx, guard, access
        self.reader = Reader(guard, access)
        self.whole = self.reader.whole

    def run(self, item: Mapping[str, Any]) -> dict[str, Any]:
        shown = {**item, "trigger": self.trigger(item["trigger"]),
                 "error": self.error(item["error"]),
                 "steps": [self.step(step) for step in item["steps"]]}
        failed = item["error"].get("step") if isinstance(item["error"], Mapping) else None
        sent = [s["input"] for s in item["steps"] if s["step"] == failed
                and (s["input"] or {}).get("action") == "send_message"]
        if sent and not self.reader.may_read(step_recipient_fields(sent[-1].get("to"))):
            shown["error"] = without_recipient(shown["error"], self.ctx.locale)
        current = [s for s in item["steps"] if s["step"] == item["step"]]
        if current and self._hidden_date(current[-1]["input"]):
            shown["due_at"] = None  # the wake-up time is the hidden date moved
        return shown

    def _hidden_date(self, given: Any) -> bool:
        """Whether a step waits until a date field the reader may not read."""
        wait = given.get("wait") if isinstance(given, Mapping) else None
        return isinstance(wait, Mapping) and "until_field" in wait \
            and not self.reader.may_read({str(wait["until_field"])})

    def _hidden_outcome(self, given: Any) -> bool:
        """Whether a branch or a wait-until tests a field the reader may not read (or
        related records): which way it went would tell that field's value."""
        if not isinstance(given, Mapping):
            return False
        wait = given.get("wait")
        trees = [rule.get("if") for rule in given.get("branch") or ()
                 if isinstance(rule, Mapping)]
        if isinstance(wait, Mapping) and "until" in wait:
            trees.append(wait["until"])
        return bool(trees) and not self.reader.may_read(
            frozenset().union(*(condition_fields(tree) for tree in trees)))

    def values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return self.reader.values(values)

    def trigger(self, trigger: Mapping[str, Any] | None) -> Any:
        """An update's changes as the reader sees them on the record that changed."""
        if not trigger or not isinstance((trigger.get("data") or {}).get("changes"), list):
            return trigger
        data = dict(trigger["data"])
        changes = data["changes"]
        if trigger.get("object") == self.guard.model.api_name and "related" not in trigger:
            data["changes"] = self.guard.present_changes(changes, self.access)
        else:  # a related record's event: as the reader sees that record, if at all
            try:
                other = Guard(self.ctx, get_model(self.ctx, trigger["object"]))
                _, access = other.load(trigger["record"], include_deleted=True)
                data["changes"] = other.present_changes(changes, access)
            except Problem:
                data.pop("changes")
        return {**trigger, "data": data}

    def step(self, step: Mapping[str, Any]) -> dict[str, Any]:
        given = step["input"] or {}
        action = given.get("action")
        shown = dict(step)
        if action == "update_record" and isinstance(given.get("values"), Mapping):
            shown["input"] = {**given, "values": self.values(given["values"])}
        shown["output"] = self.output(action, given, step["output"])
        if action == "send_message" and not self.reader.may_read(
                step_recipient_fields(given.get("to"))):
            if isinstance(shown["output"], Mapping) and "error" in shown["output"]:
                shown["output"] = {**shown["output"], "error": without_recipient(
                    shown["output"]["error"], self.ctx.locale)}
            shown["error"] = without_recipient(step["error"], self.ctx.locale)
        if self._hidden_outcome(given):
            shown["output"] = {"withheld": ["outcome"]}
        if self._hidden_date(given) and isinstance(shown["output"], Mapping):
            shown["output"] = {k: v for k, v in shown["output"].items()
                               if k not in ("wake_at", "skipped")}
        shown["error"] = self.error(shown["error"])
        return shown

    def output(self, action: Any, given: Mapping[str, Any], output: Any) -> Any:
        if not isinstance(output, Mapping):
            return output
        if action == "update_record" and isinstance(output.get("values"), Mapping):
            return {**output, "values": self.values(output["values"])}
        if action in FIELD_KEYED:
            return self.values(output)
        if action == "send_message" and "to" in output:
            return self._recipient(given.get("to"), output)
        if action == "score":
            return self._score(output)
        if action in FREE_FORM_KEPT and not self.whole:
            return {k: v for k, v in output.items() if k in FREE_FORM_KEPT[action]}
        return dict(output)

    def error(self, error: Any) -> Any:
        """An unexpected failure's raw text may quote any value: for whole readers only."""
        if isinstance(error, Mapping) and "detail" in error and not self.whole:
            return {k: v for k, v in error.items() if k != "detail"}
        return error

    def _recipient(self, to: Any, output: Mapping[str, Any]) -> dict[str, Any]:
        """The address masked like the field it came from, absent if that is hidden."""
        shown = {k: v for k, v in output.items() if k != "to"}
        seen = self.reader.rendered(output["to"], step_recipient_fields(to))
        if seen is not WITHHELD:
            shown["to"] = seen
        return shown

    def _score(self, output: Mapping[str, Any]) -> dict[str, Any]:
        """The score and the previous one are the target field's values; ``sets`` are
        values of fields."""
        try:
            target = scoring_model(self.ctx, str(output.get("model"))).target_field
        except Problem:
            target = None
        shown = dict(output)
        for key in ("score", "previous"):
            if key in shown and target is not None:
                seen = self.values({target: shown[key]})
                if target in seen:
                    shown[key] = seen[target]
                else:
                    shown.pop(key)
            elif key in shown and not self.whole:
                shown.pop(key)
        if isinstance(shown.get("sets"), Mapping):
            shown["sets"] = self.values(shown["sets"])
        return shown
