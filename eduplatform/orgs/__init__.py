"""The organisation tree: city bureau → district bureaus → schools, with bureau departments (科室)."""

from flask import Blueprint

from eduplatform.core.templating import NavItem

bp = Blueprint("orgs", __name__)


def _can_view_tree(user):
    from eduplatform.orgs.permissions import can_view_org_tree

    return can_view_org_tree(user)


NAV = [NavItem("教育信息网络", "组织机构", "orgs.org_tree", _can_view_tree)]


def init_app(app):
    from eduplatform.core.search.registry import register_searchable
    from eduplatform.orgs.models import OrgUnit
    from eduplatform.orgs.search import org_document

    register_searchable("org", OrgUnit, org_document)
