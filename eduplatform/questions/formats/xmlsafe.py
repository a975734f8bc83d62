"""Parsing uploaded XML without entity expansion, DTDs or network access (XXE, billion laughs).

The parser is the platform's one, in :mod:`eduplatform.storage.inspect`: a document that declares
entities is refused there.
"""

from __future__ import annotations

from eduplatform.storage.inspect import local, parse_xml

__all__ = ["local", "parse_xml"]
