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
    "pack_rename_unsupported": {
        "en": "The component was the {kind} '{api_name}' and is now '{new}': renaming a "
              "definition in an upgrade is not supported yet.",
        "zh-CN": "该组件原为{kind}“{api_name}”,现为“{new}”:升级中暂不支持重命名定义。"},
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
