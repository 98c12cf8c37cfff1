"""The public routes: a web form (``GET``/``POST /f/{tenant}/{form}``) and an
unsubscribe link (``GET``/``POST /u/{token}``, RFC 8058 one-click ``POST``).

Every answer is one of: the form (with the visitor's own values and errors), the
form's thank-you message, or a fixed sentence. None carries a record, an id, or the
parameters of a problem beyond the visitor's own field values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Response, abort, g, request
from werkzeug.datastructures import MultiDict

from objectry.admin_ui.app.pages import FormField, access_for_new, field_errors, field_label
from objectry.admin_ui.public.blueprint import host, message_page, page, public, settings, t
from objectry.metadata.i18n import pick
from objectry.metadata.problems import Invalid
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle import consent, webforms
from objectry.runtime.lifecycle.webforms import PublicForm, Submission
from objectry.runtime.model.compiled import get_model


def _form(tenant: str, form: str) -> PublicForm:
    with host().connection(read_only=True) as conn:
        found = webforms.find_form(conn, tenant, form)
    if found is None:
        abort(404)
    return found


@contextmanager
def _as_form_user(target: PublicForm, *, read_only: bool = False) -> Iterator[Context]:
    if target.user_id is None:  # run_as "system": the platform creates the record
        with host().for_tenant_id(target.tenant_id) as ctx:
            yield dataclasses.replace(ctx, locale=g.locale)
        return
    with host().for_user(target.tenant_id, target.user_id, locale=g.locale,
                         read_only=read_only) as ctx:
        yield ctx


def _now() -> float:
    return host().clock().timestamp()


def _inputs(ctx: Context, document: Mapping[str, Any], posted: Mapping[str, Any],
            errors: Mapping[str, str]) -> list[FormField]:
    """The inputs the visitor fills in: the form's fields the run-as user may set on a
    new record, never a lookup (its choices would list other records)."""
    model = get_model(ctx, document["object"])
    editable = access_for_new(model, Guard(ctx, model)).editable
    inputs = []
    for name in webforms.form_fields(ctx, document):
        compiled = model.fields[name]
        kind, definition = compiled.type, compiled.definition
        if name not in editable or kind.reference:
            continue
        values = [str(v) for v in posted.get(name, [])]
        inputs.append(FormField(
            name=name, label=field_label(compiled, ctx.locale), widget=kind.widget,
            required=bool(definition.get("required")), editable=True,
            value=values[-1] if values else "", values=tuple(values),
            options=kind.form_options(definition, ctx.locale),
            help=pick(definition.get("help"), ctx.locale, ""), error=errors.get(name)))
    return inputs


def _form_page(target: PublicForm, ctx: Context, status: int, *, utm: Mapping[str, str],
               posted: Mapping[str, Any] | None = None, errors: Mapping[str, str] | None = None,
               summary: list[str] | None = None, notice: str | None = None) -> Response:
    document = target.document
    campaign = webforms.campaign_param(document, request.values.get(
        webforms.CAMPAIGN_INPUT) or request.args.get(webforms.CAMPAIGN_PARAMETER))
    channels = [(c, t(f"ui_channel_{c}")) for c in document.get("consent_channels", [])]
    return page("web/public_form.html", status,
                title=pick(document.get("title") or document.get("label"), g.locale,
                           target.name),
                inputs=_inputs(ctx, document, posted or {}, errors or {}),
                token=webforms.issue_token(host().keys, target, _now()), utm=utm,
                campaign=campaign, campaign_input=webforms.CAMPAIGN_INPUT,
                channels=channels, ticked=(posted or {}).get(webforms.CONSENT_INPUT, []),
                summary=summary or [], notice=notice,
                token_input=webforms.TOKEN_INPUT, honeypot=webforms.HONEYPOT_INPUT,
                consent_input=webforms.CONSENT_INPUT)


@public.get("/f/<tenant>/<form>")
def show_form(tenant: str, form: str) -> Response:
    target = _form(tenant, form)
    utm = webforms.utm_values(target.document, request.args)
    with _as_form_user(target, read_only=True) as ctx:
        return _form_page(target, ctx, 200, utm=utm)


@public.post("/f/<tenant>/<form>")
def submit(tenant: str, form: str) -> Response:
    """Token, honeypot, then the record; a ticked honeypot gets the thank-you page and
    nothing is written (a bot learns nothing to adapt to)."""
    request.max_content_length = settings().web_form_max_bytes
    target = _form(tenant, form)
    posted: MultiDict[str, str] = request.form
    posted_lists = {k: posted.getlist(k) for k in posted}
    utm = webforms.utm_values(target.document, {k: v for k, v in posted.items()
                                                if k.startswith(webforms.UTM_PREFIX)})
    thanks = pick(target.document["thank_you"], g.locale)
    if posted.get(webforms.HONEYPOT_INPUT):
        return page("web/public_thanks.html", 200, text=thanks)
    refused = webforms.token_problem(host().keys, target, posted.get(webforms.TOKEN_INPUT, ""),
                                     _now(), settings().web_form_token_minutes * 60)
    if refused == "invalid":
        return message_page(400, "ui_wf_refused")
    if refused == "expired":
        with _as_form_user(target, read_only=True) as ctx:
            return _form_page(target, ctx, 400, utm=utm, posted=posted_lists,
                              notice=t("ui_wf_expired"))
    submission = Submission(posted_lists, utm, posted.getlist(webforms.CONSENT_INPUT),
                            webforms.campaign_param(target.document,
                                                    posted.get(webforms.CAMPAIGN_INPUT)))
    try:
        with _as_form_user(target) as ctx:
            webforms.submit(ctx, target.name, target.document, submission)
    except Invalid as problem:
        return _invalid(target, problem, utm, posted_lists)
    return page("web/public_thanks.html", 200, text=thanks)


def _invalid(target: PublicForm, problem: Invalid, utm: Mapping[str, str],
             posted: Mapping[str, Any]) -> Response:
    """The form again with the errors of the visitor's own inputs; any other error (a
    rule or function about data the visitor did not type) is one fixed sentence."""
    with _as_form_user(target, read_only=True) as ctx:
        shown = [f.name for f in _inputs(ctx, target.document, {}, {})]
        by_field, _ = field_errors(problem, g.locale, shown)
        summary = list(by_field.values())
        theirs = {e.path.lstrip("/").split("/")[0] for e in problem.errors}
        if not summary or not theirs <= set(shown):
            summary.append(t("ui_wf_refused"))
        return _form_page(target, ctx, 422, utm=utm, posted=posted, errors=by_field,
                          summary=summary)


# -- unsubscribe --------------------------------------------------------------------

def _link(token: str) -> consent.Unsubscribe:
    link = consent.read_unsubscribe_token(host().keys, token)
    if link is None:
        abort(404)
    return link


@public.get("/u/<token>")
def confirm_unsubscribe(token: str) -> Response:
    """A page with one button: a GET changes nothing (mail scanners follow links)."""
    link = _link(token)
    return page("web/public_unsubscribe.html", 200, channel=t(f"ui_channel_{link.channel}"),
                recipient=link.recipient)


@public.post("/u/<token>")
def unsubscribe(token: str) -> Response:
    """The page's button, or a mail client's RFC 8058 one-click POST
    (``List-Unsubscribe=One-Click``): either way the record is opted out."""
    link = _link(token)
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    with host().for_tenant_id(link.tenant_id) as ctx:
        consent.unsubscribe(ctx, link, "list_unsubscribe" if one_click
                            else "unsubscribe_link")
    return message_page(200, "ui_unsub_done", channel=t(f"ui_channel_{link.channel}"))
