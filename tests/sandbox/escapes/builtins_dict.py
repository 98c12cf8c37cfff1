# ruff: noqa
# attempt: __builtins__["__import__"]("os") through the builtins dict
# expect: compile
def main(record, params):
    return __builtins__["__import__"]("os").environ
