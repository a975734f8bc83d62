"""Pages of the bank: browse and search, create and edit, versions, import, knowledge points."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_args
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.paging import page_number
from eduplatform.core.permissions import get_visible_or_404, require
from eduplatform.core.storage.inspect import UploadRefusals, inspect_upload
from eduplatform.questions import bp, knowledge, permissions, services, transfer
from eduplatform.questions.formats import FORMATS
from eduplatform.questions.models import Question
from eduplatform.questions.schemas import QuestionFilterArgsSchema
from eduplatform.questions.services import USAGE_LABELS, QuestionFilters
from eduplatform.questions.views.common import form_from_question, per_page, question_from_form


class SearchPage:
    """A search-service result shaped like Flask-SQLAlchemy's pagination for the shared macro."""

    def __init__(self, items, results, page):
        self.items, self.total, self.page = items, results.total, page
        self.pages = results.pages
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1

    def iter_pages(self):
        return range(1, self.pages + 1)


@bp.get("/")
@login_required
def question_list():
    require(permissions.is_author(current_user), action="question.list")
    f = QuestionFilters.from_args(load_args(QuestionFilterArgsSchema()))
    page_no = page_number()
    facets = {}
    if f.text:
        found, results = services.search_questions(current_user, f, page_no, per_page())
        page = SearchPage(found, results, page_no)
        facets = results.facet_counts
    else:
        page = db.paginate(services.filter_query(current_user, f), page=page_no, per_page=per_page(), error_out=False)
    subject = f.subject or "math"
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("questions/list.html", page=page, f=f, facets=facets, args=args,
                           kps=knowledge.flat_tree(subject), subject=subject, usage_labels=USAGE_LABELS,
                           formats=[x for x in FORMATS.values() if x.export])


@bp.get("/export")
@login_required
def question_export():
    """The list's export links: the file, or back to the list with the reason (never raw JSON)."""
    require(permissions.is_author(current_user), action="question.export")
    filters = QuestionFilters.from_args(load_args(QuestionFilterArgsSchema()))
    questions = transfer.export_selection(current_user, filters, None)
    try:
        body, filename, content_type = transfer.export_questions(current_user, questions,
                                                                 request.args.get("format", ""))
    except ValidationFailed as exc:
        flash(exc.message, "warning")
        return redirect(url_for("questions.question_list",
                                **{k: v for k, v in request.args.items() if k not in ("format", "page")}))
    db.session.commit()
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.route("/new", methods=["GET", "POST"])
@login_required
def question_new():
    require(permissions.can_create_question(current_user), action="question.create")
    values = {"type": request.args.get("type", "single"), "subject": "math", "difficulty": 3, "sharing": "org"}
    errors = {}
    if request.method == "POST":
        values = request.form.to_dict()
        values["knowledge_point_ids"] = [int(k) for k in request.form.getlist("knowledge_point_ids") if k.isdigit()]
        try:
            question = services.create_question(current_user, question_from_form(request.form))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields or {"form": [exc.message]}
        else:
            db.session.commit()
            flash("试题已保存", "success")
            return redirect(url_for("questions.question_detail", question_id=question.id))
    return render_template("questions/form.html", values=values, errors=errors, question=None,
                           kps=knowledge.flat_tree(values.get("subject") or "math"))


@bp.get("/<int:question_id>")
@login_required
def question_detail(question_id: int):
    question = get_visible_or_404(Question, question_id, current_user, can=permissions.can_view_question,
                                  action="question.view", missing="试题不存在")
    return render_template("questions/detail.html", q=question, versions=list(reversed(question.versions)))


@bp.route("/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def question_edit(question_id: int):
    question = get_visible_or_404(Question, question_id, current_user, can=permissions.can_edit_question,
                                  action="question.edit", missing="试题不存在")
    values, errors = form_from_question(question), {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            services.update_question(current_user, question, question_from_form(request.form))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields or {"form": [exc.message]}
        else:
            db.session.commit()
            flash(f"已保存为第 {question.version} 版；已组卷的试卷仍使用原来的版本", "success")
            return redirect(url_for("questions.question_detail", question_id=question.id))
    return render_template("questions/form.html", values=values, errors=errors, question=question,
                           kps=knowledge.flat_tree(question.subject))


@bp.post("/<int:question_id>/delete")
@login_required
def question_delete(question_id: int):
    question = get_visible_or_404(Question, question_id, current_user, can=permissions.can_edit_question,
                                  action="question.delete", missing="试题不存在")
    services.delete_question(current_user, question)
    db.session.commit()
    flash("试题已删除", "info")
    return redirect(url_for("questions.question_list"))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload():
    require(permissions.can_create_question(current_user), action="question.import")
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash("请选择要导入的文件", "danger")
            return redirect(url_for("questions.import_upload"))
        try:
            batch = transfer.preview_import(current_user, fmt=request.form.get("format", ""),
                                            filename=upload.filename, raw=upload.stream.read(transfer.MAX_IMPORT_BYTES + 1),
                                            options=request.form.to_dict())
        except ValidationFailed as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("questions.import_upload"))
        db.session.commit()
        return redirect(url_for("questions.import_preview", batch_id=batch.id))
    return render_template("questions/import.html", formats=[f for f in FORMATS.values() if f.parse],
                           category_uses=transfer.CATEGORY_USES)


@bp.route("/import/<int:batch_id>", methods=["GET", "POST"])
@login_required
def import_preview(batch_id: int):
    batch = transfer.get_batch(current_user, batch_id)
    if request.method == "POST":
        if request.form.get("action") == "discard":
            transfer.discard_import(current_user, batch)
            db.session.commit()
            flash("已放弃这次导入", "info")
            return redirect(url_for("questions.import_upload"))
        ids = transfer.confirm_import(current_user, batch)
        db.session.commit()
        flash(f"已导入 {len(ids)} 道试题", "success")
        return redirect(url_for("questions.question_list", mine=1))
    return render_template("questions/import_preview.html", batch=batch, summary=transfer.preview_summary(batch),
                           fmt=FORMATS[batch.format])


@bp.route("/knowledge-points", methods=["GET", "POST"])
@login_required
def knowledge_points():
    require(permissions.can_manage_knowledge_points(current_user), action="knowledge_point.list")
    subject = request.values.get("subject", "math")
    knowledge.check_subject(subject)
    if request.method == "POST":
        parent_id = request.form.get("parent_id", type=int)
        parent = knowledge.get_knowledge_point(parent_id) if parent_id else None
        try:
            knowledge.create_knowledge_point(current_user, subject=subject, name=request.form.get("name", ""),
                                             parent=parent)
        except ValidationFailed as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash("知识点已添加", "success")
        return redirect(url_for("questions.knowledge_points", subject=subject))
    return render_template("questions/knowledge_points.html", subject=subject, flat=knowledge.flat_tree(subject))




IMAGE_MAGIC = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif", b"RIFF": "image/webp"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
NOT_AN_IMAGE = "只能上传 PNG、JPEG、GIF 或 WebP 图片"


class ImageRefusals(UploadRefusals):
    def missing(self) -> Exception:
        return ValidationFailed(NOT_AN_IMAGE, fields={"file": ["不是图片"]})


@bp.post("/media")
@login_required
def media_upload():
    """Store an image for a stem or an option; answers the URL to put in an <img>."""
    from eduplatform.core.storage.services import store_file

    require(permissions.can_create_question(current_user), action="question.media")
    upload = inspect_upload(request.files.get("file"), refusals=ImageRefusals())
    head = upload.head
    kind = next((ct for magic, ct in IMAGE_MAGIC.items() if head.startswith(magic)), None)
    if kind is None or (kind == "image/webp" and head[8:12] != b"WEBP"):
        raise ValidationFailed(NOT_AN_IMAGE, fields={"file": ["不是图片"]})
    stored = store_file(upload.stream, prefix="question-media", filename=upload.filename, content_type=kind,
                        actor=current_user, max_size=MAX_IMAGE_BYTES)
    db.session.commit()
    return {"id": stored.id, "url": url_for("questions.media", file_id=stored.id)}, 201


@bp.get("/media/<int:file_id>")
@login_required
def media(file_id: int):
    """Question images, to those who may see a question, paper or exam showing them (see
    ``permissions.can_view_media``); only question media."""
    from flask import abort

    from eduplatform.core.storage.models import StoredFile

    stored = db.session.get(StoredFile, file_id)
    if stored is None or not stored.key.startswith("question-media/"):
        abort(404)
    require(permissions.can_view_media(current_user, stored), action="question.media.view", obj=stored)
    return stored.send(inline=True, cache="private, max-age=86400")
