"""Pagination: numbered pages for small tables, cursors for large ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.views import APIView

if TYPE_CHECKING:
    # The stubs' name for what `permission_classes` holds (classes, or `&`/`|` compositions).

    # What the mixins below are mixed into, so that mypy checks their super() calls and view methods.
    _APIView = APIView
    _GenericAPIView = GenericAPIView
else:
    _APIView = _GenericAPIView = object


class PagePagination(PageNumberPagination):
    """Numbered pages for the small tables."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class LargeTablePagination(CursorPagination):
    """Cursor pages for the large tables: no COUNT, stable while rows are added."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
