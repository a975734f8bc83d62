"""/api/v1/lti: registering LTI 1.3 tools (外部工具) and rotating the platform's signing keys."""

from __future__ import annotations

from flask_login import current_user, login_required

from eduplatform.accounts.models import Role
from eduplatform.core.api import load_json
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.courses import permissions
from eduplatform.courses.api import bp
from eduplatform.courses.lti import keys, tools
from eduplatform.courses.schemas import LtiToolInSchema, LtiToolOutSchema, LtiToolUpdateSchema


@bp.get("/lti/tools")
@login_required
def lti_tools_list():
    """The tools the caller manages (all for the system administrator, else their unit's).
    ---
    get:
      responses:
        200: {description: "{items: [LtiToolOut]}"}
    """
    require(permissions.can_register_lti_tool(current_user), action="lti.tools")
    rows = db.session.scalars(tools.tools_for(current_user)).all()
    return {"items": LtiToolOutSchema().dump(rows, many=True)}


@bp.post("/lti/tools")
@login_required
def lti_tools_create():
    """Register a tool: client_id, deployment_id, OIDC login URL, launch and redirect URLs, its JWKS URL
    or public key, the deep-linking URL, what it may learn of the user (name, e-mail). Audited.
    ---
    post:
      requestBody: {content: {application/json: {schema: LtiToolInSchema}}}
      responses:
        201: {content: {application/json: {schema: LtiToolOutSchema}}}
        409: {description: client_id already used}
        422: {description: invalid input}
    """
    require(permissions.can_register_lti_tool(current_user), action="lti.tool_register")
    data = load_json(LtiToolInSchema())
    org = None if current_user.has_role(Role.SYSADMIN) else current_user.scope_root
    tool = tools.register_tool(current_user, data, org=org)
    db.session.commit()
    return LtiToolOutSchema().dump(tool), 201


@bp.get("/lti/tools/<int:tool_id>")
@login_required
def lti_tool_get(tool_id: int):
    """One tool.
    ---
    get:
      responses:
        200: {content: {application/json: {schema: LtiToolOutSchema}}}
    """
    tool = tools.get_tool(tool_id)
    require(permissions.can_manage_lti_tool(current_user, tool), action="lti.tool_view", obj=tool)
    return LtiToolOutSchema().dump(tool)


@bp.patch("/lti/tools/<int:tool_id>")
@login_required
def lti_tool_update(tool_id: int):
    """Change a tool (audited; the public key is not copied into the audit entry).
    ---
    patch:
      requestBody: {content: {application/json: {schema: LtiToolUpdateSchema}}}
      responses:
        200: {content: {application/json: {schema: LtiToolOutSchema}}}
    """
    tool = tools.get_tool(tool_id)
    require(permissions.can_manage_lti_tool(current_user, tool), action="lti.tool_update", obj=tool)
    tools.update_tool(current_user, tool, load_json(LtiToolUpdateSchema(), partial=True))
    db.session.commit()
    return LtiToolOutSchema().dump(tool)


@bp.get("/lti/keys")
@login_required
def lti_keys():
    """The platform's published signing keys (kid, created, retired) — the system administrator only.
    ---
    get:
      responses:
        200: {description: "{items: [{kid, created_at, retired_at, current}]}"}
    """
    require(permissions.can_rotate_lti_keys(current_user), action="lti.keys")
    return {"items": [{"kid": k.kid, "created_at": k.created_at.isoformat(),
                       "retired_at": k.retired_at.isoformat() if k.retired_at else None,
                       "current": k.retired_at is None} for k in keys.published_keys()]}


@bp.post("/lti/keys/rotate")
@login_required
def lti_keys_rotate():
    """A new signing key; the old kid stays in /lti/jwks for ``LTI_KEY_GRACE_SECONDS``. Audited.
    ---
    post:
      responses:
        201: {description: "{kid}"}
    """
    require(permissions.can_rotate_lti_keys(current_user), action="lti.key_rotate")
    key = keys.rotate(current_user)
    db.session.commit()
    return {"kid": key.kid}, 201
