"""Models of the engagements app (the bottom of the dependency stack)."""

from engagements.models.audit import AuditAction, AuditLog
from engagements.models.core import (
    AttestationType,
    ComplianceAttestation,
    Contractor,
    DeliveryModel,
    Engagement,
    EngagementStatus,
    FactParent,
    Person,
    ServiceArea,
    Vendor,
    VendorKind,
)
from engagements.models.entries import Activity, Milestone, OverheadEntry, TimeEntry
from engagements.models.ops import ChangedMonth, PendingTask, WorkerHeartbeat

__all__ = [
    "Activity",
    "AttestationType",
    "AuditAction",
    "AuditLog",
    "ChangedMonth",
    "ComplianceAttestation",
    "Contractor",
    "DeliveryModel",
    "Engagement",
    "EngagementStatus",
    "FactParent",
    "Milestone",
    "OverheadEntry",
    "PendingTask",
    "Person",
    "ServiceArea",
    "TimeEntry",
    "Vendor",
    "VendorKind",
    "WorkerHeartbeat",
]
