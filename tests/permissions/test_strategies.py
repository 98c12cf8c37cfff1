"""Seed 004's conflict (scenario S1) decided by Casbin for each strategy."""

from __future__ import annotations

import pytest

from objectry.permissions.access import decide
from objectry.permissions.casbin_model import build_enforcer
from objectry.permissions.policies import ObjectShape, object_rows

LEAD = ObjectShape("lead", ("contact", "company", "requirement"),
                   {"full_name": "contact", "mobile": "contact", "company_name": "company",
                    "need": "requirement"})
#: A's role: leads are read-only.
ROLES = {"sales_rep": {"grants": {"lead": {
    "actions": ["read"], "scope": "own",
    "field_groups": {"contact": "read", "company": "read", "requirement": "read"}}}}}
#: Bob distributes the lead to A: contact edit, company read, requirement edit.
GRANT_TO_A = {"contact": "edit", "company": "read", "requirement": "edit"}


def levels(strategy: str, dist: dict[str, str] | None, roles: dict = ROLES,
           object_policy: dict | None = None) -> dict[str, str]:
    rows = object_rows(LEAD, roles, {"conflict_strategy": strategy}, object_policy)
    access = decide(build_enforcer(rows), LEAD, ("sales_rep",), (), dist)
    return dict(access.groups)


@pytest.mark.parametrize(("strategy", "expected"), [
    ("distribution_wins", {"contact": "edit", "company": "read", "requirement": "edit"}),
    ("administrative_wins", {"contact": "read", "company": "read", "requirement": "read"}),
    ("most_restrictive", {"contact": "read", "company": "read", "requirement": "read"}),
    ("most_permissive", {"contact": "edit", "company": "read", "requirement": "edit"}),
])
def test_s1_levels_follow_the_strategy(strategy: str, expected: dict[str, str]) -> None:
    assert levels(strategy, GRANT_TO_A) == expected


@pytest.mark.parametrize("strategy", ["distribution_wins", "administrative_wins",
                                      "most_restrictive", "most_permissive"])
def test_without_a_grant_the_role_decides(strategy: str) -> None:
    assert levels(strategy, None) == {"contact": "read", "company": "read",
                                      "requirement": "read"}


def test_restrictive_grant_takes_away_what_the_role_gives() -> None:
    editors = {"editor": {"grants": {"lead": {"actions": ["read", "edit"], "field_groups": {
        "contact": "edit", "company": "edit", "requirement": "edit"}}}}}
    rows = object_rows(LEAD, editors, {"conflict_strategy": "most_restrictive"}, None)
    access = decide(build_enforcer(rows), LEAD, ("editor",), (),
                    {"contact": "none", "company": "read", "requirement": "edit"})
    assert dict(access.groups) == {"contact": "none", "company": "read", "requirement": "edit"}


def test_per_field_group_strategy_overrides_the_object_strategy() -> None:
    got = levels("most_restrictive", GRANT_TO_A, object_policy={
        "conflict_strategy": "most_restrictive",
        "per_field_group": {"requirement": "distribution_wins"}})
    assert got == {"contact": "read", "company": "read", "requirement": "edit"}


def test_roles_add_up_and_field_overrides_apply() -> None:
    roles = {
        "reader": {"grants": {"lead": {"actions": ["read"],
                                       "field_groups": {"contact": "read"},
                                       "fields": {"mobile": "none"}}}},
        "company_editor": {"grants": {"lead": {"actions": ["read", "edit", "export"],
                                               "field_groups": {"company": "edit"}}}},
    }
    rows = object_rows(LEAD, roles, None, None)
    access = decide(build_enforcer(rows), LEAD, ("reader", "company_editor"), ("mobile",),
                    None)
    assert dict(access.groups) == {"contact": "read", "company": "edit",
                                   "requirement": "none"}
    assert access.field_level("mobile", "contact") == "none"
    assert access.field_level("full_name", "contact") == "read"
    assert access.actions == {"read", "edit", "export"}


def test_role_levels_never_exceed_its_actions() -> None:
    readers = {"reader": {"grants": {"lead": {"actions": ["read"], "field_groups": {
        "contact": "edit", "company": "edit", "requirement": "read"}}}},
        "nobody": {"grants": {"lead": {"actions": [], "field_groups": {"contact": "edit"}}}}}
    rows = object_rows(LEAD, readers, {"conflict_strategy": "administrative_wins"}, None)
    enforcer = build_enforcer(rows)
    assert dict(decide(enforcer, LEAD, ("reader",), (), None).groups) == {
        "contact": "read", "company": "read", "requirement": "read"}
    assert dict(decide(enforcer, LEAD, ("nobody",), (), None).groups) == {
        "contact": "none", "company": "none", "requirement": "none"}
