"""Fetch the web app's pinned browser assets with npm, verify them, copy them in place.

The files are committed under ``objectry/admin_ui/static/vendor/`` so ``pip install``
needs no node; this script is how they got there and how they are upgraded. Test-only
assets (axe-core, which the browser tests inject to scan pages) go to
``tests/browser/vendor/`` instead, so they are never served or shipped. Each file
is checked against ``checksums.sha256`` beside it: a changed upstream tarball (or a
tampered mirror) fails the run instead of landing in the tree. After a deliberate
version bump, run with ``--update`` to record the new checksums, then review the diff.

    python scripts/vendor_assets.py            # fetch, verify, copy
    python scripts/vendor_assets.py --check    # verify the committed copies only
    python scripts/vendor_assets.py --update   # fetch and record new checksums
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "objectry" / "admin_ui" / "static" / "vendor"
TEST_VENDOR = ROOT / "tests" / "browser" / "vendor"

#: package, pinned version, {file inside the package tarball: name under vendor/}
ASSETS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("htmx.org", "2.0.11", {"dist/htmx.min.js": "htmx.min.js"}),
    ("@alpinejs/csp", "3.17.4", {"dist/cdn.min.js": "alpine-csp.min.js"}),
    ("tom-select", "2.6.2", {"dist/js/tom-select.complete.min.js": "tom-select.min.js",
                             "dist/css/tom-select.min.css": "tom-select.min.css"}),
    ("@picocss/pico", "2.0.1", {"css/pico.min.css": "pico.min.css"}),
    ("sortablejs", "1.15.7", {"Sortable.min.js": "sortable.min.js"}),
    ("chart.js", "4.5.1", {"dist/chart.umd.min.js": "chart.umd.min.js"}),
)
#: Assets only the browser tests use (the accessibility scan), same shape as ASSETS.
TEST_ASSETS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("axe-core", "4.14.1", {"axe.min.js": "axe.min.js"}),
)
DESTINATIONS = ((VENDOR, ASSETS), (TEST_VENDOR, TEST_ASSETS))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded(vendor: Path) -> dict[str, str]:
    checksums = vendor / "checksums.sha256"
    if not checksums.exists():
        return {}
    sums = {}
    for line in checksums.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.strip()] = digest
    return sums


def fetch(workdir: Path,
          assets: tuple[tuple[str, str, dict[str, str]], ...]) -> dict[str, Path]:
    """``npm pack`` each pinned package (the registry's tarball, no install scripts run)
    and extract the files we ship; returns vendor name -> extracted file."""
    found: dict[str, Path] = {}
    for package, version, files in assets:
        out = subprocess.run(["npm", "pack", f"{package}@{version}", "--json", "--silent",
                              "--ignore-scripts", "--pack-destination", str(workdir)],
                             check=True, capture_output=True, text=True).stdout
        tarball = workdir / json.loads(out)[0]["filename"]
        unpacked = workdir / tarball.stem
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter="data")
        for inner, name in files.items():
            found[name] = unpacked / "package" / inner
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify committed files only")
    parser.add_argument("--update", action="store_true", help="record new checksums")
    args = parser.parse_args()
    return max(vendor_into(vendor, assets, check=args.check, update=args.update)
               for vendor, assets in DESTINATIONS)


def vendor_into(vendor: Path, assets: tuple[tuple[str, str, dict[str, str]], ...], *,
                check: bool, update: bool) -> int:
    """Fetch, verify and copy ``assets`` into ``vendor`` (or only verify, or record)."""
    sums = recorded(vendor)
    if check:
        bad = [name for name, digest in sums.items()
               if not (vendor / name).exists() or sha256(vendor / name) != digest]
        for name in bad:
            print(f"checksum mismatch: {name}", file=sys.stderr)
        return 1 if bad or not sums else 0
    with tempfile.TemporaryDirectory() as tmp:
        found = fetch(Path(tmp), assets)
        new = {name: sha256(path) for name, path in found.items()}
        if not update:
            wrong = [name for name in new if sums.get(name) != new[name]]
            if wrong:
                print("checksums differ from checksums.sha256 (use --update after a "
                      "deliberate version bump): " + ", ".join(wrong), file=sys.stderr)
                return 1
        vendor.mkdir(parents=True, exist_ok=True)
        for name, path in found.items():
            shutil.copyfile(path, vendor / name)
    if update:
        (vendor / "checksums.sha256").write_text(
            "".join(f"{new[name]}  {name}\n" for name in sorted(new)))
    print(f"vendored {len(found)} files into {vendor.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
