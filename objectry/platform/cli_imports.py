"""``objectry import FILE --object lead --tenant T [--mapping M] [--dry-run]``: preview a
CSV or XLSX file, then apply it in batches in the foreground with a progress bar.

``--mapping`` is a JSON file (``{"column": "field" or null}``) or the id of an earlier
import whose mapping to reuse; ``--dry-run`` prints the preview and stores nothing;
``--resume ID`` continues an import that stopped, from its last committed batch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from objectry.metadata.i18n import message
from objectry.metadata.problems import Invalid, PayloadTooLarge
from objectry.platform import collector, import_jobs
from objectry.platform.cli_support import console, progress, reports_problems, start_services
from objectry.runtime.lifecycle.imports import reading, service


class _DryRun(Exception):
    """Leaves the preview's transaction without storing the import."""

    def __init__(self, preview: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.preview = preview


@click.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path))
@click.option("--object", "object_name", default=None, help="api_name of the object.")
@click.option("--tenant", required=True, help="The tenant's slug.")
@click.option("--mapping", default=None,
              help="A JSON file {column: field|null}, or the id of an earlier import.")
@click.option("--upsert-on", default=None, help="A unique field: update records matching it.")
@click.option("--encoding", type=click.Choice(["utf-8", "gb18030"]), default=None,
              help="The CSV's encoding (default: detected).")
@click.option("--dry-run", is_flag=True, help="Print the preview; store and write nothing.")
@click.option("--resume", default=None, metavar="ID", help="Continue an import that stopped.")
@reports_problems
def import_file(file: Path | None, object_name: str | None, tenant: str, mapping: str | None,
                upsert_on: str | None, encoding: str | None, dry_run: bool,
                resume: str | None) -> None:
    """Import a CSV or XLSX file into an object, as the platform (validation, audit)."""
    services = start_services()
    collector.settle()  # a long run of short-lived rows: see platform.collector
    out = console()
    try:
        if resume is None:
            if file is None or object_name is None:
                raise click.UsageError("FILE and --object are needed (or --resume ID)")
            preview = _preview(services, tenant, object_name, file, mapping, upsert_on,
                               encoding, dry_run)
            _print_preview(out, preview)
            if dry_run:
                return
            with services.for_tenant(tenant) as ctx:
                preview = service.request_run(ctx, preview["id"])
            resume = preview["id"]
        with progress() as report:
            status = import_jobs.run_import(
                services, resume, report=lambda done, total: report("import", done, total))
        with services.for_tenant(tenant) as ctx:
            final = service.status(ctx, resume)
        out.print(f"import {final['id']}: {status}, {final['rows_done']} rows written, "
                  f"{final['rows_failed']} failed")
        if final["rows_failed"]:
            out.print(f"failed rows: GET /api/v1/imports/{final['id']}/errors")
    finally:
        services.close()


def _preview(services: Any, tenant: str, object_name: str, file: Path, mapping: str | None,
             upsert_on: str | None, encoding: str | None, dry_run: bool) -> dict[str, Any]:
    given, mapping_from = None, None
    if mapping is not None and Path(mapping).is_file():
        try:
            given = json.loads(Path(mapping).read_text("utf-8"))
        except ValueError as exc:
            raise click.BadParameter(f"{mapping}: not JSON ({exc})",
                                     param_hint="--mapping") from exc
    elif mapping is not None:
        mapping_from = mapping
    settings = services.settings
    limits = reading.Limits(max_rows=settings.import_max_rows,
                            max_bytes=settings.import_max_bytes)
    if file.stat().st_size > limits.max_bytes:
        raise PayloadTooLarge(detail_code="import_too_large", max=limits.max_bytes)
    upload = service.Upload(file_name=file.name, data=file.read_bytes(), mapping=given,
                            mapping_from=mapping_from, upsert_on=upsert_on, encoding=encoding)
    try:
        with services.for_tenant(tenant) as ctx:
            preview = service.create(ctx, object_name, upload, limits)
            if dry_run:
                raise _DryRun(preview)
    except _DryRun as stopped:
        return stopped.preview
    if preview["mapping_errors"]:
        _print_preview(console(), preview)
        raise Invalid(detail_code="import_not_ready",
                      reason=preview["mapping_errors"][0]["message"])
    return preview


def _print_preview(out: Any, preview: dict[str, Any]) -> None:
    table = Table(title=f"{preview['format']} → {preview['object']}", title_justify="left")
    table.add_column("column")
    table.add_column("field")
    for column in preview["columns"]:
        table.add_row(column["column"], column["field"] or "-")
    out.print(table)
    for error in preview["mapping_errors"]:
        out.print(f"[red]{error['path']}: {error['message']}[/red]")
    out.print(f"{preview['rows']} rows: {preview['valid']} valid, {preview['invalid']} "
              f"invalid, {preview.get('preview', {}).get('duplicate_rows', 0)} with "
              "possible duplicates")
    for issue in preview["issues"][:20]:
        where = f"row {issue['row']}" + (f", {issue['column']}" if issue["column"] else "")
        out.print(f"  {where}: {issue['message']}")
    if preview["invalid"]:
        out.print(message("import_invalid_rows_skipped", "en", {"count": preview["invalid"]}))
