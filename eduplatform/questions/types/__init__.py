"""Question types as a registry over ``Question.type`` (after CTFd's ``CHALLENGE_CLASSES``).

Every type knows how to validate its data, grade a response, validate a response's shape and show its
answer. File formats (``questions/formats``) convert each type to and from their own syntax.
"""

# Importing the module registers the built-in types.
from eduplatform.questions.types import builtin, cloze  # noqa: F401
from eduplatform.questions.types.base import QUESTION_TYPES, QuestionType, TypeDataError, get_type, register

__all__ = ["QUESTION_TYPES", "QuestionType", "TypeDataError", "get_type", "register"]
