"""LTI 1.3 / Advantage: the platform launches registered tools from lessons of kind 外部工具.

- ``keys``: the platform's RSA signing keys (encrypted in the database), ``/lti/jwks``, rotation;
- ``tools``: registration of tools and the checks of the JWTs they sign (their JWKS or public key);
- ``launch``: third-party initiated login, the auth request, the signed id_token and its claims,
  deep linking (request and response);
- ``ags``: the OAuth 2 token endpoint (client-credentials with a JWT assertion, RFC 7523), line items,
  scores into the lesson's completion, results.

The protocol endpoints are on the blueprint ``bp`` (``/lti/…``, no CSRF: the other side is the tool),
routes in ``courses/views/lti.py``; registered by ``courses.init_app``; pages and the API for registration are the courses domain's.
"""

from flask import Blueprint

bp = Blueprint("lti", __name__, url_prefix="/lti")

REALM = "courses"
LTI_VERSION = "1.3.0"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPES = tuple(AGS_SCOPE + s for s in ("lineitem", "lineitem.readonly", "result.readonly", "score"))


def init_app(app) -> None:
    import os

    from eduplatform.core.extensions import csrf

    app.config.setdefault("LTI_ISSUER", os.environ.get("EDU_LTI_ISSUER"))
    app.config.setdefault("LTI_KEY_PASSWORD", os.environ.get("EDU_LTI_KEY_PASSWORD"))
    app.config.setdefault("LTI_KEY_GRACE_SECONDS", int(os.environ.get("EDU_LTI_KEY_GRACE_SECONDS", str(7 * 86400))))
    app.config.setdefault("LTI_TOKEN_SECONDS", int(os.environ.get("EDU_LTI_TOKEN_SECONDS", "3600")))
    app.config.setdefault("LTI_FETCH_TIMEOUT", float(os.environ.get("EDU_LTI_FETCH_TIMEOUT", "5")))
    csrf.exempt(bp)
    if "lti" not in app.blueprints:
        app.register_blueprint(bp)
