"""Exports as people read them: option values shown as their labels in the reader's
language (``labels=true``), on records already presented by the records service.

The records come from ``records.export_records`` (the caller's rows, hidden fields
absent, masked values masked); this only swaps an option's value for its label, asking
each field's type for its options (``form_options``). A value that is no option (a
masked one) stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model


def labelled(ctx: Context, object_name: str,
             items: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """``items`` with option values replaced by their labels in ``ctx.locale``."""
    model = get_model(ctx, object_name)
    labels: dict[str, dict[Any, str]] = {}
    for name, field in model.fields.items():
        options = field.type.form_options(field.definition, ctx.locale)
        if options:
            labels[name] = dict(options)
    for item in items:
        shown = dict(item)
        for name, table in labels.items():
            value = shown.get(name)
            if isinstance(value, list):
                shown[name] = [table.get(v, v) for v in value]
            elif value is not None:
                shown[name] = table.get(value, value)
        yield shown
