"""What the API and the CLI call: open a pack (verify, trust, load), plan, install."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection
from typing import Any

from objectry.metadata.problems import ErrorItem, Invalid, Problem
from objectry.packs import batch, install, sample, upgrade
from objectry.packs import installed as registry
from objectry.packs.archive import read_zip
from objectry.packs.content import Pack, load_pack
from objectry.packs.lint import read_csv
from objectry.packs.manifest import read_manifest
from objectry.packs.signing import Verified
from objectry.packs.trust import trusted
from objectry.runtime.kernel.context import Context


def open_pack(ctx: Context, files: dict[str, bytes], *,
              allow_unsigned: bool = False) -> tuple[Pack, Verified]:
    """A pack whose signature verified against a trusted key (or, for development,
    ``allow_unsigned``), its files loaded."""
    verified = trusted(ctx.conn, files, allow_unsigned=allow_unsigned)
    return load_pack(files), verified


def decode_archive(text: Any, at: str = "/pack") -> dict[str, bytes]:
    """The ``pack`` member of an API body: a ``.opack`` in base64."""
    if not isinstance(text, str) or not text:
        raise Invalid([ErrorItem(at, "schema_required", {"property": at.strip("/")})])
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid([ErrorItem(at, "pack_bad_archive", {"reason": "not base64"})],
                      detail_code="pack_bad_archive", reason="not base64") from exc
    return read_zip(data)


def plan(ctx: Context, files: dict[str, bytes], *, allow_unsigned: bool = False,
         activate: Collection[str] = (), dry_run: bool = True,
         sample_data: bool = False) -> dict[str, Any]:
    """The install plan (``dry_run``) or the install itself, in the caller's
    transaction: a refusal anywhere leaves nothing behind. ``sample_data`` also creates
    the pack's sample rows (marked, removable as a unit)."""
    pack, verified = open_pack(ctx, files, allow_unsigned=allow_unsigned)
    install.refuse_unknown_activation(pack, activate)
    result = install.plan_and_apply(ctx, pack, verified, activate=activate, dry_run=dry_run)
    if sample_data:
        result["sample_data"] = (
            {e["object"]: len(read_csv(pack, e["file"]))
             for e in pack.manifest.raw.get("sample_data", [])}
            if dry_run else sample.load(ctx, pack))
    return result


def plan_many(ctx: Context, archives: list[dict[str, bytes]], *, allow_unsigned: bool = False,
              activate: Collection[str] = (), dry_run: bool = True,
              sample_data: bool = False) -> dict[str, Any]:
    """Several packs in one call, in dependency order, all or nothing (``batch``)."""
    opened = []
    for i, files in enumerate(archives):
        try:
            opened.append(open_pack(ctx, files, allow_unsigned=allow_unsigned))
        except Problem as problem:
            problem.errors = [ErrorItem(batch.where(i, e.path), e.code, e.params)
                              for e in problem.errors]
            raise
    return batch.install_many(ctx, opened, activate=activate, dry_run=dry_run,
                              sample_data=sample_data)


def is_upgrade(ctx: Context, files: dict[str, bytes]) -> bool:
    """Whether the pack of ``files`` is installed at some version (a plan then shows
    the upgrade)."""
    name = read_manifest(files).name
    found = registry.installed_packs(ctx).get(name)
    return found is not None and found.state == registry.INSTALLED


def plan_upgrade(ctx: Context, files: dict[str, bytes], *, allow_unsigned: bool = False,
                 choices: upgrade.Choices | None = None, activate: Collection[str] = (),
                 dry_run: bool = True, migrate_runs: str = upgrade.KEEP_RUNS) -> dict[str, Any]:
    """The upgrade plan (``dry_run``) or the upgrade, refused while a conflict is open."""
    pack, verified = open_pack(ctx, files, allow_unsigned=allow_unsigned)
    install.refuse_unknown_activation(pack, activate)
    return upgrade.plan_upgrade(ctx, pack, verified, choices=choices, activate=activate,
                                dry_run=dry_run, migrate_runs=migrate_runs)


def parse_choices(value: Any) -> dict[str, dict[str, Any]]:
    """``{"<component id>": {"<property path>": "mine" | "pack" | {"value": ...}}}``."""
    if value is None:
        return {}
    ok = isinstance(value, dict) and all(
        isinstance(paths, dict) and all(
            c in ("mine", "pack") or (isinstance(c, dict) and set(c) == {"value"})
            for c in paths.values()) for paths in value.values())
    if not ok:
        raise Invalid([ErrorItem("/choices", "pack_bad_choices", {})],
                      detail_code="pack_bad_choices")
    return value
