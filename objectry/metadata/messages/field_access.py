"""Messages of what a caller may test of a field (filters and sorts), en and zh-CN."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

FIELD_ACCESS_MESSAGES: Final = MappingProxyType({
    "masked_not_filterable": {
        "en": "The field '{field}' is masked for you: it can only be tested with is_empty "
              "or is_not_empty, not with '{op}'.",
        "zh-CN": "字段“{field}”对您是脱敏显示的:只能用 is_empty 或 is_not_empty 筛选,"
                 "不能用“{op}”。"},
    "masked_not_sortable": {
        "en": "The field '{field}' is masked for you and cannot be sorted on.",
        "zh-CN": "字段“{field}”对您是脱敏显示的,不能用于排序。"},
    "field_not_readable": {
        "en": "You may not read the field '{field}', so you cannot filter, sort, select "
              "or change it.",
        "zh-CN": "您无权读取字段“{field}”,因此不能对它筛选、排序、选择或修改。"},
})
