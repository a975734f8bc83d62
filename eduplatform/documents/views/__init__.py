"""The documents pages (one module per page group)."""

from eduplatform.documents.views import pages, receiving, verify  # noqa: F401
