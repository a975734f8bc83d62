"""The platform's one signal namespace (blinker).

The foundation and the domains announce what happened; the domains that keep records listen. A
sender never imports a listener: audit, timelines and notices connect their receivers in their own
``init_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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


# --- one step, recorded once ---------------------------------------------------------------------

@dataclass
class Step:
    """One step of a process (a hand-in, an approval, a return …), as the engine announces it.

    The engine fills in its own audit entry and the notices it would send; the domain that owns the
    process's subject may, in its hook, name the step in its own words (``record_as``) and tell
    people itself (``tell_instead``). Whatever the step says when it is taken is recorded once: one
    audit entry, and the notices in ``notices`` (zero-argument callables) sent once."""

    realm: str
    kind: str
    summary: str
    actor: object = None
    obj: object = None
    data: dict = field(default_factory=dict)
    notices: list[Callable[[], object]] = field(default_factory=list)

    def record_as(self, realm: str, kind: str, summary: str, *, obj=None, data: dict | None = None) -> None:
        """The owning domain's name for the step's one audit entry (keeps the engine's data)."""
        self.realm, self.kind, self.summary = realm, kind, summary
        if obj is not None:
            self.obj = obj
        self.data = {**self.data, **(data or {})}

    def tell_instead(self, *tell: Callable[[], object]) -> None:
        """The owning domain tells people about the step itself: the engine's notices are dropped."""
        self.notices[:] = list(tell)


#: A step was taken (keyword ``step``: a ``Step``). The audit domain writes its one entry; the
#: foundation's notice inbox sends its notices.
step_taken = signals.signal("step_taken")


def take_step(step: Step) -> None:
    if not step_taken.receivers:
        raise RuntimeError("流程步骤没有接收方：审计模块未加载")
    step_taken.send(step.realm, step=step)
