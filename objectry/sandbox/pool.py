"""A warm pool of sandbox workers, owned by its caller, safe for concurrent callers.

Each call takes an idle worker, sends the code (once per worker and version) and the
input, then answers the worker's host calls in the calling thread until the worker
reports "done". The wall-clock limit is enforced here: a worker that overruns is
killed and replaced, as is one that crashes, runs out of memory or CPU, or has served
``recycle_after`` calls. Replacements start in the background of the next caller.

The pool is shared by every tenant of the process, so it is fair: a tenant runs at most
``tenant_concurrency`` calls at once (its slow calls, e.g. waiting on HTTP, cannot hold
every worker), and a call that gets no worker within ``queue_wait_ms`` fails with
``function_pool_busy`` instead of waiting behind others indefinitely.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from typing import Any

from objectry.metadata.problems import Problem
from objectry.sandbox import result as codes
from objectry.sandbox.compiler import CompiledFunction
from objectry.sandbox.governor import Governor, LimitExceeded, Limits
from objectry.sandbox.host import HOST_CALLS, Host, HostError
from objectry.sandbox.plain import NotPlainData, check_plain, safe_text
from objectry.sandbox.protocol import ProtocolError, receive, send
from objectry.sandbox.result import CallResult
from objectry.sandbox.worker import CPU_EXIT_STATUS, MAX_ERROR_MESSAGE, WorkerLimits
from objectry.sandbox.worker import main as worker_main


@dataclass(frozen=True)
class PoolConfig:
    """Sizes and process limits of a pool; per-call budgets are :class:`Limits`.

    The sizes are settings: the platform passes them (``OBJECTRY_FUNCTION_*``, whose
    defaults live in ``platform/config.py``); the rest are fixed properties of the
    sandbox, kept here alone.
    """

    size: int
    recycle_after: int
    memory_mb: int
    #: Calls one tenant may run at once (keep it below ``size`` so others get a worker).
    tenant_concurrency: int
    #: How long a call waits for its tenant's turn and a free worker (milliseconds).
    queue_wait_ms: int
    start_method: str = "spawn"
    open_files: int = 32
    cpu_hard_s: int = 3600
    recursion_limit: int = 250
    startup_timeout_s: float = 30.0


@dataclass
class PoolStats:
    started: int = 0
    killed: int = 0
    recycled: int = 0
    calls: int = 0
    #: Calls waiting now for their tenant's turn or a free worker (the pool's queue).
    waiting: int = 0


class SandboxUnavailable(RuntimeError):
    """No worker could be started or acquired (closed pool, broken interpreter)."""


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    calls: int = 0
    ready: bool = False
    known_keys: set[str] = field(default_factory=set)

    def wait_ready(self, timeout: float) -> bool:
        if self.ready:
            return True
        try:
            if self.conn.poll(timeout) and receive(self.conn).get("op") == "ready":
                self.ready = True
        except (EOFError, OSError, ProtocolError):
            return False
        return self.ready

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(2)
        self.conn.close()


class SandboxPool:
    """Worker processes running tenant functions; create one per process, ``close()`` it."""

    def __init__(self, config: PoolConfig) -> None:
        self.config = config
        self.stats = PoolStats()
        self._ctx: SpawnContext = multiprocessing.get_context(  # type: ignore[assignment]
            self.config.start_method)  # spawn, forkserver or fork: the same API
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._live: set[_Worker] = set()
        self._turns = threading.Condition()
        self._running: dict[str, int] = {}  # tenant -> its calls past the tenant gate
        for _ in range(self.config.size):
            self._idle.put(self._start())

    # -- worker life cycle -------------------------------------------------------------

    def _start(self) -> _Worker:
        parent_end, child_end = self._ctx.Pipe(duplex=True)
        limits = WorkerLimits(self.config.memory_mb, self.config.open_files,
                              self.config.cpu_hard_s, self.config.recursion_limit)
        process = self._ctx.Process(target=worker_main, args=(child_end, asdict(limits)),
                                    name="objectry-sandbox", daemon=True)
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        with self._lock:
            self.stats.started += 1
            self._live.add(worker)
        return worker

    def _retire(self, worker: _Worker, *, killed: bool) -> None:
        worker.kill()
        with self._lock:
            self._live.discard(worker)
            if killed:
                self.stats.killed += 1
            else:
                self.stats.recycled += 1

    def _enter(self, tenant: str | None, deadline: float) -> None:
        """Wait until ``tenant`` runs fewer than its share of calls, then take a turn."""
        if tenant is None:
            return
        limit = max(self.config.tenant_concurrency, 1)
        with self._turns:
            while self._running.get(tenant, 0) >= limit:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    raise SandboxUnavailable(
                        f"the tenant already runs {limit} function call(s) at once")
                self._turns.wait(remaining)
            self._running[tenant] = self._running.get(tenant, 0) + 1

    def _leave(self, tenant: str | None) -> None:
        if tenant is None:
            return
        with self._turns:
            left = self._running.get(tenant, 1) - 1
            if left > 0:
                self._running[tenant] = left
            else:
                self._running.pop(tenant, None)
            self._turns.notify_all()

    def _acquire(self, deadline: float) -> _Worker:
        for _ in range(3):
            if self._closed:
                raise SandboxUnavailable("the sandbox pool is closed")
            try:
                worker = self._idle.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise SandboxUnavailable("no sandbox worker became free in time") from None
            if worker.wait_ready(self.config.startup_timeout_s):
                return worker
            self._retire(worker, killed=True)
            self._idle.put(self._start())
        raise SandboxUnavailable("sandbox workers fail to start")

    def _release(self, worker: _Worker, healthy: bool) -> None:
        if self._closed:
            self._retire(worker, killed=True)
        elif healthy and worker.calls < self.config.recycle_after:
            self._idle.put(worker)
        else:
            self._retire(worker, killed=not healthy)
            self._idle.put(self._start())

    def warm(self, timeout: float | None = None) -> None:
        """Block until every idle worker has started (tests and benchmarks)."""
        workers = []
        while True:
            try:
                workers.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for worker in workers:
            if not worker.wait_ready(timeout or self.config.startup_timeout_s):
                self._retire(worker, killed=True)
                worker = self._start()
            self._idle.put(worker)

    def close(self) -> None:
        """Kill every worker; calls in flight end with function_worker_crashed."""
        self._closed = True
        with self._turns:
            self._turns.notify_all()
        with self._lock:
            live = list(self._live)
        for worker in live:
            self._retire(worker, killed=True)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calls ---------------------------------------------------------------------------

    @property
    def busy(self) -> int:
        """Workers running a call now."""
        return max(0, len(self._live) - self._idle.qsize())

    def _queued(self, change: int) -> None:
        with self._lock:
            self.stats.waiting += change

    def run(self, function: CompiledFunction, host: Host, *,
            record: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
            limits: Limits | None = None, tenant: str | None = None) -> CallResult:
        """Run ``main(record, params)`` of ``function`` in a worker, host calls via ``host``.

        ``tenant`` names whose share of the pool the call uses (None: no share limit,
        for benchmarks and tools running one tenant).

        ``record`` and ``params`` must be plain JSON data (NotPlainData otherwise). The
        result never raises for tenant failures: they are in ``CallResult.error``, and
        then the caller must roll back the writes the call made through ``host``. An
        unexpected exception from ``host`` is re-raised after the worker is replaced.
        """
        limits = limits or Limits()
        record, params = record or {}, params or {}
        check_plain(record, "/record")
        check_plain(params, "/params")
        governor = Governor(limits)
        logs: list[str] = []
        deadline = time.monotonic() + self.config.queue_wait_ms / 1000
        self._queued(+1)
        try:
            self._enter(tenant, deadline)
        except SandboxUnavailable as exc:
            self._queued(-1)
            return CallResult(error={"code": codes.POOL_BUSY, "message": str(exc), "line": None})
        try:
            return self._run_turn(function, host, governor, logs, record, params, limits,
                                  deadline)
        finally:
            self._leave(tenant)

    def _run_turn(self, function: CompiledFunction, host: Host, governor: Governor,
                  logs: list[str], record: dict[str, Any], params: dict[str, Any],
                  limits: Limits, deadline: float) -> CallResult:
        try:
            worker = self._acquire(deadline)
        except SandboxUnavailable as exc:
            return CallResult(error={"code": codes.POOL_BUSY, "message": str(exc), "line": None})
        finally:
            self._queued(-1)
        with self._lock:
            self.stats.calls += 1
        started = time.perf_counter()
        healthy = False
        try:
            done = self._converse(worker, function, host, governor, logs, record, params,
                                  started + limits.wall_ms / 1000)
            healthy = done is not None and done.get("op") == "done" and not done.get("recycle")
        finally:
            self._release(worker, healthy)
        elapsed = (time.perf_counter() - started) * 1000
        return self._result(done, worker, governor, logs, elapsed)

    def _converse(self, worker: _Worker, function: CompiledFunction, host: Host,
                  governor: Governor, logs: list[str], record: dict[str, Any],
                  params: dict[str, Any], deadline: float) -> dict[str, Any] | None:
        """Send the call and serve host calls until "done"; None if the worker failed."""
        load = function.worker_key not in worker.known_keys
        try:
            send(worker.conn, {"op": "run", "key": function.worker_key, "load": load,
                               "record": record, "params": params,
                               "limits": governor.limits.as_dict()})
            if load:
                worker.conn.send_bytes(function.payload)
                worker.known_keys.add(function.worker_key)
            worker.calls += 1
            while True:
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or not worker.conn.poll(remaining):
                    return {"op": "timeout"}
                message = receive(worker.conn)
                if message.get("op") == "done":
                    return message
                if message.get("op") != "call":
                    raise ProtocolError(f"unexpected message {message.get('op')!r}")
                send(worker.conn, self._dispatch(host, governor, logs, message))
        except (EOFError, OSError, ProtocolError):
            return None

    def _dispatch(self, host: Host, governor: Governor, logs: list[str],
                  message: dict[str, Any]) -> dict[str, Any]:
        """Answer one host call: charge the governor, call the host, check the answer."""
        name, args, kwargs = message.get("name"), message.get("args"), message.get("kwargs")
        if name not in HOST_CALLS or type(args) is not list or type(kwargs) is not dict:
            return {"error": {"code": "unknown_call", "message": f"no host call {name!r}"}}
        try:  # the worker checked them too, but a worker is not trusted
            check_plain(args, f"/{name}")
            check_plain(kwargs, f"/{name}")
        except NotPlainData as exc:
            return {"error": {"code": "invalid_arguments", "message": str(exc)[:300]}}
        try:
            governor.before_host_call(name, args, kwargs)
            if name == "log":
                logs.append(str(args[0]) if args else "")
                return {"value": None}
            try:
                value = host.call(name, args, kwargs)
            except HostError as exc:
                return {"error": {"code": exc.code, "message": exc.message,
                                  "errors": _plain_or_empty(exc.errors)}}
            except Problem as exc:
                return {"error": {"code": exc.detail_code, "message": exc.detail_code,
                                  "errors": [{"path": e.path, "code": e.code}
                                             for e in exc.errors]}}
            check_plain(value, f"/{name}")
            governor.after_host_call(name, value)
            return {"value": value}
        except LimitExceeded as exc:
            return {"error": {"code": "limit_exceeded", "limit": exc.limit, "used": exc.used,
                              "maximum": exc.maximum, "message": str(exc)}}

    def _result(self, done: dict[str, Any] | None, worker: _Worker, governor: Governor,
                logs: list[str], elapsed_ms: float) -> CallResult:
        used = dict(governor.used)
        used["wall_ms"] = round(elapsed_ms)
        error: dict[str, Any] | None
        if done is None:
            error = _crash_error(worker, governor.limits)
        elif done.get("op") == "timeout":
            error = {"code": codes.LIMIT_EXCEEDED, "limit": "wall_ms", "line": None,
                     "message": f"the call ran longer than {governor.limits.wall_ms} ms"}
        else:
            error = _sanitize(done.get("error"))
            cpu = done.get("cpu_ms")
            used["cpu_ms"] = round(cpu) if isinstance(cpu, int | float) else 0
        if governor.exceeded is not None and (error is None or error.get("limit") is None):
            limit = governor.exceeded
            error = {"code": codes.LIMIT_EXCEEDED, "limit": limit.limit, "message": str(limit),
                     "line": (error or {}).get("line")}
        if error is None and done is not None:
            try:  # a JSON escape can still carry a lone surrogate from a hostile worker
                check_plain(done.get("result"), "/result")
                check_plain(done.get("changes"), "/changes")
            except NotPlainData as exc:
                error = {"code": codes.NOT_PLAIN_DATA, "line": None, "message": str(exc)}
        ok = error is None and done is not None
        changes = done.get("changes") if ok and done else None
        return CallResult(result=done.get("result") if ok and done else None, logs=logs,
                          limits_used=used, error=error, duration_ms=round(elapsed_ms, 3),
                          changes=changes if isinstance(changes, dict) else {})


def _plain_or_empty(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        check_plain(errors)
    except TypeError:
        return []
    return errors


def _crash_error(worker: _Worker, limits: Limits) -> dict[str, Any]:
    """Why a worker died mid-call, as far as its exit status tells."""
    worker.process.join(1)
    if worker.process.exitcode in (-signal.SIGXCPU, CPU_EXIT_STATUS):
        return {"code": codes.LIMIT_EXCEEDED, "limit": "cpu_ms", "line": None,
                "message": f"the function used more than {limits.cpu_ms} ms of CPU"}
    return {"code": codes.WORKER_CRASHED, "line": None,
            "message": f"the worker stopped (exit status {worker.process.exitcode})"}


_ERROR_KEYS = {"message": str, "limit": str, "field": str, "type": str, "platform_code": str}


def _sanitize(error: Any) -> dict[str, Any] | None:
    """Keep only well-formed fields of a worker's error report; a worker is not trusted."""
    if error is None:
        return None
    if not isinstance(error, dict) or error.get("code") not in codes.ERROR_CODES:
        return {"code": codes.WORKER_CRASHED, "line": None,
                "message": "the worker sent a malformed error"}
    clean: dict[str, Any] = {"code": error["code"], "line": None, "message": ""}
    line = error.get("line")
    if type(line) is int and line > 0:
        clean["line"] = line
    for key, kind in _ERROR_KEYS.items():
        value = error.get(key)
        if isinstance(value, kind):
            clean[key] = safe_text(value[:MAX_ERROR_MESSAGE])
    return clean
