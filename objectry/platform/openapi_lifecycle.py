"""OpenAPI paths and schemas of duplicates, merge and conversion (issue 16).

The ``duplicate_rule`` and ``conversion_map`` documents are metadata
(``/meta/duplicate_rules/{api_name}``, ``/meta/conversion_maps/{api_name}``), their
schemas from the JSON Schemas.
"""

from __future__ import annotations

from typing import Any

from objectry.platform.openapi_common import API, Paths, answer, obj, operation, ref
from objectry.runtime.lifecycle.conversion import MAX_MANY
from objectry.runtime.lifecycle.duplicates.checks import MAX_SCAN_GROUPS
from objectry.runtime.lifecycle.merge import MAX_MERGED


def _counts() -> dict[str, Any]:
    return {"type": "array", "items": obj({
        "object": {"type": "string"}, "field": {"type": "string"},
        "count": {"type": "integer", "minimum": 0}}, ["object", "field", "count"])}


def lifecycle_schemas() -> dict[str, Any]:
    match = obj({
        "rule": {"type": "string"}, "object": {"type": "string"},
        "id": {"type": "string", "format": "uuid"},
        "score": {"type": ["number", "null"],
                  "description": "fuzzy name similarity 0-100 (null: no fuzzy field)"},
        "record": ref("Record")}, ["rule", "object", "id", "record"],
        description="a duplicate the caller may see, as the records API shows it")
    produced = obj({
        "target": {"type": "string"}, "object": {"type": "string"},
        "id": {"type": "string", "format": "uuid"},
        "action": {"enum": ["created", "matched", "existing"]},
        "record": ref("Record")}, ["target", "object", "id", "action", "record"])
    return {
        "DuplicateMatch": match,
        "DuplicateList": obj({"items": {"type": "array", "items": ref("DuplicateMatch")}},
                             ["items"]),
        "DuplicateScan": obj({
            "rule": {"type": "string"},
            "groups": {"type": "array", "items": obj({
                "key": {"type": "string"},
                "items": {"type": "array", "items": ref("DuplicateMatch")}},
                ["key", "items"])},
            "next_cursor": {"type": ["string", "null"]}}, ["rule", "groups", "next_cursor"]),
        "MergeResult": obj({
            "survivor": ref("Record"),
            "merged": {"type": "array", "items": {"type": "string", "format": "uuid"}},
            "repointed": _counts(), "grants_added": {"type": "integer", "minimum": 0}},
            ["survivor", "merged", "repointed", "grants_added"]),
        "UnmergeResult": obj({
            "applied": {"type": "boolean"}, "restore": {"type": "string"},
            "survivor": {"type": "string"}, "repoint": _counts(),
            "kept": {"type": "array", "items": {"type": "string"}},
            "given_up": {"type": "array", "items": {"type": "string"}},
            "record": ref("Record")}, ["applied", "restore", "survivor", "repoint", "kept"]),
        "ConversionResult": obj({
            "applied": {"type": "boolean"}, "map": {"type": "string"},
            "source": ref("Record"),
            "produced": {"type": "array", "items": produced},
            "carried": _counts()}, ["applied", "map", "source", "produced", "carried"]),
    }


def lifecycle_paths() -> Paths:
    record = f"{API}/records/{{object}}/{{id}}"
    values = {"type": "object", "additionalProperties": True,
              "description": "field -> the id of the survivor or a merged record (take its "
                             "value), or {\"value\": ...} (a value of its own)"}
    targets = {"type": "object", "additionalProperties": {
        "oneOf": [{"type": "object"}, {"type": "array", "maxItems": MAX_MANY,
                                       "items": {"type": "object"}}, {"type": "null"}]},
        "description": "target name -> values of its own (an object; a list for a 'many' "
                       "target: one record each), {\"existing\": id} to use a record, or "
                       "null to leave out an optional target"}
    return {
        f"{record}/duplicates": {"get": operation(
            "The record's duplicates under its object's active duplicate rules", "records",
            {"200": answer("the duplicates the caller may see", ref("DuplicateList"))},
            description="Records the caller may not see are left out (not counted).",
            fails={"403": "the record is not readable"})},
        f"{API}/duplicate_rules/{{name}}/scan": {"post": operation(
            "Groups of records that a duplicate rule finds alike", "records",
            {"200": answer("a page of groups (by match key)", ref("DuplicateScan"))},
            description="One grouped walk of the rule's key index; groups with fewer than "
                        "two records the caller may see are left out. Pages by key.",
            body=obj({"limit": {"type": "integer", "minimum": 1, "maximum": MAX_SCAN_GROUPS},
                      "cursor": {"type": "string"}}, closed=True), body_required=False,
            fails={"404": "unknown duplicate rule", "422": "a bad limit or cursor"})},
        f"{API}/duplicate_rules/{{name}}/rebuild": {"post": operation(
            "Key every record for a duplicate rule now", "records",
            {"200": answer("the rule's keys are current", obj({
                "rule": {"type": "string"},
                "rebuilt": {"type": "boolean",
                            "description": "false: they were current already"},
                "keys": {"type": "integer", "minimum": 0}}, ["rule", "rebuilt", "keys"]))},
            description="Saving a duplicate rule (PUT /meta/duplicate_rules/{name}) keys "
                        "its records in that request; this is the same step on demand "
                        "(a rule that came with a pack or a rollback). A write under a "
                        "rule whose keys are not current builds them first.",
            fails={"403": "not an administrator", "404": "unknown duplicate rule"})},
        f"{API}/records/{{object}}/merge": {"post": operation(
            "Merge records into a survivor", "records",
            {"200": answer("the survivor and what moved", ref("MergeResult"))},
            description="One transaction: per-field survivorship (values), multi-valued "
                        "fields united, every live record referring to a merged one "
                        "re-pointed to the survivor (audited), grants copied, the merged "
                        "records to the recycle bin with a merged_into audit change. The "
                        "caller must be able to edit the survivor and delete the others.",
            body=obj({"survivor": {"type": "string"},
                      "merged": {"type": "array", "minItems": 1, "maxItems": MAX_MERGED,
                                 "items": {"type": "string"}},
                      "values": values}, ["survivor", "merged"], closed=True),
            fails={"403": "merge_not_allowed, or a record out of reach",
                   "404": "an unknown or deleted id (or one of another object)",
                   "409": "the survivor's new values conflict (unique, duplicate rule)",
                   "412": "a record changed meanwhile",
                   "422": "a record into itself, twice, too many, a bad value"})},
        f"{record}/unmerge": {"post": operation(
            "Undo the merge that sent this record to the recycle bin", "records",
            {"200": answer("what it does (dry_run: would do)", ref("UnmergeResult"))},
            description="Restores the record and, with repoint (default), points back the "
                        "records the merge moved that still point at the survivor. The "
                        "survivor keeps its values and the copied grants. A plain restore "
                        "of a merged record answers 409 record_merged.",
            body=obj({"dry_run": {"type": "boolean"}, "repoint": {"type": "boolean"}},
                     closed=True), body_required=False,
            fails={"403": "the caller may not restore the record",
                   "409": "not_merged, or merge_survivor_gone",
                   "422": "a bad body"})},
        f"{record}/convert": {"post": operation(
            "Convert the record by a conversion map (lead -> account, contact, "
            "opportunities)", "records",
            {"200": answer("what was produced (dry_run: the preview)",
                           ref("ConversionResult"))},
            description="One transaction through the records service: targets created, "
                        "matched by their duplicate rule or named; related records "
                        "carried; the source marked converted. dry_run runs it all and "
                        "rolls it back.",
            body=obj({"map": {"type": "string"}, "dry_run": {"type": "boolean"},
                      "targets": targets}, closed=True), body_required=False,
            fails={"403": "the record or a target is out of reach",
                   "404": "unknown conversion map",
                   "409": "already_converted, or a blocking duplicate",
                   "422": "a bad body or a target's values"})},
    }
