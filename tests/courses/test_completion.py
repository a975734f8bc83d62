"""Completion rules per lesson kind, progress beats, and how lessons add up to the course."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict
from eduplatform.core.extensions import db
from eduplatform.courses import beats, catalogue, completion, enrolment
from eduplatform.courses.models import LessonProgress, ProgressStatus
from tests.courses.conftest import add_lesson


def test_merge_makes_a_sorted_union():
    assert beats.merge([[10, 20], [0, 5], [4, 8], [20.3, 25]]) == [[0, 8], [10, 25]]
    assert beats.covered([[0, 8], [10, 25]]) == 23


def test_text_and_document_complete_when_opened(enrolled, people):
    course, row = enrolled
    first, second = course.lessons
    completion.mark_opened(first, row, people.student_a1)
    db.session.commit()
    assert row.progress_percent == 50 and row.completed_at is None
    completion.mark_opened(second, row, people.student_a1)
    db.session.commit()
    assert row.progress_percent == 100 and row.completed_at is not None


def _video_course(make_course, people, webm_bytes):
    course = make_course(lessons=(), publish=False)
    video = add_lesson(people.teacher_a1, course.chapters[0], "video", title="视频", data=webm_bytes)
    catalogue.publish_course(people.teacher_a1, course)
    row = enrolment.enrol(people.student_a1, course)
    db.session.commit()
    return course, video, row


def test_video_probe_and_watched_ranges_complete_at_90_percent(make_course, people, webm_bytes):
    _course, video, row = _video_course(make_course, people, webm_bytes)
    assert video.duration_seconds == pytest.approx(4.0, abs=0.2)
    student = people.student_a1
    start = utcnow()
    completion.mark_opened(video, row, student)
    progress = beats.record_beat(student, video, row, position=2, ranges=[[0, 2]], seq=1,
                                 now=start + timedelta(seconds=2))
    assert progress.status == ProgressStatus.IN_PROGRESS and progress.percent == 50
    # Seeking back and re-watching does not add anything.
    progress = beats.record_beat(student, video, row, position=2, ranges=[[0, 2]], seq=2,
                                 now=start + timedelta(seconds=4))
    assert progress.watched_seconds == pytest.approx(2.0)
    progress = beats.record_beat(student, video, row, position=3.6, ranges=[[2, 3.6]], seq=3,
                                 now=start + timedelta(seconds=6))
    assert progress.status == ProgressStatus.COMPLETED  # 3.6 / 4.0 = 90 %
    assert row.progress_percent == 100 and row.completed_at is not None
    assert progress.beat_count == 3 and progress.last_seq == 3


def test_a_click_claiming_the_whole_video_is_capped_by_wall_time(make_course, people, webm_bytes):
    """Completion comes from beats that could really have been played, not from one claim."""
    _course, video, row = _video_course(make_course, people, webm_bytes)
    video.duration_seconds = 600.0  # a ten-minute video
    student = people.student_a1
    start = utcnow()
    completion.mark_opened(video, row, student).first_opened_at = start
    progress = beats.record_beat(student, video, row, position=600, ranges=[[0, 600]], seq=1,
                                 now=start + timedelta(seconds=1))
    # 1 s of wall time × 2 (fastest rate) + 10 s slack
    assert progress.watched_seconds == pytest.approx(12.0, abs=0.1)
    assert progress.status != ProgressStatus.COMPLETED
    # Ranges outside the video are clipped.
    progress = beats.record_beat(student, video, row, position=0, ranges=[[-50, 5], [590, 900]], seq=2,
                                 now=start + timedelta(seconds=40))
    assert progress.watched[-1][1] <= 600


def test_beats_only_for_media_lessons(enrolled, people):
    course, row = enrolled
    with pytest.raises(Conflict):
        beats.record_beat(people.student_a1, course.lessons[0], row, position=1, ranges=[[0, 1]])


def test_completion_is_sticky(make_course, people, webm_bytes):
    _course, video, row = _video_course(make_course, people, webm_bytes)
    start = utcnow()
    completion.mark_opened(video, row, people.student_a1)
    beats.record_beat(people.student_a1, video, row, position=4, ranges=[[0, 4]], now=start + timedelta(seconds=4))
    progress = db.session.scalar(db.select(LessonProgress))
    assert progress.status == ProgressStatus.COMPLETED
    video.settings = {"min_watch_percent": 100}
    beats.record_beat(people.student_a1, video, row, position=1, ranges=[], now=start + timedelta(seconds=8))
    assert progress.status == ProgressStatus.COMPLETED


def test_optional_lessons_do_not_count_and_adding_a_lesson_recounts(enrolled, people):
    course, row = enrolled
    for lesson in course.lessons:
        completion.mark_opened(lesson, row, people.student_a1)
    db.session.commit()
    assert row.progress_percent == 100
    add_lesson(people.teacher_a1, course.chapters[0], "text", title="选学阅读", required=False)
    assert row.progress_percent == 100
    add_lesson(people.teacher_a1, course.chapters[0], "text", title="补充课时")
    assert row.progress_percent == 66
    assert row.completed_at is not None  # a completed course stays completed (and its hours stay earned)
