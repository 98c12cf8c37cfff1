# ruff: noqa
# attempt: eval/exec of a string, which would compile code outside the policy
# expect: compile
def main(record, params):
    return eval("().__class__")
