"""Printable outputs of a paper as DOCX (python-docx): the paper, the answer key, the answer sheet.

Formulas stay as their LaTeX text in DOCX (Word has no KaTeX); the HTML print view renders them.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from eduplatform.core.text.richtext import plain_text
from eduplatform.questions.models import Paper
from eduplatform.questions.types import get_type
from eduplatform.questions.types.builtin import BLANK_RE, letter
from eduplatform.questions.vocab import grade_label, subject_label

VARIANTS = {"paper": "试卷", "key": "参考答案", "sheet": "答题卡"}
FONT = "SimSun"


def _document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return doc


def _title(doc: Document, paper: Paper, variant: str) -> None:
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(paper.title + ("" if variant == "paper" else f" · {VARIANTS[variant]}"))
    run.bold = True
    run.font.size = Pt(16)
    info = doc.add_paragraph()
    info.alignment = WD_ALIGN_PARAGRAPH.CENTER
    parts = [subject_label(paper.subject), grade_label(paper.grade), f"满分 {paper.total_score:g} 分"]
    if paper.duration_minutes:
        parts.append(f"考试时间 {paper.duration_minutes} 分钟")
    info.add_run("　".join(p for p in parts if p))
    if variant != "key":
        doc.add_paragraph("学校：__________　班级：__________　姓名：__________　考号：__________")


def _stem_text(stem: str) -> str:
    return plain_text(BLANK_RE.sub("______", stem))


def paper_docx(paper: Paper, variant: str = "paper") -> bytes:
    doc = _document()
    _title(doc, paper, variant)
    if variant == "paper" and paper.instructions:
        doc.add_paragraph(paper.instructions)
    number = 0
    for section in paper.sections:
        section_score = sum(i.score for i in section.items)
        head = doc.add_paragraph()
        head.add_run(f"{section.title}（共 {len(section.items)} 题，{section_score:g} 分）").bold = True
        for item in section.items:
            number += 1
            version = item.version
            qtype = get_type(version.type)
            if variant == "paper":
                doc.add_paragraph(f"{number}. {_stem_text(version.stem)}（{item.score:g} 分）")
                if version.type in ("single", "multiple"):
                    doc.add_paragraph("　".join(f"{letter(i)}. {plain_text(o)}" for i, o in enumerate(version.data["options"])))
                elif version.type == "cloze":
                    for n, part in enumerate(version.data["parts"], 1):
                        if part["kind"] in ("multichoice", "multiresponse"):
                            doc.add_paragraph(f"({n}) " + "　".join(f"{letter(i)}. {plain_text(a['text'])}"
                                                                    for i, a in enumerate(part["answers"])))
                elif version.type == "true_false":
                    doc.add_paragraph("（　　）")
                elif version.type == "matching":
                    choices = qtype.choices(version.data)
                    for i, (left, _) in enumerate(version.data["pairs"]):
                        right = choices[i] if i < len(choices) else ""
                        doc.add_paragraph(f"　{plain_text(left)}　　　　　{chr(ord('a') + i)}. {plain_text(right)}")
                    for i in range(len(version.data["pairs"]), len(choices)):
                        doc.add_paragraph(f"　　　　　　　　{chr(ord('a') + i)}. {plain_text(choices[i])}")
                elif version.type == "essay":
                    for _ in range(6):
                        doc.add_paragraph("")
            elif variant == "key":
                line = doc.add_paragraph(f"{number}. {qtype.answer_text(version.data)}（{item.score:g} 分）")
                if version.analysis:
                    line.add_run(f"　解析：{plain_text(version.analysis)}")
            else:
                _sheet_row(doc, number, item, version)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _sheet_row(doc: Document, number: int, item, version) -> None:
    if version.type in ("single", "multiple"):
        boxes = "　".join(f"[{letter(i)}]" for i in range(len(version.data["options"])))
        doc.add_paragraph(f"{number}. {boxes}")
    elif version.type == "true_false":
        doc.add_paragraph(f"{number}. [对]　[错]")
    elif version.type in ("fill_blank", "cloze"):
        count = len(version.data["blanks" if version.type == "fill_blank" else "parts"])
        doc.add_paragraph(f"{number}. " + "　".join(f"({n}) ____________" for n in range(1, count + 1)))
    elif version.type == "numerical":
        doc.add_paragraph(f"{number}. ____________")
    elif version.type == "matching":
        doc.add_paragraph(f"{number}. " + "　".join(f"({n}) ____" for n in range(1, len(version.data["pairs"]) + 1)))
    else:
        doc.add_paragraph(f"{number}.（{item.score:g} 分）")
        table = doc.add_table(rows=1, cols=1)
        table.style = "Table Grid"
        table.rows[0].height = Cm(5)
