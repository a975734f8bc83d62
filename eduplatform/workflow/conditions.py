"""Declarative conditions in process definitions: comparisons on form fields, combined with
all / any / not. Nothing is evaluated as code; an unknown operator or field is refused at load.

    when: {field: urgency, in: [特急, 加急]}
    when: {all: [{field: cosign_departments, empty: false}, {not: {field: urgency, eq: 普通}}]}
"""

from __future__ import annotations

from datetime import date
from typing import Any

COMPARISONS = ("eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "empty", "contains")
ORDERED = ("gt", "ge", "lt", "le")
COMBINATORS = ("all", "any", "not")


def check_condition(cond: Any, fields: dict, where: str) -> list[str]:
    """Problems with ``cond`` (a list of Chinese messages naming ``where``); empty when it is valid."""
    if not isinstance(cond, dict) or not cond:
        return [f"{where}：条件必须是映射，例如 {{field: urgency, eq: 特急}}"]
    combinators = [k for k in cond if k in COMBINATORS]
    if combinators:
        if len(cond) != 1:
            return [f"{where}：all / any / not 须单独使用，不能与其他键并列"]
        key = combinators[0]
        if key == "not":
            return check_condition(cond["not"], fields, f"{where}.not")
        items = cond[key]
        if not isinstance(items, list) or not items:
            return [f"{where}.{key}：须为非空的条件列表"]
        problems = []
        for i, item in enumerate(items):
            problems += check_condition(item, fields, f"{where}.{key}[{i}]")
        return problems
    if "field" not in cond:
        return [f"{where}：条件缺少 field（或 all / any / not）"]
    name = cond["field"]
    if name not in fields:
        return [f"{where}：条件引用了未定义的字段「{name}」"]
    ops = [k for k in cond if k != "field"]
    unknown = [k for k in ops if k not in COMPARISONS]
    if unknown:
        return [f"{where}：未知的比较运算「{unknown[0]}」（可选：{', '.join(COMPARISONS)}）"]
    if len(ops) != 1:
        return [f"{where}：每个条件须恰好有一个比较运算"]
    op, value = ops[0], cond[ops[0]]
    if op in ("in", "not_in") and not isinstance(value, list):
        return [f"{where}：{op} 的值须为列表"]
    if op == "empty" and not isinstance(value, bool):
        return [f"{where}：empty 的值须为 true 或 false"]
    if op in ORDERED and fields[name].type not in ("integer", "date"):
        return [f"{where}：{op} 只能用于整数或日期字段，「{name}」是 {fields[name].type}"]
    options = fields[name].options
    if options and op in ("eq", "ne", "in", "not_in"):
        values = value if isinstance(value, list) else [value]
        bad = [v for v in values if v not in options]
        if bad:
            return [f"{where}：「{bad[0]}」不是字段「{name}」的可选值（{'、'.join(options)}）"]
    return []


def evaluate(cond: dict | None, data: dict) -> bool:
    """True when ``data`` (the instance's form values) satisfies ``cond``; no condition is true."""
    if cond is None:
        return True
    if "all" in cond:
        return all(evaluate(c, data) for c in cond["all"])
    if "any" in cond:
        return any(evaluate(c, data) for c in cond["any"])
    if "not" in cond:
        return not evaluate(cond["not"], data)
    value = data.get(cond["field"])
    op = next(k for k in cond if k != "field")
    expected = cond[op]
    if op == "empty":
        return _is_empty(value) == expected
    if op == "eq":
        return value == expected
    if op == "ne":
        return value != expected
    if op == "in":
        return value in expected
    if op == "not_in":
        return value not in expected
    if op == "contains":
        return isinstance(value, (list, str)) and expected in value
    if value is None:
        return False  # nothing compares as greater or less than a missing value
    left, right = _comparable(value), _comparable(expected)
    try:
        return {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[op]
    except TypeError:
        return False


def describe(cond: dict | None, fields: dict) -> str:
    """A readable Chinese rendering, used in diagrams and the BPMN conditionExpression."""
    if cond is None:
        return ""
    if "all" in cond:
        return "（" + " 且 ".join(describe(c, fields) for c in cond["all"]) + "）"
    if "any" in cond:
        return "（" + " 或 ".join(describe(c, fields) for c in cond["any"]) + "）"
    if "not" in cond:
        return "非" + describe(cond["not"], fields)
    field = fields[cond["field"]].label if cond["field"] in fields else cond["field"]
    op = next(k for k in cond if k != "field")
    value = cond[op]
    if op == "empty":
        return f"{field}{'为空' if value else '不为空'}"
    if isinstance(value, bool) and op in ("eq", "ne"):
        # a yes/no field reads as a sentence, not as 须经区县审核 = True
        return f"{field}{'为' if op == 'eq' else '不为'}“{'是' if value else '否'}”"
    words = {"eq": "=", "ne": "≠", "gt": ">", "ge": "≥", "lt": "<", "le": "≤", "contains": "包含"}
    if op in ("in", "not_in"):
        return f"{field}{'属于' if op == 'in' else '不属于'}{{{'、'.join(map(_word, value))}}}"
    return f"{field} {words[op]} {_word(value)}"


def _word(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "空"
    return str(value)


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _comparable(value):
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value
