"""政府信息公开工作年度报告 (《条例》 Art. 49–50; tables of 国办公开办函〔2021〕30号, ``annual_report.yaml``).

What is computed, for one bureau (the 行政机关 that answers and publishes) and one calendar year:

- 表二, 行政规范性文件: the bureau's articles in the 政策文件 column (``policy_documents``) — 本年制发 =
  first published in the year; 本年废止 = marked 已废止 in the year; 现行有效 = published by the year's
  end and not repealed by then (已修改 ones stay in force as amended). The other rows (规章, 行政许可,
  处罚, 强制, 收费) are not recorded by the platform: the office enters them.
- 表三: the bureau's 依申请公开 requests. 本年新收 = received in the year; 上年结转 = received before it
  and not finished when it began; 办理结果 = finished in the year (answered, or 视为放弃申请), each put
  in one leaf row — the office's choice (``DisclosureRequest.report_row``) or its answer type's
  default (``answer_rows``); 结转下年度 = received by the year's end and not finished by then. So
  一 + 二 = 三（七） + 四 holds by construction. A 不予公开 answer has no default row (the template
  splits it by reason, the platform records the reason as text): the report cannot be published until
  the office has put each one in a row.
- 表四 and the text sections: entered by the office (``AnnualReport.entries``).

Services flush, never commit.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import yaml
from flask import current_app
from werkzeug.datastructures import FileStorage

from eduplatform.audit.services import record
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.portal import permissions
from eduplatform.portal.models import (
    AnnualReport,
    Article,
    ArticleState,
    DisclosureEntry,
    DisclosureRequest,
    Validity,
)
from eduplatform.portal.services import columns, content

REALM = "disclosure"
LOCAL = ZoneInfo("Asia/Shanghai")
TEMPLATE_FILE = Path(__file__).resolve().parent.parent / "annual_report.yaml"
POLICY_COLUMN = "policy_documents"
REPORT_COLUMN = "annual_reports"
TEXT_LIMIT = 20000
NUMBER_LIMIT = 10**7


@cache
def template() -> dict:
    with TEMPLATE_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def request_columns() -> list[str]:
    """The leaf columns of 表三, in order: 自然人, the five 法人或其他组织 kinds, 总计."""
    keys = []
    for col in template()["requests_columns"]:
        keys += [c["key"] for c in col.get("children", [])] or [col["key"]]
    return keys


def leaf_rows() -> dict[str, str]:
    return {r["key"]: r["label"] for r in template()["requests_rows"] if r.get("leaf")}


def applicant_column(request: DisclosureRequest) -> str:
    if request.applicant_type == "person":
        return "person"
    return request.org_kind if request.org_kind in ("business", "research", "public_interest", "legal_service") \
        else "other"


def finished_on(request: DisclosureRequest, abandoned: dict[int, date]) -> date | None:
    if request.answered_on is not None:
        return request.answered_on
    if request.state == "closed":
        return abandoned.get(request.id)
    return None


def default_row(request: DisclosureRequest) -> str | None:
    kind = request.answer_type or ("abandoned" if request.state == "closed" else None)
    return template()["answer_rows"].get(kind) if kind else None


def row_of(request: DisclosureRequest) -> str | None:
    """The leaf row of 表三 a finished request is counted in (None: the office has to choose)."""
    return request.report_row or default_row(request)


def _year_end(year: int) -> date:
    return date(year, 12, 31)


def _abandoned_days(ids: list[int]) -> dict[int, date]:
    if not ids:
        return {}
    rows = db.session.execute(sa.select(DisclosureEntry.request_id, sa.func.min(DisclosureEntry.day))
                              .where(DisclosureEntry.request_id.in_(ids), DisclosureEntry.kind == "abandoned")
                              .group_by(DisclosureEntry.request_id))
    return dict(rows.all())


def requests_table(org, year: int) -> dict:
    """表三: ``cells[row][column]`` for every row and column of the template, and what is unclassified."""
    start, end = date(year, 1, 1), _year_end(year)
    found = list(db.session.scalars(sa.select(DisclosureRequest).where(DisclosureRequest.org_id == org.id,
                                                                       DisclosureRequest.received_on <= end)
                                    .order_by(DisclosureRequest.received_on, DisclosureRequest.id)))
    abandoned = _abandoned_days([r.id for r in found if r.state == "closed"])
    cols = request_columns()
    cells = {row["key"]: dict.fromkeys(cols, 0) for row in template()["requests_rows"]}
    unclassified, handled = [], []

    def add(row: str, request) -> None:
        cells[row][applicant_column(request)] += 1
        cells[row]["total"] += 1

    for request in found:
        done = finished_on(request, abandoned)
        if request.received_on >= start:
            add("new", request)
        elif done is None or done >= start:
            add("carried_in", request)
        else:
            continue  # finished before the year began
        if done is not None and start <= done <= end:
            row = row_of(request)
            handled.append((request, row))
            if row is None:
                unclassified.append(request)
            else:
                add(row, request)
                add("handled_total", request)
        elif done is None or done > end:
            add("carried_out", request)
    for row in template()["requests_rows"]:  # (三)–(六) with sub-rows: the sum of their sub-rows
        key = row["key"]
        if row["level"] == 1 and not row.get("leaf") and key != "handled_total":
            for col in cols:
                cells[key][col] = sum(cells[k][col] for k in cells if k.startswith(key + "."))
    return {"cells": cells, "columns": cols, "unclassified": unclassified, "handled": handled}


# --- 表二 -----------------------------------------------------------------------------------------

def _utc_bounds(year: int) -> tuple[datetime, datetime]:
    def utc(d):
        return datetime.combine(d, time.min, LOCAL).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    return utc(date(year, 1, 1)), utc(date(year + 1, 1, 1))


def normative_counts(org, year: int) -> list[int]:
    """行政规范性文件: [本年制发, 本年废止, 现行有效 at the year's end] from the 政策文件 column."""
    column = columns.column_by_key(POLICY_COLUMN)
    begin, after = _utc_bounds(year)
    base = sa.select(sa.func.count(Article.id)).where(
        Article.org_id == org.id, Article.column_id.in_(column.subtree_ids()),
        Article.published_at.is_not(None), Article.state.in_((ArticleState.PUBLISHED, ArticleState.WITHDRAWN)))
    issued = db.session.scalar(base.where(Article.published_at >= begin, Article.published_at < after))
    repealed = db.session.scalar(base.where(Article.validity == Validity.REPEALED,
                                            Article.validity_changed_at >= begin,
                                            Article.validity_changed_at < after))
    in_force = db.session.scalar(base.where(
        Article.state == ArticleState.PUBLISHED, Article.published_at < after,
        sa.or_(Article.validity != Validity.REPEALED, Article.validity_changed_at >= after)))
    return [issued or 0, repealed or 0, in_force or 0]


def articles_by_column(org, year: int) -> list[tuple[str, int]]:
    """本年主动公开 per column (for 一、总体情况): published in the year and still public or withdrawn."""
    begin, after = _utc_bounds(year)
    rows = db.session.execute(
        sa.select(Article.column_id, sa.func.count(Article.id))
        .where(Article.org_id == org.id, Article.published_at >= begin, Article.published_at < after)
        .group_by(Article.column_id))
    counts = dict(rows.all())
    out = []
    for _depth, column in columns.all_columns():
        if counts.get(column.id):
            out.append(("／".join(c.name for c in column.ancestors()), counts[column.id]))
    return out


# --- the office's part ------------------------------------------------------------------------------

def get_report(org, year: int) -> AnnualReport | None:
    return db.session.scalar(sa.select(AnnualReport).where(AnnualReport.org_id == org.id, AnnualReport.year == year))


def _count(value, label: str, problems: dict, field: str) -> int:
    text = str(value if value is not None else "").strip()
    if text == "":
        return 0
    if not text.isdigit() or int(text) >= NUMBER_LIMIT:
        problems[field] = [f"{label}须为不小于 0 的整数"]
        return 0
    return int(text)


def check_entries(data: dict) -> dict:
    """The hand-entered fields from a form (flat keys) → the stored shape; Chinese errors, nothing kept."""
    t, problems, clean = template(), {}, {}
    for key in ("overview", "problems", "other"):
        value = str(data.get(key) or "").strip()
        if len(value) > TEXT_LIMIT:
            problems[key] = [f"每一部分不超过 {TEXT_LIMIT} 字"]
        clean[key] = value[:TEXT_LIMIT]
    proactive = {}
    proactive["rules"] = [_count(data.get(f"rules_{i}"), f"规章 {name}", problems, f"rules_{i}")
                          for i, name in enumerate(t["proactive"][0]["columns"])]
    for key, label in (("licensing", "行政许可"), ("penalty", "行政处罚"), ("enforcement", "行政强制")):
        proactive[key] = _count(data.get(key), label, problems, key)
    fees = str(data.get("fees") or "").strip() or "0"
    try:
        amount = Decimal(fees)
        if amount < 0 or amount >= NUMBER_LIMIT or amount.as_tuple().exponent < -4:
            raise InvalidOperation
        proactive["fees"] = format(amount.normalize(), "f") if amount else "0"  # 100, not 1E+2
    except InvalidOperation:
        problems["fees"] = ["行政事业性收费金额须为不小于 0 的数（单位：万元，最多 4 位小数）"]
    clean["proactive"] = proactive
    review = {}
    for group in t["review_groups"]:
        review[group["key"]] = {c["key"]: _count(data.get(f"{group['key']}_{c['key']}"),
                                                 f"{group['label']}（{c['label']}）", problems,
                                                 f"{group['key']}_{c['key']}")
                                for c in t["review_columns"] if c["key"] != "total"}
    clean["review"] = review
    if problems:
        raise ValidationFailed("年度报告填写有误：" + next(iter(problems.values()))[0], code="report_invalid",
                               fields=problems)
    return clean


def save_entries(org, year: int, *, actor, data: dict) -> AnnualReport:
    """Keep the office's part of the report (creates the row on first save). Flushes."""
    clean = check_entries(data)
    report = get_report(org, year)
    if report is None:
        report = AnnualReport(org_id=org.id, year=year, entries={})
        db.session.add(report)
    report.entries, report.updated_by_id = clean, actor.id
    db.session.flush()
    record(REALM, "annual_report.saved", f"保存{year}年政府信息公开工作年度报告（{org.name}）", actor=actor,
           obj=report, data={"year": year, "proactive": clean["proactive"], "review": clean["review"]})
    return report


def classify_request(request: DisclosureRequest, *, actor, row: str | None) -> None:
    """Put a finished request in a leaf row of 表三 (``None`` or empty: back to its answer's default)."""
    row = (row or "").strip() or None
    if row is not None and row not in leaf_rows():
        raise ValidationFailed("请选择年度报告表三中的一项", code="bad_row", fields={"report_row": ["没有这一项"]})
    if not request.is_finished:
        raise Conflict("申请尚未办结，不能归类", code="not_finished")
    if row is not None and request.answer_type == "partial" and row != "partial":
        raise ValidationFailed("部分公开的申请只计入“部分公开”（区分处理的，只计这一情形）", code="partial_only")
    old = row_of(request)
    request.report_row = row
    db.session.flush()
    labels = leaf_rows()
    record(REALM, "request.report_row_set",
           f"年度报告归类 {request.tracking_code}：{labels.get(old, '未归类')} → {labels.get(row_of(request), '未归类')}",
           actor=actor, obj=request, data={"report_row": [old, row_of(request)]})


# --- the whole report -----------------------------------------------------------------------------

def build(org, year: int) -> dict:
    """Every table and text of the report as shown, exported and published."""
    t = template()
    report = get_report(org, year)
    entries = (report.entries if report else None) or check_entries({})
    hand = entries["proactive"]
    proactive = [
        {"item": t["proactive"][0]["item"], "columns": t["proactive"][0]["columns"],
         "rows": [("规章", hand["rules"]), ("行政规范性文件", normative_counts(org, year))]},
        {"item": t["proactive"][1]["item"], "columns": t["proactive"][1]["columns"],
         "rows": [("行政许可", [hand["licensing"]])]},
        {"item": t["proactive"][2]["item"], "columns": t["proactive"][2]["columns"],
         "rows": [("行政处罚", [hand["penalty"]]), ("行政强制", [hand["enforcement"]])]},
        {"item": t["proactive"][3]["item"], "columns": t["proactive"][3]["columns"],
         "rows": [("行政事业性收费", [hand["fees"]])]},
    ]
    requests = requests_table(org, year)
    review = {}
    for group in t["review_groups"]:
        values = dict(entries["review"][group["key"]])
        values["total"] = sum(values.values())
        review[group["key"]] = values
    return {"org": org, "year": year, "report": report, "entries": entries, "template": t,
            "proactive": proactive, "requests": requests, "review": review,
            "by_column": articles_by_column(org, year), "title": f"{org.name}{year}年政府信息公开工作年度报告"}


def default_overview(data: dict) -> str:
    cells = data["requests"]["cells"]
    parts = [f"{name} {n} 条" for name, n in data["by_column"]]
    text = f"{data['year']}年，{data['org'].name}通过门户网站主动公开政府信息"
    text += ("：" + "、".join(parts) + "。") if parts else "。"
    text += (f"全年新收政府信息公开申请 {cells['new']['total']} 件，上年结转 {cells['carried_in']['total']} 件，"
             f"办结 {cells['handled_total']['total']} 件，结转下年度继续办理 {cells['carried_out']['total']} 件。")
    return text


def _texts(data: dict) -> dict[str, str]:
    e = data["entries"]
    return {"overview": e.get("overview") or default_overview(data), "problems": e.get("problems") or "无。",
            "other": e.get("other") or "无。"}


def request_header() -> list[tuple[str, list[str]]]:
    return [(c["label"], [x["label"] for x in c.get("children", [])]) for c in template()["requests_columns"]]


# --- DOCX ------------------------------------------------------------------------------------------

def _docx_font(run, name: str, size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    run.bold = bold


def _cell(cell, text, *, bold: bool = False, center: bool = True) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    cell.text = ""
    para = cell.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    _docx_font(para.add_run(str(text)), "宋体", 9, bold)


def render_docx(data: dict) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(25)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_font(heading.add_run(data["title"]), "方正小标宋简体", 20)
    texts, t = _texts(data), data["template"]

    def section_title(title):
        _docx_font(doc.add_paragraph().add_run(title), "黑体", 16)

    def paragraphs(text):
        for line in [s for s in text.splitlines() if s.strip()] or ["无。"]:
            _docx_font(doc.add_paragraph().add_run(line.strip()), "仿宋_GB2312", 16)

    titles = {s["key"]: s["title"] for s in t["sections"]}
    section_title(titles["overview"])
    paragraphs(texts["overview"])
    section_title(titles["proactive"])
    for part in data["proactive"]:
        table = doc.add_table(rows=2 + len(part["rows"]), cols=1 + len(part["columns"]))
        table.style = "Table Grid"
        merged = table.cell(0, 0).merge(table.cell(0, len(part["columns"])))
        _cell(merged, part["item"], bold=True)
        _cell(table.cell(1, 0), "信息内容", bold=True)
        for j, name in enumerate(part["columns"]):
            _cell(table.cell(1, j + 1), name, bold=True)
        for i, (label, values) in enumerate(part["rows"]):
            _cell(table.cell(2 + i, 0), label)
            for j, value in enumerate(values):
                _cell(table.cell(2 + i, j + 1), value)
        doc.add_paragraph()
    section_title(titles["requests"])
    _docx_requests(doc, data)
    section_title(titles["review"])
    _docx_review(doc, data)
    section_title(titles["problems"])
    paragraphs(texts["problems"])
    section_title(titles["other"])
    paragraphs(texts["other"])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _docx_requests(doc, data: dict) -> None:
    t, req = data["template"], data["requests"]
    cols = req["columns"]
    rows = t["requests_rows"]
    table = doc.add_table(rows=3 + len(rows), cols=2 + len(cols))
    table.style = "Table Grid"
    _cell(table.cell(0, 0).merge(table.cell(2, 1)), t["requests_note"], bold=True)
    _cell(table.cell(0, 2).merge(table.cell(0, 1 + len(cols))), "申请人情况", bold=True)
    _cell(table.cell(1, 2).merge(table.cell(2, 2)), "自然人", bold=True)
    _cell(table.cell(1, 3).merge(table.cell(1, 2 + len(cols) - 2)), "法人或其他组织", bold=True)
    for k, name in enumerate(request_header()[1][1]):
        _cell(table.cell(2, 3 + k), name, bold=True)
    _cell(table.cell(1, 1 + len(cols)).merge(table.cell(2, 1 + len(cols))), "总计", bold=True)
    for i, row in enumerate(rows):
        r = 3 + i
        label_cell = table.cell(r, 1) if row["level"] == 2 else table.cell(r, 0).merge(table.cell(r, 1))
        _cell(label_cell, row["label"], center=False)
        for j, col in enumerate(cols):
            value = "" if row["key"] == "results" else req["cells"][row["key"]][col]
            _cell(table.cell(r, 2 + j), value)
    doc.add_paragraph()


def _docx_review(doc, data: dict) -> None:
    t = data["template"]
    groups, cols = t["review_groups"], t["review_columns"]
    table = doc.add_table(rows=3, cols=len(groups) * len(cols))
    table.style = "Table Grid"
    n = len(cols)
    _cell(table.cell(0, 0).merge(table.cell(0, n - 1)), "行政复议", bold=True)
    _cell(table.cell(0, n).merge(table.cell(0, 3 * n - 1)), "行政诉讼", bold=True)
    for g, group in enumerate(groups):
        for j, col in enumerate(cols):
            label = col["label"] if g == 0 else f"{'未经复议直接起诉' if g == 1 else '复议后起诉'}·{col['label']}"
            _cell(table.cell(1, g * n + j), label, bold=True)
            _cell(table.cell(2, g * n + j), data["review"][group["key"]][col["key"]])
    doc.add_paragraph()


# --- PDF (the 公文 layout's font set) ----------------------------------------------------------------

def render_pdf(data: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from eduplatform.documents.layout import FontSet

    fonts = FontSet.from_config(current_app.config)
    body_font, title_font, hei = fonts.name("fangsong"), fonts.name("xiaobiaosong"), fonts.name("heiti")
    title = ParagraphStyle("title", fontName=title_font, fontSize=20, leading=30, alignment=TA_CENTER)
    head = ParagraphStyle("head", fontName=hei, fontSize=14, leading=24, spaceBefore=8)
    text = ParagraphStyle("text", fontName=body_font, fontSize=14, leading=24, firstLineIndent=28, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=body_font, fontSize=8, leading=10, wordWrap="CJK")
    center = ParagraphStyle("center", parent=cell, alignment=TA_CENTER)
    grid = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]

    def p(value, style=center):
        return Paragraph(escape(str(value)), style)

    t, texts = data["template"], _texts(data)
    titles = {s["key"]: s["title"] for s in t["sections"]}
    story = [Paragraph(escape(data["title"]), title), Spacer(1, 8)]

    def paragraphs(key):
        story.append(Paragraph(escape(titles[key]), head))
        story.extend(Paragraph(escape(line.strip()), text) for line in texts[key].splitlines() if line.strip())

    paragraphs("overview")
    story.append(Paragraph(escape(titles["proactive"]), head))
    for part in data["proactive"]:
        n = len(part["columns"])
        rows = [[p(part["item"])] + [""] * n, [p("信息内容")] + [p(c) for c in part["columns"]]]
        rows += [[p(label)] + [p(v) for v in values] for label, values in part["rows"]]
        widths = [50 * mm] + [(106 * mm) / n] * n
        story += [Table(rows, colWidths=widths, style=TableStyle(grid + [("SPAN", (0, 0), (-1, 0))])), Spacer(1, 6)]

    story.append(Paragraph(escape(titles["requests"]), head))
    req, cols = data["requests"], data["requests"]["columns"]
    header = request_header()
    rows = [[p(t["requests_note"]), "", p("申请人情况")] + [""] * (len(cols) - 1),
            ["", "", p("自然人"), p("法人或其他组织"), "", "", "", "", p("总计")],
            ["", "", "", *[p(name) for name in header[1][1]], ""]]
    style = grid + [("SPAN", (0, 0), (1, 2)), ("SPAN", (2, 0), (-1, 0)), ("SPAN", (2, 1), (2, 2)),
                    ("SPAN", (3, 1), (7, 1)), ("SPAN", (8, 1), (8, 2))]
    for i, row in enumerate(t["requests_rows"]):
        r = 3 + i
        values = [("" if row["key"] == "results" else req["cells"][row["key"]][c]) for c in cols]
        if row["level"] == 2:
            rows.append(["", p(row["label"], cell), *[p(v) for v in values]])
        else:
            rows.append([p(row["label"], cell), "", *[p(v) for v in values]])
            style.append(("SPAN", (0, r), (1, r)))
    story += [Table(rows, colWidths=[14 * mm, 58 * mm] + [12 * mm] * 7, style=TableStyle(style), repeatRows=3)]

    story.append(Paragraph(escape(titles["review"]), head))
    n = len(t["review_columns"])
    rows = [[p("行政复议")] + [""] * (n - 1) + [p("行政诉讼")] + [""] * (2 * n - 1),
            [""] * n + [p("未经复议直接起诉")] + [""] * (n - 1) + [p("复议后起诉")] + [""] * (n - 1),
            [p(c["label"]) for c in t["review_columns"]] * 3,
            [p(data["review"][g["key"]][c["key"]]) for g in t["review_groups"] for c in t["review_columns"]]]
    style = grid + [("SPAN", (0, 0), (n - 1, 1)), ("SPAN", (n, 0), (3 * n - 1, 0)),
                    ("SPAN", (n, 1), (2 * n - 1, 1)), ("SPAN", (2 * n, 1), (3 * n - 1, 1))]
    story.append(Table(rows, colWidths=[(156 * mm) / (3 * n)] * (3 * n), style=TableStyle(style)))
    paragraphs("problems")
    paragraphs("other")
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=27 * mm, rightMargin=27 * mm, topMargin=30 * mm,
                            bottomMargin=30 * mm, title=data["title"], author=data["org"].name)
    doc.build(story)
    return out.getvalue()


def filename(data: dict, ext: str) -> str:
    return f"{data['title']}.{ext}"


# --- publication --------------------------------------------------------------------------------

def body_html(data: dict) -> str:
    """The article's body: the texts and every table, as sanitised HTML (clean_html keeps tables)."""
    t, texts = data["template"], _texts(data)
    titles = {s["key"]: s["title"] for s in t["sections"]}
    out = []

    def paras(key):
        out.append(f"<h2>{escape(titles[key])}</h2>")
        out.extend(f"<p>{escape(line.strip())}</p>" for line in texts[key].splitlines() if line.strip())

    paras("overview")
    out.append(f"<h2>{escape(titles['proactive'])}</h2>")
    for part in data["proactive"]:
        out.append(f"<table><tr><th colspan=\"{1 + len(part['columns'])}\">{escape(part['item'])}</th></tr>"
                   "<tr><th>信息内容</th>" + "".join(f"<th>{escape(c)}</th>" for c in part["columns"]) + "</tr>")
        out += ["<tr><td>" + escape(label) + "</td>" + "".join(f"<td>{v}</td>" for v in values) + "</tr>"
                for label, values in part["rows"]]
        out.append("</table>")
    out.append(f"<h2>{escape(titles['requests'])}</h2><table><tr><th rowspan=\"3\">{escape(t['requests_note'])}</th>"
               "<th colspan=\"7\">申请人情况</th></tr><tr><th rowspan=\"2\">自然人</th><th colspan=\"5\">法人或其他组织</th>"
               "<th rowspan=\"2\">总计</th></tr><tr>"
               + "".join(f"<th>{escape(n)}</th>" for n in request_header()[1][1]) + "</tr>")
    req = data["requests"]
    for row in t["requests_rows"]:
        values = "".join(f"<td>{'' if row['key'] == 'results' else req['cells'][row['key']][c]}</td>"
                         for c in req["columns"])
        out.append(f"<tr><td>{escape(row['label'])}</td>{values}</tr>")
    out.append("</table>")
    out.append(f"<h2>{escape(titles['review'])}</h2><table><tr><th colspan=\"5\">行政复议</th>"
               "<th colspan=\"10\">行政诉讼</th></tr><tr><th colspan=\"5\"></th><th colspan=\"5\">未经复议直接起诉</th>"
               "<th colspan=\"5\">复议后起诉</th></tr><tr>"
               + "".join(f"<th>{escape(c['label'])}</th>" for c in t["review_columns"]) * 3 + "</tr><tr>"
               + "".join(f"<td>{data['review'][g['key']][c['key']]}</td>" for g in t["review_groups"]
                         for c in t["review_columns"]) + "</tr></table>")
    paras("problems")
    paras("other")
    return "".join(out)


def publish(org, year: int, *, actor) -> Article:
    """Draft the report as an article of the 年度报告 column, with its DOCX and PDF, and send it to review."""
    if not permissions.can_draft_article(actor, org):
        raise PermissionDenied("只有本局的工作人员可以发布年度报告")
    report = get_report(org, year)
    if report is None:
        raise Conflict("请先填写并保存年度报告中由工作人员填写的部分", code="not_saved")
    if report.article is not None and report.article.state != ArticleState.WITHDRAWN:
        raise Conflict(f"本年度报告已生成门户信息（{report.article.state.label}），撤回后才能重新生成",
                       code="already_published")
    data = build(org, year)
    if data["requests"]["unclassified"]:
        codes = "、".join(r.tracking_code for r in data["requests"]["unclassified"][:5])
        raise Conflict(f"尚有不予公开的申请未归入表三的具体理由：{codes}", code="unclassified")
    article = content.create_article(actor, column=columns.column_by_key(REPORT_COLUMN),
                                     data={"title": data["title"], "body": body_html(data),
                                           "summary": f"{org.name}{year}年政府信息公开工作年度报告"})
    for ext, blob, mime in (("docx", render_docx(data), ("application/vnd.openxmlformats-officedocument."
                                                          "wordprocessingml.document")),
                            ("pdf", render_pdf(data), "application/pdf")):
        content.add_attachment(article, actor, FileStorage(io.BytesIO(blob), filename=filename(data, ext),
                                                           content_type=mime))
    content.submit_article(article, actor)
    report.article_id = article.id
    db.session.flush()
    record(REALM, "annual_report.published", f"生成{year}年政府信息公开工作年度报告门户信息并提交审核（{org.name}）",
           actor=actor, obj=report, data={"year": year, "article_id": article.id})
    return article
