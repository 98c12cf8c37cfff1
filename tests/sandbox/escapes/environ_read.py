# ruff: noqa
# attempt: read an environment variable of the host (a secret the test sets in the parent)
# expect: error function_forbidden
import os


def main(record, params):
    return os.environ.get("OBJECTRY_SANDBOX_TEST_SECRET")
