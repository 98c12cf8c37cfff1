"""The platform over HTTP, as a client sees it: one keep-alive connection per user.
(Not ``bench/http.py``: run as a script, a file there named ``http`` would hide the
standard library's ``http`` from every benchmark in this folder.)

    python bench/http_api.py [--rows 200000] [--samples 200] [--database-url URL]
    python bench/http_api.py --url http://127.0.0.1:8000 --admin-token T --restricted-token T

Without ``--url`` it prepares a temporary data directory (SQLite unless
``--database-url``): a tenant with a ``lead`` object (an indexed ``city`` picklist of
ten cities), ``--rows`` leads, an administrator and a rep whose role shows only their
own leads (10% of the rows, 1% of them in the filtered city); then it starts
``objectry serve`` on a free port and drives it with ``http.client``. With ``--url`` it
drives a running server whose tenant has such an object (for example one this bench
prepared, kept with ``--keep``).

Measured, each in turns with its counterpart so a busy machine slows both alike:
create a lead, read one by id, the 50 newest leads in one city (``sort=-created_at``)
for the administrator and for the rep (and their ratio, target <= 1.3), and adding a
field to the object (fewer samples: each adds a column). Prints medians and p95.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CITIES = ["shanghai", "beijing", "shenzhen", "hangzhou", "chengdu", "wuhan", "xian", "nanjing",
          "suzhou", "tianjin"]
LEAD = {
    "kind": "object", "api_name": "lead", "label": {"en": "Lead", "zh-CN": "线索"},
    "fields": [
        {"api_name": "full_name", "type": "text", "max_length": 80},
        {"api_name": "email", "type": "email"},
        {"api_name": "city", "type": "picklist", "indexed": True, "options": CITIES},
        {"api_name": "employees", "type": "integer", "min": 0},
        {"api_name": "status", "type": "picklist", "options": ["new", "working", "mql"]},
    ],
}
OWN_ROLE = {"kind": "role", "api_name": "own_rep", "label": {"en": "Rep", "zh-CN": "销售"},
            "grants": {"lead": {"actions": ["read", "create", "edit"], "scope": "own",
                                "field_groups": {"default": "edit"}}}}
NEWEST_IN_CITY = {"filter": json.dumps({"field": "city", "op": "eq", "value": "shanghai"}),
                  "sort": "-created_at", "limit": "50"}


class Client:
    """One user's keep-alive HTTP/1.1 connection (reconnects if the server closed it)."""

    def __init__(self, base: str, token: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def call(self, method: str, path: str, body: Any = None,
             expect: int = 200) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        if response.status != expect:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload) if payload else None

    def close(self) -> None:
        self.conn.close()


def interleaved(actions: Sequence[Callable[[], Any]], n: int) -> list[list[float]]:
    samples: list[list[float]] = [[] for _ in actions]
    for _ in range(n):
        for action, taken in zip(actions, samples, strict=True):
            start = time.perf_counter()
            action()
            taken.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in ms."""
    p95 = statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)
    return statistics.median(samples) * 1000, p95 * 1000


def report(label: str, samples: list[float]) -> float:
    median, p95 = summary(samples)
    print(f"{label:<44} median {median:7.2f} ms   p95 {p95:7.2f} ms   (n={len(samples)})")
    return median


def prepare(data_dir: Path, database_url: str, rows: int) -> tuple[str, str]:
    """The tenant, its users and ``rows`` leads; returns (admin token, rep token)."""
    from objectry.platform import tenancy
    from objectry.platform.config import Settings
    from objectry.platform.services import Services
    from objectry.runtime.kernel.ids import record_stamp
    from objectry.runtime.model.compiled import get_model, tenant_table
    from objectry.runtime.schema import metadata_service

    services = Services.start(Settings(database_url=database_url, data_dir=data_dir),
                              migrate=True)
    try:
        with services.connection() as conn:
            now = services.clock()
            tenant = tenancy.create_tenant(conn, "bench", None, now=now)
            tenancy.create_user(conn, tenant, "admin@bench.example", now=now)
        with services.for_tenant("bench") as ctx:
            metadata_service.apply_documents(ctx, [LEAD, OWN_ROLE])
        with services.connection() as conn:
            tenant = tenancy.find_tenant(conn, "bench")
            rep = tenancy.create_user(conn, tenant, "rep@bench.example", roles=["own_rep"],
                                      now=services.clock())
            admin_token = tenancy.create_token(conn, tenant, "admin@bench.example",
                                               now=services.clock())
            rep_token = tenancy.create_token(conn, tenant, "rep@bench.example",
                                             now=services.clock())
        with services.for_tenant("bench") as ctx:
            table = tenant_table(get_model(ctx, "lead"), ctx.storage)
        rep_id = rep["id"]
        start = services.clock() - dt.timedelta(days=30)
        step = dt.timedelta(days=30) / max(rows, 1)
        started = time.perf_counter()
        for offset in range(0, rows, 10_000):  # bulk Core (setup only), stamped as create does
            batch = []
            for n in range(offset, min(offset + 10_000, rows)):
                record_id, at = record_stamp(start + step * n)
                batch.append({"id": record_id, "version": 1, "created_at": at,
                              "updated_at": at, "full_name": f"Lead {n}",
                              "email": f"lead{n}@example.com", "city": CITIES[n % 10],
                              "employees": n % 500, "status": "new",
                              "owner": rep_id if (n // 10) % 10 == 0 else None})
            with services.engine.begin() as conn:
                conn.execute(table.insert(), batch)
        if services.engine.dialect.name == "postgresql":
            with services.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"prepared {rows:,} leads in {time.perf_counter() - started:.1f} s")
        return admin_token, rep_token
    finally:
        services.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(data_dir: Path, database_url: str, threads: int) -> Iterator[str]:
    """``objectry serve`` of this checkout on a free port, until the block ends."""
    port = free_port()
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "OBJECTRY_DATABASE_URL": database_url,
           "OBJECTRY_DATA_DIR": str(data_dir),
           "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "objectry", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--threads", str(threads), "--no-demo", "--no-automation"],
        env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"serve exited: {(data_dir / 'serve.log').read_text()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
                conn.close()
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def drive(base: str, admin_token: str, rep_token: str, samples: int,
          field_samples: int) -> None:
    admin, rep = Client(base, admin_token), Client(base, rep_token)
    query = "?" + urllib.parse.urlencode(NEWEST_IN_CITY)
    try:
        made: list[str] = []

        def create() -> None:
            made.append(admin.call("POST", "/api/v1/records/lead",
                                   {"full_name": "New lead", "city": "beijing"}, 201)["id"])

        def read() -> None:
            admin.call("GET", f"/api/v1/records/lead/{made[len(made) // 2]}")

        def newest(client: Client) -> Callable[[], None]:
            def run() -> None:
                assert len(client.call("GET", f"/api/v1/records/lead{query}")["items"]) == 50
            return run

        for action in (create, read, newest(admin), newest(rep)):  # warm every cache
            for _ in range(10):
                action()
        created, = interleaved([create], samples)
        reads, = interleaved([read], samples)
        admin_lists, rep_lists = interleaved([newest(admin), newest(rep)], samples)
        definition = admin.call("GET", "/api/v1/meta/objects/lead")
        definition = definition.get("document", definition)
        fields = list(definition["fields"])

        def add_field() -> None:
            fields.append({"api_name": f"extra_{len(fields)}", "type": "text"})
            admin.call("PUT", "/api/v1/meta/objects/lead", {**definition, "fields": fields})

        added, = interleaved([add_field], field_samples)
    finally:
        admin.close()
        rep.close()
    print(f"server {base}, {samples} samples each ({field_samples} for add field), "
          f"one keep-alive connection per user")
    report("create a lead", created)
    report("read one lead by id", reads)
    a = report("list 50 newest in a city, admin", admin_lists)
    r = report("list 50 newest in a city, rep (own: 10%)", rep_lists)
    print(f"{'restricted/admin ratio':<44} {r / a:5.2f}x (target <= 1.3x)")
    report("add a field", added)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--field-samples", type=int, default=10)
    parser.add_argument("--threads", type=int, default=4, help="serve --threads")
    parser.add_argument("--database-url", default=None,
                        help="for the server this bench starts (default: SQLite in the "
                             "temp data dir)")
    parser.add_argument("--url", default=None, help="drive this running server instead")
    parser.add_argument("--admin-token", default=None)
    parser.add_argument("--restricted-token", default=None)
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp data dir and print its tokens")
    args = parser.parse_args()
    if args.url:
        if not (args.admin_token and args.restricted_token):
            parser.error("--url needs --admin-token and --restricted-token")
        drive(args.url, args.admin_token, args.restricted_token, args.samples,
              args.field_samples)
        return
    data_dir = Path(tempfile.mkdtemp(prefix="objectry-http-bench-"))
    url = args.database_url or f"sqlite:///{data_dir / 'bench.db'}"
    admin_token, rep_token = prepare(data_dir, url, args.rows)
    with server(data_dir, url, args.threads) as base:
        drive(base, admin_token, rep_token, args.samples, args.field_samples)
    if args.keep:
        print(f"data dir {data_dir}; OBJECTRY_DATABASE_URL={url}\n"
              f"admin token {admin_token}\nrestricted token {rep_token}")
    else:
        for path in sorted(data_dir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        data_dir.rmdir()


if __name__ == "__main__":
    main()
