"""An .xlsx written as it is sent: the ZIP is produced entry by entry into the response, the first
sheet row by row, so a 20,000-row × 200-column export starts arriving at once and never sits whole
in memory or on disk.

openpyxl's write-only mode keeps memory flat too, but builds every cell as an object and zips the
whole file at ``save()``: nothing can be sent before the last row, and the cost per cell is several
times this writer's. What is written here is the minimal SpreadsheetML package (ECMA-376 Part 1:
``[Content_Types].xml``, the package and workbook relationships, ``xl/workbook.xml``, a style sheet
with the default style and a bold one for headers, one ``xl/worksheets/sheetN.xml`` per sheet), with
numbers as ``<c><v>``, booleans as ``t="b"`` and text as inline strings (``t="inlineStr"``), so no
shared-string table has to be held until the end. Rows of the sheets after the first are spooled
to a temporary file (bounded memory) and written after the first sheet ends.
"""

from __future__ import annotations

import math
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

#: bytes gathered before a chunk is handed to the server
CHUNK = 64 * 1024
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class _Sink:
    """A write-only, unseekable file: zipfile then writes data descriptors after each entry."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        data = bytes(data)
        self.parts.append(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts, self.size = b"".join(self.parts), [], 0
        return data


def _text_cell(value, style: str) -> str:
    if isinstance(value, bool):
        return f'<c{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
        return f"<c{style}><v>{value}</v></c>"
    if isinstance(value, datetime):
        value = value.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, date):
        value = value.isoformat()
    text = _ILLEGAL.sub("", str(value))
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


class _RowWriter:
    """Rows without ``r`` references: cells are placed one after the other (an empty one is
    ``<c/>``), which the format allows and readers follow — and it halves the text per cell."""

    def __init__(self):
        self.number = 0

    def row(self, values, *, header: bool = False) -> str:
        self.number += 1
        style = ' s="1"' if header else ""
        parts = []
        add = parts.append
        for value in values:
            kind = type(value)
            if kind is int or (kind is float and math.isfinite(value)):
                add(f"<c{style}><v>{value}</v></c>")
            elif value is None:
                add("<c/>")
            else:
                add(_text_cell(value, style))
        return f"<row>{''.join(parts)}</row>"


_SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN_NS}" '
               f'xmlns:r="{_REL_NS}"><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _package_parts(titles: list[str]) -> dict[str, str]:
    sheets = "".join(f'<sheet name="{escape(t, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, t in enumerate(titles, start=1))
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for i in range(1, len(titles) + 1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(titles) + 1))
    n = len(titles)
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return {
        "[Content_Types].xml": head + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>'),
        "_rels/.rels": head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": head + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{sheets}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{rels}<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": head + (
            f'<styleSheet xmlns="{_MAIN_NS}">'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>'),
    }


def stream_workbook(titles: list[str], rows: Iterable[tuple[int, list]], *, header_rows: dict[int, int] | None = None,
                    spool_bytes: int = 8 * 1024**2) -> Iterator[bytes]:
    """The bytes of an .xlsx with a sheet per title, as ``rows`` — (sheet index, values) — come.

    Sheet 0's rows go straight into the output; the other sheets' rows are kept in a temporary file
    (in memory up to ``spool_bytes``) and written once ``rows`` is exhausted. ``header_rows`` says
    how many leading rows of a sheet are headers (bold). Titles must already be valid sheet names
    (≤ 31 characters, unique, none of ``[]:*?/\\``).
    """
    header_rows = header_rows or {}
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    for name, text in _package_parts(titles).items():
        archive.writestr(name, text)
    yield sink.take()
    writers = [_RowWriter() for _ in titles]
    spools = {i: tempfile.SpooledTemporaryFile(max_size=spool_bytes, mode="w+b")  # noqa: SIM115 - closed below
              for i in range(1, len(titles))}
    try:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as first:
            first.write(_SHEET_HEAD.encode())
            pending: list[str] = []
            size = 0
            for index, values in rows:
                writer = writers[index]
                xml = writer.row(values, header=writer.number < header_rows.get(index, 0))
                if index == 0:
                    pending.append(xml)
                    size += len(xml)
                    if size >= CHUNK:
                        first.write("".join(pending).encode())
                        pending, size = [], 0
                        if sink.size >= CHUNK:
                            yield sink.take()
                else:
                    spools[index].write(xml.encode())
            first.write(("".join(pending) + _SHEET_TAIL).encode())
        yield sink.take()
        for index, spool in spools.items():
            spool.seek(0)
            with archive.open(f"xl/worksheets/sheet{index + 1}.xml", "w", force_zip64=True) as sheet:
                sheet.write(_SHEET_HEAD.encode())
                while block := spool.read(CHUNK):
                    sheet.write(block)
                    if sink.size >= CHUNK:
                        yield sink.take()
                sheet.write(_SHEET_TAIL.encode())
            yield sink.take()
        archive.close()
        yield sink.take()
    finally:
        for spool in spools.values():
            spool.close()
