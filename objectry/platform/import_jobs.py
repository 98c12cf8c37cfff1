"""Where an import runs (issue 16): a thread of the serving process, or a Celery task.

The work is the rows' (``runtime.lifecycle.imports.jobs``): any runner applies the next
uncommitted batch under a lease, so where it runs changes nothing but the process.

- ``OBJECTRY_IMPORT_RUNNER=thread`` (the default, as the automation engine runs
  embedded in ``objectry serve`` with no broker): ``POST /imports/{id}/run`` starts a
  daemon thread in the serving process. After a crash or a restart, the import shows
  ``stalled`` once its lease ran out; ``POST /imports/{id}/run`` (or
  ``objectry import --resume ID``) continues from the last committed batch.
- ``OBJECTRY_IMPORT_RUNNER=celery``: the run is the task ``objectry.imports.run`` on
  the broker (``OBJECTRY_BROKER_URL``), registered by ``platform.worker``; a killed
  worker's task is delivered again (acks late) and continues where the rows say.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import sqlalchemy as sa

from objectry.platform.config import Settings
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.imports import jobs


class Services(Protocol):
    """What a run needs of the platform's ``Services`` (which starts imports through
    this module, so it is named by shape here, not imported)."""

    @property
    def settings(self) -> Settings: ...

    def connection(self, *, read_only: bool = False) -> AbstractContextManager[sa.Connection]:
        ...

    def for_tenant_id(self, tenant_id: int) -> AbstractContextManager[Context]: ...

    def for_user(self, tenant_id: int, user_id: uuid.UUID, *, locale: str = ...,
                 read_only: bool = False) -> AbstractContextManager[Context]: ...

log = logging.getLogger(__name__)
TASK = "objectry.imports.run"


def runner_name() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def run_import(services: Services, import_id: str, *, runner: str | None = None,
               report: Callable[[int, int], None] | None = None) -> str:
    """Apply an import's pending rows in this process, as its creator; its final status."""
    with services.connection() as conn:
        owner = jobs.owner_of(conn, import_id)
    if owner is None:
        return "gone"

    @contextmanager
    def open_context() -> Iterator[Context]:
        if owner.user_id is None:
            with services.for_tenant_id(owner.tenant_id) as ctx:
                yield ctx
        else:
            with services.for_user(owner.tenant_id, owner.user_id,
                                   locale=owner.locale) as ctx:
                yield ctx

    settings = services.settings
    return jobs.run(open_context, import_id, runner or runner_name(),
                    batch_size=settings.import_batch_size,
                    lease=dt.timedelta(seconds=settings.import_lease_seconds), report=report)


def start(services: Services, import_id: str) -> None:
    """Hand a queued import to its runner (the configured one) and return at once."""
    if services.settings.import_runner == "celery":
        from celery import Celery

        Celery("objectry", broker=services.settings.broker_url).send_task(
            TASK, args=[import_id])
        return
    threading.Thread(target=_run_logged, args=(services, import_id), daemon=True,
                     name=f"objectry-import-{import_id[:8]}").start()


def _run_logged(services: Services, import_id: str) -> None:
    try:
        run_import(services, import_id)
    except Exception:  # the rows keep the work: a later run resumes it
        log.exception("import %s stopped; POST /imports/%s/run resumes it", import_id,
                      import_id)


def register(celery: Any, services: Callable[[], Services]) -> None:
    """The Celery task of an import run (``platform.worker`` registers it)."""

    @celery.task(name=TASK)
    def run(import_id: str) -> str:
        return run_import(services(), import_id)
