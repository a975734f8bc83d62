"""The documents pages (one module per page group)."""

from eduplatform.documents.views import archive, pages, receiving, verify  # noqa: F401
