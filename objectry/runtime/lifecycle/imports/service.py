"""An import from upload to error file: create with its preview, remap, status, errors.

The upload stores every row of the file (as text) with the import, then previews it:
columns mapped to fields, each row checked as a create would check it (nothing is
written), and the rows that look like records already there (the object's duplicate
rules). Running it is ``jobs``' work; this module says whether it may run.

An import is its creator's: only they and tenant administrators see it (others: 404).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa

from objectry.metadata.i18n import message
from objectry.metadata.problems import Conflict, ErrorItem, Invalid, NotFound, Problem, pointer
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.lifecycle import bulk
from objectry.runtime.lifecycle.duplicates import find_duplicates
from objectry.runtime.lifecycle.imports import checks_store, reading, retention
from objectry.runtime.lifecycle.imports import mapping as mappings
from objectry.runtime.lifecycle.imports.assignment import AssignmentSimulation
from objectry.runtime.lifecycle.imports.tables import import_rows, imports
from objectry.runtime.lifecycle.imports.windows import windows
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.records import batch

CHECK_BATCH = 1000  # rows checked at a time by the preview
SHOWN = 100  # issues and duplicates listed in a preview (all are in the error file)
RUNNABLE = ("previewed", "queued", "running")


@dataclass(frozen=True)
class Upload:
    """What a caller sends: the file, and optionally a mapping (or the id of an earlier
    import whose mapping to reuse) and a unique field to update records on."""

    file_name: str
    data: bytes
    mapping: Any = None
    mapping_from: str | None = None
    upsert_on: str | None = None
    encoding: str | None = None


def create(ctx: Context, object_name: str, upload: Upload,
           limits: reading.Limits) -> dict[str, Any]:
    """Store the file's rows as a new import and answer its preview."""
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    guard.require("create")
    given = mappings.read_mapping(upload.mapping)
    if upload.mapping_from:
        given = {**_load(ctx, upload.mapping_from)["mapping"], **given}
    _check_upsert(model, guard, upload.upsert_on)
    sheet = reading.read(upload.data, limits, upload.encoding)
    retention.purge_expired(ctx)  # the tenant's imports past retention lose their rows
    now = ctx.now()
    import_id = uuid7()
    mapped, _ = mappings.map_columns(model, guard, sheet.columns, given)
    ctx.conn.execute(imports.insert(), {
        "id": import_id, "tenant_id": ctx.tenant.id, "object": model.api_name,
        "status": "previewed", "file_name": upload.file_name[:255] or "upload",
        "file_format": sheet.file_format, "encoding": sheet.encoding,
        "columns": sheet.columns, "mapping": mapped, "upsert_on": upload.upsert_on,
        "total_rows": len(sheet.rows), "created_by": ctx.actor.user_id,
        "locale": ctx.locale, "created_at": now, "updated_at": now})
    return _preview(ctx, model, guard, _load(ctx, str(import_id)),
                    [_Row(number, cells) for number, cells in sheet.rows])


def remap(ctx: Context, import_id: str, body: Any) -> dict[str, Any]:
    """A new mapping (and ``upsert_on``) for an import not yet run; a new preview."""
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = sorted(set(body) - {"mapping", "upsert_on"})
    if unknown:
        raise Invalid([ErrorItem(pointer(k), "unknown_parameter", {"name": k})
                       for k in unknown])
    found = _load(ctx, import_id)
    if found["status"] != "previewed":
        raise Conflict(detail_code="import_state", state=found["status"])
    model = get_model(ctx, found["object"])
    guard = Guard(ctx, model)
    given = {**found["mapping"], **mappings.read_mapping(body.get("mapping"))}
    upsert_on = body.get("upsert_on", found["upsert_on"])
    _check_upsert(model, guard, upsert_on)
    mapped, _ = mappings.map_columns(model, guard, found["columns"], given)
    ctx.conn.execute(imports.update().where(imports.c.id == found["id"]).values(
        mapping=mapped, upsert_on=upsert_on, updated_at=ctx.now()))
    return _preview(ctx, model, guard, _load(ctx, import_id))


def _check_upsert(model: ObjectModel, guard: Guard, name: Any) -> None:
    if name is None:
        return
    field = model.fields.get(name) if isinstance(name, str) else None
    if field is None or guard.unknowable(name) or not field.definition.get("unique"):
        raise Invalid([ErrorItem("/upsert_on", "bulk_upsert_field", {"field": str(name)})])


class _Row(NamedTuple):
    row_no: int
    cells: list[str]


def _preview(ctx: Context, model: ObjectModel, guard: Guard, found: Mapping[str, Any],
             fresh: Sequence[_Row] | None = None) -> dict[str, Any]:
    """Check every row as the run will write it (a create, or an upsert's update;
    writing nothing), keep each row's errors (and match keys) with it, count the rows
    that look like existing records, say what assignment would do with the new ones,
    and answer. ``fresh``: an upload's rows, stored here with what was found (one
    insert, no update); otherwise the import's stored rows are read and updated."""
    invalid, duplicate_rows = 0, 0
    assigning = AssignmentSimulation(ctx, model.api_name, SHOWN)
    duplicates: list[dict[str, Any]] = []
    fingerprints: dict[str, str] = {}
    batches: Iterable[Sequence[Any]] = windows(
        ctx.conn, found["id"], [import_rows.c.row_no, import_rows.c.cells], [], CHECK_BATCH
    ) if fresh is None else (fresh[i:i + CHECK_BATCH] for i in range(0, len(fresh),
                                                                      CHECK_BATCH))
    for rows in batches:
        items = mappings.records_of(model, found["columns"], found["mapping"],
                                    [r.cells for r in rows])
        problems, created, matched = _checked(ctx, model, found["upsert_on"], items)
        errors_of = [_row_errors(problem, found["upsert_on"]) for problem in problems]
        invalid += sum(1 for errors in errors_of if errors)
        assigning.add([(rows[i].row_no, {**values, "id": None, "owner": ctx.actor.user_id})
                       for i, values in created])
        exclude = [matched.get(i) for i in range(len(items))]
        keys: dict[str, tuple[str, list[list[Any] | None]]] = {}
        for row, matches in zip(rows, find_duplicates(ctx, model.api_name, items, exclude,
                                                      keys), strict=True):
            if matches:
                duplicate_rows += 1
                if len(duplicates) < SHOWN:
                    duplicates.append({"row": row.row_no, "matches": [
                        {**m, "row": rows[m["row"]].row_no} if "row" in m else m
                        for m in matches]})
        fingerprints.update((name, fingerprint) for name, (fingerprint, _) in keys.items())
        checked = [
            (row.row_no, errors or None,
             {name: entry for name, (_, found_keys) in keys.items()
              if (entry := found_keys[i]) is not None} or None)
            for i, (row, errors) in enumerate(zip(rows, errors_of, strict=True))]
        if fresh is None:
            checks_store.store(ctx.conn, found["id"], checked)
        else:
            checks_store.insert(ctx.conn, found["id"], [r.cells for r in rows], checked)
    summary = {"duplicate_rows": duplicate_rows, "duplicates": _stored_json(duplicates),
               "assignment": assigning.preview.as_json()}
    ctx.conn.execute(imports.update().where(imports.c.id == found["id"]).values(
        invalid_rows=invalid, preview=summary, match_rules=fingerprints or None))
    return status(ctx, str(found["id"]))


def _row_errors(problem: Problem | None, upsert_on: str | None) -> list[dict[str, Any]]:
    """A checked row's errors as stored with it; an upsert row's clash on its own
    ``upsert_on`` value is no error (the run updates that record)."""
    if problem is None:
        return []
    return [_stored(e) for e in (problem.errors or [ErrorItem("", problem.detail_code,
                                                             problem.params)])
            if not (upsert_on and e.code == "unique_violation"
                    and e.path == pointer(upsert_on))]


def _stored_json(duplicates: list[dict[str, Any]]) -> Any:
    """The duplicates as kept with the import: which records (or rows), never their
    values (whoever reads the import later sees no record through it)."""
    return json.loads(json.dumps([
        {**d, "matches": [{k: v for k, v in m.items() if k != "record"}
                          for m in d["matches"]]} for d in duplicates], default=str))


def _checked(ctx: Context, model: ObjectModel, upsert_on: str | None, items: list[Any]
             ) -> tuple[list[Problem | None], list[tuple[int, dict[str, Any]]],
                        dict[int, Any]]:
    """Each item checked as the run will write it: an item matching a stored record on
    ``upsert_on`` as an update of that record (its edit rights and rules), the others as
    creates. Per item its problem; the good new ones' (index, values); index -> the
    record each matched item updates."""
    matched = bulk.matched_records(ctx, model, upsert_on, items) if upsert_on else {}
    problems: list[Problem | None] = [None] * len(items)
    fresh = [i for i in range(len(items)) if i not in matched]
    created = []
    for index, result in zip(fresh, batch.check_many(ctx, model.api_name,
                                                     [items[i] for i in fresh]), strict=True):
        problems[index] = result.problem
        if result.problem is None and result.values is not None:
            created.append((index, result.values))
    for index, record_id in matched.items():
        problems[index] = bulk.check_update(ctx, model, record_id, items[index])
    return problems, created, matched


def _stored(error: ErrorItem) -> dict[str, Any]:
    return {"path": error.path, "code": error.code,
            "params": {k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
                       for k, v in error.params.items()}}


def _shown(ctx: Context, error: ErrorItem) -> dict[str, Any]:
    return {"path": error.path, "code": error.code, "params": dict(error.params),
            "message": message(error.code, ctx.locale, error.params)}


def _load(ctx: Context, import_id: str) -> dict[str, Any]:
    """The import, if the caller may see it (its creator, an administrator)."""
    try:
        key = uuid.UUID(str(import_id))
    except ValueError:
        raise NotFound(detail_code="not_found") from None
    row = ctx.conn.execute(sa.select(imports).where(
        imports.c.id == key, imports.c.tenant_id == ctx.tenant.id)).mappings().first()
    if row is None or not (ctx.actor.is_admin or row["created_by"] == ctx.actor.user_id):
        raise NotFound(detail_code="not_found")
    return dict(row)


def status(ctx: Context, import_id: str) -> dict[str, Any]:
    """An import's state: counts, progress, rate and ETA, mapping and its row issues
    (the first ``SHOWN``; the error file has them all)."""
    found = _load(ctx, import_id)
    model = get_model(ctx, found["object"])
    _, mapping_errors = mappings.map_columns(model, Guard(ctx, model), found["columns"],
                                            found["mapping"])
    issues = _issues(ctx, found, SHOWN)
    done, failed, total = found["rows_done"], found["rows_failed"], found["total_rows"]
    rate = eta = None
    if found["started_at"] is not None and done + failed:
        end = found["finished_at"] or ctx.now()
        seconds = max((end - found["started_at"]).total_seconds(), 0.001)
        rate = round((done + failed) / seconds, 1)
        if found["finished_at"] is None:
            eta = round((total - done - failed) / rate, 1)
    lease = found["lease_until"]
    return {
        "id": str(found["id"]), "object": found["object"], "status": found["status"],
        "file_name": found["file_name"], "format": found["file_format"],
        "encoding": found["encoding"],
        "columns": [{"column": c, "field": found["mapping"].get(c)} for c in found["columns"]],
        "upsert_on": found["upsert_on"],
        "rows": total, "valid": total - found["invalid_rows"],
        "invalid": found["invalid_rows"], "rows_done": done, "rows_failed": failed,
        "rows_pending": total - done - failed, "rate": rate, "eta_seconds": eta,
        "stalled": found["status"] in ("queued", "running") and lease is not None
        and lease < ctx.now(),
        "runnable": not mapping_errors and found["status"] in RUNNABLE,
        "rows_purged": retention.purged(ctx, found),
        "mapping_errors": [_shown(ctx, e) for e in mapping_errors],
        "issues": issues,
        "preview": None if found["preview"] is None else {
            "mapping_errors": [_shown(ctx, e) for e in mapping_errors], **found["preview"]},
        "error": None if found["error"] is None else {
            **found["error"], "message": message(found["error"]["code"], ctx.locale,
                                                 found["error"].get("params") or {})},
        "created_at": found["created_at"], "started_at": found["started_at"],
        "finished_at": found["finished_at"]}


def _issues(ctx: Context, found: Mapping[str, Any], limit: int | None) -> list[dict[str, Any]]:
    """The rows' errors in row order (the first ``limit``). Only rows the preview
    refused or the run failed have errors: an import with neither has none to look for
    (a look that reads every row of the import when none matches)."""
    if not found["invalid_rows"] and not found["rows_failed"]:
        return []
    query = sa.select(import_rows.c.row_no, import_rows.c.errors).where(
        import_rows.c.import_id == found["id"], import_rows.c.errors.is_not(None)
    ).order_by(import_rows.c.row_no)
    if limit is not None:
        query = query.limit(limit)
    by_field = {f: c for c, f in found["mapping"].items() if f}
    return [{"row": row.row_no, **_issue(ctx, by_field, error)}
            for row in ctx.conn.execute(query) for error in row.errors or []]


def _issue(ctx: Context, by_field: Mapping[str, str], error: Mapping[str, Any]) -> dict[str, Any]:
    field = error["path"].split("/")[1] if error["path"].count("/") >= 1 else ""
    return {"column": by_field.get(field), "field": field or None, "code": error["code"],
            "message": message(error["code"], ctx.locale, error.get("params") or {})}


def request_run(ctx: Context, import_id: str) -> dict[str, Any]:
    """Queue an import to run (or resume one that stopped); 409 when it may not."""
    found = _load(ctx, import_id)
    model = get_model(ctx, found["object"])
    guard = Guard(ctx, model)
    guard.require("create")
    _, mapping_errors = mappings.map_columns(model, guard, found["columns"], found["mapping"])
    if found["status"] not in RUNNABLE:
        raise Conflict(detail_code="import_state", state=found["status"])
    if mapping_errors:
        raise Conflict(mapping_errors, detail_code="import_not_ready",
                       reason=message(mapping_errors[0].code, ctx.locale,
                                      mapping_errors[0].params))
    if found["status"] == "previewed":
        ctx.conn.execute(imports.update().where(imports.c.id == found["id"]).values(
            status="queued", updated_at=ctx.now()))
    return status(ctx, import_id)


def error_file(ctx: Context, import_id: str) -> tuple[str, Iterator[str]]:
    """The failed rows (before a run: the rows the preview refused) as CSV, the
    file's own columns then ``reason`` in the caller's language; with its file name."""
    found = _load(ctx, import_id)
    by_field = {f: c for c, f in found["mapping"].items() if f}
    reason = message("import_reason_column", ctx.locale)

    def lines() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        out.write("\ufeff")
        writer.writerow([*found["columns"], reason])
        for rows in windows(ctx.conn, found["id"], [
                import_rows.c.row_no, import_rows.c.cells, import_rows.c.errors],
                [import_rows.c.errors.is_not(None)], CHECK_BATCH):
            for row in rows:
                text = "; ".join(_reason(_issue(ctx, by_field, e)) for e in row.errors or [])
                writer.writerow([*(_safe(c) for c in row.cells), text])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        if out.tell():
            yield out.getvalue()

    stem = found["file_name"].rsplit(".", 1)[0] or "import"
    return f"{stem}-errors.csv", lines()


def _reason(issue: Mapping[str, Any]) -> str:
    return f"{issue['column']}: {issue['message']}" if issue["column"] else issue["message"]


def _safe(cell: str) -> str:
    """A cell written back to a spreadsheet cannot run as a formula (CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def list_imports(ctx: Context, limit: int) -> list[dict[str, Any]]:
    """The caller's imports (an administrator: everyone's), newest first."""
    query = sa.select(imports.c.id).where(imports.c.tenant_id == ctx.tenant.id)
    if not ctx.actor.is_admin:
        query = query.where(imports.c.created_by == ctx.actor.user_id)
    ids = ctx.conn.execute(query.order_by(imports.c.created_at.desc()).limit(limit)).scalars()
    return [status(ctx, str(i)) for i in ids]

