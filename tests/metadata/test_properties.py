"""Property: any well-formed object definition validates and survives JSON unchanged."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.fieldtypes.picklist import match_key
from objectry.metadata.names import RESERVED_FIELD_NAMES
from objectry.metadata.problems import FieldValueError
from objectry.metadata.validation.objects import validate_object

OTHER_OBJECTS = {"campaign": {"api_name": "campaign", "label": {"en": "Campaign"},
                              "fields": [{"api_name": "name", "type": "text"}]}}

# The api_name pattern, written for the generator (\A...\Z: no trailing newline).
api_names = st.from_regex(r"\A[a-z][a-z0-9_]{1,62}\Z")
field_names = api_names.filter(lambda name: name not in RESERVED_FIELD_NAMES)
labels = st.dictionaries(st.sampled_from(["en", "zh-CN", "ja", "fr-FR"]),
                         st.text(max_size=30), min_size=1, max_size=3)
# Option values: no leading space, no ';' (the option pattern); distinct once folded.
option_values = st.lists(
    st.from_regex(r"\A[a-z0-9][a-z0-9 _\-]{0,20}\Z").filter(lambda v: match_key(v) != ""),
    min_size=1, max_size=6, unique_by=match_key)


@st.composite
def bounds(draw: st.DrawFn, numbers: st.SearchStrategy[Any]) -> dict[str, Any]:
    picked = sorted(draw(st.lists(numbers, min_size=0, max_size=2)))
    keys = draw(st.sampled_from([("min", "max"), ("min",), ("max",)]))
    return dict(zip(keys, picked, strict=False))


@st.composite
def decimal_options(draw: st.DrawFn) -> dict[str, Any]:
    options: dict[str, Any] = draw(bounds(st.integers(-10**6, 10**6)))
    precision = draw(st.integers(2, 18))
    options["precision"] = precision
    options["scale"] = draw(st.integers(0, min(10, precision - 1)))
    return options


@st.composite
def picklist_options(draw: st.DrawFn) -> dict[str, Any]:
    values = draw(option_values)
    options: list[Any] = []
    for value in values:
        if draw(st.booleans()):
            options.append(value)
        else:
            options.append({"value": value, "label": draw(labels),
                            "aliases": [value.upper(), f"{value} alias"]})
    keys = [match_key(v) for v in values]
    # an alias of one option must not fold to the value of another
    for option in options:
        if isinstance(option, dict):
            option["aliases"] = [a for a in option["aliases"]
                                 if match_key(a) == match_key(option["value"])
                                 or match_key(a) not in keys]
    return {"options": options}


def options_for(type_name: str, object_name: str) -> st.SearchStrategy[dict[str, Any]]:
    if type_name in ("text",):
        return st.fixed_dictionaries({}, optional={"max_length": st.integers(1, 10000)})
    if type_name == "long_text":
        return st.fixed_dictionaries({}, optional={"max_length": st.integers(1, 1000000)})
    if type_name == "integer":
        return bounds(st.integers(-(2**40), 2**40))
    if type_name in ("decimal", "percent"):
        return decimal_options()
    if type_name == "currency":
        return st.builds(lambda opts, code: {**opts, "currency": code}, decimal_options(),
                         st.from_regex(r"\A[A-Z]{3}\Z"))
    if type_name == "picklist":
        return picklist_options()
    if type_name == "multi_picklist":
        return st.builds(lambda opts, limit: {**opts, **limit}, picklist_options(),
                         st.fixed_dictionaries({}, optional={
                             "max_selections": st.integers(1, 10)}))
    if type_name == "lookup":
        return st.fixed_dictionaries(
            {"target": st.sampled_from([object_name, "campaign"])},
            optional={"on_target_delete": st.sampled_from(
                ["restrict", "set_null", "keep", "cascade"])})
    if type_name == "auto_number":
        return st.fixed_dictionaries({}, optional={
            "format": st.builds(lambda p, z: f"{p}{{{'0' * z}}}",
                                st.from_regex(r"\A[A-Z]{0,4}-?\Z"), st.integers(1, 8)),
            "start": st.integers(0, 10**6)})
    if type_name == "formula":
        return st.sampled_from([{"expression": "1 + 2", "result": "number"},
                                {"expression": "upper('a')", "result": "text"},
                                {"expression": "today()", "result": "date"}])
    return st.just({})


common_options = st.fixed_dictionaries({}, optional={
    "label": labels, "help": labels, "required": st.booleans(), "unique": st.booleans(),
    "indexed": st.booleans(), "read_only": st.booleans(), "sensitive": st.booleans()})


@st.composite
def object_definitions(draw: st.DrawFn) -> dict[str, Any]:
    object_name = draw(api_names)
    groups = draw(st.lists(api_names, max_size=3, unique=True))
    names = draw(st.lists(field_names, min_size=1, max_size=8, unique=True))
    fields = []
    for name in names:
        # roll-ups need a lookup path into the object: tests/analytics/test_rollups.py
        type_name = draw(st.sampled_from(sorted(n for n, t in REGISTRY.items()
                                                if not t.aggregated)))
        field = {"api_name": name, "type": type_name, **draw(common_options),
                 **draw(options_for(type_name, object_name))}
        if REGISTRY[type_name].computed:  # a computed value is never required or indexed
            for option in ("required", "unique", "indexed"):
                field.pop(option, None)
        if groups and draw(st.booleans()):
            field["group"] = draw(st.sampled_from([*groups, "default"]))
        fields.append(field)
    document: dict[str, Any] = {"kind": "object", "api_name": object_name,
                                "label": draw(labels), "fields": fields}
    if groups:
        document["field_groups"] = [{"api_name": g, "label": draw(labels)} for g in groups]
    if draw(st.booleans()):
        document["name_field"] = draw(st.sampled_from(names))
    if draw(st.booleans()):
        document["rules"] = [{"api_name": "not_blank", "message": draw(labels),
                              "condition": {"field": draw(st.sampled_from(names)),
                                            "op": "is_empty"}}]
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(object_definitions())
def test_valid_definitions_pass_and_survive_a_json_round_trip(document: dict[str, Any]) -> None:
    assert validate_object(document, OTHER_OBJECTS) == []
    text = json.dumps(document, ensure_ascii=False)
    again = json.loads(text)
    assert again == document
    assert json.dumps(again, ensure_ascii=False) == text
    assert validate_object(again, OTHER_OBJECTS) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(["text", "long_text"]))
def test_lenient_text_keeps_what_strict_accepts(value: str, type_name: str) -> None:
    ftype = REGISTRY[type_name]
    try:
        strict = ftype.deserialize({}, value)
    except FieldValueError:
        return
    assert ftype.deserialize({}, value, lenient=True) == strict == value
