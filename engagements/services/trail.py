"""What every recorded write leaves behind: the audit trail and the changed-month marks.

Registered with the kernel's write pipeline in `EngagementsConfig.ready()`, so
every model of every app (on every write path, bulk ones included) is audited
and marks the months it touches, without the kernel naming this app.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from engagements.models import AuditAction, AuditLog, Engagement
from engagements.services.marks import forget_engagements, mark_months_changed
from kernel.actor import current_actor
from kernel.facts import MonthKey, RecordedFact, RowChange


def audit_and_mark(model: type[RecordedFact], changes: list[RowChange], bulk: bool) -> None:
    """Write one audit row per changed row and mark every (engagement, month) the rows touch."""
    actor = current_actor()
    content_type = ContentType.objects.get_for_model(model)
    entries, keys = [], set[MonthKey]()
    for change in changes:
        old, new = change.old, change.new
        action = AuditAction.CREATE if old is None else AuditAction.DELETE if new is None else AuditAction.UPDATE
        keys |= model.month_keys(old or {}) | model.month_keys(new or {})
        if old is not None and new is not None and old.get("_engagement") != new.get("_engagement"):
            # A row moved to another engagement (a contractor with its hours, a service with its outages):
            # the months its guard saw, under both engagements, lose or gain what moved with it.
            keys |= model.guarded_keys(old, new)
        entries.append(
            AuditLog(
                actor_id=actor.user_id,
                actor_label=actor.label[:200],
                action=action,
                bulk=bulk,
                content_type=content_type,
                object_id=change.pk,
                object_repr=model.describe_row(new or old or {})[:200],
                changes=change.changes,
            )
        )
    AuditLog.objects.bulk_create(entries, batch_size=1000)
    if model is Engagement:
        # A deleted engagement takes its marks and snapshots with it (CASCADE); a mark naming it
        # would break its foreign key at commit. The months it leaves are handed on instead.
        gone = {change.pk for change in changes if change.new is None}
        if gone:
            forget_engagements({key for key in keys if key[0] in gone})
            keys = {key for key in keys if key[0] not in gone}
    mark_months_changed(keys, reason=f"{model._meta.verbose_name} changed")
