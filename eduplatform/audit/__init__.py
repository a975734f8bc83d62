"""The append-only audit log: every state change and every security event."""

from flask import Blueprint

from eduplatform.core.templating import NavItem

bp = Blueprint("audit", __name__)


def _can_read(user):
    from eduplatform.audit.permissions import can_read_audit

    return can_read_audit(user)


NAV = [NavItem("系统管理", "审计日志", "audit.audit_log", _can_read)]


def init_app(app) -> None:
    from eduplatform.audit import chain, cli  # noqa: F401  (chain: the after-commit sealer)

    cli.init_app(app)
