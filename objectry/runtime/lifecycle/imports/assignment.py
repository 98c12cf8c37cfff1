"""What assignment would do with an import's new records, for its preview.

The run creates records through the records service, whose write hooks hand every new
record to the object's ``auto`` assignment rules (``distribution.auto``). The preview
asks the same rules, as the platform does, about each row it would create: who gets it,
or why nobody does. Round-robin turns advance within the preview as they would within
the run, but no cursor is written (the preview writes nothing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from objectry.runtime.distribution.auto import auto_rules
from objectry.runtime.distribution.pools import platform
from objectry.runtime.distribution.rules import Batch, People, Rule, decide
from objectry.runtime.kernel.context import Context


@dataclass
class AssignmentPreview:
    """Decisions of the rows previewed so far: counts by owner, the first ``shown`` rows."""

    rules: tuple[Rule, ...]
    shown: int
    owners: Counter[str] = field(default_factory=Counter)
    unassigned: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"rules": [r.name for r in self.rules],
                "assigned": sum(self.owners.values()), "unassigned": self.unassigned,
                "owners": [{"user": user, "rows": count}
                           for user, count in sorted(self.owners.items())],
                "rows": self.rows}


class AssignmentSimulation:
    """One preview's walk through its rows, batch by batch, sharing turns and loads."""

    def __init__(self, ctx: Context, object_name: str, shown: int) -> None:
        self.acting = platform(ctx)
        self.preview = AssignmentPreview(auto_rules(ctx, object_name), shown)
        self.people = People(self.acting) if self.preview.rules else None
        self.batch = Batch(self.acting) if self.preview.rules else None

    def add(self, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """Decide ``(row number, values)`` of rows the run would create."""
        if self.people is None or self.batch is None:
            return
        for number, values in rows:
            decision = _first(self.acting, self.preview.rules, values, self.people,
                              self.batch)
            if decision["picked"] is None:
                self.preview.unassigned += 1
            else:
                self.preview.owners[decision["picked"]] += 1
            if len(self.preview.rows) < self.preview.shown:
                self.preview.rows.append({
                    "row": number, "rule": decision["rule"], "user": decision["picked"],
                    "reason": decision.get("reason")})


def _first(ctx: Context, rules: Sequence[Rule], values: Mapping[str, Any], people: People,
           batch: Batch) -> dict[str, Any]:
    """As ``auto`` decides: the first rule whose entry matches (or tried someone)."""
    first: dict[str, Any] | None = None
    for rule in rules:
        decision = decide(ctx, rule, values, people, batch=batch)
        if decision["entry"] is not None or decision["tried"]:
            return decision
        first = first or decision
    assert first is not None
    return first
