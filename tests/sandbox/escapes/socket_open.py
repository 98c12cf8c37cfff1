# ruff: noqa
# attempt: open a network socket
# expect: error function_forbidden
import socket


def main(record, params):
    return socket.create_connection(("127.0.0.1", 80))
