"""Moodle GIFT (import and export).

Supported: single choice ``{=a ~b}``, multiple choice ``{~%50%a ~%50%b ~%-100%c}``, true/false ``{T}``,
short answer / fill-in ``{=a =b}`` (several answer blocks in one question make several blanks — an
extension Moodle itself does not read), numerical ``{#3.14:0.01}`` / ``{#3..4}``, matching
``{=a -> 1 =b -> 2}``, essay ``{}``; ``$CATEGORY:`` lines; ``::title::``; ``[html]``/``[plain]``/
``[moodle]``/``[markdown]`` markers; general feedback ``####`` as the analysis.

What GIFT cannot say (difficulty, score, tags, an essay's reference answer, matching distractors,
case-sensitive blanks) travels in one comment line before the question, which Moodle ignores::

    // edu-meta: {"difficulty": 3, "score": 2, "tags": ["期中"]}
"""

from __future__ import annotations

import json
import re
from typing import Any

from eduplatform.questions.formats.base import Format, ParseResult, decode_text, new_item, register_format
from eduplatform.questions.richtext import as_plain, clean_html, from_text, sanitize
from eduplatform.questions.types.builtin import BLANK_RE, format_number

META_PREFIX = "// edu-meta:"
SPECIAL = "~=#{}:"
_ESCAPED = {"\\" + c: f"\x00{ord(c)}\x00" for c in SPECIAL + "\\"}
_RESTORE = re.compile(r"\x00(\d+)\x00")
_CATEGORY = re.compile(r"^\$CATEGORY:\s*(.*)$")
_TITLE = re.compile(r"^::(.*?)::", re.DOTALL)
_FORMAT = re.compile(r"^\s*\[(html|plain|moodle|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def _protect(text: str) -> str:
    for escaped, placeholder in _ESCAPED.items():
        text = text.replace(escaped, placeholder)
    return text


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
        return fail("没有找到答案部分 {…}")
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
            analysis = _rich(_restore(feedback).strip(), fmt)
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
    stem = _rich(_restore("".join(pieces)).strip(), fmt)
    try:
        qtype, data = _answers(kind, answers, fmt, meta)
    except ValueError as exc:
        return fail(str(exc))
    tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
    result.items.append(new_item(qtype, stem, data, number=number, line=line, analysis=analysis,
                                 score=meta.get("score"), difficulty=meta.get("difficulty"), tags=tags,
                                 category=category, title=title))


def _rich(text: str, fmt: str) -> str:
    return sanitize(text) if fmt == "html" else from_text(text)


def _kind(body: str) -> str:
    if not body:
        return "essay"
    if body.startswith("#"):
        return "numerical"
    if body.upper() in ("T", "TRUE", "F", "FALSE") or re.match(r"^(T|TRUE|F|FALSE)\s*#", body, re.IGNORECASE):
        return "tf"
    if "->" in body and body.startswith("="):
        return "matching"
    if body.startswith("=") and "~" not in body:
        return "short"
    return "choice"


def _tokens(body: str) -> list[tuple[str, str]]:
    """('=' or '~', text) for each answer, feedback (#…) removed."""
    out = []
    for match in re.finditer(r"([=~])([^=~]*)", body):
        text = match.group(2).split("#", 1)[0].strip()
        out.append((match.group(1), text))
    return out


def _answers(kind: str, answers: list[str], fmt: str, meta: dict) -> tuple[str, dict[str, Any]]:
    body = answers[0]
    if kind == "essay":
        return "essay", {"reference": clean_html(meta.get("reference") or "")}
    if kind == "tf":
        return "true_false", {"answer": body.split("#", 1)[0].strip().upper() in ("T", "TRUE")}
    if kind == "numerical":
        choices = [t for s, t in _tokens(body[1:])] if "=" in body[1:] else [body[1:].split("#", 1)[0].strip()]
        best = None
        for choice in choices:
            weight = _WEIGHT.match(choice)
            value = _WEIGHT.sub("", choice).strip()
            if best is None or (weight is None or float(weight.group(1)) == 100):
                best = value
                if weight is None or float(weight.group(1)) == 100:
                    break
        value = _restore(best or "")
        try:
            if ".." in value:
                low, high = (float(v) for v in value.split("..", 1))
                return "numerical", {"answer": (low + high) / 2, "tolerance": abs(high - low) / 2}
            if ":" in value:
                answer, tolerance = value.split(":", 1)
                return "numerical", {"answer": float(answer), "tolerance": float(tolerance)}
            return "numerical", {"answer": float(value), "tolerance": 0.0}
        except ValueError:
            raise ValueError(f"数值题的答案“{value}”不是数字") from None
    if kind == "matching":
        pairs = []
        for sign, text in _tokens(body):
            if "->" not in text:
                raise ValueError("匹配题的每一项都须写成“=左项 -> 右项”")
            left, right = (part.strip() for part in text.split("->", 1))
            pairs.append([_rich(_restore(left), fmt), _rich(_restore(right), fmt)])
        return "matching", {"pairs": pairs, "distractors": [clean_html(d) for d in meta.get("distractors", [])]}
    if kind == "short":
        blanks = [[_restore(_WEIGHT.sub("", t)).strip() for s, t in _tokens(block)] for block in answers]
        return "fill_blank", {"blanks": blanks, "case_sensitive": bool(meta.get("case_sensitive"))}
    options, right, weights = [], [], []
    for n, (sign, text) in enumerate(_tokens(body)):
        weight = _WEIGHT.match(text)
        value = float(weight.group(1)) if weight else (100.0 if sign == "=" else 0.0)
        options.append(_rich(_restore(_WEIGHT.sub("", text)).strip(), fmt))
        weights.append(value)
        if value > 0:
            right.append(n)
    if not right:
        raise ValueError("选择题没有正确答案（用 = 标出正确选项）")
    multiple = len(right) > 1 or any(0 < w < 100 for w in weights) or meta.get("type") == "multiple"
    if multiple:
        return "multiple", {"options": options, "answer": right}
    return "single", {"options": options, "answer": right[0]}


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


def _export_one(item: dict[str, Any]) -> str:
    qtype, data = item["type"], item["data"]
    meta: dict[str, Any] = {"difficulty": item.get("difficulty"), "score": item.get("score")}
    if item.get("tags"):
        meta["tags"] = item["tags"]
    if qtype == "essay" and data.get("reference"):
        meta["reference"] = data["reference"]
    if qtype == "multiple" and len(data["answer"]) == 1:
        meta["type"] = "multiple"  # one right option would read back as a single choice
    if qtype == "matching" and data.get("distractors"):
        meta["distractors"] = data["distractors"]
    if qtype == "fill_blank" and data.get("case_sensitive"):
        meta["case_sensitive"] = True
    texts = [item["stem"], item.get("analysis") or ""]
    texts += data.get("options", []) + [x for pair in data.get("pairs", []) for x in pair]
    html_mode = any(_text(t)[1] for t in texts if t)

    def t(rich: str) -> str:
        return escape(rich) if html_mode else _text(rich)[0]

    def plain_escape(value: str) -> str:
        return escape(value)

    feedback = f" ####{t(item['analysis'])}" if item.get("analysis") else ""
    prefix = f"::{escape(item.get('title') or '')}::" if item.get("title") else ""
    prefix += "[html]" if html_mode else ""
    if qtype == "fill_blank":
        blocks = {n + 1: "{" + " ".join("=" + plain_escape(a) for a in accepted) + "}"
                  for n, accepted in enumerate(data["blanks"])}
        stem = t(item["stem"])
        stem = BLANK_RE.sub(lambda m: blocks[int(m.group(1))], stem)
        # The general feedback goes into the last answer block.
        if feedback:
            last = stem.rfind("}")
            stem = stem[:last] + feedback + stem[last:]
        return "\n".join([META_PREFIX + " " + json.dumps(meta, ensure_ascii=False), prefix + stem])
    if qtype == "single":
        body = " ".join(("=" if n == data["answer"] else "~") + t(o) for n, o in enumerate(data["options"]))
    elif qtype == "multiple":
        share = _share(len(data["answer"]))
        body = " ".join(("~%" + (share if n in data["answer"] else "-100") + "%") + t(o)
                        for n, o in enumerate(data["options"]))
    elif qtype == "true_false":
        body = "TRUE" if data["answer"] else "FALSE"
    elif qtype == "numerical":
        body = f"#{format_number(data['answer'])}:{format_number(data['tolerance'])}"
    elif qtype == "matching":
        body = " ".join(f"={t(left)} -> {t(right)}" for left, right in data["pairs"])
    else:
        body = ""
    return "\n".join([META_PREFIX + " " + json.dumps(meta, ensure_ascii=False),
                      f"{prefix}{t(item['stem'])} {{{body}{feedback}}}"])


def _share(count: int) -> str:
    """Moodle wants the right options' weights to add up to 100: 50, 33.33333, 25 …"""
    value = 100 / count
    return format_number(value) if value.is_integer() else f"{value:.5f}"


register_format(Format("gift", "Moodle GIFT", (".gift", ".txt"), parse, export, export_extension="gift"))
