# ruff: noqa
# attempt: open and read a file of the host
# expect: error function_runtime_error NameError
def main(record, params):
    return open("/etc/passwd").read()
