"""A clock the pool tests move, and the automation engine sweeping at it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from objectry.platform.automation import tick_at
from objectry.platform.services import Services
from objectry.runtime.automation.engine import TickReport


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Sweeper:
    services: Services
    clock: Clock

    def later(self, **delta: float) -> TickReport:
        """Move the clock, then let the engine run what came due (pool timers too)."""
        self.clock.now += dt.timedelta(**delta)
        return tick_at(self.services)


@pytest.fixture
def sweeper(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sweeper]:
    clock = Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    monkeypatch.setattr(services, "clock", clock)
    tick_at(services)
    yield Sweeper(services, clock)
