"""The 学情 heat map for a 1,000-student grade (class × knowledge point).

    python bench/bench_mastery.py [--classes 20] [--students 50] [--answers 150] [--requests 30]
                                  [--database-url URL]

Default: SQLite in a temporary directory, migrated. One junior school, 七年级 with ``--classes``
classes of ``--students`` students; 30 数学 knowledge points, 150 bank questions (difficulty 1–5);
each student has ``--answers`` marked homework answers spread over 100 days, right with the Rasch
probability of a known ability. The school admin (who sees the whole grade) opens
``/learning/mastery?grade=7&subject=math`` and ``GET /api/v1/mastery/heatmap``.

Measured in the same run:
- cold: fitting and storing every (student, knowledge point) of the grade (the first view after a
  deploy, or ``MAX_AGE`` later);
- warm: the page and the API with a fresh cache (the freshness check included);
- one new mark: the page right after a teacher marked one answer (that class is rebuilt);
- the reference: the same aggregation as one plain SQL GROUP BY over the raw answers (mean score
  fraction per class × knowledge point, no model) on the same data.
Printed: p50 / p95, each as a multiple of the reference, and the load average. Target: page ≤ 500 ms.
"""

from __future__ import annotations

import argparse
import math
import os
import random
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


def _timed(fn, n: int) -> list[float]:
    values = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        values.append((time.perf_counter() - started) * 1000)
    return sorted(values)


def _p(values, q):
    return values[min(len(values) - 1, int(len(values) * q))]


def build(options):
    from eduplatform.accounts.models import Role, User, UserRole
    from eduplatform.accounts.services import create_user
    from eduplatform.core.db import utcnow
    from eduplatform.learning.models import (
        AnswerStatus,
        Homework,
        HomeworkAnswer,
        HomeworkItem,
        HomeworkStatus,
        ItemKind,
    )
    from eduplatform.orgs.models import OrgType, Stage
    from eduplatform.orgs.services import create_org_unit
    from eduplatform.questions import knowledge
    from eduplatform.questions import services as question_services
    from eduplatform.schools import services as school_services
    from eduplatform.schools.models import Gender, StudentProfile

    rng = random.Random(2026)
    city = create_org_unit(None, code="C1", name="测试市教育局", type=OrgType.CITY_BUREAU, parent=None, stages=[])
    district = create_org_unit(None, code="D1", name="测试区教育局", type=OrgType.DISTRICT_BUREAU, parent=city,
                               stages=[])
    school = create_org_unit(None, code="B1", name="测试中学", type=OrgType.SCHOOL, parent=district,
                             stages=[Stage.JUNIOR])
    create_user(None, username="admin1", display_name="教务处", roles={Role.SCHOOL_ADMIN}, org=school,
                password=PASSWORD, must_change_password=False)
    teacher, _ = create_user(None, username="teacher1", display_name="数学老师", roles={Role.TEACHER}, org=school,
                             password=PASSWORD, must_change_password=False)
    points = [knowledge.create_knowledge_point(None, subject="math", name=f"知识点{n:02d}", audit=False)
              for n in range(30)]
    questions = []
    for n in range(150):
        q = question_services.create_question(teacher, {
            "type": "single", "stem": f"第 {n} 题", "data": {"options": ["A", "B", "C", "D"], "answer": 0},
            "analysis": "", "score": 2, "difficulty": 1 + n % 5, "subject": "math", "stage": "junior", "grade": "g7",
            "tags": [], "source": "", "sharing": "org"}, knowledge_points=[points[n % 30]])
        questions.append((q.id, q.versions[-1].id, q.difficulty))
    classes = [school_services.create_class(None, school, grade=7, number=k + 1) for k in range(options.classes)]
    db.session.flush()
    now = utcnow()
    items_per_homework = 10
    homeworks = math.ceil(options.answers / items_per_homework)
    for k, school_class in enumerate(classes):
        users = [User(username=f"s{k:02d}_{n:03d}", display_name=f"学生{k}-{n}", password_hash="!", org=school,
                      must_change_password=False, role_rows=[UserRole(role=Role.STUDENT)])
                 for n in range(options.students)]
        db.session.add_all(users)
        db.session.flush()
        pupils = [StudentProfile(school_id=school.id, student_no=f"7{k:02d}{n:03d}", name=u.display_name,
                                 gender=Gender.MALE, class_id=school_class.id, user_id=u.id)
                  for n, u in enumerate(users)]
        db.session.add_all(pupils)
        db.session.flush()
        ability = {p.id: rng.gauss(0.2 * (k % 5 - 2), 1.0) for p in pupils}
        answers = []
        for h in range(homeworks):
            day = now - timedelta(days=100 - h * 100 / homeworks)
            homework = Homework(school_id=school.id, class_id=school_class.id, subject="数学", title=f"周练{h}",
                                teacher_id=teacher.id, load_date=day.date(), due_at=day + timedelta(hours=20),
                                status=HomeworkStatus.PUBLISHED, published_at=day)
            db.session.add(homework)
            db.session.flush()
            for i in range(items_per_homework):
                qid, vid, difficulty = questions[(h * items_per_homework + i + 7 * k) % len(questions)]
                item = HomeworkItem(homework_id=homework.id, position=i + 1, kind=ItemKind.QUESTION, title=f"第{i}题",
                                    question_id=qid, question_version_id=vid, minutes=3, max_score=2.0)
                db.session.add(item)
                db.session.flush()
                b = {1: -1.6, 2: -0.8, 3: 0.0, 4: 0.8, 5: 1.6}[difficulty]
                for p in pupils:
                    right = rng.random() < 1 / (1 + math.exp(-(ability[p.id] - b)))
                    at = day + timedelta(hours=rng.uniform(2, 22))
                    answers.append({"homework_id": homework.id, "item_id": item.id, "student_id": p.id,
                                    "user_id": p.user_id, "status": AnswerStatus.MARKED, "response": 0 if right else 1,
                                    "text": "", "submitted_at": at, "late": at > homework.due_at, "resubmissions": 0,
                                    "score": 2.0 if right else 0.0, "comment": "", "auto_marked": True,
                                    "marked_at": at})
        db.session.execute(sa.insert(HomeworkAnswer), answers)
        db.session.commit()
    return [c.id for c in classes]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--classes", type=int, default=20)
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--answers", type=int, default=150, help="marked answers per student")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-mastery-"))
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "bench", "DATA_DIR": str(tmp),
                      "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": options.database_url or f"sqlite:///{tmp / 'bench.db'}"})
    from eduplatform.learning.mastery import store
    from eduplatform.learning.models import HomeworkAnswer

    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        class_ids = build(options)
        built = time.perf_counter() - started
        answers = db.session.scalar(sa.select(sa.func.count()).select_from(HomeworkAnswer))
        started = time.perf_counter()
        rows = store.rebuild(class_ids)
        db.session.commit()
        cold = (time.perf_counter() - started) * 1000
        dialect = db.engine.dialect.name
        db.session.remove()

    client = app.test_client()
    assert client.post("/login", data={"username": "admin1", "password": PASSWORD}).status_code in (302, 303)
    token = client.post("/api/v1/auth/token", json={"username": "admin1", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    page_url, api_url = "/learning/mastery?grade=7&subject=math", "/api/v1/mastery/heatmap?grade=7&subject=math"
    body = client.get(api_url, headers=headers).get_json()
    points = len(body["points"])
    assert len(body["classes"]) == options.classes and points, body.get("error")
    assert len(body["cells"]) == options.classes * points

    reference_sql = sa.text(
        "select s.class_id, l.knowledge_point_id, avg(a.score / i.max_score), count(distinct s.id) "
        "from homework_answers a join homework_items i on i.id = a.item_id "
        "join question_kp_links l on l.question_id = i.question_id "
        "join student_profiles s on s.id = a.student_id "
        "where s.class_id in (select id from school_classes where grade = 7) and a.status = 'marked' "
        "group by s.class_id, l.knowledge_point_id")

    def reference():
        with app.app_context():
            found = db.session.execute(reference_sql).all()
            assert len(found) == options.classes * points
            db.session.remove()

    def page():
        response = client.get(page_url)
        assert response.status_code == 200

    def api():
        assert client.get(api_url, headers=headers).status_code == 200

    answer_ids = []
    with app.app_context():
        answer_ids = list(db.session.scalars(sa.select(HomeworkAnswer.id).order_by(HomeworkAnswer.id)
                                            .limit(options.requests + 1)))
        db.session.remove()
    marks = iter(answer_ids)

    def after_a_mark():
        from eduplatform.core.db import utcnow

        with app.app_context():  # a teacher marks one answer (outside the timing)
            answer = db.session.get(HomeworkAnswer, next(marks))
            answer.score, answer.marked_at = 1.0, utcnow()
            db.session.commit()
            db.session.remove()
        started = time.perf_counter()
        page()
        return (time.perf_counter() - started) * 1000

    results = {}
    for label, fn in (("reference (one plain SQL GROUP BY)", reference), ("heat map page (warm)", page),
                      ("heat map API (warm)", api)):
        fn()
        results[label] = _timed(fn, options.requests)
    results["heat map page after one new mark"] = sorted(after_a_mark() for _ in range(options.requests))
    print(f"database: {dialect}; grade of {options.classes} classes × {options.students} students, "
          f"{answers} marked answers, {points} knowledge points (data built in {built:.1f} s)")
    print(f"cold: fitting and storing {rows} (student, knowledge point) estimates for the grade: {cold:.0f} ms")
    ref = _p(results["reference (one plain SQL GROUP BY)"], 0.5)
    for label, values in results.items():
        p50, p95 = _p(values, 0.5), _p(values, 0.95)
        print(f"{label:<36} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   ×{p50 / ref:6.2f} reference")
    page_p50 = _p(results["heat map page (warm)"], 0.5)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print(f"target: heat map page ≤ 500 ms → {'met' if page_p50 <= 500 else 'NOT met'} ({page_p50:.1f} ms warm; "
          f"{_p(results['heat map page after one new mark'], 0.5):.1f} ms after a new mark)")


if __name__ == "__main__":
    main()
