"""Helpers of the pack tests: the fixture pack's files, changed, built, signed."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.packs import archive, signing

FIXTURES = Path(__file__).parent / "fixtures"
SERVICE_DESK = FIXTURES / "service_desk"


def fixture_files(name: str = "service_desk") -> dict[str, bytes]:
    return archive.read_directory(FIXTURES / name)


def with_json(files: Mapping[str, bytes], name: str, change: Any) -> dict[str, bytes]:
    """``files`` with the JSON document ``name`` changed by ``change(doc)`` (in place)."""
    document = json.loads(files[name])
    change(document)
    return {**files, name: json.dumps(document, ensure_ascii=False).encode()}


def with_manifest(files: Mapping[str, bytes], **members: Any) -> dict[str, bytes]:
    return with_json(files, "pack.json", lambda m: m.update(members))


def opack(files: Mapping[str, bytes], key: Ed25519PrivateKey | None = None) -> bytes:
    """The files as a .opack, signed with ``key`` when given."""
    return archive.write_zip(signing.sign(files, key) if key else files)


def body(files: Mapping[str, bytes], key: Ed25519PrivateKey | None,
         **extra: Any) -> dict[str, Any]:
    return {"pack": base64.b64encode(opack(files, key)).decode("ascii"), **extra}


def minimal_pack(name: str, version: str, *, requires: Mapping[str, str] | None = None,
                 object_name: str | None = None) -> dict[str, bytes]:
    """A pack with one object (for dependency tests)."""
    object_name = object_name or name.split(".")[1]
    manifest = {"name": name, "version": version,
                "label": {"en": name, "zh-CN": name},
                "description": {"en": name, "zh-CN": name},
                "requires": dict(requires or {}),
                "components": {f"c-{object_name}": f"objects/{object_name}.json"}}
    document = {"kind": "object", "api_name": object_name,
                "label": {"en": object_name, "zh-CN": object_name}, "name_field": "name",
                "fields": [{"api_name": "name", "type": "text",
                            "label": {"en": "Name", "zh-CN": "名称"}}]}
    return {"pack.json": json.dumps(manifest).encode(),
            f"objects/{object_name}.json": json.dumps(document).encode()}
