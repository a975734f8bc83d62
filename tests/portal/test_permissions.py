"""Who may draft, edit, review, withdraw and manage columns: the staff of the publishing unit."""

from eduplatform.core.templating import nav_items
from eduplatform.portal import permissions as p
from eduplatform.portal.services import content


def test_the_publishing_unit_is_the_bureau_above_a_department(portal, tree):
    assert p.publishing_unit(portal.city_staff) == tree.city  # 基础教育处 publishes for the city bureau
    assert p.publishing_unit(portal.district_a_staff) == tree.district_a
    assert p.is_portal_staff(portal.city_staff) and p.is_portal_staff(portal.district_b_staff)
    for user in (portal.teacher_a1, portal.school_a1_admin, portal.citizen, portal.leader, portal.sysadmin):
        assert not p.is_portal_staff(user), user.username


def test_drafting_is_for_the_own_unit_only(portal, tree):
    assert p.can_draft_article(portal.city_staff, tree.city)
    assert not p.can_draft_article(portal.city_staff, tree.district_a)
    assert not p.can_draft_article(portal.teacher_a1, tree.school_a1)


def test_edit_review_and_withdraw(portal, make_article):
    article = make_article()
    assert p.can_edit_article(portal.city_staff, article) and not p.can_edit_article(portal.city_reviewer, article)
    assert p.can_submit_article(portal.city_staff, article) and not p.can_submit_article(portal.city_reviewer, article)
    content.submit_article(article, portal.city_staff)
    assert not p.can_edit_article(portal.city_staff, article)  # in review: frozen
    assert p.can_review_article(portal.city_reviewer, article)
    assert not p.can_review_article(portal.city_staff, article)  # not their own
    assert not p.can_review_article(portal.district_a_staff, article)
    content.approve_article(article, portal.city_reviewer)
    assert p.can_edit_article(portal.city_reviewer, article)  # 更正 by another staff member
    assert not p.can_edit_article(portal.city_staff, article)
    assert p.can_withdraw_article(portal.city_staff, article)
    assert not p.can_withdraw_article(portal.district_b_staff, article)
    assert not p.can_manage_article(portal.teacher_a1, article)


def test_columns_are_managed_by_the_city_bureau(portal):
    assert p.can_manage_columns(portal.city_staff)
    assert not p.can_manage_columns(portal.district_a_staff)
    assert not p.can_manage_columns(portal.citizen)


def test_the_nav_entry_is_for_portal_staff(portal):
    def labels(user):
        return [item.label for items in nav_items(user).values() for item in items]

    assert "门户信息发布" in labels(portal.city_staff)
    assert "门户信息发布" not in labels(portal.teacher_a1)
