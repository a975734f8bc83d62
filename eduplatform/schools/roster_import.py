"""Roster import (学生 / 教师名册) from Excel or CSV: template, preview, confirm.

1. ``preview_import`` stores the upload, reads it row by row and lists every problem by row and
   column; nothing of the roster changes. A clean file becomes a "ready" import.
2. ``apply_import`` reads the stored file again (the school may have changed meanwhile), and only if
   it is still clean upserts every row by 学号 / 工号 in the request's one transaction — a refused
   import leaves nothing behind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.services import store_file
from eduplatform.core.text.excel import MAX_UPLOAD_BYTES, build_workbook, column_letter, read_sheet
from eduplatform.orgs.models import OrgUnit
from eduplatform.schools import services
from eduplatform.schools.models import (
    GRADES,
    Gender,
    RosterImport,
    SchoolClass,
    StudentProfile,
    StudentStatus,
    TeacherProfile,
    TeachingAssignment,
)
from eduplatform.schools.models.roster import grade_label, school_grades
from eduplatform.schools.personal import PHONE_PATTERN, parse_id_number, parse_registry_no
from eduplatform.schools.schemas import SUBJECTS

MAX_ROWS = 10_000
#: Problems kept on the import row (the count is always exact).
MAX_PROBLEMS = 500
_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,32}$")


class RowError(ValueError):
    pass


# --- cell parsers ----------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_number(value, ctx) -> str:
    text = _text(value)
    if not _NUMBER.match(text):
        raise RowError("须为 1–32 位字母、数字或 -")
    return text


def parse_name(value, ctx) -> str:
    text = _text(value)
    if len(text) > 64:
        raise RowError("姓名过长（最多 64 字）")
    return text


def parse_gender(value, ctx) -> Gender:
    text = _text(value)
    if text in ("男", "M", "male"):
        return Gender.MALE
    if text in ("女", "F", "female"):
        return Gender.FEMALE
    raise RowError("性别须填“男”或“女”")


def parse_registry(value, ctx) -> str:
    if isinstance(value, float):
        raise RowError("学籍号被 Excel 存成了数字，请将该列设为文本后重新填写")
    try:
        return parse_registry_no(_text(value))
    except ValueError as exc:
        raise RowError(str(exc)) from None


def parse_id(value, ctx) -> str:
    if isinstance(value, float):
        raise RowError("身份证号被 Excel 存成了数字（末几位已丢失），请将该列设为文本后重新填写")
    try:
        return parse_id_number(_text(value)).value
    except ValueError as exc:
        raise RowError(str(exc)) from None


def parse_date(value, ctx) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or \
        re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        raise RowError("日期格式不正确，应为 2012-03-05")
    try:
        parsed = date(*(int(part) for part in match.groups()))
    except ValueError:
        raise RowError("日期不存在") from None
    if parsed.year < 1900 or parsed > date.today():
        raise RowError("日期超出合理范围")
    return parsed


def parse_phone(value, ctx) -> str:
    text = _text(value).replace(" ", "")
    if not PHONE_PATTERN.match(text):
        raise RowError("电话号码格式不正确")
    return text


_GRADE_ALIASES = {label: number for number, (label, _) in GRADES.items()}
_GRADE_ALIASES.update({"初一": 7, "初二": 8, "初三": 9, "中职一年级": 10, "中职二年级": 11, "中职三年级": 12,
                       "高中一年级": 10, "高中二年级": 11, "高中三年级": 12, "七年级（初一）": 7})


def parse_grade(value, ctx) -> int:
    text = _text(value).replace(" ", "")
    grade = _GRADE_ALIASES.get(text)
    if grade is None:
        match = re.fullmatch(r"(\d{1,2})(?:年级)?", text)
        grade = int(match.group(1)) if match else None
    if grade is None or grade not in ctx.grades:
        raise RowError(f"年级“{text}”不在本校学段内")
    return grade


def parse_class_number(value, ctx) -> int:
    text = _text(value).replace(" ", "")
    match = re.fullmatch(r"[(（]?0*(\d{1,2})[)）]?班?", text)
    if not match or int(match.group(1)) == 0:
        raise RowError("班级应填班号，如 1 或 1班")
    return int(match.group(1))


def parse_subjects(value, ctx) -> list[str]:
    names = [s for s in re.split(r"[,，、;；/\s]+", _text(value)) if s]
    unknown = [s for s in names if s not in SUBJECTS]
    if unknown:
        raise RowError(f"未知学科：{'、'.join(unknown)}")
    return names


_CLASS_NAME = re.compile(r"^(.+?)[(（]?0*(\d{1,2})[)）]?班$")


def _class_ref(text: str, ctx) -> SchoolClass:
    match = _CLASS_NAME.match(text.replace(" ", ""))
    if not match:
        raise RowError(f"班级“{text}”格式不正确，应如 七年级(1)班")
    grade = parse_grade(match.group(1), ctx)
    school_class = ctx.classes.get((grade, int(match.group(2))))
    if school_class is None:
        raise RowError(f"本学年没有班级“{text}”")
    return school_class


def parse_class_list(value, ctx) -> list[tuple[SchoolClass, str | None]]:
    """任教班级: "七年级(1)班, 七年级(2)班:英语" — a subject after ':' overrides the first 任教学科."""
    result = []
    for part in (p for p in re.split(r"[,，、;；\n]+", _text(value)) if p.strip()):
        name, _, subject = part.strip().replace("：", ":").partition(":")
        subject = subject.strip() or None
        if subject is not None and subject not in SUBJECTS:
            raise RowError(f"未知学科：{subject}")
        result.append((_class_ref(name, ctx), subject))
    return result


def parse_class_name(value, ctx) -> SchoolClass:
    return _class_ref(_text(value), ctx)


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    parse: Callable
    required: bool = False
    hint: str = ""


STUDENT_COLUMNS = [
    Column("学号", "student_no", parse_number, True, "本校唯一，字母数字"),
    Column("姓名", "name", parse_name, True),
    Column("性别", "gender", parse_gender, True, "男 / 女"),
    Column("年级", "grade", parse_grade, True, "如 七年级、初一、7"),
    Column("班级", "class_number", parse_class_number, True, "班号，如 1 或 1班"),
    Column("身份证号", "id_number", parse_id, False, "18 位，单元格设为文本"),
    Column("出生日期", "birth_date", parse_date, False, "如 2012-03-05"),
    Column("监护人", "guardian_name", parse_name, False),
    Column("监护人电话", "guardian_phone", parse_phone, False),
    Column("学籍号", "registry_no", parse_registry, False, "19 位：G＋身份证号、J＋18 位数字或 L 开头的临时号"),
]
TEACHER_COLUMNS = [
    Column("工号", "teacher_no", parse_number, True, "本校唯一，字母数字"),
    Column("姓名", "name", parse_name, True),
    Column("性别", "gender", parse_gender, False, "男 / 女"),
    Column("身份证号", "id_number", parse_id, False, "18 位，单元格设为文本"),
    Column("手机号", "phone", parse_phone, False),
    Column("任教学科", "subjects", parse_subjects, False, "多个用顿号分隔，如 数学、信息技术"),
    Column("职称", "title", parse_name, False),
    Column("任教班级", "classes", parse_class_list, False, "如 七年级(1)班、七年级(2)班:英语"),
    Column("班主任班级", "head_of", parse_class_name, False, "如 七年级(1)班"),
]
COLUMNS = {"students": STUDENT_COLUMNS, "teachers": TEACHER_COLUMNS}
KIND_LABELS = {"students": "学生", "teachers": "教师"}

EXAMPLE_ROWS = {
    "students": [["20250101", "张三", "男", "七年级", "1", "110105201201010016", "2012-01-01", "张建国",
                  "13800000000"]],
    "teachers": [["T001", "李老师", "女", "", "13900000000", "数学、信息技术", "一级教师", "七年级(1)班", "七年级(1)班"]],
}


def template_workbook(kind: str) -> bytes:
    """The import template: the header row, one example row and a sheet of instructions."""
    columns = COLUMNS[kind]
    notes = [[c.header, "必填" if c.required else "选填", c.hint] for c in columns]
    notes.append(["说明", "", "第一行为表头，请勿修改；示例行请删除后再导入。同一" +
                  ("学号" if kind == "students" else "工号") + "再次导入时更新原记录。"])
    return build_workbook([
        (f"{KIND_LABELS[kind]}名册", [c.header for c in columns], EXAMPLE_ROWS[kind]),
        ("填写说明", ["列名", "是否必填", "填写要求"], notes),
    ])


# --- parsing a whole file --------------------------------------------------------------------

@dataclass
class Context:
    school: OrgUnit
    grades: list[int]
    classes: dict[tuple[int, int], SchoolClass]


@dataclass
class ParsedRoster:
    kind: str
    rows: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, row: int, column: str, message: str, cell: str = "") -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"row": row, "column": column, "cell": cell, "message": message})


def _normalise_header(value) -> str:
    text = _text(value)
    text = re.sub(r"[(（].*?[)）]", "", text)  # "出生日期(YYYY-MM-DD)" → "出生日期"
    return text.replace("*", "").replace(" ", "").strip()


def parse_roster(school: OrgUnit, kind: str, data: bytes, filename: str) -> ParsedRoster:
    """Read and check every row of a roster; nothing is written."""
    year = services.current_year(school)
    classes = {(c.grade, c.number): c for c in db.session.scalars(services.classes_query(school, year))} \
        if year else {}
    ctx = Context(school=school, grades=school_grades(school.stages), classes=classes)
    parsed = parse_table(kind, COLUMNS[kind], data, filename, ctx,
                         row_check=_check_student_row if kind == "students" else None)
    if parsed.rows:
        _check_across_rows(parsed, school, kind)
    return parsed


def parse_table(kind: str, columns: list[Column], data: bytes, filename: str, ctx, row_check=None
                ) -> ParsedRoster:
    """Header by name (any order), then every row parsed cell by cell, problems by row and column."""
    by_header = {c.header: c for c in columns}
    parsed = ParsedRoster(kind=kind)
    layout: list[Column | None] | None = None
    header_row = 0
    for number, values in read_sheet(data, filename):
        if not any(_text(v) for v in values):
            continue
        if layout is None:
            header_row = number
            layout = _read_header(parsed, number, values, by_header, columns)
            if parsed.problem_count:
                return parsed  # the columns are wrong: the rows cannot be read meaningfully
            continue
        if len(parsed.rows) >= MAX_ROWS:
            parsed.problem(number, "", f"一次最多导入 {MAX_ROWS} 行，请分批导入")
            return parsed
        row = _read_row(parsed, ctx, number, values, layout)
        if row_check is not None:
            row_check(parsed, ctx, number, row)
        parsed.rows.append((number, row))
    if layout is None:
        parsed.problem(1, "", "文件是空的：第一行应为表头")
    elif not parsed.rows:
        parsed.problem(header_row, "", "表头下没有数据行")
    return parsed


def _read_header(parsed, number, values, by_header, columns) -> list[Column | None]:
    layout: list[Column | None] = []
    seen = set()
    for index, value in enumerate(values):
        header = _normalise_header(value)
        column = by_header.get(header)
        cell = f"{column_letter(index)}{number}"
        if not header:
            layout.append(None)
            continue
        if column is None:
            parsed.problem(number, header, f"无法识别的列“{header}”，请使用下载的模板", cell)
        elif column.key in seen:
            parsed.problem(number, header, f"列“{header}”重复", cell)
        seen.add(column.key if column else None)
        layout.append(column)
    for column in columns:
        if column.required and column.key not in seen:
            parsed.problem(number, column.header, f"缺少必填列“{column.header}”")
    return layout


def _read_row(parsed, ctx, number, values, layout) -> dict:
    row: dict = {}
    for index, column in enumerate(layout):
        if column is None:
            continue
        value = values[index] if index < len(values) else None
        if _text(value) == "":
            if column.required:
                parsed.problem(number, column.header, "必填项为空", f"{column_letter(index)}{number}")
            row[column.key] = None
            continue
        try:
            row[column.key] = column.parse(value, ctx)
        except RowError as exc:
            parsed.problem(number, column.header, str(exc), f"{column_letter(index)}{number}")
            row[column.key] = None
    return row


def _check_student_row(parsed, ctx, number, row) -> None:
    if row.get("grade") is not None and row.get("class_number") is not None:
        school_class = ctx.classes.get((row["grade"], row["class_number"]))
        if school_class is None:
            parsed.problem(number, "班级", f"本学年没有班级“{grade_label(row['grade'], ctx.school.stages)}"
                                          f"({row['class_number']})班”，请先建立班级")
        row["school_class"] = school_class
    id_number = row.get("id_number")
    if id_number:
        identity = parse_id_number(id_number)
        if row.get("birth_date") and row["birth_date"] != identity.birth_date:
            parsed.problem(number, "出生日期", "出生日期与身份证号不一致")
        row["birth_date"] = row.get("birth_date") or identity.birth_date
        if row.get("gender") is not None and (row["gender"] == Gender.MALE) != identity.is_male:
            parsed.problem(number, "性别", "性别与身份证号不一致")


def _check_across_rows(parsed: ParsedRoster, school: OrgUnit, kind: str) -> None:
    """Duplicates inside the file, and ID numbers held by another person of the school."""
    key, label = ("student_no", "学号") if kind == "students" else ("teacher_no", "工号")
    first_seen: dict[str, int] = {}
    first_id: dict[str, int] = {}
    head_of: dict[int, int] = {}
    for number, row in parsed.rows:
        value = row.get(key)
        if value:
            if value in first_seen:
                parsed.problem(number, label, f"{label} {value} 与第 {first_seen[value]} 行重复")
            first_seen.setdefault(value, number)
        if row.get("id_number"):
            if row["id_number"] in first_id:
                parsed.problem(number, "身份证号", f"身份证号与第 {first_id[row['id_number']]} 行重复")
            first_id.setdefault(row["id_number"], number)
        if row.get("head_of") is not None:
            class_id = row["head_of"].id
            if class_id in head_of:
                parsed.problem(number, "班主任班级", f"与第 {head_of[class_id]} 行是同一个班的班主任")
            head_of.setdefault(class_id, number)
        if kind == "teachers" and row.get("classes") and not row.get("subjects") \
                and any(subject is None for _, subject in row["classes"]):
            parsed.problem(number, "任教班级", "未填写任教学科：请填写任教学科，或写成 七年级(1)班:数学")
    model = StudentProfile if kind == "students" else TeacherProfile
    number_column = getattr(model, key)
    holders = dict(db.session.execute(
        sa.select(model.id_number, number_column).where(model.school_id == school.id, model.id_number.is_not(None))
    ).all()) if first_id else {}
    existing_status = {}
    if kind == "students":
        existing_status = dict(db.session.execute(
            sa.select(StudentProfile.student_no, StudentProfile.status).where(
                StudentProfile.school_id == school.id, StudentProfile.status != StudentStatus.ENROLLED)).all())
    for number, row in parsed.rows:
        holder = holders.get(row.get("id_number"))
        if holder is not None and holder != row.get(key):
            parsed.problem(number, "身份证号", f"身份证号已登记在本校{label} {holder} 名下")
        status = existing_status.get(row.get(key))
        if status is not None:
            parsed.problem(number, label, f"{label} {row[key]} 的学生状态为{status.label}，不能通过导入修改")


# --- plan, preview, apply --------------------------------------------------------------------

STUDENT_FIELDS = ("name", "gender", "id_number", "registry_no", "birth_date", "guardian_name", "guardian_phone")
TEACHER_FIELDS = ("name", "gender", "id_number", "phone", "title")


def _existing(school: OrgUnit, kind: str) -> dict:
    model, key = (StudentProfile, "student_no") if kind == "students" else (TeacherProfile, "teacher_no")
    return {getattr(p, key): p for p in db.session.scalars(sa.select(model).where(model.school_id == school.id))}


def _student_changes(student: StudentProfile, row: dict) -> dict:
    changes = {f: row[f] for f in STUDENT_FIELDS if row.get(f) is not None and getattr(student, f) != row[f]}
    if student.class_id != row["school_class"].id:
        changes["class_id"] = row["school_class"].id
    return changes


def _teacher_changes(teacher: TeacherProfile, row: dict) -> dict:
    changes = {f: row[f] for f in TEACHER_FIELDS if row.get(f) is not None and getattr(teacher, f) != row[f]}
    if row.get("subjects") and teacher.subjects != row["subjects"]:
        changes["subjects"] = row["subjects"]
    return changes


def plan(school: OrgUnit, parsed: ParsedRoster) -> dict:
    """{"new": n, "updated": n, "unchanged": n} of a clean file against the school's records."""
    existing = _existing(school, parsed.kind)
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    changes_of = _student_changes if parsed.kind == "students" else _teacher_changes
    for _, row in parsed.rows:
        key = row["student_no" if parsed.kind == "students" else "teacher_no"]
        person = existing.get(key)
        if person is None:
            counts["new"] += 1
        elif changes_of(person, row) or (parsed.kind == "teachers" and _assignments_differ(person, row)):
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts


def preview_import(actor, school: OrgUnit, kind: str, stream, filename: str, content_type: str | None
                   ) -> RosterImport:
    """Store the upload and check it; the roster itself is not touched."""
    if kind not in COLUMNS:
        raise ValidationFailed("导入类型须为 students 或 teachers", fields={"kind": ["导入类型不正确"]})
    stored = store_file(stream, prefix="roster-imports", filename=filename, content_type=content_type,
                        actor=actor, max_size=MAX_UPLOAD_BYTES)
    data = _read_stored(stored)
    parsed = parse_roster(school, kind, data, stored.filename)
    roster_import = RosterImport(school_id=school.id, kind=kind, file_id=stored.id, created_by_id=actor.id,
                                 row_count=len(parsed.rows))
    _set_outcome(roster_import, school, parsed)
    db.session.add(roster_import)
    db.session.flush()
    record("schools", "roster.previewed",
           f"{school.name} 预检{KIND_LABELS[kind]}名册 {stored.filename}：{len(parsed.rows)} 行，"
           f"问题 {parsed.problem_count} 个", actor=actor, obj=roster_import)
    return roster_import


def _set_outcome(roster_import: RosterImport, school: OrgUnit, parsed: ParsedRoster) -> None:
    roster_import.problems = parsed.problems
    roster_import.problem_count = parsed.problem_count
    roster_import.status = "invalid" if parsed.problem_count else "ready"
    roster_import.summary = plan(school, parsed) if not parsed.problem_count else {}


def _read_stored(stored) -> bytes:
    from eduplatform.core.storage.registry import get_storage

    return b"".join(get_storage().open(stored.key))


def find_import(school: OrgUnit, import_id: int) -> RosterImport:
    from eduplatform.core.errors import NotFound

    roster_import = db.session.get(RosterImport, import_id)
    if roster_import is None or roster_import.school_id != school.id:
        raise NotFound("导入记录不存在")
    return roster_import


class ImportRefused(ValidationFailed):
    code = "import_invalid"


def apply_import(actor, roster_import: RosterImport) -> RosterImport:
    """Check the stored file again and, if still clean, upsert every row (all or nothing)."""
    # Claim the import with a conditional UPDATE: of two confirmations at once exactly one gets the
    # row (PostgreSQL makes the second wait for the first and then see "applied").
    claimed = db.session.execute(
        sa.update(RosterImport)
        .where(RosterImport.id == roster_import.id, RosterImport.status == "ready")
        .values(status="applying")
        .execution_options(synchronize_session="fetch"))
    if claimed.rowcount != 1:
        db.session.refresh(roster_import)
        raise Conflict("只有预检通过且尚未导入的名册可以确认导入（可能已由他人确认）")
    school = roster_import.school
    parsed = parse_roster(school, roster_import.kind, _read_stored(roster_import.file), roster_import.file.filename)
    if parsed.problem_count:
        raise ImportRefused(f"名册有 {parsed.problem_count} 个问题（学校数据在预检后发生了变化），未导入任何数据",
                            fields={"problems": parsed.problems[:50]})
    summary = plan(school, parsed)
    if roster_import.kind == "students":
        touched = _apply_students(school, parsed)
    else:
        touched = _apply_teachers(school, parsed)
    roster_import.status = "applied"
    roster_import.summary = summary
    roster_import.applied_at = utcnow()
    record("schools", "roster.imported",
           f"{school.name} 导入{KIND_LABELS[roster_import.kind]}名册：新增 {summary['new']}，"
           f"更新 {summary['updated']}，未变 {summary['unchanged']}",
           actor=actor, obj=roster_import, data={"summary": summary, "numbers": touched[:5000]})
    db.session.flush()
    return roster_import


def _apply_students(school: OrgUnit, parsed: ParsedRoster) -> list[str]:
    existing = _existing(school, "students")
    touched = []
    new_rows = []
    for _, row in parsed.rows:
        student = existing.get(row["student_no"])
        if student is None:
            new_rows.append(StudentProfile(
                school_id=school.id, student_no=row["student_no"], name=row["name"], gender=row["gender"],
                id_number=row.get("id_number"), registry_no=row.get("registry_no"), birth_date=row.get("birth_date"),
                class_id=row["school_class"].id, status=StudentStatus.ENROLLED,
                guardian_name=row.get("guardian_name"), guardian_phone=row.get("guardian_phone")))
            touched.append(row["student_no"])
            continue
        changes = _student_changes(student, row)
        for name, value in changes.items():
            setattr(student, name, value)
        if changes:
            touched.append(row["student_no"])
    db.session.add_all(new_rows)
    db.session.flush()
    return touched


def _assignments_differ(teacher: TeacherProfile, row: dict) -> bool:
    if row.get("classes") is None:
        return False
    return _current_assignments(teacher) != _wanted_assignments(teacher, row)


def _current_assignments(teacher: TeacherProfile) -> set[tuple[int, str]]:
    return {(a.class_id, a.subject) for a in teacher.assignments if a.school_class.school_year.is_current}


def _wanted_assignments(teacher: TeacherProfile | None, row: dict) -> set[tuple[int, str]]:
    subjects = row.get("subjects") or (teacher.subjects if teacher else [])
    return {(c.id, subject or subjects[0]) for c, subject in row.get("classes") or []}


def _apply_teachers(school: OrgUnit, parsed: ParsedRoster) -> list[str]:
    existing = _existing(school, "teachers")
    touched = []
    for _, row in parsed.rows:
        teacher = existing.get(row["teacher_no"])
        if teacher is None:
            teacher = TeacherProfile(school_id=school.id, teacher_no=row["teacher_no"], name=row["name"],
                                     gender=row.get("gender"), id_number=row.get("id_number"),
                                     phone=row.get("phone"), subjects=row.get("subjects") or [],
                                     title=row.get("title"))
            db.session.add(teacher)
            db.session.flush()
            changed = True
        else:
            changes = _teacher_changes(teacher, row)
            for name, value in changes.items():
                setattr(teacher, name, value)
            changed = bool(changes)
        if row.get("classes") is not None:
            wanted = _wanted_assignments(teacher, row)
            current = {(a.class_id, a.subject): a for a in teacher.assignments
                       if a.school_class.school_year.is_current}
            for key, assignment in current.items():
                if key not in wanted:
                    teacher.assignments.remove(assignment)
                    changed = True
            for class_id, subject in wanted - set(current):
                db.session.add(TeachingAssignment(teacher_id=teacher.id, class_id=class_id, subject=subject))
                changed = True
        if row.get("head_of") is not None and row["head_of"].head_teacher_id != teacher.id:
            row["head_of"].head_teacher_id = teacher.id
            changed = True
        if changed:
            touched.append(row["teacher_no"])
    db.session.flush()
    return touched
