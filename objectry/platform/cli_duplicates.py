"""``objectry duplicates rebuild RULE --tenant T [--force]``: key every record of a
duplicate rule in the foreground, with a progress bar.

Saving a rule keys its records in the same request; over a million records that is most
of a minute (docs/scaling.md), which an administrator may rather run here, watched, or
run again with ``--force`` to repair keys a direct database edit left behind.
"""

from __future__ import annotations

import click

from objectry.platform.cli_support import (
    console,
    progress,
    reports_problems,
    start_services,
    tenant_option,
)
from objectry.runtime.lifecycle.duplicates import build_keys


@click.group()
def duplicates() -> None:
    """Duplicate rules: keys of the records they compare."""


@duplicates.command("rebuild")
@click.argument("rule")
@tenant_option
@click.option("--force", is_flag=True, help="Key every record again even if current.")
@reports_problems
def rebuild(rule: str, slug: str, force: bool) -> None:
    """Key every record for a duplicate rule (only if its keys are stale, unless --force)."""
    services = start_services()
    with progress() as report, services.for_tenant(slug, progress=report) as ctx:
        answer = build_keys(ctx, rule, force=force)
    state = "rebuilt" if answer["rebuilt"] else "already current"
    console().print(f"{answer['rule']}: {state}, {answer['keys']} keys")
