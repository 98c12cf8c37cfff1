"""Signing in to the web app: passwords, sessions, CSRF, rate limits, languages."""

from __future__ import annotations

from typing import Any

from objectry.admin_ui import accounts
from objectry.platform import tenancy
from tests.admin_ui.conftest import PASSWORD, Browser, set_password, text
from tests.conftest import TenantHandle


def test_the_root_url_leads_to_a_sign_in_page(browser: Browser) -> None:
    response = browser.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/app/")
    response = browser.get("/app/")
    assert response.status_code == 303
    assert "/app/sign-in" in response.headers["Location"]
    page = browser.get("/app/sign-in")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert 'type="password"' in text(page) and 'name="csrf_token"' in text(page)


def test_sign_in_with_the_password_then_sign_out(browser: Browser,
                                                  tenant: TenantHandle) -> None:
    set_password(tenant.services, tenant.slug, tenant.admin_email)
    response = browser.sign_in(tenant.admin_email)
    assert response.status_code == 303 and response.headers["Location"].endswith("/app/")
    home = browser.get("/app/")
    assert home.status_code == 200 and "Welcome" in text(home)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert browser.post("/app/sign-out").status_code == 303
    assert browser.get("/app/").status_code == 303  # signed out: back to sign-in


def test_a_wrong_password_or_unknown_email_reads_the_same(browser: Browser,
                                                         tenant: TenantHandle) -> None:
    set_password(tenant.services, tenant.slug, tenant.admin_email)
    wrong = browser.sign_in(tenant.admin_email, "not the password")
    unknown = browser.sign_in("nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 422
    assert "The e-mail or the password is wrong." in text(wrong)
    assert "The e-mail or the password is wrong." in text(unknown)
    assert browser.get("/app/").status_code == 303


def test_a_user_without_a_password_cannot_sign_in(browser: Browser,
                                                 tenant: TenantHandle) -> None:
    assert browser.sign_in(tenant.admin_email, "").status_code == 422


def test_the_session_cookie_is_secure_behind_tls(browser: Browser,
                                                 tenant: TenantHandle) -> None:
    set_password(tenant.services, tenant.slug, tenant.admin_email)
    browser.get("/app/sign-in")
    response = browser.post("/app/sign-in", {"email": tenant.admin_email,
                                             "password": PASSWORD},
                            headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]


def test_forms_without_the_csrf_token_are_refused(browser: Browser,
                                                  tenant: TenantHandle) -> None:
    set_password(tenant.services, tenant.slug, tenant.admin_email)
    browser.get("/app/sign-in")
    response = browser.post("/app/sign-in", {"email": tenant.admin_email,
                                             "password": PASSWORD}, csrf=False)
    assert response.status_code == 403 and "did not come from this site" in text(response)
    browser.sign_in(tenant.admin_email)
    refused = browser.post("/app/sign-out", {"csrf_token": "forged"}, csrf=False)
    assert refused.status_code == 403
    assert browser.get("/app/").status_code == 200  # still signed in
    # htmx sends the token as a header, taken from the page's hx-headers
    page = text(browser.get("/app/"))
    assert f'"X-CSRF-Token": "{browser.csrf}"' in page
    ok = browser.client.post("/app/sign-out", headers={"X-CSRF-Token": browser.csrf})
    assert ok.status_code == 303


def test_sign_in_attempts_are_rate_limited(browser: Browser, tenant: TenantHandle) -> None:
    set_password(tenant.services, tenant.slug, tenant.admin_email)
    browser.get("/app/sign-in")
    statuses = [browser.post("/app/sign-in", {"email": tenant.admin_email,
                                              "password": "guess-guess"}).status_code
                for _ in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    # even the right password waits now
    assert browser.post("/app/sign-in", {"email": tenant.admin_email,
                                         "password": PASSWORD}).status_code == 429


def test_a_new_password_ends_other_sessions(web_app: Any, tenant: TenantHandle) -> None:
    set_password(tenant.services, tenant.slug, tenant.admin_email)
    first = Browser(web_app.test_client())
    first.sign_in(tenant.admin_email)
    assert first.get("/app/").status_code == 200
    set_password(tenant.services, tenant.slug, tenant.admin_email, "another password 1")
    assert first.get("/app/").status_code == 303


def test_a_deactivated_user_is_signed_out(browser: Browser, tenant: TenantHandle) -> None:
    second = f"second@{tenant.slug}.example.com"
    with tenant.services.connection() as conn:
        t = tenancy.find_tenant(conn, tenant.slug)
        tenancy.create_user(conn, t, second, now=tenant.services.clock())
    set_password(tenant.services, tenant.slug, second)
    browser.sign_in(second)
    assert browser.get("/app/").status_code == 200
    with tenant.services.connection() as conn:
        t = tenancy.find_tenant(conn, tenant.slug)
        tenancy.update_user(conn, t, second, {"active": False}, actor="test",
                            now=tenant.services.clock())
    assert browser.get("/app/").status_code == 303


def test_language_follows_the_browser_then_the_users_choice(web_app: Any,
                                                            tenant: TenantHandle) -> None:
    set_password(tenant.services, tenant.slug, tenant.admin_email)
    chinese = Browser(web_app.test_client(), language="zh-CN,zh;q=0.9")
    page = chinese.get("/app/sign-in")
    assert "登录" in text(page) and page.headers["Content-Language"] == "zh-CN"
    chinese.sign_in(tenant.admin_email)
    assert chinese.post("/app/language", {"language": "en"}).status_code == 303
    assert "Sign out" in text(chinese.get("/app/"))
    # remembered on the user: a new session in a Chinese browser gets English
    again = Browser(web_app.test_client(), language="zh-CN")
    again.sign_in(tenant.admin_email)
    assert "Sign out" in text(again.get("/app/"))
    assert again.post("/app/language", {"language": "fr"}).status_code == 422


def test_an_invitation_link_sets_a_password_once(browser: Browser, web_app: Any,
                                                 tenant: TenantHandle) -> None:
    services = tenant.services
    with services.connection() as conn:
        t = tenancy.find_tenant(conn, tenant.slug)
        token = accounts.invitation_token(conn, services.keys, t.id, tenant.admin_email)
    page = browser.get(f"/app/invitation/{token}")
    assert page.status_code == 200 and tenant.admin_email in text(page)
    short = browser.post(f"/app/invitation/{token}", {"password": "short",
                                                      "password_again": "short"})
    assert short.status_code == 422 and "at least 8 characters" in text(short)
    differ = browser.post(f"/app/invitation/{token}", {"password": PASSWORD,
                                                       "password_again": PASSWORD + "x"})
    assert differ.status_code == 422 and "differ" in text(differ)
    done = browser.post(f"/app/invitation/{token}", {"password": PASSWORD,
                                                     "password_again": PASSWORD})
    assert done.status_code == 303
    assert browser.get("/app/").status_code == 200  # signed in
    used = Browser(web_app.test_client())
    assert used.get(f"/app/invitation/{token}").status_code == 422
    assert used.get("/app/invitation/forged-token").status_code == 422
    assert used.sign_in(tenant.admin_email).status_code == 303


def test_api_tokens_keep_working_and_do_not_open_pages(web_app: Any,
                                                       tenant: TenantHandle) -> None:
    client = web_app.test_client()
    auth = {"Authorization": f"Bearer {tenant.token}"}
    assert client.get("/api/v1/meta/objects", headers=auth).status_code == 200
    assert client.get("/app/", headers=auth).status_code == 303


def test_after_sign_in_only_local_paths_are_followed(browser: Browser,
                                                     tenant: TenantHandle) -> None:
    set_password(tenant.services, tenant.slug, tenant.admin_email)
    browser.get("/app/sign-in")
    response = browser.post("/app/sign-in", {"email": tenant.admin_email,
                                             "password": PASSWORD,
                                             "next": "//evil.example.com/x"})
    assert response.headers["Location"] == "/app/"
