# ruff: noqa
# attempt: return a result too large for the pipe back to the web process
# expect: error function_result_too_large
def main(record, params):
    return "x" * 20_000_000
