"""家校 pages: the parent's (join with a code, children, notices, messages), the 班主任's and the school's."""

from eduplatform.families.views import parent, school, teacher  # noqa: F401
