"""REST API of 校校通 distribution under /api/v1: channels and pushes for bureau staff (session or
bearer token), and the node endpoints a school node calls with its ``X-Node-Token``."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_json, make_api_blueprint, paginated
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.distribution import feed, permissions, services
from eduplatform.distribution.schemas import (
    ChannelCreateSchema,
    ChaseSchema,
    FeedArgsSchema,
    ItemsSchema,
    PushCreateSchema,
    TokenCreateSchema,
    channel_json,
    push_json,
)
from eduplatform.orgs.models import OrgUnit

bp = make_api_blueprint("distribution_api", __name__)


def _require_staff(action: str) -> None:
    require(permissions.can_view_distribution(current_user), action=action, message="无权使用校校通分发")


@bp.get("/distribution/channels")
@login_required
def list_channels():
    """Channels in my bureau's subtree.
    ---
    get:
      responses:
        200: {description: "a page of channels"}
    """
    _require_staff("distribution.channels")
    return paginated(services.channels_query(current_user), channel_json)


@bp.post("/distribution/channels")
@login_required
def create_channel():
    """Create a channel (频道/专题).
    ---
    post:
      responses:
        201: {description: "the channel"}
    """
    require(permissions.can_manage_distribution(current_user), action="distribution.channel_create")
    channel = services.create_channel(current_user, load_json(ChannelCreateSchema()))
    db.session.commit()
    return channel_json(channel, items=True), 201


@bp.get("/distribution/channels/<int:channel_id>")
@login_required
def get_channel(channel_id):
    """A channel with its current items."""
    return channel_json(services.get_channel(current_user, channel_id), items=True)


@bp.post("/distribution/channels/<int:channel_id>/items")
@login_required
def add_items(channel_id):
    """Add published resources: a new revision."""
    channel = services.get_channel(current_user, channel_id)
    services.add_items(current_user, channel, load_json(ItemsSchema())["resource_ids"])
    db.session.commit()
    return channel_json(channel, items=True)


@bp.post("/distribution/channels/<int:channel_id>/retire")
@login_required
def retire_items(channel_id):
    """Retire resources from the channel: a new revision."""
    channel = services.get_channel(current_user, channel_id)
    services.retire_items(current_user, channel, load_json(ItemsSchema())["resource_ids"])
    db.session.commit()
    return channel_json(channel, items=True)


@bp.post("/distribution/channels/<int:channel_id>/pushes")
@login_required
def create_push(channel_id):
    """Push a channel revision to schools (subtree, 学段, 办学类型, connectivity or picked).
    ---
    post:
      responses:
        201: {description: "the push with its delivery states"}
    """
    channel = services.get_channel(current_user, channel_id)
    push = services.plan_push(current_user, channel, load_json(PushCreateSchema()))
    db.session.commit()
    return push_json(push, services.state_counts(push)), 201


@bp.get("/distribution/pushes/<int:push_id>")
@login_required
def get_push(push_id):
    """A push: delivery states and coverage per district."""
    push = services.get_push(current_user, push_id)
    return {**push_json(push, services.state_counts(push)), "coverage": services.coverage(current_user, push)}


@bp.get("/distribution/pushes/<int:push_id>/schools")
@login_required
def push_schools(push_id):
    """Per school: items by state, bytes, last contact."""
    push = services.get_push(current_user, push_id)
    rows = services.school_rows(current_user, push)
    return {"items": [{"school_id": r["school_id"], "school": r["school"].name, "counts": r["counts"],
                       "bytes": r["bytes"], "size": r["size"], "complete": r["complete"],
                       "last_contact": r["last_contact"].isoformat() + "Z" if r["last_contact"] else None}
                      for r in rows]}


@bp.post("/distribution/pushes/<int:push_id>/chase")
@login_required
def chase(push_id):
    """催收: notify the administrators of schools that have not received everything."""
    push = services.get_push(current_user, push_id)
    told = services.chase(current_user, push, load_json(ChaseSchema())["school_ids"])
    db.session.commit()
    return {"schools": told}


@bp.post("/distribution/node-tokens")
@login_required
def issue_token():
    """Issue a school node's token (shown once; the city keeps its hash).
    ---
    post:
      responses:
        201: {description: "{token, school_id}"}
    """
    require(permissions.can_manage_distribution(current_user), action="distribution.token")
    school = db.session.get(OrgUnit, load_json(TokenCreateSchema())["school_id"])
    if school is None:
        raise NotFound("学校不存在")
    token, plain = feed.issue_token(current_user, school)
    db.session.commit()
    return {"token": plain, "school_id": school.id, "id": token.id}, 201


# -- what school nodes call (X-Node-Token) -------------------------------------------------------

@bp.get("/distribution/node/hello")
def node_hello():
    """The school this node token belongs to.
    ---
    get:
      security: []
      responses:
        200: {description: "{school}"}
        401: {description: "token missing or revoked"}
    """
    token = feed.node_from_request()
    answer = feed.hello(token)
    db.session.commit()
    return answer


@bp.get("/distribution/node/feed")
def node_feed():
    """Changes since ``cursor`` for the calling school: added / updated / retired, each with size and
    SHA-256; paged (``more``, next ``cursor``).
    ---
    get:
      security: []
      responses:
        200: {description: "{changes, cursor, more}"}
        401: {description: "token missing or revoked"}
    """
    token = feed.node_from_request()
    args = load_args(FeedArgsSchema())
    answer = feed.feed(token, args["cursor"], args["limit"])
    db.session.commit()
    return answer


@bp.get("/distribution/node/deliveries/<int:delivery_id>")
def node_delivery(delivery_id):
    """A delivery's resource: uid, type, metadata and file (as in an offline package's manifest).
    ---
    get:
      security: []
      responses:
        200: {description: "the entry"}
        401: {description: "token missing or revoked"}
    """
    token = feed.node_from_request()
    answer = feed.delivery_entry(token, delivery_id)
    db.session.commit()
    return answer


@bp.get("/distribution/node/files/<int:delivery_id>")
def node_file(delivery_id):
    """A delivery's file (HTTP Range supported).
    ---
    get:
      security: []
      responses:
        200: {description: "the file"}
        206: {description: "a range of it"}
        401: {description: "token missing or revoked"}
    """
    token = feed.node_from_request()
    stored = feed.delivery_file(token, delivery_id)
    db.session.commit()
    return stored.send(cache=None)


@bp.post("/distribution/node/report")
def node_report():
    """Receipts (state, bytes, verified SHA-256) and local use (views, downloads per resource per day).
    ---
    post:
      security: []
      responses:
        200: {description: "{receipts, usage} applied"}
        401: {description: "token missing or revoked"}
    """
    token = feed.node_from_request()
    answer = feed.receive_report(token, request.get_json(silent=True))
    db.session.commit()
    return answer
