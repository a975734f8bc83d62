"""REST API under /api/v1/schools/<code>/… and /api/v1/indicators (same services as the pages)."""

from eduplatform.core.api import make_api_blueprint

bp = make_api_blueprint("schools_api", __name__)

from eduplatform.schools.api import (  # noqa: F401
    classes,
    connectivity,
    equipment,
    indicators,
    roster,
    schools,
    students,
    teachers,
)
