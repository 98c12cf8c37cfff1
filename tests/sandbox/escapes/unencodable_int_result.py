# ruff: noqa
# attempt: return an integer too long for JSON, to kill the worker while it encodes
# expect: error function_not_plain_data
def main(record, params):
    return {"n": 10 ** 5000}
