"""Who may do what: every endpoint x anonymous, no group, Leadership, Operations and superuser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "nobody", "leadership", "operations", "superuser"]

# (path, whether Leadership may read it)
READS = [
    ("/api/v1/", True),
    ("/api/v1/vendors/", False),
    ("/api/v1/service-areas/", False),
    ("/api/v1/people/", False),
    ("/api/v1/internal-rates/", False),
    ("/api/v1/engagements/", True),
    ("/api/v1/contractors/", False),
    ("/api/v1/contractor-rates/", False),
    ("/api/v1/time-entries/", False),
    ("/api/v1/overhead-entries/", False),
    ("/api/v1/milestones/", False),
    ("/api/v1/fee-schedules/", False),
    ("/api/v1/one-time-charges/", False),
    ("/api/v1/calendars/", False),
    ("/api/v1/sla-policies/", False),
    ("/api/v1/services/", False),
    ("/api/v1/outages/", False),
    ("/api/v1/tickets/", False),
    ("/api/v1/invoices/", False),
    ("/api/v1/exchange-rates/", False),
    ("/api/v1/periods/", False),
    ("/api/v1/audit/", False),
    ("/api/v1/snapshots/", True),
    ("/api/v1/reports/", True),
]

WRITES = [
    "/api/v1/vendors/",
    "/api/v1/service-areas/",
    "/api/v1/people/",
    "/api/v1/internal-rates/",
    "/api/v1/engagements/",
    "/api/v1/contractors/",
    "/api/v1/contractor-rates/",
    "/api/v1/time-entries/",
    "/api/v1/overhead-entries/",
    "/api/v1/milestones/",
    "/api/v1/fee-schedules/",
    "/api/v1/one-time-charges/",
    "/api/v1/calendars/",
    "/api/v1/sla-policies/",
    "/api/v1/services/",
    "/api/v1/outages/",
    "/api/v1/tickets/",
    "/api/v1/invoices/",
    "/api/v1/exchange-rates/",
    "/api/v1/periods/2026-04/close/",
    "/api/v1/recompute/",
    "/api/v1/imports/",
]


def expected_read(persona: str, leadership_may_read: bool) -> int:
    return {"anonymous": 401, "nobody": 403, "leadership": 200 if leadership_may_read else 403}.get(persona, 200)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("path", "leadership_may_read"), READS)
def test_each_persona_reads_exactly_what_its_role_allows(api_as, persona, path, leadership_may_read) -> None:
    response = api_as(persona).get(path)
    assert response.status_code == expected_read(persona, leadership_may_read), response.content[:300]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", WRITES)
def test_only_operations_and_superusers_get_past_the_permission_check_on_writes(api_as, persona, path) -> None:
    response = api_as(persona).post(path, {}, format="json" if "imports" not in path else "multipart")
    if persona == "anonymous":
        assert response.status_code == 401
    elif persona in ("nobody", "leadership"):
        assert response.status_code == 403
    else:
        # Past the permission check: the empty body is refused on its merits (or the command runs).
        assert response.status_code not in (401, 403), response.content[:300]


def test_an_anonymous_request_is_told_to_send_a_token(api_as) -> None:
    response = api_as("anonymous").get("/api/v1/engagements/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_leadership_cannot_change_an_engagement_it_may_read(api_as, world) -> None:
    client = api_as("leadership")
    assert client.get(f"/api/v1/engagements/{world.staff_aug.pk}/").status_code == 200
    assert (
        client.patch(f"/api/v1/engagements/{world.staff_aug.pk}/", {"cost_center": "X"}, format="json").status_code
        == 403
    )
    assert client.delete(f"/api/v1/engagements/{world.staff_aug.pk}/").status_code == 403


def test_the_admin_session_authenticates_the_api_too(operations_client) -> None:
    assert operations_client.get("/api/v1/vendors/").status_code == 200


def test_reopening_needs_its_own_permission_even_for_operations(api_as, world, operations_user) -> None:
    client = api_as("operations")
    assert client.post("/api/v1/periods/2026-04/close/").status_code == 200
    response = client.post("/api/v1/periods/2026-04/reopen/", {"reason": "typo in April"}, format="json")
    assert response.status_code == 403
    assert (
        api_as("superuser").post("/api/v1/periods/2026-04/reopen/", {"reason": "typo"}, format="json").status_code
        == 200
    )


def _user_with(*perms: str):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    user = UserFactory(username="perms-only")
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def test_a_user_in_no_group_reads_what_its_own_permissions_allow() -> None:
    from tests.api.conftest import token_client

    client = token_client(_user_with("engagements.view_vendor", "engagements.read_api"))
    assert client.get("/api/v1/vendors/").status_code == 200
    assert client.get("/api/v1/people/").status_code == 403
    assert client.post("/api/v1/vendors/", {"name": "Acme", "kind": "msp"}, format="json").status_code == 403


def test_the_view_permission_alone_reads_engagements_but_not_the_other_facts() -> None:
    from tests.api.conftest import token_client

    client = token_client(_user_with("engagements.view_engagement", "engagements.view_vendor"))
    assert client.get("/api/v1/engagements/").status_code == 200
    assert client.get("/api/v1/vendors/").status_code == 403


def test_leadership_given_the_api_read_permission_reads_every_resource(api_as, leadership_user) -> None:
    from django.contrib.auth.models import Permission

    leadership_user.user_permissions.add(Permission.objects.get(codename="read_api"))
    assert api_as("leadership").get("/api/v1/vendors/").status_code == 200
    assert api_as("leadership").post("/api/v1/vendors/", {}, format="json").status_code == 403
