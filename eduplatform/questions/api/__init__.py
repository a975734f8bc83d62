"""REST API of the question bank: /api/v1/questions, /knowledge-points, /papers, /exams."""

from eduplatform.core.api import make_api_blueprint

bp = make_api_blueprint("questions_api", __name__)

from eduplatform.questions.api import exams, papers, questions  # noqa: F401
