"""The code's shape holds: no import cycles anywhere in the package.

import-linter's contracts (pyproject.toml) keep layers pointing down; a cycle inside a
layer (two modules, or a package ``__init__`` and a module under it, importing each
other) would still slip through them, so this walks the whole module graph.
"""

from __future__ import annotations

import subprocess
import sys

import grimp


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The import cycles of ``graph`` (strongly connected parts of more than one module)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan, iterative: deep import chains are fine
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        order[start] = low[start] = len(order)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, targets = work[-1]
            for target in targets:
                if target not in graph.modules:
                    continue
                if target not in order:
                    order[target] = low[target] = len(order)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(
                        graph.find_modules_directly_imported_by(target)))))
                    break
                if target in on_stack:
                    low[module] = min(low[module], order[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == order[module]:
                    part = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        part.append(member)
                        if member == module:
                            break
                    if len(part) > 1:
                        found.append(sorted(part))

    for module in sorted(graph.modules):
        if module not in order:
            visit(module)
    return found


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("objectry")
    assert _cycles(graph) == []


def test_cycle_finder_sees_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert _cycles(graph) == [["pkg.a", "pkg.b"]]


def test_records_service_loads_no_tenant_function_code() -> None:
    """The records service sits below tenant functions: importing it pulls in none."""
    code = ("import sys, objectry.runtime.records; "
            "print([m for m in sys.modules if m.startswith('objectry.runtime.functions')])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
