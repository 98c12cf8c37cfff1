"""The pack format and lint: every mistake named with a pointer into the pack's files."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from objectry.metadata.problems import Invalid, PayloadTooLarge, Problem
from objectry.packs import archive
from objectry.packs.archive import Limits, read_zip
from objectry.packs.content import load_pack
from objectry.packs.lint import lint
from tests.conftest import TenantHandle
from tests.packs.support import fixture_files, minimal_pack, with_json, with_manifest


def findings(files: dict[str, bytes], tenant: TenantHandle | None = None) -> list[tuple[str, str]]:
    if tenant is None:
        return [(e.path, e.code) for e in lint(files)]
    with tenant.context() as ctx:
        return [(e.path, e.code) for e in lint(files, ctx)]


def test_the_fixture_pack_is_clean_and_loads_every_component(tenant: TenantHandle) -> None:
    files = fixture_files()
    assert findings(files, tenant) == []
    pack = load_pack(files)
    assert pack.name == "acme.service_desk" and pack.version == "1.0.0"
    kinds = sorted((c.kind, c.api_name, c.id) for c in pack.components)
    assert ("object", "ticket", "c-ticket") in kinds and len(kinds) == 7
    function = next(c for c in pack.components if c.kind == "function")
    assert function.document["code"].startswith("def main")  # from the .py beside it


def test_manifest_mistakes_point_into_pack_json() -> None:
    files = with_manifest(fixture_files(), name="Acme", requires={"acme.core": "about 1"})
    assert findings(files) == [("pack.json#/name", "schema_violation")]
    files = with_manifest(fixture_files(), requires={"acme.core": "about 1"})
    assert findings(files) == [("pack.json#/requires/acme.core", "pack_bad_range")]
    files = with_manifest(fixture_files(), version="1.0")
    assert findings(files) == [("pack.json#/version", "schema_violation")]
    files = with_manifest(fixture_files(), label={"en": "Desk"})
    assert findings(files) == [("pack.json#/label/zh-CN", "schema_required")]
    assert findings({"objects/x.json": b"{}"}) == [("pack.json#", "pack_manifest_missing")]
    assert findings({**fixture_files(), "pack.json": b"{not json"})[0] == (
        "pack.json#", "unreadable_file")


def test_content_mistakes_name_their_file() -> None:
    files = with_json(fixture_files(), "objects/site.json", lambda d: d.update(kind="gizmo"))
    assert findings(files) == [("objects/site.json#/kind", "pack_unknown_kind")]
    files = {**fixture_files(), "objects/extra.json": json.dumps({
        "kind": "object", "api_name": "extra", "label": {"en": "x", "zh-CN": "x"},
        "fields": []}).encode()}
    assert findings(files) == [("objects/extra.json#", "pack_component_id_missing")]
    files = with_manifest(fixture_files(), components={
        **json.loads(fixture_files()["pack.json"])["components"], "c-gone": "objects/gone.json"})
    assert findings(files) == [("pack.json#/components/c-gone", "pack_component_file_missing")]


def test_missing_translations_are_found_anywhere_in_a_document() -> None:
    def drop_chinese(document: dict[str, Any]) -> None:
        del document["fields"][2]["options"][1]["label"]["zh-CN"]
    files = with_json(fixture_files(), "objects/ticket.json", drop_chinese)
    assert findings(files) == [("objects/ticket.json#/fields/2/options/1/label",
                                "pack_missing_translation")]


def test_references_across_documents_in_any_order(tenant: TenantHandle) -> None:
    """The layout file sorts before the objects it names; a wrong field is still found,
    by the metadata service's own validation, in the layout's file."""
    def wrong_field(document: dict[str, Any]) -> None:
        document["sections"][0]["fields"][1] = "sight"
    files = with_json(fixture_files(), "layouts/ticket_default.json", wrong_field)
    found = findings(files, tenant)
    assert found and all(path.startswith("layouts/ticket_default.json#/sections/0/fields")
                         for path, _ in found), found


def test_a_function_that_does_not_compile_points_at_its_py_file(tenant: TenantHandle) -> None:
    files = {**fixture_files(), "functions/check_ticket.py": b"def main(record, params)\n"}
    found = findings(files, tenant)
    assert found and {path for path, _ in found} == {"functions/check_ticket.py#"}, found


def test_sample_data_is_checked_against_the_fields(tenant: TenantHandle) -> None:
    files = {**fixture_files(),
             "sample_data/tickets.csv": b"subject,hours\nA,1\nB,many\n"}
    assert findings(files, tenant) == [("sample_data/tickets.csv#/2/hours", "not_an_integer")]
    files = {**fixture_files(), "sample_data/tickets.csv": b"subject,colour\nA,red\n"}
    assert findings(files) == [("sample_data/tickets.csv#/0/colour", "unknown_field")]


def test_sop_needs_both_languages() -> None:
    files = dict(fixture_files())
    del files["sop/zh-CN/intake.md"]
    assert findings(files) == [("pack.json#/sop/0/zh-CN", "pack_file_missing")]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries.items():
            out.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["../evil.json", "/etc/passwd", "a/../../b.json",
                                  "C:/x.json", "a\\..\\b.json"])
def test_zip_slip_is_refused(name: str) -> None:
    with pytest.raises(Invalid) as refused:
        read_zip(_zip({"pack.json": b"{}", name: b"{}"}))
    assert refused.value.detail_code == "pack_unsafe_path"


def test_zip_limits_refuse_bombs_and_crowds() -> None:
    with pytest.raises(Invalid) as crowd:
        read_zip(_zip({f"f{i}.json": b"{}" for i in range(11)}), Limits(max_entries=10))
    assert crowd.value.detail_code == "pack_too_many_entries"
    bomb = _zip({"pack.json": b"{}", "big.json": b" " * (8 * 1024 * 1024)})
    with pytest.raises(Invalid) as ratio:
        read_zip(bomb)
    assert ratio.value.detail_code == "pack_compression_ratio"
    with pytest.raises(PayloadTooLarge):
        read_zip(bomb, Limits(max_file_bytes=1024))
    with pytest.raises(PayloadTooLarge):
        read_zip(_zip({"a": b"x" * 600, "b": b"y" * 600}), Limits(max_total_bytes=1000))
    with pytest.raises(Invalid) as broken:
        read_zip(b"PK\x03\x04 not really a zip")
    assert broken.value.detail_code == "pack_bad_archive"


def test_a_built_pack_reads_back_the_same_files() -> None:
    files = minimal_pack("acme.core", "1.0.0")
    assert read_zip(archive.write_zip(files)) == files
    assert archive.write_zip(files) == archive.write_zip(files)  # reproducible


def test_problems_are_problems() -> None:
    with pytest.raises(Problem):
        load_pack(with_manifest(fixture_files(), version="x"))
