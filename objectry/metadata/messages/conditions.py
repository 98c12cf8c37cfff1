"""Messages of the condition language (related records, changes, relative dates)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

CONDITION_MESSAGES: Final = MappingProxyType({
    "operator_needs_update": {
        "en": "The operator '{op}' compares with the values before an update: it can be "
              "used in workflow conditions on updates, not in lists, scopes or related "
              "conditions.",
        "zh-CN": "运算符“{op}”比较的是更新前的值。只能用于更新事件的工作流条件,"
                 "不能用于列表、数据范围或关联记录条件。"},
    "related_not_available": {
        "en": "Conditions on related records cannot be used here.",
        "zh-CN": "此处不能使用关联记录条件。"},
    "invalid_related": {
        "en": "A related condition is {{\"related\": {{\"object\", \"via\", \"where\", "
              "\"exists\" or \"count\"}}}}.",
        "zh-CN": "关联记录条件应为 {{\"related\": {{\"object\", \"via\", \"where\", "
                 "\"exists\" 或 \"count\"}}}}。"},
    "related_exists_and_count": {
        "en": "\"exists\": false and \"count\" contradict each other: use one.",
        "zh-CN": "\"exists\": false 与 \"count\" 相互矛盾。请只使用其中一个。"},
    "related_via_not_lookup": {
        "en": "The field '{field}' of '{child}' is not a lookup to '{parent}'.",
        "zh-CN": "“{child}”的字段“{field}”不是指向“{parent}”的查找字段。"},
    "invalid_count": {
        "en": "count compares the number of related records, e.g. {{\"gte\": 3}}: "
              "eq, gt, gte, lt or lte with a whole number from 0 to {max}.",
        "zh-CN": "count 比较关联记录的数量,例如 {{\"gte\": 3}}。可用 eq、gt、gte、lt 或 lte,"
                 "值为 0 到 {max} 的整数。"},
    "invalid_day_count": {
        "en": "Expected a number of days from 0 to {max}.",
        "zh-CN": "应为 0 到 {max} 之间的天数。"},
})
