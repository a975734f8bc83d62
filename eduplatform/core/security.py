"""HTTP hardening: the security headers every response carries; the client's address."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'self'; form-action 'self'; object-src 'none'; base-uri 'self'"
)


def client_ip() -> str | None:
    """The client's address (behind trusted proxies, as ProxyFix read it from X-Forwarded-For), or
    None outside a request (CLI, workers)."""
    if not has_request_context():
        return None
    return request.remote_addr


def content_security_policy() -> str:
    """The policy; ``CSP_FORM_ACTION_ORIGINS`` names other origins a form's redirects may reach (a
    logout that goes on to the identity service's end_session endpoint)."""
    extra = current_app.config.get("CSP_FORM_ACTION_ORIGINS") or ()
    if not extra:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", "form-action 'self' " + " ".join(extra))


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user.is_authenticated and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # pages with personal data stay out of shared caches
    return response
