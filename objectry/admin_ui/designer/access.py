"""Roles and access: a role's matrix (objects by actions, data scope, a level per field
group), an object's conflict strategy per field group, and a record's grants (sharing)
with the explain panel.

Roles and access policies are metadata documents: the matrix and the strategy form
become whole ``role`` / ``access_policy`` documents previewed and applied through the
metadata service (``documents.preview``), like every designer. Grants are rows, not
documents: they go through ``runtime.access.grants`` as the grants API does, and the
explain panel shows ``runtime.access.explain``'s answer, the very decision enforcement
reads.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui.app.blueprint import host, page
from objectry.admin_ui.designer import documents
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.admin_ui.designer.field_forms import derive_api_name
from objectry.metadata import store
from objectry.metadata.i18n import LANGUAGES, pick
from objectry.metadata.permission_terms import (
    ACTIONS,
    DEFAULT_STRATEGY,
    LEVELS,
    STRATEGIES,
)
from objectry.metadata.problems import ErrorItem, Invalid, NotFound, Problem
from objectry.metadata.validation.access import TENANT_POLICY, field_groups_of
from objectry.runtime import records
from objectry.runtime.access import explain, grants
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

ROLE = "role"
POLICY = "access_policy"
#: Data scopes the matrix offers by name; ``condition`` is a filter in JSON.
SCOPES = ("own", "team", "all", "condition")
#: Records the record picker of the access page lists.
PICKER = 50


def _labels(form: Any) -> dict[str, str]:
    texts = {lang: str(form.get(f"label-{lang}", "")).strip()[:2000] for lang in LANGUAGES}
    return {k: v for k, v in texts.items() if v}


def _objects(ctx: Context) -> dict[str, dict[str, Any]]:
    return {name: dict(stored.document) for name, stored in
            sorted(store.documents(ctx.conn, ctx.tenant.id, "object").items())}


def _groups(definition: dict[str, Any], locale: str) -> list[tuple[str, str]]:
    labels = {g["api_name"]: pick(g.get("label"), locale, g["api_name"])
              for g in definition.get("field_groups") or []}
    return [(g, labels.get(g, g)) for g in field_groups_of(definition)]


def _document(ctx: Context, kind: str, name: str) -> dict[str, Any]:
    document = metadata_service.get_document(ctx, kind, name)
    document.pop("kind", None)
    return document


# -- roles ----------------------------------------------------------------------------------

@designer.get("/roles")
def roles() -> Response:
    """Roles, and each object's conflict strategy (a link to its access page)."""
    with admin_context(read_only=True) as ctx:
        found = [(name, pick(stored.document.get("label"), ctx.locale, name),
                  sorted(stored.document.get("grants") or {}))
                 for name, stored in sorted(store.documents(ctx.conn, ctx.tenant.id,
                                                            ROLE).items())]
        policies = store.documents(ctx.conn, ctx.tenant.id, POLICY)
        tenant = policies.get(TENANT_POLICY)
        fallback = (tenant.document.get("conflict_strategy") if tenant else None) \
            or DEFAULT_STRATEGY
        objects = [(name, pick(d.get("label"), ctx.locale, name),
                    policies[name].document.get("conflict_strategy", fallback)
                    if name in policies else fallback)
                   for name, d in _objects(ctx).items()]
        return page("web/designer/roles.html", roles=found, object_strategies=objects)


@designer.post("/roles")
def new_role() -> Response:
    """A role with no rights yet, previewed before it is stored."""
    with admin_context() as ctx:
        label = _labels(request.form)
        name = str(request.form.get("api_name", "")).strip() or \
            derive_api_name(label.get("en", ""), "role")
        if store.document(ctx.conn, ctx.tenant.id, ROLE, name) is not None:
            raise Invalid([ErrorItem("/api_name", "role_exists", {"api_name": name})],
                          detail_code="role_exists", api_name=name)
        document: dict[str, Any] = {"label": label or {"en": name}, "grants": {}}
        shown = documents.preview(ctx, ROLE, name, document)
        return documents.preview_page(ctx, shown, back=url_for("designer.role_page",
                                                               name=name))


@designer.get("/roles/<name>")
def role_page(name: str) -> Response:
    with admin_context(read_only=True) as ctx:
        document = _document(ctx, ROLE, name)
        rights = document.get("grants") or {}
        matrix = []
        for object_name, definition in _objects(ctx).items():
            grant = rights.get(object_name) or {}
            scope = grant.get("scope", "own")
            matrix.append({
                "object": object_name,
                "label": pick(definition.get("label"), ctx.locale, object_name),
                "actions": set(grant.get("actions") or []),
                "scope": scope if isinstance(scope, str) else "condition",
                "condition": json.dumps(scope, ensure_ascii=False)
                if isinstance(scope, dict) else "",
                "groups": [(g, label, (grant.get("field_groups") or {}).get(g, "none"))
                           for g, label in _groups(definition, ctx.locale)],
                "overrides": grant.get("fields") or {}})
        applied = request.args.get("applied", "")
        return page("web/designer/role.html", name=name, document=document,
                    label=pick(document.get("label"), ctx.locale, name), matrix=matrix,
                    actions=ACTIONS, scopes=SCOPES, levels=LEVELS,
                    customize="customize" in (document.get("actions") or []),
                    applied=applied if applied.isdigit() and len(applied) < 12 else "",
                    document_json=json.dumps(document, ensure_ascii=False, indent=2))


def role_from_form(before: dict[str, Any], form: Any,
                   objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The role the matrix describes: an object is in ``grants`` when any action is
    ticked or any group is above ``none``; per-field overrides the matrix does not show
    are kept from ``before``. A scope condition that is not JSON is kept as typed, so
    the service's refusal points at it."""
    changed = copy.deepcopy(before)
    label = _labels(form)
    if label:
        changed["label"] = label
    tenant_actions = ["customize"] if form.get("customize") == "on" else []
    if tenant_actions:
        changed["actions"] = tenant_actions
    else:
        changed.pop("actions", None)
    rights: dict[str, Any] = {}
    for object_name, definition in objects.items():
        old = (before.get("grants") or {}).get(object_name) or {}
        actions = [a for a in ACTIONS if form.get(f"{object_name}:action:{a}") == "on"]
        levels = {g: str(form.get(f"{object_name}:group:{g}", "none"))
                  for g in field_groups_of(definition)}
        if not actions and all(level == "none" for level in levels.values()) \
                and not old.get("fields"):
            continue
        grant: dict[str, Any] = {"actions": actions, "field_groups": levels}
        scope = str(form.get(f"{object_name}:scope", "own"))
        if scope == "condition":
            text = str(form.get(f"{object_name}:condition", "")).strip()
            try:
                grant["scope"] = json.loads(text) if text else {}
            except ValueError:
                grant["scope"] = text
        else:
            grant["scope"] = scope
        if old.get("fields"):
            grant["fields"] = old["fields"]
        rights[object_name] = grant
    changed["grants"] = rights
    return changed


@designer.post("/roles/<name>")
def change_role(name: str) -> Response:
    with admin_context() as ctx:
        before = _document(ctx, ROLE, name)
        changed = role_from_form(before, request.form, _objects(ctx))
        shown = documents.preview(ctx, ROLE, name, changed)
        return documents.preview_page(ctx, shown, back=url_for("designer.role_page",
                                                               name=name))


# -- an object's conflict strategy ----------------------------------------------------------

def _object(ctx: Context, name: str) -> dict[str, Any]:
    stored = store.document(ctx.conn, ctx.tenant.id, "object", name)
    if stored is None:
        raise NotFound(detail_code="unknown_object", object=name[:64])
    return dict(stored.document)


def _policy(ctx: Context, name: str) -> dict[str, Any]:
    stored = store.document(ctx.conn, ctx.tenant.id, POLICY, name)
    return dict(stored.document) if stored is not None else {}


@designer.get("/access/<name>")
def access_page(name: str) -> Response:
    """The object's strategy per field group, and the records to share or explain."""
    with admin_context(read_only=True) as ctx:
        definition = _object(ctx, name)
        policy = _policy(ctx, name)
        tenant = _policy(ctx, TENANT_POLICY)
        inherited = tenant.get("conflict_strategy") or DEFAULT_STRATEGY
        per_group = policy.get("per_field_group") or {}
        name_field = str(definition.get("name_field") or "id")
        listed = records.list_records(ctx, name, limit=PICKER,
                                      fields=[name_field] if name_field != "id" else None)
        picks = [(str(item["id"]), str(item.get(name_field) or item["id"]))
                 for item in listed["items"]]
        document = {"object": name, **{k: v for k, v in policy.items()
                                       if k not in ("kind", "api_name", "object")}}
        return page("web/designer/access.html", name=name,
                    label=pick(definition.get("label"), ctx.locale, name),
                    strategy=policy.get("conflict_strategy") or inherited,
                    inherited=inherited, stored=bool(policy), strategies=STRATEGIES,
                    groups=[(g, label, per_group.get(g, ""))
                            for g, label in _groups(definition, ctx.locale)],
                    picks=picks, document_json=json.dumps(document, ensure_ascii=False,
                                                          indent=2),
                    applied=_applied())


def _applied() -> str:
    applied = request.args.get("applied", "")
    return applied if applied.isdigit() and len(applied) < 12 else ""


@designer.post("/access/<name>")
def change_strategy(name: str) -> Response:
    """The object's access policy from the form, previewed before it is stored."""
    form = request.form
    with admin_context() as ctx:
        definition = _object(ctx, name)
        document: dict[str, Any] = {"object": name,
                                    "conflict_strategy": str(form.get("strategy", ""))}
        per_group = {g: str(form[f"group-{g}"]) for g in field_groups_of(definition)
                     if form.get(f"group-{g}")}
        if per_group:
            document["per_field_group"] = per_group
        shown = documents.preview(ctx, POLICY, name, document)
        return documents.preview_page(ctx, shown, back=url_for("designer.access_page",
                                                               name=name))


# -- a record: grants (sharing) and the explain panel ---------------------------------------

@designer.get("/access/<name>/record")
def pick_record(name: str) -> Response:
    """The record picker's answer: that record's access page."""
    with admin_context(read_only=True):
        chosen = str(request.args.get("record", "")).strip()[:64]
    if not chosen:
        return redirect(url_for("designer.access_page", name=name), code=303)  # type: ignore[return-value]
    return redirect(url_for("designer.record_access", name=name,  # type: ignore[return-value]
                            record_id=chosen), code=303)


def _explain_rows(answer: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for group, verdict in (answer.get("field_groups") or {}).items():
        administrative = verdict.get("administrative") or {}
        distribution = verdict.get("distribution") or {}
        decision = verdict.get("decision") or {}
        rows.append({"group": group, "label": labels.get(group, group),
                     "administrative": administrative.get("level"),
                     "distribution": distribution.get("level"),
                     "grants": distribution.get("grants") or [],
                     "strategy": verdict.get("strategy"),
                     "decision": decision.get("level"),
                     "rule": _rule_text((decision.get("edit") or {}).get("rule")
                                        or (decision.get("read") or {}).get("rule"))})
    return rows


def _rule_text(rule: dict[str, str] | None) -> str:
    if not rule:
        return ""
    return (f"{rule.get('role', '')} · {rule.get('action', '')} · "
            f"{rule.get('distribution', '')} → {rule.get('effect', '')}")


@designer.get("/access/<name>/records/<record_id>")
def record_access(name: str, record_id: str) -> Response:
    """A record's grants (add, revoke) and, for a chosen user, why they may do what."""
    user = str(request.args.get("user", "")).strip()[:254]
    with admin_context(read_only=True) as ctx:
        definition = _object(ctx, name)
        shown = records.get(ctx, name, record_id)
        name_field = str(definition.get("name_field") or "id")
        groups = _groups(definition, ctx.locale)
        labels = dict(groups)
        answer, refusal = None, ""
        if user:
            try:
                answer = explain.explain(ctx, name, record_id, user)
            except Problem as refused:
                if refused.status >= 500:
                    raise
                refusal = documents.problem_text(refused)
        people = [(u["email"], u.get("name") or u["email"]) for u in host().list_users(ctx)
                  if u.get("active")]
        departments = sorted(store.documents(ctx.conn, ctx.tenant.id, "department"))
        return page("web/designer/record_access.html", name=name, record_id=record_id,
                    label=pick(definition.get("label"), ctx.locale, name),
                    record_name=str(shown.get(name_field) or record_id),
                    shared=grants.list_grants(ctx, name, record_id), groups=groups,
                    levels=LEVELS, people=people, departments=departments, user=user,
                    answer=answer, refusal=refusal,
                    rows=_explain_rows(answer, labels) if answer else [],
                    granted=request.args.get("granted") == "1")


@designer.post("/access/<name>/records/<record_id>/grants")
def add_grant(name: str, record_id: str) -> Response:
    """Share the record with a user or a department, as ``POST .../grants`` does."""
    form = request.form
    with admin_context() as ctx:
        definition = _object(ctx, name)
        kind = "department" if form.get("grantee_kind") == "department" else "user"
        who = str(form.get("department" if kind == "department" else "user", "")).strip()
        body: dict[str, Any] = {
            "grantee": f"{kind}:{who}",
            "field_groups": {g: str(form.get(f"group-{g}", "none"))
                             for g in field_groups_of(definition)}}
        if form.get("expires_at"):
            body["expires_at"] = str(form["expires_at"])
        grants.grant(ctx, name, record_id, body)
    return redirect(url_for("designer.record_access", name=name,  # type: ignore[return-value]
                            record_id=record_id, granted=1), code=303)


@designer.post("/access/<name>/records/<record_id>/grants/<grant_id>/revoke")
def revoke_grant(name: str, record_id: str, grant_id: str) -> Response:
    with admin_context() as ctx:
        grants.revoke(ctx, name, record_id, grant_id)
    return redirect(url_for("designer.record_access", name=name,  # type: ignore[return-value]
                            record_id=record_id), code=303)
