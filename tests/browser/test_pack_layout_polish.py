"""Pages of a tenant with the core CRM pack fit the screen (issue 19 review): the role
designer's action matrix (ten actions) fits the page or scrolls inside its own box,
never widening the page; the data-scope select shows its longest choice whole; a list
page's "New" button is no taller than the links beside it and sits on their line."""

from __future__ import annotations

from typing import Any

import pytest

from objectry.platform.services import Services
from tests.browser.conftest import Site
from tests.catalog.support import install, trusted_key

ROLE_PAGE = """() => {
  const matrix = document.querySelector('table.role-actions');
  const wrap = matrix.closest('.table-wrap');
  const select = document.querySelector('#lead-scope');
  const option = select.options[select.selectedIndex];
  const pen = document.createElement('canvas').getContext('2d');
  pen.font = getComputedStyle(select).font;
  const style = getComputedStyle(select);
  const inside = select.clientWidth - parseFloat(style.paddingLeft)
                 - parseFloat(style.paddingRight);
  return {page: document.documentElement.scrollWidth, viewport: window.innerWidth,
          scrolls: getComputedStyle(wrap).overflowX,
          columns: matrix.querySelectorAll('thead th').length,
          matrixFits: matrix.scrollWidth <= wrap.clientWidth,
          option: option.text, room: inside - pen.measureText(option.text).width};
}"""
LIST_HEAD = """() => [...document.querySelectorAll('.page-head .actions a')].map((a) => {
  const box = a.getBoundingClientRect();
  return {text: a.textContent.trim(), height: box.height, middle: box.top + box.height / 2};
})"""


@pytest.mark.parametrize("width", [1024, 1280])
def test_role_matrix_scope_select_and_new_button_fit(
    site: Site, services: Services, shot: Any, width: int
) -> None:
    install(site.api, trusted_key(services), "objectry.core_crm", sample_data=False)
    page = site.page(width=width)
    site.sign_in(page, site.tenant.admin_email)
    page.goto(f"{site.url}/app/design/roles/sales_manager")
    page.select_option("#lead-scope", "team")
    role = page.evaluate(ROLE_PAGE)
    shot(page, "role-matrix")
    assert role["columns"] == 11  # the objects, then ten actions
    assert role["page"] <= role["viewport"]  # the page never scrolls sideways
    assert role["scrolls"] == "auto" and role["matrixFits"]
    assert role["option"] == "Team (department and below)" and role["room"] >= 0

    page.goto(f"{site.url}/app/o/lead")
    shot(page, "lead-list")
    head = {a["text"]: a for a in page.evaluate(LIST_HEAD)}
    new, links = head.pop("New"), list(head.values())
    assert links and all(new["height"] <= link["height"] + 3 for link in links)
    assert all(abs(new["middle"] - link["middle"]) <= 2 for link in links)
