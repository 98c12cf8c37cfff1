"""What every benchmark starts with: a temporary data directory, the platform's services
on SQLite there (or on ``--database-url``), and a fresh tenant with its documents.

    from bench_setup import start, new_tenant   # bench/ is on sys.path when run as a script
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from objectry.platform import collector, tenancy
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime.schema import metadata_service


def start(database_url: str | None, **settings: Any) -> tuple[Services, Path]:
    """Migrated services on a new work directory (SQLite in it unless ``database_url``)."""
    workdir = Path(tempfile.mkdtemp(prefix="objectry-bench-"))
    url = database_url or f"sqlite:///{workdir / 'bench.db'}"
    services = Services.start(Settings(database_url=url, data_dir=workdir, **settings),
                              migrate=True)
    collector.settle()  # as `objectry serve`, the worker and `objectry import` do
    return services, workdir


def new_tenant(services: Services, documents: Sequence[Mapping[str, Any]] = ()) -> str:
    """A new tenant ``bench_xxxxxxxx`` with ``documents`` stored in order (each its own
    metadata version, as an administrator would save them); its slug."""
    slug = "bench_" + uuid.uuid4().hex[:8]
    with services.connection() as conn:
        tenancy.create_tenant(conn, slug, None, now=services.clock())
    for document in documents:
        with services.for_tenant(slug) as ctx:
            metadata_service.put_document(ctx, document["kind"], document["api_name"],
                                          dict(document))
    return slug
