"""The REST API: every operation, IDOR across schools and districts, masking, JSON errors."""

from __future__ import annotations

import io

import pytest

from eduplatform.core.extensions import db
from eduplatform.schools import provisioning
from eduplatform.schools.models import SchoolClass
from tests.assertions import assert_refused_api, count, denials, reread
from tests.schools.conftest import STUDENT_HEADER, make_id, xlsx_bytes


@pytest.fixture
def admin_api(api, world):
    return api(world.people.school_a1_admin)


def url(world, path=""):
    return f"/api/v1/schools/{world.school.code}{path}"


def test_profile_read_and_update(client, world, admin_api):
    response = client.patch(url(world), json={"principal": "赵校长", "classroom_count": 20}, headers=admin_api)
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["principal"], response.get_json()["classroom_count"]) == ("赵校长", 20)
    body = client.get(url(world), headers=admin_api).get_json()
    assert body["principal"] == "赵校长" and body["district"] == "东湖区教育局"
    history = client.get(url(world, "/history"), headers=admin_api).get_json()["items"]
    assert history[0]["changes"]["principal"] == [None, "赵校长"]


def test_bad_input_is_a_json_error_in_chinese(client, world, admin_api):
    response = client.patch(url(world), json={"postcode": "abc"}, headers=admin_api)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["fields"]["postcode"] == ["邮政编码须为 6 位数字"]
    response = client.post(url(world, "/students"), json={"name": "无学号"}, headers=admin_api)
    assert response.get_json()["error"]["fields"]["student_no"] == ["必填"]


def test_classes_and_students(client, world, admin_api):
    classes = client.get(url(world, "/classes"), headers=admin_api).get_json()
    assert [c["name"] for c in classes["items"]] == ["一年级(1)班", "一年级(2)班", "六年级(1)班"]
    response = client.post(url(world, "/classes"), json={"grade": 2, "number": 1}, headers=admin_api)
    assert response.status_code == 201
    assert response.get_json()["name"] == "二年级(1)班" and response.get_json()["student_count"] == 0
    detail = client.get(url(world, f"/classes/{world.class_1_1.id}"), headers=admin_api).get_json()
    assert [s["student_no"] for s in detail["students"]] == ["S0001", "S0002"]
    response = client.post(url(world, "/students"), headers=admin_api, json={
        "student_no": "S0100", "name": "新生", "gender": "female", "class_id": world.class_1_2.id,
        "id_number": make_id(male=False)})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["class_name"] == "一年级(2)班"
    assert "*" not in response.get_json()["id_number"]  # the admin who entered it sees it whole
    student_id = response.get_json()["id"]
    response = client.patch(url(world, f"/students/{student_id}"), json={"status": "transferred"}, headers=admin_api)
    assert response.get_json()["status"] == "transferred"
    listed = client.get(url(world, "/students?status=all&per_page=100"), headers=admin_api).get_json()
    assert listed["total"] == 4


def test_lists_mask_personal_data_even_for_the_admin(client, world, admin_api):
    items = client.get(url(world, "/students"), headers=admin_api).get_json()["items"]
    first = next(s for s in items if s["student_no"] == "S0001")
    assert "*" in first["id_number"] and first["guardian_phone"] == "138****1111"
    detail = client.get(url(world, f"/students/{world.student_1.id}"), headers=admin_api).get_json()
    assert "*" not in detail["id_number"]  # the school admin's detail view shows it


def test_teachers_and_assignments(client, world, admin_api):
    response = client.post(url(world, "/teachers"), headers=admin_api, json={
        "teacher_no": "T050", "name": "孙老师", "subjects": ["英语"],
        "assignments": [{"class_id": world.class_1_2.id, "subject": "英语"}]})
    assert response.status_code == 201, response.get_json()
    teacher_id = response.get_json()["id"]
    response = client.patch(url(world, f"/teachers/{teacher_id}"), json={"title": "二级教师"}, headers=admin_api)
    assert response.get_json()["title"] == "二级教师"
    assert response.get_json()["assignments"] == [{"class_id": world.class_1_2.id, "class_name": "一年级(2)班",
                                                   "subject": "英语"}]
    listed = client.get(url(world, "/teachers"), headers=admin_api).get_json()
    assert listed["items"][0]["phone"] == "139****5678"


def test_roster_import_over_the_api(client, world, admin_api):
    data = xlsx_bytes([STUDENT_HEADER, ["S7001", "吴同学", "男", "一年级", "2"]])
    response = client.post(url(world, "/import"), headers=admin_api, content_type="multipart/form-data",
                           data={"kind": "students", "file": (io.BytesIO(data), "名册.xlsx")})
    assert response.status_code == 201, response.get_json()
    run = response.get_json()
    assert run["status"] == "ready" and run["summary"]["new"] == 1
    response = client.post(url(world, f"/import/{run['id']}/confirm"), headers=admin_api)
    assert response.get_json()["status"] == "applied"
    again = client.post(url(world, f"/import/{run['id']}/confirm"), headers=admin_api)
    assert again.status_code == 409


def test_rollover_over_the_api(client, world, admin_api):
    preview = client.get(url(world, "/rollover"), headers=admin_api).get_json()
    assert preview["graduating_students"] == 1
    done = client.post(url(world, "/rollover"), headers=admin_api).get_json()
    assert done["to_year"] == "2026–2027学年"


def test_connectivity_over_the_api(client, world, admin_api):
    response = client.put(url(world, "/network"), headers=admin_api,
                          json={"access_type": "fiber", "bandwidth_mbps": 300, "provider": "中国联通"})
    assert response.get_json()["is_online"] is True
    response = client.post(url(world, "/receiving-points"), headers=admin_api,
                           json={"mode": "disc", "name": "光盘播放点", "location": "多功能室"})
    assert response.status_code == 201
    assert {k: response.get_json()[k] for k in ("mode", "name", "location")} == {
        "mode": "disc", "name": "光盘播放点", "location": "多功能室"}
    point_id = response.get_json()["id"]
    response = client.patch(url(world, f"/receiving-points/{point_id}"), json={"state": "stopped"}, headers=admin_api)
    assert response.get_json()["state_label"] == "停用"
    response = client.post(url(world, "/equipment"), headers=admin_api, json={
        "asset_no": "ZC-7", "category": "interactive_whiteboard", "name": "白板", "quantity": 3})
    item_id = response.get_json()["id"]
    client.patch(url(world, f"/equipment/{item_id}"), json={"state": "repair", "note": "屏幕损坏"}, headers=admin_api)
    detail = client.get(url(world, f"/equipment/{item_id}"), headers=admin_api).get_json()
    assert [h["kind"] for h in detail["history"]] == ["updated", "created"]
    assert client.get(url(world, "/equipment?state=repair"), headers=admin_api).get_json()["total"] == 1


def test_equipment_excel_import_and_export_over_the_api(client, world, admin_api, api):
    from openpyxl import load_workbook

    from eduplatform.schools import equipment_io
    from eduplatform.schools.models import Equipment

    template = client.get(url(world, "/equipment/template.xlsx"), headers=admin_api)
    assert template.status_code == 200 and template.mimetype.endswith("sheet")
    assert next(load_workbook(io.BytesIO(template.data)).worksheets[0].values) == tuple(equipment_io.HEADERS)
    rows = [equipment_io.HEADERS, ["ZC-1", "学生用计算机", "学生机", "联想", 40, "2023-09-01", "财政拨款", "机房一", "在用"]]

    def upload(rows, headers=admin_api):
        return client.post(url(world, "/equipment/import"), headers=headers,
                           data={"file": (io.BytesIO(xlsx_bytes(rows)), "台账.xlsx")})

    response = upload(rows)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert upload(rows).get_json() == {"created": 0, "updated": 0, "unchanged": 1}

    bad = upload(rows + [["ZC-2", "飞船", "x", None, 0, None, None, None, None]])
    assert bad.status_code == 422
    error = bad.get_json()["error"]
    assert error["code"] == "import_invalid"
    assert [(p["row"], p["column"]) for p in error["fields"]["problems"]] == [(3, "设备类别"), (3, "数量")]
    assert db.session.query(Equipment).count() == 1  # the refused file added nothing

    missing = client.post(url(world, "/equipment/import"), headers=admin_api, data={})
    assert missing.status_code == 422 and missing.get_json()["error"]["fields"]["file"] == ["必填"]

    exported = client.get(url(world, "/equipment/export.xlsx"), headers=admin_api)
    assert exported.status_code == 200
    sheet_rows = list(load_workbook(io.BytesIO(exported.data)).worksheets[0].values)
    assert sheet_rows[1][:2] == ("ZC-1", "学生用计算机")

    # another school can neither import into nor export this ledger; the district reads but never writes
    other = api(world.people.school_b1_admin)
    assert upload(rows, other).status_code == 403
    assert client.get(url(world, "/equipment/export.xlsx"), headers=other).status_code == 403
    district = api(world.people.district_a_staff)
    assert client.get(url(world, "/equipment/export.xlsx"), headers=district).status_code == 200
    assert upload(rows, district).status_code == 403


def test_indicators_api(client, world, api):
    body = client.get(f"/api/v1/indicators?org={world.tree.city.code}", headers=api(world.people.city_staff)).get_json()
    assert [r["name"] for r in body["rows"]] == ["东湖区教育局", "西山区教育局"]
    assert body["total"]["figures"]["students"] == 3
    own = client.get("/api/v1/indicators", headers=api(world.people.district_a_staff)).get_json()
    assert own["org"]["code"] == world.tree.district_a.code


# --- permissions -----------------------------------------------------------------------------

def test_another_school_admin_can_neither_read_nor_change_by_direct_id(client, world, api):
    other = api(world.people.school_b1_admin)
    for path in ("", "/classes", f"/classes/{world.class_1_1.id}", "/students", f"/students/{world.student_1.id}",
                 "/teachers", f"/teachers/{world.teacher.id}", "/equipment", "/rollover"):
        refused = client.get(url(world, path), headers=other)
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden", path
        assert "李一" not in refused.get_data(as_text=True), path
    for change in (client.patch(url(world), json={"principal": "x"}, headers=other),
                   client.post(url(world, "/classes"), json={"grade": 2, "number": 9}, headers=other),
                   client.patch(url(world, f"/students/{world.student_1.id}"), json={"name": "x"}, headers=other)):
        assert_refused_api(change, change.request.path)
    assert len(denials(world.people.school_b1_admin)) == 12
    assert reread(world.student_1).name == "李一"
    assert count(SchoolClass, SchoolClass.school_id == world.school.id, SchoolClass.grade == 2) == 0
    assert client.get(url(world), headers=api(world.people.school_a1_admin)).get_json()["principal"] != "x"
    # and through their own school's URL, another school's ids are simply not there
    own = f"/api/v1/schools/{world.tree.school_b1.code}"
    missing = client.get(f"{own}/students/{world.student_1.id}", headers=other)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert "李一" not in missing.get_data(as_text=True)
    assert_refused_api(client.get(f"{own}/classes/{world.class_1_1.id}", headers=other), code="not_found", status=404)
    assert_refused_api(client.get(f"/api/v1/indicators?org={world.school.code}", headers=other), "indicators")
    assert len(denials(world.people.school_b1_admin)) == 13  # a 404 is no refusal of a seen record


def test_a_district_reads_its_schools_only_and_never_writes(client, world, api):
    district_a, district_b = api(world.people.district_a_staff), api(world.people.district_b_staff)
    listed = client.get(url(world, "/students"), headers=district_a)
    assert listed.status_code == 200 and listed.get_json()["total"] == 3
    assert all("*" in s["id_number"] for s in listed.get_json()["items"] if s["id_number"])
    assert client.patch(url(world), json={"principal": "x"}, headers=district_a).status_code == 403
    assert client.post(url(world, "/equipment"), headers=district_a, json={
        "asset_no": "X", "category": "tv", "name": "电视", "quantity": 1}).status_code == 403
    assert client.get(url(world, "/students"), headers=district_b).status_code == 403
    assert client.get(f"/api/v1/indicators?org={world.tree.district_a.code}", headers=district_b).status_code == 403
    assert client.get(f"/api/v1/indicators?org={world.tree.city.code}", headers=district_a).status_code == 403
    schools = client.get("/api/v1/schools", headers=district_a).get_json()["items"]
    assert {s["code"] for s in schools} == {world.tree.school_a1.code, world.tree.school_a2.code}


def test_teachers_see_their_own_classes_and_students_only_themselves(client, world, api, other_teacher):
    teacher = api(world.people.teacher_a1)
    own_class = client.get(url(world, f"/classes/{world.class_1_1.id}"), headers=teacher)
    assert own_class.status_code == 200
    assert [s["name"] for s in own_class.get_json()["students"]] == ["李一", "李二"]
    for refused in (client.get(url(world, f"/classes/{world.class_6_1.id}"), headers=teacher),
                    client.get(url(world, "/students"), headers=teacher)):
        assert_refused_api(refused, refused.request.path)
        assert "赵六" not in refused.get_data(as_text=True)
    assert len(denials(world.people.teacher_a1)) == 2
    not_theirs = client.get(url(world, f"/classes/{world.class_1_1.id}"), headers=api(other_teacher))
    assert_refused_api(not_theirs, "another teacher's class")
    assert "李一" not in not_theirs.get_data(as_text=True)
    assert len(denials(other_teacher)) == 1
    student = api(world.people.student_a1)
    own_record = client.get(url(world, f"/students/{world.student_6.id}"), headers=student)
    assert own_record.status_code == 200
    assert (own_record.get_json()["student_no"], own_record.get_json()["name"]) == ("S0601", "赵六")
    for refused in (client.get(url(world, f"/students/{world.student_1.id}"), headers=student),
                    client.get(url(world, f"/classes/{world.class_6_1.id}"), headers=student)):
        assert_refused_api(refused, refused.request.path)
        assert "S0001" not in refused.get_data(as_text=True) and "李一" not in refused.get_data(as_text=True)
    assert len(denials(world.people.student_a1)) == 2


def test_provisioning_over_the_api_returns_passwords_once(client, world, admin_api):
    first = client.post(url(world, f"/classes/{world.class_1_1.id}/accounts"), headers=admin_api).get_json()
    assert all(item["password"] for item in first["items"])
    second = client.post(url(world, f"/classes/{world.class_1_1.id}/accounts"), headers=admin_api).get_json()
    assert [item["password"] for item in second["items"]] == [None, None]
    assert provisioning.slips_for_class(world.class_1_1)[0].username == first["items"][0]["username"]
    db.session.expire_all()


def test_every_schools_operation_is_in_the_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = [p for p in spec["paths"] if p.startswith(("/api/v1/schools", "/api/v1/indicators"))]
    for wanted in ("/api/v1/schools/{code}/classes", "/api/v1/schools/{code}/teachers",
                   "/api/v1/schools/{code}/students", "/api/v1/schools/{code}/equipment",
                   "/api/v1/schools/{code}/equipment/import", "/api/v1/schools/{code}/equipment/export.xlsx",
                   "/api/v1/schools/{code}/receiving-points", "/api/v1/schools/{code}/import",
                   "/api/v1/indicators"):
        assert wanted in paths


def test_campuses_over_the_api(client, world, admin_api, api):
    response = client.post(url(world, "/campuses"), json={"name": "本部", "is_main": True}, headers=admin_api)
    assert response.status_code == 201
    assert (response.get_json()["name"], response.get_json()["is_main"]) == ("本部", True)
    campus_id = response.get_json()["id"]
    response = client.put(url(world, f"/campuses/{campus_id}"), json={"name": "主校区", "address": "湖滨路 1 号",
                                                                      "is_main": True}, headers=admin_api)
    assert response.get_json()["name"] == "主校区"
    assert client.get(url(world), headers=admin_api).get_json()["campuses"][0]["address"] == "湖滨路 1 号"
    other = api(world.people.school_b1_admin)
    assert client.delete(url(world, f"/campuses/{campus_id}"), headers=other).status_code == 403
    assert client.delete(f"/api/v1/schools/{world.tree.school_b1.code}/campuses/{campus_id}",
                         headers=other).status_code == 404
    deleted = client.delete(url(world, f"/campuses/{campus_id}"), headers=admin_api)
    assert deleted.status_code == 204 and deleted.data == b""
    assert client.get(url(world), headers=admin_api).get_json()["campuses"] == []


def test_a_student_edit_and_status_change_in_one_patch(client, world, admin_api):
    path = url(world, f"/students/{world.student_1.id}")
    response = client.patch(path, json={"name": "李一一", "status": "graduated", "left_on": "2026-07-01"},
                            headers=admin_api)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["name"], body["status"], body["left_on"]) == ("李一一", "graduated", "2026-07-01")
    # a leaving date needs the status it belongs to; nothing is changed then
    refused = client.patch(path, json={"name": "改名", "left_on": "2026-07-02"}, headers=admin_api)
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"] == {"status": ["不能为空"]}
    unknown = client.patch(path, json={"nickname": "小李"}, headers=admin_api)
    assert unknown.status_code == 422 and unknown.get_json()["error"]["fields"] == {"nickname": ["无法识别的字段"]}
    assert client.get(path, headers=admin_api).get_json()["name"] == "李一一"


def test_equipment_filters_take_a_value_or_its_label(client, world, admin_api):
    for asset_no, category, name in (("ZC-1", "interactive_whiteboard", "白板"), ("ZC-2", "tv", "电视机")):
        assert client.post(url(world, "/equipment"), headers=admin_api, json={
            "asset_no": asset_no, "category": category, "name": name, "quantity": 1}).status_code == 201

    def asset_nos(query):
        return [i["asset_no"] for i in client.get(url(world, "/equipment" + query), headers=admin_api).get_json()["items"]]

    label = next(i["category_label"] for i in client.get(url(world, "/equipment"), headers=admin_api)
                 .get_json()["items"] if i["asset_no"] == "ZC-2")
    assert asset_nos("?category=tv") == asset_nos(f"?category={label}") == ["ZC-2"]
    assert asset_nos("?category=飞船") == asset_nos("?q=%20%20") == ["ZC-1", "ZC-2"]  # no such filter: all
    assert asset_nos("?q=%20白板%20") == ["ZC-1"]
