"""REST API for the audit log (audit administrator only)."""

from flask_login import current_user, login_required

from eduplatform.audit.permissions import can_read_audit
from eduplatform.audit.schemas import AuditEntrySchema
from eduplatform.audit.views import filtered_query
from eduplatform.core.api import make_api_blueprint, paginated
from eduplatform.core.permissions import require

bp = make_api_blueprint("audit_api", __name__)


@bp.get("/audit")
@login_required
def list_entries():
    """Audit entries, newest first, filtered by realm, kind prefix, actor, object and date range.
    ---
    get:
      parameters:
        - {name: realm, in: query, schema: {type: string}}
        - {name: kind, in: query, schema: {type: string}}
        - {name: actor, in: query, schema: {type: string}, description: 用户名}
        - {name: actor_id, in: query, schema: {type: integer}}
        - {name: org, in: query, schema: {type: string}, description: 单位代码（含下级单位）}
        - {name: object_type, in: query, schema: {type: string}}
        - {name: object_id, in: query, schema: {type: string}}
        - {name: since, in: query, schema: {type: string, format: date}, description: 北京时间}
        - {name: until, in: query, schema: {type: string, format: date}, description: 北京时间，含当日}
      responses:
        200:
          description: 分页的审计记录
    """
    require(can_read_audit(current_user), action="audit.read")
    return paginated(filtered_query(), AuditEntrySchema())
