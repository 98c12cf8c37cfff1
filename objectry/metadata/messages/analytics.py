"""Messages of formula and roll-up fields, the aggregate API, workload, attribution and
dashboards, en and zh-CN."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

ANALYTICS_MESSAGES: Final = MappingProxyType({
    "formula_empty": {"en": "The formula is empty.", "zh-CN": "公式为空。"},
    "formula_too_long": {
        "en": "The formula is longer than {max_length} characters.",
        "zh-CN": "公式超过 {max_length} 个字符。"},
    "formula_syntax": {
        "en": "The formula cannot be read at column {column} (near '{found}').",
        "zh-CN": "公式第 {column} 列无法解析(“{found}”附近)。"},
    "formula_unknown_field": {
        "en": "Column {column}: there is no field '{field}'.",
        "zh-CN": "第 {column} 列:没有字段“{field}”。"},
    "formula_not_a_lookup": {
        "en": "Column {column}: '{field}' is not a lookup, so nothing can be read through it.",
        "zh-CN": "第 {column} 列:“{field}”不是查找字段,不能通过它读取其他字段。"},
    "formula_unsupported_field": {
        "en": "Column {column}: '{field}' ({type}) cannot be used in a formula.",
        "zh-CN": "第 {column} 列:字段“{field}”({type})不能用于公式。"},
    "formula_unknown_function": {
        "en": "Column {column}: there is no function '{function}' (known: {known}).",
        "zh-CN": "第 {column} 列:没有函数“{function}”(可用:{known})。"},
    "formula_arity": {
        "en": "Column {column}: {function} takes {expected} arguments, not {found}.",
        "zh-CN": "第 {column} 列:{function} 需要 {expected} 个参数,而不是 {found} 个。"},
    "formula_type_mismatch": {
        "en": "Column {column}: {operator} needs {expected} here, not {found}.",
        "zh-CN": "第 {column} 列:{operator} 在此需要 {expected},而不是 {found}。"},
    "formula_cycle": {
        "en": "Column {column}: formulas refer to each other in a circle ({fields}).",
        "zh-CN": "第 {column} 列:公式之间循环引用({fields})。"},
    "formula_input_invalid": {
        "en": "Column {column}: the formula '{field}' it uses is itself invalid.",
        "zh-CN": "第 {column} 列:所引用的公式“{field}”本身无效。"},
    "formula_result_mismatch": {
        "en": "The formula gives {found}, but its result is declared as {result}.",
        "zh-CN": "公式的结果为 {found},但声明的结果类型为 {result}。"},
    "formula_option_not_allowed": {
        "en": "A formula is computed, so it cannot have '{option}'.",
        "zh-CN": "公式字段是计算得出的,不能设置“{option}”。"},
    "formula_read_only": {
        "en": "A formula's value is computed; it cannot be written.",
        "zh-CN": "公式字段的值是计算得出的,不能写入。"},
    "formula_not_filterable_here": {
        "en": "The formula '{field}' of related records cannot be filtered on yet.",
        "zh-CN": "暂不支持按关联记录的公式字段“{field}”筛选。"},
    # roll-up fields
    "ui_type_rollup": {"en": "Roll-up (of related records)", "zh-CN": "汇总(关联记录)"},
    "rollup_option_not_allowed": {
        "en": "A roll-up is computed, so it cannot have '{option}'.",
        "zh-CN": "汇总字段是计算得出的,不能设置“{option}”。"},
    "rollup_read_only": {
        "en": "A roll-up's value is computed from related records; it cannot be written.",
        "zh-CN": "汇总字段的值由关联记录计算得出,不能写入。"},
    "rollup_unknown_object": {
        "en": "There is no object '{object}' to roll up.",
        "zh-CN": "没有可汇总的对象“{object}”。"},
    "rollup_too_many_hops": {
        "en": "A roll-up follows at most {max} lookups.",
        "zh-CN": "汇总最多经过 {max} 个查找关系。"},
    "rollup_not_a_lookup": {
        "en": "'{field}' of {object} is not a lookup; a roll-up follows lookups only.",
        "zh-CN": "{object} 的“{field}”不是查找字段;汇总只能经过查找关系。"},
    "rollup_path_elsewhere": {
        "en": "These lookups lead to {object}, not to {expected}.",
        "zh-CN": "这些查找关系指向 {object},而不是 {expected}。"},
    "rollup_unknown_field": {
        "en": "{object} has no field '{field}'.", "zh-CN": "{object} 没有字段“{field}”。"},
    "rollup_field_not_measurable": {
        "en": "{op} cannot be rolled up over '{field}'.",
        "zh-CN": "不能对“{field}”汇总 {op}。"},
    "rollup_rate_needs_sum": {
        "en": "Only a sum can be weighed by a rate.", "zh-CN": "只有求和可以按费率加权。"},
    "rollup_rate_field": {
        "en": "'{field}' must be a {kind} field.", "zh-CN": "“{field}”必须是{kind}类型的字段。"},
    "rollup_not_a_rollup": {
        "en": "'{field}' is not a roll-up field of this object.",
        "zh-CN": "“{field}”不是此对象的汇总字段。"},
    # attribution
    "attribution_unknown_model": {
        "en": "'{model}' is not an attribution model ({allowed}).",
        "zh-CN": "“{model}”不是归因模型({allowed})。"},
    "attribution_half_life": {
        "en": "The half-life is a number of days above 0, at most 3650.",
        "zh-CN": "半衰期应为大于 0 且不超过 3650 的天数。"},
    "attribution_touchpoints": {
        "en": "Name 1 to {max} touchpoint objects.", "zh-CN": "请指定 1 到 {max} 个触点对象。"},
    "attribution_unknown_object": {
        "en": "There is no object '{object}'.", "zh-CN": "没有对象“{object}”。"},
    "attribution_unreadable_object": {
        "en": "You may not read {object} records.", "zh-CN": "你无权读取 {object} 记录。"},
    # dashboards
    "dashboard_chart_groups": {
        "en": "A number chart has no group; a {type} chart groups by one field.",
        "zh-CN": "数字图不分组;{type} 图按一个字段分组。"},
    "ui_dashboards": {"en": "Dashboards", "zh-CN": "仪表盘"},
    "ui_dashboards_none": {"en": "No dashboards yet.", "zh-CN": "还没有仪表盘。"},
    "ui_chart_unavailable": {
        "en": "You cannot see the data of this chart.", "zh-CN": "你无权查看此图表的数据。"},
    "ui_chart_empty": {"en": "No records.", "zh-CN": "没有记录。"},
    "ui_attribution_first_touch": {"en": "First touch", "zh-CN": "首次触达"},
    "ui_attribution_last_touch": {"en": "Last touch", "zh-CN": "末次触达"},
    "ui_attribution_linear": {"en": "Linear", "zh-CN": "线性平均"},
    "ui_attribution_u_shaped": {"en": "U-shaped", "zh-CN": "U 型"},
    "ui_attribution_time_decay": {"en": "Time decay", "zh-CN": "时间衰减"},
    "ui_attribution_unattributed": {
        "en": "Won revenue without a campaign touch: {revenue} ({count} opportunities)",
        "zh-CN": "没有活动触点的赢单收入:{revenue}({count} 个商机)"},
    # the aggregate API
    "aggregate_field_not_groupable": {
        "en": "'{field}' cannot be grouped by.", "zh-CN": "不能按“{field}”分组。"},
    "aggregate_field_not_measurable": {
        "en": "{op} cannot be computed over '{field}'.",
        "zh-CN": "不能对“{field}”计算 {op}。"},
    "aggregate_bucket_needs_date": {
        "en": "A {bucket} bucket needs a date or date-time field; '{field}' is not one.",
        "zh-CN": "按 {bucket} 分桶需要日期或日期时间字段,“{field}”不是。"},
    "aggregate_unknown_measure": {
        "en": "'{name}' is not one of the measures or groups of this request.",
        "zh-CN": "“{name}”不是本次请求中的度量或分组。"},
    "aggregate_too_many": {
        "en": "At most {max} {what} are allowed.", "zh-CN": "{what} 最多允许 {max} 个。"},
})
