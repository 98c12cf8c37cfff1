"""The web app's import wizard (issue 16): upload → map → preview with each row's errors
→ run with progress → report and error file, through the imports service with the
user's own rights (a restricted user maps and sees nothing more than the API lets them)."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pytest

from tests.admin_ui.conftest import Browser, text
from tests.admin_ui.test_pages import World
from tests.conftest import Api, TenantHandle

CSV = ("Full name,City,Employees,Email\n"
       "张三,上海,10,a@x.cn\n"
       "李四,mars,-1,b@x.cn\n").encode()


@pytest.fixture
def world(web_app: Any, web_api: Api, tenant: TenantHandle) -> World:
    return World(web_app, web_api, tenant)


def upload(browser: Browser, content: bytes, name: str = "leads.csv") -> Any:
    return browser.post("/app/o/lead/import", {"file": (io.BytesIO(content), name)},
                        content_type="multipart/form-data")


def import_page(browser: Browser, response: Any) -> tuple[str, str]:
    assert response.status_code == 303, text(response)
    location = response.headers["Location"]
    found = re.search(r"/app/imports/([0-9a-f-]{36})$", location)
    assert found, location
    return found.group(1), text(browser.get(location))


def test_the_wizard_previews_runs_and_reports(world: World) -> None:
    listing = text(world.admin.get("/app/o/lead"))
    assert "/app/o/lead/import" in listing
    assert world.admin.get("/app/o/lead/import").status_code == 200
    import_id, html = import_page(world.admin, upload(world.admin, CSV))
    assert "2 rows: 1 valid, 1 with errors" in html
    assert re.search(r"<td>3</td><td>City</td>", html)  # the row's error, at its column
    assert 'name="map_0"' in html and 'value="full_name" selected' in html
    assert "No assignment rule runs" in html
    before = text(world.admin.get("/app/o/lead"))
    assert "张三" not in before  # the preview wrote nothing
    ran = world.admin.post(f"/app/imports/{import_id}/run")
    assert ran.status_code == 303
    for _ in range(400):
        html = text(world.admin.get(f"/app/imports/{import_id}"))
        if "Import finished" in html:
            break
        time.sleep(0.05)
    assert "1 written, 1 failed" in html, html
    assert "张三" in text(world.admin.get("/app/o/lead"))
    errors = world.admin.get(f"/app/imports/{import_id}/errors.csv")
    assert errors.status_code == 200 and "李四" in text(errors) and "reason" in text(errors)
    progress = world.admin.get(f"/app/imports/{import_id}?part=progress",
                               headers={"HX-Request": "true"})
    assert "<html" not in text(progress) and "1 written" in text(progress)


def test_a_mapping_change_previews_again(world: World) -> None:
    import_id, _ = import_page(world.admin, upload(world.admin, CSV))
    changed = world.admin.post(f"/app/imports/{import_id}/mapping",
                               {"map_0": "full_name", "map_1": "", "map_2": "",
                                "map_3": "email"})
    assert changed.status_code == 200
    assert "2 rows: 2 valid, 0 with errors" in text(changed)


def test_a_restricted_user_maps_only_what_they_may_write(world: World) -> None:
    admin_id, _ = import_page(world.admin, upload(world.admin, CSV))
    # the rep cannot see the company group (City, Employees): not offered, not mapped
    import_id, html = import_page(world.rep, upload(world.rep, CSV))
    options = set(re.findall(r'<option value="([a-z_]+)"', html))
    assert "full_name" in options and not {"city", "employees", "company_name"} & options
    assert "Hidden Company Ltd" not in html and "Admin Only Lead" not in html
    assert re.search(r"<button type=\"submit\" disabled>", html)  # unmapped columns
    assert world.rep.get(f"/app/imports/{admin_id}").status_code == 404
    assert world.rep.get(f"/app/imports/{admin_id}/errors.csv").status_code == 404
    refused = world.rep.post(f"/app/imports/{import_id}/run")
    assert refused.status_code == 409
