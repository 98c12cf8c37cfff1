"""Messages of the secret store and of reading metadata (the customize right), en and
zh-CN."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

SECRET_MESSAGES: Final = MappingProxyType({
    "customize_required": {
        "en": "Reading {kind} needs the customize right (or a tenant administrator).",
        "zh-CN": "读取{kind}需要“定制”权限(或租户管理员)。"},
    "secret_bad_name": {
        "en": "'{name}' is not a secret name: lower-case letters, digits and '_', "
              "starting with a letter, at most 63 characters.",
        "zh-CN": "“{name}”不是有效的密钥名称:只能包含小写字母、数字和“_”,以字母开头,"
                 "最多 63 个字符。"},
    "secret_value_required": {
        "en": "Send the secret as {{\"value\": \"...\"}}: a non-empty string of at most "
              "{max} characters.",
        "zh-CN": "请以 {{\"value\": \"...\"}} 发送密钥:非空字符串,最多 {max} 个字符。"},
    "unknown_secret": {"en": "There is no secret '{name}'.",
                       "zh-CN": "不存在密钥“{name}”。"},
    "secret_unknown": {
        "en": "The step refers to the secret '{name}', which is not in the tenant's "
              "secret store.",
        "zh-CN": "该步骤引用的密钥“{name}”不在租户的密钥库中。"},
    "signing_secret_literal": {
        "en": "A webhook's signing secret must be a reference to the secret store, such as "
              "{{{{secret.crm_signing}}}}: store the key with PUT /secrets/{{name}} first.",
        "zh-CN": "Webhook 的签名密钥必须引用密钥库,例如 {{{{secret.crm_signing}}}}:"
                 "请先用 PUT /secrets/{{name}} 保存密钥。"},
    "http_secret_unknown": {
        "en": "The request refers to the secret '{reason}', which is not in the tenant's "
              "secret store.",
        "zh-CN": "该请求引用的密钥“{reason}”不在租户的密钥库中。"},
})
