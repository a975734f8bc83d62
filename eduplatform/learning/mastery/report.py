"""The term report (学期学情报告) of one student as a PDF, for parents.

Set with reportlab in the faces the 公文 layout uses (``documents.layout.fonts``: 黑体 for headings,
宋体 for text; configured files or the free Debian substitutes), so the Chinese text is real text in
the PDF, searchable and extractable.
"""

from __future__ import annotations

import io

from flask import current_app
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from eduplatform.core.db import utcnow
from eduplatform.core.text.timeutil import to_local
from eduplatform.documents.layout.fonts import FontSet
from eduplatform.learning.mastery import services
from eduplatform.learning.mastery.model import BANDS, DEFAULT_HALF_LIFE_DAYS

BAND_COLOURS = {"掌握": colors.HexColor("#d1e7dd"), "基本掌握": colors.HexColor("#fff3cd"),
                "待提高": colors.HexColor("#f8d7da")}


def term_report_data(student, term: services.Term) -> dict:
    since, until = term.bounds
    mastery = services.student_mastery(student, since=since, until=until)
    return {"student": student, "term": term, "mastery": mastery, "bands": services.band_counts(mastery),
            "homework": services.homework_record(student, since=since, until=until),
            "courses": services.course_progress(student)}


def term_report_pdf(student, term: services.Term | str | None = None) -> bytes:
    """The student's report for ``term`` (a ``Term``, ``'2026-1'``, or None for the current term)."""
    if not isinstance(term, services.Term):
        term = services.parse_term(term)
    data = term_report_data(student, term)
    fonts = FontSet.from_config(current_app.config)
    hei, song = fonts.name("heiti"), fonts.name("songti")
    title = ParagraphStyle("title", fontName=hei, fontSize=18, leading=26, alignment=1, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=hei, fontSize=13, leading=20, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("body", fontName=song, fontSize=10.5, leading=16)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=13, textColor=colors.HexColor("#555555"))
    school_class = student.school_class
    story = [Paragraph(f"{student.school.name if student.school else ''} 学期学情报告", title),
             Paragraph(f"{term.label}　学生：{student.name}（学号 {student.student_no}）"
                       f"　班级：{school_class.name if school_class else '—'}", body), Spacer(1, 4 * mm)]

    story.append(Paragraph("一、知识点掌握情况", heading))
    bands = data["bands"]
    story.append(Paragraph("　".join(f"{label} {bands[label]} 个" for _, label in BANDS), body))
    if data["mastery"]:
        rows = [["学科", "知识点", "掌握程度", "等级", "作答次数"]]
        for r in sorted(data["mastery"], key=lambda r: (r["point"].subject, r["point"].path)):
            rows.append([r["subject"], r["point"].name, f"{r['percent']}%", r["band"] + ("（数据较少）" if r["few"] else ""),
                         str(r["answers"])])
        table = Table(rows, colWidths=[22 * mm, 62 * mm, 24 * mm, 40 * mm, 22 * mm], repeatRows=1)
        style = [("FONTNAME", (0, 0), (-1, -1), song), ("FONTNAME", (0, 0), (-1, 0), hei),
                 ("FONTSIZE", (0, 0), (-1, -1), 9.5), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        for n, r in enumerate(rows[1:], start=1):
            style.append(("BACKGROUND", (3, n), (3, n), BAND_COLOURS[r[3].split("（")[0]]))
        table.setStyle(TableStyle(style))
        story.append(table)
    else:
        story.append(Paragraph("本学期还没有已批改的、标注了知识点的作答。", body))

    story.append(Paragraph("二、作业完成情况", heading))
    hw = data["homework"]
    if hw["due"]:
        story.append(Paragraph(f"应完成 {hw['due']} 项，已提交 {hw['handed_in']} 项（完成率 {hw['completion']}%），"
                               f"其中迟交 {hw['late']} 项，未交 {hw['missing']} 项。", body))
        rows = [["学科", "应完成", "已提交", "迟交", "未交"]] + [
            [s["subject"], str(s["due"]), str(s["handed_in"]), str(s["late"]), str(s["missing"])] for s in hw["subjects"]]
        table = Table(rows, colWidths=[40 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm])
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), song), ("FONTNAME", (0, 0), (-1, 0), hei),
                                   ("FONTSIZE", (0, 0), (-1, -1), 9.5), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef"))]))
        story.append(table)
    else:
        story.append(Paragraph("本学期没有到期的作业。", body))

    story.append(Paragraph("三、课程学习进度", heading))
    if data["courses"]:
        rows = [["课程", "进度", "状态"]] + [[c["title"], f"{c['percent']}%", "已完成" if c["completed_at"] else "学习中"]
                                          for c in data["courses"]]
        table = Table(rows, colWidths=[100 * mm, 30 * mm, 30 * mm])
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), song), ("FONTNAME", (0, 0), (-1, 0), hei),
                                   ("FONTSIZE", (0, 0), (-1, -1), 9.5), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef"))]))
        story.append(table)
    else:
        story.append(Paragraph("没有在学的网络课程。", body))

    story += [Spacer(1, 6 * mm), Paragraph(
        f"说明：掌握程度是按时间加权的 Rasch 模型估计的“答对一道中等难度题的概率”（作答每早 {DEFAULT_HALF_LIFE_DAYS:g} 天"
        "权重减半，难题答对加分更多）；80% 以上为掌握，60%–80% 为基本掌握，60% 以下为待提高。"
        f"生成时间：{to_local(utcnow()):%Y年%m月%d日 %H:%M}。", small)]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"{student.name} {term.label} 学情报告", author="eduplatform")
    doc.build(story)
    return buffer.getvalue()
