"""The one input loader (core/api.py): JSON bodies, forms and query args, refused in Chinese; the
one page envelope of API lists."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields, validate

from eduplatform.accounts.models import User
from eduplatform.core.api import (
    Id,
    load_args,
    load_body,
    load_form,
    load_json,
    paginated,
    sent_fields,
)
from eduplatform.core.errors import ValidationFailed


class ItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    title = fields.String(required=True, metadata={"label": "标题"})
    count = fields.Integer(load_default=0, validate=validate.Range(min=0, max=9))
    tags = fields.List(fields.String(), load_default=list)
    public = fields.Boolean(load_default=True)
    note = fields.String(load_default="", allow_none=True)
    owner = Id(load_default=None)
    file = fields.Raw(load_default=None)


def refusal(app, load, **request) -> ValidationFailed:
    """The ValidationFailed that ``load()`` raises in a request made of ``request``."""
    with app.test_request_context(**request), pytest.raises(ValidationFailed) as refused:
        load()
    return refused.value


# -- JSON --------------------------------------------------------------------------------------

def test_json_body_loads(app):
    with app.test_request_context(json={"title": "月考", "count": 3, "tags": ["a"]}):
        assert load_json(ItemSchema()) == {"title": "月考", "count": 3, "tags": ["a"], "public": True,
                                           "note": "", "owner": None, "file": None}


def test_json_refusal_is_chinese_per_field_with_the_first_problem_in_the_message(app):
    refused = refusal(app, lambda: load_json(ItemSchema()), json={"count": "many", "tags": "a", "public": "perhaps"})
    assert refused.status == 422
    assert refused.fields == {"title": ["必填"], "count": ["须为整数"], "tags": ["须为列表"], "public": ["须为是或否"]}
    assert refused.message == "提交的数据有误：标题 必填"  # the field's label names it


def test_json_body_that_is_not_an_object(app):
    for body in ([1, 2], "text", None):
        assert refusal(app, lambda: load_json(ItemSchema()), json=body).code == "invalid_json"


def test_json_number_no_column_holds(app):
    refused = refusal(app, lambda: load_json(ItemSchema()), json={"title": "x", "extra": {"deep": [2**70]}})
    assert refused.fields == {"extra.deep.0": ["数值超出范围"]}


def test_partial_json_leaves_absent_fields_out(app):
    with app.test_request_context(json={"count": 2}):
        assert load_json(ItemSchema(), partial=True) == {"count": 2}


# -- forms -------------------------------------------------------------------------------------

def test_form_reads_the_schema_fields_stripped_lists_and_checkboxes(app):
    form = {"title": "  期中  ", "count": "4", "tags": ["一", " ", "二"], "csrf_token": "t", "submit": "保存"}
    with app.test_request_context(method="POST", data=form):
        # "public" is an unticked checkbox: a form does not send it, so it is False, not its default
        assert load_form(ItemSchema()) == {"title": "期中", "count": 4, "tags": ["一", "二"], "public": False,
                                           "note": "", "owner": None, "file": None}


def test_form_without_a_multi_select_value_is_an_empty_list(app):
    with app.test_request_context(method="POST", data={"title": "x", "public": "on"}):
        data = load_form(ItemSchema())
    assert data["tags"] == [] and data["public"] is True


def test_partial_form_leaves_what_it_does_not_send(app):
    with app.test_request_context(method="POST", data={"count": "1"}):
        assert load_form(ItemSchema(), partial=True) == {"count": 1}


def test_form_empty_box_is_empty_text_or_none(app):
    with app.test_request_context(method="POST", data={"title": "x", "note": ""}):
        assert load_form(ItemSchema())["note"] == ""
    with app.test_request_context(method="POST", data={"title": "x", "note": " "}):
        assert load_form(ItemSchema(), empty_is_none=True)["note"] is None


def test_form_files_are_read_with_the_fields(app):
    data = {"title": "x", "file": (io.BytesIO(b"plain text"), "a.txt")}
    with app.test_request_context(method="POST", data=data, content_type="multipart/form-data"):
        loaded = load_form(ItemSchema())
        assert loaded["file"].filename == "a.txt" and loaded["file"].read() == b"plain text"
        assert sent_fields() == {"title", "file"}


def test_form_refusal_is_the_same_chinese_as_json(app):
    form = refusal(app, lambda: load_form(ItemSchema()), method="POST",
                   data={"title": "x", "count": "12", "owner": "0"})
    body = refusal(app, lambda: load_json(ItemSchema()), json={"title": "x", "count": 12, "owner": 0})
    assert form.fields == body.fields == {"count": ["须在 0 到 9 之间"], "owner": ["必须是 1 到 2147483647 之间的整数"]}
    assert form.message == body.message == "提交的数据有误：须在 0 到 9 之间"


def test_body_is_a_form_or_json_by_its_type(app):
    with app.test_request_context(method="POST", data={"title": "表单"}):
        assert load_body(ItemSchema())["title"] == "表单"
    with app.test_request_context(method="POST", json={"title": "JSON"}):
        assert load_body(ItemSchema())["title"] == "JSON"
        assert sent_fields() == {"title"}


# -- query args --------------------------------------------------------------------------------

def test_args_empty_value_is_absent_and_lists_take_every_value(app):
    with app.test_request_context("/?title=x&tags=a&tags=b&count=&other=1"):
        assert load_args(ItemSchema()) == {"title": "x", "tags": ["a", "b"], "count": 0, "public": True,
                                           "note": "", "owner": None, "file": None}


def test_args_refusal_has_its_own_message(app):
    refused = refusal(app, lambda: load_args(ItemSchema()), path="/?title=x&owner=abc")
    assert refused.fields == {"owner": ["编号必须是正整数"]}
    assert refused.message == "查询参数有误：编号必须是正整数"


# -- pages -------------------------------------------------------------------------------------

def test_paginated_envelope_with_a_schema_or_a_callable(app, people):
    class NameSchema(Schema):
        username = fields.String()

    query = sa.select(User).where(User.username.in_(["sys", "sec", "aud"])).order_by(User.username)
    with app.test_request_context("/?per_page=2&page=2"):
        assert paginated(query, NameSchema()) == {"items": [{"username": "sys"}], "page": 2, "per_page": 2,
                                                   "total": 3, "pages": 2}
    with app.test_request_context("/?per_page=2"):
        body = paginated(query, lambda user: user.username.upper(), unread=5)
    assert body == {"items": ["AUD", "SEC"], "page": 1, "per_page": 2, "total": 3, "pages": 2, "unread": 5}
