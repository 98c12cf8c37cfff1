"""What every ``objectry`` command shares: consoles, problem reporting, services, progress."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Column, Table

from objectry.metadata.i18n import message
from objectry.metadata.problems import Problem
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime.kernel.context import Context

DEMO_TENANT = "demo"
Found = TypeVar("Found")

tenant_option = click.option("--tenant", "slug", default=DEMO_TENANT, show_default=True,
                             envvar="OBJECTRY_TENANT")


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


def read_tenant(slug: str, read: Callable[[Context], Found]) -> Found:
    """What ``read`` finds on tenant ``slug`` in a read-only transaction: the listing
    commands' one query."""
    services = start_services()
    with services.for_tenant(slug, read_only=True) as ctx:
        return read(ctx)


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


def print_table(columns: Sequence[str], rows: Iterable[Sequence[str]], *,
                title: str | None = None, out: Console | None = None) -> None:
    """Rows under ``columns``, every command's table alike: the first column (a name or
    id to copy into the next command) never wraps, the title sits on the left."""
    first, *rest = columns
    table = Table(Column(first, no_wrap=True), *rest, title=title, title_justify="left")
    for row in rows:
        table.add_row(*row)
    (out or console()).print(table)


def print_plan(plan: dict[str, Any], out: Console) -> None:
    """A migration plan as a table: step, field, data impact."""
    rows = [(step["action"], step.get("field") or "",
             ", ".join(f"{k}={json.dumps(v, ensure_ascii=False, default=str)}"
                       for k, v in step.items() if k not in ("action", "field")))
            for step in plan["steps"]]
    print_table(("step", "field", "impact"), rows or [("(no change)", "", "")],
                title=f"plan for {plan['object']}", out=out)
