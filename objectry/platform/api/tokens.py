"""``/api/v1/tokens``: see and revoke API tokens (never their secrets).

Everyone sees and revokes their own tokens; administrators see and revoke every token
of the tenant, each with its user's email. Tokens are issued by ``objectry token
create`` (with ``--expires-in``); the secret is printed then and never again.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from objectry.platform import tenancy
from objectry.platform.api.common import json_response, tenant_context

blueprint = Blueprint("tokens", __name__, url_prefix="/api/v1")


@blueprint.get("/tokens")
def list_tokens() -> Response:
    with tenant_context(read_only=True) as ctx:
        items = tenancy.list_tokens(ctx.conn, ctx.tenant, ctx.actor, now=ctx.now(),
                                    email=request.args.get("user"))
    return json_response({"items": items})


@blueprint.delete("/tokens/<token_id>")
def revoke_token(token_id: str) -> Response:
    with tenant_context() as ctx:
        tenancy.revoke_token(ctx.conn, ctx.tenant, ctx.actor, token_id, now=ctx.now())
    return Response(status=204)
