"""Where a tenant's record tables live.

PostgreSQL: one schema per tenant (``t_<slug>``), tables named after the object, so a
tenant's data can be dumped, moved or sharded (Citus schema-based sharding) on its own.

SQLite: one database file holds everyone (cross-tenant ATTACH would lose atomic commits
in WAL mode and caps at ten files), so each tenant's tables carry a ``t_<slug>__``
prefix. Isolation is enforced the same way on both: table objects are built only from
the requesting tenant's own metadata, so no request can name another tenant's table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

PG_IDENTIFIER_MAX = 63


@dataclass(frozen=True)
class TenantStorage:
    dialect: str
    slug: str

    @property
    def schema(self) -> str | None:
        return f"t_{self.slug}" if self.dialect == "postgresql" else None

    def table_name(self, object_name: str) -> str:
        if self.dialect == "postgresql":
            return object_name
        return f"t_{self.slug}__{object_name}"

    def index_name(self, object_name: str, column: str, *, unique: bool) -> str:
        prefix = "ux" if unique else "ix"
        name = f"{prefix}_{self.table_name(object_name)}__{column}"
        if len(name) <= PG_IDENTIFIER_MAX:
            return name
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        return f"{name[:PG_IDENTIFIER_MAX - 11]}_{digest}"
