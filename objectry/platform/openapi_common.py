"""Building blocks shared by the area OpenAPI modules (lifecycle, web forms, packs...).

They sit here, not in ``openapi_platform``, because ``openapi_platform`` imports those
modules to register their paths: importing it back from them would be a cycle.
"""

from __future__ import annotations

from typing import Any

API = "/api/v1"
Paths = dict[str, dict[str, Any]]
ADMIN_ONLY = "Admin only."


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
              body: dict[str, Any] | None = None, body_required: bool = True,
              admin: bool = False, parameters: list[dict[str, Any]] | None = None,
              fails: dict[str, str] | None = None) -> dict[str, Any]:
    """Token required (401); a body brings 400/413/415; admin-only operations say so
    (403, ``x-admin-only``); ``fails``: the other problems."""
    failures = {"401": "no or bad token", **(fails or {})}
    if body is not None:
        failures.update({"400": "malformed JSON", "413": "the body is over the size limit",
                         "415": "the body is declared as something other than JSON"})
    if admin:
        failures["403"] = "the caller is not an administrator"
        description = f"{ADMIN_ONLY} {description}".strip()
    result: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {
        **responses, **{status: {"description": text, "content": {
            "application/problem+json": {"schema": ref("Problem")}}}
            for status, text in sorted(failures.items())}}}
    if description:
        result["description"] = description
    if parameters:
        result["parameters"] = parameters
    if body is not None:
        result["requestBody"] = {"required": body_required,
                                 "content": {"application/json": {"schema": body}}}
    if admin:
        result["x-admin-only"] = True
    return result
