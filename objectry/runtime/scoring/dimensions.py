"""The points of one batch of records on each dimension, with a bounded number of calls.

Per batch: one SQL query for all criteria dimensions (each an ordered CASE: the first
criterion that holds wins), one sandbox call per function dimension (``functions.score``
hands the function the whole batch) and one grouped query per activity dimension
(counts by record and type, never one query per record).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes import type_of
from objectry.metadata.problems import ErrorItem, Invalid
from objectry.runtime import functions
from objectry.runtime.access.filter_sources import FilterSources
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.compile import to_sql
from objectry.runtime.scoring.model import FULL_POINTS, ActivitySource, Dimension, ScoringModel

ZERO = Decimal(0)


@dataclass
class Points:
    """One record's points on one dimension and what explains them."""

    points: Decimal
    detail: dict[str, Any] = field(default_factory=dict)


def batch_points(ctx: Context, model: ScoringModel,
                 records: Sequence[Mapping[str, Any]]) -> list[list[Points]]:
    """``result[r][d]``: points of record ``r`` on dimension ``d`` (system context)."""
    ids = [uuid.UUID(r["id"]) for r in records]
    by_dimension: dict[int, list[Points]] = {}
    criteria = [d for d in model.dimensions if d.kind == "criteria"]
    if criteria:
        by_dimension.update(_criteria_points(ctx, model, criteria, ids))
    for dimension in model.dimensions:
        if dimension.kind == "function":
            by_dimension[dimension.index] = _function_points(ctx, dimension, records)
        elif dimension.kind == "activity":
            assert dimension.activity is not None
            by_dimension[dimension.index] = activity_points(ctx, dimension.activity, ids)
    return [[by_dimension[d.index][r] for d in model.dimensions] for r in range(len(records))]


def _criteria_points(ctx: Context, model: ScoringModel, dimensions: Sequence[Dimension],
                     ids: Sequence[uuid.UUID]) -> dict[int, list[Points]]:
    """Which criterion matched, per record and dimension, decided by the database."""
    table = get_model(ctx, model.object).table
    sources = FilterSources(ctx)
    now = ctx.now()
    columns = [
        sa.case(*[(to_sql(c.node, table, now=now, related=sources.tables), j)
                  for j, c in enumerate(d.criteria)], else_=None).label(f"d{d.index}")
        for d in dimensions]
    rows = {row.id: row for row in ctx.conn.execute(
        sa.select(table.c.id, *columns).where(table.c.id.in_(ids)))}
    result: dict[int, list[Points]] = {}
    for d in dimensions:
        points = []
        for record_id in ids:
            matched = getattr(rows[record_id], f"d{d.index}") if record_id in rows else None
            if matched is None:
                points.append(Points(ZERO, {"matched": None}))
            else:
                points.append(Points(d.criteria[int(matched)].points,
                                     {"matched": int(matched)}))
        result[d.index] = points
    return result


def _function_points(ctx: Context, dimension: Dimension,
                     records: Sequence[Mapping[str, Any]]) -> list[Points]:
    """One call for the whole batch; numbers outside 0..100 are clamped (and flagged)."""
    assert dimension.function is not None
    values = functions.score(ctx, dimension.function, list(records),
                             batch_size=max(1, len(records)))
    points = []
    for record, value in zip(records, values, strict=True):
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or \
                not Decimal(str(value)).is_finite():
            raise Invalid([ErrorItem(f"/dimensions/{dimension.index}/function",
                                     "scoring_function_not_number",
                                     {"function": dimension.function, "id": record["id"],
                                      "value": str(value)[:60]})],
                          detail_code="scoring_function_not_number",
                          function=dimension.function, id=record["id"],
                          value=str(value)[:60])
        raw = Decimal(str(value))
        clamped = min(max(raw, ZERO), FULL_POINTS)
        detail: dict[str, Any] = {"function": dimension.function}
        if clamped != raw:
            detail["clamped_from"] = raw
        points.append(Points(clamped, detail))
    return points


def activity_points(ctx: Context, source: ActivitySource, ids: Sequence[uuid.UUID],
                     visible: sa.ColumnElement[bool] | None = None) -> list[Points]:
    """Activities per record and type in the window (one grouped query), times their
    points, summed, kept within 0..cap; only ``visible`` activities when given (what one
    reader of a breakdown may see)."""
    model = get_model(ctx, source.object)
    table = model.table
    via, kind, at = table.c[source.via], table.c[source.type_field], table.c[source.at_field]
    now = ctx.now()
    conditions: list[sa.ColumnElement[bool]] = [
        via.in_(ids), table.c.deleted_at.is_(None), kind.in_(list(source.points)),
        at.is_not(None), *([] if visible is None else [visible])]
    if source.window_days is not None:
        since: dt.datetime | dt.date = now - dt.timedelta(days=source.window_days)
        until: dt.datetime | dt.date = now
        at_type = type_of(model.field_definition(source.at_field))
        if at_type is not None and at_type.whole_days:
            since, until = since.date(), now.date()  # type: ignore[union-attr]
        conditions += [at >= since, at <= until]
    counts: dict[Any, dict[str, int]] = {}
    query = sa.select(via, kind, sa.func.count()).where(*conditions).group_by(via, kind)
    for parent, activity_type, count in ctx.conn.execute(query):
        counts.setdefault(parent, {})[activity_type] = int(count)
    result = []
    for record_id in ids:
        found = counts.get(record_id, {})
        total = sum((source.points[t] * n for t, n in found.items()), ZERO)
        result.append(Points(min(max(total, ZERO), source.cap),
                             {"counts": dict(sorted(found.items())), "uncapped": total}))
    return result
