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
    "tenant_migrations_pending": {
        "en": "{count} tenant(s) still need tenant migrations up to {revision}, which "
              "`objectry serve` does not run: run `objectry db upgrade`, then start again.",
        "zh-CN": "仍有 {count} 个租户需要执行租户迁移(至 {revision}),`objectry serve` "
                 "不会执行它们:请先运行 `objectry db upgrade`,然后重新启动。"},
    "platform_admin_required": {
        "en": "Only the platform administrator (the platform token, see `objectry "
              "platform-token`) can create tenants.",
        "zh-CN": "只有平台管理员(持有平台令牌,见 `objectry platform-token`)可以创建租户。"},
    "tenant_provisioned": {
        "en": "tenant {slug} created (id {id}, metadata version {version})",
        "zh-CN": "租户 {slug} 已创建(id {id},元数据版本 {version})"},
    "tenant_migrations_done": {
        "en": "tenants: {migrated} of {pending} migrated to {revision}",
        "zh-CN": "租户:{pending} 个中已有 {migrated} 个迁移至 {revision}"},
})
