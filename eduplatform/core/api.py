"""REST API conventions under ``/api/v1``: bearer tokens, JSON errors, pagination, OpenAPI.

Each domain's ``api`` module or package builds its blueprint with ``make_api_blueprint`` and documents every
operation in its docstring (YAML after ``---``); ``/api/v1/openapi.json`` is generated from them.
Who a bearer token names is decided by the authenticator a domain registers
(``register_token_authenticator``); this module only applies the rules around it.
Input, for the API and the HTML forms alike, goes through one loader (``load_json``, ``load_form``,
``load_body``, ``load_args`` → ``load_input``), whose refusals are 422s in Chinese (core/messages.py);
API lists answer one page envelope (``paginated`` / ``page_envelope``).
"""

from __future__ import annotations

from collections.abc import Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.yaml_utils import load_operations_from_docstring
from flask import Blueprint, Flask, current_app, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import FileStorage
from werkzeug.routing import IntegerConverter

from eduplatform.core.converters import MAX_BIGINT, MAX_INT
from eduplatform.core.errors import ValidationFailed, error_payload
from eduplatform.core.messages import translate
from eduplatform.core.paging import MAX_PAGE, page_number  # noqa: F401 - page_number: also offered here

API_PREFIX = "/api/v1"
_API_BLUEPRINTS: list[Blueprint] = []
#: Callables ``hook(spec, app)`` run before the OpenAPI document is rendered: domains whose schemas
#: are generated at run time (e.g. from resource_specs/) add their components there.
_OPENAPI_HOOKS: list = []
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def make_api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 that answers JSON and takes bearer tokens or a session + CSRF."""
    from eduplatform.core.extensions import csrf

    bp = Blueprint(name, import_name, url_prefix=API_PREFIX)
    csrf.exempt(bp)

    @bp.before_request
    def _csrf_for_cookie_sessions():
        # A bearer token cannot be sent by another site, so only cookie sessions need the CSRF token
        # (the browser UI sends it in the X-CSRFToken header).
        if (request.method in STATE_CHANGING and not bearer_token()
                and current_app.config.get("WTF_CSRF_ENABLED", True)):
            from flask_login import current_user

            if current_user.is_authenticated:
                csrf.protect()

    _API_BLUEPRINTS.append(bp)
    return bp


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


# -- input: one loader for JSON bodies, forms and query args ------------------------------------
BODY_MESSAGE = "提交的数据有误"
ARGS_MESSAGE = "查询参数有误"


def load_input(schema: Schema, data, *, partial: bool = False, unknown: str | None = None,
               message: str = BODY_MESSAGE) -> dict:
    """Validate ``data`` with ``schema``: the one place where input is checked. A refusal is a 422
    ``ValidationFailed`` with per-field Chinese messages, summed up as "``message``：first problem"."""
    try:
        return schema.load(data, partial=partial, unknown=unknown)
    except ValidationError as exc:
        raise refusal(exc, schema, message) from exc


def refusal(exc: ValidationError, schema: Schema | None = None, message: str = BODY_MESSAGE) -> ValidationFailed:
    """The 422 for marshmallow's ``exc``, with every message in Chinese (see core/messages.py)."""
    problems = translate(exc.messages)
    if not isinstance(problems, dict):
        problems = {"_schema": problems}
    first = first_problem(problems, schema)
    return ValidationFailed(f"{message}：{first}" if first else message, fields=problems)


def first_problem(problems: dict, schema: Schema | None = None) -> str:
    """The first message, after the field's label when the schema gives one (``metadata={"label": …}``)."""
    for key, value in problems.items():
        while isinstance(value, dict) and value:
            value = next(iter(value.values()))
        while isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            continue
        field = schema.fields.get(key) if schema is not None else None
        label = field.metadata.get("label") if field is not None else None
        return f"{label} {value}" if label else str(value)
    return ""


def json_body(*, message: str = BODY_MESSAGE) -> dict:
    """The request's JSON body, which must be an object; for a body no fixed schema describes."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed("请求体必须是 JSON 对象", code="invalid_json")
    where = _oversized_integer(data)
    if where is not None:
        # JSON numbers have no size limit; one that no database column holds is refused here for
        # every body, also inside free-form fields (Dict, Raw) that no bounded field checks.
        raise ValidationFailed(f"{message}：数值超出范围", fields={where: ["数值超出范围"]})
    return data


def load_json(schema: Schema, *, partial: bool = False, message: str = BODY_MESSAGE) -> dict:
    """Validate the request's JSON body (an object) with ``schema``; refused → 422."""
    return load_input(schema, json_body(message=message), partial=partial, message=message)


def load_form(schema: Schema, *, partial: bool = False, empty_is_none: bool = False,
              message: str = BODY_MESSAGE) -> dict:
    """Validate a posted form (``request.form`` and ``request.files``) with ``schema``; refused → 422.

    Only the schema's fields are read, text stripped. A form sends no unticked checkbox and no empty
    multi-select: unless ``partial``, a Boolean field it leaves out is False and a List field []. An
    empty text box is "" — or None with ``empty_is_none`` (forms where emptying a box clears the value).
    """
    raw = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        is_list = isinstance(field, fields.List)
        files = [f for f in request.files.getlist(key) if f.filename]
        if files:
            raw[key] = files if is_list else files[0]
        elif is_list:
            values = [v.strip() for v in request.form.getlist(key) if v.strip()]
            if values or key in request.form or not partial:
                raw[key] = values
        elif key in request.form:
            value = request.form[key].strip()
            raw[key] = None if value == "" and empty_is_none else value
        elif isinstance(field, fields.Boolean) and not partial:
            raw[key] = False
    return load_input(schema, raw, partial=partial, message=message)


def load_body(schema: Schema, *, partial: bool = False, message: str = BODY_MESSAGE) -> dict:
    """A posted form when the request is one (a multipart upload), else the JSON body."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return load_form(schema, partial=partial, message=message)
    return load_json(schema, partial=partial, message=message)


def sent_fields() -> set[str]:
    """The names the request body carries (a JSON object's keys or a form's fields), for an operation
    that depends on what was sent rather than on the loaded values."""
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict):
        return set(body)
    return set(request.form) | set(request.files)


def uploaded_file(message: str, *, field_message: str = "请选择文件") -> FileStorage:
    """The multipart ``file`` of the request (already inspected on arrival), or a 422 with ``message``
    and ``field_message`` on the ``file`` field when none was chosen."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(message, fields={"file": [field_message]})
    return upload


def load_args(schema: Schema, *, message: str = ARGS_MESSAGE) -> dict:
    """Validate the query string with ``schema``; refused → 422.

    Only the schema's fields are read; a List field takes every value of a repeated key; an empty
    value is the same as an absent one (an HTML form's unset filter sends ``?stage=``).
    """
    raw = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        values = [v for v in request.args.getlist(key) if v != ""]
        if values:
            raw[key] = values if isinstance(field, fields.List) else values[0]
    return load_input(schema, raw, message=message)


# -- numbers and enums in input ---------------------------------------------------------------

class BoundedInteger(fields.Integer):
    """An integer an INTEGER column holds (32 bits on PostgreSQL), or within narrower ``min``/``max``.

    marshmallow's Integer takes any size; one the column cannot hold then fails in the driver as
    a 500 ("integer out of range", ``OverflowError``). The Range also tells the OpenAPI document.
    """

    def __init__(self, *, min: int = -MAX_INT - 1, max: int = MAX_INT,
                 validate: object = None, error_messages: dict | None = None, **kwargs):
        extra = [] if validate is None else list(validate) if isinstance(validate, (list, tuple)) else [validate]
        super().__init__(
            validate=[_range(min, max), *extra],
            error_messages={"invalid": "必须是整数", "too_large": "数值过大", **(error_messages or {})},
            **kwargs)


class Id(BoundedInteger):
    """A row id in input (path, query or body): 1 … 2**31 - 1, like the URL converter."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {}).setdefault("invalid", "编号必须是正整数")
        super().__init__(min=1, max=MAX_INT, **kwargs)


def _range(lo: int, hi: int) -> validate.Range:
    return validate.Range(min=lo, max=hi, error="必须是 {min} 到 {max} 之间的整数")


def EnumArg(enum_cls, **kwargs) -> fields.Enum:
    """An enum-valued input (query arg or body) by value; an unknown value lists the allowed ones."""
    kwargs.setdefault("error_messages", {}).setdefault("unknown", "取值无效，可选值：{choices}")
    return fields.Enum(enum_cls, by_value=True, **kwargs)


def one_of(choices) -> validate.OneOf:
    """A string input restricted to ``choices``; the message lists them."""
    return validate.OneOf(list(choices), error="取值无效，可选值：{choices}")


def _oversized_integer(value, path: str = "") -> str | None:
    """The path (``a.0.b``) of the first integer in a JSON document outside the signed 64-bit range
    (not 32: free-form documents such as report forms keep large amounts; fields bound their own)."""
    if isinstance(value, int) and not -MAX_BIGINT - 1 <= value <= MAX_BIGINT:
        return path or "_body"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _oversized_integer(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


class PaginationSchema(Schema):
    page = BoundedInteger(min=1, max=MAX_PAGE, load_default=1)
    per_page = BoundedInteger(min=1, max=MAX_PAGE, load_default=None)


def page_args() -> tuple[int, int]:
    """(page, per_page) of an API list from ?page=&per_page=; out of range → 422."""
    args = load_args(PaginationSchema(), message="分页参数有误")
    per_page = min(args["per_page"] or current_app.config["API_DEFAULT_PER_PAGE"],
                   current_app.config["API_MAX_PER_PAGE"])
    return args["page"], per_page


def paginated(query, item, **extra) -> dict:
    """Run a select for the requested page (?page=&per_page=) and wrap it in the page envelope; each
    row is dumped with ``item``, a schema or a callable. ``extra`` adds keys (e.g. ``unread``)."""
    from eduplatform.core.extensions import db

    page, per_page = page_args()
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    items = (item.dump(pagination.items, many=True) if isinstance(item, Schema)
             else [item(row) for row in pagination.items])
    return page_envelope(items, page=page, per_page=per_page, total=pagination.total, pages=pagination.pages,
                         **extra)


def page_envelope(items: list, *, page: int, per_page: int, total: int, pages: int, **extra) -> dict:
    """The one shape of an API list page: {"items", "page", "per_page", "total", "pages"} (+ ``extra``);
    ``paginated`` builds it from a select, full-text searches from their hits."""
    return {"items": items, "page": page, "per_page": per_page, "total": total, "pages": pages, **extra}


class ErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict()


class ErrorEnvelopeSchema(Schema):
    error = fields.Nested(ErrorSchema, required=True)


#: The multipart body of a file upload (the part named ``file``), a component: an operation that
#: takes more form fields adds them with ``allOf: [{$ref: '#/components/schemas/FileUpload'}, …]``.
FILE_UPLOAD = {"type": "object", "required": ["file"],
               "properties": {"file": {"type": "string", "format": "binary"}}}


def build_openapi(app: Flask) -> dict:
    """OpenAPI 3 document from the API blueprints' routes and their docstrings."""
    spec = APISpec(
        title="eduplatform API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "教育电子政务与远程教育资源平台 REST API。错误统一为 "
                             '{"error": {"code", "message"}}。'},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorEnvelopeSchema)
    spec.components.schema("FileUpload", FILE_UPLOAD)
    path_parameters: dict[str, dict] = {}
    api_names = {bp.name for bp in _API_BLUEPRINTS}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.split(".")[0] not in api_names:
            continue
        view = app.view_functions[rule.endpoint]
        operations = load_operations_from_docstring(view.__doc__ or "")
        path = rule.rule.replace("<", "{").replace(">", "}")
        for converter in ("int:", "string:", "path:"):
            path = path.replace("{" + converter, "{")
        summary = (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else rule.endpoint
        ops = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op = dict(operations.get(method.lower(), {}))
            op.setdefault("summary", summary)
            op.setdefault("tags", [rule.endpoint.split(".")[0].removesuffix("_api")])
            op.setdefault("responses", {"200": {"description": "OK"}})
            for response in op["responses"].values():
                # OpenAPI requires a description on every response; the docstrings may omit it.
                if isinstance(response, dict) and "$ref" not in response:
                    response.setdefault("description", "成功")
            op["responses"].setdefault("default", {
                "description": "错误", "content": {"application/json": {"schema": "Error"}}})
            params = [_path_parameter(spec, path_parameters, rule, arg) for arg in sorted(rule.arguments)]
            if params:
                op.setdefault("parameters", []).extend(params)
            ops[method.lower()] = op
        spec.path(path=path, operations=ops)
    for hook in _OPENAPI_HOOKS:
        hook(spec, app)
    return spec.to_dict()


def _path_parameter(spec: APISpec, registered: dict[str, dict], rule, arg: str) -> str:
    """The component name of a path argument, registered once for every rule that names it alike
    (``lesson_id`` …); an argument of the same name but another type gets a name of its own."""
    schema = _path_schema(rule, arg)
    name, n = arg, 1
    while registered.get(name, schema) != schema:
        n += 1
        name = f"{arg}_{n}"
    if name not in registered:
        registered[name] = schema
        spec.components.parameter(name, "path", {"name": arg, "required": True, "schema": schema})
    return name


def _path_schema(rule, arg: str) -> dict:
    """A path argument's schema: an int converter's bounds (see core/converters.py), else a string."""
    converter = rule._converters.get(arg)
    if isinstance(converter, IntegerConverter):
        return {"type": "integer", "minimum": converter.min or 0, "maximum": converter.max}
    return {"type": "string"}


def register_openapi_hook(hook) -> None:
    """Add components to the OpenAPI document (see ``_OPENAPI_HOOKS``)."""
    if hook not in _OPENAPI_HOOKS:
        _OPENAPI_HOOKS.append(hook)


def register_token_authenticator(app: Flask, authenticate: Callable[[str], object | None]) -> None:
    """Name the function that turns a bearer token into its user (or None when it is not valid)."""
    app.extensions["edu_token_authenticator"] = authenticate


def init_app(app: Flask) -> None:
    from eduplatform.core.extensions import login_manager

    @login_manager.request_loader
    def load_user_from_token(req):
        token = bearer_token()
        # Without a registered authenticator no token is valid: the caller is nobody.
        authenticate = current_app.extensions.get("edu_token_authenticator")
        if not token or authenticate is None:
            return None
        return authenticate(token)

    def bearer_token_names_the_caller():
        """A request carrying a bearer token is that token's user (or nobody, if it is not valid),
        whatever cookie session the client also sends: otherwise a browser signed in as A calling with
        B's token would act as A, and a stale or anonymous session would hide a valid token."""
        if bearer_token():
            user = load_user_from_token(request)
            login_manager._update_request_context_with_user(user)  # sets g._login_user for current_user

    # First of all before-request hooks: the session rules and every view must see this user.
    app.before_request_funcs.setdefault(None, []).insert(0, bearer_token_names_the_caller)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for

        if request.path.startswith("/api/") or not login_manager.login_view:
            return jsonify(error_payload("unauthorized", "请先登录或提供有效的访问令牌")), 401
        return redirect(url_for(login_manager.login_view, next=request.full_path))
