"""Fixtures of the web app tests: a fresh app per test (its own rate-limit counts), a
browser-like client that signs in with a password and sends the CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from objectry.admin_ui import accounts
from objectry.platform import tenancy
from objectry.platform.app import create_app
from objectry.platform.services import Services
from tests.conftest import Api, TenantHandle

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTMX_HEADER = re.compile(r'hx-headers=\'\{"X-CSRF-Token": "([^"]+)"\}\'')


@pytest.fixture
def web_app(services: Services) -> Any:
    flask_app = create_app(services=services)
    flask_app.testing = True
    return flask_app


def set_password(services: Services, slug: str, email: str,
                 password: str = PASSWORD) -> None:
    with services.connection() as conn:
        tenant = tenancy.find_tenant(conn, slug)
        accounts.set_password(conn, tenant.id, accounts.user_id_of(conn, tenant.id, email),
                              password)


class Browser:
    """A browser session on the web app: cookies kept, CSRF token read from pages."""

    def __init__(self, client: FlaskClient, language: str = "en") -> None:
        self.client = client
        self.language = language
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        headers = {"Accept-Language": self.language, **kwargs.pop("headers", {})}
        response = self.client.get(path, headers=headers, **kwargs)
        found = CSRF.search(response.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             **kwargs: Any) -> Any:
        form = dict(data or {})
        if csrf:
            if not self.csrf:
                self.get("/app/sign-in")
            form["csrf_token"] = self.csrf
        headers = {"Accept-Language": self.language, **kwargs.pop("headers", {})}
        return self.client.post(path, data=form, headers=headers, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD, **extra: str) -> Any:
        self.get("/app/sign-in")
        response = self.post("/app/sign-in", {"email": email, "password": password, **extra})
        self.get("/app/")  # the signed-in session has a new CSRF token
        return response


@pytest.fixture
def browser(web_app: Any) -> Browser:
    return Browser(web_app.test_client())


@pytest.fixture
def web_api(web_app: Any, tenant: TenantHandle) -> Api:
    return Api(web_app.test_client(), tenant.token)


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))
