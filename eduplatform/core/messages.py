"""marshmallow's validation messages in Chinese: one table, applied to every refused input.

The table is keyed by where marshmallow keeps each message (a field class's or a validator's
``(class, key)``), and the English text is read from marshmallow itself, so a reworded message in a
new marshmallow release is still found, and a new key fails ``test_messages`` instead of reaching a
user in English. Translating the refusal (rather than giving every schema Chinese
``error_messages``) covers every schema whatever its base class, nested schemas, the inner fields of
List and Dict, and the validators that copy their message when built (Email, URL, OneOf);
a message a schema chose itself is Chinese already and passes unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from marshmallow import Schema, fields, validate

_DATE_KINDS = {"datetime": "日期时间", "date": "日期", "time": "时间"}
_AWARENESS = {"naive": "不带时区的", "aware": "带时区的"}


def _temporal(template: str) -> Callable[[dict], str]:
    def render(parts: dict) -> str:
        return template.format(kind=_DATE_KINDS.get(parts.get("obj_type", ""), "日期时间"),
                               awareness=_AWARENESS.get(parts.get("awareness", ""), ""))
    return render


#: (owner, key) → Chinese; owner is a marshmallow field class, ``Schema`` or a validator class.
#: A string may use the placeholders of the English message ({min}, {choices} …).
MESSAGES: dict[tuple[type, str], str | Callable[[dict], str]] = {
    (fields.Field, "required"): "必填",
    (fields.Field, "null"): "不能为空",
    (fields.Field, "validator_failed"): "取值无效",
    (Schema, "type"): "格式不正确，应为对象",
    (Schema, "unknown"): "无法识别的字段",
    (fields.Nested, "type"): "格式不正确，应为对象",
    (fields.List, "invalid"): "须为列表",
    (fields.Tuple, "invalid"): "须为列表",
    (fields.String, "invalid"): "须为文本",
    (fields.String, "invalid_utf8"): "须为有效的 UTF-8 文本",
    (fields.UUID, "invalid_uuid"): "不是有效的 UUID",
    (fields.Number, "invalid"): "须为数字",
    (fields.Number, "too_large"): "数值过大",
    (fields.Integer, "invalid"): "须为整数",
    (fields.Float, "special"): "须为有限的数字",
    (fields.Decimal, "special"): "须为有限的数字",
    (fields.Boolean, "invalid"): "须为是或否",
    (fields.DateTime, "invalid"): _temporal("{kind}格式不正确"),
    (fields.DateTime, "invalid_awareness"): _temporal("须为{awareness}{kind}"),
    (fields.DateTime, "format"): _temporal("无法格式化为{kind}"),
    (fields.Date, "invalid"): "日期格式不正确，应为 2012-03-05",
    (fields.Date, "format"): "无法格式化为日期",
    (fields.TimeDelta, "invalid"): "不是有效的时长",
    (fields.TimeDelta, "format"): "无法格式化为时长",
    (fields.Mapping, "invalid"): "须为对象（键值对）",
    (fields.Url, "invalid"): "不是有效的网址",
    (fields.Email, "invalid"): "电子邮箱格式不正确",
    (fields.IP, "invalid_ip"): "不是有效的 IP 地址",
    (fields.IPv4, "invalid_ip"): "不是有效的 IPv4 地址",
    (fields.IPv6, "invalid_ip"): "不是有效的 IPv6 地址",
    (fields.IPInterface, "invalid_ip_interface"): "不是有效的 IP 网段",
    (fields.IPv4Interface, "invalid_ip_interface"): "不是有效的 IPv4 网段",
    (fields.IPv6Interface, "invalid_ip_interface"): "不是有效的 IPv6 网段",
    (fields.Enum, "unknown"): "取值无效，可选值：{choices}",
    # A Range's messages name its bounds open or closed, as marshmallow's do: {min_op}/{max_op}.
    (validate.Range, "message_min"): "须{min_op} {{min}}",
    (validate.Range, "message_max"): "须{max_op} {{max}}",
    (validate.Range, "message_all"): "须{min_op} {{min}} 且{max_op} {{max}}",
    (validate.Length, "message_min"): "长度不能少于 {min}",
    (validate.Length, "message_max"): "长度不能超过 {max}",
    (validate.Length, "message_all"): "长度须在 {min} 到 {max} 之间",
    (validate.Length, "message_equal"): "长度须为 {equal}",
    (validate.OneOf, "default_message"): "取值无效，可选值：{choices}",
    (validate.NoneOf, "default_message"): "取值无效",
    (validate.Equal, "default_message"): "须等于 {other}",
    (validate.Regexp, "default_message"): "格式不正确",
    (validate.URL, "default_message"): "不是有效的网址",
    (validate.Email, "default_message"): "电子邮箱格式不正确",
    (validate.ContainsOnly, "default_message"): "所选的值须在以下范围内：{choices}",
    (validate.ContainsNoneOf, "default_message"): "所选的值不能是：{values}",
    (validate.Predicate, "default_message"): "取值无效",
}


_RANGE_OPS = {True: ("不小于", "不大于"), False: ("大于", "小于")}


def message_pairs(owner: type, key: str, chinese):
    """(English, Chinese) for ``(owner, key)``; a Range has one pair per open/closed bound."""
    if owner is not validate.Range:
        yield english_message(owner, key), chinese
        return
    for lo in (True, False):
        for hi in (True, False):
            english = getattr(validate.Range(0, 1, min_inclusive=lo, max_inclusive=hi), key)
            if key == "message_all" and lo and hi:
                yield english, "须在 {min} 到 {max} 之间"
            else:
                yield english, chinese.format(min_op=_RANGE_OPS[lo][0], max_op=_RANGE_OPS[hi][1])


def english_message(owner: type, key: str) -> str:
    """marshmallow's English text for ``(owner, key)``, read from marshmallow."""
    if owner is Schema:
        return Schema._default_error_messages[key]
    if issubclass(owner, fields.Field):
        # The nearest class that defines the key (DateTime's "invalid" is its base's template).
        return next(cls.__dict__["default_error_messages"][key] for cls in owner.__mro__
                    if key in cls.__dict__.get("default_error_messages", {}))
    return getattr(owner, key)


def _pattern(template: str) -> re.Pattern:
    """A regex matching ``template`` once formatted: each ``{name}`` captures what was filled in."""
    parts = re.split(r"\{(\w+)(?:![rsa])?\}", template)
    regex = "".join(f"(?P<{part}>.*?)" if i % 2 else re.escape(part) for i, part in enumerate(parts))
    return re.compile(regex + r"\Z", re.DOTALL)


def _compile() -> tuple[dict[str, str | Callable], list[tuple[re.Pattern, str | Callable]]]:
    exact, patterns = {}, []
    for (owner, key), template in MESSAGES.items():
        for english, chinese in message_pairs(owner, key, template):
            if "{" in english:
                patterns.append((_pattern(english), chinese))
            else:
                exact.setdefault(english, chinese)
    # The most specific first: "Not a valid {obj_type}." must not catch "Not a valid date." …
    patterns.sort(key=lambda p: -len(p[0].pattern))
    return exact, patterns


_EXACT, _PATTERNS = _compile()


def translate_message(message: str) -> str:
    """One message in Chinese if it is one of marshmallow's; otherwise unchanged."""
    found = _EXACT.get(message)
    if found is not None:
        return found if isinstance(found, str) else found({})
    for pattern, chinese in _PATTERNS:
        match = pattern.match(message)
        if match:
            parts = match.groupdict()
            return chinese(parts) if callable(chinese) else chinese.format(**parts)
    return message


def translate(messages):
    """marshmallow's ``ValidationError.messages`` (nested dicts and lists) with every message in Chinese."""
    if isinstance(messages, dict):
        return {key: translate(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [translate(value) for value in messages]
    if isinstance(messages, str):
        return translate_message(messages)
    return messages
