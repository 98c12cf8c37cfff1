# ruff: noqa
# attempt: change the worker's decimal context (state shared with later calls)
# expect: error function_forbidden
import decimal


def main(record, params):
    decimal.getcontext().prec = 2
