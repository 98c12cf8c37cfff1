# ruff: noqa
# attempt: return a lone surrogate, which UTF-8 cannot encode, to kill the worker
# expect: error function_not_plain_data
def main(record, params):
    return ["ok", chr(0xD800)]
