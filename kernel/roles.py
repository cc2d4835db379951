"""The two roles: Operations records facts, Leadership reads; each app declares what its models mean to them.

An app's AppConfig sets `roles = AppRoles(...)`; `sync_roles` reads every installed app's declaration and
gives both groups exactly the permissions the declarations add up to. The wiring layer runs it after every
migrate (and flush), once every app's permissions exist, so a model added later reaches the groups too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.apps import AppConfig
    from django.contrib.auth.models import Permission

OPERATIONS = "Operations"
LEADERSHIP = "Leadership"
WRITE_ACTIONS = frozenset({"add", "change", "delete"})


@dataclass(frozen=True)
class AppRoles:
    """How both roles treat one app's permissions (an AppConfig's `roles`; a sequence of them is allowed too).

    Both roles view every model but the `hidden_models` (every model when `hidden` is true); Operations
    also adds, changes and deletes them, except the `read_only_models` (every model when `editable` is
    false), and holds the `operations_extra` codenames (even on a hidden model).
    Apps that declare nothing give neither role anything (superusers only); `hidden=True` says so explicitly.
    A hidden model has no permission in either group, so the admin lists it to superusers only and its
    pages answer 403 to everyone else.
    """

    # Model names (lower case) of computed or internal rows: Operations may look, never edit.
    read_only_models: frozenset[str] = frozenset()
    # Model names of technical rows neither role sees (superusers only).
    hidden_models: frozenset[str] = frozenset()
    # True: the whole app is technical, neither role sees any of its models (superusers only).
    hidden: bool = False
    # Codenames beyond add/change/delete/view (or on a read-only model) that Operations holds.
    operations_extra: frozenset[str] = frozenset()
    # Codenames beyond the view permissions that Leadership holds too (its few writes: scenarios).
    leadership_extra: frozenset[str] = frozenset()
    # False: no role edits any of the app's models (only superusers do).
    editable: bool = True
    # The label of the app the rules are about when it is not the declaring one (a third-party app).
    app_label: str = ""

    def hides(self, model: str, codename: str) -> bool:
        """Tell whether neither role holds this permission of one of the app's models (a technical row)."""
        if codename in self.operations_extra:
            return False
        return self.hidden or model in self.hidden_models

    def grants_operations(self, model: str, codename: str) -> bool:
        """Tell whether Operations holds this (non-view) permission of one of the app's models."""
        if codename in self.operations_extra:
            return True
        action = codename.split("_", 1)[0]
        return self.editable and action in WRITE_ACTIONS and model not in self.read_only_models


def declared_roles(configs: Iterable[AppConfig]) -> dict[str, AppRoles]:
    """Return the role rules of each app label, as the installed apps' configs declare them."""
    rules: dict[str, AppRoles] = {}
    for config in configs:
        declared: AppRoles | Sequence[AppRoles] | None = getattr(config, "roles", None)
        if declared is None:
            continue
        for rule in [declared] if isinstance(declared, AppRoles) else declared:
            rules[rule.app_label or config.label] = rule
    return rules


def split_by_role(perms: Iterable[Permission], rules: dict[str, AppRoles]) -> tuple[list[Permission], list[Permission]]:
    """Return the permissions of Operations and those of Leadership among `perms`."""
    operations, leadership = [], []
    for perm in perms:
        rule = rules.get(perm.content_type.app_label)
        if rule is None:
            continue
        if rule.hides(perm.content_type.model, perm.codename):
            continue
        if perm.codename.startswith("view_"):
            operations.append(perm)
            leadership.append(perm)
            continue
        if perm.codename in rule.leadership_extra:
            leadership.append(perm)
        if rule.grants_operations(perm.content_type.model, perm.codename):
            operations.append(perm)
    return operations, leadership


def sync_roles() -> None:
    """Create both groups and give them exactly the permissions the installed apps declare."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    rules = declared_roles(apps.get_app_configs())
    perms = Permission.objects.filter(content_type__app_label__in=rules).select_related("content_type")
    operations, leadership = split_by_role(perms, rules)
    Group.objects.get_or_create(name=OPERATIONS)[0].permissions.set(operations)
    Group.objects.get_or_create(name=LEADERSHIP)[0].permissions.set(leadership)
