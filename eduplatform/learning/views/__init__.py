"""HTML pages of class homework: the teacher's (set, publish, mark), the 班主任's day, the student's, the school's."""

from eduplatform.learning.mastery import views as _mastery  # noqa: F401  (学情)
from eduplatform.learning.views import school, student, teacher  # noqa: F401
