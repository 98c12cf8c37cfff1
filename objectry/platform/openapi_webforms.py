"""OpenAPI paths and schemas of web forms' snippets and records' marketing consent.

The ``web_form`` documents themselves are metadata (``/meta/web_forms/{api_name}``, their
schema from ``web_form.json``); the public pages (``/f/...``, ``/u/...``) are HTML for
visitors, not part of the API.
"""

from __future__ import annotations

from typing import Any

from objectry.runtime.lifecycle.consent import CHANNELS, STATUSES

# The building blocks of ``openapi_platform`` (which imports this module), restated.
API = "/api/v1"
Paths = dict[str, dict[str, Any]]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def obj(properties: dict[str, Any], required: list[str] | None = None, *,
        closed: bool = False, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def operation(summary: str, tag: str, responses: dict[str, Any], *, description: str = "",
              body: dict[str, Any] | None = None,
              fails: dict[str, str] | None = None) -> dict[str, Any]:
    """Token required (401); a body brings 400/413/415; ``fails``: the other problems."""
    failures = {"401": "no or bad token", **(fails or {})}
    if body is not None:
        failures.update({"400": "malformed JSON", "413": "the body is over the size limit",
                         "415": "the body is declared as something other than JSON"})
    result: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {
        **responses, **{status: {"description": text, "content": {
            "application/problem+json": {"schema": ref("Problem")}}}
            for status, text in sorted(failures.items())}}}
    if description:
        result["description"] = description
    if body is not None:
        result["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": body}}}
    return result


def webform_schemas() -> dict[str, Any]:
    channel = {"type": ["object", "null"], "properties": {
        "status": {"enum": list(STATUSES)}, "source": {"type": "string"},
        "updated_at": {"type": "string", "format": "date-time"}},
        "description": "null: no consent recorded (marketing goes out unless "
                       "OBJECTRY_MESSAGE_CONSENT_REQUIRED)"}
    return {
        "WebFormSnippet": obj({
            "url": {"type": "string", "description": "the form's public page"},
            "html": {"type": "string", "description": "an <iframe> to paste into a site"},
            "active": {"type": "boolean"}}, ["url", "html", "active"]),
        "Consent": obj({c: channel for c in CHANNELS}, list(CHANNELS)),
    }


def webform_paths() -> Paths:
    record = f"{API}/records/{{object}}/{{id}}"
    body = obj({c: {"enum": list(STATUSES)} for c in CHANNELS}, closed=True,
               description="the channels to set; the others keep their consent")
    return {
        f"{API}/web_forms/{{name}}/snippet": {"get": operation(
            "A web form's public URL and embeddable snippet", "metadata",
            {"200": answer("the URL and an <iframe>", ref("WebFormSnippet"))},
            description="Needs the customize right (a role's tenant-level action) or a "
                        "tenant administrator.",
            fails={"403": "the caller may not read web forms",
                   "404": "unknown web form"})},
        f"{record}/consent": {
            "get": operation(
                "A record's marketing consent per channel", "records",
                {"200": answer("per channel: status, source and time, or null",
                               ref("Consent"))},
                fails={"403": "the record is not readable", "404": "unknown object or record"}),
            "put": operation(
                "Set a record's marketing consent (opt in or out) per channel", "records",
                {"200": answer("the consent now", ref("Consent"))}, body=body,
                description="Needs the right to edit the record. An opt-out suppresses "
                            "marketing messages (status suppressed) to the record on that "
                            "channel and to its address through any record.",
                fails={"403": "the record is not the caller's to edit",
                       "404": "unknown object or record",
                       "422": "an unknown channel or status"}),
        },
    }
