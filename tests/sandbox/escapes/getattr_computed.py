# ruff: noqa
# attempt: getattr with a name computed at run time to dodge the compile-time check
# expect: error function_runtime_error NameError
def main(record, params):
    return getattr(record, "__cla" + "ss__")
