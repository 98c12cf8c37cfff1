"""The registry of field types, by name. Adding a type: write its module, list it here."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from objectry.metadata.fieldtypes.auto_number import AutoNumberType
from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.fieldtypes.boolean import BooleanType
from objectry.metadata.fieldtypes.currency import CurrencyType
from objectry.metadata.fieldtypes.date import DateType
from objectry.metadata.fieldtypes.datetime import DateTimeType
from objectry.metadata.fieldtypes.decimal import DecimalType
from objectry.metadata.fieldtypes.email import EmailType
from objectry.metadata.fieldtypes.formula import FormulaType
from objectry.metadata.fieldtypes.integer import IntegerType
from objectry.metadata.fieldtypes.long_text import LongTextType
from objectry.metadata.fieldtypes.lookup import LookupType
from objectry.metadata.fieldtypes.multi_picklist import MultiPicklistType
from objectry.metadata.fieldtypes.percent import PercentType
from objectry.metadata.fieldtypes.phone import PhoneType
from objectry.metadata.fieldtypes.picklist import PicklistType
from objectry.metadata.fieldtypes.rollup import RollupType
from objectry.metadata.fieldtypes.text import TextType
from objectry.metadata.fieldtypes.url import UrlType

REGISTRY: Final[MappingProxyType[str, FieldType]] = MappingProxyType({
    t.name: t
    for t in (
        TextType(), LongTextType(), IntegerType(), DecimalType(), CurrencyType(),
        PercentType(), BooleanType(), DateType(), DateTimeType(), EmailType(), PhoneType(),
        UrlType(), PicklistType(), MultiPicklistType(), LookupType(), AutoNumberType(),
        FormulaType(lambda name: REGISTRY.get(name)),
        RollupType(lambda name: REGISTRY.get(name)),
    )
})


def field_type(name: str) -> FieldType:
    """The type called ``name`` (KeyError if there is none)."""
    return REGISTRY[name]


def type_of(definition: Mapping[str, Any] | None) -> FieldType | None:
    """The type of a field definition; None without a definition or when its ``type`` is
    not a registered name (a document not validated yet)."""
    name = None if definition is None else definition.get("type")
    return REGISTRY.get(name) if isinstance(name, str) else None
