"""Three-way merge per property: the tenant's overrides survive an upgrade, the pack's
changes arrive, and exactly the properties both changed are conflicts."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from objectry.packs.merge import MISSING, KeyedList, Path, flatten, merge, render, unflatten

VALUES = st.sampled_from(["a", "b", "c"])


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    fields = []
    for i in range(draw(st.integers(1, 4))):
        field: dict[str, Any] = {"api_name": f"f{i}", "label": draw(VALUES),
                                 "required": draw(st.booleans())}
        options = [{"value": f"o{j}", "label": draw(VALUES)}
                   for j in range(draw(st.integers(0, 3)))]
        if options:
            field["options"] = options
        fields.append(field)
    return {"label": {"en": draw(VALUES), "zh-CN": draw(VALUES)}, "fields": fields}


def changed(draw: st.DrawFn, document: dict[str, Any], who: str) -> dict[str, Any]:
    """Random edits: labels, flags, options and fields added (and, by the pack, removed)."""
    doc = copy.deepcopy(document)
    actions = ["label", "field_label", "required", "option_label", "add_option", "add_field"]
    if who == "pack":
        actions += ["remove_field", "remove_option"]
    for n in range(draw(st.integers(0, 5))):
        action = draw(st.sampled_from(actions))
        fields = doc["fields"]
        field = draw(st.sampled_from(fields)) if fields else None
        options = field.get("options", []) if field else []
        if action == "label":
            doc["label"][draw(st.sampled_from(["en", "zh-CN"]))] = draw(VALUES) + who
        elif action == "field_label" and field:
            field["label"] = draw(VALUES) + who
        elif action == "required" and field:
            field["required"] = not field["required"]
        elif action == "option_label" and options:
            draw(st.sampled_from(options))["label"] = draw(VALUES) + who
        elif action == "add_option" and field:
            name = f"{who}{n}"
            if name not in {o["value"] for o in options}:
                field.setdefault("options", []).append({"value": name, "label": "new"})
        elif action == "add_field":
            name = f"{who}_{n}"
            if name not in {f["api_name"] for f in fields}:
                fields.append({"api_name": name, "label": who, "required": False})
        elif action == "remove_field" and len(fields) > 1 and field:
            fields.remove(field)
        elif action == "remove_option" and options:
            options.remove(draw(st.sampled_from(options)))
    return doc


def leaves(document: Any) -> dict[Path, Any]:
    return {p: v for p, v in flatten(document).items() if not isinstance(v, KeyedList)}


def under(path: Path, prefixes: set[Path]) -> bool:
    return any(path[:len(p)] == p for p in prefixes)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_upgrade_keeps_overrides_applies_changes_and_reports_both(data: st.DataObject) -> None:
    v1 = data.draw(documents())
    v2 = changed(data.draw, v1, "pack")
    current = changed(data.draw, v1, "tenant")
    outcome = merge(v1, current, v2)
    b, m, t = leaves(v1), leaves(current), leaves(v2)
    r = leaves(outcome.document)
    whole = {c.path for c in outcome.conflicts if isinstance(c.path[-1], tuple)
             and isinstance(c.mine, dict | type(MISSING))}
    reported = {c.path for c in outcome.conflicts} - whole
    for path in set(b) | set(m) | set(t):
        if under(path, whole):
            continue
        bv, mv, tv = b.get(path, MISSING), m.get(path, MISSING), t.get(path, MISSING)
        if tv == bv and mv != bv:
            assert r.get(path, MISSING) == mv, ("override lost", render(path))
        if mv == bv and tv != bv:
            assert r.get(path, MISSING) == tv, ("pack change missed", render(path))
        both = bv != tv and bv != mv and tv != mv
        assert (path in reported) == both, ("conflicts", render(path), bv, mv, tv)
    for item in whole:  # an item the pack removed while the tenant changed it
        assert not any(p[:len(item)] == item for p in t)
        assert {p: v for p, v in m.items() if p[:len(item)] == item} != \
            {p: v for p, v in b.items() if p[:len(item)] == item}


@settings(max_examples=100, deadline=None)
@given(documents())
def test_flatten_and_unflatten_are_inverse(document: dict[str, Any]) -> None:
    assert unflatten(flatten(document)) == document
    assert merge(document, document, document).document == document


def test_tenant_options_survive_and_choices_resolve() -> None:
    v1 = {"label": "Lead", "fields": [{"api_name": "status", "options": [
        {"value": "new"}, {"value": "won"}]}]}
    mine = copy.deepcopy(v1)
    mine["label"] = "Prospect"
    mine["fields"][0]["options"].append({"value": "vip"})
    v2 = copy.deepcopy(v1)
    v2["label"] = "Lead (v2)"
    v2["fields"][0]["options"].append({"value": "lost"})
    open_ = merge(v1, mine, v2)
    assert [c.to_json()["path"] for c in open_.conflicts] == ["/label"]
    assert open_.conflicts[0].to_json() == {"path": "/label", "base": "Lead",
                                            "mine": "Prospect", "pack": "Lead (v2)",
                                            "choices": ["mine", "pack", "edit"]}
    values = [o["value"] for o in open_.document["fields"][0]["options"]]
    assert values == ["new", "won", "vip", "lost"]
    assert merge(v1, mine, v2, choices={"/label": "pack"}).document["label"] == "Lead (v2)"
    assert merge(v1, mine, v2, choices={"/label": "mine"}).conflicts == []
    edited = merge(v1, mine, v2, choices={"/label": {"value": "Both"}})
    assert edited.document["label"] == "Both" and edited.conflicts == []


def test_rules_lock_or_leave_properties_to_the_tenant() -> None:
    v1, mine, v2 = {"label": "A", "help": "x"}, {"label": "Mine", "help": "y"}, \
        {"label": "B", "help": "z"}
    outcome = merge(v1, mine, v2, rules={"/label": "locked", "/help": "tenant-owned"})
    assert outcome.document == {"label": "B", "help": "y"} and outcome.conflicts == []
