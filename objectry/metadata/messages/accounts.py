"""Messages of users, tokens and ``objectry serve`` (issue 12), en and zh-CN."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

ACCOUNT_MESSAGES: Final = MappingProxyType({
    "last_admin": {
        "en": "'{email}' is the tenant's last active administrator; make another user an "
              "administrator first.",
        "zh-CN": "“{email}”是租户最后一位有效的管理员;请先将其他用户设为管理员。"},
    "unknown_token": {"en": "There is no token {id} you may revoke.",
                      "zh-CN": "不存在您可以吊销的令牌 {id}。"},
    "invalid_expiry": {
        "en": "An expiry is a number of days, hours or minutes such as 30d, 12h or 90m "
              "(at most {max_days} days), not '{value}'.",
        "zh-CN": "有效期应为天数、小时数或分钟数,例如 30d、12h 或 90m(最多 {max_days} 天),"
                 "而不是“{value}”。"},
    "port_in_use": {
        "en": "Cannot listen on {host}:{port}: {reason}. Stop what uses it or pick "
              "another port with --port.",
        "zh-CN": "无法监听 {host}:{port}:{reason}。请停止占用它的程序,或用 --port 换一个端口。"},
})
