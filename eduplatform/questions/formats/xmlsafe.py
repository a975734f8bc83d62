"""Parsing uploaded XML without entity expansion, DTDs or network access (XXE, billion laughs)."""

from __future__ import annotations

from lxml import etree

from eduplatform.core.errors import ValidationFailed


def parse_xml(raw: bytes, what: str = "XML"):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        raise ValidationFailed(f"{what} 文件格式错误（第 {line} 行）：{exc.msg}" if line else
                               f"{what} 文件格式错误：{exc}", code="bad_file") from None


def local(tag) -> str:
    """The tag without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
