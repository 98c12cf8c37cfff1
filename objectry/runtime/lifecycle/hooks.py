"""The lifecycle engines' part in every record write (``Context.write_hooks``).

The platform puts one :class:`LifecycleHooks` on each context it builds; it lives as
long as the unit of work, so the duplicate warnings of its writes can be reported by
whoever made them (the API's ``Objectry-Duplicates`` header).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from objectry.metadata.problems import Conflict, ErrorItem, Problem
from objectry.runtime.distribution.auto import Plan, assign_new, finish_new, plan_new
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.duplicates import KnownKeys, known_keys
from objectry.runtime.lifecycle.duplicates.checks import check_batch, check_write
from objectry.runtime.lifecycle.duplicates.index import ensure_current, put_key, put_new_keys
from objectry.runtime.lifecycle.duplicates.rules import DuplicateRule, active_rules, touching
from objectry.runtime.lifecycle.merge import merge_of


class LifecycleHooks:
    """Duplicate checks before a write, match keys after it."""

    def __init__(self, *, keep_warnings: bool = True) -> None:
        # a long-lived unit (the automation worker) keeps none: nobody reads them
        self.keep_warnings = keep_warnings
        self.warnings: list[dict[str, Any]] = []
        self._rules: tuple[tuple[int, int], list[DuplicateRule]] | None = None
        self._current: set[tuple[int, str, str]] = set()  # rules whose keys are current
        # (rule, item index) -> match key of the batch being created (before_write_many
        # computes them, after_write_many stores them): each key normalised once
        self._batch_keys: dict[tuple[str, int], str | None] = {}
        # the owners decided for the rows being inserted (before_insert computes them,
        # after_write / after_write_many write the rest of the assignment)
        self._plan: Plan | None = None
        # keys computed earlier for the next batch's values (an import's preview), by
        # rule name: the next before_write_many uses them instead of normalising again
        self._known: dict[str, KnownKeys] = {}

    def rules(self, ctx: Context) -> list[DuplicateRule]:
        """The tenant's active rules, read once per metadata version of this unit."""
        stamp = (ctx.tenant.id, ctx.tenant.meta_version)
        if self._rules is None or self._rules[0] != stamp:
            self._rules = (stamp, active_rules(ctx))
        return self._rules[1]

    def before_write(self, ctx: Context, model: Any, values: Mapping[str, Any],
                     record_id: Any = None) -> None:
        rules = self.rules(ctx)
        if rules:
            found = check_write(ctx, rules, model.api_name, values, record_id,
                                self._current)
            if self.keep_warnings:
                self.warnings += found

    def carry_keys(self, ctx: Context, object_name: str,
                   stored: Sequence[Mapping[str, Sequence[Any]] | None],
                   fingerprints: Mapping[str, str]) -> None:
        """Match keys computed earlier (an import's preview: per row, rule name ->
        ``[key, *match values]``, and the rule definitions they were computed under) for
        the next batch of new records to use, for rules still defined so; until then."""
        self._known = known_keys(self.rules(ctx), object_name, stored, fingerprints)

    def before_write_many(self, ctx: Context, model: Any,
                          items: Sequence[Mapping[str, Any]]) -> list[Problem | None]:
        """:meth:`before_write` for a batch of new records (``records.batch``), one
        lookup per rule: per item, the problem refusing it or None (an item alike an
        earlier one of the batch is refused by a ``block`` rule, as created in turn)."""
        self._batch_keys = {}
        known, self._known = self._known, {}
        rules = self.rules(ctx)
        if not rules:
            return [None] * len(items)
        problems, warnings = check_batch(ctx, rules, model.api_name, items, self._current,
                                         self._batch_keys, known)
        if self.keep_warnings:
            self.warnings += [w for found in warnings for w in found]
        return list(problems)

    def before_insert(self, ctx: Context, model: Any,
                      rows: Sequence[dict[str, Any]]) -> list[dict[str, Any] | None]:
        """The object's auto assignment rules decide the new rows' owners before they
        are written (each row's ``owner`` set in place): per row, the audit change of
        its owner (with why), or None."""
        self._plan = plan = plan_new(ctx, model, rows)
        if plan is None:
            return [None] * len(rows)
        return [plan.changes.get(row["id"]) for row in rows]

    def _assign(self, ctx: Context, model: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        """The rest of the new rows' assignment (events, grants, fallback pools), or all
        of it when nothing was planned for them."""
        plan, self._plan = self._plan, None
        if plan is not None and plan.covers(rows):
            finish_new(ctx, model, plan, rows)
        else:
            assign_new(ctx, model, rows)

    def before_restore(self, ctx: Context, model: Any, row: Mapping[str, Any]) -> None:
        found = merge_of(ctx, model.api_name, row["id"])
        if found is not None:
            params = {"survivor": str(found["survivor_id"]), "object": model.api_name}
            raise Conflict([ErrorItem("", "record_merged", params)],
                           detail_code="record_merged", **params)
        rules = self.rules(ctx)
        if rules:  # back among the live records, it must pass the rules a create passes
            warned = check_write(ctx, rules, model.api_name, row, None, self._current)
            if self.keep_warnings:
                self.warnings += warned

    def after_write(self, ctx: Context, model: Any, row: Mapping[str, Any]) -> None:
        for rule in touching(self.rules(ctx), model.api_name):
            if not ensure_current(ctx, rule, self._current):  # a rebuild keyed this row
                put_key(ctx, rule, model.api_name, row)
        if row.get("version") == 1:  # a new record: the object's auto assignment rules
            self._assign(ctx, model, [row])

    def after_write_many(self, ctx: Context, model: Any, rows: Sequence[Mapping[str, Any]],
                         indexes: Sequence[int]) -> None:
        """:meth:`after_write` for records just created by a batch (``indexes``: their
        items' places in :meth:`before_write_many`), keys in one statement per rule.
        Whatever else ``after_write`` does for a new record belongs here too."""
        keys, self._batch_keys = self._batch_keys, {}
        for rule in touching(self.rules(ctx), model.api_name):
            if ensure_current(ctx, rule, self._current):  # a rebuild keyed these rows
                continue
            known = None
            if rule.object == model.api_name and all((rule.name, i) in keys for i in indexes):
                known = [keys[(rule.name, i)] for i in indexes]
            put_new_keys(ctx, rule, model.api_name, rows, known)
        self._assign(ctx, model, rows)  # the object's auto assignment rules, one batch
