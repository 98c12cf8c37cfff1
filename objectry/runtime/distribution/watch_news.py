"""What the followers of a record are told when it changes (seed 004 S5: watch status).

Written from the records journal's outbox events, once per event and follower: an
owner change, a change of a status-like field (a single-choice field named ``status``
or ``stage``, or ending so, and the field a conversion map marks converted), a merge,
a delete or a restore. The person who made the change is not told, and each follower
is told only what they may see now: the record is read through the Guard as them
(nothing if they can no longer read it), the changes pass their presentation (a hidden
field is left out, a masked one masked), in their language. Sending is the caller's
(the automation engine's channels); this module only decides and words.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import users
from objectry.metadata.i18n import message, pick
from objectry.metadata.problems import Problem
from objectry.runtime.access.guard import Guard
from objectry.runtime.access.people import actor_for
from objectry.runtime.distribution.cursor_tables import record_watchers
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model

#: The events followers hear of (owner changes arrive as ``record.updated``).
TOLD = ("record.updated", "record.deleted", "record.restored")
STATUS_NAMES = ("status", "stage")
LANGUAGES = ("en", "zh-CN")


@dataclass(frozen=True)
class Notice:
    """One follower's message about one event."""

    object: str
    record_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    locale: str
    subject: str
    body: str
    key: str  # idempotency key: one message per (event, follower)


def notices(ctx: Context, events: Sequence[Mapping[str, Any]],
            default_locale: Callable[[], str]) -> list[Notice]:
    """The messages a batch of one tenant's events owes the records' followers
    (``default_locale``: the tenant's language, asked only for a follower without one)."""
    told = [e for e in events if e["type"] in TOLD and e["record_id"] is not None]
    if not told:
        return []
    following = _followers(ctx, told)
    if not following:
        return []
    people = _people(ctx, {u for who in following.values() for u in who}
                     | {e["actor_id"] for e in told if e["actor_id"] is not None}
                     | set(_new_owners(told)))
    found: list[Notice] = []
    for event in told:
        for watcher in following.get((event["object"], event["record_id"]), ()):
            if watcher == event["actor_id"]:
                continue
            notice = _notice(ctx, event, watcher, people, default_locale)
            if notice is not None:
                found.append(notice)
    return found


def _followers(ctx: Context, events: Sequence[Mapping[str, Any]]
               ) -> dict[tuple[str, uuid.UUID], list[uuid.UUID]]:
    """(object, record id) -> its followers, for the records of the events."""
    by_object: dict[str, set[uuid.UUID]] = {}
    for event in events:
        by_object.setdefault(event["object"], set()).add(event["record_id"])
    w = record_watchers
    found: dict[tuple[str, uuid.UUID], list[uuid.UUID]] = {}
    for object_name, ids in by_object.items():
        rows = ctx.conn.execute(sa.select(w.c.record_id, w.c.user_id).where(
            w.c.tenant_id == ctx.tenant.id, w.c.object == object_name,
            w.c.record_id.in_(sorted(ids))).order_by(w.c.since, w.c.user_id))
        for record_id, user_id in rows:
            found.setdefault((object_name, record_id), []).append(user_id)
    return found


def _new_owners(events: Sequence[Mapping[str, Any]]) -> Iterable[uuid.UUID]:
    """The owners the events moved records to (named in the messages)."""
    for event in events:
        for change in (event["data"] or {}).get("changes") or []:
            if change.get("field") == "owner" and change.get("new"):
                try:
                    yield uuid.UUID(str(change["new"]))
                except ValueError:
                    continue


@dataclass(frozen=True)
class _Person:
    email: str
    name: str
    language: str | None


def _people(ctx: Context, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, _Person]:
    """The tenant's users among ``ids`` (followers, who changed things, new owners)."""
    wanted = sorted(ids)
    if not wanted:
        return {}
    rows = ctx.conn.execute(sa.select(users.c.id, users.c.email, users.c.name,
                                      users.c.language).where(
        users.c.tenant_id == ctx.tenant.id, users.c.id.in_(wanted)))
    return {uuid.UUID(str(r.id)): _Person(r.email, r.name or "", r.language) for r in rows}


def _notice(ctx: Context, event: Mapping[str, Any], watcher: uuid.UUID,
            people: Mapping[uuid.UUID, _Person],
            default_locale: Callable[[], str]) -> Notice | None:
    """The follower's message about the event, as far as they may see it; None when
    they may not read the record or nothing they may see is news."""
    actor = actor_for(ctx.conn, ctx.tenant.id, user_id=watcher)  # active users only
    if actor is None or watcher not in people:
        return None
    person = people[watcher]
    locale = person.language if person.language in LANGUAGES else default_locale()
    as_them = dataclasses.replace(ctx, actor=actor, locale=locale)
    try:
        model = get_model(as_them, event["object"])
        guard = Guard(as_them, model)
        row, access = guard.load(event["record_id"], include_deleted=True)
    except Problem:  # the object is gone, or they may no longer read the record
        return None
    raw = (event["data"] or {}).get("changes") or []
    # owner and merged_into are the record's own facts (seen with the record); field
    # changes pass the follower's presentation: hidden ones go, masked ones are masked
    changes = [*(c for c in raw if c.get("field") in ("owner", "merged_into")),
               *guard.present_changes(raw, access)]
    who = _who(event["actor_id"], people, locale)
    params = {"who": who, "object": pick(model.definition.get("label"), locale,
                                         model.api_name), "id": str(row["id"])}
    lines = _lines(as_them, guard, event["type"], changes, params, people)
    if not lines:
        return None
    return Notice(model.api_name, row["id"], watcher, person.email, locale,
                  message("watch_subject", locale, params), "\n".join(lines),
                  f"watch:{event['id']}:{watcher}")


def _lines(ctx: Context, guard: Guard, kind: str, changes: Sequence[Mapping[str, Any]],
           params: Mapping[str, Any], people: Mapping[uuid.UUID, _Person]) -> list[str]:
    """The sentences of the message: one per change the follower hears of."""
    locale, model = ctx.locale, guard.model
    by_field = {c.get("field"): c for c in changes}
    if kind == "record.restored":
        return [message("watch_restored", locale, params)]
    if kind == "record.deleted":
        merged = by_field.get("merged_into")
        if merged is not None and merged.get("new"):
            if not _readable(guard, merged["new"]):  # a survivor they may not see: no id
                return [message("watch_merged_away", locale, params)]
            return [message("watch_merged", locale, {**params, "survivor": merged["new"]})]
        return [message("watch_deleted", locale, params)]
    lines = []
    owner = by_field.get("owner")
    if owner is not None:
        lines.append(message("watch_owner", locale, {
            **params, "owner": _owner(owner.get("new"), people, locale)}))
    converted = _conversion_marks(ctx, model)
    for name in _status_fields(model, converted):
        change = by_field.get(name)
        if change is None:
            continue
        field = model.fields[name]
        if converted.get(name) == change.get("new"):
            lines.append(message("watch_converted", locale, params))
            continue
        lines.append(message("watch_status", locale, {
            **params, "field": pick(field.definition.get("label"), locale, name),
            "old": _shown(field, change.get("old"), locale),
            "new": _shown(field, change.get("new"), locale)}))
    return lines


def _readable(guard: Guard, record_id: Any) -> bool:
    try:
        guard.load(record_id)
    except Problem:
        return False
    return True


def _status_fields(model: ObjectModel, converted: Mapping[str, Any]) -> list[str]:
    """The object's status-like fields: single-choice fields named (or ending in)
    ``status``/``stage``, and those a conversion map marks."""
    return [name for name, field in model.fields.items()
            if name in converted or (
                field.type.choices(field.definition) is not None
                and not field.type.multi_valued
                and any(name == s or name.endswith(f"_{s}") for s in STATUS_NAMES))]


def _conversion_marks(ctx: Context, model: ObjectModel) -> dict[str, Any]:
    """Field -> the value a conversion map of the object writes there when it converts."""
    marks: dict[str, Any] = {}
    for stored in store.documents(ctx.conn, ctx.tenant.id, "conversion_map").values():
        document = stored.document
        field = document.get("status_field")
        ours = document.get("object") == model.api_name
        if ours and isinstance(field, str) and field in model.fields:
            marks[field] = document.get("status_value", "converted")
    return marks


def _shown(field: Any, value: Any, locale: str) -> str:
    if value is None:
        return message("watch_empty", locale)
    return str(field.type.display(field.definition, value, locale))


def _who(actor_id: uuid.UUID | None, people: Mapping[uuid.UUID, _Person],
         locale: str) -> str:
    person = people.get(actor_id) if actor_id is not None else None
    if person is None:
        return message("watch_by_platform", locale)
    return person.name or person.email


def _owner(owner: Any, people: Mapping[uuid.UUID, _Person], locale: str) -> str:
    if not owner:
        return message("watch_no_owner", locale)
    try:
        person = people.get(uuid.UUID(str(owner)))
    except ValueError:
        person = None
    return (person.name or person.email) if person is not None else str(owner)
