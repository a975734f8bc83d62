"""Content management (信息发布): the staff of a publishing unit draft, review, publish, schedule,
withdraw and correct articles, and keep the 效力状态 of 政策文件. Thin: every rule is in
``services/content.py`` and ``permissions.py``; one commit per request, here."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from eduplatform import workflow
from eduplatform.core.api import load_args, load_form, uploaded_file
from eduplatform.core.extensions import db
from eduplatform.core.paging import page_number
from eduplatform.core.permissions import get_visible_or_404, require
from eduplatform.core.text.timeutil import local_input_value
from eduplatform.portal import bp, permissions
from eduplatform.portal.models import (
    VALIDITY_LABELS,
    Article,
    ArticleAttachment,
    ArticleState,
    ArticleVersion,
    Validity,
)
from eduplatform.portal.schemas import (
    ArticleFormSchema,
    ColumnFormSchema,
    ReasonSchema,
    ReviewFormSchema,
    ScheduleSchema,
    ValiditySchema,
)
from eduplatform.portal.services import columns, content
from eduplatform.portal.services.columns import KINDS

PER_PAGE = 20


class _ListArgs(Schema):
    state = fields.String(load_default=None)
    column = fields.String(load_default=None)


def _staff_unit():
    require(permissions.is_portal_staff(current_user), action="portal.manage")
    return permissions.publishing_unit(current_user)


def _article(article_id: int) -> Article:
    return get_visible_or_404(Article, article_id, current_user, can=permissions.can_manage_article,
                              action="portal.article.manage", missing="信息不存在")


@bp.get("/manage")
@login_required
def manage_index():
    """The column tree and the unit's articles by state."""
    unit = _staff_unit()
    args = load_args(_ListArgs())
    query = sa.select(Article).where(Article.org_id == unit.id)
    state = args["state"] if args["state"] in {s.value for s in ArticleState} else None
    if state:
        query = query.where(Article.state == ArticleState(state))
    column = None
    if args["column"]:
        column = columns.column_by_key(args["column"])
        query = query.where(Article.column_id.in_(column.subtree_ids()))
    counts = dict(db.session.execute(sa.select(Article.state, sa.func.count()).where(Article.org_id == unit.id)
                                     .group_by(Article.state)).all())
    page = db.paginate(query.order_by(Article.updated_at.desc(), Article.id.desc()), page=page_number(),
                       per_page=PER_PAGE, error_out=False)
    return render_template("portal/manage/index.html", unit=unit, page=page, state=state, column=column,
                           counts=counts, states=list(ArticleState), tree=columns.all_columns(), kinds=KINDS,
                           may_add_columns=permissions.can_manage_columns(current_user))


@bp.post("/manage/columns")
@login_required
def manage_add_column():
    require(permissions.can_manage_columns(current_user), action="portal.column.create",
            message="只有市教育局的工作人员可以新增栏目")
    data = load_form(ColumnFormSchema())
    column = columns.add_sub_column(columns.column_by_key(data["parent"]), actor=current_user, key=data["key"],
                                    name=data["name"], kind=data.get("kind") or None)
    db.session.commit()
    flash(f"已新增栏目「{column.name}」", "success")
    return redirect(url_for("portal.manage_index"))


@bp.route("/manage/new", methods=["GET", "POST"])
@login_required
def manage_new():
    unit = _staff_unit()
    require(permissions.can_draft_article(current_user, unit), action="portal.article.create")
    key = request.values.get("column") or "news"
    column = columns.column_by_key(key)
    if request.method == "POST":
        data = load_form(ArticleFormSchema(), empty_is_none=True)
        article = content.create_article(current_user, column=column, data=data)
        db.session.commit()
        flash("已保存草稿", "success")
        return redirect(url_for("portal.manage_article", article_id=article.id))
    return render_template("portal/manage/edit.html", article=None, column=column, tree=columns.all_columns(),
                           local_input_value=local_input_value)


@bp.get("/manage/articles/<int:article_id>")
@login_required
def manage_article(article_id):
    article = _article(article_id)
    policies = []
    if article.is_policy and permissions.can_withdraw_article(current_user, article):
        policies = list(db.session.scalars(sa.select(Article).where(
            Article.state == ArticleState.PUBLISHED, Article.id != article.id,
            Article.column_id.in_(article.column.top.subtree_ids())).order_by(Article.published_at.desc()).limit(100)))
    return render_template("portal/manage/article.html", article=article, perms=permissions,
                           instance=workflow.instance_for(article, content.PROCESS), policies=policies,
                           validity_labels=VALIDITY_LABELS, local_input_value=local_input_value,
                           can_review=permissions.can_review_article(current_user, article))


@bp.post("/manage/articles/<int:article_id>/edit")
@login_required
def manage_edit(article_id):
    article = _article(article_id)
    require(permissions.can_edit_article(current_user, article), action="portal.article.edit",
            obj=article, message="该信息当前不能由您修改")
    data = load_form(ArticleFormSchema(), empty_is_none=True)
    data.pop("publish_at", None)  # set with 定时发布
    content.update_article(article, current_user, data)
    db.session.commit()
    flash("已保存", "success")
    return redirect(url_for("portal.manage_article", article_id=article.id))


@bp.post("/manage/articles/<int:article_id>/attachments")
@login_required
def manage_add_attachment(article_id):
    article = _article(article_id)
    require(permissions.can_edit_article(current_user, article), action="portal.article.attach", obj=article,
            message="该信息当前不能由您添加附件")
    attachment = content.add_attachment(article, current_user, uploaded_file("请选择要上传的附件"))
    db.session.commit()
    flash(f"已添加附件 {attachment.file.filename}", "success")
    return redirect(url_for("portal.manage_article", article_id=article.id))


def _attachment(article: Article, attachment_id: int) -> ArticleAttachment:
    row = db.session.get(ArticleAttachment, attachment_id)
    if row is None or row.article_id != article.id:
        abort(404)
    return row


@bp.get("/manage/articles/<int:article_id>/attachments/<int:attachment_id>")
@login_required
def manage_attachment(article_id, attachment_id):
    """The staff's own copy of an attachment, in any state (the public one needs publication)."""
    return _attachment(_article(article_id), attachment_id).file.send()


@bp.post("/manage/articles/<int:article_id>/attachments/<int:attachment_id>/delete")
@login_required
def manage_remove_attachment(article_id, attachment_id):
    article = _article(article_id)
    content.remove_attachment(article, current_user, _attachment(article, attachment_id))
    db.session.commit()
    flash("已删除附件", "success")
    return redirect(url_for("portal.manage_article", article_id=article.id))


@bp.post("/manage/articles/<int:article_id>/submit")
@login_required
def manage_submit(article_id):
    article = _article(article_id)
    require(permissions.can_submit_article(current_user, article), action="portal.article.submit", obj=article,
            message="只有起草人可以提交草稿")
    content.submit_article(article, current_user)
    db.session.commit()
    flash("已提交审核", "success")
    return redirect(url_for("portal.manage_article", article_id=article.id))


@bp.post("/manage/articles/<int:article_id>/recall")
@login_required
def manage_recall(article_id):
    article = _article(article_id)
    require(permissions.can_recall_article(current_user, article), action="portal.article.recall", obj=article,
            message="只有起草人可以撤回审核中的信息")
    content.recall_article(article, current_user)
    db.session.commit()
    flash("已撤回修改，可以继续编辑", "success")
    return redirect(url_for("portal.manage_article", article_id=article.id))


@bp.post("/manage/articles/<int:article_id>/review")
@login_required
def manage_review(article_id):
    article = _article(article_id)
    require(permissions.can_review_article(current_user, article), action="portal.article.review", obj=article,
            message="只有发布机构的其他工作人员可以审核（不能审核自己起草的信息）")
    data = load_form(ReviewFormSchema(), empty_is_none=True)
    if data["action"] == "approve":
        content.approve_article(article, current_user, opinion=data.get("opinion"))
        message = "已发布" if article.state == ArticleState.PUBLISHED else "审核通过，将按定时发布时间发布"
    else:
        content.return_article(article, current_user, data.get("opinion") or "")
        message = "已退回起草人修改"
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("portal.manage_article", article_id=article.id))


@bp.post("/manage/articles/<int:article_id>/schedule")
@login_required
def manage_schedule(article_id):
    article = _article(article_id)
    data = load_form(ScheduleSchema(), empty_is_none=True)
    content.schedule(article, current_user, data.get("publish_at"))
    db.session.commit()
    flash("已设置定时发布时间" if data.get("publish_at") else "已取消定时发布", "success")
    return redirect(url_for("portal.manage_article", article_id=article.id))


@bp.post("/manage/articles/<int:article_id>/withdraw")
@login_required
def manage_withdraw(article_id):
    article = _article(article_id)
    data = load_form(ReasonSchema())
    content.withdraw(article, current_user, data["reason"])
    db.session.commit()
    flash("已撤回：公众已无法访问该信息", "success")
    return redirect(url_for("portal.manage_article", article_id=article.id))


@bp.post("/manage/articles/<int:article_id>/validity")
@login_required
def manage_validity(article_id):
    article = _article(article_id)
    data = load_form(ValiditySchema(), empty_is_none=True)
    replaced_by = None
    if data.get("replaced_by"):
        replaced_by = db.session.get(Article, data["replaced_by"])
    content.set_validity(article, current_user, Validity(data["validity"]), replaced_by=replaced_by,
                         note=data.get("note"))
    db.session.commit()
    flash("已更新效力状态", "success")
    return redirect(url_for("portal.manage_article", article_id=article.id))


@bp.get("/manage/articles/<int:article_id>/versions/<int:number>")
@login_required
def manage_version(article_id, number):
    article = _article(article_id)
    version = db.session.scalar(sa.select(ArticleVersion).where(ArticleVersion.article_id == article.id,
                                                                 ArticleVersion.number == number))
    if version is None:
        abort(404)
    previous = next((v for v in article.versions if v.number == number - 1), None)
    return render_template("portal/manage/version.html", article=article, version=version, previous=previous,
                           changes=content.version_changes(previous, version))
