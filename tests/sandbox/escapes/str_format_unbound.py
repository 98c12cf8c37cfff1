# ruff: noqa
# attempt: the same traversal through the unbound method str.format(template, value)
# expect: error function_forbidden
def main(record, params):
    return str.format("{0.__class__.__mro__}", 1)
