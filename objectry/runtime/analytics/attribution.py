"""Multi-touch attribution, models side by side (``POST /attribution/run``).

Touchpoints are rows of the objects named in ``touchpoints`` (campaign memberships,
activities): each names a person (the lead or contact, a lookup), a campaign (a
lookup) and a day. An opportunity's touches are its person's touches on or before the
moment it was created; its amount is shared among their campaigns by each model:

- ``first_touch`` / ``last_touch``: all to the earliest / latest touch;
- ``linear``: equal shares;
- ``u_shaped``: 40 % first, 40 % last, 20 % shared by the touches between (one touch:
  all of it; two: half each);
- ``time_decay``: weights halving every ``half_life_days`` before the opportunity was
  created (2^(-age / half_life)), normalised.

Touches on the same day keep the order of their ids (time-ordered: creation order).
Per campaign and model: attributed revenue, opportunities (fractional credit), the
campaign's cost (``campaigns.cost``: e.g. a formula of expenses + workload) and ROI =
(revenue - cost) / cost. Everything is read through the caller's access (rows they
cannot see do not count, fields they cannot read are refused with a pointer). Each run
is stored as a snapshot with the model version and the metadata version, so a report
reads the same later (``GET /attribution/snapshots/{id}``).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, Forbidden, Invalid, NotFound, pointer
from objectry.runtime.access.filter_sources import list_filter
from objectry.runtime.access.guard import Guard
from objectry.runtime.analytics.analytics_tables import attribution_snapshots
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.model.compiled import get_model

MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "time_decay")
#: Changes whenever a model's arithmetic changes: a snapshot says which it ran under.
MODEL_VERSION = "attribution-1"
DEFAULT_HALF_LIFE = 7
MAX_TOUCH_OBJECTS = 5
KEYS = ("models", "half_life_days", "opportunities", "touchpoints", "campaigns", "period",
        "filter")
CENTS, CREDIT = Decimal("0.01"), Decimal("0.0001")


@dataclass(frozen=True)
class Touch:
    at: dt.datetime
    order: Any  # the touch's id: creation order on equal days
    campaign: Any


def shares(model: str, touches: Sequence[Touch], created: dt.datetime,
           half_life_days: float) -> list[float]:
    """Each touch's share of one opportunity (touches in time order; sums to 1)."""
    n = len(touches)
    if model == "first_touch":
        return [1.0] + [0.0] * (n - 1)
    if model == "last_touch":
        return [0.0] * (n - 1) + [1.0]
    if model == "linear":
        return [1.0 / n] * n
    if model == "u_shaped":
        if n <= 2:
            return [1.0 / n] * n
        return [0.4] + [0.2 / (n - 2)] * (n - 2) + [0.4]
    ages = [(created - t.at).total_seconds() / 86400 for t in touches]
    weights = [math.pow(2.0, -age / half_life_days) for age in ages]
    total = sum(weights)
    return [w / total for w in weights]


def run_attribution(ctx: Context, body: Any) -> dict[str, Any]:
    """Attribute the won opportunities under every model asked for; store a snapshot."""
    request = _request(body)
    return _store(ctx, request, _attribute(ctx, request))


def attribute(ctx: Context, body: Any) -> dict[str, Any]:
    """The same figures without a snapshot: a dashboard chart recomputes them on each
    view, as its viewer may see them."""
    return _attribute(ctx, _request(body))


def _attribute(ctx: Context, request: Mapping[str, Any]) -> dict[str, Any]:
    opportunities = _opportunities(ctx, request)
    people = {o["person"] for o in opportunities}
    touches = _touches(ctx, request, people)
    campaign_object = request["campaigns"]["object"]
    totals: dict[tuple[Any, str], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0)])
    unattributed_count, unattributed_revenue = 0, Decimal(0)
    for opp in opportunities:
        mine = [t for t in touches.get(opp["person"], []) if t.at <= opp["created"]]
        amount = Decimal(opp["amount"] or 0)
        if not mine:
            unattributed_count += 1
            unattributed_revenue += amount
            continue
        for model in request["models"]:
            for touch, share in zip(mine, shares(model, mine, opp["created"],
                                                 request["half_life_days"]), strict=True):
                credit = Decimal(repr(share))
                entry = totals[(touch.campaign, model)]
                entry[0] += amount * credit
                entry[1] += credit
    campaigns = _campaigns(ctx, request, {c for c, _ in totals})
    results = []
    for campaign_id in sorted(campaigns, key=str):
        cost = campaigns[campaign_id]
        per_model = {}
        for model in request["models"]:
            revenue, credit = totals.get((campaign_id, model), [Decimal(0), Decimal(0)])
            roi = None if cost is None or cost == 0 else (revenue - cost) / cost
            per_model[model] = {"revenue": str(revenue.quantize(CENTS)),
                                "opportunities": str(credit.quantize(CREDIT)),
                                "roi": None if roi is None else str(roi.quantize(CREDIT))}
        results.append({"campaign": str(campaign_id),
                        "cost": None if cost is None else str(Decimal(cost).quantize(CENTS)),
                        "models": per_model})
    return {"object": campaign_object, "campaigns": results,
            "opportunities": len(opportunities),
            "unattributed": {"opportunities": unattributed_count,
                             "revenue": str(unattributed_revenue.quantize(CENTS))}}


def get_snapshot(ctx: Context, snapshot_id: Any) -> dict[str, Any]:
    """A stored run, for the actor who ran it or an administrator (its figures were
    read through the runner's access)."""
    try:
        key = uuid.UUID(str(snapshot_id))
    except ValueError as exc:
        raise NotFound(detail_code="not_found") from exc
    row = ctx.conn.execute(sa.select(attribution_snapshots).where(
        attribution_snapshots.c.tenant_id == ctx.tenant.id,
        attribution_snapshots.c.id == key)).mappings().first()
    if row is None or not (ctx.actor.is_admin or ctx.actor.is_system
                           or row["actor_id"] == ctx.actor.user_id):
        raise NotFound(detail_code="not_found")
    return _snapshot_json(dict(row))


def _store(ctx: Context, request: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    row = {"id": uuid7(), "tenant_id": ctx.tenant.id, "at": ctx.now(),
           "actor_id": ctx.actor.user_id, "model_version": MODEL_VERSION,
           "metadata_version": ctx.tenant.meta_version, "request": dict(request),
           "result": dict(result)}
    ctx.conn.execute(attribution_snapshots.insert(), row)
    return _snapshot_json(row)


def _snapshot_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": str(row["id"]), "at": row["at"].isoformat(),
            "model_version": row["model_version"],
            "metadata_version": row["metadata_version"], "request": row["request"],
            **row["result"]}


# -- the request ----------------------------------------------------------------------------

def _request(body: Any) -> dict[str, Any]:
    """The body with its defaults, checked for shape (fields are checked on use)."""
    if not isinstance(body, Mapping):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = [k for k in body if k not in KEYS]
    if unknown:
        raise Invalid([ErrorItem(pointer(k), "schema_unknown_property", {"property": k})
                       for k in unknown])
    models = body.get("models", list(MODELS))
    if not isinstance(models, list) or not models:
        raise Invalid([ErrorItem("/models", "schema_type", {"expected": "array"})])
    bad = [ErrorItem(f"/models/{i}", "attribution_unknown_model",
                     {"model": str(m), "allowed": ", ".join(MODELS)})
           for i, m in enumerate(models) if m not in MODELS]
    if bad:
        raise Invalid(bad)
    half_life = body.get("half_life_days", DEFAULT_HALF_LIFE)
    if isinstance(half_life, bool) or not isinstance(half_life, int | float) or \
            not 0 < half_life <= 3650:
        raise Invalid([ErrorItem("/half_life_days", "attribution_half_life")])
    opportunities = {"object": "opportunity", "amount": "amount", "person": "lead",
                     "created": "created_at",
                     "won": {"field": "stage", "op": "eq", "value": "won"},
                     **_mapping(body, "opportunities")}
    campaigns = {"object": "campaign", "cost": None, **_mapping(body, "campaigns")}
    touchpoints = body.get("touchpoints")
    if not isinstance(touchpoints, list) or not 0 < len(touchpoints) <= MAX_TOUCH_OBJECTS \
            or not all(isinstance(t, Mapping) for t in touchpoints):
        raise Invalid([ErrorItem("/touchpoints", "attribution_touchpoints",
                                 {"max": MAX_TOUCH_OBJECTS})])
    touchpoints = [{"person": "lead", "campaign": "campaign", "date": "created_at", **t}
                   for t in touchpoints]
    period = _mapping(body, "period")
    for key in period:
        if key not in ("from", "to"):
            raise Invalid([ErrorItem(f"/period/{key}", "schema_unknown_property",
                                     {"property": key})])
        try:
            dt.date.fromisoformat(str(period[key]))
        except ValueError as exc:
            raise Invalid([ErrorItem(f"/period/{key}", "not_a_date")]) from exc
    return {"models": list(models), "half_life_days": half_life,
            "opportunities": opportunities, "touchpoints": touchpoints,
            "campaigns": campaigns, "period": period, "filter": body.get("filter")}


def _mapping(body: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key, {})
    if not isinstance(value, Mapping):
        raise Invalid([ErrorItem(f"/{key}", "schema_type", {"expected": "object"})])
    return dict(value)


# -- reading through the caller's access ----------------------------------------------------

def _guard(ctx: Context, object_name: Any, at: str) -> Guard:
    if not isinstance(object_name, str):
        raise Invalid([ErrorItem(at, "schema_type", {"expected": "string"})])
    try:
        model = get_model(ctx, object_name)
    except NotFound as exc:
        raise Invalid([ErrorItem(at, "attribution_unknown_object",
                                 {"object": object_name})]) from exc
    guard = Guard(ctx, model)
    try:
        guard.require("read")
    except Forbidden as exc:
        raise Invalid([ErrorItem(at, "attribution_unreadable_object",
                                 {"object": object_name})]) from exc
    return guard


def _column(guard: Guard, table: sa.FromClause, name: Any, at: str) -> sa.ColumnElement[Any]:
    """A field the caller reads unmasked (422 at ``at`` otherwise), NULL on rows where
    it is hidden from them."""
    system = name in ("id", "created_at", "updated_at")
    if not isinstance(name, str) or (not system and (
            guard.readable_field(name) is None or guard.masked(name))):
        raise Invalid([guard.field_error(at, str(name))])
    return guard.column(table, name)


def _live(guard: Guard) -> list[sa.ColumnElement[bool]]:
    table = guard.model.table
    where: list[sa.ColumnElement[bool]] = [table.c.deleted_at.is_(None)]
    visible = guard.visible()
    if visible is not None:
        where.append(visible)
    return where


def _instant(value: Any) -> dt.datetime | None:
    """A day or an instant as an aware UTC instant (a day: its UTC midnight)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)


def _opportunities(ctx: Context, request: Mapping[str, Any]) -> list[dict[str, Any]]:
    spec = request["opportunities"]
    guard = _guard(ctx, spec["object"], "/opportunities/object")
    table = guard.model.table
    columns = {key: _column(guard, table, spec[key], f"/opportunities/{key}")
               for key in ("amount", "person", "created")}
    where = _live(guard)
    if spec.get("won") is not None:
        where.append(list_filter(guard, spec["won"], at="/opportunities/won"))
    if request["filter"] is not None:
        where.append(list_filter(guard, request["filter"]))
    rows = []
    for row in ctx.conn.execute(sa.select(*(c.label(k) for k, c in columns.items()))
                                .where(*where).order_by(table.c.id)).mappings():
        created = _instant(row["created"])
        if row["person"] is None or created is None or not _in_period(
                created, request["period"]):
            continue
        rows.append({"person": row["person"], "amount": row["amount"], "created": created})
    return rows


def _in_period(created: dt.datetime, period: Mapping[str, Any]) -> bool:
    day = created.date()
    return (("from" not in period or day >= dt.date.fromisoformat(str(period["from"])))
            and ("to" not in period or day <= dt.date.fromisoformat(str(period["to"]))))


def _touches(ctx: Context, request: Mapping[str, Any],
             people: set[Any]) -> dict[Any, list[Touch]]:
    found: dict[Any, list[Touch]] = defaultdict(list)
    for i, spec in enumerate(request["touchpoints"]):
        at = f"/touchpoints/{i}"
        guard = _guard(ctx, spec.get("object"), f"{at}/object")
        table = guard.model.table
        person = _column(guard, table, spec["person"], f"{at}/person")
        campaign = _column(guard, table, spec["campaign"], f"{at}/campaign")
        day = _column(guard, table, spec["date"], f"{at}/date")
        query = sa.select(table.c.id, person.label("p"), campaign.label("c"),
                          day.label("d")).where(*_live(guard), campaign.is_not(None))
        for row in ctx.conn.execute(query).mappings():
            when = _instant(row["d"])
            if row["p"] in people and when is not None:
                found[row["p"]].append(Touch(when, row["id"], row["c"]))
    for touches in found.values():
        touches.sort(key=lambda t: (t.at, str(t.order)))
    return found


def _campaigns(ctx: Context, request: Mapping[str, Any],
               ids: set[Any]) -> dict[Any, Decimal | None]:
    """Each credited campaign the caller sees, with its cost (None: no cost field, or
    hidden from them); campaigns they cannot see are left out."""
    spec = request["campaigns"]
    guard = _guard(ctx, spec["object"], "/campaigns/object")
    table = guard.model.table
    cost = sa.null() if spec.get("cost") is None else _column(guard, table, spec["cost"],
                                                              "/campaigns/cost")
    if not ids:
        return {}
    found = {}
    for row in ctx.conn.execute(sa.select(table.c.id, cost.label("cost")).where(
            *_live(guard), table.c.id.in_(list(ids)))).mappings():
        value = row["cost"]
        found[row["id"]] = None if value is None else Decimal(str(value))
    return found
