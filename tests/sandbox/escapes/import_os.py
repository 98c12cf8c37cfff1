# ruff: noqa
# attempt: a plain import of a module outside the allowlist
# expect: error function_forbidden
import os


def main(record, params):
    return os.getcwd()
