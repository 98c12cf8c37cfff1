"""Where the installation's secret key comes from.

``OBJECTRY_SECRET_KEY`` when set (required when several hosts serve one database: they
must share it). Otherwise the embedded default keeps a random key in
``$OBJECTRY_DATA_DIR/secret.key`` (created on first start, readable by its owner only),
so one machine needs no configuration and keeps its key across restarts.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from objectry.platform.config import Settings
from objectry.runtime.kernel.keys import Keys

KEY_FILE = "secret.key"


def installation_keys(settings: Settings) -> Keys:
    if settings.secret_key:
        return Keys(settings.secret_key.encode())
    return Keys(_key_file(settings.data_dir / KEY_FILE))


def _key_file(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:  # exclusive create: two processes starting at once keep the first one's key
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return bytes.fromhex(key)
