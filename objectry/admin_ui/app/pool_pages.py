"""Lead pools (公海) in the web app: the pools a user belongs to, a pool's records as
the records API shows them to that user (the pool's masked fields masked until
claimed), claim buttons, and the records they hold with a return form asking why.

Every read and move is the distribution engine's (``runtime.distribution.pools``), as
``GET /pools/{p}/records``, ``POST /pools/{p}/claim`` and ``/return`` do it; a refusal
(over a limit, a record taken first, no reason) is shown as an error page.
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui.app import pages
from objectry.admin_ui.app.blueprint import blueprint, page, user_context
from objectry.admin_ui.app.tools import posted_ids
from objectry.metadata.i18n import pick
from objectry.runtime.distribution import pools
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model


@blueprint.get("/pools")
def pool_list() -> Response:
    with user_context(read_only=True) as ctx:
        mine = [(p.name, _label(ctx, p)) for p in pools.member_pools(ctx)]
        return page("web/pools.html", objects=pages.readable_objects(ctx), pools=mine)


@blueprint.get("/pools/<name>")
def pool_view(name: str) -> Response:
    with user_context(read_only=True) as ctx:
        pool = pools.load_pool(ctx, name)
        pooled = pools.pooled_records(ctx, name)["items"]
        held = pools.held_records(ctx, name)["items"]
        model = get_model(ctx, pool.object)
        guard = pages.open_object(ctx, pool.object)[1]
        columns = pages.list_columns(model, guard, pages.layout_of(ctx, model))
        names = pages.lookup_names(ctx, model, [*pooled, *held], columns)

        def rows(items: list[dict[str, Any]]) -> list[tuple[str, list[pages.Cell]]]:
            return [(str(item["id"]), [pages.cell(model, c, item.get(c), ctx.locale, names)
                                       if c in item else pages.Cell("") for c in columns])
                    for item in items]

        return page("web/pool.html", objects=pages.readable_objects(ctx), pool=pool.name,
                    pool_label=_label(ctx, pool), object_name=pool.object,
                    columns=[(c, pages.field_label(model.fields[c], ctx.locale))
                             for c in columns],
                    pooled=rows(pooled), held=rows(held),
                    claimed=request.args.get("claimed"), returned=request.args.get("returned"))


@blueprint.post("/pools/<name>/claim")
def pool_claim(name: str) -> Response:
    ids = posted_ids(request.form.getlist("ids"))
    with user_context() as ctx:
        done = pools.claim(ctx, name, {"ids": ids})
    return redirect(url_for("web.pool_view", name=name,  # type: ignore[return-value]
                            claimed=len(done["items"])), code=303)


@blueprint.post("/pools/<name>/return")
def pool_return(name: str) -> Response:
    ids = posted_ids(request.form.getlist("ids"))
    reason = str(request.form.get("reason", "")).strip()[:500]
    with user_context() as ctx:
        done = pools.give_back(ctx, name, {"ids": ids, "reason": reason})
    return redirect(url_for("web.pool_view", name=name,  # type: ignore[return-value]
                            returned=len(done["items"])), code=303)


def _label(ctx: Context, pool: pools.Pool) -> str:
    return pick(pool.document.get("label"), ctx.locale, pool.name)
