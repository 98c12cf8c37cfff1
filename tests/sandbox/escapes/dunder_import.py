# ruff: noqa
# attempt: calling __import__ directly
# expect: compile
def main(record, params):
    return __import__("os").getcwd()
