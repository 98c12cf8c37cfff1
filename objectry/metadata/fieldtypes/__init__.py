"""The field-type registry: one class per field type, each in its own module."""

from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.fieldtypes.registry import REGISTRY, field_type, type_of

__all__ = ["REGISTRY", "FieldType", "field_type", "type_of"]
