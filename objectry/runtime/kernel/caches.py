"""The cache of compiled objects, keyed by (tenant, object, metadata version, dialect).

The metadata version lives in the database: when any process applies a change, every
other process sees the new version on its next request and compiles afresh.
"""

from __future__ import annotations

from objectry.metadata.lru import LruCache


class ModelCache(LruCache):
    """Compiled ``ObjectModel``s of every tenant this process serves."""
