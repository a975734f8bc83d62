"""What the rosters tell 统一身份认证 (``accounts.sso``): the account a 工号 or a 学籍号 names, and the
ID numbers of accounts for their matching hashes. Registered in the package's ``init_app``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.schools.models import (
    SchoolProfile,
    StudentProfile,
    StudentStatus,
    TeacherProfile,
    TeacherStatus,
)


def accounts_by_staff_no(value: str, claims: dict) -> list[int]:
    """Accounts of serving teachers with this 工号; narrowed to one school when the configured school
    claim names it (by 机构代码 or 学校标识码) — a 工号 is unique within a school only."""
    query = sa.select(TeacherProfile.user_id).where(
        TeacherProfile.teacher_no == value, TeacherProfile.status == TeacherStatus.ACTIVE,
        TeacherProfile.user_id.is_not(None))
    school_claim = current_app.config.get("SSO_CLAIM_SCHOOL")
    school = claims.get(school_claim) if school_claim else None
    if isinstance(school, str) and school.strip():
        school = school.strip()
        by_identifier = sa.select(SchoolProfile.org_id).where(SchoolProfile.identifier_code == school)
        query = query.join(OrgUnit, OrgUnit.id == TeacherProfile.school_id).where(
            (OrgUnit.code == school) | OrgUnit.id.in_(by_identifier))
    return list(db.session.scalars(query))


def accounts_by_registry_no(value: str, claims: dict) -> list[int]:
    """Accounts of enrolled students with this 全国学籍号."""
    return list(db.session.scalars(sa.select(StudentProfile.user_id).where(
        StudentProfile.registry_no == value.upper(), StudentProfile.status == StudentStatus.ENROLLED,
        StudentProfile.user_id.is_not(None))))


def id_numbers_of_accounts() -> list[tuple[int, str]]:
    """(account, ID number) of every teacher and student profile holding both."""
    rows = []
    for model in (TeacherProfile, StudentProfile):
        rows += [tuple(row) for row in db.session.execute(sa.select(model.user_id, model.id_number).where(
            model.user_id.is_not(None), model.id_number.is_not(None)))]
    return rows
