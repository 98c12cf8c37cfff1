"""Bad input to merge, unmerge, convert and scan: each a 4xx problem, never a 500, and
nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, TenantHandle
from tests.lifecycle.support import create, crm, rule
from tests.lifecycle.test_conversion import LEAD_MAP

BODIES: list[Any] = [[], "x", 5, True, {"extra": 1}, {"dry_run": 1},
                     {"targets": []}, {"targets": {"opportunity": [1]}},
                     {"targets": {"contact": []}}, {"targets": {"contact": {"existing": 5}}},
                     {"targets": {"contact": {"existing": "nope"}}},
                     {"targets": {"contact": {"ghost": 1}}}, {"map": 5}, {"map": ["a"]},
                     {"survivor": 5, "merged": "x"}, {"survivor": "x", "merged": [5]},
                     {"survivor": "nope", "merged": ["nope2"]},
                     {"values": {"email": 5}}, {"values": []}, {"repoint": "no"},
                     {"limit": True}, {"limit": 10 ** 9}, {"cursor": 5}, {"cursor": "zz"}]


@pytest.mark.parametrize("body", BODIES)
def test_no_body_breaks_an_endpoint(api: Api, tenant: TenantHandle, body: Any) -> None:
    crm(api, tenant)
    rule(api, "account_name", {"object": "account", "match": [{"field": "name", "as": "name"}]})
    assert api.put("/api/v1/meta/conversion_maps/lead_convert", json=LEAD_MAP).status_code \
        == 200
    lead = create(api, "lead", full_name="Zhang", company_name="Acme", mobile="13800000000")
    other = create(api, "lead", full_name="Zhang", mobile="13800000000")
    merge_body = body if not isinstance(body, dict) or "survivor" in body else \
        {"survivor": lead, "merged": [other], **body}
    for path, sent in ((f"/api/v1/records/lead/{lead}/convert", body),
                       ("/api/v1/records/lead/merge", merge_body),
                       (f"/api/v1/records/lead/{other}/unmerge", body),
                       ("/api/v1/duplicate_rules/account_name/scan", body)):
        response = api.post(path, json=sent)
        assert response.status_code < 500, (path, sent, response.get_json())
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
        if "scan" not in path:  # every body here is a bad one for the others
            assert response.status_code >= 400, (path, sent)
    assert api.get(f"/api/v1/records/lead/{other}").status_code == 200
    assert api.get(f"/api/v1/records/lead/{lead}").get_json()["converted"] is None
