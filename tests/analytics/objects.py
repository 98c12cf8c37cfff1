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


def picklist(*values: str) -> list[dict[str, Any]]:
    return [{"value": v, "label": label(v)} for v in values]


def campaign(*extra: dict[str, Any]) -> dict[str, Any]:
    return {"api_name": "campaign", "label": label("Campaign"), "name_field": "name",
            "fields": [{"api_name": "name", "type": "text", "label": label("Name")},
                       {"api_name": "expected_revenue", "type": "currency",
                        "label": label("Expected revenue")},
                       *extra]}


def campaign_rollups() -> list[dict[str, Any]]:
    """Leads, won revenue and opportunities rolled up, and an ROI formula over them."""
    return [
        {"api_name": "leads", "type": "rollup", "label": label("Leads"),
         "object": "lead", "via": ["campaign"], "op": "count"},
        {"api_name": "won_revenue", "type": "rollup", "label": label("Won revenue"),
         "object": "opportunity", "via": ["lead", "campaign"], "op": "sum",
         "field": "amount", "filter": {"field": "stage", "op": "eq", "value": "won"}},
        {"api_name": "biggest", "type": "rollup", "label": label("Biggest"),
         "object": "opportunity", "via": ["lead", "campaign"], "op": "max",
         "field": "amount"},
        {"api_name": "won_share", "type": "formula", "label": label("Won share"),
         "expression": "won_revenue / expected_revenue", "result": "number", "scale": 4},
    ]


def lead_object() -> dict[str, Any]:
    return {"api_name": "lead", "label": label("Lead"), "name_field": "name",
            "fields": [{"api_name": "name", "type": "text", "label": label("Name")},
                       {"api_name": "campaign", "type": "lookup", "target": "campaign",
                        "label": label("Campaign"), "on_target_delete": "keep"}]}


def opportunity() -> dict[str, Any]:
    return {"api_name": "opportunity", "label": label("Opportunity"), "name_field": "name",
            "field_groups": [{"api_name": "money", "label": label("Money")}],
            "fields": [{"api_name": "name", "type": "text", "label": label("Name")},
                       {"api_name": "stage", "type": "picklist", "label": label("Stage"),
                        "options": picklist("open", "won", "lost")},
                       {"api_name": "amount", "type": "currency", "label": label("Amount"),
                        "group": "money"},
                       {"api_name": "lead", "type": "lookup", "target": "lead",
                        "label": label("Lead"), "on_target_delete": "keep"}]}
