"""Defects a new user met on the first day: user bodies, the last admin, selected fields."""

from __future__ import annotations

from tests.conftest import Api, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead


def test_read_with_fields_but_not_version_keeps_the_etag(api: Api) -> None:
    api.define(campaign())
    api.define(lead())
    created = api.post("/api/v1/records/lead", json={"full_name": "A", "city": "SH"})
    record_id = created.get_json()["id"]
    read = api.get(f"/api/v1/records/lead/{record_id}", query={"fields": "full_name"})
    assert read.status_code == 200, read.get_json()
    assert read.get_json() == {"id": record_id, "full_name": "A"}
    assert read.headers["ETag"] == '"1"'
    with_version = api.get(f"/api/v1/records/lead/{record_id}",
                           query={"fields": "full_name,version"})
    assert with_version.get_json()["version"] == 1
    assert with_version.headers["ETag"] == '"1"'


def test_invalid_parameter_messages_say_why(api: Api) -> None:
    api.define(campaign())
    api.define(lead())
    for language in ("en", "zh-CN"):
        rollback = api.post("/api/v1/meta/rollback", json={"version": 1, "conversions": 5},
                            headers={"Accept-Language": language})
        message = problem(rollback, 422)["errors"][0]["message"]
        assert "{" not in message and "conversions" in message
    record_id = api.post("/api/v1/records/lead", json={"full_name": "A"}).get_json()["id"]
    explain = api.get(f"/api/v1/records/lead/{record_id}/access", query={"user": " "})
    assert explain.status_code == 422, explain.get_json()
    assert "{" not in explain.get_json()["errors"][0]["message"]


def test_user_bodies_are_checked_against_their_schema(api: Api) -> None:
    number = api.post("/api/v1/users", json={"email": "a@example.com", "roles": 5})
    problem(number, 422)
    assert error_paths(number) == ["/roles"] and error_codes(number) == ["schema_type"]
    text = api.post("/api/v1/users", json={"email": "a@example.com", "roles": "sales"})
    assert error_paths(text) == ["/roles"]  # one error, not one per letter
    several = api.post("/api/v1/users", json={"roles": [1], "name": 2, "admin": True})
    assert sorted(error_paths(several)) == ["/admin", "/email", "/name", "/roles/0"]
    problem(api.post("/api/v1/users", json=["a@example.com"]), 422)
    problem(api.get("/api/v1/users/a@example.com"), 404)

    assert api.post("/api/v1/users", json={"email": "a@example.com"}).status_code == 201
    for change, path in (({"roles": "sales"}, "/roles"), ({"roles": 5}, "/roles"),
                         ({"is_admin": "yes"}, "/is_admin"), ({"name": None}, "/name"),
                         ({"email": "b@example.com"}, "/email")):
        refused = api.patch("/api/v1/users/a@example.com", json=change)
        problem(refused, 422)
        assert error_paths(refused) == [path], change
    problem(api.patch("/api/v1/users/a@example.com", json=5), 422)


def test_the_last_active_admin_stays(api: Api, tenant) -> None:  # type: ignore[no-untyped-def]
    me = f"/api/v1/users/{tenant.admin_email}"
    for change in ({"is_admin": False}, {"active": False}, {"is_admin": False, "active": False}):
        refused = problem(api.patch(me, json=change), 409, "last_admin")
        assert tenant.admin_email in refused["detail"]
    assert api.get(me).get_json()["is_admin"] is True
    assert api.get("/api/v1/users").status_code == 200  # still an admin with a working token

    api.post("/api/v1/users", json={"email": "second@example.com"})
    api.patch("/api/v1/users/second@example.com", json={"is_admin": True, "active": False})
    # an inactive admin does not count: nobody could sign in as them
    problem(api.patch(me, json={"is_admin": False}), 409, "last_admin")
    api.patch("/api/v1/users/second@example.com", json={"active": True})
    demoted = api.patch(me, json={"is_admin": False})
    assert demoted.status_code == 200 and demoted.get_json()["is_admin"] is False
    assert api.patch(me, json={"is_admin": True}).status_code == 403  # no longer an admin
