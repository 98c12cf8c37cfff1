# ruff: noqa
# attempt: a positional-only parameter named like a guard, shadowing _getattr_ in the body
# expect: compile
def f(_getattr_=getattr, /):
    return ().__class__


def main(record, params):
    return f()
