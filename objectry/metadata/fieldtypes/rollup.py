"""A value aggregated on read from related child records (``rollup``).

``object`` names the child object and ``via`` the lookups from the child up to this
record: one hop (``["campaign"]``: leads of a campaign) or two (``["lead", "campaign"]``:
opportunities of the leads of a campaign); more hops, or a step that is not a lookup,
are refused with a pointer. ``op`` is count, sum, avg, min or max of the child's
``field`` (count without a field counts records, with one its non-empty values);
``filter`` is a condition on the child (``{"field": "stage", "op": "eq", "value":
"won"}``); ``scale`` rounds sums, averages and extremes (default 2). ``rate`` weighs a
sum by a dated rate table: each child's ``field`` (hours) times the ``value`` of the
rate row whose ``valid_from`` is the latest on or before the child's ``date``, among
the rows matching the child (``match``: alternatives tried in turn, e.g. by person,
then by role); a child without a rate adds nothing.

The value is stored on this record and kept current in the transaction of every child
write (``runtime/query/rollup_sql.py``: why, and how); users never write it. Children
in the recycle bin do not count; the records in between count whether or not they are
deleted (a deleted lead's opportunities and tasks stay attributed to its campaign).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.fieldtypes.decimal import MAX_PRECISION, DecimalType
from objectry.metadata.fieldtypes.integer import IntegerType
from objectry.metadata.fieldtypes.sqltypes import ScaledDecimal
from objectry.metadata.formula.checks import owner_of
from objectry.metadata.problems import ErrorItem, FieldValueError

OPS = ("count", "sum", "avg", "min", "max")
#: Lookups from the child up to the record holding the roll-up.
MAX_HOPS = 2
NOT_FOR_ROLLUPS = ("required", "unique", "indexed", "default")
DEFAULT_SCALE = 2
#: Decimal places a stored sum, average or extreme keeps.
STORED_PLACES = 6
QUANTA = tuple(Decimal(1).scaleb(-places) for places in range(11))


class RollupType(FieldType):
    name = "rollup"
    storage = "computed"
    computed = True
    aggregated = True
    widget = "none"
    options = {
        "object": {"$ref": "defs.json#/$defs/api_name"},
        "via": {"type": "array", "minItems": 1, "maxItems": 10,
                "items": {"$ref": "defs.json#/$defs/api_name"}},
        "op": {"enum": list(OPS)},
        "field": {"$ref": "defs.json#/$defs/api_name"},
        "filter": {"$ref": "defs.json#/$defs/condition"},
        "scale": {"type": "integer", "minimum": 0, "maximum": 10},
        "rate": {"type": "object", "additionalProperties": False,
                 "required": ["object", "value", "valid_from", "date", "match"],
                 "properties": {
                     "object": {"$ref": "defs.json#/$defs/api_name"},
                     "value": {"$ref": "defs.json#/$defs/api_name"},
                     "valid_from": {"$ref": "defs.json#/$defs/api_name"},
                     "date": {"$ref": "defs.json#/$defs/api_name"},
                     "match": {"type": "array", "minItems": 1, "maxItems": 3, "items": {
                         "type": "object", "minProperties": 1, "maxProperties": 3,
                         "additionalProperties": {"$ref": "defs.json#/$defs/api_name"}}}}},
    }

    def __init__(self, types: Callable[[str], FieldType | None]) -> None:
        #: The registry's lookup (the registry lists this type, so it hands it in).
        self.types = types

    @staticmethod
    def counts(field: Mapping[str, Any]) -> bool:
        return field.get("op") == "count"

    def value_definition(self, field: Mapping[str, Any]) -> Mapping[str, Any]:
        shown: dict[str, Any] = {"api_name": field.get("api_name"), "read_only": True}
        if self.counts(field):
            shown["type"] = "integer"
        else:
            shown |= {"type": "decimal", "precision": MAX_PRECISION,
                      "scale": field.get("scale", DEFAULT_SCALE)}
        for key in ("label", "group", "sensitive"):
            if key in field:
                shown[key] = field[key]
        return shown

    def _result(self, field: Mapping[str, Any]) -> FieldType:
        return IntegerType() if self.counts(field) else DecimalType()

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        schema = self._result(field).json_schema(self.value_definition(field))
        return {**schema, "readOnly": True}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        """Counts as integers; the rest at six places (shown at ``scale``), so sums
        moved by each child's amount equal a recomputation."""
        return sa.BigInteger() if self.counts(field) else ScaledDecimal(MAX_PRECISION,
                                                                         STORED_PLACES)

    def storage_signature(self, field: Mapping[str, Any]) -> str:
        return "rollup(count)" if self.counts(field) else "rollup(decimal)"

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        raise FieldValueError("rollup_read_only")

    def normalize(self, field: Mapping[str, Any], value: Any) -> Any:
        """A stored value as a count, or a decimal rounded half up to the field's
        scale."""
        if value is None:
            return None
        if isinstance(value, int) and self.counts(field):
            return value
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        if self.counts(field):
            return int(number)
        scale = int(field.get("scale", DEFAULT_SCALE))
        return number.quantize(QUANTA[scale], rounding=ROUND_HALF_UP)

    def to_json(self, field: Mapping[str, Any], value: Any) -> Any:
        """A count, or a decimal (as decimal fields give them)."""
        return self.normalize(field, value)

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        return self._result(field).display(self.value_definition(field), value, locale)

    # -- definition ----------------------------------------------------------------
    def check(self, field: Mapping[str, Any], objects: Mapping[str, Any]) -> list[ErrorItem]:
        errors = [ErrorItem(f"/{key}", "rollup_option_not_allowed", {"option": key})
                  for key in NOT_FOR_ROLLUPS if field.get(key) not in (None, False)]
        for key in ("object", "via", "op"):
            if key not in field:
                errors.append(ErrorItem(f"/{key}", "schema_required", {"property": key}))
        if errors:
            return errors
        owner = owner_of(field, objects)
        child = objects.get(field["object"])
        if not isinstance(child, Mapping):
            return [ErrorItem("/object", "rollup_unknown_object",
                              {"object": field["object"]})]
        errors = self._path_errors(field, child, owner, objects)
        if errors:
            return errors
        fields = {f.get("api_name"): f for f in child.get("fields", [])}
        errors = self._measure_errors(field, fields)
        if not errors and field.get("rate") is not None:
            errors = self._rate_errors(field, fields, objects)
        return errors

    def _rate_errors(self, field: Mapping[str, Any], fields: Mapping[str, Any],
                     objects: Mapping[str, Any]) -> list[ErrorItem]:
        """A sum weighted by a dated rate (hours x the rate valid on the log's day):
        the rate table, its value and start day, the child's day, the matching fields."""
        rate = field["rate"]
        if field["op"] != "sum":
            return [ErrorItem("/rate", "rollup_rate_needs_sum")]
        table = objects.get(rate["object"])
        if not isinstance(table, Mapping):
            return [ErrorItem("/rate/object", "rollup_unknown_object",
                              {"object": rate["object"]})]
        there = {f.get("api_name"): f for f in table.get("fields", [])}
        errors = []
        for key, side, want in (("value", there, "numeric"), ("valid_from", there, "day"),
                                ("date", fields, "day")):
            found = side.get(rate[key])
            ftype = None if found is None else self.types(str(found.get("type")))
            ok = ftype is not None and not ftype.computed and (
                ftype.numeric if want == "numeric" else ftype.whole_days)
            if not ok:
                errors.append(ErrorItem(f"/rate/{key}", "rollup_rate_field",
                                        {"field": rate[key], "kind": want}))
        for i, pairs in enumerate(rate["match"]):
            for here, far in pairs.items():
                if here not in fields or far not in there:
                    errors.append(ErrorItem(f"/rate/match/{i}/{here}", "rollup_unknown_field",
                                            {"field": f"{here} = {far}",
                                             "object": rate["object"]}))
        return errors

    def conditions(self, field: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
        """The filter, over the child's stored fields (checked by object validation)."""
        if field.get("filter") is None:
            return []
        return [("/filter", str(field.get("object")), field["filter"])]

    def _path_errors(self, field: Mapping[str, Any], child: Mapping[str, Any],
                     owner: Mapping[str, Any] | None,
                     objects: Mapping[str, Any]) -> list[ErrorItem]:
        """The lookups from the child up to ``owner``: at most two, each a lookup."""
        via = list(field["via"])
        if len(via) > MAX_HOPS:
            return [ErrorItem(f"/via/{MAX_HOPS}", "rollup_too_many_hops", {"max": MAX_HOPS})]
        current: Mapping[str, Any] | None = child
        for i, step in enumerate(via):
            fields = {f.get("api_name"): f for f in (current or {}).get("fields", [])}
            hop = fields.get(step)
            ftype = None if hop is None else self.types(str(hop.get("type")))
            if hop is None or ftype is None or not ftype.reference:
                return [ErrorItem(f"/via/{i}", "rollup_not_a_lookup",
                                  {"field": step, "object": (current or {}).get("api_name")})]
            current = objects.get(str(hop.get("target")))
            if not isinstance(current, Mapping):
                return [ErrorItem(f"/via/{i}", "unknown_lookup_target",
                                  {"target": hop.get("target")})]
        if owner is not None and current is not None \
                and current.get("api_name") != owner.get("api_name"):
            return [ErrorItem(f"/via/{len(via) - 1}", "rollup_path_elsewhere",
                              {"object": current.get("api_name"),
                               "expected": owner.get("api_name")})]
        return []

    def _measure_errors(self, field: Mapping[str, Any],
                        fields: Mapping[str, Any]) -> list[ErrorItem]:
        name = field.get("field")
        if name is None:
            if self.counts(field):
                return []
            return [ErrorItem("/field", "schema_required", {"property": "field"})]
        measured = fields.get(name)
        if measured is None:
            return [ErrorItem("/field", "rollup_unknown_field",
                              {"field": name, "object": field["object"]})]
        ftype = self.types(str(measured.get("type")))
        if ftype is None or ftype.computed or ftype.multi_valued or \
                (not self.counts(field) and not ftype.numeric):
            return [ErrorItem("/field", "rollup_field_not_measurable",
                              {"field": name, "op": field["op"]})]
        return []
