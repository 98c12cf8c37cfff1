"""Web-to-lead forms (kind ``web_form``): finding a public form, its submission token,
and turning a submission into a record.

A submission is a create through the records service as the form's ``run_as`` user (or
as the platform: ``"system"``, for a pack's form that knows no user), so
validation, access, duplicate rules (the context's write hooks), audit and the
``created`` event (and with it the workflows) hold exactly as for the API; the form's
assignment rule then runs as the platform. The caller learns only whether it worked:
the created record and any record a duplicate rule matched stay inside. A record no rule
gave to anyone goes to the form's ``owner`` when it names one. A form whose
campaign is ``from_url`` takes it from its link (``?campaign=<id>``, carried in a hidden
input); an id naming no live record is dropped, so the sign-up is never lost.

The token binds a submission to one form of one tenant and expires
(``OBJECTRY_WEB_FORM_TOKEN_MINUTES``): a page served to a visitor carries it, so no
session and no CSRF cookie are needed, and a bot must fetch the page before posting.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import tenants, users
from objectry.metadata.problems import Invalid
from objectry.metadata.validation.webforms import SYSTEM_RUN_AS, shown_fields
from objectry.runtime.distribution.rules import assign_record
from objectry.runtime.kernel.context import Actor, Context
from objectry.runtime.kernel.keys import Keys
from objectry.runtime.lifecycle import signed
from objectry.runtime.lifecycle.consent import CHANNELS, record_consent
from objectry.runtime.model.compiled import get_model
from objectry.runtime.records import write
from objectry.runtime.records.ownership import change_owner

TOKEN_PURPOSE = "web-form-token"
#: Form input names the platform uses itself (never a field's api_name: those are
#: lower-case identifiers without a leading underscore).
TOKEN_INPUT = "_token"
HONEYPOT_INPUT = "_website"
CONSENT_INPUT = "_consent"
CAMPAIGN_INPUT = "_campaign"
#: The query parameter naming the campaign of a form whose campaign is ``from_url``.
CAMPAIGN_PARAMETER = "campaign"
UTM_PREFIX = "utm_"
MAX_UTM = 200


@dataclass(frozen=True)
class PublicForm:
    """A form found by its public address: whose, which, and as whom it creates."""

    tenant_id: int
    tenant_slug: str
    name: str
    user_id: uuid.UUID | None  # None: the form creates as the platform (run_as "system")
    document: Mapping[str, Any]


def find_form(conn: sa.Connection, slug: str, name: str) -> PublicForm | None:
    """The active form ``name`` of the tenant ``slug`` whose run-as user is active; None
    for anything else (the visitor sees one "not found" page for every case)."""
    tenant_id = conn.execute(sa.select(tenants.c.id).where(tenants.c.slug == slug)).scalar()
    if tenant_id is None:
        return None
    stored = store.document(conn, tenant_id, "web_form", name)
    if stored is None or stored.document.get("active", True) is False:
        return None
    document = stored.document
    if document["run_as"] == SYSTEM_RUN_AS:
        return PublicForm(tenant_id, slug, name, None, document)
    user_id = conn.execute(sa.select(users.c.id).where(
        users.c.tenant_id == tenant_id, sa.func.lower(users.c.email) ==
        str(document["run_as"]).lower(), users.c.active.is_(True))).scalar()
    if user_id is None:
        return None
    return PublicForm(tenant_id, slug, name, user_id, document)


# -- the submission token -----------------------------------------------------------------

def issue_token(keys: Keys, form: PublicForm, now_s: float) -> str:
    return signed.sign(keys.derive(TOKEN_PURPOSE), {
        "t": form.tenant_id, "f": form.name, "i": int(now_s), "n": secrets.token_hex(4)})


def token_problem(keys: Keys, form: PublicForm, token: str, now_s: float,
                  max_age_s: int) -> str | None:
    """Why a posted token is refused (``expired`` or ``invalid``), or None."""
    payload = signed.unsign(keys.derive(TOKEN_PURPOSE), token)
    if payload is None or payload.get("t") != form.tenant_id or payload.get("f") != form.name:
        return "invalid"
    issued = payload.get("i")
    if not isinstance(issued, int) or issued > now_s + 60:
        return "invalid"
    return "expired" if now_s - issued > max_age_s else None


# -- what the form shows and what a submission writes ---------------------------------

def form_fields(ctx: Context, document: Mapping[str, Any]) -> list[str]:
    """The fields the form shows that the object still has (a field removed since the
    form was saved is left out rather than breaking the form)."""
    layouts = {n: s.document for n, s in store.documents(ctx.conn, ctx.tenant.id,
                                                         "layout").items()}
    model = get_model(ctx, document["object"])
    return [n for n in shown_fields(document, layouts) if n in model.fields]


def utm_values(document: Mapping[str, Any], params: Mapping[str, str]) -> dict[str, str]:
    """The UTM parameters the form keeps (``utm_fields``), trimmed."""
    kept = document.get("utm_fields", {})
    return {k: str(v)[:MAX_UTM] for k, v in params.items() if k in kept and v}


def campaign_param(document: Mapping[str, Any], value: str | None) -> str | None:
    """The campaign id the form's address (or its hidden input) names, when the form
    takes its campaign from the URL and the text is an id."""
    if not value or not (document.get("campaign") or {}).get("from_url"):
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


@dataclass(frozen=True)
class Submission:
    #: field -> every value posted under its name (a form may repeat a name)
    posted: Mapping[str, Sequence[str]]
    utm: Mapping[str, str]
    consent: Sequence[str] = ()
    #: the campaign the form's address named (``campaign_param``)
    campaign: str | None = None


def record_data(ctx: Context, document: Mapping[str, Any], fields: Sequence[str],
                submission: Submission) -> dict[str, Any]:
    """The JSON body of the record a submission creates: the shown fields as posted (read
    by their field types), then the form's fixed values, UTM fields and campaign."""
    model = get_model(ctx, document["object"])
    data: dict[str, Any] = {}
    for name in fields:
        compiled = model.fields[name]
        value = compiled.type.from_form(compiled.definition, list(submission.posted.get(name, [])))
        if value not in (None, "", []):
            data[name] = value
    data.update(document.get("values", {}))
    for param, value in submission.utm.items():
        data[document["utm_fields"][param]] = value
    campaign = document.get("campaign")
    if campaign is not None:
        chosen = submission.campaign if submission.campaign is not None and _live(
            ctx, model, campaign["field"], submission.campaign) else campaign.get("record")
        if chosen is not None:
            data[campaign["field"]] = chosen
    return data


def _live(ctx: Context, model: Any, field: str, record_id: str) -> bool:
    """Whether ``record_id`` names a live record of the lookup's object (a stale or
    made-up link is ignored rather than losing the visitor's submission)."""
    target = get_model(ctx, str(model.fields[field].definition.get("target")))
    table = target.table
    return ctx.conn.execute(sa.select(table.c.id).where(
        table.c.id == uuid.UUID(record_id), table.c.deleted_at.is_(None))).first() is not None


def submit(ctx: Context, form_name: str, document: Mapping[str, Any],
           submission: Submission) -> uuid.UUID:
    """Create the record (as the context's actor, the form's ``run_as`` user), record the
    consents ticked, and run the form's assignment rule as the platform. Raises the
    records service's problems; the caller shows them without any record data."""
    fields = form_fields(ctx, document)
    created = write.create(ctx, document["object"], record_data(ctx, document, fields,
                                                                submission))
    record_id = uuid.UUID(str(created["id"]))
    offered = [c for c in document.get("consent_channels", []) if c in CHANNELS]
    for channel in offered:
        if channel in submission.consent:
            record_consent(ctx, document["object"], record_id, channel, "opted_in",
                           source=f"web_form:{form_name}")
    platform = dataclasses.replace(ctx, actor=Actor.system())
    rule = document.get("assignment_rule")
    if rule is not None:
        assign_record(platform, rule, document["object"], record_id)
    if "owner" in document:
        _default_owner(platform, document, record_id)
    return record_id


def _default_owner(ctx: Context, document: Mapping[str, Any], record_id: uuid.UUID) -> None:
    """The form's ``owner`` takes the new record when no rule gave it to anyone, so a
    sign-up never waits unseen; a user deactivated since leaves it as it is."""
    table = get_model(ctx, document["object"]).table
    if ctx.conn.execute(sa.select(table.c.owner).where(table.c.id == record_id)).scalar():
        return
    with contextlib.suppress(Invalid):  # no such active user any more: left ownerless
        change_owner(ctx, document["object"], record_id, document["owner"],
                     because={"reason": "web form default owner"})
