"""Each demo account's 工作台 on the seeded demo platform: its real to-dos (what each is, its
deadline, returned items marked, the most urgent first) and its own things."""

from __future__ import annotations

import re

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.core.templating import localtime
from tests.security.conftest import login


def _home(demo, username) -> str:
    response = login(demo, username).get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _card(page: str, card_id: str) -> str:
    assert f'id="{card_id}"' in page, card_id
    return page.split(f'id="{card_id}"')[1].split('<div class="col')[0]


def _todos(page: str) -> list[str]:
    block = page.split('id="home-todos"')[1].split("</ol>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li.split(">", 1)[1])).strip() for li in block.split("<li")[1:]]


def _submission(demo, school_code: str):
    from eduplatform.orgs.services import find_org
    from eduplatform.reporting.models import Submission

    with demo.app_context():
        submission = db.session.scalar(sa.select(Submission).where(Submission.school_id == find_org(school_code).id))
        return submission.id, localtime(submission.due_at)


def test_teacher_sees_uploads_with_their_state_and_submit_for_the_draft(demo):
    page = _home(demo, "teacher")
    uploads = _card(page, "wb-uploads")
    assert "我的上传（5）" in uploads and "草稿 1 · 待学校审核 1 · 待区县审核 1 · 已发布 2" in uploads
    draft = uploads.split("一元一次方程的应用（草稿）")[0].rsplit("<li", 1)[1] + uploads.split("一元一次方程的应用（草稿）")[1].split("</li>")[0]
    assert ">草稿</span>" in draft and "提交审核" in draft and 'name="action" value="submit"' in draft
    waiting = uploads.split("有理数的乘方")[0].rsplit("<li", 1)[1]
    assert ">待学校审核</span>" in waiting
    assert "提交审核" not in uploads.split("有理数的乘方")[1].split("</li>")[0]
    classes = _card(page, "wb-classes")
    assert "七年级(1)班" in classes and "班主任" in classes and "九年级(1)班" in classes
    assert "义务教育数学课程标准（2022年版）解读" in _card(page, "home-courses")
    new = _card(page, "wb-new-resources")
    assert "新资源（初中 · 数学）" in new and "勾股定理的证明" in new
    assert "《背影》" not in new  # 语文: not the teacher's subject


def _opens(client, page: str, title: str) -> str:
    """Where a to-do's link leads: the to-do (``/tasks/<id>``) opens the object with its queue place."""
    block = page.split('id="home-todos"')[1].split("</ol>")[0]
    item = next(li for li in block.split("<li")[1:] if title in li)
    href = re.search(r'href="([^"]+)"', item).group(1)
    response = client.get(href)
    return response.headers.get("Location", href) if response.status_code == 302 else href


def test_a_returned_upload_is_marked_with_the_reason_and_opens_the_resource(demo):
    client = login(demo, "teacher2")
    page = client.get("/").get_data(as_text=True)
    (item,) = _todos(page)
    assert item.startswith("被退回 教学资源 《春》朗读指导教学案例 已退回 无期限")
    assert "退回理由：请补充朗读音频的来源与授权说明" in item
    from eduplatform.resources.models import Resource

    with demo.app_context():
        resource_id = db.session.scalar(sa.select(Resource.id).where(Resource.title == "《春》朗读指导教学案例"))
    assert _opens(client, page, "《春》朗读指导教学案例").startswith(f"/resources/{resource_id}?todo=")


def test_school_clerk_sees_the_report_to_file_with_its_deadline(demo):
    page = _home(demo, "school_admin3")  # 东湖区实验小学: its form is a draft, not yet handed in
    submission_id, due = _submission(demo, "2133990101")
    (item,) = _todos(page)
    assert item == f"填报任务 2026年秋季学期学校基本情况统计 草稿 截止 {due}"
    forms = _card(page, "wb-report-forms")
    assert "填报任务（1）" in forms and f"截止 {due}" in forms
    assert f'href="/reporting/submissions/{submission_id}"' in forms


def test_a_returned_report_takes_the_tasks_deadline_and_its_reason(demo):
    page = _home(demo, "school_admin2")
    _, due = _submission(demo, "2133990202")
    (item,) = _todos(page)
    assert item.startswith("被退回 数据填报 2026年秋季学期学校基本情况统计·西山区九年一贯制学校 学校填报")
    assert f"截止 {due}" in item
    assert "退回理由：学生用计算机数与装备台账不符" in item


def test_bureau_office_to_dos_are_ordered_by_deadline_and_say_what_they_are(demo):
    from eduplatform import workflow
    from eduplatform.accounts.services import find_user

    page = _home(demo, "city_office")
    items = _todos(page)
    # the demo's 依申请公开 requests and 领导信箱 letters wait at the office too, each with its deadline
    waiting = ("依申请公开", "即将到期 依申请公开", "领导信箱", "即将到期 领导信箱", "今日到期 领导信箱")
    assert any(i.startswith(("领导信箱", "即将到期 领导信箱", "今日到期 领导信箱")) for i in items)
    assert [i.split(" ")[0] for i in items if not i.startswith(waiting)] == [
        "即将到期", "教学资源", "数据填报"]
    assert items[0].startswith("即将到期 发文 关于做好2027年寒假期间中小学生安全工作的通知 用印 截止")
    assert items[-1].endswith("无期限")  # no deadline: last
    with demo.app_context():
        dues = [t.due_at for t in db.session.scalars(workflow.todo_query(find_user("city_office")))]
        assert f"截止 {localtime(min(d for d in dues if d))}" in items[0]


def test_district_staff_see_reporting_progress_and_the_review_queue(demo):
    page = _home(demo, "dh_staff")
    progress = _card(page, "wb-report-progress")
    assert "2026年秋季学期学校基本情况统计" in progress and "已报 1 / 应报 3" in progress
    assert "示范市教育局下发" in progress
    review = _card(page, "wb-resource-review")
    assert "资源审核（1）" in review and "勾股定理的逆定理 微课讲义" in review


def test_the_leader_sees_the_dashboards_headline_figures_and_what_to_sign(demo):
    page = _home(demo, "leader")
    tiles = re.findall(r'class="fs-5 fw-semibold wb-tile">([^<]+)<', page)
    assert tiles[0] == "6 所" and re.fullmatch(r"\d+\.\d Mbps/生", tiles[-1]), tiles
    assert "kbps" not in page
    # an urgency badge (即将到期 …) leads an item whose step deadline falls near a weekend
    kinds = [re.sub(r"^(已逾期|今日到期|即将到期) ", "", i).split(" ")[0] for i in _todos(page)]
    assert sorted(kinds) == ["发文", "收文"]


def test_student_sees_open_exams_as_to_dos_and_course_progress(demo):
    page = _home(demo, "student")
    items = _todos(page)
    assert items and all(i.startswith("在线考试 ") and " 待作答 截止 " in i for i in items)
    assert "第三章单元测验（在线）" in items[0]  # the exam closing first comes first
    courses = _card(page, "home-courses")
    assert re.search(r"七年级数学：一元一次方程.*已学 \d+%", courses, re.DOTALL)
    assert "我的考试" in page


def test_administrators_see_accounts_and_locks_and_the_auditor_the_audit_log(demo):
    secadmin = _card(_home(demo, "secadmin"), "wb-accounts")
    assert "当前锁定" in secadmin and "受限的来源地址" in secadmin
    sysadmin = _card(_home(demo, "sysadmin"), "wb-accounts")
    assert "管理的账户" in sysadmin and "受限的来源地址" not in sysadmin  # locks are the security admin's
    auditor = _home(demo, "auditor")
    assert 'id="wb-audit"' in auditor and 'id="home-todos"' not in auditor


def test_the_citizen_is_pointed_to_the_portal(demo):
    page = _home(demo, "citizen")
    assert "前往门户网站" in page and "无单位" not in page
