"""How each field type shows a value and reads a form input (the web app asks these)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from objectry.metadata.fieldtypes.registry import REGISTRY, field_type

CITY = {"api_name": "city", "type": "picklist",
        "options": [{"value": "shanghai", "label": {"en": "Shanghai", "zh-CN": "上海"}},
                    "beijing"]}
TAGS = {"api_name": "tags", "type": "multi_picklist",
        "options": [{"value": "vip", "label": {"en": "VIP", "zh-CN": "重要"}}, "cold"]}


@pytest.mark.parametrize(("kind", "definition", "value", "locale", "shown"), [
    ("picklist", CITY, "shanghai", "zh-CN", "上海"),
    ("picklist", CITY, "shanghai", "en", "Shanghai"),
    ("picklist", CITY, "beijing", "zh-CN", "beijing"),
    ("multi_picklist", TAGS, ["vip", "cold"], "en", "VIP, cold"),
    ("multi_picklist", TAGS, ["vip", "cold"], "zh-CN", "重要、cold"),
    ("currency", {"currency": "CNY"}, Decimal("1234.5"), "en", "CNY 1,234.50"),
    ("decimal", {"scale": 3}, Decimal("-2.5"), "en", "-2.500"),
    ("percent", {}, Decimal("12.5"), "en", "12.50%"),
    ("integer", {}, 1234567, "zh-CN", "1,234,567"),
    ("boolean", {}, True, "zh-CN", "是"),
    ("boolean", {}, False, "en", "No"),
    ("date", {}, "2026-03-05", "en", "Mar 5, 2026"),
    ("date", {}, "2026-03-05", "zh-CN", "2026年3月5日"),
    ("datetime", {}, "2026-03-05T14:03:09Z", "en", "Mar 5, 2026 14:03 UTC"),
    ("text", {}, "张三", "en", "张三"),
    ("currency", {"currency": "CNY"}, None, "en", ""),
])
def test_display_in_the_readers_language(kind: str, definition: dict, value: object,
                                         locale: str, shown: str) -> None:
    assert field_type(kind).display(definition, value, locale) == shown


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_a_masked_value_is_shown_as_it_is(kind: str) -> None:
    assert field_type(kind).display({"currency": "CNY"}, "****", "en") == "****"


@pytest.mark.parametrize(("kind", "texts", "value"), [
    ("integer", ["1,200"], 1200),
    ("integer", ["many"], "many"),  # passed on: the service reports it at the field
    ("decimal", ["12.50"], Decimal("12.50")),
    ("decimal", ["NaN"], "NaN"),
    ("boolean", ["false", "true"], True),
    ("boolean", ["false"], False),
    ("datetime", ["2026-03-05T14:03"], "2026-03-05T14:03:00Z"),
    ("multi_picklist", ["vip", "", "cold"], ["vip", "cold"]),
    ("multi_picklist", [], None),
    ("text", ["  "], None),
    ("picklist", ["上海"], "上海"),  # aliases are resolved by the records service
])
def test_form_input_becomes_the_api_value(kind: str, texts: list[str], value: object) -> None:
    assert field_type(kind).from_form({}, texts) == value


def test_widgets_and_options() -> None:
    assert {name: t.widget for name, t in REGISTRY.items()} == {
        "text": "text", "long_text": "textarea", "integer": "integer", "decimal": "decimal",
        "currency": "decimal", "percent": "decimal", "boolean": "checkbox", "date": "date",
        "datetime": "datetime", "email": "email", "phone": "tel", "url": "url",
        "picklist": "select", "multi_picklist": "multiselect", "lookup": "lookup",
        "auto_number": "none", "formula": "none", "rollup": "none"}
    assert field_type("picklist").form_options(CITY, "zh-CN") == [
        ("shanghai", "上海"), ("beijing", "beijing")]
    assert field_type("text").form_options({}, "en") is None
    assert field_type("datetime").form_value({}, "2026-03-05T14:03:09Z") == "2026-03-05T14:03"
    assert field_type("multi_picklist").form_value({}, ["vip", "cold"]) == "vip;cold"
    assert field_type("boolean").unchanged_by_form({}, None, False)
    assert not field_type("boolean").unchanged_by_form({}, None, True)
    assert field_type("decimal").unchanged_by_form({}, Decimal("1.50"), Decimal("1.5"))
    assert not field_type("text").unchanged_by_form({}, "a", "b")
