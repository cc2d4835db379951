"""Pagination: numbered pages for small tables, cursors for large ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

if TYPE_CHECKING:
    # The stubs' name for what `permission_classes` holds (classes, or `&`/`|` compositions).

    # What the mixins below are mixed into, so that mypy checks their super() calls and view methods.
    _APIView = APIView
    _GenericAPIView = GenericAPIView
else:
    _APIView = _GenericAPIView = object


class StrictPageSize:
    """`?page_size=` is a whole number from 1 to max_page_size, else a 400 (DRF would ignore it)."""

    page_size: int | None
    page_size_query_param: str | None
    max_page_size: int | None

    def get_page_size(self, request: Request) -> int | None:
        raw = request.query_params.get(self.page_size_query_param or "page_size")
        if raw is None or raw == "":
            return self.page_size
        maximum = self.max_page_size or 1000
        if not raw.isdigit() or not 1 <= int(raw) <= maximum:
            raise ValidationError({"page_size": [f"Enter a whole number from 1 to {maximum}."]})
        return int(raw)


class PagePagination(StrictPageSize, PageNumberPagination):
    """Numbered pages for the small tables."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class LargeTablePagination(StrictPageSize, CursorPagination):
    """Cursor pages for the large tables: no COUNT, stable while rows are added."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
