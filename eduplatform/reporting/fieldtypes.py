"""Field kinds of a report template: how each one reads a raw value and what it checks on submit.

A registry over the field's ``type`` (as CTFd keys challenge classes): adding a kind is adding a
class here. Raw values come from HTML forms (strings), the JSON API, Excel cells and bulk imports;
``parse`` turns each into the stored JSON value or raises ``FieldValueError`` with a Chinese message.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from eduplatform.reporting import expressions as ex

MAX_ABS_NUMBER = Decimal(10) ** 15


class FieldValueError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or value == []


def _normalise_text(value) -> str:
    # Full-width digits and punctuation (１２３，．) come from Chinese input methods.
    return unicodedata.normalize("NFKC", str(value)).strip()


class FieldType:
    code = ""
    label = ""
    kind = ex.ANY  # what an expression sees
    numeric = False
    #: kinds a table column may have
    in_tables = True

    def parse(self, field: dict, raw):
        """Raw input → stored value (None when blank)."""
        raise NotImplementedError

    def check(self, field: dict, value) -> list[str]:
        """Submit-time problems with a parsed, non-blank value."""
        return []

    def expression_value(self, value):
        return value

    def display(self, field: dict, value) -> str:
        return "" if value is None else str(value)


class IntegerType(FieldType):
    code, label, kind, numeric = "integer", "整数", ex.NUMBER, True

    def parse(self, field, raw):
        if is_blank(raw):
            return None
        if isinstance(raw, bool):
            raise FieldValueError("请输入整数")
        if isinstance(raw, int):
            number = Decimal(raw)
        elif isinstance(raw, float):
            number = Decimal(repr(raw))
        elif isinstance(raw, Decimal):
            number = raw
        else:
            text = _normalise_text(raw).replace(",", "")
            if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
                raise FieldValueError("请输入整数")
            number = Decimal(text)
        if number != number.to_integral_value():
            raise FieldValueError("请输入整数")
        if abs(number) >= MAX_ABS_NUMBER:
            raise FieldValueError("数值过大")
        return int(number)

    def check(self, field, value):
        return _range_problems(field, value)

    def expression_value(self, value):
        return None if value is None else Decimal(value)


class DecimalType(FieldType):
    code, label, kind, numeric = "decimal", "小数", ex.NUMBER, True

    def parse(self, field, raw):
        if is_blank(raw):
            return None
        if isinstance(raw, bool):
            raise FieldValueError("请输入数字")
        try:
            if isinstance(raw, float):
                number = Decimal(repr(raw))
            elif isinstance(raw, (int, Decimal)):
                number = Decimal(raw)
            else:
                text = _normalise_text(raw).replace(",", "")
                if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
                    raise FieldValueError("请输入数字")
                number = Decimal(text)
        except InvalidOperation as exc:
            raise FieldValueError("请输入数字") from exc
        if not number.is_finite() or abs(number) >= MAX_ABS_NUMBER:
            raise FieldValueError("数值过大")
        places = int(field.get("decimals", 2))
        if number != number.quantize(Decimal(1).scaleb(-places)):
            # Excel floats (0.1+0.2) carry noise far past the form's places: round those quietly.
            if isinstance(raw, float) and abs(number - round(number, places)) < Decimal("1e-9"):
                number = round(number, places)
            else:
                raise FieldValueError(f"最多 {places} 位小数")
        return float(number)

    def check(self, field, value):
        return _range_problems(field, value)

    def expression_value(self, value):
        return None if value is None else Decimal(repr(value))

    def display(self, field, value):
        if value is None:
            return ""
        return f"{value:.{int(field.get('decimals', 2))}f}"


def _range_problems(field, value) -> list[str]:
    problems = []
    unit = field.get("unit") or ""
    if field.get("min") is not None and value < field["min"]:
        problems.append(f"不能小于 {_plain_number(field['min'])}{unit}")
    if field.get("max") is not None and value > field["max"]:
        problems.append(f"不能大于 {_plain_number(field['max'])}{unit}")
    return problems


def _plain_number(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class TextType(FieldType):
    code, label, kind = "text", "文本", ex.TEXT
    default_max = 200

    def parse(self, field, raw):
        if is_blank(raw):
            return None
        if isinstance(raw, (list, dict, bool)):
            raise FieldValueError("请输入文本")
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # a code typed into Excel becomes 123.0
        text = str(raw).replace("\r\n", "\n").strip()
        limit = int(field.get("max_length") or self.default_max)
        if len(text) > limit:
            raise FieldValueError(f"不超过 {limit} 个字符（当前 {len(text)} 个）")
        return text


class LongTextType(TextType):
    code, label = "textarea", "长文本"
    default_max = 5000
    in_tables = False


_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
)


def parse_date(raw) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _normalise_text(raw)
    text = text.split("T")[0].split(" ")[0] if re.match(r"\d{4}-", text) else text
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError as exc:
                raise FieldValueError("日期不存在") from exc
    raise FieldValueError("请输入日期，如 2026-09-01")


class DateType(FieldType):
    code, label, kind = "date", "日期", ex.DATE

    def parse(self, field, raw):
        if is_blank(raw):
            return None
        if isinstance(raw, (int, float, bool, list, dict)):
            raise FieldValueError("请输入日期，如 2026-09-01")
        return parse_date(raw).isoformat()

    def check(self, field, value):
        problems = []
        if field.get("min_date") and value < field["min_date"]:
            problems.append(f"不能早于 {field['min_date']}")
        if field.get("max_date") and value > field["max_date"]:
            problems.append(f"不能晚于 {field['max_date']}")
        return problems

    def expression_value(self, value):
        return None if value is None else date.fromisoformat(value)


def _option_value(field, raw) -> str:
    text = _normalise_text(raw)
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    for option in field.get("options", []):
        if text == option["value"] or text == option["label"]:
            return option["value"]
    labels = "、".join(option["label"] for option in field.get("options", []))
    raise FieldValueError(f"“{text}” 不是可选项（可选：{labels}）")


class SelectType(FieldType):
    code, label, kind = "select", "单选", ex.TEXT

    def parse(self, field, raw):
        if is_blank(raw):
            return None
        if isinstance(raw, (list, dict, bool)):
            raise FieldValueError("请选择一个选项")
        return _option_value(field, raw)

    def display(self, field, value):
        return _option_label(field, value)


def _option_label(field, value) -> str:
    for option in field.get("options", []):
        if option["value"] == value:
            return option["label"]
    return "" if value is None else str(value)


class MultiSelectType(FieldType):
    code, label, kind = "multiselect", "多选", ex.LIST_TEXT
    in_tables = False

    def parse(self, field, raw):
        if is_blank(raw):
            return None
        if isinstance(raw, str):
            items = [part for part in re.split(r"[,，、;；\n]", raw) if part.strip()]
        elif isinstance(raw, list):
            items = raw
        else:
            raise FieldValueError("请选择选项")
        chosen = {_option_value(field, item) for item in items}
        # Stored in the template's option order, so equal choices compare equal.
        return [option["value"] for option in field.get("options", []) if option["value"] in chosen] or None

    def display(self, field, value):
        return "、".join(_option_label(field, v) for v in value or [])


class FileType(FieldType):
    """An attachment: the value is the id of the submission's uploaded attachment."""

    code, label, kind = "file", "附件", ex.TEXT
    in_tables = False

    def parse(self, field, raw):
        if is_blank(raw):
            return None
        if isinstance(raw, dict):
            raw = raw.get("id")
        if isinstance(raw, bool):
            raise FieldValueError("附件编号无效")
        try:
            attachment_id = int(str(raw))
        except ValueError as exc:
            raise FieldValueError("附件编号无效") from exc
        return attachment_id

    def expression_value(self, value):
        return None if value is None else str(value)


class TableType(FieldType):
    """Repeating rows: fixed rows (one per grade) or rows the school adds; parsed in ``spec``."""

    code, label, kind = "table", "表格", "table"
    in_tables = False


FIELD_TYPES: dict[str, FieldType] = {cls.code: cls() for cls in (
    IntegerType, DecimalType, TextType, LongTextType, DateType, SelectType, MultiSelectType,
    FileType, TableType)}
FIELD_TYPE_LABELS = {code: ftype.label for code, ftype in FIELD_TYPES.items()}
