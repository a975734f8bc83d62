"""The public portal (政务公开, G2C / G2B): the bureau facing the public.

Public pages need no login (``views/site.py``): 新闻动态, 通知公告, 政策法规, 政务公开, 办事服务,
互动交流, open resources and courses. Behind them, bureau staff keep the columns and articles.
依申请公开 (《政府信息公开条例》 2019) and 咨询 / 投诉 / 建议 run on the process engine.
"""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

NAV: list = []


def init_app(app):
    from eduplatform import home

    # An anonymous visitor of the platform's address sees the public home, not a login form.
    home.register_public_home("portal.home")
