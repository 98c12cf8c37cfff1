"""API tokens: list, revoke, expiry, last use, and deactivation that stays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import Api, TenantHandle, problem


@contextmanager
def clock_moved(tenant: TenantHandle, by: dt.timedelta) -> Iterator[None]:
    real = tenant.services.clock
    tenant.services.clock = lambda: real() + by
    try:
        yield
    finally:
        tenant.services.clock = real


def test_list_and_revoke_own_tokens_admins_all(api: Api, tenant: TenantHandle) -> None:
    rep = Api(api.client, tenant.add_user("rep@example.com"))
    second = Api(api.client, tenant.add_user("rep2@example.com"))
    everyone = api.get("/api/v1/tokens")
    assert everyone.status_code == 200
    items = everyone.get_json()["items"]
    assert sorted(t["user"] for t in items) == sorted(
        [tenant.admin_email, "rep@example.com", "rep2@example.com"])
    assert all(t["status"] == "active" and isinstance(t["id"], int) for t in items)
    # the secret never comes back, nor its hash
    text = everyone.get_data(as_text=True)
    assert tenant.token not in text and rep.token not in text and "oby_" not in text
    assert all(set(t) == {"id", "label", "user", "status", "created_at", "expires_at",
                          "last_used_at", "revoked_at"} for t in items)

    own = rep.get("/api/v1/tokens").get_json()["items"]
    assert [t["user"] for t in own] == ["rep@example.com"]
    admin_token = next(t["id"] for t in items if t["user"] == tenant.admin_email)
    second_token = next(t["id"] for t in items if t["user"] == "rep2@example.com")
    problem(rep.delete(f"/api/v1/tokens/{admin_token}"), 404, "unknown_token")
    problem(rep.delete(f"/api/v1/tokens/{second_token}"), 404, "unknown_token")
    problem(rep.delete("/api/v1/tokens/not-a-number"), 404, "unknown_token")
    problem(rep.delete("/api/v1/tokens/99999999999999"), 404, "unknown_token")
    assert api.get("/api/v1/users").status_code == 200  # the admin's token still works

    assert rep.delete(f"/api/v1/tokens/{own[0]['id']}").status_code == 204
    problem(rep.get("/api/v1/tokens"), 401, "token_invalid")
    assert api.delete(f"/api/v1/tokens/{second_token}").status_code == 204  # an admin: any
    assert api.delete(f"/api/v1/tokens/{second_token}").status_code == 204  # already gone
    problem(second.get("/api/v1/tokens"), 401)
    statuses = {t["user"]: t["status"] for t in api.get("/api/v1/tokens").get_json()["items"]}
    assert statuses == {tenant.admin_email: "active", "rep@example.com": "revoked",
                        "rep2@example.com": "revoked"}
    only = api.get("/api/v1/tokens", query={"user": "REP@example.com"}).get_json()["items"]
    assert [t["user"] for t in only] == ["rep@example.com"]


def test_tokens_of_another_tenant_are_out_of_reach(api: Api, other_api: Api) -> None:
    theirs = other_api.get("/api/v1/tokens").get_json()["items"]
    problem(api.delete(f"/api/v1/tokens/{theirs[0]['id']}"), 404, "unknown_token")
    assert other_api.get("/api/v1/tokens").status_code == 200
    assert {t["id"] for t in api.get("/api/v1/tokens").get_json()["items"]}.isdisjoint(
        t["id"] for t in theirs)


def test_last_used_is_written_at_most_once_a_minute(api: Api, tenant: TenantHandle) -> None:
    def last_used() -> str | None:
        items = api.get("/api/v1/tokens").get_json()["items"]
        return next(t["last_used_at"] for t in items if t["user"] == tenant.admin_email)

    assert last_used() is None  # written after the request that used it
    first = last_used()
    assert first is not None
    api.get("/api/v1/users")
    assert last_used() == first  # within the minute: not written again
    with clock_moved(tenant, dt.timedelta(minutes=2)):
        api.get("/api/v1/users")
        moved = last_used()
    assert moved is not None and moved > first


def test_deactivation_revokes_tokens_for_good(api: Api, tenant: TenantHandle) -> None:
    rep = Api(api.client, tenant.add_user("rep@example.com"))
    assert rep.get("/api/v1/tokens").status_code == 200
    assert api.patch("/api/v1/users/rep@example.com", json={"active": False}).status_code == 200
    problem(rep.get("/api/v1/tokens"), 401, "token_invalid")
    assert api.patch("/api/v1/users/rep@example.com", json={"active": True}).status_code == 200
    problem(rep.get("/api/v1/tokens"), 401, "token_invalid")  # not revived
    listed = api.get("/api/v1/tokens", query={"user": "rep@example.com"}).get_json()["items"]
    assert [t["status"] for t in listed] == ["revoked"]
    fresh = Api(api.client, tenant.add_user("rep3@example.com"))
    assert fresh.get("/api/v1/tokens").status_code == 200


def test_token_with_expiry_from_the_cli(run, app, tenant: TenantHandle) -> None:  # type: ignore[no-untyped-def]
    issued = run("token", "create", "--tenant", tenant.slug, "--user", tenant.admin_email,
                 "--label", "ci", "--expires-in", "1h").output.strip()
    assert issued.startswith("oby_") and "\n" not in issued
    short = Api(app.test_client(), issued)
    listed = short.get("/api/v1/tokens").get_json()["items"]
    mine = next(t for t in listed if t["label"] == "ci")
    assert mine["status"] == "active" and mine["expires_at"] is not None
    with clock_moved(tenant, dt.timedelta(hours=2)):
        problem(short.get("/api/v1/tokens"), 401, "token_invalid")
        everyone = Api(app.test_client(), tenant.token).get("/api/v1/tokens").get_json()
        assert next(t for t in everyone["items"] if t["label"] == "ci")["status"] == "expired"
    for bad in ("30x", "0d", "99999d", "d"):
        refused = run("token", "create", "--tenant", tenant.slug, "--user",
                      tenant.admin_email, "--expires-in", bad, ok=False)
        assert refused.exit_code == 1 and "30d" in refused.output, bad
    listed = run("token", "list", "--tenant", tenant.slug).output
    row = next(line for line in listed.splitlines() if f" {mine['id']} " in line)
    assert " ci " in row and " active " in row and "oby_" not in listed
    run("token", "revoke", str(mine["id"]), "--tenant", tenant.slug)
    problem(short.get("/api/v1/tokens"), 401, "token_invalid")
