"""Messages of industry packs (format, lint, signatures, install, upgrade), en and zh-CN."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

PACK_MESSAGES: Final = MappingProxyType({
    # archive
    "pack_bad_archive": {"en": "The pack is not a readable .opack archive: {reason}",
                         "zh-CN": "该包不是可读取的 .opack 归档:{reason}"},
    "pack_too_many_entries": {"en": "The pack has {count} entries; at most {limit} are allowed.",
                              "zh-CN": "该包有 {count} 个条目,最多允许 {limit} 个。"},
    "pack_unsafe_path": {"en": "The entry '{file}' would be written outside the pack.",
                         "zh-CN": "条目“{file}”会写到包目录之外。"},
    "pack_duplicate_entry": {"en": "The archive holds '{file}' twice.",
                             "zh-CN": "归档中“{file}”出现了两次。"},
    "pack_entry_too_large": {"en": "'{file}' is larger than {limit} bytes.",
                             "zh-CN": "“{file}”超过 {limit} 字节。"},
    "pack_too_large": {"en": "The pack is larger than {limit} bytes unpacked.",
                       "zh-CN": "该包解压后超过 {limit} 字节。"},
    "pack_compression_ratio": {
        "en": "'{file}' expands more than {limit} times: refused as a zip bomb.",
        "zh-CN": "“{file}”解压后膨胀超过 {limit} 倍,按压缩炸弹拒绝。"},
    # manifest and content
    "pack_manifest_missing": {"en": "The pack has no manifest '{file}'.",
                              "zh-CN": "该包缺少清单文件“{file}”。"},
    "pack_manifest_invalid": {"en": "The manifest pack.json is invalid.",
                              "zh-CN": "清单 pack.json 无效。"},
    "pack_bad_range": {
        "en": "'{range}' is not a version range (write e.g. \">=1.2,<2\").",
        "zh-CN": "“{range}”不是版本范围(例如写作“>=1.2,<2”)。"},
    "pack_requires_itself": {"en": "The pack '{pack}' cannot require itself.",
                             "zh-CN": "包“{pack}”不能依赖自身。"},
    "pack_component_file_missing": {
        "en": "The component's file '{file}' is not in the pack.",
        "zh-CN": "组件文件“{file}”不在包中。"},
    "pack_component_file_twice": {
        "en": "Two component ids name the same file: each definition has one stable id.",
        "zh-CN": "两个组件 ID 指向同一文件:每个定义只能有一个稳定 ID。"},
    "pack_component_id_missing": {
        "en": "'{file}' has no stable component id: add it under components in pack.json.",
        "zh-CN": "“{file}”没有稳定的组件 ID:请在 pack.json 的 components 中添加。"},
    "pack_unknown_kind": {"en": "Unknown kind '{kind}'. Known: {allowed}.",
                          "zh-CN": "未知类型“{kind}”。已知类型:{allowed}。"},
    "pack_duplicate_definition": {
        "en": "The {kind} '{api_name}' is also defined in '{other}'.",
        "zh-CN": "{kind}“{api_name}”在“{other}”中也有定义。"},
    "pack_invalid": {"en": "The pack's content is invalid.", "zh-CN": "包内容无效。"},
    "pack_missing_translation": {"en": "The text in language '{language}' is missing.",
                                 "zh-CN": "缺少语言“{language}”的文本。"},
    "pack_unknown_workflow": {"en": "The pack has no workflow '{workflow}'.",
                              "zh-CN": "该包中没有工作流“{workflow}”。"},
    "pack_file_missing": {"en": "The file '{file}' is missing.",
                          "zh-CN": "文件“{file}”缺失。"},
    # signatures and trust
    "pack_bad_key": {"en": "The key is not an Ed25519 key: {reason}",
                     "zh-CN": "该密钥不是 Ed25519 密钥:{reason}"},
    "pack_signature_invalid": {
        "en": "The pack's signature does not verify: the pack was changed or damaged.",
        "zh-CN": "包签名校验失败:包已被修改或损坏。"},
    "pack_file_tampered": {"en": "'{file}' was changed after the pack was signed.",
                           "zh-CN": "“{file}”在签名后被修改。"},
    "pack_file_unsigned": {"en": "'{file}' was added after the pack was signed.",
                           "zh-CN": "“{file}”是在签名后加入的。"},
    "pack_unsigned": {
        "en": "The pack is not signed. Sign it (objectry pack sign) with a trusted key; "
              "unsigned packs install only from the command line with --allow-unsigned.",
        "zh-CN": "该包未签名。请用受信任的密钥签名(objectry pack sign);"
                 "未签名的包只能在命令行中使用 --allow-unsigned 安装。"},
    "pack_untrusted_key": {
        "en": "The pack is signed with key {key}, which this installation does not trust "
              "(objectry pack trust add).",
        "zh-CN": "该包由密钥 {key} 签名,本安装不信任该密钥(objectry pack trust add)。"},
    "pack_unknown_key": {"en": "No trusted key '{key}'.", "zh-CN": "没有受信任的密钥“{key}”。"},
    # install
    "pack_platform_mismatch": {
        "en": "The pack needs platform {range}; this is Objectry {platform}.",
        "zh-CN": "该包需要平台版本 {range};当前为 Objectry {platform}。"},
    "pack_dependency_missing": {
        "en": "The pack requires '{pack}' {range}: install it first.",
        "zh-CN": "该包依赖“{pack}” {range}:请先安装。"},
    "pack_dependency_conflict": {
        "en": "The pack requires '{pack}' {range}, but {installed} is installed.",
        "zh-CN": "该包依赖“{pack}” {range},但已安装的是 {installed}。"},
    "pack_breaks_dependent": {
        "en": "The installed pack '{pack}' requires this pack {range}; {version} is not in "
              "that range.",
        "zh-CN": "已安装的包“{pack}”要求本包版本 {range};{version} 不在此范围内。"},
    "pack_foreign_document": {
        "en": "The {kind} '{api_name}' belongs to the pack '{owner}': a pack writes only "
              "its own definitions.",
        "zh-CN": "{kind}“{api_name}”属于包“{owner}”:包只能写入自己的定义。"},
    "pack_document_exists": {
        "en": "The tenant already has its own {kind} '{api_name}'; the pack will not "
              "replace it.",
        "zh-CN": "租户已有自己的{kind}“{api_name}”,包不会替换它。"},
    "pack_already_installed": {"en": "'{pack}' {version} is already installed.",
                               "zh-CN": "“{pack}” {version} 已安装。"},
    "pack_downgrade": {
        "en": "'{pack}' {installed} is installed; installing the older {version} is refused "
              "(downgrades could drop what newer versions added).",
        "zh-CN": "已安装“{pack}” {installed};拒绝安装更旧的 {version}"
                 "(降级可能丢失新版本添加的内容)。"},
    "pack_upgrade_needed": {
        "en": "'{pack}' {installed} is installed: upgrade it to {version} instead.",
        "zh-CN": "已安装“{pack}” {installed}:请改为升级到 {version}。"},
    "pack_activation_unknown": {
        "en": "The pack does not suggest activating the workflow '{workflow}'.",
        "zh-CN": "该包未建议启用工作流“{workflow}”。"},
    "pack_component_kind_changed": {
        "en": "The component {component} was a {kind} and is now a {new}: a component keeps "
              "its kind across versions (give the new definition a new id).",
        "zh-CN": "组件 {component} 原为{kind},现为{new}:组件在各版本间须保持类型"
                 "(请为新定义使用新的 id)。"},
    "pack_field_id_invalid": {
        "en": "The field id '{id}' is empty, not text, or used twice in this object.",
        "zh-CN": "字段 id“{id}”为空、不是文本,或在此对象中重复使用。"},
    "pack_migration_failed": {
        "en": "The data migration {file} ({version}, {phase}) failed: {message} "
              "Nothing was upgraded.",
        "zh-CN": "数据迁移 {file}({version},{phase})失败:{message} 未进行任何升级。"},
    "pack_migration_version": {
        "en": "The migration is for version {version}, beyond the pack's own "
              "{pack_version}.",
        "zh-CN": "该迁移对应版本 {version},超出了包自身的版本 {pack_version}。"},
    "pack_property_locked": {
        "en": "{property} is locked by the pack '{pack}': only the pack's upgrades change "
              "it.",
        "zh-CN": "{property} 已被包“{pack}”锁定:只有该包的升级可以修改它。"},
    "pack_dependency_cycle": {
        "en": "The packs require each other in a circle: {cycle}.",
        "zh-CN": "这些包循环依赖:{cycle}。"},
    "pack_batch_duplicate": {
        "en": "The pack '{pack}' is in the batch twice.",
        "zh-CN": "包“{pack}”在本批中出现了两次。"},
    "pack_batch_size": {
        "en": "Install between 1 and {limit} packs in one call.",
        "zh-CN": "一次调用请安装 1 到 {limit} 个包。"},
    "pack_batch_body": {
        "en": "Send either pack (one .opack) or packs (a non-empty list of them), not both.",
        "zh-CN": "请只发送 pack(一个 .opack)或 packs(非空的 .opack 列表)之一。"},
    "pack_batch_install_only": {
        "en": "Several packs in one call can be planned and installed, not upgraded: "
              "upgrade them one by one.",
        "zh-CN": "一次调用中的多个包只能规划和安装,不能升级:请逐个升级。"},
    # the packs designer page
    "ui_packs": {"en": "Packs", "zh-CN": "行业包"},
    "ui_packs_none": {"en": "No pack installed yet.", "zh-CN": "尚未安装任何包。"},
    "ui_pack_name": {"en": "Name", "zh-CN": "名称"},
    "ui_pack_version": {"en": "Version", "zh-CN": "版本"},
    "ui_pack_state": {"en": "State", "zh-CN": "状态"},
    "ui_pack_state_installed": {"en": "Installed", "zh-CN": "已安装"},
    "ui_pack_state_uninstalled": {"en": "Uninstalled (data kept)", "zh-CN": "已卸载(数据保留)"},
    "ui_pack_signed_by": {"en": "Signed by", "zh-CN": "签名者"},
    "ui_pack_unsigned": {"en": "unsigned", "zh-CN": "未签名"},
    "ui_pack_installed": {"en": "Installed", "zh-CN": "安装"},
    "ui_pack_upload": {"en": "Install or upgrade a pack", "zh-CN": "安装或升级包"},
    "ui_pack_upload_help": {
        "en": "Upload a signed .opack: its plan is shown first, nothing changes until you "
              "apply it.",
        "zh-CN": "上传已签名的 .opack:先显示计划,应用之前不会有任何变化。"},
    "ui_pack_file": {"en": "Pack file (.opack)", "zh-CN": "包文件(.opack)"},
    "ui_pack_show_plan": {"en": "Show the plan", "zh-CN": "查看计划"},
    "ui_pack_refused": {"en": "The pack cannot be applied", "zh-CN": "无法应用该包"},
    "ui_pack_plan_install": {"en": "Install {pack} {version}", "zh-CN": "安装 {pack} {version}"},
    "ui_pack_plan_upgrade": {
        "en": "Upgrade {pack} {previous} → {version}",
        "zh-CN": "升级 {pack} {previous} → {version}"},
    "ui_pack_dependencies": {"en": "Dependencies", "zh-CN": "依赖"},
    "ui_pack_documents": {"en": "Definitions", "zh-CN": "定义"},
    "ui_pack_kind": {"en": "Kind", "zh-CN": "类型"},
    "ui_pack_action": {"en": "Change", "zh-CN": "变化"},
    "ui_pack_renames": {"en": "Renamed (data kept)", "zh-CN": "重命名(数据保留)"},
    "ui_pack_steps": {"en": "Schema steps", "zh-CN": "结构变更步骤"},
    "ui_pack_conflicts": {"en": "Conflicts to decide", "zh-CN": "待决定的冲突"},
    "ui_pack_conflicts_help": {
        "en": "You and the pack both changed these properties: choose for each.",
        "zh-CN": "您和包都修改了这些属性:请逐一选择。"},
    "ui_pack_keep_mine": {"en": "Keep mine", "zh-CN": "保留我的"},
    "ui_pack_take_pack": {"en": "Take the pack's", "zh-CN": "采用包的"},
    "ui_pack_edit": {"en": "Edit", "zh-CN": "编辑"},
    "ui_pack_workflows": {"en": "Workflows", "zh-CN": "工作流"},
    "ui_pack_activate": {"en": "Activate (the pack suggests it)", "zh-CN": "启用(包建议启用)"},
    "ui_pack_runs_in_flight": {"en": "{count} runs in flight", "zh-CN": "{count} 个运行中的实例"},
    "ui_pack_migrate_runs": {
        "en": "Move runs in flight to the new version",
        "zh-CN": "将运行中的实例迁移到新版本"},
    "ui_pack_migrations": {"en": "Data migrations", "zh-CN": "数据迁移"},
    "ui_pack_sample_data": {
        "en": "Also install the sample data (removable as a unit)",
        "zh-CN": "同时安装示例数据(可整体移除)"},
    "ui_pack_plan_again": {"en": "Plan again with these choices", "zh-CN": "按这些选择重新计划"},
    "ui_pack_done_install": {"en": "Installed.", "zh-CN": "已安装。"},
    "ui_pack_done_upgrade": {"en": "Upgraded.", "zh-CN": "已升级。"},
    "ui_pack_done_uninstall": {
        "en": "Uninstalled: definitions hidden, data kept. Installing the same version again "
              "restores them.",
        "zh-CN": "已卸载:定义已隐藏,数据保留。再次安装同一版本即可恢复。"},
    "ui_pack_uninstall": {"en": "Uninstall", "zh-CN": "卸载"},
    "ui_pack_uninstall_help": {
        "en": "Uninstalling hides the pack's definitions and stops its workflows; tables and "
              "data stay.",
        "zh-CN": "卸载会隐藏包的定义并停止其工作流;表和数据保留。"},
    "ui_pack_sop": {"en": "Standard operating procedures", "zh-CN": "标准作业程序"},
    "ui_pack_sop_none": {"en": "This pack ships no SOP.", "zh-CN": "该包不含标准作业程序。"},
    "ui_designer_packs": {"en": "Packs", "zh-CN": "行业包"},
    # the shipped catalog
    "pack_builtin_key": {
        "en": "The key {key} ships with the platform (the Objectry project's catalog key) "
              "and cannot be removed here.",
        "zh-CN": "密钥 {key} 随平台内置(Objectry 项目的目录签名密钥),不能在此移除。"},
    "pack_not_in_catalog": {
        "en": "The pack catalog has no pack '{pack}'. It has: {available}.",
        "zh-CN": "行业包目录中没有“{pack}”。目录中有:{available}。"},
    "pack_catalog_stray_file": {
        "en": "'{file}' is not pack content (JSON, CSV, Markdown or a function's .py): "
              "remove it before signing the catalog.",
        "zh-CN": "“{file}”不是包内容(JSON、CSV、Markdown 或函数的 .py):"
                 "请先删除它再为目录签名。"},
    "pack_names_required": {
        "en": "names is a non-empty list of catalog pack names, e.g. [\"objectry.core_crm\"].",
        "zh-CN": "names 应为非空的目录包名称列表,例如 [\"objectry.core_crm\"]。"},
    "pack_sample_lookup_unknown": {
        "en": "No {object} record has the {field} '{value}'; name a record that exists or "
              "comes earlier in the sample data.",
        "zh-CN": "没有{field}为“{value}”的{object}记录;请引用已存在或在示例数据中更早出现的记录。"},
    "pack_sample_lookup_ambiguous": {
        "en": "Several {object} records have the {field} '{value}'; give the record's id "
              "instead.",
        "zh-CN": "有多条{object}记录的{field}为“{value}”;请改用记录 ID。"},
    "ui_pack_catalog": {"en": "Pack catalog", "zh-CN": "行业包目录"},
    "ui_pack_catalog_help": {
        "en": "Packs shipped with Objectry and signed by the project. Installing one also "
              "installs the packs it requires.",
        "zh-CN": "随 Objectry 发布并由项目签名的行业包。安装时会一并安装它所依赖的包。"},
    "ui_pack_catalog_empty": {"en": "The catalog is empty.", "zh-CN": "目录为空。"},
    "ui_pack_requires": {"en": "Requires", "zh-CN": "依赖"},
    "ui_pack_sop_titles": {"en": "SOPs", "zh-CN": "作业规范"},
    "ui_pack_install": {"en": "Install", "zh-CN": "安装"},
    "ui_pack_installed_version": {"en": "Installed {version}", "zh-CN": "已安装 {version}"},
    "ui_pack_activate_suggested": {
        "en": "Start the workflows it suggests", "zh-CN": "启用包建议的工作流"},
    "ui_pack_catalog_done": {
        "en": "Installed {packs}: {objects} objects are ready, {rows} sample rows created.",
        "zh-CN": "已安装 {packs}:{objects} 个对象可用,已创建 {rows} 条示例数据。"},
    "ui_pack_catalog_nothing": {
        "en": "{packs} is already installed.", "zh-CN": "{packs} 已安装。"},
    "rename_target_taken": {
        "en": "Cannot rename the {kind} '{old}' to '{new}': that name is already taken.",
        "zh-CN": "无法将{kind}“{old}”重命名为“{new}”:该名称已被占用。"},
    "pack_merge_conflict": {
        "en": "Both the tenant and the pack changed {property} of component {component}: "
              "choose mine, the pack's, or an edited value.",
        "zh-CN": "租户和包都修改了组件 {component} 的 {property}:请选择保留我的、采用包的,"
                 "或编辑一个值。"},
    "pack_conflicts_unresolved": {
        "en": "The upgrade has {count} conflict(s) without a choice; nothing was applied.",
        "zh-CN": "升级有 {count} 处冲突尚未选择处理方式;未做任何更改。"},
    "pack_bad_choices": {
        "en": "choices maps a component id to property paths, each \"mine\", \"pack\" or "
              "{{\"value\": ...}}.",
        "zh-CN": "choices 将组件 ID 映射到属性路径,每项为 \"mine\"、\"pack\" 或 "
                 "{{\"value\": ...}}。"},
    "pack_required_by": {
        "en": "'{pack}' cannot be uninstalled: {dependents} require(s) it.",
        "zh-CN": "无法卸载“{pack}”:{dependents} 依赖它。"},
    "pack_role_in_use": {
        "en": "'{pack}' cannot be uninstalled while users hold its roles: {users}.",
        "zh-CN": "仍有用户持有“{pack}”的角色,无法卸载:{users}。"},
    "pack_object_in_use": {
        "en": "'{pack}' cannot be uninstalled while the tenant's definitions refer to its "
              "objects: {documents}.",
        "zh-CN": "租户的定义仍引用“{pack}”的对象,无法卸载:{documents}。"},
    "pack_reinstall_version": {
        "en": "'{pack}' {installed} was uninstalled: install {installed} again to restore "
              "it, then upgrade to {version}.",
        "zh-CN": "“{pack}” {installed} 已卸载:请先重新安装 {installed} 以恢复,"
                 "再升级到 {version}。"},
    "pack_name_required": {"en": "Name the pack: {{\"name\": \"publisher.name\"}}.",
                           "zh-CN": "请指明包名:{{\"name\": \"publisher.name\"}}。"},
    "pack_purge_installed": {
        "en": "'{pack}' is installed: uninstall it before purging its data.",
        "zh-CN": "“{pack}”仍处于安装状态:请先卸载再清除其数据。"},
    "pack_not_installed": {"en": "The pack '{pack}' is not installed.",
                           "zh-CN": "包“{pack}”未安装。"},
})
