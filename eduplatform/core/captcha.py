"""A captcha made here (no outside service): a small sum drawn as a PNG with noise.

A challenge is a row (``captcha_challenges``): a random token in the form, the answer kept on the
server, ten minutes to live, used once. ``verify`` burns the challenge whether the answer is right
or not and commits that at once (like ``core.permissions.require``), so one picture cannot be tried
twice even when the rest of the request is refused and rolled back. Shared by the public forms
(依申请公开 now, 咨询投诉 later).
"""

from __future__ import annotations

import io
import os
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core.db import utcnow
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db

LIFETIME = timedelta(minutes=10)
_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


class CaptchaChallenge(db.Model):
    __tablename__ = "captcha_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    question: Mapped[str] = mapped_column(sa.String(32))
    answer: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


def enabled() -> bool:
    return bool(current_app.config.get("CAPTCHA_ENABLED", True))


def new_challenge() -> CaptchaChallenge:
    """A fresh sum (flushed; the page showing it commits)."""
    rng = secrets.SystemRandom()
    a, b = rng.randint(2, 19), rng.randint(1, 9)
    if rng.random() < 0.5 and a > b:
        question, answer = f"{a} - {b} = ?", a - b
    else:
        question, answer = f"{a} + {b} = ?", a + b
    now = utcnow()
    # expired challenges are dropped as new ones are made
    db.session.execute(sa.delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now - LIFETIME))
    challenge = CaptchaChallenge(token=secrets.token_urlsafe(24), question=question, answer=str(answer),
                                 created_at=now, expires_at=now + LIFETIME)
    db.session.add(challenge)
    db.session.flush()
    return challenge


def image_png(token: str) -> bytes | None:
    """The picture of a live challenge, or None (unknown, used or expired)."""
    challenge = db.session.scalar(sa.select(CaptchaChallenge).where(CaptchaChallenge.token == token))
    if challenge is None or challenge.used_at is not None or challenge.expires_at < utcnow():
        return None
    return render(challenge.question)


def render(text: str, *, width: int = 150, height: int = 48) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    rng = secrets.SystemRandom()
    image = Image.new("RGB", (width, height), (245, 247, 250))
    draw = ImageDraw.Draw(image)
    path = next((p for p in _FONTS if os.path.isfile(p)), None)
    font = ImageFont.truetype(path, 24) if path else ImageFont.load_default()
    for _ in range(6):
        draw.line([(rng.randint(0, width), rng.randint(0, height)) for _ in range(2)],
                  fill=(rng.randint(120, 200),) * 3, width=1)
    x = 8
    for ch in text:
        draw.text((x, rng.randint(6, 14)), ch, font=font, fill=(rng.randint(0, 80), rng.randint(0, 80), 120))
        x += 14 if ch != " " else 6
    for _ in range(120):
        draw.point((rng.randint(0, width - 1), rng.randint(0, height - 1)), fill=(90, 90, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def verify(token: str | None, answer: str | None) -> None:
    """Refuse (422, Chinese) unless ``answer`` solves the live challenge ``token``. The challenge is
    used up either way; that is committed at once (call before any other write)."""
    if not enabled():
        return
    token, answer = (token or "").strip()[:64], (answer or "").strip()
    challenge = None
    if token:
        now = utcnow()
        won = db.session.execute(sa.update(CaptchaChallenge).where(
            CaptchaChallenge.token == token, CaptchaChallenge.used_at.is_(None),
            CaptchaChallenge.expires_at >= now).values(used_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        if won:
            challenge = db.session.scalar(sa.select(CaptchaChallenge).where(CaptchaChallenge.token == token))
        db.session.commit()
    if challenge is None:
        raise ValidationFailed("验证码已失效，请换一张再填", code="captcha_expired", fields={"captcha": ["验证码已失效"]})
    if answer != challenge.answer:
        raise ValidationFailed("验证码不正确，请换一张再填", code="captcha_wrong", fields={"captcha": ["验证码不正确"]})
