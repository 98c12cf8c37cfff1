# ruff: noqa
# attempt: a record change JSON cannot carry, sent with the "done" message
# expect: error function_not_plain_data
def main(record, params):
    record.set("status", 10 ** 5000)
    return 1
