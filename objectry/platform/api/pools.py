"""Lead pools (公海, issue 15): list a pool's records, add, claim, return and reclaim.

Registered on the distribution blueprint (``register``) so the pool routes share its
token check; the views only build a context and call ``runtime.distribution.pools``.
"""

from __future__ import annotations

from flask import Blueprint, Response

from objectry.platform.api.common import json_body, json_response, limit_arg, tenant_context
from objectry.runtime.distribution import pools


def register(blueprint: Blueprint) -> None:
    """Add the pool routes to ``blueprint`` (under ``/api/v1``)."""
    blueprint.add_url_rule("/pools/<name>/records", "pool_records", pool_records,
                           methods=["GET"])
    blueprint.add_url_rule("/pools/<name>/records", "pool_add", pool_add, methods=["POST"])
    blueprint.add_url_rule("/pools/<name>/claim", "pool_claim", pool_claim, methods=["POST"])
    blueprint.add_url_rule("/pools/<name>/return", "pool_return", pool_return,
                           methods=["POST"])
    blueprint.add_url_rule("/pools/<name>/reclaim", "pool_reclaim", pool_reclaim,
                           methods=["POST"])


def pool_records(name: str) -> Response:
    limit = limit_arg()
    with tenant_context(read_only=True) as ctx:
        answer = pools.pooled_records(ctx, name, limit=limit)
    return json_response(answer)


def pool_add(name: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        answer = pools.add_records(ctx, name, body)
    return json_response(answer)


def pool_claim(name: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        answer = pools.claim(ctx, name, body)
    return json_response(answer)


def pool_return(name: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        answer = pools.give_back(ctx, name, body)
    return json_response(answer)


def pool_reclaim(name: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        answer = pools.reclaim(ctx, name, body)
    return json_response(answer)
