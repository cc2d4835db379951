from django.apps import AppConfig

from kernel.roles import AppRoles


class ImportsConfig(AppConfig):
    """File imports: export files parsed, matched and written through the owning apps' services."""

    name = "imports"
    verbose_name = "Imports"
    roles = AppRoles(
        # The record of each import and of each row's origin: written by imports only.
        read_only_models=frozenset({"importfile", "importedrow", "importjob"}),
        # Uploading an export file (admin, API, command) is Operations' work.
        operations_extra=frozenset({"import_data"}),
    )
