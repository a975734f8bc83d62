"""HTML pages of the question bank, papers and exams (they call the same services as the API)."""

from eduplatform.questions.views import bank, exams, papers  # noqa: F401
