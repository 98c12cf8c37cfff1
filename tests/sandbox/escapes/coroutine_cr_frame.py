# ruff: noqa
# attempt: a coroutine's cr_frame to walk frames
# expect: compile
async def coro():
    return 1


def main(record, params):
    return coro().cr_frame.f_back.f_globals
