"""The API's JSON parser: bounded in size and depth, and text that every renderer and database can store.

Python's json module recurses once per nesting level (a deep enough body is a
RecursionError, a 500) and decodes `"\\ud800"` into a lone surrogate that no
UTF-8 encoder accepts (a 500 wherever it is echoed or stored). Both answer
400 here, and a body past `DATA_UPLOAD_MAX_MEMORY_SIZE` answers 413 before it
is read.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

from kernel.api.errors import PayloadTooLarge

# Far beyond any body of the API (a ticket's pauses are 3 levels deep inside a batch).
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")
# Decoded UTF-8 holds no surrogate (the codec refuses them): only a JSON escape can make one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def body_limit() -> int | None:
    """Return the largest request body the API reads, in bytes (None: no limit)."""
    limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than {limit:,} bytes: send fewer rows per request.")


def check_content_length(meta: dict[str, Any], limit: int | None) -> None:
    """Refuse a request whose declared length is past the limit, before reading it."""
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ParseError("The Content-Length header is not a number.") from None
    if limit is not None and length > limit:
        raise too_large(limit)


def check_sane(data: Any, *, texts: bool = True) -> None:
    """Refuse nesting past MAX_DEPTH and strings (or keys) holding a lone surrogate (iterative, no recursion).

    `texts=False` skips the strings: the caller knows that none can hold a
    surrogate (JSON text without a \\uD800-\\uDFFF escape), and only the depth is left to check.
    """
    if not texts:
        _check_depth(data)
        return
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
            values = node.values() if isinstance(node, dict) else node
            if texts and isinstance(node, dict):
                for key in node:
                    _check_text(key)
            stack.extend((value, depth + 1) for value in values if texts or isinstance(value, dict | list))
        elif isinstance(node, str):
            _check_text(node)


def _check_depth(data: Any) -> None:
    """Refuse nesting past MAX_DEPTH, one level at a time (a batch's rows are one level: one pass over them)."""
    level, depth = [data], 1
    while level:
        if depth > MAX_DEPTH:
            raise ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
        # json.loads builds exactly dicts and lists: the exact type tests are the cheap ones.
        containers = [node.values() if type(node) is dict else node for node in level if type(node) in _CONTAINERS]
        level = [value for values in containers for value in values if type(value) in _CONTAINERS]
        depth += 1


_CONTAINERS = frozenset((dict, list))


def _check_text(text: str) -> None:
    if _SURROGATE.search(text):
        raise ParseError("The JSON holds a lone surrogate (\\ud800-\\udfff) that is not text: send valid Unicode.")


class SafeJSONParser(JSONParser):
    """DRF's strict JSON parser, with a size limit (413), a depth limit and no lone surrogates (400)."""

    def parse(self, stream: IO[Any] | None, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        limit = body_limit()
        if request is not None:
            check_content_length(request.META, limit)
        if stream is None:
            return None
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise too_large(limit)
        try:
            text = raw.decode(settings.DEFAULT_CHARSET) if isinstance(raw, bytes) else raw
            data = json.loads(text, parse_constant=strict_constant if self.strict else None)
        except RecursionError:
            raise ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if isinstance(raw, bytes) and _flat_rows(raw, data) and b"\\u" not in raw:
            return data  # a list of flat objects with no \u escape: nothing to check (see _flat_rows)
        check_sane(data, texts=not isinstance(raw, bytes) or _SURROGATE_ESCAPE.search(text) is not None)
        return data


def _flat_rows(raw: bytes, data: Any) -> bool:
    """Return whether the body is a list of objects none of which holds a list or an object.

    Counted on the text: one `[` (the list's) and one `{` per row, every row an
    object, leave no bracket for a nested container: the depth is 2 without walking the rows.
    A bracket inside a string only makes the count miss, and the rows are walked.
    """
    return (
        type(data) is list
        and raw.count(b"[") == 1
        and raw.count(b"{") == len(data)
        and all(type(row) is dict for row in data)
    )
