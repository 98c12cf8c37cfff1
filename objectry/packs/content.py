"""A pack's content: its definition documents with their stable component ids,
function code, sample data and SOP documents, read from the files of ``archive``.

Documents are the same ones the metadata API takes. A function document may leave out
``code``: the ``.py`` file beside it (``functions/score.json`` + ``functions/score.py``)
provides it, so partners edit Python as Python. A field of an object may carry its own
stable ``id`` (taken out of the document into ``Component.field_ids``), so a later
version renaming the field is seen as a rename, data kept.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.packs.archive import SIGNATURE_FILE
from objectry.packs.manifest import MANIFEST_FILE, Manifest, at, parse_json, read_manifest
from objectry.runtime.schema.metadata_service import KINDS

DEFAULT_CONTENTS = ("**/*.json",)


@dataclass(frozen=True)
class Component:
    """One definition the pack ships: its stable id, its file and its document."""

    id: str
    file: str
    document: Mapping[str, Any]
    field_ids: Mapping[str, str] = field(default_factory=dict)  # field id -> api_name

    @property
    def kind(self) -> str:
        return str(self.document["kind"])

    @property
    def api_name(self) -> str:
        return str(self.document["api_name"])

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.api_name


@dataclass(frozen=True)
class Pack:
    manifest: Manifest
    files: Mapping[str, bytes]
    components: tuple[Component, ...]

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> str:
        return self.manifest.version_text

    def text(self, file: str) -> str | None:
        data = self.files.get(file)
        return None if data is None else data.decode("utf-8", "replace")

    def component_at(self, file: str) -> Component | None:
        return next((c for c in self.components if c.file == file), None)


def matches(name: str, pattern: str) -> bool:
    """A glob where ``**/`` also matches no directory at all."""
    return fnmatch.fnmatchcase(name, pattern) or (
        pattern.startswith("**/") and fnmatch.fnmatchcase(name, pattern[3:]))


def content_files(manifest: Manifest, files: Mapping[str, bytes]) -> list[str]:
    patterns = manifest.raw.get("contents") or DEFAULT_CONTENTS
    return sorted(name for name in files
                  if name.endswith(".json") and name not in (MANIFEST_FILE, SIGNATURE_FILE)
                  and any(matches(name, p) for p in patterns))


def load_pack(files: Mapping[str, bytes]) -> Pack:
    """The pack of ``files``; every error names its file and a pointer into it."""
    manifest = read_manifest(files)
    ids = {file: cid for cid, file in manifest.raw["components"].items()}
    errors: list[ErrorItem] = []
    for cid, file in manifest.raw["components"].items():
        if file not in files:
            errors.append(ErrorItem(at(MANIFEST_FILE, f"/components/{cid}"),
                                    "pack_component_file_missing", {"file": file}))
    if len(ids) != len(manifest.raw["components"]):
        errors.append(ErrorItem(at(MANIFEST_FILE, "/components"),
                                "pack_component_file_twice", {}))
    components: list[Component] = []
    seen: dict[tuple[str, str], str] = {}
    for file in content_files(manifest, files):
        document = parse_json(file, files[file])
        if not isinstance(document, dict):
            errors.append(ErrorItem(at(file), "expected_object", {}))
            continue
        if document.get("kind") not in KINDS:
            errors.append(ErrorItem(at(file, "/kind"), "pack_unknown_kind",
                                    {"kind": str(document.get("kind"))[:63],
                                     "allowed": list(KINDS)}))
            continue
        if not isinstance(document.get("api_name"), str):
            errors.append(ErrorItem(at(file, "/api_name"), "schema_required",
                                    {"property": "api_name"}))
            continue
        if file not in ids:
            errors.append(ErrorItem(at(file), "pack_component_id_missing", {"file": file}))
            continue
        document = _with_code(file, document, files)
        document, field_ids = _field_ids(file, document, errors)
        key = (document["kind"], document["api_name"])
        if key in seen:
            errors.append(ErrorItem(at(file, "/api_name"), "pack_duplicate_definition",
                                    {"kind": key[0], "api_name": key[1], "other": seen[key]}))
            continue
        seen[key] = file
        components.append(Component(ids[file], file, document, field_ids))
    if errors:
        raise Invalid(errors, detail_code="pack_invalid")
    return Pack(manifest, files, tuple(components))


def _field_ids(file: str, document: dict[str, Any],
               errors: list[ErrorItem]) -> tuple[dict[str, Any], dict[str, str]]:
    """The object without its fields' stable ids, and those ids (id -> api_name)."""
    fields = document.get("fields")
    if document["kind"] != "object" or not isinstance(fields, list):
        return document, {}
    found: dict[str, str] = {}
    clean = []
    for i, item in enumerate(fields):
        if isinstance(item, dict) and "id" in item:
            fid, item = item["id"], {k: v for k, v in item.items() if k != "id"}
            if not isinstance(fid, str) or not fid or fid in found:
                errors.append(ErrorItem(at(file, f"/fields/{i}/id"), "pack_field_id_invalid",
                                        {"id": str(fid)[:63]}))
            elif isinstance(item.get("api_name"), str):
                found[fid] = item["api_name"]
        clean.append(item)
    return {**document, "fields": clean}, found


def _with_code(file: str, document: dict[str, Any],
               files: Mapping[str, bytes]) -> dict[str, Any]:
    code_file = file[:-len(".json")] + ".py"
    if document["kind"] == "function" and "code" not in document and code_file in files:
        return {**document, "code": files[code_file].decode("utf-8", "replace")}
    return document


def code_file(component: Component, files: Mapping[str, bytes]) -> str | None:
    """The ``.py`` file a function's code came from (for error pointers)."""
    name = component.file[:-len(".json")] + ".py"
    return name if component.kind == "function" and name in files else None
