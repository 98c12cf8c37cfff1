"""Attribution side by side through the API: three touches before a won opportunity
under every model, against values computed by hand; a touch after the opportunity
was created does not count; the run is a snapshot read back the same; bad input and
fields the caller may not read are refused with a pointer.

Hand computation for ann's 1,000 opportunity created on 2026-03-11 with touches A
(03-01), B (03-04), C (03-11); bob's 500 has one touch, B:

- first touch: A 1000; last touch: C 1000; linear: 333.33 each;
- U-shaped: A 400, B 200, C 400;
- time decay, half-life 7 days: weights 2^(-10/7) = 0.371498, 2^(-7/7) = 0.5,
  2^0 = 1 (sum 1.871498): A 198.50, B 267.17, C 534.33.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.analytics.objects import campaign, label, lead_object, opportunity
from tests.conftest import Api, TenantHandle, error_codes, error_paths

MEMBER = {"api_name": "campaign_member", "label": label("Member"), "name_field": "note",
          "fields": [{"api_name": "note", "type": "text", "label": label("Note")},
                     {"api_name": "lead", "type": "lookup", "target": "lead",
                      "on_target_delete": "keep", "label": label("Lead")},
                     {"api_name": "campaign", "type": "lookup", "target": "campaign",
                      "on_target_delete": "keep", "label": label("Campaign")},
                     {"api_name": "touched_on", "type": "date", "label": label("Touched")}]}
RUN = {"half_life_days": 7,
       "opportunities": {"created": "opened_on"},
       "touchpoints": [{"object": "campaign_member", "date": "touched_on"}],
       "campaigns": {"cost": "cost"}}


def create(api: Api, object_name: str, body: dict[str, Any]) -> str:
    created = api.post(f"/api/v1/records/{object_name}", json=body)
    assert created.status_code == 201, created.get_json()
    return str(created.get_json()["id"])


@pytest.fixture
def touches(api: Api) -> dict[str, str]:
    api.define(campaign({"api_name": "cost", "type": "currency", "label": label("Cost")}))
    api.define(lead_object())
    deal = opportunity()
    deal["fields"].append({"api_name": "opened_on", "type": "date", "label": label("Opened")})
    api.define(deal)
    api.define(MEMBER)
    ids = {name: create(api, "campaign", {"name": name, **({"cost": cost} if cost else {})})
           for name, cost in (("A", "100"), ("B", "200"), ("C", None))}
    for person in ("ann", "bob", "carl"):
        ids[person] = create(api, "lead", {"name": person})
    for person, name, day in (("ann", "B", "2026-03-04"), ("ann", "A", "2026-03-01"),
                              ("ann", "C", "2026-03-11"), ("ann", "B", "2026-03-20"),
                              ("bob", "B", "2026-02-01")):
        create(api, "campaign_member", {"lead": ids[person], "campaign": ids[name],
                                        "touched_on": day})
    for person, stage, amount, day in (("ann", "won", "1000", "2026-03-11"),
                                       ("bob", "won", "500", "2026-02-10"),
                                       ("bob", "lost", "900", "2026-02-11"),
                                       ("carl", "won", "200", "2026-02-12")):
        create(api, "opportunity", {"name": person, "stage": stage, "amount": amount,
                                    "lead": ids[person], "opened_on": day})
    return ids


def by_campaign(api: Api, ids: dict[str, str], answer: dict[str, Any]) -> dict[str, Any]:
    names = {v: k for k, v in ids.items()}
    return {names[c["campaign"]]: c for c in answer["campaigns"]}


def test_three_touches_under_every_model(api: Api, touches: dict[str, str]) -> None:
    response = api.post("/api/v1/attribution/run", json=RUN)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    rows = by_campaign(api, touches, answer)
    revenue = {name: {m: v["revenue"] for m, v in row["models"].items()}
               for name, row in rows.items()}
    assert revenue == {
        "A": {"first_touch": "1000.00", "last_touch": "0.00", "linear": "333.33",
              "u_shaped": "400.00", "time_decay": "198.50"},
        "B": {"first_touch": "500.00", "last_touch": "500.00", "linear": "833.33",
              "u_shaped": "700.00", "time_decay": "767.17"},
        "C": {"first_touch": "0.00", "last_touch": "1000.00", "linear": "333.33",
              "u_shaped": "400.00", "time_decay": "534.33"}}
    assert rows["A"]["models"]["linear"]["opportunities"] == "0.3333"
    assert rows["B"]["models"]["first_touch"]["opportunities"] == "1.0000"
    assert rows["A"]["cost"] == "100.00" and rows["C"]["cost"] is None
    assert rows["A"]["models"]["first_touch"]["roi"] == "9.0000"  # (1000 - 100) / 100
    assert rows["B"]["models"]["linear"]["roi"] == "3.1667"  # (833.33 - 200) / 200
    assert rows["C"]["models"]["last_touch"]["roi"] is None
    assert answer["opportunities"] == 3  # the lost one is not counted
    assert answer["unattributed"] == {"opportunities": 1, "revenue": "200.00"}
    assert answer["model_version"] == "attribution-1"
    # the snapshot reads back the same, for its runner only
    again = api.get(f"/api/v1/attribution/snapshots/{answer['id']}")
    assert again.status_code == 200 and again.get_json() == answer


def test_models_can_be_chosen_and_a_period_set(api: Api, touches: dict[str, str]) -> None:
    response = api.post("/api/v1/attribution/run", json={
        **RUN, "models": ["first_touch"], "period": {"from": "2026-03-01"}})
    assert response.status_code == 201, response.get_json()
    rows = by_campaign(api, touches, response.get_json())
    revenue = {name: row["models"]["first_touch"]["revenue"] for name, row in rows.items()}
    assert revenue == {"A": "1000.00", "B": "0.00", "C": "0.00"}  # bob's: February
    assert list(rows["A"]["models"]) == ["first_touch"]


@pytest.mark.parametrize(("body", "path"), [
    ({**RUN, "models": ["first_touch", "magic"]}, "/models/1"),
    ({**RUN, "half_life_days": 0}, "/half_life_days"),
    ({**RUN, "touchpoints": []}, "/touchpoints"),
    ({**RUN, "touchpoints": [{"object": "nothing"}]}, "/touchpoints/0/object"),
    ({**RUN, "opportunities": {"amount": "nope"}}, "/opportunities/amount"),
    ({**RUN, "period": {"from": "March"}}, "/period/from"),
    ({**RUN, "extra": 1}, "/extra"),
])
def test_bad_runs_are_refused_with_a_pointer(api: Api, touches: dict[str, str],
                                             body: dict[str, Any], path: str) -> None:
    refused = api.post("/api/v1/attribution/run", json=body)
    assert refused.status_code == 422, refused.get_json()
    assert path in error_paths(refused)


def test_a_reader_sees_no_more_than_they_may(api: Api, tenant: TenantHandle,
                                             touches: dict[str, str]) -> None:
    everything = {"actions": ["read"], "scope": "all", "field_groups": {"default": "read"}}
    grants = {"campaign": everything, "lead": everything, "campaign_member": everything,
              "opportunity": {"actions": ["read"], "scope": "all",
                              "field_groups": {"default": "read", "money": "none"}}}
    response = api.put("/api/v1/meta/roles/clerk", json={
        "kind": "role", "api_name": "clerk", "label": label("clerk"), "grants": grants})
    assert response.status_code == 200, response.get_json()
    clerk = Api(api.client, tenant.add_user("clerk@example.com", roles=["clerk"]))
    refused = clerk.post("/api/v1/attribution/run", json=RUN)
    assert refused.status_code == 422
    assert error_paths(refused) == ["/opportunities/amount"]
    mine = api.post("/api/v1/attribution/run", json=RUN).get_json()
    assert clerk.get(f"/api/v1/attribution/snapshots/{mine['id']}").status_code == 404
    nobody = Api(api.client, tenant.add_user("nobody@example.com"))
    denied = nobody.post("/api/v1/attribution/run", json=RUN)
    assert denied.status_code == 422
    assert "attribution_unreadable_object" in error_codes(denied)
