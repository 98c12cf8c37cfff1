"""Sandbox call round trip vs in-process exec, and batch scoring, in one run.

    python bench/sandbox.py [--calls 1000] [--records 10000] [--batch 500]

1. A trivial function called ``--calls`` times through a warm pool: median round trip
   (target of issue 5: <= 2 ms), against plain ``exec`` + call of the same code in this
   process; prints the ratio.
2. A scoring function over ``--records`` records, one call per batch of ``--batch``:
   total time and records per second.
3. The compile count: the function cache compiles once per version however many calls.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from objectry.sandbox import FunctionCache, FunctionKey, Limits, PoolConfig, SandboxPool

TRIVIAL = "def main(record, params):\n    return params['x'] + 1\n"

SCORING = """
def score(lead):
    points = 0
    if lead.get('budget', 0) >= 10000:
        points += 30
    if lead.get('city') in ('shanghai', 'beijing', 'shenzhen'):
        points += 20
    employees = lead.get('employees') or 0
    points += min(employees // 10, 30)
    if lead.get('email', '').endswith('.com'):
        points += 5
    return points


def main(record, params):
    return [{'id': lead['id'], 'score': score(lead)} for lead in params['leads']]
"""


class NoHost:
    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        raise AssertionError(f"unexpected host call {name}")


def leads(n: int) -> list[dict[str, Any]]:
    rng = random.Random(5)
    cities = ["shanghai", "beijing", "shenzhen", "hangzhou", "chengdu", "wuhan"]
    return [{"id": str(i), "budget": rng.randint(0, 50_000), "city": rng.choice(cities),
             "employees": rng.randint(0, 500), "email": f"user{i}@example.com"}
            for i in range(n)]


def plain_exec(code: Any, params: dict[str, Any]) -> Any:
    """The baseline: exec of code compiled once, then the call, in this process."""
    glb: dict[str, Any] = {}
    exec(code, glb)
    return glb["main"]({}, params)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    options = parser.parse_args()

    cache = FunctionCache()
    with SandboxPool(PoolConfig(size=2, recycle_after=100_000)) as pool:
        pool.warm()
        trivial = cache.get(FunctionKey("bench", "trivial", 1), TRIVIAL)
        for i in range(50):
            pool.run(trivial, NoHost(), params={"x": i})
        trivial_code = compile(TRIVIAL, "<plain>", "exec")
        sandbox, local = [], []
        for i in range(options.calls):
            function = cache.get(FunctionKey("bench", "trivial", 1), TRIVIAL)
            start = time.perf_counter()
            assert pool.run(function, NoHost(), params={"x": i}).result == i + 1
            sandbox.append(time.perf_counter() - start)
            start = time.perf_counter()
            plain_exec(trivial_code, {"x": i})
            local.append(time.perf_counter() - start)
        sandbox_ms = statistics.median(sandbox) * 1000
        local_ms = statistics.median(local) * 1000
        print(f"trivial call, median of {options.calls}: sandbox {sandbox_ms:.3f} ms, "
              f"plain exec+call {local_ms:.3f} ms, "
              f"ratio {sandbox_ms / local_ms:.1f}x, p95 sandbox "
              f"{statistics.quantiles(sandbox, n=20)[-1] * 1000:.3f} ms")

        data = leads(options.records)
        batches = [data[i:i + options.batch] for i in range(0, len(data), options.batch)]
        limits = Limits(cpu_ms=5_000, wall_ms=10_000)
        start = time.perf_counter()
        scored = 0
        for batch in batches:
            function = cache.get(FunctionKey("bench", "scoring", 1), SCORING)
            result = pool.run(function, NoHost(), params={"leads": batch}, limits=limits)
            assert result.ok, result.error
            scored += len(result.result)
        total = time.perf_counter() - start
        scoring_code = compile(SCORING, "<plain>", "exec")
        start = time.perf_counter()
        for batch in batches:
            plain_exec(scoring_code, {"leads": batch})
        local_total = time.perf_counter() - start
        print(f"scoring {scored} records in {len(batches)} calls of {options.batch}: "
              f"sandbox {total * 1000:.1f} ms ({scored / total:,.0f} records/s), "
              f"plain exec {local_total * 1000:.1f} ms, ratio {total / local_total:.1f}x")
        print(f"compiles: {cache.compiles} for 2 functions at version 1 over "
              f"{options.calls + len(batches) + 50} calls; pool {pool.stats}")


if __name__ == "__main__":
    main()
