"""Match keys carried from an import's preview to its run (issue 16): reused keys are
the keys the rule would compute, and only ever under the definition that computed them."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from objectry.runtime.lifecycle.duplicates import known_keys
from objectry.runtime.lifecycle.duplicates.index import key_entries, rule_keys
from objectry.runtime.lifecycle.duplicates.rules import compile_rule

PHONE = compile_rule("same_mobile", {"object": "lead", "match": [
    {"field": "mobile", "as": "phone"}]})
PHONE_US = compile_rule("same_mobile", {"object": "lead", "default_region": "US", "match": [
    {"field": "mobile", "as": "phone"}]})

numbers = st.one_of(st.none(), st.sampled_from(
    ["13812345678", "+86 138 1234 5678", "021-62991640", "(415) 555-0100", "12", ""]),
    st.text(alphabet="0123456789 +-()", max_size=16))
rows = st.lists(st.fixed_dictionaries({"mobile": numbers, "full_name": st.text(max_size=5)}),
                max_size=12)


def carried(preview_rule: Any, run_rule: Any, preview: list[dict[str, Any]],
            run: list[dict[str, Any]]) -> list[str | None]:
    """The run's keys when its rows reuse what the preview stored for its rows."""
    stored = [None if entry is None else {preview_rule.name: entry} for entry in
              key_entries(preview_rule, preview, rule_keys(preview_rule, preview))]
    known = known_keys([run_rule], "lead", stored,
                       {preview_rule.name: preview_rule.fingerprint})
    return rule_keys(run_rule, run, known.get(run_rule.name))


@given(rows)
def test_keys_carried_from_a_preview_are_the_keys_the_rule_computes(found: list[Any]) -> None:
    assert carried(PHONE, PHONE, found, found) == rule_keys(PHONE, found)


@given(rows)
def test_keys_of_a_changed_rule_are_computed_afresh(found: list[Any]) -> None:
    assert carried(PHONE, PHONE_US, found, found) == rule_keys(PHONE_US, found)


@given(rows, rows)
def test_keys_carried_for_other_values_are_never_taken_for_these(
        preview: list[Any], run: list[Any]) -> None:
    """Rows read again need not read as the preview read them (a field's aliases
    changed): a key is reused only for the very values it was computed for."""
    assert carried(PHONE, PHONE, preview, run) == rule_keys(PHONE, run)
