"""The documents pages (one module per page group)."""

from eduplatform.documents.views import archive, pages, verify  # noqa: F401
