"""The public portal (政务公开, G2C / G2B): the bureau facing the public.

Public pages need no login (``views/site.py``): the home with its blocks, column lists, articles
with their 索引号 table, the 政务公开 catalogue, the site search and a 适老化 / 无障碍 mode. Behind
them (``views/content_admin.py``), the bureau's staff keep the columns (``columns.yaml``, synced
into ``portal_columns``) and the articles (``services/content.py``), reviewed on the process
engine (``processes/portal_article.yaml``: 起草 → 审核 → 发布). 依申请公开 (《政府信息公开条例》
2019) lives beside them in the ``disclosure*`` modules.
"""

from flask import Blueprint

from eduplatform.core.templating import NavItem

bp = Blueprint("portal", __name__, url_prefix="/portal")


def _portal_staff(user) -> bool:
    from eduplatform.portal.permissions import is_portal_staff

    return is_portal_staff(user)


NAV = [NavItem("教育电子政务", "门户信息发布", "portal.manage_index", _portal_staff)]

#: The public header's links: (label, endpoint, endpoint arguments). One list, so that other parts
#: of the portal (依申请公开, 互动交流) add theirs with ``add_public_link``.
PUBLIC_LINKS: list[tuple[str, str, dict]] = [
    ("首页", "portal.home", {}),
    ("新闻动态", "portal.column_page", {"key": "news"}),
    ("通知公告", "portal.column_page", {"key": "notices"}),
    ("政策法规", "portal.column_page", {"key": "policies"}),
    ("政务公开", "portal.catalogue", {}),
    ("办事服务", "portal.column_page", {"key": "services"}),
    ("互动交流", "portal.column_page", {"key": "interaction"}),
    ("采购招标", "portal.column_page", {"key": "procurement"}),
]


def add_public_link(label: str, endpoint: str, *, before: str | None = None, **values) -> None:
    """Add a link to the public header (e.g. 依申请公开), before the one labelled ``before``."""
    if any(label == existing for existing, _, _ in PUBLIC_LINKS):
        return
    link = (label, endpoint, values)
    labels = [existing for existing, _, _ in PUBLIC_LINKS]
    PUBLIC_LINKS.insert(labels.index(before) if before in labels else len(PUBLIC_LINKS), link)


def _disclosure_staff(user) -> bool:
    from eduplatform.portal.disclosure_permissions import can_handle_disclosure

    return can_handle_disclosure(user)


NAV.append(NavItem("教育电子政务", "依申请公开", "portal.disclosure_list", _disclosure_staff))


def init_app(app):
    from eduplatform import home
    from eduplatform.portal import cli, models  # noqa: F401 - models: tables for the metadata
    from eduplatform.portal.services import content, content_search

    # An anonymous visitor of the platform's address sees the public home, not a login form.
    home.register_public_home("portal.home")
    content.register()
    content_search.register()
    cli.init_app(app)
    _init_disclosure(app)


def _init_disclosure(app):
    """依申请公开: its process, its subject on the engine, its JSON API."""
    from pathlib import Path

    from eduplatform import workflow
    from eduplatform.portal import api_disclosure, models  # noqa: F401 - models: tables for the metadata
    from eduplatform.portal.services import disclosure

    workflow.register_processes(Path(__file__).with_name("processes") / "disclosure_request.yaml")
    disclosure.register()
    app.register_blueprint(api_disclosure.bp)
    add_public_link("依申请公开", "portal.disclosure_guide", before="互动交流")
    add_public_link("公开资源", "portal.open_resources", before="互动交流")
    add_public_link("公开课程", "portal.open_courses", before="互动交流")
    from flask import url_for

    from eduplatform.core.notices import NoticeRealm, register_realm

    def link_for(notice):
        if notice.object_type == "disclosure_request" and notice.object_id:
            return url_for("portal.disclosure_case", request_id=notice.object_id)
        return None

    register_realm(NoticeRealm(disclosure.REALM, "依申请公开", {"correction": "申请人补正"}, link_for=link_for))
