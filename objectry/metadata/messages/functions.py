"""Messages of tenant functions above the sandbox (metadata, calls, HTTP), en and zh-CN.

The sandbox's own error codes (``function_*_error``...) are in ``catalog.py``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

FUNCTION_MESSAGES: Final = MappingProxyType({
    "unknown_function": {"en": "There is no function '{function}' that can run here.",
                         "zh-CN": "不存在可在此处运行的函数“{function}”。"},
    "function_object_required": {
        "en": "A function with purpose '{purpose}' must name its object.",
        "zh-CN": "用途为“{purpose}”的函数必须指定对象。"},
    "function_run_as_unknown": {
        "en": "The function runs as '{user}', who is not an active user of this tenant.",
        "zh-CN": "函数的运行身份“{user}”不是此租户的有效用户。"},
    "function_wrong_object": {
        "en": "The function '{function}' works on {object} records only.",
        "zh-CN": "函数“{function}”仅适用于 {object} 记录。"},
    "function_scores_mismatch": {
        "en": "The scoring function must return one score per record ({expected}), "
              "not {got}.",
        "zh-CN": "评分函数必须为每条记录返回一个分数(共 {expected} 个),而不是 {got}。"},
    "http_host_not_allowed": {
        "en": "The host is not on the tenant's HTTP allowlist.",
        "zh-CN": "该主机不在租户的 HTTP 允许列表中。"},
    "http_failed": {"en": "The HTTP request failed: {reason}",
                    "zh-CN": "HTTP 请求失败。{reason}"},
    "invalid_arguments": {"en": "The platform call got invalid arguments: {reason}",
                          "zh-CN": "平台接口调用的参数无效。{reason}"},
    "answer_not_plain": {"en": "The answer cannot be passed to a function: {reason}",
                         "zh-CN": "该结果无法传给函数。{reason}"},
    "unknown_call": {"en": "There is no such platform call.",
                     "zh-CN": "不存在此平台接口。"},
})
