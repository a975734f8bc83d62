"""The question-type interface and its registry."""

from __future__ import annotations

from typing import Any


class TypeDataError(ValueError):
    """The type-specific data of a question is invalid; ``messages`` are Chinese and user-facing."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("；".join(self.messages))


class QuestionType:
    """One kind of question. Subclasses set ``code``/``label`` and implement the methods below.

    ``data`` is the type's own part of a question (options, answer, blanks …), stored as JSON;
    a ``response`` is what a student answered, also JSON.
    """

    code: str = ""
    label: str = ""
    #: Graded automatically (False: goes to the teacher's grading queue).
    objective: bool = True
    default_score: float = 2.0

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        """Validated, normalised data; raises :class:`TypeDataError`."""
        raise NotImplementedError

    def clean_response(self, data: dict, response: Any) -> Any:
        """A student's response in canonical shape (None when empty); raises :class:`TypeDataError`."""
        raise NotImplementedError

    def grade(self, data: dict, response: Any) -> float | None:
        """The fraction of the full score earned (0–1), or None when a teacher must grade it."""
        raise NotImplementedError

    def answer_text(self, data: dict) -> str:
        """The correct answer as plain text (answer keys, previews)."""
        raise NotImplementedError

    def response_text(self, data: dict, response: Any) -> str:
        """A student's response as plain text (grading and result pages)."""
        return "" if response is None else str(response)

    def feedback(self, data: dict, response: Any) -> list[str]:
        """The per-answer feedback (rich text) the response earns, shown with the results."""
        return []


QUESTION_TYPES: dict[str, QuestionType] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    QUESTION_TYPES[cls.code] = cls()
    return cls


def get_type(code: str) -> QuestionType:
    try:
        return QUESTION_TYPES[code]
    except KeyError:
        raise TypeDataError(f"未知题型：{code}") from None
