"""Roster import: template, preview with row/column problems, confirm, idempotent upsert."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict
from eduplatform.core.extensions import db
from eduplatform.schools import roster_import, services
from eduplatform.schools.models import RosterImport, StudentProfile, StudentStatus, TeacherProfile
from tests.schools.conftest import STUDENT_HEADER, TEACHER_HEADER, make_id, xlsx_bytes


def preview(world, rows, kind="students", filename="名册.xlsx", data=None):
    data = data if data is not None else xlsx_bytes(rows)
    run = roster_import.preview_import(world.people.school_a1_admin, world.school, kind, io.BytesIO(data),
                                       filename, None)
    db.session.commit()
    return run


def student_count(world) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(StudentProfile)
                             .where(StudentProfile.school_id == world.school.id))


def messages(run) -> list[tuple[int, str, str]]:
    return [(p["row"], p["column"], p["message"]) for p in run.problems]


def test_the_template_has_the_headers_and_instructions(world):
    workbook = load_workbook(io.BytesIO(roster_import.template_workbook("students")), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == STUDENT_HEADER
    assert workbook.sheetnames == ["学生名册", "填写说明"]


def test_a_clean_file_previews_without_writing_then_imports(world):
    rows = [STUDENT_HEADER,
            ["S1001", "王小明", "男", "一年级", "2", make_id(date(2018, 9, 1), 21), None, "王大明", "13700001111"],
            ["S1002", "王小红", "女", "1", "(2)班", None, "2018-10-02", None, None],
            ["S0002", "李二", "女", "一年级", "1班", None, None, None, None]]
    before = student_count(world)
    run = preview(world, rows)
    assert run.status == "ready" and run.problems == []
    assert run.summary == {"new": 2, "updated": 0, "unchanged": 1}
    assert student_count(world) == before  # nothing saved until confirmed
    roster_import.apply_import(world.people.school_a1_admin, run)
    db.session.commit()
    assert student_count(world) == before + 2
    xiaoming = services.student_by_no(world.school, "S1001")
    assert xiaoming.school_class == world.class_1_2
    assert xiaoming.birth_date == date(2018, 9, 1)  # taken from the ID number
    assert run.status == "applied"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "roster.imported"))
    assert entry.data["summary"]["new"] == 2


def test_importing_again_is_idempotent_and_updates_by_student_number(world):
    rows = [STUDENT_HEADER, ["S1001", "王小明", "男", "一年级", "2", None, None, None, None]]
    roster_import.apply_import(world.people.school_a1_admin, preview(world, rows))
    again = preview(world, rows)
    assert again.summary == {"new": 0, "updated": 0, "unchanged": 1}
    moved = [STUDENT_HEADER, ["S1001", "王晓明", "男", "一年级", "1", None, None, None, None]]
    run = preview(world, moved)
    assert run.summary == {"new": 0, "updated": 1, "unchanged": 0}
    roster_import.apply_import(world.people.school_a1_admin, run)
    student = services.student_by_no(world.school, "S1001")
    assert (student.name, student.school_class) == ("王晓明", world.class_1_1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StudentProfile).where(
        StudentProfile.student_no == "S1001")) == 1


def test_a_gbk_csv_from_chinese_excel_is_read(world):
    text = "学号,姓名,性别,年级,班级\r\nS2001,陈晨,女,一年级,1\r\n"
    run = preview(world, None, filename="名册.csv", data=text.encode("gb18030"))
    assert run.status == "ready", run.problems
    assert run.summary["new"] == 1


@pytest.mark.parametrize("rows, expected", [
    ([["学号", "名字", "性别", "年级", "班级"], ["S1", "甲", "男", "一年级", "1"]],
     [(1, "名字", "无法识别的列“名字”，请使用下载的模板"), (1, "姓名", "缺少必填列“姓名”")]),
    ([STUDENT_HEADER, ["S1", "甲", "男", "一年级", "1"], ["S1", "乙", "女", "一年级", "1"]],
     [(3, "学号", "学号 S1 与第 2 行重复")]),
    ([STUDENT_HEADER, ["S1", "甲", "男", "一年级", "9"]],
     [(2, "班级", "本学年没有班级“一年级(9)班”，请先建立班级")]),
    ([STUDENT_HEADER, ["S1", "甲", "男", "七年级", "1"]], [(2, "年级", "年级“七年级”不在本校学段内")]),
    ([STUDENT_HEADER, ["S1", "甲", "男", "一年级", "1", "110105201803050011"]],
     [(2, "身份证号", "身份证号校验位不正确")]),
    ([STUDENT_HEADER, ["S1", "甲", "男", "一年级", "1", None, "2018-02-30"]], [(2, "出生日期", "日期不存在")]),
    ([STUDENT_HEADER, ["S1", "甲", "男", "一年级", "1", None, "去年"]],
     [(2, "出生日期", "日期格式不正确，应为 2012-03-05")]),
    ([STUDENT_HEADER, ["S1", "甲", "女", "一年级", "1", make_id(date(2018, 3, 5), 1, male=True)]],
     [(2, "性别", "性别与身份证号不一致")]),
    ([STUDENT_HEADER, ["S1", "甲", "男", "一年级", "1", make_id(date(2018, 3, 5)), "2018-03-06"]],
     [(2, "出生日期", "出生日期与身份证号不一致")]),
    ([STUDENT_HEADER, ["S1", None, "未知", "一年级", "1"]],
     [(2, "姓名", "必填项为空"), (2, "性别", "性别须填“男”或“女”")]),
    ([STUDENT_HEADER, ["S1", "甲", "男", "一年级", "1", 110105201803050000.0]],
     [(2, "身份证号", "身份证号被 Excel 存成了数字（末几位已丢失），请将该列设为文本后重新填写")]),
    ([STUDENT_HEADER, ["S9", "甲", "男", "一年级", "1", make_id(date(2018, 5, 1), 11)]],
     [(2, "身份证号", "身份证号已登记在本校学号 S0001 名下")]),
    ([STUDENT_HEADER], [(1, "", "表头下没有数据行")]),
])
def test_every_kind_of_bad_row_is_listed_by_row_and_column(world, rows, expected):
    before = student_count(world)
    run = preview(world, rows)
    assert run.status == "invalid"
    assert messages(run) == expected
    assert student_count(world) == before
    with pytest.raises(Conflict):
        roster_import.apply_import(world.people.school_a1_admin, run)


def test_the_cell_reference_is_given(world):
    run = preview(world, [STUDENT_HEADER, ["S1", "甲", "男", "一年级", "1", "123"]])
    assert run.problems[0]["cell"] == "F2"


@pytest.mark.parametrize("data, filename, message", [
    (b"", "a.xlsx", "文件是空的"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "旧版 .xls"),
    (b"PK\x03\x04garbage", "broken.xlsx", "已损坏"),
    (b"\x00\x01\x02\x89PNG", "photo.png", "与实际内容（无法识别的格式）不符"),
])
def test_unreadable_files_are_refused_with_a_clear_message(world, data, filename, message):
    from eduplatform.core.errors import ValidationFailed

    try:
        run = preview(world, None, filename=filename, data=data)
    except ValidationFailed as exc:
        assert message in exc.message
    else:
        assert message in run.problems[0]["message"]


def test_a_preview_that_went_stale_is_refused_at_confirm_and_writes_nothing(world):
    rows = [STUDENT_HEADER, ["S3001", "甲", "男", "一年级", "2"], ["S3002", "乙", "女", "一年级", "1"]]
    run = preview(world, rows)
    assert run.status == "ready"
    services.delete_class(world.people.school_a1_admin, world.class_1_2)  # the class goes away meanwhile
    db.session.commit()
    before = student_count(world)
    with pytest.raises(roster_import.ImportRefused) as refused:
        roster_import.apply_import(world.people.school_a1_admin, run)
    db.session.rollback()
    assert "未导入任何数据" in refused.value.message
    assert student_count(world) == before
    assert services.student_by_no(world.school, "S3002") is None


def test_transferred_students_are_not_changed_by_an_import(world):
    services.set_student_status(world.people.school_a1_admin, world.student_2, StudentStatus.TRANSFERRED)
    db.session.commit()
    run = preview(world, [STUDENT_HEADER, ["S0002", "李二", "女", "一年级", "1"]])
    assert messages(run) == [(2, "学号", "学号 S0002 的学生状态为转出，不能通过导入修改")]


def test_teacher_import_sets_subjects_classes_and_head_teacher(world):
    rows = [TEACHER_HEADER,
            ["T100", "周老师", "男", None, "13511112222", "语文、道德与法治", "一级教师", "一年级(2)班、六年级(1)班:道德与法治",
             "一年级(2)班"],
            ["T001", "王老师", "女", None, "13912345678", "数学", None, "一年级(1)班", None]]
    run = preview(world, rows, kind="teachers")
    assert run.status == "ready", run.problems
    assert run.summary == {"new": 1, "updated": 1, "unchanged": 0}
    roster_import.apply_import(world.people.school_a1_admin, run)
    db.session.commit()
    zhou = services.teacher_by_no(world.school, "T100")
    assert zhou.subjects == ["语文", "道德与法治"]
    assert {(a.school_class.name, a.subject) for a in zhou.assignments} == {
        ("一年级(2)班", "语文"), ("六年级(1)班", "道德与法治")}
    assert world.class_1_2.head_teacher == zhou
    assert {(a.school_class.name, a.subject) for a in world.teacher.assignments} == {("一年级(1)班", "数学")}
    again = preview(world, rows, kind="teachers")
    assert again.summary == {"new": 0, "updated": 0, "unchanged": 2}


def test_teacher_import_problems(world):
    rows = [TEACHER_HEADER,
            ["T1", "甲", "男", None, "123", "炼丹", None, "九年级(1)班", None],
            ["T2", "乙", "男", None, None, None, None, "一年级(1)班", "一年级(1)班"],
            ["T3", "丙", "男", None, None, "数学", None, None, "一年级(1)班"]]
    run = preview(world, rows, kind="teachers")
    assert sorted(messages(run)) == sorted([
        (2, "手机号", "电话号码格式不正确"), (2, "任教学科", "未知学科：炼丹"), (2, "任教班级", "年级“九年级”不在本校学段内"),
        (3, "任教班级", "未填写任教学科：请填写任教学科，或写成 七年级(1)班:数学"),
        (4, "班主任班级", "与第 3 行是同一个班的班主任")])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TeacherProfile)
                             .where(TeacherProfile.teacher_no.in_(["T1", "T2", "T3"]))) == 0


def test_imports_are_kept_per_school(world):
    run = preview(world, [STUDENT_HEADER, ["S1", "甲", "男", "一年级", "1"]])
    from eduplatform.core.errors import NotFound

    with pytest.raises(NotFound):
        roster_import.find_import(world.tree.school_b1, run.id)
    assert db.session.get(RosterImport, run.id).school_id == world.school.id


def test_too_many_rows_are_refused(world, monkeypatch):
    monkeypatch.setattr(roster_import, "MAX_ROWS", 2)
    run = preview(world, [STUDENT_HEADER] + [[f"S{n}", "甲", "男", "一年级", "1"] for n in range(3)])
    assert messages(run) == [(4, "", "一次最多导入 2 行，请分批导入")]


def test_a_workbook_that_expands_too_far_is_refused(world, monkeypatch):
    from eduplatform.core.errors import ValidationFailed
    from eduplatform.core.text import excel

    monkeypatch.setattr(excel, "MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(ValidationFailed, match="解压后超过"):
        preview(world, [STUDENT_HEADER, ["S1", "甲", "男", "一年级", "1"]])


def test_a_confirmation_that_lost_the_race_is_a_conflict(world):
    rows = [STUDENT_HEADER, ["S1001", "王小明", "男", "一年级", "2", None, None, None, None]]
    run = preview(world, rows)
    # Another request confirmed it meanwhile: the row says "applied", this session still holds "ready".
    db.session.execute(sa.update(RosterImport).where(RosterImport.id == run.id).values(status="applied"),
                       execution_options={"synchronize_session": False})
    assert run.status == "ready"
    before = student_count(world)
    with pytest.raises(Conflict):
        roster_import.apply_import(world.people.school_a1_admin, run)
    assert student_count(world) == before and run.status == "applied"
