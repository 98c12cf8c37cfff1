"""The seed-000 lead scoring setup (METADATA.md's b2b_lead_score, verbatim) over the API."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from tests.conftest import Api
from tests.docs_objects import campaign, lead, task

#: METADATA.md, "Scoring model", as written there (kept as a file, verbatim).
B2B_LEAD_SCORE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "b2b_lead_score.json").read_text(encoding="utf-8"))

#: 20 points per keyword of the requirement text, in a RestrictedPython function that
#: scores a whole batch per call.
NEED_MATCH = """\
KEYWORDS = ['crm', 'automation', 'scoring', 'analytics', 'integration']


def main(record, params):
    scores = []
    for lead in params['records']:
        text = (lead.get('need') or '').lower()
        hits = 0
        for keyword in KEYWORDS:
            if keyword in text:
                hits += 1
        scores.append(hits * 20)
    return scores
"""


def activity() -> dict[str, Any]:
    return {"kind": "object", "api_name": "activity",
            "label": {"en": "Activity", "zh-CN": "互动"},
            "fields": [
                {"api_name": "type", "type": "picklist",
                 "options": ["whitepaper_download", "pricing_page_view", "webinar_attended",
                             "email_opened"]},
                {"api_name": "occurred_at", "type": "datetime"},
                {"api_name": "lead", "type": "lookup", "target": "lead",
                 "on_target_delete": "keep"}]}


def scored_lead() -> dict[str, Any]:
    return lead(fields=[{"api_name": "need", "type": "long_text"},
                        {"api_name": "score", "type": "integer", "read_only": True}])


def put(api: Api, kind: str, document: dict[str, Any], expect: int = 200) -> Any:
    response = api.put(f"/api/v1/meta/{kind}/{document['api_name']}", json=document)
    assert response.status_code == expect, response.get_json()
    return response


def put_function(api: Api, name: str, code: str, **extra: Any) -> Any:
    return put(api, "functions", {"kind": "function", "api_name": name, "label": {"en": name},
                                  "purpose": "scoring", "object": "lead", "code": code,
                                  **extra})


def setup_scoring(api: Api) -> None:
    """Objects, the need_match function and the model, all through the API."""
    api.define(campaign())
    api.define(scored_lead())
    api.define(task())
    api.define(activity())
    put_function(api, "need_match", NEED_MATCH)
    put(api, "scoring_models", B2B_LEAD_SCORE)


def new_lead(api: Api, **values: Any) -> dict[str, Any]:
    response = api.post("/api/v1/records/lead", json={"full_name": "张三", **values})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def log_activity(api: Api, lead_id: str, kind: str, at: dt.datetime) -> None:
    response = api.post("/api/v1/records/activity",
                        json={"type": kind, "lead": lead_id, "occurred_at": at.isoformat()})
    assert response.status_code == 201, response.get_json()


def read(api: Api, lead_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/records/lead/{lead_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def calls(api: Api, function: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/meta/functions/{function}/calls", query={"limit": 200})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def run(api: Api, body: dict[str, Any] | None = None, model: str = "b2b_lead_score",
        expect: int = 200) -> Any:
    response = api.post(f"/api/v1/scoring_models/{model}/run", json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()
