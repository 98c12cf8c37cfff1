def main(record, params):
    need = (record['need_found'] or '').strip()
    if not need or record['opportunity']:
        return None
    first_line = need.splitlines()[0][:80]
    opportunity = records.create('opportunity', {  # type: ignore[name-defined]  # noqa: F821
        'name': '服务商机\uff1a' + first_line,
        'account': record['account'],
        'contact': record['contact'],
        'source': 'service',
        'stage': 'qualification',
    })
    record.set('opportunity', opportunity['id'])
    return opportunity['id']
