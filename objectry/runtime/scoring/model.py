"""A scoring model document compiled once per (tenant, metadata version, model).

Compiling parses every criterion against the object's fields, resolves the activity
source (object, lookup, type and date fields, with their defaults) and puts threshold
values in the form the API shows them, so scoring a batch does no parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from objectry.metadata import store
from objectry.metadata.conditions.parser import FieldLookup, Node, parse_condition
from objectry.metadata.fieldtypes import FieldType
from objectry.metadata.problems import FieldValueError, Invalid, NotFound, Problem
from objectry.metadata.validation.scoring import resolve_activity
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model

FULL_POINTS = Decimal(100)


@dataclass(frozen=True)
class Criterion:
    node: Node
    points: Decimal


@dataclass(frozen=True)
class ActivitySource:
    """Which related records count, and how many points each type is worth."""

    object: str
    via: str
    type_field: str
    at_field: str
    points: Mapping[str, Decimal]
    window_days: int | None
    cap: Decimal


@dataclass(frozen=True)
class Dimension:
    index: int
    kind: str  # "criteria" | "function" | "activity"
    weight: int
    label: Mapping[str, str] | None = None
    criteria: tuple[Criterion, ...] = ()
    function: str | None = None
    activity: ActivitySource | None = None


@dataclass(frozen=True)
class Threshold:
    at: Decimal
    #: field -> value as the records service takes it, and as the API shows it
    values: Mapping[str, Any]
    shown: Mapping[str, Any]
    label: Mapping[str, str] | None = None


@dataclass(frozen=True)
class ScoringModel:
    api_name: str
    version: int
    object: str
    target_field: str
    #: The target field's type and definition, which round the score as it is stored.
    target_type: FieldType
    target_definition: Mapping[str, Any]
    dimensions: tuple[Dimension, ...]
    thresholds: tuple[Threshold, ...] = field(default=())  # ascending by ``at``

    def band(self, score: Any) -> Threshold | None:
        """The highest threshold ``score`` reaches (None: below all, or no score)."""
        if score is None:
            return None
        value = Decimal(str(score))
        reached = [t for t in self.thresholds if value >= t.at]
        return reached[-1] if reached else None


def scoring_model(ctx: Context, name: str) -> ScoringModel:
    """The tenant's model ``name`` at its current metadata version (404 if none)."""
    key = ("scoring_model", ctx.tenant.id, ctx.tenant.meta_version, name)
    model = ctx.decisions.get_or_build(key, lambda: _build(ctx, name))
    if model is None:
        raise NotFound(detail_code="unknown_scoring_model", model=name)
    return model


def _build(ctx: Context, name: str) -> ScoringModel | None:
    stored = store.document(ctx.conn, ctx.tenant.id, "scoring_model", name)
    if stored is None:
        return None
    document = stored.document
    try:
        target = get_model(ctx, document["object"])
        return compile_model(ctx, document, target, stored.version)
    except (Invalid, NotFound, KeyError, FieldValueError) as exc:  # its object changed
        errors = exc.errors if isinstance(exc, Problem) else []
        raise Invalid(errors, detail_code="scoring_model_broken", model=name) from exc


def compile_model(ctx: Context, document: Mapping[str, Any], target: ObjectModel,
                  version: int) -> ScoringModel:
    """The typed model; raises Invalid when the document no longer fits its objects."""
    target_field = target.fields[document["target_field"]]
    dimensions = tuple(_dimension(ctx, i, d, target)
                       for i, d in enumerate(document["dimensions"]))
    thresholds = sorted((_threshold(t, target) for t in document.get("thresholds", [])),
                        key=lambda t: t.at)
    return ScoringModel(
        api_name=document["api_name"], version=version, object=target.api_name,
        target_field=target_field.name, target_type=target_field.type,
        target_definition=target_field.definition,
        dimensions=dimensions, thresholds=tuple(thresholds))


def _fields_of(ctx: Context) -> Any:
    def lookup(object_name: str) -> FieldLookup | None:
        try:
            return get_model(ctx, object_name).field_definition
        except NotFound:
            return None
    return lookup


def _dimension(ctx: Context, index: int, document: Mapping[str, Any],
               target: ObjectModel) -> Dimension:
    common: dict[str, Any] = {"index": index, "weight": int(document["weight"]),
                              "label": document.get("label")}
    if "criteria" in document:
        at = f"/dimensions/{index}/criteria"
        criteria = tuple(
            Criterion(parse_condition(c["if"], target.field_definition,
                                      object_name=target.api_name, at=f"{at}/{j}/if",
                                      objects=_fields_of(ctx), changes=False),
                      Decimal(str(c["points"])))
            for j, c in enumerate(document["criteria"]))
        return Dimension(kind="criteria", criteria=criteria, **common)
    if "function" in document:
        return Dimension(kind="function", function=document["function"], **common)
    objects = {target.api_name: target.definition}
    activity_object = (document.get("activity") or {}).get("object", "activity")
    objects[activity_object] = get_model(ctx, activity_object).definition
    resolved = resolve_activity(document, target.api_name, objects)
    if resolved["via"] is None:
        raise KeyError("via")
    window = document.get("window_days")
    source = ActivitySource(
        object=str(resolved["object"]), via=str(resolved["via"]),
        type_field=str(resolved["type_field"]), at_field=str(resolved["at_field"]),
        points={k: Decimal(str(v)) for k, v in document["activity_points"].items()},
        window_days=None if window is None else int(window),
        cap=Decimal(str(document.get("cap", FULL_POINTS))))
    return Dimension(kind="activity", activity=source, **common)


def _threshold(document: Mapping[str, Any], target: ObjectModel) -> Threshold:
    values = dict(document["set"])
    shown = {}
    for name, value in values.items():
        compiled = target.fields[name]
        stored = None if value is None else compiled.type.deserialize(compiled.definition,
                                                                      value)
        shown[name] = None if stored is None else compiled.type.to_json(compiled.definition,
                                                                        stored)
    return Threshold(at=Decimal(str(document["at"])), values=values, shown=shown,
                     label=document.get("label"))
