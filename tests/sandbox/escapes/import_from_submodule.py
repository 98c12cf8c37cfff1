# ruff: noqa
# attempt: from-import of a submodule / module attribute of an allowed module
# expect: error function_forbidden
from json import decoder


def main(record, params):
    return str(decoder)
