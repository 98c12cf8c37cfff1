# ruff: noqa
# attempt: string.Formatter().format(...) to traverse attributes from a format string
# expect: error function_forbidden
import string


def main(record, params):
    return string.Formatter().format("{0.__class__.__subclasses__}", 1)
