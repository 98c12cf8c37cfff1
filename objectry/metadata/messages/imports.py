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
    "export_labels": {
        "en": "labels must be true (picklists as labels) or false (as values).",
        "zh-CN": "labels 必须为 true(选项显示为标签)或 false(显示为值)。"},
})
