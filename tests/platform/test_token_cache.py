"""A token's tenant and actor are reused between requests only while nothing about them
changed: changes made straight in the database, as another process (the CLI, a second
server) makes them, count from the next request just as this process's own do. And
the token API runs without the browser's session machinery."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from objectry.metadata.catalog_tables import api_tokens
from objectry.platform import tenancy
from tests.conftest import Api, TenantHandle
from tests.platform.token_support import REP, leads


def refused(client: Api, code: str = "token_invalid") -> None:
    response = client.get("/api/v1/records/lead")
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["code"] == code


def change_user(tenant: TenantHandle, changes: dict[str, Any]) -> None:
    """What ``objectry user set`` does, in a transaction of its own."""
    with tenant.services.connection() as conn:
        found = tenancy.find_tenant(conn, tenant.slug)
        tenancy.update_user(conn, found, REP, changes, actor="cli",
                            now=tenant.services.clock())


def rep_token(tenant: TenantHandle) -> dict[str, Any]:
    with tenant.services.connection() as conn:
        row = conn.execute(api_tokens.select().where(
            api_tokens.c.user_id == tenancy.find_user(
                conn, tenancy.find_tenant(conn, tenant.slug), REP).id)).mappings().one()
    return dict(row)


def test_a_token_revoked_by_another_process_is_refused_next(
        rep: Api, tenant: TenantHandle) -> None:
    token_id = rep_token(tenant)["id"]
    with tenant.services.connection() as conn:  # ``objectry token revoke``
        found = tenancy.find_tenant(conn, tenant.slug)
        admin = tenancy.resolve_token(conn, tenant.token)
        assert admin is not None
        tenancy.revoke_token(conn, found, admin.actor, token_id, now=tenant.services.clock())
    refused(rep)


def test_a_role_change_by_another_process_counts_next(rep: Api, tenant: TenantHandle) -> None:
    change_user(tenant, {"roles": []})
    assert leads(rep) == []
    change_user(tenant, {"roles": ["reader"]})
    assert len(leads(rep)) == 1


def test_a_deactivation_by_another_process_is_refused_next(
        rep: Api, tenant: TenantHandle) -> None:
    change_user(tenant, {"active": False})
    refused(rep)


def test_admin_rights_given_and_taken_count_next(rep: Api, tenant: TenantHandle) -> None:
    assert rep.get("/api/v1/users").status_code in (200, 403)
    before = rep.post("/api/v1/users", json={"email": "new@example.com"})
    assert before.status_code == 403, before.get_json()
    change_user(tenant, {"is_admin": True})
    created = rep.post("/api/v1/users", json={"email": "new@example.com"})
    assert created.status_code == 201, created.get_json()
    change_user(tenant, {"is_admin": False})
    again = rep.post("/api/v1/users", json={"email": "other@example.com"})
    assert again.status_code == 403, again.get_json()


def test_an_expiry_passing_while_cached_is_refused(rep: Api, tenant: TenantHandle) -> None:
    token_id = rep_token(tenant)["id"]
    with tenant.services.connection() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.id == token_id)
                     .values(expires_at=tenant.services.clock() + dt.timedelta(hours=1)))
    assert len(leads(rep)) == 1  # still live: read again, and cached with its expiry
    with tenant.services.connection() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.id == token_id)
                     .values(expires_at=tenant.services.clock() - dt.timedelta(seconds=1)))
    refused(rep)


def test_a_cached_token_still_records_its_use(rep: Api, tenant: TenantHandle) -> None:
    token_id = rep_token(tenant)["id"]
    assert rep_token(tenant)["last_used_at"] is not None
    long_ago = tenant.services.clock() - dt.timedelta(hours=1)
    with tenant.services.connection() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.id == token_id)
                     .values(last_used_at=long_ago))
    assert len(leads(rep)) == 1
    assert rep_token(tenant)["last_used_at"] > long_ago + dt.timedelta(minutes=30)


def test_tokens_of_two_users_never_mix(rep: Api, api: Api) -> None:
    mine = api.get("/api/v1/tokens").get_json()["items"]
    theirs = rep.get("/api/v1/tokens").get_json()["items"]
    assert {t["user"] for t in theirs} == {REP}
    assert len(mine) > len(theirs)


def test_unknown_and_malformed_tokens_are_refused(app: Flask) -> None:
    for token in ("oby_" + "x" * 43, "not-a-token", "oby_" + "y" * 300):
        refused(Api(app.test_client(), token))


def test_the_token_api_neither_reads_nor_sets_the_session_cookie(
        app: Flask, tenant: TenantHandle) -> None:
    client = app.test_client()
    client.set_cookie("objectry_session", "forged.cookie.value")
    response = client.get("/api/v1/meta/objects",
                          headers={"Authorization": f"Bearer {tenant.token}"})
    assert response.status_code == 200, response.get_json()
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers or "Cookie" not in response.headers["Vary"]
    missing = client.get("/api/v1/meta/objects")
    assert missing.status_code == 401
    assert missing.get_json()["code"] == "token_missing"
    assert "Set-Cookie" not in missing.headers
