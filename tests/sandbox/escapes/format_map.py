# ruff: noqa
# attempt: attribute traversal through str.format_map with a dict of live objects
# expect: error function_forbidden
def main(record, params):
    return "{x.__class__.__init__.__globals__}".format_map({"x": record})
