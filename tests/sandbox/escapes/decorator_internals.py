# ruff: noqa
# attempt: a decorator that receives the function object and returns its globals
# expect: compile
def grab(func):
    return func.__globals__


@grab
def inner():
    return 1


def main(record, params):
    return list(inner)
