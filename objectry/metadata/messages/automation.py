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
    "function_failed": {"en": "Function '{function}' failed: {reason}",
                        "zh-CN": "函数“{function}”执行失败:{reason}"},
    "record_gone": {"en": "The run's record no longer exists.",
                    "zh-CN": "该运行对应的记录已不存在。"},
    "invalid_cron": {
        "en": "'{cron}' is not a cron expression (minute hour day month weekday, UTC).",
        "zh-CN": "“{cron}”不是有效的 cron 表达式(分 时 日 月 周,UTC)。"},
    "for_each_record_needs_schedule": {
        "en": "for_each_record belongs to a schedule trigger only.",
        "zh-CN": "for_each_record 只能用于定时(schedule)触发。"},
    "condition_needs_records": {
        "en": "A schedule that runs once per instant (for_each_record: false) has no record "
              "to test a condition on.",
        "zh-CN": "每个时刻只运行一次(for_each_record: false)的定时触发没有记录可用于判断条件。"},
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
    # dry runs: what "would trigger" means for each trigger
    "dry_run_created": {
        "en": "Each live record matching the condition, as if it had just been created "
              "with its current values.",
        "zh-CN": "每条符合条件的现有记录,视为刚以当前值创建。"},
    "dry_run_updated": {
        "en": "Each live record, as if it had just been updated from empty values to its "
              "current ones: 'changed' holds for fields with a value, 'changed_to' where "
              "the field has that value, 'changed_from' never.",
        "zh-CN": "每条现有记录,视为刚从空值更新为当前值:有值的字段算作 changed,"
                 "字段等于该值时 changed_to 成立,changed_from 不成立。"},
    "dry_run_deleted": {"en": "Each live record matching the condition, as if deleted now.",
                        "zh-CN": "每条符合条件的现有记录,视为此刻被删除。"},
    "dry_run_restored": {
        "en": "Each deleted record matching the condition, as if restored now.",
        "zh-CN": "每条符合条件的已删除记录,视为此刻被恢复。"},
    "dry_run_related_created": {
        "en": "Each existing related record matching the condition, as if it had just been "
              "created; the run is on the record it points to.",
        "zh-CN": "每条符合条件的现有关联记录,视为刚被创建;运行针对其指向的记录。"},
    "dry_run_event": {
        "en": "Each live record matching the condition, as if the event (with the data "
              "given) had just been posted for it.",
        "zh-CN": "每条符合条件的现有记录,视为刚收到该事件(使用请求中给出的数据)。"},
    "dry_run_manual": {"en": "Each live record matching the filter, as if started by hand now.",
                       "zh-CN": "每条符合筛选条件的现有记录,视为此刻手动启动。"},
    "dry_run_schedule": {
        "en": "Each live record matching the condition at the schedule's next instant.",
        "zh-CN": "在计划的下一个触发时刻,每条符合条件的现有记录。"},
    "dry_run_date": {
        "en": "Each record whose date (plus the offset) is still ahead, or every dated "
              "record for yearly triggers, from the instant it fires.",
        "zh-CN": "日期(加偏移)尚未到达的记录(按年触发时为所有有日期的记录),"
                 "从其触发时刻开始推演。"},
    "dry_run_inactivity": {
        "en": "Each record dormant now; the engine starts a run when a record crosses the "
              "threshold, not for records already dormant when the workflow is switched on.",
        "zh-CN": "此刻已沉睡的记录;引擎只在记录跨过阈值时启动运行,"
                 "启用工作流时已沉睡的记录不会补触发。"},
    # migrating runs in flight
    "unknown_workflow_version": {"en": "The workflow '{workflow}' has no version {version}.",
                                 "zh-CN": "工作流“{workflow}”没有版本 {version}。"},
    "step_not_in_version": {
        "en": "Step '{step}' does not exist in version {version}; the run stays on version "
              "{current}.",
        "zh-CN": "版本 {version} 中没有步骤“{step}”;该运行继续使用版本 {current}。"},
    "run_in_progress": {
        "en": "The run is executing a step right now; try again when the step is done.",
        "zh-CN": "该运行正在执行步骤;请在步骤完成后再试。"},
})
