"""Python's cyclic garbage collector set for a long-lived server process.

With the interpreter's defaults a collection of the young generation runs every 700
net allocations of container objects, and every hundredth one walks the whole heap:
the modules, metadata and compiled models a server keeps for its lifetime. A bulk
write of 1,000 records allocates tens of thousands of short-lived dicts and lists, so
it paid ~0.13 s for each full walk and a quarter of its CPU in all to the collector
(``bench/imports.py``, collector callbacks timed). Moving the start-up heap out of the
collector's reach (``gc.freeze``) and collecting the young generation every
:data:`YOUNG_OBJECTS` allocations takes that to a few percent; cyclic garbage still
goes, a little later (memory bounded by a young generation of that many objects).
"""

from __future__ import annotations

import gc

#: Net allocations of container objects between collections of the young generation.
YOUNG_OBJECTS = 10_000


def settle() -> None:
    """Tune the collector for this process once its start-up work is done (serve,
    worker, long CLI commands). The heap is frozen only by the first call of a process,
    so a process that starts services more than once (tests) does not pin later
    objects for its lifetime."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, old)
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
