"""校校通 distribution: channels of shared resources pushed to schools, tracked per school and item;
the same application as a school node syncs them (``EDU_NODE=school``). See README.md."""

import os

from flask import Blueprint

from eduplatform.core.templating import NavItem

bp = Blueprint("distribution", __name__)


def _can_view(user):
    from eduplatform.distribution.permissions import can_manage_distribution

    return can_manage_distribution(user)


NAV = [NavItem("校校通", "资源推送（频道）", "distribution.channels", _can_view)]

NOTICE_KINDS = {"push.chase": "校校通催收"}


def init_app(app):
    from eduplatform.core.notices import NoticeRealm, register_realm
    from eduplatform.distribution import cli, models  # noqa: F401 - tables for the metadata

    app.config.setdefault("EDU_NODE", os.environ.get("EDU_NODE", "city"))
    app.config.setdefault("EDU_NODE_CITY_URL", os.environ.get("EDU_NODE_CITY_URL"))
    app.config.setdefault("EDU_NODE_TOKEN", os.environ.get("EDU_NODE_TOKEN"))
    register_realm(NoticeRealm("distribution", "校校通分发", NOTICE_KINDS))
    cli.init_app(app)

    @app.after_request
    def _count_local_use(response):
        """On a school node, a view or download of a synced resource is tallied for the city."""
        from flask import request

        from eduplatform.distribution import node

        if response.status_code == 200 and request.endpoint in node.USE_ENDPOINTS \
                and node.is_school_node() and request.view_args:
            from eduplatform.core.extensions import db

            node.tally_use(request.endpoint, request.view_args.get("resource_id"))
            db.session.commit()
        return response
