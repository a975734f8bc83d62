"""Who may do what with the portal's content: the staff of the publishing unit (发布机构).

A publishing unit is a bureau (市教育局 or 区县教育局); the staff of its 科室 work for it. Drafting
and reviewing are the engine's lanes (``processes/portal_article.yaml``: ``bureau_staff`` of the
unit, nobody reviews their own draft) — the predicates here answer the same for buttons and pages.
The public sees published articles only; that rule lives in ``services.content.public_query`` and
``can_read_publicly``.
"""

from __future__ import annotations

from eduplatform.accounts.models import Role
from eduplatform.orgs.models import OrgType, OrgUnit


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_portal_staff(user) -> bool:
    """Bureau staff (教育局工作人员) of a bureau or one of its 科室."""
    return _authenticated(user) and user.has_role(Role.BUREAU_STAFF) and publishing_unit(user) is not None


def publishing_unit(user) -> OrgUnit | None:
    """The bureau a staff member publishes for (a 科室's staff publish for the bureau above it)."""
    if not _authenticated(user) or user.org is None:
        return None
    return user.org.nearest(OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU)


def answering_bureau(user) -> OrgUnit | None:
    """The bureau a person answers the public for (依申请公开, 领导信箱): their own bureau, or the bureau
    their 科室 belongs to; None for schools and the public."""
    org = getattr(user, "org", None)
    if org is None:
        return None
    org = org.owning_bureau_or_school
    return org if org.is_bureau else None


def answers_the_public(user) -> bool:
    """Bureau staff and leaders of a bureau (or one of its 科室) handle what the public sends it."""
    return (_authenticated(user) and user.has_role(Role.BUREAU_STAFF, Role.BUREAU_LEADER)
            and answering_bureau(user) is not None)


def answers_for(user, org_id: int | None) -> bool:
    """``user`` handles what the public sent to the bureau ``org_id``."""
    bureau = answering_bureau(user) if answers_the_public(user) else None
    return bureau is not None and bureau.id == org_id


def _of_unit(user, org_id: int) -> bool:
    unit = publishing_unit(user)
    return is_portal_staff(user) and unit is not None and unit.id == org_id


def can_manage_columns(user) -> bool:
    """Sub-columns are added by the city bureau's staff (the site is the city bureau's)."""
    unit = publishing_unit(user)
    return is_portal_staff(user) and unit is not None and unit.type == OrgType.CITY_BUREAU


def can_draft_article(user, unit: OrgUnit) -> bool:
    return _of_unit(user, unit.id)


def can_manage_article(user, article) -> bool:
    """See it in the management pages (any state): staff of its publishing unit."""
    return _of_unit(user, article.org_id)


def can_edit_article(user, article) -> bool:
    """A draft by its drafter; a published article by the unit's staff other than its drafter (更正)."""
    from eduplatform.portal.models import ArticleState

    if not _of_unit(user, article.org_id):
        return False
    if article.state == ArticleState.DRAFT:
        return article.created_by_id == user.id
    if article.state == ArticleState.PUBLISHED:
        return article.created_by_id != user.id
    return False


def can_submit_article(user, article) -> bool:
    from eduplatform.portal.models import ArticleState

    return article.state == ArticleState.DRAFT and article.created_by_id == getattr(user, "id", None) \
        and _of_unit(user, article.org_id)


def can_recall_article(user, article) -> bool:
    """撤回修改 from review: the drafter."""
    from eduplatform.portal.models import ArticleState

    return article.state == ArticleState.REVIEW and article.created_by_id == getattr(user, "id", None) \
        and _of_unit(user, article.org_id)


def can_review_article(user, article) -> bool:
    """审核: the unit's staff, not the drafter (回避)."""
    from eduplatform.portal.models import ArticleState

    return article.state == ArticleState.REVIEW and _of_unit(user, article.org_id) \
        and article.created_by_id != user.id


def can_schedule_article(user, article) -> bool:
    from eduplatform.portal.models import ArticleState

    if article.state == ArticleState.DRAFT:
        return can_edit_article(user, article)
    return article.state == ArticleState.SCHEDULED and _of_unit(user, article.org_id)


def can_withdraw_article(user, article) -> bool:
    """撤回 and 效力状态: the staff of the publishing unit."""
    return _of_unit(user, article.org_id)


def can_read_publicly(article) -> bool:
    return article.is_public


def can_view_ferry(user) -> bool:
    """The ferry's state: the portal's staff (what they publish goes out by it) and the 系统管理员."""
    return is_portal_staff(user) or (_authenticated(user) and user.has_role(Role.SYSADMIN))
