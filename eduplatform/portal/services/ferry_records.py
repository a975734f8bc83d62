"""What the ferry carries, record by record: how each kind is read on the sending node and applied
on the receiving one. Applying is idempotent — a record applied twice leaves the same state.

内网 → 外网 (``out``): the answering bureaus (``org``), the columns (``column``), every article that is
or was public (``article``, with its attachments; a withdrawn one stays withdrawn outside) and the
status of every 依申请公开 request the public tracks (``disclosure_request``: state, time limit,
补正 notice, timeline, answer and letter number — the outside renders the letter from the same
saved answer). Of the applicant only what the tracking page and the letter show is carried out
(name, the information sought); 证件号, phone, e-mail and address stay inside. And every 领导信箱
letter written online (``letter``): state, due day, public timeline, the reply with its day and
answering 科室, the rating, the writer's consent and — once published — the masked copy; of the
writer only name, title and content (the tracking page), never phone, e-mail, 身份证号 or address;
a published 12345 case goes out as its masked copy alone (no secret hash: it is not tracked outside).

外网 → 内网 (``in``): each request filed on the public site (``disclosure_request``, with its
attachment and its 补正), which the inside receives as an online request on the day it was filed
outside, keeping its 查询码 and the hash of its 查询密码. And each letter written on the public site
(``letter``, with its attachment, 查询码, secret hash and consent), which the inside receives as an
online letter written that day (its process starts there), with what the writer did later on the
tracking page: the rating and 回访 comment (applied inside as if given there, once) and the withdrawal
of consent (the published copy comes down inside too).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from eduplatform.core.errors import AppError
from eduplatform.core.extensions import db
from eduplatform.core.packages import PackageError
from eduplatform.core.storage.registry import get_storage
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.portal.models import (
    Article,
    ArticleAttachment,
    ArticleState,
    DisclosureEntry,
    DisclosurePause,
    DisclosureRequest,
    PortalColumn,
    Validity,
)
from eduplatform.portal.models.letters import Letter, LetterEntry
from eduplatform.portal.services import disclosure

#: what the writer typed on the public form (carried in; of these only name, title and content go out)
LETTER_FIELDS = ("kind", "name", "phone", "email", "id_number", "address", "title", "content", "consent_publish")

KINDS = {"out": ("org", "column", "article", "disclosure_request", "letter"), "in": ("disclosure_request", "letter")}
KIND_LABELS = {"org": "单位", "column": "栏目", "article": "门户信息", "disclosure_request": "依申请公开申请",
               "letter": "领导信箱来信"}


@dataclass
class Record:
    kind: str
    key: str
    data: dict
    #: (member path in the package, StoredFile)
    files: list = field(default_factory=list)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _file(stored) -> tuple[dict, tuple[str, object]]:
    member = f"files/{stored.sha256}"
    return ({"path": member, "sha256": stored.sha256, "size": stored.size, "filename": stored.filename,
             "content_type": stored.content_type}, (member, stored))


# --- the sending side --------------------------------------------------------------------------

def collect(direction: str):
    return _collect_out() if direction == "out" else _collect_in()


def _collect_out():
    bureaus = db.session.scalars(sa.select(OrgUnit).where(
        OrgUnit.type.in_((OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU))).order_by(OrgUnit.path))
    for org in bureaus:
        yield Record("org", org.code, {"code": org.code, "name": org.name, "type": org.type.value,
                                       "parent": org.parent.code if org.parent else None})
    columns = sorted(db.session.scalars(sa.select(PortalColumn)), key=lambda c: (len(c.ancestors()), c.id))
    for column in columns:
        yield Record("column", column.key, {
            "key": column.key, "name": column.name, "parent": column.parent.key if column.parent else None,
            "kind": column.kind, "position": column.position, "description": column.description,
            "on_home": column.on_home, "from_file": column.from_file})
    articles = db.session.scalars(sa.select(Article).where(
        Article.index_no.is_not(None), Article.state.in_((ArticleState.PUBLISHED, ArticleState.WITHDRAWN)))
        .order_by(Article.id))
    for a in articles:
        files, attachments = [], []
        for attachment in a.attachments:
            described, member = _file(attachment.file)
            attachments.append(described)
            files.append(member)
        yield Record("article", str(a.id), {
            "id": a.id, "column": a.column.key, "org": a.org.code, "state": a.state.value, "title": a.title,
            "summary": a.summary, "body": a.body, "doc_number": a.doc_number, "written_on": _iso(a.written_on),
            "index_no": a.index_no, "index_year": a.index_year, "index_seq": a.index_seq,
            "published_at": _iso(a.published_at), "deadline_at": _iso(a.deadline_at),
            "validity": a.validity.value if a.validity else None, "replaced_by": a.replaced_by_id,
            "validity_note": a.validity_note, "withdrawn_at": _iso(a.withdrawn_at),
            "withdraw_reason": a.withdraw_reason, "attachments": attachments}, files)
    for r in db.session.scalars(sa.select(DisclosureRequest).order_by(DisclosureRequest.id)):
        yield Record("disclosure_request", r.tracking_code, {
            "tracking_code": r.tracking_code, "secret_hash": r.secret_hash, "org": r.org.code, "state": r.state,
            "applicant_type": r.applicant_type, "org_kind": r.org_kind, "name": r.name,
            "description": r.description, "doc_title": r.doc_title, "doc_number": r.doc_number,
            "provide_format": r.provide_format, "obtain_method": r.obtain_method, "channel": r.channel,
            "received_on": _iso(r.received_on), "clock_start_on": _iso(r.clock_start_on), "due_on": _iso(r.due_on),
            "correction_requested_on": _iso(r.correction_requested_on), "correction_notice": r.correction_notice,
            "correction_submitted_on": _iso(r.correction_submitted_on), "correction_text": r.correction_text,
            "correction_received_on": _iso(r.correction_received_on), "extension_days": r.extension_days,
            "answer_type": r.answer_type, "answer_fields": r.answer_fields or {}, "answered_on": _iso(r.answered_on),
            "letter_year": r.letter_year, "letter_seq": r.letter_seq, "letter_number": r.letter_number,
            "pauses": [{"started_on": _iso(p.started_on), "third_party_due_on": _iso(p.third_party_due_on),
                        "ended_on": _iso(p.ended_on)} for p in r.pauses],
            "timeline": [{"day": _iso(e.day), "at": _iso(e.at), "kind": e.kind, "text": e.text}
                         for e in r.entries if e.public]})
    yield from _collect_letters_out()


def _collect_letters_out():
    """Every letter the writer tracks on the public site (written online) and every published one.
    A letter received otherwise (12345) goes out only once published, and then only as its masked copy."""
    query = sa.select(Letter).where(sa.or_(Letter.channel == "online", Letter.published_at.is_not(None))) \
        .order_by(Letter.id)
    for letter in db.session.scalars(query):
        answered = letter.answered
        department = answered.department if answered is not None else None
        own = letter.channel == "online"
        yield Record("letter", letter.tracking_code, {
            "tracking_code": letter.tracking_code, "secret_hash": letter.secret_hash if own else "",
            "org": letter.org.code, "kind": letter.kind, "channel": letter.channel, "state": letter.state,
            "name": letter.name if own else letter.public_name, "title": letter.title if own else letter.public_title,
            "content": letter.content if own else letter.public_content,
            "consent_publish": letter.consent_publish, "received_on": _iso(letter.received_on),
            "due_on": _iso(letter.due_on), "closed_on": _iso(letter.closed_on),
            "reply": (answered.reply if own else letter.public_reply) if answered is not None else "",
            "replied_on": _iso(answered.replied_on) if answered is not None else None,
            "department": {"code": department.code, "name": department.name} if department is not None else None,
            "rating": letter.rating, "rating_comment": letter.rating_comment if own else "", "rated_at": _iso(letter.rated_at),
            "published_at": _iso(letter.published_at), "public_title": letter.public_title,
            "public_content": letter.public_content, "public_reply": letter.public_reply,
            "public_name": letter.public_name,
            "timeline": [{"at": _iso(e.at), "kind": e.kind, "text": e.text} for e in letter.entries if e.public]
            if own else []})


def _collect_in():
    query = sa.select(DisclosureRequest).where(DisclosureRequest.channel == "online").order_by(DisclosureRequest.id)
    for r in db.session.scalars(query):
        files, attachment = [], None
        if r.attachment is not None:
            attachment, member = _file(r.attachment)
            files.append(member)
        yield Record("disclosure_request", r.tracking_code, {
            "tracking_code": r.tracking_code, "secret_hash": r.secret_hash, "org": r.org.code,
            "received_on": _iso(r.received_on), "attachment": attachment,
            **{k: getattr(r, k) for k in disclosure.FIELDS},
            "correction_submitted_on": _iso(r.correction_submitted_on) if r.correction_submitted_on else None,
            "correction_text": r.correction_text if r.correction_submitted_on else ""}, files)
    for letter in db.session.scalars(sa.select(Letter).where(Letter.channel == "online").order_by(Letter.id)):
        files, attachment = [], None
        if letter.attachment is not None:
            attachment, member = _file(letter.attachment)
            files.append(member)
        yield Record("letter", letter.tracking_code, {
            "tracking_code": letter.tracking_code, "secret_hash": letter.secret_hash, "org": letter.org.code,
            "received_on": _iso(letter.received_on), "attachment": attachment,
            **{k: getattr(letter, k) for k in LETTER_FIELDS},
            "rating": letter.rating, "rating_comment": letter.rating_comment}, files)


def open_file(stored_key: str):
    return get_storage().open(stored_key)


# --- the receiving side ------------------------------------------------------------------------

def check(direction: str, records, files: dict) -> None:
    """The manifest's records are well formed and every file they name is in the package."""
    if not isinstance(records, list):
        raise PackageError("清单中没有记录列表")
    for index, rec in enumerate(records, 1):
        if not isinstance(rec, dict) or rec.get("kind") not in KINDS[direction] or \
                not isinstance(rec.get("key"), str) or not isinstance(rec.get("data"), dict):
            raise PackageError(f"第 {index} 条记录不完整或类型不被接受")
        data = rec["data"]
        named = list(data.get("attachments") or []) + ([data["attachment"]] if data.get("attachment") else [])
        for described in named:
            if not isinstance(described, dict) or described.get("path") not in files or \
                    files[described["path"]][0] != described.get("sha256"):
                raise PackageError(f"第 {index} 条记录引用的文件不在包中")


def apply(direction: str, records: list, archive) -> dict:
    """Apply every record (the caller holds a savepoint); {kind: {outcome: count}}."""
    summary: dict = {}
    replacements = []
    for rec in records:
        handler = _IN[rec["kind"]] if direction == "in" else _OUT[rec["kind"]]
        try:
            outcome = handler(rec["data"], archive)
        except AppError as exc:
            raise PackageError(f"{KIND_LABELS[rec['kind']]}“{rec['key'][:40]}”无法导入：{exc.message}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise PackageError(f"{KIND_LABELS[rec['kind']]}“{rec['key'][:40]}”的内容不完整：{exc}") from exc
        if rec["kind"] == "article":
            replacements.append(rec["data"])
        counts = summary.setdefault(rec["kind"], {})
        counts[outcome] = counts.get(outcome, 0) + 1
    for data in replacements:  # 效力状态: the successor may come later in the same package
        article = db.session.get(Article, int(data["id"]))
        successor = db.session.get(Article, int(data["replaced_by"])) if data.get("replaced_by") else None
        article.replaced_by = successor
    db.session.flush()
    return summary


def _member(archive, described: dict, *, prefix: str, actor=None):
    from eduplatform.core.storage.services import store_file

    with archive.open(described["path"]) as member:
        stored = store_file(member, prefix=prefix, filename=described.get("filename") or "附件",
                            content_type=described.get("content_type"), actor=actor)
    if stored.sha256 != described["sha256"]:
        raise PackageError(f"文件“{described['path'][:80]}”写入后校验和不符")
    return stored


def _apply_org(data: dict, archive) -> str:
    from eduplatform.orgs.services import create_org_unit, find_org

    org = find_org(data["code"])
    if org is None:
        parent = find_org(data["parent"]) if data.get("parent") else None
        create_org_unit(None, code=data["code"], name=data["name"], type=OrgType(data["type"]), parent=parent)
        return "created"
    if org.name != data["name"]:
        org.name = data["name"]
        return "updated"
    return "unchanged"


def _apply_column(data: dict, archive) -> str:
    parent = db.session.scalar(sa.select(PortalColumn).where(PortalColumn.key == data["parent"])) \
        if data.get("parent") else None
    column = db.session.scalar(sa.select(PortalColumn).where(PortalColumn.key == data["key"]))
    outcome = "updated"
    if column is None:
        column = PortalColumn(key=data["key"])
        outcome = "created"
    column.name, column.kind, column.position = data["name"], data["kind"], int(data["position"])
    column.description, column.on_home, column.from_file = data.get("description"), bool(data["on_home"]), \
        bool(data["from_file"])
    column.parent = parent
    db.session.add(column)
    db.session.flush()
    return outcome


def _apply_article(data: dict, archive) -> str:
    from eduplatform.core.storage.services import delete_file
    from eduplatform.orgs.services import find_org

    column = db.session.scalar(sa.select(PortalColumn).where(PortalColumn.key == data["column"]))
    org = find_org(data["org"])
    if column is None or org is None:
        raise PackageError(f"门户信息 {data['id']} 的栏目或发布机构不存在")
    article = db.session.get(Article, int(data["id"]))
    outcome = "updated"
    if article is None:
        # The outside never makes articles of its own: the inside's id is kept, so links between
        # articles (and 效力状态) read the same on both sides.
        article = Article(id=int(data["id"]), body="")
        db.session.add(article)
        outcome = "created"
    article.column, article.org, article.created_by_id = column, org, None
    article.state = ArticleState(data["state"])
    for name in ("title", "summary", "body", "doc_number", "index_no", "index_year", "index_seq",
                 "validity_note", "withdraw_reason"):
        setattr(article, name, data.get(name))
    article.body = data.get("body") or ""
    article.written_on = _day(data.get("written_on"))
    article.published_at, article.deadline_at = _time(data.get("published_at")), _time(data.get("deadline_at"))
    article.withdrawn_at = _time(data.get("withdrawn_at"))
    article.validity = Validity(data["validity"]) if data.get("validity") else None
    db.session.flush()
    wanted = {d["sha256"]: d for d in data.get("attachments") or []}
    for attachment in list(article.attachments):
        if attachment.file.sha256 in wanted:
            wanted.pop(attachment.file.sha256)
        else:
            stored = attachment.file
            article.attachments.remove(attachment)
            db.session.flush()
            delete_file(stored)
    for described in wanted.values():
        article.attachments.append(ArticleAttachment(file=_member(archive, described, prefix="portal")))
    db.session.flush()
    return outcome


def _request_by_code(code: str) -> DisclosureRequest | None:
    return db.session.scalar(sa.select(DisclosureRequest).where(DisclosureRequest.tracking_code == code))


def _apply_request_out(data: dict, archive) -> str:
    """The outside: the status the inside keeps, over the applicant's own row (or a new one for a
    request received inside by letter or in person)."""
    from eduplatform.orgs.services import find_org

    org = find_org(data["org"])
    if org is None:
        raise PackageError(f"申请 {data['tracking_code']} 的受理机关不存在")
    request = _request_by_code(data["tracking_code"])
    outcome = "updated"
    if request is None:
        request = DisclosureRequest(tracking_code=data["tracking_code"], id_number="", answer_fields={},
                                    **{k: data.get(k) or "" for k in ("applicant_type", "name", "description",
                                                                     "doc_title", "doc_number", "provide_format",
                                                                     "obtain_method", "channel")})
        request.org_kind = data.get("org_kind")
        db.session.add(request)
        outcome = "created"
    request.org, request.secret_hash, request.state = org, data["secret_hash"], data["state"]
    request.received_on, request.clock_start_on = _day(data["received_on"]), _day(data["clock_start_on"])
    request.due_on = _day(data.get("due_on"))
    request.correction_requested_on = _day(data.get("correction_requested_on"))
    request.correction_notice = data.get("correction_notice") or ""
    pending_here = request.correction_submitted_on is not None and data.get("correction_submitted_on") is None \
        and data["state"] == "correction"
    if not pending_here:  # a correction filed here and not yet carried in is kept until it is
        request.correction_submitted_on = _day(data.get("correction_submitted_on"))
        request.correction_text = data.get("correction_text") or ""
    request.correction_received_on = _day(data.get("correction_received_on"))
    request.extension_days = int(data.get("extension_days") or 0)
    request.answer_type, request.answer_fields = data.get("answer_type"), dict(data.get("answer_fields") or {})
    request.answered_on = _day(data.get("answered_on"))
    request.letter_year, request.letter_seq = data.get("letter_year"), data.get("letter_seq")
    request.letter_number = data.get("letter_number")
    db.session.flush()
    for old in list(request.pauses) + list(request.entries):
        db.session.delete(old)
    db.session.flush()
    db.session.expire(request, ["pauses", "entries"])
    for p in data.get("pauses") or []:
        db.session.add(DisclosurePause(request=request, third_party="", started_on=_day(p["started_on"]),
                                       third_party_due_on=_day(p["third_party_due_on"]), ended_on=_day(p.get("ended_on"))))
    for e in data.get("timeline") or []:
        db.session.add(DisclosureEntry(request=request, day=_day(e["day"]), at=_time(e.get("at")) or datetime.now(),
                                       kind=e["kind"], text=e["text"], public=True))
    db.session.flush()
    return outcome


def _receiving_bureau(data: dict, what: str, noun: str):
    """The bureau a case filed outside was sent to, by its 单位代码."""
    from eduplatform.orgs.services import find_org

    org = find_org(data["org"])
    if org is None or not org.is_bureau:
        raise PackageError(f"{what} {data['tracking_code']} 的{noun}不存在")
    return org


def _carried_attachment(data: dict, archive) -> FileStorage | None:
    """A case's attachment as it came in the package, ready for the same upload path as online."""
    described = data.get("attachment")
    if not described:
        return None
    return FileStorage(stream=archive.open(described["path"]), filename=described.get("filename") or "附件",
                       content_type=described.get("content_type"))


def _apply_request_in(data: dict, archive) -> str:
    """The inside: a request filed outside is received (its process starts here); a correction filed
    outside reaches the request waiting for it."""

    request = _request_by_code(data["tracking_code"])
    if request is None:
        org = _receiving_bureau(data, "申请", "受理机关")
        upload = _carried_attachment(data, archive)
        try:
            disclosure.receive_request({k: data.get(k) for k in disclosure.FIELDS}, org=org, channel="online",
                                       attachment=upload, ferried={"tracking_code": data["tracking_code"],
                                                                   "secret_hash": data["secret_hash"],
                                                                   "received_on": _day(data["received_on"])})
        finally:
            if upload is not None:
                upload.stream.close()
        return "created"
    if data.get("correction_submitted_on") and request.correction_submitted_on is None \
            and request.state == "correction":
        disclosure.submit_correction(request, text=data.get("correction_text") or "",
                                     today=_day(data["correction_submitted_on"]))
        return "corrected"
    return "unchanged"


def _letter_by_code(code: str) -> Letter | None:
    return db.session.scalar(sa.select(Letter).where(Letter.tracking_code == code))


def _department_out(bureau: OrgUnit, described: dict | None) -> OrgUnit | None:
    """The answering department, named on the tracking page and the published letter: made outside
    under its bureau the first time one of its answers crosses (its name only)."""
    from eduplatform.orgs.services import create_org_unit, find_org

    if not described:
        return None
    department = find_org(described["code"])
    if department is None:
        return create_org_unit(None, code=described["code"], name=described["name"], type=OrgType.DEPARTMENT,
                               parent=bureau)
    if department.name != described["name"]:
        department.name = described["name"]
    return department


def _apply_letter_out(data: dict, archive) -> str:
    """The outside: the public status of a letter the inside keeps, over the writer's own row (or a
    new one: a letter written inside, or a published 12345 case's masked copy). A rating or a consent
    withdrawal made here and not yet carried in is kept until it is."""
    from eduplatform.orgs.services import find_org

    org = find_org(data["org"])
    if org is None:
        raise PackageError(f"信件 {data['tracking_code']} 的收信单位不存在")
    letter = _letter_by_code(data["tracking_code"])
    outcome = "updated"
    if letter is None:
        letter = Letter(tracking_code=data["tracking_code"], kind=data["kind"], channel=data["channel"],
                        name=data.get("name") or "", title=data.get("title") or "", content=data.get("content") or "",
                        consent_publish=bool(data.get("consent_publish")))
        db.session.add(letter)
        outcome = "created"
    letter.org, letter.secret_hash, letter.kind, letter.state = org, data.get("secret_hash") or "", data["kind"], \
        data["state"]
    letter.received_on, letter.due_on = _day(data["received_on"]), _day(data["due_on"])
    letter.closed_on = _day(data.get("closed_on"))
    letter.department = _department_out(org, data.get("department"))
    letter.reply, letter.replied_on = data.get("reply") or "", _day(data.get("replied_on"))
    letter.merged_into = None  # the answer is carried on the letter itself
    if data.get("rating") or letter.rating is None:
        letter.rating, letter.rating_comment = data.get("rating"), data.get("rating_comment") or ""
        letter.rated_at = _time(data.get("rated_at"))
    letter.consent_publish = bool(letter.consent_publish and data.get("consent_publish")) if outcome == "updated" \
        else bool(data.get("consent_publish"))
    published = _time(data.get("published_at")) if letter.consent_publish else None
    letter.published_at = published
    for name in ("public_title", "public_content", "public_reply", "public_name"):
        setattr(letter, name, (data.get(name) or "") if published else "")
    db.session.flush()
    for old in list(letter.entries):
        db.session.delete(old)
    db.session.flush()
    db.session.expire(letter, ["entries"])
    for e in data.get("timeline") or []:
        db.session.add(LetterEntry(letter=letter, at=_time(e.get("at")) or datetime.now(), kind=e["kind"],
                                   text=e["text"], public=True))
    db.session.flush()
    return outcome


def _apply_letter_in(data: dict, archive) -> str:
    """The inside: a letter written outside is received as an online letter (its process starts
    here); the writer's rating and consent withdrawal made outside are applied as if made here."""
    from eduplatform.portal.services import letters, letters_publish

    letter = _letter_by_code(data["tracking_code"])
    if letter is None:
        org = _receiving_bureau(data, "信件", "收信单位")
        upload = _carried_attachment(data, archive)
        try:
            letter, _ = letters.receive({k: data.get(k) for k in LETTER_FIELDS}, org=org, channel="online",
                                        attachment=upload, ferried={"tracking_code": data["tracking_code"],
                                                                    "secret_hash": data["secret_hash"],
                                                                    "received_on": _day(data["received_on"])})
        finally:
            if upload is not None:
                upload.stream.close()
        return "created"
    outcome = "unchanged"
    if letter.consent_publish and not data.get("consent_publish"):
        letters_publish.withdraw_consent(letter)
        outcome = "updated"
    if data.get("rating") and letter.rating is None and letter.answered is not None:
        letters_publish.rate(letter, rating=data["rating"], comment=data.get("rating_comment") or "")
        outcome = "rated"
    return outcome


_OUT = {"org": _apply_org, "column": _apply_column, "article": _apply_article,
        "disclosure_request": _apply_request_out, "letter": _apply_letter_out}
_IN = {"disclosure_request": _apply_request_in, "letter": _apply_letter_in}
