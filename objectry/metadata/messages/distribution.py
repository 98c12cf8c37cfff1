"""Messages of distribution: the owner-change command, assignment rules and the gap
finder (issue 15), en and zh-CN."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

DISTRIBUTION_MESSAGES: Final = MappingProxyType({
    "owner_via_command": {
        "en": "The owner is not written by an edit: change it with "
              "POST /records/{object}/{{id}}/owner (or the bulk POST /records/{object}/owner).",
        "zh-CN": "负责人不能通过编辑修改:请使用 POST /records/{object}/{{id}}/owner"
                 "(批量:POST /records/{object}/owner)。"},
    "reassign_not_allowed": {
        "en": "Only the record's owner or an administrator can give the record to someone "
              "else.",
        "zh-CN": "只有记录的负责人(主控者)或管理员可以将记录转交他人。"},
    "owner_not_active_user": {
        "en": "'{user}' is not an active user of this tenant.",
        "zh-CN": "“{user}”不是本租户的在用用户。"},
    "bulk_ids_or_filter": {
        "en": "Name the records with either 'ids' or 'filter' (and 'view'), not both.",
        "zh-CN": "请用“ids”或“filter”(及“view”)之一指定记录,不能同时使用。"},
    "bulk_ids_list": {
        "en": "'ids' is a non-empty list of at most {max} record ids.",
        "zh-CN": "“ids”必须是非空列表,最多 {max} 个记录 ID。"},
    "bulk_too_many": {
        "en": "At most {max} records per call; narrow the selection.",
        "zh-CN": "每次最多处理 {max} 条记录,请缩小范围。"},
    "unknown_assignment_rule": {
        "en": "There is no assignment rule '{rule}'.",
        "zh-CN": "不存在分发规则“{rule}”。"},
    "distribute_recipients": {
        "en": "Name between 1 and {max} recipients in 'to', each with its grantee and "
              "field-group levels.",
        "zh-CN": "请在“to”中指定 1 到 {max} 个接收方,每个须有接收者和字段组级别。"},
    "recall_grantees": {
        "en": "'grantees' lists grantees as user:EMAIL or department:NAME.",
        "zh-CN": "“grantees”须列出 user:邮箱 或 department:部门 形式的接收者。"},
    "tag_field": {
        "en": "'{field}' is not a multi-valued field you may write on this object.",
        "zh-CN": "“{field}”不是此对象上您可写的多值字段。"},
    "tag_values": {
        "en": "Give up to {max} non-empty values to add or remove.",
        "zh-CN": "请给出最多 {max} 个要添加或移除的非空值。"},
    # the web app's pool pages
    "ui_pools": {"en": "Lead pools", "zh-CN": "公海"},
    "ui_pools_none": {"en": "You are not a member of any pool.",
                      "zh-CN": "您不是任何公海的成员。"},
    "ui_pool_records": {"en": "Records in the pool", "zh-CN": "公海中的记录"},
    "ui_pool_empty": {"en": "The pool is empty.", "zh-CN": "公海中没有记录。"},
    "ui_pool_claim_selected": {"en": "Claim selected", "zh-CN": "领取所选"},
    "ui_pool_claimed": {"en": "{count} record(s) claimed.", "zh-CN": "已领取 {count} 条记录。"},
    "ui_pool_held": {"en": "Records you hold", "zh-CN": "我领取的记录"},
    "ui_pool_none_held": {"en": "You hold no record of this pool.",
                          "zh-CN": "您没有领取此公海的记录。"},
    "ui_pool_return": {"en": "Return to pool", "zh-CN": "退回公海"},
    "ui_pool_return_record": {"en": "Return {name} to the pool", "zh-CN": "将 {name} 退回公海"},
    "ui_pool_reason": {"en": "Reason", "zh-CN": "原因"},
    "ui_pool_returned": {"en": "{count} record(s) returned.", "zh-CN": "已退回 {count} 条记录。"},
    # the designer's pages for rules and pools
    "ui_assignment_rules": {"en": "Assignment rules", "zh-CN": "分发规则"},
    "ui_assignment_rule": {"en": "Assignment rule", "zh-CN": "分发规则"},
    "ui_no_assignment_rules": {"en": "No assignment rule yet.", "zh-CN": "还没有分发规则。"},
    "ui_new_assignment_rule": {"en": "New assignment rule", "zh-CN": "新建分发规则"},
    "ui_edit_as_json": {"en": "Edit as JSON", "zh-CN": "以 JSON 编辑"},
    "ui_rule_active": {"en": "Active", "zh-CN": "启用"},
    "ui_rule_auto": {"en": "Assign new records", "zh-CN": "自动分发新记录"},
    "ui_rule_entries": {"en": "Entries", "zh-CN": "条目"},
    "ui_rule_entry": {"en": "Condition and recipients", "zh-CN": "条件与接收方"},
    "ui_rule_settings": {"en": "Settings", "zh-CN": "设置"},
    "ui_rule_precedence": {"en": "Precedence (lower first)", "zh-CN": "优先级(小者优先)"},
    "ui_rule_grants": {"en": "Grants of the previous owner", "zh-CN": "原负责人的授权"},
    "ui_rule_fallback_pool": {"en": "Fallback pool", "zh-CN": "兜底公海"},
    "ui_rule_dry_run": {"en": "Dry run and gaps", "zh-CN": "试运行与遗漏"},
    "ui_rule_dry_run_summary": {
        "en": "{checked} records checked: {taken} taken by an entry, {missed} by none.",
        "zh-CN": "已检查 {checked} 条记录:{taken} 条有条目接收,{missed} 条无人接收。"},
    "ui_rule_method": {"en": "Method", "zh-CN": "方式"},
    "ui_rule_eligible": {"en": "Eligible now", "zh-CN": "当前可接收"},
    "ui_rule_records": {"en": "Records", "zh-CN": "记录数"},
    "ui_rule_from_record": {"en": "(named by each record)", "zh-CN": "(由各记录指定)"},
    "ui_rule_nobody": {"en": "Nobody: its records fall through", "zh-CN": "无人:记录落入下一条目"},
    "ui_rule_gaps": {"en": "Records no entry takes", "zh-CN": "无条目接收的记录"},
    "ui_rule_record": {"en": "Record", "zh-CN": "记录"},
    "ui_rule_reason": {"en": "Why", "zh-CN": "原因"},
    "ui_rule_near_miss": {"en": "Near miss", "zh-CN": "近似匹配"},
    "ui_rule_fix": {"en": "Suggested fix", "zh-CN": "建议修正"},
    "ui_rule_no_gaps": {"en": "Every record is taken by an entry.",
                        "zh-CN": "所有记录都有条目接收。"},
    "ui_pool": {"en": "Pool", "zh-CN": "公海"},
    "ui_pools_none_defined": {"en": "No pool yet.", "zh-CN": "还没有公海。"},
    "ui_new_pool": {"en": "New pool", "zh-CN": "新建公海"},
    "watch_needs_user": {"en": "Only a user can watch a record.",
                         "zh-CN": "只有用户才能关注记录。"},
    "dry_run_summary": {
        "en": "'summary' is true or false, and a summary covers a 'filter' (and 'view'), "
              "not 'ids'.",
        "zh-CN": "“summary”须为 true 或 false;汇总针对“filter”(及“view”),不能与“ids”同用。"},
    "assignment_rule_object": {
        "en": "The assignment rule '{rule}' assigns '{object}' records, not '{expected}'.",
        "zh-CN": "分发规则“{rule}”用于“{object}”记录,而不是“{expected}”。"},
    "assignment_rule_inactive": {
        "en": "The assignment rule '{rule}' is not active.",
        "zh-CN": "分发规则“{rule}”未启用。"},
    "assignment_rule_not_usable": {
        "en": "You may not apply the assignment rule '{rule}' (see its usable_by).",
        "zh-CN": "您无权引用分发规则“{rule}”(见其 usable_by)。"},
    "assignment_failed": {
        "en": "The assignment rule '{rule}' found nobody to assign the record to "
              "({reason}).",
        "zh-CN": "分发规则“{rule}”未找到可分配的人员({reason})。"},
    "unknown_recipient_user": {
        "en": "There is no user '{name}' in this tenant.",
        "zh-CN": "本租户没有用户“{name}”。"},
    "unknown_recipient_department": {
        "en": "There is no department '{name}'.",
        "zh-CN": "不存在部门“{name}”。"},
    "unknown_recipient_role": {
        "en": "There is no role '{name}'.",
        "zh-CN": "不存在角色“{name}”。"},
    "assignment_fixed_one": {
        "en": "The method 'fixed' gives every record to one recipient: name exactly one.",
        "zh-CN": "“fixed”方式把所有记录交给同一接收者:只能指定一个。"},
    "unknown_pool": {
        "en": "There is no pool '{pool}'.",
        "zh-CN": "不存在公海“{pool}”。"},
    "pool_not_member": {
        "en": "You are not a member of the pool '{pool}'.",
        "zh-CN": "您不是公海“{pool}”的成员。"},
    "pool_not_admin": {
        "en": "Only an administrator of the pool '{pool}' may do this.",
        "zh-CN": "只有公海“{pool}”的管理员可以执行此操作。"},
    "pool_inactive": {
        "en": "The pool '{pool}' is not active.",
        "zh-CN": "公海“{pool}”未启用。"},
    "pool_record_not_in_pool": {
        "en": "This record is not waiting in the pool '{pool}'.",
        "zh-CN": "该记录不在公海“{pool}”中。"},
    "pool_record_taken": {
        "en": "Someone else claimed this record from the pool '{pool}' first.",
        "zh-CN": "该记录已被他人从公海“{pool}”领取。"},
    "pool_record_not_claimed": {
        "en": "This record is not claimed from the pool '{pool}'.",
        "zh-CN": "该记录不是从公海“{pool}”领取的。"},
    "pool_not_holder": {
        "en": "Only the member holding this record (or a pool administrator) may return it.",
        "zh-CN": "只有领取该记录的成员(或公海管理员)可以退回。"},
    "pool_cooldown": {
        "en": "You gave this record up recently; you may claim it again after {until}.",
        "zh-CN": "您最近放弃了该记录,{until} 之后才能再次领取。"},
    "pool_max_held": {
        "en": "You already hold {held} records of this pool; at most {max} at once.",
        "zh-CN": "您已持有该公海的 {held} 条记录,同时最多 {max} 条。"},
    "pool_max_claims_per_day": {
        "en": "You claimed {today} records of this pool today; at most {max} a day.",
        "zh-CN": "您今天已领取该公海的 {today} 条记录,每天最多 {max} 条。"},
    "pool_reason": {
        "en": "Give a reason (1 to {max_length} characters).",
        "zh-CN": "请填写原因(1 至 {max_length} 个字符)。"},
    "pool_activity_object": {
        "en": "'{name}' has no field pointing at '{object}': its records cannot count as "
              "activity.",
        "zh-CN": "“{name}”没有指向“{object}”的字段,其记录不能算作跟进活动。"},
    "pool_warn_days": {
        "en": "The warning comes before the reclaim: fewer than {days} days.",
        "zh-CN": "提醒须早于回收:应少于 {days} 天。"},
    "pool_warning_subject": {
        "en": "A record you hold returns to the pool '{pool}' on {due}",
        "zh-CN": "您持有的记录将于 {due} 退回公海“{pool}”"},
    "pool_warning_body": {
        "en": "The {object} record {id} returns to the pool '{pool}' on {due} unless it "
              "sees activity before then.",
        "zh-CN": "{object} 记录 {id} 若在 {due} 前无跟进,将退回公海“{pool}”。"},
    "pool_wrong_object": {
        "en": "The pool '{pool}' holds '{object}' records, not '{expected}'.",
        "zh-CN": "公海“{pool}”存放的是“{object}”记录,而不是“{expected}”。"},
    "pool_returned_subject": {
        "en": "A record you owned went back to the pool '{pool}'",
        "zh-CN": "您负责的记录已退回公海“{pool}”"},
    "pool_returned_body": {
        "en": "The {object} record {id} went back to the pool '{pool}' (workflow "
              "'{workflow}'): {reason}",
        "zh-CN": "{object} 记录 {id} 已由工作流“{workflow}”退回公海“{pool}”,原因:{reason}"},
    "unknown_timezone": {
        "en": "'{timezone}' is not a known time zone (e.g. Asia/Shanghai).",
        "zh-CN": "“{timezone}”不是已知的时区(例如 Asia/Shanghai)。"},
    "assignment_hours_order": {
        "en": "Working hours end after they start.",
        "zh-CN": "工作时间的结束须晚于开始。"},
    "assignment_fallback_pool": {
        "en": "There is no pool '{pool}' of '{object}' records to fall back to.",
        "zh-CN": "不存在用于“{object}”记录的兜底公海“{pool}”。"},
    "assignment_recipient_kind": {
        "en": "A recipient names exactly one of: {allowed}.",
        "zh-CN": "每个接收者须且只能指定以下之一:{allowed}。"},
    "unknown_recipient_field": {
        "en": "The record has no field '{name}' to take the recipient from.",
        "zh-CN": "记录没有可用作接收者的字段“{name}”。"},
    "assignment_owner_of": {
        "en": "'{name}' is not a lookup field: its target's owner cannot be a recipient.",
        "zh-CN": "“{name}”不是查找字段,不能以其目标记录的负责人作为接收者。"},
    "assignment_recipient_unknown": {
        "en": "The field names no active user of this tenant.",
        "zh-CN": "该字段未指向本租户的在用用户。"},
    "invalid_area_code": {
        "en": "An area code is 2 to 4 digits after an optional 0, such as 021 or 0755.",
        "zh-CN": "区号为可选的 0 后跟 2 至 4 位数字,例如 021 或 0755。"},
    "watch_subject": {
        "en": "News of the {object} {id} you follow",
        "zh-CN": "您关注的{object} {id} 有新动态"},
    "watch_owner": {
        "en": "{who} gave the {object} {id} to {owner}.",
        "zh-CN": "{who} 将{object} {id} 转给了 {owner}。"},
    "watch_status": {
        "en": "{who} changed {field} of the {object} {id} from {old} to {new}.",
        "zh-CN": "{who} 将{object} {id} 的{field}从“{old}”改为“{new}”。"},
    "watch_converted": {
        "en": "{who} converted the {object} {id}.",
        "zh-CN": "{who} 转化了{object} {id}。"},
    "watch_merged": {
        "en": "{who} merged the {object} {id} into {survivor}.",
        "zh-CN": "{who} 将{object} {id} 合并到了 {survivor}。"},
    "watch_merged_away": {
        "en": "{who} merged the {object} {id} into another record.",
        "zh-CN": "{who} 将{object} {id} 合并到了另一条记录。"},
    "watch_deleted": {
        "en": "{who} deleted the {object} {id}.",
        "zh-CN": "{who} 删除了{object} {id}。"},
    "watch_restored": {
        "en": "{who} restored the {object} {id}.",
        "zh-CN": "{who} 恢复了{object} {id}。"},
    "watch_by_platform": {"en": "The platform", "zh-CN": "系统"},
    "watch_no_owner": {"en": "no one (a pool)", "zh-CN": "无人(公海)"},
    "watch_empty": {"en": "(empty)", "zh-CN": "(空)"},
})
