"""Where this portal runs: ``single`` (one platform serves staff and public), ``inside`` (the bureau's
platform in the 政务内网, carrying its public content out through the ferry) or ``outside`` (the
public site alone in the 政务外网, fed only by ferry packages). ``PORTAL_NODE`` in the config."""

from __future__ import annotations

from flask import current_app

ROLES = {"single": "单节点（内外网合一）", "inside": "内网节点", "outside": "外网节点（仅门户网站）"}


def role() -> str:
    value = (current_app.config.get("PORTAL_NODE") or "single").strip().lower()
    if value not in ROLES:
        raise RuntimeError(f"PORTAL_NODE 只能是 single、inside 或 outside，不是 {value!r}")
    return value


def is_outside() -> bool:
    return role() == "outside"


def sending_direction() -> str:
    """inside sends ``out`` (内网→外网), outside sends ``in`` (外网→内网)."""
    return {"inside": "out", "outside": "in"}[role()]


def receiving_direction() -> str:
    return {"inside": "in", "outside": "out"}[role()]
