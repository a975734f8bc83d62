"""The public verification page: anyone who received a sealed document can check it here."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from eduplatform.core.errors import AppError
from eduplatform.core.extensions import db
from eduplatform.documents import bp
from eduplatform.documents.verification import MAX_VERIFY_BYTES, verify_upload


@bp.route("/documents/verify", methods=["GET", "POST"])
def verify_page():
    """Upload a PDF, see whether its seal is valid (no login: a receiver may be anyone)."""
    digest = report = error = None
    status = 200
    if request.method == "POST":
        try:
            digest, report = verify_upload(request.files.get("file"), _actor())
            db.session.commit()
        except AppError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
    return render_template("documents/verify.html", digest=digest, report=report, error=error,
                           limit_mb=MAX_VERIFY_BYTES // 1024**2), status


def _actor():
    return current_user._get_current_object() if current_user.is_authenticated else None
