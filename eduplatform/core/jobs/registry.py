"""Job kinds, registered by the domains in their ``init_app`` (the foundation imports none of them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class JobKind:
    name: str
    #: ``func(ctx, **args) -> dict | None``; runs in an app context, inside the job's transaction
    func: Callable
    label: str
    #: the Celery queue (``default``; e.g. ``previews`` for LibreOffice work on its own workers)
    queue: str = "default"
    max_attempts: int = 3
    #: periodic jobs: the scheduler starts one every this often
    every: timedelta | None = None


JOB_KINDS: dict[str, JobKind] = {}


def register_job(name: str, func: Callable, *, label: str, queue: str = "default", max_attempts: int = 3,
                 every: timedelta | None = None) -> JobKind:
    """Register a kind of job (idempotent: the same name again replaces it)."""
    kind = JOB_KINDS[name] = JobKind(name, func, label, queue, max_attempts, every)
    return kind


def job(name: str, *, label: str, **options) -> Callable:
    """``@job("kind", label=…)`` over a handler registers it (call it from a module the domain's
    ``init_app`` imports)."""
    def decorate(func):
        register_job(name, func, label=label, **options)
        return func
    return decorate


def get_kind(name: str) -> JobKind | None:
    return JOB_KINDS.get(name)


def kind_label(name: str) -> str:
    kind = JOB_KINDS.get(name)
    return kind.label if kind else name


def periodic_kinds() -> list[JobKind]:
    return [k for k in JOB_KINDS.values() if k.every is not None]
