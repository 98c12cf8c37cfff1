"""Round robin under concurrent writers (PostgreSQL): the row-locked cursor is fair."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from objectry.runtime import records
from objectry.runtime.distribution.rules import assign_record
from tests.conftest import Api, TenantHandle
from tests.distribution.support import leads, office

WRITERS = 8
EACH = 6


def test_eight_concurrent_writers_take_turns(api: Api, tenant: TenantHandle) -> None:
    if tenant.services.engine.dialect.name != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) are PostgreSQL's; SQLite serializes")
    office(api, "shanghai_office")
    leads(api, tenant)
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        tenant.add_user(email, roles=["rep"], department="shanghai_office")
    rule = {"object": "lead", "entries": [{"to": [{"department": "shanghai_office"}]}]}
    assert api.put("/api/v1/meta/assignment_rules/rr", json=rule).status_code == 200
    start = threading.Barrier(WRITERS)
    owners: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                with tenant.context() as ctx:  # create and assign in one transaction
                    made = records.create(ctx, "lead", {"full_name": f"W{n}-{i}"})
                    outcome = assign_record(ctx, "rr", "lead", made["id"])
                with lock:
                    owners.append(outcome["decision"]["picked"])
        except BaseException as exc:  # reported below, on the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    counts = Counter(owners)
    assert sum(counts.values()) == WRITERS * EACH
    assert set(counts) == {"a@example.com", "b@example.com", "c@example.com"}
    assert max(counts.values()) - min(counts.values()) <= 1
