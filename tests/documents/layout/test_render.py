"""The GB/T 9704-2012 layout, measured in the PDF (pdfplumber), against the standard's figures.

The expected numbers are the standard's, not this renderer's: A4 210 × 297 mm, 天头 37 mm, 订口
28 mm, 版心 156 × 225 mm, 22 lines × 28 characters, body 3号 (16 pt), title 2号 (22 pt), page
numbers 4号 (14 pt) "— n —" one character in from the 版心's outer side.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pdfplumber
import pytest

from eduplatform.documents.layout import DocumentElements, render_pdf, seal_box

pytestmark = pytest.mark.nodb

MM = 72 / 25.4  # points per mm
TOL = 1.0  # mm, as the standard allows for 天头 and 订口

# A paragraph of plain ideographs (no punctuation, so no 避头尾 moves): 4 × 28 characters.
PARAGRAPH = ("县区教育局学校发展规划" * 12)[:112]


def _elements(**changes) -> DocumentElements:
    base = DocumentElements(
        份号="1", 密级和保密期限="秘密★1年", 紧急程度="特急",
        发文机关标志="示范市教育局文件", 发文字号="示教发〔2026〕12号",
        标题="关于开展全市中小学教育装备检查工作的通知",
        主送机关="各区县教育局，市直属各学校", 正文=[PARAGRAPH] * 12,
        附件说明=["检查内容"], 发文机关署名="示范市教育局", 成文日期=date(2026, 12, 2),
        附注="此件公开发布", 抄送机关=["市政府办公室"], 印发机关="示范市教育局办公室",
        印发日期=date(2026, 12, 3),
    )
    return replace(base, **changes)


def _open(elements: DocumentElements):
    return pdfplumber.open(io.BytesIO(render_pdf(elements)))


def _rows(page) -> list[list[dict]]:
    """The page's characters grouped into lines by their top edge, top to bottom, left to right."""
    rows: list[list[dict]] = []
    for ch in sorted(page.chars, key=lambda c: (round(c["top"], 1), c["x0"])):
        if ch["text"].isspace():
            continue
        if rows and abs(rows[-1][0]["top"] - ch["top"]) < 0.5:
            rows[-1].append(ch)
        else:
            rows.append([ch])
    return rows


def _text(row) -> str:
    return "".join(ch["text"] for ch in row)


def _body_rows(page) -> list[list[dict]]:
    """Rows of 3号 text inside the 版心 (page numbers are under it)."""
    return [r for r in _rows(page) if abs(r[0]["size"] - 16) < 0.1 and r[0]["top"] / MM < 37 + 225]


@pytest.fixture(scope="module")
def document():
    with _open(_elements()) as pdf:
        yield pdf


def test_pages_are_a4(document):
    for page in document.pages:
        assert page.width / MM == pytest.approx(210, abs=0.5)
        assert page.height / MM == pytest.approx(297, abs=0.5)


def test_body_starts_at_the_top_and_left_margins(document):
    page = document.pages[1]  # a page without the 版头: its first line is body
    first = _body_rows(page)[0]
    assert first[0]["top"] / MM == pytest.approx(37, abs=TOL)
    # A line continuing a paragraph starts flush with the 版心's left edge (订口 28 mm)…
    continued = [r for r in _body_rows(page) if _text(r) and r[0]["x0"] / MM < 35]
    assert continued
    for row in continued:
        assert row[0]["x0"] / MM == pytest.approx(28, abs=TOL)
    # …and a paragraph's first line is indented two characters.
    indented = [r for r in _body_rows(page) if r[0]["x0"] / MM > 35]
    assert indented
    for row in indented:
        assert row[0]["x0"] / MM == pytest.approx(28 + 2 * 156 / 28, abs=TOL)


def test_a_full_line_holds_28_characters_across_the_type_area(document):
    page = document.pages[1]
    full = [r for r in _body_rows(page) if r[0]["x0"] / MM < 35 and len(r) >= 20]
    assert full
    for row in full:
        assert len(row) == 28, _text(row)
        assert row[-1]["x1"] / MM == pytest.approx(28 + 156, abs=TOL)
        pitch = (row[-1]["x0"] - row[0]["x0"]) / 27 / MM
        assert pitch == pytest.approx(156 / 28, abs=0.05)


def test_a_full_page_holds_22_lines(document):
    page = document.pages[1]
    rows = _body_rows(page)
    assert len(rows) == 22
    tops = [r[0]["top"] / MM for r in rows]
    assert tops[-1] - tops[0] == pytest.approx(21 * 225 / 22, abs=TOL)
    assert tops[-1] + 16 / MM < 37 + 225  # the last line ends inside the 版心


def test_the_issuer_mark_is_red_and_centred_with_a_red_line_under_the_number(document):
    page = document.pages[0]
    mark = [ch for ch in page.chars if ch["text"] in "示范市教育局文件" and ch["size"] > 30]
    assert _text(mark) == "示范市教育局文件"
    for ch in mark:
        r, g, b = ch["non_stroking_color"]
        assert r > 0.9 and g < 0.2 and b < 0.2
    centre = (mark[0]["x0"] + mark[-1]["x1"]) / 2 / MM
    assert centre == pytest.approx(28 + 156 / 2, abs=TOL)
    number = next(r for r in _rows(page) if "〔2026〕" in _text(r))
    assert (number[0]["x0"] + number[-1]["x1"]) / 2 / MM == pytest.approx(28 + 156 / 2, abs=TOL)
    red = [ln for ln in page.lines if ln["stroking_color"] and ln["stroking_color"][0] > 0.9
           and ln["stroking_color"][1] < 0.2]
    assert len(red) == 1
    line = red[0]
    assert (line["x1"] - line["x0"]) / MM == pytest.approx(156, abs=TOL)
    assert (line["top"] - number[0]["bottom"]) / MM == pytest.approx(4, abs=TOL)  # 发文字号之下4mm


def test_title_is_2hao_and_centred(document):
    page = document.pages[0]
    rows = [r for r in _rows(page) if abs(r[0]["size"] - 22) < 0.1]
    assert "".join(_text(r) for r in rows) == "关于开展全市中小学教育装备检查工作的通知"
    for row in rows:
        assert (row[0]["x0"] + row[-1]["x1"]) / 2 / MM == pytest.approx(105, abs=TOL)


def test_page_numbers_alternate_outside(document):
    assert len(document.pages) >= 3
    for n, page in enumerate(document.pages, start=1):
        labels = [r for r in _rows(page) if r[0]["top"] / MM > 37 + 225]
        assert len(labels) == 1
        row = labels[0]
        assert _text(row) == f"—{n}—"
        assert "".join(ch["text"] for ch in page.chars if ch["top"] / MM > 262) == f"— {n} —"
        assert row[0]["size"] == pytest.approx(14, abs=0.1)
        one_char = 14 / MM
        if n % 2:  # odd: right, one character in
            assert row[-1]["x1"] / MM == pytest.approx(28 + 156 - one_char, abs=TOL)
        else:
            assert row[0]["x0"] / MM == pytest.approx(28 + one_char, abs=TOL)


def test_signature_date_in_arabic_numerals_right_of_centre(document):
    last = document.pages[-1]
    text = last.extract_text()
    assert "2026年12月2日" in text
    date_row = next(r for r in _rows(last) if _text(r) == "2026年12月2日")
    # sealed layout: 成文日期 右空四字
    assert date_row[-1]["x1"] / MM == pytest.approx(28 + 156 - 4 * 156 / 28, abs=TOL)


def test_imprint_sits_on_the_last_page_between_rules(document):
    last = document.pages[-1]
    rows = _rows(last)
    issued = next(r for r in rows if "印发" in _text(r))
    assert _text(issued).endswith("2026年12月3日印发")
    assert issued[0]["size"] == pytest.approx(14, abs=0.1)
    rules = sorted(last.lines, key=lambda ln: ln["top"])
    assert len(rules) == 3  # 首条, 中间, 末条
    assert rules[-1]["bottom"] / MM == pytest.approx(37 + 225, abs=0.3)  # on the 版心's lower edge
    for rule in rules:
        assert (rule["x1"] - rule["x0"]) / MM == pytest.approx(156, abs=TOL)
    cc = next(r for r in rows if _text(r).startswith("抄送："))
    assert rules[0]["top"] < cc[0]["top"] < rules[1]["top"] < issued[0]["top"] < rules[2]["top"]
    for page in document.pages[:-1]:
        assert "抄送" not in (page.extract_text() or "")


def test_simplified_characters_are_in_the_text_layer(document):
    text = "".join(page.extract_text() for page in document.pages)
    for ch in "关学区县发教育":
        assert ch in text


def test_empty_elements_leave_no_text():
    empty = _elements(份号="", 密级和保密期限=None, 紧急程度=None, 附件说明=[], 附注="", 抄送机关=[],
                      印发机关=None, 印发日期=None, 发文字号=None, 正文=["县区学校发展规划。"])
    with _open(empty) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
        page = pdf.pages[0]
        assert len(pdf.pages) == 1
        for absent in ("000001", "秘密", "特急", "附件", "（", "抄送", "印发", "〔"):
            assert absent not in text
        # no 版记 rules: the only rule left is the 版头's red separator under the 标志
        assert [ln["stroking_color"][:1] for ln in page.lines] == [(1.0,)]
        # nothing printed in the three top lines where 份号 / 密级 / 紧急程度 would stand
        assert all(ch["top"] / MM > 37 + 3 * 225 / 22 for ch in page.chars)


def test_header_lines_stack_at_the_top_left():
    with _open(_elements()) as pdf:
        rows = _rows(pdf.pages[0])
    assert [_text(r) for r in rows[:3]] == ["000001", "秘密★1年", "特急"]
    for n, row in enumerate(rows[:3]):
        assert row[0]["x0"] / MM == pytest.approx(28, abs=TOL)
        assert row[0]["top"] / MM == pytest.approx(37 + n * 225 / 22, abs=TOL)


def test_upward_document_puts_number_left_and_signers_right():
    up = _elements(上行文=True, 签发人=["张三", "李四"], 份号=None, 密级和保密期限=None, 紧急程度=None)
    with _open(up) as pdf:
        rows = _rows(pdf.pages[0])
    row = next(r for r in rows if "签发人" in _text(r))
    assert "〔2026〕" in _text(row)  # 发文字号 on the same line as the (last) 签发人
    number = [ch for ch in row if ch["x0"] / MM < 105]
    assert number[0]["x0"] / MM == pytest.approx(28 + 156 / 28, abs=TOL)  # 居左空一字
    assert row[-1]["x1"] / MM == pytest.approx(28 + 156 - 156 / 28, abs=TOL)  # 居右空一字


def test_seal_is_centred_over_the_date(tmp_path):
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.new("RGBA", (400, 400), (255, 0, 0, 128)).save(buf, "PNG")
    sealed = _elements(印章=buf.getvalue(), 正文=[PARAGRAPH])
    box = seal_box(sealed)
    with _open(sealed) as pdf:
        page = pdf.pages[box.page]
        (image,) = page.images
        date_row = next(r for r in _rows(page) if _text(r) == "2026年12月2日")
        issuer = next(r for r in _rows(page) if _text(r) == "示范市教育局")
    assert image["x0"] / MM == pytest.approx(box.x, abs=0.2)
    assert image["top"] / MM == pytest.approx(box.top, abs=0.2)
    centre_x = (image["x0"] + image["x1"]) / 2
    assert centre_x == pytest.approx((date_row[0]["x0"] + date_row[-1]["x1"]) / 2, abs=TOL * MM)
    assert centre_x == pytest.approx((issuer[0]["x0"] + issuer[-1]["x1"]) / 2, abs=TOL * MM)
    # 署名 and 成文日期 sit in the seal, below its centre
    centre_y = (image["top"] + image["bottom"]) / 2
    assert image["top"] < issuer[0]["top"] and date_row[0]["bottom"] < image["bottom"]
    assert (issuer[0]["top"] + date_row[0]["bottom"]) / 2 > centre_y
    x1, y1, x2, y2 = box.rect_pt
    assert (x2 - x1, y2 - y1) == pytest.approx((image["width"], image["height"]), abs=0.5)


def test_unsealed_layout_right_aligns_two_characters_in():
    plain = _elements(加盖印章=False, 发文机关署名="示范市教育局办公室", 正文=[PARAGRAPH])
    assert seal_box(plain) is None
    with _open(plain) as pdf:
        rows = _rows(pdf.pages[-1])
    issuer = next(r for r in rows if _text(r) == "示范市教育局办公室")
    dated = next(r for r in rows if _text(r) == "2026年12月2日")
    assert issuer[-1]["x1"] / MM == pytest.approx(28 + 156 - 2 * 156 / 28, abs=TOL)  # 右空二字
    assert (dated[0]["x0"] - issuer[0]["x0"]) / MM == pytest.approx(2 * 156 / 28, abs=TOL)  # 右移二字
