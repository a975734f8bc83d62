"""Concurrent writes against gunicorn (2 workers × 8 threads): no 500s, and no accepted write lost.

On SQLite these failed before ``core/db.py`` took the writer lock at a transaction's first write:
a request that had read and then wrote after another connection committed got "database is
locked" at once (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.concurrency.conftest import PASSWORD, RUSH_SCHOOLS
from tests.resources.conftest import make_pptx

MIXED_SECONDS = 10
MIXED_THREADS = 8


def client_session(n: int) -> requests.Session:
    """A client of its own address, as each school's browser is behind the proxy in production —
    one address for every client would trip the per-address login throttle, which is not under test."""
    http = requests.Session()
    http.headers["X-Forwarded-For"] = f"198.51.{n // 250}.{n % 250 + 1}"
    return http


def _token(http: requests.Session, url: str, username: str, password: str = PASSWORD) -> requests.Response:
    return http.post(f"{url}/api/v1/auth/token", json={"username": username, "password": password}, timeout=60)


def _bearer(response: requests.Response) -> dict:
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _server_errors(statuses: Counter) -> int:
    return sum(n for status, n in statuses.items() if status >= 500)


def test_mixed_writes_lose_nothing(server, city, database):
    """8 threads × 10 s: autosaves, resource uploads, logins, refused logins, refused reads."""
    url, task = server.url, city.task_id
    statuses: Counter = Counter()
    by_kind: dict[str, Counter] = defaultdict(Counter)
    lock = threading.Lock()
    accepted_saves: dict[int, list[int]] = defaultdict(list)  # submission id → accepted values, in order
    uploads: dict[int, str] = {}  # resource id → title
    logins: Counter = Counter()  # username → accepted logins
    refused_logins: list[str] = []
    denials: Counter = Counter()  # username → 403 answers
    started = threading.Barrier(MIXED_THREADS, timeout=120)
    clock: dict[str, float] = {}

    def note(kind: str, response: requests.Response):
        with lock:
            statuses[response.status_code] += 1
            by_kind[kind][response.status_code] += 1

    def worker(n: int):
        school = city.schools[RUSH_SCHOOLS + n]
        http = client_session(n)

        def log_in(username):
            for _ in range(20):
                r = _token(http, url, username)
                note("login", r)
                if r.status_code == 201:
                    with lock:
                        logins[username] += 1
                    return _bearer(r)
            return None

        admin, teacher = log_in(school.admin), log_in(school.teacher)
        started.wait()  # the clock starts once every thread holds its tokens
        if admin is None or teacher is None:
            return  # counted above: only server errors keep a client out
        with lock:
            clock.setdefault("stop_at", time.monotonic() + MIXED_SECONDS)
        version, step = school.version, 0
        # 10 s, and at least one round of every kind of request however slow the machine is
        while time.monotonic() < clock["stop_at"] or step < 6:
            step += 1
            kind = ("save", "upload", "login", "bad_login", "save", "denied")[step % 6]
            if kind == "save":
                value = n * 100_000 + step
                r = http.put(f"{url}/api/v1/report-tasks/{task}/submissions/{school.submission_id}/draft",
                             json={"version": version, "values": {"classes": value, "principal": "王校长"}},
                             headers=admin, timeout=60)
                note(kind, r)
                if r.status_code == 200:
                    version = r.json()["submission"]["version"]
                    with lock:
                        accepted_saves[school.submission_id].append(value)
            elif kind == "upload":
                title = f"课件 {n}-{step}"
                body = {"type": "courseware", "title": title, "description": "并发上传", "stage": "初中",
                        "subject": "数学", "grade": "九年级", "keywords": "并发"}
                r = http.post(f"{url}/api/v1/resources", data=body, headers=teacher, timeout=60,
                              files={"file": (f"k{n}-{step}.pptx", make_pptx(title))})
                note(kind, r)
                if r.status_code == 201:
                    with lock:
                        uploads[r.json()["id"]] = title
            elif kind == "login":
                r = _token(http, url, school.admin)
                note(kind, r)
                if r.status_code == 201:
                    with lock:
                        logins[school.admin] += 1
            elif kind == "bad_login":
                name = f"nobody{n}x{step}"
                r = _token(http, url, name, "wrong")
                note(kind, r)
                if r.status_code == 401:
                    with lock:
                        refused_logins.append(name)
            else:  # a GET that writes: the refusal is audited (the auditor alone reads the log)
                r = http.get(f"{url}/api/v1/audit", headers=teacher, timeout=60)
                note(kind, r)
                if r.status_code == 403:
                    with lock:
                        denials[school.teacher] += 1

    with ThreadPoolExecutor(MIXED_THREADS) as pool:
        list(pool.map(worker, range(MIXED_THREADS)))

    print(f"\nmixed writes: {sum(statuses.values())} requests, {dict(statuses)}; "
          f"{ {k: dict(v) for k, v in by_kind.items()} }")
    assert _server_errors(statuses) == 0, (dict(statuses), server.errors_logged()[:5])
    assert all(by_kind[k][ok] for k, ok in
                                                (("save", 200), ("upload", 201), ("login", 201),
                                                 ("bad_login", 401), ("denied", 403)))

    # every accepted write is there afterwards
    for submission_id, values in accepted_saves.items():
        school = next(s for s in city.schools if s.submission_id == submission_id)
        (version,) = database.rows("SELECT version FROM report_submissions WHERE id = :i", i=submission_id)[0]
        assert version == school.version + len(values)  # each accepted save bumped it once, none lost
        history = {_json(v) for (v,) in database.rows(
            "SELECT new_value FROM report_value_changes WHERE submission_id = :i AND key = 'classes'",
            i=submission_id)}
        assert set(values) <= history
    titles = dict(database.rows("SELECT id, title FROM resources"))
    assert {i: titles.get(i) for i in uploads} == uploads
    issued = Counter(name for (name,) in database.rows(
        "SELECT actor_name FROM audit_entries WHERE kind = 'token.issued'"))
    assert {u: issued[u] for u in logins} == dict(logins)
    failed = {name for (name,) in database.rows("SELECT actor_name FROM audit_entries WHERE kind = 'login.failed'")}
    assert set(refused_logins) <= failed
    denied = Counter(name for (name,) in database.rows(
        "SELECT actor_name FROM audit_entries WHERE kind = 'permission.denied'"))
    assert {u: denied[u] for u in denials} == dict(denials)


def test_deadline_rush_of_school_admins(server, city, database):
    """50 school admins at once: log in, autosave the form, hand it in — all accepted, all kept."""
    url, task = server.url, city.task_id
    schools = city.schools[:RUSH_SCHOOLS]
    barrier = threading.Barrier(len(schools), timeout=30)
    results: dict[str, list[int]] = {}

    def school_admin(school):
        http = client_session(100 + city.schools.index(school))
        barrier.wait()
        codes = []
        login = _token(http, url, school.admin)
        codes.append(login.status_code)
        if login.status_code != 201:
            return school.admin, codes
        headers = _bearer(login)
        base = f"{url}/api/v1/report-tasks/{task}/submissions/{school.submission_id}"
        values = {"classes": int(school.code[-2:]) + 1, "principal": f"校长{school.code[-2:]}"}
        save = http.put(f"{base}/draft", json={"version": school.version, "values": values}, headers=headers,
                        timeout=60)
        codes.append(save.status_code)
        if save.status_code != 200:
            return school.admin, codes
        version = save.json()["submission"]["version"]
        submit = http.post(f"{base}/submit", json={"version": version, "values": values}, headers=headers,
                           timeout=60)
        codes.append(submit.status_code)
        return school.admin, codes

    started = time.monotonic()
    with ThreadPoolExecutor(len(schools)) as pool:
        results = dict(pool.map(school_admin, schools))
    elapsed = time.monotonic() - started
    statuses = Counter(code for codes in results.values() for code in codes)
    print(f"\nrush: {len(results)} school admins, {sum(statuses.values())} requests in {elapsed:.1f} s, "
          f"{dict(statuses)}")
    assert _server_errors(statuses) == 0, (dict(statuses), server.errors_logged()[:5])
    assert all(codes == [201, 200, 200] for codes in results.values()), results

    rows = {sid: (status, data) for sid, status, data in database.rows(
        "SELECT id, status, data FROM report_submissions WHERE task_id = :t", t=task)}
    for school in schools:
        status, data = rows[school.submission_id]
        data = _json(data)
        assert status == "submitted", (school.code, status)
        assert data["classes"] == int(school.code[-2:]) + 1 and data["principal"] == f"校长{school.code[-2:]}"
    issued = Counter(name for (name,) in database.rows(
        "SELECT actor_name FROM audit_entries WHERE kind = 'token.issued'"))
    assert all(issued[s.admin] == 1 for s in schools)
