"""The append-only audit log: every state change and every security event."""

from flask import Blueprint

from eduplatform.core import signals
from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import WorkbenchPanel

bp = Blueprint("audit", __name__)


def _can_read(user):
    from eduplatform.audit.permissions import can_read_audit

    return can_read_audit(user)


NAV = [NavItem("系统管理", "审计日志", "audit.audit_log", _can_read)]


def init_app(app) -> None:
    from eduplatform.audit import chain, cli  # noqa: F401  (chain: the after-commit sealer)

    cli.init_app(app)
    from eduplatform.audit import exports

    exports.register()  # the audit CSV as a background job
    signals.audited.connect(_record_announced)
    signals.step_taken.connect(_record_step)


def _record_announced(realm: str, **details) -> None:
    from eduplatform.audit.services import record

    record(realm, **details)


def _record_step(realm: str, *, step) -> None:
    """A process step's one audit entry, in the words of the domain that owns it."""
    from eduplatform.audit.services import record

    record(step.realm, step.kind, step.summary, actor=step.actor, obj=step.obj, data=step.data)


def _overview(user):
    from eduplatform.audit.workbench import overview

    return overview(user)


WORKBENCH_PANELS = [WorkbenchPanel("mine", "audit/_workbench.html", _overview, when=_can_read, order=5)]
