"""REST API of the resource library under /api/v1."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import (
    json_body,
    load_json,
    make_api_blueprint,
    page_args,
    page_envelope,
    paginated,
    register_openapi_hook,
)
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import get_visible_or_404, require
from eduplatform.core.storage.serving import begins_download
from eduplatform.resources import packages, permissions, publicity, removal, review, services
from eduplatform.resources.models import Comment, Resource
from eduplatform.resources.processing import process_after_commit
from eduplatform.resources.schemas import (
    ApproveSchema,
    CommentCreateSchema,
    CommentSchema,
    ExportSchema,
    PublicDecisionSchema,
    RatingSchema,
    ResourceDetailSchema,
    ResourceSchema,
    ReturnSchema,
    ReviewStepSchema,
    VersionSchema,
    VisibilityChangeSchema,
)
from eduplatform.resources.search import FILTERS, SORTS, search_resources
from eduplatform.resources.specs import get_specs
from eduplatform.resources.upload import upload_from_request

bp = make_api_blueprint("resources_api", __name__)


def _visible(resource_id: int, action: str):
    """The resource; refused (403) with a message that gives no hint whether it exists."""
    return get_visible_or_404(Resource, resource_id, current_user, can=permissions.can_view_resource,
                              action=action, missing="资源不存在", message="资源不存在或无权查看")


# -- specs ---------------------------------------------------------------------------------------

@bp.get("/resource-specs")
@login_required
def list_specs():
    """Resource types with their metadata elements, accepted formats and quality rules.
    ---
    get:
      responses:
        200:
          description: "{items: [type]}, read from resource_specs/"
    """
    specs = get_specs()
    return {"items": [specs.describe(t) for t in specs.types.values()],
            "vocabularies": {code: [{"code": t.code, "label": t.label} for t in v.terms]
                             for code, v in specs.vocabularies.items()}}


@bp.get("/resource-specs/<code>")
@login_required
def get_spec(code):
    """One resource type's specification."""
    rtype = get_specs().get(code)
    if rtype is None:
        raise NotFound("资源类型不存在")
    return get_specs().describe(rtype)


def _openapi_components(spec, app) -> None:
    specs = app.extensions["resource_specs"]
    refs = []
    for code in specs.types:
        name = specs.schema_class(code).__name__.removesuffix("Schema")
        spec.components.schema(name, schema=specs.schema(code))
        refs.append({"$ref": f"#/components/schemas/{name}"})
    spec.components.schema("ResourceUpload", {
        "description": "multipart/form-data：元数据字段在前，文件（file）在最后；字段随资源类型（type）而定，"
                       "由 resource_specs/ 生成。词表字段可填代码或中文名称（如 junior 或 初中）。",
        "allOf": [
            {"$ref": "#/components/schemas/FileUpload"},
            {"type": "object", "required": ["type"], "properties": {
                "type": {"type": "string", "enum": list(specs.types)},
                "visibility": {"type": "string", "enum": ["public", "platform", "district", "school"]}}},
            {"oneOf": refs},
        ]})


register_openapi_hook(_openapi_components)


# -- upload, read, download ----------------------------------------------------------------------

@bp.post("/resources")
@login_required
def create_resource():
    """Upload a resource (multipart; the file part is `file`, metadata fields first).
    ---
    post:
      requestBody:
        content:
          multipart/form-data:
            schema: {$ref: '#/components/schemas/ResourceUpload'}
      responses:
        201:
          content:
            application/json:
              schema: ResourceDetailSchema
        409:
          description: 相同内容的资源已存在（error.fields.existing_id）
        413:
          description: 文件超过大小上限
        422:
          description: 元数据或文件不符合规范
    """
    require(permissions.can_upload_resource(current_user), action="resource.create")
    resource = services.create_from_upload(current_user, upload_from_request(request))
    db.session.commit()
    process_after_commit(resource)
    return ResourceDetailSchema().dump(resource), 201


@bp.get("/resources")
@login_required
def list_resources():
    """Search resources: `q`, facets (type, stage, subject, grade, format, org), a 教材章节 (`textbook`:
    a volume, chapter or section id of the 教材目录 — its sections' resources included), `sort`, pagination.
    ---
    get:
      parameters:
        - {name: q, in: query, schema: {type: string}, description: 中文关键词}
        - {name: type, in: query, schema: {type: string}}
        - {name: stage, in: query, schema: {type: string}}
        - {name: subject, in: query, schema: {type: string}}
        - {name: grade, in: query, schema: {type: string}}
        - {name: format, in: query, schema: {type: string}}
        - {name: org, in: query, schema: {type: string}}
        - {name: textbook, in: query, schema: {type: string}, description: "教材目录节点，如 pep-math-7a:3"}
        - {name: sort, in: query, schema: {type: string, enum: [relevance, newest, downloads, rating]}}
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200:
          description: "{items: [{resource, highlights, score}], facets, page, per_page, total, pages}"
    """
    page, per_page = page_args()
    sort = request.args.get("sort", "relevance")
    if sort not in SORTS:
        raise ValidationFailed("排序方式应为 relevance、newest、downloads 或 rating", fields={"sort": ["无效的排序"]})
    filters = {name: request.args.getlist(name) for name in FILTERS if request.args.getlist(name)}
    found = search_resources(current_user, q=request.args.get("q", ""), filters=filters, sort=sort,
                             page=page, per_page=per_page)
    return page_envelope(
        [{"resource": ResourceSchema().dump(h.resource), "highlights": h.highlights, "score": h.score}
         for h in found.hits],
        page=page, per_page=per_page, total=found.results.total, pages=found.results.pages,
        facets={name: [{"value": v, "label": label, "count": c} for v, label, c in counts]
                for name, counts in found.facets.items()})


@bp.get("/resources/mine")
@login_required
def my_resources():
    """My uploads with their review status."""
    return paginated(services.my_uploads(current_user), ResourceSchema())


@bp.get("/resources/review-queue")
@login_required
def review_queue():
    """Resources waiting for my review (school or district step)."""
    require(review.is_reviewer(current_user), action="resource.review_queue")
    return paginated(review.queue(current_user), ResourceSchema())


@bp.get("/resources/<int:resource_id>")
@login_required
def get_resource(resource_id):
    """One resource with its conformance report.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: ResourceDetailSchema
    """
    resource = _visible(resource_id, "resource.view")
    body = ResourceDetailSchema().dump(resource)
    body["actions"] = [a.code for a in review.available_actions(current_user, resource)]
    body["review_token"] = review.review_token(resource)
    return body


@bp.delete("/resources/<int:resource_id>")
@login_required
def delete_resource(resource_id):
    """Delete a resource that was never published (草稿 / 已退回): its owner only.
    Rows, every version's file and thumbnail and the search entry go; a running review is cancelled.
    ---
    delete:
      responses:
        200:
          description: "已删除（返回 deleted: true 与 id）"
        403:
          description: 不是上传者本人，或无权查看
        409:
          description: 已提交审核、已发布（或曾发布）、或正被课程课时使用（error.code not_deletable / resource_in_use）
    """
    resource = _visible(resource_id, "resource.delete")
    require(resource.owner_id == current_user.id, action="resource.delete", obj=resource,
            message="只有上传者本人可以删除资源")
    removal.delete_resource(current_user, resource)
    db.session.commit()
    return {"deleted": True, "id": resource_id}


@bp.get("/resources/<int:resource_id>/download")
@login_required
def download(resource_id):
    """The current file; answers `Range` with 206. `?inline=1` for preview (images, PDF, media)."""
    resource = _visible(resource_id, "resource.download")
    inline = request.args.get("inline") == "1"
    response = resource.version.file.send(inline=inline)
    if not inline and begins_download(response):
        services.record_download(resource, current_user)
        db.session.commit()
    return response


@bp.get("/resources/<int:resource_id>/versions")
@login_required
def list_versions(resource_id):
    """File versions (all for the owner and reviewers, the current one for others)."""
    resource = _visible(resource_id, "resource.versions")
    versions = resource.versions if permissions.can_download_old_versions(current_user, resource) \
        else [resource.version]
    return {"items": VersionSchema(many=True).dump(versions), "current": resource.current_version}


@bp.get("/resources/<int:resource_id>/versions/<int:number>/download")
@login_required
def download_version(resource_id, number):
    """An earlier file version (owner and reviewers)."""
    resource = _visible(resource_id, "resource.version_download")
    if number != resource.current_version:
        require(permissions.can_download_old_versions(current_user, resource), action="resource.version_download",
                obj=resource, message="只有上传者和审核人可以下载历史版本")
    return services.get_version(resource, number).file.send()


@bp.post("/resources/<int:resource_id>/versions")
@login_required
def replace_file(resource_id):
    """Replace the file: a new version; a published resource goes back to draft for review."""
    resource = _visible(resource_id, "resource.replace")
    require(permissions.can_edit_resource(current_user, resource), action="resource.replace", obj=resource)
    upload = upload_from_request(request)
    version = services.replace_file(current_user, resource, upload.file, note=upload.fields.get("note"))
    upload.finish()
    db.session.commit()
    process_after_commit(resource)
    return VersionSchema().dump(version), 201


@bp.patch("/resources/<int:resource_id>")
@login_required
def update_resource(resource_id):
    """Change the metadata of a draft or returned resource (JSON with the type's elements)."""
    resource = _visible(resource_id, "resource.update")
    require(permissions.can_edit_resource(current_user, resource), action="resource.update", obj=resource)
    data = json_body()
    rtype = services.resolve_type(resource.type)
    merged = {**resource.metadata_values(), **data}
    metadata = services.validate_metadata(rtype, _as_form(merged))
    visibility = services.parse_visibility(data.get("visibility"), default=resource.chosen_visibility)
    services.update_metadata(current_user, resource, metadata, visibility)
    db.session.commit()
    return ResourceDetailSchema().dump(resource)


def _as_form(values: dict) -> dict:
    return {k: v for k, v in values.items() if v not in (None, "", [])}


# -- review --------------------------------------------------------------------------------------

def _review_step(resource_id: int, action: str, allowed, act, schema=ReviewStepSchema):
    """Submit / approve: the optional body (``ReviewStepSchema``) carries the ``review_token`` read
    with the resource; a stale one is a 409 ``review_changed`` (someone acted first), not a 403."""
    resource = _visible(resource_id, action)
    body = load_json(schema()) if request.get_data() else {"review_token": None}
    review.check_unchanged(resource, body.pop("review_token"))
    require(allowed(current_user, resource), action=action, obj=resource)
    act(resource, current_user, **body)
    db.session.commit()
    return ResourceSchema().dump(resource)


@bp.post("/resources/<int:resource_id>/submit")
@login_required
def submit(resource_id):
    """Submit a draft (or a returned resource) for review.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReviewStepSchema
    """
    return _review_step(resource_id, "resource.submit", review.can_submit, review.submit)


@bp.post("/resources/<int:resource_id>/approve")
@login_required
def approve(resource_id):
    """Approve the current review step (school, then district). A resource asking for 向社会公开 needs
    ``public`` at the publishing step: "public" approves it, "platform" lowers it (``public_reason``).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ApproveSchema
    """
    return _review_step(resource_id, "resource.approve", review.can_approve, review.approve, ApproveSchema)


@bp.post("/resources/<int:resource_id>/visibility")
@login_required
def change_visibility(resource_id):
    """The owner changes a published resource's visibility: 向社会公开 is requested (reviewed again
    by the district), any lower choice applies at once.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: VisibilityChangeSchema
    """
    resource = _visible(resource_id, "resource.visibility")
    data = load_json(VisibilityChangeSchema())
    require(permissions.can_request_public(current_user, resource), action="resource.visibility", obj=resource,
            message="只有上传者可以更改已发布资源的可见范围")
    publicity.change_visibility(current_user, resource, services.parse_visibility(data["visibility"]))
    db.session.commit()
    return ResourceSchema().dump(resource)


@bp.post("/resources/<int:resource_id>/public-decision")
@login_required
def decide_public(resource_id):
    """A district reviewer approves a published resource's 向社会公开 request (``public``: "public") or
    lowers it to 全平台 (``public``: "platform", ``reason`` required).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: PublicDecisionSchema
    """
    resource = _visible(resource_id, "resource.public_decision")
    data = load_json(PublicDecisionSchema())
    require(permissions.can_decide_public(current_user, resource), action="resource.public_decision",
            obj=resource, message="您不是该资源向社会公开申请的审核人")
    publicity.decide(current_user, resource, data["public"], data["reason"])
    db.session.commit()
    return ResourceSchema().dump(resource)


@bp.post("/resources/<int:resource_id>/return")
@login_required
def return_resource(resource_id):
    """Return the resource to its owner with a reason.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReturnSchema
    """
    resource = _visible(resource_id, "resource.return")
    data = load_json(ReturnSchema())
    review.check_unchanged(resource, data["review_token"])
    require(review.can_return(current_user, resource), action="resource.return", obj=resource)
    review.return_resource(resource, current_user, data["reason"])
    db.session.commit()
    return ResourceSchema().dump(resource)


@bp.get("/resources/<int:resource_id>/history")
@login_required
def history(resource_id):
    """The review steps of a resource (the transitions of its review process's event flow)."""
    resource = _visible(resource_id, "resource.history")
    return {"items": [{"action": s.action, "label": s.action_label, "from": s.from_state.value,
                       "to": s.to_state.value, "actor": s.actor_name, "reason": s.reason,
                       "at": s.created_at.isoformat()} for s in review.history(resource)]}


# -- favourites, ratings, comments ---------------------------------------------------------------

@bp.put("/resources/<int:resource_id>/favourite")
@login_required
def add_favourite(resource_id):
    """Add to my favourites (收藏)."""
    resource = _visible(resource_id, "resource.favourite")
    services.set_favourite(current_user, resource, True)
    db.session.commit()
    return {"favourite": True, "favourite_count": resource.favourite_count}


@bp.delete("/resources/<int:resource_id>/favourite")
@login_required
def remove_favourite(resource_id):
    """Remove from my favourites."""
    resource = _visible(resource_id, "resource.favourite")
    services.set_favourite(current_user, resource, False)
    db.session.commit()
    return {"favourite": False, "favourite_count": resource.favourite_count}


@bp.put("/resources/<int:resource_id>/rating")
@login_required
def rate(resource_id):
    """Rate 1–5 stars (one rating per user; rating again replaces it).
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: RatingSchema
    """
    resource = _visible(resource_id, "resource.rate")
    data = load_json(RatingSchema())
    services.rate(current_user, resource, data["stars"])
    db.session.commit()
    return {"stars": data["stars"], "rating_avg": resource.rating_avg, "rating_count": resource.rating_count}


@bp.get("/resources/<int:resource_id>/comments")
@login_required
def list_comments(resource_id):
    """Comments, newest first."""
    resource = _visible(resource_id, "resource.comments")
    return {"items": CommentSchema(many=True).dump(services.comments_of(resource))}


@bp.post("/resources/<int:resource_id>/comments")
@login_required
def add_comment(resource_id):
    """Comment on a published resource.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: CommentCreateSchema
    """
    resource = _visible(resource_id, "resource.comment")
    data = load_json(CommentCreateSchema())
    comment = services.add_comment(current_user, resource, data["body"])
    db.session.commit()
    return CommentSchema().dump(comment), 201


@bp.delete("/resources/comments/<int:comment_id>")
@login_required
def delete_comment(comment_id):
    """Delete my comment (or, as a reviewer, any comment on resources I review)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise NotFound("评论不存在")
    _visible(comment.resource_id, "resource.comment_delete")
    services.delete_comment(current_user, comment)
    db.session.commit()
    return {"deleted": True}


# -- offline packages ----------------------------------------------------------------------------

@bp.post("/resource-packages/export")
@login_required
def export_package():
    """Export published resources as an offline package (ZIP: manifest.json + files).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ExportSchema
      responses:
        200:
          description: application/zip
    """
    require(permissions.can_manage_packages(current_user), action="resource.package_export")
    data = load_json(ExportSchema())
    ids = data["ids"] or packages.collection_ids(current_user, data["collection"] or {})
    path, count = packages.export_package(current_user, ids)
    db.session.commit()
    return packages.send_package(path, count)


@bp.post("/resource-packages/import")
@login_required
def import_package():
    """Import an offline package (multipart `file`); verified whole before anything is written.
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
                    visibility: {type: string, enum: [platform, district, school]}
      responses:
        201:
          description: "{imported, skipped, resources: [id]}"
        422:
          description: 离线包被拒绝（校验和、路径、压缩炸弹、未知类型……），error.message 说明原因
    """
    require(permissions.can_manage_packages(current_user), action="resource.package_import")
    result = packages.import_from_request(current_user, request)
    db.session.commit()
    for resource in result.created:
        process_after_commit(resource)
    return {"imported": len(result.created), "skipped": result.skipped,
            "resources": [r.id for r in result.created]}, 201
