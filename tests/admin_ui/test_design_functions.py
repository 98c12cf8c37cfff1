"""The function designer: compile errors at their line and column next to a numbered
listing of the code, the plan then Apply, and the test runner against a chosen record
with every write undone."""

from __future__ import annotations

import re

from tests.admin_ui.conftest import text
from tests.admin_ui.test_designer import Admins, admins, apply

__all__ = ["admins"]  # the fixture, used by name

CODE = ("def main(record, params):\n"
        "    record.set('status', 'working')\n"
        "    log('hello ' + record['full_name'])\n"
        "    return params.get('n')\n")


def form(code: str, **extra: str) -> dict[str, str]:
    return {"label-en": "Mark", "purpose": "action", "object": "lead", "code": code,
            **extra}


def test_a_function_is_written_compiled_and_tested(admins: Admins) -> None:
    opened = admins.admin.get("/app/design/functions/new?api_name=mark")
    assert opened.status_code == 303
    assert "def main(record, params)" in text(admins.admin.get("/app/design/functions/mark"))
    broken = admins.admin.post("/app/design/functions/mark",
                               form("def main(record, params):\n    return (1 +\n"))
    html = text(broken)
    assert broken.status_code == 422 and 'id="errors-code"' in html
    assert re.search(r'data-line="2" class="has-error"', html)
    assert admins.api.get("/api/v1/meta/functions/mark").status_code == 404
    preview = admins.admin.post("/app/design/functions/mark", form(CODE))
    assert preview.status_code == 200, text(preview)[:3000]
    assert apply(admins.admin, preview).status_code == 303
    assert admins.api.get("/api/v1/meta/functions/mark").get_json()["code"] == CODE

    lead = admins.api.post("/api/v1/records/lead", json={"full_name": "Li"}).get_json()
    page = text(admins.admin.get("/app/design/functions/mark"))
    assert f'<option value="{lead["id"]}">Li</option>' in page
    tested = admins.admin.post("/app/design/functions/mark/test",
                               {"record": lead["id"], "params": '{"n": 7}'})
    html = text(tested)
    assert tested.status_code == 200 and 'id="test-result"' in html
    assert "hello Li" in html and "&#34;result&#34;: 7" in html.replace("&quot;", "&#34;")
    stored = admins.api.get(f"/api/v1/records/lead/{lead['id']}").get_json()
    assert stored["status"] != "working"  # the test undid its change
    bad = admins.admin.post("/app/design/functions/mark/test", {"params": "{nope"})
    assert bad.status_code == 422 and 'id="errors-params"' in text(bad)
