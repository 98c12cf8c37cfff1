"""Messages of the channels (send_message steps, the messages list), in English and
Chinese."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

CHANNEL_MESSAGES: Final = MappingProxyType({
    "unknown_channel": {"en": "'{channel}' is not a channel (known: {known}).",
                        "zh-CN": "“{channel}”不是可用的渠道(可用:{known})。"},
    "template_language_missing": {
        "en": "The template's {part} is missing in {language}.",
        "zh-CN": "模板的 {part} 缺少 {language} 版本。"},
    "email_needs_subject": {"en": "An email template needs a subject.",
                            "zh-CN": "邮件模板需要主题(subject)。"},
    "message_bad_to": {
        "en": "'to' must name a field of '{object}' or be a template such as "
              "{{{{record.email}}}} ('{to}' is neither).",
        "zh-CN": "to 必须是“{object}”的字段名,或 {{{{record.email}}}} 这样的模板(“{to}”都不是)。"},
    "message_no_recipient": {"en": "The record has no {channel} address to send to.",
                             "zh-CN": "该记录没有可发送的 {channel} 地址。"},
    "message_bad_recipient": {"en": "'{recipient}' is not a valid {channel} address.",
                              "zh-CN": "“{recipient}”不是有效的 {channel} 地址。"},
    "message_capped": {
        "en": "Not sent: the recipient already got {cap} marketing messages by {channel} "
              "today (UTC).",
        "zh-CN": "未发送:该联系人今天(UTC)已通过 {channel} 收到 {cap} 条营销消息。"},
    "email_refused": {"en": "The mail server refused the message ({status}): {reason}",
                      "zh-CN": "邮件服务器拒收了该邮件({status}):{reason}"},
    "email_unreachable": {"en": "The mail server {host} could not be reached: {reason}",
                          "zh-CN": "无法连接邮件服务器 {host}:{reason}"},
    "message_provider_failed": {"en": "The {channel} provider failed: {reason}",
                                "zh-CN": "{channel} 服务商发送失败:{reason}"},
    "invalid_record_ref": {"en": "'record' is OBJECT/ID, for example lead/0190...",
                           "zh-CN": "record 的格式为 对象/ID,例如 lead/0190..."},
})
