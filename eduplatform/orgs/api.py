"""REST API for the org tree."""

from flask_login import current_user, login_required

from eduplatform.core.api import load_json, make_api_blueprint
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.orgs import permissions, services
from eduplatform.orgs.schemas import OrgCreateSchema, OrgUnitSchema

bp = make_api_blueprint("orgs_api", __name__)


def _node_payload(node) -> dict:
    body = OrgUnitSchema().dump(node.unit)
    body["children"] = [_node_payload(child) for child in node.children]
    return body


@bp.get("/orgs")
@login_required
def org_tree():
    """The org tree with codes, as far as the caller may see (each node has `children`).
    ---
    get:
      responses:
        200:
          description: "{items: [OrgUnit with children]}"
    """
    require(permissions.can_view_org_tree(current_user), action="org.tree")
    return {"items": [_node_payload(root) for root in services.visible_tree(current_user)]}


@bp.post("/orgs")
@login_required
def create_org():
    """Create an org unit under a parent (system administrator).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: OrgCreateSchema
      responses:
        201:
          content:
            application/json:
              schema: OrgUnitSchema
    """
    data = load_json(OrgCreateSchema())
    parent = services.find_org(data["parent"])
    if data["parent"] and parent is None:
        raise ValidationFailed(f"上级单位 {data['parent']} 不存在", fields={"parent": ["上级单位不存在"]})
    require(permissions.can_create_org(current_user, parent), action="org.create")
    org = services.create_org_unit(current_user, code=data["code"], name=data["name"], type=data["type"],
                                   parent=parent, stages=data["stages"])
    db.session.commit()
    return OrgUnitSchema().dump(org), 201
