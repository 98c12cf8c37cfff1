# ruff: noqa
# attempt: type(name, bases, dict) to build a class with chosen internals
# expect: error function_runtime_error NameError
def main(record, params):
    return type("X", (object,), {"a": 1})
