"""The installation's secret key, and one key derived from it per purpose.

Cursors are signed and tenant secrets encrypted with keys derived here, so one
configured secret (``OBJECTRY_SECRET_KEY``) serves every purpose without any two
purposes sharing a key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Keys:
    secret: bytes = field(repr=False)

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for ``purpose`` (e.g. ``"cursor"``), stable for the same secret."""
        return hmac.new(self.secret, b"objectry:" + purpose.encode(), hashlib.sha256).digest()
