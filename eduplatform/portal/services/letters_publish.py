"""领导信箱: what the public may see — the masked exchange in 互动交流, and the writer's own rating.

Only a case whose writer consented is published, and only once it is answered; what goes out is a
masked copy made at that moment (name → 王**, mobile and other phone numbers, 身份证 numbers and
e-mail addresses in the text too). The case's own text stays as written.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.portal.models.letters import RATINGS, Letter
from eduplatform.portal.services.letters import _entry

REALM = "letters"

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[-－ ]?(\d{3,4})(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_name(name: str) -> str:
    """王晓明 → 王**; a name of one character keeps it and adds the stars (the length is not told)."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else "匿名"


def mask_text(text: str, *, names: tuple[str, ...] = ()) -> str:
    """The personal details in ``text``: 身份证 330102********1234, mobile 139****1111, landline
    0571-****8888, e-mail w***@example.cn, and the writer's own name."""
    text = _ID.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:] if len(m.group(3)) == 4 else m.group(0),
                   text or "")
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", text)
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
    return text


def publish(letter: Letter, *, actor, title: str | None = None) -> None:
    """Put the answered exchange in 互动交流 (masked); refused without the writer's consent."""
    if not letter.consent_publish:
        raise Conflict("来信人未同意公开，不能发布", code="no_consent")
    answered = letter.answered
    if answered is None or letter.state == "merged":
        raise Conflict("只有已答复的信件（主办件）可以公开", code="not_answered")
    if letter.published_at is not None:
        raise Conflict("该信件已公开", code="already_published")
    names = (letter.name,)
    letter.public_title = mask_text((title or letter.title).strip()[:120], names=names)
    letter.public_content = mask_text(letter.content, names=names)
    letter.public_reply = mask_text(answered.reply, names=names)
    letter.public_name = mask_name(letter.name)
    letter.published_at, letter.published_by_id = utcnow(), actor.id
    _entry(letter, "published", "来信及答复已在“互动交流”栏目公开（个人信息已隐去）", actor=actor)
    record(REALM, "letter.published", f"公开信件 {letter.tracking_code}", actor=actor, obj=letter)
    db.session.flush()


def unpublish(letter: Letter, *, actor, reason: str) -> None:
    reason = (reason or "").strip()
    if letter.published_at is None:
        raise Conflict("该信件未公开", code="not_published")
    if not reason:
        raise ValidationFailed("请填写撤下的理由", code="reason_required", fields={"reason": ["请填写理由"]})
    letter.published_at = None
    letter.public_title = letter.public_content = letter.public_reply = letter.public_name = ""
    _entry(letter, "unpublished", "公开的信件已撤下", actor=actor)
    record(REALM, "letter.unpublished", f"撤下公开信件 {letter.tracking_code}", actor=actor, obj=letter,
           data={"reason": reason})
    db.session.flush()


def withdraw_consent(letter: Letter) -> None:
    """The writer takes the consent back on the tracking page: a published exchange comes down."""
    if not letter.consent_publish:
        raise Conflict("您未同意公开本信件", code="no_consent")
    letter.consent_publish = False
    if letter.published_at is not None:
        letter.published_at = None
        letter.public_title = letter.public_content = letter.public_reply = letter.public_name = ""
    _entry(letter, "consent_withdrawn", "来信人撤回了公开同意，信件不再公开")
    record(REALM, "letter.consent_withdrawn", f"来信人撤回公开同意 {letter.tracking_code}", obj=letter)
    db.session.flush()


def rate(letter: Letter, *, rating: str, comment: str = "") -> None:
    """满意 / 基本满意 / 不满意, by the writer on the tracking page, once the case is answered; once."""
    if rating not in RATINGS:
        raise ValidationFailed("请选择满意度", code="no_rating", fields={"rating": ["请选择满意度"]})
    if letter.answered is None:
        raise Conflict("信件答复后才能评价", code="not_answered")
    if letter.rating is not None:
        raise Conflict("您已评价过本信件", code="already_rated")
    letter.rating, letter.rating_comment, letter.rated_at = rating, (comment or "").strip()[:500], utcnow()
    _entry(letter, "rated", f"来信人评价：{RATINGS[rating]}")
    record(REALM, "letter.rated", f"来信人评价信件 {letter.tracking_code}：{RATINGS[rating]}", obj=letter,
           data={"rating": rating})
    db.session.flush()


def public_query():
    return sa.select(Letter).where(Letter.published_at.is_not(None)).order_by(Letter.published_at.desc(),
                                                                              Letter.id.desc())


def published(letter_id: int) -> Letter | None:
    letter = db.session.get(Letter, letter_id)
    return letter if letter is not None and letter.published_at is not None else None


