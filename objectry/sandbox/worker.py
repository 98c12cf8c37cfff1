"""One sandbox worker process: OS limits, then a loop running calls sent by the pool.

The pool starts this with the "spawn" (or "forkserver") start method, so a worker is a
fresh interpreter, never a fork of a web process with its database connections. At
start it drops the environment, imports everything tenant code may need, blocks
sockets and applies rlimits (address space, CPU, open files, no file writes). Each
call then gets fresh globals, a fresh decimal context and a CPU timer.
"""

from __future__ import annotations

import decimal
import marshal
import math
import os
import resource
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import CodeType
from typing import Any

from objectry.sandbox import result as codes
from objectry.sandbox.governor import LimitExceeded, Limits
from objectry.sandbox.guards import ForbiddenError, ModuleView, module_views, restricted_globals
from objectry.sandbox.plain import NotPlainData, check_plain, encode, safe_text
from objectry.sandbox.protocol import (
    MAX_MESSAGE_BYTES,
    SOURCE_FILENAME,
    ProtocolError,
    receive,
    send,
)
from objectry.sandbox.tenant_api import PlatformError, RaisedError, Record, make_api

MAX_ERROR_MESSAGE = 2000
CPU_GRACE_MS = 200  # after an overrun, this much more CPU and the worker exits
CPU_EXIT_STATUS = 86  # the exit status the pool reads as "cpu_ms exceeded"


@dataclass(frozen=True)
class WorkerLimits:
    """Process-wide OS limits of a worker (its pool's config), applied once before any
    tenant code runs."""

    memory_mb: int
    open_files: int
    cpu_hard_s: int
    recursion_limit: int


class CpuGuard:
    """Per-call CPU budget via ITIMER_PROF; raises LimitExceeded inside tenant code only.

    While the worker itself runs (pipe I/O, result encoding) ``active`` is off and the
    signal only records the overrun, so the protocol is never interrupted mid-message.
    After the first overrun the timer keeps firing; code that swallows the error for
    CPU_GRACE_MS more ends the process, which the pool reports as the CPU limit.
    """

    def __init__(self) -> None:
        self.limit_ms = 0
        self.started = 0.0
        self.active = False
        self.exceeded: LimitExceeded | None = None
        signal.signal(signal.SIGPROF, self._on_signal)

    def _on_signal(self, signum: int, frame: Any) -> None:
        spent = round((time.process_time() - self.started) * 1000)
        if self.active and spent > self.limit_ms + CPU_GRACE_MS:
            os._exit(CPU_EXIT_STATUS)
        self.exceeded = LimitExceeded("cpu_ms", spent, self.limit_ms)
        signal.setitimer(signal.ITIMER_PROF, 0.005)
        if self.active:
            raise LimitExceeded("cpu_ms", spent, self.limit_ms)

    def arm(self, limit_ms: int) -> None:
        self.limit_ms = limit_ms
        self.exceeded = None
        self.started = time.process_time()
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = used.ru_utime + used.ru_stime
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = int(spent + math.ceil(limit_ms / 1000) + 2)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))  # backstop: SIGXCPU
        signal.setitimer(signal.ITIMER_PROF, max(limit_ms, 1) / 1000)
        self.active = True

    def disarm(self) -> None:
        self.active = False
        signal.setitimer(signal.ITIMER_PROF, 0)

    @contextmanager
    def paused(self) -> Iterator[None]:
        was, self.active = self.active, False
        try:
            yield
        finally:
            self.active = was
        if was and self.exceeded is not None:
            raise LimitExceeded(self.exceeded.limit, self.exceeded.used, self.exceeded.maximum)


def _refuse_network(*args: Any, **kwargs: Any) -> Any:
    raise OSError("network access is not available in functions")


def block_network() -> None:
    """Replace socket constructors and name resolution; tenant code cannot import them anyway."""
    import _socket
    import socket

    for module in (socket, _socket):
        for name in ("socket", "socketpair", "create_connection", "create_server",
                     "getaddrinfo", "gethostbyname", "gethostbyname_ex", "fromfd"):
            if hasattr(module, name):
                setattr(module, name, _refuse_network)


def apply_os_limits(limits: WorkerLimits) -> None:
    """Memory, CPU, open files and file size limits for the rest of this process's life."""
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_hard_s, limits.cpu_hard_s))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write then fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.setrecursionlimit(limits.recursion_limit)


def tenant_line(exc: BaseException) -> int | None:
    """The innermost line of tenant source in the exception's traceback."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SOURCE_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _text(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:  # str() of a tenant exception must not stop the worker
        text = type(exc).__name__
    return safe_text(text[:MAX_ERROR_MESSAGE])


def describe(exc: BaseException, cpu: CpuGuard) -> dict[str, Any]:
    """The call's error for one exception that escaped tenant code."""
    error: dict[str, Any] = {"line": tenant_line(exc), "message": _text(exc),
                             "type": type(exc).__name__}
    limit = cpu.exceeded or (exc if isinstance(exc, LimitExceeded) else None)
    if limit is not None:
        error.update(code=codes.LIMIT_EXCEEDED, limit=limit.limit, message=str(limit))
    elif isinstance(exc, MemoryError):
        error.update(code=codes.LIMIT_EXCEEDED, limit="memory_mb",
                     message="the function ran out of memory")
    elif isinstance(exc, RaisedError):
        error.update(code=codes.RAISED_ERROR,
                     message=safe_text(exc.message[:MAX_ERROR_MESSAGE]),
                     field=None if exc.field is None else safe_text(exc.field))
    elif isinstance(exc, PlatformError):
        error.update(code=codes.PLATFORM_ERROR, platform_code=exc.code)
    elif isinstance(exc, ForbiddenError):
        error.update(code=codes.FORBIDDEN)
    elif isinstance(exc, NotPlainData):
        error.update(code=codes.NOT_PLAIN_DATA)
    else:
        error.update(code=codes.RUNTIME_ERROR)
    return error


class Worker:
    """Serves calls on one pipe until the pool closes it."""

    def __init__(self, conn: Connection, views: dict[str, ModuleView]) -> None:
        self.conn = conn
        self.views = views
        self.codes: dict[str, CodeType] = {}
        self.cpu = CpuGuard()

    def rpc(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """A host call from tenant code: ask the parent, wait for the plain-data answer."""
        if self.cpu.exceeded is not None:
            raise LimitExceeded(self.cpu.exceeded.limit, self.cpu.exceeded.used,
                                self.cpu.exceeded.maximum)
        message = {"op": "call", "name": name, "args": args, "kwargs": kwargs}
        check_plain(message)
        with self.cpu.paused():
            send(self.conn, message)
            reply = receive(self.conn)
        error = reply.get("error")
        if error is None:
            return reply.get("value")
        if error.get("code") == "limit_exceeded":
            raise LimitExceeded(error["limit"], error["used"], error["maximum"])
        raise PlatformError(error["code"], error.get("message", ""), error.get("errors"))

    def serve(self) -> None:
        send(self.conn, {"op": "ready", "pid": os.getpid()})
        while True:
            try:
                message = receive(self.conn)
            except (EOFError, ProtocolError):
                return
            if message.get("op") == "run":
                self.finish(self.run(message))

    def run(self, message: dict[str, Any]) -> dict[str, Any]:
        """Run one call and build its "done" message."""
        key = message["key"]
        if message.get("load"):
            self.codes[key] = marshal.loads(self.conn.recv_bytes())
        limits = Limits.from_dict(message.get("limits") or {})
        decimal.setcontext(decimal.Context())
        record = Record(message.get("record") or {})
        api = make_api(self.rpc)
        glb = restricted_globals(self.views, lambda text: api["log"](text), api)
        started = time.process_time()
        value: Any = None
        error: dict[str, Any] | None = None
        try:
            self.cpu.arm(limits.cpu_ms)
            try:
                exec(self.codes[key], glb)
                entry = glb.get("main")
                if not callable(entry):
                    raise NameError("the function defines no callable 'main'")
                value = entry(record, message.get("params") or {})
            finally:
                self.cpu.disarm()
        except BaseException as exc:
            error = describe(exc, self.cpu)
            exc.__traceback__ = None
            value = None
        glb.clear()
        if error is None and self.cpu.exceeded is not None:
            error = describe(self.cpu.exceeded, self.cpu)
        if error is None:
            try:
                check_plain(value)
            except NotPlainData as exc:
                error = {"code": codes.NOT_PLAIN_DATA, "line": None, "message": str(exc)}
                value = None
        return {"op": "done", "result": value, "error": error, "changes": record.changes(),
                "cpu_ms": round((time.process_time() - started) * 1000, 3),
                "recycle": error is not None and error.get("limit") in ("memory_mb", "cpu_ms")}

    def finish(self, done: dict[str, Any]) -> None:
        """Send the "done" message, replacing a result too large for the pipe by an error
        (and one that cannot be encoded at all: the worker must live on)."""
        try:
            data = encode(done)
        except (TypeError, ValueError, RecursionError) as exc:
            done.update(result=None, changes={}, error={
                "code": codes.NOT_PLAIN_DATA, "line": None,
                "message": safe_text(f"the result cannot be sent: {exc}"[:MAX_ERROR_MESSAGE])})
            data = encode(done)
        if len(data) > MAX_MESSAGE_BYTES:
            done.update(result=None, changes={}, error={
                "code": codes.RESULT_TOO_LARGE, "line": None,
                "message": f"the result is larger than {MAX_MESSAGE_BYTES} bytes"})
            data = encode(done)
        self.conn.send_bytes(data)


def main(conn: Connection, limits: dict[str, int]) -> None:
    """Process entry point: clean environment, imports, limits, then serve calls."""
    os.environ.clear()
    views = module_views()
    block_network()
    apply_os_limits(WorkerLimits(**limits))
    Worker(conn, views).serve()
