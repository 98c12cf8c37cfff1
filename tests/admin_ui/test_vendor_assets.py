"""The committed browser libraries are exactly the pinned, checksummed ones."""

from __future__ import annotations

import hashlib
from pathlib import Path

import objectry.admin_ui

VENDOR = Path(objectry.admin_ui.__file__).parent / "static" / "vendor"


def test_vendored_files_match_their_recorded_checksums() -> None:
    lines = (VENDOR / "checksums.sha256").read_text().splitlines()
    recorded = dict(reversed(line.split(maxsplit=1)) for line in lines if line.strip())
    assert set(recorded) == {"htmx.min.js", "alpine-csp.min.js", "tom-select.min.js",
                             "tom-select.min.css", "pico.min.css", "sortable.min.js",
                             "chart.umd.min.js"}
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    shipped = {p.name for p in VENDOR.iterdir()} - {"checksums.sha256"}
    assert shipped == set(recorded)


def test_axe_for_the_browser_tests_matches_its_checksum_and_is_not_shipped() -> None:
    tests_vendor = Path(__file__).parent.parent / "browser" / "vendor"
    digest, name = (tests_vendor / "checksums.sha256").read_text().split()
    assert name == "axe.min.js"
    assert hashlib.sha256((tests_vendor / name).read_bytes()).hexdigest() == digest
    assert not (VENDOR / name).exists()  # a test tool: never served to users
