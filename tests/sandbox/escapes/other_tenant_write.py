# ruff: noqa
# attempt: write to another tenant's data through the platform API (no tenant parameter exists)
# expect: error function_runtime_error TypeError
def main(record, params):
    return records.create("lead", {"full_name": "x"}, tenant="other")
