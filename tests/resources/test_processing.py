"""Probes, quality rules, text extraction, thumbnails, and when a resource becomes searchable."""

from __future__ import annotations

import io

import pytest

from eduplatform.core.extensions import db
from eduplatform.core.jobs import Job, JobState, run_queued
from eduplatform.core.storage.probe import detect_encoding
from eduplatform.resources.cli import run_once
from eduplatform.resources.models import ProcessingState, Resource, ResourceVersion
from eduplatform.resources.processing import extract_text, html_to_text
from eduplatform.resources.search import search_resources
from tests.resources.conftest import make_docx, make_image, make_mp4, make_pdf, make_pptx, make_wav

IMAGE = {"type": "media_image", "title": "示意图", "description": "d", "stage": "primary", "subject": "science"}
AUDIO = {"type": "media_audio", "title": "朗读", "description": "d", "stage": "primary", "subject": "chinese"}
TEXT = {"type": "media_text", "title": "阅读材料", "description": "d", "stage": "primary", "subject": "chinese"}


def _report(response) -> dict:
    assert response.status_code == 201, response.get_json()
    return {item["rule"]: item["status"] for item in response.get_json()["conformance"]}


@pytest.mark.parametrize("kwargs,fmt,rule,status", [
    ({}, "PNG", "image_colors", "pass"),
    ({"colors": 16}, "GIF", "image_colors", "fail"),
    ({"mode": "L"}, "PNG", "image_grey_levels", "pass"),
    ({"mode": "1"}, "PNG", "image_grey_levels", "fail"),
    ({"size": (200, 150)}, "PNG", "image_min_size", "warning"),
])
def test_image_rules(upload, people, kwargs, fmt, rule, status):
    ext = fmt.lower()
    report = _report(upload(people.teacher_a1, data=IMAGE, file=(make_image(fmt=fmt, **kwargs), f"图.{ext}")))
    assert report[rule] == status


def test_audio_rules_warn_but_do_not_block(upload, people):
    response = upload(people.teacher_a1, data=AUDIO, file=(make_wav(rate=8000, channels=1, width=1), "朗读.wav"))
    report = _report(response)
    assert report["audio_sample_rate"] == "warning" and report["audio_bit_depth"] == "warning"
    assert report["audio_channels"] == "warning" and report["readable"] == "pass"
    assert response.get_json()["conformance_status"] == "warning"
    assert response.get_json()["media_info"]["sample_rate"] == 8000
    good = _report(upload(people.teacher_a1, data=AUDIO, file=(make_wav(), "好.wav")))
    assert set(good.values()) == {"pass"}


def test_video_probe_thumbnail_and_seekable_preview(client, backend, upload, people):
    response = upload(people.teacher_a1, data={**AUDIO, "type": "media_video", "title": "实验视频"},
                      file=(make_mp4(), "实验.mp4"))
    report = _report(response)
    body = response.get_json()
    assert body["media_info"]["width"] == 160 and body["media_info"]["fps"] == 10
    assert report["video_resolution"] == "warning" and report["video_frame_rate"] == "warning"
    assert report["video_has_audio"] == "n/a" and body["conformance_status"] == "warning"
    version = db.session.scalars(db.select(ResourceVersion)).one()
    assert version.thumbnail is not None  # first frame
    headers = upload.headers(people.teacher_a1)
    played = client.get(f"/api/v1/resources/{body['id']}/download?inline=1", headers={**headers, "Range": "bytes=0-99"})
    assert played.status_code == 206 and played.headers["Content-Type"] == "video/mp4"
    assert played.headers["Content-Disposition"].startswith("inline") and len(played.data) == 100


def test_text_encoding_rule(upload, people):
    gbk = "汉字采用国标编码的阅读材料。".encode("gbk") * 20
    assert _report(upload(people.teacher_a1, data=TEXT, file=(gbk, "国标.txt")))["text_encoding"] == "pass"
    assert detect_encoding(gbk) == "gb18030" and detect_encoding(b"plain") == "ascii"


def test_broken_file_fails_readable(upload, people):
    broken = b"%PDF-1.4\n" + b"garbage" * 100
    response = upload(people.teacher_a1, file=(broken, "坏.pdf"))
    assert _report(response)["readable"] == "fail" and response.get_json()["conformance_status"] == "fail"


def test_extraction_of_each_format():
    assert "抛物线" in extract_text("office", "pptx", io.BytesIO(make_pptx("二次函数|抛物线的顶点")))
    assert "教学目标" in extract_text("office", "docx", io.BytesIO(make_docx("教学目标：理解光合作用")))
    assert "Photosynthesis" in extract_text("pdf", "pdf", io.BytesIO(make_pdf("Photosynthesis lesson")))
    assert extract_text("text", "txt", io.BytesIO("春眠不觉晓".encode("gbk"))) == "春眠不觉晓"
    html = "<html><head><style>p{}</style><script>alert(1)</script></head><body><p>静夜思</p></body></html>"
    assert html_to_text(html) == "静夜思"


def test_thumbnails_for_images_and_pdf(upload, people, storage):
    image = upload(people.teacher_a1, data=IMAGE, file=(make_image(size=(800, 600)), "大图.png")).get_json()
    pdf = upload(people.teacher_a1, data={**TEXT, "type": "literature"}, file=(make_pdf(), "文献.pdf")).get_json()
    for body in (image, pdf):
        version = db.session.scalars(db.select(ResourceVersion).where(ResourceVersion.resource_id == body["id"])).one()
        assert version.processing_state == ProcessingState.DONE and version.thumbnail is not None
        data = b"".join(storage.open(version.thumbnail.key))
        from PIL import Image

        with Image.open(io.BytesIO(data)) as thumb:
            assert max(thumb.size) <= 320


def test_worker_mode_makes_slide_text_searchable_after_processing(app, upload, people, monkeypatch):
    monkeypatch.setitem(app.config, "RESOURCES_PROCESSING", "worker")
    response = upload(people.teacher_a1, file=(make_pptx("封面|只在幻灯片里出现的勾股定理证明"), "勾股.pptx"))
    assert response.status_code == 201 and response.get_json()["processing_state"] == "pending"
    owner = people.teacher_a1
    # Searchable by its metadata at once (row and object exist), by its slides once processed.
    assert search_resources(owner, q="二次函数").results.total == 1
    assert search_resources(owner, q="勾股定理证明").results.total == 0
    job = db.session.scalar(db.select(Job).where(Job.kind == "resources.process_version"))
    assert job.state == JobState.QUEUED and job.args == {"version_id": db.session.get(Resource, response.get_json()["id"]).version.id}
    assert run_queued() == {"done": 1}  # the upload's job (core.jobs), as a worker runs it
    assert search_resources(owner, q="勾股定理证明").results.total == 1
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.result == {"processed": 1, "state": "done"}
    assert run_once() == (0, 0)  # the periodic sweep finds nothing left


def test_the_sweep_processes_a_pending_version_no_job_was_queued_for(app, upload, people, monkeypatch):
    monkeypatch.setitem(app.config, "RESOURCES_PROCESSING", "worker")
    upload(people.teacher_a1, file=(make_pptx("封面|只在幻灯片里出现的勾股定理证明"), "勾股.pptx"))
    db.session.execute(db.delete(Job))  # e.g. a version written by the seed or a distribution sync
    db.session.commit()
    assert run_once() == (1, 0)
    assert search_resources(people.teacher_a1, q="勾股定理证明").results.total == 1


def test_never_searchable_before_commit(app, upload, people, monkeypatch):
    from eduplatform.resources import services

    def boom(*args, **kwargs):
        raise RuntimeError("after the object, before the commit")

    monkeypatch.setattr(services, "refuse_duplicate", boom)
    with pytest.raises(RuntimeError):
        upload(people.teacher_a1, file=(make_pptx("回滚的课件"), "x.pptx"))
    db.session.rollback()
    assert search_resources(people.teacher_a1, q="二次函数").results.total == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Resource)) == 0


def test_download_count_reaches_the_index_through_the_worker(client, upload, publish, people):
    rid = upload(people.teacher_a1).get_json()["id"]
    publish(rid)
    headers = upload.headers(people.teacher_b1)
    etag = client.get(f"/api/v1/resources/{rid}/download", headers=headers).headers["ETag"]
    client.get(f"/api/v1/resources/{rid}/download", headers={**headers, "Range": "bytes=10-20"})  # not counted
    revalidated = client.get(f"/api/v1/resources/{rid}/download", headers={**headers, "If-None-Match": etag})
    assert revalidated.status_code == 304 and revalidated.data == b""  # nothing sent: not counted
    client.get(f"/api/v1/resources/{rid}/download?inline=1", headers=headers)  # preview: not counted
    resource = db.session.get(Resource, rid)
    db.session.refresh(resource)
    assert resource.download_count == 1 and resource.index_stale
    assert run_once() == (0, 1)
    hit = search_resources(people.teacher_b1, q="", sort="downloads").results.hits[0]
    assert hit.object_id == str(rid)
