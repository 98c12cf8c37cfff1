"""A tenant's channel settings: its daily marketing cap and its default message language.

Both are tenant data, not workflow metadata: the cap protects a contact from every
workflow at once (seed 001: at most 3 marketing messages a day), so no single workflow
may raise it. A pack ships them as the ``message_settings/default`` document (with
``consent_required``: marketing only to recipients who opted in); what the administrator
sets here wins over that document, and what neither sets takes the platform defaults
(``OBJECTRY_MESSAGE_DAILY_CAP``, ``OBJECTRY_MESSAGE_CONSENT_REQUIRED``, English).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.i18n import DEFAULT_LANGUAGE, LANGUAGES
from objectry.metadata.problems import ErrorItem, Invalid
from objectry.runtime.automation.message_tables import message_settings
from objectry.runtime.kernel.context import Context

MAX_CAP = 100
FIELDS = ("marketing_daily_cap", "default_locale")
DOCUMENT_KIND, DOCUMENT_NAME = "message_settings", "default"


def read_settings(ctx: Context, default_cap: int,
                  default_consent: bool = False) -> dict[str, Any]:
    """The settings in force: the tenant's values, else its ``message_settings``
    document's (a pack's), else the platform defaults."""
    row = ctx.conn.execute(sa.select(message_settings).where(
        message_settings.c.tenant_id == ctx.tenant.id)).mappings().first()
    stored = store.document(ctx.conn, ctx.tenant.id, DOCUMENT_KIND, DOCUMENT_NAME)
    document = stored.document if stored is not None else {}
    cap = row["marketing_daily_cap"] if row else None
    if cap is None:
        cap = document.get("marketing_daily_cap")
    locale = row["default_locale"] if row else None
    consent = document.get("consent_required")
    return {"marketing_daily_cap": default_cap if cap is None else cap,
            "default_locale": locale or DEFAULT_LANGUAGE,
            "consent_required": default_consent if consent is None else bool(consent),
            "overridden": [name for name in FIELDS if row and row[name] is not None],
            "from_document": [name for name in (*FIELDS, "consent_required")
                              if document.get(name) is not None
                              and not (row and name in FIELDS and row[name] is not None)]}


def write_settings(ctx: Context, body: Any, default_cap: int,
                   default_consent: bool = False) -> dict[str, Any]:
    """Set (or with null, reset to the default) the tenant's values."""
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = [ErrorItem(f"/{k}", "unknown_parameter", {"name": k})
              for k in sorted(set(body) - set(FIELDS))]
    cap = body.get("marketing_daily_cap")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int)
                            or not 0 <= cap <= MAX_CAP):
        errors.append(ErrorItem("/marketing_daily_cap", "invalid_parameter",
                                {"name": "marketing_daily_cap", "reason": f"0 to {MAX_CAP}"}))
    locale = body.get("default_locale")
    if locale is not None and locale not in LANGUAGES:
        errors.append(ErrorItem("/default_locale", "schema_enum", {"allowed": list(LANGUAGES)}))
    if errors:
        raise Invalid(errors)
    table = message_settings
    current = ctx.conn.execute(sa.select(table).where(
        table.c.tenant_id == ctx.tenant.id)).mappings().first()
    values = {name: body[name] if name in body else (current[name] if current else None)
              for name in FIELDS}
    values.update(updated_at=ctx.now(), updated_by=ctx.actor.email)
    if current is None:
        ctx.conn.execute(table.insert(), {"tenant_id": ctx.tenant.id, **values})
    else:
        ctx.conn.execute(sa.update(table).where(table.c.tenant_id == ctx.tenant.id)
                         .values(values))
    return read_settings(ctx, default_cap, default_consent)
