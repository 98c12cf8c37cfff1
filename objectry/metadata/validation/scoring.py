"""Semantic checks of scoring model documents, after their JSON Schema.

A scoring model that saves must be computable: its object, target field, every field a
criterion names, its scoring functions, its activity object and the values its
thresholds set all exist and fit. Errors point into the document (``/dimensions/1/function``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.conditions.parser import condition_errors
from objectry.metadata.fieldtypes import REGISTRY, type_of
from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import ErrorItem, FieldValueError, pointer
from objectry.metadata.validation.objects import schema_errors
from objectry.metadata.validation.workflows import field_lookup, lookup_fields_to, object_lookup

TOTAL_WEIGHT = 100
DIMENSION_KINDS = ("criteria", "function", "activity_points")
ACTIVITY_OPTIONS = ("window_days", "cap", "activity")
SCORING_PURPOSE = "scoring"
#: Defaults of a dimension's ``activity`` block (the at field falls back to created_at).
DEFAULT_ACTIVITY_OBJECT = "activity"
DEFAULT_TYPE_FIELD = "type"
DEFAULT_AT_FIELD = "occurred_at"
FALLBACK_AT_FIELD = "created_at"

Documents = Mapping[str, Mapping[str, Any]]


def validate_scoring_model(document: Any, objects: Documents,
                           functions: Documents) -> list[ErrorItem]:
    """Every problem with a scoring model; ``functions`` are the tenant's function
    documents (stored and in the same batch)."""
    errors = schema_errors("scoring_model", document)
    if errors:
        return errors
    definition = objects.get(document["object"])
    if definition is None:
        return [ErrorItem("/object", "unknown_object", {"object": document["object"]})]
    errors += _target_errors(document, definition)
    dimensions = document["dimensions"]
    total = sum(d["weight"] for d in dimensions)
    if total != TOTAL_WEIGHT:
        errors.append(ErrorItem("/dimensions", "scoring_weights_sum",
                                {"total": total, "expected": TOTAL_WEIGHT}))
    for i, dimension in enumerate(dimensions):
        errors += _dimension_errors(dimension, pointer("dimensions", i), definition, objects,
                                    functions)
    errors += _threshold_errors(document, definition)
    return errors


def resolve_activity(dimension: Mapping[str, Any], scored: str,
                     objects: Documents) -> dict[str, str | None]:
    """The activity object, lookup, type and date field a dimension counts, defaults
    filled in (``via`` stays None when the object has no single lookup to ``scored``)."""
    given = dimension.get("activity") or {}
    object_name = given.get("object", DEFAULT_ACTIVITY_OBJECT)
    child = objects.get(object_name)
    via = given.get("via")
    if via is None and child is not None:
        links = lookup_fields_to(child, scored)
        via = links[0] if len(links) == 1 else None
    at_field = given.get("at_field")
    if at_field is None:
        names = {f["api_name"] for f in child["fields"]} if child is not None else set()
        at_field = DEFAULT_AT_FIELD if DEFAULT_AT_FIELD in names else FALLBACK_AT_FIELD
    return {"object": object_name, "via": via,
            "type_field": given.get("type_field", DEFAULT_TYPE_FIELD), "at_field": at_field}


def _target_errors(document: Mapping[str, Any],
                   definition: Mapping[str, Any]) -> list[ErrorItem]:
    name = document["target_field"]
    field = next((f for f in definition["fields"] if f["api_name"] == name), None)
    if field is None and name not in SYSTEM_FIELDS:
        return [ErrorItem("/target_field", "unknown_field",
                          {"object": definition["api_name"], "field": name})]
    ftype = type_of(field)
    if ftype is None or not ftype.numeric:
        numeric = sorted(t.name for t in REGISTRY.values() if t.numeric)
        return [ErrorItem("/target_field", "scoring_target_not_numeric",
                          {"field": name, "types": numeric})]
    return []


def _dimension_errors(dimension: Mapping[str, Any], at: str, definition: Mapping[str, Any],
                      objects: Documents, functions: Documents) -> list[ErrorItem]:
    kinds = [k for k in DIMENSION_KINDS if k in dimension]
    if len(kinds) != 1:
        return [ErrorItem(at, "scoring_dimension_needs_one",
                          {"kinds": list(DIMENSION_KINDS), "found": kinds})]
    kind = kinds[0]
    if kind != "activity_points":
        extra = [o for o in ACTIVITY_OPTIONS if o in dimension]
        if extra:
            return [ErrorItem(f"{at}/{o}", "scoring_option_needs_activity", {"option": o})
                    for o in extra]
    if kind == "criteria":
        name = definition["api_name"]
        return [e for j, criterion in enumerate(dimension["criteria"])
                for e in condition_errors(criterion["if"], field_lookup(definition),
                                          object_name=name, at=f"{at}/criteria/{j}/if",
                                          objects=object_lookup(objects), changes=False)]
    if kind == "function":
        return _function_errors(dimension["function"], f"{at}/function", definition,
                                functions)
    return _activity_errors(dimension, at, definition, objects)


def _function_errors(name: str, at: str, definition: Mapping[str, Any],
                     functions: Documents) -> list[ErrorItem]:
    function = functions.get(name)
    if function is None:
        return [ErrorItem(at, "unknown_function", {"function": name})]
    if function.get("purpose") != SCORING_PURPOSE:
        return [ErrorItem(at, "scoring_function_purpose",
                          {"function": name, "purpose": function.get("purpose", "")})]
    if function.get("object") != definition["api_name"]:
        return [ErrorItem(at, "scoring_function_object",
                          {"function": name, "object": function.get("object") or "",
                           "expected": definition["api_name"]})]
    return []


def _activity_errors(dimension: Mapping[str, Any], at: str, definition: Mapping[str, Any],
                     objects: Documents) -> list[ErrorItem]:
    """The activity object, its lookup to the scored object, type and date fields; the
    types named must be options when the type field has a list of them."""
    given = dimension.get("activity") or {}
    resolved = resolve_activity(dimension, definition["api_name"], objects)

    def where(key: str) -> str:  # the explicit setting, or the points it defaults for
        return f"{at}/activity/{key}" if key in given else f"{at}/activity_points"

    child = objects.get(str(resolved["object"]))
    if child is None:
        return [ErrorItem(where("object"), "scoring_activity_object",
                          {"object": resolved["object"]})]
    errors: list[ErrorItem] = []
    links = lookup_fields_to(child, definition["api_name"])
    if "via" in given and given["via"] not in links:
        errors.append(ErrorItem(where("via"), "not_a_lookup_to",
                                {"field": given["via"], "object": definition["api_name"]}))
    elif resolved["via"] is None:
        errors.append(ErrorItem(where("via"), "ambiguous_lookup",
                                {"object": child["api_name"], "target": definition["api_name"]}))
    fields = field_lookup(child)
    type_field = fields(str(resolved["type_field"]))
    kind_type = type_of(type_field)
    if type_field is None or kind_type is None or not kind_type.classifier:
        errors.append(ErrorItem(where("type_field"), "scoring_type_field",
                                {"object": child["api_name"], "field": resolved["type_field"]}))
    elif (options := kind_type.choices(type_field)) is not None:
        errors += [ErrorItem(f"{at}/activity_points{pointer(t)}", "unknown_option",
                             {"value": t, "field": type_field["api_name"]})
                   for t in dimension["activity_points"] if t not in options]
    at_type = type_of(fields(str(resolved["at_field"])))
    if at_type is None or not at_type.temporal:
        errors.append(ErrorItem(where("at_field"), "not_a_date_field",
                                {"field": resolved["at_field"]}))
    return errors


def _threshold_errors(document: Mapping[str, Any],
                      definition: Mapping[str, Any]) -> list[ErrorItem]:
    errors: list[ErrorItem] = []
    fields = {f["api_name"]: f for f in definition["fields"]}
    seen: set[Any] = set()
    for i, threshold in enumerate(document.get("thresholds", [])):
        at = pointer("thresholds", i)
        if threshold["at"] in seen:
            errors.append(ErrorItem(f"{at}/at", "scoring_duplicate_threshold",
                                    {"at": threshold["at"]}))
        seen.add(threshold["at"])
        for name, value in threshold["set"].items():
            where = f"{at}/set{pointer(name)}"
            field = fields.get(name)
            if name == document["target_field"] or name in SYSTEM_FIELDS:
                errors.append(ErrorItem(where, "scoring_set_not_allowed", {"field": name}))
            elif field is None:
                errors.append(ErrorItem(where, "unknown_field",
                                        {"object": definition["api_name"], "field": name}))
            else:
                errors += _value_errors(field, value, where)
    return errors


def _value_errors(field: Mapping[str, Any], value: Any, at: str) -> list[ErrorItem]:
    """The value as its field type would take it on a write (its refusal, if any)."""
    if value is None:
        return []
    try:
        REGISTRY[field["type"]].deserialize(field, value)
    except FieldValueError as exc:
        return [ErrorItem(at, exc.code, exc.params)]
    return []
