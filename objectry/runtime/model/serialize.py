"""Records between storage form and their flat JSON form (system fields first)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.fieldtypes.datetime import format_instant
from objectry.runtime.model.compiled import CompiledField, ObjectModel

SYSTEM_ORDER = ("id", "version", "owner", "created_at", "created_by", "updated_at",
                "updated_by")
_INSTANTS = frozenset({"created_at", "updated_at", "deleted_at"})


def _system_json(name: str, value: Any) -> Any:
    if value is None or name == "version":
        return value
    if name in _INSTANTS:
        return format_instant(value)
    return str(value)


def to_api(model: ObjectModel, row: Mapping[str, Any],
           only: Iterable[str] | None = None) -> dict[str, Any]:
    """The API form of a stored row; ``only`` restricts the fields (``id`` always stays).
    A frozenset holding ``id`` is used as it is (a page passes one per access map)."""
    wanted = only if isinstance(only, frozenset) and "id" in only \
        else None if only is None else {"id", *only}
    record: dict[str, Any] = {}
    for name in SYSTEM_ORDER:
        if wanted is None or name in wanted:
            record[name] = _system_json(name, row[name])
    for name, field in model.fields.items():
        if wanted is None or name in wanted:
            value = row[name]
            record[name] = None if value is None else field.type.to_json(field.definition,
                                                                          value)
    if row.get("deleted_at") is not None:
        record["deleted_at"] = format_instant(row["deleted_at"])
    return record


@dataclass(frozen=True)
class Layout:
    """How records showing one chosen set of fields are serialized, worked out once:
    the names in record order, and those whose stored value needs converting (the
    others, most fields, are copied as they are, with no call per value)."""

    names: tuple[str, ...]
    converted: tuple[tuple[str, Callable[[Any], Any]], ...]


def layout(system: Sequence[str], fields: Sequence[CompiledField]) -> Layout:
    """The layout of ``system`` (from ``SYSTEM_ORDER``) then ``fields`` (in the
    object's order); a field whose type keeps the base ``to_json`` is copied as is."""
    converted: list[tuple[str, Callable[[Any], Any]]] = [
        (name, format_instant if name in _INSTANTS else str)
        for name in system if name != "version"]
    converted += [(field.name, partial(field.type.to_json, field.definition))
                  for field in fields if type(field.type).to_json is not FieldType.to_json]
    return Layout((*system, *(field.name for field in fields)), tuple(converted))


def fields_api(row: Mapping[str, Any], shape: Layout) -> dict[str, Any]:
    """``to_api`` over fields already chosen and ordered (a ``Layout``): a restricted
    page presents each row under one of a few field sets, each worked out once,
    instead of testing every field of the object on every row."""
    record: dict[str, Any] = {name: row[name] for name in shape.names}
    for name, convert in shape.converted:
        value = record[name]
        if value is not None:
            record[name] = convert(value)
    if row.get("deleted_at") is not None:
        record["deleted_at"] = format_instant(row["deleted_at"])
    return record


def field_json(model: ObjectModel, name: str, value: Any) -> Any:
    """One stored value as JSON, for audit entries and events."""
    if value is None:
        return None
    field = model.fields.get(name)
    if field is None:
        return _system_json(name, value)
    return field.type.to_json(field.definition, value)
