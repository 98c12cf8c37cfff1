"""People: users (invite with a link, roles, department, administrator, deactivate)
and a user's API tokens (list, revoke).

Users are rows of the catalog, not metadata documents: the designer calls what the
people and tokens API call (through the host), so the same checks hold, among them
that the last active administrator cannot be demoted or deactivated (409).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui import accounts
from objectry.admin_ui.app.blueprint import host, page, web_settings
from objectry.admin_ui.app.pages import system_text
from objectry.admin_ui.designer import documents
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.admin_ui.designer.field_forms import derive_api_name
from objectry.metadata import store
from objectry.metadata.i18n import LANGUAGES, pick
from objectry.metadata.problems import NotFound
from objectry.runtime.kernel.context import Context


def _choices(ctx: Context) -> dict[str, Any]:
    roles = [(n, pick(s.document.get("label"), ctx.locale, n))
             for n, s in sorted(store.documents(ctx.conn, ctx.tenant.id, "role").items())]
    departments = [(n, pick(s.document.get("label"), ctx.locale, n)) for n, s in
                   sorted(store.documents(ctx.conn, ctx.tenant.id, "department").items())]
    return {"roles": roles, "departments": departments}


def _invitation(ctx: Context, email: str) -> str:
    token = accounts.invitation_token(ctx.conn, host().keys, ctx.tenant.id, email)
    return url_for("web.invitation", token=token, _external=True)


def department_tree(ctx: Context) -> list[tuple[int, str, str]]:
    """(depth, api_name, label) of every department, each under its parent, by label."""
    stored = store.documents(ctx.conn, ctx.tenant.id, "department")
    children: dict[str | None, list[tuple[str, str]]] = {}
    for name, doc in stored.items():
        parent = doc.document.get("parent")
        children.setdefault(parent if parent in stored else None, []).append(
            (name, pick(doc.document.get("label"), ctx.locale, name)))
    found: list[tuple[int, str, str]] = []

    def walk(parent: str | None, depth: int) -> None:
        for name, label in sorted(children.get(parent, []), key=lambda c: c[1].casefold()):
            if len(found) < len(stored):  # a cycle cannot loop forever
                found.append((depth, name, label))
                walk(name, depth + 1)

    walk(None, 0)
    return found


@designer.get("/people")
def people() -> Response:
    with admin_context(read_only=True) as ctx:
        users = host().list_users(ctx)
        return page("web/designer/people.html", users=users, **_choices(ctx),
                    tree=department_tree(ctx),
                    users_json=json.dumps(users, ensure_ascii=False, indent=2))


@designer.post("/people/departments")
def add_department() -> Response:
    """A new department under a parent (or at the top), previewed before it is stored."""
    form = request.form
    with admin_context() as ctx:
        label = {lang: str(form.get(f"label-{lang}", "")).strip()[:2000]
                 for lang in LANGUAGES}
        label = {k: v for k, v in label.items() if v}
        name = str(form.get("api_name", "")).strip() or \
            derive_api_name(label.get("en", ""), "department")
        document: dict[str, Any] = {"label": label or {"en": name}}
        if form.get("parent"):
            document["parent"] = str(form["parent"])
        shown = documents.preview(ctx, "department", name, document)
        return documents.preview_page(ctx, shown, back=url_for("designer.people"))


@designer.post("/people")
def invite() -> Response:
    """Add a user and show the link that lets them set a password."""
    form = request.form
    with admin_context() as ctx:
        body: dict[str, Any] = {"email": str(form.get("email", "")).strip(),
                                "roles": [r for r in form.getlist("roles") if r]}
        if form.get("name", "").strip():
            body["name"] = form["name"].strip()
        if form.get("department"):
            body["department"] = form["department"]
        user = host().create_user(ctx, body)
        link = _invitation(ctx, user["email"])
        return page("web/designer/invited.html", user=user, link=link,
                    days=web_settings().invitation_days)


def _user(ctx: Context, email: str) -> dict[str, Any]:
    for user in host().list_users(ctx):
        if user["email"] == email.strip().lower():
            return user
    raise NotFound(detail_code="unknown_user", email=email[:254])


@designer.route("/people/<email>", methods=["GET", "POST"])
def user_page(email: str) -> Response:
    with admin_context(read_only=request.method == "GET") as ctx:
        user = _user(ctx, email)
        if request.method == "POST":
            form = request.form
            changes = {"roles": [r for r in form.getlist("roles") if r],
                       "department": form.get("department") or None,
                       "is_admin": form.get("is_admin") == "on",
                       "active": form.get("active") == "on"}
            host().update_user(ctx, user["email"], changes)
            return redirect(url_for("designer.user_page", email=user["email"],  # type: ignore[return-value]
                                    saved=1), code=303)
        tokens = [{**token, "created": system_text("created_at", token["created_at"],
                                                    ctx.locale),
                   "used": system_text("created_at", token["last_used_at"], ctx.locale)}
                  for token in host().list_tokens(ctx, user["email"])]
        return page("web/designer/user.html", user=user, tokens=tokens, **_choices(ctx),
                    saved=request.args.get("saved") == "1",
                    user_json=json.dumps(user, ensure_ascii=False, indent=2))


@designer.post("/people/<email>/invitation")
def new_invitation(email: str) -> Response:
    with admin_context() as ctx:
        user = _user(ctx, email)
        link = _invitation(ctx, user["email"])
        return page("web/designer/invited.html", user=user, link=link,
                    days=web_settings().invitation_days)


@designer.post("/people/<email>/tokens/<token_id>/revoke")
def revoke_token(email: str, token_id: str) -> Response:
    with admin_context() as ctx:
        user = _user(ctx, email)
        if token_id not in {str(t["id"]) for t in host().list_tokens(ctx, user["email"])}:
            raise NotFound(detail_code="unknown_token", id=token_id[:40])
        host().revoke_token(ctx, token_id)
    return redirect(url_for("designer.user_page", email=user["email"]), code=303)  # type: ignore[return-value]
