"""Helpers shared by the reporting API modules."""

from __future__ import annotations

from flask import request
from werkzeug.datastructures import FileStorage

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.reporting.services import notices


def commit() -> None:
    """The request's one commit; the notices it created are e-mailed only once they are stored."""
    db.session.commit()
    notices.deliver_after_commit()


def uploaded_file(message: str) -> FileStorage:
    """The multipart ``file`` of the request, or a 422 with ``message`` when none was chosen."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(message, fields={"file": ["请选择文件"]})
    return upload
