"""The collector setting long-lived processes start with (``platform.collector``)."""

from __future__ import annotations

import subprocess
import sys

from objectry.platform import collector

SCRIPT = """
import gc
from objectry.platform import collector
before = gc.get_threshold()
collector.settle()
frozen = gc.get_freeze_count()
garbage = []
garbage.append(garbage)  # a cycle made after start-up
collector.settle()
print(gc.get_threshold()[0], before[1:] == gc.get_threshold()[1:], frozen > 0,
      gc.get_freeze_count() == frozen)
"""


def test_settle_freezes_the_start_up_heap_once_and_widens_the_young_generation() -> None:
    """Run in a fresh interpreter: the test process's own heap is not frozen by it."""
    out = subprocess.run([sys.executable, "-c", SCRIPT], check=True, capture_output=True,
                         text=True).stdout.split()
    assert out == [str(collector.YOUNG_OBJECTS), "True", "True", "True"]
