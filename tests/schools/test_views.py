"""The HTML pages: who sees what, forms with Chinese errors, masking, exports, IDOR."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.schools import services
from tests.assertions import assert_refused_page, count, denials, reread
from tests.schools.conftest import STUDENT_HEADER, xlsx_bytes


def base(world):
    return f"/schools/{world.school.code}"


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def as_admin(client, auth, world):
    auth.login(world.people.school_a1_admin)
    return client


def test_every_school_page_renders_for_the_admin(as_admin, world):
    for path in ("/", "/profile", "/classes", f"/classes/{world.class_1_1.id}", "/teachers",
                 f"/teachers/{world.teacher.id}", "/students", f"/students/{world.student_1.id}", "/students/new",
                 "/teachers/new", "/import", "/rollover", "/connectivity", "/equipment", "/equipment/new"):
        response = as_admin.get(base(world) + path)
        assert response.status_code == 200, path
    assert as_admin.get("/school").headers["Location"].endswith(f"{base(world)}/")


def test_the_school_home_lists_the_viewers_own_todos_and_notices(client, auth, world):
    from eduplatform import workflow
    from eduplatform.workflow.notices import notify

    teacher, admin = world.people.teacher_a1, world.people.school_a1_admin
    instance = workflow.start("resource_review", org=world.school, actor=teacher, title="《一元一次方程》课件")
    workflow.perform(instance, "submit", actor=teacher, data={"title": "《一元一次方程》课件"})
    notify([admin], "task", "区教育局通知：期中教学检查")
    db.session.commit()
    auth.login(admin)
    page = html(client.get(base(world) + "/"))
    todos = page.split('id="slot-todos"')[1].split('id="slot-notices"')[0]
    assert "《一元一次方程》课件" in todos
    assert "区教育局通知：期中教学检查" in page.split('id="slot-notices"')[1]
    # A bureau user visiting the school sees the school, not an inbox.
    auth.logout()
    auth.login(world.people.district_a_staff)
    response = client.get(base(world) + "/")
    assert response.status_code == 200 and 'id="slot-todos"' not in html(response)


def test_profile_form_shows_chinese_errors_and_saves(as_admin, world):
    response = as_admin.post(base(world) + "/profile", data={"postcode": "12", "stages": ["primary"]})
    assert "邮政编码须为 6 位数字" in html(response)
    response = as_admin.post(base(world) + "/profile", data={
        "stages": ["primary"], "school_type": "primary", "principal": "赵校长", "classroom_count": "18"})
    assert response.status_code == 302
    page = html(as_admin.get(base(world) + "/profile"))
    assert "赵校长" in page and "修改记录" in page


def test_student_list_is_masked_and_the_full_export_is_audited(as_admin, world):
    page = html(as_admin.get(base(world) + "/students"))
    assert world.student_1.id_number not in page
    assert world.student_1.id_number[:6] + "********" in page
    masked = as_admin.get(base(world) + "/students/export.xlsx")
    rows = list(load_workbook(io.BytesIO(masked.data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert "*" in rows[1][5] and rows[1][8] == "138****1111"
    full = as_admin.get(base(world) + "/students/export.xlsx?full=1")
    rows = list(load_workbook(io.BytesIO(full.data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[1][5] == world.student_1.id_number
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "students.exported_full")) is not None


def test_a_district_cannot_export_full_personal_data(client, auth, world):
    auth.login(world.people.district_a_staff)
    assert client.get(base(world) + "/students/export.xlsx").status_code == 200
    assert client.get(base(world) + "/students/export.xlsx?full=1").status_code == 403
    page = html(client.get(base(world) + "/profile"))
    assert 'id="profile-form"' not in page  # read-only for the district
    assert client.post(base(world) + "/profile", data={"stages": ["primary"]}).status_code == 403


def test_import_through_the_pages(as_admin, world):
    data = xlsx_bytes([STUDENT_HEADER, ["S5001", "郑同学", "女", "一年级", "2"], ["S5002", "冯同学", "男", "一年级", "8"]])
    response = as_admin.post(base(world) + "/import", content_type="multipart/form-data",
                             data={"kind": "students", "file": (io.BytesIO(data), "名册.xlsx")})
    page = html(as_admin.get(response.headers["Location"]))
    assert "发现 1 个问题" in page and "本学年没有班级“一年级(8)班”" in page and "第 3 行" in page
    data = xlsx_bytes([STUDENT_HEADER, ["S5001", "郑同学", "女", "一年级", "2"]])
    response = as_admin.post(base(world) + "/import", content_type="multipart/form-data",
                             data={"kind": "students", "file": (io.BytesIO(data), "名册.xlsx")})
    preview_url = response.headers["Location"]
    assert "预检通过：新增 1 人" in html(as_admin.get(preview_url))
    response = as_admin.post(preview_url + "/confirm")
    assert "导入完成" in html(as_admin.get(response.headers["Location"]))
    assert services.student_by_no(world.school, "S5001") is not None
    template = as_admin.get(base(world) + "/import/template?kind=teachers")
    assert template.mimetype.endswith("spreadsheetml.sheet")
    csv_template = as_admin.get(base(world) + "/import/template?kind=students&format=csv")
    assert csv_template.data.decode("utf-8-sig").startswith("学号,姓名")


def test_account_slips_show_passwords_once(as_admin, world):
    page = html(as_admin.post(base(world) + f"/classes/{world.class_1_1.id}/accounts"))
    assert page.count('class="slip-password"') == 2
    assert "首次登录后须修改密码" in page
    again = html(as_admin.get(base(world) + f"/classes/{world.class_1_1.id}/slips"))
    assert 'class="slip-password"' not in again and "已发放" in again


def test_equipment_import_problems_are_listed_on_the_page(as_admin, world):
    from eduplatform.schools.equipment_io import HEADERS

    data = xlsx_bytes([HEADERS, ["ZC-1", "飞船", "x", None, 1]])
    response = as_admin.post(base(world) + "/equipment/import", content_type="multipart/form-data",
                             data={"file": (io.BytesIO(data), "台账.xlsx")})
    assert response.status_code == 422
    assert "第 2 行 设备类别（B2）" in html(response)


def test_equipment_form_and_history(as_admin, world):
    response = as_admin.post(base(world) + "/equipment/new", data={
        "asset_no": "ZC-100", "category": "multimedia_classroom", "name": "多媒体教室", "quantity": "5"})
    assert response.status_code == 302
    detail = response.headers["Location"]
    as_admin.post(detail, data={"asset_no": "ZC-100", "category": "multimedia_classroom", "name": "多媒体教室",
                                "quantity": "5", "state": "repair", "note": "投影仪灯泡更换"})
    page = html(as_admin.get(detail))
    assert "投影仪灯泡更换" in page and "状态：在用 → 维修" in page


@pytest.mark.parametrize("who", ["school_b1_admin", "district_b_staff", "teacher_b1"])
def test_other_schools_and_districts_are_refused_on_every_page(client, auth, world, who):
    from eduplatform.accounts.models import User

    user = getattr(world.people, who)
    accounts_before = count(User)
    auth.login(user)
    for path in ("/profile", "/classes", f"/classes/{world.class_1_1.id}", "/students",
                 f"/students/{world.student_1.id}", "/equipment", "/connectivity", "/import"):
        refused = client.get(base(world) + path)
        assert_refused_page(refused, path)
        assert "李一" not in refused.get_data(as_text=True), path
    assert_refused_page(client.post(base(world) + f"/classes/{world.class_1_1.id}/accounts"), "accounts")
    assert len(denials(user)) == 9
    assert count(User) == accounts_before  # no student accounts were opened
    assert reread(world.student_1).user_id is None


def test_teacher_and_student_views(client, auth, world, other_teacher):
    auth.login(world.people.teacher_a1)
    home = html(client.get(base(world) + "/"))
    assert "一年级(1)班" in home and 'id="my-classes"' in home
    assert client.get(base(world) + f"/classes/{world.class_1_1.id}").status_code == 200
    assert client.get(base(world) + f"/classes/{world.class_6_1.id}").status_code == 403
    assert client.get(base(world) + "/students").status_code == 403
    auth.logout()
    auth.login(world.people.student_a1)
    assert "我的学籍信息" in html(client.get(base(world) + "/"))
    assert client.get(base(world) + f"/students/{world.student_6.id}").status_code == 200
    assert client.get(base(world) + f"/students/{world.student_1.id}").status_code == 403


def test_indicator_dashboard_and_export(client, auth, world):
    auth.login(world.people.city_staff)
    page = html(client.get(f"/indicators?org={world.tree.city.code}"))
    assert "vendor/echarts/echarts.min.js" in page and 'id="indicator-data"' in page and "东湖区教育局" in page
    export = client.get(f"/indicators/export.xlsx?org={world.tree.district_a.code}")
    rows = list(load_workbook(io.BytesIO(export.data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("代码", "名称", "生机比") and rows[-1][1] == "东湖区教育局"
    assert client.get("/schools").status_code == 200
    auth.logout()
    auth.login(world.people.district_b_staff)
    assert client.get(f"/indicators?org={world.tree.district_a.code}").status_code == 403
    assert client.get(f"/indicators?org={world.school.code}").status_code == 403


def test_the_other_tables_export_to_excel(as_admin, world):
    for path in ("/classes/export.xlsx", "/receiving-points/export.xlsx", "/teachers/export.xlsx",
                 f"/classes/{world.class_1_1.id}/export.xlsx", "/equipment/export.xlsx"):
        response = as_admin.get(base(world) + path)
        assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet"), path
    rows = list(load_workbook(io.BytesIO(as_admin.get(base(world) + "/classes/export.xlsx").data),
                              read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[1] == ("一年级(1)班", "王老师", 2)


def test_campus_edit_form(as_admin, world):
    as_admin.post(base(world) + "/campuses", data={"name": "本部", "is_main": "1"})
    campus = services.profile_for(world.school).campuses[0]
    as_admin.post(base(world) + f"/campuses/{campus.id}", data={"name": "北校区", "address": "北路 2 号"})
    db.session.expire_all()
    assert services.profile_for(world.school).campuses[0].name == "北校区"
    assert "北校区" in html(as_admin.get(base(world) + "/profile"))
