"""Health of the parts the platform cannot work without."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from eduplatform.core.extensions import db


def health() -> dict[str, str]:
    """{"database": "ok" | error, "storage": …, "search": …}."""
    from eduplatform.core.search.registry import get_search
    from eduplatform.core.storage.registry import get_storage

    checks = {
        "database": lambda: db.session.execute(sa.text("SELECT 1")).scalar_one(),
        "storage": lambda: get_storage().check(),
        "search": lambda: get_search().check(),
    }
    report = {}
    for part, check in checks.items():
        try:
            check()
            report[part] = "ok"
        except Exception as exc:  # noqa: BLE001 - a health check reports every failure, whatever its kind
            current_app.logger.warning("health check %s failed: %s", part, exc)
            report[part] = f"error: {type(exc).__name__}"
            if part == "database":
                db.session.rollback()
    return report
