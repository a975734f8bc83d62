"""统一身份认证: log in through the provincial identity service (OpenID Connect), beside local accounts.

The platform is an OpenID Connect relying party (Authlib's Flask client): it reads the issuer's
``/.well-known/openid-configuration``, sends the browser to the provider with the authorization
code flow (PKCE S256, ``state`` and ``nonce`` kept in the session), exchanges the code and verifies
the id_token against the provider's JWKS (a token signed with a key id the cached set lacks makes
it fetch the set again: key rotation). Nothing here is a key store of the platform: the keys are
the provider's, cached in the client's metadata.

The verified claims name a person, never an account to create: the configured claims carrying the
工号, the 学籍号 or the 身份证号 are looked up in the records that hold them (the schools domain
registers finders for the rosters; the ID number is compared as an HMAC under ``SSO_ID_HASH_KEY``
with ``user_id_number_hashes``). Exactly one existing account must answer; the three administrators
(三员) are never reached this way; a disabled or locked account stays refused; the per-address
throttle applies as at the password form. Every login, refusal and logout is audited.

Logout propagates both ways: the platform's logout sends the browser to the provider's
``end_session_endpoint`` with ``id_token_hint`` (RP-initiated), and the provider's back-channel
``logout_token`` ends the matching server-side login sessions (``LoginSession.ended_at``, which the
session loader checks on every request).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from authlib.common.security import generate_token
from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Flask, current_app, session, url_for
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from eduplatform.accounts import authentication, lockout
from eduplatform.accounts.models import SOLE_ROLES, IdNumberHash, LoginSession, SsoLogin, User
from eduplatform.core.db import utcnow
from eduplatform.core.errors import AppError
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit

_EXTENSION = "edu_sso"
_CLIENT = "provincial"
#: Where the login page asked to go after the provider's round trip.
_NEXT_KEY = "_sso_next"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: How old (seconds) a logout_token's ``iat`` may be, and how far ahead of our clock.
_LOGOUT_TOKEN_MAX_AGE = 300
_JWKS_REFETCH_SECONDS = 60


class SsoRefused(AppError):
    """The identity service's answer does not log anybody in here (said in Chinese to the user)."""

    status = 403
    code = "sso_refused"


@dataclass(frozen=True)
class ClaimKind:
    """A kind of identifier a claim may carry, and the setting naming that claim."""

    key: str
    label: str
    setting: str


CLAIM_KINDS = (
    ClaimKind("staff_no", "工号", "SSO_CLAIM_STAFF_NO"),
    ClaimKind("registry_no", "学籍号", "SSO_CLAIM_REGISTRY_NO"),
    ClaimKind("id_number", "身份证号", "SSO_CLAIM_ID_NUMBER"),
)

#: kind → finders ``(value, claims) -> user ids``; the schools domain registers the roster ones.
_finders: dict[str, list[Callable[[str, dict], list[int]]]] = {}
#: Sources of (user id, ID number) pairs for ``flask accounts sso-hash-ids`` (the rosters).
_id_number_sources: list[Callable[[], list[tuple[int, str]]]] = []


def register_account_finder(kind: str, finder: Callable[[str, dict], list[int]]) -> None:
    """Let a domain answer which accounts an identifier of ``kind`` (staff_no, registry_no) names."""
    finders = _finders.setdefault(kind, [])
    if finder not in finders:
        finders.append(finder)


def register_id_number_source(source: Callable[[], list[tuple[int, str]]]) -> None:
    """Let a domain offer the ID numbers it holds for accounts, for their hashes (``sso-hash-ids``)."""
    if source not in _id_number_sources:
        _id_number_sources.append(source)


# --- the client ------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    """Register the provider with Authlib when ``SSO_ISSUER`` is set (one OAuth registry per app)."""
    register_account_finder("id_number", _accounts_by_id_number)
    app.add_template_global(enabled, "sso_enabled")
    issuer = app.config.get("SSO_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        _CLIENT,
        client_id=app.config["SSO_CLIENT_ID"],
        client_secret=app.config.get("SSO_CLIENT_SECRET"),
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["SSO_SCOPE"], "code_challenge_method": "S256",
                       "token_endpoint_auth_method": app.config["SSO_TOKEN_AUTH_METHOD"],
                       "default_timeout": app.config["SSO_TIMEOUT_SECONDS"]},
    )
    app.extensions[_EXTENSION] = oauth
    # The logout form's redirect goes on to the provider's end_session endpoint (CSP form-action).
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(app.config.get("SSO_END_SESSION_ORIGIN") or issuer))
    app.config["CSP_FORM_ACTION_ORIGINS"] = [*(app.config.get("CSP_FORM_ACTION_ORIGINS") or ()), origin]


def enabled() -> bool:
    return _EXTENSION in current_app.extensions


def _client():
    return current_app.extensions[_EXTENSION].create_client(_CLIENT)


def begin_login(next_target: str | None):
    """The redirect to the provider's authorization endpoint (state, nonce, PKCE kept in the session)."""
    session[_NEXT_KEY] = next_target
    try:
        return _client().authorize_redirect(url_for("accounts.sso_callback", _external=True))
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as exc:
        audit("security", "sso.unavailable", f"统一身份认证服务无法访问：{type(exc).__name__}",
              data={"error": str(exc)[:300]})
        raise SsoRefused("统一身份认证服务暂时无法访问，请稍后再试或使用本平台账户登录", code="sso_unavailable",
                         status=503) from exc


def complete_login() -> tuple[User, str | None]:
    """On the provider's redirect back: exchange the code, verify the id_token, find the account,
    check it, and start a login session. Raise SsoRefused (audited) when any of that fails."""
    next_target = session.pop(_NEXT_KEY, None)
    client = _client()
    try:
        token = client.authorize_access_token()
    except OAuthError as exc:
        _reject("provider_error", f"统一身份认证未完成：{exc.error}", {"error": exc.error})
    except JoseError as exc:
        _reject("invalid_id_token", f"身份令牌校验失败：{exc.error}", {"error": exc.error,
                                                              "description": str(exc.description)[:300]})
    except (requests.RequestException, ValueError, KeyError) as exc:
        _reject("unavailable", f"与统一身份认证服务通信失败：{type(exc).__name__}", {"error": str(exc)[:300]})
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        _reject("invalid_id_token", "身份令牌缺少用户标识（sub）", {})
    issuer = client.load_server_metadata()["issuer"]
    user = account_for_claims(claims, issuer)
    login = authentication.start_session(user, via="sso")
    db.session.add(SsoLogin(login_session_id=login.id, issuer=issuer, subject=str(claims["sub"]),
                            sid=claims.get("sid"), id_token=token["id_token"]))
    db.session.flush()
    return user, next_target


def _reject(reason: str, detail: str, data: dict):
    audit("security", "sso.rejected", f"统一身份认证登录被拒绝：{detail}", data={"reason": reason, **data})
    raise SsoRefused("统一身份认证未能确认您的身份，请重新登录；如多次失败，请联系管理员")


# --- claims to an account --------------------------------------------------------------------

def id_number_digest(id_number: str) -> str:
    """HMAC-SHA256 of a normalised 居民身份证号 under ``SSO_ID_HASH_KEY`` (the number is not kept)."""
    key = current_app.config.get("SSO_ID_HASH_KEY")
    if not key:
        raise RuntimeError("未配置 SSO_ID_HASH_KEY，无法比对身份证号")
    value = id_number.strip().upper()
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def _accounts_by_id_number(value: str, claims: dict) -> list[int]:
    return list(db.session.scalars(sa.select(IdNumberHash.user_id).where(
        IdNumberHash.digest == id_number_digest(value))))


def set_id_number(actor: User | None, user: User, id_number: str | None) -> None:
    """Keep (the HMAC of) the user's ID number for matching the identity service's claim; audited."""
    row = db.session.get(IdNumberHash, user.id)
    if id_number:
        if row is None:
            row = IdNumberHash(user_id=user.id)
            db.session.add(row)
        row.digest = id_number_digest(id_number)
    elif row is not None:
        db.session.delete(row)
    audit("accounts", "user.id_number_set",
          f"{'设置' if id_number else '清除'}了 {user.username} 的身份证号比对值（仅存散列）",
          actor=actor, obj=user)
    db.session.flush()


def fill_id_number_hashes(actor: User | None = None) -> int:
    """Store the ID-number hash from every registered source for accounts that lack one → how many."""
    count = 0
    have = set(db.session.scalars(sa.select(IdNumberHash.user_id)))
    for source in _id_number_sources:
        for user_id, id_number in source():
            if id_number and user_id not in have:
                db.session.add(IdNumberHash(user_id=user_id, digest=id_number_digest(id_number)))
                have.add(user_id)
                count += 1
    if count:
        audit("accounts", "user.id_numbers_hashed", f"为 {count} 个账户生成了身份证号比对值（仅存散列）",
              actor=actor, data={"count": count})
    db.session.flush()
    return count


def configured_claims() -> list[tuple[ClaimKind, str]]:
    config = current_app.config
    return [(kind, config[kind.setting]) for kind in CLAIM_KINDS if config.get(kind.setting)]


def account_for_claims(claims: dict, issuer: str) -> User:
    """The one existing account the verified claims name, allowed to log in; else SsoRefused."""
    subject = str(claims.get("sub"))
    found: dict[int, list[str]] = {}
    present = []
    for kind, claim in configured_claims():
        value = claims.get(claim)
        if not isinstance(value, str) or not value.strip():
            continue
        present.append(kind.key)
        for finder in _finders.get(kind.key, []):
            for user_id in finder(value.strip(), claims):
                found.setdefault(user_id, []).append(kind.key)
    # Identifiers are not written into the log: a G 学籍号 is an ID number.
    data = {"issuer": issuer, "subject": subject, "claims": present}
    if not found:
        audit("security", "sso.refused", f"统一身份认证登录被拒绝：未找到对应的本平台账户（{_kinds(present)}）",
              data={**data, "reason": "no_account"}, actor_name=subject[:64])
        raise SsoRefused("未找到与您的统一身份认证账号对应的本平台账户（不会自动创建账户），"
                         "请联系学校或教育局的管理员核对工号、学籍号或身份证号")
    if len(found) > 1:
        audit("security", "sso.refused", "统一身份认证登录被拒绝：对应到多个本平台账户",
              data={**data, "reason": "ambiguous", "user_ids": sorted(found)}, actor_name=subject[:64])
        raise SsoRefused("您的统一身份认证账号对应到多个本平台账户，无法确定登录哪一个，请联系管理员处理")
    (user_id, kinds), = found.items()
    user = db.session.get(User, user_id)
    data["matched"] = kinds
    if user.roles & SOLE_ROLES:
        audit("security", "sso.refused", f"统一身份认证登录被拒绝：{user.username} 为三员账户，只能本地登录",
              actor=user, obj=user, data={**data, "reason": "administrator"})
        raise SsoRefused("系统管理员、安全管理员和审计管理员（三员）账户不能通过统一身份认证登录，"
                         "请使用本平台账户和密码登录")
    if not user.is_active_account:
        audit("security", "sso.refused", f"统一身份认证登录被拒绝：账户 {user.username} 已停用",
              actor=user, obj=user, data={**data, "reason": "disabled"})
        raise SsoRefused("该账户已停用，请联系管理员")
    now = utcnow()
    ip = lockout.request_address()
    if user.is_locked(now) or lockout.address_lock(ip, now) is not None:
        reason = "locked" if user.is_locked(now) else "throttled"
        audit("security", "sso.refused",
              f"统一身份认证登录被拒绝：{'账户 ' + user.username + ' 已锁定' if reason == 'locked' else '来源地址 ' + ip + ' 暂被限制'}",
              actor=user, obj=user, data={**data, "reason": reason, "ip": ip})
        raise SsoRefused("登录失败次数过多，账户或来源地址已被暂时锁定，请稍后再试或联系安全管理员")
    return user


def _kinds(keys: list[str]) -> str:
    labels = {kind.key: kind.label for kind in CLAIM_KINDS}
    return "、".join(labels[k] for k in keys) or "令牌中没有已配置的工号、学籍号或身份证号"


# --- logout ----------------------------------------------------------------------------------

def current_sso_login() -> SsoLogin | None:
    """The SSO side of this browser's login session, if it was made through the identity service."""
    login_id = session.get(authentication.LOGIN_SESSION_KEY)
    return db.session.get(SsoLogin, login_id) if login_id and enabled() else None


def logout_redirect(sso_login: SsoLogin):
    """After the local logout: send the browser to the provider's end_session_endpoint (RP-initiated
    logout) with the id_token as hint; None when the provider has no such endpoint."""
    client = _client()
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError):
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    return client.logout_redirect(post_logout_redirect_uri=url_for("accounts.sso_logged_out", _external=True),
                                  id_token_hint=sso_login.id_token, state=generate_token(20),
                                  client_id=client.client_id)


def check_logout_return() -> bool:
    """The provider sent the browser back after logout with the state we gave it."""
    try:
        _client().validate_logout_response()
    except OAuthError:
        return False
    return True


def _verify_logout_token(logout_token: str) -> dict:
    client = _client()
    metadata = client.load_server_metadata()
    registry = JWSRegistry(algorithms=metadata.get("id_token_signing_alg_values_supported") or ["RS256"])
    try:
        decoded = jwt.decode(logout_token, KeySet.import_key_set(client.fetch_jwk_set()), registry=registry)
    except InvalidKeyIdError:
        # Anyone may POST here: an unknown kid fetches the provider's keys again at most once a minute.
        if time.time() - metadata.get("_jwks_refetched_at", 0) < _JWKS_REFETCH_SECONDS:
            raise
        metadata["_jwks_refetched_at"] = time.time()
        decoded = jwt.decode(logout_token, KeySet.import_key_set(client.fetch_jwk_set(force=True)),
                             registry=registry)
    claims = decoded.claims
    now = time.time()
    aud = claims.get("aud")
    problems = []
    if claims.get("iss") != metadata["issuer"]:
        problems.append("iss")
    if client.client_id not in ([aud] if isinstance(aud, str) else (aud or [])):
        problems.append("aud")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or not now - _LOGOUT_TOKEN_MAX_AGE <= iat <= now + 60:
        problems.append("iat")
    if isinstance(claims.get("exp"), int | float) and claims["exp"] < now - 60:
        problems.append("exp")
    if not isinstance(claims.get("events"), dict) or BACKCHANNEL_EVENT not in claims["events"]:
        problems.append("events")
    if "nonce" in claims:
        problems.append("nonce")
    if not claims.get("sub") and not claims.get("sid"):
        problems.append("sub/sid")
    if problems:
        raise ValueError("logout_token 的声明无效：" + "、".join(problems))
    return claims


def backchannel_logout(logout_token: str) -> int:
    """End the login sessions a provider's back-channel logout_token names → how many ended.
    Raise SsoRefused (audited) for a token that is not the provider's or not a logout token."""
    try:
        claims = _verify_logout_token(logout_token)
    except (JoseError, ValueError, KeyError, requests.RequestException) as exc:
        detail = getattr(exc, "error", None) or str(exc)
        audit("security", "sso.logout_rejected", f"拒绝无效的统一身份认证注销通知：{detail[:200]}",
              data={"error": detail[:300]})
        raise SsoRefused("注销通知无效", code="invalid_logout_token", status=400) from exc
    issuer = claims["iss"]
    query = sa.select(SsoLogin).join(LoginSession).where(SsoLogin.issuer == issuer, LoginSession.ended_at.is_(None))
    if claims.get("sid"):
        query = query.where(SsoLogin.sid == claims["sid"])
    if claims.get("sub"):
        query = query.where(SsoLogin.subject == str(claims["sub"]))
    rows = db.session.scalars(query).all()
    now = utcnow()
    for row in rows:
        row.login.ended_at = now
        user = db.session.get(User, row.login.user_id)
        audit("security", "sso.backchannel_logout",
              f"统一身份认证平台通知 {user.username} 已退出，结束其在本平台的会话", actor=user, obj=user,
              data={"issuer": issuer, "sid": claims.get("sid"), "login_session": row.login_session_id})
    if not rows:
        audit("security", "sso.backchannel_logout", "统一身份认证平台的注销通知没有对应的在线会话",
              data={"issuer": issuer, "sid": claims.get("sid"), "subject": claims.get("sub")})
    db.session.flush()
    return len(rows)
