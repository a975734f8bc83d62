"""Validate OAI-PMH responses with lxml against the vendored XSDs (``tests/fixtures/xsd/``)."""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

XSD = Path(__file__).resolve().parent.parent / "fixtures" / "xsd"
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
LOM = "http://ltsc.ieee.org/xsd/LOM"
LOCAL = {
    "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd": "OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": "oai_dc.xsd",
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
}
DRIVER = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/"
             schemaLocation="http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"/>
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/"
             schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc.xsd"/>
</xs:schema>"""


class _Local(etree.Resolver):
    def resolve(self, url, pubid, context):
        name = LOCAL.get(url) or (Path(url).name if Path(url).name in LOCAL.values() else None)
        if name is None:
            raise AssertionError(f"schema outside tests/fixtures/xsd: {url}")
        return self.resolve_filename(str(XSD / name), context)


@functools.cache
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Local())
    return etree.XMLSchema(etree.fromstring(DRIVER, parser, base_url=str(XSD / "driver.xsd")))


@functools.cache
def lom_schema() -> etree.XMLSchema:
    """The IEEE LOM XML binding, lomLoose composite (tests/fixtures/xsd/lom/)."""
    return etree.XMLSchema(etree.parse(str(XSD / "lom" / "lomLoose.xsd"), etree.XMLParser(no_network=True)))


def validate_lom(element) -> None:
    checked = etree.fromstring(etree.tostring(element))
    if not lom_schema().validate(checked):
        raise AssertionError(f"invalid LOM record: {lom_schema().error_log}")


def validate(body: bytes) -> etree._Element:
    """Assert ``body`` is a valid OAI-PMH response and each ``oai_dc`` record a valid ``oai_dc:dc``
    and each ``lom`` record a valid IEEE LOM instance (the OAI-PMH.xsd copy skips the contents of
    ``<metadata>``, so they are checked one by one); → the root."""
    root = etree.fromstring(body)
    if not schema().validate(root):
        raise AssertionError(f"invalid OAI-PMH response: {schema().error_log}\n{body[:2000]!r}")
    for record in root.iterfind(f".//{{{OAI}}}metadata/{{{OAI_DC}}}dc"):
        if not schema().validate(etree.fromstring(etree.tostring(record))):
            raise AssertionError(f"invalid oai_dc record: {schema().error_log}")
    for record in root.iterfind(f".//{{{OAI}}}metadata/{{{LOM}}}lom"):
        validate_lom(record)
    return root
