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
})
