"""The ``call_webhook`` step: a signed POST to a tenant's endpoint.

Receivers verify ``X-Objectry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">`` with the tenant's signing secret (an admin reads or rotates it through
the API; it never sits in metadata). ``X-Objectry-Delivery`` names the run and step, so
a receiver can drop the repeat of a delivery whose answer was lost. Anything but a 2xx
answer fails the step: its ``on_failure`` retries with backoff (3 times by default).

Addresses in private, loopback and link-local ranges are refused unless the platform
allows them (a tenant must not reach the platform's own network through a webhook).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.runtime.automation.errors import StepError
from objectry.runtime.automation.run_tables import tenant_secrets
from objectry.runtime.kernel.context import Context

SIGNING_SECRET = "webhook_signing"
DEFAULT_RETRY = {"retry": 3, "backoff_seconds": 30}
MAX_RESPONSE_BYTES = 4096


@dataclass(frozen=True)
class WebhookClient:
    #: Whether private, loopback and link-local addresses may be called (a platform
    #: setting, passed in).
    allow_private: bool
    timeout_s: float = 10.0

    def post(self, ctx: Context, url: str, payload: Any, delivery: str) -> dict[str, Any]:
        """Send ``payload`` as signed JSON; the answer's status and the start of its body."""
        self._check_address(url)
        body = json.dumps(payload, ensure_ascii=False, default=str).encode()
        stamp = str(int(ctx.now().timestamp()))
        signature = hmac.new(signing_secret(ctx).encode(), stamp.encode() + b"." + body,
                             hashlib.sha256).hexdigest()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "Objectry-Webhook/1",
            "X-Objectry-Signature": f"t={stamp},v1={signature}",
            "X-Objectry-Delivery": delivery})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                text = answer.read(MAX_RESPONSE_BYTES).decode(errors="replace")
                return {"status": answer.status, "body": text}
        except urllib.error.HTTPError as exc:
            raise StepError("webhook_refused", status=exc.code, url=url[:200]) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise StepError("webhook_unreachable", url=url[:200],
                            reason=str(getattr(exc, "reason", exc))[:200]) from exc

    def _check_address(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StepError("webhook_bad_url", url=url[:200])
        if self.allow_private:
            return
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443)
        except OSError as exc:
            raise StepError("webhook_unreachable", url=url[:200], reason=str(exc)[:200]) from exc
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if address.is_private or address.is_loopback or address.is_link_local \
                    or address.is_reserved or address.is_multicast:
                raise StepError("webhook_private_address", url=url[:200])


def signing_secret(ctx: Context, *, rotate: bool = False) -> str:
    """The tenant's webhook signing secret, created on first use (or replaced)."""
    table = tenant_secrets
    where = (table.c.tenant_id == ctx.tenant.id, table.c.name == SIGNING_SECRET)
    current = ctx.conn.execute(sa.select(table.c.value).where(*where)).scalar()
    if current is not None and not rotate:
        return str(current)
    value = "whsec_" + secrets.token_urlsafe(32)
    if current is None:
        ctx.conn.execute(table.insert(), {"tenant_id": ctx.tenant.id, "name": SIGNING_SECRET,
                                          "value": value, "created_at": ctx.now()})
    else:
        ctx.conn.execute(sa.update(table).where(*where).values(value=value,
                                                                created_at=ctx.now()))
    return value
