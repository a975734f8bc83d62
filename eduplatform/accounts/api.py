"""REST API: tokens, the caller, and user administration."""

from __future__ import annotations

from flask_login import current_user, login_required

from eduplatform.accounts import lockout, permissions, services
from eduplatform.accounts.models import LoginLock, User
from eduplatform.accounts.schemas import (
    LiftLockSchema,
    LockSchema,
    PasswordChangeSchema,
    TokenRequestSchema,
    TokenSchema,
    UserCreateSchema,
    UserListArgsSchema,
    UserSchema,
    lock_entries,
)
from eduplatform.core.api import load_args, load_json, make_api_blueprint, paginated
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import get_visible_or_404, require, visible_to
from eduplatform.orgs.services import find_org

bp = make_api_blueprint("accounts_api", __name__)


@bp.post("/auth/token")
def issue_token():
    """Exchange a username and password for a bearer token.
    ---
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: TokenRequestSchema
      responses:
        201:
          content:
            application/json:
              schema: TokenSchema
        401:
          description: 登录失败。用户名不存在、密码错误、账户已锁定或来源地址受限时回答完全相同
    """
    data = load_json(TokenRequestSchema())
    try:
        user = services.authenticate(data["username"], data["password"])
    except services.LoginFailed:
        db.session.commit()  # the failure count and its audit entry must stay
        raise
    token, expires_at = services.issue_api_token(user)
    db.session.commit()
    return TokenSchema().dump({"token": token, "expires_at": expires_at,
                               "must_change_password": user.must_change_password}), 201


@bp.get("/me")
@login_required
def me():
    """The calling user.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: UserSchema
    """
    return UserSchema(view="admin").dump(current_user)


@bp.post("/me/password")
@login_required
def change_password():
    """Change the caller's password (required first for initial passwords).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: PasswordChangeSchema
      responses:
        204:
          description: 已修改；此前签发的令牌全部失效
    """
    data = load_json(PasswordChangeSchema())
    try:
        services.change_password(current_user, data["current_password"], data["new_password"])
    except services.WrongCurrentPassword:
        db.session.commit()  # the failure counts and its audit entry stay
        raise
    db.session.commit()
    return "", 204


@bp.get("/users")
@login_required
def list_users():
    """Users in the caller's scope, filterable by org code, role and text.
    ---
    get:
      parameters:
        - {in: query, schema: UserListArgsSchema}
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200:
          description: 分页的用户列表 {items, page, per_page, total, pages}
    """
    require(permissions.can_list_users(current_user), action="user.list")
    args = load_args(UserListArgsSchema())
    query = visible_to(current_user, db.select(User).order_by(User.id), org_column=User.org_id, admin=True)
    if args["org"]:
        org = find_org(args["org"])
        if org is None:
            raise NotFound(f"单位 {args['org']} 不存在")
        query = query.where(User.org_id == org.id)
    if args["role"]:
        from eduplatform.accounts.models import UserRole

        query = query.where(User.id.in_(db.select(UserRole.user_id).where(UserRole.role == args["role"])))
    if args["q"]:
        query = query.where(User.username.contains(args["q"]) | User.display_name.contains(args["q"]))
    return paginated(query, UserSchema())


@bp.get("/users/<int:user_id>")
@login_required
def get_user(user_id: int):
    """One user, if within the caller's scope.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: UserSchema
    """
    user = get_visible_or_404(User, user_id, current_user, can=permissions.can_view_user, action="user.view",
                              missing="用户不存在")
    return UserSchema().dump(user)


@bp.post("/users")
@login_required
def create_user():
    """Create a user in an org within the caller's scope, with roles the caller may grant.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: UserCreateSchema
      responses:
        201:
          description: 已创建；`initial_password` 仅返回这一次，首次登录须修改
    """
    data = load_json(UserCreateSchema())
    org = find_org(data["org"])
    if data["org"] and org is None:
        raise ValidationFailed(f"单位 {data['org']} 不存在", fields={"org": ["单位不存在"]})
    roles = set(data["roles"])
    require(permissions.can_create_user(current_user, roles, org), action="user.create")
    user, password = services.create_user(
        current_user, username=data["username"], display_name=data["display_name"], roles=roles,
        org=org, password=data["password"], email=data["email"], phone=data["phone"])
    db.session.commit()
    body = UserSchema(view="admin").dump(user)
    body["initial_password"] = password
    return body, 201


@bp.get("/security/locks")
@login_required
def list_locks():
    """Current login locks — accounts and client addresses — with how many failures, from where,
    since and until when (security administrator).
    ---
    get:
      responses:
        200:
          description: "{items: [Lock]}"
    """
    require(permissions.can_manage_locks(current_user), action="lock.list")
    accounts, addresses = lockout.current_locks()
    return {"items": LockSchema(many=True).dump(lock_entries(accounts, addresses))}


@bp.post("/security/locks/<int:lock_id>/lift")
@login_required
def lift_lock(lock_id: int):
    """Lift a lock (account or address) with a reason; audited.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: LiftLockSchema
      responses:
        204:
          description: 已解除
        409:
          description: 该锁定已解除或已到期
    """
    require(permissions.can_manage_locks(current_user), action="lock.lift")
    lock = db.session.get(LoginLock, lock_id)
    if lock is None:
        raise NotFound("锁定记录不存在")
    data = load_json(LiftLockSchema())
    lockout.lift_lock(current_user, lock, data["reason"])
    db.session.commit()
    return "", 204


@bp.post("/users/<int:user_id>/unlock")
@login_required
def unlock_user(user_id: int):
    """Unlock an account with a reason (security administrator); audited.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: LiftLockSchema
      responses:
        204:
          description: 已解锁
        409:
          description: 该账户未被锁定
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    require(permissions.can_unlock_user(current_user, user), action="user.unlock", obj=user)
    data = load_json(LiftLockSchema())
    services.unlock_user(current_user, user, data["reason"])
    db.session.commit()
    return "", 204
