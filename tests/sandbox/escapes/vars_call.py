# ruff: noqa
# attempt: vars() to read the function's namespace (guards, API internals)
# expect: error function_runtime_error NameError
def main(record, params):
    return list(vars())
