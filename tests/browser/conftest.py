"""Browser journeys: the web app under a real HTTP server, driven in Debian's Chromium.

Each test gets the app on a free port (werkzeug's threaded server, in this process, on
the session's database and a fresh tenant), and browser contexts that record every
request: a test fails if any page asked another host for anything. Screenshots of the
key pages go to ``artifacts/screenshots/`` (CI keeps that folder).

These tests run once per CI run, on SQLite: the PostgreSQL pass skips them (the pages
are the same; the database paths are covered by the rest of the suite). Set
``OBJECTRY_BROWSER_ON_POSTGRES=1`` to run them there too. Without ``/usr/bin/chromium``
they skip with that reason (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from objectry.platform import tenancy
from objectry.platform.app import create_app
from objectry.platform.services import Services
from tests.admin_ui.conftest import PASSWORD, set_password
from tests.conftest import Api, TenantHandle

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
SCREENSHOTS = HERE.parent.parent / "artifacts" / "screenshots"
AXE = HERE / "vendor" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = bool(os.environ.get("OBJECTRY_TEST_DATABASE_URL")) and \
        os.environ.get("OBJECTRY_BROWSER_ON_POSTGRES") != "1"
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.browser)
        if not CHROMIUM.exists():
            item.add_marker(pytest.mark.skip(
                reason=f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"))
        elif on_postgres:
            item.add_marker(pytest.mark.skip(
                reason="browser journeys run once, on SQLite "
                       "(OBJECTRY_BROWSER_ON_POSTGRES=1 runs them here too)"))


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session (contexts keep tests apart). Playwright
    starts it with a fresh temporary ``--user-data-dir`` of its own (it refuses one
    passed in ``args``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Site:
    """The web app served over HTTP for one test, and the tenant it runs on."""

    def __init__(self, url: str, tenant: TenantHandle, api: Api, chromium: Any) -> None:
        self.url = url
        self.tenant = tenant
        self.api = api
        self.chromium = chromium
        self.requests: list[str] = []  # every URL any of its pages asked for
        self.contexts: list[Any] = []

    def add_user(self, email: str, **kwargs: Any) -> Api:
        """A user with a password and an API token (for setting data up)."""
        token = self.tenant.add_user(email, **kwargs)
        set_password(self.tenant.services, self.tenant.slug, email)
        return Api(self.api.client, token)

    def page(self, *, locale: str = "en-US", width: int = 1280, height: int = 900) -> Any:
        """A new page in its own context (own cookies), every request recorded."""
        context = self.chromium.new_context(locale=locale,
                                            viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: self.requests.append(request.url))
        self.contexts.append(context)
        return context.new_page()

    def sign_in(self, page: Any, email: str, password: str = PASSWORD) -> None:
        page.goto(f"{self.url}/app/sign-in")
        page.fill("#email", email)
        page.fill("#password", password)
        page.fill("#workspace", self.tenant.slug)  # test e-mails repeat across tenants
        page.click("form[action$='/sign-in'] button[type=submit]")
        page.wait_for_url(f"{self.url}/app/")

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests
                if not url.startswith(f"{self.url}/") and not url.startswith("data:")]


def browser_tenant(services: Services) -> TenantHandle:
    """A fresh tenant whose admin has an address a browser accepts in an e-mail input
    (the suite's usual ``admin@<slug>.example.com`` has an underscore)."""
    slug = f"b_{uuid.uuid4().hex[:10]}"
    email = "admin@example.com"
    with services.connection() as conn:
        now = services.clock()
        created = tenancy.create_tenant(conn, slug, None, now=now)
        tenancy.create_user(conn, created, email, name="Ada Admin", now=now)
        token = tenancy.create_token(conn, created, email, now=now)
    return TenantHandle(services, slug, email, token)


@pytest.fixture
def site(services: Services, chromium: Any) -> Iterator[Site]:
    """The app on a free port with a fresh tenant whose admin can sign in; after the
    test, no page may have loaded anything from another host."""
    tenant = browser_tenant(services)
    app = create_app(services=services)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    set_password(services, tenant.slug, tenant.admin_email)
    served = Site(f"http://127.0.0.1:{server.server_port}", tenant,
                  Api(app.test_client(), tenant.token), chromium)
    try:
        yield served
    finally:
        for context in served.contexts:
            context.close()
        server.shutdown()
        thread.join(timeout=10)
    assert served.foreign_requests() == [], "a page loaded something from another host"


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], None]:
    """Save a full-page screenshot as ``<test>-<nn>-<name>.png`` (the test's name
    without ``test_``; numbered in the order the journey took them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    journey = request.node.name.removeprefix("test_")
    counter = iter(range(1, 100))

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{journey}-{next(counter):02d}-{name}.png"),
                        full_page=True)

    return take
