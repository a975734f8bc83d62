"""Lay a 公文 out to GB/T 9704-2012 and write it as PDF with reportlab.

Geometry (mm, measured from the page's top-left corner): A4 210 × 297; 天头 37, 订口 28, 版心
156 × 225; the body is 3号 (16 pt) on a grid of 22 lines × 28 characters, so a full-width character
advances 156/28 mm and a line 225/22 mm. A line's characters have their em box's top edge on the
grid line. Everything below the 版头 sits on that grid: "空二行" means two empty grid lines.

``layout`` does the arithmetic and returns drawing operations; ``render_pdf`` draws them;
``seal_box`` says where the 用印 step puts the seal (and a signature's visible box).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as pdf_canvas

from eduplatform.documents.layout.elements import DocumentElements, chinese_date
from eduplatform.documents.layout.fonts import FontSet

PAGE_W, PAGE_H = 210.0, 297.0
TOP, LEFT = 37.0, 28.0  # 天头, 订口
BODY_W, BODY_H = 156.0, 225.0  # 版心
LINES, CHARS = 22, 28
CELL = BODY_W / CHARS  # one full-width character of the body
LINE = BODY_H / LINES  # one line
RIGHT = LEFT + BODY_W
BOTTOM = TOP + BODY_H

PT = 25.4 / 72  # mm per point
SIZE_2, SIZE_3, SIZE_4 = 22.0, 16.0, 14.0  # 2号, 3号, 4号
SIZE_MARK = 42.0  # 发文机关标志: 初号, narrowed to the 版心's width when longer
MARK_FROM_TOP = 35.0  # 标志's top edge below the 版心's top (§7.2.4)
RED = (1.0, 0.0, 0.0)
BLACK = (0.0, 0.0, 0.0)
SEAL_MM = 42.0  # the box a seal image is fitted into

#: 避头: never at a line's start; 避尾: never at its end.
NO_START = set("，。、；：？！）》」』】〕〉”’…—·%％,.;:?!)]")
NO_END = set("（《「『【〔〈“‘([")
_WORD = re.compile(r"[A-Za-z0-9.%\-/]+|.", re.DOTALL)


@dataclass
class Text:
    x: float  # mm, left edge of the first character
    top: float  # mm, top of the em box
    runs: list[tuple[str, float, float]]  # (text, char spacing, advance) in mm, one after another
    role: str
    size: float  # pt
    color: tuple[float, float, float] = BLACK
    stroke: float = 0.0  # pt of outline (substitute 小标宋)
    hscale: float = 100.0


@dataclass
class Rule:
    x0: float
    x1: float
    y: float  # mm, centre of the rule
    width: float  # mm
    color: tuple[float, float, float] = BLACK


@dataclass
class Image:
    x: float
    top: float
    width: float
    height: float
    data: bytes


@dataclass(frozen=True)
class SealBox:
    """Where the seal goes: page (0-based) and a box in mm from the page's top-left corner."""

    page: int
    x: float
    top: float
    width: float
    height: float

    @property
    def rect_pt(self) -> tuple[float, float, float, float]:
        """(x1, y1, x2, y2) in PDF points, origin bottom-left — what a signature field's box takes."""
        return (self.x / PT, (PAGE_H - self.top - self.height) / PT,
                (self.x + self.width) / PT, (PAGE_H - self.top) / PT)


@dataclass
class Layout:
    pages: list[list] = field(default_factory=list)
    seal: SealBox | None = None


# -- measuring and breaking --------------------------------------------------------------------

class _Setter:
    """Measures and breaks text of one face and size; full-width characters take ``cell`` mm."""

    def __init__(self, fonts: FontSet, role: str, size: float, cell: float | None = None):
        self.role, self.size = role, size
        self.font = pdfmetrics.getFont(fonts.name(role))
        self.descent = self.font.face.descent / 1000.0
        self.cell = cell if cell is not None else size * PT
        self._widths: dict[str, float] = {}
        self._room: dict[str, float] = {}

    def advance(self, ch: str) -> float:
        width = self._widths.get(ch)
        if width is None:
            width = self._widths[ch] = self.font.stringWidth(ch, self.size) * PT
        return width

    def full(self, ch: str) -> bool:
        return unicodedata.east_asian_width(ch) in "WF" or self.advance(ch) >= 0.9 * self.size * PT

    def char_width(self, ch: str) -> float:
        """The room a character takes on the line: a cell when full-width, else its advance."""
        width = self._room.get(ch)
        if width is None:
            width = self._room[ch] = self.cell if self.full(ch) else self.advance(ch)
        return width

    def width(self, text: str) -> float:
        room = self._room
        return sum(room[ch] if ch in room else self.char_width(ch) for ch in text)

    def wrap(self, text: str, first: float, rest: float) -> list[str]:
        """Break ``text`` into lines ``first`` mm then ``rest`` mm wide, keeping 避头尾."""
        tokens = _WORD.findall(text)
        lines: list[list[str]] = [[]]
        used = 0.0
        for token in tokens:
            width = self.width(token)
            room = first if len(lines) == 1 else rest
            if lines[-1] and used + width > room + 0.01:
                carry: list[str] = []
                if token[0] in NO_START and len(lines[-1]) > 1:
                    carry.insert(0, lines[-1].pop())
                while len(lines[-1]) > 1 and lines[-1][-1][-1] in NO_END:
                    carry.insert(0, lines[-1].pop())
                lines.append(carry)
                used = sum(self.width(t) for t in carry)
            lines[-1].append(token)
            used += width
        return ["".join(line) for line in lines if line]

    def text(self, x: float, top: float, text: str, *, justify_to: float | None = None,
             color=BLACK, stroke: float = 0.0) -> Text:
        """One line at (x, top); ``justify_to`` spreads it over that many mm."""
        extra = 0.0
        if justify_to is not None and len(text) > 1:
            extra = max(0.0, (justify_to - self.width(text)) / (len(text) - 1))
        runs: list[tuple[str, float, float]] = []
        for ch in text:
            advance = self.advance(ch)
            space = self.char_width(ch) - advance + extra
            if runs and abs(runs[-1][1] - space) < 1e-6:
                runs[-1] = (runs[-1][0] + ch, space, runs[-1][2] + advance + space)
            else:
                runs.append((ch, space, advance + space))
        return Text(x, top, runs, self.role, self.size, color, stroke)


# -- the flow of grid lines --------------------------------------------------------------------

@dataclass
class _Line:
    ops: list  # Text / Rule / Image with ``top`` relative to the line's grid position
    gap: int = 0  # empty lines before (dropped at a page's top)
    keep: bool = False  # part of an unbreakable block that takes the preceding body lines along


def _slot_top(slot: int) -> float:
    return TOP + slot * LINE


def _first_slot_below(y: float) -> int:
    return max(0, math.ceil((y - TOP) / LINE - 1e-6))


def _shift(op, dy: float):
    if isinstance(op, Rule):
        return replace(op, y=op.y + dy)
    return replace(op, top=op.top + dy)


def _flow(lines: list[_Line], first_slot: int) -> list[list[tuple[int, _Line]]]:
    """Place lines on grid slots; an unbreakable block that does not fit goes to the next page with
    the two body lines before it (no page holds a signature alone — 此页无正文)."""
    pages: list[list[tuple[int, _Line]]] = [[]]
    slot = first_slot
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.keep and (i == 0 or not lines[i - 1].keep):
            block = [line]
            j = i + 1
            while j < len(lines) and lines[j].keep and lines[j].gap == 0:
                block.append(lines[j])
                j += 1
            need = line.gap + len(block)
            if slot + need > LINES:
                carried = [entry[1] for entry in pages[-1][-2:]] if len(pages[-1]) > 2 else []
                if carried:
                    del pages[-1][-len(carried):]
                pages.append([(n, carried_line) for n, carried_line in enumerate(carried)])
                slot = len(carried)
            if slot:
                slot += line.gap
            for offset, member in enumerate(block):
                pages[-1].append((slot + offset, member))
            slot += len(block)
            i = j
            continue
        if slot and line.gap:
            slot += line.gap
        if slot >= LINES:
            pages.append([])
            slot = 0
        pages[-1].append((slot, line))
        slot += 1
        i += 1
    return pages


# -- the layout --------------------------------------------------------------------------------

def _body_lines(setter: _Setter, text: str, indent: int = 2, hang: float = 0.0,
                gap: int = 0) -> list[_Line]:
    """A paragraph: the first line indented ``indent`` characters, the rest at ``hang`` mm."""
    first = BODY_W - indent * CELL
    rows = setter.wrap(text, first, BODY_W - hang)
    out = []
    for n, row in enumerate(rows):
        x = LEFT + (indent * CELL if n == 0 else hang)
        room = (first if n == 0 else BODY_W - hang) if n < len(rows) - 1 else None
        out.append(_Line([setter.text(x, 0.0, row, justify_to=room)], gap=gap if n == 0 else 0))
    return out


def _header(el: DocumentElements, fonts: FontSet, ops: list) -> int:
    """Draw the 版头 on page 1 and return the first free grid slot under it."""
    body = _Setter(fonts, "fangsong", SIZE_3, CELL)
    hei = _Setter(fonts, "heiti", SIZE_3, CELL)
    slot = 0
    if el.份号:
        number = el.份号.zfill(6) if el.份号.isdigit() else el.份号
        ops.append(body.text(LEFT, _slot_top(slot), number))
        slot += 1
    for value in (el.密级和保密期限, el.紧急程度):
        if value:
            ops.append(hei.text(LEFT, _slot_top(slot), value))
            slot += 1
    bottom = _slot_top(slot - 1) + SIZE_3 * PT if slot else None
    if el.发文机关标志:
        mark = _Setter(fonts, "xiaobiaosong", SIZE_MARK)
        width = mark.width(el.发文机关标志)
        scale = min(100.0, 100.0 * BODY_W / width)
        top = TOP + MARK_FROM_TOP
        text = mark.text(LEFT + (BODY_W - width * scale / 100) / 2, top, el.发文机关标志,
                         color=RED, stroke=fonts.xiaobiaosong_stroke)
        text.hscale = scale
        ops.append(text)
        bottom = top + SIZE_MARK * PT
    if el.发文字号 or (el.上行文 and el.签发人):
        slot = (_first_slot_below(bottom) + 2) if bottom is not None else slot
        last = slot
        if el.上行文 and el.签发人:
            last = _signers(el.签发人, fonts, slot, ops)
        if el.发文字号:
            top = _slot_top(last)
            if el.上行文:
                ops.append(body.text(LEFT + CELL, top, el.发文字号))
            else:
                ops.append(body.text(LEFT + (BODY_W - body.width(el.发文字号)) / 2, top, el.发文字号))
        bottom = _slot_top(last) + SIZE_3 * PT
    if bottom is None:
        return 0
    if el.发文机关标志 or el.发文字号:
        line_y = bottom + 4.0  # the red separator 4 mm under 发文字号 (§7.2.7)
        ops.append(Rule(LEFT, RIGHT, line_y, 0.35, RED))
        return _first_slot_below(line_y) + 2
    return _first_slot_below(bottom) + 1


def _signers(names: list[str], fonts: FontSet, slot: int, ops: list) -> int:
    """签发人：name name / name … right-aligned one character in, two names a row (§7.2.6)."""
    label = _Setter(fonts, "fangsong", SIZE_3, CELL)
    kai = _Setter(fonts, "kaiti", SIZE_3, CELL)
    prefix = "签发人："
    name_w = max(kai.width(n) for n in names)
    per_row = 2 if len(names) > 1 else 1
    block_w = label.width(prefix) + per_row * name_w + (per_row - 1) * CELL
    x0 = RIGHT - CELL - block_w
    rows = [names[i:i + per_row] for i in range(0, len(names), per_row)]
    for n, row in enumerate(rows):
        top = _slot_top(slot + n)
        if n == 0:
            ops.append(label.text(x0, top, prefix))
        x = x0 + label.width(prefix)
        for name in row:
            ops.append(kai.text(x, top, name))
            x += name_w + CELL
    return slot + len(rows) - 1


def _signature(el: DocumentElements, fonts: FontSet, body: _Setter) -> list[_Line]:
    """署名, 成文日期 (and room for the seal); 附注 under them (§7.3.5, §7.3.6)."""
    issuer = el.发文机关署名 or ""
    dated = chinese_date(el.成文日期) if el.成文日期 else ""
    if not issuer and not dated:
        return []
    if el.sealed:
        date_x1 = RIGHT - 4 * CELL
        centre = date_x1 - body.width(dated) / 2 if dated else RIGHT - 4 * CELL - body.width(issuer) / 2
        issuer_x = centre - body.width(issuer) / 2
        date_x = centre - body.width(dated) / 2
    else:
        issuer_x = RIGHT - 2 * CELL - body.width(issuer)
        date_x = issuer_x + 2 * CELL
        if date_x + body.width(dated) > RIGHT - 2 * CELL:
            date_x = RIGHT - 2 * CELL - body.width(dated)
            issuer_x = date_x - 2 * CELL
        centre = date_x + body.width(dated) / 2 if dated else issuer_x + body.width(issuer) / 2
    lines = []
    gap = 2 if el.sealed else 1
    if issuer:
        lines.append(_Line([body.text(issuer_x, 0.0, issuer)], gap=gap, keep=True))
    if dated:
        lines.append(_Line([body.text(date_x, 0.0, dated)], gap=0 if issuer else gap, keep=True))
    if el.sealed:
        block_h = (len(lines) - 1) * LINE + SIZE_3 * PT
        seal_top = block_h / 2 - 3.0 - SEAL_MM / 2  # the text sits below the seal's centre
        lines[0].ops.append(Image(centre - SEAL_MM / 2, seal_top, SEAL_MM, SEAL_MM, el.印章 or b""))
    if el.附注:
        note = el.附注 if el.附注.startswith("（") else f"（{el.附注}）"
        lines.append(_Line([body.text(LEFT + 2 * CELL, 0.0, note)], keep=True))
    return lines


def _imprint(el: DocumentElements, fonts: FontSet) -> list[list]:
    """The 版记's rows (4号, one grid line each) bottom-up aligned later, and its rules."""
    small = _Setter(fonts, "fangsong", SIZE_4)
    rows: list[list] = []
    if el.抄送机关:
        names = "，".join(n.strip("，。,. ") for n in el.抄送机关) + "。"
        prefix = "抄送："
        hang = small.width(prefix)
        room = BODY_W - 2 * small.cell
        for n, row in enumerate(small.wrap(prefix + names, room, room - hang)):
            x = LEFT + small.cell + (0 if n == 0 else hang)
            rows.append([small.text(x, 0.0, row)])
    if el.印发机关 or el.印发日期:
        row = []
        if el.印发机关:
            row.append(small.text(LEFT + small.cell, 0.0, el.印发机关))
        if el.印发日期:
            issued = chinese_date(el.印发日期) + "印发"
            row.append(small.text(RIGHT - small.cell - small.width(issued), 0.0, issued))
        rows.append(row)
    return rows


def _page_number(fonts: FontSet, number: int) -> Text:
    """— 1 —: 4号 宋体, its dashes 7 mm under the 版心, odd pages right and even pages left (§7.5)."""
    setter = _Setter(fonts, "songti", SIZE_4)
    label = f"— {number} —"
    top = BOTTOM + 7.0 - SIZE_4 * PT / 2
    width = setter.width(label)
    x = RIGHT - setter.cell - width if number % 2 else LEFT + setter.cell
    return setter.text(x, top, label)


def layout(el: DocumentElements, fonts: FontSet | None = None) -> Layout:
    """Work out every character's place; nothing is drawn yet."""
    fonts = fonts or FontSet.from_config()
    first_page: list = []
    first_slot = _header(el, fonts, first_page)
    body = _Setter(fonts, "fangsong", SIZE_3, CELL)
    lines: list[_Line] = []
    if el.标题:
        title = _Setter(fonts, "xiaobiaosong", SIZE_2)
        cap = int(BODY_W // title.cell)
        for part in el.标题.split("\n"):
            total = title.width(part)
            n_rows = max(1, math.ceil(total / (cap * title.cell) - 1e-9))
            # balanced rows (梯形 or 菱形), not one long row and a stub
            room = min(cap, math.ceil(total / n_rows / title.cell - 1e-9)) * title.cell + 0.01
            rows = title.wrap(part, room, room)
            for row in rows:
                text = title.text(LEFT + (BODY_W - title.width(row)) / 2, (LINE - SIZE_2 * PT) / 2 - 1.0,
                                  row, stroke=fonts.xiaobiaosong_stroke)
                lines.append(_Line([text]))
    if el.主送机关:
        addressee = el.主送机关.rstrip("：:") + "："
        lines += _body_lines(body, addressee, indent=0, gap=1 if lines else 0)
    for n, paragraph in enumerate(p for p in el.正文 if p.strip()):
        gap = 1 if n == 0 and lines and not el.主送机关 else 0
        lines += _body_lines(body, paragraph.strip(), gap=gap)
    if el.附件说明:
        prefix = "附件："
        several = len(el.附件说明) > 1
        for n, name in enumerate(el.附件说明):
            label = (f"{n + 1}." if several else "") + name.rstrip("。.")
            text = (prefix if n == 0 else "") + label
            hang = 2 * CELL + body.width(prefix)
            indent_mm = 2 * CELL if n == 0 else hang
            rows = body.wrap(text, BODY_W - indent_mm, BODY_W - hang - (body.width("1.") if several else 0))
            for m, row in enumerate(rows):
                x = LEFT + (indent_mm if m == 0 else hang + (body.width("1.") if several else 0))
                lines.append(_Line([body.text(x, 0.0, row)], gap=1 if n == 0 and m == 0 else 0))
    lines += _signature(el, fonts, body)

    placed = _flow(lines, first_slot)
    result = Layout()
    for page_no, entries in enumerate(placed):
        ops = first_page if page_no == 0 else []
        for slot, line in entries:
            for op in line.ops:
                moved = _shift(op, _slot_top(slot))
                if isinstance(moved, Image):
                    result.seal = SealBox(page_no, moved.x, moved.top, moved.width, moved.height)
                    if not moved.data:
                        continue
                ops.append(moved)
        result.pages.append(ops)

    imprint = _imprint(el, fonts)
    if imprint:
        used = max((slot for slot, _ in placed[-1]), default=-1) + 1 if placed[-1] else first_slot
        if len(result.pages) == 1:
            used = max(used, first_slot)
        if used + len(imprint) > LINES:
            result.pages.append([])
        ops = result.pages[-1]
        start = LINES - len(imprint)
        offset = (LINE - SIZE_4 * PT) / 2
        for n, row in enumerate(imprint):
            for op in row:
                ops.append(_shift(op, _slot_top(start + n) + offset))
        ops.append(Rule(LEFT, RIGHT, _slot_top(start), 0.35))
        if el.抄送机关 and (el.印发机关 or el.印发日期):
            ops.append(Rule(LEFT, RIGHT, _slot_top(LINES - 1), 0.25))
        ops.append(Rule(LEFT, RIGHT, BOTTOM - 0.35 / 2, 0.35))  # its lower edge on the 版心's
    for number, ops in enumerate(result.pages, start=1):
        ops.append(_page_number(fonts, number))
    return result


# -- drawing -----------------------------------------------------------------------------------

def _draw(c: pdf_canvas.Canvas, op, fonts: FontSet) -> None:
    if isinstance(op, Rule):
        c.setStrokeColorRGB(*op.color)
        c.setLineWidth(op.width / PT)
        y = (PAGE_H - op.y) / PT
        c.line(op.x0 / PT, y, op.x1 / PT, y)
        return
    if isinstance(op, Image):
        reader = ImageReader(io.BytesIO(op.data))
        c.drawImage(reader, op.x / PT, (PAGE_H - op.top - op.height) / PT, op.width / PT,
                    op.height / PT, mask="auto", preserveAspectRatio=True, anchor="c")
        return
    name = fonts.name(op.role)
    descent = pdfmetrics.getFont(name).face.descent / 1000.0
    baseline = (PAGE_H - op.top) / PT - op.size * (1 + descent)
    text = c.beginText()
    text.setFont(name, op.size)
    text.setFillColorRGB(*op.color)
    if op.stroke:
        text.setTextRenderMode(2)
        c.setStrokeColorRGB(*op.color)
        c.setLineWidth(op.stroke)
    if op.hscale != 100.0:
        text.setHorizScale(op.hscale)
    x = op.x
    for run, space, width in op.runs:
        text.setTextOrigin(x / PT, baseline)
        text.setCharSpace(space / PT)
        text.textOut(run)
        x += width
    c.drawText(text)


def render_pdf(elements: DocumentElements, fonts: FontSet | None = None) -> bytes:
    """The document as a GB/T 9704 PDF."""
    fonts = fonts or FontSet.from_config()
    result = layout(elements, fonts)
    out = io.BytesIO()
    c = pdf_canvas.Canvas(out, pagesize=(PAGE_W / PT, PAGE_H / PT), pageCompression=1)
    c.setTitle(elements.标题 or "公文")
    c.setCreator("eduplatform")
    for ops in result.pages:
        for op in ops:
            _draw(c, op, fonts)
        c.showPage()
    c.save()
    return out.getvalue()


def seal_box(elements: DocumentElements, fonts: FontSet | None = None) -> SealBox | None:
    """Where the seal belongs — centred over 发文机关署名 and 成文日期 — or None (nothing to seal at)."""
    return layout(elements, fonts).seal
