"""Active workflows, indexed by what can trigger them.

An event is matched only against the workflows listening for its object and kind, so a
tenant with 200 workflows pays for the two or three that could apply, not for all 200.
The index is built once per (tenant, metadata version): any workflow change bumps the
version in the database, so every process sees it on its next event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from objectry.metadata import store
from objectry.metadata.conditions.parser import Node, parse_condition
from objectry.metadata.validation.workflows import (
    field_lookup,
    lookup_fields_to,
    object_lookup,
)
from objectry.runtime.kernel.context import Context

#: record event type -> the trigger it fires on the record's own object.
RECORD_TRIGGERS = MappingProxyType({"record.created": "created", "record.updated": "updated",
                                    "record.deleted": "deleted",
                                    "record.restored": "restored"})

TIMED_TRIGGERS = frozenset({"schedule", "date", "inactivity"})


@dataclass(frozen=True)
class Workflow:
    name: str
    version: int
    document: Mapping[str, Any]
    #: The trigger condition, parsed against the object it is about (or the related one).
    condition: Node | None
    #: For ``related_created``: the lookup on the related record pointing at ours.
    via: str | None = None

    @property
    def object(self) -> str:
        return str(self.document["object"])

    @property
    def trigger(self) -> Mapping[str, Any]:
        return self.document["trigger"]

    @property
    def link(self) -> str:
        """The lookup of a ``related_created`` trigger (on the related record, to ours)."""
        if self.via is None:
            raise ValueError(f"workflow {self.name} has no related trigger")
        return self.via


@dataclass(frozen=True)
class WorkflowIndex:
    #: (object the event is about, trigger kind or external event type) -> workflows
    by_trigger: Mapping[tuple[str, str], tuple[Workflow, ...]] = field(default_factory=dict)
    by_name: Mapping[str, Workflow] = field(default_factory=dict)
    #: Active workflows started by the clock (schedule, date, inactivity): swept.
    timed: tuple[Workflow, ...] = ()

    def listening(self, object_name: str, key: str) -> tuple[Workflow, ...]:
        return self.by_trigger.get((object_name, key), ())


def workflow_index(ctx: Context) -> WorkflowIndex:
    """The tenant's active workflows at its current metadata version (cached)."""
    key = ("workflows", ctx.tenant.id, ctx.tenant.meta_version)
    return ctx.decisions.get_or_build(key, lambda: _build(ctx))


def _build(ctx: Context) -> WorkflowIndex:
    objects = {n: s.document for n, s in store.documents(ctx.conn, ctx.tenant.id,
                                                         "object").items()}
    by_trigger: dict[tuple[str, str], list[Workflow]] = {}
    by_name: dict[str, Workflow] = {}
    timed: list[Workflow] = []
    for name, stored in sorted(store.documents(ctx.conn, ctx.tenant.id, "workflow").items()):
        document = stored.document
        definition = objects.get(document["object"])
        if definition is None:
            continue
        workflow = _compile(name, stored.version, document, definition, objects)
        by_name[name] = workflow
        if document.get("active", True) is False:
            continue
        trigger = document["trigger"]
        on = trigger["on"]
        if on in TIMED_TRIGGERS:
            timed.append(workflow)
            continue
        if on == "related_created":
            slot = (trigger["related"], "related_created")
        elif on == "event":
            slot = (document["object"], f"event:{trigger['event']}")
        else:
            slot = (document["object"], on)
        by_trigger.setdefault(slot, []).append(workflow)
    return WorkflowIndex(MappingProxyType({k: tuple(v) for k, v in by_trigger.items()}),
                         MappingProxyType(by_name), tuple(timed))


def _compile(name: str, version: int, document: Mapping[str, Any],
             definition: Mapping[str, Any], objects: Mapping[str, Any]) -> Workflow:
    trigger = document["trigger"]
    about, via = definition, None
    if trigger["on"] == "related_created":
        about = objects[trigger["related"]]
        via = trigger.get("via") or lookup_fields_to(about, definition["api_name"])[0]
    condition = None
    if "condition" in trigger:
        condition = parse_condition(trigger["condition"], field_lookup(about),
                                    object_name=about["api_name"],
                                    objects=object_lookup(objects),
                                    changes=trigger["on"] == "updated")
    return Workflow(name, version, document, condition, via)
