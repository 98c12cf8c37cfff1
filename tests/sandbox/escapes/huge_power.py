# ruff: noqa
# attempt: DoS with a huge integer power 10**10**10 (billions of digits)
# expect: error function_runtime_error OverflowError
def main(record, params):
    return 10 ** 10 ** 10
