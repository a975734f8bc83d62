"""正文 as an uploaded DOCX: its paragraphs (and table rows) in reading order become the next version,
the file is kept beside it; what is not a readable DOCX is refused and nothing is written."""

from __future__ import annotations

import io

import docx
import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.documents.models import BodyVersion
from tests.documents.flow.test_exchange import _client
from tests.documents.flow.test_outgoing import _draft


def _docx(*paragraphs, table=None) -> bytes:
    made = docx.Document()
    for text in paragraphs[:1]:
        made.add_paragraph(text)
    if table:
        grid = made.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for text in paragraphs[1:]:
        made.add_paragraph(text)
    made.add_paragraph("   ")  # an empty paragraph is not a line
    out = io.BytesIO()
    made.save(out)
    return out.getvalue()


def test_an_uploaded_docx_becomes_the_next_version_and_is_kept(app, bureau):
    document = _draft(bureau)
    content = _docx("各区县教育局：", "一、加强安全教育。", table=[["时间", "内容"], ["1月10日", "安全教育"]])
    client = _client(app, bureau.drafter)
    response = client.post(f"/documents/{document.id}/body", content_type="multipart/form-data",
                           data={"docx": (io.BytesIO(content), "寒假安全通知.docx"), "note": "按会议意见修改"})
    assert response.status_code == 302
    version = db.session.scalars(sa.select(BodyVersion).order_by(BodyVersion.number.desc())).first()
    assert version.number == 2 and version.note == "按会议意见修改"
    assert version.text.split("\n") == ["各区县教育局：", "时间 内容", "1月10日 安全教育", "一、加强安全教育。"]
    source = client.get(f"/documents/{document.id}/versions/2/source.docx")
    assert source.status_code == 200 and source.get_data() == content
    assert client.get(f"/documents/{document.id}/versions/1/source.docx").status_code == 404
    # the same file again adds no version and keeps no second copy
    files = db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))
    client.post(f"/documents/{document.id}/body", content_type="multipart/form-data",
                data={"docx": (io.BytesIO(content), "寒假安全通知.docx")})
    assert len(document.versions) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == files


def test_what_is_not_a_docx_is_refused_and_nothing_is_written(app, bureau, api):
    document = _draft(bureau)
    headers = api(bureau.drafter)
    for name, content, code in (("正文.docx", b"PK\x03\x04" + b"\x00" * 100, None),
                                ("正文.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, None),
                                ("空白.docx", _docx("   "), "empty_docx")):
        response = app.test_client().post(f"/api/v1/documents/{document.id}/body", headers=headers,
                                          content_type="multipart/form-data",
                                          data={"file": (io.BytesIO(content), name)})
        assert response.status_code in (400, 415, 422), (name, response.get_json())
        assert response.get_json()["error"]["message"]
        if code:
            assert response.get_json()["error"]["code"] == code
    assert [v.number for v in document.versions] == [1]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile).where(
        StoredFile.key.like("documents/bodies%"))) == 0


def test_the_api_takes_a_docx_from_the_step_holder_only(app, bureau, api, client):
    document = _draft(bureau)
    content = _docx("各区县教育局：", "请做好寒假安全工作。")
    refused = client.post(f"/api/v1/documents/{document.id}/body", headers=api(bureau.head),
                          content_type="multipart/form-data", data={"file": (io.BytesIO(content), "a.docx")})
    assert refused.status_code == 403
    assert refused.get_json()["error"] == {"code": "forbidden", "message": "当前环节您不能修改正文"}
    assert [v.number for v in document.versions] == [1]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile).where(
        StoredFile.key.like("documents/bodies%"))) == 0
    made = client.post(f"/api/v1/documents/{document.id}/body", headers=api(bureau.drafter),
                       content_type="multipart/form-data", data={"file": (io.BytesIO(content), "a.docx")})
    assert made.status_code == 201
    assert made.get_json()["number"] == 2
    db.session.expire_all()
    latest = max(document.versions, key=lambda v: v.number)
    assert (latest.number, latest.text.split("\n")) == (2, ["各区县教育局：", "请做好寒假安全工作。"])
    assert latest.author_id == bureau.drafter.id
