"""Reading a pack's files from a directory or a ``.opack`` zip, safely.

A zip is untrusted input until its signature is checked, and even then: entry names
that climb out (``../``, absolute paths, drive letters), too many entries, too large
files or a compression ratio of a zip bomb are refused before anything is unpacked.
Files are read into memory (packs are small); nothing is written to disk.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from objectry.metadata.problems import ErrorItem, Invalid, PayloadTooLarge

#: Where a signed archive keeps its signature (not itself part of the hashes).
SIGNATURE_FILE = "SIGNATURE.json"


@dataclass(frozen=True)
class Limits:
    """What a pack may weigh (the defaults fit any sensible industry pack)."""

    max_entries: int = 5000
    max_file_bytes: int = 16 * 1024 * 1024
    max_total_bytes: int = 64 * 1024 * 1024
    max_ratio: int = 100  # uncompressed / compressed, per entry


DEFAULT_LIMITS = Limits()

#: Below this size an entry's ratio is no threat (a page of blanks compresses 1000:1).
RATIO_FLOOR = 1024 * 1024


def _refuse(code: str, **params: Any) -> Invalid:
    return Invalid([ErrorItem("", code, dict(params))], detail_code=code, **params)


def safe_name(name: str) -> str | None:
    """The normalized relative name of an entry, or None when it would leave the pack."""
    if not name or "\\" in name or name.startswith("/") or "\x00" in name:
        return None
    parts = PurePosixPath(name).parts
    if not parts or any(p in ("..", "") for p in parts) or ":" in parts[0]:
        return None
    return "/".join(p for p in parts if p != ".")


def read_zip(data: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """The files of a ``.opack`` archive by relative name (directories skipped)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _refuse("pack_bad_archive", reason=str(exc)[:200]) from exc
    if len(infos) > limits.max_entries:
        raise _refuse("pack_too_many_entries", count=len(infos), limit=limits.max_entries)
    files: dict[str, bytes] = {}
    total = 0
    with archive:
        for info in infos:
            if info.is_dir():
                continue
            name = safe_name(info.filename)
            if name is None:
                raise _refuse("pack_unsafe_path", file=info.filename[:200])
            if name in files:
                raise _refuse("pack_duplicate_entry", file=name)
            if info.file_size > limits.max_file_bytes:
                raise PayloadTooLarge([ErrorItem("", "pack_entry_too_large", {
                    "file": name, "limit": limits.max_file_bytes})],
                    detail_code="pack_entry_too_large", file=name,
                    limit=limits.max_file_bytes)
            if info.file_size > RATIO_FLOOR and \
                    info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise _refuse("pack_compression_ratio", file=name, limit=limits.max_ratio)
            total += info.file_size
            if total > limits.max_total_bytes:
                raise PayloadTooLarge([ErrorItem("", "pack_too_large", {
                    "limit": limits.max_total_bytes})],
                    detail_code="pack_too_large", limit=limits.max_total_bytes)
            files[name] = _read_entry(archive, info, name, limits)
    return files


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str,
                limits: Limits) -> bytes:
    """One entry, read with a cap: the declared size of a crafted zip may lie."""
    try:
        with archive.open(info) as stream:
            data = stream.read(limits.max_file_bytes + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise _refuse("pack_bad_archive", reason=f"{name}: {str(exc)[:150]}") from exc
    if len(data) > limits.max_file_bytes or len(data) != info.file_size:
        raise _refuse("pack_bad_archive", reason=f"{name}: size differs from its header")
    return data


def read_directory(root: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """The files of an unpacked pack (a partner's working copy), hidden files skipped."""
    if not (root / "pack.json").is_file():
        raise _refuse("pack_manifest_missing", file=str(root / "pack.json"))
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or any(p.startswith(".") for p in relative.split("/")):
            continue
        if path.is_symlink():
            raise _refuse("pack_unsafe_path", file=relative)
        size = path.stat().st_size
        total += size
        if size > limits.max_file_bytes or total > limits.max_total_bytes:
            raise PayloadTooLarge([ErrorItem("", "pack_too_large", {
                "limit": limits.max_total_bytes})], detail_code="pack_too_large",
                limit=limits.max_total_bytes)
        files[relative] = path.read_bytes()
        if len(files) > limits.max_entries:
            raise _refuse("pack_too_many_entries", count=len(files), limit=limits.max_entries)
    return files


def read_path(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """A directory or a ``.opack`` file."""
    if path.is_dir():
        return read_directory(path, limits)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _refuse("pack_bad_archive", reason=str(exc)[:200]) from exc
    return read_zip(data, limits)


def write_zip(files: Mapping[str, bytes]) -> bytes:
    """A ``.opack``: the files in name order with fixed times, so a build is reproducible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()
