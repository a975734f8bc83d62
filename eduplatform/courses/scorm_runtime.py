"""The server side of the SCORM run-time: each learner's CMI data per SCO, sessions, resume, completion.

The browser adapter (``static/courses/scorm-api.js``, ``window.API`` for 1.2 and ``window.API_1484_11``
for 2004) loads the state from here, answers GetValue/SetValue itself, and sends what changed on
Commit and Terminate; the server validates every element again with the same table (``scorm_cmi``).

Two known anchor bugs are avoided on purpose:
- SCORM 1.2 ``passed`` counts as completed (so does 2004 success ``passed``);
- a ``passed`` status reported with a score of 0 (SCOs that do not score) does not zero the grade: the
  item counts as full marks, and a lesson's grade never drops below the best one reached.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import scorm_cmi
from eduplatform.courses.completion import get_or_create_progress, set_progress
from eduplatform.courses.models import Enrolment, Lesson, LessonKind, ScormAttempt, ScormPackage

REALM = "courses"
DONE_12 = ("completed", "passed")


def package_of(lesson: Lesson) -> ScormPackage:
    if lesson.kind != LessonKind.SCORM or lesson.scorm_package is None:
        raise Conflict("该课时不是 SCORM 课件", code="not_scorm")
    return lesson.scorm_package


def item_of(package: ScormPackage, identifier: str) -> dict:
    item = package.item(identifier)
    if item is None or not item.get("href"):
        raise NotFound("课件中没有这个学习单元")
    return item


def find_attempt(lesson: Lesson, user, identifier: str) -> ScormAttempt | None:
    return db.session.scalar(sa.select(ScormAttempt).where(
        ScormAttempt.lesson_id == lesson.id, ScormAttempt.user_id == user.id,
        ScormAttempt.item_identifier == identifier))


def get_or_create_attempt(lesson: Lesson, user, identifier: str) -> ScormAttempt:
    attempt = find_attempt(lesson, user, identifier)
    if attempt is None:
        package = package_of(lesson)
        attempt = ScormAttempt(lesson_id=lesson.id, user_id=user.id, package_id=package.id,
                               item_identifier=identifier, version=package.version, cmi={},
                               lesson_status="not attempted", completion_status="unknown", success_status="unknown",
                               location="", suspend_data="", exit="", total_seconds=0, pending_session_seconds=0,
                               session_count=0, in_session=False)
        db.session.add(attempt)
        db.session.flush()
    return attempt


def _entry(attempt: ScormAttempt) -> str:
    if attempt.exit in ("suspend",) or (attempt.version == "2004" and attempt.exit == "logout"):
        return "resume"
    return "ab-initio" if attempt.session_count <= 1 and not attempt.cmi else ""


def launch_state(attempt: ScormAttempt, item: dict, user, *, credit: bool = True) -> dict:
    """Every value GetValue may return at launch: the SCO's stored data plus what the LMS supplies."""
    values = dict(attempt.cmi or {})
    entry = _entry(attempt)
    if attempt.version == "1.2":
        values.update({
            "cmi.core.student_id": user.username, "cmi.core.student_name": _name_12(user),
            "cmi.core.credit": "credit" if credit else "no-credit", "cmi.core.entry": entry,
            "cmi.core.lesson_mode": "normal" if credit else "browse",
            "cmi.core.lesson_status": attempt.lesson_status or "not attempted",
            "cmi.core.total_time": scorm_cmi.format_timespan(attempt.total_seconds),
            "cmi.launch_data": item.get("launch_data") or "", "cmi.comments_from_lms": "",
        })
        if item.get("mastery_score"):
            values["cmi.student_data.mastery_score"] = item["mastery_score"]
        if item.get("max_time_allowed"):
            values["cmi.student_data.max_time_allowed"] = item["max_time_allowed"]
        if item.get("time_limit_action"):
            values["cmi.student_data.time_limit_action"] = item["time_limit_action"]
    else:
        values.update({
            "cmi.learner_id": user.username, "cmi.learner_name": user.display_name,
            "cmi.credit": "credit" if credit else "no-credit", "cmi.entry": entry,
            "cmi.mode": "normal" if credit else "browse",
            "cmi.completion_status": attempt.completion_status or "unknown",
            "cmi.success_status": attempt.success_status or "unknown",
            "cmi.total_time": scorm_cmi.format_duration(attempt.total_seconds),
            "cmi.launch_data": item.get("launch_data") or "",
        })
        if values["cmi.completion_status"] == "unknown" and not attempt.cmi:
            values["cmi.completion_status"] = "not attempted"
        if item.get("completion_threshold"):
            values["cmi.completion_threshold"] = item["completion_threshold"]
        if item.get("scaled_passing_score"):
            values["cmi.scaled_passing_score"] = item["scaled_passing_score"]
    for key in ("cmi.core.session_time", "cmi.core.exit", "cmi.session_time", "cmi.exit"):
        values.pop(key, None)  # write-only: never handed back
    return values


def _name_12(user) -> str:
    return user.display_name  # 1.2 suggests "Last, First"; Chinese names have no such split


def commit(user, lesson: Lesson, enrolment: Enrolment | None, identifier: str, values: dict, *,
           initialize: bool = False, terminate: bool = False) -> ScormAttempt:
    """Store what the SCO set (validated again), account session time, and re-evaluate completion."""
    package = package_of(lesson)
    item = item_of(package, identifier)
    attempt = get_or_create_attempt(lesson, user, identifier)
    problems = {}
    for element, value in (values or {}).items():
        reason = scorm_cmi.check_value(package.version, element, value)
        if reason:
            problems[element] = [reason]
    if problems:
        raise ValidationFailed("课件提交的数据不符合 SCORM 数据模型：" + "；".join(
            f"{k}（{v[0]}）" for k, v in list(problems.items())[:5]), fields=problems, code="cmi_invalid")
    if initialize:
        if attempt.in_session:  # the last session never terminated: count its time now
            attempt.total_seconds += attempt.pending_session_seconds or 0
            attempt.pending_session_seconds = 0
        attempt.in_session = True
        attempt.session_count = (attempt.session_count or 0) + 1
    cmi = dict(attempt.cmi or {})
    for element, value in (values or {}).items():
        value = "" if value is None else str(value)
        if element in ("cmi.core.session_time", "cmi.session_time"):
            attempt.pending_session_seconds = scorm_cmi.session_seconds(package.version, value)
            continue
        if element in ("cmi.core.exit", "cmi.exit"):
            attempt.exit = value
            continue
        if element == "cmi.comments" and cmi.get(element):
            value = (cmi[element] + value)[:4096]  # 1.2 comments are appended
        cmi[element] = value
    attempt.cmi = cmi
    _extract(attempt, cmi, item)
    if terminate:
        attempt.total_seconds += attempt.pending_session_seconds or 0
        attempt.pending_session_seconds = 0
        attempt.in_session = False
        if attempt.version == "1.2":
            _apply_mastery(attempt, item)
            if attempt.lesson_status == "not attempted":
                attempt.lesson_status = "incomplete"
    db.session.flush()
    if enrolment is not None:
        evaluate_lesson(lesson, enrolment, user)
    if terminate:
        record(REALM, "scorm.session", f"学习 SCORM 课件：{lesson.title}（{item['title']}）", actor=user, obj=attempt,
               data={"status": status_of(attempt), "score": item_score(attempt), "seconds": attempt.total_seconds})
        db.session.flush()
    return attempt


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _extract(attempt: ScormAttempt, cmi: dict, item: dict) -> None:
    if attempt.version == "1.2":
        if cmi.get("cmi.core.lesson_status"):
            attempt.lesson_status = cmi["cmi.core.lesson_status"]
        attempt.score_raw = _float(cmi.get("cmi.core.score.raw"))
        attempt.score_min = _float(cmi.get("cmi.core.score.min"))
        attempt.score_max = _float(cmi.get("cmi.core.score.max"))
        attempt.location = cmi.get("cmi.core.lesson_location", "")
    else:
        if cmi.get("cmi.completion_status"):
            attempt.completion_status = cmi["cmi.completion_status"]
        if cmi.get("cmi.success_status"):
            attempt.success_status = cmi["cmi.success_status"]
        attempt.score_scaled = _float(cmi.get("cmi.score.scaled"))
        attempt.score_raw = _float(cmi.get("cmi.score.raw"))
        attempt.score_min = _float(cmi.get("cmi.score.min"))
        attempt.score_max = _float(cmi.get("cmi.score.max"))
        attempt.location = cmi.get("cmi.location", "")
        # RTE 4.2.4.1 / 4.2.22.1: with a threshold or passing score, the LMS decides from the measure.
        threshold, measure = _float(item.get("completion_threshold")), _float(cmi.get("cmi.progress_measure"))
        if threshold is not None and measure is not None:
            attempt.completion_status = "completed" if measure >= threshold else "incomplete"
        passing = _float(item.get("scaled_passing_score"))
        if passing is not None and attempt.score_scaled is not None:
            attempt.success_status = "passed" if attempt.score_scaled >= passing else "failed"
    attempt.suspend_data = cmi.get("cmi.suspend_data", "")


def _apply_mastery(attempt: ScormAttempt, item: dict) -> None:
    """1.2: with a mastery score and a raw score, the LMS sets passed/failed (RTE 3.4.4, credit mode)."""
    mastery = _float(item.get("mastery_score"))
    if mastery is None or attempt.score_raw is None:
        return
    if attempt.lesson_status in ("completed", "passed", "failed", "incomplete", "browsed"):
        attempt.lesson_status = "passed" if attempt.score_raw >= mastery else "failed"


def is_done(attempt: ScormAttempt | None) -> bool:
    if attempt is None:
        return False
    if attempt.version == "1.2":
        return attempt.lesson_status in DONE_12  # anchor bug 1: passed counts as completed
    return attempt.completion_status == "completed" or attempt.success_status == "passed"


def is_passed(attempt: ScormAttempt) -> bool:
    return attempt.lesson_status == "passed" if attempt.version == "1.2" else attempt.success_status == "passed"


def status_of(attempt: ScormAttempt) -> str:
    if attempt.version == "1.2":
        return attempt.lesson_status
    return f"{attempt.completion_status}/{attempt.success_status}"


def item_score(attempt: ScormAttempt) -> float | None:
    """The SCO's grade in percent, or None when it reported none."""
    score = None
    if attempt.score_scaled is not None:
        score = attempt.score_scaled * 100
    elif attempt.score_raw is not None:
        top = attempt.score_max if attempt.score_max else 100.0
        bottom = attempt.score_min or 0.0
        score = 100 * (attempt.score_raw - bottom) / (top - bottom) if top > bottom else None
    if is_passed(attempt) and not score:
        return 100.0  # anchor bug 2: passed with score 0 (or none) is a pass, not a zero
    return None if score is None else round(max(0.0, min(100.0, score)), 1)


def evaluate_lesson(lesson: Lesson, enrolment: Enrolment, user) -> None:
    package = package_of(lesson)
    launchable = [i["identifier"] for i in package.launchable]
    attempts = {a.item_identifier: a for a in db.session.scalars(sa.select(ScormAttempt).where(
        ScormAttempt.lesson_id == lesson.id, ScormAttempt.user_id == user.id))}
    done = sum(1 for ident in launchable if is_done(attempts.get(ident)))
    scores = [s for s in (item_score(a) for a in attempts.values()) if s is not None]
    progress = get_or_create_progress(lesson, user)
    score = round(sum(scores) / len(scores), 1) if scores else None
    if score is not None and progress.score is not None:
        score = max(score, progress.score)  # the grade never drops below the best reached
    set_progress(progress, lesson, enrolment, percent=int(100 * done / len(launchable)) if launchable else 0,
                 done=bool(launchable) and done == len(launchable), score=score, actor=user)


def attempts_of_lesson(lesson: Lesson):
    return db.session.scalars(sa.select(ScormAttempt).where(ScormAttempt.lesson_id == lesson.id)
                              .order_by(ScormAttempt.user_id, ScormAttempt.id)).all()


def adapter_config(lesson: Lesson) -> dict:
    """What the lesson page hands to scorm-api.js: version, SCOs with launch URLs, the element table."""
    from flask import url_for

    package = package_of(lesson)
    items = []
    for item in package.items:
        entry = {"identifier": item["identifier"], "title": item["title"], "depth": item.get("depth", 0),
                 "launch": None}
        if item.get("href"):
            entry["launch"] = launch_url(lesson, package, item)
            entry["cmi_url"] = url_for("courses_api.scorm_cmi", lesson_id=lesson.id, identifier=item["identifier"])
        items.append(entry)
    return {"version": package.version, "lesson_id": lesson.id, "items": items,
            "elements": scorm_cmi.TABLES[package.version]}


def launch_url(lesson: Lesson, package: ScormPackage, item: dict) -> str:
    """The SCO's URL under the course (so its relative links resolve), with the item's parameters."""
    from urllib.parse import urlsplit

    from flask import url_for

    from eduplatform.courses.scorm_import import launch_path

    href = item["href"]
    if "://" in href:
        return href
    parts = urlsplit(href)
    url = url_for("courses.scorm_content", course_id=lesson.course_id, package_id=package.id,
                  path=launch_path(href))
    query, fragment = parts.query, parts.fragment
    params = (item.get("parameters") or "").strip()
    if params.startswith("#"):
        fragment = fragment or params[1:]
    elif params:
        params = params.lstrip("?&")
        query = f"{query}&{params}" if query else params
    return url + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
