"""The versioned metadata store: versions, history and the state at any version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from objectry.metadata import store
from objectry.metadata.store import DocumentChange
from tests.conftest import TenantHandle
from tests.docs_objects import campaign, lead

T0 = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)


def layout(*fields: str) -> dict[str, Any]:
    return {"kind": "layout", "api_name": "campaign_form", "object": "campaign",
            "sections": [{"fields": list(fields)}]}


def renamed_campaign() -> dict[str, Any]:
    document = campaign()
    document["label"] = {"en": "Marketing campaign", "zh-CN": "市场活动"}
    document["fields"].append({"api_name": "budget", "type": "currency", "currency": "CNY"})
    return document


def base_version(tenant: TenantHandle) -> int:
    """The version a new tenant starts at (tenant creation may record one)."""
    with tenant.context() as ctx:
        return store.current_version(ctx.conn, ctx.tenant.id)


def base_state(tenant: TenantHandle) -> dict[tuple[str, str], Any]:
    with tenant.context() as ctx:
        tid = ctx.tenant.id
        return store.state_at(ctx.conn, tid, store.current_version(ctx.conn, tid))


def build_history(tenant: TenantHandle) -> list[int]:
    """+1 creates campaign, +2 changes it and adds a layout, +3 deletes the layout."""
    versions = []
    with tenant.context() as ctx:
        tid = ctx.tenant.id
        versions.append(store.commit_version(
            ctx.conn, tid, actor="alice@example.com", summary="created object campaign",
            now=T0, changes=[DocumentChange("object", "campaign", None, campaign(),
                                            steps=[{"op": "create_table"}])]))
        versions.append(store.commit_version(
            ctx.conn, tid, actor="bob@example.com", summary="", now=T0 + dt.timedelta(hours=1),
            changes=[DocumentChange("object", "campaign", campaign(), renamed_campaign()),
                     DocumentChange("layout", "campaign_form", None, layout("name"))]))
    with tenant.context() as ctx:
        versions.append(store.commit_version(
            ctx.conn, ctx.tenant.id, actor="alice@example.com", summary="dropped the form",
            now=T0 + dt.timedelta(days=1),
            changes=[DocumentChange("layout", "campaign_form", layout("name"), None)]))
    return versions


def test_versions_count_up_by_one(tenant: TenantHandle) -> None:
    base = base_version(tenant)
    with tenant.context() as ctx:
        assert not store.version_exists(ctx.conn, ctx.tenant.id, base + 1)
    assert build_history(tenant) == [base + 1, base + 2, base + 3]
    with tenant.context() as ctx:
        assert store.current_version(ctx.conn, ctx.tenant.id) == base + 3
        assert store.version_exists(ctx.conn, ctx.tenant.id, base + 2)
        assert not store.version_exists(ctx.conn, ctx.tenant.id, base + 4)


def test_current_documents_round_trip(tenant: TenantHandle) -> None:
    base = base_version(tenant)
    build_history(tenant)
    with tenant.context() as ctx:
        objects = store.documents(ctx.conn, ctx.tenant.id, "object")
        assert set(objects) == {"campaign"}
        stored = objects["campaign"]
        assert stored.document == renamed_campaign()
        assert stored.document["label"]["zh-CN"] == "市场活动"
        assert (stored.kind, stored.api_name, stored.version) == ("object", "campaign",
                                                                  base + 2)
        assert stored.origin == {"source": "tenant"}
        assert stored.baseline is None and not stored.customized
        assert store.documents(ctx.conn, ctx.tenant.id, "layout") == {}
        assert store.document(ctx.conn, ctx.tenant.id, "layout", "campaign_form") is None
        assert store.document(ctx.conn, ctx.tenant.id, "object", "campaign") == stored


def test_history_newest_first_with_who_when_what(tenant: TenantHandle) -> None:
    base = base_version(tenant)
    build_history(tenant)
    with tenant.context() as ctx:
        entries = store.history(ctx.conn, ctx.tenant.id, limit=3)
    assert [e["version"] for e in entries] == [base + 3, base + 2, base + 1]
    assert [e["actor"] for e in entries] == ["alice@example.com", "bob@example.com",
                                             "alice@example.com"]
    assert entries[0]["summary"] == "dropped the form"
    assert entries[2]["created_at"] == T0
    assert entries[0]["created_at"] == T0 + dt.timedelta(days=1)
    assert entries[0]["created_at"].utcoffset() == dt.timedelta(0)
    assert what(entries[2]) == [{"kind": "object", "api_name": "campaign",
                                 "action": "created", "steps": [{"op": "create_table"}]}]
    assert what(entries[1]) == [
        {"kind": "object", "api_name": "campaign", "action": "changed", "steps": []},
        {"kind": "layout", "api_name": "campaign_form", "action": "created", "steps": []}]
    assert what(entries[0]) == [
        {"kind": "layout", "api_name": "campaign_form", "action": "deleted", "steps": []}]


def what(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The changes of a history entry, by kind, name, action and steps."""
    return [{k: change[k] for k in ("kind", "api_name", "action", "steps")}
            for change in entry["changes"]]


def test_history_pages_with_limit_and_before(tenant: TenantHandle) -> None:
    base = base_version(tenant)
    build_history(tenant)
    with tenant.context() as ctx:
        tid = ctx.tenant.id
        assert [e["version"] for e in store.history(ctx.conn, tid, limit=2)] == [base + 3,
                                                                                  base + 2]
        assert [e["version"] for e in store.history(ctx.conn, tid, before=base + 2)] == \
            list(range(base + 1, 0, -1))
        assert store.history(ctx.conn, tid, before=1) == []
        assert len(store.history(ctx.conn, tid)) == base + 3


def test_state_at_each_version(tenant: TenantHandle) -> None:
    base = base_version(tenant)
    before = base_state(tenant)
    assert ("object", "campaign") not in before
    build_history(tenant)
    with tenant.context() as ctx:
        tid = ctx.tenant.id
        assert store.state_at(ctx.conn, tid, 0) == {}
        assert store.state_at(ctx.conn, tid, base) == before
        first = store.state_at(ctx.conn, tid, base + 1)
        assert set(first) - set(before) == {("object", "campaign")}
        assert first[("object", "campaign")].document == campaign()
        assert first[("object", "campaign")].version == base + 1

        second = store.state_at(ctx.conn, tid, base + 2)
        assert set(second) - set(before) == {("object", "campaign"),
                                             ("layout", "campaign_form")}
        assert second[("object", "campaign")].document == renamed_campaign()
        assert second[("layout", "campaign_form")].document == layout("name")

        third = store.state_at(ctx.conn, tid, base + 3)
        assert set(third) - set(before) == {("object", "campaign")}  # the layout is gone
        assert third[("object", "campaign")].version == base + 2
        assert store.state_at(ctx.conn, tid, base + 99) == third


def test_a_recreated_document_is_found_again(tenant: TenantHandle) -> None:
    base = base_version(tenant)
    build_history(tenant)
    with tenant.context() as ctx:
        store.commit_version(ctx.conn, ctx.tenant.id, actor="a", summary="", now=T0,
                             changes=[DocumentChange("layout", "campaign_form", None,
                                                     layout("name", "budget"))])
        state = store.state_at(ctx.conn, ctx.tenant.id, base + 4)
        assert state[("layout", "campaign_form")].document == layout("name", "budget")
        assert store.state_at(ctx.conn, ctx.tenant.id, base + 3).get(
            ("layout", "campaign_form")) is None


def test_pack_origin_and_baseline_mark_customizations(tenant: TenantHandle) -> None:
    base = base_version(tenant)
    origin = {"source": "pack", "pack": "lead_scoring", "version": "1.0.0"}
    with tenant.context() as ctx:
        tid = ctx.tenant.id
        store.commit_version(ctx.conn, tid, actor="pack", summary="install", now=T0,
                             changes=[DocumentChange("object", "campaign", None, campaign(),
                                                     origin=origin, baseline=campaign())])
        stored = store.document(ctx.conn, tid, "object", "campaign")
        assert stored is not None
        assert stored.origin == origin and stored.baseline == campaign()
        assert not stored.customized
        store.commit_version(ctx.conn, tid, actor="admin", summary="edit", now=T0,
                             changes=[DocumentChange("object", "campaign", campaign(),
                                                     renamed_campaign(), origin=origin,
                                                     baseline=campaign())])
        stored = store.document(ctx.conn, tid, "object", "campaign")
        assert stored is not None and stored.customized
        old = store.state_at(ctx.conn, tid, base + 1)[("object", "campaign")]
        assert old.baseline == campaign() and not old.customized


def test_a_failed_transaction_leaves_no_version(tenant: TenantHandle) -> None:
    class Boom(Exception):
        pass

    base = base_version(tenant)
    try:
        with tenant.context() as ctx:
            store.commit_version(ctx.conn, ctx.tenant.id, actor="a", summary="", now=T0,
                                 changes=[DocumentChange("object", "campaign", None,
                                                         campaign())])
            raise Boom
    except Boom:
        pass
    with tenant.context() as ctx:
        assert store.current_version(ctx.conn, ctx.tenant.id) == base
        assert not store.version_exists(ctx.conn, ctx.tenant.id, base + 1)
        assert store.documents(ctx.conn, ctx.tenant.id, "object") == {}


def test_tenants_do_not_see_each_other(tenant: TenantHandle,
                                       other_tenant: TenantHandle) -> None:
    other_base, other_before = base_version(other_tenant), base_state(other_tenant)
    base = base_version(tenant)
    build_history(tenant)
    with other_tenant.context() as ctx:
        tid = ctx.tenant.id
        assert store.current_version(ctx.conn, tid) == other_base
        assert len(store.history(ctx.conn, tid)) == other_base
        assert store.state_at(ctx.conn, tid, base + 3) == other_before
        assert store.documents(ctx.conn, tid, "object") == {}
        version = store.commit_version(
            ctx.conn, tid, actor="x", summary="", now=T0,
            changes=[DocumentChange("object", "lead", None, lead())])
        assert version == other_base + 1
    with tenant.context() as ctx:
        assert set(store.documents(ctx.conn, ctx.tenant.id, "object")) == {"campaign"}
        assert store.current_version(ctx.conn, ctx.tenant.id) == base + 3
