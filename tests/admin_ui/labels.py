"""Labels in en and zh-CN for the shared test objects' fields, so pages and screenshots
show what a user would see rather than api names."""

from __future__ import annotations

import copy
from typing import Any

FIELD_LABELS: dict[str, dict[str, str]] = {
    "name": {"en": "Name", "zh-CN": "名称"},
    "full_name": {"en": "Full name", "zh-CN": "姓名"},
    "mobile": {"en": "Mobile", "zh-CN": "手机"},
    "email": {"en": "E-mail", "zh-CN": "邮箱"},
    "company_name": {"en": "Company name", "zh-CN": "公司名称"},
    "city": {"en": "City", "zh-CN": "城市"},
    "employees": {"en": "Employees", "zh-CN": "员工数"},
    "budget": {"en": "Budget", "zh-CN": "预算"},
    "tags": {"en": "Tags", "zh-CN": "标签"},
    "campaign": {"en": "Campaign", "zh-CN": "活动"},
    "status": {"en": "Status", "zh-CN": "状态"},
    "subject": {"en": "Subject", "zh-CN": "主题"},
    "lead": {"en": "Lead", "zh-CN": "线索"},
    "source": {"en": "Source", "zh-CN": "来源"},
    "requirement": {"en": "Requirement", "zh-CN": "需求"},
    "product": {"en": "Product", "zh-CN": "产品"},
    "need": {"en": "Need", "zh-CN": "需求描述"},
}


def labelled(document: dict[str, Any]) -> dict[str, Any]:
    """The object document with a label on every field that has none (a copy)."""
    result = copy.deepcopy(document)
    for item in result.get("fields", []):
        if "label" not in item and item["api_name"] in FIELD_LABELS:
            item["label"] = dict(FIELD_LABELS[item["api_name"]])
    return result
