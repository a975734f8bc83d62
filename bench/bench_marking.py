"""The marking view (批改 one item for the whole class) for a 50-student class.

    python bench/bench_marking.py [--students 50] [--requests 60] [--database-url URL]

Default: SQLite (WAL) in a temporary directory, migrated. A 七年级 class of ``--students`` students who
all handed in a photo item (text and a stored PNG each); the class's 数学 teacher, signed in, opens
``/learning/items/<id>/marking`` (the page: the current student's hand-in, the whole stack beside it)
and ``GET /api/v1/homework-items/<id>/answers`` (the stack as JSON). The reference, measured in the
same run: one plain SQL query fetching the same rows (the class's students left-joined with their
answers). Printed: p50 / p95 of each, and the page's p50 as a multiple of the reference. Target:
the page ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate
import sqlalchemy as sa

from eduplatform import create_app
from eduplatform.core.extensions import db

PASSWORD = "Bench#2026pass"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def _timed(fn, n: int) -> list[float]:
    values = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        values.append((time.perf_counter() - started) * 1000)
    return sorted(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-marking-"))
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "bench", "DATA_DIR": str(tmp),
                      "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": options.database_url or f"sqlite:///{tmp / 'bench.db'}"})
    from eduplatform.accounts.models import Role, User, UserRole
    from eduplatform.accounts.services import create_user
    from eduplatform.core.db import utcnow
    from eduplatform.core.storage.services import store_file
    from eduplatform.learning import services
    from eduplatform.learning.models import HomeworkAnswer, ItemKind
    from eduplatform.orgs.models import OrgType, Stage
    from eduplatform.orgs.services import create_org_unit
    from eduplatform.schools import services as school_services
    from eduplatform.schools.models import Gender, StudentProfile

    with app.app_context():
        flask_migrate.upgrade()
        city = create_org_unit(None, code="C1", name="测试市教育局", type=OrgType.CITY_BUREAU, parent=None, stages=[])
        district = create_org_unit(None, code="D1", name="测试区教育局", type=OrgType.DISTRICT_BUREAU, parent=city,
                                   stages=[])
        school = create_org_unit(None, code="B1", name="测试中学", type=OrgType.SCHOOL, parent=district,
                                 stages=[Stage.JUNIOR])
        teacher, _ = create_user(None, username="teacher1", display_name="数学老师", roles={Role.TEACHER}, org=school,
                                 password=PASSWORD, must_change_password=False)
        school_class = school_services.create_class(None, school, grade=7, number=1)
        profile = school_services.create_teacher(None, school, {"teacher_no": "T1", "name": "数学老师",
                                                                "subjects": ["数学"]})
        profile.user_id = teacher.id
        school_services.set_assignments(profile, [{"class_id": school_class.id, "subject": "数学"}])
        for n in range(options.students):
            user = User(username=f"s{n:03d}", display_name=f"学生{n:03d}", password_hash="!", org=school,
                        must_change_password=False, role_rows=[UserRole(role=Role.STUDENT)])
            db.session.add(user)
            db.session.flush()
            db.session.add(StudentProfile(school_id=school.id, student_no=f"2026{n:04d}", name=f"学生{n:03d}",
                                          gender=Gender.MALE, class_id=school_class.id, user_id=user.id))
        homework = services.create_homework(teacher, school_class, {
            "subject": "数学", "title": "练习册", "note": "", "level": None, "load_date": services.local_today(),
            "due_at": utcnow() + timedelta(days=1)})
        item = services.add_item(teacher, homework, {"kind": ItemKind.HANDIN, "minutes": 20, "title": "第 12 页"})
        services.publish(teacher, homework)
        for student in db.session.scalars(sa.select(StudentProfile)):
            stored = store_file(io.BytesIO(PNG), prefix="learning/handins", filename="作业.png",
                                content_type="image/png")
            db.session.add(HomeworkAnswer(homework_id=homework.id, item_id=item.id, student_id=student.id,
                                          user_id=student.user_id, text="见照片", file_id=stored.id))
        db.session.commit()
        item_id, class_id = item.id, school_class.id

    client = app.test_client()
    assert client.post("/login", data={"username": "teacher1", "password": PASSWORD}).status_code in (302, 303)
    token = client.post("/api/v1/auth/token", json={"username": "teacher1", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    page_url, api_url = f"/learning/items/{item_id}/marking", f"/api/v1/homework-items/{item_id}/answers"
    first = client.get(page_url)
    assert first.status_code == 200 and f"已交 {options.students}/{options.students}" in first.get_data(as_text=True)
    assert len(client.get(api_url, headers=headers).get_json()["items"]) == options.students

    reference_sql = sa.text(
        "select s.id, s.student_no, s.name, a.id, a.status, a.text, a.score, a.late, f.filename, f.content_type "
        "from student_profiles s left join homework_answers a on a.student_id = s.id and a.item_id = :item "
        "left join stored_files f on f.id = a.file_id "
        "where s.class_id = :cls and s.status = 'enrolled' order by s.student_no")

    def reference():
        with app.app_context():
            rows = db.session.execute(reference_sql, {"item": item_id, "cls": class_id}).all()
            assert len(rows) == options.students
            db.session.remove()

    results = {}
    for label, fn in (("reference (plain SQL, same rows)", reference),
                      ("marking page", lambda: client.get(page_url)),
                      ("marking stack API", lambda: client.get(api_url, headers=headers))):
        fn()  # warm
        results[label] = _timed(fn, options.requests)
    with app.app_context():
        print(f"database: {db.engine.dialect.name}; class of {options.students} students, all handed in")
    ref = results["reference (plain SQL, same rows)"][len(results["reference (plain SQL, same rows)"]) // 2]
    for label, values in results.items():
        p50, p95 = values[len(values) // 2], values[int(len(values) * 0.95)]
        print(f"{label:<34} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ×{p50 / ref:6.1f} reference")
    page_p50 = results["marking page"][len(results["marking page"]) // 2]
    print(f"target: marking page ≤ 200 ms → {'met' if page_p50 <= 200 else 'NOT met'} ({page_p50:.1f} ms)")


if __name__ == "__main__":
    main()
