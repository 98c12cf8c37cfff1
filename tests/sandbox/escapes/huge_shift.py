# ruff: noqa
# attempt: DoS with a huge left shift (1 << 10**10, a 1.25 GB integer)
# expect: error function_limit_exceeded memory_mb
def main(record, params):
    return (1 << 10 ** 10) > 0
