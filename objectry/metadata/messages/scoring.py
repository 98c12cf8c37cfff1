"""Messages of scoring models (their validation, runs and the score step), en and zh-CN."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

SCORING_MESSAGES: Final = MappingProxyType({
    "scoring_weights_sum": {
        "en": "The dimension weights add up to {total}; they must add up to {expected}.",
        "zh-CN": "各维度权重之和为 {total},必须等于 {expected}。"},
    "scoring_target_not_numeric": {
        "en": "The score goes into '{field}', which is not a field of type {types}.",
        "zh-CN": "评分写入的字段“{field}”不是 {types} 类型的字段。"},
    "scoring_dimension_needs_one": {
        "en": "A dimension needs exactly one of {kinds} (found {found}).",
        "zh-CN": "每个维度必须且只能有 {kinds} 之一(当前为 {found})。"},
    "scoring_option_needs_activity": {
        "en": "'{option}' applies only to a dimension with activity_points.",
        "zh-CN": "“{option}”仅适用于含 activity_points 的维度。"},
    "scoring_function_purpose": {
        "en": "The function '{function}' has purpose '{purpose}'; a dimension needs a "
              "scoring function.",
        "zh-CN": "函数“{function}”的用途为“{purpose}”;评分维度需要用途为 scoring 的函数。"},
    "scoring_function_object": {
        "en": "The function '{function}' scores '{object}', not '{expected}'.",
        "zh-CN": "函数“{function}”用于对象“{object}”,而不是“{expected}”。"},
    "scoring_activity_object": {
        "en": "There is no object '{object}' to count activities in; name one under "
              "'activity'.",
        "zh-CN": "不存在用于统计互动的对象“{object}”;请在 activity 中指定。"},
    "scoring_type_field": {
        "en": "'{field}' of '{object}' is not a text or picklist field holding the "
              "activity type.",
        "zh-CN": "“{object}”的“{field}”不是存放互动类型的文本或单选字段。"},
    "scoring_duplicate_threshold": {"en": "There are two thresholds at {at}.",
                                    "zh-CN": "存在两个阈值都为 {at}。"},
    "scoring_set_not_allowed": {
        "en": "A threshold cannot set '{field}' (a system field or the score itself).",
        "zh-CN": "阈值不能设置“{field}”(系统字段或评分字段本身)。"},
    "unknown_scoring_model": {"en": "There is no scoring model '{model}'.",
                              "zh-CN": "评分模型“{model}”不存在。"},
    "scoring_model_wrong_object": {
        "en": "The scoring model '{model}' scores '{object}', not '{expected}'.",
        "zh-CN": "评分模型“{model}”用于对象“{object}”,而不是“{expected}”。"},
    "scoring_model_object": {
        "en": "The scoring model '{model}' scores '{object}' records, not '{requested}'.",
        "zh-CN": "评分模型“{model}”用于“{object}”记录,而不是“{requested}”。"},
    "scoring_model_broken": {
        "en": "The scoring model '{model}' no longer fits its object; fix and save it again.",
        "zh-CN": "评分模型“{model}”已与其对象不符,请修改后重新保存。"},
    "scoring_function_not_number": {
        "en": "The function '{function}' gave '{value}' for record {id}; a score is a "
              "number from 0 to 100.",
        "zh-CN": "函数“{function}”对记录 {id} 返回了“{value}”;评分应为 0 到 100 的数字。"},
})
