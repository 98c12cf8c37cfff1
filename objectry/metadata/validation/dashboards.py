"""Semantic checks of dashboards: each chart's object and the fields it groups,
measures and filters must exist; a number chart has no group, the others one; an
attribution chart's opportunity, touchpoint and cost fields must exist (the JSON
Schema checks the shape; access is applied when a viewer opens the page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.conditions.parser import condition_errors
from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import ErrorItem, pointer
from objectry.metadata.validation.objects import schema_errors
from objectry.metadata.validation.workflows import field_lookup, object_lookup


def validate_dashboard(document: Any, objects: Mapping[str, Mapping[str, Any]]) -> list[ErrorItem]:
    """Every problem with a dashboard, each at its JSON Pointer."""
    errors = schema_errors("dashboard", document)
    if errors:
        return errors
    for i, chart in enumerate(document["charts"]):
        at = pointer("charts", i)
        definition = objects.get(chart["object"])
        if definition is None:
            errors.append(ErrorItem(at + "/object", "unknown_object",
                                    {"object": chart["object"]}))
            continue
        known = {f["api_name"] for f in definition["fields"]} | set(SYSTEM_FIELDS)
        if chart["type"] == "attribution":
            errors += _attribution_errors(chart["attribution"], chart["object"], objects,
                                          at + "/attribution")
            continue
        groups = chart.get("group_by", [])
        if (chart["type"] == "number") != (not groups):
            errors.append(ErrorItem(at + "/group_by", "dashboard_chart_groups",
                                    {"type": chart["type"]}))
        for j, group in enumerate(groups):
            name = group if isinstance(group, str) else group["field"]
            if name not in known:
                errors.append(ErrorItem(pointer("charts", i, "group_by", j),
                                        "layout_unknown_field",
                                        {"field": name, "object": chart["object"]}))
        for j, measure in enumerate(chart["measures"]):
            name = measure.get("field")
            if (name is None) != (measure["op"] == "count") and name is None:
                errors.append(ErrorItem(pointer("charts", i, "measures", j, "field"),
                                        "schema_required", {"property": "field"}))
            elif name is not None and name not in known:
                errors.append(ErrorItem(pointer("charts", i, "measures", j, "field"),
                                        "layout_unknown_field",
                                        {"field": name, "object": chart["object"]}))
        if "filter" in chart:
            errors += condition_errors(chart["filter"], field_lookup(definition),
                                       object_name=chart["object"], at=at + "/filter",
                                       objects=object_lookup(objects), changes=False)
    return errors


#: The attribution engine's defaults (``runtime.analytics.attribution``), for the checks.
OPPORTUNITY_DEFAULTS = {"object": "opportunity", "amount": "amount", "person": "lead",
                        "created": "created_at"}
TOUCH_DEFAULTS = {"person": "lead", "campaign": "campaign", "date": "created_at"}


def _attribution_errors(spec: Mapping[str, Any], campaign: str,
                        objects: Mapping[str, Mapping[str, Any]], at: str) -> list[ErrorItem]:
    """The objects and fields an attribution chart names, each checked where it is named
    (or at its block, for a default the chart leaves implicit)."""
    errors: list[ErrorItem] = []
    opportunities = {**OPPORTUNITY_DEFAULTS, **spec.get("opportunities", {})}
    checks: list[tuple[str, str, list[tuple[str, str]]]] = [
        (opportunities["object"], at + "/opportunities",
         [(key, opportunities[key]) for key in ("amount", "person", "created")])]
    for i, touch in enumerate(spec["touchpoints"]):
        merged = {**TOUCH_DEFAULTS, **touch}
        checks.append((merged["object"], f"{at}/touchpoints/{i}",
                       [(key, merged[key]) for key in ("person", "campaign", "date")]))
    if "cost" in spec.get("campaigns", {}):
        checks.append((campaign, at + "/campaigns", [("cost", spec["campaigns"]["cost"])]))
    for object_name, where, fields in checks:
        definition = objects.get(object_name)
        if definition is None:
            errors.append(ErrorItem(where + "/object", "unknown_object",
                                    {"object": object_name}))
            continue
        known = {f["api_name"] for f in definition["fields"]} | set(SYSTEM_FIELDS)
        errors += [ErrorItem(f"{where}/{key}", "layout_unknown_field",
                             {"field": name, "object": object_name})
                   for key, name in fields if name not in known]
    won = opportunities.get("won")
    if won is not None and opportunities["object"] in objects:
        definition = objects[opportunities["object"]]
        errors += condition_errors(won, field_lookup(definition),
                                   object_name=opportunities["object"],
                                   at=at + "/opportunities/won",
                                   objects=object_lookup(objects), changes=False)
    return errors
