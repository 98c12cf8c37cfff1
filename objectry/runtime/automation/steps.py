"""What each step does. A step runs inside the run's transaction (under a savepoint), so
its writes and the run's move to the next step commit together or not at all.

Steps act as the platform (``system``): a workflow is an admin's configuration, and
the records service still validates every value, keeps the audit trail and writes the
outbox event that other workflows may react to.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa

from objectry.metadata.conditions.parser import parse_condition
from objectry.metadata.i18n import message
from objectry.metadata.problems import NotFound
from objectry.runtime import records
from objectry.runtime.access.filter_sources import FilterSources
from objectry.runtime.access.people import actor_for
from objectry.runtime.automation.channel_settings import read_settings
from objectry.runtime.automation.channels import Channels
from objectry.runtime.automation.errors import StepError
from objectry.runtime.automation.notices import send_notice
from objectry.runtime.automation.send import SendRequest, send_message
from objectry.runtime.automation.templates import has_placeholders, render
from objectry.runtime.automation.webhooks import WebhookClient
from objectry.runtime.distribution.pools import send_back
from objectry.runtime.distribution.rules import assign_record
from objectry.runtime.kernel.context import Actor, Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.compile import to_sql
from objectry.runtime.records.ownership import change_owner
from objectry.runtime.scoring import score_record

DEFAULT_CHECK_EVERY = dt.timedelta(hours=1)


class Assigner(Protocol):
    """A code-registered assigner (an extension point): who gets this record. A step's
    ``rule`` not registered here names the tenant's ``assignment_rule`` document, run
    by ``distribution.rules``.

    Returns the user id of the new owner, or raises ``StepError`` when nobody fits.
    """

    def __call__(self, ctx: Context, object_name: str, record: Mapping[str, Any]) -> uuid.UUID:
        ...


#: (ctx, function api_name, record id, payload) -> the function's result (plain data)
FunctionCaller = Callable[[Context, str, uuid.UUID | None, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Hooks:
    """Where steps reach beyond the records service: extension points, passed in."""

    webhooks: WebhookClient
    #: Email, SMS and WeCom and the default daily cap (the platform's settings).
    channels: Channels
    assigners: Mapping[str, Assigner] = field(default_factory=dict)
    call_function: FunctionCaller | None = None


@dataclass(frozen=True)
class Outcome:
    """What a step decided: go on (to ``goto`` or the next step), sleep, or end the run."""

    goto: str | None = None
    sleep_until: dt.datetime | None = None
    wait: Mapping[str, Any] | None = None
    end: bool = False
    output: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class StepCall:
    ctx: Context
    object: str
    record_id: uuid.UUID | None
    step: Mapping[str, Any]
    trigger: Mapping[str, Any]
    wait_state: Mapping[str, Any] | None
    hooks: Hooks
    run_id: uuid.UUID | None = None
    attempt: int = 1
    workflow: str = ""

    def record(self) -> dict[str, Any]:
        """The run's record as the API shows it (the platform sees every field)."""
        if self.record_id is None:
            raise StepError("record_gone")
        try:
            return records.get(self.ctx, self.object, self.record_id)
        except NotFound as exc:
            raise StepError("record_gone") from exc

    def scope(self) -> dict[str, Any]:
        """What templates see; a run with no record (a scheduled job) sees an empty one.
        ``today`` is the UTC date of ``now``, what a date field takes."""
        record = self.record() if self.record_id is not None else {}
        now = self.ctx.now()
        return {"record": record, "trigger": dict(self.trigger), "now": now.isoformat(),
                "today": now.astimezone(dt.UTC).date().isoformat()}

    def holds(self, tree: Any) -> bool:
        """Whether the run's record matches a condition now (decided by the database)."""
        model = get_model(self.ctx, self.object)
        sources = FilterSources(self.ctx)
        node = parse_condition(tree, model.field_definition, object_name=self.object,
                               objects=sources.fields, changes=False)
        table = model.table
        clause = to_sql(node, table, now=self.ctx.now(), related=sources.tables)
        found = self.ctx.conn.execute(sa.select(table.c.id).where(
            table.c.id == self.record_id, clause)).first()
        return found is not None


def execute(call: StepCall) -> Outcome:
    step = call.step
    if "wait" in step:
        return _wait(call)
    if "branch" in step:
        for rule in step["branch"]:
            if call.holds(rule["if"]):
                return Outcome(goto=rule["then"], output={"matched": rule["then"]})
        target = step.get("else")
        return Outcome(goto=target, output={"matched": target or "next"})
    handler = ACTIONS[step["action"]]
    return handler(call)


def _rendered(call: StepCall, value: Any) -> Any:
    """``value`` rendered against the run's scope, read only when a placeholder needs it."""
    return render(value, call.scope()) if has_placeholders(value) else value


def _update_record(call: StepCall) -> Outcome:
    values = _rendered(call, call.step["values"])
    updated = records.update(call.ctx, call.object, call.record_id, values)
    return Outcome(output={"version": updated["version"], "values": values})


def _create_record(call: StepCall) -> Outcome:
    target = call.step.get("object", call.object)
    values = dict(_rendered(call, call.step["values"]))
    owner = values.pop("owner", None)
    created = records.create(call.ctx, target, values)
    if owner:
        _reassign(call.ctx, target, uuid.UUID(created["id"]), _user_id(call.ctx, owner))
    return Outcome(output={"object": target, "id": created["id"]})


def _tag(call: StepCall, add: bool) -> Outcome:
    field_name, tag = call.step["field"], call.step["tag"]
    current = list(call.record().get(field_name) or [])
    if (tag in current) == add:
        return Outcome(output={"unchanged": True})
    tags = [*current, tag] if add else [t for t in current if t != tag]
    records.update(call.ctx, call.object, call.record_id, {field_name: tags})
    return Outcome(output={field_name: tags})


def _assign(call: StepCall) -> Outcome:
    step = call.step
    if step.get("rule"):
        assigner = call.hooks.assigners.get(step["rule"])
        if assigner is None:  # the tenant's assignment rule of that name
            return _assign_by_rule(call, step["rule"])
        owner = assigner(call.ctx, call.object, call.record())
    else:
        owner = _user_id(call.ctx, render(step["to"], call.scope()))
    _reassign(call.ctx, call.object, call.record_id, owner)
    return Outcome(output={"owner": str(owner)})


def _assign_by_rule(call: StepCall, rule: str) -> Outcome:
    """Run an assignment rule on the record; the owner change carries the rule entry
    that decided. Nobody eligible fails the step (its on_failure applies)."""
    if call.record_id is None:
        raise StepError("record_gone")
    try:
        outcome = assign_record(call.ctx, rule, call.object, call.record_id)
    except NotFound as exc:
        if exc.detail_code == "unknown_assignment_rule":
            raise StepError("no_assigner", rule=rule) from exc
        if exc.detail_code in ("unknown_record", "record_deleted"):
            raise StepError("record_gone") from exc
        raise
    decision = outcome["decision"]
    if not outcome["assigned"] and "pool" in outcome:  # the rule's fallback pool took it
        return Outcome(output={"owner": None, "rule": rule, "pool": outcome["pool"]})
    if not outcome["assigned"]:
        raise StepError("assignment_failed", rule=rule,
                        reason=decision.get("reason", "no_eligible_recipient"))
    return Outcome(output={"owner": outcome["owner"], "rule": rule,
                           "entry": decision["entry"], "picked": decision["picked"]})


def _call_function(call: StepCall) -> Outcome:
    if call.hooks.call_function is None:
        raise StepError("step_failed", step=call.step["id"], reason="functions unavailable")
    payload = render(call.step.get("payload", {}), call.scope())
    answer = call.hooks.call_function(call.ctx, call.step["function"], call.record_id, payload)
    if isinstance(answer, Mapping) and answer.get("ok") is False:
        # the function raised or broke a limit: its writes are undone; the step fails so
        # that its on_failure (retry, fallback) applies
        error = answer.get("error") or {}
        raise StepError("function_failed", function=call.step["function"],
                        reason=str(error.get("message") or error.get("code") or "")[:300],
                        line=error.get("line"))
    return Outcome(output={"result": answer})


def _call_webhook(call: StepCall) -> Outcome:
    scope = call.scope()
    default = {"workflow": call.workflow, "run": str(call.run_id), "step": call.step["id"],
               "record": scope["record"], "trigger": scope["trigger"]}
    payload = render(call.step["body"], scope) if "body" in call.step else default
    headers = {str(k): str(render(v, scope)) for k, v in call.step.get("headers",
                                                                       {}).items()}
    answer = call.hooks.webhooks.post(call.ctx, str(render(call.step["url"], scope)),
                                      payload, delivery=f"{call.run_id}:{call.step['id']}",
                                      headers=headers,
                                      signing=call.step.get("signing_secret"))
    return Outcome(output=answer)


def _send_message(call: StepCall) -> Outcome:
    """Send through a channel; a capped send is recorded and the run goes on; a failed
    send is recorded, then reported on an immediate second visit (see ``send``)."""
    result = send_message(SendRequest(
        call.ctx, call.hooks.channels, call.object, call.record_id, call.step, call.scope,
        call.run_id, call.workflow, call.attempt, call.wait_state))
    if result.failed is not None:
        return Outcome(sleep_until=call.ctx.now(), wait=result.failed, output=result.output)
    return Outcome(output=result.output)


def _score(call: StepCall) -> Outcome:
    """Rescore the run's record with a scoring model (its score and threshold values).

    The write emits an ``updated`` event like any other: a workflow on ``updated`` that
    scores should list ``changed`` fields that leave out the model's target field (and
    the fields its thresholds set), or it would trigger itself again.
    """
    if call.record_id is None:
        raise StepError("record_gone")
    try:
        outcome = score_record(call.ctx, call.step["model"], call.object, call.record_id,
                               write=True)
    except NotFound as exc:
        if exc.detail_code == "unknown_scoring_model":
            raise StepError("unknown_scoring_model", model=call.step["model"]) from exc
        if exc.detail_code in ("unknown_record", "record_deleted"):
            raise StepError("record_gone") from exc
        raise  # e.g. a scoring function deleted since: the step fails with its problem
    return Outcome(output={"model": outcome["model"], "score": outcome["score"],
                           "previous": outcome["previous"], "changed": outcome["changed"],
                           "threshold": outcome["threshold"], "sets": outcome["sets"]})


def _return_to_pool(call: StepCall) -> Outcome:
    """Put the run's record back into a pool (``distribution.pools.send_back``: the
    same owner change as a pool reclaim) with the step's reason, then email the owner
    it was taken from (an active user), recorded with the record's messages."""
    if call.record_id is None:
        raise StepError("record_gone")
    name = call.step["pool"]
    reason = str(_rendered(call, call.step["reason"]))
    try:
        moved = send_back(call.ctx, name, call.object, call.record_id, reason=reason)
    except NotFound as exc:
        if exc.detail_code == "unknown_pool":
            raise StepError("unknown_pool", pool=name) from exc
        if exc.detail_code in ("unknown_record", "record_deleted"):
            raise StepError("record_gone") from exc
        raise
    previous = moved.get("previous_owner")
    owner = actor_for(call.ctx.conn, call.ctx.tenant.id,
                      user_id=uuid.UUID(str(previous))) if previous else None
    if owner is not None:
        locale = read_settings(call.ctx, call.hooks.channels.daily_cap)["default_locale"]
        params = {"pool": name, "object": call.object, "id": str(call.record_id),
                  "workflow": call.workflow, "reason": reason}
        send_notice(call.ctx, call.hooks.channels, object_name=call.object,
                    record_id=call.record_id, email=owner.email,
                    subject=message("pool_returned_subject", locale, params),
                    body=message("pool_returned_body", locale, params), locale=locale,
                    key=f"returned:{call.run_id}:{call.step['id']}")
    return Outcome(output={"pool": name, "reason": reason, "previous_owner": previous,
                           "unchanged": bool(moved.get("unchanged")),
                           "owner_notified": owner is not None})


def _end(call: StepCall) -> Outcome:
    return Outcome(end=True)


def _wait(call: StepCall) -> Outcome:
    """First visit: compute when to wake up and sleep. Later visits: go on, or sleep more."""
    wait, now, state = call.step["wait"], call.ctx.now(), call.wait_state
    if "until" in wait:
        since = dt.datetime.fromisoformat(state["since"]) if state else now
        timeout_at = since + duration(wait["timeout"])
        if call.holds(wait["until"]):
            return Outcome(output={"condition": "met"})
        if now >= timeout_at:
            return Outcome(goto=wait.get("on_timeout"), output={"condition": "timed_out"})
        check = duration(wait["check_every"]) if "check_every" in wait else DEFAULT_CHECK_EVERY
        return Outcome(sleep_until=min(now + check, timeout_at),
                       wait={"since": since.isoformat(), "timeout_at": timeout_at.isoformat()})
    if state is not None:  # woke up after the planned sleep
        return Outcome(output={"waited_since": state["since"]})
    if "until_field" in wait:
        value = call.record().get(wait["until_field"])
        if value is None:
            return Outcome(output={"skipped": "no date"})
        wake = date_instant(value) + duration(wait.get("offset", {}))
    else:
        wake = now + duration(wait)
    if wake <= now:
        return Outcome(output={"wake_at": wake.isoformat(), "skipped": "already past"})
    return Outcome(sleep_until=wake, wait={"since": now.isoformat(), "wake_at": wake.isoformat()})


def duration(spec: Mapping[str, Any]) -> dt.timedelta:
    """A wait's ``{days, hours, minutes}`` as a time span."""
    return dt.timedelta(days=spec.get("days", 0), hours=spec.get("hours", 0),
                        minutes=spec.get("minutes", 0))


def date_instant(value: str) -> dt.datetime:
    """A date field's API value as an instant (a date means its start, UTC)."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def resolve_user(ctx: Context, value: Any) -> Actor:
    """``user:EMAIL``, an email or a user id -> an active user of the tenant (or fail)."""
    text = str(value or "").removeprefix("user:")
    actor = actor_for(ctx.conn, ctx.tenant.id, email=text) if "@" in text else None
    if actor is None:
        try:
            actor = actor_for(ctx.conn, ctx.tenant.id, user_id=uuid.UUID(text))
        except ValueError:
            actor = None
    if actor is None or actor.user_id is None:
        raise StepError("unknown_user", email=text[:254])
    return actor


def _user_id(ctx: Context, value: Any) -> uuid.UUID:
    user_id = resolve_user(ctx, value).user_id
    assert user_id is not None  # resolve_user returns users, never the platform
    return user_id


def _reassign(ctx: Context, object_name: str, record_id: uuid.UUID | None,
              owner: uuid.UUID) -> None:
    change_owner(ctx, object_name, record_id, owner)


ACTIONS: Mapping[str, Callable[[StepCall], Outcome]] = {
    "update_record": _update_record,
    "create_record": _create_record,
    "add_tag": lambda call: _tag(call, add=True),
    "remove_tag": lambda call: _tag(call, add=False),
    "assign": _assign,
    "call_function": _call_function,
    "call_webhook": _call_webhook,
    "send_message": _send_message,
    "score": _score,
    "return_to_pool": _return_to_pool,
    "end": _end,
}
