"""Semantic checks of dashboards: each chart's object and the fields it groups,
measures and filters must exist; a number chart has no group, the others one (the
JSON Schema checks the shape; access is applied when a viewer opens the page)."""

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
