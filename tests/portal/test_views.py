"""The public site shows published articles only; drafts, articles in review, scheduled and
withdrawn ones never leak through a list, the article URL, an attachment URL or the search."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from eduplatform import workflow
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.portal.models import Article, ArticleState, Validity
from eduplatform.portal.services import content

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def site(portal, make_article):
    """One article in each state, each with a distinctive title, all with an attachment."""
    out = {
        "published": make_article("notices", title="关于做好秋季学期开学工作的通知", published=True),
        "draft": make_article("notices", title="草稿标题紫罗兰"),
        "review": make_article("notices", title="审核中标题向日葵"),
        "scheduled": make_article("notices", title="定时标题郁金香", publish_at=utcnow() + timedelta(days=3)),
        "withdrawn": make_article("notices", title="撤回标题山茶花", published=True),
    }
    for key in ("draft", "review", "scheduled"):  # attached by the drafter while still a draft
        content.add_attachment(out[key], portal.city_staff, _upload(f"{key}.pdf"))
    content.submit_article(out["review"], portal.city_staff)
    content.submit_article(out["scheduled"], portal.city_staff)
    content.approve_article(out["scheduled"], portal.city_reviewer)
    for key in ("published", "withdrawn"):  # a published article's attachment is added by a corrector
        content.add_attachment(out[key], portal.city_reviewer, _upload(f"{key}.pdf"))
    content.withdraw(out["withdrawn"], portal.city_staff, "内容有误")
    db.session.commit()
    return out


def _upload(name):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(PDF), filename=name, content_type="application/pdf")


HIDDEN = ("草稿标题紫罗兰", "审核中标题向日葵", "定时标题郁金香", "撤回标题山茶花")


def test_lists_and_home_show_only_the_published(client, site):
    for url in ("/portal/", "/portal/c/notices"):
        page = client.get(url).get_data(as_text=True)
        assert "关于做好秋季学期开学工作的通知" in page
        for title in HIDDEN:
            assert title not in page, (url, title)


def test_the_home_lists_the_newest_items_and_a_block_per_column(client, portal, make_article):
    make_article("news", title="较早的新闻", published=True)
    make_article("budget", title="最新的预算公开", published=True)
    db.session.commit()
    page = client.get("/portal/").get_data(as_text=True)
    newest = page[page.index('id="newest-list"'):]
    assert newest.index("最新的预算公开") < newest.index("较早的新闻")
    for name in ("新闻动态", "通知公告", "政策法规", "政务公开", "办事服务", "互动交流"):
        assert f">{name}</h2>" in page, name


def test_an_article_page_shows_the_government_metadata(client, site, tree):
    article = site["published"]
    page = client.get(f"/portal/a/{article.id}").get_data(as_text=True)
    assert article.index_no in page and article.index_no.startswith(f"{tree.city.code}/")
    assert "发布机构" in page and tree.city.name in page and "成文日期" in page and "发布日期" in page
    assert "首页" in page and "通知公告" in page  # breadcrumbs
    assert client.get(f"/portal/a/{article.id}/print").status_code == 200


def test_unpublished_articles_answer_404_and_withdrawn_410_in_chinese(client, site):
    for key in ("draft", "review", "scheduled"):
        response = client.get(f"/portal/a/{site[key].id}")
        assert response.status_code == 404
        assert site[key].title not in response.get_data(as_text=True)
    response = client.get(f"/portal/a/{site['withdrawn'].id}")
    assert response.status_code == 410
    body = response.get_data(as_text=True)
    assert "该信息已撤回" in body and "撤回标题山茶花" not in body
    assert client.get(f"/portal/a/{site['withdrawn'].id}/print").status_code == 410


def test_attachments_are_served_only_for_published_articles(client, site):
    published = site["published"].attachments[0]
    response = client.get(f"/portal/files/{published.id}")
    assert response.status_code == 200 and response.data == PDF
    for key in ("draft", "review", "scheduled"):
        att = site[key].attachments[0]
        assert client.get(f"/portal/files/{att.id}").status_code == 404
    assert client.get(f"/portal/files/{site['withdrawn'].attachments[0].id}").status_code == 410


def test_search_finds_published_content_only(client, site):
    page = client.get("/portal/search", query_string={"q": "秋季学期"}).get_data(as_text=True)
    assert "开学工作的通知" in page
    for word in ("紫罗兰", "向日葵", "郁金香", "山茶花"):
        page = client.get("/portal/search", query_string={"q": word}).get_data(as_text=True)
        assert "没有找到" in page, word


def test_a_withdrawn_article_leaves_the_search_index(client, site, portal):
    article = site["published"]
    assert "开学工作的通知" in client.get("/portal/search?q=秋季学期").get_data(as_text=True)
    content.withdraw(db.session.get(Article, article.id), portal.city_staff, "已过期")
    db.session.commit()
    assert "没有找到" in client.get("/portal/search?q=秋季学期").get_data(as_text=True)


def test_an_amended_policy_is_marked_and_links_to_its_successor(client, portal, make_article):
    old = make_article("policy_documents", title="学籍管理办法", published=True)
    new = make_article("policy_documents", title="学籍管理办法（修订）", published=True)
    content.set_validity(old, portal.city_staff, Validity.AMENDED, replaced_by=new)
    db.session.commit()
    page = client.get(f"/portal/a/{old.id}").get_data(as_text=True)
    assert "本文件已修改" in page and f"/portal/a/{new.id}" in page and "效力状态" in page
    page = client.get(f"/portal/a/{new.id}").get_data(as_text=True)
    assert f"/portal/a/{old.id}" in page and "修改了" in page
    assert "已修改" in client.get("/portal/c/policy_documents").get_data(as_text=True)


def test_the_catalogue_lists_every_disclosure_item(client, portal, make_article):
    make_article("budget", title="2026年部门预算公开", published=True)
    page = client.get("/portal/catalogue").get_data(as_text=True)
    for name in ("机构职能", "负责人信息", "政策文件", "规划计划", "财政预决算", "招生考试", "教育统计",
                 "建议提案办理", "人事信息"):
        assert name in page
    assert "2026年部门预算公开" in page


def test_the_care_mode_persists_in_a_cookie(client, portal):
    response = client.get("/portal/care?on=1&next=/portal/c/news")
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/c/news")
    assert "care-mode" in client.get("/portal/c/news").get_data(as_text=True)
    assert "退出适老化模式" in client.get("/portal/").get_data(as_text=True)
    client.get("/portal/care?on=0&next=/portal/")
    assert "care-mode" not in client.get("/portal/").get_data(as_text=True)
    # never an open redirect
    assert client.get("/portal/care?on=1&next=https://evil.example/").headers["Location"].endswith("/portal/")


def test_the_column_list_is_paged(client, portal, make_article):
    for n in range(17):
        make_article("news", title=f"新闻第{n:02d}条", published=True)
    db.session.commit()
    first = client.get("/portal/c/news").get_data(as_text=True)
    second = client.get("/portal/c/news?page=2").get_data(as_text=True)
    assert "新闻第16条" in first and "新闻第00条" not in first
    assert "新闻第00条" in second and "共 17 条" in first


# --- staff pages -----------------------------------------------------------------------------------

def test_staff_draft_submit_review_and_publish_through_the_pages(client, auth, portal):
    auth.login(portal.city_staff)
    response = client.post("/portal/manage/new?column=news", data={
        "title": "全市教育工作会议召开", "body": "<p>会议强调……</p><script>x()</script>", "written_on": "2026-11-30"})
    assert response.status_code == 302
    article = db.session.scalars(db.select(Article).filter_by(title="全市教育工作会议召开")).one()
    assert "<script>" not in article.body and article.state == ArticleState.DRAFT
    assert client.post(f"/portal/manage/articles/{article.id}/submit").status_code == 302
    auth.logout()
    auth.login(portal.city_reviewer)
    page = client.get(f"/portal/manage/articles/{article.id}").get_data(as_text=True)
    assert "审核通过并发布" in page and 'id="flow-link"' in page
    instance = workflow.instance_for(article, content.PROCESS)
    flow = client.get(f"/workflow/instances/{instance.id}").get_data(as_text=True)
    assert "门户信息发布审核" in flow and "审核" in flow
    client.post(f"/portal/manage/articles/{article.id}/review", data={"action": "approve", "opinion": "同意"})
    db.session.expire_all()
    article = db.session.get(Article, article.id)
    assert article.state == ArticleState.PUBLISHED and article.index_no
    assert "全市教育工作会议召开" in client.get("/portal/c/news").get_data(as_text=True)


def test_the_drafter_sees_no_review_form_and_is_refused(client, auth, portal, make_article):
    article = make_article()
    content.submit_article(article, portal.city_staff)
    db.session.commit()
    auth.login(portal.city_staff)
    page = client.get(f"/portal/manage/articles/{article.id}").get_data(as_text=True)
    assert "审核通过并发布" not in page and 'id="recall-form"' in page
    assert client.post(f"/portal/manage/articles/{article.id}/review", data={"action": "approve"}).status_code == 403
    assert db.session.get(Article, article.id).state == ArticleState.REVIEW


def test_other_units_and_the_public_cannot_manage(client, auth, portal, make_article):
    article = make_article()
    db.session.commit()
    for user in (portal.district_b_staff, portal.teacher_a1, portal.citizen):
        auth.login(user)
        assert client.get(f"/portal/manage/articles/{article.id}").status_code == 403, user.username
        assert client.post(f"/portal/manage/articles/{article.id}/edit", data={"title": "改"}).status_code == 403
        auth.logout()
    assert db.session.get(Article, article.id).title == "全市中小学秋季开学工作通知"
    auth.login(portal.citizen)
    assert client.get("/portal/manage").status_code == 403


def test_withdrawal_from_the_page_needs_a_reason(client, auth, portal, make_article):
    article = make_article(published=True)
    db.session.commit()
    auth.login(portal.city_staff)
    response = client.post(f"/portal/manage/articles/{article.id}/withdraw", data={"reason": ""})
    assert response.status_code in (302, 422)
    assert db.session.get(Article, article.id).state == ArticleState.PUBLISHED
    client.post(f"/portal/manage/articles/{article.id}/withdraw", data={"reason": "信息已过时"})
    db.session.expire_all()
    assert db.session.get(Article, article.id).state == ArticleState.WITHDRAWN
    assert client.get(f"/portal/a/{article.id}").status_code == 410


def test_the_management_list_filters_by_state(client, auth, portal, make_article):
    make_article(title="已发布的一条", published=True)
    make_article(title="还是草稿的一条")
    db.session.commit()
    auth.login(portal.city_staff)
    page = client.get("/portal/manage?state=draft").get_data(as_text=True)
    assert "还是草稿的一条" in page and "已发布的一条" not in page


def test_a_first_visit_syncs_the_columns_from_the_file(client, tree):
    from eduplatform.portal.services import columns

    assert columns.top_columns() == []
    page = client.get("/portal/").get_data(as_text=True)
    assert "政务公开" in page and "采购招标" in page
    assert [c.name for c in columns.column_by_key("procurement").children] == ["采购公告", "招标公告"]


def test_a_tender_shows_its_deadline_and_says_when_it_has_passed(client, portal, make_article):
    open_one = make_article("tender_notices", title="多媒体教室设备招标公告", published=True,
                            deadline_at=utcnow() + timedelta(days=10))
    closed = make_article("tender_notices", title="课桌椅招标公告", published=True,
                          deadline_at=utcnow() + timedelta(seconds=1))
    closed.deadline_at = utcnow() - timedelta(days=1)
    db.session.commit()
    page = client.get(f"/portal/a/{open_one.id}").get_data(as_text=True)
    assert "投标截止时间" in page and "已截止" not in page and 'portal-tag-open">进行中<' in page
    assert 'portal-tag-closed">已截止<' in client.get(f"/portal/a/{closed.id}").get_data(as_text=True)
    listing = client.get("/portal/c/procurement").get_data(as_text=True)
    assert 'portal-tag-closed">已截止<' in listing and "多媒体教室设备招标公告" in listing


def test_the_search_can_be_narrowed_to_a_column(client, portal, make_article):
    make_article("news", title="智慧校园建设新闻", published=True)
    make_article("budget", title="智慧校园建设经费预算", published=True)
    db.session.commit()
    everything = client.get("/portal/search?q=智慧校园").get_data(as_text=True)
    # matched words are highlighted (<mark>): look for the unmatched tails of the titles
    assert "建设新闻" in everything and "经费预算" in everything
    narrowed = client.get("/portal/search?q=智慧校园&column=gov_open").get_data(as_text=True)
    assert "经费预算" in narrowed and "建设新闻" not in narrowed


def test_a_version_page_shows_what_changed_since_the_previous_one(client, auth, portal, make_article):
    article = make_article(body="<p>请于12月20日前报送。</p>")
    content.update_article(article, portal.city_staff, {"body": "<p>请于12月25日前报送。</p><p>逾期不候。</p>"})
    db.session.commit()
    auth.login(portal.city_staff)
    page = client.get(f"/portal/manage/articles/{article.id}/versions/2").get_data(as_text=True)
    assert '<del class="text-danger">0</del>' in page and '<ins class="text-success">5</ins>' in page
    assert "逾期不候" in page
    assert client.get(f"/portal/manage/articles/{article.id}/versions/9").status_code == 404


def test_a_scheduled_article_withdrawn_before_publication_never_existed(client, portal, make_article):
    article = make_article(publish_at=utcnow() + timedelta(days=1))
    content.submit_article(article, portal.city_staff)
    content.approve_article(article, portal.city_reviewer)
    content.withdraw(article, portal.city_staff, "取消发布")
    db.session.commit()
    assert client.get(f"/portal/a/{article.id}").status_code == 404
    assert client.get(f"/api/v1/portal/articles/{article.id}").status_code == 404


def test_a_missing_public_page_answers_in_the_site_layout(client, portal):
    for url in ("/portal/c/no_such_column", "/portal/a/999999", "/portal/files/999999"):
        response = client.get(url)
        assert response.status_code == 404
        assert "您访问的页面不存在" in response.get_data(as_text=True) and "适老化" in response.get_data(as_text=True)


def _titles(html: str) -> list[str]:
    import re

    block = re.search(r'<ul class="portal-list" id="column-list">(.*?)</ul>', html, re.DOTALL).group(1)
    return re.findall(r'/portal/a/\d+">([^<]+)</a>', block)


def test_the_procurement_list_filters_open_and_closed_notices(client, portal, make_article):
    soon = make_article("tender_notices", title="实验室设备招标公告", published=True,
                        deadline_at=utcnow() + timedelta(days=3))
    later = make_article("purchase_notices", title="录播教室采购公告", published=True,
                         deadline_at=utcnow() + timedelta(days=30))
    past = make_article("tender_notices", title="校园广播系统招标公告", published=True,
                        deadline_at=utcnow() + timedelta(days=1))
    past.deadline_at = utcnow() - timedelta(minutes=5)
    make_article("news", title="不属于采购招标的新闻", published=True)
    db.session.commit()
    everything = client.get("/portal/c/procurement").get_data(as_text=True)
    assert set(_titles(everything)) == {"实验室设备招标公告", "录播教室采购公告", "校园广播系统招标公告"}
    assert 'id="deadline-filter"' in everything and '>全部</a>' in everything
    opened = client.get("/portal/c/procurement?status=open").get_data(as_text=True)
    assert set(_titles(opened)) == {"实验室设备招标公告", "录播教室采购公告"}
    assert 'status=open" aria-current="page">进行中' in opened and "portal-tag-closed" not in opened
    closed = client.get("/portal/c/procurement?status=closed").get_data(as_text=True)
    assert _titles(closed) == ["校园广播系统招标公告"] and 'portal-tag-closed">已截止<' in closed
    assert _titles(client.get("/portal/c/tender_notices?status=open").get_data(as_text=True)) == ["实验室设备招标公告"]
    # an unknown filter, or a filter on a column that is not 采购招标, lists everything
    assert len(_titles(client.get("/portal/c/procurement?status=x").get_data(as_text=True))) == 3
    news = client.get("/portal/c/news?status=closed").get_data(as_text=True)
    assert _titles(news) == ["不属于采购招标的新闻"] and 'id="deadline-filter"' not in news
    api = client.get("/api/v1/portal/articles?column=procurement&status=closed").get_json()
    assert [a["title"] for a in api["items"]] == ["校园广播系统招标公告"] and api["items"][0]["deadline_passed"] is True
    assert client.get("/api/v1/portal/articles?status=later").status_code == 422
    assert soon.id and later.id
