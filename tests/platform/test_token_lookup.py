"""A token works until it is revoked, expires, or its user is deactivated, and its
user's roles count as they are now: from the very next request, however often the
token was used before (nothing about it is kept between requests that could go stale,
in this process or another)."""

from __future__ import annotations

import datetime as dt

from objectry.metadata.catalog_tables import api_tokens
from objectry.platform import tenancy
from tests.conftest import Api, TenantHandle
from tests.platform.token_support import REP, leads


def refused(client: Api, status: int, code: str) -> None:
    response = client.get("/api/v1/records/lead")
    assert response.status_code == status, response.get_json()
    assert response.get_json()["code"] == code


def rep_token_id(api: Api) -> int:
    mine = [t for t in api.get("/api/v1/tokens").get_json()["items"] if t["user"] == REP]
    assert len(mine) == 1
    return int(mine[0]["id"])


def test_a_revoked_token_is_refused_on_the_next_request(api: Api, rep: Api) -> None:
    assert api.delete(f"/api/v1/tokens/{rep_token_id(api)}").status_code == 204
    refused(rep, 401, "token_invalid")


def test_an_expired_token_is_refused_on_the_next_request(
        api: Api, rep: Api, tenant: TenantHandle) -> None:
    token_id = rep_token_id(api)
    with tenant.services.connection() as conn:  # its expiry passes
        conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(
            expires_at=tenant.services.clock() - dt.timedelta(seconds=1)))
    refused(rep, 401, "token_invalid")


def test_a_role_change_counts_on_the_next_request(api: Api, rep: Api) -> None:
    response = api.patch(f"/api/v1/users/{REP}", json={"roles": []})
    assert response.status_code == 200, response.get_json()
    assert leads(rep) == []  # no role: nothing to see
    response = api.patch(f"/api/v1/users/{REP}", json={"roles": ["reader"]})
    assert response.status_code == 200, response.get_json()
    assert len(leads(rep)) == 1


def test_a_deactivated_user_is_refused_on_the_next_request(
        api: Api, rep: Api, tenant: TenantHandle) -> None:
    response = api.patch(f"/api/v1/users/{REP}", json={"active": False})
    assert response.status_code == 200, response.get_json()
    refused(rep, 401, "token_invalid")
    with tenant.services.connection() as conn:  # and stays refused once reactivated
        found = tenancy.find_tenant(conn, tenant.slug)
        tenancy.update_user(conn, found, REP, {"active": True}, actor="test",
                            now=tenant.services.clock())
    refused(rep, 401, "token_invalid")
