"""Owner changes and assignment rules (issue 15): ``POST /records/{object}/{id}/owner``,
the bulk ``POST /records/{object}/owner``, ``POST /assignment_rules/{name}/apply`` and
``/check``, distribution by hand (``/records/{object}/distribute``, ``/recall``,
``/tags``, ``/records/{object}/{id}/watch``); the pool routes come from ``api/pools.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response

from objectry.platform.api import pools
from objectry.platform.api.common import (
    json_body,
    json_response,
    limit_arg,
    optional_json_body,
    tenant_context,
)
from objectry.platform.api.records import if_match_header
from objectry.runtime.distribution import apply, by_hand, gaps, history, watch
from objectry.runtime.kernel.context import Context
from objectry.runtime.records import ownership

blueprint = Blueprint("distribution", __name__, url_prefix="/api/v1")
pools.register(blueprint)  # the lead pools' routes (api/pools.py)


@blueprint.post("/records/<object_name>/<record_id>/owner")
def change_owner(object_name: str, record_id: str) -> Response:
    body = json_body()
    expected = if_match_header()
    with tenant_context() as ctx:
        moved = ownership.change_owner_command(ctx, object_name, record_id, body,
                                               if_match=expected)
    return json_response(moved, headers={"ETag": f'"{moved["version"]}"'})


@blueprint.post("/records/<object_name>/owner")
def change_owners(object_name: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        answer = ownership.change_owners(ctx, object_name, body)
    return json_response(answer)


@blueprint.post("/records/<object_name>/distribute")
def distribute(object_name: str) -> Response:
    return _by_hand(object_name, by_hand.distribute)


@blueprint.post("/records/<object_name>/recall")
def recall(object_name: str) -> Response:
    return _by_hand(object_name, by_hand.recall)


@blueprint.post("/records/<object_name>/tags")
def tag(object_name: str) -> Response:
    return _by_hand(object_name, by_hand.tag)


def _by_hand(object_name: str, run: Callable[[Context, str, Any], dict[str, Any]]) -> Response:
    """Distribution by hand over many records, in one transaction."""
    body = json_body()
    with tenant_context() as ctx:
        answer = run(ctx, object_name, body)
    return json_response(answer)


@blueprint.get("/records/<object_name>/<record_id>/watch")
def watch_status(object_name: str, record_id: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        answer = watch.watch_status(ctx, object_name, record_id)
    return json_response(answer)


@blueprint.put("/records/<object_name>/<record_id>/watch")
def follow(object_name: str, record_id: str) -> Response:
    with tenant_context() as ctx:
        answer = watch.watch(ctx, object_name, record_id, on=True)
    return json_response(answer)


@blueprint.delete("/records/<object_name>/<record_id>/watch")
def unfollow(object_name: str, record_id: str) -> Response:
    with tenant_context() as ctx:
        answer = watch.watch(ctx, object_name, record_id, on=False)
    return json_response(answer)


@blueprint.post("/assignment_rules/<name>/apply")
def apply_rule(name: str) -> Response:
    return _run_rule(name, apply.apply_rule, json_body, read_only=False)


@blueprint.post("/assignment_rules/<name>/check")
def check_rule(name: str) -> Response:
    return _run_rule(name, gaps.check_rule, lambda: optional_json_body(default={}),
                     read_only=True)


def _run_rule(name: str, run: Callable[[Context, str, Any], dict[str, Any]],
              body: Callable[[], Any], *, read_only: bool) -> Response:
    """A rule run over records: apply (moves owners) or check (the dry run)."""
    parsed = body()
    with tenant_context(read_only=read_only) as ctx:
        answer = run(ctx, name, parsed)
    return json_response(answer)


@blueprint.get("/records/<object_name>/<record_id>/assignments")
def assignments(object_name: str, record_id: str) -> Response:
    limit = limit_arg()
    with tenant_context(read_only=True) as ctx:
        items = history.assignments(ctx, object_name, record_id, limit=limit)
    return json_response({"items": items})
