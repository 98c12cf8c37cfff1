# ruff: noqa
# attempt: DoS with a huge string repeat ("x" * 10**10)
# expect: error function_limit_exceeded memory_mb
def main(record, params):
    return len("x" * (10 ** 10))
