"""The one Chinese table of marshmallow's messages: complete for this marshmallow, and it only
translates marshmallow's own messages."""

from __future__ import annotations

import inspect

import pytest
from marshmallow import Schema, ValidationError, fields, validate

from eduplatform.core.messages import MESSAGES, english_message, translate, translate_message


def chinese(text: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in text)


def field_message_keys():
    """Every (field class, key) marshmallow defines a default message for."""
    for _name, cls in inspect.getmembers(fields, inspect.isclass):
        if issubclass(cls, fields.Field):
            for key in cls.__dict__.get("default_error_messages", {}):
                yield cls, key


def validator_message_keys():
    for _name, cls in inspect.getmembers(validate, inspect.isclass):
        if issubclass(cls, validate.Validator):
            for key in ("default_message", "message_min", "message_max", "message_all", "message_equal"):
                if key in cls.__dict__:
                    yield cls, key


@pytest.mark.parametrize(("owner", "key"), [*field_message_keys(), *validator_message_keys(),
                                            (Schema, "type"), (Schema, "unknown")])
def test_every_message_marshmallow_can_give_has_a_chinese_entry(owner, key):
    # A marshmallow upgrade that adds a field type or a message key fails here, not in front of a user.
    if owner is validate.Range:
        texts = [getattr(validate.Range(0, 1, min_inclusive=lo, max_inclusive=hi), key)
                 for lo in (True, False) for hi in (True, False)]
    else:
        texts = [english_message(owner, key)]
    for english in texts:  # the template itself: each placeholder matches its own name
        assert chinese(translate_message(english)), (owner, key, english)


def test_the_table_names_only_messages_marshmallow_has():
    for owner, key in MESSAGES:
        assert english_message(owner, key)  # a key marshmallow dropped raises here


@pytest.mark.parametrize(("field", "value", "expected"), [
    (fields.Integer(required=True), "x", "须为整数"),
    (fields.String(required=True), 12, "须为文本"),
    (fields.Boolean(), "maybe", "须为是或否"),
    (fields.Date(), "2026-13-40", "日期格式不正确，应为 2012-03-05"),
    (fields.DateTime(), "later", "日期时间格式不正确"),
    (fields.List(fields.Integer()), "1,2", "须为列表"),
    (fields.Dict(), [], "须为对象（键值对）"),
    (fields.Email(), "nobody", "电子邮箱格式不正确"),
    (fields.Url(), "nowhere", "不是有效的网址"),
    (fields.Float(), "nan", "须为有限的数字"),
    (fields.Integer(validate=validate.Range(min=1, max=5)), 9, "须在 1 到 5 之间"),
    (fields.Integer(validate=validate.Range(min=0, min_inclusive=False)), 0, "须大于 0"),
    (fields.String(validate=validate.Length(max=3)), "abcd", "长度不能超过 3"),
    (fields.String(validate=validate.OneOf(["a", "b"])), "c", "取值无效，可选值：a, b"),
])
def test_a_refused_value_reads_in_chinese(field, value, expected):
    schema = Schema.from_dict({"x": field})()
    with pytest.raises(ValidationError) as refused:
        schema.load({"x": value})
    assert translate(refused.value.messages) == {"x": [expected]}


def test_required_null_unknown_and_nested_messages():
    inner = Schema.from_dict({"n": fields.Integer(required=True)})
    schema = Schema.from_dict({"a": fields.String(required=True), "b": fields.String(),
                               "c": fields.Nested(inner), "d": fields.List(fields.Nested(inner))})()
    with pytest.raises(ValidationError) as refused:
        schema.load({"b": None, "c": {}, "d": [{"n": "x"}], "zzz": 1})
    assert translate(refused.value.messages) == {
        "a": ["必填"], "b": ["不能为空"], "c": {"n": ["必填"]}, "d": {0: {"n": ["须为整数"]}},
        "zzz": ["无法识别的字段"]}


def test_a_message_the_schema_chose_passes_unchanged():
    assert translate_message("请填写课程名称") == "请填写课程名称"
    assert translate_message("Something marshmallow never says.") == "Something marshmallow never says."
    assert translate({"x": ["须为整数", "Not a valid integer."]}) == {"x": ["须为整数", "须为整数"]}
