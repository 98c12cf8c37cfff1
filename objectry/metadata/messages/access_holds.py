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
    "rule_failed_restricted": {
        "en": "The record does not meet one of this object's validation rules.",
        "zh-CN": "记录不符合此对象的某条校验规则。"},
})
