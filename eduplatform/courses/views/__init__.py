"""HTML pages of the courses domain (they call the same services as the API)."""

from eduplatform.courses.views import content, learn, lti, manage, pages, training  # noqa: F401
