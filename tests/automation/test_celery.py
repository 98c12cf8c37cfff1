"""The distributed mode: real Celery workers on Redis, killed with SIGKILL mid-step and
cut off from their broker, losing no step and repeating none."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime.records.journal_tables import events
from tests.automation.test_workflows import put_workflow, runs_of, setup
from tests.conftest import Api

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="needs redis-server to run a private broker")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Broker:
    """A private redis-server, so a test can take the broker down and up again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        wait_for(answers, 10, "redis to start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)


class SlowReceiver:
    """A webhook endpoint that takes ``delay`` seconds to answer 200."""

    def __init__(self) -> None:
        self.deliveries: list[str] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append(self.headers["X-Objectry-Delivery"])
                time.sleep(receiver.delay)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:
                    pass  # the caller was killed while we slept

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


#: What beat logs when a heartbeat comes due and the broker does not take it.
HEARTBEAT_REFUSED = "Couldn't apply scheduled task automation-heartbeat"
#: What a worker logs when it notices that its broker is gone.
BROKER_LOST = "Connection to broker lost"


class Cluster:
    """Celery worker and beat processes of the platform, each in its own process group,
    each logging to its own file."""

    def __init__(self, settings: Settings, broker: Broker, workdir: Path) -> None:
        self.env = {**os.environ, "OBJECTRY_DATABASE_URL": settings.database_url,
                    "OBJECTRY_DATA_DIR": str(settings.data_dir),
                    "OBJECTRY_BROKER_URL": broker.url, "OBJECTRY_WEBHOOK_ALLOW_PRIVATE": "1",
                    "OBJECTRY_AUTOMATION_LEASE_SECONDS": "3",
                    "OBJECTRY_AUTOMATION_TICK_SECONDS": "0.5"}
        self.workdir = workdir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Path] = {}

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        path = self.workdir / f"{args[0]}-{len(self.processes)}.log"
        with path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "objectry.platform.worker", *args],
                env=self.env, cwd=self.workdir, start_new_session=True,
                stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        self.logs[process.pid] = path
        return process

    def log(self, process: subprocess.Popen[bytes]) -> str:
        return self.logs[process.pid].read_text(errors="replace")

    def worker(self) -> subprocess.Popen[bytes]:
        process = self._start_worker()
        self.workers.append(process)
        return process

    def _start_worker(self) -> subprocess.Popen[bytes]:
        return self.start("worker", "--concurrency", "2", "--pool", "prefork",
                          "--loglevel", "WARNING")

    def supervise(self) -> None:
        """Restart workers that exited, as systemd's ``Restart=always`` would: a Celery
        worker can die of a broker connection lost while it held an unacknowledged
        task; the rows keep its work for the next one."""
        for i, process in enumerate(self.workers):
            if process.poll() is not None:
                self.workers[i] = self._start_worker()

    def beat(self) -> subprocess.Popen[bytes]:
        return self.start("beat", "--schedule", str(self.workdir / "beat-schedule"),
                          "--loglevel", "WARNING")

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process and its children (the prefork pool) at once."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    found = Broker(tmp_path)
    found.start()
    yield found
    if found.process and found.process.poll() is None:
        found.kill()


@pytest.fixture
def cluster(settings: Settings, broker: Broker, tmp_path: Path) -> Iterator[Cluster]:
    found = Cluster(settings, broker, tmp_path)
    yield found
    found.stop()


def journey(url: str) -> dict[str, Any]:
    return {"api_name": "handover", "object": "lead", "trigger": {"on": "created"},
            "steps": [{"id": "mark", "action": "update_record", "values": {"status": "working"}},
                      {"id": "notify", "action": "call_webhook", "url": url},
                      {"id": "tag", "action": "add_tag", "field": "tags", "tag": "vip"}]}


def changes_of(api: Api, lead_id: str, field: str) -> list[Any]:
    audit = api.get(f"/api/v1/records/lead/{lead_id}/audit").get_json()["items"]
    return [c["new"] for entry in audit if entry["action"] == "updated"
            for c in entry["changes"] if c["field"] == field]


def test_sigkill_mid_step_loses_and_repeats_nothing(api: Api, cluster: Cluster) -> None:
    receiver = SlowReceiver()
    receiver.delay = 4.0
    setup(api)
    assert put_workflow(api, journey(receiver.url)).status_code == 200
    cluster.beat()
    first = cluster.worker()
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "Killed"}).get_json()["id"]

    wait_for(lambda: receiver.deliveries, 60, "the webhook step to be in flight")
    cluster.kill(first)  # mid-step: the webhook has not answered yet
    receiver.delay = 0.0
    cluster.worker()

    run = wait_for(lambda: [r for r in runs_of(api, lead_id) if r["status"] == "completed"],
                   60, "another worker to finish the run")[0]
    assert [(s["step"], s["outcome"]) for s in run["steps"]] == [
        ("mark", "done"), ("notify", "done"), ("tag", "done")]
    assert changes_of(api, lead_id, "status") == ["working"]
    assert changes_of(api, lead_id, "tags") == [["vip"]]
    # The interrupted delivery is repeated under the same delivery id (receivers dedupe).
    assert len(receiver.deliveries) == 2 and len(set(receiver.deliveries)) == 1


def undispatched(services: Services, record_ids: list[str]) -> set[str]:
    """Which of the records' events still wait in the outbox."""
    with services.connection(read_only=True) as conn:
        found = conn.execute(sa.select(events.c.record_id).where(
            events.c.record_id.in_([uuid.UUID(i) for i in record_ids]),
            events.c.dispatched_at.is_(None))).scalars()
        return {str(i) for i in found}


def test_broker_down_then_up_loses_nothing(api: Api, cluster: Cluster, broker: Broker,
                                           services: Services) -> None:
    receiver = SlowReceiver()
    setup(api)
    put_workflow(api, journey(receiver.url))
    beat = cluster.beat()
    worker = cluster.worker()
    before = api.post("/api/v1/records/lead", json={"full_name": "Before"}).get_json()["id"]
    wait_for(lambda: runs_of(api, before) and runs_of(api, before)[0]["status"] == "completed",
             60, "the first run")

    broker.kill()
    wait_for(lambda: worker.poll() is not None or BROKER_LOST in cluster.log(worker), 30,
             "the worker to notice that the broker is gone (or to die of it)")
    # A worker may still hold heartbeats it reserved before the broker went away and run
    # them without a broker; stop it too, so that what follows shows the rows, not a
    # reserved message, holding the work. ``supervise`` starts a new one later.
    if worker.poll() is None:
        cluster.kill(worker)
    refused = cluster.log(beat).count(HEARTBEAT_REFUSED)
    during = [api.post("/api/v1/records/lead", json={"full_name": f"During {i}"})
              .get_json()["id"] for i in range(3)]
    # Not a pause: two heartbeats came due after the leads were written and could not
    # wake a worker. Nothing ran, and the rows hold the work...
    wait_for(lambda: cluster.log(beat).count(HEARTBEAT_REFUSED) >= refused + 2, 30,
             "two heartbeats refused by the missing broker")
    assert all(runs_of(api, i) == [] for i in during)
    assert undispatched(services, during) == set(during)
    broker.start()

    def completed(lead_id: str) -> bool:
        cluster.supervise()
        found = runs_of(api, lead_id)
        return bool(found) and found[0]["status"] == "completed"

    for lead_id in during:  # ...and everything runs, once, when it is back
        wait_for(lambda i=lead_id: completed(i), 60, "runs after the broker came back")
    for lead_id in [before, *during]:
        assert len(runs_of(api, lead_id)) == 1
        assert changes_of(api, lead_id, "status") == ["working"]
    assert len(receiver.deliveries) == 4 == len(set(receiver.deliveries))
