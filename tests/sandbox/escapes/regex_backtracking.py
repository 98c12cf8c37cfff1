# ruff: noqa
# attempt: DoS with catastrophic regex backtracking, (the regex engine checks signals, so the CPU timer stops it)
# expect: error function_limit_exceeded cpu_ms
import re


def main(record, params):
    return bool(re.match(r"(a+)+$", "a" * 64 + "b"))
