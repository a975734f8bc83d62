"""The link to the resource library (``eduplatform.resources``), which media and document lessons point at.

Until that package is installed, lessons upload their own file (``Lesson.file_id``) and
``resource_id`` stays empty; every function here answers "no resource" then.
"""

from __future__ import annotations

import importlib.util


def available() -> bool:
    return importlib.util.find_spec("eduplatform.resources") is not None


def stored_file_of(resource_id: int):
    return None


def check_resource(actor, resource_id: int, kind):
    """The resource behind ``resource_id`` if ``actor`` may use it for a lesson of ``kind``."""
    from eduplatform.core.errors import ValidationFailed

    raise ValidationFailed("资源库尚未开通，请上传文件", fields={"resource_id": ["资源库尚未开通"]})


def duration_of(resource) -> float | None:
    return None


def preview_of(resource) -> str | None:
    return None
