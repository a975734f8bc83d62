"""Template definitions: what the designer may save, and how a spec checks a school's values."""

from __future__ import annotations

import pytest

from eduplatform.reporting.spec import DefinitionError, compile_definition


def field(code, type="integer", **extra):
    return {"code": code, "label": code.upper(), "type": type, **extra}


def definition(*fields, rules=()):
    return {"sections": [{"title": "一", "fields": list(fields)}], "rules": list(rules)}


def errors_of(defn, **kwargs):
    with pytest.raises(DefinitionError) as info:
        compile_definition(defn, **kwargs)
    return info.value.fields


def test_the_sample_compiles_in_dependency_order(sample_definition):
    spec = compile_definition(sample_definition)
    order = spec.order
    assert order.index(("grades", "total")) < order.index(("students_total",))
    assert len(spec.rules) == 3  # two form rules, one table-row rule


@pytest.mark.parametrize("defn, path, message", [
    (definition(field("a"), field("a")), "sections.0.fields.1.code", "重复"),
    (definition(field("1a")), "sections.0.fields.0.code", "代码须以字母开头"),
    (definition(field("sum")), "sections.0.fields.0.code", "保留字"),
    (definition(field("a", type="blob")), "sections.0.fields.0.type", "不支持的字段类型"),
    (definition(field("a", min=5, max=1)), "sections.0.fields.0.max", "最大值不能小于最小值"),
    (definition(field("a", min=0.5)), "sections.0.fields.0.min", "整数字段的界限须为整数"),
    (definition(field("a", type="select")), "sections.0.fields.0.options", "至少需要一个选项"),
    (definition(field("a", type="select", options=[{"value": "1", "label": "甲"}, {"value": "1", "label": "乙"}])),
     "sections.0.fields.0.options", "不能重复"),
    (definition(field("a", type="text", formula="1")), "sections.0.fields.0.formula", "只有整数、小数"),
    (definition(field("a", formula="b + 1")), "sections.0.fields.0.formula", "不是本模板的字段代码"),
    (definition(field("a", formula="b + 1"), field("b", formula="a * 2")), "sections.0.fields.0.formula", "循环引用"),
    (definition(field("a", formula="t > 1"), field("t", type="text")), "sections.0.fields.0.formula", "不能比较"),
    (definition(field("t", type="table")), "sections.0.fields.0.columns", "至少需要一列"),
    (definition(field("t", type="table", columns=[field("c", type="multiselect")])),
     "sections.0.fields.0.columns.0.type", "不支持的字段类型"),
    (definition(field("t", type="table", columns=[field("c")], rows=[{"code": "r", "label": "R"}] * 2)),
     "sections.0.fields.0.rows.1.code", "重复"),
    (definition(field("a"), rules=[{"expression": "a + 1", "message": "m"}]), "rules.0.expression", "须是一个条件"),
    (definition(field("a"), rules=[{"expression": "a >", "message": "m"}]), "rules.0.expression", "不完整"),
    (definition(field("a"), rules=[{"expression": "a > 1"}]), "rules.0.message", "必填"),
    (definition(field("a", type="date", min_date="2026-13-01")), "sections.0.fields.0.min_date", "日期格式"),
    ({"sections": [{"fields": []}]}, "sections.0.title", "必填"),
])
def test_bad_definitions_are_refused_with_the_path(defn, path, message):
    errors = errors_of(defn)
    assert path in errors, errors
    assert any(message in m for m in errors[path]), errors[path]


def test_publishing_needs_a_field():
    assert "sections" in errors_of(definition(), for_publish=True)
    compile_definition(definition())  # a draft may be empty


def test_table_references_are_checked():
    t = field("t", type="table", columns=[field("c")], rows=[{"code": "r1", "label": "R1"}])
    compile_definition(definition(t, field("x", formula="sum(t.c) + t.r1.c")))
    assert "没有列" in errors_of(definition(t, field("x", formula="sum(t.zz)")))["sections.0.fields.1.formula"][0]
    assert "没有固定行" in errors_of(definition(t, field("x", formula="t.r9.c")))["sections.0.fields.1.formula"][0]


def test_parse_values_reports_type_errors_per_cell(sample_definition):
    spec = compile_definition(sample_definition)
    values, errors = spec.parse_values({
        "teachers_total": "四十", "teachers_female": "２５", "budget": "1.234", "founded": "2026年2月30日",
        "school_kind": "民办", "features": "智慧课堂、双师课堂", "grades": {"g1": {"boys": "x", "girls": 3}},
        "clubs": [{"name": "", "members": ""}, {"name": "合唱团", "members": "2.5"}], "nosuch": 1,
        "female_ratio": 99,
    })
    assert errors == {
        "teachers_total": ["请输入整数"], "budget": ["最多 2 位小数"], "founded": ["日期不存在"],
        "grades.g1.boys": ["请输入整数"], "clubs.2.members": ["请输入整数"], "nosuch": ["模板中没有这个字段"],
    }
    assert values["teachers_female"] == 25  # full-width digits from a Chinese IME
    assert values["school_kind"] == "private"  # the label is accepted
    assert values["features"] == ["smart", "dual"]
    assert "female_ratio" not in values  # computed fields take no input
    assert values["clubs"] == [{"name": "合唱团"}]  # the blank row is dropped


def test_compute_and_submit_problems(sample_definition, good_values):
    spec = compile_definition(sample_definition)
    values, errors = spec.parse_values(good_values)
    assert errors == {}
    spec.compute(values)
    assert values["grades"]["g1"]["total"] == 98
    assert values["students_total"] == 98 + 92 + 81
    assert values["female_ratio"] == 62.5
    assert spec.submit_problems(values) == {}

    values, _ = spec.parse_values({**good_values, "teachers_female": 41, "teachers_total": 40,
                                   "grades": {"g1": {"boys": 600, "girls": 500}, "g2": {"boys": 1}},
                                   "principal": "", "clubs": [{"members": 0}]})
    spec.compute(values)
    problems = spec.submit_problems(values)
    assert problems["teachers_female"] == ["女教师数不能超过教师总数（重要程度：中）"]
    assert problems["principal"] == ["此项为必填"]
    assert problems["grades.g1.total"] == ["单个年级学生数不超过 1000（重要程度：中）"]
    assert problems["grades.g2.girls"] == ["此项为必填"]
    assert problems["grades.g3.boys"] == ["此项为必填"]
    assert problems["clubs.1.name"] == ["此项为必填"]
    assert problems["clubs.1.members"] == ["不能小于 1"]


def test_numbers_and_cells(sample_definition, good_values):
    spec = compile_definition(sample_definition)
    values, _ = spec.parse_values(good_values)
    spec.compute(values)
    numbers = spec.numbers(values)
    assert numbers["grades.g2.girls"] == 47
    assert numbers["grades.*.total"] == 271
    assert numbers["clubs.*.members"] == 35
    assert "clubs.1.members" not in numbers  # rows the school adds are summed by column only
    cells = spec.cells(values)
    assert cells["clubs.2.name"] == "书法社"
    assert cells["features"] == ["smart", "maker"]
    keys = [key for key, _, _ in spec.numeric_keys()]
    assert set(numbers) <= set(keys)

    nested, errors = spec.unflatten({"grades.g1.boys": "5", "clubs.2.name": "x", "nope": 1, "grades.g9.boys": 1})
    assert nested == {"grades": {"g1": {"boys": "5"}}, "clubs": [{}, {"name": "x"}]}
    assert set(errors) == {"nope", "grades.g9.boys"}


def test_merge_keeps_untouched_cells(sample_definition, good_values):
    spec = compile_definition(sample_definition)
    current, _ = spec.parse_values(good_values)
    merged = spec.merge(current, {"grades": {"g1": {"boys": 1}}, "principal": None})
    assert merged["grades"]["g1"] == {"boys": 1, "girls": 48}
    assert merged["grades"]["g2"] == {"boys": 45, "girls": 47}
    assert merged["principal"] is None
