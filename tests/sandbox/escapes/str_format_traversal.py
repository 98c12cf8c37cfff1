# ruff: noqa
# attempt: str.format attribute traversal "{0.__class__.__base__.__subclasses__}"
# expect: error function_forbidden
def main(record, params):
    return "{0.__class__.__base__.__subclasses__}".format(1)
