"""Messages of the web app (issue 13): sign-in, passwords, pages and forms, en and zh-CN.

The web app renders its strings from this catalog like every other message (one system
for API problems and pages): ``ui_*`` codes are page text, the others are problems.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

WEB_MESSAGES: Final = MappingProxyType({
    # problems
    "signed_out": {"en": "You are signed out. Sign in again.",
                   "zh-CN": "您已退出登录,请重新登录。"},
    "csrf_failed": {
        "en": "The form has expired or did not come from this site. Reload the page and "
              "try again.",
        "zh-CN": "表单已过期或并非来自本站。请刷新页面后重试。"},
    "sign_in_failed": {"en": "The e-mail or the password is wrong.",
                       "zh-CN": "邮箱或密码不正确。"},
    "sign_in_workspace_needed": {
        "en": "This e-mail belongs to several workspaces: enter the workspace too.",
        "zh-CN": "该邮箱属于多个工作空间,请同时填写工作空间。"},
    "password_too_short": {"en": "A password has at least {min} characters.",
                           "zh-CN": "密码至少需要 {min} 个字符。"},
    "password_too_long": {"en": "A password has at most {max} characters.",
                          "zh-CN": "密码最多 {max} 个字符。"},
    "passwords_differ": {"en": "The two passwords differ.",
                         "zh-CN": "两次输入的密码不一致。"},
    "invitation_invalid": {
        "en": "This invitation link is invalid, expired or already used. Ask for a new one.",
        "zh-CN": "此邀请链接无效、已过期或已被使用,请重新索取。"},
    "too_many_attempts": {"en": "Too many attempts. Wait a minute and try again.",
                          "zh-CN": "尝试次数过多,请稍候一分钟再试。"},
    "password_set": {"en": "Password set for {email}.", "zh-CN": "已为 {email} 设置密码。"},
    "invitation_link": {"en": "Invitation link for {email} (valid {days} days):",
                        "zh-CN": "{email} 的邀请链接({days} 天内有效):"},
    "demo_password": {"en": "Sign in at {url} as {email} with password:",
                      "zh-CN": "请在 {url} 以 {email} 登录,密码:"},
    # page text
    "ui_yes": {"en": "Yes", "zh-CN": "是"},
    "ui_no": {"en": "No", "zh-CN": "否"},
    "ui_sign_in": {"en": "Sign in", "zh-CN": "登录"},
    "ui_sign_out": {"en": "Sign out", "zh-CN": "退出登录"},
    "ui_email": {"en": "E-mail", "zh-CN": "邮箱"},
    "ui_password": {"en": "Password", "zh-CN": "密码"},
    "ui_password_again": {"en": "Password again", "zh-CN": "再次输入密码"},
    "ui_workspace": {"en": "Workspace (if your e-mail is in several)",
                     "zh-CN": "工作空间(邮箱属于多个时填写)"},
    "ui_set_password": {"en": "Set your password", "zh-CN": "设置密码"},
    "ui_save_password": {"en": "Save password and sign in", "zh-CN": "保存密码并登录"},
    "ui_language": {"en": "Language", "zh-CN": "语言"},
    "ui_objects": {"en": "Objects", "zh-CN": "对象"},
    "ui_home": {"en": "Home", "zh-CN": "首页"},
    "ui_welcome": {"en": "Welcome, {name}", "zh-CN": "欢迎,{name}"},
    "ui_no_objects": {"en": "There is no object you may read yet.",
                      "zh-CN": "暂无您可以查看的对象。"},
    "ui_new": {"en": "New", "zh-CN": "新建"},
    "ui_new_record": {"en": "New {object}", "zh-CN": "新建{object}"},
    "ui_edit": {"en": "Edit", "zh-CN": "编辑"},
    "ui_save": {"en": "Save", "zh-CN": "保存"},
    "ui_cancel": {"en": "Cancel", "zh-CN": "取消"},
    "ui_search": {"en": "Search", "zh-CN": "搜索"},
    "ui_search_placeholder": {"en": "Search {object}…", "zh-CN": "搜索{object}…"},
    "ui_next_page": {"en": "Next page", "zh-CN": "下一页"},
    "ui_first_page": {"en": "First page", "zh-CN": "第一页"},
    "ui_no_records": {"en": "No records.", "zh-CN": "没有记录。"},
    "ui_sort_by": {"en": "Sort by {field}", "zh-CN": "按{field}排序"},
    "ui_details": {"en": "Details", "zh-CN": "详细信息"},
    "ui_system": {"en": "System", "zh-CN": "系统信息"},
    "ui_created_at": {"en": "Created", "zh-CN": "创建时间"},
    "ui_updated_at": {"en": "Last modified", "zh-CN": "最后修改"},
    "ui_version": {"en": "Version", "zh-CN": "版本"},
    "ui_required": {"en": "required", "zh-CN": "必填"},
    "ui_read_only": {"en": "read-only", "zh-CN": "只读"},
    "ui_errors_summary": {"en": "The record was not saved:", "zh-CN": "记录未保存:"},
    "ui_changed_by_someone": {
        "en": "Someone else changed this record since you opened it (now version "
              "{version}). Their values are shown below; review them and save again.",
        "zh-CN": "自您打开后,此记录已被他人修改(当前版本 {version})。下方显示的是对方的值,"
                 "请核对后再次保存。"},
    "ui_their_value": {"en": "Now: {value}", "zh-CN": "当前值:{value}"},
    "ui_saved": {"en": "Saved.", "zh-CN": "已保存。"},
    "ui_created": {"en": "Created.", "zh-CN": "已创建。"},
    "ui_error_title": {"en": "Something went wrong", "zh-CN": "出错了"},
    "ui_back_home": {"en": "Back to the home page", "zh-CN": "返回首页"},
    "ui_choose": {"en": "Choose…", "zh-CN": "请选择…"},
    "ui_skip_to_content": {"en": "Skip to content", "zh-CN": "跳到正文"},
    "ui_view_all": {"en": "All", "zh-CN": "全部"},
    "ui_view_own": {"en": "Mine", "zh-CN": "我的"},
    "ui_view_shared": {"en": "Shared with me", "zh-CN": "分发给我的"},
    "ui_views": {"en": "Which records", "zh-CN": "记录范围"},
    "ui_history": {"en": "History", "zh-CN": "修改记录"},
    "ui_related": {"en": "Related", "zh-CN": "相关记录"},
    "ui_related_more": {"en": "More…", "zh-CN": "更多…"},
    "ui_history_by": {"en": "{when} by {who}", "zh-CN": "{when} 由 {who}"},
    "ui_action_created": {"en": "Created", "zh-CN": "创建"},
    "ui_action_updated": {"en": "Changed", "zh-CN": "修改"},
    "ui_action_deleted": {"en": "Deleted", "zh-CN": "删除"},
    "ui_action_restored": {"en": "Restored", "zh-CN": "恢复"},
    "ui_action_converted": {"en": "Converted (field type change)", "zh-CN": "转换(字段类型变更)"},
})
