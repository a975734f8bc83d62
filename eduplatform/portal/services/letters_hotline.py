"""12345 政务服务便民热线: work orders in over a JSON API, status pushed back to the hotline.

In: the hotline hands over an order (its own order number, content, the citizen's contact, a
deadline); we make a case on channel ``hotline`` — the same order number again finds the same case
(idempotent). Requests are authenticated by a token (``HOTLINE_API_TOKEN``, header
``X-Hotline-Token``) and, when ``HOTLINE_SHARED_SECRET`` is set, an HMAC-SHA256 signature
(``X-Hotline-Timestamp``, ``X-Hotline-Signature: sha256=<hex>`` over ``timestamp\\nMETHOD\\npath\\nbody``,
at most ``HOTLINE_MAX_SKEW`` seconds old).

Out: each change the hotline cares about (received / accepted / replied / closed) is a row in
``hotline_callbacks`` written with the change; after the commit it is POSTed as JSON to
``HOTLINE_CALLBACK_URL`` with the same signature scheme, and retried with growing pauses (inline a
few times, then by ``flask letters-push-callbacks``) until the hotline answers 2xx or
``HOTLINE_MAX_ATTEMPTS`` are used up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import AppError, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.portal.models.letters import HotlineCallback, Letter
from eduplatform.portal.services import letters
from eduplatform.portal.services.disclosure_clock import today_local
from eduplatform.portal.services.letters_outbox import EVENTS, queue  # noqa: F401 - queue is part of this face

#: the hotline's words for the kinds (its own order types) → ours
REALM = "letters"
KIND_WORDS = {"咨询": "consult", "投诉": "complaint", "建议": "suggestion", "求助": "consult", "举报": "complaint"}


class HotlineAuthFailed(AppError):
    status = 401
    code = "unauthorized"


def sign(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = f"{timestamp}\n{method.upper()}\n{path}\n".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_inbound(headers, method: str, path: str, body: bytes, now: float | None = None) -> None:
    """Refuse (401, audited) a request without the configured token or with a bad / stale signature."""
    token, secret = current_app.config.get("HOTLINE_API_TOKEN"), current_app.config.get("HOTLINE_SHARED_SECRET")
    if not token and not secret:
        raise HotlineAuthFailed("12345 接口未启用（未配置令牌或签名密钥）", code="not_configured")
    problem = None
    if token and not hmac.compare_digest(str(headers.get("X-Hotline-Token") or ""), str(token)):
        problem = "接口令牌不正确"
    elif secret:
        stamp = str(headers.get("X-Hotline-Timestamp") or "")
        skew = int(current_app.config.get("HOTLINE_MAX_SKEW", 300))
        if not stamp.isdigit() or abs((now or time.time()) - int(stamp)) > skew:
            problem = "签名时间戳缺失或已过期"
        elif not hmac.compare_digest(str(headers.get("X-Hotline-Signature") or ""),
                                     sign(secret, stamp, method, path, body)):
            problem = "签名不正确"
    if problem:
        record(REALM, "hotline.refused", f"拒绝12345接口请求：{problem}", data={"path": path})
        db.session.commit()  # the refusal stays on record whatever happens next
        raise HotlineAuthFailed(problem, code="bad_signature" if "签名" in problem else "bad_token")



def hotline_bureau() -> OrgUnit | None:
    """The bureau taking 12345 orders: ``HOTLINE_ORG_CODE``, else the city bureau."""
    code = current_app.config.get("HOTLINE_ORG_CODE")
    query = sa.select(OrgUnit).where(OrgUnit.code == code) if code else \
        sa.select(OrgUnit).where(OrgUnit.type == OrgType.CITY_BUREAU).order_by(OrgUnit.id)
    return db.session.scalars(query).first()


def find_order(order_no: str) -> Letter | None:
    return db.session.scalar(sa.select(Letter).where(Letter.hotline_order_no == order_no))


def receive_order(data: dict) -> tuple[Letter, bool]:
    """The order as a case (``created`` False: it was handed over before — the same case)."""
    order_no = data["order_no"].strip()
    existing = find_order(order_no)
    if existing is not None:
        return existing, False
    kind = KIND_WORDS.get(data.get("kind") or "", data.get("kind") or "consult")
    deadline: date = data["deadline"]
    if deadline < today_local():
        raise ValidationFailed("办结时限不能早于今天", code="past_deadline", fields={"deadline": ["不能早于今天"]})
    citizen = data.get("citizen") or {}
    org = hotline_bureau()
    if org is None:
        raise ValidationFailed("没有承接12345工单的教育局", code="no_org")
    savepoint = db.session.begin_nested()
    try:
        letter, _secret = letters.receive(
            {"kind": kind, "name": citizen.get("name") or "12345来电人", "phone": citizen.get("phone") or "",
             "email": citizen.get("email") or "", "title": data.get("title") or data["content"][:40],
             "content": data["content"]}, org=org, channel="hotline", due_on=deadline, hotline_order_no=order_no)
        savepoint.commit()
    except sa.exc.IntegrityError:  # the same order number arrived twice at once: the other one won
        savepoint.rollback()
        return find_order(order_no), False
    return letter, True


def status_of(letter: Letter) -> dict:
    answered = letter.answered
    return {"order_no": letter.hotline_order_no, "tracking_code": letter.tracking_code, "status": _status_key(letter),
            "status_label": EVENTS[_status_key(letter)], "state_label": letter.state_label,
            "department": letter.department.name if letter.department else None,
            "deadline": letter.due_on.isoformat(),
            "reply": answered.reply if answered else None,
            "replied_on": answered.replied_on.isoformat() if answered else None,
            "closed_on": (letter.merged_into or letter).closed_on.isoformat()
            if (letter.merged_into or letter).closed_on else None}


def _status_key(letter: Letter) -> str:
    case = letter.merged_into or letter
    if case.state == "closed":
        return "closed"
    if case.replied_on:
        return "replied"
    if case.state == "handling" or letter.state == "merged":
        return "accepted"
    return "received"


# --- out ---------------------------------------------------------------------------------------

def _post(url: str, body: bytes) -> int:
    secret = current_app.config.get("HOTLINE_SHARED_SECRET") or ""
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Hotline-Timestamp": stamp,
               "X-Hotline-Signature": sign(secret, stamp, "POST", urlsplit(url).path or "/", body)}
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    timeout = float(current_app.config.get("HOTLINE_CALLBACK_TIMEOUT", 5))
    with urllib.request.urlopen(req, timeout=timeout) as response:
        return response.status


def deliver_pending(*, inline_tries: int | None = None) -> int:
    """Send the due pushes (oldest first, each order's in sequence); commits. Returns how many went."""
    url = current_app.config.get("HOTLINE_CALLBACK_URL")
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return 0
    tries = inline_tries if inline_tries is not None else int(current_app.config.get("HOTLINE_INLINE_TRIES", 3))
    pause = float(current_app.config.get("HOTLINE_RETRY_PAUSE", 0.5))
    max_attempts = int(current_app.config.get("HOTLINE_MAX_ATTEMPTS", 8))
    waiting = db.session.scalars(sa.select(HotlineCallback).where(
        HotlineCallback.delivered_at.is_(None), HotlineCallback.failed.is_(False)).order_by(HotlineCallback.id)).all()
    sent, stuck, now = 0, set(), utcnow()
    for callback in waiting:
        if callback.letter_id in stuck or callback.next_attempt_at > now:
            stuck.add(callback.letter_id)  # a later push must not overtake an earlier one
            continue
        body = json.dumps(callback.payload, ensure_ascii=False).encode()
        for attempt in range(max(1, tries)):
            callback.attempts += 1
            try:
                status = _post(url, body)
                if 200 <= status < 300:
                    callback.delivered_at, callback.last_error = utcnow(), ""
                    break
                callback.last_error = f"HTTP {status}"
            except urllib.error.HTTPError as exc:
                callback.last_error = f"HTTP {exc.code}"
            except (OSError, ValueError) as exc:
                callback.last_error = str(exc)[:255]
            if callback.attempts >= max_attempts:
                break
            if attempt + 1 < tries:
                time.sleep(pause * (attempt + 1))
        if callback.delivered_at is not None:
            sent += 1
            record(REALM, "hotline.pushed", f"已向12345推送 {callback.payload.get('order_no')}："
                   f"{EVENTS[callback.event]}", obj=callback.letter, data={"event": callback.event,
                                                                       "attempts": callback.attempts})
        else:
            stuck.add(callback.letter_id)
            if callback.attempts >= max_attempts:
                callback.failed = True
                record(REALM, "hotline.push_failed", f"向12345推送失败（已放弃）{callback.payload.get('order_no')}："
                       f"{callback.last_error}", obj=callback.letter, data={"event": callback.event})
            else:  # 1, 2, 4 … minutes, at most an hour
                callback.next_attempt_at = utcnow() + timedelta(minutes=min(60, 2 ** max(0, callback.attempts - tries)))
        db.session.commit()
    return sent
