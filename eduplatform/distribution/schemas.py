"""Input and output of the distribution API (marshmallow 4)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from eduplatform.core.api import Id, one_of
from eduplatform.distribution.models import CONNECTIVITY_LABELS, TargetKind


class ChannelCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class ItemsSchema(Schema):
    resource_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=2000))


class PushCreateSchema(Schema):
    revision = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=10**6))
    follows = fields.Boolean(load_default=False)
    target_org_id = Id(load_default=None, allow_none=True)
    target_kind = fields.String(load_default="subtree", validate=one_of([k.value for k in TargetKind]))
    stage = fields.String(load_default=None, allow_none=True)
    school_type = fields.String(load_default=None, allow_none=True)
    connectivity = fields.String(load_default=None, allow_none=True,
                                 validate=validate.OneOf([*CONNECTIVITY_LABELS, ""]))
    school_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=5000))
    starts_on = fields.Date(load_default=None, allow_none=True)
    window_start = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5))
    window_end = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5))
    cap_kbps = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=10**7))


class ChaseSchema(Schema):
    school_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=5000))


class TokenCreateSchema(Schema):
    school_id = Id(required=True)


class FeedArgsSchema(Schema):
    cursor = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


def channel_json(channel, *, items: bool = False) -> dict:
    data = {"id": channel.id, "name": channel.name, "description": channel.description, "org_id": channel.org_id,
            "revision": channel.revision, "item_count": len(channel.active_items)}
    if items:
        data["items"] = [{"resource_id": i.resource_id, "title": i.resource.title, "sha256": i.sha256,
                          "size": i.size, "added_revision": i.added_revision} for i in channel.active_items]
    return data


def push_json(push, counts: dict | None = None) -> dict:
    data = {"id": push.id, "channel_id": push.channel_id, "revision": push.revision, "follows": push.follows,
            "target_org_id": push.target_org_id, "target_kind": push.target_kind.value, "target": push.target,
            "starts_on": push.starts_on.isoformat(), "window": [push.window_start, push.window_end]
            if push.window_start else None, "cap_kbps": push.cap_kbps, "school_count": push.school_count,
            "activated": push.activated}
    if counts is not None:
        data["states"] = counts
    return data
