"""Registered tools: create and change them (audited), and check the JWTs they sign with their keys."""

from __future__ import annotations

import json
import urllib.request

import jwt
import sqlalchemy as sa
from flask import current_app

from eduplatform.audit.services import diff, record
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses.models import LtiTool

REALM = "courses"

FIELDS = ("name", "client_id", "deployment_id", "login_url", "launch_url", "redirect_urls", "jwks_url",
          "public_key", "deep_link_url", "share_name", "share_email", "enabled")


class ToolTokenRefused(Exception):
    """A JWT the tool sent does not verify (signature, issuer, audience, time, replay)."""


def get_tool(tool_id: int) -> LtiTool:
    tool = db.session.get(LtiTool, tool_id)
    if tool is None:
        raise NotFound("外部工具不存在")
    return tool


def by_client_id(client_id: str | None) -> LtiTool | None:
    if not client_id:
        return None
    return db.session.scalar(sa.select(LtiTool).where(LtiTool.client_id == client_id))


def tools_for(user):
    """The tools a user manages: all for the system administrator, else those of their unit."""
    from eduplatform.accounts.models import Role

    query = sa.select(LtiTool).order_by(LtiTool.id)
    if user.has_role(Role.SYSADMIN):
        return query
    root = user.scope_root
    return query.where(LtiTool.org_id == (root.id if root is not None else -1))


def usable_tools(course) -> list[LtiTool]:
    """Enabled tools a lesson of ``course`` may launch: platform-wide ones and those of units above it."""
    org_ids = list(course.org.path_ids) if course.org is not None else []
    return list(db.session.scalars(sa.select(LtiTool).where(
        LtiTool.enabled.is_(True), sa.or_(LtiTool.org_id.is_(None), LtiTool.org_id.in_(org_ids)))
        .order_by(LtiTool.name)))


def _clean(data: dict) -> dict:
    values = {k: data[k] for k in FIELDS if k in data}
    for key in ("jwks_url", "public_key", "deep_link_url"):
        if key in values:
            values[key] = (values[key] or "").strip() or None
    if "redirect_urls" in values:
        values["redirect_urls"] = "\n".join(line.strip() for line in (values["redirect_urls"] or "").splitlines()
                                            if line.strip())
    if values.get("public_key"):
        try:
            jwt.algorithms.RSAAlgorithm.from_jwk(values["public_key"]) if values["public_key"].lstrip().startswith(
                "{") else _pem(values["public_key"])
        except Exception as exc:
            raise ValidationFailed("工具公钥格式不正确（需 PEM 或 JWK）",
                                   fields={"public_key": ["公钥无法解析"]}) from exc
    return values


def _pem(text: str):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(text.encode())


def _check_keys(tool: LtiTool) -> None:
    if not tool.jwks_url and not tool.public_key:
        raise ValidationFailed("请填写工具的 JWKS 地址或公钥", fields={"jwks_url": ["JWKS 地址与公钥至少填一项"]})
    if not tool.redirect_list:
        tool.redirect_urls = tool.launch_url


def register_tool(actor, data: dict, *, org=None) -> LtiTool:
    values = _clean(data)
    if by_client_id(values.get("client_id")) is not None:
        raise Conflict("该 client_id 已被其他工具使用", code="client_id_taken")
    tool = LtiTool(**values, org_id=org.id if org is not None else None, created_by_id=getattr(actor, "id", None))
    _check_keys(tool)
    db.session.add(tool)
    db.session.flush()
    record(REALM, "lti.tool_registered", f"注册外部工具：{tool.name}", actor=actor, obj=tool,
           data={"client_id": tool.client_id, "deployment_id": tool.deployment_id, "org": tool.org_id})
    return tool


def update_tool(actor, tool: LtiTool, data: dict) -> LtiTool:
    values = _clean(data)
    if "client_id" in values and values["client_id"] != tool.client_id and by_client_id(values["client_id"]):
        raise Conflict("该 client_id 已被其他工具使用", code="client_id_taken")
    changes = diff(tool, values)
    _check_keys(tool)
    if changes:
        record(REALM, "lti.tool_updated", f"修改外部工具：{tool.name}（{'、'.join(changes)}）", actor=actor,
               obj=tool, data={k: v for k, v in changes.items() if k != "public_key"})
    db.session.flush()
    return tool


# --- the tool's keys -----------------------------------------------------------------------------

def _fetch_jwks(url: str) -> list[dict]:
    timeout = float(current_app.config.get("LTI_FETCH_TIMEOUT", 5))
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = json.loads(response.read(1024 * 1024))
    return list(body.get("keys") or [])


def tool_keys(tool: LtiTool, kid: str | None) -> list:
    """The public keys that may have signed a JWT with ``kid``: the JWKS entry with that kid, or the PEM."""
    found = []
    if tool.jwks_url:
        try:
            entries = _fetch_jwks(tool.jwks_url)
        except (OSError, ValueError) as exc:
            raise ToolTokenRefused(f"无法读取工具的 JWKS：{exc}") from exc
        for entry in entries:
            if kid is None or entry.get("kid") == kid:
                found.append(jwt.PyJWK(entry, algorithm="RS256").key)
    if tool.public_key:
        text = tool.public_key.strip()
        found.append(jwt.algorithms.RSAAlgorithm.from_jwk(text) if text.startswith("{") else _pem(text))
    return found


def verify_tool_jwt(tool: LtiTool, token: str, *, audience: str | list[str]) -> dict:
    """The claims of a JWT signed by ``tool`` (RS256, ``iss`` = its client_id, for ``audience``)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise ToolTokenRefused("JWT 格式不正确") from exc
    if header.get("alg") != "RS256":
        raise ToolTokenRefused("只接受 RS256 签名")
    keys = tool_keys(tool, header.get("kid"))
    if not keys:
        raise ToolTokenRefused("找不到与 kid 对应的工具公钥")
    last = None
    for key in keys:
        try:
            return jwt.decode(token, key, algorithms=["RS256"], audience=audience, issuer=tool.client_id,
                              leeway=30, options={"require": ["iss", "aud", "exp", "iat"]})
        except jwt.InvalidSignatureError as exc:
            last = exc
        except jwt.PyJWTError as exc:
            raise ToolTokenRefused(f"JWT 无效：{exc}") from exc
    raise ToolTokenRefused("JWT 签名无效") from last
