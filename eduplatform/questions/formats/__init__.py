"""Question file formats: Moodle GIFT and Moodle XML (import and export), Aiken (import),
IMS QTI 2.1 (import and export), IMS Common Cartridge 1.1–1.3 (import, through the QTI 1.2 reader in
``qti12``), and an Excel template (import and export).

Every format turns a file into canonical question dicts (``base.ParsedQuestion``) plus problems
with their line or question number, and canonical dicts back into a file. Categories in files are
"a/b/c" paths; the import decides whether they become knowledge points or tags.
"""

# Importing the modules registers the formats.
from eduplatform.questions.formats import aiken, cc, excel, gift, moodle_xml, qti  # noqa: F401
from eduplatform.questions.formats.base import FORMATS, Format, ParseResult, Problem, get_format

__all__ = ["FORMATS", "Format", "ParseResult", "Problem", "get_format"]
