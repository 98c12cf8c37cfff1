"""Tenants with the same object definition share one compiled model (one Table, one pair
of marshmallow schemas) and still each read and write only their own tables."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import marshmallow.class_registry
import pytest
import sqlalchemy as sa

from objectry.platform import tenancy
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.kernel.caches import ModelCache
from objectry.runtime.kernel.context import Actor, Context
from objectry.runtime.kernel.storage import TenantConnection
from objectry.runtime.model.compiled import BYTES_PER_COLUMN, get_model
from objectry.runtime.schema import metadata_service
from tests.conftest import TenantHandle, make_tenant

DEAL = {"kind": "object", "api_name": "deal", "label": {"en": "Deal", "zh-CN": "交易"},
        "fields": [{"api_name": "title", "type": "text", "indexed": True,
                    "label": {"en": "Title", "zh-CN": "标题"}},
                   {"api_name": "amount", "type": "integer",
                    "label": {"en": "Amount", "zh-CN": "金额"}}]}


def define(tenant: TenantHandle, document: dict) -> None:
    with tenant.context() as ctx:
        metadata_service.apply_documents(ctx, [document], summary="deal")


def test_equal_definitions_share_one_model_and_keep_their_own_rows(
        services: Services, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    define(tenant, DEAL)
    define(other_tenant, DEAL)
    with tenant.context() as ctx:
        mine = get_model(ctx, "deal")
        records.create(ctx, "deal", {"title": "mine", "amount": 1})
    with other_tenant.context() as ctx:
        assert get_model(ctx, "deal") is mine  # one Table, one schema pair
        records.create(ctx, "deal", {"title": "theirs", "amount": 2})
        assert [r["title"] for r in records.list_records(ctx, "deal")["items"]] == ["theirs"]
    with tenant.context() as ctx:
        assert [r["title"] for r in records.list_records(ctx, "deal")["items"]] == ["mine"]


def test_a_different_definition_gets_its_own_model(
        tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    define(tenant, DEAL)
    changed = {**DEAL, "fields": [*DEAL["fields"], {
        "api_name": "stage", "type": "text", "label": {"en": "Stage", "zh-CN": "阶段"}}]}
    define(other_tenant, changed)
    with tenant.context() as ctx:
        mine = get_model(ctx, "deal")
    with other_tenant.context() as ctx:
        theirs = get_model(ctx, "deal")
        records.create(ctx, "deal", {"title": "t", "stage": "won"})
    assert theirs is not mine and "stage" in theirs.fields and "stage" not in mine.fields


def test_contexts_of_two_tenants_on_one_connection_each_reach_their_own_tables(
        services: Services, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    """As an automation batch does: both contexts on one connection, used in turns."""
    define(tenant, DEAL)
    define(other_tenant, DEAL)
    with services.connection() as conn:
        first, second = (Context(tenant=tenancy.find_tenant(conn, t.slug),
                                 actor=Actor.system(), conn=conn, models=services.models,
                                 keys=services.keys)
                         for t in (tenant, other_tenant))
        records.create(first, "deal", {"title": "a"})
        records.create(second, "deal", {"title": "b"})
        records.create(first, "deal", {"title": "c"})
        assert sorted(r["title"] for r in records.list_records(first, "deal")["items"]) \
            == ["a", "c"]
        assert [r["title"] for r in records.list_records(second, "deal")["items"]] == ["b"]
        assert isinstance(first.conn, TenantConnection) and first.conn.raw is conn


def test_a_shared_table_outside_a_tenant_connection_reaches_no_tenant(
        services: Services, tenant: TenantHandle) -> None:
    define(tenant, DEAL)
    with tenant.context() as ctx:
        table = get_model(ctx, "deal").table
        records.create(ctx, "deal", {"title": "x"})
    with pytest.raises((sa.exc.DBAPIError, RuntimeError)), \
            services.engine.connect() as conn:
        conn.execute(sa.select(table))


def test_compiling_for_many_tenants_registers_no_marshmallow_schema(
        services: Services) -> None:
    registry = marshmallow.class_registry._registry
    before = {name: len(classes) for name, classes in registry.items()}
    for _ in range(5):
        handle = make_tenant(services)
        define(handle, {**DEAL, "label": {"en": f"Deal {handle.slug}", "zh-CN": "交易"}})
        with handle.context() as ctx:
            get_model(ctx, "deal").create_schema.load({"title": "x"})
    assert {name: len(classes) for name, classes in registry.items()} == before


def test_the_model_cache_is_bounded_by_bytes_and_counts_hits_and_misses(
        services: Services) -> None:
    """A cache of ~3 models' worth: the oldest go, every lookup is counted, and a model
    pushed out is compiled again on its next use (same answers)."""
    handles = [make_tenant(services) for _ in range(4)]
    for i, handle in enumerate(handles):  # four different definitions
        define(handle, {**DEAL, "label": {"en": f"Deal {i}", "zh-CN": "交易"}})
    with services.for_tenant(handles[0].slug) as ctx:
        weight = get_model(ctx, "deal").approx_bytes
    assert weight == BYTES_PER_COLUMN * (10 + 2)  # system columns and two fields
    small = ModelCache(max_bytes=4 * weight)  # models get 3/4 of it: three models
    for handle in handles:
        with services.for_tenant(handle.slug) as ctx:
            get_model(replace(ctx, models=small), "deal")
    assert (small.misses, small.hits, small.compiled) == (4, 0, 4)
    assert small.bytes <= 4 * weight and small.evictions == 1
    with services.for_tenant(handles[-1].slug) as ctx:
        assert "title" in get_model(replace(ctx, models=small), "deal").fields
    with services.for_tenant(handles[0].slug) as ctx:
        assert "title" in get_model(replace(ctx, models=small), "deal").fields
    assert small.hits == 2 and small.compiled == 5  # the first one was pushed out


def test_cache_sizes_come_from_the_settings(settings: Settings) -> None:
    from objectry.platform.services import MB

    started = Services.start(dataclasses.replace(settings, model_cache_mb=8,
                                                 decision_cache_mb=4))
    try:
        assert started.models._models._max_bytes == 6 * MB  # 3/4 of 8 MB for models
        assert started.decisions._max_bytes == 4 * MB
    finally:
        started.close()


def test_a_rolled_back_change_leaves_no_model_behind(tenant: TenantHandle) -> None:
    """A change that fails after its new version was compiled must not leave that
    compiled model to the next change, which gets the same version number."""
    with pytest.raises(RuntimeError), tenant.context() as ctx:
        applied = metadata_service.apply_documents(ctx, [DEAL], summary="deal")
        assert "stage" not in get_model(ctx.with_version(applied["version"]), "deal").fields
        raise RuntimeError("the change fails after its version was built")
    define(tenant, {**DEAL, "fields": [*DEAL["fields"], {
        "api_name": "stage", "type": "text", "label": {"en": "Stage", "zh-CN": "阶段"}}]})
    with tenant.context() as ctx:
        assert "stage" in get_model(ctx, "deal").fields
        created = records.create(ctx, "deal", {"title": "t", "stage": "won"})
        assert created["stage"] == "won"
