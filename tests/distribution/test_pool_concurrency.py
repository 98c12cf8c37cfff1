"""Concurrent claims of one pooled record (PostgreSQL): exactly one member wins."""

from __future__ import annotations

import threading

import pytest

from objectry.metadata.problems import Problem
from objectry.runtime.access.people import actor_for
from objectry.runtime.distribution.pools import claim
from objectry.runtime.kernel.context import Actor
from tests.conftest import Api, TenantHandle
from tests.distribution.pool_support import pooled

CLAIMERS = 6


def test_one_of_many_concurrent_claims_wins(api: Api, tenant: TenantHandle) -> None:
    if tenant.services.engine.dialect.name != "postgresql":
        pytest.skip("row locks decide concurrent claims on PostgreSQL; SQLite serializes")
    emails = [f"m{n}@example.com" for n in range(CLAIMERS)]
    _, (rid,) = pooled(api, tenant)
    for email in emails:
        tenant.add_user(email, roles=["rep"])
    actors = {}
    with tenant.context() as ctx:
        for email in emails:
            found = actor_for(ctx.conn, ctx.tenant.id, email=email)
            assert found is not None
            actors[email] = found
    start = threading.Barrier(CLAIMERS)
    won: list[str] = []
    lost: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def claimer(email: str) -> None:
        actor: Actor = actors[email]
        try:
            start.wait()
            with tenant.context(actor=actor) as ctx:
                claim(ctx, "sea", {"ids": [rid]})
            with lock:
                won.append(email)
        except Problem as exc:
            with lock:
                lost.append(exc.detail_code)
        except BaseException as exc:  # reported below, on the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=claimer, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(won) == 1
    assert lost == ["pool_record_taken"] * (CLAIMERS - 1)
    owner = api.get(f"/api/v1/records/lead/{rid}").get_json()["owner"]
    assert owner == str(actors[won[0]].user_id)
