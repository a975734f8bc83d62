"""Aiken (import only): single-choice questions, one option per line, then ``ANSWER: X``.

    长方形的对角线
    A. 互相垂直
    B. 相等
    ANSWER: B
"""

from __future__ import annotations

import re

from eduplatform.core.text.richtext import from_text
from eduplatform.questions.formats.base import Format, ParseResult, decode_text, new_item, register_format

_OPTION = re.compile(r"^([A-Z])\s*[.)．、]\s*(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)


def parse(raw: bytes) -> ParseResult:
    result = ParseResult()
    lines = decode_text(raw).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    number = 0
    stem: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0
    for lineno, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            if stem and not options:
                stem.append("")  # a blank line inside a stem is kept
            continue
        answer = _ANSWER.match(text)
        option = _OPTION.match(text)
        if answer:
            number += 1
            letter = answer.group(1).strip().upper()
            letters = [o[0] for o in options]
            if not stem:
                result.problem("ANSWER 行之前没有题干", line=lineno, number=number)
            elif len(options) < 2:
                result.problem("至少需要两个选项（如“A. …”）", line=start, number=number)
            elif letters != [chr(ord("A") + i) for i in range(len(letters))]:
                result.problem("选项字母须从 A 开始依次排列", line=start, number=number)
            elif letter not in letters:
                result.problem(f"答案“{letter}”不是已有的选项", line=lineno, number=number)
            else:
                result.items.append(new_item(
                    "single", from_text("\n".join(stem).strip()),
                    {"options": [from_text(o[1]) for o in options], "answer": letters.index(letter)},
                    number=number, line=start))
            stem, options = [], []
            continue
        if option and stem:
            options.append((option.group(1), option.group(2)))
            continue
        if options:
            number += 1
            result.problem("选项之后缺少“ANSWER: 字母”行", line=lineno - 1, number=number)
            stem, options = [], []
        if not stem:
            start = lineno
        stem.append(text)
    if stem or options:
        number += 1
        result.problem("最后一题缺少“ANSWER: 字母”行", line=start, number=number)
    return result


register_format(Format("aiken", "Aiken", (".txt", ".aiken"), parse, None))
