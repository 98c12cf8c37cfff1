# ruff: noqa
# attempt: write into the current record directly instead of record.set()
# expect: error function_forbidden
def main(record, params):
    record["status"] = "won"
