"""REST API of the courses domain under /api/v1 (documented in /api/v1/openapi.json)."""

from eduplatform.core.api import make_api_blueprint

bp = make_api_blueprint("courses_api", __name__)

from eduplatform.courses.api import courses, learning, lti, quizzes, scorm, training  # noqa: F401
