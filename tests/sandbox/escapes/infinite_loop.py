# ruff: noqa
# attempt: DoS with an endless loop
# expect: error function_limit_exceeded cpu_ms
def main(record, params):
    while True:
        pass
