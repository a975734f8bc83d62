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
from eduplatform.core.workbench import WorkbenchPanel

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
NAV.append(NavItem("教育电子政务", "信息公开年度报告", "portal.annual_report_index", _disclosure_staff))


def _ferry_staff(user) -> bool:
    from flask import current_app

    from eduplatform.portal.permissions import can_view_ferry

    return current_app.config.get("PORTAL_NODE", "single") != "single" and can_view_ferry(user)


NAV.append(NavItem("教育电子政务", "门户内外网摆渡", "portal.ferry_page", _ferry_staff))

#: What the outside node (PORTAL_NODE = outside) serves: the public site, 依申请公开's public forms,
#: 领导信箱's public pages (write, track, rate, withdraw consent, the published exchanges) and the
#: public read API. Everything else — the login, every staff page and API (the letters' staff pages
#: too), the 12345 hotline API (the hotline system sits on the government network: inside only), the
#: 工作台, notices, the platform search — answers 404 there (README: 内网与外网).
OUTSIDE_ENDPOINTS = frozenset({
    "static", "home.index", "home.healthz",
    "portal.home", "portal.column_page", "portal.catalogue", "portal.article_page", "portal.article_print",
    "portal.attachment", "portal.search", "portal.care_mode",
    "portal.disclosure_guide", "portal.disclosure_apply", "portal.disclosure_apply_post",
    "portal.disclosure_captcha", "portal.disclosure_track", "portal.disclosure_track_post",
    "portal.disclosure_track_correction", "portal.disclosure_track_letter",
    "portal.letters_home", "portal.letter_public", "portal.letter_write", "portal.letter_write_post",
    "portal.letter_track", "portal.letter_track_post", "portal.letter_track_rate", "portal.letter_track_consent",
    "portal_api.list_articles", "portal_api.get_article", "portal_disclosure_api.track",
})


def _outside_only():
    """On the outside node, refuse everything but the public site (no staff login there)."""
    from flask import current_app, request

    from eduplatform.core.errors import NotFound

    if current_app.config.get("PORTAL_NODE") == "outside" and request.endpoint not in OUTSIDE_ENDPOINTS:
        raise NotFound("本站是门户网站的外网节点，只提供公开信息、依申请公开和领导信箱，不提供此功能", code="outside_node")


def _letters_staff(user) -> bool:
    from eduplatform.portal.letters_permissions import can_handle_letters

    return can_handle_letters(user)


NAV.append(NavItem("教育电子政务", "领导信箱", "portal.letter_list", _letters_staff))


def _letters_overview(user):
    from eduplatform.portal.services.letters_lists import workbench_overview

    return workbench_overview(user)


#: 领导信箱 on the 工作台: the bureau's cases waiting and overdue (each step's to-do itself comes from
#: the engine's to-do list, like 依申请公开's).
WORKBENCH_PANELS = [WorkbenchPanel("todo", "portal/letters/_workbench.html", _letters_overview, when=_letters_staff,
                                   order=40)]


def init_app(app):
    from eduplatform import home
    from eduplatform.portal.node import ROLES

    if (app.config.get("PORTAL_NODE") or "single") not in ROLES:
        raise RuntimeError(f"PORTAL_NODE 只能是 {'、'.join(ROLES)}，不是 {app.config.get('PORTAL_NODE')!r}")
    app.before_request(_outside_only)
    from eduplatform.portal import cli, models  # noqa: F401 - models: tables for the metadata
    from eduplatform.portal.services import content, content_search

    # An anonymous visitor of the platform's address sees the public home, not a login form.
    home.register_public_home("portal.home")
    content.register()
    content_search.register()
    cli.init_app(app)
    _init_disclosure(app)
    _init_letters(app)


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


def _init_letters(app):
    """领导信箱 and 12345: its process, its subject on the engine, the hotline's API, the public link."""
    from pathlib import Path

    from eduplatform import workflow
    from eduplatform.portal import api_letters
    from eduplatform.portal.services import letters

    workflow.register_processes(Path(__file__).with_name("processes") / "leader_letter.yaml")
    letters.register()
    app.register_blueprint(api_letters.bp)
    # 互动交流 in the header opens 领导信箱 (writing, tracking, the published exchanges)
    for i, (label, _endpoint, _values) in enumerate(PUBLIC_LINKS):
        if label == "互动交流":
            PUBLIC_LINKS[i] = ("互动交流", "portal.letters_home", {})
