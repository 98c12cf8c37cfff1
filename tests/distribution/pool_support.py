"""Shared setup of the pool tests: a lead pool with two reps as members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.conftest import Api, TenantHandle
from tests.distribution.support import leads, new_lead


def pool(api: Api, name: str = "sea", **options: Any) -> dict[str, Any]:
    document = {"object": "lead", "label": {"en": "Open sea", "zh-CN": "公海"},
                "members": {"roles": ["rep"]}, "masked_fields": ["email", "company_name"],
                **options}
    saved = api.put(f"/api/v1/meta/pools/{name}", json=document)
    assert saved.status_code == 200, saved.get_json()
    return document


def pooled(api: Api, tenant: TenantHandle, count: int = 1, name: str = "sea",
           objects: Sequence[dict[str, Any]] = (),
           **options: Any) -> tuple[dict[str, Api], list[str]]:
    """Reps a, b and c, ``objects`` besides leads, a pool, and ``count`` leads in it."""
    reps = leads(api, tenant, "a@example.com", "b@example.com", "c@example.com")
    for document in objects:
        api.define(document)
    pool(api, name, **options)
    ids = [new_lead(api, email=f"lead{i}@example.com", company_name=f"ACME {i}")
           for i in range(count)]
    added = api.post(f"/api/v1/pools/{name}/records", json={"ids": ids})
    assert added.status_code == 200, added.get_json()
    return reps, ids
