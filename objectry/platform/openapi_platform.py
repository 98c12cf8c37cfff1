"""The platform's own endpoints in the tenant's OpenAPI document.

``openapi.py`` generates the per-object record paths from metadata; everything else the
platform serves (metadata, people, access, automation, messages, functions, scoring,
discovery) is the same for every tenant and is described here, area by area, so that a
client can discover the whole API from one document. Operations are listed for every
caller; those the server reserves for administrators say so ("Admin only") and carry
``x-admin-only: true``. Metadata documents reference the JSON Schemas the platform
validates them with (``objectry/metadata/schemas``), embedded under components/schemas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from types import MappingProxyType
from typing import Any

from apispec import APISpec

from objectry.metadata.i18n import LANGUAGES
from objectry.metadata.permission_terms import LEVELS
from objectry.metadata.validation.objects import field_schema
from objectry.platform.api.automation import STATUSES as RUN_STATUSES
from objectry.platform.api.exports import FORMATS as EXPORT_FORMATS
from objectry.platform.api.exports import MIMETYPES as EXPORT_MIMETYPES
from objectry.platform.api.meta import KIND_SEGMENTS
from objectry.platform.openapi_analytics import analytics_paths, analytics_schemas
from objectry.platform.openapi_imports import import_paths, import_schemas
from objectry.platform.openapi_lifecycle import lifecycle_paths, lifecycle_schemas
from objectry.platform.openapi_packs import pack_paths, pack_schemas
from objectry.platform.openapi_webforms import webform_paths, webform_schemas
from objectry.runtime.automation.messages import STATUSES as MESSAGE_STATUSES
from objectry.runtime.query.list_params import DEFAULT_LIMIT, MAX_LIMIT
from objectry.runtime.schema.planner import CONVERSION_POLICIES

Operations = dict[str, dict[str, Any]]
Paths = dict[str, Operations]

API = "/api/v1"
ADMIN_ONLY = "Admin only."
TEMPLATE = re.compile(r"{([^}/]+)}")

#: Path template parameter -> (description, JSON Schema). Every template uses these names.
PATH_PARAMETERS: Mapping[str, tuple[str, Mapping[str, Any]]] = MappingProxyType({
    "object": ("api_name of the object", {"type": "string"}),
    "id": ("id of the record", {"type": "string", "format": "uuid"}),
    "child_object": ("api_name of the related object", {"type": "string"}),
    "grant": ("id of the grant", {"type": "string", "format": "uuid"}),
    "api_name": ("api_name of the metadata document", {"type": "string"}),
    "name": ("api_name of the department, scoring model, assignment rule or pool; a "
             "pack's name",
             {"type": "string"}),
    "email": ("the user's email address", {"type": "string", "format": "email"}),
    "workflow": ("api_name of the workflow", {"type": "string"}),
    "run": ("id of the workflow run", {"type": "string", "format": "uuid"}),
    "token": ("id of the API token (not its secret)", {"type": "integer"}),
    "function": ("api_name of the function (purpose action or button)", {"type": "string"}),
    "import": ("id of the import", {"type": "string", "format": "uuid"}),
    "snapshot": ("id of the attribution snapshot", {"type": "string", "format": "uuid"}),
})

#: The problem answers every call with a token can give.
TOKEN_FAILURES: Mapping[str, str] = MappingProxyType({"401": "no or bad token"})

#: The problem answers every call with a JSON body can give.
BODY_FAILURES: Mapping[str, str] = MappingProxyType({
    "400": "malformed JSON",
    "413": "the body is over the size limit",
    "415": "the body is declared as something other than JSON",
})

# -- building blocks ------------------------------------------------------------------

def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": dict(schema)}}}


def answer(description: str, schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A success response, with a JSON body when ``schema`` is given."""
    return {"description": description, **(json_content(schema) if schema else {})}


def problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": ref("Problem")}}}


def items_of(schema: Mapping[str, Any], *, paged: bool = False) -> dict[str, Any]:
    """``{"items": [...]}``, with ``next_cursor`` for lists that page."""
    properties: dict[str, Any] = {"items": {"type": "array", "items": dict(schema)}}
    if paged:
        properties["next_cursor"] = {"type": ["string", "null"],
                                     "description": "pass as cursor for the next page"}
    return {"type": "object", "required": list(properties), "properties": properties}


def obj(properties: Mapping[str, Any], required: Iterable[str] = (), *,
        closed: bool = False, description: str | None = None) -> dict[str, Any]:
    """An object schema; ``closed`` when the server refuses unknown members (422)."""
    schema: dict[str, Any] = {"type": "object", "properties": dict(properties)}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def query(name: str, description: str, schema: Mapping[str, Any], *,
          required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": dict(schema)}


def limit_param(default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> dict[str, Any]:
    return query("limit", f"page size, a whole number from 1 to {maximum}",
                 {"type": "integer", "minimum": 1, "maximum": maximum, "default": default})


def cursor_param() -> dict[str, Any]:
    return query("cursor", "next_cursor of the previous page (a cursor of another query: "
                           "400)", {"type": "string"})


#: What ``count=true`` adds to a record list's page (OBJECTRY_LIST_COUNT_CAP is the cap).
COUNT_PROPERTIES: dict[str, Any] = {
    "count": {"type": "integer", "minimum": 0,
              "description": "with count=true: the records of this list (filter and "
                             "view, every page) the caller may see, exact up to the cap "
                             "(1000 by default); at the cap when count_capped"},
    "count_capped": {"type": "boolean",
                     "description": "with count=true: true when there are more than "
                                    "count records (show \"1000+\")"}}


def with_count(page: Mapping[str, Any]) -> dict[str, Any]:
    """A record page's schema with the members ``count=true`` adds."""
    return {**page, "properties": {**page["properties"], **COUNT_PROPERTIES}}


def count_param() -> dict[str, Any]:
    return query("count", "true: add count and count_capped to the page (the records of "
                          "the list the caller may see, exact up to a cap, then capped)",
                 {"type": "boolean", "default": False})


#: A bad limit, cursor, sort or fields: 422 invalid_parameter at /limit, /cursor, ...
BAD_LIST_PARAMETER = "invalid_parameter at the parameter"


def status_param(statuses: Iterable[str]) -> dict[str, Any]:
    return query("status", "only items in this status", {"type": "string",
                                                         "enum": list(statuses)})


def operation(summary: str, tag: str, responses: Mapping[str, Any], *,
              description: str = "", parameters: Iterable[Mapping[str, Any]] = (),
              body: Mapping[str, Any] | None = None, body_required: bool = True,
              fails: Mapping[str, str] | None = None, admin: bool = False,
              public: bool = False) -> dict[str, Any]:
    """One operation object: a token is required (401) unless ``public``; a body brings
    400/413/415; admin-only operations say so, carry ``x-admin-only`` and answer 403."""
    failures: dict[str, str] = {} if public else dict(TOKEN_FAILURES)
    if body is not None:
        failures.update(BODY_FAILURES)
    if admin:
        failures["403"] = "the caller is not an administrator"
        description = f"{ADMIN_ONLY} {description}".strip()
    failures.update(fails or {})
    result: dict[str, Any] = {"summary": summary, "tags": [tag],
                              "responses": {**responses, **{
                                  status: problem(text)
                                  for status, text in sorted(failures.items())}}}
    if description:
        result["description"] = description
    if parameters:
        result["parameters"] = [dict(p) for p in parameters]
    if body is not None:
        result["requestBody"] = {"required": body_required, **json_content(body)}
    if admin:
        result["x-admin-only"] = True
    if public:
        result["security"] = []
    return result


def link(target: str, parameters: Mapping[str, str], *,
         description: str = "") -> dict[str, Any]:
    """An OpenAPI link to ``"method /path"`` (under /api/v1) whose parameters come from
    this answer or request (runtime expressions) or are constants."""
    method, _, path = target.partition(" ")
    pointer = f"{API}{path}".replace("~", "~0").replace("/", "~1")
    found: dict[str, Any] = {"operationRef": f"#/paths/{pointer}/{method}",
                             "parameters": dict(parameters)}
    if description:
        found["description"] = description
    return found


def record_links(object_name: str, record: str = "$response.body#/id") -> dict[str, Any]:
    """Links from an answer holding a record of ``object_name`` to the record endpoints
    every object has (history, grants, access, audit, score, buttons...)."""
    ids = {"object": object_name, "id": record}
    record_path = "/records/{object}/{id}"
    return {
        "RecordRuns": link(f"get {record_path}/runs", ids),
        "RecordGrants": link(f"get {record_path}/grants", ids),
        "GrantRecord": link(f"post {record_path}/grants", ids),
        "RecordAudit": link(f"get {record_path}/audit", ids),
        "RecordAccess": link(f"get {record_path}/access", ids),
        "RecordScore": link(f"get {record_path}/score", ids),
        "RestoreRecord": link(f"post {record_path}/restore", ids),
    }


#: (path template, parameter name) -> values that exist in the tenant (may be empty).
Examples = Callable[[str, str], Sequence[str]]


def no_examples(path: str, name: str) -> Sequence[str]:
    return ()


def path_parameters(path: str, examples: Examples = no_examples) -> list[dict[str, Any]]:
    """The path-level parameters of a template: every ``{name}`` in it, declared, with
    the names the tenant has as examples (so a client, or a test generator, finds real
    workflows, functions and objects, not only 404s)."""
    declared = []
    for name in TEMPLATE.findall(path):
        description, schema = PATH_PARAMETERS[name]
        found = list(examples(path, name))
        declared.append({"name": name, "in": "path", "required": True,
                         "description": description,
                         "schema": {**schema, "examples": found} if found else dict(schema)})
    return declared


# -- metadata JSON Schemas as components ----------------------------------------------

def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _load_schema(name: str) -> dict[str, Any]:
    text = resources.files("objectry.metadata").joinpath("schemas", f"{name}.json")
    return json.loads(text.read_text("utf-8"))


def _boolean_schema(value: Any) -> Any:
    """``true``/``false`` as the equivalent object schemas (apispec reads schemas in
    properties, items and combinators as component names unless they are objects)."""
    if isinstance(value, bool):
        return {} if value else {"not": {}}
    return value


def _objects_only(key: str, value: Any) -> Any:
    if key == "properties" and isinstance(value, dict):
        return {name: _boolean_schema(schema) for name, schema in value.items()}
    if key in ("items", "not"):
        return _boolean_schema(value)
    if key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
        return [_boolean_schema(schema) for schema in value]
    return value


def _rebase(node: Any, prefix: str) -> Any:
    """A copy with the schema files' references pointed at components: ``defs.json#/$defs/x``
    -> ``X``, ``#/$defs/x`` (local) -> ``{prefix}X``."""
    if isinstance(node, list):
        return [_rebase(item, prefix) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _rebase(_objects_only(key, value), prefix) for key, value in node.items()}
    target = node.get("$ref")
    if isinstance(target, str):
        file, _, pointer = target.partition("#")
        head, _, rest = pointer.removeprefix("/$defs/").partition("/")
        base = "" if file == "defs.json" else prefix
        result["$ref"] = f"#/components/schemas/{base}{camel(head)}" + (f"/{rest}" if rest
                                                                         else "")
    return result


def document_schemas(name: str, prefix: str, title: str | None = None) -> dict[str, Any]:
    """One schema file as components: the document itself and each of its $defs."""
    schema = _load_schema(name)
    if name == "object":
        schema["$defs"]["field"] = field_schema()
    defs = schema.pop("$defs", {})
    for key in ("$id", "$schema"):
        schema.pop(key, None)
    found = {f"{prefix}{camel(key)}": _rebase(value, prefix) for key, value in defs.items()}
    if title:
        found[title] = _rebase(schema, prefix)
    return found


def metadata_schemas() -> dict[str, Any]:
    """The shared definitions and every kind's document schema (``RoleDocument``...)."""
    found = document_schemas("defs", "")
    for kind in KIND_SEGMENTS.values():
        prefix = camel(kind)
        found.update(document_schemas(kind, prefix, f"{prefix}Document"))
    return found


# -- the platform's answer schemas -----------------------------------------------------

def _instant() -> dict[str, Any]:
    return {"type": ["string", "null"], "format": "date-time"}


def metadata_answer_schemas() -> dict[str, Any]:
    step = obj({"action": {"type": "string"}, "field": {"type": ["string", "null"]}},
               description="one migration step and its data impact (rows affected, "
                           "values that would not convert, examples)")
    plan = obj({"object": {"type": "string"}, "steps": {"type": "array", "items": step}})
    return {
        "MigrationStep": step,
        "MigrationPlan": plan,
        "DocumentSummary": obj({
            "api_name": {"type": "string"}, "label": {"type": ["object", "null"]},
            "version": {"type": "integer"},
            "origin": obj({"source": {"type": "string",
                                      "description": "tenant, or the pack it came from"}},
                          ["source"], description="where the document came from"),
            "customized": {"type": "boolean"},
            "hidden_fields": {"type": "array", "items": {"type": "string"},
                              "description": "objects only: removed fields whose data is "
                                             "kept until purged"}}),
        "ApplyResult": obj({"applied": {"type": "boolean"},
                            "version": {"type": "integer",
                                        "description": "the tenant's metadata version"},
                            "plan": ref("MigrationPlan")}, ["applied", "version"]),
        "HistoryEntry": obj({
            "version": {"type": "integer"}, "created_at": _instant(),
            "actor": {"type": ["string", "null"]}, "summary": {"type": "string"},
            "changes": {"type": "array", "items": obj({
                "kind": {"type": "string"}, "api_name": {"type": "string"},
                "diff": {"type": "array", "items": {"type": "object"},
                         "description": "RFC 6902 JSON Patch from the previous revision"}})}}),
        "RollbackResult": obj({
            "applied": {"type": "boolean"}, "version": {"type": "integer"},
            "plans": {"type": "array", "items": ref("MigrationPlan")},
            "kept_objects": {"type": "array", "items": {"type": "string"},
                             "description": "objects created after the target version, "
                                            "kept with their data"}}),
    }


def people_schemas() -> dict[str, Any]:
    levels = {"type": "object", "additionalProperties": {"enum": list(LEVELS)},
              "description": "field group -> level"}
    return {
        "User": obj({"id": {"type": "string", "format": "uuid"},
                     "email": {"type": "string", "format": "email"},
                     "name": {"type": "string"},
                     "roles": {"type": "array", "items": {"type": "string"}},
                     "department": {"type": ["string", "null"]},
                     "is_admin": {"type": "boolean"}, "active": {"type": "boolean"}},
                    ["id", "email", "roles", "is_admin", "active"]),
        "Token": obj({"id": {"type": "integer", "description": "not the secret"},
                      "label": {"type": "string"},
                      "user": {"type": "string", "format": "email"},
                      "status": {"enum": ["active", "expired", "revoked"]},
                      "created_at": _instant(), "expires_at": _instant(),
                      "last_used_at": {**_instant(), "description": "updated at most once a "
                                                                    "minute"},
                      "revoked_at": _instant()},
                     ["id", "label", "user", "status", "created_at"]),
        "FieldGroupLevels": levels,
        "Grant": obj({"id": {"type": "string", "format": "uuid"},
                      "grantee": {"type": "string",
                                  "description": "user:EMAIL or department:NAME"},
                      "field_groups": ref("FieldGroupLevels"),
                      "granted_by": {"type": ["string", "null"], "format": "uuid"},
                      "via": {"type": "string"}, "expires_at": _instant(),
                      "created_at": _instant(), "revoked_at": _instant()}),
        "AccessExplanation": obj({
            "object": {"type": "string"}, "record": {"type": "string", "format": "uuid"},
            "user": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}},
            "department": {"type": ["string", "null"]}, "admin": {"type": "boolean"},
            "visible": {"type": "object"}, "grants": {"type": "array"},
            "actions": {"type": "object", "description": "action -> verdict and rule"},
            "field_groups": {"type": "object",
                             "description": "group -> administrative and distribution "
                                            "verdicts, strategy, decision"},
            "fields": {"type": "object"},
            "distribute": {"type": "object",
                           "description": "whether the user may distribute the record, "
                                          "up to which level per group, and which limit "
                                          "applied (admin, holding, share_not_allowed)"}}),
    }


def record_schemas() -> dict[str, Any]:
    return {
        "RecordPage": with_count(items_of(ref("Record"), paged=True)),
        "AuditEntry": obj({"version": {"type": "integer"}, "action": {"type": "string"},
                           "actor": {"type": ["string", "null"], "format": "uuid"},
                           "at": _instant(),
                           "changes": {"type": "array", "items": obj({
                               "field": {"type": "string"}, "old": {}, "new": {}})}}),
    }


def automation_schemas() -> dict[str, Any]:
    step = obj({"step": {"type": "string"}, "attempt": {"type": "integer"},
                "outcome": {"type": "string"}, "input": {}, "output": {}, "error": {},
                "started_at": _instant(), "duration_ms": {"type": ["number", "null"]}})
    return {
        "Event": obj({"id": {"type": "string", "format": "uuid"}, "type": {"type": "string"},
                      "object": {"type": "string"},
                      "record": {"type": "string", "format": "uuid"},
                      "occurred_at": _instant(), "duplicate": {"type": "boolean"}},
                     ["id", "type", "duplicate"]),
        "RunStep": step,
        "Run": obj({"id": {"type": "string", "format": "uuid"},
                    "workflow": {"type": "string"}, "workflow_version": {"type": "integer"},
                    "object": {"type": "string"},
                    "record": {"type": ["string", "null"], "format": "uuid"},
                    "status": {"enum": list(RUN_STATUSES)}, "step": {"type": ["string", "null"]},
                    "due_at": _instant(), "trigger": {"type": "object"},
                    "started_at": _instant(), "finished_at": _instant(), "error": {},
                    "steps": {"type": "array", "items": ref("RunStep")}}),
        "WorkflowState": obj({"workflow": {"type": "string"}, "paused": {"type": "boolean"}},
                             ["workflow", "paused"]),
    }


def message_schemas() -> dict[str, Any]:
    return {
        "Message": obj({
            "id": {"type": "string", "format": "uuid"}, "object": {"type": ["string", "null"]},
            "record": {"type": ["string", "null"], "format": "uuid"},
            "channel": {"type": "string"}, "to": {"type": ["string", "null"]},
            "template": {"type": ["string", "null"]}, "subject": {"type": ["string", "null"]},
            "body": {"type": ["string", "null"]}, "locale": {"type": ["string", "null"]},
            "marketing": {"type": "boolean"}, "status": {"enum": list(MESSAGE_STATUSES)},
            "error": {"type": ["object", "null"]}, "attempts": {"type": "integer"},
            "workflow": {"type": ["string", "null"]},
            "run": {"type": ["string", "null"], "format": "uuid"},
            "step": {"type": ["string", "null"]}, "created_at": _instant(),
            "sent_at": _instant(), "updated_at": _instant(),
            "withheld": {"type": "array", "items": {"enum": ["subject", "body", "to"]},
                         "description": "parts left null: they rendered a field the "
                                        "reader may not read (or read only masked)"}}),
        "MessageSettings": obj({
            "marketing_daily_cap": {"type": "integer", "minimum": 0, "maximum": 100},
            "default_locale": {"enum": list(LANGUAGES)},
            "consent_required": {"type": "boolean",
                                 "description": "marketing goes only to recipients who "
                                                "opted in on the channel"},
            "overridden": {"type": "array", "items": {"type": "string"},
                           "description": "settings the tenant set (others are defaults)"},
            "from_document": {"type": "array", "items": {"type": "string"},
                              "description": "settings taken from the tenant's "
                                             "message_settings document (a pack's)"}}),
    }


def function_schemas() -> dict[str, Any]:
    return {
        "FunctionAnswer": obj({
            "ok": {"type": "boolean"}, "result": {}, "logs": {"type": "array",
                                                           "items": {"type": "string"}},
            "limits_used": {"type": "object"}, "changes": {"type": "object"},
            "duration_ms": {"type": ["number", "null"]},
            "error": {"type": ["object", "null"],
                      "description": "what failed, with line and column"}}),
        "ActionAnswer": obj({
            "ok": {"type": "boolean"}, "result": {}, "logs": {"type": "array"},
            "changes": {"type": "object"}, "limits_used": {"type": "object"},
            "record": ref("Record")}),
        "FunctionCall": obj({
            "id": {}, "function": {"type": "string"}, "version": {"type": "integer"},
            "caller": {"type": ["string", "null"]}, "purpose": {"type": "string"},
            "record_id": {"type": ["string", "null"], "format": "uuid"},
            "started_at": _instant(), "duration_ms": {"type": ["number", "null"]},
            "limits_used": {"type": ["object", "null"]}, "outcome": {"type": "string"},
            "error": {"type": ["object", "null"]}}),
    }


def scoring_schemas() -> dict[str, Any]:
    return {
        "ScoreBreakdown": obj({
            "model": {"type": "string"}, "object": {"type": "string"},
            "id": {"type": "string", "format": "uuid"}, "score": {},
            "threshold": {}, "changed": {"type": "boolean"}, "sets": {"type": "object"},
            "dimensions": {"type": "array", "items": {"type": "object"}}}),
        "ScoringRunSummary": obj({
            "model": {"type": "string"}, "object": {"type": "string"},
            "dry_run": {"type": "boolean"}, "scored": {"type": "integer"},
            "changed": {"type": "integer"}, "unchanged": {"type": "integer"},
            "batches": {"type": "integer"},
            "thresholds": {"type": "array", "items": obj({
                "at": {}, "reached": {"type": "integer"}, "entered": {"type": "integer"}})},
            "below_thresholds": {"type": "integer"},
            "clamped": {"type": "array", "items": {"type": "object"}},
            "records": {"type": "array", "items": {"type": "object"},
                        "description": "with explain or dry_run: per-record breakdowns"},
            "records_truncated": {"type": "boolean"}}),
    }


def platform_schemas() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in (metadata_schemas, metadata_answer_schemas, people_schemas, record_schemas,
                 automation_schemas, message_schemas, function_schemas, scoring_schemas,
                 distribution_schemas, webform_schemas, pack_schemas,
                 lifecycle_schemas, import_schemas, analytics_schemas):
        found.update(part())
    return found


# -- paths, area by area ---------------------------------------------------------------

READ_METADATA = ("Needs the customize right (a role's tenant-level action) or a tenant "
                 "administrator.")
READ_WORK_METADATA = ("Without the customize right: only documents of objects the caller's "
                      "roles let them read, without the fields they may not read (and "
                      "objects without their rules).")


def secret_paths() -> Paths:
    """The tenant's secret store: write-only values, listed by name and times."""
    summary = obj({"name": {"type": "string"}, "created_at": _instant(),
                   "created_by": {"type": "string"}, "updated_at": _instant(),
                   "updated_by": {"type": "string"}},
                  ["name", "created_at", "updated_at"],
                  description="never the value: values are write-only")
    body = obj({"value": {"type": "string", "minLength": 1, "maxLength": 8192}}, ["value"],
               closed=True)
    forbidden = {"403": "customize_required: needs the customize right or an administrator"}
    return {
        f"{API}/secrets": {"get": operation(
            "List the tenant's secrets", "secrets", {"200": answer(
                "names and times, never values", items_of(summary))},
            description="Use a secret as {{secret.name}} in a webhook step's URL or "
                        "headers, or in a function's http.get/post URL or headers.",
            fails=forbidden)},
        f"{API}/secrets/{{name}}": {
            "put": operation("Create or replace a secret", "secrets",
                             {"200": {**answer("stored encrypted; the answer has no value",
                                               summary), "links": {"DeleteSecret": link(
                                                   "delete /secrets/{name}",
                                                   {"name": "$request.path.name"})}}},
                             body=body, fails={**forbidden,
                                               "422": "bad name or value"}),
            "delete": operation("Delete a secret", "secrets",
                                {"204": answer("deleted")},
                                fails={**forbidden, "404": "unknown secret"}),
        },
    }


def document_links(segment: str, kind: str) -> dict[str, Any]:
    """Links from a stored document to reading it and, for workflows and functions, to
    what runs them."""
    same = {"api_name": "$request.path.api_name"}
    found = {"ReadDocument": link(f"get /meta/{segment}/{{api_name}}", same),
             "DeleteDocument": link(f"delete /meta/{segment}/{{api_name}}", same)}
    if kind == "workflow":
        workflow = {"workflow": "$request.path.api_name"}
        found |= {"StartWorkflow": link("post /workflows/{workflow}/runs", workflow),
                  "WorkflowRuns": link("get /workflows/{workflow}/runs", workflow),
                  "DryRunWorkflow": link("post /workflows/{workflow}/dry_run", workflow),
                  "PauseWorkflow": link("post /workflows/{workflow}/pause", workflow)}
    if kind == "function":
        found |= {"TestFunction": link("post /meta/functions/{api_name}/test", same),
                  "FunctionCalls": link("get /meta/functions/{api_name}/calls", same)}
    if kind == "scoring_model":
        found |= {"RunModel": link("post /scoring_models/{name}/run",
                                   {"name": "$request.path.api_name"})}
    return found


def meta_kind_paths(segment: str, kind: str) -> Paths:
    """List, read, replace and delete the documents of one kind."""
    document = ref(f"{camel(kind)}Document")
    put_parameters = [query("dry_run", "plan only: steps and data impact, nothing applied",
                            {"type": "boolean", "default": False})]
    put_description = ("Create or replace the document; kind and api_name may be left out "
                       "(taken from the URL). Answers the applied plan and the new metadata "
                       "version.")
    if kind == "object":
        put_parameters.append({**query(
            "convert", "FIELD:POLICY, repeatable: allow a narrowing or lossy type change",
            {"type": "array", "items": {"type": "string",
                                        "pattern": f"^[^:]+:({'|'.join(CONVERSION_POLICIES)})$"}}),
            "style": "form", "explode": True})
    if kind == "function":
        put_description += " Compile errors are 422 with line and column."
    delete_description = ("Objects are never deleted this way (409); a role still held or a "
                          "department still used is refused (409) with the list.")
    readers = (READ_WORK_METADATA if kind in ("object", "layout") else READ_METADATA)
    return {
        f"{API}/meta/{segment}": {"get": operation(
            f"List {kind} documents", "metadata",
            {"200": answer("summaries with origin and version", items_of(
                ref("DocumentSummary")))}, description=readers,
            fails={"403": "customize_required: the caller may not read this kind"})},
        f"{API}/meta/{segment}/{{api_name}}": {
            "get": operation(f"Read the {kind} document", "metadata",
                             {"200": answer("the document; with layers=true the document "
                                            "with the layer of each property",
                                            {"anyOf": [document, ref("DocumentLayers")]})},
                             description=readers, parameters=[query(
                                 "layers", "true: which layer (pack or tenant) each "
                                 "property comes from (customizers only)",
                                 {"type": "boolean"})],
                             fails={"404": "unknown document",
                                    "403": "customize_required: the caller may not read "
                                           "it"}),
            "put": operation(f"Create or replace the {kind} document", "metadata",
                             {"200": {**answer("applied, or the plan with dry_run",
                                               ref("ApplyResult")),
                                      "links": document_links(segment, kind)}},
                             description=put_description, parameters=put_parameters,
                             body=document, admin=True,
                             fails={"409": "refused change (a narrowing without conversion, "
                                           "a name taken)",
                                    "422": "invalid document, with JSON Pointers"}),
            "delete": operation(f"Delete the {kind} document", "metadata",
                                {"200": answer("deleted as a new metadata version",
                                               ref("ApplyResult"))},
                                description=delete_description, admin=True,
                                fails={"404": "unknown document", "409": "still in use"}),
        },
    }


def meta_paths() -> Paths:
    paths: Paths = {}
    for segment, kind in KIND_SEGMENTS.items():
        paths.update(meta_kind_paths(segment, kind))
    paths[f"{API}/meta/objects/{{api_name}}/purge-field"] = {"post": operation(
        "Drop a removed field's column and data for good", "metadata",
        {"200": answer("the new metadata version and the purge step", obj({
            "version": {"type": "integer"}, "step": ref("MigrationStep")}))},
        body=obj({"field": {"type": "string"}}, ["field"]), admin=True,
        fails={"404": "unknown object, or the field is not a removed one",
               "422": "field missing"})}
    paths[f"{API}/meta/history"] = {"get": operation(
        "Metadata versions, newest first", "metadata",
        {"200": answer("who, when, what changed", items_of(ref("HistoryEntry")))},
        parameters=[limit_param(), query("before", "only versions older than this one",
                                         {"type": "integer", "minimum": 1,
                                          "maximum": 2**31})],
        fails={"422": f"limit or before out of range ({BAD_LIST_PARAMETER})"})}
    paths[f"{API}/meta/rollback"] = {"post": operation(
        "Back to an earlier metadata version, as a new version", "metadata",
        {"200": answer("applied, or the plans with dry_run", ref("RollbackResult"))},
        parameters=[query("dry_run", "plan only: every document's steps and data impact, "
                          "nothing applied", {"type": "boolean", "default": False})],
        body=obj({"version": {"type": "integer"},
                  "conversions": {"type": "object", "description": "object -> field -> "
                                  "conversion policy", "additionalProperties": {
                                      "type": "object", "additionalProperties": {
                                          "enum": list(CONVERSION_POLICIES)}}}},
                 ["version"]),
        description="Objects created after that version are kept with their data.",
        admin=True, fails={"409": "a change the rollback needs is refused",
                           "422": "unknown version or invalid conversions"})}
    return paths


def people_paths() -> Paths:
    user = ref("User")
    # the JSON Schemas the server checks user bodies with
    user_input, user_change = (document_schemas(name, "", "body")["body"]
                               for name in ("user", "user_change"))
    return {
        f"{API}/users": {
            "get": operation("List the tenant's users", "people",
                             {"200": answer("users by email", items_of(user))}),
            "post": operation("Create a user", "people",
                              {"201": answer("created (Location: the user)", user)},
                              body=user_input, admin=True,
                              fails={"409": "email taken",
                                     "422": "invalid email, unknown role or department"}),
        },
        f"{API}/users/{{email}}": {
            "get": operation("Read a user", "people", {"200": answer("the user", user)},
                             fails={"404": "unknown user"}),
            "patch": operation("Change a user's name, roles, department, admin or active "
                               "flag", "people", {"200": answer("the user", user)},
                               body=user_change, admin=True,
                               description="Deactivating a user revokes their tokens.",
                               fails={"404": "unknown user", "422": "invalid change",
                                      "409": "the last active administrator would lose "
                                             "the admin or active flag"}),
        },
        f"{API}/tokens": {"get": operation(
            "List API tokens", "people",
            {"200": answer("newest first; the secrets are never shown again",
                           items_of(ref("Token")))},
            description="The caller's own tokens; an administrator's list holds every "
                        "token of the tenant. Issue tokens with `objectry token create "
                        "[--expires-in 30d]`.",
            parameters=[query("user", "only this user's tokens (by email)",
                              {"type": "string", "format": "email"})])},
        f"{API}/tokens/{{token}}": {"delete": operation(
            "Revoke an API token", "people", {"204": {"description": "revoked"}},
            description="One's own token; an administrator may revoke anyone's. "
                        "Deactivating a user revokes all of theirs for good.",
            fails={"404": "no such token, or another user's"})},
        f"{API}/departments": {"get": operation(
            "The department tree", "people",
            {"200": answer("every department", items_of(ref("DepartmentDocument")))})},
        f"{API}/departments/{{name}}": {"put": operation(
            "Create or replace a department", "people",
            {"200": answer("applied", ref("ApplyResult"))},
            description="Same as PUT /meta/departments/{api_name}.",
            body=ref("DepartmentDocument"), admin=True,
            fails={"422": "invalid department (unknown parent, a cycle)"})},
    }


def access_paths() -> Paths:
    record = f"{API}/records/{{object}}/{{id}}"
    grant = ref("Grant")
    grant_input = obj({"grantee": {"type": "string",
                                   "description": "user:EMAIL or department:NAME"},
                       "field_groups": ref("FieldGroupLevels"),
                       "expires_at": _instant(),
                       "via": {"type": "string", "maxLength": 120}}, closed=True)
    not_yours = ("the caller neither controls the record nor may share it, or the grant "
                 "is someone else's")
    same_grant = {"object": "$request.path.object", "id": "$request.path.id",
                  "grant": "$response.body#/id"}
    grant_links = {"ChangeGrant": link("patch /records/{object}/{id}/grants/{grant}",
                                       same_grant),
                   "RevokeGrant": link("delete /records/{object}/{id}/grants/{grant}",
                                       same_grant),
                   "ListGrants": link("get /records/{object}/{id}/grants", {
                       "object": "$request.path.object", "id": "$request.path.id"})}
    return {
        f"{record}/grants": {
            "get": operation("A record's distribution grants", "access",
                             {"200": answer("live grants", items_of(grant))},
                             parameters=[query("include_inactive",
                                               "also revoked and expired grants",
                                               {"type": "boolean", "default": False})],
                             fails={"403": "the record is not readable"}),
            "post": operation("Distribute a record", "access",
                              {"201": {**answer("the grant", grant), "links": grant_links}},
                              description="The owner, admins and holders of the share right "
                                          "may grant; nobody but an admin gives more than "
                                          "they hold (owners included), nobody to "
                                          "themselves.",
                              body={**grant_input, "required": ["grantee", "field_groups"]},
                              fails={"403": "not allowed to distribute, or more than held",
                                     "422": "unknown grantee, group or level; expiry in the "
                                            "past"}),
        },
        f"{record}/grants/{{grant}}": {
            "patch": operation("Change a grant's levels or expiry", "access",
                               {"200": answer("the grant", grant)}, body=grant_input,
                               fails={"403": not_yours, "404": "unknown grant",
                                      "422": "invalid change (the grantee is immutable)"}),
            "delete": operation("Revoke (reclaim) a grant", "access",
                                {"204": answer("revoked")},
                                fails={"403": not_yours, "404": "unknown grant"}),
        },
        f"{record}/access": {"get": operation(
            "Explain a user's access to a record", "access",
            {"200": answer("per action and field group: verdicts, rules, grants, strategy, "
                           "decision", ref("AccessExplanation"))},
            description="Admins, the record's owner, or the user about themselves.",
            parameters=[query("user", "email of the user to explain", {"type": "string"},
                              required=True)],
            fails={"403": "not allowed to explain this record", "422": "unknown user"})},
    }


def list_parameters(*, paged: bool = True) -> list[dict[str, Any]]:
    """The query parameters of a record list (filter, sort, fields, view, paging)."""
    parameters = [
        query("filter", "a condition tree as JSON", {"type": "string"}),
        query("sort", "comma-separated fields, '-' for descending: -created_at,name "
                      "(default: newest first)", {"type": "string"}),
        query("fields", "comma-separated fields to return (id always comes)",
              {"type": "string"}),
        query("view", "all (default), own (owned by the caller), shared (distributed to "
                      "the caller)", {"enum": ["all", "own", "shared"]}),
    ]
    if paged:
        parameters += [limit_param(), cursor_param()]
    return parameters


def record_paths() -> Paths:
    """Record endpoints every object has besides create/read/update/delete/list."""
    record = f"{API}/records/{{object}}/{{id}}"
    page = ref("RecordPage")
    list_fails = {"400": "malformed filter JSON, or a cursor of another query",
                  "422": f"invalid filter, sort, fields or limit ({BAD_LIST_PARAMETER})"}
    query_body = obj({"filter": ref("Condition"),
                      "sort": {"type": ["string", "array"], "items": {"type": "string"}},
                      "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                "default": DEFAULT_LIMIT},
                      "cursor": {"type": ["string", "null"]},
                      "fields": {"type": ["string", "array"], "items": {"type": "string"}},
                      "view": {"enum": ["all", "own", "shared"]},
                      "count": {"type": "boolean", "default": False,
                                "description": "add count and count_capped to the page"}},
                     closed=True)
    export = {"description": "every matching record the caller may see",
              "content": {"text/csv": {"schema": {"type": "string"}},
                          EXPORT_MIMETYPES["xlsx"]: {"schema": {"type": "string"}},
                          "application/x-ndjson": {"schema": {"type": "string"}}}}
    return {
        f"{API}/records/{{object}}/query": {"post": operation(
            "List records with a JSON query", "records", {"200": answer("a page", page)},
            body=query_body, fails={**list_fails,
                                    "400": "malformed JSON, or a cursor of another query"})},
        f"{API}/records/{{object}}/export": {"get": operation(
            "Export a list as CSV, XLSX or JSON lines", "records", {"200": export},
            parameters=[query("format", "csv (default, UTF-8 with BOM), xlsx or jsonl",
                              {"enum": list(EXPORT_FORMATS), "default": "csv"}),
                        query("labels", "picklist values as their labels in the caller's "
                              "language", {"enum": ["true", "false", "1", "0"],
                                           "default": "false"}),
                        *list_parameters(paged=False)],
            description="The body streams as the records are read.",
            fails={**list_fails, "400": "malformed filter JSON"})},
        f"{API}/recycle-bin/{{object}}": {"get": operation(
            "Deleted records of an object", "records", {"200": answer("a page", page)},
            parameters=list_parameters(), fails=list_fails)},
        f"{record}/restore": {"post": operation(
            "Restore a record from the recycle bin", "records",
            {"200": answer("the record (ETag: its version)", ref("Record"))},
            description="Also brings back what its delete cascaded to.",
            fails={"403": "no restore right", "404": "unknown record, or a cascade lookup's "
                                                    "target is gone",
                   "409": "the record is not in the recycle bin, or it was merged "
                          "(record_merged: undo the merge with /unmerge)"})},
        f"{record}/related/{{child_object}}": {"get": operation(
            "Related list: child records pointing at this record", "records",
            {"200": answer("a page", page)},
            parameters=[query("via", "the child's lookup field (needed when it has several)",
                              {"type": "string"}), *list_parameters()],
            fails={"400": list_fails["400"],
                   "422": "via is not a lookup to this object (or is needed), invalid "
                          f"list parameters ({BAD_LIST_PARAMETER})"})},
        f"{record}/actions/{{function}}": {"post": operation(
            "Run a record button (a function with purpose action or button)", "functions",
            {"200": answer("the function ran; its changes are saved",
                           ref("ActionAnswer"))},
            description="The body may be left out (no params). A button the caller may "
                        "not run, or a record they may not edit, is refused.",
            body=obj({"params": {"type": "object"}}), body_required=False,
            fails={"403": "the record or the button is not the caller's to use",
                   "404": "unknown object, record or function (or not a button of this "
                          "object)",
                   "422": "the function failed or its changes were refused",
                   "503": "no function worker free"})},
        f"{record}/audit": {"get": operation(
            "Field-level audit trail, newest first", "records",
            {"200": answer("who, when, old and new values", items_of(ref("AuditEntry")))},
            parameters=[limit_param()], fails={"403": "the record is not readable",
                                               "422": f"limit out of range "
                                                      f"({BAD_LIST_PARAMETER})"})},
    }


def workflow_paths() -> Paths:
    workflow = f"{API}/workflows/{{workflow}}"
    same = {"workflow": "$request.path.workflow"}
    unknown = {"404": "unknown workflow"}
    manual_body = {**obj({"records": {"type": "array", "minItems": 1, "maxItems": 1000,
                                      "items": {"type": "string", "format": "uuid"}},
                          "filter": ref("Condition")},
                         description="records, or a filter on the workflow's object"),
                   "examples": [{"filter": {"field": "id", "op": "is_not_empty"}}]}
    dry_run_body = obj({"workflow": ref("WorkflowDocument"), "filter": ref("Condition"),
                        "limit": {"type": "integer", "minimum": 1, "maximum": 500,
                                  "default": 100},
                        "event": {"type": "object"}}, closed=True)
    migrate_body = obj({"from_version": {"type": "integer"},
                        "to_version": {"type": ["integer", "string"], "default": "latest"}},
                       closed=True)
    same = {"workflow": "$request.path.workflow"}
    pause = {"200": {**answer("the workflow's state", ref("WorkflowState")), "links": {
        "WorkflowRuns": link("get /workflows/{workflow}/runs", same),
        "ResumeWorkflow": link("post /workflows/{workflow}/resume", same),
        "PauseWorkflow": link("post /workflows/{workflow}/pause", same)}}}
    return {
        f"{workflow}/runs": {
            "get": operation("A workflow's runs with every step", "automation",
                             {"200": {**answer("runs, newest first", items_of(ref("Run"))),
                                      "links": run_links("$response.body#/items/0/id")}},
                             parameters=[limit_param(), status_param(RUN_STATUSES)],
                             admin=True, fails={"422": "invalid limit or status"}),
            "post": operation("Start a manual workflow", "automation",
                              {"202": {**answer("the runs started", obj({
                                  "workflow": {"type": "string"},
                                  "started": {"type": "integer"},
                                  "runs": {"type": "array", "items": {"type": "string"}}})),
                                  "links": {**run_links("$response.body#/runs/0"),
                                            "WorkflowRuns": link(
                                                "get /workflows/{workflow}/runs", same)}}},
                              body=manual_body, admin=True,
                              fails={**unknown, "409": "not a manual or not an active "
                                                       "workflow",
                                     "422": "no records or filter, unknown records"}),
        },
        f"{workflow}/dry_run": {"post": operation(
            "What the workflow would do; writes nothing", "automation",
            {"200": answer("the records it would start for and each run's path",
                           {"type": "object"})},
            description="Of the saved workflow, or of the draft in the body.",
            body=dry_run_body, body_required=False, admin=True,
            fails={**unknown, "422": "invalid draft or options"})},
        f"{workflow}/migrate_runs": {"post": operation(
            "Move runs in flight to another version of the workflow", "automation",
            {"200": answer("moved and skipped runs", obj({
                "workflow": {"type": "string"}, "to_version": {"type": "integer"},
                "moved": {"type": "array", "items": {"type": "object"}},
                "skipped": {"type": "array", "items": {"type": "object"}}}))},
            body=migrate_body, body_required=False, admin=True,
            fails={**unknown, "422": "unknown version"})},
        f"{workflow}/pause": {"post": operation("Pause a workflow", "automation", pause,
                                                admin=True, fails=unknown)},
        f"{workflow}/resume": {"post": operation("Resume a workflow", "automation", pause,
                                                 admin=True, fails=unknown)},
    }


def run_links(run: str) -> dict[str, Any]:
    """Links from an answer naming a run (``run`` a runtime expression) to the run."""
    ids = {"run": run}
    return {"ReadRun": link("get /runs/{run}", ids),
            "PauseRun": link("post /runs/{run}/pause", ids),
            "ResumeRun": link("post /runs/{run}/resume", ids),
            "CancelRun": link("post /runs/{run}/cancel", ids)}


def run_paths() -> Paths:
    run = ref("Run")
    unknown = {"404": "unknown run"}
    first_run = run_links("$response.body#/items/0/id")
    return {
        f"{API}/records/{{object}}/{{id}}/runs": {"get": operation(
            "A record's workflow runs with every step", "automation",
            {"200": {**answer("runs, newest first", items_of(run)), "links": first_run}},
            description="For whoever can read the record; the values a run kept (an "
                        "update's changes, a step's values, a recipient, a score) as on "
                        "the record: hidden fields absent, sensitive ones masked.",
            parameters=[limit_param(), status_param(RUN_STATUSES)],
            fails={"403": "the record is not readable", "422": "invalid limit or status"})},
        f"{API}/runs/{{run}}": {"get": operation(
            "A run with every step", "automation", {"200": answer("the run", run)},
            admin=True, fails=unknown)},
        f"{API}/runs/{{run}}/cancel": {"post": operation(
            "Cancel a run", "automation", {"200": answer("the cancelled run", run)},
            admin=True, fails={**unknown, "409": "the run has finished"})},
        f"{API}/runs/{{run}}/pause": {"post": operation(
            "Pause one run where it is", "automation", {"200": answer("the paused run", run)},
            admin=True,
            fails={**unknown, "409": "the run has finished or is executing a step"})},
        f"{API}/runs/{{run}}/resume": {"post": operation(
            "Resume a paused run", "automation", {"200": answer("the resumed run", run)},
            admin=True, fails={**unknown, "409": "the run has finished"})},
    }


def automation_paths() -> Paths:
    event_body = obj({"object": {"type": "string"},
                      "record": {"type": "string", "format": "uuid"},
                      "type": {"type": "string", "pattern": "^[a-z][a-z0-9_.]{0,62}$",
                               "description": "not starting with record."},
                      "occurred_at": _instant(),
                      "data": {"type": "object"},
                      "key": {"type": "string", "minLength": 1, "maxLength": 200,
                              "description": "idempotency key: the same key records one "
                                             "event"}},
                     ["object", "record", "type"], closed=True)
    secret = obj({"secret": {"type": "string"}, "header": {"type": "string"},
                  "scheme": {"type": "string"}}, ["secret"])
    return {
        f"{API}/events": {"post": operation(
            "Record an external event about a record", "automation",
            {"202": answer("recorded", ref("Event")),
             "200": answer("already recorded under this key", ref("Event"))},
            description="A page view, a download, an opened email: matched to workflows "
                        "like record changes.",
            body=event_body, fails={"422": "invalid event, unknown object or record"})},
        **workflow_paths(),
        **run_paths(),
        f"{API}/automation/webhook_secret": {"get": operation(
            "The webhook signing secret", "automation",
            {"200": answer("the secret and how requests are signed", secret)},
            description="Created on first read.", admin=True)},
        f"{API}/automation/webhook_secret/rotate": {"post": operation(
            "Rotate the webhook signing secret", "automation",
            {"200": answer("the new secret", secret)}, admin=True)},
    }


def message_paths() -> Paths:
    settings = ref("MessageSettings")
    settings_body = obj({"marketing_daily_cap": {"type": ["integer", "null"], "minimum": 0,
                                                 "maximum": 100},
                         "default_locale": {"enum": [*LANGUAGES, None]}},
                        closed=True, description="null resets a value to the default")
    return {
        f"{API}/messages": {"get": operation(
            "Messages sent, failed, capped or waiting in an outbox", "messages",
            {"200": answer("newest first", items_of(ref("Message"), paged=True))},
            description="With record: for whoever can read the record. Without: admin only "
                        "(the whole tenant).",
            parameters=[query("record", "OBJECT/ID: one record's messages",
                              {"type": "string", "pattern": "^[^/]+/[^/]+$"}),
                        status_param(MESSAGE_STATUSES), limit_param(), cursor_param()],
            fails={"400": "an unknown cursor",
                   "403": "the record is not readable, or no record and not an admin",
                   "404": "unknown object or record",
                   "422": "invalid record, status or limit"})},
        f"{API}/messages/settings": {
            "get": operation("Channel settings in force", "messages",
                             {"200": answer("the settings", settings)}, admin=True),
            "put": operation("Change channel settings", "messages",
                             {"200": answer("the settings", settings)}, body=settings_body,
                             admin=True, fails={"422": "out of range or unknown locale"}),
        },
    }


def function_paths() -> Paths:
    function = f"{API}/meta/functions/{{api_name}}"
    test_body = obj({"record": obj({"object": {"type": "string"},
                                    "id": {"type": "string", "format": "uuid"}}, ["id"]),
                     "params": {"type": "object"}})
    return {
        f"{function}/test": {"post": operation(
            "Dry-run a function; every write is undone", "functions",
            {"200": answer("what it returned, logged, used and would have changed",
                           ref("FunctionAnswer"))},
            body=test_body, body_required=False, admin=True,
            fails={"404": "unknown function or record", "422": "invalid record or params"})},
        f"{function}/calls": {"get": operation(
            "A function's recent calls, newest first", "functions",
            {"200": answer("the call log", items_of(ref("FunctionCall")))},
            parameters=[limit_param(default=20)], admin=True,
            fails={"422": f"limit out of range ({BAD_LIST_PARAMETER})"})},
    }


def scoring_paths() -> Paths:
    run_body = obj({"filter": ref("Condition"),
                    "limit": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                    "dry_run": {"type": "boolean", "default": False},
                    "explain": {"type": "boolean", "default": False}}, closed=True)
    return {
        f"{API}/scoring_models/{{name}}/run": {"post": operation(
            "Score the model's records", "scoring",
            {"200": answer("the run summary", ref("ScoringRunSummary"))},
            description="All records of the model's object, or those of the filter; with "
                        "dry_run nothing is written.",
            body=run_body, body_required=False, admin=True,
            fails={"404": "unknown scoring model", "422": "invalid options"})},
        f"{API}/records/{{object}}/{{id}}/score": {"get": operation(
            "One record's score breakdown (not saved)", "scoring",
            {"200": answer("points per dimension, score, threshold", ref("ScoreBreakdown"))},
            description="Shown as the caller sees the record: fields they cannot read are "
                        "absent or masked, criteria on them withheld, activities counted "
                        "over those they may see.",
            parameters=[query("model", "api_name of the scoring model",
                              {"type": "string", "minLength": 1}, required=True)],
            fails={"403": "the record is not readable",
                   "404": "unknown object, record or model",
                   "422": "no model, or a model of another object"})},
    }


def distribution_schemas() -> dict[str, Any]:
    uuid_text = {"type": "string", "format": "uuid"}
    return {
        "OwnerChange": obj({
            "id": uuid_text, "owner": uuid_text,
            "previous_owner": {"type": ["string", "null"], "format": "uuid"},
            "version": {"type": "integer"}, "changed": {"type": "boolean"},
            "grants_revoked": {"type": "integer"}}),
        "OwnerChanges": obj({"changed": {"type": "integer"}, "unchanged": {"type": "integer"},
                             "items": {"type": "array", "items": ref("OwnerChange")}}),
        "AssignmentDecision": obj({
            "rule": {"type": "string"}, "entry": {"type": ["integer", "null"]},
            "method": {"type": ["string", "null"]}, "picked": {"type": ["string", "null"]},
            "owner": {"type": ["string", "null"]},
            "reason": {"enum": ["no_eligible_recipient", "no_entry_matched"]},
            "levels": {"type": "object", "additionalProperties": {"type": "string"}},
            "fallback_pool": {"type": "string"},
            "tried": {"type": "array", "items": {"type": "object"},
                      "description": "each matching entry: candidates and who was "
                                     "skipped why (inactive, over_capacity...)"}}),
        "AssignmentCheck": obj({
            "rule": {"type": "string"}, "checked": {"type": "integer"},
            "taken": {"type": "integer"},
            "missed": {"type": "array", "items": {"type": "object"}},
            "near_misses": {"type": "array", "items": {"type": "object"}},
            "summary": {"type": "boolean",
                        "description": "a summary: counts per entry over every selected "
                                       "record; near_misses then left out"},
            "missed_count": {"type": "integer",
                             "description": "summary: the records no entry takes"},
            "entries": {"type": "array", "items": obj({
                "entry": {"type": "integer"}, "method": {"type": "string"},
                "eligible": {"type": "array", "items": {"type": "string"}},
                "open": {"type": "boolean"}, "records": {"type": "integer"}}),
                "description": "summary: how many records each entry would take"}}),
        "AssignmentRun": obj({
            "rule": {"type": "string"}, "assigned": {"type": "integer"},
            "failed": {"type": "integer"},
            "items": {"type": "array", "items": obj({
                "id": uuid_text, "assigned": {"type": "boolean"},
                "changed": {"type": "boolean"},
                "owner": {"type": ["string", "null"], "format": "uuid"},
                "version": {"type": "integer"},
                "pool": {"type": "string",
                         "description": "nobody was eligible: the rule's fallback pool "
                                        "took the record"},
                "grant": {"type": "string", "format": "uuid",
                          "description": "an entry with levels: the distribution grant "
                                         "the pick received (the owner stays)"},
                "decision": ref("AssignmentDecision")})}}),
        "PoolRecords": obj({"pool": {"type": "string"},
                            "items": {"type": "array", "items": {"type": "object"}}}),
        "PoolMoves": obj({"pool": {"type": "string"}, "items": {"type": "array", "items": obj({
            "id": uuid_text, "state": {"enum": ["pooled", "claimed"]},
            "owner": {"type": ["string", "null"]},
            "previous_owner": {"type": ["string", "null"]},
            "grants_revoked": {"type": "integer"}, "version": {"type": "integer"},
            "due_at": {"type": ["string", "null"], "format": "date-time",
                       "description": "when the claimed record returns to the pool "
                                      "unless it sees activity"}})}}),
    }


def distribution_paths() -> Paths:
    uuid_text = {"type": "string", "format": "uuid"}
    owner = {"type": "string", "minLength": 1,
             "description": "the new owner: user:EMAIL, an email or a user id"}
    grants = {"enum": ["keep", "revoke"], "default": "keep",
              "description": "keep the record's live distribution grants, or revoke them"}
    reason = {"type": "string", "maxLength": 500}
    selection = {"ids": {"type": "array", "minItems": 1, "maxItems": 1000,
                         "items": {"type": "string"}},
                 "filter": ref("Condition"), "view": {"enum": ["all", "own", "shared"]}}
    reassign = ("Administrators and the record's owner (with edit on the object) may "
                "reassign; the audit entry carries the reason and a record.owner_changed "
                "event is written. The only way an owner changes (PATCH of owner is "
                "refused with owner_via_command).")
    return {
        f"{API}/records/{{object}}/{{id}}/owner": {"post": operation(
            "Change the record's owner", "records",
            {"200": answer("the owner change (ETag: the version)", ref("OwnerChange"))},
            description=reassign + " If-Match (a version) guards against a stale read.",
            body=obj({"owner": owner, "grants": grants, "reason": reason}, ["owner"],
                     closed=True),
            fails={"403": "reassign_not_allowed: neither the owner nor an administrator",
                   "412": "If-Match is not the current version",
                   "422": "owner_not_active_user, or a bad grants or reason"})},
        f"{API}/records/{{object}}/owner": {"post": operation(
            "Change the owner of many records (ids or a filter)", "records",
            {"200": answer("each record's owner change", ref("OwnerChanges"))},
            description=reassign + " The filter is read as a list reads it (the caller's "
                        "visibility, fields they may filter on); at most 1000 records, "
                        "one transaction: any refusal changes nothing.",
            body=obj({"owner": owner, "grants": grants, "reason": reason, **selection},
                     ["owner"], closed=True),
            fails={"403": "a record the caller may not reassign",
                   "422": "no or both of ids and filter, too many records, a bad owner"})},
        f"{API}/assignment_rules/{{name}}/apply": {"post": operation(
            "Run an assignment rule over records (ids or a filter)", "records",
            {"200": answer("each record's decision and owner change", ref("AssignmentRun"))},
            description="The first entry whose condition holds and that has an eligible "
                        "recipient decides; a record nobody is eligible for keeps its owner "
                        "(assigned: false, a record.assignment_failed event). Administrators "
                        "and the rule's usable_by may apply it; each record must be theirs "
                        "to reassign.",
            body=obj(selection, closed=True),
            fails={"403": "not usable by the caller, or a record they may not reassign",
                   "404": "unknown rule or record",
                   "409": "the rule is not active",
                   "422": "no or both of ids and filter, too many records"})},
        f"{API}/records/{{object}}/distribute": {"post": operation(
            "Distribute many records to users and departments, with levels", "records",
            {"200": answer("the grants made, per record", obj({
                "granted": {"type": "integer"},
                "items": {"type": "array", "items": obj({
                    "id": {"type": "string"},
                    "grants": {"type": "array", "items": uuid_text}})}}))},
            description="Each selected record (ids, or a filter and view as a list reads "
                        "them; at most 1000) is given to each recipient of to as a "
                        "distribution grant with its field-group levels, checked as "
                        "POST /records/{object}/{id}/grants checks one. One transaction: "
                        "any refusal changes nothing.",
            body=obj({**selection, "to": {"type": "array", "minItems": 1, "maxItems": 50,
                                          "items": obj({
                                              "grantee": {"type": "string"},
                                              "field_groups": {"type": "object"},
                                              "expires_at": _instant()},
                                              ["grantee", "field_groups"])}},
                     ["to"], closed=True),
            fails={"403": "share_not_allowed or a record the caller cannot read",
                   "404": "unknown record",
                   "422": "no or both of ids and filter, too many records, a bad "
                          "recipient (pointer under /to/N)"})},
        f"{API}/records/{{object}}/recall": {"post": operation(
            "Reclaim (回收) the distribution grants of many records", "records",
            {"200": answer("how many grants each record lost", obj({
                "revoked": {"type": "integer"},
                "items": {"type": "array", "items": obj({
                    "id": {"type": "string"}, "revoked": {"type": "integer"}})}}))},
            description="Revokes the selected records' live grants (those to grantees "
                        "only, when named), as DELETE of each grant would: owners and "
                        "administrators revoke any, sharers their own. One transaction.",
            body=obj({**selection, "grantees": {"type": "array", "minItems": 1,
                                                "items": {"type": "string"}}},
                     closed=True),
            fails={"403": "share_not_allowed or grant_not_yours",
                   "404": "unknown record",
                   "422": "no or both of ids and filter, too many records, bad grantees"})},
        f"{API}/records/{{object}}/tags": {"post": operation(
            "Add or remove tags (values of a multi-valued field) on many records", "records",
            {"200": answer("each record's values after the change", obj({
                "changed": {"type": "integer"}, "unchanged": {"type": "integer"},
                "items": {"type": "array", "items": obj({
                    "id": {"type": "string"}, "changed": {"type": "boolean"},
                    "version": {"type": "integer"}})}}))},
            description="Each selected record's values of field, plus add, minus remove, "
                        "written as an update of the record (access, version, audit and "
                        "event as PATCH). One transaction: any refusal changes nothing.",
            body=obj({**selection, "field": {"type": "string"},
                      "add": {"type": "array", "maxItems": 50, "items": {"type": "string"}},
                      "remove": {"type": "array", "maxItems": 50,
                                 "items": {"type": "string"}}}, ["field"], closed=True),
            fails={"403": "a record the caller may not edit",
                   "404": "unknown record",
                   "422": "not a multi-valued field, no values, a value not an option"})},
        f"{API}/records/{{object}}/{{id}}/watch": {
            **{method: operation(
                summary, "records",
                {"200": answer("whether the caller follows the record, and how many do",
                               obj({"id": {"type": "string"}, "watching": {"type": "boolean"},
                                    "watchers": {"type": "integer"}}))},
                description="Anyone who may read the record may follow it (seed 004: "
                            "关注); following twice is following once.",
                fails={"403": "the record is not readable", "404": "unknown record",
                       "422": "watch_needs_user: a token of no user"})
               for method, summary in (("get", "Whether the caller follows the record"),
                                       ("put", "Follow (watch) the record"),
                                       ("delete", "Stop following the record"))}},
        f"{API}/records/{{object}}/{{id}}/assignments": {"get": operation(
            "The record's owner changes and failed assignments, newest first", "records",
            {"200": answer("when, who, old and new owner, why (a reason or a rule's "
                           "decision)", items_of(obj({
                               "kind": {"enum": ["owner_changed", "assignment_failed",
                                                 "distributed"]},
                               "at": _instant(),
                               "actor": {"type": ["string", "null"], "format": "uuid"},
                               "old": {"type": ["string", "null"]},
                               "new": {"type": ["string", "null"]},
                               "because": {"type": "object"},
                               "grants_revoked": {"type": "integer"},
                               "decision": {"type": ["object", "null"]}})))},
            parameters=[limit_param()],
            fails={"403": "the record is not readable",
                   "422": f"limit out of range ({BAD_LIST_PARAMETER})"})},
        f"{API}/assignment_rules/{{name}}/check": {"post": operation(
            "Gap finder: the records a rule misses, and how nearly", "records",
            {"200": answer("missed records and near misses with suggested fixes",
                           ref("AssignmentCheck"))},
            description="A dry run over ids, or a filter and view (default: every record "
                        "the caller sees, up to limit): who each record would go to, the "
                        "records no entry takes, and near misses (a value equal after "
                        "folding or naming the same option, a phone whose area code dials "
                        "the city the condition names) with a fix. Nothing is written; "
                        "only fields the caller may read, unmasked, are looked at.",
            body=obj({**selection, "limit": {"type": "integer", "minimum": 1,
                                             "maximum": 1000, "default": 1000},
                      "summary": {"type": "boolean", "default": False,
                                  "description": "count over every selected record (no "
                                                 "limit): records per entry in SQL, and "
                                                 "the first limit missed records with "
                                                 "their near misses; not with ids"}},
                     closed=True), body_required=False,
            fails={"403": "not usable by the caller", "404": "unknown rule or record",
                   "409": "the rule is not active",
                   "422": "both ids and filter, bad limit, summary with ids"})},
        **pool_paths(),
    }


def pool_paths() -> Paths:
    """Lead pools (公海): a pool's records, add, claim, return, reclaim."""
    reason = {"type": "string", "minLength": 1, "maxLength": 500}
    ids = {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": "string"}}
    selection = {"ids": ids, "filter": ref("Condition"),
                 "view": {"enum": ["all", "own", "shared"]}}
    done = answer("each record's move", ref("PoolMoves"))
    return {
        f"{API}/pools/{{name}}/records": {
            "get": operation(
                "The pool's unclaimed records, oldest in the pool first", "records",
                {"200": answer("records as the member may see them before claiming",
                               ref("PoolRecords"))},
                description="Members and pool admins. Fields the member's roles hide are "
                            "left out; the pool's masked_fields are masked (pool admins "
                            "and administrators see them).",
                parameters=[limit_param()],
                fails={"403": "pool_not_member",
                       "422": f"limit out of range ({BAD_LIST_PARAMETER})"}),
            "post": operation(
                "Put records into the pool (pool admins)", "records", {"200": done},
                description="Each record's owner is cleared through the owner-change "
                            "command and its distribution grants are revoked; a claimed "
                            "record's claim ends. ids or a filter (and view), at most "
                            "1000, one transaction.",
                body=obj({**selection, "reason": reason}, closed=True),
                fails={"403": "pool_not_admin", "409": "pool_inactive",
                       "422": "no or both of ids and filter, too many records"})},
        f"{API}/pools/{{name}}/claim": {"post": operation(
            "Claim pooled records (members)", "records", {"200": done},
            description="All or none, within the pool's limits (max_held, "
                        "max_claims_per_day) and cooldown; of concurrent claims of one "
                        "record exactly one wins, the others get 409 pool_record_taken. "
                        "The reclaim deadline (due_at) starts now.",
            body=obj({"ids": {**ids, "maxItems": 100}}, ["ids"], closed=True),
            fails={"403": "pool_not_member", "409": "pool_record_taken, "
                   "pool_record_not_in_pool, pool_cooldown, pool_max_held, "
                   "pool_max_claims_per_day or pool_inactive",
                   "422": "bad ids"})},
        f"{API}/pools/{{name}}/return": {"post": operation(
            "Return claimed records to the pool, with a reason", "records", {"200": done},
            description="The holder (or a pool admin); the record's grants are revoked "
                        "and the holder's cooldown starts.",
            body=obj({"ids": ids, "reason": reason}, ["ids", "reason"], closed=True),
            fails={"403": "pool_not_member or pool_not_holder",
                   "409": "pool_record_not_claimed", "422": "no reason, bad ids"})},
        f"{API}/pools/{{name}}/reclaim": {"post": operation(
            "Reclaim claimed records (pool admins, bulk)", "records", {"200": done},
            description="ids or a filter (and view), at most 1000, one transaction: each "
                        "record must be claimed from this pool; the holder's and "
                        "grantees' grants are revoked.",
            body=obj({**selection, "reason": reason}, ["reason"], closed=True),
            fails={"403": "pool_not_admin", "409": "pool_record_not_claimed",
                   "422": "no reason, no or both of ids and filter"})},
    }


def discovery_paths() -> Paths:
    health = obj({"status": {"enum": ["ok", "unavailable"]},
                  "database": {"enum": ["ok", "unreachable"]},
                  "schema": {"enum": ["ok", "not_current"]},
                  "revision": {"type": ["string", "null"],
                               "description": "the catalog revision of the database"},
                  "expected": {"type": "string",
                               "description": "the revision this version needs "
                                              "(`objectry db upgrade`)"}},
                 ["status", "database"])
    return {
        f"{API}/openapi.json": {"get": operation(
            "This document", "discovery", {"200": answer("OpenAPI 3.1", {"type": "object"})},
            description="Record schemas show only the fields the caller may read.")},
        "/healthz": {"get": operation(
            "Liveness, database reachability and schema revision", "discovery",
            {"200": answer("up", health),
             "503": answer("the database is unreachable, or its catalog is not at the "
                           "revision of this version (every other request then answers "
                           "503 schema_not_current)", health)},
            public=True)},
    }


def tenant_paths() -> Paths:
    """The platform administrator's: tenants are made here, not inside one."""
    created = obj({
        "id": {"type": "integer"}, "slug": {"type": "string"}, "name": {"type": "string"},
        "metadata_version": {"type": "integer"},
        "admin": {"type": ["object", "null"], "properties": {"email": {"type": "string"}}},
        "token": {"type": ["string", "null"],
                  "description": "the administrator's API token, shown this once"}},
        ["id", "slug", "name", "metadata_version", "admin", "token"])
    return {f"{API}/tenants": {"post": operation(
        "Create a tenant (platform administrator)", "tenants",
        {"201": answer("created, with its administrator's token", created)},
        body=document_schemas("tenant", "", "body")["body"],
        description="Only with the platform token (`objectry platform-token` prints it "
                    "and the OBJECTRY_PLATFORM_TOKEN_SHA256 to configure); a tenant's "
                    "token, an administrator's too, is refused with 403. The tenant, its "
                    "first administrator, the token, the documents (objects, roles, "
                    "...) and the named packs of the shipped catalog (with their "
                    "requirements, after the documents) are created in one transaction: "
                    "all or nothing.",
        fails={"403": "not the platform token", "409": "the slug is taken",
               "422": "invalid slug, email or documents, or a pack not in the catalog"})}}


def platform_paths() -> Paths:
    paths: Paths = {}
    for area in (meta_paths, function_paths, people_paths, access_paths, record_paths,
                 automation_paths, message_paths, scoring_paths, distribution_paths,
                 discovery_paths,
                 secret_paths, tenant_paths, webform_paths, pack_paths,
                 lifecycle_paths, import_paths, analytics_paths):
        paths.update(area())
    return paths


def add_platform(spec: APISpec, examples: Examples = no_examples) -> None:
    """Register the platform's schemas and paths on a spec (after the Problem schema)."""
    for name, schema in platform_schemas().items():
        spec.components.schema(name, schema)
    for path, operations in sorted(platform_paths().items()):
        spec.path(path=path, operations=with_path_failures(path, operations),
                  parameters=path_parameters(path, examples))


def with_path_failures(path: str, operations: Operations) -> Operations:
    """Every operation on a templated path answers 404 for a name or id it does not know;
    every record endpoint answers 403 when the caller's rights do not reach."""
    names = TEMPLATE.findall(path)
    found: Operations = {}
    for method, operation_ in operations.items():
        responses = dict(operation_["responses"])
        if names and "404" not in responses:
            responses["404"] = problem("unknown " + ", ".join(names))
        if path.startswith((f"{API}/records/", f"{API}/recycle-bin/")) and \
                "403" not in responses:
            responses["403"] = problem("the caller's rights do not reach the object or "
                                       "record")
        found[method] = {**operation_, "responses": dict(sorted(responses.items()))}
    return found
