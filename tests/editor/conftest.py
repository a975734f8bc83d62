"""The editor's tests use the fields of courses and the portal: their fixtures."""

from tests.courses.conftest import enrolled, make_course  # noqa: F401 - fixtures
from tests.portal.conftest import make_article, portal  # noqa: F401 - fixtures
