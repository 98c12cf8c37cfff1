"""The pack catalog that ships with the platform: ``objectry/packs/catalog/<name>/``.

Each directory is a pack as a partner would keep it (pure data), signed in place with
the Objectry project key (its ``SIGNATURE.json``; the public half is in
``catalog/trusted_keys.json``, trusted as built in). This module reads the catalog,
orders a request and its ``requires`` for installing, and re-signs every directory
(``objectry pack catalog sign``). Installing on a tenant is ``from_catalog``'s job.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.metadata.problems import Conflict, ErrorItem, Invalid, pointer
from objectry.packs import archive, signing
from objectry.packs.manifest import MANIFEST_FILE, Manifest, at, read_manifest

CATALOG_DIR = Path(__file__).parent / "catalog"
#: Pack names of the catalog carry this prefix (``objectry.core_crm``); the short name
#: (``core_crm``) is the directory.
PREFIX = "objectry."
#: What a catalog pack may hold (pure data and sandbox code); anything else in its
#: directory (a data directory, a key, byte code) is refused before it is signed.
CONTENT_SUFFIXES = (".json", ".csv", ".md", ".py")


@dataclass(frozen=True)
class Entry:
    """A catalog pack: its directory and manifest (its files are read on demand)."""

    path: Path
    manifest: Manifest

    @property
    def name(self) -> str:
        return self.manifest.name

    def files(self) -> dict[str, bytes]:
        """Every file, ``SIGNATURE.json`` included (what an install verifies)."""
        return archive.read_directory(self.path)


def entries(root: Path | None = None) -> dict[str, Entry]:
    """The catalog's packs by name, in directory order (``root``: ``CATALOG_DIR``)."""
    root = CATALOG_DIR if root is None else root
    found: dict[str, Entry] = {}
    if not root.is_dir():
        return found
    for path in sorted(p for p in root.iterdir() if (p / MANIFEST_FILE).is_file()):
        manifest = read_manifest({MANIFEST_FILE: (path / MANIFEST_FILE).read_bytes()})
        found[manifest.name] = Entry(path, manifest)
    return found


def full_name(name: str) -> str:
    """``core_crm`` and ``objectry.core_crm`` both name ``objectry.core_crm``."""
    return name if "." in name else PREFIX + name


def lookup(name: str, catalog: Mapping[str, Entry], where: str = "/names/0") -> Entry:
    """The catalog pack ``name``, or a 422 at ``where`` listing what the catalog has."""
    entry = catalog.get(full_name(name))
    if entry is None:
        raise Invalid([ErrorItem(where, "pack_not_in_catalog", {
            "pack": name, "available": ", ".join(catalog)})],
            detail_code="pack_not_in_catalog", pack=name, available=", ".join(catalog))
    return entry


def install_order(names: Iterable[str], catalog: Mapping[str, Entry],
                  installed: Collection[str]) -> list[Entry]:
    """The packs to install for ``names``: each one's ``requires`` the tenant lacks
    (``installed``: the names it has) first, dependencies before dependents, each once.

    A requirement neither installed nor in the catalog is refused (409 at the
    ``requires`` entry of the pack that needs it); a cycle cannot be installed either.
    Whether an installed version satisfies a range is the install's own check.
    """
    order: list[Entry] = []
    state: dict[str, str] = {}

    def visit(entry: Entry, path: tuple[str, ...]) -> None:
        if state.get(entry.name) == "done":
            return
        if state.get(entry.name) == "visiting":
            cycle = " -> ".join([*path[path.index(entry.name):], entry.name])
            raise Conflict([ErrorItem(f"{entry.path.name}/{at(MANIFEST_FILE, '/requires')}",
                                      "pack_dependency_cycle", {"cycle": cycle})],
                           detail_code="pack_dependency_cycle", cycle=cycle)
        state[entry.name] = "visiting"
        for required, wanted in sorted(entry.manifest.requires.items()):
            if required in installed:
                continue
            needed = catalog.get(required)
            if needed is None:
                where = f"{entry.path.name}/{at(MANIFEST_FILE, pointer('requires', required))}"
                raise Conflict([ErrorItem(where, "pack_dependency_missing", {
                    "pack": required, "range": str(wanted), "installed": None})],
                    detail_code="pack_dependency_missing", pack=required, range=str(wanted))
            visit(needed, (*path, entry.name))
        state[entry.name] = "done"
        order.append(entry)

    for i, name in enumerate(names):
        entry = lookup(name, catalog, f"/names/{i}")
        if entry.name not in installed:
            visit(entry, ())
    return order


def requirements(manifest: Manifest, catalog: Mapping[str, Entry]) -> list[Entry]:
    """The catalog packs ``manifest`` requires, directly or not, in install order (for
    linting it as it installs); a requirement the catalog lacks is left to the lint."""
    return install_order([n for n in manifest.requires if n in catalog], catalog, ())


def sign_catalog(private_key: Ed25519PrivateKey,
                 root: Path | None = None) -> list[tuple[str, bool]]:
    """Re-sign every catalog pack in place: each directory's ``SIGNATURE.json`` over
    all its other files. Ed25519 and the sorted JSON make it deterministic, so an
    unchanged pack's file stays byte for byte (``changed`` False)."""
    done: list[tuple[str, bool]] = []
    for name, entry in entries(root).items():
        files = entry.files()
        stray = sorted(f for f in files if not f.endswith(CONTENT_SUFFIXES))
        if stray:
            where = f"{entry.path.name}/{stray[0]}"
            raise Invalid([ErrorItem(where, "pack_catalog_stray_file", {"file": where})],
                          detail_code="pack_catalog_stray_file", file=where)
        old = files.get(archive.SIGNATURE_FILE)
        new = signing.sign(files, private_key)[archive.SIGNATURE_FILE]
        if new != old:
            (entry.path / archive.SIGNATURE_FILE).write_bytes(new)
        done.append((name, new != old))
    return done
