"""A shared sandbox pool with small limits, and fake hosts."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from objectry.platform.config import Settings
from objectry.platform.services import function_config
from objectry.sandbox import FunctionCache, FunctionKey, HostError, Limits, PoolConfig, SandboxPool
from objectry.sandbox.compiler import CompiledFunction

SECRET_NAME = "OBJECTRY_SANDBOX_TEST_SECRET"
SECRET_VALUE = "s3cret-7f1e0c-do-not-leak"


def pool_config(**values: Any) -> PoolConfig:
    """The pool the platform builds from its default settings, with ``values`` changed."""
    defaults = Settings(database_url="sqlite://", data_dir=Path("."))
    return dataclasses.replace(function_config(defaults).pool, **values)


# the escape corpus's memory attacks are written against 256 MB workers
SMALL = pool_config(size=2, memory_mb=256, recycle_after=200, startup_timeout_s=20)
LIMITS = Limits(cpu_ms=500, wall_ms=1500, log_bytes=4096, writes=5, queries=5,
                records_read=20, http_calls=2)


class FakeHost:
    """Records every host call; a tiny in-memory store for one tenant."""

    def __init__(self, tenant: str = "acme") -> None:
        self.tenant = tenant
        self.calls: list[tuple[str, list[Any], dict[str, Any]]] = []
        self.rows: dict[str, dict[str, Any]] = {}

    @property
    def writes(self) -> int:
        return sum(1 for name, _, _ in self.calls
                   if name in ("records.create", "records.update", "records.delete"))

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        self.calls.append((name, args, kwargs))
        if name == "now":
            return "2025-01-02T03:04:05+00:00"
        if name == "records.create":
            row = {"id": str(len(self.rows) + 1), **args[1]}
            self.rows[row["id"]] = row
            return row
        if name == "records.get":
            if args[1] not in self.rows:
                raise HostError("not_found", f"no {args[0]} {args[1]}")
            return self.rows[args[1]]
        if name == "records.query":
            return [{"id": str(i)} for i in range(kwargs.get("limit") or 10)]
        if name == "http.get":
            return {"status": 200, "body": "ok"}
        return None


@pytest.fixture(scope="session")
def pool() -> Iterator[SandboxPool]:
    os.environ[SECRET_NAME] = SECRET_VALUE
    with SandboxPool(SMALL) as sandbox:
        sandbox.warm()
        yield sandbox
    os.environ.pop(SECRET_NAME, None)


@pytest.fixture
def cache() -> FunctionCache:
    return FunctionCache()


def compiled(source: str, name: str = "f", version: int = 1) -> CompiledFunction:
    return FunctionCache().get(FunctionKey("acme", name, version), source)
