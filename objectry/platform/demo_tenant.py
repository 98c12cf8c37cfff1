"""The demo: a tenant with its administrator and packs from the shipped catalog.

``objectry serve`` creates it on the first start with ``core_crm`` and ``b2b_leads``
(those of them the catalog has) and their sample data, their suggested workflows
started, so a newcomer lands in a working CRM; later starts leave the tenant as its
users left it. ``objectry demo --all-packs`` installs the rest of the catalog. Each
pack installs in a transaction of its own (its missing requirements first): a long
install shows progress pack by pack, and a run stopped half way is simply run again
(installed packs are skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from objectry.metadata import store
from objectry.metadata.problems import NotFound
from objectry.packs import from_catalog, shipped
from objectry.packs import installed as registry
from objectry.platform import tenancy
from objectry.platform.services import Services
from objectry.runtime.access.people import actor_for
from objectry.runtime.kernel.context import Tenant

DEMO_ADMIN = "admin@example.com"
#: What the first start installs (a working marketing-to-sales CRM).
DEMO_PACKS = ("objectry.core_crm", "objectry.b2b_leads")


@dataclass(frozen=True)
class Done:
    """What happened to one pack: ``installed`` or ``skipped`` (already there)."""

    name: str
    version: str
    action: str
    objects: int = 0
    sample_rows: int = 0
    workflows_started: int = 0


def ensure_tenant(services: Services, slug: str, admin: str = DEMO_ADMIN) -> bool:
    """The tenant with its administrator; True when this call created it."""
    with services.connection() as conn:
        try:
            tenancy.find_tenant(conn, slug)
            return False
        except NotFound:
            tenant = tenancy.create_tenant(conn, slug, slug.capitalize(), now=services.clock())
            tenancy.create_user(conn, tenant, admin, name="Demo admin", now=services.clock())
            return True


def is_seeded(services: Services, slug: str) -> bool:
    """Whether the tenant has any object or pack (then a start never seeds again)."""
    with services.connection(read_only=True) as conn:
        tenant = tenancy.find_tenant(conn, slug)
        if store.documents(conn, tenant.id, "object"):
            return True
    with services.for_tenant(slug, read_only=True) as ctx:
        return bool(registry.installed_packs(ctx))


def available(names: Iterable[str], catalog: dict[str, shipped.Entry]) -> list[str]:
    return [n for n in names if shipped.full_name(n) in catalog]


def to_install(services: Services, slug: str, names: Sequence[str],
               catalog: dict[str, shipped.Entry]) -> tuple[list[shipped.Entry], list[str]]:
    """The packs still to install for ``names`` (requirements first), and those the
    tenant has already."""
    with services.for_tenant(slug, read_only=True) as ctx:
        return from_catalog.plan_names(ctx, list(names), catalog)


def install(services: Services, slug: str, entries: Sequence[shipped.Entry], *,
            admin: str = DEMO_ADMIN, sample_data: bool = True,
            each: Callable[[shipped.Entry], None] | None = None) -> list[Done]:
    """Install ``entries`` (in that order) one transaction each, as the tenant's
    administrator (the sample rows are theirs), sample data and suggested workflows
    on; ``each`` hears of a pack before it starts."""
    done: list[Done] = []
    for entry in entries:
        if each is not None:
            each(entry)
        with services.connection(read_only=True) as conn:
            tenant: Tenant = tenancy.find_tenant(conn, slug)
            actor = actor_for(conn, tenant.id, email=admin)
        with services.for_tenant(slug, actor=actor) as ctx:
            result = from_catalog.install(ctx, [entry.name], sample_data=sample_data,
                                          activate=from_catalog.SUGGESTED)
        done.extend(_summary(plan) for plan in result["packs"])
    return done


def _summary(plan: dict[str, Any]) -> Done:
    return Done(name=plan["pack"], version=plan["version"], action="installed",
                objects=sum(1 for d in plan["documents"] if d["kind"] == "object"),
                sample_rows=sum(plan.get("sample_data", {}).values()),
                workflows_started=sum(1 for w in plan["workflows"] if w["active"]))


def seed_first_start(services: Services, slug: str) -> bool:
    """The first start's demo: the tenant, its admin and ``DEMO_PACKS``; False (nothing
    done) when the tenant had been seeded before."""
    created = ensure_tenant(services, slug)
    if not created and is_seeded(services, slug):
        return False
    catalog = shipped.entries()
    entries, _ = to_install(services, slug, available(DEMO_PACKS, catalog), catalog) \
        if available(DEMO_PACKS, catalog) else ([], [])
    install(services, slug, entries)
    return True
