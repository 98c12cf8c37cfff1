"""Three-way merge per property: the old pack version, the new one, the tenant's current.

A document is seen as properties: every leaf value, with lists of named items (fields by
``api_name``, picklist options by ``value``, workflow steps by ``id``) addressed by
their name, so a property reads ``/fields/status/options/won/label``. Per property:
the pack did not change it -> the tenant's value stays; the tenant did not change it ->
the pack's new value applies; both changed it to different values -> a conflict with
both sides, which needs a choice (``mine``, ``pack`` or an edited value). An item the
pack removes while the tenant changed it (or the reverse) is one conflict for the whole
item. Items the tenant added (a picklist option) are the tenant's and always survive.

Per-property rules from the manifest: ``locked`` takes the pack's value, ``tenant-owned``
keeps the tenant's, ``default-overridable`` (the default) merges.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

KEYS = ("api_name", "value", "id")

#: A segment of a property path: a member name, or a named item of a list (key, name).
Segment = str | tuple[str, str]
Path = tuple[Segment, ...]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class KeyedList:
    """The marker leaf of a list of named items or an empty list (so an emptied list
    stays a list); all markers are equal: a container is not a property."""


def item_key(value: Any) -> str | None:
    """The member that names the items of a list (None: the list is one value)."""
    if not isinstance(value, list) or not value or not all(isinstance(i, dict) for i in value):
        return None
    for key in KEYS:
        names = [i.get(key) for i in value]
        if all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
            return key
    return None


def flatten(value: Any, path: Path = ()) -> dict[Path, Any]:
    """Every property of a document, in document order."""
    found: dict[Path, Any] = {}
    if isinstance(value, dict) and value:
        for name, item in value.items():
            found.update(flatten(item, (*path, name)))
        return found
    key = item_key(value)
    if value == []:
        return {path: KeyedList()}
    if key is not None:
        found[path] = KeyedList()
        for item in value:
            found.update(flatten(item, (*path, (key, item[key]))))
        return found
    found[path] = value
    return found


def unflatten(leaves: Mapping[Path, Any]) -> dict[str, Any]:
    """The document of ``leaves`` (the inverse of ``flatten``; items in first-seen order)."""
    root: dict[str, Any] = {}
    for path, value in leaves.items():
        if not path:
            continue
        node: Any = root
        for i, segment in enumerate(path[:-1]):
            node = _child(node, segment, path[i + 1])
        _put(node, path[-1], value)
    return _finish(root)


def _child(node: Any, segment: Segment, following: Segment) -> Any:
    if isinstance(segment, tuple):
        key, name = segment
        return node.setdefault(name, {key: name})
    default: Any = {} if isinstance(following, str) else _Items()
    current = node.get(segment)
    if current is None or isinstance(current, KeyedList) or (
            isinstance(following, tuple) and not isinstance(current, _Items)) or (
            isinstance(following, str) and not isinstance(current, dict)):
        node[segment] = default if not isinstance(current, KeyedList) else _Items()
    return node[segment]


def _put(node: Any, segment: Segment, value: Any) -> None:
    if isinstance(segment, tuple):
        key, name = segment
        node[name] = {key: name} if value == {} else value
        return
    if isinstance(value, KeyedList):
        if not isinstance(node.get(segment), _Items):
            node[segment] = _Items()
        return
    node[segment] = value


class _Items(dict[str, Any]):
    """Named items being rebuilt (a dict by name, a list once finished)."""


def _finish(value: Any) -> Any:
    if isinstance(value, _Items):
        return [_finish(v) for v in value.values()]
    if isinstance(value, dict):
        return {k: _finish(v) for k, v in value.items()}
    return value


def render(path: Path) -> str:
    """A property path for people: ``/fields/status/options/won/label``."""
    parts = [s[1] if isinstance(s, tuple) else s for s in path]
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Conflict:
    path: Path
    base: Any
    mine: Any
    pack: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": render(self.path), "base": _shown(self.base),
                "mine": _shown(self.mine), "pack": _shown(self.pack),
                "choices": ["mine", "pack", "edit"]}


def _shown(value: Any) -> Any:
    if value is MISSING:
        return None
    if isinstance(value, KeyedList):
        return []
    return value


@dataclass
class Merge:
    """The merged document, what came from where, and what needs a choice."""

    document: dict[str, Any]
    from_pack: list[str] = field(default_factory=list)
    kept_mine: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def _subtree(leaves: Mapping[Path, Any], prefix: Path) -> dict[Path, Any]:
    n = len(prefix)
    return {p: v for p, v in leaves.items() if p[:n] == prefix}


def _items(leaves: Mapping[Path, Any]) -> set[Path]:
    return {p[:i + 1] for p in leaves for i, s in enumerate(p) if isinstance(s, tuple)}


def _rule(path: Path, rules: Mapping[str, str]) -> str:
    text = render(path)
    best, found = -1, "default-overridable"
    for prefix, rule in rules.items():
        if (text == prefix or text.startswith(prefix.rstrip("/") + "/")) and len(prefix) > best:
            best, found = len(prefix), rule
    return found


def merge(base: Any, mine: Any, pack: Any, *, rules: Mapping[str, str] | None = None,
          choices: Mapping[str, Any] | None = None) -> Merge:
    """Merge one document. ``choices`` maps a conflict's rendered path to ``"mine"``,
    ``"pack"`` or ``{"value": ...}``; conflicts without a choice stay in ``conflicts``."""
    rules, choices = rules or {}, choices or {}
    if base == mine == pack:  # the common case of an upgrade: nobody changed it
        return Merge(document=dict(mine))
    b, m, t = flatten(base), flatten(mine), flatten(pack)
    whole: list[Conflict] = []
    for item in sorted(_items(b), key=len):
        if any(item[:len(c.path)] == c.path for c in whole):
            continue
        in_m, in_t = _subtree(m, item), _subtree(t, item)
        removed_by_pack = not in_t and in_m and in_m != _subtree(b, item)
        removed_by_me = not in_m and in_t and in_t != _subtree(b, item)
        if (removed_by_pack or removed_by_me) and _rule(item, rules) == "default-overridable":
            whole.append(Conflict(item, unflatten_item(_subtree(b, item), item),
                                  unflatten_item(in_m, item), unflatten_item(in_t, item)))
    result: dict[Path, Any] = {}
    outcome = Merge(document={})
    for path in [*m, *(p for p in t if p not in m), *(p for p in b if p not in m and p not in t)]:
        if any(path[:len(c.path)] == c.path for c in whole):
            continue
        bv, mv, tv = b.get(path, MISSING), m.get(path, MISSING), t.get(path, MISSING)
        rule = _rule(path, rules)
        if rule == "locked" or (rule == "default-overridable" and mv == bv):
            value = tv
            if tv != bv or (rule == "locked" and tv != mv):
                outcome.from_pack.append(render(path))
        elif rule == "tenant-owned" or tv in (bv, mv):
            value = mv
            if mv != bv:
                outcome.kept_mine.append(render(path))
        else:
            conflict = Conflict(path, bv, mv, tv)
            value = _choose(conflict, choices, outcome, result)
        if value is not MISSING:
            result[path] = value
    for conflict in whole:
        chosen = _choose(conflict, choices, outcome, result)
        if chosen is not MISSING:
            result.update(flatten(chosen, conflict.path))
    outcome.document = unflatten(result)
    return outcome


def unflatten_item(leaves: Mapping[Path, Any], item: Path) -> Any:
    """A named item's subtree as its JSON (MISSING when absent)."""
    if not leaves:
        return MISSING
    n = len(item)
    inner = {p[n:]: v for p, v in leaves.items()}
    key, name = item[-1] if isinstance(item[-1], tuple) else ("", "")
    return {key: name, **unflatten(inner)} if key else unflatten(inner)


def _choose(conflict: Conflict, choices: Mapping[str, Any], outcome: Merge,
            result: dict[Path, Any]) -> Any:
    """The chosen value of a conflict (the tenant's, until chosen: nothing is applied
    while a conflict is open, so the placeholder is never stored)."""
    choice = choices.get(render(conflict.path))
    if choice == "pack":
        outcome.from_pack.append(render(conflict.path))
        return conflict.pack
    if isinstance(choice, Mapping) and "value" in choice:
        outcome.kept_mine.append(render(conflict.path))
        return choice["value"]
    if choice != "mine":
        outcome.conflicts.append(conflict)
    else:
        outcome.kept_mine.append(render(conflict.path))
    return conflict.mine


def iter_leaves(document: Any) -> Iterator[tuple[str, Any]]:
    for path, value in flatten(document).items():
        if not isinstance(value, KeyedList):
            yield render(path), value
