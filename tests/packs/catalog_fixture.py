"""A small pack catalog for the catalog machinery's tests: ``objectry.base_fx`` (firms
and people, people naming their firm) and ``objectry.addon_fx`` (notes on people,
requiring base_fx), signed with a key shipped as built-in in its ``trusted_keys.json``.
The shipped catalog's own packs are tested in ``tests/catalog/test_catalog.py``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.packs import shipped, signing


def label(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh-CN": zh}


def field(api_name: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"api_name": api_name, "type": kind, "label": label(api_name, api_name), **extra}


BASE: dict[str, Any] = {
    "pack.json": {
        "name": "objectry.base_fx", "version": "1.0.0",
        "label": label("Base", "基础"), "description": label("Firms and people", "公司与人员"),
        "components": {"c-firm": "objects/firm.json", "c-person": "objects/person.json"},
        "sample_data": [{"object": "firm", "file": "sample_data/firms.csv"},
                        {"object": "person", "file": "sample_data/people.csv"}],
        "sop": [{"id": "meet", "title": label("Meeting people", "拜访客户"),
                 "en": "sop/en/meet.md", "zh-CN": "sop/zh-CN/meet.md"}]},
    "objects/firm.json": {
        "kind": "object", "api_name": "firm", "label": label("Firm", "公司"),
        "name_field": "name", "fields": [field("name", "text", required=True)]},
    "objects/person.json": {
        "kind": "object", "api_name": "person", "label": label("Person", "人员"),
        "name_field": "full_name", "fields": [
            field("full_name", "text", required=True),
            field("firm", "lookup", target="firm", on_target_delete="keep"),
            field("joined_on", "date"), field("met_at", "datetime")]},
    "sample_data/firms.csv": "name\n上海金桥精工\nBeta Ltd\n",
    "sample_data/people.csv": ("full_name,firm,owner,joined_on,met_at\n"
                               "王建华,上海金桥精工,rep@example.com,today-30,now-2h\n"
                               "Li Lei,Beta Ltd,nobody@example.com,,\n"),
    "sop/en/meet.md": "# Meeting people\n\nCall first.\n",
    "sop/zh-CN/meet.md": "# 拜访客户\n\n先打电话。\n",
}

ADDON: dict[str, Any] = {
    "pack.json": {
        "name": "objectry.addon_fx", "version": "1.0.0",
        "requires": {"objectry.base_fx": ">=1.0,<2"},
        "label": label("Notes", "备注"), "description": label("Notes on people", "人员备注"),
        "components": {"c-note": "objects/note.json"},
        "sample_data": [{"object": "note", "file": "sample_data/notes.csv"}]},
    "objects/note.json": {
        "kind": "object", "api_name": "note", "label": label("Note", "备注"),
        "name_field": "subject", "fields": [
            field("subject", "text", required=True),
            field("person", "lookup", target="person", on_target_delete="keep")]},
    "sample_data/notes.csv": "subject,person\nLikes tea,王建华\n",
}


def write_pack(root: Path, files: dict[str, Any]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str)
                        else json.dumps(content, ensure_ascii=False), encoding="utf-8")


def make_catalog(root: Path) -> Ed25519PrivateKey:
    """The two packs under ``root``, signed; the key's public half in
    ``root/trusted_keys.json`` (as the real catalog ships the project key)."""
    key = Ed25519PrivateKey.generate()
    write_pack(root / "base_fx", BASE)
    write_pack(root / "addon_fx", ADDON)
    (root / "trusted_keys.json").write_text(json.dumps({"keys": [{
        "publisher": "Test project", "public_key": signing.public_key_text(key)}]}))
    shipped.sign_catalog(key, root)
    return key
