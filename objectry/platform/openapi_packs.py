"""OpenAPI paths and schemas of industry packs (``/api/v1/packs``).

Packs travel as a base64 ``.opack`` in a JSON body and must be signed by a key the
installation trusts; plans and installs are for tenant administrators.
"""

from __future__ import annotations

from typing import Any

from objectry.platform import openapi_common as common
from objectry.platform.openapi_common import API, Paths, answer, obj, ref


def operation(summary: str, responses: dict[str, Any], **options: Any) -> dict[str, Any]:
    """An operation of the ``packs`` tag."""
    return common.operation(summary, "packs", responses, **options)


def pack_schemas() -> dict[str, Any]:
    text = {"type": "string"}
    languages = obj({"en": text, "zh-CN": text})
    step = {"type": "object", "description": "action, field and its data impact"}
    return {
        "PackInstallRequest": obj({
            "pack": {"type": "string", "contentEncoding": "base64", "minLength": 1,
                     "description": "the .opack file, base64; signed by a trusted key"},
            "activate_workflows": {"type": "array", "items": text,
                                   "description": "workflows the pack suggests that the "
                                                  "administrator confirms (the others "
                                                  "install inactive)"},
            "sample_data": {"type": "boolean", "default": False,
                            "description": "install: also create the pack's sample rows "
                                           "(marked; DELETE /packs/{name}/sample_data "
                                           "removes them as a unit)"},
            "choices": {"type": "object", "description":
                        "an upgrade's conflict choices: component id -> property path -> "
                        "\"mine\", \"pack\" or {\"value\": edited}",
                        "additionalProperties": {"type": "object", "additionalProperties": {
                            "oneOf": [{"enum": ["mine", "pack"]},
                                      obj({"value": {}}, ["value"], closed=True)]}}},
            "migrate_runs": {"enum": ["keep", "migrate"], "default": "keep",
                             "description": "an upgrade's runs in flight of changed "
                                            "workflows: keep the version they started "
                                            "with, or move them to the new one (as "
                                            "POST /workflows/{name}/migrate_runs)"}},
            ["pack"], closed=True),
        "PackPlan": obj({
            "pack": text, "version": text, "action": {"enum": ["install", "upgrade"]},
            "reinstall_of": {"type": ["string", "null"]},
            "from_version": {"type": "string", "description": "upgrade: the version now"},
            "conflicts": {"type": "array", "items": obj({
                "component": text, "file": text, "kind": text, "api_name": text,
                "path": {"type": "string", "description": "the property, e.g. "
                         "/fields/status/options/won/label/en"},
                "base": {}, "mine": {}, "pack": {},
                "choices": {"type": "array", "items": {"enum": ["mine", "pack", "edit"]}}})},
            "signed_by": {"type": ["string", "null"], "description": "the key id"},
            "dependencies": {"type": "array", "items": obj({
                "pack": text, "range": text, "installed": {"type": ["string", "null"]},
                "satisfied": {"type": "boolean"}})},
            "documents": {"type": "array", "items": obj({
                "component": text, "file": text, "kind": text, "api_name": text,
                "action": {"enum": ["create", "change", "unchanged", "detach", "reattach",
                                    "restore"]},
                "from_pack": {"type": "array", "items": text},
                "kept_mine": {"type": "array", "items": text}})},
            "objects": {"type": "array", "items": obj({
                "object": text, "steps": {"type": "array", "items": step}})},
            "roles": {"type": "array", "items": obj({
                "api_name": text, "label": languages, "actions": {"type": "array"},
                "grants": {"type": "object"}})},
            "workflows": {"type": "array", "items": obj({
                "api_name": text, "object": {"type": ["string", "null"]},
                "trigger": {}, "suggested_active": {"type": "boolean"},
                "active": {"type": "boolean"},
                "runs_in_flight": {"type": "integer", "description": "upgrade: live runs "
                                                                     "of the changed workflow"},
                "runs": {"enum": ["keep", "migrate"]},
                "moved": {"type": "integer"},
                "skipped": {"type": "array", "items": {"type": "object"},
                            "description": "runs left where they are, with the reason"}},
                description="install: each workflow and whether it will act; upgrade: "
                            "each changed workflow and its runs in flight")},
            "renames": {"type": "array", "items": obj({
                "kind": {"type": "string", "description": "a document kind, or field"},
                "object": {"type": ["string", "null"], "description": "a field's object"},
                "from": text, "to": text}),
                "description": "upgrade: components (same id) and fields (same field id) "
                               "renamed, data and tenant changes kept"},
            "migrations": {"type": "array", "items": obj({
                "version": text, "phase": {"enum": ["before_schema", "after_schema",
                                                    "after_data"]},
                "function": text, "logs": {"type": "array", "items": text},
                "result": {}}),
                "description": "upgrade: the data migrations to run (plan) or run, in "
                               "order"},
            "applied": {"type": "boolean"}, "metadata_version": {"type": "integer"},
            "sample_data": {"type": "object", "additionalProperties": {"type": "integer"},
                            "description": "rows per object (created, or to create)"}},
            ["pack", "version", "documents", "objects", "applied", "metadata_version"]),
        "DocumentLayers": obj({
            "document": {"type": "object"}, "origin": {"type": "object"},
            "layers": {"type": "object", "additionalProperties": {"enum": ["pack", "tenant"]},
                       "description": "property path -> the layer its value comes from"},
            "removed_by_tenant": {"type": "array", "items": text}},
            ["document", "origin", "layers", "removed_by_tenant"]),
        "PackUninstalled": obj({
            "pack": text, "version": text, "state": {"enum": ["uninstalled"]},
            "hidden": {"type": "array", "items": obj({"kind": text, "api_name": text})},
            "tables_kept": {"type": "array", "items": text},
            "workflows_stopped": {"type": "array", "items": text},
            "metadata_version": {"type": "integer"}},
            ["pack", "version", "state", "hidden", "tables_kept", "metadata_version"]),
        "PackSummary": obj({
            "name": text, "version": text,
            "state": {"enum": ["installed", "uninstalled"]},
            "signed_by": {"type": ["string", "null"]}, "label": languages,
            "requires": {"type": "object", "additionalProperties": text},
            "installed_at": {"type": "string", "format": "date-time"},
            "installed_by": text, "metadata_version": {"type": "integer"}},
            ["name", "version", "state"]),
        "CatalogPack": obj({
            "name": text, "version": text,
            "label": {"type": "string", "description": "in the caller's language"},
            "description": {"type": "string", "description": "in the caller's language"},
            "requires": {"type": "object", "additionalProperties": text},
            "sop": {"type": "array", "items": obj({
                "id": text, "title": {"type": "string",
                                      "description": "in the caller's language"}},
                ["id", "title"])},
            "suggested_workflows": {"type": "array", "items": text,
                                    "description": "what activate_workflows may confirm"},
            "installed": {"type": ["string", "null"],
                          "description": "the version the tenant has, if any"},
            "state": {"type": ["string", "null"], "enum": ["installed", "uninstalled", None]}},
            ["name", "version", "label", "description", "requires", "sop", "installed"]),
        "CatalogInstallRequest": obj({
            "names": {"type": "array", "minItems": 1, "maxItems": 20,
                      "items": {"type": "string", "minLength": 1},
                      "description": "catalog packs (objectry.core_crm); the packs they "
                                     "require and the tenant lacks are installed first"},
            "sample_data": {"type": "boolean", "default": False,
                            "description": "also create each installed pack's sample rows"},
            "activate_workflows": {"type": "array", "items": text,
                                   "description": "suggested workflows the administrator "
                                                  "confirms (the others install inactive)"},
            "dry_run": {"type": "boolean", "default": False,
                        "description": "answer the plans; change nothing"}},
            ["names"], closed=True),
        "CatalogInstalled": obj({
            "requested": {"type": "array", "items": text},
            "skipped": {"type": "array", "items": text,
                        "description": "requested packs the tenant has at the catalog's "
                                       "version (nothing done for them)"},
            "order": {"type": "array", "items": text,
                      "description": "the packs installed, requirements first"},
            "packs": {"type": "array", "items": ref("PackPlan")},
            "applied": {"type": "boolean"}, "metadata_version": {"type": "integer"}},
            ["requested", "skipped", "order", "packs", "applied", "metadata_version"]),
        "PackSop": obj({
            "pack": text, "version": text,
            "items": {"type": "array", "items": obj({
                "id": text, "title": languages, "objects": {"type": "array", "items": text},
                "en": {"type": "string", "description": "Markdown"},
                "zh-CN": {"type": "string", "description": "Markdown"}},
                ["id", "title", "objects"])}},
            ["pack", "version", "items"]),
    }


def pack_paths() -> Paths:
    text = {"type": "string"}
    refusals = {"403": "not an administrator; or the pack is unsigned (pack_unsigned) or "
                       "signed by a key the installation does not trust "
                       "(pack_untrusted_key)",
                "409": "a dependency missing or out of range (pack.json#/requires/<name>), "
                       "the version already installed or older, a definition the tenant or "
                       "another pack owns",
                "413": "the archive is over the size limits",
                "422": "a broken archive (zip slip, zip bomb), an invalid manifest or "
                       "definition (pointers into the pack's files: "
                       "objects/lead.json#/fields/3), a tampered file"}
    install = ref("PackInstallRequest")
    return {
        f"{API}/packs": {"get": operation(
            "The packs installed on the tenant", {"200": answer(
                "name, version, state, signer", obj({"items": {
                    "type": "array", "items": ref("PackSummary")}}, ["items"]))},
            description="Needs the customize right (or a tenant administrator).",
            fails={"403": "customize_required"})},
        f"{API}/packs/catalog": {"get": operation(
            "The pack catalog shipped with the platform", {"200": answer(
                "each pack with its label, description and SOP titles in the caller's "
                "language, its requirements and the version the tenant has installed",
                obj({"items": {"type": "array", "items": ref("CatalogPack")}}, ["items"]))},
            description="Needs the customize right (or a tenant administrator).",
            fails={"403": "customize_required"})},
        f"{API}/packs/catalog/install": {"post": operation(
            "Install catalog packs by name", {"200": answer(
                "installed in dependency order in one transaction (all or nothing), each "
                "pack as one metadata version, verified by its shipped signature; packs "
                "already installed are skipped", ref("CatalogInstalled"))},
            body=ref("CatalogInstallRequest"), admin=True,
            fails={"403": "not an administrator; a catalog pack whose signature is not "
                          "the project's (pack_untrusted_key)",
                   "409": "a requirement installed at a version out of range, an older "
                          "version installed (upgrade it), a definition the tenant or "
                          "another pack owns",
                   "422": "an unknown pack name (pack_not_in_catalog at /names/<i>), no "
                          "names, a workflow the packs do not suggest, a tampered catalog "
                          "file, sample data that does not fit (file#/row/column)"})},
        f"{API}/packs/plan": {"post": operation(
            "Plan installing a pack (nothing changes)", {"200": answer(
                "the plan: dependencies, definitions, schema steps with data impact, "
                "roles and their rights, workflows and whether they will act",
                ref("PackPlan"))},
            body=install, admin=True, fails=refusals)},
        f"{API}/packs/install": {"post": operation(
            "Install a pack", {"200": answer(
                "installed in one transaction as one metadata version; each definition "
                "records its origin (pack, version, component id)", ref("PackPlan"))},
            body=install, admin=True, fails=refusals,
            description="Workflows install inactive unless the pack suggests them and "
                        "activate_workflows confirms them.")},
        f"{API}/packs/upgrade": {"post": operation(
            "Upgrade an installed pack", {"200": answer(
                "applied in one transaction: every property only the pack changed is the "
                "pack's new value, every property only the tenant changed stays the "
                "tenant's, each conflict as chosen", ref("PackPlan"))},
            body=install, admin=True,
            fails={**refusals, "404": "the pack is not installed",
                   "409": "a conflict without a choice (pack_conflicts_unresolved), the "
                          "same or an older version (pack_downgrade), a dependency, a "
                          "rename onto a taken name (rename_target_taken), a failed data "
                          "migration (pack_migration_failed: nothing upgraded)",
                   "422": refusals["422"] + "; an unknown migrate_runs"},
            description="POST /packs/plan with the same body shows the plan and its "
                        "conflicts. Downgrades are refused; a workflow's active stays "
                        "the tenant's.")},
        f"{API}/packs/uninstall": {"post": operation(
            "Uninstall a pack (definitions hidden, data kept)", {"200": answer(
                "hidden as one metadata version; tables and rows kept; installing the "
                "same version again restores the definitions as they were",
                ref("PackUninstalled"))},
            body=obj({"name": {"type": "string", "minLength": 1}}, ["name"]), admin=True,
            fails={"404": "the pack is not installed",
                   "409": "another installed pack requires it (pack_required_by), users "
                          "hold its roles, the tenant's definitions refer to its objects",
                   "422": "no name"})},
        f"{API}/packs/purge": {"post": operation(
            "Purge an uninstalled pack's data", {"200": answer(
                "rows per object; purged only when confirm is the pack's name",
                obj({"pack": text, "version": text, "purged": {"type": "boolean"},
                     "rows": {"type": "object", "additionalProperties": {"type": "integer"}},
                     "export_first": text}, ["pack", "rows", "purged"]))},
            body=obj({"name": {"type": "string", "minLength": 1},
                      "confirm": {"type": "string", "description": "type the pack's name"}},
                     ["name"]), admin=True,
            fails={"404": "the pack is not known", "409": "still installed",
                   "422": "no name"})},
        f"{API}/packs/{{name}}/sample_data": {"delete": operation(
            "Remove a pack's sample data", {"200": answer(
                "sample rows deleted (to the recycle bin) as a unit",
                obj({"pack": text, "removed": {"type": "object", "additionalProperties": {
                    "type": "integer"}}, "already_gone": {"type": "integer"}},
                    ["pack", "removed", "already_gone"]))}, admin=True)},
        f"{API}/packs/{{name}}/migrations": {"get": operation(
            "The data migrations the tenant ran for a pack", {"200": answer(
                "each once, oldest first, with the upgrade it ran in", obj({"items": {
                    "type": "array", "items": obj({
                        "version": text, "phase": text, "function": text,
                        "upgrade_from": text, "upgrade_to": text,
                        "ran_at": {"type": "string", "format": "date-time"},
                        "ran_by": text})}}, ["items"]))},
            description="Needs the customize right (or a tenant administrator).",
            fails={"403": "customize_required"})},
        f"{API}/packs/{{name}}/sop": {"get": operation(
            "A pack's SOP documents", {"200": answer("Markdown per language",
                                                     ref("PackSop"))},
            parameters=[{"name": "language", "in": "query", "required": False,
                         "description": "one language only",
                         "schema": {"enum": ["en", "zh-CN"]}}],
            fails={"404": "the pack is not installed", "422": "unknown language"})},
    }
