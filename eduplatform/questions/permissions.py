"""Who may see, use and change questions, papers and exams (one place for the domain's rules).

Sharing decides who besides the author sees a question or a paper: 仅自己 (the author), 本单位 (the
owning unit and the bureaus above it), 本区县 (every unit of the owner's district), 全市 (every unit of
the city). Bureau users always see what units in their scope share beyond "private". Students never
see the bank: they see exam items, and answers and keys only after results are released.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.core.permissions import in_scope, visible_to
from eduplatform.orgs.models import OrgUnit
from eduplatform.questions.vocab import Sharing

#: Roles that build and use question banks and papers.
AUTHOR_ROLES = (Role.TEACHER, Role.SCHOOL_ADMIN, Role.BUREAU_STAFF, Role.BUREAU_LEADER)
#: Roles that manage what colleagues in their scope made.
MANAGER_ROLES = (Role.SCHOOL_ADMIN, Role.BUREAU_STAFF, Role.BUREAU_LEADER)


def is_author(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*AUTHOR_ROLES) \
        and user.org is not None


def is_student(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.STUDENT)


def district_of(org: OrgUnit | None) -> OrgUnit | None:
    """The district bureau above (or at) ``org``; the city bureau for units directly under it."""
    return None if org is None else (org.district or org.city)


def city_of(org: OrgUnit | None) -> OrgUnit | None:
    return None if org is None else org.city


def _shared_with(user, sharing: Sharing, org: OrgUnit, created_by_id: int) -> bool:
    if not is_author(user):
        return False
    if created_by_id == user.id:
        return True
    if sharing == Sharing.PRIVATE:
        return False
    if in_scope(user, org):
        return True
    if sharing == Sharing.DISTRICT:
        district = district_of(user.org)
        return district is not None and district.contains(org)
    if sharing == Sharing.CITY:
        city = city_of(user.org)
        return city is not None and city.contains(org)
    return False


def _manages(user, org: OrgUnit, created_by_id: int) -> bool:
    if not is_author(user):
        return False
    return created_by_id == user.id or (user.has_role(*MANAGER_ROLES) and in_scope(user, org))


def visible_shared(user, query, model):
    """Restrict a select over ``model`` (Question or Paper) to the rows shared with ``user``: their
    own, what their scope shares beyond "private", and what their district or city shares with it."""
    if not is_author(user):
        return query.where(sa.false())
    also = [model.created_by_id == user.id]
    district, city = district_of(user.org), city_of(user.org)
    if district is not None:
        also.append(sa.and_(model.sharing == Sharing.DISTRICT, model.org_id.in_(district.subtree_ids())))
    if city is not None:
        also.append(sa.and_(model.sharing == Sharing.CITY, model.org_id.in_(city.subtree_ids())))
    return visible_to(user, query, org_column=model.org_id, where=model.sharing != Sharing.PRIVATE, also=also)


def acl_tokens(user) -> list[str]:
    """The search-index tokens a user holds (see ``question_acl`` for the documents' side)."""
    if not is_author(user):
        return []
    tokens = [f"user:{user.id}"]
    if user.scope_root is not None:
        tokens.append(f"org:{user.scope_root.id}")
    tokens += [f"within:{org_id}" for org_id in user.org.path_ids]
    return tokens


def question_acl(sharing: Sharing, org: OrgUnit, created_by_id: int) -> list[str]:
    tokens = [f"user:{created_by_id}"]
    if sharing == Sharing.PRIVATE:
        return tokens
    tokens += [f"org:{org_id}" for org_id in org.path_ids]
    if sharing == Sharing.DISTRICT:
        district = district_of(org)
        tokens.append(f"within:{district.id}")
    elif sharing == Sharing.CITY:
        tokens.append(f"within:{city_of(org).id}")
    return tokens


# --- questions and knowledge points ---------------------------------------------------------

def can_create_question(user) -> bool:
    return is_author(user)


def can_view_question(user, question) -> bool:
    return question.deleted_at is None and _shared_with(user, question.sharing, question.org,
                                                        question.created_by_id)


def can_edit_question(user, question) -> bool:
    return question.deleted_at is None and _manages(user, question.org, question.created_by_id)


def can_manage_knowledge_points(user) -> bool:
    return is_author(user)


# --- papers ---------------------------------------------------------------------------------

def can_create_paper(user) -> bool:
    return is_author(user)


def can_view_paper(user, paper) -> bool:
    return paper.deleted_at is None and _shared_with(user, paper.sharing, paper.org, paper.created_by_id)


def can_edit_paper(user, paper) -> bool:
    return paper.deleted_at is None and _manages(user, paper.org, paper.created_by_id)


# --- exams ----------------------------------------------------------------------------------

def can_create_exam(user, paper) -> bool:
    return can_view_paper(user, paper)


def can_manage_exam(user, exam) -> bool:
    """Publish, grade, release, see statistics: the exam's author and the managers above."""
    return _manages(user, exam.org, exam.created_by_id)


def can_take_exam(user, exam) -> bool:
    from eduplatform.questions.audience import is_in_audience
    from eduplatform.questions.models import ExamStatus

    # Course quizzes are also taken by teachers in training courses (their audience is the course's
    # enrolments); every other exam is for students only.
    learner = is_student(user) or (exam.purpose == "quiz" and bool(getattr(user, "is_authenticated", False)))
    return learner and exam.status == ExamStatus.PUBLISHED and is_in_audience(exam, user)


# --- question pictures ----------------------------------------------------------------------

def can_view_media(user, stored) -> bool:
    """A question picture: its uploader (also while an import is only a preview), anyone who may see
    a question or paper that shows it, and the people taking or managing an exam whose paper does."""
    from eduplatform.core.extensions import db
    from eduplatform.questions.models import Exam, Paper, PaperItem, Question, QuestionVersion

    if stored.created_by_id is not None and stored.created_by_id == getattr(user, "id", None):
        return True
    # Rich text holds src="/questions/media/<id>"; inside the JSON data the quote is escaped.
    ref = f"/questions/media/{stored.id}"

    def refers(model):
        return sa.or_(model.stem.like(f'%{ref}"%', escape="!"), model.analysis.like(f'%{ref}"%', escape="!"),
                      sa.cast(model.data, sa.Text).like(f'%{ref}\\"%', escape="!"))

    for question in db.session.scalars(sa.select(Question).where(Question.deleted_at.is_(None), refers(Question))
                                       .limit(100)):
        if can_view_question(user, question):
            return True
    paper_ids = sa.select(PaperItem.paper_id).where(PaperItem.version_id.in_(
        sa.select(QuestionVersion.id).where(refers(QuestionVersion))))
    for paper in db.session.scalars(sa.select(Paper).where(Paper.id.in_(paper_ids)).limit(100)):
        if can_view_paper(user, paper):
            return True
    for exam in db.session.scalars(sa.select(Exam).where(Exam.paper_id.in_(paper_ids)).limit(200)):
        if can_take_exam(user, exam) or can_manage_exam(user, exam):
            return True
    return False
