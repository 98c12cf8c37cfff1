# ruff: noqa
# attempt: catch the CPU limit error and keep looping
# expect: error function_limit_exceeded cpu_ms
def main(record, params):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
