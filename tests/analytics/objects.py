"""Objects of the analytics tests: accounts, and deals whose ROI is a formula."""

from __future__ import annotations

from typing import Any


def label(text: str) -> dict[str, str]:
    return {"en": text, "zh-CN": text}


def account() -> dict[str, Any]:
    return {"api_name": "account", "label": label("Account"), "name_field": "name",
            "field_groups": [{"api_name": "secret", "label": label("Secret")}],
            "fields": [{"api_name": "name", "type": "text", "label": label("Name")},
                       {"api_name": "industry", "type": "text", "label": label("Industry"),
                        "group": "secret"}]}


def deal(*extra: dict[str, Any]) -> dict[str, Any]:
    return {"api_name": "deal", "label": label("Deal"), "name_field": "name",
            "field_groups": [{"api_name": "money", "label": label("Money")}],
            "fields": [
                {"api_name": "name", "type": "text", "label": label("Name")},
                {"api_name": "status", "type": "picklist", "label": label("Status"),
                 "options": [{"value": v, "label": label(v)} for v in ("new", "won", "lost")]},
                {"api_name": "closed_on", "type": "date", "label": label("Closed on")},
                {"api_name": "revenue", "type": "currency", "label": label("Revenue"),
                 "group": "money"},
                {"api_name": "cost", "type": "decimal", "label": label("Cost")},
                {"api_name": "account", "type": "lookup", "target": "account",
                 "label": label("Account"), "on_target_delete": "set_null"},
                {"api_name": "roi", "type": "formula", "label": label("ROI"),
                 "expression": "(revenue - cost) / cost", "result": "number", "scale": 4},
                {"api_name": "tag", "type": "formula", "label": label("Tag"),
                 "expression": "concat(upper(name), ' / ', coalesce(account.industry, '-'))",
                 "result": "text"},
                *extra]}
