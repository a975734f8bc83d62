"""Upload a picture from the editor (JSON answer) and serve it by its token."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import uploaded_file
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.ratelimit import hit
from eduplatform.editor import bp, permissions, services

#: Uploads per user in ``RATE_WINDOW`` seconds: a long article has a few dozen pictures, not hundreds.
RATE_LIMIT = 60
RATE_WINDOW = 600


@bp.post("/editor/images")
@login_required
def upload_image():
    """Store a picture for rich text; answers ``{"url": …}`` to put in an ``<img src>``."""
    # Reading the file first parses the request, where every hostile upload is already refused
    # (``inspect_file_storage``); the hit is committed at once, so it comes before any other write.
    upload = uploaded_file("请选择要插入的图片", field_message="请选择图片")
    hit("editor.image", f"user:{current_user.id}", limit=RATE_LIMIT, per_seconds=RATE_WINDOW,
        message="插入图片过于频繁，请稍后再试")
    require(permissions.can_upload_image(current_user), action="editor.image")
    image = services.store_image(current_user, upload)
    db.session.commit()
    return {"id": image.id, "url": url_for("editor.image", token=image.token)}, 201


@bp.get("/editor/images/<token>")
def image(token: str):
    """A picture put into rich text: public to whoever holds its URL (the token is its secret)."""
    found = services.find_image(token)
    if found is None:
        abort(404)
    return found.file.send(inline=True, content_type=found.file.content_type,
                           cache="public, max-age=31536000, immutable")
