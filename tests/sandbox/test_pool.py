"""Calls through the real worker pool: results, errors with lines, host RPC and limits."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from objectry.metadata.problems import ErrorItem, Forbidden
from objectry.sandbox import HostError, Limits, NotPlainData, SandboxPool
from tests.sandbox.conftest import LIMITS, FakeHost, compiled, pool_config


def fn(body: str, name: str = "f") -> Any:
    return compiled("def main(record, params):\n" + body, name)


def test_round_trip_with_logs_changes_and_usage(pool: SandboxPool) -> None:
    source = ("import math\n"
              "def main(record, params):\n"
              "    print('score for', record['name'])\n"
              "    log('at', now())\n"
              "    record.set('score', 10)\n"
              "    return {'score': math.floor(params['w'] * 10), 'name': record['name']}\n")
    result = pool.run(compiled(source), FakeHost(), record={"name": "张三"}, params={"w": 0.55})
    assert result.ok and result.result == {"score": 5, "name": "张三"}
    assert result.logs == ["score for 张三", "at 2025-01-02T03:04:05+00:00"]
    assert result.changes == {"score": 10}
    assert result.limits_used["log_bytes"] > 0 and result.duration_ms > 0
    assert set(result.limits_used) >= {"records_read", "queries", "writes", "http_calls",
                                       "log_bytes", "cpu_ms", "wall_ms"}


def test_runtime_error_reports_the_tenant_line(pool: SandboxPool) -> None:
    source = ("def helper(x):\n"
              "    return 1 / x\n"
              "def main(record, params):\n"
              "    return helper(0)\n")
    result = pool.run(compiled(source), FakeHost())
    assert result.error is not None
    assert result.error["code"] == "function_runtime_error"
    assert result.error["line"] == 2 and "ZeroDivisionError" in result.error["message"]


def test_forbidden_access_reports_line(pool: SandboxPool) -> None:
    result = pool.run(fn("    x = 1\n    return '{0}'.format(x)\n"), FakeHost())
    assert result.error["code"] == "function_forbidden" and result.error["line"] == 3


def test_raise_error_names_the_field(pool: SandboxPool) -> None:
    body = "    if not record.get('email'):\n        raise_error('Email is required', 'email')\n"
    result = pool.run(fn(body), FakeHost(), record={"email": ""})
    assert result.error["code"] == "function_raised_error"
    assert result.error["field"] == "email" and result.error["message"] == "Email is required"
    assert result.error["line"] == 3


def test_host_refusals_are_catchable_platform_errors(pool: SandboxPool) -> None:
    body = ("    try:\n"
            "        records.get('lead', 'nope')\n"
            "    except PlatformError as exc:\n"
            "        return [exc.code, exc.message]\n")
    result = pool.run(fn(body), FakeHost())
    assert result.result == ["not_found", "no lead nope"]
    uncaught = pool.run(fn("    return records.get('lead', 'nope')\n"), FakeHost())
    assert uncaught.error["code"] == "function_platform_error"
    assert uncaught.error["platform_code"] == "not_found" and uncaught.error["line"] == 2


def test_problems_from_the_records_service_become_platform_errors(pool: SandboxPool) -> None:
    class Refusing(FakeHost):
        def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
            raise Forbidden([ErrorItem("/owner", "no_access")])

    body = ("    try:\n        records.update('lead', '1', {'a': 1})\n"
            "    except PlatformError as exc:\n        return [exc.code, exc.errors]\n")
    result = pool.run(fn(body), Refusing())
    assert result.result == ["forbidden", [{"path": "/owner", "code": "no_access"}]]


def test_write_limit_raises_inside_the_function(pool: SandboxPool) -> None:
    host = FakeHost()
    body = ("    for i in range(100):\n"
            "        records.create('lead', {'n': i})\n")
    result = pool.run(fn(body), host, limits=LIMITS)
    assert result.error["code"] == "function_limit_exceeded"
    assert result.error["limit"] == "writes" and result.error["line"] == 3
    assert host.writes == LIMITS.writes
    assert result.limits_used["writes"] == LIMITS.writes


def test_swallowed_limit_still_fails_the_call(pool: SandboxPool) -> None:
    host = FakeHost()
    body = ("    for i in range(100):\n"
            "        try:\n"
            "            records.create('lead', {'n': i})\n"
            "        except BaseException:\n"
            "            pass\n"
            "    return 'done anyway'\n")
    result = pool.run(fn(body), host, limits=LIMITS)
    assert result.error["limit"] == "writes" and result.result is None
    assert host.writes == LIMITS.writes


@pytest.mark.parametrize(("body", "limit"), [
    ("    return records.query('lead', limit=50)\n", "records_read"),
    ("    for i in range(10):\n        records.query('lead', limit=1)\n", "queries"),
    ("    for i in range(5):\n        http.get('https://example.com')\n", "http_calls"),
    ("    for i in range(1000):\n        log('x' * 100)\n", "log_bytes"),
])
def test_each_governor_limit(pool: SandboxPool, body: str, limit: str) -> None:
    result = pool.run(fn(body), FakeHost(), limits=LIMITS)
    assert result.error["code"] == "function_limit_exceeded"
    assert result.error["limit"] == limit


def test_arguments_and_host_answers_must_be_plain(pool: SandboxPool) -> None:
    with pytest.raises(NotPlainData):
        pool.run(fn("    return 1\n"), FakeHost(), record={"when": object()})
    result = pool.run(fn("    return records.create('lead', {'x': {1, 2}})\n"), FakeHost())
    assert result.error["code"] == "function_not_plain_data"

    class Leaky(FakeHost):
        def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
            return {"conn": object()}

    with pytest.raises(NotPlainData):
        pool.run(fn("    return now()\n"), Leaky())
    assert pool.run(fn("    return 7\n"), FakeHost()).result == 7


def test_unexpected_host_exception_is_raised_to_the_caller(pool: SandboxPool) -> None:
    class Broken(FakeHost):
        def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
            raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        pool.run(fn("    return now()\n"), Broken())
    assert pool.run(fn("    return 8\n"), FakeHost()).result == 8


def test_host_errors_reach_tenant_code_as_plain_data(pool: SandboxPool) -> None:
    class Invalidating(FakeHost):
        def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
            raise HostError("invalid", "bad values", [{"path": "/email", "code": "bad_email"}])

    body = ("    try:\n        records.create('lead', {})\n"
            "    except PlatformError as exc:\n        return exc.errors\n")
    assert pool.run(fn(body), Invalidating()).result == [{"path": "/email", "code": "bad_email"}]


def test_code_is_sent_once_per_worker_and_version(pool: SandboxPool) -> None:
    function = fn("    return params['i']\n", "sent_once")
    for i in range(6):
        assert pool.run(function, FakeHost(), params={"i": i}).result == i
    holders = [w for w in pool._live if function.worker_key in w.known_keys]
    assert 1 <= len(holders) <= 2
    assert function.worker_key.startswith("acme/sent_once/1/")


def test_concurrent_callers() -> None:
    function = fn("    return sum(range(params['n']))\n", "concurrent")
    results: list[Any] = []
    with SandboxPool(pool_config(size=2)) as pool:
        def call(n: int) -> None:
            results.append(pool.run(function, FakeHost(), params={"n": n}).result)

        threads = [threading.Thread(target=call, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == sorted(sum(range(n)) for n in range(12))


def test_recycling_and_close() -> None:
    pool = SandboxPool(pool_config(size=1, recycle_after=3))
    function = fn("    return 1\n", "recycled")
    for _ in range(7):
        assert pool.run(function, FakeHost()).result == 1
    assert pool.stats.recycled == 2 and pool.stats.killed == 0
    pool.close()
    result = pool.run(function, FakeHost())
    assert result.error["code"] == "function_pool_busy"


def test_wall_timeout_kills_and_replaces(pool: SandboxPool) -> None:
    """The wall clock, not the CPU budget, stops the call (how fast it stops is measured
    in bench/, not asserted here)."""
    killed, started = pool.stats.killed, pool.stats.started
    body = "    import decimal\n    return str(decimal.Context(prec=20000).exp(3))\n"
    result = pool.run(compiled("def main(record, params):\n" + body, "wall"), FakeHost(),
                      limits=Limits(wall_ms=300, cpu_ms=60_000))
    assert result.result is None and result.error == {
        "code": "function_limit_exceeded", "limit": "wall_ms", "line": None,
        "message": "the call ran longer than 300 ms"}
    assert pool.stats.killed == killed + 1 and pool.stats.started == started + 1
    assert pool.run(fn("    return 2\n"), FakeHost()).result == 2


def test_one_tenant_at_its_share_leaves_workers_for_another() -> None:
    """Tenant A's calls block (as on slow HTTP) until the test lets them go: A's call
    beyond its share gets function_pool_busy, tenant B's call runs meanwhile."""
    release = threading.Event()
    entered, finished = threading.Semaphore(0), threading.Semaphore(0)
    outcomes: list[Any] = []

    class Waiting(FakeHost):
        def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
            entered.release()
            release.wait(60)
            return super().call(name, args, kwargs)

    slow = fn("    return now()\n", "slow")
    quick = fn("    return params['n'] + 1\n", "quick")
    with SandboxPool(pool_config(size=3, tenant_concurrency=2, queue_wait_ms=300)) as pool:
        pool.warm()

        def tenant_a() -> None:
            outcomes.append(pool.run(slow, Waiting(), tenant="a", limits=Limits(wall_ms=60_000)))
            finished.release()

        threads = [threading.Thread(target=tenant_a) for _ in range(3)]
        for thread in threads:
            thread.start()
        try:
            assert entered.acquire(timeout=30) and entered.acquire(timeout=30)
            assert finished.acquire(timeout=30)  # the third call of A: no turn for it
            assert [o.error["code"] for o in outcomes] == ["function_pool_busy"]
            answer = pool.run(quick, FakeHost(), params={"n": 1}, tenant="b")
            assert answer.ok and answer.result == 2
        finally:
            release.set()
            for thread in threads:
                thread.join()
        assert sorted(o.ok for o in outcomes) == [False, True, True]
        assert pool.run(quick, FakeHost(), params={"n": 2}, tenant="a").result == 3
