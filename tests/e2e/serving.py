"""Starting ``objectry serve`` as a user would, for the front-door tests: a clean
environment (no ``OBJECTRY_*`` of the test run), a fresh data directory, a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(data: Path) -> dict[str, str]:
    """The caller's environment without the test run's settings, on ``data``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBJECTRY_")}
    env["OBJECTRY_DATA_DIR"] = str(data)
    return env


def wait_healthy(port: int, attempts: int = 100) -> None:
    for _ in range(attempts):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
            return
        except OSError:
            time.sleep(0.1)


def serve(data: Path, port: int, done: Callable[[list[str]], bool],
          extra: Sequence[str] = ("--no-automation",)) -> tuple[subprocess.Popen[str], list[str]]:
    """``objectry serve`` on ``data``: the process and what it printed until ``done``
    said enough (or it exited, or a minute passed), once it answers ``/healthz``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "objectry", "serve", "--port", str(port), *extra],
        env=clean_env(data), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line.rstrip("\n"))
        if done(lines):
            break
    wait_healthy(port)
    return process, lines


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=10)
