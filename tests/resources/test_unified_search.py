"""The one search box (/search): each group is the domain's own search, so nothing the domain would
hide shows up — another school's private resources, drafts, the question bank for students."""

from __future__ import annotations

import re

from eduplatform.core.extensions import db
from eduplatform.resources.models import Resource
from tests.questions.conftest import sample
from tests.resources.conftest import make_pptx


def _create(upload, user, title, **fields) -> Resource:
    response = upload(user, file=(make_pptx(title), f"{title}.pptx"), title=title, **fields)
    assert response.status_code == 201, response.get_json()
    return db.session.get(Resource, response.get_json()["id"])


def _group(page: str, kind: str) -> str:
    """The card of one group on the results page ('' when the group is not shown)."""
    match = re.search(rf'id="search-{kind}">(.*?)</div>\s*</div>\s*</div>', page, re.DOTALL)
    return match.group(1) if match else ""


def test_the_top_bar_has_the_search_box_on_every_signed_in_page(client, auth, people):
    auth.login(people.teacher_a1)
    for path in ("/", "/notices", "/resources"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="nav-search"' in page and 'action="/search"' in page, path


def test_grouped_results_with_counts_and_a_link_to_each_full_search(client, auth, upload, publish, people):
    first = _create(upload, people.teacher_a1, "光合作用 课件一")
    second = _create(upload, people.teacher_a1, "光合作用 课件二")
    publish(first.id)
    publish(second.id)
    auth.login(people.teacher_b1)  # another district: platform-wide resources are open to everyone
    page = client.get("/search?q=光合作用").get_data(as_text=True)
    resources = _group(page, "resource")
    assert "教学资源（2）" in resources
    assert f'href="/resources/{first.id}"' in resources and f'href="/resources/{second.id}"' in resources
    assert 'href="/resources/search?q=' in resources  # the library's own search for the rest
    assert "网络课程（0）" in _group(page, "course")  # teachers may search courses; none matches
    assert re.search(r"共找到 2 条结果：教学资源 2，网络课程 0", page)


def test_a_teacher_never_finds_another_schools_private_or_draft_resources(client, auth, upload, publish, people):
    school_only = _create(upload, people.teacher_a1, "浮力实验 校内资源", visibility="school")
    publish(school_only.id)
    draft = _create(upload, people.teacher_a1, "浮力实验 未提交草稿")
    auth.login(people.teacher_b1)  # 西山区育才小学
    other = client.get("/search?q=浮力实验").get_data(as_text=True)
    assert "教学资源（0）" in _group(other, "resource")
    assert "校内资源" not in other and "未提交草稿" not in other
    auth.logout()
    auth.login(people.student_a1)  # the same school as the uploader: the school-only resource, not the draft
    same = client.get("/search?q=浮力实验").get_data(as_text=True)
    assert f'href="/resources/{school_only.id}"' in same and f'/resources/{draft.id}"' not in same
    auth.logout()
    auth.login(people.teacher_a1)  # the owner finds both, the draft marked as such
    mine = _group(client.get("/search?q=浮力实验").get_data(as_text=True), "resource")
    assert "教学资源（2）" in mine and "草稿" in mine


def test_students_get_no_question_bank_group_and_never_its_answers(client, auth, people):
    from eduplatform.questions import services

    services.create_question(people.teacher_a1, sample("single", stem="勾股定理逆定理的判定题",
                                                       analysis="答案解析：三边满足平方关系"))
    db.session.commit()
    auth.login(people.teacher_a1)  # an author of the bank finds it
    teacher = client.get("/search?q=勾股定理逆定理").get_data(as_text=True)
    assert "试题（1）" in _group(teacher, "question") and "勾股定理逆定理的判定题" in teacher
    assert "答案解析" not in teacher  # the results show the stem, not the key
    auth.logout()
    auth.login(people.student_a1)
    student = client.get("/search?q=勾股定理逆定理").get_data(as_text=True)
    assert _group(student, "question") == "" and "试题" not in student.split("<main")[1]
    assert "勾股定理逆定理的判定题" not in student and "答案解析" not in student


def test_documents_are_searched_only_by_those_who_handle_them(client, auth, people):
    auth.login(people.teacher_a1)
    page = client.get("/search?q=通知").get_data(as_text=True)
    assert _group(page, "document") == "" and "公文" not in page.split("<main")[1]
    auth.logout()
    auth.login(people.city_staff)
    assert "公文（" in _group(client.get("/search?q=通知").get_data(as_text=True), "document")


def test_an_empty_query_lists_what_can_be_searched_and_long_input_is_cut(client, auth, people):
    auth.login(people.student_a1)
    empty = client.get("/search").get_data(as_text=True)
    assert "可搜索：教学资源、网络课程。" in empty
    long = client.get("/search?q=" + "数" * 500)
    assert long.status_code == 200 and "数" * 101 not in long.get_data(as_text=True)


def test_each_groups_count_is_the_domains_own_search_count(client, auth, upload, publish, people):
    for n in range(3):
        publish(_create(upload, people.teacher_a1, f"电磁感应 第{n + 1}课时").id)
    _create(upload, people.teacher_a1, "电磁感应 草稿")  # the owner's draft counts for the owner only
    for user, expected in ((people.teacher_a1, 4), (people.teacher_b1, 3)):
        auth.login(user)
        own = client.get("/api/v1/resources?q=电磁感应", headers=upload.headers(user)).get_json()
        page = client.get("/search?q=电磁感应").get_data(as_text=True)
        assert own["total"] == expected and f"教学资源（{expected}）" in _group(page, "resource")
        auth.logout()
