"""Reading uploaded sheets (xlsx in openpyxl's read-only mode, or CSV) and writing xlsx exports
(write-only mode), both row by row so that memory stays bounded."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import ArchiveLimits, ArchiveRefused, inspect_bytes

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: An uploaded workbook may not expand past this (a zip bomb would otherwise fill the memory).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class SheetError(ValidationFailed):
    """The file as a whole cannot be read (wrong type, damaged, empty)."""


def read_sheet(data: bytes, filename: str) -> Iterator[tuple[int, list]]:
    """Yield (row number, cell values) of the first sheet of an .xlsx or .csv upload."""
    if data[:4] == b"PK\x03\x04":
        yield from _read_xlsx(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SheetError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再上传", code="bad_file")
    elif filename.lower().endswith(".csv") or _looks_like_text(data):
        yield from _read_csv(data)
    else:
        raise SheetError("无法识别的文件：请上传 .xlsx 或 .csv 文件", code="bad_file")


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        inspect_bytes(data, what="Excel 文件", limits=ArchiveLimits.from_config(max_expanded_bytes=MAX_UNZIPPED_BYTES))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (SheetError, ArchiveRefused):
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign zip
        raise SheetError("文件已损坏或不是有效的 .xlsx 文件", code="bad_file") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        workbook.close()


def _read_csv(data: bytes) -> Iterator[tuple[int, list]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError("CSV 文件编码无法识别，请保存为 UTF-8", code="bad_file")
    yield from enumerate(csv.reader(io.StringIO(text)), start=1)


def _looks_like_text(data: bytes) -> bool:
    return b"\x00" not in data[:4096]


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- writing ---------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def safe_cell(value):
    """Plain values for a cell; text that Excel would run as a formula is quoted (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    if isinstance(value, (datetime, date, int, float)) or value is None:
        return value
    return str(value)


def build_workbook(sheets: Iterable[tuple[str, list[str], Iterable[Iterable]]]) -> bytes:
    """An .xlsx with one sheet per (title, headers, rows), written row by row (write-only mode)."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(data: bytes, filename: str, mimetype: str = XLSX_MIMETYPE) -> Response:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


def xlsx_download(filename: str, sheets) -> Response:
    return download(build_workbook(sheets), filename)


def csv_download(filename: str, headers: list[str], rows: Iterable[Iterable]) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return download(buffer.getvalue().encode("utf-8"), filename, "text/csv; charset=utf-8")
