"""A reference to a record of another object (or the same one).

``on_target_delete`` says what happens to this record when the target goes to the
recycle bin: ``restrict`` refuses the delete, ``set_null`` clears the reference,
``keep`` leaves it (the task stays attributed to the deleted lead), ``cascade``
deletes this record too (and restoring the target restores it).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.problems import ErrorItem, FieldValueError

ON_TARGET_DELETE = ("restrict", "set_null", "keep", "cascade")


class LookupType(FieldType):
    name = "lookup"
    storage = "uuid"
    sortable = False
    reference = True
    always_indexed = True
    options = {
        "target": {"$ref": "defs.json#/$defs/api_name"},
        "on_target_delete": {"enum": list(ON_TARGET_DELETE)},
    }
    #: A search-as-you-type over the target's records; pages show the target's name
    #: (read through the records service), this type only knows the id.
    widget = "lookup"

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "format": "uuid",
                "description": f"id of a {field.get('target')} record"}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return sa.Uuid(as_uuid=True)

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        if isinstance(value, uuid.UUID):
            return value
        if not isinstance(value, str):
            raise FieldValueError("not_an_id")
        try:
            return uuid.UUID(value.strip() if lenient else value)
        except ValueError as exc:
            raise FieldValueError("not_an_id") from exc

    def to_json(self, field: Mapping[str, Any], value: Any) -> Any:
        return str(value)

    def check(self, field: Mapping[str, Any], objects: Mapping[str, Any]) -> list[ErrorItem]:
        errors = super().check(field, objects)
        if "target" not in field:
            errors.append(ErrorItem("/target", "schema_required", {"property": "target"}))
        elif field["target"] not in objects:
            errors.append(ErrorItem("/target", "unknown_lookup_target",
                                    {"target": field["target"]}))
        return errors
