"""The portal API: published articles for anyone, drafting for the publishing unit's staff."""

from eduplatform.core.extensions import db
from eduplatform.portal.models import Article, ArticleState
from eduplatform.portal.services import content


def test_anyone_lists_and_reads_published_articles_only(client, portal, make_article):
    published = make_article("notices", title="公开的通知", published=True)
    draft = make_article("notices", title="未公开的草稿")
    body = client.get("/api/v1/portal/articles?column=notices").get_json()
    assert [a["title"] for a in body["items"]] == ["公开的通知"]
    one = client.get(f"/api/v1/portal/articles/{published.id}").get_json()
    assert one["index_no"] == published.index_no and one["org"] == published.org.name
    response = client.get(f"/api/v1/portal/articles/{draft.id}")
    assert response.status_code == 404 and "未公开的草稿" not in response.get_data(as_text=True)


def test_a_withdrawn_article_answers_410(client, portal, make_article):
    article = make_article(published=True)
    content.withdraw(article, portal.city_staff, "过期")
    response = client.get(f"/api/v1/portal/articles/{article.id}")
    assert response.status_code == 410 and response.get_json()["error"]["code"] == "gone"


def test_staff_create_a_draft_and_others_are_refused(client, api, portal):
    response = client.post("/api/v1/portal/articles", headers=api(portal.city_staff),
                           json={"column": "news", "title": "接口起草的新闻", "body": "<p>正文</p>"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["state_label"] == "草稿"
    created = db.session.scalars(db.select(Article).filter_by(title="接口起草的新闻")).one()
    assert created.state == ArticleState.DRAFT and created.org_id == portal.city_staff.org.city.id
    refused = client.post("/api/v1/portal/articles", headers=api(portal.teacher_a1),
                          json={"column": "news", "title": "越权"})
    assert refused.status_code == 403 and "教育局" in refused.get_json()["error"]["message"]
    bad = client.post("/api/v1/portal/articles", headers=api(portal.city_staff), json={"column": "news"})
    assert bad.status_code == 422
