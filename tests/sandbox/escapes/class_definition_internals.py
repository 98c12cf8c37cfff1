# ruff: noqa
# attempt: a class definition (metaclass, __init_subclass__, __getattribute__) to reach internals
# expect: compile
class Probe:
    def __init_subclass__(cls):
        pass


def main(record, params):
    return Probe
