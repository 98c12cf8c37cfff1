# ruff: noqa
# attempt: the same huge power through pow() and **=
# expect: error function_runtime_error OverflowError
def main(record, params):
    x = pow(7, 10 ** 9)
    x **= 10 ** 9
    return x
