"""Moodle XML (import and export): multichoice, truefalse, shortanswer, multianswer (cloze short
answers: our multi-blank fill-in), numerical, matching, essay; category questions; tags.

Difficulty travels as a tag ``difficulty:N``. Question types we do not have (calculated, ddwtos,
gapselect, ordering …) are reported by name, never dropped silently.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from eduplatform.questions.formats.base import Format, ParseResult, new_item, register_format
from eduplatform.questions.formats.gift import strip_category
from eduplatform.questions.formats.xmlsafe import parse_xml
from eduplatform.questions.richtext import from_text, sanitize
from eduplatform.questions.types.builtin import BLANK_RE, format_number

DIFFICULTY_TAG = re.compile(r"^difficulty:([1-5])$")
_CLOZE = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^}])*)\}")
TYPE_NAMES = {"calculated": "计算题", "calculatedsimple": "简单计算题", "calculatedmulti": "计算选择题",
              "ddwtos": "拖放文字", "ddimageortext": "拖放到图片", "ddmarker": "拖放标记",
              "gapselect": "选择缺失的词", "randomsamatch": "随机简答匹配", "description": "说明文字",
              "ordering": "排序题"}


def _text_of(node, path: str) -> tuple[str | None, str]:
    element = node.find(path)
    if element is None:
        return None, "html"
    fmt = element.get("format", "html")
    text_el = element.find("text") if element.tag != "text" else element
    return (text_el.text or "") if text_el is not None else (element.text or ""), fmt


def _rich(text: str | None, fmt: str) -> str:
    if text is None:
        return ""
    return sanitize(text) if fmt in ("html", "markdown") else from_text(text)


def parse(raw: bytes) -> ParseResult:
    result = ParseResult()
    root = parse_xml(raw, "Moodle XML")
    if root.tag != "quiz":
        result.problem("根元素须为 <quiz>", line=root.sourceline)
        return result
    category = ""
    number = 0
    for node in root.iterchildren("question"):
        qtype = node.get("type", "")
        if qtype == "category":
            path, _ = _text_of(node, "category")
            category = strip_category(path or "")
            continue
        number += 1
        line = node.sourceline
        try:
            item = _parse_question(node, qtype, number, line, category)
        except ValueError as exc:
            result.problem(str(exc), line=line, number=number)
            continue
        result.items.append(item)
    return result


def _parse_question(node, qtype: str, number: int, line: int, category: str) -> dict[str, Any]:
    text, fmt = _text_of(node, "questiontext")
    stem = _rich(text, fmt)
    analysis = _rich(*_text_of(node, "generalfeedback"))
    name, _ = _text_of(node, "name")
    score = node.findtext("defaultgrade")
    tags, difficulty = [], None
    for tag in node.findall("tags/tag"):
        value = (tag.findtext("text") or "").strip()
        match = DIFFICULTY_TAG.match(value)
        if match:
            difficulty = int(match.group(1))
        elif value:
            tags.append(value)
    answers = [(float(a.get("fraction", "0") or 0), _rich(a.findtext("text") or "", a.get("format", "html")), a)
               for a in node.findall("answer")]
    common = {"number": number, "line": line, "analysis": analysis, "difficulty": difficulty, "tags": tags,
              "category": category, "title": (name or "").strip(),
              "score": float(score) if score not in (None, "") else None}
    if qtype == "multichoice":
        single = (node.findtext("single") or "true").strip().lower() in ("true", "1")
        options = [text for _, text, _ in answers]
        right = [n for n, (fraction, _, _) in enumerate(answers) if fraction > 0]
        if not right:
            raise ValueError("选择题没有正确答案（fraction 须大于 0）")
        if single:
            return new_item("single", stem, {"options": options, "answer": right[0]}, **common)
        return new_item("multiple", stem, {"options": options, "answer": right}, **common)
    if qtype == "truefalse":
        right = [a for a in answers if a[0] > 0]
        if len(right) != 1:
            raise ValueError("判断题须有且只有一个正确答案")
        word = (right[0][2].findtext("text") or "").strip().lower()
        return new_item("true_false", stem, {"answer": word == "true"}, **common)
    if qtype == "shortanswer":
        accepted = [(a.findtext("text") or "").strip() for fraction, _, a in answers if fraction >= 100]
        if not accepted:
            raise ValueError("简答（填空）题没有满分答案")
        usecase = (node.findtext("usecase") or "0").strip() == "1"
        return new_item("fill_blank", stem, {"blanks": [accepted], "case_sensitive": usecase}, **common)
    if qtype == "multianswer":
        blanks: list[list[str]] = []
        sensitive = []

        def marker(match) -> str:
            kind = match.group(2)
            sensitive.append(kind in ("SHORTANSWER_C", "SAC", "MWC"))
            if kind not in ("SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC"):
                raise ValueError(f"不支持的完形填空子题类型：{kind}")
            accepted = []
            for part in re.split(r"(?<!\\)~", match.group(3)):
                if part.startswith(("=", "%100%")):
                    value = part[1:] if part.startswith("=") else part[5:]
                    accepted.append(re.sub(r"\\(.)", r"\1", value.split("#", 1)[0]).strip())
            if not accepted:
                raise ValueError("完形填空的空没有满分答案")
            blanks.append(accepted)
            return f"[[{len(blanks)}]]"

        stem = _CLOZE.sub(marker, stem)
        if not blanks:
            raise ValueError("完形填空题中没有找到 {1:SHORTANSWER:=…} 形式的空")
        return new_item("fill_blank", stem, {"blanks": blanks, "case_sensitive": any(sensitive)}, **common)
    if qtype == "numerical":
        right = [a for a in answers if a[0] >= 100] or answers[:1]
        if not right:
            raise ValueError("数值题没有答案")
        element = right[0][2]
        try:
            answer = float((element.findtext("text") or "").strip())
            tolerance = float((element.findtext("tolerance") or "0").strip() or 0)
        except ValueError:
            raise ValueError("数值题的答案或误差不是数字") from None
        return new_item("numerical", stem, {"answer": answer, "tolerance": tolerance}, **common)
    if qtype == "matching":
        pairs, distractors = [], []
        for sub in node.findall("subquestion"):
            left = _rich(*_text_of(sub, "text")) if sub.find("text") is not None else ""
            right = from_text(sub.findtext("answer/text") or "")
            if left:
                pairs.append([sanitize(left) if left else left, right])
            elif right:
                distractors.append(right)
        return new_item("matching", stem, {"pairs": pairs, "distractors": distractors}, **common)
    if qtype == "essay":
        reference = _rich(*_text_of(node, "graderinfo"))
        return new_item("essay", stem, {"reference": reference}, **common)
    label = TYPE_NAMES.get(qtype)
    raise ValueError(f"不支持的 Moodle 题型：{qtype}{f'（{label}）' if label else ''}")


# --- export -----------------------------------------------------------------------------------

def _sub(parent, tag: str, text: str | None = None, **attrs):
    element = etree.SubElement(parent, tag, **{k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _rich_el(parent, tag: str, html: str, **attrs):
    element = _sub(parent, tag, format="html", **attrs)
    _sub(element, "text").text = etree.CDATA(html) if html else ""
    return element


def _cloze_escape(text: str) -> str:
    return re.sub(r"([}#~/\"\\=])", r"\\\1", text)


def export(items: list[dict[str, Any]]) -> bytes:
    quiz = etree.Element("quiz")
    category = None
    for n, item in enumerate(items, 1):
        if item.get("category", "") != category:
            category = item.get("category", "")
            question = _sub(quiz, "question", type="category")
            _sub(_sub(question, "category"), "text", "$course$/top" + (f"/{category}" if category else ""))
        _export_one(quiz, item, n)
    return etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _export_one(quiz, item: dict[str, Any], n: int) -> None:
    qtype, data = item["type"], item["data"]
    moodle_type = {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse",
                   "fill_blank": "multianswer", "numerical": "numerical", "matching": "matching",
                   "essay": "essay"}[qtype]
    question = _sub(quiz, "question", type=moodle_type)
    _sub(_sub(question, "name"), "text", item.get("title") or f"Q{n}")
    stem = item["stem"]
    if qtype == "fill_blank":
        kind = "SHORTANSWER_C" if data.get("case_sensitive") else "SHORTANSWER"
        stem = BLANK_RE.sub(lambda m: "{1:" + kind + ":" + "~".join(
            "=" + _cloze_escape(a) for a in data["blanks"][int(m.group(1)) - 1]) + "}", stem)
    _rich_el(question, "questiontext", stem)
    _rich_el(question, "generalfeedback", item.get("analysis") or "")
    _sub(question, "defaultgrade", format_number(float(item.get("score") or 1)))
    if qtype in ("single", "multiple"):
        right = [data["answer"]] if qtype == "single" else data["answer"]
        _sub(question, "single", "true" if qtype == "single" else "false")
        _sub(question, "shuffleanswers", "true")
        _sub(question, "answernumbering", "ABCD")
        for i, option in enumerate(data["options"]):
            fraction = "100" if qtype == "single" else f"{100 / len(right):.5f}".rstrip("0").rstrip(".")
            answer = _rich_el(question, "answer", option, fraction=fraction if i in right else "0")
            _rich_el(answer, "feedback", "")
    elif qtype == "true_false":
        for word in ("true", "false"):
            answer = _sub(question, "answer", fraction="100" if data["answer"] == (word == "true") else "0",
                          format="moodle_auto_format")
            _sub(answer, "text", word)
    elif qtype == "numerical":
        answer = _sub(question, "answer", fraction="100", format="moodle_auto_format")
        _sub(answer, "text", format_number(data["answer"]))
        _sub(answer, "tolerance", format_number(data["tolerance"]))
    elif qtype == "matching":
        _sub(question, "shuffleanswers", "true")
        for left, right in data["pairs"]:
            sub = _rich_el(question, "subquestion", left)
            _sub(_sub(sub, "answer"), "text", _plain_right(right))
        for distractor in data.get("distractors", []):
            sub = _rich_el(question, "subquestion", "")
            _sub(_sub(sub, "answer"), "text", _plain_right(distractor))
    elif qtype == "essay":
        _sub(question, "responseformat", "editor")
        _sub(question, "responsefieldlines", "10")
        _rich_el(question, "graderinfo", data.get("reference") or "")
    tags = _sub(question, "tags")
    for tag in list(item.get("tags") or []) + [f"difficulty:{item.get('difficulty') or 3}"]:
        _sub(_sub(tags, "tag"), "text", tag)


def _plain_right(rich: str) -> str:
    """Moodle's matching answers are plain text."""
    from eduplatform.questions.richtext import as_plain, plain_text

    plain = as_plain(rich)
    return plain if plain is not None else plain_text(rich)


register_format(Format("moodle_xml", "Moodle XML", (".xml",), parse, export,
                       content_type="application/xml; charset=utf-8", export_extension="xml"))
