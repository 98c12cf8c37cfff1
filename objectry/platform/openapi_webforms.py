"""OpenAPI paths and schemas of web forms' snippets and records' marketing consent.

The ``web_form`` documents themselves are metadata (``/meta/web_forms/{api_name}``, their
schema from ``web_form.json``); the public pages (``/f/...``, ``/u/...``) are HTML for
visitors, not part of the API.
"""

from __future__ import annotations

from typing import Any

from objectry.platform.openapi_common import API, Paths, answer, obj, operation, ref
from objectry.runtime.lifecycle.consent import CHANNELS, STATUSES


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
