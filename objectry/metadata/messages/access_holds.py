"""Messages of access holding on every path (issue 12), en and zh-CN: grants capped by
the granter's holding, cascades over records the deleter may not delete, rules that
read fields the caller cannot read."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

ACCESS_HOLD_MESSAGES: Final = MappingProxyType({
    "grant_to_self": {"en": "You cannot distribute a record to yourself.",
                      "zh-CN": "不能把记录分发给自己。"},
    "delete_cascade_not_allowed": {
        "en": "Deleting this record would also delete {count} related record(s) you may "
              "not delete; nothing was deleted.",
        "zh-CN": "删除此记录会连带删除 {count} 条您无权删除的关联记录,未删除任何记录。"},
    "delete_restricted_partly_hidden": {
        "en": "{count} {child} record(s) you can see, and others you cannot see, still "
              "refer to this record through '{field}'.",
        "zh-CN": "仍有 {count} 条您可见的 {child} 记录以及其他您不可见的记录通过“{field}”"
                 "引用此记录。"},
    "delete_restricted_hidden": {
        "en": "{child} records you cannot see still refer to this record through '{field}'.",
        "zh-CN": "仍有您不可见的 {child} 记录通过“{field}”引用此记录。"},
    "rule_failed_restricted": {
        "en": "The record does not meet one of this object's validation rules.",
        "zh-CN": "记录不符合此对象的某条校验规则。"},
})
