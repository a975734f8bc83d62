"""Text out of office documents, for every domain that takes one in (search text, a 正文 upload)."""

from __future__ import annotations

from docx import Document as open_docx
from docx.table import Table
from docx.text.paragraph import Paragraph


def docx_paragraphs(fileobj) -> list[str]:
    """The non-empty paragraphs of a DOCX body in reading order; a table row is one line, its cells
    joined by spaces (tables sit where they are in the text, not at the end)."""
    document = open_docx(fileobj)
    lines = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(block, document).text.strip()
            if text:
                lines.append(text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells = " ".join(cell.text.strip() for cell in row.cells if cell.text.strip())
                if cells:
                    lines.append(cells)
    return lines
