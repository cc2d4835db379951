"""A ticket lies within its engagement and is answered by its resolution, on every write path (issue 12).

Two rules the file importers alone enforced: a ticket opened before its
engagement began, and a first response after the resolution. Now the model
refuses them (admin, API, batches, imports), and the database backs them
(sla migration 0003) on SQLite and PostgreSQL alike, in the organisation's zone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from engagements.models import Engagement
from engagements.services.engagements import engagement_update
from imports.services import file_import
from kernel.batches import BatchRejected
from kernel.services import translate_database_error
from sla.models import Ticket
from sla.models.tickets import (
    OPENED_BEFORE_ENGAGEMENT_MESSAGE,
    RESPONSE_AFTER_RESOLVED_MESSAGE,
    TICKETS_BEFORE_START_MESSAGE,
)
from sla.services.ingest import tickets_upsert
from tests.api.conftest import token_client
from tests.factories import EngagementFactory
from tests.reports import test_browser as shared
from tests.sla.factories import TicketFactory, ny
from tests.sla.test_admin import TICKETS as ADMIN_TICKETS
from tests.sla.test_admin import ticket_form

pytestmark = pytest.mark.django_db
UTC = dt.UTC
TICKETS = "/api/v1/tickets/"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
browser = shared.browser  # the headless Chromium fixture, by name
# New York's midnight of April 1 is 04:00 UTC: half past three is still March 31 there.
BEFORE_NY_MIDNIGHT = dt.datetime(2026, 4, 1, 3, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def april() -> Engagement:
    """An engagement that began on April 1, 2026."""
    return EngagementFactory(name="Service desk (Acme)", start_date=dt.date(2026, 4, 1))


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def refused_by_database(write: Any) -> str:
    """Run a write that skips the model's checks; return the field error the database's refusal reads as."""
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        write()
    error = translate_database_error(excinfo.value)
    assert error is not None, excinfo.value
    [(field, [message])] = error.message_dict.items()
    return f"{field}: {message}"


# --- the model: the services and the admin -------------------------------------------------------


def test_a_ticket_opened_before_its_engagement_began_is_refused_on_the_opening(april) -> None:
    with pytest.raises(ValidationError) as excinfo:
        TicketFactory(engagement=april, opened_at=BEFORE_NY_MIDNIGHT)
    assert errors_of(excinfo) == {
        "opened_at": [
            "The ticket was opened before Service desk (Acme) began (2026-04-01 00:00 EDT): it was opened at 2026-03-31 23:30 EDT."
        ]
    }
    assert not Ticket.objects.exists()


def test_a_ticket_opened_at_the_local_midnight_its_engagement_began_is_recorded(april) -> None:
    ticket = TicketFactory(engagement=april, opened_at=ny(2026, 4, 1, 0, 0))
    assert ticket.opened_at == dt.datetime(2026, 4, 1, 4, 0, tzinfo=UTC)


def test_a_first_response_after_the_resolution_is_refused_on_the_first_response(april) -> None:
    with pytest.raises(ValidationError) as excinfo:
        TicketFactory(
            engagement=april,
            opened_at=ny(2026, 4, 14, 10),
            first_response_at=ny(2026, 4, 14, 12, 1),
            resolved_at=ny(2026, 4, 14, 12),
        )
    assert errors_of(excinfo) == {"first_response_at": [RESPONSE_AFTER_RESOLVED_MESSAGE]}


def test_a_ticket_answered_and_resolved_at_the_same_moment_is_recorded(april) -> None:
    moment = ny(2026, 4, 14, 12)
    ticket = TicketFactory(
        engagement=april, opened_at=ny(2026, 4, 14, 10), first_response_at=moment, resolved_at=moment
    )
    assert ticket.first_response_at == ticket.resolved_at


def test_the_admin_shows_the_opening_rule_on_the_opening_field(operations_client, april) -> None:
    data = ticket_form(
        april, opened_at_0="2026-03-31", opened_at_1="23:30:00", first_response_at_0="", first_response_at_1=""
    )
    response = operations_client.post(f"{ADMIN_TICKETS}add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "opened_at": [
            "The ticket was opened before Service desk (Acme) began (2026-04-01 00:00 EDT): it was opened at 2026-03-31 23:30 EDT."
        ]
    }
    assert not Ticket.objects.exists()


def test_the_admin_shows_a_late_first_response_on_the_first_response_field(operations_client, april) -> None:
    data = ticket_form(april, first_response_at_1="21:00:00", resolved_at_0="2026-04-14", resolved_at_1="20:00:00")
    response = operations_client.post(f"{ADMIN_TICKETS}add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"first_response_at": [RESPONSE_AFTER_RESOLVED_MESSAGE]}


# --- the API: one object, a batch, a change -----------------------------------------------------


def api_ticket(engagement: Engagement, n: int, **overrides: Any) -> dict[str, Any]:
    return {
        "engagement": engagement.pk,
        "priority": "P2",
        "category": "incident",
        "opened_at": "2026-04-14T14:00:00Z",
        "first_response_at": "2026-04-14T14:30:00Z",
        "resolved_at": "2026-04-14T18:00:00Z",
        "summary": f"Ticket {n}",
        "source": "jira",
        "external_id": f"SD-{n}",
        **overrides,
    }


@pytest.fixture
def api(operations_user) -> Any:
    return token_client(operations_user)


def test_one_ticket_posted_before_its_engagement_began_is_a_400_on_the_opening(api, april) -> None:
    response = api.post(TICKETS, api_ticket(april, 1, opened_at=BEFORE_NY_MIDNIGHT.isoformat()), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 0,
            "field": "opened_at",
            "message": "The ticket was opened before Service desk (Acme) began (2026-04-01 00:00 EDT): it was opened at 2026-03-31 23:30 EDT.",
        }
    ]
    assert not Ticket.objects.exists()


def test_a_batch_names_each_row_and_field_that_breaks_a_rule_and_stores_nothing(api, april) -> None:
    batch = [
        api_ticket(april, 0),
        api_ticket(april, 1, opened_at="2026-03-31T23:00:00Z"),
        api_ticket(april, 2, first_response_at="2026-04-14T18:00:01Z"),
    ]
    response = api.post(TICKETS, batch, format="json")
    assert response.status_code == 400
    assert [(e["row"], e["field"], e["message"]) for e in response.json()["errors"]] == [
        (
            1,
            "opened_at",
            "The ticket was opened before Service desk (Acme) began (2026-04-01 00:00 EDT): it was opened at 2026-03-31 19:00 EDT.",
        ),
        (2, "first_response_at", RESPONSE_AFTER_RESOLVED_MESSAGE),
    ]
    assert not Ticket.objects.exists()


def test_a_batch_that_moves_stored_tickets_before_the_start_is_refused(api, april) -> None:
    assert api.post(TICKETS, [api_ticket(april, 0), api_ticket(april, 1)], format="json").status_code == 200
    changed = [api_ticket(april, 0), api_ticket(april, 1, opened_at="2026-03-30T12:00:00Z")]
    response = api.post(TICKETS, changed, format="json")
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(1, "opened_at")]
    assert Ticket.objects.get(external_id="SD-1").opened_at == dt.datetime(2026, 4, 14, 14, tzinfo=UTC)


def test_the_batch_checks_stored_tickets_whose_rows_name_no_engagement(april) -> None:
    tickets_upsert(items=[(0, {**api_ticket(april, 0), "engagement": april})])
    row = {key: value for key, value in api_ticket(april, 0).items() if key != "engagement"}
    with pytest.raises(BatchRejected) as excinfo:
        tickets_upsert(items=[(0, row | {"opened_at": dt.datetime(2026, 3, 30, 12, tzinfo=UTC)})])
    assert [(p.row, p.field) for p in excinfo.value.problems] == [(0, "opened_at")]


def test_changing_a_ticket_through_the_api_keeps_the_first_response_before_the_resolution(api, april) -> None:
    ticket = TicketFactory(engagement=april, opened_at=ny(2026, 4, 14, 10), first_response_at=ny(2026, 4, 14, 11))
    response = api.patch(f"{TICKETS}{ticket.pk}/", {"resolved_at": "2026-04-14T14:30:00Z"}, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("first_response_at", RESPONSE_AFTER_RESOLVED_MESSAGE)
    ]


# --- the database: writes that skip the model ----------------------------------------------------


def test_the_database_refuses_a_first_response_after_the_resolution(april) -> None:
    ticket = TicketFactory(engagement=april, opened_at=ny(2026, 4, 14, 10), resolved_at=ny(2026, 4, 14, 12))
    refusal = refused_by_database(
        lambda: Ticket.objects.filter(pk=ticket.pk).update(first_response_at=ny(2026, 4, 14, 13))
    )
    assert refusal == f"first_response_at: {RESPONSE_AFTER_RESOLVED_MESSAGE}"


def test_the_database_refuses_an_opening_moved_before_local_midnight_of_the_start(april) -> None:
    ticket = TicketFactory(engagement=april, opened_at=ny(2026, 4, 14, 10))
    refusal = refused_by_database(lambda: Ticket.objects.filter(pk=ticket.pk).update(opened_at=BEFORE_NY_MIDNIGHT))
    assert refusal == f"opened_at: {OPENED_BEFORE_ENGAGEMENT_MESSAGE}"
    Ticket.objects.filter(pk=ticket.pk).update(opened_at=dt.datetime(2026, 4, 1, 4, tzinfo=UTC))  # midnight: fine


def test_the_database_refuses_a_bulk_insert_and_a_move_to_a_later_engagement(april) -> None:
    early = Ticket(engagement=april, priority="P3", category="incident", opened_at=BEFORE_NY_MIDNIGHT)
    assert refused_by_database(lambda: Ticket.objects.bulk_create([early])).startswith("opened_at: ")
    ticket = TicketFactory(opened_at=ny(2026, 3, 14, 10))  # an engagement of January
    refusal = refused_by_database(lambda: Ticket.objects.filter(pk=ticket.pk).update(engagement=april))
    assert refusal == f"opened_at: {OPENED_BEFORE_ENGAGEMENT_MESSAGE}"


def test_the_database_reads_the_organisations_zone_when_the_row_is_written(settings, april) -> None:
    settings.TIME_ZONE = "UTC"  # April 1 begins at 00:00 UTC: half past three is within it
    ticket = TicketFactory(engagement=april, opened_at=BEFORE_NY_MIDNIGHT)
    settings.TIME_ZONE = "America/New_York"
    # A row whose opening does not change is not checked again (the clock refresh rewrites thousands)...
    Ticket.objects.filter(pk=ticket.pk).update(summary="Renamed")
    # ...one whose opening changes is, in the zone of the moment.
    later = BEFORE_NY_MIDNIGHT + dt.timedelta(minutes=1)
    assert refused_by_database(lambda: Ticket.objects.filter(pk=ticket.pk).update(opened_at=later)).startswith(
        "opened_at: "
    )


# --- the engagement's side: a start moved past its tickets ----------------------------------------


def test_an_engagement_start_moved_past_its_tickets_is_refused_on_the_start_date(april) -> None:
    TicketFactory(engagement=april, opened_at=ny(2026, 4, 14, 10))
    with pytest.raises(ValidationError) as excinfo:
        engagement_update(engagement=april, start_date=dt.date(2026, 4, 15))
    # The model's check names the first ticket (the form's and the API's answer)...
    assert errors_of(excinfo) == {
        "start_date": [
            "Tickets were opened before this start date (the first at 2026-04-14 10:00 EDT); move or delete them first."
        ]
    }
    # ...and the database refuses any other path in the rule's own words.
    refusal = refused_by_database(
        lambda: Engagement.objects.filter(pk=april.pk).update(start_date=dt.date(2026, 4, 15))
    )
    assert refusal == f"start_date: {TICKETS_BEFORE_START_MESSAGE}"


def test_an_engagement_start_moved_up_to_its_first_ticket_or_earlier_is_saved(april) -> None:
    TicketFactory(engagement=april, opened_at=ny(2026, 4, 14, 10))
    engagement_update(engagement=april, start_date=dt.date(2026, 4, 14))
    engagement_update(engagement=april, start_date=dt.date(2026, 3, 1))
    assert Engagement.objects.get(pk=april.pk).start_date == dt.date(2026, 3, 1)


# --- the file importers: still refused, naming the line -----------------------------------------


def test_an_import_refuses_both_rules_naming_the_lines(import_world) -> None:
    data = (
        b"external_id,priority,category,opened_at,first_response_at,resolved_at\n"
        b"T-1,P2,incident,2024-01-02T10:00:00Z,2024-01-02T11:00:00Z,2024-01-02T12:00:00Z\n"
        b"T-2,P2,incident,2024-01-01T03:30:00Z,,\n"
        b"T-3,P2,incident,2024-01-02T10:00:00Z,2024-01-02T13:00:00Z,2024-01-02T12:00:00Z\n"
    )
    report = file_import(kind="tickets", fmt="generic", data=data, engagement=import_world.managed_it)
    assert [(r["row"], r["field"]) for r in report.rejected_rows] == [(3, "opened_at"), (4, "first_response_at")]
    assert report.rejected_rows[0]["message"] == (
        "The ticket was opened before Managed IT (Globex) began (2024-01-01 00:00 EST): it was opened at 2023-12-31 22:30 EST."
    )
    assert "after the ticket was resolved" in report.rejected_rows[1]["message"]
    assert not Ticket.objects.exists()


# --- a ticket and its engagement's start, at the same time (PostgreSQL) ------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_ticket_racing_a_later_start_of_its_engagement_never_both_commit() -> None:
    import random
    import time
    from functools import partial

    from reports.hooks import recompute_deferred
    from sla.services.tickets import ticket_create
    from tests.races import HeadStart, at_once, refused, skip_unless_postgresql

    skip_unless_postgresql()
    with recompute_deferred():
        engagement_ids = [EngagementFactory(start_date=dt.date(2026, 4, 1)).pk for _ in range(30)]

    def record(engagement_id: int, delay: float) -> Ticket:
        time.sleep(delay)
        with transaction.atomic():
            time.sleep(random.uniform(0, 0.02))
            engagement = Engagement.objects.get(pk=engagement_id)
            ticket = ticket_create(
                engagement=engagement, priority="P3", category="incident", opened_at=ny(2026, 4, 14, 10)
            )
            time.sleep(0.02)  # the gap between the trigger's check and the commit
        return ticket

    def move_start(engagement_id: int, delay: float) -> Engagement:
        time.sleep(delay)
        with transaction.atomic():
            time.sleep(random.uniform(0, 0.02))
            engagement = Engagement.objects.get(pk=engagement_id)
            return engagement_update(engagement=engagement, start_date=dt.date(2026, 4, 20))

    wins = {"ticket": 0, "start": 0}
    head_start = HeadStart()  # the winner of a round starts the next a little later: both orders happen
    for round_, engagement_id in enumerate(engagement_ids):
        ticket_delay, start_delay = head_start.delays()
        ticket, moved = at_once(
            partial(record, engagement_id, ticket_delay), partial(move_start, engagement_id, start_delay)
        )
        ticket_won, start_won = isinstance(ticket, Ticket), isinstance(moved, Engagement)
        assert not (ticket_won and start_won), f"round {round_}: a ticket opened before its engagement's start"
        for outcome in (ticket, moved):
            assert not isinstance(outcome, BaseException) or refused(outcome), f"round {round_}: {outcome!r}"
        wins["ticket" if ticket_won else "start"] += 1
        head_start.won(first=ticket_won)
    assert all(wins.values()), wins  # both orders happened


def test_the_engagements_form_validation_refuses_a_start_past_its_tickets_on_the_field(april) -> None:
    # What the admin's form runs (full_clean): a field error on the page, not the trigger's refusal at save (a 500).
    TicketFactory(engagement=april, opened_at=ny(2026, 4, 14, 10))
    april.start_date = dt.date(2026, 4, 15)
    with pytest.raises(ValidationError) as excinfo:
        april.full_clean()
    assert list(errors_of(excinfo)) == ["start_date"]
    april.start_date = dt.date(2026, 4, 14)
    april.full_clean()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_moving_the_start_past_its_tickets_shows_the_error_on_the_start_date(
    browser, live_server, operations_user
) -> None:
    from selenium.webdriver.common.by import By

    april = EngagementFactory(name="Service desk (Acme)", start_date=dt.date(2026, 4, 1))
    TicketFactory(engagement=april, opened_at=ny(2026, 4, 14, 10))
    shared.sign_in(browser, f"{live_server.url}/admin/login/", operations_user.username)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1400, 375):
        shared.viewport(browser, width)
        browser.get(f"{live_server.url}/admin/engagements/engagement/{april.pk}/change/")
        start = browser.find_element(By.NAME, "start_date")
        start.clear()
        start.send_keys("2026-04-15")
        browser.find_element(By.NAME, "_save").click()
        # A field error on the form (the page a click loads), never the site's error page.
        assert shared.eventually(lambda: "errornote" in browser.page_source, timeout=30), browser.page_source[:2000]
        row = browser.find_element(By.CSS_SELECTOR, ".field-start_date")
        assert "Tickets were opened before this start date (the first at 2026-04-14 10:00 EDT)" in row.text
        browser.save_screenshot(str(SCREENSHOTS / f"engagement-start-after-tickets-{width}.png"))
    april.refresh_from_db()
    assert april.start_date == dt.date(2026, 4, 1)
