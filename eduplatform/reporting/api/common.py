"""Helpers shared by the reporting API modules."""

from __future__ import annotations

from eduplatform.core.extensions import db
from eduplatform.reporting.services import notices


def commit() -> None:
    """The request's one commit; the notices it created are e-mailed only once they are stored."""
    db.session.commit()
    notices.deliver_after_commit()


