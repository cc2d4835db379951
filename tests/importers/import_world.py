"""The engagements, contractors and monitored services that the sample export files name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engagements.models import Engagement
from engagements.services.engagements import contractor_create, engagement_create, service_area_create, vendor_create
from sla.services.monitoring import monitored_service_create

SAMPLES = Path(__file__).parent / "samples"

PEOPLE = [
    ("Peter Tester", "peter.test@email.test"),
    ("Anna Schmidt", ""),
    ("Ben Okafor", ""),
    ("Chen Li", "chen@example.test"),
    ("Maria Rossi", "maria@example.test"),
    ("Jonas Weber", "jonas@example.test"),
    ("Priya Nair", ""),
]
MONITORS = ["Mail gateway", "VPN", "Intranet", "Email"]


@dataclass
class ImportWorld:
    """The staff augmentation engagement the timesheets go to and the managed one of tickets and outages."""

    help_desk: Engagement
    managed_it: Engagement


@dataclass(frozen=True)
class Sample:
    """A sample file, how to read it, and what importing it gives."""

    kind: str
    fmt: str
    name: str
    options: dict[str, Any]
    created: int
    rejected: int = 0

    def __str__(self) -> str:
        return self.name

    def data(self) -> bytes:
        """Return the file's bytes."""
        return (SAMPLES / self.name).read_bytes()


# Every sample export, read as its format needs; the two tool fixtures' zero-length
# entries are skipped with a note (issue 12), so they import without allow_partial.
SAMPLE_FILES = [
    Sample("timesheets", "harvest", "harvest_time_entries_import_test_1.csv", {}, 2),
    Sample("timesheets", "harvest", "harvest_semicolon_crlf.csv", {}, 3),
    Sample("timesheets", "toggl", "toggl_time_entries_import_test_1.csv", {}, 1),
    Sample("timesheets", "toggl", "toggl_valid.csv", {"tz": "Europe/Berlin"}, 2),
    Sample(
        "timesheets",
        "clockify",
        "clockify_time_entries_import_test_1.csv",
        {"day_first": False},
        1,
    ),
    Sample("timesheets", "clockify", "clockify_time_entries_import_test_2.csv", {}, 1),
    Sample("timesheets", "clockify", "clockify_day_first.csv", {}, 2),
    Sample("timesheets", "clockify", "clockify_undecidable.csv", {"day_first": True}, 2),
    Sample("timesheets", "kimai", "kimai_de.csv", {"tz": "Europe/Berlin"}, 2),
    Sample("timesheets", "kimai", "kimai_en.csv", {}, 2),
    Sample("timesheets", "generic", "generic_timesheets.csv", {}, 3),
    Sample("tickets", "jira", "jira.csv", {"tz": "Europe/London"}, 4),
    Sample("tickets", "zendesk", "zendesk.csv", {}, 2),
    Sample("tickets", "generic", "generic_tickets.csv", {"tz": "Europe/Berlin"}, 3),
    Sample("outages", "uptimerobot", "uptimerobot.csv", {}, 3),
    Sample("outages", "generic", "generic_outages.csv", {"tz": "Europe/Berlin"}, 3),
]

# Each malformed variant: its rejected rows (one good row each).
MALFORMED_FILES = [
    Sample("timesheets", "harvest", "harvest_malformed.csv", {}, 1, 7),  # its 0-hour row is skipped
    Sample("timesheets", "toggl", "toggl_malformed.csv", {}, 2, 3),  # "Maybe" billable is no error
    Sample("timesheets", "clockify", "clockify_malformed.csv", {}, 1, 4),
    Sample("timesheets", "kimai", "kimai_malformed.csv", {}, 1, 4),
    Sample("timesheets", "generic", "generic_timesheets_malformed.csv", {}, 1, 4),
    Sample("tickets", "jira", "jira_malformed.csv", {}, 1, 5),
    Sample("tickets", "zendesk", "zendesk_malformed.csv", {}, 1, 4),
    Sample("tickets", "generic", "generic_tickets_malformed.csv", {}, 1, 4),
    Sample("outages", "uptimerobot", "uptimerobot_malformed.csv", {}, 1, 4),
    Sample("outages", "generic", "generic_outages_malformed.csv", {}, 1, 4),
]


def build_import_world() -> ImportWorld:
    """Record what the samples name, through the services."""
    vendor = vendor_create(name="Initech Staffing", kind="both")
    area = service_area_create(name="IT operations")
    help_desk = engagement_create(
        name="Help desk (Acme)", vendor=vendor, model="staff_aug", service_area=area, start_date=dt.date(2024, 1, 1)
    )
    managed_it = engagement_create(
        name="Managed IT (Globex)", vendor=vendor, model="managed", service_area=area, start_date=dt.date(2024, 1, 1)
    )
    for name, email in PEOPLE:
        contractor_create(engagement=help_desk, name=name, email=email)
    for monitor in MONITORS:
        monitored_service_create(engagement=managed_it, name=monitor)
    return ImportWorld(help_desk, managed_it)


def build_second_desk(world: ImportWorld) -> Engagement:
    """A second help desk with the same people: the samples' entries could belong to either."""
    desk = engagement_create(
        name="Help desk (Initech)",
        vendor=world.help_desk.vendor,
        model="staff_aug",
        service_area=world.help_desk.service_area,
        start_date=dt.date(2024, 1, 1),
    )
    for name, email in PEOPLE:
        contractor_create(engagement=desk, name=name, email=email)
    return desk


@pytest.fixture
def import_world(db) -> ImportWorld:
    """The engagements, contractors and services of the samples."""
    return build_import_world()


def add_generic_engagements(world: ImportWorld) -> None:
    """Record the engagements the malformed generic files name ("Help desk", "Managed IT") as well."""
    help_desk = engagement_create(
        name="Help desk",
        vendor=world.help_desk.vendor,
        model="staff_aug",
        service_area=world.help_desk.service_area,
        start_date=dt.date(2024, 1, 1),
    )
    contractor_create(engagement=help_desk, name="Priya Nair")
    engagement_create(
        name="Managed IT",
        vendor=world.help_desk.vendor,
        model="managed",
        service_area=world.help_desk.service_area,
        start_date=dt.date(2024, 1, 1),
    )


def engagement_for(world: ImportWorld, kind: str) -> Engagement:
    """Return the engagement an upload of this kind is made for."""
    return world.help_desk if kind == "timesheets" else world.managed_it
