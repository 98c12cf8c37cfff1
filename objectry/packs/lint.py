"""``objectry pack lint``: everything a partner can get wrong, before publishing.

The manifest against its schema; documents, component ids and kinds; every label and
description in both zh-CN and en; SOP files in both languages; sample data against the
fields it fills; then the metadata service's own validation as a dry run of the whole
batch (references across documents in any order, functions that do not compile), its
errors pointing into the pack's files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.problems import ErrorItem, FieldValueError, Problem, pointer
from objectry.packs import migrations
from objectry.packs.content import Pack, load_pack
from objectry.packs.install import in_files
from objectry.packs.manifest import MANIFEST_FILE, at
from objectry.packs.sample_values import DATE_TYPES, relative_moment
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.consent import CHANNELS
from objectry.runtime.lifecycle.consent import STATUSES as CONSENT_STATUSES
from objectry.runtime.schema import metadata_service

LANGUAGES = ("en", "zh-CN")
TRANSLATED = frozenset({"label", "description", "help", "title", "plural_label"})
MAX_SAMPLE_ERRORS = 50
#: A sample file's column naming the row's owner by email (not a field).
OWNER_COLUMN = "owner"
#: Sample file columns ``consent:email`` (``sms``, ``wecom``): the row's marketing
#: consent on that channel, ``opted_in`` or ``opted_out`` (not fields).
CONSENT_COLUMN = "consent:"
#: Any moment does to tell whether a cell is a relative date (``today-30``).
NOW = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def lint(files: Mapping[str, bytes], ctx: Context | None = None,
         dependencies: Sequence[Pack] = ()) -> list[ErrorItem]:
    """Every finding, in file order (empty: ready to build). With ``ctx`` (a scratch
    tenant the caller rolls back) the batch also runs through the metadata service,
    after the ``dependencies`` (the packs it requires, in dependency order) were
    installed there, so a pack building on another's objects lints as it installs."""
    try:
        pack = load_pack(files)
    except Problem as problem:
        return problem.errors
    findings = list(translations(pack)) + list(sop_files(pack))
    findings += list(sample_data(pack, dependencies))
    findings += workflows_named(pack)
    findings += migrations.problems(pack)
    if ctx is not None:
        findings += dry_run(ctx, pack, dependencies)
    return sorted(findings, key=lambda e: e.path)


def _language_maps(value: Any, path: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(value, dict):
        for key, item in value.items():
            here = path + pointer(key)
            if key in TRANSLATED and isinstance(item, dict):
                yield here, item
            else:
                yield from _language_maps(item, here)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _language_maps(item, path + pointer(i))


def translations(pack: Pack) -> Iterator[ErrorItem]:
    """A label or description without zh-CN or en (the platform's two languages)."""
    for component in pack.components:
        for path, texts in _language_maps(dict(component.document)):
            for language in LANGUAGES:
                if not str(texts.get(language) or "").strip():
                    yield ErrorItem(at(component.file, path), "pack_missing_translation",
                                    {"language": language})


def sop_files(pack: Pack) -> Iterator[ErrorItem]:
    for i, entry in enumerate(pack.manifest.raw.get("sop", [])):
        for language in LANGUAGES:
            if entry[language] not in pack.files:
                yield ErrorItem(at(MANIFEST_FILE, pointer("sop", i, language)),
                                "pack_file_missing", {"file": entry[language]})


def workflows_named(pack: Pack) -> list[ErrorItem]:
    names = {c.api_name for c in pack.components if c.kind == "workflow"}
    return [ErrorItem(at(MANIFEST_FILE, pointer("activate_workflows", i)),
                      "pack_unknown_workflow", {"workflow": name})
            for i, name in enumerate(pack.manifest.raw.get("activate_workflows", []))
            if name not in names]


def read_csv(pack: Pack, file: str) -> list[dict[str, str]]:
    text = (pack.text(file) or "").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def sample_data(pack: Pack, dependencies: Sequence[Pack] = ()) -> Iterator[ErrorItem]:
    """Each sample file fills an object of the pack (or of a pack it requires) with
    values its fields accept; its header names real fields (or ``owner``)."""
    objects = {c.api_name: c.document for p in [*dependencies, pack]
               for c in p.components if c.kind == "object"}
    for i, entry in enumerate(pack.manifest.raw.get("sample_data", [])):
        where = at(MANIFEST_FILE, pointer("sample_data", i))
        if entry["file"] not in pack.files:
            yield ErrorItem(where + "/file", "pack_file_missing", {"file": entry["file"]})
            continue
        definition = objects.get(entry["object"])
        if definition is None:
            yield ErrorItem(where + "/object", "unknown_object", {"object": entry["object"]})
            continue
        yield from _sample_rows(pack, entry["file"], definition)


def consent_channel(column: str) -> str | None:
    """The channel a ``consent:<channel>`` sample column sets, else None."""
    channel = column.removeprefix(CONSENT_COLUMN)
    return channel if column.startswith(CONSENT_COLUMN) and channel in CHANNELS else None


def _sample_rows(pack: Pack, file: str, definition: Mapping[str, Any]) -> Iterator[ErrorItem]:
    fields = {f["api_name"]: f for f in definition.get("fields", [])}
    found = 0
    try:
        rows = read_csv(pack, file)
    except csv.Error as exc:
        yield ErrorItem(at(file), "unreadable_file", {"file": file, "reason": str(exc)})
        return
    unknown = [c for c in (rows[0] if rows else {}) if c is None or (
        c not in fields and c != OWNER_COLUMN and consent_channel(c) is None)]
    for column in unknown:
        yield ErrorItem(at(file, pointer(0, str(column))), "unknown_field",
                        {"field": str(column), "object": definition["api_name"]})
    if unknown:
        return
    for n, row in enumerate(rows):
        for column, text in row.items():
            if column is not None and consent_channel(column) and text not in (
                    None, "", *CONSENT_STATUSES):
                found += 1
                yield ErrorItem(at(file, pointer(n + 1, column)), "schema_enum",
                                {"allowed": list(CONSENT_STATUSES)})
            if column is None or text in (None, "") or column not in fields:
                continue
            field = fields[column]
            kind = REGISTRY.get(field.get("type"))
            if kind is None or kind.reference:
                continue  # unknown types: the dry run; a lookup may name its target
            if relative_moment(text, NOW) is not None and kind.name in DATE_TYPES:
                continue  # today-30, now-2h
            try:
                kind.deserialize(field, text, lenient=True)
            except FieldValueError as exc:
                found += 1
                yield ErrorItem(at(file, pointer(n + 1, column)), exc.code, exc.params)
            if found >= MAX_SAMPLE_ERRORS:
                return


def dry_run(ctx: Context, pack: Pack, dependencies: Sequence[Pack] = ()) -> list[ErrorItem]:
    """The metadata service's validation of the whole batch, in the pack's pointers
    (on ``ctx``, a scratch tenant, after its dependencies' documents were applied)."""
    components = list(pack.components)
    work = migrations.isolated(ctx)
    for needed in dependencies:
        try:
            applied = metadata_service.apply_documents(
                work, [dict(c.document) for c in needed.components], dry_run=False)
        except Problem as problem:
            return [ErrorItem(at(MANIFEST_FILE, pointer("requires", needed.name)),
                              e.code, e.params) for e in problem.errors]
        work = work.with_version(applied["version"])
    try:
        metadata_service.apply_documents(work, [dict(c.document) for c in components],
                                         dry_run=True)
    except Problem as problem:
        return in_files(problem, pack, components).errors
    return []
