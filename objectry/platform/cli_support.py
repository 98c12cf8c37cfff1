"""What every ``objectry`` command shares: consoles, problem reporting, services, progress."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from objectry.metadata.i18n import message
from objectry.metadata.problems import Problem
from objectry.platform.config import Settings
from objectry.platform.services import Services

DEMO_TENANT = "demo"


def console(stderr: bool = False) -> Console:
    """A console without syntax highlighting (names and ids print as typed)."""
    return Console(stderr=stderr, highlight=False)


def reports_problems(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print a Problem's messages (in the user's language) and exit with status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except Problem as problem:
            err = console(stderr=True)
            err.print(f"[red]{message(problem.detail_code, 'en', problem.params)}[/red]")
            for error in problem.errors:
                err.print(f"  {error.path or '/'}: {message(error.code, 'en', error.params)}")
            for plan in problem.extra.get("plans", []):
                print_plan(plan, err)
            sys.exit(1)

    return wrapper


def start_services(*, migrate: bool = False) -> Services:
    """Services from the environment (``OBJECTRY_*``). With ``migrate`` the catalog is
    brought up to date (``serve``); otherwise it must already be, or the command stops
    with ``schema_not_current`` (run ``objectry db upgrade``)."""
    settings = Settings.from_env()
    return Services.start(settings, migrate=True) if migrate else Services.start_current(settings)


@contextmanager
def progress() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar fed by the context's ``progress`` callback."""
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(),
                  console=console(stderr=True), transient=True) as bars:
        tasks: dict[str, TaskID] = {}

        def report(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bars.add_task(label, total=total)
            bars.update(tasks[label], completed=done, total=total)

        yield report


def print_plan(plan: dict[str, Any], out: Console) -> None:
    """A migration plan as a table: step, field, data impact."""
    table = Table(title=f"plan for {plan['object']}", title_justify="left")
    for column in ("step", "field", "impact"):
        table.add_column(column)
    for step in plan["steps"]:
        impact = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False, default=str)}"
                           for k, v in step.items() if k not in ("action", "field"))
        table.add_row(step["action"], step.get("field") or "", impact)
    if not plan["steps"]:
        table.add_row("(no change)", "", "")
    out.print(table)
