"""Dry runs: which existing records a workflow would start for, and what each run would do.

Seed 001 and S2: an admin sees a rule's effect before switching it on. The records the
trigger would fire for are found by the filter language's SQL compiler, within what the
caller may read; each one's path is then walked by ``dry_run_steps`` without executing
anything. The whole evaluation also runs under a savepoint that is rolled back.

What "would trigger" means for triggers that need an event (documented in README):

- ``created`` / ``deleted`` / ``event`` / ``manual`` / ``schedule``: each live record
  matching the trigger condition, as if the event (or the schedule's next instant)
  happened to it now, at its current values; ``restored``: each soft-deleted record.
- ``updated``: as if each live record had just been written from empty values to its
  current ones: ``changed`` (and the trigger's ``changed`` list) holds for the fields
  that have a value, ``changed_to X`` where the field is X, ``changed_from`` never.
- ``related_created``: each existing related record as if just created; the run is on
  the record it points at.
- ``schedule`` with ``for_each_record: false``: the next instant's one run, no record;
- ``date``: records whose date (plus ``days``) is still ahead, or every dated record for
  yearly triggers, each walked from the instant it fires; ``inactivity``: records
  dormant now (the engine starts runs only when a record crosses the threshold).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from cronsim import CronSim

from objectry.metadata import store
from objectry.metadata.conditions.parser import All, AnyOf, Leaf, Node, Not, parse_condition
from objectry.metadata.i18n import message
from objectry.metadata.problems import ErrorItem, Invalid, NotFound
from objectry.metadata.validation.workflows import validate_workflow
from objectry.runtime.access.filter_sources import FilterSources, list_filter
from objectry.runtime.access.guard import Guard
from objectry.runtime.automation.definitions import Workflow, _compile, workflow_index
from objectry.runtime.automation.dry_run_steps import Simulation, walk
from objectry.runtime.automation.runs import is_paused
from objectry.runtime.automation.sweeps import last_activity
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.compile import to_sql
from objectry.runtime.query.list_params import parse_limit

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
ALLOWED = frozenset({"workflow", "filter", "limit", "event"})
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Candidates:
    """The records a trigger considers (``considered``) and those it fires for."""

    source: sa.FromClause
    considered: list[Any]
    fires: list[Any]
    record: Any  # column: the id of the record the run is about
    related: Any = None  # column: the related record (related_created)
    moment: Any = None  # column: the date / last activity the fire instant comes from
    order: Any = None


def dry_run(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """The dry run of a saved workflow, or of the draft in ``body["workflow"]``."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = [ErrorItem(f"/{k}", "unknown_parameter", {"name": k})
              for k in sorted(set(body) - ALLOWED)]
    limit = DEFAULT_LIMIT
    try:
        limit = parse_limit(body.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    except Invalid as exc:
        errors.extend(exc.errors)
    if errors:
        raise Invalid(errors)
    draft = "workflow" in body
    workflow = _draft(ctx, name, body["workflow"]) if draft else _saved(ctx, name)
    data = _event_data(workflow, body)
    savepoint = ctx.conn.begin_nested()
    try:
        return _evaluate(ctx, workflow, body.get("filter"), limit, data, draft)
    finally:
        savepoint.rollback()


def _saved(ctx: Context, name: str) -> Workflow:
    workflow = workflow_index(ctx).by_name.get(name)
    if workflow is None:
        raise NotFound(detail_code="unknown_workflow", workflow=name)
    return workflow


def _draft(ctx: Context, name: str, document: Any) -> Workflow:
    """A workflow not yet saved, checked as ``PUT /meta/workflows/{name}`` checks it."""
    at = "/workflow"
    if not isinstance(document, dict):
        raise Invalid([ErrorItem(at, "expected_object")])
    if document.get("kind", "workflow") != "workflow":
        raise Invalid([ErrorItem(at + "/kind", "schema_enum", {"allowed": ["workflow"]})])
    if "api_name" in document and document["api_name"] != name:
        raise Invalid([ErrorItem(at + "/api_name", "path_name_mismatch",
                                 {"body": document["api_name"], "url": name})])
    objects = {n: s.document for n, s in store.documents(ctx.conn, ctx.tenant.id,
                                                         "object").items()}
    body = {k: v for k, v in document.items() if k != "kind"} | {"api_name": name}
    errors = validate_workflow(body, objects)
    if errors:
        raise Invalid([e.under(at) for e in errors])
    saved = store.document(ctx.conn, ctx.tenant.id, "workflow", name)
    return _compile(name, saved.version if saved else 0, {"kind": "workflow", **body},
                    objects[body["object"]], objects)


def _event_data(workflow: Workflow, body: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of the pretended event (``{"event": {"data": {...}}}``)."""
    if "event" not in body:
        return {}
    event = body["event"]
    if workflow.trigger["on"] != "event":
        raise Invalid([ErrorItem("/event", "invalid_parameter",
                                 {"name": "event", "reason": "only for event triggers"})])
    if not isinstance(event, dict):
        raise Invalid([ErrorItem("/event", "expected_object")])
    errors = [ErrorItem(f"/event/{k}", "unknown_parameter", {"name": k})
              for k in sorted(set(event) - {"data"})]
    data = event.get("data", {})
    if not isinstance(data, dict):
        errors.append(ErrorItem("/event/data", "expected_object"))
    if errors:
        raise Invalid(errors)
    return data


def _evaluate(ctx: Context, workflow: Workflow, tree: Any, limit: int,
              data: Mapping[str, Any], draft: bool) -> dict[str, Any]:
    guard = Guard(ctx, get_model(ctx, workflow.object))
    sources = FilterSources(ctx)
    if _record_less(workflow):
        considered = fires = 1
        items = [_record_less_item(ctx, workflow, guard, sources)]
    else:
        candidates = _candidates(ctx, workflow, guard, sources, tree)
        considered = _count(ctx, candidates, candidates.considered)
        fires = _count(ctx, candidates, [*candidates.considered, *candidates.fires])
        items = [_item(ctx, workflow, guard, sources, row, data) for row in
                 _firing(ctx, candidates, limit)]
    by_end: dict[str, int] = {}
    for item in items:
        by_end[item["end_step"]] = by_end.get(item["end_step"], 0) + 1
    on = workflow.trigger["on"]
    result = {"workflow": workflow.name, "version": None if draft else workflow.version,
              "draft": draft, "active": workflow.document.get("active", True) is not False,
              "paused": is_paused(ctx, workflow.name), "trigger": on,
              "now": ctx.now().isoformat(),
              "assumes": {"code": f"dry_run_{on}",
                          "message": message(f"dry_run_{on}", ctx.locale)},
              "totals": {"considered": considered, "matched": fires,
                         "not_matched": considered - fires, "described": len(items),
                         "by_end_step": dict(sorted(by_end.items()))},
              "items": items, "writes": False}
    if on == "schedule":
        result["next_fire"] = _next_fire(workflow, ctx.now()).isoformat()
    return result


# -- which records -----------------------------------------------------------------------

def _candidates(ctx: Context, workflow: Workflow, guard: Guard, sources: FilterSources,
                tree: Any) -> Candidates:
    table, now = guard.model.table, ctx.now()
    trigger, on = workflow.trigger, workflow.trigger["on"]
    deleted = table.c.deleted_at.is_not(None) if on == "restored" \
        else table.c.deleted_at.is_(None)
    considered = [deleted, *_present(guard.visible())]
    if tree is not None:
        considered.append(list_filter(guard, tree))
    condition = workflow.condition
    if on == "related_created":
        child = Guard(ctx, get_model(ctx, trigger["related"]))
        link = child.model.table.c[workflow.link]
        source = child.model.table.join(table, table.c.id == link)
        considered += [child.model.table.c.deleted_at.is_(None), *_present(child.visible())]
        fires = [] if condition is None else [_sql(ctx, condition, child, sources)]
        return Candidates(source, considered, fires, link, related=child.model.table.c.id,
                          order=child.model.table.c.id)
    fires = []
    if on == "updated" and condition is not None:
        condition = _as_written_from_empty(condition)
        if trigger.get("changed"):
            fires.append(_sql(ctx, parse_condition(
                {"any": [{"field": f, "op": "is_not_empty"} for f in trigger["changed"]]},
                guard.model.field_definition, object_name=guard.model.api_name), guard,
                sources))
    if condition is not None:
        fires.append(_sql(ctx, condition, guard, sources))
    if on == "date":
        column = table.c[trigger["field"]]
        if trigger.get("yearly"):
            fires.append(column.is_not(None))
        else:
            threshold = now - dt.timedelta(days=trigger.get("days", 0))
            fires.append(column > (threshold.date() if _is_date(guard, trigger["field"])
                                   else threshold))
        return Candidates(table, considered, fires, table.c.id, moment=column,
                          order=column)
    if on == "inactivity":
        last = last_activity(ctx, workflow, table)
        fires.append(last <= now - dt.timedelta(days=trigger["days"]))
        return Candidates(table, considered, fires, table.c.id, moment=last,
                          order=table.c.id)
    return Candidates(table, considered, fires, table.c.id, order=table.c.id)


def _present(clause: Any) -> list[Any]:
    return [] if clause is None else [clause]


def _sql(ctx: Context, node: Node, guard: Guard, sources: FilterSources) -> Any:
    """The trigger condition over what the caller reads in each row (a field hidden
    there tests as empty, as in a list filter), so which records it fires for, and how
    many, tells nothing about fields they may not read."""
    return to_sql(node, guard.model.table, now=ctx.now(), related=sources.tables,
                  readable=guard.readable_in)


def _as_written_from_empty(node: Node) -> Node:
    """An update condition over a record pretended just written from empty values."""
    if isinstance(node, All):
        return All(tuple(_as_written_from_empty(c) for c in node.children))
    if isinstance(node, AnyOf):
        return AnyOf(tuple(_as_written_from_empty(c) for c in node.children))
    if isinstance(node, Not):
        return Not(_as_written_from_empty(node.child))
    if not isinstance(node, Leaf):
        return node  # a related condition never holds changed*
    if node.op == "changed":
        return replace(node, op="is_not_empty", value=None)
    if node.op == "changed_to":
        return replace(node, op="eq")
    if node.op == "changed_from":
        return AnyOf(())  # an empty value was never the one asked for
    return node


def _count(ctx: Context, candidates: Candidates, where: Sequence[Any]) -> int:
    return int(ctx.conn.execute(sa.select(sa.func.count()).select_from(candidates.source)
                                .where(*where)).scalar_one())


def _firing(ctx: Context, candidates: Candidates,
            limit: int) -> list[Mapping[str, Any]]:
    columns = [candidates.record.label("record_id")]
    if candidates.related is not None:
        columns.append(candidates.related.label("related_id"))
    if candidates.moment is not None:
        columns.append(candidates.moment.label("moment"))
    query = (sa.select(*columns).select_from(candidates.source)
             .where(*candidates.considered, *candidates.fires)
             .order_by(candidates.order, candidates.record).limit(limit))
    return [dict(row) for row in ctx.conn.execute(query).mappings()]


# -- each record's run -------------------------------------------------------------------

def _item(ctx: Context, workflow: Workflow, guard: Guard, sources: FilterSources,
          found: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    table = guard.model.table
    row = dict(ctx.conn.execute(sa.select(table).where(table.c.id == found["record_id"]))
               .mappings().one())
    now, on = ctx.now(), workflow.trigger["on"]
    start = now
    trigger: dict[str, Any] = {"type": on, "dry_run": True}
    item: dict[str, Any] = {"record": str(row["id"])}
    if on in ("created", "updated", "deleted", "restored", "related_created", "event"):
        trigger = {"event_id": None, "type": f"record.{on}", "object": workflow.object,
                   "record": str(row["id"]), "occurred_at": now.isoformat(),
                   "data": {"changes": []} if on == "updated" else {}, "dry_run": True}
    if on == "related_created":
        trigger.update(type="record.created", object=workflow.trigger["related"],
                       record=str(found["related_id"]), related=str(found["related_id"]))
        item["related"] = str(found["related_id"])
    elif on == "event":
        trigger.update(type=workflow.trigger["event"], data=dict(data))
    elif on == "manual":
        trigger = {"type": "manual", "by": ctx.actor.email, "dry_run": True}
    if on in ("schedule", "date", "inactivity"):
        fires_at = _next_fire(workflow, now) if on == "schedule" else \
            _fire_instant(workflow, guard, found["moment"], now)
        trigger["at"] = item["fires_at"] = fires_at.isoformat()
        start = max(fires_at, now)
    sim = Simulation(ctx, guard, sources, row, trigger, start)
    record = sim.record()
    name_field = guard.model.name_field
    item["name"] = record.get(name_field) if name_field else None
    return {**item, **walk(sim, list(workflow.document["steps"]))}


def _record_less(workflow: Workflow) -> bool:
    """A scheduled job (``for_each_record: false``): one run per instant, no record."""
    trigger = workflow.trigger
    return trigger["on"] == "schedule" and trigger.get("for_each_record", True) is False


def _record_less_item(ctx: Context, workflow: Workflow, guard: Guard,
                      sources: FilterSources) -> dict[str, Any]:
    """The next instant's run of a scheduled job, walked with an empty record."""
    fires_at = _next_fire(workflow, ctx.now())
    trigger = {"type": "schedule", "at": fires_at.isoformat(), "dry_run": True}
    sim = Simulation(ctx, guard, sources, {}, trigger, max(fires_at, ctx.now()),
                     record_less=True)
    return {"record": None, "name": None, "fires_at": fires_at.isoformat(),
            **walk(sim, list(workflow.document["steps"]))}


def _next_fire(workflow: Workflow, now: dt.datetime) -> dt.datetime:
    return next(iter(CronSim(workflow.trigger["cron"], now.astimezone(dt.UTC))))


def _fire_instant(workflow: Workflow, guard: Guard, moment: Any,
                  now: dt.datetime) -> dt.datetime:
    """When a date trigger fires for a record (the next one, if yearly), or when a record
    became dormant."""
    trigger = workflow.trigger
    if trigger["on"] == "inactivity":
        return _aware(moment) + dt.timedelta(days=trigger["days"])
    offset = dt.timedelta(days=trigger.get("days", 0))
    if not _is_date(guard, trigger["field"]):
        return _aware(moment) + offset
    if isinstance(moment, str):
        moment = dt.date.fromisoformat(moment[:10])
    if not trigger.get("yearly"):
        return dt.datetime.combine(moment, dt.time(), dt.UTC) + offset
    for year in range(now.year - 1, now.year + 9):  # Feb 29 waits for a leap year
        try:
            day = moment.replace(year=year)
        except ValueError:
            continue
        at = dt.datetime.combine(day, dt.time(), dt.UTC) + offset
        if at > now:
            return at
    return now


def _is_date(guard: Guard, field: str) -> bool:
    return guard.model.fields[field].type.whole_days


def _aware(value: Any) -> dt.datetime:
    """SQLite returns computed timestamps as text or naive values."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
