"""依申请公开: receive a request, keep its statutory clock, take each step on the engine, answer it.

The clock (《政府信息公开条例》 2019) — every figure counts working days on the platform's calendar
(State Council notice with 调休), the day itself not counted:

- answer within 20 working days of the day the request was received (Art. 33);
- 补正: one notice, within 7 working days of receipt (Art. 30); the 20 days count again from the day
  the correction arrives;
- 征求第三方意见: the third party has 15 working days (Art. 32); the span from the day after the letter
  to the day the opinion comes back (at the latest the third party's last day) is not counted;
- 延期: once, at most 20 working days, approved by the head of the disclosure office, the applicant told.

Services flush, never commit; the view commits once.
"""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.accounts.models import Role
from eduplatform.audit.services import record
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.portal.models.disclosure import (
    ANSWER_TYPES,
    APPLICANT_TYPES,
    CHANNELS,
    OBTAIN_METHODS,
    ORG_KINDS,
    PROVIDE_FORMATS,
    DisclosureEntry,
    DisclosurePause,
    DisclosureRequest,
)
from eduplatform.portal.services import disclosure_letter, tracking
from eduplatform.portal.services.disclosure_clock import (  # noqa: F401 - the clock is part of this face
    ANSWER_DAYS,
    CORRECTION_WINDOW,
    MAX_EXTENSION_DAYS,
    THIRD_PARTY_DAYS,
    calendar,
    compute_due,
    correction_deadline,
    end_of_day_utc,
    today_local,
    working_days_left,
)

PROCESS = "disclosure_request"
REALM = "disclosure"


def _reclock(request: DisclosureRequest, cal=None) -> None:
    request.due_on = compute_due(request, cal)


# --- codes and secrets (services/tracking.py) ---------------------------------------------------

def find_for_applicant(code: str | None, secret: str | None) -> DisclosureRequest:
    """The request of ``code`` if ``secret`` is its own; one answer for an unknown code and a wrong
    secret, so codes cannot be probed."""
    return tracking.find(DisclosureRequest, code, secret)


# --- receiving ---------------------------------------------------------------------------------

def answering_bureaus() -> list[OrgUnit]:
    """The 行政机关 an applicant may apply to: the city bureau and the district bureaus."""
    return list(db.session.scalars(sa.select(OrgUnit).where(
        OrgUnit.type.in_((OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU))).order_by(OrgUnit.path)))


def _choice(value, allowed: dict, label: str, field: str) -> str:
    if value not in allowed:
        raise ValidationFailed(f"请选择{label}", code="invalid", fields={field: [f"请选择{label}"]})
    return value


def _check_applicant(data: dict) -> None:
    _choice(data.get("applicant_type"), APPLICANT_TYPES, "申请人类型", "applicant_type")
    if data["applicant_type"] == "organisation":
        _choice(data.get("org_kind"), ORG_KINDS, "法人或其他组织的类别", "org_kind")
    else:
        data["org_kind"] = None
    _choice(data.get("provide_format"), PROVIDE_FORMATS, "信息的提供方式", "provide_format")
    _choice(data.get("obtain_method"), OBTAIN_METHODS, "信息的获取方式", "obtain_method")
    if not any((data.get(k) or "").strip() for k in ("phone", "email", "address")):
        raise ValidationFailed("请至少填写一种联系方式（电话、电子邮箱或通信地址）", code="no_contact",
                               fields={"phone": ["请至少填写一种联系方式"]})
    if data["obtain_method"] == "email" and not (data.get("email") or "").strip():
        raise ValidationFailed("选择以电子邮件获取的，请填写电子邮箱", code="no_email", fields={"email": ["请填写电子邮箱"]})
    if data["obtain_method"] == "mail" and not (data.get("address") or "").strip():
        raise ValidationFailed("选择邮寄的，请填写通信地址", code="no_address", fields={"address": ["请填写通信地址"]})


FIELDS = ("applicant_type", "org_kind", "name", "id_type", "id_number", "contact_person", "phone", "email",
          "address", "postcode", "description", "doc_title", "doc_number", "provide_format", "obtain_method")


ATTACHMENT_TYPES = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "ofd", "txt")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def _store_attachment(upload, actor):
    """The applicant's optional attachment: a listed type, at most 10 MB, inspected as it is stored."""
    from flask import current_app

    from eduplatform.core.storage.inspect import extension_of
    from eduplatform.core.storage.services import store_file

    if extension_of(upload.filename) not in ATTACHMENT_TYPES:
        raise ValidationFailed(f"附件只能是 {'、'.join(ATTACHMENT_TYPES)} 格式", code="attachment_type",
                               fields={"attachment": ["格式不支持"]})
    limit = int(current_app.config.get("DISCLOSURE_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES))
    return store_file(upload.stream, prefix="disclosure", filename=upload.filename, content_type=upload.mimetype,
                      actor=actor, max_size=limit)


def receive_request(data: dict, *, org: OrgUnit, channel: str = "online", actor=None,
                    received_on: date | None = None, today: date | None = None,
                    attachment=None, ferried: dict | None = None) -> tuple[DisclosureRequest, str]:
    """A new request (online by the applicant, or a letter / a visit entered by staff).
    Returns the request and its secret (shown once, never stored).

    ``ferried``: an online request filed on the public node and carried in (``tracking_code``,
    ``secret_hash``, ``received_on`` — the day it was filed there); the secret is then unknown here.
    On the public node itself (``PORTAL_NODE = outside``) no process starts: it starts inside."""
    from eduplatform.portal import node

    today = today or today_local()
    if org is None or not org.is_bureau:
        raise ValidationFailed("请选择受理机关（市教育局或区县教育局）", code="no_org", fields={"org_id": ["请选择受理机关"]})
    _choice(channel, CHANNELS, "申请渠道", "channel")
    if ferried is not None:
        received_on = ferried["received_on"]
    elif channel == "online":
        received_on = today  # 网上申请: the day it is submitted, confirmed on the receipt page (Art. 31)
    elif received_on is None:
        raise ValidationFailed("请填写收到申请的日期（信函以签收之日为准）", code="no_date",
                               fields={"received_on": ["请填写收到申请的日期"]})
    if received_on > today:
        raise ValidationFailed("收到申请的日期不能晚于今天", code="future_date", fields={"received_on": ["不能晚于今天"]})
    data = dict(data)
    _check_applicant(data)
    if ferried is not None:
        secret, code, secret_hash = "", ferried["tracking_code"], ferried["secret_hash"]
        if not re.fullmatch(r"GK\d{4}[0-9A-Z]{8}", code or "") or not re.fullmatch(r"[0-9a-f]{64}", secret_hash or ""):
            raise ValidationFailed("查询码或查询密码的散列无效", code="invalid_code")
    else:
        code, secret, secret_hash = tracking.issue(DisclosureRequest, "GK", received_on.year)
    request = DisclosureRequest(org=org, tracking_code=code, secret_hash=secret_hash,
                                channel=channel, received_on=received_on, clock_start_on=received_on,
                                entered_by_id=getattr(actor, "id", None), state="review", answer_fields={},
                                **{k: (data.get(k) or "").strip() if k != "org_kind" else data.get(k)
                                   for k in FIELDS})
    if attachment is not None and attachment.filename:
        request.attachment = _store_attachment(attachment, actor)
    db.session.add(request)
    db.session.flush()
    cal = calendar()
    _reclock(request, cal)
    _entry(request, "received", f"收到申请（{CHANNELS[channel]}），答复期限至{request.due_on:%Y年%m月%d日}",
           day=received_on, actor=actor)
    if not node.is_outside():
        workflow.start(PROCESS, subject=request, org=org, actor=actor if getattr(actor, "id", None) else None,
                       title=f"{request.name}：{request.description[:40]}")
    how = "，经摆渡自外网传入" if ferried is not None else ""
    record(REALM, "request.received", f"收到政府信息公开申请 {request.tracking_code}（{CHANNELS[channel]}{how}）",
           actor=actor, obj=request, data={"channel": channel, "received_on": received_on.isoformat(),
                                           "due_on": request.due_on.isoformat(), "org": org.id,
                                           "ferried": ferried is not None})
    db.session.flush()
    return request, secret


def _entry(request, kind: str, text: str, *, day: date | None = None, actor=None, public: bool = True):
    entry = DisclosureEntry(request=request, kind=kind, text=text, day=day or today_local(), public=public,
                            actor_id=getattr(actor, "id", None))
    db.session.add(entry)
    return entry


# --- the steps ---------------------------------------------------------------------------------

def _instance(request):
    instance = workflow.instance_for(request, PROCESS)
    if instance is None:
        raise Conflict("该申请没有办理流程", code="no_process")
    return instance


_OWN_STEP = "disclosure_step"


def _perform(request, key: str, actor, *, reason: str | None = None, version: int | None = None):
    db.session.info[_OWN_STEP] = key
    try:
        workflow.perform(_instance(request), key, actor=actor, reason=reason, expected_version=version)
    finally:
        db.session.info.pop(_OWN_STEP, None)


def _not_before_receipt(request, day: date, what: str) -> None:
    if day < request.received_on:
        raise ValidationFailed(f"{what}不能早于收到申请的日期", code="date_before_receipt")
    if day > today_local():
        raise ValidationFailed(f"{what}不能晚于今天", code="future_date")


def accept(request, *, actor, version=None) -> None:
    _perform(request, "accept", actor, version=version)
    _entry(request, "accepted", "申请已受理，正在办理", actor=actor)


def request_correction(request, *, actor, notice: str, today: date | None = None, version=None) -> None:
    """The one 补正 notice (Art. 30): what is unclear and how to put it right."""
    today = today or today_local()
    notice = (notice or "").strip()
    if not notice:
        raise ValidationFailed("请写明需要补正的事项", code="no_notice", fields={"notice": ["请写明需要补正的事项"]})
    if request.correction_requested_on is not None:
        raise Conflict("补正只能告知一次（《政府信息公开条例》第三十条）", code="correction_once")
    last = correction_deadline(request)
    if today > last:
        raise Conflict(f"已超过收到申请之日起7个工作日（{last:%Y年%m月%d日}），不能再告知补正", code="correction_late")
    request.correction_requested_on, request.correction_notice = today, notice
    _perform(request, "request_correction", actor, reason=notice, version=version)
    _entry(request, "correction_requested", f"请补正申请：{notice}", day=today, actor=actor)
    request.due_on = None  # the clock restarts when the correction arrives
    disclosure_letter.queue_mail(request, "请补正您的政府信息公开申请",
                         f"您的申请（查询码 {request.tracking_code}）需要补正：\n{notice}\n\n"
                         "请在查询页面提交补正内容，或以信函、当面方式补正。补正后答复期限重新计算。")


def submit_correction(request, *, text: str, today: date | None = None) -> None:
    """The applicant's correction on the tracking page (no login); staff then register it."""
    today = today or today_local()
    text = (text or "").strip()
    if request.state != "correction" or request.correction_submitted_on is not None:
        raise Conflict("该申请当前不需要补正", code="no_correction")
    if not text:
        raise ValidationFailed("请填写补正内容", code="no_text", fields={"text": ["请填写补正内容"]})
    request.correction_submitted_on, request.correction_text = today, text
    _entry(request, "correction_submitted", "申请人已提交补正内容", day=today)
    record(REALM, "request.correction_submitted", f"申请人提交补正 {request.tracking_code}", obj=request)
    from eduplatform.core.notices import notify_orgs

    notify_orgs(REALM, "correction", f"申请人已补正：依申请公开 {request.tracking_code}", [request.org_id],
                object_type=request.__audit_type__, object_id=request.id)


def register_correction(request, *, actor, text: str | None = None, received_on: date | None = None,
                        version=None) -> None:
    """The correction has arrived (online, or a letter entered here): the 20 days count again from its day."""
    if request.correction_submitted_on is not None:
        day = request.correction_submitted_on
    else:
        text = (text or "").strip()
        if not text or received_on is None:
            raise ValidationFailed("请填写补正内容和收到补正的日期", code="no_correction",
                                   fields={"text": ["请填写补正内容"], "received_on": ["请填写日期"]})
        _not_before_receipt(request, received_on, "收到补正的日期")
        if received_on < request.correction_requested_on:
            raise ValidationFailed("收到补正的日期不能早于告知补正的日期", code="date_before_notice")
        day, request.correction_text = received_on, text
    request.correction_received_on = request.clock_start_on = day
    _reclock(request)
    _perform(request, "correction_received", actor, version=version)
    _entry(request, "corrected", f"收到补正，答复期限重新计算，至{request.due_on:%Y年%m月%d日}", day=day, actor=actor)


def abandon(request, *, actor, reason: str, version=None) -> None:
    """The applicant did not correct within the time given: treated as withdrawn (Art. 30)."""
    _perform(request, "abandon", actor, reason=reason, version=version)
    request.due_on = None
    _entry(request, "abandoned", f"申请人未在补正期限内补正，视为放弃申请：{reason}", actor=actor)


def start_consultation(request, *, actor, third_party: str, today: date | None = None, version=None) -> None:
    today = today or today_local()
    third_party = (third_party or "").strip()
    if not third_party:
        raise ValidationFailed("请填写征求意见的第三方", code="no_third_party", fields={"third_party": ["请填写第三方"]})
    if request.open_pause is not None:
        raise Conflict("正在征求第三方意见", code="already_paused")
    _not_before_receipt(request, today, "征求意见的日期")
    cal = calendar()
    pause = DisclosurePause(request=request, third_party=third_party[:200], started_on=today,
                            third_party_due_on=cal.add_working_days(today, THIRD_PARTY_DAYS),
                            started_by_id=actor.id)
    db.session.add(pause)
    db.session.flush()
    db.session.refresh(request, ["pauses"])
    _reclock(request, cal)
    _perform(request, "consult", actor, version=version)
    _entry(request, "paused", f"征求第三方意见，第三方答复期限至{pause.third_party_due_on:%Y年%m月%d日}，"
           "征求意见期间不计入答复期限", day=today, actor=actor)


def finish_consultation(request, *, actor, outcome: str, today: date | None = None, version=None) -> None:
    today = today or today_local()
    pause = request.open_pause
    if pause is None:
        raise Conflict("没有进行中的征求第三方意见", code="not_paused")
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed("请填写第三方意见（同意、不同意及理由，或逾期未提出意见）", code="no_outcome",
                               fields={"outcome": ["请填写第三方意见"]})
    if today < pause.started_on:
        raise ValidationFailed("结束日期不能早于征求意见的日期", code="date_before_pause")
    pause.ended_on, pause.outcome, pause.ended_by_id = today, outcome, actor.id
    _reclock(request)
    _perform(request, "consult_done", actor, version=version)
    _entry(request, "resumed", f"第三方意见已收到（或期限届满），恢复计时，答复期限至{request.due_on:%Y年%m月%d日}",
           day=today, actor=actor)


def request_extension(request, *, actor, days: int, reason: str, today: date | None = None, version=None) -> None:
    today = today or today_local()
    if request.extension_days:
        raise Conflict("答复期限只能延长一次（《政府信息公开条例》第三十三条）", code="extension_once")
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationFailed("延长的期限为1至20个工作日", code="extension_days",
                               fields={"days": ["延长的期限为1至20个工作日"]})
    if request.due_on is not None and today > request.due_on:
        raise Conflict("答复期限已过，不能再申请延期", code="extension_late")
    reason = (reason or "").strip()
    request.extension_requested_days, request.extension_reason = days, reason
    request.extension_requested_by_id = actor.id
    _perform(request, "request_extension", actor, reason=reason, version=version)
    _entry(request, "extension_requested", f"申请延长答复期限{days}个工作日：{reason}", day=today, actor=actor,
           public=False)


def approve_extension(request, *, actor, today: date | None = None, version=None) -> None:
    """The office head agrees: the due day moves by the days asked for; the applicant is told."""
    today = today or today_local()
    if not actor.has_role(Role.BUREAU_LEADER):
        raise Conflict("延期须经信息公开工作机构负责人同意", code="not_head")
    if request.extension_days:
        raise Conflict("答复期限只能延长一次", code="extension_once")
    request.extension_days = request.extension_requested_days or 0
    request.extension_approved_by_id, request.extension_approved_on = actor.id, today
    _reclock(request)
    _perform(request, "approve_extension", actor, version=version)
    _entry(request, "extended", f"经信息公开工作机构负责人同意，答复期限延长{request.extension_days}个工作日，"
           f"至{request.due_on:%Y年%m月%d日}", day=today, actor=actor)
    disclosure_letter.queue_mail(request, "政府信息公开申请延期答复告知",
                         f"您的申请（查询码 {request.tracking_code}）需要延长答复期限。经本机关政府信息公开工作机构"
                         f"负责人同意，答复期限延长{request.extension_days}个工作日，至{request.due_on:%Y年%m月%d日}。"
                         f"\n理由：{request.extension_reason}")


def reject_extension(request, *, actor, reason: str, version=None) -> None:
    _perform(request, "reject_extension", actor, reason=reason, version=version)
    request.extension_requested_days = None
    _entry(request, "extension_rejected", f"延期申请未获同意：{reason}", actor=actor, public=False)


# --- the answer (Art. 36) ----------------------------------------------------------------------

#: type → (field, label, required); ``not_ours``' office is required unless marked unknown
ANSWER_FIELDS: dict[str, list[tuple[str, str]]] = {
    "published": [("where", "获取途径（网址、栏目或文件名称）")],
    "granted": [("provision", "提供的信息及提供方式、时间")],
    "partial": [("provision", "公开部分及提供方式"), ("withheld", "不予公开的部分"), ("reasons", "不予公开的理由及依据")],
    "refused": [("reasons", "不予公开的理由"), ("basis", "法律依据（条款）")],
    "not_exist": [("search_record", "检索情况（检索范围、方式和结果）")],
    "not_ours": [("right_office", "负责公开该信息的机关及联系方式")],
    "repeat": [("earlier", "原申请的查询码或答复书文号")],
    "other_law": [("law", "规定该信息获取办法的法律、行政法规及条款"), ("channel", "办理渠道")],
}
OPTIONAL_FIELDS = ("note", "right_office_unknown")


def check_answer(answer_type: str | None, fields: dict) -> dict:
    """The type's own fields, each required one filled; messages name what is missing."""
    if answer_type not in ANSWER_TYPES:
        raise ValidationFailed("请选择答复类型", code="no_answer_type", fields={"answer_type": ["请选择答复类型"]})
    label = ANSWER_TYPES[answer_type]
    clean, problems = {}, {}
    for key, field_label in ANSWER_FIELDS[answer_type]:
        value = str(fields.get(key) or "").strip()
        if key == "right_office" and not value and fields.get("right_office_unknown") in (True, "1", "on", "true"):
            clean["right_office_unknown"] = True
            continue
        if not value:
            problems[key] = [f"答复类型为「{label}」时须填写{field_label}"]
        clean[key] = value[:4000]
    if problems:
        first = next(iter(problems.values()))[0]
        raise ValidationFailed(first, code="answer_incomplete", fields=problems)
    note = str(fields.get("note") or "").strip()
    if note:
        clean["note"] = note[:4000]
    return clean


def answer(request, *, actor, answer_type: str, fields: dict, today: date | None = None, version=None) -> str:
    """Answer with one Art. 36 type; the letter gets its 公复〔YYYY〕N号. Returns the number."""
    today = today or today_local()
    clean = check_answer(answer_type, fields)
    if request.is_finished:
        raise Conflict("该申请已办结", code="finished")
    request.answer_type, request.answer_fields = answer_type, clean
    request.answered_on, request.answered_by_id = today, actor.id
    _perform(request, "answer", actor, version=version)
    number = disclosure_letter.assign_letter_number(request, actor=actor, year=today.year)
    overdue = request.due_on is not None and today > request.due_on
    _entry(request, "answered", f"已答复（{ANSWER_TYPES[answer_type]}），答复书 {number}"
           + ("（逾期答复）" if overdue else ""), day=today, actor=actor)
    if request.email:
        disclosure_letter.mark_letter_mail(request)
    db.session.flush()
    return number


def preview_letter(request, *, answer_type: str, fields: dict, today: date | None = None) -> bytes:
    """The letter as it would be sent (checked like the answer), marked as an unnumbered draft."""
    clean = check_answer(answer_type, fields)
    return disclosure_letter.render_letter_pdf(
        disclosure_letter.DraftLetter(request, answer_type, clean, today or today_local()))


def get_request(request_id: int) -> DisclosureRequest:
    request = db.session.get(DisclosureRequest, request_id)
    if request is None:
        raise NotFound("申请不存在")
    return request


# --- the engine's side -------------------------------------------------------------------------

STEP_KINDS = {"accept": "request.accepted", "request_correction": "request.correction_requested",
              "correction_received": "request.corrected", "abandon": "request.abandoned",
              "consult": "request.paused", "consult_done": "request.resumed",
              "request_extension": "request.extension_requested", "approve_extension": "request.extended",
              "reject_extension": "request.extension_rejected", "answer": "request.answered"}


def _due_for_step(instance, state_key: str, days):
    """Each step's due follows the statutory clock (the engine's reminders then fire before it)."""
    request = db.session.get(DisclosureRequest, int(instance.subject_id)) if instance.subject_id else None
    if request is None:
        return days
    cal, today = calendar(), today_local()
    if state_key == "review":
        target = correction_deadline(request, cal)
    elif state_key == "consulting" and request.open_pause is not None:
        target = request.open_pause.third_party_due_on
    elif state_key in ("handling", "extension_review") and request.due_on is not None:
        target = request.due_on
    else:
        return None if state_key == "correction" else days
    return cal.working_days_between(today, target) if target > today else 0


def _on_transition(event) -> None:
    request = event.subject
    if request is None:
        return
    if event.transition is not None and db.session.info.get(_OWN_STEP) != event.transition.key:
        # the engine's generic pages would skip the clock's rules (补正 once, 7 days, the extension's days)
        raise Conflict("依申请公开的步骤请在申请办理页面办理", code="use_disclosure_page")
    request.state = event.instance.state
    instance = event.instance
    running = request.state in ("review", "handling", "extension_review") and request.due_on is not None
    deadline = end_of_day_utc(request.due_on) if running else None
    if instance.deadline_at != deadline:
        instance.deadline_at, instance.deadline_notified_at = deadline, None
    if event.step is not None and event.transition is not None:
        kind = STEP_KINDS.get(event.transition.key, "request.step")
        event.step.record_as(REALM, kind, f"依申请公开 {request.tracking_code}：{event.transition.label}",
                             obj=request, data={"due_on": request.due_on.isoformat() if request.due_on else None,
                                                "state": request.state})


def register() -> None:
    from flask import url_for

    workflow.register_subject(DisclosureRequest.__audit_type__, loader=lambda i: db.session.get(DisclosureRequest, int(i)),
                              url=lambda r: url_for("portal.disclosure_case", request_id=r.id),
                              can_view=lambda user, r: can_handle(user, r))
    workflow.register_due_policy(PROCESS, _due_for_step)
    workflow.on_transition(PROCESS)(_on_transition)


def can_handle(user, request) -> bool:
    from eduplatform.portal.disclosure_permissions import can_handle_request

    return can_handle_request(user, request)


# --- one entry for the page and the API --------------------------------------------------------

ACTIONS = {"accept": "受理", "request_correction": "告知补正", "correction_received": "收到补正",
           "abandon": "视为放弃申请", "consult": "征求第三方意见", "consult_done": "第三方意见办结",
           "request_extension": "申请延期", "approve_extension": "同意延期", "reject_extension": "不同意延期",
           "answer": "答复"}
ANSWER_KEYS = ("where", "provision", "withheld", "reasons", "basis", "search_record", "right_office",
               "right_office_unknown", "earlier", "law", "channel", "note")


def perform_action(request, key: str, *, actor, data: dict):
    """Take step ``key`` with the fields it reads (refuses an unknown one)."""
    from eduplatform.core.permissions import require
    from eduplatform.portal.disclosure_permissions import can_approve_extension

    v = data.get("version")
    if key == "accept":
        return accept(request, actor=actor, version=v)
    if key == "request_correction":
        return request_correction(request, actor=actor, notice=data.get("notice"), version=v)
    if key == "correction_received":
        return register_correction(request, actor=actor, text=data.get("text"), received_on=data.get("received_on"),
                                   version=v)
    if key == "abandon":
        return abandon(request, actor=actor, reason=data.get("reason"), version=v)
    if key == "consult":
        return start_consultation(request, actor=actor, third_party=data.get("third_party"), version=v)
    if key == "consult_done":
        return finish_consultation(request, actor=actor, outcome=data.get("outcome"), version=v)
    if key == "request_extension":
        return request_extension(request, actor=actor, days=data.get("days"), reason=data.get("reason"), version=v)
    if key in ("approve_extension", "reject_extension"):
        require(can_approve_extension(actor, request), action=f"disclosure.{key}", obj=request,
                message="延期须经信息公开工作机构负责人审批")
        if key == "approve_extension":
            return approve_extension(request, actor=actor, version=v)
        return reject_extension(request, actor=actor, reason=data.get("reason"), version=v)
    if key == "answer":
        return answer(request, actor=actor, answer_type=data.get("answer_type"),
                      fields={k: data.get(k) for k in ANSWER_KEYS}, version=v)
    raise NotFound("没有这个办理步骤")
