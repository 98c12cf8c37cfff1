"""The automation engine on Celery: ``celery -A objectry.platform.worker worker`` (and
``... beat``), on Redis or RabbitMQ, with PostgreSQL, on as many hosts as needed.

Celery carries only wake-ups; the rows hold the work. ``objectry.automation.work``
sweeps the clock-driven triggers, matches a batch of pending events and advances a
batch of due runs under leases, exactly what the embedded loop does. When a round
found work it enqueues another round, so a backlog spreads over every worker; beat
enqueues a round every second as the heartbeat that also sweeps and picks up runs
whose worker died (their lease expires). Nothing relies on ``eta``/``countdown``: a
wait is a ``due_at`` in a row.

Configuration: ``OBJECTRY_BROKER_URL`` and the usual ``OBJECTRY_*`` settings;
``OBJECTRY_AUTOMATION_TICK_SECONDS`` sets the heartbeat (defaults: ``platform/config.py``).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

from celery import Celery, Task
from celery.signals import worker_process_shutdown

from objectry.platform import collector
from objectry.platform.automation import ServicesPlatform
from objectry.platform.config import Settings
from objectry.platform.import_jobs import register as register_import_tasks
from objectry.platform.services import Services
from objectry.runtime.automation.engine import advance_due, dispatch_pending, sweep_all


@dataclass
class WorkerState:
    """The platform services of one worker process, started on its first task."""

    services: Services | None = None
    owner: str = field(default_factory=lambda: f"celery-{os.getpid()}-{uuid.uuid4().hex[:8]}")

    def engine_platform(self) -> ServicesPlatform:
        if self.services is None:  # never migrates: `objectry db upgrade` does
            self.services = Services.start_current(Settings.from_env())
            collector.settle()  # a long-lived worker: see platform.collector
        return ServicesPlatform(self.services)

    def close(self) -> None:
        if self.services is not None:
            self.services.close()
            self.services = None


def create_celery() -> Celery:
    settings = Settings.from_env()
    celery = Celery("objectry", broker=settings.broker_url)
    celery.conf.update(
        task_acks_late=True,  # a task of a killed worker is delivered again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={"automation-heartbeat": {"task": "objectry.automation.work",
                                                "schedule": settings.automation_tick_seconds}},
    )
    state = WorkerState()

    @celery.task(name="objectry.automation.work", bind=True)
    def work(task: Task, sweep: bool = True) -> dict[str, int]:
        """One round: sweep, dispatch a batch, advance a batch; chain when busy. A
        chained round skips the sweep: the clock-driven triggers are swept by every
        heartbeat, not again by each round of a backlog."""
        engine_platform = state.engine_platform()
        done = {"runs_started": sweep_all(engine_platform) if sweep else 0,
                "events": dispatch_pending(engine_platform),
                "steps": advance_due(engine_platform, state.owner)}
        if done["events"] or done["steps"]:
            task.apply_async(kwargs={"sweep": False})
        return done

    register_import_tasks(celery, lambda: state.engine_platform().services)

    @worker_process_shutdown.connect(weak=False)
    def _close(**_: object) -> None:
        state.close()

    return celery


app = create_celery()
