"""OAI-PMH 2.0 data provider for the public resources (向社会公开): the six verbs and their errors.

Spec: http://www.openarchives.org/OAI/openarchivesprotocol.html. Records are ``oai_records`` rows
(``oai_tracking.py`` keeps them), so a resource that stops being public stays as a deleted header
(deletedRecord = persistent). Lists page by keyset on (datestamp, id): the resumption token carries
the last row's key and the request's arguments, HMAC-signed with the app's secret, so a token stays
valid without server state and rows inserted meanwhile (always later datestamps) neither shift nor
repeat the pages; a record changed during a harvest moves to the end and comes again, never lost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from lxml import etree
from sqlalchemy.orm import selectinload

from eduplatform.core.extensions import db
from eduplatform.core.vocabularies import vocabulary
from eduplatform.resources.models import OaiRecord, Resource
from eduplatform.resources.oai_metadata import BUILDERS, FORMATS
from eduplatform.resources.oai_tracking import datestamp_now
from eduplatform.resources.specs import get_specs

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
SECONDS, DAY = "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"

VERBS: dict[str, tuple[set[str], set[str]]] = {  # verb → (required, optional) besides resumptionToken
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
}
PAGED = {"ListIdentifiers", "ListRecords", "ListSets"}
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
#: set group → (Chinese name, the record column); the values are the vocabularies' codes
SET_GROUPS = {"type": ("资源类型", OaiRecord.type), "stage": ("学段", OaiRecord.stage),
              "subject": ("学科", OaiRecord.subject)}


class OAIError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _config(name: str, default):
    return current_app.config.get(name, default)


def repository_identifier() -> str:
    return _config("OAI_REPOSITORY_IDENTIFIER", "eduplatform.local")


def oai_identifier(uid: str) -> str:
    return f"oai:{repository_identifier()}:{uid}"


def _uid_of(identifier: str) -> str | None:
    prefix = f"oai:{repository_identifier()}:"
    return identifier[len(prefix):] if identifier.startswith(prefix) else None


def _format(value: datetime) -> str:
    return value.strftime(SECONDS)


def _parse_date(value: str, *, upper: bool) -> tuple[datetime, str]:
    """``from``/``until`` → (naive UTC bound, granularity); day granularity covers the whole day."""
    for fmt, kind in ((SECONDS, "seconds"), (DAY, "day")):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if kind == "day" and upper:
            parsed += timedelta(days=1, seconds=-1)
        return parsed, kind
    raise OAIError("badArgument", f"日期“{value}”的格式不对：应为 YYYY-MM-DD 或 YYYY-MM-DDThh:mm:ssZ（UTC）")


# -- resumption tokens --------------------------------------------------------------------------

def _sign(payload: bytes) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"oai-token:" + payload, hashlib.sha256).hexdigest()[:24]


def make_token(state: dict) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).rstrip(b"=")
    return f"{payload.decode()}.{_sign(payload)}"


def read_token(token: str, verb: str) -> dict:
    bad = OAIError("badResumptionToken", "resumptionToken 无效或已损坏")
    payload, _, signature = token.partition(".")
    if not payload or not hmac.compare_digest(signature, _sign(payload.encode())):
        raise bad
    try:
        state = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        raise bad from None
    if not isinstance(state, dict) or state.get("v") != verb:
        raise bad
    return state


# -- the request ---------------------------------------------------------------------------------

def parse_request(args: Mapping[str, list[str]]) -> tuple[str, dict]:
    """Check the verb and arguments (``args``: every value of every key) → (verb, arguments)."""
    verbs = args.get("verb") or []
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OAIError("badVerb", "缺少 verb 参数或 verb 不合法" if len(verbs) <= 1 else "verb 参数重复")
    verb = verbs[0]
    required, optional = VERBS[verb]
    values = {}
    for key, items in args.items():
        if key == "verb":
            continue
        if len(items) != 1:
            raise OAIError("badArgument", f"参数 {key} 重复")
        allowed = required | optional | ({"resumptionToken"} if verb in PAGED else set())
        if key not in allowed:
            raise OAIError("badArgument", f"{verb} 不接受参数 {key}")
        values[key] = items[0]
    if "resumptionToken" in values:
        if len(values) > 1:
            raise OAIError("badArgument", "resumptionToken 须单独使用，不能与其他参数同时出现")
    else:
        missing = sorted(required - values.keys())
        if missing:
            raise OAIError("badArgument", f"缺少参数：{'、'.join(missing)}")
    return verb, values


def _check_prefix(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OAIError("cannotDisseminateFormat", f"不支持的元数据格式“{prefix}”，可用：{'、'.join(FORMATS)}")


def _sets_enabled() -> bool:
    return bool(_config("OAI_SETS_ENABLED", True))


def all_sets() -> list[tuple[str, str]]:
    """(setSpec, setName) of every set: the three groups and each type / 学段 / 学科 below them."""
    specs = get_specs()
    found = [("type", "资源类型")] + [(f"type:{t.code}", t.label) for t in specs.types.values()]
    for group in ("stage", "subject"):
        found.append((group, SET_GROUPS[group][0]))
        found += [(f"{group}:{term.code}", term.label) for term in vocabulary(group).terms]
    return found


# -- the queries --------------------------------------------------------------------------------

def _filtered(state: dict):
    query = sa.select(OaiRecord)
    if state.get("s"):
        group, _, value = state["s"].partition(":")
        if group not in SET_GROUPS:
            return None
        column = SET_GROUPS[group][1]
        query = query.where(column == value) if value else query
    if state.get("f"):
        query = query.where(OaiRecord.datestamp >= datetime.strptime(state["f"], SECONDS))
    if state.get("u"):
        query = query.where(OaiRecord.datestamp <= datetime.strptime(state["u"], SECONDS))
    return query


def _list_state(values: dict, verb: str) -> dict:
    if "resumptionToken" in values:
        return read_token(values["resumptionToken"], verb)
    _check_prefix(values["metadataPrefix"])
    state = {"v": verb, "m": values["metadataPrefix"], "c": 0}
    kinds = set()
    for key, short, upper in (("from", "f", False), ("until", "u", True)):
        if key in values:
            bound, kind = _parse_date(values[key], upper=upper)
            kinds.add(kind)
            state[short] = _format(bound)
    if len(kinds) > 1:
        raise OAIError("badArgument", "from 与 until 的日期粒度须一致")
    if state.get("f") and state.get("u") and state["f"] > state["u"]:
        raise OAIError("badArgument", "from 不能晚于 until")
    if "set" in values:
        if not _sets_enabled():
            raise OAIError("noSetHierarchy", "本资源库不支持集合（set）")
        if not SET_SPEC.match(values["set"]):
            raise OAIError("badArgument", f"set 参数“{values['set']}”不合法")
        state["s"] = values["set"]
    return state


def _page(state: dict):
    query = _filtered(state)
    if query is None:
        raise OAIError("noRecordsMatch", "没有符合条件的记录")
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = query
    if "d" in state:
        last = datetime.strptime(state["d"], SECONDS)
        page = page.where(sa.or_(OaiRecord.datestamp > last,
                                 sa.and_(OaiRecord.datestamp == last, OaiRecord.id > state["i"])))
    size = int(_config("OAI_PAGE_SIZE", 100))
    rows = list(db.session.scalars(page.order_by(OaiRecord.datestamp, OaiRecord.id).limit(size + 1)))
    if not rows:  # (after a token: the rest moved past ``until`` meanwhile)
        raise OAIError("noRecordsMatch", "没有符合条件的记录")
    more, rows = len(rows) > size, rows[:size]
    following = None
    if more:
        following = dict(state, d=_format(rows[-1].datestamp), i=rows[-1].id, c=state.get("c", 0) + len(rows))
    return rows, total, following


def _resources_of(rows: list[OaiRecord]) -> dict[int, Resource]:
    ids = [r.resource_id for r in rows if not r.deleted and r.resource_id is not None]
    if not ids:
        return {}
    found = db.session.scalars(sa.select(Resource).where(Resource.id.in_(ids))
                               .options(selectinload(Resource.versions)))
    return {r.id: r for r in found}


# -- the response ---------------------------------------------------------------------------------

def _q(tag: str) -> str:
    return f"{{{OAI_NS}}}{tag}"


def _sub(parent, tag: str, text=None, **attrs):
    el = etree.SubElement(parent, _q(tag), {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = str(text)
    return el


def _header(parent, record: OaiRecord):
    header = _sub(parent, "header", **({"status": "deleted"} if record.deleted else {}))
    _sub(header, "identifier", oai_identifier(record.uid))
    _sub(header, "datestamp", _format(record.datestamp))
    if _sets_enabled():
        for group, value in (("type", record.type), ("stage", record.stage), ("subject", record.subject)):
            if value:
                _sub(header, "setSpec", f"{group}:{value}")
    return header


def _record(parent, record: OaiRecord, resource: Resource | None, prefix: str):
    element = _sub(parent, "record")
    _header(element, record)
    if not record.deleted and resource is not None:
        metadata = _sub(element, "metadata")
        metadata.append(BUILDERS[prefix](resource, oai_identifier(record.uid)))


def _token_element(parent, following: dict | None, state: dict, total: int):
    if following is None and "d" not in state:
        return  # one complete page: no token at all
    attrs = {"completeListSize": total, "cursor": state.get("c", 0)}
    _sub(parent, "resumptionToken", make_token(following) if following else None, **attrs)


def _earliest() -> datetime:
    return db.session.scalar(sa.select(sa.func.min(OaiRecord.datestamp))) or datestamp_now()


def _identify(parent, values):
    body = _sub(parent, "Identify")
    _sub(body, "repositoryName", _config("OAI_REPOSITORY_NAME", "教育资源公共服务平台 · 公开资源库"))
    _sub(body, "baseURL", url_for("resources.oai_pmh", _external=True))
    _sub(body, "protocolVersion", "2.0")
    _sub(body, "adminEmail", _config("OAI_ADMIN_EMAIL", "oai-admin@example.edu.cn"))
    _sub(body, "earliestDatestamp", _format(_earliest()))
    _sub(body, "deletedRecord", "persistent")
    _sub(body, "granularity", GRANULARITY)


def _list_metadata_formats(parent, values):
    if "identifier" in values:
        record = _find(values["identifier"])
        if record.deleted:
            raise OAIError("noMetadataFormats", "该记录已删除，没有可提供的元数据格式")
    body = _sub(parent, "ListMetadataFormats")
    for fmt in FORMATS.values():
        element = _sub(body, "metadataFormat")
        _sub(element, "metadataPrefix", fmt.prefix)
        _sub(element, "schema", fmt.schema)
        _sub(element, "metadataNamespace", fmt.namespace)


def _list_sets(parent, values):
    if "resumptionToken" in values:
        raise OAIError("badResumptionToken", "ListSets 一次返回全部集合，没有 resumptionToken")
    if not _sets_enabled():
        raise OAIError("noSetHierarchy", "本资源库不支持集合（set）")
    body = _sub(parent, "ListSets")
    for spec, name in all_sets():
        element = _sub(body, "set")
        _sub(element, "setSpec", spec)
        _sub(element, "setName", name)


def _find(identifier: str) -> OaiRecord:
    uid = _uid_of(identifier)
    record = db.session.scalars(sa.select(OaiRecord).where(OaiRecord.uid == uid)).first() if uid else None
    if record is None:
        raise OAIError("idDoesNotExist", f"标识符“{identifier}”在本资源库中不存在")
    return record


def _get_record(parent, values):
    _check_prefix(values["metadataPrefix"])
    record = _find(values["identifier"])
    body = _sub(parent, "GetRecord")
    resource = db.session.get(Resource, record.resource_id) if record.resource_id else None
    _record(body, record, resource, values["metadataPrefix"])


def _list(parent, values, verb: str):
    state = _list_state(values, verb)
    rows, total, following = _page(state)
    body = _sub(parent, verb)
    if verb == "ListIdentifiers":
        for row in rows:
            _header(body, row)
    else:
        resources = _resources_of(rows)
        for row in rows:
            _record(body, row, resources.get(row.resource_id), state["m"])
    _token_element(body, following, state, total)


HANDLERS = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": lambda parent, values: _list(parent, values, "ListIdentifiers"),
    "ListRecords": lambda parent, values: _list(parent, values, "ListRecords"),
}


def respond(args: Mapping[str, list[str]]) -> bytes:
    """The whole OAI-PMH response document for one request's arguments."""
    root = etree.Element(_q("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_NS} {SCHEMA}")
    _sub(root, "responseDate", _format(datestamp_now()))
    request_el = _sub(root, "request", url_for("resources.oai_pmh", _external=True))
    try:
        verb, values = parse_request(args)
        for key, value in [("verb", verb), *values.items()]:
            request_el.set(key, value)
        content = etree.Element("content")
        HANDLERS[verb](content, values)
        root.extend(list(content))
    except OAIError as error:
        if error.code in ("badVerb", "badArgument"):  # the spec: echo no attributes then
            request_el.attrib.clear()
        _sub(root, "error", error.message, code=error.code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
