"""IMS QTI 2.1 (import and export) for the interactions our types map to.

* single / multiple choice → ``choiceInteraction`` (maxChoices 1 / 0); true/false → a choice
  interaction whose choices are identified ``true`` and ``false``;
* fill-in → one inline ``textEntryInteraction`` per blank (accepted answers in a ``mapping``);
* numerical → ``textEntryInteraction`` with a float response and ``<equal toleranceMode="absolute">``;
* matching → ``matchInteraction`` (directed pairs); essay → ``extendedTextInteraction`` with the
  reference answer in a scorer ``rubricBlock``; the analysis is a ``modalFeedback``.

Export is a content package (zip: ``imsmanifest.xml`` + one item file per question) whose manifest
carries LOM metadata: keywords (tags), ``educational/difficulty`` (very easy … very difficult = 1–5) and
a classification taxon path (the category). Import takes such a package or a single item file. Any
other interaction (order, hotspot, gapMatch, slider …) is reported by name.
"""

from __future__ import annotations

import html as html_lib
import io
import posixpath
import zipfile
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import ArchiveLimits, inspect_bytes
from eduplatform.core.text.richtext import sanitize
from eduplatform.core.text.xml import local, parse_xml
from eduplatform.questions.formats.base import (
    Format,
    ParseResult,
    extras_lost,
    image_data_uri,
    map_strings,
    new_item,
    packaged_images,
    register_format,
)
from eduplatform.questions.types.builtin import BLANK_RE, format_number

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SUPPORTED = {"choiceInteraction", "textEntryInteraction", "matchInteraction", "extendedTextInteraction"}
DIFFICULTY_WORDS = ["very easy", "easy", "medium", "difficult", "very difficult"]
MAX_ZIP_BYTES = 100 * 1024 * 1024
MAX_ZIP_FILES = 50_000


def q(tag: str) -> str:
    return f"{{{QTI}}}{tag}"


# --- rich text <-> XHTML --------------------------------------------------------------------

def html_to_xhtml(rich: str) -> str:
    """Inner XHTML (no wrapper) for a sanitised HTML fragment."""
    if not rich:
        return ""
    frag = lxml_html.fragment_fromstring(rich, create_parent="div")
    out = html_lib.escape(frag.text or "", quote=False)
    for child in frag:
        out += etree.tostring(child, method="xml", encoding="unicode")
    return out


def rich_element(tag: str, rich: str, **attrs) -> etree._Element:
    """A QTI element holding rich text (parsed back from XHTML so that it is in the QTI namespace)."""
    attr_text = "".join(f' {k}="{html_lib.escape(v)}"' for k, v in attrs.items())
    return parse_xml(f'<{tag} xmlns="{QTI}"{attr_text}>{html_to_xhtml(rich)}</{tag}>'.encode(), "QTI")


def element_html(element) -> str:
    """The inner HTML of an element, namespaces dropped, sanitised."""
    copy = etree.fromstring(etree.tostring(element))
    for el in copy.iter():
        if isinstance(el.tag, str):
            el.tag = local(el.tag)
    etree.cleanup_namespaces(copy)
    out = html_lib.escape(copy.text or "", quote=False)
    for child in copy:
        out += etree.tostring(child, method="html", encoding="unicode")
    return sanitize(out.strip())


def _replace_with_text(element, text: str) -> None:
    parent = element.getparent()
    previous = element.getprevious()
    addition = text + (element.tail or "")
    if previous is not None:
        previous.tail = (previous.tail or "") + addition
    else:
        parent.text = (parent.text or "") + addition
    parent.remove(element)


# --- import -----------------------------------------------------------------------------------

def parse(raw: bytes) -> ParseResult:
    result = ParseResult()
    archive = None
    if raw[:2] == b"PK":
        archive = open_package(raw, "QTI 内容包")
        entries = _read_package(archive, result)
    else:
        entries = [(None, raw, {})]
    for number, (name, data, meta) in enumerate(entries, 1):
        try:
            root = parse_xml(data, "QTI")
        except ValidationFailed as exc:
            result.problem(f"{name or '文件'}：{exc.message}", number=number)
            continue
        if local(root.tag) != "assessmentItem":
            result.problem(f"{name or '文件'} 不是 QTI assessmentItem", number=number)
            continue
        try:
            inline_package_images(root, archive, name)
            result.items.append(_parse_item(root, number, meta))
        except ValueError as exc:
            result.problem(f"{exc}" + (f"（{name}）" if name else ""), number=number, line=root.sourceline)
    return result


def open_package(raw: bytes, what: str) -> zipfile.ZipFile:
    """The one place the question formats open a zip (content packages, cartridges): the shared
    archive inspector (size, count, ratio, paths, links, nesting) before anything is read."""
    inspect_bytes(raw, what=what, limits=ArchiveLimits.from_config(
        max_entries=MAX_ZIP_FILES, max_expanded_bytes=MAX_ZIP_BYTES))
    return zipfile.ZipFile(io.BytesIO(raw))



def package_image(archive: zipfile.ZipFile | None, base: str | None, href: str) -> str:
    """A package file referenced by an item, as an inline image (the import then stores it)."""
    from urllib.parse import unquote

    if href.startswith(("data:", "/questions/media/")):
        return href
    if archive is None:
        raise ValueError(f"图片 {href} 须随内容包（zip）一起上传")
    path = posixpath.normpath(posixpath.join(posixpath.dirname(base or ""), unquote(href)))
    try:
        data = archive.read(path)
    except KeyError:
        raise ValueError(f"引用的文件 {href} 不在内容包中") from None
    return image_data_uri(data, f"文件 {href} ")


def inline_package_images(root, archive, base: str | None) -> None:
    """<img src> and image <object data> of an item point at package files: inline them."""
    for el in list(root.iter()):
        tag = local(el.tag)
        if tag == "img" and el.get("src"):
            el.set("src", package_image(archive, base, el.get("src")))
        elif tag == "object" and (el.get("type") or "").startswith("image/") and el.get("data"):
            img = etree.Element(el.tag.replace("object", "img"), src=package_image(archive, base, el.get("data")),
                                alt=(el.text or "").strip())
            img.tail = el.tail
            el.getparent().replace(el, img)


def _read_package(archive: zipfile.ZipFile, result: ParseResult) -> list[tuple[str, bytes, dict]]:
    names = {i.filename for i in archive.infolist()}
    if "imsmanifest.xml" not in names:
        raise ValidationFailed("QTI 内容包缺少 imsmanifest.xml", code="bad_file")
    manifest = parse_xml(archive.read("imsmanifest.xml"), "imsmanifest.xml")
    entries = []
    for resource in manifest.iter(f"{{{CP}}}resource"):
        if not (resource.get("type") or "").startswith("imsqti_item"):
            continue
        href = posixpath.normpath(resource.get("href") or "")
        if href.startswith(("../", "/")) or href not in names:
            result.problem(f"清单引用的文件不存在：{resource.get('href')}")
            continue
        entries.append((href, archive.read(href), _lom(resource)))
    return entries


def _lom(resource) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    lom = resource.find(f"{{{CP}}}metadata/{{{LOM}}}lom")
    if lom is None:
        return meta
    meta["tags"] = [s.text.strip() for s in lom.iterfind(f"{{{LOM}}}general/{{{LOM}}}keyword/{{{LOM}}}string")
                    if s.text and s.text.strip()]
    value = lom.findtext(f"{{{LOM}}}educational/{{{LOM}}}difficulty/{{{LOM}}}value")
    if value and value.strip() in DIFFICULTY_WORDS:
        meta["difficulty"] = DIFFICULTY_WORDS.index(value.strip()) + 1
    entries = [s.text.strip() for s in lom.iterfind(
        f"{{{LOM}}}classification/{{{LOM}}}taxonPath/{{{LOM}}}taxon/{{{LOM}}}entry/{{{LOM}}}string") if s.text]
    meta["category"] = "/".join(entries)
    return meta


def _parse_item(root, number: int, meta: dict) -> dict[str, Any]:
    body = root.find(q("itemBody"))
    if body is None:
        raise ValueError("缺少 itemBody")
    interactions = [el for el in body.iter() if isinstance(el.tag, str) and local(el.tag).endswith("Interaction")]
    unsupported = sorted({local(el.tag) for el in interactions} - SUPPORTED)
    if unsupported:
        raise ValueError(f"不支持的 QTI 交互类型：{'、'.join(unsupported)}")
    kinds = {local(el.tag) for el in interactions}
    if not interactions:
        raise ValueError("题目中没有交互（interaction）")
    if len(kinds) > 1:
        raise ValueError(f"一道题中有多种交互（{'、'.join(sorted(kinds))}），暂不支持")
    kind = kinds.pop()
    declarations = {d.get("identifier"): d for d in root.iter(q("responseDeclaration"))}
    score = None
    for outcome in root.iter(q("outcomeDeclaration")):
        if outcome.get("identifier") == "SCORE" and outcome.get("normalMaximum"):
            score = float(outcome.get("normalMaximum"))
    analysis = ""
    #: Feedback shown for a chosen choice (outcome FEEDBACK set to the response's identifiers).
    choice_feedback: dict[str, str] = {}
    for feedback in root.iter(q("modalFeedback")):
        if feedback.get("outcomeIdentifier") == "FEEDBACK" and feedback.get("identifier") not in (None, "ANALYSIS"):
            choice_feedback[feedback.get("identifier")] = element_html(feedback)
        else:
            analysis = element_html(feedback)
    reference = ""
    for rubric in body.iter(q("rubricBlock")):
        reference = element_html(rubric)
        rubric.getparent().remove(rubric)
    common = {"number": number, "line": root.sourceline, "analysis": analysis, "score": score,
              "difficulty": meta.get("difficulty"), "tags": meta.get("tags", []),
              "category": meta.get("category", ""), "title": root.get("title") or ""}

    def correct(identifier: str) -> list[str]:
        decl = declarations.get(identifier)
        if decl is None:
            raise ValueError(f"缺少 responseDeclaration：{identifier}")
        return [(v.text or "").strip() for v in decl.iterfind(f"{q('correctResponse')}/{q('value')}")]

    if kind == "textEntryInteraction":
        decl = declarations.get(interactions[0].get("responseIdentifier"))
        if len(interactions) == 1 and decl is not None and decl.get("baseType") == "float":
            for el in interactions:
                holder = el.getparent()
                holder.remove(el)
                if local(holder.tag) == "p" and not (holder.text or "").strip() and len(holder) == 0:
                    holder.getparent().remove(holder)
            values = correct(interactions[0].get("responseIdentifier"))
            tolerance = 0.0
            for equal in root.iter(q("equal")):
                if equal.get("toleranceMode") == "absolute" and equal.get("tolerance"):
                    tolerance = float(equal.get("tolerance").split()[0])
            try:
                answer = float(values[0])
            except (IndexError, ValueError):
                raise ValueError("数值题的正确答案不是数字") from None
            return new_item("numerical", _body_stem(body), {"answer": answer, "tolerance": tolerance}, **common)
        blanks, shares = [], []
        case_sensitive = False
        for n, el in enumerate(interactions, 1):
            identifier = el.get("responseIdentifier")
            decl = declarations.get(identifier)
            entries = list(decl.iter(q("mapEntry"))) if decl is not None else []
            accepted = [m.get("mapKey") for m in entries]
            shares.append([min(1.0, max(0.0, float(m.get("mappedValue") or 0))) for m in entries])
            if decl is not None and any(m.get("caseSensitive") == "true" for m in decl.iter(q("mapEntry"))):
                case_sensitive = True
            blanks.append(accepted or correct(identifier))
            _replace_with_text(el, f"[[{n}]]")
        data = {"blanks": blanks, "case_sensitive": case_sensitive}
        if all(len(s) == len(b) for s, b in zip(shares, blanks, strict=True)):
            data["credits"] = shares
        return new_item("fill_blank", _body_stem(body), data, **common)
    interaction = interactions[0]
    identifier = interaction.get("responseIdentifier")
    # The prompt belongs to the question's text, not to the interaction.
    prompt = interaction.find(q("prompt"))
    prompt_html = element_html(prompt) if prompt is not None else ""
    if prompt is not None:
        interaction.remove(prompt)
    interaction.getparent().remove(interaction)

    def _stem(body) -> str:
        text = _body_stem(body)
        return f"{text}<p>{prompt_html}</p>" if text and prompt_html else text or prompt_html
    if kind == "choiceInteraction":
        choices = [(c.get("identifier"), element_html(c)) for c in interaction.iter(q("simpleChoice"))]
        right = correct(identifier)
        ids = [c[0] for c in choices]
        if sorted(ids) == ["false", "true"]:
            data: dict[str, Any] = {"answer": right == ["true"]}
            if choice_feedback:
                data["feedback"] = {k: choice_feedback.get(k, "") for k in ("true", "false")}
            return new_item("true_false", _stem(body), data, **common)
        missing = [r for r in right if r not in ids]
        if missing or not right:
            raise ValueError("选择题的正确答案不在选项中")
        options = [c[1] for c in choices]
        indexes = [ids.index(r) for r in right]
        extra: dict[str, Any] = {}
        if choice_feedback:
            extra["feedback"] = [choice_feedback.get(i, "") for i in ids]
        mapping = declarations[identifier].find(q("mapping"))
        if mapping is not None:
            # A grade per choice; upperBound says what the full score is (else the positives' sum).
            values = {m.get("mapKey"): float(m.get("mappedValue") or 0) for m in mapping.iter(q("mapEntry"))}
            mapped = [values.get(i, float(mapping.get("defaultValue") or 0)) for i in ids]
            single = interaction.get("maxChoices") == "1"
            scale = float(mapping.get("upperBound") or 0) or (max(mapped) if single else sum(v for v in mapped if v > 0))
            if scale > 0:
                extra["weights"] = [round(v / scale * 100, 5) for v in mapped]
        if interaction.get("maxChoices") == "1":
            return new_item("single", _stem(body), {"options": options, "answer": indexes[0], **extra}, **common)
        return new_item("multiple", _stem(body), {"options": options, "answer": sorted(indexes), **extra}, **common)
    if kind == "matchInteraction":
        sets = interaction.findall(q("simpleMatchSet"))
        if len(sets) != 2:
            raise ValueError("匹配题须有两组 simpleMatchSet")
        left = {c.get("identifier"): element_html(c) for c in sets[0].iter(q("simpleAssociableChoice"))}
        right = {c.get("identifier"): element_html(c) for c in sets[1].iter(q("simpleAssociableChoice"))}
        pairs, used = [], set()
        for value in correct(identifier):
            parts = value.split()
            if len(parts) != 2 or parts[0] not in left or parts[1] not in right:
                raise ValueError(f"匹配题的正确答案“{value}”无效")
            pairs.append([left[parts[0]], right[parts[1]]])
            used.add(parts[1])
        distractors = [text for key, text in right.items() if key not in used]
        return new_item("matching", _stem(body), {"pairs": pairs, "distractors": distractors}, **common)
    return new_item("essay", _stem(body), {"reference": reference}, **common)


def _body_stem(body) -> str:
    """The item body without its interactions: our stems are wrapped in <div class="stem">."""
    stems = [d for d in body.iter(q("div")) if d.get("class") == "stem"]
    return element_html(stems[0] if stems else body)


# --- export -----------------------------------------------------------------------------------

def _sub(parent, tag: str, text: str | None = None, **attrs):
    element = etree.SubElement(parent, q(tag), **{k: str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _declaration(item_el, identifier: str, cardinality: str, base_type: str, values: list[str]):
    decl = _sub(item_el, "responseDeclaration", identifier=identifier, cardinality=cardinality, baseType=base_type)
    correct = _sub(decl, "correctResponse")
    for value in values:
        _sub(correct, "value", value)
    return decl


def export_item(item: dict[str, Any], identifier: str) -> bytes:
    qtype, data = item["type"], item["data"]
    root = etree.Element(q("assessmentItem"), nsmap={None: QTI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{QTI} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd")
    root.set("identifier", identifier)
    root.set("title", item.get("title") or identifier)
    root.set("adaptive", "false")
    root.set("timeDependent", "false")
    stem = item["stem"]
    interaction = None
    if qtype in ("single", "multiple", "true_false"):
        if qtype == "true_false":
            options, right = [("true", "正确"), ("false", "错误")], ["true" if data["answer"] else "false"]
        else:
            options = [(f"C{n + 1}", o) for n, o in enumerate(data["options"])]
            answer = [data["answer"]] if qtype == "single" else data["answer"]
            right = [f"C{n + 1}" for n in answer]
        decl = _declaration(root, "RESPONSE", "single" if qtype != "multiple" else "multiple", "identifier", right)
        if data.get("weights"):
            mapping = _sub(decl, "mapping", lowerBound="0", upperBound="1", defaultValue="0")
            for (key, _), weight in zip(options, data["weights"], strict=True):
                _sub(mapping, "mapEntry", mapKey=key, mappedValue=format_number(round(weight / 100, 7)))
        interaction = etree.Element(q("choiceInteraction"), responseIdentifier="RESPONSE", shuffle="false",
                                    maxChoices="1" if qtype != "multiple" else "0")
        for key, text in options:
            interaction.append(rich_element("simpleChoice", text, identifier=key))
    elif qtype == "fill_blank":
        for n, accepted in enumerate(data["blanks"], 1):
            decl = _declaration(root, f"RESPONSE_{n}", "single", "string", [accepted[0]])
            mapping = _sub(decl, "mapping", defaultValue="0")
            shares = data["credits"][n - 1] if data.get("credits") else [1.0] * len(accepted)
            for value, share in zip(accepted, shares, strict=True):
                _sub(mapping, "mapEntry", mapKey=value, mappedValue=format_number(share),
                     caseSensitive="true" if data.get("case_sensitive") else "false")
    elif qtype == "numerical":
        _declaration(root, "RESPONSE", "single", "float", [format_number(data["answer"])])
    elif qtype == "matching":
        _declaration(root, "RESPONSE", "multiple", "directedPair",
                     [f"L{n} R{n}" for n in range(1, len(data["pairs"]) + 1)])
        interaction = etree.Element(q("matchInteraction"), responseIdentifier="RESPONSE", shuffle="true",
                                    maxAssociations=str(len(data["pairs"])))
        lefts = etree.SubElement(interaction, q("simpleMatchSet"))
        rights = etree.SubElement(interaction, q("simpleMatchSet"))
        for n, (left, right) in enumerate(data["pairs"], 1):
            lefts.append(rich_element("simpleAssociableChoice", left, identifier=f"L{n}", matchMax="1"))
            rights.append(rich_element("simpleAssociableChoice", right, identifier=f"R{n}", matchMax="1"))
        for n, distractor in enumerate(data.get("distractors", []), len(data["pairs"]) + 1):
            rights.append(rich_element("simpleAssociableChoice", distractor, identifier=f"R{n}", matchMax="1"))
    else:
        _sub(root, "responseDeclaration", identifier="RESPONSE", cardinality="single", baseType="string")
        interaction = etree.Element(q("extendedTextInteraction"), responseIdentifier="RESPONSE", expectedLines="10")
    _sub(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float",
         normalMaximum=format_number(float(item.get("score") or 1)))
    choice_notes: list[tuple[str, str]] = []
    if qtype in ("single", "multiple") and data.get("feedback"):
        choice_notes = [(f"C{n + 1}", note) for n, note in enumerate(data["feedback"]) if note]
    elif qtype == "true_false" and data.get("feedback"):
        choice_notes = [(key, data["feedback"][key]) for key in ("true", "false") if data["feedback"][key]]
    if choice_notes or item.get("analysis"):
        _sub(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="multiple", baseType="identifier")
    body = _sub(root, "itemBody")
    if qtype == "fill_blank":
        xhtml = BLANK_RE.sub(lambda m: f'<textEntryInteraction responseIdentifier="RESPONSE_{m.group(1)}" '
                                       f'expectedLength="10"/>', html_to_xhtml(stem))
        body.append(parse_xml(f'<div xmlns="{QTI}" class="stem">{xhtml}</div>'.encode(), "QTI"))
    else:
        body.append(rich_element("div", stem, **{"class": "stem"}))
    if qtype == "essay" and data.get("reference"):
        body.append(rich_element("rubricBlock", data["reference"], view="scorer"))
    if qtype == "numerical":
        p = _sub(body, "p")
        _sub(p, "textEntryInteraction", responseIdentifier="RESPONSE", expectedLength="10")
    elif interaction is not None:
        body.append(interaction)
    if qtype == "numerical":
        processing = _sub(root, "responseProcessing")
        condition = _sub(_sub(processing, "responseCondition"), "responseIf")
        tolerance = format_number(data["tolerance"])
        equal = _sub(condition, "equal", toleranceMode="absolute", tolerance=f"{tolerance} {tolerance}")
        _sub(equal, "variable", identifier="RESPONSE")
        _sub(equal, "correct", identifier="RESPONSE")
        setter = _sub(condition, "setOutcomeValue", identifier="SCORE")
        _sub(setter, "baseValue", format_number(float(item.get("score") or 1)), baseType="float")
    elif qtype == "fill_blank":
        # Each blank's mapping gives 1 for an accepted answer; the sum is the number of right blanks.
        processing = _sub(root, "responseProcessing")
        setter = _sub(processing, "setOutcomeValue", identifier="SCORE")
        total = _sub(setter, "sum")
        for n in range(1, len(data["blanks"]) + 1):
            _sub(total, "mapResponse", identifier=f"RESPONSE_{n}")
    elif qtype != "essay":
        template = "map_response" if data.get("weights") else "match_correct"
        processing = _sub(root, "responseProcessing",
                          **({} if choice_notes else {"template": f"http://www.imsglobal.org/question/qti_v2p1/rp/{template}"}))
        if choice_notes:  # the template's scoring written out, plus FEEDBACK = the chosen identifiers
            condition = _sub(processing, "responseCondition")
            if data.get("weights"):
                branch = _sub(condition, "responseIf")
                _sub(_sub(branch, "isNull"), "variable", identifier="RESPONSE")
                _sub(_sub(branch, "setOutcomeValue", identifier="SCORE"), "baseValue", "0", baseType="float")
                _sub(_sub(_sub(condition, "responseElse"), "setOutcomeValue", identifier="SCORE"), "mapResponse",
                     identifier="RESPONSE")
            else:
                branch = _sub(condition, "responseIf")
                match = _sub(branch, "match")
                _sub(match, "variable", identifier="RESPONSE")
                _sub(match, "correct", identifier="RESPONSE")
                _sub(_sub(branch, "setOutcomeValue", identifier="SCORE"), "baseValue", "1", baseType="float")
                _sub(_sub(_sub(condition, "responseElse"), "setOutcomeValue", identifier="SCORE"), "baseValue", "0",
                     baseType="float")
            _sub(_sub(processing, "setOutcomeValue", identifier="FEEDBACK"), "variable", identifier="RESPONSE")
    for key, note in choice_notes:
        root.append(rich_element("modalFeedback", note, outcomeIdentifier="FEEDBACK", identifier=key, showHide="show"))
    if item.get("analysis"):
        root.append(rich_element("modalFeedback", item["analysis"], outcomeIdentifier="FEEDBACK",
                                 identifier="ANALYSIS", showHide="show"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _manifest(entries: list[tuple[str, str, dict]]) -> bytes:
    root = etree.Element(f"{{{CP}}}manifest", nsmap={None: CP, "imsmd": LOM, "xsi": XSI},
                         identifier="EDU-QTI-EXPORT")
    etree.SubElement(root, f"{{{CP}}}organizations")
    resources = etree.SubElement(root, f"{{{CP}}}resources")
    for identifier, href, item in entries:
        resource = etree.SubElement(resources, f"{{{CP}}}resource", identifier=f"RES-{identifier}",
                                    type="imsqti_item_xmlv2p1", href=href)
        lom = etree.SubElement(etree.SubElement(resource, f"{{{CP}}}metadata"), f"{{{LOM}}}lom")
        general = etree.SubElement(lom, f"{{{LOM}}}general")
        for tag in item.get("tags") or []:
            etree.SubElement(etree.SubElement(general, f"{{{LOM}}}keyword"), f"{{{LOM}}}string",
                             language="zh-CN").text = tag
        educational = etree.SubElement(lom, f"{{{LOM}}}educational")
        difficulty = etree.SubElement(educational, f"{{{LOM}}}difficulty")
        etree.SubElement(difficulty, f"{{{LOM}}}source").text = "LOMv1.0"
        etree.SubElement(difficulty, f"{{{LOM}}}value").text = DIFFICULTY_WORDS[(item.get("difficulty") or 3) - 1]
        if item.get("category"):
            path = etree.SubElement(etree.SubElement(lom, f"{{{LOM}}}classification"), f"{{{LOM}}}taxonPath")
            for part in item["category"].split("/"):
                taxon = etree.SubElement(path, f"{{{LOM}}}taxon")
                etree.SubElement(etree.SubElement(taxon, f"{{{LOM}}}entry"), f"{{{LOM}}}string",
                                 language="zh-CN").text = part
        etree.SubElement(resource, f"{{{CP}}}file", href=href)
        for extra in item.get("_files") or []:
            etree.SubElement(resource, f"{{{CP}}}file", href=extra)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def export(items: list[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    entries = []
    media: dict[str, bytes] = {}

    def store(name: str, data: bytes) -> str:
        media[name] = data
        return f"../media/{name}"  # relative to the item file

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, item in enumerate(items, 1):
            identifier = f"Q{n:05d}"
            href = f"items/{identifier}.xml"
            before = set(media)
            item = {**item, **{key: map_strings(item.get(key), lambda t: packaged_images(t, store))
                               for key in ("stem", "analysis", "data")}}
            archive.writestr(href, export_item(item, identifier))
            entries.append((identifier, href, {**item, "_files": [f"media/{m}" for m in sorted(set(media) - before)]}))
        for name, data in media.items():
            archive.writestr(f"media/{name}", data)
        archive.writestr("imsmanifest.xml", _manifest(entries))
    return buffer.getvalue()



def losses(item: dict[str, Any]) -> list[str]:
    return extras_lost(item, {"single": {"weights", "feedback"}, "multiple": {"weights", "feedback"},
                              "true_false": {"feedback"}, "fill_blank": {"credits"}}, unsupported={"cloze"})


register_format(Format("qti", "IMS QTI 2.1", (".zip", ".xml"), parse, export, losses=losses, embeds_files=True,
                       content_type="application/zip", export_extension="zip"))
