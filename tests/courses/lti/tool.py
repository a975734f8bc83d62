"""A real LTI 1.3 tool for the tests, built with pylti1p3's Flask adapter (the library validates our
launches: state, nonce, the id_token's RS256 signature against /lti/jwks, claims).

Routes: ``/login`` (OIDC third-party initiated login), ``/launch`` (resource link or deep linking; a
deep-linking launch answers pylti1p3's auto-submitted LtiDeepLinkingResponse form), ``/jwks`` (the
tool's public key), ``/grade`` (AGS: put a score through pylti1p3's AssignmentsGradesService, which
first gets a token with a JWT client assertion), ``/results``.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, request
from pylti1p3.contrib.flask import FlaskCacheDataStorage, FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.tool_config import ToolConfDict
from werkzeug.serving import make_server

CLIENT_ID = "tool-fractions"
DEPLOYMENT_ID = "deploy-1"


class DictCache:
    """The cache pylti1p3's launch-data storage needs (get / set with an expiry)."""

    def __init__(self):
        self.data: dict = {}
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value, expires = self.data.get(key, (None, None))
            return None if expires is not None and expires < time.time() else value

    def set(self, key, value, exp=None):
        with self.lock:
            self.data[key] = (value, time.time() + exp if exp else None)


def rsa_pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class Tool:
    def __init__(self, platform_url: str, port: int):
        self.platform_url = platform_url
        self.url = f"http://127.0.0.1:{port}"
        self.private_pem, self.public_pem = rsa_pem_pair()
        self.cache = DictCache()
        self.launches: dict[str, dict] = {}
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def config(self) -> ToolConfDict:
        conf = ToolConfDict({self.platform_url: [{
            "default": True, "client_id": CLIENT_ID,
            "auth_login_url": f"{self.platform_url}/lti/auth",
            "auth_token_url": f"{self.platform_url}/lti/token",
            "key_set_url": f"{self.platform_url}/lti/jwks", "key_set": None,
            "deployment_ids": [DEPLOYMENT_ID]}]})
        conf.set_private_key(self.platform_url, self.private_pem, client_id=CLIENT_ID)
        conf.set_public_key(self.platform_url, self.public_pem, client_id=CLIENT_ID)
        return conf

    def storage(self):
        return FlaskCacheDataStorage(self.cache)

    def _make_app(self) -> Flask:
        app = Flask("lti_test_tool")
        app.config.update(SECRET_KEY="tool-secret", SESSION_COOKIE_NAME="tool_session")
        tool = self

        @app.route("/login", methods=["GET", "POST"])
        def login():
            try:
                oidc = FlaskOIDCLogin(FlaskRequest(), tool.config(), launch_data_storage=tool.storage())
                # One registered redirect_uri; the target link travels in the id_token.
                return oidc.redirect(f"{tool.url}/launch")
            except LtiException as exc:
                return jsonify({"error": str(exc)}), 400

        @app.post("/launch")
        def launch():
            if request.form.get("error"):
                return jsonify({"platform_error": request.form["error"],
                                "description": request.form.get("error_description")}), 400
            message = FlaskMessageLaunch(FlaskRequest(), tool.config(), launch_data_storage=tool.storage())
            try:
                data = message.get_launch_data()  # validates state, nonce, signature (JWKS), claims
            except LtiException as exc:
                return jsonify({"error": str(exc)}), 400
            if message.is_deep_link_launch():
                resource = (DeepLinkResource().set_url(f"{tool.url}/launch?item=fractions")
                            .set_title("分数的加减法练习").set_custom_params({"item": "fractions", "level": "2"})
                            .set_lineitem(LineItem().set_score_maximum(50).set_label("分数练习")))
                return message.get_deep_link().output_response_form([resource])
            launch_id = message.get_launch_id()
            tool.launches[launch_id] = data
            return jsonify({"launch_id": launch_id, "sub": data["sub"], "claims": data,
                            "is_student": message.check_student_access(), "is_instructor": message.check_teacher_access(),
                            "kid": request.form["id_token"] and _kid(request.form["id_token"])})

        @app.get("/jwks")
        def jwks():
            return jsonify(tool.config().get_jwks())

        def _restore(launch_id):
            return FlaskMessageLaunch.from_cache(launch_id, FlaskRequest(), tool.config(),
                                                 launch_data_storage=tool.storage())

        @app.post("/grade")
        def grade():
            body = request.get_json()
            message = _restore(body["launch_id"])
            ags = message.get_ags()
            score = (Grade().set_score_given(body["score"]).set_score_maximum(body.get("maximum", 100))
                     .set_timestamp(body.get("timestamp") or datetime.now(UTC).isoformat())
                     .set_activity_progress(body.get("activity", "Completed"))
                     .set_grading_progress(body.get("grading", "FullyGraded"))
                     .set_user_id(message.get_launch_data()["sub"]).set_comment(body.get("comment", "")))
            try:
                answer = ags.put_grade(score)
            except LtiServiceException as exc:
                return jsonify({"error": str(exc)}), 400
            return jsonify({"ok": True, "status": "sent", "body": answer.get("body")})

        @app.post("/lineitem")
        def lineitem():
            body = request.get_json()
            ags = _restore(body["launch_id"]).get_ags()
            wanted = LineItem().set_tag(body["tag"]).set_score_maximum(body["maximum"]).set_label(body["label"])
            try:
                found = ags.find_or_create_lineitem(wanted, find_by="tag")
                score = (Grade().set_score_given(body["score"]).set_score_maximum(body["maximum"])
                         .set_timestamp(datetime.now(UTC).isoformat()).set_activity_progress("Completed")
                         .set_grading_progress("FullyGraded")
                         .set_user_id(_restore(body["launch_id"]).get_launch_data()["sub"]))
                ags.put_grade(score, found)
                return jsonify({"id": found.get_id(), "all": ags.get_lineitems()})
            except LtiServiceException as exc:
                return jsonify({"error": str(exc)}), 400

        @app.post("/results")
        def results():
            message = _restore(request.get_json()["launch_id"])
            ags = message.get_ags()
            try:
                return jsonify({"lineitems": ags.get_lineitems(), "grades": ags.get_grades()})
            except LtiServiceException as exc:
                return jsonify({"error": str(exc)}), 400

        return app

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()


def _kid(token: str) -> str | None:
    import jwt

    return jwt.get_unverified_header(token).get("kid")
