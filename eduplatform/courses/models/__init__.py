"""The courses domain's tables; import models from here."""

from eduplatform.courses.models.course import (  # noqa: F401
    LESSON_KIND_LABELS,
    Chapter,
    Course,
    CourseAudience,
    CoursePublicity,
    CourseStatus,
    EnrolmentMode,
    Lesson,
    LessonKind,
)
from eduplatform.courses.models.learning import (  # noqa: F401
    AssignmentSubmission,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    LessonAnswer,
    LessonProgress,
    LessonQuestion,
    ProgressStatus,
    SubmissionStatus,
    TrainingRecord,
)
from eduplatform.courses.models.lti import (  # noqa: F401
    LtiLineItem,
    LtiPlatformKey,
    LtiScore,
    LtiSeenId,
    LtiTool,
    LtiUserId,
)
from eduplatform.courses.models.scorm import ScormAttempt, ScormFile, ScormPackage  # noqa: F401
