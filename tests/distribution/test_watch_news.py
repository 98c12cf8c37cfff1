"""Followers of a record hear of its owner and status changes, a delete and a restore,
made by someone else, in their language, and only what they may still see."""

from __future__ import annotations

from typing import Any

from objectry.admin_ui.accounts import set_language, user_id_of
from objectry.platform.automation import tick_at
from tests.conftest import Api, TenantHandle
from tests.distribution.support import leads, new_lead


def _role(name: str, fields: dict[str, str]) -> dict[str, Any]:
    return {"kind": "role", "api_name": name, "label": {"en": name},
            "grants": {"lead": {"actions": ["read"], "scope": "all",
                                "field_groups": {"contact": "read", "company": "read",
                                                 "default": "read"},
                                "fields": fields}}}


def _setup(api: Api, tenant: TenantHandle) -> dict[str, Api]:
    """A rep (own leads), a viewer of every lead, and one who may not see ``status``."""
    people = leads(api, tenant, "rep@example.com", "rep2@example.com")
    for role in (_role("viewer", {}), _role("blind", {"status": "none"})):
        assert api.put(f"/api/v1/meta/roles/{role['api_name']}", json=role).status_code == 200
    people["w@example.com"] = Api(api.client, tenant.add_user("w@example.com",
                                                              roles=["viewer"]))
    people["blind@example.com"] = Api(api.client, tenant.add_user("blind@example.com",
                                                                  roles=["blind"]))
    return people


def _watch(who: Api, rid: str, *, on: bool = True) -> None:
    url = f"/api/v1/records/lead/{rid}/watch"
    answer = who.put(url) if on else who.delete(url)
    assert answer.status_code == 200, answer.get_json()


def _set_status(who: Api, rid: str, status: str) -> None:
    version = who.get(f"/api/v1/records/lead/{rid}").get_json()["version"]
    changed = who.patch(f"/api/v1/records/lead/{rid}", json={"status": status},
                        headers={"If-Match": f'"{version}"'})
    assert changed.status_code == 200, changed.get_json()


def _give(api: Api, rid: str, email: str) -> None:
    moved = api.post(f"/api/v1/records/lead/{rid}/owner", json={"owner": f"user:{email}"})
    assert moved.status_code == 200, moved.get_json()


def _told(api: Api, tenant: TenantHandle, rid: str, email: str) -> list[str]:
    """The bodies of the messages ``email`` got about the record, oldest first (after
    the engine dispatched what is pending)."""
    tick_at(tenant.services)
    answer = api.get("/api/v1/messages?limit=100")
    assert answer.status_code == 200, answer.get_json()
    return [m["body"] for m in reversed(answer.get_json()["items"])
            if m["to"] == email and m["record"] == rid]


def test_followers_hear_of_owner_and_status_changes_by_others(
        api: Api, tenant: TenantHandle) -> None:
    people = _setup(api, tenant)
    rid = new_lead(api)
    _watch(people["w@example.com"], rid)
    _watch(api, rid)  # the admin follows it too, and makes the changes
    admin = tenant.admin_email
    assert _told(api, tenant, rid, "w@example.com") == []
    _give(api, rid, "rep@example.com")
    _set_status(api, rid, "working")
    told = _told(api, tenant, rid, "w@example.com")
    assert len(told) == 2  # one dispatch, one instant: their order is not kept
    assert any("rep@example.com" in body and rid in body for body in told)
    assert any("new" in body and "working" in body for body in told)
    assert _told(api, tenant, rid, admin) == []  # not of their own changes
    # the rep's own change is news to the others, not to the rep
    _watch(people["rep@example.com"], rid)
    _set_status(people["rep@example.com"], rid, "mql")
    later = _told(api, tenant, rid, "w@example.com")
    assert len(later) == 3 and any("mql" in body for body in later)
    assert len(_told(api, tenant, rid, admin)) == 1
    assert _told(api, tenant, rid, "rep@example.com") == []
    # after unfollowing: nothing more
    _watch(people["w@example.com"], rid, on=False)
    _set_status(api, rid, "new")
    assert len(_told(api, tenant, rid, "w@example.com")) == 3


def test_delete_restore_and_the_followers_language(api: Api, tenant: TenantHandle) -> None:
    people = _setup(api, tenant)
    with tenant.context() as ctx:  # the follower reads Chinese
        set_language(ctx.conn, user_id_of(ctx.conn, ctx.tenant.id, "w@example.com"), "zh-CN")
    rid = new_lead(api)
    _watch(people["w@example.com"], rid)
    _give(api, rid, "rep@example.com")
    assert api.delete(f"/api/v1/records/lead/{rid}").status_code in (200, 204)
    assert api.post(f"/api/v1/records/lead/{rid}/restore").status_code == 200
    told = _told(api, tenant, rid, "w@example.com")
    assert len(told) == 3  # sent in one dispatch, at one instant: their order is not kept
    assert sorted(next(i for i, body in enumerate(told) if words in body)
                  for words in ("转给了 rep@example.com", "删除了", "恢复了")) == [0, 1, 2]


def test_a_follower_who_lost_read_access_hears_nothing(api: Api, tenant: TenantHandle) -> None:
    people = _setup(api, tenant)
    rep = people["rep@example.com"]
    rid = new_lead(rep)  # the rep reads only their own leads
    _watch(rep, rid)
    _set_status(api, rid, "working")
    assert len(_told(api, tenant, rid, "rep@example.com")) == 1
    _give(api, rid, "rep2@example.com")  # no longer theirs: no longer readable
    _set_status(api, rid, "mql")
    assert len(_told(api, tenant, rid, "rep@example.com")) == 1


def test_a_hidden_status_is_not_in_the_news(api: Api, tenant: TenantHandle) -> None:
    people = _setup(api, tenant)
    rid = new_lead(api)
    _watch(people["blind@example.com"], rid)
    _watch(people["w@example.com"], rid)
    _set_status(api, rid, "working")
    _give(api, rid, "rep@example.com")
    blind = _told(api, tenant, rid, "blind@example.com")
    assert len(blind) == 1 and "rep@example.com" in blind[0]  # only the owner change
    assert "working" not in blind[0] and "status" not in blind[0].lower()
    # two notices (status, owner); their order is not the order of the changes
    assert any("working" in told for told in _told(api, tenant, rid, "w@example.com"))


def test_followers_of_a_merged_record_hear_where_it_went(api: Api, tenant: TenantHandle) -> None:
    people = _setup(api, tenant)
    survivor, merged = new_lead(api), new_lead(api, full_name="Zhang San")
    _watch(people["w@example.com"], merged)
    answer = api.post("/api/v1/records/lead/merge",
                      json={"survivor": survivor, "merged": [merged]})
    assert answer.status_code == 200, answer.get_json()
    told = _told(api, tenant, merged, "w@example.com")
    assert len(told) == 1 and f"merged the Lead {merged} into {survivor}" in told[0]
