"""The lifecycle engines' part in every record write (``Context.write_hooks``).

The platform puts one :class:`LifecycleHooks` on each context it builds; it lives as
long as the unit of work, so the duplicate warnings of its writes can be reported by
whoever made them (the API's ``Objectry-Duplicates`` header).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.problems import Conflict, ErrorItem
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.duplicates.checks import check_write
from objectry.runtime.lifecycle.duplicates.index import ensure_current, put_key
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

    def before_restore(self, ctx: Context, model: Any, row: Mapping[str, Any]) -> None:
        found = merge_of(ctx, model.api_name, row["id"])
        if found is not None:
            params = {"survivor": str(found["survivor_id"]), "object": model.api_name}
            raise Conflict([ErrorItem("", "record_merged", params)],
                           detail_code="record_merged", **params)

    def after_write(self, ctx: Context, model: Any, row: Mapping[str, Any]) -> None:
        for rule in touching(self.rules(ctx), model.api_name):
            if not ensure_current(ctx, rule, self._current):  # a rebuild keyed this row
                put_key(ctx, rule, model.api_name, row)
