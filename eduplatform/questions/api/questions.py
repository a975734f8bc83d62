"""/api/v1/questions (CRUD, search, versions), /questions/import, /questions/export, /knowledge-points."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_json, page_args, page_envelope, paginated
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import get_visible_or_404, require
from eduplatform.questions import knowledge, permissions, services, transfer
from eduplatform.questions.api import bp
from eduplatform.questions.models import Question
from eduplatform.questions.schemas import (
    KnowledgePointInSchema,
    QuestionExportArgsSchema,
    QuestionFilterArgsSchema,
    QuestionInSchema,
    QuestionSchema,
    QuestionVersionSchema,
)
from eduplatform.questions.services import QuestionFilters


def filters_from_args() -> QuestionFilters:
    """The bank's filters from the query string; a bad value → 422."""
    return QuestionFilters.from_args(load_args(QuestionFilterArgsSchema()))


def load_question(question_id: int, *, edit: bool = False):
    return get_visible_or_404(Question, question_id, current_user, missing="试题不存在",
                              can=permissions.can_edit_question if edit else permissions.can_view_question,
                              action="question.edit" if edit else "question.view")


@bp.get("/questions")
@login_required
def list_questions():
    """Browse or search the bank: Chinese full text (`q`) and filters.
    ---
    get:
      parameters:
        - {in: query, schema: QuestionFilterArgsSchema}
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200:
          description: "{items, page, per_page, total, pages}；全文检索时另有 facets"
    """
    require(permissions.is_author(current_user), action="question.list")
    f = filters_from_args()
    if f.text:
        page, per_page = page_args()
        found, results = services.search_questions(current_user, f, page, per_page)
        return page_envelope(QuestionSchema().dump(found, many=True), page=page, per_page=per_page,
                             total=results.total, pages=results.pages,
                             facets={k: dict(v) for k, v in results.facet_counts.items()})
    return paginated(services.filter_query(current_user, f), QuestionSchema())


@bp.post("/questions")
@login_required
def create_question():
    """Create a question (version 1) in the caller's unit.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: QuestionInSchema
      responses:
        201:
          content:
            application/json:
              schema: QuestionSchema
    """
    require(permissions.can_create_question(current_user), action="question.create")
    data = load_json(QuestionInSchema())
    question = services.create_question(current_user, data)
    db.session.commit()
    return QuestionSchema().dump(question), 201


@bp.get("/questions/<int:question_id>")
@login_required
def get_question(question_id: int):
    """One question.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: QuestionSchema
    """
    return QuestionSchema().dump(load_question(question_id))


@bp.put("/questions/<int:question_id>")
@login_required
def update_question(question_id: int):
    """Edit a question; every change writes a new version (papers keep theirs).
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: QuestionInSchema
      responses:
        200:
          content:
            application/json:
              schema: QuestionSchema
    """
    question = load_question(question_id, edit=True)
    data = load_json(QuestionInSchema(), partial=True)
    services.update_question(current_user, question, data)
    db.session.commit()
    return QuestionSchema().dump(question)


@bp.delete("/questions/<int:question_id>")
@login_required
def delete_question(question_id: int):
    """Remove a question from the bank (papers and exams keep their versions).
    ---
    delete:
      responses:
        204:
          description: 已删除
    """
    question = load_question(question_id, edit=True)
    services.delete_question(current_user, question)
    db.session.commit()
    return "", 204


@bp.get("/questions/<int:question_id>/versions")
@login_required
def question_versions(question_id: int):
    """Every version of a question, oldest first.
    ---
    get:
      responses:
        200:
          description: "{items: [QuestionVersion]}"
    """
    question = load_question(question_id)
    return {"items": QuestionVersionSchema().dump(question.versions, many=True)}


@bp.post("/questions/import")
@login_required
def import_preview():
    """Upload a file for import: answers a preview with every problem; nothing is saved yet.
    ---
    post:
      requestBody:
        content:
          multipart/form-data:
            schema:
              allOf:
                - {$ref: '#/components/schemas/FileUpload'}
                - type: object
                  properties:
                    format: {type: string, enum: [gift, moodle_xml, aiken, qti, excel]}
                    subject: {type: string}
                    stage: {type: string}
                    grade: {type: string}
                    sharing: {type: string}
                    category_as: {type: string, enum: [knowledge_point, tag, ignore]}
      responses:
        201:
          description: "{id, status, summary, problems: [{line, number, message}], items}"
    """
    require(permissions.can_create_question(current_user), action="question.import")
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("请选择要导入的文件", fields={"file": ["缺少文件"]})
    raw = upload.stream.read(transfer.MAX_IMPORT_BYTES + 1)
    batch = transfer.preview_import(current_user, fmt=request.form.get("format", ""),
                                    filename=upload.filename or "upload", raw=raw, options=request.form.to_dict())
    db.session.commit()
    return batch_payload(batch), 201


def batch_payload(batch, with_items: bool = True) -> dict:
    body = {"id": batch.id, "format": batch.format, "filename": batch.filename, "status": batch.status.value,
            "summary": transfer.preview_summary(batch), "problems": batch.problems,
            "question_ids": batch.question_ids}
    if with_items:
        body["items"] = [{"number": i["number"], "line": i["line"], "type": i["type"], "stem": i["stem"],
                          "category": i.get("category", "")} for i in batch.items[:500]]
    return body


@bp.get("/questions/import/<int:batch_id>")
@login_required
def import_get(batch_id: int):
    """An import preview (only its uploader sees it).
    ---
    get:
      responses:
        200:
          description: 预览
    """
    return batch_payload(transfer.get_batch(current_user, batch_id))


@bp.post("/questions/import/<int:batch_id>/confirm")
@login_required
def import_confirm(batch_id: int):
    """Create the questions of a clean preview, all or none.
    ---
    post:
      responses:
        200:
          description: "{id, status: confirmed, question_ids}"
        409:
          description: 预览中有问题，或已确认/放弃
    """
    batch = transfer.get_batch(current_user, batch_id)
    transfer.confirm_import(current_user, batch)
    db.session.commit()
    return batch_payload(batch, with_items=False)


@bp.post("/questions/import/<int:batch_id>/discard")
@login_required
def import_discard(batch_id: int):
    """Drop a preview.
    ---
    post:
      responses:
        200:
          description: 已放弃
    """
    batch = transfer.get_batch(current_user, batch_id)
    transfer.discard_import(current_user, batch)
    db.session.commit()
    return batch_payload(batch, with_items=False)


@bp.get("/questions/export")
@login_required
def export():
    """Export questions (by `ids`, or the filters of the list) as GIFT, Moodle XML, QTI 2.1 or Excel.
    ---
    get:
      parameters:
        - {name: format, in: query, required: true, schema: {type: string, enum: [gift, moodle_xml, qti, excel]}}
        - {name: ids, in: query, schema: {type: string}, description: 逗号分隔的试题 id}
      responses:
        200:
          description: 文件
    """
    require(permissions.is_author(current_user), action="question.export")
    questions = export_selection()
    body, filename, content_type = transfer.export_questions(current_user, questions, request.args.get("format", ""))
    db.session.commit()
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def export_selection():
    return transfer.export_selection(current_user, filters_from_args(), load_args(QuestionExportArgsSchema())["ids"])


@bp.get("/questions/import/template.xlsx")
@login_required
def excel_template():
    """The Excel template with an example of every question type.
    ---
    get:
      responses:
        200:
          description: xlsx 文件
    """
    from eduplatform.questions.formats.excel import template

    return Response(template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=question-template.xlsx"})


@bp.get("/knowledge-points")
@login_required
def knowledge_points():
    """The knowledge-point tree of a subject.
    ---
    get:
      parameters:
        - {name: subject, in: query, required: true, schema: {type: string}}
      responses:
        200:
          description: "{items: [{id, name, code, children}]}"
    """
    require(permissions.is_author(current_user), action="knowledge_point.list")
    subject = knowledge.check_subject(request.args.get("subject"))

    def node(n):
        return {"id": n.kp.id, "name": n.kp.name, "code": n.kp.code, "children": [node(c) for c in n.children]}

    return {"items": [node(n) for n in knowledge.tree(subject)]}


@bp.post("/knowledge-points")
@login_required
def create_knowledge_point():
    """Add a knowledge point under a parent (or as a root) of a subject's tree.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: KnowledgePointInSchema
      responses:
        201:
          description: "{id, name, subject, parent_id}"
    """
    require(permissions.can_manage_knowledge_points(current_user), action="knowledge_point.create")
    data = load_json(KnowledgePointInSchema())
    parent = knowledge.get_knowledge_point(data["parent_id"]) if data["parent_id"] else None
    kp = knowledge.create_knowledge_point(current_user, subject=data["subject"], name=data["name"], parent=parent,
                                          code=data["code"])
    db.session.commit()
    return {"id": kp.id, "name": kp.name, "subject": kp.subject, "parent_id": kp.parent_id}, 201
