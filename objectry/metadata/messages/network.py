"""Messages of the network guards of functions' HTTP (issue 12), en and zh-CN."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

NETWORK_MESSAGES: Final = MappingProxyType({
    "http_address_refused": {
        "en": "The host resolves to an address functions may not reach: {reason}",
        "zh-CN": "该主机解析到的地址不允许函数访问。{reason}"},
})
