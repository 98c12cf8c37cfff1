"""Validation functions on record save: refusals become 422 errors at ``/<field>``.

The records service calls this (through ``ctx.record_hooks``) after its declarative rules,
with the record as it would be stored. A validation function refuses with
``raise_error(message, field)`` or by returning a list of ``{"field", "message"}``.
It never changes data (its savepoint always rolls back), and a function that breaks
or exceeds a limit refuses the save too: validation fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.problems import ErrorItem, Invalid, pointer
from objectry.runtime.functions import runner
from objectry.runtime.functions.errors import error_params, problem_for
from objectry.runtime.functions.session import FunctionSession
from objectry.runtime.functions.values import to_plain
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel
from objectry.runtime.model.serialize import SYSTEM_ORDER, field_json
from objectry.sandbox import result as codes

REFUSED = "function_raised_error"


class RecordValidation(FunctionSession):
    """A unit of work's function session that also serves as the records service's
    ``record_hooks``: the object's validation functions run before each write."""

    def validate_record(self, ctx: Context, model: ObjectModel, values: Mapping[str, Any],
                        record_id: Any = None) -> None:
        """Run the object's validation functions on a record about to be saved."""
        if self.runtime.tenant(ctx).validations.get(model.api_name):
            validate_record(ctx, self, model, values, record_id)


def validate_record(ctx: Context, session: FunctionSession, model: ObjectModel,
                    values: Mapping[str, Any], record_id: Any = None) -> None:
    """Raise Invalid with every refusal of the object's validation functions."""
    definitions = session.runtime.tenant(ctx).validations.get(model.api_name, ())
    names = [*SYSTEM_ORDER, *model.fields]
    record = to_plain({n: field_json(model, n, values[n]) for n in names if n in values})
    params = {"operation": "create" if record_id is None else "update"}
    errors: list[ErrorItem] = []
    for definition in definitions:
        call = runner.Call(definition, "validation", record, params, record_id,
                           keep_writes=False)
        result = runner.run(ctx, call)
        if result.ok:
            errors += _returned(definition.api_name, result.result)
        elif result.error and result.error["code"] == codes.RAISED_ERROR:
            errors.append(_refusal(definition.api_name, result.error.get("field"),
                                   result.error.get("message", "")))
        elif result.error and result.error["code"] == codes.POOL_BUSY:
            raise problem_for(definition.api_name, result.error)
        elif result.error:
            errors.append(ErrorItem("", result.error["code"],
                                    {**error_params(result.error),
                                     "function": definition.api_name}))
    if errors:
        raise Invalid(errors)


def _refusal(function: str, field: Any, text: str) -> ErrorItem:
    where = pointer(field) if isinstance(field, str) and field else ""
    return ErrorItem(where, REFUSED, {"message": text, "function": function})


def _returned(function: str, value: Any) -> list[ErrorItem]:
    """A returned list of ``{"field", "message"}`` refuses; ``False`` refuses as a whole."""
    if value is False:
        return [_refusal(function, None, function)]
    if isinstance(value, list):
        return [_refusal(function, item.get("field"), str(item.get("message", "")))
                for item in value if isinstance(item, dict)]
    return []
