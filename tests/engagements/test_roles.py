"""Operations records facts; Leadership only reads; anyone else sees nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from kernel.roles import LEADERSHIP, OPERATIONS
from tests.factories import EngagementFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def test_the_migration_creates_both_groups() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {OPERATIONS, LEADERSHIP}


def test_operations_may_add_change_and_delete_recorded_facts(operations_user) -> None:
    for action in ("add", "change", "delete", "view"):
        assert operations_user.has_perm(f"engagements.{action}_timeentry")
        assert operations_user.has_perm(f"engagements.{action}_engagement")


def test_operations_may_not_rewrite_the_audit_trail(operations_user) -> None:
    assert operations_user.has_perm("engagements.view_auditlog")
    assert not operations_user.has_perm("engagements.change_auditlog")
    assert not operations_user.has_perm("engagements.delete_auditlog")


def test_leadership_may_view_but_never_edit(leadership_user) -> None:
    assert leadership_user.has_perm("engagements.view_engagement")
    assert leadership_user.has_perm("engagements.view_timeentry")
    # Leadership's one write is a scenario (issue 14): a projection, never a recorded fact.
    assert not any(
        perm.split(".")[1].startswith(("add_", "change_", "delete_"))
        for perm in leadership_user.get_all_permissions() - {"scenarios.add_scenario"}
    )


def test_leadership_gets_403_when_adding_a_time_entry_in_the_admin(leadership_client) -> None:
    assert leadership_client.get("/admin/engagements/timeentry/add/").status_code == 403
    entry = TimeEntryFactory()
    page = leadership_client.get(f"/admin/engagements/timeentry/{entry.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_a_staff_user_without_a_role_cannot_see_engagements(nobody_user, client) -> None:
    client.force_login(nobody_user)
    EngagementFactory()
    assert client.get("/admin/engagements/engagement/").status_code == 403


def test_a_role_declaration_in_an_apps_config_reaches_the_groups(monkeypatch, operations_user) -> None:
    from django.apps import apps

    from kernel.roles import AppRoles, sync_roles

    assert operations_user.has_perm("sla.change_ticket")
    monkeypatch.setattr(apps.get_app_config("sla"), "roles", AppRoles(read_only_models=frozenset({"ticket"})))
    sync_roles()
    operations = Group.objects.get(name=OPERATIONS).permissions
    assert not operations.filter(content_type__app_label="sla", codename="change_ticket").exists()
    assert operations.filter(content_type__app_label="sla", codename="view_ticket").exists()
    assert operations.filter(content_type__app_label="sla", codename="change_outage").exists()


def test_an_app_that_declares_nothing_gives_neither_role_anything(leadership_user, operations_user) -> None:
    for user in (leadership_user, operations_user):
        assert not any(perm.startswith(("auth.", "authtoken.", "sessions.")) for perm in user.get_all_permissions())


def test_a_custom_permission_reaches_operations_only_where_its_app_declares_it(operations_user) -> None:
    assert operations_user.has_perm("billing.close_period")
    assert operations_user.has_perm("imports.import_data")
    assert not operations_user.has_perm("billing.reopen_period")


def test_a_model_an_app_declares_hidden_is_seen_by_superusers_only(monkeypatch, leadership_user) -> None:
    from django.apps import apps

    from kernel.roles import AppRoles, sync_roles

    hidden = AppRoles(read_only_models=frozenset({"auditlog"}), hidden_models=frozenset({"workerheartbeat"}))
    monkeypatch.setattr(apps.get_app_config("engagements"), "roles", hidden)
    sync_roles()
    for group in Group.objects.filter(name__in=[OPERATIONS, LEADERSHIP]):
        codenames = set(
            group.permissions.filter(content_type__app_label="engagements").values_list("codename", flat=True)
        )
        assert "view_auditlog" in codenames
        assert not {"view_workerheartbeat", "change_workerheartbeat"} & codenames
