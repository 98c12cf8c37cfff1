"""A layout as a chosen role would see it: each field's state (edit, read-only, masked,
hidden) from the real access decision, the Guard's, for an actor holding only that role
(on a record not shared with them), never worked out again here."""

from __future__ import annotations

import dataclasses

from objectry.metadata import store
from objectry.metadata.problems import NotFound
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Actor, Context
from objectry.runtime.model.compiled import get_model

#: The states a field can have in the preview, most visible first.
STATES = ("edit", "read", "masked", "hidden")


def role_view(ctx: Context, object_name: str, role: str) -> dict[str, str]:
    """field -> its state for a user whose only role is ``role``."""
    if store.document(ctx.conn, ctx.tenant.id, "role", role) is None:
        raise NotFound(detail_code="unknown_role", role=role[:63])
    model = get_model(ctx, object_name)
    actor = Actor(user_id=None, email="role-preview", roles=(role,))
    guard = Guard(dataclasses.replace(ctx, actor=actor), model)
    access = guard.base
    view = guard.view(access)
    states = {}
    for name, field in model.fields.items():
        if name in view.hidden:
            states[name] = "hidden"
        elif name in view.masked:
            states[name] = "masked"
        elif access.field_level(name, field.group) == "edit" \
                and not field.definition.get("read_only"):
            states[name] = "edit"
        else:
            states[name] = "read"
    return states
