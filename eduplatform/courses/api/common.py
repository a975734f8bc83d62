"""Helpers shared by the courses API modules."""

from __future__ import annotations

from flask import request
from marshmallow import Schema, ValidationError

from eduplatform.core.api import load_json
from eduplatform.core.errors import ValidationFailed
from eduplatform.courses.schemas import first_message


def load_input(schema: Schema, *, partial: bool = False) -> dict:
    """JSON body, or form fields of a multipart upload (lessons with a file, SCORM packages)."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            return schema.load(request.form.to_dict(), partial=partial)
        except ValidationError as exc:
            raise ValidationFailed("提交的数据有误：" + first_message(exc.messages), fields=exc.messages) from exc
    return load_json(schema, partial=partial)
