"""Who an exam is for: explicit students, all students of an org unit, a class, a course's learners.

Each audience kind has a resolver. ``user`` and ``org`` are built in; the courses domain registers
``class`` and ``course`` with :func:`register_audience_kind` — the exam model already stores those
kinds, and a resolver carries everything exams ask of a kind (members, a user's targets, a name, and
who may give an exam to a target), so the question bank imports none of the registering domains.

Imports run one way: ``questions.permissions`` asks this module (``is_in_audience``); this module
never imports the permissions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from eduplatform.accounts.models import Role, User, UserRole
from eduplatform.core.errors import PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import in_scope
from eduplatform.orgs.models import OrgUnit
from eduplatform.orgs.services import find_org
from eduplatform.questions.models import AudienceKind, ExamAudience

OUT_OF_SCOPE = "只能给本单位（管辖范围内）的学生安排考试"


def _refuse(actor, target_id: int) -> None:
    raise PermissionDenied(OUT_OF_SCOPE)


@dataclass(frozen=True)
class AudienceResolver:
    label: str
    #: target id → a SELECT of the user ids it holds.
    members: Callable[[int], sa.Select]
    #: a user → the target ids (of this kind) the user belongs to.
    targets_for: Callable[[User], list[int]]
    #: target id → a display name, or None when the target does not exist.
    describe: Callable[[int], str | None]
    #: (actor, target id) → None when the actor may give an exam to the target, else it raises
    #: PermissionDenied. A kind that does not say refuses everyone.
    check_assignable: Callable[[object, int], None] = _refuse


def within_scope(org_of: Callable[[int], OrgUnit | None],
                 message: str = OUT_OF_SCOPE) -> Callable[[object, int], None]:
    """A ``check_assignable`` for kinds that live in an org unit: the actor's scope must hold it."""
    def check(actor, target_id: int) -> None:
        if not in_scope(actor, org_of(target_id)):
            raise PermissionDenied(message)
    return check


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


def _user_org(user_id: int) -> OrgUnit | None:
    user = db.session.get(User, user_id)
    return user.org if user else None


RESOLVERS: dict[AudienceKind, AudienceResolver] = {
    AudienceKind.USER: AudienceResolver(
        "学生", lambda user_id: sa.select(User.id).where(User.id == user_id, User.id.in_(_student_ids())),
        lambda user: [user.id], _describe_user, within_scope(_user_org)),
    AudienceKind.ORG: AudienceResolver("单位", _org_members, _org_targets, _describe_org,
                                       within_scope(lambda org_id: db.session.get(OrgUnit, org_id))),
}


def register_audience_kind(kind: AudienceKind, resolver: AudienceResolver) -> None:
    """Let a domain (classes, courses) answer who belongs to its targets."""
    RESOLVERS[kind] = resolver


def resolver_for(kind: AudienceKind) -> AudienceResolver | None:
    return RESOLVERS.get(kind)


def check_assignable(actor, audience: list[tuple[AudienceKind, int]]) -> None:
    """Raise PermissionDenied unless ``actor`` may give an exam to every (kind, target) of ``audience``
    (teachers: students of their own scope; a course's learners: who manages the course)."""
    for kind, target_id in audience:
        resolver = RESOLVERS.get(kind)
        (resolver.check_assignable if resolver is not None else _refuse)(actor, target_id)


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
    return name or f"{row.kind.label}（编号 {row.target_id}）"


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
