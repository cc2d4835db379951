"""Models of the SLA app."""

from sla.models.calendars import CoverageCalendar, Holiday, Weekday, WorkingHours
from sla.models.monitoring import MonitoredService, Outage
from sla.models.policies import CreditTier, Priority, PriorityTarget, SLAAssignment, SLAPolicy
from sla.models.tickets import CLOCK_FIELDS, PauseReason, Ticket, TicketCategory, TicketPause
from sla.querysets import TicketState

__all__ = [
    "CLOCK_FIELDS",
    "CoverageCalendar",
    "CreditTier",
    "Holiday",
    "MonitoredService",
    "Outage",
    "PauseReason",
    "Priority",
    "PriorityTarget",
    "SLAAssignment",
    "SLAPolicy",
    "Ticket",
    "TicketCategory",
    "TicketPause",
    "TicketState",
    "Weekday",
    "WorkingHours",
]
