"""OpenAPI paths and schemas of analytics (issue 17): the aggregate API."""

from __future__ import annotations

from typing import Any

from objectry.platform.openapi_lifecycle import API, Paths, answer, obj, operation, ref
from objectry.runtime.analytics.aggregate import (
    BUCKETS,
    COMPARISONS,
    MAX_GROUPS_BY,
    MAX_LIMIT,
    MAX_MEASURES,
    OPS,
)


def analytics_schemas() -> dict[str, Any]:
    group = {"oneOf": [{"type": "string", "description": "a field"},
                       obj({"field": {"type": "string"}, "bucket": {"enum": list(BUCKETS)}},
                           ["field"], closed=True)]}
    measure = obj({"op": {"enum": list(OPS)}, "field": {"type": "string"},
                   "as": {"type": "string", "description": "the result's key"}}, ["op"],
                  closed=True, description="count without a field counts rows; the key "
                  "defaults to op_field (count: 'count')")
    having = obj({"measure": {"type": "string"}, "op": {"enum": list(COMPARISONS)},
                  "value": {"type": "number"}}, ["measure", "op", "value"], closed=True)
    return {
        "AggregateRequest": obj({
            "filter": {"description": "the condition language, as a list's filter"},
            "group_by": {"type": "array", "items": group, "maxItems": MAX_GROUPS_BY},
            "measures": {"type": "array", "items": measure, "minItems": 1,
                         "maxItems": MAX_MEASURES},
            "having": {"type": "array", "items": having},
            "sort": {"type": "array", "items": {"type": "string"},
                     "description": "group or measure keys, '-' first for descending"},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}}, closed=True),
        "AggregateAnswer": obj({"items": {"type": "array", "items": {
            "type": "object", "additionalProperties": True,
            "description": "group keys (field, or field_bucket with the bucket's first "
                           "day) and measure keys"}}}, ["items"]),
    }


def analytics_paths() -> Paths:
    return {f"{API}/records/{{object}}/aggregate": {"post": operation(
        "Count, sum, average, min and max of records, grouped", "records",
        {"200": answer("one item per group", ref("AggregateAnswer"))},
        description="Counts only the live records the caller may see that meet the "
                    "filter; a field the caller cannot read, or sees masked, can be "
                    "neither grouped nor measured (422 at its pointer); a value hidden on "
                    "one record counts as empty there. Formula fields group and measure by "
                    "their computed value.",
        body=ref("AggregateRequest"), body_required=False,
        fails={"403": "no read right on the object", "404": "unknown object",
               "422": "a bad group, measure, having, sort, limit or filter"})}}
