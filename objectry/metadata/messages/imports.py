"""Messages of bulk writes, imports and exports (issue 16), en and zh-CN."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

IMPORT_MESSAGES: Final = MappingProxyType({
    # bulk
    "bulk_records_required": {
        "en": "Send 'records': a list of 1 to {max} records.",
        "zh-CN": "请提供“records”:包含 1 到 {max} 条记录的列表。"},
    "bulk_upsert_field": {
        "en": "'{field}' cannot be used for upsert: name a unique field you can read.",
        "zh-CN": "“{field}”不能用于更新插入:请指定一个您可读取的唯一字段。"},
    "bulk_rejected": {
        "en": "{count} records were refused, so none was written.",
        "zh-CN": "有 {count} 条记录被拒绝,因此未写入任何记录。"},
    # import files
    "import_file_required": {
        "en": "Upload the file as multipart/form-data in the part 'file'.",
        "zh-CN": "请以 multipart/form-data 格式在“file”部分上传文件。"},
    "import_malformed": {
        "en": "The file cannot be read: {reason}",
        "zh-CN": "无法读取文件:{reason}"},
    "import_encoding": {
        "en": "The file is neither UTF-8 nor GB18030 text.",
        "zh-CN": "文件既不是 UTF-8 也不是 GB18030 编码的文本。"},
    "import_empty": {
        "en": "The file has no header row.",
        "zh-CN": "文件没有表头行。"},
    "import_too_many_rows": {
        "en": "The file has more than {max} rows; split it, or raise "
              "OBJECTRY_IMPORT_MAX_ROWS.",
        "zh-CN": "文件超过 {max} 行;请拆分文件,或调高 OBJECTRY_IMPORT_MAX_ROWS。"},
    "import_too_large": {
        "en": "The file is larger than {max} bytes; split it, or raise "
              "OBJECTRY_IMPORT_MAX_BYTES.",
        "zh-CN": "文件超过 {max} 字节;请拆分文件,或调高 OBJECTRY_IMPORT_MAX_BYTES。"},
    "import_unknown_column": {
        "en": "The column '{column}' matches no field of {object}: map it to a field or "
              "to null to skip it.",
        "zh-CN": "列“{column}”与 {object} 的任何字段都不对应:请将其映射到字段,或映射为 "
                 "null 以跳过。"},
    "import_read_only_field": {
        "en": "The column '{column}' is mapped to '{field}', which cannot be written.",
        "zh-CN": "列“{column}”映射到了不可写入的字段“{field}”。"},
    "import_duplicate_mapping": {
        "en": "The columns '{column}' and '{other}' are both mapped to '{field}'.",
        "zh-CN": "列“{column}”和“{other}”都映射到了字段“{field}”。"},
    "import_mapping_invalid": {
        "en": "The mapping must be an object of column name → field api_name (or null).",
        "zh-CN": "映射必须是“列名 → 字段 api_name(或 null)”形式的对象。"},
    "import_not_ready": {
        "en": "The import cannot run: {reason}.",
        "zh-CN": "导入无法运行:{reason}。"},
    "import_state": {
        "en": "The import is {state}; this is no longer possible.",
        "zh-CN": "导入状态为 {state},无法再执行此操作。"},
    "import_invalid_rows_skipped": {
        "en": "{count} invalid rows will fail and be listed in the error file; the others "
              "are written.",
        "zh-CN": "{count} 行无效数据将失败并列入错误文件;其余行会被写入。"},
    "import_reason_column": {"en": "reason", "zh-CN": "原因"},
    "ui_import": {"en": "Import", "zh-CN": "导入"},
    "ui_import_title": {"en": "Import {object}", "zh-CN": "导入{object}"},
    "ui_import_step_upload": {"en": "Upload", "zh-CN": "上传"},
    "ui_import_step_map": {"en": "Map and preview", "zh-CN": "映射与预览"},
    "ui_import_step_run": {"en": "Run", "zh-CN": "运行"},
    "ui_import_step_report": {"en": "Report", "zh-CN": "报告"},
    "ui_import_file": {"en": "CSV or Excel (XLSX) file", "zh-CN": "CSV 或 Excel(XLSX)文件"},
    "ui_import_file_help": {
        "en": "The first row names the columns. UTF-8 (with or without BOM) or GB18030.",
        "zh-CN": "第一行为列名。编码为 UTF-8(带或不带 BOM)或 GB18030。"},
    "ui_import_upsert": {"en": "Update existing records matched on",
                         "zh-CN": "按以下字段匹配并更新现有记录"},
    "ui_import_upsert_none": {"en": "(create every row)", "zh-CN": "(每行都新建)"},
    "ui_import_preview": {"en": "Upload and preview", "zh-CN": "上传并预览"},
    "ui_import_mapping": {"en": "Columns", "zh-CN": "列映射"},
    "ui_import_column": {"en": "Column", "zh-CN": "列"},
    "ui_import_field": {"en": "Field", "zh-CN": "字段"},
    "ui_import_skip_column": {"en": "(do not import)", "zh-CN": "(不导入)"},
    "ui_import_remap": {"en": "Apply mapping and preview again",
                        "zh-CN": "应用映射并重新预览"},
    "ui_import_preview_title": {"en": "Preview", "zh-CN": "预览"},
    "ui_import_preview_counts": {
        "en": "{rows} rows: {valid} valid, {invalid} with errors. Nothing is written yet.",
        "zh-CN": "共 {rows} 行:{valid} 行有效,{invalid} 行有错误。尚未写入任何数据。"},
    "ui_import_row": {"en": "Row", "zh-CN": "行"},
    "ui_import_problem": {"en": "Problem", "zh-CN": "问题"},
    "ui_import_error_file": {"en": "Download the rows with errors (CSV)",
                             "zh-CN": "下载有错误的行(CSV)"},
    "ui_import_duplicates": {"en": "{count} rows look like existing records.",
                             "zh-CN": "{count} 行与现有记录疑似重复。"},
    "ui_import_assignment": {"en": "Assignment of the new records",
                             "zh-CN": "新记录的分配"},
    "ui_import_assigned_to": {"en": "{user}: {count} records", "zh-CN": "{user}:{count} 条"},
    "ui_import_unassigned": {"en": "Nobody eligible: {count} records",
                             "zh-CN": "无合适的负责人:{count} 条"},
    "ui_import_no_assignment": {"en": "No assignment rule runs: you will own the new records.",
                                "zh-CN": "没有分配规则:新记录将归您所有。"},
    "ui_import_run": {"en": "Import {count} valid rows", "zh-CN": "导入 {count} 行有效数据"},
    "ui_import_status_queued": {"en": "Queued", "zh-CN": "排队中"},
    "ui_import_status_running": {"en": "Importing…", "zh-CN": "正在导入…"},
    "ui_import_status_done": {"en": "Import finished", "zh-CN": "导入完成"},
    "ui_import_status_failed": {"en": "Import stopped", "zh-CN": "导入已停止"},
    "ui_import_status_previewed": {"en": "Not run yet", "zh-CN": "尚未运行"},
    "ui_import_counts": {
        "en": "{done} written, {failed} failed, {pending} to go (of {total})",
        "zh-CN": "已写入 {done} 行,失败 {failed} 行,剩余 {pending} 行(共 {total} 行)"},
    "ui_import_rate": {"en": "{rate} rows/s", "zh-CN": "每秒 {rate} 行"},
    "ui_import_eta": {"en": "about {seconds} s left", "zh-CN": "约剩 {seconds} 秒"},
    "ui_import_stalled": {"en": "The run stopped; run it again to resume.",
                          "zh-CN": "运行已中断,请重新运行以继续。"},
    "ui_import_see_records": {"en": "See the {object} records", "zh-CN": "查看{object}记录"},
    "import_expired": {
        "en": "This import was not run within {days} days; its rows were deleted. Upload "
              "the file again.",
        "zh-CN": "此导入在 {days} 天内未运行,其数据行已删除。请重新上传文件。"},
    "export_labels": {
        "en": "labels must be true (picklists as labels) or false (as values).",
        "zh-CN": "labels 必须为 true(选项显示为标签)或 false(显示为值)。"},
})
