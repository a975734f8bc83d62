"""The GB/T 9704-2012 layout of a 公文 as PDF: structured elements in, bytes out (no database, no app)."""

from eduplatform.documents.layout.elements import DocumentElements, chinese_date
from eduplatform.documents.layout.fonts import FontSet
from eduplatform.documents.layout.render import SealBox, render_pdf, seal_box

__all__ = ["DocumentElements", "FontSet", "SealBox", "chinese_date", "render_pdf", "seal_box"]
