"""Moodle GIFT (import and export), after Moodle's own reader (``question/format/gift``).

Single choice ``{=a ~b#feedback ~%50%c}`` (partial credit and per-answer feedback kept), multiple
answers ``{~%50%a ~%50%b ~%-100%c}`` (weights kept, negatives included), true/false ``{T}`` with
``{T#feedback when wrong#feedback when right}``, short answer ``{=a =%50%b#close =%0%*#no}`` (a
credit per answer, ``*`` a wildcard; several answer blocks in one question make several blanks — an
extension Moodle itself does not read), numerical ``{#3.14:0.01}`` / ``{#1..5}`` /
``{#=3:0 =%50%3:1#close ~#wrong}``, matching ``{=a -> 1 =b -> 2 = -> distractor}``, essay ``{}``;
``$CATEGORY:`` lines; ``::title::``; ``[html]``/``[plain]``/``[moodle]``/``[markdown]`` markers (on the
question and on each answer or feedback); general feedback ``####`` as the analysis; ``//`` comments.

What GIFT cannot say (difficulty, score, tags, an essay's reference answer, case-sensitive blanks,
the platform's own multiple-choice rule) travels in one comment line before the question, which
Moodle ignores::

    // edu-meta: {"difficulty": 3, "score": 2, "tags": ["期中"]}
"""

from __future__ import annotations

import json
import re
from typing import Any

from eduplatform.core.text.richtext import (
    as_plain,
    clean_html,
    from_markdown,
    from_text,
    looks_like_html,
    sanitize,
)
from eduplatform.questions.formats.base import Format, ParseResult, decode_text, new_item, register_format
from eduplatform.questions.types.builtin import BLANK_RE, format_number

META_PREFIX = "// edu-meta:"
SPECIAL = "~=#{}:"
_ESCAPE_RE = re.compile(r"\\([~=#{}:\\])")
_RESTORE = re.compile(r"\x00(\d+)\x00")
_CATEGORY = re.compile(r"^\$CATEGORY:\s*(.*)$")
_TITLE = re.compile(r"^::(.*?)::", re.DOTALL)
_FORMAT = re.compile(r"^\s*\[(html|plain|moodle|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def _protect(text: str) -> str:
    """Hide escaped special characters (one pass, so ``\\\\~`` is a backslash then an answer)."""
    return _ESCAPE_RE.sub(lambda m: f"\x00{ord(m.group(1))}\x00", text)


def _restore(text: str) -> str:
    return _RESTORE.sub(lambda m: chr(int(m.group(1))), text).replace("\\n", "\n")


def escape(text: str) -> str:
    out = text.replace("\\", "\\\\")
    for c in SPECIAL:
        out = out.replace(c, "\\" + c)
    return out.replace("\n", "\\n")


def strip_category(path: str) -> str:
    parts = [p for p in path.strip().split("/") if p]
    while parts and parts[0] in ("$course$", "$system$", "$module$", "$cat1$", "$cat2$", "$cat3$", "top"):
        parts.pop(0)
    return "/".join(parts)


# --- import -----------------------------------------------------------------------------------

def parse(raw: bytes) -> ParseResult:
    result = ParseResult()
    text = decode_text(raw).replace("\r\n", "\n").replace("\r", "\n")
    category, meta = "", None
    block: list[str] = []
    block_line = 0
    number = 0

    def flush():
        nonlocal block, meta, number
        if block:
            number += 1
            _parse_question("\n".join(block), number, block_line, category, meta, result)
        block, meta = [], None

    for lineno, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith(META_PREFIX) and not block:
            try:
                meta = json.loads(stripped[len(META_PREFIX):])
            except ValueError:
                meta = None
            if not isinstance(meta, dict):
                result.problem("edu-meta 注释不是合法的 JSON 对象", line=lineno)
                meta = None
            continue
        if stripped.startswith("//"):
            continue
        if not stripped:
            flush()
            continue
        match = _CATEGORY.match(stripped)
        if match and not block:
            category = strip_category(match.group(1))
            continue
        if not block:
            block_line = lineno
        block.append(line)
    flush()
    return result


def _parse_question(text: str, number: int, line: int, category: str, meta: dict | None,
                    result: ParseResult) -> None:
    def fail(message: str) -> None:
        result.problem(message, line=line, number=number)

    text = _protect(text.strip())
    title = ""
    match = _TITLE.match(text)
    if match:
        title, text = _restore(match.group(1)).strip(), text[match.end():].lstrip()
    fmt = "moodle"
    match = _FORMAT.match(text)
    if match:
        fmt, text = match.group(1).lower(), text[match.end():]
    blocks = list(re.finditer(r"\{(.*?)\}", text, re.DOTALL))
    if not blocks:
        return fail("没有找到答案部分 {…}（Moodle 的“说明”类文字不是试题，不导入）")
    if "{" in text[blocks[-1].end():] or "}" in text[blocks[-1].end():] or \
            any("{" in b.group(1) for b in blocks):
        return fail("花括号不配对（题干中的 { } 须写成 \\{ \\}）")
    meta = meta or {}
    analysis = ""
    answers = []
    for block in blocks:
        body = block.group(1)
        if "####" in body:
            body, feedback = body.split("####", 1)
            analysis = _rich(feedback.strip(), fmt)
        answers.append(body.strip())
    kinds = [_kind(a) for a in answers]
    if len(blocks) > 1 and set(kinds) != {"short"}:
        return fail("一道题只能有一个答案部分（多个空的填空题除外）")
    kind = kinds[0]
    # The stem: answer blocks at the end go away; inside the text they become a blank.
    pieces, last = [], 0
    for n, block in enumerate(blocks, 1):
        pieces.append(text[last:block.start()])
        at_end = not text[block.end():].strip()
        if kind == "short":
            pieces.append(f"[[{n}]]")
        elif not at_end:
            pieces.append("_____")
        last = block.end()
    pieces.append(text[last:])
    stem = _rich("".join(pieces).strip(), fmt)
    try:
        qtype, data = _answers(kind, answers, fmt, meta)
    except ValueError as exc:
        return fail(str(exc))
    tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
    item = new_item(qtype, stem, data, number=number, line=line, analysis=analysis,
                    score=meta.get("score"), difficulty=meta.get("difficulty"), tags=tags,
                    category=category, title=title)
    if kind == "short" and len(blocks) > 1:
        item["notes"] = [f"{len(blocks)} 个答案部分作为 {len(blocks)} 个空（Moodle 只读一个）"]
    result.items.append(item)


def _rich(text: str, fmt: str) -> str:
    """Protected GIFT text in its format (a leading [format] marker overrides the question's)."""
    match = _FORMAT.match(text)
    if match:
        fmt, text = match.group(1).lower(), text[match.end():]
    text = _restore(text).strip()
    if fmt == "html":
        return sanitize(text)
    if fmt == "markdown":
        return from_markdown(text)
    if fmt == "moodle" and looks_like_html(text):
        # Moodle's auto-format keeps HTML and turns line breaks into <br>.
        return sanitize(text.replace("\n", "<br>"))
    return from_text(text)


def _kind(body: str) -> str:
    """Moodle's order of detection."""
    if not body:
        return "essay"
    if body.startswith("#"):
        return "numerical"
    if "->" in body and body.startswith("="):
        return "matching"
    if body.split("#", 1)[0].strip().upper() in ("T", "TRUE", "F", "FALSE"):
        return "tf"
    if "~" in body:
        return "choice"
    return "short"


def _tokens(body: str) -> list[tuple[str, float | None, str, str]]:
    """(sign, weight or None, text, feedback) for each ``=``/``~`` answer (protected text)."""
    out = []
    for match in re.finditer(r"([=~])([^=~]*)", body):
        part = match.group(2).strip()
        weight = _WEIGHT.match(part)
        if weight:
            part = part[weight.end():]
        text, _, feedback = part.partition("#")
        out.append((match.group(1), float(weight.group(1)) if weight else None, text.strip(), feedback.strip()))
    return out


def _number_value(text: str) -> float:
    value = _restore(text).strip()
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"数值题的答案“{value}”不是数字") from None


def _numerical(body: str, fmt: str) -> dict[str, Any]:
    body = body[1:]
    # As Moodle: text from the first ~ on is the feedback for any other (wrong) answer.
    body, tilde, wrong = body.partition("~")
    parts = [p.strip() for p in body.split("=")]
    if parts and not parts[0]:
        parts.pop(0)
    if not parts:
        raise ValueError("数值题没有答案")
    answers = []
    for part in parts:
        weight = _WEIGHT.match(part)
        credit = float(weight.group(1)) / 100 if weight else 1.0
        part = part[weight.end():] if weight else part
        value, _, feedback = part.partition("#")
        value = value.strip()
        if value == "*":
            number, tolerance = None, 0.0
        elif ".." in value[1:]:
            low, high = (_number_value(v) for v in value.split("..", 1))
            number, tolerance = (low + high) / 2, abs(high - low) / 2
        elif ":" in value[1:]:
            answer, tol = value.split(":", 1)
            number, tolerance = _number_value(answer), _number_value(tol)
        else:
            number, tolerance = _number_value(value), 0.0
        if not 0 <= credit <= 1:
            raise ValueError(f"数值题答案的得分比例 {format_number(credit * 100)}% 不在 0–100% 之间")
        answers.append({"value": number, "tolerance": tolerance, "credit": credit,
                        "feedback": _rich(feedback.strip(), fmt) if feedback.strip() else ""})
    if tilde:
        feedback = wrong.split("#", 1)[1] if "#" in wrong else ""
        answers.append({"value": None, "tolerance": 0.0, "credit": 0.0,
                        "feedback": _rich(feedback.strip(), fmt) if feedback.strip() else ""})
    return {"answers": answers}


def _answers(kind: str, answers: list[str], fmt: str, meta: dict) -> tuple[str, dict[str, Any]]:
    body = answers[0]
    if kind == "essay":
        return "essay", {"reference": clean_html(meta.get("reference") or "")}
    if kind == "tf":
        # Moodle: {T#feedback for a wrong answer#feedback for a right answer}
        bits = [b.strip() for b in body.split("#", 2)] + ["", ""]
        answer = bits[0].upper() in ("T", "TRUE")
        wrong, right = _rich(bits[1], fmt) if bits[1] else "", _rich(bits[2], fmt) if bits[2] else ""
        data: dict[str, Any] = {"answer": answer}
        if wrong or right:
            data["feedback"] = {"true": right, "false": wrong} if answer else {"true": wrong, "false": right}
        return "true_false", data
    if kind == "numerical":
        return "numerical", _numerical(body, fmt)
    if kind == "matching":
        pairs, distractors = [], []
        for _sign, _weight, text, _feedback in _tokens(body):
            if "->" not in text:
                raise ValueError("匹配题的每一项都须写成“=左项 -> 右项”")
            left, right = (part.strip() for part in text.split("->", 1))
            if not left:
                distractors.append(_rich(right, fmt))  # "= -> x": an extra right-hand option
            else:
                pairs.append([_rich(left, fmt), _rich(right, fmt)])
        return "matching", {"pairs": pairs, "distractors": distractors}
    if kind == "short":
        blanks, credits, feedback = [], [], []
        for block in answers:
            tokens = _tokens(block)
            blanks.append([_restore(text).strip() for _, _, text, _ in tokens])
            credits.append([(100.0 if w is None else w) / 100 for _, w, _, _ in tokens])
            feedback.append([_rich(f, fmt) if f else "" for _, _, _, f in tokens])
        if any(not 0 <= c <= 1 for row in credits for c in row):
            raise ValueError("简答题答案的得分比例须在 0–100% 之间")
        wildcard = any(re.search(r"(?<!\\)\*", a) for row in blanks for a in row)
        if not wildcard:  # "\*" is a literal star in Moodle; without wildcards it needs no escape
            blanks = [[a.replace("\\*", "*") for a in row] for row in blanks]
        return "fill_blank", {"blanks": blanks, "credits": credits, "feedback": feedback,
                              "case_sensitive": bool(meta.get("case_sensitive")), "wildcard": wildcard}
    tokens = _tokens(body)
    options = [_rich(text, fmt) for _, _, text, _ in tokens]
    weights = [w if w is not None else (100.0 if sign == "=" else 0.0) for sign, w, _, _ in tokens]
    feedback = [_rich(f, fmt) if f else "" for _, _, _, f in tokens]
    if not any(w > 0 for w in weights):
        raise ValueError("选择题没有正确答案（用 = 标出正确选项）")
    if meta.get("grading") == "platform":
        # Exported from here: the platform's own multiple-choice rule, not Moodle's weights.
        return "multiple", {"options": options, "answer": [n for n, w in enumerate(weights) if w > 0],
                            "feedback": feedback}
    # As Moodle: an "=" makes a single-answer question (other options may still earn a share).
    if "=" in body and meta.get("type") != "multiple":
        return "single", {"options": options, "weights": weights, "feedback": feedback}
    return "multiple", {"options": options, "weights": weights, "feedback": feedback}


# --- export -----------------------------------------------------------------------------------

def _text(rich: str) -> tuple[str, bool]:
    """(GIFT text, is_html) for rich text: plain when that loses nothing."""
    plain = as_plain(rich)
    if plain is not None:
        return escape(plain), False
    return escape(rich), True


def export(items: list[dict[str, Any]]) -> bytes:
    out = ["// 由教育电子政务与远程教育资源平台导出（Moodle GIFT 格式）", ""]
    category = None
    for item in items:
        if item.get("category", "") != category:
            category = item.get("category", "")
            out += [f"$CATEGORY: $course$/top/{category}" if category else "$CATEGORY: $course$/top", ""]
        out.append(_export_one(item))
        out.append("")
    return "\n".join(out).encode("utf-8")


def _percent(value: float) -> str:
    return format_number(round(float(value), 5))


def _export_one(item: dict[str, Any]) -> str:
    qtype, data = item["type"], item["data"]
    meta: dict[str, Any] = {"difficulty": item.get("difficulty"), "score": item.get("score")}
    if item.get("tags"):
        meta["tags"] = item["tags"]
    if qtype == "essay" and data.get("reference"):
        meta["reference"] = data["reference"]
    if qtype == "multiple" and not data.get("weights"):
        meta["grading"] = "platform"  # all right = full, some right and none wrong = half
    elif qtype == "multiple" and sum(1 for w in data["weights"] if w > 0) == 1 and \
            not any(w == 100 for w in data["weights"]):
        pass
    if qtype == "fill_blank" and data.get("case_sensitive"):
        meta["case_sensitive"] = True
    texts = [item["stem"], item.get("analysis") or ""]
    texts += data.get("options", []) + [x for pair in data.get("pairs", []) for x in pair]
    texts += data.get("distractors", []) + list(data.get("feedback") or []) if qtype != "true_false" else []
    if isinstance(data.get("feedback"), dict):
        texts += list(data["feedback"].values())
    for row in (data.get("feedback") or []) if qtype == "fill_blank" else []:
        texts += row
    texts += [a["feedback"] for a in data.get("answers") or []]
    texts = [t for t in texts if isinstance(t, str) and t]
    html_mode = any(_text(t)[1] for t in texts)
    # Plain text that reads like HTML would be taken as HTML by Moodle's auto-format: say it is plain.
    plain_mode = not html_mode and any(looks_like_html(as_plain(t) or "") for t in texts)

    def t(rich: str) -> str:
        return escape(rich) if html_mode else _text(rich)[0]

    def fb(rich: str | None) -> str:
        return "#" + t(rich) if rich else ""

    general = f" ####{t(item['analysis'])}" if item.get("analysis") else ""
    prefix = f"::{escape(item.get('title') or '')}::" if item.get("title") else ""
    prefix += "[html]" if html_mode else "[plain]" if plain_mode else ""
    meta_line = META_PREFIX + " " + json.dumps(meta, ensure_ascii=False)
    if qtype == "fill_blank":
        credits, notes = data.get("credits"), data.get("feedback")

        def answer(n: int, i: int, a: str) -> str:
            credit = credits[n][i] if credits else 1.0
            text = escape(a) if data.get("wildcard") else escape(a).replace("*", "\\*")
            weight = "" if credit == 1.0 else f"%{_percent(credit * 100)}%"
            return f"={weight}{text}" + (fb(notes[n][i]) if notes else "")

        blocks = {n + 1: "{" + " ".join(answer(n, i, a) for i, a in enumerate(accepted)) + "}"
                  for n, accepted in enumerate(data["blanks"])}
        stem = BLANK_RE.sub(lambda m: blocks[int(m.group(1))], t(item["stem"]))
        if general:  # the general feedback goes into the last answer block
            last = stem.rfind("}")
            stem = stem[:last] + general + stem[last:]
        return "\n".join([meta_line, prefix + stem])
    feedback = data.get("feedback") if isinstance(data.get("feedback"), list) else None
    if qtype == "single":
        weights = data.get("weights")

        def sign(n: int) -> str:
            if n == data["answer"]:
                return "="
            return f"~%{_percent(weights[n])}%" if weights and weights[n] else "~"

        body = " ".join(sign(n) + t(o) + (fb(feedback[n]) if feedback else "")
                        for n, o in enumerate(data["options"]))
    elif qtype == "multiple":
        share = _share(len(data["answer"]))
        weights = data.get("weights") or [float(share) if n in data["answer"] else -100.0
                                          for n in range(len(data["options"]))]
        body = " ".join(f"~%{_percent(weights[n])}%" + t(o) + (fb(feedback[n]) if feedback else "")
                        for n, o in enumerate(data["options"]))
    elif qtype == "true_false":
        body = "TRUE" if data["answer"] else "FALSE"
        if data.get("feedback"):
            right = data["feedback"]["true" if data["answer"] else "false"]
            wrong = data["feedback"]["false" if data["answer"] else "true"]
            body += "#" + t(wrong) + ("#" + t(right) if right else "")
    elif qtype == "numerical":
        if data.get("answers"):
            parts = []
            for a in data["answers"]:
                value = "*" if a["value"] is None else \
                    f"{format_number(a['value'])}:{format_number(a['tolerance'])}"
                parts.append(f"=%{_percent(a['credit'] * 100)}%{value}" + fb(a["feedback"]))
            body = "#" + " ".join(parts)
        else:
            body = f"#{format_number(data['answer'])}:{format_number(data['tolerance'])}"
    elif qtype == "matching":
        body = " ".join([f"={t(left)} -> {t(right)}" for left, right in data["pairs"]] +
                        [f"= -> {t(d)}" for d in data.get("distractors", [])])
    else:
        body = ""
    return "\n".join([meta_line, f"{prefix}{t(item['stem'])} {{{body}{general}}}"])


def _share(count: int) -> str:
    """Moodle wants the right options' weights to add up to 100: 50, 33.33333, 25 …"""
    value = 100 / count
    return format_number(value) if value.is_integer() else f"{value:.5f}"


def losses(item: dict[str, Any]) -> list[str]:
    from eduplatform.questions.formats.base import extras_lost

    return extras_lost(item, None, unsupported={"cloze"})  # GIFT has no form for embedded answers


register_format(Format("gift", "Moodle GIFT", (".gift", ".txt"), parse, export, export_extension="gift",
                       losses=losses, embeds_files=True))  # pictures inline ([html] with data: images)
