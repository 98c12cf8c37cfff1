# ruff: noqa
# attempt: DoS inside one long C call (decimal exp at 20,000 digits) where the CPU timer's
#          signal cannot run until the call returns: the parent's wall timeout kills the worker
# expect: error function_limit_exceeded wall_ms
import decimal


def main(record, params):
    return str(decimal.Context(prec=20000).exp(decimal.Decimal(3)))[:10]
