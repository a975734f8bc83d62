"""The public portal (政务公开, G2C / G2B): the bureau facing the public.

Public pages need no login (``views/site.py``): 新闻动态, 通知公告, 政策法规, 政务公开, 办事服务,
互动交流, open resources and courses. Behind them, bureau staff keep the columns and articles.
依申请公开 (《政府信息公开条例》 2019) and 咨询 / 投诉 / 建议 run on the process engine.
"""

from flask import Blueprint

from eduplatform.core.templating import NavItem

bp = Blueprint("portal", __name__, url_prefix="/portal")

NAV: list = []


def _disclosure_staff(user) -> bool:
    from eduplatform.portal.disclosure_permissions import can_handle_disclosure

    return can_handle_disclosure(user)


NAV.append(NavItem("教育电子政务", "依申请公开", "portal.disclosure_list", _disclosure_staff))


def init_app(app):
    from eduplatform import home

    # An anonymous visitor of the platform's address sees the public home, not a login form.
    home.register_public_home("portal.home")
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
    from flask import url_for

    from eduplatform.core.notices import NoticeRealm, register_realm

    def link_for(notice):
        if notice.object_type == "disclosure_request" and notice.object_id:
            return url_for("portal.disclosure_case", request_id=notice.object_id)
        return None

    register_realm(NoticeRealm(disclosure.REALM, "依申请公开", {"correction": "申请人补正"}, link_for=link_for))
