# ruff: noqa
# attempt: string.Template, the other formatter class of the string module
# expect: error function_forbidden
import string


def main(record, params):
    return string.Template("$x").substitute(x=1)
