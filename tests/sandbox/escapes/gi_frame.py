# ruff: noqa
# attempt: reach the worker's globals through a generator's frame (gi_frame.f_back.f_globals)
# expect: compile
def main(record, params):
    gen = (x for x in [1])
    return gen.gi_frame.f_back.f_back.f_globals
