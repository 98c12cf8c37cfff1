"""The runtime's ``sandbox.Host``: the platform API of one call, as its ``run_as`` actor.

Every record call goes through the records service with the inner context (tenant
fixed, actor = ``run_as``), so permissions, validation, audit and events apply as for
any other client, and the API has no way to name another tenant. Each write runs in
its own savepoint: a refused write leaves the transaction usable for the function's
``except PlatformError`` branch. ``http.get/post`` fill in ``{{secret.name}}`` in the
URL and header values just before sending (``runtime/secrets``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from objectry.metadata.i18n import message
from objectry.metadata.problems import Problem
from objectry.runtime import records
from objectry.runtime.functions.definitions import FunctionSettings
from objectry.runtime.functions.http_client import HttpClient
from objectry.runtime.functions.values import to_plain
from objectry.runtime.kernel.context import Context
from objectry.runtime.query.list_params import parse_limit
from objectry.runtime.records import deletion
from objectry.runtime.secrets.placeholders import fill, scrub
from objectry.runtime.secrets.store import UnknownSecret
from objectry.sandbox import HostError, NotPlainData
from objectry.sandbox.plain import check_plain

DEFAULT_QUERY_LIMIT = 100
MAX_QUERY_LIMIT = records.MAX_LIMIT


class RuntimeHost:
    """Serves one call's host calls in the caller's transaction."""

    def __init__(self, ctx: Context, settings: FunctionSettings, http: HttpClient,
                 timeout_ms: int) -> None:
        self.ctx = ctx
        self.settings = settings
        self.http = http
        self.http_timeout_ms = min(settings.http_timeout_ms, timeout_ms)
        self._calls: dict[str, Callable[..., Any]] = {
            "records.get": self._get, "records.query": self._query,
            "records.create": self._create, "records.update": self._update,
            "records.delete": self._delete, "now": self._now,
            "http.get": self._http_get, "http.post": self._http_post,
        }

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        handler = self._calls.get(name)
        if handler is None:
            raise HostError("unknown_call", f"no host call {name!r}")
        try:
            value = to_plain(handler(*args, **kwargs))
            check_plain(value)  # e.g. an HTTP answer nested too deep or with Infinity
            return value
        except NotPlainData as exc:
            raise self._localized(HostError("answer_not_plain", str(exc)[:300])) from None
        except TypeError as exc:  # wrong arguments from tenant code
            raise self._localized(HostError("invalid_arguments", str(exc)[:300])) from None
        except HostError as exc:
            raise self._localized(exc) from None
        except Problem as exc:
            raise _refusal(exc, self.ctx.locale) from None

    def _localized(self, error: HostError) -> HostError:
        text = message(error.code, self.ctx.locale, {"reason": error.message})
        return HostError(error.code, text, error.errors)

    # -- records ---------------------------------------------------------------------------

    def _get(self, object: str, id: str) -> Any:
        return records.get(self.ctx, object, id)

    def _query(self, object: str, filter: Any = None, sort: Any = None, limit: Any = 100,
               fields: Any = None) -> Any:
        limit = parse_limit(limit, default=DEFAULT_QUERY_LIMIT, maximum=MAX_QUERY_LIMIT)
        return records.list_records(self.ctx, object, filter=filter, sort=sort, limit=limit,
                                    fields=fields)["items"]

    def _create(self, object: str, values: Any) -> Any:
        with self.ctx.conn.begin_nested():
            return records.create(self.ctx, object, values)

    def _update(self, object: str, id: str, values: Any) -> Any:
        with self.ctx.conn.begin_nested():
            return records.update(self.ctx, object, id, values)

    def _delete(self, object: str, id: str) -> None:
        with self.ctx.conn.begin_nested():
            deletion.delete(self.ctx, object, id)

    # -- clock and http ----------------------------------------------------------------

    def _now(self) -> str:
        return self.ctx.now().isoformat().replace("+00:00", "Z")

    def _http_get(self, url: str, params: Any = None, headers: Any = None) -> Any:
        return self._send("GET", url, headers, params=params)

    def _http_post(self, url: str, json: Any = None, headers: Any = None) -> Any:
        return self._send("POST", url, headers, json_body=json)

    def _send(self, method: str, url: Any, headers: Any, **options: Any) -> Any:
        """One request with ``{{secret.name}}`` in the URL and header values filled in
        for it alone; a refusal's text shows ``***`` where a value would be."""
        used: list[str] = []
        try:
            if isinstance(url, str):
                url = fill(self.ctx, url, used)
            if isinstance(headers, Mapping):
                headers = {k: fill(self.ctx, v, used) if isinstance(v, str) else v
                           for k, v in headers.items()}
        except UnknownSecret as exc:
            raise HostError("http_secret_unknown", exc.name) from None
        try:
            return self.http.request(method, url, allowlist=self.settings.http_allowlist,
                                     timeout_ms=self.http_timeout_ms, headers=headers,
                                     **options)
        except HostError as exc:
            if not used:
                raise
            raise HostError(exc.code, scrub(exc.message, used), exc.errors) from None


def _refusal(problem: Problem, locale: str) -> HostError:
    """A records-service refusal as the function sees it: code, text, culprits."""
    params = problem.params or (problem.errors[0].params if len(problem.errors) == 1 else {})
    return HostError(problem.detail_code, message(problem.detail_code, locale, params),
                     [{"path": e.path, "code": e.code,
                       "message": message(e.code, locale, e.params)} for e in problem.errors])
