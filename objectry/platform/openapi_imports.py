"""OpenAPI paths and schemas of bulk writes and imports (issue 16).

The export's formats and ``labels`` are documented with the records paths
(``openapi_platform.record_paths``), whose export route they extend.
"""

from __future__ import annotations

from typing import Any

from objectry.runtime.lifecycle.bulk import MAX_BULK, MODES
from objectry.runtime.query.list_params import DEFAULT_LIMIT, MAX_LIMIT

# The building blocks of ``openapi_platform`` (which imports this module), restated.
API = "/api/v1"
Paths = dict[str, dict[str, Any]]
BODY_FAILURES = {"400": "malformed JSON", "413": "the body is over the size limit",
                 "415": "the body is declared as something other than JSON"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def answer(description: str, schema: dict[str, Any] | None = None,
           media: str = "application/json") -> dict[str, Any]:
    found: dict[str, Any] = {"description": description}
    if schema is not None:
        found["content"] = {media: {"schema": schema}}
    return found


def obj(properties: dict[str, Any], required: list[str] | None = None, *,
        closed: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if closed:
        schema["additionalProperties"] = False
    return schema


def operation(summary: str, responses: dict[str, Any], *, description: str = "",
              body: dict[str, Any] | None = None, media: str = "application/json",
              parameters: list[dict[str, Any]] | None = None,
              fails: dict[str, str] | None = None) -> dict[str, Any]:
    """Token required (401); a JSON body brings 400/413/415; ``fails``: the others."""
    failures = {"401": "no or bad token",
                **(BODY_FAILURES if body is not None and media == "application/json" else {}),
                **(fails or {})}
    result: dict[str, Any] = {"summary": summary, "tags": ["imports"], "responses": {
        **responses, **{status: {"description": text, "content": {
            "application/problem+json": {"schema": ref("Problem")}}}
            for status, text in sorted(failures.items())}}}
    if description:
        result["description"] = description
    if parameters:
        result["parameters"] = parameters
    if body is not None:
        result["requestBody"] = {"required": True, "content": {media: {"schema": body}}}
    return result


def import_schemas() -> dict[str, Any]:
    issue = obj({"row": {"type": "integer", "description": "the row's number in the file "
                                                           "(the header is row 1)"},
                 "column": {"type": ["string", "null"]}, "field": {"type": ["string", "null"]},
                 "code": {"type": "string"},
                 "message": {"type": "string", "description": "in the caller's language"}})
    error = obj({"path": {"type": "string"}, "code": {"type": "string"},
                 "params": {"type": "object"}, "message": {"type": "string"}})
    count = {"type": "integer", "minimum": 0}
    return {
        "BulkAnswer": obj({
            "mode": {"enum": list(MODES)}, "created": count, "updated": count, "failed": count,
            "items": {"type": "array", "items": obj({
                "index": count, "status": {"enum": ["created", "updated", "failed"]},
                "id": {"type": "string", "format": "uuid"}, "version": {"type": "integer"},
                "status_code": {"type": "integer"}, "code": {"type": "string"},
                "errors": {"type": "array", "items": obj({
                    "path": {"type": "string", "description": "/records/{index}/{field}"},
                    "code": {"type": "string"}, "params": {"type": "object"}})}})}},
            ["mode", "created", "updated", "failed", "items"]),
        "ImportStatus": obj({
            "id": {"type": "string", "format": "uuid"}, "object": {"type": "string"},
            "status": {"enum": ["previewed", "queued", "running", "done", "failed"]},
            "file_name": {"type": "string"}, "format": {"enum": ["csv", "xlsx"]},
            "encoding": {"type": ["string", "null"]},
            "columns": {"type": "array", "items": obj({
                "column": {"type": "string"}, "field": {"type": ["string", "null"]}})},
            "upsert_on": {"type": ["string", "null"]},
            "rows": count, "valid": count, "invalid": count, "rows_done": count,
            "rows_failed": count, "rows_pending": count,
            "rate": {"type": ["number", "null"], "description": "rows a second"},
            "eta_seconds": {"type": ["number", "null"]},
            "stalled": {"type": "boolean",
                        "description": "its runner stopped (lease ran out): run it again "
                                       "to resume from the last committed batch"},
            "runnable": {"type": "boolean"},
            "rows_purged": {"type": "boolean",
                            "description": "the file's rows are past retention (30 days "
                                           "after the import finished): the error file "
                                           "is empty. Rows written are deleted when the "
                                           "run is done; failed rows are kept until then"},
            "mapping_errors": {"type": "array", "items": error},
            "issues": {"type": "array", "items": issue,
                       "description": "the first 100; the error file has them all"},
            "error": {"type": ["object", "null"]},
            "preview": obj({"mapping_errors": {"type": "array", "items": error},
                            "duplicate_rows": count,
                            "duplicates": {"type": "array", "items": {"type": "object"}},
                            "assignment": {**obj({
                                "rules": {"type": "array", "items": {"type": "string"},
                                          "description": "the object's auto assignment "
                                                         "rules (none: new rows keep "
                                                         "the importer as owner)"},
                                "assigned": count, "unassigned": count,
                                "owners": {"type": "array", "items": obj({
                                    "user": {"type": "string"}, "rows": count})},
                                "rows": {"type": "array", "items": obj({
                                    "row": count, "rule": {"type": "string"},
                                    "user": {"type": ["string", "null"]},
                                    "reason": {"type": ["string", "null"]}}),
                                    "description": "the first 100 new rows"}}),
                                "description": "what assignment would do with the rows "
                                               "the run creates (upsert updates are not "
                                               "assigned)"}}),
            "created_at": {"type": "string", "format": "date-time"},
            "started_at": {"type": ["string", "null"], "format": "date-time"},
            "finished_at": {"type": ["string", "null"], "format": "date-time"}},
            ["id", "object", "status", "rows", "rows_done", "rows_failed"]),
    }


def import_paths() -> Paths:
    status = ref("ImportStatus")
    upload = obj({
        "file": {"type": "string", "contentMediaType": "application/octet-stream",
                 "description": "CSV (UTF-8 with or without BOM, or GB18030) or XLSX"},
        "object": {"type": "string", "description": "api_name of the object"},
        "mapping": {"type": "string",
                    "description": "JSON: {column: field api_name, or null to skip it}"},
        "mapping_from": {"type": "string", "description": "reuse an earlier import's mapping"},
        "upsert_on": {"type": "string",
                      "description": "a unique field: rows matching a record update it"},
        "encoding": {"enum": ["utf-8", "gb18030"],
                     "description": "a CSV's encoding (default: detected)"}},
        ["file", "object"])
    return {
        f"{API}/records/{{object}}/bulk": {"post": operation(
            f"Create or upsert up to {MAX_BULK} records in one transaction",
            {"200": {**answer("each record's outcome", ref("BulkAnswer")), "headers": {
                "Objectry-Duplicates": {
                    "description": "only when a warn duplicate rule matched: the "
                                   "duplicates the writer may see, JSON [{\"rule\", "
                                   "\"object\", \"id\"}] (at most 20)",
                    "schema": {"type": "string"}}}}},
            description="Through the records service: field rights, validation, rules, "
                        "lookups, unique values, one audit entry and one record.created "
                        "event per record. mode all_or_nothing (default) refuses the "
                        "batch when any record fails, every culprit at /records/{index}/..."
                        "; per_row writes the others. upsert_on: a unique field; records "
                        "whose value is already stored update that record.",
            body=obj({"records": {"type": "array", "minItems": 1, "maxItems": MAX_BULK,
                                  "items": {"type": "object"}},
                      "mode": {"enum": list(MODES), "default": "all_or_nothing"},
                      "upsert_on": {"type": "string"}}, ["records"], closed=True),
            fails={"403": "no create right, or a field the caller may not set "
                          "(all_or_nothing)",
                   "409": "bulk_rejected (all_or_nothing): a unique value is taken, or "
                          "a block duplicate rule matched (duplicate_blocked or "
                          "duplicate_blocked_hidden at /records/{index}, or "
                          "duplicate_in_batch: an earlier record of the batch); per_row: the "
                          "item fails with that code",
                   "422": "a bad body or records (all_or_nothing): every culprit"})},
        f"{API}/imports": {
            "post": operation(
                "Upload a CSV or XLSX file: its preview", {"201": answer(
                    "stored; the preview (mapping, row issues, duplicates)", status)},
                description="Columns map to fields by api_name or label (either language) "
                            "or the mapping given. Every row is checked as a create would "
                            "check it; nothing is written until run. Formulas are kept as "
                            "text. Limits: OBJECTRY_IMPORT_MAX_ROWS / _MAX_BYTES.",
                body=upload, media="multipart/form-data",
                fails={"400": "mapping is not JSON", "403": "no create right",
                       "404": "unknown object",
                       "413": "over the configured rows or bytes",
                       "422": "no file, unreadable file or encoding, bad mapping, "
                              "upsert_on or encoding"}),
            "get": operation(
                "The caller's imports (administrators: everyone's), newest first",
                {"200": answer("imports", obj({"items": {"type": "array", "items": status}}))},
                parameters=[{"name": "limit", "in": "query", "required": False,
                             "description": f"a whole number from 1 to {MAX_LIMIT}",
                             "schema": {"type": "integer", "minimum": 1,
                                        "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}}],
                fails={"422": "limit out of range"})},
        f"{API}/imports/{{import}}": {
            "get": operation("An import's status, progress (rate, ETA) and issues",
                             {"200": answer("the import", status)}),
            "patch": operation(
                "Change the mapping or upsert_on of an import not yet run: a new preview",
                {"200": answer("the new preview", status)},
                body=obj({"mapping": {"type": "object",
                                      "additionalProperties": {"type": ["string", "null"]}},
                          "upsert_on": {"type": ["string", "null"]}}, closed=True),
                fails={"409": "the import has run", "422": "bad mapping or upsert_on"})},
        f"{API}/imports/{{import}}/run": {"post": operation(
            "Run (or resume) an import in the background",
            {"202": answer("queued", status)},
            description="Batches of OBJECTRY_IMPORT_BATCH_SIZE rows, one transaction each, "
                        "per row (failed rows keep their reason). A run that stopped "
                        "resumes from its last committed batch.",
            fails={"403": "no create right", "409": "mapping errors, or already done"})},
        f"{API}/imports/{{import}}/errors": {"get": operation(
            "The failed rows as CSV, with a reason column",
            {"200": answer("the file's columns and the reason, in the caller's language",
                           {"type": "string"}, "text/csv")})},
    }
