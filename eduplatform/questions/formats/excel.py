"""The Excel template (import and export) Chinese teachers fill in: one question per row.

Columns: 题型 | 题干 | 选项A … 选项H | 答案 | 解析 | 分值 | 难度 | 知识点 | 标签 | 误差 | 区分大小写

* 单选题 / 多选题: options in 选项A…; 答案 "B" or "ACD".
* 判断题: 答案 对 / 错 (also 正确/错误, √/×, T/F).
* 填空题: one blank per 选项 column (选项A = first blank …), accepted answers separated by "|";
  mark the blanks in the stem as [[1]], [[2]] (without marks they follow the stem); 区分大小写 "是"
  when answers must match in case.
* 数值题: 答案 the number, 误差 the allowed difference.
* 匹配题: one pair per 选项 column written "左项→右项" (or "左项->右项"); "→右项" alone is a distractor.
* 简答题: 答案 the reference answer.
* 知识点: a path like "代数/方程/一元一次方程"; 标签: separated by commas.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import inspect_bytes, is_zip
from eduplatform.core.text.richtext import as_plain, clean_html
from eduplatform.questions.formats.base import Format, ParseResult, extras_lost, new_item, register_format
from eduplatform.questions.types.builtin import LETTERS, format_number, parse_bool

OPTION_COLUMNS = [f"选项{c}" for c in LETTERS[:8]]
HEADERS = ["题型", "题干", *OPTION_COLUMNS, "答案", "解析", "分值", "难度", "知识点", "标签", "误差", "区分大小写"]
TYPE_WORDS = {
    "single": ("单选题", "单选", "单项选择题"), "multiple": ("多选题", "多选", "多项选择题"),
    "true_false": ("判断题", "判断"), "fill_blank": ("填空题", "填空"), "numerical": ("数值题", "数值", "计算题"),
    "matching": ("匹配题", "匹配", "连线题"), "essay": ("简答题", "简答", "问答题", "解答题", "论述题"),
}
TYPE_BY_WORD = {word: code for code, words in TYPE_WORDS.items() for word in words}
MAX_ROWS = 20_000
ARROWS = ("→", "->")

EXAMPLES = [
    ["单选题", "方程 $2x+3=7$ 的解是", "1", "2", "3", "4", "", "", "", "", "B", "移项得 $2x=4$。", 3, 1,
     "代数/方程/一元一次方程", "期中,基础", "", ""],
    ["多选题", "下列各数中，是无理数的有", "$\\sqrt{2}$", "$\\pi$", "0.5", "", "", "", "", "", "AB", "", 4, 2,
     "代数/实数", "", "", ""],
    ["判断题", "两个负数的和一定是负数。", "", "", "", "", "", "", "", "", "对", "", 2, 1, "代数/有理数", "", "", ""],
    ["填空题", "$x^2=9$ 的解是 $x_1=$[[1]]，$x_2=$[[2]]。", "3|+3", "-3", "", "", "", "", "", "", "", "", 4, 3,
     "代数/方程", "", "", ""],
    ["数值题", "圆周率保留两位小数约为多少？", "", "", "", "", "", "", "", "", "3.14", "", 3, 2, "", "", "0.005", ""],
    ["匹配题", "把函数与图像形状连起来。", "一次函数→直线", "二次函数→抛物线", "→圆", "", "", "", "", "", "", "",
     3, 3, "代数/函数", "", "", ""],
    ["简答题", "请说明解一元一次方程的一般步骤。", "", "", "", "", "", "", "", "", "去分母、去括号、移项、合并同类项、系数化为 1。",
     "", 10, 4, "代数/方程/一元一次方程", "", "", ""],
]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse(raw: bytes) -> ParseResult:
    result = ParseResult()
    if is_zip(raw[:4]):
        inspect_bytes(raw, what="Excel 文件")
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, Exception) as exc:
        if isinstance(exc, ValidationFailed):
            raise
        raise ValidationFailed("无法读取 Excel 文件，请使用平台提供的 .xlsx 模板", code="bad_file") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(v) for v in next(rows, [])]
    missing = [h for h in ("题型", "题干", "答案") if h not in header]
    if missing:
        result.problem(f"第一行须为表头，缺少列：{'、'.join(missing)}", line=1)
        return result
    col = {name: header.index(name) for name in HEADERS if name in header}
    number = 0
    for lineno, row in enumerate(rows, 2):
        values = {name: _cell(row[i]) if i < len(row) else "" for name, i in col.items()}
        if not any(values.values()):
            continue
        number += 1
        if number > MAX_ROWS:
            result.problem(f"一次最多导入 {MAX_ROWS} 道题", line=lineno)
            break
        try:
            result.items.append(_row(values, number, lineno))
        except ValueError as exc:
            result.problem(str(exc), line=lineno, number=number)
    workbook.close()
    return result


def _row(v: dict[str, str], number: int, line: int) -> dict[str, Any]:
    qtype = TYPE_BY_WORD.get(v.get("题型", ""))
    if qtype is None:
        raise ValueError(f"未知题型“{v.get('题型', '')}”（可填：单选题、多选题、判断题、填空题、数值题、匹配题、简答题）")
    options = [v.get(c, "") for c in OPTION_COLUMNS]
    while options and not options[-1]:
        options.pop()
    answer = v.get("答案", "")
    if qtype in ("single", "multiple"):
        if any(not o for o in options):
            raise ValueError("选项之间不能有空列")
        letters = [c for c in answer.upper().replace(",", "").replace("，", "").replace(" ", "")]
        if not letters:
            raise ValueError("请填写答案（如 B 或 ACD）")
        bad = [c for c in letters if c not in LETTERS[: len(options)]]
        if bad:
            raise ValueError(f"答案“{answer}”不在选项 A–{LETTERS[len(options) - 1] if options else 'A'} 中")
        indexes = sorted({LETTERS.index(c) for c in letters})
        if qtype == "single" and len(indexes) != 1:
            raise ValueError("单选题只能有一个答案")
        data = {"options": [clean_html(o) for o in options],
                "answer": indexes[0] if qtype == "single" else indexes}
    elif qtype == "true_false":
        value = parse_bool(answer)
        if value is None:
            raise ValueError(f"判断题答案须为“对”或“错”，而不是“{answer}”")
        data = {"answer": value}
    elif qtype == "fill_blank":
        blanks = [[a.strip() for a in o.split("|") if a.strip()] for o in options]
        if not blanks or any(not b for b in blanks):
            raise ValueError("填空题须在选项A、选项B……中依次填写每个空的答案（多个可接受答案用 | 分隔）")
        data = {"blanks": blanks, "case_sensitive": parse_bool(v.get("区分大小写") or "否") is True}
    elif qtype == "numerical":
        try:
            data = {"answer": float(answer), "tolerance": float(v.get("误差") or 0)}
        except ValueError:
            raise ValueError("数值题的答案和误差须为数字") from None
    elif qtype == "matching":
        pairs, distractors = [], []
        for option in options:
            arrow = next((a for a in ARROWS if a in option), None)
            if arrow is None:
                raise ValueError(f"匹配项“{option}”须写成“左项→右项”")
            left, right = (part.strip() for part in option.split(arrow, 1))
            if left:
                pairs.append([clean_html(left), clean_html(right)])
            else:
                distractors.append(clean_html(right))
        data = {"pairs": pairs, "distractors": distractors}
    else:
        data = {"reference": clean_html(answer)}
    tags = [t.strip() for t in v.get("标签", "").replace("，", ",").split(",") if t.strip()]
    difficulty = v.get("难度") or None
    score = v.get("分值") or None
    try:
        difficulty = int(float(difficulty)) if difficulty else None
        score = float(score) if score else None
    except ValueError:
        raise ValueError("分值和难度须为数字") from None
    return new_item(qtype, clean_html(v.get("题干", "")), data, number=number, line=line,
                    analysis=clean_html(v.get("解析", "")), score=score, difficulty=difficulty, tags=tags,
                    category=v.get("知识点", ""))


# --- export -----------------------------------------------------------------------------------

def _out(rich: str) -> str:
    plain = as_plain(rich)
    return plain if plain is not None else rich


def _styled_sheet(workbook: Workbook, title: str):
    sheet = workbook.active
    sheet.title = title
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    widths = {"A": 9, "B": 48, "K": 14, "L": 30, "M": 7, "N": 7, "O": 24, "P": 14, "Q": 8, "R": 10}
    for column in "CDEFGHIJ":
        widths[column] = 16
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "C2"
    return sheet


def _row_for(item: dict[str, Any]) -> list:
    qtype, data = item["type"], item["data"]
    options, answer, tolerance, case = [""] * 8, "", "", ""
    if qtype in ("single", "multiple"):
        for n, option in enumerate(data["options"][:8]):
            options[n] = _out(option)
        answer = LETTERS[data["answer"]] if qtype == "single" else "".join(LETTERS[i] for i in data["answer"])
    elif qtype == "true_false":
        answer = "对" if data["answer"] else "错"
    elif qtype == "fill_blank":
        for n, accepted in enumerate(data["blanks"][:8]):
            options[n] = "|".join(accepted)
        case = "是" if data.get("case_sensitive") else ""
    elif qtype == "numerical":
        answer, tolerance = format_number(data["answer"]), format_number(data["tolerance"])
    elif qtype == "matching":
        entries = [f"{_out(left)}→{_out(right)}" for left, right in data["pairs"]]
        entries += [f"→{_out(d)}" for d in data.get("distractors", [])]
        for n, entry in enumerate(entries[:8]):
            options[n] = entry
    else:
        answer = _out(data.get("reference") or "")
    label = TYPE_WORDS[qtype][0]
    return [label, _out(item["stem"]), *options, answer, _out(item.get("analysis") or ""),
            item.get("score"), item.get("difficulty"), item.get("category") or "", ",".join(item.get("tags") or []),
            tolerance, case]


def export(items: list[dict[str, Any]]) -> bytes:
    workbook = Workbook()
    sheet = _styled_sheet(workbook, "试题")
    for item in items:
        sheet.append(_row_for(item))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template() -> bytes:
    """The empty template with one example row per type and a sheet of instructions."""
    workbook = Workbook()
    sheet = _styled_sheet(workbook, "试题")
    for row in EXAMPLES:
        sheet.append(row)
    notes = workbook.create_sheet("填写说明")
    for line in (__doc__ or "").strip().splitlines():
        notes.append([line.strip()])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def losses(item: dict[str, Any]) -> list[str]:
    lost = extras_lost(item, {}, unsupported={"cloze"})
    if len(item["data"].get("options") or item["data"].get("blanks") or item["data"].get("pairs") or []) > 8:
        lost.append("第 9 个以后的选项")
    return lost


register_format(Format("excel", "Excel（平台模板）", (".xlsx",), parse, export, losses=losses,
                       content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       export_extension="xlsx"))
