"""Function documents: validation on save (schema, references, RestrictedPython compile)
and the typed definitions the runtime reads.

A function is metadata (kind ``function``), so it is versioned, diffed and rolled back
like any other document. The tenant's HTTP allowlist is the ``function_settings``
document ``default``: it travels with the metadata history (who widened it, when) and
a rollback restores it together with the functions that rely on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.metadata.validation.objects import schema_errors
from objectry.runtime.access.people import actor_for
from objectry.runtime.kernel.context import Context
from objectry.sandbox import Limits, compile_source

PURPOSES = ("validation", "action", "scoring", "workflow_step", "scheduled", "button")
#: Purposes that act on records of one object, so ``object`` is required.
NEEDS_OBJECT = frozenset({"validation", "action", "button", "scoring"})
RUN_AS_KEYWORDS = ("caller", "system")
SETTINGS_NAME = "default"
DEFAULT_TIMEOUT_MS = 5000
DEFAULT_HTTP_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class FunctionDef:
    """One stored function at the version its document was last changed."""

    api_name: str
    purpose: str
    object: str | None
    run_as: str
    timeout_ms: int
    code: str
    version: int
    limit_overrides: Mapping[str, int] = field(default_factory=dict)

    def limits(self) -> Limits:
        """The call budget: the document's overrides, the wall time from ``timeout_ms``."""
        cpu = min(self.limit_overrides.get("cpu_ms", Limits.cpu_ms), self.timeout_ms)
        return Limits.from_dict({**self.limit_overrides, "cpu_ms": cpu,
                                 "wall_ms": self.timeout_ms})

    @classmethod
    def from_document(cls, document: Mapping[str, Any], version: int) -> FunctionDef:
        return cls(api_name=document["api_name"], purpose=document["purpose"],
                   object=document.get("object"), run_as=document.get("run_as", "caller"),
                   timeout_ms=int(document.get("timeout_ms", DEFAULT_TIMEOUT_MS)),
                   code=document["code"], version=version,
                   limit_overrides=dict(document.get("limits") or {}))


@dataclass(frozen=True)
class FunctionSettings:
    """The tenant's function settings (``function_settings/default``)."""

    http_allowlist: tuple[str, ...] = ()
    http_timeout_ms: int = DEFAULT_HTTP_TIMEOUT_MS

    @classmethod
    def from_document(cls, document: Mapping[str, Any] | None) -> FunctionSettings:
        if not document:
            return cls()
        return cls(tuple(h.lower() for h in document.get("http_allowlist", ())),
                   int(document.get("http_timeout_ms", DEFAULT_HTTP_TIMEOUT_MS)))


def validate_function(document: Any, objects: Mapping[str, Any],
                      user_exists: Any) -> list[ErrorItem]:
    """Every problem with a function document, compile errors at ``/code`` with line/column.

    ``user_exists(email)`` tells whether a named ``run_as`` user is an active user.
    """
    errors = schema_errors("function", document)
    if errors:
        return errors
    purpose, target = document["purpose"], document.get("object")
    if target is None and purpose in NEEDS_OBJECT:
        errors.append(ErrorItem("/object", "function_object_required", {"purpose": purpose}))
    elif target is not None and target not in objects:
        errors.append(ErrorItem("/object", "unknown_object", {"object": target}))
    run_as = document.get("run_as", "caller")
    if run_as not in RUN_AS_KEYWORDS and not user_exists(run_as):
        errors.append(ErrorItem("/run_as", "function_run_as_unknown", {"user": run_as}))
    try:
        compile_source(document["code"])
    except Invalid as exc:
        errors += exc.errors
    return errors


def validate_settings(document: Any) -> list[ErrorItem]:
    return schema_errors("function_settings", document)


def validate(ctx: Context, kind: str, document: Any,
             objects: Mapping[str, Any]) -> list[ErrorItem]:
    """The metadata service's check of a ``function`` or ``function_settings`` document."""
    if kind == "function_settings":
        return validate_settings(document)
    return validate_function(document, objects, lambda email: actor_for(
        ctx.conn, ctx.tenant.id, email=email) is not None)
