# ruff: noqa
# attempt: the classic ().__class__.__mro__[1].__subclasses__() walk to every class
# expect: compile
def main(record, params):
    return [c.__name__ for c in ().__class__.__mro__[1].__subclasses__()]
