"""A public resource as OAI-PMH metadata: ``oai_dc`` (Simple Dublin Core) and ``lom`` (IEEE LOM XML
binding, 1484.12.3, namespace ``http://ltsc.ieee.org/xsd/LOM``) carrying the CELTS-42 K-12 elements the
resource specs hold (学段, 学科, 年级, 资源类型, 关键词, 知识点, 教材版本, 建议课时/时长, 教学目标).

The mapping is in the README ("OAI-PMH"); the vocabularies' codes travel as ids and their Chinese
labels as text, so a harvester can use either.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from lxml import etree
from werkzeug.routing import BuildError

from eduplatform.core.national_codes import national_code
from eduplatform.resources.models import Resource
from eduplatform.resources.specs import get_specs

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


FORMATS = {
    "oai_dc": MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
    "lom": MetadataFormat("lom", "http://ltsc.ieee.org/xsd/lomv1.0/lom.xsd", LOM_NS),
}

#: resource type → LOMv1.0 5.2 learningResourceType (the CELTS-42 type travels beside it).
LEARNING_RESOURCE_TYPES = {
    "courseware": "slide", "course": "lecture", "paper": "exam", "case": "narrative text",
    "literature": "narrative text", "faq": "narrative text", "media_text": "narrative text",
    "media_image": "figure", "media_audio": "lecture", "media_video": "lecture",
    "media_animation": "simulation",
}
#: 学段 → LOMv1.0 5.6 context
CONTEXTS = {"kindergarten": "school", "primary": "school", "junior": "school", "senior": "school",
            "vocational": "training"}
LESSON_MINUTES = 45
#: The taxon paths' sources for the national codes.
NATIONAL_SOURCES = {"subject": "中小学课程代码（JY/T 1001-2012）", "stage": "学段、年级代码"}


def resource_url(resource: Resource) -> str:
    """Where anyone can open the resource: the public site's page (the library's when not built)."""
    try:
        return url_for("portal.open_resource", resource_id=resource.id, _external=True)
    except BuildError:
        return url_for("resources.detail", resource_id=resource.id, _external=True)


def _language(resource: Resource) -> str:
    code = (resource.extra or {}).get("language") or "zh"
    return {"chinese": "zh", "zh_cn": "zh"}.get(str(code).lower(), str(code))


def _labels(resource: Resource) -> dict:
    specs = get_specs()
    rtype = specs.get(resource.type)
    return {
        "type": rtype.label if rtype else resource.type,
        "stage": specs.label("stage", resource.stage),
        "subject": specs.label("subject", resource.subject),
        "grade": specs.label("grade", resource.grade) if resource.grade else "",
        "edition": specs.label("textbook_edition", resource.textbook_edition) if resource.textbook_edition else "",
        "points": [(code, specs.label("knowledge_point", code)) for code in resource.knowledge_points or []],
        "mime": (specs.format_term(resource.format).attrs.get("mime", "") if specs.format_term(resource.format)
                 else ""),
    }


def _sub(parent, tag: str, text=None, **attrs):
    el = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = str(text)
    return el


def oai_dc(resource: Resource, identifier: str):
    """``<oai_dc:dc>`` of ``resource``."""
    labels, lang = _labels(resource), _language(resource)
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC_NS} {FORMATS['oai_dc'].schema}")

    def dc(name, value):
        if value:
            _sub(root, f"{{{DC_NS}}}{name}", value)

    dc("title", resource.title)
    dc("creator", (resource.extra or {}).get("author") or (resource.org.name if resource.org else ""))
    for value in (labels["subject"], *(resource.keywords or []), *(label for _, label in labels["points"])):
        dc("subject", value)
    dc("description", resource.description)
    dc("publisher", resource.org.name if resource.org else "")
    dc("date", resource.published_at.strftime("%Y-%m-%d") if resource.published_at else "")
    dc("type", labels["type"])
    dc("format", labels["mime"])
    dc("identifier", resource_url(resource))
    dc("identifier", identifier)
    dc("language", lang)
    dc("coverage", "　".join(v for v in (labels["stage"], labels["grade"]) if v))
    dc("relation", labels["edition"])
    return root


def _lang_string(parent, tag: str, text: str, lang: str):
    el = _sub(parent, f"{{{LOM_NS}}}{tag}")
    _sub(el, f"{{{LOM_NS}}}string", text, language=lang)
    return el


def _vocab(parent, tag: str, source: str, value: str):
    el = _sub(parent, f"{{{LOM_NS}}}{tag}")
    _sub(el, f"{{{LOM_NS}}}source", source)
    _sub(el, f"{{{LOM_NS}}}value", value)
    return el


def _vcard(name: str) -> str:
    return f"BEGIN:VCARD\nVERSION:3.0\nFN:{name}\nORG:{name}\nEND:VCARD"


def _taxon_path(classification, source: str, taxa: list[tuple[str, str]], lang: str):
    path = _sub(classification, f"{{{LOM_NS}}}taxonPath")
    _lang_string(path, "source", source, lang)
    for code, label in taxa:
        taxon = _sub(path, f"{{{LOM_NS}}}taxon")
        _sub(taxon, f"{{{LOM_NS}}}id", code)
        _lang_string(taxon, "entry", label, lang)


def lom(resource: Resource, identifier: str):
    """``<lom>`` of ``resource`` (IEEE LOM XML binding; CELTS-42 values beside the LOMv1.0 ones)."""
    labels, lang, extra = _labels(resource), _language(resource), resource.extra or {}
    q = lambda tag: f"{{{LOM_NS}}}{tag}"
    root = etree.Element(q("lom"), nsmap={None: LOM_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{LOM_NS} {FORMATS['lom'].schema}")

    general = _sub(root, q("general"))
    for catalog, entry in (("URI", resource_url(resource)), ("oai", identifier), ("uid", resource.uid)):
        ident = _sub(general, q("identifier"))
        _sub(ident, q("catalog"), catalog)
        _sub(ident, q("entry"), entry)
    _lang_string(general, "title", resource.title, lang)
    _sub(general, q("language"), lang)
    _lang_string(general, "description", resource.description, lang)
    for word in resource.keywords or []:
        _lang_string(general, "keyword", word, lang)
    _vocab(general, "aggregationLevel", "LOMv1.0", "2" if resource.type == "course" else "1")

    life = _sub(root, q("lifeCycle"))
    _lang_string(life, "version", str(resource.current_version), lang)
    _vocab(life, "status", "LOMv1.0", "final")
    author = extra.get("author")
    if author:
        contribute = _sub(life, q("contribute"))
        _vocab(contribute, "role", "LOMv1.0", "author")
        _sub(contribute, q("entity"), _vcard(author))
    if resource.org is not None:
        contribute = _sub(life, q("contribute"))
        _vocab(contribute, "role", "LOMv1.0", "publisher")
        _sub(contribute, q("entity"), _vcard(resource.org.name))
        if resource.published_at:
            date = _sub(contribute, q("date"))
            _sub(date, q("dateTime"), resource.published_at.strftime("%Y-%m-%d"))

    meta = _sub(root, q("metaMetadata"))
    _sub(meta, q("metadataSchema"), "LOMv1.0")
    _sub(meta, q("metadataSchema"), "CELTS-42")
    _sub(meta, q("language"), "zh")

    technical = _sub(root, q("technical"))
    if labels["mime"]:
        _sub(technical, q("format"), labels["mime"])
    version = resource.version
    if version is not None:
        _sub(technical, q("size"), version.size)
    _sub(technical, q("location"), resource_url(resource))
    minutes = extra.get("duration_minutes")
    if minutes:
        duration = _sub(technical, q("duration"))
        _sub(duration, q("duration"), f"PT{int(minutes)}M")

    educational = _sub(root, q("educational"))
    _vocab(educational, "learningResourceType", "LOMv1.0",
           LEARNING_RESOURCE_TYPES.get(resource.type, "narrative text"))
    _vocab(educational, "learningResourceType", "CELTS-42", labels["type"])
    _vocab(educational, "intendedEndUserRole", "LOMv1.0", "teacher")
    _vocab(educational, "intendedEndUserRole", "LOMv1.0", "learner")
    _vocab(educational, "context", "LOMv1.0", CONTEXTS.get(resource.stage, "school"))
    _vocab(educational, "context", "CELTS-42", labels["stage"])
    if labels["grade"]:
        _lang_string(educational, "typicalAgeRange", labels["grade"], lang)
    hours = extra.get("teaching_hours") or extra.get("lesson_count")
    if hours:
        learning_time = _sub(educational, q("typicalLearningTime"))
        _sub(learning_time, q("duration"), f"PT{int(hours) * LESSON_MINUTES}M")
    if extra.get("teaching_objectives"):
        _lang_string(educational, "description", extra["teaching_objectives"], lang)
    _sub(educational, q("language"), lang)

    rights = _sub(root, q("rights"))
    _vocab(rights, "cost", "LOMv1.0", "no")
    _vocab(rights, "copyrightAndOtherRestrictions", "LOMv1.0", "yes")
    _lang_string(rights, "description", "向社会公开", "zh")

    # 9 Classification: one per purpose; each taxon path runs from the vocabulary's root.
    taxonomies = [
        ("discipline", [("学科", [(resource.subject, labels["subject"])])]),
        ("educational level", [("学段", [(resource.stage, labels["stage"])]
                                + ([(resource.grade, labels["grade"])] if resource.grade else []))]),
    ]
    # the national codes (resource_specs/national/): 中小学课程 for the 学科, 学段 and 年级
    course = national_code("subject", resource.subject, stage=resource.stage)
    if course:
        taxonomies[0][1].append((NATIONAL_SOURCES["subject"], [course]))
    level = [c for c in (national_code("stage", resource.stage), national_code("grade", resource.grade)) if c]
    if level:
        taxonomies[1][1].append((NATIONAL_SOURCES["stage"], level))
    if resource.textbook_edition:
        taxonomies[0][1].append(("教材版本", [(resource.textbook_edition, labels["edition"])]))
    if labels["points"]:
        taxonomies.append(("idea", [("知识点", [point]) for point in labels["points"]]))
    for purpose, paths in taxonomies:
        classification = _sub(root, q("classification"))
        _vocab(classification, "purpose", "LOMv1.0", purpose)
        for source, taxa in paths:
            _taxon_path(classification, source, taxa, "zh")
    return root


BUILDERS = {"oai_dc": oai_dc, "lom": lom}
