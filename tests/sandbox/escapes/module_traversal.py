# ruff: noqa
# attempt: reach other modules through an allowed one: json imports codecs (codecs.open)
# expect: error function_forbidden
import json


def main(record, params):
    return json.codecs.open("/etc/passwd").read()
