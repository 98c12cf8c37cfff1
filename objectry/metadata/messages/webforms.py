"""Messages of web-to-lead forms, their public pages, consent and the cross-channel cap,
in English and Simplified Chinese."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

WEBFORM_MESSAGES: Final = MappingProxyType({
    # the web_form document
    "web_form_unknown_layout": {
        "en": "The object '{object}' has no layout '{layout}'.",
        "zh-CN": "对象“{object}”没有布局“{layout}”。"},
    "web_form_not_lookup": {
        "en": "The campaign field '{field}' must be a lookup field of the object.",
        "zh-CN": "战役字段“{field}”必须是该对象的查找字段。"},
    "web_form_not_text": {
        "en": "The UTM field '{field}' must be a text field.",
        "zh-CN": "UTM 字段“{field}”必须是文本字段。"},
    "web_form_unknown_rule": {
        "en": "There is no assignment rule '{rule}' for the object '{object}'.",
        "zh-CN": "对象“{object}”没有分配规则“{rule}”。"},
    "unknown_web_form": {"en": "There is no web form '{name}'.",
                         "zh-CN": "不存在 Web 表单“{name}”。"},
    # consent and the cap
    "consent_opted_out": {
        "en": "Not sent: the recipient opted out of marketing by {channel}.",
        "zh-CN": "未发送:该联系人已退订 {channel} 营销消息。"},
    "consent_missing": {
        "en": "Not sent: the recipient has not opted in to marketing by {channel}.",
        "zh-CN": "未发送:该联系人未同意接收 {channel} 营销消息。"},
    "message_capped_recipient": {
        "en": "Not sent: the recipient already got {cap} marketing messages today (UTC), "
              "counting every channel.",
        "zh-CN": "未发送:该联系人今天(UTC)已收到 {cap} 条营销消息(所有渠道合计)。"},
    "message_unsubscribe_line": {"en": "Unsubscribe: {url}", "zh-CN": "退订:{url}"},
    "ui_message_status_suppressed": {"en": "not sent (no consent)",
                                     "zh-CN": "未发送(未获同意)"},
    # the public form
    "ui_wf_submit": {"en": "Submit", "zh-CN": "提交"},
    "ui_wf_required": {"en": "required", "zh-CN": "必填"},
    "ui_wf_errors": {"en": "Please correct the following:", "zh-CN": "请更正以下内容:"},
    "ui_wf_consent": {"en": "I agree to receive marketing messages by {channel}.",
                      "zh-CN": "我同意通过{channel}接收营销信息。"},
    "ui_channel_email": {"en": "email", "zh-CN": "电子邮件"},
    "ui_channel_sms": {"en": "SMS", "zh-CN": "短信"},
    "ui_channel_wecom": {"en": "WeCom", "zh-CN": "企业微信"},
    "ui_wf_thanks": {"en": "Thank you", "zh-CN": "谢谢"},
    "ui_wf_not_found": {"en": "This form does not exist or is closed.",
                        "zh-CN": "此表单不存在或已关闭。"},
    "ui_wf_expired": {"en": "This page has expired. Please fill in the form again.",
                      "zh-CN": "页面已过期,请重新填写表单。"},
    "ui_wf_refused": {"en": "The submission was refused.", "zh-CN": "提交被拒绝。"},
    "ui_wf_too_large": {"en": "The submission is too large.", "zh-CN": "提交的内容过大。"},
    "ui_wf_too_many": {"en": "Too many submissions. Please try again later.",
                       "zh-CN": "提交过于频繁,请稍后再试。"},
    "ui_wf_unavailable": {"en": "This form cannot take submissions right now.",
                          "zh-CN": "此表单暂时无法提交。"},
    "ui_wf_honeypot": {"en": "Leave this field empty", "zh-CN": "请勿填写此项"},
    # the unsubscribe page
    "ui_unsub_title": {"en": "Unsubscribe", "zh-CN": "退订"},
    "ui_unsub_confirm": {"en": "Stop marketing messages by {channel} to {recipient}?",
                         "zh-CN": "停止向 {recipient} 发送{channel}营销信息?"},
    "ui_unsub_button": {"en": "Unsubscribe", "zh-CN": "退订"},
    "ui_unsub_done": {"en": "You will no longer receive marketing messages by {channel}.",
                      "zh-CN": "您将不再收到{channel}营销信息。"},
    "ui_unsub_invalid": {"en": "This unsubscribe link is not valid.",
                         "zh-CN": "此退订链接无效。"},
})
