"""What the actor sees of a row and may set on it, given the row's access map.

Unreadable fields are absent (never serialized), sensitive fields are masked without
``view_sensitive``, so are a pool's masked fields on its unclaimed rows (``pooled``);
audit changes follow the same rules; writes of fields the actor may not set are
refused, naming every such field. A field the actor cannot read from their
roles cannot be filtered, sorted, selected or written either: it is reported as not
readable where the object definition they read names it, and as unknown where that
definition leaves it out (``metadata_access``), so no answer tells that it exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from objectry.metadata.problems import ErrorItem, Forbidden, pointer
from objectry.permissions.access import AccessMap
from objectry.runtime.access.decisions import Decisions
from objectry.runtime.access.metadata_access import can_customize
from objectry.runtime.access.pooled import PooledAccess
from objectry.runtime.model.compiled import ObjectModel
from objectry.runtime.model.serialize import SYSTEM_ORDER, Layout, fields_api, layout, to_api

#: Changes recorded by the platform itself rather than on a field (kept in audit views).
SYSTEM_CHANGES = frozenset({"delete_batch"})


@dataclass(frozen=True)
class RecordView:
    """How records look under one access map: fields left out, fields masked."""

    hidden: frozenset[str]
    masked: frozenset[str]
    shown: frozenset[str]  # the system fields and every field not hidden
    #: how a whole record is serialized: ``shown`` in the order a record lists it
    layout: Layout
    #: each masked field's mask, bound to its definition
    masks: tuple[tuple[str, Callable[[Any], Any]], ...]


class Presentation:
    """Rows of one object as the actor may see and change them."""

    def __init__(self, model: ObjectModel, decisions: Decisions) -> None:
        self.model = model
        self.decisions = decisions
        #: by access map (kept, so its id is not reused): a page shares a few
        self._views: dict[int, tuple[AccessMap, RecordView]] = {}

    # -- reads -----------------------------------------------------------------------
    def view(self, access: AccessMap) -> RecordView:
        """The fields hidden and masked under ``access``: worked out once per map and
        metadata version (cached in ``ctx.decisions``), looked up once per request."""
        cached = self._views.get(id(access))
        if cached is not None and cached[0] is access:
            return cached[1]
        ctx = self.decisions.ctx
        key = ("record_view", ctx.tenant.id, ctx.tenant.meta_version, self.model.api_name,
               access.levels_key)
        view: RecordView = ctx.decisions.get_or_build(key, lambda: self._view(access))
        self._views[id(access)] = (access, view)
        return view

    def _view(self, access: AccessMap) -> RecordView:
        """Builds :meth:`view` (cached by it)."""
        hidden, masked = set(), set()
        for name, field in self.model.fields.items():
            level = access.field_level(name, field.group)
            if level == "none":
                hidden.add(name)
            elif field.definition.get("sensitive") and not access.can("view_sensitive"):
                masked.add(name)
        if isinstance(access, PooledAccess):  # a pool's fields, until claimed
            masked |= access.pool_masked - hidden
        fields = tuple(field for name, field in self.model.fields.items()
                       if name not in hidden)
        shown = frozenset((*SYSTEM_ORDER, *(field.name for field in fields)))
        masks = tuple((name, partial(field.type.mask, field.definition))
                      for name, field in self.model.fields.items() if name in masked)
        return RecordView(frozenset(hidden), frozenset(masked), shown,
                          layout(SYSTEM_ORDER, fields), masks)

    def present(self, row: Mapping[Any, Any], access: AccessMap,
                only: Iterable[str] | None = None) -> dict[str, Any]:
        """The API form of a row as this actor may see it."""
        if access is self.decisions.everything:
            return to_api(self.model, row, only)
        view = self.view(access)  # unreadable fields are never serialized at all
        record = fields_api(row, view.layout) if only is None \
            else to_api(self.model, row, [name for name in only if name not in view.hidden])
        for name, mask in view.masks:
            value = record.get(name)
            if value is not None:
                record[name] = mask(value)
        return record

    def present_changes(self, changes: Sequence[Mapping[str, Any]],
                        access: AccessMap) -> list[dict[str, Any]]:
        """Field changes (audit entries, events) as this actor may see them."""
        if access is self.decisions.everything:
            return [dict(c) for c in changes]
        view = self.view(access)
        shown = []
        for change in changes:
            name = change.get("field")
            if name in view.hidden or (name not in self.model.fields
                                       and name not in SYSTEM_CHANGES):
                continue
            if name in view.masked:
                field = self.model.fields[name]
                change = {**change, **{side: field.type.mask(field.definition, change[side])
                                       for side in ("old", "new")
                                       if change.get(side) is not None}}
            shown.append(dict(change))
        return shown

    def present_values(self, values: Mapping[str, Any],
                       access: AccessMap) -> dict[str, Any]:
        """Values keyed by field name (a step's values, a threshold's ``set``) as this
        actor may see them; other names (``owner``, system fields) are kept."""
        if access is self.decisions.everything:
            return dict(values)
        view = self.view(access)
        shown = {}
        for name, value in values.items():
            if name in view.hidden:
                continue
            if name in view.masked and value is not None:
                field = self.model.fields[name]
                value = field.type.mask(field.definition, value)
            shown[name] = value
        return shown

    def readable_field(self, name: str) -> Mapping[str, Any] | None:
        """Field lookup for filters, sorts and selections: a field the actor cannot read
        from their roles does not exist for them (it is absent from their records)."""
        definition = self.model.field_definition(name)
        field = self.model.fields.get(name)
        if definition is None or field is None or self.decisions.unrestricted:
            return definition
        return None if self._unreadable(name) else definition

    def not_readable(self, name: str) -> bool:
        """Whether ``name`` is a field the actor may not read from their roles but knows
        of: the object definition they read names it (customizers read it whole), so
        saying "not readable" tells them nothing new."""
        return self._unreadable(name) and can_customize(self.decisions.ctx)

    def unknowable(self, name: str, access: AccessMap | None = None) -> bool:
        """Whether ``name`` is a field the actor may not read (from their roles, nor on
        the record ``access`` is of) and whose very existence the object definition they
        read leaves out: answered exactly like a name the object does not have."""
        if not self._unreadable(name) or can_customize(self.decisions.ctx):
            return False
        return access is None or access.field_level(name, self.model.fields[name].group) \
            == "none"

    def _unreadable(self, name: str) -> bool:
        field = self.model.fields.get(name)
        return (field is not None and not self.decisions.unrestricted
                and self.decisions.base.field_level(name, field.group) == "none")

    def field_error(self, at: str, name: str) -> ErrorItem:
        """The culprit for a name the actor may not use in a filter, sort or selection:
        not readable if the object has it, else unknown."""
        if self.not_readable(name):
            return ErrorItem(at, "field_not_readable",
                             {"object": self.model.api_name, "field": name})
        return ErrorItem(at, "unknown_field", {"object": self.model.api_name, "field": name})

    # -- writes ----------------------------------------------------------------------
    def check_creatable(self, names: Iterable[str]) -> None:
        """403 naming every field in ``names`` the actor may not set on a new record."""
        if self.decisions.unrestricted:
            return
        fields = self.model.fields
        base = self.decisions.base
        self._refuse([name for name in names if name in fields and not self.unknowable(name)
                      and not base.can_create(name, fields[name].group)],
                     lambda name: base.field_level(name, fields[name].group) == "none")

    def check_editable(self, access: AccessMap, names: Iterable[str]) -> None:
        """403 naming every field in ``names`` the actor may not edit on this record."""
        if access is self.decisions.everything:
            return
        fields = self.model.fields
        self._refuse([name for name in names if name in fields
                      and not self.unknowable(name, access)
                      and access.field_level(name, fields[name].group) != "edit"],
                     lambda name: access.field_level(name, fields[name].group) == "none")

    def _refuse(self, denied: list[str], hidden: Callable[[str], bool]) -> None:
        """One 403 listing every denied field, so a form can mark them all at once; a
        field the actor may not even read (here) is named as not readable. Fields they
        cannot know of are left to the validation, which answers them as unknown."""
        if denied:
            raise Forbidden([ErrorItem(pointer(name), "field_not_readable" if hidden(name)
                                       else "field_not_editable", {"field": name})
                             for name in denied],
                            detail_code="field_not_editable", field=", ".join(denied))
