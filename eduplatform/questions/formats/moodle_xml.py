"""Moodle XML (import and export): multichoice (single/multiple, every answer's fraction and
feedback kept, negatives included), truefalse (feedback per answer), shortanswer (a credit per
answer, ``*`` wildcards, case flag), numerical (several answers with tolerance, credit, feedback),
matching (distractors), essay, cloze / multianswer (our 完形填空 type; all-short-answer clozes are our
multi-blank fill-in); category questions; tags; embedded files (``<file … encoding="base64">``
referenced as ``@@PLUGINFILE@@/name``) as inline images that the import stores.

Difficulty travels as a tag ``difficulty:N``. Fractions Moodle itself refuses are refused, naming the
question. Question types we do not have (calculated, ddwtos, gapselect, ordering …) are reported by
name, never dropped silently.
"""

from __future__ import annotations

import base64
import binascii
import html as html_lib
import re
from typing import Any
from urllib.parse import unquote

from lxml import etree

from eduplatform.core.text.richtext import from_markdown, from_text, sanitize
from eduplatform.core.text.xml import parse_xml
from eduplatform.questions.formats.base import (
    Format,
    ParseResult,
    image_data_uri,
    new_item,
    packaged_images,
    register_format,
)
from eduplatform.questions.formats.gift import strip_category
from eduplatform.questions.types.builtin import BLANK_RE, format_number

DIFFICULTY_TAG = re.compile(r"^difficulty:([1-5])$")
#: Tag that marks the platform's own multiple-choice rule (all right = full, right subset = half).
PLATFORM_GRADING_TAG = "edu:platform-multiple-grading"
_CLOZE = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^}])*)\}")
TYPE_NAMES = {"calculated": "计算题", "calculatedsimple": "简单计算题", "calculatedmulti": "计算选择题",
              "ddwtos": "拖放文字", "ddimageortext": "拖放到图片", "ddmarker": "拖放标记",
              "gapselect": "选择缺失的词", "randomsamatch": "随机简答匹配", "description": "说明文字",
              "ordering": "排序题", "random": "随机题"}
#: The grades Moodle offers (question_bank::fraction_options_full), in percent; others it refuses.
MOODLE_GRADES = [100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667,
                 14.28571, 12.5, 11.11111, 10, 5, 0]
CLOZE_KINDS = {"SHORTANSWER": ("shortanswer", {}), "SA": ("shortanswer", {}), "MW": ("shortanswer", {}),
               "SHORTANSWER_C": ("shortanswer", {"case_sensitive": True}),
               "SAC": ("shortanswer", {"case_sensitive": True}), "MWC": ("shortanswer", {"case_sensitive": True}),
               "NUMERICAL": ("numerical", {}), "NM": ("numerical", {})}
for _short, _long, _display in (("MC", "MULTICHOICE", "dropdown"), ("MCV", "MULTICHOICE_V", "vertical"),
                                ("MCH", "MULTICHOICE_H", "horizontal")):
    CLOZE_KINDS[_short] = CLOZE_KINDS[_long] = ("multichoice", {"display": _display})
    CLOZE_KINDS[_short + "S"] = CLOZE_KINDS[_long + ("S" if "_" in _long else "_S")] = \
        ("multichoice", {"display": _display, "shuffle": True})
for _short, _long, _display in (("MR", "MULTIRESPONSE", "vertical"), ("MRH", "MULTIRESPONSE_H", "horizontal")):
    CLOZE_KINDS[_short] = CLOZE_KINDS[_long] = ("multiresponse", {"display": _display})
    CLOZE_KINDS[_short + "S"] = CLOZE_KINDS[_long + ("S" if "_" in _long else "_S")] = \
        ("multiresponse", {"display": _display, "shuffle": True})


def moodle_grade(value: str | float, where: str) -> float:
    """A fraction (0–1, or percent for cloze) checked against Moodle's grade list; in percent."""
    try:
        percent = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}的得分比例“{value}”不是数字") from None
    if not any(abs(abs(percent) - g) < 0.001 for g in MOODLE_GRADES):
        raise ValueError(f"{where}的得分比例 {format_number(percent)}% 不是 Moodle 允许的值"
                         "（100、90、83.33333、80、75、70、66.66667、60、50、40、33.33333、30、25、20、"
                         "16.66667、14.28571、12.5、11.11111、10、5、0 及其负数）")
    return next(g for g in MOODLE_GRADES if abs(abs(percent) - g) < 0.001) * (-1 if percent < 0 else 1)


class _Text:
    """The rich-text fields of one question: embedded files become inline images."""

    def __init__(self, name: str):
        self.name = name

    def of(self, element) -> str:
        if element is None:
            return ""
        fmt = element.get("format", "html")
        text_el = element.find("text") if element.tag != "text" else element
        text = (text_el.text or "") if text_el is not None else (element.text or "")
        files = {}
        for file in element.findall("file"):
            path = (file.get("path") or "/").strip("/")
            name = f"{path}/{file.get('name')}" if path else file.get("name") or ""
            try:
                files[name] = base64.b64decode(file.text or "", validate=False)
            except (binascii.Error, ValueError):
                raise ValueError(f"嵌入文件 {name} 不是有效的 base64") from None
        text = re.sub(r"@@PLUGINFILE@@/([^\"'\s>)]+)", lambda m: self._inline(unquote(m.group(1)), files), text)
        if fmt == "html":
            return sanitize(text)
        if fmt == "markdown":
            return from_markdown(text)
        if fmt == "moodle_auto_format" and re.search(r"<[a-z]", text):
            return sanitize(text.replace("\n", "<br>"))
        return from_text(text)

    def _inline(self, name: str, files: dict[str, bytes]) -> str:
        data = files.get(name)
        if data is None:
            raise ValueError(f"引用的文件 {name} 不在题目中（@@PLUGINFILE@@）")
        # The import stores inline images through the storage service (transfer.store_inline_images).
        return image_data_uri(data, f"嵌入文件 {name} ")


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
            category = strip_category(node.findtext("category/text") or "")
            continue
        number += 1
        line = node.sourceline
        name = (node.findtext("name/text") or "").strip()
        try:
            item = _parse_question(node, qtype, number, line, category)
        except ValueError as exc:
            result.problem(f"{f'“{name}”：' if name else ''}{exc}", line=line, number=number)
            continue
        item["notes"] = _not_kept(node)
        result.items.append(item)
    return result


def _not_kept(node) -> list[str]:
    """What of a Moodle question the platform does not store (the preview lists it)."""
    notes = []
    if any((h.findtext("text") or "").strip() for h in node.findall("hint")):
        notes.append("多次尝试的提示（hint）未保留")
    combined = [tag for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")
                if (node.findtext(f"{tag}/text") or "").strip()]
    if combined:
        notes.append("整体反馈（" + "、".join({"correctfeedback": "答对", "partiallycorrectfeedback": "部分答对",
                                            "incorrectfeedback": "答错"}[t] for t in combined) + "）未保留，逐项反馈与解析已保留")
    penalty = (node.findtext("penalty") or "").strip()
    if penalty and float(penalty or 0) not in (0.0, 0.3333333, 0.33333, 1.0):
        notes.append(f"重答扣分 {penalty} 未保留（平台的考试只作答一次）")
    if (node.get("type") in ("cloze", "multianswer") and re.search(r"\{\d*:(MC|MR|MULTICHOICE|MULTIRESPONSE)\w*S:",
                                                                   node.findtext("questiontext/text") or "")):
        notes.append("选项打乱（…S 变体）未保留：按文件中的顺序显示")
    return notes


def _answers(node, rich: _Text, where: str) -> list[dict[str, Any]]:
    out = []
    for n, a in enumerate(node.findall("answer"), 1):
        percent = moodle_grade(a.get("fraction", "0") or 0, f"{where}第 {n} 个答案")
        out.append({"percent": percent, "element": a, "html": rich.of(a),
                    "raw": (a.findtext("text") or "").strip(), "feedback": rich.of(a.find("feedback"))})
    return out


def _parse_question(node, qtype: str, number: int, line: int, category: str) -> dict[str, Any]:
    rich = _Text(node.findtext("name/text") or "")
    stem = rich.of(node.find("questiontext"))
    analysis = rich.of(node.find("generalfeedback"))
    name = node.findtext("name/text") or ""
    score = node.findtext("defaultgrade")
    tags, difficulty, platform_grading = [], None, False
    for tag in node.findall("tags/tag"):
        value = (tag.findtext("text") or "").strip()
        match = DIFFICULTY_TAG.match(value)
        if match:
            difficulty = int(match.group(1))
        elif value == PLATFORM_GRADING_TAG:
            platform_grading = True
        elif value:
            tags.append(value)
    common = {"number": number, "line": line, "analysis": analysis, "difficulty": difficulty, "tags": tags,
              "category": category, "title": name.strip(),
              "score": float(score) if score not in (None, "") else None}
    if qtype in TYPE_NAMES:
        raise ValueError(f"不支持的 Moodle 题型：{qtype}（{TYPE_NAMES[qtype]}）")
    if qtype in ("multianswer", "cloze"):
        return _cloze(stem, common)
    answers = _answers(node, rich, "")
    if qtype == "multichoice":
        single = (node.findtext("single") or "true").strip().lower() in ("true", "1")
        data = {"options": [a["html"] for a in answers], "weights": [a["percent"] for a in answers],
                "feedback": [a["feedback"] for a in answers]}
        if not any(a["percent"] > 0 for a in answers):
            raise ValueError("选择题没有正确答案（fraction 须大于 0）")
        if not single and platform_grading:
            data = {"options": data["options"], "feedback": data["feedback"],
                    "answer": [n for n, a in enumerate(answers) if a["percent"] > 0]}
        return new_item("single" if single else "multiple", stem, data, **common)
    if qtype == "truefalse":
        right = [a for a in answers if a["percent"] > 0]
        if len(right) != 1 or len(answers) != 2:
            raise ValueError("判断题须有 true 和 false 两个答案，且只有一个正确")
        feedback = {a["raw"].lower(): a["feedback"] for a in answers}
        data: dict[str, Any] = {"answer": right[0]["raw"].lower() == "true"}
        if any(feedback.values()):
            data["feedback"] = {"true": feedback.get("true", ""), "false": feedback.get("false", "")}
        return new_item("true_false", stem, data, **common)
    if qtype == "shortanswer":
        if any(a["percent"] < 0 for a in answers):
            raise ValueError("简答题的答案不能有负分")
        usecase = (node.findtext("usecase") or "0").strip() in ("1", "true")
        stem = stem if BLANK_RE.search(stem) else f"{stem} [[1]]"  # as the form does: the blank follows
        return new_item("fill_blank", stem, {
            "blanks": [[html_lib.unescape(a["raw"]) for a in answers]],
            "credits": [[a["percent"] / 100 for a in answers]], "feedback": [[a["feedback"] for a in answers]],
            "case_sensitive": usecase, "wildcard": True}, **common)
    if qtype == "numerical":
        out = []
        for a in answers:
            raw = a["raw"]
            try:
                value = None if raw == "*" else float(raw)
                tolerance = float((a["element"].findtext("tolerance") or "0").strip() or 0)
            except ValueError:
                raise ValueError(f"数值题的答案“{raw}”或误差不是数字") from None
            if a["percent"] < 0:
                raise ValueError("数值题的答案不能有负分")
            out.append({"value": value, "tolerance": tolerance, "credit": a["percent"] / 100,
                        "feedback": a["feedback"]})
        if node.find("units/unit") is not None:
            raise ValueError("数值题带单位（units），暂不支持")
        return new_item("numerical", stem, {"answers": out}, **common)
    if qtype == "matching":
        pairs, distractors = [], []
        for sub in node.findall("subquestion"):
            left = rich.of(sub)
            right = from_text(sub.findtext("answer/text") or "")
            if left:
                pairs.append([left, right])
            elif right:
                distractors.append(right)
        return new_item("matching", stem, {"pairs": pairs, "distractors": distractors}, **common)
    if qtype == "essay":
        reference = rich.of(node.find("graderinfo"))
        return new_item("essay", stem, {"reference": reference}, **common)
    raise ValueError(f"不支持的 Moodle 题型：{qtype or '（未注明）'}")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_unescaped(text: str, separator: str, maxsplit: int = -1) -> list[str]:
    """Split at ``separator`` where it is not escaped (``\\~`` is a tilde, ``\\\\~`` a backslash then a split)."""
    parts, current, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if c == separator and (maxsplit < 0 or len(parts) < maxsplit):
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    parts.append("".join(current))
    return parts


def parse_cloze_answers(body: str, kind: str, where: str) -> list[dict[str, Any]]:
    answers = []
    for part in _split_unescaped(body, "~"):
        part = part.strip()
        if not part:
            continue
        if part.startswith("="):
            percent, part = 100.0, part[1:]
        else:
            match = re.match(r"%(-?\d+(?:\.\d+)?)%", part)
            percent, part = (moodle_grade(match.group(1), where), part[match.end():]) if match else (0.0, part)
        pieces = _split_unescaped(part, "#", maxsplit=1)
        text = _unescape(pieces[0]).strip()
        if kind not in ("multichoice", "multiresponse"):  # choices stay HTML; typed answers are text
            text = html_lib.unescape(text)
        feedback = _unescape(pieces[1]).strip() if len(pieces) > 1 else ""
        answer: dict[str, Any] = {"text": text, "credit": percent / 100, "feedback": sanitize(feedback)}
        if kind == "numerical":
            value, _, tolerance = text.partition(":")
            answer["text"], answer["tolerance"] = value.strip(), float(tolerance) if tolerance.strip() else 0.0
        answers.append(answer)
    return answers


def _cloze(stem: str, common: dict) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []

    def marker(match) -> str:
        code = match.group(2)
        if code not in CLOZE_KINDS:
            raise ValueError(f"不支持的完形填空子题类型：{code}")
        kind, extra = CLOZE_KINDS[code]
        where = f"第 {len(parts) + 1} 空"
        try:
            answers = parse_cloze_answers(match.group(3), kind, where)
        except ValueError as exc:
            raise ValueError(str(exc) if "Moodle" in str(exc) else f"{where}的答案无法读取：{exc}") from None
        parts.append({"kind": kind, "weight": int(match.group(1) or 1), "answers": answers, **extra})
        return f"[[{len(parts)}]]"

    stem = _CLOZE.sub(marker, stem)
    if not parts:
        raise ValueError("完形填空题中没有找到 {1:SHORTANSWER:=…} 形式的空")
    simple = all(p["kind"] == "shortanswer" and p["weight"] == 1 and all(a["credit"] >= 0 for a in p["answers"])
                 for p in parts) and len({p.get("case_sensitive", False) for p in parts}) == 1
    if simple:  # our multi-blank fill-in says exactly this
        return new_item("fill_blank", stem, {
            "blanks": [[a["text"] for a in p["answers"]] for p in parts],
            "credits": [[a["credit"] for a in p["answers"]] for p in parts],
            "feedback": [[a["feedback"] for a in p["answers"]] for p in parts],
            "case_sensitive": parts[0].get("case_sensitive", False), "wildcard": True}, **common)
    return new_item("cloze", stem, {"parts": parts}, **common)


# --- export -----------------------------------------------------------------------------------

def _sub(parent, tag: str, text: str | None = None, **attrs):
    element = etree.SubElement(parent, tag, **{k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _rich_el(parent, tag: str, html: str, **attrs):
    """A rich-text field; its pictures go with it as <file> elements (@@PLUGINFILE@@/name)."""
    element = _sub(parent, tag, format="html", **attrs)
    files: dict[str, bytes] = {}

    def store(name: str, data: bytes) -> str:
        files[name] = data
        return f"@@PLUGINFILE@@/{name}"

    html = packaged_images(html or "", store)
    _sub(element, "text").text = etree.CDATA(html) if html else ""
    for name, data in files.items():
        _sub(element, "file", base64.b64encode(data).decode(), name=name, path="/", encoding="base64")
    return element


def _cloze_escape(text: str) -> str:
    # Only what Moodle's parser splits on: "/", '"' and "=" may stand inside HTML attributes.
    return re.sub(r"([}#~\\])", r"\\\1", text)


def _percent(value: float) -> str:
    return format_number(round(float(value), 5))


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


def cloze_marker(part: dict[str, Any]) -> str:
    kind = part["kind"]
    if kind == "shortanswer":
        code = "SHORTANSWER_C" if part.get("case_sensitive") else "SHORTANSWER"
    elif kind == "numerical":
        code = "NUMERICAL"
    else:
        base = "MULTICHOICE" if kind == "multichoice" else "MULTIRESPONSE"
        suffix = {"dropdown": "", "vertical": "_V" if kind == "multichoice" else "",
                  "horizontal": "_H"}[part.get("display") or "dropdown"]
        code = base + suffix + (("S" if suffix else "_S") if part.get("shuffle") else "")
    answers = []
    for a in part["answers"]:
        # The marker sits inside the HTML question text: plain answers are escaped as HTML too.
        text = _cloze_escape(a["text"] if kind in ("multichoice", "multiresponse")
                             else html_lib.escape(a["text"], quote=False))
        if kind == "numerical" and a["text"] != "*":
            text += f":{format_number(a.get('tolerance') or 0)}"
        credit = "=" if a["credit"] == 1 else f"%{_percent(a['credit'] * 100)}%"
        answers.append(credit + text + (f"#{_cloze_escape(a['feedback'])}" if a["feedback"] else ""))
    return "{" + str(part.get("weight", 1)) + ":" + code + ":" + "~".join(answers) + "}"


def _export_one(quiz, item: dict[str, Any], n: int) -> None:
    qtype, data = item["type"], item["data"]
    # One blank after the text is Moodle's own short answer (the import puts the blank back there).
    native_short = qtype == "fill_blank" and len(data["blanks"]) == 1 and item["stem"].endswith(" [[1]]") \
        and item["stem"][:-6] == item["stem"][:-6].rstrip()
    moodle_type = "shortanswer" if native_short else {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse",
                   "fill_blank": "cloze", "cloze": "cloze", "numerical": "numerical", "matching": "matching",
                   "essay": "essay"}[qtype]
    question = _sub(quiz, "question", type=moodle_type)
    _sub(_sub(question, "name"), "text", item.get("title") or f"Q{n}")
    stem = item["stem"]
    if native_short:
        stem = stem.removesuffix(" [[1]]")
    if qtype == "fill_blank":
        parts = [{"kind": "shortanswer", "case_sensitive": data.get("case_sensitive"), "weight": 1,
                  "answers": [{"text": a if data.get("wildcard") else a.replace("*", "\\*"),
                               "credit": data["credits"][b][i] if data.get("credits") else 1.0,
                               "feedback": data["feedback"][b][i] if data.get("feedback") else ""}
                              for i, a in enumerate(accepted)]}
                 for b, accepted in enumerate(data["blanks"])]
        stem = BLANK_RE.sub(lambda m: cloze_marker(parts[int(m.group(1)) - 1]), stem)
    elif qtype == "cloze":
        stem = BLANK_RE.sub(lambda m: cloze_marker(data["parts"][int(m.group(1)) - 1]), stem)
    _rich_el(question, "questiontext", stem)
    _rich_el(question, "generalfeedback", item.get("analysis") or "")
    _sub(question, "defaultgrade", format_number(float(item.get("score") or 1)))
    platform_grading = False
    if qtype in ("single", "multiple"):
        right = [data["answer"]] if qtype == "single" else data["answer"]
        weights = data.get("weights")
        if weights is None:
            platform_grading = qtype == "multiple"
            share = 100.0 if qtype == "single" else 100 / len(right)
            weights = [share if i in right else 0.0 for i in range(len(data["options"]))]
        feedback = data.get("feedback") or [""] * len(data["options"])
        _sub(question, "single", "true" if qtype == "single" else "false")
        _sub(question, "shuffleanswers", "true")
        _sub(question, "answernumbering", "ABCD")
        for option, weight, note in zip(data["options"], weights, feedback, strict=True):
            answer = _rich_el(question, "answer", option, fraction=_percent(weight))
            _rich_el(answer, "feedback", note)
    elif native_short:
        _sub(question, "usecase", "1" if data.get("case_sensitive") else "0")
        for a in parts[0]["answers"]:
            answer = _sub(question, "answer", fraction=_percent(a["credit"] * 100), format="moodle_auto_format")
            _sub(answer, "text", a["text"])
            _rich_el(answer, "feedback", a["feedback"])
    elif qtype == "true_false":
        notes = data.get("feedback") or {}
        for word in ("true", "false"):
            answer = _sub(question, "answer", fraction="100" if data["answer"] == (word == "true") else "0",
                          format="moodle_auto_format")
            _sub(answer, "text", word)
            _rich_el(answer, "feedback", notes.get(word, ""))
    elif qtype == "numerical":
        answers = data.get("answers") or [{"value": data["answer"], "tolerance": data["tolerance"],
                                           "credit": 1.0, "feedback": ""}]
        for a in answers:
            answer = _sub(question, "answer", fraction=_percent(a["credit"] * 100), format="moodle_auto_format")
            _sub(answer, "text", "*" if a["value"] is None else format_number(a["value"]))
            _sub(answer, "tolerance", format_number(a["tolerance"]))
            _rich_el(answer, "feedback", a["feedback"])
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
    extra = [PLATFORM_GRADING_TAG] if platform_grading else []
    for tag in list(item.get("tags") or []) + extra + [f"difficulty:{item.get('difficulty') or 3}"]:
        _sub(_sub(tags, "tag"), "text", tag)


def _plain_right(rich: str) -> str:
    """Moodle's matching answers are plain text."""
    from eduplatform.core.text.richtext import as_plain, plain_text

    plain = as_plain(rich)
    return plain if plain is not None else plain_text(rich)


register_format(Format("moodle_xml", "Moodle XML", (".xml",), parse, export, embeds_files=True,
                       content_type="application/xml; charset=utf-8", export_extension="xml"))
