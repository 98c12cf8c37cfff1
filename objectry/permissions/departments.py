"""The department tree: who is in a team, and which department grants reach a user."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class DepartmentTree:
    parents: Mapping[str, str | None]  # department -> parent (None at the root)

    def subtree(self, name: str | None) -> tuple[str, ...]:
        """The department and everything below it (a "team" data scope)."""
        if name is None or name not in self.parents:
            return ()
        children = self._children
        found, todo = [], [name]
        while todo:
            current = todo.pop()
            found.append(current)
            todo += children.get(current, [])
        return tuple(sorted(found))

    @cached_property
    def _children(self) -> Mapping[str | None, list[str]]:
        """Parent -> children, built once per tree (trees are cached per metadata
        version, so every team-scoped list of that version reuses it)."""
        children: dict[str | None, list[str]] = {}
        for child, parent in self.parents.items():
            children.setdefault(parent, []).append(child)
        return children

    def ancestors(self, name: str | None) -> tuple[str, ...]:
        """The department and those above it (a grant to any of them reaches the user).

        Saved trees have no cycles (metadata validation refuses them); the bound guards
        against a tree edited underneath us all the same.
        """
        chain: list[str] = []
        while name is not None and name in self.parents and len(chain) <= len(self.parents):
            chain.append(name)
            name = self.parents[name]
        return tuple(chain)
