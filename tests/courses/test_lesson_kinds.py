"""Lesson kinds beyond video and text: audio (probed, streamed with seeking, completed by beats), uploaded
office documents (text preview, a broken file refused), SCORM 2004 3rd edition packages."""

from __future__ import annotations

import io
import wave
import zipfile
from datetime import timedelta

import pytest

from eduplatform.core.db import utcnow
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import beats, catalogue, completion, enrolment
from eduplatform.courses.models import ProgressStatus
from eduplatform.courses.samples import MANIFEST_2004, scorm_zip
from eduplatform.courses.scorm_import import parse_manifest
from tests.courses.conftest import upload


def _wav(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(b"\x80" * int(seconds * rate))
    return buffer.getvalue()


def _lesson(course, people, kind, title, file):
    from eduplatform.courses import structure
    from eduplatform.courses.models import LessonKind

    return structure.add_lesson(people.teacher_a1, course.chapters[0], {
        "title": title, "kind": LessonKind(kind), "required": True, "body": ""}, upload=file)


def test_an_audio_lesson_is_probed_streamed_and_completed_by_beats(make_course, people, client, auth):
    data = _wav(4.0)
    course = make_course(lessons=(), publish=False)
    audio = _lesson(course, people, "audio", "课文朗读", upload(data, "朗读.wav", "audio/wav"))
    assert audio.duration_seconds == pytest.approx(4.0, abs=0.1)
    catalogue.publish_course(people.teacher_a1, course)
    row = enrolment.enrol(people.student_a1, course)
    db.session.commit()
    auth.login(people.student_a1)
    part = client.get(f"/courses/lessons/{audio.id}/file", headers={"Range": "bytes=44-99"})
    assert part.status_code == 206 and part.data == data[44:100] and part.mimetype == "audio/wav"
    start = utcnow()
    completion.mark_opened(audio, row, people.student_a1)
    progress = beats.record_beat(people.student_a1, audio, row, position=2, ranges=[[0, 2]], seq=1,
                                 now=start + timedelta(seconds=2))
    assert progress.status == ProgressStatus.IN_PROGRESS
    progress = beats.record_beat(people.student_a1, audio, row, position=4, ranges=[[2, 4]], seq=2,
                                 now=start + timedelta(seconds=4))
    assert progress.status == ProgressStatus.COMPLETED and row.progress_percent == 100


def test_an_uploaded_office_document_is_previewed_as_text(make_course, people, client, auth):
    import docx

    document = docx.Document()
    document.add_paragraph("第一节：等式的性质")
    document.add_paragraph("等式两边同时加上同一个数，结果仍相等。")
    buffer = io.BytesIO()
    document.save(buffer)
    course = make_course(lessons=(), publish=False)
    lesson = _lesson(course, people, "document", "讲义", upload(buffer.getvalue(), "讲义.docx"))
    assert "等式的性质" in lesson.preview_html
    catalogue.publish_course(people.teacher_a1, course)
    enrolment.enrol(people.student_a1, course)
    db.session.commit()
    auth.login(people.student_a1)
    page = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert 'id="document-preview"' in page and "同时加上同一个数" in page
    with pytest.raises(ValidationFailed, match="文档无法读取|已损坏"):
        _lesson(course, people, "document", "坏文件", upload(b"PK\x03\x04 not really a docx", "坏.docx"))
    with pytest.raises(ValidationFailed):  # the extension says PDF, the bytes do not
        _lesson(course, people, "document", "假 PDF", upload(b"<html></html>", "假.pdf"))


def test_scorm_2004_third_edition_is_recognised(make_course, people):
    manifest = MANIFEST_2004.format(title="三版课件").replace("2004 4th Edition", "2004 3rd Edition")
    data = scorm_zip("2004", manifest=manifest)
    parsed = parse_manifest(zipfile.ZipFile(io.BytesIO(data)).read("imsmanifest.xml"))
    assert (parsed["version"], parsed["edition"]) == ("2004", "3rd")
    course = make_course(lessons=(), publish=False)
    lesson = _lesson(course, people, "scorm", "三版课件", upload(data, "三版.zip"))
    assert lesson.scorm_package.version == "2004" and lesson.scorm_package.edition == "3rd"
