"""HTML pages of the resource library (the same services as the API)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_form
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import csrf, db
from eduplatform.core.paging import page_number
from eduplatform.core.permissions import get_visible_or_404, require, visible_to
from eduplatform.core.storage.serving import begins_download
from eduplatform.resources import bp, packages, permissions, publicity, removal, review, services
from eduplatform.resources.models import Comment, Resource, ReviewState, Visibility
from eduplatform.resources.processing import PAGE_BREAK, process_after_commit
from eduplatform.resources.schemas import CommentCreateSchema, RatingSchema, ReturnSchema
from eduplatform.resources.search import FILTERS, SORT_LABELS, SORTS, search_resources
from eduplatform.resources.specs import get_specs
from eduplatform.resources.upload import upload_from_request
from eduplatform.resources.upload_views import check_csrf as _check_csrf
from eduplatform.resources.upload_views import form_context as _form_context
from eduplatform.resources.upload_views import form_values

PER_PAGE = 20


def _visible(resource_id: int, action: str):
    return get_visible_or_404(Resource, resource_id, current_user, can=permissions.can_view_resource,
                              action=action, missing="资源不存在", message="资源不存在或无权查看")


def _page_number() -> int:
    return page_number()


# -- home and search -----------------------------------------------------------------------------

@bp.get("/resources")
@login_required
def home():
    return render_template("resources/home.html", specs=get_specs(),
                           latest=services.latest(current_user, 8), popular=services.most_used(current_user, 8),
                           queue_size=_queue_size())


def _queue_size() -> int | None:
    if not review.is_reviewer(current_user):
        return None
    return db.session.scalar(db.select(db.func.count()).select_from(review.queue(current_user).subquery()))


@bp.get("/resources/search")
@login_required
def search():
    q = request.args.get("q", "").strip()
    sort = request.args.get("sort", "relevance")
    sort = sort if sort in SORTS else "relevance"
    filters = {name: request.args.get(name) for name in FILTERS if request.args.get(name)}
    found = search_resources(current_user, q=q, filters=filters, sort=sort, page=_page_number(), per_page=PER_PAGE)
    return render_template("resources/search.html", q=q, sort=sort, sort_labels=SORT_LABELS, filters=filters,
                           found=found, specs=get_specs(),
                           facet_titles={"type": "资源类型", "stage": "学段", "subject": "学科", "grade": "年级",
                                         "format": "格式", "org": "上传单位"})


# -- upload and edit -----------------------------------------------------------------------------

@bp.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@login_required
def edit(resource_id):
    resource = _visible(resource_id, "resource.update")
    require(permissions.can_edit_resource(current_user, resource) and resource.state != ReviewState.PUBLISHED,
            action="resource.update", obj=resource, message="只能修改自己的草稿或被退回的资源")
    rtype = services.resolve_type(resource.type)
    if request.method == "POST":
        try:
            metadata = services.validate_metadata(rtype, request.form)
            visibility = services.parse_visibility(request.form.get("visibility"), resource.chosen_visibility)
            services.update_metadata(current_user, resource, metadata, visibility)
        except ValidationFailed as exc:
            db.session.rollback()
            return render_template("resources/edit.html", resource=resource, message=exc.message,
                                   **_form_context(rtype, form_values(request.form), exc.fields,
                                                   request.form.get("visibility"))), 422
        db.session.commit()
        flash("资源信息已保存", "success")
        return redirect(url_for("resources.detail", resource_id=resource.id))
    values = resource.metadata_values()
    return render_template("resources/edit.html", resource=resource,
                           **_form_context(rtype, values, visibility=resource.chosen_visibility.value))


@csrf.exempt
@bp.post("/resources/<int:resource_id>/replace")
@login_required
def replace(resource_id):
    resource = _visible(resource_id, "resource.replace")
    require(permissions.can_edit_resource(current_user, resource), action="resource.replace", obj=resource)
    incoming = upload_from_request(request)
    _check_csrf(incoming.fields.get("csrf_token"))
    version = services.replace_file(current_user, resource, incoming.file, note=incoming.fields.get("note"))
    incoming.finish()
    db.session.commit()
    process_after_commit(resource)
    flash(f"已上传新版本 {version.number}" + ("，资源需重新提交审核" if resource.state == ReviewState.DRAFT else ""),
          "success")
    return redirect(url_for("resources.detail", resource_id=resource.id))


# -- detail, preview, files ----------------------------------------------------------------------

@bp.get("/resources/<int:resource_id>")
@login_required
def detail(resource_id):
    resource = _visible(resource_id, "resource.view")
    specs = get_specs()
    version = resource.version
    term = specs.format_term(resource.format)
    pages = [p for p in (version.extracted_text or "").split(PAGE_BREAK)] if version else []
    review_link, review_tasks = _review_process(resource)
    return render_template(
        "resources/detail.html", resource=resource, version=version, specs=specs, rtype=specs.get(resource.type),
        media=term.attrs.get("media", "") if term else "", pages=[p for p in pages if p.strip()][:30],
        actions=review.available_actions(current_user, resource), review_token=review.review_token(resource),
        history=review.history(resource),
        review_link=review_link, review_tasks=review_tasks,
        comments=services.comments_of(resource), can_edit=permissions.can_edit_resource(current_user, resource),
        can_use=permissions.can_use_resource(current_user, resource),
        old_versions=permissions.can_download_old_versions(current_user, resource),
        favourite=services.is_favourite(current_user, resource), my_rating=services.my_rating(current_user, resource),
        can_delete_comment=lambda c: permissions.can_delete_comment(current_user, c, resource),
        can_delete=permissions.can_delete_resource(current_user, resource),
        can_change_visibility=permissions.can_request_public(current_user, resource),
        can_decide_public=permissions.can_decide_public(current_user, resource), visibilities=list(Visibility))


@bp.post("/resources/<int:resource_id>/delete")
@login_required
def delete(resource_id):
    resource = _visible(resource_id, "resource.delete")
    require(resource.owner_id == current_user.id, action="resource.delete", obj=resource,
            message="只有上传者本人可以删除资源")
    title = resource.title
    try:
        removal.delete_resource(current_user, resource)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("resources.detail", resource_id=resource_id))
    db.session.commit()
    flash(f"资源《{title}》已删除", "success")
    return redirect(url_for("resources.mine"))


def _review_process(resource):
    """The link to the resource's review on the process pages, and its open steps with a due date."""
    from eduplatform import workflow
    instance = workflow.instance_for(resource, review.PROCESS)
    if instance is None or not workflow.can_view_instance(current_user, instance):
        return None, []
    tasks = [t for t in workflow.current_tasks(instance) if t.is_open and t.due_at] if instance.is_active else []
    return url_for("workflow.instance_detail", instance_id=instance.id), tasks[:1]


@bp.get("/resources/<int:resource_id>/file")
@login_required
def file(resource_id):
    resource = _visible(resource_id, "resource.download")
    inline = request.args.get("inline") == "1"
    response = resource.version.file.send(inline=inline)
    if not inline and begins_download(response):
        services.record_download(resource, current_user)
        db.session.commit()
    return response


@bp.get("/resources/<int:resource_id>/versions/<int:number>/file")
@login_required
def version_file(resource_id, number):
    resource = _visible(resource_id, "resource.version_download")
    if number != resource.current_version:
        require(permissions.can_download_old_versions(current_user, resource), action="resource.version_download",
                obj=resource, message="只有上传者和审核人可以下载历史版本")
    return services.get_version(resource, number).file.send()


@bp.get("/resources/<int:resource_id>/thumbnail")
@login_required
def thumbnail(resource_id):
    resource = _visible(resource_id, "resource.view")
    version = resource.version
    if version is None or version.thumbnail is None:
        abort(404)
    return version.thumbnail.send(inline=True)


@bp.get("/resources/<int:resource_id>/pages/<int:number>")
@login_required
def preview_page(resource_id, number):
    """One page image of the current version's preview (a video's poster is page 1)."""
    resource = _visible(resource_id, "resource.view")
    stored = services.preview_page_file(resource.version, number)
    if stored is None:
        abort(404)
    return stored.send(inline=True)


# -- review --------------------------------------------------------------------------------------

@bp.post("/resources/<int:resource_id>/review")
@login_required
def review_action(resource_id):
    resource = _visible(resource_id, "resource.review")
    action = request.form.get("action")
    review.check_unchanged(resource, request.form.get("review_token"))  # someone else acted first: 409
    if action == "submit":
        require(review.can_submit(current_user, resource), action="resource.submit", obj=resource)
        review.submit(resource, current_user)
        message = "已提交审核"
    elif action == "approve":
        require(review.can_approve(current_user, resource), action="resource.approve", obj=resource)
        try:
            review.approve(resource, current_user, public=request.form.get("public"),
                           public_reason=request.form.get("public_reason"))
        except ValidationFailed as exc:  # 向社会公开 asked for: the decision is missing or has no reason
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("resources.detail", resource_id=resource_id))
        message = "已审核通过" + ("，资源已发布" if resource.state == ReviewState.PUBLISHED else "，转区县审核")
    elif action == "return":
        require(review.can_return(current_user, resource), action="resource.return", obj=resource)
        review.return_resource(resource, current_user, load_form(ReturnSchema())["reason"])
        message = "已退回上传者"
    else:
        abort(400)
    db.session.commit()
    flash(message, "success")
    if action in ("approve", "return") and request.form.get("next") == "queue":
        return redirect(url_for("resources.review_queue"))
    if request.form.get("next") == "home":  # from the workbench: back to it
        return redirect(url_for("home.index"))
    return redirect(url_for("resources.detail", resource_id=resource.id))


@bp.get("/resources/review")
@login_required
def review_queue():
    require(review.is_reviewer(current_user), action="resource.review_queue")
    page = db.paginate(review.queue(current_user), page=_page_number(), per_page=PER_PAGE, error_out=False)
    public_requests = list(db.session.scalars(publicity.pending_for(current_user).limit(50)))
    return render_template("resources/review_queue.html", page=page, specs=get_specs(),
                           tasks=review.queue_tasks(current_user, page.items), public_requests=public_requests)


@bp.post("/resources/<int:resource_id>/visibility")
@login_required
def change_visibility(resource_id):
    """The owner of a published resource: ask for 向社会公开, or lower its visibility at once."""
    resource = _visible(resource_id, "resource.visibility")
    require(permissions.can_request_public(current_user, resource), action="resource.visibility", obj=resource,
            message="只有上传者可以更改已发布资源的可见范围")
    try:
        outcome = publicity.change_visibility(current_user, resource,
                                              services.parse_visibility(request.form.get("visibility")))
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("resources.detail", resource_id=resource_id))
    db.session.commit()
    flash("已申请向社会公开，等待区县审核；审核前资源保持原可见范围" if outcome == "requested"
          else f"可见范围已改为“{resource.visibility.label}”", "success")
    return redirect(url_for("resources.detail", resource_id=resource.id))


@bp.post("/resources/<int:resource_id>/public-decision")
@login_required
def decide_public(resource_id):
    """A district reviewer decides on a published resource's 向社会公开 request."""
    resource = _visible(resource_id, "resource.public_decision")
    require(permissions.can_decide_public(current_user, resource), action="resource.public_decision",
            obj=resource, message="您不是该资源向社会公开申请的审核人")
    try:
        publicity.decide(current_user, resource, request.form.get("public"), request.form.get("public_reason"))
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("resources.detail", resource_id=resource_id))
    db.session.commit()
    flash("已同意向社会公开" if resource.visibility == Visibility.PUBLIC else "已降为全平台，理由已告知上传者",
          "success")
    if request.form.get("next") == "queue":
        return redirect(url_for("resources.review_queue"))
    return redirect(url_for("resources.detail", resource_id=resource.id))


# -- mine, favourites, social --------------------------------------------------------------------

@bp.get("/resources/mine")
@login_required
def mine():
    page = db.paginate(services.my_uploads(current_user), page=_page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("resources/list.html", page=page, specs=get_specs(), title="我的上传",
                           endpoint="resources.mine", show_state=True,
                           can_delete=lambda r: permissions.can_delete_resource(current_user, r))


@bp.get("/resources/favourites")
@login_required
def favourites():
    page = db.paginate(services.my_favourites(current_user), page=_page_number(), per_page=PER_PAGE,
                       error_out=False)
    return render_template("resources/list.html", page=page, specs=get_specs(), title="我的收藏",
                           endpoint="resources.favourites", show_state=False)


@bp.post("/resources/<int:resource_id>/favourite")
@login_required
def toggle_favourite(resource_id):
    resource = _visible(resource_id, "resource.favourite")
    on = request.form.get("on") == "1"
    services.set_favourite(current_user, resource, on)
    db.session.commit()
    flash("已收藏" if on else "已取消收藏", "success")
    return redirect(url_for("resources.detail", resource_id=resource.id))


@bp.post("/resources/<int:resource_id>/rate")
@login_required
def rate(resource_id):
    resource = _visible(resource_id, "resource.rate")
    services.rate(current_user, resource, load_form(RatingSchema())["stars"])
    db.session.commit()
    flash("评分已保存", "success")
    return redirect(url_for("resources.detail", resource_id=resource.id))


@bp.post("/resources/<int:resource_id>/comments")
@login_required
def comment(resource_id):
    resource = _visible(resource_id, "resource.comment")
    services.add_comment(current_user, resource, load_form(CommentCreateSchema())["body"])
    db.session.commit()
    flash("评论已发表", "success")
    return redirect(url_for("resources.detail", resource_id=resource.id) + "#comments")


@bp.post("/resources/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id):
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    resource = _visible(comment.resource_id, "resource.comment_delete")
    services.delete_comment(current_user, comment)
    db.session.commit()
    flash("评论已删除", "success")
    return redirect(url_for("resources.detail", resource_id=resource.id) + "#comments")


# -- offline packages ----------------------------------------------------------------------------

@bp.get("/resources/packages", endpoint="packages")
@login_required
def packages_page():
    require(permissions.can_manage_packages(current_user), action="resource.packages")
    query = visible_to(current_user, services.published_visible(current_user), org_column=Resource.org_id)
    page = db.paginate(query.order_by(db.text("resources.id DESC")), page=_page_number(), per_page=50,
                       error_out=False)
    return render_template("resources/packages.html", page=page, specs=get_specs(), visibilities=list(Visibility))


@bp.post("/resources/packages/export")
@login_required
def packages_export():
    require(permissions.can_manage_packages(current_user), action="resource.package_export")
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    path, count = packages.export_package(current_user, ids)
    db.session.commit()
    return packages.send_package(path, count)


@bp.post("/resources/packages/import")
@login_required
def packages_import():
    require(permissions.can_manage_packages(current_user), action="resource.package_import")
    try:
        result = packages.import_from_request(current_user, request)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("resources.packages"))
    db.session.commit()
    for resource in result.created:
        process_after_commit(resource)
    flash(f"导入完成：新增 {len(result.created)} 个资源，已存在跳过 {result.skipped} 个", "success")
    return redirect(url_for("resources.packages"))


from eduplatform.resources import oai_views, textbook_views, upload_views  # noqa: F401  (OAI-PMH; 同步资源; upload)
