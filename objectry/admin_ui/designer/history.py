"""Metadata history: every version with who, when, its summary and, per changed
document, a readable diff (the store's JSON Patch from the previous revision)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response, request

from objectry.admin_ui.app.blueprint import page
from objectry.admin_ui.app.pages import system_text
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.runtime.schema import metadata_service

PAGE = 20


@dataclass(frozen=True)
class Change:
    kind: str
    api_name: str
    lines: list[tuple[str, str, str]]  # (op, path, value as JSON)


@dataclass(frozen=True)
class Version:
    version: int
    at: str
    actor: str
    summary: str
    changes: list[Change]


def _value(op: dict[str, Any]) -> str:
    if "value" not in op:
        return op.get("from", "")
    text = json.dumps(op["value"], ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:300] + "…"


@designer.get("/history")
def history() -> Response:
    before_text = request.args.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 12 else None
    with admin_context(read_only=True) as ctx:
        found = metadata_service.history(ctx, limit=PAGE, before=before)
        versions = [Version(
            int(item["version"]), system_text("created_at", item["created_at"], ctx.locale),
            str(item["actor"] or ""), str(item["summary"] or ""),
            [Change(str(change.get("kind")), str(change.get("api_name")),
                    [(str(op.get("op")), str(op.get("path")), _value(op))
                     for op in change.get("diff", [])][:200])
             for change in item.get("changes", [])])
            for item in found]
        older = versions[-1].version if len(versions) == PAGE else None
        return page("web/designer/history.html", versions=versions, older=older)
