# ruff: noqa
# attempt: an exception's traceback frame (tb_frame.f_globals) to reach the worker's globals
# expect: compile
def main(record, params):
    try:
        1 / 0
    except ZeroDivisionError as exc:
        return exc.__traceback__.tb_frame.f_back.f_globals
