"""OpenAPI paths and schemas of analytics (issue 17): the aggregate API, roll-up recompute."""

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
from objectry.runtime.analytics.attribution import MODELS as ATTRIBUTION_MODELS


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
        "RollupRecompute": obj({
            "object": {"type": "string", "description": "only this object's roll-ups"},
            "field": {"type": "string", "description": "only this roll-up (with object)"}},
            closed=True),
        "RollupRecomputed": obj({"recomputed": {"type": "array", "items": obj({
            "object": {"type": "string"}, "field": {"type": "string"},
            "records": {"type": "integer", "description": "parent records written"}},
            ["object", "field", "records"])}}, ["recomputed"]),
        "WorkloadEnable": obj({"against": {
            "type": "array", "items": {"type": "string"}, "maxItems": 10,
            "description": "objects time may be logged against (a lookup each)"}},
            closed=True),
        "WorkloadEnabled": obj({"applied": {"type": "boolean"},
                                "version": {"type": "integer"},
                                "objects": {"type": "array", "items": {"type": "string"}}},
                               ["applied", "version", "objects"]),
        "AttributionRun": obj({
            "models": {"type": "array", "minItems": 1,
                       "items": {"enum": list(ATTRIBUTION_MODELS)},
                       "description": "default: every model"},
            "half_life_days": {"type": "number", "exclusiveMinimum": 0, "maximum": 3650,
                               "description": "time_decay's half-life (default 7)"},
            "opportunities": obj({
                "object": {"type": "string"}, "amount": {"type": "string"},
                "person": {"type": "string", "description": "the lookup to the lead"},
                "created": {"type": "string", "description": "when it was created"},
                "won": {"description": "which count (condition; default stage eq won)"}},
                description="default: opportunity, amount, lead, created_at"),
            "touchpoints": {"type": "array", "minItems": 1, "maxItems": 5, "items": obj({
                "object": {"type": "string"}, "person": {"type": "string"},
                "campaign": {"type": "string"}, "date": {"type": "string"}}, ["object"])},
            "campaigns": obj({"object": {"type": "string"},
                              "cost": {"type": "string", "description": "a cost field"}}),
            "period": obj({"from": {"type": "string", "format": "date"},
                           "to": {"type": "string", "format": "date"}}, closed=True,
                          description="days the opportunities were created on"),
            "filter": {"description": "more conditions on the opportunities"}},
            ["touchpoints"], closed=True),
        "AttributionSnapshot": obj({
            "id": {"type": "string", "format": "uuid"},
            "at": {"type": "string", "format": "date-time"},
            "model_version": {"type": "string"}, "metadata_version": {"type": "integer"},
            "request": {"type": "object"}, "object": {"type": "string"},
            "opportunities": {"type": "integer"},
            "unattributed": obj({"opportunities": {"type": "integer"},
                                 "revenue": {"type": "string"}}),
            "campaigns": {"type": "array", "items": obj({
                "campaign": {"type": "string", "format": "uuid"},
                "cost": {"type": ["string", "null"]},
                "models": {"type": "object", "additionalProperties": obj({
                    "revenue": {"type": "string"},
                    "opportunities": {"type": "string", "description": "fractional credit"},
                    "roi": {"type": ["string", "null"]}})}})}},
            ["id", "model_version", "campaigns"]),
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
               "422": "a bad group, measure, having, sort, limit or filter"})},
        f"{API}/rollups/recompute": {"post": operation(
            "Rebuild roll-up fields from their child records", "records",
            {"200": answer("the roll-ups rebuilt", ref("RollupRecomputed"))},
            description="Roll-ups are kept current on every child write; this repairs "
                        "drift (e.g. rows changed outside the platform) by recomputing "
                        "every roll-up, an object's, or one field's.",
            body=ref("RollupRecompute"), body_required=False, admin=True,
            fails={"404": "unknown object",
                   "422": "a bad body, or a field that is not a roll-up of the object"})},
        f"{API}/workload/enable": {"post": operation(
            "Enable time logs and labour rates", "records",
            {"200": answer("the objects, created or extended", ref("WorkloadEnabled"))},
            description="Creates the built-in objects time_log (hours a person logged on "
                        "a day against a record: one lookup per object in 'against') and "
                        "labour_rate (an hourly rate for a person or a role from a day "
                        "on). A roll-up with a 'rate' costs logged hours at the rate valid "
                        "on their day.",
            body=ref("WorkloadEnable"), body_required=False, admin=True,
            fails={"409": "the change conflicts with stored data",
                   "422": "a bad body, or an unknown object in 'against'"})},
        f"{API}/attribution/run": {"post": operation(
            "Attribute won revenue to campaigns under several models side by side",
            "records",
            {"201": answer("the run, stored as a snapshot", ref("AttributionSnapshot"))},
            description="first_touch, last_touch, linear, u_shaped (40/20/40) and "
                        "time_decay over each opportunity's touches before it was "
                        "created; per campaign and model: revenue, opportunities "
                        "(fractional), cost and ROI. Reads only what the caller may see.",
            body=ref("AttributionRun"),
            fails={"422": "an unknown model, object or field, or one the caller may "
                          "not read"})},
        f"{API}/attribution/snapshots/{{snapshot}}": {"get": operation(
            "A stored attribution run", "records",
            {"200": answer("the snapshot", ref("AttributionSnapshot"))},
            description="For the user who ran it, or an administrator.",
            fails={"404": "no such snapshot (or someone else's)"})}}
