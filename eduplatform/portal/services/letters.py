"""领导信箱 (咨询 / 投诉 / 建议) and 12345 work orders: receive a case, route it, answer it, close it.

The steps run on the engine (``processes/leader_letter.yaml``): 分办 (the office picks a department of
the bureau) → 办理 (the department answers, or sends it back: 退单) → 回访办结 (the office), with 改派
(the office re-routes a case in handling) and 并案 (a duplicate is closed into the case that answers
it). The time limit per kind is data (``letter_kinds.yaml``, the bureau's own figures); a 12345 order
brings its own deadline. Every change writes an audit entry (realm ``letters``); a 12345 case also
queues a status push to the hotline (``letters_outbox``; sent by ``letters_hotline``). Services flush, never commit.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
import yaml

from eduplatform import workflow
from eduplatform.audit.services import record
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.portal.models.letters import CHANNELS, Letter, LetterEntry
from eduplatform.portal.services import letters_outbox, tracking
from eduplatform.portal.services.disclosure_clock import calendar, end_of_day_utc, today_local

PROCESS = "leader_letter"
REALM = "letters"
KINDS_FILE = Path(__file__).resolve().parent.parent / "letter_kinds.yaml"


# --- the kinds and their time limits (data) ----------------------------------------------------

@lru_cache(maxsize=4)
def _load_kinds(path: str) -> dict:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    kinds = data.get("kinds") or {}
    for key, spec in kinds.items():
        if not isinstance(spec, dict) or not spec.get("label") or not isinstance(spec.get("days"), int) \
                or spec["days"] < 1:
            raise ValueError(f"letter_kinds.yaml: {key} 需要 label 和正整数 days")
    return {"kinds": kinds, "visit_days": int(data.get("visit_days") or 5)}


def kinds_config() -> dict:
    from flask import current_app, has_app_context

    path = current_app.config.get("LETTER_KINDS_FILE") if has_app_context() else None
    return _load_kinds(str(path or KINDS_FILE))


def kinds() -> dict[str, str]:
    return {key: spec["label"] for key, spec in kinds_config()["kinds"].items()}


def kind_days(kind: str) -> int:
    return kinds_config()["kinds"][kind]["days"]


def kind_label(kind: str) -> str:
    return kinds().get(kind, kind)


# --- codes -------------------------------------------------------------------------------------

def find_for_writer(code: str | None, secret: str | None) -> Letter:
    """The case of ``code`` if ``secret`` is its own; the same answer for an unknown code and a wrong
    secret (nothing to probe)."""
    return tracking.find(Letter, code, secret)


# --- receiving ---------------------------------------------------------------------------------

def mailbox_bureaus() -> list[OrgUnit]:
    return list(db.session.scalars(sa.select(OrgUnit).where(
        OrgUnit.type.in_((OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU))).order_by(OrgUnit.path)))


def departments_of(bureau: OrgUnit) -> list[OrgUnit]:
    return list(db.session.scalars(sa.select(OrgUnit).where(
        OrgUnit.parent_id == bureau.id, OrgUnit.type == OrgType.DEPARTMENT).order_by(OrgUnit.code)))


ATTACHMENT_TYPES = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "txt")
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024


def _store_attachment(upload):
    from flask import current_app

    from eduplatform.core.storage.inspect import extension_of
    from eduplatform.core.storage.services import store_file

    if extension_of(upload.filename) not in ATTACHMENT_TYPES:
        raise ValidationFailed(f"附件只能是 {'、'.join(ATTACHMENT_TYPES)} 格式", code="attachment_type",
                               fields={"attachment": ["格式不支持"]})
    limit = int(current_app.config.get("LETTER_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES))
    return store_file(upload.stream, prefix="letters", filename=upload.filename, content_type=upload.mimetype,
                      actor=None, max_size=limit)


def _entry(letter: Letter, kind: str, text: str, *, actor=None, public: bool = True) -> LetterEntry:
    entry = LetterEntry(letter=letter, kind=kind, text=text, public=public, actor_id=getattr(actor, "id", None))
    db.session.add(entry)
    return entry


def receive(data: dict, *, org: OrgUnit, channel: str = "online", due_on: date | None = None,
            hotline_order_no: str | None = None, attachment=None, today: date | None = None,
            ferried: dict | None = None) -> tuple[Letter, str]:
    """A new case (the writer online, or a 12345 order). Returns it and its secret (shown once).

    ``ferried``: a letter written on the public node and carried in (``tracking_code``, ``secret_hash``,
    ``received_on`` — the day it was written there); the secret is then unknown here. On the public
    node itself (``PORTAL_NODE = outside``) no process starts: it starts inside, as for 依申请公开."""
    from eduplatform.portal import node

    today = today or today_local()
    if ferried is not None:
        if not re.fullmatch(r"XX\d{4}[0-9A-Z]{8}", ferried.get("tracking_code") or "") or \
                not re.fullmatch(r"[0-9a-f]{64}", ferried.get("secret_hash") or ""):
            raise ValidationFailed("查询码或查询密码的散列无效", code="invalid_code")
        today = ferried["received_on"]
    if org is None or not org.is_bureau:
        raise ValidationFailed("请选择收信的教育局", code="no_org", fields={"org_id": ["请选择收信的教育局"]})
    if channel not in CHANNELS:
        raise ValidationFailed("渠道不正确", code="invalid")
    kind = data.get("kind")
    if kind not in kinds():
        raise ValidationFailed("请选择信件类别（咨询、投诉或建议）", code="no_kind", fields={"kind": ["请选择信件类别"]})
    text = {k: (data.get(k) or "").strip() for k in ("name", "phone", "email", "id_number", "address", "title",
                                                    "content")}
    if not text["name"] or not text["title"] or not text["content"]:
        raise ValidationFailed("请填写姓名、标题和内容", code="missing", fields={
            k: ["必填"] for k in ("name", "title", "content") if not text[k]})
    if channel == "online" and not (text["phone"] or text["email"]):
        raise ValidationFailed("请至少填写一种联系方式（电话或电子邮箱），以便答复和回访", code="no_contact",
                               fields={"phone": ["请填写联系电话或电子邮箱"]})
    if due_on is None:
        due_on = calendar().add_working_days(today, kind_days(kind))
    elif due_on < today:
        raise ValidationFailed("办结时限不能早于今天", code="past_deadline", fields={"deadline": ["不能早于今天"]})
    if ferried is not None:
        secret, code, secret_hash = "", ferried["tracking_code"], ferried["secret_hash"]
    else:
        code, secret, secret_hash = tracking.issue(Letter, "XX", today.year)
    letter = Letter(org=org, tracking_code=code, secret_hash=secret_hash, kind=kind,
                    channel=channel, state="triage", received_on=today, due_on=due_on,
                    consent_publish=bool(data.get("consent_publish")), hotline_order_no=hotline_order_no, **text)
    if attachment is not None and getattr(attachment, "filename", None):
        letter.attachment = _store_attachment(attachment)
    db.session.add(letter)
    db.session.flush()
    _entry(letter, "received", f"收到{kind_label(kind)}（{CHANNELS[channel]}），办理时限至{due_on:%Y年%m月%d日}")
    from eduplatform.portal.letters_permissions import office_of

    if not node.is_outside():
        workflow.start(PROCESS, subject=letter, org=org, actor=None, title=f"{kind_label(kind)}：{letter.title[:60]}",
                       data={"office": office_of(org).id})
    how = "，经摆渡自外网传入" if ferried is not None else ""
    record(REALM, "letter.received", f"收到{kind_label(kind)} {letter.tracking_code}（{CHANNELS[channel]}{how}）",
           obj=letter, data={"kind": kind, "channel": channel, "due_on": due_on.isoformat(), "org": org.id,
                             "hotline_order_no": hotline_order_no, "ferried": ferried is not None})
    if channel == "hotline":
        letters_outbox.queue(letter, "received")
    db.session.flush()
    return letter, secret


def get_letter(letter_id: int) -> Letter:
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        raise NotFound("信件不存在")
    return letter


# --- the steps ---------------------------------------------------------------------------------

_OWN_STEP = "letter_step"


def _perform(letter: Letter, key: str, actor, *, reason=None, data=None, version=None) -> None:
    instance = workflow.instance_for(letter, PROCESS)
    if instance is None:
        raise Conflict("该信件没有办理流程", code="no_process")
    db.session.info[_OWN_STEP] = key
    try:
        workflow.perform(instance, key, actor=actor, reason=reason, data=data, expected_version=version)
    finally:
        db.session.info.pop(_OWN_STEP, None)


def _department(letter: Letter, department_id) -> OrgUnit:
    department = db.session.get(OrgUnit, department_id) if isinstance(department_id, int) else None
    if department is None or department.type != OrgType.DEPARTMENT or department.parent_id != letter.org_id:
        raise ValidationFailed(f"请选择{letter.org.name}的一个科室", code="no_department",
                               fields={"department_id": ["请选择承办科室"]})
    return department


def route(letter: Letter, *, actor, department_id, version=None) -> None:
    """分办: the office hands the case to a department of the bureau."""
    department = _department(letter, department_id)
    first = not any(e.kind == "routed" for e in letter.entries)
    _perform(letter, "route", actor, data={"department": department.id}, version=version)
    letter.department = department
    _entry(letter, "routed", f"已分办至{department.name}办理", actor=actor)
    if first and letter.channel == "hotline":
        letters_outbox.queue(letter, "accepted")


def send_back(letter: Letter, *, actor, reason: str, version=None) -> None:
    """退单: the department says it is not theirs; the case goes back to the office to be routed again."""
    department = letter.department
    _perform(letter, "send_back", actor, reason=(reason or "").strip(), version=version)
    letter.department = None
    _entry(letter, "sent_back", f"{department.name if department else '承办科室'}退单：{reason.strip()}",
           actor=actor, public=False)


def reassign(letter: Letter, *, actor, department_id, reason: str, version=None) -> None:
    """改派: the office moves a case in handling to another department."""
    department = _department(letter, department_id)
    if department.id == letter.department_id:
        raise ValidationFailed("改派须选择另一个科室", code="same_department",
                               fields={"department_id": ["请选择另一个科室"]})
    before = letter.department
    _perform(letter, "reassign", actor, reason=(reason or "").strip(), data={"department": department.id},
             version=version)
    letter.department = department
    _entry(letter, "reassigned", f"由{before.name if before else '—'}改派至{department.name}：{reason.strip()}",
           actor=actor, public=False)


def reply(letter: Letter, *, actor, text: str, today: date | None = None, version=None) -> None:
    """The department's answer; cases merged into this one are answered by it too."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("请填写答复内容", code="no_reply", fields={"reply": ["请填写答复内容"]})
    today = today or today_local()
    _perform(letter, "reply", actor, version=version)
    letter.reply, letter.replied_on, letter.replied_by_id = text[:8000], today, actor.id
    late = "（逾期答复）" if today > letter.due_on else ""
    _entry(letter, "replied", f"{letter.department.name if letter.department else ''}已答复{late}", actor=actor)
    for case in [letter, *letter.merged]:
        if case is not letter:
            _entry(case, "replied", f"并案办理的信件 {letter.tracking_code} 已答复，答复同样适用于本件", actor=actor)
        if case.channel == "hotline":
            letters_outbox.queue(case, "replied")


def merge(letter: Letter, *, actor, into_id, reason: str, version=None) -> None:
    """并案: ``letter`` repeats ``into`` (same bureau, still open or answered); it is answered by it."""
    into = db.session.get(Letter, into_id) if isinstance(into_id, int) else None
    if into is None or into.id == letter.id or into.org_id != letter.org_id or into.state == "merged":
        raise ValidationFailed("请选择本局另一件未并案的信件作为主办件", code="no_target",
                               fields={"into_id": ["请选择主办件"]})
    _perform(letter, "merge", actor, reason=(reason or "").strip(), version=version)
    letter.merged_into = into
    letter.department_id = into.department_id
    for child in list(letter.merged):  # a case already holding duplicates hands them on
        child.merged_into = into
    _entry(letter, "merged", f"与信件 {into.tracking_code} 内容相同，并案办理：{reason.strip()}", actor=actor)
    _entry(into, "merged_in", f"信件 {letter.tracking_code} 并入本件办理", actor=actor, public=False)
    if letter.channel == "hotline":
        letters_outbox.queue(letter, "replied" if into.replied_on else "accepted")


def close(letter: Letter, *, actor, note: str, today: date | None = None, version=None) -> None:
    """回访办结: the office has called (or written to) the writer; the note says what they said."""
    note = (note or "").strip()
    _perform(letter, "close", actor, reason=note, version=version)
    letter.visit_note, letter.closed_on = note[:4000], today or today_local()
    _entry(letter, "closed", "已回访，办结", actor=actor)
    for case in [letter, *letter.merged]:
        if case.channel == "hotline":
            letters_outbox.queue(case, "closed")


ACTIONS = {"route": "分办", "send_back": "退单", "reassign": "改派", "reply": "答复", "merge": "并案",
           "close": "回访办结"}


def perform_action(letter: Letter, key: str, *, actor, data: dict) -> None:
    v = data.get("version")
    if key == "route":
        return route(letter, actor=actor, department_id=data.get("department_id"), version=v)
    if key == "send_back":
        return send_back(letter, actor=actor, reason=data.get("reason") or "", version=v)
    if key == "reassign":
        return reassign(letter, actor=actor, department_id=data.get("department_id"),
                        reason=data.get("reason") or "", version=v)
    if key == "reply":
        return reply(letter, actor=actor, text=data.get("reply"), version=v)
    if key == "merge":
        return merge(letter, actor=actor, into_id=_case_by_code(letter, data.get("into_code")),
                     reason=data.get("reason") or "", version=v)
    if key == "close":
        return close(letter, actor=actor, note=data.get("reason") or "", version=v)
    raise NotFound("没有这个办理步骤")


def _case_by_code(letter: Letter, code) -> int | None:
    code = re.sub(r"\s+", "", str(code or "")).upper()[:20]
    return db.session.scalar(sa.select(Letter.id).where(Letter.tracking_code == code, Letter.org_id == letter.org_id)) \
        if code else None


# --- the engine's side -------------------------------------------------------------------------

STEP_KINDS = {"route": "letter.routed", "send_back": "letter.sent_back", "reassign": "letter.reassigned",
              "reply": "letter.replied", "merge": "letter.merged", "close": "letter.closed"}


def _due_for_step(instance, state_key: str, days):
    """办理 is due on the case's own due day (its kind's limit, or the hotline's deadline)."""
    letter = db.session.get(Letter, int(instance.subject_id)) if instance.subject_id else None
    if letter is None:
        return days
    if state_key == "replied":
        return kinds_config()["visit_days"]
    if state_key != "handling":
        return days
    today = today_local()
    return calendar().working_days_between(today, letter.due_on) if letter.due_on > today else 0


def _on_transition(event) -> None:
    letter = event.subject
    if letter is None:
        return
    if event.transition is not None and db.session.info.get(_OWN_STEP) != event.transition.key:
        raise Conflict("领导信箱的步骤请在信件办理页面办理", code="use_letter_page")
    letter.state = event.instance.state
    running = letter.state in ("triage", "handling")
    deadline = end_of_day_utc(letter.due_on) if running else None
    if event.instance.deadline_at != deadline:
        event.instance.deadline_at, event.instance.deadline_notified_at = deadline, None
    if event.step is not None and event.transition is not None:
        kind = STEP_KINDS.get(event.transition.key, "letter.step")
        event.step.record_as(REALM, kind, f"领导信箱 {letter.tracking_code}：{event.transition.label}", obj=letter,
                             data={"state": letter.state, "department": letter.department_id})


def register() -> None:
    from flask import url_for

    from eduplatform.portal.letters_permissions import can_handle_letter

    workflow.register_subject(Letter.__audit_type__, loader=lambda i: db.session.get(Letter, int(i)),
                              url=lambda c: url_for("portal.letter_case", letter_id=c.id),
                              can_view=can_handle_letter)
    workflow.register_due_policy(PROCESS, _due_for_step)
    workflow.on_transition(PROCESS)(_on_transition)
