"""The packs designer page: installed packs, upload and plan, conflict choices,
install, upgrade, uninstall, history and the SOPs rendered."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.admin_ui.designer.packs import render_markdown
from objectry.packs import signing, trust
from tests.admin_ui.conftest import Browser, set_password, text
from tests.conftest import Api, TenantHandle
from tests.packs.support import fixture_files, opack, with_json, with_manifest

PACKS = "/app/design/packs"


@pytest.fixture
def key(tenant: TenantHandle) -> Ed25519PrivateKey:
    private = Ed25519PrivateKey.generate()
    with tenant.services.connection() as conn:
        trust.add_key(conn, signing.public_key_text(private), publisher="Acme",
                      now=tenant.services.clock())
    return private


@pytest.fixture
def admin(web_app: Any, tenant: TenantHandle) -> Browser:
    set_password(tenant.services, tenant.slug, tenant.admin_email)
    browser = Browser(web_app.test_client())
    browser.sign_in(tenant.admin_email)
    return browser


def upload(browser: Browser, data: bytes, **form: Any) -> Any:
    return browser.post(f"{PACKS}/plan", {"opack": (io.BytesIO(data), "pack.opack"), **form},
                        content_type="multipart/form-data")


def archive_of(page: Any) -> str:
    found = re.search(r'name="archive" value="([^"]+)"', text(page))
    assert found, text(page)[:2000]
    return html.unescape(found.group(1))


def version_2() -> dict[str, bytes]:
    def ticket(document: dict[str, Any]) -> None:
        document["label"]["en"] = "Support ticket"
    return with_manifest(with_json(fixture_files(), "objects/ticket.json", ticket),
                         version="1.1.0")


def test_upload_plan_install_upgrade_and_uninstall(admin: Browser, web_api: Api,
                                                   key: Ed25519PrivateKey) -> None:
    assert "No pack installed yet." in text(admin.get(PACKS))
    plan = upload(admin, opack(fixture_files(), key))
    assert plan.status_code == 200, text(plan)[:2000]
    page = text(plan)
    assert "Install acme.service_desk 1.0.0" in page
    assert 'data-action="create_table"' in page
    assert 'name="activate" value="escalate"' in page
    assert web_api.get("/api/v1/packs").get_json()["items"] == []  # a plan changes nothing

    done = admin.post(f"{PACKS}/apply", {"archive": archive_of(plan),
                                         "activate": "escalate"})
    assert done.status_code == 303
    detail = text(admin.get(done.headers["Location"]))
    assert "Installed." in detail and "acme.service_desk" in detail
    assert "<h1>Ticket intake</h1>" in detail  # the SOP, rendered
    assert "installed pack acme.service_desk 1.0.0" in detail
    assert web_api.get("/api/v1/meta/workflows/escalate").get_json()["active"] is True
    assert "acme.service_desk" in text(admin.get(PACKS))

    ticket = web_api.get("/api/v1/meta/objects/ticket").get_json()
    ticket["label"]["en"] = "Case"
    web_api.define(ticket)
    plan = upload(admin, opack(version_2(), key))
    page = text(plan)
    assert "Upgrade acme.service_desk 1.0.0 → 1.1.0" in html.unescape(page)
    assert 'name="choice|c-ticket|/label/en"' in page
    refused = admin.post(f"{PACKS}/apply", {"archive": archive_of(plan)})
    assert refused.status_code == 409
    assert 'id="refusal"' in text(refused)
    assert web_api.get("/api/v1/meta/objects/ticket").get_json()["label"]["en"] == "Case"
    done = admin.post(f"{PACKS}/apply", {"archive": archive_of(plan),
                                         "choice|c-ticket|/label/en": "edit",
                                         "edit|c-ticket|/label/en": "Case (v2)"})
    assert done.status_code == 303, text(done)[:2000]
    assert "Upgraded." in text(admin.get(done.headers["Location"]))
    assert web_api.get("/api/v1/meta/objects/ticket").get_json()["label"]["en"] == "Case (v2)"

    gone = admin.post(f"{PACKS}/acme.service_desk/uninstall")
    assert gone.status_code == 303
    detail = text(admin.get(gone.headers["Location"]))
    assert "Uninstalled (data kept)" in detail


def test_an_untrusted_pack_is_refused_on_the_plan_page(admin: Browser,
                                                       web_api: Api) -> None:
    stranger = Ed25519PrivateKey.generate()
    refused = upload(admin, opack(fixture_files(), stranger))
    assert refused.status_code == 403
    assert 'id="refusal"' in text(refused)
    assert web_api.get("/api/v1/packs").get_json()["items"] == []


def test_sop_markdown_cannot_inject_markup() -> None:
    shown = str(render_markdown("# Title\n\n<script>alert(1)</script>\n\n"
                                "[x](javascript:alert(1))"))
    assert "<h1>Title</h1>" in shown
    assert "<script>" not in shown and "&lt;script&gt;" in shown  # shown as text
    assert 'href="javascript' not in shown
