"""What the template designer asks without saving: an expression in words, and the unsaved draft
compiled as far as it goes so that the school's form can be previewed while it is being built.

Nothing here touches the database: the designer sends the definition it holds, and the answers
come from the same ``spec`` code that checks a saved draft and fills a school's form.
"""

from __future__ import annotations

import copy
import re

from eduplatform.reporting import expressions as ex
from eduplatform.reporting.spec import DefinitionError, TemplateSpec, checked_expression, compile_definition

PURPOSES = ("formula", "rule")

#: the builder's function menu: every function the parser accepts, named in Chinese, with its use
FUNCTION_LABELS = {
    "sum": ("求和", "sum(a, b, 表格.列)：各项之和"),
    "min": ("最小值", "min(a, b …)"),
    "max": ("最大值", "max(a, b …)"),
    "avg": ("平均值", "avg(a, b, 表格.列)"),
    "count": ("个数", "count(表格.列)：已填的个数"),
    "abs": ("绝对值", "abs(a)"),
    "round": ("四舍五入", "round(a, 小数位数)"),
    "if": ("如果…则…否则…", "if(条件, 成立时的值, 否则的值)"),
    "empty": ("未填", "empty(a)：a 未填时为真"),
    "contains": ("包含", "contains(多选字段, 选项值)"),
    "len": ("长度", "len(文本)"),
    "coalesce": ("未填时取", "coalesce(a, 未填时的值)"),
    "rows": ("行数", "rows(表格)"),
}


def function_menu() -> list[dict]:
    """The functions the expression language accepts, in the builder's order."""
    return [{"name": name, "label": f"{label} {name}()", "hint": hint}
            for name, (label, hint) in FUNCTION_LABELS.items() if name in ex.FUNCTIONS]

_FORMULA = re.compile(r"^sections\.(\d+)\.fields\.(\d+)(?:\.columns\.(\d+))?\.formula$")
_FIELD_RULE = re.compile(r"^sections\.(\d+)\.fields\.(\d+)\.rules\.(\d+)\.")
_RULE = re.compile(r"^rules\.(\d+)\.")


def draft_spec(definition) -> tuple[TemplateSpec, dict[str, list[str]]]:
    """The draft compiled, with the formulas and rules that do not compile left out, and those
    problems by path. A definition whose shape is wrong (no sections, a bad code …) raises
    DefinitionError, as saving it would."""
    try:
        return compile_definition(definition), {}
    except DefinitionError as exc:
        problems = exc.fields
    try:
        return compile_definition(_without(definition, problems)), problems
    except DefinitionError:
        pass
    # A cycle of formulas, or a rule that read a removed formula: preview the fields alone (a wrong
    # shape raises here, with its own paths).
    return compile_definition(_without(definition, None)), problems


def _without(definition, problems: dict | None) -> dict:
    """A copy without the formulas and rules named in ``problems`` (all of them when None)."""
    result = copy.deepcopy(definition) if isinstance(definition, dict) else {}
    sections = result.get("sections") if isinstance(result.get("sections"), list) else []

    def item(items, index):
        return items[index] if isinstance(items, list) and index < len(items) and isinstance(items[index], dict) \
            else None

    def drop_all(node):
        if isinstance(node, dict):
            node.pop("formula", None)
            node.pop("rules", None)
            for column in node.get("columns") or []:
                if isinstance(column, dict):
                    column.pop("formula", None)

    if problems is None:
        result["rules"] = []
        for section in sections:
            for field in (section.get("fields") or []) if isinstance(section, dict) else []:
                drop_all(field)
        return result
    broken_rules: set[int] = set()
    broken_field_rules: set[tuple[int, int, int]] = set()
    for path in problems:
        if match := _FORMULA.match(path):
            s_index, f_index, c_index = match.groups()
            section = item(sections, int(s_index))
            field = item(section.get("fields"), int(f_index)) if section else None
            target = item(field.get("columns"), int(c_index)) if field and c_index is not None else field
            if target is not None:
                target.pop("formula", None)
        elif match := _FIELD_RULE.match(path):
            broken_field_rules.add(tuple(int(g) for g in match.groups()))
        elif match := _RULE.match(path):
            broken_rules.add(int(match.group(1)))
    if isinstance(result.get("rules"), list):
        result["rules"] = [r for i, r in enumerate(result["rules"]) if i not in broken_rules]
    for s_index, f_index, r_index in sorted(broken_field_rules, reverse=True):
        section = item(sections, s_index)
        field = item(section.get("fields"), f_index) if section else None
        if field and isinstance(field.get("rules"), list) and r_index < len(field["rules"]):
            del field["rules"][r_index]
    return result


def describe_expression(definition, text: str, *, purpose: str, table: str | None = None) -> str:
    """``text`` in the words the school reads, checked against the unsaved draft; ExpressionError
    (Chinese message) when it does not parse or does not fit the draft's fields."""
    spec, _ = draft_spec(definition)
    within = None
    if table:
        within = spec.field(table)
        if within is None or within["type"] != "table":
            raise ex.ExpressionError(f"草稿中没有表格 “{table}”")
    tree = checked_expression(spec, text or "", purpose=purpose, table=within)
    return ex.describe(tree, spec.labeller(within))
