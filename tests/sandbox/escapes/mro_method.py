# ruff: noqa
# attempt: the underscore-free int.mro() to get at object and its subclasses
# expect: error function_forbidden
def main(record, params):
    return str(int.mro())
