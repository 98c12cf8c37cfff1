"""Installing several packs in one call: in dependency order, all or nothing.

The packs of the batch are ordered so each comes after the packs it requires (those
already installed count as met); a cycle among them is refused with a pointer to the
``requires`` entry that closes it. Each is then installed as a single install would
(its own plan, its own metadata version) in the caller's transaction, so a refusal of
any leaves none installed. A plan (dry run) installs them inside a savepoint it rolls
back, so a pack's plan sees the packs before it as installed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from objectry.metadata.problems import Conflict, ErrorItem, Invalid, Problem, pointer
from objectry.packs import install, sample
from objectry.packs.content import Pack
from objectry.packs.manifest import MANIFEST_FILE, at
from objectry.packs.migrations import isolated
from objectry.packs.signing import Verified
from objectry.runtime.kernel.context import Context

MAX_PACKS = 20


def where(index: int, path: str) -> str:
    """An error of the ``index``-th pack of the batch: ``packs/1/pack.json#/requires/x``."""
    return f"packs/{index}/{path.lstrip('/')}"


def dependency_order(packs: Sequence[Pack]) -> list[int]:
    """Indexes of ``packs``, each after the packs of the batch it requires."""
    names: dict[str, int] = {}
    for i, pack in enumerate(packs):
        if pack.name in names:
            raise Invalid([ErrorItem(where(i, at(MANIFEST_FILE, "/name")),
                                     "pack_batch_duplicate", {"pack": pack.name})],
                          detail_code="pack_batch_duplicate", pack=pack.name)
        names[pack.name] = i
    order: list[int] = []
    state: dict[int, str] = {}

    def visit(i: int, path: list[tuple[int, str]]) -> None:
        """``path``: the packs walked so far, each with the ``requires`` entry followed."""
        if state.get(i) == "done":
            return
        if state.get(i) == "visiting":
            loop = path[next(n for n, (k, _) in enumerate(path) if k == i):]
            cycle = " -> ".join([packs[k].name for k, _ in loop] + [packs[i].name])
            j, required = loop[-1]  # the entry that closes the cycle
            raise Conflict([ErrorItem(where(j, at(MANIFEST_FILE, pointer("requires",
                                                                          required))),
                                      "pack_dependency_cycle", {"cycle": cycle})],
                           detail_code="pack_dependency_cycle", cycle=cycle)
        state[i] = "visiting"
        for required in sorted(packs[i].manifest.requires):
            if required in names:
                visit(names[required], [*path, (i, required)])
        state[i] = "done"
        order.append(i)

    for i in range(len(packs)):
        visit(i, [])
    return order


def install_many(ctx: Context, opened: Sequence[tuple[Pack, Verified]], *,
                 activate: Collection[str] = (), dry_run: bool = True,
                 sample_data: bool = False) -> dict[str, Any]:
    """Install (or plan) every pack of the batch, in dependency order, all or nothing."""
    if not opened or len(opened) > MAX_PACKS:
        raise Invalid([ErrorItem("/packs", "pack_batch_size", {"limit": MAX_PACKS})],
                      detail_code="pack_batch_size", limit=MAX_PACKS)
    packs = [p for p, _ in opened]
    suggested = {w for p in packs for w in p.manifest.raw.get("activate_workflows", [])}
    wrong = sorted(set(activate) - suggested)
    if wrong:
        raise Invalid([ErrorItem(f"/activate_workflows/{i}", "pack_activation_unknown",
                                 {"workflow": w}) for i, w in enumerate(wrong)],
                      detail_code="pack_activation_unknown", workflow=wrong[0])
    order = dependency_order(packs)
    work = isolated(ctx)
    savepoint = ctx.conn.begin_nested() if dry_run else None
    plans = []
    try:
        for i in order:
            pack, verified = opened[i]
            try:
                plan = install.plan_and_apply(work, pack, verified, activate=activate,
                                              dry_run=False)
                work = work.with_version(plan["metadata_version"])
                if sample_data:
                    plan["sample_data"] = sample.load(work, pack)
            except Problem as problem:
                problem.errors = [ErrorItem(where(i, e.path), e.code, e.params)
                                  for e in problem.errors]
                raise
            plans.append(plan)
    finally:
        if savepoint is not None and savepoint.is_active:
            savepoint.rollback()
    if dry_run:
        for plan in plans:
            plan.update(applied=False, metadata_version=ctx.tenant.meta_version)
    return {"order": [packs[i].name for i in order], "packs": plans,
            "applied": not dry_run,
            "metadata_version": ctx.tenant.meta_version if dry_run
            else work.tenant.meta_version}
