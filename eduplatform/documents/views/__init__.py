"""The documents pages (one module per page group)."""

from eduplatform.documents.views import verify  # noqa: F401
