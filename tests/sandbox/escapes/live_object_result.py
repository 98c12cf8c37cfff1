# ruff: noqa
# attempt: return a live object (a function) across the boundary
# expect: error function_not_plain_data
def main(record, params):
    return {"f": main}
