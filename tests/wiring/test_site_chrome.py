"""The site names itself, has an icon on every page, and a 403 says what the account lacks."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

ICON = '<link rel="icon" href="/static/site/favicon.svg" type="image/svg+xml">'


def test_the_admin_header_and_title_name_the_site(operations_client: Client) -> None:
    page = operations_client.get("/admin/").content.decode()

    assert "Django administration" not in page and "Django site admin" not in page
    assert '<a href="/admin/">Delivery tracker</a>' in page
    assert "| Delivery tracker</title>" in page


@pytest.mark.parametrize("url", ["/admin/", "/admin/engagements/timeentry/", "/admin/login/", "/reports/"])
def test_every_page_links_the_icon_which_exists(operations_client: Client, url: str) -> None:
    response = operations_client.get(url, follow=True)

    assert ICON in response.content.decode()
    assert finders.find("site/favicon.svg")


def test_a_leadership_user_is_told_what_the_role_may_do_not_to_join_it(leadership_client: Client) -> None:
    response = leadership_client.get("/admin/engagements/timeentry/add/")

    page = response.content.decode()
    assert response.status_code == 403
    assert "(group: Leadership)" in page and "lacks the permission this page needs: adding records" in page
    assert "Leadership may read the reports and view the records, but not add, change or delete them" in page
    assert "add you to the Leadership" not in page


def test_an_account_without_a_group_is_told_which_groups_exist(client: Client, nobody_user) -> None:
    client.force_login(nobody_user)

    page = client.get("/reports/").content.decode()

    assert "belongs to no group yet" in page


def test_favicon_ico_leads_to_the_icon(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 302 and response["Location"] == "/static/site/favicon.svg"
