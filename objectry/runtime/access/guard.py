"""Permissions as the records service applies them: one ``Guard`` per (context, object).

Every path of the records service asks its guard, so the rules live in one place. The
guard is the one object callers hold; it delegates to three parts, one job each:

- ``decisions``: what the actor may do with the object (Casbin, through access maps);
- ``visibility``: which rows they see, as SQL (the data scopes of their roles OR a live
  distribution grant, so lists stay correctly paginated), and per row the level of each
  field group given their distribution levels (loaded for a whole page in one query);
- ``presentation``: what a record looks like to them (unreadable fields absent,
  sensitive fields masked without ``view_sensitive``) and which fields they may set.

Admins and the platform itself (``system``) are unrestricted. Everything derived from
metadata is cached under keys that carry the tenant's metadata version, which every
role, policy, department or membership change bumps in the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import casbin
import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem
from objectry.permissions.access import AccessMap, Decision, DistLevels
from objectry.permissions.rules import ObjectRules
from objectry.runtime.access.decisions import Decisions
from objectry.runtime.access.effective import Effective
from objectry.runtime.access.presentation import Presentation, RecordView
from objectry.runtime.access.visibility import Visibility
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel


class Guard:
    """What the context's actor may see and do with one object.

    ``decisions``, ``rows`` and ``presentation`` are the parts; the methods below are
    the guard's whole surface, so callers need not know which part answers.
    """

    def __init__(self, ctx: Context, model: ObjectModel) -> None:
        self.ctx = ctx
        self.model = model
        self.decisions = Decisions(ctx, model)
        self.rows = Visibility(ctx, model, self.decisions)
        self.presentation = Presentation(model, self.decisions)
        self.effective = Effective(model, self.decisions, self.rows)
        self.unrestricted = self.decisions.unrestricted

    # -- decisions -------------------------------------------------------------------
    @property
    def rules(self) -> ObjectRules:
        """The object's compiled rules."""
        return self.decisions.rules

    def enforcer(self) -> casbin.Enforcer:
        """The Casbin enforcer over the rules that can match this actor (for explain)."""
        return self.decisions.enforcer()

    def access(self, dist: DistLevels) -> AccessMap:
        """The access map for a record distributed to the actor at ``dist`` (or not)."""
        return self.decisions.access(dist)

    def decision(self, dist: DistLevels) -> Decision:
        """Every verdict with its rule at ``dist``: what ``access`` summarizes (explain)."""
        return self.decisions.decision(dist)

    @property
    def everything(self) -> AccessMap:
        """The unrestricted access map (compare by identity)."""
        return self.decisions.everything

    @property
    def base(self) -> AccessMap:
        """The actor's rights from their roles alone (no record distributed to them)."""
        return self.decisions.base

    def require(self, action: str) -> None:
        """403 unless the actor's roles allow ``action`` on the object."""
        self.decisions.require(action)

    # -- rows ------------------------------------------------------------------------
    def visible(self) -> sa.ColumnElement[bool] | None:
        """The rows the actor may see, as SQL; ``None`` when they see every row."""
        return self.rows.visible()

    def visibility(self) -> list[sa.ColumnElement[bool]] | None:
        """The visible rows as alternatives (any one suffices); ``None``: every row."""
        return self.rows.visibility()

    def select_page(self, conditions: Sequence[sa.ColumnElement[bool]],
                    order: Sequence[sa.ColumnElement[Any]], limit: int) -> sa.Select[Any]:
        """The first ``limit`` visible rows meeting ``conditions`` in ``order``."""
        return self.rows.select_page(conditions, order, limit)

    def cached_page(self, shape: Hashable,
                    build: Callable[[], sa.Select[Any]]) -> sa.Select[Any]:
        """A page statement ``build`` makes, cached for this actor under ``shape`` (all
        that makes it differ besides the actor, the metadata version and the clock)."""
        return self.rows.cached_page(shape, build)

    def scope_clause(self, role: str, scope: Any) -> sa.ColumnElement[bool]:
        """The rows one role's data scope shows."""
        return self.rows.scope_clause(role, scope)

    def live_grants(self, record_id: uuid.UUID) -> list[dict[str, Any]]:
        """The live grants on one row that reach the actor (for explain)."""
        return self.rows.live_grants(record_id)

    def shared(self) -> sa.ColumnElement[bool]:
        """Rows distributed to the actor (or to their department or one above it)."""
        return self.rows.shared()

    def distribution(self, record_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, str]]:
        """The actor's distribution levels for each of these rows that has any."""
        return self.rows.distribution(record_ids)

    def maps(self, rows: Sequence[Mapping[Any, Any]]) -> list[AccessMap]:
        """The access map of each row, for a page of rows (one grants query)."""
        return self.rows.maps(rows)

    def load(self, record_id: Any, *,
             include_deleted: bool = False) -> tuple[dict[str, Any], AccessMap]:
        """One row the actor may see (403/404 otherwise) and its access map."""
        return self.rows.load(record_id, include_deleted=include_deleted)

    # -- what the actor sees and sets ------------------------------------------------
    def view(self, access: AccessMap) -> RecordView:
        """The fields hidden and masked under ``access``."""
        return self.presentation.view(access)

    def present(self, row: Mapping[Any, Any], access: AccessMap,
                only: Iterable[str] | None = None) -> dict[str, Any]:
        """The API form of a row as this actor may see it."""
        return self.presentation.present(row, access, only)

    def present_changes(self, changes: Sequence[Mapping[str, Any]],
                        access: AccessMap) -> list[dict[str, Any]]:
        """Field changes (audit entries, events) as this actor may see them."""
        return self.presentation.present_changes(changes, access)

    def present_values(self, values: Mapping[str, Any],
                       access: AccessMap) -> dict[str, Any]:
        """Values keyed by field name (step values, threshold sets) as this actor may
        see them."""
        return self.presentation.present_values(values, access)

    def readable_field(self, name: str) -> Mapping[str, Any] | None:
        """Field lookup for filters, sorts and selections, as the actor may read them."""
        return self.presentation.readable_field(name)

    def not_readable(self, name: str) -> bool:
        """Whether ``name`` is a field the actor may not read but knows of."""
        return self.presentation.not_readable(name)

    def unknowable(self, name: str, access: AccessMap | None = None) -> bool:
        """Whether ``name`` is a field the actor may neither read (on the record
        ``access`` is of, if given) nor know of."""
        return self.presentation.unknowable(name, access)

    def field_error(self, at: str, name: str) -> ErrorItem:
        """Why ``name`` cannot be used here: not readable, or unknown."""
        return self.presentation.field_error(at, name)

    # -- what the actor may test (filters, sorts, cursors) ----------------------------
    def masked(self, name: str) -> bool:
        """Whether the actor sees ``name`` only masked: not comparable, not sortable."""
        return self.effective.masked(name)

    def readable_in(self, table: sa.FromClause, name: str) -> sa.ColumnElement[bool] | None:
        """The rows of ``table`` where the actor reads ``name`` (None: every row)."""
        return self.effective.readable(table, name)

    def column(self, table: sa.FromClause, name: str) -> sa.ColumnElement[Any]:
        """``name`` as the actor may sort on it: its value where readable, else NULL."""
        return self.effective.column(table, name)

    def check_creatable(self, names: Iterable[str]) -> None:
        """403 naming every field in ``names`` the actor may not set on a new record."""
        self.presentation.check_creatable(names)

    def check_editable(self, access: AccessMap, names: Iterable[str]) -> None:
        """403 naming every field in ``names`` the actor may not edit on this record."""
        self.presentation.check_editable(access, names)
