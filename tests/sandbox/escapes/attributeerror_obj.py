# ruff: noqa
# attempt: AttributeError.obj (Python 3.10+) hands back the object whose attribute failed
# expect: error function_forbidden
def main(record, params):
    try:
        record.missing_attribute
    except AttributeError as exc:
        return exc.obj
