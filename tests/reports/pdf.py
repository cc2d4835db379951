"""Read a generated PDF back as text, so tests can assert the figures and names it prints."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """Return the text of every page of a PDF, pages joined by newlines (raises unless it is a PDF)."""
    assert data.startswith(b"%PDF"), data[:20]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
