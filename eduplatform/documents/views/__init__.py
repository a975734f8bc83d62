"""The documents pages (one module per page group)."""

from eduplatform.documents.views import pages, verify  # noqa: F401
