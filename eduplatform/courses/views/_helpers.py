"""Shared bits of the HTML views."""

from __future__ import annotations

from flask import request
from marshmallow import Schema, ValidationError

from eduplatform.core.errors import ValidationFailed
from eduplatform.courses.schemas import first_message


def form_data(schema: Schema, *, partial: bool = False) -> dict:
    """Load a posted form with a marshmallow schema; errors become one clear Chinese message."""
    try:
        return schema.load(request.form.to_dict(), partial=partial)
    except ValidationError as exc:
        raise ValidationFailed(first_message(exc.messages), fields=exc.messages) from exc
