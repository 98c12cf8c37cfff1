# ruff: noqa
# attempt: DoS by allocating memory until the host swaps
# expect: error function_limit_exceeded memory_mb
def main(record, params):
    hoard = []
    while True:
        hoard.append(" " * 10_000_000)
