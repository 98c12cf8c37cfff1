# ruff: noqa
# attempt: flood the call log with print()
# expect: error function_limit_exceeded log_bytes
def main(record, params):
    while True:
        print("spam " * 100)
