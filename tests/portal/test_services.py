"""Portal content: columns from the file, 索引号, versions, review, scheduling, withdrawal, 效力状态."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.db import utcnow
from eduplatform.core.errors import AppError, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.portal.models import Article, ArticleState, IndexCounter, PortalColumn, Validity
from eduplatform.portal.services import columns, content
from tests.fixtures.at_once import postgresql_only, run_at_once

# The 政务公开 items a bureau must keep (《政府信息公开条例》 Art. 19–20, the list).
GOV_OPEN = ["机构职能", "负责人信息", "政策文件", "规划计划", "财政预决算", "招生考试", "教育统计",
            "建议提案办理", "人事信息", "政府信息公开年度报告", "其他"]


def kinds(obj) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.kind).where(
        AuditEntry.object_type == "portal_article", AuditEntry.object_id == str(obj.id)).order_by(AuditEntry.id)))


def test_the_column_tree_comes_from_the_file(portal):
    tops = [c.name for c in columns.top_columns()]
    assert tops == ["新闻动态", "通知公告", "政策法规", "政务公开", "办事服务", "互动交流", "采购招标"]
    gov = columns.column_by_key("gov_open")
    assert [c.name for c in gov.children] == GOV_OPEN
    assert columns.column_by_key("policy_documents").kind == "policy"
    assert columns.column_by_key("purchase_notices").kind == "procurement"


def test_syncing_again_keeps_staff_columns_and_changes_nothing(portal):
    added = columns.add_sub_column(columns.column_by_key("news"), actor=portal.city_staff, key="district_news",
                                   name="区县动态")
    assert columns.sync_columns() == 0
    assert db.session.get(PortalColumn, added.id).parent.key == "news"
    with pytest.raises(ValidationFailed, match="栏目标识已被使用"):
        columns.add_sub_column(columns.column_by_key("news"), actor=portal.city_staff, key="district_news", name="x")


def test_index_numbers_are_per_unit_and_year_gapless_and_given_once(portal, make_article, tree):
    first = make_article(published=True)
    second = make_article(published=True, title="第二条")
    code = tree.city.code
    year = first.index_year
    assert first.index_no == f"{code}/{year}-00001" and second.index_no == f"{code}/{year}-00002"
    assert content.assign_index_no(first) == first.index_no  # once
    draft = make_article(title="草稿")
    assert draft.index_no is None  # only at publication
    assert content.format_index_no("C01", 2026, 12) == "C01/2026-00012"


def test_a_rolled_back_publication_leaves_no_gap(portal, make_article):
    article = make_article()
    content.submit_article(article, portal.city_staff)
    nested = db.session.begin_nested()
    content.approve_article(article, portal.city_reviewer)
    assert article.index_no.endswith("-00001")
    nested.rollback()
    db.session.expire_all()
    other = make_article(published=True, title="另一条")
    assert other.index_no.endswith("-00001")


def test_review_excludes_the_drafter_and_return_needs_a_reason(portal, make_article):
    article = make_article()
    content.submit_article(article, portal.city_staff)
    assert article.state == ArticleState.REVIEW
    db.session.commit()  # a refusal by the engine rolls the session back (and records the refusal)
    with pytest.raises(AppError):
        content.approve_article(article, portal.city_staff)  # nobody reviews their own draft
    article = db.session.get(Article, article.id)
    with pytest.raises(ValidationFailed):
        content.return_article(article, portal.city_reviewer, "")
    content.return_article(article, portal.city_reviewer, "请补充开学时间")
    assert article.state == ArticleState.DRAFT
    content.submit_article(article, portal.city_staff)
    content.approve_article(article, portal.city_reviewer, opinion="同意发布")
    assert article.state == ArticleState.PUBLISHED and article.published_at is not None
    assert {"article.created", "article.index_numbered", "article.published"} <= set(kinds(article))


def test_staff_of_another_bureau_cannot_review(portal, make_article):
    article = make_article()
    content.submit_article(article, portal.city_staff)
    db.session.commit()
    with pytest.raises(AppError):
        content.approve_article(article, portal.district_b_staff)
    assert db.session.get(Article, article.id).state == ArticleState.REVIEW


def test_every_edit_keeps_a_version(portal, make_article):
    article = make_article(body="<p>第一稿</p>")
    content.update_article(article, portal.city_staff, {"body": "<p>第二稿<script>alert(1)</script></p>"})
    content.update_article(article, portal.city_staff, {"title": "新标题"})
    content.update_article(article, portal.city_staff, {"title": "新标题"})  # no change: no version
    assert [v.number for v in article.versions] == [1, 2, 3]
    assert article.versions[0].body == "<p>第一稿</p>"
    assert "script" not in article.versions[1].body and "第二稿" in article.versions[1].body
    assert article.versions[2].title == "新标题"
    assert kinds(article).count("article.updated") == 2


def test_only_the_drafter_edits_a_draft(portal, make_article):
    article = make_article()
    with pytest.raises(PermissionDenied):
        content.update_article(article, portal.city_reviewer, {"title": "x"})
    with pytest.raises(PermissionDenied):
        content.update_article(article, portal.district_a_staff, {"title": "x"})


def test_a_scheduled_article_waits_for_its_time(portal, make_article):
    later = utcnow() + timedelta(hours=2)
    article = make_article(publish_at=later)
    content.submit_article(article, portal.city_staff)
    content.approve_article(article, portal.city_reviewer)
    assert article.state == ArticleState.SCHEDULED and article.index_no is None
    assert content.publish_due(now=later - timedelta(minutes=1)) == []
    assert content.publish_due(now=later + timedelta(minutes=1)) == [article]
    assert article.state == ArticleState.PUBLISHED and article.index_no
    assert content.publish_due(now=later + timedelta(hours=1)) == []  # once
    assert "article.scheduled" in kinds(article)


def test_the_cli_publishes_due_articles(app, portal, make_article):
    article = make_article(publish_at=utcnow() + timedelta(seconds=1))
    content.submit_article(article, portal.city_staff)
    content.approve_article(article, portal.city_reviewer)
    article.publish_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["portal-publish-due"])
    assert "定时发布 1 条" in result.output
    assert db.session.get(Article, article.id).state == ArticleState.PUBLISHED


def test_withdrawal_needs_a_reason_and_is_audited(portal, make_article):
    article = make_article(published=True)
    with pytest.raises(ValidationFailed, match="理由"):
        content.withdraw(article, portal.city_staff, " ")
    with pytest.raises(PermissionDenied):
        content.withdraw(article, portal.district_a_staff, "错发")
    content.withdraw(article, portal.city_staff, "内容有误，更正后重发")
    assert article.state == ArticleState.WITHDRAWN and article.withdraw_reason == "内容有误，更正后重发"
    assert "article.withdrawn" in kinds(article)
    assert article not in db.session.scalars(content.public_query()).all()


def test_an_amended_policy_links_to_what_amended_it(portal, make_article):
    old = make_article("policy_documents", title="示范市中小学学籍管理办法", published=True)
    assert old.validity == Validity.VALID
    new = make_article("policy_documents", title="示范市中小学学籍管理办法（2026年修订）", published=True)
    with pytest.raises(ValidationFailed, match="须指明"):
        content.set_validity(old, portal.city_staff, Validity.AMENDED)
    content.set_validity(old, portal.city_staff, Validity.AMENDED, replaced_by=new)
    assert old.validity.label == "已修改" and old.replaced_by is new
    assert new.replaces == [old]
    news = make_article("news", title="一条新闻", published=True)
    with pytest.raises(ValidationFailed, match="只有政策文件"):
        content.set_validity(news, portal.city_staff, Validity.REPEALED)
    assert "article.validity_changed" in kinds(old)


def test_a_procurement_notice_needs_a_deadline(portal, make_article):
    with pytest.raises(ValidationFailed, match="截止时间"):
        make_article("purchase_notices", title="采购公告")
    notice = make_article("purchase_notices", title="采购公告", deadline_at=utcnow() + timedelta(days=20))
    assert notice.deadline_at is not None


CLERKS = 20


@postgresql_only
def test_twenty_reviewers_publishing_at_once_get_twenty_consecutive_index_numbers(separate_app):
    from eduplatform.orgs.models import OrgType
    from eduplatform.orgs.services import create_org_unit

    app = separate_app
    with app.app_context():
        city = create_org_unit(None, code="C1", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        columns.sync_columns()
        column = columns.column_by_key("news")
        ids = []
        for n in range(CLERKS):
            article = Article(column_id=column.id, org_id=city.id, title=f"新闻{n}", body="<p>x</p>",
                              state=ArticleState.REVIEW)
            db.session.add(article)
            db.session.flush()
            ids.append(article.id)
        db.session.commit()
        db.session.remove()

    run_at_once(app, lambda article_id: content.publish(db.session.get(Article, article_id)), ids, timeout=60)
    with app.app_context():
        seqs = sorted(db.session.scalars(sa.select(Article.index_seq)))
        last = db.session.scalar(sa.select(IndexCounter.last))
        db.session.remove()
    assert seqs == list(range(1, CLERKS + 1)) and last == CLERKS


def test_the_drafter_recalls_an_article_from_review(portal, make_article):
    article = make_article()
    content.submit_article(article, portal.city_staff)
    content.recall_article(article, portal.city_staff)
    assert article.state == ArticleState.DRAFT
    content.update_article(article, portal.city_staff, {"title": "撤回后修改的标题"})
    content.submit_article(article, portal.city_staff)
    db.session.commit()
    with pytest.raises(AppError):
        content.recall_article(db.session.get(Article, article.id), portal.city_reviewer)  # not the drafter
