"""/api/v1/indicators: informatization indicators of a city, district or school, with drill-down."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.core.errors import NotFound
from eduplatform.core.permissions import org_scope, require
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import find_org
from eduplatform.schools import indicators, permissions
from eduplatform.schools.api import bp


@bp.get("/indicators")
@login_required
def get_indicators():
    """Indicators of the org `org` (city, district or school code; default: the caller's own) and of
    each unit one level down, for drill-down.
    ---
    get:
      parameters:
        - {name: org, in: query, schema: {type: string}}
      responses:
        200:
          description: "{org, total: {figures, indicators}, rows: [...], definitions, figure_labels}"
    """
    code = request.args.get("org")
    if code:
        org = find_org(code)
        if org is None or org.type == OrgType.DEPARTMENT:
            raise NotFound("单位不存在")
    else:
        org = org_scope(current_user)
        if org is None:
            raise NotFound("没有可查看的单位")
    require(permissions.can_view_indicators(current_user, org), action="indicators.view", obj=org)
    return indicators.indicator_report(org).as_dict()
