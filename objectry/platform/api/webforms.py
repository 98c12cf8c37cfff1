"""``/api/v1/web_forms/{name}/snippet`` (what an admin pastes into a web site) and
``/api/v1/records/{o}/{id}/consent`` (a record's marketing consent per channel).

The forms themselves are metadata (``/api/v1/meta/web_forms/{name}``); the public pages
they serve live in ``admin_ui.public``.
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response

from objectry.metadata.i18n import pick
from objectry.metadata.problems import NotFound
from objectry.platform.api.common import json_body, json_response, services, tenant_context
from objectry.runtime.access.metadata_access import require_metadata_read
from objectry.runtime.lifecycle import consent
from objectry.runtime.schema import metadata_service

blueprint = Blueprint("web_forms", __name__, url_prefix="/api/v1")


@blueprint.get("/web_forms/<name>/snippet")
def snippet(name: str) -> Response:
    """The form's public URL and an ``<iframe>`` to embed it (customizers only)."""
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, "web_form", name)
        try:
            document = metadata_service.get_document(ctx, "web_form", name)
        except NotFound:
            raise NotFound(detail_code="unknown_web_form", name=name) from None
        slug = ctx.tenant.slug
    url = f"{services().settings.public_url.rstrip('/')}/f/{slug}/{name}"
    title = pick(document.get("title") or document.get("label"), ctx.locale, name)
    html = (f'<iframe src="{escape(url)}" title="{escape(title)}" loading="lazy" '
            'style="width:100%;min-height:640px;border:0"></iframe>\n'
            f'<noscript><a href="{escape(url)}">{escape(title)}</a></noscript>')
    return json_response({"url": url, "html": html, "active": document.get("active", True)})


@blueprint.get("/records/<object_name>/<record_id>/consent")
def read_consent(object_name: str, record_id: str) -> Response:
    """Per channel ``{"status", "source", "updated_at"}`` or null (whoever reads the
    record)."""
    with tenant_context(read_only=True) as ctx:
        found = consent.consent_of(ctx, object_name, record_id)
    return json_response(found)


@blueprint.put("/records/<object_name>/<record_id>/consent")
def write_consent(object_name: str, record_id: str) -> Response:
    """``{"email": "opted_out", "sms": "opted_in"}`` (whoever may edit the record)."""
    body = json_body()
    with tenant_context() as ctx:
        found = consent.set_consent(ctx, object_name, record_id, body)
    return json_response(found)
