# ruff: noqa
# attempt: an error message with a lone surrogate, to kill the worker as it reports
# expect: error function_runtime_error ValueError
def main(record, params):
    raise ValueError("boom " + chr(0xDFFF))
