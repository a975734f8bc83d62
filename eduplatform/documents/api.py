"""The documents API: verification of a sealed PDF (open to anyone, like the page)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from eduplatform.core.api import make_api_blueprint
from eduplatform.core.extensions import db
from eduplatform.documents.schemas import VerificationSchema
from eduplatform.documents.verification import verify_upload

bp = make_api_blueprint("documents_api", __name__)


@bp.post("/documents/verify")
def verify_document():
    """Verify the electronic seal (PAdES signature) of a PDF; no login needed.
    ---
    post:
      security: []
      requestBody:
        content:
          multipart/form-data:
            schema: {$ref: '#/components/schemas/FileUpload'}
      responses:
        200:
          content:
            application/json:
              schema: VerificationSchema
    """
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    digest, report = verify_upload(request.files.get("file"), actor)
    db.session.commit()
    return VerificationSchema().dump({"sha256": digest, "report": report})
