"""Resource types as data: load ``resource_specs/`` and generate the marshmallow schema of each type.

The vocabularies (``resource_specs/vocabularies/``) are read by the foundation's one loader
(``core.vocabularies``), which the question bank uses too; this module adds the type files on top.

The upload form (``templates/resources/_spec_fields.html``), the API's input schema and the metadata
validator all come from :class:`SpecRegistry`: adding an element to a YAML file adds it everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from eduplatform.core.textbooks import Catalogue, as_vocabulary, load_catalogue
from eduplatform.core.vocabularies import Term, Vocabulary, VocabularyError, load_vocabularies, read_yaml

ELEMENT_TYPES = {"string", "text", "integer", "date", "boolean", "url", "vocabulary", "keywords"}
RULE_LEVELS = {"required", "recommended"}
CONFIRMATION = {"primary", "secondary", "unconfirmed"}
#: Separators accepted between keywords / multiple values typed in one box.
LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
MAX_KEYWORD_LENGTH = 32


class SpecError(Exception):
    """A file in resource_specs/ is malformed (raised at start-up, never at request time)."""


@dataclass(frozen=True)
class Element:
    name: str
    label: str
    type: str
    required: bool = False
    vocabulary: str | None = None
    multiple: bool = False
    max_length: int | None = None
    min: int | None = None
    max: int | None = None
    max_items: int | None = None
    help: str = ""

    @property
    def is_list(self) -> bool:
        return self.type == "keywords" or (self.type == "vocabulary" and self.multiple)


@dataclass(frozen=True)
class QualityRule:
    id: str
    label: str
    property: str
    level: str
    clause: str
    confirmed: str
    min: float | None = None
    max: float | None = None
    one_of: tuple | None = None
    equals: Any = None
    note: str = ""


@dataclass
class ResourceType:
    code: str
    label: str
    category: str
    description: str
    elements: list[Element]
    formats: list[str]
    rules: list[QualityRule]
    source_file: str = ""
    #: words in a file's name that point to this type (试卷, 课例 …): the upload's first guess
    name_hints: tuple[str, ...] = ()

    def element(self, name: str) -> Element | None:
        return next((e for e in self.elements if e.name == name), None)


class SpecRegistry:
    """Every resource type and vocabulary read from one ``resource_specs`` directory."""

    def __init__(self, types: dict[str, ResourceType], vocabularies: dict[str, Vocabulary],
                 textbooks: Catalogue | None = None):
        self.types = types
        self.vocabularies = vocabularies
        #: the 教材目录 of the same directory (``textbooks/``): its nodes are ``textbook_node`` terms
        self.textbooks = textbooks or Catalogue({})
        self._schemas: dict[str, type[Schema]] = {}

    # -- look-ups ----------------------------------------------------------------------------
    def get(self, code: str | None) -> ResourceType | None:
        return self.types.get(code or "")

    def resolve_type(self, value) -> ResourceType | None:
        """A type by code or Chinese label (``courseware`` or ``课件``)."""
        if value is None:
            return None
        text = str(value).strip()
        return self.types.get(text) or next((t for t in self.types.values() if t.label == text), None)

    @property
    def formats(self) -> Vocabulary:
        return self.vocabularies["format"]

    def format_term(self, code: str | None) -> Term | None:
        return self.formats.by_code.get(code or "")

    def label(self, vocabulary: str, code: str | None) -> str:
        vocab = self.vocabularies.get(vocabulary)
        return vocab.label_of(code) if vocab else (code or "")

    # -- generated schemas -------------------------------------------------------------------
    def schema_class(self, type_code: str) -> type[Schema]:
        if type_code not in self._schemas:
            self._schemas[type_code] = build_schema(self, self.types[type_code])
        return self._schemas[type_code]

    def schema(self, type_code: str) -> Schema:
        return self.schema_class(type_code)()

    def load_metadata(self, rtype: ResourceType, data: dict) -> dict:
        """Validate element values (already picked from the request) → clean values by element name."""
        only = {e.name: data[e.name] for e in rtype.elements if e.name in data}
        return self.schema(rtype.code).load(only)

    def form_data(self, rtype: ResourceType, form) -> dict:
        """Pick a type's elements from a form/multidict: lists from repeated fields or one box."""
        out: dict[str, Any] = {}
        for element in rtype.elements:
            if element.is_list:
                values = form.getlist(element.name) if hasattr(form, "getlist") else form.get(element.name)
                if isinstance(values, str):
                    values = [values]
                values = [v for v in (values or []) if v is not None and str(v).strip() != ""]
                if values:
                    out[element.name] = values
            else:
                value = form.get(element.name)
                if value is not None and str(value).strip() != "":
                    out[element.name] = value
        return out

    def describe(self, rtype: ResourceType) -> dict:
        """A JSON-ready description of a type (``GET /api/v1/resource-specs``)."""
        return {
            "code": rtype.code,
            "label": rtype.label,
            "category": rtype.category,
            "description": rtype.description,
            "elements": [
                {
                    "name": e.name, "label": e.label, "type": e.type, "required": e.required,
                    "multiple": e.is_list, "vocabulary": e.vocabulary, "max_length": e.max_length,
                    "min": e.min, "max": e.max, "help": e.help,
                    "choices": ([{"code": t.code, "label": t.label,
                                  **{k: t.attrs[k] for k in ("parent", "stage", "subject") if t.attrs.get(k)}}
                                 for t in self.vocabularies[e.vocabulary].terms] if e.vocabulary else None),
                }
                for e in rtype.elements
            ],
            "formats": [
                {"code": code, "label": self.formats.by_code[code].label,
                 "extensions": list(self.formats.by_code[code].attrs.get("extensions", [])),
                 "content_type": self.formats.by_code[code].attrs.get("mime")}
                for code in rtype.formats
            ],
            "quality_rules": [
                {"id": r.id, "label": r.label, "property": r.property, "level": r.level, "clause": r.clause,
                 "confirmed": r.confirmed, "min": r.min, "max": r.max,
                 "in": list(r.one_of) if r.one_of else None, "equals": r.equals, "note": r.note}
                for r in rtype.rules
            ],
        }


# -- loading -------------------------------------------------------------------------------------

def _read_yaml(path: Path) -> dict:
    try:
        return read_yaml(path)
    except VocabularyError as exc:
        raise SpecError(str(exc)) from exc


def _element(raw: dict, where: str, vocabularies: dict) -> Element:
    if not isinstance(raw, dict) or not raw.get("name") or not raw.get("label"):
        raise SpecError(f"{where}: every element needs a name and a label ({raw!r})")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", str(raw["name"])):
        raise SpecError(f"{where}: element name {raw['name']!r} must be lower_snake_case")
    kind = raw.get("type", "string")
    if kind not in ELEMENT_TYPES:
        raise SpecError(f"{where}: element {raw['name']}: unknown type {kind!r}")
    if kind == "vocabulary" and raw.get("vocabulary") not in vocabularies:
        raise SpecError(f"{where}: element {raw['name']}: unknown vocabulary {raw.get('vocabulary')!r}")
    known = {"name", "label", "type", "required", "vocabulary", "multiple", "max_length", "min", "max",
             "max_items", "help"}
    unknown = set(raw) - known
    if unknown:
        raise SpecError(f"{where}: element {raw['name']}: unknown keys {sorted(unknown)}")
    return Element(name=str(raw["name"]), label=str(raw["label"]), type=kind,
                   required=bool(raw.get("required", False)), vocabulary=raw.get("vocabulary"),
                   multiple=bool(raw.get("multiple", False)), max_length=raw.get("max_length"),
                   min=raw.get("min"), max=raw.get("max"), max_items=raw.get("max_items"),
                   help=str(raw.get("help") or ""))


def _rule(raw: dict, where: str) -> QualityRule:
    for key in ("id", "label", "property", "level", "clause", "confirmed"):
        if raw.get(key) in (None, ""):
            raise SpecError(f"{where}: quality rule {raw.get('id')!r} needs {key!r}")
    if raw["level"] not in RULE_LEVELS:
        raise SpecError(f"{where}: rule {raw['id']}: level must be one of {sorted(RULE_LEVELS)}")
    if raw["confirmed"] not in CONFIRMATION:
        raise SpecError(f"{where}: rule {raw['id']}: confirmed must be one of {sorted(CONFIRMATION)}")
    if raw["confirmed"] == "unconfirmed" and raw["level"] == "required":
        raise SpecError(f"{where}: rule {raw['id']}: an unconfirmed threshold cannot block submission")
    if not any(k in raw for k in ("min", "max", "in", "equals")):
        raise SpecError(f"{where}: rule {raw['id']}: needs min, max, in or equals")
    return QualityRule(id=str(raw["id"]), label=str(raw["label"]), property=str(raw["property"]),
                       level=raw["level"], clause=str(raw["clause"]), confirmed=raw["confirmed"],
                       min=raw.get("min"), max=raw.get("max"),
                       one_of=tuple(raw["in"]) if raw.get("in") is not None else None,
                       equals=raw.get("equals"), note=str(raw.get("note") or ""))


def load_specs(directory: Path | str) -> SpecRegistry:
    """Read every vocabulary and type file; raise :class:`SpecError` on anything inconsistent."""
    directory = Path(directory)
    try:
        vocabularies = load_vocabularies(directory / "vocabularies")
        textbooks = load_catalogue(directory / "textbooks", vocabularies)
    except VocabularyError as exc:
        raise SpecError(str(exc)) from exc
    vocabularies["textbook_node"] = as_vocabulary(textbooks)
    for required in ("stage", "subject", "grade", "textbook_edition", "knowledge_point", "format"):
        if required not in vocabularies:
            raise SpecError(f"vocabularies/{required}.yaml is missing")

    raw_files = {path.stem: _read_yaml(path) for path in sorted(directory.glob("*.yaml"))}
    types: dict[str, ResourceType] = {}
    for stem, data in raw_files.items():
        if data.get("abstract"):
            continue
        where = f"{stem}.yaml"
        code = str(data.get("code") or stem)
        raw_elements: list = []
        parent = data.get("extends")
        if parent:
            if parent not in raw_files:
                raise SpecError(f"{where}: extends unknown file {parent!r}")
            raw_elements += list(raw_files[parent].get("elements") or [])
        raw_elements += list(data.get("elements") or [])
        elements: list[Element] = []
        for raw in raw_elements:
            element = _element(raw, where, vocabularies)
            elements = [e for e in elements if e.name != element.name] + [element]  # a type may override
        for name in ("title", "stage", "subject"):
            if not any(e.name == name for e in elements):
                raise SpecError(f"{where}: element {name!r} is required in every type")
        formats = [str(f) for f in data.get("formats") or []]
        unknown = [f for f in formats if f not in vocabularies["format"].by_code]
        if not formats or unknown:
            raise SpecError(f"{where}: formats must be codes of vocabularies/format.yaml (unknown: {unknown})")
        rules = [_rule(raw, where) for raw in data.get("quality_rules") or []]
        if not data.get("label"):
            raise SpecError(f"{where}: a type needs a label")
        types[code] = ResourceType(code=code, label=str(data["label"]), category=str(data.get("category") or ""),
                                   description=str(data.get("description") or ""), elements=elements,
                                   formats=formats, rules=rules, source_file=where,
                                   name_hints=tuple(str(h) for h in data.get("name_hints") or ()))
    if not types:
        raise SpecError(f"no resource type files in {directory}")
    return SpecRegistry(types, vocabularies, textbooks)


def get_specs() -> SpecRegistry:
    return current_app.extensions["resource_specs"]


# -- generated marshmallow schemas ---------------------------------------------------------------

#: vocabularies up to this size are spelled out as an enum in the OpenAPI document
ENUM_LIMIT = 60


class VocabularyField(fields.String):
    """A vocabulary term: accepts the code, the Chinese label or an alias; loads the code."""

    def __init__(self, vocabulary: Vocabulary, label: str, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = vocabulary
        self.element_label = label
        if len(vocabulary.terms) <= ENUM_LIMIT:
            self.metadata.setdefault("enum", [t.code for t in vocabulary.terms])
        else:  # the 教材目录's hundreds of nodes: listed by GET /api/v1/resource-specs instead
            self.metadata.setdefault("description", f"{vocabulary.label}代码（见 GET /api/v1/resource-specs）")

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        code = self.vocabulary.resolve(text)
        if code is None:
            sample = "、".join(t.label for t in self.vocabulary.terms[:8])
            raise ValidationError(f"“{text}”不是有效的{self.element_label}（可选：{sample}…）")
        return code


class KeywordsField(fields.Field):
    """Free keywords: a list, or one string split on commas, 、, ; or spaces."""

    def __init__(self, label: str, max_items: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.element_label = label
        self.max_items = max_items
        self.metadata.setdefault("type", "array")

    def _deserialize(self, value, attr, data, **kwargs):
        items = value if isinstance(value, (list, tuple)) else [value]
        words: list[str] = []
        for item in items:
            if not isinstance(item, str):
                raise ValidationError(f"{self.element_label}必须是文字")
            for word in LIST_SEPARATORS.split(item.strip()):
                if word and word not in words:
                    if len(word) > MAX_KEYWORD_LENGTH:
                        raise ValidationError(f"{self.element_label}“{word[:10]}…”过长（最多 {MAX_KEYWORD_LENGTH} 字）")
                    words.append(word)
        if self.max_items and len(words) > self.max_items:
            raise ValidationError(f"{self.element_label}最多 {self.max_items} 个")
        return words

    def _serialize(self, value, attr, obj, **kwargs):
        return list(value or [])


def _messages(element: Element) -> dict:
    return {"required": f"请填写{element.label}", "null": f"请填写{element.label}",
            "invalid": f"{element.label}格式不正确"}


def _field_for(registry: SpecRegistry, element: Element) -> fields.Field:
    common: dict[str, Any] = {"required": element.required, "error_messages": _messages(element),
                              "metadata": {"description": element.label + (f"：{element.help}" if element.help else "")}}
    validators = []
    if element.type in ("string", "text", "url"):
        lo = 1 if element.required else 0
        if element.max_length:
            validators.append(validate.Length(min=lo, max=element.max_length,
                                              error=f"{element.label}长度应为 {lo}–{element.max_length} 个字符"))
        elif element.required:
            validators.append(validate.Length(min=1, error=f"请填写{element.label}"))
        cls = {"string": fields.String, "text": fields.String, "url": fields.Url}[element.type]
        if element.type == "url":
            common["error_messages"]["invalid"] = f"{element.label}不是有效的网址"
        return cls(validate=validators, **common)
    if element.type == "integer":
        if element.min is not None or element.max is not None:
            validators.append(validate.Range(min=element.min, max=element.max,
                                             error=f"{element.label}应在 {element.min}–{element.max} 之间"))
        common["error_messages"]["invalid"] = f"{element.label}必须是整数"
        return fields.Integer(strict=False, validate=validators, **common)
    if element.type == "date":
        common["error_messages"]["invalid"] = f"{element.label}应为日期（如 2026-09-01）"
        return fields.Date(**common)
    if element.type == "boolean":
        return fields.Boolean(**common)
    if element.type == "keywords":
        return KeywordsField(element.label, element.max_items, **common)
    vocab = registry.vocabularies[element.vocabulary]  # type: ignore[index]
    if element.multiple:
        inner = VocabularyField(vocab, element.label)
        return fields.List(inner, validate=[validate.Length(max=element.max_items)] if element.max_items else [],
                           **common)
    return VocabularyField(vocab, element.label, **common)


def build_schema(registry: SpecRegistry, rtype: ResourceType) -> type[Schema]:
    """The marshmallow schema of a type's metadata, generated from its elements."""
    attrs: dict[str, Any] = {e.name: _field_for(registry, e) for e in rtype.elements}
    vocab_elements = {e.name: e for e in rtype.elements if e.type == "vocabulary"}

    @validates_schema
    def consistent_terms(self, data, **kwargs):
        # A term attribute named like another element (a grade's `stage`, a knowledge point's
        # `subject`) must agree with that element's value when both are given.
        errors: dict[str, list[str]] = {}
        for name, element in vocab_elements.items():
            value = data.get(name)
            if value is None:
                continue
            vocab = registry.vocabularies[element.vocabulary]  # type: ignore[index]
            for code in value if isinstance(value, list) else [value]:
                term = vocab.by_code.get(code)
                for attr, expected in (term.attrs.items() if term else []):
                    other = vocab_elements.get(attr)
                    if other is None or data.get(attr) in (None, expected):
                        continue
                    other_label = registry.label(other.vocabulary, data.get(attr))  # type: ignore[arg-type]
                    errors.setdefault(name, []).append(
                        f"{element.label}“{term.label}”不属于{other.label}“{other_label}”")
        if errors:
            raise ValidationError(errors)

    attrs["consistent_terms"] = consistent_terms
    name = "".join(part.title() for part in rtype.code.split("_")) + "MetadataSchema"
    return type(name, (Schema,), attrs)


def plain(value):
    """JSON-ready element value (dates as ISO strings)."""
    if isinstance(value, date):
        return value.isoformat()
    return value
