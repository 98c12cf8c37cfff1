# ruff: noqa
# attempt: try/except* (ExceptionGroup handling), a known RestrictedPython escape class
# expect: compile
def main(record, params):
    try:
        raise ValueError("x")
    except* ValueError as group:
        return group
