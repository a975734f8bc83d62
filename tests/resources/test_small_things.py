"""Issue 14's small things on the resource pages: 暂无评分 before anyone rated."""

from __future__ import annotations

from eduplatform.core.extensions import db
from eduplatform.resources import services
from eduplatform.resources.models import Resource
from tests.resources.conftest import make_pptx


def test_no_rating_reads_as_such_and_a_rating_with_its_count(client, auth, upload, publish, people):
    response = upload(people.teacher_a1, file=(make_pptx("评分"), "评分.pptx"), title="评分测试 课件")
    resource = publish(response.get_json()["id"])
    auth.login(people.teacher_b1)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "暂无评分" in page and "0.0（0 人）" not in page and "评分 0" not in page
    services.rate(people.teacher_b1, db.session.get(Resource, resource.id), 4)
    services.rate(people.student_a1, db.session.get(Resource, resource.id), 5)
    db.session.commit()
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "评分 4.5（2 人）" in page and "暂无评分" not in page
