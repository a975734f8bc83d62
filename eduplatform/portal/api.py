"""The portal's JSON API: published articles for anyone (no login), and drafting for bureau staff."""

from __future__ import annotations

from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate

from eduplatform.core.api import load_args, load_json, make_api_blueprint, paginated
from eduplatform.core.errors import AppError, NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.portal import permissions
from eduplatform.portal.models import Article, ArticleState
from eduplatform.portal.schemas import ArticleCreateSchema, ArticleOutSchema, ArticleStaffOutSchema
from eduplatform.portal.services import columns, content

bp = make_api_blueprint("portal_api", __name__)


@bp.before_request
def _columns_in_step():
    if columns.ensure_synced():
        db.session.commit()


class ArticleListArgsSchema(Schema):
    column = fields.String(load_default=None, metadata={"description": "栏目标识（含其子栏目），如 notices"})
    status = fields.String(load_default=None, validate=validate.OneOf(list(content.DEADLINE_FILTERS)),
                           metadata={"description": "采购招标：open 进行中（投标截止时间未到）/ closed 已截止"})
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=20)


@bp.get("/portal/articles")
def list_articles():
    """Published articles of the public site, newest first; no login needed.
    ---
    get:
      security: []
      parameters:
        - {in: query, schema: ArticleListArgsSchema}
      responses:
        200:
          description: "{items: [article], page, per_page, total, pages}"
    """
    args = load_args(ArticleListArgsSchema())
    column = columns.column_by_key(args["column"]) if args["column"] else None
    return paginated(content.by_deadline(content.public_query(column), args["status"]),
                     ArticleOutSchema(exclude=("body",)))


@bp.get("/portal/articles/<int:article_id>")
def get_article(article_id):
    """One published article with its 索引号 and 效力状态; 410 once withdrawn, 404 before publication.
    ---
    get:
      security: []
      responses:
        200:
          content:
            application/json:
              schema: ArticleOutSchema
    """
    article = db.session.get(Article, article_id)
    if article is not None and article.state == ArticleState.WITHDRAWN and article.published_at is not None:
        raise AppError("该信息已由发布机构撤回，不再公开", code="gone", status=410)
    if article is None or not article.is_public:
        raise NotFound("信息不存在")
    return ArticleOutSchema().dump(article)


@bp.post("/portal/articles")
@login_required
def create_article():
    """起草: a draft of my bureau in a column; it starts the review (起草 → 审核 → 发布).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ArticleCreateSchema
      responses:
        201:
          content:
            application/json:
              schema: ArticleStaffOutSchema
    """
    require(permissions.is_portal_staff(current_user), action="portal.article.create",
            message="只有教育局（含其科室）的工作人员可以起草门户信息")
    data = load_json(ArticleCreateSchema())
    column = columns.column_by_key(data.pop("column"))
    article = content.create_article(current_user, column=column, data=data)
    db.session.commit()
    return ArticleStaffOutSchema().dump(article), 201
