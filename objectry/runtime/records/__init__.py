"""The records service: the one path to tenant data (ARCHITECTURE central idea 4).

Every read and write, from the API, the CLI, the UI, automation, functions or packs,
comes through here: validation, rules, lookups, uniqueness, optimistic versions, soft
delete, the field-level audit trail and the outbox event, all in the caller's
transaction.

- ``read``: one record, keyset-paged lists, capped counts, exports, related lists, the
  audit trail;
- ``write``: create and update;
- ``deletion``: the recycle bin and what lookups do when their target goes;
- ``ownership``: changing a record's owner;
- ``journal``: the one writer of record rows, versions, audit entries and events;
- ``journal_tables``: the catalog tables the journal writes (audit, events, sequences).

May import ``access``, ``query``, ``model`` and ``kernel``; never ``functions``,
``scoring``, ``automation`` or ``schema`` (those build on it). Validation functions
reach a write only through ``Context.record_hooks``. This package re-exports the
service's public calls so callers write ``records.create(ctx, ...)``; its own modules
import each other directly, never this ``__init__``.
"""

from objectry.runtime.records.deletion import delete, restore
from objectry.runtime.records.ownership import change_owner
from objectry.runtime.records.read import (
    MAX_LIMIT,
    audit_trail,
    count_records,
    export_records,
    get,
    list_records,
    related,
)
from objectry.runtime.records.write import create, update

__all__ = [
    "MAX_LIMIT", "audit_trail", "change_owner", "count_records", "create", "delete",
    "export_records", "get",
    "list_records", "related", "restore", "update",
]
