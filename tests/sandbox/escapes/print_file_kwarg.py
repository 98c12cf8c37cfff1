# ruff: noqa
# attempt: print(..., file=obj) to get a write() call on an object of our choosing
# expect: error function_forbidden
def main(record, params):
    print("x", file=record)
