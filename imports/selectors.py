"""Reads of the imports app."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from imports.models import ImportedRow


def provenance_of(obj: models.Model) -> ImportedRow | None:
    """Return the file and line a record last came from, if it was imported."""
    content_type = ContentType.objects.get_for_model(type(obj))
    return ImportedRow.objects.select_related("file").filter(content_type=content_type, object_id=obj.pk).first()
