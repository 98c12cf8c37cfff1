# ruff: noqa
# attempt: replace a function of a shared module, leaking into the next tenant's call
# expect: error function_forbidden
import json


def main(record, params):
    json.dumps = None
