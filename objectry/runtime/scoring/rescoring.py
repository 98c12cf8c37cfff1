"""Scoring records: read them in batches, add up the weighted points, write what changed.

Everything runs as the platform (``system``): a model is an admin's configuration and
its score must not depend on who triggered it. Writes go through ``records.update``
and only where a value differs, so an unchanged score leaves no version, audit entry
or ``updated`` event behind.

Thresholds: the highest threshold a score reaches is its band. A record's ``set``
values are written when it *enters* a band (its stored score was in another band or
had none), not on every rescoring, so a later manual change (a lead accepted by sales)
is not undone by the next rescoring within the same band.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.runtime import records
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Actor, Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.list_params import parse_limit
from objectry.runtime.scoring.breakdown import as_reader
from objectry.runtime.scoring.dimensions import Points, batch_points
from objectry.runtime.scoring.model import Dimension, ScoringModel, scoring_model

PAGE = 200  # the records service's largest page
MAX_LIMIT = 1_000_000
MAX_EXPLAINED = 1000  # per-record breakdowns returned by one run
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RunRequest:
    """What to score and how: records per batch (the platform's function batch size),
    ``filter`` (a condition on the model's object), at most ``limit`` records,
    ``dry_run`` (compute, write nothing), ``explain`` (breakdowns)."""

    batch_size: int
    filter: Any = None
    limit: int | None = None
    dry_run: bool = False
    explain: bool = False

    def check(self) -> None:
        errors: list[ErrorItem] = []
        try:
            parse_limit(self.limit, default=None, maximum=MAX_LIMIT)
        except Invalid as exc:
            errors.extend(exc.errors)
        for name in ("dry_run", "explain"):
            if not isinstance(getattr(self, name), bool):
                errors.append(ErrorItem(f"/{name}", "schema_type", {"expected": "boolean"}))
        if errors:
            raise Invalid(errors)


@dataclass
class Tally:
    """The run summary being built."""

    model: ScoringModel
    dry_run: bool
    explain: bool
    scored: int = 0
    changed: int = 0
    batches: int = 0

    def __post_init__(self) -> None:
        self.reached = {t.at: 0 for t in self.model.thresholds}
        self.entered = {t.at: 0 for t in self.model.thresholds}
        self.clamped: list[dict[str, Any]] = []
        self.records: list[dict[str, Any]] = []

    def add(self, outcome: dict[str, Any]) -> None:
        self.scored += 1
        self.changed += bool(outcome["changed"])
        if outcome["threshold"] is not None:
            self.reached[Decimal(str(outcome["threshold"]))] += 1
            if outcome["sets"]:
                self.entered[Decimal(str(outcome["threshold"]))] += 1
        for d in outcome["dimensions"]:
            if "clamped_from" in d and len(self.clamped) < MAX_EXPLAINED:
                self.clamped.append({"id": outcome["id"], "dimension": d["index"],
                                     "function": d["function"], "value": d["clamped_from"]})
        if self.explain and len(self.records) < MAX_EXPLAINED:
            self.records.append(outcome)

    def summary(self) -> dict[str, Any]:
        result = {
            "model": self.model.api_name, "object": self.model.object,
            "dry_run": self.dry_run, "scored": self.scored, "changed": self.changed,
            "unchanged": self.scored - self.changed, "batches": self.batches,
            "thresholds": [{"at": number(t.at), "reached": self.reached[t.at],
                            "entered": self.entered[t.at]} for t in self.model.thresholds],
            "below_thresholds": self.scored - sum(self.reached.values()),
            "clamped": self.clamped}
        if self.explain:
            result["records"] = self.records
            result["records_truncated"] = self.scored > len(self.records)
        return result


def run_model(ctx: Context, name: str, request: RunRequest) -> dict[str, Any]:
    """Score the model's records (all, or those of ``request.filter``) batch by batch."""
    request.check()
    system = as_platform(ctx)
    model = scoring_model(system, name)
    tally = Tally(model, request.dry_run, request.explain or request.dry_run)
    for batch in _batches(system, model.object, request):
        tally.batches += 1
        for outcome in _score_batch(system, model, batch, write=not request.dry_run):
            tally.add(outcome)
    return tally.summary()


def score_record(ctx: Context, name: str, object_name: str, record_id: Any, *,
                 write: bool) -> dict[str, Any]:
    """One record's breakdown (and, with ``write``, its new score saved).

    The record must be readable by the caller (403/404 otherwise); the score itself is
    computed as the platform, like every other scoring, and shown to the caller as they
    may see the record (``breakdown.as_reader``).
    """
    guard = Guard(ctx, get_model(ctx, object_name))
    _, access = guard.load(record_id)  # 403/404 as the record
    system = as_platform(ctx)
    model = scoring_model(system, name)
    if model.object != object_name:
        raise Invalid([ErrorItem("/model", "scoring_model_object",
                                 {"model": name, "object": model.object,
                                  "requested": object_name})])
    record = records.get(system, object_name, record_id)
    [outcome] = _score_batch(system, model, [record], write=write)
    if not ctx.actor.is_system:
        outcome = as_reader(ctx, guard, access, model, outcome, _explained)
    return {"model": model.api_name, "object": model.object, **outcome}


def as_platform(ctx: Context) -> Context:
    return ctx if ctx.actor.is_system else replace(ctx, actor=Actor.system())


def _batches(ctx: Context, object_name: str,
             request: RunRequest) -> Iterator[list[dict[str, Any]]]:
    """Pages of the records service (by id, so writes between batches move nothing)
    gathered into batches of ``batch_size``, at most ``limit`` records in all."""
    remaining = MAX_LIMIT if request.limit is None else request.limit
    batch: list[dict[str, Any]] = []
    cursor: str | None = None
    while remaining > 0:
        page = records.list_records(ctx, object_name, filter=request.filter, sort="id",
                                    limit=min(PAGE, remaining), cursor=cursor)
        batch += page["items"]
        remaining -= len(page["items"])
        cursor = page["next_cursor"]
        if len(batch) >= request.batch_size:
            yield batch[:request.batch_size]
            batch = batch[request.batch_size:]
        if cursor is None:
            break
    while batch:
        yield batch[:request.batch_size]
        batch = batch[request.batch_size:]


def _score_batch(ctx: Context, model: ScoringModel, batch: Sequence[Mapping[str, Any]], *,
                 write: bool) -> list[dict[str, Any]]:
    outcomes = []
    for record, points in zip(batch, batch_points(ctx, model, batch), strict=True):
        outcome = _outcome(model, record, points)
        values = {**({model.target_field: outcome["score"]} if outcome["changed"] else {}),
                  **outcome["sets"]}
        if values and write:
            records.update(ctx, model.object, record["id"], values)
        outcome["changed"] = bool(values)
        outcomes.append(outcome)
    return outcomes


def _outcome(model: ScoringModel, record: Mapping[str, Any],
             points: Sequence[Points]) -> dict[str, Any]:
    """The weighted sum, its stored form, the band and the values to write."""
    total = sum((Decimal(d.weight) * p.points for d, p in zip(model.dimensions, points,
                                                                strict=True)), Decimal(0))
    score = stored_score(model, total / HUNDRED)
    previous = record.get(model.target_field)
    score_changed = previous is None or Decimal(str(previous)) != Decimal(score)
    band, old_band = model.band(score), model.band(previous)
    sets: dict[str, Any] = {}
    if band is not None and (old_band is None or old_band.at != band.at):
        sets = {f: band.values[f] for f, shown in band.shown.items()
                if record.get(f) != shown}
    return {"id": record["id"], "score": score, "previous": previous,
            "changed": score_changed,
            "dimensions": [_explained(d, p) for d, p in zip(model.dimensions, points,
                                                            strict=True)],
            "threshold": None if band is None else number(band.at), "sets": sets}


def stored_score(model: ScoringModel, total: Decimal) -> int | Decimal:
    """The score as the target field keeps it (whole number, or the field's scale)."""
    return model.target_type.round_number(model.target_definition, total)


def _explained(dimension: Dimension, points: Points) -> dict[str, Any]:
    item: dict[str, Any] = {"index": dimension.index, "kind": dimension.kind,
                            "weight": dimension.weight, "points": number(points.points),
                            "weighted": number(Decimal(dimension.weight) * points.points
                                               / HUNDRED)}
    if dimension.label:
        item["label"] = dimension.label
    item.update({k: number(v) if isinstance(v, Decimal) else v
                 for k, v in points.detail.items()})
    return item


def number(value: Decimal) -> int | Decimal:
    """A whole Decimal as an int (``30``, not ``30.00``); others stay exact."""
    return int(value) if value == value.to_integral_value() else value.normalize()
