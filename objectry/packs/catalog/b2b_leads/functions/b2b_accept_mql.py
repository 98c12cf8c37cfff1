NOT_WAITING = '只有待接收的 MQL 才能接收 / Only an MQL waiting for acceptance can be accepted'


def main(record, params):
    if record['status'] != 'mql':
        raise_error(NOT_WAITING, 'status')  # type: ignore[name-defined]  # noqa: F821
    record.set('status', 'accepted')
    record.set('accepted_at', now())  # type: ignore[name-defined]  # noqa: F821
    return '已接收 MQL / MQL accepted'
