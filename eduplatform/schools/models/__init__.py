"""School models: the profile (1:1 with a school OrgUnit), the roster, and connectivity (校校通).

Later domains use these models directly; the most useful entry points are
``SchoolClass.students`` (a class's current students), ``StudentProfile.user`` /
``TeacherProfile.user`` (the optional login account) and ``SchoolProfile.for_org``.
"""

from eduplatform.schools.models.connectivity import (
    Equipment,
    EquipmentCategory,
    EquipmentChange,
    EquipmentState,
    NetworkAccess,
    ReceivingPoint,
    ReceivingPointMode,
    ReceivingPointState,
)
from eduplatform.schools.models.profile import Campus, SchoolProfile, SchoolProfileRevision, SchoolType
from eduplatform.schools.models.roster import (
    GRADES,
    Gender,
    RosterImport,
    SchoolClass,
    SchoolYear,
    StudentProfile,
    StudentStatus,
    TeacherProfile,
    TeacherStatus,
    TeachingAssignment,
    grade_label,
)

__all__ = [
    "GRADES", "Campus", "Equipment", "EquipmentCategory", "EquipmentChange", "EquipmentState", "Gender",
    "NetworkAccess", "ReceivingPoint", "ReceivingPointMode", "ReceivingPointState", "RosterImport",
    "SchoolClass", "SchoolProfile", "SchoolProfileRevision", "SchoolType", "SchoolYear", "StudentProfile",
    "StudentStatus", "TeacherProfile", "TeacherStatus", "TeachingAssignment", "grade_label",
]
