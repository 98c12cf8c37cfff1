"""Object definitions the tests share (kept small; each test adds what it needs)."""

from __future__ import annotations

from typing import Any


def campaign() -> dict[str, Any]:
    return {"kind": "object", "api_name": "campaign", "label": {"en": "Campaign", "zh-CN": "活动"},
            "name_field": "name",
            "fields": [{"api_name": "name", "type": "text", "required": True}]}


def lead(**extra_fields: Any) -> dict[str, Any]:
    return {
        "kind": "object", "api_name": "lead", "label": {"en": "Lead", "zh-CN": "线索"},
        "name_field": "full_name",
        "field_groups": [{"api_name": "contact", "label": {"en": "Contact", "zh-CN": "联系人"}},
                         {"api_name": "company", "label": {"en": "Company", "zh-CN": "单位"}}],
        "fields": [
            {"api_name": "full_name", "type": "text", "group": "contact", "max_length": 80},
            {"api_name": "mobile", "type": "phone", "group": "contact", "sensitive": True},
            {"api_name": "email", "type": "email", "group": "contact", "unique": True},
            {"api_name": "company_name", "type": "text", "group": "company"},
            {"api_name": "city", "type": "picklist", "group": "company", "indexed": True,
             "options": [{"value": "shanghai", "label": {"en": "Shanghai", "zh-CN": "上海"},
                          "aliases": ["上海", "上海市", "ShangHai", "SH"]},
                         {"value": "beijing", "aliases": ["北京"]}]},
            {"api_name": "employees", "type": "integer", "group": "company", "min": 0},
            {"api_name": "budget", "type": "currency", "currency": "CNY"},
            {"api_name": "tags", "type": "multi_picklist", "options": ["vip", "partner", "cold"]},
            {"api_name": "campaign", "type": "lookup", "target": "campaign",
             "on_target_delete": "keep"},
            {"api_name": "status", "type": "picklist", "default": "new",
             "options": ["new", "working", "mql"]},
            *extra_fields.get("fields", []),
        ],
    }


def task(on_target_delete: str = "keep") -> dict[str, Any]:
    return {"kind": "object", "api_name": "task", "label": {"en": "Task", "zh-CN": "任务"},
            "fields": [{"api_name": "subject", "type": "text", "required": True},
                       {"api_name": "lead", "type": "lookup", "target": "lead",
                        "on_target_delete": on_target_delete}]}
