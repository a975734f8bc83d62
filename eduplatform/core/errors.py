"""Errors with a stable code and a Chinese message, rendered as HTML or as API JSON."""

from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request
from werkzeug.exceptions import HTTPException

#: Chinese messages for the HTTP errors werkzeug raises on its own.
HTTP_MESSAGES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "请求的内容不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "操作冲突，请刷新后重试"),
    413: ("too_large", "上传的内容过大：文件、表单字段或字段数量超过上限"),
    422: ("invalid", "提交的数据有误"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("server_error", "服务器内部错误，请稍后再试"),
    503: ("unavailable", "服务暂不可用"),
}


class AppError(Exception):
    """A business error the user can act on; services raise it, views turn it into a response."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}


class ValidationFailed(AppError):
    status = 422
    code = "invalid"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class PermissionDenied(AppError):
    status = 403
    code = "forbidden"


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_payload(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def handle_app_error(exc: AppError):
        from eduplatform.core.extensions import db

        db.session.rollback()  # nothing half-written survives a refused request
        if wants_json():
            return error_payload(exc.code, exc.message, exc.fields), exc.status
        if exc.status in (403, 404):
            return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status
        flash(exc.message, "danger")
        return redirect(request.referrer or "/")

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        code, message = HTTP_MESSAGES.get(exc.code or 500, ("error", exc.description or "错误"))
        if exc.code == 400 and exc.description and "CSRF" in exc.description:
            code, message = "csrf_failed", "页面已过期或表单令牌无效，请刷新页面后重试"
        if wants_json():
            return error_payload(code, message), exc.code
        return render_template("errors/error.html", status=exc.code, message=message), exc.code

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        from eduplatform.core.extensions import db

        if app.testing:
            raise exc  # let the test see the real traceback
        app.logger.exception("Unhandled error on %s", request.path)
        db.session.rollback()
        code, message = HTTP_MESSAGES[500]
        if wants_json():
            return error_payload(code, message), 500
        return render_template("errors/error.html", status=500, message=message), 500
