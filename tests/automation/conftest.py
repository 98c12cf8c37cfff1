"""A clock the tests move, and the engine ticking at it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from objectry.platform.automation import tick_at
from objectry.platform.services import Services
from objectry.runtime.automation.engine import TickReport
from tests.automation.channel_support import Sink, running_sink


@dataclass
class MovableClock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Engine:
    services: Services
    clock: MovableClock

    def tick(self) -> TickReport:
        return tick_at(self.services)

    def later(self, **delta: float) -> TickReport:
        """Move the clock, then run everything that became due."""
        self.clock.advance(**delta)
        return self.tick()


@pytest.fixture
def engine(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    clock = MovableClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    monkeypatch.setattr(services, "clock", clock)
    engine = Engine(services, clock)
    engine.tick()  # leave nothing of earlier tests pending
    yield engine


@pytest.fixture
def sink(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    """A local SMTP server the email channel delivers to."""
    yield from running_sink(services, monkeypatch)
