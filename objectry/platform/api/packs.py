"""``/api/v1/packs``: installed packs, install and upgrade plans, installs, upgrades,
uninstalls, purges, sample data and SOP documents.

A pack travels in the JSON body as a base64 ``.opack``; it must be signed by a key the
installation trusts (``objectry pack trust add``): the HTTP API never installs an
unsigned pack. The shipped catalog installs by name (``/packs/catalog/install``),
verified by its shipped signatures. Everything but reading SOPs, the catalog and the
list is for tenant administrators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.packs import (
    batch,
    from_catalog,
    installed,
    migrations,
    purge,
    sample,
    service,
    uninstall,
)
from objectry.platform.api.common import (
    choice_arg,
    json_body,
    json_response,
    require_admin,
    tenant_context,
)
from objectry.runtime.access.metadata_access import require_metadata_read

blueprint = Blueprint("packs", __name__, url_prefix="/api/v1/packs")

KIND = "pack"
BODY_MEMBERS = ("pack", "packs", "activate_workflows", "choices", "sample_data",
                "migrate_runs")


@dataclass(frozen=True)
class PackRequest:
    files: dict[str, bytes]
    activate: list[str]
    choices: dict[str, Any]
    sample_data: bool
    migrate_runs: str = "keep"
    many: list[dict[str, bytes]] | None = None  # ``packs``: several in one call


def pack_request() -> PackRequest:
    """The pack's files, the workflows the administrator confirms, the choices made for
    an upgrade's conflicts and whether to load the sample data."""
    body: Any = json_body()
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = sorted(set(body) - set(BODY_MEMBERS))
    if unknown:
        raise Invalid([ErrorItem(f"/{name}", "schema_unknown_property", {"property": name})
                       for name in unknown])
    activate = body.get("activate_workflows", [])
    if not isinstance(activate, list) or not all(isinstance(a, str) for a in activate):
        raise Invalid([ErrorItem("/activate_workflows", "invalid_parameter", {
            "name": "activate_workflows", "reason": "a list of workflow api_names"})])
    sample_data = body.get("sample_data", False)
    if not isinstance(sample_data, bool):
        raise Invalid([ErrorItem("/sample_data", "schema_type", {"expected": "boolean"})])
    runs = body.get("migrate_runs", "keep")
    if runs not in ("keep", "migrate"):
        raise Invalid([ErrorItem("/migrate_runs", "schema_enum",
                                 {"allowed": ["keep", "migrate"]})])
    many = body.get("packs")
    if many is not None:
        if "pack" in body or not isinstance(many, list) or not many:
            raise Invalid([ErrorItem("/packs", "pack_batch_body", {})],
                          detail_code="pack_batch_body")
        archives = [service.decode_archive(text, f"/packs/{i}") for i, text in enumerate(many)]
        return PackRequest({}, activate, service.parse_choices(body.get("choices")),
                           sample_data, runs, archives)
    return PackRequest(service.decode_archive(body.get("pack")), activate,
                       service.parse_choices(body.get("choices")), sample_data, runs)


CATALOG_MEMBERS = ("names", "sample_data", "activate_workflows", "dry_run")


@dataclass(frozen=True)
class CatalogRequest:
    names: list[str]
    sample_data: bool
    activate: list[str]
    dry_run: bool


def catalog_request() -> CatalogRequest:
    """``{"names": [...], "sample_data": bool, "activate_workflows": [...],
    "dry_run": bool}``; every refusal points at its member."""
    body: Any = json_body()
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = [ErrorItem(f"/{name}", "schema_unknown_property", {"property": name})
              for name in sorted(set(body) - set(CATALOG_MEMBERS))]
    names = body.get("names")
    if not isinstance(names, list) or not names or len(names) > batch.MAX_PACKS or not all(
            isinstance(n, str) and n for n in names):
        errors.append(ErrorItem("/names", "pack_names_required", {}))
    activate = body.get("activate_workflows", [])
    if not isinstance(activate, list) or not all(isinstance(a, str) for a in activate):
        errors.append(ErrorItem("/activate_workflows", "invalid_parameter", {
            "name": "activate_workflows", "reason": "a list of workflow api_names"}))
    for flag in ("sample_data", "dry_run"):
        if not isinstance(body.get(flag, False), bool):
            errors.append(ErrorItem(f"/{flag}", "schema_type", {"expected": "boolean"}))
    if errors:
        raise Invalid(errors)
    return CatalogRequest([str(n) for n in names or []], bool(body.get("sample_data", False)),
                          list(activate),
                          bool(body.get("dry_run", False)))


def named_body() -> tuple[str, Any]:
    """``{"name": ...}`` (and, for a purge, ``confirm``)."""
    body: Any = json_body()
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        raise Invalid([ErrorItem("/name", "pack_name_required")])
    return name, body.get("confirm")


@blueprint.get("")
def list_packs() -> Response:
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, KIND)
        items = installed.list_packs(ctx)
    return json_response({"items": items})


@blueprint.get("/catalog")
def catalog() -> Response:
    """The packs shipped with the platform, in the caller's language, with the version
    the tenant has installed."""
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, KIND)
        items = from_catalog.offered(ctx)
    return json_response({"items": items})


@blueprint.post("/catalog/install")
def catalog_install() -> Response:
    """Install catalog packs by name, their missing requirements first, verified by the
    shipped signatures, all in one transaction (or, with ``dry_run``, the plans)."""
    ask = catalog_request()
    with tenant_context() as ctx:
        require_admin(ctx)
        result = from_catalog.install(ctx, ask.names, sample_data=ask.sample_data,
                                      activate=ask.activate, dry_run=ask.dry_run)
    return json_response(result)


@blueprint.post("/plan")
def plan_install() -> Response:
    """What installing (or, when installed, upgrading to) the pack would change;
    nothing is applied."""
    ask = pack_request()
    with tenant_context() as ctx:
        require_admin(ctx)
        if ask.many is not None:
            result = service.plan_many(ctx, ask.many, activate=ask.activate,
                                       sample_data=ask.sample_data)
        elif service.is_upgrade(ctx, ask.files):
            result = service.plan_upgrade(ctx, ask.files, activate=ask.activate,
                                          choices=ask.choices, migrate_runs=ask.migrate_runs)
        else:
            result = service.plan(ctx, ask.files, activate=ask.activate, dry_run=True,
                                  sample_data=ask.sample_data)
    return json_response(result)


@blueprint.post("/install")
def install() -> Response:
    """Install the pack in one transaction (one metadata version); answers the plan."""
    ask = pack_request()
    with tenant_context() as ctx:
        require_admin(ctx)
        if ask.many is not None:
            result = service.plan_many(ctx, ask.many, activate=ask.activate, dry_run=False,
                                       sample_data=ask.sample_data)
        else:
            result = service.plan(ctx, ask.files, activate=ask.activate, dry_run=False,
                                  sample_data=ask.sample_data)
    return json_response(result)


@blueprint.post("/upgrade")
def upgrade() -> Response:
    """Upgrade to the pack's version: the merged plan applied in one transaction,
    refused (409) while a conflict has no choice."""
    ask = pack_request()
    if ask.many is not None:
        raise Invalid([ErrorItem("/packs", "pack_batch_install_only", {})],
                      detail_code="pack_batch_install_only")
    with tenant_context() as ctx:
        require_admin(ctx)
        result = service.plan_upgrade(ctx, ask.files, activate=ask.activate,
                                      choices=ask.choices, dry_run=False,
                                      migrate_runs=ask.migrate_runs)
    return json_response(result)


@blueprint.post("/uninstall")
def uninstall_pack() -> Response:
    """Detach a pack: its definitions hidden (one metadata version), data kept."""
    name, _ = named_body()
    with tenant_context() as ctx:
        require_admin(ctx)
        result = uninstall.uninstall(ctx, name)
    return json_response(result)


@blueprint.post("/purge")
def purge_pack() -> Response:
    """Rows per object that would go; with ``confirm`` = the pack's name, gone."""
    name, confirm = named_body()
    with tenant_context() as ctx:
        require_admin(ctx)
        result = purge.purge(ctx, name, confirm if isinstance(confirm, str) else None)
    return json_response(result)


@blueprint.delete("/<name>/sample_data")
def remove_sample_data(name: str) -> Response:
    """Remove every sample row the pack created, as a unit."""
    with tenant_context() as ctx:
        require_admin(ctx)
        result = sample.remove(ctx, name)
    return json_response(result)


@blueprint.get("/<name>/sop")
def sop(name: str) -> Response:
    """The pack's SOP documents (Markdown) for anyone of the tenant."""
    language = choice_arg("language", ("en", "zh-CN"))
    with tenant_context(read_only=True) as ctx:
        result = installed.sop(ctx, name, language)
    return json_response(result)


@blueprint.get("/<name>/migrations")
def migration_history(name: str) -> Response:
    """The data migrations the tenant ran for the pack (each once, oldest first)."""
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, KIND)
        items = migrations.history(ctx, name)
    return json_response({"items": items})
