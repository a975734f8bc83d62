"""Who an exam is for: explicit students or all students of an org unit now; classes and courses later.

Each audience kind has a resolver. ``user`` and ``org`` are built in; the school portal registers
``class`` and the courses domain registers ``course`` with :func:`register_audience_kind` — the exam
model already stores those kinds, so nothing here changes when they arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from eduplatform.accounts.models import Role, User, UserRole
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.orgs.services import find_org
from eduplatform.questions.models import AudienceKind, ExamAudience


@dataclass(frozen=True)
class AudienceResolver:
    label: str
    #: target id → a SELECT of the user ids it holds.
    members: Callable[[int], sa.Select]
    #: a user → the target ids (of this kind) the user belongs to.
    targets_for: Callable[[User], list[int]]
    #: target id → a display name, or None when the target does not exist.
    describe: Callable[[int], str | None]


def _student_ids():
    return sa.select(UserRole.user_id).where(UserRole.role == Role.STUDENT)


def _org_members(org_id: int) -> sa.Select:
    org = db.session.get(OrgUnit, org_id)
    path = org.path if org else "/nonexistent/"
    return (sa.select(User.id).join(OrgUnit, User.org_id == OrgUnit.id)
            .where(OrgUnit.path.startswith(path), User.id.in_(_student_ids())))


def _org_targets(user: User) -> list[int]:
    return user.org.path_ids if user.org is not None else []


def _describe_user(user_id: int) -> str | None:
    user = db.session.get(User, user_id)
    return f"{user.display_name}（{user.username}）" if user else None


def _describe_org(org_id: int) -> str | None:
    org = db.session.get(OrgUnit, org_id)
    return f"{org.name}全体学生" if org else None


RESOLVERS: dict[AudienceKind, AudienceResolver] = {
    AudienceKind.USER: AudienceResolver(
        "学生", lambda user_id: sa.select(User.id).where(User.id == user_id, User.id.in_(_student_ids())),
        lambda user: [user.id], _describe_user),
    AudienceKind.ORG: AudienceResolver("单位", _org_members, _org_targets, _describe_org),
}


def register_audience_kind(kind: AudienceKind, resolver: AudienceResolver) -> None:
    """Let a domain (classes, courses) answer who belongs to its targets."""
    RESOLVERS[kind] = resolver


def resolver_for(kind: AudienceKind) -> AudienceResolver | None:
    return RESOLVERS.get(kind)


def is_in_audience(exam, user: User) -> bool:
    for row in exam.audience:
        resolver = RESOLVERS.get(row.kind)
        if resolver is not None and row.target_id in resolver.targets_for(user):
            return True
    return False


def exams_condition(user: User):
    """A WHERE clause on Exam.id: exams whose audience includes ``user``."""
    from eduplatform.questions.models import Exam

    clauses = []
    for kind, resolver in RESOLVERS.items():
        targets = resolver.targets_for(user)
        if targets:
            clauses.append(sa.and_(ExamAudience.kind == kind, ExamAudience.target_id.in_(targets)))
    if not clauses:
        return sa.false()
    return Exam.id.in_(sa.select(ExamAudience.exam_id).where(sa.or_(*clauses)))


def audience_member_ids(exam) -> set[int]:
    ids: set[int] = set()
    for row in exam.audience:
        resolver = RESOLVERS.get(row.kind)
        if resolver is not None:
            ids.update(db.session.scalars(resolver.members(row.target_id)))
    return ids


def describe(row: ExamAudience) -> str:
    resolver = RESOLVERS.get(row.kind)
    name = resolver.describe(row.target_id) if resolver else None
    return name or f"{row.kind.value}#{row.target_id}"


def audience_from(data) -> list[tuple[str, int]]:
    """An exam's audience from its input: explicit (kind, id) pairs, students by username, units by code."""
    audience = [(a["kind"], a["target_id"]) for a in data["audience"]]
    for username in data["students"]:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise ValidationFailed(f"学生 {username} 不存在", fields={"students": [f"{username} 不存在"]})
        audience.append((AudienceKind.USER, user.id))
    for code in data["orgs"]:
        org = find_org(code)
        if org is None:
            raise ValidationFailed(f"单位 {code} 不存在", fields={"orgs": [f"{code} 不存在"]})
        audience.append((AudienceKind.ORG, org.id))
    return audience
