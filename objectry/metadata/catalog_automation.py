"""Messages of the automation engine (workflows, runs, events), in English and Chinese."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

AUTOMATION_MESSAGES: Final = MappingProxyType({
    "duplicate_step": {"en": "The step id '{step}' is used twice (or is the reserved 'end').",
                       "zh-CN": "步骤 ID“{step}”重复(或使用了保留字 end)。"},
    "unknown_step": {"en": "There is no step '{step}' in this workflow.",
                     "zh-CN": "此工作流中没有步骤“{step}”。"},
    "not_a_lookup_to": {"en": "'{field}' is not a lookup to '{object}'.",
                        "zh-CN": "“{field}”不是指向“{object}”的查找字段。"},
    "ambiguous_lookup": {
        "en": "Name the lookup of '{object}' to '{target}' in 'via' (none or several exist).",
        "zh-CN": "请在 via 中指明“{object}”指向“{target}”的查找字段(不存在或存在多个)。"},
    "changed_needs_update": {"en": "'changed' applies only to the 'updated' trigger.",
                             "zh-CN": "changed 仅适用于 updated 触发器。"},
    "wait_needs_one": {
        "en": "A wait needs exactly one of: a duration, until_field or until (found {kinds}).",
        "zh-CN": "等待步骤需要且只能有以下一种:时长、until_field 或 until(当前为 {kinds})。"},
    "not_a_date_field": {"en": "'{field}' is not a date or date-time field.",
                         "zh-CN": "“{field}”不是日期或日期时间字段。"},
    "not_a_tag_field": {"en": "'{field}' is not a multi-select (tag) field.",
                        "zh-CN": "“{field}”不是多选(标签)字段。"},
    "unknown_option": {"en": "'{value}' is not an option of '{field}'.",
                       "zh-CN": "“{value}”不是“{field}”的选项。"},
    "unknown_workflow": {"en": "There is no workflow '{workflow}'.",
                         "zh-CN": "没有工作流“{workflow}”。"},
    "unknown_run": {"en": "There is no run '{run}'.", "zh-CN": "没有运行记录“{run}”。"},
    "run_finished": {"en": "The run has already finished ({state}).",
                     "zh-CN": "该运行已结束({state})。"},
    "workflow_inactive": {"en": "The workflow '{workflow}' is not active.",
                          "zh-CN": "工作流“{workflow}”未启用。"},
    "not_manual": {"en": "The workflow '{workflow}' is not started by hand.",
                   "zh-CN": "工作流“{workflow}”不能手动启动。"},
    "invalid_event_type": {
        "en": "An event type is lower case letters, digits, '_' and '.', and not 'record.*'.",
        "zh-CN": "事件类型只能包含小写字母、数字、下划线和点,且不能以 record. 开头。"},
    "step_failed": {"en": "Step '{step}' failed: {reason}", "zh-CN": "步骤“{step}”失败:{reason}"},
    "no_assigner": {"en": "No assignment rule '{rule}' is available.",
                    "zh-CN": "没有可用的分配规则“{rule}”。"},
    "record_gone": {"en": "The run's record no longer exists.",
                    "zh-CN": "该运行对应的记录已不存在。"},
    "invalid_cron": {
        "en": "'{cron}' is not a cron expression (minute hour day month weekday, UTC).",
        "zh-CN": "“{cron}”不是有效的 cron 表达式(分 时 日 月 周,UTC)。"},
    "yearly_needs_date": {"en": "A yearly trigger needs a date field (not a date-time).",
                          "zh-CN": "按年触发需要日期字段(不能是日期时间字段)。"},
    "webhook_refused": {"en": "The webhook answered {status} ({url}).",
                        "zh-CN": "Webhook 返回了 {status}({url})。"},
    "webhook_unreachable": {"en": "The webhook could not be reached ({url}): {reason}",
                            "zh-CN": "无法连接 Webhook({url}):{reason}"},
    "webhook_bad_url": {"en": "'{url}' is not an http(s) address.",
                        "zh-CN": "“{url}”不是 http(s) 地址。"},
    "webhook_private_address": {
        "en": "'{url}' points into a private network, which webhooks may not reach.",
        "zh-CN": "“{url}”指向内网地址,Webhook 不允许访问。"},
    "template_unknown": {"en": "The template refers to '{name}', which does not exist.",
                         "zh-CN": "模板引用了不存在的“{name}”。"},
})
