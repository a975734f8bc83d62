"""The documents API: 发文 (draft, elements, 正文 versions and their difference, the sealed PDF,
知悉范围), and verification of a sealed PDF (open to anyone, like the page). The receiving side
(公文交换, 收文登记, 传阅, 答复, 督办) is in ``api_receiving``, on this blueprint.

Steps are taken through the engine's API (``/api/v1/instances/<instance_id>/transitions/<key>``): a
document carries its ``instance_id``; the engine's hook does the document's part of each step.
"""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.accounts.models import User
from eduplatform.core.api import load_args, load_form, load_json, paginated
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.documents.api_base import bp
from eduplatform.documents.api_base import dump_document as _dump
from eduplatform.documents.schemas import (
    BodySchema,
    BodyUploadSchema,
    BodyVersionSchema,
    DiffArgsSchema,
    DocumentSearchArgsSchema,
    DocumentSearchSchema,
    DraftSchema,
    ElementsSchema,
    GrantSchema,
    VerificationSchema,
)
from eduplatform.documents.services import access, exchange, outgoing
from eduplatform.documents.services.body import diff_versions
from eduplatform.documents.services.search import search_documents
from eduplatform.documents.verification import verify_upload


@bp.post("/documents/verify")
def verify_document():
    """Verify the electronic seal (PAdES signature) of a PDF; no login needed.
    ---
    post:
      security: []
      requestBody:
        content:
          multipart/form-data:
            schema: {$ref: '#/components/schemas/FileUpload'}
      responses:
        200:
          content:
            application/json:
              schema: VerificationSchema
    """
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    digest, report = verify_upload(request.files.get("file"), actor)
    db.session.commit()
    return VerificationSchema().dump({"sha256": digest, "report": report})


@bp.get("/documents")
@login_required
def list_documents():
    """The documents I may read (密级: only those), newest first.
    ---
    get:
      responses:
        200:
          description: "{items: [document], page, per_page, total, pages}"
    """
    require(exchange.handles_documents(current_user), action="documents.read")
    return paginated(access.visible_query(current_user), lambda d: _dump(d, full=False))


@bp.get("/documents/search")
@login_required
def search_documents_api():
    """Full-text search of the documents I may read (密级: only those are found, counted or quoted).
    ---
    get:
      parameters:
        - {in: query, schema: DocumentSearchArgsSchema}
      responses:
        200:
          content:
            application/json:
              schema: DocumentSearchSchema
    """
    require(exchange.handles_documents(current_user), action="documents.read")
    args = load_args(DocumentSearchArgsSchema())
    found = search_documents(current_user, args["q"], direction=args["direction"], doctype=args["doctype"],
                             year=args["year"], page=args["page"])
    items = [{**{c: getattr(h.document, c) for c in ("id", "direction", "doctype", "state", "title", "doc_number",
                                                     "receipt_number", "source_org_name", "secrecy", "urgency")},
              "title_html": h.title_html, "snippet_html": h.snippet_html, "score": h.score} for h in found.hits]
    return DocumentSearchSchema().dump({
        "items": items, "total": found.total, "page": found.results.page, "per_page": found.results.per_page,
        "pages": found.results.pages,
        "facets": {name: [{"value": v, "label": label, "count": c} for v, label, c in counts]
                   for name, counts in found.facets.items()}})


@bp.post("/documents")
@login_required
def create_document():
    """拟稿: a new 发文 of my bureau; its flow starts at 拟稿.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: DraftSchema
      responses:
        201:
          content:
            application/json:
              schema: DocumentSchema
    """
    data = load_json(DraftSchema())
    flow = {"reviewer": data.pop("reviewer_id"), "cosign_departments": data.pop("cosign_department_ids")}
    body = data.pop("body")
    document = outgoing.draft(current_user, elements=data, body=body, flow={k: v for k, v in flow.items() if v})
    db.session.commit()
    return _dump(document), 201


@bp.get("/documents/<int:document_id>")
@login_required
def get_document(document_id):
    """One document with its elements and 正文 versions (404 if I may not read it).
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: DocumentSchema
    """
    return _dump(access.get_readable(document_id, current_user))


@bp.patch("/documents/<int:document_id>")
@login_required
def update_document(document_id):
    """Change elements, by whoever holds a step that allows it (拟稿, 核稿, 复核, 登记).
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: ElementsSchema
      responses:
        200:
          content:
            application/json:
              schema: DocumentSchema
    """
    document = access.get_readable(document_id, current_user)
    outgoing.edit_elements(document, actor=current_user, changes=load_json(ElementsSchema(), partial=True))
    db.session.commit()
    return _dump(document)


@bp.post("/documents/<int:document_id>/body")
@login_required
def add_body_version(document_id):
    """Save the 正文 as its next version (拟稿, 核稿, 签发, 复核; refused after 清稿): the text as JSON,
    or an uploaded DOCX (multipart, the file ``file``) whose paragraphs become the text.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: BodySchema
          multipart/form-data:
            schema:
              allOf:
                - {$ref: '#/components/schemas/FileUpload'}
                - {type: object, properties: {note: {type: string, maxLength: 200, description: 修改说明}}}
      responses:
        201:
          content:
            application/json:
              schema: BodyVersionSchema
    """
    document = access.get_readable(document_id, current_user)
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        version = outgoing.edit_body_from_docx(document, upload, actor=current_user,
                                               note=load_form(BodyUploadSchema(), empty_is_none=True).get("note"))
    else:
        data = load_json(BodySchema())
        version = outgoing.edit_body(document, actor=current_user, text=data["text"], note=data.get("note"))
    db.session.commit()
    return BodyVersionSchema().dump(version), 201


@bp.get("/documents/<int:document_id>/versions/<int:number>")
@login_required
def get_body_version(document_id, number):
    """One 正文 version's text."""
    document = access.get_readable(document_id, current_user)
    version = next((v for v in document.versions if v.number == number), None)
    if version is None:
        raise NotFound("没有这一稿")
    return {**BodyVersionSchema().dump(version), "text": version.text}


@bp.get("/documents/<int:document_id>/diff")
@login_required
def diff_document(document_id):
    """痕迹: two versions compared paragraph by paragraph, changed characters marked.
    ---
    get:
      parameters:
        - {in: query, schema: DiffArgsSchema}
      responses:
        200:
          description: "{rows: [{kind: equal|replace|delete|insert, left: [[changed, text]], right: …}]}"
    """
    document = access.get_readable(document_id, current_user)
    args = load_args(DiffArgsSchema())
    by_number = {v.number: v for v in document.versions}
    if args["a"] not in by_number or args["b"] not in by_number:
        raise NotFound("没有这一稿")
    rows = diff_versions(by_number[args["a"]].text, by_number[args["b"]].text)
    return {"rows": [{"kind": r.kind, "left": [list(p) for p in r.left], "right": [list(p) for p in r.right]}
                     for r in rows]}


@bp.get("/documents/<int:document_id>/sealed.pdf")
@login_required
def get_sealed_pdf(document_id):
    """The sealed, signed PDF (after 用印).
    ---
    get:
      responses:
        200:
          content:
            application/pdf: {}
    """
    document = access.get_readable(document_id, current_user)
    stored = outgoing.sealed_file(document)
    if stored is None:
        raise NotFound("该公文尚未用印")
    return stored.send()


@bp.post("/documents/<int:document_id>/grants")
@login_required
def grant_document_access(document_id):
    """Let one more person read the document (a leader of the issuing unit, with a reason).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: GrantSchema
      responses:
        201:
          description: "{document_id, user_id, reason}"
    """
    document = access.get_readable(document_id, current_user)
    data = load_json(GrantSchema())
    user = db.session.get(User, data["user_id"])
    if user is None:
        raise NotFound("用户不存在")
    grant = access.grant_access(document, user, actor=current_user, reason=data["reason"])
    db.session.commit()
    return {"document_id": grant.document_id, "user_id": grant.user_id, "reason": grant.reason}, 201


from eduplatform.documents import (
    api_receiving,  # noqa: F401 - its routes are on this blueprint
    archive_api,  # noqa: F401 - the 归档 routes, on this blueprint
)
