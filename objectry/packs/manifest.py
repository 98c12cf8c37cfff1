"""The manifest (``pack.json``): its JSON Schema, SemVer versions and version ranges.

Versions are SemVer ``MAJOR.MINOR.PATCH`` (the schema holds the form); ranges
(``platform``, ``requires``) are PEP 440 specifier sets parsed with the ``packaging``
library (``>=1.2,<2``, ``~=1.4``, ``==1.*``), which orders plain SemVer versions exactly
as SemVer does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from objectry.metadata.problems import ErrorItem, Invalid, pointer
from objectry.metadata.validation.objects import schema_errors

MANIFEST_FILE = "pack.json"


def at(file: str, path: str = "") -> str:
    """Where an error stands: ``objects/lead.json#/fields/3``."""
    return f"{file}#{path}"


@dataclass(frozen=True)
class Manifest:
    """A checked manifest."""

    raw: Mapping[str, Any]
    name: str
    version: Version
    platform: SpecifierSet | None
    requires: Mapping[str, SpecifierSet]

    @property
    def version_text(self) -> str:
        return str(self.raw["version"])


def parse_json(file: str, data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Invalid([ErrorItem(at(file), "unreadable_file",
                                 {"file": file, "reason": str(exc)[:200]})],
                      detail_code="unreadable_file", file=file, reason=str(exc)[:200]) from exc


def parse_range(text: str, where: str) -> SpecifierSet:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise Invalid([ErrorItem(where, "pack_bad_range", {"range": text[:200]})],
                      detail_code="pack_bad_range", range=text[:200]) from exc


def read_manifest(files: Mapping[str, bytes]) -> Manifest:
    """The manifest of a pack's files, or a 422 pointing into ``pack.json``."""
    if MANIFEST_FILE not in files:
        raise Invalid([ErrorItem(at(MANIFEST_FILE), "pack_manifest_missing",
                                 {"file": MANIFEST_FILE})],
                      detail_code="pack_manifest_missing", file=MANIFEST_FILE)
    raw = parse_json(MANIFEST_FILE, files[MANIFEST_FILE])
    errors = schema_errors("pack_manifest", raw)
    if errors:
        raise Invalid([e.under(at(MANIFEST_FILE)) for e in errors],
                      detail_code="pack_manifest_invalid")
    requires = {name: parse_range(text, at(MANIFEST_FILE, pointer("requires", name)))
                for name, text in raw.get("requires", {}).items()}
    if raw["name"] in requires:
        raise Invalid([ErrorItem(at(MANIFEST_FILE, pointer("requires", raw["name"])),
                                 "pack_requires_itself", {"pack": raw["name"]})],
                      detail_code="pack_requires_itself", pack=raw["name"])
    platform = (parse_range(raw["platform"], at(MANIFEST_FILE, "/platform"))
                if "platform" in raw else None)
    return Manifest(raw=raw, name=raw["name"], version=Version(raw["version"]),
                    platform=platform, requires=requires)
