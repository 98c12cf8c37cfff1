"""Messages of duplicate rules, merge and conversion (issue 16), en and zh-CN."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

LIFECYCLE_MESSAGES: Final = MappingProxyType({
    "duplicate_blocked": {
        "en": "The duplicate rule '{rule}' refuses this record: it matches {count} existing "
              "record(s), listed in 'duplicates'.",
        "zh-CN": "查重规则“{rule}”拒绝了此记录:它与 {count} 条现有记录重复,见“duplicates”。"},
    "duplicate_blocked_hidden": {
        "en": "The duplicate rule '{rule}' refuses this record: it matches records you "
              "cannot see. Ask an administrator.",
        "zh-CN": "查重规则“{rule}”拒绝了此记录:它与您无权查看的记录重复,请联系管理员。"},
    "duplicate_in_batch": {
        "en": "The duplicate rule '{rule}' refuses this record: it matches record {row} of "
              "the same batch.",
        "zh-CN": "查重规则“{rule}”拒绝了此记录:它与同一批次中的第 {row} 条记录重复。"},
    "ui_merge": {"en": "Merge…", "zh-CN": "合并…"},
    "ui_merge_title": {"en": "Merge into {name}", "zh-CN": "合并到 {name}"},
    "ui_merge_candidates": {"en": "Possible duplicates", "zh-CN": "疑似重复的记录"},
    "ui_merge_no_candidates": {"en": "No duplicate rule finds a match for this record.",
                               "zh-CN": "没有查重规则发现与此记录重复的记录。"},
    "ui_merge_other_id": {"en": "Or the id of the record to merge",
                          "zh-CN": "或输入要合并的记录 ID"},
    "ui_merge_compare": {"en": "Compare", "zh-CN": "比较"},
    "ui_merge_explain": {
        "en": "{survivor} stays; {other} goes to the recycle bin (the merge can be undone "
              "from there). Pick the value to keep where they differ.",
        "zh-CN": "保留 {survivor};{other} 将移入回收站(可在回收站撤销合并)。"
                 "值不同时,请选择要保留的值。"},
    "ui_merge_confirm": {"en": "Merge {other} into this record",
                         "zh-CN": "将 {other} 合并到此记录"},
    "ui_convert": {"en": "Convert…", "zh-CN": "转换…"},
    "ui_convert_title": {"en": "Convert {name}", "zh-CN": "转换 {name}"},
    "ui_convert_no_map": {"en": "No conversion map is defined for this object.",
                          "zh-CN": "此对象没有定义转换映射。"},
    "ui_convert_map": {"en": "Conversion", "zh-CN": "转换方式"},
    "ui_convert_count": {"en": "How many {target} records", "zh-CN": "{target} 记录数量"},
    "ui_convert_preview": {"en": "Preview", "zh-CN": "预览"},
    "ui_convert_will": {"en": "The conversion will", "zh-CN": "转换将会"},
    "ui_convert_confirm": {"en": "Convert", "zh-CN": "转换"},
    "ui_convert_done": {"en": "Converted.", "zh-CN": "已转换。"},
    "ui_convert_action_created": {"en": "create", "zh-CN": "新建"},
    "ui_convert_action_matched": {"en": "use the existing", "zh-CN": "使用现有"},
    "ui_convert_action_existing": {"en": "use the chosen", "zh-CN": "使用所选"},
    "ui_convert_items_help": {
        "en": "Give each record its own values; an empty box keeps what the conversion "
              "copies from this record. Change the number, then Preview.",
        "zh-CN": "可为每条记录分别填写;留空则沿用从本记录复制的值。修改数量后请点“预览”。"},
    "ui_convert_item_field": {"en": "{target} {n}: {field}",
                              "zh-CN": "第 {n} 条{target}:{field}"},
    "duplicate_rebuild_admin": {
        "en": "Only an administrator can rebuild the keys of the duplicate rule '{rule}'.",
        "zh-CN": "只有管理员可以重建查重规则“{rule}”的匹配键。"},
    "unknown_duplicate_rule": {
        "en": "There is no duplicate rule '{rule}'.",
        "zh-CN": "不存在查重规则“{rule}”。"},
    "duplicate_match_field": {
        "en": "Each match field may appear only once.",
        "zh-CN": "每个匹配字段只能出现一次。"},
    "duplicate_rule_compares_nothing": {
        "en": "A rule with within: false needs at least one 'against' object.",
        "zh-CN": "within 为 false 的规则至少需要一个“against”对象。"},
    "duplicate_counterpart_missing": {
        "en": "Name the field of '{object}' that '{field}' is compared with.",
        "zh-CN": "请指定“{object}”中与“{field}”比较的字段。"},
    "duplicate_counterpart_unused": {
        "en": "'{field}' is neither a match field nor the fuzzy field of the rule.",
        "zh-CN": "“{field}”既不是规则的匹配字段,也不是模糊匹配字段。"},
    "merge_same_record": {
        "en": "A record cannot be merged into itself.",
        "zh-CN": "记录不能合并到其自身。"},
    "merge_record_twice": {
        "en": "The record {id} is named twice.",
        "zh-CN": "记录 {id} 被重复指定。"},
    "merge_too_many": {
        "en": "At most {max} records can be merged into one at a time.",
        "zh-CN": "一次最多可将 {max} 条记录合并为一条。"},
    "merge_value_source": {
        "en": "The value of '{field}' comes from one of the merged records or the survivor "
              "(their id), or is written as {{\"value\": ...}}.",
        "zh-CN": "“{field}”的值应取自被合并记录或保留记录之一(其 ID),"
                 "或写为 {{\"value\": ...}}。"},
    "merge_not_allowed": {
        "en": "You may not delete the records merged away, or edit the one they merge into.",
        "zh-CN": "您无权删除被合并的记录,或编辑合并后保留的记录。"},
    "merge_children_hidden": {
        "en": "Records you cannot edit refer to a record being merged; an administrator can "
              "merge them.",
        "zh-CN": "有您无权编辑的记录引用了被合并的记录,请由管理员执行合并。"},
    "record_merged": {
        "en": "This record was merged into {survivor}: undo the merge with "
              "POST /records/{object}/{{id}}/unmerge, which says what it will do.",
        "zh-CN": "此记录已合并到 {survivor}:请用 POST /records/{object}/{{id}}/unmerge "
                 "撤销合并(会先说明将做的更改)。"},
    "not_merged": {
        "en": "This record is not in the recycle bin from a merge.",
        "zh-CN": "此记录不是因合并而进入回收站的。"},
    "merge_survivor_gone": {
        "en": "The record it was merged into is no longer live; restore it first.",
        "zh-CN": "合并后保留的记录已不存在,请先恢复该记录。"},
    "already_converted": {
        "en": "This record was already converted on {at}.",
        "zh-CN": "此记录已于 {at} 转换。"},
    "unknown_conversion_map": {
        "en": "There is no conversion map '{map}' for '{object}'.",
        "zh-CN": "“{object}”没有名为“{map}”的转换映射。"},
    "conversion_map_needed": {
        "en": "'{object}' has several conversion maps: name one in 'map' ({maps}).",
        "zh-CN": "“{object}”有多个转换映射,请在“map”中指定一个({maps})。"},
    "conversion_target_twice": {
        "en": "The target name '{name}' is used twice.",
        "zh-CN": "目标名称“{name}”被重复使用。"},
    "conversion_link_unknown": {
        "en": "'{name}' is not an earlier target of this map.",
        "zh-CN": "“{name}”不是此映射中之前的目标。"},
    "conversion_rule_unknown": {
        "en": "'{rule}' is not a duplicate rule of '{object}'.",
        "zh-CN": "“{rule}”不是“{object}”的查重规则。"},
    "conversion_target_unknown": {
        "en": "The map has no target '{name}'.",
        "zh-CN": "映射中没有目标“{name}”。"},
    "conversion_one_only": {
        "en": "The target '{name}' produces one record.",
        "zh-CN": "目标“{name}”只能生成一条记录。"},
    "conversion_target_required": {
        "en": "The target '{name}' is not optional.",
        "zh-CN": "目标“{name}”不可省略。"},
})
