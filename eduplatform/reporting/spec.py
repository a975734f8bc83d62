"""A template definition, checked and compiled: fields, tables, computed fields and rules.

The definition is the JSON the designer edits (sections → fields; a ``table`` field has columns and
either fixed rows or rows the school adds). ``compile_definition`` refuses a bad one with messages
keyed by path; a ``TemplateSpec`` then parses raw values, fills computed fields, checks a submission
and flattens values into cells:

    teachers_total            a top-level field
    grades.g1.boys            a cell of a table with fixed rows (row code g1)
    clubs.2.name              a cell of a table whose rows the school adds (row number, from 1)
    grades.*.boys             a column total (kept in the numeric values table for aggregation)
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.messages import translate
from eduplatform.reporting import expressions as ex
from eduplatform.reporting.fieldtypes import FIELD_TYPES, FieldValueError, is_blank, parse_date

CODE_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,39}$"
CODE_MESSAGE = "代码须以字母开头，只含字母、数字、下划线（≤40 位）"
MAX_FIELDS = 1000
MAX_ROWS = 500
RESERVED_CODES = {"and", "or", "not", "true", "false"} | set(ex.FUNCTIONS)


class DefinitionError(ValidationFailed):
    code = "invalid_definition"


# --- shape (marshmallow) -------------------------------------------------------------------------


def _str(required=False, max_len=200):
    low = 1 if required else 0
    checks = [validate.Length(min=low, max=max_len, error=f"长度须在 {low}–{max_len} 个字符之间")]
    if required:
        return fields.String(required=True, validate=checks)
    return fields.String(load_default=None, allow_none=True, validate=checks)


def _code():
    return fields.String(required=True, validate=validate.Regexp(CODE_PATTERN, error=CODE_MESSAGE))


def _num():
    return fields.Float(load_default=None, allow_none=True, allow_nan=False,
                        error_messages={"invalid": "须为数字", "special": "须为数字"})


def _int(low, high):
    return fields.Integer(load_default=None, allow_none=True, strict=False,
                          validate=validate.Range(min=low, max=high, error=f"须在 {low}–{high} 之间"),
                          error_messages={"invalid": "须为整数"})


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE


class OptionSchema(_Base):
    value = _str(required=True, max_len=64)
    label = _str(required=True, max_len=100)


class RowSchema(_Base):
    code = _code()
    label = _str(required=True, max_len=100)


#: A rule's 重要程度 (DHIS2's validation rule importance): shown beside a violation and ordering
#: the violations, high first. It does not decide whether a rule stops a submission — every rule does.
IMPORTANCE = {"high": "高", "medium": "中", "low": "低"}
DEFAULT_IMPORTANCE = "medium"  #: a rule without one (DHIS2's default, too)
_IMPORTANCE_RANK = {code: rank for rank, code in enumerate(IMPORTANCE)}


class RuleSchema(_Base):
    expression = _str(required=True, max_len=ex.MAX_LENGTH)
    message = _str(required=True, max_len=200)
    #: where the error is shown (a field or column code); default: the first field the rule reads
    field = _str(max_len=80)
    #: 重要程度: high / medium / low (高/中/低); absent: medium
    importance = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        list(IMPORTANCE), error="重要程度须为 高、中 或 低（high / medium / low）"),
        metadata={"enum": list(IMPORTANCE), "description": "重要程度：high 高 / medium 中 / low 低；缺省为 medium"})


class ColumnSchema(_Base):
    code = _code()
    label = _str(required=True, max_len=100)
    type = fields.String(required=True, validate=validate.OneOf(
        [code for code, ftype in FIELD_TYPES.items() if ftype.in_tables], error="不支持的字段类型"))
    unit = _str(max_len=20)
    help = _str(max_len=500)
    required = fields.Boolean(load_default=False)
    min = _num()
    max = _num()
    decimals = _int(0, 6)
    max_length = _int(1, 5000)
    min_date = _str(max_len=10)
    max_date = _str(max_len=10)
    options = fields.List(fields.Nested(OptionSchema), load_default=list)
    formula = _str(max_len=ex.MAX_LENGTH)


class FieldSchema(ColumnSchema):
    type = fields.String(required=True,
                         validate=validate.OneOf(list(FIELD_TYPES), error="不支持的字段类型"))
    columns = fields.List(fields.Nested(ColumnSchema), load_default=list)
    rows = fields.List(fields.Nested(RowSchema), load_default=list)
    min_rows = _int(0, MAX_ROWS)
    max_rows = _int(1, MAX_ROWS)
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)


class SectionSchema(_Base):
    title = _str(required=True, max_len=100)
    description = _str(max_len=1000)
    fields = fields.List(fields.Nested(FieldSchema), load_default=list)


class DefinitionSchema(_Base):
    sections = fields.List(fields.Nested(SectionSchema), required=True)
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)

    @validates_schema
    def _not_too_big(self, data, **kwargs):
        total = sum(len(section["fields"]) + sum(len(f["columns"]) for f in section["fields"])
                    for section in data["sections"])
        if total > MAX_FIELDS:
            raise ValidationError(f"字段总数不能超过 {MAX_FIELDS}", "sections")


def _flatten_errors(messages, prefix="") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            for sub, errs in _flatten_errors(value, path).items():
                flat.setdefault(sub, []).extend(errs)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(_flatten_errors(value, f"{prefix}.{index}"))
    else:
        flat[prefix] = [str(messages)]
    return flat


def _drop_nones(item: dict, keep: tuple = ()) -> dict:
    return {key: value for key, value in item.items() if key in keep or value not in (None, [], "")}


# --- compiled spec -------------------------------------------------------------------------------


class Rule:
    __slots__ = ("expression", "field", "importance", "message", "table", "tree")

    def __init__(self, expression, message, tree, field, table=None, importance=None):
        self.expression, self.message, self.tree, self.field, self.table = (
            expression, message, tree, field, table)
        self.importance = importance or DEFAULT_IMPORTANCE

    @property
    def importance_label(self) -> str:
        return IMPORTANCE[self.importance]

    @property
    def rank(self) -> int:
        return _IMPORTANCE_RANK[self.importance]


class Violation:
    """A rule not met by a form's values: where (a field, or a table row's cell) and how important."""

    __slots__ = ("key", "rule")

    def __init__(self, rule: Rule, key: str):
        self.rule, self.key = rule, key

    @property
    def message(self) -> str:
        """What the school reads beside the field: the rule's message and its 重要程度."""
        return f"{self.rule.message}（重要程度：{self.rule.importance_label}）"


def importance_changes(old: dict | None, new: dict) -> list[dict]:
    """Rules of ``new`` whose 重要程度 differs from the same rule (its table and condition) in ``old``,
    or new rules that are not 中: ``[{"rule": message, "table": code|None, "from": 中|None, "to": 高}]``."""

    def rules_of(definition):
        found = {}
        for rule in (definition or {}).get("rules", []):
            found[(None, rule.get("expression"))] = rule
        for section in (definition or {}).get("sections", []):
            for field in section.get("fields", []):
                for rule in field.get("rules", []) or []:
                    found[(field.get("code"), rule.get("expression"))] = rule
        return found

    before, changes = rules_of(old), []
    for key, rule in rules_of(new).items():
        to = rule.get("importance") or DEFAULT_IMPORTANCE
        previous = before.get(key)
        was = (previous.get("importance") or DEFAULT_IMPORTANCE) if previous is not None else None
        if was != to and (was is not None or to != DEFAULT_IMPORTANCE):
            changes.append({"rule": rule.get("message", ""), "table": key[0],
                            "from": IMPORTANCE[was] if was else None, "to": IMPORTANCE[to]})
    return changes


def by_importance(rules):
    """Rules (or violations) high first, in their order within one importance."""
    return sorted(rules, key=lambda item: getattr(item, "rule", item).rank)


class TemplateSpec:
    """A checked template: parse, compute, check and flatten a submission's values."""

    def __init__(self, definition: dict):
        self.definition = definition
        self.sections = definition["sections"]
        self.fields: OrderedDict[str, dict] = OrderedDict()
        for section in self.sections:
            for field in section["fields"]:
                self.fields[field["code"]] = field
        self.formulas: dict[tuple[str, ...], object] = {}  # (code,) or (table, column) → tree
        self.order: list[tuple[str, ...]] = []
        self.rules: list[Rule] = []

    # -- lookups --
    def field(self, code: str) -> dict | None:
        return self.fields.get(code)

    @property
    def tables(self) -> list[dict]:
        return [f for f in self.fields.values() if f["type"] == "table"]

    def column(self, table: dict, code: str) -> dict | None:
        return next((c for c in table["columns"] if c["code"] == code), None)

    def is_computed(self, code: str, column: str | None = None) -> bool:
        return ((code, column) if column else (code,)) in self.formulas

    def cell_definition(self, key: str) -> tuple[dict, dict | None, str | None]:
        """(field or column definition, table or None, row code or number) for a cell key."""
        parts = key.split(".")
        field = self.fields.get(parts[0])
        if field is None:
            raise KeyError(key)
        if len(parts) == 1:
            if field["type"] == "table":
                raise KeyError(key)
            return field, None, None
        if field["type"] != "table" or len(parts) != 3:
            raise KeyError(key)
        column = self.column(field, parts[2])
        if column is None:
            raise KeyError(key)
        if field["rows"]:
            if parts[1] not in {row["code"] for row in field["rows"]}:
                raise KeyError(key)
        elif not (parts[1].isdigit() and 1 <= int(parts[1]) <= self.max_rows(field)):
            raise KeyError(key)
        return column, field, parts[1]

    def max_rows(self, table: dict) -> int:
        return table.get("max_rows") or MAX_ROWS

    def formula_text(self, code: str, column: str | None = None) -> str:
        """A computed field's formula in words (自动计算：在校生数 ÷ 计算机台数 …), never the code."""
        tree = self.formulas.get((code, column) if column else (code,))
        table = self.fields.get(code) if column else None
        return "" if tree is None else ex.describe(tree, self.labeller(table))

    def rule_text(self, rule: Rule) -> str:
        """A rule's condition in words (女教师数 不大于 教师总数), read within its table for a row rule."""
        return ex.describe(rule.tree, self.labeller(self.fields.get(rule.table) if rule.table else None))

    def labeller(self, table: dict | None = None):
        """``label(path)`` for ``ex.describe``: within ``table`` a bare name is one of its columns."""
        if table is None:
            return self._path_label

        def label(path: tuple[str, ...]) -> str:
            if len(path) == 1:
                column = self.column(table, path[0])
                if column is not None:
                    return column["label"]
            return self._path_label(path)

        return label

    def value_text(self, key: str, value) -> str:
        """A stored value as the school typed or chose it: option labels, 是/否, lists joined by 、."""
        if value is None or value == "":
            return ""
        try:
            definition = self.cell_definition(key)[0]
        except KeyError:
            definition = {}
        labels = {o["value"]: o["label"] for o in definition.get("options") or ()}
        values = value if isinstance(value, list) else [value]
        words = []
        for item in values:
            if isinstance(item, bool):
                words.append("是" if item else "否")
            else:
                words.append(labels.get(item, str(item)))
        return "、".join(words)

    def _path_label(self, path: tuple[str, ...]) -> str:
        field = self.fields.get(path[0])
        if field is None:
            return ".".join(path)
        if len(path) == 1 or field["type"] != "table":
            return field["label"]
        if len(path) == 2:  # a column of a table: the values of every row
            column = self.column(field, path[1])
            return f"{field['label']}各行的{column['label'] if column else path[1]}"
        return self.label_of(".".join(path))

    def label_of(self, key: str) -> str:
        try:
            definition, table, row = self.cell_definition(key)
        except KeyError:
            field = self.fields.get(key.split(".")[0])
            return field["label"] if field else key
        if table is None:
            return definition["label"]
        row_label = next((r["label"] for r in table["rows"] if r["code"] == row), f"第{row}行")
        return f"{table['label']}·{row_label}·{definition['label']}"

    # -- parsing --
    def parse_values(self, raw: dict, *, only_present: bool = True) -> tuple[dict, dict[str, list[str]]]:
        """Raw nested values → stored values, plus per-cell type errors; computed input is ignored."""
        values: dict = {}
        errors: dict[str, list[str]] = {}
        if not isinstance(raw, dict):
            return values, {"values": ["须为对象"]}
        for code, incoming in raw.items():
            field = self.fields.get(code)
            if field is None:
                errors.setdefault(code, []).append("模板中没有这个字段")
                continue
            if field["type"] == "table":
                values[code] = self._parse_table(field, incoming, errors)
            elif self.is_computed(code):
                continue
            else:
                try:
                    values[code] = FIELD_TYPES[field["type"]].parse(field, incoming)
                except FieldValueError as exc:
                    errors.setdefault(code, []).append(exc.message)
        return values, errors

    def _parse_table(self, table, incoming, errors):
        code = table["code"]
        if is_blank(incoming):
            return {} if table["rows"] else []
        if table["rows"]:
            if not isinstance(incoming, dict):
                errors.setdefault(code, []).append("表格数据须为 {行代码: {列代码: 值}}")
                return {}
            known = {row["code"] for row in table["rows"]}
            result = {}
            for row_code, row in incoming.items():
                if row_code not in known:
                    errors.setdefault(f"{code}.{row_code}", []).append("表格中没有这一行")
                    continue
                result[row_code] = self._parse_row(table, row, f"{code}.{row_code}", errors)
            return result
        if not isinstance(incoming, list):
            errors.setdefault(code, []).append("表格数据须为行的列表")
            return []
        rows = []
        for index, row in enumerate(incoming, start=1):
            parsed = self._parse_row(table, row, f"{code}.{index}", errors)
            if any(v is not None for col, v in parsed.items() if not self.is_computed(code, col)):
                rows.append(parsed)
        if len(rows) > self.max_rows(table):
            errors.setdefault(code, []).append(f"最多 {self.max_rows(table)} 行")
        return rows

    def _parse_row(self, table, row, prefix, errors) -> dict:
        if not isinstance(row, dict):
            errors.setdefault(prefix, []).append("每一行须为 {列代码: 值}")
            return {}
        parsed = {}
        for column in table["columns"]:
            if self.is_computed(table["code"], column["code"]) or column["code"] not in row:
                continue
            try:
                parsed[column["code"]] = FIELD_TYPES[column["type"]].parse(column, row[column["code"]])
            except FieldValueError as exc:
                errors.setdefault(f"{prefix}.{column['code']}", []).append(exc.message)
        for key in row:
            if self.column(table, key) is None:
                errors.setdefault(f"{prefix}.{key}", []).append("表格中没有这一列")
        return parsed

    def merge(self, current: dict, incoming: dict) -> dict:
        """A new values document: ``incoming`` fields replace the current ones (tables merge by row)."""
        merged = {key: value for key, value in (current or {}).items() if key in self.fields}
        for code, value in incoming.items():
            field = self.fields[code]
            if field["type"] == "table" and field["rows"] and isinstance(value, dict):
                rows = {r: dict(cells) for r, cells in (merged.get(code) or {}).items()}
                for row_code, cells in value.items():
                    rows.setdefault(row_code, {}).update(cells)
                merged[code] = rows
            else:
                merged[code] = value
        return merged

    # -- computing --
    def compute(self, values: dict) -> dict:
        """Fill every computed field and column in place (blank numbers count as 0); returns values."""
        for node in self.order:
            tree = self.formulas[node]
            if len(node) == 1:
                field = self.fields[node[0]]
                result = ex.evaluate(tree, self._lookup(values), blank_as_zero=True)
                values[node[0]] = _store_number(field, result)
            else:
                table = self.fields[node[0]]
                column = self.column(table, node[1])
                for row in self._rows(table, values, create=True):
                    result = ex.evaluate(tree, self._lookup(values, table, row), blank_as_zero=True)
                    row[node[1]] = _store_number(column, result)
        return values

    def _rows(self, table, values, create=False) -> list[dict]:
        data = values.get(table["code"])
        if table["rows"]:
            if data is None or not isinstance(data, dict):
                data = {}
                if create:
                    values[table["code"]] = data
            if create:
                for row in table["rows"]:
                    data.setdefault(row["code"], {})
            return [data[row["code"]] for row in table["rows"] if row["code"] in data]
        return data if isinstance(data, list) else []

    def _lookup(self, values, table=None, row=None):
        def expression_value(definition, value):
            return FIELD_TYPES[definition["type"]].expression_value(value)

        def lookup(path):
            if table is not None and len(path) == 1:
                column = self.column(table, path[0])
                if column is not None:
                    return expression_value(column, row.get(path[0]))
            field = self.fields[path[0]]
            if len(path) == 1:
                if field["type"] == "table":
                    return ex.Table([{c["code"]: expression_value(c, r.get(c["code"])) for c in field["columns"]}
                                     for r in self._rows(field, values)])
                return expression_value(field, values.get(path[0]))
            column = self.column(field, path[-1])
            if len(path) == 2:
                return [expression_value(column, r.get(path[1])) for r in self._rows(field, values)]
            cells = (values.get(path[0]) or {}).get(path[1]) or {}
            return expression_value(column, cells.get(path[2]))

        return lookup

    # -- checking --
    def submit_problems(self, values: dict) -> dict[str, list[str]]:
        """Everything that stops a submission: required, ranges, options, row counts and rules."""
        problems: dict[str, list[str]] = {}

        def add(key, message):
            problems.setdefault(key, []).append(message)

        for code, field in self.fields.items():
            if field["type"] == "table":
                self._table_problems(field, values, add)
                continue
            value = values.get(code)
            if is_blank(value):
                if field.get("required") and not self.is_computed(code):
                    add(code, "此项为必填")
                continue
            for message in FIELD_TYPES[field["type"]].check(field, value):
                add(code, message)
        # the rules last, the most important first (a table's row rules among them)
        for violation in self.violations(values):
            add(violation.key, violation.message)
        return problems

    def violations(self, values: dict) -> list[Violation]:
        """The rules the values do not meet (cross-field and each table row's), high importance first."""
        found: list[Violation] = []
        lookup = self._lookup(values)
        for rule in self.rules:
            if rule.table is None:
                if ex.evaluate(rule.tree, lookup) is False:
                    found.append(Violation(rule, rule.field))
                continue
            table = self.fields[rule.table]
            for row_key, row in self._table_rows(table, values):
                if ex.evaluate(rule.tree, self._lookup(values, table, row)) is False:
                    found.append(Violation(rule, f"{rule.table}.{row_key}.{rule.field}" if rule.field
                                           else f"{rule.table}.{row_key}"))
        return by_importance(found)

    def _table_rows(self, table, values) -> list[tuple[str, dict]]:
        code = table["code"]
        if table["rows"]:
            data = values.get(code) or {}
            return [(row["code"], data.get(row["code"]) or {}) for row in table["rows"]]
        return [(str(i), r) for i, r in enumerate(values.get(code) or [], start=1)]

    def _table_problems(self, table, values, add):
        code = table["code"]
        if table["rows"]:
            data = values.get(code) or {}
            rows = [(row["code"], data.get(row["code"]) or {}) for row in table["rows"]]
        else:
            rows = [(str(i), r) for i, r in enumerate(values.get(code) or [], start=1)]
            low = table.get("min_rows") or (1 if table.get("required") else 0)
            if len(rows) < low:
                add(code, f"至少填写 {low} 行")
        for row_key, row in rows:
            for column in table["columns"]:
                key = f"{code}.{row_key}.{column['code']}"
                value = row.get(column["code"])
                if is_blank(value):
                    if column.get("required") and not self.is_computed(code, column["code"]):
                        add(key, "此项为必填")
                    continue
                for message in FIELD_TYPES[column["type"]].check(column, value):
                    add(key, message)

    # -- flattening --
    def cells(self, values: dict) -> dict[str, object]:
        """Every non-blank cell as {key: stored value} (tables expanded, no totals)."""
        flat: dict[str, object] = {}
        for code, field in self.fields.items():
            if field["type"] != "table":
                if not is_blank(values.get(code)):
                    flat[code] = values[code]
                continue
            if field["rows"]:
                data = values.get(code) or {}
                row_keys = [(row["code"], data.get(row["code"]) or {}) for row in field["rows"]]
            else:
                row_keys = [(str(i), r) for i, r in enumerate(values.get(code) or [], start=1)]
            for row_key, row in row_keys:
                for column in field["columns"]:
                    value = row.get(column["code"])
                    if not is_blank(value):
                        flat[f"{code}.{row_key}.{column['code']}"] = value
        return flat

    def numbers(self, values: dict) -> dict[str, float]:
        """The numeric cells plus table column totals: what the aggregation reads."""
        result: dict[str, float] = {}
        for code, field in self.fields.items():
            if field["type"] != "table":
                if FIELD_TYPES[field["type"]].numeric and values.get(code) is not None:
                    result[code] = float(values[code])
                continue
            numeric_columns = [c["code"] for c in field["columns"] if FIELD_TYPES[c["type"]].numeric]
            if not numeric_columns:
                continue
            if field["rows"]:
                data = values.get(code) or {}
                rows = [(row["code"], data.get(row["code"]) or {}) for row in field["rows"]]
            else:
                rows = [(None, r) for r in values.get(code) or []]
            totals: dict[str, float] = {}
            for row_key, row in rows:
                for column in numeric_columns:
                    value = row.get(column)
                    if value is None:
                        continue
                    if row_key is not None:
                        result[f"{code}.{row_key}.{column}"] = float(value)
                    totals[column] = totals.get(column, 0.0) + float(value)
            for column, total in totals.items():
                result[f"{code}.*.{column}"] = total
        return result

    def numeric_keys(self) -> list[tuple[str, str, str | None]]:
        """(key, label, unit) of every aggregatable number, in form order."""
        keys = []
        for code, field in self.fields.items():
            if field["type"] != "table":
                if FIELD_TYPES[field["type"]].numeric:
                    keys.append((code, field["label"], field.get("unit")))
                continue
            numeric_columns = [c for c in field["columns"] if FIELD_TYPES[c["type"]].numeric]
            for row in field["rows"]:
                for column in numeric_columns:
                    keys.append((f"{code}.{row['code']}.{column['code']}",
                                 f"{field['label']}·{row['label']}·{column['label']}", column.get("unit")))
            for column in numeric_columns:
                keys.append((f"{code}.*.{column['code']}", f"{field['label']}·合计·{column['label']}",
                             column.get("unit")))
        return keys

    def key_index(self) -> dict[str, int]:
        """Position of each aggregatable number in the packed vector (fixed per published version)."""
        if getattr(self, "_key_index", None) is None:
            self._key_index = {key: i for i, (key, _, _) in enumerate(self.numeric_keys())}
        return self._key_index

    def pack_numbers(self, values: dict) -> bytes:
        """``numbers(values)`` as little-endian float64 in key order, NaN for blanks."""
        import numpy as np

        index = self.key_index()
        vector = np.full(len(index), np.nan, dtype="<f8")
        for key, value in self.numbers(values).items():
            vector[index[key]] = value
        return vector.tobytes()

    def unflatten(self, flat: dict[str, object]) -> tuple[dict, dict[str, list[str]]]:
        """Cells {key: raw} → a nested raw document for ``parse_values``; unknown keys are errors."""
        nested: dict = {}
        errors: dict[str, list[str]] = {}
        for key, raw in flat.items():
            try:
                _, table, row = self.cell_definition(key)
            except KeyError:
                errors.setdefault(key, []).append("模板中没有这个数据项")
                continue
            if table is None:
                nested[key] = raw
                continue
            code, _, column = key.split(".")
            if table["rows"]:
                nested.setdefault(code, {}).setdefault(row, {})[column] = raw
            else:
                nested.setdefault(code, {}).setdefault(int(row), {})[column] = raw
        for code, field in self.fields.items():
            if field["type"] == "table" and not field["rows"] and isinstance(nested.get(code), dict):
                rows = nested[code]
                nested[code] = [rows.get(i, {}) for i in range(1, max(rows) + 1)]
        return nested, errors


def _store_number(field, result):
    if result is None or not isinstance(result, Decimal):
        return None
    if field["type"] == "integer":
        return int(result.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    places = int(field.get("decimals", 2))
    return float(result.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP"))


# --- compiling -----------------------------------------------------------------------------------


def compile_definition(definition, *, for_publish: bool = False) -> TemplateSpec:
    """Check a definition and compile it; raises DefinitionError with {path: [messages]}."""
    try:
        data = DefinitionSchema().load(definition if isinstance(definition, dict) else {})
    except ValidationError as exc:
        raise DefinitionError("模板定义有误", fields=_flatten_errors(translate(exc.messages))) from exc
    errors: dict[str, list[str]] = {}

    def add(path, message):
        errors.setdefault(path, []).append(message)

    normalised = {"sections": [], "rules": [_drop_nones(r) for r in data["rules"]]}
    for s_index, section in enumerate(data["sections"]):
        fields_out = []
        for f_index, field in enumerate(section["fields"]):
            path = f"sections.{s_index}.fields.{f_index}"
            fields_out.append(_check_field(field, path, add, top_level=True))
        normalised["sections"].append(_drop_nones({**section, "fields": fields_out}, keep=("fields",)))
    codes: dict[str, str] = {}
    for s_index, section in enumerate(normalised["sections"]):
        for f_index, field in enumerate(section["fields"]):
            path = f"sections.{s_index}.fields.{f_index}.code"
            if field["code"] in codes:
                add(path, f"代码 {field['code']} 重复")
            codes[field["code"]] = path
    if for_publish and not codes:
        add("sections", "模板至少需要一个字段才能发布")
    if errors:
        raise DefinitionError("模板定义有误", fields=errors)
    spec = TemplateSpec(normalised)
    _compile_expressions(spec, add)
    if errors:
        raise DefinitionError("模板定义有误", fields=errors)
    return spec


def _check_field(field: dict, path: str, add, *, top_level: bool) -> dict:
    field = dict(field)
    ftype = field["type"]
    if field["code"].lower() in RESERVED_CODES:
        add(f"{path}.code", f"{field['code']} 是保留字，请换一个代码")
    if ftype in ("select", "multiselect"):
        if not field["options"]:
            add(f"{path}.options", "单选/多选至少需要一个选项")
        values = [o["value"] for o in field["options"]]
        labels = [o["label"] for o in field["options"]]
        if len(set(values)) != len(values) or len(set(labels)) != len(labels):
            add(f"{path}.options", "选项的值和名称不能重复")
    else:
        field["options"] = []
    if ftype in ("integer", "decimal"):
        if field["min"] is not None and field["max"] is not None and field["min"] > field["max"]:
            add(f"{path}.max", "最大值不能小于最小值")
        if ftype == "integer":
            for bound in ("min", "max"):
                if field[bound] is not None and not float(field[bound]).is_integer():
                    add(f"{path}.{bound}", "整数字段的界限须为整数")
                elif field[bound] is not None:
                    field[bound] = int(field[bound])
        if ftype == "decimal" and field["decimals"] is None:
            field["decimals"] = 2
    else:
        for key in ("min", "max", "decimals"):
            field[key] = None
        if field.get("formula"):
            add(f"{path}.formula", "只有整数、小数字段可以设置计算公式")
    if ftype == "date":
        for key in ("min_date", "max_date"):
            if field.get(key):
                try:
                    field[key] = parse_date(field[key]).isoformat()
                except ValueError:
                    add(f"{path}.{key}", "日期格式应为 2026-09-01")
    else:
        field["min_date"] = field["max_date"] = None
    if ftype not in ("text", "textarea"):
        field["max_length"] = None
    if field.get("formula"):
        field["required"] = False
    if not top_level:
        return _drop_nones(field)
    if ftype == "table":
        if not field["columns"]:
            add(f"{path}.columns", "表格至少需要一列")
        columns = []
        for c_index, column in enumerate(field["columns"]):
            columns.append(_check_field(column, f"{path}.columns.{c_index}", add, top_level=False))
        field["columns"] = columns
        for key, items in (("columns", columns), ("rows", field["rows"])):
            seen = set()
            for index, item in enumerate(items):
                if item["code"] in seen:
                    add(f"{path}.{key}.{index}.code", f"代码 {item['code']} 重复")
                seen.add(item["code"])
        if field["rows"]:
            field["min_rows"] = field["max_rows"] = None
        elif field["min_rows"] and field["max_rows"] and field["min_rows"] > field["max_rows"]:
            add(f"{path}.max_rows", "最多行数不能小于最少行数")
        field["rules"] = [_drop_nones(rule) for rule in field["rules"]]
        return _drop_nones(field, keep=("columns", "rows", "rules"))
    field["columns"], field["rows"], field["rules"] = [], [], []
    field["min_rows"] = field["max_rows"] = None
    return _drop_nones(field)


def _field_kind(definition: dict) -> str:
    return FIELD_TYPES[definition["type"]].kind


def _resolver(spec: TemplateSpec, table: dict | None, deps: set):
    def resolve(path: tuple[str, ...]) -> str:
        dotted = ".".join(path)
        if table is not None and len(path) == 1:
            column = spec.column(table, path[0])
            if column is not None:
                deps.add((table["code"], path[0]))
                return _field_kind(column)
        field = spec.fields.get(path[0])
        if field is None:
            raise ex.ExpressionError(f"“{dotted}” 不是本模板的字段代码")
        if len(path) == 1:
            if field["type"] == "table":
                deps.update((field["code"], c["code"]) for c in field["columns"])
                return "table"
            deps.add((path[0],))
            return _field_kind(field)
        if field["type"] != "table":
            raise ex.ExpressionError(f"“{path[0]}” 不是表格，不能写成 {dotted}")
        column = spec.column(field, path[-1])
        if column is None:
            raise ex.ExpressionError(f"表格 {path[0]} 没有列 “{path[-1]}”")
        deps.add((field["code"], column["code"]))
        if len(path) == 2:
            kind = _field_kind(column)
            return ex.LIST_NUMBER if kind == ex.NUMBER else ex.LIST_TEXT
        if not field["rows"] or path[1] not in {r["code"] for r in field["rows"]}:
            raise ex.ExpressionError(f"表格 {path[0]} 没有固定行 “{path[1]}”")
        return _field_kind(column)

    return resolve


def checked_expression(spec: TemplateSpec, text: str, *, purpose: str, table: dict | None = None,
                       deps: set | None = None):
    """Parse and check a computed field's formula (``purpose="formula"``) or a rule's condition
    (``"rule"``) against ``spec`` (within ``table`` for a column or a row rule); the tree, or
    ExpressionError with a Chinese message."""
    tree = ex.parse(text)
    kind = ex.check(tree, _resolver(spec, table, set() if deps is None else deps))
    if purpose == "formula" and kind not in (ex.NUMBER, ex.ANY):
        raise ex.ExpressionError(f"计算公式的结果须为数值，而不是{ex.KIND_LABELS[kind]}")
    if purpose == "rule" and kind not in (ex.BOOL, ex.ANY):
        raise ex.ExpressionError("校验规则须是一个条件（如 a <= b），结果为真或假")
    return tree


def _compile_expressions(spec: TemplateSpec, add) -> None:
    positions = {}
    for s_index, section in enumerate(spec.sections):
        for f_index, field in enumerate(section["fields"]):
            positions[field["code"]] = f"sections.{s_index}.fields.{f_index}"
    graph: dict[tuple[str, ...], set] = {}

    def compile_formula(node, definition, table, path):
        deps: set = set()
        try:
            tree = checked_expression(spec, definition["formula"], purpose="formula", table=table, deps=deps)
        except ex.ExpressionError as exc:
            add(f"{path}.formula", exc.message)
            return
        spec.formulas[node] = tree
        graph[node] = deps

    for code, field in spec.fields.items():
        path = positions[code]
        if field.get("formula"):
            compile_formula((code,), field, None, path)
        for c_index, column in enumerate(field.get("columns", [])):
            if column.get("formula"):
                compile_formula((code, column["code"]), column, field, f"{path}.columns.{c_index}")

    def compile_rule(rule, path, table):
        deps: set = set()
        try:
            tree = checked_expression(spec, rule["expression"], purpose="rule", table=table, deps=deps)
        except ex.ExpressionError as exc:
            add(f"{path}.expression", exc.message)
            return
        target = rule.get("field")
        if table is None:
            if target and target not in spec.fields:
                add(f"{path}.field", f"“{target}” 不是本模板的字段代码")
            first = sorted(ex.references(tree), key=lambda p: rule["expression"].find(p[0]))
            target = target or (first[0][0] if first else next(iter(spec.fields), "rules"))
        else:
            if target and spec.column(table, target) is None:
                add(f"{path}.field", f"表格 {table['code']} 没有列 “{target}”")
            columns = [p[0] for p in ex.references(tree) if len(p) == 1 and spec.column(table, p[0])]
            target = target or (min(columns, key=rule["expression"].find) if columns else None)
        spec.rules.append(Rule(rule["expression"], rule["message"], tree, target,
                               table["code"] if table else None, rule.get("importance")))

    for index, rule in enumerate(spec.definition["rules"]):
        compile_rule(rule, f"rules.{index}", None)
    for field in spec.tables:
        for index, rule in enumerate(field.get("rules", [])):
            compile_rule(rule, f"{positions[field['code']]}.rules.{index}", field)

    spec.order = _topological(graph, spec, positions, add)


def _topological(graph, spec, positions, add) -> list[tuple[str, ...]]:
    order: list[tuple[str, ...]] = []
    state: dict[tuple[str, ...], int] = {}

    def name(node):
        return ".".join(node)

    def visit(node, trail):
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = trail[trail.index(node):] + [node]
            add(f"{positions[node[0]]}.formula" if len(node) == 1 else positions[node[0]],
                "计算公式循环引用：" + " → ".join(name(n) for n in cycle))
            return
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if dep in graph:
                visit(dep, trail + [node])
        state[node] = 2
        order.append(node)

    for node in graph:
        visit(node, [])
    return order


_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 64


def spec_for(version) -> TemplateSpec:
    """The compiled spec of a template version; published versions never change, so they are cached."""
    if not version.is_published:
        return compile_definition(version.definition)
    spec = _CACHE.get(version.id)
    if spec is None or spec.definition is not version.definition and spec.definition != version.definition:
        spec = compile_definition(version.definition)
        _CACHE[version.id] = spec
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(version.id)
    return spec
