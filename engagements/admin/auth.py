"""Users and groups with unambiguous permission pickers.

Two models may share a verbose name (DRF's Token and its TokenProxy are both
"Token"), so Django's "app | model | permission" labels repeat; the pickers
name the model by its code name instead.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User

from engagements.admin.pickers import PickerLabelsMixin, register_picker_label


def _permission(permission: Permission) -> str:
    content_type = permission.content_type
    return f"{content_type.app_label} | {content_type.model} | {permission.name}"


register_picker_label(Permission, _permission, "content_type")

admin.site.unregister(Group)
admin.site.unregister(User)


@admin.register(Group)
class LabelledGroupAdmin(PickerLabelsMixin, GroupAdmin):
    pass


@admin.register(User)
class LabelledUserAdmin(PickerLabelsMixin, UserAdmin):
    pass
