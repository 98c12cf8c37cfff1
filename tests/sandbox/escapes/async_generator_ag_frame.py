# ruff: noqa
# attempt: an async generator's ag_frame to walk frames
# expect: compile
async def agen():
    yield 1


def main(record, params):
    return agen().ag_frame.f_back.f_globals
