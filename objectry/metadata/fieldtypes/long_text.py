"""Multi-line text (descriptions, needs, notes)."""

from __future__ import annotations

from objectry.metadata.fieldtypes.text import TextType


class LongTextType(TextType):
    name = "long_text"
    sortable = False
    classifier = False
    widget = "textarea"
    options = {"max_length": {"type": "integer", "minimum": 1, "maximum": 1000000}}
    default_max_length = 100000
    multiline = True
