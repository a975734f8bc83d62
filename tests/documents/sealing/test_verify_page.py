"""The verification page and API: open to anyone, Chinese verdicts, audited, nothing stored."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.documents.sealing import SealBox, seal_pdf


@pytest.fixture
def trusting_app(app, pki, monkeypatch):
    monkeypatch.setitem(app.config, "DOC_TRUST_ROOTS", str(pki / "roots"))
    return app


@pytest.fixture(scope="module")
def sealed(plain_pdf, credentials, seal_png) -> bytes:
    return seal_pdf(plain_pdf, credentials=credentials, seal_png=seal_png, box=SealBox(0, 120, 60))


def _send(client, url, data: bytes, name="公文.pdf"):
    return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _entries():
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "seal.verified")).all()


def test_the_page_opens_without_login(client):
    page = client.get("/documents/verify")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "公文签章验证" in text and 'name="file"' in text


def test_the_page_says_valid_with_signer(trusting_app, client, sealed):
    page = _send(client, "/documents/verify", sealed)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-verdict="valid"' in text and "示范市教育局" in text and "签名覆盖整个文件" in text
    (entry,) = _entries()
    assert entry.realm == "documents" and entry.actor_id is None and entry.data["verdict"] == "valid"


def test_the_page_says_modified_after_signing(trusting_app, client, sealed):
    tampered = bytearray(sealed)
    tampered[len(sealed) // 4] ^= 0x01
    text = _send(client, "/documents/verify", bytes(tampered)).get_data(as_text=True)
    assert 'data-verdict="modified"' in text and "签名后被修改" in text and "签名后被改动" in text


def test_without_trusted_roots_the_seal_is_untrusted(client, sealed):
    text = _send(client, "/documents/verify", sealed).get_data(as_text=True)
    assert 'data-verdict="untrusted"' in text and "证书不受信任" in text


def test_the_page_refuses_what_is_not_a_pdf(client):
    page = _send(client, "/documents/verify", b"just text", name="note.txt")
    assert page.status_code == 422
    assert "不支持的文件类型" in page.get_data(as_text=True)
    assert _entries() == []


def test_the_api_answers_json_for_anyone(trusting_app, client, sealed, plain_pdf):
    body = _send(client, "/api/v1/documents/verify", sealed).get_json()
    assert body["report"]["verdict"] == "valid" and body["report"]["label"].startswith("有效")
    (signature,) = body["report"]["signatures"]
    assert signature["signer"] == "示范市教育局" and signature["entire_file"] is True
    assert len(body["sha256"]) == 64
    assert _send(client, "/api/v1/documents/verify", plain_pdf).get_json()["report"]["verdict"] == "unsigned"


def test_the_api_refusal_is_chinese_json(client):
    answer = client.post("/api/v1/documents/verify", data={}, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert answer.get_json()["error"]["message"] == "请选择要验证的 PDF 文件"


def test_the_api_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/documents/verify"]["post"]
    assert operation["security"] == []
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Verification"}
    assert "sha256" in spec["components"]["schemas"]["Verification"]["properties"]
