"""Rewriting the references to a renamed field in other documents.

A field renamed by a pack upgrade keeps its data only if every document naming it follows:
formula expressions, roll-ups, list views, workflows, assignment rules, scoring models,
duplicate rules, conversion maps, roles (scopes, per-field overrides), pools' masked
fields and web forms. Conditions are rewritten through their JSON tree and
formulas through their parse (only the ``name`` tokens that resolve to the renamed field
change, by position), never by a string replace that could hit a substring or a literal.
Each function changes the document in place and says whether it changed anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import lark

from objectry.metadata.formula.grammar import syntax_tree

#: An object's current document by api_name (None: unknown).
Objects = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True)
class FieldRename:
    """Field ``old`` of object ``object`` is now ``new``; ``objects`` finds the current
    object documents (to follow lookups)."""

    object: str
    old: str
    new: str
    objects: Objects

    def on(self, obj: Any) -> bool:
        return obj == self.object

    def lookup_target(self, obj: Any, field: Any) -> str | None:
        """The object the lookup ``field`` of ``obj`` points at (by either name of the
        renamed field, since documents are rewritten one by one)."""
        document = self.objects(obj) if isinstance(obj, str) else None
        for definition in (document or {}).get("fields", []):
            names = {definition.get("api_name")}
            if self.on(obj) and field in (self.old, self.new):
                names |= {self.old, self.new}
            if field in names and definition.get("type") == "lookup":
                target = definition.get("target")
                return target if isinstance(target, str) else None
        return None


def rewrite(document: dict[str, Any], rename: FieldRename) -> bool:
    """The references in ``document`` (any kind) to the renamed field take its new name."""
    kind, obj = document.get("kind"), document.get("object")
    if kind == "object":
        return _object(document, rename)
    rewriter = _REWRITERS.get(str(kind))
    return rewriter(document, obj, rename) if rewriter else False


def condition(tree: Any, obj: Any, rename: FieldRename) -> bool:
    """A condition on ``obj``: comparisons, groups and related-record conditions."""
    if not isinstance(tree, dict):
        return False
    changed = False
    for key in ("all", "any"):
        children = tree.get(key)
        for child in children if isinstance(children, list) else []:
            changed |= condition(child, obj, rename)
    if "not" in tree:
        changed |= condition(tree["not"], obj, rename)
    related = tree.get("related")
    if isinstance(related, dict):
        child_object = related.get("object")
        changed |= _key(related, "via", child_object, rename)
        changed |= condition(related.get("where"), child_object, rename)
    if "op" in tree:
        changed |= _key(tree, "field", obj, rename)
    return changed


def formula(text: str, obj: Any, rename: FieldRename) -> str:
    """``text`` with the names resolving to the renamed field renamed (``hours``, or
    ``ticket.hours`` through a lookup to its object); unparsable text is left alone."""
    try:
        tree = syntax_tree(text)
    except lark.exceptions.LarkError:
        return text
    spans: list[tuple[int, int]] = []
    for node in tree.iter_subtrees():
        if node.data != "name":
            continue
        tokens = [t for t in node.children if isinstance(t, lark.Token)]
        if tokens and rename.on(obj) and tokens[0] == rename.old:
            spans.append((_start(tokens[0]), _end(tokens[0])))
        if len(tokens) == 2 and tokens[1] == rename.old and rename.on(
                rename.lookup_target(obj, str(tokens[0]))):
            spans.append((_start(tokens[1]), _end(tokens[1])))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + rename.new + text[end:]
    return text


def _start(token: lark.Token) -> int:
    return int(token.start_pos or 0)


def _end(token: lark.Token) -> int:
    return int(token.end_pos or 0)


def _key(holder: Any, key: str, obj: Any, rename: FieldRename) -> bool:
    """``holder[key]`` names a field of ``obj``."""
    if isinstance(holder, dict) and rename.on(obj) and holder.get(key) == rename.old:
        holder[key] = rename.new
        return True
    return False


def _names(holder: Any, key: str, obj: Any, rename: FieldRename) -> bool:
    """``holder[key]`` is a list of field names of ``obj``."""
    names = holder.get(key) if isinstance(holder, dict) else None
    if isinstance(names, list) and rename.on(obj) and rename.old in names:
        names[:] = [rename.new if n == rename.old else n for n in names]
        return True
    return False


def _keys(holder: Any, key: str, obj: Any, rename: FieldRename) -> bool:
    """``holder[key]`` is a mapping keyed by field names of ``obj`` (order kept)."""
    mapping = holder.get(key) if isinstance(holder, dict) else None
    if isinstance(mapping, dict) and rename.on(obj) and rename.old in mapping:
        holder[key] = {rename.new if k == rename.old else k: v for k, v in mapping.items()}
        return True
    return False


def _values(holder: Any, key: str, obj: Any, rename: FieldRename) -> bool:
    """``holder[key]`` is a mapping whose values are field names of ``obj``."""
    mapping = holder.get(key) if isinstance(holder, dict) else None
    if isinstance(mapping, dict) and rename.on(obj) and rename.old in mapping.values():
        holder[key] = {k: rename.new if v == rename.old else v for k, v in mapping.items()}
        return True
    return False


def _items(holder: Any, key: str) -> list[Any]:
    value = holder.get(key) if isinstance(holder, dict) else None
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _object(document: dict[str, Any], rename: FieldRename) -> bool:
    """Formula expressions and roll-up definitions among the object's fields."""
    obj = document.get("api_name")
    changed = False
    for field in _items(document, "fields"):
        if field.get("type") == "formula" and isinstance(field.get("expression"), str):
            rewritten = formula(field["expression"], obj, rename)
            if rewritten != field["expression"]:
                field["expression"] = rewritten
                changed = True
        if field.get("type") == "rollup":
            child = field.get("object")
            changed |= _key(field, "field", child, rename)
            changed |= condition(field.get("filter"), child, rename)
            via = field.get("via")
            if isinstance(via, list) and via:
                middle = rename.lookup_target(child, via[0])
                hops = [child, middle]
                for i, (step, on) in enumerate(zip(via, hops, strict=False)):
                    if step == rename.old and rename.on(on):
                        via[i] = rename.new
                        changed = True
    return changed


def _list_view(document: dict[str, Any], obj: Any, rename: FieldRename) -> bool:
    changed = condition(document.get("filter"), obj, rename)
    changed |= _names(document, "columns", obj, rename)
    sort = document.get("sort")
    if isinstance(sort, str) and rename.on(obj):
        parts = []
        for part in sort.split(","):
            name = part.strip()
            sign = "-" if name.startswith("-") else ""
            parts.append(sign + rename.new if name.lstrip("-") == rename.old else part)
        if parts != sort.split(","):
            document["sort"] = ",".join(parts)
            changed = True
    return changed


def _workflow(document: dict[str, Any], obj: Any, rename: FieldRename) -> bool:
    trigger = document.get("trigger")
    changed = False
    if isinstance(trigger, dict):
        changed |= condition(trigger.get("condition"), obj, rename)
        changed |= _key(trigger, "field", obj, rename)
        changed |= _names(trigger, "changed", obj, rename)
        changed |= _key(trigger, "via", trigger.get("related"), rename)
        activity = trigger.get("activity")
        if isinstance(activity, dict):
            changed |= _key(activity, "via", activity.get("object"), rename)
    for step in _items(document, "steps"):
        for branch in _items(step, "branch"):
            changed |= condition(branch.get("if"), obj, rename)
        wait = step.get("wait")
        if isinstance(wait, dict):
            changed |= condition(wait.get("until"), obj, rename)
            changed |= _key(wait, "until_field", obj, rename)
        if step.get("action") == "update_record":
            changed |= _keys(step, "values", obj, rename)
        elif step.get("action") == "create_record":
            changed |= _keys(step, "values", step.get("object", obj), rename)
    return changed


def _assignment_rule(document: dict[str, Any], obj: Any, rename: FieldRename) -> bool:
    changed = False
    for entry in _items(document, "entries"):
        changed |= condition(entry.get("condition"), obj, rename)
        changed |= condition(entry.get("load"), obj, rename)
    return changed


def _scoring_model(document: dict[str, Any], obj: Any, rename: FieldRename) -> bool:
    changed = _key(document, "target_field", obj, rename)
    for dimension in _items(document, "dimensions"):
        for criterion in _items(dimension, "criteria"):
            changed |= condition(criterion.get("if"), obj, rename)
    return changed


def _duplicate_rule(document: dict[str, Any], obj: Any, rename: FieldRename) -> bool:
    changed = False
    for match in _items(document, "match"):
        changed |= _key(match, "field", obj, rename)
    changed |= _key(document.get("fuzzy"), "field", obj, rename)
    for against in _items(document, "against"):
        changed |= _keys(against, "fields", obj, rename)
        changed |= _values(against, "fields", against.get("object"), rename)
    return changed


def _conversion_map(document: dict[str, Any], obj: Any, rename: FieldRename) -> bool:
    changed = _key(document, "status_field", obj, rename)
    for target in _items(document, "targets"):
        changed |= _keys(target, "fields", target.get("object"), rename)
        changed |= _values(target, "fields", obj, rename)
        changed |= _keys(target, "values", target.get("object"), rename)
        changed |= _keys(target, "links", target.get("object"), rename)
        changed |= _key(target, "produced_field", obj, rename)
    for carry in _items(document, "carry"):
        changed |= _key(carry, "field", carry.get("object"), rename)
        changed |= _keys(carry, "to", carry.get("object"), rename)
    return changed


def _role(document: dict[str, Any], obj: Any, rename: FieldRename) -> bool:
    """A grant's data scope and its per-field overrides (a field hidden from a role must
    stay hidden under its new name)."""
    grants = document.get("grants")
    grant = grants.get(rename.object) if isinstance(grants, dict) else None
    if not isinstance(grant, dict):
        return False
    changed = condition(grant.get("scope"), rename.object, rename)
    return _keys(grant, "fields", rename.object, rename) or changed


def _pool(document: dict[str, Any], obj: Any, rename: FieldRename) -> bool:
    return _names(document, "masked_fields", obj, rename)


def _web_form(document: dict[str, Any], obj: Any, rename: FieldRename) -> bool:
    changed = _names(document, "fields", obj, rename)
    changed |= _keys(document, "values", obj, rename)
    changed |= _values(document, "utm_fields", obj, rename)
    return _key(document.get("campaign"), "field", obj, rename) or changed


_REWRITERS: Mapping[str, Callable[[dict[str, Any], Any, FieldRename], bool]] = {
    "role": _role,
    "pool": _pool,
    "web_form": _web_form,
    "list_view": _list_view,
    "workflow": _workflow,
    "assignment_rule": _assignment_rule,
    "scoring_model": _scoring_model,
    "duplicate_rule": _duplicate_rule,
    "conversion_map": _conversion_map,
}

#: The document kinds whose references to a field ``rewrite`` follows.
KINDS = ("object", *_REWRITERS)


def retarget(document: dict[str, Any], old: str, new: str) -> bool:
    """The places beyond ``object`` and a lookup's ``target`` that name a renamed object:
    related-record conditions anywhere in the document, a workflow's related trigger and
    created records, duplicate rules' other objects, conversion targets and carries."""
    changed = _related_objects(document, old, new)
    trigger = document.get("trigger") if document.get("kind") == "workflow" else None
    if isinstance(trigger, dict):
        changed |= _rename_value(trigger, "related", old, new)
        changed |= _rename_value(trigger.get("activity"), "object", old, new)
    for step in _items(document, "steps") if document.get("kind") == "workflow" else []:
        if step.get("action") == "create_record":
            changed |= _rename_value(step, "object", old, new)
    if document.get("kind") in ("duplicate_rule", "conversion_map"):
        for key in ("against", "targets", "carry"):
            for item in _items(document, key):
                changed |= _rename_value(item, "object", old, new)
    return changed


def _related_objects(value: Any, old: str, new: str) -> bool:
    changed = False
    if isinstance(value, dict):
        related = value.get("related")
        if isinstance(related, dict):
            changed |= _rename_value(related, "object", old, new)
        for child in value.values():
            changed |= _related_objects(child, old, new)
    elif isinstance(value, list):
        for child in value:
            changed |= _related_objects(child, old, new)
    return changed


def _rename_value(holder: Any, key: str, old: str, new: str) -> bool:
    if isinstance(holder, dict) and holder.get(key) == old:
        holder[key] = new
        return True
    return False
