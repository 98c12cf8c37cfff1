"""Duplicate rules (kind ``duplicate_rule``): normalised match keys, checks on every
write, a record's duplicates, a batch scan, and a batch lookup for the importer.

- ``normalise``: values to comparable forms and keys (phone E.164, e-mail, folded names);
- ``rules``: documents compiled into :class:`DuplicateRule`;
- ``key_tables`` / ``index``: the stored keys and keeping them current;
- ``matching``: lookups by key, fuzzy similarity, what the caller may see;
- ``checks``: the write check (warn or block), a record's duplicates and the scan.

May import ``records`` and below; the records service reaches it only through
``Context.write_hooks`` (``lifecycle.hooks.LifecycleHooks``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.duplicates.checks import (
    build_keys,
    check_write,
    record_duplicates,
    scan,
)
from objectry.runtime.lifecycle.duplicates.index import (
    KnownKeys,
    ensure_current,
    key_entries,
    rule_keys,
)
from objectry.runtime.lifecycle.duplicates.matching import matches_for, present, similarity
from objectry.runtime.lifecycle.duplicates.rules import DuplicateRule, active_rules, checking

__all__ = ["KnownKeys", "build_keys", "check_write", "find_duplicates", "known_keys",
           "record_duplicates", "scan"]


def find_duplicates(ctx: Context, object_name: str, rows: Sequence[Mapping[str, Any]],
                    exclude: Sequence[Any] = (),
                    keys_out: dict[str, tuple[str, list[list[Any] | None]]] | None = None,
                    ) -> list[list[dict[str, Any]]]:
    """For each row (field -> value, as a create body names them), its duplicates under
    the object's active rules: existing records the caller may see, as
    ``{"rule", "object", "id", "score", "record", "action"}``, and earlier rows of the
    same batch, as ``{"rule", "row", "action"}`` (row: its index in ``rows``). Records
    the caller may not see are counted in an item ``{"rule", "hidden": True, "action"}``
    so an importer can still refuse a ``block`` duplicate without showing it.
    One index lookup per rule for the whole batch. ``exclude``: per row, a record it is
    not compared with (the record an upsert row updates). ``keys_out``: filled with
    rule name -> (the rule's fingerprint, per row ``[key, *match values]``, None when
    its values are not all texts), for a later write of the same values
    (:func:`known_keys`)."""
    result: list[list[dict[str, Any]]] = [[] for _ in rows]
    for rule in checking(active_rules(ctx), object_name):
        ensure_current(ctx, rule)
        first_row: dict[str, int] = {}
        keys = rule_keys(rule, rows)
        if keys_out is not None:
            keys_out[rule.name] = (rule.fingerprint, key_entries(rule, rows, keys))
        matches = matches_for(ctx, rule, rows, exclude, keys=keys)
        everything = {(m.object, m.id): m for found in matches for m in found}
        shown_by = {(item["object"], item["id"]): item
                    for item in present(ctx, list(everything.values()))[0]}
        for i, (found, values, key) in enumerate(zip(matches, rows, keys, strict=True)):
            shown = [{**shown_by[(m.object, str(m.id))], "score": m.score} for m in found
                     if (m.object, str(m.id)) in shown_by]
            hidden = len(found) - len(shown)
            result[i] += [{**item, "action": rule.action} for item in shown]
            if hidden:
                result[i].append({"rule": rule.name, "hidden": True, "action": rule.action})
            if key is None:
                continue
            earlier = first_row.get(key)
            if earlier is not None and (not rule.fuzzy or similarity(
                    rows[earlier].get(rule.fuzzy), values.get(rule.fuzzy)) >= rule.threshold):
                result[i].append({"rule": rule.name, "row": earlier, "action": rule.action})
            elif earlier is None:
                first_row[key] = i
    return result


def known_keys(rules: Sequence[DuplicateRule], object_name: str,
               stored: Sequence[Mapping[str, Sequence[Any]] | None],
               fingerprints: Mapping[str, str]) -> dict[str, KnownKeys]:
    """The keys :func:`find_duplicates` computed earlier (``stored``: per row, rule
    name -> ``[key, *match values]``; ``fingerprints``: rule name -> the definition they
    were computed under), as ``check_batch`` reuses them: by rule name, match values ->
    key, for the active ``rules`` of the object still defined as then. A rule changed
    since has none (its keys are computed afresh). Keys go with the values they were
    computed from, never with a row: a row whose values read otherwise now (a field's
    aliases changed) finds no key for them and has its key computed."""
    found: dict[str, KnownKeys] = {}
    for rule in checking(rules, object_name):
        if fingerprints.get(rule.name) != rule.fingerprint:
            continue
        keys: dict[tuple[str | None, ...], str | None] = {}
        for row_keys in stored:
            entry = None if row_keys is None else row_keys.get(rule.name)
            if entry is not None and len(entry) == len(rule.fields) + 1 and all(
                    type(v) is str or v is None for v in entry):
                keys[tuple(entry[1:])] = entry[0]
        found[rule.name] = KnownKeys(rule.fingerprint, keys)
    return found
