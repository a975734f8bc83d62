"""The resource library's workbench cards: my uploads with their review state (and 提交审核 for a
draft), the review queue's count, and what was published lately for the person's 学段 / 学科."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.core.vocabularies import vocabulary
from eduplatform.resources import permissions, review
from eduplatform.resources.models import Resource, ReviewState
from eduplatform.resources.services import published_visible
from eduplatform.resources.specs import get_specs

#: rows per card
LIMIT = 5


def is_uploader(user) -> bool:
    return user.has_role(Role.TEACHER) and permissions.can_upload_resource(user)


def my_uploads(user) -> dict:
    counts = dict(db.session.execute(sa.select(Resource.state, sa.func.count()).where(
        Resource.owner_id == user.id).group_by(Resource.state)).all())
    rows = db.session.scalars(sa.select(Resource).where(Resource.owner_id == user.id)
                              .order_by(Resource.updated_at.desc(), Resource.id.desc()).limit(LIMIT)).all()
    items = []
    for r in rows:
        submit = r.state == ReviewState.DRAFT and review.can_submit(user, r)
        items.append({"resource": r, "submit": submit, "token": review.review_token(r) if submit else ""})
    return {"rows": items, "total": sum(counts.values()),
            "counts": [(s.label, counts.get(s, 0)) for s in ReviewState if counts.get(s)]}


def review_counts(user) -> dict | None:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(review.queue(user).subquery())) or 0
    oldest = db.session.scalars(review.queue(user).limit(3)).all()
    return {"total": total, "oldest": oldest}


def interests(user) -> tuple[list[str], list[str]]:
    """(学段 codes, 学科 codes) from the teacher's profile (任教学科) and the school's 学段."""
    from eduplatform.schools.models import TeacherProfile

    org = getattr(user, "org", None)
    stages = list(org.stages or []) if org is not None else []
    subjects: list[str] = []
    if user.has_role(Role.TEACHER):
        teacher = TeacherProfile.for_user(user)
        vocab = vocabulary("subject")
        for name in (teacher.subjects if teacher else []) or []:
            code = vocab.resolve(name)
            if code and code not in subjects:
                subjects.append(code)
    return stages, subjects


def has_interests(user) -> bool:
    return user.has_role(Role.TEACHER, Role.STUDENT) and getattr(user, "org", None) is not None


def new_for_me(user) -> dict:
    stages, subjects = interests(user)
    query = published_visible(user)
    if stages:
        query = query.where(Resource.stage.in_(stages))
    if subjects:
        query = query.where(Resource.subject.in_(subjects))
    rows = db.session.scalars(query.order_by(Resource.published_at.desc(), Resource.id.desc()).limit(LIMIT)
                              .options(selectinload(Resource.versions))).all()
    specs = get_specs()
    label = " · ".join(x for x in ("、".join(specs.label("stage", s) for s in stages),
                                   "、".join(specs.label("subject", s) for s in subjects)) if x)
    return {"rows": rows, "label": label, "specs": specs, "stage": stages[0] if len(stages) == 1 else "",
            "subject": subjects[0] if len(subjects) == 1 else ""}
