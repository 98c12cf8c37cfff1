"""Property: a list shows exactly the records and fields that per-record access explains.

For random roles (actions, data scope, field-group levels), distribution grants and
conflict strategies, what ``GET /records/lead`` returns to a user must equal what
``GET /records/lead/{id}/access?user=`` says, record by record and field by field: the
list (SQL visibility, batch-loaded grants, cached access maps) and the explanation
(one record, Casbin asked rule by rule) are computed by different code paths.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead

SYSTEM = {"id", "version", "owner", "created_at", "created_by", "updated_at", "updated_by"}
GROUPS = ("contact", "company", "default")
GROUP_FIELDS = {"contact": {"full_name", "mobile", "email"},
                "company": {"company_name", "city", "employees"},
                "default": {"budget", "tags", "campaign", "status"}}
USERS = {"u1": ("east", ["r1"]), "u2": ("shanghai", ["r2", "r3"]), "u3": ("support", ["r3"])}
GRANTEES = ("user:u1@example.com", "user:u2@example.com", "user:u3@example.com",
            "department:east")
STRATEGIES = ("distribution_wins", "administrative_wins", "most_restrictive",
              "most_permissive")

levels = st.fixed_dictionaries({g: st.sampled_from(["none", "read", "edit"]) for g in GROUPS})
scopes = st.sampled_from(["own", "team", "all",
                          {"field": "city", "op": "eq", "value": "shanghai"}])
role_grants = st.fixed_dictionaries({
    "actions": st.lists(st.sampled_from(["read", "create", "edit", "view_sensitive"]),
                        unique=True),
    "scope": scopes,
    "field_groups": levels,
})
grants = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(GRANTEES), levels),
                  max_size=8)


def put(api: Api, path: str, body: dict[str, Any]) -> None:
    response = api.put(path, json=body)
    assert response.status_code == 200, response.get_json()


def put_role(api: Api, name: str, grant: dict[str, Any]) -> None:
    put(api, f"/api/v1/meta/roles/{name}", {"kind": "role", "api_name": name,
                                            "label": {"en": name}, "grants": {"lead": grant}})


class Fixture:
    def __init__(self, api: Api, tenant: TenantHandle) -> None:
        self.admin = api
        api.define(campaign())
        api.define(lead())
        for name, parent in (("sales", None), ("east", "sales"), ("shanghai", "east"),
                             ("support", None)):
            put(api, f"/api/v1/departments/{name}", {"label": {"en": name}, "parent": parent})
        writer = {"actions": ["read", "create"], "scope": "own",
                  "field_groups": dict.fromkeys(GROUPS, "edit")}
        for role in ("r1", "r2", "r3"):
            put_role(api, role, writer)
        self.users = {name: Api(api.client, tenant.add_user(f"{name}@example.com", roles=roles,
                                                            department=department))
                      for name, (department, roles) in USERS.items()}
        self.records = []
        for i, owner in enumerate(["u1", "u1", "u2", "u2", "u3", "u3"]):
            created = self.users[owner].post("/api/v1/records/lead", json={
                "full_name": f"L{i}", "city": "shanghai" if i % 2 else "beijing"})
            assert created.status_code == 201, created.get_json()
            self.records.append(created.get_json()["id"])

    def reset_grants(self) -> None:
        for rid in self.records:
            base = f"/api/v1/records/lead/{rid}/grants"
            for item in self.admin.get(base).get_json()["items"]:
                assert self.admin.delete(f"{base}/{item['id']}").status_code == 204


def expected_view(api: Api, rid: str, user: str) -> set[str] | None:
    """The fields ``user`` reads on the record per the explanation; None if not visible."""
    answer = api.get(f"/api/v1/records/lead/{rid}/access", query={"user": user})
    assert answer.status_code == 200, answer.get_json()
    why = answer.get_json()
    if not why["visible"]["visible"]:
        return None
    fields = set(SYSTEM)
    for group, verdict in why["field_groups"].items():
        if verdict["decision"]["level"] != "none":
            fields |= GROUP_FIELDS[group]
    return fields


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(roles=st.tuples(role_grants, role_grants, role_grants), strategy=st.sampled_from(
    STRATEGIES), shares=grants)
def test_list_matches_per_record_access(api: Api, tenant: TenantHandle,
                                        roles: tuple[dict[str, Any], ...], strategy: str,
                                        shares: list[tuple[int, str, dict[str, str]]]) -> None:
    world = getattr(tenant, "_access_fixture", None)
    if world is None:
        world = Fixture(api, tenant)
        tenant._access_fixture = world  # type: ignore[attr-defined]
    world.reset_grants()
    for name, grant in zip(("r1", "r2", "r3"), roles, strict=True):
        put_role(api, name, grant)
    put(api, "/api/v1/meta/access_policies/lead",
        {"kind": "access_policy", "object": "lead", "conflict_strategy": strategy})
    for index, grantee, given_levels in shares:
        response = api.post(f"/api/v1/records/lead/{world.records[index]}/grants",
                            json={"grantee": grantee, "field_groups": given_levels})
        assert response.status_code == 201, response.get_json()
    for name, user in world.users.items():
        page = user.get("/api/v1/records/lead", query={"limit": 200})
        assert page.status_code == 200, page.get_json()
        listed = {item["id"]: set(item) for item in page.get_json()["items"]}
        expected = {}
        for rid in world.records:
            view = expected_view(api, rid, f"{name}@example.com")
            if view is not None:
                expected[rid] = view
        assert listed == expected
