"""The decision cache is bounded by estimated bytes: an enforcer weighs by its rules."""

from __future__ import annotations

from objectry.permissions.access import DecisionCache, decision_bytes
from objectry.permissions.casbin_model import build_enforcer


def test_enforcers_weigh_by_their_rules_and_the_oldest_go_first() -> None:
    empty = build_enforcer([])
    assert decision_bytes(empty) == 20_000
    bigger = build_enforcer([["1", "rep", "lead", "read", "*", "allow"]])
    assert decision_bytes(bigger) > decision_bytes(empty)

    cache = DecisionCache(max_bytes=50_000)
    for key in ("a", "b", "c"):
        cache.get_or_build(key, lambda: build_enforcer([]))
    assert len(cache) == 2 and cache.bytes == 40_000 and cache.evictions == 1
    cache.get_or_build("c", lambda: None)
    assert (cache.hits, cache.misses) == (1, 3)
