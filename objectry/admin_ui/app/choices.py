"""Searching a picklist's options as the user types: by label in every language, by
value, and by alias.

Aliases are the field type's business: an alias is found by asking the type to read the
typed text (``deserialize``, leniently, as an import would), so this module never looks
inside a field's options. Labels come from ``form_options`` in each language.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from flask import Response, request

from objectry.admin_ui.app import pages
from objectry.admin_ui.app.blueprint import blueprint, user_context
from objectry.metadata.i18n import LANGUAGES
from objectry.metadata.problems import NotFound, Problem
from objectry.runtime.kernel.context import Context

#: Options a search returns at most (a picklist has at most 1,000).
LIMIT = 50


def fold(text: str) -> str:
    """Case, width and white space folded, so a full-width "SH" finds "sh"."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def search(ctx: Context, object_name: str, field: str, text: str) -> list[dict[str, str]]:
    """``{"value", "text"}`` of the options of ``field`` the text finds (label in any
    language, value or alias), labelled in the user's language; 404 for a field the
    user cannot read or that has no options."""
    model, guard = pages.open_object(ctx, object_name)
    compiled = model.fields.get(field)
    if compiled is None or guard.readable_field(field) is None:
        raise NotFound(detail_code="unknown_field", field=field[:64], object=object_name)
    kind, definition = compiled.type, compiled.definition
    shown = kind.form_options(definition, ctx.locale)
    if not shown:
        raise NotFound(detail_code="unknown_field", field=field[:64], object=object_name)
    wanted = fold(text[:100])
    spellings: dict[str, list[str]] = {value: [value] for value, _ in shown}
    for language in LANGUAGES:
        for value, label in kind.form_options(definition, language) or []:
            spellings.setdefault(value, []).append(label)
    aliased = _by_alias(kind, definition, text)
    found = [{"value": value, "text": label} for value, label in shown
             if not wanted or value in aliased
             or any(wanted in fold(s) for s in spellings.get(value, []))]
    return found[:LIMIT]


def _by_alias(kind: Any, definition: Any, text: str) -> set[str]:
    """The values the field type reads ``text`` as (an alias, any case or width)."""
    if not text.strip():
        return set()
    try:
        value = kind.deserialize(definition, text.strip(), lenient=True)
    except (Problem, TypeError, ValueError):  # FieldValueError is a ValueError
        return set()
    values = value if isinstance(value, list) else [value]
    return {str(v) for v in values}


@blueprint.get("/o/<object_name>/fields/<field>/choices")
def field_choices(object_name: str, field: str) -> Response:
    """JSON for a picklist input's search (tom-select): the options ``q`` finds."""
    with user_context(read_only=True) as ctx:
        items = search(ctx, object_name, field, request.args.get("q", ""))
    return Response(json.dumps({"items": items}, ensure_ascii=False),
                    mimetype="application/json", headers={"Cache-Control": "no-store"})
