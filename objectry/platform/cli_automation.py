"""``objectry automation tick [--at ISO-8601]``: run everything due by an instant, in order.

Catch-up after downtime (overdue waits fire oldest first) and time travel in tests and
demos ("what happens 30 days later") are the same command.
"""

from __future__ import annotations

import click

from objectry.metadata.fieldtypes.datetime import parse_instant
from objectry.metadata.problems import FieldValueError
from objectry.platform.automation import tick_at
from objectry.platform.cli_support import console, reports_problems, start_services


@click.group()
def automation() -> None:
    """The automation engine: tick."""


@automation.command("tick")
@click.option("--at", "at", default=None, metavar="ISO-8601",
              help="Act as if it were this instant (default: now).")
@reports_problems
def automation_tick(at: str | None) -> None:
    """Match pending events and advance every run due by --at."""
    instant = None
    if at is not None:
        try:
            instant = parse_instant(at)
        except FieldValueError as exc:
            raise click.BadParameter(f"{at!r}: expected ISO 8601 with an offset, "
                                     "e.g. 2026-12-01T09:00:00+08:00", param_hint="--at") from exc
    report = tick_at(start_services(), instant)
    console().print(f"{report.events} events matched, {report.steps} steps run")
