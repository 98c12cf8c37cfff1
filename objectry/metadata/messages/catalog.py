"""The message catalog: every user-visible message in English and Simplified Chinese.

Keys are stable machine codes (they appear as ``code`` in problem details).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from objectry.metadata.messages.access_holds import ACCESS_HOLD_MESSAGES
from objectry.metadata.messages.accounts import ACCOUNT_MESSAGES
from objectry.metadata.messages.analytics import ANALYTICS_MESSAGES
from objectry.metadata.messages.automation import AUTOMATION_MESSAGES
from objectry.metadata.messages.channels import CHANNEL_MESSAGES
from objectry.metadata.messages.conditions import CONDITION_MESSAGES
from objectry.metadata.messages.designer import DESIGNER_MESSAGES
from objectry.metadata.messages.designer_access import DESIGNER_ACCESS_MESSAGES
from objectry.metadata.messages.distribution import DISTRIBUTION_MESSAGES
from objectry.metadata.messages.field_access import FIELD_ACCESS_MESSAGES
from objectry.metadata.messages.functions import FUNCTION_MESSAGES
from objectry.metadata.messages.imports import IMPORT_MESSAGES
from objectry.metadata.messages.lifecycle import LIFECYCLE_MESSAGES
from objectry.metadata.messages.network import NETWORK_MESSAGES
from objectry.metadata.messages.packs import PACK_MESSAGES
from objectry.metadata.messages.scoring import SCORING_MESSAGES
from objectry.metadata.messages.secrets import SECRET_MESSAGES
from objectry.metadata.messages.web import WEB_MESSAGES
from objectry.metadata.messages.webforms import WEBFORM_MESSAGES

MESSAGES: Final = MappingProxyType({
    # problem titles
    "bad_request": {"en": "The request is malformed.", "zh-CN": "请求格式不正确。"},
    "unauthorized": {"en": "Authentication is required.", "zh-CN": "需要身份认证。"},
    "forbidden": {"en": "You are not allowed to do this.", "zh-CN": "您无权执行此操作。"},
    "not_found": {"en": "Not found.", "zh-CN": "未找到。"},
    "conflict": {"en": "The request conflicts with existing data.",
                 "zh-CN": "请求与现有数据冲突。"},
    "precondition_failed": {"en": "The record has changed since you read it.",
                            "zh-CN": "记录在您读取后已被修改。"},
    "payload_too_large": {"en": "The request body is too large (limit {limit} bytes).",
                          "zh-CN": "请求体过大(上限 {limit} 字节)。"},
    "invalid": {"en": "The content is invalid.", "zh-CN": "内容无效。"},
    "internal_error": {"en": "An unexpected error occurred; nothing was changed.",
                       "zh-CN": "发生意外错误,未做任何更改。"},
    "service_unavailable": {"en": "The service is not available right now.",
                            "zh-CN": "服务暂时不可用。"},
    "schema_not_current": {
        "en": "The database schema is at revision {current}, but this version of Objectry "
              "needs {expected}: run `objectry db upgrade`.",
        "zh-CN": "数据库结构处于版本 {current},但此版本的 Objectry 需要 {expected}:"
                 "请运行 `objectry db upgrade`。"},
    "method_not_allowed": {"en": "This method is not allowed here.",
                           "zh-CN": "此处不允许该请求方法。"},
    "unsupported_media_type": {"en": "Send JSON (Content-Type: application/json).",
                               "zh-CN": "请发送 JSON(Content-Type: application/json)。"},
    # request shape
    "malformed_json": {"en": "The body is not valid JSON: {reason}",
                       "zh-CN": "请求体不是有效的 JSON:{reason}"},
    "expected_object": {"en": "A JSON object is expected here.",
                        "zh-CN": "此处应为 JSON 对象。"},
    "invalid_parameter": {"en": "The parameter '{name}' is invalid: {reason}",
                          "zh-CN": "参数“{name}”无效:{reason}"},
    "invalid_cursor": {"en": "The cursor is invalid or belongs to another query.",
                       "zh-CN": "游标无效或属于其他查询。"},
    "token_missing": {"en": "Send 'Authorization: Bearer <token>'.",
                      "zh-CN": "请发送“Authorization: Bearer <令牌>”。"},
    "token_invalid": {"en": "The token is unknown or revoked.",
                      "zh-CN": "令牌无效或已吊销。"},
    "invalid_if_match": {"en": "If-Match must be a record version such as \"3\", not '{value}'.",
                         "zh-CN": "If-Match 应为记录版本(例如 \"3\"),而不是“{value}”。"},
    "unknown_parameter": {"en": "'{name}' is not a known parameter here.",
                          "zh-CN": "此处不支持参数“{name}”。"},
    "admin_required": {"en": "Only a tenant administrator can do this.",
                       "zh-CN": "只有租户管理员可以执行此操作。"},
    "unknown_tenant": {"en": "There is no tenant '{slug}'.", "zh-CN": "租户“{slug}”不存在。"},
    "tenant_exists": {"en": "A tenant '{slug}' already exists.", "zh-CN": "租户“{slug}”已存在。"},
    "unknown_user": {"en": "There is no user '{email}' in this tenant.",
                     "zh-CN": "此租户中不存在用户“{email}”。"},
    "user_exists": {"en": "A user '{email}' already exists in this tenant.",
                    "zh-CN": "此租户中已存在用户“{email}”。"},
    # objects and records
    "unknown_object": {"en": "There is no object '{object}'.",
                       "zh-CN": "对象“{object}”不存在。"},
    "unknown_record": {"en": "There is no {object} record '{id}'.",
                       "zh-CN": "{object} 记录“{id}”不存在。"},
    "unknown_field": {"en": "The object '{object}' has no field '{field}'.",
                      "zh-CN": "对象“{object}”没有字段“{field}”。"},
    "unknown_document": {"en": "There is no {kind} '{api_name}'.",
                         "zh-CN": "{kind}“{api_name}”不存在。"},
    "read_only_field": {"en": "The field '{field}' is read-only.",
                        "zh-CN": "字段“{field}”为只读。"},
    "system_field": {"en": "The system field '{field}' cannot be written.",
                     "zh-CN": "系统字段“{field}”不能写入。"},
    "required": {"en": "A value is required.", "zh-CN": "此项为必填。"},
    "unique_violation": {"en": "Another {object} record already has this {field}.",
                         "zh-CN": "已有其他 {object} 记录使用了该{field}。"},
    "version_mismatch": {"en": "Expected version {expected}, the record is at version {actual}.",
                         "zh-CN": "期望版本 {expected},记录当前版本为 {actual}。"},
    "record_deleted": {"en": "The record is in the recycle bin.",
                       "zh-CN": "该记录在回收站中。"},
    "record_not_deleted": {"en": "The record is not in the recycle bin.",
                           "zh-CN": "该记录不在回收站中。"},
    "lookup_target_missing": {"en": "No {target} record '{id}' exists.",
                              "zh-CN": "不存在 {target} 记录“{id}”。"},
    "delete_restricted": {
        "en": "{count} {child} record(s) still refer to this record through '{field}'.",
        "zh-CN": "仍有 {count} 条 {child} 记录通过“{field}”引用此记录。"},
    "rule_failed": {"en": "{message}", "zh-CN": "{message}"},
    # values
    "invalid_type": {"en": "Expected {expected}.", "zh-CN": "应为{expected}。"},
    "not_a_string": {"en": "Expected text.", "zh-CN": "应为文本。"},
    "not_an_integer": {"en": "Expected a whole number.", "zh-CN": "应为整数。"},
    "not_a_number": {"en": "Expected a number.", "zh-CN": "应为数字。"},
    "not_a_boolean": {"en": "Expected true or false.", "zh-CN": "应为 true 或 false。"},
    "not_a_date": {"en": "Expected a date (YYYY-MM-DD).", "zh-CN": "应为日期(YYYY-MM-DD)。"},
    "not_a_datetime": {"en": "Expected a date and time (ISO 8601 with time zone).",
                       "zh-CN": "应为日期时间(带时区的 ISO 8601)。"},
    "not_a_list": {"en": "Expected a list.", "zh-CN": "应为列表。"},
    "not_an_id": {"en": "Expected a record id.", "zh-CN": "应为记录 ID。"},
    "too_long": {"en": "At most {max_length} characters.", "zh-CN": "最多 {max_length} 个字符。"},
    "below_min": {"en": "Must be at least {min}.", "zh-CN": "不能小于 {min}。"},
    "above_max": {"en": "Must be at most {max}.", "zh-CN": "不能大于 {max}。"},
    "too_many_digits": {"en": "At most {digits} digits before the decimal point.",
                        "zh-CN": "整数部分最多 {digits} 位。"},
    "too_many_decimals": {"en": "At most {scale} digits after the decimal point.",
                          "zh-CN": "小数部分最多 {scale} 位。"},
    "invalid_email": {"en": "Not a valid email address.", "zh-CN": "不是有效的电子邮件地址。"},
    "invalid_phone": {"en": "Not a valid phone number.", "zh-CN": "不是有效的电话号码。"},
    "invalid_url": {"en": "Not a valid http(s) URL.", "zh-CN": "不是有效的 http(s) 网址。"},
    "invalid_choice": {"en": "Not one of: {allowed}.", "zh-CN": "必须是以下之一:{allowed}。"},
    "integer_out_of_range": {"en": "The number is too large to store.",
                             "zh-CN": "数字过大,无法存储。"},
    "control_characters": {"en": "Control characters are not allowed.",
                           "zh-CN": "不允许包含控制字符。"},
    # filters and lists
    "unknown_operator": {"en": "Unknown operator '{op}'.", "zh-CN": "未知运算符“{op}”。"},
    "operator_not_supported": {"en": "The operator '{op}' does not apply to {type} fields.",
                               "zh-CN": "运算符“{op}”不适用于{type}类型的字段。"},
    "invalid_condition": {
        "en": "A condition is {{\"all\": [...]}}, {{\"any\": [...]}}, {{\"not\": ...}} or "
              "{{\"field\", \"op\", \"value\"}}.",
        "zh-CN": "条件应为 {{\"all\": [...]}}、{{\"any\": [...]}}、{{\"not\": ...}} 或 "
                 "{{\"field\", \"op\", \"value\"}}。"},
    "condition_too_deep": {"en": "The condition is nested more than {max} levels.",
                           "zh-CN": "条件嵌套超过 {max} 层。"},
    "condition_too_large": {"en": "The condition has more than {max} comparisons.",
                            "zh-CN": "条件中的比较超过 {max} 个。"},
    "value_required": {"en": "The operator '{op}' needs a value.",
                       "zh-CN": "运算符“{op}”需要一个值。"},
    "not_sortable": {"en": "The field '{field}' cannot be sorted on.",
                     "zh-CN": "字段“{field}”不能用于排序。"},
    "via_required": {"en": "'{child}' has several lookups to '{parent}': name one with 'via'.",
                     "zh-CN": "“{child}”有多个指向“{parent}”的查找字段,请用 via 指定。"},
    # metadata
    "schema_violation": {"en": "{reason}", "zh-CN": "{reason}"},
    "invalid_api_name": {
        "en": "An api_name is lowercase letters, digits and '_', starting with a letter "
              "(2 to 63 characters).",
        "zh-CN": "api_name 由小写字母、数字和下划线组成,以字母开头(2 到 63 个字符)。"},
    "reserved_name": {"en": "'{name}' is reserved by the platform.",
                      "zh-CN": "“{name}”为平台保留名称。"},
    "duplicate_name": {"en": "'{name}' is used twice.", "zh-CN": "“{name}”重复。"},
    "path_name_mismatch": {"en": "The body names '{body}' but the URL names '{url}'.",
                           "zh-CN": "请求体中的名称“{body}”与 URL 中的“{url}”不一致。"},
    "unknown_field_type": {"en": "Unknown field type '{type}'. Known: {known}.",
                           "zh-CN": "未知字段类型“{type}”。可用:{known}。"},
    "unknown_group": {"en": "There is no field group '{group}'.",
                      "zh-CN": "字段分组“{group}”不存在。"},
    "unknown_name_field": {"en": "The name field '{field}' is not a field of this object.",
                           "zh-CN": "名称字段“{field}”不是此对象的字段。"},
    "unknown_lookup_target": {"en": "The lookup target '{target}' is not an object.",
                              "zh-CN": "查找目标“{target}”不是已定义的对象。"},
    "duplicate_option": {"en": "The option value '{value}' is used twice.",
                         "zh-CN": "选项值“{value}”重复。"},
    "duplicate_alias": {"en": "The alias '{alias}' stands for more than one option.",
                        "zh-CN": "别名“{alias}”对应了多个选项。"},
    "invalid_default": {"en": "The default value is not valid for this field: {reason}",
                        "zh-CN": "默认值对该字段无效:{reason}"},
    "min_above_max": {"en": "min is greater than max.", "zh-CN": "最小值大于最大值。"},
    "scale_not_below_precision": {
        "en": "scale ({scale}) must be smaller than precision ({precision}).",
        "zh-CN": "小数位数({scale})必须小于总位数({precision})。"},
    "auto_number_counter_missing": {
        "en": "The format '{format}' needs a counter such as {{000}}.",
        "zh-CN": "格式“{format}”需要包含计数占位符,例如 {{000}}。"},
    "immutable_name": {"en": "An api_name cannot change once created.",
                       "zh-CN": "api_name 创建后不能修改。"},
    "type_change_lossy": {
        "en": "Changing '{field}' from {old} to {new} would not convert {count} value(s); "
              "name a conversion policy to go ahead.",
        "zh-CN": "将“{field}”从 {old} 改为 {new} 会有 {count} 个值无法转换;"
                 "请指定转换策略后再继续。"},
    "type_change_impossible": {"en": "A {old} field cannot become a {new} field.",
                               "zh-CN": "{old} 字段不能改为 {new} 字段。"},
    "unknown_conversion_policy": {"en": "Unknown conversion policy '{policy}'. Known: {known}.",
                                  "zh-CN": "未知转换策略“{policy}”。可用:{known}。"},
    "hidden_field_type_clash": {
        "en": "A hidden field '{field}' of type {old} still holds data; purge it before "
              "adding a {new} field of that name.",
        "zh-CN": "隐藏字段“{field}”({old})仍保留数据;请先清除后再添加同名的 {new} 字段。"},
    "field_not_hidden": {"en": "'{field}' is not a hidden field of '{object}'.",
                         "zh-CN": "“{field}”不是“{object}”的隐藏字段。"},
    "object_referenced": {"en": "The object is the target of lookups: {fields}.",
                          "zh-CN": "该对象被以下查找字段引用:{fields}。"},
    "unknown_version": {"en": "There is no metadata version {version}.",
                        "zh-CN": "元数据版本 {version} 不存在。"},
    "unknown_kind": {"en": "There is no kind of metadata called '{kind}'.",
                     "zh-CN": "不存在名为“{kind}”的元数据类型。"},
    "invalid_conversion": {
        "en": "A conversion is written field:policy (for example budget:truncate), not '{value}'.",
        "zh-CN": "转换应写作 字段:策略(例如 budget:truncate),而不是“{value}”。"},
    "unreadable_file": {"en": "The file {file} cannot be read as JSON: {reason}",
                        "zh-CN": "无法将文件 {file} 读取为 JSON:{reason}"},
    # departments and access policies
    "unknown_department": {"en": "There is no department '{department}'.",
                           "zh-CN": "部门“{department}”不存在。"},
    "department_cycle": {
        "en": "Making '{parent}' the parent of '{department}' would create a cycle.",
        "zh-CN": "将“{parent}”设为“{department}”的上级部门会形成循环。"},
    "per_group_needs_object": {
        "en": "Per field group settings belong in an object's policy, not the tenant's.",
        "zh-CN": "按字段分组的设置只能用于对象的策略,不能用于租户策略。"},
    "unknown_role": {"en": "There is no role '{role}'.", "zh-CN": "角色“{role}”不存在。"},
    "object_delete_unsupported": {
        "en": "The object '{object}' cannot be deleted: objects and their data are kept.",
        "zh-CN": "不能删除对象“{object}”:对象及其数据会一直保留。"},
    "layout_unknown_field": {"en": "The layout names '{field}', which '{object}' lacks.",
                             "zh-CN": "布局引用了“{object}”中不存在的字段“{field}”。"},
    "layout_timeline_not_a_date": {
        "en": "The timeline orders by '{field}' of '{object}', which is not a date or date-time.",
        "zh-CN": "时间线按“{object}”的“{field}”排序,但它不是日期或日期时间字段。"},
    "name_taken": {"en": "'{name}' is already taken.", "zh-CN": "“{name}”已被占用。"},
    "invalid_slug": {"en": "A tenant slug is lowercase letters, digits and '_' (2 to 40).",
                     "zh-CN": "租户标识由小写字母、数字和下划线组成(2 到 40 个字符)。"},
    "schema_required": {"en": "'{property}' is required.", "zh-CN": "缺少必填项“{property}”。"},
    "schema_unknown_property": {"en": "'{property}' is not a known property here.",
                                "zh-CN": "此处不允许属性“{property}”。"},
    "schema_type": {"en": "Expected a value of type {expected}.",
                    "zh-CN": "应为 {expected} 类型的值。"},
    "schema_enum": {"en": "Must be one of: {allowed}.", "zh-CN": "必须是以下之一:{allowed}。"},
    "schema_too_many": {"en": "At most {max} items.", "zh-CN": "最多 {max} 项。"},
    "schema_too_few": {"en": "At least {min} item(s).", "zh-CN": "至少 {min} 项。"},
    "role_in_use": {"en": "The role '{name}' is still held by: {users}.",
                    "zh-CN": "角色“{name}”仍被以下用户使用:{users}。"},
    "department_in_use": {"en": "The department '{name}' still has: {users}.",
                          "zh-CN": "部门“{name}”下仍有:{users}。"},
    "access_policy_in_use": {"en": "The access policy '{name}' is in use.",
                             "zh-CN": "访问策略“{name}”正在使用中。"},
    "layout_in_use": {"en": "The layout '{name}' is in use.",
                      "zh-CN": "布局“{name}”正在使用中。"},
    "unknown_grant": {"en": "There is no active grant '{id}' on this record.",
                      "zh-CN": "此记录上没有有效的分发授权“{id}”。"},
    "share_not_allowed": {"en": "Only the record's owner, an administrator or a holder of the "
                                "share right may distribute it.",
                          "zh-CN": "只有记录的主控者、管理员或拥有分发权限的人可以分发该记录。"},
    "grant_not_yours": {"en": "You may change or reclaim only the grants you made.",
                        "zh-CN": "您只能修改或收回自己做出的分发授权。"},
    "grant_exceeds_holding": {
        "en": "You cannot give '{level}' on group '{group}': you hold '{held}' yourself.",
        "zh-CN": "您在字段组“{group}”上只有“{held}”。不能授予“{level}”。"},
    "action_not_allowed": {"en": "Your roles do not allow '{action}' on {object}.",
                           "zh-CN": "您的角色不允许对 {object} 执行“{action}”。"},
    "field_not_editable": {"en": "You may not set or change: {field}.",
                           "zh-CN": "您无权设置或修改这些字段 {field}。"},
    "explain_not_allowed": {"en": "Only an administrator, the record's owner or the user "
                                  "themselves may ask why.",
                            "zh-CN": "只有管理员、记录的主控者或用户本人可以查询授权原因。"},
    "export_format": {"en": "The export format is csv, xlsx or jsonl.",
                      "zh-CN": "导出格式为 csv、xlsx 或 jsonl。"},
    "record_not_accessible": {"en": "This {object} record is outside what you may see.",
                              "zh-CN": "此 {object} 记录不在您的可见范围内。"},
    "invalid_grantee": {"en": "The grantee is 'user:EMAIL' or 'department:NAME'.",
                        "zh-CN": "被授权人应为“user:邮箱”或“department:部门名”。"},
    "grantee_immutable": {"en": "A grant's grantee cannot change; revoke it and grant anew.",
                          "zh-CN": "授权对象不可修改;请收回后重新分发。"},
    "invalid_level": {"en": "Must be one of: {allowed}.", "zh-CN": "必须是以下之一:{allowed}。"},
    "expiry_in_past": {"en": "The expiry must be in the future.",
                       "zh-CN": "到期时间必须晚于当前时间。"},
    "function_compile_error": {
        "en": "The function code has an error at line {line}, column {column}: {message}",
        "zh-CN": "函数代码第 {line} 行第 {column} 列有错误:{message}"},
    "function_runtime_error": {"en": "The function failed at line {line}: {message}",
                               "zh-CN": "函数在第 {line} 行运行出错:{message}"},
    "function_forbidden": {
        "en": "The function tried something functions may not do at line {line}: {message}",
        "zh-CN": "函数在第 {line} 行执行了不允许的操作:{message}"},
    "function_limit_exceeded": {"en": "The function exceeded its {limit} limit.",
                                "zh-CN": "函数超出了 {limit} 限制。"},
    "function_raised_error": {"en": "{message}", "zh-CN": "{message}"},
    "function_platform_error": {
        "en": "A platform call of the function was refused ({platform_code}) at line {line}.",
        "zh-CN": "函数在第 {line} 行调用平台接口被拒绝({platform_code})。"},
    "function_not_plain_data": {"en": "The function passed a value that is not plain JSON data.",
                                "zh-CN": "函数传递了非纯 JSON 数据的值。"},
    "function_result_too_large": {"en": "The function's result is too large.",
                                  "zh-CN": "函数返回的结果过大。"},
    "function_worker_crashed": {"en": "The function's worker process stopped unexpectedly.",
                                "zh-CN": "执行函数的工作进程意外终止。"},
    "function_pool_busy": {"en": "No function worker is available; try again later.",
                           "zh-CN": "暂无可用的函数执行进程,请稍后重试。"},
} | AUTOMATION_MESSAGES | CHANNEL_MESSAGES | FUNCTION_MESSAGES | CONDITION_MESSAGES
   | SCORING_MESSAGES | ACCOUNT_MESSAGES | ACCESS_HOLD_MESSAGES | NETWORK_MESSAGES
   | SECRET_MESSAGES | FIELD_ACCESS_MESSAGES | WEB_MESSAGES | DISTRIBUTION_MESSAGES
   | DESIGNER_MESSAGES | IMPORT_MESSAGES | WEBFORM_MESSAGES | LIFECYCLE_MESSAGES
   | PACK_MESSAGES
   | DESIGNER_ACCESS_MESSAGES
   | ANALYTICS_MESSAGES)
