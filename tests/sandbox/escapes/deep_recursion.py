# ruff: noqa
# attempt: DoS by unbounded recursion (C stack exhaustion)
# expect: error function_runtime_error RecursionError
def down(n):
    return down(n + 1) + 1


def main(record, params):
    return down(0)
