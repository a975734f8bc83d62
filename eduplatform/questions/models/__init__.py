"""Question bank models: knowledge points, questions and their versions, papers, exams, imports."""

from eduplatform.questions.models.exam import (
    AttemptStatus,
    AudienceKind,
    Exam,
    ExamAnswer,
    ExamAttempt,
    ExamAudience,
    ExamStatus,
)
from eduplatform.questions.models.imports import ImportBatch, ImportStatus
from eduplatform.questions.models.knowledge import KnowledgePoint
from eduplatform.questions.models.paper import Paper, PaperItem, PaperSection
from eduplatform.questions.models.question import Question, QuestionVersion, question_kp_links

__all__ = [
    "AttemptStatus", "AudienceKind", "Exam", "ExamAnswer", "ExamAttempt", "ExamAudience", "ExamStatus",
    "ImportBatch", "ImportStatus", "KnowledgePoint", "Paper", "PaperItem", "PaperSection", "Question",
    "QuestionVersion", "question_kp_links",
]
