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
prepared, kept with ``--keep``; ``--pid`` names its process, for the CPU column).
Repeated, ``--url``/``--pid`` drive several servers on the same data in turns: how
another WSGI server compares with ``objectry serve``.

Measured, each in turns with its counterpart so a busy machine slows both alike:
create a lead, read one by id, the 50 newest leads in one city (``sort=-created_at``)
for the administrator and for the rep (and their ratio, target <= 1.3), and adding a
field to the object (fewer samples: each adds a column). Prints medians and p95, and
the CPU time the server process and its child processes spent per request (from
/proc: what a busy machine does not inflate).

    python bench/http_api.py --baseline /tmp/base [--rows 20000]

    python bench/http_api.py --in-process [--baseline /tmp/base] [--samples 300]

``--in-process`` measures the request path without sockets: a token-authenticated GET
by id and a create through Flask's test client, against the same through
``Services.for_token`` and through the records service alone (CPU per request).

    python bench/http_api.py --layers [--rows 20000] [--samples 4000]

``--layers`` says where a one-row GET's server CPU goes: ``objectry serve`` itself, with
thread-CPU probes around waitress's read of the request and its worker, the app, the
token's resolution, the transaction, the records service and the JSON response; a
markdown table of CPU per request and share of the server process's CPU.

``--baseline`` serves another copy of the code (``git archive HEAD | tar -x -C
/tmp/base``) on the same data beside this checkout, every request alternating between
the two, and prints the ratios: before and after from one run.
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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
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


@dataclass(frozen=True)
class Served:
    """A running server: its URL, its process (for its CPU time) and what it runs."""

    base: str
    pid: int | None
    label: str


@contextmanager
def server(data_dir: Path, database_url: str, threads: int,
           root: Path = ROOT, label: str = "this checkout",
           probed: bool = False) -> Iterator[Served]:
    """``objectry serve`` of the code in ``root`` on a free port, until the block ends
    (``probed``: with the probes of ``--layers``)."""
    port = free_port()
    env = {**os.environ, "OBJECTRY_DATABASE_URL": database_url,
           "OBJECTRY_DATA_DIR": str(data_dir),
           "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    log = (data_dir / f"serve-{port}.log").open("wb")
    command = [sys.executable, __file__, "--layers-serve"] if probed else [
        sys.executable, "-m", "objectry"]
    process = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port),
         "--threads", str(threads), "--no-demo", "--no-automation"],
        env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"serve exited: {Path(log.name).read_text()}")
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
        yield Served(base, process.pid, label)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def server_cpu(pid: int | None) -> float:
    """CPU seconds the server process and its live child processes (a server that forks
    workers) have used so far (user + system, from /proc); 0 where that is not readable
    (then the CPU columns read 0)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    spent = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return spent + sum(server_cpu(child) for child in child_pids(pid))


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started that still run (from /proc)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    return found


class Measured:
    """One server's requests of one kind: wall time each, and the server's CPU time
    around each (summed: a clock tick is 10 ms, so the mean over many is what counts)."""

    def __init__(self, served: Served, action: Callable[[], Any]) -> None:
        self.served, self.action = served, action
        self.wall: list[float] = []
        self.cpu = 0.0

    def __call__(self) -> None:
        before = server_cpu(self.served.pid)
        start = time.perf_counter()
        self.action()
        self.wall.append(time.perf_counter() - start)
        self.cpu += server_cpu(self.served.pid) - before

    def cpu_ms(self) -> float:
        return self.cpu / max(len(self.wall), 1) * 1000


def drive(servers: Sequence[Served], admin_token: str, rep_token: str, samples: int,
          field_samples: int) -> None:
    """Each kind of request in turns across ``servers`` (the code measured first; a
    baseline after it), so a busy machine slows every server alike."""
    query = "?" + urllib.parse.urlencode(NEWEST_IN_CITY)
    clients = [(Client(s.base, admin_token), Client(s.base, rep_token)) for s in servers]
    try:
        kinds: dict[str, list[Measured]] = {}
        for served, (admin, rep) in zip(servers, clients, strict=True):
            made: list[str] = []

            def create(admin: Client = admin, made: list[str] = made) -> None:
                made.append(admin.call("POST", "/api/v1/records/lead",
                                       {"full_name": "New lead", "city": "beijing"}, 201)["id"])

            def read(admin: Client = admin, made: list[str] = made) -> None:
                admin.call("GET", f"/api/v1/records/lead/{made[len(made) // 2]}")

            def newest(client: Client) -> Callable[[], None]:
                def run() -> None:
                    assert len(client.call("GET", f"/api/v1/records/lead{query}")["items"]) == 50
                return run

            actions = {"create a lead": create, "read one lead by id": read,
                       "list 50 newest in a city, admin": newest(admin),
                       "list 50 newest in a city, rep (own: 10%)": newest(rep)}
            for label, action in actions.items():
                for _ in range(10):  # warm every cache
                    action()
                kinds.setdefault(label, []).append(Measured(served, action))
        for measured in kinds.values():
            interleaved(measured, samples)
        definition = clients[0][0].call("GET", "/api/v1/meta/objects/lead")
        definition = definition.get("document", definition)
        fields = list(definition["fields"])  # one object: each server adds to the same list
        added = []
        for served, (admin, _) in zip(servers, clients, strict=True):
            def add_field(admin: Client = admin) -> None:
                fields.append({"api_name": f"extra_{len(fields)}", "type": "text"})
                admin.call("PUT", "/api/v1/meta/objects/lead", {**definition, "fields": fields})

            added.append(Measured(served, add_field))
        interleaved(added, field_samples)
        kinds["add a field"] = added
    finally:
        for admin, rep in clients:
            admin.close()
            rep.close()
    print(f"{samples} samples each ({field_samples} for add field), one keep-alive "
          f"connection per user, servers: " + "; ".join(
              f"{s.label} at {s.base}" for s in servers))
    medians: dict[tuple[str, str], float] = {}
    for label, measured in kinds.items():
        for one in measured:
            median, p95 = summary(one.wall)
            medians[(label, one.served.label)] = median
            name = label if len(servers) == 1 else f"{label} [{one.served.label}]"
            print(f"{name:<58} median {median:7.2f} ms   p95 {p95:7.2f} ms   "
                  f"server cpu {one.cpu_ms():5.2f} ms")
        if len(servers) > 1:
            first, other = measured[0], measured[1]
            print(f"{'':<4}{first.served.label} / {other.served.label}: wall "
                  f"{summary(first.wall)[0] / summary(other.wall)[0]:5.2f}x   server cpu "
                  f"{first.cpu_ms() / max(other.cpu_ms(), 1e-9):5.2f}x")
    for served in servers:
        a = medians[("list 50 newest in a city, admin", served.label)]
        r = medians[("list 50 newest in a city, rep (own: 10%)", served.label)]
        print(f"restricted/admin ratio [{served.label}] {r / a:5.2f}x (target <= 1.3x)")


#: Where the probed server of ``--layers`` answers with its probes' totals (and resets them).
LAYERS_PATH = "/__bench_layers"


def probed_serve(serve_args: list[str]) -> None:
    """``objectry serve`` (the command itself) with thread-CPU probes around each layer
    of a request: waitress's worker and its read of a request, the app, the token's
    resolution, the request's transaction, the records service and the JSON response.
    Each probe is two ``thread_time`` calls (about 1 us); the names it wraps are those a
    one-row GET goes through, so a refactoring that moves them fails here loudly."""
    import functools
    import threading

    import waitress
    import waitress.channel

    from objectry.platform import cli, token_cache
    from objectry.platform.api import records as records_api
    from objectry.runtime import records

    spent: dict[str, float] = {}
    lock = threading.Lock()

    def add(name: str, seconds: float) -> None:
        with lock:
            spent[name] = spent.get(name, 0.0) + seconds

    def probe(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                add(name, time.thread_time() - start)
        return timed

    tenant_context = records_api.tenant_context

    @contextmanager
    def timed_context(**kwargs: Any) -> Iterator[Any]:
        start = time.thread_time()
        with tenant_context(**kwargs) as ctx:
            add("context", time.thread_time() - start)
            yield ctx
            start = time.thread_time()
        add("context", time.thread_time() - start)

    records_api.tenant_context = timed_context
    records.get = probe("service", records.get)
    records_api.json_response = probe("json", records_api.json_response)
    token_cache.TokenCache.resolve = probe(  # type: ignore[method-assign]
        "token", token_cache.TokenCache.resolve)
    channel = waitress.channel.HTTPChannel
    channel.service = probe("worker", channel.service)
    channel.handle_read = probe("read", channel.handle_read)
    serve = waitress.serve

    def probed(app: Callable[..., Any], **kwargs: Any) -> None:
        def outer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if environ["PATH_INFO"] == LAYERS_PATH:
                with lock:
                    body = json.dumps(spent).encode()
                    spent.clear()
                start_response("200 OK", [("Content-Type", "application/json")])
                return [body]
            start = time.thread_time()
            try:
                return app(environ, start_response)
            finally:
                add("app", time.thread_time() - start)

        serve(outer, **kwargs)

    waitress.serve = probed
    cli.main(serve_args)


def layers(data_dir: Path, database_url: str, threads: int, admin_token: str,
           samples: int) -> None:
    """Where a one-row GET's server CPU goes, layer by layer: ``samples`` reads by id on
    one keep-alive connection to ``probed_serve``, the server process's CPU from /proc
    against the probes' thread CPU."""
    with server(data_dir, database_url, threads, probed=True) as served:
        client = Client(served.base, admin_token)
        made = client.call("POST", "/api/v1/records/lead",
                           {"full_name": "New lead", "city": "beijing"}, 201)["id"]
        for _ in range(200):  # warm every cache
            client.call("GET", f"/api/v1/records/lead/{made}")
        client.call("GET", LAYERS_PATH)
        before, wall = server_cpu(served.pid), []
        for _ in range(samples):
            start = time.perf_counter()
            client.call("GET", f"/api/v1/records/lead/{made}")
            wall.append(time.perf_counter() - start)
        total = server_cpu(served.pid) - before
        spent = client.call("GET", LAYERS_PATH)
        client.close()
    rows = [
        ("server: read and parse the request (main thread)", spent["read"]),
        ("server: its main loop and the send (main thread)",
         total - spent["worker"] - spent["read"]),
        ("server: worker thread around the app (environ, start_response, "
         "buffering, waking the main loop)", spent["worker"] - spent["app"]),
        ("Flask: request, routing, hooks, response", spent["app"] - spent["context"]
         - spent["service"] - spent["json"]),
        ("auth: the token's state, tenant and actor", spent["token"]),
        ("transaction: connection, BEGIN, context, COMMIT", spent["context"] - spent["token"]),
        ("the records service (records.get)", spent["service"]),
        ("JSON response (orjson, Response)", spent["json"]),
    ]
    print(f"a one-row GET by id, {samples} requests on one keep-alive connection, "
          f"{database_url.split(':', 1)[0]}: median wall {statistics.median(wall) * 1000:.2f} ms, "
          f"server CPU {total / samples * 1000:.3f} ms per request")
    print("| piece | CPU per request | share |\n|---|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds / samples * 1000:.3f} ms | {seconds / total:.0%} |")


def in_process(samples: int) -> dict[str, float]:
    """Without sockets: a token-authenticated GET by id and a create through Flask's test
    client, the same two through ``Services.for_token`` (the token resolved, the
    request's hooks) and through the records service alone in a transaction, in turns.
    Mean CPU ms of this process per request (what a busy machine does not inflate)."""
    from objectry.platform import tenancy
    from objectry.platform.app import create_app
    from objectry.platform.config import Settings
    from objectry.platform.services import Services
    from objectry.runtime import records
    from objectry.runtime.kernel.context import Context
    from objectry.runtime.schema import metadata_service

    data_dir = Path(tempfile.mkdtemp(prefix="objectry-request-bench-"))
    services = Services.start(Settings(database_url=f"sqlite:///{data_dir / 'bench.db'}",
                                       data_dir=data_dir), migrate=True)
    with services.connection() as conn:
        tenant = tenancy.create_tenant(conn, "bench", None, now=services.clock())
        tenancy.create_user(conn, tenant, "admin@bench.example", now=services.clock())
    with services.for_tenant("bench") as ctx:
        metadata_service.apply_documents(ctx, [LEAD])
    with services.connection() as conn:
        token = tenancy.create_token(conn, tenancy.find_tenant(conn, "bench"),
                                     "admin@bench.example", now=services.clock())
        principal = tenancy.resolve_token(conn, token)
    assert principal is not None
    client = create_app(services=services).test_client()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    body = {"full_name": "New lead", "city": "beijing"}
    made = client.post("/api/v1/records/lead", json=body, headers=headers).get_json()["id"]

    def plain(read_only: bool) -> Any:
        @contextmanager
        def opened() -> Iterator[Context]:
            with services.connection(read_only=read_only) as conn:
                yield Context(tenant=principal.tenant, actor=principal.actor, conn=conn,
                              models=services.models, keys=services.keys,
                              decisions=services.decisions, clock=services.clock)
        return opened()

    def get_client() -> None:
        assert client.get(f"/api/v1/records/lead/{made}", headers=headers).status_code == 200

    def get_token() -> None:
        with services.for_token(token, read_only=True) as ctx:
            records.get(ctx, "lead", made)

    def get_plain() -> None:
        with plain(True) as ctx:
            records.get(ctx, "lead", made)

    def create_client() -> None:
        assert client.post("/api/v1/records/lead", json=body, headers=headers).status_code == 201

    def create_token() -> None:
        with services.for_token(token) as ctx:
            records.create(ctx, "lead", dict(body))

    def create_plain() -> None:
        with plain(False) as ctx:
            records.create(ctx, "lead", dict(body))

    actions = {"GET by id, test client": get_client, "GET by id, for_token + service": get_token,
               "GET by id, service alone": get_plain, "create, test client": create_client,
               "create, for_token + service": create_token, "create, service alone": create_plain}
    spent = dict.fromkeys(actions, 0.0)
    for round_ in range(samples + 30):  # the first 30 warm every cache
        for label, action in actions.items():
            start = time.process_time()
            action()
            if round_ >= 30:
                spent[label] += time.process_time() - start
    services.close()
    return {label: total / samples * 1000 for label, total in spent.items()}


def compare_in_process(samples: int, baseline: Path | None, rounds: int) -> None:
    """``in_process`` for this checkout and, with ``baseline``, for that copy of the code
    too (each a process of its own, taking turns ``rounds`` times): before and after."""
    roots = [("this checkout", ROOT)] + ([("baseline", baseline.resolve())] if baseline else [])
    found: dict[str, list[dict[str, float]]] = {label: [] for label, _ in roots}
    for _ in range(rounds):
        for label, root in roots:
            env = {**os.environ, "PYTHONPATH": str(root)}
            out = subprocess.run([sys.executable, __file__, "--in-process-json",
                                  "--samples", str(samples)], env=env, cwd=root, check=True,
                                 capture_output=True, text=True).stdout
            found[label].append(json.loads(out.strip().splitlines()[-1]))
    print(f"CPU per request, mean of {samples} in each of {rounds} rounds "
          f"(the Flask test client, no sockets; SQLite)")
    for action in found[roots[0][0]][0]:
        means = {label: statistics.mean(r[action] for r in runs) for label, runs in found.items()}
        line = "   ".join(f"{label} {value:6.3f} ms" for label, value in means.items())
        ratio = f"   {means['this checkout'] / means['baseline']:5.2f}x" if baseline else ""
        print(f"{action:<34} {line}{ratio}")


def compare_servers(data_dir: Path, url: str, args: argparse.Namespace, admin_token: str,
                    rep_token: str) -> None:
    """This checkout's server and, with ``--baseline``, that copy's, driven in turns."""
    with ExitStack() as stack:
        served = [stack.enter_context(server(data_dir, url, args.threads))]
        if args.baseline is not None:
            served.append(stack.enter_context(server(data_dir, url, args.threads,
                                                     args.baseline.resolve(), "baseline")))
        drive(served, admin_token, rep_token, args.samples, args.field_samples)


def main() -> None:
    if sys.argv[1:2] == ["--layers-serve"]:  # the probed server of --layers
        probed_serve(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--field-samples", type=int, default=10)
    parser.add_argument("--threads", type=int, default=4, help="serve --threads")
    parser.add_argument("--database-url", default=None,
                        help="for the server this bench starts (default: SQLite in the "
                             "temp data dir)")
    parser.add_argument("--url", action="append", default=[],
                        help="drive this running server instead (repeat: several servers "
                             "on the same data, in turns)")
    parser.add_argument("--admin-token", default=None)
    parser.add_argument("--restricted-token", default=None)
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp data dir and print its tokens")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another copy of the code (e.g. `git archive HEAD | tar -x "
                             "-C DIR`), served on the same data beside this checkout; "
                             "every request kind alternates between the two servers")
    parser.add_argument("--in-process", action="store_true",
                        help="measure the request path without sockets (test client against "
                             "the service in process), beside --baseline if given")
    parser.add_argument("--in-process-json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--layers", action="store_true",
                        help="where a one-row GET's server CPU goes (probes in the served "
                             "process; --samples reads)")
    parser.add_argument("--pid", type=int, action="append", default=[],
                        help="with --url: the server's process id, for its CPU per request "
                             "(one per --url, in the same order)")
    parser.add_argument("--rounds", type=int, default=2, help="with --in-process")
    args = parser.parse_args()
    if args.in_process_json:
        print(json.dumps(in_process(args.samples)))
        return
    if args.in_process:
        compare_in_process(args.samples, args.baseline, args.rounds)
        return
    if args.url:
        if not (args.admin_token and args.restricted_token):
            parser.error("--url needs --admin-token and --restricted-token")
        if args.pid and len(args.pid) != len(args.url):
            parser.error("--pid: one per --url")
        pids = args.pid or [None] * len(args.url)
        drive([Served(url, pid, url) for url, pid in zip(args.url, pids, strict=True)],
              args.admin_token, args.restricted_token, args.samples, args.field_samples)
        return
    data_dir = Path(tempfile.mkdtemp(prefix="objectry-http-bench-"))
    url = args.database_url or f"sqlite:///{data_dir / 'bench.db'}"
    admin_token, rep_token = prepare(data_dir, url, args.rows)
    if args.layers:
        layers(data_dir, url, args.threads, admin_token, args.samples)
    else:
        compare_servers(data_dir, url, args, admin_token, rep_token)
    if args.keep:
        print(f"data dir {data_dir}; OBJECTRY_DATABASE_URL={url}\n"
              f"admin token {admin_token}\nrestricted token {rep_token}")
    else:
        for path in sorted(data_dir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        data_dir.rmdir()


if __name__ == "__main__":
    main()
