"""Every file in escapes/ is one attack; each must be refused or contained.

The header of each file says what it tries and what must happen:
``# expect: compile`` (refused when saved) or
``# expect: error <code> [<limit or exception type>]`` (the call ends with that error).
After each attempt the pool must still serve a call, and the secret environment
variable of the parent must appear nowhere in the result.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from objectry.metadata.problems import Invalid
from objectry.sandbox import FunctionKey, Limits, SandboxPool, compile_function
from tests.sandbox.conftest import LIMITS, SECRET_VALUE, FakeHost, compiled

ESCAPES = sorted((Path(__file__).parent / "escapes").glob("*.py"))


def expectation(path: Path) -> list[str]:
    for line in path.read_text().splitlines():
        if line.startswith("# expect:"):
            return line.removeprefix("# expect:").split()
    raise AssertionError(f"{path.name} has no '# expect:' header")


def test_corpus_is_complete() -> None:
    names = {p.stem for p in ESCAPES}
    assert len(names) >= 40
    for path in ESCAPES:
        head = path.read_text().splitlines()[:3]
        assert head[0] == "# ruff: noqa" and head[1].startswith("# attempt:"), path.name


def limits_for(expected: list[str]) -> Limits:
    """A memory attack gets CPU to spare, so that memory is the limit it meets; a CPU
    attack gets wall time to spare, so that CPU is the limit it meets.

    Filling 256 MB page by page costs 150-500 ms of CPU on a slow virtual machine; with the
    common 500 ms budget the CPU limit sometimes trips first, which contains the attack just
    as well but is not what the test means to show.
    """
    if expected[2:] == ["memory_mb"]:
        return replace(LIMITS, cpu_ms=5000, wall_ms=8000)
    if expected[2:] == ["cpu_ms"]:
        # on a machine whose cores are busy elsewhere the worker may get less than a
        # third of a core, and the wall clock would end the call first
        return replace(LIMITS, wall_ms=6000)
    return LIMITS


@pytest.mark.parametrize("path", ESCAPES, ids=[p.stem for p in ESCAPES])
def test_escape_is_refused_or_contained(path: Path, pool: SandboxPool) -> None:
    expected = expectation(path)
    source = path.read_text()
    key = FunctionKey("acme", path.stem, 1)
    if expected == ["compile"]:
        with pytest.raises(Invalid) as caught:
            compile_function(key, source)
        errors = caught.value.errors
        assert errors and all(e.code == "function_compile_error" for e in errors)
        assert all(e.params["line"] >= 1 and e.params["column"] >= 1 for e in errors)
        return
    assert expected[0] == "error", expected
    host = FakeHost()
    limits = limits_for(expected)
    killed = pool.stats.killed
    result = pool.run(compile_function(key, source), host, record={"status": "new"},
                      limits=limits)
    assert result.error is not None, result
    assert result.error["code"] == expected[1], result.error
    if len(expected) > 2:
        assert expected[2] in (result.error.get("limit"), result.error.get("type")), result.error
    if expected[2:] in (["memory_mb"], ["cpu_ms"], ["wall_ms"]):
        assert pool.stats.killed == killed + 1  # the worker that met it was replaced
    assert result.result is None
    assert SECRET_VALUE not in json.dumps(result.as_dict(), default=str)
    assert not [c for c in host.calls if c[0].startswith("records.")]
    follow_up = pool.run(compiled("def main(record, params):\n    return params['n'] + 1\n"),
                         FakeHost(), params={"n": 41})
    assert follow_up.error is None and follow_up.result == 42
