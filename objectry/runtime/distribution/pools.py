"""Lead pools (公海): records nobody owns, claimed by members, returned or reclaimed.

A pooled record belongs to nobody (its owner is empty, its distribution grants revoked);
a member claims it (``claim``: the claim is a conditional update of the record's
``pool_entries`` row, so of concurrent claims exactly one wins), within the pool's
limits (held at once, claims per day, a cooldown before a previous holder takes the same
record again); the holder returns it with a reason, a pool admin reclaims it (bulk), or
the sweep reclaims it when left idle (``pool_sweep``). Every owner move is
``records.change_owner``, made by the platform on the member's behalf after the pool's
own checks, with the pool, the action and the reason as its ``because``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import users
from objectry.metadata.problems import (
    Conflict,
    ErrorItem,
    Forbidden,
    Invalid,
    NotFound,
    Problem,
    pointer,
)
from objectry.runtime.access.guard import Guard
from objectry.runtime.access.pooled import named, pool_admin
from objectry.runtime.distribution.cursor_tables import pool_claims, pool_entries
from objectry.runtime.distribution.pool_timers import deadlines
from objectry.runtime.kernel.context import Actor, Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.list_params import DEFAULT_LIMIT, MAX_LIMIT, parse_limit
from objectry.runtime.records.ownership import (
    MAX_BULK,
    change_owner,
    change_owner_rows,
    selected_ids,
)

POOLED, CLAIMED = "pooled", "claimed"
MAX_CLAIM = 100
MAX_REASON = 500
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Pool:
    name: str
    object: str
    document: Mapping[str, Any]

    @property
    def limits(self) -> Mapping[str, Any]:
        return self.document.get("limits") or {}

    @property
    def masked(self) -> tuple[str, ...]:
        return tuple(self.document.get("masked_fields", ()))


def load_pool(ctx: Context, name: str) -> Pool:
    """The stored pool (404 ``unknown_pool``)."""
    stored = store.document(ctx.conn, ctx.tenant.id, "pool", name)
    if stored is None:
        raise NotFound(detail_code="unknown_pool", pool=name)
    return Pool(name, stored.document["object"], stored.document)


def is_pool_admin(ctx: Context, pool: Pool) -> bool:
    return pool_admin(ctx, pool.document)


def is_member(ctx: Context, pool: Pool) -> bool:
    return is_pool_admin(ctx, pool) or named(ctx, pool.document.get("members"))


def _member(ctx: Context, pool: Pool) -> None:
    if not is_member(ctx, pool):
        raise Forbidden(detail_code="pool_not_member", pool=pool.name)


def _admin(ctx: Context, pool: Pool) -> None:
    if not is_pool_admin(ctx, pool):
        raise Forbidden(detail_code="pool_not_admin", pool=pool.name)


def _active(pool: Pool) -> None:
    if pool.document.get("active", True) is False:
        raise Conflict(detail_code="pool_inactive", pool=pool.name)


def platform(ctx: Context) -> Context:
    """The same transaction acting as the platform: the pool made its own checks."""
    return ctx if ctx.actor.is_system else replace(ctx, actor=Actor.system())


# -- reading ---------------------------------------------------------------------------

def pooled_records(ctx: Context, name: str, *, limit: Any = None) -> dict[str, Any]:
    """``GET /pools/{pool}/records``: the pool's unclaimed records, oldest in the pool
    first, as a member may see them: through the records service's presentation, so
    the fields their roles hide are left out and the pool's masked fields masked (pool
    admins see them; ``access.pooled``)."""
    pool = load_pool(ctx, name)
    _member(ctx, pool)
    model = get_model(ctx, pool.object)
    table = model.table
    rows = ctx.conn.execute(
        sa.select(table, pool_entries.c.since.label("_pooled_since"),
                  pool_entries.c.reason.label("_pool_reason"))
        .join(pool_entries, sa.and_(pool_entries.c.record_id == table.c.id,
                                    pool_entries.c.tenant_id == ctx.tenant.id,
                                    pool_entries.c.object == pool.object))
        .where(pool_entries.c.pool == pool.name, pool_entries.c.state == POOLED,
               table.c.deleted_at.is_(None))
        .order_by(pool_entries.c.since, table.c.id)
        .limit(parse_limit(limit, default=DEFAULT_LIMIT, maximum=MAX_LIMIT))).mappings().all()
    guard = Guard(ctx, model)  # the records' presentation masks the pool's fields
    return {"pool": pool.name, "items": [guard.present(row, access) for row, access
                                         in zip(rows, guard.maps(rows), strict=True)]}


def member_pools(ctx: Context) -> list[Pool]:
    """The active pools the actor is a member or admin of, by name (the web app's list)."""
    found = [Pool(name, stored.document["object"], stored.document)
             for name, stored in sorted(store.documents(ctx.conn, ctx.tenant.id,
                                                        "pool").items())]
    return [p for p in found if p.document.get("active", True) is not False
            and is_member(ctx, p)]


def held_records(ctx: Context, name: str, *, limit: int = MAX_CLAIM) -> dict[str, Any]:
    """The records of the pool the actor holds (claimed, not yet returned), through the
    records service's presentation (they own them: nothing masked by the pool)."""
    pool = load_pool(ctx, name)
    _member(ctx, pool)
    model = get_model(ctx, pool.object)
    table = model.table
    rows = ctx.conn.execute(
        sa.select(table, pool_entries.c.due_at.label("_pool_due_at"))
        .join(pool_entries, sa.and_(pool_entries.c.record_id == table.c.id,
                                    pool_entries.c.tenant_id == ctx.tenant.id,
                                    pool_entries.c.object == pool.object))
        .where(pool_entries.c.pool == pool.name, pool_entries.c.state == CLAIMED,
               pool_entries.c.holder == ctx.actor.user_id, table.c.deleted_at.is_(None))
        .order_by(pool_entries.c.due_at, table.c.id).limit(limit)).mappings().all()
    guard = Guard(ctx, model)
    return {"pool": pool.name, "items": [guard.present(row, access) for row, access
                                         in zip(rows, guard.maps(rows), strict=True)]}


# -- into the pool ---------------------------------------------------------------------

def add_records(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """``POST /pools/{pool}/records``: a pool admin puts records (``ids`` or a
    ``filter``) into the pool: their owner is cleared and their grants revoked."""
    pool = load_pool(ctx, name)
    _admin(ctx, pool)
    _active(pool)
    reason, targets = _selection(ctx, pool, body, reason_required=False)
    items = []
    for at, record_id in targets:
        try:
            items.append(put_in_pool(ctx, pool, record_id, how="added",
                                     reason=reason or "added"))
        except Problem as exc:
            raise _at(exc, at) from exc
    return {"pool": pool.name, "items": items}


def put_in_pool(ctx: Context, pool: Pool, record_id: Any, *, how: str,
                reason: str) -> dict[str, Any]:
    """The record into the pool (also a fallback pool of an assignment rule): the claim
    of its holder ends, its owner is cleared, its grants are revoked."""
    model = get_model(ctx, pool.object)
    row, _ = Guard(platform(ctx), model).load(record_id)
    entry = _entry(ctx, pool.object, row["id"])
    now = ctx.now()
    if entry is not None and entry["state"] == CLAIMED and entry["holder"] is not None:
        _end_claim(ctx, pool.object, row["id"], entry["holder"], how)
    moved = change_owner(platform(ctx), pool.object, row["id"], None, grants="revoke",
                         because={"pool": pool.name, "action": how, "reason": reason})
    values = {"pool": pool.name, "state": POOLED, "holder": None, "since": now,
              "due_at": None, "warn_at": None, "warned_at": None, "reason": reason[:MAX_REASON]}
    if entry is None:
        ctx.conn.execute(pool_entries.insert().values(
            tenant_id=ctx.tenant.id, object=pool.object, record_id=row["id"], **values))
    else:
        ctx.conn.execute(_POOLED, {**_bound(ctx, pool.object, row["id"]), "k_pool": pool.name,
                                   "k_since": now, "k_reason": values["reason"]})
    return {"id": str(row["id"]), "state": POOLED, "previous_owner": moved["previous_owner"],
            "grants_revoked": moved["grants_revoked"], "version": moved["version"]}


# -- claims ----------------------------------------------------------------------------

def claim(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """``POST /pools/{pool}/claim`` ``{"ids": [...]}``: the member takes pooled records,
    all or none: over a limit, in a cooldown, or taken by someone else first (409
    ``pool_record_taken``) changes nothing."""
    pool = load_pool(ctx, name)
    _member(ctx, pool)
    _active(pool)
    if ctx.actor.user_id is None:
        raise Forbidden(detail_code="pool_not_member", pool=pool.name)
    ids = _ids(body, {"ids"}, MAX_CLAIM)
    _check_limits(ctx, pool, len(ids))
    items = []
    for i, record_id in enumerate(ids):
        try:
            items.append(_claim_one(ctx, pool, record_id))
        except Problem as exc:
            raise _at(exc, pointer("ids", i)) from exc
    return {"pool": pool.name, "items": items}


def _claim_one(ctx: Context, pool: Pool, record_id: Any) -> dict[str, Any]:
    user = ctx.actor.user_id
    assert user is not None
    model = get_model(ctx, pool.object)
    row, _ = Guard(platform(ctx), model).load(record_id)
    entry = _entry(ctx, pool.object, row["id"])
    if entry is None or entry["pool"] != pool.name:
        raise Conflict([ErrorItem("", "pool_record_not_in_pool", {"pool": pool.name})],
                       detail_code="pool_record_not_in_pool", pool=pool.name)
    now = ctx.now()
    cooldown = pool.limits.get("cooldown_days")
    if cooldown:
        lost = ctx.conn.execute(sa.select(sa.func.max(pool_claims.c.released_at)).where(
            pool_claims.c.tenant_id == ctx.tenant.id, pool_claims.c.object == pool.object,
            pool_claims.c.record_id == row["id"], pool_claims.c.user_id == user)).scalar()
        if lost is not None and _aware(lost) + dt.timedelta(days=cooldown) > now:
            until = _aware(lost) + dt.timedelta(days=cooldown)
            raise Conflict([ErrorItem("", "pool_cooldown", {"until": until.isoformat()})],
                           detail_code="pool_cooldown", until=until.isoformat())
    # the claim itself: only one transaction turns this row from pooled to claimed
    taken = ctx.conn.execute(pool_entries.update().where(
        *_key(ctx, pool.object, row["id"]), pool_entries.c.pool == pool.name,
        pool_entries.c.state == POOLED).values(state=CLAIMED, holder=user, since=now,
                                                reason=None))
    if taken.rowcount != 1:
        raise Conflict([ErrorItem("", "pool_record_taken", {"pool": pool.name})],
                       detail_code="pool_record_taken", pool=pool.name)
    moved = change_owner(platform(ctx), pool.object, row["id"], user,
                         because={"pool": pool.name, "action": "claim",
                                  "by": ctx.actor.email})
    ctx.conn.execute(pool_claims.insert().values(
        tenant_id=ctx.tenant.id, pool=pool.name, object=pool.object, record_id=row["id"],
        user_id=user, claimed_at=now))
    fresh, _ = Guard(platform(ctx), model).load(row["id"])
    due, warn = deadlines(ctx, pool.document, pool.object, fresh, now)
    ctx.conn.execute(pool_entries.update().where(*_key(ctx, pool.object, row["id"]))
                     .values(due_at=due, warn_at=warn, warned_at=None))
    return {"id": str(row["id"]), "state": CLAIMED, "owner": moved["owner"],
            "version": moved["version"], "due_at": None if due is None else due.isoformat()}


def _check_limits(ctx: Context, pool: Pool, wanted: int) -> None:
    user = ctx.actor.user_id
    limits = pool.limits
    if "max_held" in limits:
        held = ctx.conn.execute(sa.select(sa.func.count()).select_from(pool_entries).where(
            pool_entries.c.tenant_id == ctx.tenant.id, pool_entries.c.pool == pool.name,
            pool_entries.c.state == CLAIMED, pool_entries.c.holder == user)).scalar_one()
        if held + wanted > limits["max_held"]:
            raise Conflict([ErrorItem("/ids", "pool_max_held",
                                      {"max": limits["max_held"], "held": held})],
                           detail_code="pool_max_held", max=limits["max_held"], held=held)
    if "max_claims_per_day" in limits:
        start = ctx.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0,
                                                      microsecond=0)
        today = ctx.conn.execute(sa.select(sa.func.count()).select_from(pool_claims).where(
            pool_claims.c.tenant_id == ctx.tenant.id, pool_claims.c.pool == pool.name,
            pool_claims.c.user_id == user, pool_claims.c.claimed_at >= start)).scalar_one()
        if today + wanted > limits["max_claims_per_day"]:
            raise Conflict([ErrorItem("/ids", "pool_max_claims_per_day",
                                      {"max": limits["max_claims_per_day"], "today": today})],
                           detail_code="pool_max_claims_per_day",
                           max=limits["max_claims_per_day"], today=today)


# -- back to the pool ------------------------------------------------------------------

def give_back(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """``POST /pools/{pool}/return`` ``{"ids", "reason"}``: the holder (or a pool admin)
    returns claimed records; the reason is required."""
    pool = load_pool(ctx, name)
    _member(ctx, pool)
    reason, targets = _selection(ctx, pool, body, reason_required=True, ids_only=True)
    admin = is_pool_admin(ctx, pool)
    items = []
    for at, record_id in targets:
        try:
            items.append(_back(ctx, pool, record_id, "returned", reason,
                               holder=None if admin else ctx.actor.user_id))
        except Problem as exc:
            raise _at(exc, at) from exc
    return {"pool": pool.name, "items": items}


def reclaim(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """``POST /pools/{pool}/reclaim`` ``{"ids"|"filter", "reason"}``: a pool admin takes
    claimed records back (bulk, one transaction); each must be claimed from this pool."""
    pool = load_pool(ctx, name)
    _admin(ctx, pool)
    reason, targets = _selection(ctx, pool, body, reason_required=True)
    items = []
    for at, record_id in targets:
        try:
            items.append(_back(ctx, pool, record_id, "reclaimed", reason, holder=None))
        except Problem as exc:
            raise _at(exc, at) from exc
    return {"pool": pool.name, "items": items}


def _back(ctx: Context, pool: Pool, record_id: Any, how: str, reason: str, *,
          holder: uuid.UUID | None) -> dict[str, Any]:
    model = get_model(ctx, pool.object)
    row, _ = Guard(platform(ctx), model).load(record_id)
    entry = _entry(ctx, pool.object, row["id"])
    if entry is None or entry["pool"] != pool.name or entry["state"] != CLAIMED:
        raise Conflict([ErrorItem("", "pool_record_not_claimed", {"pool": pool.name})],
                       detail_code="pool_record_not_claimed", pool=pool.name)
    if holder is not None and entry["holder"] != holder:
        raise Forbidden([ErrorItem("", "pool_not_holder", {"pool": pool.name})],
                        detail_code="pool_not_holder", pool=pool.name)
    return put_in_pool(ctx, pool, row["id"], how=how, reason=reason)


def send_back(ctx: Context, name: str, object_name: str, record_id: Any, *,
              reason: str, how: str = "workflow") -> dict[str, Any]:
    """A workflow's ``return_to_pool`` step: the record, owned (a routed lead) or
    claimed from any pool, goes into the pool ``name`` through ``put_in_pool`` (the
    one owner change, its grants revoked), with the reason. The workflow is the
    admin's configuration, so no member check; an inactive pool refuses (409). A
    record already waiting unowned in that pool is left as it is (``unchanged``)."""
    pool = load_pool(ctx, name)
    if pool.object != object_name:
        raise Conflict(detail_code="pool_wrong_object", pool=name, object=pool.object,
                       expected=object_name)
    _active(pool)
    entry = _entry(ctx, pool.object, record_id)
    if entry is not None and entry["pool"] == pool.name and entry["state"] == POOLED:
        row, _ = Guard(platform(ctx), get_model(ctx, pool.object)).load(record_id)
        if row["owner"] is None:
            return {"id": str(row["id"]), "state": POOLED, "unchanged": True,
                    "previous_owner": None}
    return put_in_pool(ctx, pool, record_id, how=how, reason=reason[:MAX_REASON])


def release_many(ctx: Context, pool: Pool,
                 due: Sequence[tuple[dict[str, Any], uuid.UUID]]) -> int:
    """The sweep's reclaim of many records (``(row as read, holder)``), each exactly
    once: an entry still claimed by that holder is taken by one conditional update per
    500 (another sweep or a claim changes it first); then, for those taken, the claims
    end, the owners clear with their grants revoked (``change_owner_rows``) and the
    entries are pooled again, one statement per table."""
    won: set[Any] = set()
    for start in range(0, len(due), 500):
        chunk = due[start:start + 500]
        won.update(ctx.conn.execute(pool_entries.update().where(
            pool_entries.c.tenant_id == ctx.tenant.id, pool_entries.c.object == pool.object,
            pool_entries.c.state == CLAIMED,
            sa.tuple_(pool_entries.c.record_id, pool_entries.c.holder).in_(
                [(row["id"], holder) for row, holder in chunk]))
            .values(state="reclaim").returning(pool_entries.c.record_id)).scalars())
    taken = [(row, holder) for row, holder in due if row["id"] in won]
    if not taken:
        return 0
    now = ctx.now()
    ctx.conn.execute(_END_CLAIM, [{**_bound(ctx, pool.object, row["id"]), "k_holder": holder,
                                   "k_at": now, "k_how": "auto"} for row, holder in taken])
    because = {"pool": pool.name, "action": "auto", "reason": "inactive"}
    change_owner_rows(platform(ctx), get_model(ctx, pool.object),
                      [(row, None, because, None) for row, _ in taken], grants="revoke")
    ctx.conn.execute(_POOLED, [{**_bound(ctx, pool.object, row["id"]), "k_pool": pool.name,
                                "k_since": now, "k_reason": "inactive"} for row, _ in taken])
    return len(taken)


def _end_claim(ctx: Context, object_name: str, record_id: uuid.UUID, holder: uuid.UUID,
               how: str) -> None:
    ctx.conn.execute(_END_CLAIM, {**_bound(ctx, object_name, record_id), "k_holder": holder,
                                  "k_at": ctx.now(), "k_how": how[:10]})


# -- helpers ---------------------------------------------------------------------------

def _key(ctx: Context, object_name: str, record_id: Any) -> list[sa.ColumnElement[bool]]:
    return [pool_entries.c.tenant_id == ctx.tenant.id, pool_entries.c.object == object_name,
            pool_entries.c.record_id == record_id]


def _entry(ctx: Context, object_name: str, record_id: Any) -> Mapping[Any, Any] | None:
    return ctx.conn.execute(_ENTRY, _bound(ctx, object_name, record_id)).mappings().first()


def _bound(ctx: Context, object_name: str, record_id: Any) -> dict[str, Any]:
    return {"k_tenant": ctx.tenant.id, "k_object": object_name, "k_record": record_id}


# The statements of the hot paths (a sweep reclaims thousands of records), built once
# with bound parameters: building a statement cost more than running it.
_KEY = (pool_entries.c.tenant_id == sa.bindparam("k_tenant"),
        pool_entries.c.object == sa.bindparam("k_object"),
        pool_entries.c.record_id == sa.bindparam("k_record"))
_ENTRY = sa.select(pool_entries).where(*_KEY)
_POOLED = pool_entries.update().where(*_KEY).values(
    pool=sa.bindparam("k_pool"), state=POOLED, holder=None, since=sa.bindparam("k_since"),
    due_at=None, warn_at=None, warned_at=None, reason=sa.bindparam("k_reason"))
_END_CLAIM = pool_claims.update().where(
    pool_claims.c.tenant_id == sa.bindparam("k_tenant"),
    pool_claims.c.object == sa.bindparam("k_object"),
    pool_claims.c.record_id == sa.bindparam("k_record"),
    pool_claims.c.user_id == sa.bindparam("k_holder"),
    pool_claims.c.released_at.is_(None)).values(released_at=sa.bindparam("k_at"),
                                                released_how=sa.bindparam("k_how"))


def _ids(body: Any, allowed: set[str], most: int) -> list[Any]:
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise Invalid([ErrorItem(pointer(k), "unknown_parameter", {"name": k})
                       for k in unknown])
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or len(ids) > most:
        raise Invalid([ErrorItem("/ids", "bulk_ids_list", {"max": most})])
    return ids


def _selection(ctx: Context, pool: Pool, body: Any, *, reason_required: bool,
               ids_only: bool = False) -> tuple[str, list[tuple[str, Any]]]:
    """The reason and the records of a bulk pool call (``ids`` or ``filter``/``view``)."""
    allowed = {"ids", "reason"} if ids_only else {"ids", "filter", "view", "reason"}
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = [ErrorItem(pointer(k), "unknown_parameter", {"name": k})
              for k in sorted(set(body) - allowed)]
    reason = body.get("reason")
    bad = reason is not None and (not isinstance(reason, str) or not reason.strip()
                                  or len(reason) > MAX_REASON)
    if bad or (reason is None and reason_required):
        errors.append(ErrorItem("/reason", "pool_reason", {"max_length": MAX_REASON}))
    if errors:
        raise Invalid(errors)
    if ("ids" in body) == ("filter" in body or "view" in body):
        raise Invalid([ErrorItem("", "bulk_ids_or_filter")])
    if "ids" in body:
        ids = _ids({"ids": body["ids"]}, {"ids"}, MAX_BULK)
        return reason or "", [(pointer("ids", i), v) for i, v in enumerate(ids)]
    guard = Guard(ctx, get_model(ctx, pool.object))
    found = selected_ids(guard, body.get("filter"), body.get("view"), MAX_BULK + 1)
    if len(found) > MAX_BULK:
        raise Invalid([ErrorItem("/filter", "bulk_too_many", {"max": MAX_BULK})])
    return reason or "", [("/filter", v) for v in found]


def _at(exc: Problem, at: str) -> Problem:
    """The same refusal, its culprits pointed at the record of the bulk call."""
    errors = [e.under(at) if e.path.startswith("/") or not e.path
              else e for e in exc.errors] or [ErrorItem(at, exc.detail_code, exc.params)]
    return type(exc)(errors, detail_code=exc.detail_code, status=exc.status,
                     extra=exc.extra, **exc.params)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def holders_emails(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Emails of holders (for warnings)."""
    if not ids:
        return {}
    rows = ctx.conn.execute(sa.select(users.c.id, users.c.email).where(
        users.c.tenant_id == ctx.tenant.id, users.c.id.in_(list(ids))))
    return {uuid.UUID(str(r.id)): r.email for r in rows}
