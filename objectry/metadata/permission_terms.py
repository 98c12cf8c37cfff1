"""The vocabulary of permissions: levels, actions, strategies, scopes (shared by the
metadata schemas and the Casbin policy compiler)."""

from __future__ import annotations

from typing import Final

#: Field-group levels, weakest first.
LEVELS: Final = ("none", "read", "edit")
#: Object-level actions a role grants.
ACTIONS: Final = ("read", "create", "edit", "delete", "restore", "export", "import",
                  "share", "view_sensitive", "manage_metadata")
#: Tenant-level actions a role grants (beside its per-object grants): ``customize``
#: reads every kind of metadata (functions, workflows, roles, history...) and manages
#: the tenant's secrets.
CUSTOMIZE: Final = "customize"
TENANT_ACTIONS: Final = (CUSTOMIZE,)
#: How a field group's level is decided when a role and a distribution grant disagree.
STRATEGIES: Final = ("distribution_wins", "administrative_wins", "most_restrictive",
                     "most_permissive")
DEFAULT_STRATEGY: Final = "most_restrictive"
#: Data scopes of a role (besides a condition tree).
SCOPES: Final = ("own", "team", "all")
#: The distribution level of a field group when the record is not distributed to the user.
NOT_DISTRIBUTED: Final = "-"


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def strongest(levels: list[str]) -> str:
    return max(levels, key=level_rank, default="none")
