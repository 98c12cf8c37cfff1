"""Names: the api_name pattern and what the platform reserves for itself."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Final

#: The same text as ``$defs/api_name`` in schemas/defs.json. ``(?!\n)`` because Python's
#: ``$`` (jsonschema matches with ``re.search``) also matches before a final newline.
API_NAME_PATTERN: Final = r"^[a-z][a-z0-9_]{1,62}(?!\n)$"
API_NAME: Final = re.compile(API_NAME_PATTERN)

#: System fields every record has, with the field definition they behave like.
SYSTEM_FIELDS: Final = MappingProxyType({
    "id": {"api_name": "id", "type": "lookup", "target": "*"},
    "version": {"api_name": "version", "type": "integer"},
    "owner": {"api_name": "owner", "type": "lookup", "target": "user"},
    "created_at": {"api_name": "created_at", "type": "datetime"},
    "created_by": {"api_name": "created_by", "type": "lookup", "target": "user"},
    "updated_at": {"api_name": "updated_at", "type": "datetime"},
    "updated_by": {"api_name": "updated_by", "type": "lookup", "target": "user"},
})

#: Column names the platform uses internally besides the system fields.
INTERNAL_COLUMNS: Final = frozenset({"deleted_at", "deleted_by", "delete_batch"})

#: Names no field may take.
RESERVED_FIELD_NAMES: Final = frozenset(SYSTEM_FIELDS) | INTERNAL_COLUMNS | frozenset({
    "tenant", "tenant_id", "object", "kind", "record", "records", "select", "from", "where",
    "order", "group", "table", "index", "user", "null", "true", "false",
})

#: The field group of fields that name none.
DEFAULT_GROUP: Final = "default"


def is_api_name(value: object) -> bool:
    return isinstance(value, str) and API_NAME.match(value) is not None
