"""``objectry pack lint``: everything a partner can get wrong, before publishing.

The manifest against its schema; documents, component ids and kinds; every label and
description in both zh-CN and en; SOP files in both languages; sample data against the
fields it fills; then the metadata service's own validation as a dry run of the whole
batch (references across documents in any order, functions that do not compile), its
errors pointing into the pack's files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.problems import ErrorItem, FieldValueError, Problem, pointer
from objectry.packs import migrations
from objectry.packs.content import Pack, load_pack
from objectry.packs.install import in_files
from objectry.packs.manifest import MANIFEST_FILE, at
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

LANGUAGES = ("en", "zh-CN")
TRANSLATED = frozenset({"label", "description", "help", "title", "plural_label"})
MAX_SAMPLE_ERRORS = 50


def lint(files: Mapping[str, bytes], ctx: Context | None = None) -> list[ErrorItem]:
    """Every finding, in file order (empty: ready to build). With ``ctx`` (a scratch
    tenant the caller rolls back) the batch also runs through the metadata service."""
    try:
        pack = load_pack(files)
    except Problem as problem:
        return problem.errors
    findings = list(translations(pack)) + list(sop_files(pack)) + list(sample_data(pack))
    findings += workflows_named(pack)
    findings += migrations.problems(pack)
    if ctx is not None:
        findings += dry_run(ctx, pack)
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


def sample_data(pack: Pack) -> Iterator[ErrorItem]:
    """Each sample file fills an object of the pack with values its fields accept."""
    objects = {c.api_name: c.document for c in pack.components if c.kind == "object"}
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


def _sample_rows(pack: Pack, file: str, definition: Mapping[str, Any]) -> Iterator[ErrorItem]:
    fields = {f["api_name"]: f for f in definition.get("fields", [])}
    found = 0
    try:
        rows = read_csv(pack, file)
    except csv.Error as exc:
        yield ErrorItem(at(file), "unreadable_file", {"file": file, "reason": str(exc)})
        return
    for n, row in enumerate(rows):
        for column, text in row.items():
            if column is None or column not in fields:
                yield ErrorItem(at(file, pointer(0, str(column))), "unknown_field",
                                {"field": str(column), "object": definition["api_name"]})
                return
            if text in (None, ""):
                continue
            field = fields[column]
            kind = REGISTRY.get(field.get("type"))
            if kind is None:
                continue  # the dry run reports the unknown type where it stands
            try:
                kind.deserialize(field, text, lenient=True)
            except FieldValueError as exc:
                found += 1
                yield ErrorItem(at(file, pointer(n + 1, column)), exc.code, exc.params)
            if found >= MAX_SAMPLE_ERRORS:
                return


def dry_run(ctx: Context, pack: Pack) -> list[ErrorItem]:
    """The metadata service's validation of the whole batch, in the pack's pointers."""
    components = list(pack.components)
    try:
        metadata_service.apply_documents(ctx, [dict(c.document) for c in components],
                                         dry_run=True)
    except Problem as problem:
        return in_files(problem, pack, components).errors
    return []
