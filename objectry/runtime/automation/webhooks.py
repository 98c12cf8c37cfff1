"""The ``call_webhook`` step: a signed POST to a tenant's endpoint.

Receivers verify ``X-Objectry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">`` with the tenant's signing secret (an admin reads or rotates it through
the API; it never sits in metadata). ``X-Objectry-Delivery`` names the run and step, so
a receiver can drop the repeat of a delivery whose answer was lost. Anything but a 2xx
answer fails the step: its ``on_failure`` retries with backoff (3 times by default).

The resolved address is checked and the connection pinned to it by
``kernel/network.py`` (private and loopback ranges only if the platform allows them;
link-local, CGNAT, metadata and other special ranges never). Redirects are not
followed: a 3xx answer is not a 2xx answer, so it fails the step like any other.

``{{secret.name}}`` in the URL or a header is filled in from the tenant's secret store
only as the request leaves; run steps and dry runs keep the placeholder.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from objectry.runtime.automation.errors import StepError
from objectry.runtime.automation.run_tables import tenant_secrets
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.network import (
    AddressRefused,
    NetworkPolicy,
    Resolver,
    system_resolver,
)
from objectry.runtime.secrets.placeholders import fill, fill_headers
from objectry.runtime.secrets.store import SEALED, UnknownSecret, seal, unseal

SIGNING_SECRET = "webhook_signing"
DEFAULT_RETRY = {"retry": 3, "backoff_seconds": 30}
MAX_RESPONSE_BYTES = 4096


@dataclass(frozen=True)
class WebhookClient:
    #: Whether private and loopback addresses may be called (a platform setting,
    #: passed in).
    allow_private: bool
    timeout_s: float = 10.0
    resolver: Resolver = field(default=system_resolver)

    def post(self, ctx: Context, url: str, payload: Any, delivery: str,
             headers: Mapping[str, str] | None = None,
             signing: str | None = None) -> dict[str, Any]:
        """Send ``payload`` as signed JSON; the answer's status and the start of its body.

        ``{{secret.name}}`` in ``url`` and ``headers`` is filled in for this request only;
        every error names the URL as written, so no value reaches a run step. ``signing``
        (a ``{{secret.name}}`` reference, the step's ``signing_secret``) signs instead of
        the tenant's webhook signing secret.
        """
        try:
            sent_url = fill(ctx, url)
            extra = fill_headers(ctx, headers or {})
            key = fill(ctx, signing) if signing else signing_secret(ctx)
        except UnknownSecret as exc:
            raise StepError("secret_unknown", name=exc.name) from None
        try:
            parts = urllib.parse.urlsplit(sent_url)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            _ = parts.port  # a bad port raises ValueError
        except ValueError:
            valid = False
        if not valid:
            raise StepError("webhook_bad_url", url=url[:200])
        body = json.dumps(payload, ensure_ascii=False, default=str).encode()
        stamp = str(int(ctx.now().timestamp()))
        signature = hmac.new(key.encode(), stamp.encode() + b"." + body,
                             hashlib.sha256).hexdigest()
        sent_headers = {**extra, "Content-Type": "application/json",
                        "User-Agent": "Objectry-Webhook/1",
                        "X-Objectry-Signature": f"t={stamp},v1={signature}",
                        "X-Objectry-Delivery": delivery}
        policy = NetworkPolicy(self.allow_private, self.resolver)
        try:
            status, _, answer = policy.request("POST", sent_url, body=body,
                                               headers=sent_headers,
                                               timeout_s=self.timeout_s,
                                               max_bytes=MAX_RESPONSE_BYTES)
        except AddressRefused as exc:
            raise StepError("webhook_private_address", url=url[:200]) from exc
        except (OSError, ValueError) as exc:
            raise StepError("webhook_unreachable", url=url[:200],
                            reason=str(exc).replace(sent_url, url)[:200]) from exc
        if not 200 <= status < 300:
            raise StepError("webhook_refused", status=status, url=url[:200])
        return {"status": status, "body": answer.decode(errors="replace")}


def signing_secret(ctx: Context, *, rotate: bool = False) -> str:
    """The tenant's webhook signing secret, created on first use (or replaced).

    It is kept encrypted with the installation key, as the secret store keeps values; one
    kept in clear by an older version is read and sealed on first use. One this
    installation key cannot decrypt (the key was changed) is replaced, as by a rotation:
    receivers must take the new one from ``GET /automation/webhook_secret``.
    """
    table = tenant_secrets
    where = (table.c.tenant_id == ctx.tenant.id, table.c.name == SIGNING_SECRET)
    current = ctx.conn.execute(sa.select(table.c.value).where(*where)).scalar()
    clear = None if current is None else unseal(ctx, str(current))
    if clear is not None and not rotate:
        if not str(current).startswith(SEALED):
            ctx.conn.execute(sa.update(table).where(*where).values(value=seal(ctx, clear)))
        return clear
    value = "whsec_" + secrets.token_urlsafe(32)
    if current is None:
        ctx.conn.execute(table.insert(), {"tenant_id": ctx.tenant.id, "name": SIGNING_SECRET,
                                          "value": seal(ctx, value), "created_at": ctx.now()})
    else:
        ctx.conn.execute(sa.update(table).where(*where).values(value=seal(ctx, value),
                                                                created_at=ctx.now()))
    return value
