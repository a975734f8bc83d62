"""The search API and page: only readable documents are found, counted, quoted; the box is on /documents."""

from __future__ import annotations

import json

from eduplatform.core.extensions import db
from eduplatform.documents.services import access
from tests.assertions import denials
from tests.documents.search.test_services import SECRET_BODY, _draft


def _secret(bureau):
    return _draft(bureau, body=SECRET_BODY, title="关于下达校舍抗震加固专项资金的通知", secrecy="机密")


def test_the_api_finds_highlights_and_counts_within_visibility(bureau, client, api):
    open_one = _draft(bureau, body="各学校：\n请开展校舍抗震加固排查。", title="关于校舍排查的通知")
    secret = _secret(bureau)
    answer = client.get("/api/v1/documents/search", query_string={"q": "抗震加固"}, headers=api(bureau.clerk))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["total"] == 1 and [i["id"] for i in body["items"]] == [open_one.id]
    assert "<mark>抗震加固</mark>" in body["items"][0]["snippet_html"]
    assert body["facets"]["direction"] == [{"value": "out", "label": "发文", "count": 1}]
    raw = json.dumps(body, ensure_ascii=False)
    assert "校舍排查" in raw
    assert "专项资金" not in raw and str(secret.title) not in raw  # neither title nor snippet leaks

    leader = client.get("/api/v1/documents/search", query_string={"q": "专项资金"}, headers=api(bureau.leader))
    hit = leader.get_json()["items"][0]
    assert leader.get_json()["total"] == 1 and hit["id"] == secret.id and hit["secrecy"] == "机密"
    assert "<mark>专项资金</mark>" in hit["snippet_html"] and "<mark>专项资金</mark>" in hit["title_html"]


def test_the_api_refuses_bad_arguments_and_outsiders(bureau, client, api):
    bad = client.get("/api/v1/documents/search", query_string={"q": "x", "direction": "sideways"},
                     headers=api(bureau.clerk))
    assert bad.status_code == 422 and bad.get_json()["error"]["code"]
    assert bad.get_json()["error"]["code"] == "invalid"
    assert bad.get_json()["error"]["fields"] == {"direction": ["取值无效，可选值：out, in"]}
    teacher = client.get("/api/v1/documents/search", query_string={"q": "通知"}, headers=api(bureau.outsider))
    assert teacher.status_code == 403 and "error" in teacher.get_json()
    assert teacher.get_json() == {"error": {"code": "forbidden", "message": "没有权限执行此操作"}}
    assert len(denials(bureau.outsider)) == 1


def test_the_search_box_and_results_page(bureau, auth, client):
    open_one = _draft(bureau, body="各学校：\n请开展校舍抗震加固排查。", title="关于校舍排查的通知")
    secret = _secret(bureau)
    auth.login(bureau.finance_staff)
    home = client.get("/documents").get_data(as_text=True)
    assert 'id="document-search"' in home and "检索公文" in home
    page = client.get("/documents/search?q=抗震加固").get_data(as_text=True)
    assert "共找到 1 件您可查阅的公文" in page
    assert f'data-document-id="{open_one.id}"' in page and "<mark>抗震加固</mark>" in page
    assert secret.title not in page and "专项资金" not in page and f'data-document-id="{secret.id}"' not in page

    access.grant_access(secret, bureau.finance_staff, actor=bureau.leader, reason="涉及经费安排")
    db.session.commit()
    page = client.get("/documents/search?q=专项资金").get_data(as_text=True)
    assert "共找到 1 件您可查阅的公文" in page and f'data-document-id="{secret.id}"' in page
    assert '<span class="badge bg-dark">机密</span>' in page and "<mark>专项资金</mark>" in page
    none = client.get("/documents/search?q=量子纠缠&direction=in").get_data(as_text=True)
    assert 'id="no-results"' in none and "没有找到符合条件的公文" in none
