"""The platform's one signal namespace (blinker).

The foundation and the domains announce what happened; the domains that keep records listen. A
sender never imports a listener: audit, timelines and notices connect their receivers in their own
``init_app``.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

#: A state change worth an audit entry. Keyword arguments are those of
#: ``eduplatform.audit.services.record``: realm, kind, summary, actor, obj, object_type, object_id,
#: data, actor_name. The audit domain writes the entry into the same transaction, at once (the
#: receiver runs inside ``audit(...)``): the entries of a refused login are in the session the
#: caller then commits.
audited = signals.signal("audited")


def audit(realm: str, kind: str, summary: str, **details) -> None:
    """Ask for an audit entry. An application without a listener is a wiring fault, not a quiet
    loss of the record: it raises."""
    if not audited.receivers:
        raise RuntimeError("审计记录没有接收方：审计模块未加载")
    audited.send(realm, kind=kind, summary=summary, **details)
